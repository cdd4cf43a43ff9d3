"""Differential tests: every ``lrdsl.compat`` constructor against its real anchor, over the
anchor's accepted parameters, edges included (zero warmup, warmup = or > total, total = 1,
factor 0 or 1, gamma 0 or 1, power 0 or 0.5, integer and float lengths, ``pct_start``
extremes, ``T_mult`` > 1, ``num_cycles`` 0 / 0.5 / 3, ``min_lr`` > base, ...).

Each property draws parameters with Hypothesis, runs the anchor at ``t = 0 .. n - 1`` and
lrdsl, and checks the contract :func:`agree`:

- the anchor raises: lrdsl raises a :class:`~lrdsl.ScheduleError` or ``TypeError`` (never a
  ``ZeroDivisionError`` or another traceback from inside);
- the anchor gives a NaN or an infinity: lrdsl refuses at construction;
- otherwise, negative values included (DESIGN §6: compat accepts what its anchor accepts),
  lrdsl gives the anchor's values, at float64, rtol 1e-12 and atol 1e-15 (times
  the largest value when it exceeds 1, for the anchors' own rounding in recursive forms).

Anchors: PyTorch schedulers stepped on a real optimizer; ``transformers.get_scheduler``'s
``LambdaLR`` stepped likewise; Optax schedules under x64; timm schedulers through
``step(t)`` / ``step_update(t)``; Keras ``LearningRateSchedule``s in one long-lived
subprocess on the PyTorch backend at float64 (Keras fixes its backend at import).
"""

from __future__ import annotations

import atexit
import itertools
import json
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import lrdsl as lr
from lrdsl.compat import hf as chf
from lrdsl.compat import keras as ck
from lrdsl.compat import optax as co
from lrdsl.compat import timm as ctimm
from lrdsl.compat import torch as ct

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")

L = torch.optim.lr_scheduler
RTOL, ATOL = 1e-12, 1e-15

EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
#: For the anchors that compile per example (Optax's schedules under XLA) or run in a subprocess.
FEWER = settings(EXAMPLES, max_examples=30)


class AnchorError(Exception):
    """The anchor refused the parameters (at construction or while stepping)."""


