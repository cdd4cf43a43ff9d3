"""PyTorch's CPU random numbers, reproduced without importing PyTorch.

What ``torch.Generator().manual_seed(s)`` followed by ``torch.randn(1, generator=g)``
or ``torch.rand(1, generator=g)`` returns, bit for bit, for the default dtype
``float32``. From PyTorch's sources (ATen, read for PyTorch 2.x and checked
against the installed PyTorch by ``tests/test_timm_noise.py``):

- ``manual_seed(s)`` accepts ``-2**63 <= s < 2**64`` (a negative ``s`` as its
  64-bit two's complement) and seeds ``at::mt19937`` with ``init_genrand(s &
  0xffffffff)`` (``MT19937RNGEngine.h``): the reference MT19937 of Matsumoto and
  Nishimura, whose outputs are the 32-bit words ``random()``; ``random64()`` is
  ``(random() << 32) | random()``, the first word high (``CPUGeneratorImpl.cpp``).
- ``torch.rand`` (float32): ``uniform_real_distribution<float>`` of one word,
  ``(w & (2**24 - 1)) * 2**-24`` (``TransformationHelper.h``: the type's 24
  mantissa digits).
- ``torch.randn`` of fewer than 16 elements: ``normal_distribution<double>``
  (``DistributionTemplates.h``), Box-Muller on two doubles of 53 bits,
  ``u = (random64() & (2**53 - 1)) * 2**-53``: ``r = sqrt(-2 log1p(-u2))``,
  ``theta = 2 pi u1``, it returns ``r cos(theta)`` and keeps ``r sin(theta)`` on the
  generator for the next call (``DistributionsHelper.h``); each is rounded to
  float32 on the way out. ``log1p``, ``sqrt``, ``cos`` and ``sin`` are the C
  library's, as Python's :mod:`math` calls them.

timm's ``Scheduler._calculate_noise(t)`` seeds a new generator with
``noise_seed + t`` and draws with it: :func:`timm_noise` (one seed) and
:func:`timm_noise_array` (NumPy, many seeds at once: the words are computed for
every seed together, the draws one seed at a time with :mod:`math`, so both
paths give the same floats).
"""

from __future__ import annotations

import functools
import itertools
import math
import struct
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import _uint32

__all__ = ["mt_prefix", "mt_words", "rand", "randn", "timm_noise", "timm_noise_array"]

_N, _M = 624, 397
_MATRIX_A = 0x9908B0DF
_UPPER, _LOWER = 0x80000000, 0x7FFFFFFF
_INIT = 1812433253
#: Words computed for every seed at once before the draws (16 normals, 32 uniforms);
#: a seed that needs more goes on with its full stream (:func:`mt_words`).
PREFIX = 32
_SHIFT53 = 2.0**-53
_MASK53 = (1 << 53) - 1
_TWO_PI = 2.0 * math.pi


def _temper(y: Any, u: Any) -> Any:
    y = u.xor(y, u.shr(y, 11))
    y = u.xor(y, u.band(u.shl(y, 7), u.const(0x9D2C5680)))
    y = u.xor(y, u.band(u.shl(y, 15), u.const(0xEFC60000)))
    return u.xor(y, u.shr(y, 18))


def _twist(a: Any, b: Any, far: Any, u: Any) -> Any:
    """The new state word from ``state[i]``, ``state[i + 1]`` and ``state[i + M]``."""
    y = u.bor(u.band(a, u.const(_UPPER)), u.band(b, u.const(_LOWER)))
    odd = u.band(y, u.const(1))
    return u.xor(u.xor(far, u.shr(y, 1)), u.mul(odd, u.const(_MATRIX_A)))


def _seeding(seed: Any, n: int, u: Any) -> list[Any]:
    """The first ``n`` words of ``init_genrand(seed)``'s state."""
    state = [seed]
    x = seed
    if u is _uint32.PY:  # the same recurrence, inline: four times faster on Python ints
        for j in range(1, n):
            x = (_INIT * (x ^ (x >> 30)) + j) & _uint32.MASK
            state.append(x)
    else:
        for j in range(1, n):
            x = u.add(u.mul(u.const(_INIT), u.xor(x, u.shr(x, 30))), u.const(j))
            state.append(x)
    return state


