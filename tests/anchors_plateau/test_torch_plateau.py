"""PyTorch's own ``ReduceLROnPlateau`` tests (``test/optim/test_lrscheduler.py``,
``TestLRScheduler``), ported to lrdsl's pure state machine through
``lrdsl.compat.torch.ReduceLROnPlateau``, at their tolerance (``atol=1e-5,
rtol=0``).

The anchor's optimizer has two param groups, both set to lr 0.5; its
``_test_reduce_lr_on_plateau`` steps the plateau with one metric per epoch
and then compares ``zip(param_groups, targets)``: only as many groups as
there are target lists. Here each group is a ``PlateauSchedule`` whose lr
after a metric is ``ps(t, state)``.

PyTorch's ``test_compound_reduce_lr_on_plateau1`` to ``5`` compare nothing:
each sets ``targets = targets[1:]`` on a one-element list, so
``zip(param_groups, [])`` is empty and the tests pass whatever the lr. Their
ports compare lrdsl with what PyTorch actually does in the same scenario
(the plateau, then the other scheduler, stepped on one optimizer).

The cases that need an optimizer driven by ``lrdsl.torch.Scheduler`` are in
``test_torch_plateau_scheduler.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lrdsl.compat import torch as ct
from lrdsl.plateau import from_dict

from .anchors import replay, same, torch_lrs

torch = pytest.importorskip("torch")
L = torch.optim.lr_scheduler

ATOL = 1e-5  # the anchor's assertEqual(..., atol=1e-5, rtol=0)


def run_plateau(
    kwargs: dict[str, Any], metrics: list[float], epochs: int, groups: int = 2
) -> list[list[float]]:
    """The lr of each group after each of the first ``epochs`` metrics (each group at 0.5)."""
    schedules = ct.ReduceLROnPlateau([0.5] * groups, **kwargs)
    states = [ps.init() for ps in schedules]
    out = []
    for epoch in range(epochs):
        states = [ps.update(s, metrics[epoch], 0) for ps, s in zip(schedules, states)]
        out.append([ps(0, s) for ps, s in zip(schedules, states)])
    return out


def check(lrs: list[list[float]], targets: list[list[float]]) -> None:
    """The anchor's check: group ``g`` against ``targets[g]``, for the groups ``zip`` pairs."""
    for epoch, row in enumerate(lrs):
        for got, target in zip(row, targets):
            assert got == pytest.approx(target[epoch], abs=ATOL, rel=0), f"epoch {epoch}"


def test_reduce_lr_on_plateau1() -> None:
    """Ports test_reduce_lr_on_plateau1: an abs threshold the metric beats every epoch."""
    metrics = [10 - i * 0.0167 for i in range(20)]
    kwargs = {"threshold_mode": "abs", "mode": "min", "threshold": 0.01, "patience": 5, "cooldown": 5}
    check(run_plateau(kwargs, metrics, 10), [[0.5] * 20])


def test_reduce_lr_on_plateau2() -> None:
    """Ports test_reduce_lr_on_plateau2: an abs threshold the metric never beats, no cooldown."""
    metrics = [10 - i * 0.0165 for i in range(22)]
    kwargs = {"patience": 5, "cooldown": 0, "threshold_mode": "abs", "mode": "min", "threshold": 0.1}
    check(run_plateau(kwargs, metrics, 22), [[0.5] * 6 + [0.05] * 7 + [0.005] * 7 + [0.0005] * 2])


def test_reduce_lr_on_plateau3() -> None:
    """Ports test_reduce_lr_on_plateau3: mode max on negative metrics, with cooldown."""
    metrics = [-0.8] * 2 + [-0.234] * 20
    kwargs = {"mode": "max", "patience": 5, "cooldown": 5, "threshold_mode": "abs"}
    check(run_plateau(kwargs, metrics, 22), [[0.5] * (2 + 6) + [0.05] * (5 + 6) + [0.005] * 4])


def test_reduce_lr_on_plateau4() -> None:
    """Ports test_reduce_lr_on_plateau4: a rel threshold beaten every fourth epoch, patience 3."""
    metrics = [1.5 * (1.025**i) for i in range(20)]
    kwargs = {"mode": "max", "patience": 3, "threshold_mode": "rel", "threshold": 0.1}
    check(run_plateau(kwargs, metrics, 20), [[0.5] * 20])


def test_reduce_lr_on_plateau5() -> None:
    """Ports test_reduce_lr_on_plateau5: mode max, rel threshold not beaten, with cooldown."""
    metrics = [1.5 * (1.005**i) for i in range(20)]
    kwargs = {"mode": "max", "threshold_mode": "rel", "threshold": 0.1, "patience": 5, "cooldown": 5}
    check(run_plateau(kwargs, metrics, 20), [[0.5] * 6 + [0.05] * (5 + 6) + [0.005] * 4])


def test_reduce_lr_on_plateau6() -> None:
    """Ports test_reduce_lr_on_plateau6: mode min, a metric falling faster than the rel threshold."""
    metrics = [1.5 * (0.85**i) for i in range(20)]
    check(run_plateau({"mode": "min", "threshold_mode": "rel", "threshold": 0.1}, metrics, 20), [[0.5] * 20])


def test_reduce_lr_on_plateau7() -> None:
    """Ports test_reduce_lr_on_plateau7: an improvement during the cooldown."""
    metrics = [1] * 7 + [0.6] + [0.5] * 12
    kwargs = {"mode": "min", "threshold_mode": "rel", "threshold": 0.1, "patience": 5, "cooldown": 5}
    check(run_plateau(kwargs, metrics, 20), [[0.5] * 6 + [0.05] * (5 + 6) + [0.005] * 4])


