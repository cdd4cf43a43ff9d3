"""Optax's plateau convention (``OptaxPlateau``) and the gradient transformation
(``lrdsl.optax.on_plateau``, ``lrdsl.compat.optax.reduce_on_plateau``) against
``optax.contrib.reduce_on_plateau`` itself: the same state fields and values,
bit for bit, in float32 and in float64, on random metric sequences."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrdsl as lr
from lrdsl.compat import optax as co
from lrdsl.optax import ReduceLROnPlateauState, on_plateau
from lrdsl.plateau import OptaxPlateau

from .anchors_plateau.anchors import metric_sequences, same

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
jnp = jax.numpy
from optax.contrib import reduce_on_plateau  # noqa: E402

optax_kwargs = st.fixed_dictionaries(
    {
        "factor": st.sampled_from([0.1, 0.5]) | st.floats(0.05, 0.95),
        "patience": st.integers(0, 4),
        "rtol": st.sampled_from([1e-4, 0.1, 1.0]) | st.floats(0.0, 1.0),
        "atol": st.sampled_from([0.0, 1e-3, 0.1]),
        "cooldown": st.integers(0, 3),
        "accumulation_size": st.integers(1, 3),
        "min_scale": st.sampled_from([0.0, 0.01, 0.2]),
    }
).filter(lambda kw: kw["rtol"] > 0 or kw["atol"] > 0)

FIELDS = ("scale", "best_value", "plateau_count", "cooldown_count", "count", "avg_value")


def run(tx: Any, params: Any, metrics: list[float], dtype: Any) -> list[tuple[Any, Any]]:
    """``(updates, state)`` after each metric, the updates being the params (as gradients):
    one jitted ``lax.scan`` over the metrics (Optax's ``lax.cond`` would compile anew at
    every eager call)."""

    def body(state: Any, m: Any) -> Any:
        updates, state = tx.update(params, state, params, value=m)
        return state, (updates, state)

    _, (updates, states) = jax.jit(lambda ms: jax.lax.scan(body, tx.init(params), ms))(
        jnp.asarray(metrics, dtype)
    )
    return [
        (jax.tree.map(lambda x, i=i: x[i], updates), jax.tree.map(lambda x, i=i: x[i], states))
        for i in range(len(metrics))
    ]


def assert_same_states(ours: Any, theirs: Any) -> None:
    for name in FIELDS:
        a, b = getattr(ours, name), getattr(theirs, name)
        assert a.dtype == b.dtype, name
        assert same(float(a), float(b)), (name, float(a), float(b))


@pytest.mark.parametrize("x64", [False, True], ids=["float32", "float64"])
@settings(deadline=None, max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(kwargs=optax_kwargs, metrics=metric_sequences(max_size=20))
def test_reduce_on_plateau_equals_optax_bit_for_bit(
    x64: bool, kwargs: dict[str, Any], metrics: list[float]
) -> None:
    with jax.enable_x64(x64):
        dtype = jnp.float64 if x64 else jnp.float32
        params = {"w": jnp.asarray([1.0, -2.0], dtype)}
        expected = run(reduce_on_plateau(**kwargs), params, metrics, dtype)
        got = run(co.reduce_on_plateau(**kwargs), params, metrics, dtype)
    for (u_ours, s_ours), (u_theirs, s_theirs) in zip(got, expected):
        assert_same_states(s_ours, s_theirs)
        np.testing.assert_array_equal(u_ours["w"], u_theirs["w"])
    if x64:  # the state machine on Python floats gives the same states
        p = OptaxPlateau(**kwargs)
        state = p.init()
        for m, (_, theirs) in zip(metrics, expected):
            state = p.update(state, m)
            assert all(same(state[k], float(getattr(theirs, k))) for k in FIELDS), (state, theirs)


def test_update_under_jit_equals_optax() -> None:
    kwargs = {"factor": 0.5, "patience": 2, "cooldown": 1, "accumulation_size": 2, "min_scale": 0.1}
    params = {"w": jnp.ones(3)}
    ours, theirs = co.reduce_on_plateau(**kwargs), reduce_on_plateau(**kwargs)
    step_ours = jax.jit(lambda s, v: ours.update(params, s, params, value=v))
    step_theirs = jax.jit(lambda s, v: theirs.update(params, s, params, value=v))
    s_ours, s_theirs = ours.init(params), theirs.init(params)
    for m in [3.0, 2.0, 2.0, 2.5, 2.5, 2.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]:
        (u_ours, s_ours), (u_theirs, s_theirs) = step_ours(s_ours, m), step_theirs(s_theirs, m)
        assert_same_states(s_ours, s_theirs)
        np.testing.assert_array_equal(u_ours["w"], u_theirs["w"])
    assert float(s_ours.scale) < 1.0


def test_state_has_optax_fields_in_optax_order() -> None:
    from optax.contrib import ReduceLROnPlateauState as OptaxState

    assert ReduceLROnPlateauState._fields == OptaxState._fields
    state = co.reduce_on_plateau().init({"w": jnp.zeros(2)})
    assert isinstance(state, ReduceLROnPlateauState)
    assert [str(x.dtype) for x in state] == ["float32", "float32", "int32", "int32", "int32", "float32"]


def test_state_dtypes_follow_the_params_as_in_optax() -> None:
    params = {"a": jnp.zeros(2, jnp.bfloat16), "b": jnp.zeros(2, jnp.float32)}
    ours, theirs = co.reduce_on_plateau().init(params), reduce_on_plateau().init(params)
    assert [x.dtype for x in ours] == [x.dtype for x in theirs]


def test_training_in_a_chain_with_adam_equals_optax() -> None:
    def loss(w: Any) -> Any:
        return jnp.sum((w - 3.0) ** 2)

    def train(plateau: Any) -> Any:
        tx = optax.chain(optax.adam(0.5), plateau)

        def step(carry: Any, _: Any) -> Any:
            w, state = carry
            value, g = jax.value_and_grad(loss)(w)
            updates, state = tx.update(g, state, w, value=value)
            return (optax.apply_updates(w, updates), state), None

        w0 = jnp.zeros(2)
        (w, state), _ = jax.jit(lambda: jax.lax.scan(step, (w0, tx.init(w0)), length=40))()
        return w, state[1]

    kwargs = {"factor": 0.5, "patience": 2, "rtol": 0.1}
    (w_ours, s_ours), (w_theirs, s_theirs) = (
        train(co.reduce_on_plateau(**kwargs)),
        train(reduce_on_plateau(**kwargs)),
    )
    np.testing.assert_array_equal(w_ours, w_theirs)
    assert_same_states(s_ours, s_theirs)
    assert float(s_ours.scale) < 1.0


def test_negative_metric_that_worsens_within_rtol_counts_as_an_improvement_as_in_optax() -> None:
    # Optax 0.2.8: avg < (1 - rtol) * best - atol; for best = -10 the bar is -9.999, so
    # -9.9995 (worse, in a minimisation) "improves".
    with jax.enable_x64(True):
        _, state = run(reduce_on_plateau(rtol=1e-4), jnp.zeros(()), [-10.0, -9.9995], jnp.float64)[-1]
    p = OptaxPlateau(rtol=1e-4)
    ours = p.update(p.update(p.init(), -10.0), -9.9995)
    assert ours["best_value"] == float(state.best_value) == -9.9995
    assert ours["plateau_count"] == int(state.plateau_count) == 0


def test_patience_zero_reduces_on_every_improvement_as_in_optax() -> None:
    p = OptaxPlateau(patience=0, factor=0.5)
    state = p.init()
    for m in [3.0, 2.0, 2.0, 1.0]:
        state = p.update(state, m)
    assert state["scale"] == 0.125


def test_counters_saturate_at_the_int32_maximum() -> None:
    p = OptaxPlateau(patience=5, accumulation_size=0)  # a mean that is never judged
    state = p.update({**p.init(), "count": 2**31 - 1}, 1.0)
    assert state["count"] == 2**31 - 1


def test_other_conventions_drive_the_transformation_with_their_dict_state() -> None:
    tx = on_plateau(lr.on_plateau(patience=0, factor=0.5))
    params = {"w": jnp.ones(2)}
    state = tx.init(params)
    assert set(state) == {"scale", "best", "num_bad_epochs", "cooldown_counter"}
    for m in [1.0, 2.0, 3.0]:
        updates, state = tx.update(params, state, params, value=m)
    np.testing.assert_array_equal(updates["w"], [0.25, 0.25])


def test_on_plateau_refuses_what_is_not_a_plateau() -> None:
    with pytest.raises(TypeError, match=r"^on_plateau: plateau must be a lrdsl.plateau.Plateau, got float$"):
        on_plateau(0.1)  # type: ignore[arg-type]


def test_compat_reduce_on_plateau_keeps_optax_checks() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        co.reduce_on_plateau(factor=1.0)
    assert str(e.value) == "OptaxPlateau: factor must be in (0, 1) (Optax's rule), got 1.0"
    assert math.isinf(float(co.reduce_on_plateau().init(jnp.zeros(1)).best_value))


def test_compat_reduce_on_plateau_takes_concrete_jax_scalars_as_optax_does() -> None:
    kwargs = {"patience": jnp.asarray(3), "cooldown": jnp.asarray(1), "min_scale": jnp.asarray(0.25)}
    ours, theirs = co.reduce_on_plateau(**kwargs), reduce_on_plateau(**kwargs)
    expected = run(theirs, jnp.zeros(()), [1.0] * 12, jnp.float32)
    for (_, s_ours), (_, s_theirs) in zip(run(ours, jnp.zeros(()), [1.0] * 12, jnp.float32), expected):
        assert_same_states(s_ours, s_theirs)
