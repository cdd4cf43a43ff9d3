"""Schedules built from schedules: sequencing, warmup, time changes, arithmetic.

Every node here has children; each checks, when it is built, that the expression
stays within :data:`~lrdsl._node.MAX_DEPTH` levels and
:data:`~lrdsl._node.MAX_NODES` nodes. Sums, products and ``>>`` runs are flat
(one node, one level, however many operands), and growing one by one more
operand (``s = s + x``, ``s = s >> p`` in a loop) checks only the new operand,
so a loop of ``n`` steps does ``O(n)`` Python work.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import KW_ONLY, field
from functools import cached_property
from typing import Any, ClassVar

from . import _checks as check
from . import quantity
from ._node import (
    ADD,
    ATOM,
    MUL,
    NEG,
    POW,
    SHIFT,
    STATIC,
    Schedule,
    check_nesting,
    check_schedule,
    ev,
    record_nesting,
    set_fields,
    text,
    with_form,
)
from ._node import node_dataclass as dataclass
from ._ops import is_plain
from .primitives import Constant
from .quantity import is_quantity

__all__ = [
    "Chain",
    "chain",
    "then",
    "ChainRun",
    "Warmup",
    "Shift",
    "AnnealAt",
    "Rescale",
    "PerEpoch",
    "Repeat",
    "Clip",
    "Minimum",
    "Maximum",
    "Sum",
    "Product",
    "BinOp",
    "Neg",
    "arithmetic",
    "operand",
]


def _add(a: Any, b: Any) -> Any:
    """``a + b`` for durations: ``math.inf`` if either is (a quantity plus ``inf`` is
    no quantity)."""
    if (is_plain(a) and a == math.inf) or (is_plain(b) and b == math.inf):
        return math.inf
    return a + b


def _max(a: Any, b: Any) -> Any:
    """``max(a, b)`` for durations: Python's for numbers and quantities (so a bound
    duration is the duration of the bound schedule, type included), JAX's for arrays."""
    if (is_plain(a) or is_quantity(a)) and (is_plain(b) or is_quantity(b)):
        if (is_plain(a) and a == math.inf) or (is_plain(b) and b == math.inf):
            return math.inf
        return quantity.max(a, b)
    import jax.numpy as jnp

    return jnp.maximum(a, b)


# ----------------------------------------------------------------------------
# Sequencing.


@dataclass(frozen=True, repr=False, eq=False)
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
    _: KW_ONLY
    boundaries: tuple[Any, ...] | None = None
    _text_name = "chain"

    def __post_init__(self) -> None:
        pieces = self.pieces
        if isinstance(pieces, (str, bytes)) or not isinstance(pieces, Iterable):
            raise TypeError(f"chain: pieces must be a list of schedules, got {type(pieces).__name__} {pieces!r}")
        pieces = tuple(pieces)
        if not pieces:
            raise check.fail("chain", "pieces", [], "at least one schedule")
        for i, p in enumerate(pieces):
            check_schedule("chain", f"pieces[{i}]", p)
        boundaries = self.boundaries
        if boundaries is None:
            for i, p in enumerate(pieces[:-1]):
                if not p.finite:
                    raise _not_finite(i, p)
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
        check_nesting(self, "chain")

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

    @cached_property
    def duration(self) -> Any:
        last = self.pieces[-1]
        if not last.finite:
            return math.inf
        if self.boundaries is None and not self._plain:
            # d0 + d1 + ... + dn, left to right: the running sums the bounds are (so the
            # duration of the bound chain is this bound, exactly), without building them.
            total = self.pieces[0].duration
            for p in self.pieces[1:]:
                total = total + p.duration
            return total
        return _add(self.bounds[-1], last.duration) if self.bounds else last.duration

    @property
    def finite(self) -> bool:
        return self.pieces[-1].finite

    @property
    def _precedence(self) -> int:  # type: ignore[override]
        return SHIFT if self.boundaries is None and len(self.pieces) > 1 else super()._precedence

    def _render(self) -> str:
        if self.boundaries is None and len(self.pieces) > 1:
            return " >> ".join([text(p, SHIFT, right=True) for p in self.pieces])
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


