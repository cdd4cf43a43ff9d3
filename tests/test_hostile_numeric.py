"""Hostile numbers: parameters of every type, counts of every dtype and size, lengths
beyond int32 under ``jit``, threads. Each case is the right value or a clear error
(``ScheduleError`` or ``TypeError``, with the function, the parameter, the value and
the rule), never a NaN, a wrapped count or an ``OverflowError`` (issue 10)."""

from __future__ import annotations

import decimal
import fractions
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lrdsl as lr

jax = pytest.importorskip("jax")
jnp = jax.numpy

# -- parameters: concrete JAX arrays are checked like Python numbers -------------------


def test_a_concrete_jax_negative_length_is_refused_like_a_python_one() -> None:
    with pytest.raises(lr.ScheduleError, match=r"^cosine: steps must be >= 0, got -1 \(a JAX int32 array\)$"):
        lr.cosine(1.0, 0.0, jnp.asarray(-1))


def test_a_stacked_sweep_names_the_bad_element_and_where_it_is() -> None:
    with pytest.raises(lr.ScheduleError) as info:
        lr.cosine(jnp.array([1e-3, 3e-3]), 0.0, jnp.array([100, -1, 50]))
    msg = str(info.value)
    assert msg.startswith("cosine: steps must be >= 0, got -1 at index 1")
    assert "int32 array of shape (3,)" in msg


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: lr.linear(0.0, jnp.array([1.0, jnp.nan]), 10), "linear: end must be a finite number, got nan at index 1"),
        (lambda: lr.linear(0.0, 1.0, jnp.array([10.0, jnp.inf])), "linear: steps must be a finite number, got inf at index 1"),
        (lambda: lr.linear(0.0, 1.0, jnp.array([10, -1])), "linear: steps must be >= 0, got -1 at index 1"),
        (lambda: lr.exponential(1.0, jnp.asarray(0.0)), "exponential: gamma must be > 0, got 0.0"),
        (lambda: lr.cosine_restarts(1.0, 0.0, 10, mult=jnp.asarray(0.5)), "cosine_restarts: mult must be >= 1, got 0.5"),
        (lambda: lr.tanh(1.0, 0.0, 10, lb=jnp.asarray(3.0), ub=jnp.asarray(1.0)), "tanh: lb must be < ub"),
        (lambda: lr.step(1.0, jnp.asarray(-5, dtype=jnp.int32)), "step: step_size must be > 0, got -5"),
    ],
)
def test_concrete_jax_arrays_are_checked_elementwise(build: Callable[[], Any], words: str) -> None:
    with pytest.raises(lr.ScheduleError) as info:
        build()
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("value", "words"),
    [(jnp.asarray(True), "must be a number, got an array of bool"), (jnp.asarray(1 + 2j), "must be a real number")],
)
def test_jax_arrays_of_other_kinds_are_a_type_error(value: Any, words: str) -> None:
    with pytest.raises(TypeError, match=words):
        lr.constant(value)


def test_a_valid_stacked_sweep_gives_each_schedules_values() -> None:
    sweep = lr.cosine(jnp.array([1e-3, 3e-3]), jnp.zeros(2), jnp.array([100, 200]), exponent=jnp.ones(2))
    got = np.asarray(jax.vmap(lambda sc: sc(jnp.arange(0, 300, 7)))(sweep))
    for row, (peak, steps) in zip(got, [(1e-3, 100), (3e-3, 200)]):
        np.testing.assert_allclose(row, lr.cosine(peak, 0.0, steps)(np.arange(0, 300, 7)), rtol=1e-5, atol=1e-9)


def test_traced_parameters_pass_unchecked() -> None:
    assert float(jax.jit(lambda n: lr.linear(0.0, 1.0, n)(5))(10.0)) == pytest.approx(0.5)


def test_a_check_never_imports_jax() -> None:
    code = "import sys, numpy as np, lrdsl as lr; lr.cosine(1, 0, np.float32(10)); lr.multistep(1, np.array([1, 2]))\n"
    code += "assert 'jax' not in sys.modules, 'jax imported'; print('ok')"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


# -- parameters: numbers of every Python and NumPy type --------------------------------

NUMPY_SCALARS = [np.int8(10), np.int16(10), np.int32(10), np.int64(10), np.uint8(10), np.uint16(10),
                 np.uint32(10), np.uint64(10), np.float16(10), np.float32(10), np.float64(10),
                 np.longdouble(10), np.array(10), np.array(10.0, dtype=np.float16)]  # fmt: skip


