"""PyTorch adapter: a drop-in ``LRScheduler`` driven by schedules, and conversion of
PyTorch's own schedulers into schedules.

>>> import torch, lrdsl as lr
>>> from lrdsl.torch import Scheduler
>>> p = torch.nn.Parameter(torch.zeros(1))
>>> opt = torch.optim.SGD([p], lr=1.0, momentum=0.9)
>>> sched = Scheduler(opt, {"lr": lr.linear(0, 1e-3, 10) >> lr.cosine(1e-3, 1e-5, 90),
...                         "momentum": lr.constant(0.9)})
>>> for _ in range(10):
...     opt.step()
...     sched.step()
>>> sched.get_last_lr()
[0.001]

Time is PyTorch's ``last_epoch``: after ``k`` calls of :meth:`Scheduler.step` every
driven value is ``schedule(k)``, evaluated in closed form (no recursive update,
so no drift and an exact resume). Anchor: ``torch.optim.lr_scheduler.LambdaLR``
(``relative=True`` is its semantics, ``base_lr * fn(k)``).

This module imports PyTorch; ``import lrdsl`` does not import it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ._optional import optional

with optional("lrdsl.torch"):
    import torch
    from torch.optim import Optimizer
    from torch.optim import lr_scheduler as L
    from torch.optim.lr_scheduler import LRScheduler
    from torch.optim.swa_utils import SWALR

from ._node import Schedule
from ._param_groups import HYPERPARAMETERS, WHERE, check_groups, same_schedule
from ._param_groups import per_group as schedules_per_group
from ._torch_clock import CLOCKS, Drift, DriftWarning, check_clock, register_tick, under_compile
from .combinators import chain
from .errors import ScheduleError
from .plateau import Plateau, PlateauSchedule
from .plateau import from_dict as plateau_from_dict
from .plateau._rule import FORMAT_TAG as PLATEAU_FORMAT
from .primitives import Constant, Cosine, Exponential, Lambda, Linear, MultiStep, Piecewise, Polynomial, Step
from .products import RunningProduct
from .serialize import from_dict

__all__ = ["HYPERPARAMETERS", "DriftWarning", "Plan", "Scheduler", "from_scheduler", "plateau_state"]

#: The tag and version of :meth:`Scheduler.state_dict`.
STATE_FORMAT = "lrdsl.torch.Scheduler"
STATE_VERSION = 2
#: The versions :meth:`Scheduler.load_state_dict` reads (1: before plateaus).
STATE_VERSIONS = (1, 2)
#: The largest step a checkpoint may hold (PyTorch counts in int64).
MAX_STEP = 2**63 - 1

Driven = Schedule | PlateauSchedule
ScheduleArg = Driven | Sequence[Driven] | Mapping[str, Driven | Sequence[Driven]]

_INF = math.inf
_MISSING = object()


class _Slot(NamedTuple):
    """One driven value: param group ``group``'s ``name`` (at ``key``, or ``key[beta]``),
    ``scale * fns[fn](t)``."""

    group: int
    name: str
    key: str
    beta: int | None
    fn: int
    scale: float


class _Plan(NamedTuple):
    """What a :class:`Scheduler` evaluates: built from its schedules and base lrs alone
    (nothing of it is pickled: generated code is rebuilt on load)."""

    fns: list[Callable[[int], float]]
    slots: list[_Slot]
    n_groups: int
    #: The direct path of ``step()``: ``(fn, scale)`` for groups ``0, 1, ...`` when each
    #: group's lr, and nothing else, is driven, and no plateau; else ``None``.
    writers: list[tuple[Callable[[int], float], float]] | None
    #: Per group: the plateau schedule its lr follows (``base_lr * ps`` when relative),
    #: whose ``schedule`` is compiled in ``fns``; ``None`` for a plain schedule.
    plateaus: list[PlateauSchedule | None]


# ----------------------------------------------------------------------------
# The scheduler.


class Scheduler(LRScheduler):
    """A ``torch.optim.lr_scheduler.LRScheduler`` whose values are schedules.

    Args:
        optimizer: the ``torch.optim.Optimizer`` to drive.
        schedule: one :class:`~lrdsl.Schedule` for the lr of every param group; a
            list with one per group; or a dict naming what it drives, among
            ``"lr"``, ``"weight_decay"``, ``"momentum"``, ``"beta1"``, ``"beta2"``
            (Adam's ``betas``), each a schedule or a per-group list.
        relative: if true, the lr is ``initial_lr * schedule(k)`` for each group's
            ``initial_lr`` (``LambdaLR`` semantics); otherwise values are
            absolute. Other hyperparameters are always absolute.
        last_epoch: as in PyTorch: ``-1`` starts afresh; ``n >= 0`` resumes after
            step ``n`` (the constructor's own step then moves to ``n + 1``) and
            needs ``initial_lr`` in every group.
        clock: what ``t`` counts. ``"step"`` (the default, PyTorch's): calls of
            :meth:`step`. ``"optimizer"``: optimizer steps that really ran, counted
            by an ``Optimizer.register_step_post_hook``; each one moves every driven
            value to ``schedule(t)`` at once, so a step ``GradScaler`` skips does not
            count, and ``step()`` (called any number of times, per process as
            accelerate does, per micro-batch, per epoch as Lightning does, or never)
            advances nothing: it only sets the values at the count again.
            ``step(epoch)`` is refused on this clock (load a checkpoint to resume).
        check: if true, warn (:class:`DriftWarning`, once per cause) when a driven
            value is not what this scheduler last wrote (a second scheduler, a
            manual write, ``optimizer.load_state_dict`` after the scheduler's), or,
            on the step clock, when ``step()`` has been called a different number of
            times than ``optimizer.step()`` (the count is off). Costs nothing when
            off; when on, one comparison per driven value per step (a tensor value
            is read back, a device sync).

    ``sched.t`` is the count, ``last_epoch``: after ``k`` counted steps, ``t == k``.

    Semantics: after ``k`` calls of :meth:`step` (``last_epoch == k``), every
    driven value in ``optimizer.param_groups`` equals ``schedule(k)``, computed
    in closed form. A tensor value (``lr=torch.tensor(...)`` for compiled or
    capturable optimizers) is updated in place with ``fill_``. ``get_last_lr()``
    is as in PyTorch.

    Values: every driven value must be a finite number; a schedule that gives a
    NaN or an infinity, or raises, is a :class:`~lrdsl.ScheduleError` naming the
    hyperparameter, the group and the step. Like PyTorch's own schedulers (whose
    ``OneCycleLR`` extrapolates below 0 at ``t = total_steps``, and whose tests
    cycle ``betas[0]`` up to 22), it writes a negative lr or a beta outside
    ``[0, 1)`` as given: the optimizers check their hyperparameters only when
    they are built.

    Plateaus: the lr (only) may follow a plateau, ``s * lr.on_plateau(...)`` or
    ``compat.torch.ReduceLROnPlateau(...)`` (a :class:`~lrdsl.plateau.PlateauSchedule`,
    one state per group): :meth:`step` with a metric is PyTorch's
    ``ReduceLROnPlateau.step(metrics)`` then time advances, :meth:`observe` feeds a
    metric without advancing; ``plateau_state`` (one state for all groups, or a
    list) starts from a given state, e.g. :func:`plateau_state` of a live PyTorch
    plateau. The states are saved in :meth:`state_dict` (version 2; version 1
    checkpoints are still read). On ``clock="optimizer"``, time follows the
    optimizer steps that ran (each sets the lr to ``ps(t, state)``) and
    ``step(metrics)`` is :meth:`observe`: the metric is taken at the count ``t``,
    against the lr in effect in the group now, and nothing advances. With
    ``check=True`` the drift check compares each lr with the ``ps(t, state)`` this
    scheduler last wrote (a plateau's own reductions are no drift).

    Atomic: every operation computes all its values first and only then
    changes anything. A constructor, :meth:`step`, :meth:`load_state_dict` or
    :meth:`from_state_dict` that raises leaves the optimizer's param groups
    and the scheduler (``last_epoch``, ``_step_count``, ``base_lrs``, its
    schedules, ``get_last_lr()``) as they were.

    Checkpoints: :meth:`state_dict` is plain data (the step and each schedule's
    ``to_dict()``), readable by ``torch.load(..., weights_only=True)``;
    :meth:`load_state_dict` restores the step, checks that the checkpoint's
    schedules are this scheduler's, and sets every driven value to
    ``schedule(step)`` at once (so the optimizer and the scheduler may be
    restored in either order); :meth:`from_state_dict` rebuilds a scheduler from
    the checkpoint alone. A checkpoint with a missing, extra or ill-typed field
    is a :class:`~lrdsl.ScheduleError` that names it. Resuming at any step costs
    one evaluation per schedule.

    Pickling and ``copy.deepcopy`` work as for PyTorch's own schedulers (the
    optimizer comes along); the generated code that evaluates the schedules is
    rebuilt on load, not pickled. A ``lambda_`` pickles if its function does.
    """

    schedules: dict[str, tuple[Driven, ...]]
    relative: bool
    _lean: tuple[Callable[[int], float], float] | None
    _resume: dict[str, Any]  # only between from_state_dict and the first step

    def __init__(
        self,
        optimizer: Optimizer,
        schedule: ScheduleArg,
        *,
        relative: bool = False,
        last_epoch: int = -1,
        plateau_state: Mapping[str, Any] | Sequence[Mapping[str, Any] | None] | None = None,
        clock: str = "step",
        check: bool = False,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"Scheduler: optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
            )
        if not isinstance(relative, bool):
            raise TypeError(f"Scheduler: relative must be True or False, got {relative!r}")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int):
            raise TypeError(f"Scheduler: last_epoch must be an int, got {last_epoch!r}")
        if last_epoch < -1:
            raise ScheduleError(f"Scheduler: last_epoch must be >= -1, got {last_epoch}")
        check_clock("Scheduler", clock, check)
        self.clock = clock
        self._watch: Drift | bool | None = None  # while building: the plain path
        self._hook: Any = None
        self._pending_states: list[Any] | None = None  # step(metrics): the states, until it is done
        self._by_group: tuple[Any, ...] | None = None  # _shared's index, kept per plan
        self.schedules = _plan(optimizer, schedule)
        self.relative = relative
        self._plateau_states = _initial_states(self.schedules, len(optimizer.param_groups), plateau_state)
        n = len(optimizer.param_groups)
        self._set_plan(_Plan([], [], n, None, [None] * n))
        # LRScheduler.__init__ adds "initial_lr" to the groups and wraps optimizer.step
        # before its first step; if that step fails, both are undone.
        fresh = [g for g in optimizer.param_groups if "initial_lr" not in g]
        # (read without optimizer.__dict__, which would slow every attribute of the optimizer)
        step_before = optimizer.step
        own_step = not (
            getattr(step_before, "__self__", None) is optimizer
            and getattr(step_before, "__func__", None) is getattr(type(optimizer), "step", None)
        )
        try:
            super().__init__(optimizer, last_epoch)
        except BaseException:
            for g in fresh:
                g.pop("initial_lr", None)
            if own_step:
                optimizer.step = step_before  # type: ignore[method-assign]
            else:
                with contextlib.suppress(AttributeError):  # the wrapper LRScheduler set, if it did
                    del optimizer.step
            raise
        self._start_watch(check)

    # -- the clock and the drift check (lrdsl/_torch_clock.py) ----------------------

    @property
    def t(self) -> int:
        """The count: ``last_epoch`` (calls of :meth:`step`, or optimizer steps with
        ``clock="optimizer"``)."""
        return int(self.last_epoch)

    def _start_watch(self, check: bool) -> None:
        """After the first step: the drift check's memory and the optimizer hook."""
        drift = Drift("Scheduler") if check else None
        if drift is not None:
            drift.record(self.optimizer.param_groups, self._slots, self.last_epoch)
        if drift is not None or self.clock == "optimizer":
            self._hook = register_tick(self.optimizer, self)
            self._watch = drift if drift is not None else True
            self._lean = None

    def _optimizer_stepped(self) -> None:
        """The optimizer's step post-hook: count, and on the optimizer clock move on."""
        drift = self._watch
        if isinstance(drift, Drift):
            drift.optimizer_steps += 1
        if self.clock == "optimizer":
            t = self.last_epoch + 1
            if self._writers is None or not self._direct_move(t, drift):
                self._move(t, "Scheduler (at an optimizer step)")

    def _move(self, t: int, where: str) -> None:
        """Set every driven value to its schedule at ``t`` (checking for drift first);
        with plateaus, ``ps(t, state)`` in each group's state (param groups added since
        are adopted, as :meth:`step` does)."""
        drift = self._watch
        groups = self.optimizer.param_groups
        if isinstance(drift, Drift):
            drift.check(groups, self._slots)
        undo = self._adopt(where) if any(p is not None for p in self._plateaus) else None
        plan = self._plan_now()
        try:
            values = self._evaluate(plan, t, where)
        except BaseException:
            if undo is not None:
                undo()
            raise
        self.last_epoch = t
        self._write(plan, values)
        if isinstance(drift, Drift):
            drift.record(groups, self._slots, t)

    def _watched_step(self, epoch: int | None) -> None:
        """:meth:`step` on the optimizer clock or with the drift check."""
        drift = self._watch
        if self.clock == "optimizer":
            if epoch is not None:
                raise ScheduleError(
                    "Scheduler.step: step(epoch) sets the time by hand, but this Scheduler counts optimizer"
                    " steps (clock='optimizer'); load a checkpoint to resume"
                )
            self._move(self.last_epoch, "Scheduler.step")  # the count stays: only the values are set again
            self._step_count += 1
            return
        assert isinstance(drift, Drift)
        drift.count()
        if epoch is None and self._step_count > 1:  # past PyTorch's call-order warnings
            t = self.last_epoch + 1
            if self._writers is None or not self._direct_move(t, drift):
                self._move(t, "Scheduler.step")
            self._step_count += 1
            return
        drift.check(self.optimizer.param_groups, self._slots)
        count, last = self._step_count, self.last_epoch
        try:
            LRScheduler.step(self, epoch)
        except BaseException:
            self._step_count, self.last_epoch = count, last
            raise
        drift.record(self.optimizer.param_groups, self._slots, self.last_epoch)

    def _direct_move(self, t: int, drift: Drift | bool | None) -> bool:
        """:meth:`_move` when each group's float lr alone is driven (``_writers``) and
        nothing drifted: each group still holds the float this scheduler wrote last
        (the drift check, one comparison a group), and every value at ``t`` is finite.
        Then set them and return true; else change nothing and return false, for
        :meth:`_move` to check, warn and explain."""
        writers = self._writers
        groups = self.optimizer.param_groups
        assert writers is not None
        written = drift.written if drift.__class__ is Drift else None
        if len(groups) == 1 == len(writers):  # one group: the same, without the lists
            group = groups[0]
            lr = group["lr"]
            if lr.__class__ is not float:
                return False
            if written is not None and (len(written) != 1 or written[0][0] is not group or written[0][1] != lr):
                return False
            fn, scale = writers[0]
            try:
                v = fn(t) * scale
            except Exception:
                return False
            if not -_INF < v < _INF:
                return False
            group["lr"] = v
            self.last_epoch = t
            if written is not None:
                drift.written = [(group, v)]  # type: ignore[union-attr]
                drift.t = t  # type: ignore[union-attr]
            return True
        if len(groups) != len(writers):
            return False
        if written is not None:
            if len(written) != len(groups):
                return False
            for (then, before), group in zip(written, groups):
                if group is not then or group["lr"] != before:
                    return False
        values = []
        for (fn, scale), group in zip(writers, groups):
            if group["lr"].__class__ is not float:
                return False
            try:
                v = fn(t) * scale
            except Exception:
                return False
            if not -_INF < v < _INF:
                return False
            values.append(v)
        for v, group in zip(values, groups):
            group["lr"] = v
        self.last_epoch = t
        if written is not None:
            drift.written = list(zip(groups, values))  # type: ignore[union-attr]
            drift.t = t  # type: ignore[union-attr]
        return True

    # -- what is evaluated --------------------------------------------------------

    def _compile(self, base_lrs: Sequence[Any]) -> _Plan:
        """Compile each distinct schedule once, and list what to write where."""
        index: dict[Any, int] = {}
        fns: list[Callable[[int], float]] = []
        slots: list[_Slot] = []
        n_groups = len(next(iter(self.schedules.values())))
        plateaus: list[PlateauSchedule | None] = [None] * n_groups
        for name, per_group in self.schedules.items():
            key, beta = WHERE[name]
            for g, driven in enumerate(per_group):
                scale = float(base_lrs[g]) if self.relative and name == "lr" else 1.0
                if isinstance(driven, PlateauSchedule):
                    # relative: group g follows base_lrs[g] * ps (its floors see that lr)
                    ps = driven if scale == 1.0 else scale * driven
                    plateaus[g] = ps
                    s, scale = ps.schedule, 1.0
                else:
                    s = driven
                try:
                    i = index.setdefault(s, len(fns))
                except TypeError:  # an unhashable schedule: no sharing
                    i = len(fns)
                if i == len(fns):
                    fns.append(s.compile("python"))
                slots.append(_Slot(g, name, key, beta, i, scale))
        only_lr = all(s.name == "lr" for s in slots) and len(slots) == n_groups
        plain = all(p is None for p in plateaus)
        writers = [(fns[s.fn], s.scale) for s in sorted(slots)] if only_lr and plain else None
        return _Plan(fns, slots, n_groups, writers, plateaus)

    def _set_plan(self, plan: _Plan) -> None:
        self._fns, self._slots, self._n_groups, self._writers, self._plateaus = plan
        writers = plan.writers
        watched = getattr(self, "_watch", None) is not None
        lean: tuple[Callable[[int], float], float] | None = None
        if writers is not None and len(writers) == 1 and not watched:
            lean = writers[0]
        self._lean = lean

    def _plan_now(self) -> _Plan:
        return _Plan(self._fns, self._slots, self._n_groups, self._writers, self._plateaus)

    def _evaluate(
        self, plan: _Plan, t: Any, where: str, states: Sequence[Mapping[str, Any] | None] | None = None
    ) -> list[float]:
        """Each slot's value at step ``t`` (times its plateau's scale in ``states``, by
        default the scheduler's), checked against the optimizer's groups as they are
        now; a :class:`ScheduleError` (nothing is changed) if any is bad."""
        if states is None:
            states = self._plateau_states
        groups = self.optimizer.param_groups
        if len(groups) != plan.n_groups:
            raise ScheduleError(
                f"{where}: the optimizer has {len(groups)} param groups, but this Scheduler"
                f" was built for {plan.n_groups}; build a new Scheduler after add_param_group"
            )
        done: dict[int, float] = {}
        out = []
        for slot in plan.slots:
            g, name = slot.group, slot.name
            if slot.fn not in done:
                try:
                    done[slot.fn] = float(plan.fns[slot.fn](t))
                except Exception as e:
                    raise ScheduleError(
                        f"{where}: the {name!r} schedule of param group {g} cannot be evaluated at"
                        f" step {t}: {_why(e)}"
                    ) from e
            v = done[slot.fn] * slot.scale
            ps = plan.plateaus[g] if name == "lr" else None
            if ps is not None:
                v = v * float(ps.scale(states[g]))  # type: ignore[arg-type]
            group = groups[g]
            if slot.key not in group:
                raise ScheduleError(f"{where}: param_groups[{g}] has no {slot.key!r} any more, to drive {name!r}")
            if slot.beta is not None and not (isinstance(group["betas"], (tuple, list)) and len(group["betas"]) == 2):
                raise ScheduleError(
                    f"{where}: cannot drive {name!r}: param_groups[{g}]['betas'] is {group['betas']!r}, not a pair"
                )
            if not -_INF < v < _INF:
                raise ScheduleError(
                    f"{where}: the {name!r} schedule of param group {g} gives {v!r} at step {t};"
                    f" {name} must be a finite number"
                )
            out.append(v)
        return out

    def _write(self, plan: _Plan, values: list[float]) -> None:
        """Set every driven value (checked by :meth:`_evaluate`: nothing here fails)."""
        groups = self.optimizer.param_groups
        for slot, v in zip(plan.slots, values, strict=True):
            group = groups[slot.group]
            if slot.beta is None:
                cur = group[slot.key]
                if isinstance(cur, torch.Tensor):
                    cur.fill_(v)
                else:
                    group[slot.key] = v
            else:
                betas = group["betas"]
                if isinstance(betas[slot.beta], torch.Tensor):
                    betas[slot.beta].fill_(v)
                else:
                    group["betas"] = (v, betas[1]) if slot.beta == 0 else (betas[0], v)

    def _values(self, t: int) -> list[float]:
        """The value of each slot at step ``t`` (unchecked)."""
        out = [f(t) for f in self._fns]
        values = []
        for slot in self._slots:
            v = out[slot.fn] * slot.scale
            ps = self._plateaus[slot.group] if slot.name == "lr" else None
            if ps is not None:
                v = v * float(ps.scale(self._plateau_states[slot.group]))  # type: ignore[arg-type]
            values.append(v)
        return values

    # -- stepping ---------------------------------------------------------------

    def _initial_step(self) -> None:
        # base_lrs are known now (LRScheduler.__init__ sets them first)
        resume = getattr(self, "_resume", None)
        if resume is not None:  # from_state_dict: straight to the checkpoint's step
            del self._resume
            self._load(resume, "Scheduler.from_state_dict")
            return
        plan = self._compile(self.base_lrs)
        self._set_plan(plan)
        super()._initial_step()

    def step(self, metrics: Any = None, epoch: int | None = None) -> None:  # type: ignore[override]
        """Advance one step: every driven value becomes ``schedule(last_epoch + 1)``.

        With plateaus (an lr that is a :class:`~lrdsl.plateau.PlateauSchedule`),
        ``step(metrics)`` is PyTorch's ``ReduceLROnPlateau.step(metrics)`` followed
        by any other scheduler's ``step()``: each group's plateau state takes the
        metric, measured at the current step ``t = last_epoch`` (the lr in effect,
        ``ps(t, state)``), then time advances; ``step()`` advances time alone (a
        per-batch warmup, say, with the metric given once an epoch, or through
        :meth:`observe`). Without plateaus the first positional argument is the
        deprecated epoch, as PyTorch's ``SequentialLR`` passes it (``step(0)``).

        The first step and the deprecated ``step(epoch)`` go through PyTorch's own
        ``LRScheduler.step`` (its call-order warnings); later steps that only set
        float lrs take a direct path without the bookkeeping in between. A step
        that fails (a bad value or metric, a param group added since to a
        Scheduler without plateaus) changes nothing. A param group added to the
        optimizer of a Scheduler with plateaus is adopted at the next ``step`` or
        :meth:`observe`, as PyTorch's ``ReduceLROnPlateau`` goes on: its lr becomes
        ``constant(its lr) * plateau`` (the first plateau group's rule, its counters
        copied, scale 1), any other driven value a constant at its current value.
        """
        lean = self._lean
        if lean is not None and epoch is None and metrics is None:
            # The common case, kept lean: one group, its float lr alone driven, no clock
            # or check. The groups are looked up every step: Optimizer.load_state_dict
            # (a resume, or accelerate wrapping the optimizer) replaces the group dicts.
            # (A tensor lr, as torch.compile wants it, takes the check just below.)
            groups = self.optimizer.param_groups
            if len(groups) == 1 and self._step_count > 1:
                group = groups[0]
                if group["lr"].__class__ is float:
                    fn, scale = lean
                    t = self.last_epoch + 1
                    try:
                        v = fn(t) * scale
                    except Exception:
                        v = math.nan  # the general path says what is wrong
                    if v - v == 0.0:  # finite
                        group["lr"] = v
                        self._step_count += 1
                        self.last_epoch = t
                        return
        if under_compile():  # under torch.compile: see below
            return _step_outside_graph(self, metrics, epoch)
        if self._watch is not None and self._writers is not None and metrics is None and epoch is None:
            return self._watched_step(None)  # the clock or the check, no plateau: see there
        if any(p is not None for p in self._plateaus):
            self._step_with_plateaus(metrics, epoch)
            return
        if metrics is not None:
            if epoch is not None:
                raise TypeError(
                    "Scheduler.step: got a metric and an epoch, but this Scheduler follows no plateau"
                    " (its lr is no PlateauSchedule)"
                )
            epoch = metrics
        if self._watch is not None:
            return self._watched_step(epoch)
        writers = self._writers
        if epoch is None and writers is not None and self._step_count > 1:
            groups = self.optimizer.param_groups
            t = self.last_epoch + 1
            if len(groups) == len(writers) > 1 and self._direct(t, writers, groups):
                return
        self._general_step(epoch)

    def _general_step(self, epoch: Any) -> None:
        count, last = self._step_count, self.last_epoch
        try:
            super().step(epoch)
        except BaseException:
            self._step_count, self.last_epoch = count, last
            raise

    def _step_with_plateaus(self, metrics: Any, epoch: Any) -> None:
        where = "Scheduler.step"
        drift = self._watch
        if self.clock == "optimizer" and drift is not None:  # built: time follows the optimizer
            if epoch is not None:
                raise ScheduleError(
                    "Scheduler.step: step(epoch) sets the time by hand, but this Scheduler counts optimizer"
                    " steps (clock='optimizer'); load a checkpoint to resume"
                )
            if metrics is None:
                self._move(self.last_epoch, where)  # the count stays: only the values are set again
            else:
                self._observe(metrics, where)  # the metric at the count: the lr in effect now
            self._step_count += 1
            return
        if isinstance(drift, Drift):
            drift.count()
            drift.check(self.optimizer.param_groups, self._slots)
        undo = self._adopt(where)
        try:
            if metrics is not None:
                self._pending_states = self._observed(metrics, where)
            self._general_step(epoch)
        except BaseException:
            undo()
            raise
        finally:
            self._pending_states = None
        if isinstance(drift, Drift):
            drift.record(self.optimizer.param_groups, self._slots, self.last_epoch)

    def observe(self, metrics: Any) -> None:
        """Feed a metric to the plateaus without advancing time: each group's plateau
        state takes it at the current step, and the lr becomes ``ps(last_epoch,
        state)`` at once (as PyTorch's ``ReduceLROnPlateau.step(metrics)`` when
        another scheduler steps per batch). Fails, changing nothing, on a bad
        metric or value, or if no lr follows a plateau."""
        where = "Scheduler.observe"
        if all(p is None for p in self._plateaus):
            raise ScheduleError(f"{where}: this Scheduler follows no plateau (its lr is no PlateauSchedule)")
        self._observe(metrics, where)

    def _observe(self, metrics: Any, where: str) -> None:
        """:meth:`observe` (also ``step(metrics)`` on the optimizer clock)."""
        drift = self._watch
        groups = self.optimizer.param_groups
        if isinstance(drift, Drift):
            drift.check(groups, self._slots)
        undo = self._adopt(where)
        try:
            states = self._observed(metrics, where)
            plan = self._plan_now()
            values = self._evaluate(plan, self.last_epoch, where, states)
        except BaseException:
            undo()
            raise
        self._plateau_states = states
        self._write(plan, values)
        if isinstance(drift, Drift):
            drift.record(groups, self._slots, self.last_epoch)

    def _observed(self, metrics: Any, where: str) -> list[dict[str, Any] | None]:
        """Every group's plateau state after ``metrics`` at the current step (pure)."""
        if isinstance(metrics, torch.Tensor):
            if metrics.numel() != 1:
                raise TypeError(f"{where}: metrics must be one number, got a tensor of shape {tuple(metrics.shape)}")
            metrics = float(metrics.item())
        t = self.last_epoch
        out: list[dict[str, Any] | None] = []
        for g, ps in enumerate(self._plateaus):
            if ps is None:
                out.append(None)
                continue
            try:
                out.append(ps.update(self._plateau_states[g], metrics, t))  # type: ignore[arg-type]
            except (TypeError, ScheduleError) as e:
                raise type(e)(str(e).replace("PlateauSchedule.update", where)) from None
        return out

    def _adopt(self, where: str) -> Callable[[], None]:
        """Adopt the param groups added to the optimizer since (see :meth:`step`);
        returns what undoes it."""
        groups = self.optimizer.param_groups
        n_old = self._n_groups
        before = (self.schedules, self._plateau_states, list(self.base_lrs), self._plan_now())

        def undo() -> None:
            self.schedules, self._plateau_states, self.base_lrs, plan = before
            self._set_plan(plan)
            for group in added:
                group.pop("initial_lr", None)

        added: list[dict[str, Any]] = []
        if len(groups) <= n_old:
            return undo
        lr_per_group = self.schedules.get("lr", ())
        first = next(g for g, x in enumerate(lr_per_group) if isinstance(x, PlateauSchedule))
        ps0: PlateauSchedule = lr_per_group[first]  # type: ignore[assignment]
        state0 = self._plateau_states[first]
        assert state0 is not None
        schedules = {name: list(per) for name, per in self.schedules.items()}
        states = list(self._plateau_states)
        base_lrs = list(self.base_lrs)
        for g in range(n_old, len(groups)):
            group = groups[g]
            for name, per in schedules.items():
                key, beta = WHERE[name]
                if key not in group:
                    raise ScheduleError(
                        f"{where}: param_groups[{g}], added since, has no {key!r} to drive {name!r}"
                    )
                value = group[key] if beta is None else group[key][beta]
                if name == "lr":
                    base = float(group.get("initial_lr", value))
                    base_lrs.append(base)
                    per.append(PlateauSchedule(Constant(1.0 if self.relative else float(value)), ps0.plateau))
                    states.append({**state0, "scale": float(value) / base if self.relative and base else 1.0})
                else:
                    per.append(Constant(float(value)))
        new_schedules = {name: tuple(per) for name, per in schedules.items()}
        self.schedules, self._plateau_states, self.base_lrs = new_schedules, states, base_lrs
        for group in groups[n_old:]:
            if "initial_lr" not in group:
                group["initial_lr"] = group["lr"]
                added.append(group)
        try:
            self._set_plan(self._compile(base_lrs))
        except BaseException:
            undo()
            raise
        return undo

    def _direct(self, t: int, writers: list[tuple[Callable[[int], float], float]], groups: list[Any]) -> bool:
        """Set every group's float lr to its schedule at ``t``, if every value is good
        (else change nothing and return false, for the general path to explain)."""
        fns = self._fns
        if len(fns) < len(writers):
            return self._shared(t, fns, groups)
        try:
            values = [fn(t) * scale for fn, scale in writers]
        except Exception:
            return False
        for v, group in zip(values, groups):
            if not -_INF < v < _INF or group["lr"].__class__ is not float:
                return False
        for v, group in zip(values, groups):
            group["lr"] = v
        self._step_count += 1
        self.last_epoch = t
        return True

    def _shared(self, t: int, fns: list[Callable[[int], float]], groups: list[Any]) -> bool:
        """:meth:`_direct` when groups share schedules (465 groups, 28 schedules): each
        distinct schedule evaluated (and checked) once, then one write per group."""
        slots = self._slots
        kept = self._by_group
        if kept is None or kept[0] is not slots:
            scaled = any(s.scale != 1.0 for s in slots)
            kept = self._by_group = (slots, [s.fn for s in slots], scaled)
        _, index, scaled = kept
        try:
            computed = [fn(t) for fn in fns]
        except Exception:
            return False
        if scaled:
            values = [computed[s.fn] * s.scale for s in slots]
        else:
            for v in computed:
                if not -_INF < v < _INF:
                    return False
            values = [computed[i] for i in index]
        for v, group in zip(values, groups):
            if group["lr"].__class__ is not float or (scaled and not -_INF < v < _INF):
                return False
        for v, group in zip(values, groups):
            group["lr"] = v
        self._step_count += 1
        self.last_epoch = t
        return True

    @property
    def _last_lr(self) -> list[float | torch.Tensor]:
        """What ``get_last_lr()`` returns: the lr this scheduler last set in each group
        (read from the optimizer, so ``step()`` need not keep a copy)."""
        return [g["lr"].clone() if isinstance(g["lr"], torch.Tensor) else g["lr"] for g in self.optimizer.param_groups]

    @_last_lr.setter
    def _last_lr(self, value: Any) -> None:
        pass  # LRScheduler assigns it; here it is always derived from the optimizer

    def _update_lr(self, epoch: int | None = None) -> None:
        # Called by LRScheduler.step() (after its call-order warnings), and by
        # SequentialLR with epoch=0.
        where = "Scheduler" if self._is_initial else "Scheduler.step"
        t = self.last_epoch + 1 if epoch is None else _epoch(where, epoch)
        plan = self._plan_now()
        states = self._plateau_states if self._pending_states is None else self._pending_states
        values = self._evaluate(plan, t, where, states)
        self.last_epoch = t
        self._plateau_states = states
        self._write(plan, values)

    def get_lr(self) -> list[float | torch.Tensor]:
        """The lr of each group at ``last_epoch`` (closed form; nothing is changed)."""
        return self._get_closed_form_lr()

    def _get_closed_form_lr(self) -> list[float | torch.Tensor]:
        lrs: list[float | torch.Tensor] = [g["lr"] for g in self.optimizer.param_groups]
        for slot, v in zip(self._slots, self._values(self.last_epoch), strict=True):
            if slot.name == "lr":
                lrs[slot.group] = v
        return lrs

    # -- pickling -------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """The scheduler's attributes (the optimizer included, as PyTorch's schedulers
        pickle), without the generated code: :meth:`__setstate__` rebuilds it."""
        state = self.__dict__.copy()
        for key in ("_fns", "_slots", "_writers", "_lean", "_plateaus", "_resume", "_pending_states", "_hook", "_by_group"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("clock", "step")
        self.__dict__.setdefault("_watch", None)
        self._pending_states = self._by_group = None
        self._set_plan(self._compile(self.base_lrs))
        # Optimizers do not pickle their hooks: the optimizer that came along needs ours again.
        self._hook = None if self._watch is None else register_tick(self.optimizer, self)

    # -- checkpoints --------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state as plain data (``torch.load(..., weights_only=True)``
        reads it): the step, the ``relative`` flag, each driven schedule per group as
        ``to_dict()``, (if relative) the base lrs, and (if an lr follows a plateau)
        each group's plateau state as ``plateau_states: {"lr": [state or None per
        group]}`` (:meth:`~lrdsl.plateau.Plateau.state_to_dict`: strict JSON).

        A ``lambda_`` must be registered (:func:`lrdsl.register`) to be saved.
        """
        docs: dict[str, list[dict[str, Any]]] = {}
        for name, per_group in self.schedules.items():
            try:
                docs[name] = [s.to_dict() for s in per_group]
            except ScheduleError as e:
                raise ScheduleError(f"Scheduler.state_dict: cannot save the {name!r} schedule: {e}") from e
        state: dict[str, Any] = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "last_epoch": int(self.last_epoch),
            "step_count": int(self._step_count),
            "relative": self.relative,
            "schedules": docs,
        }
        if self.relative:
            state["base_lrs"] = [float(b) for b in self.base_lrs]
        if any(p is not None for p in self._plateaus):
            state["plateau_states"] = {
                "lr": [
                    x.plateau.state_to_dict(st) if isinstance(x, PlateauSchedule) and st is not None else None
                    for x, st in zip(self.schedules["lr"], self._plateau_states, strict=True)
                ]
            }
        if self.clock != "step":
            state["clock"] = self.clock
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the step from a :meth:`state_dict`, and set every driven value in
        the optimizer to ``schedule(step)`` now.

        The checkpoint must describe the same schedules (and ``relative`` flag) as
        this scheduler; otherwise this is a :class:`~lrdsl.ScheduleError` (use
        :meth:`from_state_dict` to take the checkpoint's schedules). A refused
        checkpoint changes nothing.
        """
        where = "Scheduler.load_state_dict"
        n = len(self.optimizer.param_groups)
        if n != self._n_groups:
            raise ScheduleError(
                f"{where}: the optimizer has {n} param groups, but this Scheduler was built for"
                f" {self._n_groups}; build a new Scheduler (or use Scheduler.from_state_dict)"
            )
        saved = _read_state(state_dict, n, where)
        if saved["relative"] != self.relative:
            raise ScheduleError(
                f"{where}: the checkpoint has relative={saved['relative']}, this Scheduler"
                f" relative={self.relative}"
            )
        if saved["clock"] != self.clock:
            raise ScheduleError(
                f"{where}: the checkpoint counts with clock={saved['clock']!r}, this Scheduler with"
                f" clock={self.clock!r}"
            )
        if set(saved["schedules"]) != set(self.schedules):
            raise ScheduleError(
                f"{where}: the checkpoint drives {sorted(saved['schedules'])}, this Scheduler"
                f" drives {sorted(self.schedules)}"
            )
        for name, per_group in self.schedules.items():
            for g, (ours, theirs) in enumerate(zip(per_group, saved["schedules"][name], strict=True)):
                if not same_schedule(ours, theirs):
                    raise ScheduleError(
                        f"{where}: the checkpoint's {name!r} schedule for param group {g} is"
                        f" {theirs}, but this Scheduler was built with {ours}; build the"
                        " Scheduler with the checkpoint's schedule, or use"
                        " Scheduler.from_state_dict(optimizer, state)"
                    )
        self._load(saved, where)

    def _load(self, saved: dict[str, Any], where: str) -> None:
        """Move to a checked checkpoint's step: compute everything, then commit."""
        base_lrs = list(saved["base_lrs"]) if self.relative else list(self.base_lrs)
        plan = self._compile(base_lrs)
        t = saved["last_epoch"]
        states = saved["plateau_states"] or [None] * plan.n_groups
        values = self._evaluate(plan, t, where, states)
        # Nothing below raises.
        self.last_epoch = t
        self._step_count = saved["step_count"]
        self.base_lrs = base_lrs
        self._plateau_states = states
        self._set_plan(plan)
        self._write(plan, values)
        drift = getattr(self, "_watch", None)
        if isinstance(drift, Drift):
            drift.record(self.optimizer.param_groups, plan.slots, t)

    @classmethod
    def from_state_dict(cls, optimizer: Optimizer, state_dict: dict[str, Any]) -> Scheduler:
        """A scheduler for ``optimizer`` rebuilt from a :meth:`state_dict` alone:
        its schedules, flag and step, with every driven value set to ``schedule(step)``
        (never to ``schedule(0)`` on the way). If it raises, the optimizer is unchanged."""
        where = "Scheduler.from_state_dict"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{where}: optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        saved = _read_state(state_dict, len(optimizer.param_groups), where)
        sched = cls.__new__(cls)
        sched._resume = saved  # taken by _initial_step, in place of the step to 0
        sched.__init__(  # type: ignore[misc]
            optimizer, dict(saved["schedules"]), relative=saved["relative"], clock=saved["clock"]
        )
        return sched


@torch.compiler.disable
def _step_outside_graph(sched: Scheduler, metrics: Any, epoch: int | None) -> None:
    """``sched.step(epoch)`` called from a function ``torch.compile`` traces (PyTorch's
    recipe for compiled optimizers: ``opt.step(); sched.step()`` with a tensor lr).
    Dynamo skips PyTorch's own schedulers (a graph break); this does the same, so the
    step runs eagerly and writes the tensor lr in place: the optimizer's graph reads
    it, one graph and no recompilation however the value changes (a Python int or
    float that dynamo traced would be guarded on, and recompiled for, every step)."""
    sched.step(metrics, epoch)


def _epoch(where: str, epoch: Any) -> int:
    """The deprecated ``step(epoch)``'s epoch, as a step count."""
    if isinstance(epoch, (bool, np.bool_)) or not isinstance(epoch, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: epoch must be an int, got {type(epoch).__name__} {epoch!r}")
    if not (math.isfinite(epoch) and float(epoch).is_integer() and epoch >= 0):
        raise ScheduleError(f"{where}: epoch must be a whole number of steps >= 0, got {epoch!r}")
    return int(epoch)


def _plan(optimizer: Optimizer, schedule: Any) -> dict[str, tuple[Driven, ...]]:
    """``schedule`` (one, a list per group, or a dict by hyperparameter) as
    ``{name: (schedule for group 0, ...)}``, checked against the optimizer's groups."""
    groups = optimizer.param_groups
    if isinstance(schedule, Mapping):
        if not schedule:
            raise ScheduleError(
                f"Scheduler: the dict of schedules is empty; name some of {', '.join(HYPERPARAMETERS)}"
            )
        items = list(schedule.items())
    else:
        items = [("lr", schedule)]
    plan: dict[str, tuple[Driven, ...]] = {}
    for name, s in items:
        if name not in HYPERPARAMETERS:
            raise ScheduleError(
                f"Scheduler: unknown hyperparameter {name!r}; a Scheduler drives"
                f" {', '.join(map(repr, HYPERPARAMETERS))}"
            )
        check_groups("Scheduler", optimizer, name)
        plan[name] = schedules_per_group("Scheduler", name, s, len(groups), _is_driven)
    return plan


def _is_driven(name: str, x: Any) -> bool:
    """``x`` is a schedule, or (for the lr only) a plateau schedule."""
    if isinstance(x, Schedule):
        return True
    if isinstance(x, PlateauSchedule):
        if name != "lr":
            raise ScheduleError(f"Scheduler: the {name!r} schedule follows a plateau ({x}); only the 'lr' may")
        return True
    if isinstance(x, Plateau):
        raise TypeError(
            f"Scheduler: the {name!r} schedule is a plateau alone ({x!r}); give the lr it scales,"
            " base_lr * plateau (a PlateauSchedule)"
        )
    return False


def _initial_states(
    schedules: Mapping[str, Sequence[Driven]], n: int, given: Any
) -> list[dict[str, Any] | None]:
    """Each group's plateau state: ``init()``, or ``given`` (one state for every plateau
    group, or a list with one per group), checked by its plateau."""
    lrs = schedules.get("lr", ())
    if given is None:
        return [x.init() if isinstance(x, PlateauSchedule) else None for x in lrs] or [None] * n
    if not any(isinstance(x, PlateauSchedule) for x in lrs):
        raise ScheduleError("Scheduler: plateau_state was given, but no lr follows a plateau")
    per = list(given) if isinstance(given, (list, tuple)) else [given] * n
    if len(per) != n:
        raise ScheduleError(
            f"Scheduler: plateau_state has {len(per)} states, but the optimizer has {n} param groups"
        )
    out: list[dict[str, Any] | None] = []
    for g, (x, st) in enumerate(zip(lrs, per, strict=True)):
        if not isinstance(x, PlateauSchedule):
            out.append(None)
            continue
        try:
            out.append(x.plateau.state_from_dict(x.plateau.state_to_dict(st)))
        except (TypeError, ScheduleError) as e:
            raise ScheduleError(f"Scheduler: plateau_state for param group {g} is broken: {_why(e)}") from None
    return out


# ----------------------------------------------------------------------------
# Reading a checkpoint.

#: The keys of a :meth:`Scheduler.state_dict` (and ``base_lrs`` when ``relative``).
_STATE_KEYS = ("format", "version", "last_epoch", "step_count", "relative", "schedules")


def _short(v: Any) -> str:
    """``repr(v)``, cut short (a tampered checkpoint may hold anything)."""
    try:
        r = repr(v)
    except Exception:
        r = f"<{type(v).__name__}>"
    return r if len(r) <= 80 else r[:77] + "..."


def _count(where: str, key: str, v: Any, low: int) -> int:
    """A step count read from a checkpoint: an int in ``[low, MAX_STEP]``."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise ScheduleError(f"{where}: {key!r} must be an int >= {low}, got {_short(v)}")
    v = int(v)
    if v < low:
        raise ScheduleError(f"{where}: {key!r} must be an int >= {low}, got {v}")
    if v > MAX_STEP:
        raise ScheduleError(f"{where}: {key!r} must be at most 2**63 - 1, got {_short(v)}")
    return v


def _read_state(state: Any, n_groups: int, where: str = "Scheduler.load_state_dict") -> dict[str, Any]:
    """A :meth:`Scheduler.state_dict`, checked, with its schedules rebuilt (nothing
    is changed here: a bad checkpoint is refused before anything is touched)."""
    if not isinstance(state, Mapping):
        raise ScheduleError(f"{where}: expected a dict, got {type(state).__name__}")
    if state.get("format") != STATE_FORMAT:
        raise ScheduleError(
            f"{where}: not an lrdsl Scheduler state (its 'format' is {_short(state.get('format'))},"
            f" expected {STATE_FORMAT!r}); was it saved by another scheduler class?"
        )
    version = state.get("version")
    if type(version) is not int or version not in STATE_VERSIONS:
        raise ScheduleError(
            f"{where}: unknown state version {_short(version)} (this lrdsl reads"
            f" {', '.join(map(str, STATE_VERSIONS))})"
        )
    missing = [k for k in _STATE_KEYS if k not in state]
    if missing:
        raise ScheduleError(f"{where}: the checkpoint has no {', '.join(map(repr, missing))}")
    relative = state["relative"]
    if not isinstance(relative, (bool, np.bool_)):
        raise ScheduleError(f"{where}: 'relative' must be True or False, got {_short(relative)}")
    relative = bool(relative)
    if relative and "base_lrs" not in state:
        raise ScheduleError(f"{where}: the checkpoint has no 'base_lrs' (a relative Scheduler saves them)")
    expected = set(_STATE_KEYS) | ({"base_lrs"} if relative else set())
    expected |= {"plateau_states"} if version >= 2 else set()
    expected |= {"clock"}
    extra = [k for k in state if k not in expected]
    if extra:
        why = " (base_lrs belong to a relative Scheduler)" if "base_lrs" in extra else ""
        raise ScheduleError(
            f"{where}: unknown keys in the checkpoint: {', '.join(sorted(map(_short, extra)))}{why}"
        )
    last_epoch = _count(where, "last_epoch", state["last_epoch"], 0)
    step_count = _count(where, "step_count", state["step_count"], 1)
    docs = state["schedules"]
    if not isinstance(docs, Mapping) or not docs:
        raise ScheduleError(f"{where}: 'schedules' must be a non-empty dict, got {_short(docs)}")
    schedules: dict[str, tuple[Driven, ...]] = {}
    for name, per_group in docs.items():
        if name not in HYPERPARAMETERS:
            raise ScheduleError(
                f"{where}: unknown hyperparameter {_short(name)} in 'schedules' (a Scheduler drives"
                f" {', '.join(map(repr, HYPERPARAMETERS))})"
            )
        if not isinstance(per_group, (list, tuple)) or len(per_group) != n_groups:
            got = len(per_group) if isinstance(per_group, (list, tuple)) else type(per_group).__name__
            raise ScheduleError(
                f"{where}: schedules[{name!r}] must be a list with one schedule per param group"
                f" ({n_groups}), got {got}"
            )
        built: list[Driven] = []
        for g, doc in enumerate(per_group):
            try:
                built.append(_read_schedule(name, doc, version))
            except Exception as e:  # whatever a hostile document makes from_dict raise
                raise ScheduleError(f"{where}: schedules[{name!r}][{g}] is broken: {_why(e)}") from e
        schedules[name] = tuple(built)
    clock = state.get("clock", "step")
    if not isinstance(clock, str) or clock not in CLOCKS:
        raise ScheduleError(f"{where}: 'clock' must be 'step' or 'optimizer', got {_short(clock)}")
    out = {
        "last_epoch": last_epoch,
        "step_count": step_count,
        "relative": relative,
        "schedules": schedules,
        "plateau_states": _read_plateau_states(state, schedules.get("lr", ()), n_groups, where),
        "clock": clock,
    }
    if relative:
        bases = state["base_lrs"]
        if (
            not isinstance(bases, (list, tuple))
            or len(bases) != n_groups
            or not all(_is_lr(b) for b in bases)
        ):
            raise ScheduleError(
                f"{where}: 'base_lrs' must be a list of {n_groups} finite numbers >= 0, got {_short(bases)}"
            )
        out["base_lrs"] = [float(b) for b in bases]
    return out


def _read_schedule(name: str, doc: Any, version: int) -> Driven:
    """One schedule of a checkpoint: a schedule's document, or (version 2, the lr only)
    a plateau schedule's."""
    if not (isinstance(doc, Mapping) and doc.get("format") == PLATEAU_FORMAT):
        return from_dict(doc)
    if version < 2:
        raise ScheduleError("a plateau in a version 1 checkpoint (plateaus came with version 2)")
    if name != "lr":
        raise ScheduleError(f"only the 'lr' may follow a plateau, not {name!r}")
    x = plateau_from_dict(doc)
    if not isinstance(x, PlateauSchedule):
        raise ScheduleError("a plateau without the schedule it scales (a Scheduler saves base_lr * plateau)")
    return x


def _read_plateau_states(
    state: Mapping[str, Any], lrs: Sequence[Driven], n_groups: int, where: str
) -> list[dict[str, Any] | None] | None:
    """The checkpoint's plateau states, one per group (``None`` where the lr follows no
    plateau), checked by each group's plateau; ``None`` if no lr follows one."""
    follows = [isinstance(x, PlateauSchedule) for x in lrs]
    raw = state.get("plateau_states", _MISSING)
    if not any(follows):
        if raw is not _MISSING:
            raise ScheduleError(f"{where}: the checkpoint has 'plateau_states', but no lr that follows a plateau")
        return None
    if raw is _MISSING:
        raise ScheduleError(f"{where}: the checkpoint has no 'plateau_states' (its lr follows a plateau)")
    per = raw.get("lr") if isinstance(raw, Mapping) and set(raw) == {"lr"} else None
    if not isinstance(per, (list, tuple)) or len(per) != n_groups:
        raise ScheduleError(
            f"{where}: 'plateau_states' must be {{'lr': [one state (or None) per param group ({n_groups})]}},"
            f" got {_short(raw)}"
        )
    out: list[dict[str, Any] | None] = []
    for g, (x, doc) in enumerate(zip(lrs, per, strict=True)):
        if not isinstance(x, PlateauSchedule):
            if doc is not None:
                raise ScheduleError(
                    f"{where}: plateau_states['lr'][{g}] must be None (the lr of param group {g} follows"
                    f" no plateau), got {_short(doc)}"
                )
            out.append(None)
            continue
        try:
            st = x.plateau.state_from_dict(doc)
        except Exception as e:
            raise ScheduleError(f"{where}: plateau_states['lr'][{g}] is broken: {_why(e)}") from e
        scale = st["scale"]
        if not 0.0 <= scale < _INF:
            raise ScheduleError(
                f"{where}: plateau_states['lr'][{g}]['scale'] must be a finite number >= 0, got {scale!r}"
            )
        out.append(st)
    return out


def _why(e: BaseException) -> str:
    """An exception as a clause of a message: its text, after its type unless it is ours."""
    text = str(e)
    text = text if len(text) <= 500 else text[:497] + "..."
    return text if isinstance(e, ScheduleError) else f"{type(e).__name__}: {text}"


def _is_lr(b: Any) -> bool:
    """A finite number ``>= 0`` (not a bool)."""
    return bool(
        not isinstance(b, (bool, np.bool_))
        and isinstance(b, (int, float, np.integer, np.floating))
        and math.isfinite(b)
        and b >= 0
    )


# ----------------------------------------------------------------------------
# PyTorch schedulers as schedules.

Converter = Callable[[Any, int, float], Schedule]
#: What from_scheduler returns: one schedule, one per group, or (for schedulers that
#: also drive the momentum) a dict of those by hyperparameter.
Converted = Schedule | list[Schedule] | dict[str, Schedule | list[Schedule]]


def from_scheduler(scheduler: Any, *, group: int | None = None) -> Converted:
    """The schedule equal to a PyTorch scheduler: its lr after ``k`` steps from a
    fresh start (``last_epoch = -1``) is ``schedule(k)``.

    Returns one schedule when the optimizer has one param group, else a list with
    one per group (what :class:`Scheduler` takes); ``group=i`` returns group
    ``i``'s schedule either way. Base lrs are the scheduler's ``base_lrs`` (the
    groups' ``initial_lr``). A scheduler that also drives the momentum
    (``OneCycleLR`` and ``CyclicLR`` with ``cycle_momentum=True``) gives the dict
    :class:`Scheduler` takes, ``{"lr": ..., "momentum": ...}`` (``"beta1"`` for an
    optimizer with ``betas``, as PyTorch picks), each entry as above.

    Exact (float64 parity with PyTorch's own recursion): ``StepLR``,
    ``MultiStepLR`` (unsorted and repeated milestones), ``ExponentialLR``,
    ``CosineAnnealingLR`` (``cosine(..., periodic=True)``, also past ``T_max``),
    ``LinearLR``, ``ConstantLR``, ``PolynomialLR``, ``LambdaLR`` (``base_lr *
    lambda_(fn)``), ``MultiplicativeLR`` (``running_product(base_lr,
    lambda_(fn))``), ``SequentialLR`` of those (a ``chain`` with the milestones as
    boundaries; each child restarts from its base lr at its milestone, as
    PyTorch's does), and ``ChainedScheduler`` of those that multiply the lr (a
    product of factors; not ``LambdaLR``, which overwrites it, and a
    ``CosineAnnealingLR`` only with ``eta_min=0`` and other factors that have
    reached 1 by ``T_max``, since past ``T_max`` PyTorch restarts it by addition).
    With ``lrdsl.compat.torch``: ``OneCycleLR`` (also at ``t = total_steps``),
    ``CyclicLR`` (also a custom ``scale_fn``), ``CosineAnnealingWarmRestarts``,
    and ``torch.optim.swa_utils.SWALR`` (annealing from the base lr, as a fresh
    SWALR does).

    ``ReduceLROnPlateau`` follows a metric: it gives, per group,
    ``compat.torch.ReduceLROnPlateau(lr, mode, factor, patience, threshold,
    threshold_mode, cooldown, min_lrs[g], eps)``, a
    :class:`~lrdsl.plateau.PlateauSchedule` from the group's lr now (its initial lr
    for a fresh scheduler): ``Scheduler(optimizer, from_scheduler(x),
    plateau_state=plateau_state(x))`` goes on where ``x`` is. Other classes
    (including subclasses, whose formulas may differ) are a ``NotImplementedError``.
    """
    if not isinstance(scheduler, LRScheduler):
        raise TypeError(
            f"from_scheduler: expected a torch.optim.lr_scheduler.LRScheduler, got {type(scheduler).__name__}"
        )
    n = len(scheduler.optimizer.param_groups)
    if group is not None:
        if isinstance(group, bool) or not isinstance(group, int) or not 0 <= group < n:
            raise ScheduleError(f"from_scheduler: group must be an int in [0, {n}), got {group!r}")
        groups = [group]
    else:
        groups = list(range(n))

    def one(values: list[Any]) -> Any:
        return values[0] if len(values) == 1 else values

    if type(scheduler) is L.ReduceLROnPlateau:
        return one([_reduce_on_plateau(scheduler, g) for g in groups])
    lrs = one([_convert(scheduler, g, None) for g in groups])
    momentum = _MOMENTUM.get(type(scheduler))
    if momentum is None or not getattr(scheduler, "cycle_momentum", False):
        return lrs
    key = "beta1" if getattr(scheduler, "use_beta1", False) else "momentum"
    return {"lr": lrs, key: one([momentum(scheduler, g) for g in groups])}


def _reduce_on_plateau(s: Any, g: int) -> PlateauSchedule:
    return _compat().ReduceLROnPlateau(
        float(s.optimizer.param_groups[g]["lr"]),
        mode=s.mode,
        factor=s.factor,
        patience=s.patience,
        threshold=s.threshold,
        threshold_mode=s.threshold_mode,
        cooldown=s.cooldown,
        min_lr=s.min_lrs[g],
        eps=s.eps,
    )


def plateau_state(scheduler: Any) -> dict[str, Any]:
    """The state of a live ``torch.optim.lr_scheduler.ReduceLROnPlateau`` as the
    state of :func:`from_scheduler`'s plateau schedules (whose lr starts at the
    group's lr now, so the scale is 1): ``{"scale": 1.0, "best": x.best,
    "num_bad_epochs": x.num_bad_epochs, "cooldown_counter": x.cooldown_counter}``,
    for ``Scheduler(..., plateau_state=...)`` or ``ps(t, state)``."""
    if type(scheduler) is not L.ReduceLROnPlateau:
        raise TypeError(
            f"plateau_state: expected a torch.optim.lr_scheduler.ReduceLROnPlateau, got {type(scheduler).__name__}"
        )
    return {
        "scale": 1.0,
        "best": float(scheduler.best),
        "num_bad_epochs": int(scheduler.num_bad_epochs),
        "cooldown_counter": int(scheduler.cooldown_counter),
    }


def _convert(sched: Any, g: int, base: float | None) -> Schedule:
    """Group ``g``'s schedule; ``base`` overrides the base lr (1.0 for a factor)."""
    fn = _CONVERTERS.get(type(sched))
    if fn is None:
        known = ", ".join(sorted(c.__name__ for c in _CONVERTERS))
        raise NotImplementedError(
            f"from_scheduler: no exact schedule for {type(sched).__name__} (convertible: {known})"
        )
    return fn(sched, g, _base(sched, g) if base is None else base)


def _base(sched: Any, g: int) -> float:
    bases = getattr(sched, "base_lrs", None)
    b = bases[g] if bases is not None else sched.optimizer.param_groups[g]["initial_lr"]
    return float(b)


def _step(s: Any, g: int, b: float) -> Schedule:
    return Step(b, s.step_size, gamma=s.gamma)


def _multistep(s: Any, g: int, b: float) -> Schedule:
    return MultiStep(b, sorted(s.milestones.elements()), gamma=s.gamma)  # a Counter: repeats count


def _exponential(s: Any, g: int, b: float) -> Schedule:
    return Exponential(b, s.gamma)


def _cosine(s: Any, g: int, b: float) -> Schedule:
    return Cosine(b, s.eta_min, s.T_max, periodic=True)


def _linear(s: Any, g: int, b: float) -> Schedule:
    return Linear(b * s.start_factor, b * s.end_factor, s.total_iters)


def _constant(s: Any, g: int, b: float) -> Schedule:
    if s.total_iters <= 0:  # PyTorch's step() applies the factor at 0 and never lifts it
        return Constant(b * s.factor)
    return Piecewise([s.total_iters], [b * s.factor, b])


def _polynomial(s: Any, g: int, b: float) -> Schedule:
    return Polynomial(b, 0.0, s.total_iters, power=s.power)


def _lambda(s: Any, g: int, b: float) -> Schedule:
    return b * Lambda(s.lr_lambdas[g])


def _multiplicative(s: Any, g: int, b: float) -> Schedule:
    return RunningProduct(b, Lambda(s.lr_lambdas[g]))


def _refuse_momentum(kind: str, i: int, child: Any) -> None:
    """A child that also drives the momentum has no place in a composite's schedule."""
    if type(child) in _MOMENTUM and child.cycle_momentum:
        raise NotImplementedError(
            f"from_scheduler: {kind} child {i} ({type(child).__name__}) also cycles the momentum,"
            " which outside its part PyTorch leaves where it was; build it with cycle_momentum=False"
        )


def _sequential(s: Any, g: int, b: float) -> Schedule:
    # At its milestone each child restarts at its own closed form at 0, from its own
    # base lr; a composite child would crash PyTorch there (it has no closed form).
    children = []
    for i, child in enumerate(s._schedulers):
        if isinstance(child, (L.SequentialLR, L.ChainedScheduler)):
            raise NotImplementedError(
                f"from_scheduler: SequentialLR child {i} is a {type(child).__name__}; nest"
                " schedules with lrdsl instead"
            )
        _refuse_momentum("SequentialLR", i, child)
        children.append(_convert(child, g, None))
    return chain(*children, boundaries=list(s._milestones))


# Children of a ChainedScheduler whose recursive update multiplies the current lr
# by a factor of their own, so that the chain's lr is base * product of factors.
_FACTORS = (
    L.StepLR,
    L.MultiStepLR,
    L.ExponentialLR,
    L.LinearLR,
    L.ConstantLR,
    L.PolynomialLR,
    L.MultiplicativeLR,
)


def _chained(s: Any, g: int, b: float) -> Schedule:
    children = list(s._schedulers)
    out: Schedule | None = None
    for i, child in enumerate(children):
        _refuse_momentum("ChainedScheduler", i, child)
        if isinstance(child, L.CosineAnnealingLR):
            _check_chained_cosine(child, [c for c in children if c is not child])
        elif not isinstance(child, _FACTORS) or type(child) not in _CONVERTERS:
            why = (
                "LambdaLR sets the lr to base_lr * fn(t), discarding the other factors"
                if isinstance(child, L.LambdaLR)
                else "it does not multiply the lr by a factor of its own"
            )
            raise NotImplementedError(
                f"from_scheduler: ChainedScheduler child {i} ({type(child).__name__}) has no"
                f" product form: {why}"
            )
        factor = _convert(child, g, 1.0)
        out = factor if out is None else out * factor
    assert out is not None  # ChainedScheduler needs at least one child
    return b * out


def _check_chained_cosine(cos: Any, others: list[Any]) -> None:
    """PyTorch's CosineAnnealingLR multiplies the lr by a ratio up to ``T_max``, but
    past it restarts by adding ``base_lr * (1 - cos(pi / T_max)) / 2``: a product
    of factors only if ``eta_min == 0`` and every other factor is 1 by then."""

    def done_by_t_max(c: Any) -> bool:
        if isinstance(c, L.LinearLR):
            return c.end_factor == 1 and c.total_iters <= cos.T_max
        if isinstance(c, L.ConstantLR):
            return c.total_iters <= cos.T_max
        return False

    if cos.eta_min != 0 or not all(done_by_t_max(c) for c in others):
        raise NotImplementedError(
            "from_scheduler: inside a ChainedScheduler, CosineAnnealingLR is a factor only with"
            " eta_min=0 and when every other scheduler is a LinearLR (end_factor=1) or ConstantLR"
            " that ends by T_max (past T_max PyTorch restarts the cosine by adding to the lr);"
            " write the schedule with lrdsl instead, e.g. lr.linear(...) >> lr.cosine(...)"
        )


def _compat() -> Any:
    try:
        from .compat import torch as compat_torch
    except ImportError as e:
        raise NotImplementedError(
            f"from_scheduler: this scheduler needs lrdsl.compat.torch, which is not available ({e})"
        ) from e
    return compat_torch


def _one_cycle_args(s: Any, g: int, **more: Any) -> Any:
    group = s.optimizer.param_groups[g]
    phases = s._schedule_phases
    initial, peak, low = float(group["initial_lr"]), float(group["max_lr"]), float(group["min_lr"])
    return _compat().OneCycleLR(
        peak,
        s.total_steps,
        pct_start=(phases[0]["end_step"] + 1) / s.total_steps,
        anneal_strategy=s._anneal_func_type,
        div_factor=peak / initial,
        final_div_factor=initial / low,
        three_phase=len(phases) == 3,
        **more,
    )


def _one_cycle(s: Any, g: int, b: float) -> Schedule:
    return _one_cycle_args(s, g, cycle_momentum=False)


def _one_cycle_momentum(s: Any, g: int) -> Schedule:
    group = s.optimizer.param_groups[g]
    both = _one_cycle_args(
        s, g, base_momentum=float(group["base_momentum"]), max_momentum=float(group["max_momentum"])
    )
    return both["momentum"]


def _cyclic_args(s: Any, g: int, **more: Any) -> Any:
    up = s.total_size * s.step_ratio
    return _compat().CyclicLR(
        float(s.base_lrs[g]),
        float(s.max_lrs[g]),
        step_size_up=up,
        step_size_down=s.total_size - up,
        mode=s.mode,
        gamma=s.gamma,
        scale_fn=s._scale_fn_custom,
        scale_mode=s.scale_mode,
        **more,
    )


def _cyclic(s: Any, g: int, b: float) -> Schedule:
    return _cyclic_args(s, g, cycle_momentum=False)


def _cyclic_momentum(s: Any, g: int) -> Schedule:
    both = _cyclic_args(s, g, base_momentum=float(s.base_momentums[g]), max_momentum=float(s.max_momentums[g]))
    return both["momentum"]


def _warm_restarts(s: Any, g: int, b: float) -> Schedule:
    return _compat().CosineAnnealingWarmRestarts(b, s.T_0, T_mult=s.T_mult, eta_min=s.eta_min)


def _swa(s: Any, g: int, b: float) -> Schedule:
    strategy = getattr(s, "_anneal_strategy", None)
    if strategy is None:  # older PyTorch keeps only the function
        strategy = "cos" if s.anneal_func == s._cosine_anneal else "linear"
    swa_lr = float(s.optimizer.param_groups[g]["swa_lr"])
    return _compat().SWALR(b, swa_lr, anneal_epochs=s.anneal_epochs, anneal_strategy=strategy)


#: One converter per PyTorch scheduler class (exact type: a subclass may change the formula).
_CONVERTERS: dict[type, Converter] = {
    L.StepLR: _step,
    L.MultiStepLR: _multistep,
    L.ExponentialLR: _exponential,
    L.CosineAnnealingLR: _cosine,
    L.LinearLR: _linear,
    L.ConstantLR: _constant,
    L.PolynomialLR: _polynomial,
    L.LambdaLR: _lambda,
    L.MultiplicativeLR: _multiplicative,
    L.SequentialLR: _sequential,
    L.ChainedScheduler: _chained,
    L.OneCycleLR: _one_cycle,
    L.CyclicLR: _cyclic,
    L.CosineAnnealingWarmRestarts: _warm_restarts,
    SWALR: _swa,
}

#: The schedulers that also drive the momentum (when ``cycle_momentum``): group ``g``'s momentum.
_MOMENTUM: dict[type, Callable[[Any, int], Schedule]] = {
    L.OneCycleLR: _one_cycle_momentum,
    L.CyclicLR: _cyclic_momentum,
}


from .plan import Plan  # noqa: E402  (one clock for several quantities; lrdsl/plan.py)
