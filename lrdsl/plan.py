"""One clock for every scheduled quantity of a training run: :class:`Plan`.

Real recipes schedule more than the lr: DINOv2 runs five schedules (lr, weight
decay, teacher momentum, teacher temperature, last-layer freeze), modded-nanogpt an
integer attention window, diffusers an EMA decay, others dropout or sequence
length. A :class:`Plan` drives them all from one count ``t``:

>>> import torch, lrdsl as lr
>>> from lrdsl.torch import Plan
>>> model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.1))
>>> opt = torch.optim.AdamW(model.parameters(), lr=0.0)
>>> plan = Plan(
...     {
...         "lr": lr.linear(0, 1e-3, 100) >> lr.cosine(1e-3, 1e-5, 900),  # every param group
...         "model.1.p": lr.linear(0.1, 0.0, 1000),  # the Dropout's p
...         "window": lr.linear(128, 1792, 1000).ceil(multiple=128),  # read by the loop
...     },
...     optimizer=opt,
...     targets={"model": model},
... )
>>> for _ in range(500):
...     opt.step()
...     plan.step()
>>> plan.t, model[1].p, plan.values["window"]
(500, 0.05, 1024)

Names say what each schedule drives:

- ``"lr"``, ``"weight_decay"``, ``"momentum"``, ``"beta1"``, ``"beta2"`` (no dot,
  with ``optimizer=``): that hyperparameter in every param group, as
  :class:`~lrdsl.torch.Scheduler` sets it (one schedule, or a list with one per
  group; a tensor value is written in place).
- ``"root.path.attr"`` (a dot): the attribute ``attr`` reached from
  ``targets["root"]`` along ``path``; ``*`` in the path matches every child (of a
  module, its submodules; of a list, tuple or dict, its items), so
  ``"model.blocks.*.drop_path.p"`` sets ``p`` in every block. Every match must have
  the attribute (a :class:`~lrdsl.ScheduleError` names the first that has not); a
  tensor attribute is written in place.
- any other name: a plain value the training loop reads, from ``plan.values``.

Time: ``plan.t`` starts at 0 (every target set to its schedule at 0 when the plan
is built); :meth:`Plan.step` adds one and sets every target to ``schedule(t)``.
``plan(t)`` is the dict of every value at ``t`` (nothing is written). Values
are computed in closed form, each distinct schedule once per step; quantised
schedules (``s.round()``, ``s.floor()``, ``s.ceil()``) give ints.

The clock and the drift check are :class:`~lrdsl.torch.Scheduler`'s (one code,
``lrdsl/_torch_clock.py``): with ``clock="optimizer"`` (an optimizer is needed),
``t`` counts the optimizer steps that really ran (a step ``GradScaler`` skips does
not count; each one sets every target to ``schedule(t)`` at once) and
:meth:`Plan.step` advances nothing (it sets the values at ``t`` again). With
``check=True`` (an optimizer is needed), a :class:`~lrdsl.torch.DriftWarning`
(once per cause) when a driven optimizer hyperparameter is not what the plan last
wrote, or, on the step clock, when :meth:`Plan.step` has been called a different
number of times than ``optimizer.step()``. Module attributes and plain values are
not checked.

Checkpoints: :meth:`Plan.state_dict` is plain data (``t``, each schedule's
``to_dict()``, and ``clock`` unless it is ``"step"``), read by ``torch.load(...,
weights_only=True)``; :meth:`Plan.load_state_dict` checks the schedules and the
clock and restores ``t``, setting every target at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from ._node import Schedule
from ._param_groups import HYPERPARAMETERS, WHERE, check_groups, per_group, same_schedule
from .errors import ScheduleError
from .serialize import from_dict

__all__ = ["Plan", "HYPERPARAMETERS"]


class _GroupSlot(NamedTuple):
    """One driven optimizer value, as the drift check reads it."""

    group: int
    name: str
    key: str
    beta: int | None

STATE_FORMAT = "lrdsl.torch.Plan"
STATE_VERSION = 1


class Plan:
    """Several named quantities (optimizer hyperparameters, module attributes, plain
    values) driven by schedules on one clock. See the module docstring.

    Args:
        schedules: ``{name: schedule}``; an optimizer hyperparameter may take a list
            with one schedule per param group.
        optimizer: the ``torch.optim.Optimizer`` whose hyperparameters are named
            (required if any is).
        targets: ``{root: object}``, the objects that dotted names start from (a
            model, an EMA, a data loader's sampler, ...).
        clock: ``"step"`` (the default: :meth:`step` counts) or ``"optimizer"``
            (the optimizer steps that ran count), as :class:`~lrdsl.torch.Scheduler`'s.
        check: warn when a driven optimizer hyperparameter is not what the plan set,
            or the count is off, as :class:`~lrdsl.torch.Scheduler`'s.
    """

    def __init__(
        self,
        schedules: Mapping[str, Schedule | Sequence[Schedule]],
        *,
        optimizer: Any = None,
        targets: Mapping[str, Any] | None = None,
        clock: str = "step",
        check: bool = False,
    ) -> None:
        if not isinstance(schedules, Mapping):
            raise TypeError(f"Plan: schedules must be a dict of names to schedules, got {type(schedules).__name__}")
        if not schedules:
            raise ScheduleError("Plan: schedules is empty; name at least one quantity")
        targets = {} if targets is None else targets
        if not isinstance(targets, Mapping):
            raise TypeError(f"Plan: targets must be a dict of names to objects, got {type(targets).__name__}")
        if optimizer is not None:
            from torch.optim import Optimizer

            if not isinstance(optimizer, Optimizer):
                raise TypeError(f"Plan: optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        if clock != "step" or check is not False:
            from ._torch_clock import check_clock

            check_clock("Plan", clock, check)
            if optimizer is None:
                what = f"clock={clock!r}" if clock != "step" else "check=True"
                raise ScheduleError(f"Plan: {what} follows an optimizer's steps, but no optimizer was given (pass optimizer=...)")
        self.clock = clock
        self.optimizer = optimizer
        self.targets = dict(targets)
        self.schedules: dict[str, Schedule | tuple[Schedule, ...]] = {}
        self._fns: list[Callable[[Any], Any]] = []
        self._distinct: list[Schedule] = []  # the schedule of each of _fns
        # (name, index of the fn or one per group, kind, where): kind is "optimizer",
        # "attribute" or "value".
        self._slots: list[tuple[str, Any, str, Any]] = []
        index: dict[Any, int] = {}

        def fn_index(s: Schedule) -> int:
            try:
                i = index.setdefault(s, len(self._fns))
            except TypeError:  # an unhashable schedule: no sharing
                i = len(self._fns)
            if i == len(self._fns):
                self._fns.append(s.compile("python"))
                self._distinct.append(s)
            return i

        for name, s in schedules.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"Plan: a name must be a non-empty str, got {name!r}")
            if "." not in name and name in HYPERPARAMETERS and optimizer is not None:
                each = per_group("Plan", name, s, len(optimizer.param_groups), _is_schedule)
                check_groups("Plan", optimizer, name)
                self.schedules[name] = each
                self._slots.append((name, [fn_index(x) for x in each], "optimizer", WHERE[name]))
            elif "." in name:
                one = _check_schedule(name, s)
                self.schedules[name] = one
                self._slots.append((name, fn_index(one), "attribute", _resolve(name, self.targets)))
            else:
                if name in HYPERPARAMETERS:
                    raise ScheduleError(
                        f"Plan: {name!r} names an optimizer hyperparameter, but no optimizer was given"
                        " (pass optimizer=...)"
                    )
                one = _check_schedule(name, s)
                self.schedules[name] = one
                self._slots.append((name, fn_index(one), "value", None))
        self.t = 0
        self.values: dict[str, Any] = {}
        self._apply(0)
        self._drift: Any = None
        self._hook: Any = None
        if check or clock == "optimizer":
            from ._torch_clock import Drift, register_tick

            if check:
                self._drift = Drift("Plan")
                self._drift.record(optimizer.param_groups, self._group_slots(), 0)
            self._hook = register_tick(optimizer, self)

    # -- the clock ---------------------------------------------------------------------

    def step(self) -> None:
        """Advance one step: every target becomes ``schedule(t + 1)``. On
        ``clock="optimizer"`` nothing advances: every target is set to ``schedule(t)``
        again."""
        drift = self._drift
        if drift is not None and self.clock == "step":
            drift.count()
        self._move(self.t + 1 if self.clock == "step" else self.t)

    def _optimizer_stepped(self) -> None:
        """The optimizer's step post-hook: count, and on the optimizer clock move on."""
        drift = self._drift
        if drift is not None:
            drift.optimizer_steps += 1
        if self.clock == "optimizer":
            self._move(self.t + 1)

    def _move(self, t: int) -> None:
        """Set every target to its value at ``t`` (checking for drift first)."""
        drift = self._drift
        if drift is None:
            self._apply(t)
            self.t = t
            return
        groups = self.optimizer.param_groups
        slots = self._group_slots()
        drift.check(groups, slots)
        self._apply(t)
        self.t = t
        drift.record(groups, slots, t)

    def _group_slots(self) -> list[_GroupSlot]:
        """Every driven optimizer value (group, name, key, beta), for the drift check."""
        out: list[_GroupSlot] = []
        for name, _, kind, where in self._slots:
            if kind == "optimizer":
                key, beta = where
                out.extend(_GroupSlot(g, name, key, beta) for g in range(len(self.optimizer.param_groups)))
        return out

    def __call__(self, t: int) -> dict[str, Any]:
        """Every quantity's value at ``t``: ``{name: value}`` (a list per group for an
        optimizer hyperparameter driven per group). Nothing is written."""
        if isinstance(t, bool) or not isinstance(t, int) or t < 0:
            raise ScheduleError(f"Plan: t must be an int >= 0, got {t!r}")
        return self._values(t)

    def _values(self, t: int, computed: list[Any] | None = None) -> dict[str, Any]:
        if computed is None:
            computed = [f(t) for f in self._fns]
        out: dict[str, Any] = {}
        for name, i, kind, _ in self._slots:
            if kind == "optimizer":
                vs = [computed[k] for k in i]
                out[name] = vs[0] if all(k == i[0] for k in i) else vs
            else:
                out[name] = computed[i]
        return out

    def _apply(self, t: int) -> None:
        """Set every target to its value at ``t``, and keep the values."""
        import torch

        computed = [f(t) for f in self._fns]
        values = self._values(t, computed)
        for name, i, kind, where in self._slots:
            if kind == "optimizer":
                key, beta = where
                for g, group in enumerate(self.optimizer.param_groups):
                    v = computed[i[g]]
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
            elif kind == "attribute":
                v = values[name]
                for obj, attr in where:
                    cur = getattr(obj, attr)
                    if isinstance(cur, torch.Tensor):
                        cur.fill_(v)
                    else:
                        setattr(obj, attr, v)
        self.values = values

    # -- checkpoints -------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The plan as plain data: ``t`` and every schedule as ``to_dict()`` (a list per
        group for a per-group hyperparameter)."""
        docs: dict[str, Any] = {}
        for name, s in self.schedules.items():
            try:
                docs[name] = [x.to_dict() for x in s] if isinstance(s, tuple) else s.to_dict()
            except ScheduleError as e:
                raise ScheduleError(f"Plan.state_dict: cannot save the {name!r} schedule: {e}") from e
        state = {"format": STATE_FORMAT, "version": STATE_VERSION, "t": int(self.t), "schedules": docs}
        if self.clock != "step":
            state["clock"] = self.clock
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``t`` from a :meth:`state_dict` and set every target to its value
        there. The checkpoint must name the same schedules as this plan."""
        where = "Plan.load_state_dict"
        if not isinstance(state, Mapping) or state.get("format") != STATE_FORMAT:
            got = state.get("format") if isinstance(state, Mapping) else type(state).__name__
            raise ScheduleError(f"{where}: not a Plan state (its 'format' is {got!r}, expected {STATE_FORMAT!r})")
        if state.get("version") != STATE_VERSION:
            raise ScheduleError(f"{where}: unknown state version {state.get('version')!r} (this lrdsl reads 1)")
        t = state.get("t")
        if isinstance(t, bool) or not isinstance(t, int) or t < 0:
            raise ScheduleError(f"{where}: 't' must be an int >= 0, got {t!r}")
        clock = state.get("clock", "step")
        if clock != self.clock:
            raise ScheduleError(f"{where}: the checkpoint counts with clock={clock!r}, this Plan with clock={self.clock!r}")
        docs = state.get("schedules")
        if not isinstance(docs, Mapping) or set(docs) != set(self.schedules):
            names = sorted(docs) if isinstance(docs, Mapping) else docs
            raise ScheduleError(f"{where}: the checkpoint drives {names!r}, this Plan drives {sorted(self.schedules)}")
        for name, ours in self.schedules.items():
            theirs = docs[name]
            try:
                saved = tuple(from_dict(d) for d in theirs) if isinstance(theirs, list) else from_dict(theirs)
            except (ScheduleError, TypeError) as e:
                raise ScheduleError(f"{where}: the schedule of {name!r} is broken: {e}") from e
            if not _same(ours, saved):
                raise ScheduleError(
                    f"{where}: the checkpoint's {name!r} schedule is {_text(saved)}, but this Plan was"
                    f" built with {_text(ours)}"
                )
        self._apply(t)
        self.t = t
        if self._drift is not None:
            self._drift.record(self.optimizer.param_groups, self._group_slots(), t)

    # -- copies ------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """The plan's attributes (its optimizer and targets come along), without the
        generated code and the optimizer hook: :meth:`__setstate__` rebuilds both."""
        state = self.__dict__.copy()
        state.pop("_fns", None)
        state.pop("_hook", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._fns = [s.compile("python") for s in self._distinct]
        self._hook = None
        if self._drift is not None or self.clock == "optimizer":
            from ._torch_clock import register_tick

            # Optimizers do not copy their hooks: the copy's optimizer needs ours again.
            self._hook = register_tick(self.optimizer, self)

    def __repr__(self) -> str:
        return f"Plan(t={self.t}, {', '.join(self.schedules)})"


# ----------------------------------------------------------------------------
# Helpers.


def _check_schedule(name: str, s: Any) -> Schedule:
    if not isinstance(s, Schedule):
        raise TypeError(f"Plan: {name!r} must be a schedule, got {type(s).__name__} {s!r}")
    return s


def _is_schedule(name: str, s: Any) -> bool:
    return isinstance(s, Schedule)


def _children(obj: Any) -> Iterable[tuple[str, Any]]:
    """What ``*`` matches in ``obj``: a module's submodules, a sequence's or dict's items."""
    import torch

    if isinstance(obj, torch.nn.Module):
        return list(obj.named_children())
    if isinstance(obj, (list, tuple)):
        return [(str(k), v) for k, v in enumerate(obj)]
    if isinstance(obj, Mapping):
        return [(str(k), v) for k, v in obj.items()]
    raise ScheduleError(f"* matches the children of a module, list, tuple or dict, not of a {type(obj).__name__}")


