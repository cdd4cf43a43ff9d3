"""Reading schedules from text: :func:`parse`, the inverse of ``str(s)``.

The text form is a small subset of Python's expression syntax, read with the
standard :mod:`ast` module and interpreted by a strict whitelist; nothing is
ever evaluated as Python. The grammar::

    expr    := expr '>>' expr | expr ('+' | '-') expr | expr ('*' | '/') expr
             | ('-' | '+') expr | expr '**' expr | '(' expr ')'
             | call | expr '.' method '(' args ')' | NUMBER | STRING
             | 'True' | 'False' | 'None' | '[' expr, ... ']'
    call    := NAME '(' args ')'          # a schedule: linear, cosine, warmup, chain, ...
    method  := 'shift' | 'per_epoch' | 'repeat' | 'clip'
    args    := expr, ..., NAME '=' expr, ...

with Python's precedence and meaning: the text means what the same expression
means in Python after ``from lrdsl import *``. The names that can be called
are read from the node classes (each class's ``_text_name``), so a new node
is readable as soon as it is defined. Arithmetic on plain numbers is folded
(``100 * 1000``), within limits: every number must be finite and fit a float.
A function of ``lambda_`` is named by a string, ``lambda_('warm')``, and
must have been registered with :func:`lrdsl.register`.

Limits: text longer than :data:`MAX_CHARS` characters or nested deeper than
:data:`MAX_DEPTH` levels, and numbers that would overflow, are
:class:`~lrdsl.ParseError`, never a ``RecursionError``, an ``OverflowError``
or a hang. Every error is a :class:`~lrdsl.ParseError` with the line, the
column, the offending line and a caret.

>>> import lrdsl as lr
>>> lr.parse("linear(0, 1e-3, 1_000) >> cosine(1e-3, 1e-5, 99 * 1000)")
linear(0, 0.001, 1000) >> cosine(0.001, 1e-05, 99000)
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import io
import keyword
import math
import re
import tokenize
from collections.abc import Callable
from typing import Any, NoReturn

from ._node import Schedule, node_classes
from .errors import ParseError, ScheduleError

__all__ = ["parse", "MAX_CHARS", "MAX_DEPTH", "names", "signature"]

#: The longest text :func:`parse` reads, in characters.
MAX_CHARS = 100_000
#: The deepest nesting :func:`parse` reads: brackets, calls, operators (a run of
#: ``>>`` is one level: a chain of many pieces is flat).
MAX_DEPTH = 100
#: A bound on the depth :func:`ast.parse` may reach before :data:`MAX_DEPTH` is
#: checked on its result (CPython's own limit is near 2,000 levels).
_AST_DEPTH = 1_000
#: The largest magnitude of a number: what a float can hold.
_MAX_INT = 2**1023

#: Tokens that separate rather than nest.
_FLAT = frozenset({",", "=", ";"})

_PREFIX = "(\n"  # the text is parsed inside parentheses, so it may span lines

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
    return _Reader(_decode(text)).read()


def names() -> dict[str, str]:
    """Every name the text form knows, with its signature: ``{"linear": "linear(start, end,
    steps)", ..., ".shift": "s.shift(n)"}`` (method forms start with a dot)."""
    calls, methods = _tables()
    out = {name: signature(name, fn) for name, fn in sorted(calls.items())}
    out.update({f".{name}": signature(name, cls, method=True) for name, cls in sorted(methods.items())})
    return out


# ----------------------------------------------------------------------------
# The table of names, read from the node classes.


def _tables() -> tuple[dict[str, Callable[..., Any]], dict[str, type[Schedule]]]:
    """``(calls, methods)``: what a name in call position builds, and the method forms.

    A node class is callable by its ``_text_name`` when it prints as a call
    (it keeps :meth:`Schedule.__repr__`); ``chain`` and ``lambda_`` have their
    own readers; nodes that print as methods (``s.shift(n)``) are methods; nodes
    that print as operators (``a + b``, ``-a``) have no name.
    """
    from .combinators import Chain, _Method, chain
    from .primitives import Lambda

    calls: dict[str, Callable[..., Any]] = {}
    methods: dict[str, type[Schedule]] = {}
    for cls in node_classes():
        name = cls.__dict__.get("_text_name")
        if not isinstance(name, str) or not name.isidentifier():
            continue
        if issubclass(cls, _Method):
            methods[name] = cls
        elif cls is Chain:
            calls[name] = chain
        elif cls is Lambda:
            calls[name] = _lambda
        elif cls.__repr__ is Schedule.__repr__ and dataclasses.is_dataclass(cls):
            calls[name] = cls
    return calls, methods


