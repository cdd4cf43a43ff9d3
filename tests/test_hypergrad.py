"""Hypergradients: jax.grad of a loss after a short training run with respect to a
schedule's numbers (here its peak)."""

from __future__ import annotations

import numpy as np
import pytest

import lrdsl as lr

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
jnp = jax.numpy


def final_loss(peak: jax.Array, steps: int = 30) -> jax.Array:
    x = jnp.linspace(-1.0, 1.0, 16)
    y = 3.0 * x + 1.0
    s = lr.linear(0.0, peak, 5) >> lr.cosine(peak, 0.0, steps - 5)
    opt = optax.adam(learning_rate=s)

    def loss(p: jax.Array) -> jax.Array:
        return jnp.mean((p[0] * x + p[1] - y) ** 2)

    def step(carry, _):  # type: ignore[no-untyped-def]
        p, state = carry
        updates, state = opt.update(jax.grad(loss)(p), state, p)
        return (optax.apply_updates(p, updates), state), None

    p0 = jnp.zeros(2)
    (p, _), _ = jax.lax.scan(step, (p0, opt.init(p0)), None, length=steps)
    return loss(p)


def test_grad_through_a_training_run_matches_finite_differences() -> None:
    with jax.enable_x64(True):
        peak = jnp.asarray(0.05)
        g = float(jax.jit(jax.grad(final_loss))(peak))
        h = 1e-6
        fd = float((final_loss(peak + h) - final_loss(peak - h)) / (2 * h))
    assert np.isfinite(g) and g != 0.0
    assert g == pytest.approx(fd, rel=1e-4)
    assert g < 0  # a larger peak fits this problem faster


def test_grad_reaches_every_number_of_a_schedule_pytree() -> None:
    s = lr.linear(0.0, 1.0, 10) >> lr.cosine(1.0, 0.1, 10)
    grads = jax.grad(lambda s: s(jnp.asarray(12.0)))(s)
    assert grads.pieces[1].start != 0.0 and grads.pieces[1].end != 0.0