def agree(
    ours: Callable[[], lr.Schedule],
    theirs: Callable[[], Sequence[float]],
    *,
    growing: float = 0,
    exact_at: Any = None,
) -> None:
    """lrdsl's schedule and the anchor's values obey the contract of this module.

    ``growing``: the anchor's own rounding grows with ``t``, as in a recursion (PyTorch's
    chainable forms update the lr step by step) or a cosine whose phase goes on growing
    (Hugging Face's periodic cosines): up to ``growing * 1e-15`` of the largest value per
    step (``True`` is 1).

    ``exact_at``: optional ``t -> value or None``; where it gives a value, the anchor's own
    float arithmetic is known to misplace a boundary (a cycle found by a float logarithm),
    and lrdsl must give that exact value instead of the anchor's.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = np.array(theirs(), dtype=np.float64)
    except Exception:  # the anchor refuses: so must lrdsl, clearly
        with pytest.raises((lr.ScheduleError, TypeError)):
            ours()
        return
    if not np.isfinite(expected).all():
        with pytest.raises(lr.ScheduleError):
            ours()
        return
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    s = ours()
    t = np.arange(expected.size)
    got = s(t)
    if exact_at is not None:
        for k in range(expected.size):
            v = exact_at(k)
            if v is not None:
                expected[k] = v
    atol = ATOL * scale * max(1.0, float(growing) * expected.size)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=atol, err_msg=str(s))
    # the scalar path agrees with the array path
    for k in {0, expected.size // 2, expected.size - 1}:
        assert abs(s(int(k)) - got[k]) <= 1e-15 * max(1.0, abs(got[k])), (str(s), k)


# ----------------------------------------------------------------------------
# Strategies.

# Subnormal numbers are left out: where they matter the anchors' own arithmetic loses their
# digits (or XLA flushes them to zero), and lrdsl refuses them (see the refusal tests).
BASE = st.sampled_from([1.0, 0.1, 3e-4, 2.5]) | st.floats(1e-4, 2.0)
FACTOR = st.sampled_from([0.0, 1.0, 0.5, 1 / 3]) | st.floats(0.0, 1.0, allow_subnormal=False)
GAMMA = st.sampled_from([0.0, 1.0, 0.1, 0.5, 0.9, 1.1, -0.5]) | st.floats(0.0, 1.5, allow_subnormal=False)
SMALL = st.integers(-2, 25)  # lengths and counts, including 0 and a negative
COUNT = st.integers(0, 25)
POWER = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0, -1.0]) | st.floats(0.0, 4.0, allow_subnormal=False)
HALF_STEPS = st.integers(-2, 50).map(lambda k: k / 2)  # whole and half lengths, and negatives
HALVES = st.integers(0, 50).map(lambda k: k / 2)


# ----------------------------------------------------------------------------
# PyTorch: schedulers stepped on a real optimizer.


def torch_lrs(make: Callable[[Any], Any], base: float, n: int) -> list[float]:
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base, momentum=0.9)
    sched = make(opt)
    out = [float(opt.param_groups[0]["lr"])]
    for _ in range(n - 1):
        opt.step()
        sched.step()
        out.append(float(opt.param_groups[0]["lr"]))
    return out


@EXAMPLES
@given(base=BASE, fn=st.sampled_from(["decay", "inverse", "constant"]))
def test_torch_lambdalr(base: float, fn: str) -> None:
    f = {"decay": lambda t: 0.95**t, "inverse": lambda t: 1 / (1 + t), "constant": lambda t: 0.5}[fn]
    agree(lambda: ct.LambdaLR(base, f), lambda: torch_lrs(lambda o: L.LambdaLR(o, f), base, 30))


@EXAMPLES
@given(base=BASE, factor=GAMMA)
def test_torch_multiplicativelr(base: float, factor: float) -> None:
    agree(
        lambda: ct.MultiplicativeLR(base, factor),
        lambda: torch_lrs(lambda o: L.MultiplicativeLR(o, lambda t: factor), base, 30),
        growing=True,
    )


@EXAMPLES
@given(base=BASE, step_size=COUNT | st.integers(0, 12).map(float), gamma=GAMMA)
def test_torch_steplr(base: float, step_size: float, gamma: float) -> None:
    agree(
        lambda: ct.StepLR(base, step_size, gamma),
        lambda: torch_lrs(lambda o: L.StepLR(o, step_size, gamma), base, 60),
        growing=True,
    )


@EXAMPLES
@given(base=BASE, milestones=st.lists(SMALL | HALF_STEPS, max_size=5), gamma=GAMMA)
def test_torch_multisteplr(base: float, milestones: list[float], gamma: float) -> None:
    agree(
        lambda: ct.MultiStepLR(base, milestones, gamma),
        lambda: torch_lrs(lambda o: L.MultiStepLR(o, milestones, gamma), base, 40),
        growing=True,
    )


@EXAMPLES
@given(base=BASE, factor=FACTOR | st.sampled_from([1.5, -0.5]), total_iters=SMALL | HALF_STEPS)
def test_torch_constantlr(base: float, factor: float, total_iters: float) -> None:
    agree(
        lambda: ct.ConstantLR(base, factor, total_iters),
        lambda: torch_lrs(lambda o: L.ConstantLR(o, factor, total_iters), base, 40),
        growing=True,
    )


@EXAMPLES
@given(
    base=BASE,
    start=FACTOR | st.sampled_from([1.5, -0.5]),
    end=FACTOR | st.sampled_from([1.5, -0.5]),
    total_iters=SMALL | HALF_STEPS,
)
def test_torch_linearlr(base: float, start: float, end: float, total_iters: float) -> None:
    agree(
        lambda: ct.LinearLR(base, start, end, total_iters),
        lambda: torch_lrs(lambda o: L.LinearLR(o, start, end, total_iters), base, 40),
        growing=True,
    )


@EXAMPLES
@given(base=BASE, gamma=GAMMA)
def test_torch_exponentiallr(base: float, gamma: float) -> None:
    agree(
        lambda: ct.ExponentialLR(base, gamma),
        lambda: torch_lrs(lambda o: L.ExponentialLR(o, gamma), base, 40),
        growing=True,
    )


@EXAMPLES
@given(base=BASE, t_max=COUNT | HALVES, eta_min=st.sampled_from([0.0, 0.01, 5.0, -0.1]))
def test_torch_cosineannealinglr(base: float, t_max: float, eta_min: float) -> None:
    agree(
        lambda: ct.CosineAnnealingLR(base, t_max, eta_min),
        lambda: torch_lrs(lambda o: L.CosineAnnealingLR(o, t_max, eta_min), base, 60),
        # PyTorch's recursion divides by 1 + cos(pi (t - 1) / T_max), down to about
        # (pi / (2 T_max)) ** 2 / 2 beside each trough: its error grows there as T_max ** 2
        growing=max(1.0, t_max**2 / 4),
    )


@EXAMPLES
@given(base=BASE, total_iters=SMALL | HALF_STEPS, power=POWER)
def test_torch_polynomiallr(base: float, total_iters: float, power: float) -> None:
    assume(not (power < 0 and total_iters != int(total_iters)))  # refused: see test_torch_refusals
    agree(
        lambda: ct.PolynomialLR(base, total_iters, power),
        lambda: torch_lrs(lambda o: L.PolynomialLR(o, total_iters, power), base, 40),
        growing=True,
    )


@EXAMPLES
@given(
    base=BASE,
    t_0=st.integers(-1, 12) | st.sampled_from([2.5, 4.0]),
    t_mult=st.integers(0, 3) | st.sampled_from([1.5, 2.0]),
    eta_min=st.sampled_from([0.0, 0.01, 5.0, -0.1]),
)
def test_torch_cosineannealingwarmrestarts(base: float, t_0: Any, t_mult: Any, eta_min: float) -> None:
    agree(
        lambda: ct.CosineAnnealingWarmRestarts(base, t_0, t_mult, eta_min),
        lambda: torch_lrs(lambda o: L.CosineAnnealingWarmRestarts(o, t_0, t_mult, eta_min), base, 80),
        growing=True,
    )


@EXAMPLES
@given(
    base=BASE,
    peak=st.sampled_from([1.0, 0.05, 0.1]),
    up=COUNT | HALVES,
    down=st.none() | COUNT | HALVES,
    mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
    gamma=GAMMA,
)
def test_torch_cycliclr(
    base: float, peak: float, up: float, down: float | None, mode: str, gamma: float
) -> None:
    agree(
        lambda: ct.CyclicLR(base, peak, up, down, mode, gamma, cycle_momentum=False),
        lambda: torch_lrs(
            lambda o: L.CyclicLR(o, base, peak, up, down, mode, gamma, cycle_momentum=False), base, 60
        ),
        growing=True,
    )


@EXAMPLES
@given(
    peak=BASE,
    total=st.integers(1, 30),
    pct=st.sampled_from([0.0, 0.01, 0.3, 0.5, 0.75, 1.0]) | st.floats(0.0, 1.0, allow_subnormal=False),
    anneal=st.sampled_from(["cos", "linear"]),
    div=st.sampled_from([25.0, 1.0, 0.5]),
    final_div=st.sampled_from([1e4, 1.0, 0.5]),
    three=st.booleans(),
)
def test_torch_onecyclelr(
    peak: float, total: int, pct: float, anneal: str, div: float, final_div: float, three: bool
) -> None:
    # t = 0 .. total: the steps of the run and the one more PyTorch allows, t = total_steps
    # (where PyTorch divides by zero at t = total_steps, the steps of the run only)
    assume(not (anneal == "cos" and pct * total < 1 and total > 1))  # refused: see test_torch_refusals

    def theirs(n: int) -> list[float]:
        return torch_lrs(
            lambda o: L.OneCycleLR(
                o,
                peak,
                total,
                pct_start=pct,
                anneal_strategy=anneal,
                div_factor=div,
                final_div_factor=final_div,
                three_phase=three,
                cycle_momentum=False,
            ),
            peak,
            n,
        )

    def theirs_and_one_more() -> list[float]:
        try:
            return theirs(total + 1)
        except ZeroDivisionError:
            return theirs(total)

    agree(
        lambda: ct.OneCycleLR(
            peak,
            total,
            pct_start=pct,
            anneal_strategy=anneal,
            div_factor=div,
            final_div_factor=final_div,
            three_phase=three,
            cycle_momentum=False,
        ),
        theirs_and_one_more,
        growing=True,
    )


def test_torch_onecyclelr_needs_a_float_pct_start_as_pytorch_does() -> None:
    with pytest.raises(TypeError, match=r"OneCycleLR: pct_start must be a float between 0 and 1, got int 0"):
        ct.OneCycleLR(1.0, 10, pct_start=0)


def test_torch_onecyclelr_epochs_and_steps_per_epoch_must_be_positive_ints() -> None:
    with pytest.raises(lr.ScheduleError, match=r"OneCycleLR: epochs must be an int > 0, got 0"):
        ct.OneCycleLR(1.0, epochs=0, steps_per_epoch=10)
    with pytest.raises(lr.ScheduleError, match=r"OneCycleLR: total_steps must be an int > 0, got 10\.5"):
        ct.OneCycleLR(1.0, 10.5)


# Children that SequentialLR and ChainedScheduler restart or multiply (closed forms).
CHILDREN: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "constant": (lambda b, k: ct.ConstantLR(b, 0.5, k), lambda o, k: L.ConstantLR(o, 0.5, k)),
    "linear": (lambda b, k: ct.LinearLR(b, 0.2, 1.0, k), lambda o, k: L.LinearLR(o, 0.2, 1.0, k)),
    "exponential": (lambda b, k: ct.ExponentialLR(b, 0.9), lambda o, k: L.ExponentialLR(o, 0.9)),
    "step": (lambda b, k: ct.StepLR(b, max(k, 1), 0.5), lambda o, k: L.StepLR(o, max(k, 1), 0.5)),
    "polynomial": (lambda b, k: ct.PolynomialLR(b, k, 2.0), lambda o, k: L.PolynomialLR(o, k, 2.0)),
    "multistep": (
        lambda b, k: ct.MultiStepLR(b, [k, 2 * k], 0.5),
        lambda o, k: L.MultiStepLR(o, [k, 2 * k], 0.5),
    ),
    "cosine": (
        lambda b, k: ct.CosineAnnealingLR(b, max(k, 1)),
        lambda o, k: L.CosineAnnealingLR(o, max(k, 1)),
    ),
}


@EXAMPLES
@given(
    base=BASE,
    kids=st.lists(st.tuples(st.sampled_from(sorted(CHILDREN)), st.integers(0, 12)), min_size=1, max_size=3),
    gaps=st.lists(st.integers(0, 15), min_size=2, max_size=2),
)
def test_torch_sequentiallr(base: float, kids: list[tuple[str, int]], gaps: list[int]) -> None:
    # PyTorch's SequentialLR restarts a child with its closed form, which for total_iters = 0
    # is not the child's own: it divides by 0 (LinearLR, PolynomialLR) or lifts the factor
    # at once (ConstantLR, whose recursion keeps it for ever)
    assume(all(k > 0 or c not in ("linear", "polynomial", "constant") for c, k in kids[1:]))
    milestones = list(np.cumsum(gaps[: len(kids) - 1]).tolist())
    agree(
        lambda: ct.SequentialLR([CHILDREN[c][0](base, k) for c, k in kids], milestones),
        lambda: torch_lrs(
            lambda o: L.SequentialLR(o, [CHILDREN[c][1](o, k) for c, k in kids], milestones), base, 50
        ),
        growing=True,
    )


@EXAMPLES
@given(
    base=BASE,
    kids=st.lists(
        st.tuples(
            st.sampled_from(["constant", "linear", "exponential", "step", "polynomial", "multistep"]),
            st.integers(0, 12),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_torch_chainedscheduler(base: float, kids: list[tuple[str, int]]) -> None:
    agree(
        lambda: ct.ChainedScheduler([CHILDREN[c][0](1.0, k) for c, k in kids], base_lr=base),
        lambda: torch_lrs(lambda o: L.ChainedScheduler([CHILDREN[c][1](o, k) for c, k in kids]), base, 40),
        growing=True,
    )


#: Arguments PyTorch runs with but lrdsl refuses, on purpose: outside the documented domain,
#: where PyTorch's recursion does something no closed form (nor its own) says.
TORCH_REFUSALS: dict[str, tuple[Callable[[], Any], type, str]] = {
    "steplr_fractional_step_size": (
        lambda: ct.StepLR(1.0, 2.5),
        lr.ScheduleError,
        r"StepLR: step_size must be a whole number > 0, got 2\.5",
    ),
    "steplr_negative_step_size": (
        lambda: ct.StepLR(1.0, -3),
        lr.ScheduleError,
        r"StepLR: step_size must be a whole number > 0, got -3",
    ),
    "cosineannealinglr_negative_t_max": (
        lambda: ct.CosineAnnealingLR(1.0, -4),
        lr.ScheduleError,
        r"CosineAnnealingLR: T_max must be > 0, got -4",
    ),
    "constantlr_factor_too_small_to_divide_by": (
        lambda: ct.ConstantLR(1.0, 5e-324, 1),
        lr.ScheduleError,
        r"ConstantLR: factor must be large enough to divide by \(PyTorch divides by it at step 1\), got 5e-324",
    ),
    "linearlr_subnormal_start": (
        lambda: ct.LinearLR(1e-4, 2.225073858507203e-309, 1.0, 3),
        lr.ScheduleError,
        r"LinearLR: start_factor must be large enough to divide by \(PyTorch's recursion divides by it\)",
    ),
    "cycliclr_negative_step_size_down": (
        lambda: ct.CyclicLR(0.1, 1.0, 4, -2),
        lr.ScheduleError,
        r"CyclicLR: step_size_down must be >= 0, got -2",
    ),
    "polynomiallr_negative_power": (
        lambda: ct.PolynomialLR(1.0, 2.5, -1.0),
        lr.ScheduleError,
        r"PolynomialLR: power must be >= 0 \(PyTorch divides by zero at step total_iters=2\.5\), got -1\.0",
    ),
    "sequentiallr_fractional_milestone": (
        lambda: ct.SequentialLR([lr.constant(1.0), lr.constant(0.5)], [2.5]),
        lr.ScheduleError,
        r"SequentialLR: milestones\[0\] must be a whole number, got 2\.5",
    ),
    "onecyclelr_cosine_starting_part_way": (
        lambda: ct.OneCycleLR(1.0, 30, pct_start=0.01),
        lr.ScheduleError,
        r"OneCycleLR: pct_start must be > 1 / total_steps with anneal_strategy='cos'.*got 0\.01",
    ),
}


@pytest.mark.parametrize(("make", "error", "message"), TORCH_REFUSALS.values(), ids=TORCH_REFUSALS.keys())
def test_torch_refusals(make: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make()


# ----------------------------------------------------------------------------
# Hugging Face: get_scheduler's LambdaLR stepped on a real optimizer.


def hf_lrs(name: str, base: float, w: Any, total: Any, n: int, **kw: Any) -> list[float]:
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.AdamW([p], lr=base)
    sched = transformers.get_scheduler(
        name, opt, num_warmup_steps=w, num_training_steps=total, scheduler_specific_kwargs=kw or None
    )
    out = [float(opt.param_groups[0]["lr"])]
    for _ in range(n - 1):
        opt.step()
        sched.step()
        out.append(float(opt.param_groups[0]["lr"]))
    return out


def hf_agree(name: str, base: float, w: Any, total: Any, **kw: Any) -> None:
    n = int(max(w or 0, total or 0)) + 12
    agree(
        lambda: chf.get_scheduler(name, base, w, total, **kw),
        lambda: hf_lrs(name, base, w, total, n, **kw),
        growing="num_cycles" in kw,  # the cosine's phase goes on past the run
    )


WARMUP = st.integers(0, 12) | st.sampled_from([0.5, 2.5])
TOTAL = st.integers(0, 25) | st.sampled_from([1, 0.5, 7.5])
CYCLES = st.sampled_from([0, 0.5, 1, 1.5, 2, 3, 6, 7, -0.5, 1e-300]) | st.floats(
    0.0, 4.0, allow_subnormal=False
)


@EXAMPLES
@given(base=BASE, w=WARMUP)
def test_hf_constant_with_warmup(base: float, w: Any) -> None:
    hf_agree("constant_with_warmup", base, w, None)


@EXAMPLES
@given(base=BASE)
def test_hf_constant(base: float) -> None:
    hf_agree("constant", base, None, None)


@EXAMPLES
@given(base=BASE, w=WARMUP, total=TOTAL)
def test_hf_linear(base: float, w: Any, total: Any) -> None:
    hf_agree("linear", base, w, total)


@EXAMPLES
@given(base=BASE, w=WARMUP, total=TOTAL, cycles=CYCLES)
def test_hf_cosine(base: float, w: Any, total: Any, cycles: float) -> None:
    hf_agree("cosine", base, w, total, num_cycles=cycles)


@EXAMPLES
@given(base=BASE, w=WARMUP, total=TOTAL, cycles=CYCLES)
@example(base=1.0, w=0, total=19, cycles=1.9)  # 19 / 1.9 rounds down onto step 10: no restart there
@example(base=1.0, w=0, total=10, cycles=6)  # the third restart is exactly step 5
def test_hf_cosine_with_restarts(base: float, w: Any, total: Any, cycles: float) -> None:
    assume(cycles >= 0)  # refused: see test_hf_refusals
    hf_agree("cosine_with_restarts", base, w, total, num_cycles=cycles)


@EXAMPLES
@given(
    base=BASE,
    w=WARMUP,
    total=TOTAL,
    lr_end=st.sampled_from([1e-7, 0.0, 0.05, -0.01]),
    power=POWER,
)
def test_hf_polynomial(base: float, w: Any, total: Any, lr_end: float, power: float) -> None:
    assume(power >= 0 or total == int(total))  # refused: see test_hf_refusals
    hf_agree("polynomial", base, w, total, lr_end=lr_end, power=power)


@EXAMPLES
@given(base=BASE, w=WARMUP, timescale=st.none() | st.integers(-3, 30) | st.sampled_from([0.5, 12.5]))
def test_hf_inverse_sqrt(base: float, w: Any, timescale: Any) -> None:
    kw = {} if timescale is None else {"timescale": timescale}
    n = int(w) + 40
    agree(
        lambda: chf.get_scheduler("inverse_sqrt", base, w, **kw),
        lambda: hf_lrs("inverse_sqrt", base, w, None, n, **kw),
    )


RATES = st.sampled_from([0.0, 0.1, 1.0, 2.0, -0.1])


@EXAMPLES
@given(base=BASE, w=WARMUP, total=TOTAL, cycles=CYCLES, rate=RATES, by_min_lr=st.booleans())
def test_hf_cosine_with_min_lr(
    base: float, w: Any, total: Any, cycles: float, rate: float, by_min_lr: bool
) -> None:
    kw = {"min_lr": rate * base} if by_min_lr else {"min_lr_rate": rate}
    hf_agree("cosine_with_min_lr", base, w, total, num_cycles=cycles, **kw)


@EXAMPLES
@given(
    base=BASE,
    w=st.integers(0, 12),
    total=TOTAL,
    cycles=CYCLES,
    rate=RATES,
    warmup_rate=st.none() | st.sampled_from([0.0, 0.3, 1.0, 1.5]),
)
def test_hf_cosine_warmup_with_min_lr(
    base: float, w: int, total: Any, cycles: float, rate: float, warmup_rate: float | None
) -> None:
    assume(w > 0 or cycles == 0)  # refused: see test_hf_refusals
    kw = {} if warmup_rate is None else {"warmup_lr_rate": warmup_rate}
    hf_agree("cosine_warmup_with_min_lr", base, w, total, num_cycles=cycles, min_lr_rate=rate, **kw)


@EXAMPLES
@given(
    base=BASE,
    w=st.integers(0, 10),
    stable=st.integers(0, 10),
    decay=st.integers(0, 10),
    by_total=st.booleans(),
    warmup_type=st.sampled_from(["linear", "cosine", "1-sqrt"]),
    decay_type=st.sampled_from(["linear", "cosine", "1-sqrt"]),
    ratio=st.sampled_from([0.0, 0.1, 1.0, 1.5, -0.1]),
    cycles=CYCLES,
)
def test_hf_warmup_stable_decay(
    base: float,
    w: int,
    stable: int,
    decay: int,
    by_total: bool,
    warmup_type: str,
    decay_type: str,
    ratio: float,
    cycles: float,
) -> None:
    kw: dict[str, Any] = {
        "num_decay_steps": decay,
        "warmup_type": warmup_type,
        "decay_type": decay_type,
        "min_lr_ratio": ratio,
        "num_cycles": cycles,
    }
    total = w + stable + decay if by_total else None
    if not by_total:
        kw["num_stable_steps"] = stable
    n = w + stable + decay + 10
    agree(
        lambda: chf.get_scheduler("warmup_stable_decay", base, w, total, **kw),
        lambda: hf_lrs("warmup_stable_decay", base, w, total, n, **kw),
    )


#: Arguments Hugging Face runs with but lrdsl refuses, on purpose.
HF_REFUSALS: dict[str, tuple[Callable[[], Any], type, str]] = {
    "negative_warmup": (
        lambda: chf.get_linear_schedule_with_warmup(1.0, -2, 10),
        lr.ScheduleError,
        r"get_linear_schedule_with_warmup: num_warmup_steps must be >= 0, got -2",
    ),
    "hard_restarts_negative_cycles": (
        lambda: chf.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 2, 10, num_cycles=-1),
        lr.ScheduleError,
        r"get_cosine_with_hard_restarts_schedule_with_warmup: num_cycles must be >= 0, got -1",
    ),
    "cosine_warmup_with_min_lr_no_warmup": (
        lambda: chf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(1.0, 0, 10, min_lr_rate=0.1),
        lr.ScheduleError,
        r"get_cosine_with_min_lr_schedule_with_warmup_lr_rate: num_warmup_steps must be >= 1 \(its cosine"
        r" would begin at t = -1\), got 0",
    ),
    "polynomial_negative_power_never_dividing": (
        lambda: chf.get_polynomial_decay_schedule_with_warmup(1.0, 0, 0.5, power=-1.0),
        lr.ScheduleError,
        r"get_polynomial_decay_schedule_with_warmup: power must be >= 0 \(Hugging Face divides by zero at"
        r" num_training_steps\), got -1\.0",
    ),
    "wsd_negative_stable_phase": (
        lambda: chf.get_wsd_schedule(1.0, 5, 10, num_training_steps=12),
        lr.ScheduleError,
        r"wsd: stable_steps must be >= 0, got -3",
    ),
}


@pytest.mark.parametrize(("make", "error", "message"), HF_REFUSALS.values(), ids=HF_REFUSALS.keys())
def test_hf_refusals(make: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make()


def test_hf_linear_warmup_longer_than_the_run_ramps_then_stops() -> None:
    # issue 10: this trained at lr 0 for the whole run
    s = chf.get_linear_schedule_with_warmup(1.0, 10, 5)
    assert s(np.arange(12)).tolist() == [t / 10 for t in range(10)] + [0.0, 0.0]


# ----------------------------------------------------------------------------
# Optax: its schedules at float64 (x64 on), over counts 0 .. n - 1.


def optax_values(make: Callable[[], Any], n: int) -> np.ndarray:
    with jax.enable_x64(True):
        return np.asarray(jax.vmap(make())(np.arange(n)), dtype=np.float64)


OS = optax.schedules
# XLA flushes subnormal numbers to zero (Python and NumPy do not): Optax sees 0 there.
VALUE = st.sampled_from([1.0, 0.1, 0.0, 2.0, -0.5]) | st.floats(0.0, 2.0).filter(
    lambda v: v == 0 or v > 1e-300
)
RATE = st.sampled_from([0.0, 1.0, 0.1, 0.5, 0.9, 1.1, -0.5, 2.0]) | st.floats(1e-300, 1.5)
BEGIN = st.integers(-3, 10) | st.sampled_from([2.5])


@EXAMPLES
@given(value=VALUE)
def test_optax_constant_schedule(value: float) -> None:
    agree(lambda: co.constant_schedule(value), lambda: optax_values(lambda: OS.constant_schedule(value), 5))


@EXAMPLES
@given(init=VALUE, end=VALUE, power=POWER, steps=SMALL | HALVES, begin=BEGIN)
def test_optax_polynomial_schedule(init: float, end: float, power: float, steps: Any, begin: Any) -> None:
    # XLA divides by a reciprocal, so Optax's 1 - count / steps can be 1e-16 at the end, not 0;
    # with power < 1 that is 1e-8 of the range: past the end the formula's value is `end`.
    def exact_at(t: int) -> float | None:
        return end if 0 < power < 1 and steps > 0 and t >= max(begin, 0) + steps else None

    agree(
        lambda: co.polynomial_schedule(init, end, power, steps, begin),
        lambda: optax_values(lambda: OS.polynomial_schedule(init, end, power, steps, begin), 45),
        exact_at=exact_at,
    )


@EXAMPLES
@given(init=VALUE, end=VALUE, steps=SMALL | HALVES, begin=BEGIN)
def test_optax_linear_schedule(init: float, end: float, steps: Any, begin: Any) -> None:
    agree(
        lambda: co.linear_schedule(init, end, steps, begin),
        lambda: optax_values(lambda: OS.linear_schedule(init, end, steps, begin), 45),
    )


@EXAMPLES
@given(
    init=VALUE,
    steps=SMALL | HALVES,
    alpha=st.sampled_from([0.0, 0.1, 1.0, 2.0, -0.1]),
    exponent=st.sampled_from([1.0, 0.0, 0.5, 2.0, -1.0]),
)
def test_optax_cosine_decay_schedule(init: float, steps: Any, alpha: float, exponent: float) -> None:
    agree(
        lambda: co.cosine_decay_schedule(init, steps, alpha, exponent),
        lambda: optax_values(lambda: OS.cosine_decay_schedule(init, steps, alpha, exponent), 40),
    )


@EXAMPLES
@given(
    init=VALUE,
    steps=SMALL | HALVES,
    rate=RATE,
    begin=BEGIN,
    staircase=st.booleans(),
    end=st.none() | st.sampled_from([0.0, 0.05, 0.5, 5.0, -0.1]),
)
def test_optax_exponential_decay(
    init: float, steps: Any, rate: float, begin: Any, staircase: bool, end: float | None
) -> None:
    agree(
        lambda: co.exponential_decay(init, steps, rate, begin, staircase, end),
        lambda: optax_values(lambda: OS.exponential_decay(init, steps, rate, begin, staircase, end), 40),
        exact_at=lambda t: exact_staircase(init, steps, rate, begin, staircase, end, t),
    )


def exact_staircase(
    init: float, steps: Any, rate: float, begin: Any, staircase: bool, end: float | None, t: int
) -> float | None:
    """The exact value of Optax's staircase decay where ``(t - begin) / steps`` is a whole
    number: XLA divides by the reciprocal of the constant ``steps``, so Optax's floor can
    fall one short there (``27 - 2.5 = 24.5``, ``24.5 * (1 / 24.5) < 1``)."""
    if not staircase or steps <= 0 or rate <= 0 or t < max(begin, 0):
        return None
    p = Fraction(t - max(begin, 0)) / Fraction(steps)
    if p.denominator != 1 or p == 0:
        return None
    v = init * rate ** int(p)
    if end is not None:
        v = max(v, end) if rate < 1 else min(v, end)
    return v


KNOTS = st.dictionaries(SMALL | HALVES, st.sampled_from([0.0, 0.5, 2.0, 1.0, 0.1, -1.0]), max_size=4)


@EXAMPLES
@given(init=VALUE, knots=KNOTS)
def test_optax_piecewise_constant_schedule(init: float, knots: dict[Any, float]) -> None:
    agree(
        lambda: co.piecewise_constant_schedule(init, knots),
        lambda: optax_values(lambda: OS.piecewise_constant_schedule(init, knots), 40),
    )


@FEWER
@given(kind=st.sampled_from(["linear", "cosine"]), init=VALUE, knots=KNOTS)
def test_optax_piecewise_interpolate_schedule(kind: str, init: float, knots: dict[Any, float]) -> None:
    # refused, see test_optax_refusals: negative boundaries, a step inside a segment under a step
    times = sorted([0, *knots])
    assume(all(b >= 0 for b in knots))
    assume(not any(0 < b - a < 1 and math.floor(a) + 1 < b for a, b in itertools.pairwise(times)))
    agree(
        lambda: co.piecewise_interpolate_schedule(kind, init, knots),
        lambda: optax_values(lambda: OS.piecewise_interpolate_schedule(kind, init, knots), 40),
    )


ONECYCLE = {
    "steps": st.integers(-1, 30),
    "peak": VALUE,
    "pct_start": st.sampled_from([0.0, 0.3, 0.5, 1.0, 1.2]),
    "div": st.sampled_from([25.0, 1.0, 0.5, 0.0, -1.0]),
    "final_div": st.sampled_from([1e4, 1.0, 0.5, 0.0]),
}


@EXAMPLES
@given(**ONECYCLE, pct_final=st.sampled_from([0.85, 0.3, 1.0, 0.0]))
def test_optax_linear_onecycle_schedule(
    steps: int, peak: float, pct_start: float, div: float, final_div: float, pct_final: float
) -> None:
    agree(
        lambda: co.linear_onecycle_schedule(steps, peak, pct_start, pct_final, div, final_div),
        lambda: optax_values(
            lambda: OS.linear_onecycle_schedule(steps, peak, pct_start, pct_final, div, final_div), 40
        ),
    )


@EXAMPLES
@given(**ONECYCLE)
def test_optax_cosine_onecycle_schedule(
    steps: int, peak: float, pct_start: float, div: float, final_div: float
) -> None:
    agree(
        lambda: co.cosine_onecycle_schedule(steps, peak, pct_start, div, final_div),
        lambda: optax_values(lambda: OS.cosine_onecycle_schedule(steps, peak, pct_start, div, final_div), 40),
    )


@EXAMPLES
@given(init=VALUE, peak=VALUE, warmup=COUNT)
def test_optax_warmup_constant_schedule(init: float, peak: float, warmup: int) -> None:
    agree(
        lambda: co.warmup_constant_schedule(init, peak, warmup),
        lambda: optax_values(lambda: OS.warmup_constant_schedule(init, peak, warmup), 35),
    )


COSINE_CYCLE = {
    "init": VALUE,
    "peak": VALUE,
    "warmup": COUNT,
    "decay": st.integers(0, 30),
    "end": st.sampled_from([0.0, 0.01, 0.5, 3.0, -0.1]),
    "exponent": st.sampled_from([1.0, 2.0, 0.5, 0.0]),
}


@EXAMPLES
@given(**COSINE_CYCLE)
def test_optax_warmup_cosine_decay_schedule(
    init: float, peak: float, warmup: int, decay: int, end: float, exponent: float
) -> None:
    agree(
        lambda: co.warmup_cosine_decay_schedule(init, peak, warmup, decay, end, exponent),
        lambda: optax_values(
            lambda: OS.warmup_cosine_decay_schedule(init, peak, warmup, decay, end, exponent), 45
        ),
    )


@EXAMPLES
@given(
    init=VALUE,
    peak=VALUE,
    warmup=COUNT,
    steps=SMALL,
    rate=RATE,
    begin=BEGIN,
    staircase=st.booleans(),
    end=st.none() | st.sampled_from([0.0, 0.05, 5.0]),
)
def test_optax_warmup_exponential_decay_schedule(
    init: float,
    peak: float,
    warmup: int,
    steps: int,
    rate: float,
    begin: Any,
    staircase: bool,
    end: float | None,
) -> None:
    args = (init, peak, warmup, steps, rate, begin, staircase, end)
    agree(
        lambda: co.warmup_exponential_decay_schedule(*args),
        lambda: optax_values(lambda: OS.warmup_exponential_decay_schedule(*args), 45),
        exact_at=lambda t: (
            None if t < warmup else exact_staircase(peak, steps, rate, begin, staircase, end, t - warmup)
        ),
    )


@FEWER
@given(
    cycles=st.lists(
        st.fixed_dictionaries(
            {
                "init_value": VALUE,
                "peak_value": VALUE,
                "warmup_steps": st.integers(0, 5),
                "decay_steps": st.integers(0, 15),
            },
            optional={"end_value": st.sampled_from([0.0, 0.01]), "exponent": st.sampled_from([1.0, 2.0])},
        ),
        max_size=3,
    )
)
def test_optax_sgdr_schedule(cycles: list[dict[str, Any]]) -> None:
    total = sum(c["decay_steps"] for c in cycles) + 10
    agree(lambda: co.sgdr_schedule(cycles), lambda: optax_values(lambda: OS.sgdr_schedule(cycles), total))


# Pieces for join_schedules: (lrdsl, Optax) pairs.
PIECES: dict[str, tuple[Callable[[int], Any], Callable[[int], Any]]] = {
    "constant": (lambda k: co.constant_schedule(0.1 * k), lambda k: OS.constant_schedule(0.1 * k)),
    "linear": (lambda k: co.linear_schedule(1.0, 0.1, k), lambda k: OS.linear_schedule(1.0, 0.1, k)),
    "cosine": (
        lambda k: co.cosine_decay_schedule(0.5, max(k, 1)),
        lambda k: OS.cosine_decay_schedule(0.5, max(k, 1)),
    ),
    "exponential": (lambda k: co.exponential_decay(1.0, k, 0.5), lambda k: OS.exponential_decay(1.0, k, 0.5)),
}


@FEWER
@given(
    pieces=st.lists(st.tuples(st.sampled_from(sorted(PIECES)), st.integers(0, 10)), min_size=1, max_size=4),
    gaps=st.lists(st.integers(0, 12), min_size=3, max_size=3),
)
def test_optax_join_schedules(pieces: list[tuple[str, int]], gaps: list[int]) -> None:
    bounds = list(np.cumsum(gaps[: len(pieces) - 1]).tolist())
    agree(
        lambda: co.join_schedules([PIECES[p][0](k) for p, k in pieces], bounds),
        lambda: optax_values(lambda: OS.join_schedules([PIECES[p][1](k) for p, k in pieces], bounds), 45),
    )


#: Arguments Optax runs with but lrdsl refuses, on purpose.
OPTAX_REFUSALS: dict[str, tuple[Callable[[], Any], type, str]] = {
    "interpolate_negative_boundary": (
        lambda: co.piecewise_interpolate_schedule("linear", 1.0, {-5: 0.5, 10: 0.1}),
        lr.ScheduleError,
        r"piecewise_interpolate_schedule: boundaries_and_scales must be keyed by steps >= 0",
    ),
    "interpolate_segment_under_a_step": (
        lambda: co.piecewise_interpolate_schedule("linear", 1.0, {2.5: 0.5, 3.4: 0.1}),
        lr.ScheduleError,
        r"piecewise_interpolate_schedule: boundaries_and_scales must be spaced by a step or more, or with no"
        r" step between \(2\.5, 3\.4\)",
    ),
    "warmup_cosine_negative_warmup": (
        lambda: co.warmup_cosine_decay_schedule(0.0, 1.0, -3, 20),
        lr.ScheduleError,
        r"warmup_cosine_decay_schedule: warmup_steps must be >= 0, got -3",
    ),
    "join_unsorted_boundaries": (
        lambda: co.join_schedules([co.constant_schedule(1.0)] * 3, [10, 5]),
        lr.ScheduleError,
        r"chain: boundaries must be non-decreasing",
    ),
}


@pytest.mark.parametrize(("make", "error", "message"), OPTAX_REFUSALS.values(), ids=OPTAX_REFUSALS.keys())
def test_optax_refusals(make: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make()


# ----------------------------------------------------------------------------
# timm: its schedulers' step(t) (t_in_epochs, timm's default), loaded without `import timm`.

from .test_compat_timm import T as TIMM  # noqa: E402


def timm_lrs(name: str, base: float, n: int, **kw: Any) -> list[float]:
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base)
    sched = TIMM[name](opt, **kw)
    out = []
    for t in range(n):
        sched.step(t)
        out.append(float(opt.param_groups[0]["lr"]))
    return out


def timm_agree(name: str, base: float, n: int, exact_at: Any = None, **kw: Any) -> None:
    agree(lambda: getattr(ctimm, name)(base, **kw), lambda: timm_lrs(name, base, n, **kw), exact_at=exact_at)


def timm_cycle(t: float, t_initial: float, mul: float) -> tuple[int, float, float]:
    """timm's own cycle arithmetic: ``(i, t_curr, t_i)`` (a float logarithm for ``mul != 1``)."""
    if mul != 1:
        i = math.floor(math.log(1 - t / t_initial * (1 - mul), mul))
        return i, t - (1 - mul**i) / (1 - mul) * t_initial, mul**i * t_initial
    i = t // t_initial
    return int(i), t - t_initial * i, t_initial


