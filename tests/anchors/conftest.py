"""The anchors' own test suites, ported: a record of what each case exercises, on request.

When ``LRDSL_ANCHOR_RECORD`` names a file (``python -m lrdsl.compat.table`` sets
it when it runs these suites), every public constructor of the
``lrdsl.compat`` modules is wrapped, before the suites are imported, to note
which ones each case calls (the outermost call only: a constructor built from
another counts once), and at the end of the session the file receives, per
case, those names and the case's outcome. Without the variable nothing is
wrapped or written.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import threading
from collections.abc import Callable, Generator
from typing import Any

import pytest

RECORD = os.environ.get("LRDSL_ANCHOR_RECORD")
ANCHORS = ("torch", "optax", "hf", "timm", "keras")

_state = threading.local()
_calls: dict[str, set[str]] = {}
_outcomes: dict[str, str] = {}


def _recording(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        depth = getattr(_state, "depth", 0)
        test = getattr(_state, "test", None)
        if depth == 0 and test is not None:
            _calls.setdefault(test, set()).add(fn.__name__)
        _state.depth = depth + 1
        try:
            return fn(*args, **kwargs)
        finally:
            _state.depth = depth

    return wrapper


def _install() -> None:
    for anchor in ANCHORS:
        module = importlib.import_module(f"lrdsl.compat.{anchor}")
        for name in module.__all__:
            value = getattr(module, name)
            if callable(value) and not isinstance(value, type):
                setattr(module, name, _recording(value))


if RECORD:
    _install()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    _state.test = item.nodeid
    try:
        yield
    finally:
        _state.test = None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome != "passed":
        previous = _outcomes.get(report.nodeid)
        if previous != "failed":  # a failed setup or teardown fails the case
            _outcomes[report.nodeid] = report.outcome


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not RECORD:
        return
    cases = {
        nodeid: {"outcome": outcome, "calls": sorted(_calls.get(nodeid, ()))} for nodeid, outcome in _outcomes.items()
    }
    with open(RECORD, "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