def _not_finite(i: int, p: Schedule) -> Exception:
    from .errors import ScheduleError

    text = repr(p)
    shown = text if len(text) <= 80 else text[:77] + "..."
    return ScheduleError(
        f"chain: pieces[{i}] ({shown}) never ends, so the piece after it would never start; give it a length"
        " (constant(v, steps=n), or a piece with steps such as linear, cosine or wsd)"
        " or give the chain boundaries=[...]"
    )


@with_form("chain")
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
    return Chain(tuple(pieces), boundaries=tuple(boundaries) if not isinstance(boundaries, tuple) else boundaries)


def then(a: Schedule, b: Schedule) -> Chain:
    """``a >> b``: ``chain(a, b)``, checking only what is new when either side is
    already a chain (so a run of ``n`` pieces built with ``>>`` is ``O(n)`` checks)."""
    head = a.pieces if isinstance(a, Chain) and a.boundaries is None else None
    tail = b.pieces if isinstance(b, Chain) and b.boundaries is None else None
    if head is None and tail is None:
        return chain(a, b)
    left = head if head is not None else (a,)
    if not left[-1].finite:
        raise _not_finite(len(left) - 1, left[-1])
    right = tail if tail is not None else (b,)
    depth_a = a._depth if head is not None else a._depth + 1
    depth_b = b._depth if tail is not None else b._depth + 1
    nodes = 1 + (a._nodes - 1 if head is not None else a._nodes) + (b._nodes - 1 if tail is not None else b._nodes)
    out: Chain = object.__new__(Chain)
    set_fields(out, pieces=left + right, boundaries=None)
    record_nesting(out, "chain", max(depth_a, depth_b), nodes)
    return out


class ChainRun:
    """A chain without boundaries built one piece at a time, as ``a >> b >> c ...``
    reads: each piece is checked once as it comes and kept in a list, and
    :meth:`done` makes the :class:`Chain` once, so that a run of ``n`` pieces takes
    ``O(n)`` time (``>>`` itself copies the pieces so far at each step). Errors are
    those of ``>>``."""

    __slots__ = ("depth", "nodes", "pieces")

    def __init__(self, first: Schedule) -> None:
        self.pieces: list[Schedule] = []
        self.depth = 1  # of the chain, so far
        self.nodes = 1
        self.add(first)

    def add(self, piece: Schedule) -> None:
        """One more piece (or the pieces of a chain without boundaries)."""
        check_schedule("chain", f"pieces[{len(self.pieces)}]", piece)
        if self.pieces and not self.pieces[-1].finite:
            raise _not_finite(len(self.pieces) - 1, self.pieces[-1])
        if isinstance(piece, Chain) and piece.boundaries is None:
            self.pieces.extend(piece.pieces)
            depth, nodes = piece._depth, self.nodes + piece._nodes - 1
        else:
            self.pieces.append(piece)
            depth, nodes = piece._depth + 1, self.nodes + piece._nodes
        probe = object.__new__(Chain)
        record_nesting(probe, "chain", max(self.depth, depth), nodes)  # refused here, at this piece
        self.depth, self.nodes = max(self.depth, depth), nodes

    def done(self) -> Schedule:
        """The chain (the piece itself, for a run of one)."""
        if len(self.pieces) == 1:
            return self.pieces[0]
        out: Chain = object.__new__(Chain)
        set_fields(out, pieces=tuple(self.pieces), boundaries=None)
        record_nesting(out, "chain", self.depth, self.nodes)
        return out


