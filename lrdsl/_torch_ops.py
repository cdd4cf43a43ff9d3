"""The PyTorch namespace: node formulas as torch ops, traceable by ``torch.compile``.

``s.compile("torch")`` evaluates the simplified tree (the simplifier's tables, as
for JAX) against :data:`TORCH`: every operation is a torch op on tensors of the
time's device, with no ``.item()``, no Python branch on a value and no host
synchronisation, so ``torch.compile(fullgraph=True)`` of a function of the step
tensor gives one graph, and a CUDA graph can capture it.

Times and values are float64 tensors inside (whatever the input: an int64 count
is exact up to ``2**53`` there, and the comparisons ``t < boundary`` with plain
bounds are exact as float64); the compiled function returns its input's float
dtype, or the default dtype (:func:`torch.get_default_dtype`) for an integer
count. Plain numbers meet tensors as Python scalars (no int64 tensor ever meets
a float, whose promotion would give the default dtype, float32). As in
:mod:`lrdsl._ops`: ``t`` arrives clamped to ``t >= 0``; ``switch`` evaluates every
branch and selects (branch-free); ``searchsorted`` and ``take`` read float64
tables cached per device.

Operations of two plain numbers are ``PY``'s (exact, folded at trace time).
Not every node runs here: a ``lambda_`` must be written with operators or torch
functions (not NumPy or :mod:`math`), and the noise nodes and ``running_product``
(tables computed on the host) are refused by ``compile("torch")``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ._ops import PY, geometric_start, is_plain
from ._tables import float_table, table, wide

__all__ = ["Torch", "TORCH", "torch_ops"]

Branch = Callable[[int, Any], Any]


class Torch:
    """The PyTorch namespace (see the module docstring)."""

    name = "torch"

    def __init__(self) -> None:
        import torch

        self.torch = torch
        self.f64 = torch.float64
        self._tables: dict[tuple[Any, ...], Any] = {}
        global _constant_table
        _constant_table = torch._dynamo.assume_constant_result(_constant_table)

    # -- conversions -------------------------------------------------------------------

    def _plain(self, x: Any) -> Any:
        """A plain number as torch takes it (an int beyond int64 as a float: ``+-inf``
        beyond the floats)."""
        return wide(x) if type(x) is int and not -(2**63) <= x < 2**63 else x

    def _both(self, a: Any, b: Any) -> tuple[Any, Any]:
        """Two operands of which at least one is a tensor, plain numbers as scalars; an
        integer tensor (an index) meeting a float becomes float64 (torch would promote
        it to the default dtype, float32)."""
        T = self.torch.Tensor
        ta, tb = isinstance(a, T), isinstance(b, T)
        a = a if ta else self._plain(a)
        b = b if tb else self._plain(b)
        if _floaty(a) or _floaty(b):
            if ta and not a.is_floating_point():
                a = a.to(self.f64)
            if tb and not b.is_floating_point():
                b = b.to(self.f64)
        if not ta and not tb:
            a = self._tensor(a, None)
        elif not ta and type(a) is int and b.dtype == self.f64 and not -(2**53) <= a <= 2**53:
            a = float(a)
        return a, b

    def _tensor(self, x: Any, like: Any) -> Any:
        """``x`` as a float64 tensor on ``like``'s device."""
        torch = self.torch
        if isinstance(x, torch.Tensor):
            return x if x.dtype == self.f64 else x.to(self.f64)
        device = like.device if isinstance(like, torch.Tensor) else None
        return torch.as_tensor(self._plain(x), dtype=self.f64, device=device)


    def _table(self, values: Sequence[Any], like: Any) -> Any:
        """A float64 tensor of plain ``values`` on ``like``'s device (cached)."""
        torch = self.torch
        device = like.device if isinstance(like, torch.Tensor) else None
        if torch.compiler.is_compiling():  # a constant of the graph, built outside it
            return _constant_table(tuple(values), device)
        key = (id(values), str(device))
        hit = self._tables.get(key)
        if hit is not None and hit[0] is values:
            return hit[1]
        arr = self.torch.as_tensor(table(values, "float", lambda: float_table(values)), device=device)
        if len(self._tables) > 4096:
            self._tables.clear()
        self._tables[key] = (values, arr)
        return arr

    @staticmethod
    def _all_plain(*xs: Any) -> bool:
        return all(is_plain(x) or isinstance(x, bool) for x in xs)

    # -- the namespace: times and values -------------------------------------------------

    def zero(self, t: Any) -> Any:
        return self.torch.zeros_like(self._tensor(t, t)) if isinstance(t, self.torch.Tensor) else 0

    def where(self, c: Any, a: Any, b: Any) -> Any:
        torch = self.torch
        if not isinstance(c, torch.Tensor):
            return a if c else b
        if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
            a = self._tensor(a, c)
        a, b = self._both(a, b)
        return torch.where(c, a, b)

    def minimum(self, a: Any, b: Any) -> Any:
        return self._minmax(a, b, PY.minimum, self.torch.minimum, "max")

    def maximum(self, a: Any, b: Any) -> Any:
        return self._minmax(a, b, PY.maximum, self.torch.maximum, "min")

    def _minmax(self, a: Any, b: Any, py: Callable[..., Any], op: Callable[..., Any], bound: str) -> Any:
        torch = self.torch
        ta, tb = isinstance(a, torch.Tensor), isinstance(b, torch.Tensor)
        if not ta and not tb:
            return py(a, b)
        a, b = self._both(a, b)
        if ta and tb:
            return op(a, b)
        x, c = (a, b) if ta else (b, a)
        if c != c:  # NaN: NumPy's minimum propagates it
            return torch.full_like(self._tensor(x, x), math.nan)
        return torch.clamp(x, **{bound: c})

    def clip(self, x: Any, lo: Any, hi: Any) -> Any:
        return self.minimum(self.maximum(x, lo), hi)

    def _compare(self, a: Any, b: Any, py: Callable[..., Any], op: Callable[..., Any]) -> Any:
        if self._all_plain(a, b):
            return py(a, b)
        a, b = self._both(a, b)
        return op(a, b) if isinstance(a, self.torch.Tensor) else op(self._tensor(a, b), b)

    def lt(self, a: Any, b: Any) -> Any:
        return self._compare(a, b, PY.lt, self.torch.lt)

    def le(self, a: Any, b: Any) -> Any:
        return self._compare(a, b, PY.le, self.torch.le)

    def gt(self, a: Any, b: Any) -> Any:
        return self._compare(a, b, PY.gt, self.torch.gt)

    def ge(self, a: Any, b: Any) -> Any:
        return self._compare(a, b, PY.ge, self.torch.ge)

    def _arith(self, a: Any, b: Any, py: Callable[..., Any], op: Callable[..., Any]) -> Any:
        if self._all_plain(a, b):
            return py(a, b)
        a, b = self._both(a, b)
        return op(a, b) if isinstance(a, self.torch.Tensor) else op(self._tensor(a, b), b)

    def sub(self, a: Any, b: Any) -> Any:
        return self._arith(a, b, PY.sub, self.torch.sub)

    def add(self, a: Any, b: Any) -> Any:
        return self._arith(a, b, PY.add, self.torch.add)

    def div(self, a: Any, b: Any) -> Any:
        return self._arith(a, b, PY.div, self.torch.true_divide)

    time_div = div

    def floordiv(self, a: Any, b: Any) -> Any:
        return self._arith(a, b, PY.floordiv, self.torch.floor_divide)

    def mod(self, a: Any, b: Any) -> Any:
        return self._arith(a, b, PY.mod, self.torch.remainder)

    def pow(self, a: Any, b: Any) -> Any:
        if self._all_plain(a, b):
            return PY.pow(a, b)
        like = b if isinstance(b, self.torch.Tensor) else a
        return self.torch.pow(self._tensor(a, like), b if isinstance(b, self.torch.Tensor) else self._plain(b))

    def _unary(self, name: str, x: Any) -> Any:
        if not isinstance(x, self.torch.Tensor):
            return getattr(PY, name)(x)
        return getattr(self.torch, name)(self._tensor(x, x))

    def exp(self, x: Any) -> Any:
        return self._unary("exp", x)

    def log(self, x: Any) -> Any:
        return self._unary("log", x)

    def log1p(self, x: Any) -> Any:
        return self._unary("log1p", x)

    def expm1(self, x: Any) -> Any:
        return self._unary("expm1", x)

    def sin(self, x: Any) -> Any:
        return self._unary("sin", x)

    def cos(self, x: Any) -> Any:
        return self._unary("cos", x)

    def tanh(self, x: Any) -> Any:
        return self._unary("tanh", x)

    def sqrt(self, x: Any) -> Any:
        return self._unary("sqrt", x)

    def pow_steps(self, gamma: Any, t: Any, every: Any, floor: bool, scale: Any = 1) -> Any:
        """``scale * gamma ** (t / every)`` (``floor(t / every)`` if ``floor``)."""
        return scale * self.pow(gamma, self.floordiv(t, every) if floor else self.div(t, every))

    def geometric(self, p: Any, m: Any, j: Any, like: Any = None) -> Any:
        """Where cycle ``j`` begins (see :func:`lrdsl._ops.geometric_start`)."""
        return geometric_start(self, p, m, j)

    def searchsorted(self, bounds: Sequence[Any], t: Any) -> Any:
        """The number of ``bounds`` that are ``<= t`` (``bounds`` non-decreasing)."""
        torch = self.torch
        if not isinstance(t, torch.Tensor):
            if all(is_plain(b) for b in bounds):
                return PY.searchsorted(bounds, t)
            t = self._tensor(t, next(b for b in bounds if isinstance(b, torch.Tensor)))
        t = self._tensor(t, t)
        if len(bounds) == 0:
            return torch.zeros_like(t, dtype=torch.int64)
        if all(is_plain(b) for b in bounds):
            arr = self._table(bounds, t)
        else:
            arr = torch.stack([self._tensor(b, t).reshape(()) for b in bounds])
        return torch.searchsorted(arr, t.contiguous(), right=True)

    def take(self, values: Sequence[Any], i: Any, like: Any = None) -> Any:
        """``values[i]``."""
        torch = self.torch
        if not isinstance(i, torch.Tensor):
            return values[int(i)]
        i = i if i.dtype == torch.int64 else i.to(torch.int64)
        if all(is_plain(v) for v in values):
            return self._table(values, i)[i]
        arr = torch.stack([torch.broadcast_to(self._tensor(v, i), i.shape) for v in values])
        return torch.gather(arr, 0, i.unsqueeze(0)).squeeze(0)

    def switch(self, i: Any, n: int, branch: Branch, t: Any) -> Any:
        """Every branch evaluated, the one at ``i`` selected (branch-free)."""
        if not isinstance(i, self.torch.Tensor):
            return branch(int(i), t)
        out = branch(n - 1, t)
        for k in range(n - 2, -1, -1):
            out = self.where(i == k, branch(k, t), out)
        return out

    def call(self, fn: Callable[[Any], Any], t: Any) -> Any:
        out = fn(t)
        if not (isinstance(out, self.torch.Tensor) or is_plain(out)):
            raise TypeError(
                f"{getattr(fn, '__qualname__', repr(fn))} returned {type(out).__name__}, not a torch"
                " tensor: under compile('torch') a function must use operators or torch functions"
                " (not numpy or math)"
            )
        return out


def _constant_table(values: tuple[Any, ...], device: Any) -> Any:
    import torch

    return torch.as_tensor(table(values, "float", lambda: float_table(values)), device=device)


def _floaty(x: Any) -> bool:
    """A float: a plain one, or a floating tensor."""
    return type(x) is float or (hasattr(x, "is_floating_point") and x.is_floating_point())


_TORCH: Torch | None = None


def torch_ops() -> Torch:
    """The torch namespace, built (and torch imported) on first use."""
    global _TORCH
    if _TORCH is None:
        _TORCH = Torch()
    return _TORCH


TORCH = torch_ops
