"""``torch.optim.lr_scheduler`` under its own names, as lrdsl expressions.

Every scheduler takes ``base_lr`` (the group's ``initial_lr``) where PyTorch
takes the optimizer; the value at ``t`` is the lr after ``t`` calls of
``scheduler.step()``. The chainable schedulers (StepLR, MultiStepLR,
ConstantLR, LinearLR, ExponentialLR, CosineAnnealingLR, PolynomialLR,
MultiplicativeLR) update the lr recursively in PyTorch; here they are the
closed forms PyTorch documents for them (its ``_get_closed_form_lr``), equal
to the recursion up to its accumulated rounding (a few ulps).
ReduceLROnPlateau depends on a metric, so it is not a schedule.

Importing this module does not import PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import _checks as check
from .._node import Schedule
from .._ops import is_plain
from ..combinators import chain
from ..families import CosineRestarts, Cyclic, onecycle
from ..primitives import Constant, Cosine, Exponential, Lambda, Linear, MultiStep, Piecewise, Polynomial, Step
from . import _rules as rule
from ._rules import NEGATIVE

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
]


def LambdaLR(base_lr: float, lr_lambda: Callable[[Any], Any]) -> Schedule:
    """``base_lr * lr_lambda(t)``: ``base_lr * lambda_(lr_lambda)``.

    Register ``lr_lambda`` with :func:`lrdsl.register` to print and save it by name.
    """
    return base_lr * Lambda(lr_lambda)


def MultiplicativeLR(base_lr: float, lr_lambda: float) -> Schedule:
    """``base_lr * lr_lambda(1) * ... * lr_lambda(t)``, for a constant factor:
    ``exponential(base_lr, factor)``.

    PyTorch's MultiplicativeLR is a running product of factors, which has a
    closed form only when the factor has one. So ``lr_lambda`` here is the
    factor itself, a number (PyTorch's ``lambda epoch: 0.95`` is ``0.95``); a
    function raises ``TypeError``, since a running product of an arbitrary
    function cannot be evaluated at one ``t``: give :func:`lrdsl.lambda_` the
    product in closed form instead (``base_lr * lambda_(lambda t: ...)``).
    """
    if callable(lr_lambda):
        raise TypeError(
            "MultiplicativeLR: lr_lambda must be the constant factor as a number (PyTorch's"
            " `lambda epoch: 0.95` is 0.95); a running product of an arbitrary function has no"
            " closed form: give lambda_ the product itself (base_lr * lambda_(lambda t: ...))"
        )
    factor = rule.at_least("MultiplicativeLR", "lr_lambda", lr_lambda, 0, NEGATIVE)
    return _exponential(base_lr, factor)


def _exponential(base_lr: float, gamma: Any) -> Schedule:
    """``base_lr * gamma ** t`` for ``gamma >= 0``; ``gamma = 0`` is ``base_lr`` at ``t = 0``,
    then 0 (Python's ``0 ** 0 = 1``, as in PyTorch's recursion)."""
    if is_plain(gamma) and gamma == 0:
        return Piecewise([1], [base_lr, 0.0])
    return Exponential(base_lr, gamma)


def StepLR(base_lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """``base_lr * gamma ** (t // step_size)``: ``step(base_lr, step_size, gamma)``.

    ``gamma = 0`` is ``piecewise([step_size], [base_lr, 0])`` (PyTorch's ``0 ** 0 = 1``).
    ``step_size`` must be a whole number ``> 0``: PyTorch divides by it (``t %
    step_size``), and with a fractional one decays only where ``t % step_size == 0``
    happens to hold in floating point, unlike its own closed form.
    """
    fn = "StepLR"
    size = rule.whole(fn, "step_size", step_size, "a whole number > 0")
    if size <= 0:
        raise check.fail(fn, "step_size", step_size, "a whole number > 0")
    gamma = rule.at_least(fn, "gamma", gamma, 0, NEGATIVE)
    if is_plain(gamma) and gamma == 0:
        return Piecewise([size], [base_lr, 0.0])
    return Step(base_lr, size, gamma)


def MultiStepLR(base_lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    """``base_lr * gamma ** (number of milestones <= t)``; as in PyTorch the milestones
    may come in any order, and a repeated one counts twice.

    A milestone that no step reaches (negative, or not a whole number: PyTorch
    compares ``t == milestone``) never counts.

    ``multistep(base_lr, milestones, gamma)``; with ``gamma = 0``, the levels as a
    ``piecewise`` (``0 ** 0 = 1`` before the first milestone).
    """
    fn = "MultiStepLR"
    if isinstance(milestones, (str, bytes)):
        raise TypeError(f"{fn}: milestones must be a list of numbers, got {type(milestones).__name__}")
    reached = sorted(
        int(m)
        for m in (rule.number(fn, f"milestones[{i}]", m) for i, m in enumerate(milestones))
        if rule.is_whole(m) and m >= 0
    )
    gamma = rule.number(fn, "gamma", gamma)
    if not reached:
        return Constant(base_lr)
    if not is_plain(gamma) or gamma > 0:
        return MultiStep(base_lr, reached, gamma)
    return rule.levels(fn, "gamma", base_lr, reached, gamma)


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
    factor = rule.between(fn, "factor", factor, 0, 1)
    total = rule.steps(fn, "total_iters", total_iters)
    if not (rule.is_whole(total) and total > 0):
        return Constant(base_lr * factor)
    if factor == 0:
        raise check.fail(fn, "factor", factor, f"> 0 when total_iters > 0 (PyTorch divides by it at step {total})")
    rule.undone(
        fn, "factor", factor, lambda: base_lr * factor * (1.0 / factor), base_lr, f"(PyTorch divides by it at step {total})"
    )
    return Piecewise([total], [base_lr * factor, base_lr])


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
    start = rule.between(fn, "start_factor", start_factor, 0, 1)
    if start == 0:
        raise check.fail(fn, "start_factor", start, "in (0, 1]")
    end = rule.between(fn, "end_factor", end_factor, 0, 1)
    total = rule.steps(fn, "total_iters", total_iters)
    last = rule.floor(total) if total > 0 else 0
    if last <= 0:
        return Constant(base_lr * start)
    if end > 0 and end != start:  # (a line to 0 only scales PyTorch's first lr down: exact)
        rule.undone(
            fn,
            "start_factor",
            start,
            lambda: base_lr * start * (1.0 + (end - start) / (total * start)),
            base_lr * (start + (end - start) / total),
            "(PyTorch's recursion divides by it)",
        )
    if last == total:
        return Linear(base_lr * start, base_lr * end, last)
    return Linear(base_lr * start, base_lr * (start + (end - start) * last / total), last)


def ExponentialLR(base_lr: float, gamma: float) -> Schedule:
    """``base_lr * gamma ** t``: ``exponential(base_lr, gamma)``.

    ``gamma = 0`` is ``base_lr`` at ``t = 0``, then 0 (PyTorch's ``0 ** 0 = 1``)."""
    return _exponential(base_lr, rule.at_least("ExponentialLR", "gamma", gamma, 0, NEGATIVE))


def SequentialLR(schedulers: Sequence[Schedule], milestones: Sequence[int]) -> Schedule:
    """``schedulers[i](t - milestones[i-1])`` between milestones:
    ``chain(*schedulers, boundaries=milestones)``.

    PyTorch restarts each scheduler at its epoch 0 when its milestone is
    reached (its closed form, from the base lr), which is what a chain does. A
    negative milestone starts its scheduler at step 0, as in PyTorch; milestones
    must be whole numbers (PyTorch restarts a scheduler only where ``t ==
    milestone``) in order.
    """
    fn = "SequentialLR"
    if isinstance(milestones, (str, bytes)):
        raise TypeError(f"{fn}: milestones must be a list of numbers, got {type(milestones).__name__}")
    bounds = [max(rule.whole(fn, f"milestones[{i}]", m), 0) for i, m in enumerate(milestones)]
    return chain(*schedulers, boundaries=bounds)


def CosineAnnealingLR(base_lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:
    """``eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2`` for every ``t``
    (the cosine goes back up after ``T_max``, as PyTorch's does):
    ``cosine(base_lr, eta_min, T_max, periodic=True)``.

    ``T_max`` must be ``> 0`` (PyTorch divides by it)."""
    fn = "CosineAnnealingLR"
    return Cosine(base_lr, rule.at_least(fn, "eta_min", eta_min, 0, NEGATIVE), rule.positive(fn, "T_max", rule.steps(fn, "T_max", T_max)), periodic=True)


def ChainedScheduler(schedulers: Sequence[Schedule], base_lr: float = 1.0) -> Schedule:
    """The product of the schedulers' factors: ``base_lr * s1 * s2 * ...``.

    PyTorch's ChainedScheduler steps every scheduler on the same optimizer, so
    for the multiplicative schedulers (StepLR, MultiStepLR, ConstantLR,
    LinearLR, ExponentialLR, PolynomialLR, MultiplicativeLR, CosineAnnealingLR
    with ``eta_min=0``) the lr is ``base_lr`` times each one's factor. Build
    the schedulers with ``base_lr=1.0`` (their factors) and pass the base lr
    here.
    """
    if not schedulers:
        raise check.fail("ChainedScheduler", "schedulers", [], "at least one scheduler")
    out: Any = base_lr
    for s in schedulers:
        out = out * s
    return out if isinstance(out, Schedule) else Constant(out)


def CyclicLR(
    base_lr: float,
    max_lr: float,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
) -> Schedule:
    """Triangular cycles between ``base_lr`` and ``max_lr``:
    ``cyclic(base_lr, max_lr, step_size_up, step_size_down, mode, gamma)``.

    PyTorch's ``scale_fn``/``scale_mode`` for custom policies are not taken:
    write those with :func:`lrdsl.lambda_`. (Momentum cycling is the
    optimizer's business: drive it with a second schedule.)
    """
    fn = "CyclicLR"
    mode = check.choice(fn, "mode", mode, ("triangular", "triangular2", "exp_range"))
    up = rule.positive(fn, "step_size_up", rule.steps(fn, "step_size_up", step_size_up))
    down = None if step_size_down is None else rule.at_least(fn, "step_size_down", rule.steps(fn, "step_size_down", step_size_down), 0)
    if mode != "exp_range":
        return Cyclic(base_lr, max_lr, up, down, mode)  # PyTorch ignores gamma
    gamma = rule.at_least(fn, "gamma", gamma, 0, "(exp_range scales by gamma ** t)")
    if is_plain(gamma) and gamma == 0:  # 0 ** 0 = 1 at t = 0, where the cycle is at base_lr anyway
        return Constant(base_lr)
    if is_plain(gamma) and is_plain(max_lr) and is_plain(base_lr) and gamma > 1 and max_lr < base_lr:
        raise check.fail(
            fn,
            "max_lr",
            max_lr,
            f">= base_lr ({base_lr!r}) with mode='exp_range' and gamma > 1 (the amplitude grows without"
            f" bound, so the lr would go negative) {NEGATIVE}",
        )
    return Cyclic(base_lr, max_lr, up, down, mode, gamma)


def CosineAnnealingWarmRestarts(base_lr: float, T_0: int, T_mult: int = 1, eta_min: float = 0.0) -> Schedule:
    """Cosine cycles of lengths ``T_0 * T_mult ** i``: ``cosine_restarts(base_lr, eta_min, T_0, T_mult)``.

    As in PyTorch, ``T_0`` is an int ``> 0`` and ``T_mult`` an int ``>= 1``."""
    fn = "CosineAnnealingWarmRestarts"
    for name, v, low in (("T_0", T_0, 1), ("T_mult", T_mult, 1)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{fn}: {name} must be an int, got {type(v).__name__} {v!r}")
        if v < low:
            raise check.fail(fn, name, v, f"an int >= {low}")
    return CosineRestarts(base_lr, rule.at_least(fn, "eta_min", eta_min, 0, NEGATIVE), T_0, T_mult)


def OneCycleLR(
    max_lr: float,
    total_steps: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
    *,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
) -> Schedule:
    """The 1cycle policy: ``onecycle(max_lr, total_steps, pct_start, div_factor,
    final_div_factor, anneal_strategy, three_phase)``, a chain of cosines or
    lines with PyTorch's (float) phase ends. ``total_steps`` may instead be
    given as ``epochs * steps_per_epoch``. At ``t = total_steps`` PyTorch
    extrapolates its last anneal; this stays at the final lr.

    Arguments as PyTorch checks them: ``total_steps``, ``epochs`` and
    ``steps_per_epoch`` ints ``> 0``, ``pct_start`` a float in ``[0, 1]``. At the
    edges, PyTorch's phases (ends ``a = pct_start * total_steps - 1`` and, with
    ``three_phase``, ``2 * a``) are followed over the run's steps ``0 ..
    total_steps - 1``: a phase that ends past the run is cut (``pct_start = 1``:
    the warmup alone); ``a < 0`` (``pct_start * total_steps < 1``) skips the warmup,
    the anneal starting part-way, which lrdsl can express for
    ``anneal_strategy="linear"`` (a line) but not yet for ``"cos"`` (refused, as
    is ``a = 0``, where PyTorch divides by zero).
    """
    fn = "OneCycleLR"
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
    peak = rule.at_least(fn, "max_lr", max_lr, 0, NEGATIVE)
    lo = peak / rule.positive(fn, "div_factor", div_factor)
    end = lo / rule.positive(fn, "final_div_factor", final_div_factor)
    a, last = float(pct * total) - 1, total - 1
    b = float(2 * pct * total) - 2 if three else a
    if a == 0:
        raise check.fail(
            fn, "pct_start", pct, f"!= 1 / total_steps (PyTorch's first phase would have length 0 at total_steps={total})"
        )
    if a > 0 and last - b > 0:  # every phase within the run
        return onecycle(peak, total, pct, div_factor, final_div_factor, kind, three)
    piece = Cosine if kind == "cos" else Linear
    if a > 0:  # the last phase begins at or after the run's last step
        if not three:
            return piece(lo, peak, a)
        return chain(piece(lo, peak, a), piece(peak, lo, b - a))
    # a < 0: the warmup (and the second phase) end before step 0: the last anneal, from
    # `start` at step b (< 0) to `end` at the last step, is already under way at 0.
    start = lo if three else peak
    if last == 0:
        return Constant(end)
    if kind == "cos":
        raise check.fail(
            fn,
            "pct_start",
            pct,
            f"> 1 / total_steps with anneal_strategy='cos' (PyTorch's warmup would end before step 0 and"
            f" its cosine start part-way, at total_steps={total}; lrdsl cannot express that yet)",
        )
    return Linear(start + (end - start) * (0 - b) / (last - b), end, last)


def _count(fn: str, param: str, value: Any) -> int:
    """An int ``> 0``, as PyTorch's OneCycleLR demands of its step counts."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise check.fail(fn, param, value, "an int > 0")
    return value


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
    power = rule.number(fn, "power", power)
    last = rule.floor(total) if total > 0 else 0
    if last <= 0 or power == 0:
        return Constant(base_lr)
    if power < 0:
        raise check.fail(fn, "power", power, f">= 0 (PyTorch divides by zero at step total_iters={total})")
    decay = Polynomial(base_lr, 0.0, total, power)
    if last == total:
        return decay
    return chain(decay, Constant(decay(last)), boundaries=[last])
