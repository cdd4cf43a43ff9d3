"""A chart of a schedule for terminals: :func:`chart` (used by ``lrdsl show``).

Each column covers an equal span of steps and is drawn from the smallest to
the largest value in its span (joined to the column before), so jumps and
staircases stay visible. Chain boundaries are marked ``^`` under the axis.
"""

from __future__ import annotations

import math

import numpy as np

from ._node import Schedule
from .errors import ScheduleError
from .plotting import boundaries, default_steps

__all__ = ["chart", "sample_times", "for_display"]


def for_display(s: Schedule) -> Schedule:
    """``s`` as evaluated for a summary or a chart: simplified with tables, so that a
    chain of thousands of pieces is one lookup (NumPy evaluates a chain piece by
    piece); the same values up to float64 rounding (see :mod:`lrdsl.simplify`)."""
    from .simplify import simplify

    return simplify(s, tables=True)


def sample_times(s: Schedule, steps: int, n: int) -> np.ndarray:
    """Steps of ``0 .. steps - 1`` to evaluate: all of them when there are at most ``n``;
    else ``n`` evenly spaced, and both sides of every boundary (so jumps stay sharp).
    Integers while they are exact in float64 (``steps <= 2**53``), floats beyond."""
    if steps <= n:
        return np.arange(steps)
    edges = [x for b in boundaries(s, steps) for x in (math.ceil(b) - 1, math.ceil(b))]
    edges = [x for x in edges if 0 <= x < steps]
    grid: np.ndarray = np.linspace(0.0, float(steps - 1), n)
    kind = np.int64 if steps <= 2**53 else np.float64
    if kind is np.int64:
        grid = grid.round()
    return np.unique(np.concatenate([grid.astype(kind), np.array(edges, dtype=kind)]))


def chart(s: Schedule, steps: int | None = None, width: int = 60, height: int = 12) -> str:
    """The first ``steps`` values of ``s`` as text, ``height`` rows of ``width`` columns
    plus the axes (``steps`` defaults to the duration when it is finite).

    >>> print(chart(linear(0, 1, 10), width=10, height=3))  # doctest: +NORMALIZE_WHITESPACE
    0.9 |       ***
        |   *****
      0 |****
        +----------
         0       10
    """
    if steps is None:
        steps = default_steps(s)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ScheduleError(f"chart: steps must be an int >= 1, got {steps!r}")
    if width < 2 or height < 2:
        raise ScheduleError(f"chart: width and height must be >= 2, got {width} x {height}")
    steps = int(steps)
    width = min(width, steps) if steps >= 2 else width
    t = sample_times(s, steps, max(20 * width, 2000))
    with np.errstate(all="ignore"):
        v = np.asarray(for_display(s)(t), dtype=np.float64)
    ok = np.isfinite(v)
    lo, hi = (float(v[ok].min()), float(v[ok].max())) if ok.any() else (0.0, 1.0)

    def row(x: float) -> int:
        return 0 if hi == lo else round((x - lo) / (hi - lo) * (height - 1))

    grid = [[" "] * width for _ in range(height)]
    if t.dtype.kind == "i":  # exact: steps <= 2**53
        col = np.minimum((t * width) // steps, width - 1)
    else:
        col = np.minimum(np.floor(t * width / float(steps)).astype(np.int64), width - 1)
    prev: int | None = None
    for c in range(width):
        vals = v[(col == c) & ok]
        if not len(vals):
            continue
        r0, r1 = row(float(vals.min())), row(float(vals.max()))
        if prev is not None:  # join to the column before
            r0, r1 = min(r0, prev), max(r1, prev)
        for r in range(r0, r1 + 1):
            grid[height - 1 - r][c] = "*"
        prev = row(float(vals[-1]))
    labels = {0: _num(hi), height - 1: _num(lo)}
    if height >= 5:
        labels[(height - 1) // 2] = _num(lo + (hi - lo) * (height - 1 - (height - 1) // 2) / (height - 1))
    pad = max(len(x) for x in labels.values())
    lines = [f"{labels.get(i, ''):>{pad}} |{''.join(r)}" for i, r in enumerate(grid)]
    axis = ["-"] * width
    for b in boundaries(s, steps):
        axis[min(int(b * width // steps), width - 1)] = "^"
    lines.append(f"{'':>{pad}} +{''.join(axis)}")
    end = str(steps) if steps < 10**15 else f"{float(steps):.3g}"
    lines.append(f"{'':>{pad}}  0{end:>{width - 1}}")
    return "\n".join(lines)


def _num(x: float) -> str:
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    return f"{x:.3g}"
