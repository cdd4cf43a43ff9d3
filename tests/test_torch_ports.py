"""PyTorch code ported line by line: ``lrdsl.compat.torch`` built as a PyTorch user builds
schedulers (every child with the group's lr), the momentum cycles of CyclicLR and
OneCycleLR, OneCycleLR at ``total_steps``, SWALR, MultiplicativeLR with any function, and
``from_scheduler`` of each, against real PyTorch at float64 (rtol 1e-12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lrdsl as lr
from lrdsl.compat import torch as ct

torch = pytest.importorskip("torch")
from lrdsl.torch import Scheduler, from_scheduler  # noqa: E402

L = torch.optim.lr_scheduler
SWALR = torch.optim.swa_utils.SWALR


def real(make: Callable[[Any], Any], n: int, *, adam: bool = False, bases: tuple[float, ...] = (0.1,)) -> dict[str, np.ndarray]:
    """PyTorch's lr and momentum (or ``betas[0]``) at ``t = 0 .. n`` (``n`` steps), per group."""
    params = [torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)) for _ in bases]
    groups = [{"params": [p], "lr": b} for p, b in zip(params, bases)]
    opt = torch.optim.Adam(groups) if adam else torch.optim.SGD(groups, lr=bases[0], momentum=0.9)
    sched = make(opt)
    out: dict[str, list[list[float]]] = {"lr": [], "momentum": []}
    for k in range(n + 1):
        out["lr"].append([float(g["lr"]) for g in opt.param_groups])
        out["momentum"].append([float(g["betas"][0] if adam else g["momentum"]) for g in opt.param_groups])
        if k < n:
            opt.step()
            sched.step()
    return {key: np.array(v) for key, v in out.items()}


def values(s: Any, n: int) -> np.ndarray:
    return np.asarray(s(np.arange(n + 1)), dtype=np.float64)


# ----------------------------------------------------------------------------
# ChainedScheduler of children built with the group's lr.


def test_chained_children_built_with_the_base_lr_give_pytorchs_product() -> None:
    ours = ct.ChainedScheduler([ct.ConstantLR(0.05, factor=0.5, total_iters=4), ct.ExponentialLR(0.05, gamma=0.9)])
    theirs = real(lambda o: L.ChainedScheduler([L.ConstantLR(o, 0.5, 4), L.ExponentialLR(o, 0.9)]), 30, bases=(0.05,))
    np.testing.assert_allclose(values(ours, 30), theirs["lr"][:, 0], rtol=1e-12)
    assert str(ours) == "0.05 * piecewise([4], [0.5, 1.0]) * exponential(1.0, 0.9)"


def test_chained_children_built_with_one_keep_the_base_lr_argument() -> None:
    old = ct.ChainedScheduler([ct.StepLR(1.0, 10, 0.5), ct.ExponentialLR(1.0, 0.98)], base_lr=0.1)
    new = ct.ChainedScheduler([ct.StepLR(0.1, 10, 0.5), ct.ExponentialLR(0.1, 0.98)])
    assert old == new


def test_chained_multiplicative_and_cosine_children_are_factors() -> None:
    ours = ct.ChainedScheduler([ct.MultiplicativeLR(0.1, lambda e: 0.97), ct.CosineAnnealingLR(0.1, T_max=40)])
    theirs = real(lambda o: L.ChainedScheduler([L.MultiplicativeLR(o, lambda e: 0.97), L.CosineAnnealingLR(o, 40)]), 40)
    np.testing.assert_allclose(values(ours, 40), theirs["lr"][:, 0], rtol=1e-12, atol=1e-15)


