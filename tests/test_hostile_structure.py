"""Hostile structure: expressions as deep as the limit, one level deeper, texts and
documents that are malformed or tampered with.

Every operation works on an expression exactly :data:`~lrdsl._node.MAX_DEPTH`
levels deep even with 200 frames already on the caller's stack (a training
loop, a framework, a test runner); one level deeper is refused when it is
built, with a :class:`~lrdsl.ScheduleError` (a :class:`~lrdsl.ParseError`
with a position for text) that names the limit.
"""

from __future__ import annotations

import copy
import json
import math
import pickle
import string
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrdsl as lr
from lrdsl._node import MAX_DEPTH, MAX_NODES
from lrdsl.serialize import MAX_ITEMS
from lrdsl.simplify import Table, simplify

from .strategies import LAMBDAS, schedules

CALLER_FRAMES = 200


def with_frames(n: int, fn: Callable[[], Any]) -> Any:
    """``fn()`` called ``n`` frames deeper than here."""
    if n == 0:
        return fn()
    return with_frames(n - 1, fn)


def _nest(kind: str) -> Callable[[lr.Schedule, int], lr.Schedule]:
    """One more level of ``kind`` around ``s`` (``i`` counts the levels)."""
    return {
        "warmup": lambda s, i: lr.warmup(s, 2, start=0.0, shift=bool(i % 2)),
        "chain with boundaries": lambda s, i: lr.chain(lr.linear(0.5, 1.0, 4), s, boundaries=[3]),
        "shift": lambda s, i: s.shift(1),
        "per_epoch": lambda s, i: s.per_epoch(1, staircase=bool(i % 2)),
        "repeat": lambda s, i: s.repeat(1000 + i),
        "clip": lambda s, i: s.clip(0, 10),
        "minimum": lambda s, i: lr.minimum(s, 2.0 + i) if i % 2 else lr.maximum(0.0, s),
        "negation": lambda s, i: -s,
        "difference": lambda s, i: 1.0 - s,
        "quotient": lambda s, i: 1.0 / s if i % 2 else s / 1.25,
        "power": lambda s, i: s**1.0 if i % 2 else 1.0**s,
        "mixed": lambda s, i: [
            lambda: lr.warmup(s, 2),
            lambda: lr.chain(lr.linear(0.5, 1.0, 4), s),
            lambda: lr.minimum(s, 2.0),
            lambda: 2.5 - s,
            lambda: s.shift(1),
            lambda: 0.5 * s,
        ][i % 6](),
    }[kind]


KINDS = [
    "warmup",
    "chain with boundaries",
    "shift",
    "per_epoch",
    "repeat",
    "clip",
    "minimum",
    "negation",
    "difference",
    "quotient",
    "power",
    "mixed",
]


def deep(kind: str, depth: int = MAX_DEPTH) -> lr.Schedule:
    """An expression of ``kind`` exactly ``depth`` levels deep (built level by level:
    each step adds one level, or none when it extends a flat sum or product)."""
    s: lr.Schedule = lr.cosine(1.0, 0.1, 10)
    nest = _nest(kind)
    i = 0
    while s._depth < depth:
        s = nest(s, i)
        i += 1
    assert s._depth == depth
    return s


@pytest.fixture(scope="module", params=KINDS)
def at_limit(request: pytest.FixtureRequest) -> lr.Schedule:
    return deep(request.param)


T = np.array([0, 1, 5, 17, 250, 4000])


def _same(a: lr.Schedule, b: lr.Schedule) -> None:
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(a(T), b(T))


def _python(s: lr.Schedule) -> None:
    from lrdsl._node import eval_python

    got = [eval_python(s, int(t)) for t in T]
    np.testing.assert_allclose(got, s(T), rtol=1e-12)


def _generated(s: lr.Schedule) -> None:
    fn = s.compile("python")
    np.testing.assert_allclose([fn(int(t)) for t in T], s(T), rtol=1e-12)


def _jax(s: lr.Schedule) -> None:
    jnp = pytest.importorskip("jax.numpy")
    np.testing.assert_allclose(np.asarray(s(jnp.asarray(T))), s(T), rtol=2e-5, atol=1e-6)


def _jit(s: lr.Schedule) -> None:
    jax = pytest.importorskip("jax")
    got = jax.jit(s.compile("jax"))(jax.numpy.asarray(T))
    np.testing.assert_allclose(np.asarray(got), s(T), rtol=2e-5, atol=1e-6)


