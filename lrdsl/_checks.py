"""Parameter checks shared by the constructors.

Each check takes the function's name, the parameter's name and its value, and
either returns the value normalised or raises :class:`~lrdsl.ScheduleError` (a
bad value) or :class:`TypeError` (a bad type) with a message such as
``cosine: steps must be > 0, got 0``.

What a number may be:

- a Python ``int`` or ``float`` (kept as it is; an ``int`` too large for a float
  is not finite);
- a NumPy scalar or 0-d array of an integer or floating dtype (any width:
  ``int8`` ... ``uint64``, ``float16`` ... ``longdouble``), a
  :class:`fractions.Fraction`, a :class:`decimal.Decimal` or another real number:
  the Python ``int`` (integral types, integral fractions and decimals) or
  ``float`` it stands for;
- a JAX array or tracer of an integer or floating dtype (any shape: the leaves of
  a stacked schedule, for a ``vmap`` sweep). A *concrete* array is checked by the
  same rules as a Python number, element by element, and kept as it is; a
  *tracer* (inside ``jit``, ``vmap``, ``grad``) is checked for its dtype only, as
  JAX cannot raise on a traced value. JAX is never imported for a check.

Never a number: ``bool`` (of any kind), complex numbers, datetimes, strings,
NumPy arrays of more than 0 dimensions (use a list, or a JAX array), ``None``.
"""

from __future__ import annotations

import decimal
import fractions
import itertools
import math
import numbers
import sys
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ._ops import is_jax_array, is_plain
from .errors import ScheduleError
from .quantity import Quantity

Number = Any  # a Python int or float, or a JAX array/tracer leaf


def fail(fn: str, param: str, value: Any, rule: str) -> ScheduleError:
    return ScheduleError(f"{fn}: {param} must be {rule}, got {describe(value)}")


def describe(value: Any) -> str:
    """``value`` for a message: the repr of a number (a short one for a huge int),
    or the bad element of a concrete array and where it is."""
    if type(value) is int and value.bit_length() > 128:
        return f"an int of {int(value.bit_length() * math.log10(2)) + 1} digits"
    if isinstance(value, np.generic) and not isinstance(value, np.longdouble):
        item = value.item()
        return describe(item) if isinstance(item, (int, float, bool, str)) else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(describe(v) for v in value) + "]"
    if is_jax_array(value) or isinstance(value, np.ndarray):
        return _describe_array(value, None)
    return repr(value)


def _describe_array(value: Any, bad: Any) -> str:
    """A concrete array, or its first element where ``bad`` (a mask) holds."""
    kind = "JAX" if is_jax_array(value) else "NumPy"
    a = np.asarray(value)
    where = ""
    if bad is not None and np.ndim(bad) and np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        elem = a[idx]
        where = f" at index {idx[0] if len(idx) == 1 else idx}"
    else:
        elem = a.reshape(-1)[0] if a.size else None
    shown = "nothing" if elem is None else repr(elem.item() if hasattr(elem, "item") else elem)
    if a.ndim == 0:
        return f"{shown} (a {kind} {a.dtype} array)"
    return f"{shown}{where} (in a {kind} {a.dtype} array of shape {a.shape})"


# ----------------------------------------------------------------------------
# Tracers and concrete arrays.


def is_tracer(x: object) -> bool:
    """``x`` is a JAX tracer (a value inside ``jit``/``vmap``/``grad``), without
    importing JAX when it is not loaded."""
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(x, jax.core.Tracer)


def concrete(x: Any) -> Any:
    """The values of ``x`` to check: ``x`` itself for a Python number, a float64 (or
    int64) NumPy array for a concrete array, ``None`` for a tracer or a symbolic
    quantity (checked when it is bound: the node is then rebuilt with numbers)."""
    if is_plain(x):
        return x
    if is_tracer(x) or isinstance(x, Quantity):
        return None
    a = np.asarray(x)
    if a.dtype.kind in "iu":
        return a
    return a.astype(np.float64)


def _holds(x: Any, test: Callable[[Any], Any]) -> tuple[bool, Any]:
    """Whether ``test`` holds for the number or every element of the concrete array
    ``x`` (tracers: always); for an array, the mask of the elements where it fails."""
    v = concrete(x)
    if v is None:
        return True, None
    if is_plain(v):
        return bool(test(v)), None
    ok = np.asarray(test(v), dtype=bool)
    return bool(ok.all()), ~ok


