"""``s.compile("torch")``: every schedule as a function of a tensor, from torch ops only.

Backends agree: on random trees, the torch function in float64 equals NumPy to
1e-12; it follows its input's device, shape and float dtype (the default dtype
for an integer count); it traces into one graph under
``torch.compile(fullgraph=True)``; nodes that cannot run on torch ops are refused
when compiled.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import lrdsl as lr

from .strategies import schedules

torch = pytest.importorskip("torch")

STEPS = np.concatenate([np.arange(0, 130), [200, 500, 1000]])
FRACTIONS = np.array([0.0, 0.5, 2.25, 9.75, 31.5, 64.125])


def close(a: float, b: float, rtol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-300) or abs(a - b) <= rtol * max(1.0, abs(b))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules())
def test_torch_float64_agrees_with_numpy(s: lr.Schedule) -> None:
    fn = s.compile("torch")
    for t, tensor in ((STEPS, torch.tensor(STEPS)), (FRACTIONS, torch.tensor(FRACTIONS, dtype=torch.float64))):
        expected = s(t)
        got = fn(tensor)
        assert got.dtype == (torch.float64 if tensor.is_floating_point() else torch.get_default_dtype())
        got64 = fn(tensor.to(torch.float64)).numpy()
        for k, e, g in zip(t.tolist(), expected.tolist(), got64.tolist()):
            assert close(g, e, 1e-12), (s, k, e, g)


def test_an_integer_count_gives_the_default_dtype() -> None:
    fn = lr.cosine(1.0, 0.0, 100).compile("torch")
    assert fn(torch.tensor(50)).dtype == torch.float32
    assert fn(torch.tensor(50.0, dtype=torch.float64)).dtype == torch.float64


def test_the_result_has_the_shape_of_the_time() -> None:
    fn = lr.constant(0.5).compile("torch")
    out = fn(torch.zeros(2, 3, dtype=torch.int64))
    assert out.shape == (2, 3)
    assert out.tolist() == [[0.5] * 3] * 2


def test_a_python_number_is_taken_as_a_tensor() -> None:
    s = lr.linear(0.0, 1.0, 10)
    assert s.compile("torch")(5).item() == pytest.approx(0.5, rel=1e-7)


def test_a_negative_time_counts_as_zero() -> None:
    s = lr.linear(1.0, 0.0, 10)
    assert s.compile("torch")(torch.tensor([-5, 0], dtype=torch.float64)).tolist() == [1.0, 1.0]


def test_counts_are_exact_at_a_boundary_far_out() -> None:
    s = lr.piecewise([10**12 + 1], [1.0, 2.0])
    fn = s.compile("torch")
    t = torch.tensor([10**12, 10**12 + 1], dtype=torch.int64)
    assert fn(t).tolist() == [1.0, 2.0]


def test_a_boolean_tensor_is_refused() -> None:
    with pytest.raises(TypeError, match=r"^a schedule is evaluated at numbers, got a tensor of torch\.bool$"):
        lr.constant(1.0).compile("torch")(torch.tensor(True))


def test_a_lambda_with_operators_runs_on_tensors() -> None:
    s = lr.lambda_(lambda t: 0.5 ** (t / 10))
    out = s.compile("torch")(torch.tensor([0, 10, 20])).to(torch.float64)
    assert out.tolist() == pytest.approx([1.0, 0.5, 0.25], rel=1e-7)


def test_a_lambda_calling_numpy_is_refused_at_compile() -> None:
    s = lr.lambda_(np.exp)
    with pytest.raises(TypeError, match=r"compile\('torch'\): lambda_\(<exp>\) cannot be evaluated with torch ops: a function converted"
        r" a tensor to NumPy or a Python number; use torch ops"):
        s.compile("torch")


def test_a_lambda_calling_math_is_refused_at_compile() -> None:
    s = lr.lambda_(lambda t: math.exp(-t))
    with pytest.raises(TypeError, match=r"cannot be evaluated with torch ops"):
        s.compile("torch")


def test_noise_is_refused_at_compile() -> None:
    s = lr.noise(lr.constant(1.0), 0.1, seed=0)
    with pytest.raises(TypeError, match=r"cannot be evaluated with torch ops"):
        s.compile("torch")


def test_an_unknown_backend_names_torch_among_the_choices() -> None:
    with pytest.raises(lr.ScheduleError, match="compile: backend must be one of 'jax', 'numpy', 'python', 'torch', got 'tf'"):
        lr.constant(1.0).compile("tf")


def test_fullgraph_compile_of_the_schedule_is_one_graph() -> None:
    import torch._dynamo.utils as dynamo_utils

    s = lr.linear(0, 1e-3, 100) >> lr.cosine(1e-3, 1e-5, 900) >> lr.constant(1e-5)
    fn = s.compile("torch")
    torch._dynamo.reset()
    dynamo_utils.counters.clear()
    compiled = torch.compile(fn, fullgraph=True, backend="inductor")
    step = torch.tensor(0, dtype=torch.int64)
    with torch._dynamo.config.patch(error_on_recompile=True):
        for k in range(0, 1200, 37):
            step.fill_(k)
            assert compiled(step).item() == pytest.approx(s(k), rel=1e-6)
    assert dynamo_utils.counters["stats"]["unique_graphs"] == 1
