"""timm's own plateau tests (``tests/test_scheduler.py``), ported to
``lrdsl.compat.timm.PlateauLRScheduler``.

timm's ``_create_optimizer()``: SGD, one param group, lr 0.1.

- ``TestSchedulerBasics.test_plateau_scheduler_step`` steps ``step(epoch,
  metric=1.0)`` for epochs 0 to 9 and asserts nothing. Its port compares the lr
  with timm's after each step, from epoch 1: timm's ``step(0)`` without warmup
  runs its warmup formula at epoch 0 and sets the lr to ``warmup_lr_init`` (0),
  which the plateau then never raises, a quirk timm's own training loop never
  meets (it steps ``epoch + 1``); lrdsl's epoch 0 is the lr the constructor sets.
- ``TestStateDict.test_plateau_state_dict_save_load``: the state after five
  steps, saved and loaded.

Not ported: ``TestSchedulerBasics.test_scheduler_init[PlateauLRScheduler]``
(construction only, no lr value).
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from lrdsl.compat import timm as cm

from .anchors import same, timm_plateau_scheduler

torch = pytest.importorskip("torch")


def timm_scheduler(**kwargs: Any) -> tuple[Any, Any]:
    p = torch.nn.Parameter(torch.randn(10, 5))
    opt = torch.optim.SGD([{"params": [p], "lr": 0.1}], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # timm deprecates its plateau scheduler
        return timm_plateau_scheduler()(opt, **kwargs), opt


def test_plateau_scheduler_step() -> None:
    """Ports TestSchedulerBasics.test_plateau_scheduler_step (from epoch 1, see above):
    the same metric every epoch, mode max, patience 2, decay 0.5."""
    theirs, opt = timm_scheduler(patience_t=2, decay_rate=0.5)
    ours = cm.PlateauLRScheduler(0.1, patience_t=2, decay_rate=0.5)
    state = ours.init()
    for epoch in range(1, 10):
        theirs.step(epoch, metric=1.0)
        state = ours.update(state, 1.0, epoch)
        assert ours(epoch, state) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12, abs=0), epoch
    assert ours(9, state) < 0.1  # the plateau did reduce


def test_plateau_state_dict_save_load() -> None:
    """Ports TestStateDict.test_plateau_state_dict_save_load: after five steps (epochs 0 to
    4, metric 1.0) the state is timm's (its best), and it is restored as it was saved."""
    theirs, _ = timm_scheduler()
    ours = cm.PlateauLRScheduler(0.1)
    state = ours.init()
    for epoch in range(5):
        theirs.step(epoch, metric=1.0)
        state = ours.update(state, 1.0, epoch)
    assert same(state["best"], theirs.state_dict()["best"])
    saved = json.loads(json.dumps(ours.plateau.state_to_dict(state), allow_nan=False))
    assert ours.plateau.state_from_dict(saved) == state
