"""``lrdsl.torch.Scheduler`` driving plateau schedules (``s * lr.on_plateau(...)``): real
training against PyTorch's ``ReduceLROnPlateau`` (alone, and after a warmup and a cosine),
``observe``, checkpoints (version 2, version 1 still read), ``from_scheduler`` and
``plateau_state`` of a live PyTorch plateau, the optimizer clock and the drift check with
plateaus, and the refusals."""

from __future__ import annotations

import copy
import math
import pickle
import warnings
from typing import Any

import pytest

import lrdsl as lr
from lrdsl.compat import torch as ct

torch = pytest.importorskip("torch")
from lrdsl.torch import DriftWarning, Scheduler, from_scheduler, plateau_state  # noqa: E402

L = torch.optim.lr_scheduler
RTOL = 1e-12


# ----------------------------------------------------------------------------
# Real training: a linear model fitted by SGD, a validation loss as the metric.


def _data() -> tuple[Any, ...]:
    g = torch.Generator().manual_seed(0)
    w = torch.randn(4, 1, generator=g, dtype=torch.float64)
    x, xv = (torch.randn(n, 4, generator=g, dtype=torch.float64) for n in (64, 32))
    y = x @ w + 0.3 * torch.randn(64, 1, generator=g, dtype=torch.float64)
    yv = xv @ w + 0.3 * torch.randn(32, 1, generator=g, dtype=torch.float64)
    return x, y, xv, yv


def _train(make: Any, epochs: int) -> tuple[list[float], list[float], Any]:
    """Train a fresh model for ``epochs`` epochs; ``make(opt)`` returns ``step(val_loss)``.
    Returns the lr of every epoch, the validation losses and the final weights."""
    torch.manual_seed(1)
    model = torch.nn.Linear(4, 1).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    step = make(opt)
    x, y, xv, yv = _data()
    lrs, losses = [], []
    for _ in range(epochs):
        lrs.append(float(opt.param_groups[0]["lr"]))
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
        with torch.no_grad():
            val = float(torch.nn.functional.mse_loss(model(xv), yv))
        losses.append(val)
        step(val)
    return lrs, losses, model.weight.detach().clone()


PLATEAU = {"patience": 1, "threshold": 0.05, "factor": 0.5}


def _pytorch_plateau(opt: Any) -> Any:
    plateau = L.ReduceLROnPlateau(opt, **PLATEAU)
    return plateau.step


def _lrdsl_plateau(opt: Any) -> Any:
    return Scheduler(opt, ct.ReduceLROnPlateau(0.1, **PLATEAU)).step


def test_training_with_a_plateau_alone_follows_pytorchs_reduce_lr_on_plateau() -> None:
    theirs, their_losses, their_w = _train(_pytorch_plateau, 40)
    ours, our_losses, our_w = _train(_lrdsl_plateau, 40)
    assert ours == pytest.approx(theirs, rel=RTOL, abs=0)
    assert our_losses == pytest.approx(their_losses, rel=1e-9)
    assert len(set(theirs)) >= 3  # the plateau did reduce the lr, more than once
    torch.testing.assert_close(our_w, their_w, rtol=1e-9, atol=0)


W, T = 5, 35


def _pytorch_warmup_cosine_plateau(opt: Any) -> Any:
    warm = L.LinearLR(opt, start_factor=0.2, total_iters=W)
    cos = L.CosineAnnealingLR(opt, T_max=T)
    seq = L.SequentialLR(opt, [warm, cos], milestones=[W])
    plateau = L.ReduceLROnPlateau(opt, **PLATEAU)

    def step(val: float) -> None:
        plateau.step(val)  # PyTorch's order: the plateau on the lr in effect, then the schedule
        seq.step()

    return step


def _lrdsl_warmup_cosine_plateau(opt: Any) -> Any:
    schedule = lr.warmup(lr.cosine(0.1, 0.0, T), W, start=0.02) * lr.on_plateau(**PLATEAU)
    return Scheduler(opt, schedule).step


