"""Reading schedules from text: :func:`parse`, the inverse of ``str(s)``.

The text form is a small subset of Python's expression syntax, read by a
parser of its own (never Python's, never ``eval``) that only knows the
language's names. The grammar::

    expr    := expr '>>' expr | expr ('+' | '-') expr | expr ('*' | '/') expr
             | ('-' | '+') expr | expr '**' expr | '(' expr ')'
             | call | expr '.' method '(' args ')' | NUMBER | STRING
             | 'True' | 'False' | 'None' | '[' expr, ... ']' | '(' expr, ... ')'
    call    := NAME '(' args ')'          # a schedule: linear, cosine, warmup, chain, ...
    method  := 'shift' | 'per_epoch' | 'repeat' | 'clip' | 'round' | 'floor' | 'ceil'
    args    := expr, ..., NAME '=' expr, ...

with Python's precedence and meaning: the text means what the same expression
means in Python after ``from lrdsl import *``. The names are the language's
allow-list (:func:`lrdsl.registry.language`: DESIGN.md section 2 and the
public families), each built by its public constructor, so every check runs.
Arithmetic on plain numbers is folded (``100 * 1000``), within limits: every
number must be finite and fit a float. A function of ``lambda_`` is named by a
string, ``lambda_('warm')``, and must have been registered with
:func:`lrdsl.register`.

The parser works with explicit stacks, in time linear in the text: a run of
``>>``, ``+`` or ``*`` of any length (ten thousand pieces) is read as the flat
node the operators build, and nothing recurses. Limits: text longer than
:data:`MAX_CHARS` characters, brackets nested deeper than
:data:`MAX_BRACKETS`, schedules nested deeper than :data:`MAX_DEPTH` levels
(the limit of every expression, :data:`lrdsl._node.MAX_DEPTH`) and numbers
that would overflow are :class:`~lrdsl.ParseError`, never a
``RecursionError``, an ``OverflowError``, a ``UnicodeError`` or a hang. Every
error is a :class:`~lrdsl.ParseError` with the line, the column, the
offending line and a caret.

>>> import lrdsl as lr
>>> lr.parse("linear(0, 1e-3, 1_000) >> cosine(1e-3, 1e-5, 99 * 1000)")
linear(0, 0.001, 1000) >> cosine(0.001, 1e-05, 99000)
"""

from __future__ import annotations

import ast
import bisect
import difflib
import functools
import inspect
import keyword
import math
import re
import warnings
from collections.abc import Callable
from typing import Any, NoReturn

from . import quantity
from ._node import MAX_DEPTH, Schedule
from .combinators import ChainRun
from .errors import ParseError, ScheduleError
from .quantity import is_quantity
from .registry import Form, language

__all__ = ["parse", "MAX_CHARS", "MAX_DEPTH", "MAX_BRACKETS", "names", "signature"]

#: The longest text :func:`parse` reads, in characters (a chain of ten thousand
#: pieces prints in about 300,000).
MAX_CHARS = 1_000_000
#: The deepest nesting of brackets :func:`parse` reads (as Python's own parser).
#: ``str(s)`` of a schedule within :data:`MAX_DEPTH` levels never comes close.
MAX_BRACKETS = 200
#: The largest magnitude of a number: what a float can hold.
_MAX_INT = 2**1023

Value = Any  # a Schedule, a number, a string, True/False/None, or a tuple of values


def parse(text: str | bytes) -> Schedule:
    """The schedule that ``text`` describes; ``parse(str(s)) == s``.

    ``text`` is a ``str``, or ``bytes`` in UTF-8. It may span lines and hold
    ``#`` comments (a config file). See the module docstring for the grammar.

    Raises :class:`~lrdsl.ParseError` (a :class:`~lrdsl.ScheduleError`) for
    anything that is not a schedule, including a schedule whose parameters
    break a rule (``cosine(1, 0, 0)``: the error is the constructor's, pointing
    at the call), and :class:`TypeError` if ``text`` is neither ``str`` nor
    ``bytes``.

    >>> parse("warmup(cosine(1e-3, 0, 10_000), 500).clip(1e-5)")
    warmup(cosine(0.001, 0, 10000), 500).clip(1e-05)
    """
    return _Parser(_decode(text)).parse()


