"""``lrdsl.torch.Scheduler`` under DistributedDataParallel: two processes on
localhost (gloo), each with its own optimizer and Scheduler. Every rank uses
the same lr at every step, and a resume on both ranks from one checkpoint stays
in lockstep with an uninterrupted run."""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

WORLD = 2
TOTAL = 12
RESUME_AT = 5
PLAN = {"lr": lr.warmup(lr.cosine(0.05, 0.001, 8), 3), "momentum": lr.linear(0.8, 0.9, 6)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh(rank: int) -> tuple[Any, Any, Any]:
    from torch.nn.parallel import DistributedDataParallel

    from lrdsl.torch import Scheduler

    torch.manual_seed(0)  # the same initial weights on every rank
    model = DistributedDataParallel(torch.nn.Linear(4, 1).double())
    opt = torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.5)
    return model, opt, Scheduler(opt, PLAN)


def _train(rank: int, model: Any, opt: Any, sched: Any, steps: range) -> list[float]:
    lrs = []
    for k in steps:
        gen = torch.Generator().manual_seed(100 * k + rank)  # each rank its own shard
        x = torch.randn(8, 4, generator=gen, dtype=torch.float64)
        lrs.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), x.sum(dim=1, keepdim=True)).backward()
        opt.step()
        sched.step()
    return lrs


def _worker(rank: int, port: int, out_dir: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD)
    try:
        model, opt, sched = _fresh(rank)
        whole = _train(rank, model, opt, sched, range(TOTAL))
        whole_params = [p.detach().clone() for p in model.parameters()]

        model, opt, sched = _fresh(rank)
        first = _train(rank, model, opt, sched, range(RESUME_AT))
        ckpt = os.path.join(out_dir, "ckpt.pt")
        if rank == 0:
            torch.save(
                {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}, ckpt
            )
        dist.barrier()
        state = torch.load(ckpt, weights_only=True)
        model, opt, sched = _fresh(rank)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        resumed = first + _train(rank, model, opt, sched, range(RESUME_AT, TOTAL))

        torch.save(
            {
                "whole": whole,
                "resumed": resumed,
                "whole_params": whole_params,
                "resumed_params": [p.detach().clone() for p in model.parameters()],
                "last_epoch": sched.last_epoch,
            },
            os.path.join(out_dir, f"rank{rank}.pt"),
        )
        # Tear down in order: the DDP wrappers (their reducer threads) go first,
        # and no rank leaves while the other is still in a collective.
        del model, opt, sched
        import gc

        gc.collect()
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_ddp_ranks_share_every_lr_and_resume_in_lockstep(tmp_path: Any) -> None:
    import torch.multiprocessing as mp

    mp.spawn(_worker, args=(_free_port(), str(tmp_path)), nprocs=WORLD, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]
    expected = [PLAN["lr"](k) for k in range(TOTAL)]
    for r in ranks:
        assert r["whole"] == expected
        assert r["resumed"] == expected
        assert r["last_epoch"] == TOTAL
        for a, b in zip(r["whole_params"], r["resumed_params"], strict=True):
            assert torch.equal(a, b)
    for a, b in zip(ranks[0]["resumed_params"], ranks[1]["resumed_params"], strict=True):
        assert torch.equal(a, b)  # DDP kept the ranks in sync
