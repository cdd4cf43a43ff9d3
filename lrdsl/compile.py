"""Simplification and compilation of schedules to plain functions.

``simplify`` rewrites an expression into an equal one that is cheaper to
evaluate; ``compile_schedule`` returns ``t -> value`` for one backend.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ._node import Schedule, check_leaves, eval_jax, eval_numpy, refuse_unbound
from ._optional import optional
from .errors import ScheduleError

__all__ = ["simplify", "compile_schedule"]

BACKENDS = ("jax", "numpy", "python", "torch")


#: What ``compile()`` without JAX suggests instead.
_WITHOUT_JAX = '; or s.compile("numpy") or s.compile("python"), which need no JAX'


def simplify(s: Schedule, backend: str = "jax") -> Schedule:
    """An equal expression that is cheaper to evaluate on ``backend``."""
    from .simplify import simplify as _simplify

    refuse_unbound(s, "simplify")
    return _simplify(s, tables=backend in ("jax", "torch"))


def compile_schedule(s: Schedule, backend: str = "jax") -> Callable[[Any], Any]:
    """``t -> value`` for ``backend``, evaluating ``simplify(s)``.

    - ``"python"``: Python numbers in, ``float`` out.
    - ``"numpy"``: numbers or arrays in, float64 arrays out.
    - ``"jax"``: numbers, arrays or tracers in, JAX arrays out; jit/vmap/grad safe.
    - ``"torch"``: a tensor (or number) in, a tensor on its device out, built from
      torch ops only (``torch.compile(fullgraph=True)`` traces it into one graph; see
      :func:`lrdsl.compile.torch_function`).

    A quantised schedule (``s.round()``, ``s.floor()``, ``s.ceil()``) gives integers:
    ``int``, int64 arrays, the JAX count dtype, int64 tensors.
    """
    if backend not in BACKENDS:
        raise ScheduleError(f"compile: backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    if "_unchecked" in s.__dict__:  # rebuilt by JAX from leaves: check them now
        check_leaves(s)
    refuse_unbound(s, "compile")
    node = simplify(s, backend)
    if backend == "python":
        from ._codegen import scalar_function

        fn = scalar_function(node)  # generated code; the tree-walking eval_python if it cannot
    elif backend == "numpy":
        fn = functools.partial(eval_numpy, node)
    elif backend == "torch":
        fn = torch_function(node)
    else:
        from ._pytree import register_all

        with optional('s.compile() (backend "jax", the default)', _WITHOUT_JAX):
            import jax  # noqa: F401

        register_all()
        _check_traceable(node)
        fn = functools.partial(eval_jax, node)
    if getattr(s, "integral", False):
        from .quantize import as_integers

        return functools.partial(_integers, fn, s, as_integers)
    return fn


def _integers(fn: Callable[[Any], Any], s: Schedule, convert: Callable[[Any, Schedule], Any], t: Any) -> Any:
    return convert(fn(t), s)


def torch_function(node: Schedule) -> Callable[[Any], Any]:
    """``t -> node(t)`` from torch ops (``node`` already simplified with tables).

    ``t``: a tensor of any shape (or a Python number), integer or float, on any
    device; negative times count as 0. The result has ``t``'s shape and device, and
    its float dtype (the default dtype, :func:`torch.get_default_dtype`, for an
    integer count; float64 for a quantised schedule, whose integers it holds to
    ``2**53``); it is computed in float64 (exact integer counts to ``2**53``).
    Fails here, clearly, for a node that cannot run on torch ops (a ``lambda_``
    written with NumPy or :mod:`math`, the noise nodes, ``running_product``).
    """
    with optional('s.compile("torch")'):
        import torch

        from ._torch_ops import torch_ops

    xp = torch_ops()
    whole = torch.float64 if getattr(node, "integral", False) else None

    def schedule_at(t: Any) -> Any:
        if not isinstance(t, torch.Tensor):
            t = torch.as_tensor(t)
        if t.dtype == torch.bool or t.is_complex():
            raise TypeError(f"a schedule is evaluated at numbers, got a tensor of {t.dtype}")
        # a count gives the default dtype; a quantised value float64 (its integers to 2**53)
        out_dtype = t.dtype if t.is_floating_point() else whole if whole is not None else torch.get_default_dtype()
        time = torch.clamp(t.to(torch.float64), min=0)
        v = node._eval(time, xp)
        out = v.to(out_dtype) if isinstance(v, torch.Tensor) else torch.full_like(time, float(v), dtype=out_dtype)
        return out if out.shape == time.shape else torch.broadcast_to(out, time.shape)

    _check_torch(node, schedule_at)
    return schedule_at


def _check_torch(node: Schedule, fn: Callable[[Any], Any]) -> None:
    """Evaluate once at two times, so a node that cannot run on torch ops fails at
    ``compile("torch")``, clearly, and not inside the user's compiled step."""
    import torch

    class OnDevice(torch.Tensor):
        """A tensor that refuses to leave torch (as a traced one cannot)."""

        def _refuse(self, *args: Any, **kwargs: Any) -> Any:
            raise TypeError("a function converted a tensor to NumPy or a Python number; use torch ops")

        __array__ = __float__ = __int__ = __index__ = __bool__ = item = tolist = numpy = _refuse

    try:
        fn(torch.tensor([0, 1], dtype=torch.int64).as_subclass(OnDevice))
    except (TypeError, ValueError, RuntimeError, AttributeError, ScheduleError) as e:
        raise TypeError(f"compile('torch'): {_short(node)} cannot be evaluated with torch ops: {e}") from e


def _short(node: Schedule) -> str:
    text = repr(node)
    return text if len(text) <= 80 else text[:77] + "..."


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
