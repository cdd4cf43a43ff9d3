"""Named functions for ``lambda_``: a registered function prints, parses and saves
by its name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .errors import ScheduleError

__all__ = ["register", "lookup", "name_of", "names"]

F = TypeVar("F", bound=Callable[..., Any])

_BY_NAME: dict[str, Callable[[Any], Any]] = {}


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
        _BY_NAME[name] = fn
        return fn

    return deco


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
