"""Reduce-on-plateau as a pure function (``lrdsl.plateau``): its meaning, its state as
data, JAX, errors, and each convention against the real anchor (PyTorch, Keras,
timm, Hugging Face) on random metric sequences. Optax's convention and its
gradient transformation: ``tests/test_plateau_optax.py``."""

from __future__ import annotations

import doctest
import functools
import importlib
import json
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrdsl as lr
import lrdsl.plateau as lp
from lrdsl.compat import hf as chf
from lrdsl.compat import keras as ck
from lrdsl.compat import timm as cm
from lrdsl.compat import torch as ct
from lrdsl.plateau import KerasPlateau, OptaxPlateau, PlateauSchedule, TorchPlateau

from .anchors_plateau.anchors import keras, metric_sequences, replay, same, timm_plateau_scheduler, torch_lrs

torch = pytest.importorskip("torch")

# ----------------------------------------------------------------------------
# Strategies.

torch_kwargs = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(["min", "max"]),
        "factor": st.sampled_from([0.1, 0.5]) | st.floats(0.05, 0.95),
        "patience": st.integers(0, 4),
        "threshold": st.sampled_from([0.0, 1e-4, 0.01, 0.1]) | st.floats(0.0, 0.5),
        "threshold_mode": st.sampled_from(["rel", "abs"]),
        "cooldown": st.integers(0, 3),
        "min_lr": st.sampled_from([0.0, 1e-4, 0.003]) | st.floats(0.0, 0.05),
        "eps": st.sampled_from([1e-8, 0.0, 1e-3]),
    }
)
keras_kwargs = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(["min", "max"]),
        "factor": st.sampled_from([0.1, 0.5]) | st.floats(0.05, 0.95),
        "patience": st.integers(0, 4),
        "min_delta": st.sampled_from([0.0, 1e-4, 0.1, -0.1]) | st.floats(-0.5, 0.5),
        "cooldown": st.integers(0, 3),
        "min_lr": st.sampled_from([0.0, 1e-3, 0.01, 0.3, 0.7]) | st.floats(0.0, 0.5),
    }
)
base_lrs = st.sampled_from([0.1, 1.0, 0.5]) | st.floats(1e-4, 1.0)
RTOL = 1e-12


def assert_lrs(got: list[float], expected: list[float]) -> None:
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)


def jsonable(state: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(state, allow_nan=False))


# ----------------------------------------------------------------------------
# The meaning of a plateau and of a schedule times a plateau.


def test_plateau_alone_reduces_its_scale_after_patience_bad_metrics() -> None:
    p = lr.on_plateau(factor=0.5, patience=1)
    state = p.init()
    for loss in [1.0, 0.9, 0.95]:
        state = p.update(state, loss)
        assert p.scale(state) == 1.0
    assert p.scale(p.update(state, 0.97)) == 0.5


def test_update_leaves_its_argument_unchanged() -> None:
    p = lr.on_plateau(patience=0)
    state = p.init()
    before = dict(state)
    p.update(state, 1.0)
    assert state == before


def test_initial_state_holds_the_anchor_fields() -> None:
    assert lr.on_plateau().init() == {
        "scale": 1.0,
        "best": math.inf,
        "num_bad_epochs": 0,
        "cooldown_counter": 0,
    }
    assert lr.on_plateau(mode="max").init()["best"] == -math.inf
    assert OptaxPlateau().init() == {
        "scale": 1.0,
        "best_value": math.inf,
        "plateau_count": 0,
        "cooldown_count": 0,
        "count": 0,
        "avg_value": 0.0,
    }
    assert KerasPlateau().init() == {
        "scale": 1.0,
        "best": 0.0,
        "has_best": 0,
        "wait": 0,
        "cooldown_counter": 0,
    }


