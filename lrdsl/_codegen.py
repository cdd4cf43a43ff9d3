"""The fast Python scalar path: a schedule turned into the source of one function.

The node formulas are written against an array namespace ``xp``
(:mod:`lrdsl._ops`). Evaluated against :class:`_Symbolic` instead, they do not
compute numbers: every operation on a value that depends on ``t`` appends one
line of Python to a function body and returns a :class:`Sym` naming its
result; operations on plain numbers are computed at once with the ``PY``
namespace (constant folding). The same ``_eval`` of every node thus yields

.. code-block:: python

    def f(t):
        if type(t) is not int or t < 0:  # a count (int >= 0) needs no guard
            if type(t) is not int and type(t) is not float:
                t = _time(t)
            if not _NINF < t < _INF:
                _bad_time(t)
            if not t > 0:
                t = 0
        if t < 1000:
            _r0 = 0.0 + 0.001 * (t / 1000)
        else:
            ...
        return _r0

using :mod:`math` only, compiled once with :func:`compile` (of this module's
own generated text; never of user text). Branches (``switch``) become
``if``/``else`` trees on ``t`` (a binary search over the boundaries), and a
value used once is inlined where it is used; every other value is a local
variable assigned once.

The generated function computes exactly what the tree-walking ``PY`` path
computes: the same operations in the same order, with ``PY``'s own helpers
wherever ``PY`` guards an operation (``div``, ``pow``, ``exp``, ``log``, ...)
against a Python exception. Two things it leaves out, because they cannot
change the value: a clamp the bounds of its operand show to be idle (each
value carries bounds, from ``t >= 0``, the branch it is in and the monotone
operations that made it: ``min(t, 1000)`` where ``t < 1000``), and ``0 * x`` of
a finite ``x >= 0``, which is ``0.0``.

Fallback: :func:`scalar_function` returns the tree-walking path
(``eval_python``) for a schedule whose leaves are not all plain Python numbers
(traced or array parameters), and for a node whose formula the generator cannot
follow (a Python ``if`` on a value of ``t``, a namespace operation taking a
function other than ``switch``); :func:`generate` raises :class:`Unsupported`
saying which.
"""

from __future__ import annotations

import bisect
import functools
import math
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

from ._ops import EXACT, PY, geometric_start, is_plain
from .errors import ScheduleError

__all__ = ["Unsupported", "generate", "scalar_call", "scalar_function"]

#: Calls of ``s(t)`` at Python numbers after which ``s`` gets generated code (generating
#: costs about as much as a few hundred tree walks).
WARM_CALLS = 256
#: Nodes per schedule above which no source is generated (the tree-walking path is used).
MAX_STATEMENTS = 20_000
#: Deepest expression built by inlining (CPython's parser nests at most 200 parentheses).
MAX_DEPTH = 40


class Unsupported(Exception):
    """The generator cannot follow a formula; the message says which node and why."""


def _bad_time(t: Any) -> None:
    raise ScheduleError(f"t must be a finite number, got {t!r}")


def _time(t: Any) -> Any:
    """A non-``int``, non-``float`` time as the Python number it stands for."""
    from ._checks import time

    return time(t)


#: The globals of every generated function.
_GLOBALS: dict[str, Any] = {
    "__builtins__": {},
    "OverflowError": OverflowError,
    "type": type,
    "int": int,
    "float": float,
    "abs": abs,
    "_INF": math.inf,
    "_NINF": -math.inf,
    "_NAN": math.nan,
    "_bad_time": _bad_time,
    "_time": _time,
    "_float": float,
    "_bisect_right": bisect.bisect_right,
    "_sin": math.sin,
    "_cos": math.cos,
    "_tanh": math.tanh,
    "_expm1": math.expm1,
    # PY's guarded operations, called as they are (never duplicated here).
    "_EXACT": EXACT,
    "_floordiv": PY.floordiv,
    "_mod": PY.mod,
    "_div": PY.div,
    "_pow": PY.pow,
    "_exp": PY.exp,
    "_log": PY.log,
    "_log1p": PY.log1p,
    "_sqrt": PY.sqrt,
}

_TEMP = re.compile(r"\b_v\d+\b")


