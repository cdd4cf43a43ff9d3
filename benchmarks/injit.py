"""IN-JIT: ``lax.scan`` of ``optax.adam`` steps on 10 parameters, the schedule inside."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ._harness import (
    DECAY,
    END,
    PEAK,
    WARMUP,
    Table,
    Target,
    fmt_err,
    fmt_ratio,
    fmt_time,
    max_rel_error,
    median_time,
    reference,
)


def scan_runner(schedule: Any, steps: int) -> tuple[Callable[[], Any], float]:
    """A jitted ``lax.scan`` of ``steps`` Adam updates with learning rate ``schedule``
    (a number or a function of the count), ready to call; and its compile time."""
    import jax
    import jax.numpy as jnp
    import optax

    opt = optax.adam(learning_rate=schedule)
    params = jnp.linspace(-1.0, 1.0, 10)
    target = jnp.linspace(0.5, -0.5, 10)

    def train(params: Any) -> Any:
        state = opt.init(params)

        def body(carry: Any, _: Any) -> Any:
            p, s = carry
            g = p - target
            updates, s = opt.update(g, s, p)
            return (optax.apply_updates(p, updates), s), None

        (p, _), _ = jax.lax.scan(body, (params, state), None, length=steps)
        return p

    start = time.perf_counter()
    compiled = jax.jit(train).lower(params).compile()
    compile_time = time.perf_counter() - start
    return (lambda: compiled(params).block_until_ready()), compile_time


def schedule_values(fn: Any, steps: int) -> np.ndarray:
    """``fn`` at the counts ``0..steps-1`` as Optax passes them (int32), under jit."""
    import jax
    import jax.numpy as jnp

    return np.asarray(jax.jit(jax.vmap(fn))(jnp.arange(steps, dtype=jnp.int32)))


def added_per_step(rounds: int, steps: int, variants: dict[str, Any]) -> dict[str, tuple[float, float, float]]:
    """For each variant, ``(time per run, time per step added over the constant-lr floor,
    compile time)``; the variants are timed interleaved, round by round, so that load
    on the machine falls on all of them alike."""
    runners = {name: scan_runner(sched, steps) for name, sched in variants.items()}
    floor_run, floor_compile = scan_runner(PEAK, steps)
    for run, _ in runners.values():
        run()
    floor_run()
    per_round: dict[str, list[float]] = {name: [] for name in runners}
    floors: list[float] = []
    for _ in range(rounds):
        floors.append(median_time(floor_run, 3, warmup=0))
        for name, (run, _) in runners.items():
            per_round[name].append(median_time(run, 3, warmup=0))
    floor = float(np.median(floors))
    out = {"constant lr (floor)": (floor, 0.0, floor_compile)}
    for name, times in per_round.items():
        added = float(np.median(np.asarray(times) - np.asarray(floors))) / steps
        out[name] = (float(np.median(times)), added, runners[name][1])
    return out


def run(quick: bool) -> Table:
    """The added time per step of each schedule inside a jitted Adam scan."""
    import jax.numpy as jnp
    import optax

    import lrdsl as lr

    steps = 2_000 if quick else 10_000
    rounds = 3 if quick else 21

    def hand(count: Any) -> Any:
        t = count
        warm = PEAK * t / WARMUP
        u = jnp.minimum(t - WARMUP, DECAY)
        cos = END + (PEAK - END) * 0.5 * (1 + jnp.cos(jnp.pi * u / DECAY))
        return jnp.where(t < WARMUP, warm, cos)

    s = lr.linear(0, PEAK, WARMUP) >> lr.cosine(PEAK, END, DECAY)
    variants = {
        "hand-written jnp (limit)": hand,
        "lrdsl schedule (optax.adam(learning_rate=s))": s,
        "lrdsl s.compile('jax')": s.compile("jax"),
        "optax.warmup_cosine_decay_schedule": optax.warmup_cosine_decay_schedule(
            0.0, PEAK, WARMUP, WARMUP + DECAY, end_value=END
        ),
    }
    ref = reference(np.arange(steps))
    errors = {name: max_rel_error(schedule_values(fn, steps), ref) for name, fn in variants.items()}
    timed = added_per_step(rounds, steps, variants)
    limit = timed["hand-written jnp (limit)"][1]

    table = Table(
        "IN-JIT",
        f"`lax.scan` of {steps:,} `optax.adam` steps on 10 parameters, jitted (medians over {rounds} rounds);"
        " added: time per step over the constant-lr floor; ratio: added time to the hand-written jnp's;"
        f" error: max relative of the schedule's float32 values at counts 0..{steps - 1:,} against float64.",
        ["contestant", "scan time", "added per step", "ratio to limit", "max rel error", "compile"],
    )
    for name, (total, added, compile_time) in timed.items():
        ratio = added / limit if name != "constant lr (floor)" and limit > 0 else None
        table.rows.append([name, fmt_time(total), fmt_time(added), fmt_ratio(ratio), fmt_err(errors.get(name)), fmt_time(compile_time)])
    lrdsl_added = timed["lrdsl schedule (optax.adam(learning_rate=s))"][1]
    table.targets = [
        Target("lrdsl added per step / hand-written jnp's", lrdsl_added / limit if limit > 0 else None, 1.1,
               why="differences of a few ns per step are within the noise of a shared machine"),
    ]
    return table
