"""The :class:`Schedule` base: operators, evaluation, text form and pytree structure.

A schedule is an immutable expression tree. Each node is a frozen dataclass
whose fields are either *leaves* (numbers, tuples of numbers, child
schedules) or *static* structure (marked ``field(metadata=STATIC)``: strings,
flags, functions). Leaves are what a JAX pytree flattens into floats, so
``jax.grad`` reaches them and ``jax.vmap`` maps over a stack of them; static
fields are the expression's shape.

A node defines its formula once, as ``_eval(self, t, xp)``, against one of
the array namespaces in :mod:`lrdsl._ops`.

Size and depth. Every operation on a schedule takes time linear in its size.
Facts about a node (its depth, its size, its text, its hash, whether its
numbers are plain) are computed once, from its children's, and kept on the
node (never pickled or copied); where they are missing (a node rebuilt by JAX
or by pickle) they are filled in children first, without recursion. Two
limits bound every expression, checked when a node is built:

- :data:`MAX_DEPTH` levels of nesting. Evaluation recurses once per level
  (each node's formula calls its children's), so this is what keeps every
  operation clear of Python's recursion limit, with room to spare for the
  caller's own frames. Sums, products and chains are flat (``sum()`` of a
  thousand schedules, ``s = s * 0.99`` in a loop and a ``>>`` run of ten
  thousand pieces are each one level).
- :data:`MAX_NODES` nodes, counting a subexpression once per use, so that
  an expression that reuses itself (``s = s + s`` in a loop) cannot grow
  exponentially large behind a small object.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from . import registry
from ._ops import NP, PY, is_jax_array, is_plain, jax_ops
from .errors import ScheduleError
from .quantity import Quantity, precedence
from .quantity import free as free_names

if TYPE_CHECKING:
    from .combinators import Chain

__all__ = ["Schedule", "STATIC", "with_form", "wrong_call", "MAX_DEPTH", "MAX_NODES", "node_classes", "evaluate", "check_leaves"]

STATIC = {"static": True}

#: The deepest expression: a node and its children are 2 levels. Every operation
#: (evaluation on each backend and under ``jax.jit``, generated scalar code, text,
#: ``==``, ``hash``, ``to_dict``/``from_dict``, pickle, copies, the simplifier, JAX's
#: flatten/unflatten) works at this depth with 200 frames already on the caller's stack.
MAX_DEPTH = 100
#: The largest expression, in nodes, a subexpression counted once per use.
MAX_NODES = 1_000_000

#: Every node class, for pytree registration.
_NODE_CLASSES: list[type[Schedule]] = []

# Precedence of the text form, as in Python: atoms (calls), **, unary -, * /, + -, >>.
ATOM, POW, NEG, MUL, ADD, SHIFT = 6, 5, 4, 3, 2, 1


def node_classes() -> list[type[Schedule]]:
    ready()
    return list(_NODE_CLASSES)


#: Node classes whose dataclass machinery (``__init__``, the fields, frozenness) is
#: not built yet, with their options. Building it runs ``exec`` a few times per class
#: (about 0.3 ms each, most of ``import lrdsl``'s own cost), so ``import lrdsl``
#: defers it: it is built for every pending class at once, by :func:`ready`, when
#: the first schedule is made or a class's fields or signature are first asked for.
_PENDING: dict[type, dict[str, Any]] = {}


if TYPE_CHECKING:  # to type checkers, the dataclass decorator it stands for
    from dataclasses import dataclass as node_dataclass
else:

    def node_dataclass(cls: Any = None, /, **options: Any) -> Any:
        """``dataclasses.dataclass(**options)`` for a node class, built on first use
        (see :data:`_PENDING`); node modules import it as ``dataclass``."""

        def wrap(c: Any) -> Any:
            _PENDING[c] = options
            return c

        return wrap if cls is None else wrap(cls)


def ready() -> None:
    """Build the dataclass machinery of every pending node class, in the order they
    were defined (a base before its subclasses)."""
    while _PENDING:
        cls = next(iter(_PENDING))
        dataclasses.dataclass(cls, **_PENDING.pop(cls))


def layout(cls: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(leaves, static)``: the names of a node class's leaf fields and static fields."""
    return _layout(cls)


