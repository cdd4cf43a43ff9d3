"""Smoke test of an installed lrdsl wheel with no extras (NumPy only).

Run by .ci/run inside a fresh virtual environment holding only the wheel and its
dependencies: the language, text, JSON, compat and the command line must work
there, and every feature that needs an optional dependency must say which extra
to install.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import lrdsl as lr

OPTIONAL = ("jax", "optax", "torch", "matplotlib", "keras")


def main() -> None:
    missing = [m for m in OPTIONAL if importlib.util.find_spec(m) is None]
    assert missing == list(OPTIONAL), f"the smoke venv must hold no optional dependency, found {set(OPTIONAL) - set(missing)}"
    assert "site-packages" in lr.__file__, f"lrdsl must come from the installed wheel, not {lr.__file__}"

    s = lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000)
    assert s(500) == 0.0005, s(500)
    assert str(s) == "linear(0, 0.001, 1000) >> cosine(0.001, 1e-05, 99000)", str(s)
    assert lr.parse(str(s)) == s
    assert lr.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert s.values(3).tolist() == [0.0, 1e-06, 2e-06]

    from lrdsl.compat import torch as ct

    assert ct.StepLR(0.1, 30)(60) == lr.step(0.1, 30)(60)

    bindir = Path(sys.executable).parent
    out = subprocess.run(
        [str(bindir / "lrdsl"), "show", str(s)], capture_output=True, text=True, check=True
    ).stdout
    assert "cosine(0.001, 1e-05, 99000)" in out, out
    out = subprocess.run(
        [str(bindir / "lrdsl"), "values", "step(0.1, 2)", "--steps", "4", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert [round(v, 12) for v in json.loads(out)["values"]] == [0.1, 0.1, 0.01, 0.01], out
    assert not any(m in sys.modules for m in OPTIONAL), [m for m in OPTIONAL if m in sys.modules]
    check_optional_features(s, bindir)
    print(f"smoke test passed: lrdsl {lr.__version__} on Python {sys.version.split()[0]}, NumPy only")


def check_optional_features(s: lr.Schedule, bindir: Path) -> None:
    """Each feature that needs a library this venv lacks says which extra installs it."""
    import importlib

    for module, extra in (("lrdsl.torch", "torch"), ("lrdsl.optax", "jax"), ("lrdsl.keras", "keras")):
        try:
            importlib.import_module(module)
        except ImportError as e:
            assert f'pip install "lrdsl[{extra}]"' in str(e), str(e)
        else:
            raise AssertionError(f"{module} imported without its library")
    for call, extra in ((s.compile, "jax"), (s.plot, "plot")):
        try:
            call()
        except ImportError as e:
            assert f'pip install "lrdsl[{extra}]"' in str(e), str(e)
        else:
            raise AssertionError(f"{call.__name__}() ran without its library")
    assert s.compile("numpy")(500) == s.compile("python")(500) == 0.0005
    plot = subprocess.run([str(bindir / "lrdsl"), "plot", str(s), "-o", "s.png"], capture_output=True, text=True)
    assert plot.returncode == 2 and 'pip install "lrdsl[plot]"' in plot.stderr, plot


if __name__ == "__main__":
    main()
