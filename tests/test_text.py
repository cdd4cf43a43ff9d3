"""The text form: ``str(s)`` is canonical and ``lr.parse`` reads it back (DESIGN.md section 4)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given, settings

import lrdsl as lr
from lrdsl._node import Schedule
from lrdsl.text import MAX_DEPTH, names

from .strategies import LAMBDAS, schedules

T = np.concatenate([np.arange(0, 1200), [1e4, 123456.5, 0.25]])


def assert_same_values(a: lr.Schedule, b: lr.Schedule) -> None:
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(a(T), b(T))


# -- the round trip --------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(schedules())
def test_parse_of_str_is_the_schedule(s: lr.Schedule) -> None:
    back = lr.parse(str(s))
    assert back == s
    assert str(back) == str(s)
    assert_same_values(back, s)


@pytest.mark.parametrize(
    "s",
    [
        lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000),
        lr.warmup(lr.cosine(1e-3, 0, 100), 10) * 2 - lr.constant(1e-6).shift(3),
        lr.chain(lr.linear(0, 1, 10), lr.constant(1), boundaries=[5]),
        (-lr.constant(2)) ** -1,
        2 ** lr.constant(1),
        (-2) ** lr.constant(1),
        -(2 ** lr.constant(1)),
        lr.constant(1) - (lr.constant(2) - lr.constant(3)),
        lr.constant(1) / (lr.constant(2) * lr.constant(3)),
        (lr.constant(1) ** lr.constant(2)) ** 3,
        lr.constant(1) ** lr.constant(2) ** 3,
        (lr.linear(0, 1, 5) >> lr.constant(1)) + 1,
        lr.linear(0, 1, 5) >> (lr.constant(1) + 1),
        lr.constant(1).clip(hi=3),
        lr.constant(1).clip(0.5),
        lr.constant(1).per_epoch(3, staircase=False).repeat(4),
        (lr.constant(1) + 2).shift(5),
        lr.interpolate([0, 1], [1, 2], kind="cosine"),
        lr.exponential(1, 0.5, end=0.1, staircase=True),
        lr.multistep(1.0, [10, 20, 20], gamma=0.5),
        lr.piecewise([10, 20], [1.0, 0.5, 0.1]),
        lr.warmup(lr.constant(1), 3, start=0.5, shift=False),
        lr.minimum(lr.constant(1), 0.5),
        lr.maximum(0.5, lr.linear(0, 1, 10)),
        lr.constant(-0.0),
        lr.chain(lr.constant(1)),
        lr.chain(
            lr.chain(lr.linear(0, 1, 10), lr.constant(1), boundaries=[5]), lr.constant(2), boundaries=[7]
        ),
        lr.lambda_(LAMBDAS["strategies_halve"]) * 1e-3,
    ],
    ids=str,
)
def test_examples_round_trip(s: lr.Schedule) -> None:
    assert lr.parse(str(s)) == s
    assert str(lr.parse(str(s))) == str(s)


def test_a_long_chain_is_flat_and_reads_back() -> None:
    s = lr.chain(*[lr.linear(0, 1, i + 1) for i in range(500)])
    back = lr.parse(str(s))
    assert back == s
    assert len(back.pieces) == 500


# -- what the text means: Python's meaning -----------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("constant(1_000)", lr.constant(1000)),
        ("constant(1e-3)", lr.constant(0.001)),
        ("constant(1E3)", lr.constant(1000.0)),
        ("constant(.5)", lr.constant(0.5)),
        ("constant(0x10)", lr.constant(16)),
        ("constant(value=2)", lr.constant(2)),
        ("cosine(1, 0, steps=10, periodic=True)", lr.cosine(1, 0, 10, periodic=True)),
        ("cosine(1, 0, 100 * 1000)", lr.cosine(1, 0, 100_000)),
        ("cosine(2 ** -3, 0, 10)", lr.cosine(0.125, 0, 10)),
        ("cosine(1 / 4, 0, 10)", lr.cosine(0.25, 0, 10)),
        ("constant(-(-2))", lr.constant(2)),
        ("constant(+2)", lr.constant(2)),
        ("piecewise((1, 2), [3, 4, 5])", lr.piecewise([1, 2], [3, 4, 5])),
        ("exponential(1, 0.5, end=None)", lr.exponential(1, 0.5)),
        ('interpolate([0, 10], [1, 0], kind="cosine")', lr.interpolate([0, 10], [1, 0], kind="cosine")),
        ("2 * constant(1) + 1", 2 * lr.constant(1) + 1),
        ("2 * (constant(1) + 1)", 2 * (lr.constant(1) + 1)),
        ("-constant(1) ** 2", -(lr.constant(1) ** 2)),
        (
            "linear(0, 1, 10) >> linear(1, 0, 5) >> constant(2)",
            lr.chain(lr.linear(0, 1, 10), lr.linear(1, 0, 5), lr.constant(2)),
        ),
        (
            "linear(0, 1, 10) >> (linear(1, 0, 5) >> constant(2))",
            lr.chain(lr.linear(0, 1, 10), lr.linear(1, 0, 5), lr.constant(2)),
        ),
        ("chain(linear(0, 1, 10), constant(1))", lr.linear(0, 1, 10) >> lr.constant(1)),
        ("warmup(constant(1), 5).shift(2).clip(0, 1)", lr.warmup(lr.constant(1), 5).shift(2).clip(0, 1)),
        ("constant(1).per_epoch(steps_per_epoch=10)", lr.constant(1).per_epoch(10)),
        ("constant(1).clip(hi=2, lo=1)", lr.constant(1).clip(1, 2)),
        ("lambda_('strategies_ramp')", lr.lambda_(LAMBDAS["strategies_ramp"])),
        ("lambda_(name='strategies_ramp')", lr.lambda_(LAMBDAS["strategies_ramp"])),
    ],
)
def test_text_means_what_python_means(text: str, expected: lr.Schedule) -> None:
    assert lr.parse(text) == expected


def test_text_may_span_lines_and_hold_comments() -> None:
    text = """
    # a warmup, then a long cosine
    linear(0, 1e-3, 1_000)   # warmup
      >> cosine(1e-3, 1e-5,
                99_000)
    """
    assert lr.parse(text) == lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000)


def test_utf8_bytes_windows_newlines_and_a_bom_are_read() -> None:
    assert lr.parse(b"\xef\xbb\xbfconstant(1)\r\n  .shift(2)\r\n") == lr.constant(1).shift(2)


def test_a_registered_lambda_reads_back_as_lambda_of_its_function() -> None:
    fn = LAMBDAS["strategies_halve"]
    s = lr.parse("lambda_('strategies_halve')")
    assert s == lr.lambda_(fn)
    assert s(100) == pytest.approx(0.5)


def test_only_the_language_is_readable_not_every_node_class() -> None:
    """The names are an allow-list: a node class defined anywhere else prints, but no
    text (and no document) can build it."""

    @dataclasses.dataclass(frozen=True, repr=False)
    class TestRamp(Schedule):
        top: Any
        steps: Any = 10
        _text_name: ClassVar[str] = "test_text_ramp"

        def _eval(self, t: Any, xp: Any) -> Any:
            return self.top * xp.div(xp.minimum(t, self.steps), self.steps)

    s = TestRamp(2.0, steps=4) * 3
    assert str(s) == "test_text_ramp(2.0, steps=4) * 3"
    with pytest.raises(lr.ParseError) as info:
        lr.parse(str(s))
    assert info.value.message.startswith("unknown schedule 'test_text_ramp'")
    assert "test_text_ramp" not in names()


def test_names_lists_calls_and_methods_with_their_signatures() -> None:
    table = names()
    assert table["cosine"] == "cosine(start, end, steps, *, exponent=1.0, periodic=False)"
    assert table["warmup"] == "warmup(schedule, steps, *, start=0.0, shift=True, inclusive=False)"
    assert table[".shift"] == "s.shift(n)"
    assert "binop" not in table and "neg" not in table


def test_nesting_up_to_the_limit_is_read() -> None:
    depth = MAX_DEPTH - 2
    text = "warmup(" * depth + "constant(1)" + ", 1)" * depth
    s = lr.parse(text)
    for _ in range(depth):
        s = s.schedule
    assert s == lr.constant(1)


# -- errors: position, caret, hints ---------------------------------------------------


def parse_error(text: Any) -> lr.ParseError:
    with pytest.raises(lr.ParseError) as info:
        lr.parse(text)
    return info.value


def test_an_unknown_name_suggests_the_nearest_known_names() -> None:
    e = parse_error("warmup(cosin(1e-3, 0, 100), 10)")
    assert "unknown schedule 'cosin'" in e.message
    assert "did you mean cosine" in e.message
    assert (e.line, e.column) == (1, 8)
    assert str(e).splitlines()[1:] == ["  warmup(cosin(1e-3, 0, 100), 10)", "         ^^^^^"]


def test_an_unknown_method_suggests_the_methods() -> None:
    e = parse_error("constant(1).shfit(3)")
    assert "did you mean .shift()" in e.message


def test_a_construction_error_points_at_the_call() -> None:
    e = parse_error("linear(0, 1, 10) >> cosine(1, 0, -1)")
    assert e.message == "cosine: steps must be >= 0, got -1"
    assert (e.line, e.column) == (1, 21)
    assert str(e).endswith("\n                      ^^^^^^^^^^^^^^^^")
    assert isinstance(e, lr.ScheduleError) and isinstance(e, ValueError)


def test_errors_on_later_lines_give_that_line_and_column() -> None:
    e = parse_error("linear(0, 1, 10)\n  >> cosine(1, 0, 10)\n  >> constnt(1)")
    assert (e.line, e.column) == (3, 6)
    assert str(e).splitlines()[1:] == ["    >> constnt(1)", "       ^^^^^^^"]


def test_columns_count_characters_not_bytes() -> None:
    e = parse_error("piecewise(['é'], cosin(1))")
    assert e.column == 18
    assert str(e).splitlines()[2] == "                   ^^^^^"


def test_a_syntax_error_has_a_caret() -> None:
    e = parse_error("cosine(1, 0, 10) >>")
    assert e.line == 1 and e.column >= 1
    assert "^" in str(e)


def test_a_wrong_argument_shows_the_signature() -> None:
    e = parse_error("linear(0, 1)")
    assert "the form is linear(start, end, steps)" in e.message
    e = parse_error("cosine(1, 0, 10, steps=3)")
    assert "multiple values" in e.message


def test_a_number_alone_is_not_a_schedule_and_the_error_says_what_to_write() -> None:
    e = parse_error("1e-3")
    assert "write constant(0.001)" in e.message


def test_an_unregistered_lambda_cannot_be_read_back() -> None:
    s = lr.lambda_(lambda t: 1.0)
    e = parse_error(str(s))
    assert "register" in e.message
    e = parse_error("lambda_('strategies_halv')")
    assert "did you mean strategies_halve" in e.message


def test_long_lines_are_shown_as_a_window_around_the_error() -> None:
    text = "linear(0, 1, 1) >> " * 800 + "oops(1)"
    e = parse_error(text)
    shown = str(e).splitlines()
    assert len(shown[1]) < 100
    assert shown[2].index("^") == shown[1].index("oops")