@functools.cache
def _layout(cls: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ready()
    leaves: list[str] = []
    static: list[str] = []
    for f in dataclasses.fields(cls):
        (static if f.metadata.get("static") else leaves).append(f.name)
    return tuple(leaves), tuple(static)


def _field_names(cls: type) -> tuple[str, ...]:
    leaves, static = layout(cls)
    return leaves + static


class _Fact:
    """A fact about a node, computed by ``make(node)`` from its children's facts and
    kept in the node's ``__dict__`` (as :func:`functools.cached_property` does: once
    there, reading it is a plain attribute lookup). A missing fact is filled in for
    every node below that lacks it, children first, without recursion."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        self.make = make
        self.__doc__ = make.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, node: Any, owner: type | None = None) -> Any:
        if node is None:
            return self
        if not node.children():  # a leaf of the tree
            value = node.__dict__[self.name] = self.make(node)
            return value
        return bottom_up(node, self.name, self.make)


def bottom_up(
    root: Schedule, key: str, make: Callable[[Any], Any], fresh: Callable[[Any], bool] | None = None
) -> Any:
    """``root.__dict__[key]``, computing ``make(node)`` first for every node below
    ``root`` that lacks it, children before parents, with an explicit stack.
    ``fresh(value)``, if given, says whether a value already kept is still good."""

    def known(node: Schedule) -> bool:
        state = node.__dict__
        return key in state if fresh is None else fresh(state.get(key))

    if known(root):
        return root.__dict__[key]
    stack = [root]
    while stack:
        node = stack[-1]
        if known(node):
            stack.pop()
            continue
        missing = [c for c in node.children() if not known(c)]
        if missing:
            stack.extend(missing)
            continue
        node.__dict__[key] = make(node)
        stack.pop()
    return root.__dict__[key]


def _depth_of(node: Schedule) -> int:
    """How many levels the expression has (a node without children: 1); keeps the
    size too, ``_nodes``: how many nodes it has, a subexpression counted once per use."""
    depth, nodes = 1, 1
    for c in node.children():
        state = c.__dict__
        d = state["_depth"] + 1
        if d > depth:
            depth = d
        nodes += state["_nodes"]
    node.__dict__["_nodes"] = nodes
    return depth


class _Shape(_Fact):
    """``_depth`` or ``_nodes``: both are computed together (by :func:`_depth_of`)."""

    def __get__(self, node: Any, owner: type | None = None) -> Any:
        if node is None:
            return self
        state = node.__dict__
        if "_depth" not in state:
            bottom_up(node, "_depth", _depth_of)
        return state[self.name]


def _plain_of(node: Schedule) -> bool:
    """Every leaf is a concrete Python number (so the scalar path applies)."""
    return all(leaf._plain if isinstance(leaf, Schedule) else is_plain(leaf) for leaf in node._leaves())


def _free_of(node: Schedule) -> frozenset[str]:
    """The names of the unbound quantities in the node and below."""
    out: frozenset[str] = frozenset()
    for leaf in node._leaves():
        names = leaf.__dict__["_free"] if isinstance(leaf, Schedule) else free_names(leaf)
        if names and not names <= out:
            out = out | names
    return out


def _hash_of(node: Schedule) -> int:
    """The structural hash: the class and every field (children by their own hash)."""
    return hash((type(node).__qualname__, *(getattr(node, n) for n in _field_names(type(node)))))


def _text_of(node: Schedule) -> tuple[int, str]:
    """The canonical text, stamped with the registry's generation (a lambda prints by
    the name its function is registered under, which may come later)."""
    return registry.generation(), node._render()


def wrong_call(name: str, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], method: bool = False) -> TypeError | None:
    """The ``TypeError`` of a call whose arguments do not fit ``fn``'s parameters, giving
    the form of the call (``cosine: missing a required argument: 'steps'; the form is
    cosine(start, end, steps, *, exponent=1.0, periodic=False)``), or ``None`` when they
    fit (the error was then about a value, and stands as it is)."""
    import inspect

    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as wrong:
        from .text import signature

        if method:
            return TypeError(f"wrong arguments for .{name}(): the form is {signature(name, fn, method=True)}")
        return TypeError(f"{name}: {wrong}; the form is {signature(name, fn)}")
    except ValueError:  # no signature to check against
        pass
    return None


def with_form(name: str, method: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a function of the language (or a method of :class:`Schedule`) so that a
    call with the wrong arguments says the form of the call (:func:`wrong_call`)."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except TypeError:
                error = wrong_call(name, call, args, kwargs, method)
                if error is None:
                    raise
                raise error from None

        return call

    return wrap


class _NodeClass(type):
    """The class of node classes: a constructor called with the wrong arguments says the
    form of the call (``lr.cosine(1e-3, 0)``), as the text parser does."""

    @property
    def __signature__(cls) -> Any:
        """The constructor's parameters (those of ``__init__`` after ``self``), which
        :func:`inspect.signature` would otherwise read from ``__call__`` below."""
        return _constructor_signature(cls)

    def __getattr__(cls, name: str) -> Any:
        """``__dataclass_fields__`` (what :func:`dataclasses.fields` and
        :func:`dataclasses.is_dataclass` read) of a class not built yet: build it."""
        if name.startswith("__dataclass_") and _PENDING:
            ready()
            return type.__getattribute__(cls, name)
        raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if _PENDING:
            ready()
        try:
            return super().__call__(*args, **kwargs)
        except TypeError:
            error = wrong_call(getattr(cls, "_text_name", "") or cls.__name__, cls, args, kwargs)
            if error is None:
                raise
            raise error from None


@functools.cache
def _constructor_signature(cls: type) -> Any:
    import inspect

    ready()
    sig = inspect.signature(cls.__init__)  # type: ignore[misc]
    return sig.replace(parameters=list(sig.parameters.values())[1:], return_annotation=inspect.Signature.empty)


class Schedule(metaclass=_NodeClass):
    """An immutable expression denoting a pure function ``t -> value``.

    ``t`` is the number of completed optimizer steps (``t = 0`` is the value
    the first update uses), an int or a float, a scalar or an array of any
    shape. Negative ``t`` evaluates as ``t = 0``.

    - ``s(3)`` -> ``float``; ``s(np.arange(10))`` -> float64 ``ndarray``;
      ``s(jnp_array)`` (or a tracer) -> JAX array, float32 unless x64 is on.
    - ``a + b``, ``a - b``, ``a * b``, ``a / b``, ``-a``, ``a ** k``: pointwise,
      with numbers or schedules on either side; ``a >> b``: ``b`` after ``a``.
    - ``s.duration``: where the schedule ends (``math.inf`` if it does not).

    An expression is at most :data:`MAX_DEPTH` levels deep and :data:`MAX_NODES`
    nodes large (a :class:`~lrdsl.ScheduleError` says so when a node would
    exceed either); sums, products and ``>>`` runs are flat, one level each.
    """

    __slots__ = ()
    # NumPy must defer to our reflected operators (np.float64(2) * s).
    __array_ufunc__ = None

    #: The name of the node in the text form (``linear``, ``cosine``, ...).
    _text_name: ClassVar[str] = ""
    #: Fields stored under another name than the constructor's parameter
    #: (field -> parameter), where the parameter's name is taken by a method:
    #: ``piecewise(boundaries, values)`` keeps its values in ``levels``.
    _renamed: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if _PENDING and any(base in _PENDING for base in cls.__mro__[1:]):
            ready()  # a dataclass subclass of a pending class needs its base's fields
        _NODE_CLASSES.append(cls)
        from . import _pytree

        _pytree.register_if_loaded(cls)

    # -- the formula -----------------------------------------------------------

    def _eval(self, t: Any, xp: Any) -> Any:
        """The value at ``t`` (already clamped to ``>= 0``), written against ``xp``."""
        raise NotImplementedError

    @property
    def duration(self) -> Any:
        """Where the schedule ends: a number, or ``math.inf``."""
        return math.inf

    @property
    def finite(self) -> bool:
        """Whether ``duration`` is finite (a structural fact, known even when traced)."""
        return False

    # -- facts kept on the node ----------------------------------------------------

    _depth = _Shape(_depth_of)
    _nodes = _Shape(_depth_of)
    _plain = _Fact(_plain_of)
    _free = _Fact(_free_of)

    @property
    def free(self) -> frozenset[str]:
        """The names of the quantities still unbound (``lr.T``, ``lr.var(name)``):
        ``cosine(1e-3, 0, lr.T).free == {'T'}``; empty for a concrete schedule."""
        return frozenset() if self._plain else self._free

    def bind(self, **values: Any) -> Schedule:
        """The schedule with values given to its quantities: ``s.bind(T=100_000)``.

        Each node holding a bound name is rebuilt by its constructor with the
        numbers, so every check runs (an error names where:
        ``bind: chain.pieces[1] (cosine): cosine: steps must be > 0, got -3``), and
        the result equals the schedule written by hand with those numbers. Names
        no quantity holds are ignored (one config can bind many schedules); names
        left unbound stay symbolic."""
        from .quantity import _bindings

        return bind_schedule(self, _bindings(values))

    # -- evaluation --------------------------------------------------------------

    def __call__(self, t: Any) -> Any:
        kind = type(t)
        if kind is int or kind is float:  # the scalar path: generated code once warm
            fn = self.__dict__.get("_scalar_fn")
            if fn is not None:
                return fn(t)
            from ._codegen import scalar_call

            return scalar_call(self, t)
        return evaluate(self, t)

    # -- copies and pickles: the fields, never the facts or caches -------------------

    def __getstate__(self) -> dict[str, Any]:
        """What pickling keeps: the fields, not the caches (generated scalar code, the
        simplified tree for JAX, the facts above)."""
        return {n: self.__dict__[n] for n in _field_names(type(self)) if n in self.__dict__}

    def __copy__(self) -> Schedule:
        """A node with the same fields (children shared: they are immutable) and no caches."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__getstate__())
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> Schedule:
        """As :meth:`__copy__`: a node is immutable, and so are its leaves (numbers,
        tuples, JAX arrays) and children, so sharing them is a deep copy. No recursion,
        whatever the depth."""
        return self.__copy__()

    # -- structural equality and hash -------------------------------------------------

    def __eq__(self, other: object) -> bool:
        """Structural equality: the same classes and fields, all the way down (without
        recursion; a subexpression shared by both sides is compared once)."""
        if self is other:
            return True
        if type(other) is not type(self):
            return NotImplemented
        return _equal(self, other)

    def __hash__(self) -> int:
        return bottom_up(self, "_hash", _hash_of)

    # -- the rest of the interface -------------------------------------------------

    @functools.cached_property
    def _jax_node(self) -> Schedule:
        """The simplified tree the JAX backend evaluates (see :mod:`lrdsl.simplify`)."""
        from .simplify import simplify

        refuse_unbound(self, "s(t)")
        return simplify(self, tables=True)

    def compile(self, backend: str = "jax") -> Callable[[Any], Any]:
        """A plain function ``t -> value`` for ``backend`` (``"jax"``, ``"numpy"`` or
        ``"python"``), evaluating the simplified expression."""
        from .compile import compile_schedule

        return compile_schedule(self, backend)

    def values(self, n: int) -> np.ndarray:
        """The first ``n`` values, ``s(0), ..., s(n - 1)``, as a float64 array."""
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ScheduleError(f"values: n must be an int >= 0, got {n!r}")
        refuse_unbound(self, "values")
        return evaluate(self, np.arange(int(n)))

    def to_dict(self) -> dict[str, Any]:
        """The schedule as versioned, JSON-safe data; :func:`lrdsl.from_dict` reads it back."""
        from .serialize import to_dict

        return to_dict(self)

    def plot(self, steps: int | None = None, **kwargs: Any) -> Any:
        """Plot the first ``steps`` values with Matplotlib (see :func:`lrdsl.plot`)."""
        from .plotting import plot

        return plot(self, steps=steps, **kwargs)

    def _leaves(self) -> list[Any]:
        """The leaf values: numbers and child schedules (tuples spread out)."""
        out: list[Any] = []
        for name in layout(type(self))[0]:
            v = getattr(self, name)
            if type(v) is tuple:
                out.extend(v)
            elif v is not None:
                out.append(v)
        return out

    def children(self) -> tuple[Schedule, ...]:
        """The schedules this node is built from."""
        return tuple([leaf for leaf in self._leaves() if isinstance(leaf, Schedule)])

    # -- operators ---------------------------------------------------------------

    def _binop(self, op: str, other: Any, reflected: bool = False) -> Any:
        from .combinators import arithmetic, operand

        try:
            other = operand(op, other)
        except TypeError:
            return NotImplemented
        return arithmetic(op, other, self) if reflected else arithmetic(op, self, other)

    def __add__(self, other: Any) -> Any:
        return self._binop("+", other)

    def __radd__(self, other: Any) -> Any:
        return self._binop("+", other, True)

    def __sub__(self, other: Any) -> Any:
        return self._binop("-", other)

    def __rsub__(self, other: Any) -> Any:
        return self._binop("-", other, True)

    def __mul__(self, other: Any) -> Any:
        return self._binop("*", other)

    def __rmul__(self, other: Any) -> Any:
        return self._binop("*", other, True)

    def __truediv__(self, other: Any) -> Any:
        return self._binop("/", other)

    def __rtruediv__(self, other: Any) -> Any:
        return self._binop("/", other, True)

    def __pow__(self, other: Any) -> Any:
        return self._binop("**", other)

    def __rpow__(self, other: Any) -> Any:
        return self._binop("**", other, True)

    def __neg__(self) -> Schedule:
        from .combinators import Neg

        return Neg(self)

    def __pos__(self) -> Schedule:
        return self

    def __rshift__(self, other: Any) -> Chain:
        from .combinators import then

        if not isinstance(other, Schedule):
            return NotImplemented
        return then(self, other)

    # -- fluent methods ------------------------------------------------------------

    @with_form("shift", method=True)
    def shift(self, n: Any) -> Schedule:
        """``s(max(t - n, 0))``: start ``n`` steps later, holding ``s(0)`` before; with a
        negative ``n = -k``, ``s(t + k)``: start ``k`` steps in."""
        from .combinators import Shift

        return Shift(self, n)

    @with_form("anneal_at", method=True)
    def anneal_at(self, k: Any, steps: Any, *, to: Any = 0.0, shape: str = "linear") -> Schedule:
        """A cooldown branched at step ``k``: ``s(t)`` before ``k``, then from exactly
        ``s(k)`` to ``to`` over ``steps`` (``shape``: ``"linear"``, ``"cosine"`` or
        ``"1-sqrt"``), then ``to`` (see :class:`lrdsl.combinators.AnnealAt`)."""
        from .combinators import AnnealAt

        return AnnealAt(self, k, steps, to=to, shape=shape)

    @with_form("rescale", method=True)
    def rescale(self, scale: Any, *, offset: Any = 0) -> Schedule:
        """``s(max(scale * t + offset, 0))``: a schedule written in tokens (samples,
        epochs) driven per step; ``s.rescale(tokens_per_step, offset=tokens_per_step)``
        is ``s((t + 1) * tokens_per_step)`` (see :class:`lrdsl.combinators.Rescale`)."""
        from .combinators import Rescale

        return Rescale(self, scale, offset=offset)

    @with_form("per_epoch", method=True)
    def per_epoch(self, steps_per_epoch: Any, *, staircase: bool = True) -> Schedule:
        """``s(floor(t / steps_per_epoch))`` (``staircase=False``: ``s(t / steps_per_epoch)``):
        an epoch-based schedule driven once per batch."""
        from .combinators import PerEpoch

        return PerEpoch(self, steps_per_epoch, staircase=staircase)

    @with_form("repeat", method=True)
    def repeat(self, period: Any) -> Schedule:
        """``s(t mod period)``."""
        from .combinators import Repeat

        return Repeat(self, period)

    @with_form("clip", method=True)
    def clip(self, lo: Any = None, hi: Any = None) -> Schedule:
        """``min(max(s(t), lo), hi)``; either bound may be ``None``."""
        from .combinators import Clip

        return Clip(self, lo, hi)

    def round(self, *, multiple: Any = 1) -> Schedule:
        """``s(t)`` to the nearest multiple of ``multiple`` (halves up), as an integer
        (see :mod:`lrdsl.quantize`: exact for values that are exact multiples)."""
        from .quantize import Round

        return Round(self, multiple=multiple)

    def floor(self, *, multiple: Any = 1) -> Schedule:
        """The largest multiple of ``multiple`` at most ``s(t)``, as an integer."""
        from .quantize import Floor

        return Floor(self, multiple=multiple)

    def ceil(self, *, multiple: Any = 1) -> Schedule:
        """The smallest multiple of ``multiple`` at least ``s(t)``, as an integer."""
        from .quantize import Ceil

        return Ceil(self, multiple=multiple)

    # -- text form -----------------------------------------------------------------

    _precedence: ClassVar[int] = ATOM

    def _text_args(self) -> list[str]:
        """The call's arguments: required fields positionally, then the optional
        fields that differ from their defaults, as keywords."""
        out = []
        kind: Any = type(self)
        for name, required, default, keyword in _arguments(kind):
            v = getattr(self, name)
            if required:
                out.append(text(v))
            elif not _same(v, default):
                out.append(f"{keyword}={text(v)}")
        return out

    def _render(self) -> str:
        """This node's text, its children's read from their (already computed) text."""
        return f"{self._text_name}({', '.join(self._text_args())})"

    def __repr__(self) -> str:
        """The canonical text form, which :func:`lrdsl.parse` reads back (computed
        once per node, children first, without recursion)."""
        found = self.__dict__.get("_text")
        if found is None or found[0] != registry.generation():
            found = bottom_up(self, "_text", _text_of, _current_text)
        return found[1]

    def __str__(self) -> str:
        """The canonical text form, which :func:`lrdsl.parse` reads back."""
        return self.__repr__()


