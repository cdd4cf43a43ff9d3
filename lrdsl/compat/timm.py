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
PlateauLRScheduler follows a metric: it is a schedule times a plateau, a
:class:`lrdsl.plateau.PlateauSchedule` (its noise options are refused).

timm's warmup is ``warmup_lr_init + t * (base_lr - warmup_lr_init) /
warmup_t``; with ``warmup_prefix`` the schedule starts after it (lrdsl's
``warmup(s, warmup_t, warmup_lr_init)``), without it the schedule runs from
``t = 0`` underneath (``warmup(..., shift=False)``).

Importing this module does not import timm or PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .. import _checks as check
from .. import quantity
from .._node import Schedule
from .._ops import is_plain
from ..combinators import Warmup, chain
from ..errors import ScheduleError
from ..families import CosineRestarts, PolynomialRestarts, Tanh, wsd
from ..noises import TimmNoise
from ..primitives import Constant, Linear, MultiStep, Step
from . import _rules as rule
from ._timm_factory import create_scheduler_v2

__all__ = [
    "CosineLRScheduler",
    "TanhLRScheduler",
    "StepLRScheduler",
    "MultiStepLRScheduler",
    "PolyLRScheduler",
    "WSDLRScheduler",
    "PlateauLRScheduler",
    "create_scheduler_v2",
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


def _warmup_t(fn: str, warmup_t: Any) -> Any:
    """timm's ``warmup_t``: ``>= 0`` (a negative one would start the schedule part-way
    with ``warmup_prefix``, and do nothing without)."""
    return rule.at_least(fn, "warmup_t", rule.steps(fn, "warmup_t", warmup_t), 0)


def _cycles(
    fn: str,
    make: Callable[[Any, Any, Any, Any], Schedule],
    base_lr: float,
    lr_min: float,
    t_initial: Any,
    cycle_mul: Any,
    cycle_decay: Any,
    cycle_limit: Any,
    k_decay: Any = 1.0,
) -> Schedule:
    """timm's cycles, ``make(peak, period, mult, limit)`` for cycles of length ``t_initial *
    cycle_mul ** i`` whose peak is ``base_lr * cycle_decay ** i``, ``lr_min`` from cycle
    ``cycle_limit`` on; at the edges as timm computes them: no cycle if ``cycle_limit <=
    0``, ``lr_min`` throughout if ``k_decay = 0`` (``x ** 0 / y ** 0 = 1``), and with
    ``cycle_decay = 0`` the cycles after the first peak at 0 (``0 ** 0 = 1``); a negative
    ``cycle_decay`` (timm takes it) alternates the sign of the peaks."""
    period = rule.positive(fn, "t_initial", rule.steps(fn, "t_initial", t_initial))
    rule.at_least(fn, "lr_min", lr_min, 0)
    mult = rule.concrete(fn, "cycle_mul", cycle_mul)
    mult = rule.at_least(fn, "cycle_mul", mult, 1, "(shorter cycles end, in timm, in a math domain error)")
    limit = rule.concrete(fn, "cycle_limit", cycle_limit)
    decay = rule.concrete(fn, "cycle_decay", cycle_decay)
    k_decay = rule.concrete(fn, "k_decay", k_decay)
    if limit <= 0 or k_decay == 0:
        return Constant(lr_min)
    if decay != 0 or limit <= 1:
        return make(base_lr, period, mult, limit)
    # cycle_decay = 0: the first cycle from base_lr, the others from 0
    return chain(make(base_lr, period, mult, 1), make(0.0, period * mult, mult, limit - 1), boundaries=[period])


def _warm(
    s: Schedule, warmup_t: int, warmup_lr_init: float, warmup_prefix: bool, target: float, aims: bool = True
) -> Schedule:
    """timm's linear warmup from ``warmup_lr_init`` to ``target`` over ``warmup_t``, then
    ``s(t - warmup_t)`` (``warmup_prefix``) or ``s(t)``.

    A symbolic warmup is always there (0 steps: the values of ``s``). For a symbolic ``s``,
    whose ``s(0)`` cannot be computed yet, ``aims`` says that it is ``target`` whatever the
    quantities' values; if not, or if ``target`` is symbolic, a line chained to ``s`` (to
    ``s(t)`` itself without ``warmup_prefix``: ``s.shift(-warmup_t)`` from ``warmup_t`` on)."""
    if is_plain(warmup_t) and warmup_t <= 0:
        return s
    if not (s._plain and is_plain(target)):
        if aims and not s._plain:
            return Warmup(s, warmup_t, start=warmup_lr_init, shift=warmup_prefix)
        after = s if warmup_prefix else s.shift(-warmup_t)
        return chain(Linear(warmup_lr_init, target, warmup_t), after, boundaries=[warmup_t])
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
    """Cosine cycles (SGDR): ``cosine_restarts(base_lr, lr_min, t_initial, cycle_mul,
    cycle_decay, cycle_limit, k_decay)`` (``lr_min`` after ``cycle_limit``
    cycles), after timm's warmup.

    At the edges as timm: ``cycle_limit <= 0`` or
    ``k_decay = 0`` is ``lr_min`` after the warmup; ``cycle_decay = 0`` peaks at 0 after
    the first cycle, a negative one alternates the sign of the peaks; ``cycle_mul < 1`` is refused (timm's cycles then end in a math
    domain error)."""
    fn = "CosineLRScheduler"
    cycle_limit, cycle_decay = rule.concrete(fn, "cycle_limit", cycle_limit), rule.concrete(fn, "cycle_decay", cycle_decay)
    decay = 1.0 if is_plain(cycle_decay) and (cycle_decay == 0 or cycle_limit <= 1) else cycle_decay
    s = _cycles(
        fn,
        lambda peak, period, mult, limit: CosineRestarts(peak, lr_min, period, mult=mult, decay=decay, limit=limit, k=k_decay),
        base_lr,
        lr_min,
        t_initial,
        cycle_mul,
        cycle_decay,
        cycle_limit,
        rule.at_least(fn, "k_decay", k_decay, 0),
    )
    warm = _warm(s, _warmup_t(fn, warmup_t), warmup_lr_init, warmup_prefix, base_lr)
    noisy = _noisy(fn, warm, noise_range_t, noise_pct, noise_std, noise_seed)
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
    """Hyperbolic-tangent cycles: ``tanh(base_lr, lr_min, t_initial, lb, ub, cycle_mul,
    cycle_decay, cycle_limit)``. timm's warmup aims at ``base_lr`` with
    ``warmup_prefix``, and at the tanh's own value at ``warmup_t`` without."""
    fn = "TanhLRScheduler"
    cycle_limit, cycle_decay = rule.concrete(fn, "cycle_limit", cycle_limit), rule.concrete(fn, "cycle_decay", cycle_decay)
    # timm's own assertions
    lb, ub = rule.concrete(fn, "lb", lb), rule.concrete(fn, "ub", ub)
    if not lb < ub:
        raise check.fail(fn, "lb", lb, f"< ub ({ub!r})")
    rule.at_least(fn, "cycle_limit", cycle_limit, 0)
    warmup_t = _warmup_t(fn, warmup_t)
    rule.at_least(fn, "warmup_lr_init", warmup_lr_init, 0)
    decay = 1.0 if is_plain(cycle_decay) and (cycle_decay == 0 or cycle_limit <= 1) else cycle_decay
    s = _cycles(
        fn,
        lambda peak, period, mult, limit: Tanh(peak, lr_min, period, lb=lb, ub=ub, mult=mult, decay=decay, limit=limit),
        base_lr,
        lr_min,
        t_initial,
        cycle_mul,
        cycle_decay,
        cycle_limit,
    )
    unwarmed = is_plain(warmup_t) and warmup_t <= 0
    if not (warmup_prefix or unwarmed or (s._plain and is_plain(warmup_t))):
        name, v = ("warmup_t", warmup_t) if check.is_symbolic(warmup_t) else ("t_initial", t_initial)
        raise ScheduleError(
            f"{fn}: {name} must be a number, not a quantity, without warmup_prefix (timm's warmup then aims at"
            f" the tanh's value at warmup_t, a number lrdsl computes when it builds the schedule), got {v!r}"
        )
    target = base_lr if warmup_prefix or unwarmed else s(warmup_t)
    warm = _warm(s, warmup_t, warmup_lr_init, warmup_prefix, target, aims=False)
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
    """``base_lr * decay_rate ** (t // decay_t)``: ``step(base_lr, decay_t, decay_rate)``,
    after timm's warmup.

    ``decay_rate = 0`` is ``base_lr`` until ``decay_t``, then 0 (``0 ** 0 = 1``); a
    negative ``decay_rate`` (timm takes it) alternates the sign every ``decay_t``;
    ``decay_t`` must be ``> 0`` (timm divides by it)."""
    fn = "StepLRScheduler"
    size = rule.positive(fn, "decay_t", rule.steps(fn, "decay_t", decay_t))
    rate = rule.concrete(fn, "decay_rate", decay_rate)
    s = rule.powers(base_lr, rate, size, lambda g: Step(base_lr, size, gamma=g))
    warm = _warm(s, _warmup_t(fn, warmup_t), warmup_lr_init, warmup_prefix, base_lr)
    noisy = _noisy(fn, warm, noise_range_t, noise_pct, noise_std, noise_seed)
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
    [max(m - 1, 0) for m in decay_t], decay_rate)``, after timm's warmup.

    ``decay_rate = 0`` is ``base_lr`` until the first, then 0; a negative one alternates
    the sign at each; ``decay_t`` must be in order, as timm's ``bisect`` assumes."""
    fn = "MultiStepLRScheduler"
    if isinstance(decay_t, (str, bytes)):
        raise TypeError(f"{fn}: decay_t must be a list of numbers, got {type(decay_t).__name__}")
    points = [rule.number(fn, f"decay_t[{i}]", m) for i, m in enumerate(decay_t)]
    if check.is_symbolic(tuple(points)):
        # in the order given (in order, as timm's bisect assumes: checked when bound)
        rate = rule.concrete(fn, "decay_rate", decay_rate)
        if rate <= 0:
            raise check.fail(
                fn,
                "decay_rate",
                rate,
                "> 0 when decay_t holds quantities (the levels of a rate <= 0 are laid out by value)",
            )
        multi = MultiStep(base_lr, [quantity.max(m - 1, 0) for m in points], gamma=rate)
        warm = _warm(multi, _warmup_t(fn, warmup_t), warmup_lr_init, warmup_prefix, base_lr, aims=False)
        return _epochs(_noisy(fn, warm, noise_range_t, noise_pct, noise_std, noise_seed), t_in_epochs, steps_per_epoch)
    if points != sorted(points):
        raise check.fail(fn, "decay_t", points, "in increasing order (timm bisects it)")
    milestones = [rule.steps(fn, "decay_t", max(m - 1, 0)) for m in points]
    rate = rule.number(fn, "decay_rate", decay_rate)
    if not milestones:
        s: Schedule = Constant(base_lr)
    elif is_plain(rate) and rate <= 0:
        s = rule.levels(base_lr, milestones, rate)
    else:
        s = MultiStep(base_lr, milestones, gamma=rate)
    # (a milestone at 0 decays from step 0: then s(0) is not base_lr)
    aims = all(m > 0 for m in milestones)
    warm = _warm(s, _warmup_t(fn, warmup_t), warmup_lr_init, warmup_prefix, base_lr, aims=aims)
    noisy = _noisy(fn, warm, noise_range_t, noise_pct, noise_std, noise_seed)
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
    """Polynomial cycles: ``polynomial_restarts(base_lr, lr_min, t_initial, power,
    cycle_mul, cycle_decay, cycle_limit, k_decay)``, after timm's warmup.

    The edges as :func:`CosineLRScheduler`'s; ``power = 0`` holds each cycle's peak (with
    ``cycle_mul = 1``: a ``step``), and a negative ``power`` is refused (its values
    grow past the peak)."""
    fn = "PolyLRScheduler"
    cycle_limit, cycle_decay = rule.concrete(fn, "cycle_limit", cycle_limit), rule.concrete(fn, "cycle_decay", cycle_decay)
    power = rule.at_least(fn, "power", rule.concrete(fn, "power", power), 0, "(a negative power grows without bound)")
    decay = 1.0 if is_plain(cycle_decay) and (cycle_decay == 0 or cycle_limit <= 1) else cycle_decay

    def make(peak: Any, period: Any, mult: Any, limit: Any) -> Schedule:
        if power != 0:
            return PolynomialRestarts(peak, lr_min, period, power=power, mult=mult, decay=decay, limit=limit, k=k_decay)
        if limit <= 1:  # one cycle that holds its peak
            return chain(Constant(peak), Constant(lr_min), boundaries=[period])
        if mult != 1:
            raise check.fail(fn, "power", power, "> 0 when cycle_mul != 1 (cycles that hold their peak)")
        peaks = rule.powers(peak, decay, period, lambda g: Step(peak, period, gamma=g)) if decay != 1 else Constant(peak)
        return chain(peaks, Constant(lr_min), boundaries=[period * math.ceil(limit)])

    k = rule.at_least(fn, "k_decay", k_decay, 0)
    # (1 - x ** k) ** 0 = 1, even where k = 0 makes x ** k = 1
    s = _cycles(fn, make, base_lr, lr_min, t_initial, cycle_mul, cycle_decay, cycle_limit, k if power != 0 else 1.0)
    warm = _warm(s, _warmup_t(fn, warmup_t), warmup_lr_init, warmup_prefix, base_lr)
    noisy = _noisy(fn, warm, noise_range_t, noise_pct, noise_std, noise_seed)
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

    With ``lr_min > base_lr``, timm's stable lr is ``max(base_lr, lr_min)``: the warmup
    to ``base_lr``, then ``lr_min``.
    """
    fn = "WSDLRScheduler"
    check.choice(fn, "stable_fn", stable_fn, ("constant",))
    check.choice(fn, "decay_fn", decay_fn, ("linear", "cosine", "1-sqrt"))
    t_initial = rule.steps(fn, "t_initial", t_initial)
    decay_t = rule.steps(fn, "decay_t", decay_t)
    if is_plain(decay_t) and is_plain(t_initial) and not 0 < decay_t <= t_initial:
        # (with quantities: the stable phase, t_initial - decay_t, is checked >= 0 when bound)
        raise check.fail(fn, "decay_t", decay_t, f"in (0, t_initial], t_initial={t_initial!r}")
    warmup_t = _warmup_t(fn, warmup_t)
    rule.at_least(fn, "lr_min", lr_min, 0)
    for name, v in (("base_lr", base_lr), ("lr_min", lr_min)):
        if check.is_symbolic(v):
            raise ScheduleError(
                f"{fn}: {name} must be a number, not a quantity (whether lr_min > base_lr decides the"
                f" schedule's form: timm's stable lr is max(base_lr, lr_min)), got {v!r}"
            )
    if is_plain(lr_min) and is_plain(base_lr) and lr_min > base_lr:
        # timm's stable lr is max(base_lr, lr_min) = lr_min, and decays from lr_min to lr_min
        s: Schedule = Constant(lr_min)
        if not is_plain(warmup_t) or warmup_t > 0:
            s = chain(Linear(warmup_lr_init, base_lr, warmup_t), s, boundaries=[warmup_t])
    else:
        s = wsd(base_lr, warmup_t, t_initial - decay_t, decay_t, start=warmup_lr_init, end=lr_min, warmup="linear", decay=decay_fn)
    noisy = _noisy(fn, s, noise_range_t, noise_pct, noise_std, noise_seed)
    return _epochs(noisy, t_in_epochs, steps_per_epoch)


# ----------------------------------------------------------------------------
# PlateauLRScheduler: PyTorch's ReduceLROnPlateau after timm's warmup.


def PlateauLRScheduler(
    base_lr: float,
    decay_rate: float = 0.1,
    patience_t: int = 10,
    threshold: float = 1e-4,
    cooldown_t: int = 0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    lr_min: float = 0.0,
    mode: str = "max",
    noise_range_t: object = None,
    noise_type: str = "normal",
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int | None = None,
    initialize: bool = True,
) -> object:
    """timm's plateau scheduler: its warmup, then PyTorch's ``ReduceLROnPlateau``
    (``factor=decay_rate``, ``patience=patience_t``, ``cooldown=cooldown_t``,
    ``min_lr=lr_min``, relative ``threshold``, timm's default ``mode="max"``)::

        PlateauSchedule(warmup(constant(base_lr), warmup_t, warmup_lr_init),
                        TorchPlateau(mode, decay_rate, patience_t, threshold, "rel",
                                     cooldown_t, lr_min), start=warmup_t + 1)

    timm's ``step(epoch, metric)`` is ``state = ps.update(state, metric, epoch)``
    and the lr it sets is ``ps(epoch, state)``: metrics of epochs ``<= warmup_t``
    are ignored (timm sets the warmup lr instead). Epoch 0 is the lr the
    constructor sets (timm's own ``step(0)`` without warmup would set
    ``warmup_lr_init``; its training loop steps from epoch 1). ``initialize``
    does not change the values (``base_lr`` is the group's ``initial_lr``). The
    noise options act only with ``noise_range_t``, which is refused here: timm
    adds the noise to the plateau's lr and restores it before the next metric,
    which is not yet a node.
    """
    from ..plateau import PlateauSchedule, TorchPlateau

    fn = "PlateauLRScheduler"
    if noise_range_t is not None:
        raise check.fail(
            fn,
            "noise_range_t",
            noise_range_t,
            "None (timm's noise on a plateau, added after each reduction to the lr it restores, is not"
            " reproduced yet)",
        )
    del noise_type, noise_pct, noise_std, noise_seed, initialize
    base_lr = rule.unplateaued(fn, "base_lr", base_lr)
    warmup_lr_init = rule.unplateaued(fn, "warmup_lr_init", warmup_lr_init)
    warmup_t = _warmup_t(fn, check.not_symbolic(fn, "warmup_t", warmup_t))
    warm = _warm(Constant(base_lr), warmup_t, warmup_lr_init, True, base_lr)
    plateau = TorchPlateau(mode, decay_rate, patience_t, threshold, "rel", cooldown_t, lr_min)
    return PlateauSchedule(warm, plateau, start=warmup_t + 1)
