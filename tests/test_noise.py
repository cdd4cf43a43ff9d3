"""``lr.noise``: counter-based noise, the same on every backend.

The hash (Threefry-2x32-20) is checked against Random123's known answers and
bit for bit across Python, NumPy and JAX (jit, vmap); the values across
backends (1e-12 at float64; float32 JAX within 1e-6 of the schedule's value);
the distributions over 10^5 counts; the range, the text and data forms, the
pytree, resumption, and the errors.
"""

from __future__ import annotations

import doctest
import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrdsl as lr
from lrdsl import _uint32, noises
from lrdsl._codegen import generate
from lrdsl._node import eval_python
from lrdsl._ops import PY
from lrdsl.noises import ndtri_lower, threefry2x32

jax = pytest.importorskip("jax")
jnp = jax.numpy

UNIFORM = lr.noise(lr.constant(1.0), 0.5, seed=3)
NORMAL = lr.noise(lr.constant(1.0), 0.9, std=0.3, seed=5)
SCHEDULES = [
    UNIFORM,
    NORMAL,
    lr.noise(lr.cosine(0.1, 0.001, 500), 0.2, std=0.05, seed=2**40 + 9, start=10, stop=400),
    lr.noise(lr.linear(0.0, 1e-3, 100) >> lr.constant(1e-3), 1e-4, relative=False, seed=1),
]
N = 100_000


def _both(y: tuple[object, object]) -> tuple[int, int]:
    return int(np.asarray(y[0]).reshape(-1)[0]), int(np.asarray(y[1]).reshape(-1)[0])


