"""Hugging Face ``transformers`` schedules (``transformers.optimization``) under their
own names, as lrdsl expressions.

Hugging Face's schedules are ``LambdaLR`` multipliers of the optimizer's lr;
here each takes that lr as ``base_lr`` and returns the lr itself, so
``get_scheduler(name, base_lr, ...)(t)`` is the lr of step ``t``. The
``reduce_lr_on_plateau`` type depends on a metric: it is PyTorch's
``ReduceLROnPlateau``, a :class:`lrdsl.plateau.PlateauSchedule` (a schedule
times a plateau, driven by :class:`lrdsl.torch.Scheduler` with
``step(metrics)``); ``greedy`` (a metric-driven search) is not built.

Importing this module does not import ``transformers``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from .. import _checks as check
from .. import quantity
from .._node import Schedule
from .._ops import is_plain
from ..combinators import Warmup, chain
from ..errors import ScheduleError
from ..families import CosineRestarts, InverseSqrt, wsd
from ..primitives import Constant, Cosine, Linear, Polynomial
from . import _rules as rule
from ._trainer import TrainerSteps, from_training_args, trainer_steps

__all__ = [
    "get_scheduler",
    "get_constant_schedule",
    "get_constant_schedule_with_warmup",
    "get_linear_schedule_with_warmup",
    "get_cosine_schedule_with_warmup",
    "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup",
    "get_inverse_sqrt_schedule",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "get_wsd_schedule",
    "get_reduce_on_plateau_schedule",
    "TYPE_TO_SCHEDULER_FUNCTION",
    "from_training_args",
    "trainer_steps",
    "TrainerSteps",
]


def _steps(fn: str, param: str, value: Any) -> Any:
    """A step count as Hugging Face takes it; a negative warmup is refused (Hugging Face's
    lambdas would then start their decay part-way, before step 0)."""
    v = rule.steps(fn, param, value)
    if param == "num_warmup_steps" and is_plain(v) and v < 0:
        raise check.fail(fn, param, v, ">= 0")
    return v


def _warmup(fn: str, base_lr: float, num_warmup_steps: Any, s: Schedule, aims: bool = True) -> Schedule:
    """Hugging Face's warmup, ``base_lr * t / max(1, num_warmup_steps)`` while ``t <
    num_warmup_steps``, then ``s(t - num_warmup_steps)``: ``warmup(s, num_warmup_steps)``
    when ``s`` begins at ``base_lr`` (lrdsl's warmup aims at ``s(0)``), else a line to
    where Hugging Face's ramp would be at the end of the warmup, chained to ``s``.

    ``aims``: a symbolic ``s`` (whose ``s(0)`` cannot be computed yet) begins at
    ``base_lr`` whatever its quantities' values. A symbolic warmup is always there (a warmup of
    length 0 has the values of ``s``)."""
    w = _steps(fn, "num_warmup_steps", num_warmup_steps)
    if is_plain(w) and not w > 0:
        return s
    if is_plain(base_lr) and s._plain:
        aims = s(0) == base_lr
    if aims:
        return Warmup(s, w)
    return chain(Linear(0.0, base_lr * w / quantity.max(1, w), w), s, boundaries=[w])


def _decay_length(num_warmup_steps: Any, num_training_steps: Any) -> Any:
    """Hugging Face's ``max(1, num_training_steps - num_warmup_steps)`` (symbolic for quantities)."""
    return quantity.max(1, num_training_steps - num_warmup_steps)


def _periodic_cosine(start: float, end: float, length: float, num_cycles: float) -> Schedule:
    """``max(0, end + (start - end) * (1 + cos(2 pi num_cycles u / length)) / 2)`` for every
    ``u``, as Hugging Face computes it.

    ``start`` for ever when ``num_cycles = 0``, or so small that the half-period
    overflows; clipped at 0 (by arithmetic and ``clip``) for a negative ``end``."""
    half = length / (2 * abs(num_cycles)) if num_cycles != 0 else math.inf
    if is_plain(half) and not math.isfinite(half):
        return Constant(start)
    if is_plain(end) and end < 0:  # Hugging Face's max(0, ...) of a cosine that dips below 0
        return (Cosine(start - end, 0.0, half, periodic=True) - (-end)).clip(0.0)
    return Cosine(start, end, half, periodic=True)


def get_constant_schedule(base_lr: float) -> Schedule:
    """``constant(base_lr)``."""
    return Constant(base_lr)


