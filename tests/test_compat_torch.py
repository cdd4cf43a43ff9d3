"""``lrdsl.compat.torch`` against ``torch.optim.lr_scheduler`` itself.

Each case steps a real ``torch.optim.SGD`` under PyTorch's scheduler and reads
the lr each step uses (Python floats, so float64); the compat expression at
``t = 0, 1, ...`` must give the same numbers across every phase.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lrdsl as lr
from lrdsl.compat import torch as ct

from .compat_cases import Case, assert_exact

torch = pytest.importorskip("torch")
L = torch.optim.lr_scheduler
SWA = torch.optim.swa_utils.SWALR


def torch_lrs(make: Callable[[Any], Any], base: float, n: int) -> list[float]:
    """The lr a real SGD uses at steps ``0 .. n-1`` under ``make(optimizer)``."""
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base, momentum=0.9)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(float(opt.param_groups[0]["lr"]))
        opt.step()
        sched.step()
    return out


def _halve_every_10(epoch: int) -> float:
    return 0.5 if epoch % 10 == 0 else 1.0


def _sq(t: Any) -> Any:
    return 1.0 / (1.0 + t) ** 0.5


def case(name: str, config: str, ours: Callable[[], Any], make: Callable[[Any], Any], base: float, n: int) -> Case:
    return Case(name, config, ours, lambda: torch_lrs(make, base, n), n)


CASES = [
    case("LambdaLR", "1/sqrt(1+t)", lambda: ct.LambdaLR(0.1, _sq), lambda o: L.LambdaLR(o, _sq), 0.1, 50),
    case("LambdaLR", "0.9**t", lambda: ct.LambdaLR(0.5, lambda t: 0.9**t), lambda o: L.LambdaLR(o, lambda t: 0.9**t), 0.5, 50),
    case("MultiplicativeLR", "0.95", lambda: ct.MultiplicativeLR(0.1, 0.95), lambda o: L.MultiplicativeLR(o, lambda e: 0.95), 0.1, 200),
    case("MultiplicativeLR", "1.01", lambda: ct.MultiplicativeLR(0.01, 1.01), lambda o: L.MultiplicativeLR(o, lambda e: 1.01), 0.01, 200),
    case("StepLR", "30,0.1", lambda: ct.StepLR(0.1, 30), lambda o: L.StepLR(o, 30), 0.1, 200),
    case("StepLR", "7,0.5", lambda: ct.StepLR(0.3, 7, gamma=0.5), lambda o: L.StepLR(o, 7, gamma=0.5), 0.3, 100),
    case("MultiStepLR", "unsorted,repeat", lambda: ct.MultiStepLR(0.1, [80, 30, 30]), lambda o: L.MultiStepLR(o, [80, 30, 30]), 0.1, 120),
    case("MultiStepLR", "gamma=0.5", lambda: ct.MultiStepLR(1.0, [5, 10, 50], 0.5), lambda o: L.MultiStepLR(o, [5, 10, 50], 0.5), 1.0, 80),
    case("ConstantLR", "default", lambda: ct.ConstantLR(0.1), lambda o: L.ConstantLR(o), 0.1, 20),
    case("ConstantLR", "0.5,40", lambda: ct.ConstantLR(0.2, 0.5, 40), lambda o: L.ConstantLR(o, 0.5, 40), 0.2, 80),
    case("LinearLR", "default", lambda: ct.LinearLR(0.1), lambda o: L.LinearLR(o), 0.1, 20),
    case("LinearLR", "decay", lambda: ct.LinearLR(0.1, 1.0, 0.05, 60), lambda o: L.LinearLR(o, 1.0, 0.05, 60), 0.1, 100),
    case("ExponentialLR", "0.97", lambda: ct.ExponentialLR(0.1, 0.97), lambda o: L.ExponentialLR(o, 0.97), 0.1, 300),
    case("ExponentialLR", "0.5", lambda: ct.ExponentialLR(1.0, 0.5), lambda o: L.ExponentialLR(o, 0.5), 1.0, 60),
    case(
        "SequentialLR",
        "constant,exponential",
        lambda: ct.SequentialLR([ct.ConstantLR(0.1, 0.1, 20), ct.ExponentialLR(0.1, 0.9)], [20]),
        lambda o: L.SequentialLR(o, [L.ConstantLR(o, 0.1, 20), L.ExponentialLR(o, 0.9)], milestones=[20]),
        0.1,
        80,
    ),
    case(
        "SequentialLR",
        "linear,cosine,step",
        lambda: ct.SequentialLR(
            [ct.LinearLR(0.1, 0.01, 1.0, 10), ct.CosineAnnealingLR(0.1, 50, 0.001), ct.StepLR(0.1, 10, 0.5)], [10, 60]
        ),
        lambda o: L.SequentialLR(
            o, [L.LinearLR(o, 0.01, 1.0, 10), L.CosineAnnealingLR(o, 50, 0.001), L.StepLR(o, 10, 0.5)], [10, 60]
        ),
        0.1,
        100,
    ),
    case("CosineAnnealingLR", "T_max=50", lambda: ct.CosineAnnealingLR(0.1, 50), lambda o: L.CosineAnnealingLR(o, 50), 0.1, 230),
    case(
        "CosineAnnealingLR",
        "eta_min",
        lambda: ct.CosineAnnealingLR(0.1, 37, 0.002),
        lambda o: L.CosineAnnealingLR(o, 37, 0.002),
        0.1,
        150,
    ),
    case(
        "ChainedScheduler",
        "step*exponential",
        lambda: ct.ChainedScheduler([ct.StepLR(1.0, 10, 0.5), ct.ExponentialLR(1.0, 0.98)], base_lr=0.1),
        lambda o: L.ChainedScheduler([L.StepLR(o, 10, 0.5), L.ExponentialLR(o, 0.98)]),
        0.1,
        80,
    ),
    case(
        "ChainedScheduler",
        "constant*linear",
        lambda: ct.ChainedScheduler([ct.ConstantLR(1.0, 0.5, 15), ct.LinearLR(1.0, 0.2, 1.0, 30)], base_lr=0.3),
        lambda o: L.ChainedScheduler([L.ConstantLR(o, 0.5, 15), L.LinearLR(o, 0.2, 1.0, 30)]),
        0.3,
        60,
    ),
    case(
        "CyclicLR",
        "triangular",
        lambda: ct.CyclicLR(0.01, 0.1, 10, cycle_momentum=False),
        lambda o: L.CyclicLR(o, 0.01, 0.1, 10),
        0.01,
        70,
    ),
    case(
        "CyclicLR",
        "triangular2,up!=down",
        lambda: ct.CyclicLR(0.001, 0.1, 7, 13, mode="triangular2", cycle_momentum=False),
        lambda o: L.CyclicLR(o, 0.001, 0.1, 7, 13, mode="triangular2"),
        0.001,
        100,
    ),
    case(
        "CyclicLR",
        "exp_range",
        lambda: ct.CyclicLR(0.01, 0.2, 5, mode="exp_range", gamma=0.99, cycle_momentum=False),
        lambda o: L.CyclicLR(o, 0.01, 0.2, 5, mode="exp_range", gamma=0.99),
        0.01,
        60,
    ),
    case(
        "CosineAnnealingWarmRestarts",
        "T_0=10",
        lambda: ct.CosineAnnealingWarmRestarts(0.1, 10),
        lambda o: L.CosineAnnealingWarmRestarts(o, 10),
        0.1,
        45,
    ),
    case(
        "CosineAnnealingWarmRestarts",
        "T_mult=2,eta_min",
        lambda: ct.CosineAnnealingWarmRestarts(0.1, 5, 2, 0.001),
        lambda o: L.CosineAnnealingWarmRestarts(o, 5, 2, 0.001),
        0.1,
        160,
    ),
    case(
        "CosineAnnealingWarmRestarts",
        "T_mult=3",
        lambda: ct.CosineAnnealingWarmRestarts(0.05, 3, 3),
        lambda o: L.CosineAnnealingWarmRestarts(o, 3, 3),
        0.05,
        130,
    ),
    case(
        "OneCycleLR",
        "cos",
        lambda: ct.OneCycleLR(0.1, 100, cycle_momentum=False),
        lambda o: L.OneCycleLR(o, 0.1, 100),
        0.1,
        100,
    ),
    case(
        "OneCycleLR",
        "linear,three_phase,fractional",
        lambda: ct.OneCycleLR(0.5, 97, pct_start=0.25, anneal_strategy="linear", three_phase=True, cycle_momentum=False),
        lambda o: L.OneCycleLR(o, 0.5, 97, pct_start=0.25, anneal_strategy="linear", three_phase=True),
        0.5,
        97,
    ),
    case(
        "OneCycleLR",
        "cos,three_phase,epochs",
        lambda: ct.OneCycleLR(1.0, None, 5, 13, 0.4, "cos", False, div_factor=10.0, final_div_factor=100.0, three_phase=True),
        lambda o: L.OneCycleLR(o, 1.0, None, 5, 13, 0.4, "cos", div_factor=10.0, final_div_factor=100.0, three_phase=True),
        1.0,
        65,
    ),
    case(
        "MultiplicativeLR",
        "halve every 10",
        lambda: ct.MultiplicativeLR(0.1, _halve_every_10),
        lambda o: L.MultiplicativeLR(o, _halve_every_10),
        0.1,
        100,
    ),
    case("SWALR", "cos", lambda: ct.SWALR(0.1, 0.01, 15), lambda o: SWA(o, 0.01, anneal_epochs=15), 0.1, 40),
    case(
        "SWALR",
        "linear",
        lambda: ct.SWALR(0.05, 0.2, 7, "linear"),
        lambda o: SWA(o, 0.2, anneal_epochs=7, anneal_strategy="linear"),
        0.05,
        20,
    ),
    case("PolynomialLR", "default", lambda: ct.PolynomialLR(0.1), lambda o: L.PolynomialLR(o), 0.1, 12),
    case("PolynomialLR", "power=2", lambda: ct.PolynomialLR(0.1, 40, 2.0), lambda o: L.PolynomialLR(o, 40, 2.0), 0.1, 60),
]


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.id)
def test_matches_pytorch(c: Case) -> None:
    assert_exact(c)


def test_compat_results_read_as_plain_expressions() -> None:
    assert str(ct.StepLR(0.1, 30)) == "step(0.1, 30)"
    assert str(ct.CosineAnnealingWarmRestarts(0.1, 10, 2)) == "cosine_restarts(0.1, 0.0, 10, mult=2)"
    assert str(ct.OneCycleLR(0.1, 100, cycle_momentum=False)) == (
        "chain(cosine(0.004, 0.1, 29.0), cosine(0.1, 4e-07, 70.0), constant(5.074647154757325e-05),"
        " boundaries=[29.0, 100])"
    )
    assert str(ct.CyclicLR(0.01, 0.1, 10, cycle_momentum=False)) == "cyclic(0.01, 0.1, 10)"
    assert str(ct.MultiStepLR(0.1, [80, 30])) == "multistep(0.1, [30, 80])"


def test_multiplicative_lr_takes_a_function_or_its_constant_factor() -> None:
    assert str(ct.MultiplicativeLR(0.1, 0.95)) == "exponential(0.1, 0.95)"
    s = ct.MultiplicativeLR(0.1, lambda e: 0.5 if e % 10 == 0 else 1.0)
    assert isinstance(s, lr.RunningProduct)
    assert [s(t) for t in (0, 9, 10, 19, 20)] == [0.1, 0.1, 0.05, 0.05, 0.025]


def test_signatures_relied_on_by_from_scheduler() -> None:
    import inspect

    assert list(inspect.signature(ct.OneCycleLR).parameters) == [
        "max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start", "anneal_strategy", "cycle_momentum",
        "base_momentum", "max_momentum", "div_factor", "final_div_factor", "three_phase", "last_epoch",
        "momentum_key",
    ]
    assert list(inspect.signature(ct.CyclicLR).parameters) == [
        "base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma", "scale_fn", "scale_mode",
        "cycle_momentum", "base_momentum", "max_momentum", "last_epoch", "momentum_key",
    ]
    assert list(inspect.signature(ct.CosineAnnealingWarmRestarts).parameters) == ["base_lr", "T_0", "T_mult", "eta_min"]
    assert list(inspect.signature(ct.SWALR).parameters) == [
        "base_lr", "swa_lr", "anneal_epochs", "anneal_strategy", "last_epoch",
    ]


def test_onecycle_at_total_steps_is_pytorchs_extrapolation_then_held() -> None:
    s = ct.OneCycleLR(0.1, 100, cycle_momentum=False)
    pct = (100 - 29.0) / (99 - 29.0)  # PyTorch's last anneal, one step past its end
    end = 0.1 / 25 / 1e4
    assert s(100) == end + (0.1 - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    assert s(99) == pytest.approx(end, rel=1e-15)
    assert s(100) == s(101) == s(10**6)
    assert np.isfinite(s(np.arange(0, 10**5, 997))).all()
