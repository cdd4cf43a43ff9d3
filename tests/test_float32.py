"""Float32 JAX within 1e-6 relative of float64 NumPy, for every node type, at every
int32 count (DESIGN.md section 1; issue 10, item 4).

Each property draws one node type with random parameters and compares
``jax.jit(s.compile())`` at int32 counts with the float64 NumPy path at the same
counts. The domain, shared by every property unless its docstring narrows it:

- counts: int32, ``0 <= t <= 2**31 - 1``: random ones, and the counts around
  every place where something happens (boundaries, milestones, cycle starts, the
  ends of decays, multiples of periods) and at the top of the range;
- parameters: float32 numbers (so float32 can hold them), of moderate size:
  rates in ``[2**-10, 2**10]`` (or 0); lengths, periods and times either integers
  in ``[1, 3 * 2**30]`` (some beyond int32) or non-integral float32 numbers in
  ``[1, 2**20]``; factors (``gamma``, ``decay``) in ``[0.5, 1)``; exponents and
  powers in ``[0.25, 2]`` (see :func:`powers`); ``mult`` 1, an integer in
  ``[2, 4]`` or a float32 in ``[1.1, 3]``;
- compared where the float64 value is a normal float32 number (float32 cannot go
  below ``1.2e-38``; float64 can) and not beyond float32's range.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import lrdsl as lr

jax = pytest.importorskip("jax")
jnp = jax.numpy

TOP = 2**31 - 1
# No shrinking: each example jits a function, and the failure message names the
# schedule and the count already.
SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


def f32(x: float) -> float:
    return float(np.float32(x))


# -- parameters ------------------------------------------------------------------


def rates() -> st.SearchStrategy[float]:
    return st.one_of(st.just(0.0), st.floats(2**-10, 2**10).map(f32))


def positive_rates() -> st.SearchStrategy[float]:
    return st.floats(2**-10, 2**10).map(f32)


def lengths() -> st.SearchStrategy[int | float]:
    """Integers up to 3 * 2**30 (beyond int32), or non-integral float32 numbers."""
    return st.one_of(
        st.integers(1, 1000),
        st.integers(1, 3 * 2**30),
        st.integers(2**31 - 1000, 2**31 + 1000),
        st.floats(1.0, 2.0**20).map(f32).filter(lambda x: x >= 1),
    )


def moderate_lengths() -> st.SearchStrategy[int | float]:
    """Lengths that repeat within int32 (periods)."""
    return st.one_of(st.integers(1, 10**6), st.integers(1, 2**30), st.floats(1.0, 2.0**20).map(f32))


def factors() -> st.SearchStrategy[float]:
    return st.floats(0.5, 0.9999).map(f32).filter(lambda g: g < 1)


def powers() -> st.SearchStrategy[float]:
    """Exponents and powers in ``[0.25, 2]``: a power ``p`` multiplies the rounding of
    its base (a few float32 ulps, ~2e-7) by ``p``, so beyond 2 float32 itself cannot
    promise 1e-6."""
    return st.floats(0.25, 2.0).map(f32)


def times(min_size: int = 1, max_size: int = 4) -> st.SearchStrategy[list[int | float]]:
    return st.lists(
        st.one_of(st.integers(0, 3 * 2**30), st.floats(0.0, 2.0**20).map(f32)), min_size=min_size, max_size=max_size
    ).map(sorted)


# -- counts ------------------------------------------------------------------------

_rng = np.random.default_rng(0)


def counts(*marks: Any) -> np.ndarray:
    """int32 counts: around each mark (and its multiples up to the top, for a period
    given as ``("every", p)``), at the top of the range, and at random."""
    ts: list[int] = [0, 1, 2, 3, TOP - 2, TOP - 1, TOP, 2**24, 2**24 + 1, 2**30]
    for m in marks:
        if isinstance(m, tuple):
            _, p = m
            ks = [1, 2, 3, 7, int(TOP // p) - 1, int(TOP // p), int(2**24 // p) + 1, int(_rng.integers(1, max(2, TOP // p)))]
            centres = [k * p for k in ks if k >= 1]
        else:
            centres = [m]
        for c in centres:
            base = int(np.floor(c))
            ts += [base + d for d in (-2, -1, 0, 1, 2)]
    ts += _rng.integers(0, TOP, 40).tolist()
    return np.unique(np.clip(np.asarray(ts, dtype=np.int64), 0, TOP))


def assert_float32_close(s: lr.Schedule, ts: np.ndarray, factors: Iterable[lr.Schedule] = ()) -> None:
    """``jax.jit(s.compile())`` at int32 ``ts`` within 1e-6 relative of float64, where
    the float64 value (and that of each of ``factors``, for a product) is a normal
    float32 number."""
    want = s(ts)
    got = np.asarray(jax.jit(s.compile())(jnp.asarray(ts, dtype=jnp.int32)), dtype=np.float64)
    tiny, huge = float(np.finfo(np.float32).tiny), float(np.finfo(np.float32).max)
    normal = (np.abs(want) >= tiny) & (np.abs(want) < huge / 2)
    for f in factors:
        normal &= np.abs(f(ts)) >= tiny
    bad = normal & ~(np.abs(got - want) <= 1e-6 * np.abs(want))
    if bad.any():
        k = int(np.argmax(bad))
        raise AssertionError(f"{s!r} at t={ts[k]}: float32 {got[k]!r}, float64 {want[k]!r} ({bad.sum()} counts off)")
    # below float32's normal range, float32 may only flush towards 0
    assert np.all(np.abs(got[np.abs(want) < tiny]) < 2 * tiny)


def multiples(p: Any) -> tuple[str, Any]:
    return ("every", p)


def chain_marks(s: lr.Schedule) -> Iterable[Any]:
    return [*getattr(s, "bounds", ()), s.duration]


# -- primitives ----------------------------------------------------------------------


@SETTINGS
@given(rates())
def test_constant(v: float) -> None:
    assert_float32_close(lr.constant(v), counts())


@SETTINGS
@given(rates(), rates(), lengths())
def test_linear(start: float, end: float, steps: Any) -> None:
    assert_float32_close(lr.linear(start, end, steps), counts(steps))


@SETTINGS
@given(rates(), rates(), lengths(), powers())
def test_cosine(start: float, end: float, steps: Any, exponent: float) -> None:
    assert_float32_close(lr.cosine(start, end, steps, exponent=exponent), counts(steps))


@SETTINGS
@given(rates(), rates(), moderate_lengths(), powers())
def test_cosine_periodic(start: float, end: float, steps: Any, exponent: float) -> None:
    """Periods within int32 (a cosine of 2**31 steps or more never comes back)."""
    s = lr.cosine(start, end, steps, exponent=exponent, periodic=True)
    assert_float32_close(s, counts(multiples(steps)))


@SETTINGS
@given(positive_rates(), factors(), lengths(), st.booleans(), st.one_of(st.none(), positive_rates()))
def test_exponential(start: float, gamma: float, every: Any, staircase: bool, end: Any) -> None:
    s = lr.exponential(start, gamma, every=every, staircase=staircase, end=end)
    assert_float32_close(s, counts(multiples(every)))


@SETTINGS
@given(positive_rates(), lengths(), factors())
def test_step(start: float, step_size: Any, gamma: float) -> None:
    assert_float32_close(lr.step(start, step_size, gamma=gamma), counts(multiples(step_size)))


@SETTINGS
@given(positive_rates(), times(0, 6), factors())
def test_multistep(start: float, milestones: list[Any], gamma: float) -> None:
    assert_float32_close(lr.multistep(start, milestones, gamma=gamma), counts(*milestones))


@SETTINGS
@given(rates(), rates(), lengths(), powers())
def test_polynomial(start: float, end: float, steps: Any, power: float) -> None:
    assert_float32_close(lr.polynomial(start, end, steps, power=power), counts(steps))


@SETTINGS
@given(times(0, 5), st.lists(rates(), min_size=6, max_size=6))
def test_piecewise(boundaries: list[Any], values: list[float]) -> None:
    s = lr.piecewise(boundaries, values[: len(boundaries) + 1])
    assert_float32_close(s, counts(*boundaries))


@SETTINGS
@given(times(1, 5), st.lists(rates(), min_size=5, max_size=5), st.sampled_from(["linear", "cosine"]))
def test_interpolate(knots: list[Any], values: list[float], kind: str) -> None:
    s = lr.interpolate(knots, values[: len(knots)], kind=kind)
    assert_float32_close(s, counts(*knots))


# -- families ---------------------------------------------------------------------------


def mults() -> st.SearchStrategy[float]:
    return st.one_of(st.just(1.0), st.integers(2, 4).map(float), st.floats(1.1, 3.0).map(f32))


def cycle_starts(period: Any, mult: float) -> list[Any]:
    if mult == 1:
        return [multiples(period)]
    out, b, k = [], 0.0, 0
    while b <= TOP and k < 200:
        out.append(b)
        b = period * (mult ** (k + 1) - 1) / (mult - 1)
        k += 1
    return out


@SETTINGS
@given(positive_rates(), rates(), moderate_lengths(), mults(), factors(), st.one_of(st.none(), st.integers(1, 40)),
       st.one_of(st.just(1.0), powers()))  # fmt: skip
def test_cosine_restarts(start: float, end: float, period: Any, mult: float, decay: float, limit: Any, k: float) -> None:
    s = lr.cosine_restarts(start, end, period, mult=mult, decay=decay, limit=limit, k=k)
    assert_float32_close(s, counts(*cycle_starts(period, mult)))


@SETTINGS
@given(positive_rates(), rates(), moderate_lengths(), powers(), mults(), st.one_of(st.none(), st.integers(1, 40)))
def test_polynomial_restarts(start: float, end: float, period: Any, power: float, mult: float, limit: Any) -> None:
    s = lr.polynomial_restarts(start, end, period, power=power, mult=mult, limit=limit)
    assert_float32_close(s, counts(*cycle_starts(period, mult)))


@SETTINGS
@given(positive_rates(), rates(), moderate_lengths(), mults(), st.integers(1, 40),
       st.floats(-4.0, 0.0).map(f32), st.floats(0.5, 2.0).map(f32))  # fmt: skip
def test_tanh(start: float, end: float, steps: Any, mult: float, limit: int, lb: float, ub: float) -> None:
    """``ub - lb <= 6``: the value's condition number in the fraction ``x`` of the cycle
    done is about ``2 (ub - lb) x``, and a float32 ``x`` carries a rounding or two; with
    timm's defaults (-7, 3) float32 reaches 1.1e-6 at rare counts."""
    s = lr.tanh(start, end, steps, lb=lb, ub=ub, mult=mult, limit=limit)
    assert_float32_close(s, counts(*cycle_starts(steps, mult)))