def names() -> dict[str, str]:
    """Every name the text form knows, with its signature: ``{"linear": "linear(start, end,
    steps)", ..., ".shift": "s.shift(n)"}`` (method forms start with a dot)."""
    calls, methods = _tables()
    out = {name: signature(name, form.build) for name, form in sorted(calls.items())}
    out.update({f".{name}": signature(name, form.build, method=True) for name, form in sorted(methods.items())})
    return out


def _tables() -> tuple[dict[str, Form], dict[str, Form]]:
    """``(calls, methods)``: the names of the language a text may call."""
    forms = language()
    calls = {name: f for name, f in forms.items() if f.kind == "call"}
    methods = {name: f for name, f in forms.items() if f.kind == "method"}
    return calls, methods


def signature(name: str, fn: Any, method: bool = False) -> str:
    """The call as a user writes it, ``cosine(start, end, steps, *, exponent=1.0, periodic=False)``:
    required parameters by position, then ``*`` and the options, by keyword only."""
    from .combinators import chain
    from .registry import lambda_by_name

    if fn is chain:
        return "chain(s1, s2, ..., *, boundaries=None)"
    if fn is lambda_by_name:
        return "lambda_('registered_name')"
    parts = []
    star = False  # the keyword-only parameters follow a "*"
    for p in _signature(fn).parameters.values():
        if p.kind is inspect.Parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        parts.append(p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}")
    if method:
        return f"s.{name}({', '.join(parts[1:])})"
    return f"{name}({', '.join(parts)})"


@functools.cache
def _signature(fn: Any) -> inspect.Signature:
    return inspect.signature(fn)


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


# ----------------------------------------------------------------------------
# The raw text.


