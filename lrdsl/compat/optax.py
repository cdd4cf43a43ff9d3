"""``optax.schedules`` under its own names, as lrdsl expressions.

Optax's ``count`` is lrdsl's ``t``; the returned schedules are themselves
``optax.Schedule`` callables. ``transition_begin`` is a ``.shift(n)``;
``join_schedules`` is a chain with explicit boundaries. (``inject_hyperparams``
and ``inject_stateful_hyperparams`` are optimizer wrappers, not schedules:
see :func:`lrdsl.optax.inject`.)

Importing this module does not import JAX or Optax.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .. import _checks as check
from .._node import Schedule
from .._ops import is_plain
from ..combinators import chain
from ..primitives import Constant, Cosine, Exponential, Interpolate, Linear, Piecewise, Polynomial
from . import _rules as rule

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
    """``s`` from ``transition_begin`` on (Optax treats a negative one as 0)."""
    return s.shift(transition_begin) if transition_begin > 0 else s


def constant_schedule(value: float) -> Schedule:
    """``value``: ``constant(value)``."""
    return Constant(value)


def polynomial_schedule(
    init_value: float, end_value: float, power: float, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """``(init - end) * (1 - c / transition_steps) ** power + end`` with
    ``c = clip(count - transition_begin, 0, transition_steps)``:
    ``polynomial(init_value, end_value, transition_steps, power).shift(transition_begin)``.
    As in Optax, ``transition_steps <= 0`` gives ``constant(init_value)``.

    So does ``power = 0`` (``frac ** 0 = 1``, at the end too); a negative power is
    refused (Optax's value is infinite at the end)."""
    fn = "polynomial_schedule"
    steps = rule.steps(fn, "transition_steps", transition_steps)
    power = rule.number(fn, "power", power)
    if steps <= 0 or power == 0:
        return Constant(init_value)
    if power < 0:
        raise check.fail(fn, "power", power, ">= 0 (Optax's value is infinite at the end of the transition)")
    return _begin(Polynomial(init_value, end_value, steps, power=power), rule.steps(fn, "transition_begin", transition_begin))


def linear_schedule(
    init_value: float, end_value: float, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """``linear(init_value, end_value, transition_steps).shift(transition_begin)``
    (``constant(init_value)`` if ``transition_steps <= 0``)."""
    fn = "linear_schedule"
    steps = rule.steps(fn, "transition_steps", transition_steps)
    if steps <= 0:
        return Constant(init_value)
    return _begin(Linear(init_value, end_value, steps), rule.steps(fn, "transition_begin", transition_begin))


def cosine_decay_schedule(
    init_value: float, decay_steps: int, alpha: float = 0.0, exponent: float = 1.0
) -> Schedule:
    """``init * ((1 - alpha) * (0.5 * (1 + cos(pi * c / decay_steps))) ** exponent + alpha)``:
    ``cosine(init_value, alpha * init_value, decay_steps, exponent)``.

    As in Optax, ``decay_steps`` must be ``> 0``; ``exponent = 0`` is
    ``constant(init_value)`` (``0 ** 0 = 1`` at the end too), and a negative one is
    refused (Optax's value is infinite there)."""
    fn = "cosine_decay_schedule"
    steps = rule.positive(fn, "decay_steps", rule.steps(fn, "decay_steps", decay_steps))
    exponent = rule.number(fn, "exponent", exponent)
    alpha = rule.number(fn, "alpha", alpha)
    if exponent == 0:
        return Constant(init_value)
    if exponent < 0:
        raise check.fail(fn, "exponent", exponent, ">= 0 (Optax's value is infinite at decay_steps)")
    return Cosine(init_value, alpha * init_value, steps, exponent=exponent)


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
    ``exponential(init_value, decay_rate, transition_steps, staircase, end_value).shift(transition_begin)``.

    As in Optax, ``transition_steps <= 0`` or ``decay_rate == 0`` give
    ``constant(init_value)``, and with ``decay_rate == 1`` the bound is an upper one; a
    negative ``end_value`` below a decay bounds nothing (it is left out), and a
    ``end_value >= 0`` above a decay from a negative ``init_value`` is all there is. A
    negative ``decay_rate`` gives Optax's values where they are numbers (``staircase``,
    or ``transition_steps`` ``1, 1/2, ...`` with a whole ``transition_begin``): the decay
    by ``-decay_rate`` with the sign alternating every ``transition_steps``, bounded below
    by ``end_value``; elsewhere Optax's values are NaN, and it is refused.
    """
    fn = "exponential_decay"
    steps = rule.steps(fn, "transition_steps", transition_steps)
    rate = rule.number(fn, "decay_rate", decay_rate)
    if end_value is not None:
        end_value = rule.number(fn, "end_value", end_value)
    if steps <= 0 or rate == 0:
        return Constant(init_value)
    begin = rule.steps(fn, "transition_begin", transition_begin)
    if rate < 0:
        # rate ** p is real only at whole powers p: with staircase, or where every count
        # gives one (Optax's NaN otherwise); its sign then alternates with p
        if not (staircase or (rule.power_of_two_at_most_one(steps) and (begin <= 0 or rule.is_whole(begin)))):
            raise check.fail(
                fn,
                "decay_rate",
                rate,
                "> 0 unless staircase=True or transition_steps is 1, 1/2, 1/4, ... and transition_begin whole"
                " (Optax's negative rate to a fractional power is NaN)",
            )
        signed = Exponential(init_value, -rate, every=steps, staircase=staircase) * rule.alternating(steps)
        return _begin(signed if end_value is None else signed.clip(end_value), begin)
    if end_value is not None and rate < 1 and is_plain(init_value):
        if end_value < 0 <= init_value:
            end_value = None  # a lower bound below every value
        elif init_value < 0 <= end_value:
            return Constant(end_value)  # a lower bound above every value
    if rate == 1:
        return Constant(init_value if end_value is None else min(init_value, end_value))
    s = Exponential(init_value, rate, every=steps, staircase=staircase, end=end_value)
    return _begin(s, begin)


def _knots(
    fn: str, init_value: float, boundaries_and_scales: Mapping[int, float] | None
) -> tuple[list[Any], list[Any]]:
    """Optax's boundaries, sorted, and its values: the running products of the scales."""
    if boundaries_and_scales is not None and not isinstance(boundaries_and_scales, Mapping):
        raise TypeError(
            f"{fn}: boundaries_and_scales must be a dict {{step: scale}}, got {type(boundaries_and_scales).__name__}"
        )
    items = sorted(
        (rule.steps(fn, "boundaries_and_scales", b), rule.number(fn, "boundaries_and_scales", v))
        for b, v in (boundaries_and_scales or {}).items()
    )
    values = [init_value]
    for _, scale in items:
        if scale < 0:
            raise check.fail(fn, "boundaries_and_scales", dict(items), "made of scales >= 0")
        values.append(values[-1] * scale)
    return [b for b, _ in items], values


def piecewise_constant_schedule(
    init_value: float, boundaries_and_scales: Mapping[int, float] | None = None
) -> Schedule:
    """``init_value`` times every scale whose boundary is ``<= count``:
    ``piecewise(boundaries, running products)``.

    The scales of boundaries ``<= 0`` (passed by step 0) are in the first value."""
    bounds, values = _knots("piecewise_constant_schedule", init_value, boundaries_and_scales)
    passed = sum(b <= 0 for b in bounds)
    bounds, values = bounds[passed:], [v + 0.0 for v in values[passed:]]  # (-0.0 as 0.0)
    return Piecewise(bounds, values) if bounds else Constant(values[0])


def piecewise_interpolate_schedule(
    interpolate_type: str, init_value: float, boundaries_and_scales: Mapping[int, float] | None = None
) -> Schedule:
    """Through the knots ``(0, init_value)``, ``(b_i, running product of the scales)``,
    linearly or along half cosines: ``interpolate([0, *boundaries], values, kind)``.

    Boundaries are steps ``>= 0`` (Optax's knot at 0 comes first whatever the others
    are). Optax divides each segment by ``max(length, 1)``: a segment shorter than a
    step with a step strictly inside is refused, as its Optax values are no
    interpolation."""
    fn = "piecewise_interpolate_schedule"
    kind = check.choice(fn, "interpolate_type", interpolate_type, ("linear", "cosine"))
    bounds, values = _knots(fn, init_value, boundaries_and_scales)
    if bounds and bounds[0] < 0:
        raise check.fail(fn, "boundaries_and_scales", dict(zip(bounds, values[1:])), "keyed by steps >= 0")
    times = [0, *bounds]
    for a, b in itertools.pairwise(times):
        if 0 < b - a < 1 and math.floor(a) + 1 < b:  # a step strictly inside a segment under one step
            raise check.fail(
                fn, "boundaries_and_scales", sorted(bounds), f"spaced by a step or more, or with no step between ({a!r}, {b!r})"
            )
    return Interpolate(times, values, kind=kind)


def _divisors(fn: str, div_factor: Any, final_div_factor: Any) -> None:
    """Optax divides ``peak_value`` by both (Python's ``ZeroDivisionError`` at 0)."""
    for name, v in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
        if rule.number(fn, name, v) == 0:
            raise check.fail(fn, name, v, "!= 0 (Optax divides peak_value by it)")


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
    fn = "linear_onecycle_schedule"
    if transition_steps <= 0:
        raise check.fail(fn, "transition_steps", transition_steps, "> 0")
    _divisors(fn, div_factor, final_div_factor)
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
    fn = "cosine_onecycle_schedule"
    if transition_steps <= 0:
        raise check.fail(fn, "transition_steps", transition_steps, "> 0")
    _divisors(fn, div_factor, final_div_factor)
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


def _after_warmup(fn: str, init_value: float, peak_value: float, warmup_steps: int, rest: Schedule) -> Schedule:
    """``linear(init_value, peak_value, warmup_steps) >> rest`` (the line's length is the boundary).

    ``warmup_steps`` must be ``>= 0``: Optax joins the decay at a negative boundary,
    starting it part-way, before step 0."""
    w = rule.at_least(fn, "warmup_steps", rule.steps(fn, "warmup_steps", warmup_steps), 0)
    if w == 0:  # Optax's warmup is then a constant that never runs
        return rest
    return Linear(init_value, peak_value, w) >> rest


def warmup_cosine_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    """``linear(init_value, peak_value, warmup_steps) >> cosine(peak_value, end_value,
    decay_steps - warmup_steps, exponent)`` (``decay_steps`` counts the warmup, as in Optax)."""
    fn = "warmup_cosine_decay_schedule"
    if rule.number(fn, "decay_steps", decay_steps) - rule.number(fn, "warmup_steps", warmup_steps) <= 0:
        # Optax's cosine_decay_schedule refuses its decay_steps - warmup_steps
        raise check.fail(fn, "decay_steps", decay_steps, f"> warmup_steps ({warmup_steps})")
    alpha = 0.0 if peak_value == 0.0 else rule.number(fn, "end_value", end_value) / peak_value
    decay = cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)
    if isinstance(decay, Cosine) and peak_value != 0.0:  # its end is end_value itself, not peak * alpha
        decay = Cosine(peak_value, end_value, decay.steps, exponent=decay.exponent)
    return _after_warmup(fn, init_value, peak_value, warmup_steps, decay)


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
    return _after_warmup("warmup_exponential_decay_schedule", init_value, peak_value, warmup_steps, decay)


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
