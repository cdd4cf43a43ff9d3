"""Schedules built from schedules: sequencing, warmup, time changes, arithmetic."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from . import _checks as check
from ._node import ADD, ATOM, MUL, NEG, POW, SHIFT, STATIC, Schedule, check_schedule, ev, set_fields, text
from ._ops import is_plain
from .primitives import Constant

__all__ = [
    "Chain",
    "chain",
    "Warmup",
    "Shift",
    "PerEpoch",
    "Repeat",
    "Clip",
    "Minimum",
    "Maximum",
    "BinOp",
    "Neg",
    "operand",
]


def _add(a: Any, b: Any) -> Any:
    return a + b


def _max(a: Any, b: Any) -> Any:
    if is_plain(a) and is_plain(b):
        return max(a, b)
    import jax.numpy as jnp

    return jnp.maximum(a, b)


# ----------------------------------------------------------------------------
# Sequencing.


@dataclass(frozen=True, repr=False)
class Chain(Schedule):
    """One schedule after another: ``pieces[i](t - b[i-1])`` for ``b[i-1] <= t < b[i]``
    (``b[-1] = 0``).

    Without ``boundaries``, every piece but the last must have a finite
    ``duration`` and the boundaries are their running sums (derived at each
    evaluation, so a ``jax.tree.map`` over the numbers keeps them consistent).
    Each piece sees its own local time, starting at 0.

    Anchors: ``optax.join_schedules``, ``torch.optim.lr_scheduler.SequentialLR``
    of closed-form children (whose milestones are the boundaries).

    >>> (linear(0, 1.0, 10) >> constant(1.0))(15)
    1.0
    """

    pieces: tuple[Schedule, ...]
    boundaries: tuple[Any, ...] | None = None
    _text_name = "chain"

    def __post_init__(self) -> None:
        pieces = tuple(self.pieces)
        if not pieces:
            raise check.fail("chain", "pieces", [], "at least one schedule")
        for i, p in enumerate(pieces):
            check_schedule("chain", f"pieces[{i}]", p)
        boundaries = self.boundaries
        if boundaries is None:
            for i, p in enumerate(pieces[:-1]):
                if not p.finite:
                    raise check.fail(
                        "chain",
                        f"pieces[{i}]",
                        p,
                        "of finite duration when it is not the last piece"
                        " (or give boundaries=[...])",
                    )
        else:
            boundaries = check.sorted_times("chain", "boundaries", boundaries)
            if len(boundaries) != len(pieces) - 1:
                raise check.fail(
                    "chain",
                    "boundaries",
                    list(boundaries),
                    f"one shorter than the pieces ({len(pieces) - 1} boundaries for {len(pieces)} pieces)",
                )
        set_fields(self, pieces=pieces, boundaries=boundaries)

    @cached_property
    def bounds(self) -> tuple[Any, ...]:
        """Where each piece after the first begins."""
        if self.boundaries is not None:
            return self.boundaries
        out: list[Any] = []
        total: Any = 0
        for p in self.pieces[:-1]:
            total = _add(total, p.duration)
            out.append(total)
        return tuple(out)

    @property
    def duration(self) -> Any:
        last = self.pieces[-1]
        return _add(self.bounds[-1], last.duration) if self.bounds else last.duration

    @property
    def finite(self) -> bool:
        return self.pieces[-1].finite

    @property
    def _precedence(self) -> int:  # type: ignore[override]
        return SHIFT if self.boundaries is None and len(self.pieces) > 1 else super()._precedence

    def __repr__(self) -> str:
        if self.boundaries is None and len(self.pieces) > 1:
            return " >> ".join(text(p, SHIFT, right=True) for p in self.pieces)
        args = [text(p) for p in self.pieces]
        if self.boundaries is not None:
            args.append(f"boundaries={text(self.boundaries)}")
        return f"chain({', '.join(args)})"

    def _eval(self, t: Any, xp: Any) -> Any:
        pieces, bounds = self.pieces, self.bounds
        n = len(pieces)
        if n == 1:
            return pieces[0]._eval(t, xp)

        def branch(k: int, t: Any) -> Any:
            local = t if k == 0 else xp.sub(t, bounds[k - 1])
            if k < n - 1:  # clamp into the piece, so unselected lanes stay finite
                length = bounds[0] if k == 0 else xp.sub(bounds[k], bounds[k - 1])
                local = xp.clip(local, 0, length)
            else:
                local = xp.maximum(local, 0)
            return pieces[k]._eval(local, xp)

        return xp.switch(xp.searchsorted(bounds, t), n, branch, t)


def chain(*pieces: Schedule, boundaries: Iterable[Any] | None = None) -> Chain:
    """``pieces`` one after another (see :class:`Chain`); ``a >> b`` is ``chain(a, b)``.

    Without ``boundaries``, nested chains without boundaries are flattened:
    ``(a >> b) >> c == a >> (b >> c) == chain(a, b, c)``.
    """
    if boundaries is None:
        flat: list[Schedule] = []
        for p in pieces:
            if isinstance(p, Chain) and p.boundaries is None:
                flat.extend(p.pieces)
            else:
                flat.append(p)
        return Chain(tuple(flat))
    return Chain(tuple(pieces), tuple(boundaries) if not isinstance(boundaries, tuple) else boundaries)


@dataclass(frozen=True, repr=False, init=False)
class Warmup(Schedule):
    """A linear warmup from ``start`` to ``schedule(0)`` over ``steps``, then
    ``schedule(t - steps)`` (``shift=False``: then ``schedule(t)``, as timm's
    ``warmup_prefix=False``).

    Anchors: ``optax.warmup_cosine_decay_schedule`` (with a cosine), timm's
    ``warmup_t`` / ``warmup_lr_init``, Hugging Face's ``get_*_with_warmup``.

    >>> warmup(constant(1.0), 10)(5)
    0.5
    """

    schedule: Schedule
    steps: Any
    start: Any = 0.0
    shifted: bool = field(default=True, metadata=STATIC)  # the ``shift`` argument
    _text_name = "warmup"
    _renamed: ClassVar[dict[str, str]] = {"shifted": "shift"}  # ``s.shift(n)`` is a method

    def __init__(self, schedule: Schedule, steps: Any, start: Any = 0.0, shift: bool = True) -> None:
        set_fields(self, schedule=schedule, steps=steps, start=start, shifted=shift)
        self.__post_init__()

    def __post_init__(self) -> None:
        set_fields(
            self,
            schedule=check_schedule("warmup", "schedule", self.schedule),
            steps=check.positive("warmup", "steps", self.steps),
            start=check.nonnegative("warmup", "start", self.start),
            shifted=check.flag("warmup", "shift", self.shifted),
        )

    @property
    def duration(self) -> Any:
        d = self.schedule.duration
        return _add(self.steps, d) if self.shifted else _max(self.steps, d)

    @property
    def finite(self) -> bool:
        return self.schedule.finite

    def _eval(self, t: Any, xp: Any) -> Any:
        s, steps = self.schedule, self.steps

        def branch(k: int, t: Any) -> Any:
            if k == 0:
                u = xp.minimum(t, steps)
                peak = s._eval(xp.zero(t), xp)
                return self.start * xp.div(xp.sub(steps, u), steps) + peak * xp.div(u, steps)
            return s._eval(xp.maximum(xp.sub(t, steps), 0), xp) if self.shifted else s._eval(t, xp)

        return xp.switch(xp.searchsorted((steps,), t), 2, branch, t)


# ----------------------------------------------------------------------------
# Changes of time. These print as methods: ``s.shift(100)``.


class _Method(Schedule):
    """A node printed as a method call on its first field, ``schedule``."""

    __slots__ = ()
    schedule: Schedule

    def __repr__(self) -> str:
        args = ", ".join(self._text_args()[1:])
        return f"{text(self.schedule, ATOM)}.{self._text_name}({args})"

    @property
    def finite(self) -> bool:
        return self.schedule.finite


@dataclass(frozen=True, repr=False)
class Shift(_Method):
    """``schedule(max(t - n, 0))``: the schedule starts ``n`` steps later."""

    schedule: Schedule
    n: Any
    _text_name = "shift"

    def __post_init__(self) -> None:
        set_fields(
            self,
            schedule=check_schedule("shift", "schedule", self.schedule),
            n=check.nonnegative("shift", "n", self.n),
        )

    @property
    def duration(self) -> Any:
        return _add(self.n, self.schedule.duration)

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.schedule._eval(xp.maximum(xp.sub(t, self.n), 0), xp)


@dataclass(frozen=True, repr=False)
class PerEpoch(_Method):
    """``schedule(floor(t / steps_per_epoch))`` (``staircase=False``:
    ``schedule(t / steps_per_epoch)``): an epoch-based schedule stepped per batch."""

    schedule: Schedule
    steps_per_epoch: Any
    staircase: bool = field(default=True, metadata=STATIC)
    _text_name = "per_epoch"

    def __post_init__(self) -> None:
        set_fields(
            self,
            schedule=check_schedule("per_epoch", "schedule", self.schedule),
            steps_per_epoch=check.positive("per_epoch", "steps_per_epoch", self.steps_per_epoch),
            staircase=check.flag("per_epoch", "staircase", self.staircase),
        )

    @property
    def duration(self) -> Any:
        return self.schedule.duration * self.steps_per_epoch

    def _eval(self, t: Any, xp: Any) -> Any:
        n = self.steps_per_epoch
        # time_div: t / n as a time (exact on JAX: t // n + (t mod n) / n)
        return self.schedule._eval(xp.floordiv(t, n) if self.staircase else xp.time_div(t, n), xp)


@dataclass(frozen=True, repr=False)
class Repeat(_Method):
    """``schedule(t mod period)``: the first ``period`` steps, over and over."""

    schedule: Schedule
    period: Any
    _text_name = "repeat"

    def __post_init__(self) -> None:
        set_fields(
            self,
            schedule=check_schedule("repeat", "schedule", self.schedule),
            period=check.positive("repeat", "period", self.period),
        )

    @property
    def finite(self) -> bool:
        return False

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.schedule._eval(xp.mod(t, self.period), xp)


@dataclass(frozen=True, repr=False)
class Clip(_Method):
    """``min(max(schedule(t), lo), hi)``; a bound of ``None`` is no bound."""

    schedule: Schedule
    lo: Any = None
    hi: Any = None
    _text_name = "clip"

    def __post_init__(self) -> None:
        lo = None if self.lo is None else check.number("clip", "lo", self.lo)
        hi = None if self.hi is None else check.number("clip", "hi", self.hi)
        if lo is not None and hi is not None and is_plain(lo) and is_plain(hi) and lo > hi:
            raise check.fail("clip", "lo", lo, f"<= hi ({hi!r})")
        set_fields(self, schedule=check_schedule("clip", "schedule", self.schedule), lo=lo, hi=hi)

    @property
    def duration(self) -> Any:
        return self.schedule.duration

    def _text_args(self) -> list[str]:
        args = ["", *([] if self.lo is None else [text(self.lo)])]
        if self.hi is not None:
            args.append(text(self.hi) if self.lo is not None else f"hi={text(self.hi)}")
        return args

    def _eval(self, t: Any, xp: Any) -> Any:
        v = self.schedule._eval(t, xp)
        if self.lo is not None:
            v = xp.maximum(v, self.lo)
        if self.hi is not None:
            v = xp.minimum(v, self.hi)
        return v


# ----------------------------------------------------------------------------
# Pointwise arithmetic.


def operand(fn: str, x: Any) -> Any:
    """A schedule, or a number (``TypeError`` otherwise)."""
    return x if isinstance(x, Schedule) else check.number(fn, "operand", x)


def _pointwise_duration(*operands: Any) -> tuple[bool, Any]:
    """Finite when every operand that varies (a schedule other than a constant) is
    finite; the duration is then the longest of theirs."""
    varying = [o for o in operands if isinstance(o, Schedule) and not isinstance(o, Constant)]
    if not varying or not all(o.finite for o in varying):
        return False, math.inf
    d = varying[0].duration
    for o in varying[1:]:
        d = _max(d, o.duration)
    return True, d


class _Pointwise(Schedule):
    __slots__ = ()

    @property
    def finite(self) -> bool:
        return _pointwise_duration(*self.children())[0]

    @property
    def duration(self) -> Any:
        return _pointwise_duration(*self.children())[1]


@dataclass(frozen=True, repr=False)
class Minimum(_Pointwise):
    """``min(a(t), b(t))``; either side may be a number."""

    a: Any
    b: Any
    _text_name = "minimum"

    def __post_init__(self) -> None:
        set_fields(self, a=operand("minimum", self.a), b=operand("minimum", self.b))

    def _eval(self, t: Any, xp: Any) -> Any:
        return xp.minimum(ev(self.a, t, xp), ev(self.b, t, xp))


@dataclass(frozen=True, repr=False)
class Maximum(_Pointwise):
    """``max(a(t), b(t))``; either side may be a number."""

    a: Any
    b: Any
    _text_name = "maximum"

    def __post_init__(self) -> None:
        set_fields(self, a=operand("maximum", self.a), b=operand("maximum", self.b))

    def _eval(self, t: Any, xp: Any) -> Any:
        return xp.maximum(ev(self.a, t, xp), ev(self.b, t, xp))


_PRECEDENCE = {"+": ADD, "-": ADD, "*": MUL, "/": MUL, "**": POW}


@dataclass(frozen=True, repr=False)
class BinOp(_Pointwise):
    """``a(t) op b(t)`` for ``op`` in ``+ - * / **``; either side may be a number.

    Division by a literal zero (``0`` or ``constant(0)``) is an error.
    """

    operator: str = field(metadata=STATIC)
    a: Any
    b: Any
    _text_name = "binop"

    def __post_init__(self) -> None:
        op = check.choice("arithmetic", "operator", self.operator, tuple(_PRECEDENCE))
        a, b = operand(op, self.a), operand(op, self.b)
        if op == "/" and ((is_plain(b) and b == 0) or (isinstance(b, Constant) and b.value == 0)):
            raise check.fail("/", "divisor", b, "non-zero")
        set_fields(self, operator=op, a=a, b=b)

    @property
    def _precedence(self) -> int:  # type: ignore[override]
        return _PRECEDENCE[self.operator]

    def __repr__(self) -> str:
        p = _PRECEDENCE[self.operator]
        if self.operator == "**":  # right-associative; its right operand may be unary
            return f"{text(self.a, p, right=True)} ** {text(self.b, NEG)}"
        return f"{text(self.a, p)} {self.operator} {text(self.b, p, right=True)}"

    def _eval(self, t: Any, xp: Any) -> Any:
        a, b, op = ev(self.a, t, xp), ev(self.b, t, xp), self.operator
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return xp.div(a, b)
        return xp.pow(a, b)


@dataclass(frozen=True, repr=False)
class Neg(_Pointwise):
    """``-a(t)``."""

    a: Schedule
    _precedence = NEG
    _text_name = "neg"

    def __post_init__(self) -> None:
        set_fields(self, a=check_schedule("-", "operand", self.a))

    def __repr__(self) -> str:
        return f"-{text(self.a, NEG)}"

    def _eval(self, t: Any, xp: Any) -> Any:
        return -self.a._eval(t, xp)
