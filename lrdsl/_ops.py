"""The array namespaces that node formulas are written against.

Every node states its formula once, as ``_eval(self, t, xp)``, using Python's
arithmetic operators plus the operations below. Three namespaces implement
them:

- ``PY``: plain Python numbers and :mod:`math` (the scalar path; never NumPy,
  whose scalars are slow). Branches run only the branch taken.
- ``NP``: NumPy arrays of any shape, float64.
- ``JAX``: ``jax.numpy``, safe under ``jit``, ``vmap``, ``grad`` and ``scan``.

Time ``t`` arrives clamped to ``t >= 0``. Integer counts stay integers as long
as the arithmetic is exact (``sub``, ``minimum``, ``floordiv``, ``mod``,
``searchsorted``), so that on the float32 JAX path ``t - boundary`` and
``steps - t`` are exact for every int32 count; only ratios become floats.
"""

from __future__ import annotations

import bisect
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["PY", "NP", "jax_ops", "is_plain", "is_jax_array"]

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


# ----------------------------------------------------------------------------
# Plain Python: math on floats, exact on ints, IEEE results instead of exceptions.


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
    def sub(a: Any, b: Any) -> Any:
        return a - b

    @staticmethod
    def div(a: Any, b: Any) -> Any:
        try:
            return a / b
        except ZeroDivisionError:
            return math.nan if a == 0 or a != a else math.copysign(_INF, a) * math.copysign(1.0, b)

    @staticmethod
    def floordiv(a: Any, b: Any) -> Any:
        return a // b

    @staticmethod
    def mod(a: Any, b: Any) -> Any:
        return a % b

    @staticmethod
    def pow(a: Any, b: Any) -> Any:
        try:
            r = float(a) ** b
        except OverflowError:
            return _INF
        except ZeroDivisionError:  # 0.0 ** negative
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
    def pow_steps(cls, gamma: Any, t: Any, every: Any, floor: bool) -> Any:
        """``gamma ** (t / every)`` (``floor(t / every)`` if ``floor``)."""
        return cls.pow(gamma, cls.floordiv(t, every) if floor else cls.div(t, every))

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


