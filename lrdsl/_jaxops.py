"""The JAX namespace: traced, branch-free, and exact for integer counts.

Without x64, JAX counts are int32 and floats float32, whose 24 bits cannot hold a
count above ``2**24``: ``t - boundary`` or ``steps - t`` computed after rounding
``t`` to float32 can be off by up to 128 steps near ``2**31``, and a comparison
``t < boundary`` can go the wrong way. So an integer count enters the formulas
as a :class:`Time`, an exact number ``i + fraction`` with ``i`` in the count's
integer dtype (int32, or int64 under x64), and every operation on times
(``sub``, ``add``, ``minimum``, ``maximum``, ``clip``, ``where``, the
comparisons, ``floordiv``, ``mod``, ``searchsorted``, ``take(..., like=t)``,
``time_div``, ``geometric``) is exact:

- a plain parameter is split into an integer part that fits the dtype and the
  rest: ``1000.5 = 1000 + 0.5``, ``10**10 = (2**31 - 1) + 7852516353.0``, so
  ``t - 10**10`` is ``(t - (2**31 - 1)) - 7852516353.0``: two numbers of one
  sign, whose float sum is within one rounding of the exact value; ``steps - t``
  for ``steps`` just above ``2**31`` is exact however close ``t`` comes;
- integer parts are subtracted as integers; where the static ranges of the
  operands (tracked for every time, from ``0 <= t <= 2**31 - 1``) cannot rule
  out an overflow, overflowing lanes are detected and carried as floats;
- ``t / n`` for an integral ``n`` (``per_epoch(n, staircase=False)``) is the
  exact ``t // n + (t mod n) / n``, so ``steps - t / n`` does not cancel;
- ``floordiv`` and ``mod`` by a non-integral period ``P / 2**k`` are an exact
  long division;
- ``searchsorted`` compares an integer count with ``ceil(bound)``;
- tables of times (a lookup's offsets, an interpolation's knots, the starts of
  geometric cycles) are split like parameters, one NumPy-built array each.

Only ratios (``div``) and values become floats. Floating-point counts (a float
``t``, fractional epochs passed in by the caller), traced parameters (a
``vmap`` sweep) and periods that are no short binary fraction are computed in
floats, as ``jax.numpy`` would. Unsigned counts beyond the signed dtype (uint32
from ``2**31`` without x64) cannot be represented: see :func:`lrdsl._node.eval_jax`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._ops import PY, geometric_start, is_plain, table

__all__ = ["Jax", "Time"]

Branch = Callable[[int, Any], Any]
_INF = math.inf

#: The most cycles of geometric length whose starts are tabulated (beyond, the
#: starts are computed in floats).
MAX_CYCLES = 16_384


class Time:
    """An exact time on the JAX path: ``i + f`` (``kind`` ``"frac"``: ``|f|`` small;
    ``"big"``: ``i`` and ``f`` of one sign, or ``i == 0``, for values beyond the
    integer dtype), ``i + num / den`` (``"ratio"``: ``0 <= num < den``, ``den`` a
    plain int) or ``i`` (``"int"``).

    ``i`` is an integer array of the count's dtype or a plain ``int`` (a
    constant); ``lo <= value <= hi`` and ``ilo <= i <= ihi`` are static bounds
    (plain numbers, infinite when unknown), from which the namespace proves that
    an integer operation cannot overflow.
    """

    __slots__ = ("den", "f", "hi", "i", "ihi", "ilo", "kind", "lo", "num", "xp")

    def __init__(
        self,
        xp: Jax,
        i: Any,
        kind: str = "int",
        f: Any = None,
        num: Any = None,
        den: int = 1,
        lo: Any = -_INF,
        hi: Any = _INF,
        ilo: Any = None,
        ihi: Any = None,
    ) -> None:
        self.xp, self.i, self.kind, self.f, self.num, self.den = xp, i, kind, f, num, den
        self.lo, self.hi = lo, hi
        self.ilo = ilo if ilo is not None else (math.floor(lo) - 1 if math.isfinite(lo) else -_INF)
        self.ihi = ihi if ihi is not None else (math.floor(hi) + 1 if math.isfinite(hi) else _INF)

    def __repr__(self) -> str:
        return f"Time({self.kind}, [{self.lo}, {self.hi}])"

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.i))

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

    def __jax_array__(self) -> Any:
        return self.xp.to_array(self)


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
                return math.copysign(_INF, x)
        return x

    def const(self, c: Any) -> Time:
        """The plain number ``c`` as a time: its integer part (within the dtype) and the rest."""
        imax = self.imax()
        if type(c) is int or (type(c) is float and c.is_integer()):
            c_int = int(c)
            if -imax <= c_int <= imax:
                return Time(self, c_int, lo=c, hi=c, ilo=c_int, ihi=c_int)
            i = imax if c_int > 0 else -imax
            rest = PY.sub(c_int, i)
            return Time(self, i, "big", float(rest) if abs(rest) < 2**1000 else math.copysign(_INF, rest),
                        lo=c, hi=c, ilo=i, ihi=i)  # fmt: skip
        if not math.isfinite(c):
            return Time(self, 0, "big", c, lo=c, hi=c, ilo=0, ihi=0)
        fl = math.floor(c)
        if -imax <= fl <= imax:
            return Time(self, fl, "frac", c - fl, lo=c, hi=c, ilo=fl, ihi=fl)
        i = imax if fl > 0 else -imax
        return Time(self, i, "big", c - i, lo=c, hi=c, ilo=i, ihi=i)

    def exact(self, x: Any) -> Time | None:
        """``x`` as a :class:`Time`, or ``None`` if it is a float array or traced value
        (computed in floats)."""
        if isinstance(x, Time):
            return x
        if is_plain(x):
            return self.const(x)
        if hasattr(x, "dtype") and self.jnp.issubdtype(x.dtype, self.jnp.integer):
            a = x if x.dtype == self.itype() else self.jnp.asarray(x).astype(self.itype())
            return Time(self, a, lo=-self.imax() - 1, hi=self.imax(), ilo=-self.imax() - 1, ihi=self.imax())
        return None

    def _times(self, a: Any, b: Any) -> tuple[Time, Time] | None:
        """Both operands as times, when one of them is a time and the other exact;
        ``None`` otherwise (values, indices, float times: plain ``jax.numpy``)."""
        if not isinstance(a, Time) and not isinstance(b, Time):
            return None
        ta, tb = self.exact(a), self.exact(b)
        if ta is None or tb is None:
            return None
        return ta, tb

    def to_float(self, x: Any) -> Any:
        """``x`` as a float (array): a time's ``i + fraction``, within one rounding."""
        if not isinstance(x, Time):
            if hasattr(x, "dtype") and not self.jnp.issubdtype(x.dtype, self.jnp.inexact):
                return self.jnp.asarray(x).astype(self.ftype())
            return self._jax_plain(x) if type(x) is int else x
        i = self.jnp.asarray(x.i, dtype=self.itype()).astype(self.ftype()) if not isinstance(x.i, int) else x.i
        if x.kind == "int":
            return i if not isinstance(i, int) else self._jax_plain(i)
        if x.kind == "ratio":
            return i + x.num.astype(self.ftype()) / x.den
        return i + x.f

    def to_array(self, x: Any) -> Any:
        """A time as a JAX array: the integer count itself when it is one, else a float."""
        if isinstance(x, Time) and x.kind == "int" and not isinstance(x.i, int):
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

    def _as_frac(self, x: Time) -> Any:
        """The fractional (or big) part of ``x`` as a float (0.0 for an integer)."""
        if x.kind == "int":
            return 0.0
        if x.kind == "ratio":
            return x.num.astype(self.ftype()) / x.den
        return x.f

    def _neg(self, x: Time) -> Time:
        return self._combine(self.const(0), x, -1)

    def _combine(self, a: Time, b: Time, sign: int) -> Time:
        """``a + sign * b``, exactly."""
        jnp = self.jnp
        lo = a.lo + (b.lo if sign > 0 else -b.hi)
        hi = a.hi + (b.hi if sign > 0 else -b.lo)
        if a.kind == "ratio" and b.kind == "ratio" and a.den != b.den:
            a, b = self._to_frac(a), self._to_frac(b)
        if {a.kind, b.kind} <= {"int", "ratio"} and "ratio" in (a.kind, b.kind):
            den = a.den if a.kind == "ratio" else b.den
            na = a.num if a.kind == "ratio" else 0
            nb = b.num if b.kind == "ratio" else 0
            num = jnp.add(na, nb) if sign > 0 else jnp.subtract(na, nb)
            carry = jnp.where(num >= den, 1, jnp.where(num < 0, -1, 0))
            num = num - carry * den
            i, big, ilo, ihi = self._iadd(a, b, sign)
            if big is None and -self.imax() <= ilo - 1 and ihi + 1 <= self.imax():
                return Time(self, i + carry, "ratio", num=num, den=den, lo=lo, hi=hi, ilo=ilo - 1, ihi=ihi + 1)
            frac = num.astype(self.ftype()) / den + carry.astype(self.ftype())
            return self._with_big(i, big, frac, lo, hi, ilo, ihi)
        i, big, ilo, ihi = self._iadd(a, b, sign)
        if a.kind == "int" and b.kind == "int":
            if big is None:
                return Time(self, i, lo=lo, hi=hi, ilo=ilo, ihi=ihi)
            return Time(self, i, "big", big, lo=lo, hi=hi, ilo=ilo, ihi=ihi)
        fa, fb = self._as_frac(a), self._as_frac(b)
        frac = (fa + fb) if sign > 0 else (fa - fb)
        kind = "big" if "big" in (a.kind, b.kind) else "frac"
        if big is None:
            return Time(self, i, kind, frac, lo=lo, hi=hi, ilo=ilo, ihi=ihi)
        return self._with_big(i, big, frac, lo, hi, ilo, ihi)

    def _with_big(self, i: Any, big: Any, frac: Any, lo: Any, hi: Any, ilo: Any, ihi: Any) -> Time:
        f = frac if big is None else big + frac
        return Time(self, i, "big", f, lo=lo, hi=hi, ilo=ilo, ihi=ihi)

    def _to_frac(self, x: Time) -> Time:
        if x.kind != "ratio":
            return x
        return Time(self, x.i, "frac", self._as_frac(x), lo=x.lo, hi=x.hi, ilo=x.ilo, ihi=x.ihi)

    def _normal(self, x: Time) -> tuple[Any, Any] | None:
        """``(n, r)`` with ``x = n + r``, ``n`` an integer array and ``0 <= r < 1`` a float
        (``None`` for a time beyond the integer dtype)."""
        jnp = self.jnp
        if x.kind == "int":
            return x.i, 0.0
        if x.kind == "ratio":
            return x.i, self._as_frac(x)
        if x.kind == "big" or x.ilo - 2 < -self.imax() or x.ihi + 2 > self.imax():
            return None
        fl = jnp.floor(x.f)
        return x.i + fl.astype(self.itype()), x.f - fl

    def _sign(self, d: Time) -> tuple[Any, Any]:
        """``(d < 0, d == 0)``, exactly; Python bools where the bounds decide."""
        if d.hi < 0:
            return True, False
        if d.lo > 0:
            return False, False
        if d.kind == "int":
            return d.i < 0, d.i == 0
        if d.kind == "ratio":
            return d.i < 0, (d.i == 0) & (d.num == 0)
        v = self.to_float(d)
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
            c = b
            if op in ("<", ">="):
                k = math.ceil(c)
            elif op in ("<=", ">"):
                k = math.floor(c)
            else:
                k = c if float(c).is_integer() else None
            if k is None:
                return False
            if k > ta.ihi:
                return op in ("<", "<=")
            if k < ta.ilo:
                return op in (">", ">=")
            if k == ta.ihi == ta.ilo and op == "==":
                return True
            return {"<": ta.i < k, "<=": ta.i <= k, ">": ta.i > k, ">=": ta.i >= k, "==": ta.i == k}[op]
        neg, zero = self._sign(self._combine(ta, tb, -1))
        if op == "<":
            return neg
        if op == "<=":
            return neg | zero if not isinstance(neg, bool) or not isinstance(zero, bool) else neg or zero
        if op == ">":
            le = neg | zero if not isinstance(neg, bool) or not isinstance(zero, bool) else neg or zero
            return (not le) if isinstance(le, bool) else ~le
        if op == ">=":
            return (not neg) if isinstance(neg, bool) else ~neg
        return zero

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
            return Time(self, self.jnp.zeros((), dtype=self.itype()), lo=0, hi=0, ilo=0, ihi=0)
        return self.jnp.zeros((), dtype=self.jnp.asarray(t).dtype)

    def sub(self, a: Any, b: Any) -> Any:
        if is_plain(a) and is_plain(b):
            return PY.sub(a, b)
        both = self._times(a, b)
        if both is None:
            return self.jnp.subtract(self._operand(a), self._operand(b))
        return self._combine(*both, -1)

    def add(self, a: Any, b: Any) -> Any:
        if is_plain(a) and is_plain(b):
            return PY.add(a, b)
        both = self._times(a, b)
        if both is None:
            return self.jnp.add(self._operand(a), self._operand(b))
        return self._combine(*both, 1)

    def _operand(self, x: Any) -> Any:
        """``x`` for plain ``jax.numpy``: a time as a float (or its integer count), a
        plain int beyond the integer dtype as a float."""
        if isinstance(x, Time):
            return self.to_array(x) if x.kind == "int" else self.to_float(x)
        return self._jax_plain(x)

    def where(self, c: Any, a: Any, b: Any) -> Any:
        if isinstance(c, (bool, np.bool_)):
            return a if c else b
        jnp = self.jnp
        both = self._times(a, b)
        if both is None:
            if isinstance(a, Time) or isinstance(b, Time):
                return jnp.where(c, self.to_float(a), self.to_float(b))
            return jnp.where(c, self._jax_plain(a), self._jax_plain(b))
        ta, tb = both
        lo, hi = min(ta.lo, tb.lo), max(ta.hi, tb.hi)
        ilo, ihi = min(ta.ilo, tb.ilo), max(ta.ihi, tb.ihi)
        i = jnp.where(c, ta.i, tb.i)
        kinds = {ta.kind, tb.kind}
        if kinds == {"int"}:
            return Time(self, i, lo=lo, hi=hi, ilo=ilo, ihi=ihi)
        if kinds <= {"int", "ratio"} and (ta.kind != "ratio" or tb.kind != "ratio" or ta.den == tb.den):
            den = ta.den if ta.kind == "ratio" else tb.den
            num = jnp.where(c, ta.num if ta.kind == "ratio" else 0, tb.num if tb.kind == "ratio" else 0)
            return Time(self, i, "ratio", num=num, den=den, lo=lo, hi=hi, ilo=ilo, ihi=ihi)
        f = jnp.where(c, self._as_frac(ta), self._as_frac(tb))
        return Time(self, i, "big" if "big" in kinds else "frac", f, lo=lo, hi=hi, ilo=ilo, ihi=ihi)

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
            fa, fb = self._operand(a), self._operand(b)
            if isinstance(a, Time) or isinstance(b, Time):  # a time and a float: in floats
                fa, fb = self.to_float(a), self.to_float(b)
            return jnp.minimum(fa, fb) if smaller else jnp.maximum(fa, fb)
        ta, tb = both
        if ta.hi <= tb.lo:
            return a if smaller else b
        if tb.hi <= ta.lo:
            return b if smaller else a
        if ta.kind == "int" and tb.kind == "int":  # one integer op, exact
            i = jnp.minimum(ta.i, tb.i) if smaller else jnp.maximum(ta.i, tb.i)
            lo = min(ta.lo, tb.lo) if smaller else max(ta.lo, tb.lo)
            hi = min(ta.hi, tb.hi) if smaller else max(ta.hi, tb.hi)
            return Time(self, i, lo=lo, hi=hi, ilo=lo, ihi=hi)
        first = self.le(ta, tb) if smaller else self.ge(ta, tb)
        out = self.where(first, ta, tb)
        if isinstance(out, Time):
            out.lo = min(ta.lo, tb.lo) if smaller else max(ta.lo, tb.lo)
            out.hi = min(ta.hi, tb.hi) if smaller else max(ta.hi, tb.hi)
        return out

    def clip(self, x: Any, lo: Any, hi: Any) -> Any:
        return self.minimum(self.maximum(x, lo), hi)

    def div(self, a: Any, b: Any) -> Any:
        """``a / b`` in the default float (float64 under x64, even for int32 counts)."""
        if is_plain(a) and is_plain(b):
            return PY.div(a, b)
        return self.jnp.true_divide(self.to_float(a), self.to_float(b))

    def time_div(self, t: Any, n: Any) -> Any:
        """``t / n`` as a time: for an integer count and an integral ``n``, exactly
        ``t // n + (t mod n) / n``; else a float."""
        x = t if isinstance(t, Time) else None
        if (
            x is not None
            and x.kind == "int"
            and not isinstance(x.i, int)
            and is_plain(n)
            and float(n).is_integer()
            and 1 <= n <= self.imax()
        ):
            n = int(n)
            if n == 1:
                return x
            lo, hi = x.lo / n, x.hi / n
            q, r = self.jnp.floor_divide(x.i, n), self.jnp.mod(x.i, n)
            return Time(self, q, "ratio", num=r, den=n, lo=lo, hi=hi,
                        ilo=math.floor(x.ilo / n) if math.isfinite(x.ilo) else -_INF,
                        ihi=math.floor(x.ihi / n) if math.isfinite(x.ihi) else _INF)  # fmt: skip
        return self.div(t, n)

    def floordiv(self, a: Any, p: Any) -> Any:
        return self._divmod(a, p)[0]

    def mod(self, a: Any, p: Any) -> Any:
        return self._divmod(a, p)[1]

    def _divmod(self, a: Any, p: Any) -> tuple[Any, Any]:
        """``(floor(a / p), a mod p)``: exact for a time and a plain ``p > 0``."""
        jnp = self.jnp
        if is_plain(a) and is_plain(p):
            return PY.floordiv(a, p), PY.mod(a, p)
        x = a if isinstance(a, Time) else None
        if x is not None and isinstance(x.i, int) and x.kind == "int" and is_plain(p):
            return PY.floordiv(x.i, p), PY.mod(x.i, p)
        if x is None or not is_plain(p) or not p > 0 or isinstance(x.i, int):
            return self._float_divmod(a, p)
        if x.hi < p and x.lo >= 0:  # within the first period
            return self.const(0), x
        if x.kind == "ratio" and float(p).is_integer() and p <= self.imax():
            q, r = self._int_divmod(Time(self, x.i, lo=x.ilo, hi=x.ihi, ilo=x.ilo, ihi=x.ihi), p)
            if q is not None and r.kind == "int":
                return q, Time(self, r.i, "ratio", num=x.num, den=x.den, lo=0, hi=p, ilo=r.ilo, ihi=r.ihi)
            x = self._to_frac(x)
        if x.kind == "int":
            q, r = self._int_divmod(x, p)
            return (q, r) if q is not None else self._float_divmod(a, p)
        whole = self._normal(x)
        if whole is None:
            return self._float_divmod(a, p)
        n, frac = whole
        base = Time(self, n, lo=x.lo - 1, hi=x.hi + 1, ilo=x.ilo - 2, ihi=x.ihi + 2)
        q, r = self._int_divmod(base, p)
        if q is None:
            return self._float_divmod(a, p)
        r = self._combine(r, Time(self, 0, "frac", frac, lo=0, hi=1, ilo=0, ihi=0), 1)
        over = self.ge(r, p)
        r = self.where(over, self.sub(r, p), r)
        q = self._combine(q, Time(self, jnp.where(over, 1, 0), lo=0, hi=1, ilo=0, ihi=1), 1)
        return q, self._bounded(r, 0, p)

    def _bounded(self, x: Any, lo: Any, hi: Any) -> Any:
        if isinstance(x, Time):
            x.lo, x.hi = max(x.lo, lo), min(x.hi, hi)
        return x

    def _int_divmod(self, x: Time, p: Any) -> tuple[Any, Any]:
        """``divmod`` of an integer time by a plain ``p > 0``; ``(None, None)`` when it
        cannot be exact here."""
        jnp, imax = self.jnp, self.imax()
        lo, hi = x.lo, x.hi
        if float(p).is_integer():
            p = int(p)
            if p > imax:  # beyond every non-negative integer
                if x.ilo >= 0:
                    return self.const(0), x
                return None, None
            q = jnp.floor_divide(x.i, p)
            r = jnp.mod(x.i, p)
            qlo = lo // p if math.isfinite(lo) else -_INF
            qhi = hi // p if math.isfinite(hi) else _INF
            return Time(self, q, lo=qlo, hi=qhi, ilo=qlo, ihi=qhi), Time(self, r, lo=0, hi=p - 1, ilo=0, ihi=p - 1)
        if self.ftype() == jnp.float64:  # float64 holds the count exactly: fmod is exact
            xf = x.i.astype(jnp.float64)
            r = jnp.mod(xf, p)
            q = jnp.round((xf - r) / p).astype(self.itype())
            rf = jnp.floor(r)
            qlo = math.floor(lo / p) if math.isfinite(lo) else -_INF
            qhi = math.floor(hi / p) if math.isfinite(hi) else _INF
            return (
                Time(self, q, lo=qlo, hi=qhi, ilo=qlo, ihi=qhi),
                Time(self, rf.astype(self.itype()), "frac", r - rf, lo=0, hi=p, ilo=0, ihi=math.floor(p)),
            )
        # A binary fraction P / 2**k (P < 2**30, p >= 1): long division of the remainder
        # of x by P, k bits.
        num, den = float(p).as_integer_ratio()
        k = den.bit_length() - 1
        if not (p >= 1 and num < 2**30 and k <= 40 and x.ilo >= 0):
            return None, None
        q0, r0 = jnp.floor_divide(x.i, num), jnp.mod(x.i, num)

        def step(_: Any, carry: tuple[Any, Any]) -> tuple[Any, Any]:
            rem, ql = carry
            rem = rem * 2
            bit = rem >= num
            return jnp.where(bit, rem - num, rem), ql * 2 + bit.astype(rem.dtype)

        rem, ql = self.lax.fori_loop(0, k, step, (r0, jnp.zeros_like(r0)))
        q = q0 * den + ql
        # rem / 2**k, as an integer part and an exact fraction
        ri = jnp.right_shift(rem, k) if k < 31 else jnp.zeros_like(rem)
        rf = (rem - ri * den).astype(self.ftype()) / den
        qhi = math.floor(hi / p) if math.isfinite(hi) else _INF
        return (
            Time(self, q, lo=0, hi=qhi, ilo=0, ihi=qhi),
            Time(self, ri, "frac", rf, lo=0, hi=p, ilo=0, ihi=math.floor(p)),
        )

    def _float_divmod(self, a: Any, p: Any) -> tuple[Any, Any]:
        jnp = self.jnp
        fa, fp = self.to_float(a), self.to_float(p)
        integer = hasattr(a, "dtype") and jnp.issubdtype(a.dtype, jnp.integer)
        if integer and is_plain(p) and float(p).is_integer() and -self.imax() <= p <= self.imax():
            return jnp.floor_divide(a, int(p)), jnp.mod(a, int(p))  # an integer array (an index) by an integer
        return jnp.floor_divide(fa, fp), jnp.mod(fa, fp)

    def searchsorted(self, bounds: Sequence[Any], t: Any) -> Any:
        """The number of ``bounds`` that are ``<= t`` (``bounds`` non-decreasing)."""
        jnp = self.jnp
        if len(bounds) == 0:
            return jnp.zeros(np.shape(t.i) if isinstance(t, Time) else jnp.shape(t), dtype=int)
        plain = all(is_plain(b) for b in bounds)
        if is_plain(t) and plain:
            return PY.searchsorted(bounds, t)
        x = self.exact(t) if plain else None
        if x is not None and isinstance(x.i, int):
            return PY.searchsorted(bounds, self.to_float(x))
        if x is not None and x.kind == "int":
            imax = self.imax()
            ints = table(bounds, f"jax-ceil-{imax}", lambda: _ceil_table(bounds, imax))
            return jnp.searchsorted(jnp.asarray(ints, dtype=self.itype()), x.i, side="right")
        whole = self._normal(x) if x is not None else None
        if whole is not None:
            n, frac = whole
            imax = self.imax()
            floors, fracs, run = table(bounds, f"jax-floor-{imax}", lambda: _floor_table(bounds, imax))
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
            arr = jnp.asarray(table(bounds, "jax-float", lambda: _float_table(bounds)), dtype=self.ftype())
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
        if not all(is_plain(v) for v in values):
            arr = jnp.stack([jnp.asarray(self._jax_plain(v), dtype=self.ftype()) for v in values])
            return arr[i]
        x = self.exact(like) if like is not None else None
        if x is None:
            return jnp.asarray(table(values, "jax-float", lambda: _float_table(values)), dtype=self.ftype())[i]
        imax = self.imax()
        ints, rest, kind, lo, hi = table(values, f"jax-split-{imax}", lambda: _split_table(values, imax))
        ii = jnp.asarray(ints, dtype=self.itype())[i]
        ilo, ihi = (int(ints.min()), int(ints.max())) if len(ints) else (0, 0)
        if kind == "int":
            return Time(self, ii, lo=lo, hi=hi, ilo=ilo, ihi=ihi)
        return Time(self, ii, kind, jnp.asarray(rest, dtype=self.ftype())[i], lo=lo, hi=hi, ilo=ilo, ihi=ihi)

    def geometric(self, p: Any, m: Any, j: Any, like: Any = None) -> Any:
        """Where cycle ``j`` begins (see :func:`lrdsl._ops.geometric_start`): for plain
        ``p`` and ``m`` and a time ``like``, a time from a table of the starts of the
        cycles a count can reach (their float64 values, as ``PY`` computes them)."""
        x = self.exact(like) if like is not None else None
        if x is None or not (is_plain(p) and is_plain(m)) or m <= 1:
            return geometric_start(self, p, m, self.to_float(j) if isinstance(j, Time) else j)
        top = x.hi if math.isfinite(x.hi) else self.imax()
        starts = table((p, m, top), "geometric", lambda: _geometric_table(p, m, top))
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

    def pow_steps(self, gamma: Any, t: Any, every: Any, floor: bool) -> Any:
        """``gamma ** (t / every)`` (``floor(t / every)`` if ``floor``), within 1e-6
        relative of float64 in float32 for every int32 count ``t``.

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
        small: the value is ``exp(qh * head16) * exp(ql * head1) * exp(small)``.
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
            return self.pow(gamma, self.floordiv(t, every) if floor else self.div(t, every))
        log_g = math.log(gamma)
        shape = np.shape(x.i) if x is not None else jnp.shape(t)
        if log_g == 0.0:
            return jnp.ones(shape, dtype=self.ftype())
        int32_max = int(jnp.iinfo(jnp.int32).max)
        if x is not None:
            q_t = self.floordiv(x, every)
            if not (isinstance(q_t, Time) and q_t.kind == "int" and not isinstance(q_t.i, int)):
                return self.pow(gamma, self.to_float(q_t) if floor else self.div(t, every))
            q = q_t.i
        else:  # a floored float time: an exact integer
            q = jnp.clip(jnp.floor_divide(t, every), 0, int32_max).astype(jnp.int32)
        # Past |E| = 200, gamma ** k is 0 or inf in float32 whatever the start: clamp,
        # so that every factor below stays finite (no 0 * inf).
        limit = 200.0 / abs(log_g)
        if limit < jnp.iinfo(q.dtype).max:
            q = jnp.minimum(q, int(limit) + 1)
        qh = jnp.floor_divide(q, 1 << 16).astype(jnp.float32)
        ql = jnp.mod(q, 1 << 16).astype(jnp.float32)
        head16, tail16 = _split(log_g * 65536.0, 9)
        head1, tail1 = _split(log_g, 8)
        small = qh * jnp.float32(tail16) + ql * jnp.float32(tail1)
        if not floor and not (float(every) == 1.0 and x is not None and x.kind == "int"):
            frac = self.div(self.mod(x, every), every)
            small = small + frac * jnp.float32(log_g)
        # The barrier keeps XLA from rewriting exp(a) * exp(b) as exp(a + b), which
        # would round a + b to float32 and undo the split.
        factors = self.lax.optimization_barrier(
            (jnp.exp(qh * jnp.float32(head16)), jnp.exp(ql * jnp.float32(head1)), jnp.exp(small))
        )
        return factors[0] * factors[1] * factors[2]

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
# Tables, built once with NumPy (one transfer each).


def _split(x: float, bits: int) -> tuple[float, float]:
    """``x = head + tail`` (float64) with ``head`` rounded to ``bits`` significant bits."""
    if x == 0.0:
        return 0.0, 0.0
    m, e = math.frexp(x)
    head = math.ldexp(round(math.ldexp(m, bits)), e - bits)
    return head, x - head


def _wide(x: Any) -> float:
    try:
        return float(x)
    except OverflowError:
        return math.copysign(_INF, x)


def _float_table(values: Sequence[Any]) -> np.ndarray:
    return np.asarray([_wide(v) for v in values], dtype=np.float64)


def _ceil_table(bounds: Sequence[Any], imax: int) -> np.ndarray:
    """``ceil(b)`` of each bound for an integer count of at most ``imax``: those above
    are left out (never ``<= t``), those below raised to ``-imax - 1``."""
    out = []
    for b in bounds:
        c = math.ceil(b) if math.isfinite(b) else b
        if c > imax:
            break
        out.append(max(c, -imax - 1))
    return np.asarray(out, dtype=np.int64)


def _floor_table(bounds: Sequence[Any], imax: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The integer parts (``floor``, at most ``imax``) and fractions of the bounds, and
    the longest run of equal integer parts."""
    floors, fracs = [], []
    for b in bounds:
        f = math.floor(b) if math.isfinite(b) else b
        if f > imax:
            break
        f = max(f, -imax - 1)
        floors.append(f)
        fracs.append(float(b - f) if -imax - 1 < b else 0.0)
    run, best = 0, 0
    for k in range(len(floors)):
        run = run + 1 if k and floors[k] == floors[k - 1] else 1
        best = max(best, run)
    return np.asarray(floors, dtype=np.int64), np.asarray(fracs, dtype=np.float64), best


