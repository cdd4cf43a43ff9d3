"""The three conventions of reduce-on-plateau, each its anchor's rule with its
anchor's parameter names and state fields: :class:`TorchPlateau` (and
:func:`on_plateau`, lrdsl's own constructor of it), :class:`OptaxPlateau`,
:class:`KerasPlateau`. The differences between them are tabulated in
:mod:`lrdsl.plateau`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import _checks as check
from .._ops import PY
from ._rule import _INT32_MAX, Plateau, _float32, _integer, _plain

__all__ = ["TorchPlateau", "OptaxPlateau", "KerasPlateau", "on_plateau"]


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
