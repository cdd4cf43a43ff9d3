"""The simplifier: rewrites an expression into an equal, cheaper one.

Rules (applied bottom-up until nothing changes):

- constant folding: arithmetic, ``minimum``/``maximum`` and ``clip`` of constants
  and numbers become one ``constant``; ``-constant(c)`` likewise;
- neutral elements: ``s * 1``, ``s + 0``, ``s / 1``, ``s ** 1`` become ``s``;
- nested chains without boundaries are flattened.

Folded nodes are built without validation (a fold may legitimately give a
negative constant, say ``constant(1) - 2``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ._node import Schedule, set_fields
from ._ops import PY, is_plain
from .combinators import BinOp, Chain, Clip, Maximum, Minimum, Neg, chain
from .primitives import Constant

__all__ = ["simplify"]


def raw(cls: type, **fields: Any) -> Any:
    """A node built without its checks (for rewrites that may leave their domain)."""
    obj = object.__new__(cls)
    set_fields(obj, **fields)
    return obj


def _value(x: Any) -> Any:
    """The plain number ``x`` stands for, or ``None``."""
    if is_plain(x):
        return x
    if isinstance(x, Constant) and is_plain(x.value):
        return x.value
    return None


def _rebuild(s: Schedule) -> Schedule:
    changes = {}
    for f in dataclasses.fields(s):  # type: ignore[arg-type]
        v = getattr(s, f.name)
        if isinstance(v, Schedule):
            nv = simplify(v)
            if nv is not v:
                changes[f.name] = nv
        elif isinstance(v, tuple) and any(isinstance(x, Schedule) for x in v):
            nt = tuple(simplify(x) for x in v)
            if any(a is not b for a, b in zip(nt, v)):
                changes[f.name] = nt
    if not changes:
        return s
    fields = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}  # type: ignore[arg-type]
    fields.update(changes)
    return raw(type(s), **fields)


def simplify(s: Schedule) -> Schedule:
    """An expression equal to ``s`` at every ``t``, cheaper to evaluate."""
    s = _rebuild(s)
    if isinstance(s, BinOp):
        a, b = _value(s.a), _value(s.b)
        if a is not None and b is not None:
            return raw(Constant, value=float(BinOp._eval(raw(BinOp, operator=s.operatorerator, a=a, b=b), 0, PY)))
        if b is not None and ((s.operator in "+-" and b == 0) or (s.operator in ("*", "/", "**") and b == 1)):
            return s.a if isinstance(s.a, Schedule) else s
        if a is not None and ((s.operator == "+" and a == 0) or (s.operator == "*" and a == 1)):
            return s.b if isinstance(s.b, Schedule) else s
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
    elif isinstance(s, Chain) and s.boundaries is None and any(
        isinstance(p, Chain) and p.boundaries is None for p in s.pieces
    ):
        return chain(*s.pieces)
    return s
