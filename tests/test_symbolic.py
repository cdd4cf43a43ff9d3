"""Schedules holding quantities (issue 12 item 1): ``lr.T`` and ``lr.var(name)`` wherever
a number goes; text, documents, ``==`` and ``hash`` with them; evaluation refused until
``bind``; ``bind`` gives the schedule written by hand."""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrdsl as lr
from lrdsl import quantity
from lrdsl._node import Schedule
from lrdsl._ops import is_plain
from lrdsl.cli import main
from tests.strategies import schedules

T = lr.T
W = lr.round(0.05 * T)
UNBOUND = "the schedule has unbound quantities T; give them with .bind(T=...)"


def symbolic() -> lr.Schedule:
    return lr.warmup(lr.cosine(1e-3, 0, T - W), W)


# -- text, equality, hash ---------------------------------------------------------------


def test_a_symbolic_schedule_prints_its_quantities() -> None:
    assert str(symbolic()) == "warmup(cosine(0.001, 0, T - round(0.05 * T)), round(0.05 * T))"


def test_a_symbolic_schedule_parses_back() -> None:
    assert lr.parse(str(symbolic())) == symbolic()


def test_a_quantity_operand_keeps_its_parentheses() -> None:
    s = lr.constant(1.0) * (T - 1)
    assert str(s) == "constant(1.0) * (T - 1)"
    assert lr.parse(str(s)) == s


def test_the_text_reads_every_function_of_quantities() -> None:
    text = "linear(0, 1, max(T, 3) + min(2, T) + floor(T / 3) + ceil(var('n') * 2) + T // 7 % 5)"
    s = lr.parse(text)
    assert str(s) == text
    assert s.free == {"T", "n"}


def test_equal_symbolic_schedules_hash_alike() -> None:
    assert symbolic() == symbolic()
    assert hash(symbolic()) == hash(symbolic())
    assert lr.cosine(1, 0, T) != lr.cosine(1, 0, T + 1)


def test_free_lists_the_unbound_names() -> None:
    s = lr.linear(0, lr.var("peak"), T) >> lr.constant(1.0)
    assert s.free == {"T", "peak"}
    assert lr.cosine(1, 0, 10).free == frozenset()


def test_a_top_level_quantity_is_not_a_schedule() -> None:
    with pytest.raises(lr.ParseError) as info:
        lr.parse("T - 1")
    assert "expected a schedule, got the quantity T - 1" in str(info.value)


def test_floor_division_of_a_schedule_is_a_parse_error() -> None:
    with pytest.raises(lr.ParseError) as info:
        lr.parse("cosine(1, 0, 10) // 2")
    assert "'//' works on numbers and quantities, not on schedules" in str(info.value)


def test_round_of_a_schedule_in_text_names_the_rule() -> None:
    with pytest.raises(lr.ParseError) as info:
        lr.parse("linear(0, 1, round(cosine(1, 0, 10)))")
    assert "round: works on numbers and quantities, not on the schedule cosine(1, 0, 10)" in str(info.value)


# -- documents ---------------------------------------------------------------------------


def test_a_symbolic_document_is_version_2() -> None:
    d = symbolic().to_dict()
    assert d["lrdsl"] == 2
    assert d["schedule"]["steps"] == {"round": {"product": [0.05, "*", {"var": "T"}]}}
    assert lr.cosine(1, 0, 10).to_dict()["lrdsl"] == 1


def test_a_symbolic_document_loads_back() -> None:
    assert lr.from_dict(symbolic().to_dict()) == symbolic()


def test_a_broken_quantity_in_a_document_says_where() -> None:
    d = symbolic().to_dict()
    d["schedule"]["steps"] = {"round": {"var": "1x"}}
    with pytest.raises(lr.ScheduleError) as info:
        lr.from_dict(d)
    assert str(info.value).startswith(
        "from_dict: schedule.steps is neither a node ({'op': ...}) nor a quantity ({'var': 'T'}, ...):"
    )


# -- bind ------------------------------------------------------------------------------


def test_bind_gives_the_schedule_written_by_hand() -> None:
    assert symbolic().bind(T=100_000) == lr.warmup(lr.cosine(1e-3, 0, 95_000), 5_000)


def test_bind_ignores_names_the_schedule_does_not_hold() -> None:
    assert symbolic().bind(T=1000, steps_per_epoch=3) == lr.warmup(lr.cosine(1e-3, 0, 950), 50)


