"""Optax's own schedule tests (``optax/schedules/_schedule_test.py``, ``_join_test.py`` and
``_inject_test.py``, shipped in its wheel), ported through ``lrdsl.compat.optax``.

Every case that checks a schedule's values is here, once, with Optax's
constructor names and arguments and at the anchor's tolerance, evaluated the
way the anchor evaluates it: ``jax.jit(schedule)`` at Python ints (so on JAX,
float32), or on a NumPy array where the anchor calls the schedule on one.
Each test names the anchor test it ports. The cases of ``_inject_test.py``
that check no schedule (injected constants, dtypes, static arguments) are
listed in ``SKIPPED``.
"""

from __future__ import annotations

import ast
import functools
import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")

import jax.numpy as jnp  # noqa: E402

import lrdsl as lr  # noqa: E402
from lrdsl.compat.optax import (  # noqa: E402
    constant_schedule,
    cosine_decay_schedule,
    cosine_onecycle_schedule,
    exponential_decay,
    join_schedules,
    linear_onecycle_schedule,
    linear_schedule,
    piecewise_constant_schedule,
    piecewise_interpolate_schedule,
    polynomial_schedule,
    sgdr_schedule,
    warmup_cosine_decay_schedule,
)
from lrdsl.optax import inject  # noqa: E402

ANCHOR = "optax"
SUITE = "optax/schedules/_schedule_test.py, _join_test.py, _inject_test.py (in the wheel)"

SKIPPED = {
    "InjectHyperparamsTest.test_constant_hyperparams": "injected numbers, no schedule",
    "InjectHyperparamsTest.test_overriding_hyperparam": "a number overridden in the state, no schedule",
    "InjectHyperparamsTest.test_static_args (2 parametrizations)": "static arguments of inject_hyperparams",
    "InjectHyperparamsTest.test_numeric_static_args (2 parametrizations)": "static arguments of inject_hyperparams",
    "InjectHyperparamsTest.test_prng_key_not_hyperparameter": "a PRNG key in inject_hyperparams",
    "InjectHyperparamsTest.test_hyperparam_dtypes (5 parametrizations)": "dtypes of injected numbers",
    "InjectHyperparamsTest.test_hyperparam_default_dtype (2 parametrizations)": "dtypes of injected numbers",
    "InjectHyperparamsTest.test_static_args_error (2 parametrizations)": "an argument error of inject_hyperparams",
    "StatefulTest.test_inject_stateful_hyperparams": "a stateful schedule of Optax's own (no step schedule)",
}
ELSEWHERE: dict[str, str] = {}

_OPTAX = Path(optax.__file__).parent


def jitted_values(schedule: Any, counts: Any) -> np.ndarray:
    """The anchor's ``schedule_fn = jax.jit(schedule)`` called at each Python int count."""
    fn = jax.jit(schedule)
    return np.array([fn(count) for count in counts])


# ----------------------------------------------------------------------------
# ConstantTest, PolynomialTest


def test_constant() -> None:
    # optax: ConstantTest.test_constant
    generated = jitted_values(constant_schedule(10), range(15))
    np.testing.assert_allclose(np.array([10] * 15, dtype=np.float32), generated, atol=1e-3)


def test_polynomial_linear() -> None:
    # optax: PolynomialTest.test_linear
    schedule = polynomial_schedule(init_value=10.0, end_value=20.0, power=1, transition_steps=10)
    expected = np.array(list(range(10, 20)) + [20] * 5, dtype=np.float32)
    np.testing.assert_allclose(expected, jitted_values(schedule, range(15)), atol=1e-3)


def test_polynomial_zero_steps_schedule() -> None:
    # optax: PolynomialTest.test_zero_steps_schedule
    for num_steps in [-1, 0]:
        schedule_fn = jax.jit(polynomial_schedule(init_value=10.0, end_value=20.0, power=1, transition_steps=num_steps))
        for count in range(15):
            np.testing.assert_allclose(schedule_fn(count), 10.0)