def test_schedule_times_plateau_is_schedule_value_times_scale() -> None:
    s = lr.warmup(lr.cosine(1e-3, 1e-5, 100), 10)
    ps = s * lr.on_plateau(factor=0.5, patience=0)
    state = ps.init()
    for t, loss in enumerate([1.0, 2.0, 3.0]):
        state = ps.update(state, loss, t)
    assert ps.scale(state) == 0.25
    t = np.arange(200)
    np.testing.assert_array_equal(ps(t, state), s(t) * 0.25)
    assert ps(50, state) == s(50) * 0.25


def test_min_lr_floors_the_lr_at_each_reduction_not_the_schedule_after_it() -> None:
    ps = lr.linear(1.0, 0.0, 100) * lr.on_plateau(factor=0.1, patience=0, min_lr=0.05)
    state = ps.init()
    for t, loss in enumerate([1.0, 2.0, 2.0, 2.0]):
        state = ps.update(state, loss, t)
    # reductions at t = 1 (lr 0.99 -> 0.099) and t = 2 (0.0980... -> floor 0.05); at t = 3 the
    # lr 0.97 * 0.05 / 0.98 is already below the floor, so nothing moves it
    assert ps(3, state) == pytest.approx(0.05 * 0.97 / 0.98, rel=RTOL)
    assert ps(90, state) == pytest.approx(0.05 * 0.10 / 0.98, rel=RTOL)


def test_optax_min_scale_floors_the_scale_whatever_the_schedule() -> None:
    ps = lr.constant(3.0) * OptaxPlateau(factor=0.5, patience=1, min_scale=0.2)
    state = ps.init()
    for t, loss in enumerate([1.0] * 10):
        state = ps.update(state, loss, t)
    assert ps.scale(state) == 0.2
    assert ps(0, state) == pytest.approx(0.6, rel=RTOL)


def test_metrics_before_start_leave_the_state_as_it_is() -> None:
    ps = PlateauSchedule(lr.constant(1.0), lr.on_plateau(patience=0), start=3)
    state = ps.init()
    for t in range(3):
        state = ps.update(state, 10.0 + t, t)
    assert state == ps.init()
    assert ps.update(state, 5.0, 3)["best"] == 5.0


def test_numbers_and_schedules_multiply_a_plateau_schedule() -> None:
    p = lr.on_plateau()
    assert 0.1 * p == p * 0.1 == lr.constant(0.1) * p == PlateauSchedule(lr.constant(0.1), p)
    assert 2 * (lr.cosine(1, 0, 10) * p) == PlateauSchedule(2 * lr.cosine(1, 0, 10), p)
    assert np.float64(0.5) * p == PlateauSchedule(lr.constant(0.5), p)


def test_plateau_times_plateau_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="unsupported operand"):
        lr.on_plateau() * lr.on_plateau()
    with pytest.raises(TypeError, match="unsupported operand"):
        (0.1 * lr.on_plateau()) * lr.on_plateau()


def test_plateaus_print_as_their_constructor_calls() -> None:
    assert repr(lr.on_plateau(patience=5, factor=0.5)) == "TorchPlateau(factor=0.5, patience=5)"
    assert repr(lr.cosine(1e-3, 0, 100) * OptaxPlateau(rtol=0.0, atol=0.01)) == (
        "cosine(0.001, 0, 100) * OptaxPlateau(rtol=0.0, atol=0.01)"
    )
    assert repr((lr.constant(1) + lr.linear(0, 1, 5)) * KerasPlateau()) == (
        "(constant(1) + linear(0, 1, 5)) * KerasPlateau()"
    )
    assert repr(PlateauSchedule(lr.constant(0.1), lr.on_plateau(), start=4)) == (
        "PlateauSchedule(constant(0.1), TorchPlateau(), start=4)"
    )


