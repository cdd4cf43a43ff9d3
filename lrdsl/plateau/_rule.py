"""The :class:`Plateau` base: the state machine's public surface (``init``, ``update``,
``scale``, the state as data, ``schedule * plateau``), the parameter checks and the
metric's coercion shared by the conventions (:mod:`lrdsl.plateau.conventions`)."""

from __future__ import annotations

import dataclasses
import math
import numbers
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .. import _checks as check
from .._node import Schedule, _same
from .._ops import PY, is_jax_array, is_plain, jax_ops
from ..errors import ScheduleError

if TYPE_CHECKING:
    from .schedule import PlateauSchedule

__all__ = ["Plateau", "FORMAT_TAG", "FORMAT_VERSION"]

#: The tag and version of :meth:`Plateau.to_dict` documents.
FORMAT_TAG = "lrdsl.plateau"
FORMAT_VERSION = 1

_INT32_MAX = 2**31 - 1
_NONFINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


# ----------------------------------------------------------------------------
# Parameter checks.


def _plain(fn: str, param: str, value: Any) -> Any:
    """A finite, concrete number (a concrete JAX scalar, as Optax accepts, becomes one)."""
    if is_jax_array(value) and getattr(value, "ndim", None) == 0:
        try:
            value = value.item()
        except Exception:  # a tracer: the rule's parameters are not traced
            raise TypeError(f"{fn}: {param} must be a concrete number, not a traced value") from None
    v = check.number(fn, param, value)
    if not is_plain(v):
        raise TypeError(f"{fn}: {param} must be a concrete number, got {type(value).__name__}")
    return v


def _integer(fn: str, param: str, value: Any) -> int:
    """An integral number (``2`` or ``2.0``), as an int."""
    v = _plain(fn, param, value)
    if not float(v).is_integer():
        raise check.fail(fn, param, v, "an integer")
    return int(v)


def _float32(x: float) -> float:
    """``x`` rounded to float32 (``inf`` beyond its range), as a Python float."""
    with np.errstate(over="ignore"):
        return float(np.float32(x))


# ----------------------------------------------------------------------------
# The namespace of an update: plain Python, or JAX when anything is a JAX array.


def _metric(fn: str, m: Any) -> Any:
    """The metric as a Python float, or the JAX array it is."""
    if is_jax_array(m):
        return m
    if m is None or isinstance(m, (bool, np.bool_, str, bytes)):
        raise TypeError(f"{fn}: metric must be a number, got {type(m).__name__} {m!r}")
    if isinstance(m, np.ndarray) and m.size != 1:
        raise TypeError(f"{fn}: metric must be one number, got an array of shape {m.shape}")
    if isinstance(m, (numbers.Real, np.generic, np.ndarray)) or hasattr(m, "__float__"):
        try:
            return float(m)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{fn}: metric must be one number, got {type(m).__name__}: {e}") from None
    raise TypeError(f"{fn}: metric must be a number, got {type(m).__name__} {m!r}")


def _uses_jax(state: Mapping[str, Any], *more: Any) -> bool:
    jax = sys.modules.get("jax")
    if jax is None:  # no JAX array can exist
        return False
    array = jax.Array
    return any(isinstance(v, array) for v in state.values()) or any(isinstance(v, array) for v in more)


# ----------------------------------------------------------------------------
# The state machines.


