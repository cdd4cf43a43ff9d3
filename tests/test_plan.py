"""``lrdsl.torch.Plan``: several named quantities on one clock.

Optimizer hyperparameters per group, module attributes by dotted path (with ``*``),
and plain values the loop reads, all ``schedule(t)`` at every step; checkpoints as
plain data; clear errors for names that reach nothing; the optimizer-step clock and
the drift check, as Scheduler's.
"""

from __future__ import annotations

import io
import warnings

import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
from lrdsl.torch import DriftWarning, Plan  # noqa: E402


class EMA:
    """A model's exponential moving average, ``avg = decay * avg + (1 - decay) * w``."""

    def __init__(self, model: torch.nn.Module, decay: float = 0.0) -> None:
        self.decay = decay
        self.shadow = [p.detach().clone() for p in model.parameters()]

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        for s, p in zip(self.shadow, model.parameters()):
            s.mul_(self.decay).add_(p.detach(), alpha=1 - self.decay)


class Tiny(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(8, 16)
        self.drop = torch.nn.Dropout(0.0)
        self.fc2 = torch.nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


LR = lr.linear(0.0, 1e-2, 30) >> lr.cosine(1e-2, 1e-4, 270)
DROPOUT = lr.linear(0.0, 0.3, 300)
DECAY = lr.cosine(0.9, 0.999, 300)


def test_a_tiny_model_trains_with_dropout_ema_decay_and_lr_on_three_schedules() -> None:
    torch.manual_seed(0)
    model = Tiny()
    ema = EMA(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    plan = Plan({"lr": LR, "model.drop.p": DROPOUT, "ema.decay": DECAY}, optimizer=opt, targets={"model": model, "ema": ema})
    x, y = torch.randn(64, 8), torch.randn(64, 1)
    first = None
    for t in range(300):
        assert plan.t == t
        assert opt.param_groups[0]["lr"] == LR(t)
        assert model.drop.p == DROPOUT(t)
        assert ema.decay == DECAY(t)
        loss = torch.nn.functional.mse_loss(model(x), y)
        first = float(loss.detach()) if first is None else first
        loss.backward()
        opt.step()
        opt.zero_grad()
        ema.update(model)
        plan.step()
    model.eval()
    assert float(torch.nn.functional.mse_loss(model(x), y).detach()) < first
    assert plan.values == {"lr": LR(300), "model.drop.p": DROPOUT(300), "ema.decay": DECAY(300)}


def test_a_wildcard_sets_the_attribute_in_every_child() -> None:
    blocks = torch.nn.ModuleList(torch.nn.Dropout(0.5) for _ in range(4))
    model = torch.nn.Module()
    model.blocks = blocks
    Plan({"model.blocks.*.p": lr.constant(0.125)}, targets={"model": model})
    assert [b.p for b in blocks] == [0.125] * 4


def test_an_index_in_the_path_reaches_one_child() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
    Plan({"model.1.p": lr.constant(0.25)}, targets={"model": model})
    assert model[1].p == 0.25


def test_a_tensor_attribute_is_written_in_place() -> None:
    holder = torch.nn.Module()
    holder.register_buffer("temperature", torch.tensor(1.0, dtype=torch.float64))
    buf = holder.temperature
    plan = Plan({"teacher.temperature": lr.linear(0.04, 0.07, 10)}, targets={"teacher": holder})
    plan.step()
    assert holder.temperature is buf
    assert float(buf) == lr.linear(0.04, 0.07, 10)(1)


def test_plain_values_are_read_from_values_and_by_calling() -> None:
    plan = Plan({"window": lr.linear(128, 1792, 100).ceil(multiple=128), "temp": lr.constant(0.04)})
    assert plan.values == {"window": 128, "temp": 0.04}
    assert plan(100) == {"window": 1792, "temp": 0.04}
    assert type(plan(50)["window"]) is int
    assert plan.t == 0


def test_a_per_group_list_drives_each_group() -> None:
    a, b = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b]}], lr=1.0)
    plan = Plan({"lr": [lr.constant(0.1), lr.linear(0.0, 1.0, 10)]}, optimizer=opt)
    plan.step()
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.1]
    assert plan.values["lr"] == [0.1, 0.1]


