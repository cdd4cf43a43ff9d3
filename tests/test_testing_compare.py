"""lrdsl.testing: compare a schedule with the code it replaces, and say who is nearer exact.

The old code below is written as its projects have it (nanoGPT's and
build-nanogpt's ``get_lr``, a linear decay ``lr * (1 - t / T)``, PyTorch's
recursive ``CosineAnnealingLR``, Hugging Face's ``lr_lambda``); the exact values
the tests check against are closed forms computed independently (fractions,
algebraic values of the cosine, ``decimal``'s own square root).
"""

from __future__ import annotations

import doctest
import functools
import math
import re
import subprocess
import sys
from decimal import Decimal, localcontext
from fractions import Fraction
from math import cos, pi

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import lrdsl as lr
import lrdsl.testing
from lrdsl import _exact
from lrdsl.testing import Comparison, NoExactValue, assert_matches, compare, exact
from tests.strategies import schedules

# ----------------------------------------------------------------------------
# The old code, as written in its projects.

# nanoGPT (train.py), shakespeare-char config, with its decay to min_lr.
learning_rate = 1e-3
warmup_iters = 100
lr_decay_iters = 5000
min_lr = 1e-4


def get_lr(it):  # type: ignore[no-untyped-def]
    # 1) linear warmup for warmup_iters steps
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    # 2) if it > lr_decay_iters, return min learning rate
    if it > lr_decay_iters:
        return min_lr
    # 3) in between, use cosine decay down to min learning rate
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # coeff ranges 0..1
    return min_lr + coeff * (learning_rate - min_lr)


def nanogpt_lrdsl(lr_max: float, lr_min: float, warmup: int, decay: int) -> lr.Schedule:
    """nanoGPT's schedule in lrdsl: ``lr * (t + 1) / (w + 1)``, then a cosine from step ``w``."""
    ramp = lr.linear(1, warmup + 1, warmup) * lr_max / (warmup + 1)
    return ramp >> lr.cosine(lr_max, lr_min, decay - warmup)


def nanogpt_to_zero(decay: int):  # type: ignore[no-untyped-def]
    """nanoGPT's get_lr with min_lr = 0 (the decay-to-zero variant)."""
    lr_max, lr_min, warmup = 6e-4, 0.0, 2000

    def get_lr(it):  # type: ignore[no-untyped-def]
        if it < warmup:
            return lr_max * (it + 1) / (warmup + 1)
        if it > decay:
            return lr_min
        decay_ratio = (it - warmup) / (decay - warmup)
        assert 0 <= decay_ratio <= 1
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
        return lr_min + coeff * (lr_max - lr_min)

    return get_lr, nanogpt_lrdsl(lr_max, lr_min, warmup, decay)


# build-nanogpt (train_gpt2.py): a warmup that counts the current step.
max_lr = 6e-4
bn_min_lr = max_lr * 0.1
warmup_steps = 715
max_steps = 19073


def bn_get_lr(it):  # type: ignore[no-untyped-def]
    # 1) linear warmup for warmup_iters steps
    if it < warmup_steps:
        return max_lr * (it + 1) / warmup_steps
    # 2) if it > lr_decay_iters, return min learning rate
    if it > max_steps:
        return bn_min_lr
    # 3) in between, use cosine decay down to min learning rate
    decay_ratio = (it - warmup_steps) / (max_steps - warmup_steps)
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # coeff starts at 1 and goes to 0
    return bn_min_lr + coeff * (max_lr - bn_min_lr)


BUILD_NANOGPT = lr.linear(1, warmup_steps + 1, warmup_steps) * max_lr / warmup_steps >> lr.cosine(
    max_lr, bn_min_lr, max_steps - warmup_steps
)

# A linear decay to 0, as written by hand.
T = 1_000_000
PEAK = 3e-4


def linear_decay(t):  # type: ignore[no-untyped-def]
    return PEAK * (1 - t / T)


END = range(T - 100, T)  # where it cancels


