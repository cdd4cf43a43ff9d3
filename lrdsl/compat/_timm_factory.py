"""timm's scheduler factory, ``timm.scheduler.create_scheduler_v2`` (timm 1.0), with the
optimizer replaced by ``base_lr``: its epoch arithmetic, pinned, then the constructors of
:mod:`lrdsl.compat.timm`.

Importing this module does not import timm or PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import _checks as check
from ..errors import ScheduleError
from ..primitives import Constant
from . import _rules as rule

__all__ = ["create_scheduler_v2"]

_FN = "create_scheduler_v2"

#: The ``sched`` names timm's factory knows, in its order; ``rsqrt`` is refused (below).
_SCHEDS = ("cosine", "tanh", "step", "multistep", "poly", "wsd", "rsqrt", "constant", "plateau", "none")


def _cycle_length(
    t_initial: Any, cycle_mul: Any, cycle_limit: Any, warmup_t: Any, warmup_prefix: bool
) -> Any:
    """timm's ``get_cycle_length()`` of its cosine, tanh and poly schedulers."""
    cycles = max(1, cycle_limit)
    if cycle_mul == 1.0:
        t = t_initial * cycles
    else:
        t = math.floor(-t_initial * (cycle_mul**cycles - 1) / (1 - cycle_mul))  # timm: int(math.floor(...))
    return t + warmup_t if warmup_prefix else t