def test_dinov2_five_schedules_on_one_clock() -> None:
    # lr, weight decay, teacher momentum, teacher temperature, last-layer freeze
    backbone, head = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.AdamW([{"params": [backbone]}, {"params": [head]}], lr=0.0)
    teacher = torch.nn.Module()
    teacher.momentum = 0.0
    lr_s = lr.linear(0, 5e-4, 10) >> lr.cosine(5e-4, 1e-6, 90)
    freeze = lr.piecewise([20], [0.0, 1.0])
    plan = Plan(
        {
            "lr": [lr_s, lr_s * freeze],
            "weight_decay": lr.cosine(0.04, 0.4, 100),
            "teacher.momentum": lr.cosine(0.992, 1.0, 100),
            "teacher_temp": lr.linear(0.04, 0.07, 30),
        },
        optimizer=opt,
        targets={"teacher": teacher},
    )
    for t in range(1, 101):
        plan.step()
        assert [g["lr"] for g in opt.param_groups] == [lr_s(t), (lr_s * freeze)(t)]
        assert [g["weight_decay"] for g in opt.param_groups] == [lr.cosine(0.04, 0.4, 100)(t)] * 2
        assert teacher.momentum == lr.cosine(0.992, 1.0, 100)(t)
        assert plan.values["teacher_temp"] == lr.linear(0.04, 0.07, 30)(t)
    assert opt.param_groups[1]["lr"] != 0.0


def test_modded_nanogpt_attention_window_is_an_int_in_blocks_of_128() -> None:
    window = lr.linear(128, 1792, 1000).ceil(multiple=128)
    plan = Plan({"window_blocks": window / 128, "window": window})
    seen = []
    for _ in range(1000):
        plan.step()
        seen.append(plan.values["window"])
    assert all(type(w) is int and w % 128 == 0 for w in seen)
    assert seen[-1] == 1792
    assert plan.values["window_blocks"] == 14.0


def test_each_distinct_schedule_is_evaluated_once_per_step() -> None:
    calls = []

    def counted(t: object) -> float:
        calls.append(t)
        return 0.5

    s = lr.lambda_(counted)
    model = torch.nn.Sequential(*(torch.nn.Dropout(0.0) for _ in range(5)))
    plan = Plan({"model.*.p": s, "also": s}, targets={"model": model})
    calls.clear()
    plan.step()
    assert calls == [1]


def test_the_checkpoint_is_plain_data_and_restores_every_target() -> None:
    model = Tiny()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    plan = Plan({"lr": LR, "model.drop.p": DROPOUT}, optimizer=opt, targets={"model": model})
    for _ in range(123):
        plan.step()
    buf = io.BytesIO()
    torch.save(plan.state_dict(), buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)
    model2 = Tiny()
    opt2 = torch.optim.SGD(model2.parameters(), lr=0.0)
    plan2 = Plan({"lr": LR, "model.drop.p": DROPOUT}, optimizer=opt2, targets={"model": model2})
    plan2.load_state_dict(state)
    assert plan2.t == 123
    assert opt2.param_groups[0]["lr"] == LR(123)
    assert model2.drop.p == DROPOUT(123)


CALLS: list[object] = []


@lr.register("test_plan_counted")
def _counted(t: object) -> float:
    CALLS.append(t)
    return 0.5


def test_loading_far_out_evaluates_once() -> None:
    plan = Plan({"x": lr.lambda_(_counted)})
    state = {**plan.state_dict(), "t": 10**7}
    CALLS.clear()
    plan.load_state_dict(state)
    assert CALLS == [10**7]
    assert plan.t == 10**7


def test_a_checkpoint_of_other_schedules_is_refused() -> None:
    plan = Plan({"x": lr.constant(1.0)})
    other = Plan({"x": lr.constant(2.0)}).state_dict()
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Plan\.load_state_dict: the checkpoint's 'x' schedule is constant\(2\.0\), but this Plan"
        r" was built with constant\(1\.0\)$",
    ):
        plan.load_state_dict(other)


def test_a_checkpoint_of_other_names_is_refused() -> None:
    plan = Plan({"x": lr.constant(1.0)})
    other = Plan({"y": lr.constant(1.0)}).state_dict()
    with pytest.raises(
        lr.ScheduleError, match=r"^Plan\.load_state_dict: the checkpoint drives \['y'\], this Plan drives \['x'\]$"
    ):
        plan.load_state_dict(other)


def test_an_unknown_root_is_refused() -> None:
    with pytest.raises(
        lr.ScheduleError, match=r"^Plan: 'emma\.decay': no target named 'emma' \(targets: 'ema'; pass targets=\{\.\.\.\}\)$"
    ):
        Plan({"emma.decay": lr.constant(0.9)}, targets={"ema": EMA(Tiny())})


