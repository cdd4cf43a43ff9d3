"""The language's primitives against Optax's own schedules, at float64 (x64 on).

Each Optax schedule is evaluated at every step over a range that crosses all
its transitions; the lrdsl expression must give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lrdsl as lr

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")


def optax_values(schedule: Callable[[Any], Any], n: int) -> np.ndarray:
    with jax.enable_x64(True):
        return np.asarray(jax.vmap(schedule)(jax.numpy.arange(n)), dtype=np.float64)


def assert_same(ours: lr.Schedule, theirs: Callable[[Any], Any], n: int) -> None:
    expected = optax_values(theirs, n)
    np.testing.assert_allclose(ours.values(n), expected, rtol=1e-12, atol=1e-15)
    with jax.enable_x64(True):  # and the JAX path gives the same, under jit
        got = np.asarray(jax.jit(ours.compile("jax"))(jax.numpy.arange(n)))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("init", "end", "steps", "begin"), [(1.0, 0.0, 100, 0), (1e-3, 1e-5, 37, 10), (0.0, 0.5, 1, 3)])
def test_linear_matches_linear_schedule(init: float, end: float, steps: int, begin: int) -> None:
    s = lr.linear(init, end, steps).shift(begin)
    assert_same(s, optax.linear_schedule(init, end, steps, transition_begin=begin), 200)


@pytest.mark.parametrize(("power", "begin"), [(1.0, 0), (2.0, 5), (0.5, 0), (3.0, 20)])
def test_polynomial_matches_polynomial_schedule(power: float, begin: int) -> None:
    s = lr.polynomial(1e-2, 1e-4, 120, power=power).shift(begin)
    assert_same(s, optax.polynomial_schedule(1e-2, 1e-4, power, 120, transition_begin=begin), 200)


@pytest.mark.parametrize(("alpha", "exponent"), [(0.0, 1.0), (0.1, 1.0), (0.01, 2.0), (0.5, 0.5)])
def test_cosine_matches_cosine_decay_schedule(alpha: float, exponent: float) -> None:
    s = lr.cosine(0.1, 0.1 * alpha, 150, exponent=exponent)
    assert_same(s, optax.cosine_decay_schedule(0.1, 150, alpha=alpha, exponent=exponent), 250)


@pytest.mark.parametrize(
    ("rate", "steps", "staircase", "end", "begin"),
    [
        (0.5, 10, False, None, 0),
        (0.5, 10, True, None, 0),
        (0.9, 7, True, 0.3, 5),
        (0.8, 3, False, 0.05, 0),
        (1.5, 20, False, 4.0, 0),
    ],
)
def test_exponential_matches_exponential_decay(
    rate: float, steps: int, staircase: bool, end: float | None, begin: int
) -> None:
    s = lr.exponential(1.0, rate, every=steps, staircase=staircase, end=end).shift(begin)
    theirs = optax.exponential_decay(
        1.0, steps, rate, transition_begin=begin, staircase=staircase, end_value=end
    )
    assert_same(s, theirs, 200)


@pytest.mark.parametrize(
    "boundaries_and_scales", [{10: 0.5, 50: 0.1}, {0: 2.0, 30: 0.5, 60: 0.5}, {100: 0.3}]
)
def test_piecewise_matches_piecewise_constant_schedule(boundaries_and_scales: dict[int, float]) -> None:
    bounds = sorted(boundaries_and_scales)
    values = [0.1]
    for b in bounds:
        values.append(values[-1] * boundaries_and_scales[b])
    # Optax applies a boundary's scale from ``count >= boundary`` on, as lrdsl does.
    assert_same(lr.piecewise(bounds, values), optax.piecewise_constant_schedule(0.1, boundaries_and_scales), 150)


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_interpolate_matches_piecewise_interpolate_schedule(kind: str) -> None:
    theirs = optax.piecewise_interpolate_schedule(kind, 0.5, {20: 2.0, 50: 0.5, 100: 0.1})
    ours = lr.interpolate([0, 20, 50, 100], [0.5, 1.0, 0.5, 0.05], kind=kind)
    assert_same(ours, theirs, 160)


def test_interpolate_matches_optax_with_a_ramp() -> None:
    theirs = optax.piecewise_interpolate_schedule("linear", 1.0, {10: 0.5, 30: 4.0})
    assert_same(lr.interpolate([0, 10, 30], [1.0, 0.5, 2.0]), theirs, 60)


def test_chain_matches_join_schedules() -> None:
    pieces = [
        optax.linear_schedule(0.0, 1e-3, 10),
        optax.constant_schedule(1e-3),
        optax.cosine_decay_schedule(1e-3, 40, alpha=0.1),
    ]
    theirs = optax.join_schedules(pieces, boundaries=[10, 30])
    ours = lr.chain(lr.linear(0, 1e-3, 10), lr.constant(1e-3), lr.cosine(1e-3, 1e-4, 40), boundaries=[10, 30])
    assert_same(ours, theirs, 120)
    # without explicit boundaries when every piece but the last has a length
    assert_same(lr.linear(0, 1e-3, 10) >> lr.linear(1e-3, 1e-3, 20) >> lr.cosine(1e-3, 1e-4, 40), theirs, 120)


@pytest.mark.parametrize(("warm", "decay", "end", "exponent"), [(10, 100, 0.0, 1.0), (25, 60, 1e-4, 2.0)])
def test_warmup_cosine_matches_warmup_cosine_decay_schedule(
    warm: int, decay: int, end: float, exponent: float
) -> None:
    theirs = optax.warmup_cosine_decay_schedule(1e-5, 1e-3, warm, decay, end, exponent=exponent)
    ours = lr.linear(1e-5, 1e-3, warm) >> lr.cosine(1e-3, end, decay - warm, exponent=exponent)
    assert_same(ours, theirs, decay + 40)
    assert_same(lr.warmup(lr.cosine(1e-3, end, decay - warm, exponent=exponent), warm, start=1e-5), theirs, decay + 40)
