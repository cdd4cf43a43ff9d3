"""``torch.optim.lr_scheduler`` under its own names, as lrdsl expressions.

Every scheduler takes ``base_lr`` (the group's ``initial_lr``) where PyTorch
takes the optimizer; the value at ``t`` is the lr after ``t`` calls of
``scheduler.step()``. The chainable schedulers (StepLR, MultiStepLR,
ConstantLR, LinearLR, ExponentialLR, CosineAnnealingLR, PolynomialLR) update
the lr recursively in PyTorch; here they are the closed forms PyTorch
documents for them (its ``_get_closed_form_lr``), equal to the recursion up to
its accumulated rounding (a few ulps). MultiplicativeLR, whose product of an
arbitrary function has no closed form, is a :func:`lrdsl.running_product`.
ReduceLROnPlateau depends on a metric: it is a schedule times a plateau, a
:class:`lrdsl.plateau.PlateauSchedule` that :class:`lrdsl.torch.Scheduler` drives
with ``step(metrics)``.

Code ports as it is written:

- each constructor returns an ordinary schedule that also remembers the base
  lr it was built with, so ``ChainedScheduler([ConstantLR(base, ...),
  ExponentialLR(base, ...)])`` (every child built with the group's lr, as a
  PyTorch user builds them) is PyTorch's ``base * factor * factor``;
- where PyTorch takes a list with one value per param group (``CyclicLR``'s
  ``base_lr``, ``OneCycleLR``'s ``max_lr``, ``SWALR``'s ``swa_lr``,
  ``LambdaLR``'s ``lr_lambda``, ...), so do these, and they return one
  schedule per group (a list, which :class:`lrdsl.torch.Scheduler` takes);
- ``CyclicLR`` and ``OneCycleLR`` take every PyTorch argument; when they cycle
  the momentum (``cycle_momentum=True``, PyTorch's default) they return the
  dict ``{"lr": ..., "momentum": ...}`` that :class:`lrdsl.torch.Scheduler`
  takes (``momentum_key="beta1"`` for Adam-like optimizers, whose momentum is
  ``betas[0]``, as PyTorch picks for them);
- ``last_epoch`` is accepted where PyTorch takes it: it changes nothing in the
  schedule (``s(t)`` is the lr at step ``t`` however the run started); give it
  to :class:`lrdsl.torch.Scheduler` to resume there.

At the edges of PyTorch's domain each constructor gives what PyTorch computes
(``ConstantLR(total_iters=0)`` keeps the factor, ``gamma = 0`` is ``0 ** 0 = 1``
then 0, a negative ``gamma`` or ``eta_min`` gives PyTorch's negative lrs, a
milestone no step reaches never counts, ...), and refuses, with PyTorch's own rule,
what PyTorch refuses or divides by zero on (``tests/test_compat_edges.py`` checks
both against PyTorch).

Importing this module does not import PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .. import _checks as check
from .. import quantity
from .._node import Schedule
from .._ops import is_plain
from ..combinators import chain
from ..families import CosineRestarts, Cyclic
from ..primitives import Constant, Cosine, Exponential, Lambda, Linear, MultiStep, Piecewise, Polynomial, Step
from ..products import RunningProduct
from . import _rules as rule

__all__ = [
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "SequentialLR",
    "CosineAnnealingLR",
    "ChainedScheduler",
    "CyclicLR",
    "CosineAnnealingWarmRestarts",
    "OneCycleLR",
    "PolynomialLR",
    "SWALR",
    "ReduceLROnPlateau",
]

#: What a constructor returns: one schedule, one per param group, or (for the
#: schedulers that also drive the momentum) a dict of them by hyperparameter.
Result = Any

# ----------------------------------------------------------------------------
# What a constructor remembers about its result, for ChainedScheduler.

_TAG = "_compat_torch"


def _tag(s: Schedule, name: str, base: Any, factor: Schedule | None, why: str = "") -> Schedule:
    """Record on ``s`` the constructor ``name``, its ``base`` lr and its ``factor`` (the
    multiplier PyTorch's chainable form applies to the lr), or ``None`` and ``why`` not.

    Kept in the instance's ``__dict__``: no field, so equality, text and data are untouched."""
    object.__setattr__(s, _TAG, (name, base, factor, why))
    return s


def _factored(name: str, base: Any, make: Callable[[Any], Schedule]) -> Schedule:
    """``make(base)``, tagged with its factor ``make(1.0)`` (the schedule is proportional
    to its base lr)."""
    s = make(base)
    return _tag(s, name, base, s if is_plain(base) and base == 1 else make(1.0))


def _overwrites(name: str, base: Any, s: Schedule) -> Schedule:
    return _tag(s, name, base, None, "it sets the lr instead of multiplying it")


def _groups(fn: str, **params: Any) -> int | None:
    """The number of param groups the list-valued ``params`` stand for (``None`` when
    every one is a single value); lists must agree."""
    n: int | None = None
    first = ""
    for name, v in params.items():
        if isinstance(v, (list, tuple)):
            if n is None:
                n, first = len(v), name
            elif len(v) != n:
                raise check.fail(fn, name, list(v), f"one value per param group, as {first} ({n})")
    if n == 0:
        raise check.fail(fn, first, [], "one value per param group (at least one)")
    return n


def _pick(v: Any, g: int) -> Any:
    return v[g] if isinstance(v, (list, tuple)) else v


def _per_group(fn: str, build: Callable[..., Result], **params: Any) -> Result:
    """``build(**params)``, or, when some of ``params`` are per-group lists, the list of
    ``build`` for each group (dicts of hyperparameters become a dict of lists)."""
    n = _groups(fn, **params)
    if n is None:
        return build(**params)
    results = [build(**{k: _pick(v, g) for k, v in params.items()}) for g in range(n)]
    if isinstance(results[0], dict):
        return {key: [r[key] for r in results] for key in results[0]}
    return results


def _last_epoch(fn: str, last_epoch: Any) -> None:
    if isinstance(last_epoch, bool) or not isinstance(last_epoch, int):
        raise TypeError(f"{fn}: last_epoch must be an int, got {type(last_epoch).__name__} {last_epoch!r}")
    if last_epoch < -1:
        raise check.fail(fn, "last_epoch", last_epoch, ">= -1")


def _momentum_key(fn: str, key: Any) -> str:
    return check.choice(fn, "momentum_key", key, ("momentum", "beta1"))


# ----------------------------------------------------------------------------
# The schedulers.


def LambdaLR(base_lr: float | Sequence[float], lr_lambda: Callable[[Any], Any] | Sequence[Callable[[Any], Any]]) -> Result:
    """``base_lr * lr_lambda(t)``: ``base_lr * lambda_(lr_lambda)``.

    Register ``lr_lambda`` with :func:`lrdsl.register` to print and save it by name.
    With lists (one function, or one base lr, per param group), a list of schedules.
    """
    return _per_group(
        "LambdaLR",
        lambda base_lr, lr_lambda: _overwrites("LambdaLR", base_lr, base_lr * Lambda(lr_lambda)),
        base_lr=base_lr,
        lr_lambda=lr_lambda,
    )


def MultiplicativeLR(base_lr: float | Sequence[float], lr_lambda: Any) -> Result:
    """``base_lr * lr_lambda(1) * ... * lr_lambda(t)``: the lr multiplied by
    ``lr_lambda(k)`` at each step ``k``, as PyTorch's recursion does, for any function
    (``lambda epoch: 0.95``, ``lambda epoch: 0.5 if epoch % 10 == 0 else 1.0``):
    ``running_product(base_lr, lambda_(lr_lambda))``.

    A number as ``lr_lambda`` is taken as the constant factor, in closed form:
    ``exponential(base_lr, lr_lambda)`` (as :func:`ExponentialLR` at the edges: a
    factor 0 is ``base_lr`` at ``t = 0`` then 0, a negative one alternates the sign).
    With lists (one function, or one base lr, per param group), a list of schedules.

    >>> MultiplicativeLR(0.1, lambda epoch: 0.5 if epoch % 10 == 0 else 1.0)(25)
    0.025
    """

    def build(base_lr: Any, lr_lambda: Any) -> Schedule:
        if callable(lr_lambda):
            return _factored("MultiplicativeLR", base_lr, lambda b: RunningProduct(b, Lambda(lr_lambda)))
        factor = rule.concrete("MultiplicativeLR", "lr_lambda", lr_lambda)
        return _factored("MultiplicativeLR", base_lr, lambda b: _exponential(b, factor))

    return _per_group("MultiplicativeLR", build, base_lr=base_lr, lr_lambda=lr_lambda)


def _reached(total: Any) -> Any:
    """For a symbolic ``total``: 1 when a step reaches it (a whole number ``> 0``: PyTorch acts
    where ``t == total``), else 0, in arithmetic (``ceil(x - floor(x))`` is 0 for a whole
    ``x``, else 1)."""
    whole = 1 - quantity.ceil(total - quantity.floor(total))
    return whole * quantity.min(1, quantity.max(0, quantity.ceil(total)))


def _exponential(base_lr: Any, gamma: Any) -> Schedule:
    """``base_lr * gamma ** t`` for any real ``gamma``, as PyTorch's recursion multiplies:
    ``gamma = 0`` is ``base_lr`` at ``t = 0``, then 0 (Python's ``0 ** 0 = 1``); a negative
    ``gamma`` is ``exponential(base_lr, -gamma)`` with the sign alternating at every step."""
    return rule.powers(base_lr, gamma, 1, lambda g: Exponential(base_lr, g))


def StepLR(base_lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """``base_lr * gamma ** (t // step_size)``: ``step(base_lr, step_size, gamma)``.

    ``gamma = 0`` is ``piecewise([step_size], [base_lr, 0])`` (PyTorch's ``0 ** 0 = 1``); a
    negative ``gamma`` (PyTorch takes it) is ``step(base_lr, step_size, -gamma)`` times the
    sign ``(-1) ** (t // step_size)``. ``step_size`` must be a whole number ``> 0``:
    PyTorch divides by it (``t % step_size``), and with a fractional one decays only where
    ``t % step_size == 0`` happens to hold in floating point, unlike its own closed form.
    """
    fn = "StepLR"
    if check.is_symbolic(step_size):  # (checked > 0 when bound, by step)
        size = rule.steps(fn, "step_size", step_size)
        gamma = rule.concrete(fn, "gamma", gamma)
        return _factored(fn, base_lr, lambda b: rule.powers(b, gamma, size, lambda g: Step(b, size, gamma=g)))
    size = rule.whole(fn, "step_size", step_size, "a whole number > 0")
    if size <= 0:
        raise check.fail(fn, "step_size", step_size, "a whole number > 0")
    gamma = rule.concrete(fn, "gamma", gamma)
    return _factored(fn, base_lr, lambda b: rule.powers(b, gamma, size, lambda g: Step(b, size, gamma=g)))


def MultiStepLR(base_lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    """``base_lr * gamma ** (number of milestones <= t)``; as in PyTorch the milestones
    may come in any order, and a repeated one counts twice.

    A milestone that no step reaches (negative, or not a whole number: PyTorch
    compares ``t == milestone``) never counts.

    ``multistep(base_lr, milestones, gamma)``; with ``gamma <= 0``, the levels as a
    ``piecewise`` (``0 ** 0 = 1`` before the first milestone; a negative ``gamma``
    alternates the sign, as PyTorch's products do).
    """
    fn = "MultiStepLR"
    if isinstance(milestones, (str, bytes)):
        raise TypeError(f"{fn}: milestones must be a list of numbers, got {type(milestones).__name__}")
    milestones = list(milestones)
    if check.is_symbolic(tuple(milestones)):
        # in the order given (checked in order, and >= 0, when bound), each counted from its step
        points = [rule.steps(fn, f"milestones[{i}]", m) for i, m in enumerate(milestones)]
        rate = rule.concrete(fn, "gamma", gamma)
        if rate <= 0:
            raise check.fail(
                fn, "gamma", rate, "> 0 when milestones are quantities (the levels of gamma <= 0 are laid out by value)"
            )
        return _factored(fn, base_lr, lambda b: MultiStep(b, points, gamma=rate))
    reached = sorted(
        int(m)
        for m in (rule.number(fn, f"milestones[{i}]", m) for i, m in enumerate(milestones))
        if rule.is_whole(m) and m >= 0
    )
    gamma = rule.concrete(fn, "gamma", gamma)

    def make(b: Any) -> Schedule:
        if not reached:
            return Constant(b)
        if not is_plain(gamma) or gamma > 0:
            return MultiStep(b, reached, gamma=gamma)
        return rule.levels(b, reached, gamma)

    return _factored(fn, base_lr, make)


def ConstantLR(base_lr: float, factor: float = 1.0 / 3, total_iters: int = 5) -> Schedule:
    """``base_lr * factor`` before ``total_iters``, then ``base_lr``:
    ``piecewise([total_iters], [base_lr * factor, base_lr])``.

    As in PyTorch: ``factor`` is in ``[0, 1]``; a ``total_iters`` that no step
    reaches (``<= 0``, or not a whole number: PyTorch lifts the factor when ``t ==
    total_iters``) keeps the factor for ever, ``constant(base_lr * factor)``; and
    ``factor = 0`` (or so small that ``1 / factor`` overflows or ``base_lr * factor``
    is subnormal) with a reachable ``total_iters`` is refused, since PyTorch
    divides by the factor there (a ``ZeroDivisionError``, an infinite lr, or lost
    digits, at that step).
    """
    fn = "ConstantLR"
    factor = rule.between(fn, "factor", rule.concrete(fn, "factor", factor), 0, 1)
    total = rule.steps(fn, "total_iters", total_iters)
    if check.is_symbolic(total):
        if factor == 0:
            raise check.fail(
                fn, "factor", factor, f"> 0 when total_iters is a quantity (PyTorch divides by it at step {total!r})"
            )
        g = _reached(total)

        def lift(b: Any) -> Schedule:
            rule.undone(
                fn, "factor", factor, lambda: b * factor * (1.0 / factor), b, f"(PyTorch divides by it at step {total})"
            )
            # the factor is lifted at total_iters when a step reaches it (g = 1), else never
            return Piecewise([quantity.max(0, total)], [b * factor, b * g + b * factor * (1 - g)])

        return _factored(fn, base_lr, lift)
    reachable = rule.is_whole(total) and total > 0
    if reachable and factor == 0:
        raise check.fail(fn, "factor", factor, f"> 0 when total_iters > 0 (PyTorch divides by it at step {total})")

    def make(b: Any) -> Schedule:
        if not reachable:
            return Constant(b * factor)
        rule.undone(
            fn, "factor", factor, lambda: b * factor * (1.0 / factor), b, f"(PyTorch divides by it at step {total})"
        )
        return Piecewise([total], [b * factor, b])

    return _factored(fn, base_lr, make)


def LinearLR(
    base_lr: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5
) -> Schedule:
    """``linear(base_lr * start_factor, base_lr * end_factor, total_iters)``.

    As in PyTorch: ``start_factor`` is in ``(0, 1]`` (and, when the line moves, large
    enough for PyTorch's recursion to divide by) and ``end_factor`` in ``[0, 1]``;
    with ``total_iters <= 0`` the lr stays at ``base_lr * start_factor``; PyTorch's
    recursion stops at the last whole step ``k = floor(total_iters)``, so with a
    fractional ``total_iters`` the line ends there, at ``start + (end - start) * k /
    total_iters``.
    """
    fn = "LinearLR"
    start = rule.concrete(fn, "start_factor", start_factor)
    if is_plain(start) and not 0 < start <= 1:
        raise check.fail(fn, "start_factor", start, "in (0, 1]")
    end = rule.between(fn, "end_factor", rule.concrete(fn, "end_factor", end_factor), 0, 1)
    total = rule.steps(fn, "total_iters", total_iters)
    if check.is_symbolic(total):
        # one form: the line to the last whole step k = max(0, floor(total_iters)) (0 steps:
        # start_factor for ever), where PyTorch's recursion stops, at the fraction f = k / total_iters
        # of the way (as a weighted sum: exactly end_factor for f = 1, start_factor for f = 0)
        k = quantity.max(0, quantity.floor(total))
        f = k / quantity.max(total, 1)
        return _factored(fn, base_lr, lambda b: Linear(b * start, b * (end * f + start * (1 - f)), k))
    last = rule.floor(total) if total > 0 else 0

    def make(b: Any) -> Schedule:
        if last <= 0:
            return Constant(b * start)
        if end > 0 and end != start:  # (a line to 0 only scales PyTorch's first lr down: exact)
            rule.undone(
                fn,
                "start_factor",
                start,
                lambda: b * start * (1.0 + (end - start) / (total * start)),
                b * (start + (end - start) / total),
                "(PyTorch's recursion divides by it)",
            )
        if last == total:
            return Linear(b * start, b * end, last)
        return Linear(b * start, b * (start + (end - start) * last / total), last)

    return _factored(fn, base_lr, make)


def ExponentialLR(base_lr: float, gamma: float) -> Schedule:
    """``base_lr * gamma ** t``: ``exponential(base_lr, gamma)``.

    ``gamma = 0`` is ``base_lr`` at ``t = 0``, then 0 (PyTorch's ``0 ** 0 = 1``); a negative
    ``gamma`` (PyTorch takes it) is ``exponential(base_lr, -gamma)`` times the sign ``(-1)
    ** floor(t)``."""
    gamma = rule.concrete("ExponentialLR", "gamma", gamma)
    return _factored("ExponentialLR", base_lr, lambda b: _exponential(b, gamma))


def SequentialLR(schedulers: Sequence[Schedule], milestones: Sequence[int]) -> Schedule:
    """``schedulers[i](t - milestones[i-1])`` between milestones:
    ``chain(*schedulers, boundaries=milestones)``.

    PyTorch restarts each scheduler at its epoch 0 when its milestone is
    reached (its closed form, from the base lr), which is what a chain does. A
    negative milestone starts its scheduler at step 0, as in PyTorch; milestones
    must be whole numbers (PyTorch restarts a scheduler only where ``t ==
    milestone``) in order. A child that also drives the momentum (a dict) is
    refused: outside its segment PyTorch leaves the momentum where it was, which
    is no schedule.
    """
    fn = "SequentialLR"
    for i, s in enumerate(schedulers):
        if isinstance(s, dict):
            raise check.fail(
                fn,
                f"schedulers[{i}]",
                sorted(s),
                "an lr schedule (this child also drives the momentum: build it with cycle_momentum=False)",
            )
    if isinstance(milestones, (str, bytes)):
        raise TypeError(f"{fn}: milestones must be a list of numbers, got {type(milestones).__name__}")
    bounds = [
        quantity.max(m, 0) if check.is_symbolic(m) else max(rule.whole(fn, f"milestones[{i}]", m), 0)
        for i, m in enumerate(milestones)
    ]
    out = chain(*schedulers, boundaries=bounds)
    base = getattr(schedulers[0], _TAG, (None, None))[1] if schedulers else None
    return _overwrites(fn, base, out)


def CosineAnnealingLR(base_lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:
    """``eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2`` for every ``t``
    (the cosine goes back up after ``T_max``, as PyTorch's does):
    ``cosine(base_lr, eta_min, T_max, periodic=True)``.

    ``T_max`` must be ``> 0`` (PyTorch divides by it); ``eta_min`` may be any number,
    negative included, as in PyTorch."""
    fn = "CosineAnnealingLR"
    eta_min = rule.number(fn, "eta_min", eta_min)
    T_max = rule.positive(fn, "T_max", rule.steps(fn, "T_max", T_max))
    s = Cosine(base_lr, eta_min, T_max, periodic=True)
    if is_plain(base_lr) and base_lr == 0:
        return _tag(s, fn, base_lr, None, "its base lr is 0, so it is no multiple of it")
    return _tag(s, fn, base_lr, Cosine(1.0, eta_min / base_lr, T_max, periodic=True))


def ChainedScheduler(schedulers: Sequence[Schedule], optimizer: Any = None, *, base_lr: float | None = None) -> Schedule:
    """The product of the schedulers' factors: ``base_lr * f1 * f2 * ...``.

    PyTorch's ChainedScheduler steps every scheduler on the same optimizer, and
    the multiplicative ones (StepLR, MultiStepLR, ConstantLR, LinearLR,
    ExponentialLR, PolynomialLR, MultiplicativeLR, CosineAnnealingLR) each
    multiply the lr by a factor of their own. Build the children as PyTorch
    code does, each with the group's lr (``ChainedScheduler([ConstantLR(0.05,
    0.5), ExponentialLR(0.05, 0.9)])`` is ``0.05 * piecewise(...) *
    exponential(1.0, 0.9)``): each remembers its base lr, and its factor is
    itself divided by it. The children must share one base lr (PyTorch's share
    one optimizer); ``base_lr``, if given, must be that one. Schedules not
    built by this module count as factors as they are (built with
    ``base_lr=1.0``), and ``base_lr`` (default 1.0) multiplies them.

    Refused (:class:`~lrdsl.ScheduleError`): children that set the lr rather
    than multiply it (LambdaLR, SequentialLR, CyclicLR, OneCycleLR,
    CosineAnnealingWarmRestarts, SWALR), as PyTorch's product then depends on
    the children's order. A CosineAnnealingLR child is PyTorch's chained
    cosine exactly when ``eta_min = 0``, up to ``T_max``; with ``eta_min > 0``
    PyTorch's recursive update (``eta_min + (lr - eta_min) * ratio``) differs
    from its factor ``cosine(1, eta_min / base_lr, T_max)`` by terms of the
    order of ``eta_min`` times the other factors' change, and past ``T_max`` it
    restarts by adding to the lr: PyTorch's own tests
    (``test_compound_cosanneal_*``) take the product as their target.

    ``optimizer`` (PyTorch's second argument) is accepted for a port, and not
    needed: the children carry their base lr.
    """
    fn = "ChainedScheduler"
    if not schedulers:
        raise check.fail(fn, "schedulers", [], "at least one scheduler")
    bases: list[Any] = []
    factors: list[Schedule] = []
    for i, s in enumerate(schedulers):
        if not isinstance(s, Schedule):
            raise TypeError(f"{fn}: schedulers[{i}] must be a schedule, got {type(s).__name__} {s!r}")
        tag = getattr(s, _TAG, None)
        factor = s
        if tag is not None:
            name, base, factor, why = tag
            if factor is None:
                raise check.fail(fn, f"schedulers[{i}]", s, f"a multiplicative scheduler ({name}: {why})")
            bases.append(base)
        factors.append(factor)
    distinct = {b for b in bases if not (base_lr is not None and b == 1)}
    if len(distinct) > 1:
        raise check.fail(fn, "schedulers", list(schedulers), f"built with one base lr (got {sorted(distinct)})")
    common = next(iter(distinct)) if distinct else None
    if base_lr is not None and common is not None and common != base_lr:
        raise check.fail(fn, "base_lr", base_lr, f"the children's base lr ({common!r})")
    base = base_lr if base_lr is not None else (common if common is not None else 1.0)
    result: Any = base  # base * f1 * f2 * ..., multiplied in PyTorch's order
    product: Any = None
    for f in factors:
        result = result * f
        product = f if product is None else product * f
    return _tag(result, fn, base, product)


def CyclicLR(
    base_lr: float | Sequence[float],
    max_lr: float | Sequence[float],
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[Any], Any] | None = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: float | Sequence[float] = 0.8,
    max_momentum: float | Sequence[float] = 0.9,
    last_epoch: int = -1,
    *,
    momentum_key: str = "momentum",
) -> Result:
    """Triangular cycles between ``base_lr`` and ``max_lr``:
    ``cyclic(base_lr, max_lr, step_size_up, step_size_down, mode, gamma)``.

    With ``scale_fn`` (PyTorch's custom policy, which then replaces ``mode``):
    ``base_lr + cyclic(0, max_lr - base_lr, ...) * lambda_(scale)``, where
    ``scale(t)`` is ``scale_fn(floor(1 + t / cycle_length))`` (``scale_mode="cycle"``)
    or ``scale_fn(t)`` (``"iterations"``).

    Returns, when ``cycle_momentum`` (PyTorch's default), the dict
    ``{"lr": lr, momentum_key: momentum}`` for :class:`lrdsl.torch.Scheduler`,
    the momentum cycling the other way, from ``max_momentum`` down to
    ``base_momentum`` (``cyclic(max_momentum, base_momentum, ...)``); without
    it, the lr schedule alone. ``momentum_key="beta1"`` names Adam's
    ``betas[0]`` (PyTorch picks it when the optimizer has ``betas``). Lists
    (one value per param group) give lists.

    At the edges, as PyTorch: ``step_size_up > 0`` and ``step_size_down >= 0``;
    ``gamma`` is used by ``mode="exp_range"`` only, where ``gamma = 0`` holds
    ``base_lr`` (``0 ** 0 = 1`` at ``t = 0``, where the cycle is at its low anyway)
    and a negative ``gamma`` scales by ``|gamma| ** t`` with the sign alternating at
    every step; ``max_lr < base_lr`` cycles below ``base_lr`` (with ``gamma > 1`` the
    amplitude grows, and the lr goes negative, as PyTorch's does).
    """
    fn = "CyclicLR"
    _last_epoch(fn, last_epoch)
    key = _momentum_key(fn, momentum_key)
    cycle_momentum = check.flag(fn, "cycle_momentum", cycle_momentum)
    if scale_fn is None:
        mode = check.choice(fn, "mode", mode, ("triangular", "triangular2", "exp_range"))
    else:
        if not callable(scale_fn):
            raise TypeError(f"{fn}: scale_fn must be callable, got {type(scale_fn).__name__} {scale_fn!r}")
        scale_mode = check.choice(fn, "scale_mode", scale_mode, ("cycle", "iterations"))
    up = rule.positive(fn, "step_size_up", rule.steps(fn, "step_size_up", step_size_up))
    down = (
        None
        if step_size_down is None
        else rule.at_least(fn, "step_size_down", rule.steps(fn, "step_size_down", step_size_down), 0)
    )
    length = up + (up if down is None else down)
    exp_range = scale_fn is None and mode == "exp_range"
    if exp_range:
        gamma = rule.concrete(fn, "gamma", gamma)

    def cycle(low: Any, high: Any, sign: int = 1) -> Schedule:
        """``low + (high - low) * x * scale``, ``x`` the triangle of the cycle; with a custom
        ``scale_fn``, as PyTorch writes it: ``low + (high - low) * x * scale`` for the lr
        (``sign = 1``), ``low - (low - high) * x * scale`` for the momentum (``sign = -1``)."""
        if scale_fn is not None:
            height = Cyclic(0.0, (high - low) * sign, up, step_size_down=down)
            scaled = height * Lambda(_scale(scale_fn, scale_mode, length))
            return low + scaled if sign == 1 else low - scaled
        if not exp_range:
            return Cyclic(low, high, up, step_size_down=down, mode=mode)  # PyTorch ignores gamma
        if is_plain(gamma) and gamma == 0:
            return Constant(low)
        if is_plain(gamma) and gamma < 0:
            return low + Cyclic(0.0, high - low, up, step_size_down=down, mode=mode, gamma=-gamma) * rule.alternating(1)
        return Cyclic(low, high, up, step_size_down=down, mode=mode, gamma=gamma)

    def build(base_lr: Any, max_lr: Any, base_momentum: Any, max_momentum: Any) -> Result:
        lr = _overwrites(fn, base_lr, cycle(base_lr, max_lr))
        if not cycle_momentum:
            return lr
        return {"lr": lr, key: cycle(max_momentum, base_momentum, -1)}

    return _per_group(
        fn, build, base_lr=base_lr, max_lr=max_lr, base_momentum=base_momentum, max_momentum=max_momentum
    )


def _scale(scale_fn: Callable[[Any], Any], scale_mode: str, total: Any) -> Callable[[Any], Any]:
    """PyTorch's custom ``scale_fn`` as a function of the step: of the cycle number
    ``floor(1 + t / total)`` (an int for Python numbers, as PyTorch passes it) or of ``t``."""
    if scale_mode == "iterations":
        return scale_fn

    def scale(t: Any) -> Any:
        if type(t) is int or type(t) is float:
            return scale_fn(math.floor(1 + t / total))
        return scale_fn((1 + t / total) // 1)

    return scale


def CosineAnnealingWarmRestarts(base_lr: float, T_0: int, T_mult: int = 1, eta_min: float = 0.0) -> Schedule:
    """Cosine cycles of lengths ``T_0 * T_mult ** i``: ``cosine_restarts(base_lr, eta_min, T_0, T_mult)``.

    As in PyTorch, ``T_0`` is an int ``> 0`` and ``T_mult`` an int ``>= 1``; ``eta_min``
    may be any number, negative included."""
    fn = "CosineAnnealingWarmRestarts"
    T_mult = check.not_symbolic(fn, "T_mult", T_mult)
    ints = [("T_mult", T_mult, 1)]
    if check.is_symbolic(T_0):  # (checked > 0 when bound, by cosine_restarts)
        T_0 = rule.steps(fn, "T_0", T_0)
    else:
        ints.insert(0, ("T_0", T_0, 1))
    for name, v, low in ints:
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{fn}: {name} must be an int, got {type(v).__name__} {v!r}")
        if v < low:
            raise check.fail(fn, name, v, f"an int >= {low}")
    eta_min = rule.number(fn, "eta_min", eta_min)
    return _overwrites(fn, base_lr, CosineRestarts(base_lr, eta_min, T_0, mult=T_mult))


def OneCycleLR(
    max_lr: float | Sequence[float],
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: float | Sequence[float] = 0.85,
    max_momentum: float | Sequence[float] = 0.95,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
    last_epoch: int = -1,
    *,
    momentum_key: str = "momentum",
) -> Result:
    """The 1cycle policy: ``onecycle(max_lr, total_steps, pct_start, div_factor,
    final_div_factor, anneal_strategy, three_phase)``, a chain of cosines or lines
    with PyTorch's (float) phase ends, then at ``t = total_steps`` PyTorch's own
    last value (it extrapolates its last anneal one step, below the final lr for
    ``"linear"``) held from then on (PyTorch refuses to step further).
    ``total_steps`` may instead be given as ``epochs * steps_per_epoch``.

    Returns, when ``cycle_momentum`` (PyTorch's default), the dict
    ``{"lr": lr, momentum_key: momentum}`` for :class:`lrdsl.torch.Scheduler`,
    the momentum going from ``max_momentum`` down to ``base_momentum`` and back
    along the same phases (in three phases: back, then held); without it, the
    lr schedule alone. ``momentum_key="beta1"`` names Adam's ``betas[0]``
    (PyTorch picks it when the optimizer has ``betas``). The parameters are
    PyTorch's, in its order. Lists (one value per param group) give lists.

    Arguments as PyTorch checks them: ``total_steps``, ``epochs`` and
    ``steps_per_epoch`` ints ``> 0``, ``pct_start`` a float in ``[0, 1]``;
    ``div_factor`` and ``final_div_factor`` nonzero (PyTorch divides by them; a
    negative one, like a negative ``max_lr``, gives negative lrs, as in PyTorch). At
    the edges, PyTorch's phases (ends ``a = pct_start * total_steps - 1`` and, with
    ``three_phase``, ``2 * a``) are followed over the run's steps ``0 ..
    total_steps - 1``: a phase that ends past the run is cut (``pct_start = 1``: the
    warmup alone, its end held from ``t = total_steps``, where PyTorch would divide
    by zero); ``a < 0`` (``pct_start * total_steps < 1``) skips the warmup, the
    anneal starting part-way, which lrdsl can express for ``anneal_strategy="linear"``
    (a line) but not yet for ``"cos"`` (refused, as is ``a = 0``, where PyTorch
    divides by zero).
    """
    fn = "OneCycleLR"
    _last_epoch(fn, last_epoch)
    key = _momentum_key(fn, momentum_key)
    cycle_momentum = check.flag(fn, "cycle_momentum", cycle_momentum)
    if total_steps is None:
        if epochs is None or steps_per_epoch is None:
            raise check.fail(fn, "total_steps", None, "given, or epochs and steps_per_epoch both given")
        total_steps = _count(fn, "epochs", epochs) * _count(fn, "steps_per_epoch", steps_per_epoch)
    total = _count(fn, "total_steps", total_steps)
    if not isinstance(pct_start, float):
        raise TypeError(f"{fn}: pct_start must be a float between 0 and 1, got {type(pct_start).__name__} {pct_start!r}")
    pct = rule.between(fn, "pct_start", pct_start, 0, 1)
    kind = check.choice(fn, "anneal_strategy", anneal_strategy, ("cos", "linear"))
    three = check.flag(fn, "three_phase", three_phase)
    for name, v in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
        if rule.number(fn, name, v) == 0:
            raise check.fail(fn, name, v, "!= 0 (PyTorch divides by it)")
    a = float(pct * total) - 1
    if a == 0:
        raise check.fail(
            fn, "pct_start", pct, f"!= 1 / total_steps (PyTorch's first phase would have length 0 at total_steps={total})"
        )
    ends = [a, float(2 * pct * total) - 2, total - 1] if three else [a, total - 1]
    if a < 0 < total - 1 and kind == "cos":
        raise check.fail(
            fn,
            "pct_start",
            pct,
            f"> 1 / total_steps with anneal_strategy='cos' (PyTorch's warmup would end before step 0 and"
            f" its cosine start part-way, at total_steps={total}; lrdsl cannot express that yet)",
        )

    def build(max_lr: Any, base_momentum: Any, max_momentum: Any) -> Result:
        max_lr = rule.number(fn, "max_lr", max_lr)
        low = max_lr / div_factor
        lrs = [low, max_lr, low, low / final_div_factor] if three else [low, max_lr, low / final_div_factor]
        lr = _overwrites(fn, low, _one_cycle(ends, lrs, total, kind))
        if not cycle_momentum:
            return lr
        m = [max_momentum, base_momentum, max_momentum] + ([max_momentum] if three else [])
        return {"lr": lr, key: _one_cycle(ends, m, total, kind)}

    return _per_group(fn, build, max_lr=max_lr, base_momentum=base_momentum, max_momentum=max_momentum)


def _count(fn: str, param: str, value: Any) -> int:
    """An int ``> 0``, as PyTorch's OneCycleLR demands of its step counts (a number: its phase
    ends and its last value, PyTorch's extrapolation past the last phase, decide the form)."""
    check.not_symbolic(fn, param, value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise check.fail(fn, param, value, "an int > 0")
    return value


def _one_cycle(ends: list[Any], values: list[Any], total: int, kind: str) -> Schedule:
    """PyTorch's OneCycleLR phases as a chain: phase ``i`` anneals from ``values[i]`` to
    ``values[i + 1]`` between the steps ``ends[i - 1]`` (0 for the first) and ``ends[i]``
    (the last ends at ``total - 1``), and PyTorch takes, at step ``s``, the first phase with
    ``s <= ends[i]`` (or the last). Phases that no step of the run reaches (ending before
    step 0, or beginning after the run) are left out; the first one kept may begin
    before step 0 (a line, already part-way: :func:`OneCycleLR` refuses a cosine there).
    From ``t = total`` on, PyTorch's own value at ``total`` (:func:`_one_cycle_at`)."""
    piece = Cosine if kind == "cos" else Linear
    pieces: list[Schedule] = []
    bounds: list[Any] = []
    begin: Any = 0.0
    for i, end in enumerate(ends):
        last = i == len(ends) - 1
        length = end - begin
        if length > 0 and (end > 0 or last):
            start, stop = values[i], values[i + 1]
            if begin < 0:  # under way at step 0: the part of the line from step 0 on
                start = start + (stop - start) * (0 - begin) / length
                p: Schedule = Constant(stop) if end == 0 else Linear(start, stop, end)
            else:
                p = piece(start, stop, length)
            if pieces:
                bounds.append(begin)
            pieces.append(p)
        begin = end
    at_total = _one_cycle_at(ends, values, total, kind)
    if at_total is None:  # PyTorch divides by zero at `total`: the run's last value, held
        return pieces[0] if len(pieces) == 1 else chain(*pieces, boundaries=bounds)
    return chain(*pieces, Constant(at_total), boundaries=[*bounds, total])


def _one_cycle_at(ends: list[Any], values: list[Any], step: int, kind: str) -> Any:
    """PyTorch's ``OneCycleLR.get_lr`` at ``step``, as it computes it (``None`` where it
    divides by zero)."""
    begin: Any = 0.0
    for i, end in enumerate(ends):
        if step <= end or i == len(ends) - 1:
            if end == begin:
                return None
            pct = (step - begin) / (end - begin)
            start, stop = values[i], values[i + 1]
            if kind == "cos":  # PyTorch's _annealing_cos and _annealing_linear, as written
                return stop + (start - stop) / 2.0 * (math.cos(math.pi * pct) + 1)
            return (stop - start) * pct + start
        begin = end
    return None  # (not reached: the last phase takes every step)


def PolynomialLR(base_lr: float, total_iters: int = 5, power: float = 1.0) -> Schedule:
    """``base_lr * (1 - min(t, total_iters) / total_iters) ** power``:
    ``polynomial(base_lr, 0, total_iters, power)``.

    As PyTorch's recursion has it: ``total_iters <= 0`` or ``power = 0`` keep
    ``base_lr``; a fractional ``total_iters`` stops at the last whole step ``k =
    floor(total_iters)`` (the value there is held); ``power < 0`` is refused
    (PyTorch divides by zero at ``total_iters``).
    """
    fn = "PolynomialLR"
    total = rule.steps(fn, "total_iters", total_iters)
    power = rule.concrete(fn, "power", power)
    if check.is_symbolic(total):
        if power < 0:
            raise check.fail(
                fn, "power", power, ">= 0 when total_iters is a quantity (PyTorch divides by zero at step total_iters)"
            )
        if power == 0:
            return _factored(fn, base_lr, Constant)
        # one form: the decay, held from the last whole step k = max(0, floor(total_iters)) at its
        # value there (n = max(total_iters, 1): the decay is cut at k = 0 when total_iters < 1)
        k = quantity.max(0, quantity.floor(total))
        n = quantity.max(total, 1)
        return _factored(
            fn,
            base_lr,
            lambda b: chain(Polynomial(b, 0.0, n, power=power), Constant(b * (1 - k / n) ** power), boundaries=[k]),
        )
    last = rule.floor(total) if total > 0 else 0
    if last > 0 and power < 0:
        raise check.fail(fn, "power", power, f">= 0 (PyTorch divides by zero at step total_iters={total})")

    def make(b: Any) -> Schedule:
        if last <= 0 or power == 0:
            return Constant(b)
        decay = Polynomial(b, 0.0, total, power=power)
        if last == total:
            return decay
        return chain(decay, Constant(decay(last)), boundaries=[last])

    return _factored(fn, base_lr, make)


def SWALR(
    base_lr: float | Sequence[float],
    swa_lr: float | Sequence[float],
    anneal_epochs: int = 10,
    anneal_strategy: str = "cos",
    last_epoch: int = -1,
) -> Result:
    """``torch.optim.swa_utils.SWALR``: from the lr the group has when SWALR starts
    (``base_lr``) to ``swa_lr`` over ``anneal_epochs`` steps, then ``swa_lr``:
    ``cosine(base_lr, swa_lr, anneal_epochs)`` (``anneal_strategy="cos"``) or
    ``linear(base_lr, swa_lr, anneal_epochs)`` (``"linear"``); ``constant(swa_lr)``
    for ``anneal_epochs=0``.

    SWALR anneals from whatever lr the group has when it takes over, so after
    another schedule ``s`` for ``k`` steps it is ``chain(s, SWALR(s(k), swa_lr,
    ...), boundaries=[k])``. Lists (one value per param group) give lists.
    """
    fn = "SWALR"
    _last_epoch(fn, last_epoch)
    kind = check.choice(fn, "anneal_strategy", anneal_strategy, ("cos", "linear"))
    if check.is_symbolic(anneal_epochs):  # 0 epochs: a line or cosine of 0 steps, swa_lr from the start
        n = rule.steps(fn, "anneal_epochs", anneal_epochs)
        piece = Cosine if kind == "cos" else Linear
        return _per_group(
            fn,
            lambda base_lr, swa_lr: _overwrites(fn, base_lr, piece(base_lr, swa_lr, n)),
            base_lr=base_lr,
            swa_lr=swa_lr,
        )
    if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) or anneal_epochs < 0:
        raise check.fail(fn, "anneal_epochs", anneal_epochs, "an int >= 0")

    def build(base_lr: Any, swa_lr: Any) -> Schedule:
        if anneal_epochs == 0:
            return _overwrites(fn, base_lr, Constant(swa_lr))
        piece = Cosine if kind == "cos" else Linear
        return _overwrites(fn, base_lr, piece(base_lr, swa_lr, anneal_epochs))

    return _per_group(fn, build, base_lr=base_lr, swa_lr=swa_lr)


# ----------------------------------------------------------------------------
# ReduceLROnPlateau: a schedule times a plateau (lrdsl.plateau).


def ReduceLROnPlateau(
    base_lr: Any,
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: float | Sequence[float] = 0,
    eps: float = 1e-8,
) -> Any:
    """PyTorch's ``ReduceLROnPlateau``: ``base_lr * TorchPlateau(mode, factor, patience,
    threshold, threshold_mode, cooldown, min_lr, eps)``, a
    :class:`lrdsl.plateau.PlateauSchedule`.

    ``ps = ReduceLROnPlateau(0.1, patience=5)``; ``state = ps.init()``; after each
    ``scheduler.step(metric)`` PyTorch would take, ``state = ps.update(state,
    metric, t)`` (``t``: the steps of any other scheduler on the same optimizer
    so far, 0 if there is none); the lr is then ``ps(t, state)`` (``ps(t + 1,
    state)`` once that other scheduler has stepped too). ``base_lr`` may be a
    schedule: PyTorch's compound use, a chainable scheduler and
    ``ReduceLROnPlateau`` stepping the same optimizer (their lr is the product
    of both, ``min_lr`` and ``eps`` applying to it at each reduction).

    With one base lr per param group (a list), one plateau schedule per group
    (``min_lr`` a number, or a list of one per group, as PyTorch checks). PyTorch's
    own checks: ``factor < 1``, the modes. Returns a ``PlateauSchedule``, or a
    list of them.
    """
    from ..plateau import PlateauSchedule, TorchPlateau

    fn = "ReduceLROnPlateau"
    per_group = isinstance(base_lr, (list, tuple))
    bases = [rule.unplateaued(fn, "base_lr", b) for b in (list(base_lr) if per_group else [base_lr])]
    if isinstance(min_lr, (list, tuple)):
        if len(min_lr) != len(bases):
            raise check.fail(fn, "min_lr", list(min_lr), f"a list of {len(bases)} min_lrs (one per param group)")
        floors = list(min_lr)
    else:
        floors = [min_lr] * len(bases)
    out: list[PlateauSchedule] = [
        b * TorchPlateau(mode, factor, patience, threshold, threshold_mode, cooldown, m, eps)
        for b, m in zip(bases, floors)
    ]
    return out if per_group else out[0]
