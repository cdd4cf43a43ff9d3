"""``lrdsl.torch.Scheduler`` under hostile use: atomic failures, pickling, tampered checkpoints.

Atomic: a refused ``load_state_dict``, a failed ``step()``, a failed constructor
or ``from_state_dict`` change nothing. Each test takes a snapshot of the whole
state (every param group's values, tensor lrs and betas by identity and value,
the optimizer's patched ``step``; the scheduler's ``last_epoch``,
``_step_count``, ``base_lrs``, schedules, compiled functions and
``get_last_lr()``) before and after.
"""

from __future__ import annotations

import copy
import io
import math
import pickle
from collections.abc import Callable
from typing import Any

import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
import lrdsl.torch as lt  # noqa: E402
from lrdsl.torch import Scheduler  # noqa: E402

# ----------------------------------------------------------------------------
# Optimizers and plans: float and tensor lrs, betas, momentum, weight decay.


def sgd() -> Any:
    """Two groups of float lrs, with momentum and weight decay."""
    a = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    b = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    return torch.optim.SGD(
        [{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.03}], momentum=0.9, weight_decay=1e-4
    )


def adam() -> Any:
    """A tensor lr (in place) in one group, a float lr in the other, and betas."""
    a = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    b = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    return torch.optim.Adam(
        [{"params": [a], "lr": torch.tensor(0.01, dtype=torch.float64)}, {"params": [b], "lr": 0.02}],
        betas=(0.9, 0.999),
        weight_decay=0.01,
        foreach=False,
    )


def one_group() -> Any:
    return torch.optim.SGD([torch.nn.Parameter(torch.ones(2, dtype=torch.float64))], lr=0.1)


@lr.register("hostile_adapters_fails_from_20")
def fails_from_20(t: Any) -> Any:
    if t >= 20:
        raise ZeroDivisionError(f"boom at {t}")
    return 0.1


@lr.register("hostile_adapters_nan_from_20")
def nan_from_20(t: Any) -> Any:
    return math.nan if t >= 20 else 0.1


@lr.register("hostile_adapters_nan_from_1")
def nan_from_1(t: Any) -> Any:
    return math.nan if t >= 1 else 0.1


@lr.register("hostile_adapters_fails_at_0")
def fails_at_0(t: Any) -> Any:
    if t == 0:
        raise ZeroDivisionError("boom at 0")
    return 0.1


#: Schedules good for steps 0..19 and bad from 20 on, and the words of the refusal.
BAD_FROM_20: dict[str, tuple[lr.Schedule, str]] = {
    "raises": (lr.lambda_(fails_from_20), r"cannot be evaluated at step 20: ZeroDivisionError: boom at 20"),
    "nan": (lr.lambda_(nan_from_20), r"gives nan at step 20; lr must be a finite number$"),
    "inf": (
        lr.exponential(0.1, 1e300, every=10, staircase=True),
        r"gives inf at step 20; lr must be a finite number$",
    ),
}

PLANS: dict[str, Callable[[lr.Schedule], tuple[Any, Any]]] = {
    # the lean path of step(): one group, a float lr
    "one_group": lambda bad: (one_group(), bad),
    # the direct path: float lrs in two groups, nothing else
    "two_groups": lambda bad: (sgd(), [lr.constant(0.05), bad]),
    # the general path: momentum and weight decay too
    "sgd_all": lambda bad: (
        sgd(),
        {"lr": bad, "momentum": lr.linear(0.8, 0.9, 30), "weight_decay": lr.constant(1e-3)},
    ),
    # a tensor lr and betas
    "adam_betas": lambda bad: (adam(), {"lr": [lr.constant(0.01), bad], "beta1": lr.linear(0.85, 0.95, 30)}),
}


def _value(v: Any, ids: bool = True) -> Any:
    """``v`` as plain data; a tensor by its value, and by its identity if ``ids``."""
    if isinstance(v, torch.Tensor):
        return ("tensor", id(v) if ids else None, v.dtype, v.tolist())
    if isinstance(v, (tuple, list)):
        return (type(v).__name__, *(_value(x, ids) for x in v))
    return v


