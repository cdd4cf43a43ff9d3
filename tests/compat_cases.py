"""Shared pieces of the compat parity tests.

Each ``tests/test_compat_<anchor>.py`` lists its parity cases as ``CASES``: a
:class:`Case` names the anchor's schedule, builds the lrdsl expression and
runs the real library; the test runs every case, and ``python -m
lrdsl.compat.table`` reads the same lists to say which schedules are tested
exact (so the table cannot claim a test that does not exist).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    """One parity check: ``ours()`` against ``theirs()``, over steps ``0 .. steps - 1``."""

    name: str  # the anchor's name for the schedule
    config: str  # a short description of this configuration
    ours: Callable[[], Any]  # -> lrdsl schedule
    theirs: Callable[[], Any]  # -> sequence of the anchor's values at t = 0 .. steps - 1
    steps: int
    rtol: float = 1e-12

    @property
    def id(self) -> str:
        return f"{self.name}[{self.config}]"


def assert_exact(case: Case) -> None:
    """The lrdsl values equal the anchor's to ``rtol`` (float64 rounding), with an
    absolute slack of ``rtol`` times the largest value, for the anchors' own
    cancellation near a decay's floor (``end + (start - end) * (1 + cos) / 2``)."""
    s = case.ours()
    expected = np.asarray(case.theirs(), dtype=np.float64)
    assert expected.shape == (case.steps,)
    got = s(np.arange(case.steps))
    scale = float(np.max(np.abs(expected))) if expected.size else 1.0
    np.testing.assert_allclose(got, expected, rtol=case.rtol, atol=case.rtol * scale, err_msg=f"{case.id}: {s}")
    # the scalar path agrees with the array path
    for t in (0, case.steps // 3, case.steps - 1):
        assert abs(s(t) - got[t]) <= 1e-15 * max(1.0, abs(got[t])) + 1e-300, (case.id, t)
