"""The schedule families of the anchors: one-cycle, cyclic, restarts, inverse square
root, warmup-stable-decay, tanh, inverse time, and Keras's cycling polynomial.

Where a family is a composition of the primitives that is exact and reads well
(``onecycle``, ``wsd``) it is a function returning that expression, so it
prints as the chain it is. Where the formula is genuinely new (cycles of
geometric length, the cyclic modes, ``1 / sqrt``, ``tanh``, ``1 - sqrt``,
``1 / (1 + rate t)``, Keras's growing polynomial horizon) it is a node: a
frozen dataclass with a text name, validation, and one formula written once
against the array namespace ``xp``.

Time is integer-exact where it can be: cycle positions are ``t mod period``
and ``t // period`` (integer arithmetic for integer counts) when cycles have
one length; with geometric lengths (``mult > 1``) the cycle index comes from a
logarithm and is then corrected by one either way against the exact cycle
starts, so it is right at every boundary (the anchors' own float logarithms
can be one off there; see :mod:`lrdsl.compat`).
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, field
from typing import Any

from . import _checks as check
from ._node import STATIC, Schedule, set_fields, with_form
from ._node import node_dataclass as dataclass
from ._ops import is_plain
from .combinators import Chain, chain
from .primitives import Constant, Cosine, Linear, Polynomial, Span, _blend, _cosine_weights, _done_and_left

__all__ = [
    "CosineRestarts",
    "PolynomialRestarts",
    "Tanh",
    "Cyclic",
    "InverseSqrt",
    "InverseTime",
    "OneMinusSqrt",
    "PolynomialCycle",
    "onecycle",
    "wsd",
    "cosine_restarts",
    "polynomial_restarts",
    "tanh",
    "cyclic",
    "inverse_sqrt",
    "inverse_time",
    "one_minus_sqrt",
    "polynomial_cycle",
]


def _mult(fn: str, value: Any) -> Any:
    return check.at_least(fn, "mult", value, 1)


def _limit(fn: str, value: Any) -> Any:
    return None if value is None else check.positive(fn, "limit", value)


# ----------------------------------------------------------------------------
# Cycles: the shared arithmetic of restarts.


class _Cycles(Schedule):
    """Cycles ``i = 0, 1, ...`` of length ``period * mult**i``; in cycle ``i`` the
    value goes from ``start * decay**i`` down to ``end`` along the subclass's
    shape; after ``limit`` cycles (if given) it stays at ``end``.

    ``decay`` may be any finite number: ``decay**i`` is taken at whole ``i``, so ``0``
    leaves the first cycle alone (``0**0 = 1``) and a negative ``decay`` alternates the
    sign of the peaks, as the anchors' own products do (timm's ``cycle_decay``, Keras's
    ``m_mul``).

    Subclasses define the fields ``start, end, period, mult, decay, limit`` and
    ``_weights(x, y, xp)``: for the fraction ``x`` of the cycle done and
    ``y = 1 - x``, the weight of the peak and the weight of ``end``.
    """

    __slots__ = ()
    start: Any
    end: Any
    period: Any
    mult: Any
    decay: Any
    limit: Any
    k: Any = 1.0

    def _weights(self, x: Any, y: Any, xp: Any) -> tuple[Any, Any]:
        raise NotImplementedError

    @property
    def finite(self) -> bool:
        return self.limit is not None

    @property
    def duration(self) -> Any:
        if self.limit is None:
            return math.inf
        p, m, n = self.period, self.mult, self.limit
        if is_plain(m) and m == 1:
            return p * n
        return p * (m**n - 1) / (m - 1)

    def _cycle(self, t: Any, xp: Any) -> tuple[Any, Any, Any, Any]:
        """``(i, u, left, length)``: the cycle ``t`` is in, the time since it began, the
        time left in it, its length.

        With ``mult > 1`` the logarithm gives the cycle up to rounding; the exact
        starts ``xp.geometric`` (a table of times on JAX) settle it, and ``u`` and
        ``left`` are each one difference of a start and ``t``."""
        p, m = self.period, self.mult
        if is_plain(m) and m == 1:
            u = xp.mod(t, p)
            return xp.floordiv(t, p), u, xp.sub(p, u), p
        g = xp.where(m == 1, 1.0, m - 1)
        lm = xp.where(m == 1, 1.0, xp.log(m))

        def begin(j: Any) -> Any:
            return xp.geometric(p, m, j, like=t)

        i = xp.maximum(xp.floordiv(xp.div(xp.log1p(xp.div(t, p) * g), lm), 1), 0)
        i = i - xp.where(xp.lt(t, begin(i)), 1, 0)
        i = i + xp.where(xp.ge(t, begin(i + 1)), 1, 0)
        start, end = begin(i), begin(i + 1)
        u, left, length = xp.sub(t, start), xp.sub(end, t), xp.sub(end, start)
        if is_plain(m):
            return i, u, left, length
        one = m == 1
        u1 = xp.mod(t, p)
        return (
            xp.where(one, xp.floordiv(t, p), i),
            xp.where(one, u1, u),
            xp.where(one, xp.sub(p, u1), left),
            xp.where(one, p, length),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        i, u, left, length = self._cycle(t, xp)
        k = self.k
        x, y = xp.div(u, length), xp.div(left, length)
        if not (is_plain(k) and k == 1):  # x ** k, and 1 - x ** k without cancelling near 1
            w = xp.pow(x, k)
            late = w >= 0.5
            y = xp.where(late, -xp.expm1(k * xp.log1p(-xp.where(late, y, 0.0))), 1 - w)
            x = w
        decay = self.decay
        peak = self.start if is_plain(decay) and decay == 1 else xp.pow_steps(decay, i, 1, True, self.start)
        v = self._value(peak, x, y, xp)
        if self.limit is None:
            return v
        return xp.where(xp.lt(i, self.limit), v, self.end)

    def _value(self, peak: Any, x: Any, y: Any, xp: Any) -> Any:
        a, b = self._weights(x, y, xp)
        return peak * a + self.end * b


@dataclass(frozen=True, repr=False, eq=False)
class CosineRestarts(_Cycles):
    """Cosine annealing with warm restarts (SGDR).

    Cycle ``i`` has length ``L_i = period * mult**i`` and begins at
    ``B_i = period * (mult**i - 1) / (mult - 1)`` (``i * period`` when
    ``mult = 1``); with ``u = t - B_i`` and ``x = u**k / L_i**k``::

        value = end + (start * decay**i - end) * (1 + cos(pi * x)) / 2

    and ``end`` from cycle ``limit`` on (``limit=None``: cycles forever).

    Anchors: ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts``
    (``start = base_lr``, ``end = eta_min``, ``period = T_0``, ``mult = T_mult``);
    timm ``CosineLRScheduler`` (``period = t_initial``, ``mult = cycle_mul``,
    ``decay = cycle_decay``, ``limit = cycle_limit``, ``k = k_decay``); Keras
    ``CosineDecayRestarts`` (``alpha * lr + cosine_restarts((1 - alpha) * lr, 0,
    first_decay_steps, mult=t_mul, decay=m_mul)``); Hugging Face
    ``cosine_with_restarts``.

    >>> round(cosine_restarts(1.0, 0.0, 10, mult=2)(20), 12)
    0.5
    """

    start: Any
    end: Any
    period: Any
    _: KW_ONLY
    mult: Any = 1.0
    decay: Any = 1.0
    limit: Any = None
    k: Any = 1.0
    _text_name = "cosine_restarts"

    def __post_init__(self) -> None:
        fn = "cosine_restarts"
        set_fields(
            self,
            start=check.number(fn, "start", self.start),
            end=check.number(fn, "end", self.end),
            period=check.positive(fn, "period", self.period),
            mult=_mult(fn, self.mult),
            decay=check.number(fn, "decay", self.decay),
            limit=_limit(fn, self.limit),
            k=check.positive(fn, "k", self.k),
        )

    def _weights(self, x: Any, y: Any, xp: Any) -> tuple[Any, Any]:
        return _cosine_weights(xp, x, y)


@dataclass(frozen=True, repr=False, eq=False)
class PolynomialRestarts(_Cycles):
    """Polynomial decay in cycles: as :class:`CosineRestarts`, with the shape
    ``value = end + (start * decay**i - end) * (1 - x) ** power``.

    Anchor: timm ``PolyLRScheduler`` (``period = t_initial``, ``power``,
    ``mult = cycle_mul``, ``decay = cycle_decay``, ``limit = cycle_limit``,
    ``k = k_decay``).

    >>> polynomial_restarts(1.0, 0.0, 10, power=2.0)(15)
    0.25
    """

    start: Any
    end: Any
    period: Any
    _: KW_ONLY
    power: Any = 1.0
    mult: Any = 1.0
    decay: Any = 1.0
    limit: Any = None
    k: Any = 1.0
    _text_name = "polynomial_restarts"

    def __post_init__(self) -> None:
        fn = "polynomial_restarts"
        set_fields(
            self,
            start=check.number(fn, "start", self.start),
            end=check.number(fn, "end", self.end),
            period=check.positive(fn, "period", self.period),
            power=check.positive(fn, "power", self.power),
            mult=_mult(fn, self.mult),
            decay=check.number(fn, "decay", self.decay),
            limit=_limit(fn, self.limit),
            k=check.positive(fn, "k", self.k),
        )

    def _value(self, peak: Any, x: Any, y: Any, xp: Any) -> Any:
        return _blend(xp, peak, self.end, y, x, self.power)


@dataclass(frozen=True, repr=False, eq=False)
class Tanh(_Cycles):
    """Hyperbolic-tangent decay (Hsueh et al. 2019), in cycles like :class:`CosineRestarts`.

    With ``x = u / L_i`` the fraction of cycle ``i`` done::

        value = end + (start * decay**i - end) * (1 - tanh(lb * (1 - x) + ub * x)) / 2

    and ``end`` from cycle ``limit`` on. Note the value at the end of a cycle is
    ``(1 - tanh(ub)) / 2`` of the way, not ``end``: the anchor jumps there.

    Anchor: timm ``TanhLRScheduler`` (``steps = t_initial``, ``lb``, ``ub``,
    ``end = lr_min``, ``mult = cycle_mul``, ``decay = cycle_decay``,
    ``limit = cycle_limit``, default 1: one cycle, then ``end``).

    >>> round(tanh(1.0, 0.0, 10, lb=-1.0, ub=1.0)(5), 12)
    0.5
    """

    start: Any
    end: Any
    steps: Any
    _: KW_ONLY
    lb: Any = -7.0
    ub: Any = 3.0
    mult: Any = 1.0
    decay: Any = 1.0
    limit: Any = 1
    _text_name = "tanh"

    def __post_init__(self) -> None:
        fn = "tanh"
        lb, ub = check.number(fn, "lb", self.lb), check.number(fn, "ub", self.ub)
        check.less(fn, "lb", lb, "ub", ub)
        set_fields(
            self,
            start=check.number(fn, "start", self.start),
            end=check.number(fn, "end", self.end),
            steps=check.positive(fn, "steps", self.steps),
            lb=lb,
            ub=ub,
            mult=_mult(fn, self.mult),
            decay=check.number(fn, "decay", self.decay),
            limit=_limit(fn, self.limit),
        )

    @property
    def period(self) -> Any:
        return self.steps

    @property
    def k(self) -> Any:
        return 1.0

    def _value(self, peak: Any, x: Any, y: Any, xp: Any) -> Any:
        # w = (1 - tanh(z)) / 2 = 1 / (1 + exp(2 z)) and 1 - w = 1 / (1 + exp(-2 z)): each
        # weight on its own, so nothing cancels where tanh(z) nears 1 or -1.
        # z = lb y + ub x from the nearer end (lb + d x or ub - d y, d = ub - lb): the
        # product is small there, so z is rounded once.
        d = self.ub - self.lb
        z2 = 2 * xp.where(x <= y, self.lb + d * x, self.ub - d * y)
        return peak * xp.div(1, 1 + xp.exp(z2)) + self.end * xp.div(1, 1 + xp.exp(-z2))


# ----------------------------------------------------------------------------
# Cyclical learning rates.


@dataclass(frozen=True, repr=False, eq=False)
class Cyclic(Schedule):
    """Triangular cycles between ``low`` and ``high`` (Smith 2017, "Cyclical Learning Rates").

    A cycle is ``step_size_up`` steps up then ``step_size_down`` steps down
    (``None``: as many as up); with ``i = t // (up + down)`` and
    ``u = t mod (up + down)`` (integer-exact)::

        x = u / up                    if u <= up
        x = (up + down - u) / down    otherwise
        value = low + (high - low) * x * f

    where ``f`` is ``1`` (``mode="triangular"``), ``0.5 ** i``
    (``"triangular2"``) or ``gamma ** t`` (``"exp_range"``).

    Anchor: ``torch.optim.lr_scheduler.CyclicLR`` (``low = base_lr``,
    ``high = max_lr``; its ``scale_fn`` of a cycle or of iterations for those
    three modes).

    >>> cyclic(0.1, 1.0, 10)(5)
    0.55
    """

    low: Any
    high: Any
    step_size_up: Any
    _: KW_ONLY
    step_size_down: Any = None
    mode: str = field(default="triangular", metadata=STATIC)
    gamma: Any = 1.0
    _text_name = "cyclic"

    def __post_init__(self) -> None:
        fn = "cyclic"
        set_fields(
            self,
            low=check.number(fn, "low", self.low),
            high=check.number(fn, "high", self.high),
            step_size_up=check.positive(fn, "step_size_up", self.step_size_up),
            step_size_down=None
            if self.step_size_down is None
            else check.nonnegative(fn, "step_size_down", self.step_size_down),
            mode=check.choice(fn, "mode", self.mode, ("triangular", "triangular2", "exp_range")),
            gamma=check.positive(fn, "gamma", self.gamma),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        up = self.step_size_up
        down = up if self.step_size_down is None else self.step_size_down
        total = up + down
        u = xp.mod(t, total)
        rising = xp.le(u, up)
        safe_down = xp.where(down > 0, down, 1)
        x = xp.where(rising, xp.div(u, up), xp.div(xp.sub(total, u), safe_down))
        # (high - low) * f as one power (no intermediate below float32's range)
        if self.mode == "triangular2":  # f = 0.5 ** (t // total)
            return self.low + x * xp.pow_steps(0.5, t, total, True, self.high - self.low)
        if self.mode == "exp_range":  # f = gamma ** t
            return self.low + x * xp.pow_steps(self.gamma, t, 1, False, self.high - self.low)
        return self.low + (self.high - self.low) * x


# ----------------------------------------------------------------------------
# Decays with new formulas.


@dataclass(frozen=True, repr=False, eq=False)
class InverseSqrt(Schedule):
    """``start * (1 + t / timescale) ** -power``; ``power=0.5`` is the inverse square root.

    Anchors: Hugging Face ``get_inverse_sqrt_schedule`` (after its warmup:
    ``warmup(inverse_sqrt(base_lr, timescale), num_warmup_steps)``), the
    Transformer's ("Noam") schedule ``d**-0.5 * min(s**-0.5, s * w**-1.5)`` for
    ``s >= 1``, which is ``warmup(inverse_sqrt(peak, w), w)`` with
    ``peak = (d * w) ** -0.5``; timm ``WSDLRScheduler``'s ``rsqrt``/``power``
    stable phases.

    >>> inverse_sqrt(1.0, 100)(300)
    0.5
    """

    start: Any
    timescale: Any
    _: KW_ONLY
    power: Any = 0.5
    _text_name = "inverse_sqrt"

    def __post_init__(self) -> None:
        fn = "inverse_sqrt"
        set_fields(
            self,
            start=check.number(fn, "start", self.start),
            timescale=check.positive(fn, "timescale", self.timescale),
            power=check.positive(fn, "power", self.power),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        r = 1 + xp.div(t, self.timescale)
        if is_plain(self.power) and self.power == 0.5:
            return xp.div(self.start, xp.sqrt(r))
        return self.start * xp.pow(r, -self.power)


@dataclass(frozen=True, repr=False, eq=False)
class InverseTime(Schedule):
    """``start / (1 + rate * t / every)``; with ``staircase``, ``floor(t / every)``.

    Anchor: Keras ``InverseTimeDecay`` (``start = initial_learning_rate``,
    ``rate = decay_rate``, ``every = decay_steps``).

    >>> inverse_time(1.0, 0.5, every=10)(20)
    0.5
    """

    start: Any
    rate: Any
    _: KW_ONLY
    every: Any = 1
    staircase: bool = field(default=False, metadata=STATIC)
    _text_name = "inverse_time"

    def __post_init__(self) -> None:
        fn = "inverse_time"
        set_fields(
            self,
            start=check.nonnegative(fn, "start", self.start),
            rate=check.nonnegative(fn, "rate", self.rate),
            every=check.positive(fn, "every", self.every),
            staircase=check.flag(fn, "staircase", self.staircase),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        p = xp.floordiv(t, self.every) if self.staircase else xp.div(t, self.every)
        return xp.div(self.start, 1 + self.rate * p)


@dataclass(frozen=True, repr=False, eq=False)
class OneMinusSqrt(Span):
    """From ``start`` to ``end`` along ``1 - sqrt(u / steps)`` (the "1-sqrt" cooldown of
    Hägele et al. 2024), then ``end``.

    ``end + (start - end) * (1 - sqrt(u / steps))`` with ``u = min(t, steps)``.

    Anchors: Hugging Face ``get_wsd_schedule(decay_type="1-sqrt")``, timm
    ``WSDLRScheduler(decay_fn="1-sqrt")``.

    >>> one_minus_sqrt(1.0, 0.0, 100)(25)
    0.5
    """

    start: Any
    end: Any
    steps: Any
    _text_name = "one_minus_sqrt"

    def __post_init__(self) -> None:
        fn = "one_minus_sqrt"
        set_fields(
            self,
            start=check.number(fn, "start", self.start),
            end=check.number(fn, "end", self.end),
            steps=check.nonnegative(fn, "steps", self.steps),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        x, y = _done_and_left(xp, t, self.steps)
        s = xp.sqrt(x)
        return self.start * xp.div(y, 1 + s) + self.end * s  # 1 - sqrt(x) = (1 - x) / (1 + sqrt(x))


@dataclass(frozen=True, repr=False, eq=False)
class PolynomialCycle(Schedule):
    """Polynomial decay whose horizon grows: ``steps * n`` with ``n = ceil(t / steps)``
    (``1`` at ``t = 0``)::

        value = end + (start - end) * (1 - t / (steps * n)) ** power

    so the value reaches ``end`` at every multiple of ``steps`` and jumps back
    up (less high each time) just after.

    Anchor: Keras ``PolynomialDecay(cycle=True)`` (``start =
    initial_learning_rate``, ``end = end_learning_rate``, ``steps =
    decay_steps``).

    >>> polynomial_cycle(1.0, 0.0, 10)(15)
    0.25
    """

    start: Any
    end: Any
    steps: Any
    _: KW_ONLY
    power: Any = 1.0
    _text_name = "polynomial_cycle"

    def __post_init__(self) -> None:
        fn = "polynomial_cycle"
        set_fields(
            self,
            start=check.number(fn, "start", self.start),
            end=check.number(fn, "end", self.end),
            steps=check.positive(fn, "steps", self.steps),
            power=check.positive(fn, "power", self.power),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        # left = horizon - t, exactly: steps - (t mod steps), or 0 at a multiple of
        # steps (steps at t = 0); the horizon itself is t + left (never steps * n,
        # which overflows an integer count near its top).
        steps = self.steps
        r = xp.mod(t, steps)
        left = xp.where(xp.gt(r, 0), xp.sub(steps, r), xp.where(xp.gt(t, 0), xp.zero(t), steps))
        horizon = xp.add(t, left)
        x, y = xp.div(t, horizon), xp.div(left, horizon)
        return _blend(xp, self.start, self.end, y, x, self.power)


# ----------------------------------------------------------------------------
# Families that are compositions of the primitives.


@with_form("onecycle")
def onecycle(
    peak: Any,
    total_steps: Any,
    *,
    pct_start: Any = 0.3,
    div_factor: Any = 25.0,
    final_div_factor: Any = 1e4,
    anneal: str = "cos",
    three_phase: bool = False,
) -> Chain:
    """The 1cycle policy (Smith & Topin 2017), exactly as PyTorch's ``OneCycleLR``:
    a chain of cosines (``anneal="cos"``) or straight lines (``"linear"``).

    With ``lo = peak / div_factor``, ``end = lo / final_div_factor`` and
    ``a = pct_start * total_steps - 1`` (PyTorch's phase ends are ``a`` and
    ``total_steps - 1``, floats)::

        two phases:   lo -> peak over a steps, then peak -> end over total_steps - 1 - a
        three phases: lo -> peak over a, peak -> lo over a, lo -> end over total_steps - 1 - 2a

    then ``end``. (PyTorch also allows one more step, ``t = total_steps``,
    where it extrapolates the last anneal past its end; here it stays at
    ``end``.) Optax's ``cosine_onecycle_schedule`` and
    ``linear_onecycle_schedule`` round their phase ends to integers instead:
    see :mod:`lrdsl.compat.optax`.

    >>> onecycle(1.0, 101, pct_start=0.5, anneal="linear", div_factor=2.0)(0)
    0.5
    """
    fn = "onecycle"
    peak = check.number(fn, "peak", peak)
    total = check.positive(fn, "total_steps", total_steps)
    pct = check.nonnegative(fn, "pct_start", pct_start)
    div = check.positive(fn, "div_factor", div_factor)
    fdiv = check.positive(fn, "final_div_factor", final_div_factor)
    kind = check.choice(fn, "anneal", anneal, ("cos", "linear"))
    three = check.flag(fn, "three_phase", three_phase)
    if is_plain(pct) and pct > 1:
        raise check.fail(fn, "pct_start", pct, "<= 1")
    piece = Cosine if kind == "cos" else Linear
    lo = peak / div
    end = lo / fdiv
    a = _float(pct * total, pct) - 1
    last = total - 1
    if is_plain(a) and a <= 0:
        raise check.fail(fn, "pct_start", pct, f"such that pct_start * total_steps > 1 (total_steps={total!r})")
    if three:
        b = _float(2 * pct * total, pct) - 2
        if is_plain(last - b) and last - b <= 0:
            raise check.fail(fn, "pct_start", pct, "small enough to leave steps for the third phase")
        return chain(piece(lo, peak, a), piece(peak, lo, b - a), piece(lo, end, last - b))
    if is_plain(last - a) and last - a <= 0:
        raise check.fail(fn, "pct_start", pct, "small enough to leave steps for the decay")
    return chain(piece(lo, peak, a), piece(peak, end, last - a))


def _float(x: Any, factor: Any) -> Any:
    """``float(x)`` for ``x``, a product by ``factor``; for a quantity, the same float once
    bound: ``x`` itself when ``factor`` is a float (the product is one already), else
    ``x * 1.0`` (``float(x)`` for an int, ``x`` for a float)."""
    if is_plain(x):
        return float(x)
    return x if type(factor) is float else x * 1.0


def _shaped(shape: str, start: Any, end: Any, steps: Any, rising: bool) -> Schedule:
    """From ``start`` to ``end`` over ``steps`` along ``shape``; a rising "1-sqrt" is
    ``1 - sqrt(1 - x)``, a falling one ``1 - sqrt(x)``."""
    if shape == "linear":
        return Linear(start, end, steps)
    if shape == "cosine":
        return Cosine(start, end, steps)
    if rising:
        return Polynomial(start, end, steps, power=0.5)
    return OneMinusSqrt(start, end, steps)


@with_form("wsd")
def wsd(
    peak: Any,
    warmup_steps: Any,
    stable_steps: Any,
    decay_steps: Any,
    *,
    start: Any = 0.0,
    end: Any = 0.0,
    warmup: str = "linear",
    decay: str = "linear",
) -> Schedule:
    """Warmup-stable-decay ("trapezoidal", Zhai et al. 2022; Hägele et al. 2024):
    ``start -> peak`` over ``warmup_steps``, ``peak`` for ``stable_steps``,
    ``peak -> end`` over ``decay_steps``, then ``end``.

    Shapes: ``"linear"``, ``"cosine"`` (half a cosine) or ``"1-sqrt"`` (the
    warmup ``1 - sqrt(1 - x)``, the decay ``1 - sqrt(x)``, for the fraction
    ``x`` of the phase done). The three phases are always there (a phase of
    length 0 is skipped when evaluated), so the form never depends on the
    lengths, which may be quantities (``lr.T``); the schedule ends with its
    decay, so ``wsd(...) >> wsd(...)`` runs one after the other (the value
    after the end is ``end``).

    Anchor: Hugging Face ``get_wsd_schedule`` (``start = end = min_lr_ratio *
    base_lr``; its ``num_cycles=0.5``).

    >>> wsd(1.0, 10, 80, 10)
    linear(0.0, 1.0, 10) >> constant(1.0, steps=80) >> linear(1.0, 0.0, 10)
    >>> wsd(1.0, 10, 80, 10).duration
    100
    """
    fn = "wsd"
    peak = check.number(fn, "peak", peak)
    w = check.nonnegative(fn, "warmup_steps", warmup_steps)
    s = check.nonnegative(fn, "stable_steps", stable_steps)
    d = check.nonnegative(fn, "decay_steps", decay_steps)
    start = check.number(fn, "start", start)
    end = check.number(fn, "end", end)
    shapes = ("linear", "cosine", "1-sqrt")
    warmup = check.choice(fn, "warmup", warmup, shapes)
    decay = check.choice(fn, "decay", decay, shapes)
    return chain(
        _shaped(warmup, start, peak, w, True), Constant(peak, steps=s), _shaped(decay, peak, end, d, False)
    )


# The language's spelling of the new nodes.
cosine_restarts = CosineRestarts
polynomial_restarts = PolynomialRestarts
tanh = Tanh
cyclic = Cyclic
inverse_sqrt = InverseSqrt
inverse_time = InverseTime
one_minus_sqrt = OneMinusSqrt
polynomial_cycle = PolynomialCycle
