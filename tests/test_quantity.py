"""Symbolic quantities (``lr.T``, ``lr.var``): Python's arithmetic, bound later.

The properties build random expressions twice: as a quantity (lrdsl's names and
Python's operators) and as Python source, which the test alone evaluates on the
bound numbers with Python's own ``round``, ``math.floor``, ``math.ceil``,
``min`` and ``max``.
"""

from __future__ import annotations

import builtins
import copy
import doctest
import json
import math
import operator
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrdsl as lr
import lrdsl.quantity as quantity
from lrdsl.quantity import MAX_DEPTH, MAX_SIZE, Quantity, from_data, to_data

T = lr.T
w = lr.var("w")
spe = lr.var("steps_per_epoch")

# ----------------------------------------------------------------------------
# Random expressions: ("num", v), ("name", n), ("bin", op, x, y), ("neg", x),
# ("call", f, x, ...). Every operation holds a name (an operation on numbers
# alone is Python's business, done before lrdsl sees it).

Expr = tuple[Any, ...]
NAMES = ("T", "a", "b")
OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}
LR_FUNCTIONS = {"round": lr.round, "floor": lr.floor, "ceil": lr.ceil, "min": lr.min, "max": lr.max}
PY_FUNCTIONS = {
    "round": builtins.round,
    "floor": math.floor,
    "ceil": math.ceil,
    "min": builtins.min,
    "max": builtins.max,
}
#: The names the printed form uses, bound to lrdsl's.
QUANTITY_SCOPE = {"T": lr.T, "var": lr.var, **LR_FUNCTIONS}

small = st.one_of(
    st.integers(-20, 20),
    st.sampled_from([0.0, -0.0, 0.05, 0.5, 1.5, -2.5, 1e-3, 3.0]),
    st.floats(-50, 50, allow_nan=False, allow_subnormal=False),
)
values = st.fixed_dictionaries(
    {
        "T": st.one_of(
            st.integers(0, 1000), st.just(100_000), st.floats(0, 1e5, allow_nan=False, allow_subnormal=False)
        ),
        "a": small,
        "b": small,
    }
)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    ops = ["+", "-", "*", "/", "//", "%", "+", "-", "*", "**"]  # powers overflow: fewer of them
    return st.one_of(
        st.tuples(st.just("bin"), st.sampled_from(ops), children, children),
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("call"), st.sampled_from(["round", "floor", "ceil"]), children),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3)).map(
            lambda fx: ("call", fx[0], *fx[1])
        ),
    )


def _operands(e: Expr) -> tuple[Expr, ...]:
    return e[2:] if e[0] in ("bin", "call") else e[1:] if e[0] == "neg" else ()


def _has_name(e: Expr) -> bool:
    return e[0] == "name" or any(_has_name(c) for c in _operands(e))


def _first_number(e: Expr) -> Expr:
    return e if e[0] == "num" else _first_number(_operands(e)[0])


def _symbolic(e: Expr) -> Expr:
    """``e`` with every operation on numbers alone replaced by one of its numbers."""
    if e[0] in ("num", "name"):
        return e
    if not _has_name(e):
        return _first_number(e)
    head = e[:2] if e[0] in ("bin", "call") else e[:1]
    return (*head, *(_symbolic(c) for c in _operands(e)))


#: Leaves: a name two times in three.
_leaves = st.sampled_from([*NAMES, "", ""]).flatmap(
    lambda n: st.just(("name", n)) if n else small.map(lambda v: ("num", v))
)
expressions = st.recursive(_leaves, _extend, max_leaves=10).map(_symbolic)


def source(e: Expr) -> str:
    """``e`` as fully parenthesised Python source."""
    kind = e[0]
    if kind == "num":
        return f"({e[1]!r})"
    if kind == "name":
        return "T" if e[1] == "T" else f"var({e[1]!r})"
    if kind == "bin":
        return f"({source(e[2])} {e[1]} {source(e[3])})"
    if kind == "neg":
        return f"(-{source(e[1])})"
    return f"{e[1]}({', '.join(source(c) for c in e[2:])})"


def build(e: Expr) -> Any:
    """``e`` built with lrdsl: ``lr.T``, ``lr.var``, Python's operators, ``lr.round`` ..."""
    kind = e[0]
    if kind == "num":
        return e[1]
    if kind == "name":
        return lr.var(e[1])
    if kind == "bin":
        return OPS[e[1]](build(e[2]), build(e[3]))
    if kind == "neg":
        return -build(e[1])
    return LR_FUNCTIONS[e[1]](*(build(c) for c in e[2:]))


