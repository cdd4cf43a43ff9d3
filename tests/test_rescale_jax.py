"""``s.rescale(scale, offset=...)`` under JAX: exact for integer counts with an integer
scale and offset, as on NumPy (whose int64 arithmetic is exact).

The rescaled time stays the count itself, of scale ``1 / scale`` (a Fraction), and each
number the schedule meets (a boundary, a length, in tokens) is converted to steps
exactly. So ``jax.jit(s.compile())`` at int32 counts (float32) is within 1e-6 relative
of float64 NumPy, and under x64 within 1e-12, at counts where ``t * scale`` is far
beyond float32's 2**24 (and int32's 2**31), including the steps around every boundary.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrdsl as lr

jax = pytest.importorskip("jax")
jnp = jax.numpy

TOP = 2**31 - 1
TPS = 4 * 2**20 + 1  # tokens per step: odd, so no boundary below is a multiple of it


def _counts(*tokens: int, scale: int = TPS, offset: int = 0) -> np.ndarray:
    """int32 counts: the first ones, the top of the range, random ones, and the steps
    around each token count (where ``t * scale + offset`` crosses it)."""
    ts = [0, 1, 2, 3, 2**24 - 1, 2**24, 2**24 + 1, TOP - 1, TOP]
    for c in tokens:
        k = (c - offset) // scale
        ts += [k + d for d in (-2, -1, 0, 1, 2)]
    ts += np.random.default_rng(0).integers(0, TOP, 50).tolist()
    return np.unique(np.clip(np.asarray(ts, dtype=np.int64), 0, TOP))


def _assert_close(s: lr.Schedule, ts: np.ndarray, x64: bool) -> None:
    want = s(ts)
    with jax.enable_x64(x64):
        dtype = jnp.int64 if x64 else jnp.int32
        got = np.asarray(jax.jit(s.compile())(jnp.asarray(ts, dtype=dtype)), dtype=np.float64)
    rtol = 1e-12 if x64 else 1e-6
    tiny = float(np.finfo(np.float32).tiny)
    compared = np.abs(want) >= tiny
    bad = compared & ~(np.abs(got - want) <= rtol * np.abs(want))
    assert not bad.any(), f"{s} at t={ts[bad][:5]}: JAX {got[bad][:5]}, NumPy {want[bad][:5]}"
    assert np.all(np.abs(got[~compared]) < 2 * tiny)


X64 = pytest.mark.parametrize("x64", [False, True], ids=["float32", "x64"])


@X64
def test_a_decay_in_tokens_keeps_its_precision_to_the_last_step(x64: bool) -> None:
    end = 3 * 2**40 + 7  # tokens; t * TPS passes it near t = 786_432
    s = lr.linear(1.0, 0.0, end).rescale(TPS, offset=TPS)
    _assert_close(s, _counts(end, offset=TPS), x64)


@X64
def test_olmo_warmup_and_cosine_in_tokens(x64: bool) -> None:
    warmup, t_max = 2_000 * TPS + 12_345, 50_000 * TPS
    s = lr.warmup(lr.cosine(4e-4, 4e-5, t_max - warmup), warmup).rescale(TPS, offset=TPS)
    _assert_close(s, _counts(warmup, t_max, offset=TPS), x64)


@X64
def test_boundaries_in_tokens_fall_on_numpys_steps(x64: bool) -> None:
    bounds = [1000 * 49, 1000 * 49 + 1, 10**12, 10**12 + 48, 3 * 10**16]
    s = lr.piecewise(bounds, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).rescale(49)
    _assert_close(s, _counts(*bounds, scale=49), x64)


@X64
def test_a_chain_in_tokens(x64: bool) -> None:
    s = (lr.linear(0.0, 1.0, 10**12) >> lr.cosine(1.0, 0.1, 3 * 10**12) >> lr.constant(0.1)).rescale(
        1000, offset=999
    )
    _assert_close(s, _counts(10**12, 4 * 10**12, scale=1000, offset=999), x64)


@X64
def test_a_staircase_whose_period_in_steps_is_whole_or_binary(x64: bool) -> None:
    s = lr.step(1.0, 1000, gamma=0.99).rescale(8) * lr.step(1.0, 3 * 2**30, gamma=0.5).rescale(3)
    _assert_close(s, _counts(*[1000 * k for k in (1, 2, 3, 7)], scale=8), x64)


@X64
def test_a_staircase_whose_period_in_steps_is_a_fraction(x64: bool) -> None:
    # 1000 tokens at 3 a step (offset 1): a period of 333 1/3 steps, floored exactly
    s = lr.step(1.0, 1000, gamma=0.999).rescale(3, offset=1)
    _assert_close(s, _counts(*[1000 * k for k in (1, 2, 3, 999, 10**6, 6 * 10**6)], scale=3, offset=1), x64)


@X64
def test_a_repeat_whose_period_in_steps_is_a_fraction(x64: bool) -> None:
    # t * 7 + 3 is a multiple of 10**6 at t = 428_571: the cycle restarts there, at 1.0
    s = lr.cosine(1.0, 0.0, 10**6).repeat(10**6).rescale(7, offset=3)
    _assert_close(s, _counts(*[10**6 * k for k in (1, 3, 7, 1000, 12345)], scale=7, offset=3), x64)


@X64
def test_per_epoch_inside_a_rescale(x64: bool) -> None:
    s = lr.cosine(1.0, 0.0, 10**9).per_epoch(7, staircase=False).rescale(3, offset=1)
    _assert_close(s, _counts(7 * 10**9, scale=3, offset=1), x64)


def test_a_warmup_beyond_int32_tokens_compiles() -> None:
    # (before, t * scale was a float here and the warmup's int boundary overflowed JAX's int32)
    s = lr.warmup(lr.constant(1.0), 8_388_622_345).rescale(TPS)
    got = jax.jit(s.compile())(jnp.asarray([0, 1999, 2000, 2001], dtype=jnp.int32))
    np.testing.assert_allclose(
        np.asarray(got, dtype=np.float64), s(np.array([0, 1999, 2000, 2001])), rtol=1e-6
    )


def test_a_float_scale_is_computed_in_floats() -> None:
    s = lr.linear(1.0, 0.0, 1000).rescale(0.5, offset=0.25)
    got = np.asarray(jax.jit(s.compile())(jnp.arange(10)), dtype=np.float64)
    np.testing.assert_allclose(got, s(np.arange(10)), rtol=1e-6)


def test_a_vmap_over_offsets_computes_the_traced_time_in_floats() -> None:
    schedules: Any = [lr.linear(1.0, 0.0, 10**9).rescale(TPS, offset=o) for o in (0, TPS, 2 * TPS)]
    stacked = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *schedules)
    got = jax.vmap(lambda s: s(jnp.arange(100)))(stacked)
    for row, s in zip(np.asarray(got, dtype=np.float64), schedules):
        np.testing.assert_allclose(row, s(np.arange(100)), rtol=1e-5)


@X64
def test_token_counts_beyond_2_53(x64: bool) -> None:
    # t * scale reaches 2**61: float64 itself rounds such a time to 256 tokens
    scale = 2**30 + 3
    end = 2**60 + 12_345
    _assert_close(lr.linear(1.0, 0.0, end).rescale(scale), _counts(end, scale=scale), x64)
    steps = lr.piecewise([end // 2, end // 2 + 1], [1.0, 2.0, 3.0]).rescale(scale)
    _assert_close(steps, _counts(end // 2, end // 2 + 1, scale=scale), x64)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scale=st.integers(1, 2**24),
    offset=st.integers(0, 2**24),
    warm=st.integers(1, 2**45),
    decay=st.integers(1, 2**45),
    shape=st.sampled_from(["linear", "cosine", "one_minus_sqrt"]),
)
def test_warmup_then_decay_in_tokens_at_any_integer_scale(
    scale: int, offset: int, warm: int, decay: int, shape: str
) -> None:
    inner = {"linear": lr.linear, "cosine": lr.cosine, "one_minus_sqrt": lr.one_minus_sqrt}[shape](
        1.0, 0.0, decay
    )
    s = lr.warmup(inner, warm).rescale(scale, offset=offset)
    ts = _counts(warm, warm + decay, scale=scale, offset=offset)
    _assert_close(s, ts, x64=False)
    _assert_close(s, ts, x64=True)
