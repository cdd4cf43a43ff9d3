"""The meaning of schedules: time, duration, structure, text, shapes and types."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrdsl as lr

s = lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000)


def test_the_readme_schedule_prints_as_its_expression() -> None:
    assert str(s) == "linear(0, 0.001, 1000) >> cosine(0.001, 1e-05, 99000)"
    assert repr(s) == str(s)


def test_value_at_zero_is_the_first_update() -> None:
    assert s(0) == 0.0
    assert s(1) == pytest.approx(1e-6, rel=1e-12)
    assert s(1000) == pytest.approx(1e-3, rel=1e-12)
    assert s(100_000) == pytest.approx(1e-5, rel=1e-12)
    assert s(10**9) == pytest.approx(1e-5, rel=1e-12)


def test_negative_time_is_time_zero() -> None:
    assert s(-5) == s(0)
    assert s(-0.5) == s(0)
    np.testing.assert_array_equal(s(np.array([-3, -1, 0])), np.full(3, s(0)))


def test_fractional_time() -> None:
    assert lr.linear(0, 1, 10)(2.5) == 0.25
    assert lr.step(1.0, 2, gamma=0.5)(3.9) == 0.5


def test_types_follow_the_input() -> None:
    assert type(s(3)) is float
    assert type(s(3.0)) is float
    out = s(np.arange(6).reshape(2, 3))
    assert out.dtype == np.float64 and out.shape == (2, 3)
    assert s(np.int32(5)) == s(5)
    assert s([0, 500]).shape == (2,)
    assert lr.constant(0.1)(np.zeros((4, 1))).shape == (4, 1)


def test_duration() -> None:
    assert s.duration == 100_000
    assert lr.constant(1).duration == math.inf
    assert lr.exponential(1, 0.5).duration == math.inf
    assert lr.interpolate([0, 10, 40], [1, 2, 3]).duration == 40
    assert lr.warmup(lr.cosine(1, 0, 90), 10).duration == 100
    assert lr.warmup(lr.cosine(1, 0, 90), 10, shift=False).duration == 90
    assert lr.linear(0, 1, 10).shift(5).duration == 15
    assert lr.linear(0, 1, 10).per_epoch(100).duration == 1000
    assert lr.linear(0, 1, 10).repeat(10).duration == math.inf
    assert (2 * lr.linear(0, 1, 10) + lr.constant(1)).duration == 10
    assert (lr.linear(0, 1, 10) * lr.cosine(1, 0, 30)).duration == 30
    assert (lr.linear(0, 1, 10) * lr.exponential(1, 0.9)).duration == math.inf
    assert lr.chain(lr.constant(1), lr.linear(0, 1, 5), boundaries=[7]).duration == 12


def test_structural_equality_and_hash() -> None:
    a = lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000)
    assert a == s and hash(a) == hash(s)
    assert a != lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_001)
    assert lr.linear(0, 1, 10) == lr.linear(0.0, 1.0, 10.0)
    assert len({a, s, lr.constant(1)}) == 2
    assert lr.multistep(1, [1, 2]) == lr.multistep(1, (1, 2))


def test_chains_flatten() -> None:
    a, b, c = lr.linear(0, 1, 10), lr.cosine(1, 0, 10), lr.constant(0)
    assert (a >> b) >> c == a >> (b >> c) == lr.chain(a, b, c)
    assert len(((a >> b) >> c).pieces) == 3


def test_schedules_are_immutable() -> None:
    with pytest.raises(AttributeError):
        s.pieces = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (2 * lr.constant(3), "2 * constant(3)"),
        (-(lr.constant(1) + 2), "-(constant(1) + 2)"),
        ((lr.constant(1) + 2) * 3, "(constant(1) + 2) * 3"),
        (lr.constant(1) - (lr.constant(2) - 3), "constant(1) - (constant(2) - 3)"),
        (lr.constant(2) ** 3 ** lr.constant(1), "constant(2) ** 3 ** constant(1)"),
        ((lr.constant(2) ** 3) ** 2, "(constant(2) ** 3) ** 2"),
        (lr.constant(2) ** -1, "constant(2) ** -1"),
        ((lr.linear(0, 1, 10) + 1).shift(5), "(linear(0, 1, 10) + 1).shift(5)"),
        (lr.linear(0, 1, 10).clip(hi=0.5), "linear(0, 1, 10).clip(hi=0.5)"),
        (lr.linear(0, 1, 10).per_epoch(100, staircase=False), "linear(0, 1, 10).per_epoch(100, staircase=False)"),
        (lr.cosine(1, 0, 10, periodic=True), "cosine(1, 0, 10, periodic=True)"),
        (lr.exponential(1, 0.5, every=10, staircase=True), "exponential(1, 0.5, every=10, staircase=True)"),
        (lr.interpolate([0, 5], [1, 0], kind="cosine"), "interpolate([0, 5], [1, 0], kind='cosine')"),
        (lr.chain(lr.constant(1), lr.constant(2), boundaries=[5]), "chain(constant(1), constant(2), boundaries=[5])"),
        (lr.minimum(lr.constant(1), 0.5), "minimum(constant(1), 0.5)"),
        (lr.warmup(lr.constant(1), 10, start=0.1), "warmup(constant(1), 10, start=0.1)"),
        ((lr.linear(0, 1, 10) >> lr.constant(1)) * 2, "(linear(0, 1, 10) >> constant(1)) * 2"),
    ],
)
def test_repr_reads_as_the_expression(schedule: lr.Schedule, text: str) -> None:
    assert repr(schedule) == text


def test_arithmetic_is_pointwise() -> None:
    a, b = lr.linear(0, 1, 10), lr.constant(0.5)
    t = np.arange(15)
    np.testing.assert_allclose((a + b)(t), a(t) + 0.5)
    np.testing.assert_allclose((a - b)(t), a(t) - 0.5)
    np.testing.assert_allclose((1 - a)(t), 1 - a(t))
    np.testing.assert_allclose((a * 3)(t), a(t) * 3)
    np.testing.assert_allclose((a / 4)(t), a(t) / 4)
    np.testing.assert_allclose((2 / (a + 1))(t), 2 / (a(t) + 1))
    np.testing.assert_allclose((a**2)(t), a(t) ** 2)
    np.testing.assert_allclose((2**a)(t), 2 ** a(t))
    np.testing.assert_allclose((-a)(t), -a(t))
    np.testing.assert_allclose(lr.minimum(a, b)(t), np.minimum(a(t), 0.5))
    np.testing.assert_allclose(lr.maximum(a, b)(t), np.maximum(a(t), 0.5))
    np.testing.assert_allclose(a.clip(0.2, 0.7)(t), np.clip(a(t), 0.2, 0.7))
    np.testing.assert_allclose((np.float64(2) * a)(t), 2 * a(t))


def test_chain_pieces_restart_their_own_time() -> None:
    c = lr.chain(lr.linear(0, 1, 10), lr.linear(1, 0, 10), boundaries=[4])
    assert c(3) == pytest.approx(0.3)
    assert c(4) == 1.0  # the second piece at its t = 0
    assert c(9) == pytest.approx(0.5)


def test_chain_with_repeated_boundaries_skips_the_empty_piece() -> None:
    c = lr.chain(lr.constant(1), lr.constant(2), lr.constant(3), boundaries=[5, 5])
    np.testing.assert_array_equal(c(np.arange(4, 7)), [1, 3, 3])


def test_warmup_then_schedule() -> None:
    w = lr.warmup(lr.cosine(1.0, 0.0, 100), 10, start=0.1)
    assert w(0) == 0.1
    assert w(5) == pytest.approx(0.55)
    assert w(10) == 1.0
    assert w(60) == pytest.approx(0.5)
    ns = lr.warmup(lr.cosine(1.0, 0.0, 100), 10, shift=False)
    assert ns(5) == 0.5
    assert ns(50) == pytest.approx(0.5)


def test_shift_per_epoch_repeat() -> None:
    a = lr.linear(0, 1, 10)
    assert a.shift(5)(3) == 0.0
    assert a.shift(5)(10) == 0.5
    assert a.per_epoch(100)(250) == 0.2
    assert a.per_epoch(100, staircase=False)(250) == 0.25
    assert a.repeat(4)(9) == 0.1


def test_multistep_repeated_milestone_counts_twice() -> None:
    m = lr.multistep(1.0, [5, 5, 8], gamma=0.5)
    np.testing.assert_allclose(m(np.array([4, 5, 8])), [1.0, 0.25, 0.125])


def test_exponential_end_bounds_the_value() -> None:
    assert lr.exponential(1.0, 0.5, end=0.2)(10) == 0.2
    assert lr.exponential(1.0, 2.0, end=5.0)(10) == 5.0
    assert lr.exponential(1.0, 2.0)(2000) == math.inf  # the formula itself diverges


def test_interpolate_is_constant_outside_its_knots() -> None:
    i = lr.interpolate([10, 20], [1.0, 3.0])
    np.testing.assert_allclose(i(np.array([0, 10, 15, 20, 99])), [1, 1, 2, 3, 3])
    assert lr.interpolate([5], [0.3])(100) == 0.3
    jump = lr.interpolate([0, 10, 10, 20], [0.0, 1.0, 5.0, 5.0])
    np.testing.assert_allclose(jump(np.array([9, 10, 11, 30])), [0.9, 5.0, 5.0, 5.0])


def test_polynomial_and_cosine_values() -> None:
    assert lr.polynomial(1.0, 0.0, 10, power=2.0)(5) == 0.25
    assert lr.cosine(1.0, 0.0, 10)(5) == pytest.approx(0.5, rel=1e-15)
    assert lr.cosine(1.0, 0.0, 10, exponent=2.0)(5) == pytest.approx(0.25, rel=1e-15)
    assert lr.cosine(1.0, 0.0, 10, periodic=True)(20) == pytest.approx(1.0, rel=1e-15)
    assert lr.cosine(0.0, 1.0, 10, exponent=3.0)(10) == 1.0


def test_values_gives_the_first_n() -> None:
    np.testing.assert_array_equal(s.values(5), s(np.arange(5)))
    with pytest.raises(lr.ScheduleError):
        s.values(-1)


def test_a_lambda_on_python_and_numpy() -> None:
    f = lr.lambda_(lambda t: 1 / (1 + t))
    assert f(3) == 0.25
    np.testing.assert_allclose(f(np.arange(3)), [1, 0.5, 1 / 3])


def test_compile_backends() -> None:
    t = np.arange(0, 100_000, 997)
    expected = s(t)
    np.testing.assert_allclose(s.compile("numpy")(t), expected, rtol=1e-15)
    py = s.compile("python")
    assert all(math.isclose(py(int(k)), e, rel_tol=1e-15) for k, e in zip(t, expected))
    with pytest.raises(lr.ScheduleError, match="backend"):
        s.compile("cuda")


def test_import_does_not_load_jax_torch_or_matplotlib() -> None:
    import subprocess
    import sys

    code = (
        "import sys, lrdsl as lr; lr.linear(0, 1, 10)(3); lr.parse; "
        "bad = [m for m in ('jax', 'torch', 'matplotlib', 'optax') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
