"""Keras's own schedule tests (``keras/src/optimizers/schedules/learning_rate_schedule_test.py``,
shipped in its wheel), ported through ``lrdsl.compat.keras``.

Every case that checks a schedule's value is here, with Keras's constructor
names and arguments and its tolerance (``assertAllClose``: ``atol=1e-6,
rtol=1e-6``, or the ``atol`` the anchor passes). Where the anchor assigns a
step to a ``backend.Variable`` (a float, or an int64), the schedule is
evaluated at that number. Keras itself is not imported: the anchor's targets
are hand-written. Each test names the anchor test it ports.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrdsl.compat.keras import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

ANCHOR = "keras"
SUITE = "keras/src/optimizers/schedules/learning_rate_schedule_test.py (in the wheel)"

SKIPPED = {
    "ExponentialDecayTest.test_config": "serialization of Keras's own schedule objects",
    "PiecewiseConstantDecayTest.test_config": "serialization of Keras's own schedule objects",
    "LinearDecayTest.test_config": "serialization of Keras's own schedule objects",
    "InverseTimeDecayTest.test_config": "serialization of Keras's own schedule objects",
    "CosineDecayTest.test_config": "serialization of Keras's own schedule objects",
    "CosineDecayRestartsTest.test_config": "serialization of Keras's own schedule objects",
}
ELSEWHERE = {
    "TestFitLRSchedulesFlow.test_fit_lr_correctness": (
        "keras (a Keras model trained with the schedule: needs the lrdsl.keras adapter)"
    ),
}


def assert_all_close(actual: Any, desired: Any, atol: float = 1e-6, rtol: float = 1e-6) -> None:
    """The anchor's ``assertAllClose``."""
    np.testing.assert_allclose(actual, desired, atol=atol, rtol=rtol)


# ----------------------------------------------------------------------------
# ExponentialDecayTest


def test_exponential_continuous() -> None:
    # keras: ExponentialDecayTest.test_continuous
    decayed_lr = ExponentialDecay(0.05, 10, 0.96)
    assert_all_close(decayed_lr(5), 0.05 * 0.96 ** (5.0 / 10.0), 1e-6)


