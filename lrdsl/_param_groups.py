"""Optimizer hyperparameters in PyTorch param groups, shared by :class:`lrdsl.torch.Scheduler`
and :class:`lrdsl.torch.Plan`: which names drive what, where each lives in a group,
and the checks of a per-group argument against an optimizer (each error names its
caller). Imports nothing from PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import ScheduleError

__all__ = ["HYPERPARAMETERS", "WHERE", "per_group", "check_groups", "same_schedule"]

#: The hyperparameters a Scheduler or a Plan can drive. ``beta1`` and ``beta2`` are the
#: two entries of Adam's ``group["betas"]``.
HYPERPARAMETERS = ("lr", "weight_decay", "momentum", "beta1", "beta2")

#: Where a hyperparameter lives in a param group: its key, and the index inside
#: ``betas`` for beta1/beta2.
WHERE: dict[str, tuple[str, int | None]] = {
    "lr": ("lr", None),
    "weight_decay": ("weight_decay", None),
    "momentum": ("momentum", None),
    "beta1": ("betas", 0),
    "beta2": ("betas", 1),
}


def per_group(where: str, name: str, s: Any, n: int, is_one: Callable[[str, Any], bool]) -> tuple[Any, ...]:
    """``s`` (one schedule for every group, or a list with one per group) as a tuple of
    ``n``; ``is_one(name, x)`` says whether ``x`` is one schedule (and may raise a
    clearer error of its own)."""
    if is_one(name, s):
        return (s,) * n
    if isinstance(s, (list, tuple)):
        if len(s) != n:
            raise ScheduleError(
                f"{where}: the {name!r} list has {len(s)} schedules, but the optimizer has"
                f" {n} param groups (give one per group, or a single schedule for all)"
            )
        for i, x in enumerate(s):
            if not is_one(name, x):
                raise TypeError(f"{where}: {name}[{i}] must be a schedule, got {type(x).__name__} {x!r}")
        return tuple(s)
    raise TypeError(
        f"{where}: the {name!r} schedule must be an lrdsl schedule or a list of them (one per"
        f" param group), got {type(s).__name__} {s!r}"
    )


def check_groups(where: str, optimizer: Any, name: str) -> None:
    """Every param group of ``optimizer`` holds ``name`` (``betas`` as a pair for beta1/beta2)."""
    key, beta = WHERE[name]
    for g, group in enumerate(optimizer.param_groups):
        if key not in group:
            have = sorted(k for k in group if k != "params")
            raise ScheduleError(
                f"{where}: cannot drive {name!r}: {type(optimizer).__name__} param_groups[{g}]"
                f" has no {key!r} (it has {', '.join(have)})"
            )
        if beta is not None and not (isinstance(group[key], (tuple, list)) and len(group[key]) == 2):
            raise ScheduleError(
                f"{where}: cannot drive {name!r}: param_groups[{g}]['betas'] is {group[key]!r}, not a pair"
            )


def same_schedule(a: Any, b: Any) -> bool:
    """Structural equality of a driven schedule and a checkpoint's, comparing lambdas by
    their registered names (through ``to_dict``) and plateau schedules part by part."""
    from .plateau import PlateauSchedule
    from .serialize import from_dict

    if isinstance(a, PlateauSchedule) or isinstance(b, PlateauSchedule):
        return (
            isinstance(a, PlateauSchedule)
            and isinstance(b, PlateauSchedule)
            and a.plateau == b.plateau
            and a.start == b.start
            and same_schedule(a.schedule, b.schedule)
        )
    if a == b:
        return True
    try:
        return bool(from_dict(a.to_dict()) == b)
    except ScheduleError:
        return False
