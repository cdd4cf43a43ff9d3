"""Sweeps: one training step vmapped over a stack of schedules that differ in their
numbers, compiled once; also over step counts (warmup length, decay steps), where
Optax's own schedules fail with a tracer error."""

from __future__ import annotations

import numpy as np
import pytest

import lrdsl as lr

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
jnp = jax.numpy

X = jnp.linspace(-1.0, 1.0, 32)
Y = 2.0 * X - 0.5


def train(s: lr.Schedule, steps: int = 200) -> jax.Array:
    """``steps`` adam updates with learning rate ``s``; the final params."""
    opt = optax.adam(learning_rate=s)

    def loss(p: jax.Array) -> jax.Array:
        return jnp.mean((p[0] * X + p[1] - Y) ** 2)

    def step(carry, _):  # type: ignore[no-untyped-def]
        p, state = carry
        updates, state = opt.update(jax.grad(loss)(p), state, p)
        return (optax.apply_updates(p, updates), state), None

    p0 = jnp.zeros(2)
    (p, _), _ = jax.lax.scan(step, (p0, opt.init(p0)), None, length=steps)
    return p


def stack(schedules: list[lr.Schedule]) -> lr.Schedule:
    return jax.tree.map(lambda *x: jnp.stack(x), *schedules)


def test_vmap_over_8_peaks_compiles_once_and_matches_separate_runs() -> None:
    traces = []

    def counted(s: lr.Schedule) -> jax.Array:
        traces.append(1)
        return train(s)

    sweep = jax.jit(jax.vmap(counted))
    peaks = np.geomspace(1e-3, 1e-1, 8)
    schedules = [lr.linear(0.0, p, 20) >> lr.cosine(p, p / 100, 180) for p in peaks]
    out = sweep(stack(schedules))
    assert len(traces) == 1
    other = [lr.linear(0.0, p, 20) >> lr.cosine(p, p / 100, 180) for p in peaks * 0.5]
    sweep(stack(other))
    assert len(traces) == 1  # new numbers, same shape: no retrace
    for k in (0, 3, 7):
        np.testing.assert_allclose(out[k], train(schedules[k]), rtol=1e-5, atol=1e-6)


def test_vmap_over_warmup_and_decay_lengths() -> None:
    warm = jnp.asarray([5.0, 10.0, 20.0, 40.0])
    decay = jnp.asarray([100.0, 150.0, 180.0, 195.0])

    def run(w: jax.Array, d: jax.Array) -> jax.Array:
        return train(lr.warmup(lr.cosine(1e-2, 1e-4, d), w))

    out = jax.jit(jax.vmap(run))(warm, decay)
    for k in range(4):
        s = lr.warmup(lr.cosine(1e-2, 1e-4, int(decay[k])), int(warm[k]))
        np.testing.assert_allclose(out[k], train(s), rtol=1e-4, atol=1e-5)


def test_optax_fails_to_vmap_over_a_warmup_length() -> None:
    def run(w: jax.Array) -> jax.Array:
        return train(optax.warmup_cosine_decay_schedule(0.0, 1e-2, w, 200))  # type: ignore[arg-type]

    with pytest.raises(Exception, match=r"[Tt]racer|concrete"):
        jax.vmap(run)(jnp.asarray([5, 10]))
