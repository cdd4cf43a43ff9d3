"""Quantities that are whole numbers: a schedule rounded to a multiple.

``s.round(multiple=64)``, ``s.floor(multiple=64)`` and ``s.ceil(multiple=64)``
are ``multiple * round(s(t) / multiple)`` (``floor``, ``ceil``): a sequence
length, an attention window, a batch size, a number of frozen layers. Evaluated
on their own they return integers: a Python ``int`` at a Python number, an int64
array on NumPy, an integer array on JAX (int32, or int64 under x64) and int64
on PyTorch (``compile("torch")``). Inside a larger expression they are numbers
like any other (``s.round(64) / 1024`` is a float).

The rule (exact from counts). The quotient ``q = s(t) / multiple`` is computed
in floating point, whose rounding may leave a value that is exactly a multiple
a few units of the last place short (``767.9999999999999`` for ``768``) or over.
A quotient within ``2**-40`` relative (``2**-18`` on float32 JAX) of an integer
counts as that integer, so ``floor`` and ``ceil`` of an exact multiple are that
multiple on every backend, and ``linear(128, 1024, 10_000).round(multiple=64)``
gives exact multiples. ``round`` rounds halves up (``floor(q + 1/2)``: a
quotient of ``2.5`` gives 3), on every backend alike (not to even).

A value that is not finite has no integer: evaluating one is a
:class:`~lrdsl.ScheduleError` (NaN on JAX and PyTorch, which cannot raise inside
a compiled function; there, the integer conversion gives what the backend gives).

Anchors: modded-nanogpt's attention window schedule (``next_multiple_of_n(...,
n=128)``, a ceiling to a multiple), sequence-length warmup (DeepSpeed's
``seqlen`` curriculum: a multiple of 8).
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from ._node import Schedule, check_nesting, check_schedule, set_fields, text
from .combinators import _Method
from .errors import ScheduleError

__all__ = ["Quantize", "Round", "Floor", "Ceil", "SLACK", "SLACK32"]

#: A quotient within this (relative, or absolute below 1) of an integer is that integer.
SLACK = 2.0**-40
#: The same on float32 backends (JAX without x64).
SLACK32 = 2.0**-18


@dataclass(frozen=True, repr=False, eq=False)
class Quantize(_Method):
    """``multiple * mode(schedule(t) / multiple)``: see the module docstring."""

    schedule: Schedule
    _: KW_ONLY
    multiple: Any = 1
    _mode: ClassVar[str] = ""
    integral: ClassVar[bool] = True

    def __post_init__(self) -> None:
        fn = self._text_name
        m = self.multiple
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)):
            raise TypeError(f"{fn}: multiple must be an int, got {type(m).__name__} {m!r}")
        m = int(m)
        if m < 1:
            raise ScheduleError(f"{fn}: multiple must be an int >= 1, got {m}")
        set_fields(self, schedule=check_schedule(fn, "schedule", self.schedule), multiple=m)
        check_nesting(self, fn)

    @cached_property
    def duration(self) -> Any:
        return self.schedule.duration

    def _text_args(self) -> list[str]:
        return [] if self.multiple == 1 else [f"multiple={text(self.multiple)}"]

    def _eval(self, t: Any, xp: Any) -> Any:
        v = self.schedule._eval(t, xp)
        m = self.multiple
        q = v if m == 1 else xp.div(v, m)
        slack = xp.maximum(xp.maximum(q, 0 - q), 1) * _slack(xp)
        if self._mode == "floor":
            n = xp.floordiv(q + slack, 1)
        elif self._mode == "ceil":
            n = 0 - xp.floordiv(slack - q, 1)
        else:
            n = xp.floordiv(q + 0.5 + slack, 1)
        return n if m == 1 else n * m

    # -- integers out --------------------------------------------------------------

    def __call__(self, t: Any) -> Any:
        return as_integers(Schedule.__call__(self, t), self)

    def values(self, n: int) -> np.ndarray:
        """The first ``n`` values, as an int64 array."""
        out: np.ndarray = as_integers(Schedule.values(self, n), self)
        return out


def _slack(xp: Any) -> float:
    if xp.name == "jax" and xp.ftype() == xp.jnp.float32:
        return SLACK32
    return SLACK


@dataclass(frozen=True, repr=False, eq=False)
class Round(Quantize):
    """``s.round(multiple=m)``: ``s(t)`` to the nearest multiple of ``m`` (halves up)."""

    _text_name = "round"
    _mode = "round"


@dataclass(frozen=True, repr=False, eq=False)
class Floor(Quantize):
    """``s.floor(multiple=m)``: the largest multiple of ``m`` at most ``s(t)``."""

    _text_name = "floor"
    _mode = "floor"


@dataclass(frozen=True, repr=False, eq=False)
class Ceil(Quantize):
    """``s.ceil(multiple=m)``: the smallest multiple of ``m`` at least ``s(t)``."""

    _text_name = "ceil"
    _mode = "ceil"


def as_integers(v: Any, node: Schedule) -> Any:
    """A quantised value (computed as a float holding an integer) as an integer of its
    backend: ``int``, int64 NumPy, the count dtype on JAX, int64 on PyTorch."""
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ScheduleError(f"{_name(node)}: the value is {v!r}, which has no integer")
        return int(v)
    if isinstance(v, (np.ndarray, np.generic)):
        a = np.asarray(v)
        if not np.isfinite(a).all():
            bad = float(a[~np.isfinite(a)].flat[0])
            raise ScheduleError(f"{_name(node)}: a value is {bad!r}, which has no integer")
        return v.astype(np.int64)
    torch = _module("torch")
    if torch is not None and isinstance(v, torch.Tensor):
        return v.to(torch.int64)
    jax = _module("jax")
    if jax is not None and isinstance(v, jax.Array):
        from ._ops import jax_ops

        return v.astype(jax_ops().itype())
    return v


def _name(node: Schedule) -> str:
    r = repr(node)
    return r if len(r) <= 60 else r[:57] + "..."


def _module(name: str) -> Any:
    import sys

    return sys.modules.get(name)
