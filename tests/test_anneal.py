"""Cooldowns branched from any step (issue 12 item 5): ``s.anneal_at(k, steps, to=..., shape=...)``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrdsl as lr

BASE = lr.wsd(1e-3, 100, 10_000, 0)
SHAPES = ("linear", "cosine", "1-sqrt")


def cooldown(v: float, to: float, x: float, shape: str) -> float:
    """The cooldown's value at the fraction ``x`` done, written directly."""
    if shape == "linear":
        return v + (to - v) * x
    if shape == "cosine":
        return to + (v - to) * (1 + math.cos(math.pi * x)) / 2
    return to + (v - to) * (1 - math.sqrt(x))


@pytest.mark.parametrize("shape", SHAPES)
def test_the_schedule_before_k_then_from_its_value_at_k_to_the_end(shape: str) -> None:
    s = BASE.anneal_at(50, 200, to=1e-5, shape=shape)  # branched inside the warmup
    v = BASE(50)
    for t in (0, 49):
        assert s(t) == BASE(t)
    for t in (50, 90, 150, 249):
        assert s(t) == pytest.approx(cooldown(v, 1e-5, (t - 50) / 200, shape), rel=1e-12)
    assert s(250) == s(10**6) == 1e-5


def test_the_cooldown_starts_from_exactly_the_value_at_k() -> None:
    s = lr.cosine(1.0, 0.0, 1000).anneal_at(333, 100)
    assert s(333) == lr.cosine(1.0, 0.0, 1000)(333)


def test_the_duration_is_k_plus_steps() -> None:
    assert BASE.anneal_at(5000, 1000).duration == 6000
    assert str(BASE.anneal_at(lr.T - 1000, 1000).duration) == "T - 1000 + 1000"


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("backend", ["python", "numpy", "jax"])
def test_every_backend_agrees(shape: str, backend: str) -> None:
    s = BASE.anneal_at(5000, 1000, shape=shape)
    ts = np.arange(0, 7000, 7)
    fn = s.compile(backend)
    got = np.array([fn(int(t)) for t in ts]) if backend == "python" else np.asarray(fn(ts), dtype=np.float64)
    np.testing.assert_allclose(got, s(ts), rtol=1e-12 if backend != "jax" else 1e-5, atol=1e-12)


def test_it_prints_parses_and_saves() -> None:
    s = BASE.anneal_at(5000, 1000, to=1e-5, shape="1-sqrt")
    assert str(s).endswith(".anneal_at(5000, 1000, to=1e-05, shape='1-sqrt')")
    assert lr.parse(str(s)) == s
    assert lr.from_dict(s.to_dict()) == s


def test_a_symbolic_branch_point_binds_to_the_hand_written_one() -> None:
    s = BASE.anneal_at(lr.T - lr.round(0.2 * lr.T), lr.round(0.2 * lr.T))
    assert s.bind(T=10_000) == BASE.anneal_at(8000, 2000)


def test_a_sweep_over_branch_points_is_one_vmap() -> None:
    import jax
    import jax.numpy as jnp

    ks = [2000, 5000, 8000]
    sweep = jax.jit(jax.vmap(lambda k: BASE.anneal_at(k, 1000)(jnp.arange(10_000))))
    out = np.asarray(sweep(jnp.asarray(ks, dtype=jnp.float32)), dtype=np.float64)
    for row, k in zip(out, ks):
        np.testing.assert_allclose(row, BASE.anneal_at(k, 1000).values(10_000), rtol=1e-5, atol=1e-9)


def test_k_is_a_pytree_leaf() -> None:
    import jax

    assert 5000.0 in jax.tree_util.tree_leaves(BASE.anneal_at(5000, 1000))


def test_a_cooldown_of_zero_steps_drops_at_k() -> None:
    s = lr.constant(1.0).anneal_at(10, 0, to=0.5)
    assert [s(t) for t in (9, 10, 11)] == [1.0, 0.5, 0.5]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: BASE.anneal_at(-1, 10), "anneal_at: k must be >= 0, got -1"),
        (lambda: BASE.anneal_at(10, -1), "anneal_at: steps must be >= 0, got -1"),
        (lambda: BASE.anneal_at(10, 10, shape="exp"), "anneal_at: shape must be one of 'linear', 'cosine', '1-sqrt', got 'exp'"),
    ],
)
def test_bad_parameters_are_refused(make: object, message: str) -> None:
    with pytest.raises(lr.ScheduleError) as info:
        make()  # type: ignore[operator]
    assert str(info.value) == message
