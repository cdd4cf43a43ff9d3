"""Build ``docs/compat.md``: every schedule of the five anchor libraries, its lrdsl
spelling, whether it is tested exact, and how the anchor's own test suite fares.

``python -m lrdsl.compat.table`` rewrites the file; ``--check`` only says
whether it is up to date (exit status 1 if not). The rows come from the
anchors themselves (their installed sources), the spelling from the
:mod:`lrdsl.compat` modules, the test status from the parity cases in
``tests/test_compat_<anchor>.py`` (their ``CASES`` lists, which the tests
run), and the anchor-suite column from running the ports of the anchors' own
test suites, ``tests/anchors/test_<anchor>_suite.py``: each case's outcome
and the ``lrdsl.compat`` constructors it calls (recorded by
``tests/anchors/conftest.py``), so nothing in the table is written by hand.
It needs the test environment: PyTorch, Optax, ``transformers``, timm and
Keras installed.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "compat.md"
SUITES = ROOT / "tests" / "anchors"

#: What the anchors have that is not a schedule of the step, and why.
NOT_SCHEDULES = {
    ("optax", "inject_hyperparams"): "an optimizer wrapper: `lrdsl.optax.inject`",
    ("optax", "inject_stateful_hyperparams"): "an optimizer wrapper: `lrdsl.optax.inject`",
    ("hf", "greedy"): "follows a metric, not the step",
}

#: The plateau schedulers: a schedule times a plateau (:mod:`lrdsl.plateau`), which follow a
#: metric; tested exact against the anchor's own objects by these modules.
PLATEAUS = {
    ("torch", "ReduceLROnPlateau"): "tests/anchors_plateau/test_torch_plateau.py",
    ("hf", "reduce_lr_on_plateau"): "tests/anchors_plateau/test_torch_plateau.py",
    ("timm", "PlateauLRScheduler"): "tests/anchors_plateau/test_timm_plateau.py",
}

TITLES = {
    "torch": "PyTorch `torch.optim.lr_scheduler` (and `torch.optim.swa_utils.SWALR`)",
    "optax": "Optax `optax.schedules`",
    "hf": "Hugging Face `transformers` (`SchedulerType`)",
    "timm": "timm `timm.scheduler`",
    "keras": "Keras `keras.optimizers.schedules`",
}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"compat table: {name} is not installed (the table needs the test environment)")
    return Path(next(iter(spec.submodule_search_locations)))


def anchor_schedules() -> dict[str, list[str]]:
    """Every schedule each anchor library has, by its own name."""
    import torch.optim.lr_scheduler as tl

    torch_names = [n for n in tl.__all__ if n != "LRScheduler"] + ["SWALR"]  # and torch.optim.swa_utils's
    import optax.schedules as osch

    optax_names = sorted(
        n
        for n in dir(osch)
        if n[0].islower() and callable(getattr(osch, n)) and not isinstance(getattr(osch, n), type)
    )
    import transformers

    hf_names = [t.value for t in transformers.SchedulerType]
    init = ast.parse((_package_dir("timm") / "scheduler" / "__init__.py").read_text())
    timm_names = [
        a.name for node in init.body if isinstance(node, ast.ImportFrom) for a in node.names if a.name.endswith("Scheduler")
    ]
    source = _package_dir("keras") / "src" / "optimizers" / "schedules" / "learning_rate_schedule.py"
    keras_names = [
        n.name
        for n in ast.parse(source.read_text()).body
        if isinstance(n, ast.ClassDef) and any(getattr(b, "id", "") == "LearningRateSchedule" for b in n.bases)
    ]
    return {"torch": torch_names, "optax": optax_names, "hf": hf_names, "timm": timm_names, "keras": keras_names}


def tested_cases() -> dict[str, list[Any]]:
    """The parity cases of ``tests/test_compat_<anchor>.py``, by anchor."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return {a: list(importlib.import_module(f"tests.test_compat_{a}").CASES) for a in TITLES}