class Sym:
    """A value of the function being generated: the name of a local variable.

    ``is_float`` records that the value is certainly a Python ``float`` (so the
    function need not convert its result).
    """

    __slots__ = ("block", "gen", "hi", "is_float", "lo", "name", "nan_free", "search")
    __array_priority__ = 1000

    def __init__(
        self, gen: _Symbolic, name: str, is_float: bool, block: int, bounds: tuple[Any, Any] = (-math.inf, math.inf), nan_free: bool = False
    ) -> None:
        self.gen = gen
        self.name = name
        self.is_float = is_float
        self.block = block
        #: ``(bounds, x)`` when this value is ``searchsorted(bounds, x)`` of plain bounds.
        self.search: tuple[tuple[Any, ...], Any] | None = None
        #: Every value this can take, if it is a number, lies in ``[lo, hi]`` (see
        #: :meth:`_Symbolic.bounds`); ``nan_free``: it is never NaN.
        self.lo, self.hi = bounds
        self.nan_free = nan_free

    def __repr__(self) -> str:
        return f"Sym({self.name})"

    # Python's operators, as PY applies them (plain ``+``, ``/``, ``**``, ...).
    def __add__(self, o: Any) -> Any:
        return self.gen.op2("+", self, o)

    def __radd__(self, o: Any) -> Any:
        return self.gen.op2("+", o, self)

    def __sub__(self, o: Any) -> Any:
        return self.gen.op2("-", self, o)

    def __rsub__(self, o: Any) -> Any:
        return self.gen.op2("-", o, self)

    def __mul__(self, o: Any) -> Any:
        return self.gen.op2("*", self, o)

    def __rmul__(self, o: Any) -> Any:
        return self.gen.op2("*", o, self)

    def __truediv__(self, o: Any) -> Any:
        return self.gen.op2("/", self, o)

    def __rtruediv__(self, o: Any) -> Any:
        return self.gen.op2("/", o, self)

    def __floordiv__(self, o: Any) -> Any:
        return self.gen.op2("//", self, o)

    def __rfloordiv__(self, o: Any) -> Any:
        return self.gen.op2("//", o, self)

    def __mod__(self, o: Any) -> Any:
        return self.gen.op2("%", self, o)

    def __rmod__(self, o: Any) -> Any:
        return self.gen.op2("%", o, self)

    def __pow__(self, o: Any) -> Any:
        return self.gen.op2("**", self, o)

    def __rpow__(self, o: Any) -> Any:
        return self.gen.op2("**", o, self)

    def __neg__(self) -> Any:
        return self.gen.emit(f"(-{self.gen.use(self)})", self.is_float)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return self.gen.emit(f"abs({self.gen.use(self)})", self.is_float)

    def __lt__(self, o: Any) -> Any:
        return self.gen.op2("<", self, o)

    def __le__(self, o: Any) -> Any:
        return self.gen.op2("<=", self, o)

    def __gt__(self, o: Any) -> Any:
        return self.gen.op2(">", self, o)

    def __ge__(self, o: Any) -> Any:
        return self.gen.op2(">=", self, o)

    def __eq__(self, o: Any) -> Any:
        return self.gen.op2("==", self, o)

    def __ne__(self, o: Any) -> Any:
        return self.gen.op2("!=", self, o)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise Unsupported("a Python branch on a value that depends on t")

    def __index__(self) -> int:
        raise Unsupported("indexing a sequence with a value that depends on t")

    def __float__(self) -> float:
        raise Unsupported("float() of a value that depends on t")

    __int__ = __float__


_ANY: tuple[Any, Any] = (-math.inf, math.inf)
_EXACT_INT = 2**53
#: The operations whose bounds are followed (monotone in each argument, see ``bounds``).
_APPLY: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_FLOAT_OPS = {"/"}
_BOOL_OPS = {"<", "<=", ">", ">=", "==", "!="}


