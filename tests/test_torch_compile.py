"""``torch.compile`` with the :class:`~lrdsl.torch.Scheduler`: PyTorch's recipe for compiled
optimizers with schedulers (a compiled function calling ``opt.step(); sched.step()``,
tensor lr) compiles one graph and never recompiles, and the lr it trains with is
``schedule(t)`` at every step.

Recompiles are counted by running under ``torch._dynamo.config.error_on_recompile``
(any recompilation raises) and graphs by ``torch._dynamo.utils.counters["stats"]
["unique_graphs"]``.
"""

from __future__ import annotations

import pytest

import lrdsl as lr

torch = pytest.importorskip("torch")
from torch._dynamo.utils import counters  # noqa: E402

from lrdsl.torch import Scheduler  # noqa: E402

SCHEDULE = lr.linear(0.0, 1e-2, 50) >> lr.cosine(1e-2, 1e-4, 950, periodic=True)


def _f32(x: float) -> float:
    """``x`` as the float32 tensor lr holds it."""
    return float(torch.tensor(x, dtype=torch.float32))


def _setup() -> tuple[torch.nn.Module, torch.optim.Optimizer, Scheduler]:
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 8)
    opt = torch.optim.Adam(model.parameters(), lr=torch.tensor(0.0))
    return model, opt, Scheduler(opt, SCHEDULE)


def test_the_compiled_recipe_is_one_graph_with_no_recompile_over_1000_steps() -> None:
    model, opt, sched = _setup()
    torch._dynamo.reset()
    counters.clear()

    @torch.compile(backend="inductor")
    def step() -> None:
        opt.step()
        sched.step()

    x = torch.randn(4, 8)
    seen = []
    with torch._dynamo.config.patch(error_on_recompile=True):
        for _ in range(1000):
            seen.append(float(opt.param_groups[0]["lr"]))
            model(x).square().mean().backward()
            step()
            opt.zero_grad()
    assert counters["stats"]["unique_graphs"] == 1
    assert sched.last_epoch == 1000
    assert seen == [_f32(SCHEDULE(k)) for k in range(1000)]


def test_the_optimizer_clock_under_the_compiled_recipe_is_one_graph() -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 8)
    opt = torch.optim.Adam(model.parameters(), lr=torch.tensor(0.0))
    sched = Scheduler(opt, SCHEDULE, clock="optimizer", check=True)
    torch._dynamo.reset()
    counters.clear()

    @torch.compile(backend="inductor")
    def step() -> None:
        opt.step()
        sched.step()

    x = torch.randn(4, 8)
    with torch._dynamo.config.patch(error_on_recompile=True):
        for _ in range(200):
            model(x).square().mean().backward()
            step()
            opt.zero_grad()
    assert counters["stats"]["unique_graphs"] == 1
    assert sched.t == 200
    assert float(opt.param_groups[0]["lr"]) == _f32(SCHEDULE(200))


def test_the_tensor_lr_is_written_in_place() -> None:
    _, opt, sched = _setup()
    lr_tensor = opt.param_groups[0]["lr"]
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr_tensor
    assert float(lr_tensor) == _f32(SCHEDULE(1))


def test_the_compiled_recipe_trains_as_eager_does() -> None:
    x = torch.randn(4, 8)
    weights = []
    for compiled in (False, True):
        model, opt, sched = _setup()
        torch._dynamo.reset()

        def step(opt: torch.optim.Optimizer = opt, sched: Scheduler = sched) -> None:
            opt.step()
            sched.step()

        run = torch.compile(step, backend="inductor") if compiled else step
        for _ in range(30):
            model(x).square().mean().backward()
            run()
            opt.zero_grad()
        weights.append(model.weight.detach().clone())
    torch.testing.assert_close(weights[0], weights[1], rtol=1e-5, atol=1e-6)


def test_the_schedule_traced_inside_the_compiled_update_never_recompiles() -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 8)
    opt = torch.optim.Adam(model.parameters(), lr=torch.tensor(0.0))
    lr_at = SCHEDULE.compile("torch")
    step = torch.zeros((), dtype=torch.int64)
    torch._dynamo.reset()

    @torch.compile(backend="inductor")
    def update() -> None:
        opt.param_groups[0]["lr"].copy_(lr_at(step))
        step.add_(1)
        opt.step()

    x = torch.randn(4, 8)
    seen = []
    with torch._dynamo.config.patch(error_on_recompile=True):
        for _ in range(300):
            model(x).square().mean().backward()
            update()
            opt.zero_grad()
            seen.append(float(opt.param_groups[0]["lr"]))
    assert seen == [_f32(SCHEDULE(k)) for k in range(300)]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graph capture needs a GPU")
def test_a_cuda_graph_captures_a_step_with_the_scheduled_lr() -> None:  # pragma: no cover - GPU only
    device = torch.device("cuda")
    model = torch.nn.Linear(8, 8, device=device)
    opt = torch.optim.Adam(model.parameters(), lr=torch.tensor(0.0, device=device), capturable=True)
    fn = SCHEDULE.compile("torch")
    t = torch.zeros((), dtype=torch.int64, device=device)
    x = torch.randn(4, 8, device=device)

    def train_step() -> None:
        opt.param_groups[0]["lr"].copy_(fn(t))
        model(x).square().mean().backward()
        opt.step()
        opt.zero_grad(set_to_none=False)
        t.add_(1)

    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            train_step()
    torch.cuda.current_stream().wait_stream(s)
    t.zero_()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        train_step()
    t.zero_()
    for k in range(20):
        graph.replay()
        assert float(opt.param_groups[0]["lr"]) == pytest.approx(SCHEDULE(k), rel=1e-6)