def test_training_with_warmup_cosine_times_a_plateau_follows_sequentiallr_and_reduce_lr_on_plateau() -> None:
    theirs, their_losses, _ = _train(_pytorch_warmup_cosine_plateau, W + T - 1)
    ours, our_losses, _ = _train(_lrdsl_warmup_cosine_plateau, W + T - 1)
    assert ours == pytest.approx(theirs, rel=RTOL, abs=1e-17)
    assert our_losses == pytest.approx(their_losses, rel=1e-9)
    plain = lr.warmup(lr.cosine(0.1, 0.0, T), W, start=0.02)
    reduced = [t for t, v in enumerate(theirs) if v < plain(t) * (1 - 1e-9)]
    assert reduced and reduced[0] > W  # reductions happened, after the warmup


# ----------------------------------------------------------------------------
# Stepping.


def _sgd(*lrs: float) -> Any:
    params = [torch.nn.Parameter(torch.ones(2, dtype=torch.float64)) for _ in lrs]
    return torch.optim.SGD([{"params": [p], "lr": v} for p, v in zip(params, lrs)], momentum=0.9)


def test_step_without_a_metric_advances_time_and_leaves_the_plateau() -> None:
    opt = _sgd(1.0)
    sched = Scheduler(opt, lr.linear(1.0, 0.0, 10) * lr.on_plateau(patience=0, factor=0.5))
    sched.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.8
    assert sched.state_dict()["plateau_states"] == {
        "lr": [{"scale": 1.0, "best": "inf", "num_bad_epochs": 0, "cooldown_counter": 0}]
    }


def test_observe_feeds_the_metric_at_the_current_step_without_advancing() -> None:
    opt = _sgd(1.0)
    sched = Scheduler(opt, lr.linear(1.0, 0.0, 10) * lr.on_plateau(patience=0, factor=0.5))
    sched.step()
    sched.observe(1.0)
    sched.observe(2.0)  # worse: patience 0, so the lr in effect (0.9) is halved now
    assert sched.last_epoch == 1
    assert opt.param_groups[0]["lr"] == 0.9 * 0.5
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.8 * 0.5


def test_a_tensor_metric_is_read_as_its_number() -> None:
    opt = _sgd(1.0)
    sched = Scheduler(opt, 1.0 * lr.on_plateau(patience=0, factor=0.5))
    sched.step(torch.tensor(1.0))
    sched.step(torch.tensor(2.0))
    assert opt.param_groups[0]["lr"] == 0.5


def test_relative_multiplies_each_groups_base_lr_and_its_floor_sees_that_lr() -> None:
    opt = _sgd(0.2, 0.02)
    sched = Scheduler(opt, lr.constant(1.0) * lr.on_plateau(patience=0, factor=0.1, min_lr=0.01), relative=True)
    sched.step(1.0)
    sched.step(2.0)
    # 0.2 -> 0.02; 0.02 -> max(0.002, min_lr) = 0.01
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.02, 0.01], rel=RTOL)


def test_a_bad_metric_is_refused_and_changes_nothing() -> None:
    opt = _sgd(1.0)
    sched = Scheduler(opt, 1.0 * lr.on_plateau())
    before = (sched.state_dict(), opt.param_groups[0]["lr"])
    with pytest.raises(TypeError, match=r"^Scheduler\.step: metric must be a number, got str 'loss'"):
        sched.step("loss")
    assert (sched.state_dict(), opt.param_groups[0]["lr"]) == before


def test_a_metric_to_a_scheduler_without_plateau_and_an_epoch_is_a_type_error() -> None:
    sched = Scheduler(_sgd(1.0), lr.constant(1.0))
    with pytest.raises(TypeError, match=r"^Scheduler\.step: got a metric and an epoch, but this Scheduler follows no"):
        sched.step(0.5, 3)


def test_observe_without_a_plateau_is_refused() -> None:
    sched = Scheduler(_sgd(1.0), lr.constant(1.0))
    with pytest.raises(lr.ScheduleError, match=r"^Scheduler\.observe: this Scheduler follows no plateau"):
        sched.observe(1.0)


def test_only_the_lr_may_follow_a_plateau() -> None:
    with pytest.raises(lr.ScheduleError, match=r"^Scheduler: the 'momentum' schedule follows a plateau .*only the 'lr' may"):
        Scheduler(_sgd(1.0), {"momentum": 0.9 * lr.on_plateau()})


