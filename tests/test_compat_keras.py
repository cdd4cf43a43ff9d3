"""``lrdsl.compat.keras`` against ``keras.optimizers.schedules`` itself, at float64.

Keras fixes its backend when first imported, and its NumPy backend computes
in float32 whatever ``floatx`` says; so the Keras values come from one
subprocess running Keras on its PyTorch backend with ``floatx="float64"``
(``KERAS_BACKEND=torch``), computed once per test session for every case.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from lrdsl.compat import keras as ck

from .compat_cases import Case, assert_exact

# Not imported here: Keras picks its backend at import (TensorFlow by default).
_KERAS = importlib.util.find_spec("keras")
if _KERAS is None or not _KERAS.submodule_search_locations:
    pytest.skip("keras is not installed", allow_module_level=True)
KERAS_DIR = Path(next(iter(_KERAS.submodule_search_locations)))

# (name, config, constructor kwargs, steps)
CONFIGS: list[tuple[str, str, dict[str, Any], int]] = [
    ("ExponentialDecay", "continuous", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9}, 100),
    (
        "ExponentialDecay",
        "staircase",
        {"initial_learning_rate": 1.0, "decay_steps": 7, "decay_rate": 0.5, "staircase": True},
        60,
    ),
    ("PiecewiseConstantDecay", "two", {"boundaries": [10, 30], "values": [1.0, 0.5, 0.1]}, 50),
    ("PiecewiseConstantDecay", "one", {"boundaries": [0], "values": [0.3, 0.03]}, 5),
    ("PolynomialDecay", "default", {"initial_learning_rate": 0.1, "decay_steps": 50}, 70),
    (
        "PolynomialDecay",
        "power=2,cycle",
        {"initial_learning_rate": 0.1, "decay_steps": 20, "end_learning_rate": 0.01, "power": 2.0, "cycle": True},
        90,
    ),
    (
        "PolynomialDecay",
        "power=0.5,cycle",
        {"initial_learning_rate": 1.0, "decay_steps": 7, "end_learning_rate": 0.0, "power": 0.5, "cycle": True},
        40,
    ),
    ("InverseTimeDecay", "continuous", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}, 100),
    (
        "InverseTimeDecay",
        "staircase",
        {"initial_learning_rate": 1.0, "decay_steps": 6, "decay_rate": 2.0, "staircase": True},
        50,
    ),
    ("CosineDecay", "alpha", {"initial_learning_rate": 0.1, "decay_steps": 60, "alpha": 0.1}, 80),
    (
        "CosineDecay",
        "warmup",
        {"initial_learning_rate": 0.0, "decay_steps": 50, "warmup_target": 0.2, "warmup_steps": 10, "alpha": 0.05},
        80,
    ),
    ("CosineDecayRestarts", "default", {"initial_learning_rate": 0.1, "first_decay_steps": 10}, 160),
    (
        "CosineDecayRestarts",
        "t_mul=1,m_mul,alpha",
        {"initial_learning_rate": 1.0, "first_decay_steps": 12, "t_mul": 1.0, "m_mul": 0.8, "alpha": 0.1},
        80,
    ),
    (
        "CosineDecayRestarts",
        "t_mul=1.5",
        {"initial_learning_rate": 0.5, "first_decay_steps": 8, "t_mul": 1.5, "m_mul": 0.9, "alpha": 0.02},
        100,
    ),
]

_SCRIPT = r"""
import json, sys
import keras
keras.config.set_floatx("float64")
from keras.optimizers import schedules
out = []
for name, kwargs, n in json.load(sys.stdin):
    s = getattr(schedules, name)(**kwargs)
    out.append([float(s(keras.ops.convert_to_tensor(t, dtype="float64"))) for t in range(n)])
json.dump(out, sys.stdout)
"""


@cache
def keras_values() -> list[list[float]]:
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    job = json.dumps([[name, kw, n] for name, _, kw, n in CONFIGS])
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], input=job, capture_output=True, text=True, env=env, check=True, timeout=300
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _case(i: int) -> Case:
    name, config, kw, n = CONFIGS[i]
    ours: Callable[[], Any] = lambda: getattr(ck, name)(**kw)  # noqa: E731
    return Case(name, config, ours, lambda: keras_values()[i], n)


CASES = [_case(i) for i in range(len(CONFIGS))]


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.id)
def test_matches_keras(c: Case) -> None:
    assert_exact(c)


def test_every_keras_schedule_is_covered() -> None:
    import ast

    source = KERAS_DIR / "src" / "optimizers" / "schedules" / "learning_rate_schedule.py"
    tree = ast.parse(source.read_text())
    names = {
        n.name
        for n in tree.body
        if isinstance(n, ast.ClassDef) and any(getattr(b, "id", "") == "LearningRateSchedule" for b in n.bases)
    }
    # and the ReduceLROnPlateau callback, a plateau (tests/anchors_plateau/test_keras_plateau.py)
    assert names == set(ck.__all__) - {"ReduceLROnPlateau"} == {c.name for c in CASES}


def test_compat_results_read_as_plain_expressions() -> None:
    assert str(ck.PiecewiseConstantDecay([10, 30], [1.0, 0.5, 0.1])) == "piecewise([11, 31], [1.0, 0.5, 0.1])"
    assert str(ck.CosineDecayRestarts(1.0, 10, alpha=0.1)) == (
        "constant(0.1) + cosine_restarts(0.9, 0.0, 10, mult=2.0)"
    )
