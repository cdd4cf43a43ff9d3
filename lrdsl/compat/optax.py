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
from .. import quantity
from .._node import Schedule
from .._ops import is_plain
from ..combinators import chain
from ..errors import ScheduleError
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
    "reduce_on_plateau",
]


def _begin(s: Schedule, transition_begin: Any) -> Schedule:
    """``s`` from ``transition_begin`` on (Optax treats a negative one as 0: for a quantity,
    ``s.shift(max(0, transition_begin))``)."""
    if not is_plain(transition_begin):
        return s.shift(quantity.max(0, transition_begin))
    return s.shift(transition_begin) if transition_begin > 0 else s


def _transition(make: Any, init_value: Any, end_value: Any, steps: Any) -> Schedule:
    """``make(init_value, end_value, steps)`` for a symbolic ``steps``, in one form that is
    also Optax's ``constant(init_value)`` when ``steps <= 0``: with ``g = min(1, max(0,
    ceil(steps)))`` (1 when ``steps > 0``, else 0), ``make(init_value, end_value * g +
    init_value * (1 - g), max(0, steps))`` (a transition of 0 steps is its end, here
    ``init_value``; for ``g = 1`` the end is ``end_value + 0.0``, the same float)."""
    g = quantity.min(1, quantity.max(0, quantity.ceil(steps)))
    return make(init_value, end_value * g + init_value * (1 - g), quantity.max(0, steps))


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
    power = rule.concrete(fn, "power", power)
    if not is_plain(steps):
        if power == 0:
            return Constant(init_value)
        if power < 0:
            raise check.fail(fn, "power", power, ">= 0 (Optax's value is infinite at the end of the transition)")
        s = _transition(lambda a, b, n: Polynomial(a, b, n, power=power), init_value, end_value, steps)
        return _begin(s, rule.steps(fn, "transition_begin", transition_begin))
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
    if not is_plain(steps):
        begin = rule.steps(fn, "transition_begin", transition_begin)
        return _begin(_transition(Linear, init_value, end_value, steps), begin)
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
    exponent = rule.concrete(fn, "exponent", exponent)
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
    rate = rule.concrete(fn, "decay_rate", decay_rate)
    if end_value is not None:
        end_value = rule.concrete(fn, "end_value", end_value)
    if rate == 0 or (is_plain(steps) and steps <= 0):
        return Constant(init_value)
    begin = rule.steps(fn, "transition_begin", transition_begin)
    if rate < 0:
        # rate ** p is real only at whole powers p: with staircase, or where every count
        # gives one (Optax's NaN otherwise); its sign then alternates with p
        whole_begin = is_plain(begin) and (begin <= 0 or rule.is_whole(begin))
        if not (staircase or (rule.power_of_two_at_most_one(steps) and whole_begin)):
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
        return Constant(init_value if end_value is None else quantity.min(init_value, end_value))
    s = Exponential(init_value, rate, every=steps, staircase=staircase, end=end_value)
    return _begin(s, begin)


def _knots(
    fn: str, init_value: float, boundaries_and_scales: Mapping[int, float] | None
) -> tuple[list[Any], list[Any]]:
    """Optax's boundaries, sorted, and its values: the running products of the scales.

    Boundaries that are quantities cannot be sorted: they are kept in the order given,
    which must then be Optax's (checked when bound); the scales are numbers."""
    if boundaries_and_scales is not None and not isinstance(boundaries_and_scales, Mapping):
        raise TypeError(
            f"{fn}: boundaries_and_scales must be a dict {{step: scale}}, got {type(boundaries_and_scales).__name__}"
        )
    given = [
        (rule.steps(fn, "boundaries_and_scales", b), rule.concrete(fn, "boundaries_and_scales", v))
        for b, v in (boundaries_and_scales or {}).items()
    ]
    items = given if any(check.is_symbolic(b) for b, _ in given) else sorted(given)
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
    if check.is_symbolic(tuple(bounds)):  # one form: a boundary <= 0 switches at step 0
        return Piecewise([quantity.max(0, b) for b in bounds], [v + 0.0 for v in values])
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
    for b in bounds:
        if check.is_symbolic(b):
            raise ScheduleError(
                f"{fn}: boundaries_and_scales must have numbers as keys, not quantities (a segment"
                f" shorter than a step has another form), got {b!r}"
            )
    return _interpolate(kind, bounds, values)