@dataclass(frozen=True, repr=False, init=False, eq=False)
class Warmup(Schedule):
    """A linear warmup from ``start`` to ``schedule(0)`` over ``steps``, then
    ``schedule(t - steps)`` (``shift=False``: then ``schedule(t)``, as timm's
    ``warmup_prefix=False``).

    The ramp is ``start + (schedule(0) - start) * t / steps`` for ``t < steps``;
    with ``inclusive=True`` the current step counts, ``(t + 1) / steps``, so the
    ramp reaches ``schedule(0)`` on its last step, ``steps - 1`` (nanoGPT's
    ``learning_rate * (it + 1) / warmup_iters``, llm.c, torchtitan). ``steps``
    may be 0: no warmup, the values of ``schedule``.

    Anchors: ``optax.warmup_cosine_decay_schedule`` (with a cosine), timm's
    ``warmup_t`` / ``warmup_lr_init``, Hugging Face's ``get_*_with_warmup``.

    >>> warmup(constant(1.0), 10)(5)
    0.5
    """

    schedule: Schedule
    steps: Any
    _: KW_ONLY
    start: Any = 0.0
    shifted: bool = field(default=True, metadata=STATIC)  # the ``shift`` argument
    inclusive: bool = field(default=False, metadata=STATIC)
    _text_name = "warmup"
    _renamed: ClassVar[dict[str, str]] = {"shifted": "shift"}  # ``s.shift(n)`` is a method

    def __init__(
        self, schedule: Schedule, steps: Any, *, start: Any = 0.0, shift: bool = True, inclusive: bool = False
    ) -> None:
        set_fields(self, schedule=schedule, steps=steps, start=start, shifted=shift, inclusive=inclusive)
        self.__post_init__()

    def __post_init__(self) -> None:
        set_fields(
            self,
            schedule=check_schedule("warmup", "schedule", self.schedule),
            steps=check.nonnegative("warmup", "steps", self.steps),
            start=check.nonnegative("warmup", "start", self.start),
            shifted=check.flag("warmup", "shift", self.shifted),
            inclusive=check.flag("warmup", "inclusive", self.inclusive),
        )
        check_nesting(self, "warmup")

    @cached_property
    def duration(self) -> Any:
        d = self.schedule.duration
        return _add(self.steps, d) if self.shifted else _max(self.steps, d)

    @cached_property
    def finite(self) -> bool:
        return self.schedule.finite

    def _eval(self, t: Any, xp: Any) -> Any:
        # The schedule is evaluated once, at 0 while warming up (its peak) and at
        # t - steps (or t) after: evaluating it twice would make a warmup of a
        # warmup of ... cost 2**depth on the backends that compute every branch.
        steps = self.steps
        if is_plain(steps) and steps == 0:  # no warmup: the schedule itself
            return self.schedule._eval(t, xp)
        warm = t < steps
        after = xp.maximum(xp.sub(t, steps), 0) if self.shifted else t
        v = self.schedule._eval(xp.where(warm, xp.zero(t), after), xp)
        if not is_plain(steps):  # an array or traced length may be 0: no 0 / 0
            steps = xp.where(xp.gt(steps, 0), steps, 1)
        # the part of the ramp done: t steps, or t + 1 when the current step counts
        u = xp.minimum(xp.add(t, 1) if self.inclusive else t, steps)
        ramp = self.start * xp.div(xp.sub(steps, u), steps) + v * xp.div(u, steps)
        return xp.where(warm, ramp, v)


# ----------------------------------------------------------------------------
# Changes of time. These print as methods: ``s.shift(100)``.


class _Method(Schedule):
    """A node printed as a method call on its first field, ``schedule``."""

    __slots__ = ()
    schedule: Schedule

    def _text_args(self) -> list[str]:
        """The method's arguments (the fields after ``schedule``)."""
        return super()._text_args()[1:]

    def _render(self) -> str:
        return f"{text(self.schedule, ATOM)}.{self._text_name}({', '.join(self._text_args())})"

    @cached_property
    def finite(self) -> bool:
        return self.schedule.finite


@dataclass(frozen=True, repr=False, eq=False)
class Shift(_Method):
    """``schedule(max(t - n, 0))``: the schedule starts ``n`` steps later; a negative
    ``n = -k`` is ``schedule(t + k)``: it starts ``k`` steps in (a trainer whose
    counter starts at 1 is ``s.shift(-1)``)."""

    schedule: Schedule
    n: Any
    _text_name = "shift"

    def __post_init__(self) -> None:
        set_fields(
            self,
            schedule=check_schedule("shift", "schedule", self.schedule),
            n=check.number("shift", "n", self.n),
        )
        check_nesting(self, "shift")

    @cached_property
    def duration(self) -> Any:
        """``n + duration`` (never below 0: ``shift(-k)`` drops the first ``k`` steps)."""
        d = self.schedule.duration
        if not self.schedule.finite:
            return math.inf
        if is_plain(self.n) and self.n >= 0:
            return self.n + d
        return _max(self.n + d, 0)

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.schedule._eval(xp.maximum(xp.sub(t, self.n), 0), xp)