@functools.cache
def _arguments(cls: Any) -> tuple[tuple[str, bool, Any, str], ...]:
    """``(field, required, default, keyword)`` for each field of a node class."""
    ready()
    return tuple(
        (f.name, f.default is dataclasses.MISSING, f.default, cls._renamed.get(f.name, f.name))
        for f in dataclasses.fields(cls)
    )


def _current_text(kept: tuple[int, str] | None) -> bool:
    return kept is not None and kept[0] == registry.generation()


def _equal(a: Schedule, b: Schedule) -> bool:
    """Structural equality of two nodes of the same class, without recursion: the
    children of nodes compared here are pushed on a stack; nodes whose class has
    its own ``__eq__`` (the primitives: numbers only) compare themselves."""
    stack = [(a, b)]
    seen: set[tuple[int, int]] = set()
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        kind = type(x)
        if type(y) is not kind:
            return False
        if kind.__eq__ is not Schedule.__eq__:
            if x != y:
                return False
            continue
        pair = (id(x), id(y))
        if pair in seen:
            continue
        seen.add(pair)
        hx, hy = x.__dict__.get("_hash"), y.__dict__.get("_hash")
        if hx is not None and hy is not None and hx != hy:
            return False
        for name in _field_names(kind):
            u, v = getattr(x, name), getattr(y, name)
            if isinstance(u, tuple) and isinstance(v, tuple):
                if len(u) != len(v):
                    return False
                pairs = zip(u, v)
            else:
                pairs = zip((u,), (v,))
            for p, q in pairs:
                if isinstance(p, Schedule) and isinstance(q, Schedule):
                    stack.append((p, q))
                elif isinstance(p, Schedule) or isinstance(q, Schedule) or not _field_equal(p, q):
                    return False
    return True


