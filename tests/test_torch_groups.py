"""Many param groups, long runs: each distinct schedule is evaluated once per step,
and resuming far out costs one evaluation per schedule (no loop over steps)."""

from __future__ import annotations

import io

import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
from lrdsl.torch import Scheduler  # noqa: E402

calls: list[object] = []


@lr.register("test_groups_counted")
def _counted(t: object) -> float:
    calls.append(t)
    return 1.0


N_GROUPS, N_SCHEDULES = 465, 28
#: 28 distinct schedules, each calling the counted function once per evaluation.
DISTINCT = [lr.lambda_(_counted) * lr.cosine(1e-3 * (i + 1), 0.0, 1000) for i in range(N_SCHEDULES)]


def _optimizer() -> torch.optim.Optimizer:
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))]} for _ in range(N_GROUPS)]
    return torch.optim.SGD(groups, lr=0.1)


def _per_group() -> list[lr.Schedule]:
    return [DISTINCT[g % N_SCHEDULES] for g in range(N_GROUPS)]


def test_a_step_evaluates_each_distinct_schedule_once() -> None:
    sched = Scheduler(_optimizer(), _per_group())
    for t in range(1, 4):  # the first step goes through PyTorch's LRScheduler.step, the others do not
        calls.clear()
        sched.step()
        assert calls == [t] * N_SCHEDULES


def test_every_group_gets_its_own_schedule() -> None:
    opt = _optimizer()
    sched = Scheduler(opt, _per_group())
    for _ in range(7):
        sched.step()
    assert [g["lr"] for g in opt.param_groups] == [DISTINCT[g % N_SCHEDULES](7) for g in range(N_GROUPS)]


def test_resuming_far_out_by_last_epoch_evaluates_each_schedule_once() -> None:
    opt = _optimizer()
    for g in opt.param_groups:
        g["initial_lr"] = 0.1
    calls.clear()
    sched = Scheduler(opt, _per_group(), last_epoch=10**7)
    assert sched.last_epoch == 10**7 + 1
    assert calls == [10**7 + 1] * N_SCHEDULES


def test_loading_a_checkpoint_far_out_evaluates_each_schedule_once() -> None:
    opt = _optimizer()
    sched = Scheduler(opt, _per_group())
    state = {**sched.state_dict(), "last_epoch": 10**7, "step_count": 10**7 + 1}
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)
    calls.clear()
    sched.load_state_dict(state)
    assert calls == [10**7] * N_SCHEDULES
    assert opt.param_groups[5]["lr"] == DISTINCT[5](10**7)


def test_rebuilding_from_a_checkpoint_far_out_evaluates_each_schedule_once() -> None:
    state = {**Scheduler(_optimizer(), _per_group()).state_dict(), "last_epoch": 10**7, "step_count": 10**7 + 1}
    calls.clear()
    Scheduler.from_state_dict(_optimizer(), state)
    assert calls == [10**7] * N_SCHEDULES
