"""The fast Python scalar path: a schedule turned into the source of one function.

The node formulas are written against an array namespace ``xp``
(:mod:`lrdsl._ops`). Evaluated against :class:`_Symbolic` instead, they do not
compute numbers: every operation on a value that depends on ``t`` appends one
line of Python to a function body and returns a :class:`Sym` naming its
result; operations on plain numbers are computed at once with the ``PY``
namespace (constant folding). The same ``_eval`` of every node thus yields

.. code-block:: python

    def f(t):
        if not _NINF < t < _INF:
            _bad_time(t)
        if not t > 0:
            t = 0
        if t < 1000:
            _r0 = 0 * ((1000 - (t if t < 1000 else 1000)) / 1000) + ...
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
against a Python exception.

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

    __slots__ = ("block", "gen", "is_float", "name", "search")
    __array_priority__ = 1000

    def __init__(self, gen: _Symbolic, name: str, is_float: bool, block: int) -> None:
        self.gen = gen
        self.name = name
        self.is_float = is_float
        self.block = block
        #: ``(bounds, x)`` when this value is ``searchsorted(bounds, x)`` of plain bounds.
        self.search: tuple[tuple[Any, ...], Any] | None = None

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
        self.next_block = 1
        self.statements = 0

    # -- building code -------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def emit(self, expr: str, is_float: bool = False) -> Sym:
        """A new local variable holding ``expr``, assigned in the current block."""
        self.statements += 1
        if self.statements > MAX_STATEMENTS:
            raise Unsupported(f"more than {MAX_STATEMENTS} operations")
        name = self.fresh("_v")
        self.blocks[-1].append(("=", name, expr))
        return Sym(self, name, is_float, self.block_ids[-1])

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
            is_float = False
        elif op in _FLOAT_OPS:
            is_float = True
        else:
            is_float = _is_float(a) or _is_float(b)
        return self.emit(f"({self.use(a)} {op} {self.use(b)})", is_float)

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
        return self.emit(
            f"({self.use(a)} if {self.use(c)} else {self.use(b)})", _is_float(a) and _is_float(b)
        )

    def minimum(self, a: Any, b: Any) -> Any:  # min(a, b): a unless b < a
        if not isinstance(a, Sym) and not isinstance(b, Sym):
            return PY.minimum(a, b)
        sa, sb = self.use(a), self.use(b)
        return self.emit(f"({sb} if {sb} < {sa} else {sa})", _is_float(a) and _is_float(b))

    def maximum(self, a: Any, b: Any) -> Any:  # max(a, b): a unless b > a
        if not isinstance(a, Sym) and not isinstance(b, Sym):
            return PY.maximum(a, b)
        sa, sb = self.use(a), self.use(b)
        return self.emit(f"({sb} if {sb} > {sa} else {sa})", _is_float(a) and _is_float(b))

    def clip(self, x: Any, lo: Any, hi: Any) -> Any:
        if not any(isinstance(v, Sym) for v in (x, lo, hi)):
            return PY.clip(x, lo, hi)
        sx, slo, shi = self.use(x), self.use(lo), self.use(hi)
        return self.emit(
            f"({slo} if {sx} < {slo} else {shi} if {sx} > {shi} else {sx})",
            _is_float(x) and _is_float(lo) and _is_float(hi),
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
            for body, (a, b) in ((then, (lo, mid - 1)), (other, (mid, hi))):
                self.blocks.append(body)
                self.block_ids.append(self.next_block)
                self.next_block += 1
                try:
                    tree(a, b)
                finally:
                    self.blocks.pop()
                    self.block_ids.pop()

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
        "        if type(t) is not int and type(t) is not float:",
        "            t = _time(t)",
        "        if not _NINF < t < _INF:",
        "            _bad_time(t)",
        "        if not t > 0:",
        "            t = 0",
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
    t = Sym(gen, "t", False, 0)
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
