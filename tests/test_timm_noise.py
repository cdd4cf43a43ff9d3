"""timm's noise (``noise_range_t``, ``noise_pct``, ``noise_std``, ``noise_type``,
``noise_seed``) through ``lrdsl.compat.timm`` and ``lr.timm_noise``, against timm.

The noise draws are checked bit for bit against timm's own
``Scheduler._calculate_noise`` (which runs PyTorch's generator), the whole
schedules at rtol 1e-12 against timm's schedulers driven with ``step`` /
``step_update``. lrdsl computes them without importing PyTorch.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrdsl as lr
from lrdsl import _torch_random
from lrdsl.compat import timm as cm

from .compat_cases import Case, assert_exact
from .test_compat_timm import T, timm_lrs

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")

ROOT = Path(__file__).resolve().parent.parent


def timm_scheduler(name: str = "StepLRScheduler", base: float = 1.0, **kw: Any) -> Any:
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base)
    defaults = {"StepLRScheduler": {"decay_t": 10**9}}.get(name, {})
    return T[name](opt, **{**defaults, **kw})


# -- the draws, bit for bit ------------------------------------------------------


def test_normal_draws_are_timms_bit_for_bit() -> None:
    sched = timm_scheduler(noise_range_t=0)
    ours = [_torch_random.timm_noise(42 + t, True, 0.67, 1.0) for t in range(2000)]
    assert ours == [sched._calculate_noise(t) for t in range(2000)]


def test_uniform_draws_are_timms_bit_for_bit() -> None:
    sched = timm_scheduler(noise_range_t=0, noise_seed=7, noise_pct=0.25)
    sched.noise_type = "uniform"  # only timm's PlateauLRScheduler takes it as an argument
    ours = [_torch_random.timm_noise(7 + t, False, 0.25, 1.0) for t in range(2000)]
    assert ours == [sched._calculate_noise(t) for t in range(2000)]


def test_draws_beyond_the_first_32_words_are_timms() -> None:
    # p(accept) = 1.6%: about 60 normals a step, most past the 16 the prefix holds
    sched = timm_scheduler(noise_range_t=0, noise_pct=0.02, noise_std=1.0, noise_seed=5)
    ours = [_torch_random.timm_noise(5 + t, True, 0.02, 1.0) for t in range(200)]
    assert ours == [sched._calculate_noise(t) for t in range(200)]


@pytest.mark.parametrize("seed", [0, 2**32 - 3, 2**32 + 5, 2**63 + 11, 2**64 - 300, -1, -(2**63)])
def test_seeds_anywhere_manual_seed_takes_them_are_timms(seed: int) -> None:
    sched = timm_scheduler(noise_range_t=0, noise_seed=seed, noise_std=0.5, noise_pct=0.4)
    ours = [_torch_random.timm_noise(seed + t, True, 0.4, 0.5) for t in range(100)]
    assert ours == [sched._calculate_noise(t) for t in range(100)]


def test_the_numpy_path_draws_the_same_floats() -> None:
    seeds = np.arange(42, 42 + 3000)
    ours = _torch_random.timm_noise_array(seeds, True, 0.67, 1.0)
    assert ours.tolist() == [_torch_random.timm_noise(int(s), True, 0.67, 1.0) for s in seeds]


def test_mt19937_words_are_numpys_legacy_stream() -> None:
    state = np.random.RandomState(2**32 - 7).get_state(legacy=False)
    bits = np.random.MT19937()
    bits.state = state
    expected = [int(w) for w in bits.random_raw(1500)]
    words = _torch_random.mt_words(2**32 - 7)
    assert [next(words) for _ in range(1500)] == expected
    assert _torch_random.mt_prefix(2**32 - 7, 227) == expected[:227]


# -- the schedules, against timm's schedulers ---------------------------------------------


def case(name: str, config: str, base: float, n: int, **kw: Any) -> Case:
    return Case(name, config, lambda: getattr(cm, name)(base, **kw), lambda: timm_lrs(name, base, n, kw), n)


CASES = [
    case(
        "CosineLRScheduler", "range [10, 60],warmup", 0.1, 100, t_initial=80, warmup_t=5, noise_range_t=[10, 60]
    ),
    case(
        "CosineLRScheduler",
        "from 5,updates,pct,std,seed",
        0.5,
        120,
        t_initial=100,
        t_in_epochs=False,
        noise_range_t=5,
        noise_pct=0.3,
        noise_std=0.5,
        noise_seed=123,
    ),
    case("TanhLRScheduler", "from 20", 0.1, 80, t_initial=60, noise_range_t=20, noise_seed=7),
    case("StepLRScheduler", "range (0, 40),updates", 0.1, 60, decay_t=7, decay_rate=0.5, noise_range_t=(0, 40), t_in_epochs=False),
    case("MultiStepLRScheduler", "from 5,seed 2**40", 0.1, 60, decay_t=[10, 30], decay_rate=0.1, noise_range_t=5, noise_seed=2**40),
    case("PolyLRScheduler", "range [3, 30],std 2", 0.1, 50, t_initial=40, noise_range_t=[3, 30], noise_std=2.0, noise_pct=0.1),
    case("WSDLRScheduler", "from 10", 0.2, 80, t_initial=70, decay_t=20, warmup_t=5, noise_range_t=10),
    case("CosineLRScheduler", "factory-style float range", 0.1, 60, t_initial=50, noise_range_t=[0.4 * 50, 0.9 * 50]),
]  # fmt: skip


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.id)
def test_matches_timm_with_noise(c: Case) -> None:
    assert_exact(c)


def test_a_constant_lr_gets_timms_floats_exactly() -> None:
    ours = cm.StepLRScheduler(0.1, 10**9, noise_range_t=0, t_in_epochs=False).values(500)
    theirs = timm_lrs("StepLRScheduler", 0.1, 500, {"decay_t": 10**9, "noise_range_t": 0, "t_in_epochs": False})
    assert ours.tolist() == theirs


def test_each_constructor_takes_the_noise_options_timm_takes() -> None:
    import inspect

    noise = ["noise_range_t", "noise_pct", "noise_std", "noise_seed"]
    for name in set(cm.__all__) - {"PlateauLRScheduler", "create_scheduler_v2"}:  # its noise is refused: tests/test_plateau.py
        theirs = [p for p in inspect.signature(T[name]).parameters if p.startswith("noise")]
        ours = [p for p in inspect.signature(getattr(cm, name)).parameters if p.startswith("noise")]
        assert ours == theirs == noise, name


def test_noise_options_sit_where_timm_puts_them() -> None:
    # positionally, after t_in_epochs: CosineLRScheduler(opt, t_initial, lr_min, ..., t_in_epochs, noise_range_t, ...)
    ours = cm.CosineLRScheduler(0.1, 50, 0.0, 1.0, 1.0, 1, 0, 0.0, False, True, [5, 20], 0.5, 0.8, 9)
    assert ours == cm.CosineLRScheduler(0.1, 50, noise_range_t=[5, 20], noise_pct=0.5, noise_std=0.8, noise_seed=9)


def test_without_a_range_there_is_no_noise() -> None:
    assert cm.CosineLRScheduler(0.1, 50, noise_pct=0.1) == cm.CosineLRScheduler(0.1, 50)


def test_the_noise_is_drawn_per_epoch_and_held_through_it() -> None:
    spe = 7
    s = cm.CosineLRScheduler(0.1, 20, noise_range_t=3, steps_per_epoch=spe)
    epochs = cm.CosineLRScheduler(0.1, 20, noise_range_t=3)
    t = np.arange(25 * spe)
    np.testing.assert_array_equal(s(t), epochs(t // spe))


def test_it_reads_as_an_expression() -> None:
    s = cm.StepLRScheduler(0.1, 10, 0.5, noise_range_t=[5, 50], noise_seed=1)
    assert str(s) == "timm_noise(step(0.1, 10, gamma=0.5), seed=1, start=5, stop=50)"
    assert lr.parse(str(s)) == s and lr.from_dict(s.to_dict()) == s


def test_python_numpy_and_generated_code_agree() -> None:
    s = cm.CosineLRScheduler(0.1, 300, noise_range_t=[10, 250], t_in_epochs=False)
    values = s.values(300)
    assert [s(k) for k in range(300)] == values.tolist()
    from lrdsl._codegen import generate

    fn = generate(s)[1]
    assert [fn(k) for k in range(300)] == values.tolist()


def test_a_fractional_time_has_the_noise_of_its_floor() -> None:
    s = lr.timm_noise(lr.constant(1.0), start=2)
    t = np.arange(50) + 0.5
    np.testing.assert_array_equal(s(t), s(np.floor(t)))


def test_evaluating_it_does_not_import_torch() -> None:
    code = (
        "import sys, numpy as np, lrdsl as lr\n"
        "s = lr.timm_noise(lr.constant(0.1), start=3)\n"
        "s(5); s(np.arange(10))\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120
    )


# -- JAX ------------------------------------------------------------------------------


def test_compiling_for_jax_is_refused() -> None:
    s = cm.CosineLRScheduler(0.1, 50, noise_range_t=5)
    with pytest.raises(TypeError) as e:
        s.compile("jax")
    assert str(e.value) == (
        "timm_noise cannot be evaluated on jax: timm's noise draws from PyTorch's generator, which is"
        " reproduced on Python and NumPy only; for noise under JAX use lrdsl.noise (counter-based,"
        " the same values on every backend)"
    )


def test_evaluating_at_a_jax_array_is_refused() -> None:
    s = lr.timm_noise(lr.constant(0.1))
    with pytest.raises(TypeError, match=r"^timm_noise cannot be evaluated on jax"):
        s(jax.numpy.arange(3))


def test_schedules_without_it_still_compile_for_jax() -> None:
    assert float(cm.CosineLRScheduler(0.1, 50).compile("jax")(0)) == pytest.approx(0.1)


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"noise_range_t": 0, "noise_pct": 0},
            "CosineLRScheduler: noise_pct must be > 0 for normal noise (timm would draw for ever), got 0",
        ),
        (
            {"noise_range_t": 0, "noise_pct": 1e-5},
            "CosineLRScheduler: noise_pct must be large enough that a draw of std=1.0 falls below it with"
            " probability >= 0.0001 (it is 8e-06: about 1.3e+05 draws per step), got 1e-05",
        ),
        (
            {"noise_range_t": [1, 2, 3]},
            "CosineLRScheduler: noise_range_t must be a number or a pair [start, stop], got [1, 2, 3]",
        ),
        (
            {"noise_range_t": 0, "noise_seed": 2**64},
            "CosineLRScheduler: noise_seed must be an int in [-2**63, 2**64), got 18446744073709551616",
        ),
        ({"noise_range_t": float("nan")}, "CosineLRScheduler: noise_range_t must be a finite number, got nan"),
    ],
)
def test_bad_noise_options_are_refused_in_timms_words(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(lr.ScheduleError) as e:
        cm.CosineLRScheduler(0.1, 50, **kwargs)
    assert str(e.value) == message


def test_a_seed_that_is_not_an_int_is_a_type_error() -> None:
    with pytest.raises(TypeError) as e:
        cm.CosineLRScheduler(0.1, 50, noise_range_t=0, noise_seed=1.5)
    assert str(e.value) == "CosineLRScheduler: noise_seed must be an int, got float 1.5"


def test_a_noise_type_outside_normal_and_uniform_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        lr.timm_noise(lr.constant(0.1), kind="laplace")
    assert str(e.value) == "timm_noise: kind must be one of 'normal', 'uniform', got 'laplace'"


def test_uniform_noise_takes_any_pct() -> None:
    s = lr.timm_noise(lr.constant(1.0), kind="uniform", pct=-0.5, seed=3)
    sched = timm_scheduler(noise_range_t=0, noise_seed=3, noise_pct=-0.5)
    sched.noise_type = "uniform"
    assert [s(t) for t in range(100)] == [sched._add_noise([1.0], t)[0] for t in range(100)]
