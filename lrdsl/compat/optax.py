"""``optax.schedules`` under its own names, as lrdsl expressions.

Optax's ``count`` is lrdsl's ``t``; the returned schedules are themselves
``optax.Schedule`` callables. ``transition_begin`` is a ``.shift(n)``;
``join_schedules`` is a chain with explicit boundaries. (``inject_hyperparams``
and ``inject_stateful_hyperparams`` are optimizer wrappers, not schedules:
see :func:`lrdsl.optax.inject`.)

Importing this module does not import JAX or Optax.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .. import _checks as check
from .._node import Schedule
from ..combinators import chain
from ..primitives import Constant, Cosine, Exponential, Interpolate, Linear, Piecewise, Polynomial

__all__ = [
    "constant_schedule",
    "linear_schedule",
    "polynomial_schedule",
    "cosine_decay_schedule",
    "exponential_decay",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
    "linear_onecycle_schedule",
    "cosine_onecycle_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
    "sgdr_schedule",
    "join_schedules",
]


def _begin(s: Schedule, transition_begin: Any) -> Schedule:
    return s.shift(transition_begin) if transition_begin > 0 else s


def constant_schedule(value: float) -> Schedule:
    """``value``: ``constant(value)``."""
    return Constant(value)


def polynomial_schedule(
    init_value: float, end_value: float, power: float, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """``(init - end) * (1 - c / transition_steps) ** power + end`` with
    ``c = clip(count - transition_begin, 0, transition_steps)``:
    ``polynomial(init_value, end_value, transition_steps, power=power).shift(transition_begin)``.
    As in Optax, ``transition_steps <= 0`` gives ``constant(init_value)``."""
    if transition_steps <= 0:
        return Constant(init_value)
    return _begin(Polynomial(init_value, end_value, transition_steps, power=power), transition_begin)


def linear_schedule(
    init_value: float, end_value: float, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """``linear(init_value, end_value, transition_steps).shift(transition_begin)``
    (``constant(init_value)`` if ``transition_steps <= 0``)."""
    if transition_steps <= 0:
        return Constant(init_value)
    return _begin(Linear(init_value, end_value, transition_steps), transition_begin)


def cosine_decay_schedule(
    init_value: float, decay_steps: int, alpha: float = 0.0, exponent: float = 1.0
) -> Schedule:
    """``init * ((1 - alpha) * (0.5 * (1 + cos(pi * c / decay_steps))) ** exponent + alpha)``:
    ``cosine(init_value, alpha * init_value, decay_steps, exponent=exponent)``."""
    return Cosine(init_value, alpha * init_value, decay_steps, exponent=exponent)


def exponential_decay(
    init_value: float,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """``init * decay_rate ** ((count - transition_begin) / transition_steps)`` (floored if
    ``staircase``), bounded by ``end_value``:
    ``exponential(init_value, decay_rate, every=transition_steps, staircase=staircase, end=end_value).shift(transition_begin)``.

    As in Optax, ``transition_steps <= 0`` or ``decay_rate == 0`` give
    ``constant(init_value)``, and with ``decay_rate == 1`` the bound is an upper one.
    """
    if transition_steps <= 0 or decay_rate == 0:
        return Constant(init_value)
    if decay_rate == 1:
        return Constant(init_value if end_value is None else min(init_value, end_value))
    s = Exponential(init_value, decay_rate, every=transition_steps, staircase=staircase, end=end_value)
    return _begin(s, transition_begin)


def _knots(init_value: float, boundaries_and_scales: Mapping[int, float] | None) -> tuple[list[Any], list[Any]]:
    """Optax's boundaries, sorted, and its values: the running products of the scales."""
    items = sorted((boundaries_and_scales or {}).items())
    values = [init_value]
    for _, scale in items:
        if scale < 0:
            raise check.fail("piecewise_schedule", "boundaries_and_scales", dict(items), "made of scales >= 0")
        values.append(values[-1] * scale)
    return [b for b, _ in items], values


def piecewise_constant_schedule(
    init_value: float, boundaries_and_scales: Mapping[int, float] | None = None
) -> Schedule:
    """``init_value`` times every scale whose boundary is ``<= count``:
    ``piecewise(boundaries, running products)``."""
    bounds, values = _knots(init_value, boundaries_and_scales)
    return Piecewise(bounds, values) if bounds else Constant(init_value)


