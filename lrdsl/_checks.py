"""Parameter checks shared by the constructors.

Each check takes the function's name, the parameter's name and its value, and
either returns the value normalised (NumPy scalars become Python numbers, lists
become tuples) or raises :class:`~lrdsl.ScheduleError` (a bad value) or
:class:`TypeError` (a bad type) with a message such as
``cosine: steps must be > 0, got 0``. Values that are JAX arrays or tracers are
leaves of a traced or stacked schedule: their types are checked, never their
values (JAX cannot raise on a traced value).
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._ops import is_jax_array, is_plain
from .errors import ScheduleError

Number = Any  # a Python int or float, or a JAX array/tracer leaf


def fail(fn: str, param: str, value: Any, rule: str) -> ScheduleError:
    return ScheduleError(f"{fn}: {param} must be {rule}, got {value!r}")


def number(fn: str, param: str, value: Any) -> Number:
    """A real, finite number. NumPy scalars become Python numbers; JAX arrays pass."""
    if is_plain(value):
        if type(value) is int and abs(value) > 2**1023:  # beyond any float
            raise fail(fn, param, value, "a finite number")
        if not math.isfinite(value):
            raise fail(fn, param, value, "a finite number")
        return value
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn}: {param} must be a number, got the bool {value!r}")
    if isinstance(value, (np.integer, np.floating)) or (
        isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"
    ):
        return number(fn, param, value.item())
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return number(fn, param, float(value))
    if is_jax_array(value):
        if not (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer)):
            raise TypeError(f"{fn}: {param} must be a real number, got an array of {value.dtype}")
        return value
    raise TypeError(f"{fn}: {param} must be a number, got {type(value).__name__} {value!r}")


def _rule(fn: str, param: str, value: Any, ok: bool, rule: str) -> Number:
    if not ok:
        raise fail(fn, param, value, rule)
    return value


def positive(fn: str, param: str, value: Any) -> Number:
    v = number(fn, param, value)
    return _rule(fn, param, v, not is_plain(v) or v > 0, "> 0")


def nonnegative(fn: str, param: str, value: Any) -> Number:
    v = number(fn, param, value)
    return _rule(fn, param, v, not is_plain(v) or v >= 0, ">= 0")


def sequence(fn: str, param: str, value: Any, *, min_len: int = 0) -> tuple[Any, ...]:
    """A list or tuple (or 1-d array) of numbers, as a tuple."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{fn}: {param} must be a list of numbers, got {type(value).__name__} {value!r}")
    if isinstance(value, np.ndarray):
        value = value.tolist()
    items = tuple(number(fn, f"{param}[{i}]", v) for i, v in enumerate(value))
    if len(items) < min_len:
        raise fail(fn, param, list(items), f"a list of at least {min_len} numbers")
    return items


def sorted_times(fn: str, param: str, value: Any, *, min_len: int = 0) -> tuple[Any, ...]:
    """Non-negative, non-decreasing numbers (repeats allowed)."""
    items = sequence(fn, param, value, min_len=min_len)
    plain = [v for v in items if is_plain(v)]
    if any(v < 0 for v in plain):
        raise fail(fn, param, list(items), "made of numbers >= 0")
    if len(plain) == len(items) and any(b < a for a, b in itertools.pairwise(items)):
        raise fail(fn, param, list(items), "non-decreasing")
    return items


def choice(fn: str, param: str, value: Any, options: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{fn}: {param} must be one of {options}, got {type(value).__name__} {value!r}")
    if value not in options:
        raise fail(fn, param, value, f"one of {', '.join(repr(o) for o in options)}")
    return value


def flag(fn: str, param: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn}: {param} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)