def exact_cycle(t: float, t_initial: float, mul: float) -> tuple[int, float, float]:
    """The cycle ``t`` is in, found with exact fractions: ``(i, t_curr, t_i)``."""
    i, start, length, at = 0, Fraction(0), Fraction(t_initial), Fraction(t)
    while at >= start + length:
        start, length, i = start + length, length * Fraction(mul), i + 1
    return i, float(at - start), float(length)


def timm_fix(
    value: Callable[[int, float, float], float], base: float, kw: dict[str, Any]
) -> Callable[[int], Any]:
    """``exact_at`` for timm's cycles: where timm's float logarithm puts ``t`` in the wrong
    cycle (at a cycle's first step, it can say the previous one's last), the value of
    ``value(i, t_curr, t_i)`` in the right one (then ``lr_min`` from ``cycle_limit``)."""
    w, prefix = kw.get("warmup_t", 0), kw.get("warmup_prefix", False)
    t_initial, mul = kw["t_initial"], kw.get("cycle_mul", 1.0)

    def fix(t: int) -> float | None:
        if t < w:
            return None
        u = t - w if prefix else t
        got = timm_cycle(u, t_initial, mul)
        exact = exact_cycle(u, t_initial, mul)
        if got[0] == exact[0]:
            return None
        i, t_curr, t_i = exact
        if i >= kw.get("cycle_limit", 1):
            return kw.get("lr_min", 0.0)
        return value(i, t_curr, t_i)

    return fix


