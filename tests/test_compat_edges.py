"""Differential tests: every ``lrdsl.compat`` constructor against its real anchor, over the
anchor's accepted parameters, edges included (zero warmup, warmup = or > total, total = 1,
factor 0 or 1, gamma 0 or 1, power 0 or 0.5, integer and float lengths, ``pct_start``
extremes, ``T_mult`` > 1, ``num_cycles`` 0 / 0.5 / 3, ``min_lr`` > base, ...).

Each property draws parameters with Hypothesis, runs the anchor at ``t = 0 .. n - 1`` and
lrdsl, and checks the contract :func:`agree`:

- the anchor raises: lrdsl raises a :class:`~lrdsl.ScheduleError` or ``TypeError`` (never a
  ``ZeroDivisionError`` or another traceback from inside);
- the anchor gives a NaN or an infinity: lrdsl refuses at construction;
- the anchor gives a negative value: lrdsl refuses (negative values are a later issue);
- otherwise lrdsl gives the anchor's values, at float64, rtol 1e-12 and atol 1e-15 (times
  the largest value when it exceeds 1, for the anchors' own rounding in recursive forms).

Anchors: PyTorch schedulers stepped on a real optimizer; ``transformers.get_scheduler``'s
``LambdaLR`` stepped likewise; Optax schedules under x64; timm schedulers through
``step(t)`` / ``step_update(t)``; Keras ``LearningRateSchedule``s in one long-lived
subprocess on the PyTorch backend at float64 (Keras fixes its backend at import).
"""

from __future__ import annotations

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
from hypothesis import HealthCheck, assume, given, settings
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


class AnchorError(Exception):
    """The anchor refused the parameters (at construction or while stepping)."""