def test_bind_of_some_names_leaves_the_others() -> None:
    s = lr.linear(0, lr.var("peak"), T).bind(T=10)
    assert s == lr.linear(0, lr.var("peak"), 10)
    assert s.free == {"peak"}


def test_bind_of_a_concrete_schedule_is_itself() -> None:
    s = lr.cosine(1, 0, 10)
    assert s.bind(T=5) is s


def test_bind_shares_what_holds_no_bound_name() -> None:
    tail = lr.cosine(1, 0, 10)
    s = lr.linear(0, 1, T) >> tail
    assert s.bind(T=5).pieces[1] is tail


def test_bind_runs_the_constructors_checks_and_says_where() -> None:
    s = lr.constant(1.0) * (lr.linear(0, 1, 10) >> lr.cosine(1, 0, T - 100))
    with pytest.raises(lr.ScheduleError) as info:
        s.bind(T=97)
    assert str(info.value) == "bind: product.factors[1].pieces[1] (cosine): cosine: steps must be >= 0, got -3"


def test_bind_names_the_piece_of_a_chain() -> None:
    s = lr.linear(0, 1, 10) >> lr.cosine(1, 0, T - 100)
    with pytest.raises(lr.ScheduleError) as info:
        s.bind(T=97)
    assert str(info.value) == "bind: chain.pieces[1] (cosine): cosine: steps must be >= 0, got -3"


def test_bind_refuses_a_negative_run_length() -> None:
    with pytest.raises(lr.ScheduleError) as info:
        symbolic().bind(T=-1)
    assert str(info.value) == "bind: T must be >= 0 (the run's length in steps), got -1"


def test_order_of_boundaries_is_checked_at_bind() -> None:
    s = lr.piecewise([T, 10], [1.0, 0.5, 0.1])
    with pytest.raises(lr.ScheduleError) as info:
        s.bind(T=20)
    assert str(info.value) == "bind: piecewise: boundaries must be non-decreasing, got [20, 10]"


def test_boundaries_out_of_order_whatever_the_quantity_fail_at_once() -> None:
    with pytest.raises(lr.ScheduleError) as info:
        lr.piecewise([10, T, 5], [1.0, 0.5, 0.1, 0.01])
    assert str(info.value) == "piecewise: boundaries must be non-decreasing, got [10, T, 5]"


def test_a_quantity_factor_of_a_schedule() -> None:
    s = T * lr.linear(0, 1, 10)
    assert str(s) == "T * linear(0, 1, 10)"
    assert s.bind(T=2)(5) == 1.0


def test_the_duration_of_a_symbolic_chain_is_a_flat_sum() -> None:
    s = lr.linear(0, 1, T) >> lr.cosine(1, 0, 2 * T) >> lr.linear(0, 1, 10)
    assert str(s.duration) == "T + 2 * T + 10"
    assert quantity.bind(s.duration, T=7) == s.bind(T=7).duration == 31


def test_a_symbolic_chain_that_never_ends_has_infinite_duration() -> None:
    s = lr.linear(0, 1, T) >> lr.constant(1.0)
    assert s.duration == math.inf
    assert not s.finite


# -- evaluation refused ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "call", "entry"),
    [
        ("int", lambda s: s(3), "s(t)"),
        ("float", lambda s: s(3.5), "s(t)"),
        ("numpy", lambda s: s(np.arange(3)), "s(t)"),
        ("values", lambda s: s.values(3), "values"),
        ("compile python", lambda s: s.compile("python"), "compile"),
        ("compile numpy", lambda s: s.compile("numpy"), "compile"),
        ("compile jax", lambda s: s.compile("jax"), "compile"),
    ],
)
def test_evaluation_of_an_unbound_schedule_is_refused(label: str, call: Any, entry: str) -> None:
    with pytest.raises(lr.ScheduleError) as info:
        call(symbolic())
    assert str(info.value) == f"{entry}: {UNBOUND}"


def test_evaluation_on_jax_is_refused() -> None:
    import jax.numpy as jnp

    with pytest.raises(lr.ScheduleError) as info:
        symbolic()(jnp.arange(3))
    assert str(info.value) == f"s(t): {UNBOUND}"


