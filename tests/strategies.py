"""Hypothesis strategies for random, valid schedule trees.

Use them in any property over schedules::

    from hypothesis import given
    from tests.strategies import schedules

    @given(schedules())
    def test_something(s): ...

What they generate:

- :func:`primitives`: every primitive of DESIGN.md section 2 (``constant``,
  ``linear``, ``cosine`` (both ``periodic``), ``exponential`` (with and without
  ``staircase`` and ``end``), ``step``, ``multistep`` (repeated milestones
  included), ``polynomial``, ``piecewise``, ``interpolate`` (both kinds),
  ``lambda_`` of a registered function), with small, sane parameters that
  pass every construction rule.
- :func:`finite_schedules`: trees whose ``duration`` is finite (what a chain
  needs for every piece but the last).
- :func:`schedules`: any tree: primitives combined with ``+ - * / **`` (numbers
  or schedules on either side), unary minus, ``minimum``/``maximum``,
  ``.clip``, ``.shift``, ``.per_epoch``, ``.repeat``, ``warmup`` and chains
  (``>>`` and ``chain(..., boundaries=[...])``).

Numbers are a mix of small ints and floats (so both print and parse), all
finite and well inside float range; lengths are > 0, rates >= 0. Values of a
generated schedule may still be huge or ``inf`` (``exponential`` growth, ``/``
by a schedule that reaches 0, ``**``): compare values with ``equal_nan=True``.

The registered lambdas (:data:`LAMBDAS`) use plain arithmetic only, so they
run on every backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

import lrdsl as lr
from lrdsl.errors import ScheduleError
from lrdsl.registry import lookup

__all__ = [
    "LAMBDAS",
    "numbers",
    "rates",
    "lengths",
    "times",
    "primitives",
    "finite_schedules",
    "schedules",
]


def _halve(t: Any) -> Any:
    return 0.5 ** (t / 100)


def _ramp(t: Any) -> Any:
    return t / (t + 10)


def _registered(name: str, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn`` registered as ``name``, or the function already registered under it
    (this module may be imported under two names)."""
    try:
        return lookup(name)
    except ScheduleError:
        return lr.register(name)(fn)


#: Functions registered for ``lambda_`` trees, by name.
LAMBDAS: dict[str, Callable[[Any], Any]] = {
    "strategies_halve": _registered("strategies_halve", _halve),
    "strategies_ramp": _registered("strategies_ramp", _ramp),
}

# -- numbers ---------------------------------------------------------------------


def numbers(lo: float, hi: float) -> st.SearchStrategy[int | float]:
    """Finite numbers in ``[lo, hi]``: small ints, round floats and arbitrary floats."""
    ints = st.integers(int(max(lo, -1000) + 0.999999), int(min(hi, 1000)))
    if int(max(lo, -1000) + 0.999999) > int(min(hi, 1000)):
        ints = st.nothing()
    return st.one_of(
        ints,
        st.sampled_from([x for x in (0.0, 1e-5, 1e-3, 0.1, 0.5, 1.0, 2.5, 10.0) if lo <= x <= hi]),
        st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False),
    )


def rates() -> st.SearchStrategy[int | float]:
    """Learning-rate-like values, ``>= 0``."""
    return numbers(0.0, 10.0)


def lengths() -> st.SearchStrategy[int | float]:
    """Lengths and periods, ``> 0``: mostly ints, sometimes fractional."""
    return st.one_of(st.integers(1, 500), st.floats(0.5, 500.0, allow_nan=False, allow_subnormal=False))


def times(min_size: int = 0, max_size: int = 4) -> st.SearchStrategy[list[int | float]]:
    """Sorted, non-negative times (boundaries, milestones, knots); repeats allowed."""
    return st.lists(
        st.one_of(st.integers(0, 400), st.floats(0, 400.0, allow_subnormal=False)),
        min_size=min_size,
        max_size=max_size,
    ).map(sorted)


def _positive(lo: float, hi: float) -> st.SearchStrategy[int | float]:
    return numbers(lo, hi).filter(lambda x: x > 0)


# -- primitives ------------------------------------------------------------------


def _finite_primitives() -> st.SearchStrategy[lr.Schedule]:
    def interp(data: tuple[list[Any], list[Any], str]) -> lr.Schedule:
        ts, vs, kind = data
        return lr.interpolate(ts, vs[: len(ts)], kind=kind)

    return st.one_of(
        st.builds(lr.linear, rates(), rates(), lengths()),
        st.builds(lr.cosine, rates(), rates(), lengths(), exponent=_positive(0.25, 4), periodic=st.booleans()),
        st.builds(lr.polynomial, rates(), rates(), lengths(), power=_positive(0.25, 4)),
        st.tuples(
            times(1, 4), st.lists(rates(), min_size=4, max_size=4), st.sampled_from(["linear", "cosine"])
        ).map(interp),
    )