def test_polynomial_nonlinear() -> None:
    # optax: PolynomialTest.test_nonlinear
    schedule = polynomial_schedule(init_value=25.0, end_value=10.0, power=2, transition_steps=10)
    expected = np.array([10.0 + 15.0 * (1.0 - n / 10) ** 2 for n in range(10)] + [10] * 5, dtype=np.float32)
    np.testing.assert_allclose(expected, jitted_values(schedule, range(15)), atol=1e-3)


def test_polynomial_with_decay_begin() -> None:
    # optax: PolynomialTest.test_with_decay_begin
    schedule = polynomial_schedule(init_value=30.0, end_value=10.0, power=2, transition_steps=10, transition_begin=4)
    expected = np.array(
        [30.0] * 4 + [10.0 + 20.0 * (1.0 - n / 10) ** 2 for n in range(10)] + [10] * 6, dtype=np.float32
    )
    np.testing.assert_allclose(expected, jitted_values(schedule, range(20)), atol=1e-3)


# ----------------------------------------------------------------------------
# PiecewiseConstantTest


def test_piecewise_constant_positive() -> None:
    # optax: PiecewiseConstantTest.test_positive
    schedule = piecewise_constant_schedule(0.1, {3: 2.0, 6: 0.5})
    expected = np.array([0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1])
    np.testing.assert_allclose(expected, jitted_values(schedule, range(10)), atol=1e-3)


def test_piecewise_constant_negative() -> None:
    # optax: PiecewiseConstantTest.test_negative
    schedule = piecewise_constant_schedule(-0.1, {3: 2.0, 6: 0.5})
    expected = -1 * np.array([0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1])
    np.testing.assert_allclose(expected, jitted_values(schedule, range(10)), atol=1e-3)


# ----------------------------------------------------------------------------
# ExponentialTest


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_constant_schedule(staircase: bool) -> None:
    # optax: ExponentialTest.test_constant_schedule[staircase]
    schedule = exponential_decay(init_value=1.0, transition_steps=15, decay_rate=1.0, staircase=staircase)
    np.testing.assert_allclose(np.array([1.0] * 15, dtype=np.float32), jitted_values(schedule, range(15)), atol=1e-3)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_nonvalid_transition_steps(staircase: bool) -> None:
    # optax: ExponentialTest.test_nonvalid_transition_steps[staircase]
    for transition_steps in [-1, 0]:
        schedule_fn = jax.jit(
            exponential_decay(init_value=1.0, transition_steps=transition_steps, decay_rate=1.0, staircase=staircase)
        )
        for count in range(15):
            np.testing.assert_allclose(schedule_fn(count), 1.0)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_nonvalid_decay_rate(staircase: bool) -> None:
    # optax: ExponentialTest.test_nonvalid_decay_rate[staircase]
    schedule_fn = jax.jit(exponential_decay(init_value=1.0, transition_steps=2, decay_rate=0.0, staircase=staircase))
    for count in range(15):
        np.testing.assert_allclose(schedule_fn(count), 1.0)


def _staircased(count: int, transition_steps: int, staircase: bool) -> Any:
    p = count / transition_steps
    return np.floor(p) if staircase else p


@pytest.mark.parametrize(("staircase", "transition_begin"), [(False, 0), (True, 0), (False, 5), (True, 5)])
def test_exponential(staircase: bool, transition_begin: int) -> None:
    # optax: ExponentialTest.test_exponential[staircase, transition_begin]
    init_value, num_steps, transition_steps, decay_rate = 1.0, 15, 2, 2.0
    schedule = exponential_decay(
        init_value=init_value,
        transition_steps=transition_steps,
        decay_rate=decay_rate,
        transition_begin=transition_begin,
        staircase=staircase,
    )
    expected = np.array(
        [init_value] * transition_begin
        + [init_value * np.power(decay_rate, _staircased(c, transition_steps, staircase)) for c in range(num_steps)],
        dtype=np.float32,
    )
    np.testing.assert_allclose(expected, jitted_values(schedule, range(num_steps + transition_begin)), atol=1e-3)