def _split_table(values: Sequence[Any], imax: int) -> tuple[np.ndarray, np.ndarray, str, Any, Any]:
    """Times as integer parts within ``[-imax, imax]`` and the rest: ``(ints, rest,
    kind, min, max)``; ``kind`` ``"int"`` (no rest), ``"frac"`` or ``"big"``."""
    ints, rest = [], []
    kind = "int"
    for v in values:
        if float(v).is_integer() if type(v) is float else True:
            n = int(v)
            if -imax <= n <= imax:
                ints.append(n)
                rest.append(0.0)
                continue
            i = imax if n > 0 else -imax
            ints.append(i)
            rest.append(_wide(n - i))
            kind = "big"
            continue
        f = math.floor(v)
        if -imax <= f <= imax:
            ints.append(f)
            rest.append(v - f)
            kind = "frac" if kind == "int" else kind
        else:
            i = imax if f > 0 else -imax
            ints.append(i)
            rest.append(v - i)
            kind = "big"
    lo = min(values) if values else 0
    hi = max(values) if values else 0
    return np.asarray(ints, dtype=np.int64), np.asarray(rest, dtype=np.float64), kind, lo, hi


def _geometric_table(p: Any, m: Any, top: Any) -> tuple[Any, ...] | None:
    """The starts of the cycles ``0, 1, ...`` (as ``PY`` computes them) up to two past
    the one holding ``top``; ``None`` when there would be more than :data:`MAX_CYCLES`."""
    out: list[Any] = []
    j = 0
    while True:
        b = geometric_start(PY, p, m, j)
        out.append(b)
        if len(out) > MAX_CYCLES:
            return None
        if b > top and len(out) >= 3 and out[-2] > top:
            return tuple(out)
        if b == _INF:
            return tuple(out)
        j += 1
