"""CURVE: the whole curve at t = 0..N-1 as an array (N = 1,000,000; warmup N/100 steps,
cosine the rest, so every point lies inside the schedule)."""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from ._harness import (
    END,
    PEAK,
    Table,
    Target,
    fmt_err,
    fmt_ratio,
    fmt_time,
    max_rel_error,
    reference,
    unavailable,
)


def run(quick: bool) -> Table:
    """Time every contestant on the curve and check it against the float64 reference."""
    import jax
    import jax.numpy as jnp
    import optax

    import lrdsl as lr

    n = 50_000 if quick else 1_000_000
    rounds = 3 if quick else 9
    warm, decay = n // 100, n - n // 100
    t_np = np.arange(n)
    t_jax = jnp.arange(n)
    ref = reference(t_np, warm, decay)
    results: dict[str, tuple[float | None, float | None, str]] = {}
    timed: dict[str, tuple[Any, int]] = {}

    def record(name: str, fn: Any, rounds: int = rounds, note: str = "") -> None:
        """Check ``fn``'s values now (its first call also compiles it); time it later."""
        try:
            out = fn()
            results[name] = (None, max_rel_error(np.asarray(out), ref), note)
            timed[name] = (fn, rounds)
        except Exception as e:  # a contestant that cannot run is a row, not a crash
            results[name] = (None, None, unavailable(name, e)[-1])

    # The hand-written limits.
    def hand_numpy() -> np.ndarray:
        t = t_np
        warmup_part = PEAK * t / warm
        cosine_part = END + (PEAK - END) * 0.5 * (1 + np.cos(np.pi * (t - warm) / decay))
        return np.where(t < warm, warmup_part, cosine_part)

    @jax.jit
    def hand_jnp(t: Any) -> Any:
        warmup_part = PEAK * t / warm
        cosine_part = END + (PEAK - END) * 0.5 * (1 + jnp.cos(jnp.pi * (t - warm) / decay))
        return jnp.where(t < warm, warmup_part, cosine_part)

    s = lr.linear(0, PEAK, warm) >> lr.cosine(PEAK, END, decay)
    s_numpy = s.compile("numpy")
    s_jax = jax.jit(s.compile("jax"))
    optax_fn = jax.jit(
        optax.warmup_cosine_decay_schedule(0.0, PEAK, warm, n, end_value=END)
    )

    record("hand-written NumPy (np.where)", hand_numpy)
    record("lrdsl NumPy: s.compile('numpy')(t)", lambda: s_numpy(t_np))
    record("lrdsl NumPy: s(t)", lambda: s(t_np))
    record("hand-written jnp under jit", lambda: hand_jnp(t_jax).block_until_ready())
    record("lrdsl JAX: jit(s.compile('jax'))(t)", lambda: s_jax(t_jax).block_until_ready())
    record("optax.warmup_cosine_decay_schedule under jit", lambda: optax_fn(t_jax).block_until_ready())
    record("PyTorch SequentialLR stepped in a loop", lambda: _torch_curve(n, warm, decay), rounds=1,
           note="one round (too slow for more)")

    # Rounds interleaved across contestants, so that a change of load on this
    # shared machine falls on all of them alike.
    samples: dict[str, list[float]] = {name: [] for name in timed}
    for r in range(rounds):
        for name, (fn, k) in timed.items():
            if r < k:
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
    for name, got in samples.items():
        results[name] = (statistics.median(got), *results[name][1:])

    limits = {"NumPy": "hand-written NumPy (np.where)", "JAX": "hand-written jnp under jit"}

    def limit_of(name: str) -> str:
        return limits["JAX"] if ("jnp" in name or "JAX" in name or "optax" in name) else limits["NumPy"]

    table = Table(
        "CURVE",
        f"The warmup-cosine curve at t = 0..{n - 1:,} as one array (warmup {warm:,} steps, cosine {decay:,});"
        " median of the whole curve; ratio to the hand-written form of the same backend"
        " (PyTorch: to hand-written NumPy); error: max relative to the float64 reference.",
        ["contestant", "median", "ratio to limit", "limit", "max rel error", "note"],
    )
    for name, (sec, err, note) in results.items():
        limit = limit_of(name)
        base = results[limit][0]
        ratio = sec / base if sec is not None and base else None
        table.rows.append([name, fmt_time(sec), fmt_ratio(ratio), limit.split(" ")[1], fmt_err(err), note])

    def ratio(a: str, b: str) -> float | None:
        x, y = results[a][0], results[b][0]
        return x / y if x is not None and y else None

    table.targets = [
        Target("lrdsl NumPy (compiled) / hand-written NumPy", ratio("lrdsl NumPy: s.compile('numpy')(t)", limits["NumPy"]), 0.6,
               why="one float64 np.sin over the curve alone takes ~0.5x the hand-written form: see RESULTS.md"),
        Target("lrdsl JAX / hand-written jnp", ratio("lrdsl JAX: jit(s.compile('jax'))(t)", limits["JAX"]), 1.05),
        Target("lrdsl JAX / Optax", ratio("lrdsl JAX: jit(s.compile('jax'))(t)", "optax.warmup_cosine_decay_schedule under jit"), 1.0),
        Target("PyTorch / lrdsl NumPy (speed-up)", ratio("PyTorch SequentialLR stepped in a loop", "lrdsl NumPy: s.compile('numpy')(t)"), 150, at_least=True),
        Target("PyTorch / lrdsl JAX (speed-up)", ratio("PyTorch SequentialLR stepped in a loop", "lrdsl JAX: jit(s.compile('jax'))(t)"), 150, at_least=True),
    ]
    return table


def _torch_curve(n: int, warm: int, decay: int) -> np.ndarray:
    """The curve from PyTorch: LambdaLR warmup (exactly 0 at t = 0, which LinearLR cannot
    start from), then CosineAnnealingLR, in SequentialLR, stepped ``n - 1`` times."""
    import warnings

    import torch

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=PEAK)
    warmup = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: k / warm)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=decay, eta_min=END)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = torch.optim.lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[warm])
        out = np.empty(n)
        group = opt.param_groups[0]
        for k in range(n):
            out[k] = group["lr"]
            sched.step()
    return out