@dataclass(frozen=True, repr=False, eq=False)
class AnnealAt(_Method):
    """A cooldown branched from step ``k``: ``schedule(t)`` for ``t < k``, then from
    exactly ``schedule(k)`` to ``to`` over ``steps`` along ``shape``, then ``to``.

    With ``x = min(t - k, steps) / steps`` the fraction of the cooldown done
    and ``v = schedule(k)``: ``"linear"`` is ``v + (to - v) * x``, ``"cosine"``
    ``to + (v - to) * (1 + cos(pi x)) / 2``, ``"1-sqrt"`` ``to + (v - to) * (1 -
    sqrt(x))`` (Hägele et al. 2024). ``k`` is a leaf of the pytree (a
    ``jax.vmap`` over ``k`` sweeps branch points in one compile) and may be a
    quantity.

    Anchors: OLMo-core ``OverrideDecay`` / a WSD run's cooldowns branched at
    checkpoints (Hägele et al. 2024), Levanter and MaxText cooldowns.

    >>> s = constant(1.0).anneal_at(100, 10)
    >>> s(99), s(105), s(200)
    (1.0, 0.5, 0.0)
    """

    schedule: Schedule
    k: Any
    steps: Any
    _: KW_ONLY
    to: Any = 0.0
    shape: str = field(default="linear", metadata=STATIC)
    _text_name = "anneal_at"

    def __post_init__(self) -> None:
        fn = "anneal_at"
        set_fields(
            self,
            schedule=check_schedule(fn, "schedule", self.schedule),
            k=check.nonnegative(fn, "k", self.k),
            steps=check.nonnegative(fn, "steps", self.steps),
            to=check.number(fn, "to", self.to),
            shape=check.choice(fn, "shape", self.shape, ("linear", "cosine", "1-sqrt")),
        )
        check_nesting(self, fn)

    @cached_property
    def duration(self) -> Any:
        return _add(self.k, self.steps)

    @property
    def finite(self) -> bool:
        return True

    def _eval(self, t: Any, xp: Any) -> Any:
        from .primitives import _blend, _cosine_weights, _done_and_left

        k = self.k
        # The schedule once: at t before the branch, at k from it on.
        v = self.schedule._eval(xp.minimum(t, k), xp)
        x, y = _done_and_left(xp, xp.maximum(xp.sub(t, k), 0), self.steps)
        to = self.to
        if self.shape == "linear":
            cooled = v * y + to * x
        elif self.shape == "cosine":
            w, c = _cosine_weights(xp, x, y)
            cooled = _blend(xp, v, to, w, c)
        else:  # 1 - sqrt(x) = (1 - x) / (1 + sqrt(x)): no cancellation near x = 1
            r = xp.sqrt(x)
            cooled = v * xp.div(y, 1 + r) + to * r
        return xp.where(t < k, v, cooled)


@dataclass(frozen=True, repr=False, eq=False)
class Rescale(_Method):
    """``schedule(max(scale * t + offset, 0))``: an exact affine change of time, for a
    schedule written in other units than optimizer steps (tokens, samples, epochs)
    and driven per step. OLMo's ``schedule_in_tokens((t + 1) * tokens_per_step)``
    is ``s.rescale(tokens_per_step, offset=tokens_per_step)``.

    Integer counts with an integer ``scale`` and ``offset`` stay integers on Python
    and NumPy (int64), so token counts are exact; on JAX the count stays exact too
    (int32 counts included, whatever the product): the time is kept in steps, and
    every number the schedule compares it with or subtracts from it is converted to
    steps exactly (``c / scale``: an integer and a correctly rounded rest), so
    boundaries fall on the same steps as on NumPy and ``steps - t`` near the end of
    a decay keeps float32's relative precision; a floor-based node inside (``step``,
    ``repeat``) floors exactly too, its period in steps being a fraction (rare limits,
    beyond which it floors in floats: a period below one step, or a scale of ``2**26``
    or more with an offset that is not a multiple of it). A float ``scale`` or
    ``offset`` is computed in floats. ``scale > 0``;
    the ``duration`` is ``max((duration - offset) / scale, 0)``.

    >>> linear(0.0, 1.0, 1000).rescale(100, offset=100)(4)
    0.5
    """

    schedule: Schedule
    scale: Any
    _: KW_ONLY
    offset: Any = 0
    _text_name = "rescale"

    def __post_init__(self) -> None:
        fn = "rescale"
        set_fields(
            self,
            schedule=check_schedule(fn, "schedule", self.schedule),
            scale=check.positive(fn, "scale", self.scale),
            offset=check.number(fn, "offset", self.offset),
        )
        check_nesting(self, fn)

    @cached_property
    def duration(self) -> Any:
        if not self.schedule.finite:
            return math.inf
        return _max((self.schedule.duration - self.offset) / self.scale, 0)

    def _eval(self, t: Any, xp: Any) -> Any:
        a, b = self.scale, self.offset
        # ints stay ints (exact token counts); on JAX a time of scale 1 / a (exact)
        u = xp.rescale(t, a, b) if xp.name == "jax" else t * a + b
        return self.schedule._eval(xp.maximum(u, 0), xp)