class Plateau:
    """A reduce-on-plateau rule: a state machine ``(state, metric) -> state`` whose
    state holds a multiplier ``scale`` (``1.0`` at first).

    Subclasses fix one anchor's convention (:class:`TorchPlateau`,
    :class:`OptaxPlateau`, :class:`KerasPlateau`); each is a frozen dataclass of
    its anchor's parameters. ``s * p`` (a schedule or a number times a plateau)
    is a :class:`PlateauSchedule`.
    """

    __slots__ = ()
    # NumPy must defer to our reflected operators (np.float64(0.1) * p).
    __array_ufunc__ = None

    #: The convention's name, in documents.
    convention: ClassVar[str] = ""
    #: The state's keys, in order, and which of them are integer counters.
    _keys: ClassVar[tuple[str, ...]] = ()
    _ints: ClassVar[frozenset[str]] = frozenset()
    #: The state keys that follow the dtype of the scale (the rest, of the metric).
    _scale_keys: ClassVar[frozenset[str]] = frozenset({"scale"})
    #: The state key whose dtype a JAX metric is cast to.
    _metric_key: ClassVar[str] = "best"
    _keyset: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._keyset = frozenset(cls._keys)

    # -- the rule ---------------------------------------------------------------

    def _initial(self) -> dict[str, Any]:
        """The initial state as Python numbers."""
        raise NotImplementedError

    def _step(self, state: dict[str, Any], m: Any, level: Any, xp: Any) -> dict[str, Any]:
        """The state after metric ``m``, with the lr in effect ``level * state["scale"]``."""
        raise NotImplementedError

    # -- the public surface --------------------------------------------------------

    def init(self, backend: str = "python", *, dtype: Any = None, scale_dtype: Any = None) -> dict[str, Any]:
        """The initial state: a dict of Python numbers, or (``backend="jax"``) of JAX
        scalars: counters int32, the others ``dtype`` (the default float unless
        given; ``scale_dtype`` for the scale, ``dtype`` unless given)."""
        check.choice(f"{type(self).__name__}.init", "backend", backend, ("python", "jax"))
        state = self._initial()
        if backend == "python":
            return state
        return self._to_jax(state, dtype, scale_dtype)

    def update(self, state: Mapping[str, Any], metric: Any) -> dict[str, Any]:
        """The state after ``metric``: ``(1 * self).update(state, metric, 0)`` (the
        floors compare the scale itself). Pure: ``state`` is not changed."""
        return self._advance(state, metric, 1.0, f"{type(self).__name__}.update")

    def scale(self, state: Mapping[str, Any]) -> Any:
        """The multiplier the state holds: ``state["scale"]``."""
        v = state.get("scale") if type(state) is dict else None
        if type(v) is float or is_jax_array(v):
            return v
        return self._checked(state, f"{type(self).__name__}.scale")["scale"]

    def _advance(self, state: Mapping[str, Any], metric: Any, level: Any, fn: str) -> dict[str, Any]:
        """The state after ``metric`` with the lr in effect ``level * scale``: on
        JAX (dtypes kept) if anything is a JAX array, else on Python numbers."""
        state = self._checked(state, fn)
        m = _metric(fn, metric)
        if _uses_jax(state, m, level):
            xp = jax_ops()
            jstate = self._to_jax(state, None, None)
            m = xp.jnp.asarray(m).astype(jstate[self._metric_key].dtype)
            new = self._step(dict(jstate), m, level, xp)
            return {k: xp.jnp.asarray(new[k]).astype(jstate[k].dtype) for k in self._keys}
        return self._plain(self._step(state, m, level, PY))

    def _plain(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """A checked state as Python numbers (ints for the counters)."""
        return {k: (int(state[k]) if k in self._ints else float(state[k])) for k in self._keys}

    def _checked(self, state: Any, fn: str) -> dict[str, Any]:
        """``state`` as a dict with exactly this convention's keys, each a number: a JAX
        array as it is, any other as a Python int (the counters) or float."""
        if type(state) is dict and state.keys() == self._keyset:
            # The common case, a state update() made: plain numbers of the right kinds.
            ints = self._ints
            if all(type(v) is (int if k in ints else float) for k, v in state.items()):
                return dict(state)
        if not isinstance(state, Mapping):
            raise TypeError(f"{fn}: state must be a dict (from init()), got {type(state).__name__}")
        keys = set(state)
        if keys != set(self._keys):
            missing, unknown = sorted(set(self._keys) - keys), sorted(keys - set(self._keys))
            what = "; ".join(
                part
                for part in (
                    f"missing {missing}" if missing else "",
                    f"unknown {unknown}" if unknown else "",
                )
                if part
            )
            raise ScheduleError(
                f"{fn}: state is not a {type(self).__name__} state ({what}); its keys are {list(self._keys)}"
            )
        for k in self._keys:
            v = state[k]
            if is_jax_array(v):
                continue
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.ndarray, np.generic)):
                raise TypeError(f"{fn}: state[{k!r}] must be a number, got {type(v).__name__} {v!r}")
            if isinstance(v, np.ndarray) and v.size != 1:
                raise TypeError(f"{fn}: state[{k!r}] must be one number, got an array of shape {v.shape}")
            if k in self._ints and not float(v).is_integer():
                raise ScheduleError(f"{fn}: state[{k!r}] must be an integer count, got {v!r}")
        return {
            k: v if is_jax_array(v) else (int(v) if k in self._ints else float(v)) for k, v in state.items()
        }

    def _to_jax(self, state: Mapping[str, Any], dtype: Any, scale_dtype: Any) -> dict[str, Any]:
        jnp = jax_ops().jnp
        out: dict[str, Any] = {}
        for k in self._keys:
            v = state[k]
            if k in self._ints:
                want = v.dtype if is_jax_array(v) else jnp.int32
            elif is_jax_array(v):
                want = v.dtype
            else:
                want = scale_dtype if k in self._scale_keys and scale_dtype is not None else dtype
                if want is None:
                    want = jnp.asarray(0.0).dtype  # the default float: float32 unless x64 is on
            out[k] = jnp.asarray(v, dtype=want)
        return out

    # -- data ------------------------------------------------------------------------

    def state_to_dict(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The state as strict JSON data: ints, floats, and ``"inf"``, ``"-inf"`` or
        ``"nan"`` for the non-finite floats. :meth:`state_from_dict` reads it back."""
        state = self._checked(state, f"{type(self).__name__}.state_to_dict")
        out: dict[str, Any] = {}
        for k in self._keys:
            v = state[k]
            v = v.item() if hasattr(v, "item") else v
            if k in self._ints:
                out[k] = int(v)
            else:
                f = float(v)
                out[k] = f if math.isfinite(f) else ("nan" if f != f else ("inf" if f > 0 else "-inf"))
        return out

    def state_from_dict(self, doc: Any, backend: str = "python") -> dict[str, Any]:
        """The state a :meth:`state_to_dict` document describes (``backend="jax"``:
        as JAX scalars, as :meth:`init` gives them)."""
        fn = f"{type(self).__name__}.state_from_dict"
        if not isinstance(doc, Mapping):
            raise ScheduleError(f"{fn}: expected a dict, got {type(doc).__name__}")
        decoded: dict[str, Any] = {}
        for k, v in doc.items():
            if isinstance(v, str) and v in _NONFINITE and k not in self._ints:
                decoded[k] = _NONFINITE[v]
            elif k in self._ints and not (type(v) is int or (is_plain(v) and float(v).is_integer())):
                raise ScheduleError(f"{fn}: {k!r} must be an integer, got {v!r}")
            elif not is_plain(v):
                raise ScheduleError(f"{fn}: {k!r} must be a number (or 'inf', '-inf', 'nan'), got {v!r}")
            else:
                decoded[k] = v
        try:
            state = self._checked(decoded, fn)
        except TypeError as e:
            raise ScheduleError(str(e)) from None
        check.choice(fn, "backend", backend, ("python", "jax"))
        return self._plain(state) if backend == "python" else self._to_jax(state, None, None)

    def _params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON data; :func:`lrdsl.plateau.from_dict` reads it back."""
        return {"format": FORMAT_TAG, "version": FORMAT_VERSION, "plateau": self._doc()}

    def _doc(self) -> dict[str, Any]:
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self._params().items()}
        return {"convention": self.convention, **params}

    def __repr__(self) -> str:
        args = []
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if f.default is dataclasses.MISSING or not _same(v, f.default):
                args.append(f"{f.name}={v!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    # -- composition ---------------------------------------------------------------

    def __mul__(self, other: Any) -> PlateauSchedule:
        return _compose(other, self)

    def __rmul__(self, other: Any) -> PlateauSchedule:
        return _compose(other, self)


def _compose(s: Any, p: Plateau) -> PlateauSchedule:
    from ..primitives import Constant
    from .schedule import PlateauSchedule

    if isinstance(s, (Plateau, PlateauSchedule)):
        return NotImplemented
    if not isinstance(s, Schedule):
        try:
            s = Constant(check.number("*", "operand", s))
        except TypeError:
            return NotImplemented
    return PlateauSchedule(s, p)
