"""Optax's own ``reduce_on_plateau`` tests (``optax/contrib/_reduce_on_plateau_test.py``,
``ReduceLROnPlateauTest``, each run with x64 off and on), ported to
``lrdsl.compat.optax.reduce_on_plateau``, at their tolerance
(``test_utils.assert_trees_all_close``: ``rtol=1e-6``, ``atol=0``, numpy's
``assert_allclose`` on each leaf).

The anchor's transformation (``setUp``): ``factor=0.1, patience=5, rtol=1e-4,
atol=0.0, cooldown=5, accumulation_size=1, min_scale=0.01``, updates
``{"params": 1.0}``. Its hand-made states are ``ReduceLROnPlateauState``s; here,
lrdsl's state type with the same fields.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lrdsl.compat import optax as co
from lrdsl.optax import ReduceLROnPlateauState

jax = pytest.importorskip("jax")
jnp = jax.numpy

PATIENCE = 5
COOLDOWN = 5


def close(actual: Any, desired: Any) -> None:
    """Optax's ``assert_trees_all_close`` default: ``rtol=1e-6``, ``atol=0``."""
    np.testing.assert_allclose(np.asarray(actual), np.asarray(desired), rtol=1e-6, atol=0)


def transform() -> Any:
    return co.reduce_on_plateau(
        factor=0.1,
        patience=PATIENCE,
        rtol=1e-4,
        atol=0.0,
        cooldown=COOLDOWN,
        accumulation_size=1,
        min_scale=0.01,
    )


def state(*, scale: float, plateau_count: int, cooldown_count: int) -> ReduceLROnPlateauState:
    return ReduceLROnPlateauState(
        best_value=jnp.array(1.0),
        plateau_count=jnp.array(plateau_count, dtype=jnp.int32),
        scale=jnp.array(scale),
        cooldown_count=jnp.array(cooldown_count, dtype=jnp.int32),
        count=jnp.array(0, dtype=jnp.int32),
        avg_value=jnp.array(0.0),
    )


UPDATES = {"params": 1.0}


@pytest.mark.parametrize("enable_x64", [False, True])
def test_learning_rate_reduced_after_cooldown_period_is_over(enable_x64: bool) -> None:
    """Ports test_learning_rate_reduced_after_cooldown_period_is_over."""
    with jax.enable_x64(enable_x64):
        tx = transform()
        updates = {"params": jnp.array(1.0)}
        s = tx.init(updates["params"])
        for _ in range(PATIENCE + 1):
            updates, s = tx.update(
                updates={"params": jnp.array(1.0)}, state=s, value=jnp.asarray(1.0, dtype=float)
            )
        scale, best_value, plateau_count, cooldown_count, *_ = s
        close(scale, 0.1)
        close(best_value, 1.0)
        close(plateau_count, 0)
        close(cooldown_count, COOLDOWN)
        close(updates["params"], 0.1)

        _, s = tx.update(updates=updates, state=s, value=jnp.asarray(1.0, dtype=float))
        scale, best_value, plateau_count, cooldown_count, *_ = s
        close(scale, 0.1)
        close(best_value, 1.0)
        close(plateau_count, 0)
        close(cooldown_count, COOLDOWN - 1)


@pytest.mark.parametrize("enable_x64", [False, True])
def test_learning_rate_is_not_reduced(enable_x64: bool) -> None:
    """Ports test_learning_rate_is_not_reduced: a new best value resets the plateau count."""
    with jax.enable_x64(enable_x64):
        _, s = transform().update(
            updates=UPDATES,
            state=state(scale=0.1, plateau_count=3, cooldown_count=0),
            value=jnp.asarray(0.1, float),
        )
        scale, best_value, plateau_count, *_ = s
        close(plateau_count, 0)
        close(scale, 0.1)
        close(best_value, 0.1)


@pytest.mark.parametrize("enable_x64", [False, True])
def test_learning_rate_not_reduced_during_cooldown(enable_x64: bool) -> None:
    """Ports test_learning_rate_not_reduced_during_cooldown."""
    with jax.enable_x64(enable_x64):
        _, s = transform().update(
            updates=UPDATES,
            state=state(scale=0.1, plateau_count=0, cooldown_count=3),
            value=jnp.asarray(2.0, float),
        )
        scale, best_value, plateau_count, cooldown_count, *_ = s
        close(scale, 0.1)
        close(best_value, 1.0)
        close(plateau_count, 0)
        close(cooldown_count, 2)


@pytest.mark.parametrize("enable_x64", [False, True])
def test_learning_rate_not_reduced_after_end_scale_is_reached(enable_x64: bool) -> None:
    """Ports test_learning_rate_not_reduced_after_end_scale_is_reached: at min_scale the
    scale stays, though the cooldown restarts."""
    with jax.enable_x64(enable_x64):
        tx = transform()
        s = state(scale=0.01, plateau_count=0, cooldown_count=0)
        updates: Any = UPDATES
        for _ in range(PATIENCE + 1):
            updates, s = tx.update(updates=UPDATES, state=s, value=0.1)
        scale, best_value, plateau_count, cooldown_count, *_ = s
        close(scale, 0.01)
        close(best_value, 0.1)
        close(plateau_count, 0)
        close(cooldown_count, COOLDOWN)
        close(updates["params"], 0.01)
