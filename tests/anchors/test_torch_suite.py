"""PyTorch's own scheduler tests (``test/optim/test_lrscheduler.py``, ``TestLRScheduler``),
ported through ``lrdsl.compat.torch``.

Every case of the anchor that checks learning-rate values is here, once, under
the anchor's constructor names and arguments (the optimizer replaced by the
group's lr, as ``lrdsl.compat`` does), at the anchor's own tolerance (its
``assertEqual(..., atol=1e-5, rtol=0)``), driven the way the anchor drives
it: an lrdsl :class:`~lrdsl.torch.Scheduler` on the anchor's optimizer (SGD
over two layers, lr 0.05 and a tensor lr 0.5), stepped and read as the
anchor's ``_test``, ``_test_get_last_lr``, ``_test_with_epoch`` and
``_test_cycle_lr`` step and read theirs. Each test names the anchor test it
ports. Where the anchor compares two of its own objects (closed form against
recursion, a resumed scheduler against the original), lrdsl is compared with
the real PyTorch objects' values as well.

The anchor's cases that check no schedule value are listed in ``SKIPPED``
with the reason; its ReduceLROnPlateau cases, in ``ELSEWHERE``, are ported
with lrdsl's plateau (``tests/anchors_plateau/``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from torch.optim import SGD, Adam, AdamW, Rprop  # noqa: E402
from torch.optim import lr_scheduler as L  # noqa: E402
from torch.optim.swa_utils import SWALR as TorchSWALR  # noqa: E402

import lrdsl as lr  # noqa: E402
from lrdsl.compat.torch import (  # noqa: E402
    SWALR,
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    SequentialLR,
    StepLR,
)
from lrdsl.torch import Scheduler  # noqa: E402

ANCHOR = "torch"
SUITE = "pytorch/pytorch test/optim/test_lrscheduler.py (TestLRScheduler)"

#: The anchor's cases that check no schedule value, and why they are not ported.
SKIPPED = {
    "test_error_when_getlr_has_epoch": "a TypeError of PyTorch's own LRScheduler subclassing",
    "test_no_cyclic_references": "garbage collection of PyTorch's objects",
    "test_no_cyclic_references_in_step": "garbage collection of PyTorch's objects",
    "test_old_pattern_warning": "a warning about PyTorch's call order",
    "test_old_pattern_warning_with_arg": "a warning about PyTorch's call order",
    "test_old_pattern_warning_resuming": "a warning about PyTorch's call order",
    "test_old_pattern_warning_resuming_with_arg": "a warning about PyTorch's call order",
    "test_old_pattern_warning_with_overridden_optim_step": "a warning about PyTorch's call order",
    "test_new_pattern_no_warning": "the absence of a warning",
    "test_new_pattern_no_warning_with_arg": "the absence of a warning",
    "test_new_pattern_no_warning_with_overridden_optim_step": "a warning about an overridden optimizer.step",
    "test_sequentiallr_no_warnings": "the absence of a warning",
    "test_cycle_lr_removed_after_out_of_scope": "garbage collection of PyTorch's objects",
    "test_cycle_lr_state_dict_picklable": "pickling of PyTorch's own state_dict",
    "test_cycle_lr_scale_fn_restored_from_state_dict": "PyTorch's own state_dict fields",
    "test_onecycle_lr_legacy_state_dict": (
        "loading PyTorch's legacy OneCycleLR state_dict; its values are test_onecycle_lr_cosine_annealing's"
    ),
    "test_multiplicative_lr_with_lr_lambda": (
        "PyTorch refuses a number as lr_lambda; lrdsl takes it as the constant factor (exponential)"
    ),
    "test_CosineAnnealingWarmRestarts_T_cur_reset": "PyTorch's internal T_cur counter",
    "test_lambda_lr_state_dict_fn": "PyTorch's own state_dict fields (no lr value)",
    "test_lambda_lr_state_dict_obj": "PyTorch's own state_dict fields (no lr value)",
    "test_lr_scheduler_state_dict_load (32 parametrizations)": "torch.save/load of PyTorch's own state_dict",
    "test_constant_initial_lr (10 parametrizations)": "PyTorch's initial_lr/base_lrs not aliasing a tensor lr",
    "test_constant_initial_params_cyclelr": "PyTorch's param-group fields not aliasing tensors",
    "test_constant_initial_params_onecyclelr": "PyTorch's param-group fields not aliasing tensors",
    "test_constant_initial_params_swalr": "PyTorch's param-group fields not aliasing tensors",
}

#: The anchor's cases ported by another part of the work: ReduceLROnPlateau follows a metric.
ELSEWHERE = {
    name: "plateau (tests/anchors_plateau/)"
    for name in [
        *(f"test_reduce_lr_on_plateau{i}" for i in range(1, 9)),
        "test_reduce_lr_on_plateau_get_last_lr_before_step",
        "test_reduce_lr_on_plateau_preserves_lr_type",
        *(f"test_compound_reduce_lr_on_plateau{i}" for i in range(1, 6)),
        "test_reduce_lr_on_plateau_state_dict",
        "test_add_param_group_does_not_break_reduce_lr_on_plateau[min_lr=scalar]",
        "test_add_param_group_does_not_break_reduce_lr_on_plateau[min_lr=list]",
        "test_add_param_group_errors_reduce_lr_on_plateau",
        "test_lr_scheduler_checkpoint_on_plateau",
    ]
}

ATOL = 1e-5  # the anchor's assertEqual(..., atol=1e-5, rtol=0)
BASES = (0.05, 0.5)  # the anchor's setUp: lr=0.05, and a tensor lr 0.5 for the second group
Make = Callable[[float], Any]


# ----------------------------------------------------------------------------
# The anchor's fixtures and drivers, with an lrdsl Scheduler in place of PyTorch's.


class _Net(torch.nn.Module):  # the anchor's SchedulerTestNet
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 1, 1)
        self.conv2 = torch.nn.Conv2d(1, 1, 1)


def anchor_opt(kind: type = SGD) -> Any:
    """The anchor's ``self.opt``: two groups, lr 0.05 and a tensor lr 0.5 (SGD), or
    the float lrs 0.05 and 0.5 of its Adam variants."""
    net = _Net()
    second = torch.tensor(0.5) if kind is SGD else 0.5
    return kind([{"params": net.conv1.parameters()}, {"params": net.conv2.parameters(), "lr": second}], lr=0.05)


def per_group(make: Make, bases: Sequence[float] = BASES) -> list[Any]:
    """One schedule per param group, each built from its group's lr (what the anchor's
    scheduler does with the optimizer)."""
    return [make(b) for b in bases]


def close(expected: float, got: Any, what: str) -> None:
    assert math.isclose(float(got), expected, rel_tol=0, abs_tol=ATOL), f"{what}: expected {expected}, got {float(got)}"


def step(opt: Any, sched: Any, epoch: Any = None) -> None:
    opt.step()
    if epoch is None:
        sched.step()
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch's EPOCH_DEPRECATION_WARNING
            sched.step(epoch)


def run_test(schedule: Any, targets: list[list[float]], epochs: int, opt: Any = None) -> None:
    """The anchor's ``_test``: the lr of each group before each step."""
    opt = anchor_opt() if opt is None else opt
    sched = Scheduler(opt, schedule)
    for epoch in range(epochs):
        for g, (group, target) in enumerate(zip(opt.param_groups, targets)):
            close(target[epoch], group["lr"], f"group {g}, epoch {epoch}")
        step(opt, sched)


def run_get_last_lr(schedule: Any, targets: list[list[float]], epochs: int, opt: Any = None) -> None:
    """The anchor's ``_test_get_last_lr``: ``get_last_lr()`` before each step."""
    opt = anchor_opt() if opt is None else opt
    sched = Scheduler(opt, schedule)
    for epoch in range(epochs):
        result = sched.get_last_lr()
        step(opt, sched)
        for g, (t, r) in enumerate(zip(targets, result)):
            close(t[epoch], r, f"group {g}, epoch {epoch}")


def run_with_epoch(schedule: Any, targets: list[list[float]], epochs: int) -> None:
    """The anchor's ``_test_with_epoch``: ``step(epoch)`` (deprecated), then the lr."""
    opt = anchor_opt()
    sched = Scheduler(opt, schedule)
    for epoch in range(epochs):
        step(opt, sched, epoch)
        for g, (group, target) in enumerate(zip(opt.param_groups, targets)):
            close(target[epoch], group["lr"], f"group {g}, epoch {epoch}")


