"""``lrdsl.compat.timm.create_scheduler_v2`` against timm's own ``create_scheduler_v2``.

timm's factory module is loaded from ``timm/scheduler/scheduler_factory.py`` without
``import timm`` (which needs torchvision): empty stand-in packages ``timm`` and
``timm.scheduler`` are put in ``sys.modules`` while it is imported, as in
``tests/test_compat_timm.py``. Each case builds timm's scheduler on an SGD optimizer,
drives it with ``step(e)`` (``step_on_epochs=True``) or ``step_update(n)``, and reads
the lr it sets, over the whole run and past it (warmup, decay, cooldown); the returned
``num_epochs`` must be timm's too.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrdsl as lr
from lrdsl.compat import timm as ct

torch = pytest.importorskip("torch")


def _load_factory() -> Any:
    spec = importlib.util.find_spec("timm")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("timm is not installed", allow_module_level=True)
    root = Path(next(iter(spec.submodule_search_locations)))
    saved = {k: sys.modules[k] for k in list(sys.modules) if k == "timm" or k.startswith("timm.")}
    try:
        for name, path in (("timm", root), ("timm.scheduler", root / "scheduler")):
            pkg = types.ModuleType(name)
            pkg.__path__ = [str(path)]
            sys.modules[name] = pkg
        return importlib.import_module("timm.scheduler.scheduler_factory").create_scheduler_v2
    finally:
        for k in [k for k in sys.modules if k == "timm" or k.startswith("timm.")]:
            del sys.modules[k]
        sys.modules.update(saved)


create = _load_factory()

BASE = 0.1


def _theirs(kw: dict[str, Any], n: int) -> tuple[list[float], Any]:
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=BASE)
    sched, num_epochs = create(opt, **kw)
    out = []
    for t in range(n):
        if sched is not None:
            if kw.get("step_on_epochs", True):
                sched.step(t)
            else:
                sched.step_update(t)
        out.append(float(opt.param_groups[0]["lr"]))
    return out, num_epochs


#: create_scheduler_v2 options (besides the stepping), one case each
OPTIONS: dict[str, dict[str, Any]] = {
    "cosine,warmup,min_lr,cooldown": dict(num_epochs=20, warmup_epochs=3, min_lr=1e-4, cooldown_epochs=4),
    "cosine,cycles,mul,decay,prefix": dict(
        num_epochs=6, cycle_limit=3, cycle_mul=2.0, cycle_decay=0.5, warmup_epochs=2, warmup_prefix=True
    ),
    "cosine,k_decay,fractional warmup": dict(num_epochs=12, k_decay=2.0, warmup_epochs=1.5, warmup_lr=1e-3),
    "cosine,noise": dict(num_epochs=20, noise=[0.3, 0.8], noise_pct=0.5, noise_std=0.7, noise_seed=3),
    "tanh,warmup,cycles": dict(sched="tanh", num_epochs=10, warmup_epochs=2, cycle_limit=2, min_lr=1e-3),
    "step,warmup": dict(sched="step", decay_epochs=4, decay_rate=0.5, warmup_epochs=2, num_epochs=15),
    "step,default decay": dict(sched="step", num_epochs=100, decay_rate=0.5),
    "multistep,warmup prefix": dict(
        sched="multistep", decay_milestones=[3, 7, 12], warmup_epochs=2, warmup_prefix=True, num_epochs=15
    ),
    "poly,power,min_lr,cooldown": dict(
        sched="poly", decay_rate=2.0, num_epochs=12, warmup_epochs=2, min_lr=1e-3, cooldown_epochs=3
    ),
    "poly,cycles,k_decay": dict(sched="poly", num_epochs=5, cycle_limit=3, cycle_decay=0.8, k_decay=0.5),
    "wsd,default decay fraction": dict(sched="wsd", num_epochs=20, warmup_epochs=3),
    "wsd,decay epochs,cosine,prefix": dict(
        sched="wsd", num_epochs=16, decay_epochs=5, decay_fn="cosine", warmup_epochs=2, warmup_prefix=True
    ),
    "wsd,half-even decay,linear,cooldown": dict(
        sched="wsd", num_epochs=7, warmup_epochs=2, decay_epochs=0.5, decay_fn="linear", cooldown_epochs=2
    ),
    "constant,warmup": dict(sched="constant", warmup_epochs=3, num_epochs=10),
    "none": dict(sched="none", num_epochs=10, warmup_epochs=3, warmup_prefix=True),
}

STEPPING = {"epochs": dict(step_on_epochs=True), "updates": dict(step_on_epochs=False, updates_per_epoch=5)}


@pytest.mark.parametrize("stepping", list(STEPPING))
@pytest.mark.parametrize("option", list(OPTIONS))
def test_schedule_and_num_epochs_equal_timms(option: str, stepping: str) -> None:
    kw = {**OPTIONS[option], **STEPPING[stepping]}
    s, num_epochs = ct.create_scheduler_v2(BASE, **kw)
    per = kw.get("updates_per_epoch", 1)
    n = int((num_epochs + 3) * per)  # the whole run and a few epochs past it
    theirs, their_epochs = _theirs(kw, n)
    assert num_epochs == their_epochs
    assert type(num_epochs) is type(their_epochs)
    expected = np.asarray(theirs)
    got = s(np.arange(n))
    np.testing.assert_allclose(
        got, expected, rtol=1e-12, atol=1e-12 * np.max(np.abs(expected)), err_msg=str(s)
    )


def test_step_on_updates_multiplies_every_epoch_count() -> None:
    kw: dict[str, Any] = dict(
        sched="multistep", decay_milestones=[2, 5], warmup_epochs=1, warmup_prefix=True, num_epochs=8
    )
    s, _ = ct.create_scheduler_v2(BASE, **kw, step_on_epochs=False, updates_per_epoch=7)
    assert s == ct.MultiStepLRScheduler(
        BASE, [14, 35], decay_rate=0.1, warmup_t=7, warmup_lr_init=1e-5, warmup_prefix=True, t_in_epochs=False
    )


def test_wsd_decay_length_is_rounded_half_to_even() -> None:
    # (7 - 2) * 0.5 = 2.5 epochs of decay: int(round(2.5)) is 2, as in timm
    s, _ = ct.create_scheduler_v2(BASE, "wsd", num_epochs=7, warmup_epochs=2, decay_epochs=0.5)
    assert s == ct.WSDLRScheduler(BASE, 5, 2, warmup_t=2, warmup_lr_init=1e-5)


def test_num_epochs_on_updates_is_floored_to_whole_epochs() -> None:
    # cycle length 10 * (2**2 - 1) = 30 epochs = 150 updates, + 7 updates of cooldown: 157 // 5
    _, num_epochs = ct.create_scheduler_v2(
        BASE,
        num_epochs=10,
        cycle_mul=2.0,
        cycle_limit=2,
        cooldown_epochs=1.4,
        step_on_epochs=False,
        updates_per_epoch=5,
    )
    _, theirs = _theirs(
        dict(
            num_epochs=10,
            cycle_mul=2.0,
            cycle_limit=2,
            cooldown_epochs=1.4,
            step_on_epochs=False,
            updates_per_epoch=5,
        ),
        1,
    )
    assert num_epochs == theirs == 31.0


def test_per_epoch_schedule_driven_per_update_is_per_epoch() -> None:
    s, _ = ct.create_scheduler_v2(BASE, num_epochs=10, warmup_epochs=2)
    t = np.arange(12 * 4)
    np.testing.assert_array_equal(s.per_epoch(4)(t), s(t // 4))


@pytest.mark.filterwarnings("ignore:PlateauLRScheduler is deprecated:FutureWarning")
def test_plateau_is_timms_plateau_scheduler() -> None:
    kw: dict[str, Any] = dict(
        sched="plateau", warmup_epochs=2, patience_epochs=3, decay_rate=0.5, min_lr=1e-4
    )
    s, num_epochs = ct.create_scheduler_v2(BASE, **kw, plateau_mode="min")
    assert s == ct.PlateauLRScheduler(
        BASE,
        decay_rate=0.5,
        patience_t=3,
        warmup_t=2,
        warmup_lr_init=1e-5,
        lr_min=1e-4,
        mode="min",
        noise_seed=42,
    )
    assert num_epochs == _theirs({**kw, "plateau_mode": "min"}, 1)[1]


def test_unknown_sched_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        ct.create_scheduler_v2(BASE, "cosine_annealing")
    assert str(e.value) == (
        "create_scheduler_v2: sched must be one of cosine, tanh, step, multistep, poly, wsd, rsqrt, constant,"
        " plateau, none (timm: Unknown scheduler), got 'cosine_annealing'"
    )


def test_rsqrt_is_refused_as_not_built() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        ct.create_scheduler_v2(BASE, "rsqrt")
    assert str(e.value) == (
        "create_scheduler_v2: sched must be one of the others (timm's rsqrt stable phase is not built:"
        " WSDLRScheduler), got 'rsqrt'"
    )


def test_sched_of_another_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"^create_scheduler_v2: sched must be one of .*, got NoneType None$"):
        ct.create_scheduler_v2(BASE, None)  # type: ignore[arg-type]


def test_stepping_on_updates_needs_updates_per_epoch() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        ct.create_scheduler_v2(BASE, step_on_epochs=False)
    assert str(e.value) == (
        "create_scheduler_v2: updates_per_epoch must be > 0 when step_on_epochs=False (the dataloader's batches), got 0"
    )


def test_plateau_on_updates_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        ct.create_scheduler_v2(BASE, "plateau", step_on_epochs=False, updates_per_epoch=3)
    assert str(e.value) == (
        "create_scheduler_v2: step_on_epochs must be True for sched='plateau' (timm steps it per epoch only), got False"
    )


def test_wsd_decay_longer_than_the_run_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        ct.create_scheduler_v2(BASE, "wsd", num_epochs=10, warmup_epochs=2, decay_epochs=9)
    assert str(e.value) == (
        "create_scheduler_v2: decay_epochs must give a decay of int(round(...)) steps in (0, 8]"
        " (the stable + decay length, num_epochs - warmup_epochs), got 9: a decay of 9"
    )


def test_wsd_decay_fraction_that_rounds_to_zero_is_refused() -> None:
    with pytest.raises(lr.ScheduleError, match=r"in \(0, 10\] .* got 0\.01: a decay of 0$"):
        ct.create_scheduler_v2(BASE, "wsd", num_epochs=10, decay_epochs=0.01)


def test_step_on_epochs_must_be_a_bool() -> None:
    with pytest.raises(TypeError) as e:
        ct.create_scheduler_v2(BASE, step_on_epochs="no")  # type: ignore[arg-type]
    assert str(e.value) == "create_scheduler_v2: step_on_epochs must be True or False, got str 'no'"
