"""Offsets, holds and finite phases (issue 12 items 3 and 4): ``s.shift(-k)``,
``warmup(..., inclusive=True)``, ``constant(v, steps=n)``, ``wsd`` of finite length,
zero-length phases; the warmups of build-nanogpt, llm.c and torchtitan exactly."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import lrdsl as lr
from lrdsl.testing import assert_matches

BACKENDS = ("python", "numpy", "jax")


def on(backend: str, s: lr.Schedule, n: int) -> np.ndarray:
    """``s`` at ``0 .. n - 1`` through the compiled function of ``backend``."""
    fn = s.compile(backend)
    if backend == "python":
        return np.array([fn(t) for t in range(n)])
    return np.asarray(fn(np.arange(n)), dtype=np.float64)


# -- shift(-k) ------------------------------------------------------------------------


def test_a_negative_shift_starts_k_steps_in() -> None:
    c = lr.cosine(1.0, 0.1, 10)
    s = c.shift(-3)
    assert [s(t) for t in range(8)] == [c(t + 3) for t in range(8)]


def test_a_negative_shift_shortens_the_duration() -> None:
    assert lr.cosine(1.0, 0.1, 10).shift(-3).duration == 7


def test_a_shift_beyond_the_end_has_duration_zero() -> None:
    assert lr.cosine(1.0, 0.1, 10).shift(-15).duration == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_negative_shift_agrees_on_every_backend(backend: str) -> None:
    s = lr.linear(0.0, 1.0, 10).shift(-1) >> lr.cosine(1.0, 0.0, 5)
    np.testing.assert_allclose(on(backend, s, 20), s.values(20), rtol=1e-6)


def test_a_negative_shift_prints_and_parses() -> None:
    s = lr.cosine(1.0, 0.1, 10).shift(-3)
    assert str(s) == "cosine(1.0, 0.1, 10).shift(-3)"
    assert lr.parse(str(s)) == s


# -- warmup(inclusive=True) ------------------------------------------------------------


def test_an_inclusive_warmup_reaches_the_peak_on_its_last_step() -> None:
    s = lr.warmup(lr.constant(1.0), 4, inclusive=True)
    assert [s(t) for t in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]


def test_an_inclusive_warmup_then_follows_the_schedule_at_t_minus_steps() -> None:
    c = lr.cosine(1.0, 0.1, 10)
    s = lr.warmup(c, 4, start=0.2, inclusive=True)
    assert s(4) == c(0) and s(9) == c(5)
    assert s(0) == pytest.approx(0.2 + 0.8 * 1 / 4, rel=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_inclusive_warmup_agrees_on_every_backend(backend: str) -> None:
    s = lr.warmup(lr.cosine(1.0, 0.1, 10), 4, start=0.1, inclusive=True)
    np.testing.assert_allclose(on(backend, s, 20), s.values(20), rtol=1e-6)


def test_an_inclusive_warmup_prints_and_saves() -> None:
    s = lr.warmup(lr.cosine(1.0, 0.1, 10), 4, inclusive=True)
    assert str(s) == "warmup(cosine(1.0, 0.1, 10), 4, inclusive=True)"
    assert lr.parse(str(s)) == s
    assert lr.from_dict(s.to_dict()) == s


# -- the warmups of training code, exactly ------------------------------------------------


def test_build_nanogpt_get_lr() -> None:
    max_lr, min_lr, warmup_steps, max_steps = 6e-4, 6e-4 * 0.1, 715, 19073

    def get_lr(it: int) -> float:  # build-nanogpt train_gpt2.py
        if it < warmup_steps:
            return max_lr * (it + 1) / warmup_steps
        if it > max_steps:
            return min_lr
        decay_ratio = (it - warmup_steps) / (max_steps - warmup_steps)
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
        return min_lr + coeff * (max_lr - min_lr)

    s = lr.warmup(lr.cosine(max_lr, min_lr, max_steps - warmup_steps), warmup_steps, inclusive=True)
    assert_matches(s, get_lr, range(max_steps + 100))


def test_llm_c_linear_schedule() -> None:
    lr0, frac, warmup_iterations, train_num_batches = 6e-4, 0.0, 700, 18865

    def get_learning_rate_linear(step: int) -> float:  # llm.c llmc/schedulers.h, in float64
        if step < warmup_iterations:
            return lr0 * (step + 1) / warmup_iterations
        decay_ratio = (step - warmup_iterations) / (train_num_batches - warmup_iterations)
        min_lr = lr0 * frac
        return lr0 - decay_ratio * (lr0 - min_lr)

    s = lr.warmup(lr.linear(lr0, lr0 * frac, train_num_batches - warmup_iterations), warmup_iterations, inclusive=True)
    assert_matches(s, get_learning_rate_linear, range(train_num_batches))


def test_torchtitan_warmup_stable_decay() -> None:
    base, warmup_steps, stable_steps, decay_steps, min_lr_factor = 8e-4, 200, 1000, 300, 0.1

    def linear_warmup_stable_decay(current_step: int) -> float:  # torchtitan lr_scheduler.py (LambdaLR factor)
        warmup_stable_steps = warmup_steps + stable_steps
        if current_step < warmup_steps:
            current_step += 1  # 0-indexed step, hence + 1 adjustments
            curr_adjustment = float(current_step / (warmup_steps + 1))
        elif current_step < warmup_stable_steps:
            curr_adjustment = 1.0
        else:
            current_step += 1
            progress = float(current_step - warmup_stable_steps) / (decay_steps + 1)
            curr_adjustment = 1 - progress
            curr_adjustment = min_lr_factor + (1 - min_lr_factor) * curr_adjustment
        return base * curr_adjustment

    # (t + 1) / (w + 1): an inclusive warmup of w + 1 steps, whose last step is the
    # first of the stable phase; the decay counts its current step too: shift(-1).
    stable = lr.constant(base, steps=stable_steps - 1)
    decay = lr.linear(base, base * min_lr_factor, decay_steps + 1).shift(-1)
    s = lr.warmup(stable >> decay, warmup_steps + 1, inclusive=True)
    assert_matches(s, linear_warmup_stable_decay, range(warmup_steps + stable_steps + decay_steps))


# -- holds and finite phases -----------------------------------------------------------------


def test_a_constant_with_steps_has_that_duration() -> None:
    c = lr.constant(0.5, steps=10)
    assert c.duration == 10 and c.finite
    assert str(c) == "constant(0.5, steps=10)"
    assert lr.parse(str(c)) == c


def test_a_hold_can_be_followed() -> None:
    s = lr.constant(1.0, steps=3) >> lr.linear(1.0, 0.0, 2)
    assert [s(t) for t in range(6)] == [1.0, 1.0, 1.0, 1.0, 0.5, 0.0]


def test_wsd_has_the_duration_of_its_phases() -> None:
    assert lr.wsd(1.0, 10, 80, 10).duration == 100


def test_wsd_after_wsd_runs_one_after_the_other() -> None:
    a, b = lr.wsd(1.0, 10, 80, 10), lr.wsd(0.5, 5, 5, 5, end=0.1)
    s = a >> b
    assert s.duration == 115
    assert [s(t) for t in (0, 50, 99, 100, 105, 110, 114, 115, 10**6)] == [
        a(0), a(50), a(99), b(0), b(5), b(10), b(14), b(15), 0.1
    ]


def test_wsd_of_symbolic_lengths_binds_to_the_hand_written_one() -> None:
    T = lr.T
    s = lr.wsd(1.0, lr.round(0.1 * T), T - lr.round(0.1 * T) - lr.round(0.2 * T), lr.round(0.2 * T))
    assert s.bind(T=1000) == lr.wsd(1.0, 100, 700, 200)


def test_the_chain_error_names_the_piece_that_never_ends_and_how_to_end_it() -> None:
    with pytest.raises(lr.ScheduleError) as info:
        lr.linear(0, 1, 5) >> lr.constant(1.0) >> lr.linear(1, 0, 5)
    assert str(info.value) == (
        "chain: pieces[1] (constant(1.0)) never ends, so the piece after it would never start;"
        " give it a length (constant(v, steps=n), or a piece with steps such as linear, cosine or wsd)"
        " or give the chain boundaries=[...]"
    )


# -- zero-length phases --------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_warmup_of_zero_steps_has_the_values_of_its_schedule(backend: str) -> None:
    c = lr.cosine(1.0, 0.1, 10)
    for inclusive in (False, True):
        np.testing.assert_allclose(on(backend, lr.warmup(c, 0, inclusive=inclusive), 15), c.values(15), rtol=1e-6)


@pytest.mark.parametrize("make", [lr.linear, lr.cosine, lr.polynomial, lr.one_minus_sqrt], ids=lambda f: f.__name__)
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_phase_of_zero_steps_is_at_its_end_from_the_start(make: Any, backend: str) -> None:
    np.testing.assert_array_equal(on(backend, make(3.0, 5.0, 0), 3), [5.0, 5.0, 5.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_zero_length_piece_of_a_chain_is_skipped(backend: str) -> None:
    s = lr.linear(0.0, 1.0, 4) >> lr.linear(9.0, 9.0, 0) >> lr.cosine(1.0, 0.0, 4)
    hand = lr.linear(0.0, 1.0, 4) >> lr.cosine(1.0, 0.0, 4)
    np.testing.assert_allclose(on(backend, s, 10), hand.values(10), rtol=1e-6)


def test_wsd_with_every_phase_empty_is_its_end() -> None:
    assert lr.wsd(1.0, 0, 0, 0, end=0.2).values(3).tolist() == [0.2, 0.2, 0.2]


def test_a_sweep_over_warmup_lengths_including_zero() -> None:
    import jax
    import jax.numpy as jnp

    runs = [lr.warmup(lr.cosine(1.0, 0.0, 10), w) for w in (0, 4)]
    stack = jax.tree.map(lambda *xs: jnp.stack(xs), *runs)
    out = jax.vmap(lambda s: s(jnp.arange(6)))(stack)
    np.testing.assert_allclose(out[0], lr.cosine(1.0, 0.0, 10).values(6), rtol=1e-6)
    np.testing.assert_allclose(out[1], lr.warmup(lr.cosine(1.0, 0.0, 10), 4).values(6), rtol=1e-6)


def test_a_periodic_cosine_still_needs_a_positive_length() -> None:
    with pytest.raises(lr.ScheduleError) as info:
        lr.cosine(1.0, 0.0, 0, periodic=True)
    assert str(info.value) == "cosine: steps must be > 0 for a periodic cosine, got 0"