@pytest.mark.parametrize(
    "obj",
    [
        lr.on_plateau(mode="max", threshold_mode="abs", min_lr=1e-5),
        OptaxPlateau(accumulation_size=4, min_scale=0.01),
        KerasPlateau(min_delta=-0.5, cooldown=2),
        lr.warmup(lr.cosine(1e-3, 0, 50), 5) * lr.on_plateau(patience=2),
        PlateauSchedule(lr.constant(0.1), KerasPlateau(), start=3),
    ],
    ids=repr,
)
def test_plateaus_round_trip_through_json(obj: Any) -> None:
    doc = json.loads(json.dumps(obj.to_dict(), allow_nan=False))
    assert lp.from_dict(doc) == obj


@pytest.mark.parametrize(
    "p",
    [lr.on_plateau(patience=1), OptaxPlateau(patience=1, accumulation_size=2), KerasPlateau(patience=1)],
    ids=repr,
)
@given(metrics=metric_sequences(max_size=12))
def test_state_round_trips_through_strict_json(p: Any, metrics: list[float]) -> None:
    state = p.init()
    for m in metrics:
        state = p.update(state, m)
        back = p.state_from_dict(jsonable(p.state_to_dict(state)))
        assert back.keys() == state.keys()
        assert all(same(back[k], state[k]) and type(back[k]) is type(state[k]) for k in state)


def test_resuming_from_a_saved_state_equals_never_stopping() -> None:
    ps = lr.cosine(0.1, 0.0, 50) * lr.on_plateau(patience=1, cooldown=1, factor=0.5)
    metrics = [3.0, 2.0, 2.5, 2.5, 1.0, 1.1, 1.2, 1.3, 1.4, 0.5]
    straight, _ = replay(ps, metrics)
    state = ps.init()
    resumed = []
    for t, m in enumerate(metrics):
        state = ps.plateau.state_from_dict(jsonable(ps.plateau.state_to_dict(state)))
        state = ps.update(state, m, t)
        resumed.append(ps(t + 1, state))
    assert resumed == straight


@pytest.mark.parametrize("name", ["lrdsl.plateau", "lrdsl.plateau.conventions", "lrdsl.plateau.schedule"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"lr": lr}, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0


# ----------------------------------------------------------------------------
# Negative metrics with a relative threshold, as the anchors have them.


def test_torch_relative_threshold_takes_a_slightly_worse_negative_metric_as_better() -> None:
    # PyTorch: m < best * (1 - threshold); for best = -10 the bar is -9.999, so -9.9995
    # (worse, in mode "min") is "better", and becomes the best.
    kwargs = {"mode": "min", "threshold": 1e-4, "patience": 0}
    _, theirs = torch_lrs([0.1], kwargs, [-10.0, -9.9995])
    _, state = replay(ct.ReduceLROnPlateau(0.1, **kwargs), [-10.0, -9.9995])
    assert state["best"] == theirs.best == -9.9995
    assert state["num_bad_epochs"] == theirs.num_bad_epochs == 0


# ----------------------------------------------------------------------------
# NaN, per anchor.


def test_torch_counts_a_nan_metric_as_a_bad_epoch() -> None:
    p = lr.on_plateau(patience=1)
    state = p.update(p.update(p.init(), 1.0), math.nan)
    assert state["best"] == 1.0 and state["num_bad_epochs"] == 1


def test_keras_takes_a_first_nan_metric_as_its_best_and_never_improves_on_it() -> None:
    p = KerasPlateau(patience=2, factor=0.5)
    state = p.init()
    for m in [math.nan, 0.5, 0.1, 0.0]:
        state = p.update(state, m)
    assert math.isnan(state["best"]) and state["has_best"] == 1
    assert p.scale(state) == 0.5


def test_optax_counts_a_nan_mean_as_no_improvement() -> None:
    p = OptaxPlateau(patience=3, accumulation_size=2)
    state = p.init()
    for m in [1.0, math.nan]:
        state = p.update(state, m)
    assert state["best_value"] == math.inf and state["plateau_count"] == 1


# ----------------------------------------------------------------------------
# Against the anchors, on random metric sequences.


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kwargs=torch_kwargs, base=base_lrs, metrics=metric_sequences())
def test_torch_convention_equals_pytorch(kwargs: dict[str, Any], base: float, metrics: list[float]) -> None:
    expected, theirs = torch_lrs([base], kwargs, metrics)
    ps = ct.ReduceLROnPlateau(base, **kwargs)
    got, state = replay(ps, metrics)
    assert_lrs(got, [e[0] for e in expected])
    assert same(state["best"], theirs.best)
    assert (state["num_bad_epochs"], state["cooldown_counter"]) == (
        theirs.num_bad_epochs,
        theirs.cooldown_counter,
    )


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kwargs=torch_kwargs,
    bases=st.lists(base_lrs, min_size=2, max_size=3),
    floors=st.lists(st.floats(0.0, 0.2), min_size=3, max_size=3),
    metrics=metric_sequences(),
)
def test_torch_convention_equals_pytorch_per_param_group(
    kwargs: dict[str, Any], bases: list[float], floors: list[float], metrics: list[float]
) -> None:
    kwargs = {**kwargs, "min_lr": floors[: len(bases)]}
    expected, _ = torch_lrs(bases, kwargs, metrics)
    for g, ps in enumerate(ct.ReduceLROnPlateau(bases, **kwargs)):
        assert_lrs(replay(ps, metrics)[0], [e[g] for e in expected])


