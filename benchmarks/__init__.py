"""Benchmarks of lrdsl against PyTorch, Optax and the hand-written closed form.

Run from the repository root::

    python -m benchmarks            # the full run recorded in benchmarks/RESULTS.md
    python -m benchmarks --quick    # a short smoke run (CI)

Six workloads: CURVE, STEP, IN-JIT, PIECES and IMPORT (issue 6), and SCALE (issue 10). Each
prints a table of medians over repeated rounds, each contestant's ratio to the
hand-written limit, and each contestant's largest error against a float64
reference computed in the same run, then the targets, met or missed.
"""
