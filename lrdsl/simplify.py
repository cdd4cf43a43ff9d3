"""The simplifier: rewrites an expression into an equal, cheaper one.

Rules (applied bottom-up, once per node, with an explicit stack: no recursion
along the tree, and a subexpression used twice is simplified once):

- constant folding: arithmetic, ``minimum``/``maximum`` and ``clip`` of constants
  and numbers become one ``constant``; ``-constant(c)`` likewise;
- neutral elements: the terms ``+ 0``, ``- 0`` and the factors ``* 1``, ``/ 1`` of
  sums and products are dropped (a first ``0 +`` or ``1 *`` too), ``s ** 1`` is ``s``;
- nested chains without boundaries are flattened;
- runs of *table pieces* in a chain become one :class:`Table`: a search of the
  row offsets and a gather of each row's parameters, then one formula, so that
  the cost of a chain of such pieces grows with the logarithm of its length,
  not linearly (DESIGN.md section 3). Table pieces are ``constant``,
  ``linear``, ``cosine`` (exponent 1, not periodic), ``polynomial`` of power 1,
  ``piecewise`` and ``interpolate`` (with concrete times), and ``warmup`` /
  ``shift`` / products of a table piece with numbers (not dividing by it) of
  table pieces; runs of at least
  ``MIN_RUN`` rows, on the JAX backend.

Every rewrite gives the same value at every ``t`` up to float64 rounding
(1e-12 relative; the row formulas are the primitives' own). Folded nodes are
built without validation (a fold may legitimately leave the parameters'
domain, say ``constant(1) - 2``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._node import STATIC, Schedule, layout, set_fields
from ._ops import PY, is_plain
from .combinators import BinOp, Chain, Clip, Maximum, Minimum, Neg, Product, Shift, Sum, Warmup, chain
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

    def _render(self) -> str:
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
    if isinstance(s, (Linear, Cosine, Polynomial)) and is_plain(s.steps) and s.steps == 0:
        return [(0, 1, CONST, s.end, s.end)]  # a phase of length 0: its end
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
        if not (is_plain(s.n) and s.n >= 0):  # a shift into the schedule: its own formula
            return None
        inner = _rows(s.schedule)
        if inner is None:
            return None
        first = _at_zero(inner)
        return [(0, 1, CONST, first, first), *_offset(inner, s.n)]
    if isinstance(s, Warmup) and s.shifted and not s.inclusive and not (is_plain(s.steps) and s.steps == 0):
        inner = _rows(s.schedule)
        if inner is None:
            return None
        return [(0, s.steps, LINEAR, s.start, _at_zero(inner)), *_offset(inner, s.steps)]
    parts = _product(s)
    if parts is not None:
        items, ops = parts
        at = [k for k, x in enumerate(items) if _value(x) is None]
        if len(at) == 1 and (at[0] == 0 or ops[at[0] - 1] == "*"):
            inner = _rows(items[at[0]])
            if inner is not None:
                k = at[0]
                values = [_value(x) for x in items]
                return [(o, n, kind, _scaled(values, ops, k, a), _scaled(values, ops, k, b)) for o, n, kind, a, b in inner]
    return None


def _product(s: Schedule) -> tuple[tuple[Any, ...], tuple[str, ...]] | None:
    """``(factors, ops)`` of a product (or of a binary ``*`` / ``/`` from an older pickle)."""
    if isinstance(s, Product):
        return s.factors, s.ops
    if isinstance(s, BinOp) and s.operator in ("*", "/"):
        return (s.a, s.b), (s.operator,)
    return None


def _sum(s: Schedule) -> tuple[tuple[Any, ...], tuple[str, ...]] | None:
    """``(terms, ops)`` of a sum (or of a binary ``+`` / ``-`` from an older pickle)."""
    if isinstance(s, Sum):
        return s.terms, s.ops
    if isinstance(s, BinOp) and s.operator in ("+", "-"):
        return (s.a, s.b), (s.operator,)
    return None


def _scaled(values: list[Any], ops: tuple[str, ...], k: int, v: Any) -> Any:
    """The product's left fold with ``v`` in place of its one schedule, ``values[k]``."""
    acc = v if k == 0 else values[0]
    for i, op in enumerate(ops, start=1):
        x = v if i == k else values[i]
        acc = acc * x if op == "*" else PY.div(acc, x)
    return acc


def _at_zero(rows: list[Row]) -> Any:
    """The value of ``rows`` at 0: the first value of the last row that starts at 0 (the
    row the lookup selects there; rows of a chain with boundaries at 0 all start at 0)."""
    k = 0
    while k + 1 < len(rows) and is_plain(rows[k + 1][0]) and rows[k + 1][0] <= 0:
        k += 1
    return rows[k][3]