# PyTorch's chainable schedulers that multiply the lr, each with its lrdsl closed form.
CHAINED = {
    "StepLR": (lambda opt: torch.optim.lr_scheduler.StepLR(opt, 3, 0.5), lambda b: ct.StepLR(b, 3, 0.5)),
    "MultiStepLR": (
        lambda opt: torch.optim.lr_scheduler.MultiStepLR(opt, [2, 5, 9], 0.3),
        lambda b: ct.MultiStepLR(b, [2, 5, 9], 0.3),
    ),
    "ExponentialLR": (
        lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, 0.9),
        lambda b: ct.ExponentialLR(b, 0.9),
    ),
    "LinearLR": (
        lambda opt: torch.optim.lr_scheduler.LinearLR(opt, 0.25, 1.0, 6),
        lambda b: ct.LinearLR(b, 0.25, 1.0, 6),
    ),
    "ConstantLR": (
        lambda opt: torch.optim.lr_scheduler.ConstantLR(opt, 0.5, 4),
        lambda b: ct.ConstantLR(b, 0.5, 4),
    ),
}


@pytest.mark.parametrize("name", CHAINED)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kwargs=torch_kwargs, base=base_lrs, metrics=metric_sequences())
def test_schedule_times_plateau_equals_pytorch_stepping_both_on_one_optimizer(
    name: str, kwargs: dict[str, Any], base: float, metrics: list[float]
) -> None:
    theirs, ours = CHAINED[name]
    expected, _ = torch_lrs([base], kwargs, metrics, other=theirs)
    got, _ = replay(ct.ReduceLROnPlateau(ours(base), **kwargs), metrics)
    assert_lrs(got, [e[0] for e in expected])


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(kwargs=torch_kwargs, base=base_lrs, metrics=metric_sequences(max_size=15))
def test_hugging_face_reduce_lr_on_plateau_equals_transformers(
    kwargs: dict[str, Any], base: float, metrics: list[float]
) -> None:
    import transformers

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base)
    theirs = transformers.get_scheduler("reduce_lr_on_plateau", opt, 5, 100, scheduler_specific_kwargs=kwargs)
    expected = []
    for m in metrics:
        theirs.step(m)
        expected.append(opt.param_groups[0]["lr"])
    ours = chf.get_scheduler("reduce_lr_on_plateau", base, 5, 100, scheduler_specific_kwargs=kwargs)
    assert_lrs(replay(ours, metrics)[0], expected)