def torch_cosine_annealing(peak: float, eta_min: float, t_max: int, steps: int) -> list[float]:
    """PyTorch's CosineAnnealingLR values, from its recursive update."""
    import torch

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=peak)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t_max, eta_min=eta_min)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def first_and_worst(ours: np.ndarray, theirs: np.ndarray, rtol: float) -> tuple[int, int]:
    """The first and the worst position where ``ours`` and ``theirs`` differ, found here
    independently of compare."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(ours - theirs) / np.abs(theirs)
    bad = np.flatnonzero(rel > rtol)
    return int(bad[0]), int(bad[np.argmax(rel[bad])])


# ----------------------------------------------------------------------------
# The referee: exact values of a schedule.


def test_pi_is_pi_to_fifty_digits() -> None:
    digits = "3.14159265358979323846264338327950288419716939937510"
    assert str(_exact.MATH.pi)[: len(digits)] == digits


@pytest.mark.parametrize(
    ("fn", "x", "want"),
    [
        ("sin", Fraction(1, 6), Decimal(1) / 2),  # sin(pi / 6)
        ("cos", Fraction(1, 3), Decimal(1) / 2),  # cos(pi / 3)
        ("cos", Fraction(1, 4), None),  # cos(pi / 4) = sqrt(2) / 2
        ("sin", Fraction(5, 6), Decimal(1) / 2),  # sin(5 pi / 6), past the first quadrant
        ("cos", Fraction(-2, 3), Decimal(-1) / 2),
    ],
    ids=["sin(pi/6)", "cos(pi/3)", "cos(pi/4)", "sin(5pi/6)", "cos(-2pi/3)"],
)
def test_sine_and_cosine_are_exact_at_algebraic_points(fn: str, x: Fraction, want: Decimal | None) -> None:
    with localcontext() as ctx:
        ctx.prec = 60
        if want is None:
            want = Decimal(2).sqrt() / 2
        arg = _exact.MATH.pi * x.numerator / x.denominator
        got = getattr(arg, fn)().d
        assert abs(got - want) <= Decimal("1e-48")


def test_tanh_expm1_log1p_keep_every_digit_of_tiny_arguments() -> None:
    x = _exact.lift(Decimal("1e-30"))
    with localcontext() as ctx:
        ctx.prec = 80
        assert abs(x.expm1().d - (Decimal("1e-30") + Decimal("5e-61"))) <= Decimal("1e-75")
        assert abs(x.log1p().d - (Decimal("1e-30") - Decimal("5e-61"))) <= Decimal("1e-75")
        assert abs(x.tanh().d - Decimal("1e-30")) <= Decimal("1e-75")
        # tanh(ln 3) = (9 - 1) / (9 + 1)
        assert abs(_exact.lift(3).log().tanh().d - Decimal("0.8")) <= Decimal("1e-48")


def test_exact_numbers_divide_with_floor_semantics_as_python() -> None:
    x = _exact.lift(-7)
    assert (x // 2, x % 2) == (-4, 1)
    assert divmod(x, -2) == (3, -1)
    assert (7 // _exact.lift(-2), 7 % _exact.lift(-2)) == (-4, -1)


@pytest.mark.parametrize(
    ("convert", "words"),
    [
        (float, "float() of an exact number would round it"),
        (int, "int() of an exact number would round it"),
        (hash, "unhashable type: 'Exact'"),
        (lambda x: [0.1, 0.2][x], "an exact number is not an index"),
        (math.cos, "float() of an exact number would round it"),
    ],
    ids=["float", "int", "hash", "index", "math"],
)
def test_an_exact_number_refuses_every_conversion_that_would_round(convert, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match=words.replace("(", r"\(").replace(")", r"\)")):
        convert(_exact.lift(1))


def test_floor_ceil_and_round_keep_an_exact_number_exact() -> None:
    x = _exact.lift(2.5)
    assert [type(f(x)) for f in (math.floor, math.ceil, round)] == [_exact.Exact] * 3
    assert (math.floor(x), math.ceil(x), round(x)) == (2, 3, 2)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**9).map(lambda n: 2 * n), st.floats(0, 10), st.floats(0, 10))
def test_exact_cosine_at_its_midpoint_is_the_mean_of_its_ends(steps: int, a: float, b: float) -> None:
    s = lr.cosine(a, b, steps)
    want = (Fraction(a) + Fraction(b)) / 2
    error = abs(Fraction(exact(s, steps // 2)) - want)
    assert error <= want * Fraction(1, 10**45)
    assert error <= abs(Fraction(s(steps // 2)) - want) + want * Fraction(1, 10**45)  # as accurate as float64


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**9).map(lambda n: 12 * n), st.sampled_from([3, 4, 6]), st.floats(1e-6, 10))
def test_exact_cosine_is_at_least_as_accurate_as_float64_where_its_value_is_algebraic(
    steps: int, k: int, a: float
) -> None:
    """cosine(a, 0, T) at T / k is a (1 + cos(pi / k)) / 2, for cos(pi / k) = 1/2, sqrt(2)/2, sqrt(3)/2."""
    s = lr.cosine(a, 0.0, steps)
    with localcontext() as ctx:
        ctx.prec = 80
        c = {3: Decimal(1) / 2, 4: Decimal(2).sqrt() / 2, 6: Decimal(3).sqrt() / 2}[k]
        want = Decimal(a) * (1 + c) / 2
        got_error = abs(exact(s, steps // k) - want)
        f64_error = abs(Decimal(s(steps // k)) - want)
    assert got_error <= f64_error + want * Decimal("1e-45")
    assert got_error <= want * Decimal("1e-45")


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 2**40), st.integers(1, 1000), st.floats(1e-8, 10))
@example(steps=11, left=2, a=5.5)  # float64 is exact here
def test_exact_linear_decay_to_zero_is_exact_near_the_end(steps: int, left: int, a: float) -> None:
    left = min(left, steps)
    s = lr.linear(a, 0.0, steps)
    want = Fraction(a) * left / steps
    got = Fraction(exact(s, steps - left))
    assert abs(got - want) <= want * Fraction(1, 10**45)
    # never farther than float64, up to the referee's own precision (float64 may be exact:
    # linear(5.5, 0, 11) at t = 9 is 1.0, which 50 digits hold as 1 - 1e-162)
    assert abs(got - want) <= abs(Fraction(s(steps - left)) - want) + want * Fraction(1, 10**45)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10**6), st.integers(0, 10**6), st.floats(1e-6, 10), st.integers(2, 4))
def test_exact_polynomial_is_the_rational_power(steps: int, t: int, a: float, power: int) -> None:
    s = lr.polynomial(a, 0.0, steps, power=power)
    want = Fraction(a) * (Fraction(max(steps - t, 0), steps)) ** power
    got = Fraction(exact(s, t))
    assert abs(got - want) <= want * Fraction(1, 10**40)


@settings(max_examples=300, deadline=None)
@given(schedules(), st.lists(st.one_of(st.integers(0, 2000), st.floats(0, 2000)), min_size=1, max_size=4))
def test_exact_value_agrees_with_float64_on_random_trees(s: lr.Schedule, ts: list[float]) -> None:
    """To 1e-12 relative (and 1e-12 absolute: a float64 difference of two nearly equal
    values, or a float time minus a shift, may lose what the exact value keeps). Where they
    differ more, a jump lies within float64's rounding of the time (``1 - 1e-63`` is ``1.0``
    in floats): float64 then takes the value just across the jump."""
    for t in ts:
        f = s(t)
        if math.isfinite(f):
            e = float(exact(s, t))
            if abs(e - f) > 1e-12 * abs(e) + 1e-12:
                across = [float(exact(s, t + d)) for d in (-1e-9, 1e-9)]
                assert any(abs(a - f) <= 1e-6 * abs(a) + 1e-6 for a in across), (str(s), t, f, e, across)


FAMILIES = {
    "cosine_restarts": lr.cosine_restarts(1.0, 0.01, 10, mult=2, decay=0.5),
    "cosine_restarts_k": lr.cosine_restarts(1.0, 0.0, 7, k=1.5, limit=3),
    "polynomial_restarts": lr.polynomial_restarts(1.0, 0.0, 10, power=2.0, mult=1.5),
    "tanh": lr.tanh(1.0, 0.0, 50, mult=2.0, limit=3),
    "cyclic": lr.cyclic(0.1, 1.0, 10, step_size_down=15),
    "cyclic_triangular2": lr.cyclic(0.1, 1.0, 10, mode="triangular2"),
    "cyclic_exp_range": lr.cyclic(0.1, 1.0, 10, mode="exp_range", gamma=0.99),
    "inverse_sqrt": lr.inverse_sqrt(1.0, 100),
    "inverse_time": lr.inverse_time(1.0, 0.5, every=10, staircase=True),
    "one_minus_sqrt": lr.one_minus_sqrt(1.0, 0.0, 100),
    "polynomial_cycle": lr.polynomial_cycle(1.0, 0.0, 10, power=2.0),
    "onecycle": lr.onecycle(1.0, 1000),
    "wsd": lr.wsd(1.0, 100, 700, 200, decay="1-sqrt"),
    "exponential_end": lr.exponential(1.0, 0.9, every=3, end=0.01),
    "interpolate_cosine": lr.interpolate([0, 10, 10, 30], [0.0, 1.0, 0.5, 0.0], kind="cosine"),
    "warmup_no_shift": lr.warmup(lr.cosine(1.0, 0.0, 100), 10, shift=False) >> lr.constant(0.5),
    "periodic_cosine": lr.cosine(1.0, 0.0, 100, periodic=True),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_exact_value_agrees_with_float64_on_every_family(name: str) -> None:
    s = FAMILIES[name]
    for t in [0, 1, 5, 9, 10, 11, 29, 30, 99, 100, 150, 299, 300, 999, 1000, 2345]:
        e, f = float(exact(s, t)), s(t)
        assert abs(e - f) <= 1e-12 * abs(e), (name, t, f, e)


def test_exact_value_takes_the_branch_an_exact_time_takes() -> None:
    """1.1 // 1.1 is 1: the exact arithmetic of times is exact, not rounded to 50 digits."""
    s = lr.step(1.0, 1.1, gamma=0.5).repeat(213)
    assert exact(s, 1.1) == Decimal("0.5")


