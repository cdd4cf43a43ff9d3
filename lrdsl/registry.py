"""The names of the language.

- :func:`language`: the allow-list of what a text (:func:`lrdsl.parse`), a
  document (:func:`lrdsl.from_dict`) or a checkpoint may build: the public
  constructors of DESIGN.md section 2 and the public families, each by its
  name. Nothing else is reachable from data (not the simplifier's internal
  nodes, not a class defined elsewhere), and every name builds through its
  public constructor, so every check runs.
- :func:`register`: named functions for ``lambda_``: a registered function
  prints, parses and saves by its name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import ScheduleError

__all__ = ["register", "lookup", "name_of", "names", "generation", "Form", "language", "document_name"]

F = TypeVar("F", bound=Callable[..., Any])

_BY_NAME: dict[str, Callable[[Any], Any]] = {}
_GENERATION = [0]


def register(name: str) -> Callable[[F], F]:
    """Decorator: ``@lr.register("warm")`` makes ``fn`` available as ``lambda_('warm')``
    in text and JSON, and gives ``lambda_(fn)`` that name."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ScheduleError(f"register: name must be an identifier, got {name!r}")

    def deco(fn: F) -> F:
        if not callable(fn):
            raise TypeError(f"register: {name!r} must name a callable, got {type(fn).__name__}")
        old = _BY_NAME.get(name)
        if old is not None and old is not fn:
            raise ScheduleError(f"register: the name {name!r} is already taken by {old!r}")
        if old is None:
            _BY_NAME[name] = fn
            _GENERATION[0] += 1  # lambdas print by name now: texts computed before are stale
        return fn

    return deco


def generation() -> int:
    """A count of registrations (a text that shows a lambda is good while it holds)."""
    return _GENERATION[0]


def lookup(name: str) -> Callable[[Any], Any]:
    """The function registered as ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME)) or "none"
        raise ScheduleError(f"lambda_: no function is registered as {name!r} (registered: {known})") from None


def name_of(fn: Callable[[Any], Any]) -> str | None:
    """The name ``fn`` is registered under, if any."""
    for k, v in _BY_NAME.items():
        if v is fn:
            return k
    return None


def names() -> list[str]:
    """Every registered name, sorted."""
    return sorted(_BY_NAME)


# ----------------------------------------------------------------------------
# The allow-list.


@dataclass(frozen=True)
class Form:
    """One name of the language and how it is built.

    - ``kind``: ``"call"`` (``name(args)`` in text), ``"method"`` (``s.name(args)``)
      or ``"operator"`` (``a + b``, ``-a``: no name in text; a node of documents).
    - ``node``: the node class a document names by ``name`` (``None`` for a
      family that is a function of nodes, such as ``onecycle``: text only).
    - ``build``: what the text calls: the public constructor.
    """

    name: str
    kind: str
    node: type | None
    build: Callable[..., Any]


@functools.cache
def language() -> dict[str, Form]:
    """Every name of the language, by name (see the module docstring)."""
    from . import combinators as c
    from . import families as f
    from . import noises as n
    from . import primitives as p
    from . import products as r
    from . import quantize as q

    calls: dict[str, type] = {
        # DESIGN.md section 2: primitives
        "constant": p.Constant,
        "linear": p.Linear,
        "cosine": p.Cosine,
        "exponential": p.Exponential,
        "step": p.Step,
        "multistep": p.MultiStep,
        "polynomial": p.Polynomial,
        "piecewise": p.Piecewise,
        "interpolate": p.Interpolate,
        "lambda_": p.Lambda,
        # combinators
        "chain": c.Chain,
        "warmup": c.Warmup,
        "minimum": c.Minimum,
        "maximum": c.Maximum,
        # the public families
        "cosine_restarts": f.CosineRestarts,
        "polynomial_restarts": f.PolynomialRestarts,
        "tanh": f.Tanh,
        "cyclic": f.Cyclic,
        "inverse_sqrt": f.InverseSqrt,
        "inverse_time": f.InverseTime,
        "one_minus_sqrt": f.OneMinusSqrt,
        "polynomial_cycle": f.PolynomialCycle,
        # noise and running products
        "noise": n.Noise,
        "timm_noise": n.TimmNoise,
        "running_product": r.RunningProduct,
    }
    builders: dict[str, Callable[..., Any]] = {"chain": c.chain, "lambda_": lambda_by_name}
    out = {name: Form(name, "call", cls, builders.get(name, cls)) for name, cls in calls.items()}
    for name, fn in (("onecycle", f.onecycle), ("wsd", f.wsd)):
        out[name] = Form(name, "call", None, fn)
    methods: dict[str, type] = {"anneal_at": c.AnnealAt, "rescale": c.Rescale, "shift": c.Shift, "per_epoch": c.PerEpoch, "repeat": c.Repeat, "clip": c.Clip}
    methods.update({"round": q.Round, "floor": q.Floor, "ceil": q.Ceil})
    operators: dict[str, type] = {"sum": c.Sum, "product": c.Product, "binop": c.BinOp, "neg": c.Neg}
    out.update({name: Form(name, "method", cls, cls) for name, cls in methods.items()})
    out.update({name: Form(name, "operator", cls, cls) for name, cls in operators.items()})
    return out


def document_name(cls: type) -> str | None:
    """The name a document gives nodes of ``cls``, if ``cls`` is part of the language."""
    return _by_class().get(cls)


@functools.cache
def _by_class() -> dict[type, str]:
    return {form.node: name for name, form in language().items() if form.node is not None}


def lambda_by_name(name: Any = None) -> Any:
    """``lambda_('warm')`` as text and documents write it: the function registered
    as ``warm`` (a registered function prints by that name, so it is implied)."""
    import difflib

    from .primitives import Lambda

    if not isinstance(name, str):
        raise TypeError(f"lambda_: the argument is a registered name such as 'warm', got {name!r}")
    fn = _BY_NAME.get(name)
    if fn is None:
        known = names()
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"did you mean {_or(close)}?" if close else f"registered: {', '.join(known) or 'none'}"
        raise ScheduleError(
            f"lambda_: no function is registered as {name!r} ({hint}); register it with lrdsl.register({name!r})"
        )
    return Lambda(fn, name=None if name_of(fn) == name else name)


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
