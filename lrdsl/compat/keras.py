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

from collections.abc import Sequence

from .. import _checks as check
from .._node import Schedule
from ..families import CosineRestarts, InverseTime, PolynomialCycle
from ..primitives import Constant, Cosine, Exponential, Linear, Piecewise, Polynomial

__all__ = [
    "ExponentialDecay",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "InverseTimeDecay",
    "CosineDecay",
    "CosineDecayRestarts",
]


def _positive_steps(fn: str, name: str, steps: float) -> None:
    if not steps > 0:
        raise check.fail(fn, name, steps, "> 0")


def ExponentialDecay(
    initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False
) -> Schedule:
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored if
    ``staircase``): ``exponential(initial_learning_rate, decay_rate, every=decay_steps, staircase=staircase)``."""
    _positive_steps("ExponentialDecay", "decay_steps", decay_steps)
    return Exponential(initial_learning_rate, decay_rate, every=decay_steps, staircase=staircase)


def PiecewiseConstantDecay(boundaries: Sequence[int], values: Sequence[float]) -> Schedule:
    """``values[0]`` while ``step <= boundaries[0]``, ..., ``values[-1]`` after the last:
    Keras switches one step later than :func:`lrdsl.piecewise`, so this is
    ``piecewise([b + 1 for b in boundaries], values)`` (exact for integer steps)."""
    return Piecewise([b + 1 for b in boundaries], values)


def PolynomialDecay(
    initial_learning_rate: float,
    decay_steps: int,
    end_learning_rate: float = 0.0001,
    power: float = 1.0,
    cycle: bool = False,
) -> Schedule:
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, held at ``end`` after
    ``decay_steps``: ``polynomial(initial_learning_rate, end_learning_rate,
    decay_steps, power=power)``; with ``cycle=True`` the horizon grows to the next
    multiple of ``decay_steps``: ``polynomial_cycle(...)``."""
    _positive_steps("PolynomialDecay", "decay_steps", decay_steps)
    make = PolynomialCycle if cycle else Polynomial
    return make(initial_learning_rate, end_learning_rate, decay_steps, power=power)


def InverseTimeDecay(
    initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False
) -> Schedule:
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored if
    ``staircase``): ``inverse_time(initial_learning_rate, decay_rate, every=decay_steps, staircase=staircase)``."""
    _positive_steps("InverseTimeDecay", "decay_steps", decay_steps)
    return InverseTime(initial_learning_rate, decay_rate, every=decay_steps, staircase=staircase)


def CosineDecay(
    initial_learning_rate: float,
    decay_steps: int,
    alpha: float = 0.0,
    warmup_target: float | None = None,
    warmup_steps: int = 0,
) -> Schedule:
    """``cosine(initial_learning_rate, alpha * initial_learning_rate, decay_steps)``; with
    ``warmup_target``, first ``linear(initial_learning_rate, warmup_target,
    warmup_steps)`` and then the cosine from ``warmup_target`` to ``alpha * warmup_target``."""
    _positive_steps("CosineDecay", "decay_steps", decay_steps)
    if warmup_target is None:
        return Cosine(initial_learning_rate, alpha * initial_learning_rate, decay_steps)
    decay = Cosine(warmup_target, alpha * warmup_target, decay_steps)
    if warmup_steps <= 0:
        return decay
    return Linear(initial_learning_rate, warmup_target, warmup_steps) >> decay


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
    first_decay_steps, mult=t_mul, decay=m_mul)`` (just the restarts when ``alpha = 0``)."""
    _positive_steps("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
    lr = initial_learning_rate
    cycles = CosineRestarts((1 - alpha) * lr, 0.0, first_decay_steps, mult=t_mul, decay=m_mul)
    if alpha == 0:
        return cycles
    return Constant(alpha * lr) + cycles