@pytest.mark.parametrize("steps", NUMPY_SCALARS, ids=lambda v: np.asarray(v).dtype.name)
def test_numpy_scalars_of_every_real_dtype_stand_for_their_python_number(steps: Any) -> None:
    s = lr.linear(0.0, 1.0, steps)
    assert type(s.steps) in (int, float) and s.steps == 10
    assert s(5) == 0.5


def test_a_uint64_beyond_int64_is_the_python_int_it_holds() -> None:
    assert lr.linear(0.0, 1.0, np.uint64(2**64 - 1)).steps == 2**64 - 1


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (np.bool_(True), TypeError, "constant: value must be a number, got the bool True"),
        (np.complex128(1), TypeError, "constant: value must be a real number, got complex128"),
        (np.datetime64("2020-01-01"), TypeError, "constant: value must be a real number, got datetime64"),
        (np.timedelta64(5, "s"), TypeError, "constant: value must be a real number, got timedelta64"),
        (np.str_("1"), TypeError, "constant: value must be a real number, got str_ '1'"),
        (np.array([1.0]), TypeError, "constant: value must be a number, got a NumPy array of shape (1,)"),
        (np.longdouble("1e400"), lr.ScheduleError, "constant: value must be a finite number (within the float64 range)"),
        (np.float32(np.nan), lr.ScheduleError, "constant: value must be a finite number, got nan"),
        (10**400, lr.ScheduleError, "constant: value must be a finite number, got an int of 401 digits"),
        (fractions.Fraction(10**400, 3), lr.ScheduleError, "constant: value must be a finite number"),
        (decimal.Decimal("NaN"), lr.ScheduleError, "constant: value must be a finite number, got Decimal('NaN')"),
        (decimal.Decimal("sNaN"), lr.ScheduleError, "constant: value must be a finite number, got Decimal('sNaN')"),
        (decimal.Decimal("1e400"), lr.ScheduleError, "constant: value must be a finite number, got Decimal('1E+400')"),
        (fractions.Fraction(1, 3) * 10**400, lr.ScheduleError, "constant: value must be a finite number"),
    ],
    ids=repr,
)
def test_bad_numbers_of_every_kind_are_clear_errors(value: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as info:
        lr.constant(value)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (fractions.Fraction(1, 4), 0.25),
        (fractions.Fraction(10, 1), 10),
        (decimal.Decimal("0.25"), 0.25),
        (decimal.Decimal("10"), 10),
        (np.longdouble(0.25), 0.25),
    ],
    ids=repr,
)
def test_fractions_and_decimals_are_the_number_they_stand_for(value: Any, expected: Any) -> None:
    s = lr.constant(value)
    assert s.value == expected and type(s.value) is type(expected)


@pytest.mark.parametrize(
    ("milestones", "error", "words"),
    [
        (np.array([30, 10]), lr.ScheduleError, "multistep: milestones must be non-decreasing"),
        (jnp.array([30, 10]), lr.ScheduleError, "multistep: milestones must be non-decreasing"),
        (jnp.array([-1, 10]), lr.ScheduleError, "multistep: milestones must be made of numbers >= 0"),
        (jnp.array([1.0, jnp.nan]), lr.ScheduleError, "multistep: milestones must be a finite number, got nan at index 1"),
        (np.array([[1, 2]]), TypeError, "multistep: milestones must be a list of numbers, got a NumPy array of shape (1, 2)"),
        (np.array([True, False]), TypeError, "multistep: milestones[0] must be a number, got the bool True"),
    ],
    ids=repr,
)
def test_sequences_given_as_arrays_are_checked(milestones: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as info:
        lr.multistep(1.0, milestones)
    assert words in str(info.value)


@pytest.mark.parametrize("milestones", [np.array([10, 20]), jnp.array([10, 20]), (np.int8(10), np.uint64(20))], ids=repr)
def test_sequences_given_as_arrays_give_the_values_of_lists(milestones: Any) -> None:
    s = lr.multistep(1.0, milestones, gamma=0.5)
    assert [s(t) for t in (9, 10, 20)] == [1.0, 0.5, 0.25]


# -- schedules rebuilt by JAX from leaves are checked before they are evaluated ------------


def test_a_tree_map_to_bad_lengths_fails_at_the_first_evaluation() -> None:
    broken = jax.tree.map(lambda x: x - 11, lr.linear(0.0, 1.0, 10))
    with pytest.raises(lr.ScheduleError, match=r"^linear: steps must be >= 0, got -1\.0$"):
        broken(5)


def test_a_tree_map_to_negative_lengths_fails_on_numpy_and_at_compile() -> None:
    negated = jax.tree.map(lambda x: -x, lr.cosine(1.0, 0.5, 10))
    with pytest.raises(lr.ScheduleError, match=r"^cosine: steps must be >= 0, got -10\.0$"):
        negated(np.arange(3))
    with pytest.raises(lr.ScheduleError, match=r"^cosine: steps must be >= 0"):
        jax.tree.map(lambda x: -x, lr.cosine(1.0, 0.5, 10)).compile("jax")


def test_a_stacked_sweep_with_a_bad_element_fails_when_evaluated() -> None:
    good = [lr.linear(0.0, 1.0, 10), lr.linear(0.0, 1.0, 20)]
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *good)
    broken = jax.tree.map(lambda x: x.at[1].set(-1.0), stacked)
    with pytest.raises(lr.ScheduleError, match=r"^linear: steps must be >= 0, got -1\.0 at index 1"):
        broken(jnp.arange(3))