def _field_equal(a: Any, b: Any) -> bool:
    """``a == b`` for field values, as a dataclass compares them (identity first)."""
    return a is b or bool(a == b)


def _same(a: Any, b: Any) -> bool:
    try:
        return (type(a) is type(b) and bool(a == b)) or (is_plain(a) and is_plain(b) and a == b)
    except Exception:  # arrays
        return False


def text(v: Any, parent: int = 0, right: bool = False) -> str:
    """The text form of a field value, parenthesised if it binds looser than ``parent``."""
    if isinstance(v, Schedule):
        p = v._precedence
    elif isinstance(v, Quantity):
        p = precedence(v)
    elif is_plain(v):
        p = NEG if v < 0 or (type(v) is float and math.copysign(1.0, v) < 0) else ATOM
    else:
        p = ATOM
    s = _text_atom(v)
    if p < parent or (p == parent and right):
        return f"({s})"
    return s


def _text_atom(v: Any) -> str:
    if isinstance(v, Schedule):
        return repr(v)
    if is_plain(v):
        return repr(v)
    if isinstance(v, tuple):
        return "[" + ", ".join(_text_atom(x) for x in v) + "]"
    if isinstance(v, str):
        return repr(v)
    if v is None or isinstance(v, bool):
        return repr(v)
    return repr(v)