@SETTINGS
@given(rates(), positive_rates(), moderate_lengths(), st.one_of(st.none(), moderate_lengths()),
       st.sampled_from(["triangular", "triangular2", "exp_range"]), factors())  # fmt: skip
def test_cyclic(low: float, high: float, up: Any, down: Any, mode: str, gamma: float) -> None:
    """``low <= high`` (the anchor's ``base_lr <= max_lr``: with ``low > high`` the value
    ``low + (high - low) * x`` cancels, and a float32 ``x`` cannot hold it to 1e-6);
    ``gamma`` within 5e-4 of 1, so that ``gamma ** t`` spans float32's range."""
    low, high = min(low, high), max(low, high)
    s = lr.cyclic(low, high, up, step_size_down=down, mode=mode, gamma=f32(1 - (1 - gamma) / 1000))
    total = up + (up if down is None else down)
    assert_float32_close(s, counts(multiples(total), up))


@SETTINGS
@given(positive_rates(), lengths(), powers())
def test_inverse_sqrt(start: float, timescale: Any, power: float) -> None:
    assert_float32_close(lr.inverse_sqrt(start, timescale, power=power), counts())


@SETTINGS
@given(positive_rates(), rates(), lengths(), st.booleans())
def test_inverse_time(start: float, rate: float, every: Any, staircase: bool) -> None:
    s = lr.inverse_time(start, rate, every=every, staircase=staircase)
    assert_float32_close(s, counts(multiples(every)))