def get_constant_schedule_with_warmup(base_lr: float, num_warmup_steps: int) -> Schedule:
    """``warmup(constant(base_lr), num_warmup_steps)``."""
    return _warmup("get_constant_schedule_with_warmup", base_lr, num_warmup_steps, Constant(base_lr))


def get_linear_schedule_with_warmup(base_lr: float, num_warmup_steps: int, num_training_steps: int) -> Schedule:
    """A linear warmup, then a straight line to 0 at ``num_training_steps``, as Hugging
    Face's ``max(0, (num_training_steps - t) / max(1, num_training_steps - num_warmup_steps))``:
    ``warmup(linear(base_lr, 0, num_training_steps - num_warmup_steps), num_warmup_steps)``.

    When the warmup is as long as the run or longer, Hugging Face ramps ``base_lr * t /
    num_warmup_steps`` until ``num_warmup_steps`` and is 0 from there on: so is this
    (a ramp chained to ``constant(0)``); a run of less than one step past the warmup
    decays from ``base_lr * (num_training_steps - num_warmup_steps)``.
    """
    fn = "get_linear_schedule_with_warmup"
    w = _steps(fn, "num_warmup_steps", num_warmup_steps)
    n = _steps(fn, "num_training_steps", num_training_steps)
    left = n - w
    if not is_plain(left):
        # every case below in one form: base_lr * (left / max(1, left)) is base_lr (a
        # float) for left >= 1, and a line of length 0 is its end, 0, for left <= 0
        line = Linear(base_lr * (left / quantity.max(1, left)), 0.0, quantity.max(0, left))
        return _warmup(fn, base_lr, w, line, aims=False)
    if left >= 1:
        decay: Schedule = Linear(base_lr, 0.0, left)
    elif left > 0:  # Hugging Face divides by max(1, left) = 1
        decay = Linear(base_lr * left, 0.0, left)
    else:
        decay = Constant(0.0)
    return _warmup(fn, base_lr, w, decay, aims=left >= 1)


def get_cosine_schedule_with_warmup(
    base_lr: float, num_warmup_steps: int, num_training_steps: int, num_cycles: float = 0.5
) -> Schedule:
    """A linear warmup, then ``base_lr * (1 + cos(2 pi num_cycles p)) / 2`` with
    ``p = (t - num_warmup_steps) / max(1, num_training_steps - num_warmup_steps)``, for
    every ``t`` (past the end the cosine goes on, as in Hugging Face): a periodic
    ``cosine`` of half-period ``max(1, ...) / (2 num_cycles)``; ``num_cycles = 0`` is
    ``base_lr`` after the warmup (a negative one the same as its opposite, as the cosine)."""
    fn = "get_cosine_schedule_with_warmup"
    w = _steps(fn, "num_warmup_steps", num_warmup_steps)
    length = _decay_length(w, _steps(fn, "num_training_steps", num_training_steps))
    cycles = rule.concrete(fn, "num_cycles", num_cycles)
    return _warmup(fn, base_lr, w, _periodic_cosine(base_lr, 0.0, length, cycles))


#: The most cycles :func:`_restarts` lays out one by one, when it must.
_MAX_CYCLES = 4096


def _restarts(start: float, end: float, length: Any, num_cycles: Any, offset: Any) -> Schedule:
    """``num_cycles`` cosines from ``start`` to ``end`` over ``length`` steps, as Hugging Face's
    ``(num_cycles * p) % 1`` has them, then ``end``; the local time is ``t - offset`` (the
    warmup's length).

    A cycle lasts ``P = length / num_cycles``, rarely a float exactly, so ``u // P`` can
    miss a restart that falls on a step (``length = 10``, ``num_cycles = 6``: ``t = 5``),
    where Hugging Face's ``(6 * 0.5) % 1`` is exactly 0. Each restart that falls on a step
    is checked (as an exact fraction); if one would be missed, the cycles are laid out
    one by one in a chain whose boundaries are the restarts, exact where they are whole.
    """
    period = length / num_cycles if num_cycles != 0 else math.inf
    if is_plain(period) and not math.isfinite(period):  # (num_cycles * p) % 1 is 0 until p = 1
        return chain(Constant(start), Constant(end), boundaries=[length])
    if not (is_plain(length) and is_plain(offset)):  # one cycle at most (no restart to place)
        return chain(CosineRestarts(start, end, period), Constant(end), boundaries=[length])
    exact = Fraction(length) / Fraction(num_cycles)
    restarts = [m * exact for m in range(1, math.ceil(Fraction(num_cycles)))]
    misplaced = any(_misplaced(m, r, period, offset) for m, r in enumerate(restarts[:_MAX_CYCLES], 1))
    if not misplaced or len(restarts) > _MAX_CYCLES:
        return chain(CosineRestarts(start, end, period), Constant(end), boundaries=[length])
    pieces = [Cosine(start, end, period) for _ in range(len(restarts) + 1)]
    return chain(*pieces, Constant(end), boundaries=[*(_above(r) for r in restarts), length])