def test_a_missing_attribute_is_refused() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
    with pytest.raises(lr.ScheduleError, match=r"^Plan: 'model\.\*\.p': model\.0 \(Linear\) has no attribute 'p'$"):
        Plan({"model.*.p": lr.constant(0.1)}, targets={"model": model})


def test_a_missing_path_part_is_refused() -> None:
    with pytest.raises(lr.ScheduleError, match=r"^Plan: 'model\.blocks\.p': model \(Tiny\) has no 'blocks'$"):
        Plan({"model.blocks.p": lr.constant(0.1)}, targets={"model": Tiny()})


def test_a_wildcard_as_the_attribute_is_refused() -> None:
    with pytest.raises(
        lr.ScheduleError, match=r"^Plan: 'model\.\*': the last part names an attribute; \* matches objects only$"
    ):
        Plan({"model.*": lr.constant(0.1)}, targets={"model": Tiny()})


def test_a_hyperparameter_without_an_optimizer_is_refused() -> None:
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Plan: 'lr' names an optimizer hyperparameter, but no optimizer was given \(pass optimizer=\.\.\.\)$",
    ):
        Plan({"lr": lr.constant(0.1)})


def test_a_hyperparameter_the_optimizer_lacks_is_refused() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(lr.ScheduleError, match=r"^Plan: cannot drive 'beta1': SGD param_groups\[0\] has no 'betas'"):
        Plan({"beta1": lr.constant(0.9)}, optimizer=opt)


def test_a_list_of_the_wrong_length_is_refused() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Plan: the 'lr' list has 2 schedules, but the optimizer has 1 param groups \(give one per group, or a"
        r" single schedule for all\)$",
    ):
        Plan({"lr": [lr.constant(0.1), lr.constant(0.2)]}, optimizer=opt)


def test_a_value_that_is_not_a_schedule_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"^Plan: 'x' must be a schedule, got float 0\.5$"):
        Plan({"x": 0.5})


def test_an_empty_plan_is_refused() -> None:
    with pytest.raises(lr.ScheduleError, match=r"^Plan: schedules is empty; name at least one quantity$"):
        Plan({})


def test_calling_at_a_negative_time_is_refused() -> None:
    with pytest.raises(lr.ScheduleError, match=r"^Plan: t must be an int >= 0, got -1$"):
        Plan({"x": lr.constant(1.0)})(-1)


def test_the_plan_docstring_example_runs() -> None:
    import doctest

    import lrdsl.plan

    assert doctest.testmod(lrdsl.plan, optionflags=doctest.ELLIPSIS).failed == 0


def test_a_list_entry_that_is_not_a_schedule_is_a_type_error() -> None:
    opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))]} for _ in range(2)], lr=0.1)
    with pytest.raises(TypeError, match=r"^Plan: lr\[1\] must be a schedule, got float 0\.5$"):
        Plan({"lr": [lr.constant(0.1), 0.5]}, optimizer=opt)


# ----------------------------------------------------------------------------
# The optimizer clock and the drift check (Scheduler's, lrdsl/_torch_clock.py).


def _scaled_run(plan_of: object, epochs: int, skipped: set[int], plan_steps: int) -> tuple[Plan, list[tuple[float, float, int]]]:
    """Train Tiny through a GradScaler that skips the optimizer step of the epochs in
    ``skipped``, calling ``plan.step()`` ``plan_steps`` times an epoch; returns the plan
    and (lr, dropout, window) as each optimizer step found them."""
    torch.manual_seed(0)
    model = Tiny()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    plan = plan_of(model, opt)  # type: ignore[operator]
    scaler = torch.amp.GradScaler("cpu")
    x, y = torch.randn(64, 8), torch.randn(64, 1)
    seen = []
    for epoch in range(epochs):
        seen.append((opt.param_groups[0]["lr"], model.drop.p, plan.values["window"]))
        scaler.scale(torch.nn.functional.mse_loss(model(x), y)).backward()
        if epoch in skipped:
            model.fc1.weight.grad.fill_(float("inf"))
        scaler.step(opt)
        scaler.update()
        opt.zero_grad()
        for _ in range(plan_steps):
            plan.step()
    return plan, seen


WINDOW = lr.linear(128, 1792, 40).ceil(multiple=128)


def _clocked(model: torch.nn.Module, opt: torch.optim.Optimizer) -> Plan:
    return Plan(
        {"lr": LR, "model.drop.p": DROPOUT, "window": WINDOW}, optimizer=opt, targets={"model": model}, clock="optimizer"
    )