@SETTINGS
@given(rates(), rates(), lengths())
def test_one_minus_sqrt(start: float, end: float, steps: Any) -> None:
    assert_float32_close(lr.one_minus_sqrt(start, end, steps), counts(steps))


@SETTINGS
@given(rates(), rates(), lengths(), powers())
def test_polynomial_cycle(start: float, end: float, steps: Any, power: float) -> None:
    s = lr.polynomial_cycle(start, end, steps, power=power)
    assert_float32_close(s, counts(multiples(steps)))


@SETTINGS
@given(positive_rates(), st.integers(100, 3 * 2**30), st.floats(0.05, 0.9).map(f32),
       st.sampled_from(["cos", "linear"]), st.booleans())  # fmt: skip
def test_onecycle(peak: float, total: int, pct: float, anneal: str, three: bool) -> None:
    try:
        s = lr.onecycle(peak, total, pct_start=pct, anneal=anneal, three_phase=three)
    except lr.ScheduleError:
        return
    assert_float32_close(s, counts(*chain_marks(s)))


@SETTINGS
@given(positive_rates(), lengths(), lengths(), lengths(), st.sampled_from(["linear", "cosine", "1-sqrt"]))
def test_wsd(peak: float, w: Any, stable: Any, decay: Any, shape: str) -> None:
    s = lr.wsd(peak, w, stable, decay, warmup=shape, decay=shape)
    assert_float32_close(s, counts(w, w + stable, w + stable + decay))