def _jit_argument(s: lr.Schedule) -> None:
    """The schedule as an argument of a jitted function: flattened, unflattened and traced."""
    jax = pytest.importorskip("jax")
    got = jax.jit(lambda sched, t: sched(t))(s, jax.numpy.asarray(T))
    np.testing.assert_allclose(np.asarray(got), s(T), rtol=2e-5, atol=1e-6)


def _tree(s: lr.Schedule) -> None:
    jax = pytest.importorskip("jax")
    leaves, treedef = jax.tree_util.tree_flatten(s)
    back = jax.tree_util.tree_unflatten(treedef, leaves)
    _same(back, s)


def _text(s: lr.Schedule) -> None:
    assert lr.parse(str(s)) == s
    assert repr(s) == str(s)


def _equality(s: lr.Schedule) -> None:
    other = lr.from_dict(s.to_dict())  # built separately: nothing shared
    assert other == s and hash(other) == hash(s)
    assert other != lr.constant(1) and other != lr.from_dict(s.to_dict()).children()[0]


def _document(s: lr.Schedule) -> None:
    back = lr.from_dict(json.loads(json.dumps(s.to_dict())))
    assert back == s


def _pickle(s: lr.Schedule) -> None:
    assert pickle.loads(pickle.dumps(s)) == s


def _copies(s: lr.Schedule) -> None:
    assert copy.deepcopy(s) == s and copy.copy(s) == s


def _simplified(s: lr.Schedule) -> None:
    for tables in (True, False):
        np.testing.assert_allclose(simplify(s, tables)(T), s(T), rtol=1e-12)


def _scheduler(s: lr.Schedule) -> None:
    torch = pytest.importorskip("torch")
    from lrdsl.torch import Scheduler

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = Scheduler(opt, s)
    for _ in range(5):
        opt.step()
        sched.step()
    state = sched.state_dict()
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    again = Scheduler.from_state_dict(opt2, state)
    assert again.get_last_lr() == sched.get_last_lr() == [s(5)]


