"""Simplification and compilation of schedules to plain functions.

``simplify`` rewrites an expression into an equal one that is cheaper to
evaluate; ``compile_schedule`` returns ``t -> value`` for one backend.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ._node import Schedule, check_leaves, eval_jax, eval_numpy
from ._optional import optional
from .errors import ScheduleError

__all__ = ["simplify", "compile_schedule"]

BACKENDS = ("jax", "numpy", "python")


#: What ``compile()`` without JAX suggests instead.
_WITHOUT_JAX = '; or s.compile("numpy") or s.compile("python"), which need no JAX'


def simplify(s: Schedule, backend: str = "jax") -> Schedule:
    """An equal expression that is cheaper to evaluate on ``backend``."""
    from .simplify import simplify as _simplify

    return _simplify(s, tables=backend == "jax")


def compile_schedule(s: Schedule, backend: str = "jax") -> Callable[[Any], Any]:
    """``t -> value`` for ``backend``, evaluating ``simplify(s)``.

    - ``"python"``: Python numbers in, ``float`` out.
    - ``"numpy"``: numbers or arrays in, float64 arrays out.
    - ``"jax"``: numbers, arrays or tracers in, JAX arrays out; jit/vmap/grad safe.
    """
    if backend not in BACKENDS:
        raise ScheduleError(f"compile: backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    if "_unchecked" in s.__dict__:  # rebuilt by JAX from leaves: check them now
        check_leaves(s)
    node = simplify(s, backend)
    if backend == "python":
        from ._codegen import scalar_function

        fn = scalar_function(node)  # generated code; the tree-walking eval_python if it cannot
    elif backend == "numpy":
        fn = functools.partial(eval_numpy, node)
    else:
        from ._pytree import register_all

        with optional('s.compile() (backend "jax", the default)', _WITHOUT_JAX):
            import jax  # noqa: F401

        register_all()
        _check_traceable(node)
        fn = functools.partial(eval_jax, node)
    return fn


def _check_traceable(node: Schedule) -> None:
    """Trace once with an abstract count, so that a lambda written for NumPy (or a node
    that cannot be traced) fails here, clearly, and not deep inside the user's jitted step."""
    import jax
    import jax.numpy as jnp

    from .primitives import Lambda

    if not _contains(node, Lambda) and _traceable(node):
        return
    jax.eval_shape(functools.partial(eval_jax, node), jax.ShapeDtypeStruct((), jnp.int32))


def _traceable(node: Schedule) -> bool:
    """No node of the tree says it cannot be traced (``traceable = False``: tracing it
    raises the node's own clear error)."""
    return getattr(node, "traceable", True) and all(_traceable(c) for c in node.children())


def _contains(node: Schedule, cls: type) -> bool:
    return isinstance(node, cls) or any(_contains(c, cls) for c in node.children())
