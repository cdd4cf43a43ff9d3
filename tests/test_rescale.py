"""Time units (issue 12 item 2): ``s.rescale(scale, offset=...)`` is ``s(scale * t + offset)``,
a schedule in tokens, samples or epochs driven per optimizer step."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrdsl as lr
from lrdsl.testing import assert_matches


def test_rescale_is_an_affine_change_of_time() -> None:
    c = lr.cosine(1.0, 0.0, 1000)
    s = c.rescale(7, offset=3)
    assert [s(t) for t in range(5)] == [c(7 * t + 3) for t in range(5)]


def test_integer_token_counts_stay_exact_on_python_and_numpy() -> None:
    tps = 4 * 2**20 + 1  # counts beyond 2**53 at the end of the run: exact as ints
    s = lr.linear(0.0, 1.0, 2**60).rescale(tps, offset=tps)
    t = 2**36
    assert s(t) == lr.linear(0.0, 1.0, 2**60)((t + 1) * tps)
    assert s(np.array([t]))[0] == s(t)


def test_the_duration_is_in_steps() -> None:
    assert lr.linear(0.0, 1.0, 1000).rescale(100, offset=100).duration == 9.0
    assert lr.linear(0.0, 1.0, 10).rescale(1, offset=50).duration == 0
    assert lr.constant(1.0).rescale(2).duration == math.inf


@pytest.mark.parametrize("backend", ["python", "numpy", "jax"])
def test_every_backend_agrees(backend: str) -> None:
    s = lr.warmup(lr.cosine(1.0, 0.1, 9000), 1000).rescale(50, offset=50)
    fn = s.compile(backend)
    got = np.array([fn(t) for t in range(300)]) if backend == "python" else np.asarray(fn(np.arange(300)), dtype=np.float64)
    np.testing.assert_allclose(got, s.values(300), rtol=1e-12 if backend != "jax" else 1e-5)


def test_it_prints_parses_saves_and_binds() -> None:
    tps = lr.var("tokens_per_step")
    s = lr.cosine(1.0, 0.0, 10**9).rescale(tps, offset=tps)
    assert str(s) == "cosine(1.0, 0.0, 1000000000).rescale(var('tokens_per_step'), offset=var('tokens_per_step'))"
    assert lr.parse(str(s)) == s
    assert lr.from_dict(s.to_dict()) == s
    assert s.bind(tokens_per_step=2048) == lr.cosine(1.0, 0.0, 10**9).rescale(2048, offset=2048)


def test_olmo_cosine_with_warmup_in_tokens() -> None:
    initial_lr, alpha_f, warmup_min_lr = 4e-4, 0.1, 0.0
    tokens_per_step = 4 * 2**20
    warmup, t_max = 2_000 * tokens_per_step + 12345, 50_000 * tokens_per_step

    def get_lr(step: int) -> float:  # an OLMo-style scheduler, in tokens seen after this step
        current = (step + 1) * tokens_per_step
        eta_min = initial_lr * alpha_f
        if current < warmup:
            return warmup_min_lr + (initial_lr - warmup_min_lr) * current / warmup
        if current >= t_max:
            return eta_min
        current, horizon = current - warmup, t_max - warmup
        return eta_min + (initial_lr - eta_min) * (1 + math.cos(math.pi * current / horizon)) / 2

    in_tokens = lr.warmup(lr.cosine(initial_lr, initial_lr * alpha_f, t_max - warmup), warmup, start=warmup_min_lr)
    s = in_tokens.rescale(tokens_per_step, offset=tokens_per_step)
    assert_matches(s, get_lr, range(0, 52_000))


def test_a_scale_of_zero_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as info:
        lr.constant(1.0).rescale(0)
    assert str(info.value) == "rescale: scale must be > 0, got 0"