def test_exact_value_runs_a_registered_lambda_exactly() -> None:
    fn = lr.register("test_testing_halve")(lambda t: 0.5 ** (t / 100))
    s = 2.0 * lr.lambda_(fn)
    assert abs(exact(s, 50) - Decimal(2).sqrt(_exact.CONTEXT)) <= Decimal("1e-48")


@pytest.mark.parametrize(
    ("s", "words"),
    [
        (
            lr.running_product(1.0, lr.constant(0.5)),
            "running_product is PyTorch's float64 recursion, not a formula",
        ),
        (
            lr.noise(lr.constant(1.0), 0.1, seed=0),
            "noise adds pseudo-random noise computed in float arithmetic",
        ),
        (
            lr.lambda_(lambda t: [1.0, 0.5][t]),
            "does not run on exact numbers: TypeError: an exact number is not an index",
        ),
    ],
    ids=["running_product", "noise", "lambda_lookup"],
)
def test_exact_value_refuses_what_has_no_exact_formula(s: lr.Schedule, words: str) -> None:
    with pytest.raises(NoExactValue, match=words):
        exact(s, 1)


# ----------------------------------------------------------------------------
# The referee: exact values of old code.


def test_old_code_runs_exactly_with_math_and_its_globals() -> None:
    """nanoGPT's get_lr, run exactly, is the closed form: a quarter into its decay, the
    cosine is (1 + cos(pi / 4)) / 2 = (2 + sqrt(2)) / 4 of the way down from the peak."""
    quarter = (lr_decay_iters - warmup_iters) // 4
    assert quarter * 4 == lr_decay_iters - warmup_iters
    with localcontext() as ctx:
        ctx.prec = 80
        coeff = (2 + Decimal(2).sqrt()) / 4
        want = Decimal(min_lr) + coeff * (Decimal(learning_rate) - Decimal(min_lr))
        assert abs(exact(get_lr, warmup_iters + quarter) - want) <= want * Decimal("1e-45")


