"""``lrdsl.compat.hf`` against Hugging Face's own schedulers (``transformers.get_scheduler``).

Each case builds the real ``LambdaLR`` on a ``torch.optim.AdamW`` with the
base lr, steps it, and reads the lr each step uses; the compat expression at
``t = 0, 1, ...`` must give the same numbers, past ``num_training_steps`` too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lrdsl.compat import hf

from .compat_cases import Case, assert_exact

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def hf_lrs(name: str, base: float, n: int, w: int | None, total: int | None, kw: dict[str, Any]) -> list[float]:
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.AdamW([p], lr=base)
    sched = transformers.get_scheduler(
        name, opt, num_warmup_steps=w, num_training_steps=total, scheduler_specific_kwargs=kw or None
    )
    out = []
    for _ in range(n):
        out.append(float(opt.param_groups[0]["lr"]))
        opt.step()
        sched.step()
    return out


def case(name: str, config: str, base: float, w: int | None, total: int | None, n: int, **kw: Any) -> Case:
    ours: Callable[[], Any] = lambda: hf.get_scheduler(name, base, w, total, **kw)  # noqa: E731
    return Case(name, config, ours, lambda: hf_lrs(name, base, n, w, total, kw), n)


CASES = [
    case("linear", "warmup", 1e-3, 10, 100, 120),
    case("linear", "no warmup", 0.5, 0, 37, 50),
    case("cosine", "warmup", 1e-3, 10, 100, 150),
    case("cosine", "num_cycles=1.5", 0.1, 5, 60, 90, num_cycles=1.5),
    case("cosine_with_restarts", "3 cycles", 0.1, 10, 100, 120, num_cycles=3),
    case("cosine_with_restarts", "2 cycles,no warmup", 1.0, 0, 50, 70, num_cycles=2),
    case("polynomial", "power=2", 1e-3, 10, 100, 120, lr_end=1e-5, power=2.0),
    case("polynomial", "default", 0.1, 3, 40, 50),
    case("constant", "0.1", 0.1, None, None, 10),
    case("constant", "2e-5", 2e-5, None, None, 10),
    case("constant_with_warmup", "10", 0.1, 10, None, 30),
    case("constant_with_warmup", "1", 0.3, 1, None, 10),
    case("inverse_sqrt", "timescale=warmup", 1e-3, 10, None, 200),
    case("inverse_sqrt", "timescale", 0.1, 4, None, 100, timescale=25),
    case("inverse_sqrt", "no warmup", 0.1, 0, None, 100),
    case("cosine_with_min_lr", "min_lr_rate", 1e-3, 10, 100, 130, min_lr_rate=0.1),
    case("cosine_with_min_lr", "min_lr,cycles", 0.2, 0, 60, 90, min_lr=0.01, num_cycles=1.0),
    case("cosine_warmup_with_min_lr", "default rate", 1e-3, 10, 100, 130, min_lr_rate=0.1),
    case("cosine_warmup_with_min_lr", "warmup_lr_rate", 0.5, 7, 50, 80, min_lr=0.05, warmup_lr_rate=0.2),
    case("cosine_warmup_with_min_lr", "one warmup step", 0.5, 1, 30, 40, min_lr_rate=0.0),
    case("warmup_stable_decay", "linear,cosine", 1e-3, 10, 100, 120, num_decay_steps=20, min_lr_ratio=0.1),
    case(
        "warmup_stable_decay",
        "cosine,1-sqrt",
        0.1,
        8,
        None,
        70,
        num_decay_steps=25,
        num_stable_steps=30,
        warmup_type="cosine",
        decay_type="1-sqrt",
    ),
    case(
        "warmup_stable_decay",
        "1-sqrt,linear",
        0.1,
        8,
        60,
        70,
        num_decay_steps=12,
        warmup_type="1-sqrt",
        decay_type="linear",
        min_lr_ratio=0.05,
    ),
    case("warmup_stable_decay", "cycles", 0.1, 5, 50, 60, num_decay_steps=20, num_cycles=1.0),
]


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.id)
def test_matches_hugging_face(c: Case) -> None:
    assert_exact(c)


def test_every_scheduler_type_is_covered() -> None:
    kinds = {t.value for t in transformers.SchedulerType} - {"reduce_lr_on_plateau", "greedy"}
    assert kinds == set(hf.TYPE_TO_SCHEDULER_FUNCTION)
    assert kinds == {c.name for c in CASES}


def test_metric_driven_types_are_refused() -> None:
    from lrdsl import ScheduleError

    with pytest.raises(ScheduleError, match="metric"):
        hf.get_scheduler("greedy", 0.1)


def test_warmup_with_min_lr_needs_a_warmup_step() -> None:
    from lrdsl import ScheduleError

    with pytest.raises(ScheduleError, match="num_warmup_steps must be >= 1"):
        hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(0.1, 0, 100, min_lr_rate=0.1)


def test_compat_results_read_as_plain_expressions() -> None:
    assert str(hf.get_linear_schedule_with_warmup(1e-3, 10, 100)) == "warmup(linear(0.001, 0.0, 90), 10)"
    assert str(hf.get_inverse_sqrt_schedule(1e-3, 10)) == "warmup(inverse_sqrt(0.001, 10), 10)"