def test_on_the_optimizer_clock_a_step_grad_scaler_skips_does_not_count() -> None:
    skipped = {2, 3, 7}
    plan, seen = _scaled_run(_clocked, 12, skipped, plan_steps=1)
    counts = [sum(1 for e in range(epoch) if e not in skipped) for epoch in range(12)]
    assert seen == [(LR(t), DROPOUT(t), WINDOW(t)) for t in counts]
    assert plan.t == 12 - len(skipped)


def test_on_the_optimizer_clock_plan_steps_between_optimizer_steps_advance_nothing() -> None:
    plan, seen = _scaled_run(_clocked, 6, set(), plan_steps=4)
    assert seen == [(LR(t), DROPOUT(t), WINDOW(t)) for t in range(6)]
    assert plan.t == 6


def test_on_the_optimizer_clock_the_checkpoint_keeps_the_clock_and_the_count() -> None:
    plan, _ = _scaled_run(_clocked, 5, {1}, plan_steps=2)
    buf = io.BytesIO()
    torch.save(plan.state_dict(), buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)
    assert (state["clock"], state["t"]) == ("optimizer", 4)
    model = Tiny()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    resumed = _clocked(model, opt)
    resumed.load_state_dict(state)
    assert (resumed.t, opt.param_groups[0]["lr"], model.drop.p) == (4, LR(4), DROPOUT(4))
    resumed.step()
    assert resumed.t == 4
    opt.step()
    assert (resumed.t, opt.param_groups[0]["lr"], model.drop.p) == (5, LR(5), DROPOUT(5))


def test_a_checkpoint_of_the_other_clock_is_refused() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    state = Plan({"lr": LR}, optimizer=opt).state_dict()
    plan = Plan({"lr": LR}, optimizer=opt, clock="optimizer")
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Plan\.load_state_dict: the checkpoint counts with clock='step', this Plan with clock='optimizer'$",
    ):
        plan.load_state_dict(state)


def test_the_optimizer_clock_needs_an_optimizer() -> None:
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Plan: clock='optimizer' follows an optimizer's steps, but no optimizer was given \(pass optimizer=\.\.\.\)$",
    ):
        Plan({"x": lr.constant(1.0)}, clock="optimizer")


def test_an_unknown_clock_is_refused() -> None:
    with pytest.raises(lr.ScheduleError, match=r"^Plan: clock must be 'step' or 'optimizer', got 'epoch'$"):
        Plan({"x": lr.constant(1.0)}, clock="epoch")


def test_with_the_drift_check_a_clean_loop_does_not_warn() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    plan = Plan({"lr": LR, "momentum": lr.constant(0.9)}, optimizer=opt, check=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(20):
            opt.step()
            plan.step()
    assert opt.param_groups[0]["lr"] == LR(20)


def test_with_the_drift_check_a_manual_write_warns_naming_the_plan() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    plan = Plan({"lr": LR}, optimizer=opt, check=True)
    for _ in range(3):
        opt.step()
        plan.step()
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    with pytest.warns(DriftWarning) as record:
        plan.step()
    assert str(record[0].message) == (
        f"Plan: param group 0's 'lr' is 0.5, but this Plan set it to {LR(3)!r} at step 3:"
        " something else wrote it (a second scheduler, or a manual write); this Plan overwrites it"
    )
    assert opt.param_groups[0]["lr"] == LR(4)


def test_with_the_drift_check_a_plan_stepping_faster_than_the_optimizer_warns() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    plan = Plan({"lr": LR}, optimizer=opt, check=True)
    opt.step()
    plan.step()
    with pytest.warns(
        DriftWarning,
        match=r"^Plan: step\(\) was called 2 times for 1 optimizer steps: the count is off",
    ):
        plan.step()


def test_the_drift_check_needs_an_optimizer() -> None:
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Plan: check=True follows an optimizer's steps, but no optimizer was given \(pass optimizer=\.\.\.\)$",
    ):
        Plan({"x": lr.constant(1.0)}, check=True)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copy_on_the_optimizer_clock_counts_its_own_optimizer_steps(how: str) -> None:
    import copy
    import pickle

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    plan = Plan({"lr": LR, "window": WINDOW}, optimizer=opt, clock="optimizer")
    opt.step()
    twin = pickle.loads(pickle.dumps(plan)) if how == "pickle" else copy.deepcopy(plan)
    for _ in range(3):
        twin.optimizer.step()
    assert (plan.t, twin.t) == (1, 4)
    assert (twin.optimizer.param_groups[0]["lr"], twin.values["window"]) == (LR(4), WINDOW(4))
    assert opt.param_groups[0]["lr"] == LR(1)