def _misplaced(m: int, r: Fraction, period: float, offset: Any) -> bool:
    """Whether ``u // period`` puts restart ``m`` (exactly at local time ``r``) on another
    step than the exact one: missed where ``r`` is a whole step (``length = 10``,
    ``num_cycles = 6``: ``t = 5``), or early where ``period`` rounds down onto a step
    (``19 / 1.9`` is ``10.0``, exactly ``10.00000000000000047``)."""
    first = math.ceil(r + Fraction(offset))  # the first step at or after the restart
    return (float(first) - offset) // period < m or (float(first - 1) - offset) // period >= m


def _above(r: Fraction) -> float:
    """The float nearest ``r`` that is not below it (so a step before ``r`` stays before)."""
    f = float(r)
    return math.nextafter(f, math.inf) if Fraction(f) < r else f


def get_cosine_with_hard_restarts_schedule_with_warmup(
    base_lr: float, num_warmup_steps: int, num_training_steps: int, num_cycles: int = 1
) -> Schedule:
    """A linear warmup, then ``num_cycles`` cosines from ``base_lr`` to 0, each
    ``max(1, num_training_steps - num_warmup_steps) / num_cycles`` long, then 0:
    ``chain(cosine_restarts(base_lr, 0, length / num_cycles), constant(0), boundaries=[length])``
    (``num_cycles = 0``: ``base_lr`` over the length). Restarts that fall on whole steps
    are exact (see :func:`_restarts`)."""
    fn = "get_cosine_with_hard_restarts_schedule_with_warmup"
    w = _steps(fn, "num_warmup_steps", num_warmup_steps)
    length = _decay_length(w, _steps(fn, "num_training_steps", num_training_steps))
    cycles = rule.at_least(fn, "num_cycles", rule.concrete(fn, "num_cycles", num_cycles), 0)
    if cycles > 1:
        for name, v in (("num_training_steps", num_training_steps), ("num_warmup_steps", w)):
            if check.is_symbolic(v):
                raise ScheduleError(
                    f"{fn}: {name} must be a number, not a quantity, when num_cycles > 1 (whether a"
                    f" restart falls on a step decides the schedule's form), got {v!r}"
                )
    return _warmup(fn, base_lr, w, _restarts(base_lr, 0.0, length, cycles, w))


def get_polynomial_decay_schedule_with_warmup(
    base_lr: float,
    num_warmup_steps: int,
    num_training_steps: int,
    lr_end: float = 1e-7,
    power: float = 1.0,
) -> Schedule:
    """A linear warmup, then ``polynomial(base_lr, lr_end, num_training_steps -
    num_warmup_steps, power)``. As in Hugging Face, ``base_lr`` must exceed ``lr_end``.

    A warmup that reaches ``num_training_steps`` is followed by ``lr_end`` (equal whole
    lengths are refused: Hugging Face divides by their difference at that step);
    ``power = 0`` holds ``base_lr`` up to ``num_training_steps`` included; a negative
    power is refused (Hugging Face divides by zero at ``num_training_steps``)."""
    fn = "get_polynomial_decay_schedule_with_warmup"
    base_lr, lr_end = rule.concrete(fn, "base_lr", base_lr), rule.concrete(fn, "lr_end", lr_end)
    if not base_lr > lr_end:
        raise check.fail(fn, "lr_end", lr_end, f"< base_lr ({base_lr!r})")
    w = _steps(fn, "num_warmup_steps", num_warmup_steps)
    n = _steps(fn, "num_training_steps", num_training_steps)
    power = rule.concrete(fn, "power", power)
    left = n - w
    if not is_plain(left):
        if power <= 0:
            name, v = ("num_training_steps", n) if check.is_symbolic(n) else ("num_warmup_steps", w)
            raise ScheduleError(
                f"{fn}: {name} must be a number, not a quantity, when power <= 0 (the decay's form then"
                f" depends on the lengths), got {v!r}"
            )
        # a decay of length 0 is lr_end from its start, as when the warmup reaches the end
        return _warmup(fn, base_lr, w, Polynomial(base_lr, lr_end, quantity.max(0, left), power=power), aims=False)
    if left == 0 and rule.is_whole(n):  # (between fractional equal ends no step divides)
        raise check.fail(
            fn, "num_training_steps", n, f"!= num_warmup_steps (Hugging Face divides by their difference at step {n})"
        )
    if left <= 0:  # no step decays: the warmup, then lr_end
        return _warmup(fn, base_lr, w, Constant(lr_end), aims=False)
    if power < 0:
        raise check.fail(fn, "power", power, ">= 0 (Hugging Face divides by zero at num_training_steps)")
    if power == 0:  # (1 - p) ** 0 = 1 up to p = 1 included, lr_end after
        return _warmup(fn, base_lr, w, chain(Constant(base_lr), Constant(lr_end), boundaries=[rule.floor(n) + 1 - w]))
    return _warmup(fn, base_lr, w, Polynomial(base_lr, lr_end, left, power=power))