timm_kwargs = st.fixed_dictionaries(
    {
        "decay_rate": st.sampled_from([0.1, 0.5]) | st.floats(0.05, 0.95),
        "patience_t": st.integers(0, 4),
        "threshold": st.sampled_from([0.0, 1e-4, 0.1]),
        "cooldown_t": st.integers(0, 3),
        "warmup_t": st.integers(0, 4),
        "warmup_lr_init": st.sampled_from([0.0, 1e-4, 0.01]),
        "lr_min": st.sampled_from([0.0, 1e-4, 0.01]),
        "mode": st.sampled_from(["min", "max"]),
    }
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kwargs=timm_kwargs, base=base_lrs, metrics=metric_sequences())
def test_timm_plateau_scheduler_equals_timm_in_its_training_loop(
    kwargs: dict[str, Any], base: float, metrics: list[float]
) -> None:
    PlateauLRScheduler = timm_plateau_scheduler()
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # timm deprecates its plateau scheduler
        theirs = PlateauLRScheduler(opt, **kwargs)
    ps = cm.PlateauLRScheduler(base, **kwargs)
    state = ps.init()
    got, expected = [ps(0, state)], [opt.param_groups[0]["lr"]]
    for epoch, m in enumerate(metrics, start=1):  # timm's train loop: step(epoch + 1, metric)
        theirs.step(epoch, m)
        state = ps.update(state, m, epoch)
        got.append(ps(epoch, state))
        expected.append(opt.param_groups[0]["lr"])
    assert_lrs(got, expected)


@pytest.fixture(scope="module")
def keras_worker() -> Any:
    import importlib.util

    if importlib.util.find_spec("keras") is None:  # not imported here: Keras fixes its backend on import
        pytest.skip("keras is not installed")
    return keras()


