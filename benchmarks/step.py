"""STEP: one ``scheduler.step()`` from a Python training loop."""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ._harness import (
    DECAY,
    END,
    PEAK,
    WARMUP,
    Table,
    Target,
    fmt_err,
    fmt_ratio,
    fmt_time,
    max_rel_error,
    median_time,
    reference,
    unavailable,
)


class PythonLimit:
    """The hand-written limit: the closed form with ``math.cos``, setting the lr."""

    def __init__(self, opt: Any) -> None:
        self.group = opt.param_groups[0]
        self.t = 0
        self.group["lr"] = 0.0

    def step(self) -> None:
        self.t = t = self.t + 1
        if t < WARMUP:
            lr = PEAK * t / WARMUP
        else:
            u = min(t - WARMUP, DECAY)
            lr = END + (PEAK - END) * 0.5 * (1 + math.cos(math.pi * u / DECAY))
        self.group["lr"] = lr


def _cosine_ref(t: np.ndarray) -> np.ndarray:
    u = t.astype(np.longdouble)
    return (END + (PEAK - END) * (1 + np.cos(np.pi * u / DECAY)) / 2).astype(np.float64)


def _step_ref(t: np.ndarray) -> np.ndarray:
    return PEAK * 0.1 ** (t // 30_000).astype(np.float64)


def run(quick: bool) -> Table:
    """Time one ``step()`` of each scheduler; check the lr each one sets."""
    import torch

    steps = 2_000 if quick else 20_000
    rounds = 3 if quick else 15
    check = 3_000 if quick else WARMUP + DECAY  # steps whose lr is checked
    torch.set_num_threads(1)

    def optimizer() -> Any:
        return torch.optim.SGD([torch.nn.Parameter(torch.zeros(10))], lr=PEAK)

    def sequential(opt: Any) -> Any:
        warmup = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: k / WARMUP)
        cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=DECAY, eta_min=END)
        return torch.optim.lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[WARMUP])

    def lrdsl_scheduler(opt: Any, **options: Any) -> Any:
        import lrdsl as lr
        from lrdsl.torch import Scheduler

        return Scheduler(opt, lr.linear(0, PEAK, WARMUP) >> lr.cosine(PEAK, END, DECAY), **options)

    contestants: list[tuple[str, Callable[[Any], Any], Callable[[np.ndarray], np.ndarray]]] = [
        ("Python closed form (limit)", PythonLimit, reference),
        ("lrdsl.torch.Scheduler", lrdsl_scheduler, reference),
        ("lrdsl.torch.Scheduler(check=True)", lambda o: lrdsl_scheduler(o, check=True), reference),
        ("PyTorch CosineAnnealingLR", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=DECAY, eta_min=END), _cosine_ref),
        ("PyTorch StepLR", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=30_000, gamma=0.1), _step_ref),
        ("PyTorch SequentialLR (warmup + cosine)", sequential, reference),
    ]
    results: dict[str, tuple[float | None, float | None, str]] = {}
    timed: dict[str, tuple[Callable[[], None], float]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, make, ref_fn in contestants:
            try:
                opt = optimizer()
                sched = make(opt)
                group = opt.param_groups[0]
                seen = np.empty(check)
                for k in range(check):
                    seen[k] = float(group["lr"])
                    sched.step()
                err = max_rel_error(seen, ref_fn(np.arange(check)))

                def many(sched: Any = sched) -> None:
                    step = sched.step
                    for _ in range(steps):
                        step()

                timed[name] = (many, err)
            except Exception as e:
                results[name] = (None, None, unavailable(name, e)[-1])
        # Interleaved, a round of each in turn: a change in the machine's load moves them all.
        times: dict[str, list[float]] = {name: [] for name in timed}
        for _ in range(rounds):
            for name, (many, _) in timed.items():
                times[name].append(median_time(many, 1))
        for name, (_, err) in timed.items():
            results[name] = (statistics.median(times[name]) / steps, err, "")
        results = {name: results[name] for name, _, _ in contestants}

    # The scalar path alone, without the optimizer: what the adapter calls.
    try:
        import lrdsl as lr

        s = lr.linear(0, PEAK, WARMUP) >> lr.cosine(PEAK, END, DECAY)
        for label, fn in (("lrdsl s.compile('python')(t) alone", s.compile("python")), ("lrdsl s(t) alone (warm)", s)):
            ts = list(range(steps))
            err = max_rel_error([fn(t) for t in range(check)], reference(np.arange(check)))

            def calls(fn: Any = fn, ts: list[int] = ts) -> None:
                for t in ts:
                    fn(t)

            results[label] = (median_time(calls, rounds) / steps, err, "no optimizer: the value only")
    except Exception as e:
        results["lrdsl scalar path"] = (None, None, unavailable("lrdsl", e)[-1])

    groups = _many_groups(steps // 20, rounds)
    results.update(groups)

    limit = results["Python closed form (limit)"][0]
    table = Table(
        "STEP",
        f"One `scheduler.step()` on an SGD optimizer (median over {rounds} rounds of {steps:,} steps, the"
        " contestants interleaved round by round);"
        f" error: max relative, over the first {check:,} steps, of the lr each one sets against its own"
        " float64 closed form.",
        ["contestant", "time per step", "ratio to limit", "max rel error", "note"],
    )
    for name, (sec, err, note) in results.items():
        table.rows.append([name, fmt_time(sec), fmt_ratio(sec / limit if sec and limit else None), fmt_err(err), note])

    def ratio(a: str, b: str) -> float | None:
        x, y = results.get(a, (None,))[0], results.get(b, (None,))[0]
        return x / y if x is not None and y else None

    table.targets = [
        Target("lrdsl.torch.Scheduler / Python limit", ratio("lrdsl.torch.Scheduler", "Python closed form (limit)"), 1.3),
        Target(
            "lrdsl.torch.Scheduler / PyTorch CosineAnnealingLR",
            ratio("lrdsl.torch.Scheduler", "PyTorch CosineAnnealingLR"),
            0.25,
        ),
        Target(f"{GROUPS} groups: lrdsl.torch.Scheduler / LambdaLR", ratio(GROUPS_OURS, GROUPS_LAMBDA), 0.3),
    ]
    table.notes.append(
        f"{GROUPS} groups: {GROUPS} param groups sharing {DISTINCT} distinct warmup-cosine schedules (different"
        " peaks); lrdsl evaluates each distinct schedule once per step, LambdaLR each group's lambda."
    )
    return table


GROUPS, DISTINCT = 465, 28
GROUPS_OURS = f"{GROUPS} groups: lrdsl.torch.Scheduler"
GROUPS_LAMBDA = f"{GROUPS} groups: PyTorch LambdaLR"


def _many_groups(steps: int, rounds: int) -> dict[str, tuple[float | None, float | None, str]]:
    """One step with 465 param groups sharing 28 schedules: lrdsl against a LambdaLR
    whose lambdas compute the same closed forms (timed in alternation)."""
    import torch

    import lrdsl as lr
    from lrdsl.torch import Scheduler

    peaks = [PEAK * (1 + k / DISTINCT) for k in range(DISTINCT)]

    def optimizer() -> Any:
        return torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))]} for _ in range(GROUPS)], lr=1.0)

    def closed_form(peak: float) -> Callable[[int], float]:
        def f(t: int) -> float:
            if t < WARMUP:
                return peak * t / WARMUP
            u = min(t - WARMUP, DECAY)
            return END + (peak - END) * 0.5 * (1 + math.cos(math.pi * u / DECAY))

        return f

    schedules = [lr.linear(0, p, WARMUP) >> lr.cosine(p, END, DECAY) for p in peaks]
    ours = Scheduler(optimizer(), [schedules[g % DISTINCT] for g in range(GROUPS)])
    fns = [closed_form(p) for p in peaks]
    theirs = torch.optim.lr_scheduler.LambdaLR(optimizer(), [fns[g % DISTINCT] for g in range(GROUPS)])
    out: dict[str, tuple[float | None, float | None, str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times: dict[str, list[float]] = {GROUPS_OURS: [], GROUPS_LAMBDA: []}
        for _ in range(rounds):
            for name, sched in ((GROUPS_OURS, ours), (GROUPS_LAMBDA, theirs)):

                def many(sched: Any = sched) -> None:
                    for _ in range(steps):
                        sched.step()

                times[name].append(median_time(many, 1, warmup=0) / steps)
        t = ours.last_epoch
        err = max_rel_error([g["lr"] for g in ours.optimizer.param_groups], np.array([schedules[g % DISTINCT](t) for g in range(GROUPS)]))
    for name, ts in times.items():
        out[name] = (statistics.median(ts), err if name == GROUPS_OURS else None, "per step, all groups")
    return out