def _offset(rows: list[Row], by: Any) -> list[Row]:
    return [(_add(o, by), n, k, a, b) for o, n, k, a, b in rows]


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


def _rebuild(s: Schedule, done: dict[int, Schedule]) -> Schedule:
    """``s`` with its children replaced by their simplified forms (``done``)."""
    changes: dict[str, Any] = {}
    for name in layout(type(s))[0]:
        v = getattr(s, name)
        if isinstance(v, Schedule):
            nv = done[id(v)]
            if nv is not v:
                changes[name] = nv
        elif isinstance(v, tuple) and any(isinstance(x, Schedule) for x in v):
            nt = tuple(done[id(x)] if isinstance(x, Schedule) else x for x in v)
            if any(a is not b for a, b in zip(nt, v)):
                changes[name] = nt
    if not changes:
        return s
    leaves, static = layout(type(s))
    fields = {name: getattr(s, name) for name in leaves + static}
    fields.update(changes)
    return raw(type(s), **fields)


def simplify(s: Schedule, tables: bool = True) -> Schedule:
    """An expression equal to ``s`` at every ``t``, cheaper to evaluate.

    ``tables=False`` leaves chains as they are: NumPy evaluates each piece of a
    chain only on its own points and Python only the piece ``t`` is in, so the
    table lookup (all formulas at every point) pays off only on JAX.
    """
    done: dict[int, Schedule] = {}  # id of a node of s -> its simplified form
    stack = [s]
    while stack:
        node = stack[-1]
        if id(node) in done:
            stack.pop()
            continue
        if getattr(node, "integral", False):
            # A quantiser's schedule stays as written: the rewrites are equal only up to
            # rounding, which quantising would turn into a whole multiple (lrdsl/quantize.py).
            done[id(node)] = node
            stack.pop()
            continue
        pending = [c for c in node.children() if id(c) not in done]
        if pending:
            stack.extend(pending)
            continue
        new = _rule(_rebuild(node, done), tables)
        if isinstance(new, Constant) and new.steps is None and node.finite:
            # a folded hold keeps its length (a chain derives its boundaries from it)
            new = raw(Constant, value=new.value, steps=node.duration)
        done[id(node)] = new
        stack.pop()
    return done[id(s)]


def _rule(s: Schedule, tables: bool) -> Schedule:
    """One node simplified, its children being simplified already."""
    if isinstance(s, (Sum, Product, BinOp)):
        return _arithmetic(s)
    if isinstance(s, Neg):
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


def _arithmetic(s: Schedule) -> Schedule:
    """Constant folding, neutral elements, and a table times numbers."""
    if isinstance(s, BinOp) and s.operator == "**":
        a, b = _value(s.a), _value(s.b)
        if a is not None and b is not None:
            return raw(Constant, value=float(BinOp._eval(raw(BinOp, operator="**", a=a, b=b), 0, PY)))
        if b is not None and b == 1 and isinstance(s.a, Schedule):
            return s.a
        return s
    parts = _sum(s)
    cls: type = Sum
    neutral, field_name = 0, "terms"
    if parts is None:
        parts = _product(s)
        cls, neutral, field_name = Product, 1, "factors"
    assert parts is not None
    items, ops = parts
    values = [_value(x) for x in items]
    if all(v is not None for v in values):
        folded = raw(cls, **{field_name: tuple(values), "ops": ops})
        return raw(Constant, value=float(cls._eval(folded, 0, PY)))  # type: ignore[attr-defined]
    # Drop neutral operands: any after the first, and a first one followed by + or *.
    keep_items, keep_ops = [items[0]], []
    for op, x, v in zip(ops, items[1:], values[1:]):
        if v is not None and v == neutral:
            continue
        keep_items.append(x)
        keep_ops.append(op)
    if values[0] is not None and values[0] == neutral and len(keep_items) > 1 and keep_ops[0] == cls.OPERATORS[0]:  # type: ignore[attr-defined]
        keep_items, keep_ops = keep_items[1:], keep_ops[1:]
    if len(keep_items) == 1 and isinstance(keep_items[0], Schedule):
        return keep_items[0]
    if len(keep_items) != len(items) and len(keep_items) > 1:
        s = raw(cls, **{field_name: tuple(keep_items), "ops": tuple(keep_ops)})
    if cls is Product and any(isinstance(x, Table) for x in keep_items):  # a table times numbers
        rows = _rows(s)
        if rows is not None:
            return _table(rows, s)
    return s
