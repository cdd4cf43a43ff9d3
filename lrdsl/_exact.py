"""Exact values: a schedule's formulas, and old Python code, run on 50-digit decimals.

This is the referee of :func:`lrdsl.testing.compare`. Two things are evaluated
"exactly", meaning in :mod:`decimal` arithmetic accurate to :data:`PRECISION`
(50) significant digits: ``+``, ``-``, comparisons, ``//`` and ``%`` exact;
``*`` and ``/`` to 160 digits (so products of two doubles are exact), so that
every branch on a time, a step count or a boundary goes as in exact arithmetic
(``1.1 // 1.1`` is 1, ``(2.2 - 1.1) == 1.1``); ``exp``, ``ln``, ``sqrt`` and ``**``
correctly rounded to 75 digits by :mod:`decimal`; ``sin``, ``cos``, ``tanh``,
``expm1``, ``log1p`` by series to 75 digits; ``pi`` to 240 digits. A
cancellation in a formula loses the same digits as in float64, so the exact
value keeps 35 digits or more wherever the float64 value has any right.

- **a schedule**, by :func:`exact_value`: the tree is copied with every number
  in it (its leaves: ``start``, ``steps``, milestones, ...) as the exact value of
  its binary double (an integral one as a Python int, so the formula takes the
  same branches as in float64), then each node's own ``_eval`` runs against the namespace
  :data:`EXACT`, which implements the operations of :mod:`lrdsl._ops` on
  :class:`Exact` numbers. No formula is written twice. Floats that a formula
  itself contains (``pi / 2`` in the cosine's weights) are constants, not
  parameters: the double nearest ``pi``, ``pi / 2``, ``2 pi`` or ``e`` stands
  for that real number. Nodes that have no exact formula (``running_product``,
  whose value is defined by PyTorch's float64 recursion, and the noises) and
  ``lambda_`` of a function that cannot run on exact numbers raise
  :class:`NoExactValue`.
- **old code**, by :func:`exact_function`: a Python function ``get_lr(it)`` is
  called with ``it`` as an :class:`Exact` number, on a copy of its globals in
  which floats are exact, ``math`` is :data:`MATH` (the same functions on exact
  numbers; ``math.pi`` is pi) and ``float(x)`` keeps an exact ``x`` as it is.
  So ``min_lr + coeff * (learning_rate - min_lr)`` with ``coeff = 0.5 * (1 +
  math.cos(math.pi * ratio))`` is computed without its float64 cancellation.
  :class:`Exact` refuses every conversion that would round (``int(x)``,
  ``float(x)`` outside the function, indexing, hashing), so code that leaves
  exact arithmetic (a table lookup, a PyTorch scheduler, ``int(it)``, a helper
  in another module calling :func:`math.cos`) raises instead of returning a
  rounded value; so does code whose result does not come out as an exact
  number (``return 0.0``, ``return self.min_lr``): :class:`NoExactValue`.

Why :mod:`decimal` rather than ``np.longdouble``: ``np.longdouble`` is the
80-bit x87 format on x86-64 Linux (``finfo(np.longdouble).eps`` = 1.1e-19, three
more digits than float64) but plain float64 on Windows and macOS on ARM, and
:mod:`math` functions silently round it to float64, which is exactly where old
code cancels (``1 + math.cos(...)``). :mod:`decimal` is the same on every
platform, and a number that leaves it is an error, not a silent rounding.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import decimal
import functools
import math
import numbers
import types
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from ._node import Schedule
from ._ops import PY, geometric_start

__all__ = [
    "PRECISION",
    "Exact",
    "EXACT",
    "MATH",
    "NoExactValue",
    "exact_value",
    "exact_tree",
    "lift",
    "CONTEXT",
    "exact_function",
]

#: Significant decimal digits every exact value is accurate to (before the
#: cancellations of the formula itself, which lose what they lose in float64).
PRECISION = 50
_GUARD = 25
#: Digits of ``+ - *`` (and ``// %``): enough that sums, differences and products of
#: doubles of ordinary size (above about 1e-40) are exact, so that a time ``t - b``
#: equals a length exactly when it does, and a branch on it goes the right way.
_ARITH_DIGITS = 160

_ARITH = decimal.Context(
    prec=_ARITH_DIGITS,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=decimal.MIN_EMIN,
    Emax=decimal.MAX_EMAX,
    traps=[],  # 1/0 is Infinity, 0/0 NaN, as IEEE arithmetic has them
)
#: The context of exact arithmetic (for code that compares exact values).
CONTEXT = _ARITH
#: Sums and differences are exact whatever the digits: tried at 160 digits, and
#: redone wide enough for any two doubles (1e-324 to 1e308) when that rounded.
_SUM = _ARITH.copy()
_SUM.traps[decimal.Inexact] = True
_HUGE = _ARITH.copy()
_HUGE.prec = 4000
#: The functions (``exp``, ``ln``, ``sqrt``, ``**``, the series) carry 25 guard digits.
_WIDE = _ARITH.copy()
_WIDE.prec = PRECISION + _GUARD


class NoExactValue(Exception):
    """The exact value cannot be computed (the message says why).

    ``reason`` is the message without its subject (``"does not run on exact
    numbers: ..."`` for a function), for reports that name the function their way.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = message if reason is None else reason


# ----------------------------------------------------------------------------
# pi and the functions decimal lacks.


def _compute_pi(digits: int) -> Decimal:
    """pi to ``digits`` significant digits (the series of the decimal module's recipes)."""
    ctx = _ARITH.copy()
    ctx.prec = digits + 5
    three = Decimal(3)
    lasts, t, s, n, na, d, da = Decimal(0), three, three, 1, 0, 0, 24
    while s != lasts:
        lasts = s
        n, na = n + na, na + 8
        d, da = d + da, da + 32
        t = ctx.divide(ctx.multiply(t, n), d)
        s = ctx.add(s, t)
    ctx.prec = digits
    return ctx.plus(s)


_PI_DIGITS = 240
_PI = _compute_pi(_PI_DIGITS)
_REDUCE = _ARITH.copy()
_REDUCE.prec = _PI_DIGITS
_HALF_PI_WIDE = _REDUCE.divide(_PI, 2)
#: Arguments of sin and cos up to this magnitude are reduced exactly enough.
_MAX_TRIG_EXPONENT = _PI_DIGITS - _ARITH_DIGITS - 10


def _series_sin(x: Decimal) -> Decimal:
    """``sin(x)`` for ``|x| <= pi / 4``, in the wide context."""
    c = _WIDE
    x2 = c.multiply(x, x)
    term, s, i = x, x, 1
    while True:
        term = c.divide(c.multiply(term, x2), -(i + 1) * (i + 2))
        i += 2
        new = c.add(s, term)
        if new == s:
            return s
        s = new


def _series_cos(x: Decimal) -> Decimal:
    """``cos(x)`` for ``|x| <= pi / 4``, in the wide context."""
    c = _WIDE
    x2 = c.multiply(x, x)
    term, s, i = Decimal(1), Decimal(1), 0
    while True:
        term = c.divide(c.multiply(term, x2), -(i + 1) * (i + 2))
        i += 2
        new = c.add(s, term)
        if new == s:
            return s
        s = new


def _sin_cos(x: Decimal) -> tuple[Decimal, Decimal]:
    """``(sin(x), cos(x))``: ``x = k pi / 2 + r`` with ``|r| <= pi / 4``, then series."""
    if not x.is_finite():
        return Decimal("NaN"), Decimal("NaN")
    if x and x.adjusted() > _MAX_TRIG_EXPONENT:
        raise NoExactValue(f"sin/cos of {x:.3e} is beyond what the exact reduction handles")
    k = _REDUCE.divide(x, _HALF_PI_WIDE).to_integral_value(rounding=decimal.ROUND_HALF_EVEN)
    r = _WIDE.plus(_REDUCE.subtract(x, _REDUCE.multiply(k, _HALF_PI_WIDE)))
    s, c = _series_sin(r), _series_cos(r)
    q = int(k) % 4
    if q == 0:
        return s, c
    if q == 1:
        return c, s.copy_negate()
    if q == 2:
        return s.copy_negate(), c.copy_negate()
    return c.copy_negate(), s


def _expm1(x: Decimal) -> Decimal:
    if not x.is_finite():
        return Decimal(-1) if x.is_infinite() and x < 0 else x
    if x and x.adjusted() < -_GUARD + 5:  # |x| < 1e-20: three terms are exact to 60 digits
        c = _WIDE
        x2 = c.multiply(x, x)
        return c.add(c.add(x, c.divide(x2, 2)), c.divide(c.multiply(x2, x), 6))
    return _WIDE.subtract(x.exp(_WIDE), 1)


def _log1p(x: Decimal) -> Decimal:
    if x.is_nan():
        return x
    if x and x.adjusted() < -_GUARD + 5:
        c = _WIDE
        x2 = c.multiply(x, x)
        return c.add(c.subtract(x, c.divide(x2, 2)), c.divide(c.multiply(x2, x), 3))
    return _WIDE.add(x, 1).ln(_WIDE)


def _tanh(x: Decimal) -> Decimal:
    if x.is_nan():
        return x
    if x.is_infinite():
        return Decimal(1).copy_sign(x)
    m = _expm1(_WIDE.multiply(-2, x.copy_abs()))  # tanh|x| = -m / (2 + m), no cancellation
    return _WIDE.divide(m.copy_negate(), _WIDE.add(2, m)).copy_sign(x)


def _power(a: Decimal, b: Decimal) -> Decimal:
    """``a ** b`` as Python floats have it where decimal differs (``0 ** 0 = 1``)."""
    if b == 0 and not b.is_nan():
        return Decimal(1)
    if a == 1 and not a.is_nan():
        return Decimal(1)
    return _WIDE.power(a, b)


# ----------------------------------------------------------------------------
# The exact number.

#: Doubles a formula writes for a real constant, and the constant they stand for.
_CONSTANTS = {
    math.pi: _ARITH.plus(_PI),
    math.pi / 2: _ARITH.plus(_HALF_PI_WIDE),
    2 * math.pi: _ARITH.multiply(_PI, 2),
    math.e: Decimal(1).exp(_ARITH),
}


def _d(x: Any) -> Decimal | None:
    """``x`` as a Decimal (floats exactly, or as the constant they stand for); ``None``
    for what is not a real number."""
    if type(x) is Exact:
        return x.d
    if isinstance(x, float):
        c = _CONSTANTS.get(x)
        return c if c is not None else Decimal(x)
    if isinstance(x, numbers.Integral):  # int, bool, np.integer
        return Decimal(int(x))
    if isinstance(x, Decimal):
        return x
    return None


def lift(x: Any) -> Exact:
    """``x`` (an exact number, an int or a float) as an :class:`Exact`."""
    d = _d(x)
    if d is None:
        raise NoExactValue(f"{type(x).__name__} {x!r} is not a number the exact arithmetic knows")
    return x if type(x) is Exact else Exact(d)


def of_double(x: float | int) -> Exact:
    """The exact value of a parameter: its binary double (or int), no constant mapping."""
    return Exact(Decimal(x))


def _add(a: Decimal, b: Decimal) -> Decimal:
    """``a + b``, exactly."""
    try:
        return _SUM.add(a, b)
    except decimal.Inexact:
        return _HUGE.add(a, b)


def _subtract(a: Decimal, b: Decimal) -> Decimal:
    """``a - b``, exactly."""
    try:
        return _SUM.subtract(a, b)
    except decimal.Inexact:
        return _HUGE.subtract(a, b)


def _exact_multiply(a: Decimal, b: Decimal) -> Decimal:
    """``a * b``, exactly (for the remainder of a division)."""
    try:
        return _SUM.multiply(a, b)
    except decimal.Inexact:
        return _HUGE.multiply(a, b)


def _floor_divmod(a: Decimal, b: Decimal) -> tuple[Decimal, Decimal]:
    """``(a // b, a % b)`` with Python's floor semantics (decimal truncates)."""
    if not (a.is_finite() and b.is_finite()) or b == 0:
        return Decimal("NaN"), Decimal("NaN")
    q = _ARITH.divide_int(a, b)
    r = _subtract(a, _exact_multiply(q, b))
    if r and (r < 0) != (b < 0):
        q, r = _subtract(q, Decimal(1)), _add(r, b)
    return q, r


def _compare(a: Decimal, b: Decimal) -> int | None:
    """-1, 0 or 1; ``None`` when either is NaN."""
    c = _ARITH.compare(a, b)
    return None if c.is_nan() else int(c)


class Exact:
    """A real number held to :data:`PRECISION` digits, with Python's number protocol.

    Arithmetic with ints and floats is exact (a float is its binary value; the
    doubles nearest pi, pi / 2, 2 pi and e are those constants). Every conversion
    that would round is refused with ``TypeError``: ``float(x)``, ``int(x)``,
    ``x`` as an index, ``hash(x)`` (so a lookup table keyed by steps cannot
    answer for it); ``math.floor(x)``, ``round(x)`` stay exact numbers.
    """

    __slots__ = ("d",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, d: Decimal) -> None:
        self.d = d

    # -- arithmetic ---------------------------------------------------------------

    def _op(self, other: Any, fn: Callable[[Decimal, Decimal], Decimal], reflected: bool = False) -> Any:
        o = _d(other)
        if o is None:
            return NotImplemented
        return Exact(fn(o, self.d) if reflected else fn(self.d, o))

    def __add__(self, o: Any) -> Any:
        return self._op(o, _add)

    def __radd__(self, o: Any) -> Any:
        return self._op(o, _add, True)

    def __sub__(self, o: Any) -> Any:
        return self._op(o, _subtract)

    def __rsub__(self, o: Any) -> Any:
        return self._op(o, _subtract, True)

    def __mul__(self, o: Any) -> Any:
        return self._op(o, _ARITH.multiply)

    def __rmul__(self, o: Any) -> Any:
        return self._op(o, _ARITH.multiply, True)

    def __truediv__(self, o: Any) -> Any:
        return self._op(o, _ARITH.divide)

    def __rtruediv__(self, o: Any) -> Any:
        return self._op(o, _ARITH.divide, True)

    def __floordiv__(self, o: Any) -> Any:
        return self._op(o, lambda a, b: _floor_divmod(a, b)[0])

    def __rfloordiv__(self, o: Any) -> Any:
        return self._op(o, lambda a, b: _floor_divmod(a, b)[0], True)

    def __mod__(self, o: Any) -> Any:
        return self._op(o, lambda a, b: _floor_divmod(a, b)[1])

    def __rmod__(self, o: Any) -> Any:
        return self._op(o, lambda a, b: _floor_divmod(a, b)[1], True)

    def __divmod__(self, o: Any) -> Any:
        o_d = _d(o)
        if o_d is None:
            return NotImplemented
        q, r = _floor_divmod(self.d, o_d)
        return Exact(q), Exact(r)

    def __rdivmod__(self, o: Any) -> Any:
        o_d = _d(o)
        if o_d is None:
            return NotImplemented
        q, r = _floor_divmod(o_d, self.d)
        return Exact(q), Exact(r)

    def __pow__(self, o: Any, modulo: Any = None) -> Any:
        if modulo is not None:
            return NotImplemented
        return self._op(o, _power)

    def __rpow__(self, o: Any) -> Any:
        return self._op(o, _power, True)

    def __neg__(self) -> Exact:
        return Exact(self.d.copy_negate())

    def __pos__(self) -> Exact:
        return self

    def __abs__(self) -> Exact:
        return Exact(self.d.copy_abs())

    # -- comparisons (False with a NaN, as floats) ------------------------------------

    def _cmp(self, other: Any) -> Any:
        """-1, 0, 1; ``None`` with a NaN; ``NotImplemented`` for what is not a number."""
        o = _d(other)
        if o is None:
            return NotImplemented
        return _compare(self.d, o)

    def __eq__(self, o: object) -> Any:
        c = self._cmp(o)
        return c if c is NotImplemented else c == 0

    def __ne__(self, o: object) -> Any:
        c = self._cmp(o)
        return c if c is NotImplemented else c != 0

    def __lt__(self, o: Any) -> Any:
        c = self._cmp(o)
        if c is NotImplemented:
            return c
        return c is not None and c < 0

    def __le__(self, o: Any) -> Any:
        c = self._cmp(o)
        if c is NotImplemented:
            return c
        return c is not None and c <= 0

    def __gt__(self, o: Any) -> Any:
        c = self._cmp(o)
        if c is NotImplemented:
            return c
        return c is not None and c > 0

    def __ge__(self, o: Any) -> Any:
        c = self._cmp(o)
        if c is NotImplemented:
            return c
        return c is not None and c >= 0

    def __bool__(self) -> bool:
        return not self.d.is_zero()

    # -- exact roundings to integers ------------------------------------------------------

    def _integral(self, rounding: str) -> Exact:
        return Exact(self.d.to_integral_value(rounding=rounding, context=_ARITH))

    def __floor__(self) -> Exact:
        return self._integral(decimal.ROUND_FLOOR)

    def __ceil__(self) -> Exact:
        return self._integral(decimal.ROUND_CEILING)

    def __trunc__(self) -> Exact:
        return self._integral(decimal.ROUND_DOWN)

    def __round__(self, ndigits: int | None = None) -> Exact:
        if ndigits is None:
            return self._integral(decimal.ROUND_HALF_EVEN)
        return Exact(
            self.d.quantize(Decimal(1).scaleb(-ndigits), rounding=decimal.ROUND_HALF_EVEN, context=_ARITH)
        )

    # -- refused conversions ----------------------------------------------------------------

    def __float__(self) -> float:
        raise TypeError("float() of an exact number would round it")

    def __int__(self) -> int:
        raise TypeError("int() of an exact number would round it")

    def __index__(self) -> int:
        raise TypeError("an exact number is not an index")

    # -- the functions NumPy calls on objects (np.cos(x) is x.cos()) ----------------------------

    def cos(self) -> Exact:
        return Exact(_sin_cos(self.d)[1])

    def sin(self) -> Exact:
        return Exact(_sin_cos(self.d)[0])

    def tan(self) -> Exact:
        s, c = _sin_cos(self.d)
        return Exact(_WIDE.divide(s, c))

    def exp(self) -> Exact:
        return Exact(self.d.exp(_WIDE))

    def log(self) -> Exact:
        return Exact(self.d.ln(_WIDE))

    def log1p(self) -> Exact:
        return Exact(_log1p(self.d))

    def expm1(self) -> Exact:
        return Exact(_expm1(self.d))

    def sqrt(self) -> Exact:
        return Exact(self.d.sqrt(_WIDE))

    def tanh(self) -> Exact:
        return Exact(_tanh(self.d))

    # -- text ------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Exact('{self.d}')"

    def __str__(self) -> str:
        return str(self.d)

    def __format__(self, spec: str) -> str:
        return format(self.d, spec)


# ----------------------------------------------------------------------------
# The namespace node formulas are evaluated against (see lrdsl._ops).


def _both_int(a: Any, b: Any) -> bool:
    return type(a) is int and type(b) is int


class _ExactOps:
    """The operations of :mod:`lrdsl._ops` on exact numbers (as ``PY`` has them:
    branches run only the branch taken; Python ints stay ints where ``PY`` keeps
    them, so counts and indices are exact either way)."""

    name = "exact"

    @staticmethod
    def zero(t: Any) -> Any:
        return 0

    @staticmethod
    def where(c: Any, a: Any, b: Any) -> Any:
        return a if c else b

    @staticmethod
    def minimum(a: Any, b: Any) -> Any:
        return b if b < a else a

    @staticmethod
    def maximum(a: Any, b: Any) -> Any:
        return b if b > a else a

    @staticmethod
    def clip(x: Any, lo: Any, hi: Any) -> Any:
        return lo if x < lo else hi if x > hi else x

    # Comparisons as Python's operators make them (Exact defines them exactly).
    lt, le, gt, ge = (staticmethod(f) for f in (PY.lt, PY.le, PY.gt, PY.ge))

    @staticmethod
    def sub(a: Any, b: Any) -> Any:
        return a - b if _both_int(a, b) else lift(a) - b

    @staticmethod
    def add(a: Any, b: Any) -> Any:
        return a + b if _both_int(a, b) else lift(a) + b

    @staticmethod
    def div(a: Any, b: Any) -> Any:
        return lift(a) / b

    time_div = div

    @staticmethod
    def floordiv(a: Any, b: Any) -> Any:
        return a // b if _both_int(a, b) and b != 0 else lift(a) // b

    @staticmethod
    def mod(a: Any, b: Any) -> Any:
        return a % b if _both_int(a, b) and b != 0 else lift(a) % b

    @staticmethod
    def pow(a: Any, b: Any) -> Any:
        return lift(a) ** b

    @staticmethod
    def exp(x: Any) -> Exact:
        return lift(x).exp()

    @staticmethod
    def log(x: Any) -> Exact:
        return lift(x).log()

    @staticmethod
    def log1p(x: Any) -> Exact:
        return lift(x).log1p()

    @staticmethod
    def expm1(x: Any) -> Exact:
        return lift(x).expm1()

    @staticmethod
    def sin(x: Any) -> Exact:
        return lift(x).sin()

    @staticmethod
    def cos(x: Any) -> Exact:
        return lift(x).cos()

    @staticmethod
    def tanh(x: Any) -> Exact:
        return lift(x).tanh()

    @staticmethod
    def sqrt(x: Any) -> Exact:
        return lift(x).sqrt()

    @classmethod
    def pow_steps(cls, gamma: Any, t: Any, every: Any, floor: bool, scale: Any = 1) -> Any:
        """``scale * gamma ** (t / every)`` (``floor(t / every)`` if ``floor``)."""
        return lift(scale) * cls.pow(gamma, cls.floordiv(t, every) if floor else cls.div(t, every))

    @classmethod
    def geometric(cls, p: Any, m: Any, j: Any, like: Any = None) -> Any:
        """Where cycle ``j`` begins (see :func:`lrdsl._ops.geometric_start`)."""
        return geometric_start(cls, p, m, j)

    @staticmethod
    def searchsorted(bounds: Sequence[Any], t: Any) -> int:
        return bisect.bisect_right(bounds, t)

    @staticmethod
    def take(values: Sequence[Any], i: Any, like: Any = None) -> Any:
        return values[i]

    @staticmethod
    def switch(i: Any, n: int, branch: Callable[[int, Any], Any], t: Any) -> Any:
        return branch(i, t)

    @staticmethod
    def call(fn: Callable[[Any], Any], t: Any) -> Any:
        """A ``lambda_``'s function, run on exact numbers (see :func:`exact_function`)."""
        run = fn if isinstance(fn, _Prepared) else _Prepared(fn)
        return Exact(run(t))


EXACT = _ExactOps()


class _Prepared:
    """A ``lambda_``'s function made ready to run exactly (its globals copied once)."""

    __slots__ = ("run",)

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.run = exact_function(fn)

    def __call__(self, t: Any) -> Decimal:
        return self.run(t)


# ----------------------------------------------------------------------------
# A schedule, exactly.


def _denied(node: Schedule) -> str | None:
    """Why ``node`` has no exact formula (``None`` if it has one)."""
    from .noises import _Noisy
    from .products import RunningProduct

    if isinstance(node, RunningProduct):
        return "running_product is PyTorch's float64 recursion, not a formula"
    if isinstance(node, _Noisy):
        return f"{node._text_name} adds pseudo-random noise computed in float arithmetic (no exact formula)"
    return None


def _exact_leaf(v: Any, where: str) -> Any:
    if isinstance(v, Schedule):
        return exact_tree(v)
    if isinstance(v, tuple):
        return tuple(_exact_leaf(x, where) for x in v)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise NoExactValue(f"{where} is {type(v).__name__} {v!r}, not a number")
    return _parameter(v)


def _parameter(v: int | float) -> int | Exact:
    """A number of the tree, exactly: an integral one as a Python int (so the formula
    takes the branch it takes in float64, ``power == 1`` say, and int arithmetic is
    exact), any other as the exact value of its double."""
    if isinstance(v, int) or (v.is_integer() and abs(v) <= 2**53):
        return int(v)
    return of_double(v)


def exact_tree(node: Schedule) -> Schedule:
    """A copy of ``node`` whose numbers are :class:`Exact` (not validated: it is only
    evaluated, against :data:`EXACT`)."""
    why = _denied(node)
    if why is not None:
        raise NoExactValue(why)
    cls = type(node)
    out: Any = object.__new__(cls)
    for f in dataclasses.fields(node):  # type: ignore[arg-type]
        v = getattr(node, f.name)
        if not f.metadata.get("static"):
            v = _exact_leaf(v, f"{node._text_name}'s {f.name}")
        object.__setattr__(out, f.name, v)
    from .combinators import Chain
    from .primitives import Lambda

    if isinstance(node, Lambda):
        object.__setattr__(out, "fn", _Prepared(node.fn))
    if isinstance(node, Chain) and node.boundaries is None:
        # The boundaries lrdsl uses (running sums of the durations), exactly.
        out.__dict__["bounds"] = tuple(_parameter(b) for b in node.bounds)
    return out


def exact_value(s: Schedule, t: int | float, tree: Schedule | None = None) -> Decimal:
    """``s(t)`` to :data:`PRECISION` digits (``tree``: ``exact_tree(s)``, if already made).

    Raises :class:`NoExactValue` when a node has no exact formula.
    """
    if tree is None:
        tree = exact_tree(s)
    time: int | Exact = (
        int(t) if isinstance(t, numbers.Integral) else t if type(t) is Exact else of_double(float(t))
    )
    if time < 0:  # as lrdsl evaluates negative times
        time = 0
    try:
        v = tree._eval(time, EXACT)
    except NoExactValue:
        raise
    except Exception as e:  # a node whose formula needs what EXACT lacks
        raise NoExactValue(f"{s!r} does not evaluate on exact numbers: {type(e).__name__}: {e}") from e
    d = _d(v)
    if d is None:
        raise NoExactValue(f"{s!r} evaluated to {type(v).__name__} {v!r} on exact numbers")
    return d


# ----------------------------------------------------------------------------
# Old code, exactly.


class _ExactMath(types.ModuleType):
    """:mod:`math` on exact numbers: ``pi``, ``e``, ``tau`` are exact; ``cos``,
    ``sin``, ``tan``, ``exp``, ``expm1``, ``log``, ``log1p``, ``log2``, ``log10``,
    ``sqrt``, ``tanh``, ``pow``, ``fabs`` return exact numbers; ``floor``, ``ceil``,
    ``trunc`` keep an exact number exact; anything else is :mod:`math`'s own (which
    refuses an exact number rather than round it)."""

    def __init__(self) -> None:
        super().__init__("math", "math on exact numbers (lrdsl._exact)")
        self.pi = Exact(_CONSTANTS[math.pi])
        self.e = Exact(_CONSTANTS[math.e])
        self.tau = Exact(_CONSTANTS[2 * math.pi])
        self.inf, self.nan = math.inf, math.nan

    def __getattr__(self, name: str) -> Any:
        return getattr(math, name)

    @staticmethod
    def cos(x: Any) -> Exact:
        return lift(x).cos()

    @staticmethod
    def sin(x: Any) -> Exact:
        return lift(x).sin()

    @staticmethod
    def tan(x: Any) -> Exact:
        return lift(x).tan()

    @staticmethod
    def exp(x: Any) -> Exact:
        return lift(x).exp()

    @staticmethod
    def expm1(x: Any) -> Exact:
        return lift(x).expm1()

    @staticmethod
    def log(x: Any, base: Any = None) -> Exact:
        v = lift(x).log()
        return v if base is None else v / lift(base).log()

    @staticmethod
    def log1p(x: Any) -> Exact:
        return lift(x).log1p()

    @staticmethod
    def log2(x: Any) -> Exact:
        return lift(x).log() / lift(2).log()

    @staticmethod
    def log10(x: Any) -> Exact:
        return Exact(lift(x).d.log10(_WIDE))

    @staticmethod
    def sqrt(x: Any) -> Exact:
        return lift(x).sqrt()

    @staticmethod
    def tanh(x: Any) -> Exact:
        return lift(x).tanh()

    @staticmethod
    def pow(x: Any, y: Any) -> Exact:
        return lift(x) ** y

    @staticmethod
    def fabs(x: Any) -> Exact:
        return abs(lift(x))

    @staticmethod
    def floor(x: Any) -> Any:
        return math.floor(x)

    @staticmethod
    def ceil(x: Any) -> Any:
        return math.ceil(x)

    @staticmethod
    def trunc(x: Any) -> Any:
        return math.trunc(x)


#: The ``math`` module old code sees when it is run exactly.
MATH = _ExactMath()

_MATH_NAMES = (
    "pi",
    "e",
    "tau",
    "cos",
    "sin",
    "tan",
    "exp",
    "expm1",
    "log",
    "log1p",
    "log2",
    "log10",
    "sqrt",
    "tanh",
    "pow",
    "fabs",
    "floor",
    "ceil",
    "trunc",
)
#: ``from math import cos, pi``: the objects bound, by identity, and their exact versions.
_FROM_MATH = {id(getattr(math, n)): getattr(MATH, n) for n in _MATH_NAMES}


def _exact_float(x: Any = 0.0) -> Any:
    """``float(x)`` inside old code run exactly: an exact number stays exact."""
    return x if type(x) is Exact else float(x)


def _exact_global(v: Any) -> Any:
    if v is math:
        return MATH
    if isinstance(v, float):  # float and np.float64
        return _FROM_MATH[id(v)] if id(v) in _FROM_MATH else of_double(float(v))
    if callable(v) and id(v) in _FROM_MATH:
        return _FROM_MATH[id(v)]
    return v


class _Rebinder:
    """Copies of functions that see exact numbers: each module's globals copied once
    (floats exact, ``math`` exact, ``float`` keeping exact numbers), and the plain
    functions of that module, and those held in a closure, a default or a partial,
    rebound to such copies, so that a helper the old code calls (``get_lr`` calling
    ``cosine_coeff``, a lambda calling ``get_lr``) runs exactly too."""

    def __init__(self) -> None:
        self.modules: dict[int, dict[str, Any]] = {}
        self.done: dict[int, types.FunctionType] = {}

    def value(self, v: Any) -> Any:
        return self.function(v) if isinstance(v, types.FunctionType) else _exact_global(v)

    def function(self, fn: types.FunctionType) -> types.FunctionType:
        """``fn`` on the exact globals, with exact defaults and closure (functions of
        other modules, rebound too, see their own module's exact globals)."""
        out = self.done.get(id(fn))
        if out is not None:
            return out
        src = fn.__globals__
        g = self.modules.get(id(src))
        fill = g is None
        if g is None:
            g = self.modules[id(src)] = {}
        cells = None if fn.__closure__ is None else tuple(types.CellType() for _ in fn.__closure__)
        out = types.FunctionType(fn.__code__, g, fn.__name__, None, cells)
        self.done[id(fn)] = out  # before its globals and cells, which may hold fn itself
        if fill:
            g["__builtins__"] = src.get("__builtins__", __builtins__)
            for k, v in src.items():
                same_module = isinstance(v, types.FunctionType) and v.__globals__ is src
                g[k] = self.function(v) if same_module else _exact_global(v)
            g["float"] = _exact_float
        if fn.__closure__ is not None and cells is not None:
            for new, cell in zip(cells, fn.__closure__):
                with contextlib.suppress(ValueError):  # an empty cell stays empty
                    new.cell_contents = self.value(cell.cell_contents)
        if fn.__defaults__ is not None:
            out.__defaults__ = tuple(self.value(v) for v in fn.__defaults__)
        if fn.__kwdefaults__:
            out.__kwdefaults__ = {k: self.value(v) for k, v in fn.__kwdefaults__.items()}
        return out


def _exact_code(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` running on copies of its globals, closure and defaults with exact numbers."""
    rebind = _Rebinder()
    if isinstance(fn, types.MethodType):
        if isinstance(fn.__func__, types.FunctionType):
            return types.MethodType(rebind.function(fn.__func__), fn.__self__)
        return fn
    if isinstance(fn, functools.partial):
        args = tuple(rebind.value(v) for v in fn.args)
        inner = rebind.function(fn.func) if isinstance(fn.func, types.FunctionType) else fn.func
        return functools.partial(inner, *args, **{k: rebind.value(v) for k, v in fn.keywords.items()})
    if isinstance(fn, types.FunctionType):
        return rebind.function(fn)
    return fn


def _describe(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def exact_function(fn: Callable[[Any], Any]) -> Callable[[int | float], Decimal]:
    """``t -> fn(t)`` to :data:`PRECISION` digits: ``fn`` run on an exact ``t``.

    The function returned raises :class:`NoExactValue` (saying why) when ``fn``
    leaves exact arithmetic or its result is not an exact number.
    """
    code = _exact_code(fn)

    def run(t: int | float) -> Decimal:
        x = t if type(t) is Exact else of_double(t)
        try:
            v = code(x)
        except Exception as e:
            why = f"does not run on exact numbers: {type(e).__name__}: {e}"
            raise NoExactValue(f"{_describe(fn)} {why}", why) from e
        if isinstance(v, np.ndarray) and v.shape == () and v.dtype == object:
            v = v.item()
        if type(v) is not Exact:
            why = (
                f"returned {type(v).__name__} {v!r}, not an exact number"
                " (a constant, or a value computed outside exact arithmetic)"
            )
            raise NoExactValue(f"{_describe(fn)} {why}", why)
        return v.d

    return run