def snapshot(opt: Any, sched: Any = None) -> dict[str, Any]:
    """Everything a failed operation must leave as it was."""
    groups = [
        {k: ([id(p) for p in v] if k == "params" else _value(v)) for k, v in g.items()}
        for g in opt.param_groups
    ]
    out: dict[str, Any] = {"groups": groups, "opt.step": opt.__dict__.get("step", "unpatched")}
    if sched is not None:
        out.update(
            last_epoch=sched.last_epoch,
            step_count=sched._step_count,
            base_lrs=_value(sched.base_lrs),
            schedules=sched.schedules,
            relative=sched.relative,
            fns=[id(f) for f in sched._fns],
            slots=list(sched._slots),
            writers=None if sched._writers is None else [(id(f), s) for f, s in sched._writers],
            last_lr=_value(sched.get_last_lr(), ids=False),  # copies, never aliases
            n_groups=sched._n_groups,
        )
    return out


def run(opt: Any, sched: Any, n: int) -> None:
    for _ in range(n):
        opt.step()
        sched.step()


def at_step(make: Callable[[lr.Schedule], tuple[Any, Any]], bad: lr.Schedule, k: int) -> tuple[Any, Any]:
    opt, plan = make(bad)
    sched = Scheduler(opt, plan)
    run(opt, sched, k)
    return opt, sched


# ----------------------------------------------------------------------------
# step(): a failed step changes nothing.


@pytest.mark.parametrize("bad", BAD_FROM_20, ids=BAD_FROM_20)
@pytest.mark.parametrize("plan", PLANS, ids=PLANS)
def test_a_step_to_a_bad_value_is_refused_and_changes_nothing(plan: str, bad: str) -> None:
    schedule, message = BAD_FROM_20[bad]
    opt, sched = at_step(PLANS[plan], schedule, 19)
    before = snapshot(opt, sched)
    with pytest.raises(
        lr.ScheduleError, match=r"Scheduler\.step: the 'lr' schedule of param group \d " + message
    ):
        sched.step()
    assert snapshot(opt, sched) == before
    with pytest.raises(lr.ScheduleError, match=message):  # and again: still at 19
        sched.step()
    assert sched.last_epoch == 19


@pytest.mark.parametrize("plan", PLANS, ids=PLANS)
def test_a_step_after_add_param_group_is_refused_and_changes_nothing(plan: str) -> None:
    opt, sched = at_step(PLANS[plan], lr.constant(0.1), 5)
    n = len(opt.param_groups)
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))], "lr": 0.5})
    before = snapshot(opt, sched)
    with pytest.raises(
        lr.ScheduleError,
        match=rf"^Scheduler\.step: the optimizer has {n + 1} param groups, but this Scheduler was built for {n};"
        r" build a new Scheduler after add_param_group",
    ):
        sched.step()
    assert snapshot(opt, sched) == before


def test_the_first_step_fails_atomically_too() -> None:
    # the first step() goes through LRScheduler.step (its warnings); its count is restored
    opt = sgd()
    sched = Scheduler(opt, {"lr": lr.lambda_(nan_from_1), "momentum": lr.constant(0.9)})
    before = snapshot(opt, sched)
    opt.step()
    with pytest.raises(lr.ScheduleError, match=r"^Scheduler\.step: .* gives nan at step 1"):
        sched.step()
    assert snapshot(opt, sched) == before
    assert sched._step_count == 1


def test_a_deprecated_step_epoch_that_fails_changes_nothing() -> None:
    opt, sched = at_step(PLANS["sgd_all"], BAD_FROM_20["nan"][0], 3)
    before = snapshot(opt, sched)
    with (
        pytest.warns(UserWarning, match="epoch parameter"),
        pytest.raises(lr.ScheduleError, match="at step 25"),
    ):
        sched.step(25)
    assert snapshot(opt, sched) == before


