"""Tables of plain numbers as NumPy arrays, built once per tuple.

Lookups (a long chain's boundaries, a table's offsets, an interpolation's knots)
hand the namespaces tuples of plain Python numbers; each is turned into one
NumPy array (one transfer to the device on JAX, whatever its length), exactly:
an int beyond what a float holds exactly is never rounded on the way.
Conversions are cached by the identity of the tuple (the cache keeps the tuple
alive, so the identity cannot be reused while the entry stands).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["table", "all_plain", "wide", "int64_table", "float_table", "ceil_table", "floor_table", "split_table"]

_INF = math.inf
_TABLES: dict[tuple[int, str], tuple[Any, Any]] = {}
_TABLES_MAX = 256


def table(values: Sequence[Any], kind: str, build: Callable[[], Any]) -> Any:
    """``build()``, cached for the tuple ``values`` and the ``kind`` of table."""
    key = (id(values), kind)
    hit = _TABLES.get(key)
    if hit is not None and hit[0] is values:
        return hit[1]
    out = build()
    if isinstance(values, tuple):
        if len(_TABLES) >= _TABLES_MAX:
            _TABLES.clear()
        _TABLES[key] = (values, out)
    return out


def all_plain(values: Sequence[Any]) -> bool:
    """Every value is a plain Python number (one pass in C, for tables of 10,000 rows)."""
    return set(map(type, values)) <= {int, float}


def int64_table(values: Sequence[int]) -> np.ndarray | None:
    """Python ints as int64, or ``None`` if one is beyond int64."""
    try:
        return np.asarray(values, dtype=np.int64)
    except OverflowError:
        return None


def wide(x: Any) -> float:
    try:
        return float(x)
    except OverflowError:
        return _INF if x > 0 else -_INF


def _numeric(values: Sequence[Any]) -> np.ndarray | None:
    """Plain numbers as one NumPy array, exactly: int64 for ints within int64, float64
    when every value is held exactly (floats, ints below ``2**53``); else ``None``."""
    types = set(map(type, values))
    if Fraction in types:  # exact fractions (a rescaled time's), converted one by one
        return None
    try:
        if types <= {int}:
            return np.asarray(values, dtype=np.int64)
        arr = np.asarray(values, dtype=np.float64)
    except OverflowError:
        return None
    if int in types and arr.size and not np.abs(arr).max() < 2.0**53:
        return None
    return arr


def float_table(values: Sequence[Any]) -> np.ndarray:
    arr = _numeric(values)
    if arr is not None:
        return arr.astype(np.float64)
    return np.asarray([wide(v) for v in values], dtype=np.float64)


def ceil_table(bounds: Sequence[Any], imax: int) -> np.ndarray:
    """``ceil(b)`` of each (non-decreasing) bound for an integer count of at most
    ``imax``: those above are left out (never ``<= t``), those below raised to
    ``-imax - 1``."""
    arr = _numeric(bounds)
    if arr is not None:
        c = np.ceil(arr) if arr.dtype.kind == "f" else arr
        c = c[: int(np.searchsorted(c, imax, side="right"))]
        return np.maximum(c, -imax - 1).astype(np.int64)
    out = []
    for b in bounds:
        k = math.ceil(b) if math.isfinite(b) else b
        if k > imax:
            break
        out.append(max(k, -imax - 1))
    return np.asarray(out, dtype=np.int64)


def floor_table(bounds: Sequence[Any], imax: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The integer parts (``floor``, at most ``imax``) and fractions of the bounds, and
    the longest run of equal integer parts."""
    arr = _numeric(bounds)
    if arr is not None:
        fl = np.floor(arr) if arr.dtype.kind == "f" else arr
        keep = int(np.searchsorted(fl, imax, side="right"))
        fl, arr = fl[:keep], arr[:keep]
        low = fl < -imax - 1
        fracs = np.where(low, 0.0, arr - fl).astype(np.float64)
        floors = np.maximum(fl, -imax - 1).astype(np.int64)
    else:
        fl_list, fr_list = [], []
        for b in bounds:
            f = math.floor(b) if math.isfinite(b) else b
            if f > imax:
                break
            fr_list.append(float(b - f) if f >= -imax - 1 else 0.0)
            fl_list.append(max(f, -imax - 1))
        floors, fracs = np.asarray(fl_list, dtype=np.int64), np.asarray(fr_list, dtype=np.float64)
    run = 1
    if floors.size > 1:
        edges = np.flatnonzero(np.diff(floors) != 0)
        cuts = np.concatenate([[-1], edges, [floors.size - 1]])
        run = int(np.diff(cuts).max())
    return floors, fracs, run


def split_table(values: Sequence[Any], imax: int) -> tuple[np.ndarray, np.ndarray, str, Any, Any]:
    """Times as integer parts within ``[-imax, imax]`` and the rest: ``(ints, rest,
    kind, min, max)``; ``kind`` ``"int"`` (no rest), ``"frac"`` or ``"big"``.

    The integer part is the *nearest* integer, so that a rest is at most 1/2: ``t - v``
    for an integer count is then ``(t - int) - rest``, either ``-rest`` (rounded once,
    relative) or at least 1/2 in size (no cancellation), and the rests of ``a`` and
    ``b - a`` cancel exactly in ``a + (b - a)``."""
    lo = min(values) if len(values) else 0
    hi = max(values) if len(values) else 0
    arr = _numeric(values)
    if arr is not None:
        fl = np.round(arr) if arr.dtype.kind == "f" else arr
        ints = np.clip(fl, -imax, imax)
        rest = (arr - ints).astype(np.float64)
        beyond = (fl < -imax) | (fl > imax)
        kind = "big" if beyond.any() else ("frac" if rest.any() else "int")
        return ints.astype(np.int64), rest, kind, lo, hi
    out_i, out_r = [], []
    kind = "int"
    for v in values:
        f = v if type(v) is int else round(v)
        i = min(max(f, -imax), imax)
        if i != f:
            kind = "big"
        elif v != f and kind == "int":
            kind = "frac"
        out_i.append(i)
        out_r.append(wide(_sub(v, i)))
    return np.asarray(out_i, dtype=np.int64), np.asarray(out_r, dtype=np.float64), kind, lo, hi


def _sub(a: Any, b: Any) -> Any:
    try:
        return a - b
    except OverflowError:  # a float and an int beyond the floats
        return wide(a) - wide(b)
