"""Property tests: on random expression trees, every backend gives the same numbers.

Python (math), NumPy and JAX evaluate the same formulas; ``s(t)`` equals
``s.compile(b)(t)`` for each backend; the jitted JAX function equals eager.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

import lrdsl as lr

from .strategies import schedules

jax = pytest.importorskip("jax")
jnp = jax.numpy

# Integer steps over a range that crosses every transition, and some fractional times.
STEPS = np.concatenate([np.arange(0, 130), [200, 500, 1000]])
FRACTIONS = np.array([0.0, 0.5, 2.25, 9.75, 31.5, 64.125])


def close(a: float, b: float, rtol: float) -> bool:
    """Equal within ``rtol`` (relative, or absolute near 0); ``inf`` and NaN only to
    themselves (a random tree may divide by a schedule that reaches 0)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-300) or abs(a - b) <= rtol * max(1.0, abs(b))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules())
def test_python_and_numpy_agree(s: lr.Schedule) -> None:
    for t in (STEPS, FRACTIONS):
        arr = s(t)
        assert arr.shape == t.shape
        for k, v in zip(t.tolist(), arr.tolist()):
            assert close(s(k), v, 1e-12), (s, k, s(k), v)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules())
def test_jax_float64_agrees_with_numpy(s: lr.Schedule) -> None:
    expected = s(STEPS)
    with jax.enable_x64(True):
        got = np.asarray(s(jnp.asarray(STEPS)))
        jitted = np.asarray(jax.jit(s.compile("jax"))(jnp.asarray(STEPS)))
    for e, g, j in zip(expected, got, jitted):
        assert close(float(g), float(e), 1e-12), (s, e, g)
        assert close(float(j), float(e), 1e-12), (s, e, j)


def float32_friendly(s: lr.Schedule) -> bool:
    """The schedule's numbers are float32 numbers of moderate size, and it divides
    by (or raises to) no schedule: so float32 can hold every boundary exactly and
    no intermediate leaves float32's normal range (``0 / 0.5**127`` is ``0 / 0``
    there, a boundary at 64.0320326... is off by 4e-6)."""
    if any(x != 0 and not (1e-3 <= abs(x) <= 1e4 and float(np.float32(x)) == x) for x in jax.tree.leaves(s)):
        return False

    def ok(node: lr.Schedule) -> bool:
        if isinstance(node, lr.BinOp) and node.operator in ("/", "**") and isinstance(node.b, lr.Schedule):
            return False
        if isinstance(node, lr.Product) and any(
            op == "/" and isinstance(x, lr.Schedule) for op, x in zip(node.ops, node.factors[1:])
        ):
            return False
        return all(ok(c) for c in node.children())

    return ok(s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(schedules())
def test_jax_float32_agrees_with_numpy(s: lr.Schedule) -> None:
    assume(float32_friendly(s))
    expected = s(STEPS)
    got = np.asarray(s(jnp.asarray(STEPS, dtype=jnp.int32)))
    assert got.dtype == np.float32
    scale = max(1.0, float(np.max(np.abs(expected[np.isfinite(expected)]), initial=0.0)))
    finite = np.isfinite(expected) & (np.abs(expected) < 1e30)
    # relative to the size of the values: a difference of two schedules may cancel to 0
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-6, atol=1e-6 * scale)


@settings(max_examples=100, deadline=None)
@given(schedules())
def test_compiled_functions_equal_the_schedule(s: lr.Schedule) -> None:
    py, npf = s.compile("python"), s.compile("numpy")
    expected = s(STEPS)
    np.testing.assert_allclose(npf(STEPS), expected, rtol=1e-12, atol=1e-300, equal_nan=True)
    for k in (0, 1, 7, 64, 129, 1000):
        assert close(py(k), s(k), 1e-12)