def test_old_code_that_imports_from_math_runs_exactly() -> None:
    def old(t):  # type: ignore[no-untyped-def]
        return 0.5 * (1 + cos(pi * t / 3))

    assert abs(exact(old, 1) - Decimal("0.75")) <= Decimal("1e-48")


def cosine_coeff(ratio):  # type: ignore[no-untyped-def]
    return 0.5 * (1.0 + math.cos(math.pi * ratio))


def get_lr_with_a_helper(it):  # type: ignore[no-untyped-def]
    return learning_rate * cosine_coeff(it / 300)


def test_old_code_that_calls_a_helper_of_its_module_runs_exactly() -> None:
    want = Fraction(learning_rate) * Fraction(3, 4)  # (1 + cos(pi / 3)) / 2
    assert abs(Fraction(exact(get_lr_with_a_helper, 100)) - want) <= want * Fraction(1, 10**48)


def test_a_lambda_wrapping_the_old_code_runs_exactly() -> None:
    want = Fraction(learning_rate) * Fraction(3, 4)
    assert abs(Fraction(exact(lambda t: get_lr_with_a_helper(t), 100)) - want) <= want * Fraction(1, 10**48)


def test_old_code_that_calls_float_keeps_its_step_exact() -> None:
    import transformers.optimization as hf

    fn = functools.partial(
        hf._get_cosine_schedule_with_warmup_lr_lambda,
        num_warmup_steps=10,
        num_training_steps=310,
        num_cycles=0.5,
    )
    assert abs(exact(fn, 110) - Decimal("0.75")) <= Decimal("1e-48")  # (1 + cos(pi / 3)) / 2
    assert exact(fn, 7) == Decimal("0.7")  # float(7) / float(10), exactly


@pytest.mark.parametrize(
    ("old", "words"),
    [
        (lambda t: [0.1, 0.2][t], "an exact number is not an index"),
        (lambda t: {0: 0.1}[t], "unhashable type: 'Exact'"),
        (lambda t: 0.1 * (1 - int(t) / 10), "int\\(\\) of an exact number would round it"),
        (lambda t: 0.0, "returned float 0.0, not an exact number"),
    ],
    ids=["list", "dict", "int", "constant"],
)
def test_old_code_that_leaves_exact_arithmetic_has_no_exact_value(old, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NoExactValue, match=words):
        exact(old, 0)


# ----------------------------------------------------------------------------
# compare: real old code.


def test_nanogpt_get_lr_agrees_with_its_lrdsl_port() -> None:
    s = nanogpt_lrdsl(learning_rate, min_lr, warmup_iters, lr_decay_iters)
    r = compare(s, get_lr, lr_decay_iters + 100)
    assert r.ok and bool(r)
    assert str(r) == (
        f"lrdsl vs get_lr over 5,100 steps: all agree within 1e-12 relative"
        f" (largest relative difference {r.max_rel_diff:.1e})"
    )


def test_nanogpt_decaying_to_zero_differs_near_the_end_where_lrdsl_is_nearer_exact() -> None:
    old, s = nanogpt_to_zero(100_000)
    r = compare(s, old, 100_001)
    first, worst = first_and_worst(s.values(100_001), np.array([old(t) for t in range(100_001)]), 1e-12)
    assert (r.first.t, r.worst.t) == (first, worst)  # type: ignore[union-attr]
    assert r.first.t > 95_000  # type: ignore[union-attr]
    assert r.lrdsl_nearer == r.settled == r.differ > 0
    assert r.old_nearer == r.schedules_differ == 0


