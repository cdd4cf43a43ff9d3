"""Pictures of schedules with Matplotlib: :func:`plot` (and ``s.plot(steps)``).

Matplotlib is imported on first use, never by ``import lrdsl``. Without a
display (and without a backend chosen by the user or Jupyter) the Agg backend
is used, so plotting works on servers and in CI.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._node import Schedule
from ._ops import is_plain
from ._optional import optional
from .errors import ScheduleError

__all__ = ["plot", "boundaries", "default_steps", "sample"]

#: Above this many steps, plots and charts sample the schedule instead of evaluating every step.
MAX_POINTS = 20_000


def boundaries(s: Schedule, steps: float = math.inf) -> list[float]:
    """Where the pieces of the chains in ``s`` begin, in ``s``'s own time, below ``steps``.

    Chains give their boundaries (nested ones shifted by where they start),
    ``warmup`` the end of its warmup, ``shift`` where it starts; arithmetic,
    ``minimum``/``maximum`` and ``clip`` the union of their operands'. Only
    concrete (not traced) numbers are considered.
    """
    from .combinators import Chain, Clip, PerEpoch, Shift, Warmup

    out: set[float] = set()
    todo: list[tuple[Schedule, float, float]] = [(s, 0.0, 1.0)]  # node, offset, time scale
    while todo:
        node, off, scale = todo.pop()
        if isinstance(node, Chain):
            starts = [0.0, *node.bounds]
            for b, piece in zip(starts, node.pieces):
                if not is_plain(b):
                    break
                if b:
                    out.add(off + b * scale)
                todo.append((piece, off + b * scale, scale))
        elif isinstance(node, Warmup) and is_plain(node.steps):
            out.add(off + node.steps * scale)
            todo.append((node.schedule, off + (node.steps * scale if node.shifted else 0.0), scale))
        elif isinstance(node, Shift) and is_plain(node.n):
            if node.n:
                out.add(off + node.n * scale)
            todo.append((node.schedule, off + node.n * scale, scale))
        elif isinstance(node, PerEpoch) and is_plain(node.steps_per_epoch):
            todo.append((node.schedule, off, scale * node.steps_per_epoch))
        elif isinstance(node, Clip) or type(node).__name__ in ("Sum", "Product", "BinOp", "Neg", "Minimum", "Maximum"):
            todo.extend((c, off, scale) for c in node.children())
    return sorted(b for b in out if 0 < b < steps)


def default_steps(*schedules: Schedule) -> int:
    """The number of steps to show: the longest finite duration (at least 1)."""
    finite = [s.duration for s in schedules if s.finite and is_plain(s.duration)]
    if not finite:
        raise ScheduleError("plot: steps is needed for a schedule without an end (its duration is inf)")
    return max(1, math.ceil(max(finite)))


def sample(s: Schedule, steps: int, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """``(t, s(t))`` for the integer steps ``0 .. steps - 1``: all of them, or, above
    ``max_points``, an even sample plus both sides of every boundary (so jumps stay sharp)."""
    if steps <= max_points:
        t = np.arange(steps)
    else:
        grid = np.linspace(0, steps - 1, max_points).round().astype(np.int64)
        edges = np.array(
            [x for b in boundaries(s, steps) for x in (math.ceil(b) - 1, math.ceil(b))], dtype=np.int64
        )
        t = np.unique(np.concatenate([grid, edges[(edges >= 0) & (edges < steps)]]))
    with np.errstate(all="ignore"):
        return t, np.asarray(s(t), dtype=np.float64)


def _pyplot() -> Any:
    with optional("plotting (s.plot, lr.plot, lrdsl plot)"):
        import matplotlib

    if (
        "matplotlib.pyplot" not in sys.modules
        and not os.environ.get("MPLBACKEND")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        and sys.platform.startswith("linux")
    ):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot(
    *schedules: Schedule,
    steps: int | None = None,
    labels: Sequence[str] | None = None,
    log: bool = False,
    ax: Any = None,
    title: str | None = None,
    mark_boundaries: bool = True,
) -> tuple[Any, Any]:
    """Plot the first ``steps`` values of each schedule; return ``(fig, ax)``.

    - ``steps``: how many steps (``t = 0 .. steps - 1``); by default the longest
      finite duration among the schedules.
    - ``labels``: one legend entry per schedule (default: the text form, cut
      short); a legend is drawn when there are several schedules or labels.
    - ``log``: a logarithmic value axis.
    - ``ax``: draw into these Matplotlib axes instead of a new figure.
    - ``mark_boundaries``: dotted vertical lines where chain pieces begin.

    The value at step ``t`` is held until ``t + 1`` (a step plot): that is the
    learning rate the update at ``t`` uses.

    >>> fig, ax = plot(linear(0, 1e-3, 100) >> cosine(1e-3, 0, 900), steps=1000)  # doctest: +SKIP
    """
    if not schedules:
        raise TypeError("plot: give at least one schedule")
    for i, s in enumerate(schedules):
        if not isinstance(s, Schedule):
            raise TypeError(f"plot: argument {i} must be a schedule, got {type(s).__name__}")
    if steps is None:
        steps = default_steps(*schedules)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ScheduleError(f"plot: steps must be an int >= 1, got {steps!r}")
    steps = int(steps)
    if labels is not None and len(labels) != len(schedules):
        raise ScheduleError(f"plot: {len(labels)} labels for {len(schedules)} schedules")
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    else:
        fig = ax.figure
    for i, s in enumerate(schedules):
        t, v = sample(s, steps)
        label = labels[i] if labels is not None else _short(str(s))
        (line,) = ax.plot(t, v, drawstyle="steps-post", label=label, linewidth=1.8)
        if mark_boundaries:
            for b in boundaries(s, steps):
                ax.axvline(b, color=line.get_color(), linestyle=":", linewidth=1.0, alpha=0.8)
    ax.set_xlim(0, max(steps - 1, 1))
    ax.set_xlabel("step t")
    ax.set_ylabel("value")
    if log:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    if len(schedules) > 1 or labels is not None:
        ax.legend(fontsize="small")
    if title is not None:
        ax.set_title(title)
    elif len(schedules) == 1 and labels is None:
        ax.set_title(_short(str(schedules[0]), 90), fontsize="small", family="monospace")
    return fig, ax


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."