def test_a_tree_map_that_keeps_the_rules_evaluates() -> None:
    doubled = jax.tree.map(lambda x: 2 * x, lr.linear(0.0, 1.0, 10))
    assert doubled(10) == 1.0 and doubled(20) == 2.0


# -- counts on Python and NumPy: every dtype, any size -----------------------------------

S = lr.linear(0.0, 1.0, 10).repeat(7) + lr.exponential(1.0, 0.5, every=3, staircase=True)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64])
def test_integer_counts_of_every_dtype_give_the_int64_values(dtype: type) -> None:
    t = np.arange(0, 120, dtype=dtype)
    np.testing.assert_array_equal(S(t), S(np.arange(0, 120)))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
def test_float_counts_of_every_width_give_the_float64_values(dtype: type) -> None:
    t = np.arange(0, 60, 0.5).astype(dtype)
    np.testing.assert_array_equal(S(t), S(t.astype(np.float64)))


def test_uint64_counts_beyond_int64_are_exact_not_wrapped() -> None:
    big = [2**63, 2**63 + 3, 2**64 - 1]
    got = S(np.array(big, dtype=np.uint64))
    assert got.tolist() == [S(t) for t in big]
    assert got.tolist() != [S(0)] * 3  # a wrapped count would be negative, evaluated as 0
    assert S(np.uint64(2**64 - 1)) == S(2**64 - 1)


def test_python_ints_of_any_size_are_exact() -> None:
    r = lr.linear(0.0, 1.0, 10).repeat(7)
    assert r(2**63 + 3) == ((2**63 + 3) % 7) / 10
    assert r(10**400) == (10**400 % 7) / 10
    assert r(np.array([10**400, 2**70], dtype=object)).tolist() == [r(10**400), r(2**70)]


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        (lr.linear(0.0, 1.0, 10), 1.0),
        (lr.step(1.0, 10), 0.0),  # 0.1 ** (t // 10): 0, not inf
        (lr.exponential(1.0, 0.5), 0.0),
        (lr.exponential(1.0, 0.5, every=3, end=0.25), 0.25),
        (lr.inverse_sqrt(1.0, 10), 0.0),
        (lr.inverse_time(1.0, 0.5), 0.0),
        (lr.cyclic(0.1, 1.0, 10, mode="exp_range", gamma=0.9), 0.1),  # not NaN
        (lr.linear(0.0, 1.0, 10).per_epoch(3, staircase=False), 1.0),
        (lr.cosine(1.0, 0.0, 10, periodic=True), 1.0),  # 10**400 mod 20 == 0
        (lr.cosine_restarts(1.0, 0.0, 10), 1.0),
    ],
    ids=repr,
)
def test_a_count_beyond_the_floats_gives_the_right_value(s: lr.Schedule, expected: float) -> None:
    assert s(10**400) == expected
    assert s.compile("python")(10**400) == expected
    for _ in range(300):  # past the warm-up, through generated code
        s(5)
    assert s(10**400) == expected


def test_a_count_beyond_what_a_schedule_can_reach_is_a_schedule_error() -> None:
    s = lr.cosine_restarts(1.0, 0.0, 10, mult=2)  # cycle starts beyond the floats
    with pytest.raises(lr.ScheduleError, match="t = an int of 401 digits is beyond the float range"):
        s(10**400)


def test_fractions_and_decimals_as_times() -> None:
    s = lr.linear(0.0, 1.0, 10)
    assert s(fractions.Fraction(5, 2)) == s(2.5) == s(decimal.Decimal("2.5"))
    with pytest.raises(lr.ScheduleError, match="t must be a finite number"):
        s(decimal.Decimal("NaN"))


