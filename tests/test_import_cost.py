"""``import lrdsl`` stays cheap: the node classes' dataclass machinery is built when
it is first needed, and the JAX import hook loads nothing heavy. Each test runs in a
fresh interpreter, where nothing has been built yet (timings live in benchmarks/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, timeout=300
    )
    return done.stdout.strip()


def test_import_defers_building_the_node_classes() -> None:
    out = _run("import lrdsl, lrdsl._node as n; print(bool(n._PENDING), '__init__' in vars(lrdsl.Cosine))")
    assert out == "True False"


def test_the_first_schedule_builds_every_node_class() -> None:
    out = _run(
        "import lrdsl, lrdsl._node as n; s = lrdsl.constant(1.0);"
        " print(bool(n._PENDING), all('__init__' in vars(c) for c in (lrdsl.Cosine, lrdsl.Chain, lrdsl.Noise)))"
    )
    assert out == "False True"


def test_a_class_not_built_yet_gives_its_fields() -> None:
    out = _run(
        "import dataclasses, lrdsl;"
        " print(dataclasses.is_dataclass(lrdsl.Step), [f.name for f in dataclasses.fields(lrdsl.Step)])"
    )
    assert out == "True ['start', 'step_size', 'gamma']"


def test_a_class_not_built_yet_gives_its_signature() -> None:
    out = _run("import inspect, lrdsl; print(inspect.signature(lrdsl.Step))")
    assert out == "(start: 'Any', step_size: 'Any', *, gamma: 'Any' = 0.1)"


def test_the_base_class_is_no_dataclass() -> None:
    out = _run("import dataclasses, lrdsl; print(dataclasses.is_dataclass(lrdsl.Schedule))")
    assert out == "False"


def test_a_node_class_stays_frozen() -> None:
    out = _run(
        "import dataclasses, lrdsl; s = lrdsl.linear(0, 1, 10)\n"
        "try:\n    s.steps = 5\nexcept dataclasses.FrozenInstanceError as e:\n    print('frozen:', e)"
    )
    assert out == "frozen: cannot assign to field 'steps'"


def test_import_loads_no_importlib_resources() -> None:
    out = _run("import sys, lrdsl; print('importlib.resources' in sys.modules, 'tempfile' in sys.modules)")
    assert out == "False False"