@pytest.mark.parametrize(
    ("decay_rate", "end_value", "staircase"),
    [(0.2, 0.1, False), (1.0, 0.1, False), (2.0, 3.0, False), (0.2, 0.1, True), (1.0, 0.1, True), (2.0, 3.0, True)],
)
def test_exponential_end_value_with_staircase(decay_rate: float, end_value: float, staircase: bool) -> None:
    # optax: ExponentialTest.test_end_value_with_staircase[decay_rate, end_value, staircase]
    init_value, num_steps, transition_steps, transition_begin = 1.0, 11, 2, 3
    schedule = exponential_decay(
        init_value=init_value,
        transition_steps=transition_steps,
        decay_rate=decay_rate,
        transition_begin=transition_begin,
        staircase=staircase,
        end_value=end_value,
    )
    expected = np.array(
        [init_value] * transition_begin
        + [init_value * np.power(decay_rate, _staircased(c, transition_steps, staircase)) for c in range(num_steps)],
        dtype=np.float32,
    )
    expected = np.maximum(expected, end_value) if decay_rate < 1.0 else np.minimum(expected, end_value)
    np.testing.assert_allclose(expected, jitted_values(schedule, range(num_steps + transition_begin)), atol=1e-3)


def test_exponential_immutable_count() -> None:
    # optax: ExponentialTest.test_immutable_count
    schedule = exponential_decay(init_value=32.0, transition_steps=1, decay_rate=0.5)
    np.testing.assert_allclose(np.array([32, 16, 8, 4, 2], dtype=np.float32), jitted_values(schedule, range(5)), atol=1e-3)


# ----------------------------------------------------------------------------
# CosineDecayTest


def _cosine_multipliers(fractions: list[float]) -> np.ndarray:
    return np.array(0.5 + 0.5 * np.cos(np.pi * np.array(fractions)))


