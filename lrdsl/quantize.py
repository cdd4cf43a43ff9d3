"""Quantities that are whole numbers: a schedule rounded to a multiple.

``s.round(multiple=64)``, ``s.floor(multiple=64)`` and ``s.ceil(multiple=64)``
are ``multiple * round(s(t) / multiple)`` (``floor``, ``ceil``): a sequence
length, an attention window, a batch size, a number of frozen layers. Evaluated
on their own they return integers: a Python ``int`` at a Python number, an int64
array on NumPy, an integer array on JAX (int32, or int64 under x64) and int64
on PyTorch (``compile("torch")``). Inside a larger expression they are numbers
like any other (``s.round(64) / 1024`` is a float). ``round`` rounds halves up
(``floor(q + 1/2)``: a quotient of ``2.5`` gives 3), on every backend alike.

What is exact (no tolerance anywhere; the same integers on every backend):

1. **The value quantised.** When the schedule's exact values at integer counts
   lie on a known grid ``1/D`` (its *grid*: a ``constant``, a ``linear`` with
   whole-number (or binary-fraction) ``start``/``end`` and a whole number of
   ``steps``, a ``piecewise``, and ``chain``/``>>`` of those at whole-number
   boundaries), the value quantised at an integer count is that exact rational
   ``N / D``, not the float the formula computes: ``linear(673, 2430,
   1004)(460)`` is ``1477.9999999999998`` in floating point, and its floor is
   1478, the exact value. The float ``v`` is snapped to the grid,
   ``N = floor(v * D + 1/2)``, which is ``N`` exactly when ``D * M <= 2**48``
   (``2**19`` on float32 JAX), ``M`` bounding ``|start| + |end|`` over the
   pieces: the formula's rounding error is below ``3 * M * 2**-53``, under
   ``1/32`` of the grid step. A schedule with a larger grid, and any other
   schedule (a cosine, an exponential, a sum, a ``lambda_``: values that are
   not rationals of the count, or not known to be), quantises the float ``v`` it
   computes, as the exact number it is. At a fractional time, too.
2. **The quotient.** ``mode(x / k)`` (``x = N`` and ``k = D * multiple`` on the
   grid; else ``x = v`` and ``k = multiple``) is computed exactly, never from a
   rounded quotient: on Python with :class:`fractions.Fraction`; on NumPy, JAX
   and PyTorch as ``n = floor(x / k)`` in floating point, then corrected by one
   where ``n * k > x`` or ``(n + 1) * k <= x`` (``round``: ``(2n + 1) * k <=
   2x``), products of whole numbers that are exact below ``2**53`` (``2**24``
   on float32 JAX). So ``constant(767.9999999999999).floor(multiple=64)`` is 704:
   the value is below 768 (the float of a value a formula computes is quantised
   as it is; only a grid, rule 1, says that it stands for another number).

Beyond ``2**53`` (``2**24``) in magnitude, integers are floats' own (every float
there is a whole number), and the products above may round: quantised values
that large are not guaranteed.

The schedule under a quantiser is evaluated as written: the simplifier
(:mod:`lrdsl.simplify`, JAX and PyTorch) leaves it alone, since its rewrites are
equal only up to float64 rounding, which quantising would turn into a whole
multiple.

A value that is not finite has no integer: evaluating one is a
:class:`~lrdsl.ScheduleError` (NaN on JAX and PyTorch, which cannot raise inside
a compiled function; there, the integer conversion gives what the backend gives).

Anchors: modded-nanogpt's attention window schedule (``next_multiple_of_n(...,
n=128)``, a ceiling to a multiple), sequence-length warmup (DeepSpeed's
``seqlen`` curriculum: a multiple of 8).
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from ._node import Schedule, check_nesting, check_schedule, set_fields, text
from ._ops import is_plain
from .combinators import _Method
from .errors import ScheduleError

__all__ = ["Quantize", "Round", "Floor", "Ceil", "grid"]

#: The largest ``D * M`` (grid times value bound) whose grid snapping is exact, for
#: float64 and float32 evaluation (see the module docstring).
GRID_LIMIT = 2**48
GRID_LIMIT32 = 2**19


@dataclass(frozen=True, repr=False, eq=False)
class Quantize(_Method):
    """``multiple * mode(schedule(t) / multiple)``: see the module docstring."""

    schedule: Schedule
    _: KW_ONLY
    multiple: Any = 1
    _mode: ClassVar[str] = ""
    integral: ClassVar[bool] = True

    def __post_init__(self) -> None:
        fn = self._text_name
        m = self.multiple
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)):
            raise TypeError(f"{fn}: multiple must be an int, got {type(m).__name__} {m!r}")
        m = int(m)
        if m < 1:
            raise ScheduleError(f"{fn}: multiple must be an int >= 1, got {m}")
        set_fields(self, schedule=check_schedule(fn, "schedule", self.schedule), multiple=m)
        check_nesting(self, fn)

    @cached_property
    def duration(self) -> Any:
        return self.schedule.duration

    @cached_property
    def _grids(self) -> tuple[int | None, int | None]:
        """The schedule's grid ``D``, if snapping to it is exact in float64, and in float32."""
        g = grid(self.schedule)
        if g is None:
            return None, None
        d, bound = g
        return tuple(d if d <= limit and d * bound <= limit else None for limit in (GRID_LIMIT, GRID_LIMIT32))  # type: ignore[return-value]

    def _text_args(self) -> list[str]:
        return [] if self.multiple == 1 else [f"multiple={text(self.multiple)}"]

    def _eval(self, t: Any, xp: Any) -> Any:
        name = xp.name
        if name in ("python", "codegen"):
            return xp.call(self._scalar, t)
        v = self.schedule._eval(t, xp)
        m = self.multiple
        if name == "exact":  # the referee's exact numbers: floor division is exact
            return _index_exact(xp, v, m, self._mode) * m
        if name == "numpy":
            with np.errstate(invalid="ignore"):  # floor of inf: inf is given back below
                return self._quantised(t, v, xp)
        return self._quantised(t, v, xp)

    def _quantised(self, t: Any, v: Any, xp: Any) -> Any:
        """The array path: ``v`` (the schedule at ``t``) quantised exactly."""
        m = self.multiple
        out = _index(xp, v, m, self._mode) * m
        d = self._grids[1 if _float32(xp) else 0]
        if d is not None:
            n = xp.floordiv(v * d + 0.5, 1)  # the exact numerator N (see the module docstring)
            on_grid = _index(xp, n, m * d, self._mode) * m
            out = xp.where(xp.ge(xp.floordiv(t, 1), t), on_grid, out)  # integer counts only
        return xp.where(xp.lt(abs(v), math.inf), out, v)  # inf and nan as they are

    def _scalar(self, t: Any) -> Any:
        """The Python path: the value, then the quotient, in exact rationals."""
        v = self.schedule(t)
        if not math.isfinite(v):
            return float(v)
        x = Fraction(v)
        d = self._grids[0]
        if d is not None and (type(t) is int or float(t).is_integer()):
            x = Fraction(math.floor(x * d + _HALF), d)
        q = x / self.multiple
        mode = self._mode
        n = math.floor(q) if mode == "floor" else math.ceil(q) if mode == "ceil" else math.floor(q + _HALF)
        return float(n * self.multiple)

    # -- integers out --------------------------------------------------------------

    def __call__(self, t: Any) -> Any:
        return as_integers(Schedule.__call__(self, t), self)

    def values(self, n: int) -> np.ndarray:
        """The first ``n`` values, as an int64 array."""
        out: np.ndarray = as_integers(Schedule.values(self, n), self)
        return out


