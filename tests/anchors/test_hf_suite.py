"""Hugging Face's own schedule tests (``tests/optimization/test_optimization.py`` of
``huggingface/transformers``, ``ScheduleInitTest.test_schedulers``), ported through
``lrdsl.compat.hf``.

The anchor loops over its schedule functions in one test; here each is one
case, with the anchor's arguments (``AdamW(lr=10.0)`` becomes ``base_lr=10.0``),
its expected values at its tolerance (``assertAlmostEqual(..., delta=1e-2)``),
and its save-and-reload check: the lrs read through a save and reload of the
scheduler's state halfway equal those of an uninterrupted run, exactly
(``assertListEqual``), with lrdsl's :class:`~lrdsl.torch.Scheduler` read as
the anchor reads Hugging Face's (``scheduler.get_lr()[0]``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from lrdsl.compat.hf import (  # noqa: E402
    get_constant_schedule,
    get_constant_schedule_with_warmup,
    get_cosine_schedule_with_warmup,
    get_cosine_with_hard_restarts_schedule_with_warmup,
    get_inverse_sqrt_schedule,
    get_linear_schedule_with_warmup,
    get_polynomial_decay_schedule_with_warmup,
)
from lrdsl.torch import Scheduler  # noqa: E402

ANCHOR = "hf"
SUITE = "huggingface/transformers tests/optimization/test_optimization.py"

SKIPPED = {
    "OptimizationTest.test_adam_w": "the AdamW optimizer's convergence, no schedule",
    "OptimizationTest.test_adafactor": "the Adafactor optimizer's convergence, no schedule",
}
ELSEWHERE: dict[str, str] = {}

NUM_STEPS = 10
COMMON = {"num_warmup_steps": 2, "num_training_steps": 10}

# The anchor's ``scheds``: function -> (kwargs, expected learning rates).
SCHEDS: dict[str, tuple[Callable[..., Any], dict[str, Any], list[float]]] = {
    "get_constant_schedule": (get_constant_schedule, {}, [10.0] * NUM_STEPS),
    "get_constant_schedule_with_warmup": (
        get_constant_schedule_with_warmup,
        {"num_warmup_steps": 4},
        [0.0, 2.5, 5.0, 7.5, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0],
    ),
    "get_linear_schedule_with_warmup": (
        get_linear_schedule_with_warmup,
        {**COMMON},
        [0.0, 5.0, 10.0, 8.75, 7.5, 6.25, 5.0, 3.75, 2.5, 1.25],
    ),
    "get_cosine_schedule_with_warmup": (
        get_cosine_schedule_with_warmup,
        {**COMMON},
        [0.0, 5.0, 10.0, 9.61, 8.53, 6.91, 5.0, 3.08, 1.46, 0.38],
    ),
    "get_cosine_with_hard_restarts_schedule_with_warmup": (
        get_cosine_with_hard_restarts_schedule_with_warmup,
        {**COMMON, "num_cycles": 2},
        [0.0, 5.0, 10.0, 8.53, 5.0, 1.46, 10.0, 8.53, 5.0, 1.46],
    ),
    "get_polynomial_decay_schedule_with_warmup": (
        get_polynomial_decay_schedule_with_warmup,
        {**COMMON, "power": 2.0, "lr_end": 1e-7},
        [0.0, 5.0, 10.0, 7.656, 5.625, 3.906, 2.5, 1.406, 0.625, 0.156],
    ),
    "get_inverse_sqrt_schedule": (
        get_inverse_sqrt_schedule,
        {"num_warmup_steps": 2},
        [0.0, 5.0, 10.0, 8.165, 7.071, 6.325, 5.774, 5.345, 5.0, 4.714],
    ),
}


def optimizer() -> Any:
    """The anchor's ``AdamW(nn.Linear(50, 50).parameters(), lr=10.0)``."""
    return torch.optim.AdamW(torch.nn.Linear(50, 50).parameters(), lr=10.0)


def unwrap_schedule(scheduler: Scheduler, num_steps: int = 10) -> list[float]:
    lrs = []
    for _ in range(num_steps):
        lrs.append(scheduler.get_lr()[0])
        scheduler.optimizer.step()
        scheduler.step()
    return lrs


def unwrap_and_save_reload_schedule(scheduler: Scheduler, num_steps: int = 10) -> list[float]:
    lrs = []
    for step in range(num_steps):
        lrs.append(scheduler.get_lr()[0])
        scheduler.optimizer.step()
        scheduler.step()
        if step == num_steps // 2:
            with tempfile.TemporaryDirectory() as tmpdirname:
                file_name = os.path.join(tmpdirname, "schedule.bin")
                torch.save(scheduler.state_dict(), file_name)
                state_dict = torch.load(file_name, weights_only=True)
                scheduler.load_state_dict(state_dict)
    return lrs


@pytest.mark.parametrize("name", list(SCHEDS))
def test_schedulers(name: str) -> None:
    # hf: ScheduleInitTest.test_schedulers, for <name>
    scheduler_func, kwargs, expected_learning_rates = SCHEDS[name]
    scheduler = Scheduler(optimizer(), scheduler_func(10.0, **kwargs))
    assert len([scheduler.get_lr()[0]]) == 1
    lrs_1 = unwrap_schedule(scheduler, NUM_STEPS)
    assert len(lrs_1) == len(expected_learning_rates)
    for a, b in zip(lrs_1, expected_learning_rates):
        assert abs(a - b) <= 1e-2, f"failed for {name} in normal scheduler: {lrs_1}"

    scheduler = Scheduler(optimizer(), scheduler_func(10.0, **kwargs))
    lrs_2 = unwrap_and_save_reload_schedule(scheduler, NUM_STEPS)
    assert lrs_1 == lrs_2, f"failed for {name} in save and reload"