@pytest.mark.parametrize(
    ("epoch", "error", "message"),
    [
        (2.5, lr.ScheduleError, r"Scheduler\.step: epoch must be a whole number of steps >= 0, got 2\.5"),
        (-1, lr.ScheduleError, r"epoch must be a whole number of steps >= 0, got -1"),
        (math.nan, lr.ScheduleError, r"epoch must be a whole number of steps >= 0, got nan"),
        (True, TypeError, r"Scheduler\.step: epoch must be an int, got bool True"),
        ("3", TypeError, r"epoch must be an int, got str '3'"),
    ],
)
def test_a_deprecated_step_epoch_must_be_a_whole_step(epoch: Any, error: type, message: str) -> None:
    opt, sched = at_step(PLANS["one_group"], lr.linear(0.1, 0.0, 10), 2)
    before = snapshot(opt, sched)
    with pytest.warns(UserWarning, match="epoch parameter"), pytest.raises(error, match=message):
        sched.step(epoch)
    assert snapshot(opt, sched) == before


def test_a_deprecated_whole_float_epoch_is_that_step() -> None:
    opt, sched = at_step(PLANS["one_group"], lr.linear(0.1, 0.0, 10), 2)
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(4.0)
    assert sched.last_epoch == 4 and type(sched.last_epoch) is int
    assert opt.param_groups[0]["lr"] == lr.linear(0.1, 0.0, 10)(4)


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            {"beta1": lr.lambda_(nan_from_20)},
            r"the 'beta1' schedule of param group 0 gives nan at step 20; beta1 must be a finite number$",
        ),
        (
            {"weight_decay": lr.exponential(0.1, 1e300, every=10, staircase=True)},
            r"the 'weight_decay' schedule of param group 0 gives inf at step 20; weight_decay must be a finite"
            r" number$",
        ),
    ],
)
def test_betas_and_weight_decay_that_are_not_finite_are_refused_like_the_lr(plan: dict[str, Any], message: str) -> None:
    opt = adam()
    sched = Scheduler(opt, plan)
    run(opt, sched, 19)
    before = snapshot(opt, sched)
    with pytest.raises(lr.ScheduleError, match=message):
        sched.step()
    assert snapshot(opt, sched) == before


@pytest.mark.parametrize("plan", ["one_group", "two_groups", "sgd_all", "adam_betas"])
def test_a_negative_lr_is_written_as_pytorchs_schedulers_write_it(plan: str) -> None:
    # PyTorch's OneCycleLR extrapolates below 0 at t = total_steps, and its schedulers write it
    opt, _ = at_step(PLANS[plan], lr.constant(0.1) - lr.piecewise([20], [0.0, 0.11]), 20)
    assert float(opt.param_groups[-1]["lr"]) == 0.1 - 0.11


def test_a_beta_outside_0_1_is_written_as_pytorchs_schedulers_write_it() -> None:
    # PyTorch's own test_cycle_lr_with_adam cycles betas[0] between 1 and 22
    opt = adam()
    sched = Scheduler(opt, {"beta1": lr.linear(1.0, 22.0, 10), "weight_decay": lr.constant(-0.5)})
    run(opt, sched, 10)
    assert [g["betas"] for g in opt.param_groups] == [(22.0, 0.999)] * 2
    assert [g["weight_decay"] for g in opt.param_groups] == [-0.5] * 2


def test_the_lean_path_steps_on_after_a_refused_step_is_fixed() -> None:
    # a refused step leaves the scheduler usable: the user can repair the optimizer
    opt, sched = at_step(PLANS["two_groups"], lr.constant(0.1), 3)
    opt.param_groups[1]["lr"] = torch.tensor(0.1, dtype=torch.float64)  # now a tensor lr: the general path
    opt.step()
    sched.step()
    assert sched.last_epoch == 4 and opt.param_groups[1]["lr"].item() == 0.1


# ----------------------------------------------------------------------------
# The constructor and from_state_dict: a failure changes nothing in the optimizer.


@pytest.mark.parametrize("plan", PLANS, ids=PLANS)
def test_a_constructor_that_fails_leaves_the_optimizer_untouched(plan: str) -> None:
    opt, schedules = PLANS[plan](lr.lambda_(fails_at_0))
    before = snapshot(opt)
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Scheduler: the 'lr' schedule of param group \d cannot be evaluated at step 0",
    ):
        Scheduler(opt, schedules)
    assert snapshot(opt) == before
    assert all("initial_lr" not in g for g in opt.param_groups)