def test_the_report_names_the_steps_the_values_the_exact_value_and_the_winner() -> None:
    old, s = nanogpt_to_zero(100_000)
    r = compare(s, old, 100_001)
    w = r.worst
    assert w is not None and w.nearer == "lrdsl" and w.exact_from == "old"
    assert w.lrdsl == s(w.t) and w.old == old(w.t)
    assert w.exact == float(exact(s, w.t)) == float(exact(old, w.t))
    assert w.lrdsl_error is not None and w.old_error is not None and w.lrdsl_error < 1e-15 < w.old_error
    lines = str(r).splitlines()
    assert lines[0] == f"lrdsl vs get_lr over 100,001 steps: {r.differ:,} differ by more than 1e-12 relative"
    assert lines[1].startswith(f"  first at t={r.first.t:,}: lrdsl ")  # type: ignore[union-attr]
    assert lines[2].startswith(f"  worst at t={w.t:,}: lrdsl ")
    assert lines[2].endswith(f"lrdsl is nearer exact (error {w.lrdsl_error:.1e} vs {w.old_error:.1e})")
    assert f"rel {w.rel_diff:.1e}" in lines[2]
    # the values, with enough digits to tell them apart
    shown = re.search(r"lrdsl (\S+), get_lr (\S+) \(exact (\S+)\)", lines[2])
    assert shown is not None
    ours, theirs, exact_shown = shown.groups()
    assert ours != theirs and ours == exact_shown
    for text, value in ((ours, w.lrdsl), (theirs, w.old)):
        assert abs(float(text) - value) <= 10 ** -(len(text.split("e")[0]) - 3) * value
    assert lines[3] == f"  lrdsl is nearer exact at all {r.differ:,}"
    assert (
        lines[4] == "  exact values: get_lr's own formula run on 50-digit decimals (lrdsl's formula agrees)"
    )


def test_a_linear_decay_written_as_one_minus_a_ratio_cancels_and_lrdsl_is_nearer() -> None:
    r = compare(lr.linear(PEAK, 0.0, T), linear_decay, END)
    assert r.differ == r.lrdsl_nearer == r.settled > 0
    assert r.worst is not None and r.worst.t == T - 1
    assert r.worst.exact == float(Fraction(PEAK) / T)


def test_build_nanogpt_get_lr_agrees_with_a_warmup_that_counts_the_current_step() -> None:
    assert compare(BUILD_NANOGPT, bn_get_lr, max_steps + 10).ok


def test_build_nanogpt_ported_with_the_plain_warmup_is_reported_off_at_every_warmup_step() -> None:
    wrong = lr.warmup(lr.cosine(max_lr, bn_min_lr, max_steps - warmup_steps), warmup_steps)
    r = compare(wrong, bn_get_lr, max_steps + 10)
    assert r.first is not None and r.first.t == 0
    assert r.old_nearer == r.schedules_differ == r.differ == warmup_steps
    assert r.first.nearer == "old" and r.first.lrdsl_formula == wrong(0)
    assert "bn_get_lr is nearer exact" in str(r)
    assert "a different schedule, not rounding" in str(r)


def test_a_decay_one_step_too_long_is_reported_off_even_where_old_code_cancels() -> None:
    r = compare(lr.linear(PEAK, 0.0, T + 1), linear_decay, END)
    assert r.differ == r.old_nearer == r.schedules_differ == len(END)


def test_an_lrdsl_expression_that_cancels_is_reported_as_lrdsl_being_off() -> None:
    """The same schedule written as ``peak * (1 - linear(0, 1, T))``: lrdsl's float64
    evaluation cancels, the old code's ``peak * (T - t) / T`` does not."""
    cancels = PEAK * (1 - lr.linear(0.0, 1.0, T))

    def careful(t):  # type: ignore[no-untyped-def]
        return PEAK * (T - t) / T

    r = compare(cancels, careful, END)
    assert r.differ == r.old_nearer > 0
    assert r.schedules_differ == 0  # the same formula: lrdsl only rounds worse
    assert r.worst is not None and r.worst.nearer == "old"
    assert "careful is nearer exact at all" in str(r)


def test_pytorch_recursive_cosine_annealing_drifts_and_lrdsl_is_nearer_its_formula() -> None:
    n = 5000
    values = torch_cosine_annealing(0.1, 0.0, n, n + 1)

    def torch_lr(t):  # type: ignore[no-untyped-def]
        return values[t]

    r = compare(lr.cosine(0.1, 0.0, n), torch_lr, n + 1)
    assert r.differ == r.lrdsl_nearer == r.settled_by_lrdsl_formula > 0
    assert r.worst is not None and r.worst.exact_from == "lrdsl"
    assert r.worst.t >= n - 20
    assert (
        "exact values: lrdsl's formula on 50-digit decimals only (torch_lr does not run on exact numbers:"
        " TypeError: an exact number is not an index)" in str(r)
    )
    assert "cannot be told from a different schedule" in str(r)