def test_cosine_decay_count_smaller_count() -> None:
    # optax: CosineDecayTest.test_decay_count_smaller_count
    expected = _cosine_multipliers([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    generated = jitted_values(cosine_decay_schedule(0.1, 10, 0.0), range(10))
    np.testing.assert_allclose(0.1 * expected, generated, atol=1e-3)


def test_cosine_decay_count_greater_count() -> None:
    # optax: CosineDecayTest.test_decay_count_greater_count
    expected = _cosine_multipliers([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    generated = jitted_values(cosine_decay_schedule(0.1, 5, 0.0), range(12))
    np.testing.assert_allclose(0.1 * expected, generated, atol=1e-3)


def test_cosine_decay_count_greater_count_with_alpha() -> None:
    # optax: CosineDecayTest.test_decay_count_greater_count_with_alpha
    expected = 0.9 * _cosine_multipliers([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]) + 0.1
    generated = jitted_values(cosine_decay_schedule(0.1, 5, 0.1), range(12))
    np.testing.assert_allclose(0.1 * expected, generated, atol=1e-3)


def test_cosine_with_exponent() -> None:
    # optax: CosineDecayTest.test_with_exponent
    schedule_fn = jax.jit(cosine_decay_schedule(init_value=0.1, decay_steps=100, alpha=0.0, exponent=2))
    output = schedule_fn(np.array([0, 10, 50, 75, 100]))
    np.testing.assert_allclose(
        output, np.array([0.1, 0.09516553580760956, 0.025, 0.0021446612663567066, 0.0]), rtol=1e-6, atol=1e-8
    )


def test_cosine_with_giant_int_steps() -> None:
    # optax: CosineDecayTest.test_with_giant_int_steps (decay_steps beyond int32)
    schedule_fn = jax.jit(cosine_decay_schedule(init_value=1000.0, decay_steps=int(1e10), alpha=0.0, exponent=1))
    np.testing.assert_allclose(schedule_fn(int(1e9)), 975.52826)


# ----------------------------------------------------------------------------
# WarmupCosineDecayTest


@pytest.mark.parametrize(
    ("init_value", "peak_value", "end_value"), [(10, 0.5, 1e-4), (5, 3, 0.0)], ids=["with end value", "without end value"]
)
def test_warmup_cosine_limits(init_value: float, peak_value: float, end_value: float) -> None:
    # optax: WarmupCosineDecayTest.test_limits[with end value | without end value]
    schedule_fn = jax.jit(
        warmup_cosine_decay_schedule(
            init_value=init_value, peak_value=peak_value, warmup_steps=100, decay_steps=1000, end_value=end_value
        )
    )
    np.testing.assert_allclose(init_value, schedule_fn(0))
    np.testing.assert_allclose(peak_value, schedule_fn(100))
    np.testing.assert_allclose(end_value, schedule_fn(1000), rtol=1e-3)


def test_warmup_cosine_with_exponent() -> None:
    # optax: WarmupCosineDecayTest.test_with_exponent (a negative end value)
    schedule_fn = jax.jit(
        warmup_cosine_decay_schedule(
            init_value=0.2, peak_value=1.21, end_value=-3.0, warmup_steps=50, decay_steps=100, exponent=2
        )
    )
    output = schedule_fn(np.array([0, 10, 50, 75, 100]))
    expected = [0.20000004768371582, 0.4020000100135803, 1.2100000381469727, -1.947500228881836, -3.000000238418579]
    np.testing.assert_allclose(output, np.array(expected), rtol=1e-6, atol=1e-8)


def test_warmup_cosine_zero_peak_value() -> None:
    # optax: WarmupCosineDecayTest.test_zero_peak_value
    schedule_fn = jax.jit(
        warmup_cosine_decay_schedule(init_value=0.2, peak_value=0, end_value=-3.0, warmup_steps=50, decay_steps=100, exponent=2)
    )
    output = schedule_fn(np.array([0, 10, 50, 75, 100]))
    np.testing.assert_allclose(output, np.array([0.2, 0.16, 0.0, 0.0, 0.0]), rtol=1e-6, atol=1e-8)


def test_warmup_cosine_monotonicity_and_exponent_ordering() -> None:
    # optax: WarmupCosineDecayTest.test_monotonicity_and_exponent_ordering (its four subtests)
    init, peak, end, warmup_steps, decay_steps = 0.0, 1.0, 0.1, 5, 25
    regular = warmup_cosine_decay_schedule(
        init_value=init, peak_value=peak, warmup_steps=warmup_steps, decay_steps=decay_steps, end_value=end, exponent=1.0
    )
    steep = warmup_cosine_decay_schedule(
        init_value=init, peak_value=peak, warmup_steps=warmup_steps, decay_steps=decay_steps, end_value=end, exponent=2.0
    )
    steps = np.arange(decay_steps + 1)
    vals, vals2 = regular(steps), steep(steps)
    for t in range(warmup_steps):  # warmup increases
        assert float(vals[t]) < float(vals[t + 1])
    assert float(vals[warmup_steps]) == pytest.approx(peak, abs=5e-7)  # peak at boundary (places=6)
    for t in range(warmup_steps, decay_steps):  # cosine decay nonincreasing and end value
        assert float(vals[t]) >= float(vals[t + 1])
    assert float(vals[-1]) == pytest.approx(end, abs=5e-7)
    for t in range(warmup_steps, decay_steps + 1):  # exponent ordering (p=2 <= p=1)
        assert float(vals2[t]) <= float(vals[t]) + 1e-12


def test_warmup_cosine_raises_when_decay_equals_warmup() -> None:
    # optax: WarmupCosineDecayTest.test_raises_when_decay_equals_warmup: Optax refuses it, so does compat
    with pytest.raises(
        lr.ScheduleError, match=r"warmup_cosine_decay_schedule: decay_steps must be > warmup_steps \(10\), got 10"
    ):
        warmup_cosine_decay_schedule(init_value=0.2, peak_value=1.2, warmup_steps=10, decay_steps=10, end_value=0.0)


# ----------------------------------------------------------------------------
# SGDRTest


@pytest.mark.parametrize(("lr0", "lr1", "lr2"), [(1.6, 0.8, 0.4), (1.6, 1.6, 1.6)], ids=["with step decay", "without step_decay"])
def test_sgdr_limits(lr0: float, lr1: float, lr2: float) -> None:
    # optax: SGDRTest.test_limits[with step decay | without step_decay]
    lr_kwargs = [
        {"decay_steps": int(step), "peak_value": v, "init_value": 0, "end_value": 0.0, "warmup_steps": 500}
        for step, v in zip([2e3, 3e3, 5e3], [lr0, lr1, lr2])
    ]
    schedule_fn = jax.jit(sgdr_schedule(lr_kwargs))
    np.testing.assert_allclose(lr0, schedule_fn(500))
    np.testing.assert_allclose(lr1, schedule_fn(2500))
    np.testing.assert_allclose(lr2, schedule_fn(5500))


# ----------------------------------------------------------------------------
# PiecewiseInterpolateTest


def test_linear_piecewise() -> None:
    # optax: PiecewiseInterpolateTest.test_linear_piecewise
    schedule = piecewise_interpolate_schedule("linear", 200.0, {5: 1.5, 10: 0.25})
    expected = [200.0, 220.0, 240.0, 260.0, 280.0, 300.0, 255.0, 210.0, 165.0, 120.0, 75.0, 75.0, 75.0]
    np.testing.assert_allclose(jitted_values(schedule, range(13)), expected, atol=1e-3)


def test_cos_piecewise() -> None:
    # optax: PiecewiseInterpolateTest.test_cos_piecewise
    schedule = piecewise_interpolate_schedule("cosine", 400.0, {5: 1.2, 3: 0.6, 7: 1.0})
    expected = [400.0, 360.0, 280.0, 240.0, 264.0, 288.0, 288.0, 288.0, 288.0]
    np.testing.assert_allclose(jitted_values(schedule, range(9)), expected, atol=1e-3)


def test_piecewise_interpolate_empty_dict() -> None:
    # optax: PiecewiseInterpolateTest.test_empty_dict
    schedule = piecewise_interpolate_schedule("linear", 13.0, {})
    np.testing.assert_allclose(jitted_values(schedule, range(5)), [13.0] * 5, atol=1e-3)


def test_piecewise_interpolate_no_dict() -> None:
    # optax: PiecewiseInterpolateTest.test_no_dict
    schedule = piecewise_interpolate_schedule("cosine", 17.0)
    np.testing.assert_allclose(jitted_values(schedule, range(3)), [17.0] * 3, atol=1e-3)


def test_piecewise_interpolate_invalid_type() -> None:
    # optax: PiecewiseInterpolateTest.test_invalid_type: Optax refuses these types, so does
    # compat (a ScheduleError for a wrong name, a TypeError for a non-string)
    with pytest.raises(lr.ScheduleError, match=r"interpolate_type must be one of 'linear', 'cosine', got 'linar'"):
        piecewise_interpolate_schedule("linar", 13.0)
    with pytest.raises(lr.ScheduleError, match=r"interpolate_type must be one of 'linear', 'cosine', got ''"):
        piecewise_interpolate_schedule("", 13.0, {5: 3.0})
    with pytest.raises(TypeError, match=r"interpolate_type must be one of \('linear', 'cosine'\), got NoneType None"):
        piecewise_interpolate_schedule(None, 13.0, {})  # type: ignore[arg-type]


def test_piecewise_interpolate_invalid_scale() -> None:
    # optax: PiecewiseInterpolateTest.test_invalid_scale: Optax refuses negative scales, so does compat
    with pytest.raises(lr.ScheduleError, match=r"boundaries_and_scales must be made of scales >= 0, got \{5: -3\}"):
        piecewise_interpolate_schedule("linear", 13.0, {5: -3})


def test_piecewise_interpolate_zero_interval_size() -> None:
    # optax: PiecewiseInterpolateTest.test_zero_interval_size
    sched = piecewise_interpolate_schedule("linear", 13.0, {0: 2.0, 5: 3.0})
    assert all(jnp.isfinite(sched(i)) for i in range(6))
    assert sched(0) == pytest.approx(26.0, abs=5e-8)  # assertAlmostEqual: 7 places
    assert sched(5) == pytest.approx(78.0, abs=5e-8)


# ----------------------------------------------------------------------------
# OneCycleTest


def test_onecycle_linear() -> None:
    # optax: OneCycleTest.test_linear
    schedule = linear_onecycle_schedule(
        transition_steps=10, peak_value=1000, pct_start=0.3, pct_final=0.7, div_factor=10.0, final_div_factor=100.0
    )
    expected = [100.0, 400.0, 700.0, 1000.0, 775.0, 550.0, 325.0, 100.0, 67.0, 34.0, 1.0, 1.0]
    np.testing.assert_allclose(jitted_values(schedule, range(12)), expected, atol=1e-3)


def test_onecycle_cosine() -> None:
    # optax: OneCycleTest.test_cosine
    schedule = cosine_onecycle_schedule(
        transition_steps=5, peak_value=1000.0, pct_start=0.4, div_factor=10.0, final_div_factor=100.0
    )
    expected = [100.0, 550.0, 1000.0, 750.25, 250.75, 1.0, 1.0]
    np.testing.assert_allclose(jitted_values(schedule, range(7)), expected, atol=1e-3)


def test_onecycle_nonpositive_transition_steps() -> None:
    # optax: OneCycleTest.test_nonpositive_transition_steps: Optax refuses it, so does compat
    with pytest.raises(lr.ScheduleError, match=r"cosine_onecycle_schedule: transition_steps must be > 0, got 0"):
        cosine_onecycle_schedule(transition_steps=0, peak_value=5.0)
    with pytest.raises(lr.ScheduleError, match=r"linear_onecycle_schedule: transition_steps must be > 0, got 0"):
        linear_onecycle_schedule(transition_steps=0, peak_value=5.0)


# ----------------------------------------------------------------------------
# ScheduleAsLearningRateTest: every optimizer takes a schedule as its learning rate.


def _optimizers_under_test() -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """``alias_test._OPTIMIZERS_UNDER_TEST``, read from the installed anchor's source
    (importing the module needs scikit-learn): the optimizers that take a
    ``learning_rate`` schedule, and how many do not (the anchor skips those)."""
    from optax._src import alias, base

    tree = ast.parse((_OPTAX / "_src" / "alias_test.py").read_text())
    found = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_OPTIMIZERS_UNDER_TEST" for t in node.targets)
    ]
    cases = [(d["opt_name"], d["opt_kwargs"]) for d in ast.literal_eval(found[0])]
    out = []
    for name, kwargs in cases:
        arg = inspect.signature(getattr(alias, name)).parameters.get("learning_rate")
        if arg is not None and arg.annotation in (base.ScalarOrSchedule, base.Schedule):
            out.append((name, kwargs))
    return out, len(cases) - len(out)


OPTIMIZERS, _NO_SCHEDULE = _optimizers_under_test()
SKIPPED[f"ScheduleAsLearningRateTest.test_optimization ({_NO_SCHEDULE} parametrizations)"] = (
    "optimizers without a learning_rate schedule argument: the anchor skips them too"
)


@pytest.mark.parametrize(("opt_name", "opt_kwargs"), OPTIMIZERS, ids=[f"{n}{sorted(k)}" for n, k in OPTIMIZERS])
def test_optimization(opt_name: str, opt_kwargs: dict[str, Any]) -> None:
    # optax: ScheduleAsLearningRateTest.test_optimization[opt_name, opt_kwargs]
    from optax._src import alias, numerics

    opt_setup = getattr(alias, opt_name)
    opt_with_schedule = opt_setup(**dict(opt_kwargs, learning_rate=constant_schedule(1e-3)))
    opt_with_lr = opt_setup(**dict(opt_kwargs, learning_rate=1e-3))
    initial_params = jnp.array([-1.0, 10.0, 1.0], dtype=jnp.float32)  # alias_test._setup_parabola
    final_params = jnp.array([1.0, -1.0, 1.0], dtype=jnp.float32)

    def objective(params: Any) -> Any:
        return jnp.sum(numerics.abs_sq(params - final_params))

    @functools.partial(jax.jit, static_argnums=(0,))
    def step(opt: Any, params: Any, state: Any) -> Any:
        updates = jax.grad(objective)(params)
        updates = jax.tree.map(lambda x: x.conj(), updates)
        updates, state = opt.update(updates, state, params)
        return optax.apply_updates(params, updates), state

    params_s, params_lr = initial_params, initial_params
    state_s, state_lr = opt_with_schedule.init(params_s), opt_with_lr.init(params_lr)
    for _ in range(10):
        params_s, state_s = step(opt_with_schedule, params_s, state_s)
        params_lr, state_lr = step(opt_with_lr, params_lr, state_lr)
    np.testing.assert_allclose(np.asarray(params_s), np.asarray(params_lr), rtol=1e-6, atol=0.0)


# ----------------------------------------------------------------------------
# JoinTest (_join_test.py)


def test_join_schedules() -> None:
    # optax: JoinTest.test_join_schedules
    my_schedule = join_schedules(
        schedules=[constant_schedule(1.0), constant_schedule(2.0), constant_schedule(1.0)], boundaries=[3, 6]
    )
    for count, expected in enumerate([1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 1.0]):
        np.testing.assert_allclose(expected, my_schedule(count), atol=0.0)


# ----------------------------------------------------------------------------
# InjectHyperparamsTest and StatefulTest (_inject_test.py), through lrdsl.optax.inject.


def test_inject_updates() -> None:
    # optax: InjectHyperparamsTest.test_updates
    optim = inject(optax.scale, step_size=piecewise_constant_schedule(3.0, {1: 5, 7: 2, 12: 1.5}))
    params = [jnp.zeros([], dtype=jnp.float32)]
    state = jax.jit(optim.init)(params)
    state = optax.tree.map_params(optim, lambda v: v, state)  # a no-op change: tree map works
    update_fn = jax.jit(optim.update)
    expected_step_size = [3.0] * 2 + [15.0] * 6 + [30.0] * 5 + [45.0] * 3
    grads = [jnp.ones([], dtype=jnp.float32)]
    for i in range(15):
        updates, state = update_fn(grads, state, params=params)
        np.testing.assert_almost_equal(updates[0], expected_step_size[i + 1])


def test_inject_hyperparams_state() -> None:
    # optax: InjectHyperparamsTest.test_hyperparams_state
    optim = inject(optax.trace, decay=piecewise_constant_schedule(0.8, {3: 0.5, 9: 1.25}), nesterov=True)
    params = [jnp.zeros([2, 3]) for _ in range(3)]
    state = jax.jit(optim.init)(params)
    update_fn = jax.jit(optim.update)
    expected_mom = [0.8] * 4 + [0.4] * 6 + [0.5] * 2
    grads = jax.tree.map(jnp.ones_like, params)
    for i in range(12):
        np.testing.assert_almost_equal(state.hyperparams["decay"], expected_mom[i])
        _, state = update_fn(grads, state)
    np.testing.assert_almost_equal(state.hyperparams["decay"], expected_mom[-1])


def test_inject_hyperparams_starts_with_step_count_zero() -> None:
    # optax: InjectHyperparamsTest.test_inject_hyperparams_starts_with_step_count_zero
    opt = inject(optax.scale, step_size=lr.lambda_(lambda count: count))
    params = jnp.zeros(3)
    grads = jnp.array([-1, 0, 1])
    updates, _ = jax.jit(opt.update)(grads, opt.init(params))
    np.testing.assert_array_equal(updates, np.zeros(3))


def test_wrap_stateless_schedule() -> None:
    # optax: StatefulTest.test_wrap_stateless_schedule
    my_schedule = linear_schedule(1.0, 1.0, 10)
    my_wrapped_schedule = optax.schedules.WrappedSchedule(my_schedule)
    count = jnp.zeros([], dtype=jnp.int32)
    state = my_wrapped_schedule.init()
    np.testing.assert_allclose(count, state, atol=0.0)
    for _ in range(8):
        np.testing.assert_allclose(my_schedule(count), my_wrapped_schedule(state), atol=0.0)
        count = count + 1
        state = my_wrapped_schedule.update(state, loss=jnp.ones([], dtype=jnp.float32))
        np.testing.assert_allclose(count, state, atol=0.0)