def agree(
    ours: Callable[[], lr.Schedule],
    theirs: Callable[[], Sequence[float]],
    *,
    growing: bool = False,
    exact_at: Any = None,
) -> None:
    """lrdsl's schedule and the anchor's values obey the contract of this module.

    ``growing``: the anchor's own rounding grows with ``t``, as in a recursion (PyTorch's
    chainable forms update the lr step by step) or a cosine whose phase goes on growing
    (Hugging Face's periodic cosines): up to ``1e-15`` of the largest value per step.

    ``exact_at``: optional ``t -> value or None``; where it gives a value, the anchor's own
    float arithmetic is known to misplace a boundary (a cycle found by a float logarithm),
    and lrdsl must give that exact value instead of the anchor's.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = np.asarray(theirs(), dtype=np.float64)
    except Exception:  # the anchor refuses: so must lrdsl, clearly
        with pytest.raises((lr.ScheduleError, TypeError)):
            ours()
        return
    if not np.isfinite(expected).all():
        with pytest.raises(lr.ScheduleError):
            ours()
        return
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    if (expected < -ATOL * scale).any():  # below the anchors' own rounding at 0
        with pytest.raises(lr.ScheduleError, match=r"negative learning rate|must be >= 0"):
            ours()
        return
    s = ours()
    t = np.arange(expected.size)
    got = s(t)
    if exact_at is not None:
        for k in range(expected.size):
            v = exact_at(k)
            if v is not None:
                expected[k] = v
    atol = ATOL * scale * (expected.size if growing else 1)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=atol, err_msg=str(s))
    # the scalar path agrees with the array path
    for k in {0, expected.size // 2, expected.size - 1}:
        assert abs(s(int(k)) - got[k]) <= 1e-15 * max(1.0, abs(got[k])), (str(s), k)


# ----------------------------------------------------------------------------
# Strategies.

BASE = st.sampled_from([1.0, 0.1, 3e-4, 2.5]) | st.floats(1e-4, 2.0)
FACTOR = st.sampled_from([0.0, 1.0, 0.5, 1 / 3]) | st.floats(0.0, 1.0)
GAMMA = st.sampled_from([0.0, 1.0, 0.1, 0.5, 0.9, 1.1, -0.5]) | st.floats(0.0, 1.5)
SMALL = st.integers(-2, 25)  # lengths and counts, including 0 and a negative
COUNT = st.integers(0, 25)
POWER = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0, -1.0]) | st.floats(0.0, 4.0)
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
    assume(eta_min >= 0 or t_max == int(t_max))  # refused: see test_torch_refusals
    agree(
        lambda: ct.CosineAnnealingLR(base, t_max, eta_min),
        lambda: torch_lrs(lambda o: L.CosineAnnealingLR(o, t_max, eta_min), base, 60),
        growing=True,
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
    assume(eta_min >= 0)  # refused: see test_torch_refusals
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
    # refused, see test_torch_refusals: a negative gamma, and a growing amplitude below base_lr
    # (negative some time, if not within these steps)
    assume(not (mode == "exp_range" and (gamma < 0 or (gamma > 1 and peak < base))))
    agree(
        lambda: ct.CyclicLR(base, peak, up, down, mode, gamma),
        lambda: torch_lrs(
            lambda o: L.CyclicLR(o, base, peak, up, down, mode, gamma, cycle_momentum=False), base, 60
        ),
        growing=True,
    )


@EXAMPLES
@given(
    peak=BASE,
    total=st.integers(1, 30),
    pct=st.sampled_from([0.0, 0.01, 0.3, 0.5, 0.75, 1.0]) | st.floats(0.0, 1.0),
    anneal=st.sampled_from(["cos", "linear"]),
    div=st.sampled_from([25.0, 1.0, 0.5]),
    final_div=st.sampled_from([1e4, 1.0, 0.5]),
    three=st.booleans(),
)
def test_torch_onecyclelr(
    peak: float, total: int, pct: float, anneal: str, div: float, final_div: float, three: bool
) -> None:
    # t = 0 .. total - 1: the steps of the run (PyTorch allows one more, t = total_steps)
    assume(not (anneal == "cos" and pct * total < 1 and total > 1))  # refused: see test_torch_refusals
    agree(
        lambda: ct.OneCycleLR(peak, total, pct, anneal, div, final_div, three),
        lambda: torch_lrs(
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
            total,
        ),
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
    "cosineannealinglr_negative_eta_min_never_reached": (
        lambda: ct.CosineAnnealingLR(1.0, 0.5, -0.1),
        lr.ScheduleError,
        r"CosineAnnealingLR: eta_min must be >= 0 \(a negative learning rate is not supported yet\), got -0\.1",
    ),
    "cosineannealingwarmrestarts_negative_eta_min": (
        lambda: ct.CosineAnnealingWarmRestarts(1.0, 2, 1, -0.1),
        lr.ScheduleError,
        r"CosineAnnealingWarmRestarts: eta_min must be >= 0 \(a negative learning rate is not supported yet\)",
    ),
    "cycliclr_negative_step_size_down": (
        lambda: ct.CyclicLR(0.1, 1.0, 4, -2),
        lr.ScheduleError,
        r"CyclicLR: step_size_down must be >= 0, got -2",
    ),
    "cycliclr_exp_range_negative_gamma": (
        lambda: ct.CyclicLR(0.1, 1.0, 4, mode="exp_range", gamma=-0.5),
        lr.ScheduleError,
        r"CyclicLR: gamma must be >= 0 \(exp_range scales by gamma \*\* t\), got -0\.5",
    ),
    "cycliclr_exp_range_growing_below_base_lr": (
        lambda: ct.CyclicLR(1.0, 0.5, 4, mode="exp_range", gamma=1.001),
        lr.ScheduleError,
        r"CyclicLR: max_lr must be >= base_lr \(1\.0\) with mode='exp_range' and gamma > 1 .*negative",
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
CYCLES = st.sampled_from([0, 0.5, 1, 1.5, 2, 3, 6, 7, -0.5]) | st.floats(0.0, 4.0)


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
def test_hf_cosine_with_min_lr(base: float, w: Any, total: Any, cycles: float, rate: float, by_min_lr: bool) -> None:
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


def test_hf_hard_restarts_restart_exactly_on_whole_steps() -> None:
    # six cycles over ten steps restart at t = 5 (Hugging Face's (6 * 0.5) % 1 == 0)
    s = chf.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, 10, num_cycles=6)
    assert s(5) == 1.0 and s(0) == 1.0
