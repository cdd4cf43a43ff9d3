"""A schedule times a plateau: :class:`PlateauSchedule`, whose value at step ``t`` and
state ``state`` is ``schedule(t) * scale(state)``; and :func:`from_dict`, which
reads back the documents of plateaus and of plateau schedules."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import _checks as check
from .._node import MUL, Schedule, text
from .._ops import is_jax_array, jax_ops
from ..errors import ScheduleError
from ._rule import FORMAT_TAG, FORMAT_VERSION, Plateau, _integer, _uses_jax
from .conventions import KerasPlateau, OptaxPlateau, TorchPlateau

__all__ = ["PlateauSchedule", "from_dict"]


@dataclass(frozen=True, repr=False)
class PlateauSchedule:
    """``schedule * plateau``: the lr ``schedule(t) * scale(state)``.

    - ``ps(t, state)``: the value at step ``t`` (``t`` as for any schedule: a
      number, a NumPy array or a JAX array).
    - ``ps.init(backend="python")``: the plateau's initial state.
    - ``ps.update(state, metric, t)``: the state after ``metric``, measured while
      the lr was ``ps(t, state)``; the plateau's floors compare that lr. Metrics
      reported at ``t < start`` are ignored (timm's warmup: ``start = warmup_t + 1``).

    ``ps * x`` and ``x * ps`` (a number or a schedule) multiply the schedule.
    """

    schedule: Schedule
    plateau: Plateau
    start: int = 0

    __array_ufunc__ = None

    def __post_init__(self) -> None:
        fn = "PlateauSchedule"
        if not isinstance(self.schedule, Schedule):
            raise TypeError(
                f"{fn}: schedule must be a schedule, got {type(self.schedule).__name__} {self.schedule!r}"
            )
        if not isinstance(self.plateau, Plateau):
            raise TypeError(
                f"{fn}: plateau must be a Plateau, got {type(self.plateau).__name__} {self.plateau!r}"
            )
        start = _integer(fn, "start", self.start)
        if start < 0:
            raise check.fail(fn, "start", start, ">= 0")
        object.__setattr__(self, "start", start)

    def __call__(self, t: Any, state: Mapping[str, Any]) -> Any:
        """``schedule(t) * scale(state)``."""
        return self.schedule(t) * self.plateau.scale(state)

    def init(self, backend: str = "python", *, dtype: Any = None, scale_dtype: Any = None) -> dict[str, Any]:
        """The plateau's initial state (see :meth:`Plateau.init`)."""
        return self.plateau.init(backend, dtype=dtype, scale_dtype=scale_dtype)

    def scale(self, state: Mapping[str, Any]) -> Any:
        return self.plateau.scale(state)

    def update(self, state: Mapping[str, Any], metric: Any, t: Any) -> dict[str, Any]:
        """The state after ``metric``, measured while the lr was ``self(t, state)``
        (``t < start``: the state as it is)."""
        fn = "PlateauSchedule.update"
        p = self.plateau
        level = self.schedule(t)
        new = p._advance(state, metric, level, fn)
        if self.start == 0:
            return new
        if is_jax_array(t) or is_jax_array(level) or _uses_jax(new):
            jnp = jax_ops().jnp
            old = p._to_jax(p._checked(state, fn), None, None)
            ready = jnp.asarray(t) >= self.start
            return {k: jnp.where(ready, new[k], old[k].astype(new[k].dtype)) for k in p._keys}
        return new if t >= self.start else p._plain(p._checked(state, fn))

    def __mul__(self, other: Any) -> PlateauSchedule:
        if isinstance(other, (Plateau, PlateauSchedule)):
            return NotImplemented
        return PlateauSchedule(self.schedule * other, self.plateau, self.start)

    def __rmul__(self, other: Any) -> PlateauSchedule:
        if isinstance(other, (Plateau, PlateauSchedule)):
            return NotImplemented
        return PlateauSchedule(other * self.schedule, self.plateau, self.start)

    def __repr__(self) -> str:
        if self.start == 0:
            return f"{text(self.schedule, MUL)} * {self.plateau!r}"
        return f"PlateauSchedule({self.schedule!r}, {self.plateau!r}, start={self.start})"

    __str__ = __repr__

    def to_dict(self) -> dict[str, Any]:
        """JSON data: the schedule's ``to_dict()``, the plateau's parameters and
        ``start``; :func:`lrdsl.plateau.from_dict` reads it back."""
        return {
            "format": FORMAT_TAG,
            "version": FORMAT_VERSION,
            "plateau": self.plateau._doc(),
            "schedule": self.schedule.to_dict(),
            "start": self.start,
        }


_CONVENTIONS: dict[str, type[Plateau]] = {
    "torch": TorchPlateau,
    "optax": OptaxPlateau,
    "keras": KerasPlateau,
}


def from_dict(doc: Any) -> Plateau | PlateauSchedule:
    """The plateau (or schedule times plateau) a ``to_dict()`` document describes."""
    fn = "lrdsl.plateau.from_dict"
    if not isinstance(doc, Mapping):
        raise ScheduleError(f"{fn}: expected a dict, got {type(doc).__name__}")
    if doc.get("format") != FORMAT_TAG:
        raise ScheduleError(
            f"{fn}: not a plateau document (its 'format' is {doc.get('format')!r}, expected {FORMAT_TAG!r})"
        )
    if doc.get("version") != FORMAT_VERSION:
        raise ScheduleError(
            f"{fn}: unknown version {doc.get('version')!r} (this lrdsl reads {FORMAT_VERSION})"
        )
    unknown = set(doc) - {"format", "version", "plateau", "schedule", "start"}
    if unknown:
        raise ScheduleError(f"{fn}: unknown keys {sorted(unknown)}")
    spec = doc.get("plateau")
    if not isinstance(spec, Mapping):
        raise ScheduleError(f"{fn}: 'plateau' must be a dict of parameters, got {spec!r}")
    cls = _CONVENTIONS.get(spec.get("convention"))  # type: ignore[arg-type]
    if cls is None:
        raise ScheduleError(
            f"{fn}: plateau.convention must be one of {', '.join(map(repr, _CONVENTIONS))}, got {spec.get('convention')!r}"
        )
    params = {k: v for k, v in spec.items() if k != "convention"}
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if set(params) - names:
        raise ScheduleError(f"{fn}: unknown {cls.__name__} parameters {sorted(set(params) - names)}")
    try:
        p = cls(**params)
    except (TypeError, ScheduleError) as e:
        raise ScheduleError(f"{fn}: {e}") from None
    if "schedule" not in doc:
        if "start" in doc:
            raise ScheduleError(f"{fn}: 'start' without a 'schedule'")
        return p
    from ..serialize import from_dict as schedule_from_dict

    try:
        return PlateauSchedule(schedule_from_dict(doc["schedule"]), p, doc.get("start", 0))
    except (TypeError, ScheduleError) as e:
        raise ScheduleError(f"{fn}: {e}") from None