def test_hugging_face_lr_lambda_runs_exactly_and_lrdsl_is_nearer_at_its_end() -> None:
    import transformers.optimization as hf

    import lrdsl.compat.hf

    lam = functools.partial(
        hf._get_cosine_schedule_with_warmup_lr_lambda,
        num_warmup_steps=100,
        num_training_steps=200_000,
        num_cycles=0.5,
    )
    s = lrdsl.compat.hf.get_cosine_schedule_with_warmup(1.0, 100, 200_000)
    r = compare(s, lam, range(190_000, 200_000), name="lr_lambda")
    assert r.differ == r.settled > 0
    assert "exact values: lr_lambda's own formula" in str(r)


# ----------------------------------------------------------------------------
# compare: the result and the report.


def test_bool_of_the_result_is_whether_every_step_agrees() -> None:
    assert bool(compare(lr.constant(0.1), lambda t: 0.1, 10)) is True
    assert bool(compare(lr.constant(0.1), lambda t: 0.2, 10)) is False


def test_first_and_worst_are_one_line_when_they_are_the_same_step() -> None:
    r = compare(lr.constant(0.1), lambda t: 0.2 if t == 3 else 0.1, 10, name="old")
    assert r.first == r.worst
    assert (
        str(r)
        .splitlines()[1]
        .startswith("  first and worst at t=3: lrdsl 1.000e-01, old 2.000e-01 (exact 1.000e-01)")
    )


def test_the_old_code_is_called_with_python_ints() -> None:
    seen = []

    def old(t):  # type: ignore[no-untyped-def]
        seen.append(type(t))
        return 0.1

    compare(lr.constant(0.1), old, 5, referee=False)
    assert seen == [int] * 5


def test_vectorized_old_code_is_called_once_with_the_array_of_steps() -> None:
    calls = []

    def old(t):  # type: ignore[no-untyped-def]
        calls.append(t.copy())
        return PEAK * (T - t) / T

    r = compare(lr.linear(PEAK, 0.0, T), old, END, vectorized=True)
    assert len(calls) == 1 and calls[0].tolist() == list(END)
    assert r.ok


def test_vectorized_numpy_old_code_also_runs_exactly() -> None:
    def old(t):  # type: ignore[no-untyped-def]
        return PEAK * 0.5 * (1 + np.cos(np.pi * t / T))

    r = compare(lr.cosine(PEAK, 0.0, T), old, END, vectorized=True)
    assert r.differ == r.settled > 0


@pytest.mark.parametrize(
    "steps", [5, range(5), [0, 1, 2, 3, 4], np.arange(5), np.arange(5, dtype=np.uint8), np.arange(5.0)]
)
def test_steps_may_be_a_count_a_range_or_an_array(steps) -> None:  # type: ignore[no-untyped-def]
    r = compare(lr.linear(1.0, 0.0, 4), lambda t: 1.0 - t / 4, steps, arrays=True)
    assert r.t is not None and r.t.tolist() == [0, 1, 2, 3, 4] and r.steps == 5


def test_a_lambda_that_runs_on_python_numbers_only_is_evaluated_step_by_step() -> None:
    s = lr.lambda_(get_lr)  # branches on t: not on NumPy arrays
    with pytest.raises(ValueError, match="truth value of an array"):
        s(np.arange(3))
    r = compare(s, get_lr, 200)
    assert r.ok and r.steps == 200


def test_fractional_steps_are_passed_as_floats() -> None:
    seen = []
    compare(lr.linear(1.0, 0.0, 4), lambda t: seen.append(t) or 1.0 - t / 4, [0.5, 1.25])
    assert seen == [0.5, 1.25] and [type(x) for x in seen] == [float, float]


def test_arrays_hold_the_values_and_the_exact_values_where_they_differ() -> None:
    r = compare(lr.linear(PEAK, 0.0, T), linear_decay, END, arrays=True)
    assert r.lrdsl is not None and r.old is not None and r.exact is not None
    np.testing.assert_array_equal(r.lrdsl, lr.linear(PEAK, 0.0, T)(np.asarray(END)))
    np.testing.assert_array_equal(r.old, [linear_decay(t) for t in END])
    judged = ~np.isnan(r.exact)
    assert judged.sum() == r.differ > 0
    np.testing.assert_allclose(r.lrdsl[judged], r.exact[judged], rtol=2.3e-16, atol=0)  # lrdsl: within an ulp


def test_arrays_are_none_unless_asked() -> None:
    r = compare(lr.constant(0.1), lambda t: 0.1, 3)
    assert (r.t, r.lrdsl, r.old, r.exact) == (None, None, None, None)


