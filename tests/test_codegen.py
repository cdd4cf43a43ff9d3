"""The generated Python scalar path (lrdsl._codegen) computes what the tree walk computes."""

from __future__ import annotations

import copy
import math
import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrdsl as lr
from lrdsl import _codegen
from lrdsl._node import eval_python

from .strategies import schedules as random_schedules

schedules = random_schedules()
times = (
    st.integers(0, 400)
    | st.floats(0.0, 400.0)
    | st.integers(2**31 - 5, 2**31 + 5)
    | st.integers(-3, -1)  # a negative time is time 0: the guard's slow path
    | st.floats(-5.0, 0.0)
    | st.integers(2**53 - 3, 2**53 + 3)  # where an int bound stops being a float bound
)


def assert_same(a: float, b: float) -> None:
    assert type(a) is float
    if math.isnan(b):
        assert math.isnan(a)
    else:
        assert a == b or abs(a - b) <= 1e-15 * abs(b), (a, b)


# ----------------------------------------------------------------------------
# Agreement with the tree walk.


@settings(max_examples=300, deadline=None)
@given(schedules, st.lists(times, min_size=1, max_size=8))
def test_generated_code_agrees_with_the_tree_walk(s: lr.Schedule, ts: list[Any]) -> None:
    _, fn = _codegen.generate(s)
    for t in ts:
        assert_same(fn(t), eval_python(s, t))


def test_reference_schedule_is_bit_identical_at_and_around_its_boundary() -> None:
    s = lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000)
    _, fn = _codegen.generate(s)
    for t in [0, 1, 999, 999.5, 1000, 1000.5, 1001, 50_000, 99_999, 100_000, 10**7]:
        assert fn(t) == eval_python(s, t)


def test_clamps_the_branch_makes_idle_are_left_out() -> None:
    # In the warmup branch t < 1000 (no clamp into [0, 1000]) and 0 * x is 0.0; in the
    # cosine branch t - 1000 >= 0 (no max(., 0)); min(u, steps) stays: t may pass the end.
    s = lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000)
    source, fn = _codegen.generate(s)
    assert "(0.0 + (0.001 * (t / 1000)))" in source
    assert "0 >" not in source and "< 0 else" not in source
    assert "(99000 if 99000 < " in source
    for t in [0, 1, 999, 999.5, 1000, 1000.5, 1001, 50_000, 100_000, 10**7, -1, -0.5]:
        assert fn(t) == eval_python(s, max(t, 0))


def test_a_count_takes_no_guard_and_everything_else_does() -> None:
    source, fn = _codegen.generate(lr.linear(0, 1e-3, 1000))
    assert "if type(t) is not int or t < 0:" in source
    assert fn(np.int64(500)) == fn(500) == fn(500.0) == 5e-4
    assert fn(-7) == fn(0) == 0.0
    with pytest.raises(TypeError, match="a schedule is evaluated at a number, got bool True"):
        fn(True)
    with pytest.raises(lr.ScheduleError, match="t must be a finite number"):
        fn(math.nan)


