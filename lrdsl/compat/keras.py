"""``keras.optimizers.schedules`` under its own names, as lrdsl expressions.

Keras's ``step`` is the optimizer's ``iterations`` before the update, lrdsl's
``t``. Two differences of convention are absorbed here:
``PiecewiseConstantDecay`` switches *after* a boundary (``step > b``), so its
boundaries become ``b + 1`` (exact for the integer steps Keras counts); and
``CosineDecayRestarts`` decays the cosine's amplitude above the floor
``alpha * lr``, which is ``alpha * lr + cosine_restarts((1 - alpha) * lr, 0, ...)``.

Importing this module does not import Keras.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import _checks as check
from .. import quantity
from .._node import Schedule
from .._ops import is_plain
from ..combinators import chain
from ..families import CosineRestarts, InverseTime, PolynomialCycle
from ..primitives import Constant, Cosine, Exponential, Linear, Piecewise, Polynomial
from . import _rules as rule

__all__ = [
    "ExponentialDecay",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "InverseTimeDecay",
    "CosineDecay",
    "CosineDecayRestarts",
    "ReduceLROnPlateau",
]


def _positive_steps(fn: str, name: str, steps: float) -> Any:
    """Keras's ``decay_steps > 0``, as a number of steps (a quantity: checked when bound, by the
    node that takes it)."""
    v = rule.steps(fn, name, steps)
    if is_plain(v) and not v > 0:
        raise check.fail(fn, name, v, "> 0")
    return v


def ExponentialDecay(
    initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False
) -> Schedule:
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored if
    ``staircase``): ``exponential(initial_learning_rate, decay_rate, decay_steps, staircase)``.

    ``decay_rate = 0`` is ``initial_learning_rate`` at ``step = 0`` (``0 ** 0 = 1``; with
    ``staircase``, until ``decay_steps``), then 0: exact at whole steps. A negative
    ``decay_rate`` gives Keras's values where they are numbers (``staircase``, or
    ``decay_steps`` ``1, 1/2, 1/4, ...``): the decay by ``-decay_rate`` with the sign
    alternating every ``decay_steps``; elsewhere Keras's values are NaN, and it is refused."""
    fn = "ExponentialDecay"
    steps = _positive_steps(fn, "decay_steps", decay_steps)
    rate = rule.concrete(fn, "decay_rate", decay_rate)
    if is_plain(rate) and rate == 0:
        return Piecewise([steps if staircase else 1], [initial_learning_rate, 0.0])
    if is_plain(rate) and rate < 0:
        if not (staircase or rule.power_of_two_at_most_one(steps)):
            raise check.fail(
                fn,
                "decay_rate",
                rate,
                ">= 0 unless staircase=True or decay_steps is 1, 1/2, 1/4, ... (Keras's negative rate to a"
                " fractional power is NaN)",
            )
        return Exponential(initial_learning_rate, -rate, every=steps, staircase=staircase) * rule.alternating(steps)
    return Exponential(initial_learning_rate, rate, every=steps, staircase=staircase)


