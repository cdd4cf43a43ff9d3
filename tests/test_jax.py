"""Schedules on JAX: arrays, tracers, jit, vmap, grad, pytrees, large counts."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import lrdsl as lr

jax = pytest.importorskip("jax")
jnp = jax.numpy

s = lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000)


def test_jax_array_in_jax_array_out() -> None:
    out = s(jnp.arange(0, 100_000, 1000))
    assert isinstance(out, jax.Array) and out.dtype == jnp.float32 and out.shape == (100,)
    np.testing.assert_allclose(np.asarray(out), s(np.arange(0, 100_000, 1000)), rtol=1e-6)


def test_jit_of_the_compiled_function_equals_eager() -> None:
    f = jax.jit(s.compile())
    t = jnp.arange(0, 100_000, 333)
    np.testing.assert_allclose(np.asarray(f(t)), np.asarray(s(t)), rtol=1e-6)  # XLA may fuse differently
    assert float(f(jnp.int32(500))) == pytest.approx(5e-4, rel=1e-6)


def test_schedule_called_inside_jit_on_a_tracer() -> None:
    @jax.jit
    def step_lr(count: jax.Array) -> jax.Array:
        return s(count) * 2

    assert float(step_lr(jnp.int32(1000))) == pytest.approx(2e-3, rel=1e-6)


def test_grad_with_respect_to_time() -> None:
    g = jax.grad(lambda t: lr.linear(0.0, 1.0, 10)(t))(2.0)
    assert float(g) == pytest.approx(0.1, rel=1e-6)
    gc = jax.grad(lambda t: lr.cosine(1.0, 0.0, 10)(t))(5.0)
    assert float(gc) == pytest.approx(-np.pi / 20, rel=1e-5)
    # past the end the schedule is flat, and the gradient is 0, not NaN
    assert float(jax.grad(lambda t: lr.cosine(1.0, 0.0, 10, exponent=2.0)(t))(20.0)) == 0.0


def test_grad_with_respect_to_a_schedules_numbers() -> None:
    def loss(sched: lr.Schedule) -> jax.Array:
        return jnp.sum(sched(jnp.arange(20)))

    g = jax.grad(loss)(lr.linear(0.0, 1.0, 10) >> lr.constant(1.0))
    leaves = jax.tree.leaves(g)
    assert all(np.isfinite(float(x)) for x in leaves)
    # d/d(end) of sum_{t<10} t/10 (from t = 10 on, the constant piece rules)
    assert float(g.pieces[0].end) == pytest.approx(sum(t / 10 for t in range(10)), rel=1e-6)
    assert float(g.pieces[1].value) == pytest.approx(10.0, rel=1e-6)


def test_grad_with_respect_to_a_traced_peak() -> None:
    def total(peak: jax.Array) -> jax.Array:
        return jnp.sum(lr.warmup(lr.cosine(peak, 0.0, 90), 10)(jnp.arange(100)))

    expected = float(np.sum(lr.warmup(lr.cosine(1.0, 0.0, 90), 10).values(100)))
    assert float(jax.grad(total)(1e-3)) == pytest.approx(expected, rel=1e-5)


def test_vmap_over_a_stack_of_schedules() -> None:
    peaks = [1e-4, 3e-4, 1e-3, 3e-3]
    scheds = [lr.warmup(lr.cosine(p, p / 100, 900), 100) for p in peaks]
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *scheds)
    t = jnp.arange(0, 1000, 7)
    out = jax.vmap(lambda sc: sc(t))(stacked)
    assert out.shape == (4, t.shape[0])
    for row, sc in zip(np.asarray(out), scheds):
        np.testing.assert_allclose(row, sc(np.asarray(t)), rtol=1e-5)


def test_pytree_flattens_numbers_as_float_leaves_and_keeps_structure_static() -> None:
    leaves, tree = jax.tree.flatten(s)
    assert leaves == [0.0, 1e-3, 1000.0, 1e-3, 1e-5, 99000.0, 1.0]
    assert all(type(x) is float for x in leaves)
    assert jax.tree.unflatten(tree, leaves) == s
    doubled = jax.tree.map(lambda x: 2 * x, s)
    assert doubled.duration == 200_000  # boundaries derived from the new numbers
    assert doubled(2000) == pytest.approx(2e-3)


def test_schedule_as_a_jit_argument_does_not_recompile_for_new_numbers() -> None:
    traces = []

    @jax.jit
    def f(sched: lr.Schedule, t: jax.Array) -> jax.Array:
        traces.append(1)
        return sched(t)

    a = f(lr.cosine(1.0, 0.0, 100), jnp.int32(50))
    b = f(lr.cosine(2.0, 0.5, 200), jnp.int32(50))
    assert len(traces) == 1
    assert float(a) == pytest.approx(0.5, rel=1e-6)
    assert float(b) == pytest.approx(0.5 + 1.5 * (1 + np.cos(np.pi / 4)) / 2, rel=1e-6)


def test_int32_count_at_its_largest() -> None:
    big = jnp.int32(2**31 - 1)
    assert float(s(big)) == pytest.approx(1e-5, rel=1e-6)
    c = lr.cosine(1.0, 0.0, 2**30, periodic=True)
    assert float(c(big)) == pytest.approx(c(2**31 - 1), rel=1e-5, abs=1e-12)
    assert float(lr.step(1.0, 2**30, gamma=0.5)(big)) == 0.5
    assert float(lr.multistep(1.0, [2**31 - 1], gamma=0.5)(big)) == 0.5
    assert float(lr.multistep(1.0, [2**31 - 1], gamma=0.5)(big - 1)) == 1.0
    lin = lr.linear(1.0, 0.0, 2**31 - 1)
    assert float(lin(big - 1)) == pytest.approx(lin(2**31 - 2), rel=1e-6)


def test_int64_count_beyond_int32_with_x64() -> None:
    with jax.enable_x64(True):
        t = jnp.int64(2**40)
        assert float(s(t)) == pytest.approx(1e-5, rel=1e-12)
        lin = lr.linear(1.0, 0.0, 2**41)
        assert float(lin(t)) == pytest.approx(0.5, rel=1e-12)
        c = lr.cosine(1.0, 0.0, 2**40 + 1)
        assert float(c(t)) == pytest.approx(c(2**40), rel=1e-9)
        assert float(lr.step(1.0, 2**39, gamma=0.5)(t)) == 0.25


def test_a_numpy_only_lambda_is_a_clear_error_at_compile() -> None:
    f = lr.lambda_(lambda t: float(np.cos(t)))
    with pytest.raises(TypeError, match=r"jax\.numpy"):
        f.compile("jax")
    ok = lr.lambda_(lambda t: 1 / (1 + t))
    assert float(jax.jit(ok.compile("jax"))(jnp.int32(3))) == 0.25


def test_nan_time_propagates_under_jax() -> None:
    assert np.isnan(float(s(jnp.float32(np.nan))))


@pytest.mark.parametrize("first", ["lrdsl", "jax"])
def test_schedules_are_pytrees_whatever_the_import_order(first: str) -> None:
    second = "jax" if first == "lrdsl" else "lrdsl"
    code = f"""
import {first}, {second}
import jax, jax.numpy as jnp, lrdsl as lr
s = lr.linear(0, 1e-3, 10) >> lr.cosine(1e-3, 0.0, 90)
leaves = jax.tree.leaves(s)
assert len(leaves) == 7, leaves
out = jax.jit(lambda sc, t: sc(t))(s, jnp.int32(5))
assert abs(float(out) - 5e-4) < 1e-9, out
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
