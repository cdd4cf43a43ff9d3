"""The optimizer-step clock: ``Scheduler(..., clock="optimizer")`` counts the optimizer
steps that really ran.

A step that ``GradScaler`` skips does not count; ``sched.step()`` between two
optimizer steps (accelerate's per-process stepping, gradient accumulation)
advances nothing; ``sched.t`` is the count. The default clock stays PyTorch's.
"""

from __future__ import annotations

import copy
import io
import pickle
import types
import warnings

import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
from lrdsl.torch import Scheduler  # noqa: E402

S = lr.linear(0.0, 1e-2, 10) >> lr.cosine(1e-2, 1e-4, 90)


def _model_and_optimizer() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    return model, torch.optim.SGD(model.parameters(), lr=0.0)


def _train(model: torch.nn.Module) -> None:
    model(torch.randn(8, 4)).square().mean().backward()


def test_the_default_clock_counts_scheduler_steps() -> None:
    _, opt = _model_and_optimizer()
    sched = Scheduler(opt, S)
    for _ in range(3):
        sched.step()
    assert sched.t == sched.last_epoch == 3
    assert opt.param_groups[0]["lr"] == S(3)


def test_the_optimizer_clock_counts_optimizer_steps_without_scheduler_steps() -> None:
    model, opt = _model_and_optimizer()
    sched = Scheduler(opt, S, clock="optimizer")
    seen = []
    for _ in range(20):
        seen.append(opt.param_groups[0]["lr"])
        _train(model)
        opt.step()
        opt.zero_grad()
    assert seen == [S(k) for k in range(20)]
    assert sched.t == 20


def test_scheduler_steps_between_optimizer_steps_advance_nothing() -> None:
    model, opt = _model_and_optimizer()
    sched = Scheduler(opt, S, clock="optimizer")
    for _ in range(5):
        _train(model)
        opt.step()
        for _ in range(4):
            sched.step()
    assert sched.t == 5
    assert opt.param_groups[0]["lr"] == S(5)


def test_a_step_skipped_by_grad_scaler_does_not_count() -> None:
    model, opt = _model_and_optimizer()
    sched = Scheduler(opt, S, clock="optimizer")
    scaler = torch.amp.GradScaler("cpu")
    for k in range(6):
        loss = model(torch.randn(8, 4)).square().mean()
        scaler.scale(loss).backward()
        if k == 2:  # an overflow: the scaler skips optimizer.step()
            model.weight.grad.fill_(float("inf"))
        scaler.step(opt)
        scaler.update()
        sched.step()
        opt.zero_grad()
    assert sched.t == 5
    assert opt.param_groups[0]["lr"] == S(5)


def test_accelerate_stepping_once_per_process_advances_once_per_optimizer_step(monkeypatch: pytest.MonkeyPatch) -> None:
    accelerate_scheduler = pytest.importorskip("accelerate.scheduler")
    # Simulate 4 processes: AcceleratedScheduler steps the scheduler 4 times per optimizer step.
    monkeypatch.setattr(accelerate_scheduler, "AcceleratorState", lambda: types.SimpleNamespace(num_processes=4))
    monkeypatch.setattr(accelerate_scheduler, "GradientState", lambda: types.SimpleNamespace(sync_gradients=True))
    model, opt = _model_and_optimizer()
    opt.step_was_skipped = False  # what accelerate's AcceleratedOptimizer reports
    wrapped = accelerate_scheduler.AcceleratedScheduler(Scheduler(opt, S, clock="optimizer"), opt)
    for _ in range(7):
        _train(model)
        opt.step()
        wrapped.step()
        opt.zero_grad()
    assert wrapped.scheduler.t == 7
    assert wrapped.get_last_lr() == [S(7)]


def test_gradient_accumulation_counts_the_optimizer_steps() -> None:
    model, opt = _model_and_optimizer()
    sched = Scheduler(opt, S, clock="optimizer")
    for micro in range(1, 25):
        _train(model)
        if micro % 4 == 0:
            opt.step()
            opt.zero_grad()
        sched.step()  # called every micro-batch
    assert sched.t == 6
    assert opt.param_groups[0]["lr"] == S(6)