def _decode(text: str | bytes) -> str:
    if isinstance(text, (bytes, bytearray)):
        if len(text) > 4 * MAX_CHARS:
            raise ParseError(f"text too long: {len(text):,} bytes (the limit is {MAX_CHARS:,} characters)")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ParseError(
                f"text is not valid UTF-8: byte {e.object[e.start]:#04x} at offset {e.start}"
            ) from None
    elif not isinstance(text, str):
        raise TypeError(f"parse: expected a str (or UTF-8 bytes), got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ParseError(f"text too long: {len(text):,} characters (the limit is {MAX_CHARS:,})")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


# ----------------------------------------------------------------------------
# Tokens: (kind, text, start, end), offsets in characters.

NAME, NUMBER, STRING, OP, END = "name", "number", "string", "op", "end"

_TOKEN = re.compile(
    r"""
    (?:[ \t\f\n]+|\#[^\n]*)*      # space and comments before the token (no backtracking:
                                  # what follows matches any character, or the end)
    (?:
        (?P<number>
            0[xX](?:_?[0-9a-fA-F])+ | 0[oO](?:_?[0-7])+ | 0[bB](?:_?[01])+
          | (?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9](?:_?[0-9])*)?
          | [0-9](?:_?[0-9])*\.?(?:[eE][+-]?[0-9](?:_?[0-9])*)?
        )
      | (?P<name>[^\W\d]\w*)
      | (?P<string>'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*")
      | (?P<op>\*\*=?|//=?|>>=?|<<=?|<=|>=|==|!=|->|:=|\.\.\.|[-+*/%@&|^~<>()\[\]{},:;.=])
      | (?P<end>\Z)
      | (?P<bad>.)
    )
    """,
    re.VERBOSE | re.DOTALL,
)
_STRING_PREFIXES = {"f", "b", "r", "u", "rb", "br", "fr", "rf"}
_PREFIX_WORDS = {"f": "f-strings", "b": "byte strings", "r": "raw strings", "u": "u-strings"}

# Binary operators of the language: precedence (as Python's) and right-associativity.
_BINARY = {
    ">>": (1, False),
    "+": (2, False),
    "-": (2, False),
    "*": (3, False),
    "/": (3, False),
    "//": (3, False),
    "%": (3, False),
    "**": (5, True),
}
_UNARY_PRECEDENCE = 4
_OPEN = {"(": ")", "[": "]"}

_NOT_OURS = {
    "@": "the operator '@'",
    "<<": "the operator '<<'",
    "|": "the operator '|'",
    "&": "the operator '&'",
    "^": "the operator '^'",
    "~": "the operator '~'",
    "<": "a comparison",
    ">": "a comparison",
    "<=": "a comparison",
    ">=": "a comparison",
    "==": "a comparison",
    "!=": "a comparison",
    ":=": "the := operator",
    "...": "'...'",
    "{": "a dict or a set",
    "->": "'->'",
}
_KEYWORDS = {
    "lambda": "lambda",
    "not": "the operator 'not'",
    "and": "and/or",
    "or": "and/or",
    "if": "if/else",
    "else": "if/else",
    "for": "a comprehension",
    "async": "a comprehension",
    "in": "a comparison",
    "is": "a comparison",
    "await": "await",
    "yield": "yield",
}


class _Token:
    __slots__ = ("end", "kind", "start", "text")

    def __init__(self, kind: str, text: str, start: int, end: int) -> None:
        self.kind, self.text, self.start, self.end = kind, text, start, end


class _Stream:
    """The tokens, and where the parser is among them (with a look ahead)."""

    __slots__ = ("items", "pos")

    def __init__(self, items: list[_Token]) -> None:
        self.items = items
        self.pos = 0

    def peek(self, k: int = 0) -> _Token:
        items = self.items
        i = self.pos + k
        return items[i] if i < len(items) else items[-1]

    def take(self, n: int) -> None:
        self.pos += n


class _Frame:
    """An open bracket: a group or tuple ``(``, a list ``[``, or a call's ``(``."""

    __slots__ = ("form", "items", "keyword", "keywords", "kind", "name", "name_end", "receiver", "start", "tuple")

    def __init__(self, kind: str, start: int) -> None:
        self.kind = kind  # "(", "[", "call", "method", "top"
        self.start = start
        self.items: list[_Item] = []
        self.keywords: dict[str, _Item] = {}
        self.keyword: tuple[str, int, int] | None = None  # the keyword of the argument being read
        self.name = ""
        self.name_end = start
        self.form: Form | None = None
        self.receiver: _Item | None = None
        self.tuple = False  # a "(" frame that has seen a comma


class _Item:
    """A value read, and the span of text it came from. A ``>>`` run is kept as a
    :class:`~lrdsl.combinators.ChainRun` until its value is needed."""

    __slots__ = ("_value", "end", "run", "start")

    def __init__(self, value: Value, start: int, end: int) -> None:
        self._value, self.start, self.end = value, start, end
        self.run: ChainRun | None = None

    @property
    def value(self) -> Value:
        if self.run is not None:
            self._value, self.run = self.run.done(), None
        return self._value


class _Parser:
    """One parse: tokens, then operator-precedence parsing with explicit stacks
    (values, and operators and open brackets), building values as it reduces."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.calls, self.methods = _tables()
        self.calls.update(_quantity_calls())

    # -- errors ------------------------------------------------------------------

    def where(self, offset: int) -> tuple[int, int]:
        """``(line, column)`` of a character offset, both from 1."""
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def fail(self, message: str, start: int | None = None, end: int | None = None) -> NoReturn:
        if start is None:
            raise ParseError(message, self.text)
        line, col = self.where(start)
        end_col = None
        if end is not None and end > start:
            end_line, last = self.where(end - 1)
            if end_line == line:
                end_col = last + 1
        raise ParseError(message, self.text, line, col, end_col)

    # -- tokens ------------------------------------------------------------------

    def tokens(self) -> list[_Token]:
        """The tokens, then ``END``."""
        text = self.text
        n = len(text)
        last = 0
        out: list[_Token] = []
        append = out.append
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup or "bad"
            pos, end = m.span(kind)
            if kind == "end":
                break
            if kind == "bad":
                self.bad_character(pos)
            s = m.group(kind)
            if end < n and kind != "op":
                after = text[end]
                if kind == "number" and (after.isalnum() or after == "_"):
                    word = re.match(r"\w*", text[end:]).group()  # type: ignore[union-attr]
                    if word[:1] in "jJ" and not word[1:]:
                        self.fail("imaginary numbers are not part of the language", pos, end + 1)
                    self.fail(f"invalid number {s + word!r}", pos, end + len(word))
                if kind == "name" and after in "'\"" and s.lower() in _STRING_PREFIXES:
                    what = _PREFIX_WORDS.get(s[0].lower(), "prefixed strings")
                    self.fail(f"{what} are not part of the language", pos, end + 1)
                if kind == "string" and s in ("''", '""') and after == s[0]:
                    self.fail("triple-quoted strings are not part of the language", pos, end + 1)
            last = end
            append(_Token(kind, s, pos, end))
        append(_Token(END, "", last, last))
        return out

    def bad_character(self, pos: int) -> NoReturn:
        c = self.text[pos]
        if c in "'\"":
            self.fail("unterminated string", pos, pos + 1)
        if c == "\0":
            self.fail("text contains a NUL byte", pos, pos + 1)
        if c == "\\":
            self.fail("'\\' is not part of the language (a text may span lines without it)", pos, pos + 1)
        self.fail(f"invalid character {c!r} (U+{ord(c):04X})", pos, pos + 1)

    # -- the parse -----------------------------------------------------------------

    def parse(self) -> Schedule:
        tokens = _Stream(self.tokens())
        if tokens.peek().kind == END:
            self.fail("empty text: expected a schedule, such as cosine(1e-3, 0, 10000)")
        values: list[_Item] = []
        ops: list[Any] = []  # ("bin", op, start) | ("un", op, start) | _Frame
        frames = [_Frame("top", 0)]
        ops.append(frames[0])
        expect = True  # an operand comes next
        while True:
            tok = tokens.peek()
            kind, s = tok.kind, tok.text
            if expect:
                if kind == NUMBER:
                    values.append(_Item(self.number(tok), tok.start, tok.end))
                    expect = False
                elif kind == STRING:
                    values.append(_Item(self.string(tok), tok.start, tok.end))
                    expect = False
                elif kind == NAME:
                    nxt = tokens.peek(1)
                    if s in ("True", "False", "None"):
                        values.append(_Item({"True": True, "False": False, "None": None}[s], tok.start, tok.end))
                        expect = False
                    elif s == "T" and not (nxt.text in ("(", "=") and nxt.kind == OP):
                        values.append(_Item(quantity.T, tok.start, tok.end))
                        expect = False
                    elif s in _KEYWORDS or keyword.iskeyword(s):
                        self.fail(f"{_KEYWORDS.get(s, repr(s))} is not part of the language", tok.start, tok.end)
                    elif nxt.text == "=" and nxt.kind == OP and self.at_argument(ops, frames, calls_only=True):
                        frame = frames[-1]
                        if s.startswith("_"):
                            self.fail(f"no parameter is called {s!r}", tok.start, tok.end)
                        if s in frame.keywords:
                            self.fail(f"{frame.name}: keyword argument {s!r} repeated", tok.start, tok.end)
                        frame.keyword = (s, tok.start, tok.end)
                        tokens.take(2)
                        continue
                    elif nxt.text == "(" and nxt.kind == OP:
                        form = self.calls.get(s)
                        if form is None:
                            self.unknown_name(tok, called=True)
                        frame = _Frame("call", tok.start)
                        frame.name, frame.name_end, frame.form = s, tok.end, form
                        self.open(frame, frames, ops, nxt)
                        tokens.take(2)
                        continue
                    else:
                        self.unknown_name(tok, called=False)
                elif kind == OP and s in ("-", "+"):
                    ops.append(("un", s, tok.start))
                elif kind == OP and s in _OPEN:
                    self.open(_Frame(s, tok.start), frames, ops, tok)
                elif kind == OP and s in (")", "]") and self.may_close_empty(frames[-1], ops, values):
                    expect = self.close(tok, frames, ops, values, empty=True)
                elif kind == OP and s in ("*", "**") and self.at_argument(ops, frames):
                    self.fail(f"unpacking ({s}) is not part of the language", tok.start, tok.end)
                elif kind == OP and s == "<" and frames[-1].kind == "call" and frames[-1].name == "lambda_":
                    self.fail(
                        "lambda_ of an unregistered function cannot be read back; "
                        "register the function with lrdsl.register(name)",
                        tok.start,
                        tok.end,
                    )
                elif kind == OP and s in _NOT_OURS:
                    self.fail(f"{_NOT_OURS[s]} is not part of the language", tok.start, tok.end)
                else:
                    self.syntax_error(tok, frames)
            else:
                if kind == OP and s in _BINARY:
                    prec, right = _BINARY[s]
                    self.reduce(ops, values, prec, right)
                    ops.append(("bin", s, tok.start))
                    expect = True
                elif kind == OP and s == ".":
                    self.method(tokens, frames, ops, values)
                    expect = True
                    continue
                elif kind == OP and s == ",":
                    self.reduce(ops, values, 0, False)
                    self.comma(tok, frames[-1], values)
                    expect = True
                elif kind == OP and s in (")", "]"):
                    self.reduce(ops, values, 0, False)
                    expect = self.close(tok, frames, ops, values, empty=False)
                elif kind == END:
                    self.reduce(ops, values, 0, False)
                    if len(frames) > 1:
                        frame = frames[-1]
                        opened = "(" if frame.kind in ("call", "method") else frame.kind
                        at = frame.name_end if frame.kind in ("call", "method") else frame.start
                        self.fail(f"{opened!r} was never closed", at, at + 1)
                    return self.result(frames[0], values)
                elif kind == OP and s == "(":
                    self.fail("only schedule names can be called", values[-1].start, tok.end)
                elif kind == OP and s == "[":
                    self.fail("indexing is not part of the language", values[-1].start, tok.end)
                elif kind == OP and s in _NOT_OURS:
                    self.fail(f"{_NOT_OURS[s]} is not part of the language", tok.start, tok.end)
                elif kind == NAME and s in _KEYWORDS:
                    self.fail(f"{_KEYWORDS[s]} is not part of the language", tok.start, tok.end)
                else:
                    self.syntax_error(tok, frames)
            tokens.take(1)

    def syntax_error(self, tok: _Token, frames: list[_Frame]) -> NoReturn:
        if tok.kind == END:
            self.fail("unexpected end of text", tok.start, tok.start + 1)
        if tok.text in (")", "]"):
            frame = frames[-1]
            if frame.kind == "top":
                self.fail(f"unmatched {tok.text!r}", tok.start, tok.end)
        self.fail("invalid syntax", tok.start, tok.end)

    def at_argument(self, ops: list[Any], frames: list[_Frame], calls_only: bool = False) -> bool:
        """At the start of an argument of a call (or of an item of a list or tuple)."""
        frame = frames[-1]
        kinds = ("call", "method") if calls_only else ("call", "method", "[", "(")
        return ops[-1] is frame and frame.keyword is None and frame.kind in kinds

    def open(self, frame: _Frame, frames: list[_Frame], ops: list[Any], tok: _Token) -> None:
        if len(frames) > MAX_BRACKETS:
            self.fail(f"text nested too deeply (more than {MAX_BRACKETS} brackets)", tok.start, tok.end)
        frames.append(frame)
        ops.append(frame)

    def may_close_empty(self, frame: _Frame, ops: list[Any], values: list[_Item]) -> bool:
        """``f()``, ``[]``, ``()``, or a trailing comma: a closing bracket with no operand before it."""
        if ops[-1] is not frame or frame.keyword is not None or frame.kind == "top":
            return False
        return frame.kind in ("call", "method", "[") or (frame.kind == "(" and (frame.tuple or not frame.items))

    # -- operators -----------------------------------------------------------------

    def reduce(self, ops: list[Any], values: list[_Item], prec: int, right: bool) -> None:
        """Apply the pending operators that bind at least as tightly as an incoming
        operator of precedence ``prec`` (more tightly, if it is right-associative)."""
        while True:
            top = ops[-1]
            if isinstance(top, _Frame):
                return
            kind, op, start = top
            p = _UNARY_PRECEDENCE if kind == "un" else _BINARY[op][0]
            if p < prec or (p == prec and right):
                return
            ops.pop()
            if kind == "un":
                v = values.pop()
                values.append(_Item(self.unary(op, v, start), start, v.end))
            else:
                b = values.pop()
                a = values.pop()
                values.append(self.then(a, b) if op == ">>" else _Item(self.binary(op, a, b), a.start, b.end))

    def unary(self, op: str, v: _Item, start: int) -> Value:
        x = v.value
        if not (isinstance(x, Schedule) or _is_number(x) or is_quantity(x)):
            self.fail(f"unary minus works on schedules, numbers and quantities, not on {_describe(x)}", v.start, v.end)
        if op == "+":
            return x
        try:
            return -x
        except (ScheduleError, TypeError) as e:
            self.fail(str(e), start, v.end)

    def then(self, a: _Item, b: _Item) -> _Item:
        """``a >> b``: one more piece of the run ``a`` is (or starts)."""
        for side in (a, b):
            if side.run is None and not isinstance(side.value, Schedule):
                self.fail(f"'>>' puts one schedule after another, got {_describe(side.value)}", side.start, side.end)
        out = _Item(None, a.start, b.end)
        try:
            out.run = a.run if a.run is not None else ChainRun(a.value)
            out.run.add(b.value)
        except (ScheduleError, TypeError) as e:
            self.fail(str(e), a.start, b.end)
        a.run = None
        return out

    def binary(self, op: str, a: _Item, b: _Item) -> Value:
        x, y = a.value, b.value
        for side in (a, b):
            v = side.value
            if op in ("//", "%") and not (_is_number(v) or is_quantity(v)):
                what = "schedules" if isinstance(v, Schedule) else _describe(v)
                self.fail(f"'{op}' works on numbers and quantities, not on {what}", side.start, side.end)
            if not (isinstance(v, Schedule) or _is_number(v) or is_quantity(v)):
                self.fail(
                    f"'{op}' works on schedules, numbers and quantities, not on {_describe(v)}", side.start, side.end
                )
        if _is_number(x) and _is_number(y):
            return self.fold(op, x, y, a.start, b.end)
        try:
            return _APPLY[op](x, y)
        except (ScheduleError, TypeError) as e:
            self.fail(str(e), a.start, b.end)

    def fold(self, op: str, a: int | float, b: int | float, start: int, end: int) -> int | float:
        """``a op b`` for plain numbers, refusing results that overflow."""
        if op == "**" and abs(a) > 1 and b > 0 and b * math.log2(abs(a)) > 1024:
            # refused before computing (9 ** 9 ** 9 would compute for hours)
            self.fail(f"{a!r} ** {b!r} is too large: it does not fit a float", start, end)
        shown = f"{_paren(a)} {op} {_paren(b)}"
        try:
            v = _APPLY[op](a, b)
        except ZeroDivisionError:
            self.fail(f"division by zero in {shown}", start, end)
        except (OverflowError, ValueError, ArithmeticError):
            self.fail(f"{shown} overflows", start, end)
        if isinstance(v, complex):
            self.fail(f"{shown} is not a real number", start, end)
        return self.finite(v, start, end, "result")

    def finite(self, v: Any, start: int, end: int, what: str) -> int | float:
        """``v`` if it is a finite number that fits a float."""
        if isinstance(v, int) and not isinstance(v, bool):
            if abs(v) >= _MAX_INT:
                self.fail(f"{what} too large: it does not fit a float", start, end)
            return v
        if isinstance(v, float) and not math.isfinite(v):
            self.fail(f"{what} out of range: it is not a finite float", start, end)
        return v

    # -- atoms -------------------------------------------------------------------

    def number(self, tok: _Token) -> int | float:
        s = tok.text
        if s.isdigit() and len(s) < 300 and (s[0] != "0" or len(s) == 1):  # the common case
            return self.finite(int(s), tok.start, tok.end, "number")
        s = s.replace("_", "")
        prefix = s[:2].lower()
        if prefix not in ("0x", "0o", "0b") and ("." in s or "e" in s or "E" in s):
            return self.finite(float(s), tok.start, tok.end, "number")
        digits = s[2:] if prefix in ("0x", "0o", "0b") else s
        bits = {"0x": 4, "0o": 3, "0b": 1}.get(prefix, 3.33)
        if len(digits.lstrip("0")) * bits > 1100:  # certainly beyond 2**1023 (and int() of it is slow)
            self.fail("number too large: it does not fit a float", tok.start, tok.end)
        if len(s) > 1 and s[0] == "0" and s[1].isdigit() and s.strip("0"):
            self.fail(f"invalid number {tok.text!r} (leading zeros are not allowed)", tok.start, tok.end)
        return self.finite(int(s, 0), tok.start, tok.end, "number")

    def string(self, tok: _Token) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                value = ast.literal_eval(tok.text)  # one string literal, nothing else
            except (SyntaxError, ValueError) as e:
                self.fail(f"invalid string: {e}", tok.start, tok.end)
        return str(value)

    def unknown_name(self, tok: _Token, called: bool) -> NoReturn:
        name = tok.text
        if len(name) > 40:
            what = "unknown schedule" if called else "unknown name"
            self.fail(f"{what} {name[:37] + '...'!r} ({len(name):,} characters)", tok.start, tok.end)
        known = sorted(self.calls)
        if not called and name in self.calls:
            self.fail(f"{name} must be called: {signature(name, self.calls[name].build)}", tok.start, tok.end)
        if name in ("inf", "nan", "infinity"):
            self.fail(f"{name!r} is not a number here: every number must be finite", tok.start, tok.end)
        if name.startswith("_"):
            self.fail(
                f"unknown name {name!r}: names with underscores in front are not part of the language",
                tok.start,
                tok.end,
            )
        close = difflib.get_close_matches(name, known + list(self.methods), n=3, cutoff=0.6)
        close = [c if c in self.calls else f".{c}()" for c in close]
        hint = f"did you mean {_or(close)}?" if close else f"known names: {', '.join(known)}"
        what = "unknown schedule" if called else "unknown name"
        self.fail(f"{what} {name!r} ({hint})", tok.start, tok.end)

    # -- brackets, calls, methods ------------------------------------------------------

    def method(self, tokens: _Stream, frames: list[_Frame], ops: list[Any], values: list[_Item]) -> None:
        """``receiver.name(`` (the receiver is the operand just read)."""
        name, paren = tokens.peek(1), tokens.peek(2)
        receiver = values[-1]
        if name.kind != NAME:
            self.fail("invalid syntax", name.start, name.end)
        form = self.methods.get(name.text)
        if form is None or paren.text != "(" or paren.kind != OP:
            self.fail(_attribute_message(name.text, self.methods, called=paren.text == "("), receiver.start, name.end)
        if not isinstance(receiver.value, Schedule):
            self.fail(f".{name.text}() is a method of schedules, not of {_describe(receiver.value)}", receiver.start, receiver.end)
        values.pop()
        frame = _Frame("method", receiver.start)
        frame.name, frame.name_end, frame.form, frame.receiver = name.text, name.end, form, receiver
        self.open(frame, frames, ops, paren)
        tokens.take(3)

    def comma(self, tok: _Token, frame: _Frame, values: list[_Item]) -> None:
        item = values.pop()
        if frame.kind == "top":
            self.fail("invalid syntax (a comma outside brackets)", tok.start, tok.end)
        if frame.kind in ("call", "method"):
            self.argument(frame, item)
        else:
            self.element(frame, item)
            if frame.kind == "(":
                frame.tuple = True

    def argument(self, frame: _Frame, item: _Item) -> None:
        if frame.keyword is not None:
            name = frame.keyword[0]
            frame.keywords[name] = item
            frame.keyword = None
        elif frame.keywords:
            self.fail("a positional argument cannot follow a keyword argument", item.start, item.end)
        else:
            frame.items.append(item)

    def element(self, frame: _Frame, item: _Item) -> None:
        if isinstance(item.value, tuple):
            self.fail("a list inside a list is not part of the language", item.start, item.end)
        frame.items.append(item)

    def close(self, tok: _Token, frames: list[_Frame], ops: list[Any], values: list[_Item], empty: bool) -> bool:
        """A closing bracket: finish the frame it closes; returns False (an operand was read)."""
        frame = frames[-1]
        closer = tok.text
        if frame.kind == "top":
            self.fail(f"unmatched {closer!r}", tok.start, tok.end)
        wanted = "]" if frame.kind == "[" else ")"
        if closer != wanted:
            opened = "[" if frame.kind == "[" else "("
            at = frame.name_end if frame.kind in ("call", "method") else frame.start
            line, col = self.where(at)
            self.fail(f"{closer!r} does not match the {opened!r} of line {line}, column {col}", tok.start, tok.end)
        if not empty:
            item = values.pop()
            if frame.kind in ("call", "method"):
                self.argument(frame, item)
            elif frame.kind == "(" and not frame.tuple:  # a group: (x) is x
                frames.pop()
                ops.pop()
                values.append(_Item(item.value, frame.start, tok.end))
                return False
            else:
                self.element(frame, item)
        elif frame.keyword is not None:
            self.fail("invalid syntax", tok.start, tok.end)
        frames.pop()
        ops.pop()
        if frame.kind in ("call", "method"):
            value = self.call(frame, tok.end)
        else:
            value = tuple(x.value for x in frame.items)
        values.append(_Item(value, frame.start, tok.end))
        return False

    def call(self, frame: _Frame, end: int) -> Value:
        form = frame.form
        assert form is not None
        fn = form.build
        method = frame.kind == "method"
        positional = [x.value for x in frame.items]
        keywords = {k: v.value for k, v in frame.keywords.items()}
        if method:
            assert frame.receiver is not None
            positional.insert(0, frame.receiver.value)
        start = frame.start
        try:
            return fn(*positional, **keywords)
        except ParseError:
            raise
        except TypeError as e:
            self.fail(self.type_message(frame, fn, positional, keywords, e), start, end)
        except ScheduleError as e:
            self.fail(str(e), start, end)
        except Exception as e:  # a constructor that fails in an unforeseen way is still bad text
            self.fail(f"{frame.name}: {type(e).__name__}: {e}", start, end)

    def type_message(self, frame: _Frame, fn: Any, positional: list[Any], keywords: dict[str, Any], e: TypeError) -> str:
        """The message of a ``TypeError``: the form of the call when the arguments do not
        fit it, else the constructor's own message (a parameter of the wrong type)."""
        try:
            _signature(fn).bind(*positional, **keywords)
        except TypeError as wrong:
            if frame.kind == "method":
                return f"wrong arguments for .{frame.name}(): the form is {signature(frame.name, fn, method=True)}"
            return f"{frame.name}: {wrong}; the form is {signature(frame.name, fn)}"
        except ValueError:  # no signature to check against
            pass
        return str(e)

    def result(self, top: _Frame, values: list[_Item]) -> Schedule:
        item = values.pop()
        value = item.value
        if not isinstance(value, Schedule):
            what = _describe(value)
            if is_quantity(value):
                self.fail(f"expected a schedule, got {what}", item.start, item.end)
            hint = f"; for a constant schedule write constant({value!r})" if _is_number(value) else ""
            self.fail(f"expected a schedule, got {what}{hint}", item.start, item.end)
        return value


def _paren(x: float) -> str:
    return f"({x!r})" if x < 0 else repr(x)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _describe(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return repr(v)
    if _is_number(v):
        return f"the number {v!r}"
    if isinstance(v, str):
        return f"the string {v[:40]!r}" if len(v) <= 40 else f"the string {v[:37]!r}..."
    if isinstance(v, tuple):
        return "a list"
    if is_quantity(v):
        text = repr(v)
        return f"the quantity {text}" if len(text) <= 40 else f"the quantity {text[:37]}..."
    return type(v).__name__


@functools.cache
def _quantity_calls() -> dict[str, Form]:
    """The functions of quantities a text may call: ``var('name')``, ``round``,
    ``floor``, ``ceil``, ``min``, ``max``."""
    return {name: Form(name, "call", None, getattr(quantity, name)) for name in quantity.FUNCTIONS}


def _attribute_message(attr: str, methods: dict[str, Any], called: bool) -> str:
    listing = ", ".join(f".{m}()" for m in sorted(methods))
    if attr in methods:
        return f".{attr} is a method: call it, as in s.{attr}(...)"
    close = difflib.get_close_matches(attr, list(methods), n=1)
    hint = f"; did you mean .{close[0]}()?" if close and not attr.startswith("_") else ""
    return f"attribute .{attr} is not part of the language (the methods are {listing}){hint}"


_APPLY: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "//": lambda a, b: a // b,
    "%": lambda a, b: a % b,
    "**": lambda a, b: a**b,
}
