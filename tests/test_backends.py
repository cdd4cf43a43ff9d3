"""Property tests: on random expression trees, every backend gives the same numbers.

Python (math), NumPy and JAX evaluate the same formulas; ``s(t)`` equals
``s.compile(b)(t)`` for each backend; the jitted JAX function equals eager.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrdsl as lr

jax = pytest.importorskip("jax")
jnp = jax.numpy

value = st.floats(0.0, 2.0, allow_nan=False, width=64)
positive = st.floats(0.05, 2.0)
length = st.integers(1, 60)
times = st.lists(st.integers(0, 80), min_size=0, max_size=4).map(sorted)


@st.composite
def finite_primitive(draw: st.DrawFn) -> lr.Schedule:
    kind = draw(st.sampled_from(["linear", "cosine", "polynomial", "interpolate"]))
    if kind == "linear":
        return lr.linear(draw(value), draw(value), draw(length))
    if kind == "cosine":
        return lr.cosine(draw(value), draw(value), draw(length), exponent=draw(st.sampled_from([1.0, 0.5, 2.0])))
    if kind == "polynomial":
        return lr.polynomial(draw(value), draw(value), draw(length), power=draw(st.sampled_from([1.0, 0.5, 2.0, 3.0])))
    knots = sorted(draw(st.lists(st.integers(0, 60), min_size=1, max_size=5)))
    vals = draw(st.lists(value, min_size=len(knots), max_size=len(knots)))
    return lr.interpolate(knots, vals, kind=draw(st.sampled_from(["linear", "cosine"])))


@st.composite
def infinite_primitive(draw: st.DrawFn) -> lr.Schedule:
    kind = draw(st.sampled_from(["constant", "exponential", "step", "multistep", "piecewise", "periodic", "lambda"]))
    if kind == "constant":
        return lr.constant(draw(value))
    if kind == "exponential":
        end = draw(st.none() | value)
        return lr.exponential(draw(value), draw(st.floats(0.8, 1.05)), every=draw(st.integers(1, 10)),
                              staircase=draw(st.booleans()), end=end)
    if kind == "step":
        return lr.step(draw(value), draw(st.integers(1, 20)), draw(positive))
    if kind == "multistep":
        return lr.multistep(draw(value), draw(times), draw(positive))
    if kind == "piecewise":
        b = draw(times)
        return lr.piecewise(b, draw(st.lists(value, min_size=len(b) + 1, max_size=len(b) + 1)))
    if kind == "periodic":
        return lr.cosine(draw(value), draw(value), draw(length), periodic=True)
    return lr.lambda_(_inverse)


def _inverse(t: object) -> object:
    return 1 / (1 + 0.1 * t)  # type: ignore[operator]


def schedules(max_depth: int = 3) -> st.SearchStrategy[lr.Schedule]:
    """Random valid schedule trees: every primitive and combinator, with arithmetic."""
    leaves = finite_primitive() | infinite_primitive()

    def extend(children: st.SearchStrategy[lr.Schedule]) -> st.SearchStrategy[lr.Schedule]:
        finite = children.filter(lambda s: s.finite)
        return st.one_of(
            st.builds(lambda a, b: a >> b, finite | finite_primitive(), children),
            st.builds(lambda a, b, k: lr.chain(a, b, boundaries=[k]), children, children, st.integers(0, 50)),
            st.builds(lambda a, n, s0: lr.warmup(a, n, start=s0), children, length, value),
            st.builds(lambda a, n: lr.warmup(a, n, shift=False), children, length),
            st.builds(lambda a, n: a.shift(n), children, st.integers(0, 30)),
            st.builds(lambda a, n, sc: a.per_epoch(n, staircase=sc), children, st.integers(1, 7), st.booleans()),
            st.builds(lambda a, p: a.repeat(p), children, st.integers(1, 40)),
            st.builds(lambda a, lo, w: a.clip(lo, lo + w), children, value, value),
            st.builds(lambda a, b: a + b, children, children | value),
            st.builds(lambda a, b: a - b, children, children | value),
            st.builds(lambda a, b: b * a, children, children | value),
            st.builds(lambda a, b: a / b, children, positive),
            st.builds(lambda a: a**2, children),
            st.builds(lambda a: -a, children),
            st.builds(lr.minimum, children, children | value),
            st.builds(lr.maximum, children, children | value),
        )

    return st.recursive(leaves, extend, max_leaves=max_depth * 2)


# Integer steps over a range that crosses every transition, and some fractional times.
STEPS = np.concatenate([np.arange(0, 130), [200, 500, 1000]])
FRACTIONS = np.array([0.0, 0.5, 2.25, 9.75, 31.5, 64.125])


def close(a: float, b: float, rtol: float) -> bool:
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules())
def test_jax_float32_agrees_with_numpy(s: lr.Schedule) -> None:
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
    np.testing.assert_allclose(npf(STEPS), expected, rtol=1e-12, atol=1e-300)
    for k in (0, 1, 7, 64, 129, 1000):
        assert close(py(k), s(k), 1e-12)
