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

from ._rule import Plateau
from .conventions import KerasPlateau, OptaxPlateau, TorchPlateau, on_plateau
from .schedule import PlateauSchedule, from_dict

__all__ = [
    "Plateau",
    "TorchPlateau",
    "OptaxPlateau",
    "KerasPlateau",
    "PlateauSchedule",
    "on_plateau",
    "from_dict",
]
