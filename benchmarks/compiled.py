"""COMPILED: a ``torch.compile``'d training step whose tensor lr follows a schedule.

PyTorch's recipe for compiled optimizers with schedulers: ``opt.step()`` and
``sched.step()`` in one compiled function, the lr a tensor. The baseline is the same
compiled step with a constant tensor lr (no scheduler); the contestants are lrdsl's
:class:`~lrdsl.torch.Scheduler` and PyTorch's ``CosineAnnealingLR``. Each training
step is a forward and backward pass of a small MLP (eager) and the compiled
function. Recompilations are counted with ``torch._dynamo.utils.counters``
(``unique_graphs``: graphs compiled for each contestant, warm-up included) and
refused outright while timing (``error_on_recompile``).
"""

from __future__ import annotations

import statistics
import warnings
from collections.abc import Callable
from typing import Any

from ._harness import Table, Target, fmt_ratio, fmt_time, median_time, unavailable


def run(quick: bool) -> Table:
    import torch
    import torch._dynamo.utils as dynamo_utils

    import lrdsl as lr
    from lrdsl.torch import Scheduler

    torch.set_num_threads(1)
    steps = 100 if quick else 200
    rounds = 3 if quick else 21
    width = 128
    schedule = lr.linear(0.0, 1e-3, 100) >> lr.cosine(1e-3, 1e-5, 100_000)

    def make(kind: str) -> tuple[Callable[[], None], Any]:
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(width, width), torch.nn.ReLU(), torch.nn.Linear(width, width))
        opt = torch.optim.Adam(model.parameters(), lr=torch.tensor(1e-3))
        sched: Any = None
        if kind == "lrdsl":
            sched = Scheduler(opt, schedule)
        elif kind == "torch":
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100_000, eta_min=1e-5)

        if sched is None:

            @torch.compile
            def update() -> None:
                opt.step()

        else:

            @torch.compile
            def update() -> None:
                opt.step()
                sched.step()

        x = torch.randn(64, width)

        def train_step() -> None:
            model(x).square().mean().backward()
            update()
            opt.zero_grad(set_to_none=False)

        return train_step, sched

    results: dict[str, tuple[float | None, int | None, str]] = {}
    contestants = [
        ("constant tensor lr (baseline)", "constant"),
        ("lrdsl.torch.Scheduler", "lrdsl"),
        ("PyTorch CosineAnnealingLR", "torch"),
    ]
    # Built and warmed one after the other (each compiles its own graph, counted);
    # then timed in interleaved rounds, so that a load change on a shared machine
    # falls on every contestant alike.
    runs: dict[str, Callable[[], None]] = {}
    graphs: dict[str, int] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, kind in contestants:
            try:
                dynamo_utils.counters.clear()
                train_step, _ = make(kind)
                for _ in range(3):
                    train_step()
                runs[name] = train_step
                graphs[name] = int(dynamo_utils.counters["stats"]["unique_graphs"])
            except Exception as e:
                results[name] = (None, None, unavailable(name, e)[-1])
        times: dict[str, list[float]] = {name: [] for name in runs}
        with torch._dynamo.config.patch(error_on_recompile=True):
            for _ in range(rounds):
                for name, train_step in runs.items():

                    def many(train_step: Callable[[], None] = train_step) -> None:
                        for _ in range(steps):
                            train_step()

                    times[name].append(median_time(many, 1, warmup=0) / steps)
        for name in runs:
            results[name] = (statistics.median(times[name]), graphs[name], "")
        results = {name: results[name] for name, _ in contestants if name in results}

    base = results["constant tensor lr (baseline)"][0]
    table = Table(
        "COMPILED",
        f"One training step (eager forward/backward of a {width}x{width} MLP, then a `torch.compile`'d"
        f" `opt.step(); sched.step()` with a tensor lr; median over {rounds} rounds of {steps:,} steps;"
        " any recompilation fails the row).",
        ["contestant", "time per step", "ratio to constant lr", "graphs compiled", "note"],
    )
    for name, (sec, graphs, note) in results.items():
        table.rows.append(
            [name, fmt_time(sec), fmt_ratio(sec / base if sec and base else None), "-" if graphs is None else str(graphs), note]
        )
    ours = results["lrdsl.torch.Scheduler"][0]
    table.targets = [
        Target("lrdsl.torch.Scheduler compiled step / constant tensor lr", ours / base if ours and base else None, 1.05),
    ]
    return table
