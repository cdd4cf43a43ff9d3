"""Exact unsigned 32-bit integer arithmetic on each backend, for the counter-based hashes.

The hashes of :mod:`lrdsl.noises` and :mod:`lrdsl._torch_random` are written once
against a namespace ``u`` holding these operations, all modulo ``2**32``:

- :data:`PY`: Python ints, masked to 32 bits;
- :data:`NP`: NumPy ``uint32`` arrays (at least one-dimensional, so that NumPy
  wraps around silently instead of warning as it does for scalars);
- :func:`jax_u32`: JAX ``uint32`` arrays, traceable (``jit``, ``vmap``).

Each namespace also splits a time ``t >= 0`` into the 32-bit halves of the
integer count ``c = floor(t)`` (``lo = c mod 2**32``, ``hi = floor(c / 2**32) mod
2**32``), exactly, whatever the dtype of ``t``. Importing this module does not
import JAX.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["MASK", "PY", "NP", "jax_u32", "for_backend"]

MASK = 0xFFFFFFFF
_TWO32 = 4294967296.0


class _Python:
    name = "python"

    @staticmethod
    def const(x: int, like: Any = None) -> int:
        return x & MASK

    @staticmethod
    def add(a: int, b: int) -> int:
        return (a + b) & MASK

    @staticmethod
    def mul(a: int, b: int) -> int:
        return (a * b) & MASK

    @staticmethod
    def xor(a: int, b: int) -> int:
        return a ^ b

    @staticmethod
    def band(a: int, b: int) -> int:
        return a & b

    @staticmethod
    def bor(a: int, b: int) -> int:
        return a | b

    @staticmethod
    def shl(a: int, n: int) -> int:
        return (a << n) & MASK

    @staticmethod
    def shr(a: int, n: int) -> int:
        return a >> n

    @staticmethod
    def rotl(a: int, n: int) -> int:
        return ((a << n) | (a >> (32 - n))) & MASK

    @staticmethod
    def to_float(a: int) -> float:
        return float(a)

    @staticmethod
    def floor(t: Any) -> int:
        return t if type(t) is int else math.floor(t)

    @staticmethod
    def halves(c: int) -> tuple[int, int]:
        """``(c mod 2**32, floor(c / 2**32) mod 2**32)`` of an integer count ``c >= 0``."""
        return c & MASK, (c >> 32) & MASK


PY = _Python()


class _NumPy:
    name = "numpy"

    @staticmethod
    def const(x: int, like: Any = None) -> Any:
        return np.uint32(x & MASK)

    add = staticmethod(np.add)
    mul = staticmethod(np.multiply)
    xor = staticmethod(np.bitwise_xor)
    band = staticmethod(np.bitwise_and)
    bor = staticmethod(np.bitwise_or)

    @staticmethod
    def shl(a: Any, n: int) -> Any:
        return np.left_shift(a, np.uint32(n))

    @staticmethod
    def shr(a: Any, n: int) -> Any:
        return np.right_shift(a, np.uint32(n))

    @staticmethod
    def rotl(a: Any, n: int) -> Any:
        return np.left_shift(a, np.uint32(n)) | np.right_shift(a, np.uint32(32 - n))

    @staticmethod
    def to_float(a: Any) -> Any:
        return a.astype(np.float64)

    @staticmethod
    def floor(t: Any) -> Any:
        t = np.asarray(t)
        return np.floor(t) if t.dtype.kind == "f" else t

    @staticmethod
    def halves(c: Any) -> tuple[Any, Any]:
        """The halves of integer counts ``c >= 0`` (an int64 array, or floats already floored)."""
        c = np.atleast_1d(c)
        if c.dtype.kind == "f":
            high = np.floor(c / _TWO32)
            return (c - high * _TWO32).astype(np.uint32), np.fmod(high, _TWO32).astype(np.uint32)
        c = c.astype(np.int64)
        return (c & MASK).astype(np.uint32), ((c >> 32) & MASK).astype(np.uint32)


NP = _NumPy()


class _Jax:
    name = "jax"

    def __init__(self) -> None:
        import jax.numpy as jnp

        self.jnp = jnp

    def const(self, x: int, like: Any = None) -> Any:
        return self.jnp.uint32(x & MASK)

    def add(self, a: Any, b: Any) -> Any:
        return a + b

    def mul(self, a: Any, b: Any) -> Any:
        return a * b

    def xor(self, a: Any, b: Any) -> Any:
        return a ^ b

    def band(self, a: Any, b: Any) -> Any:
        return a & b

    def bor(self, a: Any, b: Any) -> Any:
        return a | b

    def shl(self, a: Any, n: int) -> Any:
        return self.jnp.left_shift(a, self.jnp.uint32(n))

    def shr(self, a: Any, n: int) -> Any:
        return self.jnp.right_shift(a, self.jnp.uint32(n))  # logical: a is unsigned

    def rotl(self, a: Any, n: int) -> Any:
        return self.shl(a, n) | self.shr(a, 32 - n)

    def to_float(self, a: Any) -> Any:
        return a.astype(float)

    def floor(self, t: Any) -> Any:
        jnp = self.jnp
        t = jnp.asarray(t)
        return jnp.floor(t) if jnp.issubdtype(t.dtype, jnp.floating) else t

    def halves(self, c: Any) -> tuple[Any, Any]:
        jnp = self.jnp
        c = jnp.asarray(c)
        if jnp.issubdtype(c.dtype, jnp.floating):
            high = jnp.floor(c / _TWO32)
            return (c - high * _TWO32).astype(jnp.uint32), jnp.fmod(high, _TWO32).astype(jnp.uint32)
        if c.dtype.itemsize <= 4:  # int32 counts: below 2**31
            return c.astype(jnp.uint32), jnp.zeros(c.shape, dtype=jnp.uint32)
        return (c & MASK).astype(jnp.uint32), ((c >> 32) & MASK).astype(jnp.uint32)


_JAX: _Jax | None = None


def jax_u32() -> _Jax:
    """The JAX namespace, built (and JAX imported) on first use."""
    global _JAX
    if _JAX is None:
        _JAX = _Jax()
    return _JAX


def for_backend(name: str) -> Any:
    """The namespace for an :mod:`lrdsl._ops` backend name (``python``, ``numpy``, ``jax``)."""
    if name == "python":
        return PY
    if name == "numpy":
        return NP
    if name == "jax":
        return jax_u32()
    raise ValueError(f"no unsigned 32-bit namespace for the backend {name!r}")
