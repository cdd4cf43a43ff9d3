"""Reduce-on-plateau as a pure function: a state machine ``(state, metric) -> state``
and the multiplier ``scale(state)`` it holds.

A learning rate that drops when a metric stops improving is no function of the
step alone: it depends on every metric seen so far. Here that history is a
small state, a plain dict of numbers, and the rule that folds a metric into it
is a pure function, written once against an array namespace (:mod:`lrdsl._ops`)
so that it runs on Python numbers and on JAX arrays, inside ``jax.jit`` and
``jax.lax.scan``::

    >>> import lrdsl as lr
    >>> p = lr.on_plateau(factor=0.5, patience=1)
    >>> state = p.init()
    >>> for loss in [1.0, 0.9, 0.95, 0.97]:
    ...     state = p.update(state, loss)
    >>> p.scale(state)
    0.5

Three conventions, each exact against its anchor (negative and NaN metrics
included), each with the anchor's own parameter names and state fields:

- :class:`TorchPlateau` (:func:`lrdsl.on_plateau` builds one):
  ``torch.optim.lr_scheduler.ReduceLROnPlateau``. Also timm's
  ``PlateauLRScheduler`` and Hugging Face's ``"reduce_lr_on_plateau"``, which
  wrap it.
- :class:`OptaxPlateau`: ``optax.contrib.reduce_on_plateau``.
- :class:`KerasPlateau`: ``keras.callbacks.ReduceLROnPlateau``.

Where they differ (``p`` is ``patience``, ``k`` the count of bad epochs):

====================  ============================  ============================  ============================
                      PyTorch                       Optax                         Keras
====================  ============================  ============================  ============================
improvement, min      ``m < best * (1 - thr)``      ``m < (1 - rtol) best - atol``  ``m + |min_delta| < best``
                      (``rel``), ``m < best - thr``
                      (``abs``)
improvement, max      ``m > best * (1 + thr)``,     (min only)                    ``m - |min_delta| > best``
                      ``m > best + thr``
first metric          better than ``+-inf``         better than ``inf``           always an improvement
reduce when           ``k > p``                     ``k == p``                    ``k >= p``
in cooldown           best still tracked, ``k=0``   best still tracked, ``k=0``   best tracked, ``k`` frozen
floor                 ``max(lr * f, min_lr)``,      ``max(scale * f, min_scale)``  ``max(lr * f, min_lr)`` if
                      kept only if it moves the lr  (on the scale)                ``f32(lr) > f32(min_lr)``
                      by more than ``eps``
metric                one value                     the mean of                   one value
                                                    ``accumulation_size`` values
====================  ============================  ============================  ============================

With a relative threshold, a negative metric that got *worse* by less than
``thr * |best|`` counts as an improvement in PyTorch and in Optax (for
``best < 0``, ``best * (1 - thr)`` lies above ``best``): both are reproduced as
released (torch 2.13, optax 0.2.8).

**Composition.** ``s * p``, for a schedule (or number) ``s`` and a plateau
``p``, is a :class:`PlateauSchedule`: its value at step ``t`` and state
``state`` is ``s(t) * scale(state)``. Its ``update(state, metric, t)`` folds in
a metric measured while the lr was ``s(t) * scale(state)``: the PyTorch and
Keras floors (``min_lr``, ``eps``) compare that lr, at that moment, as they
compare the optimizer's lr when PyTorch's ``ReduceLROnPlateau`` and another
scheduler step the same optimizer; Optax's ``min_scale`` bounds the scale. So
``lr.warmup(lr.cosine(1e-3, 0, 10_000), 500) * lr.on_plateau(patience=3,
min_lr=1e-5)`` never *reduces* below ``1e-5``, while the cosine may later carry
the lr under it. A plateau alone is ``1 * p``: its floors compare the scale.

**State.** :meth:`Plateau.init` gives the initial state (``backend="jax"``: JAX
arrays, counters int32, to carry through ``lax.scan``); :meth:`Plateau.update`
never mutates its argument, and under JAX returns the dtypes it was given.
:meth:`Plateau.state_to_dict` / :meth:`Plateau.state_from_dict` give strict
JSON (non-finite numbers as the strings ``"inf"``, ``"-inf"``, ``"nan"``).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from . import _checks as check
from ._node import MUL, Schedule, _same, text
from ._ops import PY, is_jax_array, is_plain, jax_ops
from .errors import ScheduleError

__all__ = [
    "Plateau",
    "TorchPlateau",
    "OptaxPlateau",
    "KerasPlateau",
    "PlateauSchedule",
    "on_plateau",
    "from_dict",
]

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
    from .primitives import Constant

    if isinstance(s, (Plateau, PlateauSchedule)):
        return NotImplemented
    if not isinstance(s, Schedule):
        try:
            s = Constant(check.number("*", "operand", s))
        except TypeError:
            return NotImplemented
    return PlateauSchedule(s, p)


@dataclass(frozen=True, repr=False)
class TorchPlateau(Plateau):
    """PyTorch's ``ReduceLROnPlateau`` rule (:func:`lrdsl.on_plateau` builds one).

    After a metric ``m`` (``lr`` is the lr in effect, ``level * scale``)::

        better = m < best * (1 - threshold)        mode="min", threshold_mode="rel"
                 m < best - threshold              mode="min", threshold_mode="abs"
                 m > best * (threshold + 1)        mode="max", threshold_mode="rel"
                 m > best + threshold              mode="max", threshold_mode="abs"
        best, num_bad_epochs = (m, 0) if better else (best, num_bad_epochs + 1)
        if cooldown_counter > 0: cooldown_counter -= 1; num_bad_epochs = 0
        if num_bad_epochs > patience:
            new = max(lr * factor, min_lr)
            if lr - new > eps: lr = new             (scale = new / level)
            cooldown_counter, num_bad_epochs = cooldown, 0

    ``best`` starts at ``inf`` (``-inf`` for ``mode="max"``), so the first finite
    metric is an improvement; a NaN metric never is (it counts as a bad epoch).
    State: ``{"scale", "best", "num_bad_epochs", "cooldown_counter"}``.

    Anchor: ``torch.optim.lr_scheduler.ReduceLROnPlateau`` (torch 2.13), whose
    checks this class keeps (``factor < 1``, the two modes); integer
    ``patience`` and ``cooldown``. :func:`lrdsl.on_plateau` checks more.
    """

    mode: str = "min"
    factor: float = 0.1
    patience: int = 10
    threshold: float = 1e-4
    threshold_mode: str = "rel"
    cooldown: int = 0
    min_lr: float = 0.0
    eps: float = 1e-8

    convention: ClassVar[str] = "torch"
    _keys: ClassVar[tuple[str, ...]] = ("scale", "best", "num_bad_epochs", "cooldown_counter")
    _ints: ClassVar[frozenset[str]] = frozenset({"num_bad_epochs", "cooldown_counter"})

    def __post_init__(self) -> None:
        fn = "TorchPlateau"
        _set(
            self,
            mode=check.choice(fn, "mode", self.mode, ("min", "max")),
            factor=_plain(fn, "factor", self.factor),
            patience=_integer(fn, "patience", self.patience),
            threshold=_plain(fn, "threshold", self.threshold),
            threshold_mode=check.choice(fn, "threshold_mode", self.threshold_mode, ("rel", "abs")),
            cooldown=_integer(fn, "cooldown", self.cooldown),
            min_lr=_plain(fn, "min_lr", self.min_lr),
            eps=_plain(fn, "eps", self.eps),
        )
        if not self.factor < 1.0:
            raise check.fail(fn, "factor", self.factor, "< 1.0 (PyTorch's rule)")

    def _initial(self) -> dict[str, Any]:
        return {
            "scale": 1.0,
            "best": math.inf if self.mode == "min" else -math.inf,
            "num_bad_epochs": 0,
            "cooldown_counter": 0,
        }

    def _better(self, m: Any, best: Any) -> Any:
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return m < (best * (1.0 - self.threshold) if rel else best - self.threshold)
        return m > (best * (self.threshold + 1.0) if rel else best + self.threshold)

    def _step(self, state: dict[str, Any], m: Any, level: Any, xp: Any) -> dict[str, Any]:
        w = xp.where
        better = self._better(m, state["best"])
        best = w(better, m, state["best"])
        bad = w(better, 0, state["num_bad_epochs"] + 1)
        counter = state["cooldown_counter"]
        in_cooldown = counter > 0
        counter = w(in_cooldown, counter - 1, counter)
        bad = w(in_cooldown, 0, bad)
        reduce = bad > self.patience
        scale = state["scale"]
        old = level * scale
        new = xp.maximum(old * self.factor, self.min_lr)
        moves = old - new > self.eps
        # A zero lr has nothing to reduce (and no scale to divide back to).
        apply = w(reduce, w(moves, level != 0, False), False)
        scale = w(apply, xp.div(new, w(level != 0, level, 1.0)), scale)
        return {
            "scale": scale,
            "best": best,
            "num_bad_epochs": w(reduce, 0, bad),
            "cooldown_counter": w(reduce, self.cooldown, counter),
        }


@dataclass(frozen=True, repr=False)
class OptaxPlateau(Plateau):
    """Optax's ``contrib.reduce_on_plateau`` rule.

    Each metric enters a running mean: ``count += 1``, ``avg_value = ((count - 1)
    * avg_value + m) / count``; when ``count == accumulation_size`` the mean is
    judged and both restart at 0::

        improved = avg_value < (1 - rtol) * best_value - atol
        best_value = avg_value if improved else best_value
        plateau_count = 0 if improved else plateau_count + 1
        if cooldown_count > 0:
            plateau_count, cooldown_count = 0, cooldown_count - 1
        else:
            hit = plateau_count == patience
            scale = max(scale * factor if hit else scale, min_scale)
            plateau_count = 0 if hit else plateau_count
            cooldown_count = cooldown if hit else 0

    Counters saturate at ``2**31 - 1`` (Optax's int32 ``safe_increment``).
    ``best_value`` starts at ``inf``. Minimisation only. ``min_scale`` bounds the
    scale, whatever schedule the plateau multiplies.

    As released (optax 0.2.8), and reproduced here: with ``best_value < 0`` the
    relative test ``avg < (1 - rtol) * best_value - atol`` is met by a value that
    got *worse* by less than ``rtol * |best_value|``, so a negative metric that
    creeps up keeps counting as an improvement; ``patience=0`` reduces on every
    improvement (``plateau_count == 0`` right after one); with ``rtol=1`` the
    first comparison is ``avg < 0 * inf`` (NaN), never an improvement.

    State (Optax's field names): ``{"scale", "best_value", "plateau_count",
    "cooldown_count", "count", "avg_value"}``. Anchor:
    ``optax.contrib.reduce_on_plateau``, whose checks this class keeps.
    """

    factor: float = 0.1
    patience: int = 10
    rtol: float = 1e-4
    atol: float = 0.0
    cooldown: int = 0
    accumulation_size: int = 1
    min_scale: float = 0.0

    convention: ClassVar[str] = "optax"
    _keys: ClassVar[tuple[str, ...]] = (
        "scale",
        "best_value",
        "plateau_count",
        "cooldown_count",
        "count",
        "avg_value",
    )
    _ints: ClassVar[frozenset[str]] = frozenset({"plateau_count", "cooldown_count", "count"})
    _metric_key: ClassVar[str] = "avg_value"

    def __post_init__(self) -> None:
        fn = "OptaxPlateau"
        _set(
            self,
            factor=_plain(fn, "factor", self.factor),
            patience=_integer(fn, "patience", self.patience),
            rtol=_plain(fn, "rtol", self.rtol),
            atol=_plain(fn, "atol", self.atol),
            cooldown=_integer(fn, "cooldown", self.cooldown),
            accumulation_size=_integer(fn, "accumulation_size", self.accumulation_size),
            min_scale=_plain(fn, "min_scale", self.min_scale),
        )
        if not 0.0 < self.factor < 1.0:
            raise check.fail(fn, "factor", self.factor, "in (0, 1) (Optax's rule)")
        if self.rtol < 0.0:
            raise check.fail(fn, "rtol", self.rtol, ">= 0")
        if self.atol < 0.0:
            raise check.fail(fn, "atol", self.atol, ">= 0")
        if self.rtol == 0.0 and self.atol == 0.0:
            raise check.fail(fn, "rtol", self.rtol, "> 0 when atol is 0 (one of them must be positive)")
        if self.rtol > 1.0:
            raise check.fail(fn, "rtol", self.rtol, "<= 1.0")

    def _initial(self) -> dict[str, Any]:
        return {
            "scale": 1.0,
            "best_value": math.inf,
            "plateau_count": 0,
            "cooldown_count": 0,
            "count": 0,
            "avg_value": 0.0,
        }

    def _step(self, state: dict[str, Any], m: Any, level: Any, xp: Any) -> dict[str, Any]:
        w = xp.where
        count, avg = state["count"], state["avg_value"]
        new_count = _increment(count, xp)
        # Optax: (count * avg + value) / new_count, in the dtype of avg_value.
        new_avg = (count * avg + m) / new_count
        if xp is not PY:
            new_avg = new_avg.astype(avg.dtype)
        judge = new_count == self.accumulation_size

        best = state["best_value"]
        improved = new_avg < (1 - self.rtol) * best - self.atol
        new_best = w(improved, new_avg, best)
        current = w(improved, 0, _increment(state["plateau_count"], xp))
        in_cooldown = state["cooldown_count"] > 0
        hit = current == self.patience
        scale = state["scale"]
        reduced = xp.maximum(w(hit, scale * self.factor, scale), self.min_scale)
        judged = {
            "scale": w(in_cooldown, scale, reduced),
            "best_value": new_best,
            "plateau_count": w(in_cooldown, 0, w(hit, 0, current)),
            "cooldown_count": w(in_cooldown, state["cooldown_count"] - 1, w(hit, self.cooldown, 0)),
            "count": 0,
            "avg_value": 0.0,
        }
        waiting = {**state, "count": new_count, "avg_value": new_avg}
        return {k: w(judge, judged[k], waiting[k]) for k in self._keys}


def _increment(count: Any, xp: Any) -> Any:
    """``count + 1``, staying at ``2**31 - 1`` (Optax's ``safe_increment`` on int32)."""
    if xp is PY:
        return count + 1 if count < _INT32_MAX else _INT32_MAX
    jnp = xp.jnp
    top = jnp.iinfo(count.dtype).max
    return jnp.where(count < top, count + 1, top).astype(count.dtype)


@dataclass(frozen=True, repr=False)
class KerasPlateau(Plateau):
    """Keras's ``callbacks.ReduceLROnPlateau`` rule, at the end of each epoch
    (``lr`` is the lr in effect, ``level * scale``)::

        if cooldown_counter > 0: cooldown_counter -= 1; wait = 0
        if not has_best or m - d < best (mode="min"; m - d > best for "max"):
            best, has_best, wait = m, 1, 0           (d = -|min_delta| for "min", +|min_delta| for "max")
        elif cooldown_counter == 0:
            wait += 1
            if wait >= patience and float32(lr) > float32(min_lr):
                lr = max(lr * factor, min_lr)          (scale = lr / level)
                cooldown_counter, wait = cooldown, 0

    The first metric is always an improvement, even NaN (which then can never
    be beaten). Keras tests ``old_lr > np.float32(min_lr)`` with ``old_lr`` a
    Python float, which NumPy 2 compares in float32: so the test is
    ``float32(lr) > float32(min_lr)``, whatever Keras's ``floatx``; once the lr
    is at the floor (to float32 precision) Keras does not "reduce", so ``wait``
    keeps growing and the cooldown does not restart. All reproduced. ``mode`` is ``"min"`` or ``"max"`` (Keras's ``"auto"`` is
    resolved from the monitored name by :func:`lrdsl.compat.keras.ReduceLROnPlateau`).

    State: ``{"scale", "best", "has_best", "wait", "cooldown_counter"}``
    (``has_best`` is 0 while Keras's ``best`` is ``None``). Anchor:
    ``keras.callbacks.ReduceLROnPlateau`` (Keras 3.15), at ``floatx="float64"``
    (at float32 Keras also rounds the lr and the comparisons to float32).
    """

    mode: str = "min"
    factor: float = 0.1
    patience: int = 10
    min_delta: float = 1e-4
    cooldown: int = 0
    min_lr: float = 0.0

    convention: ClassVar[str] = "keras"
    _keys: ClassVar[tuple[str, ...]] = ("scale", "best", "has_best", "wait", "cooldown_counter")
    _ints: ClassVar[frozenset[str]] = frozenset({"has_best", "wait", "cooldown_counter"})

    def __post_init__(self) -> None:
        fn = "KerasPlateau"
        _set(
            self,
            mode=check.choice(fn, "mode", self.mode, ("min", "max")),
            factor=_plain(fn, "factor", self.factor),
            patience=_integer(fn, "patience", self.patience),
            min_delta=_plain(fn, "min_delta", self.min_delta),
            cooldown=_integer(fn, "cooldown", self.cooldown),
            min_lr=_plain(fn, "min_lr", self.min_lr),
        )
        if not self.factor < 1.0:
            raise check.fail(fn, "factor", self.factor, "< 1.0 (Keras's rule)")

    def _initial(self) -> dict[str, Any]:
        return {"scale": 1.0, "best": 0.0, "has_best": 0, "wait": 0, "cooldown_counter": 0}

    def _step(self, state: dict[str, Any], m: Any, level: Any, xp: Any) -> dict[str, Any]:
        w = xp.where
        counter, wait = state["cooldown_counter"], state["wait"]
        was_cooling = counter > 0
        counter = w(was_cooling, counter - 1, counter)
        wait = w(was_cooling, 0, wait)
        best = state["best"]
        # Keras: monitor_value - min_delta, with min_delta = -|min_delta| for "min".
        delta = -abs(self.min_delta) if self.mode == "min" else abs(self.min_delta)
        beats = m - delta < best if self.mode == "min" else m - delta > best
        improved = w(state["has_best"] == 0, True, beats)
        cooling = counter > 0
        counting = w(improved, False, w(cooling, False, True))
        wait = w(improved, 0, w(counting, wait + 1, wait))
        scale = state["scale"]
        old = level * scale
        above = _round32(old, xp) > _float32(self.min_lr)
        reduced = w(counting, w(wait >= self.patience, above, False), False)
        new = xp.maximum(old * self.factor, self.min_lr)
        scale = w(w(reduced, level != 0, False), xp.div(new, w(level != 0, level, 1.0)), scale)
        return {
            "scale": scale,
            "best": w(improved, m, best),
            "has_best": w(improved, 1, state["has_best"]),
            "wait": w(reduced, 0, wait),
            "cooldown_counter": w(reduced, self.cooldown, counter),
        }


def _round32(x: Any, xp: Any) -> Any:
    """``x`` rounded to float32 (on JAX, an array of that dtype)."""
    if xp is PY:
        return _float32(x)
    return x.astype(xp.jnp.float32)


def _set(obj: Any, **values: Any) -> None:
    for k, v in values.items():
        object.__setattr__(obj, k, v)


def on_plateau(
    *,
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: float = 0.0,
    eps: float = 1e-8,
) -> TorchPlateau:
    """A multiplier that drops by ``factor`` when a metric stops improving, by
    PyTorch's rules (:class:`TorchPlateau`, with PyTorch's names and defaults).

    ``s * on_plateau(...)`` is a :class:`PlateauSchedule`: the lr at step ``t``
    is ``s(t) * scale``, and ``min_lr``/``eps`` apply to that lr at each
    reduction (to the scale itself for a plateau used alone)::

        >>> import lrdsl as lr
        >>> lrs = lr.cosine(0.1, 0.0, 100) * lr.on_plateau(factor=0.5, patience=2)
        >>> state = lrs.init()
        >>> for t, loss in enumerate([3.0, 2.0, 2.5, 2.4, 2.2]):
        ...     state = lrs.update(state, loss, t)
        >>> lrs(5, state) == lr.cosine(0.1, 0.0, 100)(5) * 0.5
        True

    Beyond PyTorch's own checks: ``0 < factor < 1``, ``patience >= 0``,
    ``cooldown >= 0``, ``threshold >= 0``, ``min_lr >= 0``, ``eps >= 0``
    (``lrdsl.compat.torch.ReduceLROnPlateau`` takes whatever PyTorch takes).
    """
    fn = "on_plateau"
    check.choice(fn, "mode", mode, ("min", "max"))
    check.choice(fn, "threshold_mode", threshold_mode, ("rel", "abs"))
    f = _plain(fn, "factor", factor)
    if not 0.0 < f < 1.0:
        raise check.fail(fn, "factor", f, "in (0, 1)")
    counts = {"patience": _integer(fn, "patience", patience), "cooldown": _integer(fn, "cooldown", cooldown)}
    amounts = {
        name: _plain(fn, name, v) for name, v in (("threshold", threshold), ("min_lr", min_lr), ("eps", eps))
    }
    for name, v in {**counts, **amounts}.items():
        if v < 0:
            raise check.fail(fn, name, v, ">= 0")
    return TorchPlateau(
        mode,
        f,
        counts["patience"],
        amounts["threshold"],
        threshold_mode,
        counts["cooldown"],
        amounts["min_lr"],
        amounts["eps"],
    )


# ----------------------------------------------------------------------------
# A schedule times a plateau.


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
    from .serialize import from_dict as schedule_from_dict

    try:
        return PlateauSchedule(schedule_from_dict(doc["schedule"]), p, doc.get("start", 0))
    except (TypeError, ScheduleError) as e:
        raise ScheduleError(f"{fn}: {e}") from None