def _interpolate(kind: str, bounds: list[Any], values: list[Any]) -> Schedule:
    """:func:`piecewise_interpolate_schedule` of sorted ``bounds`` (quantities: whole numbers
    in order, as Optax's one-cycle phase ends are) and the running products ``values``."""
    fn = "piecewise_interpolate_schedule"
    if check.is_symbolic(tuple(bounds)):
        return Interpolate([0, *bounds], values, kind=kind)
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
        if rule.concrete(fn, name, v) == 0:
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
    pct_start, pct_final = rule.concrete(fn, "pct_start", pct_start), rule.concrete(fn, "pct_final", pct_final)
    if check.is_symbolic(transition_steps):
        raise ScheduleError(
            f"{fn}: transition_steps must be a number, not a quantity (it decides the schedule's form: Optax's"
            f" phase ends int(pct_start * transition_steps) and int(pct_final * transition_steps) merge into"
            f" one knot when they are equal), got {transition_steps!r}"
        )
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
    pct_start = rule.concrete(fn, "pct_start", pct_start)
    if check.is_symbolic(transition_steps):
        pct = pct_start
        if not 0 <= pct < 1:
            raise check.fail(
                fn,
                "pct_start",
                pct,
                "in [0, 1) when transition_steps is a quantity (Optax's two knots merge when int(pct_start *"
                " transition_steps) is transition_steps, which changes the schedule's form)",
            )
        _divisors(fn, div_factor, final_div_factor)
        total = rule.steps(fn, "transition_steps", transition_steps)
        # int(x) is floor(x) for x >= 0 (the knots are then whole numbers, in order)
        ends = {quantity.floor(pct * total): div_factor, quantity.floor(total): 1.0 / (div_factor * final_div_factor)}
        return _interpolate("cosine", *_knots(fn, peak_value / div_factor, ends))
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
    if is_plain(w) and w == 0:  # Optax's warmup is then a constant that never runs
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
    left = rule.number(fn, "decay_steps", decay_steps) - rule.number(fn, "warmup_steps", warmup_steps)
    if is_plain(left) and left <= 0:
        # Optax's cosine_decay_schedule refuses its decay_steps - warmup_steps
        raise check.fail(fn, "decay_steps", decay_steps, f"> warmup_steps ({warmup_steps})")
    end_value = rule.number(fn, "end_value", end_value)
    if not is_plain(peak_value) and not (is_plain(end_value) and end_value == 0):
        raise ScheduleError(
            f"{fn}: peak_value must be a number, not a quantity, when end_value is not 0 (a peak_value of 0"
            f" has another form), got {peak_value!r}"
        )
    alpha = 0.0 if is_plain(peak_value) and peak_value == 0.0 else end_value / peak_value
    decay = cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)
    if isinstance(decay, Cosine) and not (is_plain(peak_value) and peak_value == 0.0):
        # its end is end_value itself, not peak * alpha
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
    bounds: list[Any] = []
    for n in lengths[:-1]:
        bounds.append(n if not bounds else bounds[-1] + n)
    return chain(*pieces, boundaries=bounds)


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """``schedules[i](count - boundaries[i-1])`` from ``boundaries[i-1]`` on:
    ``chain(*schedules, boundaries=boundaries)``."""
    return chain(*schedules, boundaries=list(boundaries))


# ----------------------------------------------------------------------------
# optax.contrib.reduce_on_plateau: a gradient transformation (a plateau), not a schedule of the step.


def reduce_on_plateau(
    factor: float = 0.1,
    patience: int = 10,
    rtol: float = 1e-4,
    atol: float = 0.0,
    cooldown: int = 0,
    accumulation_size: int = 1,
    min_scale: float = 0.0,
) -> Any:
    """``optax.contrib.reduce_on_plateau``: the gradient transformation
    :func:`lrdsl.optax.on_plateau` of an :class:`lrdsl.plateau.OptaxPlateau` with
    these parameters (Optax's checks). Its state has Optax's fields
    (``scale``, ``best_value``, ``plateau_count``, ``cooldown_count``, ``count``,
    ``avg_value``); ``update(updates, state, params, value=metric)`` scales the
    updates, as Optax's does, with the same values (including Optax 0.2.8's
    handling of negative metrics, see ``OptaxPlateau``). Imports JAX and Optax.
    """
    from ..optax import on_plateau
    from ..plateau import OptaxPlateau

    return on_plateau(OptaxPlateau(factor, patience, rtol, atol, cooldown, accumulation_size, min_scale))