@pytest.mark.parametrize("n", [2, 3, 7, 64])
def test_many_pieces_pick_the_right_piece_at_every_boundary(n: int) -> None:
    pieces = [lr.linear(0.01 * k, 0.01 * k + 0.005, 10) for k in range(n)]
    bounds = sorted([10 * k for k in range(1, n)] + [10 * (n // 2)])[: n - 1]  # one bound repeated
    s = lr.chain(*pieces, boundaries=bounds)
    _, fn = _codegen.generate(s)
    for t in range(0, 10 * n + 5):
        for u in (t, t - 0.5, t + 0.25):
            assert fn(u) == eval_python(s, max(u, 0))


def test_deep_expressions_still_compile() -> None:
    s = lr.linear(0.0, 1.0, 10)
    for k in range(300):
        s = s + lr.cosine(0.001 * k, 0.0, 7 + k)
    fn = _codegen.scalar_function(s)
    for t in [0, 3, 50, 400]:
        assert_same(fn(t), eval_python(s, t))


def test_a_lambda_is_called_at_evaluation_time_with_the_local_time() -> None:
    seen: list[Any] = []

    def fn(t: Any) -> float:
        seen.append(t)
        return 1.0 / (1 + t)

    s = lr.warmup(lr.lambda_(fn), 10)
    _, f = _codegen.generate(s)
    seen.clear()
    assert f(15) == eval_python(s, 15)
    assert seen == [5, 5]


# ----------------------------------------------------------------------------
# The generated function: math only, and the wiring into compile and __call__.


def test_generated_source_uses_math_only() -> None:
    source, _ = _codegen.generate(lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000))
    assert "_sin(" in source
    assert "np." not in source and "numpy" not in source


def test_compile_python_returns_generated_code() -> None:
    fn = (lr.linear(0, 1.0, 10) >> lr.constant(1.0)).compile("python")
    assert hasattr(fn, "__lrdsl_source__")
    assert fn(5) == 0.5


def test_calls_at_python_numbers_switch_to_generated_code_once_warm() -> None:
    s = lr.warmup(lr.cosine(1.0, 0.0, 100), 10)
    walked = [eval_python(s, t) for t in range(_codegen.WARM_CALLS + 5)]
    assert "_scalar_fn" not in s.__dict__
    called = [s(t) for t in range(_codegen.WARM_CALLS + 5)]
    assert "_scalar_fn" in s.__dict__
    assert called == walked


def test_warm_schedules_pickle_and_copy_without_their_code() -> None:
    s = lr.linear(0, 1.0, 10) >> lr.constant(1.0)
    for t in range(_codegen.WARM_CALLS + 1):
        s(t)
    for other in (pickle.loads(pickle.dumps(s)), copy.copy(s), copy.deepcopy(s)):
        assert other == s
        assert "_scalar_fn" not in other.__dict__
        assert other(5) == s(5)


# ----------------------------------------------------------------------------
# Fallbacks and errors.


def test_a_formula_that_branches_in_python_falls_back_to_the_tree_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    def branchy(self: lr.Step, t: Any, xp: Any) -> Any:
        return self.start if t < self.step_size else self.start * self.gamma

    monkeypatch.setattr(lr.Step, "_eval", branchy)
    s = lr.step(1.0, 10, gamma=0.5)
    with pytest.raises(_codegen.Unsupported, match="Step: a Python branch on a value that depends on t"):
        _codegen.generate(s)
    fn = _codegen.scalar_function(s)
    assert not hasattr(fn, "__lrdsl_source__")
    assert fn(3) == 1.0 and fn(12) == 0.5


def test_parameters_that_are_not_plain_numbers_fall_back() -> None:
    s = lr.linear(0, 1.0, 10)
    object.__setattr__(s, "end", np.float64(2.0))  # as a stacked or traced leaf would be
    s.__dict__.pop("_plain", None)
    with pytest.raises(_codegen.Unsupported, match="not plain Python numbers"):
        _codegen.generate(s)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_time_is_an_error(bad: float) -> None:
    fn = lr.cosine(1.0, 0.0, 10).compile("python")
    with pytest.raises(lr.ScheduleError, match="t must be a finite number"):
        fn(bad)


@pytest.mark.parametrize("bad", ["3", None, True])
def test_non_numeric_time_is_a_type_error(bad: Any) -> None:
    fn = lr.cosine(1.0, 0.0, 10).compile("python")
    with pytest.raises(TypeError):
        fn(bad)


def test_negative_time_is_time_zero_and_numpy_scalars_give_floats() -> None:
    fn = (lr.linear(0.5, 1.0, 10) >> lr.constant(1.0)).compile("python")
    assert fn(-5) == fn(0) == 0.5
    out = fn(np.int64(5))
    assert type(out) is float and out == 0.75
    assert type(fn(np.float32(2.5))) is float