def test_a_plateau_alone_is_a_type_error_naming_the_fix() -> None:
    with pytest.raises(TypeError, match=r"^Scheduler: the 'lr' schedule is a plateau alone .*base_lr \* plateau"):
        Scheduler(_sgd(1.0), lr.on_plateau())  # type: ignore[arg-type]


# ----------------------------------------------------------------------------
# Checkpoints and copies.


def _stepped() -> tuple[Any, Any]:
    opt = _sgd(0.5, 0.25)
    sched = Scheduler(opt, ct.ReduceLROnPlateau([0.5, 0.25], patience=1, factor=0.5))
    for m in [3.0, 2.0, 2.0, 2.0, 2.0, 1.0]:
        sched.step(m)
    return opt, sched


def test_the_state_dict_holds_the_plateau_states_as_strict_json() -> None:
    _, sched = _stepped()
    state = sched.state_dict()
    assert state["version"] == 2
    assert state["plateau_states"]["lr"] == [
        {"scale": 0.5, "best": 1.0, "num_bad_epochs": 0, "cooldown_counter": 0},
        {"scale": 0.5, "best": 1.0, "num_bad_epochs": 0, "cooldown_counter": 0},
    ]


def test_from_state_dict_resumes_the_plateau_exactly() -> None:
    opt, sched = _stepped()
    copy_opt = _sgd(0.5, 0.25)
    resumed = Scheduler.from_state_dict(copy_opt, sched.state_dict())
    for m in [1.0, 1.0, 1.0, 0.1]:
        sched.step(m)
        resumed.step(m)
        assert [g["lr"] for g in copy_opt.param_groups] == [g["lr"] for g in opt.param_groups]


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copy_keeps_the_plateau_state(how: str) -> None:
    opt, sched = _stepped()
    twin = pickle.loads(pickle.dumps(sched)) if how == "pickle" else copy.deepcopy(sched)
    for m in [1.0, 1.0, 1.0]:
        sched.step(m)
        twin.step(m)
    assert [g["lr"] for g in twin.optimizer.param_groups] == [g["lr"] for g in opt.param_groups]


def test_a_version_1_checkpoint_is_still_read() -> None:
    opt = _sgd(1.0)
    sched = Scheduler(opt, lr.linear(1.0, 0.0, 10))
    state = {**sched.state_dict(), "version": 1, "last_epoch": 4}
    sched.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.6


TAMPERED: dict[str, tuple[Any, str]] = {
    "no_states": (
        lambda s: {k: v for k, v in s.items() if k != "plateau_states"},
        r"the checkpoint has no 'plateau_states' \(its lr follows a plateau\)",
    ),
    "negative_scale": (
        lambda s: {**s, "plateau_states": {"lr": [{**s["plateau_states"]["lr"][0], "scale": -1.0}] * 2}},
        r"plateau_states\['lr'\]\[0\]\['scale'\] must be a finite number >= 0, got -1\.0",
    ),
    "one_state": (
        lambda s: {**s, "plateau_states": {"lr": s["plateau_states"]["lr"][:1]}},
        r"'plateau_states' must be \{'lr': \[one state \(or None\) per param group \(2\)\]\}",
    ),
    "bad_counter": (
        lambda s: {**s, "plateau_states": {"lr": [{**s["plateau_states"]["lr"][0], "num_bad_epochs": 1.5}] * 2}},
        r"plateau_states\['lr'\]\[0\] is broken: .*'num_bad_epochs' must be an integer, got 1\.5",
    ),
    "plateau_in_version_1": (
        lambda s: {**{k: v for k, v in s.items() if k != "plateau_states"}, "version": 1},
        r"schedules\['lr'\]\[0\] is broken: a plateau in a version 1 checkpoint",
    ),
}


@pytest.mark.parametrize(("tamper", "message"), TAMPERED.values(), ids=TAMPERED.keys())
def test_a_tampered_plateau_checkpoint_is_a_clear_error_and_changes_nothing(tamper: Any, message: str) -> None:
    opt, sched = _stepped()
    before = (sched.state_dict(), [g["lr"] for g in opt.param_groups])
    with pytest.raises(lr.ScheduleError, match=r"^Scheduler\.load_state_dict: " + message):
        sched.load_state_dict(tamper(sched.state_dict()))
    assert (sched.state_dict(), [g["lr"] for g in opt.param_groups]) == before