def _state_at(plan: str, schedule: lr.Schedule, k: int, relative: bool = False) -> dict[str, Any]:
    opt, schedules = PLANS[plan](schedule)
    sched = Scheduler(opt, schedules, relative=relative)
    run(opt, sched, k)
    return sched.state_dict()


@pytest.mark.parametrize("bad", BAD_FROM_20, ids=BAD_FROM_20)
@pytest.mark.parametrize("plan", PLANS, ids=PLANS)
def test_from_state_dict_that_fails_leaves_the_optimizer_untouched(plan: str, bad: str) -> None:
    schedule, message = BAD_FROM_20[bad]
    state = {**_state_at(plan, schedule, 3), "last_epoch": 20}
    opt, _ = PLANS[plan](schedule)
    before = snapshot(opt)
    with pytest.raises(
        lr.ScheduleError, match=r"^Scheduler\.from_state_dict: the 'lr' schedule .*" + message
    ):
        Scheduler.from_state_dict(opt, state)
    assert snapshot(opt) == before


def test_from_state_dict_goes_straight_to_the_checkpoints_step() -> None:
    # never through schedule(0): a schedule that cannot be evaluated at 0 resumes at 7
    state = {**_state_at("sgd_all", lr.constant(0.1), 3), "last_epoch": 7}
    state["schedules"]["lr"] = [lr.lambda_(fails_at_0).to_dict()] * 2
    opt, _ = PLANS["sgd_all"](lr.constant(0.1))
    sched = Scheduler.from_state_dict(opt, state)
    assert sched.last_epoch == 7 and sched.get_last_lr() == [0.1, 0.1]
    assert opt.param_groups[0]["momentum"] == lr.linear(0.8, 0.9, 30)(7)


def test_from_state_dict_for_an_optimizer_without_the_hyperparameter_changes_nothing() -> None:
    state = _state_at("sgd_all", lr.constant(0.1), 3)
    opt = adam()
    before = snapshot(opt)
    with pytest.raises(
        lr.ScheduleError, match=r"cannot drive 'momentum': Adam param_groups\[0\] has no 'momentum'"
    ):
        Scheduler.from_state_dict(opt, state)
    assert snapshot(opt) == before


# ----------------------------------------------------------------------------
# load_state_dict: a refused checkpoint changes nothing.


