"""``python -m benchmarks --quick`` runs and prints its seven tables (a smoke check:
benchmarks are not tests, so nothing here looks at a time)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("jax")
pytest.importorskip("optax")
pytest.importorskip("torch")


def test_quick_benchmarks_print_seven_tables() -> None:
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    titles = re.findall(r"^## (\S+)$", out, flags=re.MULTILINE)
    assert titles == ["CURVE", "STEP", "COMPILED", "IN-JIT", "PIECES", "IMPORT", "SCALE"]
    assert "FAILED" not in out
    for section in out.split("\n## ")[1:]:
        assert re.search(r"^\| contestant|^\| module", section, flags=re.MULTILINE), section[:200]
        assert "ratio" in section
        assert "Targets:" in section
