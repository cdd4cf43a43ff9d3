"""Quantised schedules: ``s.round/floor/ceil(multiple=m)`` give exact integers.

They are multiples of ``m`` on every backend (``int`` on Python, int64 on NumPy,
integer arrays on JAX and PyTorch), halves round up, and they print, parse and
serialise. Exact, against :class:`fractions.Fraction` on every backend: the
quotient is never rounded; a schedule with a grid (constant, linear, piecewise,
chains of those, whole-number parameters) is quantised from its exact rational
value at the count, even where the float its formula computes is an ulp short;
any other from the float it computes, as the exact number that float is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lrdsl as lr

from .strategies import schedules

SEQLEN = lr.linear(128, 1024, 10_000).round(multiple=64)


def test_python_gives_an_int() -> None:
    assert SEQLEN(5000) == 576
    assert type(SEQLEN(5000)) is int


def test_numpy_gives_int64_multiples() -> None:
    v = SEQLEN(np.arange(0, 10_001))
    assert v.dtype == np.int64
    assert set((v % 64).tolist()) == {0}
    assert v[0] == 128 and v[-1] == 1024


def test_values_are_int64() -> None:
    assert SEQLEN.values(3).dtype == np.int64


def test_a_value_an_ulp_below_a_multiple_floors_below_it() -> None:
    # the constant is 767.99999999999988631316227838397026062011718750, below 768
    assert lr.constant(767.9999999999999).floor(multiple=64)(0) == 704


def test_a_value_an_ulp_above_a_multiple_ceils_above_it() -> None:
    assert lr.constant(768.0000000000001).ceil(multiple=64)(0) == 832


def test_floor_below_a_multiple_is_the_multiple_below() -> None:
    assert lr.constant(767.5).floor(multiple=64)(0) == 704


def test_ceil_above_a_multiple_is_the_multiple_above() -> None:
    assert lr.constant(768.5).ceil(multiple=64)(0) == 832


def test_halves_round_up() -> None:
    assert [lr.constant(x).round()(0) for x in (0.5, 1.5, 2.5, -0.5)] == [1, 2, 3, 0]


def test_linear_hits_every_exact_multiple_on_the_way() -> None:
    # linear(0, 1024, 1024) is t exactly; floored to 64 it is 64 * (t // 64)
    s = lr.linear(0, 1024, 1024).floor(multiple=64)
    t = np.arange(1025)
    assert s(t).tolist() == (64 * (t // 64)).tolist()


def test_a_schedule_without_a_grid_quantises_the_float_it_computes() -> None:
    # a product has no grid: 0.7 * 10 is 7.000000000000001, 3 - 2**-51 is 2.9999999999999996
    assert (lr.constant(0.7) * 10).floor()(0) == 7
    assert (lr.constant(3.0) - lr.constant(2.0**-51)).floor()(0) == 2


def test_a_linear_value_a_float_short_of_a_whole_number_is_quantised_from_its_exact_value() -> None:
    s = lr.linear(673, 2430, 1004)
    assert s(460) == 1477.9999999999998  # exactly 673 + 1757 * 460 / 1004 = 1478
    assert s.floor()(460) == 1478
    assert s.floor()(np.array([460])).tolist() == [1478]
    assert s.floor().compile("python")(460) == 1478


def test_the_grid_holds_at_integer_counts_only() -> None:
    # linear(0, 3, 3) is t: at t = 0.1 its value is 0.1, whose ceiling is 1, not a point of the grid
    s = lr.linear(0, 3, 3).ceil()
    assert s(0.1) == 1
    assert s(np.array([0.1, 1.0])).tolist() == [1, 1]


def test_the_simplifier_leaves_a_quantised_schedule_as_written() -> None:
    from lrdsl.simplify import simplify

    q = (lr.linear(0, 8, 8) >> lr.linear(8, 16, 8) >> lr.linear(16, 24, 8) >> lr.constant(24)).floor(multiple=4)
    assert simplify(q) is q


def test_the_grid_of_the_schedules_that_have_one() -> None:
    from lrdsl.quantize import grid

    assert grid(lr.constant(0.75)) == (4, 0.75)
    assert grid(lr.linear(128, 1024, 10_000)) == (10_000, 1152.0)
    assert grid(lr.linear(0.5, 3, 7)) == (14, 3.5)
    assert grid(lr.piecewise([10, 20], [1, 0.5, 0.25])) == (4, 1.0)
    assert grid(lr.linear(0, 6, 3) >> lr.constant(6.5, steps=2) >> lr.linear(6, 0, 5)) == (30, 6.5)
    assert grid(lr.cosine(1, 0, 10)) is None
    assert grid(lr.linear(0, 1, 10) * 2) is None
    assert grid(lr.chain(lr.constant(1), lr.constant(2), boundaries=[2.5])) is None


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10_000), st.integers(1, 512), st.integers(0, 5000))
def test_quantised_values_are_multiples_on_every_backend(steps: int, m: int, t: int) -> None:
    s = lr.linear(0.0, 3.7 * steps, steps).round(multiple=m)
    v = s(t)
    assert v % m == 0
    assert s(np.array([t])).tolist() == [v]
    assert s.compile("python")(t) == v
    assert abs(v - lr.linear(0.0, 3.7 * steps, steps)(t)) <= m / 2 * (1 + 1e-12)


def test_it_prints_parses_and_serialises() -> None:
    for s in (SEQLEN, lr.cosine(1024, 128, 100).floor(multiple=128), lr.linear(0, 10, 10).ceil()):
        assert lr.parse(str(s)) == s
        assert lr.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert str(SEQLEN) == "linear(128, 1024, 10000).round(multiple=64)"
    assert str(lr.linear(0, 10, 10).ceil()) == "linear(0, 10, 10).ceil()"


def test_inside_an_expression_it_is_a_number() -> None:
    s = SEQLEN / 1024
    assert s(10_000) == 1.0
    assert type(s(10_000)) is float


def test_a_multiple_below_one_is_refused() -> None:
    with pytest.raises(lr.ScheduleError, match=r"^round: multiple must be an int >= 1, got 0$"):
        lr.constant(1.0).round(multiple=0)


def test_a_float_multiple_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"^floor: multiple must be an int, got float 64.0$"):
        lr.constant(1.0).floor(multiple=64.0)


def test_a_bool_multiple_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"^ceil: multiple must be an int, got bool True$"):
        lr.constant(1.0).ceil(multiple=True)


def test_an_infinite_value_has_no_integer() -> None:
    s = (lr.constant(1.0) / lr.linear(1.0, 0.0, 10)).round()
    message = r"^\(constant\(1\.0\) / linear\(1\.0, 0\.0, 10\)\)\.round\(\): the value is inf, which has no integer$"
    with pytest.raises(lr.ScheduleError, match=message):
        s(10)


def test_an_infinite_value_in_an_array_has_no_integer() -> None:
    s = (lr.constant(1.0) / lr.linear(1.0, 0.0, 10)).round()
    message = r"^\(constant\(1\.0\) / linear\(1\.0, 0\.0, 10\)\)\.round\(\): a value is inf, which has no integer$"
    with pytest.raises(lr.ScheduleError, match=message):
        s(np.arange(11))


def test_jax_gives_integer_multiples() -> None:
    jax = pytest.importorskip("jax")
    v = SEQLEN(jax.numpy.arange(0, 10_001, 125))
    assert jax.numpy.issubdtype(v.dtype, jax.numpy.integer)
    assert np.asarray(v).tolist() == SEQLEN(np.arange(0, 10_001, 125)).tolist()


def test_jax_jit_of_the_compiled_function_gives_integers() -> None:
    jax = pytest.importorskip("jax")
    fn = jax.jit(SEQLEN.compile("jax"))
    v = fn(jax.numpy.arange(0, 10_001, 125))
    assert jax.numpy.issubdtype(v.dtype, jax.numpy.integer)
    assert np.asarray(v).tolist() == SEQLEN(np.arange(0, 10_001, 125)).tolist()


def test_torch_gives_int64_multiples() -> None:
    torch = pytest.importorskip("torch")
    v = SEQLEN.compile("torch")(torch.arange(0, 10_001, 125))
    assert v.dtype == torch.int64
    assert v.tolist() == SEQLEN(np.arange(0, 10_001, 125)).tolist()


def test_an_attention_window_in_blocks_of_128() -> None:
    # modded-nanogpt: the window grows from 128 to 1792 tokens in multiples of 128
    window = lr.linear(128, 1792, 1000).ceil(multiple=128)
    v = window(np.arange(1001))
    assert v[0] == 128 and v[-1] == 1792
    assert np.all(np.diff(v) >= 0) and set((v % 128).tolist()) == {0}


@settings(max_examples=80, deadline=None)
@given(schedules(), st.sampled_from(["round", "floor", "ceil"]), st.integers(1, 8))
def test_backends_agree_on_quantised_random_trees(s: lr.Schedule, mode: str, m: int) -> None:
    torch = pytest.importorskip("torch")
    t = np.arange(0, 130)
    assume(bool(np.all(np.abs(s(t)) < 1e12)))  # finite values that an int64 holds
    q = getattr(s, mode)(multiple=m)
    on_numpy = q(t)
    assert on_numpy.dtype == np.int64
    assert [q(k) for k in t.tolist()] == on_numpy.tolist()
    assert q.compile("torch")(torch.tensor(t)).tolist() == on_numpy.tolist()
    assert set((on_numpy % m).tolist()) <= {0}


# ----------------------------------------------------------------------------
# Exact against fractions.Fraction, on every backend.

MODES = ["floor", "ceil", "round"]


def _exact(x: Fraction, m: int, mode: str) -> int:
    """``m * mode(x / m)`` in exact rationals (``round``: halves up)."""
    q = x / m
    n = math.floor(q) if mode == "floor" else math.ceil(q) if mode == "ceil" else math.floor(q + Fraction(1, 2))
    return n * m


def _on_every_backend(q: lr.Schedule, t: list[int] | list[float], x64: bool = True) -> dict[str, list[int]]:
    """``q`` at the times ``t`` on Python (tree walk and generated code), NumPy, PyTorch
    and JAX (float64 with ``x64``, else float32)."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    out = {
        "python": [q(k) for k in t],
        "generated": [q.compile("python")(k) for k in t],
        "numpy": q(np.array(t)).tolist(),
        "torch": q.compile("torch")(torch.tensor(t)).tolist(),
    }
    with jax.enable_x64(x64):
        out["jax"] = np.asarray(q(jax.numpy.array(t))).tolist()
    return out