@dataclass(frozen=True, repr=False, eq=False)
class PerEpoch(_Method):
    """``schedule(floor(t / steps_per_epoch))`` (``staircase=False``:
    ``schedule(t / steps_per_epoch)``): an epoch-based schedule stepped per batch."""

    schedule: Schedule
    steps_per_epoch: Any
    _: KW_ONLY
    staircase: bool = field(default=True, metadata=STATIC)
    _text_name = "per_epoch"

    def __post_init__(self) -> None:
        set_fields(
            self,
            schedule=check_schedule("per_epoch", "schedule", self.schedule),
            steps_per_epoch=check.positive("per_epoch", "steps_per_epoch", self.steps_per_epoch),
            staircase=check.flag("per_epoch", "staircase", self.staircase),
        )
        check_nesting(self, "per_epoch")

    @cached_property
    def duration(self) -> Any:
        if not self.schedule.finite:
            return math.inf
        return self.schedule.duration * self.steps_per_epoch

    def _eval(self, t: Any, xp: Any) -> Any:
        n = self.steps_per_epoch
        # time_div: t / n as a time (exact on JAX: t // n + (t mod n) / n)
        return self.schedule._eval(xp.floordiv(t, n) if self.staircase else xp.time_div(t, n), xp)


@dataclass(frozen=True, repr=False, eq=False)
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
        check_nesting(self, "repeat")

    @property
    def finite(self) -> bool:
        return False

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.schedule._eval(xp.mod(t, self.period), xp)


@dataclass(frozen=True, repr=False, eq=False)
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
        check_nesting(self, "clip")

    @cached_property
    def duration(self) -> Any:
        return self.schedule.duration

    def _text_args(self) -> list[str]:
        args = [] if self.lo is None else [text(self.lo)]
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


def _pointwise_duration(operands: Iterable[Any]) -> tuple[bool, Any]:
    """Finite when every operand that varies (a schedule other than a constant without
    ``steps``) is finite; the duration is then the longest of theirs."""
    varying = [o for o in operands if isinstance(o, Schedule) and not (isinstance(o, Constant) and o.steps is None)]
    if not varying or not all(o.finite for o in varying):
        return False, math.inf
    d = varying[0].duration
    for o in varying[1:]:
        d = _max(d, o.duration)
    return True, d


class _Pointwise(Schedule):
    __slots__ = ()

    @cached_property
    def _span(self) -> tuple[bool, Any]:
        return _pointwise_duration(self.children())

    @property
    def finite(self) -> bool:
        return self._span[0]

    @property
    def duration(self) -> Any:
        return self._span[1]


@dataclass(frozen=True, repr=False, eq=False)
class Minimum(_Pointwise):
    """``min(a(t), b(t))``; either side may be a number."""

    a: Any
    b: Any
    _text_name = "minimum"

    def __post_init__(self) -> None:
        set_fields(self, a=operand("minimum", self.a), b=operand("minimum", self.b))
        check_nesting(self, "minimum")

    def _eval(self, t: Any, xp: Any) -> Any:
        return xp.minimum(ev(self.a, t, xp), ev(self.b, t, xp))


@dataclass(frozen=True, repr=False, eq=False)
class Maximum(_Pointwise):
    """``max(a(t), b(t))``; either side may be a number."""

    a: Any
    b: Any
    _text_name = "maximum"

    def __post_init__(self) -> None:
        set_fields(self, a=operand("maximum", self.a), b=operand("maximum", self.b))
        check_nesting(self, "maximum")

    def _eval(self, t: Any, xp: Any) -> Any:
        return xp.maximum(ev(self.a, t, xp), ev(self.b, t, xp))


_PRECEDENCE = {"+": ADD, "-": ADD, "*": MUL, "/": MUL, "**": POW}


