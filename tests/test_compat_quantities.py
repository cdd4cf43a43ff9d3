"""Quantities (``lr.T``, ``lr.var``) in the compat constructors and the families.

Each constructor either takes a quantity for its lengths (and other numbers) with one form
whatever the value, so that ``f(quantities).bind(**values)`` has the values of ``f(numbers)``
(equal as schedules where the forms are the same), or refuses it at construction with a
:class:`~lrdsl.ScheduleError` that says why. The concrete constructors are tested against
their anchors in ``test_compat_edges.py`` and ``test_compat_*.py``; here the symbolic ones
are tested against the concrete ones, over parameters drawn as there (edges included):

- where ``f(numbers)`` is refused, so is ``f(quantities).bind(...)`` (a ``ScheduleError``,
  at construction or at bind), unless listed as a case the anchor itself refuses and
  lrdsl cannot yet refuse at bind (:data:`ACCEPTED_AT_BIND`);
- otherwise both give the same values at ``t = 0 .. n`` (rtol 1e-12), on the array path and
  the scalar path;
- the symbolic schedule prints, parses back and round-trips through ``to_dict``/``from_dict``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrdsl as lr
from lrdsl.compat import hf as chf
from lrdsl.compat import keras as ck
from lrdsl.compat import optax as co
from lrdsl.compat import timm as ctimm
from lrdsl.compat import torch as ct
from lrdsl.serialize import from_dict, to_dict

T = lr.T
W = lr.var("w")
K = lr.var("k")
RTOL = 1e-12

EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BASE = st.sampled_from([1.0, 0.1, 3e-4, 2.5]) | st.floats(1e-4, 2.0)
WARMUP = st.integers(0, 12) | st.sampled_from([0.5, 2.5])
TOTAL = st.integers(0, 25) | st.sampled_from([1, 0.5, 7.5])
COUNT = st.integers(0, 25)


def symbolic_forms_hold(s: lr.Schedule) -> None:
    """A symbolic schedule prints, parses back and round-trips as data."""
    assert lr.parse(str(s)) == s
    assert from_dict(to_dict(s)) == s


def agree(
    numbers: Callable[[], Any],
    quantities: Callable[[], Any],
    values: dict[str, Any],
    n: int = 40,
    *,
    limit: Callable[[], Any] | None = None,
) -> None:
    """``quantities().bind(**values)`` has the values of ``numbers()`` at ``t = 0 .. n - 1``,
    and is refused (a ``ScheduleError``) where ``numbers()`` is.

    ``limit``: for parameters the anchor refuses (it divides by zero at one step) and lrdsl
    cannot yet refuse at bind, the schedule the bound one is instead (the limit of the
    anchor's values); ``None`` where there is none."""
    try:
        expected = numbers()
    except (lr.ScheduleError, TypeError):
        if limit is not None and limit() is not None:
            agree(limit, quantities, values, n)
            return
        with pytest.raises(lr.ScheduleError):
            quantities().bind(**values)
        return
    s = quantities()
    symbolic_forms_hold(s)
    bound = s.bind(**values)
    assert not bound.free
    t = np.arange(n)
    want = expected(t)
    got = bound(t)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=0, err_msg=f"{s} -> {bound} vs {expected}")
    for k in (0, n // 2, n - 1):
        assert bound(k) == got[k] or abs(bound(k) - got[k]) <= 1e-15 * abs(got[k])


# ----------------------------------------------------------------------------
# Hugging Face: num_warmup_steps (w) and num_training_steps (T).

HF_BOTH = {
    "linear": chf.get_linear_schedule_with_warmup,
    "cosine": chf.get_cosine_schedule_with_warmup,
    "cosine_with_restarts": chf.get_cosine_with_hard_restarts_schedule_with_warmup,
    "cosine_with_min_lr": lambda b, w, n: chf.get_cosine_with_min_lr_schedule_with_warmup(
        b, w, n, min_lr_rate=0.1
    ),
    "warmup_stable_decay": lambda b, w, n: chf.get_wsd_schedule(b, w, 3, num_training_steps=n),
}


@pytest.mark.parametrize("name", HF_BOTH)
@EXAMPLES
@given(base=BASE, w=WARMUP, total=TOTAL)
def test_hf_lengths_may_be_quantities(name: str, base: float, w: Any, total: Any) -> None:
    make = HF_BOTH[name]
    agree(lambda: make(base, w, total), lambda: make(base, W, T), {"w": w, "T": total})


@pytest.mark.parametrize("name", HF_BOTH)
@EXAMPLES
@given(base=BASE, w=WARMUP, total=TOTAL)
def test_hf_training_steps_alone_may_be_a_quantity(name: str, base: float, w: Any, total: Any) -> None:
    make = HF_BOTH[name]
    agree(lambda: make(base, w, total), lambda: make(base, w, T), {"T": total})


def hf_polynomial_limit(base: float, w: Any, total: Any) -> lr.Schedule | None:
    """Where Hugging Face's polynomial decay divides by zero (whole equal lengths): its
    warmup, then ``lr_end``, as the bound schedule has it (refused with numbers)."""
    if not (w == total and float(total).is_integer()):
        return None
    return (
        lr.chain(lr.linear(0.0, base * w / max(1, w), w), lr.constant(1e-7), boundaries=[w])
        if w > 0
        else lr.constant(1e-7)
    )


@EXAMPLES
@given(base=BASE, w=WARMUP, total=TOTAL, power=st.sampled_from([0.5, 1.0, 2.0]))
def test_hf_polynomial_lengths_may_be_quantities(base: float, w: Any, total: Any, power: float) -> None:
    make = chf.get_polynomial_decay_schedule_with_warmup
    agree(
        lambda: make(base, w, total, power=power),
        lambda: make(base, W, T, power=power),
        {"w": w, "T": total},
        limit=lambda: hf_polynomial_limit(base, w, total),
    )


# ----------------------------------------------------------------------------
# Optax.

STEPS = st.integers(-2, 25) | st.sampled_from([2.5, 0.5])
BEGIN = st.integers(-3, 10) | st.sampled_from([2.5])


@EXAMPLES
@given(init=BASE, end=st.sampled_from([0.0, 0.1, 2.0]), steps=STEPS, begin=BEGIN)
def test_optax_linear_schedule_steps_and_begin_may_be_quantities(
    init: float, end: float, steps: Any, begin: Any
) -> None:
    agree(
        lambda: co.linear_schedule(init, end, steps, begin),
        lambda: co.linear_schedule(init, end, K, W),
        {"k": steps, "w": begin},
    )


@EXAMPLES
@given(init=BASE, power=st.sampled_from([0.0, 0.5, 1.0, 2.0]), steps=STEPS, begin=BEGIN)
def test_optax_polynomial_schedule_steps_and_begin_may_be_quantities(
    init: float, power: float, steps: Any, begin: Any
) -> None:
    agree(
        lambda: co.polynomial_schedule(init, 0.01, power, steps, begin),
        lambda: co.polynomial_schedule(init, 0.01, power, K, W),
        {"k": steps, "w": begin},
    )


@EXAMPLES
@given(init=BASE, steps=st.integers(1, 25) | st.sampled_from([2.5]), alpha=st.sampled_from([0.0, 0.1]))
def test_optax_cosine_decay_schedule_steps_may_be_a_quantity(init: float, steps: Any, alpha: float) -> None:
    agree(
        lambda: co.cosine_decay_schedule(init, steps, alpha),
        lambda: co.cosine_decay_schedule(init, K, alpha),
        {"k": steps},
    )


@EXAMPLES
@given(
    init=BASE,
    steps=st.integers(1, 12) | st.sampled_from([2.5]),
    rate=st.sampled_from([0.5, 0.9, 1.0, 1.1]),
    begin=BEGIN,
    staircase=st.booleans(),
    end=st.sampled_from([None, 0.05, 3.0]),
)
def test_optax_exponential_decay_steps_and_begin_may_be_quantities(
    init: float, steps: Any, rate: float, begin: Any, staircase: bool, end: Any
) -> None:
    agree(
        lambda: co.exponential_decay(init, steps, rate, begin, staircase, end),
        lambda: co.exponential_decay(init, K, rate, W, staircase, end),
        {"k": steps, "w": begin},
    )


@EXAMPLES
@given(
    init=BASE,
    first=st.integers(-3, 12),
    gap=st.integers(1, 12),
    scales=st.sampled_from([(0.1, 0.5), (2.0, 0.0)]),
)
def test_optax_piecewise_constant_boundaries_may_be_quantities(
    init: float, first: int, gap: int, scales: tuple[float, float]
) -> None:
    # (distinct keys: equal numbers would be one key of the dict, equal quantities too)
    agree(
        lambda: co.piecewise_constant_schedule(init, {first: scales[0], first + gap: scales[1]}),
        lambda: co.piecewise_constant_schedule(init, {W: scales[0], W + K: scales[1]}),
        {"w": first, "k": gap},
    )


@EXAMPLES
@given(total=st.integers(1, 60), pct=st.sampled_from([0.0, 0.3, 0.5, 0.99]), peak=BASE)
def test_optax_cosine_onecycle_transition_steps_may_be_a_quantity(
    total: int, pct: float, peak: float
) -> None:
    agree(
        lambda: co.cosine_onecycle_schedule(total, peak, pct),
        lambda: co.cosine_onecycle_schedule(T, peak, pct),
        {"T": total},
        n=70,
    )


@EXAMPLES
@given(w=st.integers(-1, 12), total=st.integers(0, 30), end=st.sampled_from([0.0, 1e-5, 0.5]))
def test_optax_warmup_cosine_decay_lengths_may_be_quantities(w: int, total: int, end: float) -> None:
    agree(
        lambda: co.warmup_cosine_decay_schedule(0.0, 1e-3, w, total, end_value=end),
        lambda: co.warmup_cosine_decay_schedule(0.0, 1e-3, W, T, end_value=end),
        {"w": w, "T": total},
        # Optax refuses decay_steps == warmup_steps (its cosine has 0 steps): bound, the warmup then end_value
        limit=lambda: lr.linear(0.0, 1e-3, w) >> lr.constant(end) if w == total else None,
    )


@EXAMPLES
@given(w=st.integers(0, 12), steps=st.integers(1, 12), begin=BEGIN)
def test_optax_warmup_exponential_decay_lengths_may_be_quantities(w: int, steps: int, begin: Any) -> None:
    agree(
        lambda: co.warmup_exponential_decay_schedule(0.0, 1e-3, w, steps, 0.5, begin),
        lambda: co.warmup_exponential_decay_schedule(0.0, 1e-3, W, K, 0.5, lr.var("b")),
        {"w": w, "k": steps, "b": begin},
    )


@EXAMPLES
@given(w=st.integers(0, 5), total=st.integers(6, 20))
def test_optax_sgdr_lengths_may_be_quantities(w: int, total: int) -> None:
    cycle = {"init_value": 0.0, "peak_value": 1e-3, "warmup_steps": w, "decay_steps": total}
    symbolic = {"init_value": 0.0, "peak_value": 1e-3, "warmup_steps": W, "decay_steps": T}
    agree(
        lambda: co.sgdr_schedule([cycle, cycle]),
        lambda: co.sgdr_schedule([symbolic, symbolic]),
        {"w": w, "T": total},
    )


def test_optax_join_schedules_boundaries_may_be_quantities() -> None:
    s = co.join_schedules([co.constant_schedule(1.0), co.linear_schedule(1.0, 0.0, T - W)], [W])
    assert s.bind(T=100, w=10) == co.join_schedules(
        [co.constant_schedule(1.0), co.linear_schedule(1.0, 0.0, 90)], [10]
    )


# ----------------------------------------------------------------------------
# PyTorch.

SMALL = st.integers(-2, 25)
HALF_STEPS = st.integers(-2, 50).map(lambda k: k / 2)
GAMMA = st.sampled_from([0.1, 0.5, 0.9, 1.0, 1.1])


@EXAMPLES
@given(base=BASE, size=st.integers(1, 12), gamma=GAMMA)
def test_torch_steplr_step_size_may_be_a_quantity(base: float, size: int, gamma: float) -> None:
    agree(lambda: ct.StepLR(base, size, gamma), lambda: ct.StepLR(base, K, gamma), {"k": size})


@EXAMPLES
@given(base=BASE, first=st.integers(0, 10), gap=st.integers(0, 10), gamma=GAMMA)
def test_torch_multisteplr_milestones_may_be_quantities(
    base: float, first: int, gap: int, gamma: float
) -> None:
    agree(
        lambda: ct.MultiStepLR(base, [first, first + gap], gamma),
        lambda: ct.MultiStepLR(base, [W, W + K], gamma),
        {"w": first, "k": gap},
    )


@EXAMPLES
@given(base=BASE, factor=st.sampled_from([0.5, 1 / 3, 1.0]), total=SMALL | HALF_STEPS)
def test_torch_constantlr_total_iters_may_be_a_quantity(base: float, factor: float, total: Any) -> None:
    agree(lambda: ct.ConstantLR(base, factor, total), lambda: ct.ConstantLR(base, factor, K), {"k": total})


@EXAMPLES
@given(
    base=BASE,
    start=st.sampled_from([1 / 3, 0.1, 1.0]),
    end=st.sampled_from([1.0, 0.5, 0.0]),
    total=SMALL | HALF_STEPS,
)
def test_torch_linearlr_total_iters_may_be_a_quantity(
    base: float, start: float, end: float, total: Any
) -> None:
    agree(
        lambda: ct.LinearLR(base, start, end, total), lambda: ct.LinearLR(base, start, end, K), {"k": total}
    )


@EXAMPLES
@given(base=BASE, total=SMALL | HALF_STEPS, power=st.sampled_from([0.0, 0.5, 1.0, 2.0]))
def test_torch_polynomiallr_total_iters_may_be_a_quantity(base: float, total: Any, power: float) -> None:
    agree(lambda: ct.PolynomialLR(base, total, power), lambda: ct.PolynomialLR(base, K, power), {"k": total})


@EXAMPLES
@given(
    base=BASE, t_max=st.integers(0, 25) | st.sampled_from([2.5]), eta_min=st.sampled_from([0.0, 0.01, -0.1])
)
def test_torch_cosineannealinglr_t_max_may_be_a_quantity(base: float, t_max: Any, eta_min: float) -> None:
    agree(
        lambda: ct.CosineAnnealingLR(base, t_max, eta_min),
        lambda: ct.CosineAnnealingLR(base, K, eta_min),
        {"k": t_max},
    )


@EXAMPLES
@given(base=BASE, up=st.integers(1, 10), down=st.integers(0, 10))
def test_torch_cycliclr_step_sizes_may_be_quantities(base: float, up: int, down: int) -> None:
    agree(
        lambda: ct.CyclicLR(base, 2 * base, up, down, cycle_momentum=False),
        lambda: ct.CyclicLR(base, 2 * base, K, W, cycle_momentum=False),
        {"k": up, "w": down},
    )


@EXAMPLES
@given(base=BASE, t_0=st.integers(1, 10), t_mult=st.integers(1, 3))
def test_torch_cosineannealingwarmrestarts_t_0_may_be_a_quantity(base: float, t_0: int, t_mult: int) -> None:
    agree(
        lambda: ct.CosineAnnealingWarmRestarts(base, t_0, t_mult),
        lambda: ct.CosineAnnealingWarmRestarts(base, K, t_mult),
        {"k": t_0},
    )


@EXAMPLES
@given(base=BASE, n=st.integers(0, 12), kind=st.sampled_from(["cos", "linear"]))
def test_torch_swalr_anneal_epochs_may_be_a_quantity(base: float, n: int, kind: str) -> None:
    agree(lambda: ct.SWALR(base, 0.01, n, kind), lambda: ct.SWALR(base, 0.01, K, kind), {"k": n})


@EXAMPLES
@given(base=BASE, w=st.integers(0, 10), total=st.integers(1, 30))
def test_torch_sequentiallr_milestones_may_be_quantities(base: float, w: int, total: int) -> None:
    agree(
        lambda: ct.SequentialLR([ct.LinearLR(base, 0.1, 1.0, w), ct.CosineAnnealingLR(base, total)], [w]),
        lambda: ct.SequentialLR([ct.LinearLR(base, 0.1, 1.0, W), ct.CosineAnnealingLR(base, T)], [W]),
        {"w": w, "T": total},
    )


@EXAMPLES
@given(base=BASE, total=SMALL, gamma=GAMMA)
def test_torch_chainedscheduler_of_symbolic_children(base: float, total: Any, gamma: float) -> None:
    agree(
        lambda: ct.ChainedScheduler([ct.ConstantLR(base, 0.5, total), ct.ExponentialLR(base, gamma)]),
        lambda: ct.ChainedScheduler([ct.ConstantLR(base, 0.5, K), ct.ExponentialLR(base, gamma)]),
        {"k": total},
    )


# ----------------------------------------------------------------------------
# Keras.

KERAS_STEPS = st.integers(1, 12) | st.sampled_from([2.5, 0.5])


@EXAMPLES
@given(lr0=BASE, steps=KERAS_STEPS, rate=st.sampled_from([0.5, 0.96, 1.0]), staircase=st.booleans())
def test_keras_exponentialdecay_decay_steps_may_be_a_quantity(
    lr0: float, steps: Any, rate: float, staircase: bool
) -> None:
    agree(
        lambda: ck.ExponentialDecay(lr0, steps, rate, staircase),
        lambda: ck.ExponentialDecay(lr0, K, rate, staircase),
        {"k": steps},
    )


@EXAMPLES
@given(first=st.integers(-3, 10) | st.sampled_from([2.5]), gap=st.integers(1, 10))
def test_keras_piecewiseconstantdecay_boundaries_may_be_quantities(first: Any, gap: int) -> None:
    agree(
        lambda: ck.PiecewiseConstantDecay([first, first + gap], [1.0, 0.5, 0.1]),
        lambda: ck.PiecewiseConstantDecay([W, W + K], [1.0, 0.5, 0.1]),
        {"w": first, "k": gap},
    )


@EXAMPLES
@given(lr0=BASE, steps=KERAS_STEPS, power=st.sampled_from([0.0, 0.5, 1.0, 2.0]), cycle=st.booleans())
def test_keras_polynomialdecay_decay_steps_may_be_a_quantity(
    lr0: float, steps: Any, power: float, cycle: bool
) -> None:
    agree(
        lambda: ck.PolynomialDecay(lr0, steps, 0.001, power, cycle),
        lambda: ck.PolynomialDecay(lr0, K, 0.001, power, cycle),
        {"k": steps},
    )


@EXAMPLES
@given(lr0=BASE, steps=KERAS_STEPS, staircase=st.booleans())
def test_keras_inversetimedecay_decay_steps_may_be_a_quantity(
    lr0: float, steps: Any, staircase: bool
) -> None:
    agree(
        lambda: ck.InverseTimeDecay(lr0, steps, 0.5, staircase),
        lambda: ck.InverseTimeDecay(lr0, K, 0.5, staircase),
        {"k": steps},
    )


@EXAMPLES
@given(lr0=BASE, total=st.integers(1, 30), w=st.integers(0, 10), alpha=st.sampled_from([0.0, 0.1]))
def test_keras_cosinedecay_lengths_may_be_quantities(lr0: float, total: int, w: int, alpha: float) -> None:
    agree(lambda: ck.CosineDecay(lr0, total, alpha), lambda: ck.CosineDecay(lr0, T, alpha), {"T": total})
    agree(
        lambda: ck.CosineDecay(0.0, total, alpha, warmup_target=lr0, warmup_steps=w),
        lambda: ck.CosineDecay(0.0, T, alpha, warmup_target=lr0, warmup_steps=W),
        {"T": total, "w": w},
    )


@EXAMPLES
@given(
    lr0=BASE,
    first=st.integers(1, 10),
    t_mul=st.sampled_from([1.0, 2.0]),
    alpha=st.sampled_from([0.0, 0.1, 1.5]),
)
def test_keras_cosinedecayrestarts_first_decay_steps_may_be_a_quantity(
    lr0: float, first: int, t_mul: float, alpha: float
) -> None:
    agree(
        lambda: ck.CosineDecayRestarts(lr0, first, t_mul, 0.9, alpha),
        lambda: ck.CosineDecayRestarts(lr0, K, t_mul, 0.9, alpha),
        {"k": first},
    )


# ----------------------------------------------------------------------------
# timm.

TIMM_W = st.integers(0, 6)


@EXAMPLES
@given(
    total=st.integers(1, 20),
    w=TIMM_W,
    prefix=st.booleans(),
    init=st.sampled_from([0.0, 1e-5]),
    cycles=st.sampled_from([(1, 1.0, 1.0), (3, 1.0, 0.5), (2, 2.0, 0.0)]),
)
def test_timm_cosine_lengths_may_be_quantities(
    total: int, w: int, prefix: bool, init: float, cycles: tuple[int, float, float]
) -> None:
    limit, mul, decay = cycles

    def make(t: Any, warm: Any) -> lr.Schedule:
        return ctimm.CosineLRScheduler(
            1e-3, t, 1e-5, mul, decay, limit, warmup_t=warm, warmup_lr_init=init, warmup_prefix=prefix
        )

    agree(lambda: make(total, w), lambda: make(T, W), {"T": total, "w": w}, n=60)


@EXAMPLES
@given(total=st.integers(1, 20), w=TIMM_W, spe=st.integers(1, 5))
def test_timm_steps_per_epoch_may_be_a_quantity(total: int, w: int, spe: int) -> None:
    def make(t: Any, warm: Any, k: Any) -> lr.Schedule:
        return ctimm.CosineLRScheduler(1e-3, t, warmup_t=warm, warmup_prefix=True, steps_per_epoch=k)

    agree(lambda: make(total, w, spe), lambda: make(T, W, K), {"T": total, "w": w, "k": spe}, n=80)


@EXAMPLES
@given(total=st.integers(1, 20), w=TIMM_W)
def test_timm_tanh_with_warmup_prefix_lengths_may_be_quantities(total: int, w: int) -> None:
    agree(
        lambda: ctimm.TanhLRScheduler(1e-3, total, warmup_t=w, warmup_prefix=True),
        lambda: ctimm.TanhLRScheduler(1e-3, T, warmup_t=W, warmup_prefix=True),
        {"T": total, "w": w},
    )


@EXAMPLES
@given(size=st.integers(1, 10), w=TIMM_W, prefix=st.booleans(), rate=st.sampled_from([0.5, 0.0, 1.0]))
def test_timm_step_lengths_may_be_quantities(size: int, w: int, prefix: bool, rate: float) -> None:
    agree(
        lambda: ctimm.StepLRScheduler(
            1e-3, size, rate, warmup_t=w, warmup_prefix=prefix, warmup_lr_init=1e-5
        ),
        lambda: ctimm.StepLRScheduler(1e-3, K, rate, warmup_t=W, warmup_prefix=prefix, warmup_lr_init=1e-5),
        {"k": size, "w": w},
    )


@EXAMPLES
@given(first=st.integers(0, 8), gap=st.integers(0, 8), w=TIMM_W, prefix=st.booleans())
def test_timm_multistep_milestones_may_be_quantities(first: int, gap: int, w: int, prefix: bool) -> None:
    agree(
        lambda: ctimm.MultiStepLRScheduler(1e-3, [first, first + gap], 0.5, w, 1e-5, prefix),
        lambda: ctimm.MultiStepLRScheduler(1e-3, [K, K + lr.var("g")], 0.5, W, 1e-5, prefix),
        {"k": first, "g": gap, "w": w},
    )


@EXAMPLES
@given(total=st.integers(1, 20), w=TIMM_W, power=st.sampled_from([0.5, 1.0, 2.0]), prefix=st.booleans())
def test_timm_poly_lengths_may_be_quantities(total: int, w: int, power: float, prefix: bool) -> None:
    agree(
        lambda: ctimm.PolyLRScheduler(1e-3, total, power, warmup_t=w, warmup_prefix=prefix),
        lambda: ctimm.PolyLRScheduler(1e-3, T, power, warmup_t=W, warmup_prefix=prefix),
        {"T": total, "w": w},
    )


@EXAMPLES
@given(
    total=st.integers(0, 20),
    decay=st.integers(0, 20),
    w=TIMM_W,
    shape=st.sampled_from(["linear", "cosine", "1-sqrt"]),
)
def test_timm_wsd_lengths_may_be_quantities(total: int, decay: int, w: int, shape: str) -> None:
    agree(
        lambda: ctimm.WSDLRScheduler(1e-3, total, decay, 1e-5, decay_fn=shape, warmup_t=w),
        lambda: ctimm.WSDLRScheduler(1e-3, T, K, 1e-5, decay_fn=shape, warmup_t=W),
        {"T": total, "k": decay, "w": w},
        # timm refuses decay_t = 0 (no decay): bound, the stable phase then lr_min
        limit=lambda: lr.wsd(1e-3, w, total, 0, end=1e-5, decay=shape) if decay == 0 else None,
    )


# ----------------------------------------------------------------------------
# The families.


@EXAMPLES
@given(
    total=st.integers(2, 200),
    pct=st.sampled_from([0.3, 0.25, 0.5]),
    anneal=st.sampled_from(["cos", "linear"]),
    three=st.booleans(),
)
def test_onecycle_bound_equals_written_with_numbers(total: int, pct: float, anneal: str, three: bool) -> None:
    def make(n: Any) -> lr.Schedule:
        return lr.onecycle(1e-3, n, pct_start=pct, anneal=anneal, three_phase=three)

    agree(
        lambda: make(total),
        lambda: make(T),
        {"T": total},
        n=total + 5,
        limit=lambda: onecycle_limit(total, pct, anneal, three),
    )
    try:
        expected = make(total)
    except lr.ScheduleError:
        return
    assert make(T).bind(T=total) == expected


def onecycle_limit(total: int, pct: float, anneal: str, three: bool) -> lr.Schedule | None:
    """Where PyTorch's first phase has 0 steps (``pct_start * total_steps == 1``: it divides by
    zero there, and ``onecycle`` refuses the numbers), the bound schedule skips it, as a chain
    skips a piece of 0 steps: the pieces with those lengths."""
    if pct * total - 1 != 0:
        return None
    piece = lr.cosine if anneal == "cos" else lr.linear
    lo, last = 1e-3 / 25.0, total - 1
    if three:
        b = 2 * pct * total - 2
        return piece(lo, 1e-3, 0.0) >> piece(1e-3, lo, b - 0.0) >> piece(lo, lo / 1e4, last - b)
    return piece(lo, 1e-3, 0.0) >> piece(1e-3, lo / 1e4, last - 0.0)


def test_onecycle_pct_start_may_be_a_quantity() -> None:
    s = lr.onecycle(1e-3, 100, pct_start=lr.var("p"))
    assert s.bind(p=0.25) == lr.onecycle(1e-3, 100, pct_start=0.25)
    assert s.bind(p=0.5) == lr.onecycle(1e-3, 100, pct_start=0.5)


def test_onecycle_too_short_is_refused_when_bound() -> None:
    with pytest.raises(
        lr.ScheduleError, match=r"^bind: chain\.pieces\[0\] \(cosine\): cosine: steps must be >= 0, got -0\.1"
    ):
        lr.onecycle(1e-3, T).bind(T=3)


@EXAMPLES
@given(w=st.integers(0, 10), stable=st.integers(0, 10), decay=st.integers(0, 10))
def test_wsd_bound_equals_written_with_numbers(w: int, stable: int, decay: int) -> None:
    s = lr.wsd(1e-3, W, lr.var("s"), K, decay="1-sqrt")
    assert s.bind(w=w, s=stable, k=decay) == lr.wsd(1e-3, w, stable, decay, decay="1-sqrt")


# ----------------------------------------------------------------------------
# Bound equals written with numbers: the issue's own examples.

EQUAL = {
    "hf cosine": lambda n: chf.get_cosine_schedule_with_warmup(1e-3, lr.round(0.1 * n), n),
    "hf constant_with_warmup": lambda n: chf.get_scheduler("constant_with_warmup", 1e-3, lr.round(0.05 * n)),
    "hf hard restarts": lambda n: chf.get_cosine_with_hard_restarts_schedule_with_warmup(1e-3, 100, n),
    "hf wsd": lambda n: chf.get_wsd_schedule(1e-3, 100, lr.round(0.2 * n), num_training_steps=n),
    "hf inverse_sqrt": lambda n: chf.get_inverse_sqrt_schedule(1e-3, n // 10, timescale=1000),
    "optax warmup cosine": lambda n: co.warmup_cosine_decay_schedule(0.0, 1e-3, n // 20, n, end_value=1e-5),
    "optax cosine onecycle": lambda n: co.cosine_onecycle_schedule(n, 1e-3),
    "optax exponential": lambda n: co.exponential_decay(1e-3, n // 10, 0.5, n // 20),
    "timm cosine": lambda n: ctimm.CosineLRScheduler(1e-3, t_initial=n, warmup_t=5, warmup_lr_init=1e-6),
    "timm wsd": lambda n: ctimm.WSDLRScheduler(1e-3, n, lr.round(0.2 * n), warmup_t=5),
    "torch step": lambda n: ct.StepLR(1e-3, step_size=n // 3),
    "torch cosine": lambda n: ct.CosineAnnealingLR(1e-3, n),
    "keras cosine": lambda n: ck.CosineDecay(1e-3, n),
    "keras cosine with warmup": lambda n: ck.CosineDecay(0.0, n, warmup_target=1e-3, warmup_steps=n // 10),
    "onecycle": lambda n: lr.onecycle(1e-3, n),
}


@pytest.mark.parametrize("name", EQUAL)
@pytest.mark.parametrize("n", [1000, 12_345])
def test_bound_equals_written_with_numbers(name: str, n: int) -> None:
    s = EQUAL[name](T)
    symbolic_forms_hold(s)
    assert s.free == {"T"}
    assert s.bind(T=n) == EQUAL[name](n)


# ----------------------------------------------------------------------------
# Refusals: where a value decides the form, a quantity is refused at construction.


def _form(fn: str, param: str, shown: str) -> str:
    return f"{fn}: {param} must be a number, not a quantity (it decides the schedule's form), got {shown}"


REFUSALS: dict[str, tuple[Callable[[], Any], str]] = {
    "torch OneCycleLR total_steps": (
        lambda: ct.OneCycleLR(1e-3, total_steps=T),
        _form("OneCycleLR", "total_steps", "T"),
    ),
    "torch OneCycleLR epochs": (
        lambda: ct.OneCycleLR(1e-3, epochs=K, steps_per_epoch=10),
        _form("OneCycleLR", "epochs", "var('k')"),
    ),
    "torch ConstantLR factor": (lambda: ct.ConstantLR(1e-3, K), _form("ConstantLR", "factor", "var('k')")),
    "torch ConstantLR factor 0": (
        lambda: ct.ConstantLR(1e-3, 0.0, K),
        "ConstantLR: factor must be > 0 when total_iters is a quantity (PyTorch divides by it at step var('k')), got 0.0",
    ),
    "torch CosineAnnealingWarmRestarts T_mult": (
        lambda: ct.CosineAnnealingWarmRestarts(1e-3, 10, K),
        _form("CosineAnnealingWarmRestarts", "T_mult", "var('k')"),
    ),
    "torch MultiStepLR gamma 0": (
        lambda: ct.MultiStepLR(1e-3, [K], 0.0),
        "MultiStepLR: gamma must be > 0 when milestones are quantities (the levels of gamma <= 0 are laid out"
        " by value), got 0.0",
    ),
    "torch PolynomialLR negative power": (
        lambda: ct.PolynomialLR(1e-3, K, -1.0),
        "PolynomialLR: power must be >= 0 when total_iters is a quantity (PyTorch divides by zero at step"
        " total_iters), got -1.0",
    ),
    "hf num_cycles": (
        lambda: chf.get_cosine_schedule_with_warmup(1e-3, 10, 100, K),
        _form("get_cosine_schedule_with_warmup", "num_cycles", "var('k')"),
    ),
    "hf hard restarts": (
        lambda: chf.get_cosine_with_hard_restarts_schedule_with_warmup(1e-3, 10, T, 3),
        "get_cosine_with_hard_restarts_schedule_with_warmup: num_training_steps must be a number, not a quantity,"
        " when num_cycles > 1 (whether a restart falls on a step decides the schedule's form), got T",
    ),
    "hf polynomial power": (
        lambda: chf.get_polynomial_decay_schedule_with_warmup(1e-3, 10, T, power=0.0),
        "get_polynomial_decay_schedule_with_warmup: num_training_steps must be a number, not a quantity, when"
        " power <= 0 (the decay's form then depends on the lengths), got T",
    ),
    "hf inverse_sqrt default timescale": (
        lambda: chf.get_inverse_sqrt_schedule(1e-3, W),
        "get_inverse_sqrt_schedule: timescale must be given when num_warmup_steps is a quantity (Hugging Face's"
        " default, num_warmup_steps or 10000, picks by its value), got None with num_warmup_steps=var('w')",
    ),
    "hf warmup_lr_rate warmup": (
        lambda: chf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(1e-3, W, T, min_lr_rate=0.1),
        _form("get_cosine_with_min_lr_schedule_with_warmup_lr_rate", "num_warmup_steps", "var('w')"),
    ),
    "hf min_lr base_lr": (
        lambda: chf.get_cosine_with_min_lr_schedule_with_warmup(K, 10, T, min_lr_rate=0.1),
        "get_cosine_with_min_lr_schedule_with_warmup: base_lr must be a number, not a quantity, with a min_lr"
        " (whether the floor base_lr * min_lr_rate is below 0 decides the form), got var('k')",
    ),
    "hf wsd periodic decay": (
        lambda: chf.get_wsd_schedule(1e-3, 10, K, num_training_steps=T, num_cycles=1.0),
        "get_wsd_schedule: num_decay_steps must be a number, not a quantity, when num_cycles != 0.5 (a decay of"
        " 0 steps has another form), got var('k')",
    ),
    "hf wsd negative ratio": (
        lambda: chf.get_wsd_schedule(K, 10, 20, num_training_steps=100, min_lr_ratio=-0.1),
        "get_wsd_schedule: base_lr must be a number, not a quantity, with min_lr_ratio=-0.1 (whether"
        " base_lr * min_lr_ratio is below 0 decides the form), got var('k')",
    ),
    "optax linear onecycle": (
        lambda: co.linear_onecycle_schedule(T, 1e-3),
        "linear_onecycle_schedule: transition_steps must be a number, not a quantity (it decides the"
        " schedule's form: Optax's phase ends int(pct_start * transition_steps) and int(pct_final *"
        " transition_steps) merge into one knot when they are equal), got T",
    ),
    "optax cosine onecycle pct_start 1": (
        lambda: co.cosine_onecycle_schedule(T, 1e-3, pct_start=1.0),
        "cosine_onecycle_schedule: pct_start must be in [0, 1) when transition_steps is a quantity (Optax's two"
        " knots merge when int(pct_start * transition_steps) is transition_steps, which changes the schedule's"
        " form), got 1.0",
    ),
    "optax onecycle pct_start": (
        lambda: co.cosine_onecycle_schedule(100, 1e-3, pct_start=K),
        _form("cosine_onecycle_schedule", "pct_start", "var('k')"),
    ),
    "optax interpolate knots": (
        lambda: co.piecewise_interpolate_schedule("linear", 1.0, {T: 0.5}),
        "piecewise_interpolate_schedule: boundaries_and_scales must have numbers as keys, not quantities (a"
        " segment shorter than a step has another form), got T",
    ),
    "optax scales": (
        lambda: co.piecewise_constant_schedule(1.0, {10: K}),
        _form("piecewise_constant_schedule", "boundaries_and_scales", "var('k')"),
    ),
    "optax decay_rate": (
        lambda: co.exponential_decay(1.0, 10, K),
        _form("exponential_decay", "decay_rate", "var('k')"),
    ),
    "optax warmup cosine peak": (
        lambda: co.warmup_cosine_decay_schedule(0.0, K, 10, 100, end_value=1e-5),
        "warmup_cosine_decay_schedule: peak_value must be a number, not a quantity, when end_value is not 0"
        " (a peak_value of 0 has another form), got var('k')",
    ),
    "keras power": (
        lambda: ck.PolynomialDecay(1.0, T, power=K),
        _form("PolynomialDecay", "power", "var('k')"),
    ),
    "timm cycle_limit": (
        lambda: ctimm.CosineLRScheduler(1e-3, T, cycle_limit=K),
        _form("CosineLRScheduler", "cycle_limit", "var('k')"),
    ),
    "timm tanh without prefix": (
        lambda: ctimm.TanhLRScheduler(1e-3, T, warmup_t=5),
        "TanhLRScheduler: t_initial must be a number, not a quantity, without warmup_prefix (timm's warmup then"
        " aims at the tanh's value at warmup_t, a number lrdsl computes when it builds the schedule), got T",
    ),
    "timm multistep rate 0": (
        lambda: ctimm.MultiStepLRScheduler(1e-3, [K], 0.0),
        "MultiStepLRScheduler: decay_rate must be > 0 when decay_t holds quantities (the levels of a rate <= 0"
        " are laid out by value), got 0.0",
    ),
    "timm plateau warmup": (
        lambda: ctimm.PlateauLRScheduler(1e-3, warmup_t=W),
        _form("PlateauLRScheduler", "warmup_t", "var('w')"),
    ),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_a_quantity_that_decides_the_form_is_refused(name: str) -> None:
    make, message = REFUSALS[name]
    with pytest.raises(lr.ScheduleError) as e:
        make()
    assert str(e.value) == message


def test_a_tanh_with_warmup_prefix_takes_quantities() -> None:
    s = ctimm.TanhLRScheduler(1e-3, T, warmup_t=W, warmup_prefix=True)
    assert s.bind(T=30, w=5) == ctimm.TanhLRScheduler(1e-3, 30, warmup_t=5, warmup_prefix=True)


# ----------------------------------------------------------------------------
# Bad bound values: refused when bound, with the path to the node.


BAD_BINDINGS: dict[str, tuple[Callable[[], lr.Schedule], dict[str, Any], str]] = {
    "hf negative warmup": (
        lambda: chf.get_cosine_schedule_with_warmup(1e-3, W, T),
        {"w": -1, "T": 100},
        "bind: warmup: steps must be >= 0, got -1",
    ),
    "timm wsd decay past t_initial": (
        lambda: ctimm.WSDLRScheduler(1e-3, T, K),
        {"T": 10, "k": 20},
        "bind: chain.pieces[1] (constant): constant: steps must be >= 0, got -10",
    ),
    "torch step_size 0": (
        lambda: ct.StepLR(1e-3, K),
        {"k": 0},
        "bind: step: step_size must be > 0, got 0",
    ),
    "torch milestones out of order": (
        lambda: ct.MultiStepLR(1e-3, [K, 5]),
        {"k": 7},
        "bind: multistep: milestones must be non-decreasing, got [7, 5]",
    ),
    "keras boundaries out of order": (
        lambda: ck.PiecewiseConstantDecay([K, 5], [1.0, 0.5, 0.1]),
        {"k": 7},
        "bind: piecewise: boundaries must be non-decreasing, got [8, 6]",
    ),
    "optax exponential transition_steps 0": (
        lambda: co.exponential_decay(1.0, K, 0.5),
        {"k": 0},
        "bind: exponential: every must be > 0, got 0",
    ),
    "torch cosine T_max 0": (
        lambda: ct.CosineAnnealingLR(1e-3, K),
        {"k": 0},
        "bind: cosine: steps must be > 0 for a periodic cosine, got 0",
    ),
}


@pytest.mark.parametrize("name", BAD_BINDINGS)
def test_a_bad_bound_value_is_refused_when_bound(name: str) -> None:
    make, values, message = BAD_BINDINGS[name]
    s = make()
    with pytest.raises(lr.ScheduleError) as e:
        s.bind(**values)
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ct.ExponentialLR(1.0, K), _form("ExponentialLR", "gamma", "var('k')")),
        (lambda: ct.StepLR(1.0, 5, K), _form("StepLR", "gamma", "var('k')")),
        (lambda: ck.ExponentialDecay(1.0, 10, K), _form("ExponentialDecay", "decay_rate", "var('k')")),
        (
            lambda: ctimm.WSDLRScheduler(1.0, T, 3, K),
            "WSDLRScheduler: lr_min must be a number, not a quantity (whether lr_min > base_lr decides the"
            " schedule's form: timm's stable lr is max(base_lr, lr_min)), got var('k')",
        ),
    ],
    ids=["torch ExponentialLR gamma", "torch StepLR gamma", "keras ExponentialDecay rate", "timm wsd lr_min"],
)
def test_a_rate_whose_sign_picks_the_form_is_refused(make: Callable[[], Any], message: str) -> None:
    # (gamma <= 0 is laid out as levels, lr_min > base_lr as a constant: the form depends on the value)
    with pytest.raises(lr.ScheduleError) as e:
        make()
    assert str(e.value) == message


@pytest.mark.parametrize("lr0", [1.0, -1.0, 0.0])
def test_keras_inversetimedecay_initial_rate_may_be_a_quantity_of_either_sign(lr0: float) -> None:
    agree(lambda: ck.InverseTimeDecay(lr0, 10, 0.5), lambda: ck.InverseTimeDecay(K, 10, 0.5), {"k": lr0})


@pytest.mark.parametrize(
    ("name", "make", "values"),
    [
        ("hf constant_with_warmup", lambda w: chf.get_constant_schedule_with_warmup(1e-3, w), [0, 1, 7, 2.5]),
        ("hf inverse_sqrt", lambda w: chf.get_inverse_sqrt_schedule(1e-3, w, timescale=10), [0, 1, 7]),
        (
            "hf cosine_warmup_with_min_lr",
            lambda n: chf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(1e-3, 5, n, min_lr_rate=0.1),
            [0, 3, 5, 6, 30],
        ),
        ("hf get_scheduler", lambda n: chf.get_scheduler("linear", 1e-3, 5, n), [0, 3, 5, 6, 30]),
    ],
)
def test_hf_one_length_may_be_a_quantity(
    name: str, make: Callable[[Any], lr.Schedule], values: list[Any]
) -> None:
    for v in values:
        agree(partial(make, v), lambda: make(K), {"k": v})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: ct.ReduceLROnPlateau(lr.cosine(1.0, 0.0, T)),
            "ReduceLROnPlateau: base_lr must be bound before it meets a plateau (a plateau schedule has no .bind:"
            " bind the schedule or number first), got cosine(1.0, 0.0, T)",
        ),
        (
            lambda: ck.ReduceLROnPlateau(learning_rate=K),
            "ReduceLROnPlateau: learning_rate must be bound before it meets a plateau (a plateau schedule has no"
            " .bind: bind the schedule or number first), got var('k')",
        ),
        (
            lambda: ctimm.PlateauLRScheduler(K),
            "PlateauLRScheduler: base_lr must be bound before it meets a plateau (a plateau schedule has no .bind:"
            " bind the schedule or number first), got var('k')",
        ),
    ],
    ids=["torch", "keras", "timm"],
)
def test_a_plateau_refuses_quantities(make: Callable[[], Any], message: str) -> None:
    with pytest.raises(lr.ScheduleError) as e:
        make()
    assert str(e.value) == message


@pytest.mark.parametrize("prefix", [True, False])
@pytest.mark.parametrize(
    "make",
    [
        lambda b, p: ctimm.MultiStepLRScheduler(b, [1, 5], 0.5, warmup_t=3, warmup_prefix=p),
        lambda b, p: ctimm.CosineLRScheduler(b, 10, 0.1, cycle_limit=0, warmup_t=3, warmup_prefix=p),
        lambda b, p: ctimm.CosineLRScheduler(b, 10, 0.1, k_decay=0, warmup_t=3, warmup_prefix=p),
        lambda b, p: ctimm.StepLRScheduler(b, 4, 0.0, warmup_t=3, warmup_prefix=p),
        lambda b, p: ctimm.PolyLRScheduler(b, 10, 0.0, warmup_t=3, warmup_prefix=p),
    ],
    ids=[
        "multistep from step 0",
        "cosine without cycles",
        "cosine k_decay 0",
        "step gamma 0",
        "poly power 0",
    ],
)
def test_timm_warmup_aims_at_a_symbolic_base_lr(
    make: Callable[[Any, bool], lr.Schedule], prefix: bool
) -> None:
    # (the schedule after the warmup need not begin at base_lr: the warmup still aims at it)
    agree(lambda: make(1.0, prefix), lambda: make(K, prefix), {"k": 1.0})
