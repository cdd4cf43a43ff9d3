"""Untrusted text: ``lr.parse`` never runs code, never recurses without bound, never
hangs; anything that is not a schedule is a ``ParseError`` (DESIGN.md section 4)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrdsl as lr
from lrdsl.text import MAX_CHARS

HOSTILE: list[str | bytes] = [
    # attribute access and dunder names
    "constant(1).__class__",
    "constant(1).__class__.__bases__[0].__subclasses__()",
    "constant(1).__dict__",
    "constant(1)._eval(0, 0)",
    "constant(1).values(10)",
    "constant(1).to_dict()",
    "constant(1).fn",
    "constant(1).shift",
    "lr.cosine(1, 0, 10)",
    "__import__('os').system('echo pwned')",
    "__builtins__",
    "__class__",
    "_checks",
    "cosine.__init__.__globals__",
    "(1).__class__",
    "''.join([])",
    "eval('1')",
    "exec('import os')",
    "open('/etc/passwd')",
    "getattr(constant(1), '__class__')",
    "type(constant(1))",
    "globals()",
    # lambdas, comprehensions, f-strings, other syntax
    "lambda: 1",
    "lambda_(lambda t: t)",
    "[x for x in range(10)]",
    "{x: 1 for x in range(3)}",
    "(x for x in [1])",
    "f'{1}'",
    "f'{__import__(\"os\")}'",
    "b'bytes'",
    "constant(1) if True else constant(2)",
    "constant(1) and constant(2)",
    "constant(1) < constant(2)",
    "constant(1)[0]",
    "constant(1)[0:1]",
    "(x := constant(1))",
    "{1, 2}",
    "{'op': 'constant'}",
    "cosine(*[1, 0, 10])",
    "cosine(**{'start': 1, 'end': 0, 'steps': 10})",
    "constant(1); constant(2)",
    "import os",
    "constant(1) // 2",
    "constant(1) % 2",
    "constant(1) @ constant(2)",
    "constant(1) << 2",
    "~constant(1)",
    "not constant(1)",
    "await constant(1)",
    "yield constant(1)",
    "1j * constant(1)",
    "... + constant(1)",
    # unknown calls and misuse of known names
    "cosin(1, 0, 10)",
    "Cosine(1, 0, 10)",
    "binop('+', constant(1), 1)",
    "neg(constant(1))",
    "chain",
    "lambda_('no_such_function')",
    "lambda_(constant(1))",
    "constant('1')",
    "constant([1])",
    "constant(None)",
    "constant(True)",
    "constant(1) + 'x'",
    "constant(1) * [1] * 100000000",
    "'x' * 100000000",
    "[1] * 100000000",
    "constant(1) >> 1",
    "1 >> constant(1)",
    "1 + 2",
    "True",
    "'constant(1)'",
    # numbers that overflow or are not finite
    "9**9**9",
    "constant(9**9**9)",
    "constant(10**400)",
    "constant(2**1024)",
    "constant(1e999)",
    "constant(-1e999)",
    "constant(1e308 * 10)",
    "constant(0.5 ** -5000)",
    "constant(10.0 ** 400)",
    "constant(" + "9" * 5000 + ")",
    "constant(inf)",
    "constant(nan)",
    "constant(1 / 0)",
    "constant(0 ** -1)",
    "constant((-8) ** 0.5)",
    "constant(1) ** (9**9**9)",
    "constant(" + "2 * " * 2000 + "2)",
    # nesting and size
    "(" * 10_000 + "constant(1)" + ")" * 10_000,
    "[" * 10_000 + "]" * 10_000,
    "warmup(" * 200 + "constant(1)" + ", 1)" * 200,
    "-" * 50_000 + "constant(1)",
    "not " * 20_000 + "1",
    "constant(1)" + ".shift(1)" * 5_000,
    "constant(1)" + " - (constant(1)" * 5_000 + ")" * 5_000,
    "2" + " ** 2" * 20_000,
    "lambda: " * 20_000 + "1",
    "constant(1) >> " * 10_000 + "constant(1)",
    "constant(" + "1" * (MAX_CHARS + 1) + ")",
    " " * (MAX_CHARS + 1),
    # bytes, encodings, empty text
    "",
    "   ",
    "\n\n# only a comment\n",
    "\x00",
    "constant(1)\x00",
    "constant(\x001)",
    b"constant(1)\xff",
    b"\xff\xfe",
    b"\xc3\x28",
    "constant(1\u00a0)",
    "constant(\u0661)",
    "cosine(1, 0, 10) )",
    "(cosine(1, 0, 10)",
    "cosine(1, 0, 10]",
    "'unterminated",
    "'''unterminated",
    "constant(1) \\ x",
    "\t\tconstant(",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:40]))
def test_hostile_text_is_a_parse_error(text: str | bytes) -> None:
    # The parser's work is linear in the text: tests/test_scale.py counts it.
    with pytest.raises(lr.ParseError) as info:
        lr.parse(text)
    assert info.value.message


def test_there_are_at_least_forty_hostile_inputs() -> None:
    assert len(HOSTILE) >= 40


def test_the_parser_never_runs_code(capfd: pytest.CaptureFixture[str]) -> None:
    for text in ["__import__('os').system('echo pwned')", 'f\'{__import__("os").system("echo pwned")}\'']:
        with pytest.raises(lr.ParseError):
            lr.parse(text)
    assert "pwned" not in capfd.readouterr().out


def test_a_parse_error_with_a_position_shows_the_line_and_a_caret() -> None:
    with pytest.raises(lr.ParseError) as info:
        lr.parse("constant(1).__class__")
    e = info.value
    assert (e.line, e.column) == (1, 1)
    assert str(e).splitlines()[1:] == ["  constant(1).__class__", "  ^^^^^^^^^^^^^^^^^^^^^"]


def test_other_types_than_text_are_a_type_error() -> None:
    for bad in (None, 1, ["constant(1)"]):
        with pytest.raises(TypeError):
            lr.parse(bad)  # type: ignore[arg-type]


# -- fuzz: random text may only ever raise ParseError -------------------------------------

TOKENS = [
    "constant", "linear", "cosine", "warmup", "chain", "minimum", "lambda_", "piecewise", "interpolate",
    "(", ")", "[", "]", ",", "=", ".", "shift", "clip", "per_epoch", "repeat", "boundaries", "steps",
    "+", "-", "*", "/", "**", ">>", "1", "0", "2.5", "1e-3", "1_000", "-1", "9", "'cosine'", "True", "None",
    " ", "\n", "#", "__class__", "lambda", "x", "{", "}", ":", "9**9**9", "1e999", "\x00",
]  # fmt: skip


def _parse_or_parse_error(text: str | bytes) -> None:
    try:
        s = lr.parse(text)
    except lr.ParseError:
        return
    assert isinstance(s, lr.Schedule)
    assert lr.parse(str(s)) == s


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_fuzz_random_text(text: str) -> None:
    _parse_or_parse_error(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(data: bytes) -> None:
    _parse_or_parse_error(data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_fuzz_token_soup(text: str) -> None:
    _parse_or_parse_error(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join), st.integers(0, 300), st.integers(0, 20))
def test_fuzz_mutated_valid_text(soup: str, at: int, cut: int) -> None:
    base = "warmup(linear(0, 1e-3, 1_000) >> cosine(1e-3, 1e-5, 99_000), 10).clip(0, 1)"
    at = at % (len(base) + 1)
    _parse_or_parse_error(base[:at] + soup + base[at + cut :])