def get_inverse_sqrt_schedule(base_lr: float, num_warmup_steps: int, timescale: int | None = None) -> Schedule:
    """A linear warmup, then ``base_lr / sqrt((t - num_warmup_steps + timescale) / timescale)``:
    ``warmup(inverse_sqrt(base_lr, timescale), num_warmup_steps)``; ``timescale``
    defaults to ``num_warmup_steps``, or 10000 without warmup."""
    fn = "get_inverse_sqrt_schedule"
    w = _steps(fn, "num_warmup_steps", num_warmup_steps)
    if timescale is None and check.is_symbolic(w):
        raise ScheduleError(
            f"{fn}: timescale must be given when num_warmup_steps is a quantity (Hugging Face's default,"
            f" num_warmup_steps or 10000, picks by its value), got None with num_warmup_steps={w!r}"
        )
    if timescale is None:
        timescale = w or 10_000
    return _warmup(fn, base_lr, w, InverseSqrt(base_lr, timescale))


def _min_lr_rate(fn: str, base_lr: float, min_lr: float | None, min_lr_rate: float | None) -> float:
    if min_lr is not None and min_lr_rate is not None:
        raise check.fail(fn, "min_lr", min_lr, "None when min_lr_rate is given")
    if min_lr is not None:
        if is_plain(base_lr) and base_lr == 0:  # Hugging Face divides min_lr by it
            raise check.fail(fn, "base_lr", base_lr, "> 0 when min_lr is given (min_lr_rate = min_lr / base_lr)")
        rate = rule.concrete(fn, "min_lr", min_lr) / base_lr
    elif min_lr_rate is None:
        raise check.fail(fn, "min_lr_rate", None, "given (or min_lr)")
    else:
        rate = rule.concrete(fn, "min_lr_rate", min_lr_rate)
    if check.is_symbolic(base_lr) and rate != 0:
        raise ScheduleError(
            f"{fn}: base_lr must be a number, not a quantity, with a min_lr (whether the floor base_lr *"
            f" min_lr_rate is below 0 decides the form), got {base_lr!r}"
        )
    return rate


def get_cosine_with_min_lr_schedule_with_warmup(
    base_lr: float,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
) -> Schedule:
    """As :func:`get_cosine_schedule_with_warmup`, down to ``base_lr * min_lr_rate``
    (``min_lr_rate = min_lr / base_lr``) instead of 0."""
    fn = "get_cosine_with_min_lr_schedule_with_warmup"
    rate = _min_lr_rate(fn, base_lr, min_lr, min_lr_rate)
    w = _steps(fn, "num_warmup_steps", num_warmup_steps)
    length = _decay_length(w, _steps(fn, "num_training_steps", num_training_steps))
    cycles = rule.concrete(fn, "num_cycles", num_cycles)
    return _warmup(fn, base_lr, w, _periodic_cosine(base_lr, base_lr * rate, length, cycles))