def test_chained_schedulers_nest() -> None:
    inner = ct.ChainedScheduler([ct.StepLR(0.1, 5), ct.ExponentialLR(0.1, 0.9)])
    outer = ct.ChainedScheduler([inner, ct.LinearLR(0.1, 0.5, total_iters=3)])
    expected = [0.1 * 0.1 ** (t // 5) * 0.9**t * (0.5 + 0.5 * min(t, 3) / 3) for t in range(20)]
    np.testing.assert_allclose(values(outer, 19), expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("children", "message"),
    [
        (
            lambda: [ct.ExponentialLR(0.05, 0.9), ct.StepLR(0.1, 10)],
            r"ChainedScheduler: schedulers must be built with one base lr \(got \[0.05, 0.1\]\)",
        ),
        (
            lambda: [ct.ExponentialLR(0.05, 0.9), ct.CosineAnnealingWarmRestarts(0.05, 10)],
            r"schedulers\[1\] must be a multiplicative scheduler \(CosineAnnealingWarmRestarts: it sets the lr",
        ),
        (
            lambda: [ct.LambdaLR(0.05, lambda t: 1.0), ct.StepLR(0.05, 10)],
            r"schedulers\[0\] must be a multiplicative scheduler \(LambdaLR: it sets the lr",
        ),
        (
            lambda: [ct.ExponentialLR(0.05, 0.9), ct.OneCycleLR(0.05, 100, cycle_momentum=False)],
            r"schedulers\[1\] must be a multiplicative scheduler \(OneCycleLR",
        ),
        (lambda: [], r"ChainedScheduler: schedulers must be at least one scheduler, got \[\]"),
    ],
    ids=["two bases", "warm restarts", "lambda", "onecycle", "empty"],
)
def test_chained_refuses_what_has_no_product_form(children: Callable[[], list[Any]], message: str) -> None:
    with pytest.raises(lr.ScheduleError, match=message):
        ct.ChainedScheduler(children())


def test_chained_base_lr_must_be_the_childrens() -> None:
    with pytest.raises(lr.ScheduleError, match=r"ChainedScheduler: base_lr must be the children's base lr \(0.05\), got 0.1"):
        ct.ChainedScheduler([ct.StepLR(0.05, 10)], base_lr=0.1)


def test_the_remembered_base_changes_no_equality_text_or_data() -> None:
    s = ct.StepLR(0.05, 3)
    assert s == lr.step(0.05, 3) and str(s) == "step(0.05, 3)"
    assert lr.from_dict(s.to_dict()) == s


# ----------------------------------------------------------------------------
# MultiplicativeLR with any function.


def test_multiplicative_with_a_branching_function_is_pytorchs_recursion() -> None:
    def f(epoch: int) -> float:
        return 0.5 if epoch % 10 == 0 else 1.0

    theirs = real(lambda o: L.MultiplicativeLR(o, f), 200)
    np.testing.assert_array_equal(values(ct.MultiplicativeLR(0.1, f), 200), theirs["lr"][:, 0])
    np.testing.assert_array_equal(values(from_scheduler(L.MultiplicativeLR(_sgd(), f)), 200), theirs["lr"][:, 0])


def test_multiplicative_is_a_factor_of_a_converted_chained_scheduler() -> None:
    def make(o: Any) -> Any:
        return L.ChainedScheduler([L.MultiplicativeLR(o, lambda e: 0.97), L.StepLR(o, 7, 0.5)])

    theirs = real(make, 50)
    np.testing.assert_allclose(values(from_scheduler(make(_sgd())), 50), theirs["lr"][:, 0], rtol=1e-12)


def _sgd(lr_: float = 0.1, **kw: Any) -> Any:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))], lr=lr_, **kw)


# ----------------------------------------------------------------------------
# CyclicLR and OneCycleLR: every argument, and the momentum.


CYCLIC: dict[str, dict[str, Any]] = {
    "triangular": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5},
    "triangular2,up!=down": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 7, "mode": "triangular2"},
    "exp_range": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "mode": "exp_range", "gamma": 0.97},
    "scale_fn cycle": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "scale_fn": lambda x: 1 / (1.0 + x)},
    "scale_fn iterations": {
        "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "scale_fn": lambda x: 0.99**x, "scale_mode": "iterations",
    },
    "momentum bounds": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 6, "base_momentum": 0.7, "max_momentum": 0.95},
}  # fmt: skip


@pytest.mark.parametrize("config", list(CYCLIC))
def test_cyclic_lr_and_momentum_are_pytorchs(config: str) -> None:
    kw = CYCLIC[config]
    theirs = real(lambda o: L.CyclicLR(o, **kw), 60)
    ours = ct.CyclicLR(**kw)
    assert set(ours) == {"lr", "momentum"}
    np.testing.assert_allclose(values(ours["lr"], 60), theirs["lr"][:, 0], rtol=1e-12)
    np.testing.assert_allclose(values(ours["momentum"], 60), theirs["momentum"][:, 0], rtol=1e-12)
    converted = from_scheduler(L.CyclicLR(_sgd(momentum=0.9), **kw))
    np.testing.assert_allclose(values(converted["lr"], 60), theirs["lr"][:, 0], rtol=1e-12)
    np.testing.assert_allclose(values(converted["momentum"], 60), theirs["momentum"][:, 0], rtol=1e-12)


