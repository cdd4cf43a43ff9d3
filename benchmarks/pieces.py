"""PIECES: the IN-JIT scan with a 64-piece chain of constant and linear pieces."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._harness import Table, Target, fmt_err, fmt_ratio, fmt_time, max_rel_error
from .injit import added_per_step, schedule_values

N_PIECES = 64
LENGTH = 150  # steps per piece: the 10,000-step scan crosses all 64 pieces


def plan() -> list[tuple[str, float, float, int]]:
    """The pieces: ``(kind, start, end, boundary)``, alternating constant and linear."""
    out = []
    for k in range(N_PIECES):
        level = 1e-3 * (1 + 0.5 * np.sin(k))
        nxt = 1e-3 * (1 + 0.5 * np.sin(k + 1))
        out.append(("constant", level, level, k * LENGTH) if k % 2 == 0 else ("linear", level, nxt, k * LENGTH))
    return out


def reference(t: np.ndarray) -> np.ndarray:
    """The chain at ``t`` in float64, from the plan."""
    pieces = plan()
    starts = np.array([p[3] for p in pieces])
    i = np.searchsorted(starts, t, side="right") - 1
    out = np.empty(t.shape)
    for k, (kind, a, b, t0) in enumerate(pieces):
        m = i == k
        u = np.minimum(t[m] - t0, LENGTH)
        out[m] = a if kind == "constant" else a + (b - a) * u / LENGTH
    return out


def hlo_ops(fn: Any) -> int:
    """The number of instructions in the optimized HLO of ``fn`` at an int32 count."""
    import jax
    import jax.numpy as jnp

    text = jax.jit(fn).lower(jnp.int32(0)).compile().as_text()
    return sum(1 for line in text.splitlines() if re.match(r"\s*(ROOT\s+)?[%\w.\-]+\s*=\s", line))


def run(quick: bool) -> Table:
    """Added time per step, compile time and HLO size of the 64-piece chain."""
    import jax.numpy as jnp
    import optax

    import lrdsl as lr

    steps = 2_000 if quick else 10_000
    rounds = 3 if quick else 21
    pieces = plan()
    bounds = [p[3] for p in pieces[1:]]

    # lrdsl: one chain; the simplifier turns it into a table lookup for JAX.
    s = lr.chain(
        *[lr.constant(a) if kind == "constant" else lr.linear(a, b, LENGTH) for kind, a, b, _ in pieces],
        boundaries=bounds,
    )
    # Optax: join_schedules of the same pieces.
    optax_fn = optax.join_schedules(
        [optax.constant_schedule(a) if kind == "constant" else optax.linear_schedule(a, b, LENGTH) for kind, a, b, _ in pieces],
        bounds,
    )
    # Hand-written: a searchsorted lookup of per-piece start value, slope and start time.
    b_arr = jnp.asarray(bounds, dtype=jnp.int32)
    t0s = jnp.asarray([p[3] for p in pieces], dtype=jnp.int32)
    v0 = jnp.asarray([a for _, a, _, _ in pieces], dtype=jnp.float32)
    slope = jnp.asarray([(b - a) / LENGTH for _, a, b, _ in pieces], dtype=jnp.float32)

    def hand(count: Any) -> Any:
        i = jnp.searchsorted(b_arr, count, side="right")
        return v0[i] + slope[i] * jnp.minimum(count - t0s[i], LENGTH).astype(jnp.float32)

    variants = {"hand-written searchsorted lookup (limit)": hand, "lrdsl s.compile('jax')": s.compile("jax"),
                "optax.join_schedules": optax_fn}
    ref = reference(np.arange(steps))
    errors = {name: max_rel_error(schedule_values(fn, steps), ref) for name, fn in variants.items()}
    ops = {name: hlo_ops(fn) for name, fn in variants.items()}
    timed = added_per_step(rounds, steps, variants)
    limit = timed["hand-written searchsorted lookup (limit)"][1]

    table = Table(
        "PIECES",
        f"The IN-JIT scan ({steps:,} Adam steps) with a {N_PIECES}-piece chain of constant and linear pieces"
        f" (medians over {rounds} rounds); added: time per step over the constant-lr floor; ratio: added"
        " time to the hand-written lookup's; HLO ops: instructions of the schedule alone, jitted at an int32"
        " count, after optimization.",
        ["contestant", "added per step", "ratio to limit", "compile (whole scan)", "HLO ops", "max rel error"],
    )
    for name, (_, added, compile_time) in timed.items():
        ratio = added / limit if name in variants and limit > 0 else None
        table.rows.append([name, fmt_time(added), fmt_ratio(ratio), fmt_time(compile_time),
                           str(ops.get(name, "-")), fmt_err(errors.get(name))])
    ours, theirs = timed["lrdsl s.compile('jax')"], timed["optax.join_schedules"]
    table.targets = [
        Target("lrdsl added per step / Optax's", ours[1] / theirs[1] if theirs[1] > 0 else None, 0.5),
        Target("lrdsl compile time / Optax's", ours[2] / theirs[2], 1.0, quantity="the compile time"),
        Target(
            "lrdsl HLO ops / Optax's",
            hlo := ops["lrdsl s.compile('jax')"] / ops["optax.join_schedules"],
            0.25,
            means=f"lrdsl's compiled schedule has {hlo:.3g}x as many HLO ops as Optax's (smaller is better).",
        ),
    ]
    return table