def _tamper(**fields: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda s: {**s, **fields}


def _drop(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda s: {k: v for k, v in s.items() if k != key}


def _doc(**fields: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def f(s: dict[str, Any]) -> dict[str, Any]:
        s = copy.deepcopy(s)
        s["schedules"]["lr"][0]["schedule"].update(fields)
        return s

    return f


#: Tampered checkpoints (of ``cosine(0.1, 0.0, 100)`` on ``sgd()`` at step 7), and the words
#: of the error each one must raise.
TAMPERED: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "not_a_dict": (lambda s: list(s.items()), r"expected a dict, got list"),
    "torch_scheduler_state": (
        lambda s: {"last_epoch": 7, "base_lrs": [0.1]},
        r"not an lrdsl Scheduler state",
    ),
    "format_missing": (_drop("format"), r"not an lrdsl Scheduler state \(its 'format' is None"),
    "version_missing": (_drop("version"), r"unknown state version None \(this lrdsl reads 1\)"),
    "version_bool": (_tamper(version=True), r"unknown state version True"),
    "version_text": (_tamper(version="1"), r"unknown state version '1'"),
    "last_epoch_missing": (_drop("last_epoch"), r"the checkpoint has no 'last_epoch'"),
    "step_count_missing": (_drop("step_count"), r"the checkpoint has no 'step_count'"),
    "relative_missing": (_drop("relative"), r"the checkpoint has no 'relative'"),
    "schedules_missing": (_drop("schedules"), r"the checkpoint has no 'schedules'"),
    "extra_key": (_tamper(optimizer={"lr": 1.0}), r"unknown keys in the checkpoint: 'optimizer'"),
    "base_lrs_not_relative": (
        _tamper(base_lrs=[0.1, 0.1]),
        r"unknown keys in the checkpoint: 'base_lrs' \(base_lrs belong to a relative Scheduler\)",
    ),
    "last_epoch_bool": (_tamper(last_epoch=True), r"'last_epoch' must be an int >= 0, got True"),
    "last_epoch_float": (_tamper(last_epoch=7.0), r"'last_epoch' must be an int >= 0, got 7\.0"),
    "last_epoch_nan": (_tamper(last_epoch=math.nan), r"'last_epoch' must be an int >= 0, got nan"),
    "last_epoch_negative": (_tamper(last_epoch=-1), r"'last_epoch' must be an int >= 0, got -1"),
    "last_epoch_huge": (
        _tamper(last_epoch=2**63),
        r"'last_epoch' must be at most 2\*\*63 - 1, got 9223372036854775808",
    ),
    "last_epoch_none": (_tamper(last_epoch=None), r"'last_epoch' must be an int >= 0, got None"),
    "step_count_zero": (_tamper(step_count=0), r"'step_count' must be an int >= 1, got 0"),
    "step_count_bool": (_tamper(step_count=False), r"'step_count' must be an int >= 1, got False"),
    "step_count_float": (_tamper(step_count=8.5), r"'step_count' must be an int >= 1, got 8\.5"),
    "relative_int": (_tamper(relative=0), r"'relative' must be True or False, got 0"),
    "schedules_list": (_tamper(schedules=[]), r"'schedules' must be a non-empty dict, got \[\]"),
    "schedules_empty": (_tamper(schedules={}), r"'schedules' must be a non-empty dict, got \{\}"),
    "schedules_unknown_name": (
        lambda s: {**s, "schedules": {"learning_rate": s["schedules"]["lr"]}},
        r"unknown hyperparameter 'learning_rate' in 'schedules' \(a Scheduler drives 'lr', 'weight_decay'",
    ),
    "schedules_per_group_not_a_list": (
        lambda s: {**s, "schedules": {"lr": s["schedules"]["lr"][0]}},
        r"schedules\['lr'\] must be a list with one schedule per param group \(2\), got dict",
    ),
    "schedule_number_nan": (
        _doc(start=math.nan),
        r"schedules\['lr'\]\[0\] is broken: .*start must be a finite number, got nan",
    ),
    "schedule_number_bool": (
        _doc(steps=True),
        r"schedules\['lr'\]\[0\] is broken: .*steps must be a number, got the bool True",
    ),
    "schedule_not_a_document": (
        lambda s: {**s, "schedules": {"lr": ["cosine(0.1, 0.0, 100)", s["schedules"]["lr"][1]]}},
        r"schedules\['lr'\]\[0\] is broken: from_dict: expected a dict, got str",
    ),
    "schedule_unknown_field": (
        _doc(exponent2=1.0),
        r"schedules\['lr'\]\[0\] is broken: .*unknown fields \['exponent2'\]",
    ),
}

#: Good checkpoints of other schedulers: ``from_state_dict`` takes them, ``load_state_dict`` refuses.
MISMATCHED: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "other_schedule": (
        _doc(steps=200),
        r"the checkpoint's 'lr' schedule for param group 0 is cosine\(0\.1, 0\.0, 200\), but this Scheduler was"
        r" built with cosine\(0\.1, 0\.0, 100\)",
    ),
    "other_flag": (
        lambda s: {**s, "relative": True, "base_lrs": [1.0, 1.0]},
        r"the checkpoint has relative=True, this Scheduler relative=False",
    ),
    "other_hyperparameters": (
        lambda s: {**s, "schedules": {**s["schedules"], "momentum": [lr.constant(0.9).to_dict()] * 2}},
        r"the checkpoint drives \['lr', 'momentum'\], this Scheduler drives \['lr'\]",
    ),
}


def _sgd_at_7() -> tuple[Any, Any]:
    opt = sgd()
    sched = Scheduler(opt, lr.cosine(0.1, 0.0, 100))
    run(opt, sched, 7)
    return opt, sched


@pytest.mark.parametrize(("tamper", "message"), TAMPERED.values(), ids=TAMPERED.keys())
def test_a_tampered_checkpoint_is_a_clear_error_and_changes_nothing(
    tamper: Callable[[dict[str, Any]], Any], message: str
) -> None:
    _, saved = _sgd_at_7()
    state = tamper(_roundtrip(saved.state_dict()))
    opt, sched = _sgd_at_7()
    run(opt, sched, 2)
    before = snapshot(opt, sched)
    with pytest.raises(lr.ScheduleError, match=r"^Scheduler\.load_state_dict: " + message):
        sched.load_state_dict(state)
    assert snapshot(opt, sched) == before
    fresh = sgd()
    before = snapshot(fresh)
    with pytest.raises(lr.ScheduleError, match=r"^Scheduler\.from_state_dict: "):
        Scheduler.from_state_dict(fresh, state)
    assert snapshot(fresh) == before


@pytest.mark.parametrize(("tamper", "message"), MISMATCHED.values(), ids=MISMATCHED.keys())
def test_another_schedulers_checkpoint_is_refused_by_load_and_changes_nothing(
    tamper: Callable[[dict[str, Any]], Any], message: str
) -> None:
    state = tamper(_roundtrip(_sgd_at_7()[1].state_dict()))
    opt, sched = _sgd_at_7()
    run(opt, sched, 2)
    before = snapshot(opt, sched)
    with pytest.raises(lr.ScheduleError, match=r"^Scheduler\.load_state_dict: " + message):
        sched.load_state_dict(state)
    assert snapshot(opt, sched) == before
    assert Scheduler.from_state_dict(sgd(), state).last_epoch == 7  # a good checkpoint all the same


#: Checkpoints of a relative scheduler with tampered base lrs.
BASE_LRS: dict[str, tuple[Any, str]] = {
    "nan": ([math.nan, 0.03], r"\[nan, 0\.03\]"),
    "inf": ([0.1, math.inf], r"\[0\.1, inf\]"),
    "negative": ([-0.1, 0.03], r"\[-0\.1, 0\.03\]"),
    "bool": ([True, 0.03], r"\[True, 0\.03\]"),
    "text": (["0.1", 0.03], r"\['0\.1', 0\.03\]"),
    "one_short": ([0.1], r"\[0\.1\]"),
    "not_a_list": (0.1, r"0\.1"),
}


@pytest.mark.parametrize(("bases", "shown"), BASE_LRS.values(), ids=BASE_LRS.keys())
def test_tampered_base_lrs_are_a_clear_error_and_change_nothing(bases: Any, shown: str) -> None:
    state = {**_state_at("sgd_all", lr.cosine(1.0, 0.0, 50), 7, relative=True), "base_lrs": bases}
    opt, plan = PLANS["sgd_all"](lr.cosine(1.0, 0.0, 50))
    sched = Scheduler(opt, plan, relative=True)
    run(opt, sched, 3)
    before = snapshot(opt, sched)
    with pytest.raises(
        lr.ScheduleError, match=r"'base_lrs' must be a list of 2 finite numbers >= 0, got " + shown
    ):
        sched.load_state_dict(state)
    assert snapshot(opt, sched) == before


def test_a_relative_checkpoint_without_base_lrs_is_a_clear_error() -> None:
    state = _state_at("sgd_all", lr.cosine(1.0, 0.0, 50), 7, relative=True)
    del state["base_lrs"]
    with pytest.raises(
        lr.ScheduleError, match=r"the checkpoint has no 'base_lrs' \(a relative Scheduler saves them\)"
    ):
        Scheduler.from_state_dict(sgd(), state)


@pytest.mark.parametrize("bad", BAD_FROM_20, ids=BAD_FROM_20)
@pytest.mark.parametrize("plan", PLANS, ids=PLANS)
def test_a_checkpoint_whose_step_gives_a_bad_value_is_refused_and_changes_nothing(
    plan: str, bad: str
) -> None:
    schedule, message = BAD_FROM_20[bad]
    state = {**_state_at(plan, schedule, 3), "last_epoch": 25}
    opt, sched = at_step(PLANS[plan], schedule, 5)
    before = snapshot(opt, sched)
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Scheduler\.load_state_dict: the 'lr' schedule .*" + message.replace("20", "25"),
    ):
        sched.load_state_dict(state)
    assert snapshot(opt, sched) == before