def mt_prefix(seed: Any, n: int, u: Any = _uint32.PY) -> list[Any]:
    """The first ``n <= 227`` words of MT19937 seeded with ``init_genrand(seed)``.

    Word ``i < N - M`` of the first twist needs only the initial state words
    ``i``, ``i + 1`` and ``i + M``, so the seeding recurrence runs to ``M + n``,
    not to ``N``. ``seed`` is a 32-bit int (``u = PY``) or a ``uint32`` array of
    seeds (``u = NP``), one stream per element.
    """
    if not 0 < n <= _N - _M:
        raise ValueError(f"mt_prefix: n must be in 1..{_N - _M}, got {n}")
    state = _seeding(seed, _M + n, u)
    return [_temper(_twist(state[i], state[i + 1], state[i + _M], u), u) for i in range(n)]


def _stream(seed: int, prefix: Sequence[int] | None = None) -> Iterator[int]:
    """The words of MT19937 seeded with ``seed``, computed as they are needed: the first
    :data:`PREFIX` from ``prefix`` (or from the seeding up to ``M + PREFIX``), the rest
    (rarely needed) from the full generator."""
    if prefix is None:
        u = _uint32.PY
        state = _seeding(seed, _M + PREFIX, u)
        for i in range(PREFIX):
            yield _temper(_twist(state[i], state[i + 1], state[i + _M], u), u)
    else:
        yield from prefix
    yield from itertools.islice(mt_words(seed), PREFIX, None)


def mt_words(seed: int) -> Iterator[int]:
    """Every word of MT19937 seeded with ``init_genrand(seed)``, for a 32-bit ``seed``."""
    u = _uint32.PY
    mt = [seed & _uint32.MASK]
    for j in range(1, _N):
        x = mt[-1]
        mt.append((_INIT * (x ^ (x >> 30)) + j) & _uint32.MASK)
    while True:
        for i in range(_N):
            mt[i] = _twist(mt[i], mt[(i + 1) % _N], mt[(i + _M) % _N], u)
        for y in mt:
            yield _temper(y, u)


def seed32(seed: int) -> int:
    """The 32 bits of ``manual_seed(seed)`` that MT19937 uses (``seed & 0xffffffff``,
    of the 64-bit two's complement for a negative ``seed``)."""
    return seed & _uint32.MASK


def _float32(x: float) -> float:
    """``static_cast<float>(x)``: ``x`` rounded to float32 (to nearest, ties to even)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def rand(words: Iterator[int]) -> float:
    """``torch.rand(1, generator=g).item()``: one word, 24 bits."""
    return (next(words) & 0xFFFFFF) * 2.0**-24


def randn(words: Iterator[int]) -> Iterator[float]:
    """The values of successive ``torch.randn(1, generator=g).item()`` calls."""
    while True:
        w0, w1, w2, w3 = next(words), next(words), next(words), next(words)
        u1 = (((w0 << 32) | w1) & _MASK53) * _SHIFT53
        u2 = (((w2 << 32) | w3) & _MASK53) * _SHIFT53
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = _TWO_PI * u1
        yield _float32(r * math.cos(theta))
        yield _float32(r * math.sin(theta))


def _draw(words: Iterator[int], normal: bool, pct: float, std: float) -> float:
    """timm's ``_calculate_noise`` on a generator whose words are ``words``."""
    if not normal:
        return 2 * (rand(words) - 0.5) * pct
    for z in randn(words):
        noise = z * std
        if abs(noise) < pct:
            return noise
    raise AssertionError("unreachable")  # randn never ends


@functools.lru_cache(maxsize=1 << 16)
def timm_noise(seed: int, normal: bool, pct: float, std: float) -> float:
    """timm's ``Scheduler._calculate_noise(t)`` for ``noise_seed + t == seed``: with
    ``normal``, ``torch.randn`` draws times ``std`` until one is below ``pct`` in
    magnitude; otherwise ``2 * (torch.rand() - 0.5) * pct``."""
    return _draw(_stream(seed32(seed)), normal, pct, std)


def timm_noise_array(seeds: np.ndarray, normal: bool, pct: float, std: float) -> np.ndarray:
    """:func:`timm_noise` of each seed of an integer array (float64 out, same shape)."""
    seeds = np.asarray(seeds)
    out = np.empty(seeds.shape, dtype=np.float64)
    if seeds.size == 0:
        return out
    unique, where = np.unique(seeds.reshape(-1) & _uint32.MASK, return_inverse=True)
    lanes = unique.astype(np.uint32)
    words = np.stack(mt_prefix(lanes, PREFIX, _uint32.NP), axis=1).tolist()  # one row per seed
    values = np.empty(lanes.size, dtype=np.float64)
    for k, (s, row) in enumerate(zip(unique.tolist(), words)):
        values[k] = _draw(_stream(s, row), normal, pct, std)
    out.reshape(-1)[:] = values[where.reshape(-1)]
    return out
