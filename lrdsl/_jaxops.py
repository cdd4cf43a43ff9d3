"""The JAX namespace: traced, branch-free, and exact for integer counts.

Without x64, JAX counts are int32 and floats float32, whose 24 bits cannot hold a
count above ``2**24``: ``t - boundary`` or ``steps - t`` computed after rounding
``t`` to float32 can be off by up to 128 steps near ``2**31``, and a comparison
``t < boundary`` can go the wrong way. So an integer count enters the formulas
as a :class:`Time`, an exact number, and every operation on times (``sub``,
``add``, ``minimum``, ``maximum``, ``clip``, ``where``, the comparisons,
``floordiv``, ``mod``, ``searchsorted``, ``take(..., like=t)``, ``time_div``,
``geometric``) is exact:

- a time is ``(i + f) / scale``: ``i`` in the count's integer dtype (int32, or
  int64 under x64), ``f`` a float of at most about 1 in size (or, for values
  beyond the integer dtype, the rest, of the sign of ``i``), ``scale`` a plain
  number (``t / n`` is the count with scale ``n``: fractional epochs);
- a plain parameter ``c`` meets a time as ``c * scale`` split into the nearest
  integer that fits the dtype and the rest: ``1000.5 = 1000 + 0.5``,
  ``10**10 = (2**31 - 1) + 7852516353.0``, so ``t - 10**10`` is
  ``(t - (2**31 - 1)) - 7852516353.0``, two numbers of one sign whose float sum
  is within one rounding of the exact value, and ``steps - t`` for ``steps`` just
  above ``2**31`` is exact however close ``t`` comes;
- integer parts are added as integers; where the static bounds of the operands
  (kept for every time, from ``0 <= t <= 2**31 - 1``) cannot rule out an
  overflow, overflowing lanes are detected and carried as floats;
- ``floordiv`` and ``mod`` by a non-integral period ``N / 2**k`` are an exact
  binary long division (``N < 2**54``);
- ``searchsorted`` compares an integer count with ``ceil(bound)``;
- tables of times (a lookup's offsets, an interpolation's knots, the starts of
  geometric cycles) are split like parameters, one NumPy-built array each.

Only ratios (``div``) and values become floats. Floating-point counts (a float
``t``), traced parameters (a ``vmap`` sweep) and the rare operation on two times
of different scales are computed in floats, as ``jax.numpy`` would. Unsigned
counts beyond the signed dtype (uint32 from ``2**31`` without x64) cannot be
represented: see :func:`lrdsl._node.eval_jax`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ._ops import PY, geometric_start, is_plain
from ._tables import all_plain, ceil_table, float_table, floor_table, split_table, table

__all__ = ["Jax", "Time"]

Branch = Callable[[int, Any], Any]
_INF = math.inf

#: log(2) as a head of 9 significant bits (its multiples by ints below 2**15 are exact
#: in float32) and the rest.
_LN2_HI = 0.693359375
_LN2_LO = math.log(2) - _LN2_HI

#: The most cycles of geometric length whose starts are tabulated (beyond, the
#: starts are computed in floats).
MAX_CYCLES = 16_384


def _floor(x: Any) -> Any:
    return math.floor(x) if math.isfinite(x) else x


def _ceil(x: Any) -> Any:
    return math.ceil(x) if math.isfinite(x) else x


class Time:
    """An exact time on the JAX path: ``(i + f) / scale``.

    ``kind`` is ``"int"`` (no ``f``), ``"frac"`` (``|f|`` at most about 1) or
    ``"big"`` (``f`` the part beyond the integer dtype, of the sign of ``i`` or with
    ``i == 0``). ``i`` is an integer array of the count's dtype or a plain ``int``
    (a constant). ``lo <= i + f <= hi`` and ``ilo <= i <= ihi`` are static bounds
    (plain numbers, infinite when unknown), from which the namespace proves that an
    integer operation cannot overflow or decides a comparison without computing it.
    """

    __slots__ = ("f", "hi", "i", "ihi", "ilo", "kind", "lo", "scale", "xp")

    def __init__(
        self,
        xp: Jax,
        i: Any,
        kind: str = "int",
        f: Any = None,
        lo: Any = -_INF,
        hi: Any = _INF,
        ilo: Any = None,
        ihi: Any = None,
        scale: Any = 1,
    ) -> None:
        self.xp, self.i, self.kind, self.f, self.scale = xp, i, kind, f, scale
        self.lo, self.hi = lo, hi
        self.ilo = ilo if ilo is not None else _floor(lo) - 2
        self.ihi = ihi if ihi is not None else _ceil(hi) + 2

    def __repr__(self) -> str:
        return f"Time({self.kind}, [{self.lo}, {self.hi}] / {self.scale})"

    # Python's operators, for formulas and functions that use them on a time.
    def __add__(self, o: Any) -> Any:
        return self.xp.add(self, o)

    def __radd__(self, o: Any) -> Any:
        return self.xp.add(o, self)

    def __sub__(self, o: Any) -> Any:
        return self.xp.sub(self, o)

    def __rsub__(self, o: Any) -> Any:
        return self.xp.sub(o, self)

    def __neg__(self) -> Any:
        return self.xp.sub(0, self)

    def __mul__(self, o: Any) -> Any:
        return self.xp.to_float(self) * self.xp.to_float(o)

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Any:
        return self.xp.div(self, o)

    def __rtruediv__(self, o: Any) -> Any:
        return self.xp.div(o, self)

    def __floordiv__(self, o: Any) -> Any:
        return self.xp.floordiv(self, o)

    def __mod__(self, o: Any) -> Any:
        return self.xp.mod(self, o)

    def __lt__(self, o: Any) -> Any:
        return self.xp.lt(self, o)

    def __le__(self, o: Any) -> Any:
        return self.xp.le(self, o)

    def __gt__(self, o: Any) -> Any:
        return self.xp.gt(self, o)

    def __ge__(self, o: Any) -> Any:
        return self.xp.ge(self, o)

    def __eq__(self, o: Any) -> Any:
        return self.xp.eq(self, o)

    __hash__ = None  # type: ignore[assignment]


class Jax:
    """The JAX namespace (see the module docstring). One instance, built on first use."""

    name = "jax"

    def __init__(self) -> None:
        import jax
        import jax.numpy as jnp

        self.jax = jax
        self.jnp = jnp
        self.lax = jax.lax

    # -- dtypes ----------------------------------------------------------------------

    def itype(self) -> Any:
        """The count's integer dtype: int32, or int64 under x64."""
        return self.jnp.dtype(self.jax.dtypes.canonicalize_dtype(self.jnp.int64))

    def ftype(self) -> Any:
        """The default float: float32, or float64 under x64."""
        return self.jnp.dtype(self.jax.dtypes.canonicalize_dtype(self.jnp.float64))

    def imax(self) -> int:
        return int(self.jnp.iinfo(self.itype()).max)

    def count(self, a: Any) -> Time:
        """The time of a count ``a`` already of the integer dtype and ``>= 0``."""
        return Time(self, a, lo=0, hi=self.imax(), ilo=0, ihi=self.imax())

    # -- conversions -------------------------------------------------------------------

    def _jax_plain(self, x: Any) -> Any:
        """A plain number as JAX takes it: an int beyond the integer dtype as a float."""
        if type(x) is int and not -self.imax() <= x <= self.imax():
            try:
                return float(x)
            except OverflowError:
                return _INF if x > 0 else -_INF
        return x

    def const(self, c: Any, scale: Any = 1) -> Time:
        """The plain number ``c`` as a time of ``scale``: ``c * scale`` as its nearest
        integer within the dtype, and the rest."""
        imax = self.imax()
        v = c if scale == 1 else _units(c, scale)
        if isinstance(v, Fraction):
            v = int(v) if v.denominator == 1 else v
        if type(v) is int or (type(v) is float and v.is_integer()):
            n = int(v)
            if -imax <= n <= imax:
                return Time(self, n, lo=v, hi=v, ilo=n, ihi=n, scale=scale)
            i = imax if n > 0 else -imax
            rest = n - i
            return Time(self, i, "big", float(rest) if abs(rest) < 2**1000 else (_INF if rest > 0 else -_INF),
                        lo=v, hi=v, ilo=i, ihi=i, scale=scale)  # fmt: skip
        if not math.isfinite(v):
            return Time(self, 0, "big", v, lo=v, hi=v, ilo=0, ihi=0, scale=scale)
        n = round(v)  # the nearest integer: |v - n| <= 1/2 (see split_table)
        if -imax <= n <= imax:
            return Time(self, n, "frac", float(v - n), lo=v, hi=v, ilo=n, ihi=n, scale=scale)
        i = imax if n > 0 else -imax
        return Time(self, i, "big", float(v - i), lo=v, hi=v, ilo=i, ihi=i, scale=scale)

    def exact(self, x: Any, scale: Any = 1) -> Time | None:
        """``x`` as a :class:`Time` (of ``scale``, for a plain number or an integer
        array), or ``None`` for a float array or traced value (computed in floats)."""
        if isinstance(x, Time):
            return x
        if is_plain(x) or isinstance(x, Fraction):  # (a Fraction: a rescaled period, exactly)
            return self.const(x, scale)
        if scale == 1 and hasattr(x, "dtype") and self.jnp.issubdtype(x.dtype, self.jnp.integer):
            a = x if x.dtype == self.itype() else self.jnp.asarray(x).astype(self.itype())
            return Time(self, a, lo=-self.imax() - 1, hi=self.imax(), ilo=-self.imax() - 1, ihi=self.imax())
        return None

    def _times(self, a: Any, b: Any) -> tuple[Time, Time] | None:
        """Both operands as times of one scale, when one of them is a time and the
        other exact; ``None`` otherwise (values, indices, float times, two times of
        different scales: plain ``jax.numpy``)."""
        if isinstance(a, Time):
            tb = self.exact(b, a.scale)
            return (a, tb) if tb is not None and tb.scale == a.scale else None
        if isinstance(b, Time):
            ta = self.exact(a, b.scale)
            return (ta, b) if ta is not None and ta.scale == b.scale else None
        return None

    def to_float(self, x: Any) -> Any:
        """``x`` as a float (array): a time's ``(i + f) / scale``, within a rounding or two."""
        if not isinstance(x, Time):
            if hasattr(x, "dtype") and not self.jnp.issubdtype(x.dtype, self.jnp.inexact):
                return self.jnp.asarray(x).astype(self.ftype())
            return self._jax_plain(x) if type(x) is int else x
        if isinstance(x.i, int):
            v: Any = self._jax_plain(x.i) if x.kind == "int" else x.i + x.f
        else:
            v = self.jnp.asarray(x.i, dtype=self.itype()).astype(self.ftype())
            if x.kind != "int":
                v = v + x.f
        if x.scale == 1:
            return v
        if isinstance(x.scale, Fraction):  # 1 / scale as one float (an integer, for a rescale)
            return v * _float(1 / x.scale)
        return v / x.scale

    def time_array(self, t: Any) -> Any:
        """``t`` as a JAX array for formulas written in ``jax.numpy`` itself (noise,
        running products): a :class:`Time` as :meth:`to_array` gives it, else ``t``."""
        return self.to_array(t) if isinstance(t, Time) else t

    def to_array(self, x: Any) -> Any:
        """A time as a JAX array: the integer count itself when it is one, else a float."""
        if isinstance(x, Time) and x.kind == "int" and x.scale == 1 and not isinstance(x.i, int):
            return x.i
        return self.jnp.asarray(self.to_float(x))

    # -- exact arithmetic on times -------------------------------------------------------

    def _iadd(self, a: Time, b: Time, sign: int) -> tuple[Any, Any, Any, Any]:
        """``a.i + sign * b.i``: ``(i, big, ilo, ihi)``, with the lanes that would
        overflow the integer dtype carried in the float ``big`` (``i`` 0 there)."""
        jnp, imax = self.jnp, self.imax()
        lo = a.ilo + (b.ilo if sign > 0 else -b.ihi)
        hi = a.ihi + (b.ihi if sign > 0 else -b.ilo)
        ai, bi = a.i, b.i
        if isinstance(ai, int) and isinstance(bi, int):
            r = ai + sign * bi
            if -imax - 1 <= r <= imax:
                return r, None, r, r
            return 0, float(r), 0, 0
        r = jnp.add(ai, bi) if sign > 0 else jnp.subtract(ai, bi)
        if -imax - 1 <= lo and hi <= imax:
            return r, None, lo, hi
        # Two's-complement overflow: the operands' signs agree (+) / differ (-), the result's does not.
        ai_, bi_ = jnp.asarray(ai, dtype=self.itype()), jnp.asarray(bi, dtype=self.itype())
        if sign > 0:
            ov = ((~(ai_ ^ bi_)) & (ai_ ^ r)) < 0
            wide = ai_.astype(self.ftype()) + bi_.astype(self.ftype())
        else:
            ov = ((ai_ ^ bi_) & (ai_ ^ r)) < 0
            wide = ai_.astype(self.ftype()) - bi_.astype(self.ftype())
        return jnp.where(ov, 0, r), jnp.where(ov, wide, 0.0), max(lo, -imax - 1), min(hi, imax)

    def _combine(self, a: Time, b: Time, sign: int) -> Time:
        """``a + sign * b`` (of one scale), exactly."""
        lo = a.lo + (b.lo if sign > 0 else -b.hi)
        hi = a.hi + (b.hi if sign > 0 else -b.lo)
        i, big, ilo, ihi = self._iadd(a, b, sign)
        if a.kind == "int" and b.kind == "int":
            if big is None:
                return Time(self, i, lo=lo, hi=hi, ilo=ilo, ihi=ihi, scale=a.scale)
            return Time(self, i, "big", big, lo=lo, hi=hi, ilo=ilo, ihi=ihi, scale=a.scale)
        fa = a.f if a.kind != "int" else 0.0
        fb = b.f if b.kind != "int" else 0.0
        f = (fa + fb) if sign > 0 else (fa - fb)
        kind = "big" if big is not None or "big" in (a.kind, b.kind) else "frac"
        if big is not None:
            f = big + f
        return Time(self, i, kind, f, lo=lo, hi=hi, ilo=ilo, ihi=ihi, scale=a.scale)

    def _normal(self, x: Time) -> tuple[Any, Any] | None:
        """``(n, r)`` with ``i + f = n + r``, ``n`` an integer array and ``0 <= r < 1`` a
        float (``None`` for a time beyond the integer dtype)."""
        jnp = self.jnp
        if x.kind == "int":
            return x.i, 0.0
        # n = floor(i + f) lies within [floor(lo), floor(hi)]: no overflow when that does
        if x.kind == "big" or not (-self.imax() - 1 <= _floor(x.lo) and _floor(x.hi) <= self.imax()):
            return None
        fl = jnp.floor(x.f)
        return x.i + fl.astype(self.itype()), x.f - fl

    def _sign(self, d: Time) -> tuple[Any, Any]:
        """``(d < 0, d == 0)``, exactly; Python bools where the bounds decide.

        For ``i + f``: ``float(i) + f`` rounds once (``float(i)`` is exact below
        ``2**24``, and beyond it ``|f|`` is too small to change the sign), so its
        sign and its being zero are those of the exact sum."""
        if d.hi < 0:
            return True, False
        if d.lo > 0:
            return False, False
        if d.kind == "int":
            return d.i < 0, d.i == 0
        v = self.to_float(Time(self, d.i, d.kind, d.f))
        return v < 0, v == 0

    def _compare(self, a: Any, b: Any, op: str) -> Any:
        """``a op b`` for ``op`` in ``< <= > >= ==``, exact on times."""
        jnp = self.jnp
        if is_plain(a) and is_plain(b):
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b}[op]
        both = self._times(a, b)
        if both is None:
            fa, fb = self._operand(a), self._operand(b)
            return {"<": jnp.less, "<=": jnp.less_equal, ">": jnp.greater, ">=": jnp.greater_equal,
                    "==": jnp.equal}[op](fa, fb)  # fmt: skip
        ta, tb = both
        if ta.kind == "int" and is_plain(b) and not isinstance(ta.i, int):
            # An integer against a plain number: against its ceiling or floor.
            c = _units(b, ta.scale)
            k = {"<": _ceil, ">=": _ceil, "<=": _floor, ">": _floor}.get(op, lambda v: v)(c)
            if op == "==" and not _integral(c):
                return False
            if k > ta.ihi:
                return op in ("<", "<=")
            if k < ta.ilo:
                return op in (">", ">=")
            k = int(k)
            return {"<": ta.i < k, "<=": ta.i <= k, ">": ta.i > k, ">=": ta.i >= k, "==": ta.i == k}[op]
        neg, zero = self._sign(self._combine(ta, tb, -1))
        if op == "<":
            return neg
        if op == "==":
            return zero
        le = (neg or zero) if isinstance(neg, bool) and isinstance(zero, bool) else neg | zero
        if op == "<=":
            return le
        if op == ">":
            return (not le) if isinstance(le, bool) else ~le
        return (not neg) if isinstance(neg, bool) else ~neg

    # -- the namespace: times ---------------------------------------------------------------

    def lt(self, a: Any, b: Any) -> Any:
        return self._compare(a, b, "<")

    def le(self, a: Any, b: Any) -> Any:
        return self._compare(a, b, "<=")

    def gt(self, a: Any, b: Any) -> Any:
        return self._compare(a, b, ">")

    def ge(self, a: Any, b: Any) -> Any:
        return self._compare(a, b, ">=")

    def eq(self, a: Any, b: Any) -> Any:
        return self._compare(a, b, "==")

    def zero(self, t: Any) -> Any:
        if isinstance(t, Time):
            return Time(self, self.jnp.zeros((), dtype=self.itype()), lo=0, hi=0, ilo=0, ihi=0, scale=t.scale)
        return self.jnp.zeros((), dtype=self.jnp.asarray(t).dtype)

    def _operand(self, x: Any) -> Any:
        """``x`` for plain ``jax.numpy``: a time as a float (or its integer count), a
        plain int beyond the integer dtype as a float."""
        if isinstance(x, Time):
            return self.to_array(x)
        return self._jax_plain(x)

    def sub(self, a: Any, b: Any) -> Any:
        if is_plain(a) and is_plain(b):
            return PY.sub(a, b)
        both = self._times(a, b)
        if both is None:
            return self._float2(self.jnp.subtract, a, b)
        return self._combine(*both, -1)

    def add(self, a: Any, b: Any) -> Any:
        if is_plain(a) and is_plain(b):
            return PY.add(a, b)
        both = self._times(a, b)
        if both is None:
            return self._float2(self.jnp.add, a, b)
        return self._combine(*both, 1)

    def _float2(self, op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
        """``op`` in plain ``jax.numpy``: in floats if a time is involved."""
        if isinstance(a, Time) or isinstance(b, Time):
            return op(self.to_float(a), self.to_float(b))
        return op(self._jax_plain(a), self._jax_plain(b))

    def where(self, c: Any, a: Any, b: Any) -> Any:
        if isinstance(c, (bool, np.bool_)):
            return a if c else b
        jnp = self.jnp
        both = self._times(a, b)
        if both is None:
            return self._float2(lambda x, y: jnp.where(c, x, y), a, b)
        ta, tb = both
        lo, hi = min(ta.lo, tb.lo), max(ta.hi, tb.hi)
        ilo, ihi = min(ta.ilo, tb.ilo), max(ta.ihi, tb.ihi)
        i = jnp.where(c, ta.i, tb.i)
        if ta.kind == "int" and tb.kind == "int":
            return Time(self, i, lo=lo, hi=hi, ilo=ilo, ihi=ihi, scale=ta.scale)
        f = jnp.where(c, ta.f if ta.kind != "int" else 0.0, tb.f if tb.kind != "int" else 0.0)
        kind = "big" if "big" in (ta.kind, tb.kind) else "frac"
        return Time(self, i, kind, f, lo=lo, hi=hi, ilo=ilo, ihi=ihi, scale=ta.scale)

    def minimum(self, a: Any, b: Any) -> Any:
        return self._extreme(a, b, True)

    def maximum(self, a: Any, b: Any) -> Any:
        return self._extreme(a, b, False)

    def _extreme(self, a: Any, b: Any, smaller: bool) -> Any:
        jnp = self.jnp
        if is_plain(a) and is_plain(b):
            return min(a, b) if smaller else max(a, b)
        both = self._times(a, b)
        if both is None:
            return self._float2(jnp.minimum if smaller else jnp.maximum, a, b)
        ta, tb = both
        if ta.hi <= tb.lo:
            return ta if smaller else tb
        if tb.hi <= ta.lo:
            return tb if smaller else ta
        lo = min(ta.lo, tb.lo) if smaller else max(ta.lo, tb.lo)
        hi = min(ta.hi, tb.hi) if smaller else max(ta.hi, tb.hi)
        if ta.kind == "int" and tb.kind == "int":  # one integer op, exact
            i = jnp.minimum(ta.i, tb.i) if smaller else jnp.maximum(ta.i, tb.i)
            return Time(self, i, lo=lo, hi=hi, ilo=lo, ihi=hi, scale=ta.scale)
        first = self.le(ta, tb) if smaller else self.ge(ta, tb)
        return self._bounded(self.where(first, ta, tb), lo, hi)

    def clip(self, x: Any, lo: Any, hi: Any) -> Any:
        return self.minimum(self.maximum(x, lo), hi)

    def _bounded(self, x: Any, lo: Any, hi: Any) -> Any:
        """``x`` with its bounds narrowed to ``[lo, hi]`` (and its integer part's with them)."""
        if isinstance(x, Time):
            x.lo, x.hi = max(x.lo, lo), min(x.hi, hi)
            if x.kind != "big":  # i is within 2 of the value (a fraction is at most 1 or so)
                x.ilo = max(x.ilo, _floor(x.lo) - 2)
                x.ihi = min(x.ihi, _ceil(x.hi) + 2)
        return x

    def div(self, a: Any, b: Any) -> Any:
        """``a / b`` in the default float (float64 under x64, even for int32 counts)."""
        if is_plain(a) and is_plain(b):
            return PY.div(a, b)
        return self.jnp.true_divide(self.to_float(a), self.to_float(b))

    def time_div(self, t: Any, n: Any) -> Any:
        """``t / n`` as a time: for an exact time and a plain ``n > 0``, the same time
        with its scale multiplied by ``n`` (exact); else a float."""
        if isinstance(t, Time) and is_plain(n) and n > 0 and math.isfinite(t.scale * n):
            scale = _units(n, t.scale) if isinstance(t.scale, Fraction) else t.scale * n
            return Time(self, t.i, t.kind, t.f, lo=t.lo, hi=t.hi, ilo=t.ilo, ihi=t.ihi, scale=scale)
        return self.div(t, n)

    def rescale(self, t: Any, a: Any, b: Any) -> Any:
        """``a * t + b`` as a time: for an exact time and integers ``a > 0`` and ``b``, the
        same time with its scale divided by ``a`` (an exact :class:`~fractions.Fraction`,
        so every plain number it meets is converted to its units exactly: a token count
        ``c`` is ``c / a`` steps, split into the nearest integer and a correctly rounded
        rest), plus ``b``; else in floats."""
        whole = type(a) is int or (type(a) is float and a.is_integer() and abs(a) < 2**53)
        whole_b = type(b) is int or (type(b) is float and b.is_integer() and abs(b) < 2**53)
        if not (isinstance(t, Time) and whole and whole_b and a > 0):
            return self.to_float(t) * a + b
        scale = Fraction(t.scale) / int(a)
        scaled = Time(self, t.i, t.kind, t.f, lo=t.lo, hi=t.hi, ilo=t.ilo, ihi=t.ihi,
                      scale=int(scale) if scale.denominator == 1 else scale)  # fmt: skip
        return self.add(scaled, int(b)) if b != 0 else scaled

    def floordiv(self, a: Any, p: Any) -> Any:
        return self._divmod(a, p)[0]

    def mod(self, a: Any, p: Any) -> Any:
        return self._divmod(a, p)[1]

    def _divmod(self, a: Any, p: Any) -> tuple[Any, Any]:
        """``(floor(a / p), a mod p)``: exact for a time and a plain ``p > 0`` (the
        quotient of scale 1, the remainder of the time's scale)."""
        jnp = self.jnp
        if is_plain(a) and is_plain(p):
            return PY.floordiv(a, p), PY.mod(a, p)
        x = a if isinstance(a, Time) else None
        if x is None or not is_plain(p) or not p > 0:
            return self._float_divmod(a, p)
        scale = x.scale
        ps = p if scale == 1 else _units(p, scale)  # the period in the time's own units
        if isinstance(x.i, int):  # a constant
            v = x.i if x.kind == "int" else x.i + x.f
            if (isinstance(ps, Fraction) or isinstance(scale, Fraction)) and math.isfinite(v):  # exact, then floats
                fq, fr = divmod(Fraction(v), Fraction(ps))
                return int(fq), _float(fr / scale) if scale != 1 else _float(fr)
            q, r = PY.floordiv(v, ps), PY.mod(v, ps)
            return q, (r if scale == 1 else PY.div(r, scale))
        if x.hi < ps and x.lo >= 0:  # within the first period
            return self.const(0), x
        whole = (x.i, None) if x.kind == "int" else self._normal(x)
        if whole is None:
            return self._float_divmod(a, p)
        n, frac = whole
        nlo, nhi = _floor(x.lo), _floor(x.hi)
        base = x if frac is None else Time(self, n, lo=nlo, hi=nhi, ilo=nlo, ihi=nhi)
        known = _known_fraction(x) if frac is not None and isinstance(ps, Fraction) and ps >= 1 else None
        if known is not None and ps.denominator & (ps.denominator - 1):
            # a rescaled time (whose fraction is the offset's, exactly) by a rescaled period
            q, r = self._rational_divmod(base, ps, ps.numerator, ps.denominator, known)
            if q is None:
                return self._float_divmod(a, p)
            frac = None
        else:
            q, r = self._int_divmod(base, ps)
        if q is None:
            return self._float_divmod(a, p)
        if frac is not None:
            r = self._combine(r, Time(self, 0, "frac", frac, lo=0, hi=1, ilo=0, ihi=0), 1)
            over = self.ge(r, ps)
            r = self.where(over, self.sub(r, ps), r)
            q = self._combine(q, Time(self, jnp.where(over, 1, 0), lo=0, hi=1, ilo=0, ihi=1), 1)
        r = self._bounded(r, 0, ps)
        if scale != 1:
            r = Time(self, r.i, r.kind, r.f, lo=r.lo, hi=r.hi, ilo=r.ilo, ihi=r.ihi, scale=scale)
        return q, r

    def _int_divmod(self, x: Time, p: Any) -> tuple[Any, Any]:
        """``divmod`` of an integer time by a plain ``p > 0``; ``(None, None)`` when it
        cannot be exact here."""
        jnp, imax = self.jnp, self.imax()
        lo, hi = x.lo, x.hi
        if _integral(p):
            p = int(p)
            if p > imax:  # beyond every non-negative integer
                if x.ilo >= 0:
                    return self.const(0), x
                return None, None
            q, r = self._idivmod(x.i, p, x.ilo >= 0)
            qlo, qhi = _floor(lo / p), _floor(hi / p)
            return Time(self, q, lo=qlo, hi=qhi, ilo=qlo, ihi=qhi), Time(self, r, lo=0, hi=p - 1, ilo=0, ihi=p - 1)
        # A binary fraction N / 2**k (p >= 1): an exact long division (int32 or int64).
        if not p >= 1:
            return None, None
        if p > imax and x.ilo >= 0:  # beyond every count
            return self.const(0), x
        n_, den = p.as_integer_ratio()  # exact, for a float or a Fraction
        if den & (den - 1):  # a period that is not a binary fraction (a rescaled one)
            return self._rational_divmod(x, p, n_, den)
        k = den.bit_length() - 1
        if x.ilo < 0 and (n_ > imax or not math.isfinite(x.ilo) or math.floor(x.ilo / n_) * den < -imax - 1):
            return None, None  # q0 * 2**k could leave the dtype
        q, rh, rl = self._long_division(x.i, n_, k)
        # the remainder rh * 2**30 + rl, over 2**k: an integer part and an exact fraction
        if k <= 30:
            ri = jnp.left_shift(rh, 30 - k) | jnp.right_shift(rl, k)
            rf = (rl & ((1 << k) - 1)).astype(self.ftype()) / float(den)
        else:
            ri = jnp.right_shift(rh, k - 30)
            low = (rh & ((1 << (k - 30)) - 1)).astype(self.ftype())
            rf = low * 2.0 ** (30 - k) + rl.astype(self.ftype()) * 2.0**-k
        qlo, qhi = _floor(lo / p), _floor(hi / p)
        return (
            Time(self, q, lo=qlo, hi=qhi, ilo=qlo, ihi=qhi),
            Time(self, ri, "frac", rf, lo=0, hi=p, ilo=0, ihi=math.floor(p)),
        )

    def _rational_divmod(
        self, x: Time, p: Fraction, n: int, d: int, frac: Fraction = Fraction(0)
    ) -> tuple[Any, Any]:
        """``divmod`` of an integer time plus an exact constant ``frac`` in ``[0, 1)`` by
        ``p = n / d`` (a rescaled period: a period in tokens over the tokens of a step),
        exactly: ``x = q1 n + r1``, then ``r1 d = q2 n + r2`` by doubling and adding over
        the bits of ``d`` (every partial sum below ``2 n``), so ``x / p = q1 d + q2 + r2 /
        n``; ``frac / p`` carries one more when ``r2 >= n - frac d``. ``(None, None)``
        (floats) where a step could leave the dtype."""
        jnp, imax = self.jnp, self.imax()
        if n > imax // 2 or d > imax or not (math.isfinite(x.ilo) and math.isfinite(x.ihi)):
            return None, None
        q1lo, q1hi = math.floor(Fraction(x.ilo) / n), math.floor(Fraction(x.ihi) / n)
        if q1hi * d + d + 1 > imax or q1lo * d < -imax - 1:
            return None, None
        q1, r1 = self._idivmod(x.i, n, x.ilo >= 0)
        q2, r2 = jnp.zeros_like(r1), jnp.zeros_like(r1)
        for bit in bin(d)[2:]:
            q2, r2 = q2 * 2, r2 * 2
            over = r2 >= n
            q2, r2 = q2 + over.astype(q2.dtype), jnp.where(over, r2 - n, r2)
            if bit == "1":
                r2 = r2 + r1
                over = r2 >= n
                q2, r2 = q2 + over.astype(q2.dtype), jnp.where(over, r2 - n, r2)
        q = q1 * d + q2
        if frac:
            over = r2 >= math.ceil(n - frac * d)
            q, r2 = q + over.astype(q.dtype), r2 - jnp.where(over, n, 0)
        ri, rest = self._idivmod(r2, d, not frac)
        rf = rest.astype(self.ftype()) / float(d) + float(frac)
        qlo, qhi = math.floor(Fraction(x.lo) / p), math.floor((Fraction(x.hi) + frac) / p)
        return (
            Time(self, q, lo=qlo, hi=qhi, ilo=qlo, ihi=qhi),
            Time(self, ri, "frac", rf, lo=0, hi=p, ilo=-1, ihi=math.floor(p)),
        )

    def _idivmod(self, a: Any, p: int, nonnegative: bool) -> tuple[Any, Any]:
        """Floor division and remainder of an integer array by a positive int: one
        operation each when ``a >= 0`` is known (truncation is then the floor)."""
        if nonnegative:
            return self.lax.div(a, self.jnp.asarray(p, a.dtype)), self.lax.rem(a, self.jnp.asarray(p, a.dtype))
        return self.jnp.floor_divide(a, p), self.jnp.mod(a, p)

    def _long_division(self, xi: Any, n: int, k: int) -> tuple[Any, Any, Any]:
        """For ``xi`` an integer array and ``p = n / 2**k >= 1`` (``n < 2**54``; ``xi >= 0``
        if ``n`` is beyond the dtype):
        ``q = floor(xi * 2**k / n)`` and the remainder ``xi * 2**k - q * n`` as two
        30-bit limbs ``(rh, rl)``, by binary long division over the ``k`` bits below
        the point (a ``fori_loop``: a small program whatever ``k``)."""
        jnp, imax = self.jnp, self.imax()
        base = 1 << 30
        if n <= imax:
            q0, r0 = jnp.floor_divide(xi, n), jnp.mod(xi, n)  # xi may be negative
        else:
            q0, r0 = None, xi
        nh, nl = n >> 30, n & (base - 1)
        rh0 = jnp.right_shift(r0, 30)
        rl0 = r0 & (base - 1)

        def step(_: Any, carry: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
            rh, rl, ql = carry
            rl = rl * 2
            up = jnp.right_shift(rl, 30)
            rl = rl & (base - 1)
            rh = rh * 2 + up
            ge = (rh > nh) | ((rh == nh) & (rl >= nl))
            rl = rl - jnp.where(ge, nl, 0)
            borrow = (rl < 0).astype(rl.dtype)
            rl = rl + borrow * base
            rh = rh - jnp.where(ge, nh, 0) - borrow
            return rh, rl, ql * 2 + ge.astype(ql.dtype)

        rh, rl, ql = self.lax.fori_loop(0, k, step, (rh0, rl0, jnp.zeros_like(r0)))
        q = ql if q0 is None else q0 * (1 << k) + ql
        return q, rh, rl

    def _float_divmod(self, a: Any, p: Any) -> tuple[Any, Any]:
        jnp = self.jnp
        integer = hasattr(a, "dtype") and jnp.issubdtype(a.dtype, jnp.integer)
        if integer and is_plain(p) and float(p).is_integer() and -self.imax() <= p <= self.imax():
            return jnp.floor_divide(a, int(p)), jnp.mod(a, int(p))  # an integer array (an index) by an integer
        fa, fp = self.to_float(a), self.to_float(p)
        return jnp.floor_divide(fa, fp), jnp.mod(fa, fp)

    def searchsorted(self, bounds: Sequence[Any], t: Any) -> Any:
        """The number of ``bounds`` that are ``<= t`` (``bounds`` non-decreasing)."""
        jnp = self.jnp
        if len(bounds) == 0:
            return jnp.zeros(np.shape(t.i) if isinstance(t, Time) else jnp.shape(t), dtype=int)
        plain = all_plain(bounds)
        if is_plain(t) and plain:
            return PY.searchsorted(bounds, t)
        x = t if isinstance(t, Time) and plain else None
        if x is not None and isinstance(x.i, int):
            return PY.searchsorted(bounds, self.to_float(x))
        if x is not None:
            imax, scale = self.imax(), x.scale
            bs = bounds if scale == 1 else _scaled(bounds, scale)
            if x.kind == "int":
                ints = table(bs, f"jax-ceil-{imax}", lambda: ceil_table(bs, imax))
                return jnp.searchsorted(jnp.asarray(ints, dtype=self.itype()), x.i, side="right")
            whole = self._normal(x)
            if whole is not None:
                n, frac = whole
                floors, fracs, run = table(bs, f"jax-floor-{imax}", lambda: floor_table(bs, imax))
                fl = jnp.asarray(floors, dtype=self.itype())
                if not fracs.any():  # integral bounds: b <= n + frac  <=>  b <= n
                    return jnp.searchsorted(fl, n, side="right")
                out = jnp.searchsorted(fl, n, side="left")
                fr = jnp.asarray(fracs, dtype=self.ftype())
                size = len(floors)
                extra = jnp.zeros_like(out)
                for k in range(run):  # the bounds whose integer part is n, by their fractions
                    j = jnp.minimum(out + k, size - 1)
                    extra = extra + ((out + k < size) & (fl[j] == n) & (fr[j] <= frac)).astype(out.dtype)
                return out + extra
        if plain:
            arr = jnp.asarray(table(bounds, "float", lambda: float_table(bounds)), dtype=self.ftype())
        else:
            arr = jnp.stack([jnp.asarray(self._jax_plain(b), dtype=self.ftype()) for b in bounds])
        return jnp.searchsorted(arr, self.to_float(t), side="right")

    def take(self, values: Sequence[Any], i: Any, like: Any = None) -> Any:
        """``values[i]``; with ``like`` a time, a table of times (exact on JAX)."""
        jnp = self.jnp
        if isinstance(i, Time):
            i = self.to_array(i)
        if isinstance(i, (int, np.integer)):
            return values[int(i)]
        if not all_plain(values):
            arr = jnp.stack([jnp.asarray(self._jax_plain(v), dtype=self.ftype()) for v in values])
            return arr[i]
        x = like if isinstance(like, Time) else self.exact(like) if like is not None else None
        if x is None:
            return jnp.asarray(table(values, "float", lambda: float_table(values)), dtype=self.ftype())[i]
        imax, scale = self.imax(), x.scale
        vs = values if scale == 1 else _scaled(values, scale)
        ints, rest, kind, lo, hi = table(vs, f"jax-split-{imax}", lambda: split_table(vs, imax))
        ii = jnp.asarray(ints, dtype=self.itype())[i]
        ilo, ihi = (int(ints.min()), int(ints.max())) if len(ints) else (0, 0)
        if kind == "int":
            return Time(self, ii, lo=lo, hi=hi, ilo=ilo, ihi=ihi, scale=scale)
        f = jnp.asarray(rest, dtype=self.ftype())[i]
        return Time(self, ii, kind, f, lo=lo, hi=hi, ilo=ilo, ihi=ihi, scale=scale)

    def geometric(self, p: Any, m: Any, j: Any, like: Any = None) -> Any:
        """Where cycle ``j`` begins (see :func:`lrdsl._ops.geometric_start`): for plain
        ``p`` and ``m`` and a time ``like``, a time from a table of the starts of the
        cycles a count can reach (their float64 values, as ``PY`` computes them)."""
        x = like if isinstance(like, Time) else None
        if x is None or not (is_plain(p) and is_plain(m)) or m <= 1:
            return geometric_start(self, p, m, self.to_float(j) if isinstance(j, Time) else j)
        top = x.hi / x.scale if math.isfinite(x.hi) else self.imax()
        starts = _geometric_table(p, m, top)
        if starts is None:
            return geometric_start(self, p, m, self.to_float(j) if isinstance(j, Time) else j)
        idx = self.to_array(j) if isinstance(j, Time) else j
        idx = self.jnp.clip(self.jnp.asarray(idx).astype(self.itype()), 0, len(starts) - 1)
        return self.take(starts, idx, like=x)

    # -- the namespace: values ----------------------------------------------------------------

    def pow(self, a: Any, b: Any) -> Any:
        jnp = self.jnp
        return jnp.power(jnp.asarray(self.to_float(a), dtype=self.ftype()), self.to_float(b))

    def _unary(self, fn: Callable[[Any], Any], x: Any) -> Any:
        return fn(self.to_float(x))

    def exp(self, x: Any) -> Any:
        return self._unary(self.jnp.exp, x)

    def expm1(self, x: Any) -> Any:
        return self._unary(self.jnp.expm1, x)

    def log(self, x: Any) -> Any:
        return self._unary(self.jnp.log, x)

    def log1p(self, x: Any) -> Any:
        return self._unary(self.jnp.log1p, x)

    def sin(self, x: Any) -> Any:
        return self._unary(self.jnp.sin, x)

    def cos(self, x: Any) -> Any:
        return self._unary(self.jnp.cos, x)

    def tanh(self, x: Any) -> Any:
        return self._unary(self.jnp.tanh, x)

    def sqrt(self, x: Any) -> Any:
        return self._unary(self.jnp.sqrt, x)

    def pow_steps(self, gamma: Any, t: Any, every: Any, floor: bool, scale: Any = 1) -> Any:
        """``scale * gamma ** (t / every)`` (``floor(t / every)`` if ``floor``), within
        1e-6 relative of float64 in float32 for every int32 count ``t``.

        ``jnp.power(float32(gamma), t / every)`` is not: rounding ``gamma`` to float32
        moves ``log(gamma)`` by up to ``6e-8 / |log(gamma)|`` relative, and the
        exponent ``E = (t / every) * log(gamma)`` needs an absolute error below 1e-6
        while ``|E|`` reaches ~100 (where float32's spacing is 8e-6). So, for a
        concrete ``gamma`` and an exact time (or a float time with ``floor``, whose
        ``t // every`` is an exact integer): ``log(gamma)`` is taken in float64;
        ``q = t // every`` and ``t mod every`` are exact (:meth:`floordiv`, :meth:`mod`);
        ``q = qh * 2**16 + ql``; ``2**16 log(gamma)`` and ``log(gamma)`` are split into
        heads of 9 and 8 significant bits plus tails, so that the large products
        ``qh * head16`` and ``ql * head1`` are exact in float32 and what is left is
        small. Each of the three parts of the exponent is reduced by a multiple ``n``
        of ``log(2)`` (Cody and Waite: ``log(2)`` as a 9-bit head, whose multiples are
        exact, and a tail), and the powers of two are applied last, with ``scale``:
        ``ldexp(scale * exp(a) * exp(b) * exp(c), n)``, so no factor leaves float32's
        range even where ``gamma ** k`` alone would (``scale`` large, the product normal).
        Otherwise (x64 on, a traced ``gamma`` or ``every``, float times) the plain power.
        """
        jnp = self.jnp
        x = self.exact(t)
        exact = (
            is_plain(gamma)
            and is_plain(every)
            and every > 0
            and (floor or x is not None)
            and self.ftype() == jnp.float32
        )
        if not exact:
            return scale * self.pow(gamma, self.floordiv(t, every) if floor else self.div(t, every))
        log_g = math.log(gamma)
        shape = np.shape(x.i) if x is not None else jnp.shape(t)
        if log_g == 0.0:
            return scale * jnp.ones(shape, dtype=self.ftype())
        int32_max = int(jnp.iinfo(jnp.int32).max)
        if x is not None:
            q_t = self.floordiv(x, every)
            if not (isinstance(q_t, Time) and q_t.kind == "int" and not isinstance(q_t.i, int)):
                return scale * self.pow(gamma, self.to_float(q_t) if floor else self.div(t, every))
            q = q_t.i
        else:  # a floored float time: an exact integer
            q = jnp.clip(jnp.floor_divide(t, every), 0, int32_max).astype(jnp.int32)
        # Past |E| = 300 (with the scale's own range), the value is 0 or inf in float32:
        # clamp, so that the powers of two stay small.
        limit = 300.0 / abs(log_g)
        if limit < jnp.iinfo(q.dtype).max:
            q = jnp.minimum(q, int(limit) + 1)
        q = jnp.maximum(q, 0)  # counts and cycle indices: never negative
        qh = jnp.right_shift(q, 16).astype(jnp.float32)
        ql = (q & 0xFFFF).astype(jnp.float32)
        head16, tail16 = _split(log_g * 65536.0, 9)
        head1, tail1 = _split(log_g, 8)
        small = qh * jnp.float32(tail16) + ql * jnp.float32(tail1)
        if not floor and not (float(every) == 1.0 and x is not None and x.kind == "int" and x.scale == 1):
            frac = self.div(self.mod(x, every), every)
            small = small + frac * jnp.float32(log_g)
        n1, a = self._reduce(qh * jnp.float32(head16))
        n2, b = self._reduce(ql * jnp.float32(head1))
        n3, c = self._reduce(small)
        # The barrier keeps XLA from rewriting exp(a) * exp(b) as exp(a + b), which
        # would round a + b to float32 and undo the split.
        factors = self.lax.optimization_barrier((jnp.exp(a), jnp.exp(b), jnp.exp(c)))
        m = factors[0] * factors[1] * factors[2]
        return self._ldexp(m * jnp.float32(scale) if is_plain(scale) else scale * m, n1 + n2 + n3)

    def _ldexp(self, x: Any, n: Any) -> Any:
        """``x * 2**n`` for a normal float32 ``x``: three exact powers of two (each
        ``2**k``, ``|k| <= 126``, built from its bits), so that the product goes through
        float32's range no further than from ``x`` to the result (``jnp.ldexp`` is a
        far longer program)."""
        jnp, lax = self.jnp, self.lax
        n = jnp.minimum(jnp.maximum(n, -378), 378)  # beyond, the result is 0 or inf from any float32 x
        n1 = lax.div(n, jnp.int32(3))  # any split into three parts of at most 126 will do
        n2 = lax.div(n - n1, jnp.int32(2))
        n3 = n - n1 - n2

        def pow2(k: Any) -> Any:
            return lax.bitcast_convert_type(jnp.left_shift(k + 127, 23).astype(jnp.int32), jnp.float32)

        return x * pow2(n1) * pow2(n2) * pow2(n3)

    def _reduce(self, e: Any) -> tuple[Any, Any]:
        """``(n, r)`` with ``e = n log(2) + r``, ``|r| <= log(2) / 2`` (nearly exactly:
        ``n * LN2_HI`` is exact and ``e - n * LN2_HI`` too, by Sterbenz's lemma)."""
        jnp = self.jnp
        n = self.lax.round(e * jnp.float32(1 / math.log(2)), self.lax.RoundingMethod.TO_NEAREST_EVEN)
        r = (e - n * jnp.float32(_LN2_HI)) - n * jnp.float32(_LN2_LO)
        return n.astype(jnp.int32), r

    def switch(self, i: Any, n: int, branch: Branch, t: Any) -> Any:
        """Every branch evaluated, the one at ``i`` selected (branch-free, like a
        hand-written ``jnp.where``). Long runs of simple pieces are turned into a
        table lookup by the simplifier before they get here."""
        out = branch(n - 1, t)
        for k in range(n - 2, -1, -1):
            out = self.where(i == k, branch(k, t), out)
        return out

    def call(self, fn: Callable[[Any], Any], t: Any) -> Any:
        return fn(self.to_array(t) if isinstance(t, Time) else t)


# ----------------------------------------------------------------------------
# Helpers.


def _scaled(values: Sequence[Any], scale: Any) -> tuple[Any, ...]:
    """Plain times in units of ``1 / scale`` (cached per tuple and scale)."""
    return table(values, f"scaled-{scale!r}", lambda: tuple(_units(v, scale) for v in values))


def _units(c: Any, scale: Any) -> Any:
    """``c * scale``, the plain number ``c`` in a time's own units: exact for a
    :class:`~fractions.Fraction` scale (a rescaled time), an ``int`` when whole."""
    if isinstance(scale, Fraction) and (type(c) in (int, Fraction) or (type(c) is float and math.isfinite(c))):
        v = Fraction(c) * scale
        return int(v) if v.denominator == 1 else v
    return c * scale


def _known_fraction(x: Time) -> Fraction | None:
    """The fractional part of a rescaled time whose rest is a plain number (an offset's
    ``b / scale``, correctly rounded): exactly, as the fraction of denominator at most
    the scale's nearest to it (unique below ``2**26``); ``None`` otherwise."""
    if not (isinstance(x.f, float) and isinstance(x.scale, Fraction) and x.kind == "frac"):
        return None
    den = x.scale.denominator
    v = x.f - math.floor(x.f)
    if den >= 2**26 or not math.isfinite(v):
        return None
    g = Fraction(v).limit_denominator(den)
    return g if abs(float(g) - v) <= 2.0**-50 and g < 1 else None


def _integral(x: Any) -> bool:
    """``x`` is a whole number (a Fraction exactly; a float or int as ``float(x)`` is)."""
    return x.denominator == 1 if isinstance(x, Fraction) else float(x).is_integer()


def _float(x: Any) -> float:
    """A plain number (or Fraction) as the nearest float (inf beyond the floats)."""
    try:
        return float(x)
    except OverflowError:
        return _INF if x > 0 else -_INF


def _split(x: float, bits: int) -> tuple[float, float]:
    """``x = head + tail`` (float64) with ``head`` rounded to ``bits`` significant bits."""
    if x == 0.0:
        return 0.0, 0.0
    m, e = math.frexp(x)
    head = math.ldexp(round(math.ldexp(m, bits)), e - bits)
    return head, x - head


@functools.lru_cache(maxsize=64)
def _geometric_table(p: Any, m: Any, top: Any) -> tuple[Any, ...] | None:
    """The starts of the cycles ``0, 1, ...`` (as ``PY`` computes them) up to two past
    the one holding ``top``; ``None`` when there would be more than :data:`MAX_CYCLES`."""
    out: list[Any] = []
    j = 0
    if m > 1 + 1e-3 and math.log1p(top * (m - 1) / p) / math.log(m) > MAX_CYCLES:
        return None
    while True:
        b = geometric_start(PY, p, m, j)
        out.append(b)
        if len(out) > MAX_CYCLES:
            return None
        if len(out) >= 4 and out[-3] > top:  # the estimate may be up to two cycles past top
            return tuple(out)
        if b == _INF:
            return tuple(out)
        j += 1
