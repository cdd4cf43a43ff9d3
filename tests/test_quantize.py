"""Quantised schedules: ``s.round/floor/ceil(multiple=m)`` give exact integers.

They are multiples of ``m`` on every backend (``int`` on Python, int64 on NumPy,
integer arrays on JAX and PyTorch), an exact multiple stays itself when float
rounding leaves it an ulp short or over, halves round up, and they print,
parse and serialise.
"""

from __future__ import annotations

import json

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


def test_a_value_an_ulp_short_of_a_multiple_floors_to_it() -> None:
    assert lr.constant(767.9999999999999).floor(multiple=64)(0) == 768


def test_a_value_an_ulp_over_a_multiple_ceils_to_it() -> None:
    assert lr.constant(768.0000000000001).ceil(multiple=64)(0) == 768


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


def test_float_arithmetic_an_ulp_off_a_whole_number_floors_to_it() -> None:
    # 0.1 * 3 is 0.30000000000000004 and 0.7 * 10 is 7.000000000000001: the slack takes both
    s = (lr.constant(0.7) * 10).floor()
    assert s(0) == 7
    assert (lr.constant(2.9999999999999996)).floor()(0) == 3


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
    message = r"^\(constant\(1\.0\) / linear\(1\.0, 0\.0, 10\)\)\.round\(\): the value is nan, which has no integer$"
    with pytest.raises(lr.ScheduleError, match=message):
        s(10)


def test_an_infinite_value_in_an_array_has_no_integer() -> None:
    s = (lr.constant(1.0) / lr.linear(1.0, 0.0, 10)).round()
    message = r"^\(constant\(1\.0\) / linear\(1\.0, 0\.0, 10\)\)\.round\(\): a value is nan, which has no integer$"
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
