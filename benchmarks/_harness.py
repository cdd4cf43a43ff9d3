"""Timing, references and tables shared by the workloads."""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The reference schedule of issue 6: linear warmup 0 -> 1e-3 over 1,000 steps, then
#: cosine 1e-3 -> 1e-5 over 99,000 steps.
PEAK, END, WARMUP, DECAY = 1e-3, 1e-5, 1_000, 99_000


def reference(t: Any, warmup: int = WARMUP, decay: int = DECAY) -> np.ndarray:
    """The warmup-cosine schedule at ``t`` in extended precision, rounded to float64:
    written here independently of every contestant."""
    u = np.asarray(t, dtype=np.longdouble)
    warm = PEAK * u / warmup
    x = np.clip((u - warmup) / decay, 0, 1)
    cos = END + (PEAK - END) * (1 + np.cos(np.pi * x)) / 2
    return np.where(u < warmup, warm, cos).astype(np.float64)


def max_rel_error(values: Any, ref: np.ndarray) -> float:
    """The largest ``|value - ref| / |ref|`` (``|value - ref|`` where ``ref`` is 0)."""
    v = np.asarray(values, dtype=np.float64).reshape(ref.shape)
    err = np.abs(v - ref) / np.where(ref == 0, 1.0, np.abs(ref))
    return float(err.max()) if err.size else 0.0


def median_time(fn: Callable[[], Any], rounds: int, number: int = 1, warmup: int = 1) -> float:
    """The median over ``rounds`` of the time of one call of ``fn`` (each round times
    ``number`` calls), in seconds, with the garbage collector off while timing."""
    for _ in range(warmup):
        fn()
    times = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times.append((time.perf_counter() - start) / number)
    finally:
        if enabled:
            gc.enable()
    return statistics.median(times)


def fmt_time(seconds: float | None) -> str:
    """``seconds`` with a readable unit."""
    if seconds is None or math.isnan(seconds):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_ratio(r: float | None) -> str:
    if r is None or math.isnan(r):
        return "-"
    return f"{r:.3g}x"


def fmt_err(e: float | None) -> str:
    return "-" if e is None else f"{e:.1e}"


@dataclass
class Target:
    """One target of the issue: ``measured`` must be at most ``bound`` (or at least it,
    with ``at_least``). ``text`` names the ratio as ``"A / B"``; ``quantity`` is what
    the ratio compares (``"the time"``, ``"the HLO ops"``); ``means`` overrides the
    generated line on what the ratio means."""

    text: str
    measured: float | None
    bound: float
    at_least: bool = False
    why: str = ""
    quantity: str = "the time"
    means: str = ""

    @property
    def met(self) -> bool | None:
        if self.measured is None or math.isnan(self.measured):
            return None
        return self.measured >= self.bound if self.at_least else self.measured <= self.bound

    def meaning(self) -> str:
        """One line on what the measured ratio says, in the terms of the two sides."""
        if self.means:
            return self.means
        if self.measured is None or math.isnan(self.measured):
            return ""
        if " / " not in self.text:  # a time against a fixed bound
            return f"{self.text} takes {self.measured:.3g}x the time its target allows (lower is better)."
        a, b = (x.removesuffix(" (speed-up)").strip() for x in self.text.split(" / ", 1))
        r = self.measured
        if self.at_least:  # a speed-up: A takes r times what B takes
            return f"{a} takes {r:.3g} times {self.quantity} of {b}: {b} is {r:.3g}x faster."
        side = "less" if r < 1 else "more" if r > 1 else "as much"
        return f"{a} takes {r:.3g}x {self.quantity} of {b} ({side}; lower is better)."

    def render(self) -> str:
        verdict = {True: "met", False: "not met", None: "not measured"}[self.met]
        sign = ">=" if self.at_least else "<="
        out = f"- {self.text}: {fmt_ratio(self.measured)} (target {sign} {self.bound:g}x): {verdict}"
        meaning = self.meaning()
        if meaning:
            out += f"\n  {meaning}"
        if self.why and self.met is not True:
            out += f"\n  Why: {self.why}"
        return out


@dataclass
class Table:
    """A workload's result: a Markdown table, its targets and notes."""

    name: str
    description: str
    columns: Sequence[str]
    rows: list[list[str]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        widths = [max(len(c), *(len(r[i]) for r in self.rows)) if self.rows else len(c) for i, c in enumerate(self.columns)]
        line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
        out = [f"## {self.name}", "", self.description, "", line(self.columns)]
        out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        out += [line(r) for r in self.rows]
        if self.targets:
            out += ["", "Targets:", *(t.render() for t in self.targets)]
        if self.notes:
            out += ["", *(f"Note: {n}" for n in self.notes)]
        return "\n".join(out) + "\n"


def unavailable(name: str, error: BaseException) -> list[str]:
    """A row for a contestant that could not run."""
    return [name, "-", "-", "-", f"not available: {type(error).__name__}: {error}"[:120]]
