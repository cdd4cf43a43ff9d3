"""``timm.scheduler`` under its own names, as lrdsl expressions.

timm's schedulers take the optimizer; here they take ``base_lr``. The value
at ``t`` is timm's ``_get_lr(t)``: the lr after ``scheduler.step(t)`` (with
``t_in_epochs=True``, timm's default, ``t`` counts epochs) or after
``scheduler.step_update(t)`` (``t_in_epochs=False``: ``t`` counts optimizer
updates). To drive an epoch-based schedule once per optimizer step, as lrdsl's
adapters do, pass ``steps_per_epoch``: the result is then
``s.per_epoch(steps_per_epoch)``, the lr timm sets at the start of each epoch
held through it. timm's noise options (``noise_range_t``, ``noise_pct``,
``noise_std``, ``noise_seed``) give timm's own noise, the same floats, as
:class:`lrdsl.TimmNoise` (Python and NumPy; not JAX).
PlateauLRScheduler follows a metric, so it is not a schedule.

timm's warmup is ``warmup_lr_init + t * (base_lr - warmup_lr_init) /
warmup_t``; with ``warmup_prefix`` the schedule starts after it (lrdsl's
``warmup(s, warmup_t, start=warmup_lr_init)``), without it the schedule runs from
``t = 0`` underneath (``warmup(..., shift=False)``).

Importing this module does not import timm or PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import _checks as check
from .._node import Schedule
from ..combinators import Warmup, chain
from ..errors import ScheduleError
from ..families import CosineRestarts, PolynomialRestarts, Tanh, wsd
from ..noises import TimmNoise
from ..primitives import Constant, Linear, MultiStep, Step

__all__ = [
    "CosineLRScheduler",
    "TanhLRScheduler",
    "StepLRScheduler",
    "MultiStepLRScheduler",
    "PolyLRScheduler",
    "WSDLRScheduler",
]


def _epochs(s: Schedule, t_in_epochs: bool, steps_per_epoch: int | None) -> Schedule:
    if steps_per_epoch is None:
        return s
    if not t_in_epochs:
        raise check.fail("timm", "steps_per_epoch", steps_per_epoch, "None when t_in_epochs=False")
    return s.per_epoch(steps_per_epoch)


_NOISE_NAMES = {
    "pct": "noise_pct",
    "std": "noise_std",
    "seed": "noise_seed",
    "kind": "noise_type",
    "start": "noise_range_t",
    "stop": "noise_range_t",
}


def _noisy(
    fn: str,
    s: Schedule,
    noise_range_t: Any,
    noise_pct: float,
    noise_std: float,
    noise_seed: int,
    noise_type: str = "normal",
) -> Schedule:
    """timm's ``Scheduler._add_noise`` on ``s`` (at timm's ``t``), when ``noise_range_t``
    is given: a number ``n`` (noise from ``t = n`` on) or a pair ``[start, stop]``."""
    if noise_range_t is None:
        return s
    if isinstance(noise_range_t, (list, tuple)):
        if len(noise_range_t) != 2:
            raise check.fail(fn, "noise_range_t", list(noise_range_t), "a number or a pair [start, stop]")
        start, stop = noise_range_t
    else:
        start, stop = noise_range_t, None
    try:
        return TimmNoise(
            s, pct=noise_pct, std=noise_std, kind=noise_type, seed=noise_seed, start=start, stop=stop
        )
    except (ScheduleError, TypeError) as e:  # in timm's words: CosineLRScheduler: noise_pct ...
        head, _, rest = str(e).partition(": ")
        name, _, rule = rest.partition(" ")
        message = f"{fn}: {_NOISE_NAMES.get(name, name)} {rule}" if head == "timm_noise" else str(e)
        raise type(e)(message) from None


def _warm(s: Schedule, warmup_t: int, warmup_lr_init: float, warmup_prefix: bool, target: float) -> Schedule:
    """timm's linear warmup from ``warmup_lr_init`` to ``target`` over ``warmup_t``, then
    ``s(t - warmup_t)`` (``warmup_prefix``) or ``s(t)``."""
    if warmup_t <= 0:
        return s
    s0 = s(0)
    if target == s0:
        return Warmup(s, warmup_t, start=warmup_lr_init, shift=warmup_prefix)
    if warmup_prefix:
        return chain(Linear(warmup_lr_init, target, warmup_t), s, boundaries=[warmup_t])
    # The warmup aims at s(warmup_t), not s(0): correct lrdsl's warmup by the difference.
    ramp = Linear(0.0, abs(target - s0), warmup_t) >> Constant(0.0)
    warm = Warmup(s, warmup_t, start=warmup_lr_init, shift=False)
    return warm + ramp if target > s0 else warm - ramp


def CosineLRScheduler(
    base_lr: float,
    t_initial: int,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    k_decay: float = 1.0,
    *,
    steps_per_epoch: int | None = None,
) -> Schedule:
    """Cosine cycles (SGDR): ``cosine_restarts(base_lr, lr_min, t_initial, mult=cycle_mul,
    decay=cycle_decay, limit=cycle_limit, k=k_decay)`` (``lr_min`` after ``cycle_limit``
    cycles), after timm's warmup."""
    s: Schedule = (
        CosineRestarts(base_lr, lr_min, t_initial, mult=cycle_mul, decay=cycle_decay, limit=cycle_limit, k=k_decay)
        if cycle_limit > 0
        else Constant(lr_min)
    )
    warm = _warm(s, warmup_t, warmup_lr_init, warmup_prefix, base_lr)
    noisy = _noisy("CosineLRScheduler", warm, noise_range_t, noise_pct, noise_std, noise_seed)
    return _epochs(noisy, t_in_epochs, steps_per_epoch)


