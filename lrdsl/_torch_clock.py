"""The step clock and the drift check of :class:`lrdsl.torch.Scheduler`.

- :class:`OptimizerTick`: the optimizer step post-hook (``register_step_post_hook``)
  of ``clock="optimizer"``, and of ``check=True`` (which counts optimizer steps to
  compare with ``step()`` calls). It holds the scheduler by a weak reference, so a
  scheduler that is gone stops counting; optimizers do not pickle their hooks, so
  the scheduler registers a new one when it is unpickled or copied.
- :class:`Drift`: what the scheduler last wrote in each driven slot (the group dict
  and the value), compared before the next write; a :class:`DriftWarning` once per
  cause.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Sequence
from typing import Any

__all__ = ["CLOCKS", "DriftWarning", "OptimizerTick", "Drift"]

#: The clocks a Scheduler counts with.
CLOCKS = ("step", "optimizer")


class DriftWarning(UserWarning):
    """A driven value is not what the scheduler set, or the scheduler and the optimizer
    step at different rates (``Scheduler(..., check=True)``)."""


class OptimizerTick:
    """An optimizer step post-hook calling ``scheduler._optimizer_stepped()``."""

    def __init__(self, scheduler: Any) -> None:
        self.ref = weakref.ref(scheduler)

    def __call__(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        sched = self.ref()
        if sched is not None:
            sched._optimizer_stepped()


def read(group: dict[str, Any], key: str, beta: int | None) -> float:
    """The value at ``group[key]`` (or ``group[key][beta]``) as a float."""
    v = group[key] if beta is None else group[key][beta]
    return float(v)


class Drift:
    """The drift check's memory: for each slot, the group dict written and the value
    read back after writing; the causes already warned about; the step counts."""

    def __init__(self) -> None:
        self.written: list[tuple[Any, float]] | None = None
        self.t = 0
        self.warned: set[str] = set()
        self.optimizer_steps = 0
        self.scheduler_steps = 0

    def record(self, groups: Sequence[dict[str, Any]], slots: Sequence[Any], t: int) -> None:
        """Remember what was just written (read back: a tensor holds it in its own dtype)."""
        self.written = [(groups[s.group], read(groups[s.group], s.key, s.beta)) for s in slots]
        self.t = t

    def check(self, groups: Sequence[dict[str, Any]], slots: Sequence[Any]) -> None:
        """Warn (once per cause) where a slot's value is not what was written."""
        written = self.written
        if written is None:
            return
        for slot, (group_then, value) in zip(slots, written):
            if slot.group >= len(groups):
                continue
            group = groups[slot.group]
            try:
                found = read(group, slot.key, slot.beta)
            except (KeyError, IndexError, TypeError, ValueError):
                continue
            if found == value or (found != found and value != value):
                continue
            cause = "replaced" if group is not group_then else "other"
            if cause in self.warned:
                continue
            self.warned.add(cause)
            why = (
                "the optimizer's param groups were replaced (optimizer.load_state_dict after the scheduler's?)"
                if cause == "replaced"
                else "something else wrote it (a second scheduler, or a manual write)"
            )
            warnings.warn(
                f"Scheduler: param group {slot.group}'s {slot.name!r} is {found!r}, but this Scheduler set it"
                f" to {value!r} at step {self.t}: {why}; this Scheduler overwrites it",
                DriftWarning,
                stacklevel=4,
            )

    def count(self) -> None:
        """On ``step()`` with the step clock: warn (once) if the scheduler has stepped
        a different number of times than the optimizer."""
        self.scheduler_steps += 1
        if self.scheduler_steps != self.optimizer_steps and "count" not in self.warned:
            self.warned.add("count")
            warnings.warn(
                f"Scheduler: step() was called {self.scheduler_steps} times for {self.optimizer_steps}"
                " optimizer steps: the count is off (a scheduler stepped per process, per micro-batch or"
                " per epoch, or a step GradScaler skipped); clock='optimizer' counts the optimizer steps"
                " that ran",
                DriftWarning,
                stacklevel=4,
            )