@settings(deadline=None, max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(kwargs=keras_kwargs, base=base_lrs, metrics=metric_sequences())
def test_keras_convention_equals_the_keras_callback(
    keras_worker: Any, kwargs: dict[str, Any], base: float, metrics: list[float]
) -> None:
    theirs = keras_worker.drive(base, kwargs, metrics)
    ps = base * KerasPlateau(**kwargs)
    state = ps.init()
    for t, m in enumerate(metrics):
        state = ps.update(state, m, t)
        assert ps(t + 1, state) == pytest.approx(theirs["lrs"][t], rel=RTOL, abs=0), t
        best, wait, cooldown = theirs["states"][t]
        assert (state["has_best"] == 0 and best is None) or same(state["best"], best)
        assert (state["wait"], state["cooldown_counter"]) == (wait, cooldown)


def test_keras_compat_constructor_takes_the_callback_arguments(keras_worker: Any) -> None:
    kwargs = {
        "monitor": "val_loss",
        "factor": 0.5,
        "patience": 1,
        "min_delta": 0.05,
        "cooldown": 1,
        "min_lr": 0.02,
    }
    metrics = [1.0, 0.99, 0.98, 0.9, 0.89, 0.88, 0.87, 0.5, 0.5, 0.5]
    theirs = keras_worker.drive(0.1, kwargs, metrics)
    got, _ = replay(ck.ReduceLROnPlateau(**kwargs, learning_rate=0.1), metrics)
    assert_lrs(got, theirs["lrs"])


# ----------------------------------------------------------------------------
# JAX: the same state machine inside jit and lax.scan.

CONVENTIONS = [
    lr.on_plateau(mode="max", patience=1, cooldown=1, factor=0.5, min_lr=0.02),
    lr.on_plateau(threshold_mode="abs", threshold=0.05, patience=0),
    KerasPlateau(patience=2, min_lr=0.3, min_delta=0.01),
    OptaxPlateau(patience=2, accumulation_size=2, min_scale=0.1),
]


@functools.cache
def scan_run(p: Any) -> tuple[PlateauSchedule, Any]:
    """``p`` after a warmup and a cosine, from ``t = 2``, and a jitted ``lax.scan`` of it
    over metrics: ``(metrics) -> (final state, lr after each metric)``."""
    import jax
    import jax.numpy as jnp

    ps = PlateauSchedule(lr.linear(0.2, 1.0, 5) >> lr.cosine(1.0, 0.1, 30), p, start=2)

    def body(state: Any, tm: Any) -> Any:
        t, m = tm
        state = ps.update(state, m, t)
        return state, ps(t + 1, state)

    return ps, jax.jit(lambda ms: jax.lax.scan(body, ps.init("jax"), (jnp.arange(ms.shape[0]), ms)))


@pytest.mark.parametrize("p", CONVENTIONS, ids=repr)
@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(metrics=metric_sequences(min_size=30, max_size=30))
def test_scan_under_jit_equals_the_python_path_at_float64(p: Any, metrics: list[float]) -> None:
    import jax
    import jax.numpy as jnp

    ps, run = scan_run(p)
    expected, final = replay(ps, metrics)
    with jax.enable_x64(True):
        state, values = run(jnp.asarray(metrics))
        np.testing.assert_allclose(np.asarray(values), expected, rtol=RTOL)
        for k, v in final.items():
            if k in p._ints:
                assert int(state[k]) == v, k
            else:
                np.testing.assert_allclose(float(state[k]), v, rtol=RTOL, err_msg=k)


@pytest.mark.parametrize("p", CONVENTIONS, ids=repr)
def test_scan_carries_the_state_in_its_own_dtypes(p: Any) -> None:
    import jax
    import jax.numpy as jnp

    ps = lr.cosine(1.0, 0.0, 10) * p

    def body(state: Any, tm: Any) -> Any:
        t, m = tm
        return ps.update(state, m, t), ps(t + 1, state)

    state, values = jax.jit(lambda s0: jax.lax.scan(body, s0, (jnp.arange(10), jnp.linspace(2.0, 1.0, 10))))(
        ps.init("jax")
    )
    assert values.dtype == jnp.float32
    assert {k: str(v.dtype) for k, v in state.items()} == {
        k: "int32" if k in p._ints else "float32" for k in p.init()
    }


def test_vmap_runs_one_plateau_per_metric_stream() -> None:
    import jax
    import jax.numpy as jnp

    p = lr.on_plateau(patience=0, factor=0.5)
    streams = jnp.asarray([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]])

    def run(ms: Any) -> Any:
        return jax.lax.scan(lambda s, m: (p.update(s, m), None), p.init("jax"), ms)[0]["scale"]

    np.testing.assert_array_equal(jax.vmap(run)(streams), [1.0, 0.25])