def test_an_unbound_schedule_is_not_a_pytree() -> None:
    import jax

    with pytest.raises(lr.ScheduleError) as info:
        jax.tree_util.tree_leaves(symbolic())
    assert str(info.value) == "a schedule with unbound quantities (T) is not a JAX pytree; .bind(T=...) it first"


def test_the_message_lists_T_first_then_the_others_sorted() -> None:
    s = lr.linear(0, lr.var("peak"), lr.var("b") * T)
    with pytest.raises(lr.ScheduleError) as info:
        s(0)
    assert str(info.value) == (
        "s(t): the schedule has unbound quantities T, b, peak; give them with .bind(T=..., b=..., peak=...)"
    )


def test_simplify_refuses_an_unbound_schedule() -> None:
    from lrdsl.compile import simplify

    with pytest.raises(lr.ScheduleError) as info:
        simplify(symbolic())
    assert str(info.value) == f"simplify: {UNBOUND}"


def test_a_bound_schedule_evaluates_on_every_backend() -> None:
    s = symbolic().bind(T=1000)
    hand = lr.warmup(lr.cosine(1e-3, 0, 950), 50)
    ts = np.arange(1000)
    np.testing.assert_array_equal(s(ts), hand(ts))
    assert s(25) == hand(25)


# -- the command line --------------------------------------------------------------------


def test_cli_binds_quantities(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["values", "linear(0, 1, T)", "--bind", "T=4"]) == 0
    assert capsys.readouterr().out == "step,value\n0,0.0\n1,0.25\n2,0.5\n3,0.75\n"


def test_cli_names_what_is_unbound(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "linear(0, 1, T * var('k'))", "--bind", "k=2"]) == 2
    assert capsys.readouterr().err == (
        "lrdsl: error: the schedule has unbound quantities T; give them with --bind T=...\n"
    )


def test_cli_bind_takes_numbers_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["values", "linear(0, 1, T)", "--bind", "T=__import__('os')"])
    assert "argument --bind: T: the value must be a number, such as 100000 or 0.5" in capsys.readouterr().err


# -- properties over random trees ----------------------------------------------------------

NAMES = [lr.T, lr.var("a"), lr.var("b")]
ONES = {"T": 1, "a": 1, "b": 1}


def abstract(s: Schedule, rnd: random.Random) -> Schedule:
    """``s`` with every number ``x`` written ``q * x`` for a random quantity ``q`` (bound
    to 1 by :data:`ONES`, which gives ``x`` back exactly, type and sign included), each
    node rebuilt by its constructor."""
    done: dict[int, Schedule] = {}
    stack = [s]
    while stack:
        node = stack[-1]
        if id(node) in done:
            stack.pop()
            continue
        pending = [c for c in node.children() if id(c) not in done]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()

        def one(x: Any) -> Any:
            if isinstance(x, Schedule):
                return done[id(x)]
            return rnd.choice(NAMES) * x if is_plain(x) else x

        cls = type(node)
        fields = {}
        for f in dataclasses.fields(node):  # type: ignore[arg-type]
            v = getattr(node, f.name)
            fields[cls._renamed.get(f.name, f.name)] = tuple(map(one, v)) if isinstance(v, tuple) else one(v)
        done[id(node)] = cls(**fields)
    return done[id(s)]


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(schedules(), st.randoms(use_true_random=False))
def test_property_symbolic_text_parses_back(s: Schedule, rnd: random.Random) -> None:
    q = abstract(s, rnd)
    assert lr.parse(str(q)) == q


@PROPERTY
@given(schedules(), st.randoms(use_true_random=False))
def test_property_bound_equals_hand_written(s: Schedule, rnd: random.Random) -> None:
    q = abstract(s, rnd)
    assert q.bind(**ONES) == s


@PROPERTY
@given(schedules(), st.randoms(use_true_random=False))
def test_property_bind_commutes_with_documents(s: Schedule, rnd: random.Random) -> None:
    q = abstract(s, rnd)
    back = lr.from_dict(q.to_dict())
    assert back == q
    assert back.bind(**ONES) == q.bind(**ONES)


@PROPERTY
@given(schedules(), st.randoms(use_true_random=False))
def test_property_bound_duration_is_the_duration_bound(s: Schedule, rnd: random.Random) -> None:
    q = abstract(s, rnd)
    d = quantity.bind(q.duration, **ONES)
    assert d == s.duration
    assert type(d) is type(s.duration)