OPERATIONS: dict[str, Callable[[lr.Schedule], None]] = {
    "python": _python,
    "generated code": _generated,
    "jax": _jax,
    "jax.jit": _jit,
    "jit argument": _jit_argument,
    "flatten/unflatten": _tree,
    "parse(str(s))": _text,
    "== and hash": _equality,
    "to_dict/from_dict": _document,
    "pickle": _pickle,
    "copies": _copies,
    "simplify": _simplified,
    "Scheduler state_dict": _scheduler,
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_works_at_the_depth_limit_with_200_frames_in_use(
    at_limit: lr.Schedule, operation: str
) -> None:
    """(Measured: they still work with about 600 frames in use; the generated scalar code
    falls back to the tree walk where Python cannot compile it, as for 100 nested
    chains with boundaries, whose ``if``s nest beyond Python's indentation limit.)"""
    # The facts kept on nodes are fresh on a rebuilt copy (as after pickle or JAX).
    s = pickle.loads(pickle.dumps(at_limit))
    with_frames(CALLER_FRAMES, lambda: OPERATIONS[operation](s))


@pytest.mark.parametrize("kind", KINDS)
def test_one_level_beyond_the_limit_is_refused_when_built(kind: str) -> None:
    s = deep(kind, MAX_DEPTH - 1)
    nest = _nest(kind)
    with pytest.raises(lr.ScheduleError) as info:
        for i in range(8):  # a level that nests (some kinds add a flat operand first)
            s = nest(s, MAX_DEPTH + i)
    assert "levels deep (the limit is 100 levels)" in str(info.value)
    assert s._depth == MAX_DEPTH


def test_the_limit_names_the_constructor_and_the_depth() -> None:
    s = deep("warmup", MAX_DEPTH)
    with pytest.raises(lr.ScheduleError) as info:
        lr.warmup(s, 5)
    assert str(info.value) == "warmup: the expression would be 101 levels deep (the limit is 100 levels)"
    with pytest.raises(lr.ScheduleError) as info:
        _ = 1 - s
    assert str(info.value) == "-: the expression would be 101 levels deep (the limit is 100 levels)"
    with pytest.raises(lr.ScheduleError) as info:
        _ = s >> lr.constant(1)
    assert str(info.value) == "chain: the expression would be 101 levels deep (the limit is 100 levels)"


def test_text_one_level_beyond_the_limit_is_a_parse_error_at_the_call() -> None:
    text = "warmup(" * MAX_DEPTH + "constant(1)" + ", 1)" * MAX_DEPTH
    with pytest.raises(lr.ParseError) as info:
        lr.parse(text)
    e = info.value
    assert e.message == "warmup: the expression would be 101 levels deep (the limit is 100 levels)"
    assert (e.line, e.column) == (1, 1)
    assert lr.parse(text[len("warmup(") : -len(", 1)")])._depth == MAX_DEPTH


def test_a_method_chain_in_text_counts_every_level() -> None:
    ok = "constant(1)" + ".clip(0)" * (MAX_DEPTH - 1)
    assert lr.parse(ok)._depth == MAX_DEPTH
    with pytest.raises(lr.ParseError) as info:
        lr.parse(ok + ".clip(0)")
    assert info.value.message == "clip: the expression would be 101 levels deep (the limit is 100 levels)"
    assert info.value.column == 1


def test_600_chained_clips_in_text_are_a_parse_error_not_a_recursion_error() -> None:
    with pytest.raises(lr.ParseError, match="the limit is 100 levels"):
        lr.parse("constant(1)" + ".clip(0)" * 600)


def test_a_document_one_level_beyond_the_limit_is_refused() -> None:
    doc = deep("shift", MAX_DEPTH).to_dict()
    doc["schedule"] = {"op": "shift", "schedule": doc["schedule"], "n": 1}
    with pytest.raises(lr.ScheduleError) as info:
        lr.from_dict(doc)
    assert "is nested more than 100 levels deep (the limit)" in str(info.value)


def test_a_deep_expression_from_a_rebuilt_tree_knows_its_depth_without_recursion() -> None:
    jax = pytest.importorskip("jax")
    s = deep("mixed")
    leaves, treedef = jax.tree_util.tree_flatten(s)
    back = jax.tree_util.tree_unflatten(treedef, leaves)
    assert "_depth" not in back.__dict__
    assert with_frames(CALLER_FRAMES, lambda: back._depth) == MAX_DEPTH


# -- flat: sums, products and chains of any length are one level ----------------------


def test_sum_of_250_schedules_works() -> None:
    parts = [lr.linear(0, 1e-3 * (k + 1), 10 + k) for k in range(250)]
    s = sum(parts)
    assert isinstance(s, lr.Sum) and s._depth == 2
    assert s(5) == pytest.approx(sum(p(5) for p in parts), rel=1e-12)
    assert lr.parse(str(s)) == s and lr.from_dict(s.to_dict()) == s


def test_a_product_of_thousands_of_factors_built_in_a_loop_works() -> None:
    s: lr.Schedule = lr.constant(1.0)
    for _ in range(5000):
        s = s * 0.999
    assert isinstance(s, lr.Product) and s._depth == 2
    assert s(0) == pytest.approx(0.999**5000, rel=1e-9)
    assert lr.parse(str(s)) == s


def test_a_reflected_product_built_in_a_loop_stays_flat_and_exact() -> None:
    s: lr.Schedule = lr.linear(0, 1, 10)
    expected = s(5)
    for _ in range(3000):
        s = 0.999 * s
        expected = 0.999 * expected
    assert s._depth == 2
    assert s(5) == expected  # multiplication commutes exactly: x * P is P * x, bit for bit


def test_a_sum_prints_as_written_and_reads_back_equal() -> None:
    a, b, c = lr.constant(1), lr.linear(0, 1, 10), lr.cosine(1, 0, 10)
    for s, text in [
        (a + b + c, "constant(1) + linear(0, 1, 10) + cosine(1, 0, 10)"),
        (a - b + c, "constant(1) - linear(0, 1, 10) + cosine(1, 0, 10)"),
        (a - (b + c), "constant(1) - (linear(0, 1, 10) + cosine(1, 0, 10))"),
        (a * b / c * 2, "constant(1) * linear(0, 1, 10) / cosine(1, 0, 10) * 2"),
        (a / (b * c), "constant(1) / (linear(0, 1, 10) * cosine(1, 0, 10))"),
        ((a + b) * c, "(constant(1) + linear(0, 1, 10)) * cosine(1, 0, 10)"),
    ]:
        assert str(s) == text
        assert lr.parse(text) == s
        assert lr.from_dict(s.to_dict()) == s


def test_a_sum_evaluates_left_to_right_as_python_does() -> None:
    a, b, c = lr.constant(0.1), lr.constant(0.2), lr.constant(0.3)
    assert (a + b + c)(0) == (0.1 + 0.2) + 0.3
    assert (a - b - c)(0) == (0.1 - 0.2) - 0.3
    assert (a - (b - c))(0) == 0.1 - (0.2 - 0.3)
    assert (a / b / c)(0) == (0.1 / 0.2) / 0.3


def test_binop_of_an_arithmetic_operator_is_the_operator() -> None:
    a = lr.linear(0, 1, 10)
    assert lr.BinOp("+", a, 1) == a + 1
    assert lr.BinOp("/", 2, a) == 2 / a
    assert isinstance(lr.BinOp("**", a, 2), lr.BinOp)


def test_an_old_binop_document_loads_as_the_same_arithmetic() -> None:
    a = {"op": "linear", "start": 0, "end": 1, "steps": 10}
    inner = {"op": "binop", "operator": "+", "a": a, "b": 2}
    doc = {"lrdsl": 1, "schedule": {"op": "binop", "operator": "*", "a": inner, "b": 3}}
    assert lr.from_dict(doc) == (lr.linear(0, 1, 10) + 2) * 3
    doc["schedule"] = {"op": "binop", "operator": "-", "a": inner, "b": inner}
    s = lr.linear(0, 1, 10) + 2
    assert lr.from_dict(doc) == s - s


def test_a_flat_chain_of_10000_pieces_reads_back_equal() -> None:
    s = lr.chain(*[lr.linear(0, 1e-3, 5 + k % 7) for k in range(10_000)])
    text = str(s)
    assert lr.parse(text) == s


# -- expressions that reuse themselves ---------------------------------------------------


def test_an_expression_that_doubles_itself_is_refused_before_it_is_huge() -> None:
    s: lr.Schedule = lr.linear(0, 1, 10)
    with pytest.raises(lr.ScheduleError) as info:
        for _ in range(40):
            s = lr.minimum(s, s)
    assert "nodes, a part used twice counted twice (the limit is 1,000,000)" in str(info.value)
    assert s._nodes <= MAX_NODES


def test_shared_subexpressions_cost_once_per_node_not_per_path() -> None:
    s: lr.Schedule = lr.linear(0, 1, 10)
    for _ in range(18):  # 2**18 paths, 19 distinct nodes
        s = lr.minimum(s, s)
    other: lr.Schedule = lr.linear(0, 1, 10)
    for _ in range(18):
        other = lr.minimum(other, other)
    assert s == other and hash(s) == hash(other)  # each pair compared once
    assert s.duration == 10 and s.finite


# -- hostile texts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("\ud800", "invalid character '\\ud800' (U+D800)", 1),
        ("constant(1)\ud800", "invalid character '\\ud800' (U+D800)", 12),
        ("constant(\x00)", "text contains a NUL byte", 10),
        ("constant(1)\x0b", "invalid character '\\x0b' (U+000B)", 12),
        ("constant(\u00a01)", "invalid character '\\xa0' (U+00A0)", 10),
        ("constant(1e999)", "number out of range: it is not a finite float", 10),
        ("constant(10**400)", "10 ** 400 is too large: it does not fit a float", 10),
        ("constant(9**9**9)", "9 ** 387420489 is too large: it does not fit a float", 10),
        ("constant(2.0**1024)", "2.0 ** 1024 overflows", 10),
        ("constant(1e308 * 10)", "result out of range: it is not a finite float", 10),
        ("constant(" + "9" * 400 + ")", "number too large: it does not fit a float", 10),
        ("constant(1j)", "imaginary numbers are not part of the language", 10),
        ("constant(1_)", "invalid number '1_'", 10),
        ("constant(007)", "invalid number '007' (leading zeros are not allowed)", 10),
        ("constant('''1''')", "triple-quoted strings are not part of the language", 10),
        ("constant(b'1')", "byte strings are not part of the language", 10),
        ("constant('1", "unterminated string", 10),
        ("cosine(1, 0, 10, exponent=1, exponent=2)", "cosine: keyword argument 'exponent' repeated", 30),
        ("cosine(1, 0, steps=10, 2)", "a positional argument cannot follow a keyword argument", 24),
        ("cosine(1, 0, 10) >> ", "unexpected end of text", 20),
        ("piecewise([[1]], [1, 2])", "a list inside a list is not part of the language", 12),
        ("constant(1)\\\n.shift(1)", "'\\' is not part of the language (a text may span lines without it)", 12),
        ("[" * 300 + "]" * 300, "text nested too deeply (more than 200 brackets)", 201),
        ("x" * 10_000 + "(1)", "unknown schedule '" + "x" * 37 + "...' (10,000 characters)", 1),
        ("constant(1) # \ud800 in a comment is fine\n>> 1", "'>>' puts one schedule after another, got the number 1", 4),
    ],
    ids=lambda v: repr(v)[:30] if isinstance(v, str) else str(v),
)
def test_a_hostile_text_is_a_parse_error_with_a_position(text: str, message: str, column: int) -> None:
    with pytest.raises(lr.ParseError) as info:
        lr.parse(text)
    e = info.value
    assert e.message.startswith(message)
    assert e.column == column
    str(e).encode("utf-8")  # printable: a lone surrogate is shown as '?'