ONECYCLE: dict[str, dict[str, Any]] = {
    "cos": {"max_lr": 0.1, "total_steps": 100},
    "linear": {"max_lr": 0.1, "total_steps": 100, "anneal_strategy": "linear"},
    "three phases": {"max_lr": 0.5, "total_steps": 97, "pct_start": 0.25, "three_phase": True},
    "linear, three phases": {"max_lr": 0.5, "epochs": 7, "steps_per_epoch": 13, "anneal_strategy": "linear", "three_phase": True},
    "momentum bounds": {"max_lr": 1.0, "total_steps": 50, "base_momentum": 0.6, "max_momentum": 0.99, "div_factor": 5.0},
}  # fmt: skip


@pytest.mark.parametrize("config", list(ONECYCLE))
def test_onecycle_lr_and_momentum_are_pytorchs_through_total_steps(config: str) -> None:
    kw = ONECYCLE[config]
    ours = ct.OneCycleLR(**kw)
    n = int(ours["lr"].bounds[-1])  # total_steps: the last step PyTorch takes
    theirs = real(lambda o: L.OneCycleLR(o, **kw), n)
    np.testing.assert_allclose(values(ours["lr"], n), theirs["lr"][:, 0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(values(ours["momentum"], n), theirs["momentum"][:, 0], rtol=1e-12)
    assert ours["lr"](n + 10**6) == ours["lr"](n)  # then held: PyTorch refuses to step further


def test_onecycle_with_adam_cycles_beta1() -> None:
    theirs = real(lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=30), 30, adam=True)
    ours = ct.OneCycleLR(0.1, 30, momentum_key="beta1")
    np.testing.assert_allclose(values(ours["beta1"], 30), theirs["momentum"][:, 0], rtol=1e-12)
    converted = from_scheduler(L.OneCycleLR(torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))]), 0.1, 30))
    assert set(converted) == {"lr", "beta1"}
    np.testing.assert_allclose(values(converted["beta1"], 30), theirs["momentum"][:, 0], rtol=1e-12)


def test_the_dict_drives_a_scheduler_like_pytorchs() -> None:
    theirs = real(lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=40), 40)
    opt = _sgd(momentum=0.9)
    sched = Scheduler(opt, ct.OneCycleLR(0.1, 40))
    for k in range(41):
        assert opt.param_groups[0]["lr"] == pytest.approx(theirs["lr"][k, 0], rel=1e-12, abs=1e-16)
        assert opt.param_groups[0]["momentum"] == pytest.approx(theirs["momentum"][k, 0], rel=1e-12)
        if k < 40:
            opt.step()
            sched.step()


def test_per_group_lists_give_per_group_schedules() -> None:
    theirs = real(lambda o: L.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], 5, base_momentum=[0.8, 0.7]), 30, bases=(0.1, 0.2))
    ours = ct.CyclicLR([0.01, 0.02], [0.1, 0.3], 5, base_momentum=[0.8, 0.7])
    for g in range(2):
        np.testing.assert_allclose(values(ours["lr"][g], 30), theirs["lr"][:, g], rtol=1e-12)
        np.testing.assert_allclose(values(ours["momentum"][g], 30), theirs["momentum"][:, g], rtol=1e-12)
    with pytest.raises(lr.ScheduleError, match=r"CyclicLR: max_lr must be one value per param group, as base_lr \(2\)"):
        ct.CyclicLR([0.01, 0.02], [0.1, 0.2, 0.3])


def test_last_epoch_is_taken_and_changes_nothing() -> None:
    assert ct.OneCycleLR(0.1, 100, last_epoch=41) == ct.OneCycleLR(0.1, 100)
    with pytest.raises(lr.ScheduleError, match=r"CyclicLR: last_epoch must be >= -1, got -2"):
        ct.CyclicLR(0.01, 0.1, last_epoch=-2)
    with pytest.raises(TypeError, match=r"SWALR: last_epoch must be an int, got float 1.0"):
        ct.SWALR(0.1, 0.01, last_epoch=1.0)  # type: ignore[arg-type]