def test_exponential_staircase() -> None:
    # keras: ExponentialDecayTest.test_staircase (the step a float Variable)
    decayed_lr = ExponentialDecay(0.1, 3, 0.96, staircase=True)
    assert_all_close(decayed_lr(1.0), 0.1, 1e-6)  # no change to the learning rate: staircase
    assert_all_close(decayed_lr(2.0), 0.1, 1e-6)
    assert_all_close(decayed_lr(100.0), 0.1 * 0.96 ** (100 // 3), 1e-6)


def test_exponential_variables() -> None:
    # keras: ExponentialDecayTest.test_variables
    decayed_lr = ExponentialDecay(0.1, 3, 0.96, staircase=True)
    assert_all_close(decayed_lr(1.0), 0.1, 1e-6)
    assert_all_close(decayed_lr(2.0), 0.1, 1e-6)
    assert_all_close(decayed_lr(100.0), 0.1 * 0.96 ** (100 // 3), 1e-6)


# ----------------------------------------------------------------------------
# PiecewiseConstantDecayTest


def test_piecewise_values() -> None:
    # keras: PiecewiseConstantDecayTest.test_piecewise_values (the step a float Variable)
    decayed_lr = PiecewiseConstantDecay([100, 110, 120], [1.0, 0.1, 0.01, 0.001])
    for x, expected in [(-999.0, 1.0), (100.0, 1.0), (105.0, 0.1), (110.0, 0.1), (120.0, 0.01), (999.0, 0.001)]:
        assert_all_close(decayed_lr(x), expected, 1e-6)


def test_boundary_values() -> None:
    # keras: PiecewiseConstantDecayTest.test_boundary_values (the step an int64 Variable)
    decayed_lr = PiecewiseConstantDecay([1, 2, 3], [0.4, 0.5, 0.6, 0.7])
    for x, expected in [(0, 0.4), (1, 0.4), (2, 0.5), (3, 0.6), (4, 0.7)]:
        assert_all_close(decayed_lr(np.int64(x)), expected, 1e-6)


# ----------------------------------------------------------------------------
# LinearDecayTest (PolynomialDecay, power 1)


def test_linear_halfway() -> None:
    # keras: LinearDecayTest.test_halfway
    assert_all_close(PolynomialDecay(0.05, 10, 0.0)(5), 0.05 * 0.5, 1e-6)


def test_linear_end() -> None:
    # keras: LinearDecayTest.test_end
    assert_all_close(PolynomialDecay(0.05, 10, 0.001)(10), 0.001, 1e-6)


def test_linear_halfway_with_end() -> None:
    # keras: LinearDecayTest.test_halfway_with_end
    assert_all_close(PolynomialDecay(0.05, 10, 0.001)(5), (0.05 + 0.001) * 0.5, 1e-6)


def test_linear_beyond_end() -> None:
    # keras: LinearDecayTest.test_beyond_end
    assert_all_close(PolynomialDecay(0.05, 10, 0.001)(15), 0.001, 1e-6)


def test_linear_beyond_end_with_cycle() -> None:
    # keras: LinearDecayTest.test_beyond_end_with_cycle
    assert_all_close(PolynomialDecay(0.05, 10, 0.001, cycle=True)(15), (0.05 - 0.001) * 0.25 + 0.001, 1e-6)


# ----------------------------------------------------------------------------
# SqrtDecayTest (PolynomialDecay, power 0.5)


def test_sqrt_halfway() -> None:
    # keras: SqrtDecayTest.test_halfway
    assert_all_close(PolynomialDecay(0.05, 10, 0.0, power=0.5)(5), 0.05 * 0.5**0.5, 1e-6)


def test_sqrt_end() -> None:
    # keras: SqrtDecayTest.test_end
    assert_all_close(PolynomialDecay(0.05, 10, 0.001, power=0.5)(10), 0.001, 1e-6)


def test_sqrt_halfway_with_end() -> None:
    # keras: SqrtDecayTest.test_halfway_with_end
    assert_all_close(PolynomialDecay(0.05, 10, 0.001, power=0.5)(5), (0.05 - 0.001) * 0.5**0.5 + 0.001, 1e-6)


def test_sqrt_beyond_end() -> None:
    # keras: SqrtDecayTest.test_beyond_end
    assert_all_close(PolynomialDecay(0.05, 10, 0.001, power=0.5)(15), 0.001, 1e-6)


def test_sqrt_beyond_end_with_cycle() -> None:
    # keras: SqrtDecayTest.test_beyond_end_with_cycle
    decayed_lr = PolynomialDecay(0.05, 10, 0.001, power=0.5, cycle=True)
    assert_all_close(decayed_lr(15), (0.05 - 0.001) * 0.25**0.5 + 0.001, 1e-6)


def test_sqrt_begin_with_cycle() -> None:
    # keras: SqrtDecayTest.test_begin_with_cycle
    assert_all_close(PolynomialDecay(0.001, 10, cycle=True)(0), 0.001, 1e-6)


# ----------------------------------------------------------------------------
# InverseTimeDecayTest


def test_inverse_time_decay() -> None:
    # keras: InverseTimeDecayTest.test_decay (the step a float Variable, +1 each time)
    initial_lr, k, decay_rate = 0.1, 10, 0.96
    decayed_lr = InverseTimeDecay(initial_lr, k, decay_rate)
    for i in range(k + 1):
        assert_all_close(decayed_lr(float(i)), initial_lr / (1 + i / k * decay_rate), 1e-6)


def test_inverse_time_staircase() -> None:
    # keras: InverseTimeDecayTest.test_staircase
    initial_lr, k, decay_rate = 0.1, 10, 0.96
    decayed_lr = InverseTimeDecay(initial_lr, k, decay_rate, staircase=True)
    for i in range(k + 1):
        assert_all_close(decayed_lr(float(i)), initial_lr / (1 + decay_rate * (i // k)), 1e-6)


# ----------------------------------------------------------------------------
# CosineDecayTest


def np_cosine_decay(step: float, decay_steps: float, alpha: float = 0.0) -> float:  # the anchor's
    step = min(step, decay_steps)
    completed_fraction = step / decay_steps
    decay = 0.5 * (1.0 + math.cos(math.pi * completed_fraction))
    return (1.0 - alpha) * decay + alpha


def linear_warmup(step: float, warmup_steps: float, initial_lr: float, target_lr: float) -> float:  # the anchor's
    completed_fraction = step / warmup_steps
    total_delta = target_lr - initial_lr
    return completed_fraction * total_delta


def test_cosine_decay() -> None:
    # keras: CosineDecayTest.test_decay
    for step in range(0, 1500, 250):
        assert_all_close(CosineDecay(1.0, 1000)(step), np_cosine_decay(step, 1000), 1e-6)


def test_cosine_warmup() -> None:
    # keras: CosineDecayTest.test_warmup
    for step in range(0, 1500, 250):
        lr = CosineDecay(0.0, 10, warmup_target=10.0, warmup_steps=1500)
        assert_all_close(lr(step), linear_warmup(step, 1500, 0.0, 10.0))


def test_cosine_alpha() -> None:
    # keras: CosineDecayTest.test_alpha
    for step in range(0, 1500, 250):
        assert_all_close(CosineDecay(1.0, 1000, 0.1)(step), np_cosine_decay(step, 1000, 0.1), 1e-6)


def test_cosine_float64() -> None:
    # keras: CosineDecayTest.test_float64
    for step in range(0, 1500, 250):
        assert_all_close(CosineDecay(np.float64(1.0), 1000)(step), np_cosine_decay(step, 1000), 1e-6)


def test_cosine_warmup_decay() -> None:
    # keras: CosineDecayTest.test_warmup_decay
    warmup_steps, decay_steps, initial_lr, target_lr = 2000, 1000, 0.0, 10.0
    for step in range(0, 3000, 250):
        lr = CosineDecay(initial_lr, decay_steps, warmup_target=target_lr, warmup_steps=warmup_steps)
        if step < warmup_steps + 1:
            expected = linear_warmup(step, warmup_steps, initial_lr, target_lr)
        else:
            expected = target_lr * np_cosine_decay(step - warmup_steps, decay_steps)
        assert_all_close(lr(step), expected)


# ----------------------------------------------------------------------------
# CosineDecayRestartsTest


def np_cosine_decay_restarts(
    step: float, decay_steps: float, t_mul: float = 2.0, m_mul: float = 1.0, alpha: float = 0.0
) -> float:  # the anchor's
    fac = 1.0
    while step >= decay_steps:
        step -= decay_steps
        decay_steps *= t_mul
        fac *= m_mul
    completed_fraction = step / decay_steps
    decay = fac * 0.5 * (1.0 + math.cos(math.pi * completed_fraction))
    return (1.0 - alpha) * decay + alpha


def test_restarts_decay() -> None:
    # keras: CosineDecayRestartsTest.test_decay
    for step in range(0, 1500, 250):
        assert_all_close(CosineDecayRestarts(1.0, 1000)(step), np_cosine_decay_restarts(step, 1000), 1e-6)


def test_restarts_float64() -> None:
    # keras: CosineDecayRestartsTest.test_float64
    for step in range(0, 1500, 250):
        assert_all_close(CosineDecayRestarts(np.float64(1.0), 1000)(step), np_cosine_decay_restarts(step, 1000), 1e-6)


def test_restarts_alpha() -> None:
    # keras: CosineDecayRestartsTest.test_alpha
    for step in range(0, 1500, 250):
        expected = np_cosine_decay_restarts(step, 1000, alpha=0.1)
        assert_all_close(CosineDecayRestarts(1.0, 1000, alpha=0.1)(step), expected, 1e-6)


def test_restarts_mmul() -> None:
    # keras: CosineDecayRestartsTest.test_mmul
    for step in range(0, 1500, 250):
        expected = np_cosine_decay_restarts(step, 1000, m_mul=0.9)
        assert_all_close(CosineDecayRestarts(1.0, 1000, m_mul=0.9)(step), expected, 1e-6)


def test_restarts_tmul() -> None:
    # keras: CosineDecayRestartsTest.test_tmul
    for step in range(0, 1500, 250):
        expected = np_cosine_decay_restarts(step, 1000, t_mul=1.0)
        assert_all_close(CosineDecayRestarts(1.0, 1000, t_mul=1.0)(step), expected, 1e-6)
