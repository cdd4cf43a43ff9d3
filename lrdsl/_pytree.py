"""Schedules as JAX pytrees, whatever the order in which lrdsl and JAX are imported.

Numeric fields are leaves, flattened as floats (so ``jax.grad`` reaches them);
static fields (strings, flags, functions) are the tree's auxiliary data.
Unflattening never validates: JAX rebuilds nodes with placeholder leaves. It
marks each rebuilt node ``_unchecked`` instead, and the node's concrete leaves
are checked before it is first evaluated (:func:`lrdsl._node.check_leaves`), so
``jax.tree.map(lambda x: x * 0, s)`` fails there, not with a NaN.

Registration is under a lock: threads that compile at once register each class once.

If JAX is already imported when a node class is defined, the class is
registered at once; otherwise a one-shot import hook registers every node
class right after ``jax`` itself has been imported. ``import lrdsl`` never
imports JAX.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.machinery
import sys
import threading
from types import ModuleType
from typing import Any

from ._ops import is_plain
from .errors import ScheduleError
from .quantity import Quantity

_registered: set[type] = set()
_lock = threading.RLock()


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    from ._node import ready

    ready()
    leaves: list[str] = []
    static: list[str] = []
    for f in dataclasses.fields(cls):
        (static if f.metadata.get("static") else leaves).append(f.name)
    return tuple(leaves), tuple(static)


def _as_leaf(v: Any) -> Any:
    if is_plain(v):
        return float(v)
    if isinstance(v, tuple):
        return tuple(_as_leaf(x) for x in v)
    if isinstance(v, Quantity):
        from .quantity import _ordered

        names = _ordered(v.free)
        raise ScheduleError(
            f"a schedule with unbound quantities ({', '.join(names)}) is not a JAX pytree;"
            f" .bind({', '.join(f'{n}=...' for n in names)}) it first"
        )
    return v


def _register(cls: type) -> None:
    import jax  # noqa: F401  (first: importing it registers every class, through the hook below)

    with _lock:
        if cls not in _registered:
            _register_now(cls)


def _register_now(cls: type) -> None:
    from jax import tree_util

    def flatten(node: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        leaf_names, static_names = _fields(cls)
        return (
            tuple(_as_leaf(getattr(node, n)) for n in leaf_names),
            tuple(getattr(node, n) for n in static_names),
        )

    def unflatten(aux: tuple[Any, ...], children: Any) -> Any:
        leaf_names, static_names = _fields(cls)
        obj: Any = object.__new__(cls)
        for n, v in zip(leaf_names, children):
            object.__setattr__(obj, n, v)
        for n, v in zip(static_names, aux):
            object.__setattr__(obj, n, v)
        obj.__dict__["_unchecked"] = True
        return obj

    tree_util.register_pytree_node(cls, flatten, unflatten)
    _registered.add(cls)


def register_all() -> None:
    from ._node import node_classes

    with _lock:
        for cls in node_classes():
            _register(cls)


def register_if_loaded(cls: type) -> None:
    """Called for each new node class (its fields are read at first flatten)."""
    if sys.modules.get("jax") is not None:  # None: an import of JAX that failed, or was blocked
        _register(cls)


class _AfterJaxImport:
    """Finds ``jax`` through the other finders, runs its loader, then registers. (A finder
    and a loader by protocol: the ABCs of ``importlib.abc`` would import
    ``importlib.resources``, ``tempfile`` and more at ``import lrdsl``.)"""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "jax":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None:
            return spec
        self._loader = spec.loader
        spec.loader = self  # type: ignore[assignment]  # a Loader by protocol
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__.loader = self._loader  # type: ignore[union-attr]
        self._loader.exec_module(module)
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        register_all()


def install() -> None:
    """At ``import lrdsl``: register now if JAX is loaded, else wait for it."""
    if sys.modules.get("jax") is not None:
        register_all()
    elif not any(isinstance(f, _AfterJaxImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterJaxImport())
