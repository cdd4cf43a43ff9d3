"""Exact resume with ``lrdsl.torch.Scheduler``: train a real model for ``k`` steps,
``torch.save`` model, optimizer and scheduler, ``torch.load(..., weights_only=True)``
into fresh objects (in either order), continue; the lrs used and the final
parameters equal an uninterrupted run bit for bit."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrdsl as lr

torch = pytest.importorskip("torch")
from lrdsl.torch import Scheduler  # noqa: E402

TOTAL = 30
_gen = torch.Generator().manual_seed(0)
X = torch.randn(64, 5, generator=_gen, dtype=torch.float64)
Y = X @ torch.randn(5, 1, generator=_gen, dtype=torch.float64) + 0.1 * torch.randn(
    64, 1, generator=_gen, dtype=torch.float64
)

PLANS: dict[str, Any] = {
    "sgd": {
        "lr": [lr.linear(0.0, 0.05, 5) >> lr.cosine(0.05, 1e-4, 20, periodic=True), lr.step(0.02, 7, gamma=0.5)],
        "momentum": lr.linear(0.8, 0.95, 12),
        "weight_decay": lr.constant(1e-3),
    },
    "adamw": {
        "lr": lr.warmup(lr.exponential(0.01, 0.9), 4),
        "beta1": lr.linear(0.95, 0.85, 10),
        "weight_decay": [lr.multistep(0.1, [8, 8, 20]), lr.constant(0.0)],
    },
}


def fresh(kind: str, seed: int) -> tuple[Any, Any]:
    """A linear regression model (initialised from ``seed``) and its two-group optimizer."""
    torch.manual_seed(seed)
    model = torch.nn.Linear(5, 1).double()
    groups = [{"params": [model.weight]}, {"params": [model.bias]}]
    if kind == "sgd":
        return model, torch.optim.SGD(groups, lr=1.0, momentum=0.5, weight_decay=0.0)
    return model, torch.optim.AdamW(groups, lr=1.0)


def train(model: Any, opt: Any, sched: Any, n: int) -> list[list[float]]:
    lrs = []
    for _ in range(n):
        lrs.append([g["lr"] for g in opt.param_groups])
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(X), Y).backward()
        opt.step()
        sched.step()
    return lrs


@settings(max_examples=15, deadline=None)
@given(
    k=st.integers(0, TOTAL),
    kind=st.sampled_from(sorted(PLANS)),
    order=st.sampled_from(["optimizer_first", "scheduler_first", "from_state_dict"]),
)
def test_resume_equals_uninterrupted_run_bit_for_bit(k: int, kind: str, order: str) -> None:
    plan = PLANS[kind]
    model, opt = fresh(kind, seed=1)
    whole = train(model, opt, Scheduler(opt, plan), TOTAL)
    expected = [p.detach().clone() for p in model.parameters()]

    model, opt = fresh(kind, seed=1)
    sched = Scheduler(opt, plan)
    first = train(model, opt, sched, k)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ckpt.pt")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}, path)
        del model, opt, sched
        ckpt = torch.load(path, weights_only=True)

    model, opt = fresh(kind, seed=2)  # other initial weights: all must come from the checkpoint
    model.load_state_dict(ckpt["model"])
    if order == "optimizer_first":
        opt.load_state_dict(ckpt["opt"])
        sched = Scheduler(opt, plan)
        sched.load_state_dict(ckpt["sched"])
    elif order == "scheduler_first":
        sched = Scheduler(opt, plan)
        sched.load_state_dict(ckpt["sched"])
        opt.load_state_dict(ckpt["opt"])
    else:
        opt.load_state_dict(ckpt["opt"])
        sched = Scheduler.from_state_dict(opt, ckpt["sched"])
    assert sched.last_epoch == k
    rest = train(model, opt, sched, TOTAL - k)

    assert first + rest == whole
    for got, want in zip(model.parameters(), expected, strict=True):
        assert torch.equal(got, want)


def test_resume_without_loading_the_optimizer_still_uses_the_right_lr() -> None:
    # the optimizer's groups are rebuilt by hand (say, a new param layout); the
    # scheduler alone must put every driven value back at schedule(k)
    plan = PLANS["sgd"]
    model, opt = fresh("sgd", seed=1)
    sched = Scheduler(opt, plan)
    train(model, opt, sched, 9)
    _, opt2 = fresh("sgd", seed=1)
    sched2 = Scheduler(opt2, plan)
    sched2.load_state_dict(torch.load(_roundtrip(sched.state_dict()), weights_only=True))
    for g, group in enumerate(opt2.param_groups):
        assert group["lr"] == plan["lr"][g](9)
        assert group["momentum"] == plan["momentum"](9)
        assert group["weight_decay"] == plan["weight_decay"](9)


def _roundtrip(obj: Any) -> Any:
    import io

    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return buf
