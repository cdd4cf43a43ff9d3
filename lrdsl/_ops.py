"""The array namespaces that node formulas are written against.

Every node states its formula once, as ``_eval(self, t, xp)``, using Python's
arithmetic operators on values plus the operations below on times and values.
Three namespaces implement them:

- ``PY``: plain Python numbers and :mod:`math` (the scalar path; never NumPy,
  whose scalars are slow). Branches run only the branch taken. Integer counts
  are Python ints, exact at any size: an operation whose float conversion
  would overflow (``10**400 / 3``) is done in exact rationals and rounded, so
  it gives the IEEE result (``inf``, ``0.0``), never an ``OverflowError``.
- ``NP``: NumPy arrays of any shape, float64; integer counts int64, exact to
  ``2**63 - 1`` (a constant beyond int64 is compared and subtracted as what it
  is, never wrapped or refused).
- ``JAX`` (:mod:`lrdsl._jaxops`): ``jax.numpy``, safe under ``jit``, ``vmap``,
  ``grad`` and ``scan``; integer counts stay exact integers (see there).

Time ``t`` arrives clamped to ``t >= 0``. Operations on times: ``sub``, ``add``,
``minimum``, ``maximum``, ``clip``, ``where``, the comparisons ``lt``, ``le``,
``gt``, ``ge``, ``floordiv``, ``mod``, ``searchsorted``, ``take(..., like=t)``
(a table of times), ``time_div`` (``t / n`` as a time) and ``geometric`` (where
cycle ``j`` of geometric lengths begins). Formulas compare times with these,
never with Python's ``<``, so that the JAX namespace can compare exactly; only
ratios (``div``) become floats.
"""

from __future__ import annotations

import bisect
import math
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ._tables import ceil_table, float_table, int64_table, table, wide

if TYPE_CHECKING:
    from ._jaxops import Jax

__all__ = ["PY", "NP", "jax_ops", "is_plain", "is_jax_array", "geometric_start"]

Fn = Callable[[Any], Any]
Branch = Callable[[int, Any], Any]
_INF = math.inf


def is_plain(x: object) -> bool:
    """A concrete Python number (not a bool): a parameter we can inspect and validate."""
    return (type(x) is float or type(x) is int) and x is not True and x is not False


def is_jax_array(x: object) -> bool:
    """``x`` is a JAX array or tracer (without importing JAX when it is not loaded)."""
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(x, jax.Array)


def geometric_start(xp: Any, p: Any, m: Any, j: Any) -> Any:
    """Where cycle ``j`` begins when cycle ``k`` lasts ``p * m**k``:
    ``p * (m**j - 1) / (m - 1)`` (``p * j`` when ``m == 1``)."""
    if is_plain(m) and m == 1:
        return p * j
    g = xp.where(m == 1, 1.0, m - 1)
    begin = p * xp.div(xp.pow(m, j) - 1, g)
    return begin if is_plain(m) else xp.where(m == 1, p * j, begin)


# ----------------------------------------------------------------------------
# Plain Python: math on floats, exact on ints, IEEE results instead of exceptions.


#: Ints of at most this size are floats exactly (2**53).
EXACT = 2**53


def _round(x: Any) -> Any:
    """An exact rational result as a float (``+-inf`` beyond the floats); an int as it is."""
    if isinstance(x, int):
        return x
    try:
        return float(x)
    except OverflowError:
        return _INF if x > 0 else -_INF