def test_a_plateau_state_in_a_checkpoint_without_plateau_is_refused() -> None:
    sched = Scheduler(_sgd(1.0), lr.constant(1.0))
    state = {**sched.state_dict(), "plateau_states": {"lr": [None]}}
    with pytest.raises(lr.ScheduleError, match=r"has 'plateau_states', but no lr that follows a plateau"):
        sched.load_state_dict(state)


# ----------------------------------------------------------------------------
# Param groups added mid-run, and a live PyTorch plateau taken over.


def test_a_param_group_added_mid_run_follows_the_plateau_from_its_own_lr() -> None:
    opt = _sgd(0.5)
    theirs_opt = _sgd(0.5)
    ours = Scheduler(opt, ct.ReduceLROnPlateau(0.5, patience=1, factor=0.5))
    theirs = L.ReduceLROnPlateau(theirs_opt, patience=1, factor=0.5)
    metrics = [3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0]
    for k, m in enumerate(metrics):
        if k == 3:
            for o in (opt, theirs_opt):
                o.add_param_group({"params": [torch.nn.Parameter(torch.ones(1))], "lr": 0.05})
        ours.step(m)
        theirs.step(m)
        assert [g["lr"] for g in opt.param_groups] == pytest.approx(
            [g["lr"] for g in theirs_opt.param_groups], rel=RTOL
        )
    assert opt.param_groups[1]["lr"] < 0.05  # the new group was reduced too


def test_from_scheduler_and_plateau_state_take_over_a_live_pytorch_plateau() -> None:
    theirs_opt = _sgd(0.5, 0.25)
    theirs = L.ReduceLROnPlateau(theirs_opt, patience=1, factor=0.5, cooldown=1)
    metrics = [3.0, 2.0, 2.0, 2.0, 2.5, 2.0, 2.0, 2.0, 1.0, 2.0, 2.0, 2.0]
    for m in metrics[:5]:
        theirs.step(m)
    opt = _sgd(*(g["lr"] for g in theirs_opt.param_groups))
    ours = Scheduler(opt, from_scheduler(theirs), plateau_state=plateau_state(theirs))
    for m in metrics[5:]:
        theirs.step(m)
        ours.step(m)
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in theirs_opt.param_groups]


def test_plateau_state_needs_a_reduce_lr_on_plateau() -> None:
    with pytest.raises(TypeError, match=r"^plateau_state: expected a torch\.optim\.lr_scheduler\.ReduceLROnPlateau, got StepLR"):
        plateau_state(L.StepLR(_sgd(1.0), 3))


def test_plateau_state_without_a_plateau_is_refused() -> None:
    with pytest.raises(lr.ScheduleError, match=r"^Scheduler: plateau_state was given, but no lr follows a plateau"):
        Scheduler(_sgd(1.0), lr.constant(1.0), plateau_state={"scale": 1.0})


def test_a_nan_metric_is_a_bad_epoch_as_in_pytorch() -> None:
    opt, theirs_opt = _sgd(1.0), _sgd(1.0)
    ours = Scheduler(opt, 1.0 * lr.on_plateau(patience=0))
    theirs = L.ReduceLROnPlateau(theirs_opt, patience=0)
    for m in [math.nan, 1.0, math.nan]:
        ours.step(m)
        theirs.step(m)
        assert opt.param_groups[0]["lr"] == theirs_opt.param_groups[0]["lr"]
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01, rel=RTOL)


# ----------------------------------------------------------------------------
# The optimizer clock (time follows the optimizer steps that ran) and the drift check.

SKIPPED = {3, 4, 11}  # the epochs whose optimizer step GradScaler skips (an inf gradient)


