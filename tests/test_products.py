"""``running_product``: ``start * factor(1) * ... * factor(floor(t))``, exact on Python and
NumPy (PyTorch's order of multiplication), a traced loop on JAX."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

import lrdsl as lr
from lrdsl.products import MAX_STEPS


def halve_every_10(k: int) -> float:
    return 0.5 if k % 10 == 0 else 1.0


lr.register("halve_every_10_products")(halve_every_10)


def pytorch_recursion(start: float, f: Any, n: int) -> list[float]:
    """MultiplicativeLR's recursion: ``lr = lr * f(k)`` at each step ``k >= 1``."""
    out, v = [start], start
    for k in range(1, n):
        v = v * f(k)
        out.append(v)
    return out


def test_value_is_the_recursion_bit_for_bit() -> None:
    s = lr.running_product(0.1, lr.lambda_(lambda k: 0.9 + 0.01 * (k % 7)))
    expected = pytorch_recursion(0.1, lambda k: 0.9 + 0.01 * (k % 7), 500)
    assert [s(t) for t in range(500)] == expected
    assert s(np.arange(500)).tolist() == expected


def test_a_python_branching_factor_works_on_python_and_numpy() -> None:
    s = lr.running_product(0.1, lr.lambda_(halve_every_10))
    assert [s(t) for t in (0, 9, 10, 19, 20, 35)] == [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]
    np.testing.assert_array_equal(s(np.array([[0, 10], [20, 35]])), [[0.1, 0.05], [0.025, 0.0125]])


def test_fractional_time_is_floored_and_negative_time_is_the_start() -> None:
    s = lr.running_product(1.0, lr.constant(0.5))
    assert s(2.9) == s(2) == 0.25
    assert s(-3) == s(0.5) == 1.0
    np.testing.assert_array_equal(s(np.array([0.5, 1.0, 2.7])), [1.0, 0.5, 0.25])


def test_a_factor_of_lrdsl_nodes_is_evaluated_on_numpy_blocks() -> None:
    s = lr.running_product(2.0, lr.linear(1.0, 0.5, 100))
    expected = pytorch_recursion(2.0, lr.linear(1.0, 0.5, 100), 300)
    np.testing.assert_allclose(s(np.arange(300)), expected, rtol=1e-13)


def test_long_arrays_and_repeated_calls_reuse_the_table() -> None:
    s = lr.running_product(1.0, lr.lambda_(lambda k: 1.0 - 1e-6 * (k % 3)))
    big = s(np.arange(100_000))  # evaluated in chunks; the table grows once
    assert big.shape == (100_000,) and big[0] == 1.0
    assert s(99_999) == big[-1] == s(np.array([99_999]))[0]


def test_prints_parses_and_saves_with_a_registered_factor() -> None:
    s = lr.running_product(0.1, lr.lambda_(halve_every_10))
    assert str(s) == "running_product(0.1, lambda_('halve_every_10_products'))"
    assert lr.parse(str(s)) == s
    assert lr.from_dict(s.to_dict()) == s


def test_pickling_keeps_the_schedule_not_its_table() -> None:
    s = lr.running_product(0.1, lr.constant(0.9))
    s(1000)
    state = s.__getstate__()
    assert "_scalar_products" not in state
    copy = pickle.loads(pickle.dumps(s))
    assert copy == s and copy(1000) == s(1000)


def test_beyond_the_table_is_an_error_not_a_hang() -> None:
    s = lr.running_product(0.1, lr.constant(0.9))
    with pytest.raises(lr.ScheduleError, match=r"running_product: t = 16777216 is beyond the 16,777,216 steps"):
        s(MAX_STEPS)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(TypeError, match=r"running_product: factor must be a schedule, got float 0.9"):
        lr.running_product(0.1, 0.9)  # type: ignore[arg-type]
    with pytest.raises(lr.ScheduleError, match=r"running_product: start must be a finite number, got nan"):
        lr.running_product(float("nan"), lr.constant(0.9))


def test_it_has_no_end() -> None:
    s = lr.running_product(0.1, lr.constant(0.9))
    assert not s.finite
    with pytest.raises(lr.ScheduleError, match="never ends"):
        s >> lr.constant(1.0)


# ----------------------------------------------------------------------------
# JAX


jax = pytest.importorskip("jax")


def test_jax_is_a_traced_loop_equal_to_numpy() -> None:
    import jax.numpy as jnp

    s = lr.running_product(0.1, lr.lambda_(lambda k: jnp.where(k % 10 == 0, 0.5, 1.0)))
    t = np.array([0, 5, 10, 25, 40, 41])
    expected = lr.running_product(0.1, lr.lambda_(halve_every_10))(t)
    np.testing.assert_allclose(np.asarray(jax.jit(s)(jnp.asarray(t))), expected, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(jax.vmap(s.compile("jax"))(jnp.asarray(t))), expected, rtol=1e-6)


def test_jax_takes_a_factor_of_lrdsl_nodes_and_float_time() -> None:
    s = lr.running_product(1.0, lr.constant(0.5))
    assert float(jax.jit(s)(jax.numpy.float32(3.7))) == 0.125


def test_jax_refuses_a_factor_that_branches_in_python() -> None:
    s = lr.running_product(0.1, lr.lambda_(halve_every_10))
    with pytest.raises(TypeError, match=r"lambda_ 'halve_every_10_products': fn does not run on JAX arrays"):
        s.compile("jax")


def test_the_start_is_a_pytree_leaf() -> None:
    s = lr.running_product(0.1, lr.constant(0.5))
    leaves = jax.tree_util.tree_leaves(s)
    assert 0.1 in leaves
    grad = jax.grad(lambda sched: sched(jax.numpy.int32(3)))(s)
    assert float(grad.start) == pytest.approx(0.125)
