"""The real plateau schedulers, run the way the tests compare them with lrdsl.

- :func:`torch_lrs`: PyTorch's ``ReduceLROnPlateau`` on an SGD optimizer, stepped
  with each metric, optionally together with a chainable scheduler on the same
  optimizer (PyTorch's compound use); the lr of every group after each epoch.
- :func:`keras`: the Keras worker process (``keras_worker.py``, Keras on its
  PyTorch backend), one per test session.
- :func:`replay`: the same metrics through an lrdsl ``PlateauSchedule``.
- :func:`metric_sequences`: random metrics for the properties.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from lrdsl.plateau import PlateauSchedule


def torch_lrs(
    base_lrs: Sequence[float],
    kwargs: dict[str, Any],
    metrics: Sequence[float],
    other: Callable[[Any], Any] | None = None,
) -> tuple[list[list[float]], Any]:
    """The lr of each param group after each ``ReduceLROnPlateau.step(metric)`` (and,
    with ``other``, after ``other(optimizer).step()`` right after it, as PyTorch's
    compound tests step them); and the plateau scheduler itself."""
    import torch

    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": b} for b in base_lrs]
    opt = torch.optim.SGD(groups, lr=base_lrs[0])
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    chained = other(opt) if other is not None else None
    out = []
    for m in metrics:
        opt.step()
        plateau.step(m)
        if chained is not None:
            chained.step()
        out.append([float(g["lr"]) for g in opt.param_groups])
    return out, plateau


def replay(ps: PlateauSchedule, metrics: Sequence[float]) -> tuple[list[float], dict[str, Any]]:
    """The lr after each metric when a metric arrives at every step: ``update(state,
    m, t)`` with the lr of step ``t`` in effect, then the lr of step ``t + 1``."""
    state = ps.init()
    out = []
    for t, m in enumerate(metrics):
        state = ps.update(state, m, t)
        out.append(ps(t + 1, state))
    return out, state


class KerasWorker:
    """A Keras process answering one JSON job per line (see ``keras_worker.py``)."""

    def __init__(self) -> None:
        env = {**os.environ, "KERAS_BACKEND": "torch"}
        script = Path(__file__).with_name("keras_worker.py")
        self.proc = subprocess.Popen(
            [sys.executable, str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        atexit.register(self.close)

    def ask(self, job: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the Keras worker stopped (exit status {self.proc.poll()})")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"Keras raised {answer['error']}")
        return answer

    def drive(self, lr: float, kwargs: dict[str, Any], metrics: Sequence[float]) -> dict[str, Any]:
        return self.ask({"cmd": "drive", "lr": lr, "kwargs": kwargs, "metrics": list(metrics)})

    def fit(self, kwargs: dict[str, Any], epochs: int) -> dict[str, Any]:
        return self.ask({"cmd": "fit", "kwargs": kwargs, "epochs": epochs})

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@cache
def keras() -> KerasWorker:
    return KerasWorker()


# ----------------------------------------------------------------------------
# Random metric sequences: plateaus, moves within and beyond the thresholds,
# negative values, sign flips, NaN and infinities.


def metric_sequences(*, min_size: int = 1, max_size: int = 30, nonfinite: bool = True) -> Any:
    """Hypothesis strategy: a list of metrics built by random moves from a start value."""
    from hypothesis import strategies as st

    moves = [
        st.just(("same", 0.0)),
        st.tuples(st.just("tiny"), st.floats(-2e-4, 2e-4)),  # relative, around the default thresholds
        st.tuples(st.just("step"), st.floats(-2.0, 2.0, allow_subnormal=False)),
        st.tuples(st.just("set"), st.floats(-10.0, 10.0, allow_subnormal=False)),
        st.just(("flip", 0.0)),
    ]
    if nonfinite:
        moves.append(st.tuples(st.just("value"), st.sampled_from([math.nan, math.inf, -math.inf])))
    # No subnormal numbers: XLA flushes them to zero on CPU, Python does not.
    start = st.floats(-10.0, 10.0, allow_subnormal=False) | st.sampled_from([0.0, 1.0, -1.0])

    def build(args: tuple[float, list[tuple[str, float]]]) -> list[float]:
        v, steps = args
        out = []
        for kind, x in steps:
            if kind == "value":
                out.append(x)  # the next move starts from the last finite value
                continue
            v = {"same": v, "tiny": v * (1 + x), "step": v + x, "set": x, "flip": -v}[kind]
            out.append(v)
        return out

    return st.tuples(start, st.lists(st.one_of(moves), min_size=min_size, max_size=max_size)).map(build)


def same(a: float, b: float | None) -> bool:
    """Equal, NaN equal to NaN."""
    return b is not None and (a == b or (math.isnan(a) and math.isnan(b)))


@cache
def timm_plateau_scheduler() -> Any:
    """timm's ``PlateauLRScheduler`` class, loaded from ``timm/scheduler/plateau_lr.py``
    without ``import timm`` (which needs torchvision, not built for this PyTorch):
    stand-in packages ``timm`` and ``timm.scheduler`` exist only while its two
    modules load (as ``tests/test_compat_timm.py`` does)."""
    import importlib.util
    import types

    spec = importlib.util.find_spec("timm")
    if spec is None or not spec.submodule_search_locations:
        import pytest

        pytest.skip("timm is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    saved = {k: sys.modules[k] for k in list(sys.modules) if k == "timm" or k.startswith("timm.")}
    try:
        for name, path in (("timm", root), ("timm.scheduler", root / "scheduler")):
            pkg = types.ModuleType(name)
            pkg.__path__ = [str(path)]
            sys.modules[name] = pkg
        module: Any = None
        for mod in ("scheduler", "plateau_lr"):
            full = f"timm.scheduler.{mod}"
            mspec = importlib.util.spec_from_file_location(full, root / "scheduler" / f"{mod}.py")
            assert mspec is not None and mspec.loader is not None
            module = importlib.util.module_from_spec(mspec)
            sys.modules[full] = module
            mspec.loader.exec_module(module)
        return module.PlateauLRScheduler
    finally:
        for k in [k for k in sys.modules if k == "timm" or k.startswith("timm.")]:
            del sys.modules[k]
        sys.modules.update(saved)