TIMM_CYCLES = {
    "base": BASE,
    "t_initial": st.integers(0, 12) | st.sampled_from([2.5, 7.5]),
    "lr_min": st.sampled_from([0.0, 0.01, 5.0, -0.1]),
    "cycle_mul": st.sampled_from([1.0, 2.0, 1.5, 3.0, 0.5]),
    "cycle_decay": st.sampled_from([1.0, 0.5, 0.0, 2.0, -0.5]),
    "cycle_limit": st.integers(-1, 4),
    "warmup_t": st.integers(0, 6) | st.sampled_from([2.5]),
    "warmup_lr_init": st.sampled_from([0.0, 1e-3, 3.0]),
    "warmup_prefix": st.booleans(),
}


def _timm_domain(kw: dict[str, Any]) -> None:
    # refused, see test_timm_refusals: shorter and shorter cycles (a math domain error in timm)
    assume(kw["cycle_mul"] >= 1)


@EXAMPLES
@given(**TIMM_CYCLES, k_decay=st.sampled_from([1.0, 0.5, 2.0, 0.0]))
def test_timm_cosine(base: float, **kw: Any) -> None:
    _timm_domain(kw)

    def value(i: int, t_curr: float, t_i: float) -> float:
        peak, k, lo = base * kw["cycle_decay"] ** i, kw["k_decay"], kw["lr_min"]
        return lo + 0.5 * (peak - lo) * (1 + math.cos(math.pi * t_curr**k / t_i**k))

    timm_agree("CosineLRScheduler", base, 70, exact_at=timm_fix(value, base, kw), **kw)


