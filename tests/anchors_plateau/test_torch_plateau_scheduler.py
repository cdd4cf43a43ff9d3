"""PyTorch's ``ReduceLROnPlateau`` tests (``test/optim/test_lrscheduler.py``) that need an
optimizer driven by ``lrdsl.torch.Scheduler``: ported to the API of round two of
issue 11, which these tests specify.

**They fail until round two lands** (``Scheduler`` does not take a
``PlateauSchedule`` yet): the API they use is

- ``Scheduler(optimizer, schedule)`` where ``schedule`` (one for every group, a
  list with one per group, or the ``"lr"`` entry of a dict) may be a
  :class:`lrdsl.plateau.PlateauSchedule` (``compat.torch.ReduceLROnPlateau(...)``,
  ``s * lr.on_plateau(...)``);
- ``Scheduler.step(metrics)``: each group's plateau state takes the metric at the
  current step ``t`` (the lr in effect), then ``t`` advances, as PyTorch's
  ``ReduceLROnPlateau.step(metrics)`` followed by any other scheduler's ``step()``;
- ``state_dict()`` holds the plateau states as plain data (``torch.load(...,
  weights_only=True)`` reads it), restored by ``load_state_dict`` and
  ``Scheduler.from_state_dict``; lrs keep their type (a tensor lr is updated in
  place).

The anchor's optimizer (``setUp``): an SGD over two conv layers' parameters, the
second group with ``lr=torch.tensor(0.5)``; the plateau tests set both lrs to
0.5 (floats) first. Tolerance: ``atol=1e-5, rtol=0``.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from lrdsl.compat import torch as ct

from .anchors import torch_lrs
from .test_torch_plateau import ATOL, COMPOUND

torch = pytest.importorskip("torch")
from lrdsl.torch import Scheduler  # noqa: E402


def optimizer(lrs: tuple[Any, Any] = (0.5, 0.5)) -> Any:
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 1), torch.nn.Conv2d(1, 1, 1))
    return torch.optim.SGD(
        [{"params": net[0].parameters(), "lr": lrs[0]}, {"params": net[1].parameters(), "lr": lrs[1]}],
        lr=0.05,
    )


def run(sched: Any, opt: Any, metrics: list[float], epochs: int, targets: list[list[float]]) -> None:
    """The anchor's _test_reduce_lr_on_plateau: step with each metric, then compare the groups
    ``zip`` pairs with the targets."""
    for epoch in range(epochs):
        opt.step()
        sched.step(metrics[epoch])
        for group, target in zip(opt.param_groups, targets):
            assert group["lr"] == pytest.approx(target[epoch], abs=ATOL, rel=0), f"epoch {epoch}"


PLATEAU_CASES = [
    (
        "test_reduce_lr_on_plateau1",
        [10 - i * 0.0167 for i in range(20)],
        10,
        {"threshold_mode": "abs", "mode": "min", "threshold": 0.01, "patience": 5, "cooldown": 5},
        [[0.5] * 20],
    ),
    (
        "test_reduce_lr_on_plateau2",
        [10 - i * 0.0165 for i in range(22)],
        22,
        {"patience": 5, "cooldown": 0, "threshold_mode": "abs", "mode": "min", "threshold": 0.1},
        [[0.5] * 6 + [0.05] * 7 + [0.005] * 7 + [0.0005] * 2],
    ),
    (
        "test_reduce_lr_on_plateau3",
        [-0.8] * 2 + [-0.234] * 20,
        22,
        {"mode": "max", "patience": 5, "cooldown": 5, "threshold_mode": "abs"},
        [[0.5] * (2 + 6) + [0.05] * (5 + 6) + [0.005] * 4],
    ),
    (
        "test_reduce_lr_on_plateau4",
        [1.5 * (1.025**i) for i in range(20)],
        20,
        {"mode": "max", "patience": 3, "threshold_mode": "rel", "threshold": 0.1},
        [[0.5] * 20],
    ),
    (
        "test_reduce_lr_on_plateau5",
        [1.5 * (1.005**i) for i in range(20)],
        20,
        {"mode": "max", "threshold_mode": "rel", "threshold": 0.1, "patience": 5, "cooldown": 5},
        [[0.5] * 6 + [0.05] * (5 + 6) + [0.005] * 4],
    ),
    (
        "test_reduce_lr_on_plateau6",
        [1.5 * (0.85**i) for i in range(20)],
        20,
        {"mode": "min", "threshold_mode": "rel", "threshold": 0.1},
        [[0.5] * 20],
    ),
    (
        "test_reduce_lr_on_plateau7",
        [1] * 7 + [0.6] + [0.5] * 12,
        20,
        {"mode": "min", "threshold_mode": "rel", "threshold": 0.1, "patience": 5, "cooldown": 5},
        [[0.5] * 6 + [0.05] * (5 + 6) + [0.005] * 4],
    ),
    (
        "test_reduce_lr_on_plateau8",
        [1.5 * (1.005**i) for i in range(20)],
        20,
        {
            "mode": "max",
            "threshold_mode": "rel",
            "min_lr": [0.4, 0.3],
            "threshold": 0.1,
            "patience": 5,
            "cooldown": 5,
        },
        [[0.5] * 6 + [0.4] * 14, [0.5] * 6 + [0.3] * 14],
    ),
]


@pytest.mark.parametrize("case", PLATEAU_CASES, ids=lambda c: c[0])
def test_reduce_lr_on_plateau_through_scheduler(case: Any) -> None:
    """Ports test_reduce_lr_on_plateau1 to 8, with the optimizer driven by a Scheduler."""
    _, metrics, epochs, kwargs, targets = case
    opt = optimizer()
    run(Scheduler(opt, ct.ReduceLROnPlateau([0.5, 0.5], **kwargs)), opt, metrics, epochs, targets)


def test_reduce_lr_on_plateau_get_last_lr_before_step() -> None:
    """Ports test_reduce_lr_on_plateau_get_last_lr_before_step."""
    sched = Scheduler(optimizer(), ct.ReduceLROnPlateau([0.5, 0.5]))
    assert sched.get_last_lr() == [0.5, 0.5]


def test_reduce_lr_on_plateau_preserves_lr_type() -> None:
    """Ports test_reduce_lr_on_plateau_preserves_lr_type: a float lr stays a float, a tensor
    lr a tensor, through a reduction."""
    opt = optimizer((0.05, torch.tensor(0.5)))
    types = [type(g["lr"]) for g in opt.param_groups]
    sched = Scheduler(opt, ct.ReduceLROnPlateau([0.05, 0.5], mode="min", patience=0))
    sched.step(1.0)
    sched.step(2.0)  # a reduction
    assert [type(g["lr"]) for g in opt.param_groups] == types
    assert [float(g["lr"]) for g in opt.param_groups] == pytest.approx([0.005, 0.05], abs=ATOL, rel=0)


@pytest.mark.parametrize("case", COMPOUND, ids=lambda c: c[0])
def test_compound_reduce_lr_on_plateau_through_scheduler(case: Any) -> None:
    """Ports test_compound_reduce_lr_on_plateau1 to 5 (which compare nothing in PyTorch, see
    test_torch_plateau.py): one Scheduler driving the other's schedule times the plateau
    equals PyTorch stepping both."""
    _, base, metrics, epochs, kwargs, theirs, ours = case
    expected, _ = torch_lrs([base, base], kwargs, metrics[:epochs], other=theirs)
    opt = optimizer((base, base))
    run(
        Scheduler(opt, ct.ReduceLROnPlateau(ours(base), **kwargs)),
        opt,
        metrics,
        epochs,
        [list(c) for c in zip(*expected)],
    )


def test_reduce_lr_on_plateau_state_dict() -> None:
    """Ports test_reduce_lr_on_plateau_state_dict: after these scores, a scheduler rebuilt
    from the state dict has the same state (lrdsl refuses to load a checkpoint into a
    scheduler built differently, where PyTorch overwrites its settings; from_state_dict
    takes the checkpoint's)."""
    opt = optimizer()
    sched = Scheduler(opt, ct.ReduceLROnPlateau([0.5, 0.5], mode="min", factor=0.1, patience=2))
    for score in [1.0, 2.0, 3.0, 4.0, 3.0, 4.0, 5.0, 3.0, 2.0, 1.0]:
        sched.step(score)
    state = sched.state_dict()
    json.dumps(state, allow_nan=False)  # plain, strict data
    copy = Scheduler.from_state_dict(optimizer(), state)
    assert copy.state_dict() == state
    assert copy.get_last_lr() == sched.get_last_lr()


@pytest.mark.parametrize("weights_only", [True, False])
def test_lr_scheduler_state_dict_load(weights_only: bool) -> None:
    """Ports test_lr_scheduler_state_dict_load[ReduceLROnPlateau-weights_only]."""
    opt = optimizer()
    schedule = ct.ReduceLROnPlateau([0.5, 0.5])
    state = Scheduler(opt, schedule).state_dict()
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=weights_only)
    assert loaded == state
    again = Scheduler(opt, schedule)
    again.load_state_dict(loaded)
    assert again.state_dict() == state