def _fits(v: Any) -> bool:
    """A finite real number that fits a float (lrdsl's numbers)."""
    if type(v) is int:
        return abs(v) <= 2**1023
    return type(v) is float and math.isfinite(v)


def python_value(e: Expr, env: dict[str, Any]) -> tuple[bool, Any]:
    """``(True, value)`` if Python, evaluating ``source(e)`` on ``env``, gives every
    sub-expression a finite real value that fits a float; ``(False, None)`` if not."""
    if e[0] == "num":
        return True, e[1]
    results = [python_value(c, env) for c in _operands(e)]
    if not all(ok for ok, _ in results):
        return False, None
    if e[0] == "bin" and e[1] == "**":
        a, b = (v for _, v in results)
        if abs(a) > 1 and b > 0 and b * math.log2(abs(a)) > 1100:
            return False, None  # beyond 2 ** 1100: Python would compute it for ages
    scope = {"T": env["T"], "var": env.__getitem__, **PY_FUNCTIONS}
    try:
        v = eval(source(e), scope)
    except (ArithmeticError, ValueError):
        return False, None
    return _fits(v), v


def same_number(got: Any, want: Any) -> bool:
    """The same Python number: type, value and sign of zero."""
    return type(got) is type(want) and repr(got) == repr(want)


# ----------------------------------------------------------------------------
# Properties.


@given(expressions, values)
def test_bind_computes_what_python_computes(e: Expr, env: dict[str, Any]) -> None:
    ok, want = python_value(e, env)
    try:
        q = build(e)
    except lr.ScheduleError:  # a literal zero divisor: Python divides by zero too
        assert not ok
        return
    if ok:
        assert same_number(quantity.bind(q, **env), want)
    else:
        with pytest.raises(lr.ScheduleError):
            quantity.bind(q, **env)


@given(expressions, values, st.sets(st.sampled_from(NAMES)))
def test_partial_binding_is_pythons_evaluation_with_the_rest_symbolic(
    e: Expr, env: dict[str, Any], names: set[str]
) -> None:
    ok, want = python_value(e, env)
    if not ok:
        return
    q = build(e)
    given_ = {n: env[n] for n in names}
    scope = {
        **QUANTITY_SCOPE,
        "T": given_.get("T", lr.T),
        "var": lambda n: given_[n] if n in given_ else lr.var(n),
    }
    partial = quantity.bind(q, **given_)
    expected = eval(source(e), scope)
    if isinstance(expected, Quantity):
        assert partial == expected
        assert partial.free == expected.free
    else:
        assert same_number(partial, expected)
    assert same_number(quantity.bind(partial, **env), want)


def _built(e: Expr) -> Any:
    try:
        return build(e)
    except lr.ScheduleError:  # a literal zero divisor
        return None


@given(expressions, expressions.map(_built).filter(lambda q: isinstance(q, Quantity)))
def test_binding_a_quantity_substitutes_it_as_python_would(e: Expr, value: Quantity) -> None:
    try:
        q = build(e)
    except lr.ScheduleError:
        return
    scope = {**QUANTITY_SCOPE, "var": lambda n: value if n == "a" else lr.var(n)}
    assert quantity.bind(q, a=value) == eval(source(e), scope)


@given(expressions)
def test_printed_form_reads_back_through_python_eval(e: Expr) -> None:
    try:
        q = build(e)
    except lr.ScheduleError:
        return
    assert eval(str(q), dict(QUANTITY_SCOPE)) == q


@given(expressions)
def test_from_data_of_to_data_is_the_same_quantity(e: Expr) -> None:
    try:
        q = build(e)
    except lr.ScheduleError:
        return
    back = from_data(json.loads(json.dumps(to_data(q))))
    assert back == q
    assert hash(back) == hash(q)
    if not isinstance(q, Quantity):
        assert same_number(back, q)


@given(expressions, expressions)
def test_hash_is_consistent_with_equality(e1: Expr, e2: Expr) -> None:
    try:
        a, b, a_again = build(e1), build(e2), build(e1)
    except lr.ScheduleError:
        return
    assert a == a_again
    assert hash(a) == hash(a_again)
    if isinstance(a, Quantity) and a == b:
        assert hash(a) == hash(b)
        assert str(a) == str(b)