# ----------------------------------------------------------------------------
# Evaluation on each backend.


def evaluate(node: Schedule, t: Any) -> Any:
    """``node(t)``: the backend follows the type of ``t`` (and of the node's leaves).

    A node rebuilt by JAX from pytree leaves skipped its checks (JAX builds nodes
    with placeholder leaves); its concrete leaves are checked here, once, before
    its first evaluation (:func:`check_leaves`)."""
    if "_unchecked" in node.__dict__:
        check_leaves(node)
    if not node._plain:
        refuse_unbound(node, "s(t)")
    kind = type(t)
    if (kind is int or kind is float) and node._plain:
        return eval_python(node, t)
    if isinstance(t, (np.ndarray, np.generic, list, tuple)) and node._plain:
        out = eval_numpy(node, t)
        return out[()] if isinstance(t, np.generic) else out
    if is_jax_array(t) or (not node._plain and _is_time_like(t)):
        # Concrete schedules (optax.adam(learning_rate=s) inside a jitted step) go
        # through the simplifier once; traced ones (vmapped sweeps) as they are.
        return eval_jax(node._jax_node if node._plain else node, t)
    if isinstance(t, (bool, np.bool_)) or not _is_time_like(t):
        raise TypeError(f"a schedule is evaluated at a number or an array of numbers, got {kind.__name__} {t!r}")
    # Other real numbers (fractions, decimals): as the Python int or float they stand for.
    from . import _checks

    return evaluate(node, _checks.time(t))


