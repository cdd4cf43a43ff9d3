"""``python -m benchmarks [--quick] [--only NAME ...]``: run the workloads, print the tables."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback

WORKLOADS = {
    "CURVE": "curve",
    "STEP": "step",
    "COMPILED": "compiled",
    "IN-JIT": "injit",
    "PIECES": "pieces",
    "IMPORT": "imports",
    "SCALE": "scale",
}


def machine() -> str:
    """The machine and the versions, for the record."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = [f"Python {platform.python_version()}"]
    for name in ("numpy", "jax", "jaxlib", "optax", "torch"):
        try:
            versions.append(f"{name} {importlib.import_module(name).__version__}")
        except Exception:
            versions.append(f"{name} (missing)")
    return f"Machine: {os.cpu_count()} cores ({os.sched_getaffinity(0).__len__()} usable), {cpu}; {platform.platform()}\nVersions: {', '.join(versions)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (smaller sizes, fewer rounds)")
    parser.add_argument("--only", nargs="+", choices=list(WORKLOADS), help="run only these workloads")
    args = parser.parse_args(argv)
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    print(f"# lrdsl benchmarks{' (--quick)' if args.quick else ''}\n")
    print(machine() + "\n", flush=True)
    failed = 0
    for name in args.only or list(WORKLOADS):
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{WORKLOADS[name]}")
            table = module.run(args.quick)
            print(table.render(), flush=True)
        except Exception:
            failed += 1
            print(f"## {name}\n\nFAILED:\n```\n{traceback.format_exc()}```\n", flush=True)
        print(f"({name} took {time.perf_counter() - start:.1f} s)\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