@EXAMPLES
@given(**TIMM_CYCLES, lb=st.sampled_from([-7.0, -1.0, 3.0]), ub=st.sampled_from([3.0, 1.0]))
def test_timm_tanh(base: float, **kw: Any) -> None:
    _timm_domain(kw)

    def value(i: int, t_curr: float, t_i: float) -> float:
        peak, lo, tr = base * kw["cycle_decay"] ** i, kw["lr_min"], t_curr / t_i
        return lo + 0.5 * (peak - lo) * (1 - math.tanh(kw["lb"] * (1.0 - tr) + kw["ub"] * tr))

    timm_agree("TanhLRScheduler", base, 70, exact_at=timm_fix(value, base, kw), **kw)


@EXAMPLES
@given(**TIMM_CYCLES, power=st.sampled_from([0.5, 1.0, 2.0, 0.0]), k_decay=st.sampled_from([1.0, 0.5, 0.0]))
def test_timm_poly(base: float, **kw: Any) -> None:
    _timm_domain(kw)
    assume(kw["power"] > 0 or kw["cycle_mul"] == 1 or kw["cycle_limit"] <= 1)  # refused

    def value(i: int, t_curr: float, t_i: float) -> float:
        peak, k, lo = base * kw["cycle_decay"] ** i, kw["k_decay"], kw["lr_min"]
        return lo + (peak - lo) * (1 - t_curr**k / t_i**k) ** kw["power"]

    timm_agree("PolyLRScheduler", base, 70, exact_at=timm_fix(value, base, kw), **kw)


