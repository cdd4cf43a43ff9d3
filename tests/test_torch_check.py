"""The drift check: ``Scheduler(..., check=True)`` warns once per cause when a group's
value is not what the scheduler last wrote, or when the scheduler and the optimizer
step at different rates."""

from __future__ import annotations

import warnings

import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
from lrdsl.torch import DriftWarning, Scheduler  # noqa: E402

S = lr.linear(0.0, 1e-2, 10) >> lr.cosine(1e-2, 1e-4, 90)


def _optimizer() -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.0)


def test_drift_warning_is_a_user_warning() -> None:
    assert issubclass(DriftWarning, UserWarning)


def test_a_clean_loop_does_not_warn() -> None:
    opt = _optimizer()
    sched = Scheduler(opt, S, check=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(30):
            opt.step()
            sched.step()


def test_a_manual_write_warns_with_the_group_the_values_and_the_cause() -> None:
    opt = _optimizer()
    sched = Scheduler(opt, S, check=True)
    for _ in range(3):
        opt.step()
        sched.step()
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    with pytest.warns(DriftWarning) as record:
        sched.step()
    assert str(record[0].message) == (
        f"Scheduler: param group 0's 'lr' is 0.5, but this Scheduler set it to {S(3)!r} at step 3:"
        " something else wrote it (a second scheduler, or a manual write); this Scheduler overwrites it"
    )
    assert opt.param_groups[0]["lr"] == S(4)


def test_each_cause_warns_once() -> None:
    opt = _optimizer()
    sched = Scheduler(opt, S, check=True)
    with pytest.warns(DriftWarning) as record:
        for _ in range(5):
            opt.param_groups[0]["lr"] = 0.5
            opt.step()
            sched.step()
    assert len(record) == 1


def test_a_second_scheduler_is_caught() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=1.0)  # initial_lr 1.0: LambdaLR sets 0.5
    sched = Scheduler(opt, S, check=True)
    other = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 0.5)
    opt.step()
    other.step()
    with pytest.warns(DriftWarning, match=r"a second scheduler, or a manual write"):
        sched.step()


def test_an_optimizer_loaded_after_the_scheduler_is_caught() -> None:
    opt = _optimizer()
    sched = Scheduler(opt, S, check=True)
    for _ in range(5):
        opt.step()
        sched.step()
    old = _optimizer()
    old.param_groups[0]["lr"] = 0.25
    opt.load_state_dict(old.state_dict())  # replaces the param groups: lr 0.25
    opt.step()
    with pytest.warns(
        DriftWarning,
        match=r"^Scheduler: param group 0's 'lr' is 0\.25, but this Scheduler set it to .* at step 5: the optimizer's"
        r" param groups were replaced \(optimizer\.load_state_dict after the scheduler's\?\); this Scheduler"
        r" overwrites it$",
    ):
        sched.step()


def test_a_scheduler_stepping_faster_than_the_optimizer_is_caught() -> None:
    opt = _optimizer()
    sched = Scheduler(opt, S, check=True)
    opt.step()
    sched.step()
    with pytest.warns(
        DriftWarning,
        match=r"^Scheduler: step\(\) was called 3 times for 2 optimizer steps: the count is off \(a scheduler"
        r" stepped per process, per micro-batch or per epoch, or a step GradScaler skipped\); clock='optimizer'"
        r" counts the optimizer steps that ran$",
    ):
        opt.step()
        sched.step()
        sched.step()


def test_without_check_nothing_warns() -> None:
    opt = _optimizer()
    sched = Scheduler(opt, S)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DriftWarning)
        opt.step()
        opt.param_groups[0]["lr"] = 0.5
        sched.step()
        sched.step()


def test_a_tensor_lr_is_checked_too() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=torch.tensor(0.0, dtype=torch.float64))
    sched = Scheduler(opt, S, check=True)
    opt.step()
    sched.step()
    opt.param_groups[0]["lr"].fill_(0.5)
    opt.step()
    with pytest.warns(DriftWarning, match=r"param group 0's 'lr' is 0\.5"):
        sched.step()


def test_check_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match=r"^Scheduler: check must be True or False, got 'yes'$"):
        Scheduler(_optimizer(), S, check="yes")  # type: ignore[arg-type]


def test_the_optimizer_clock_is_checked_for_writes() -> None:
    opt = _optimizer()
    sched = Scheduler(opt, S, clock="optimizer", check=True)
    opt.step()
    opt.param_groups[0]["lr"] = 0.5
    with pytest.warns(DriftWarning, match=r"something else wrote it"):
        opt.step()
    assert sched.t == 2
    assert opt.param_groups[0]["lr"] == S(2)


def test_a_manual_write_to_one_of_several_groups_names_that_group() -> None:
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(3)]
    opt = torch.optim.SGD([{"params": [p]} for p in params], lr=0.0)
    sched = Scheduler(opt, S, check=True)
    for _ in range(3):
        opt.step()
        sched.step()
    opt.param_groups[1]["lr"] = 0.5
    opt.step()
    with pytest.warns(DriftWarning, match=r"^Scheduler: param group 1's 'lr' is 0\.5, but this Scheduler set it to"):
        sched.step()
    assert [g["lr"] for g in opt.param_groups] == [S(4)] * 3


def test_a_bad_value_with_the_check_is_refused_and_changes_nothing() -> None:
    opt = _optimizer()
    bad = lr.linear(1.0, 0.0, 3) >> (lr.constant(1.0) / lr.linear(1.0, 0.0, 2))  # inf at t = 5
    sched = Scheduler(opt, bad, check=True)
    for _ in range(4):
        opt.step()
        sched.step()
    with pytest.raises(lr.ScheduleError, match=r"^Scheduler\.step: the 'lr' schedule of param group 0 gives inf at step 5"):
        opt.step()
        sched.step()
    assert (sched.t, opt.param_groups[0]["lr"]) == (4, bad(4))
