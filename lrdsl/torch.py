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

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._optional import optional

with optional("lrdsl.torch"):
    import torch
    from torch.optim import Optimizer
    from torch.optim import lr_scheduler as L
    from torch.optim.lr_scheduler import LRScheduler
    from torch.optim.swa_utils import SWALR

from ._node import Schedule
from .combinators import chain
from .errors import ScheduleError
from .primitives import Constant, Cosine, Exponential, Lambda, Linear, MultiStep, Piecewise, Polynomial, Step
from .products import RunningProduct
from .serialize import from_dict

__all__ = ["HYPERPARAMETERS", "Scheduler", "from_scheduler"]

#: The hyperparameters a :class:`Scheduler` can drive. ``beta1`` and ``beta2`` are the
#: two entries of Adam's ``group["betas"]``.
HYPERPARAMETERS = ("lr", "weight_decay", "momentum", "beta1", "beta2")

#: The tag and version of :meth:`Scheduler.state_dict`.
STATE_FORMAT = "lrdsl.torch.Scheduler"
STATE_VERSION = 1

ScheduleArg = Schedule | Sequence[Schedule] | Mapping[str, Schedule | Sequence[Schedule]]

# Where a hyperparameter lives in a param group: its key, and the index inside
# ``betas`` for beta1/beta2.
_WHERE: dict[str, tuple[str, int | None]] = {
    "lr": ("lr", None),
    "weight_decay": ("weight_decay", None),
    "momentum": ("momentum", None),
    "beta1": ("betas", 0),
    "beta2": ("betas", 1),
}


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

    Semantics: after ``k`` calls of :meth:`step` (``last_epoch == k``), every
    driven value in ``optimizer.param_groups`` equals ``schedule(k)``, computed
    in closed form. A tensor value (``lr=torch.tensor(...)`` for compiled or
    capturable optimizers) is updated in place with ``fill_``. ``get_last_lr()``
    is as in PyTorch.

    Checkpoints: :meth:`state_dict` is plain data (the step and each schedule's
    ``to_dict()``), readable by ``torch.load(..., weights_only=True)``;
    :meth:`load_state_dict` restores the step, checks that the checkpoint's
    schedules are this scheduler's, and sets every driven value to
    ``schedule(step)`` at once (so the optimizer and the scheduler may be
    restored in either order); :meth:`from_state_dict` rebuilds a scheduler from
    the checkpoint alone.
    """

    schedules: dict[str, tuple[Schedule, ...]]
    relative: bool

    def __init__(
        self,
        optimizer: Optimizer,
        schedule: ScheduleArg,
        *,
        relative: bool = False,
        last_epoch: int = -1,
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
        self.schedules = _plan(optimizer, schedule)
        self.relative = relative
        self._fns: list[Callable[[int], float]] = []
        self._slots: list[tuple[int, str, int | None, int, float]] = []
        self._writers: list[tuple[int, Callable[[int], float], float]] | None = None
        super().__init__(optimizer, last_epoch)

    # -- stepping ---------------------------------------------------------------

    def _initial_step(self) -> None:
        self._build()  # base_lrs are known now (LRScheduler.__init__ sets them first)
        super()._initial_step()

    def _build(self) -> None:
        """Compile each distinct schedule once, and list what to write where."""
        index: dict[Any, int] = {}
        self._fns, self._slots = [], []
        for name, per_group in self.schedules.items():
            key, beta = _WHERE[name]
            for g, s in enumerate(per_group):
                try:
                    i = index.setdefault(s, len(self._fns))
                except TypeError:  # an unhashable schedule: no sharing
                    i = len(self._fns)
                if i == len(self._fns):
                    self._fns.append(s.compile("python"))
                scale = float(self.base_lrs[g]) if self.relative and name == "lr" else 1.0
                self._slots.append((g, key, beta, i, scale))
        self._n_groups = len(self.optimizer.param_groups)
        # The direct path of step(): one float lr per group and nothing else driven.
        groups = self.optimizer.param_groups
        only_lr = all(key == "lr" and beta is None for _, key, beta, _, _ in self._slots)
        one_each = sorted(g for g, *_ in self._slots) == list(range(len(groups)))
        self._writers = (
            [(g, self._fns[i], scale) for g, _, _, i, scale in sorted(self._slots)]
            if only_lr and one_each and all(type(g["lr"]) is float for g in groups)
            else None
        )

    def _values(self, t: int) -> list[float]:
        """The value of each slot at step ``t``."""
        out = [f(t) for f in self._fns]
        return [out[i] * scale for _, _, _, i, scale in self._slots]

    def step(self, epoch: int | None = None) -> None:
        """Advance one step: every driven value becomes ``schedule(last_epoch + 1)``.

        The first step and the deprecated ``step(epoch)`` go through PyTorch's own
        ``LRScheduler.step`` (its call-order warnings); later steps that only set
        float lrs take a direct path without the bookkeeping in between.
        """
        writers = self._writers
        if (
            epoch is None
            and writers is not None
            and self._step_count > 1
            and len(self.optimizer.param_groups) == self._n_groups
        ):
            self._step_count += 1
            t = self.last_epoch = self.last_epoch + 1
            # Looked up every step: Optimizer.load_state_dict (a resume, or accelerate
            # wrapping the optimizer) replaces the group dicts.
            groups = self.optimizer.param_groups
            for g, fn, scale in writers:
                group = groups[g]
                if group["lr"].__class__ is not float:  # a tensor lr now: the general path
                    self._apply(t)
                    return
                group["lr"] = fn(t) * scale
            return
        super().step(epoch)

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
        if epoch is None:
            self.last_epoch += 1
        else:
            self.last_epoch = int(epoch)
        self._apply(self.last_epoch)

    def _apply(self, t: int) -> None:
        """Set every driven value in the optimizer to its schedule at ``t``."""
        groups = self.optimizer.param_groups
        if len(groups) != self._n_groups:
            raise ScheduleError(
                f"Scheduler: the optimizer has {len(groups)} param groups, but this Scheduler"
                f" was built for {self._n_groups}; build a new Scheduler after add_param_group"
            )
        values = [f(t) for f in self._fns]
        for g, key, beta, i, scale in self._slots:
            v = values[i] * scale
            group = groups[g]
            if beta is None:
                cur = group[key]
                if isinstance(cur, torch.Tensor):
                    cur.fill_(v)
                else:
                    group[key] = v
            else:
                betas = group["betas"]
                if isinstance(betas[beta], torch.Tensor):
                    betas[beta].fill_(v)
                else:
                    group["betas"] = (v, betas[1]) if beta == 0 else (betas[0], v)

    def get_lr(self) -> list[float | torch.Tensor]:
        """The lr of each group at ``last_epoch`` (closed form; nothing is changed)."""
        return self._get_closed_form_lr()

    def _get_closed_form_lr(self) -> list[float | torch.Tensor]:
        lrs: list[float | torch.Tensor] = [g["lr"] for g in self.optimizer.param_groups]
        for (g, key, _, _, _), v in zip(self._slots, self._values(self.last_epoch), strict=True):
            if key == "lr":
                lrs[g] = v
        return lrs

    # -- checkpoints --------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state as plain data (``torch.load(..., weights_only=True)``
        reads it): the step, the ``relative`` flag, each driven schedule per group as
        ``to_dict()``, and (if relative) the base lrs.

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
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the step from a :meth:`state_dict`, and set every driven value in
        the optimizer to ``schedule(step)`` now.

        The checkpoint must describe the same schedules (and ``relative`` flag) as
        this scheduler; otherwise this is a :class:`~lrdsl.ScheduleError` (use
        :meth:`from_state_dict` to take the checkpoint's schedules).
        """
        saved = _read_state(state_dict, len(self.optimizer.param_groups))
        where = "Scheduler.load_state_dict"
        if saved["relative"] != self.relative:
            raise ScheduleError(
                f"{where}: the checkpoint has relative={saved['relative']}, this Scheduler"
                f" relative={self.relative}"
            )
        if set(saved["schedules"]) != set(self.schedules):
            raise ScheduleError(
                f"{where}: the checkpoint drives {sorted(saved['schedules'])}, this Scheduler"
                f" drives {sorted(self.schedules)}"
            )
        for name, per_group in self.schedules.items():
            for g, (ours, theirs) in enumerate(zip(per_group, saved["schedules"][name], strict=True)):
                if not _same_schedule(ours, theirs):
                    raise ScheduleError(
                        f"{where}: the checkpoint's {name!r} schedule for param group {g} is"
                        f" {theirs}, but this Scheduler was built with {ours}; build the"
                        " Scheduler with the checkpoint's schedule, or use"
                        " Scheduler.from_state_dict(optimizer, state)"
                    )
        self.last_epoch = saved["last_epoch"]
        self._step_count = saved["step_count"]
        if self.relative:
            self.base_lrs = list(saved["base_lrs"])
        self._build()
        self._apply(self.last_epoch)

    @classmethod
    def from_state_dict(cls, optimizer: Optimizer, state_dict: dict[str, Any]) -> Scheduler:
        """A scheduler for ``optimizer`` rebuilt from a :meth:`state_dict` alone:
        its schedules, flag and step, with every driven value set to ``schedule(step)``."""
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"Scheduler.from_state_dict: optimizer must be a torch.optim.Optimizer,"
                f" got {type(optimizer).__name__}"
            )
        saved = _read_state(state_dict, len(optimizer.param_groups))
        sched = cls(optimizer, saved["schedules"], relative=saved["relative"])
        sched.load_state_dict(state_dict)
        return sched