_HALF = Fraction(1, 2)


def _float32(xp: Any) -> bool:
    return bool(xp.name == "jax" and xp.ftype() == xp.jnp.float32)


def _floor_index(xp: Any, x: Any, k: int) -> Any:
    """``floor(x / k)`` exactly (a whole-number float; ``x`` a float, ``k`` an int >= 1):
    the float quotient's floor, corrected by one where exact products say so."""
    n = xp.floordiv(xp.div(x, k), 1)
    n = xp.where(xp.gt(n * k, x), n - 1, n)
    return xp.where(xp.le((n + 1) * k, x), n + 1, n)


def _index(xp: Any, x: Any, k: int, mode: str) -> Any:
    """``mode(x / k)`` exactly: floor, ceil, or floor(x / k + 1/2)."""
    if mode == "ceil":
        return 0 - _floor_index(xp, 0 - x, k)
    n = _floor_index(xp, x, k)
    if mode == "floor":
        return n
    return xp.where(xp.le((n * 2 + 1) * k, x * 2), n + 1, n)


def _index_exact(xp: Any, x: Any, k: int, mode: str) -> Any:
    """:func:`_index` on exact numbers (the referee of :mod:`lrdsl._exact`)."""
    if mode == "floor":
        return xp.floordiv(x, k)
    if mode == "ceil":
        return 0 - xp.floordiv(0 - x, k)
    return xp.floordiv(x * 2 + k, 2 * k)