def create_scheduler_v2(
    base_lr: float,
    sched: str = "cosine",
    num_epochs: int = 300,
    decay_epochs: float | None = None,
    decay_milestones: Sequence[int] = (90, 180, 270),
    cooldown_epochs: int = 0,
    patience_epochs: int = 10,
    decay_rate: float = 0.1,
    min_lr: float = 0.0,
    warmup_lr: float = 1e-5,
    warmup_epochs: int = 0,
    warmup_prefix: bool = False,
    noise: float | Sequence[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    cycle_mul: float = 1.0,
    cycle_decay: float = 0.1,
    cycle_limit: int = 1,
    k_decay: float = 1.0,
    decay_fn: str | None = None,
    stable_timescale: float | None = None,
    plateau_mode: str = "max",
    step_on_epochs: bool = True,
    updates_per_epoch: int = 0,
) -> tuple[Any, Any]:
    """``(schedule, num_epochs)``, as timm's ``create_scheduler_v2(optimizer, ...)`` returns
    ``(scheduler, num_epochs)``: same keywords and defaults, ``base_lr`` for the optimizer.

    **Time.** The schedule is in timm's unit: with ``step_on_epochs=True`` ``s(e)`` is the
    lr timm sets on ``scheduler.step(e)`` (``e`` epochs done; timm's ``train.py`` calls
    ``step(epoch + 1)`` after each epoch); with ``step_on_epochs=False`` ``s(n)`` is the
    lr it sets on ``scheduler.step_update(n)`` (``n`` optimizer updates done, ``train.py``'s
    ``num_updates``). ``s(0)`` is the lr the scheduler starts with. To drive a per-epoch
    schedule once per optimizer update, use ``s.per_epoch(updates_per_epoch)``.

    **Epoch arithmetic, as timm's.** ``decay_epochs`` defaults to 90 (0.2 for ``wsd``).
    With ``step_on_epochs=False`` (``updates_per_epoch > 0`` required) every epoch count
    is multiplied by ``updates_per_epoch``: ``t_initial = num_epochs * u``, the warmup,
    ``decay_epochs``, each of ``decay_milestones``, the cooldown and
    ``stable_timescale``. ``noise`` (fractions of the run) is multiplied by ``t_initial``.
    For ``wsd`` the stable + decay length is ``t_initial`` (``t_initial - warmup`` unless
    ``warmup_prefix``); a ``decay_epochs`` in ``(0, 1)`` is a fraction of it, and the decay
    length is ``int(round(...))`` (Python's round: half to even) and must be in ``(0,
    length]``. The returned ``num_epochs`` is, for ``cosine``/``tanh``/``poly``/``wsd``, the
    scheduler's cycle length plus the cooldown (``// updates_per_epoch`` when stepping on
    updates), else ``num_epochs`` (``+ warmup_epochs`` with ``warmup_prefix``). The
    cooldown does not change the schedule: it holds ``min_lr``, as the schedule already does.

    ``sched``: ``cosine``, ``tanh``, ``step``, ``multistep``, ``poly``, ``wsd``,
    ``constant`` (timm's step scheduler that never decays), ``plateau`` (a
    :class:`lrdsl.plateau.PlateauSchedule`, epochs only, as timm), ``none`` (timm returns no
    scheduler and leaves the lr: ``constant(base_lr)``). ``rsqrt`` (timm's reciprocal
    square-root stable phase) is refused, as :func:`lrdsl.compat.timm.WSDLRScheduler`
    refuses it.
    """
    from . import timm as ct

    if not isinstance(sched, str):
        raise TypeError(f"{_FN}: sched must be one of {_SCHEDS}, got {type(sched).__name__} {sched!r}")
    if sched not in _SCHEDS:
        raise check.fail(_FN, "sched", sched, f"one of {', '.join(_SCHEDS)} (timm: Unknown scheduler)")
    if sched == "rsqrt":
        raise check.fail(
            _FN, "sched", sched, "one of the others (timm's rsqrt stable phase is not built: WSDLRScheduler)"
        )
    step_on_epochs = check.flag(_FN, "step_on_epochs", step_on_epochs)
    warmup_prefix = check.flag(_FN, "warmup_prefix", warmup_prefix)
    num_epochs = rule.number(_FN, "num_epochs", num_epochs)
    if decay_epochs is None:
        decay_epochs = 0.2 if sched in ("wsd", "rsqrt") else 90
    decay_epochs = rule.number(_FN, "decay_epochs", decay_epochs)
    warmup_epochs = rule.number(_FN, "warmup_epochs", warmup_epochs)
    cooldown_epochs = rule.number(_FN, "cooldown_epochs", cooldown_epochs)
    if isinstance(decay_milestones, (str, bytes)):
        raise TypeError(
            f"{_FN}: decay_milestones must be a list of numbers, got {type(decay_milestones).__name__}"
        )
    milestones = [rule.number(_FN, f"decay_milestones[{i}]", m) for i, m in enumerate(decay_milestones)]

    del stable_timescale  # timm uses it for rsqrt only
    t_initial, warmup_t, decay_t, cooldown_t = num_epochs, warmup_epochs, decay_epochs, cooldown_epochs
    updates = updates_per_epoch
    if not step_on_epochs:
        updates = rule.number(_FN, "updates_per_epoch", updates_per_epoch)
        if not updates > 0:
            raise check.fail(
                _FN, "updates_per_epoch", updates, "> 0 when step_on_epochs=False (the dataloader's batches)"
            )
        t_initial = t_initial * updates
        warmup_t = warmup_t * updates
        decay_t = decay_t * updates
        milestones = [d * updates for d in milestones]
        cooldown_t = cooldown_t * updates

    noise_range: Any = None
    if noise is not None:
        if isinstance(noise, (list, tuple)):
            noise_range = [n * t_initial for n in noise]
            if len(noise_range) == 1:
                noise_range = noise_range[0]
        else:
            noise_range = rule.number(_FN, "noise", noise) * t_initial
    noise_args: dict[str, Any] = {
        "noise_range_t": noise_range,
        "noise_pct": noise_pct,
        "noise_std": noise_std,
        "noise_seed": noise_seed,
    }
    warmup_args: dict[str, Any] = {
        "warmup_lr_init": warmup_lr,
        "warmup_t": warmup_t,
        "warmup_prefix": warmup_prefix,
    }
    cycle_args: dict[str, Any] = {
        "cycle_mul": cycle_mul,
        "cycle_decay": cycle_decay,
        "cycle_limit": cycle_limit,
    }
    timed: dict[str, Any] = {"t_in_epochs": step_on_epochs}

    s: Any
    cycle_length: Any = None
    if sched == "cosine":
        s = ct.CosineLRScheduler(
            base_lr,
            t_initial,
            lr_min=min_lr,
            **timed,
            **cycle_args,
            **warmup_args,
            **noise_args,
            k_decay=k_decay,
        )
        cycle_length = _cycle_length(t_initial, cycle_mul, cycle_limit, warmup_t, warmup_prefix)
    elif sched == "tanh":
        s = ct.TanhLRScheduler(
            base_lr, t_initial, lr_min=min_lr, **timed, **cycle_args, **warmup_args, **noise_args
        )
        cycle_length = _cycle_length(t_initial, cycle_mul, cycle_limit, warmup_t, warmup_prefix)
    elif sched == "step":
        s = ct.StepLRScheduler(base_lr, decay_t, decay_rate=decay_rate, **timed, **warmup_args, **noise_args)
    elif sched == "constant":
        s = ct.StepLRScheduler(base_lr, 1, decay_rate=1.0, **timed, **warmup_args, **noise_args)
    elif sched == "multistep":
        s = ct.MultiStepLRScheduler(
            base_lr, milestones, decay_rate=decay_rate, **timed, **warmup_args, **noise_args
        )
    elif sched == "plateau":
        if not step_on_epochs:
            raise check.fail(
                _FN, "step_on_epochs", False, "True for sched='plateau' (timm steps it per epoch only)"
            )
        s = ct.PlateauLRScheduler(
            base_lr,
            decay_rate=decay_rate,
            patience_t=patience_epochs,
            cooldown_t=0,
            warmup_lr_init=warmup_lr,
            warmup_t=warmup_t,
            lr_min=min_lr,
            mode=plateau_mode,
            **noise_args,
        )
    elif sched == "poly":
        s = ct.PolyLRScheduler(
            base_lr,
            t_initial,
            power=decay_rate,
            lr_min=min_lr,
            **timed,
            k_decay=k_decay,
            **cycle_args,
            **warmup_args,
            **noise_args,
        )
        cycle_length = _cycle_length(t_initial, cycle_mul, cycle_limit, warmup_t, warmup_prefix)
    elif sched == "wsd":
        t_sched = t_initial if warmup_prefix else t_initial - warmup_t
        if 0 < decay_epochs < 1:
            decay_t = decay_epochs * t_sched  # a fraction of the stable + decay length
        decay_t = round(decay_t)  # timm: int(round(decay_t)), half to even
        if not 0 < decay_t <= t_sched:
            length = "num_epochs" if warmup_prefix else "num_epochs - warmup_epochs"
            raise ScheduleError(
                f"{_FN}: decay_epochs must give a decay of int(round(...)) steps in (0, {t_sched!r}]"
                f" (the stable + decay length, {length}), got {decay_epochs!r}: a decay of {decay_t}"
            )
        s = ct.WSDLRScheduler(
            base_lr,
            t_sched,
            decay_t,
            lr_min=min_lr,
            stable_fn="constant",
            decay_fn=decay_fn or "1-sqrt",
            **timed,
            warmup_t=warmup_t,
            warmup_lr_init=warmup_lr,
            **noise_args,
        )
        cycle_length = warmup_t + t_sched
    else:  # "none": timm makes no scheduler and the lr stays the optimizer's
        s = Constant(base_lr)

    if cycle_length is not None:
        total = cycle_length + cooldown_t
        num_epochs = total if step_on_epochs else total // updates
    elif warmup_prefix:
        num_epochs += warmup_epochs
    return s, num_epochs