def test_the_checkpoint_holds_the_clock_and_the_count() -> None:
    model, opt = _model_and_optimizer()
    sched = Scheduler(opt, S, clock="optimizer")
    for _ in range(9):
        _train(model)
        opt.step()
    buf = io.BytesIO()
    torch.save(sched.state_dict(), buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)
    assert state["clock"] == "optimizer"
    model2, opt2 = _model_and_optimizer()
    sched2 = Scheduler(opt2, S, clock="optimizer")
    sched2.load_state_dict(state)
    assert sched2.t == 9
    assert opt2.param_groups[0]["lr"] == S(9)
    _train(model2)
    opt2.step()
    assert sched2.t == 10
    assert opt2.param_groups[0]["lr"] == S(10)


def test_from_state_dict_keeps_the_clock() -> None:
    _, opt = _model_and_optimizer()
    state = Scheduler(opt, S, clock="optimizer").state_dict()
    sched = Scheduler.from_state_dict(_model_and_optimizer()[1], state)
    assert sched.clock == "optimizer"


def test_a_checkpoint_of_the_other_clock_is_refused() -> None:
    _, opt = _model_and_optimizer()
    state = Scheduler(opt, S).state_dict()
    _, opt2 = _model_and_optimizer()
    sched = Scheduler(opt2, S, clock="optimizer")
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Scheduler\.load_state_dict: the checkpoint counts with clock='step', this Scheduler with"
        r" clock='optimizer'$",
    ):
        sched.load_state_dict(state)


def test_a_deep_copy_counts_its_own_optimizer_steps() -> None:
    _, opt = _model_and_optimizer()
    sched = Scheduler(opt, S, clock="optimizer")
    twin = copy.deepcopy(sched)
    for _ in range(3):
        twin.optimizer.step()
    assert (sched.t, twin.t) == (0, 3)
    assert twin.optimizer.param_groups[0]["lr"] == S(3)
    assert opt.param_groups[0]["lr"] == S(0)


def test_a_pickled_scheduler_counts_after_loading() -> None:
    _, opt = _model_and_optimizer()
    sched = Scheduler(opt, S, clock="optimizer")
    opt.step()
    back = pickle.loads(pickle.dumps(sched))
    back.optimizer.step()
    assert back.t == 2
    assert back.optimizer.param_groups[0]["lr"] == S(2)


def test_step_with_an_epoch_is_refused_on_the_optimizer_clock() -> None:
    _, opt = _model_and_optimizer()
    sched = Scheduler(opt, S, clock="optimizer")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(
            lr.ScheduleError,
            match=r"^Scheduler\.step: step\(epoch\) sets the time by hand, but this Scheduler counts optimizer"
            r" steps \(clock='optimizer'\); load a checkpoint to resume$",
        ):
            sched.step(5)


def test_an_unknown_clock_is_refused() -> None:
    _, opt = _model_and_optimizer()
    with pytest.raises(
        lr.ScheduleError, match=r"^Scheduler: clock must be 'step' or 'optimizer', got 'epoch'$"
    ):
        Scheduler(opt, S, clock="epoch")


def test_a_clock_that_is_not_a_string_is_a_type_error() -> None:
    _, opt = _model_and_optimizer()
    with pytest.raises(TypeError, match=r"^Scheduler: clock must be 'step' or 'optimizer', got int 1$"):
        Scheduler(opt, S, clock=1)  # type: ignore[arg-type]


def test_resuming_with_last_epoch_counts_on_from_there() -> None:
    model, opt = _model_and_optimizer()
    opt.param_groups[0]["initial_lr"] = 0.0
    sched = Scheduler(opt, S, clock="optimizer", last_epoch=41)
    assert sched.t == 42
    _train(model)
    opt.step()
    assert sched.t == 43
    assert opt.param_groups[0]["lr"] == S(43)
