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
    "cosine_with_min_lr": lambda b, w, n: chf.get_cosine_with_min_lr_schedule_with_warmup(b, w, n, min_lr_rate=0.1),
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
    return lr.chain(lr.linear(0.0, base * w / max(1, w), w), lr.constant(1e-7), boundaries=[w]) if w > 0 else lr.constant(1e-7)


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
def test_optax_linear_schedule_steps_and_begin_may_be_quantities(init: float, end: float, steps: Any, begin: Any) -> None:
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
@given(init=BASE, first=st.integers(-3, 12), gap=st.integers(1, 12), scales=st.sampled_from([(0.1, 0.5), (2.0, 0.0)]))
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
def test_optax_cosine_onecycle_transition_steps_may_be_a_quantity(total: int, pct: float, peak: float) -> None:
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
    agree(lambda: co.sgdr_schedule([cycle, cycle]), lambda: co.sgdr_schedule([symbolic, symbolic]), {"w": w, "T": total})


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
def test_torch_multisteplr_milestones_may_be_quantities(base: float, first: int, gap: int, gamma: float) -> None:
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
def test_torch_linearlr_total_iters_may_be_a_quantity(base: float, start: float, end: float, total: Any) -> None:
    agree(
        lambda: ct.LinearLR(base, start, end, total), lambda: ct.LinearLR(base, start, end, K), {"k": total}
    )


@EXAMPLES
@given(base=BASE, total=SMALL | HALF_STEPS, power=st.sampled_from([0.0, 0.5, 1.0, 2.0]))
def test_torch_polynomiallr_total_iters_may_be_a_quantity(base: float, total: Any, power: float) -> None:
    agree(lambda: ct.PolynomialLR(base, total, power), lambda: ct.PolynomialLR(base, K, power), {"k": total})


@EXAMPLES
@given(base=BASE, t_max=st.integers(0, 25) | st.sampled_from([2.5]), eta_min=st.sampled_from([0.0, 0.01, -0.1]))
def test_torch_cosineannealinglr_t_max_may_be_a_quantity(base: float, t_max: Any, eta_min: float) -> None:
    agree(
        lambda: ct.CosineAnnealingLR(base, t_max, eta_min), lambda: ct.CosineAnnealingLR(base, K, eta_min), {"k": t_max}
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
def test_keras_exponentialdecay_decay_steps_may_be_a_quantity(lr0: float, steps: Any, rate: float, staircase: bool) -> None:
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
def test_keras_polynomialdecay_decay_steps_may_be_a_quantity(lr0: float, steps: Any, power: float, cycle: bool) -> None:
    agree(
        lambda: ck.PolynomialDecay(lr0, steps, 0.001, power, cycle),
        lambda: ck.PolynomialDecay(lr0, K, 0.001, power, cycle),
        {"k": steps},
    )


@EXAMPLES
@given(lr0=BASE, steps=KERAS_STEPS, staircase=st.booleans())
def test_keras_inversetimedecay_decay_steps_may_be_a_quantity(lr0: float, steps: Any, staircase: bool) -> None:
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
@given(lr0=BASE, first=st.integers(1, 10), t_mul=st.sampled_from([1.0, 2.0]), alpha=st.sampled_from([0.0, 0.1, 1.5]))
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
        lambda: ctimm.StepLRScheduler(1e-3, size, rate, warmup_t=w, warmup_prefix=prefix, warmup_lr_init=1e-5),
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
@given(total=st.integers(0, 20), decay=st.integers(0, 20), w=TIMM_W, shape=st.sampled_from(["linear", "cosine", "1-sqrt"]))
def test_timm_wsd_lengths_may_be_quantities(total: int, decay: int, w: int, shape: str) -> None:
    agree(
        lambda: ctimm.WSDLRScheduler(1e-3, total, decay, 1e-5, decay_fn=shape, warmup_t=w),
        lambda: ctimm.WSDLRScheduler(1e-3, T, K, 1e-5, decay_fn=shape, warmup_t=W),
        {"T": total, "k": decay, "w": w},
        # timm refuses decay_t = 0 (no decay): bound, the stable phase then lr_min
        limit=lambda: lr.wsd(1e-3, w, total, 0, end=1e-5, decay=shape) if decay == 0 else None,
    )