def _linear_exact(a: int, b: int, n: int, t: int) -> Fraction:
    u = min(t, n)
    return Fraction(a) + Fraction(b - a) * u / n if n else Fraction(b)


finite = st.floats(min_value=-(2.0**50), max_value=2.0**50, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(finite, st.integers(1, 1000), st.sampled_from(MODES))
def test_a_constant_is_quantised_exactly_on_every_backend(v: float, m: int, mode: str) -> None:
    q = getattr(lr.constant(v), mode)(multiple=m)
    expected = _exact(Fraction(v), m, mode)
    for backend, got in _on_every_backend(q, [0, 1]).items():
        assert got == [expected] * 2, backend


@settings(max_examples=150, deadline=None)
@given(
    st.integers(-10_000, 10_000),
    st.integers(-10_000, 10_000),
    st.integers(0, 5_000),
    st.lists(st.integers(0, 10_000), min_size=1, max_size=8),
    st.integers(1, 300),
    st.sampled_from(MODES),
)
def test_a_linear_with_whole_numbers_is_quantised_from_its_exact_value_on_every_backend(
    a: int, b: int, n: int, ts: list[int], m: int, mode: str
) -> None:
    q = getattr(lr.linear(a, b, n), mode)(multiple=m)
    expected = [_exact(_linear_exact(a, b, n, t), m, mode) for t in ts]
    for backend, got in _on_every_backend(q, ts).items():
        assert got == expected, backend


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 64),
    st.integers(0, 64),
    st.integers(1, 64),
    st.lists(st.integers(0, 200), min_size=1, max_size=8),
    st.integers(1, 16),
    st.sampled_from(MODES),
)
def test_on_float32_jax_a_small_linear_is_quantised_from_its_exact_value(
    a: int, b: int, n: int, ts: list[int], m: int, mode: str
) -> None:
    jax = pytest.importorskip("jax")
    q = getattr(lr.linear(a, b, n), mode)(multiple=m)
    expected = [_exact(_linear_exact(a, b, n, t), m, mode) for t in ts]
    with jax.enable_x64(False):
        assert np.asarray(q(jax.numpy.array(ts))).tolist() == expected


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-512, 512), st.integers(-512, 512), st.integers(0, 300)), min_size=1, max_size=4),
    st.lists(st.sampled_from([1, 0.5, 0.25, 3, 7]), min_size=2, max_size=2),
    st.lists(st.integers(0, 1500), min_size=1, max_size=8),
    st.integers(1, 64),
    st.sampled_from(MODES),
)
def test_a_chain_of_linear_constant_and_piecewise_pieces_is_quantised_from_its_exact_value(
    pieces: list[tuple[int, int, int]], levels: list[float], ts: list[int], m: int, mode: str
) -> None:
    parts: list[lr.Schedule] = [lr.linear(a, b, n) for a, b, n in pieces]
    parts.append(lr.piecewise([5], levels))
    s = lr.chain(*parts)
    q = getattr(s, mode)(multiple=m)

    def exact(t: int) -> Fraction:
        start = 0
        for a, b, n in pieces:
            if t < start + n:
                return _linear_exact(a, b, n, t - start)
            start += n
        return Fraction(levels[0] if t - start < 5 else levels[1])

    expected = [_exact(exact(t), m, mode) for t in ts]
    for backend, got in _on_every_backend(q, ts).items():
        assert got == expected, backend