# -- the hash ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "counter", "expected"),
    [
        ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
        ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
        ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
    ],
)
def test_threefry_gives_random123s_known_answers(
    key: tuple[int, int], counter: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert threefry2x32(key, *counter, _uint32.PY) == expected


def test_threefry_is_the_same_bits_on_python_numpy_and_jax() -> None:
    rng = np.random.default_rng(0)
    x0, x1 = (rng.integers(0, 2**32, size=1000, dtype=np.uint64).astype(np.uint32) for _ in range(2))
    key = (0xDEADBEEF, 0x01234567)
    py = np.array([threefry2x32(key, int(a), int(b), _uint32.PY) for a, b in zip(x0, x1)], dtype=np.uint32)
    nump = np.stack(threefry2x32(key, x0, x1, _uint32.NP), axis=1)
    u = _uint32.jax_u32()
    jitted = jax.jit(lambda a, b: threefry2x32(key, a, b, u))
    mapped = jax.vmap(lambda a, b: threefry2x32(key, a, b, u))
    np.testing.assert_array_equal(nump, py)
    np.testing.assert_array_equal(np.stack(jitted(jnp.asarray(x0), jnp.asarray(x1)), axis=1), py)
    np.testing.assert_array_equal(np.stack(mapped(jnp.asarray(x0), jnp.asarray(x1)), axis=1), py)


def test_threefry_matches_jaxs_own() -> None:
    from jax.extend.random import threefry_2x32

    key = (7, 2**31 + 5)
    counts = np.arange(2**32 - 50, 2**32 - 1, dtype=np.uint64).astype(np.uint32)
    theirs = threefry_2x32(jnp.asarray(key, dtype=jnp.uint32), jnp.concatenate([counts, counts[::-1]]))
    ours = threefry2x32(key, counts, counts[::-1], _uint32.NP)
    np.testing.assert_array_equal(np.concatenate(ours), np.asarray(theirs))


TIMES = [0, 1, 2**31 - 1, 2**32 - 1, 2**32, 2**32 + 7, 2**40 + 3, 2**53 - 1]


@pytest.mark.parametrize("t", TIMES)
def test_counts_split_into_the_same_halves_on_every_backend(t: int) -> None:
    expected = (t & 0xFFFFFFFF, t >> 32)
    assert _uint32.PY.halves(_uint32.PY.floor(t)) == expected
    assert _uint32.PY.halves(_uint32.PY.floor(float(t) + 0.5 * (t < 2**52))) == expected
    assert _both(_uint32.NP.halves(np.array([t]))) == expected
    assert _both(_uint32.NP.halves(np.floor(np.array([float(t)])))) == expected
    with jax.enable_x64(True):
        u = _uint32.jax_u32()
        assert _both(u.halves(jnp.asarray([t], dtype=jnp.int64))) == expected
        assert _both(u.halves(jnp.floor(jnp.asarray([float(t)])))) == expected


# -- the values on each backend ------------------------------------------------------


@pytest.mark.parametrize("s", SCHEDULES, ids=str)
def test_python_and_numpy_agree(s: lr.Schedule) -> None:
    t = np.arange(600)
    np.testing.assert_allclose([s(int(k)) for k in t], s(t), rtol=1e-12, atol=0)


@pytest.mark.parametrize("s", SCHEDULES, ids=str)
def test_jax_x64_agrees_with_numpy(s: lr.Schedule) -> None:
    t = np.arange(0, N, 7)
    with jax.enable_x64(True):
        got = np.asarray(jax.jit(s.compile())(jnp.asarray(t)))
    np.testing.assert_allclose(got, s(t), rtol=1e-12, atol=0)


@pytest.mark.parametrize("s", SCHEDULES, ids=str)
def test_jax_float32_is_within_1e_6_of_the_schedules_value(s: lr.Schedule) -> None:
    # float32 rounds the noise itself (to ~1e-7): relative to the unperturbed value,
    # not to v * (1 + n), which near n = -amount is small
    t = np.arange(0, N, 7)
    got = np.asarray(jax.jit(s.compile())(jnp.asarray(t, dtype=jnp.int32)))
    assert got.dtype == np.float32
    base = s.schedule(t)  # type: ignore[attr-defined]
    assert np.max(np.abs(got - s(t)) / np.where(base == 0, 1.0, base)) <= 1e-6


def test_vmap_over_time_equals_numpy() -> None:
    with jax.enable_x64(True):
        mapped = jax.vmap(NORMAL)(jnp.arange(1000))
    np.testing.assert_allclose(np.asarray(mapped), NORMAL.values(1000), rtol=1e-12)


def test_vmap_over_a_stack_of_amounts() -> None:
    schedules = [lr.noise(lr.constant(1.0), a, std=0.2, seed=5) for a in (0.1, 0.3, 0.6)]
    with jax.enable_x64(True):
        stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *schedules)
        got = jax.vmap(lambda s: s(jnp.arange(200)))(stacked)
    np.testing.assert_allclose(np.asarray(got), [s.values(200) for s in schedules], rtol=1e-12)


@pytest.mark.parametrize("s", SCHEDULES, ids=str)
def test_generated_scalar_code_equals_the_tree_walk(s: lr.Schedule) -> None:
    fn = generate(s)[1]
    for t in (0, 3, 3.5, 17, 399, 400, 401, 10**6, 2**40 + 1):
        assert fn(t) == eval_python(s, t)


# -- what the noise is ---------------------------------------------------------------


def test_same_seed_and_count_give_the_same_value() -> None:
    again = lr.noise(lr.constant(1.0), 0.5, seed=3)
    np.testing.assert_array_equal(again.values(100), UNIFORM.values(100))


def test_another_seed_gives_other_noise() -> None:
    other = lr.noise(lr.constant(1.0), 0.5, seed=4)
    assert np.count_nonzero(other.values(1000) == UNIFORM.values(1000)) == 0


def test_a_fractional_time_has_the_noise_of_its_floor() -> None:
    t = np.arange(500) + 0.75
    np.testing.assert_array_equal(NORMAL(t), NORMAL(np.floor(t)))


def test_uniform_noise_is_uniform_on_the_open_interval() -> None:
    n = UNIFORM.values(N) - 1.0
    assert np.all(np.abs(n) < 0.5)
    assert abs(n.mean()) < 4 * 0.5 / math.sqrt(3 * N)  # four standard errors
    assert n.std() == pytest.approx(0.5 / math.sqrt(3), rel=0.01)
    counts, _ = np.histogram(n, bins=10, range=(-0.5, 0.5))
    assert np.all(np.abs(counts - N / 10) < 5 * math.sqrt(N / 10))