class _NumPy:
    name = "numpy"

    @staticmethod
    def zero(t: Any) -> Any:
        return np.zeros((), dtype=np.asarray(t).dtype)

    where = staticmethod(np.where)
    minimum = staticmethod(np.minimum)
    maximum = staticmethod(np.maximum)
    clip = staticmethod(np.clip)
    sub = staticmethod(np.subtract)

    @staticmethod
    def div(a: Any, b: Any) -> Any:
        if is_plain(b) and b != 0:  # a finite time over a plain non-zero number: no warning
            return np.true_divide(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(a, b)

    floordiv = staticmethod(np.floor_divide)
    mod = staticmethod(np.mod)

    @staticmethod
    def pow(a: Any, b: Any) -> Any:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return np.power(np.asarray(a, dtype=np.float64), b)

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
    def pow_steps(cls, gamma: Any, t: Any, every: Any, floor: bool) -> Any:
        """``gamma ** (t / every)`` (``floor(t / every)`` if ``floor``)."""
        return cls.pow(gamma, cls.floordiv(t, every) if floor else cls.div(t, every))

    @staticmethod
    def searchsorted(bounds: Sequence[Any], t: Any) -> Any:
        return np.searchsorted(np.asarray(bounds), t, side="right")

    @staticmethod
    def take(values: Sequence[Any], i: Any, like: Any = None) -> Any:
        return np.asarray(values)[i]

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


NP = _NumPy()


# ----------------------------------------------------------------------------
# JAX: traced, branch-free. Exactness of integer counts under float32 comes
# from keeping ``t - b``, ``min(t, b)``, ``t // p`` and ``t % p`` in the count's
# integer dtype whenever the other side is a concrete integral number.


class _Jax:
    name = "jax"

    def __init__(self) -> None:
        import jax
        import jax.numpy as jnp

        self.jax = jax
        self.jnp = jnp
        self.where = jnp.where
        self.expm1 = jnp.expm1
        self.log = jnp.log
        self.log1p = jnp.log1p
        self.exp = jnp.exp
        self.sin = jnp.sin
        self.cos = jnp.cos
        self.tanh = jnp.tanh
        self.sqrt = jnp.sqrt

    def _int(self, x: Any, like: Any) -> Any:
        """``x`` as an int of ``like``'s integer dtype if it is a plain integral number
        that fits; a plain number that does not fit as a float; otherwise unchanged."""
        if is_plain(x):
            info = self.jnp.iinfo(like.dtype)
            if float(x).is_integer() and info.min <= x <= info.max:
                return int(x)
            return float(x)
        return x

    def _beyond(self, t: Any, b: Any) -> bool:
        """``b`` is a plain number above every value of the integer count ``t``'s dtype
        (so, for ``t >= 0``, ``t mod b == t`` and ``t // b == 0``)."""
        jnp = self.jnp
        return (
            is_plain(b)
            and hasattr(t, "dtype")
            and jnp.issubdtype(t.dtype, jnp.integer)
            and b > jnp.iinfo(t.dtype).max
        )

    def _exact(self, a: Any, b: Any) -> tuple[Any, Any]:
        jnp = self.jnp
        if hasattr(a, "dtype") and jnp.issubdtype(a.dtype, jnp.integer):
            b = self._int(b, a)
        elif hasattr(b, "dtype") and jnp.issubdtype(b.dtype, jnp.integer):
            a = self._int(a, b)
        else:
            a, b = _fit(a), _fit(b)
        return a, b

    def zero(self, t: Any) -> Any:
        return self.jnp.zeros((), dtype=self.jnp.asarray(t).dtype)

    def div(self, a: Any, b: Any) -> Any:
        """``a / b`` in the default float (float64 under x64, even for int32 counts,
        which ``jnp.true_divide`` would divide in float32)."""
        jnp = self.jnp
        if hasattr(a, "dtype") and jnp.issubdtype(a.dtype, jnp.integer):
            a = a.astype(float)
        if hasattr(b, "dtype") and jnp.issubdtype(b.dtype, jnp.integer):
            b = b.astype(float)
        return jnp.true_divide(_fit(a), _fit(b))

    def minimum(self, a: Any, b: Any) -> Any:
        return self.jnp.minimum(*self._exact(a, b))

    def maximum(self, a: Any, b: Any) -> Any:
        return self.jnp.maximum(*self._exact(a, b))

    def clip(self, x: Any, lo: Any, hi: Any) -> Any:
        return self.minimum(self.maximum(x, lo), hi)

    def sub(self, a: Any, b: Any) -> Any:
        a, b = self._exact(a, b)
        return self.jnp.subtract(a, b)

    def floordiv(self, a: Any, b: Any) -> Any:
        if self._beyond(a, b):  # time is >= 0 here
            return self.jnp.zeros_like(a)
        a, b = self._exact(a, b)
        return self.jnp.floor_divide(a, b)

    def mod(self, a: Any, b: Any) -> Any:
        if self._beyond(a, b):
            return a
        a, b = self._exact(a, b)
        return self.jnp.mod(a, b)

    def pow(self, a: Any, b: Any) -> Any:
        jnp = self.jnp
        return jnp.power(jnp.asarray(a, dtype=float), b)

    def pow_steps(self, gamma: Any, t: Any, every: Any, floor: bool) -> Any:
        """``gamma ** (t / every)`` (``floor(t / every)`` if ``floor``), within 1e-6
        relative of float64 in float32 for every int32 count ``t``.

        ``jnp.power(float32(gamma), t / every)`` is not: rounding ``gamma`` to float32
        moves ``log(gamma)`` by up to ``6e-8 / |log(gamma)|`` relative, and the
        exponent ``E = (t / every) * log(gamma)`` needs an absolute error below 1e-6
        while ``|E|`` reaches ~100 (where float32's spacing is 8e-6). So, for a
        concrete ``gamma``, an integral ``every`` and an integer count (or a float
        time with ``floor``, whose ``t // every`` is an exact integer): ``log(gamma)``
        is taken in float64; ``q = t // every`` and ``t % every`` are exact integers;
        ``q = qh * 2**16 + ql``; ``2**16 log(gamma)`` and ``log(gamma)`` are split into
        heads of 9 and 8 significant bits plus tails, so that the large products
        ``qh * head16`` and ``ql * head1`` are exact in float32 and what is left is
        small: the value is ``exp(qh * head16) * exp(ql * head1) * exp(small)``.
        Otherwise (x64 on, a traced ``gamma``, float times) the plain power.
        """
        jnp = self.jnp
        t = jnp.asarray(t)
        exact = (
            is_plain(gamma)
            and is_plain(every)
            and float(every).is_integer()
            and 0 < every <= jnp.iinfo(jnp.int32).max
            and (floor or jnp.issubdtype(t.dtype, jnp.integer))
            and self.jax.dtypes.canonicalize_dtype(float) == jnp.float32
        )
        if not exact:
            return self.pow(gamma, self.floordiv(t, every) if floor else self.div(t, every))
        log_g = math.log(gamma)
        if log_g == 0.0:
            return jnp.ones(t.shape, dtype=float)
        every = int(every)
        q = jnp.floor_divide(t, every)
        if not jnp.issubdtype(q.dtype, jnp.integer):  # a floored float time: an exact integer
            q = jnp.clip(q, 0, jnp.iinfo(jnp.int32).max).astype(jnp.int32)
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
        if not floor and every != 1:
            frac = jnp.mod(t, every).astype(jnp.float32) / jnp.float32(every)
            small = small + frac * jnp.float32(log_g)
        # The barrier keeps XLA from rewriting exp(a) * exp(b) as exp(a + b), which
        # would round a + b to float32 and undo the split.
        factors = self.jax.lax.optimization_barrier(
            (jnp.exp(qh * jnp.float32(head16)), jnp.exp(ql * jnp.float32(head1)), jnp.exp(small))
        )
        return factors[0] * factors[1] * factors[2]

    def _array(self, values: Sequence[Any], like: Any) -> Any:
        """``values`` as one array; integer-typed when ``like`` is an integer count
        and every value is a plain integral number that fits."""
        jnp = self.jnp
        like = jnp.asarray(like)
        if jnp.issubdtype(like.dtype, jnp.integer):
            ints = [self._int(v, like) for v in values]
            if all(type(v) is int for v in ints):
                return jnp.asarray(ints, dtype=like.dtype)
        return jnp.stack([jnp.asarray(v, dtype=float) for v in values])

    def searchsorted(self, bounds: Sequence[Any], t: Any) -> Any:
        if len(bounds) == 0:
            return self.jnp.zeros(self.jnp.shape(t), dtype=int)
        return self.jnp.searchsorted(self._array(bounds, t), t, side="right")

    def take(self, values: Sequence[Any], i: Any, like: Any = None) -> Any:
        """``values[i]``; integer-typed (exact) when ``like`` is an integer count."""
        return self._array(values, 0.0 if like is None else like)[i]

    def switch(self, i: Any, n: int, branch: Branch, t: Any) -> Any:
        """Every branch evaluated, the one at ``i`` selected (branch-free, like a
        hand-written ``jnp.where``). Long runs of simple pieces are turned into a
        table lookup by the simplifier before they get here."""
        out = branch(n - 1, t)
        for k in range(n - 2, -1, -1):
            out = self.jnp.where(i == k, branch(k, t), out)
        return out

    def call(self, fn: Fn, t: Any) -> Any:
        return fn(t)


def _fit(x: Any) -> Any:
    """A plain int beyond int32 as a float: JAX would overflow on it as a weak-typed operand."""
    return float(x) if type(x) is int and not -(2**31) <= x < 2**31 else x


def _split(x: float, bits: int) -> tuple[float, float]:
    """``x = head + tail`` (float64) with ``head`` rounded to ``bits`` significant bits."""
    if x == 0.0:
        return 0.0, 0.0
    m, e = math.frexp(x)
    head = math.ldexp(round(math.ldexp(m, bits)), e - bits)
    return head, x - head


_JAX: _Jax | None = None


def jax_ops() -> _Jax:
    """The JAX namespace, built (and JAX imported) on first use."""
    global _JAX
    if _JAX is None:
        _JAX = _Jax()
    return _JAX
