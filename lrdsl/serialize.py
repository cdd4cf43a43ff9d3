"""Schedules as plain, JSON-safe data: ``s.to_dict()`` and ``from_dict(d)``.

The document is ``{"lrdsl": 1, "schedule": NODE}``; a node is
``{"op": NAME, FIELD: VALUE, ...}`` with the node's field names, numbers as
JSON numbers, lists for tuples, nested nodes for schedules. A lambda is saved
by its registered name (:func:`lrdsl.register`). Sums and products are
``{"op": "sum", "terms": [...], "ops": ["+", "-"]}`` and
``{"op": "product", "factors": [...], "ops": ["*", "/"]}``; documents written
before they were n-ary (``{"op": "binop", "operator": "+", "a": ..., "b": ...}``)
load as the same arithmetic.

Loading builds only the public language (:func:`lrdsl.registry.language`: the
names of DESIGN.md section 2 and the public families), each node through its
public constructor, so every check runs: a broken or tampered document is an
error that says what is wrong and where, never a half-built schedule, an
internal node, a hang or a ``RecursionError``. Both directions walk the tree
with an explicit stack. Limits: documents nested deeper than :data:`MAX_DEPTH`
levels, with more than :data:`~lrdsl._node.MAX_NODES` nodes or more than
:data:`MAX_ITEMS` entries in all (a Python dict may share one list or node
among many places: each use counts) are refused.
"""

from __future__ import annotations

import dataclasses
import functools
import reprlib
from typing import Any

from ._node import MAX_DEPTH, MAX_NODES, Schedule, layout
from ._ops import is_plain
from .errors import ScheduleError
from .quantity import _KINDS as QUANTITY_KINDS
from .quantity import Quantity
from .quantity import from_data as quantity_from_data
from .registry import Form, document_name, language

__all__ = ["FORMAT_VERSION", "MAX_DEPTH", "MAX_ITEMS", "to_dict", "from_dict"]

FORMAT_VERSION = 1
#: The version of documents holding quantities (older readers refuse them by number).
SYMBOLIC_VERSION = 2
_MAX_INT = 2**1024
#: The most entries (nodes, fields, list items) a document may hold.
MAX_ITEMS = 10_000_000


def to_dict(s: Schedule) -> dict[str, Any]:
    """``s`` as a versioned, JSON-safe dict (see the module docstring)."""
    if not isinstance(s, Schedule):
        raise TypeError(f"to_dict: expected a schedule, got {type(s).__name__}")
    root: dict[str, Any] = {}
    todo: list[tuple[Schedule, dict[str, Any]]] = [(s, root)]
    while todo:
        node, out = todo.pop()
        out.update(_node(node, todo))
    return {"lrdsl": SYMBOLIC_VERSION if s.free else FORMAT_VERSION, "schedule": root}


def _node(s: Schedule, todo: list[tuple[Schedule, dict[str, Any]]]) -> dict[str, Any]:
    """One node's document; its children's (empty dicts here) are filled later, from ``todo``."""
    from .primitives import Lambda

    if isinstance(s, Lambda):
        return _lambda(s)
    op = document_name(type(s))
    if op is None:
        raise ScheduleError(
            f"to_dict: {type(s).__name__} is not part of the public language, so no document can name it"
        )
    out: dict[str, Any] = {"op": op}
    leaves, static = layout(type(s))
    for name in leaves + static:
        v = getattr(s, name)
        if isinstance(v, tuple):
            out[name] = [_value(x, s, name, todo) for x in v]
        else:
            out[name] = _value(v, s, name, todo)
    return out


def _value(v: Any, s: Schedule, name: str, todo: list[tuple[Schedule, dict[str, Any]]]) -> Any:
    if isinstance(v, Schedule):
        child: dict[str, Any] = {}
        todo.append((v, child))
        return child
    if v is None or isinstance(v, (bool, str)) or is_plain(v):
        return v
    if isinstance(v, Quantity):
        return v.to_data()
    raise ScheduleError(f"to_dict: {s._text_name}.{name} holds {type(v).__name__}, not a plain number")


