"""``lrdsl.torch``: the ``Scheduler`` adapter and ``from_scheduler``, against real PyTorch.

Parity cases run PyTorch's own scheduler on a real two-group ``SGD`` for 300
steps, convert it with ``from_scheduler``, drive an identical optimizer with our
``Scheduler``, and compare the lr each update uses (float64, rtol 1e-12).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
from lrdsl.torch import Scheduler, from_scheduler  # noqa: E402

L = torch.optim.lr_scheduler
STEPS = 300
BASES = (0.1, 0.03)


def two_group_sgd(**kw: Any) -> Any:
    """A real SGD over two float64 parameters, one per group, with different base lrs."""
    a = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    b = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    return torch.optim.SGD([{"params": [a], "lr": BASES[0]}, {"params": [b], "lr": BASES[1]}], **kw)


def train(opt: Any, sched: Any, n: int, keys: tuple[str, ...] = ("lr",)) -> dict[str, np.ndarray]:
    """Step ``opt`` (on a real loss) and ``sched`` ``n`` times; the values of ``keys``
    each update used, shape ``(n, groups)``."""
    out: dict[str, list[list[float]]] = {k: [] for k in keys}
    params = [p for g in opt.param_groups for p in g["params"]]
    for _ in range(n):
        for k in keys:
            out[k].append([_read(g, k) for g in opt.param_groups])
        opt.zero_grad()
        sum((p * p).sum() for p in params).backward()
        opt.step()
        sched.step()
    return {k: np.array(v, dtype=np.float64) for k, v in out.items()}


def _read(group: dict[str, Any], key: str) -> float:
    if key in ("beta1", "beta2"):
        return float(group["betas"][key == "beta2"])
    return float(group[key])


def closed_form(schedules: list[lr.Schedule], n: int) -> np.ndarray:
    return np.array([[s(k) for s in schedules] for k in range(n)], dtype=np.float64)


def _f1(t: int) -> float:
    return 0.97**t


def _f2(t: int) -> float:
    return 1 / (1 + 0.05 * t)


CASES: dict[str, Callable[[Any], Any]] = {
    "step": lambda o: L.StepLR(o, step_size=7, gamma=0.5),
    "multistep_unsorted_repeated": lambda o: L.MultiStepLR(o, milestones=[200, 50, 100, 100], gamma=0.5),
    "exponential": lambda o: L.ExponentialLR(o, gamma=0.99),
    "cosine_past_t_max_eta_min": lambda o: L.CosineAnnealingLR(o, T_max=70, eta_min=0.004),
    "cosine_whole_run": lambda o: L.CosineAnnealingLR(o, T_max=STEPS),
    "linear": lambda o: L.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=50),
    "constant": lambda o: L.ConstantLR(o, factor=0.25, total_iters=40),
    "constant_zero_iters": lambda o: L.ConstantLR(o, factor=0.25, total_iters=0),
    "polynomial": lambda o: L.PolynomialLR(o, total_iters=120, power=2.0),
    "lambda_per_group": lambda o: L.LambdaLR(o, lr_lambda=[_f1, _f2]),
    "sequential_linear_cosine": lambda o: L.SequentialLR(
        o,
        [L.LinearLR(o, start_factor=0.01, total_iters=20), L.CosineAnnealingLR(o, T_max=100, eta_min=0.001)],
        milestones=[20],
    ),
    "sequential_three": lambda o: L.SequentialLR(
        o,
        [L.ConstantLR(o, factor=0.1, total_iters=30), L.ExponentialLR(o, gamma=0.98), L.StepLR(o, 30, 0.5)],
        milestones=[15, 120],
    ),
    "chained_warmup_exponential": lambda o: L.ChainedScheduler(
        [L.LinearLR(o, start_factor=0.1, total_iters=20), L.ExponentialLR(o, gamma=0.99)]
    ),
    "chained_warmup_cosine_past_t_max": lambda o: L.ChainedScheduler(
        [L.LinearLR(o, start_factor=0.1, total_iters=20), L.CosineAnnealingLR(o, T_max=100)]
    ),
    "chained_constant_multistep_polynomial": lambda o: L.ChainedScheduler(
        [
            L.ConstantLR(o, factor=0.5, total_iters=10),
            L.MultiStepLR(o, milestones=[60, 30], gamma=0.3),
            L.PolynomialLR(o, total_iters=250, power=1.5),
        ]
    ),
}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_from_scheduler_and_scheduler_reproduce_pytorch(make: Callable[[Any], Any]) -> None:
    opt = two_group_sgd()
    theirs = make(opt)
    schedules = from_scheduler(theirs)
    assert isinstance(schedules, list) and len(schedules) == 2
    expected = train(opt, theirs, STEPS)["lr"]

    opt2 = two_group_sgd()
    got = train(opt2, Scheduler(opt2, schedules), STEPS)["lr"]

    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    # what the optimizer saw is the schedule's closed form, exactly
    np.testing.assert_array_equal(got, closed_form(schedules, STEPS))
    assert got[:, 0].tolist() != got[:, 1].tolist()  # the groups' bases really differ


def test_from_scheduler_returns_one_schedule_for_one_group() -> None:
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=0.5)
    s = from_scheduler(L.StepLR(opt, step_size=10, gamma=0.5))
    assert s == lr.step(0.5, 10, gamma=0.5)
    assert from_scheduler(L.StepLR(two_group_sgd(), 10), group=1) == lr.step(BASES[1], 10, gamma=0.1)


def test_lambdalr_converts_to_base_times_lambda() -> None:
    opt = two_group_sgd()
    s = from_scheduler(L.LambdaLR(opt, lr_lambda=_f1), group=0)
    assert s == BASES[0] * lr.lambda_(_f1)


# ----------------------------------------------------------------------------
# Semantics of the Scheduler.


def test_after_k_steps_lr_is_schedule_of_k_and_get_last_lr_matches() -> None:
    s = lr.linear(0.0, 1e-3, 10) >> lr.cosine(1e-3, 1e-5, 90)
    opt = two_group_sgd()
    sched = Scheduler(opt, s)
    assert sched.last_epoch == 0
    assert [g["lr"] for g in opt.param_groups] == [s(0), s(0)]
    for k in range(1, 120):
        opt.step()
        sched.step()
        assert sched.last_epoch == k
        assert sched.get_last_lr() == [s(k), s(k)]
        assert [g["lr"] for g in opt.param_groups] == [s(k), s(k)]


def test_relative_multiplies_initial_lr_like_lambdalr() -> None:
    factor = lr.warmup(lr.exponential(1.0, 0.97), 10)
    opt = two_group_sgd()
    theirs = train(opt, L.LambdaLR(opt, lr_lambda=factor), 100)["lr"]
    opt2 = two_group_sgd()
    ours = train(opt2, Scheduler(opt2, factor, relative=True), 100)["lr"]
    np.testing.assert_array_equal(ours, theirs)


def test_sgd_momentum_and_weight_decay_follow_their_schedules() -> None:
    plan = {
        "lr": [lr.cosine(0.1, 0.0, 50), lr.constant(0.01)],
        "momentum": lr.linear(0.85, 0.95, 30),
        "weight_decay": [lr.linear(0.0, 1e-2, 40), lr.step(1e-3, 10, gamma=0.5)],
    }
    opt = two_group_sgd(momentum=0.9, weight_decay=1e-4)
    got = train(opt, Scheduler(opt, plan), 60, ("lr", "momentum", "weight_decay"))
    for key, s in plan.items():
        per_group = s if isinstance(s, list) else [s, s]
        np.testing.assert_array_equal(got[key], closed_form(per_group, 60))


@pytest.mark.parametrize("kind", ["Adam", "AdamW"])
def test_adam_betas_and_weight_decay_follow_their_schedules(kind: str) -> None:
    p = torch.nn.Parameter(torch.ones(4, dtype=torch.float64))
    opt = getattr(torch.optim, kind)([p], lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01)
    plan = {
        "lr": lr.warmup(lr.cosine(1e-3, 1e-5, 40), 5),
        "beta1": lr.linear(0.95, 0.85, 20),
        "beta2": lr.constant(0.98),
        "weight_decay": lr.exponential(0.1, 0.9),
    }
    got = train(opt, Scheduler(opt, plan), 50, tuple(plan))
    for key, s in plan.items():
        np.testing.assert_array_equal(got[key][:, 0], closed_form([s], 50)[:, 0])
    assert isinstance(opt.param_groups[0]["betas"], tuple)


def test_tensor_lr_is_filled_in_place() -> None:
    p = torch.nn.Parameter(torch.ones(4, dtype=torch.float64))
    opt = torch.optim.Adam([p], lr=torch.tensor(0.01, dtype=torch.float64), foreach=False)
    lr_tensor = opt.param_groups[0]["lr"]
    s = lr.cosine(0.01, 0.001, 20)
    sched = Scheduler(opt, s)
    for k in range(1, 25):
        p.grad = torch.ones_like(p)
        opt.step()
        sched.step()
        assert opt.param_groups[0]["lr"] is lr_tensor
        assert lr_tensor.item() == s(k)
        last = sched.get_last_lr()[0]
        assert isinstance(last, torch.Tensor) and last is not lr_tensor and last.item() == s(k)


def test_load_state_dict_sets_the_optimizer_at_once() -> None:
    s = lr.multistep(0.1, [5, 10], gamma=0.5)
    opt = two_group_sgd()
    sched = Scheduler(opt, s)
    for _ in range(12):
        opt.step()
        sched.step()
    state = sched.state_dict()
    fresh_opt = two_group_sgd()
    fresh = Scheduler(fresh_opt, s)
    fresh.load_state_dict(state)
    assert fresh.last_epoch == 12
    assert [g["lr"] for g in fresh_opt.param_groups] == [s(12), s(12)] == fresh.get_last_lr()
    fresh_opt.step()
    fresh.step()
    assert fresh.get_last_lr() == [s(13), s(13)]


def test_state_dict_is_plain_data_read_with_weights_only(tmp_path: Any) -> None:
    plan = {"lr": [lr.linear(0, 0.1, 10), lr.constant(0.01)], "momentum": lr.constant(0.9)}
    opt = two_group_sgd(momentum=0.5)
    sched = Scheduler(opt, plan, relative=True)
    opt.step()
    sched.step()
    torch.save(sched.state_dict(), tmp_path / "sched.pt")
    state = torch.load(tmp_path / "sched.pt", weights_only=True)
    assert state == sched.state_dict()
    rebuilt = Scheduler.from_state_dict(two_group_sgd(momentum=0.5), state)
    assert rebuilt.schedules == sched.schedules
    assert rebuilt.relative and rebuilt.last_epoch == 1
    assert rebuilt.get_last_lr() == sched.get_last_lr()


def test_registered_lambda_saves_and_reloads() -> None:
    @lr.register("torch_adapter_inverse_sqrt")
    def inverse_sqrt(t: Any) -> Any:
        return 1 / (1 + t) ** 0.5

    s = 0.1 * lr.lambda_(inverse_sqrt)
    opt = two_group_sgd()
    sched = Scheduler(opt, s)
    opt.step()
    sched.step()
    fresh = Scheduler(two_group_sgd(), s)
    fresh.load_state_dict(sched.state_dict())
    assert fresh.get_last_lr() == [s(1), s(1)]


def test_scheduler_works_inside_pytorch_sequentiallr() -> None:
    # SequentialLR restarts its children with _update_lr(0): ours then reads its schedule at 0
    opt = two_group_sgd()
    warm = L.LinearLR(opt, start_factor=0.5, total_iters=4)
    ours = Scheduler(opt, [lr.constant(0.2), lr.constant(0.02)])
    seq = L.SequentialLR(opt, [warm, ours], milestones=[4])
    got = train(opt, seq, 8)["lr"]
    assert got[4:].tolist() == [[0.2, 0.02]] * 4


# ----------------------------------------------------------------------------
# Bad input: clear errors.


def test_non_optimizer_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"optimizer must be a torch\.optim\.Optimizer, got list"):
        Scheduler([torch.zeros(1)], lr.constant(0.1))  # type: ignore[arg-type]


def test_wrong_number_of_schedules() -> None:
    with pytest.raises(
        lr.ScheduleError, match=r"'lr' list has 3 schedules, but the optimizer has 2 param groups"
    ):
        Scheduler(two_group_sgd(), [lr.constant(0.1)] * 3)
    with pytest.raises(lr.ScheduleError, match=r"'momentum' list has 1 schedules"):
        Scheduler(two_group_sgd(momentum=0.9), {"momentum": [lr.constant(0.9)]})


def test_non_schedule_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"'lr' schedule must be an lrdsl schedule.*got float 0.1"):
        Scheduler(two_group_sgd(), 0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"lr\[1\] must be a schedule"):
        Scheduler(two_group_sgd(), [lr.constant(0.1), "cosine"])  # type: ignore[list-item]


def test_unknown_hyperparameter_names_the_known_ones() -> None:
    with pytest.raises(
        lr.ScheduleError, match=r"unknown hyperparameter 'learning_rate'.*'lr', 'weight_decay'"
    ):
        Scheduler(two_group_sgd(), {"learning_rate": lr.constant(0.1)})


@pytest.mark.parametrize(
    ("make", "name", "key"),
    [
        (lambda p: torch.optim.Adam([p]), "momentum", "momentum"),
        (lambda p: torch.optim.SGD([p], lr=0.1), "beta1", "betas"),
    ],
)
def test_hyperparameter_the_optimizer_lacks(make: Callable[[Any], Any], name: str, key: str) -> None:
    opt = make(torch.nn.Parameter(torch.zeros(1)))
    with pytest.raises(lr.ScheduleError, match=rf"cannot drive '{name}'.*param_groups\[0\] has no '{key}'"):
        Scheduler(opt, {name: lr.constant(0.9)})


def test_param_group_added_after_construction() -> None:
    opt = two_group_sgd()
    sched = Scheduler(opt, lr.constant(0.1))
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))]})
    opt.step()
    with pytest.raises(lr.ScheduleError, match=r"3 param groups, but this Scheduler was built for 2"):
        sched.step()


def test_unregistered_lambda_cannot_be_saved() -> None:
    sched = Scheduler(two_group_sgd(), 0.1 * lr.lambda_(lambda t: 1.0))
    with pytest.raises(lr.ScheduleError, match=r"cannot save the 'lr' schedule.*lrdsl\.register"):
        sched.state_dict()


def _saved() -> dict[str, Any]:
    opt = two_group_sgd()
    sched = Scheduler(opt, lr.cosine(0.1, 0.0, 100))
    for _ in range(7):
        opt.step()
        sched.step()
    return sched.state_dict()


def _cosine_field(state: dict[str, Any], **fields: Any) -> dict[str, Any]:
    state["schedules"]["lr"][0]["schedule"].update(fields)
    return state


CORRUPT: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "not_a_dict": (lambda s: [s], r"expected a dict, got list"),
    "pytorch_scheduler_state": (
        lambda s: {"last_epoch": 7, "base_lrs": [0.1]},
        r"not an lrdsl Scheduler state",
    ),
    "future_version": (lambda s: {**s, "version": 99}, r"unknown state version 99"),
    "negative_step": (lambda s: {**s, "last_epoch": -3}, r"'last_epoch' must be an int >= 0, got -3"),
    "step_as_text": (lambda s: {**s, "last_epoch": "7"}, r"'last_epoch' must be an int >= 0, got '7'"),
    "no_schedules": (
        lambda s: {k: v for k, v in s.items() if k != "schedules"},
        r"the checkpoint has no 'schedules'",
    ),
    "one_group_missing": (
        lambda s: {**s, "schedules": {"lr": s["schedules"]["lr"][:1]}},
        r"schedules\['lr'\] must be a list with one schedule per param group \(2\), got 1",
    ),
    "bad_number": (
        lambda s: _cosine_field(s, steps=-1),
        r"schedules\['lr'\]\[0\] is broken: .*steps must be >= 0",
    ),
    "unknown_op": (lambda s: _cosine_field(s, op="sine"), r"schedules\['lr'\]\[0\] is broken: .*'sine'"),
    "relative_flag": (lambda s: {**s, "relative": "yes"}, r"'relative' must be True or False"),
    "other_schedule": (
        lambda s: _cosine_field(s, steps=200),
        r"checkpoint's 'lr' schedule for param group 0 is cosine\(0.1, 0.0, 200\).*built with"
        r" cosine\(0.1, 0.0, 100\).*from_state_dict",
    ),
    "other_hyperparameters": (
        lambda s: {**s, "schedules": {**s["schedules"], "momentum": s["schedules"]["lr"]}},
        r"the checkpoint drives \['lr', 'momentum'\], this Scheduler drives \['lr'\]",
    ),
}


@pytest.mark.parametrize(("corrupt", "message"), CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_state_dict_is_a_clear_error_and_changes_nothing(
    corrupt: Callable[[dict[str, Any]], Any], message: str
) -> None:
    opt = two_group_sgd()
    sched = Scheduler(opt, lr.cosine(0.1, 0.0, 100))
    opt.step()
    sched.step()
    before = sched.state_dict(), [g["lr"] for g in opt.param_groups]
    with pytest.raises(lr.ScheduleError, match=message):
        sched.load_state_dict(corrupt(_saved()))
    assert (sched.state_dict(), [g["lr"] for g in opt.param_groups]) == before


def test_from_state_dict_rejects_a_corrupt_state() -> None:
    with pytest.raises(lr.ScheduleError, match=r"unknown state version"):
        Scheduler.from_state_dict(two_group_sgd(), {**_saved(), "version": 0})


def test_from_scheduler_of_reduce_lr_on_plateau_is_the_compat_plateau_per_group() -> None:
    from lrdsl.compat import torch as ct

    opt = two_group_sgd()
    theirs = L.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=3, cooldown=2, min_lr=[1e-4, 1e-5])
    assert from_scheduler(theirs) == [
        ct.ReduceLROnPlateau(BASES[0], mode="max", factor=0.5, patience=3, cooldown=2, min_lr=1e-4),
        ct.ReduceLROnPlateau(BASES[1], mode="max", factor=0.5, patience=3, cooldown=2, min_lr=1e-5),
    ]


def test_from_scheduler_refuses_what_it_cannot_express() -> None:
    opt = two_group_sgd()
    class HalvingStepLR(L.StepLR):  # a subclass may change the formula
        pass

    with pytest.raises(NotImplementedError, match=r"no exact schedule for HalvingStepLR"):
        from_scheduler(HalvingStepLR(opt, 10))
    with pytest.raises(TypeError, match=r"expected a torch\.optim\.lr_scheduler\.LRScheduler, got SGD"):
        from_scheduler(opt)
    with pytest.raises(lr.ScheduleError, match=r"group must be an int in \[0, 2\), got 2"):
        from_scheduler(L.StepLR(opt, 5), group=2)


@pytest.mark.parametrize(
    ("children", "message"),
    [
        (lambda o: [L.ExponentialLR(o, 0.9), L.LambdaLR(o, _f1)], r"child 1 \(LambdaLR\).*discarding"),
        (
            lambda o: [L.ExponentialLR(o, 0.99), L.CosineAnnealingLR(o, T_max=50)],
            r"CosineAnnealingLR is a factor only with eta_min=0",
        ),
        (
            lambda o: [L.LinearLR(o, 0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=50, eta_min=0.01)],
            r"CosineAnnealingLR is a factor only with eta_min=0",
        ),
    ],
)
def test_chained_scheduler_without_a_product_form_is_refused(
    children: Callable[[Any], list[Any]], message: str
) -> None:
    opt = two_group_sgd()
    with pytest.raises(NotImplementedError, match=message):
        from_scheduler(L.ChainedScheduler(children(opt)))


def test_refused_chained_cosine_really_is_not_a_product() -> None:
    # the case refused above: PyTorch's lr past T_max is not base * exp * cos
    opt = two_group_sgd()
    theirs = L.ChainedScheduler([L.ExponentialLR(opt, 0.99), L.CosineAnnealingLR(opt, T_max=50)])
    got = train(opt, theirs, 60)["lr"][:, 0]
    product = closed_form([BASES[0] * lr.exponential(1.0, 0.99) * lr.cosine(1.0, 0.0, 50, periodic=True)], 60)
    assert not math.isclose(got[55], product[55, 0], rel_tol=1e-3)
    np.testing.assert_allclose(got[:51], product[:51, 0], rtol=1e-12)


def test_steps_keep_driving_the_groups_after_the_optimizer_replaces_them() -> None:
    # Optimizer.load_state_dict (a resume, or accelerate wrapping the optimizer)
    # replaces every param-group dict: later steps must write into the new ones.
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=0.1)
    s = lr.linear(0.1, 0.0, 10)
    sched = Scheduler(opt, s)
    for _ in range(3):
        opt.step()
        sched.step()
    opt.load_state_dict(opt.state_dict())
    for k in range(4, 8):
        opt.step()
        sched.step()
        assert opt.param_groups[0]["lr"] == s(k)
        assert sched.get_last_lr() == [s(k)]
