"""Float32 JAX within 1e-6 relative of float64 for integer steps below 2**31,
near the end of decays of up to 2**30 steps (DESIGN.md section 1)."""

from __future__ import annotations

import numpy as np
import pytest

import lrdsl as lr

jax = pytest.importorskip("jax")
jnp = jax.numpy

N = 2**30
PRIMITIVES = {
    "linear": lr.linear(1.0, 0.0, N),
    "linear_up": lr.linear(0.0, 1.0, N),
    "cosine": lr.cosine(1.0, 0.0, N),
    "cosine_exponent_2": lr.cosine(1.0, 0.0, N, exponent=2.0),
    "cosine_exponent_half": lr.cosine(1.0, 1e-3, N, exponent=0.5),
    "cosine_periodic": lr.cosine(1.0, 0.0, 1000, periodic=True),
    "cosine_periodic_up": lr.cosine(0.0, 1.0, 1000, periodic=True),
    "cosine_periodic_long": lr.cosine(1.0, 0.0, N, periodic=True),
    "polynomial": lr.polynomial(1.0, 0.0, N, power=2.0),
    "polynomial_half": lr.polynomial(1.0, 0.0, N, power=0.5),
    "exponential": lr.exponential(1.0, 0.99999),
    "exponential_every": lr.exponential(1.0, 0.5, every=10**7),
    "exponential_staircase": lr.exponential(1.0, 0.5, every=10**7, staircase=True),
    "exponential_end": lr.exponential(1.0, 0.999, every=3, end=1e-6),
    "step": lr.step(1.0, 1000, gamma=0.999),
    "multistep": lr.multistep(1.0, [10, 2**30], gamma=0.1),
    "piecewise": lr.piecewise([10, 2**30], [1.0, 0.5, 0.1]),
    "interpolate": lr.interpolate([0, 2**30, 2**31 - 1], [1.0, 0.0, 1.0]),
    "interpolate_cosine": lr.interpolate([0, 2**30], [1.0, 0.0], kind="cosine"),
    "chain": lr.linear(0.0, 1.0, 2**20) >> lr.cosine(1.0, 0.0, N),
}

_rng = np.random.default_rng(0)
TIMES = np.unique(np.concatenate([
    [0, 1, 2, 999, 1000, 1001, 1999, 2**24 + 1, 2**20 + N - 2, 2**20 + N - 1],
    [N - 3, N - 2, N - 1, N, N + 1, 2**31 - 2, 2**31 - 1],
    _rng.integers(0, 2**31 - 1, 300),
]))


@pytest.mark.parametrize("compiled", [False, True], ids=["call", "compile"])
@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_float32_is_within_1e6_of_float64(name: str, compiled: bool) -> None:
    s = PRIMITIVES[name]
    fn = s.compile("jax") if compiled else s
    got = np.asarray(jax.jit(fn)(jnp.asarray(TIMES, jnp.int32)), np.float64)
    want = s(TIMES)
    normal = np.abs(want) >= np.finfo(np.float32).tiny  # float32 cannot go below
    np.testing.assert_allclose(got[normal], want[normal], rtol=1e-6, atol=0)
    assert np.all(np.abs(got[~normal]) < 2 * np.finfo(np.float32).tiny)