def _lambda(s: Any) -> dict[str, Any]:
    from .registry import lookup, name_of

    name = s.name if s.name is not None else name_of(s.fn)
    if name is None:
        raise ScheduleError(f"to_dict: lambda_ {s} has no name; register its function with lrdsl.register(name)")
    try:
        registered = lookup(name)
    except ScheduleError:
        registered = None
    if registered is not s.fn:
        raise ScheduleError(
            f"to_dict: lambda_ {name!r} cannot be saved: its function is not registered as {name!r}"
            " (register it with lrdsl.register(name))"
        )
    return {"op": "lambda_", "name": name}


# ----------------------------------------------------------------------------
# Loading.


def from_dict(d: Any) -> Schedule:
    """The schedule a :func:`to_dict` document describes (see the module docstring)."""
    if not isinstance(d, dict):
        raise ScheduleError(f"from_dict: expected a dict, got {type(d).__name__}")
    if "lrdsl" not in d or "schedule" not in d:
        raise ScheduleError("from_dict: not an lrdsl document (needs the keys 'lrdsl' and 'schedule')")
    version = d["lrdsl"]
    if type(version) is not int or version not in (FORMAT_VERSION, SYMBOLIC_VERSION):
        raise ScheduleError(
            f"from_dict: unknown format version {_short(version)}"
            f" (this lrdsl reads {FORMAT_VERSION} and {SYMBOLIC_VERSION})"
        )
    unknown = set(d) - {"lrdsl", "schedule"}
    if unknown:
        raise ScheduleError(f"from_dict: the document has unknown keys {_names(unknown)}")
    return _Loader().load(d["schedule"])