def test_reduce_lr_on_plateau8() -> None:
    """Ports test_reduce_lr_on_plateau8: a min_lr per param group."""
    metrics = [1.5 * (1.005**i) for i in range(20)]
    kwargs = {
        "mode": "max",
        "threshold_mode": "rel",
        "min_lr": [0.4, 0.3],
        "threshold": 0.1,
        "patience": 5,
        "cooldown": 5,
    }
    check(run_plateau(kwargs, metrics, 20), [[0.5] * 6 + [0.4] * 14, [0.5] * 6 + [0.3] * 14])


def test_reduce_lr_on_plateau_get_last_lr_before_step() -> None:
    """Ports test_reduce_lr_on_plateau_get_last_lr_before_step: before any metric, the lr
    of every group is the optimizer's."""
    schedules = ct.ReduceLROnPlateau([0.5, 0.5])
    assert [ps(0, ps.init()) for ps in schedules] == [0.5, 0.5]


def test_reduce_lr_on_plateau_state_dict() -> None:
    """Ports test_reduce_lr_on_plateau_state_dict: after these scores, the state saved and
    loaded (with the rule) is the state, and it is PyTorch's (best, num_bad_epochs,
    cooldown_counter)."""
    scores = [1.0, 2.0, 3.0, 4.0, 3.0, 4.0, 5.0, 3.0, 2.0, 1.0]
    ps = ct.ReduceLROnPlateau(0.05, mode="min", factor=0.1, patience=2)
    _, state = replay(ps, scores)
    _, theirs = torch_lrs([0.05], {"mode": "min", "factor": 0.1, "patience": 2}, scores)
    assert same(state["best"], theirs.best)
    assert (state["num_bad_epochs"], state["cooldown_counter"]) == (
        theirs.num_bad_epochs,
        theirs.cooldown_counter,
    )
    copy = from_dict(ps.to_dict())
    assert copy == ps
    assert copy.plateau.state_from_dict(ps.plateau.state_to_dict(state)) == state


# The compound cases: (name, base lr, metrics, epochs, plateau kwargs, PyTorch's other
# scheduler, its lrdsl closed form from the base lr).
COMPOUND: list[
    tuple[str, float, list[float], int, dict[str, Any], Callable[..., Any], Callable[[float], Any]]
] = [
    (
        "test_compound_reduce_lr_on_plateau1",
        0.5,
        [10 - i * 0.0167 for i in range(20)],
        10,
        {"threshold_mode": "abs", "mode": "min", "threshold": 0.01, "patience": 5, "cooldown": 5},
        lambda opt: L.StepLR(opt, gamma=0.1, step_size=3),
        lambda b: ct.StepLR(b, 3, 0.1),
    ),
    (
        "test_compound_reduce_lr_on_plateau2",
        0.5,
        [10 - i * 0.0165 for i in range(22)],
        22,
        {"patience": 5, "cooldown": 0, "threshold_mode": "abs", "mode": "min", "threshold": 0.1},
        lambda opt: L.MultiStepLR(opt, gamma=0.1, milestones=[3, 8, 12]),
        lambda b: ct.MultiStepLR(b, [3, 8, 12], 0.1),
    ),
    (
        "test_compound_reduce_lr_on_plateau3",
        0.5,
        [-0.8] * 2 + [-0.234] * 20,
        22,
        {"mode": "max", "patience": 5, "cooldown": 5, "threshold_mode": "abs"},
        lambda opt: L.ExponentialLR(opt, gamma=0.1),
        lambda b: ct.ExponentialLR(b, 0.1),
    ),
    (
        "test_compound_reduce_lr_on_plateau4",
        0.05,
        [1.5 * (1.025**i) for i in range(20)],
        10,
        {"mode": "max", "patience": 3, "threshold_mode": "rel", "threshold": 0.1},
        lambda opt: L.CosineAnnealingLR(opt, 10, 1e-10),
        lambda b: ct.CosineAnnealingLR(b, 10, 1e-10),
    ),
    (
        "test_compound_reduce_lr_on_plateau5",
        0.5,
        [10 - i * 0.0165 for i in range(22)],
        22,
        {"patience": 5, "cooldown": 0, "threshold_mode": "abs", "mode": "min", "threshold": 0.1},
        lambda opt: L.LinearLR(opt, start_factor=0.4, total_iters=4),
        lambda b: ct.LinearLR(b, start_factor=0.4, total_iters=4),
    ),
]


@pytest.mark.parametrize("case", COMPOUND, ids=lambda c: c[0])
def test_compound_reduce_lr_on_plateau(case: Any) -> None:
    """Ports test_compound_reduce_lr_on_plateau1 to 5: ReduceLROnPlateau and another
    scheduler stepping one optimizer (both groups) are the other's schedule times the
    plateau, the plateau seeing each metric at the lr of that epoch."""
    _, base, metrics, epochs, kwargs, theirs, ours = case
    expected, _ = torch_lrs([base, base], kwargs, metrics[:epochs], other=theirs)
    lrs, _ = replay(ct.ReduceLROnPlateau(ours(base), **kwargs), metrics[:epochs])
    for epoch, (got, row) in enumerate(zip(lrs, expected)):
        for g in range(2):
            assert got == pytest.approx(row[g], abs=ATOL, rel=0), (epoch, g)