def _lambda(name: Any = None) -> Schedule:
    """``lambda_('warm')``: the function registered as ``warm``."""
    from .primitives import Lambda
    from .registry import lookup, name_of, names

    if not isinstance(name, str):
        raise TypeError(f"lambda_: in text, the argument is a registered name such as 'warm', got {name!r}")
    try:
        fn = lookup(name)
    except ScheduleError:
        known = names()
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"did you mean {_or(close)}?" if close else f"registered: {', '.join(known) or 'none'}"
        raise ScheduleError(
            f"lambda_: no function is registered as {name!r} ({hint}); register it with lrdsl.register({name!r})"
        ) from None
    # The name a registered function prints by is implied, not stored: lambda_(fn).
    return Lambda(fn, None if name_of(fn) == name else name)


def signature(name: str, fn: Any, method: bool = False) -> str:
    """The call as a user writes it, ``cosine(start, end, steps, exponent=1.0, periodic=False)``."""
    from .combinators import chain

    if fn is chain:
        return "chain(s1, s2, ..., boundaries=None)"
    if fn is _lambda:
        return "lambda_('registered_name')"
    parts = []
    for p in inspect.signature(fn).parameters.values():
        parts.append(p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}")
    if method:
        return f"s.{name}({', '.join(parts[1:])})"
    return f"{name}({', '.join(parts)})"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


# ----------------------------------------------------------------------------
# Checks on the raw text, before any parsing.


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