def grid(node: Schedule) -> tuple[int, float] | None:
    """``(D, M)``: at every integer count the exact value of ``node`` (its formula on
    its parameters' exact values) is a multiple of ``1 / D``, and ``|start| + |end|``
    of every piece is at most ``M`` (the bound of the formula's rounding error, see
    the module docstring); ``None`` if ``node`` is not known to be such a schedule.
    Knows ``constant``, ``linear``, ``piecewise`` and ``chain`` (whole-number
    boundaries) with plain parameters."""
    from .combinators import Chain
    from .primitives import Constant, Linear, Piecewise

    if isinstance(node, Constant):
        d = _denominator(node.value)
        return None if d is None else (d, abs(float(node.value)))
    if isinstance(node, Linear):
        a, b, n = _denominator(node.start), _denominator(node.end), node.steps
        if a is None or b is None or not _whole(n):
            return None
        bound = abs(float(node.start)) + abs(float(node.end))
        return (b, bound) if n == 0 else (int(n) * math.lcm(a, b), bound)
    if isinstance(node, Piecewise):
        ds = [_denominator(v) for v in node.levels]
        if any(d is None for d in ds) or not all(is_plain(b) for b in node.boundaries):
            return None
        return math.lcm(*ds), max(abs(float(v)) for v in node.levels)  # type: ignore[arg-type]
    if isinstance(node, Chain):
        if not all(_whole(b) for b in node.bounds):
            return None
        parts = [grid(p) for p in node.pieces]
        if any(p is None for p in parts):
            return None
        return math.lcm(*(p[0] for p in parts)), max(p[1] for p in parts)  # type: ignore[index]
    return None


def _denominator(v: Any) -> int | None:
    """The denominator of a plain finite number's exact value (a power of two), else ``None``."""
    if not is_plain(v) or not math.isfinite(v):
        return None
    return Fraction(v).denominator


def _whole(v: Any) -> bool:
    return is_plain(v) and math.isfinite(v) and float(v).is_integer()


@dataclass(frozen=True, repr=False, eq=False)
class Round(Quantize):
    """``s.round(multiple=m)``: ``s(t)`` to the nearest multiple of ``m`` (halves up)."""

    _text_name = "round"
    _mode = "round"


@dataclass(frozen=True, repr=False, eq=False)
class Floor(Quantize):
    """``s.floor(multiple=m)``: the largest multiple of ``m`` at most ``s(t)``."""

    _text_name = "floor"
    _mode = "floor"


@dataclass(frozen=True, repr=False, eq=False)
class Ceil(Quantize):
    """``s.ceil(multiple=m)``: the smallest multiple of ``m`` at least ``s(t)``."""

    _text_name = "ceil"
    _mode = "ceil"


def as_integers(v: Any, node: Schedule) -> Any:
    """A quantised value (computed as a float holding an integer) as an integer of its
    backend: ``int``, int64 NumPy, the count dtype on JAX, int64 on PyTorch."""
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ScheduleError(f"{_name(node)}: the value is {v!r}, which has no integer")
        return int(v)
    if isinstance(v, (np.ndarray, np.generic)):
        a = np.asarray(v)
        if not np.isfinite(a).all():
            bad = float(a[~np.isfinite(a)].flat[0])
            raise ScheduleError(f"{_name(node)}: a value is {bad!r}, which has no integer")
        return v.astype(np.int64)
    torch = _module("torch")
    if torch is not None and isinstance(v, torch.Tensor):
        return v.to(torch.int64)
    jax = _module("jax")
    if jax is not None and isinstance(v, jax.Array):
        from ._ops import jax_ops

        return v.astype(jax_ops().itype())
    return v


def _name(node: Schedule) -> str:
    r = repr(node)
    return r if len(r) <= 60 else r[:57] + "..."


def _module(name: str) -> Any:
    import sys

    return sys.modules.get(name)