def TanhLRScheduler(
    base_lr: float,
    t_initial: int,
    lb: float = -7.0,
    ub: float = 3.0,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    *,
    steps_per_epoch: int | None = None,
) -> Schedule:
    """Hyperbolic-tangent cycles: ``tanh(base_lr, lr_min, t_initial, lb=lb, ub=ub, mult=cycle_mul,
    decay=cycle_decay, limit=cycle_limit)``. timm's warmup aims at ``base_lr`` with
    ``warmup_prefix``, and at the tanh's own value at ``warmup_t`` without."""
    s: Schedule = (
        Tanh(base_lr, lr_min, t_initial, lb=lb, ub=ub, mult=cycle_mul, decay=cycle_decay, limit=cycle_limit)
        if cycle_limit > 0
        else Constant(lr_min)
    )
    target = base_lr if warmup_prefix or warmup_t <= 0 else s(warmup_t)
    warm = _warm(s, warmup_t, warmup_lr_init, warmup_prefix, target)
    noisy = _noisy("TanhLRScheduler", warm, noise_range_t, noise_pct, noise_std, noise_seed)
    return _epochs(noisy, t_in_epochs, steps_per_epoch)


def StepLRScheduler(
    base_lr: float,
    decay_t: float,
    decay_rate: float = 1.0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    *,
    steps_per_epoch: int | None = None,
) -> Schedule:
    """``base_lr * decay_rate ** (t // decay_t)``: ``step(base_lr, decay_t, gamma=decay_rate)``,
    after timm's warmup."""
    s = Step(base_lr, decay_t, gamma=decay_rate)
    warm = _warm(s, warmup_t, warmup_lr_init, warmup_prefix, base_lr)
    noisy = _noisy("StepLRScheduler", warm, noise_range_t, noise_pct, noise_std, noise_seed)
    return _epochs(noisy, t_in_epochs, steps_per_epoch)


def MultiStepLRScheduler(
    base_lr: float,
    decay_t: Sequence[int],
    decay_rate: float = 1.0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    *,
    steps_per_epoch: int | None = None,
) -> Schedule:
    """``base_lr * decay_rate ** (number of decay_t <= t + 1)``: timm decays one step
    earlier than PyTorch's MultiStepLR, so this is ``multistep(base_lr,
    [max(m - 1, 0) for m in decay_t], gamma=decay_rate)``, after timm's warmup."""
    s = MultiStep(base_lr, sorted(max(m - 1, 0) for m in decay_t), gamma=decay_rate)
    warm = _warm(s, warmup_t, warmup_lr_init, warmup_prefix, base_lr)
    noisy = _noisy("MultiStepLRScheduler", warm, noise_range_t, noise_pct, noise_std, noise_seed)
    return _epochs(noisy, t_in_epochs, steps_per_epoch)


def PolyLRScheduler(
    base_lr: float,
    t_initial: int,
    power: float = 0.5,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    k_decay: float = 1.0,
    *,
    steps_per_epoch: int | None = None,
) -> Schedule:
    """Polynomial cycles: ``polynomial_restarts(base_lr, lr_min, t_initial, power=power,
    mult=cycle_mul, decay=cycle_decay, limit=cycle_limit, k=k_decay)``, after timm's warmup."""
    s: Schedule = (
        PolynomialRestarts(base_lr, lr_min, t_initial, power=power, mult=cycle_mul, decay=cycle_decay, limit=cycle_limit, k=k_decay)
        if cycle_limit > 0
        else Constant(lr_min)
    )
    warm = _warm(s, warmup_t, warmup_lr_init, warmup_prefix, base_lr)
    noisy = _noisy("PolyLRScheduler", warm, noise_range_t, noise_pct, noise_std, noise_seed)
    return _epochs(noisy, t_in_epochs, steps_per_epoch)


def WSDLRScheduler(
    base_lr: float,
    t_initial: int,
    decay_t: int,
    lr_min: float = 0.0,
    stable_fn: str = "constant",
    decay_fn: str = "1-sqrt",
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    t_in_epochs: bool = True,
    noise_range_t: Any = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    *,
    steps_per_epoch: int | None = None,
) -> Schedule:
    """Warmup-stable-decay: ``wsd(base_lr, warmup_t, t_initial - decay_t, decay_t,
    start=warmup_lr_init, end=lr_min, decay=decay_fn)`` (timm's ``t_initial``
    counts the stable and decay phases, after the warmup), for timm's
    ``stable_fn="constant"`` and ``decay_fn`` ``"linear"``, ``"cosine"`` or
    ``"1-sqrt"``; its ``rsqrt``/``power`` stable phases and
    ``power``/``exp``/callable decays raise ``ScheduleError``.
    """
    fn = "WSDLRScheduler"
    check.choice(fn, "stable_fn", stable_fn, ("constant",))
    check.choice(fn, "decay_fn", decay_fn, ("linear", "cosine", "1-sqrt"))
    if not 0 < decay_t <= t_initial:
        raise check.fail(fn, "decay_t", decay_t, f"in (0, t_initial], t_initial={t_initial!r}")
    s = wsd(base_lr, warmup_t, t_initial - decay_t, decay_t, start=warmup_lr_init, end=lr_min, warmup="linear", decay=decay_fn)
    noisy = _noisy(fn, s, noise_range_t, noise_pct, noise_std, noise_seed)
    return _epochs(noisy, t_in_epochs, steps_per_epoch)