def _float_values(s: lr.Schedule, t: list[int]) -> dict[str, list[float]]:
    """``s`` at ``t`` as each backend computes it (the floats a quantiser without a grid
    quantises)."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    out = {
        "python": [s(k) for k in t],
        "generated": [s.compile("python")(k) for k in t],
        "numpy": s(np.array(t)).tolist(),
        "torch": s.compile("torch")(torch.tensor(t, dtype=torch.float64)).tolist(),  # float64 inside, as quantised
    }
    with jax.enable_x64(True):
        out["jax"] = np.asarray(s(jax.numpy.array(t))).tolist()
    return out


SCHEDULES: list[Callable[[int, int], Any]] = [
    lambda a, n: lr.cosine(a, 0, n),
    lambda a, n: lr.linear(0, a, n) * 1.1,
    lambda a, n: lr.exponential(a, 0.99) + lr.linear(0, 0.3 * a, n),
]


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(range(len(SCHEDULES))),
    st.integers(1, 100_000),
    st.integers(1, 1000),
    st.lists(st.integers(0, 2000), min_size=1, max_size=8),
    st.integers(1, 64),
    st.sampled_from(MODES),
)
def test_without_a_grid_each_backend_quantises_its_own_float_exactly(
    which: int, a: int, n: int, ts: list[int], m: int, mode: str
) -> None:
    s = SCHEDULES[which](a, n)
    q = getattr(s, mode)(multiple=m)
    values = _float_values(s, ts)
    got = _on_every_backend(q, ts)
    for backend, vs in values.items():
        assert got[backend] == [_exact(Fraction(v), m, mode) for v in vs], backend