def check_leaves(node: Schedule) -> None:
    """Run the constructors' checks on every node JAX rebuilt from leaves (marked
    ``_unchecked`` by :mod:`lrdsl._pytree`), once: a ``jax.tree.map`` that makes a
    length 0 or a rate negative fails here, clearly, not as a NaN later. Tracer
    leaves pass (their values are unknown); each node is checked on a scratch copy."""
    ready()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.__dict__.pop("_unchecked", None) is not None:
            post = getattr(type(n), "__post_init__", None)
            if post is not None:
                scratch = object.__new__(type(n))
                for f in dataclasses.fields(n):  # type: ignore[arg-type]
                    object.__setattr__(scratch, f.name, getattr(n, f.name))
                post(scratch)
        stack.extend(n.children())


def _is_time_like(t: Any) -> bool:
    import decimal
    import numbers

    return (
        isinstance(t, (numbers.Real, decimal.Decimal, np.ndarray, np.generic, list, tuple)) or is_jax_array(t)
    ) and not isinstance(t, (bool, np.bool_))


def eval_python(node: Schedule, t: int | float) -> float:
    """``node(t)`` for a Python ``int`` or ``float``: an ``int`` of any size is exact
    (the namespace ``PY`` never converts it to a float where that would overflow);
    what still cannot be evaluated is a :class:`ScheduleError`, never an
    ``OverflowError`` from inside Python."""
    if t != t or t == math.inf or t == -math.inf:
        raise ScheduleError(f"t must be a finite number, got {t!r}")
    try:
        v = node._eval(t if t > 0 else 0, PY)
        out = float(v)
    except OverflowError as e:
        raise ScheduleError(f"t = {_short_number(t)} is too large to evaluate {_short(node)} at ({e})") from None
    if out != out and type(t) is int and t.bit_length() > 1000:
        raise ScheduleError(f"t = {_short_number(t)} is beyond the float range {_short(node)} needs")
    return out


def _short_number(t: Any) -> str:
    from ._checks import describe

    return describe(t)


def _short(node: Schedule) -> str:
    text = repr(node)
    return text if len(text) <= 60 else text[:57] + "..."


#: Arrays longer than twice this are evaluated this many elements at a time.
NUMPY_CHUNK = 16_384
_I64_MAX = int(np.iinfo(np.int64).max)