def _train_scaled(make: Any, epochs: int, extra_steps: int = 0) -> tuple[list[float], list[float], Any, Any]:
    """:func:`_train` through a GradScaler that skips the optimizer step of the epochs in
    ``SKIPPED``; ``make(opt)`` returns the scheduler, stepped with the validation loss, then
    ``extra_steps`` more times without one (accelerate stepping it once per process)."""
    torch.manual_seed(1)
    model = torch.nn.Linear(4, 1).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = make(opt)
    scaler = torch.amp.GradScaler("cpu")
    x, y, xv, yv = _data()
    lrs, losses = [], []
    for epoch in range(epochs):
        lrs.append(float(opt.param_groups[0]["lr"]))
        opt.zero_grad()
        scaler.scale(torch.nn.functional.mse_loss(model(x), y)).backward()
        if epoch in SKIPPED:
            model.weight.grad.fill_(math.inf)
        scaler.step(opt)
        scaler.update()
        with torch.no_grad():
            val = float(torch.nn.functional.mse_loss(model(xv), yv))
        losses.append(val)
        sched.step(val)
        for _ in range(extra_steps):
            sched.step()
    return lrs, losses, model.weight.detach().clone(), sched


def test_on_the_optimizer_clock_a_plateau_with_skipped_steps_follows_pytorchs_reduce_lr_on_plateau() -> None:
    theirs, their_losses, their_w, _ = _train_scaled(lambda o: L.ReduceLROnPlateau(o, **PLATEAU), 30)
    ours, our_losses, our_w, sched = _train_scaled(
        lambda o: Scheduler(o, ct.ReduceLROnPlateau(0.1, **PLATEAU), clock="optimizer"), 30, extra_steps=3
    )
    assert ours == pytest.approx(theirs, rel=RTOL, abs=0)
    assert our_losses == pytest.approx(their_losses, rel=1e-9)
    assert len(set(theirs)) >= 3  # the plateau did reduce the lr, more than once
    torch.testing.assert_close(our_w, their_w, rtol=1e-9, atol=0)
    assert sched.t == 30 - len(SKIPPED)


def test_on_the_optimizer_clock_the_lr_is_the_plateau_schedule_at_the_count_of_steps_that_ran() -> None:
    ps = lr.warmup(lr.cosine(0.1, 0.0, T), W, start=0.02) * lr.on_plateau(**PLATEAU)
    lrs, losses, _, sched = _train_scaled(lambda o: Scheduler(o, ps, clock="optimizer"), 30, extra_steps=2)
    # The same run replayed on the schedule itself: a step that ran moves t, then the
    # metric is taken at t, with the lr in effect then.
    t, state, expected = 0, ps.init(), []
    for epoch, val in enumerate(losses):
        expected.append(ps(t, state))
        t += epoch not in SKIPPED
        state = ps.update(state, val, t)
    assert lrs == expected
    assert state["scale"] < 1  # reductions happened
    assert sched.t == t == 30 - len(SKIPPED)


def test_on_the_optimizer_clock_a_metric_is_taken_at_the_count_and_advances_nothing() -> None:
    opt = _sgd(1.0)
    sched = Scheduler(opt, lr.linear(1.0, 0.0, 10) * lr.on_plateau(patience=0, factor=0.5), clock="optimizer")
    opt.step()
    sched.step(1.0)
    sched.step(2.0)  # worse: the lr in effect (0.9) is halved at once
    assert sched.t == 1
    assert opt.param_groups[0]["lr"] == 0.9 * 0.5
    opt.step()
    assert opt.param_groups[0]["lr"] == 0.8 * 0.5


def test_on_the_optimizer_clock_step_without_a_metric_leaves_the_plateau() -> None:
    opt = _sgd(1.0)
    sched = Scheduler(opt, lr.linear(1.0, 0.0, 10) * lr.on_plateau(patience=0, factor=0.5), clock="optimizer")
    opt.step()
    for _ in range(3):
        sched.step()
    assert (sched.t, opt.param_groups[0]["lr"]) == (1, 0.9)
    assert sched.state_dict()["plateau_states"]["lr"][0]["scale"] == 1.0