def _truncated_std(amount: float, std: float) -> float:
    c = amount / std
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    return std * math.sqrt(1 - 2 * c * phi / math.erf(c / math.sqrt(2)))


@pytest.mark.parametrize(("amount", "std"), [(0.9, 0.3), (0.2, 0.5), (0.5, 0.05)])
def test_normal_noise_is_the_truncated_normal(amount: float, std: float) -> None:
    n = lr.noise(lr.constant(1.0), amount, std=std, seed=11).values(N) - 1.0
    assert np.all(np.abs(n) < amount)
    expected = _truncated_std(amount, std)
    assert abs(n.mean()) < 4 * expected / math.sqrt(N)
    assert n.std() == pytest.approx(expected, rel=0.01)
    half = min(amount, std) / 2  # P(|n| < half) = P(|Z| < half / std | |Z| < amount / std)
    assert np.mean(np.abs(n) < half) == pytest.approx(
        math.erf(half / std / math.sqrt(2)) / math.erf(amount / std / math.sqrt(2)), abs=0.005
    )


def test_the_noise_multiplies_the_schedule() -> None:
    base = lr.cosine(1.0, 0.1, 1000)
    s = lr.noise(base, 0.3, seed=9)
    factor = lr.noise(lr.constant(1.0), 0.3, seed=9)
    t = np.arange(1000)
    np.testing.assert_array_equal(s(t), base(t) * factor(t))


def test_additive_noise_adds() -> None:
    s = lr.noise(lr.constant(1e-3), 1e-4, seed=2, relative=False)
    n = s.values(N) - 1e-3
    assert np.all(np.abs(n) < 1e-4)
    assert n.std() == pytest.approx(1e-4 / math.sqrt(3), rel=0.01)


def test_outside_the_range_the_schedule_is_untouched() -> None:
    base = lr.cosine(0.1, 0.001, 500)
    s = lr.noise(base, 0.2, seed=1, start=10, stop=400)
    t = np.arange(600)
    outside = (t < 10) | (t >= 400)
    np.testing.assert_array_equal(s(t)[outside], base(t)[outside])
    assert np.all(s(t)[~outside] != base(t)[~outside])


def test_an_infinite_value_outside_the_range_stays_infinite() -> None:
    s = lr.noise(lr.exponential(1.0, 1e300), 0.1, start=5)
    assert s(2) == math.inf and s(np.array([2]))[0] == math.inf


def test_a_resumed_torch_scheduler_sees_the_same_noise() -> None:
    torch = pytest.importorskip("torch")
    from lrdsl.torch import Scheduler

    def optimizer() -> object:
        return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)

    opt = optimizer()
    sched = Scheduler(opt, NORMAL)
    seen = []
    for k in range(20):
        seen.append(opt.param_groups[0]["lr"])  # type: ignore[attr-defined]
        if k == 9:
            state = sched.state_dict()
            opt = optimizer()
            sched = Scheduler.from_state_dict(opt, state)
        opt.step()  # type: ignore[attr-defined]
        sched.step()
    assert seen == [NORMAL(k) for k in range(20)]


def test_ndtri_is_pythons_inverse_normal_cdf() -> None:
    qs = np.concatenate([np.geomspace(1e-300, 0.075, 400), np.linspace(0.075, 0.5, 400)])
    ours = [ndtri_lower(float(q), PY) for q in qs]
    theirs = [statistics.NormalDist().inv_cdf(float(q)) for q in qs]
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=1e-300)


# -- forms ----------------------------------------------------------------------------


@pytest.mark.parametrize("s", SCHEDULES, ids=str)
def test_text_and_data_round_trip(s: lr.Schedule) -> None:
    assert lr.parse(str(s)) == s
    assert lr.from_dict(s.to_dict()) == s


def test_it_prints_as_the_call() -> None:
    assert str(SCHEDULES[2]) == "noise(cosine(0.1, 0.001, 500), 0.2, std=0.05, seed=1099511627785, start=10, stop=400)"