def anchor_suite_results() -> dict[str, dict[str, Any]]:
    """Run the ported anchor suites (``tests/anchors``) once, in a subprocess: per case
    (pytest node id), its outcome and the ``lrdsl.compat`` constructors it calls."""
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "record.json"
        env = {**os.environ, "LRDSL_ANCHOR_RECORD": str(record)}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        command = [sys.executable, "-m", "pytest", str(SUITES), "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
        if importlib.util.find_spec("xdist") is not None:
            command += ["-n", "0"]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if not record.exists():
            raise SystemExit(f"compat table: the anchor suites did not run:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        results: dict[str, dict[str, Any]] = json.loads(record.read_text())
        return results


def _suite_module(anchor: str) -> Any:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"tests.anchors.test_{anchor}_suite")


def _listed(cases: dict[str, str]) -> int:
    """How many anchor cases a ``SKIPPED``/``ELSEWHERE`` dict names ("(32 parametrizations)" counts 32)."""
    total = 0
    for key in cases:
        m = re.search(r"\((\d+) parametrizations\)", key)
        total += int(m.group(1)) if m else 1
    return total


def _suite_cases(results: dict[str, dict[str, Any]], anchor: str) -> list[dict[str, Any]]:
    return [r for nodeid, r in results.items() if Path(nodeid.split("::")[0]).name == f"test_{anchor}_suite.py"]


def _row_calls(anchor: str, name: str) -> set[str]:
    """The constructor names whose calls count for the row ``name`` (Hugging Face's rows are
    scheduler types, built by ``get_scheduler`` or by their own function)."""
    if anchor != "hf":
        return {name}
    fn = importlib.import_module("lrdsl.compat.hf").TYPE_TO_SCHEDULER_FUNCTION.get(name)
    return {fn.__name__} if fn else set()


def _score(cases: list[dict[str, Any]]) -> str:
    passed = sum(c["outcome"] == "passed" for c in cases)
    return f"{passed}/{len(cases)}" if cases else "—"


def _constructor(anchor: str, name: str) -> tuple[str, Callable[..., Any] | None]:
    module = importlib.import_module(f"lrdsl.compat.{anchor}")
    if anchor == "hf":
        fn = module.TYPE_TO_SCHEDULER_FUNCTION.get(name)
        if name == "reduce_lr_on_plateau":  # a plateau schedule, outside the table of schedules
            fn = module.get_reduce_on_plateau_schedule
        return (f"compat.hf.get_scheduler({name!r}, ...)", fn) if fn else ("", None)
    fn = getattr(module, name, None)
    return (f"compat.{anchor}.{name}", fn) if fn else ("", None)


def _summary(fn: Callable[..., Any]) -> str:
    """The part of the docstring's first paragraph that spells the lrdsl expression."""
    doc = (fn.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(doc.split()).replace("|", "\\|").removesuffix("::")


def render(results: dict[str, dict[str, Any]] | None = None) -> str:
    """The text of ``docs/compat.md``; ``results`` are :func:`anchor_suite_results` (run if not given)."""
    schedules = anchor_schedules()
    cases = tested_cases()
    results = anchor_suite_results() if results is None else results
    lines = [
        "# Compatibility with PyTorch, Optax, Hugging Face, timm and Keras",
        "",
        "<!-- Generated by `python -m lrdsl.compat.table` from lrdsl.compat, tests/test_compat_*.py",
        "     and a run of tests/anchors/; do not edit by hand. -->",
        "",
        "Every schedule of the five libraries, the `lrdsl.compat` constructor with the",
        "library's own name and parameters, what it builds, whether it is **tested",
        "exact**: equal to the library's own values at float64 (rtol 1e-12) over every",
        "phase, in the number of configurations shown, by `tests/test_compat_<library>.py`,",
        "and the **anchor suite** column: of the library's own test cases that check",
        "learning-rate values, ported to `lrdsl.compat` in `tests/anchors/test_<library>_suite.py`",
        "(at the library's own tolerances), how many that build this schedule pass.",
        "",
        "## The anchors' own test suites",
        "",
        "| library | its suite | cases ported: passing/total | not ported: no schedule value | ported with another part |",
        "|---|---|---|---|---|",
    ]
    suites = {}
    for anchor in schedules:
        module = _suite_module(anchor)
        suite_cases = _suite_cases(results, anchor)
        suites[anchor] = suite_cases
        lines.append(
            f"| {TITLES[anchor].split(' `')[0]} | {module.SUITE} | {_score(suite_cases)} |"
            f" {_listed(module.SKIPPED)} | {_listed(module.ELSEWHERE)} |"
        )
    lines += [
        "",
        "The cases not ported, and why, are listed in each suite module (`SKIPPED`,",
        "`ELSEWHERE`: the plateau schedulers, which follow a metric, and timm's noise).",
        "",
    ]
    totals = [0, 0, 0]
    for anchor, names in schedules.items():
        by_name: dict[str, list[Any]] = {}
        for c in cases[anchor]:
            by_name.setdefault(c.name, []).append(c)
        lines += [
            f"## {TITLES[anchor]}",
            "",
            "| schedule | lrdsl | builds | example | tested exact | anchor suite |",
            "|---|---|---|---|---|---|",
        ]
        for name in names:
            why = NOT_SCHEDULES.get((anchor, name))
            calls = _row_calls(anchor, name)
            score = _score([c for c in suites[anchor] if calls & set(c["calls"])])
            if why:
                lines.append(f"| `{name}` | — | not a schedule: {why} | | n/a | {score} |")
                totals[2] += 1
                continue
            spelling, fn = _constructor(anchor, name)
            plateau = PLATEAUS.get((anchor, name))
            if plateau:
                lines.append(
                    f"| `{name}` | `{spelling}` | {_summary(fn) if fn else '**missing**'} |"
                    f" a plateau schedule, `ps(t, state)` | yes (plateau: `{plateau}`) | {score} |"
                )
                totals[0] += 1
                continue
            tested = by_name.get(name, [])
            example = f"`{tested[0].ours()}`".replace("|", "\\|") if tested else ""
            status = f"yes ({len(tested)} configs)" if tested else "**no**"
            totals[0 if tested else 1] += 1
            lines.append(
                f"| `{name}` | `{spelling}` | {_summary(fn) if fn else '**missing**'} | {example} | {status} | {score} |"
            )
        lines.append("")
    everything = [c for s in suites.values() for c in s]
    lines += [
        f"Tested exact: {totals[0]}; not tested exact: {totals[1]}; not schedules: {totals[2]}."
        f" Anchor suites: {_score(everything)} ported cases pass.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lrdsl.compat.table", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that docs/compat.md is up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUT.read_text() if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is out of date: run python -m lrdsl.compat.table", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
