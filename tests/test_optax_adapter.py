"""Schedules in Optax (DESIGN.md section 5): as ``optax.Schedule`` inside jit and
scan with int32 counts, and through :func:`lrdsl.optax.inject`. Every Optax
schedule with an lrdsl equivalent drives ``optax.adam`` for 1,200 steps on a
tiny regression exactly as Optax's own does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lrdsl as lr
from lrdsl.optax import inject

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
jnp = jax.numpy

STEPS = 1200

PAIRS: dict[str, tuple[lr.Schedule, Callable[[Any], Any]]] = {
    "constant": (lr.constant(3e-2), optax.constant_schedule(3e-2)),
    "linear": (lr.linear(5e-2, 1e-3, 800).shift(100), optax.linear_schedule(5e-2, 1e-3, 800, transition_begin=100)),
    "polynomial": (
        lr.polynomial(5e-2, 1e-4, 900, power=2.0).shift(50),
        optax.polynomial_schedule(5e-2, 1e-4, 2.0, 900, transition_begin=50),
    ),
    "cosine": (
        lr.cosine(5e-2, 5e-2 * 0.1, 1000, exponent=2.0),
        optax.cosine_decay_schedule(5e-2, 1000, alpha=0.1, exponent=2.0),
    ),
    "exponential": (
        lr.exponential(5e-2, 0.5, every=200, end=1e-3).shift(100),
        optax.exponential_decay(5e-2, 200, 0.5, transition_begin=100, end_value=1e-3),
    ),
    "exponential_staircase": (
        lr.exponential(5e-2, 0.7, every=150, staircase=True),
        optax.exponential_decay(5e-2, 150, 0.7, staircase=True),
    ),
    "piecewise_constant": (
        lr.piecewise([300, 700], [5e-2, 2.5e-2, 2.5e-3]),
        optax.piecewise_constant_schedule(5e-2, {300: 0.5, 700: 0.1}),
    ),
    "piecewise_interpolate": (
        lr.interpolate([0, 200, 900], [1e-3, 5e-2, 5e-3], kind="cosine"),
        optax.piecewise_interpolate_schedule("cosine", 1e-3, {200: 50.0, 900: 0.1}),
    ),
    "join_schedules": (
        lr.chain(lr.linear(0.0, 5e-2, 100), lr.constant(5e-2), lr.cosine(5e-2, 1e-3, 700), boundaries=[100, 400]),
        optax.join_schedules(
            [optax.linear_schedule(0.0, 5e-2, 100), optax.constant_schedule(5e-2), optax.cosine_decay_schedule(5e-2, 700, alpha=0.02)],
            boundaries=[100, 400],
        ),
    ),
    "warmup_cosine_decay": (
        lr.warmup(lr.cosine(5e-2, 1e-4, 900), 100, start=1e-4),
        optax.warmup_cosine_decay_schedule(1e-4, 5e-2, 100, 1000, 1e-4),
    ),
    "warmup_exponential_decay": (
        lr.warmup(lr.exponential(5e-2, 0.5, every=300), 100),
        optax.warmup_exponential_decay_schedule(0.0, 5e-2, 100, 300, 0.5),
    ),
}


def _data(dtype: Any) -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    y = x @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=64)
    return jnp.asarray(x, dtype), jnp.asarray(y, dtype)


def _train(opt: Any, dtype: Any, steps: int = STEPS) -> tuple[Any, Any]:
    """``steps`` adam updates in a lax.scan; the final params and the injected lr per step."""
    x, y = _data(dtype)
    params = {"w": jnp.zeros(3, dtype), "b": jnp.zeros((), dtype)}

    def loss(p: Any) -> Any:
        return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)

    def step(carry: Any, _: Any) -> Any:
        p, state = carry
        updates, state = opt.update(jax.grad(loss)(p), state, p)
        lr_used = state.hyperparams["learning_rate"] if hasattr(state, "hyperparams") else jnp.zeros((), dtype)
        return (optax.apply_updates(p, updates), state), lr_used

    (params, _), lrs = jax.jit(lambda c: jax.lax.scan(step, c, None, length=steps))((params, opt.init(params)))
    return params, lrs


@pytest.mark.parametrize("x64", [False, True], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_adam_run_matches_optax_with_its_own_schedule(name: str, x64: bool) -> None:
    ours, theirs = PAIRS[name]
    with jax.enable_x64(x64):
        dtype = jnp.float64 if x64 else jnp.float32
        p_ours, lrs = _train(inject(optax.adam, learning_rate=ours), dtype)
        p_plain, _ = _train(optax.adam(learning_rate=ours), dtype)
        p_theirs, lrs_theirs = _train(optax.inject_hyperparams(optax.adam)(learning_rate=theirs), dtype)
    with jax.enable_x64(True):  # Optax's schedule in float64: what both should give
        expected = np.asarray(jax.vmap(theirs)(jnp.arange(STEPS, dtype=jnp.int64)), dtype=np.float64)
    rtol = 1e-12 if x64 else 2e-6
    np.testing.assert_allclose(np.asarray(lrs, np.float64), expected, rtol=rtol, atol=1e-15 if x64 else 1e-9)
    # Optax's own injected values: its schedules work in float32 (even under x64 for
    # int32 counts), with less stable forms, so they agree to float32 precision.
    np.testing.assert_allclose(np.asarray(lrs, np.float64), np.asarray(lrs_theirs, np.float64), rtol=1e-5, atol=1e-9)
    tol = 1e-6 if x64 else 1e-4
    for p in (p_ours, p_plain):
        for k in p:
            np.testing.assert_allclose(np.asarray(p[k]), np.asarray(p_theirs[k]), rtol=tol, atol=tol)


def test_inject_holds_the_value_the_last_update_used() -> None:
    s = lr.linear(0.0, 1.0, 10)
    opt = inject(optax.sgd, learning_rate=s, momentum=lr.constant(0.5))
    params = jnp.zeros(2)
    state = opt.init(params)
    assert float(state.hyperparams["learning_rate"]) == s(0)
    for k in range(1, 6):
        _, state = opt.update(jnp.ones(2), state, params)
        assert float(state.hyperparams["learning_rate"]) == pytest.approx(s(k - 1))
        assert float(state.hyperparams["momentum"]) == 0.5


def test_inject_accepts_numbers_and_optax_schedules_beside_schedules() -> None:
    opt = inject(optax.adamw, learning_rate=lr.cosine(1e-3, 0.0, 100), weight_decay=1e-4, b1=optax.constant_schedule(0.8))
    state = opt.init({"w": jnp.zeros(3)})
    assert float(state.hyperparams["weight_decay"]) == pytest.approx(1e-4)
    assert float(state.hyperparams["b1"]) == pytest.approx(0.8)


def test_a_schedule_is_an_optax_schedule_under_jit_and_scan() -> None:
    s = lr.linear(0, 1e-3, 100) >> lr.cosine(1e-3, 1e-5, 900)
    params, _ = _train(optax.adamw(learning_rate=s, weight_decay=1e-4), jnp.float32, steps=50)
    assert np.all(np.isfinite(np.asarray(params["w"])))


@pytest.mark.parametrize("count", [2**31 - 1, 2**31 - 2, 2**30 + 7])
def test_int32_counts_near_the_top_do_not_overflow(count: int) -> None:
    s = lr.warmup(lr.cosine(1.0, 0.0, 2**31 - 1000), 500) >> lr.constant(1e-3)
    c = jnp.asarray(count, jnp.int32)
    got = float(jax.jit(s)(c))
    got_compiled = float(jax.jit(s.compile())(c))
    want = s(count)
    assert got == pytest.approx(want, rel=1e-6, abs=1e-30)
    assert got_compiled == pytest.approx(want, rel=1e-6, abs=1e-30)


def test_adam_state_count_saturates_at_int32_max_and_lr_stays_finite() -> None:
    s = lr.linear(1e-3, 0.0, 2**31 - 1)
    opt = inject(optax.adam, learning_rate=s)
    params = jnp.zeros(2)
    state = opt.init(params)
    # every step count in the state (inject's, the schedule's, adam's) at 2**31 - 2
    state = jax.tree.map(lambda x: jnp.full_like(x, 2**31 - 2) if x.dtype == jnp.int32 else x, state)
    update = jax.jit(opt.update)
    for _ in range(3):
        updates, state = update(jnp.ones(2), state, params)
    assert int(state.count) == 2**31 - 1
    assert float(state.hyperparams["learning_rate"]) == pytest.approx(s(2**31 - 1), abs=1e-18)
    assert np.all(np.isfinite(np.asarray(updates)))
