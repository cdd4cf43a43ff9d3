"""``notebooks/tour.ipynb`` executes without error in a real Jupyter kernel."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "tour.ipynb"


@pytest.fixture
def kernel_on_this_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``python3`` kernelspec that runs this interpreter (so the kernel sees this lrdsl)."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (lrdsl tests)",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PYTHONPATH", str(NOTEBOOK.parent.parent))
    return "python3"


def test_the_tour_notebook_executes(kernel_on_this_interpreter: str, tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=kernel_on_this_interpreter,
        timeout=300,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the plots were drawn"


def test_the_tour_follows_a_users_path() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    titles = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines() if line.startswith("#")]
    assert titles == [
        "# A tour of lrdsl",
        "## Compose",
        "## Look at it",
        "## Check it against the scheduler you have",
        "## Train with PyTorch",
        "## Resume from a checkpoint",
        "## Train with Optax",
        "## Sweep the peak with `vmap`",
        "## Save it as text or JSON",
    ]


def test_the_stored_tour_shows_its_outputs() -> None:
    """The notebook is committed executed, so the docs site and GitHub show the outputs."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("outputs") for c in code[1:]), "every code cell after the imports has its output stored"
    assert not [o for c in code for o in c.outputs if o.get("output_type") == "error"]


def test_the_tour_speaks_a_users_words() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    text = "\n".join(c.source for c in nb.cells).lower()
    for word in ("seed's", "the seed", "issue", "xp.", "_eval", "node class"):
        assert word not in text, word