def test_tabs_crs_and_a_bom_are_whitespace() -> None:
    assert lr.parse("\ufeff\tconstant(1)\r\n\t.shift(2)\r") == lr.constant(1).shift(2)


def test_a_line_of_100000_characters_is_read() -> None:
    s = lr.chain(*[lr.linear(0.5, 1, 2).shift(k % 3) for k in range(20)], lr.linear(0, 1, 3))
    text = str(s)
    padded = text.replace(" >> ", " " * 5000 + ">>" + " " * 5000)
    assert len(padded) > 100_000
    assert lr.parse(padded) == s


def test_parentheses_deep_but_within_the_bracket_limit_are_read() -> None:
    assert lr.parse("(" * 150 + "constant(1)" + ")" * 150) == lr.constant(1)


def test_bytes_are_utf8() -> None:
    assert lr.parse("constant(1) # é".encode()) == lr.constant(1)
    with pytest.raises(lr.ParseError, match="not valid UTF-8: byte 0xed at offset 0"):
        lr.parse(b"\xed\xa0\x80")  # a surrogate, encoded


def test_a_text_may_only_call_the_language() -> None:
    for name in ("table", "sum", "product", "binop", "neg", "Linear", "BinOp", "Table", "shift"):
        with pytest.raises(lr.ParseError) as info:
            lr.parse(f"{name}(1, 2)")
        assert info.value.message.startswith(f"unknown schedule {name!r}"), name


