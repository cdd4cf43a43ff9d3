"""The simplifier: rewrites an expression into an equal, cheaper one.

Rules (applied bottom-up, once per node):

- constant folding: arithmetic, ``minimum``/``maximum`` and ``clip`` of constants
  and numbers become one ``constant``; ``-constant(c)`` likewise;
- neutral elements: ``s * 1``, ``s + 0``, ``s / 1``, ``s ** 1`` become ``s``;
- nested chains without boundaries are flattened;
- runs of *table pieces* in a chain become one :class:`Table`: a search of the
  row offsets and a gather of each row's parameters, then one formula, so that
  the cost of a chain of such pieces grows with the logarithm of its length,
  not linearly (DESIGN.md section 3). Table pieces are ``constant``,
  ``linear``, ``cosine`` (exponent 1, not periodic), ``polynomial`` of power 1,
  ``piecewise`` and ``interpolate`` (with concrete times), and ``warmup`` /
  ``shift`` / ``* number`` / ``/ number`` of table pieces; runs of at least
  ``MIN_RUN`` rows, on the JAX backend.

Every rewrite gives the same value at every ``t`` up to float64 rounding
(1e-12 relative; the row formulas are the primitives' own). Folded nodes are
built without validation (a fold may legitimately leave the parameters'
domain, say ``constant(1) - 2``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ._node import STATIC, Schedule, set_fields
from ._ops import PY, is_plain
from .combinators import BinOp, Chain, Clip, Maximum, Minimum, Neg, Shift, Warmup, chain
from .primitives import Constant, Cosine, Interpolate, Linear, Piecewise, Polynomial, _cosine_weights

__all__ = ["simplify", "Table", "CONST", "LINEAR", "COSINE"]

#: Row kinds of a :class:`Table`.
CONST, LINEAR, COSINE = 0, 1, 2

# A row: (offset, steps, kind, first, last); see Table.
Row = tuple[Any, Any, int, Any, Any]


#: The fewest table rows worth a table: below it, selecting among the pieces'
#: own formulas (what a hand-written ``jnp.where`` does) is cheaper.
MIN_RUN = 4


def raw(cls: type, **fields: Any) -> Any:
    """A node built without its checks (for rewrites that may leave their domain)."""
    obj: Any = object.__new__(cls)
    set_fields(obj, **fields)
    return obj


def _value(x: Any) -> Any:
    """The plain number ``x`` stands for, or ``None``."""
    if is_plain(x):
        return x
    if isinstance(x, Constant) and is_plain(x.value):
        return x.value
    return None


def _add(a: Any, b: Any) -> Any:
    return a + b


def _min(a: Any, b: Any) -> Any:
    if is_plain(a) and is_plain(b):
        return min(a, b)
    import jax.numpy as jnp

    return jnp.minimum(a, b)


# ----------------------------------------------------------------------------
# The lookup node.


@dataclass(frozen=True, repr=False)
class Table(Schedule):
    """A chain of constant, linear and half-cosine rows, evaluated by lookup.

    Row ``i`` covers ``offsets[i] <= t < offsets[i + 1]`` (``offsets[0] = 0``; the
    last row goes on for ever). With ``i`` the number of ``offsets[1:] <= t``, the
    local time ``t - offsets[i]`` (exact: integer for integer counts),
    ``u = min(t - offsets[i], steps[i])``, ``x = u / steps[i]``,
    ``y = (steps[i] - u) / steps[i]``, the value is

    - ``kinds[i] == CONST``: ``first[i]``;
    - ``kinds[i] == LINEAR``: ``first[i] * y + last[i] * x`` (:class:`~lrdsl.primitives.Linear`);
    - ``kinds[i] == COSINE``: ``first[i] * sin(pi y / 2)**2 + last[i] * sin(pi x / 2)**2``
      (:class:`~lrdsl.primitives.Cosine` with exponent 1).

    Internal: the simplifier builds it from chains (``s.compile()``); under JAX it
    costs one ``searchsorted`` and a few gathers whatever the number of rows.
    ``total`` is the duration (``math.inf`` if the last row is not a finite piece).
    """

    offsets: tuple[Any, ...]
    steps: tuple[Any, ...]
    first: tuple[Any, ...]
    last: tuple[Any, ...]
    total: Any
    kinds: tuple[int, ...] = field(metadata=STATIC)
    bounded: bool = field(default=True, metadata=STATIC)
    _text_name = "table"

    @property
    def duration(self) -> Any:
        return self.total

    @property
    def finite(self) -> bool:
        return self.bounded

    def rows(self) -> list[Row]:
        return list(zip(self.offsets, self.steps, self.kinds, self.first, self.last))

    def __repr__(self) -> str:
        names = {CONST: "const", LINEAR: "linear", COSINE: "cosine"}
        rows = ", ".join(
            f"[{o!r}: {names[k]}({a!r}, {b!r}, {n!r})]" for o, n, k, a, b in self.rows()
        )
        return f"table({rows})"

    def _eval(self, t: Any, xp: Any) -> Any:
        kinds = set(self.kinds)
        i = xp.searchsorted(self.offsets[1:], t)
        first = xp.take(self.first, i)
        if kinds == {CONST}:
            return first
        last = xp.take(self.last, i)
        steps = xp.take(self.steps, i, like=t)
        u = xp.minimum(xp.sub(t, xp.take(self.offsets, i, like=t)), steps)
        x, y = xp.div(u, steps), xp.div(xp.sub(steps, u), steps)
        out = None
        if LINEAR in kinds:
            out = first * y + last * x
        if COSINE in kinds:
            w, c = _cosine_weights(xp, x, y)
            cos = first * w + last * c
            out = cos if out is None else xp.where(xp.take(self.kinds, i) == COSINE, cos, out)
        if CONST in kinds:
            out = xp.where(xp.take(self.kinds, i) == CONST, first, out)
        return out


def _table(rows: list[Row], of: Schedule, total: Any = None, bounded: bool | None = None) -> Table:
    """The table of ``rows``, standing for ``of`` (or for a part of it: ``total``, ``bounded``)."""
    offsets, steps, kinds, first, last = (tuple(c) for c in zip(*rows))
    bounded = of.finite if bounded is None else bounded
    return raw(
        Table,
        offsets=offsets,
        steps=steps,
        first=first,
        last=last,
        total=of.duration if total is None else total,
        kinds=kinds,
        bounded=bounded,
    )


def _rows(s: Schedule) -> list[Row] | None:
    """``s`` as table rows with offsets relative to its start, or ``None``."""
    if isinstance(s, Table):
        return s.rows()
    if isinstance(s, Chain):
        return _chain_rows(s.pieces, s.bounds, s.boundaries is not None)
    if isinstance(s, Constant):
        return [(0, 1, CONST, s.value, s.value)]
    if isinstance(s, Linear) or (isinstance(s, Polynomial) and is_plain(s.power) and s.power == 1):
        return [(0, s.steps, LINEAR, s.start, s.end)]
    if isinstance(s, Cosine) and not s.periodic and is_plain(s.exponent) and s.exponent == 1:
        return [(0, s.steps, COSINE, s.start, s.end)]
    if isinstance(s, Piecewise) and all(map(is_plain, s.boundaries)):
        levels: Any = s.levels
        rows: list[Row] = [(0, 1, CONST, levels[0], levels[0])]
        rows += [(b, 1, CONST, v, v) for b, v in zip(s.boundaries, levels[1:])]
        return rows
    if isinstance(s, Interpolate) and all(map(is_plain, s.times)):
        times = s.times
        levels = s.levels
        kind = COSINE if s.kind == "cosine" else LINEAR
        rows = [(0, 1, CONST, levels[0], levels[0])]
        for k in range(len(times) - 1):
            if times[k + 1] > times[k]:
                rows.append((times[k], times[k + 1] - times[k], kind, levels[k], levels[k + 1]))
        rows.append((times[-1], 1, CONST, levels[-1], levels[-1]))
        return rows
    if isinstance(s, Shift):
        inner = _rows(s.schedule)
        if inner is None:
            return None
        first = _at_zero(inner)
        return [(0, 1, CONST, first, first), *_offset(inner, s.n)]
    if isinstance(s, Warmup) and s.shifted:
        inner = _rows(s.schedule)
        if inner is None:
            return None
        return [(0, s.steps, LINEAR, s.start, _at_zero(inner)), *_offset(inner, s.steps)]
    if isinstance(s, BinOp) and s.operator in ("*", "/"):
        a, b = _value(s.a), _value(s.b)
        if b is not None and isinstance(s.a, Schedule):
            inner, c = _rows(s.a), (b if s.operator == "*" else None)
            if inner is not None:
                return _scale(inner, c, b)
        if a is not None and s.operator == "*" and isinstance(s.b, Schedule):
            inner = _rows(s.b)
            if inner is not None:
                return _scale(inner, a, None)
    return None


def _at_zero(rows: list[Row]) -> Any:
    """The value of ``rows`` at 0: the first value of the last row that starts at 0 (the
    row the lookup selects there; rows of a chain with boundaries at 0 all start at 0)."""
    k = 0
    while k + 1 < len(rows) and is_plain(rows[k + 1][0]) and rows[k + 1][0] <= 0:
        k += 1
    return rows[k][3]


def _offset(rows: list[Row], by: Any) -> list[Row]:
    return [(_add(o, by), n, k, a, b) for o, n, k, a, b in rows]


def _scale(rows: list[Row], mul: Any, div: Any) -> list[Row]:
    if mul is not None:
        return [(o, n, k, a * mul, b * mul) for o, n, k, a, b in rows]
    return [(o, n, k, PY.div(a, div), PY.div(b, div)) for o, n, k, a, b in rows]


def _chain_rows(pieces: tuple[Schedule, ...], bounds: tuple[Any, ...], explicit: bool) -> list[Row] | None:
    """The rows of a chain of table pieces at absolute offsets, or ``None``."""
    out: list[Row] = []
    for k, piece in enumerate(pieces):
        rows = _rows(piece)
        if rows is None:
            return None
        start = 0 if k == 0 else bounds[k - 1]
        if explicit and k < len(pieces) - 1:  # rows past the slot's end are never selected
            length = bounds[k] - start if k else bounds[0]
            rows = [(_min(o, length), n, kind, a, b) for o, n, kind, a, b in rows]
        out += _offset(rows, start) if k else rows
    return out


def _tabulate_chain(s: Chain) -> Schedule:
    """A chain with its runs of table pieces (``MIN_RUN`` rows or more) turned into tables."""
    pieces, bounds = s.pieces, s.bounds
    explicit = s.boundaries is not None
    if len(pieces) < 2:
        return s
    rows = _chain_rows(pieces, bounds, explicit)
    if rows is not None:
        return _table(rows, s) if len(rows) >= MIN_RUN else s
    # Mixed: tabulate each run of table pieces, keep the others, with explicit boundaries.
    able = [_rows(p) is not None for p in pieces]
    new_pieces: list[Schedule] = []
    new_bounds: list[Any] = []
    k = 0
    while k < len(pieces):
        j = k
        while j < len(pieces) and able[j]:
            j += 1
        start = 0 if k == 0 else bounds[k - 1]
        sub_rows = _chain_rows(pieces[k:j], tuple(b - start for b in bounds[k : j - 1]), explicit)
        if j - k >= 2 and sub_rows is not None and len(sub_rows) >= MIN_RUN:
            last = j == len(pieces)
            total = (s.duration - start) if last else bounds[j - 1] - start
            new_pieces.append(_table(sub_rows, s, total, bounded=s.finite or not last))
            end = j
        else:
            new_pieces.append(pieces[k])
            end = k + 1
        if k:
            new_bounds.append(bounds[k - 1])
        k = end
    if len(new_pieces) == len(pieces):
        return s
    return raw(Chain, pieces=tuple(new_pieces), boundaries=tuple(new_bounds))


# ----------------------------------------------------------------------------


def _rebuild(s: Schedule, tables: bool) -> Schedule:
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(s):  # type: ignore[arg-type]
        v = getattr(s, f.name)
        if isinstance(v, Schedule):
            nv = simplify(v, tables)
            if nv is not v:
                changes[f.name] = nv
        elif isinstance(v, tuple) and any(isinstance(x, Schedule) for x in v):
            nt = tuple(simplify(x, tables) for x in v)
            if any(a is not b for a, b in zip(nt, v)):
                changes[f.name] = nt
    if not changes:
        return s
    fields = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}  # type: ignore[arg-type]
    fields.update(changes)
    return raw(type(s), **fields)


def simplify(s: Schedule, tables: bool = True) -> Schedule:
    """An expression equal to ``s`` at every ``t``, cheaper to evaluate.

    ``tables=False`` leaves chains as they are: NumPy evaluates each piece of a
    chain only on its own points and Python only the piece ``t`` is in, so the
    table lookup (all formulas at every point) pays off only on JAX.
    """
    s = _rebuild(s, tables)
    if isinstance(s, BinOp):
        a, b = _value(s.a), _value(s.b)
        if a is not None and b is not None:
            return raw(Constant, value=float(BinOp._eval(raw(BinOp, operator=s.operator, a=a, b=b), 0, PY)))
        if b is not None and ((s.operator in "+-" and b == 0) or (s.operator in ("*", "/", "**") and b == 1)):
            return s.a if isinstance(s.a, Schedule) else s
        if a is not None and ((s.operator == "+" and a == 0) or (s.operator == "*" and a == 1)):
            return s.b if isinstance(s.b, Schedule) else s
        if isinstance(s.a, Table) or isinstance(s.b, Table):  # a table times a number
            rows = _rows(s)
            if rows is not None:
                return _table(rows, s)
    elif isinstance(s, Neg):
        a = _value(s.a)
        if a is not None:
            return raw(Constant, value=-a)
    elif isinstance(s, (Minimum, Maximum)):
        a, b = _value(s.a), _value(s.b)
        if a is not None and b is not None:
            return raw(Constant, value=min(a, b) if isinstance(s, Minimum) else max(a, b))
    elif isinstance(s, Clip):
        v = _value(s.schedule)
        if v is not None and all(x is None or is_plain(x) for x in (s.lo, s.hi)):
            return raw(Constant, value=float(s._eval(0, PY)))
    elif isinstance(s, Chain):
        flat = s
        if s.boundaries is None and any(isinstance(p, Chain) and p.boundaries is None for p in s.pieces):
            flat = chain(*s.pieces)
        return _tabulate_chain(flat) if tables else flat
    elif isinstance(s, (Shift, Warmup)) and isinstance(getattr(s, "schedule", None), Table):
        rows = _rows(s)
        if rows is not None:
            return _table(rows, s)
    return s