def test_on_the_optimizer_clock_the_checkpoint_keeps_the_count_and_the_plateau_state() -> None:
    opt = _sgd(0.5, 0.25)
    sched = Scheduler(opt, ct.ReduceLROnPlateau([0.5, 0.25], patience=1, factor=0.5), clock="optimizer")
    for m in [3.0, 2.0, 2.0, 2.0]:
        opt.step()
        sched.step(m)
    copy_opt = _sgd(0.5, 0.25)
    resumed = Scheduler.from_state_dict(copy_opt, sched.state_dict())
    assert (resumed.clock, resumed.t) == ("optimizer", 4)
    assert [g["lr"] for g in copy_opt.param_groups] == [0.25, 0.125]
    for m in [2.0, 2.0, 1.0]:
        for o, s in ((opt, sched), (copy_opt, resumed)):
            o.step()
            s.step(m)
        assert [g["lr"] for g in copy_opt.param_groups] == [g["lr"] for g in opt.param_groups]
    assert resumed.t == 7


def test_on_the_optimizer_clock_a_param_group_added_mid_run_is_adopted_at_the_next_optimizer_step() -> None:
    opt = _sgd(0.5)
    sched = Scheduler(opt, lr.linear(1.0, 0.5, 10) * lr.on_plateau(patience=0, factor=0.5), clock="optimizer")
    opt.step()
    sched.step(1.0)
    opt.add_param_group({"params": [torch.nn.Parameter(torch.ones(1))], "lr": 0.05})
    opt.step()
    assert sched.t == 2
    assert [g["lr"] for g in opt.param_groups] == [lr.linear(1.0, 0.5, 10)(2), 0.05]
    sched.step(2.0)  # worse: both groups are halved
    assert [g["lr"] for g in opt.param_groups] == [lr.linear(1.0, 0.5, 10)(2) * 0.5, 0.025]


def test_on_the_optimizer_clock_step_with_an_epoch_is_refused_with_a_plateau() -> None:
    opt = _sgd(1.0)
    sched = Scheduler(opt, 1.0 * lr.on_plateau(), clock="optimizer")
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Scheduler\.step: step\(epoch\) sets the time by hand, but this Scheduler counts optimizer"
        r" steps \(clock='optimizer'\); load a checkpoint to resume$",
    ):
        sched.step(1.0, 5)
    assert sched.t == 0


@pytest.mark.parametrize("clock", ["step", "optimizer"])
def test_with_the_drift_check_a_plateaus_own_reductions_are_no_drift(clock: str) -> None:
    theirs, _, _ = _train(_pytorch_plateau, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DriftWarning)
        ours, _, _ = _train(lambda o: Scheduler(o, ct.ReduceLROnPlateau(0.1, **PLATEAU), clock=clock, check=True).step, 40)
    assert ours == pytest.approx(theirs, rel=RTOL, abs=0)
    assert len(set(theirs)) >= 3


def test_with_the_drift_check_a_manual_write_to_a_plateau_lr_warns_with_the_value_it_set() -> None:
    opt = _sgd(1.0)
    ps = lr.linear(1.0, 0.0, 10) * lr.on_plateau(patience=0, factor=0.5)
    sched = Scheduler(opt, ps, check=True)
    for m in [1.0, 2.0]:
        opt.step()
        sched.step(m)
    state = sched.state_dict()["plateau_states"]["lr"][0]
    assert state["scale"] == 0.5
    opt.param_groups[0]["lr"] = 0.125
    opt.step()
    with pytest.warns(DriftWarning) as record:
        sched.step(0.5)
    assert str(record[0].message) == (
        f"Scheduler: param group 0's 'lr' is 0.125, but this Scheduler set it to {ps(2, state)!r} at step 2:"
        " something else wrote it (a second scheduler, or a manual write); this Scheduler overwrites it"
    )


def test_with_the_drift_check_on_the_optimizer_clock_a_manual_write_to_a_plateau_lr_warns_at_the_optimizer_step() -> None:
    opt = _sgd(1.0)
    sched = Scheduler(opt, lr.linear(1.0, 0.0, 10) * lr.on_plateau(patience=0, factor=0.5), clock="optimizer", check=True)
    opt.step()
    sched.step(1.0)
    opt.param_groups[0]["lr"] = 0.125
    with pytest.warns(DriftWarning, match=r"^Scheduler: param group 0's 'lr' is 0\.125, but this Scheduler set it to 0\.9 at step 1:"):
        opt.step()
    assert (sched.t, opt.param_groups[0]["lr"]) == (2, 0.8)