def _keys(d: Any) -> set[str]:
    if isinstance(d, dict):
        return set(d) | {k for v in d.values() for k in _keys(v)}
    if isinstance(d, list):
        return {k for v in d for k in _keys(v)}
    return set()


@given(expressions)
def test_data_never_looks_like_a_schedule_node(e: Expr) -> None:
    try:
        q = build(e)
    except lr.ScheduleError:
        return
    assert "op" not in _keys(to_data(q))


# ----------------------------------------------------------------------------
# Binding: Python's semantics.


def test_round_of_a_fraction_of_T_is_pythons_round() -> None:
    got = lr.round(0.05 * lr.T).bind(T=100_000)
    assert got == round(0.05 * 100_000)
    assert type(got) is int


def test_round_rounds_half_to_even() -> None:
    assert [lr.round(T / 2).bind(T=t) for t in (1, 3, 5, 7)] == [0, 2, 2, 4]


def test_floor_and_ceil_give_ints() -> None:
    assert same_number(lr.floor(T / 3).bind(T=10), 3)
    assert same_number(lr.ceil(T / 3).bind(T=10), 4)


def test_true_division_gives_a_float() -> None:
    assert same_number((T / 2).bind(T=4), 2.0)


def test_integer_arithmetic_stays_int() -> None:
    assert same_number((T * 3 // 2 - 1).bind(T=10), 14)


def test_a_float_bound_value_makes_float_arithmetic() -> None:
    assert same_number((T - lr.round(0.05 * T)).bind(T=1e5), 95000.0)


def test_min_and_max_are_pythons() -> None:
    assert same_number(lr.min(T // 10, 2000).bind(T=100_000), 2000)
    assert same_number(lr.max(T, 3.0).bind(T=3), 3)  # the first of equals, as max(3, 3.0)


def test_partial_binding_leaves_a_quantity_in_the_rest() -> None:
    got = (T - w * 2).bind(w=3)
    assert got == T - 6
    assert got.free == frozenset({"T"})


def test_free_is_the_unbound_names() -> None:
    assert (T * spe + w).free == frozenset({"T", "steps_per_epoch", "w"})


def test_bind_ignores_names_the_quantity_does_not_hold() -> None:
    assert same_number((T + 1).bind(T=9, tokens_per_step=4096), 10)


def test_bind_substitutes_a_quantity() -> None:
    assert (T // 10).bind(T=lr.var("epochs") * spe) == lr.var("epochs") * spe // 10


def test_bind_takes_numpy_scalars_as_python_numbers() -> None:
    assert same_number((T // 3).bind(T=np.int64(10)), 3)
    assert same_number((T / 4).bind(T=np.float32(2.0)), 0.5)


def test_module_bind_leaves_numbers_as_they_are() -> None:
    assert same_number(quantity.bind(3, T=5), 3)


# ----------------------------------------------------------------------------
# Building: Python's names, folding, structure.


def test_var_T_is_T() -> None:
    assert lr.var("T") is lr.T


def test_pythons_round_floor_and_ceil_give_quantities() -> None:
    assert round(0.05 * T) == lr.round(0.05 * T)
    assert math.floor(T / 3) == lr.floor(T / 3)
    assert math.ceil(T / 3) == lr.ceil(T / 3)


def test_functions_without_a_quantity_are_pythons_own() -> None:
    assert same_number(lr.round(2.5), 2)
    assert same_number(lr.round(2.675, 2), round(2.675, 2))
    assert same_number(lr.floor(-0.5), -1)
    assert same_number(lr.ceil(0.5), 1)
    assert lr.min([3, 1, 2]) == 1
    assert lr.max(1, -3, key=abs) == -3


def test_min_of_an_iterable_holding_a_quantity() -> None:
    assert lr.min([T, 100]) == lr.min(T, 100)


def test_operations_on_numbers_alone_are_folded_by_python() -> None:
    assert str(2 * 3 * T) == "6 * T"


def test_nothing_else_is_simplified() -> None:
    assert str(T * 2 * 3) == "T * 2 * 3"
    assert str(T - T) == "T - T"


def test_a_long_sum_is_one_level_deep() -> None:
    total = sum(lr.var(f"phase{i}") for i in range(400))
    assert isinstance(total, Quantity)
    assert same_number(total.bind(**{f"phase{i}": i for i in range(400)}), sum(range(400)))


def test_numpy_scalars_defer_to_the_quantity() -> None:
    assert str(np.float64(2) * T) == "2.0 * T"
    assert str(T * np.int64(3)) == "T * 3"


# ----------------------------------------------------------------------------
# Equality, hashing, immutability.


def test_equality_is_structural() -> None:
    assert T - lr.round(0.05 * T) == T - lr.round(0.05 * T)
    assert T + 1 != 1 + T


def test_numbers_compare_by_type_and_sign() -> None:
    assert T + 1 != T + 1.0
    assert T + 0.0 != T + -0.0


def test_a_quantity_is_never_equal_to_a_number() -> None:
    assert (T == 5) is False
    assert (T != 5) is True


def test_equal_quantities_hash_alike() -> None:
    assert len({T * 2 + w, T * 2 + w, lr.var("w") + T * 2}) == 2


def test_quantities_are_immutable() -> None:
    with pytest.raises(AttributeError) as info:
        T._kind = "sum"  # type: ignore[misc]
    assert str(info.value) == "quantities are immutable: cannot set '_kind'"


def test_copies_and_pickles_are_equal() -> None:
    q = T - lr.round(0.05 * T) + spe
    assert copy.deepcopy(q) is q
    assert pickle.loads(pickle.dumps(q)) == q


# ----------------------------------------------------------------------------
# Printing: Python syntax, minimal parentheses.


@pytest.mark.parametrize(
    ("q", "text"),
    [
        (T - lr.round(0.05 * T), "T - round(0.05 * T)"),
        (spe * 3, "var('steps_per_epoch') * 3"),
        (lr.ceil(0.03 * T), "ceil(0.03 * T)"),
        (lr.min(T // 10, 2000), "min(T // 10, 2000)"),
        (lr.max(T, w, 3), "max(T, var('w'), 3)"),
        (2 - (T + 1), "2 - (T + 1)"),
        ((T + 1) + 2, "T + 1 + 2"),
        (3 + (T + 1), "3 + (T + 1)"),
        ((T + 1) * 2, "(T + 1) * 2"),
        (T / (3 * T), "T / (3 * T)"),
        (T * 3 // 2 % 5, "T * 3 // 2 % 5"),
        (T * -2, "T * -2"),
        (T - -2, "T - -2"),
        (-2 * T, "-2 * T"),
        ((-2) ** T, "(-2) ** T"),
        (-(T**2), "-T ** 2"),
        ((-T) ** 2, "(-T) ** 2"),
        (T ** (T**2), "T ** T ** 2"),
        ((T**T) ** 2, "(T ** T) ** 2"),
        (T**-T, "T ** -T"),
        (operator.neg(-T), "--T"),
        (-(T + 1), "-(T + 1)"),
        (T * 1e-05, "T * 1e-05"),
        (T + 100_000, "T + 100000"),
        (T + -0.0, "T + -0.0"),
    ],
)
def test_printed_form(q: Quantity, text: str) -> None:
    assert str(q) == text
    assert repr(q) == text
    assert f"{q}" == text


@pytest.mark.parametrize(
    ("q", "level"),
    [
        (T + 1, 2),
        (T - 1, 2),
        (T * 2, 3),
        (T // 2, 3),
        (T % 2, 3),
        (-T, 4),
        (T**2, 5),
        (T, 6),
        (w, 6),
        (lr.round(T / 2), 6),
    ],
)
def test_precedence_is_pythons(q: Quantity, level: int) -> None:
    assert quantity.precedence(q) == level


def test_module_docstring_examples_run() -> None:
    result = doctest.testmod(quantity, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0


# ----------------------------------------------------------------------------
# Data.


def test_data_form() -> None:
    assert (T - lr.round(0.05 * T)).to_data() == {
        "sum": [{"var": "T"}, "-", {"round": {"product": [0.05, "*", {"var": "T"}]}}]
    }
    assert lr.max(-spe, T**2).to_data() == {
        "max": [{"neg": {"var": "steps_per_epoch"}}, {"pow": [{"var": "T"}, 2]}]
    }


def test_from_data_folds_numbers() -> None:
    assert same_number(from_data({"product": [3, "*", 2, "//", 4]}), 1)


def test_to_data_of_a_number_is_the_number() -> None:
    assert same_number(to_data(np.float64(0.5)), 0.5)


# ----------------------------------------------------------------------------
# Errors, with their exact words.


def _deep() -> Any:
    q = T
    for i in range(MAX_DEPTH + 1):
        q = q + 1 if i % 2 else -q
    return q


def _wide() -> Any:
    q = T
    for _ in range(12):  # 2 ** 12 names through 13 nodes
        q = q * q
    return q


def _nested_data(levels: int) -> Any:
    d: Any = {"var": "T"}
    for _ in range(levels):
        d = {"neg": d}
    return d


def _nested_list(levels: int) -> Any:
    d: Any = 1
    for _ in range(levels):
        d = [d]
    return d


UNBOUND = "T - round(0.05 * T) has no value until bound; "
q0 = T - lr.round(0.05 * T)

ERRORS: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    # no value until bound
    ("<", lambda: T < 10, TypeError, "T has no value until bound; compare it after .bind(T=...), or choose with lr.min / lr.max"),
    (">= from the right", lambda: operator.ge(0.5, T), TypeError, "T has no value until bound; compare it after .bind(T=...), or choose with lr.min / lr.max"),
    ("bool", lambda: bool(q0), TypeError, UNBOUND + "test it after .bind(T=...)"),
    ("if", lambda: 1 if T * w else 0, TypeError, "T * var('w') has no value until bound; test it after .bind(T=..., w=...)"),
    ("float", lambda: float(q0), TypeError, UNBOUND + "float() needs .bind(T=...) first"),
    ("int", lambda: int(q0), TypeError, UNBOUND + "int() needs .bind(T=...) first; lr.round, lr.floor and lr.ceil round symbolically"),
    ("index", lambda: operator.index(q0), TypeError, UNBOUND + "it cannot be used as an integer (a count, an index) before .bind(T=...)"),
    ("range", lambda: range(T), TypeError, "T has no value until bound; it cannot be used as an integer (a count, an index) before .bind(T=...)"),
    ("trunc", lambda: math.trunc(q0), TypeError, UNBOUND + "math.trunc() needs .bind(T=...) first; lr.floor and lr.ceil round symbolically"),
    ("complex", lambda: complex(q0), TypeError, UNBOUND + "complex() needs .bind(T=...) first"),
    ("format", lambda: f"{q0:.2f}", TypeError, UNBOUND + "format(..., '.2f') needs .bind(T=...) first"),
    # operands
    ("str operand", lambda: T + "1", TypeError, "unsupported operand type(s) for +: 'Quantity' and 'str'"),
    ("bool operand", lambda: T * True, TypeError, "unsupported operand type(s) for *: 'Quantity' and 'bool'"),
    ("inf operand", lambda: T + math.inf, lr.ScheduleError, "+: operand must be a finite number, got inf"),
    ("nan operand", lambda: math.nan * T, lr.ScheduleError, "*: operand must be a finite number, got nan"),
    ("huge int operand", lambda: T - 2**1024, lr.ScheduleError, "-: operand must be a finite number, got 179769313486231590772930519078902473361797697894230657273430081157732675805" "50..."),
    ("divide by zero", lambda: T / 0, lr.ScheduleError, "/: divisor must be non-zero, got 0"),
    ("floor-divide by zero", lambda: T // 0.0, lr.ScheduleError, "//: divisor must be non-zero, got 0"),
    ("modulo by zero", lambda: T % -0.0, lr.ScheduleError, "%: divisor must be non-zero, got 0"),
    ("three-argument pow", lambda: pow(T, 2, 5), TypeError, "unsupported operand type(s) for ** or pow(): 'Quantity', 'int', 'int'"),
    # names
    ("name not a str", lambda: lr.var(3), TypeError, "var: name must be a str, got int 3"),
    ("name not an identifier", lambda: lr.var("1x"), lr.ScheduleError, "var: name must be an identifier (ASCII letters, digits and _, not starting with a digit), got '1x'"),
    ("empty name", lambda: lr.var(""), lr.ScheduleError, "var: name must be an identifier (ASCII letters, digits and _, not starting with a digit), got ''"),
    ("non-ASCII name", lambda: lr.var("é"), lr.ScheduleError, "var: name must be an identifier (ASCII letters, digits and _, not starting with a digit), got 'é'"),
    ("keyword name", lambda: lr.var("lambda"), lr.ScheduleError, "var: name must not be a Python keyword, got 'lambda'"),
    ("function name", lambda: lr.var("round"), lr.ScheduleError, "var: name must not be a function of the language, got 'round'"),
    ("schedule name", lambda: lr.var("cosine"), lr.ScheduleError, "var: name must not be a function of the language, got 'cosine'"),
    # functions
    ("round with ndigits", lambda: lr.round(T, 2), TypeError, "round: ndigits is not supported for quantities (round(q) rounds to an int, as round(x) does)"),
    ("builtin round with ndigits", lambda: round(T, 2), TypeError, "round: ndigits is not supported for quantities (round(q) rounds to an int, as round(x) does)"),
    ("round of a schedule", lambda: lr.round(lr.constant(2.5)), TypeError, "round: works on numbers and quantities, not on the schedule constant(2.5)"),
    ("min of one quantity", lambda: lr.min(T), TypeError, "min: expected two or more arguments, or an iterable, got T"),
    ("min with key", lambda: lr.min(T, 3, key=abs), TypeError, "min: key not supported with quantities"),
    ("min of schedules", lambda: lr.min(lr.constant(1), lr.constant(2)), TypeError, "min: works on numbers and quantities, not on the schedule constant(1); for the pointwise minimum of schedules use lr.minimum"),
    ("max of T and a schedule", lambda: lr.max(T, lr.constant(2)), TypeError, "max: works on numbers and quantities, not on the schedule constant(2); for the pointwise maximum of schedules use lr.maximum"),
    ("max of T and a str", lambda: lr.max(T, "2"), TypeError, "max: args[1] must be a number or a quantity, got str '2'"),
    ("max of T and inf", lambda: lr.max(T, math.inf), lr.ScheduleError, "max: args[1] must be a finite number, got inf"),
    ("calling Quantity", lambda: Quantity(), TypeError, "Quantity is not called: write lr.T, lr.var(name), and arithmetic on them"),
    # limits
    ("too deep", _deep, lr.ScheduleError, f"+: the quantity would be nested {MAX_DEPTH + 1} levels deep (the limit is {MAX_DEPTH})"),
    ("too large", _wide, lr.ScheduleError, f"*: the quantity would have 1536 parts (the limit is {MAX_SIZE})"),
    # binding
    ("T negative", lambda: T.bind(T=-1), lr.ScheduleError, "bind: T must be >= 0 (the run's length in steps), got -1"),
    ("bound to a bool", lambda: T.bind(T=True), TypeError, "bind: T must be a number, got the bool True"),
    ("bound to a str", lambda: T.bind(T="100"), TypeError, "bind: T must be a number or a quantity, got str '100'"),
    ("bound to nan", lambda: w.bind(w=math.nan), lr.ScheduleError, "bind: w must be a finite number, got nan"),
    ("bound to a bad name", lambda: T.bind(**{"1x": 3}), lr.ScheduleError, "bind: name must be an identifier (ASCII letters, digits and _, not starting with a digit), got '1x'"),
    ("division by zero", lambda: (T / (T - 100)).bind(T=100), lr.ScheduleError, "bind: T / (T - 100) divides by zero (with T=100)"),
    ("division by a zero variable", lambda: (spe * T // w + 1).bind(steps_per_epoch=3, w=0), lr.ScheduleError, "bind: var('steps_per_epoch') * T // var('w') divides by zero (with steps_per_epoch=3, w=0)"),
    ("partial division by zero", lambda: (w - T / w).bind(w=0), lr.ScheduleError, "bind: T / var('w') divides by zero (with w=0)"),
    ("zero to a negative power", lambda: (w ** -T).bind(T=1, w=0), lr.ScheduleError, "bind: var('w') ** -T divides by zero (with T=1, w=0)"),
    ("overflowing power", lambda: (10**T).bind(T=400), lr.ScheduleError, "bind: 10 ** T overflows: the result does not fit a float (with T=400)"),
    ("enormous power", lambda: (10**T).bind(T=10**9), lr.ScheduleError, "bind: 10 ** T overflows: the result does not fit a float (with T=1000000000)"),
    ("overflowing product", lambda: (T * T).bind(T=2**600), lr.ScheduleError, "bind: T * T overflows: the result does not fit a float (with T=4149515568880992958512407863691161151...)"),
    ("overflowing floor", lambda: lr.floor(1e308 + T).bind(T=0), lr.ScheduleError, "bind: floor(1e+308 + T) overflows: the result does not fit a float (with T=0)"),
    ("complex power", lambda: ((-1) ** (T / 2)).bind(T=1), lr.ScheduleError, "bind: (-1) ** (T / 2) is not a real number (with T=1)"),
    # data
    ("schedule node", lambda: from_data({"op": "constant", "value": 1}), lr.ScheduleError, "from_data: quantity is a schedule node (a dict with 'op'), not a quantity"),
    ("two keys", lambda: from_data({"var": "T", "x": 1}), lr.ScheduleError, "from_data: quantity must be a dict with one key, one of var, sum, product, pow, neg, round, floor, ceil, min, max, got {'var': 'T', 'x': 1}"),
    ("unknown key", lambda: from_data({"abs": 1}), lr.ScheduleError, "from_data: quantity must be a dict with one key, one of var, sum, product, pow, neg, round, floor, ceil, min, max, got {'abs': 1}"),
    ("a string", lambda: from_data("T"), lr.ScheduleError, "from_data: quantity must be a number or a dict such as {'var': 'T'}, got 'T'"),
    ("a bool", lambda: from_data(True), lr.ScheduleError, "from_data: quantity must be a number or a dict such as {'var': 'T'}, got True"),
    ("infinity", lambda: from_data(math.inf), lr.ScheduleError, "from_data: quantity must be a finite number, got inf"),
    ("bad name", lambda: from_data({"var": "class"}), lr.ScheduleError, "from_data: quantity.var: var: name must not be a Python keyword, got 'class'"),
    ("short run", lambda: from_data({"sum": [1, "+"]}), lr.ScheduleError, "from_data: quantity.sum must be a list [a, op, b, ...] of odd length >= 3, got a list of length 2"),
    ("wrong operator", lambda: from_data({"sum": [1, "*", {"var": "T"}]}), lr.ScheduleError, "from_data: quantity.sum[1] must be one of '+', '-', got '*'"),
    ("not a list", lambda: from_data({"min": {"var": "T"}}), lr.ScheduleError, "from_data: quantity.min must be a list, got {'var': 'T'}"),
    ("pow of one", lambda: from_data({"pow": [1]}), lr.ScheduleError, "from_data: quantity.pow must be a list [base, exponent], got a list of length 1"),
    ("min of one", lambda: from_data({"min": [{"var": "T"}]}), lr.ScheduleError, "from_data: quantity.min must be a list of at least 2 items, got a list of length 1"),
    ("numbers dividing by zero", lambda: from_data({"product": [1, "/", 0]}), lr.ScheduleError, "from_data: quantity.product: 1 / 0 divides by zero"),
    ("T dividing by zero", lambda: from_data({"sum": [{"var": "T"}, "+", {"product": [{"var": "T"}, "/", 0]}]}), lr.ScheduleError, "from_data: quantity.sum[2].product: T / 0 divides by zero"),
    ("not real", lambda: from_data({"pow": [-1, 0.5]}), lr.ScheduleError, "from_data: quantity.pow: (-1) ** 0.5 is not a real number"),
    ("nested too deeply", lambda: from_data(_nested_data(MAX_DEPTH + 5)), lr.ScheduleError, "from_data: quantity" + ".neg" * MAX_DEPTH + f" is nested more than {MAX_DEPTH} levels deep"),
    ("deeply nested list", lambda: from_data({"neg": _nested_list(100_000)}), lr.ScheduleError, "from_data: quantity.neg must be a number or a dict such as {'var': 'T'}, got a list nested too deeply to show"),
    ("to_data of a str", lambda: to_data("T"), TypeError, "to_data: x must be a number or a quantity, got str 'T'"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "make", "error", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_error(label: str, make: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        make()
    assert type(info.value) is error
    assert str(info.value) == message


@settings(max_examples=50)
@given(st.integers(1, 30))
def test_depth_up_to_the_limit_is_accepted(extra: int) -> None:
    q: Any = T
    for i in range(MAX_DEPTH - 1):
        q = q + extra if i % 2 else -q
    assert from_data(to_data(q)) == q
    assert eval(str(q), dict(QUANTITY_SCOPE)) == q
