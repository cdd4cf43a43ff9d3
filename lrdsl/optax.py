"""Optax adapter: schedules as optimizer hyperparameters, their values in the state.

A schedule is already an ``optax.Schedule`` (a function of the int32 step
count), so ``optax.adamw(learning_rate=s)`` works as it is. :func:`inject`
wraps ``optax.inject_hyperparams`` so that any hyperparameter may be a
schedule and its current value is in the optimizer state, for logging.

>>> import optax, lrdsl as lr
>>> from lrdsl.optax import inject
>>> s = lr.linear(0, 1e-3, 100) >> lr.cosine(1e-3, 1e-5, 900)
>>> opt = inject(optax.adamw, learning_rate=s, weight_decay=1e-4)
>>> state = opt.init({"w": jax.numpy.zeros(3)})            # doctest: +SKIP
>>> state.hyperparams["learning_rate"]                      # s(0)  # doctest: +SKIP

Anchor: ``optax.inject_hyperparams`` (DESIGN.md section 5).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ._optional import optional

with optional("lrdsl.optax"):
    import optax  # noqa: F401  (the adapter needs it: a missing Optax is said here, on import)

from ._node import Schedule

__all__ = ["inject"]


def inject(
    optimizer_factory: Callable[..., Any],
    /,
    *,
    static_args: str | Iterable[str] = (),
    hyperparam_dtype: Any = None,
    **hyperparams: Any,
) -> Any:
    """``optax.inject_hyperparams(optimizer_factory, static_args, hyperparam_dtype)(**hyperparams)``,
    with every schedule among ``hyperparams`` compiled (``s.compile("jax")``: simplified,
    chains as table lookups).

    As in Optax, ``state.hyperparams[name]`` holds ``s(0)`` after ``init`` and, after
    ``k >= 1`` updates, ``s(k - 1)``: the value the last update used. Numbers are
    injected as they are (and may be changed in the state); other callables are
    Optax schedules. Returns an ``optax.GradientTransformationExtraArgs``.

    >>> opt = inject(optax.adam, learning_rate=lr.constant(1e-3))  # doctest: +SKIP
    """
    import optax

    values = {
        name: v.compile("jax") if isinstance(v, Schedule) else v for name, v in hyperparams.items()
    }
    factory = optax.inject_hyperparams(
        optimizer_factory, static_args=static_args, hyperparam_dtype=hyperparam_dtype
    )
    return factory(**values)