@EXAMPLES
@given(
    base=BASE,
    decay_t=st.integers(0, 12) | st.sampled_from([2.5]),
    decay_rate=st.sampled_from([1.0, 0.5, 0.0, 2.0, -0.5]),
    warmup_t=st.integers(0, 6),
    warmup_lr_init=st.sampled_from([0.0, 1e-3]),
    warmup_prefix=st.booleans(),
)
def test_timm_step(base: float, **kw: Any) -> None:
    timm_agree("StepLRScheduler", base, 50, **kw)


@EXAMPLES
@given(
    base=BASE,
    decay_t=st.lists(st.integers(-1, 30) | st.sampled_from([2.5]), max_size=4).map(sorted),
    decay_rate=st.sampled_from([1.0, 0.5, 0.0, 2.0, -0.5]),
    warmup_t=st.integers(0, 6),
    warmup_lr_init=st.sampled_from([0.0, 1e-3]),
    warmup_prefix=st.booleans(),
)
def test_timm_multistep(base: float, **kw: Any) -> None:
    timm_agree("MultiStepLRScheduler", base, 45, **kw)


@EXAMPLES
@given(
    base=BASE,
    t_initial=st.integers(-1, 30),
    decay_t=st.integers(-1, 30),
    lr_min=st.sampled_from([0.0, 0.01, 5.0, -0.1]),
    decay_fn=st.sampled_from(["linear", "cosine", "1-sqrt"]),
    warmup_t=st.integers(0, 6),
    warmup_lr_init=st.sampled_from([0.0, 1e-3, 3.0]),
)
def test_timm_wsd(base: float, **kw: Any) -> None:
    timm_agree("WSDLRScheduler", base, 45, **kw)


