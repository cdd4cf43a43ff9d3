"""The primitive schedules: one node, one formula each.

Time ``t >= 0`` counts completed optimizer steps. Where a formula has a length
``steps``, ``u = min(t, steps)`` is the part done and ``r = steps - u`` the
part left; both are computed exactly (integer arithmetic for integer counts)
before any division, and each blend weights ``start`` by a function of ``r``
and ``end`` by a function of ``u``, so that float32 values stay within 1e-6
relative of float64 even at the very end of a decay of 2**30 steps.

Values (``value``, ``start``, ``end``, ``values``) may be any finite number,
negative included, as Optax's schedules allow (``piecewise_constant_schedule(-0.1,
...)``, ``end_value=-3.0``); the lengths of phases (``steps``) are ``>= 0`` (a
phase of length 0 is at its end from ``t = 0``: ``linear(a, b, 0)`` is ``b``),
periods (``step_size``, ``every``, a periodic cosine's ``steps``) and rates
(``gamma``, ``exponent``, ``power``) ``> 0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, field
from typing import Any, ClassVar

from . import _checks as check
from ._node import STATIC, Schedule, set_fields
from ._node import node_dataclass as dataclass
from ._ops import is_plain

__all__ = [
    "Constant",
    "Linear",
    "Cosine",
    "Exponential",
    "Step",
    "MultiStep",
    "Polynomial",
    "Piecewise",
    "Interpolate",
    "Lambda",
]

_HALF_PI = math.pi / 2


# ----------------------------------------------------------------------------
# The shared arithmetic of the decays.


def _done_and_left(xp: Any, t: Any, steps: Any) -> tuple[Any, Any]:
    """``(u / steps, r / steps)`` with ``u = min(t, steps)``, ``r = steps - u``; for a
    phase of length 0, ``(1, 0)``: done from ``t = 0``."""
    if is_plain(steps):
        if steps == 0:
            return 1.0, 0.0
        u = xp.minimum(t, steps)
        return xp.div(u, steps), xp.div(xp.sub(steps, u), steps)
    # An array or traced length may be 0 (a sweep over phase lengths): no 0 / 0.
    some = xp.gt(steps, 0)
    safe = xp.where(some, steps, 1)
    u = xp.minimum(t, safe)
    return xp.where(some, xp.div(u, safe), 1.0), xp.where(some, xp.div(xp.sub(safe, u), safe), 0.0)


def _cosine_weights(xp: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """For ``x + y = 1`` in ``[0, 1]``: ``((1 + cos(pi x)) / 2, (1 - cos(pi x)) / 2)``,
    that is ``(sin(pi y / 2)**2, sin(pi x / 2)**2)``.

    One sine, of the smaller of ``x`` and ``y``, gives the smaller weight
    (``<= 1/2``, accurate however close to 0); the other is one minus it
    (``>= 1/2``, so nothing cancels). ``x <= 1/2`` chooses (where ``x`` and ``y`` are
    within rounding of each other either is as accurate); ``y`` is then only needed
    where ``x`` is not the smaller, which lets the scalar path skip computing it."""
    x_small = x <= 0.5
    s = xp.sin(_HALF_PI * xp.where(x_small, x, y))  # not minimum(): its gradient halves at x == y
    small = s * s
    big = 1 - small
    return xp.where(x_small, big, small), xp.where(x_small, small, big)


def _is_zero(x: Any) -> bool:
    """``x`` is a plain 0 (a start of 0 makes a power schedule 0 at every step)."""
    return is_plain(x) and x == 0


def _blend(xp: Any, start: Any, end: Any, w: Any, c: Any, p: Any = 1) -> Any:
    """``start * w**p + end * (1 - w**p)``, for a weight ``w`` and ``c = 1 - w``
    (each computed on its own, accurate where it is small).

    ``d = w**p``; ``1 - d`` is taken as it is while ``d < 1/2`` (no cancellation),
    and as ``-expm1(p * log1p(-c))`` beyond, where ``c`` is small and exact.
    """
    if is_plain(p) and p == 1:
        return start * w + end * c
    d = xp.pow(w, p)
    near_start = d >= 0.5
    rise = xp.where(near_start, -xp.expm1(p * xp.log1p(-xp.where(near_start, c, 0.0))), 1 - d)
    return start * d + end * rise


class Span(Schedule):
    """A node with a length, ``steps``: it ends there (its ``duration``)."""

    __slots__ = ()
    steps: Any

    @property
    def duration(self) -> Any:
        return self.steps

    @property
    def finite(self) -> bool:
        return True


# ----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class Constant(Schedule):
    """``value`` at every step; with ``steps``, a hold of that length: its ``duration``
    is ``steps``, so that a chain can go on after it (its value stays ``value``).

    Anchors: ``torch.optim.lr_scheduler.ConstantLR`` after its ``total_iters``,
    ``optax.constant_schedule``.

    >>> constant(0.1)(5)
    0.1
    """

    value: Any
    _: KW_ONLY
    steps: Any = None
    _text_name = "constant"

    def __post_init__(self) -> None:
        set_fields(
            self,
            value=check.number("constant", "value", self.value),
            steps=None if self.steps is None else check.nonnegative("constant", "steps", self.steps),
        )

    @property
    def duration(self) -> Any:
        """``steps`` if given (a hold of that length, which a chain can follow), else ``inf``."""
        return math.inf if self.steps is None else self.steps

    @property
    def finite(self) -> bool:
        return self.steps is not None

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.value


@dataclass(frozen=True, repr=False, eq=False)
class Linear(Span):
    """From ``start`` to ``end`` in a straight line over ``steps``, then ``end``.

    ``start + (end - start) * u / steps`` with ``u = min(t, steps)``.

    Anchors: ``torch.optim.lr_scheduler.LinearLR`` (``start = base_lr *
    start_factor``, ``end = base_lr * end_factor``, ``steps = total_iters``),
    ``optax.linear_schedule``.

    >>> linear(0, 1e-3, 1000)(250)
    0.00025
    """

    start: Any
    end: Any
    steps: Any
    _text_name = "linear"

    def __post_init__(self) -> None:
        set_fields(
            self,
            start=check.number("linear", "start", self.start),
            end=check.number("linear", "end", self.end),
            steps=check.nonnegative("linear", "steps", self.steps),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        x, y = _done_and_left(xp, t, self.steps)
        return self.start * y + self.end * x


@dataclass(frozen=True, repr=False, eq=False)
class Cosine(Span):
    """Half a cosine from ``start`` to ``end`` over ``steps``, then ``end``.

    ``end + (start - end) * (0.5 * (1 + cos(pi * u / steps))) ** exponent`` with
    ``u = min(t, steps)``; with ``periodic=True``, ``u = t`` and the cosine goes on
    (back up to ``start`` at ``2 * steps``), as PyTorch's CosineAnnealingLR does
    past ``T_max``.

    Anchors: ``torch.optim.lr_scheduler.CosineAnnealingLR`` (``start = base_lr``,
    ``end = eta_min``, ``steps = T_max``, ``periodic=True``),
    ``optax.cosine_decay_schedule`` (``end = alpha * init_value``, ``exponent``).

    >>> round(cosine(1.0, 0.0, 100)(50), 12)
    0.5
    """

    start: Any
    end: Any
    steps: Any
    _: KW_ONLY
    exponent: Any = 1.0
    periodic: bool = field(default=False, metadata=STATIC)
    _text_name = "cosine"

    def __post_init__(self) -> None:
        set_fields(
            self,
            start=check.number("cosine", "start", self.start),
            end=check.number("cosine", "end", self.end),
            steps=check.nonnegative("cosine", "steps", self.steps),
            exponent=check.positive("cosine", "exponent", self.exponent),
            periodic=check.flag("cosine", "periodic", self.periodic),
        )
        if self.periodic:
            check.require("cosine", "steps", self.steps, lambda v: v > 0, "> 0 for a periodic cosine")

    def _eval(self, t: Any, xp: Any) -> Any:
        steps = self.steps
        if self.periodic:  # the cosine has period 2 * steps; reduce t exactly first
            u = xp.mod(t, 2 * steps)
            past = xp.sub(u, steps)  # the cosine is symmetric about steps: fold u back
            u = xp.where(xp.gt(past, 0), xp.sub(steps, past), u)  # exactly into [0, steps]
            x, y = xp.div(u, steps), xp.div(xp.sub(steps, u), steps)
        else:
            x, y = _done_and_left(xp, t, steps)
        w, c = _cosine_weights(xp, x, y)
        return _blend(xp, self.start, self.end, w, c, self.exponent)


@dataclass(frozen=True, repr=False, eq=False)
class Exponential(Schedule):
    """``start * gamma ** (t / every)``; with ``staircase``, ``gamma ** floor(t / every)``.

    With ``end``, the value never passes ``end``: never below it when ``gamma < 1``,
    never above it when ``gamma > 1``.

    Anchors: ``torch.optim.lr_scheduler.ExponentialLR`` (``every=1``),
    ``optax.exponential_decay`` (``gamma = decay_rate``, ``every =
    transition_steps``, ``end = end_value``), Keras ``ExponentialDecay``.

    >>> exponential(1.0, 0.5, every=10)(20)
    0.25
    """

    start: Any
    gamma: Any
    _: KW_ONLY
    every: Any = 1
    staircase: bool = field(default=False, metadata=STATIC)
    end: Any = None
    _text_name = "exponential"

    def __post_init__(self) -> None:
        set_fields(
            self,
            start=check.number("exponential", "start", self.start),
            gamma=check.positive("exponential", "gamma", self.gamma),
            every=check.positive("exponential", "every", self.every),
            staircase=check.flag("exponential", "staircase", self.staircase),
            end=None if self.end is None else check.number("exponential", "end", self.end),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        if _is_zero(self.start):  # not 0 * inf once gamma ** k overflows; end still bounds it
            v: Any = 0.0
        else:
            v = xp.pow_steps(self.gamma, t, self.every, self.staircase, self.start)
        if self.end is None:
            return v
        g, end = self.gamma, self.end
        return xp.where(g < 1, xp.maximum(v, end), xp.where(g > 1, xp.minimum(v, end), v))


@dataclass(frozen=True, repr=False, eq=False)
class Step(Schedule):
    """``start * gamma ** floor(t / step_size)``.

    Anchor: ``torch.optim.lr_scheduler.StepLR`` (``start = base_lr``).

    >>> step(1.0, 30, gamma=0.1)(60)
    0.010000000000000002
    """

    start: Any
    step_size: Any
    _: KW_ONLY
    gamma: Any = 0.1
    _text_name = "step"

    def __post_init__(self) -> None:
        set_fields(
            self,
            start=check.number("step", "start", self.start),
            step_size=check.positive("step", "step_size", self.step_size),
            gamma=check.positive("step", "gamma", self.gamma),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        if _is_zero(self.start):  # not 0 * inf once gamma ** k overflows
            return 0.0
        return xp.pow_steps(self.gamma, t, self.step_size, True, self.start)


@dataclass(frozen=True, repr=False, eq=False)
class MultiStep(Schedule):
    """``start * gamma ** (number of milestones <= t)``; a repeated milestone counts twice.

    Anchor: ``torch.optim.lr_scheduler.MultiStepLR`` (``start = base_lr``).

    >>> multistep(1.0, [10, 20, 20], gamma=0.5)(20)
    0.125
    """

    start: Any
    milestones: Sequence[Any]
    _: KW_ONLY
    gamma: Any = 0.1
    _text_name = "multistep"

    def __post_init__(self) -> None:
        set_fields(
            self,
            start=check.number("multistep", "start", self.start),
            milestones=check.sorted_times("multistep", "milestones", self.milestones),
            gamma=check.positive("multistep", "gamma", self.gamma),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        if _is_zero(self.start):  # not 0 * inf once gamma ** k overflows
            return 0.0
        # gamma ** k as pow_steps takes it: within 1e-6 in float32 however many milestones
        return xp.pow_steps(self.gamma, xp.searchsorted(self.milestones, t), 1, True, self.start)


@dataclass(frozen=True, repr=False, eq=False)
class Polynomial(Span):
    """From ``start`` to ``end`` along ``(1 - u / steps) ** power``, then ``end``.

    ``end + (start - end) * (1 - u / steps) ** power`` with ``u = min(t, steps)``.

    Anchors: ``torch.optim.lr_scheduler.PolynomialLR`` (``end = 0``,
    ``steps = total_iters``), ``optax.polynomial_schedule``.

    >>> polynomial(1.0, 0.0, 10, power=2)(5)
    0.25
    """

    start: Any
    end: Any
    steps: Any
    _: KW_ONLY
    power: Any = 1.0
    _text_name = "polynomial"

    def __post_init__(self) -> None:
        set_fields(
            self,
            start=check.number("polynomial", "start", self.start),
            end=check.number("polynomial", "end", self.end),
            steps=check.nonnegative("polynomial", "steps", self.steps),
            power=check.positive("polynomial", "power", self.power),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        x, y = _done_and_left(xp, t, self.steps)
        return _blend(xp, self.start, self.end, y, x, self.power)


@dataclass(frozen=True, repr=False, init=False, eq=False)
class Piecewise(Schedule):
    """``values[i]`` where ``i`` is the number of ``boundaries <= t``.

    Anchors: ``optax.piecewise_constant_schedule`` (values are the running
    products of its scales), Keras ``PiecewiseConstantDecay`` (whose boundaries
    switch one step later: ``t > b``).

    >>> piecewise([10, 20], [1.0, 0.5, 0.1])(10)
    0.5
    """

    boundaries: Sequence[Any]
    levels: Sequence[Any]  # the ``values`` argument (``s.values(n)`` is every schedule's method)
    _text_name = "piecewise"
    _renamed: ClassVar[dict[str, str]] = {"levels": "values"}

    def __init__(self, boundaries: Any, values: Any) -> None:
        set_fields(self, boundaries=boundaries, levels=values)
        self.__post_init__()

    def __post_init__(self) -> None:
        boundaries = check.sorted_times("piecewise", "boundaries", self.boundaries)
        values = check.sequence("piecewise", "values", self.levels)
        if len(values) != len(boundaries) + 1:
            raise check.fail(
                "piecewise",
                "values",
                list(values),
                f"one longer than boundaries ({len(boundaries) + 1} values for {len(boundaries)} boundaries)",
            )
        set_fields(self, boundaries=boundaries, levels=values)

    def _eval(self, t: Any, xp: Any) -> Any:
        return xp.take(self.levels, xp.searchsorted(self.boundaries, t))


@dataclass(frozen=True, repr=False, init=False, eq=False)
class Interpolate(Schedule):
    """Through the knots ``(times[i], values[i])``, constant before the first and after
    the last; between knots a straight line (``kind="linear"``) or half a cosine
    (``kind="cosine"``), the same formulas as :class:`Linear` and :class:`Cosine`.

    Anchors: ``optax.piecewise_interpolate_schedule``, fastai's ``combine_scheds``.

    >>> interpolate([0, 10, 20], [0.0, 1.0, 0.0])(15)
    0.5
    """

    times: Sequence[Any]
    levels: Sequence[Any]  # the ``values`` argument (``s.values(n)`` is every schedule's method)
    _: KW_ONLY
    kind: str = field(default="linear", metadata=STATIC)
    _text_name = "interpolate"
    _renamed: ClassVar[dict[str, str]] = {"levels": "values"}

    def __init__(self, times: Any, values: Any, *, kind: str = "linear") -> None:
        set_fields(self, times=times, levels=values, kind=kind)
        self.__post_init__()

    def __post_init__(self) -> None:
        times = check.sorted_times("interpolate", "times", self.times, min_len=1)
        values = check.sequence("interpolate", "values", self.levels)
        if len(values) != len(times):
            raise check.fail(
                "interpolate", "values", list(values), f"as long as times ({len(times)} knots)"
            )
        kind = check.choice("interpolate", "kind", self.kind, ("linear", "cosine"))
        set_fields(self, times=times, levels=values, kind=kind)

    @property
    def duration(self) -> Any:
        return self.times[-1]

    @property
    def finite(self) -> bool:
        return True

    def _eval(self, t: Any, xp: Any) -> Any:
        times, values = self.times, self.levels
        if len(times) == 1:
            return values[0]
        i = xp.clip(xp.searchsorted(times, t), 1, len(times) - 1)
        t0, t1 = xp.take(times, i - 1, like=t), xp.take(times, i, like=t)
        u = xp.clip(t, t0, t1)
        span = xp.sub(t1, t0)
        some = xp.gt(span, 0)
        safe = xp.where(some, span, 1)
        after = xp.ge(t, t1)  # decides a zero-length segment: a jump at t0 == t1
        x = xp.where(some, xp.div(xp.sub(u, t0), safe), xp.where(after, 1.0, 0.0))
        y = xp.where(some, xp.div(xp.sub(t1, u), safe), xp.where(after, 0.0, 1.0))
        if self.kind == "cosine":
            x, y = _cosine_weights(xp, x, y)[::-1]
        return xp.take(values, i - 1) * y + xp.take(values, i) * x


@dataclass(frozen=True, repr=False, eq=False)
class Lambda(Schedule):
    """``fn(t)``, for a function of the step.

    ``fn`` written with plain arithmetic works on every backend; under JAX it
    must use ``jax.numpy``. Register it with :func:`lrdsl.register` to give it a
    name that prints, parses and saves.

    Anchor: ``torch.optim.lr_scheduler.LambdaLR``, whose value is ``base_lr *
    fn(t)``: in lrdsl, ``base_lr * lambda_(fn)``.

    >>> lambda_(lambda t: 0.95 ** t)(2)
    0.9025
    """

    fn: Callable[[Any], Any] = field(metadata=STATIC)
    _: KW_ONLY
    name: str | None = field(default=None, metadata=STATIC)
    _text_name = "lambda_"

    def __post_init__(self) -> None:
        if not callable(self.fn):
            raise TypeError(f"lambda_: fn must be callable, got {type(self.fn).__name__} {self.fn!r}")
        if self.name is not None and not isinstance(self.name, str):
            raise TypeError(f"lambda_: name must be a str or None, got {type(self.name).__name__}")

    def _text_args(self) -> list[str]:
        from .registry import name_of

        name = self.name if self.name is not None else name_of(self.fn)
        if name is not None:
            return [repr(name)]
        return [f"<{getattr(self.fn, '__qualname__', repr(self.fn))}>"]

    def _eval(self, t: Any, xp: Any) -> Any:
        try:
            return xp.call(self.fn, t)
        except Exception as e:
            if xp.name == "jax" and _is_tracer_error(e):
                raise TypeError(
                    f"lambda_ {self._text_args()[0]}: fn does not run on JAX arrays ({type(e).__name__});"
                    " under JAX it must use jax.numpy, not numpy or math"
                ) from e
            raise


def _is_tracer_error(e: Exception) -> bool:
    import jax

    return isinstance(e, (jax.errors.JAXTypeError, TypeError)) or type(e).__module__.startswith("jax")