def test_load_state_dict_after_add_param_group_is_refused_and_changes_nothing() -> None:
    opt, sched = _sgd_at_7()
    state = sched.state_dict()
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.5})
    state["schedules"]["lr"].append(state["schedules"]["lr"][0])
    before = snapshot(opt, sched)
    with pytest.raises(
        lr.ScheduleError, match=r"the optimizer has 3 param groups, but this Scheduler was built for 2"
    ):
        sched.load_state_dict(state)
    assert snapshot(opt, sched) == before


def test_the_adapter_wraps_whatever_from_dict_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def hostile(doc: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    state = _roundtrip(_sgd_at_7()[1].state_dict())
    monkeypatch.setattr(lt, "from_dict", hostile)
    opt, sched = _sgd_at_7()
    before = snapshot(opt, sched)
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Scheduler\.load_state_dict: schedules\['lr'\]\[0\] is broken: RecursionError: maximum recursion",
    ):
        sched.load_state_dict(state)
    assert snapshot(opt, sched) == before


def test_a_document_naming_an_internal_node_cannot_set_the_lr() -> None:
    # the simplifier's table skips every constructor check: here it would set NaN. Either
    # from_dict's allow-list refuses it, or the value check does; the optimizer is untouched.
    table = {
        "op": "table",
        "offsets": [0],
        "steps": [1],
        "first": [math.nan],
        "last": [math.nan],
        "total": 1,
        "kinds": [0],
    }
    state = _roundtrip(_sgd_at_7()[1].state_dict())
    state["schedules"]["lr"] = [{"lrdsl": 1, "schedule": table}] * 2
    opt = sgd()
    before = snapshot(opt)
    with pytest.raises(
        lr.ScheduleError,
        match=r"^Scheduler\.from_state_dict: (schedules\['lr'\]\[0\] is broken: .*'table'"
        r"|the 'lr' schedule of param group 0 gives nan at step 7)",
    ):
        Scheduler.from_state_dict(opt, state)
    assert snapshot(opt) == before