#: Arguments timm runs with but lrdsl refuses, on purpose.
TIMM_REFUSALS: dict[str, tuple[Callable[[], Any], type, str]] = {
    "shrinking_cycles": (
        lambda: ctimm.CosineLRScheduler(0.1, 10, cycle_mul=0.5, cycle_limit=3),
        lr.ScheduleError,
        r"CosineLRScheduler: cycle_mul must be >= 1 \(shorter cycles end, in timm, in a math domain error\), got 0\.5",
    ),
    "negative_warmup": (
        lambda: ctimm.CosineLRScheduler(0.1, 10, warmup_t=-2, warmup_prefix=True),
        lr.ScheduleError,
        r"CosineLRScheduler: warmup_t must be >= 0, got -2",
    ),
    "unsorted_decay_t": (
        lambda: ctimm.MultiStepLRScheduler(0.1, [30, 10]),
        lr.ScheduleError,
        r"MultiStepLRScheduler: decay_t must be in increasing order \(timm bisects it\), got \[30, 10\]",
    ),
    "poly_held_peaks_in_growing_cycles": (
        lambda: ctimm.PolyLRScheduler(0.1, 10, power=0.0, cycle_mul=2.0, cycle_limit=3),
        lr.ScheduleError,
        r"PolyLRScheduler: power must be > 0 when cycle_mul != 1",
    ),
}


