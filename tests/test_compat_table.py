"""The generated compatibility table (``docs/compat.md``) is complete and up to date."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("optax")
pytest.importorskip("transformers")

from lrdsl.compat import table


@pytest.fixture(scope="module")
def rendered() -> str:
    return table.render()


def test_committed_table_is_up_to_date(rendered: str) -> None:
    assert table.OUT.read_text() == rendered, "docs/compat.md is stale: run python -m lrdsl.compat.table"


def test_every_schedule_of_the_anchors_is_tested_exact(rendered: str) -> None:
    rows = [line for line in rendered.splitlines() if line.startswith("| `")]
    assert len(rows) > 50
    untested = [r.split("|")[1].strip() for r in rows if "**no**" in r or "**missing**" in r]
    assert untested == []


def test_every_anchor_schedule_has_a_row(rendered: str) -> None:
    for anchor, names in table.anchor_schedules().items():
        for name in names:
            assert f"| `{name}` |" in rendered, (anchor, name)