def _same_schedule(a: Schedule, b: Schedule) -> bool:
    """Structural equality, comparing lambdas by their registered names."""
    if a == b:
        return True
    try:
        return bool(from_dict(a.to_dict()) == b)
    except ScheduleError:
        return False


def _plan(optimizer: Optimizer, schedule: Any) -> dict[str, tuple[Schedule, ...]]:
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
    plan: dict[str, tuple[Schedule, ...]] = {}
    for name, s in items:
        if name not in HYPERPARAMETERS:
            raise ScheduleError(
                f"Scheduler: unknown hyperparameter {name!r}; a Scheduler drives"
                f" {', '.join(map(repr, HYPERPARAMETERS))}"
            )
        key, beta = _WHERE[name]
        for g, group in enumerate(groups):
            if key not in group:
                have = sorted(k for k in group if k != "params")
                raise ScheduleError(
                    f"Scheduler: cannot drive {name!r}: {type(optimizer).__name__} param_groups[{g}]"
                    f" has no {key!r} (it has {', '.join(have)})"
                )
            if beta is not None and not (isinstance(group[key], (tuple, list)) and len(group[key]) == 2):
                raise ScheduleError(
                    f"Scheduler: cannot drive {name!r}: param_groups[{g}]['betas'] is"
                    f" {group[key]!r}, not a pair"
                )
        plan[name] = _per_group(name, s, len(groups))
    return plan