def test_the_public_families_are_callable_in_text() -> None:
    assert lr.parse("onecycle(0.1, 1000)") == lr.onecycle(0.1, 1000)
    assert lr.parse("wsd(1.0, 10, 80, 10)") == lr.wsd(1.0, 10, 80, 10)


# -- hostile documents ---------------------------------------------------------------------


def _doc(node: Any) -> dict[str, Any]:
    return {"lrdsl": 1, "schedule": node}


TABLE = {
    "op": "table",
    "offsets": [0],
    "steps": [1],
    "first": [-1.0],
    "last": [-1.0],
    "total": 1,
    "kinds": [0],
}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_doc(TABLE), "schedule.op 'table' is not a schedule (known: "),
        (_doc({"op": "Linear", "start": 0, "end": 1, "steps": 10}), "schedule.op 'Linear' is not a schedule"),
        (_doc({"op": "onecycle", "peak": 1, "total_steps": 10}), "schedule.op 'onecycle' is not a schedule"),
        (
            _doc({"op": "linear", "start": 0, "end": 1, "steps": 10, "_scalar_fn": "x"}),
            "schedule (linear) has unknown fields ['_scalar_fn']",
        ),
        (
            _doc({"op": "linear", "start": 0, "end": 1, "steps": 10, "_depth": 1}),
            "schedule (linear) has unknown fields ['_depth']",
        ),
        (
            _doc({"op": "warmup", "schedule": {"op": "constant", "value": 1}, "steps": 5, "shift": True}),
            "schedule (warmup) has unknown fields ['shift']",
        ),
        (
            _doc({"op": "piecewise", "boundaries": [1], "values": [1, 2]}),
            "schedule (piecewise) has unknown fields ['values']",
        ),
        (_doc({"op": "piecewise", "boundaries": [2, 1], "levels": [1, 2, 3]}), "piecewise: boundaries must be non-decreasing, got [2, 1]"),
        (_doc({"op": "piecewise", "boundaries": [1], "levels": [1, float("nan")]}), "values[1] must be a finite number"),
        (_doc({"op": "cosine", "start": 1, "end": 0, "steps": 10, "periodic": 1}), "periodic must be True or False, got int 1"),
        (_doc({"op": "cosine", "start": True, "end": 0, "steps": 10}), "start must be a number, got the bool True"),
        (_doc({"op": "interpolate", "times": [0], "levels": [1], "kind": ["linear"]}), "kind must be one of"),
        (_doc({"op": "lambda_", "name": "strategies_halve", "fn": "print"}), "has unknown fields ['fn']"),
        (_doc({"op": "lambda_", "name": ["strategies_halve"]}), "name must be a registered name, got ['strategies_halve']"),
        (_doc({"op": "lambda_", "name": "__import__"}), "no function is registered as '__import__'"),
        (
            _doc({"op": "sum", "terms": [{"op": "constant", "value": 1}, 2], "ops": ["*"]}),
            "sum: ops[0] must be one of '+', '-', got '*'",
        ),
        (_doc({"op": "sum", "terms": [1, 2], "ops": ["+"]}), "sum: terms must be operands of which at least one is a schedule"),
        (
            _doc({"op": "product", "factors": [{"op": "constant", "value": 1}, 0], "ops": ["/"]}),
            "/: divisor must be non-zero, got 0",
        ),
        (
            _doc({"op": "sum", "terms": [{"op": "constant", "value": 1}], "ops": []}),
            "sum: terms must be a list of at least two operands",
        ),
        (_doc({"op": "binop", "operator": "//", "a": {"op": "constant", "value": 1}, "b": 2}), "operator must be one of"),
        (_doc({"op": "binop", "operator": "**", "a": 0, "b": 2}), "**: operands must be a schedule on at least one side"),
        (_doc({"op": "chain", "pieces": []}), "chain: pieces must be at least one schedule"),
        (_doc({"op": "chain", "pieces": [[{"op": "constant", "value": 1}]]}), "must be a list of numbers or of nodes, not of lists"),
        (_doc({"op": "constant", "value": 10**400}), "value must be a finite number"),
        (_doc({"op": "constant", "value": np.float64(1.0)}), "schedule.value must be a number, a string, a list or a node"),
        ({"lrdsl": 1, "schedule": {"op": "constant", "value": 1}, "extra": 1}, "the document has unknown keys ['extra']"),
        (_doc({"op": "constant", "value": 1, 3: 4}), "has unknown fields [3]"),
    ],
    ids=lambda v: json.dumps(v, default=str)[:60] if isinstance(v, dict) else str(v)[:40],
)
def test_a_tampered_document_is_a_clear_error(doc: Any, message: str) -> None:
    with pytest.raises(lr.ScheduleError) as info:
        lr.from_dict(doc)
    assert message in str(info.value), str(info.value)
    assert str(info.value).startswith("from_dict:")