# -- combinators ---------------------------------------------------------------------------


def finite_pieces() -> st.SearchStrategy[lr.Schedule]:
    return st.one_of(
        st.builds(lr.linear, rates(), rates(), lengths()),
        st.builds(lr.cosine, rates(), rates(), lengths()),
        st.builds(lr.polynomial, rates(), rates(), lengths(), power=powers()),
        st.builds(lr.one_minus_sqrt, rates(), rates(), lengths()),
    )


def pieces() -> st.SearchStrategy[lr.Schedule]:
    return st.one_of(
        finite_pieces(),
        st.builds(lr.constant, rates()),
        st.builds(lambda a, g, e: lr.exponential(a, g, every=e), positive_rates(), factors(), lengths()),
        st.builds(lambda a, p, m: lr.cosine_restarts(a, 0.0, p, mult=m), positive_rates(), moderate_lengths(), mults()),
    )


def marks_of(s: lr.Schedule) -> list[Any]:
    """Where the pieces of ``s`` change (durations, boundaries), for counts around them."""
    out: list[Any] = []
    stack = [(s, 0)]
    while stack:
        node, at = stack.pop()
        d = node.duration
        if isinstance(d, (int, float)) and d < 2**33:
            out.append(at + d)
        for b in getattr(node, "bounds", ()):
            out.append(at + b)
        for c in node.children():
            stack.append((c, at))
    return out


@SETTINGS
@given(st.lists(finite_pieces(), min_size=1, max_size=6), pieces())
def test_chain(first: list[lr.Schedule], last: lr.Schedule) -> None:
    """Chains of 2 to 7 pieces (4 or more rows of constant, linear and cosine pieces
    become a lookup table)."""
    s = lr.chain(*first, last)
    assert_float32_close(s, counts(*marks_of(s)))