@pytest.mark.parametrize("min_lr", ["scalar", "list"])
def test_add_param_group_does_not_break_reduce_lr_on_plateau(min_lr: str) -> None:
    """Ports test_add_param_group_does_not_break_reduce_lr_on_plateau: a param group added
    at epoch 8 leaves the first group's lr as it would be."""
    metrics = [1] * 7 + [0.6] + [0.5] * 12
    targets = [[0.5] * 6 + [0.05] * (5 + 6) + [0.005] * 4]
    opt = optimizer()
    floors: Any = 0 if min_lr == "scalar" else [1e-5, 1e-4]
    kwargs = {"mode": "min", "threshold_mode": "rel", "threshold": 0.1, "patience": 5, "cooldown": 5}
    sched = Scheduler(opt, ct.ReduceLROnPlateau([0.5, 0.5], min_lr=floors, **kwargs))
    for epoch in range(20):
        if epoch == 8:
            opt.add_param_group({"params": [torch.nn.Parameter(torch.rand(2, 3))], "lr": 0.05})
        opt.step()
        sched.step(metrics[epoch])
        for group, target in zip(opt.param_groups, targets):
            assert group["lr"] == pytest.approx(target[epoch], abs=ATOL, rel=0), f"epoch {epoch}"


def test_lr_scheduler_checkpoint_on_plateau() -> None:
    """Ports test_lr_scheduler_checkpoint_on_plateau: a scheduler built on an optimizer
    restored from a checkpoint reports that optimizer's lr."""
    model = torch.nn.Linear(3, 3)
    optim = torch.optim.AdamW(model.parameters())
    sched = Scheduler(optim, ct.ReduceLROnPlateau(1e-3, mode="min"))
    optim.step()
    sched.step(1)
    optim2 = torch.optim.AdamW(model.parameters())
    optim2.load_state_dict(optim.state_dict())
    sched2 = Scheduler(optim2, ct.ReduceLROnPlateau(1e-3, mode="min"))
    assert sched2.get_last_lr()[0] == optim.param_groups[0]["lr"]