def piecewise_interpolate_schedule(
    interpolate_type: str, init_value: float, boundaries_and_scales: Mapping[int, float] | None = None
) -> Schedule:
    """Through the knots ``(0, init_value)``, ``(b_i, running product of the scales)``,
    linearly or along half cosines: ``interpolate([0, *boundaries], values, kind=kind)``."""
    kind = check.choice("piecewise_interpolate_schedule", "interpolate_type", interpolate_type, ("linear", "cosine"))
    bounds, values = _knots(init_value, boundaries_and_scales)
    return Interpolate([0, *bounds], values, kind=kind)


def linear_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """Optax's linear one-cycle: knots at ``0``, ``int(pct_start * T)``,
    ``int(pct_final * T)`` and ``T`` (integer phase ends, unlike PyTorch's),
    through ``peak / div_factor``, ``peak``, ``peak / div_factor`` and
    ``peak / div_factor / final_div_factor``: an ``interpolate``."""
    if transition_steps <= 0:
        raise check.fail("linear_onecycle_schedule", "transition_steps", transition_steps, "> 0")
    return piecewise_interpolate_schedule(
        "linear",
        peak_value / div_factor,
        {
            int(pct_start * transition_steps): div_factor,
            int(pct_final * transition_steps): 1.0 / div_factor,
            transition_steps: 1.0 / final_div_factor,
        },
    )


def cosine_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """Optax's cosine one-cycle: half cosines through ``(0, peak / div_factor)``,
    ``(int(pct_start * T), peak)`` and ``(T, peak / div_factor / final_div_factor)``:
    ``interpolate(..., kind="cosine")``."""
    if transition_steps <= 0:
        raise check.fail("cosine_onecycle_schedule", "transition_steps", transition_steps, "> 0")
    return piecewise_interpolate_schedule(
        "cosine",
        peak_value / div_factor,
        {
            int(pct_start * transition_steps): div_factor,
            int(transition_steps): 1.0 / (div_factor * final_div_factor),
        },
    )


def warmup_constant_schedule(init_value: float, peak_value: float, warmup_steps: int) -> Schedule:
    """``linear(init_value, peak_value, warmup_steps)`` (then ``peak_value``)."""
    return linear_schedule(init_value, peak_value, warmup_steps)


def _after_warmup(init_value: float, peak_value: float, warmup_steps: int, rest: Schedule) -> Schedule:
    """``linear(init_value, peak_value, warmup_steps) >> rest`` (the line's length is the boundary)."""
    if warmup_steps <= 0:  # Optax's warmup is then a constant that never runs
        return rest
    return Linear(init_value, peak_value, warmup_steps) >> rest


def warmup_cosine_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    """``linear(init_value, peak_value, warmup_steps) >> cosine(peak_value, end_value,
    decay_steps - warmup_steps, exponent=exponent)`` (``decay_steps`` counts the warmup, as in Optax)."""
    if decay_steps - warmup_steps <= 0:  # Optax's cosine_decay_schedule refuses it
        raise check.fail("warmup_cosine_decay_schedule", "decay_steps", decay_steps, f"> warmup_steps ({warmup_steps})")
    end = 0.0 if peak_value == 0.0 else end_value  # Optax's alpha = end_value / peak_value, or 0
    decay = Cosine(peak_value, end, decay_steps - warmup_steps, exponent=exponent)
    return _after_warmup(init_value, peak_value, warmup_steps, decay)


def warmup_exponential_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """``linear(init_value, peak_value, warmup_steps)``, then
    :func:`exponential_decay` from ``peak_value`` (with its own ``transition_begin``)."""
    decay = exponential_decay(peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value)
    return _after_warmup(init_value, peak_value, warmup_steps, decay)


def sgdr_schedule(cosine_kwargs: Iterable[Mapping[str, Any]]) -> Schedule:
    """One :func:`warmup_cosine_decay_schedule` after another, each lasting its
    ``decay_steps``: their chain."""
    kwargs = list(cosine_kwargs)
    if not kwargs:
        raise check.fail("sgdr_schedule", "cosine_kwargs", [], "at least one cycle")
    pieces = [warmup_cosine_decay_schedule(**kw) for kw in kwargs]
    lengths = [kw["decay_steps"] for kw in kwargs]
    if all(p.finite and p.duration == n for p, n in zip(pieces, lengths)):
        return chain(*pieces)
    bounds, at = [], 0
    for n in lengths[:-1]:
        at += n
        bounds.append(at)
    return chain(*pieces, boundaries=bounds)


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """``schedules[i](count - boundaries[i-1])`` from ``boundaries[i-1]`` on:
    ``chain(*schedules, boundaries=boundaries)``."""
    return chain(*schedules, boundaries=list(boundaries))