def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    base_lr: float,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None,
) -> Schedule:
    """Hugging Face's ``cosine_warmup_with_min_lr``: a warmup that reaches ``base_lr`` one
    step early, from ``base_lr * warmup_lr_rate`` (default ``1 / num_warmup_steps``),
    and a cosine whose progress counts one step ahead, ``(t - num_warmup_steps + 1) /
    max(1, num_training_steps - num_warmup_steps)``::

        linear(base_lr * warmup_lr_rate, base_lr, num_warmup_steps - 1)
          >> periodic cosine from base_lr to base_lr * min_lr_rate

    (the cosine starts at ``t = num_warmup_steps - 1``, where both give ``base_lr``;
    with one warmup step and a ``warmup_lr_rate``, step 0 is ``base_lr *
    warmup_lr_rate`` and the cosine goes on from step 1). ``num_warmup_steps`` is a
    whole number. Without warmup the cosine would have to start at ``t = -1``, which no
    schedule of time ``t >= 0`` can (yet): ``num_warmup_steps = 0`` is refused, unless
    ``num_cycles = 0`` (then it is ``base_lr``).
    """
    fn = "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"
    rate = _min_lr_rate(fn, base_lr, min_lr, min_lr_rate)
    w = _steps(fn, "num_warmup_steps", num_warmup_steps)
    n = _steps(fn, "num_training_steps", num_training_steps)
    cycles = rule.concrete(fn, "num_cycles", num_cycles)
    decay = _periodic_cosine(base_lr, base_lr * rate, _decay_length(w, n), cycles)
    if check.is_symbolic(w):  # (0, 1 and fractional counts have other forms)
        raise ScheduleError(
            f"{fn}: num_warmup_steps must be a number, not a quantity (it decides the schedule's form), got {w!r}"
        )
    w = rule.whole(fn, "num_warmup_steps", w)
    if w < 1:
        if cycles == 0:
            return decay
        raise check.fail(fn, "num_warmup_steps", w, ">= 1 (its cosine would begin at t = -1)")
    if warmup_lr_rate is not None:
        start = base_lr * rule.number(fn, "warmup_lr_rate", warmup_lr_rate)
    else:
        start = base_lr / w
    if w == 1:
        return decay if warmup_lr_rate is None else Warmup(decay, 1, start=start, shift=False)
    return Linear(start, base_lr, w - 1) >> decay


def get_wsd_schedule(
    base_lr: float,
    num_warmup_steps: int,
    num_decay_steps: int,
    num_training_steps: int | None = None,
    num_stable_steps: int | None = None,
    warmup_type: str = "linear",
    decay_type: str = "cosine",
    min_lr_ratio: float = 0,
    num_cycles: float = 0.5,
) -> Schedule:
    """Warmup-stable-decay: ``wsd(base_lr, num_warmup_steps, num_stable_steps,
    num_decay_steps, start=end=base_lr * min_lr_ratio, warmup_type, decay_type)``
    (``num_stable_steps`` defaults to ``num_training_steps - num_warmup_steps -
    num_decay_steps``). A cosine decay with ``num_cycles != 0.5`` is the
    periodic cosine Hugging Face computes, cut at ``num_decay_steps``.

    ``num_cycles = 0`` holds ``base_lr`` until then; a negative stable phase, where
    Hugging Face's decay would start before its warmup ends, is refused. A negative
    ``min_lr_ratio`` is clipped at 0 during the warmup and the decay and reached after
    them, as Hugging Face's ``max(0, factor)`` and final ``min_lr_ratio`` do.
    """
    fn = "get_wsd_schedule"
    if num_stable_steps is None:
        if num_training_steps is None:
            raise check.fail(fn, "num_training_steps", None, "given when num_stable_steps is not")
        num_stable_steps = num_training_steps - num_warmup_steps - num_decay_steps
    w = _steps(fn, "num_warmup_steps", num_warmup_steps)
    stable = _steps(fn, "num_stable_steps", num_stable_steps)
    decay_steps = _steps(fn, "num_decay_steps", num_decay_steps)
    ratio = rule.concrete(fn, "min_lr_ratio", min_lr_ratio)
    low = base_lr * ratio
    cycles = rule.concrete(fn, "num_cycles", num_cycles)
    if check.is_symbolic(base_lr) and (ratio < 0 or (ratio != 0 and decay_type == "cosine" and cycles != 0.5)):
        raise ScheduleError(
            f"{fn}: base_lr must be a number, not a quantity, with min_lr_ratio={ratio!r} (whether"
            f" base_lr * min_lr_ratio is below 0 decides the form), got {base_lr!r}"
        )
    if decay_type == "cosine" and cycles != 0.5 and check.is_symbolic(decay_steps):
        raise ScheduleError(
            f"{fn}: num_decay_steps must be a number, not a quantity, when num_cycles != 0.5 (a decay of"
            f" 0 steps has another form), got {decay_steps!r}"
        )
    if decay_type != "cosine" or cycles == 0.5 or not decay_steps > 0:
        s = wsd(base_lr, w, stable, decay_steps, start=low, end=low, warmup=warmup_type, decay=decay_type)
    else:
        head = wsd(base_lr, w, stable, 0, start=low, end=base_lr, warmup=warmup_type)
        decay = _periodic_cosine(base_lr, low, decay_steps, cycles)
        at = w + stable
        first = not is_plain(at) or at > 0  # (a symbolic head is always there: 0 steps are skipped)
        pieces = [head, decay, Constant(low)] if first else [decay, Constant(low)]
        bounds = [at, at + decay_steps] if first else [decay_steps]
        s = chain(*pieces, boundaries=bounds)
    if is_plain(low) and is_plain(base_lr) and low < 0 < base_lr:
        # Hugging Face's max(0, factor) in the warmup and the decay, then min_lr_ratio itself
        end = w + stable + decay_steps
        if is_plain(end) and not end > 0:
            return Constant(low)
        return chain(s.clip(0.0), Constant(low), boundaries=[end])
    return s