@pytest.mark.parametrize(("make", "error", "message"), TIMM_REFUSALS.values(), ids=TIMM_REFUSALS.keys())
def test_timm_refusals(make: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make()


# ----------------------------------------------------------------------------
# Keras: one long-lived subprocess (Keras fixes its backend at import) on the PyTorch
# backend at float64, evaluating each schedule at steps 0 .. n - 1.

_KERAS_SERVER = r"""
import json, sys
import keras
keras.config.set_floatx("float64")
from keras.optimizers import schedules
for line in sys.stdin:
    name, kwargs, n = json.loads(line)
    try:
        s = getattr(schedules, name)(**kwargs)
        values = [float(s(keras.ops.convert_to_tensor(t, dtype="float64"))) for t in range(n)]
        out = {"values": values}
    except Exception as e:
        out = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out), flush=True)
"""


@cache
def keras_server() -> subprocess.Popen[str]:
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _KERAS_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    atexit.register(proc.kill)
    return proc


def keras_values(name: str, n: int, **kw: Any) -> list[float]:
    proc = keras_server()
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps([name, kw, n]) + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("the Keras subprocess stopped")
    out = json.loads(line)
    if "error" in out:
        raise AnchorError(out["error"])
    return out["values"]


def keras_agree(name: str, n: int, exact_at: Any = None, **kw: Any) -> None:
    agree(lambda: getattr(ck, name)(**kw), lambda: keras_values(name, n, **kw), exact_at=exact_at)


KERAS_LR = st.sampled_from([1.0, 0.1, 0.0, 2.5, -0.5]) | st.floats(1e-4, 2.0)
DECAY_STEPS = st.integers(-1, 12) | st.sampled_from([2.5, 0.5])


@FEWER
@given(lr0=KERAS_LR, steps=DECAY_STEPS, rate=RATE, staircase=st.booleans())
def test_keras_exponential_decay(lr0: float, steps: Any, rate: float, staircase: bool) -> None:
    kw = {"initial_learning_rate": lr0, "decay_steps": steps, "decay_rate": rate, "staircase": staircase}
    keras_agree("ExponentialDecay", 40, **kw)


@FEWER
@given(
    bounds=st.lists(st.integers(-3, 30) | st.sampled_from([2.5, -0.5]), max_size=4),
    extra=st.integers(0, 1),
    data=st.data(),
)
def test_keras_piecewise_constant_decay(bounds: list[Any], extra: int, data: Any) -> None:
    bounds = sorted(bounds)
    values = data.draw(
        st.lists(
            st.sampled_from([1.0, 0.5, 0.1, 0.0, 2.0]),
            min_size=len(bounds) + 1 - extra,
            max_size=len(bounds) + 1 - extra,
        )
    )
    keras_agree("PiecewiseConstantDecay", 40, boundaries=bounds, values=values)


@FEWER
@given(
    lr0=KERAS_LR,
    steps=DECAY_STEPS,
    end=st.sampled_from([0.0001, 0.0, 0.5, 3.0, -0.1]),
    power=POWER,
    cycle=st.booleans(),
)
def test_keras_polynomial_decay(lr0: float, steps: Any, end: float, power: float, cycle: bool) -> None:
    kw = {
        "initial_learning_rate": lr0,
        "decay_steps": steps,
        "end_learning_rate": end,
        "power": power,
        "cycle": cycle,
    }
    keras_agree("PolynomialDecay", 40, **kw)


@FEWER
@given(lr0=KERAS_LR, steps=DECAY_STEPS, rate=st.sampled_from([0.0, 0.5, 2.0, -0.1]), staircase=st.booleans())
def test_keras_inverse_time_decay(lr0: float, steps: Any, rate: float, staircase: bool) -> None:
    assume(rate >= 0)  # refused: see test_keras_refusals
    kw = {"initial_learning_rate": lr0, "decay_steps": steps, "decay_rate": rate, "staircase": staircase}
    keras_agree("InverseTimeDecay", 40, **kw)


@FEWER
@given(
    lr0=KERAS_LR,
    steps=DECAY_STEPS,
    alpha=st.sampled_from([0.0, 0.1, 1.0, 2.0, -0.1]),
    target=st.none() | st.sampled_from([0.2, 1.0, 0.0]),
    warmup=st.integers(0, 10),
)
def test_keras_cosine_decay(lr0: float, steps: Any, alpha: float, target: float | None, warmup: int) -> None:
    kw = {
        "initial_learning_rate": lr0,
        "decay_steps": steps,
        "alpha": alpha,
        "warmup_target": target,
        "warmup_steps": warmup,
    }
    keras_agree("CosineDecay", 40, **kw)


@FEWER
@given(
    lr0=KERAS_LR,
    first=DECAY_STEPS,
    t_mul=st.sampled_from([2.0, 1.0, 1.5, 3.0]),
    m_mul=st.sampled_from([1.0, 0.5, 0.0, 1.5, -0.5]),
    alpha=st.sampled_from([0.0, 0.1, 1.0, 2.0, -0.1]),
)
def test_keras_cosine_decay_restarts(
    lr0: float, first: Any, t_mul: float, m_mul: float, alpha: float
) -> None:

    def exact_at(t: int) -> float | None:
        # Keras finds the cycle with a float logarithm, which can put a cycle's first step
        # at the end of the one before
        if first <= 0 or t_mul == 1:
            return None
        f = t / first
        i = math.floor(math.log(1.0 - f * (1.0 - t_mul)) / math.log(t_mul))
        exact, done, _ = exact_cycle(t, first, t_mul)
        if i == exact:
            return None
        c = 0.5 * m_mul**exact * (1.0 + math.cos(math.pi * done / (first * t_mul**exact)))
        return lr0 * ((1 - alpha) * c + alpha)

    kw = {
        "initial_learning_rate": lr0,
        "first_decay_steps": first,
        "t_mul": t_mul,
        "m_mul": m_mul,
        "alpha": alpha,
    }
    keras_agree("CosineDecayRestarts", 60, exact_at=exact_at, **kw)


#: Arguments Keras runs with but lrdsl refuses, on purpose.
KERAS_REFUSALS: dict[str, tuple[Callable[[], Any], type, str]] = {
    "restarts_shrinking_cycles": (
        lambda: ck.CosineDecayRestarts(1.0, 10, t_mul=0.5),
        lr.ScheduleError,
        r"CosineDecayRestarts: t_mul must be >= 1 \(shorter cycles end, in Keras, in NaN\), got 0\.5",
    ),
    "exponential_negative_rate_to_a_fractional_power": (
        lambda: ck.ExponentialDecay(1.0, 3, -0.5),
        lr.ScheduleError,
        r"ExponentialDecay: decay_rate must be >= 0 unless staircase=True or decay_steps is 1, 1/2, 1/4, \.\.\."
        r" \(Keras's negative rate to a fractional power is NaN\), got -0\.5",
    ),
    "inverse_time_negative_rate": (
        lambda: ck.InverseTimeDecay(1.0, 4, -0.1),
        lr.ScheduleError,
        r"inverse_time: rate must be >= 0, got -0\.1",
    ),
    "cosine_negative_warmup": (
        lambda: ck.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=-2),
        lr.ScheduleError,
        r"CosineDecay: warmup_steps must be >= 0, got -2",
    ),
    "piecewise_no_boundary": (
        lambda: ck.PiecewiseConstantDecay([], [1.0]),
        lr.ScheduleError,
        r"PiecewiseConstantDecay: boundaries must be a list of at least one step \(Keras reads boundaries\[0\]\), got \[\]",
    ),
    "piecewise_unsorted": (
        lambda: ck.PiecewiseConstantDecay([10, 5], [1.0, 0.5, 0.1]),
        lr.ScheduleError,
        r"PiecewiseConstantDecay: boundaries must be in increasing order, got \[10, 5\]",
    ),
}


@pytest.mark.parametrize(("make", "error", "message"), KERAS_REFUSALS.values(), ids=KERAS_REFUSALS.keys())
def test_keras_refusals(make: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make()


# ----------------------------------------------------------------------------
# The cases issue 10 names, and what the properties above found, as plain statements.


def test_torch_constantlr_with_total_iters_0_keeps_the_factor_for_ever() -> None:
    # issue 10: this ignored the factor; PyTorch never lifts it (t never equals 0 again)
    assert ct.ConstantLR(0.1, factor=0.5, total_iters=0) == lr.constant(0.05)
    assert torch_lrs(lambda o: L.ConstantLR(o, 0.5, 0), 0.1, 5) == [0.05] * 5


def test_hf_num_cycles_0_holds_the_base_lr_instead_of_dividing_by_zero() -> None:
    # issue 10: this raised ZeroDivisionError
    s = chf.get_cosine_schedule_with_warmup(1.0, 2, 10, num_cycles=0)
    assert s(np.arange(6)).tolist() == [0.0, 0.5, 1.0, 1.0, 1.0, 1.0]
    restarts = chf.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, 4, num_cycles=0)
    assert restarts(np.arange(6)).tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]


def test_optax_exponential_decay_from_zero_is_bounded_by_end_value() -> None:
    # exponential(0, ..., end=e) ignored e; Optax gives max(0, e)
    assert co.exponential_decay(0.0, 10, 0.5, end_value=0.05)(3) == 0.05
    assert optax_values(lambda: OS.exponential_decay(0.0, 10, 0.5, end_value=0.05), 4).tolist() == [0.05] * 4


def test_timm_float_logarithm_misplaces_a_cycle_lrdsl_does_not() -> None:
    # t_initial=1, cycle_mul=3: cycle 5 begins at t = (3**5 - 1) / 2 = 121, where timm's
    # floor(log(1 + 2 * 121, 3)) is 4, so timm is at the end of cycle 4, not at a restart
    kw = {"t_initial": 1, "cycle_mul": 3.0, "cycle_limit": 10}
    theirs = timm_lrs("CosineLRScheduler", 1.0, 125, **kw)
    ours = ctimm.CosineLRScheduler(1.0, **kw)
    assert timm_cycle(121, 1, 3.0)[0] == 4 and exact_cycle(121, 1, 3.0)[0] == 5
    assert ours(121) == 1.0 and theirs[121] < 1e-4
    assert ours(np.arange(125)).tolist()[:121] == pytest.approx(theirs[:121], rel=1e-12, abs=1e-15)


def test_hf_hard_restarts_on_whole_steps_lay_out_their_cycles() -> None:
    # (10 / 6 is no float: t // (10 / 6) says cycle 2 at t = 5, where the third begins)
    s = chf.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, 10, num_cycles=6)
    assert hf_lrs("cosine_with_restarts", 1.0, 0, 10, 6, num_cycles=6)[5] == 1.0 == s(5)