# ----------------------------------------------------------------------------
# Errors.


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"factor": 1.0}, "on_plateau: factor must be in (0, 1), got 1.0"),
        ({"factor": 0}, "on_plateau: factor must be in (0, 1), got 0"),
        ({"patience": -1}, "on_plateau: patience must be >= 0, got -1"),
        ({"patience": 2.5}, "on_plateau: patience must be an integer, got 2.5"),
        ({"cooldown": -2}, "on_plateau: cooldown must be >= 0, got -2"),
        ({"threshold": -0.1}, "on_plateau: threshold must be >= 0, got -0.1"),
        ({"min_lr": -1e-3}, "on_plateau: min_lr must be >= 0, got -0.001"),
        ({"eps": math.nan}, "on_plateau: eps must be a finite number, got nan"),
        ({"mode": "up"}, "on_plateau: mode must be one of 'min', 'max', got 'up'"),
        (
            {"threshold_mode": "relative"},
            "on_plateau: threshold_mode must be one of 'rel', 'abs', got 'relative'",
        ),
    ],
)
def test_on_plateau_refuses_bad_parameters(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(lr.ScheduleError) as e:
        lr.on_plateau(**kwargs)
    assert str(e.value) == message


def test_on_plateau_refuses_parameters_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match=r"^on_plateau: factor must be a number, got the bool True$"):
        lr.on_plateau(factor=True)
    with pytest.raises(TypeError, match=r"^on_plateau: patience must be a number, got str '3'$"):
        lr.on_plateau(patience="3")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: TorchPlateau(factor=1.5), "TorchPlateau: factor must be < 1.0 (PyTorch's rule), got 1.5"),
        (lambda: KerasPlateau(factor=2), "KerasPlateau: factor must be < 1.0 (Keras's rule), got 2"),
        (lambda: OptaxPlateau(factor=0.0), "OptaxPlateau: factor must be in (0, 1) (Optax's rule), got 0.0"),
        (lambda: OptaxPlateau(rtol=-1e-3), "OptaxPlateau: rtol must be >= 0, got -0.001"),
        (lambda: OptaxPlateau(atol=-1.0), "OptaxPlateau: atol must be >= 0, got -1.0"),
        (
            lambda: OptaxPlateau(rtol=0.0, atol=0.0),
            "OptaxPlateau: rtol must be > 0 when atol is 0 (one of them must be positive), got 0.0",
        ),
        (lambda: OptaxPlateau(rtol=1.5), "OptaxPlateau: rtol must be <= 1.0, got 1.5"),
        (
            lambda: PlateauSchedule(lr.constant(1), lr.on_plateau(), start=-1),
            "PlateauSchedule: start must be >= 0, got -1",
        ),
    ],
)
def test_conventions_refuse_what_their_anchor_refuses(make: Any, message: str) -> None:
    with pytest.raises(lr.ScheduleError) as e:
        make()
    assert str(e.value) == message


def test_conventions_accept_what_their_anchor_accepts() -> None:
    p = TorchPlateau(factor=-0.5, patience=-1, cooldown=-1, threshold=-0.1, min_lr=-1.0, eps=-1.0)
    expected, _ = torch_lrs(
        [0.5],
        {"factor": -0.5, "patience": -1, "cooldown": -1, "threshold": -0.1, "min_lr": -1.0, "eps": -1.0},
        [1.0, 2.0, 0.5],
    )
    assert_lrs(replay(0.5 * p, [1.0, 2.0, 0.5])[0], [e[0] for e in expected])


def test_update_refuses_a_state_of_another_convention() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        KerasPlateau().update(lr.on_plateau().init(), 1.0)
    assert str(e.value) == (
        "KerasPlateau.update: state is not a KerasPlateau state (missing ['has_best', 'wait']; unknown"
        " ['num_bad_epochs']); its keys are ['scale', 'best', 'has_best', 'wait', 'cooldown_counter']"
    )


@pytest.mark.parametrize(
    "metric, message",
    [
        (None, "TorchPlateau.update: metric must be a number, got NoneType None"),
        ("0.5", "TorchPlateau.update: metric must be a number, got str '0.5'"),
        (True, "TorchPlateau.update: metric must be a number, got bool True"),
        (np.zeros(3), "TorchPlateau.update: metric must be one number, got an array of shape (3,)"),
    ],
)
def test_update_refuses_a_metric_that_is_not_one_number(metric: Any, message: str) -> None:
    with pytest.raises(TypeError) as e:
        lr.on_plateau().update(lr.on_plateau().init(), metric)
    assert str(e.value) == message


def test_update_takes_numpy_and_torch_scalars() -> None:
    p = lr.on_plateau()
    assert p.update(p.init(), np.float32(0.5))["best"] == 0.5
    assert p.update(p.init(), torch.tensor(0.25))["best"] == 0.25


def test_update_refuses_a_counter_that_is_not_an_integer() -> None:
    p = lr.on_plateau()
    with pytest.raises(lr.ScheduleError) as e:
        p.update({**p.init(), "num_bad_epochs": 1.5}, 1.0)
    assert str(e.value) == "TorchPlateau.update: state['num_bad_epochs'] must be an integer count, got 1.5"