def require(fn: str, param: str, value: Any, test: Callable[[Any], Any], rule: str) -> Any:
    """``value`` if ``test`` holds for it (elementwise for a concrete array, never
    checked for a tracer); else ``fn: param must be <rule>, got <the bad value>``."""
    ok, bad = _holds(value, test)
    if not ok:
        shown = _describe_array(value, bad) if bad is not None else describe(value)
        raise ScheduleError(f"{fn}: {param} must be {rule}, got {shown}")
    return value


def _jax_dtype_kind(dtype: Any) -> str:
    """``"i"``, ``"f"``, ``"b"`` or ``"c"`` (other) for a JAX dtype."""
    jnp = sys.modules["jax.numpy"]
    if jnp.issubdtype(dtype, jnp.bool_):
        return "b"
    if jnp.issubdtype(dtype, jnp.integer):
        return "i"
    if jnp.issubdtype(dtype, jnp.floating):
        return "f"
    return "c"


# ----------------------------------------------------------------------------
# Numbers.


def _plain_number(fn: str, param: str, value: Any, original: Any) -> int | float:
    """A Python int or float, finite (``original`` is what the user gave)."""
    if type(value) is int:
        try:
            float(value)
        except OverflowError:
            raise fail(fn, param, original, "a finite number") from None
        return value
    if not math.isfinite(value):
        raise fail(fn, param, original, "a finite number")
    return value


def _real(fn: str, param: str, value: Any) -> int | float:
    """A Fraction, Decimal, NumPy scalar or other real number as a Python number."""
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise fail(fn, param, value, "a finite number")
        return int(value) if value == value.to_integral_value() else _to_float(fn, param, value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, fractions.Fraction) and value.denominator == 1:
        return int(value.numerator)
    return _to_float(fn, param, value)


def _to_float(fn: str, param: str, value: Any) -> float:
    try:
        with np.errstate(over="ignore"):  # a longdouble beyond float64: refused below
            f = float(value)
    except OverflowError:
        raise fail(fn, param, value, "a finite number") from None
    if not math.isfinite(f):
        raise fail(fn, param, value, "a finite number (within the float64 range)")
    return f


def number(fn: str, param: str, value: Any) -> Number:
    """A real, finite number: a Python number as it is; NumPy scalars, fractions and
    decimals as the Python number they stand for; JAX arrays checked (concrete ones
    elementwise) and kept."""
    if is_plain(value):
        return _plain_number(fn, param, value, value)
    if isinstance(value, Quantity):  # checked when bound
        return value
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn}: {param} must be a number, got the bool {bool(value)!r}")
    if is_jax_array(value):
        kind = _jax_dtype_kind(value.dtype)
        if kind == "b":
            raise TypeError(f"{fn}: {param} must be a number, got an array of bool")
        if kind != "i" and kind != "f":
            raise TypeError(f"{fn}: {param} must be a real number, got an array of {value.dtype}")
        return require(fn, param, value, np.isfinite, "a finite number")
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise TypeError(
                f"{fn}: {param} must be a number, got a NumPy array of shape {value.shape}"
                " (a stacked schedule takes JAX arrays)"
            )
        value = value[()]
    if isinstance(value, np.generic):
        if isinstance(value, np.bool_):
            raise TypeError(f"{fn}: {param} must be a number, got the bool {bool(value)!r}")
        if isinstance(value, np.integer) and not isinstance(value, np.timedelta64):
            return int(value)
        if isinstance(value, np.floating):
            if not np.isfinite(value):
                raise fail(fn, param, value, "a finite number")
            return _plain_number(fn, param, _to_float(fn, param, value), value)
        raise TypeError(f"{fn}: {param} must be a real number, got {type(value).__name__} {describe(value)}")
    if isinstance(value, (numbers.Real, decimal.Decimal)):
        return _plain_number(fn, param, _real(fn, param, value), value)
    raise TypeError(f"{fn}: {param} must be a number, got {type(value).__name__} {value!r}")


def positive(fn: str, param: str, value: Any) -> Number:
    return require(fn, param, number(fn, param, value), lambda v: v > 0, "> 0")


