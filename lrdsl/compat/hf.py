"""Hugging Face ``transformers`` schedules (``transformers.optimization``) under their
own names, as lrdsl expressions.

Hugging Face's schedules are ``LambdaLR`` multipliers of the optimizer's lr;
here each takes that lr as ``base_lr`` and returns the lr itself, so
``get_scheduler(name, base_lr, ...)(t)`` is the lr of step ``t``. The
``reduce_lr_on_plateau`` and ``greedy`` types depend on a metric, so they are
not schedules.

Importing this module does not import ``transformers``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .. import _checks as check
from .._node import Schedule
from ..combinators import Warmup, chain
from ..families import CosineRestarts, InverseSqrt, wsd
from ..primitives import Constant, Cosine, Linear, Polynomial

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
    "TYPE_TO_SCHEDULER_FUNCTION",
]


def _warmup(s: Schedule, num_warmup_steps: int) -> Schedule:
    """Hugging Face's warmup ``t / num_warmup_steps`` of ``s(0)``, then ``s(t - num_warmup_steps)``."""
    return Warmup(s, num_warmup_steps) if num_warmup_steps > 0 else s


def _periodic_cosine(start: float, end: float, length: float, num_cycles: float) -> Schedule:
    """``end + (start - end) * (1 + cos(2 pi num_cycles u / length)) / 2`` for every ``u``."""
    return Cosine(start, end, length / (2 * num_cycles), periodic=True)


def get_constant_schedule(base_lr: float) -> Schedule:
    """``constant(base_lr)``."""
    return Constant(base_lr)


def get_constant_schedule_with_warmup(base_lr: float, num_warmup_steps: int) -> Schedule:
    """``warmup(constant(base_lr), num_warmup_steps)``."""
    return _warmup(Constant(base_lr), num_warmup_steps)


def get_linear_schedule_with_warmup(base_lr: float, num_warmup_steps: int, num_training_steps: int) -> Schedule:
    """A linear warmup, then a straight line to 0 at ``num_training_steps``:
    ``warmup(linear(base_lr, 0, num_training_steps - num_warmup_steps), num_warmup_steps)``."""
    decay_steps = num_training_steps - num_warmup_steps
    decay = Linear(base_lr, 0.0, decay_steps) if decay_steps > 0 else Constant(0.0)
    return _warmup(decay, num_warmup_steps)


def get_cosine_schedule_with_warmup(
    base_lr: float, num_warmup_steps: int, num_training_steps: int, num_cycles: float = 0.5
) -> Schedule:
    """A linear warmup, then ``base_lr * (1 + cos(2 pi num_cycles p)) / 2`` with
    ``p = (t - num_warmup_steps) / (num_training_steps - num_warmup_steps)``, for every
    ``t`` (past the end the cosine goes on, as in Hugging Face): a periodic
    ``cosine`` of half-period ``(num_training_steps - num_warmup_steps) / (2 num_cycles)``."""
    length = max(1, num_training_steps - num_warmup_steps)
    return _warmup(_periodic_cosine(base_lr, 0.0, length, num_cycles), num_warmup_steps)


def get_cosine_with_hard_restarts_schedule_with_warmup(
    base_lr: float, num_warmup_steps: int, num_training_steps: int, num_cycles: int = 1
) -> Schedule:
    """A linear warmup, then ``num_cycles`` cosines from ``base_lr`` to 0, each
    ``(num_training_steps - num_warmup_steps) / num_cycles`` long, then 0:
    ``chain(cosine_restarts(base_lr, 0, length), constant(0), boundaries=[...])``."""
    length = max(1, num_training_steps - num_warmup_steps)
    cycles = chain(CosineRestarts(base_lr, 0.0, length / num_cycles), Constant(0.0), boundaries=[length])
    return _warmup(cycles, num_warmup_steps)


def get_polynomial_decay_schedule_with_warmup(
    base_lr: float,
    num_warmup_steps: int,
    num_training_steps: int,
    lr_end: float = 1e-7,
    power: float = 1.0,
) -> Schedule:
    """A linear warmup, then ``polynomial(base_lr, lr_end, num_training_steps -
    num_warmup_steps, power=power)``. As in Hugging Face, ``base_lr`` must exceed ``lr_end``."""
    if not base_lr > lr_end:
        raise check.fail("get_polynomial_decay_schedule_with_warmup", "lr_end", lr_end, f"< base_lr ({base_lr!r})")
    decay = Polynomial(base_lr, lr_end, num_training_steps - num_warmup_steps, power=power)
    return _warmup(decay, num_warmup_steps)


