"""Symbolic quantities: the numbers of a schedule that are known only when the run is.

``T`` is the run's length in steps; ``var(name)`` is any other number a
training config gives later (``steps_per_epoch``, ``tokens_per_step``, ...).
They combine with numbers and with each other as Python numbers do, and
``bind`` gives them values::

    >>> from lrdsl.quantity import T, var, round
    >>> decay = T - round(0.05 * T)
    >>> decay
    T - round(0.05 * T)
    >>> decay.bind(T=100_000)
    95000
    >>> var('steps_per_epoch') * 3
    var('steps_per_epoch') * 3

The language (the printed form is Python's expression syntax, with Python's
precedence, and means what it means in Python)::

    q := T | var('name') | NUMBER
       | q + q | q - q | q * q | q / q | q // q | q % q | q ** q | -q
       | round(q) | floor(q) | ceil(q) | min(q, q, ...) | max(q, q, ...)

Meaning: ``q.bind(T=..., name=...)`` computes exactly what the same expression
computes in Python on those numbers, with Python's ``round`` (half to even),
``math.floor``, ``math.ceil``, ``min`` and ``max``: ``/`` gives a float,
integer arithmetic stays ``int``, ``round``/``floor``/``ceil`` give ints.
Binding only some names gives a quantity in the others, with every
sub-expression that became numbers computed (:attr:`Quantity.free` lists the
names left). ``bind`` refuses, with a :class:`~lrdsl.ScheduleError`, an
operation whose Python result would not be a finite real number that fits a
float (division by zero, overflow, a negative number to a fractional power).

A quantity is an immutable expression with structural ``==`` and ``hash``
(``==`` compares expressions, it is not an equation: ``T == 5`` is ``False``;
numbers compare by type and value, so ``T + 1 != T + 1.0``). It has no value
until bound, so everything that would need one raises :class:`TypeError`:
comparisons (``<``, ``<=``, ``>``, ``>=``), ``bool()``, ``float()``,
``int()``, ``operator.index()``. Python's ``round(q)``, ``math.floor(q)`` and
``math.ceil(q)`` give quantities.

:func:`round`, :func:`floor`, :func:`ceil`, :func:`min` and :func:`max` are
Python's own functions when no argument is a quantity (so ``from lrdsl import
*`` changes nothing for numbers); ``lrdsl.minimum``/``lrdsl.maximum`` remain the
pointwise minimum and maximum of schedules.

Arithmetic on plain numbers is folded (Python computes ``2 * 3 * T`` as
``6 * T``); nothing else is simplified (``T - T`` stays). Runs of ``+``/``-``
and of ``*``/``/``/``//``/``%`` are one level deep, like the ``>>`` runs of
a chain, so the sum of many durations stays shallow.

Limits: a quantity is at most :data:`MAX_DEPTH` levels deep and has at most
:data:`MAX_SIZE` parts (names, numbers and operations); beyond is a
:class:`~lrdsl.ScheduleError`. Every operation (building, ``==``, ``hash``,
printing, ``bind``, data) takes time linear in the size. Numbers are finite and
fit a float (ints up to ``2**1023`` in magnitude).

As data (:func:`to_data`, :func:`from_data`): a number, or a dict with one key,
never ``"op"`` (that is a schedule node)::

    {"var": "T"}                              T
    {"sum": [a, "+", b, "-", c]}              a + b - c
    {"product": [a, "*", b, "//", c]}         a * b // c   (also "/" and "%")
    {"pow": [a, b]}                           a ** b
    {"neg": a}, {"round": a}, {"floor": a}, {"ceil": a}
    {"min": [a, b, ...]}, {"max": [a, b, ...]}
"""

from __future__ import annotations

import builtins
import keyword
import math
import operator
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import numpy as np

from .errors import ScheduleError

__all__ = [
    "Quantity",
    "T",
    "var",
    "round",
    "floor",
    "ceil",
    "min",
    "max",
    "bind",
    "free",
    "is_quantity",
    "precedence",
    "to_data",
    "from_data",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_SIZE",
]

#: The deepest quantity (a name is 1 level; each operation adds one; a run of
#: ``+``/``-`` or of ``*``/``/``/``//``/``%`` is one operation).
MAX_DEPTH = 32
#: The most parts (names, numbers, operations) a quantity may have.
MAX_SIZE = 1000
#: The names the printed form calls (a variable may not take one of them).
FUNCTIONS = ("var", "round", "floor", "ceil", "min", "max")