@pytest.mark.parametrize(
    ("t", "error", "words"),
    [
        (np.array([True]), TypeError, "got an array of bool"),
        (np.array([1 + 1j]), TypeError, "got an array of complex128"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), TypeError, "got an array of datetime64[D]"),
        (np.array([1, "a"], dtype=object), TypeError, "got an array holding str 'a'"),
        (np.array([np.longdouble("1e400")]), lr.ScheduleError, "t must be finite, got an array containing np.longdouble('1e+400')"),
        (np.array([1.0, np.inf], dtype=np.float16), lr.ScheduleError, "t must be finite, got an array containing inf"),
    ],
    ids=repr,
)
def test_bad_count_arrays_are_clear_errors(t: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as info:
        S(t)
    assert words in str(info.value)


def test_counts_beyond_2_53_with_a_fractional_period_are_exact_on_every_backend() -> None:
    r = lr.linear(0.0, 1.0, 10.5).repeat(7.25)
    t = 2**62 + 3  # as a float, 2**62: t mod 7.25 would be off by 3
    exact = float((fractions.Fraction(t) % fractions.Fraction(7.25)) / fractions.Fraction(10.5))
    assert r(t) == r.compile("python")(t) == exact
    assert r(np.array([t]))[0] == exact
    with jax.enable_x64(True):
        assert float(jax.jit(r.compile())(jnp.int64(t))) == pytest.approx(exact, rel=1e-15)


def test_huge_integer_parameters_work_on_numpy() -> None:
    s = lr.linear(0.0, 1.0, 10**20) >> lr.constant(0.5)
    np.testing.assert_allclose(s(np.array([0, 10**18, 2**62])), [0.0, 0.01, 2**62 / 1e20], rtol=1e-15)
    m = lr.multistep(1.0, [10, 10**30], gamma=0.5)
    assert m(np.array([9, 10, 2**62])).tolist() == [1.0, 0.5, 0.5]


# -- counts on JAX -------------------------------------------------------------------------

C = lr.cosine(1.0, 0.0, 1000) >> lr.linear(0.0, 1.0, 3000).repeat(100)


@pytest.mark.parametrize(
    "dtype", ["int8", "int16", "int32", "uint8", "uint16", "uint32", "float16", "bfloat16", "float32"]
)
def test_jax_counts_of_every_dtype(dtype: str) -> None:
    t = np.arange(0, 120) if dtype not in ("int8", "uint8") else np.arange(0, 100)
    got = np.asarray(jax.jit(C.compile())(jnp.asarray(t, dtype=dtype)), dtype=np.float64)
    np.testing.assert_allclose(got, C(t.astype(np.float64)), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", ["int64", "uint32", "uint64", "float64"])
def test_jax_counts_of_64_bit_dtypes_with_x64(dtype: str) -> None:
    t = np.array([0, 5, 999, 1000, 1001, 2**31 + 5, 3 * 10**9])
    with jax.enable_x64(True):
        got = np.asarray(jax.jit(C.compile())(jnp.asarray(t, dtype=dtype)))
    np.testing.assert_allclose(got, C(t), rtol=1e-12)


def test_a_concrete_uint32_count_beyond_int32_is_refused_without_x64() -> None:
    with pytest.raises(lr.ScheduleError, match=r"^t must be at most 2147483647 \(the largest int32 count; enable x64"):
        C(jnp.asarray([5, 3_000_000_000], dtype=jnp.uint32))


def test_a_traced_uint32_count_beyond_int32_is_nan_not_a_wrapped_count() -> None:
    got = np.asarray(jax.jit(C.compile())(jnp.asarray([5, 3_000_000_000], dtype=jnp.uint32)))
    assert got[0] == pytest.approx(C(5), rel=1e-6) and np.isnan(got[1])


def test_a_host_count_beyond_int32_on_a_traced_schedule_is_refused() -> None:
    sweep = lr.cosine(jnp.array([1.0, 2.0]), 0.0, 10)
    with pytest.raises(lr.ScheduleError, match="t must be at most 2147483647"):
        sweep(np.array([3_000_000_000]))


# -- lengths beyond int32 under jit ------------------------------------------------------------


def test_a_cosine_of_ten_billion_steps_matches_optax_under_jit() -> None:
    optax = pytest.importorskip("optax")
    t = jnp.int32(10**9)
    want = float(optax.cosine_decay_schedule(1000.0, 10**10)(t))
    got = float(jax.jit(lr.cosine(1000.0, 0.0, 10**10).compile())(t))
    assert want == pytest.approx(975.528258, rel=1e-6)
    assert got == pytest.approx(lr.cosine(1000.0, 0.0, 10**10)(10**9), rel=1e-6)
    assert got == pytest.approx(want, rel=1e-6)


BIG = 2**31 + 5
LONG = {
    "linear": lr.linear(1.0, 0.0, BIG),
    "cosine": lr.cosine(1.0, 0.0, BIG, exponent=2.0),
    "polynomial": lr.polynomial(1.0, 0.0, 10**12, power=0.5),
    "one_minus_sqrt": lr.one_minus_sqrt(1.0, 0.0, BIG),
    "interpolate": lr.interpolate([0, BIG], [1.0, 0.0]),
    "piecewise": lr.piecewise([10, BIG], [1.0, 0.5, 0.1]),
    "multistep": lr.multistep(1.0, [10, BIG, 10**30], gamma=0.5),
    "step": lr.step(1.0, BIG, gamma=0.5),
    "exponential": lr.exponential(1.0, 0.5, every=10**10),
    "chain": lr.linear(0.0, 1.0, 1000) >> lr.cosine(1.0, 0.0, 10**10),
    "warmup": lr.warmup(lr.cosine(1.0, 0.0, 1000), BIG),
    "shift": lr.linear(1.0, 0.0, 100).shift(10**10),
    "restarts": lr.cosine_restarts(1.0, 0.0, 10**10),
    "cyclic": lr.cyclic(0.1, 1.0, 10**10),
    "polynomial_cycle": lr.polynomial_cycle(1.0, 0.0, 10**9),
    "cosine_periodic": lr.cosine(1.0, 0.0, 1.5 * 2**30, periodic=True),
}
T_TOP = np.array([0, 1, 10, 2**24 + 1, 10**9, 2_100_000_000, 2**31 - 2, 2**31 - 1])


@pytest.mark.parametrize("name", sorted(LONG))
def test_lengths_beyond_int32_under_jit_neither_overflow_nor_lose_precision(name: str) -> None:
    s = LONG[name]
    got = np.asarray(jax.jit(s.compile())(jnp.asarray(T_TOP, dtype=jnp.int32)), dtype=np.float64)
    np.testing.assert_allclose(got, s(T_TOP), rtol=1e-6, atol=0)


def test_polynomial_cycle_does_not_overflow_near_the_top_of_int32() -> None:
    s = lr.polynomial_cycle(1.0, 0.0, 10**9)
    t = np.array([2_100_000_000, 2_147_483_647])
    got = np.asarray(jax.jit(s.compile())(jnp.asarray(t, dtype=jnp.int32)), dtype=np.float64)
    assert (got >= 0).all()
    np.testing.assert_allclose(got, s(t), rtol=1e-6)


def test_cosine_restarts_with_mult_2_does_not_restart_early_in_float32() -> None:
    s = lr.cosine_restarts(1.0, 0.0, 10, mult=2)
    starts = [10 * (2**k - 1) for k in range(22, 28)]
    t = np.array([b + d for b in starts for d in (-2, -1, 0, 1)])
    got = np.asarray(jax.jit(s.compile())(jnp.asarray(t, dtype=jnp.int32)), dtype=np.float64)
    np.testing.assert_allclose(got, s(t), rtol=1e-6)
    assert (got[1::4] < 1e-12).all()  # the last step of each cycle is near 0, not a restart at 1


def test_int64_counts_with_x64_reach_beyond_int32() -> None:
    s = lr.cosine(1.0, 0.0, 2**41)
    with jax.enable_x64(True):
        got = float(jax.jit(s.compile())(jnp.int64(2**41 - 1)))
    assert got == pytest.approx(s(2**41 - 1), rel=1e-12)


# -- threads ---------------------------------------------------------------------------------


def test_threads_evaluating_one_schedule_get_the_right_values() -> None:
    s = lr.warmup(lr.cosine(1e-3, 1e-5, 9_000), 1000) >> lr.constant(1e-5)
    ts = list(range(0, 12_000, 37))
    want = [s.compile("python")(t) for t in ts]
    want_np = s.compile("numpy")(np.array(ts))
    problems: list[Any] = []
    start = threading.Barrier(8)

    def work(k: int) -> None:
        try:
            start.wait()
            for _ in range(2):  # the scalar path warms up (generates code) meanwhile
                if [s(t) for t in ts] != want:
                    problems.append(("python", k))
            if not np.array_equal(s(np.array(ts)), want_np):
                problems.append(("numpy", k))
            if k % 4 == 0:
                got = np.asarray(jax.jit(s.compile())(jnp.asarray(ts)))
                if not np.allclose(got, want_np, rtol=1e-5):
                    problems.append(("jax", k))
        except Exception as e:  # any exception is a failure
            problems.append(("exception", k, repr(e)))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert problems == []