class _Symbolic:
    """The ``xp`` namespace that writes code: one instance per generated function."""

    name = "codegen"

    def __init__(self) -> None:
        self.count = 0
        self.consts: dict[int, tuple[str, Any]] = {}
        #: Statements: ``("=", name, expr)`` or ``("if", cond, then, else)``.
        self.root: list[Any] = []
        self.blocks: list[list[Any]] = [self.root]
        self.block_ids: list[int] = [0]
        #: What each open branch's condition says of a value: ``{name: (lo, hi)}``.
        self.known: list[dict[str, tuple[Any, Any]]] = [{}]
        self.next_block = 1
        self.statements = 0

    # -- building code -------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def emit(
        self, expr: str, is_float: bool = False, bounds: tuple[Any, Any] = _ANY, nan_free: bool = False
    ) -> Sym:
        """A new local variable holding ``expr``, assigned in the current block."""
        self.statements += 1
        if self.statements > MAX_STATEMENTS:
            raise Unsupported(f"more than {MAX_STATEMENTS} operations")
        name = self.fresh("_v")
        self.blocks[-1].append(("=", name, expr))
        return Sym(self, name, is_float, self.block_ids[-1], _safe(bounds), nan_free)

    # -- what is known of a value (so that a clamp it cannot need is not written) -----

    def bounds(self, x: Any) -> tuple[Any, Any]:
        """``(lo, hi)`` with ``lo <= x <= hi`` whenever ``x`` is a number (not NaN),
        here: in the branches now open. Plain numbers are their own bounds.

        Sound because every operation whose bounds are followed (``+``, ``-``,
        ``*``, ``/``, ``min``, ``max``, conversions to float) is monotone in each
        argument once correctly rounded: applied to the bounds, it bounds the result.
        """
        if isinstance(x, Sym):
            lo, hi = x.lo, x.hi
            for known in self.known:
                k = known.get(x.name)
                if k is not None:
                    lo, hi = max(lo, k[0]), min(hi, k[1])
            return lo, hi
        if is_plain(x) and type(x) is not bool and x == x:
            return x, x
        return _ANY

    @staticmethod
    def nan_free(x: Any) -> bool:
        return x.nan_free if isinstance(x, Sym) else is_plain(x) and x == x

    def use(self, x: Any) -> str:
        """The source text of an operand: a variable name or a literal."""
        if isinstance(x, Sym):
            if x.gen is not self or x.block not in self.block_ids:
                raise Unsupported("a value used outside the branch that computed it")
            return x.name
        if type(x) is bool:
            return repr(x)
        if is_plain(x):
            if x != x:
                return "_NAN"
            if x in (math.inf, -math.inf):
                return "_INF" if x > 0 else "_NINF"
            return repr(x) if x >= 0 and math.copysign(1.0, x) > 0 else f"({x!r})"
        if isinstance(x, tuple) and all(is_plain(v) or isinstance(v, Sym) for v in x):
            if not any(isinstance(v, Sym) for v in x):
                return self.const(x)
            return "(" + "".join(f"{self.use(v)}, " for v in x) + ")"
        return self.const(x)

    def const(self, x: Any) -> str:
        """A closure variable holding ``x`` (a function, a tuple of numbers, ...)."""
        key = id(x)
        if key not in self.consts:
            self.consts[key] = (f"_k{len(self.consts)}", x)
        return self.consts[key][0]

    def op2(self, op: str, a: Any, b: Any) -> Any:
        if op in _BOOL_OPS:
            return self.emit(f"({self.use(a)} {op} {self.use(b)})")
        is_float = op in _FLOAT_OPS or _is_float(a) or _is_float(b)
        bounds, nan_free = _ANY, False
        if op in _APPLY:
            ra, rb = self.bounds(a), self.bounds(b)
            bounds = _corners(op, ra, rb)
            finite = all(-math.inf < v < math.inf for v in (*ra, *rb))
            nan_free = finite and self.nan_free(a) and self.nan_free(b) and (op != "/" or bounds != _ANY)
            if op == "*" and nan_free and is_float:  # 0 * x of a finite x >= 0: 0.0
                for zero, x in ((a, b), (b, a)):
                    if _is_plus_zero(zero) and isinstance(x, Sym) and self.bounds(x)[0] >= 0:
                        return 0.0
        return self.emit(f"({self.use(a)} {op} {self.use(b)})", is_float, bounds, nan_free)

    def call(self, fn: Callable[[Any], Any], t: Any) -> Any:
        # Never folded, even at a constant t: fn runs (and may raise) at evaluation.
        return self.emit(f"{self.const(fn)}({self.use(t)})")

    def _fn(self, name: str, x: Any, *more: Any) -> Any:
        if not isinstance(x, Sym) and not any(isinstance(m, Sym) for m in more):
            return getattr(PY, name)(x, *more)
        args = ", ".join(self.use(v) for v in (x, *more))
        return self.emit(f"_{name}({args})", True)

    # -- the namespace (the operations of lrdsl._ops.PY) -----------------------------

    def zero(self, t: Any) -> Any:
        return PY.zero(t)

    def where(self, c: Any, a: Any, b: Any) -> Any:
        if not isinstance(c, Sym):
            return a if c else b
        (alo, ahi), (blo, bhi) = self.bounds(a), self.bounds(b)
        return self.emit(
            f"({self.use(a)} if {self.use(c)} else {self.use(b)})",
            _is_float(a) and _is_float(b),
            (min(alo, blo), max(ahi, bhi)),
            self.nan_free(a) and self.nan_free(b),
        )

    # A clamp that the bounds show to be idle is left out. Only the clamps that then
    # return their first operand are, as the clamp itself does when that is NaN.

    def minimum(self, a: Any, b: Any) -> Any:  # min(a, b): a unless b < a
        if not isinstance(a, Sym) and not isinstance(b, Sym):
            return PY.minimum(a, b)
        (alo, ahi), (blo, bhi) = self.bounds(a), self.bounds(b)
        if ahi <= blo:
            return a
        sa, sb = self.use(a), self.use(b)
        return self.emit(
            f"({sb} if {sb} < {sa} else {sa})",
            _is_float(a) and _is_float(b),
            (min(alo, blo), min(ahi, bhi)),
            self.nan_free(a) and self.nan_free(b),
        )

    def maximum(self, a: Any, b: Any) -> Any:  # max(a, b): a unless b > a
        if not isinstance(a, Sym) and not isinstance(b, Sym):
            return PY.maximum(a, b)
        (alo, ahi), (blo, bhi) = self.bounds(a), self.bounds(b)
        if bhi <= alo:
            return a
        sa, sb = self.use(a), self.use(b)
        return self.emit(
            f"({sb} if {sb} > {sa} else {sa})",
            _is_float(a) and _is_float(b),
            (max(alo, blo), max(ahi, bhi)),
            self.nan_free(a) and self.nan_free(b),
        )

    def clip(self, x: Any, lo: Any, hi: Any) -> Any:  # lo if x < lo else hi if x > hi else x
        if not any(isinstance(v, Sym) for v in (x, lo, hi)):
            return PY.clip(x, lo, hi)
        (xlo, xhi), (lolo, lohi), (hilo, hihi) = self.bounds(x), self.bounds(lo), self.bounds(hi)
        low, high = xlo < lohi, xhi > hilo  # can x be below lo, above hi?
        if not low and not high:
            return x
        sx, slo, shi = self.use(x), self.use(lo), self.use(hi)
        text = " else ".join([f"{slo} if {sx} < {slo}"] * low + [f"{shi} if {sx} > {shi}"] * high + [sx])
        bounds = (min(lolo, hilo, max(xlo, lolo)), max(lohi, hihi, min(xhi, hihi)))
        return self.emit(
            f"({text})",
            _is_float(x) and (not low or _is_float(lo)) and (not high or _is_float(hi)),
            bounds,
            self.nan_free(x) and self.nan_free(lo) and self.nan_free(hi),
        )

    def sub(self, a: Any, b: Any) -> Any:
        return a - b

    def add(self, a: Any, b: Any) -> Any:
        return a + b

    def lt(self, a: Any, b: Any) -> Any:
        return a < b

    def le(self, a: Any, b: Any) -> Any:
        return a <= b

    def gt(self, a: Any, b: Any) -> Any:
        return a > b

    def ge(self, a: Any, b: Any) -> Any:
        return a >= b

    def time_div(self, a: Any, b: Any) -> Any:
        return self.div(a, b)

    def geometric(self, p: Any, m: Any, j: Any, like: Any = None) -> Any:
        return geometric_start(self, p, m, j)

    def div(self, a: Any, b: Any) -> Any:
        if not isinstance(a, Sym) and not isinstance(b, Sym):
            return PY.div(a, b)
        if is_plain(b) and b != 0:  # cannot raise: plain ``/``
            return self.op2("/", a, b)
        return self._fn("div", a, b)

    def floordiv(self, a: Any, b: Any) -> Any:
        return self._divmod("//", "floordiv", a, b)

    def mod(self, a: Any, b: Any) -> Any:
        return self._divmod("%", "mod", a, b)

    def _divmod(self, op: str, name: str, a: Any, b: Any) -> Any:
        """``a // b`` or ``a % b`` inline; by a non-integral float, as ``PY`` does it
        (exact) for an int beyond ``2**53`` (which ``a % 0.5`` would round first)."""
        if isinstance(a, Sym) and type(b) is float and not b.is_integer():
            sa, sb = self.use(a), self.use(b)
            return self.emit(f"({sa} {op} {sb} if -_EXACT < {sa} < _EXACT else _{name}({sa}, {sb}))", True)
        return self.op2(op, a, b)

    def pow(self, a: Any, b: Any) -> Any:
        return self._fn("pow", a, b)

    def exp(self, x: Any) -> Any:
        return self._fn("exp", x)

    def log(self, x: Any) -> Any:
        return self._fn("log", x)

    def log1p(self, x: Any) -> Any:
        return self._fn("log1p", x)

    def expm1(self, x: Any) -> Any:
        return self._fn("expm1", x)

    def sin(self, x: Any) -> Any:
        return self._fn("sin", x)

    def cos(self, x: Any) -> Any:
        return self._fn("cos", x)

    def tanh(self, x: Any) -> Any:
        return self._fn("tanh", x)

    def sqrt(self, x: Any) -> Any:
        return self._fn("sqrt", x)

    def searchsorted(self, bounds: Sequence[Any], t: Any) -> Any:
        if not isinstance(t, Sym) and not any(isinstance(b, Sym) for b in bounds):
            return PY.searchsorted(bounds, t)
        bounds = tuple(bounds)
        if len(bounds) == 1:  # bisect_right of one bound (as it compares: x < bound)
            out = self.emit(f"(0 if {self.use(t)} < {self.use(bounds[0])} else 1)")
        else:
            out = self.emit(f"_bisect_right({self.use(bounds)}, {self.use(t)})")
        if all(is_plain(b) for b in bounds):
            out.search = (bounds, t)
        return out

    def take(self, values: Sequence[Any], i: Any, like: Any = None) -> Any:
        if not isinstance(i, Sym):
            return PY.take(values, i, like)
        values = tuple(values)
        return self.emit(f"{self.use(values)}[{self.use(i)}]", all(type(v) is float for v in values))

    def switch(self, i: Any, n: int, branch: Callable[[int, Any], Any], t: Any) -> Any:
        """``branch(i, t)`` as a binary tree of ``if``s: on ``x`` against the bounds when
        ``i = searchsorted(bounds, x)``, else on ``i`` itself."""
        if not isinstance(i, Sym):
            return branch(int(i), t)
        out = self.fresh("_r")
        floats: list[bool] = []

        def leaf(k: int) -> None:
            value = branch(k, t)
            floats.append(_is_float(value))
            self.blocks[-1].append(("=", out, self.use(value)))

        def tree(lo: int, hi: int) -> None:  # pieces lo..hi (inclusive)
            if lo == hi:
                leaf(lo)
                return
            mid = (lo + hi + 1) // 2
            if i.search is not None:  # i >= mid  <=>  bounds[mid - 1] <= x
                bounds, x = i.search
                cond = f"{self.use(x)} < {self.use(bounds[mid - 1])}"
            else:
                cond = f"{self.use(i)} < {mid}"
            then: list[Any] = []
            other: list[Any] = []
            self.blocks[-1].append(("if", cond, then, other))
            known: list[dict[str, tuple[Any, Any]]] = [{}, {}]
            if i.search is not None and isinstance(i.search[1], Sym):  # x < bound, or not
                bound = self.bounds(i.search[0][mid - 1])
                if bound != _ANY:
                    known = [{i.search[1].name: (-math.inf, bound[1])}, {i.search[1].name: (bound[0], math.inf)}]
            for body, (a, b), k in ((then, (lo, mid - 1), known[0]), (other, (mid, hi), known[1])):
                self.blocks.append(body)
                self.block_ids.append(self.next_block)
                self.known.append(k)
                self.next_block += 1
                try:
                    tree(a, b)
                finally:
                    self.blocks.pop()
                    self.block_ids.pop()
                    self.known.pop()

        # Pieces past the last reachable index (repeated bounds) are never taken.
        tree(0, n - 1)
        return Sym(self, out, all(floats), self.block_ids[-1])

    def __getattr__(self, name: str) -> Any:
        """An operation this generator does not know: called as ``PY``'s, if its
        arguments are values (not functions)."""
        op = getattr(PY, name, None)
        if op is None or name.startswith("__"):
            raise AttributeError(name)

        def generic(*args: Any) -> Any:
            if not any(isinstance(a, Sym) for a in args):
                return op(*args)
            if any(callable(a) for a in args):
                raise Unsupported(f"the operation {name!r} takes a function")
            return self.emit(f"{self.const(op)}({', '.join(self.use(a) for a in args)})")

        return generic