#: The largest magnitude of an int: what a float can hold (as the schedules' checks).
_MAX_INT = 2**1023

# Precedence of the printed form, as in Python.
_ADD, _MUL, _NEG, _POW, _ATOM = 2, 3, 4, 5, 6

#: Runs of left-associative operators of one precedence level.
_RUNS = {"sum": ("+", "-"), "product": ("*", "/", "//", "%")}
_LEVEL = {"sum": _ADD, "product": _MUL}
_RUN_OF = {op: kind for kind, ops in _RUNS.items() for op in ops}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}
_ROUNDING: dict[str, Callable[[Any], Any]] = {"round": builtins.round, "floor": math.floor, "ceil": math.ceil}
_CHOICE: dict[str, Callable[..., Any]] = {"min": builtins.min, "max": builtins.max}
_UNARY = ("neg", "round", "floor", "ceil")
_KINDS = ("var", "sum", "product", "pow", *_UNARY, "min", "max")

# What goes wrong when an operation on numbers has no finite real result.
_ZERO = "divides by zero"
_OVERFLOW = "overflows: the result does not fit a float"
_COMPLEX = "is not a real number"

Number = int | float
#: ``fail(reason, index, shown)``: report an operation without a finite real result
#: (``index``: which operation of a run; ``shown``: the operation on its numbers).
Fail = Callable[[str, "int | None", str], NoReturn]


# ----------------------------------------------------------------------------
# The expression.