def arithmetic(op: str, a: Any, b: Any) -> Schedule:
    """``a op b`` for checked operands (a schedule on at least one side): a
    :class:`Sum` for ``+ -``, a :class:`Product` for ``* /``, a :class:`BinOp` for ``**``."""
    if op == "+" or op == "-":
        return Sum.join(op, a, b)
    if op == "*" or op == "/":
        return Product.join(op, a, b)
    return BinOp(op, a, b)


def _is_zero(x: Any) -> bool:
    """A literal zero divisor: ``0`` or ``constant(0)``."""
    return (is_plain(x) and x == 0) or (isinstance(x, Constant) and is_plain(x.value) and x.value == 0)


class _Fold(_Pointwise):
    """``x[0] op[0] x[1] op[1] x[2] ...``, evaluated left to right, as Python
    evaluates ``x0 + x1 - x2`` or ``x0 * x1 / x2``: the base of :class:`Sum` and
    :class:`Product`. ``ops`` has one operator per operand after the first.

    Built by the operators: ``(x0 + x1) + x2`` extends the left sum by one
    operand (the same operations in the same order, so the same values);
    ``x + (x0 + x1)`` is ``(x0 + x1) + x``, exactly (addition and multiplication
    commute exactly in IEEE arithmetic), so ``sum()`` of a list, ``s = s * 0.99``
    and ``s = 0.99 * s`` in a loop all stay one flat node. A sum on the right of
    ``-`` (or a product on the right of ``/``) stays a nested operand:
    ``a - (b + c)``.
    """

    __slots__ = ()
    #: The operators, the first one commutative (``+ -`` or ``* /``).
    OPERATORS: ClassVar[tuple[str, str]]
    #: The field holding the operands.
    _items: ClassVar[str]
    ops: tuple[str, ...]

    @property
    def operands(self) -> tuple[Any, ...]:
        return getattr(self, self._items)

    def __post_init__(self) -> None:
        name, field_name = self._text_name, self._items
        items, ops = self.operands, self.ops
        for what, value in ((field_name, items), ("ops", ops)):
            if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
                raise TypeError(f"{name}: {what} must be a list, got {type(value).__name__} {value!r}")
        items, ops = tuple(items), tuple(ops)
        if len(items) < 2:
            raise check.fail(name, field_name, list(items), "a list of at least two operands")
        if len(ops) != len(items) - 1:
            raise check.fail(
                name, "ops", list(ops), f"one shorter than {field_name} ({len(items) - 1} for {len(items)})"
            )
        ops = tuple(check.choice(name, f"ops[{i}]", op, self.OPERATORS) for i, op in enumerate(ops))
        items = (operand(self.OPERATORS[0], items[0]), *tuple(operand(op, x) for op, x in zip(ops, items[1:])))
        if not any(isinstance(x, Schedule) for x in items):
            raise check.fail(name, field_name, list(items), "operands of which at least one is a schedule")
        for op, x in zip(ops, items[1:]):
            if op == "/" and _is_zero(x):
                raise check.fail("/", "divisor", x, "non-zero")
        set_fields(self, **{field_name: items, "ops": ops})
        check_nesting(self, ops[-1])

    @classmethod
    def join(cls, op: str, a: Any, b: Any) -> Schedule:
        """``a op b`` (checked operands), flat where it can be (see the class docstring)."""
        if isinstance(a, cls):
            return cls._grow(a, op, b)
        if isinstance(b, cls) and op == cls.OPERATORS[0]:
            return cls._grow(b, op, a)
        return cls(**{cls._items: (a, b), "ops": (op,)})

    @classmethod
    def _grow(cls, base: _Fold, op: str, x: Any) -> Schedule:
        """``base op x``: one more operand, checking only ``x``."""
        if op == "/" and _is_zero(x):
            raise check.fail("/", "divisor", x, "non-zero")
        out: _Fold = object.__new__(cls)
        set_fields(out, **{cls._items: (*base.operands, x), "ops": (*base.ops, op)})
        if isinstance(x, Schedule):
            record_nesting(out, op, max(base._depth, x._depth + 1), base._nodes + x._nodes)
        else:
            record_nesting(out, op, base._depth, base._nodes)
        return out

    @property
    def _precedence(self) -> int:  # type: ignore[override]
        return _PRECEDENCE[self.OPERATORS[0]]

    def _render(self) -> str:
        p = self._precedence
        items = self.operands
        parts = [text(items[0], p)]
        for op, x in zip(self.ops, items[1:]):
            parts.append(f" {op} {text(x, p, right=True)}")
        return "".join(parts)