TYPE_TO_SCHEDULER_FUNCTION: dict[str, Callable[..., Schedule]] = {
    "linear": get_linear_schedule_with_warmup,
    "cosine": get_cosine_schedule_with_warmup,
    "cosine_with_restarts": get_cosine_with_hard_restarts_schedule_with_warmup,
    "polynomial": get_polynomial_decay_schedule_with_warmup,
    "constant": get_constant_schedule,
    "constant_with_warmup": get_constant_schedule_with_warmup,
    "inverse_sqrt": get_inverse_sqrt_schedule,
    "cosine_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup,
    "cosine_warmup_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
    "warmup_stable_decay": get_wsd_schedule,
}


def get_scheduler(
    name: str,
    base_lr: float,
    num_warmup_steps: int | None = None,
    num_training_steps: int | None = None,
    scheduler_specific_kwargs: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """The schedule Hugging Face's ``get_scheduler(name, optimizer, ...)`` builds, by its
    ``SchedulerType`` value (``"linear"``, ``"cosine"``, ...), with the same
    required arguments; scheduler-specific arguments as
    ``scheduler_specific_kwargs`` or as keywords. ``"reduce_lr_on_plateau"``
    gives :func:`get_reduce_on_plateau_schedule` (a ``PlateauSchedule``)."""
    fn = "get_scheduler"
    key = getattr(name, "value", name)
    if key == "reduce_lr_on_plateau":
        return get_reduce_on_plateau_schedule(base_lr, **{**(scheduler_specific_kwargs or {}), **kwargs})
    if key not in TYPE_TO_SCHEDULER_FUNCTION:
        if key == "greedy":
            raise check.fail(fn, "name", key, "a schedule (this one follows a metric, not the step)")
        raise check.fail(fn, "name", key, f"one of {', '.join(TYPE_TO_SCHEDULER_FUNCTION)}")
    make = TYPE_TO_SCHEDULER_FUNCTION[key]
    extra = {**(scheduler_specific_kwargs or {}), **kwargs}
    if key == "constant":
        return make(base_lr)
    if num_warmup_steps is None:
        raise check.fail(fn, "num_warmup_steps", None, f"given for {key!r}")
    if key == "constant_with_warmup":
        return make(base_lr, num_warmup_steps)
    if key == "inverse_sqrt":
        return make(base_lr, num_warmup_steps, **extra)
    if key == "warmup_stable_decay":
        return make(base_lr, num_warmup_steps, num_training_steps=num_training_steps, **extra)
    if num_training_steps is None:
        raise check.fail(fn, "num_training_steps", None, f"given for {key!r}")
    return make(base_lr, num_warmup_steps, num_training_steps, **extra)


# ----------------------------------------------------------------------------
# "reduce_lr_on_plateau": PyTorch's ReduceLROnPlateau, with its keyword arguments.


def get_reduce_on_plateau_schedule(base_lr: Any, **kwargs: Any) -> Any:
    """Hugging Face's ``get_reduce_on_plateau_schedule(optimizer, **kwargs)``, which is
    PyTorch's ``ReduceLROnPlateau(optimizer, **kwargs)``:
    :func:`lrdsl.compat.torch.ReduceLROnPlateau` ``(base_lr, **kwargs)``, a
    :class:`lrdsl.plateau.PlateauSchedule` (``get_scheduler("reduce_lr_on_plateau",
    base_lr, scheduler_specific_kwargs=...)`` builds it; as there, the warmup and
    training steps are not used)."""
    from .torch import ReduceLROnPlateau

    return ReduceLROnPlateau(base_lr, **kwargs)