def test_the_numbers_are_leaves_and_the_seed_is_structure() -> None:
    s = SCHEDULES[2]
    leaves, tree = jax.tree.flatten(s)
    assert leaves == [0.1, 0.001, 500.0, 1.0, 0.2, 0.05, 10.0, 400.0]
    assert jax.tree.unflatten(tree, leaves)(123) == s(123)
    reseeded = lr.noise(lr.cosine(0.1, 0.001, 500), 0.2, std=0.05, seed=1, start=10, stop=400)
    assert jax.tree.structure(reseeded) != tree


def test_equal_expressions_are_equal_and_hash_alike() -> None:
    s = SCHEDULES[2]
    again = lr.parse(str(s))
    assert again == s and hash(again) == hash(s)


def test_its_duration_is_the_schedules() -> None:
    s = lr.noise(lr.linear(0, 1e-3, 100), 0.1) >> lr.constant(1e-3)
    assert s.pieces[0].duration == 100 and s(150) == 1e-3  # type: ignore[attr-defined]


def test_the_docstring_example_runs() -> None:
    globs = {name: getattr(lr, name) for name in lr.__all__}
    assert doctest.testmod(noises, extraglobs=globs).failed == 0


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), t=st.integers(0, 2**62))
def test_any_seed_and_count_give_a_value_inside_the_amount(seed: int, t: int) -> None:
    s = lr.noise(lr.constant(1.0), 0.25, std=0.1, seed=seed)
    v = s(t)
    assert 0.75 < v < 1.25
    assert s(np.array([t]))[0] == pytest.approx(v, rel=1e-12)


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": 0}, "noise: amount must be > 0, got 0"),
        ({"amount": 1.5}, "noise: amount must be <= 1 when relative (1 + noise stays >= 0), got 1.5"),
        ({"amount": 0.1, "std": 0}, "noise: std must be > 0, got 0"),
        ({"amount": 0.1, "seed": -1}, "noise: seed must be an int in [0, 2**64), got -1"),
        ({"amount": 0.1, "seed": 2**64}, "noise: seed must be an int in [0, 2**64), got 18446744073709551616"),
        ({"amount": 0.1, "start": -1}, "noise: start must be >= 0, got -1"),
        ({"amount": 0.1, "start": 5, "stop": 5}, "noise: stop must be > start (5) or None, got 5"),
    ],
)
def test_bad_parameters_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(lr.ScheduleError) as e:
        lr.noise(lr.constant(1.0), **kwargs)  # type: ignore[arg-type]
    assert str(e.value) == message


def test_a_large_additive_amount_is_allowed() -> None:
    assert lr.noise(lr.constant(1.0), 1.5, relative=False).amount == 1.5


@pytest.mark.parametrize(
    ("seed", "message"),
    [(1.0, "noise: seed must be an int, got float 1.0"), (True, "noise: seed must be an int, got bool True")],
)
def test_a_seed_that_is_not_an_int_is_a_type_error(seed: object, message: str) -> None:
    with pytest.raises(TypeError) as e:
        lr.noise(lr.constant(1.0), 0.1, seed=seed)  # type: ignore[arg-type]
    assert str(e.value) == message


def test_the_schedule_must_be_a_schedule() -> None:
    with pytest.raises(TypeError) as e:
        lr.noise(1.0, 0.1)  # type: ignore[arg-type]
    assert str(e.value) == "noise: schedule must be a schedule, got float 1.0"


def test_std_is_keyword_only() -> None:
    with pytest.raises(TypeError) as e:
        lr.noise(lr.constant(1.0), 0.1, 0.05)  # type: ignore[misc]
    assert str(e.value) == (
        "noise: too many positional arguments; the form is"
        " noise(schedule, amount, *, std=None, seed=0, start=0, stop=None, relative=True)"
    )


def test_the_parser_reports_a_bad_amount() -> None:
    with pytest.raises(lr.ParseError, match="noise: amount must be > 0, got 0"):
        lr.parse("noise(constant(1.0), 0)")
