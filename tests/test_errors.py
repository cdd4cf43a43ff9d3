"""Bad parameters fail at construction, with the function, the parameter and the rule."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lrdsl as lr

c = lr.constant(1.0)
lin = lr.linear(0, 1, 10)
nan, inf = math.nan, math.inf

# (label, construction, error type, words the message must contain)
BAD: list[tuple[str, Callable[[], Any], type[Exception], tuple[str, ...]]] = [
    ("steps negative linear", lambda: lr.linear(0, 1, -1), lr.ScheduleError, ("linear", "steps", ">= 0", "-1")),
    ("steps negative", lambda: lr.cosine(1, 0, -5), lr.ScheduleError, ("cosine", "steps", "-5")),
    ("steps nan", lambda: lr.polynomial(1, 0, nan), lr.ScheduleError, ("polynomial", "steps", "finite")),
    ("steps inf", lambda: lr.linear(0, 1, inf), lr.ScheduleError, ("linear", "steps", "finite")),
    ("nan value", lambda: lr.constant(nan), lr.ScheduleError, ("constant", "value", "finite")),
    ("inf value", lambda: lr.constant(inf), lr.ScheduleError, ("constant", "value", "finite")),
    ("gamma zero", lambda: lr.step(1, 10, gamma=0.0), lr.ScheduleError, ("step", "gamma", "> 0")),
    ("gamma negative", lambda: lr.exponential(1, -0.5), lr.ScheduleError, ("exponential", "gamma", "> 0")),
    ("gamma nan", lambda: lr.multistep(1, [10], gamma=nan), lr.ScheduleError, ("multistep", "gamma", "finite")),
    ("every zero", lambda: lr.exponential(1, 0.5, every=0), lr.ScheduleError, ("exponential", "every", "> 0")),
    ("step_size zero", lambda: lr.step(1, 0), lr.ScheduleError, ("step", "step_size", "> 0")),
    ("exponent zero", lambda: lr.cosine(1, 0, 10, exponent=0), lr.ScheduleError, ("cosine", "exponent", "> 0")),
    ("power negative", lambda: lr.polynomial(1, 0, 10, power=-1), lr.ScheduleError, ("polynomial", "power", "> 0")),
    ("unsorted milestones", lambda: lr.multistep(1, [30, 10]), lr.ScheduleError, ("multistep", "milestones", "non-decreasing")),
    ("negative milestone", lambda: lr.multistep(1, [-1, 10]), lr.ScheduleError, ("multistep", "milestones", ">= 0")),
    ("milestones not a list", lambda: lr.multistep(1, 10), TypeError, ("multistep", "milestones", "list")),
    ("unsorted boundaries", lambda: lr.piecewise([20, 10], [1, 2, 3]), lr.ScheduleError, ("piecewise", "boundaries", "non-decreasing")),
    ("values length", lambda: lr.piecewise([10, 20], [1, 2]), lr.ScheduleError, ("piecewise", "values", "one longer")),
    ("nan boundary", lambda: lr.piecewise([nan], [1, 2]), lr.ScheduleError, ("piecewise", "boundaries[0]", "finite")),
    ("times/values mismatch", lambda: lr.interpolate([0, 10], [1, 2, 3]), lr.ScheduleError, ("interpolate", "values", "as long as times")),
    ("no knots", lambda: lr.interpolate([], []), lr.ScheduleError, ("interpolate", "times", "at least 1")),
    ("unsorted times", lambda: lr.interpolate([10, 0], [1, 2]), lr.ScheduleError, ("interpolate", "times", "non-decreasing")),
    ("unknown kind", lambda: lr.interpolate([0, 1], [1, 2], kind="cubic"), lr.ScheduleError, ("interpolate", "kind", "'linear'", "'cubic'")),
    ("lambda not callable", lambda: lr.lambda_(3.0), TypeError, ("lambda_", "fn", "callable")),
    ("infinite piece not last", lambda: lr.exponential(1, 0.9) >> lin, lr.ScheduleError, ("chain", "pieces[0]", "never ends", "give it a length")),
    ("constant piece not last", lambda: lr.chain(c, lin), lr.ScheduleError, ("chain", "pieces[0]", "never ends", "constant(v, steps=n)")),
    ("chain boundaries count", lambda: lr.chain(lin, c, boundaries=[1, 2]), lr.ScheduleError, ("chain", "boundaries", "one shorter")),
    ("chain boundaries unsorted", lambda: lr.chain(c, c, c, boundaries=[5, 1]), lr.ScheduleError, ("chain", "boundaries", "non-decreasing")),
    ("chain of a number", lambda: lr.chain(lin, 3.0), TypeError, ("chain", "pieces[1]", "schedule")),
    ("empty chain", lambda: lr.chain(), lr.ScheduleError, ("chain", "pieces", "at least one")),
    ("repeat period zero", lambda: lin.repeat(0), lr.ScheduleError, ("repeat", "period", "> 0")),
    ("per_epoch zero", lambda: lin.per_epoch(0), lr.ScheduleError, ("per_epoch", "steps_per_epoch", "> 0")),
    ("clip lo > hi", lambda: lin.clip(1.0, 0.5), lr.ScheduleError, ("clip", "lo", "<= hi")),
    ("clip nan", lambda: lin.clip(nan, 1), lr.ScheduleError, ("clip", "lo", "finite")),
    ("warmup steps negative", lambda: lr.warmup(c, -1), lr.ScheduleError, ("warmup", "steps", ">= 0")),
    ("warmup of a number", lambda: lr.warmup(0.1, 10), TypeError, ("warmup", "schedule")),
    ("divide by zero", lambda: lin / 0, lr.ScheduleError, ("/", "divisor", "non-zero")),
    ("divide by constant zero", lambda: lin / lr.constant(0), lr.ScheduleError, ("/", "divisor")),
    ("add nan", lambda: lin + nan, lr.ScheduleError, ("+", "finite")),
    ("string parameter", lambda: lr.linear("0", 1, 10), TypeError, ("linear", "start", "number")),
    ("bool parameter", lambda: lr.constant(True), TypeError, ("constant", "value", "bool")),
    ("flag not bool", lambda: lr.cosine(1, 0, 10, periodic="yes"), TypeError, ("cosine", "periodic", "True or False")),
    ("array parameter", lambda: lr.constant(np.array([1.0, 2.0])), TypeError, ("constant", "value", "number")),
]


@pytest.mark.parametrize(("label", "build", "error", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_construction_is_a_clear_error(
    label: str, build: Callable[[], Any], error: type[Exception], words: tuple[str, ...]
) -> None:
    with pytest.raises(error) as info:
        build()
    for w in words:
        assert w in str(info.value), f"{w!r} not in {info.value}"


def test_schedule_error_is_a_value_error() -> None:
    assert issubclass(lr.ScheduleError, ValueError)


def test_arithmetic_with_a_non_number_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        lin + "a"  # type: ignore[operator]
    with pytest.raises(TypeError):
        [1] * lin  # type: ignore[operator]


@pytest.mark.parametrize("t", [math.nan, math.inf, -math.inf])
def test_eager_evaluation_at_a_non_finite_time_raises(t: float) -> None:
    with pytest.raises(lr.ScheduleError, match="finite"):
        lin(t)
    with pytest.raises(lr.ScheduleError, match="finite"):
        lin(np.array([0.0, t]))


@pytest.mark.parametrize("t", ["3", None, True, np.array(["a"]), object()])
def test_evaluation_at_a_non_number_is_a_type_error(t: Any) -> None:
    with pytest.raises(TypeError):
        lin(t)


def test_numpy_scalars_are_accepted_as_parameters() -> None:
    s = lr.linear(np.float32(0.0), np.float64(1.0), np.int64(10))
    assert s == lr.linear(0, 1, 10)
    assert s(5) == 0.5
