"""Schedules as plain, JSON-safe data: ``s.to_dict()`` and ``from_dict(d)``.

The document is ``{"lrdsl": 1, "schedule": NODE}``; a node is
``{"op": NAME, FIELD: VALUE, ...}`` with the constructor's field names, numbers
as JSON numbers, lists for tuples, nested nodes for schedules. A lambda is
saved by its registered name (:func:`lrdsl.register`). Loading runs every
constructor's checks, so a broken document is an error that says what is
wrong, never a half-built schedule.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ._node import Schedule, build, node_classes
from ._ops import is_plain
from .errors import ScheduleError

__all__ = ["FORMAT_VERSION", "to_dict", "from_dict"]

FORMAT_VERSION = 1
#: The deepest document :func:`from_dict` reads (a guard against recursion).
MAX_DEPTH = 200


def to_dict(s: Schedule) -> dict[str, Any]:
    """``s`` as a versioned, JSON-safe dict (see the module docstring)."""
    return {"lrdsl": FORMAT_VERSION, "schedule": _node(s)}


def _node(s: Schedule) -> dict[str, Any]:
    from .primitives import Lambda
    from .registry import name_of

    if isinstance(s, Lambda):
        from .registry import lookup

        name = s.name if s.name is not None else name_of(s.fn)
        if name is None:
            raise ScheduleError(
                f"to_dict: lambda_ {s} has no name; register its function with lrdsl.register(name)"
            )
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
    out: dict[str, Any] = {"op": s._text_name}
    for f in dataclasses.fields(s):  # type: ignore[arg-type]
        out[f.name] = _value(getattr(s, f.name), s, f.name)
    return out


def _value(v: Any, s: Schedule, name: str) -> Any:
    if isinstance(v, Schedule):
        return _node(v)
    if isinstance(v, tuple):
        return [_value(x, s, name) for x in v]
    if v is None or isinstance(v, (bool, str)) or is_plain(v):
        return v
    raise ScheduleError(f"to_dict: {s._text_name}.{name} holds {type(v).__name__}, not a plain number")


def _classes() -> dict[str, type[Schedule]]:
    return {c._text_name: c for c in node_classes() if c._text_name}


def from_dict(d: Any) -> Schedule:
    """The schedule a :func:`to_dict` document describes."""
    if not isinstance(d, dict):
        raise ScheduleError(f"from_dict: expected a dict, got {type(d).__name__}")
    if "lrdsl" not in d or "schedule" not in d:
        raise ScheduleError("from_dict: not an lrdsl document (needs the keys 'lrdsl' and 'schedule')")
    version = d["lrdsl"]
    if type(version) is not int or version != FORMAT_VERSION:
        raise ScheduleError(
            f"from_dict: unknown format version {_short(version)} (this lrdsl reads {FORMAT_VERSION})"
        )
    return _build(d["schedule"], "schedule", 0)


def _build(d: Any, path: str, depth: int) -> Schedule:
    if not isinstance(d, dict):
        raise ScheduleError(f"from_dict: {path} must be a node (a dict with 'op'), got {_short(d)}")
    if depth > MAX_DEPTH:
        raise ScheduleError(f"from_dict: {path} is nested more than {MAX_DEPTH} levels deep")
    if "op" not in d:
        raise ScheduleError(
            f"from_dict: {path} has no 'op' (a node is a dict {{'op': NAME, FIELD: VALUE, ...}})"
        )
    op = d["op"]
    if op == "lambda_":
        from .primitives import Lambda
        from .registry import lookup, name_of

        unknown = set(d) - {"op", "name"}
        if unknown:
            raise ScheduleError(f"from_dict: {path} (lambda_) has unknown fields {sorted(unknown)}")
        name = d.get("name")
        if not isinstance(name, str):
            raise ScheduleError(f"from_dict: {path}.name must be a registered name, got {_short(name)}")
        try:
            fn = lookup(name)
        except ScheduleError as e:
            raise ScheduleError(f"from_dict: {path}: {e}") from None
        # lambda_(fn) prints and saves by its registered name, so that name is implied.
        return Lambda(fn, None if name_of(fn) == name else name)
    classes = _classes()
    cls = classes.get(op) if isinstance(op, str) else None
    if cls is None:
        raise ScheduleError(
            f"from_dict: {path}.op {_short(op)} is not a schedule (known: {', '.join(sorted(classes))})"
        )
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(d) - set(fields) - {"op"}
    if unknown:
        raise ScheduleError(f"from_dict: {path} ({op}) has unknown fields {sorted(unknown)}")
    kwargs = {}
    for name, f in fields.items():
        if name not in d:
            if f.default is dataclasses.MISSING:
                raise ScheduleError(f"from_dict: {path} ({op}) is missing the field {name!r}")
            continue
        kwargs[name] = _decode(d[name], f"{path}.{name}", depth)
    try:
        return build(cls, kwargs)
    except (TypeError, ScheduleError) as e:
        raise ScheduleError(f"from_dict: {path} ({op}): {e}") from None


def _decode(v: Any, path: str, depth: int) -> Any:
    if isinstance(v, dict):
        return _build(v, path, depth + 1)
    if isinstance(v, list):
        if depth > MAX_DEPTH:
            raise ScheduleError(f"from_dict: {path} is nested more than {MAX_DEPTH} levels deep")
        return tuple(_decode(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(v))
    if v is None or isinstance(v, (bool, str)) or is_plain(v):
        return v
    raise ScheduleError(f"from_dict: {path} must be a number, a string, a list or a node, got {_short(v)}")


def _short(v: Any) -> str:
    """``repr(v)``, cut short (a broken document may hold anything)."""
    r = repr(v)
    return r if len(r) <= 80 else r[:77] + "..."