def test_a_tolerance_that_covers_the_difference_makes_them_agree() -> None:
    assert compare(lr.linear(PEAK, 0.0, T), linear_decay, END, rtol=1e-9).ok
    assert compare(lr.linear(PEAK, 0.0, T), linear_decay, END, rtol=0.0, atol=1e-19).ok
    assert not compare(lr.linear(PEAK, 0.0, T), linear_decay, END, rtol=0.0, atol=1e-30).ok


def test_the_tolerance_is_relative_to_the_old_code() -> None:
    assert not compare(lr.constant(2.0), lambda t: 1.0, 1, rtol=0.6).ok  # |2 - 1| > 0.6 * 1
    assert compare(lr.constant(2.0), lambda t: 1.0, 1, rtol=1.0).ok


def test_the_report_states_both_tolerances() -> None:
    assert "differ by more than 1e-12 relative + 1e-20 absolute" in str(
        compare(lr.constant(1.0 + 2e-12), lambda t: 1.0, 1, atol=1e-20)
    )


def test_without_a_referee_the_report_says_so() -> None:
    r = compare(lr.linear(PEAK, 0.0, T), linear_decay, END, referee=False)
    assert r.no_referee == r.differ > 0 and r.settled == 0
    assert "no referee (referee=False)" in str(r)


def test_no_referee_when_neither_side_can_be_evaluated_exactly() -> None:
    table = np.array([0.1, 0.05])
    r = compare(lr.lambda_(lambda t: table[t]), lambda t: [0.1, 0.06][t], 2, name="old")
    assert r.no_referee == r.differ == 1
    assert r.first is not None and r.first.nearer == "no referee" and r.first.exact is None
    assert "there is no referee at 1" in str(r)
    assert "no exact values: old does not run on exact numbers" in str(r)


def test_referee_steps_bounds_the_steps_judged_keeping_first_and_worst() -> None:
    r = compare(lr.linear(PEAK, 0.0, T + 1), linear_decay, END, referee_steps=10)
    assert r.differ == 100 and r.judged == 10
    assert r.first is not None and r.first.nearer == "old"
    assert r.worst is not None and r.worst.nearer == "old"
    assert "of the 10 judged; referee_steps=None judges all 100" in str(r)


def test_the_old_code_may_be_another_schedule() -> None:
    r = compare(lr.linear(PEAK, 0.0, T), PEAK * (1 - lr.linear(0.0, 1.0, T)), END, name="other")
    assert r.differ == r.settled > 0


def test_the_name_defaults_to_the_function_name_and_old_code_for_a_lambda() -> None:
    assert compare(lr.constant(0.1), get_lr, 1).name == "get_lr"
    assert compare(lr.constant(0.1), lambda t: 0.1, 1).name == "old code"
    assert compare(lr.constant(0.1), lambda t: 0.1, 1, name="mine").name == "mine"


def test_the_result_is_a_frozen_dataclass() -> None:
    r = compare(lr.constant(0.1), lambda t: 0.1, 1)
    assert isinstance(r, Comparison)
    with pytest.raises(AttributeError):
        r.differ = 3  # type: ignore[misc]