def eval_numpy(node: Schedule, t: Any) -> np.ndarray:
    """``node(t)`` for a NumPy array (or scalar, list, tuple) of any numeric dtype, as
    float64: integers exact (signed ones as int64; unsigned ones beyond int64, and
    Python ints in an object array, through :func:`eval_python`, exactly); floats of
    every width as float64; bool, complex, datetime and text a ``TypeError``."""
    a = np.asarray(t)
    kind = a.dtype.kind
    if kind == "V" and a.dtype.fields is None:  # bfloat16 and other ml_dtypes floats
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"a schedule is evaluated at numbers, got an array of {a.dtype}") from None
        kind = "f"
    if kind == "f":
        with np.errstate(over="ignore"):  # a longdouble beyond float64: refused just below
            wide = a.astype(np.float64, copy=False)
        if not np.isfinite(wide).all():
            bad = ~np.isfinite(wide)
            raise ScheduleError(f"t must be finite, got an array containing {_short_number(a[bad].flat[0])}")
        a = wide
    elif kind == "i":
        a = a.astype(np.int64, copy=False)
    elif kind == "u":
        if a.dtype.itemsize == 8 and a.size and int(a.max()) > _I64_MAX:
            return _eval_objects(node, a)
        a = a.astype(np.int64)
    elif kind == "O":
        return _eval_objects(node, a)
    else:
        raise TypeError(f"a schedule is evaluated at numbers, got an array of {a.dtype}")
    if a.size > 2 * NUMPY_CHUNK:
        # In blocks that stay in cache: each formula's temporaries are small, and a
        # chain over sorted times sees one piece per block (no masks).
        out = np.empty(a.shape, dtype=np.float64)
        flat, dest = a.reshape(-1), out.reshape(-1)
        for k in range(0, flat.size, NUMPY_CHUNK):
            dest[k : k + NUMPY_CHUNK] = node._eval(np.maximum(flat[k : k + NUMPY_CHUNK], 0), NP)
        return out
    a = np.maximum(a, 0)
    out = np.asarray(node._eval(a, NP), dtype=np.float64)
    if out.shape != a.shape:
        out = np.broadcast_to(out, a.shape).copy()
    return out


def _eval_objects(node: Schedule, a: np.ndarray) -> np.ndarray:
    """An array of Python numbers (or of uint64 beyond int64), element by element on
    the Python path: exact for ints of any size."""
    from . import _checks

    out = np.empty(a.shape, dtype=np.float64)
    flat, dest = a.reshape(-1), out.reshape(-1)
    for k, x in enumerate(flat.tolist()):
        if type(x) is not int and type(x) is not float:
            try:
                x = _checks.time(x)
            except TypeError:
                raise TypeError(
                    f"a schedule is evaluated at numbers, got an array holding {type(x).__name__} {x!r}"
                ) from None
        dest[k] = eval_python(node, x)
    return out


def eval_jax(node: Schedule, t: Any) -> Any:
    """``node(t)`` on JAX. Integer counts of every width become the count dtype (int32,
    or int64 under x64) and enter the formulas as exact times
    (:class:`lrdsl._jaxops.Time`); floats of every width at least float32.

    An unsigned count beyond the signed dtype (uint32 from ``2**31`` without x64,
    uint64 from ``2**63``) cannot be held: a concrete one is a
    :class:`ScheduleError`; under ``jit`` (where JAX cannot raise) its value is NaN,
    never the value at a wrapped count."""
    xp = jax_ops()
    jnp = xp.jnp
    if isinstance(t, (np.ndarray, np.generic, list, tuple)) or type(t) is int:
        # On the host: a count JAX's integer dtype cannot hold is refused before
        # jnp.asarray could wrap it.
        host = np.asarray(t, dtype=object) if type(t) is int and t.bit_length() > 63 else np.asarray(t)
        if host.dtype.kind == "O" and not all(type(x) is int for x in host.reshape(-1).tolist()):
            raise TypeError("a schedule is evaluated on JAX at an array of numbers, got an array of objects")
        if host.dtype.kind in "iuO" and host.size:
            top = xp.imax()
            if int(host.max()) > top:
                raise ScheduleError(
                    f"t must be at most {top} (the largest {xp.itype()} count"
                    f"{'; enable x64 for int64 counts' if top < _I64_MAX else ''}), got {int(host.max())}"
                )
            t = np.asarray(np.clip(host, -top - 1, top)).astype(np.dtype(xp.itype()))
    a = jnp.asarray(t)
    if jnp.issubdtype(a.dtype, jnp.bool_):
        raise TypeError(f"a schedule is evaluated at numbers, got an array of {a.dtype}")
    unheld = None
    if jnp.issubdtype(a.dtype, jnp.integer):
        itype, top = xp.itype(), xp.imax()
        if jnp.issubdtype(a.dtype, jnp.unsignedinteger) and jnp.iinfo(a.dtype).max > top:
            unheld = a > top
            from ._checks import is_tracer

            if not is_tracer(a) and bool(jnp.any(unheld)):
                raise ScheduleError(
                    f"t must be at most {top} (the largest {itype} count"
                    f"{'; enable x64 for int64 counts' if top < _I64_MAX else ''}),"
                    f" got {int(jnp.max(a))} ({a.dtype})"
                )
            a = jnp.where(unheld, 0, a)
        a = jnp.maximum(a.astype(itype), 0)
        time: Any = xp.count(a)
    elif jnp.issubdtype(a.dtype, jnp.floating):
        a = jnp.maximum(a.astype(jnp.promote_types(a.dtype, jnp.float32)), 0)
        time = a
    else:
        raise TypeError(f"a schedule is evaluated at numbers, got an array of {a.dtype}")
    out = jnp.asarray(xp.to_float(node._eval(time, xp)), dtype=xp.ftype())
    if out.shape != a.shape:
        out = jnp.broadcast_to(out, a.shape)
    if unheld is not None:
        out = jnp.where(unheld, jnp.nan, out)
    return out