def run_cycle(
    schedule: Any, lr_targets: list[list[float]], momentum_targets: list[list[Any]], n: int, opt: Any = None, beta1: bool = False
) -> None:
    """The anchor's ``_test_cycle_lr``: lr and momentum (or ``betas[0]``) before each step."""
    opt = anchor_opt() if opt is None else opt
    sched = Scheduler(opt, schedule)
    for i in range(n):
        for g, (group, lr_t, m_t) in enumerate(zip(opt.param_groups, lr_targets, momentum_targets)):
            close(lr_t[i], group["lr"], f"lr, group {g}, batch {i}")
            if beta1 and "betas" in group:
                close(m_t[i], group["betas"][0], f"beta1, group {g}, batch {i}")
            elif "momentum" in group:
                close(m_t[i], group["momentum"], f"momentum, group {g}, batch {i}")
        step(opt, sched)


def torch_lrs(make: Callable[[Any], Any], epochs: int, *, closed_form: bool = False) -> list[list[float]]:
    """What a real PyTorch scheduler gives on the anchor's optimizer: per group, the lr
    at ``0 .. epochs - 1`` (recursively, or with ``step(epoch)``: its closed form)."""
    opt = anchor_opt()
    sched = make(opt)
    out: list[list[float]] = [[] for _ in opt.param_groups]
    for epoch in range(epochs):
        if closed_form:
            step(opt, sched, epoch)
        for g, group in enumerate(opt.param_groups):
            out[g].append(float(group["lr"]))
        if not closed_form:
            step(opt, sched)
    return out


# ----------------------------------------------------------------------------
# Constant lr under a repeated step(epoch).


