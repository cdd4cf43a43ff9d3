"""Data-parallel training on 4 (forced host) devices with a schedule: the same lr on
every device and the same parameters as the single-device run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("jax")
pytest.importorskip("optax")

SCRIPT = textwrap.dedent(
    """
    import jax, jax.numpy as jnp, numpy as np, optax
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import lrdsl as lr
    from lrdsl.optax import inject

    assert len(jax.devices()) == 4
    s = lr.linear(0.0, 5e-2, 20) >> lr.cosine(5e-2, 1e-4, 80)
    opt = inject(optax.adam, learning_rate=s)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.3).astype(np.float32)

    def loss(p, x, y):
        return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)

    def step(p, state, x, y):
        updates, state = opt.update(jax.grad(loss)(p, x, y), state, p)
        return optax.apply_updates(p, updates), state

    def run(x, y):
        p = {"w": jnp.zeros(3), "b": jnp.zeros(())}
        state = opt.init(p)
        f = jax.jit(step)
        lrs = []
        for _ in range(100):
            # One step at a time: XLA's CPU client runs each device's part on a
            # shared thread pool (3 threads on a 2-core machine), and two steps in
            # flight at once can each hold threads waiting for an all-reduce.
            p, state = jax.block_until_ready(f(p, state, x, y))
            lrs.append(state.hyperparams["learning_rate"])
        return p, state, lrs

    p1, _, lrs1 = run(jnp.asarray(x), jnp.asarray(y))
    mesh = Mesh(np.array(jax.devices()), ("data",))
    xs = jax.device_put(x, NamedSharding(mesh, P("data")))
    ys = jax.device_put(y, NamedSharding(mesh, P("data")))
    p4, state4, lrs4 = run(xs, ys)
    assert len(xs.sharding.device_set) == 4
    lr_shards = [np.asarray(sh.data) for sh in state4.hyperparams["learning_rate"].addressable_shards]
    assert len(lr_shards) == 4 and all(v == lr_shards[0] for v in lr_shards), lr_shards
    np.testing.assert_allclose(np.asarray(lrs4), np.asarray(lrs1), rtol=0, atol=0)
    np.testing.assert_allclose(float(lrs4[-1]), s(99), rtol=1e-6)
    for k in p1:
        np.testing.assert_allclose(np.asarray(p4[k]), np.asarray(p1[k]), rtol=1e-5, atol=1e-6)
    print("OK")
    """
)


def test_data_parallel_step_on_4_devices_matches_one_device() -> None:
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "OK" in out.stdout
