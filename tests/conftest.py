"""Test configuration: Hypothesis profiles.

Locally, properties explore new random examples on every run. Under CI (``CI``
set, as ``.ci/run`` has it), the ``ci`` profile derandomizes them: the same
examples every run, so a landing never depends on the luck of a seed, and no
example database is written into the clone.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