def primitives() -> st.SearchStrategy[lr.Schedule]:
    """One primitive node of any kind, with valid parameters."""

    def piecewise(data: tuple[list[Any], list[Any]]) -> lr.Schedule:
        bs, vs = data
        return lr.piecewise(bs, vs[: len(bs) + 1])

    return st.one_of(
        st.builds(lr.constant, rates()),
        _finite_primitives(),
        st.builds(
            lr.exponential,
            rates(),
            _positive(0.5, 1.05),
            every=lengths(),
            staircase=st.booleans(),
            end=st.one_of(st.none(), rates()),
        ),
        st.builds(lr.step, rates(), lengths(), gamma=_positive(0.05, 2.0)),
        st.builds(lr.multistep, rates(), times(0, 4), gamma=_positive(0.05, 2.0)),
        st.tuples(times(0, 4), st.lists(rates(), min_size=5, max_size=5)).map(piecewise),
        st.sampled_from(sorted(LAMBDAS)).map(lambda name: lr.lambda_(LAMBDAS[name])),
    )


# -- trees -------------------------------------------------------------------------


def _arithmetic(children: st.SearchStrategy[lr.Schedule]) -> st.SearchStrategy[lr.Schedule]:
    """``a op b`` with a schedule on at least one side; ``-a``."""
    small = numbers(-5.0, 5.0)

    def binop(data: tuple[str, Any, Any, bool]) -> lr.Schedule:
        op, a, b, flip = data
        if op == "/" and ((not isinstance(b, lr.Schedule) and b == 0) or b == lr.constant(0)):
            b = 2
        if op == "**" and not isinstance(b, lr.Schedule):
            b = abs(b) % 3 + 0.5  # a modest exponent
        if flip and not isinstance(b, lr.Schedule) and op not in ("/", "**"):
            a, b = b, a  # a number on the left (the reflected operators)
        return lr.BinOp(op, a, b) if isinstance(a, lr.Schedule) or isinstance(b, lr.Schedule) else -a

    return st.one_of(
        st.tuples(
            st.sampled_from(["+", "-", "*", "/", "**"]), children, st.one_of(children, small), st.booleans()
        ).map(binop),
        children.map(lambda s: -s),
    )


def _extend(children: st.SearchStrategy[lr.Schedule], finite: bool) -> st.SearchStrategy[lr.Schedule]:
    """The combinators over ``children`` (keeping ``duration`` finite when ``finite``)."""

    def clip(data: tuple[lr.Schedule, Any, Any]) -> lr.Schedule:
        s, lo, hi = data
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        return s.clip(lo, hi)

    def chained(pieces: list[lr.Schedule]) -> lr.Schedule:
        out = pieces[0]
        for p in pieces[1:]:
            out = out >> p
        return out

    def bounded(data: tuple[list[lr.Schedule], list[Any]]) -> lr.Schedule:
        pieces, bs = data
        return lr.chain(*pieces, boundaries=bs[: len(pieces) - 1])

    fin = children if finite else finite_schedules(max_leaves=3)
    options = [
        _arithmetic(children),
        st.builds(lr.minimum, children, st.one_of(children, rates())),
        st.builds(lr.maximum, st.one_of(children, rates()), children),
        st.tuples(children, st.one_of(st.none(), numbers(-1, 5)), st.one_of(st.none(), numbers(-1, 5))).map(
            clip
        ),
        st.builds(lambda s, n: s.shift(n), children, numbers(0, 300)),
        st.builds(lambda s, n, stair: s.per_epoch(n, staircase=stair), children, lengths(), st.booleans()),
        st.builds(lr.warmup, children, lengths(), start=rates(), shift=st.booleans()),
        st.tuples(st.lists(fin, min_size=1, max_size=3), children).map(lambda pl: chained([*pl[0], pl[1]])),
    ]
    if not finite:
        options += [
            st.builds(lambda s, p: s.repeat(p), children, lengths()),
            st.tuples(st.lists(children, min_size=1, max_size=4), times(3, 3)).map(bounded),
        ]
    return st.one_of(*options)


def finite_schedules(max_leaves: int = 6) -> st.SearchStrategy[lr.Schedule]:
    """Random trees with a finite ``duration``."""
    return st.recursive(
        _finite_primitives(), lambda children: _extend(children, finite=True), max_leaves=max_leaves
    ).filter(lambda s: s.finite)


def schedules(max_leaves: int = 8) -> st.SearchStrategy[lr.Schedule]:
    """Random valid schedule trees: every primitive and combinator, arithmetic, chains."""
    return st.recursive(primitives(), lambda children: _extend(children, finite=False), max_leaves=max_leaves)
