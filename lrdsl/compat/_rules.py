"""Checks the compat constructors share: the anchors' own argument rules, said in lrdsl's
words (``StepLR: step_size must be a whole number > 0, got 2.5``), and the lengths of
steps as the anchors count them (whole numbers, printed as ints)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import _checks as check
from .._node import Schedule
from .._ops import is_plain
from ..errors import ScheduleError


def number(fn: str, param: str, value: Any) -> Any:
    """A finite real number (``TypeError`` for another type, ``ScheduleError`` for NaN or inf)."""
    return check.number(fn, param, value)


def concrete(fn: str, param: str, value: Any) -> Any:
    """A number that decides the schedule's form, so not a quantity: ``fn: param must be a
    number, not a quantity (it decides the schedule's form), got T``."""
    return check.number(fn, param, check.not_symbolic(fn, param, value))


def unplateaued(fn: str, param: str, value: Any) -> Any:
    """``value`` (a number or a schedule) unless it holds quantities: a plateau schedule is not
    bound, so ``fn: param must be bound before it meets a plateau (...), got T``."""
    if check.is_symbolic(value) or (isinstance(value, Schedule) and value.free):
        raise ScheduleError(
            f"{fn}: {param} must be bound before it meets a plateau (a plateau schedule has no"
            f" .bind: bind the schedule or number first), got {value!r}"
        )
    return value


def steps(fn: str, param: str, value: Any) -> Any:
    """A number of steps: a number, a whole float as an int (so it prints as one)."""
    v = check.number(fn, param, value)
    if type(v) is float and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def is_whole(value: Any) -> bool:
    """``value`` is a plain number with no fractional part."""
    return is_plain(value) and (type(value) is int or float(value).is_integer())


def whole(fn: str, param: str, value: Any, rule: str = "a whole number") -> int:
    """A whole number of steps (an int, or a float such as ``4.0``), as an int."""
    v = number(fn, param, value)
    if not is_whole(v):
        raise check.fail(fn, param, v, rule)
    return int(v)


def at_least(fn: str, param: str, value: Any, low: float, why: str = "") -> Any:
    """A number ``>= low``."""
    v = number(fn, param, value)
    if is_plain(v) and not v >= low:
        raise check.fail(fn, param, v, f">= {low:g}{' ' + why if why else ''}")
    return v


def positive(fn: str, param: str, value: Any, why: str = "") -> Any:
    """A number ``> 0``."""
    v = number(fn, param, value)
    if is_plain(v) and not v > 0:
        raise check.fail(fn, param, v, f"> 0{' ' + why if why else ''}")
    return v


def between(fn: str, param: str, value: Any, low: float, high: float) -> Any:
    """A number in ``[low, high]``."""
    v = number(fn, param, value)
    if is_plain(v) and not low <= v <= high:
        raise check.fail(fn, param, v, f"in [{low:g}, {high:g}]")
    return v


def undone(fn: str, param: str, value: Any, anchor: Any, exact: Any, why: str) -> None:
    """A factor the anchor's recursion applies to the lr and later divides out again:
    refused where the anchor's own arithmetic, ``anchor()`` (its lr at the step that
    divides), is not its formula's value ``exact`` to 1e-12 (a factor so small that
    ``1 / factor`` overflows, or ``base_lr * factor`` is deep in the subnormal range).

    Not checked for a symbolic lr (it has no value yet; the factor's own range is)."""
    if check.is_symbolic(exact):
        return
    try:
        got = float(anchor())
    except ZeroDivisionError:
        got = math.inf
    if not (math.isfinite(got) and math.isclose(got, exact, rel_tol=1e-12)):
        raise check.fail(fn, param, value, f"large enough to divide by {why}")


def levels(base_lr: Any, milestones: list[Any], gamma: Any) -> Schedule:
    """``base_lr * gamma ** (number of milestones <= t)`` for ``gamma <= 0``, as the levels
    themselves (a ``piecewise``): ``0 ** 0 = 1`` before the first milestone, and the sign
    of a negative ``gamma`` alternating with the count, as in the anchors' products."""
    from ..primitives import Piecewise

    bounds = sorted(set(milestones))
    values = [base_lr * gamma ** sum(m <= b for m in milestones) for b in [-math.inf, *bounds]]
    return Piecewise(bounds, values)


def alternating(every: Any) -> Schedule:
    """``(-1) ** floor(t / every)``: ``piecewise([every], [1.0, -1.0]).repeat(2 * every)``,
    the sign of ``gamma ** floor(t / every)`` for a negative ``gamma``."""
    from ..primitives import Piecewise

    return Piecewise([every], [1.0, -1.0]).repeat(2 * every)


def powers(start: Any, gamma: Any, every: Any, make: Callable[[Any], Schedule]) -> Schedule:
    """``start * gamma ** floor(t / every)`` for any real ``gamma``, as the anchors' products
    of ``gamma`` compute it at whole steps: ``make(gamma)`` (lrdsl's node for ``gamma >
    0``); for ``gamma = 0``, ``start`` until ``every``, then 0 (``0 ** 0 = 1``); for ``gamma <
    0``, ``make(-gamma)`` with the sign alternating every ``every`` steps."""
    from ..primitives import Piecewise

    if not is_plain(gamma) or gamma > 0:
        return make(gamma)
    if gamma == 0:
        return Piecewise([every], [start, 0.0])
    return make(-gamma) * alternating(every)


def power_of_two_at_most_one(value: Any) -> bool:
    """``value`` is ``1, 1/2, 1/4, ...``: ``t / value`` is then a whole number for every whole
    ``t``, exactly, in floating point too."""
    return is_plain(value) and 0 < value <= 1 and math.frexp(value)[0] == 0.5


def floor(value: Any) -> int:
    """``math.floor`` of a plain number."""
    return math.floor(value)