def test_renamed_fields_go_through_the_constructor() -> None:
    """Warmup keeps ``shift`` in ``shifted`` and piecewise ``values`` in ``levels``:
    their constructors normalise them, so a document runs those rules too."""
    doc = _doc({"op": "warmup", "schedule": {"op": "constant", "value": 1}, "steps": 5, "shifted": False})
    assert lr.from_dict(doc) == lr.warmup(lr.constant(1), 5, shift=False)
    doc = _doc({"op": "piecewise", "boundaries": [1, 2], "levels": [3, 2, 1]})
    assert lr.from_dict(doc) == lr.piecewise([1, 2], [3, 2, 1])


def test_a_document_that_shares_one_node_everywhere_is_refused_by_size() -> None:
    node: dict[str, Any] = {"op": "constant", "value": 1}
    for _ in range(40):  # a small Python object, 2**40 nodes as a tree
        node = {"op": "minimum", "a": node, "b": node}
    with pytest.raises(lr.ScheduleError, match="nodes \\(the limit\\)"):
        lr.from_dict(_doc(node))


def test_a_document_that_shares_one_long_list_everywhere_is_refused_by_size() -> None:
    levels = [1.0] * 200_000
    node = {"op": "piecewise", "boundaries": list(range(len(levels) - 1)), "levels": levels}
    pieces = [node] * 60
    with pytest.raises(lr.ScheduleError, match="entries \\(the limit\\)"):
        lr.from_dict(_doc({"op": "chain", "pieces": pieces, "boundaries": list(range(1, 60))}))
    assert MAX_ITEMS == 10_000_000