def refuse_unbound(node: Schedule, entry: str) -> None:
    """Raise, naming ``entry`` (``s(t)``, ``values``, ``compile``, ...), if ``node``
    holds quantities without values."""
    names = node.free
    if names:
        from .quantity import _ordered

        ordered = _ordered(names)
        raise ScheduleError(
            f"{entry}: the schedule has unbound quantities {', '.join(ordered)};"
            f" give them with .bind({', '.join(f'{n}=...' for n in ordered)})"
        )


# ----------------------------------------------------------------------------
# Binding quantities.


def bind_schedule(root: Schedule, env: dict[str, Any]) -> Schedule:
    """``root`` with the quantities named in ``env`` bound (see :meth:`Schedule.bind`):
    children before parents, with an explicit stack; a shared subtree is bound once;
    a node without any of the names is kept as it is."""
    from .quantity import _bind

    given = frozenset(env)
    done: dict[int, Schedule] = {}
    paths: dict[int, str] = {id(root): root._text_name or type(root).__name__}
    stack = [root]
    while stack:
        node = stack[-1]
        if id(node) in done:
            stack.pop()
            continue
        if node._plain or node._free.isdisjoint(given):
            done[id(node)] = node
            stack.pop()
            continue
        pending = []
        for name in layout(type(node))[0]:
            v = getattr(node, name)
            items = v if isinstance(v, tuple) else (v,)
            for i, c in enumerate(items):
                if isinstance(c, Schedule) and id(c) not in done:
                    paths.setdefault(id(c), f"{paths[id(node)]}.{name}{f'[{i}]' if isinstance(v, tuple) else ''}")
                    pending.append(c)
        if pending:
            stack.extend(pending)
            continue
        stack.pop()

        def one(x: Any) -> Any:
            if isinstance(x, Schedule):
                return done[id(x)]
            if isinstance(x, Quantity):
                return _bind(x, env)
            return x

        cls = type(node)
        fields = {}
        for f in dataclasses.fields(node):  # type: ignore[arg-type]
            v = getattr(node, f.name)
            fields[cls._renamed.get(f.name, f.name)] = tuple(map(one, v)) if isinstance(v, tuple) else one(v)
        try:
            done[id(node)] = cls(**fields)
        except ScheduleError as e:
            if str(e).startswith("bind:"):
                raise
            path = paths[id(node)]
            if node is root:
                where = "" if str(e).startswith(f"{path}:") else f"{path}: "  # not cosine: cosine: ...
            else:
                where = f"{path} ({node._text_name}): "
            raise ScheduleError(f"bind: {where}{e}") from None
    return done[id(root)]


# ----------------------------------------------------------------------------
# Helpers for node definitions.


def check_schedule(fn: str, param: str, value: Any) -> Schedule:
    if not isinstance(value, Schedule):
        raise TypeError(f"{fn}: {param} must be a schedule, got {type(value).__name__} {value!r}")
    return value


def check_nesting(node: Schedule, fn: str) -> None:
    """Keep ``node``'s depth and size (from its children's), refusing an expression
    deeper than :data:`MAX_DEPTH` or larger than :data:`MAX_NODES`. Called by every
    node with children when it is built."""
    depth, nodes = 1, 1
    for c in node.children():
        d = c._depth + 1
        if d > depth:
            depth = d
        nodes += c._nodes
    record_nesting(node, fn, depth, nodes)


def record_nesting(node: Schedule, fn: str, depth: int, nodes: int) -> None:
    """Keep a depth and a size computed by the caller (a node extending another)."""
    if depth > MAX_DEPTH:
        raise ScheduleError(
            f"{fn}: the expression would be {depth} levels deep (the limit is {MAX_DEPTH} levels)"
        )
    if nodes > MAX_NODES:
        raise ScheduleError(
            f"{fn}: the expression would have {nodes:,} nodes, a part used twice counted twice"
            f" (the limit is {MAX_NODES:,})"
        )
    state = node.__dict__
    state["_depth"] = depth
    state["_nodes"] = nodes


def set_fields(obj: Any, **values: Any) -> None:
    """Store normalised values on a frozen node (inside ``__post_init__``)."""
    for k, v in values.items():
        object.__setattr__(obj, k, v)


def ev(x: Any, t: Any, xp: Any) -> Any:
    """A schedule evaluated at ``t``, or a number as it is."""
    return x._eval(t, xp) if isinstance(x, Schedule) else x