def _exact(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """``op(a, b)`` when a huge int's conversion to float overflowed: in exact
    rationals when both are finite, else as floats (the int as ``+-inf``)."""
    if all(isinstance(x, int) or math.isfinite(x) for x in (a, b)):
        return _round(op(Fraction(a), Fraction(b)))
    return op(wide(a), wide(b))


class _Python:
    name = "python"

    @staticmethod
    def zero(t: Any) -> Any:
        return 0

    @staticmethod
    def where(c: Any, a: Any, b: Any) -> Any:
        return a if c else b

    minimum = staticmethod(min)
    maximum = staticmethod(max)

    @staticmethod
    def clip(x: Any, lo: Any, hi: Any) -> Any:
        return lo if x < lo else hi if x > hi else x

    @staticmethod
    def lt(a: Any, b: Any) -> Any:
        return a < b

    @staticmethod
    def le(a: Any, b: Any) -> Any:
        return a <= b

    @staticmethod
    def gt(a: Any, b: Any) -> Any:
        return a > b

    @staticmethod
    def ge(a: Any, b: Any) -> Any:
        return a >= b

    @staticmethod
    def sub(a: Any, b: Any) -> Any:
        try:
            return a - b
        except OverflowError:
            return _exact(lambda x, y: x - y, a, b)

    @staticmethod
    def add(a: Any, b: Any) -> Any:
        try:
            return a + b
        except OverflowError:
            return _exact(lambda x, y: x + y, a, b)

    @staticmethod
    def div(a: Any, b: Any) -> Any:
        try:
            return a / b
        except ZeroDivisionError:
            return math.nan if a == 0 or a != a else math.copysign(_INF, a) * math.copysign(1.0, b)
        except OverflowError:
            return _exact(lambda x, y: x / y, a, b)

    time_div = div

    @staticmethod
    def floordiv(a: Any, b: Any) -> Any:
        if type(a) is int and type(b) is float and not -EXACT < a < EXACT:
            return _exact(lambda x, y: x // y, a, b)  # int // float rounds the int first
        try:
            return a // b
        except OverflowError:
            return _exact(lambda x, y: x // y, a, b)

    @staticmethod
    def mod(a: Any, b: Any) -> Any:
        if type(a) is int and type(b) is float and not -EXACT < a < EXACT:
            return _exact(lambda x, y: x % y, a, b)  # int % float rounds the int first
        try:
            return a % b
        except OverflowError:
            return _exact(lambda x, y: x % y, a, b)

    @staticmethod
    def pow(a: Any, b: Any) -> Any:
        try:
            r = float(a) ** b
        except ZeroDivisionError:  # 0.0 ** negative
            return _INF
        except OverflowError:  # a result beyond the floats, or an int too large for one
            fa, fb = wide(a), wide(b)
            try:
                r = fa**fb
            except OverflowError:
                odd = fb.is_integer() and fb % 2 == 1
                return -_INF if fa < 0 and odd else _INF
            except ZeroDivisionError:
                return _INF
        return math.nan if isinstance(r, complex) else r

    @staticmethod
    def exp(x: Any) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            return _INF

    @staticmethod
    def log(x: Any) -> float:
        return math.log(x) if x > 0 else (-_INF if x == 0 else math.nan)

    @staticmethod
    def log1p(x: Any) -> float:
        return math.log1p(x) if x > -1 else (-_INF if x == -1 else math.nan)

    expm1 = staticmethod(math.expm1)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    tanh = staticmethod(math.tanh)

    @staticmethod
    def sqrt(x: Any) -> float:
        return math.sqrt(x) if x >= 0 else math.nan

    @classmethod
    def pow_steps(cls, gamma: Any, t: Any, every: Any, floor: bool, scale: Any = 1) -> Any:
        """``scale * gamma ** (t / every)`` (``floor(t / every)`` if ``floor``)."""
        return scale * cls.pow(gamma, cls.floordiv(t, every) if floor else cls.div(t, every))

    @classmethod
    def geometric(cls, p: Any, m: Any, j: Any, like: Any = None) -> Any:
        """Where cycle ``j`` begins (see :func:`geometric_start`)."""
        return geometric_start(cls, p, m, j)

    @staticmethod
    def searchsorted(bounds: Sequence[Any], t: Any) -> int:
        """The number of ``bounds`` that are ``<= t`` (``bounds`` non-decreasing)."""
        return bisect.bisect_right(bounds, t)

    @staticmethod
    def take(values: Sequence[Any], i: Any, like: Any = None) -> Any:
        return values[i]

    @staticmethod
    def switch(i: Any, n: int, branch: Branch, t: Any) -> Any:
        """``branch(i, t)``, for ``i`` in ``range(n)``: only the branch taken runs."""
        return branch(i, t)

    @staticmethod
    def call(fn: Fn, t: Any) -> Any:
        return fn(t)


PY = _Python()


# ----------------------------------------------------------------------------
# NumPy: float64 arrays of any shape; integer time stays int64.

_I64 = np.iinfo(np.int64)


def _c(x: Any) -> Any:
    """A plain int beyond int64 as a float (NumPy refuses it in integer arithmetic)."""
    if type(x) is int and not _I64.min <= x <= _I64.max:
        return wide(x)
    return x


def _is_int(x: Any) -> bool:
    return isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "iu"


def _beyond(a: Any, b: Any) -> bool:
    """``a`` is an integer array and ``b`` a plain int above int64."""
    return type(b) is int and b > _I64.max and _is_int(a)


class _NumPy:
    name = "numpy"

    @staticmethod
    def zero(t: Any) -> Any:
        return np.zeros((), dtype=np.asarray(t).dtype)

    @staticmethod
    def where(c: Any, a: Any, b: Any) -> Any:
        return np.where(c, _c(a), _c(b))

    @staticmethod
    def minimum(a: Any, b: Any) -> Any:
        if _beyond(a, b):
            return a
        if _beyond(b, a):
            return b
        return np.minimum(_c(a), _c(b))

    @staticmethod
    def maximum(a: Any, b: Any) -> Any:
        if _beyond(a, b):
            return b
        if _beyond(b, a):
            return a
        return np.maximum(_c(a), _c(b))

    @classmethod
    def clip(cls, x: Any, lo: Any, hi: Any) -> Any:
        return cls.minimum(cls.maximum(x, lo), hi)

    lt = staticmethod(np.less)
    le = staticmethod(np.less_equal)
    gt = staticmethod(np.greater)
    ge = staticmethod(np.greater_equal)

    @staticmethod
    def sub(a: Any, b: Any) -> Any:
        return np.subtract(_c(a), _c(b))

    @staticmethod
    def add(a: Any, b: Any) -> Any:
        return np.add(_c(a), _c(b))

    @staticmethod
    def div(a: Any, b: Any) -> Any:
        if is_plain(b) and b != 0:  # a finite time over a plain non-zero number: no warning
            return np.true_divide(a, _c(b))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(_c(a), _c(b))

    time_div = div

    @staticmethod
    def floordiv(a: Any, b: Any) -> Any:
        if _beyond(a, b):
            return np.where(a < 0, -1, 0)
        return _exact_ints(np.floor_divide(a, _c(b)), a, b, PY.floordiv)

    @staticmethod
    def mod(a: Any, b: Any) -> Any:
        if _beyond(a, b):
            return np.where(a < 0, a + wide(b), a)
        return _exact_ints(np.mod(a, _c(b)), a, b, PY.mod)

    @staticmethod
    def pow(a: Any, b: Any) -> Any:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return np.power(np.asarray(a, dtype=np.float64), _c(b))

    @staticmethod
    def exp(x: Any) -> Any:
        with np.errstate(over="ignore"):
            return np.exp(x)

    @staticmethod
    def log(x: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def log1p(x: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    expm1 = staticmethod(np.expm1)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tanh = staticmethod(np.tanh)

    @staticmethod
    def sqrt(x: Any) -> Any:
        with np.errstate(invalid="ignore"):
            return np.sqrt(x)

    @classmethod
    def pow_steps(cls, gamma: Any, t: Any, every: Any, floor: bool, scale: Any = 1) -> Any:
        """``scale * gamma ** (t / every)`` (``floor(t / every)`` if ``floor``)."""
        return scale * cls.pow(gamma, cls.floordiv(t, every) if floor else cls.div(t, every))

    @classmethod
    def geometric(cls, p: Any, m: Any, j: Any, like: Any = None) -> Any:
        """Where cycle ``j`` begins (see :func:`geometric_start`): for plain ``p`` and
        ``m``, each start as ``PY`` computes it (NumPy's ``power`` can differ from
        Python's by an ulp, which moves a start near ``2**31`` by 5e-7 steps)."""
        if not (is_plain(p) and is_plain(m)):
            return geometric_start(cls, p, m, j)
        j = np.asarray(j)
        starts, where = np.unique(j, return_inverse=True)
        values = np.asarray([geometric_start(PY, p, m, x) for x in starts.tolist()], dtype=np.float64)
        return values[where].reshape(j.shape)

    @staticmethod
    def searchsorted(bounds: Sequence[Any], t: Any) -> Any:
        """The number of ``bounds`` that are ``<= t``; exact for int64 counts (a bound
        ``b`` is ``<= t`` when ``ceil(b) <= t``, and never beyond int64)."""
        if _is_int(t) and set(map(type, bounds)) <= {int, float}:
            arr = table(bounds, "np-ceil", lambda: ceil_table(bounds, int(_I64.max)))
        else:
            arr = table(bounds, "float", lambda: float_table(bounds))
        return np.searchsorted(arr, t, side="right")

    @staticmethod
    def take(values: Sequence[Any], i: Any, like: Any = None) -> Any:
        if like is not None and _is_int(like) and set(map(type, values)) <= {int}:
            ints = table(values, "int64", lambda: int64_table(values))
            if ints is not None:
                return ints[i]
        return table(values, "float", lambda: float_table(values))[i]

    @staticmethod
    def switch(i: Any, n: int, branch: Branch, t: Any) -> Any:
        """``branch(i, t)`` elementwise; each branch runs only on its own elements."""
        t = np.asarray(t)
        i = np.asarray(i)
        if i.ndim == 0:
            return branch(int(i), t)
        if i.size == 0:
            return np.empty(t.shape, dtype=np.float64)
        lo, hi = int(i.min()), int(i.max())
        if lo == hi:
            return branch(lo, t)
        out = np.empty(t.shape, dtype=np.float64)
        for k in range(lo, hi + 1):
            mask = i == k
            if mask.any():
                out[mask] = branch(k, t[mask])
        return out

    @staticmethod
    def call(fn: Fn, t: Any) -> Any:
        return fn(t)


def _exact_ints(out: Any, a: Any, b: Any, op: Callable[[Any, Any], Any]) -> Any:
    """``out = op(a, b)`` from NumPy, redone exactly (on Python ints) where an int64 ``a``
    beyond ``2**53`` met a non-integral float ``b`` (which rounds ``a`` first)."""
    if not (type(b) is float and _is_int(a) and not b.is_integer()):
        return out
    big = (a > EXACT) | (a < -EXACT)
    if not np.any(big):
        return out
    out = np.array(out, dtype=np.float64)
    out[big] = [op(x, b) for x in np.asarray(a)[big].tolist()]
    return out


NP = _NumPy()


# ----------------------------------------------------------------------------
# JAX: in its own module, imported (with JAX) on first use.

_JAX: Jax | None = None


def jax_ops() -> Jax:
    """The JAX namespace, built (and JAX imported) on first use."""
    global _JAX
    if _JAX is None:
        from ._jaxops import Jax

        _JAX = Jax()
    return _JAX
