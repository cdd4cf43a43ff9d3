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

:func:`on_plateau` is the gradient transformation of a reduce-on-plateau rule
(:mod:`lrdsl.plateau`): the updates times its scale, the metric passed as
``value`` (anchor: ``optax.contrib.reduce_on_plateau``)::

    opt = optax.chain(optax.adam(s), on_plateau(OptaxPlateau(patience=5)))
    updates, state = opt.update(grads, state, params, value=loss)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from ._optional import optional

with optional("lrdsl.optax"):
    import optax  # noqa: F401  (the adapter needs it: a missing Optax is said here, on import)

from ._node import Schedule
from .plateau import OptaxPlateau, Plateau

__all__ = ["inject", "on_plateau", "ReduceLROnPlateauState"]


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

    values = {name: v.compile("jax") if isinstance(v, Schedule) else v for name, v in hyperparams.items()}
    factory = optax.inject_hyperparams(
        optimizer_factory, static_args=static_args, hyperparam_dtype=hyperparam_dtype
    )
    return factory(**values)


# ----------------------------------------------------------------------------
# Reduce on plateau: a gradient transformation driven by a metric.


class ReduceLROnPlateauState(NamedTuple):
    """The state of :func:`on_plateau` for an :class:`~lrdsl.plateau.OptaxPlateau`:
    Optax's ``ReduceLROnPlateauState`` fields, in Optax's order (so ``state.scale``
    and ``scale, best_value, plateau_count, cooldown_count, *_ = state`` read as
    they do with ``optax.contrib.reduce_on_plateau``)."""

    scale: Any
    best_value: Any
    plateau_count: Any
    cooldown_count: Any
    count: Any
    avg_value: Any


def on_plateau(plateau: Plateau) -> Any:
    """An Optax gradient transformation that multiplies the updates by
    ``plateau``'s scale, updated by the metric passed as ``value``:
    ``tx.update(updates, state, params, value=loss)``.

    ``init(params)`` gives :meth:`Plateau.init` on JAX, with Optax's dtypes: the
    scale in the lowest float dtype of ``params``, the other floats in the
    highest, counters int32. The state is a :class:`ReduceLROnPlateauState` for an
    :class:`~lrdsl.plateau.OptaxPlateau` (exactly ``optax.contrib.reduce_on_plateau``'s
    state and values, in float32 and in float64), else the plateau's dict. The
    update is the plateau's state machine, then ``updates * scale``; its
    floors compare the scale (the transformation does not know the lr). Works
    under ``jax.jit`` and in ``optax.chain`` (which passes ``value`` on).
    Returns an ``optax.GradientTransformationExtraArgs``.

    >>> tx = optax.chain(optax.adam(1e-3), on_plateau(OptaxPlateau(patience=5)))  # doctest: +SKIP
    """
    import jax
    import optax

    if not isinstance(plateau, Plateau):
        raise TypeError(f"on_plateau: plateau must be a lrdsl.plateau.Plateau, got {type(plateau).__name__}")
    named = isinstance(plateau, OptaxPlateau)

    def wrap(state: dict[str, Any]) -> Any:
        return ReduceLROnPlateauState(**state) if named else state

    def unwrap(state: Any) -> dict[str, Any]:
        return state._asdict() if isinstance(state, ReduceLROnPlateauState) else state

    def init_fn(params: Any) -> Any:
        return wrap(
            plateau.init(
                "jax", dtype=_tree_dtype(params, "highest"), scale_dtype=_tree_dtype(params, "lowest")
            )
        )

    def update_fn(updates: Any, state: Any, params: Any = None, *, value: Any, **extra_args: Any) -> Any:
        del params, extra_args
        new = plateau.update(unwrap(state), value)
        scale = new["scale"]
        return jax.tree.map(lambda g: scale * g, updates), wrap(new)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def _tree_dtype(params: Any, which: str) -> Any:
    """Optax's ``tree.dtype(params, which)`` (``tree_utils.tree_dtype`` before optax 0.2.5)."""
    import optax

    tree = getattr(optax, "tree", None)
    if tree is not None and hasattr(tree, "dtype"):
        return tree.dtype(params, which)
    return optax.tree_utils.tree_dtype(params, which)
