"""Checks the compat constructors share: the anchors' own argument rules, said in lrdsl's
words (``StepLR: step_size must be a whole number > 0, got 2.5``), and the lengths of
steps as the anchors count them (whole numbers, printed as ints)."""

from __future__ import annotations

import math
import sys
from typing import Any

from .. import _checks as check
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


def undone(fn: str, param: str, value: Any, base_lr: Any, growth: Any, why: str) -> None:
    """A factor the anchor's recursion applies to the lr and later undoes, multiplying by
    ``growth`` (``1 / factor``, or a ratio with it in the denominator): refused where that
    overflows, or where ``base_lr * factor`` is subnormal (the recursion then carries its
    lost digits on, and the anchor's value is no longer its own formula's)."""
    try:
        g = float(growth())
    except ZeroDivisionError:
        g = math.inf
    scaled = abs(base_lr * value) if is_plain(base_lr) else 1.0
    if not math.isfinite(g) or 0 < scaled < sys.float_info.min:
        raise check.fail(fn, param, value, f"large enough to divide by {why}")


def floor(value: Any) -> int:
    """``math.floor`` of a plain number."""
    return math.floor(value)
