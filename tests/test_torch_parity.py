"""The language's primitives against PyTorch's own schedulers, at float64.

Each case steps a real ``torch.optim.SGD`` with PyTorch's scheduler for 300
steps and reads the lr the optimizer would use at each step; the lrdsl
expression evaluated at ``t = 0..299`` must give the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
L = torch.optim.lr_scheduler

STEPS = 300
BASE = 0.1


def torch_lrs(make: Callable[[object], object], base: float = BASE, n: int = STEPS) -> np.ndarray:
    """The lr a real SGD uses at steps 0..n-1 under the scheduler ``make(optimizer)``."""
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()  # type: ignore[attr-defined]
    return np.array(out, dtype=np.float64)


def assert_same(ours: lr.Schedule, theirs: np.ndarray) -> None:
    np.testing.assert_allclose(ours.values(len(theirs)), theirs, rtol=1e-12, atol=1e-15)
    # the scalar path agrees with the array path
    for k in (0, 1, len(theirs) // 2, len(theirs) - 1):
        assert math.isclose(ours(k), theirs[k], rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize(("step_size", "gamma"), [(30, 0.1), (7, 0.5), (1, 0.99), (100, 2.0)])
def test_step_matches_steplr(step_size: int, gamma: float) -> None:
    theirs = torch_lrs(lambda o: L.StepLR(o, step_size=step_size, gamma=gamma))
    assert_same(lr.step(BASE, step_size, gamma=gamma), theirs)


@pytest.mark.parametrize(
    ("milestones", "gamma"),
    [([30, 80], 0.1), ([50, 100, 100, 200], 0.5), ([0, 1, 2, 299], 0.9), ([10], 3.0)],
)
def test_multistep_matches_multisteplr_with_repeated_milestones(milestones: list[int], gamma: float) -> None:
    theirs = torch_lrs(lambda o: L.MultiStepLR(o, milestones=milestones, gamma=gamma))
    assert_same(lr.multistep(BASE, milestones, gamma=gamma), theirs)


@pytest.mark.parametrize("gamma", [0.99, 0.9, 0.5, 1.01])
def test_exponential_matches_exponentiallr(gamma: float) -> None:
    theirs = torch_lrs(lambda o: L.ExponentialLR(o, gamma=gamma))
    assert_same(lr.exponential(BASE, gamma), theirs)


@pytest.mark.parametrize(("t_max", "eta_min"), [(300, 0.0), (100, 0.01), (37, 0.001), (1, 0.0)])
def test_cosine_matches_cosineannealinglr_within_and_past_t_max(t_max: int, eta_min: float) -> None:
    theirs = torch_lrs(lambda o: L.CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min))
    assert_same(lr.cosine(BASE, eta_min, t_max, periodic=True), theirs)


def test_cosine_without_periodic_holds_end_past_steps() -> None:
    s = lr.cosine(BASE, 0.01, 100)
    theirs = torch_lrs(lambda o: L.CosineAnnealingLR(o, T_max=100, eta_min=0.01))
    assert_same(s, np.where(np.arange(STEPS) <= 100, theirs, 0.01))


@pytest.mark.parametrize(
    "fn",
    [lambda t: 0.95**t, lambda t: 1 / (1 + 0.1 * t), lambda t: (t % 10 + 1) / 10],
    ids=["power", "inverse", "sawtooth"],
)
def test_lambda_matches_lambdalr(fn: Callable[[int], float]) -> None:
    theirs = torch_lrs(lambda o: L.LambdaLR(o, lr_lambda=fn))
    assert_same(BASE * lr.lambda_(fn), theirs)


@pytest.mark.parametrize(("start", "end", "iters"), [(1 / 3, 1.0, 5), (0.01, 1.0, 100), (1.0, 0.1, 250)])
def test_linear_matches_linearlr(start: float, end: float, iters: int) -> None:
    theirs = torch_lrs(lambda o: L.LinearLR(o, start_factor=start, end_factor=end, total_iters=iters))
    assert_same(lr.linear(BASE * start, BASE * end, iters), theirs)


@pytest.mark.parametrize(("factor", "iters"), [(1 / 3, 5), (0.5, 100), (0.1, 1)])
def test_piecewise_matches_constantlr(factor: float, iters: int) -> None:
    theirs = torch_lrs(lambda o: L.ConstantLR(o, factor=factor, total_iters=iters))
    assert_same(lr.piecewise([iters], [BASE * factor, BASE]), theirs)


@pytest.mark.parametrize(("iters", "power"), [(100, 1.0), (250, 2.0), (50, 0.5)])
def test_polynomial_matches_polynomiallr(iters: int, power: float) -> None:
    theirs = torch_lrs(lambda o: L.PolynomialLR(o, total_iters=iters, power=power))
    assert_same(lr.polynomial(BASE, 0.0, iters, power=power), theirs)


@pytest.mark.parametrize(("warm", "t_max", "eta_min"), [(10, 290, 0.0), (50, 100, 0.001)])
def test_warmup_then_cosine_matches_sequentiallr(warm: int, t_max: int, eta_min: float) -> None:
    theirs = torch_lrs(
        lambda o: L.SequentialLR(
            o,
            [
                L.LinearLR(o, start_factor=0.01, end_factor=1.0, total_iters=warm),
                L.CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min),
            ],
            milestones=[warm],
        )
    )
    s = lr.linear(BASE * 0.01, BASE, warm) >> lr.cosine(BASE, eta_min, t_max, periodic=True)
    assert_same(s, theirs)
    # the same shape through warmup(): linear from 0.01 * base to cosine(0)
    assert_same(lr.warmup(lr.cosine(BASE, eta_min, t_max, periodic=True), warm, start=BASE * 0.01), theirs)
