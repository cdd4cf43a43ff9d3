"""SCALE: big expressions (issue 10): a chain of 10,000 pieces built, jitted, evaluated,
printed and read back; ``lrdsl show`` of schedules of any length."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from ._harness import Table, Target, fmt_ratio, fmt_time, median_time

N_PIECES = 10_000


def piece(k: int) -> Any:
    """The ``k``-th piece: linear, cosine and constant-length pieces of a few steps."""
    import lrdsl as lr

    level = 1e-3 * (1 + (k % 11) / 10)
    if k % 3 == 0:
        return lr.linear(level, level / 2, 5 + k % 7)
    if k % 3 == 1:
        return lr.cosine(level / 2, level, 3 + k % 5)
    return lr.linear(level, level, 2 + k % 3)


def build(n: int) -> Any:
    """A chain of ``n`` pieces, built the way a user writes it: ``>>`` in a loop."""
    s = piece(0)
    for k in range(1, n):
        s = s >> piece(k)
    return s


def once(fn: Callable[[], Any], rounds: int) -> float:
    """The median over ``rounds`` of one call of ``fn`` (no warm-up: each call is a first)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def on_fresh(fn: Callable[[Any], Any], s: Any, rounds: int) -> float:
    """The median over ``rounds`` of ``fn(copy)``, each on a fresh copy of ``s`` (new
    nodes, nothing cached on them), made outside the timing."""
    import pickle

    times = []
    for _ in range(rounds):
        fresh = pickle.loads(pickle.dumps(s))
        start = time.perf_counter()
        fn(fresh)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def show_time(expr: str, rounds: int) -> float:
    """Wall time of ``python -m lrdsl show EXPR`` in a fresh process."""

    def call() -> None:
        subprocess.run([sys.executable, "-m", "lrdsl", "show", expr], capture_output=True, check=True)

    return once(call, rounds)


def run(quick: bool) -> Table:
    """Times of the operations on a 10,000-piece chain, and of ``lrdsl show``."""
    import jax
    import jax.numpy as jnp

    import lrdsl as lr
    from lrdsl.simplify import simplify

    n = 2_000 if quick else N_PIECES
    rounds = 3 if quick else 7
    s = build(n)
    text = str(s)
    assert lr.parse(text) == s

    def jitted(fresh: Any) -> None:
        jax.block_until_ready(jax.jit(fresh.compile("jax"))(jnp.int32(12_345)))

    fn = s.compile("python")
    times = [random.Random(k).randrange(int(s.duration)) for k in range(64)]
    s(times[0])
    it = iter(times * 10_000)

    measured = {
        "build: `s = s >> piece` in a loop": (once(lambda: build(n), rounds), 0.5),
        "jit: `jax.jit(s.compile('jax'))`, traced and compiled": (on_fresh(jitted, s, min(rounds, 3)), 1.0),
        "one value: `s(t)` at a Python int": (median_time(lambda: s(next(it)), rounds, number=200), 50e-6),
        "read back: `lr.parse(str(s))`": (once(lambda: lr.parse(text), rounds), 1.0),
    }
    ready = [piece(k) for k in range(n)]
    doc = s.to_dict()

    def join() -> None:
        t = ready[0]
        for p in ready[1:]:
            t = t >> p

    info = {
        "build, the `>>` alone (pieces built before)": once(join, rounds),
        "str(s)": on_fresh(str, s, rounds),
        "s.to_dict()": on_fresh(lambda x: x.to_dict(), s, rounds),
        "lr.from_dict(d)": once(lambda: lr.from_dict(doc), rounds),
        "s == copy, and hash(s) (structural)": on_fresh(lambda x: (x == s, hash(x)), s, rounds),
        "simplify(s) (tables, for JAX)": on_fresh(lambda x: simplify(x), s, rounds),
        "one value: `s.compile('python')(t)`": median_time(lambda: fn(next(it)), rounds, number=200),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "chain.txt")
        with open(path, "w") as f:
            f.write(text)
        shows = {
            "`lrdsl show 'cosine(1, 0, 10**10)'` (a whole process)": show_time("cosine(1, 0, 10**10)", rounds),
            f"`lrdsl show @chain.txt` ({n:,} pieces; a whole process)": show_time(f"@{path}", rounds),
            "`lrdsl show 'cyclic(0.1, 1, 500) ... --steps 10**12'` (a whole process)": once(
                lambda: subprocess.run(
                    [sys.executable, "-m", "lrdsl", "show", "cyclic(0.1, 1, 500)", "--steps", str(10**12)],
                    capture_output=True,
                    check=True,
                ),
                rounds,
            ),
        }
    for name, seconds in shows.items():
        measured[name] = (seconds, 2.0)

    table = Table(
        "SCALE",
        f"A chain of {n:,} linear and cosine pieces (issue 10; medians of {rounds} rounds, each a first call"
        " where caching would otherwise help); ratio: the time to the issue's target.",
        ["contestant", "time", "target", "ratio to target"],
    )
    for name, (seconds, bound) in measured.items():
        table.rows.append([name, fmt_time(seconds), fmt_time(bound), fmt_ratio(seconds / bound)])
    for name, seconds in info.items():
        table.rows.append([name, fmt_time(seconds), "-", "-"])
    table.targets = [Target(name, seconds / bound, 1.0) for name, (seconds, bound) in measured.items()]
    if quick:
        table.notes.append(f"--quick: {n:,} pieces, not {N_PIECES:,}.")
    return table
