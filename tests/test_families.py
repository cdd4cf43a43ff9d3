"""The schedule families (``lrdsl.families``): formulas, backends, text and data forms,
and errors. Parity with the anchors is in ``tests/test_compat_*.py``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrdsl as lr
from lrdsl.families import (
    cosine_restarts,
    cyclic,
    inverse_sqrt,
    inverse_time,
    one_minus_sqrt,
    onecycle,
    polynomial_cycle,
    polynomial_restarts,
    tanh,
    wsd,
)

jax = pytest.importorskip("jax")
jnp = jax.numpy

EXAMPLES = [
    cosine_restarts(1.0, 0.1, 10),
    cosine_restarts(1.0, 0.0, 7, mult=2, decay=0.5, limit=4),
    cosine_restarts(0.5, 0.01, 6, mult=1.5, k=2.0),
    polynomial_restarts(1.0, 0.0, 9, power=2.0, mult=3, limit=3),
    tanh(1.0, 0.01, 20),
    tanh(1.0, 0.0, 8, lb=-3.0, ub=2.0, mult=2, decay=0.9, limit=None),
    cyclic(0.01, 0.1, 10),
    cyclic(0.001, 0.1, 7, step_size_down=13, mode="triangular2"),
    cyclic(0.01, 0.2, 5, mode="exp_range", gamma=0.99),
    inverse_sqrt(1.0, 100),
    inverse_sqrt(0.3, 7, power=1.5),
    inverse_time(1.0, 0.5, every=10),
    inverse_time(1.0, 2.0, every=3, staircase=True),
    one_minus_sqrt(1.0, 0.1, 30),
    polynomial_cycle(1.0, 0.01, 10, power=2.0),
    onecycle(1.0, 97, pct_start=0.25, anneal="linear", three_phase=True),
    wsd(1.0, 10, 50, 20, end=0.01, warmup="cosine", decay="1-sqrt"),
]


@pytest.mark.parametrize("s", EXAMPLES, ids=str)
def test_backends_agree(s: lr.Schedule) -> None:
    t = np.arange(300)
    expected = s(t)
    assert np.isfinite(expected).all() and (expected >= 0).all()
    assert [s(int(k)) for k in t[::17]] == pytest.approx(expected[::17], rel=1e-15, abs=0)
    with jax.enable_x64(True):
        got = np.asarray(jax.jit(s.compile("jax"))(jnp.arange(300)))
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
    got32 = np.asarray(jax.jit(lambda t: s(t))(jnp.arange(300, dtype=jnp.int32)))
    np.testing.assert_allclose(got32, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("s", EXAMPLES, ids=str)
def test_text_and_data_forms_round_trip(s: lr.Schedule) -> None:
    assert lr.from_dict(s.to_dict()) == s
    assert lr.parse(str(s)) == s


@pytest.mark.parametrize("s", EXAMPLES[:3], ids=str)
def test_a_schedule_is_a_pytree_with_gradients_for_its_numbers(s: lr.Schedule) -> None:
    with jax.enable_x64(True):
        g = jax.grad(lambda sch: sch(jnp.asarray(13)))(s)
    assert type(g) is type(s)


def test_cosine_restarts_cycle_boundaries_are_exact() -> None:
    s = cosine_restarts(1.0, 0.0, 10, mult=3)
    starts = [0, 10, 40, 130, 400, 1210]  # 10 * (3**i - 1) / 2
    for b in starts:
        assert s(b) == 1.0
        assert s(b - 1) < 0.05 or b == 0
    # float32 JAX: the integer count is not rounded before the cycle arithmetic
    t = jnp.asarray([2**24 + 1, 3 * 2**24 + 7], dtype=jnp.int32)
    got = np.asarray(cosine_restarts(1.0, 0.0, 1000)(t), dtype=np.float64)
    np.testing.assert_allclose(got, cosine_restarts(1.0, 0.0, 1000)(np.asarray(t)), rtol=1e-6)


def test_cosine_restarts_formula() -> None:
    s = cosine_restarts(2.0, 0.5, 8, mult=2, decay=0.5)
    # cycle 1 spans [8, 24) and peaks at 2 * 0.5 = 1
    u, length = 20 - 8, 16
    assert s(20) == pytest.approx(0.5 + (1.0 - 0.5) * (1 + math.cos(math.pi * u / length)) / 2, rel=1e-15)


def test_limit_ends_the_cycles_and_gives_a_duration() -> None:
    s = cosine_restarts(1.0, 0.1, 10, mult=2, limit=3)
    assert s.finite and s.duration == 70
    assert s(69) > 0.1 and s(70) == s(10**6) == 0.1
    assert (s >> lr.constant(0.5))(75) == 0.5


def test_cyclic_triangle() -> None:
    s = cyclic(1.0, 3.0, 4, step_size_down=2)
    assert list(s(np.arange(8))) == pytest.approx([1.0, 1.5, 2.0, 2.5, 3.0, 2.0, 1.0, 1.5])
    halving = cyclic(0.0, 1.0, 2, mode="triangular2")
    assert halving(2) == 1.0 and halving(6) == 0.5 and halving(10) == 0.25


def test_inverse_sqrt_is_the_noam_schedule_after_warmup() -> None:
    d, w = 512, 4000
    noam = lr.warmup(inverse_sqrt((d * w) ** -0.5, w), w)
    for s in (1, 100, 4000, 4001, 10**5):
        assert noam(s) == pytest.approx(d**-0.5 * min(s**-0.5, s * w**-1.5), rel=1e-12)


def test_polynomial_cycle_horizon_grows() -> None:
    s = polynomial_cycle(1.0, 0.0, 10)
    assert s(0) == 1.0 and s(10) == 0.0 and s(11) == pytest.approx(1 - 11 / 20) and s(20) == 0.0


def test_one_minus_sqrt_and_wsd() -> None:
    assert one_minus_sqrt(1.0, 0.0, 100)(25) == 0.5
    s = wsd(1.0, 10, 80, 10, start=0.1, end=0.01)
    assert s(0) == 0.1 and s(10) == s(89) == 1.0 and s(100) == s(10**6) == 0.01
    assert wsd(1.0, 0, 0, 0, end=0.2)(0) == 0.2


def test_onecycle_matches_pytorch_phase_ends() -> None:
    s = onecycle(1.0, 100)  # phases end at 29.0 and 99
    assert s(0) == 1.0 / 25 and s(29) == 1.0 and s(99) == pytest.approx(1.0 / 25 / 1e4, rel=1e-12)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: cosine_restarts(1.0, 0.0, 0), "cosine_restarts: period must be > 0, got 0"),
        (lambda: cosine_restarts(1.0, 0.0, 10, mult=0.5), "cosine_restarts: mult must be >= 1, got 0.5"),
        (lambda: cosine_restarts(1.0, 0.0, 10, limit=0), "cosine_restarts: limit must be > 0, got 0"),
        (lambda: polynomial_restarts(1.0, 0.0, 10, power=0), "polynomial_restarts: power must be > 0, got 0"),
        (lambda: tanh(1.0, 0.0, 10, lb=3.0, ub=-7.0), "tanh: lb must be < ub"),
        (lambda: cyclic(0.1, 1.0, 0), "cyclic: step_size_up must be > 0, got 0"),
        (lambda: cyclic(0.1, 1.0, 5, mode="sawtooth"), "cyclic: mode must be one of"),
        (lambda: inverse_sqrt(1.0, -1), "inverse_sqrt: timescale must be > 0, got -1"),
        (lambda: inverse_time(1.0, -0.5), "inverse_time: rate must be >= 0, got -0.5"),
        (lambda: one_minus_sqrt(1.0, 0.0, -10), "one_minus_sqrt: steps must be >= 0, got -10"),
        (lambda: polynomial_cycle(1.0, 0.0, 0), "polynomial_cycle: steps must be > 0, got 0"),
        (lambda: onecycle(1.0, 3), "onecycle: pct_start must be such that pct_start \\* total_steps > 1"),
        (lambda: onecycle(1.0, 100, anneal="cosine"), "onecycle: anneal must be one of"),
        (lambda: wsd(1.0, 10, 10, 10, decay="exp"), "wsd: decay must be one of"),
    ],
)
def test_bad_parameters_name_function_parameter_value_and_rule(make: object, message: str) -> None:
    with pytest.raises(lr.ScheduleError, match=message):
        make()  # type: ignore[operator]