def test_state_from_dict_refuses_a_broken_document() -> None:
    p = lr.on_plateau()
    with pytest.raises(lr.ScheduleError) as e:
        p.state_from_dict({**p.state_to_dict(p.init()), "best": "infinity"})
    assert (
        str(e.value)
        == "TorchPlateau.state_from_dict: 'best' must be a number (or 'inf', '-inf', 'nan'), got 'infinity'"
    )
    with pytest.raises(lr.ScheduleError) as e:
        p.state_from_dict({**p.state_to_dict(p.init()), "cooldown_counter": 0.5})
    assert str(e.value) == "TorchPlateau.state_from_dict: 'cooldown_counter' must be an integer, got 0.5"


def test_from_dict_refuses_a_broken_document() -> None:
    doc = lr.on_plateau().to_dict()
    with pytest.raises(lr.ScheduleError) as e:
        lp.from_dict({**doc, "plateau": {**doc["plateau"], "factor": 3.0}})
    assert (
        str(e.value)
        == "lrdsl.plateau.from_dict: TorchPlateau: factor must be < 1.0 (PyTorch's rule), got 3.0"
    )
    with pytest.raises(lr.ScheduleError) as e:
        lp.from_dict({**doc, "plateau": {**doc["plateau"], "convention": "mxnet"}})
    assert str(e.value) == (
        "lrdsl.plateau.from_dict: plateau.convention must be one of 'torch', 'optax', 'keras', got 'mxnet'"
    )
    with pytest.raises(lr.ScheduleError) as e:
        lp.from_dict({**doc, "version": 7})
    assert str(e.value) == "lrdsl.plateau.from_dict: unknown version 7 (this lrdsl reads 1)"


# ----------------------------------------------------------------------------
# The compat constructors' own rules.


def test_torch_compat_checks_min_lr_per_group() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        ct.ReduceLROnPlateau([0.1, 0.2], min_lr=[0.0, 0.0, 0.0])
    assert (
        str(e.value)
        == "ReduceLROnPlateau: min_lr must be a list of 2 min_lrs (one per param group), got [0.0, 0.0, 0.0]"
    )


def test_keras_compat_resolves_auto_mode_from_the_loss_only() -> None:
    assert ck.ReduceLROnPlateau(monitor="val_loss").mode == "min"
    assert ck.ReduceLROnPlateau(monitor="loss").mode == "min"
    with pytest.raises(lr.ScheduleError) as e:
        ck.ReduceLROnPlateau(monitor="val_accuracy")
    assert str(e.value) == (
        "ReduceLROnPlateau: mode must be 'min' or 'max' for monitor='val_accuracy' (Keras infers the"
        " direction of a metric other than the loss from the model's metrics, which lrdsl does not have),"
        " got 'auto'"
    )


def test_keras_compat_falls_back_to_auto_on_an_unknown_mode_with_keras_warning() -> None:
    with pytest.warns(
        UserWarning, match="ReduceLROnPlateau mode 'lowest' is unknown, fallback to auto mode."
    ):
        assert ck.ReduceLROnPlateau(mode="lowest").mode == "min"


def test_keras_compat_needs_the_lr_for_a_min_lr() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        ck.ReduceLROnPlateau(min_lr=1e-3)
    assert str(e.value) == (
        "ReduceLROnPlateau: learning_rate must be given with min_lr=0.001 (a floor on the lr, which Keras"
        " reads from the optimizer): the optimizer's lr or schedule, got None"
    )


def test_timm_compat_refuses_noise() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        cm.PlateauLRScheduler(0.1, noise_range_t=5)
    assert str(e.value) == (
        "PlateauLRScheduler: noise_range_t must be None (timm's noise on a plateau, added after each"
        " reduction to the lr it restores, is not reproduced yet), got 5"
    )


def test_timm_compat_accepts_noise_options_that_do_nothing_without_a_noise_range() -> None:
    assert cm.PlateauLRScheduler(0.1, noise_pct=0.1, noise_std=2.0, noise_seed=3) == cm.PlateauLRScheduler(
        0.1
    )
