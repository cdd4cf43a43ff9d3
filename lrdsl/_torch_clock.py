"""The step clock and the drift check of :class:`lrdsl.torch.Scheduler` and
:class:`lrdsl.torch.Plan` (one code for both).

- :class:`OptimizerTick` (registered by :func:`register_tick`): the optimizer step
  post-hook (``register_step_post_hook``) of ``clock="optimizer"``, and of
  ``check=True`` (which counts optimizer steps to compare with ``step()`` calls).
  It calls its owner's ``_optimizer_stepped()`` (eagerly, outside the graph, when a
  ``torch.compile``'d ``optimizer.step()`` runs it). It holds the owner by a weak
  reference, so an owner that is gone stops counting; optimizers do not pickle
  their hooks, so a Scheduler registers a new one when it is unpickled or copied.
- :class:`Drift`: what the owner last wrote in each driven slot (the group dict
  and the value), compared before the next write; a :class:`DriftWarning` once per
  cause.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Sequence
from typing import Any

import torch

from .errors import ScheduleError

__all__ = ["CLOCKS", "DriftWarning", "OptimizerTick", "Drift", "check_clock", "register_tick", "under_compile"]

#: The clocks a Scheduler counts with.
CLOCKS = ("step", "optimizer")


class DriftWarning(UserWarning):
    """A driven value is not what the scheduler set, or the scheduler and the optimizer
    step at different rates (``Scheduler(..., check=True)``)."""


def check_clock(where: str, clock: Any, check: Any) -> None:
    """``clock`` is one of :data:`CLOCKS` and ``check`` a bool (errors name ``where``)."""
    if not isinstance(clock, str):
        raise TypeError(f"{where}: clock must be 'step' or 'optimizer', got {type(clock).__name__} {clock!r}")
    if clock not in CLOCKS:
        raise ScheduleError(f"{where}: clock must be 'step' or 'optimizer', got {clock!r}")
    if not isinstance(check, bool):
        raise TypeError(f"{where}: check must be True or False, got {check!r}")


try:  # set while a torch.compile'd function runs (also in the parts it runs eagerly)
    from torch._C._dynamo.eval_frame import get_eval_frame_callback as _callback
except ImportError:  # pragma: no cover - an older PyTorch
    _callback = type(None)


@torch._dynamo.assume_constant_result  # dynamo calls it while tracing: True there, no graph break
def under_compile() -> bool:
    """Whether a ``torch.compile``'d function is running or being traced."""
    return _callback() is not None


@torch.compiler.disable
def _tick_outside_graph(owner: Any) -> None:
    """The optimizer-step hook, run eagerly when a compiled ``optimizer.step()`` calls it."""
    owner._optimizer_stepped()


class OptimizerTick:
    """An optimizer step post-hook calling ``owner._optimizer_stepped()`` (a Scheduler's
    or a Plan's)."""

    def __init__(self, owner: Any) -> None:
        self.ref = weakref.ref(owner)

    def __call__(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        owner = self.ref()
        if owner is None:
            return
        if under_compile():
            _tick_outside_graph(owner)
        else:
            owner._optimizer_stepped()


def register_tick(optimizer: Any, owner: Any) -> Any:
    """Hook ``owner._optimizer_stepped()`` to every step of ``optimizer``; returns the
    handle (``handle.remove()`` unhooks it)."""
    return optimizer.register_step_post_hook(OptimizerTick(owner))


def read(group: dict[str, Any], key: str, beta: int | None) -> float:
    """The value at ``group[key]`` (or ``group[key][beta]``) as a float."""
    v = group[key] if beta is None else group[key][beta]
    return float(v)


class Drift:
    """The drift check's memory: for each slot (``group``, ``name``, ``key``, ``beta``),
    the group dict written and the value read back after writing; the causes already
    warned about; the step counts. ``owner`` ("Scheduler", "Plan") names the writer in
    the warnings."""

    def __init__(self, owner: str = "Scheduler") -> None:
        self.owner = owner
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
            who = self.owner
            warnings.warn(
                f"{who}: param group {slot.group}'s {slot.name!r} is {found!r}, but this {who} set it"
                f" to {value!r} at step {self.t}: {why}; this {who} overwrites it",
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
                f"{self.owner}: step() was called {self.scheduler_steps} times for {self.optimizer_steps}"
                " optimizer steps: the count is off (a scheduler stepped per process, per micro-batch or"
                " per epoch, or a step GradScaler skipped); clock='optimizer' counts the optimizer steps"
                " that ran",
                DriftWarning,
                stacklevel=4,
            )