def test_the_docstring_examples_run() -> None:
    result = doctest.testmod(lrdsl.testing, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ----------------------------------------------------------------------------
# compare: bad arguments.


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        ((3, get_lr, 10), {}, TypeError, "compare: s must be a schedule, got int 3"),
        ((lr.constant(0.1), 0.1, 10), {}, TypeError, "compare: fn must be callable, got float 0.1"),
        ((lr.constant(0.1), get_lr, -1), {}, lr.ScheduleError, "compare: steps must be >= 0, got -1"),
        ((lr.constant(0.1), get_lr, [0, -2]), {}, lr.ScheduleError, "compare: steps must be >= 0, got -2"),
        (
            (lr.constant(0.1), get_lr, True),
            {},
            TypeError,
            "compare: steps must be an int, a range or an array of steps, got the bool True",
        ),
        (
            (lr.constant(0.1), get_lr, "10"),
            {},
            TypeError,
            "compare: steps must be an int, a range or an array of steps, got str '10'",
        ),
        (
            (lr.constant(0.1), get_lr, [0.0, math.nan]),
            {},
            lr.ScheduleError,
            "compare: steps must be finite, got nan",
        ),
        (
            (lr.constant(0.1), get_lr, 10),
            {"rtol": -1e-12},
            lr.ScheduleError,
            "compare: rtol must be a finite number >= 0, got -1e-12",
        ),
        (
            (lr.constant(0.1), get_lr, 10),
            {"atol": math.inf},
            lr.ScheduleError,
            "compare: atol must be a finite number >= 0, got inf",
        ),
        (
            (lr.constant(0.1), get_lr, 10),
            {"rtol": "1e-12"},
            TypeError,
            "compare: rtol must be a number, got str '1e-12'",
        ),
        (
            (lr.constant(0.1), get_lr, 10),
            {"referee_steps": 1},
            lr.ScheduleError,
            "compare: referee_steps must be an int >= 2 or None, got 1",
        ),
    ],
    ids=[
        "s",
        "fn",
        "negative",
        "negative_in_array",
        "bool",
        "str",
        "nan",
        "rtol",
        "atol",
        "rtol_type",
        "referee_steps",
    ],
)
def test_bad_arguments_are_refused_with_a_clear_error(args, kwargs, error, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as e:
        compare(*args, **kwargs)
    assert str(e.value) == words


def test_old_code_that_returns_a_non_number_is_an_error_naming_the_step() -> None:
    with pytest.raises(TypeError) as e:
        compare(lr.constant(0.1), lambda t: "0.1", 3, name="get_lr")
    assert str(e.value) == "compare: get_lr(0) returned str '0.1', not a number"


def test_vectorized_old_code_of_the_wrong_shape_is_an_error() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        compare(lr.constant(0.1), lambda t: np.zeros(3), 5, vectorized=True, name="get_lr")
    assert str(e.value) == "compare: get_lr(steps) returned shape (3,) for 5 steps"


# ----------------------------------------------------------------------------
# assert_matches.


def test_assert_matches_passes_where_lrdsl_is_nearer_the_old_codes_own_exact_formula() -> None:
    r = assert_matches(lr.linear(PEAK, 0.0, T), linear_decay, END)
    assert r.differ > 0 and r.settled == r.differ


def test_assert_matches_fails_where_the_old_code_is_nearer_exact() -> None:
    with pytest.raises(AssertionError) as e:
        assert_matches(lr.linear(PEAK, 0.0, T + 1), linear_decay, END)
    text = str(e.value)
    assert text.startswith("lrdsl vs linear_decay over 100 steps: 100 differ by more than 1e-12 relative")
    assert text.splitlines()[-1] == "fails: linear_decay is nearer exact at 100 steps"


def test_assert_matches_can_refuse_every_difference_and_says_lrdsl_was_nearer() -> None:
    with pytest.raises(AssertionError) as e:
        assert_matches(lr.linear(PEAK, 0.0, T), linear_decay, END, lrdsl_nearer_passes=False)
    n = compare(lr.linear(PEAK, 0.0, T), linear_decay, END).differ
    assert str(e.value).splitlines()[-1] == (
        f"fails: they differ at {n} steps, though lrdsl is nearer exact at every one (lrdsl_nearer_passes=False)"
    )


def test_assert_matches_does_not_settle_by_lrdsls_formula_alone_unless_trusted() -> None:
    n = 5000
    values = torch_cosine_annealing(0.1, 0.0, n, n + 1)
    s = lr.cosine(0.1, 0.0, n)
    with pytest.raises(AssertionError) as e:
        assert_matches(s, lambda t: values[t], n + 1)
    assert "the exact value is lrdsl's formula only" in str(e.value).splitlines()[-1]
    assert "trust_lrdsl_formula=True accepts it" in str(e.value)
    assert (
        assert_matches(s, lambda t: values[t], n + 1, trust_lrdsl_formula=True).settled_by_lrdsl_formula > 0
    )


def test_assert_matches_fails_where_neither_side_is_within_tolerance_of_exact() -> None:
    """Both compute 1e-8 by cancellation, lrdsl around 0.125, the old code around 1.0:
    lrdsl is nearer exact, but not within 1e-12 of it."""
    s = (lr.constant(0.125) + 1e-8) - 0.125

    def old(t):  # type: ignore[no-untyped-def]
        return (1.0 + t * 0 + 1e-8) - 1.0  # t * 0: the constants are added exactly when run exactly

    r = compare(s, old, 1)
    assert r.worst is not None and r.worst.nearer == "lrdsl" and r.worst.exact == 1e-8
    assert 1e-12 < r.worst.lrdsl_error < r.worst.old_error  # type: ignore[operator]
    with pytest.raises(AssertionError) as e:
        assert_matches(s, old, 1)
    assert str(e.value).splitlines()[-1] == "fails: at 1 step neither is within tolerance of exact"


def test_assert_matches_fails_without_a_referee() -> None:
    with pytest.raises(AssertionError) as e:
        assert_matches(lr.lambda_(lambda t: np.array([0.1])[t]), lambda t: [0.2][t], 1, name="old")
    assert str(e.value).splitlines()[-1] == "fails: at 1 step there is no exact value to decide"


def test_assert_matches_fails_when_not_every_difference_was_judged() -> None:
    with pytest.raises(AssertionError) as e:
        assert_matches(lr.linear(PEAK, 0.0, T), linear_decay, END, referee_steps=2)
    assert "were not judged (referee_steps=None judges every one)" in str(e.value)


# ----------------------------------------------------------------------------
# Imports.


def test_import_lrdsl_does_not_import_the_testing_module() -> None:
    code = "import sys, lrdsl; print('lrdsl.testing' in sys.modules, 'lrdsl._exact' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_the_testing_module_loads_numpy_only() -> None:
    code = "import sys, lrdsl.testing; print([m for m in ('jax', 'torch', 'matplotlib') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
