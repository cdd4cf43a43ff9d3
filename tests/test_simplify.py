"""The simplifier (DESIGN.md section 3): equal values before and after, on every
backend, and a table lookup whose compiled size does not grow with the chain."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrdsl as lr
from lrdsl.simplify import Table, simplify

jax = pytest.importorskip("jax")
jnp = jax.numpy

# A small random-schedule strategy (tests/strategies.py may supersede it).
value = st.floats(0.0, 2.0, allow_nan=False).map(lambda v: round(v, 6))
length = st.integers(1, 40)

piece = st.one_of(
    st.builds(lr.constant, value),
    st.builds(lr.linear, value, value, length),
    st.builds(lr.cosine, value, value, length),
    st.builds(lr.cosine, value, value, length, exponent=st.sampled_from([0.5, 2.0])),
    st.builds(lr.polynomial, value, value, length, power=st.sampled_from([1.0, 2.0])),
    st.builds(lr.exponential, value, st.floats(0.5, 1.0), every=st.integers(1, 5)),
    st.builds(lambda t0, d, v: lr.interpolate([t0, t0 + d, t0 + 2 * d], v), st.integers(0, 5), length,
              st.lists(value, min_size=3, max_size=3)),
    st.builds(lambda b, v: lr.piecewise(sorted(b), v[: len(b) + 1]),
              st.lists(st.integers(0, 30), min_size=1, max_size=3), st.lists(value, min_size=4, max_size=4)),
)


def _chain(pieces: list[lr.Schedule]) -> lr.Schedule:
    finite = [p for p in pieces if p.finite]
    return lr.chain(*finite, pieces[-1]) if finite else pieces[-1]


def _explicit(pieces: list[lr.Schedule], gaps: list[int]) -> lr.Schedule:
    bounds = np.cumsum(gaps[: len(pieces) - 1]).tolist()
    return lr.chain(*pieces, boundaries=bounds)


schedules = st.recursive(
    piece,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=6).map(_chain),
        st.builds(_explicit, st.lists(inner, min_size=2, max_size=5), st.lists(st.integers(0, 20), min_size=5, max_size=5)),
        st.builds(lambda s, k: s * k, inner, st.sampled_from([2, 0.5])),
        st.builds(lambda s, k: s / k, inner, st.sampled_from([3, 0.25])),
        st.builds(lambda a, b: a + b, inner, inner),
        st.builds(lambda s, n: lr.warmup(s, n), inner, length),
        st.builds(lambda s, n: s.shift(n), inner, st.integers(0, 10)),
    ),
    max_leaves=12,
)

STEPS = np.concatenate([np.arange(0, 200), [250, 400, 1000]])
FLOATS = np.linspace(0, 150, 301)


def close(a: object, b: object) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(schedules)
def test_simplified_equals_original_on_numpy_and_python(s: lr.Schedule) -> None:
    t = simplify(s)
    close(t(STEPS), s(STEPS))
    close(t(FLOATS), s(FLOATS))
    close([t(int(k)) for k in STEPS[::7]], s(STEPS[::7]))
    close(s.compile("python")(37), s(37))


@settings(max_examples=25, deadline=None)
@given(schedules)
def test_simplified_equals_original_on_jax_float64(s: lr.Schedule) -> None:
    with jax.enable_x64(True):
        got = np.asarray(jax.jit(s.compile("jax"))(jnp.asarray(STEPS)))
        got_float = np.asarray(s.compile("jax")(jnp.asarray(FLOATS)))
    close(got, s(STEPS))
    close(got_float, s(FLOATS))


def test_constant_folding() -> None:
    assert simplify(2 * lr.constant(3)) == lr.constant(6.0)


def test_nested_chains_flatten_into_one_table() -> None:
    s = lr.chain(
        lr.linear(0, 1, 10), lr.chain(lr.constant(1.0), lr.linear(1, 0, 5), lr.constant(0.0), boundaries=[3, 8])
    )
    t = simplify((lr.linear(0, 1, 10) >> lr.cosine(1, 0, 10)) >> (lr.linear(0, 1, 3) >> lr.constant(0.0)))
    assert isinstance(t, Table) and len(t.offsets) == 4
    assert isinstance(simplify(s), Table)


def test_short_chains_stay_chains() -> None:
    s = lr.linear(0, 1, 10) >> lr.cosine(1, 0, 10) >> lr.constant(0.0)
    assert simplify(s) == s  # selecting among 3 formulas beats a table lookup
    assert simplify(2 * lr.constant(3)) == lr.constant(6.0)


def test_tables_are_for_jax_only() -> None:
    s = lr.chain(*[lr.linear(0, 1, 10), lr.linear(1.0, 1.0, 5)] * 4)
    assert isinstance(simplify(s), Table)
    assert simplify(s, tables=False) == s
    close(s.compile("numpy")(STEPS), s(STEPS))


def test_mixed_chain_tabulates_runs_and_keeps_the_rest() -> None:
    run = [lr.linear(0, 1, 10), lr.linear(1.0, 1.0, 5).shift(2), lr.cosine(1, 0, 10), lr.linear(0.5, 0.5, 3)]
    s = lr.chain(*run, lr.cosine(1, 0, 10, exponent=2), *run, lr.constant(1.0))
    t = simplify(s)
    assert isinstance(t, lr.Chain) and isinstance(t.pieces[0], Table) and isinstance(t.pieces[-1], Table)
    assert len(t.pieces) == 3
    close(t(STEPS), s(STEPS))


def _hlo_ops(s: lr.Schedule) -> int:
    text = jax.jit(s.compile("jax")).lower(jnp.int32(0)).compile().as_text()
    return sum(1 for line in text.splitlines() if " = " in line and not line.lstrip().startswith("//"))


def _pieces(n: int) -> lr.Schedule:
    pieces = [lr.constant(0.1 * (k + 1)) if k % 2 else lr.linear(0.1 * k, 0.1 * (k + 1), 10 + k) for k in range(n)]
    return lr.chain(*pieces, boundaries=[20 * k for k in range(1, n)])


def test_compiled_size_of_a_64_piece_chain_is_at_most_twice_an_8_piece_one() -> None:
    assert _hlo_ops(_pieces(64)) <= 2 * _hlo_ops(_pieces(8))


def test_a_warmup_of_a_chain_with_boundaries_at_zero_rises_to_its_value_at_zero() -> None:
    # the chain is in its last piece from t = 0, so the warmup rises to 0.0, not to 1.0
    c = lr.chain(lr.constant(1.0), lr.constant(0.0), lr.constant(0.0), lr.constant(0.0), boundaries=[0, 0, 0])
    for s in (lr.warmup(c, 1), c.shift(5)):
        t = np.array([0.0, 0.5, 1.0, 3.0, 7.0])
        np.testing.assert_array_equal(simplify(s)(t), s(t))