def _per_group(name: str, s: Any, n: int) -> tuple[Schedule, ...]:
    if isinstance(s, Schedule):
        return (s,) * n
    if isinstance(s, (list, tuple)):
        if len(s) != n:
            raise ScheduleError(
                f"Scheduler: the {name!r} list has {len(s)} schedules, but the optimizer has"
                f" {n} param groups (give one per group, or a single schedule for all)"
            )
        for i, x in enumerate(s):
            if not isinstance(x, Schedule):
                raise TypeError(f"Scheduler: {name}[{i}] must be a schedule, got {type(x).__name__} {x!r}")
        return tuple(s)
    raise TypeError(
        f"Scheduler: the {name!r} schedule must be an lrdsl schedule or a list of them (one per"
        f" param group), got {type(s).__name__} {s!r}"
    )


def _read_state(state: Any, n_groups: int) -> dict[str, Any]:
    """A :meth:`Scheduler.state_dict`, checked, with its schedules rebuilt."""
    where = "Scheduler.load_state_dict"
    if not isinstance(state, Mapping):
        raise ScheduleError(f"{where}: expected a dict, got {type(state).__name__}")
    if state.get("format") != STATE_FORMAT:
        raise ScheduleError(
            f"{where}: not an lrdsl Scheduler state (its 'format' is {state.get('format')!r},"
            f" expected {STATE_FORMAT!r}); was it saved by another scheduler class?"
        )
    if state.get("version") != STATE_VERSION:
        raise ScheduleError(
            f"{where}: unknown state version {state.get('version')!r} (this lrdsl reads {STATE_VERSION})"
        )
    for key in ("last_epoch", "step_count"):
        v = state.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ScheduleError(f"{where}: {key!r} must be an int >= 0, got {v!r}")
    relative = state.get("relative")
    if not isinstance(relative, bool):
        raise ScheduleError(f"{where}: 'relative' must be True or False, got {relative!r}")
    docs = state.get("schedules")
    if not isinstance(docs, Mapping) or not docs:
        raise ScheduleError(f"{where}: 'schedules' must be a non-empty dict, got {docs!r}")
    schedules: dict[str, tuple[Schedule, ...]] = {}
    for name, per_group in docs.items():
        if name not in HYPERPARAMETERS:
            raise ScheduleError(f"{where}: unknown hyperparameter {name!r} in 'schedules'")
        if not isinstance(per_group, (list, tuple)) or len(per_group) != n_groups:
            got = len(per_group) if isinstance(per_group, (list, tuple)) else type(per_group).__name__
            raise ScheduleError(
                f"{where}: schedules[{name!r}] must be a list with one schedule per param group"
                f" ({n_groups}), got {got}"
            )
        built = []
        for g, doc in enumerate(per_group):
            try:
                built.append(from_dict(doc))
            except (ScheduleError, TypeError) as e:
                raise ScheduleError(f"{where}: schedules[{name!r}][{g}] is broken: {e}") from e
        schedules[name] = tuple(built)
    out = {
        "last_epoch": state["last_epoch"],
        "step_count": state["step_count"],
        "relative": relative,
        "schedules": schedules,
    }
    if relative:
        bases = state.get("base_lrs")
        if (
            not isinstance(bases, (list, tuple))
            or len(bases) != n_groups
            or not all(isinstance(b, (int, float)) and math.isfinite(b) for b in bases)
        ):
            raise ScheduleError(
                f"{where}: 'base_lrs' must be a list of {n_groups} finite numbers, got {bases!r}"
            )
        out["base_lrs"] = [float(b) for b in bases]
    return out


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

    ``ReduceLROnPlateau`` follows a metric, so it is no function of the step: a
    :class:`~lrdsl.ScheduleError`. Other classes (including subclasses, whose
    formulas may differ) are a ``NotImplementedError``.
    """
    if isinstance(scheduler, L.ReduceLROnPlateau):
        raise ScheduleError(
            "from_scheduler: ReduceLROnPlateau follows a metric (it lowers the lr when the loss"
            " stops improving), so its lr is not a function of the step and has no schedule"
        )
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

    def one(values: list[Schedule]) -> Schedule | list[Schedule]:
        return values[0] if len(values) == 1 else values

    lrs = one([_convert(scheduler, g, None) for g in groups])
    momentum = _MOMENTUM.get(type(scheduler))
    if momentum is None or not getattr(scheduler, "cycle_momentum", False):
        return lrs
    key = "beta1" if getattr(scheduler, "use_beta1", False) else "momentum"
    return {"lr": lrs, key: one([momentum(scheduler, g) for g in groups])}


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