# ----------------------------------------------------------------------------
# Resuming far away is one evaluation.

calls: list[Any] = []


@lr.register("hostile_adapters_counted")
def counted(t: Any) -> Any:
    calls.append(t)
    return 1.0 / (1.0 + t) ** 0.5


@pytest.mark.parametrize("k", [10**7, 2**63 - 1])
def test_resuming_at_a_far_step_evaluates_each_schedule_once(k: int) -> None:
    s = 0.1 * lr.lambda_(counted)
    state = {**_state_at("two_groups", s, 2), "last_epoch": k}
    state["schedules"]["lr"] = [s.to_dict()] * 2  # one schedule for both groups: shared
    opt = sgd()
    calls.clear()
    sched = Scheduler.from_state_dict(opt, state)
    assert calls == [k]
    assert sched.last_epoch == k and sched.get_last_lr() == [s(k), s(k)]
    calls.clear()
    opt2 = sgd()
    sched2 = Scheduler(opt2, s)
    calls.clear()
    sched2.load_state_dict(state)
    assert calls == [k]


# ----------------------------------------------------------------------------
# Pickling and copying, like PyTorch's own schedulers.


def _roundtrip(obj: Any, weights_only: bool = True) -> Any:
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=weights_only)


COPIES: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda x: pickle.loads(pickle.dumps(x)),
    "pickle_protocol_2": lambda x: pickle.loads(pickle.dumps(x, protocol=2)),
    "deepcopy": copy.deepcopy,
    "torch_save_load": lambda x: _roundtrip(x, weights_only=False),
}

SCHEDULES: dict[str, Callable[[], tuple[Any, Any, bool]]] = {
    "one_group": lambda: (one_group(), lr.linear(0, 0.1, 5) >> lr.cosine(0.1, 0.0, 20), False),
    "sgd_all_relative": lambda: (
        sgd(),
        {"lr": lr.warmup(lr.exponential(1.0, 0.9), 4), "momentum": lr.linear(0.8, 0.9, 30)},
        True,
    ),
    "adam_tensor_lr_betas": lambda: (
        adam(),
        {"lr": [lr.cosine(0.01, 0.0, 20), lr.step(0.02, 5, gamma=0.5)], "beta1": lr.linear(0.85, 0.95, 10)},
        False,
    ),
    "registered_lambda": lambda: (one_group(), 0.1 * lr.lambda_(counted), False),
}