@dataclass(frozen=True, repr=False, eq=False)
class Sum(_Fold):
    """``terms[0] ops[0] terms[1] ops[1] ...`` with ``ops`` of ``+`` and ``-``, left to
    right: ``a + b - c`` is ``Sum((a, b, c), ("+", "-"))``. Any term may be a number.

    >>> (linear(0, 1, 10) + 1 - constant(0.5))(5)
    1.0
    """

    terms: tuple[Any, ...]
    ops: tuple[str, ...] = field(metadata=STATIC)
    OPERATORS = ("+", "-")
    _items = "terms"
    _text_name = "sum"

    def _eval(self, t: Any, xp: Any) -> Any:
        terms = self.terms
        x = terms[0]
        acc = x._eval(t, xp) if isinstance(x, Schedule) else x
        for op, x in zip(self.ops, terms[1:]):
            v = x._eval(t, xp) if isinstance(x, Schedule) else x
            acc = acc + v if op == "+" else acc - v
        return acc


@dataclass(frozen=True, repr=False, eq=False)
class Product(_Fold):
    """``factors[0] ops[0] factors[1] ops[1] ...`` with ``ops`` of ``*`` and ``/``, left to
    right: ``a * b / c`` is ``Product((a, b, c), ("*", "/"))``. Any factor may be a
    number; dividing by a literal zero (``0`` or ``constant(0)``) is an error.

    >>> (2 * linear(0, 1, 10) / 4)(5)
    0.25
    """

    factors: tuple[Any, ...]
    ops: tuple[str, ...] = field(metadata=STATIC)
    OPERATORS = ("*", "/")
    _items = "factors"
    _text_name = "product"

    def _eval(self, t: Any, xp: Any) -> Any:
        factors = self.factors
        x = factors[0]
        acc = x._eval(t, xp) if isinstance(x, Schedule) else x
        for op, x in zip(self.ops, factors[1:]):
            v = x._eval(t, xp) if isinstance(x, Schedule) else x
            acc = acc * v if op == "*" else xp.div(acc, v)
        return acc


@dataclass(frozen=True, repr=False, eq=False)
class BinOp(_Pointwise):
    """``a ** b``; either side may be a number.

    ``BinOp(op, a, b)`` for ``op`` in ``+ - * /`` is ``a op b``: a :class:`Sum` or a
    :class:`Product` (what the operators build), so that long sums and products
    stay flat; a node of this class with such an operator (from an older pickle)
    still evaluates as ``a op b``.
    """

    operator: str = field(metadata=STATIC)
    a: Any
    b: Any
    _text_name = "binop"

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is BinOp and (args or kwargs):
            names = ("operator", "a", "b")
            given = dict(zip(names, args))
            given.update((k, v) for k, v in kwargs.items() if k in names)
            op, a, b = given.get("operator"), given.get("a"), given.get("b")
            if op in ("+", "-", "*", "/") and (isinstance(a, Schedule) or isinstance(b, Schedule)):
                return arithmetic(op, operand(op, a), operand(op, b))
        return super().__new__(cls)

    def __post_init__(self) -> None:
        op = check.choice("arithmetic", "operator", self.operator, tuple(_PRECEDENCE))
        a, b = operand(op, self.a), operand(op, self.b)
        if not (isinstance(a, Schedule) or isinstance(b, Schedule)):  # else it is a number
            raise check.fail(op, "operands", [a, b], "a schedule on at least one side")
        if op == "/" and _is_zero(b):
            raise check.fail("/", "divisor", b, "non-zero")
        set_fields(self, operator=op, a=a, b=b)
        check_nesting(self, op)

    @property
    def _precedence(self) -> int:  # type: ignore[override]
        return _PRECEDENCE[self.operator]

    def _render(self) -> str:
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


@dataclass(frozen=True, repr=False, eq=False)
class Neg(_Pointwise):
    """``-a(t)``."""

    a: Schedule
    _precedence = NEG
    _text_name = "neg"

    def __post_init__(self) -> None:
        set_fields(self, a=check_schedule("-", "operand", self.a))
        check_nesting(self, "-")

    def _render(self) -> str:
        return f"-{text(self.a, NEG)}"

    def _eval(self, t: Any, xp: Any) -> Any:
        return -self.a._eval(t, xp)
