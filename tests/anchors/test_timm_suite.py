"""timm's own scheduler tests (``tests/test_scheduler.py`` of
``huggingface/pytorch-image-models``), ported through ``lrdsl.compat.timm``.

timm's tests check properties of the lr a scheduler sets after
``scheduler.step(epoch)`` (or ``step_update(update)``): that is the compat
schedule's value at ``t = epoch``. Each test states the same property of
the lrdsl values, at the anchor's tolerance (``pytest.approx(..., rel=...)``),
with timm's constructor names and arguments (the optimizer replaced by its
lr, 0.1). Where the anchor compares two of its schedulers (``TestKDecay``),
lrdsl's values are also compared with the real timm schedulers'. Each test
names the anchor test it ports.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import lrdsl.compat.timm as cm  # noqa: E402
from lrdsl.torch import Scheduler  # noqa: E402

from ..test_compat_timm import T as TIMM  # noqa: E402  (timm's classes, loaded without `import timm`)

ANCHOR = "timm"
SUITE = "huggingface/pytorch-image-models tests/test_scheduler.py"

SKIPPED = {
    "TestSchedulerBasics.test_scheduler_init (6 parametrizations)": "construction only, no lr value",
    "TestStateDict.test_state_dict_save_load (5 parametrizations)": "timm's own state_dict round trip",
}
ELSEWHERE = {
    "TestSchedulerBasics.test_plateau_scheduler_step": "plateau (PlateauLRScheduler follows a metric)",
    "TestStateDict.test_plateau_state_dict_save_load": "plateau (PlateauLRScheduler follows a metric)",
    "TestNoise.test_noise_range[CosineLRScheduler]": "keras (timm's noise options)",
    "TestNoise.test_noise_range[StepLRScheduler]": "keras (timm's noise options)",
    "TestNoise.test_noise_range[PolyLRScheduler]": "keras (timm's noise options)",
    "TestNoise.test_noise_range[TanhLRScheduler]": "keras (timm's noise options)",
}

BASE_LR = 0.1  # the anchor's _create_optimizer(lr=0.1)

# The anchor's parametrizations (scheduler class, kwargs).
FIVE = [
    ("CosineLRScheduler", {"t_initial": 100}),
    ("StepLRScheduler", {"decay_t": 10}),
    ("MultiStepLRScheduler", {"decay_t": [10, 20, 30]}),
    ("PolyLRScheduler", {"t_initial": 100}),
    ("TanhLRScheduler", {"t_initial": 100}),
]
FIVE_HALVING = [
    ("CosineLRScheduler", {"t_initial": 100}),
    ("StepLRScheduler", {"decay_t": 10, "decay_rate": 0.5}),
    ("MultiStepLRScheduler", {"decay_t": [10, 20, 30], "decay_rate": 0.5}),
    ("PolyLRScheduler", {"t_initial": 100}),
    ("TanhLRScheduler", {"t_initial": 100}),
]


def ours(name: str, base_lr: float = BASE_LR, **kwargs: Any) -> Any:
    return getattr(cm, name)(base_lr, **kwargs)


def _ids(cases: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [name for name, _ in cases]


# ----------------------------------------------------------------------------
# TestSchedulerBasics, TestWarmup


@pytest.mark.parametrize(("name", "kwargs"), FIVE, ids=_ids(FIVE))
def test_scheduler_step(name: str, kwargs: dict[str, Any]) -> None:
    # timm: TestSchedulerBasics.test_scheduler_step[<name>]: after steps 0..9 the lr is <= the first
    s = ours(name, **kwargs)
    assert s(9) <= s(0)


@pytest.mark.parametrize(("name", "kwargs"), FIVE, ids=_ids(FIVE))
def test_warmup_lr_increases(name: str, kwargs: dict[str, Any]) -> None:
    # timm: TestWarmup.test_warmup_lr_increases[<name>]
    warmup_lr_init, warmup_t = 0.001, 5
    s = ours(name, warmup_t=warmup_t, warmup_lr_init=warmup_lr_init, **kwargs)
    assert s(0) == pytest.approx(warmup_lr_init, rel=1e-5)
    prev_lr = warmup_lr_init
    for epoch in range(1, warmup_t):
        assert s(epoch) > prev_lr, f"LR should increase during warmup at epoch {epoch}"
        prev_lr = s(epoch)


@pytest.mark.parametrize(("name", "kwargs"), FIVE_HALVING, ids=_ids(FIVE_HALVING))
def test_warmup_prefix_reaches_target_lr(name: str, kwargs: dict[str, Any]) -> None:
    # timm: TestWarmup.test_warmup_prefix_reaches_target_lr[<name>]
    warmup_t = 5
    s = ours(name, warmup_t=warmup_t, warmup_lr_init=0.001, warmup_prefix=True, **kwargs)
    assert s(warmup_t) == pytest.approx(BASE_LR, rel=1e-5)


# ----------------------------------------------------------------------------
# TestCosineScheduler, TestStepScheduler, TestMultiStepScheduler, TestPolyScheduler, TestTanhScheduler


def test_cosine_decay() -> None:
    # timm: TestCosineScheduler.test_cosine_decay
    lr_min, t_initial = 0.001, 100
    s = cm.CosineLRScheduler(BASE_LR, t_initial=t_initial, lr_min=lr_min)
    assert s(0) == pytest.approx(BASE_LR, rel=1e-5)
    expected_mid = lr_min + 0.5 * (BASE_LR - lr_min) * (1 + math.cos(math.pi * 0.5))
    assert s(t_initial // 2) == pytest.approx(expected_mid, rel=1e-2)
    assert s(t_initial) == pytest.approx(lr_min, rel=1e-5)


def test_cosine_cycles() -> None:
    # timm: TestCosineScheduler.test_cosine_cycles
    lr_min, t_initial, cycle_limit = 0.001, 50, 2
    s = cm.CosineLRScheduler(BASE_LR, t_initial=t_initial, lr_min=lr_min, cycle_limit=cycle_limit)
    assert s(t_initial - 1) < BASE_LR * 0.5, "LR should be significantly lower near end of cycle"
    for epoch in range(t_initial * cycle_limit, t_initial * cycle_limit + 10):
        assert s(epoch) == pytest.approx(lr_min, rel=1e-5)


def test_get_cycle_length() -> None:
    # timm: TestCosineScheduler.test_get_cycle_length: one cycle (the default cycle_limit) lasts
    # t_initial, after the warmup with warmup_prefix: the schedule's duration
    assert cm.CosineLRScheduler(BASE_LR, t_initial=100).duration == 100
    assert cm.CosineLRScheduler(BASE_LR, t_initial=100, warmup_t=10, warmup_prefix=True).duration == 110


def test_step_decay() -> None:
    # timm: TestStepScheduler.test_step_decay
    decay_t, decay_rate = 10, 0.5
    s = cm.StepLRScheduler(BASE_LR, decay_t=decay_t, decay_rate=decay_rate)
    assert s(decay_t - 1) == pytest.approx(BASE_LR, rel=1e-5)
    assert s(decay_t) == pytest.approx(BASE_LR * decay_rate, rel=1e-5)
    assert s(2 * decay_t) == pytest.approx(BASE_LR * decay_rate**2, rel=1e-5)


def test_multistep_decay() -> None:
    # timm: TestMultiStepScheduler.test_multistep_decay
    decay_rate = 0.5
    s = cm.MultiStepLRScheduler(BASE_LR, decay_t=[10, 20, 30], decay_rate=decay_rate)
    assert s(8) == pytest.approx(BASE_LR, rel=1e-5)
    assert s(11) == pytest.approx(BASE_LR * decay_rate, rel=1e-5)
    assert s(21) == pytest.approx(BASE_LR * decay_rate**2, rel=1e-5)
    assert s(31) == pytest.approx(BASE_LR * decay_rate**3, rel=1e-5)


def test_poly_decay() -> None:
    # timm: TestPolyScheduler.test_poly_decay (power 1: linear)
    lr_min, t_initial = 0.001, 100
    s = cm.PolyLRScheduler(BASE_LR, t_initial=t_initial, lr_min=lr_min, power=1.0)
    assert s(0) == pytest.approx(BASE_LR, rel=1e-5)
    assert s(t_initial) == pytest.approx(lr_min, rel=1e-5)


def test_tanh_decay() -> None:
    # timm: TestTanhScheduler.test_tanh_decay
    t_initial = 100
    s = cm.TanhLRScheduler(BASE_LR, t_initial=t_initial, lr_min=0.001)
    lrs = [s(epoch) for epoch in range(t_initial + 1)]
    assert lrs[-1] < lrs[0]


# ----------------------------------------------------------------------------
# TestStepUpdate, TestMultipleParamGroups


@pytest.mark.parametrize(("name", "kwargs"), FIVE_HALVING, ids=_ids(FIVE_HALVING))
def test_step_update_with_t_in_epochs_false(name: str, kwargs: dict[str, Any]) -> None:
    # timm: TestStepUpdate.test_step_update_with_t_in_epochs_false[<name>]: t counts updates
    s = ours(name, t_in_epochs=False, **kwargs)
    assert s(49) != s(0), f"LR should change after 50 updates for {name}"


@pytest.mark.parametrize(("name", "kwargs"), FIVE, ids=_ids(FIVE))
def test_multiple_param_groups(name: str, kwargs: dict[str, Any]) -> None:
    # timm: TestMultipleParamGroups.test_multiple_param_groups[<name>] (three groups, lr 0.1 each)
    params = [torch.nn.Parameter(torch.randn(10, 5)) for _ in range(3)]
    optimizer = torch.optim.SGD([{"params": [p], "lr": BASE_LR} for p in params], lr=BASE_LR)
    scheduler = Scheduler(optimizer, [ours(name, **kwargs) for _ in params])
    initial_lrs = [pg["lr"] for pg in optimizer.param_groups]
    for _ in range(1, 20):  # the anchor's step(epoch) for epochs 0..19: the lr of epoch 19
        optimizer.step()
        scheduler.step()
    final_lrs = [pg["lr"] for pg in optimizer.param_groups]
    for i, (initial, final) in enumerate(zip(initial_lrs, final_lrs)):
        assert final <= initial, f"Param group {i} LR should decrease or stay same"


# ----------------------------------------------------------------------------
# TestKDecay: two schedulers compared; lrdsl's are also compared with timm's.


def _timm_lr(name: str, epoch: int, **kwargs: Any) -> float:
    p = torch.nn.Parameter(torch.randn(10, 5))
    optimizer = torch.optim.SGD([p], lr=BASE_LR)
    TIMM[name](optimizer, **kwargs).step(epoch)
    return float(optimizer.param_groups[0]["lr"])


@pytest.mark.parametrize("name", ["CosineLRScheduler", "PolyLRScheduler"], ids=["test_cosine_k_decay", "test_poly_k_decay"])
def test_k_decay(name: str) -> None:
    # timm: TestKDecay.test_cosine_k_decay / TestKDecay.test_poly_k_decay
    lrs_k1 = [ours(name, t_initial=100, k_decay=1.0)(epoch) for epoch in range(100)]
    lrs_k2 = [ours(name, t_initial=100, k_decay=2.0)(epoch) for epoch in range(100)]
    assert lrs_k1[50] != lrs_k2[50]
    for k, lrs in ((1.0, lrs_k1), (2.0, lrs_k2)):
        assert lrs[50] == pytest.approx(_timm_lr(name, 50, t_initial=100, k_decay=k), rel=1e-12)