def PiecewiseConstantDecay(boundaries: Sequence[int], values: Sequence[float]) -> Schedule:
    """``values[0]`` while ``step <= boundaries[0]``, ..., ``values[-1]`` after the last:
    Keras switches one step later than :func:`lrdsl.piecewise`, so this is
    ``piecewise([b + 1 for b in boundaries], values)`` (exact for integer steps).

    A fractional boundary ``b`` switches at ``floor(b) + 1``, as Keras compares a whole
    ``step > b``, and boundaries before step 0 have passed already. As in Keras there
    is at least one boundary, and they are in order (Keras adds up the values of
    overlapping ranges otherwise)."""
    fn = "PiecewiseConstantDecay"
    if isinstance(boundaries, (str, bytes)) or isinstance(values, (str, bytes)):
        raise TypeError(f"{fn}: boundaries and values must be lists of numbers")
    bounds = [rule.number(fn, f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
    levels = [rule.number(fn, f"values[{i}]", v) for i, v in enumerate(values)]
    if len(levels) != len(bounds) + 1:
        raise check.fail(fn, "values", levels, f"one longer than boundaries ({len(bounds) + 1} values)")
    if not bounds:
        raise check.fail(fn, "boundaries", bounds, "a list of at least one step (Keras reads boundaries[0])")
    if check.is_symbolic(tuple(bounds)):
        # one form: a switch at floor(b) + 1, at step 0 for the boundaries passed already
        # (in increasing order, as Keras demands: checked when bound)
        return Piecewise([quantity.max(0, quantity.floor(b) + 1) for b in bounds], levels)
    if bounds != sorted(bounds):
        raise check.fail(fn, "boundaries", bounds, "in increasing order")
    switch = [math.floor(b) + 1 for b in bounds]
    passed = sum(b <= 0 for b in switch)
    if passed == len(switch):
        return Constant(levels[-1])
    return Piecewise(switch[passed:], levels[passed:])


def PolynomialDecay(
    initial_learning_rate: float,
    decay_steps: int,
    end_learning_rate: float = 0.0001,
    power: float = 1.0,
    cycle: bool = False,
) -> Schedule:
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, held at ``end`` after
    ``decay_steps``: ``polynomial(initial_learning_rate, end_learning_rate,
    decay_steps, power)``; with ``cycle=True`` the horizon grows to the next
    multiple of ``decay_steps``: ``polynomial_cycle(...)``.

    ``power = 0`` is
    ``constant(initial_learning_rate)`` (``0 ** 0 = 1`` at the end too); a negative
    power is refused (Keras's value is infinite there)."""
    fn = "PolynomialDecay"
    steps = _positive_steps(fn, "decay_steps", decay_steps)
    power = rule.concrete(fn, "power", power)
    if power == 0:
        return Constant(initial_learning_rate)
    if power < 0:
        raise check.fail(fn, "power", power, ">= 0 (Keras's value is infinite at decay_steps)")
    make = PolynomialCycle if cycle else Polynomial
    return make(initial_learning_rate, end_learning_rate, steps, power=power)


def InverseTimeDecay(
    initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False
) -> Schedule:
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored if
    ``staircase``): ``inverse_time(initial_learning_rate, decay_rate, decay_steps, staircase)``.

    A negative ``initial_learning_rate`` (Keras takes it) is ``-inverse_time(-initial_learning_rate,
    ...)``."""
    fn = "InverseTimeDecay"
    steps = _positive_steps(fn, "decay_steps", decay_steps)
    lr0 = rule.number(fn, "initial_learning_rate", initial_learning_rate)
    if not is_plain(lr0):  # of either sign: lr0 times the decay from 1
        return lr0 * InverseTime(1.0, decay_rate, every=steps, staircase=staircase)
    if lr0 < 0:
        return -InverseTime(-lr0, decay_rate, every=steps, staircase=staircase)
    return InverseTime(lr0, decay_rate, every=steps, staircase=staircase)


def CosineDecay(
    initial_learning_rate: float,
    decay_steps: int,
    alpha: float = 0.0,
    warmup_target: float | None = None,
    warmup_steps: int = 0,
) -> Schedule:
    """``cosine(initial_learning_rate, alpha * initial_learning_rate, decay_steps)``; with
    ``warmup_target``, first ``linear(initial_learning_rate, warmup_target,
    warmup_steps)`` and then the cosine from ``warmup_target`` to ``alpha * warmup_target``.

    ``warmup_steps`` is ``>= 0`` (Keras would start a negative one's cosine part-way)."""
    fn = "CosineDecay"
    steps = _positive_steps(fn, "decay_steps", decay_steps)
    if warmup_target is None:
        return Cosine(initial_learning_rate, alpha * initial_learning_rate, steps)
    decay = Cosine(warmup_target, alpha * warmup_target, steps)
    w = rule.at_least(fn, "warmup_steps", rule.steps(fn, "warmup_steps", warmup_steps), 0)
    if is_plain(w) and w == 0:
        return decay
    return Linear(initial_learning_rate, warmup_target, w) >> decay


def CosineDecayRestarts(
    initial_learning_rate: float,
    first_decay_steps: int,
    t_mul: float = 2.0,
    m_mul: float = 1.0,
    alpha: float = 0.0,
) -> Schedule:
    """SGDR as Keras has it: cycles of ``first_decay_steps * t_mul ** i`` steps whose
    cosine's amplitude above the floor ``alpha * lr`` is multiplied by
    ``m_mul ** i``: ``alpha * lr + cosine_restarts((1 - alpha) * lr, 0,
    first_decay_steps, t_mul, m_mul)`` (just the restarts when ``alpha = 0``).

    At the edges: ``m_mul = 0`` leaves the first cycle alone (``0 ** 0 = 1``), then the
    floor; a negative ``m_mul`` alternates the sign of the amplitude, as Keras's ``m_mul **
    i`` does; ``alpha > 1`` puts the floor above the peak, ``alpha * lr -
    cosine_restarts((alpha - 1) * lr, ...)`` (with ``m_mul > 1`` the lr then goes
    negative, as Keras's does); ``t_mul < 1`` is refused (Keras's cycles end in NaN).
    """
    fn = "CosineDecayRestarts"
    first = _positive_steps(fn, "first_decay_steps", first_decay_steps)
    t_mul = rule.at_least(fn, "t_mul", t_mul, 1, "(shorter cycles end, in Keras, in NaN)")
    m_mul = rule.number(fn, "m_mul", m_mul)
    alpha = rule.concrete(fn, "alpha", alpha)
    lr = initial_learning_rate
    floor = alpha * lr
    if is_plain(m_mul) and m_mul == 0:
        return chain(CosineRestarts(lr, floor, first, limit=1), Constant(floor), boundaries=[first])
    if alpha > 1:
        return Constant(floor) - CosineRestarts((alpha - 1) * lr, 0.0, first, mult=t_mul, decay=m_mul)
    cycles = CosineRestarts((1 - alpha) * lr, 0.0, first, mult=t_mul, decay=m_mul)
    if alpha == 0:
        return cycles
    return Constant(floor) + cycles


# ----------------------------------------------------------------------------
# The ReduceLROnPlateau callback: a plateau (lrdsl.plateau), or a schedule times one.


def ReduceLROnPlateau(
    monitor: str = "val_loss",
    factor: float = 0.1,
    patience: int = 10,
    verbose: int = 0,
    mode: str = "auto",
    min_delta: float = 1e-4,
    cooldown: int = 0,
    min_lr: float = 0.0,
    *,
    learning_rate: float | Schedule | None = None,
    **kwargs: object,
) -> object:
    """Keras's ``callbacks.ReduceLROnPlateau``: a :class:`lrdsl.plateau.KerasPlateau`
    (``mode``, ``factor``, ``patience``, ``min_delta``, ``cooldown``, ``min_lr``),
    or with ``learning_rate`` (the optimizer's lr, a number or a schedule, where
    Keras reads it from the model) ``learning_rate * plateau``, a
    :class:`lrdsl.plateau.PlateauSchedule`.

    Feed it the monitored value at each epoch's end: ``state = p.update(state,
    logs[monitor], epoch)`` (``p.update(state, value)`` for the bare plateau).
    ``mode="auto"`` is ``"min"`` when ``monitor`` is ``"loss"`` or ``"val_loss"``;
    for any other name Keras asks the model's metrics, which are not here, so
    that is a ``ScheduleError`` (pass ``mode``). As in Keras, an unknown ``mode``
    warns and falls back to ``"auto"``, ``min_delta`` counts by its absolute
    value, ``factor >= 1`` is an error, and ``verbose`` and other keywords are
    ignored. ``min_lr`` is a floor on the lr, so a non-zero ``min_lr`` needs
    ``learning_rate`` (else the floor would bound the multiplier: use
    ``KerasPlateau`` directly for that).
    """
    import warnings

    from ..plateau import KerasPlateau

    fn = "ReduceLROnPlateau"
    del verbose, kwargs
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"ReduceLROnPlateau mode '{mode}' is unknown, fallback to auto mode.", stacklevel=2)
        mode = "auto"
    if mode == "auto":
        if not isinstance(monitor, str):
            raise TypeError(f"{fn}: monitor must be a metric's name, got {type(monitor).__name__} {monitor!r}")
        if monitor.removeprefix("val_") != "loss":
            raise check.fail(
                fn,
                "mode",
                "auto",
                f"'min' or 'max' for monitor={monitor!r} (Keras infers the direction of a metric"
                " other than the loss from the model's metrics, which lrdsl does not have)",
            )
        mode = "min"
    plateau = KerasPlateau(mode, factor, patience, min_delta, cooldown, min_lr)
    if learning_rate is None:
        if min_lr != 0:
            raise check.fail(
                fn,
                "learning_rate",
                None,
                f"given with min_lr={min_lr!r} (a floor on the lr, which Keras reads from the"
                " optimizer): the optimizer's lr or schedule",
            )
        return plateau
    return rule.unplateaued(fn, "learning_rate", learning_rate) * plateau
