"""The documentation runs: the examples of the docs pages (``pycon`` blocks), of the
docstrings and of the README print what they say; every public name has an entry
with an example on an API page; the figures script draws the figures."""

from __future__ import annotations

import doctest
import importlib
import os
import pathlib
import re
import subprocess
import sys

import pytest

import lrdsl as lr
from lrdsl.text import names

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MODULES = ["lrdsl", "lrdsl.primitives", "lrdsl.combinators", "lrdsl.families", "lrdsl.text", "lrdsl.serialize"]
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if "```pycon" in p.read_text())
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
#: The public names of the adapter modules, documented on docs/api/adapters.md and testing.md.
ADAPTERS = {
    "lrdsl.torch": ["Scheduler", "from_scheduler", "HYPERPARAMETERS", "DriftWarning", "Plan", "plateau_state"],
    "lrdsl.optax": ["inject", "on_plateau", "ReduceLROnPlateauState"],
    "lrdsl.keras": ["LearningRateSchedule"],
    "lrdsl.testing": ["compare", "assert_matches", "exact", "Comparison", "Difference", "NoExactValue", "PRECISION"],
}


def _pycon(text: str) -> str:
    return "\n".join(re.findall(r"```pycon\n(.*?)```", text, flags=re.S))


def _run(source: str, name: str) -> doctest.DocTestRunner:
    test = doctest.DocTestParser().get_doctest(source, {}, name, name, 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    return runner


@pytest.mark.parametrize("page", PAGES)
def test_the_examples_of_a_docs_page_print_what_they_say(page: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    runner = _run(_pycon((DOCS / page).read_text()), page)
    assert runner.tries > 0
    assert runner.failures == 0


def _api_entries() -> dict[str, str]:
    """Each ``## `name` `` entry of the API pages, with the text up to the next entry."""
    entries: dict[str, str] = {}
    for page in sorted((DOCS / "api").glob("*.md")):
        parts = re.split(r"^##+ `([^`]+)`\n", page.read_text(), flags=re.M)
        for name, body in zip(parts[1::2], parts[2::2]):
            entries[name] = body
    return entries


@pytest.mark.parametrize("name", lr.__all__)
def test_every_public_name_has_an_api_entry_with_an_example(name: str) -> None:
    entries = _api_entries()
    assert name in entries, f"no '## `{name}`' entry on docs/api/*.md"
    example = _pycon(entries[name])
    assert re.search(rf"\b{re.escape(name)}\b", example), f"the entry of {name} has no example using it"


@pytest.mark.parametrize("qualified", [f"{m}.{n}" for m, names in ADAPTERS.items() for n in names])
def test_every_public_name_of_the_adapters_has_an_api_entry_with_an_example(
    qualified: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "jax"))  # Keras reads it on import
    module, name = qualified.rsplit(".", 1)
    assert set(ADAPTERS[module]) == set(importlib.import_module(module).__all__)
    entries = _api_entries()
    assert qualified in entries, f"no '## `{qualified}`' entry on docs/api/*.md"
    assert re.search(rf"\b{re.escape(name)}\b", _pycon(entries[qualified]))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    globs = {name: getattr(lr, name) for name in lr.__all__}
    globs["lr"] = lr
    result = doctest.testmod(module, extraglobs=globs, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0


def test_readme_doctest_block() -> None:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(>>> .*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        test = doctest.DocTestParser().get_doctest(block, {"lr": lr}, "README", "README.md", 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(test)
        assert runner.failures == 0


def test_the_figures_script_draws_every_figure(tmp_path: pathlib.Path) -> None:
    done = subprocess.run(
        [sys.executable, str(DOCS / "figures.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    made = sorted(p.name for p in tmp_path.glob("*.png"))
    assert made == sorted(p.name for p in DOCS.glob("*.png"))
    assert all(p.stat().st_size > 10_000 for p in tmp_path.glob("*.png"))


@pytest.mark.parametrize("name", sorted(names()))
def test_the_api_entry_of_a_form_of_the_language_gives_the_form(name: str) -> None:
    entry = _api_entries()[f"s{name}" if name.startswith(".") else name]
    form = names()[name]
    if name == "lambda_":
        form = "lambda_(fn, *, name=None)"  # in text, lambda_('registered_name')
    assert f"`{form}`" in entry