def nonnegative(fn: str, param: str, value: Any) -> Number:
    return require(fn, param, number(fn, param, value), lambda v: v >= 0, ">= 0")


def at_least(fn: str, param: str, value: Any, low: Any) -> Number:
    """A number ``>= low``."""
    return require(fn, param, number(fn, param, value), lambda v: v >= low, f">= {low!r}")


def sequence(fn: str, param: str, value: Any, *, min_len: int = 0) -> tuple[Any, ...]:
    """A list or tuple (or 1-d NumPy or JAX array) of numbers, as a tuple."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{fn}: {param} must be a list of numbers, got {type(value).__name__} {value!r}")
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise TypeError(f"{fn}: {param} must be a list of numbers, got a NumPy array of shape {value.shape}")
        value = value.tolist()
    elif is_jax_array(value):
        if np.ndim(value) == 0:  # type: ignore[arg-type]
            raise TypeError(f"{fn}: {param} must be a list of numbers, got a 0-d array")
        number(fn, param, value)  # the dtype, and every element if concrete, at once
        value = list(value)
    items = tuple(number(fn, f"{param}[{i}]", v) for i, v in enumerate(value))
    if len(items) < min_len:
        raise fail(fn, param, list(items), f"a list of at least {min_len} numbers")
    return items


def sorted_times(fn: str, param: str, value: Any, *, min_len: int = 0) -> tuple[Any, ...]:
    """Non-negative, non-decreasing numbers (repeats allowed); concrete arrays among
    them are compared elementwise with their neighbours."""
    items = sequence(fn, param, value, min_len=min_len)
    for v in items:
        if not _holds(v, lambda x: x >= 0)[0]:
            raise fail(fn, param, list(items), "made of numbers >= 0")
    # Symbolic items are checked when bound; the others must already be in order
    # among themselves ([10, T, 5] is out of order whatever T is).
    known = [v for v in items if not isinstance(v, Quantity)]
    for a, b in itertools.pairwise(known):
        if not _holds2(a, b, lambda x, y: y >= x):
            raise fail(fn, param, list(items), "non-decreasing")
    return items


def _holds2(a: Any, b: Any, test: Callable[[Any, Any], Any]) -> bool:
    va, vb = concrete(a), concrete(b)
    if va is None or vb is None:
        return True
    return bool(np.all(test(va, vb)))


def not_symbolic(fn: str, param: str, value: Any) -> Any:
    """``value`` unless it is a symbolic quantity: for a parameter that decides the
    form of the schedule (its structure may not depend on a value known later)."""
    if isinstance(value, Quantity):
        raise ScheduleError(
            f"{fn}: {param} must be a number, not a quantity (it decides the schedule's form), got {value!r}"
        )
    return value


def is_symbolic(value: Any) -> bool:
    """``value`` is a quantity, or a tuple holding one."""
    if isinstance(value, tuple):
        return any(isinstance(v, Quantity) for v in value)
    return isinstance(value, Quantity)


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


def less(fn: str, param: str, a: Any, other: str, b: Any) -> None:
    """``a < b`` (elementwise for concrete arrays; unchecked for tracers)."""
    if not _holds2(a, b, lambda x, y: x < y):
        raise fail(fn, param, a, f"< {other} ({describe(b)})")


# ----------------------------------------------------------------------------
# Time.


def time(t: Any) -> int | float:
    """A scalar time that is not a Python ``int`` or ``float`` (a NumPy scalar, a
    fraction, a decimal) as the Python number it stands for; ``TypeError`` for
    what is not a real number, ``ScheduleError`` for what is not finite."""
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, (numbers.Real, decimal.Decimal)):
        raise TypeError(f"a schedule is evaluated at a number, got {type(t).__name__} {t!r}")
    if isinstance(t, np.floating):
        v = float(t)
        if not math.isfinite(v):
            raise ScheduleError(f"t must be a finite number (within the float64 range), got {t!r}")
        return v
    if isinstance(t, decimal.Decimal) and not t.is_finite():
        raise ScheduleError(f"t must be a finite number, got {t!r}")
    if isinstance(t, (numbers.Integral, fractions.Fraction, decimal.Decimal)):
        try:
            return _real("t", "t", t)
        except ScheduleError:
            raise ScheduleError(f"t must be a finite number within the float64 range, got {describe(t)}") from None
    return _to_float("t", "t", t)
