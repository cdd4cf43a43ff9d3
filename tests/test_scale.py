"""Scale: every operation does work linear in the size of the expression.

These tests count work (calls of the functions that do it) for an expression of
size ``n`` and one of size ``2n``; linear work doubles, quadratic work would
quadruple, exponential work explodes. No test here looks at a clock: the times
are in ``benchmarks/`` (``python -m benchmarks --only SCALE``).
"""

from __future__ import annotations

import functools
import io
import json
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lrdsl as lr
from lrdsl import _node, cli, combinators, serialize, simplify, text
from lrdsl.primitives import Cosine, Span


class Counter:
    """Counts the calls of the functions it wraps."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.calls = 0

    def wrap(self, owner: Any, name: str) -> Counter:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        fn = original.fget if isinstance(original, property) else original

        @functools.wraps(fn)
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return fn(*args, **kwargs)

        self.monkeypatch.setattr(owner, name, property(counted) if isinstance(original, property) else counted)
        return self

    def during(self, action: Callable[[], Any]) -> int:
        self.calls = 0
        action()
        return self.calls


def doubles(work: Callable[[int], int], n: int) -> tuple[int, int]:
    """The work at ``n`` and at ``2n``, asserting it grows linearly (within 10%, plus a constant)."""
    small, large = work(n), work(2 * n)
    assert large <= 2.2 * small + 20, (small, large)
    return small, large


def pieces(n: int) -> list[lr.Schedule]:
    return [lr.linear(0, 1e-3 * (1 + k % 5), 10 + k % 7) for k in range(n)]


# -- building ---------------------------------------------------------------------------------


def test_a_chain_built_with_rshift_in_a_loop_checks_each_piece_once(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch).wrap(Span, "finite").wrap(_node.Schedule, "children")

    def work(n: int) -> int:
        ps = pieces(n)

        def build() -> None:
            s = ps[0]
            for p in ps[1:]:
                s = s >> p

        return counter.during(build)

    small, _ = doubles(work, 2000)
    assert small <= 6 * 2000  # a few checks per piece, none per piece already in the chain


def test_a_chain_built_from_the_right_checks_each_piece_once(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch).wrap(Span, "finite").wrap(_node.Schedule, "children")

    def work(n: int) -> int:
        ps = pieces(n)

        def build() -> None:
            s = ps[-1]
            for p in reversed(ps[:-1]):
                s = p >> s

        return counter.during(build)

    doubles(work, 2000)


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_a_sum_or_product_built_in_a_loop_checks_each_operand_once(monkeypatch: pytest.MonkeyPatch, op: str) -> None:
    counter = Counter(monkeypatch).wrap(combinators, "operand").wrap(_node.Schedule, "children")
    apply = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}[op]

    def work(n: int) -> int:
        ps = pieces(n)

        def build() -> None:
            s: Any = ps[0]
            for p in ps[1:]:
                s = apply(s, p)
                s = apply(s, 1.5)
            assert s._depth == 2

        return counter.during(build)

    doubles(work, 2000)


def test_sum_of_a_list_is_one_flat_node() -> None:
    s = sum(pieces(3000))
    assert isinstance(s, lr.Sum) and len(s.terms) == 3001 and s._depth == 2


# -- facts computed once per node ---------------------------------------------------------------


def nested_methods(depth: int) -> lr.Schedule:
    s: lr.Schedule = lr.constant(1)
    for k in range(depth - 1):
        s = [s.shift(1), s.repeat(7), s.per_epoch(2)][k % 3]
    return s


def test_printing_nested_methods_renders_each_node_once(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch).wrap(combinators._Method, "_render")
    s = nested_methods(90)
    assert counter.during(lambda: str(s)) == 89
    assert counter.during(lambda: str(s)) == 0  # kept on the node
    assert str(s).count(".shift(1)") == 30


def test_duration_of_shared_arithmetic_is_computed_once_per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch).wrap(combinators, "_pointwise_duration")
    s: lr.Schedule = lr.linear(0, 1, 10)
    for k in range(18):  # 2**18 paths through 19 nodes
        s = lr.minimum(s, s) if k % 2 else lr.maximum(s, s)
    assert counter.during(lambda: (s.duration, s.finite)) == 18
    assert s.duration == 10


def test_hash_and_equality_of_shared_expressions_visit_each_node_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def doubling(k: int) -> lr.Schedule:
        s: lr.Schedule = lr.linear(0, 1, 10)
        for _ in range(k):
            s = lr.minimum(s, s)
        return s

    hashes = Counter(monkeypatch).wrap(_node, "_hash_of")
    a, b = doubling(18), doubling(18)
    assert hashes.during(lambda: hash(a)) == 19
    assert hashes.during(lambda: hash(a)) == 0
    equal = Counter(monkeypatch).wrap(_node, "_field_equal")
    assert equal.during(lambda: a == b) <= 2 * 19 + 5  # each pair of nodes once


def test_depth_and_size_of_a_rebuilt_tree_are_filled_in_once_per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    jax = pytest.importorskip("jax")
    counter = Counter(monkeypatch).wrap(_node.Schedule, "children")

    def work(n: int) -> int:
        s = lr.chain(*pieces(n), boundaries=list(range(1, n))).shift(2)
        leaves, treedef = jax.tree_util.tree_flatten(s)
        back = jax.tree_util.tree_unflatten(treedef, leaves)
        assert "_depth" not in back.__dict__
        calls = counter.during(lambda: (back._depth, back._nodes))
        assert (back._depth, back._nodes) == (3, n + 2)
        return calls

    doubles(work, 1000)


# -- text, documents, simplification -------------------------------------------------------------


def test_parsing_a_long_chain_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch).wrap(text._Parser, "reduce").wrap(_node.Schedule, "children")

    def work(n: int) -> int:
        s = lr.chain(*pieces(n))
        source = str(s)
        return counter.during(lambda: lr.parse(source) == s or pytest.fail("not equal"))

    doubles(work, 2000)


def test_parsing_a_long_sum_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch).wrap(combinators, "operand").wrap(_node.Schedule, "children")

    def work(n: int) -> int:
        source = " + ".join(str(p) for p in pieces(n))
        return counter.during(lambda: lr.parse(source))

    doubles(work, 2000)


def test_the_352_byte_text_of_nested_shifts_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch).wrap(combinators._Method, "_render")
    source = "constant(1)" + ".shift(1)" * 38
    assert len(source) == 353
    s = lr.parse(source)
    assert counter.during(lambda: str(s)) == 38
    assert str(s) == source


def test_to_dict_and_from_dict_visit_each_node_once(monkeypatch: pytest.MonkeyPatch) -> None:
    written = Counter(monkeypatch).wrap(serialize, "_node")
    built = Counter(monkeypatch).wrap(serialize._Loader, "build")

    def work(n: int) -> int:
        s = lr.warmup(lr.chain(*pieces(n)), 5).clip(0, 1)
        doc = s.to_dict()
        assert lr.from_dict(doc) == s
        return written.during(lambda: s.to_dict()) + built.during(lambda: lr.from_dict(doc))

    assert doubles(work, 2000) == (2 * 2003, 2 * 4003)


def test_a_2kb_document_of_nested_arithmetic_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    node: dict[str, Any] = {"op": "linear", "start": 0, "end": 1, "steps": 10}
    for k in range(45):
        node = {"op": "minimum" if k % 2 else "maximum", "a": node, "b": 0.5}
    doc = {"lrdsl": 1, "schedule": node}
    assert len(json.dumps(doc)) < 2500
    counter = Counter(monkeypatch).wrap(combinators, "_pointwise_duration")
    s = lr.from_dict(doc)
    assert counter.during(lambda: (s.duration, str(s))) == 45


def test_simplify_visits_each_node_once_and_tables_are_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch).wrap(simplify, "_rule").wrap(simplify, "_rows")

    def work(n: int) -> int:
        s = lr.chain(*pieces(n)) * 2 + lr.chain(*pieces(n)).shift(3)
        return counter.during(lambda: simplify.simplify(s))

    doubles(work, 2000)


def test_simplify_of_a_shared_expression_simplifies_each_node_once(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch).wrap(simplify, "_rule")
    s: lr.Schedule = lr.linear(0, 1, 10) * 1
    for _ in range(18):
        s = lr.minimum(s, s)
    assert counter.during(lambda: simplify.simplify(s)) == 20  # 18 minimums, a product, a linear


# -- the command line -----------------------------------------------------------------------------


def _show(args: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert cli.main(["show", *args]) == 0
    return out.getvalue()


def test_show_of_ten_billion_steps_evaluates_a_bounded_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    evaluated = [0]
    original = Cosine._eval

    def counted(self: Cosine, t: Any, xp: Any) -> Any:
        evaluated[0] += int(np.size(t))
        return original(self, t, xp)

    monkeypatch.setattr(Cosine, "_eval", counted)
    shown = _show(["cosine(1, 0, 10**10)", "--width", "40", "--height", "6"], monkeypatch)
    assert evaluated[0] < 10 * cli.SAMPLES
    lines = shown.splitlines()
    assert lines[2] == "shown     steps 0 .. 9999999999 (sampled: 4,000 steps evenly spaced, and both sides of every boundary)"
    assert lines[4] == "peak      1  at t=0 (of the steps sampled)"
    assert lines[6].startswith("end       2.4674e-20  at t=9999999999")


def test_show_keeps_both_sides_of_a_boundary_beyond_the_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    s = "linear(0, 1, 7_777_777) >> linear(5, 5, 3) >> linear(1, 0, 10**9)"
    shown = _show([s], monkeypatch)
    assert "peak      5  at t=7777777 (of the steps sampled)" in shown.splitlines()


def test_show_of_a_duration_beyond_int64_prints_in_scientific_notation(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _show(["cosine(1, 0, 1e300)", "--width", "20", "--height", "4"], monkeypatch).splitlines()
    assert lines[2].startswith("shown     steps 0 .. 1e+300 (sampled")
    assert lines[-1].endswith("1e+300")


def test_show_of_a_short_schedule_evaluates_every_step(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _show(["cyclic(0.1, 1, 1000)", "--steps", "5000"], monkeypatch).splitlines()
    assert lines[2] == "shown     steps 0 .. 4999"
    assert lines[4] == "peak      1  at t=1000"
