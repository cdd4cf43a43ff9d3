"""``lrdsl.compat.timm`` against timm's own schedulers.

``import timm`` needs torchvision, which has no build for this PyTorch, but
``timm.scheduler``'s modules need only PyTorch. So they are loaded without
running ``timm/__init__.py``: for the duration of the load, empty stand-in
packages ``timm`` and ``timm.scheduler`` (whose ``__path__`` is the installed
directories) are put in ``sys.modules``, each scheduler module is executed
from its file, and the stand-ins are removed again (see :func:`load_timm`).

Each case drives the real scheduler with ``step(t)`` (``t_in_epochs=True``) or
``step_update(t)`` and reads the lr it sets.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrdsl.compat import timm as cm

from .compat_cases import Case, assert_exact

torch = pytest.importorskip("torch")

NAMES = {
    "cosine_lr": "CosineLRScheduler",
    "tanh_lr": "TanhLRScheduler",
    "step_lr": "StepLRScheduler",
    "multistep_lr": "MultiStepLRScheduler",
    "poly_lr": "PolyLRScheduler",
    "wsd_lr": "WSDLRScheduler",
}


def load_timm() -> dict[str, Any]:
    """timm's scheduler classes, loaded from ``timm/scheduler/*.py`` without ``import timm``."""
    spec = importlib.util.find_spec("timm")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("timm is not installed", allow_module_level=True)
    root = Path(next(iter(spec.submodule_search_locations)))
    saved = {k: sys.modules[k] for k in list(sys.modules) if k == "timm" or k.startswith("timm.")}
    try:
        for name, path in (("timm", root), ("timm.scheduler", root / "scheduler")):
            pkg = types.ModuleType(name)
            pkg.__path__ = [str(path)]
            sys.modules[name] = pkg
        classes = {}
        for mod in ["scheduler", *NAMES]:
            full = f"timm.scheduler.{mod}"
            mspec = importlib.util.spec_from_file_location(full, root / "scheduler" / f"{mod}.py")
            assert mspec is not None and mspec.loader is not None
            module = importlib.util.module_from_spec(mspec)
            sys.modules[full] = module
            mspec.loader.exec_module(module)
            if mod in NAMES:
                classes[NAMES[mod]] = getattr(module, NAMES[mod])
        return classes
    finally:
        for k in [k for k in sys.modules if k == "timm" or k.startswith("timm.")]:
            del sys.modules[k]
        sys.modules.update(saved)


T = load_timm()


def timm_lrs(name: str, base: float, n: int, kw: dict[str, Any]) -> list[float]:
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base)
    sched = T[name](opt, **kw)
    out = []
    for t in range(n):
        if kw.get("t_in_epochs", True):
            sched.step(t)
        else:
            sched.step_update(t)
        out.append(float(opt.param_groups[0]["lr"]))
    return out


def case(name: str, config: str, base: float, n: int, **kw: Any) -> Case:
    ours: Callable[[], Any] = lambda: getattr(cm, name)(base, **kw)  # noqa: E731
    return Case(name, config, ours, lambda: timm_lrs(name, base, n, kw), n)


CASES = [
    case("CosineLRScheduler", "one cycle,warmup", 0.1, 120, t_initial=100, lr_min=1e-4, warmup_t=5, warmup_lr_init=1e-5),
    case(
        "CosineLRScheduler",
        "cycles,mul=2,decay,prefix,updates",
        0.1,
        160,
        t_initial=10,
        cycle_mul=2.0,
        cycle_decay=0.5,
        cycle_limit=4,
        warmup_t=3,
        warmup_prefix=True,
        t_in_epochs=False,
    ),
    case("CosineLRScheduler", "mul=1,limit=3,k_decay", 0.5, 100, t_initial=25, cycle_limit=3, lr_min=0.01, k_decay=2.0),
    case("CosineLRScheduler", "mul=1.5", 0.5, 100, t_initial=8, cycle_mul=1.5, cycle_limit=10, lr_min=0.01),
    case("TanhLRScheduler", "default", 0.1, 60, t_initial=50),
    case("TanhLRScheduler", "warmup", 0.1, 60, t_initial=50, warmup_t=5, warmup_lr_init=0.001, lr_min=1e-4),
    case("TanhLRScheduler", "warmup prefix,cycles", 0.1, 80, t_initial=20, warmup_t=4, warmup_prefix=True, cycle_limit=3, cycle_decay=0.7),
    case("StepLRScheduler", "default prefix", 0.1, 60, decay_t=10, decay_rate=0.5, warmup_t=3, warmup_lr_init=0.01),
    case("StepLRScheduler", "no prefix,updates", 0.1, 60, decay_t=7, decay_rate=0.3, warmup_t=4, warmup_prefix=False, t_in_epochs=False),
    case("MultiStepLRScheduler", "prefix", 0.1, 80, decay_t=[10, 30, 50], decay_rate=0.1, warmup_t=5),
    case("MultiStepLRScheduler", "no warmup,repeat", 1.0, 50, decay_t=[5, 20, 20], decay_rate=0.5),
    case("PolyLRScheduler", "default", 0.1, 60, t_initial=50),
    case("PolyLRScheduler", "power=2,cycles,warmup", 0.1, 100, t_initial=20, power=2.0, cycle_limit=4, cycle_mul=1.0, cycle_decay=0.8, lr_min=0.001, warmup_t=5),
    case("WSDLRScheduler", "default,warmup", 0.1, 120, t_initial=100, decay_t=30, warmup_t=10, warmup_lr_init=0.001),
    case("WSDLRScheduler", "cosine,lr_min,updates", 0.2, 80, t_initial=70, decay_t=70, decay_fn="cosine", lr_min=0.01, t_in_epochs=False),
    case("WSDLRScheduler", "linear", 0.2, 60, t_initial=50, decay_t=10, decay_fn="linear", warmup_t=3),
    case("PolyLRScheduler", "mul=2,k_decay", 0.2, 80, t_initial=5, cycle_mul=2.0, cycle_limit=4, k_decay=0.5, power=1.0),
]


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.id)
def test_matches_timm(c: Case) -> None:
    assert_exact(c)


def test_per_epoch_schedule_driven_per_update() -> None:
    spe = 7
    s = cm.CosineLRScheduler(0.1, 20, warmup_t=2, warmup_lr_init=0.01, steps_per_epoch=spe)
    epochs = cm.CosineLRScheduler(0.1, 20, warmup_t=2, warmup_lr_init=0.01)
    t = np.arange(30 * spe)
    np.testing.assert_array_equal(s(t), epochs(t // spe))


def test_every_timm_schedule_is_covered() -> None:
    # PlateauLRScheduler, a plateau schedule, is tested in tests/anchors_plateau/test_timm_plateau.py
    assert set(NAMES.values()) == set(cm.__all__) - {"PlateauLRScheduler", "create_scheduler_v2"} == {c.name for c in CASES}
    assert "PlateauLRScheduler" in cm.__all__


def test_compat_results_read_as_plain_expressions() -> None:
    assert str(cm.CosineLRScheduler(0.1, 100, warmup_t=5, warmup_prefix=True)) == (
        "warmup(cosine_restarts(0.1, 0.0, 100, limit=1), 5)"
    )
    assert str(cm.StepLRScheduler(0.1, 10, 0.5)) == "step(0.1, 10, gamma=0.5)"