def test_a_document_inside_itself_is_an_error() -> None:
    node: dict[str, Any] = {"op": "shift", "n": 1}
    node["schedule"] = node
    with pytest.raises(lr.ScheduleError, match="nested more than 100 levels deep"):
        lr.from_dict(_doc(node))
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(lr.ScheduleError, match="not of lists"):
        lr.from_dict(_doc({"op": "multistep", "start": 1, "milestones": loop}))


def test_to_dict_refuses_a_node_outside_the_language() -> None:
    t = simplify(lr.chain(*[lr.linear(0, 1, 10)] * 8))
    assert isinstance(t, Table)
    with pytest.raises(lr.ScheduleError, match="to_dict: Table is not part of the public language"):
        t.to_dict()


def test_a_checkpoint_with_a_table_node_is_refused() -> None:
    torch = pytest.importorskip("torch")
    from lrdsl.torch import Scheduler

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    state = Scheduler(opt, lr.constant(1.0)).state_dict()
    state["schedules"]["lr"] = [_doc(TABLE)]
    with pytest.raises(lr.ScheduleError, match="'table' is not a schedule"):
        Scheduler.from_state_dict(opt, state)
    assert opt.param_groups[0]["lr"] == 1.0


# -- fuzz: mutations of valid texts and documents ---------------------------------------------

VALID = (
    lr.warmup(lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 9000), 10).clip(0, 1)
    + 0.5 * lr.piecewise([10, 20], [1.0, 0.5, 0.1]).shift(3)
    - lr.minimum(lr.exponential(1.0, 0.9), 0.2).per_epoch(7) / 2
    + lr.lambda_(LAMBDAS["strategies_halve"]) ** 2
)


def _outcome(fn: Callable[[], lr.Schedule]) -> None:
    try:
        s = fn()
    except (lr.ScheduleError, TypeError):
        return
    assert isinstance(s, lr.Schedule)
    assert lr.parse(str(s)) == s
    assert lr.from_dict(s.to_dict()) == s


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(0, 12), st.text(alphabet=string.printable + "\ud800\x00é", max_size=12))
def test_fuzz_a_mutated_text_is_a_schedule_or_a_clean_error(at: int, cut: int, insert: str) -> None:
    text = str(VALID)
    at %= len(text) + 1
    _outcome(lambda: lr.parse(text[:at] + insert + text[at + cut :]))


_REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["table", "binop", "sum", "+", "**", "/", "lambda_", "strategies_ramp", "__class__"]),
    st.lists(st.integers(-3, 30), max_size=4),
    st.just({"op": "constant", "value": 1}),
    st.just(TABLE),
    st.just([[1]]),
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_a_mutated_document_is_a_schedule_or_a_clean_error(data: st.DataObject) -> None:
    doc = json.loads(json.dumps(VALID.to_dict()))
    path = data.draw(st.sampled_from(_paths(doc["schedule"])))
    new = data.draw(_REPLACEMENTS)
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    parent: Any = doc
    key: Any = "schedule"
    for step in path:
        parent, key = parent[key], step
    if action == "replace" or not isinstance(parent, dict):
        parent[key] = copy.deepcopy(new)
    elif action == "delete":
        del parent[key]
    elif isinstance(parent[key], dict):
        parent[key][data.draw(st.sampled_from(["op", "n", "_x", "schedule", "a", "ops"]))] = copy.deepcopy(new)
    _outcome(lambda: lr.from_dict(doc))


@settings(max_examples=50, deadline=None)
@given(schedules())
def test_fuzz_random_trees_survive_every_round_trip(s: lr.Schedule) -> None:
    assert lr.parse(str(s)) == s
    assert lr.from_dict(s.to_dict()) == s
    assert pickle.loads(pickle.dumps(s)) == s
    assert copy.deepcopy(s) == s and hash(copy.deepcopy(s)) == hash(s)


def test_a_huge_number_in_a_document_is_refused_quickly() -> None:
    with pytest.raises(lr.ScheduleError) as info:
        lr.from_dict(_doc({"op": "constant", "value": 10**5000}))
    assert str(info.value) == "from_dict: schedule.value must be a finite number, got an int of 16610 bits"
    assert math.isfinite(lr.from_dict(_doc({"op": "constant", "value": 10**300})).value)
