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
from ..combinators import chain
from ..families import CosineRestarts, Cyclic, onecycle
from ..primitives import Constant, Cosine, Exponential, Lambda, Linear, MultiStep, Piecewise, Polynomial, Step

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
    return Exponential(base_lr, lr_lambda)


def StepLR(base_lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """``base_lr * gamma ** (t // step_size)``: ``step(base_lr, step_size, gamma)``."""
    return Step(base_lr, step_size, gamma)


def MultiStepLR(base_lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    """``base_lr * gamma ** (number of milestones <= t)``; as in PyTorch the milestones
    may come in any order, and a repeated one counts twice."""
    return MultiStep(base_lr, sorted(milestones), gamma)


def ConstantLR(base_lr: float, factor: float = 1.0 / 3, total_iters: int = 5) -> Schedule:
    """``base_lr * factor`` before ``total_iters``, then ``base_lr``:
    ``piecewise([total_iters], [base_lr * factor, base_lr])``."""
    if total_iters <= 0:
        return Constant(base_lr)
    return Piecewise([total_iters], [base_lr * factor, base_lr])


def LinearLR(
    base_lr: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5
) -> Schedule:
    """``linear(base_lr * start_factor, base_lr * end_factor, total_iters)``."""
    return Linear(base_lr * start_factor, base_lr * end_factor, total_iters)


def ExponentialLR(base_lr: float, gamma: float) -> Schedule:
    """``base_lr * gamma ** t``: ``exponential(base_lr, gamma)``."""
    return Exponential(base_lr, gamma)


def SequentialLR(schedulers: Sequence[Schedule], milestones: Sequence[int]) -> Schedule:
    """``schedulers[i](t - milestones[i-1])`` between milestones:
    ``chain(*schedulers, boundaries=milestones)``.

    PyTorch restarts each scheduler at its epoch 0 when its milestone is
    reached (its closed form, from the base lr), which is what a chain does.
    """
    return chain(*schedulers, boundaries=list(milestones))


def CosineAnnealingLR(base_lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:
    """``eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2`` for every ``t``
    (the cosine goes back up after ``T_max``, as PyTorch's does):
    ``cosine(base_lr, eta_min, T_max, periodic=True)``."""
    return Cosine(base_lr, eta_min, T_max, periodic=True)


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
    return Cyclic(base_lr, max_lr, step_size_up, step_size_down, mode, gamma)


def CosineAnnealingWarmRestarts(base_lr: float, T_0: int, T_mult: int = 1, eta_min: float = 0.0) -> Schedule:
    """Cosine cycles of lengths ``T_0 * T_mult ** i``: ``cosine_restarts(base_lr, eta_min, T_0, T_mult)``."""
    return CosineRestarts(base_lr, eta_min, T_0, T_mult)


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
    """
    if total_steps is None:
        if epochs is None or steps_per_epoch is None:
            raise check.fail(
                "OneCycleLR", "total_steps", None, "given, or epochs and steps_per_epoch both given"
            )
        total_steps = epochs * steps_per_epoch
    return onecycle(max_lr, total_steps, pct_start, div_factor, final_div_factor, anneal_strategy, three_phase)


def PolynomialLR(base_lr: float, total_iters: int = 5, power: float = 1.0) -> Schedule:
    """``base_lr * (1 - min(t, total_iters) / total_iters) ** power``:
    ``polynomial(base_lr, 0, total_iters, power)``."""
    return Polynomial(base_lr, 0.0, total_iters, power)


# ----------------------------------------------------------------------------
# ReduceLROnPlateau: a schedule times a plateau (lrdsl.plateau), not a schedule.


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
    bases = list(base_lr) if per_group else [base_lr]
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
