"""IMPORT: ``import lrdsl`` in fresh processes, against NumPy, Optax and PyTorch."""

from __future__ import annotations

import statistics
import subprocess
import sys

from ._harness import Table, Target, fmt_ratio, fmt_time

_PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
#: ``import lrdsl`` defers building the node classes' dataclass machinery to the first
#: schedule made; this probe pays both, for the record.
_FIRST = "import time; t = time.perf_counter(); import lrdsl; lrdsl.linear(0, 1, 10); print(time.perf_counter() - t)"


_FIRST_NAME = "lrdsl; lrdsl.linear(0, 1, 10)"


def import_time(module: str) -> tuple[float, float]:
    """``(seconds to import module, seconds of the whole process)`` in a fresh interpreter."""
    import time

    start = time.perf_counter()
    probe = _FIRST if module == _FIRST_NAME else _PROBE.format(module=module)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    return float(out.stdout.strip().splitlines()[-1]), wall


def _compile_lrdsl() -> None:
    """Byte-compile lrdsl first, as an installed NumPy is: with
    ``PYTHONDONTWRITEBYTECODE`` set (as on CI machines) an editable lrdsl would
    otherwise be compiled from source in every process, and NumPy not."""
    import compileall
    import pathlib

    import lrdsl

    compileall.compile_dir(str(pathlib.Path(lrdsl.__file__).parent), quiet=1)


def run(quick: bool) -> Table:
    """Median import time of each module over fresh processes (interleaved)."""
    _compile_lrdsl()
    rounds = 2 if quick else 11
    modules = ["numpy", "lrdsl", _FIRST_NAME, "optax", "torch"]
    samples: dict[str, list[tuple[float, float]]] = {m: [] for m in modules}
    for _ in range(rounds):
        for m in modules:
            samples[m].append(import_time(m))
    med = {m: (statistics.median(x for x, _ in s), statistics.median(w for _, w in s)) for m, s in samples.items()}
    table = Table(
        "IMPORT",
        f"`import X` in fresh processes (median of {rounds}): the import alone, timed inside the process,"
        " and the whole `python -c` process; ratio: import time to `import numpy`'s.",
        ["module", "import", "ratio to numpy", "whole process"],
    )
    for m in modules:
        table.rows.append([f"import {m}", fmt_time(med[m][0]), fmt_ratio(med[m][0] / med["numpy"][0]), fmt_time(med[m][1])])
    table.targets = [Target("import lrdsl / import numpy", med["lrdsl"][0] / med["numpy"][0], 1.1)]
    table.notes.append(
        "`import lrdsl` builds the node classes' dataclass machinery (their `__init__` and frozen"
        " attributes) when the first schedule is made, not at import; the row"
        f" `import {_FIRST_NAME}` pays both."
    )
    return table
