"""The running product of a factor: ``start * factor(1) * factor(2) * ... * factor(t)``.

This is the one schedule in lrdsl whose value at ``t`` depends on every step
before it: PyTorch's ``MultiplicativeLR`` multiplies the lr by ``lr_lambda(k)``
at each step ``k``, for any function, so its lr after ``t`` steps is a running
product with no closed form in general. The node computes it exactly, in the
anchor's own order (``((start * f(1)) * f(2)) * ...``, one IEEE multiplication
per step, as PyTorch's recursion does), and evaluates it:

- on Python numbers and NumPy arrays, from a table of prefix products kept on
  the node and grown on demand (doubling, so evaluating at ``t`` costs ``O(t)``
  once and ``O(1)`` afterwards; a resume at ``t = 10**6`` fills the table once:
  about a millisecond for a factor made of lrdsl nodes, evaluated on NumPy
  blocks, and about 0.3 s for a ``lambda_`` of plain Python, which is called at
  each integer ``k`` exactly as PyTorch calls it; the table is grown a quarter
  beyond what is asked, so the steps after a resume find it ready). The table holds at most
  :data:`MAX_STEPS` entries; later steps are a :class:`~lrdsl.ScheduleError`.
- under JAX, as a ``lax.fori_loop`` over ``k = 1 .. floor(t)`` (a traced loop:
  ``O(t)`` per evaluation, jit- and vmap-safe; the factor must trace, so a
  ``lambda_`` that branches in Python on ``t`` is refused with a clear
  ``TypeError`` at ``compile("jax")``). In float32 the product's relative error
  grows with the number of factors, like any float32 running product.

``t`` is floored (the product has a factor per completed step); ``t < 1`` is ``start``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _checks as check
from ._node import Schedule, check_schedule, evaluate, set_fields
from ._node import node_dataclass as dataclass
from .errors import ScheduleError

__all__ = ["RunningProduct", "running_product", "MAX_STEPS"]

#: The most steps a running product tabulates on the host (a table of 2**24 float64
#: values is 128 MiB); evaluating beyond is an error, never a hang.
MAX_STEPS = 2**24
#: The first table size, and the block in which factors are evaluated.
_FIRST = 1024


@dataclass(frozen=True, repr=False, eq=False)
class RunningProduct(Schedule):
    """``start * factor(1) * factor(2) * ... * factor(floor(t))`` (``start`` for ``t < 1``).

    ``factor`` is any schedule, usually a :func:`~lrdsl.lambda_` of the step
    (register its function with :func:`lrdsl.register` to print, parse and save
    it by name).

    Anchor: ``torch.optim.lr_scheduler.MultiplicativeLR`` (``start = base_lr``,
    ``factor = lambda_(lr_lambda)``): its lr after ``t`` steps, multiplied in its
    order.

    >>> running_product(1.0, lambda_(lambda k: 0.5 if k % 2 == 0 else 1.0))(4)
    0.25
    """

    start: Any
    factor: Schedule
    _text_name = "running_product"

    def __post_init__(self) -> None:
        set_fields(
            self,
            start=check.number("running_product", "start", self.start),
            factor=check_schedule("running_product", "factor", self.factor),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        if xp.name == "jax":
            return self._eval_jax(t, xp)
        return xp.call(self._lookup, t)

    # -- Python and NumPy: a table of prefix products ---------------------------------

    def _lookup(self, t: Any) -> Any:
        """The product at ``t >= 0`` (a Python number or a NumPy array), from the table."""
        if type(t) is int or type(t) is float:
            n = int(t)  # t >= 0: int() floors it
            return float(self._table(n)[n])
        a = np.asarray(t)
        steps = (np.floor(a) if a.dtype.kind == "f" else a).astype(np.int64)
        table = self._table(int(steps.max()) if steps.size else 0)
        return table[steps]

    def _table(self, n: int) -> np.ndarray:
        """Prefix products ``p[k] = start * factor(1) * ... * factor(k)`` for ``k <= n`` at least."""
        table: np.ndarray | None = self.__dict__.get("_scalar_products")
        if table is not None and n < table.size:
            return table
        if n >= MAX_STEPS:
            raise ScheduleError(
                f"running_product: t = {n} is beyond the {MAX_STEPS:,} steps a running product"
                " tabulates; write the schedule in closed form to evaluate it this far"
            )
        have = 1 if table is None else table.size
        # Doubling, and a quarter more than asked for: a resume at step n does not grow
        # the table again at its next steps.
        size = min(max(2 * have, n + 1 + max(_FIRST, n // 4)), MAX_STEPS)
        factors = self._factors(have, size)
        first = float(self.start) if table is None else table[-1]
        grown = np.multiply.accumulate(np.concatenate(([first], factors)))  # sequential: PyTorch's order
        table = grown if table is None else np.concatenate((table, grown[1:]))
        # Kept on the node like the generated scalar code (and, like it, not pickled).
        self.__dict__["_scalar_products"] = table
        return table

    def _factors(self, lo: int, hi: int) -> np.ndarray:
        """``factor(k)`` for ``k = lo .. hi - 1``, as float64."""
        if not _has_lambda(self.factor):  # the language's own nodes: evaluated on NumPy blocks
            return np.asarray(evaluate(self.factor, np.arange(lo, hi)), dtype=np.float64)
        # A user function: called at each integer k, as PyTorch calls it.
        from .primitives import Lambda

        f = self.factor
        fn = f.fn if isinstance(f, Lambda) else f.compile("python")
        return np.fromiter((fn(k) for k in range(lo, hi)), dtype=np.float64, count=hi - lo)

    # -- JAX: a traced loop -----------------------------------------------------------------

    def _eval_jax(self, t: Any, xp: Any) -> Any:
        jax, jnp = xp.jax, xp.jnp
        t = jnp.asarray(xp.time_array(t))
        n = jnp.floor(t).astype(jnp.int32) if jnp.issubdtype(t.dtype, jnp.floating) else t
        factor = self.factor

        def body(k: Any, acc: Any) -> Any:
            value = xp.to_float(factor._eval(xp.count(jnp.asarray(k).astype(xp.itype())), xp))
            return jnp.where(k <= n, acc * jnp.asarray(value, dtype=acc.dtype), acc)

        ones = jnp.ones(jnp.shape(t), dtype=float)
        return self.start * jax.lax.fori_loop(1, jnp.max(n) + 1, body, ones)

    @property
    def duration(self) -> Any:
        return math.inf


def _has_lambda(s: Schedule) -> bool:
    from .primitives import Lambda

    return isinstance(s, Lambda) or any(_has_lambda(c) for c in s.children())


running_product = RunningProduct
