"""Checks the compat constructors share: the anchors' own argument rules, said in lrdsl's
words (``StepLR: step_size must be a whole number > 0, got 2.5``), and the lengths of
steps as the anchors count them (whole numbers, printed as ints)."""

from __future__ import annotations

import math
from typing import Any

from .. import _checks as check
from .._node import Schedule
from .._ops import is_plain

#: Said of a parameter that would make the anchor's learning rate negative (a later lrdsl
#: issue allows negative values; until then they are refused).
NEGATIVE = "(a negative learning rate is not supported yet)"


def number(fn: str, param: str, value: Any) -> Any:
    """A finite real number (``TypeError`` for another type, ``ScheduleError`` for NaN or inf)."""
    return check.number(fn, param, value)


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
    ``1 / factor`` overflows, or ``base_lr * factor`` is deep in the subnormal range)."""
    try:
        got = float(anchor())
    except ZeroDivisionError:
        got = math.inf
    if not (math.isfinite(got) and math.isclose(got, exact, rel_tol=1e-12)):
        raise check.fail(fn, param, value, f"large enough to divide by {why}")


def levels(fn: str, param: str, base_lr: Any, milestones: list[Any], gamma: Any) -> Schedule:
    """``base_lr * gamma ** (number of milestones <= t)`` for ``gamma <= 0``, as the levels
    themselves (a ``piecewise``): ``0 ** 0 = 1`` before the first milestone, and an even
    count of a negative ``gamma`` is positive; a negative level is refused."""
    from ..primitives import Piecewise

    bounds = sorted(set(milestones))
    values = [base_lr * gamma ** sum(m <= b for m in milestones) for b in [-math.inf, *bounds]]
    if any(v < 0 for v in values):
        raise check.fail(fn, param, gamma, f">= 0 {NEGATIVE}")
    return Piecewise(bounds, values)


def floor(value: Any) -> int:
    """``math.floor`` of a plain number."""
    return math.floor(value)