def get_inverse_sqrt_schedule(base_lr: float, num_warmup_steps: int, timescale: int | None = None) -> Schedule:
    """A linear warmup, then ``base_lr / sqrt((t - num_warmup_steps + timescale) / timescale)``:
    ``warmup(inverse_sqrt(base_lr, timescale), num_warmup_steps)``; ``timescale``
    defaults to ``num_warmup_steps``, or 10000 without warmup."""
    if timescale is None:
        timescale = num_warmup_steps or 10_000
    return _warmup(InverseSqrt(base_lr, timescale), num_warmup_steps)


def _min_lr_rate(fn: str, base_lr: float, min_lr: float | None, min_lr_rate: float | None) -> float:
    if min_lr is not None and min_lr_rate is not None:
        raise check.fail(fn, "min_lr", min_lr, "None when min_lr_rate is given")
    if min_lr is not None:
        return min_lr / base_lr
    if min_lr_rate is None:
        raise check.fail(fn, "min_lr_rate", None, "given (or min_lr)")
    return min_lr_rate


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
    rate = _min_lr_rate("get_cosine_with_min_lr_schedule_with_warmup", base_lr, min_lr, min_lr_rate)
    length = max(1, num_training_steps - num_warmup_steps)
    return _warmup(_periodic_cosine(base_lr, base_lr * rate, length, num_cycles), num_warmup_steps)


def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    base_lr: float,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None,
) -> Schedule:
    """Hugging Face's ``cosine_warmup_with_min_lr``: a warmup that reaches ``base_lr``
    one step early, from ``base_lr * warmup_lr_rate`` (default ``1 /
    num_warmup_steps``), and a cosine whose progress counts one step ahead,
    ``(t - num_warmup_steps + 1) / (num_training_steps - num_warmup_steps)``::

        linear(base_lr * warmup_lr_rate, base_lr, num_warmup_steps - 1)
          >> periodic cosine from base_lr to base_lr * min_lr_rate

    (the cosine starts at ``t = num_warmup_steps - 1``, where both give ``base_lr``).
    Without warmup the cosine would have to start at ``t = -1``, which no
    schedule of time ``t >= 0`` can: ``num_warmup_steps`` must be ``>= 1``.
    """
    fn = "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"
    rate = _min_lr_rate(fn, base_lr, min_lr, min_lr_rate)
    if num_warmup_steps < 1:
        raise check.fail(fn, "num_warmup_steps", num_warmup_steps, ">= 1 (its cosine would begin at t = -1)")
    length = max(1.0, float(num_training_steps - num_warmup_steps))
    decay = _periodic_cosine(base_lr, base_lr * rate, length, num_cycles)
    if num_warmup_steps == 1:
        return decay
    start = base_lr / num_warmup_steps if warmup_lr_rate is None else base_lr * warmup_lr_rate
    return Linear(start, base_lr, num_warmup_steps - 1) >> decay


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
    num_decay_steps, start=end=base_lr * min_lr_ratio, warmup=warmup_type, decay=decay_type)``
    (``num_stable_steps`` defaults to ``num_training_steps - num_warmup_steps -
    num_decay_steps``). A cosine decay with ``num_cycles != 0.5`` is the
    periodic cosine Hugging Face computes, cut at ``num_decay_steps``.
    """
    fn = "get_wsd_schedule"
    if num_stable_steps is None:
        if num_training_steps is None:
            raise check.fail(fn, "num_training_steps", None, "given when num_stable_steps is not")
        num_stable_steps = num_training_steps - num_warmup_steps - num_decay_steps
    low = base_lr * min_lr_ratio
    if decay_type != "cosine" or num_cycles == 0.5:
        return wsd(base_lr, num_warmup_steps, num_stable_steps, num_decay_steps, start=low, end=low, warmup=warmup_type, decay=decay_type)
    head = wsd(base_lr, num_warmup_steps, num_stable_steps, 0, start=low, end=base_lr, warmup=warmup_type)
    decay = _periodic_cosine(base_lr, low, num_decay_steps, num_cycles)
    at = num_warmup_steps + num_stable_steps
    pieces = [head, decay, Constant(low)] if at > 0 else [decay, Constant(low)]
    bounds = [at, at + num_decay_steps] if at > 0 else [num_decay_steps]
    return chain(*pieces, boundaries=bounds)


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
) -> Schedule:
    """The schedule Hugging Face's ``get_scheduler(name, optimizer, ...)`` builds, by its
    ``SchedulerType`` value (``"linear"``, ``"cosine"``, ...), with the same
    required arguments; scheduler-specific arguments as
    ``scheduler_specific_kwargs`` or as keywords."""
    fn = "get_scheduler"
    key = getattr(name, "value", name)
    if key not in TYPE_TO_SCHEDULER_FUNCTION:
        if key in ("reduce_lr_on_plateau", "greedy"):
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