@SETTINGS
@given(st.lists(pieces(), min_size=2, max_size=4), times(3, 3))
def test_chain_with_boundaries(ps: list[lr.Schedule], bounds: list[Any]) -> None:
    s = lr.chain(*ps, boundaries=bounds[: len(ps) - 1])
    assert_float32_close(s, counts(*marks_of(s)))


@SETTINGS
@given(pieces(), lengths(), rates(), st.booleans())
def test_warmup(inner: lr.Schedule, steps: Any, start: float, shift: bool) -> None:
    s = lr.warmup(inner, steps, start=start, shift=shift)
    assert_float32_close(s, counts(steps, *marks_of(s)))


@SETTINGS
@given(pieces(), st.one_of(st.integers(0, 3 * 2**30), st.floats(0.0, 2.0**20).map(f32)))
def test_shift(inner: lr.Schedule, n: Any) -> None:
    s = inner.shift(n)
    assert_float32_close(s, counts(n, *marks_of(s)))


@SETTINGS
@given(pieces(), st.one_of(st.integers(1, 10**4), st.floats(1.0, 2.0**10).map(f32)), st.booleans())
def test_per_epoch(inner: lr.Schedule, n: Any, staircase: bool) -> None:
    """``steps_per_epoch`` up to 10**4 (an integer) or 2**10; the inner schedule's
    times are epochs."""
    s = inner.per_epoch(n, staircase=staircase)
    assert_float32_close(s, counts(*[m * n for m in marks_of(inner)], multiples(n)))


@SETTINGS
@given(finite_pieces(), moderate_lengths())
def test_repeat(inner: lr.Schedule, period: Any) -> None:
    s = inner.repeat(period)
    assert_float32_close(s, counts(multiples(period), *marks_of(inner)))


@SETTINGS
@given(pieces(), st.one_of(st.none(), rates()), st.one_of(st.none(), rates()))
def test_clip(inner: lr.Schedule, lo: Any, hi: Any) -> None:
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    assert_float32_close(inner.clip(lo, hi), counts(*marks_of(inner)))


@SETTINGS
@given(pieces(), pieces(), st.sampled_from(["minimum", "maximum", "+", "*"]))
def test_pointwise(a: lr.Schedule, b: lr.Schedule, op: str) -> None:
    """``minimum``, ``maximum``, ``+`` and ``*`` of two schedules (not ``-`` or
    ``/``: a difference or a ratio of two schedules can cancel or blow up, and then
    float64 itself is not well conditioned)."""
    s = {"minimum": lr.minimum, "maximum": lr.maximum, "+": lambda x, y: x + y, "*": lambda x, y: x * y}[op](a, b)
    assert_float32_close(s, counts(*marks_of(a), *marks_of(b)), factors=(a, b) if op == "*" else ())


@SETTINGS
@given(pieces(), positive_rates(), st.sampled_from(["*", "/", "neg"]))
def test_arithmetic_with_a_number(a: lr.Schedule, c: float, op: str) -> None:
    """A schedule times or over a number, and negated (where the schedule's own value is
    a normal float32 number too)."""
    s = {"*": lambda: a * c, "/": lambda: a / c, "neg": lambda: -a}[op]()
    assert_float32_close(s, counts(*marks_of(a)), factors=(a,))


@SETTINGS
@given(st.one_of(st.builds(lr.linear, rates(), rates(), lengths()), st.builds(lr.cosine, rates(), rates(), lengths())),
       powers())  # fmt: skip
def test_power_of_a_schedule(a: lr.Schedule, c: float) -> None:
    """A line or a cosine to a power in ``[0.25, 2]`` (see :func:`powers`)."""
    s = a**c
    assert_float32_close(s, counts(*marks_of(a)))