def _step_into(obj: Any, part: str) -> Any:
    if isinstance(obj, (list, tuple)) and part.isdigit():
        return obj[int(part)]
    if isinstance(obj, Mapping) and part in obj:
        return obj[part]
    return getattr(obj, part)


def _resolve(name: str, targets: Mapping[str, Any]) -> list[tuple[Any, str]]:
    """The ``(object, attribute)`` pairs a dotted name sets (wildcards expanded)."""
    root, *path = name.split(".")
    if root not in targets:
        known = ", ".join(map(repr, sorted(targets))) or "none"
        raise ScheduleError(f"Plan: {name!r}: no target named {root!r} (targets: {known}; pass targets={{...}})")
    if not all(path):
        raise ScheduleError(f"Plan: {name!r}: a dotted name has an empty part")
    *inner, attr = path
    if attr == "*":
        raise ScheduleError(f"Plan: {name!r}: the last part names an attribute; * matches objects only")
    found: list[tuple[str, Any]] = [(root, targets[root])]
    for part in inner:
        nxt: list[tuple[str, Any]] = []
        for where, obj in found:
            if part == "*":
                try:
                    nxt.extend((f"{where}.{k}", v) for k, v in _children(obj))
                except ScheduleError as e:
                    raise ScheduleError(f"Plan: {name!r}: at {where}: {e}") from None
            else:
                try:
                    nxt.append((f"{where}.{part}", _step_into(obj, part)))
                except (AttributeError, IndexError, KeyError):
                    raise ScheduleError(
                        f"Plan: {name!r}: {where} ({type(obj).__name__}) has no {part!r}"
                    ) from None
        found = nxt
    if not found:
        raise ScheduleError(f"Plan: {name!r}: the wildcard matches nothing")
    out = []
    for where, obj in found:
        if not hasattr(obj, attr):
            raise ScheduleError(f"Plan: {name!r}: {where} ({type(obj).__name__}) has no attribute {attr!r}")
        out.append((obj, attr))
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (
            isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
        )
    return same_schedule(a, b)


def _text(s: Any) -> str:
    return "[" + ", ".join(map(str, s)) + "]" if isinstance(s, tuple) else str(s)

