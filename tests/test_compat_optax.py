"""``lrdsl.compat.optax`` against ``optax.schedules`` itself, at float64 (x64 on).

Each case evaluates Optax's schedule at ``count = 0 .. n-1`` with x64 enabled
and compares the compat expression's values (and, for a few, its jitted JAX
path).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from lrdsl.compat import optax as co

from .compat_cases import Case, assert_exact

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")


def optax_values(make: Callable[[], Any], n: int) -> np.ndarray:
    with jax.enable_x64(True):
        return np.asarray(jax.vmap(make())(jax.numpy.arange(n)), dtype=np.float64)


def case(name: str, config: str, ours: Callable[[], Any], theirs: Callable[[], Any], n: int) -> Case:
    return Case(name, config, ours, lambda: optax_values(theirs, n), n)


OS = optax.schedules
SGDR = [
    {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 5, "decay_steps": 30, "end_value": 0.01},
    {"init_value": 0.01, "peak_value": 0.5, "warmup_steps": 0, "decay_steps": 20},
    {"init_value": 0.0, "peak_value": 0.25, "warmup_steps": 3, "decay_steps": 40, "exponent": 2.0},
]

CASES = [
    case("constant_schedule", "0.3", lambda: co.constant_schedule(0.3), lambda: OS.constant_schedule(0.3), 5),
    case("constant_schedule", "0", lambda: co.constant_schedule(0.0), lambda: OS.constant_schedule(0.0), 5),
    case("linear_schedule", "decay", lambda: co.linear_schedule(1.0, 0.01, 50), lambda: OS.linear_schedule(1.0, 0.01, 50), 80),
    case(
        "linear_schedule",
        "begin",
        lambda: co.linear_schedule(0.0, 0.3, 17, transition_begin=9),
        lambda: OS.linear_schedule(0.0, 0.3, 17, transition_begin=9),
        40,
    ),
    case(
        "polynomial_schedule",
        "power=2,begin",
        lambda: co.polynomial_schedule(1.0, 0.01, 2.0, 60, 10),
        lambda: OS.polynomial_schedule(1.0, 0.01, 2.0, 60, 10),
        90,
    ),
    case(
        "polynomial_schedule",
        "power=0.5",
        lambda: co.polynomial_schedule(0.1, 0.0, 0.5, 33),
        lambda: OS.polynomial_schedule(0.1, 0.0, 0.5, 33),
        50,
    ),
    case(
        "cosine_decay_schedule",
        "alpha",
        lambda: co.cosine_decay_schedule(0.1, 70, alpha=0.05),
        lambda: OS.cosine_decay_schedule(0.1, 70, alpha=0.05),
        100,
    ),
    case(
        "cosine_decay_schedule",
        "exponent",
        lambda: co.cosine_decay_schedule(1.0, 41, exponent=3.0),
        lambda: OS.cosine_decay_schedule(1.0, 41, exponent=3.0),
        60,
    ),
    case(
        "exponential_decay",
        "continuous,begin,end",
        lambda: co.exponential_decay(1.0, 10, 0.5, transition_begin=5, end_value=0.01),
        lambda: OS.exponential_decay(1.0, 10, 0.5, transition_begin=5, end_value=0.01),
        100,
    ),
    case(
        "exponential_decay",
        "staircase,growth",
        lambda: co.exponential_decay(0.01, 7, 1.5, staircase=True, end_value=0.2),
        lambda: OS.exponential_decay(0.01, 7, 1.5, staircase=True, end_value=0.2),
        80,
    ),
    case(
        "piecewise_constant_schedule",
        "two",
        lambda: co.piecewise_constant_schedule(1.0, {30: 0.1, 60: 0.1}),
        lambda: OS.piecewise_constant_schedule(1.0, {30: 0.1, 60: 0.1}),
        90,
    ),
    case(
        "piecewise_constant_schedule",
        "unsorted,growth",
        lambda: co.piecewise_constant_schedule(0.5, {40: 3.0, 10: 0.5, 20: 0.0}),
        lambda: OS.piecewise_constant_schedule(0.5, {40: 3.0, 10: 0.5, 20: 0.0}),
        60,
    ),
    case(
        "piecewise_interpolate_schedule",
        "linear",
        lambda: co.piecewise_interpolate_schedule("linear", 1.0, {10: 0.5, 25: 0.1, 40: 2.0}),
        lambda: OS.piecewise_interpolate_schedule("linear", 1.0, {10: 0.5, 25: 0.1, 40: 2.0}),
        60,
    ),
    case(
        "piecewise_interpolate_schedule",
        "cosine,boundary at 0",
        lambda: co.piecewise_interpolate_schedule("cosine", 0.2, {0: 2.0, 30: 0.01}),
        lambda: OS.piecewise_interpolate_schedule("cosine", 0.2, {0: 2.0, 30: 0.01}),
        50,
    ),
    case(
        "linear_onecycle_schedule",
        "default",
        lambda: co.linear_onecycle_schedule(100, 0.1),
        lambda: OS.linear_onecycle_schedule(100, 0.1),
        120,
    ),
    case(
        "linear_onecycle_schedule",
        "fractional pct",
        lambda: co.linear_onecycle_schedule(77, 1.0, 0.33, 0.9, 10.0, 100.0),
        lambda: OS.linear_onecycle_schedule(77, 1.0, 0.33, 0.9, 10.0, 100.0),
        90,
    ),
    case(
        "cosine_onecycle_schedule",
        "default",
        lambda: co.cosine_onecycle_schedule(100, 0.1),
        lambda: OS.cosine_onecycle_schedule(100, 0.1),
        120,
    ),
    case(
        "cosine_onecycle_schedule",
        "pct=0.45",
        lambda: co.cosine_onecycle_schedule(63, 2.0, 0.45, 5.0, 50.0),
        lambda: OS.cosine_onecycle_schedule(63, 2.0, 0.45, 5.0, 50.0),
        80,
    ),
    case(
        "warmup_constant_schedule",
        "10",
        lambda: co.warmup_constant_schedule(0.0, 0.1, 10),
        lambda: OS.warmup_constant_schedule(0.0, 0.1, 10),
        30,
    ),
    case(
        "warmup_constant_schedule",
        "from 0.01",
        lambda: co.warmup_constant_schedule(0.01, 0.3, 23),
        lambda: OS.warmup_constant_schedule(0.01, 0.3, 23),
        40,
    ),
    case(
        "warmup_cosine_decay_schedule",
        "end",
        lambda: co.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, 0.01),
        lambda: OS.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, 0.01),
        130,
    ),
    case(
        "warmup_cosine_decay_schedule",
        "exponent,no warmup",
        lambda: co.warmup_cosine_decay_schedule(0.1, 0.5, 0, 37, exponent=2.0),
        lambda: OS.warmup_cosine_decay_schedule(0.1, 0.5, 0, 37, exponent=2.0),
        50,
    ),
    case(
        "warmup_exponential_decay_schedule",
        "continuous",
        lambda: co.warmup_exponential_decay_schedule(0.0, 1.0, 10, 5, 0.8, end_value=0.05),
        lambda: OS.warmup_exponential_decay_schedule(0.0, 1.0, 10, 5, 0.8, end_value=0.05),
        100,
    ),
    case(
        "warmup_exponential_decay_schedule",
        "staircase,begin",
        lambda: co.warmup_exponential_decay_schedule(0.01, 0.2, 7, 4, 0.5, transition_begin=6, staircase=True),
        lambda: OS.warmup_exponential_decay_schedule(0.01, 0.2, 7, 4, 0.5, transition_begin=6, staircase=True),
        60,
    ),
    case("sgdr_schedule", "three cycles", lambda: co.sgdr_schedule(SGDR), lambda: OS.sgdr_schedule(SGDR), 110),
    case("sgdr_schedule", "one cycle", lambda: co.sgdr_schedule(SGDR[:1]), lambda: OS.sgdr_schedule(SGDR[:1]), 40),
    case(
        "join_schedules",
        "linear,cosine",
        lambda: co.join_schedules([co.linear_schedule(0.0, 1.0, 10), co.cosine_decay_schedule(1.0, 50)], [10]),
        lambda: OS.join_schedules([OS.linear_schedule(0.0, 1.0, 10), OS.cosine_decay_schedule(1.0, 50)], [10]),
        70,
    ),
    case(
        "join_schedules",
        "three,early switch",
        lambda: co.join_schedules(
            [co.constant_schedule(0.5), co.exponential_decay(1.0, 3, 0.9), co.constant_schedule(0.01)], [5, 40]
        ),
        lambda: OS.join_schedules(
            [OS.constant_schedule(0.5), OS.exponential_decay(1.0, 3, 0.9), OS.constant_schedule(0.01)], [5, 40]
        ),
        60,
    ),
]


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.id)
def test_matches_optax(c: Case) -> None:
    assert_exact(c)


@pytest.mark.parametrize("name", ["warmup_cosine_decay_schedule", "sgdr_schedule", "cosine_onecycle_schedule"])
def test_jitted_jax_path_matches_optax(name: str) -> None:
    c = next(c for c in CASES if c.name == name)
    expected = np.asarray(c.theirs())
    with jax.enable_x64(True):
        got = np.asarray(jax.jit(c.ours().compile("jax"))(jax.numpy.arange(c.steps)))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_compat_results_read_as_plain_expressions() -> None:
    assert str(co.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, 0.01)) == (
        "linear(0.0, 1.0, 10) >> cosine(1.0, 0.01, 90)"
    )
    assert str(co.linear_schedule(0.0, 0.3, 17, transition_begin=9)) == "linear(0.0, 0.3, 17).shift(9)"
    assert str(co.piecewise_constant_schedule(1.0, {60: 0.5, 30: 0.1})) == "piecewise([30, 60], [1.0, 0.1, 0.05])"