def _trajectory(opt: Any, sched: Any, n: int) -> list[Any]:
    out = []
    for _ in range(n):
        opt.step()
        sched.step()
        out.append(
            (
                sched.last_epoch,
                _value(sched.get_last_lr()),
                [_value(dict(g, params=None)) for g in opt.param_groups],
            )
        )
    return out


def _strip_ids(x: Any) -> Any:
    if isinstance(x, tuple) and x and x[0] == "tensor":
        return ("tensor", *x[2:])
    if isinstance(x, (tuple, list)):
        return type(x)(_strip_ids(v) for v in x)
    if isinstance(x, dict):
        return {k: _strip_ids(v) for k, v in x.items()}
    return x


@pytest.mark.parametrize("how", COPIES, ids=COPIES)
@pytest.mark.parametrize("which", SCHEDULES, ids=SCHEDULES)
def test_a_copy_steps_on_with_the_right_values(which: str, how: str) -> None:
    opt, plan, relative = SCHEDULES[which]()
    sched = Scheduler(opt, plan, relative=relative)
    run(opt, sched, 6)
    twin = COPIES[how](sched)
    assert twin.optimizer is not opt
    assert (twin.last_epoch, twin._step_count, twin.schedules, twin.relative) == (
        sched.last_epoch,
        sched._step_count,
        sched.schedules,
        sched.relative,
    )
    assert twin.state_dict() == sched.state_dict()
    assert _strip_ids(_value(twin.get_last_lr())) == _strip_ids(_value(sched.get_last_lr()))
    # generated code is rebuilt, not copied
    assert twin._fns and all(a is not b for a, b in zip(twin._fns, sched._fns, strict=True))
    # the copy and the original then step alike, each on its own optimizer
    assert _strip_ids(_trajectory(twin.optimizer, twin, 25)) == _strip_ids(_trajectory(opt, sched, 25))


def test_pickling_the_optimizer_and_scheduler_together_keeps_them_linked() -> None:
    opt, plan, _ = SCHEDULES["adam_tensor_lr_betas"]()
    sched = Scheduler(opt, plan)
    run(opt, sched, 3)
    opt2, sched2 = pickle.loads(pickle.dumps((opt, sched)))
    assert sched2.optimizer is opt2
    run(opt2, sched2, 1)
    assert opt2.param_groups[0]["lr"].item() == lr.cosine(0.01, 0.0, 20)(4)
    assert opt.param_groups[0]["lr"].item() == lr.cosine(0.01, 0.0, 20)(3)  # the original is untouched


def test_the_pickled_scheduler_holds_no_generated_code() -> None:
    sched = Scheduler(one_group(), lr.linear(0, 0.1, 5) >> lr.cosine(0.1, 0.0, 20))
    state = sched.__getstate__()
    assert not {"_fns", "_writers", "_slots"} & set(state)
    assert b"_make" not in pickle.dumps(sched)


def test_an_unregistered_lambda_does_not_pickle_like_lambdalr() -> None:
    # PyTorch's LambdaLR with a lambda does not pickle either (pickle's own error)
    sched = Scheduler(one_group(), 0.1 * lr.lambda_(lambda t: 1.0))
    with pytest.raises((pickle.PicklingError, AttributeError), match="lambda"):
        pickle.dumps(sched)


def test_state_dict_still_reads_with_weights_only() -> None:
    opt, plan, _ = SCHEDULES["sgd_all_relative"]()
    sched = Scheduler(opt, plan, relative=True)
    run(opt, sched, 4)
    state = _roundtrip(sched.state_dict(), weights_only=True)
    assert state == sched.state_dict()
    twin = Scheduler.from_state_dict(sgd(), state)
    assert twin.get_last_lr() == sched.get_last_lr() and twin.last_epoch == 4