@pytest.mark.parametrize(
    ("ours", "name"),
    [
        (lambda b: StepLR(b, 2), "test_step_lr_is_constant_for_constant_epoch"),
        (lambda b: ExponentialLR(b, gamma=0.9), "test_exponential_lr_is_constant_for_constant_epoch"),
        (lambda b: ConstantLR(b), "test_constantlr_is_constant_for_constant_epoch"),
        (lambda b: LinearLR(b), "test_linear_linearlr_is_constant_for_constant_epoch"),
        (lambda b: PolynomialLR(b, power=0.9), "test_polynomial_lr_is_constant_for_constant_epoch"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_lr_is_constant_for_constant_epoch(ours: Make, name: str) -> None:
    # torch: TestLRScheduler.<name> (its _test_lr_is_constant_for_constant_epoch)
    opt = anchor_opt()
    sched = Scheduler(opt, per_group(ours))
    seen = []
    for _ in range(10):
        step(opt, sched, 2)
        seen.append(opt.param_groups[0]["lr"])
    assert min(seen) == max(seen) == ours(BASES[0])(2)


# ----------------------------------------------------------------------------
# Single schedulers against hand-written targets.


def two(single: list[float], times: float = 10) -> list[list[float]]:
    """The anchor's ``targets = [single_targets, [x * epochs for x in single_targets]]``."""
    return [single, [x * times for x in single]]


def test_step_lr() -> None:
    # torch: TestLRScheduler.test_step_lr
    single = [0.05] * 3 + [0.005] * 3 + [0.0005] * 3 + [0.00005] * 3
    run_test(per_group(lambda b: StepLR(b, gamma=0.1, step_size=3)), two(single), 10)


def test_get_last_lr_step_lr() -> None:
    # torch: TestLRScheduler.test_get_last_lr_step_lr
    opt = SGD([torch.nn.Parameter(torch.randn(2, 2, requires_grad=True))], 0.1)
    targets = [[0.1] * 3 + [0.01] * 3 + [0.001] * 3 + [0.0001]]
    run_get_last_lr(StepLR(0.1, 3, gamma=0.1), targets, 10, opt)


def test_get_last_lr_multi_step_lr() -> None:
    # torch: TestLRScheduler.test_get_last_lr_multi_step_lr
    single = [0.05] * 2 + [0.005] * 3 + [0.0005] * 4 + [0.00005] * 1
    run_get_last_lr(per_group(lambda b: MultiStepLR(b, gamma=0.1, milestones=[2, 5, 9])), two(single), 10)


def test_raise_error_when_last_epoch_is_greater_than_0_and_initial_lr_is_not_specified() -> None:
    # torch: TestLRScheduler.test_raise_error_when_last_epoch_is_greater_than_0_and_initial_lr_is_not_specified
    optimizer = SGD([torch.nn.Parameter(torch.randn(2, 2, requires_grad=True))], 0.1)
    with pytest.raises(
        KeyError,
        match=r"param \'initial_lr\' is not specified in param_groups\[0\] when resuming scheduler with last_epoch >= 0",
    ):
        Scheduler(optimizer, StepLR(0.1, step_size=3, gamma=0.1), last_epoch=1)


def test_multi_step_lr() -> None:
    # torch: TestLRScheduler.test_multi_step_lr
    single = [0.05] * 2 + [0.005] * 3 + [0.0005] * 4 + [0.00005] * 3
    run_test(per_group(lambda b: MultiStepLR(b, gamma=0.1, milestones=[2, 5, 9])), two(single), 10)


def test_multi_step_lr_with_epoch() -> None:
    # torch: TestLRScheduler.test_multi_step_lr_with_epoch
    single = [0.05] * 2 + [0.005] * 3 + [0.0005] * 4 + [0.00005] * 3
    run_with_epoch(per_group(lambda b: MultiStepLR(b, gamma=0.1, milestones=[2, 5, 9])), two(single), 10)


def test_get_last_lr_constantlr() -> None:
    # torch: TestLRScheduler.test_get_last_lr_constantlr
    single = [0.025] * 5 + [0.05] * 5
    run_get_last_lr(per_group(lambda b: ConstantLR(b, factor=1.0 / 2, total_iters=5)), two(single), 10)


def test_get_last_lr_linearlr() -> None:
    # torch: TestLRScheduler.test_get_last_lr_linearlr
    start_factor, end_factor, iters = 1.0 / 4, 3.0 / 5, 4
    interpolation = [start_factor + i * (end_factor - start_factor) / iters for i in range(iters)]
    single = [x * 0.05 for x in interpolation] + [0.05 * end_factor] * (10 - iters)
    ours = per_group(lambda b: LinearLR(b, start_factor=start_factor, end_factor=end_factor, total_iters=iters))
    run_get_last_lr(ours, two(single), 10)


def test_constantlr() -> None:
    # torch: TestLRScheduler.test_constantlr
    single = [0.025] * 5 + [0.05] * 5
    run_test(per_group(lambda b: ConstantLR(b, factor=1.0 / 2, total_iters=5)), two(single), 10)


def test_linearlr() -> None:
    # torch: TestLRScheduler.test_linearlr
    start_factor, iters = 1.0 / 2, 4
    interpolation = [start_factor + i * (1 - start_factor) / iters for i in range(iters)]
    single = [x * 0.05 for x in interpolation] + [0.05] * (10 - iters)
    run_test(per_group(lambda b: LinearLR(b, start_factor=start_factor, total_iters=iters)), two(single), 10)


@pytest.mark.parametrize(
    ("start_factor", "name"),
    [(0.0, "test_linearlr_start_factor_limits1"), (1.1, "test_linearlr_start_factor_limits2")],
    ids=["limits1", "limits2"],
)
def test_linearlr_start_factor_limits(start_factor: float, name: str) -> None:
    # torch: TestLRScheduler.<name>: PyTorch refuses start_factor outside (0, 1], so does compat
    with pytest.raises(lr.ScheduleError, match=rf"LinearLR: start_factor must be in \(0, 1\], got {start_factor}"):
        LinearLR(0.05, start_factor=start_factor, total_iters=4)


def test_constantlr_with_epoch() -> None:
    # torch: TestLRScheduler.test_constantlr_with_epoch
    single = [0.025] * 5 + [0.05] * 5
    run_with_epoch(per_group(lambda b: ConstantLR(b, factor=1.0 / 2, total_iters=5)), two(single), 10)


def test_linearlr_with_epoch() -> None:
    # torch: TestLRScheduler.test_linearlr_with_epoch
    start_factor, end_factor, iters = 1.0 / 2, 1.0, 4
    interpolation = [start_factor + i * (end_factor - start_factor) / iters for i in range(iters)]
    single = [x * 0.05 for x in interpolation] + [0.05] * (10 - iters)
    run_with_epoch(per_group(lambda b: LinearLR(b, start_factor=start_factor, total_iters=iters)), two(single), 10)


def test_exp_lr() -> None:
    # torch: TestLRScheduler.test_exp_lr
    single = [0.05 * (0.9**x) for x in range(10)]
    run_test(per_group(lambda b: ExponentialLR(b, gamma=0.9)), two(single), 10)


def test_poly_lr() -> None:
    # torch: TestLRScheduler.test_poly_lr
    power, total_iters = 0.9, 5
    single = [(1.0 - x / total_iters) ** power * 0.05 for x in range(total_iters)] + [0.0] * (10 - total_iters)
    run_test(per_group(lambda b: PolynomialLR(b, power=power, total_iters=total_iters)), two(single), 10)


def test_cos_anneal_lr() -> None:
    # torch: TestLRScheduler.test_cos_anneal_lr
    epochs, eta_min = 10, 1e-10
    single = [eta_min + (0.05 - eta_min) * (1 + math.cos(math.pi * x / epochs)) / 2 for x in range(epochs)]
    run_test(per_group(lambda b: CosineAnnealingLR(b, T_max=epochs, eta_min=eta_min)), two(single), epochs)


# ----------------------------------------------------------------------------
# Closed form against recursion: lrdsl against both of PyTorch's.


@pytest.mark.parametrize(
    ("name", "ours", "theirs", "epochs"),
    [
        ("test_closed_form_step_lr", lambda b: StepLR(b, gamma=0.1, step_size=3), lambda o: L.StepLR(o, gamma=0.1, step_size=3), 20),
        (
            "test_closed_form_linearlr",
            lambda b: LinearLR(b, start_factor=1.0 / 3, end_factor=0.7, total_iters=4),
            lambda o: L.LinearLR(o, start_factor=1.0 / 3, end_factor=0.7, total_iters=4),
            20,
        ),
        (
            "test_closed_form_constantlr",
            lambda b: ConstantLR(b, factor=1.0 / 3, total_iters=4),
            lambda o: L.ConstantLR(o, factor=1.0 / 3, total_iters=4),
            20,
        ),
        (
            "test_closed_form_multi_step_lr",
            lambda b: MultiStepLR(b, gamma=0.1, milestones=[2, 5, 9]),
            lambda o: L.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]),
            20,
        ),
        ("test_closed_form_exp_lr", lambda b: ExponentialLR(b, gamma=0.9), lambda o: L.ExponentialLR(o, gamma=0.9), 20),
        ("test_closed_form_poly_lr", lambda b: PolynomialLR(b, power=0.9), lambda o: L.PolynomialLR(o, power=0.9), 20),
        (
            "test_closed_form_cos_anneal_lr",
            lambda b: CosineAnnealingLR(b, T_max=5, eta_min=1e-10),
            lambda o: L.CosineAnnealingLR(o, T_max=5, eta_min=1e-10),
            20,
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_closed_form(name: str, ours: Make, theirs: Callable[[Any], Any], epochs: int) -> None:
    # torch: TestLRScheduler.<name>. (The anchor's own comparison reads an optimizer that
    # neither of its schedulers drives, so it cannot fail; this compares what it means to:
    # the recursion and the closed form, both PyTorch's, with lrdsl's values.)
    recursive = torch_lrs(theirs, epochs)
    closed = torch_lrs(theirs, epochs, closed_form=True)
    run_test(per_group(ours), recursive, epochs)
    run_test(per_group(ours), closed, epochs)


def test_cos_anneal_lr_continue() -> None:
    # torch: TestLRScheduler.test_cos_anneal_lr_continue
    opt = anchor_opt()
    schedule = per_group(lambda b: CosineAnnealingLR(b, T_max=5, eta_min=0.1))
    sched = Scheduler(opt, schedule)
    step(opt, sched)
    original = sched.get_last_lr()
    resumed = Scheduler(opt, schedule, last_epoch=0).get_last_lr()
    torch.testing.assert_close(
        [float(x) for x in original], [float(x) for x in resumed], rtol=1e-4, atol=1e-5
    )
    theirs = torch_lrs(lambda o: L.CosineAnnealingLR(o, T_max=5, eta_min=0.1), 2)
    assert [float(x) for x in resumed] == pytest.approx([t[1] for t in theirs], abs=ATOL)


# ----------------------------------------------------------------------------
# SequentialLR.


def test_sequentiallr1() -> None:
    # torch: TestLRScheduler.test_sequentiallr1
    targets = [
        [0.05, 0.04, 0.032]
        + [0.05 for x in range(4)]
        + [0.05 * 0.1 for x in range(4)]
        + [0.05 * 0.01 for x in range(4)]
        + [0.05 * 0.001 for x in range(4)]
    ]
    ours = per_group(lambda b: SequentialLR([ExponentialLR(b, gamma=0.8), StepLR(b, gamma=0.1, step_size=4)], milestones=[3]))
    run_test(ours, targets, 19)


def test_sequentiallr2() -> None:
    # torch: TestLRScheduler.test_sequentiallr2
    targets = [[0.005, 0.005, 0.005] + [0.05 * 0.9**x for x in range(10)]]
    ours = per_group(
        lambda b: SequentialLR([ConstantLR(b, factor=0.1, total_iters=3), ExponentialLR(b, gamma=0.9)], milestones=[3])
    )
    run_test(ours, targets, 13)


def _three(b: float) -> Any:
    return SequentialLR(
        [ConstantLR(b, factor=0.1, total_iters=3), ExponentialLR(b, gamma=0.8), StepLR(b, gamma=0.1, step_size=2)],
        milestones=[3, 6],
    )


def test_sequentiallr3() -> None:
    # torch: TestLRScheduler.test_sequentiallr3
    targets = [[0.005, 0.005, 0.005, 0.05, 0.04, 0.032, 0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005]]
    run_test(per_group(_three), targets, 12)


def test_sequentiallr4() -> None:
    # torch: TestLRScheduler.test_sequentiallr4: the children do not move the initial lr
    optimizer = SGD([torch.tensor(0.5)], lr=0.1)
    prev_lr = optimizer.param_groups[0]["lr"]
    Scheduler(optimizer, SequentialLR([ConstantLR(0.1, factor=1), ConstantLR(0.1, factor=0.1)], milestones=[10]))
    assert optimizer.param_groups[0]["lr"] == prev_lr


def test_sequentiallr5() -> None:
    # torch: TestLRScheduler.test_sequentiallr5: a ChainedScheduler inside a SequentialLR
    targets = [[0.0005, 0.0014, 0.0023, 0.0032, 0.0041, 0.025, 0.025, 0.025, 0.025, 0.025]]

    def ours(b: float) -> Any:
        chained = ChainedScheduler([LinearLR(b, start_factor=0.1, total_iters=5), ConstantLR(b, factor=0.1, total_iters=5)])
        return SequentialLR([chained, ConstantLR(b, factor=0.5, total_iters=5)], milestones=[5])

    run_test(per_group(ours), targets, 10)


def test_get_last_lr_sequentiallr() -> None:
    # torch: TestLRScheduler.test_get_last_lr_sequentiallr
    single = [0.005] * 3 + [0.05, 0.04, 0.032] + [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005]
    run_get_last_lr(per_group(_three), two(single), 12)


def test_sequentiallr_does_not_alias_lr_and_initial_lr() -> None:
    # torch: TestLRScheduler.test_sequentiallr_does_not_alias_lr_and_initial_lr (a tensor lr 2.0)
    opt = SGD(_Net().parameters(), lr=torch.tensor(2.0))
    start, end, milestone, epochs = 0.1, 0.8, 4, 8
    schedule = SequentialLR(
        [LinearLR(2.0, start, end, total_iters=milestone), LinearLR(2.0, end, start, total_iters=epochs - milestone)],
        milestones=[milestone],
    )
    run_test(schedule, [[0.2, 0.55, 0.9, 1.25, 1.6, 1.25, 0.9, 0.55]], epochs, opt)


# ----------------------------------------------------------------------------
# ChainedScheduler, and schedulers stepped together (a product, the same thing).


def test_chained_lr2_get_last_lr_before_step() -> None:
    # torch: TestLRScheduler.test_chained_lr2_get_last_lr_before_step
    def ours(b: float) -> Any:
        return ChainedScheduler([LinearLR(b, start_factor=0.4, total_iters=3), MultiStepLR(b, milestones=[4, 8, 10], gamma=0.1)])

    opt = anchor_opt()
    theirs = L.ChainedScheduler([L.LinearLR(opt, start_factor=0.4, total_iters=3), L.MultiStepLR(opt, milestones=[4, 8, 10], gamma=0.1)])
    got = Scheduler(anchor_opt(), per_group(ours)).get_last_lr()
    assert [float(x) for x in got] == pytest.approx([float(x) for x in theirs.get_last_lr()], abs=ATOL)


def test_chained_lr1() -> None:
    # torch: TestLRScheduler.test_chained_lr1
    targets = [[0.05] * 3 + [0.005] * 3 + [0.0005] * 3 + [0.00005] * 3]
    run_test(per_group(lambda b: ChainedScheduler([StepLR(b, gamma=0.1, step_size=3)])), targets, 10)


def test_chained_lr2() -> None:
    # torch: TestLRScheduler.test_chained_lr2
    targets = [[0.02, 0.03, 0.04] + [0.05] * 9]
    run_test(per_group(lambda b: ChainedScheduler([LinearLR(b, start_factor=0.4, total_iters=3)])), targets, 10)


def test_chained_lr3() -> None:
    # torch: TestLRScheduler.test_chained_lr3
    targets = [[0.02, 0.03, 0.04, 0.05] + [0.005] * 4 + [0.0005] * 3 + [0.00005] * 3]

    def ours(b: float) -> Any:
        return ChainedScheduler([LinearLR(b, start_factor=0.4, total_iters=3), MultiStepLR(b, milestones=[4, 8, 10], gamma=0.1)])

    run_test(per_group(ours), targets, 10)


def test_chained_lr4() -> None:
    # torch: TestLRScheduler.test_chained_lr4
    targets = [
        [0.05 * 0.2 * 0.9**x for x in range(3)]
        + [0.05 * 0.2 * 0.9**3 * 0.1]
        + [0.05 * 0.9**x * 0.1 for x in range(4, 6)]
        + [0.05 * 0.9**x * 0.01 for x in range(6, 9)]
    ]

    def ours(b: float) -> Any:
        return ChainedScheduler(
            [ExponentialLR(b, gamma=0.9), ConstantLR(b, factor=0.2, total_iters=4), StepLR(b, gamma=0.1, step_size=3)]
        )

    run_test(per_group(ours), targets, 9)


def test_chained_lr5() -> None:
    # torch: TestLRScheduler.test_chained_lr5
    epochs, power, total_iters, const_factor = 10, 0.9, 5, 0.1

    def poly_lr(lr: float) -> list[float]:
        return [(lr * ((1.0 - x / total_iters) ** power)) for x in range(total_iters)] + [0.0] * (epochs - total_iters)

    targets = [[x * const_factor for x in poly_lr(0.05)], [x * const_factor for x in poly_lr(0.5)]]

    def ours(b: float) -> Any:
        return ChainedScheduler([PolynomialLR(b, power=power, total_iters=total_iters), ConstantLR(b, factor=const_factor)])

    run_test(per_group(ours), targets, epochs)


def compound(*children: Make) -> list[Any]:
    """The anchor's list of schedulers stepped on one optimizer: their ChainedScheduler."""
    return per_group(lambda b: ChainedScheduler([make(b) for make in children]))


def test_compound_step_and_multistep_lr() -> None:
    # torch: TestLRScheduler.test_compound_step_and_multistep_lr
    targets = [[0.05] * 2 + [0.005] * 1 + [5e-4] * 2 + [5e-5] + [5e-6] * 3 + [5e-8]]
    ours = compound(lambda b: StepLR(b, gamma=0.1, step_size=3), lambda b: MultiStepLR(b, gamma=0.1, milestones=[2, 5, 9]))
    run_test(ours, targets, 10)


def test_compound_step_and_exp_lr() -> None:
    # torch: TestLRScheduler.test_compound_step_and_exp_lr
    single = [0.05 * (0.9**x) for x in range(3)]
    single += [0.005 * (0.9**x) for x in range(3, 6)]
    single += [0.0005 * (0.9**x) for x in range(6, 9)]
    single += [0.00005 * (0.9**x) for x in range(9, 12)]
    run_test(compound(lambda b: StepLR(b, gamma=0.1, step_size=3), lambda b: ExponentialLR(b, gamma=0.9)), two(single), 10)


def test_compound_exp_and_multistep_lr() -> None:
    # torch: TestLRScheduler.test_compound_exp_and_multistep_lr
    single = [0.05 * (0.9**x) for x in range(2)]
    single += [0.005 * (0.9**x) for x in range(2, 5)]
    single += [0.0005 * (0.9**x) for x in range(5, 9)]
    single += [0.00005 * (0.9**x) for x in range(9, 11)]
    ours = compound(lambda b: MultiStepLR(b, gamma=0.1, milestones=[2, 5, 9]), lambda b: ExponentialLR(b, gamma=0.9))
    run_test(ours, two(single), 10)


def test_compound_exp_and_linearlr() -> None:
    # torch: TestLRScheduler.test_compound_exp_and_linearlr
    iters, start_factor, end_factor = 4, 0.4, 0.9
    single = [0.05 * (0.9**x) for x in range(11)]
    for i in range(iters):
        single[i] *= start_factor + i / iters * (end_factor - start_factor)
    for i in range(iters, 11):
        single[i] *= end_factor
    ours = compound(
        lambda b: LinearLR(b, start_factor=start_factor, end_factor=end_factor, total_iters=iters),
        lambda b: ExponentialLR(b, gamma=0.9),
    )
    run_test(ours, two(single), 10)


def test_compound_step_and_constantlr() -> None:
    # torch: TestLRScheduler.test_compound_step_and_constantlr
    single = [0.05 * 0.4] * 3 + [0.005 * 0.4] + [0.005] * 2 + [0.0005] * 3 + [0.00005] * 3
    ours = compound(lambda b: StepLR(b, gamma=0.1, step_size=3), lambda b: ConstantLR(b, factor=0.4, total_iters=4))
    run_test(ours, two(single), 10)


def test_compound_linearlr_and_multistep_lr() -> None:
    # torch: TestLRScheduler.test_compound_linearlr_and_multistep_lr
    iters, start_factor = 4, 0.4
    single = [0.05] * 2 + [0.005] * 3 + [0.0005] * 4 + [0.00005] * 2
    for i in range(iters):
        single[i] *= start_factor + i / iters * (1 - start_factor)
    ours = compound(
        lambda b: MultiStepLR(b, gamma=0.1, milestones=[2, 5, 9]),
        lambda b: LinearLR(b, start_factor=start_factor, total_iters=iters),
    )
    run_test(ours, two(single), 10)


def _cosine_targets(epochs: int = 10, eta_min: float = 1e-10) -> list[float]:
    return [eta_min + (0.05 - eta_min) * (1 + math.cos(math.pi * x / epochs)) / 2 for x in range(epochs)]


def test_compound_cosanneal_and_step_lr() -> None:
    # torch: TestLRScheduler.test_compound_cosanneal_and_step_lr
    single = [x * 0.1 ** (i // 3) for i, x in enumerate(_cosine_targets())]
    ours = compound(lambda b: CosineAnnealingLR(b, T_max=10, eta_min=1e-10), lambda b: StepLR(b, gamma=0.1, step_size=3))
    run_test(ours, two(single), 10)


def test_compound_cosanneal_and_multistep_lr() -> None:
    # torch: TestLRScheduler.test_compound_cosanneal_and_multistep_lr
    multipliers = [1] * 2 + [0.1] * 3 + [0.01] * 4 + [0.001]
    single = [x * y for x, y in zip(_cosine_targets(), multipliers)]
    ours = compound(
        lambda b: CosineAnnealingLR(b, T_max=10, eta_min=1e-10), lambda b: MultiStepLR(b, gamma=0.1, milestones=[2, 5, 9])
    )
    run_test(ours, two(single), 10)


def test_compound_cosanneal_and_linearlr() -> None:
    # torch: TestLRScheduler.test_compound_cosanneal_and_linearlr
    iters, start_factor = 4, 0.4
    single = _cosine_targets()
    for i in range(iters):
        single[i] *= start_factor + i / iters * (1 - start_factor)
    ours = compound(
        lambda b: LinearLR(b, start_factor=start_factor, total_iters=iters),
        lambda b: CosineAnnealingLR(b, T_max=10, eta_min=1e-10),
    )
    run_test(ours, two(single), 10)


def test_compound_cosanneal_and_exp_lr() -> None:
    # torch: TestLRScheduler.test_compound_cosanneal_and_exp_lr
    single = [x * y for x, y in zip(_cosine_targets(), [0.1**i for i in range(10)])]
    ours = compound(lambda b: CosineAnnealingLR(b, T_max=10, eta_min=1e-10), lambda b: ExponentialLR(b, gamma=0.1))
    run_test(ours, two(single), 10)


# ----------------------------------------------------------------------------
# CyclicLR and OneCycleLR, with their momentum.


def test_cycle_lr_invalid_mode() -> None:
    # torch: TestLRScheduler.test_cycle_lr_invalid_mode: PyTorch refuses the mode, so does compat
    with pytest.raises(lr.ScheduleError, match=r"CyclicLR: mode must be one of 'triangular', 'triangular2', 'exp_range', got 'CATS'"):
        CyclicLR(base_lr=0, max_lr=0, mode="CATS")


TRIANGULAR_LR = [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3]
TRIANGULAR_MOMENTUM = [5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3]
TRIANGULAR2_LR = [1, 2, 3, 4, 5, 4, 3, 2, 1, 1.5, 2.0, 2.5, 3.0, 2.5, 2.0, 1.5, 1, 1.25, 1.50, 1.75, 2.00, 1.75]
TRIANGULAR2_MOMENTUM = [
    5.0, 4.0, 3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 5.0, 4.5, 4.0, 3.5, 3.0, 3.5, 4.0, 4.5, 5.0, 4.75, 4.5, 4.25, 4.0, 4.25,
]  # fmt: skip


def test_cycle_lr_triangular_mode_one_lr() -> None:
    # torch: TestLRScheduler.test_cycle_lr_triangular_mode_one_lr
    schedule = CyclicLR(
        base_lr=1, max_lr=5, step_size_up=4, cycle_momentum=True, base_momentum=1, max_momentum=5, mode="triangular"
    )
    run_cycle(schedule, [TRIANGULAR_LR] * 2, [TRIANGULAR_MOMENTUM] * 2, len(TRIANGULAR_LR))


def test_cycle_lr_triangular_mode_one_lr_no_momentum() -> None:
    # torch: TestLRScheduler.test_cycle_lr_triangular_mode_one_lr_no_momentum
    opt = anchor_opt()
    momentum = [opt.defaults["momentum"]] * len(TRIANGULAR_LR)
    schedule = CyclicLR(base_lr=1, max_lr=5, step_size_up=4, cycle_momentum=False, mode="triangular")
    run_cycle(schedule, [TRIANGULAR_LR] * 2, [momentum] * 2, len(TRIANGULAR_LR), opt)


def test_cycle_lr_triangular2_mode_one_lr() -> None:
    # torch: TestLRScheduler.test_cycle_lr_triangular2_mode_one_lr
    schedule = CyclicLR(
        base_lr=1, max_lr=5, step_size_up=4, cycle_momentum=True, base_momentum=1, max_momentum=5, mode="triangular2"
    )
    run_cycle(schedule, [TRIANGULAR2_LR] * 2, [TRIANGULAR2_MOMENTUM] * 2, len(TRIANGULAR2_LR))


def test_cycle_lr_exp_range_mode_one_lr() -> None:
    # torch: TestLRScheduler.test_cycle_lr_exp_range_mode_one_lr
    base_lr, max_lr, gamma = 1, 5, 0.9
    diff_lr = max_lr - base_lr
    xs = [0, 0.25, 0.5, 0.75, 1, 0.75, 0.50, 0.25, 0, 0.25, 0.5, 0.75, 1]
    lr_target = [base_lr + x * diff_lr * gamma**i for i, x in enumerate(xs)]
    momentum_target = [max_lr - x * diff_lr * gamma**i for i, x in enumerate(xs)]
    schedule = CyclicLR(
        base_lr=base_lr,
        max_lr=max_lr,
        step_size_up=4,
        cycle_momentum=True,
        base_momentum=base_lr,
        max_momentum=max_lr,
        mode="exp_range",
        gamma=gamma,
    )
    run_cycle(schedule, [lr_target] * 2, [momentum_target] * 2, len(lr_target))


def test_cycle_lr_triangular_mode() -> None:
    # torch: TestLRScheduler.test_cycle_lr_triangular_mode (one base lr per group)
    lr_targets = [TRIANGULAR_LR, [x + 1 for x in TRIANGULAR_LR]]
    momentum_targets = [TRIANGULAR_MOMENTUM, [x + 1 for x in TRIANGULAR_MOMENTUM]]
    schedule = CyclicLR(
        base_lr=[1, 2],
        max_lr=[5, 6],
        step_size_up=4,
        cycle_momentum=True,
        base_momentum=[1, 2],
        max_momentum=[5, 6],
        mode="triangular",
    )
    run_cycle(schedule, lr_targets, momentum_targets, len(TRIANGULAR_LR))


def test_cycle_lr_triangular2_mode() -> None:
    # torch: TestLRScheduler.test_cycle_lr_triangular2_mode
    lr_targets = [TRIANGULAR2_LR, [x + 2 for x in TRIANGULAR2_LR]]
    momentum_targets = [TRIANGULAR2_MOMENTUM, [x + 2 for x in TRIANGULAR2_MOMENTUM]]
    schedule = CyclicLR(
        base_lr=[1, 3],
        max_lr=[5, 7],
        step_size_up=4,
        cycle_momentum=True,
        base_momentum=[1, 3],
        max_momentum=[5, 7],
        mode="triangular2",
    )
    run_cycle(schedule, lr_targets, momentum_targets, len(TRIANGULAR2_LR))


def test_cycle_lr_exp_range_mode() -> None:
    # torch: TestLRScheduler.test_cycle_lr_exp_range_mode
    base_lr_1, max_lr_1, base_lr_2, max_lr_2, gamma = 1, 5, 5, 12, 0.9
    diff_lr_1, diff_lr_2 = max_lr_1 - base_lr_1, max_lr_2 - base_lr_2
    xs = [0, 0.25, 0.5, 0.75, 1, 0.75, 0.50, 0.25, 0, 0.25, 0.5, 0.75, 1]
    lr_targets = [
        [base_lr_1 + x * diff_lr_1 * gamma**i for i, x in enumerate(xs)],
        [base_lr_2 + x * diff_lr_2 * gamma**i for i, x in enumerate(xs)],
    ]
    momentum_targets = [
        [max_lr_1 - x * diff_lr_1 * gamma**i for i, x in enumerate(xs)],
        [max_lr_2 - x * diff_lr_2 * gamma**i for i, x in enumerate(xs)],
    ]
    schedule = CyclicLR(
        base_lr=[base_lr_1, base_lr_2],
        max_lr=[max_lr_1, max_lr_2],
        step_size_up=4,
        cycle_momentum=True,
        base_momentum=[base_lr_1, base_lr_2],
        max_momentum=[max_lr_1, max_lr_2],
        mode="exp_range",
        gamma=gamma,
    )
    run_cycle(schedule, lr_targets, momentum_targets, len(xs))


def test_cycle_lr_triangular_mode_step_size_up_down() -> None:
    # torch: TestLRScheduler.test_cycle_lr_triangular_mode_step_size_up_down
    lr_target = [1.0, 2.0, 3.0, 4.0, 5.0, 13.0 / 3, 11.0 / 3, 9.0 / 3, 7.0 / 3, 5.0 / 3, 1.0]
    momentum_target = [5.0, 4.0, 3.0, 2.0, 1.0, 5.0 / 3, 7.0 / 3, 3.0, 11.0 / 3, 13.0 / 3, 5.0]
    schedule = CyclicLR(
        base_lr=1,
        max_lr=5,
        step_size_up=4,
        step_size_down=6,
        cycle_momentum=True,
        base_momentum=1,
        max_momentum=5,
        mode="triangular",
    )
    run_cycle(schedule, [lr_target] * 2, [momentum_target] * 2, len(lr_target))


def test_cycle_lr_triangular2_mode_step_size_up_down() -> None:
    # torch: TestLRScheduler.test_cycle_lr_triangular2_mode_step_size_up_down
    lr_base = [
        1.0, 3.0, 5.0, 13.0 / 3, 11.0 / 3, 9.0 / 3, 7.0 / 3, 5.0 / 3, 1.0, 2.0, 3.0, 8.0 / 3, 7.0 / 3, 6.0 / 3,
        5.0 / 3, 4.0 / 3, 1.0, 3.0 / 2, 2.0, 11.0 / 6, 10.0 / 6, 9.0 / 6, 8.0 / 6, 7.0 / 6,
    ]  # fmt: skip
    momentum_base = [
        5.0, 3.0, 1.0, 5.0 / 3, 7.0 / 3, 3.0, 11.0 / 3, 13.0 / 3, 5.0, 4.0, 3.0, 10.0 / 3, 11.0 / 3, 4.0,
        13.0 / 3, 14.0 / 3, 5.0, 4.5, 4.0, 25.0 / 6, 13.0 / 3, 4.5, 14.0 / 3, 29.0 / 6,
    ]  # fmt: skip
    deltas = [2 * i for i in range(2)]
    base_lrs = [1 + d for d in deltas]
    max_lrs = [5 + d for d in deltas]
    schedule = CyclicLR(
        base_lr=base_lrs,
        max_lr=max_lrs,
        step_size_up=2,
        step_size_down=6,
        cycle_momentum=True,
        base_momentum=base_lrs,
        max_momentum=max_lrs,
        mode="triangular2",
    )
    lr_targets = [[x + d for x in lr_base] for d in deltas]
    momentum_targets = [[x + d for x in momentum_base] for d in deltas]
    run_cycle(schedule, lr_targets, momentum_targets, len(lr_base))


def test_cycle_lr_exp_range_mode_step_size_up_down() -> None:
    # torch: TestLRScheduler.test_cycle_lr_exp_range_mode_step_size_up_down
    base_lr, max_lr, gamma = 1, 5, 0.9
    diff_lr = max_lr - base_lr
    xs = [0.0, 0.5, 1.0, 5.0 / 6, 4.0 / 6, 3.0 / 6, 2.0 / 6, 1.0 / 6, 0.0, 0.5, 1.0, 5.0 / 6, 4.0 / 6]
    lr_target = [base_lr + x * diff_lr * gamma**i for i, x in enumerate(xs)]
    momentum_target = [max_lr - x * diff_lr * gamma**i for i, x in enumerate(xs)]
    schedule = CyclicLR(
        base_lr=base_lr,
        max_lr=max_lr,
        step_size_up=2,
        step_size_down=6,
        cycle_momentum=True,
        base_momentum=base_lr,
        max_momentum=max_lr,
        mode="exp_range",
        gamma=gamma,
    )
    run_cycle(schedule, [lr_target] * 2, [momentum_target] * 2, len(lr_target))


def test_cycle_lr_with_momentumless_optimizer() -> None:
    # torch: TestLRScheduler.test_cycle_lr_with_momentumless_optimizer (Adam, no momentum cycle)
    opt = anchor_opt(Adam)
    schedule = CyclicLR(base_lr=1, max_lr=5, step_size_up=4, cycle_momentum=False, mode="triangular")
    run_cycle(schedule, [TRIANGULAR_LR] * 2, [[None] * len(TRIANGULAR_LR)] * 2, len(TRIANGULAR_LR), opt)


def test_cycle_lr_cycle_momentum_fail_with_momentumless_optimizer() -> None:
    # torch: TestLRScheduler.test_cycle_lr_cycle_momentum_fail_with_momentumless_optimizer:
    # PyTorch refuses to cycle a momentum Rprop has not; so does lrdsl's Scheduler
    rprop_opt = Rprop(_Net().parameters())
    with pytest.raises(lr.ScheduleError, match=r"Scheduler: cannot drive 'momentum': Rprop param_groups\[0\] has no 'momentum'"):
        Scheduler(rprop_opt, CyclicLR(base_lr=1, max_lr=5, cycle_momentum=True))


def test_cycle_lr_cycle_momentum_with_beta1_optimizer() -> None:
    # torch: TestLRScheduler.test_cycle_lr_cycle_momentum_with_beta1_optimizer: Adam's betas[0]
    # cycles; lrdsl's values are the real CyclicLR's
    net = _Net()
    adam_opt = Adam(net.parameters())
    sched = Scheduler(adam_opt, CyclicLR(base_lr=1, max_lr=5, cycle_momentum=True, momentum_key="beta1"))
    theirs_opt = Adam(_Net().parameters())
    theirs = L.CyclicLR(theirs_opt, base_lr=1, max_lr=5, cycle_momentum=True)
    for _ in range(4001):  # a whole cycle of the default step_size_up=2000
        ours_group, their_group = adam_opt.param_groups[0], theirs_opt.param_groups[0]
        assert ours_group["lr"] == pytest.approx(their_group["lr"], rel=1e-12)
        assert ours_group["betas"][0] == pytest.approx(their_group["betas"][0], rel=1e-12)
        step(adam_opt, sched)
        step(theirs_opt, theirs)


def test_onecycle_lr_invalid_anneal_strategy() -> None:
    # torch: TestLRScheduler.test_onecycle_lr_invalid_anneal_strategy
    with pytest.raises(lr.ScheduleError, match=r"OneCycleLR: anneal_strategy must be one of 'cos', 'linear', got 'CATS'"):
        OneCycleLR(max_lr=1e-3, total_steps=10, anneal_strategy="CATS")


def test_onecycle_lr_invalid_pct_start() -> None:
    # torch: TestLRScheduler.test_onecycle_lr_invalid_pct_start
    with pytest.raises(lr.ScheduleError, match=r"OneCycleLR: pct_start must be in \[0, 1\], got 1.1"):
        OneCycleLR(max_lr=1e-3, total_steps=10, pct_start=1.1)


def test_onecycle_lr_cannot_calculate_total_steps() -> None:
    # torch: TestLRScheduler.test_onecycle_lr_cannot_calculate_total_steps
    with pytest.raises(
        lr.ScheduleError, match=r"OneCycleLR: total_steps must be given, or epochs and steps_per_epoch both given, got None"
    ):
        OneCycleLR(max_lr=1e-3)


def test_onecycle_lr_linear_annealing() -> None:
    # torch: TestLRScheduler.test_onecycle_lr_linear_annealing
    lr_target = [1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5]
    momentum_target = [22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22]
    schedule = OneCycleLR(
        max_lr=25, final_div_factor=2, base_momentum=1, max_momentum=22, total_steps=10, anneal_strategy="linear"
    )
    run_cycle(schedule, [lr_target] * 2, [momentum_target] * 2, 10)


def test_onecycle_lr_linear_annealing_three_phases() -> None:
    # torch: TestLRScheduler.test_onecycle_lr_linear_annealing_three_phases
    lr_target = [1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25]
    momentum_target = [22, 15, 8, 1, 8, 15, 22, 22, 22, 22]
    schedule = OneCycleLR(
        max_lr=25,
        div_factor=25,
        base_momentum=1,
        max_momentum=22,
        total_steps=10,
        anneal_strategy="linear",
        pct_start=0.4,
        final_div_factor=4,
        three_phase=True,
    )
    run_cycle(schedule, [lr_target] * 2, [momentum_target] * 2, 10)


def _annealing_cos(start: float, end: float, pct: float) -> float:  # the anchor's own
    cos_out = math.cos(math.pi * pct) + 1
    return end + (start - end) / 2.0 * cos_out


def test_onecycle_lr_cosine_annealing() -> None:
    # torch: TestLRScheduler.test_onecycle_lr_cosine_annealing
    lr_target = [1, 13, 25, *(_annealing_cos(25, 0.5, i / 7.0) for i in range(1, 7)), 0.5]
    momentum_target = [22, 11.5, 1, *(_annealing_cos(1, 22, i / 7.0) for i in range(1, 7)), 22]
    schedule = OneCycleLR(max_lr=25, final_div_factor=2, base_momentum=1, max_momentum=22, total_steps=10)
    run_cycle(schedule, [lr_target] * 2, [momentum_target] * 2, 10)


def test_cycle_lr_with_adam() -> None:
    # torch: TestLRScheduler.test_cycle_lr_with_adam (OneCycleLR cycling Adam's betas[0])
    opt = anchor_opt(Adam)
    lr_target = [1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5]
    momentum_target = [22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22]
    schedule = OneCycleLR(
        max_lr=25,
        final_div_factor=2,
        base_momentum=1,
        max_momentum=22,
        total_steps=10,
        anneal_strategy="linear",
        momentum_key="beta1",
    )
    run_cycle(schedule, [lr_target] * 2, [momentum_target] * 2, 10, opt, beta1=True)


# ----------------------------------------------------------------------------
# LambdaLR, MultiplicativeLR, CosineAnnealingWarmRestarts, SWALR.


def test_lambda_lr() -> None:
    # torch: TestLRScheduler.test_lambda_lr (the groups' lrs set to 0.05 and 0.4)
    targets = [[0.05 * (0.9**x) for x in range(10)], [0.4 * (0.8**x) for x in range(10)]]
    schedule = LambdaLR(base_lr=[0.05, 0.4], lr_lambda=[lambda x1: 0.9**x1, lambda x2: 0.8**x2])
    run_test(schedule, targets, 10)


def test_multiplicative_lr() -> None:
    # torch: TestLRScheduler.test_multiplicative_lr
    targets = [[0.05 * (0.9**x) for x in range(10)], [0.4 * (0.8**x) for x in range(10)]]
    schedule = MultiplicativeLR(base_lr=[0.05, 0.4], lr_lambda=[lambda x1: 0.9, lambda x2: 0.8])
    run_test(schedule, targets, 10)


def _warm_restarts_targets(T_mult: float, epochs: Sequence[float]) -> list[list[float]]:
    """The anchor's targets: its own bookkeeping of T_cur and T_i, epoch by epoch."""
    eta_min, T_i, T_cur, previous = 1e-10, 10, 0.0, 0.0
    targets: list[list[float]] = [[], []]
    for epoch in epochs:
        T_cur = round(T_cur + (epoch - previous), 1)
        previous = epoch
        if T_cur >= T_i:
            T_cur = T_cur - T_i
            T_i = int(T_mult) * T_i
        for g, base in enumerate(BASES):
            targets[g].append(eta_min + (base - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2)
    return targets


@pytest.mark.parametrize("T_mult", [1, 2, 4])
def test_CosineAnnealingWarmRestarts_lr1(T_mult: int) -> None:
    # torch: TestLRScheduler.test_CosineAnnealingWarmRestarts_lr1[T_mult]
    iters = 100
    targets = _warm_restarts_targets(T_mult, range(iters))
    run_test(per_group(lambda b: CosineAnnealingWarmRestarts(b, T_0=10, T_mult=T_mult, eta_min=1e-10)), targets, iters)


def test_CosineAnnealingWarmRestarts_lr2() -> None:
    # torch: TestLRScheduler.test_CosineAnnealingWarmRestarts_lr2: fractional epochs 0, 0.1, ...,
    # which an lrdsl schedule takes as its t
    for T_mult in [1, 2, 4]:
        epochs = [round(e.item(), 1) for e in torch.arange(0, 30, 0.1)]
        targets = _warm_restarts_targets(T_mult, epochs)
        for g, base in enumerate(BASES):
            s = CosineAnnealingWarmRestarts(base, T_0=10, T_mult=T_mult, eta_min=1e-10)
            for i, epoch in enumerate(epochs):
                close(targets[g][i], s(epoch), f"T_mult {T_mult}, group {g}, epoch {epoch}")


def test_CosineAnnealingWarmRestarts_lr3() -> None:
    # torch: TestLRScheduler.test_CosineAnnealingWarmRestarts_lr3: epochs in any order
    epochs_for_T_mults = [
        [0, 1, 2, 3, 4, 5, 12, 27, 3, 4, 5, 6, 13],
        [0, 1, 2, 3, 4, 5, 25, 32, 33, 34, 80, 81, 3],
        [0, 0.1, 0.2, 0.3, 1.3, 2.3, 17.5, 18.5, 19.5, 29.5, 30.5, 31.5, 50],
    ]
    T_curs_for_T_mults = [
        [1, 2, 3, 4, 5, 2, 7, 3, 4, 5, 6, 3],
        [1, 2, 3, 4, 5, 15, 2, 3, 4, 10, 11, 3],
        [0.1, 0.2, 0.3, 1.3, 2.3, 7.5, 8.5, 9.5, 19.5, 20.5, 21.5, 10],
    ]
    T_is_for_T_mults = [
        [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10],
        [10, 10, 10, 10, 10, 20, 40, 40, 40, 80, 80, 10],
        [10, 10, 10, 10, 10, 30, 30, 30, 30, 30, 30, 90],
    ]
    eta_min = 1e-10
    for epochs, T_mult, T_curs, T_is in zip(epochs_for_T_mults, [1, 2, 3], T_curs_for_T_mults, T_is_for_T_mults):
        for base in BASES:
            s = CosineAnnealingWarmRestarts(base, T_0=10, T_mult=T_mult, eta_min=eta_min)
            targets = [base] + [
                eta_min + (base - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2 for T_cur, T_i in zip(T_curs, T_is)
            ]
            for epoch, target in zip(epochs, targets):
                close(target, s(epoch), f"T_mult {T_mult}, base {base}, epoch {epoch}")


def run_swalr(schedule: Any, targets: list[list[float]], epochs: int) -> None:
    """The anchor's ``_test_swalr``: the lr before each epoch (one lrdsl schedule holds the
    scheduler before SWA and SWALR after ``swa_start``)."""
    run_test(schedule, targets, epochs)


def test_swalr_no_anneal() -> None:
    # torch: TestLRScheduler.test_swalr_no_anneal (nothing before SWA starts at 5)
    epochs, swa_start, swa_lr = 10, 5, 0.01
    targets = [[b] * (swa_start + 1) + [swa_lr] * (epochs - swa_start - 1) for b in BASES]

    def ours(b: float) -> Any:
        return SequentialLR([ConstantLR(b, factor=1.0), SWALR(b, swa_lr=swa_lr, anneal_epochs=1)], milestones=[swa_start])

    run_swalr(per_group(ours), targets, epochs)


def test_swalr_cosine_anneal_after_multiplicative() -> None:
    # torch: TestLRScheduler.test_swalr_cosine_anneal_after_multiplicative
    epochs, swa_start, swa_lr, anneal_epochs, mult_factor = 15, 5, 0.01, 5, 0.9

    def anneal_coef(t: int) -> float:
        if t + 1 >= anneal_epochs:
            return 0.0
        return (1 + math.cos(math.pi * (t + 1) / anneal_epochs)) / 2

    before = [[b * mult_factor**i for i in range(swa_start + 1)] for b in BASES]
    targets = [
        lrs + [lrs[-1] * anneal_coef(t) + swa_lr * (1 - anneal_coef(t)) for t in range(epochs - swa_start - 1)]
        for lrs in before
    ]

    def ours(b: float) -> Any:
        m = MultiplicativeLR(b, lr_lambda=lambda epoch: mult_factor)
        swa = SWALR(m(swa_start), anneal_epochs=anneal_epochs, swa_lr=swa_lr)  # from the lr SWA takes over
        return SequentialLR([m, swa], milestones=[swa_start])

    run_swalr(per_group(ours), targets, epochs)


def test_swalr_linear_anneal_after_multiplicative() -> None:
    # torch: TestLRScheduler.test_swalr_linear_anneal_after_multiplicative (one swa_lr per group)
    epochs, swa_start, swa_lrs, anneal_epochs, mult_factor = 15, 5, [0.01, 0.02], 4, 0.9

    def anneal_coef(t: int) -> float:
        if t + 1 >= anneal_epochs:
            return 0.0
        return 1 - (t + 1) / anneal_epochs

    before = [[b * mult_factor**i for i in range(swa_start + 1)] for b in BASES]
    targets = [
        lrs + [lrs[-1] * anneal_coef(t) + swa_lr * (1 - anneal_coef(t)) for t in range(epochs - swa_start - 1)]
        for lrs, swa_lr in zip(before, swa_lrs)
    ]
    multiplicative = MultiplicativeLR(list(BASES), lr_lambda=lambda epoch: mult_factor)
    swa = SWALR([m(swa_start) for m in multiplicative], anneal_epochs=anneal_epochs, anneal_strategy="linear", swa_lr=swa_lrs)
    schedule = [SequentialLR([m, s], milestones=[swa_start]) for m, s in zip(multiplicative, swa)]
    run_swalr(schedule, targets, epochs)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SWALR(BASES[0], anneal_strategy="exponential", swa_lr=1.0), r"SWALR: anneal_strategy must be one of"),
        (lambda: SWALR(BASES[0], anneal_epochs=-1, swa_lr=1.0), r"SWALR: anneal_epochs must be an int >= 0, got -1"),
        (lambda: SWALR(BASES[0], anneal_epochs=1.7, swa_lr=1.0), r"SWALR: anneal_epochs must be an int >= 0, got 1.7"),
        (lambda: SWALR(list(BASES), swa_lr=[1.0, 0.1, 0.01]), r"SWALR: swa_lr must be one value per param group"),
    ],
    ids=["anneal_strategy", "anneal_epochs<0", "anneal_epochs=1.7", "swa_lr list"],
)
def test_swalr_hypers(build: Callable[[], Any], message: str) -> None:
    # torch: TestLRScheduler.test_swalr_hypers: PyTorch refuses these, so does compat
    with pytest.raises(lr.ScheduleError, match=message):
        build()


# ----------------------------------------------------------------------------
# State dicts: a restored scheduler gives the same lrs (lrdsl's checkpoint restores its schedule).


@pytest.mark.parametrize(
    ("name", "ours", "epochs"),
    [
        ("test_step_lr_state_dict", lambda b: StepLR(b, gamma=0.1, step_size=3), 10),
        ("test_multi_step_lr_state_dict", lambda b: MultiStepLR(b, gamma=0.1, milestones=[2, 5, 9]), 10),
        ("test_exp_step_lr_state_dict", lambda b: ExponentialLR(b, gamma=0.1), 10),
        ("test_cosine_lr_state_dict", lambda b: CosineAnnealingLR(b, T_max=10, eta_min=1e-10), 10),
        ("test_CosineAnnealingWarmRestarts_lr_state_dict", lambda b: CosineAnnealingWarmRestarts(b, T_0=10, T_mult=2), 10),
        ("test_swa_lr_state_dict", lambda b: SWALR(b, anneal_epochs=3, swa_lr=0.5), 10),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_scheduler_state_dict(name: str, ours: Make, epochs: int) -> None:
    # torch: TestLRScheduler.<name> (its _check_scheduler_state_dict). The anchor loads the
    # state into a scheduler built with other parameters; lrdsl's state holds the schedule
    # itself, so the copy is rebuilt from it (a different schedule is refused by design).
    opt = anchor_opt()
    sched = Scheduler(opt, per_group(ours))
    for _ in range(epochs):
        step(opt, sched)
    copy = Scheduler.from_state_dict(opt, sched.state_dict())
    assert copy.state_dict() == sched.state_dict()
    assert [float(x) for x in copy.get_last_lr()] == [float(x) for x in sched.get_last_lr()]


# ----------------------------------------------------------------------------
# Two schedulers in a row, and resuming from a checkpoint.


def test_cosine_then_cyclic() -> None:
    # torch: TestLRScheduler.test_cosine_then_cyclic (pytorch/pytorch#21965): the lr stays <= max_lr
    max_lr, base_lr, optim_lr = 0.3, 0.1, 0.5
    schedule = SequentialLR(
        [
            CosineAnnealingLR(optim_lr, T_max=20, eta_min=0.1),
            CyclicLR(base_lr=base_lr, max_lr=max_lr, step_size_up=1, step_size_down=3, cycle_momentum=False),
        ],
        milestones=[21],  # the anchor steps the cosine while i <= T_max: 21 steps
    )
    optimizer = SGD(torch.nn.Linear(2, 1).parameters(), lr=optim_lr)
    sched = Scheduler(optimizer, schedule)
    for _ in range(40):
        step(optimizer, sched)
        last_lr = optimizer.param_groups[0]["lr"]
    assert last_lr <= max_lr


CHECKPOINT_CASES: dict[str, tuple[Callable[[float], Any], Callable[..., Any]]] = {
    "ExponentialLR": (lambda b: ExponentialLR(b, gamma=0.999), lambda o, **k: L.ExponentialLR(o, gamma=0.999, **k)),
    "LambdaLR": (lambda b: LambdaLR(b, lr_lambda=lambda epoch: epoch // 30), lambda o, **k: L.LambdaLR(o, lambda epoch: epoch // 30, **k)),
    "MultiplicativeLR": (
        lambda b: MultiplicativeLR(b, lr_lambda=lambda epoch: 0.95),
        lambda o, **k: L.MultiplicativeLR(o, lambda epoch: 0.95, **k),
    ),
    "StepLR": (lambda b: StepLR(b, step_size=30), lambda o, **k: L.StepLR(o, step_size=30, **k)),
    "MultiStepLR": (lambda b: MultiStepLR(b, milestones=[30, 80]), lambda o, **k: L.MultiStepLR(o, milestones=[30, 80], **k)),
    "ConstantLR": (lambda b: ConstantLR(b), lambda o, **k: L.ConstantLR(o, **k)),
    "LinearLR": (lambda b: LinearLR(b), lambda o, **k: L.LinearLR(o, **k)),
    "PolynomialLR": (lambda b: PolynomialLR(b), lambda o, **k: L.PolynomialLR(o, **k)),
    "CosineAnnealingLR": (lambda b: CosineAnnealingLR(b, T_max=10), lambda o, **k: L.CosineAnnealingLR(o, T_max=10, **k)),
    "CosineAnnealingWarmRestarts": (
        lambda b: CosineAnnealingWarmRestarts(b, T_0=20),
        lambda o, **k: L.CosineAnnealingWarmRestarts(o, T_0=20, **k),
    ),
    "CyclicLR": (
        lambda b: CyclicLR(base_lr=0.01, max_lr=0.1, momentum_key="beta1"),
        lambda o, **k: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, **k),
    ),
    "OneCycleLR": (
        lambda b: OneCycleLR(max_lr=0.01, total_steps=10, momentum_key="beta1"),
        lambda o, **k: L.OneCycleLR(o, max_lr=0.01, total_steps=10, **k),
    ),
    "SWALR": (lambda b: SWALR(b, swa_lr=0.01), lambda o, **k: TorchSWALR(o, swa_lr=0.01, **k)),
}


@pytest.mark.parametrize("name", list(CHECKPOINT_CASES))
def test_lr_scheduler_checkpoint(name: str) -> None:
    # torch: TestLRScheduler.test_lr_scheduler_checkpoint[<name>]: a scheduler rebuilt with
    # last_epoch=0 on the restored optimizer gives the lr after one step; lrdsl's against
    # the real scheduler's
    ours, theirs = CHECKPOINT_CASES[name]
    model = torch.nn.Linear(3, 3)
    optim = AdamW(model.parameters())
    sched = Scheduler(optim, ours(optim.param_groups[0]["lr"]))
    step(optim, sched)
    optim2 = AdamW(model.parameters())
    optim2.load_state_dict(optim.state_dict())
    sched2 = Scheduler(optim2, ours(optim.param_groups[0]["initial_lr"]), last_epoch=0)
    assert sched2.get_last_lr()[0] == optim.param_groups[0]["lr"]

    their_optim = AdamW(torch.nn.Linear(3, 3).parameters())
    their_sched = theirs(their_optim)
    step(their_optim, their_sched)
    assert optim.param_groups[0]["lr"] == pytest.approx(their_optim.param_groups[0]["lr"], rel=1e-12, abs=1e-300)