def _is_float(x: Any) -> bool:
    return x.is_float if isinstance(x, Sym) else type(x) is float


def _is_plus_zero(x: Any) -> bool:
    return type(x) in (int, float) and x == 0 and math.copysign(1.0, x) > 0


def _corners(op: str, a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
    """Bounds of ``x op y`` for ``x`` in ``a`` and ``y`` in ``b``: the extremes of ``op``
    at the four corners (``+``, ``-``, ``*`` and ``/`` by a ``y`` of one sign are monotone in
    each argument); unknown where a corner is NaN or fails."""
    if op == "/" and b[0] <= 0 <= b[1]:
        return _ANY
    try:
        ends = [_APPLY[op](x, y) for x in a for y in b]
    except (OverflowError, ZeroDivisionError):
        return _ANY
    if any(v != v for v in ends):
        return _ANY
    return min(ends), max(ends)


def _safe(bounds: tuple[Any, Any]) -> tuple[Any, Any]:
    """Bounds a float can be held to: an int beyond 2**53 (which the value, as a float,
    may round past) is no bound."""
    lo, hi = bounds
    if type(lo) is int and not -_EXACT_INT < lo < _EXACT_INT:
        lo = -math.inf
    if type(hi) is int and not -_EXACT_INT < hi < _EXACT_INT:
        hi = math.inf
    return lo, hi




# ----------------------------------------------------------------------------
# From statements to source.


def _count_uses(root: list[Any], live: set[str], ret: str) -> dict[str, int]:
    """How often each live temporary is read, by live code and by the result ``ret``."""
    uses = dict.fromkeys(live, 0)

    def count(text: str) -> None:
        for m in _TEMP.findall(text):
            if m in uses:
                uses[m] += 1

    def walk(block: list[Any]) -> None:
        for st in block:
            if st[0] == "=":
                if st[1] in live or not st[1].startswith("_v"):
                    count(st[2])
            else:
                count(st[1])
                walk(st[2])
                walk(st[3])

    walk(root)
    count(ret)
    return uses


def _render(gen: _Symbolic, result: Any, inline: bool) -> str:
    """The source of ``_make(<closure constants>)``, which returns ``f(t)``."""
    defs: dict[str, str] = {}

    def collect(block: list[Any]) -> None:
        for st in block:
            if st[0] == "=":
                if st[1].startswith("_v"):
                    defs[st[1]] = st[2]
            else:
                collect(st[2])
                collect(st[3])

    collect(gen.root)
    ret = gen.use(result)

    # Uses of each temporary, counting only live code (drop dead ones to a fixpoint).
    live = set(defs)
    while True:
        uses = _count_uses(gen.root, live, ret)
        dead = {v for v, n in uses.items() if n == 0}
        if not dead:
            break
        live -= dead

    once = {v for v, n in uses.items() if n == 1} if inline else set()

    @functools.cache
    def expand(name: str) -> tuple[str, int]:
        return sub(defs[name])

    def sub(text: str) -> tuple[str, int]:
        depth = [0]

        def repl(m: re.Match[str]) -> str:
            v = m.group(0)
            if v not in once:
                return v
            s, d = expand(v)
            if d + 1 > MAX_DEPTH:  # too deep to inline: keep the variable
                once.discard(v)
                return v
            depth[0] = max(depth[0], d + 1)
            return s

        return _TEMP.sub(repl, text), depth[0]

    lines: list[str] = []

    def emit_block(block: list[Any], indent: str) -> None:
        n = len(lines)
        for st in block:
            if st[0] == "=":
                name = st[1]
                if name.startswith("_v") and (name not in live or name in once):
                    continue
                lines.append(f"{indent}{name} = {sub(st[2])[0]}")
            else:
                lines.append(f"{indent}if {sub(st[1])[0]}:")
                emit_block(st[2], indent + "    ")
                lines.append(f"{indent}else:")
                emit_block(st[3], indent + "    ")
        if len(lines) == n:
            lines.append(f"{indent}pass")

    # Temporaries kept (too deep) must still be assigned: render until stable.
    while True:
        before = set(once)
        lines.clear()
        expand.cache_clear()
        emit_block(gen.root, "            ")
        body = sub(ret)[0]
        if once == before:
            break

    to_float = not _is_float(result)
    params = ", ".join(name for name, _ in gen.consts.values())
    head = [
        f"def _make({params}):",
        "    def f(t):",
        "        if type(t) is not int or t < 0:  # a count (int >= 0) needs no guard",
        "            if type(t) is not int and type(t) is not float:",
        "                t = _time(t)",
        "            if not _NINF < t < _INF:",
        "                _bad_time(t)",
        "            if not t > 0:",
        "                t = 0",
        "        try:",
    ]
    # An int too large for a float (t = 10**400) overflows the inlined arithmetic:
    # the tree walk (whose PY operations are exact for it) takes over.
    tail = [
        f"            return {'_float(' + body + ')' if to_float else body}",
        "        except OverflowError:",
        "            return _slow(t)",
        "    return f",
    ]
    return "\n".join(head + lines + tail) + "\n"


def generate(node: Any) -> tuple[str, Callable[[Any], Any]]:
    """The source of ``node``'s scalar function, and the function.

    Raises :class:`Unsupported` when the generator cannot follow a formula.
    """
    if not node._plain:
        raise Unsupported(f"{type(node).__name__}: parameters that are not plain Python numbers")
    gen = _Symbolic()
    t = Sym(gen, "t", False, 0, (0, math.inf), True)  # finite, and >= 0 once the guards ran
    try:
        result = node._eval(t, gen)
    except Unsupported as e:
        raise Unsupported(f"{type(node).__name__}: {e}") from None
    last: Exception | None = None
    for inline in (True, False):
        source = _render(gen, result, inline)
        try:
            code = compile(source, f"<lrdsl: {_short(node)}>", "exec")
        except (SyntaxError, RecursionError, MemoryError) as e:  # too deeply nested
            last = e
            continue
        from ._node import eval_python

        namespace: dict[str, Any] = dict(_GLOBALS)
        namespace["_slow"] = functools.partial(eval_python, node)
        exec(code, namespace)  # our own generated source, never user text
        fn = namespace["_make"](*(value for _, value in gen.consts.values()))
        fn.__doc__ = f"{_short(node)} at a Python number t, as a float."
        fn.__lrdsl_source__ = source
        return source, fn
    raise Unsupported(f"{type(node).__name__}: generated source does not compile ({last})")


def _short(node: Any) -> str:
    text = repr(node)
    return text if len(text) <= 80 else text[:77] + "..."


def scalar_function(node: Any) -> Callable[[Any], Any]:
    """``t -> node(t)`` for Python numbers: generated code when the generator can
    follow every formula of ``node``, else the tree-walking path."""
    try:
        return generate(node)[1]
    except Exception:  # Unsupported, or a formula failing on constants: as the tree walks
        from ._node import eval_python

        return functools.partial(eval_python, node)


def scalar_call(node: Any, t: int | float) -> Any:
    """``node(t)`` for a Python ``int`` or ``float`` ``t``, before ``node`` has generated
    code: the tree walk for the first :data:`WARM_CALLS` calls, then generated code,
    kept on the node (``_scalar_fn``) for the calls that follow."""
    from ._node import check_leaves, eval_python, evaluate

    state = node.__dict__
    if "_unchecked" in state:
        check_leaves(node)
    if not node._plain:
        return evaluate(node, t)
    calls = state.get("_scalar_calls", 0) + 1
    if calls < WARM_CALLS:
        state["_scalar_calls"] = calls
        return eval_python(node, t)
    fn = state["_scalar_fn"] = scalar_function(node)
    return fn(t)