class _Reader:
    """One parse: the text, and the interpretation of its syntax tree."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.calls, self.methods = _tables()

    # -- errors ------------------------------------------------------------------

    def fail(self, message: str, line: int = 0, column: int = 0, end_column: int | None = None) -> NoReturn:
        raise ParseError(message, self.text, line, column, end_column)

    def fail_at(self, node: ast.AST, message: str) -> NoReturn:
        """An error underlining ``node`` (converting the parser's UTF-8 byte offsets)."""
        line = getattr(node, "lineno", 1) - 1
        start = self._char_col(line, getattr(node, "col_offset", 0))
        end = None
        if getattr(node, "end_lineno", None) == line + 1:
            end = self._char_col(line, node.end_col_offset or 0) + 1  # type: ignore[attr-defined]
        self.fail(message, line, start + 1, end)

    def _char_col(self, line: int, byte_col: int) -> int:
        src = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(src.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    # -- reading -----------------------------------------------------------------

    def read(self) -> Schedule:
        text = self.text
        nul = text.find("\0")
        if nul >= 0:
            line = text.count("\n", 0, nul) + 1
            self.fail("text contains a NUL byte", line, nul - (text.rfind("\n", 0, nul) + 1) + 1)
        self._scan()
        try:
            tree = ast.parse(_PREFIX + text + "\n)", mode="eval")
        except SyntaxError as e:
            self._syntax_error(e)
        except (RecursionError, MemoryError):  # _scan bounds the depth first; this is a safety net
            self.fail(f"text nested too deeply (the limit is {MAX_DEPTH} levels)")
        self._check_depth(tree.body)
        value = self.value(tree.body)
        if not isinstance(value, Schedule):
            what = _describe(value)
            hint = f"; for a constant schedule write constant({value!r})" if _is_number(value) else ""
            self.fail_at(tree.body, f"expected a schedule, got {what}{hint}")
        return value

    def _scan(self) -> None:
        """Token checks before :func:`ast.parse`: brackets balanced and at most
        :data:`MAX_DEPTH` deep, no prefixed strings (f-strings, bytes), and a bound
        on the depth of the syntax tree, so that the parser cannot recurse deeply."""
        src = _PREFIX + self.text + "\n)"
        stack: list[tuple[str, int, int]] = []  # open brackets and where
        ops = [0]  # operators per open bracket: a bound on the tree's depth there
        total = 0
        opening = {"(": ")", "[": "]", "{": "}"}
        significant = False
        readline = io.StringIO(src).readline
        try:
            for tok in tokenize.generate_tokens(readline):
                kind, s, (row, col) = tok.type, tok.string, tok.start
                line = row - 1
                if kind == tokenize.OP:
                    if s in opening:
                        stack.append((s, line, col))
                        ops.append(0)
                        if len(stack) - 1 > MAX_DEPTH:
                            self.fail(
                                f"text nested too deeply (the limit is {MAX_DEPTH} levels)", line, col + 1
                            )
                    elif s in (")", "]", "}"):
                        if line == len(self.lines) + 1:  # the closing parenthesis around the text
                            if len(stack) > 1:
                                what, line, col = stack[-1]
                                self.fail(f"{what!r} was never closed", line, col + 1)
                        elif len(stack) <= 1:
                            self.fail(f"unmatched {s!r}", line, col + 1)
                        opened = stack.pop()
                        if opening[opened[0]] != s:
                            self.fail(
                                f"{s!r} does not match the {opened[0]!r} of line {opened[1]}, column {opened[2] + 1}",
                                line,
                                col + 1,
                            )
                        total -= ops.pop()
                    elif s not in _FLAT:
                        ops[-1] += 1
                        total += 1
                        if total > _AST_DEPTH:
                            self.fail(
                                f"text nested too deeply (more than {_AST_DEPTH} operators in a row)",
                                line,
                                col + 1,
                            )
                elif kind == tokenize.NAME and keyword.iskeyword(s) and s not in ("True", "False", "None"):
                    ops[-1] += 1  # not, lambda, if, ...: rejected later, but they nest
                    total += 1
                    if total > _AST_DEPTH:
                        self.fail(
                            f"text nested too deeply (more than {_AST_DEPTH} operators in a row)",
                            line,
                            col + 1,
                        )
                elif kind == tokenize.STRING:
                    quote = min(i for i in (s.find("'"), s.find('"')) if i >= 0)
                    if quote:
                        kinds = {"f": "f-strings", "b": "byte strings", "r": "raw strings", "u": "u-strings"}
                        what = kinds.get(s[0].lower(), "prefixed strings")
                        self.fail(f"{what} are not part of the language", line, col + 1, col + 1 + quote + 1)
                if kind not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.ENDMARKER) and (
                    row > 1 and (row, s) != (len(self.lines) + 2, ")")
                ):
                    significant = True
        except tokenize.TokenError as e:
            msg = str(e.args[0]) if e.args else "bad text"
            if "multi-line statement" in msg and len(stack) > 1:
                _, line, col = stack[-1]
                self.fail(f"{stack[-1][0]!r} was never closed", line, col + 1)
            self.fail(msg.replace("EOF", "end of text"), len(self.lines), len(self.lines[-1]) + 1)
        except ParseError:
            raise
        except (SyntaxError, ValueError):
            pass  # ast.parse reports it, with a position
        if not significant:
            self.fail("empty text: expected a schedule, such as cosine(1e-3, 0, 10000)")

    def _syntax_error(self, e: SyntaxError) -> NoReturn:
        line = (e.lineno or 1) - 1
        if line < 1:
            line = 1
        if line > len(self.lines):
            line, col = len(self.lines), len(self.lines[-1]) + 1
        else:
            col = e.offset or 1
        msg = e.msg or "invalid syntax"
        src = self.lines[line - 1]
        if "<" in src[max(col - 2, 0) : col + 1] and "lambda_(" in src:
            msg = (
                "lambda_ of an unregistered function cannot be read back; "
                "register the function with lrdsl.register(name)"
            )
        elif msg.startswith("invalid syntax"):
            msg = "invalid syntax"
        msg = re.sub(r" \(detected at line \d+\)", "", msg)
        self.fail(msg, line, col)

    def _check_depth(self, root: ast.AST) -> None:
        """At most :data:`MAX_DEPTH` nested expressions (a run of ``>>`` counts once),
        checked without recursion."""
        stack: list[tuple[ast.AST, int]] = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                self.fail_at(node, f"text nested too deeply (the limit is {MAX_DEPTH} levels)")
            for child in ast.iter_child_nodes(node):
                same = (
                    (isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift) and child is node.left)
                    or isinstance(node, ast.Attribute)
                    or isinstance(child, ast.Attribute)
                    or not isinstance(child, ast.expr)
                    or isinstance(child, (ast.Constant, ast.Name))
                )
                stack.append((child, depth if same else depth + 1))

    # -- interpretation ------------------------------------------------------------

    def value(self, node: ast.AST) -> Value:
        """The value of one expression (recursion bounded by :meth:`_check_depth`)."""
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.RShift):
                return self.chain(node)
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = []
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    self.fail_at(elt, "unpacking (*) is not part of the language")
                items.append(self.value(elt))
            return tuple(items)
        if isinstance(node, ast.Name):
            self.unknown_name(node, node.id, called=False)
        if isinstance(node, ast.Attribute):
            self.fail_at(node, _attribute_message(node.attr, self.methods, called=False))
        self.fail_at(
            node, f"{_FORBIDDEN.get(type(node).__name__, type(node).__name__)} is not part of the language"
        )

    def constant(self, node: ast.Constant) -> Value:
        v = node.value
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)):
            return self.number(v, node, "number")
        self.fail_at(node, f"{_describe(v)} is not part of the language")

    def number(self, v: Any, node: ast.AST, what: str) -> int | float:
        """``v`` if it is a finite number that fits a float."""
        if isinstance(v, int) and not isinstance(v, bool):
            if abs(v) >= _MAX_INT:
                self.fail_at(node, f"{what} too large: it does not fit a float")
            return v
        if isinstance(v, float):
            if not math.isfinite(v):
                self.fail_at(node, f"{what} out of range: it is not a finite float")
            return v
        self.fail_at(node, f"{what} is not a real number")

    def call(self, node: ast.Call) -> Value:
        func = node.func
        if isinstance(func, ast.Name):
            fn = self.calls.get(func.id)
            if fn is None:
                self.unknown_name(func, func.id, called=True)
            args = self.arguments(node)
            name, receiver = func.id, None
        elif isinstance(func, ast.Attribute):
            cls = self.methods.get(func.attr)
            if cls is None:
                self.fail_at(func, _attribute_message(func.attr, self.methods, called=True))
            receiver = self.value(func.value)
            if not isinstance(receiver, Schedule):
                self.fail_at(
                    func.value, f".{func.attr}() is a method of schedules, not of {_describe(receiver)}"
                )
            args = self.arguments(node)
            fn, name = cls, func.attr
        else:
            self.fail_at(func, "only schedule names can be called")
        positional, keywords = args
        if receiver is not None:
            positional = [receiver, *positional]
        try:
            return fn(*positional, **keywords)
        except ParseError:
            raise
        except TypeError as e:
            self.fail_at(node, self._type_message(name, fn, e, receiver is not None))
        except ScheduleError as e:
            self.fail_at(node, str(e))
        except Exception as e:  # a constructor that fails in an unforeseen way is still bad text
            self.fail_at(node, f"{name}: {type(e).__name__}: {e}")

    def arguments(self, node: ast.Call) -> tuple[list[Value], dict[str, Value]]:
        positional = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                self.fail_at(a, "unpacking (*) is not part of the language")
            positional.append(self.value(a))
        keywords = {}
        for k in node.keywords:
            if k.arg is None:
                self.fail_at(k.value, "unpacking (**) is not part of the language")
            if k.arg.startswith("_"):
                self.fail_at(k, f"no parameter is called {k.arg!r}")
            keywords[k.arg] = self.value(k.value)
        return positional, keywords

    def _type_message(self, name: str, fn: Any, e: TypeError, method: bool) -> str:
        msg = str(e)
        if method and ("positional argument" in msg or "keyword argument" in msg):
            return f"wrong arguments for .{name}(): the form is {signature(name, fn, method=True)}"
        if "__init__()" in msg or "positional argument" in msg or "keyword argument" in msg:
            detail = msg.split("__init__() ", 1)[-1].split("() ", 1)[-1]
            return f"{name}: {detail}; the form is {signature(name, fn, method=method)}"
        return msg

    def unknown_name(self, node: ast.AST, name: str, called: bool) -> NoReturn:
        known = sorted(self.calls)
        if not called and name in self.calls:
            self.fail_at(node, f"{name} must be called: {signature(name, self.calls[name])}")
        if name in ("inf", "nan", "infinity"):
            self.fail_at(node, f"{name!r} is not a number here: every number must be finite")
        if name.startswith("_"):
            self.fail_at(
                node, f"unknown name {name!r}: names with underscores in front are not part of the language"
            )
        close = difflib.get_close_matches(name, known + [m for m in self.methods], n=3, cutoff=0.6)
        close = [c if c in self.calls else f".{c}()" for c in close]
        hint = f"did you mean {_or(close)}?" if close else f"known names: {', '.join(known)}"
        what = "unknown schedule" if called else "unknown name"
        self.fail_at(node, f"{what} {name!r} ({hint})")

    def chain(self, node: ast.BinOp) -> Value:
        """A run ``a >> b >> c`` (read without recursion along the run)."""
        rights: list[ast.expr] = []
        left: ast.expr = node
        while isinstance(left, ast.BinOp) and isinstance(left.op, ast.RShift):
            rights.append(left.right)
            left = left.left
        acc = self.value(left)
        for i, r in enumerate(reversed(rights)):
            here = node if i == len(rights) - 1 else None
            b = self.value(r)
            for side, v in ((left, acc), (r, b)):
                if not isinstance(v, Schedule):
                    self.fail_at(side, f"'>>' puts one schedule after another, got {_describe(v)}")
            try:
                acc = acc >> b
            except (ScheduleError, TypeError) as e:
                self.fail_at(here or r, str(e))
            left = r
        return acc

    def binop(self, node: ast.BinOp) -> Value:
        op = _OPERATORS.get(type(node.op))
        if op is None:
            self.fail_at(
                node, f"the operator {_OP_TEXT.get(type(node.op), '?')!r} is not part of the language"
            )
        a, b = self.value(node.left), self.value(node.right)
        for side, v in ((node.left, a), (node.right, b)):
            if not (isinstance(v, Schedule) or _is_number(v)):
                self.fail_at(side, f"'{op}' works on schedules and numbers, not on {_describe(v)}")
        if _is_number(a) and _is_number(b):
            return self.fold(op, a, b, node)
        try:
            return _APPLY[op](a, b)
        except (ScheduleError, TypeError) as e:
            self.fail_at(node, str(e))

    def fold(self, op: str, a: int | float, b: int | float, node: ast.AST) -> int | float:
        """``a op b`` for plain numbers, refusing results that overflow."""
        if op == "**":
            self._check_power(a, b, node)
        shown = f"{_paren(a)} {op} {_paren(b)}"
        try:
            v = _APPLY[op](a, b)
        except ZeroDivisionError:
            self.fail_at(node, f"division by zero in {shown}")
        except (OverflowError, ValueError, ArithmeticError):
            self.fail_at(node, f"{shown} overflows")
        if isinstance(v, complex):
            self.fail_at(node, f"{shown} is not a real number")
        return self.number(v, node, "result")

    def _check_power(self, a: int | float, b: int | float, node: ast.AST) -> None:
        """Refuse ``a ** b`` before computing it when the result cannot fit a float
        (``9 ** 9 ** 9`` would otherwise compute for hours)."""
        if abs(a) <= 1 or b <= 0:
            return
        if b * math.log2(abs(a)) > 1024:
            self.fail_at(node, f"{a!r} ** {b!r} is too large: it does not fit a float")

    def unary(self, node: ast.UnaryOp) -> Value:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            self.fail_at(
                node, f"the operator {_OP_TEXT.get(type(node.op), '?')!r} is not part of the language"
            )
        v = self.value(node.operand)
        if not (isinstance(v, Schedule) or _is_number(v)):
            self.fail_at(node.operand, f"unary minus works on schedules and numbers, not on {_describe(v)}")
        if isinstance(node.op, ast.UAdd):
            return v
        try:
            return -v
        except (ScheduleError, TypeError) as e:
            self.fail_at(node, str(e))


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
        return f"the string {v!r}"
    if isinstance(v, tuple):
        return "a list"
    return type(v).__name__


def _attribute_message(attr: str, methods: dict[str, Any], called: bool) -> str:
    listing = ", ".join(f".{m}()" for m in sorted(methods))
    if attr in methods:
        return f".{attr} is a method: call it, as in s.{attr}(...)"
    close = difflib.get_close_matches(attr, list(methods), n=1)
    hint = f"; did you mean .{close[0]}()?" if close and not attr.startswith("_") else ""
    return f"attribute .{attr} is not part of the language (the methods are {listing}){hint}"


_OPERATORS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}

_APPLY: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}

_OP_TEXT: dict[type, str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.Not: "not",
    ast.Invert: "~",
}

_FORBIDDEN = {
    "Lambda": "lambda",
    "ListComp": "a list comprehension",
    "SetComp": "a set comprehension",
    "DictComp": "a dict comprehension",
    "GeneratorExp": "a generator expression",
    "JoinedStr": "an f-string",
    "FormattedValue": "an f-string",
    "Subscript": "indexing",
    "Slice": "slicing",
    "Compare": "a comparison",
    "BoolOp": "and/or",
    "IfExp": "if/else",
    "Dict": "a dict",
    "Set": "a set",
    "NamedExpr": "the := operator",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
    "Starred": "unpacking (*)",
}