def test_momentum_key_is_momentum_or_beta1() -> None:
    with pytest.raises(lr.ScheduleError, match=r"OneCycleLR: momentum_key must be one of 'momentum', 'beta1', got 'betas'"):
        ct.OneCycleLR(0.1, 100, momentum_key="betas")


def test_a_child_cycling_the_momentum_is_refused_in_sequences() -> None:
    with pytest.raises(lr.ScheduleError, match=r"SequentialLR: schedulers\[1\] must be an lr schedule"):
        ct.SequentialLR([ct.ConstantLR(0.1), ct.CyclicLR(0.01, 0.1)], milestones=[5])
    opt = _sgd(momentum=0.9)
    theirs = L.SequentialLR(opt, [L.ConstantLR(opt), L.OneCycleLR(opt, 0.1, 20)], milestones=[5])
    with pytest.raises(NotImplementedError, match=r"SequentialLR child 1 \(OneCycleLR\) also cycles the momentum"):
        from_scheduler(theirs)


# ----------------------------------------------------------------------------
# SWALR.


@pytest.mark.parametrize(
    "kw",
    [{"swa_lr": 0.01}, {"swa_lr": 0.05, "anneal_epochs": 4, "anneal_strategy": "linear"}, {"swa_lr": 0.02, "anneal_epochs": 0}],
    ids=["cos", "linear", "no anneal"],
)
def test_swalr_and_its_conversion_are_pytorchs(kw: dict[str, Any]) -> None:
    theirs = real(lambda o: SWALR(o, **kw), 20)
    np.testing.assert_allclose(values(ct.SWALR(0.1, **kw), 20), theirs["lr"][:, 0], rtol=1e-12)
    np.testing.assert_allclose(values(from_scheduler(SWALR(_sgd(), **kw)), 20), theirs["lr"][:, 0], rtol=1e-12)


# ----------------------------------------------------------------------------
# Negative values, where the anchor takes them.


def test_optax_negative_values_are_taken() -> None:
    from lrdsl.compat import optax as co

    assert co.piecewise_constant_schedule(-0.1, {3: 2.0})(np.arange(5)).tolist() == [-0.1, -0.1, -0.1, -0.2, -0.2]
    s = co.warmup_cosine_decay_schedule(0.2, 1.21, 50, 100, end_value=-3.0)
    assert s(100) == -3.0 and lr.parse(str(s)) == s


def test_onecycle_linear_extrapolates_below_zero_as_pytorch_does() -> None:
    s = ct.OneCycleLR(25, 10, final_div_factor=2, anneal_strategy="linear", cycle_momentum=False)
    assert s(10) == -3.0  # PyTorch's lr after its last step


@pytest.mark.parametrize(
    "s",
    [
        lr.constant(-0.5),
        lr.linear(1.0, -1.0, 10),
        lr.cosine(-1.0, -3.0, 10, exponent=2.0),
        lr.polynomial(-1.0, 2.0, 10, power=0.5),
        lr.exponential(-1.0, 0.9, end=-0.5),
        lr.step(-1.0, 3),
        lr.multistep(-1.0, [2, 5]),
        lr.piecewise([3], [-1.0, 2.0]),
        lr.interpolate([0, 5, 10], [-1.0, 1.0, -2.0]),
        lr.cosine_restarts(-1.0, 1.0, 4, mult=2.0),
        lr.inverse_sqrt(-1.0, 5),
        lr.cyclic(-1.0, 1.0, 3),
        lr.onecycle(-1.0, 12, pct_start=0.5),
    ],
    ids=str,
)
def test_values_may_be_negative_on_every_backend(s: lr.Schedule) -> None:
    t = np.arange(0, 15)
    py = np.array([s(int(k)) for k in t])
    np.testing.assert_allclose(s(t), py, rtol=1e-12, atol=1e-15)
    assert (py < 0).any()
    assert lr.parse(str(s)) == s and lr.from_dict(s.to_dict()) == s
    jax = pytest.importorskip("jax")
    np.testing.assert_allclose(np.asarray(jax.jit(s.compile("jax"))(jax.numpy.asarray(t))), py, rtol=2e-6, atol=2e-6)