class _Ref:
    """A child node of the document, by its place in the loader's list."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class _Loader:
    """One load: the document's nodes are listed parents first (checking their
    shape), then built in the reverse order, children first."""

    def __init__(self) -> None:
        self.nodes: list[tuple[dict[str, Any], Form | None, dict[str, Any]]] = []  # doc, form, fields
        self.parents: list[tuple[int, str]] = []  # (parent index, how the parent reaches it)
        self.items = 0

    def path(self, index: int, tail: str = "") -> str:
        """``schedule.pieces[2].schedule`` for the node at ``index`` (built on error only)."""
        parts = [tail] if tail else []
        while index >= 0:
            parent, step = self.parents[index]
            parts.append(step)
            index = parent
        return "".join(reversed(parts))

    def fail(self, index: int, message: str, tail: str = "") -> ScheduleError:
        return ScheduleError(f"from_dict: {self.path(index, tail)}{message}")

    def load(self, root: Any) -> Schedule:
        todo: list[tuple[int, Any, int]] = [(self.place(-1, "schedule"), root, 1)]  # index, doc, depth
        while todo:
            index, doc, depth = todo.pop()
            self.visit(index, doc, depth, todo)
        built: list[Any] = [None] * len(self.nodes)
        for index in range(len(self.nodes) - 1, -1, -1):  # children after their parents
            built[index] = self.build(index, built)
        return built[0]

    def place(self, parent: int, step: str) -> int:
        """A new node's index (after its parent's)."""
        if len(self.nodes) >= MAX_NODES:
            raise self.fail(parent, f": the document has more than {MAX_NODES:,} nodes (the limit)")
        self.parents.append((parent, step))
        self.nodes.append(({}, None, {}))
        return len(self.nodes) - 1

    def count(self, index: int, n: int) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise self.fail(index, f": the document holds more than {MAX_ITEMS:,} entries (the limit)")

    def visit(self, index: int, d: Any, depth: int, todo: list[tuple[int, Any, int]]) -> None:
        """Check one node's shape; queue its children."""
        if not isinstance(d, dict):
            raise self.fail(index, f" must be a node (a dict with 'op'), got {_short(d)}")
        if depth > MAX_DEPTH:
            raise self.fail(index, f" is nested more than {MAX_DEPTH} levels deep (the limit)")
        self.count(index, 1 + len(d))
        if "op" not in d:
            raise self.fail(index, " has no 'op' (a node is a dict {'op': NAME, FIELD: VALUE, ...}; a quantity one such as {'var': 'T'})")
        op = d["op"]
        forms = language()
        form = forms.get(op) if isinstance(op, str) else None
        if form is None or form.node is None:
            known = sorted(name for name, f in forms.items() if f.node is not None)
            raise self.fail(index, f".op {_short(op)} is not a schedule (known: {', '.join(known)})")
        names = ("name",) if op == "lambda_" else layout(form.node)[0] + layout(form.node)[1]
        unknown = [k for k in d if k != "op" and k not in names]
        if unknown:
            raise self.fail(index, f" ({op}) has unknown fields {_names(unknown)}")
        fields: dict[str, Any] = {}
        for name in names:
            if name in d:
                fields[name] = self.field(index, d[name], f".{name}", depth, todo)
        self.nodes[index] = (d, form, fields)

    def field(self, index: int, v: Any, step: str, depth: int, todo: list[tuple[int, Any, int]]) -> Any:
        if isinstance(v, dict) and len(v) == 1 and next(iter(v)) in QUANTITY_KINDS:
            try:
                return quantity_from_data(v)
            except ScheduleError as e:
                message = str(e).removeprefix("from_data: ")
                raise self.fail(
                    index,
                    f" is neither a node ({{'op': ...}}) nor a quantity ({{'var': 'T'}}, ...): {message}",
                    step,
                ) from None
        if isinstance(v, dict):
            child = self.place(index, step)
            todo.append((child, v, depth + 1))
            return _Ref(child)
        if isinstance(v, list):
            self.count(index, len(v))
            out = []
            for i, x in enumerate(v):
                if isinstance(x, list):
                    raise self.fail(index, " must be a list of numbers or of nodes, not of lists", f"{step}[{i}]")
                out.append(self.field(index, x, f"{step}[{i}]", depth, todo))
            return out
        if type(v) is int and abs(v) > _MAX_INT:  # beyond any float: not even printable in full
            raise self.fail(index, f" must be a finite number, got an int of {v.bit_length()} bits", step)
        if v is None or isinstance(v, (bool, str)) or is_plain(v):
            return v
        raise self.fail(index, f" must be a number, a string, a list or a node, got {_short(v)}", step)

    def build(self, index: int, built: list[Any]) -> Schedule:
        d, form, fields = self.nodes[index]
        assert form is not None and form.node is not None
        values = {name: _resolve(v, built) for name, v in fields.items()}
        where = f" ({form.name})"
        try:
            if form.name == "lambda_":
                if not isinstance(values.get("name"), str):
                    raise ScheduleError(f"name must be a registered name, got {_short(values.get('name'))}")
                return form.build(values["name"])
            missing = [n for n in _required(form.node) if n not in values]
            if missing:
                raise self.fail(index, f"{where} is missing the field {missing[0]!r}")
            renamed = form.node._renamed  # type: ignore[attr-defined]
            params = {renamed.get(n, n): (tuple(v) if isinstance(v, list) else v) for n, v in values.items()}
            return form.node(**params)
        except ScheduleError as e:
            if str(e).startswith("from_dict:"):
                raise
            raise self.fail(index, f"{where}: {e}") from None
        except (TypeError, ValueError, ArithmeticError) as e:
            raise self.fail(index, f"{where}: {e}") from None
        finally:
            # The document's entries are no longer needed (a long list frees as it goes).
            self.nodes[index] = (d, form, {})


def _resolve(v: Any, built: list[Any]) -> Any:
    if isinstance(v, _Ref):
        return built[v.index]
    if isinstance(v, list):
        return [built[x.index] if isinstance(x, _Ref) else x for x in v]
    return v


@functools.cache
def _required(cls: type) -> tuple[str, ...]:
    """The fields of ``cls`` without a default."""
    from ._node import ready

    ready()
    return tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )


def _names(keys: Any) -> str:
    """Keys of a document, sorted, as a list (keys may be of any type)."""
    return "[" + ", ".join(sorted(_short(k) for k in keys)) + "]"


def _short(v: Any) -> str:
    """``repr(v)``, cut short: a broken document may hold anything (a list of a
    million entries, a list inside itself, an int of a million digits)."""
    try:
        r = _REPR.repr(v)
    except Exception:  # a value whose repr fails
        return f"<{type(v).__name__}>"
    return r if len(r) <= 80 else r[:77] + "..."


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 3, 6, 4, 60, 60, 40