class Quantity:
    """A number known later: ``T``, ``var(name)``, or arithmetic on them.

    Build quantities with :data:`T`, :func:`var`, the operators ``+ - * / // %
    **`` and unary ``-``, and :func:`round`, :func:`floor`, :func:`ceil`,
    :func:`min`, :func:`max`; not by calling this class.
    """

    __slots__ = ("_args", "_depth", "_free", "_hash", "_kind", "_size")
    # NumPy must defer to the reflected operators (np.float64(2) * T).
    __array_ufunc__ = None

    _kind: str
    _args: tuple[Any, ...]
    _hash: int
    _depth: int
    _size: int
    _free: frozenset[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("Quantity is not called: write lr.T, lr.var(name), and arithmetic on them")

    # -- what it is ------------------------------------------------------------------

    @property
    def free(self) -> frozenset[str]:
        """The names without a value: ``(T - var('w')).free == {'T', 'w'}``."""
        return self._free

    def bind(self, **values: Any) -> Value:
        """The quantity with ``values`` given to its names: a number when every name
        is bound, else a quantity in the others.

        The number is what the same expression computes in Python on those
        numbers, with its type: ``round(0.05 * T).bind(T=100_000) == 5000``, an
        ``int``. A value may be a number (NumPy scalars become Python numbers) or a
        quantity (substituted); ``T`` is a length, ``>= 0``. Names the quantity does
        not hold are ignored (one config can bind many quantities).

        Raises :class:`~lrdsl.ScheduleError` for a bad value or an operation whose
        result is not a finite real number that fits a float, naming the
        operation and the values: ``bind: T / (T - 100) divides by zero (with T=100)``.
        """
        return _bind(self, _bindings(values))

    def to_data(self) -> Any:
        """The quantity as JSON-safe data (see the module docstring); :func:`from_data`
        reads it back."""
        return _data(self)

    # -- equality: structural ----------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Quantity):
            return NotImplemented
        return _same(self, other)

    def __hash__(self) -> int:
        return self._hash

    # -- arithmetic ------------------------------------------------------------------------

    def __add__(self, other: Any) -> Any:
        return _binary("+", self, other)

    def __radd__(self, other: Any) -> Any:
        return _binary("+", other, self)

    def __sub__(self, other: Any) -> Any:
        return _binary("-", self, other)

    def __rsub__(self, other: Any) -> Any:
        return _binary("-", other, self)

    def __mul__(self, other: Any) -> Any:
        return _binary("*", self, other)

    def __rmul__(self, other: Any) -> Any:
        return _binary("*", other, self)

    def __truediv__(self, other: Any) -> Any:
        return _binary("/", self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _binary("/", other, self)

    def __floordiv__(self, other: Any) -> Any:
        return _binary("//", self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return _binary("//", other, self)

    def __mod__(self, other: Any) -> Any:
        return _binary("%", self, other)

    def __rmod__(self, other: Any) -> Any:
        return _binary("%", other, self)

    def __pow__(self, other: Any, mod: Any = None) -> Any:
        return NotImplemented if mod is not None else _binary("**", self, other)

    def __rpow__(self, other: Any, mod: Any = None) -> Any:
        return NotImplemented if mod is not None else _binary("**", other, self)

    def __neg__(self) -> Quantity:
        return _make("neg", (self,), "-")

    def __pos__(self) -> Quantity:
        return self

    def __round__(self, ndigits: Any = None) -> Quantity:
        return round(self, ndigits)

    def __floor__(self) -> Quantity:
        return _make("floor", (self,), "floor")

    def __ceil__(self) -> Quantity:
        return _make("ceil", (self,), "ceil")

    # -- no value until bound ----------------------------------------------------------------

    def __lt__(self, other: Any) -> NoReturn:
        raise _unbound(self, "compare it after {bind}, or choose with lr.min / lr.max")

    __le__ = __gt__ = __ge__ = __lt__

    def __bool__(self) -> NoReturn:
        raise _unbound(self, "test it after {bind}")

    def __float__(self) -> NoReturn:
        raise _unbound(self, "float() needs {bind} first")

    def __int__(self) -> NoReturn:
        raise _unbound(self, "int() needs {bind} first; lr.round, lr.floor and lr.ceil round symbolically")

    def __index__(self) -> NoReturn:
        raise _unbound(self, "it cannot be used as an integer (a count, an index) before {bind}")

    def __trunc__(self) -> NoReturn:
        raise _unbound(self, "math.trunc() needs {bind} first; lr.floor and lr.ceil round symbolically")

    def __complex__(self) -> NoReturn:
        raise _unbound(self, "complex() needs {bind} first")

    def __format__(self, spec: str) -> str:
        if spec:
            raise _unbound(self, f"format(..., {spec!r}) needs {{bind}} first")
        return str(self)

    # -- text, copies, pickling -------------------------------------------------------------

    def __repr__(self) -> str:
        """The printed form: Python syntax, minimal parentheses, ``T - round(0.05 * T)``."""
        out: list[str] = []
        _write(self, out)
        return "".join(out)

    __str__ = __repr__

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"quantities are immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"quantities are immutable: cannot delete {name!r}")

    def __copy__(self) -> Quantity:
        return self

    def __deepcopy__(self, memo: Any) -> Quantity:
        return self

    def __reduce__(self) -> tuple[Callable[[Any], Value], tuple[Any]]:
        return from_data, (self.to_data(),)


#: A number or a quantity: what a quantity's operand, or ``bind``'s result, is.
Value = int | float | Quantity


def _make(kind: str, args: tuple[Any, ...], fn: str) -> Quantity:
    """A node (``args``: its operands, and for runs the operators between them), with
    the limits checked and the hash, depth, size and free names computed once."""
    if kind in _RUNS:
        return _make_run(kind, None, args, fn)
    if kind == "var":
        return _node(kind, args, hash((kind, args)), 1, 1, frozenset(args), fn)
    subs = [a for a in args if isinstance(a, Quantity)]
    return _node(
        kind,
        args,
        hash((kind, *map(_key, args))),
        1 + builtins.max([a._depth for a in subs], default=0),
        1 + len(args) - len(subs) + sum(a._size for a in subs),
        subs[0]._free if len(subs) == 1 else frozenset().union(*[a._free for a in subs]),
        fn,
    )


def _make_run(kind: str, base: Quantity | None, tail: tuple[Any, ...], fn: str) -> Quantity:
    """The run ``kind`` of ``base``'s items (a run of this kind) then ``tail``
    (``op, x, op, x, ...``); without ``base``, of ``tail`` (``x, op, x, ...``).

    The hash, depth, size and free names are carried on from ``base``, so that
    extending a run (``sum()`` of many terms) costs the new terms only."""
    if base is None:
        first, rest = tail[0], tail[1:]
        h = hash((kind, _key(first)))
        if isinstance(first, Quantity):
            depth, size, free = first._depth, first._size, first._free
        else:
            depth, size, free = 0, 1, frozenset()
        items: tuple[Any, ...] = (first,)
    else:
        h, depth, size, free = base._hash, base._depth - 1, base._size - 1, base._free
        items, rest = base._args, tail
    for i in range(0, len(rest), 2):
        x = rest[i + 1]
        h = hash((h, rest[i], _key(x)))
        if isinstance(x, Quantity):
            depth = builtins.max(depth, x._depth)
            size += x._size
            if not x._free <= free:
                free = free | x._free
        else:
            size += 1
    return _node(kind, items + rest, h, depth + 1, size + 1, free, fn)


def _key(a: Any) -> Any:
    """What an operand contributes to a hash (floats apart from equal ints)."""
    return a._hash if isinstance(a, Quantity) else a if isinstance(a, str) else (type(a) is float, a)


def _node(
    kind: str, args: tuple[Any, ...], h: int, depth: int, size: int, free: frozenset[str], fn: str
) -> Quantity:
    if depth > MAX_DEPTH:
        raise ScheduleError(
            f"{fn}: the quantity would be nested {depth} levels deep (the limit is {MAX_DEPTH})"
        )
    if size > MAX_SIZE:
        raise ScheduleError(f"{fn}: the quantity would have {size} parts (the limit is {MAX_SIZE})")
    q = object.__new__(Quantity)
    set_ = object.__setattr__
    set_(q, "_kind", kind)
    set_(q, "_args", args)
    set_(q, "_hash", h)
    set_(q, "_depth", depth)
    set_(q, "_size", size)
    set_(q, "_free", free)
    return q


#: The run's length in steps.
T: Quantity = _make("var", ("T",), "T")


def is_quantity(x: Any) -> bool:
    """``x`` is a :class:`Quantity` (not a plain number)."""
    return isinstance(x, Quantity)


def free(x: Any) -> frozenset[str]:
    """The unbound names of ``x``: those of a quantity, none for a number."""
    return x._free if isinstance(x, Quantity) else frozenset()


def bind(x: Any, **values: Any) -> Any:
    """``x.bind(**values)`` for a quantity; a number as it is (the values still checked)."""
    env = _bindings(values)
    return _bind(x, env) if isinstance(x, Quantity) else x


# ----------------------------------------------------------------------------
# Names and numbers.


_reserved_names: tuple[int, frozenset[str]] = (-1, frozenset())


def _reserved() -> frozenset[str]:
    """The language's function names: the quantity functions and every schedule's name
    (recomputed when a node class has been defined since)."""
    global _reserved_names
    from ._node import node_classes  # imported late: the nodes will use this module

    classes = node_classes()
    if _reserved_names[0] != len(classes):
        names = frozenset(FUNCTIONS) | {c._text_name for c in classes if c._text_name}
        _reserved_names = (len(classes), names)
    return _reserved_names[1]


def _check_name(fn: str, name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"{fn}: name must be a str, got {type(name).__name__} {_repr(name)}")
    if not (name.isascii() and name.isidentifier()):
        raise _fail(
            fn, "name", name, "an identifier (ASCII letters, digits and _, not starting with a digit)"
        )
    if keyword.iskeyword(name):
        raise ScheduleError(f"{fn}: name must not be a Python keyword, got {name!r}")
    if name != "T" and name in _reserved():
        raise ScheduleError(f"{fn}: name must not be a function of the language, got {name!r}")
    return str(name)  # not a str subclass (np.str_ prints otherwise)


def var(name: str) -> Quantity:
    """The quantity called ``name`` (``var('T')`` is :data:`T`), bound later with
    ``.bind(name=...)``.

    ``name`` is an ASCII identifier, not a Python keyword and not a function of
    the language (``round``, ``min``, ``cosine``, ...).

    >>> var('steps_per_epoch') * 3
    var('steps_per_epoch') * 3
    """
    name = _check_name("var", name)
    return T if name == "T" else _make("var", (name,), "var")


def _as_number(x: Any) -> Number | None:
    """``x`` as a Python number if it is a real number (NumPy scalars included, bools
    not); ``None`` otherwise."""
    kind = type(x)
    if kind is int or kind is float:
        return x
    if isinstance(x, (np.integer, np.floating)):
        return x.item()
    return None


def _finite(x: Number) -> bool:
    return -_MAX_INT <= x <= _MAX_INT if type(x) is int else math.isfinite(x)


def _fail(fn: str, param: str, value: Any, rule: str) -> ScheduleError:
    return ScheduleError(f"{fn}: {param} must be {rule}, got {_repr(value)}")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _repr(x: Any, limit: int = 80) -> str:
    """``repr(x)``, cut short; safe on data nested too deeply for ``repr``."""
    try:
        return _short(repr(x), limit)
    except RecursionError:
        return f"a {type(x).__name__} nested too deeply to show"


def _operand(fn: str, param: str, x: Any) -> Value | None:
    """A quantity, or a finite number as a Python number; ``None`` for other types."""
    if isinstance(x, Quantity):
        return x
    v = _as_number(x)
    if v is not None and not _finite(v):
        raise _fail(fn, param, v, "a finite number")
    return v


def _refuse_schedules(fn: str, items: Any, hint: str) -> None:
    from ._node import Schedule  # imported late: the nodes will use this module

    for x in items:
        if isinstance(x, Schedule):
            raise TypeError(f"{fn}: works on numbers and quantities, not on the schedule {_repr(x)}{hint}")


# ----------------------------------------------------------------------------
# Operations: nodes when a quantity is involved, Python's arithmetic (checked) on numbers.


class _NoResult(Exception):
    """An operation on numbers without a finite real result (``reason``: what went wrong)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _result(r: Any) -> Number:
    if type(r) is complex:
        raise _NoResult(_COMPLEX)
    if not _finite(r):
        raise _NoResult(_OVERFLOW)
    return r


def _arith(op: str, a: Number, b: Number) -> Number:
    """``a op b`` as Python computes it, if it is a finite real number that fits a float."""
    if op == "**":
        if a == 0 and b < 0:
            raise _NoResult(_ZERO)
        # Refused before computing (10 ** 10 ** 9 would compute for minutes) when the
        # result is surely beyond 2 ** 1024; nearer, the result itself is checked.
        if abs(a) > 1 and b > 0 and b * math.log2(abs(a)) > 1100:
            raise _NoResult(_OVERFLOW)
    elif op in ("/", "//", "%") and b == 0:
        raise _NoResult(_ZERO)
    try:
        r = _ARITH[op](a, b)
    except ZeroDivisionError:
        raise _NoResult(_ZERO) from None
    except (ArithmeticError, ValueError):
        raise _NoResult(_OVERFLOW) from None
    return _result(r)


def _shown(*parts: Any) -> str:
    """The text of an operation on numbers, as in ``(-1) ** 0.5``."""
    out: list[str] = []
    if len(parts) == 2:  # a function and its argument
        out.append(f"{parts[0]}(")
        _write(parts[1], out)
        out.append(")")
    elif parts[1] == "**":
        _write(parts[0], out, _POW, True)
        out.append(" ** ")
        _write(parts[2], out, _NEG)
    else:
        _write_run(_RUN_OF[parts[1]], parts, out)
    return "".join(out)


def _operator_fail(op: str) -> Fail:
    def fail(reason: str, index: int | None, shown: str) -> NoReturn:
        # On a quantity only a literal zero divisor can fail: the rule, as for schedules.
        raise _fail(op, "divisor", 0, "non-zero")

    return fail


def _binary(op: str, a: Any, b: Any) -> Any:
    """``a op b`` where one side is a quantity (``NotImplemented`` for other types)."""
    x, y = _operand(op, "operand", a), _operand(op, "operand", b)
    if x is None or y is None:
        return NotImplemented
    if op == "**":
        return _make("pow", (x, y), op)
    return _fold_run(_RUN_OF[op], x, ((op, y),), _operator_fail(op))


def _fold_run(kind: str, first: Value, pairs: tuple[tuple[str, Value], ...], fail: Fail) -> Value:
    """``first op1 x1 op2 x2 ...``, left to right, as Python evaluates it: numbers are
    combined while the running value is a number; from the first quantity on, the
    run is one node (extending the running value when it is a run of this kind)."""
    acc, i, n = first, 0, len(pairs)
    while i < n and not isinstance(acc, Quantity):
        op, x = pairs[i]
        if isinstance(x, Quantity):
            break
        try:
            acc = _arith(op, acc, x)
        except _NoResult as e:
            fail(e.reason, i, _shown(acc, op, x))
        i += 1
    if i == n:
        return acc
    tail: list[Any] = []
    for j in range(i, n):
        op, x = pairs[j]
        if op in ("/", "//", "%") and not isinstance(x, Quantity) and x == 0:
            out: list[str] = []
            _write_run(kind, (acc, *tail, op, x), out)
            fail(_ZERO, j, "".join(out))
        tail += (op, x)
    if isinstance(acc, Quantity) and acc._kind == kind:
        return _make_run(kind, acc, tuple(tail), pairs[i][0])
    return _make_run(kind, None, (acc, *tail), pairs[i][0])


def _rebuild(kind: str, args: tuple[Any, ...], fail: Fail) -> Value:
    """The node ``kind`` of ``args`` (operands already built or bound), folded where its
    operands are numbers."""
    if kind in _RUNS:
        return _fold_run(kind, args[0], tuple(zip(args[1::2], args[2::2])), fail)
    has_quantity = any(isinstance(a, Quantity) for a in args)
    if kind == "var" or has_quantity:
        return _make(kind, args, {"pow": "**", "neg": "-"}.get(kind, kind))
    try:
        if kind == "pow":
            return _arith("**", args[0], args[1])
        if kind == "neg":
            return -args[0]
        if kind in _ROUNDING:
            return _result(_ROUNDING[kind](args[0]))
        return _CHOICE[kind](args)
    except _NoResult as e:
        fail(e.reason, None, _shown(args[0], "**", args[1]) if kind == "pow" else _shown(kind, args[0]))


# ----------------------------------------------------------------------------
# The functions of the language.


def round(number: Any, ndigits: Any = None) -> Any:
    """``round(q)``: Python's ``round`` (half to even, an ``int``), symbolic for a
    quantity; for anything else, Python's ``round(number, ndigits)`` itself.

    >>> round(0.05 * T)
    round(0.05 * T)
    >>> round(0.05 * T).bind(T=1010)
    50
    """
    if isinstance(number, Quantity):
        if ndigits is not None:
            raise TypeError(
                "round: ndigits is not supported for quantities (round(q) rounds to an int, as round(x) does)"
            )
        return _make("round", (number,), "round")
    _refuse_schedules("round", (number,), "")
    return builtins.round(number, ndigits)


def floor(x: Any) -> Any:
    """``floor(q)``: :func:`math.floor` (an ``int``), symbolic for a quantity; for anything
    else, ``math.floor(x)`` itself."""
    if isinstance(x, Quantity):
        return _make("floor", (x,), "floor")
    _refuse_schedules("floor", (x,), "")
    return math.floor(x)


def ceil(x: Any) -> Any:
    """``ceil(q)``: :func:`math.ceil` (an ``int``), symbolic for a quantity; for anything
    else, ``math.ceil(x)`` itself.

    >>> ceil(0.03 * T).bind(T=1000)
    30
    """
    if isinstance(x, Quantity):
        return _make("ceil", (x,), "ceil")
    _refuse_schedules("ceil", (x,), "")
    return math.ceil(x)


def min(*args: Any, **kwargs: Any) -> Any:
    """``min(a, b, ...)`` (or ``min(iterable)``): Python's ``min``, symbolic when an
    argument is a quantity; without a quantity, Python's ``min`` itself. For the
    pointwise minimum of schedules, see ``lrdsl.minimum``.

    >>> min(T // 10, 2000).bind(T=100_000)
    2000
    """
    return _choose("min", args, kwargs)


def max(*args: Any, **kwargs: Any) -> Any:
    """``max(a, b, ...)`` (or ``max(iterable)``): Python's ``max``, symbolic when an
    argument is a quantity; without a quantity, Python's ``max`` itself. For the
    pointwise maximum of schedules, see ``lrdsl.maximum``."""
    return _choose("max", args, kwargs)


def _choose(fn: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    items = args
    if len(args) == 1 and not isinstance(args[0], Quantity):
        try:
            items = tuple(args[0])
        except TypeError:
            return _CHOICE[fn](*args, **kwargs)  # Python's own error
        args = (items,)
    if not any(isinstance(x, Quantity) for x in items):
        _refuse_schedules(fn, items, f"; for the pointwise {fn}imum of schedules use lr.{fn}imum")
        return _CHOICE[fn](*args, **kwargs)
    if len(items) == 1:
        raise TypeError(f"{fn}: expected two or more arguments, or an iterable, got {_repr(items[0])}")
    if kwargs:
        raise TypeError(f"{fn}: {', '.join(sorted(kwargs))} not supported with quantities")
    values = []
    for i, x in enumerate(items):
        v = _operand(fn, f"args[{i}]", x)
        if v is None:
            _refuse_schedules(fn, (x,), f"; for the pointwise {fn}imum of schedules use lr.{fn}imum")
            raise TypeError(
                f"{fn}: args[{i}] must be a number or a quantity, got {type(x).__name__} {_repr(x)}"
            )
        values.append(v)
    return _make(fn, tuple(values), fn)


# ----------------------------------------------------------------------------
# Equality, printing, binding, data.


def _same(a: Quantity, b: Quantity) -> bool:
    if a._hash != b._hash or a._kind != b._kind or len(a._args) != len(b._args):
        return False
    for x, y in zip(a._args, b._args):
        if isinstance(x, Quantity):
            if not (isinstance(y, Quantity) and (x is y or _same(x, y))):
                return False
        elif (
            isinstance(y, Quantity)
            or type(x) is not type(y)
            or x != y
            or (type(x) is float and math.copysign(1.0, x) != math.copysign(1.0, y))
        ):
            return False
    return True


def precedence(q: Quantity) -> int:
    """How loosely ``q``'s printed form binds, on the scale of Python's operators that
    ``lrdsl._node`` also uses: 2 for ``a + b`` and ``a - b``, 3 for ``*``, ``/``,
    ``//`` and ``%``, 4 for unary ``-``, 5 for ``**``, 6 for a name or a call.
    A schedule's text parenthesises a quantity operand that binds looser than its place."""
    return _precedence(q)


def _precedence(x: Any) -> int:
    if isinstance(x, Quantity):
        kind = x._kind
        if kind in _LEVEL:
            return _LEVEL[kind]
        return {"neg": _NEG, "pow": _POW}.get(kind, _ATOM)
    if isinstance(x, str):
        return _ATOM
    return _NEG if x < 0 or (type(x) is float and math.copysign(1.0, x) < 0) else _ATOM


def _write(x: Any, out: list[str], parent: int = 0, right: bool = False) -> None:
    """Append the text of ``x``, in parentheses if it binds looser than ``parent``
    (or as loosely, on the right of a left-associative operator)."""
    p = _precedence(x)
    paren = p < parent or (p == parent and right)
    if paren:
        out.append("(")
    if not isinstance(x, Quantity):
        out.append(repr(x))
    else:
        kind, args = x._kind, x._args
        if kind == "var":
            out.append("T" if args[0] == "T" else f"var({args[0]!r})")
        elif kind in _RUNS:
            _write_run(kind, args, out)
        elif kind == "pow":  # right-associative; the exponent may be unary
            _write(args[0], out, _POW, True)
            out.append(" ** ")
            _write(args[1], out, _NEG)
        elif kind == "neg":
            out.append("-")
            _write(args[0], out, _NEG)
        else:
            out.append(f"{kind}(")
            for i, a in enumerate(args):
                if i:
                    out.append(", ")
                _write(a, out)
            out.append(")")
    if paren:
        out.append(")")


def _write_run(kind: str, args: tuple[Any, ...], out: list[str]) -> None:
    level = _LEVEL[kind]
    _write(args[0], out, level)
    for i in range(1, len(args), 2):
        out.append(f" {args[i]} ")
        _write(args[i + 1], out, level, True)


def _ordered(names: frozenset[str]) -> list[str]:
    """``T`` first, then the others in alphabetical order."""
    return sorted(names, key=lambda n: (n != "T", n))


def _unbound(q: Quantity, advice: str) -> TypeError:
    names = ", ".join(f"{n}=..." for n in _ordered(q._free))
    return TypeError(f"{_repr(q)} has no value until bound; {advice.format(bind=f'.bind({names})')}")


def _bindings(values: dict[str, Any]) -> dict[str, Value]:
    env: dict[str, Value] = {}
    for name, v in values.items():
        _check_name("bind", name)
        if isinstance(v, Quantity):
            env[name] = v
            continue
        if isinstance(v, (bool, np.bool_)):
            raise TypeError(f"bind: {name} must be a number, got the bool {v!r}")
        n = _as_number(v)
        if n is None:
            raise TypeError(f"bind: {name} must be a number or a quantity, got {type(v).__name__} {_repr(v)}")
        if not _finite(n):
            raise _fail("bind", name, n, "a finite number")
        if name == "T" and n < 0:
            raise _fail("bind", name, n, ">= 0 (the run's length in steps)")
        env[name] = n
    return env


def _bind(root: Quantity, env: dict[str, Value]) -> Value:
    given = frozenset(env)  # a set: isdisjoint() then looks at the smaller side
    if root._free.isdisjoint(given):
        return root

    def fail_in(q: Quantity) -> Fail:
        def fail(reason: str, index: int | None, shown: str) -> NoReturn:
            out: list[str] = []
            if index is None:
                _write(q, out)
            else:
                _write_run(q._kind, q._args[: 2 * index + 3], out)
            shown_values = ", ".join(f"{n}={_repr(env[n], 40)}" for n in _ordered(root._free & given))
            raise ScheduleError(f"bind: {''.join(out)} {reason} (with {shown_values})")

        return fail

    def sub(q: Quantity) -> Value:
        if q._free.isdisjoint(given):
            return q
        if q._kind == "var":
            return env[q._args[0]]
        args = tuple(sub(a) if isinstance(a, Quantity) else a for a in q._args)
        return _rebuild(q._kind, args, fail_in(q))

    return sub(root)


def _data(q: Quantity) -> Any:
    kind, args = q._kind, q._args
    if kind == "var":
        return {"var": args[0]}
    items = [_data(a) if isinstance(a, Quantity) else a for a in args]
    return {kind: items[0] if kind in _UNARY else items}


def to_data(x: Any) -> Any:
    """``x`` as JSON-safe data: a quantity as in the module docstring, a number as it is."""
    if isinstance(x, Quantity):
        return x.to_data()
    v = _operand("to_data", "x", x)
    if v is None:
        raise TypeError(f"to_data: x must be a number or a quantity, got {type(x).__name__} {_repr(x)}")
    return v


def from_data(d: Any) -> Value:
    """The quantity (or number) that :func:`to_data` data describes.

    Raises :class:`~lrdsl.ScheduleError` saying what is wrong and where for anything
    else (a schedule node, an unknown key, a bad name, a non-finite number, ...).
    """
    return _decode(d, "quantity", 1)


def _decode(d: Any, path: str, depth: int) -> Value:
    if type(d) is int or type(d) is float:
        if not _finite(d):
            raise ScheduleError(f"from_data: {path} must be a finite number, got {_repr(d)}")
        return d
    if not isinstance(d, dict):
        raise ScheduleError(
            f"from_data: {path} must be a number or a dict such as {{'var': 'T'}}, got {_repr(d)}"
        )
    if "op" in d:
        raise ScheduleError(f"from_data: {path} is a schedule node (a dict with 'op'), not a quantity")
    if len(d) != 1 or next(iter(d)) not in _KINDS:
        raise ScheduleError(
            f"from_data: {path} must be a dict with one key, one of {', '.join(_KINDS)}, got {_repr(d)}"
        )
    if depth > MAX_DEPTH:
        raise ScheduleError(f"from_data: {path} is nested more than {MAX_DEPTH} levels deep")
    ((kind, v),) = d.items()
    here = f"{path}.{kind}"
    if kind == "var":
        try:
            return var(v)
        except (TypeError, ScheduleError) as e:
            raise ScheduleError(f"from_data: {here}: {e}") from None
    if kind in _UNARY:
        args: tuple[Any, ...] = (_decode(v, here, depth + 1),)
    else:
        args = tuple(_operands(kind, v, here, depth))

    def fail(reason: str, index: int | None, shown: str) -> NoReturn:
        raise ScheduleError(f"from_data: {here}: {shown} {reason}")

    try:
        return _rebuild(kind, args, fail)
    except ScheduleError as e:
        if str(e).startswith("from_data:"):
            raise
        raise ScheduleError(f"from_data: {here}: {e}") from None


def _operands(kind: str, v: Any, here: str, depth: int) -> Iterator[Any]:
    if not isinstance(v, list):
        raise ScheduleError(f"from_data: {here} must be a list, got {_repr(v)}")
    if kind in _RUNS:
        ops = _RUNS[kind]
        if len(v) < 3 or len(v) % 2 == 0:
            raise ScheduleError(
                f"from_data: {here} must be a list [a, op, b, ...] of odd length >= 3, got a list of length {len(v)}"
            )
        for i, x in enumerate(v):
            if i % 2 == 0:
                yield _decode(x, f"{here}[{i}]", depth + 1)
            elif not (isinstance(x, str) and x in ops):
                raise ScheduleError(
                    f"from_data: {here}[{i}] must be one of {', '.join(repr(o) for o in ops)}, got {_repr(x)}"
                )
            else:
                yield x
        return
    if kind == "pow" and len(v) != 2:
        raise ScheduleError(
            f"from_data: {here} must be a list [base, exponent], got a list of length {len(v)}"
        )
    if kind in _CHOICE and len(v) < 2:
        raise ScheduleError(
            f"from_data: {here} must be a list of at least 2 items, got a list of length {len(v)}"
        )
    for i, x in enumerate(v):
        yield _decode(x, f"{here}[{i}]", depth + 1)
