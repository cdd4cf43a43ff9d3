"""Keras 3 adapter: a schedule as a ``keras.optimizers.schedules.LearningRateSchedule``.

>>> import keras, lrdsl as lr                                  # doctest: +SKIP
>>> from lrdsl.keras import LearningRateSchedule                # doctest: +SKIP
>>> s = lr.warmup(lr.cosine(1e-3, 1e-5, 9_000), 1_000)          # doctest: +SKIP
>>> opt = keras.optimizers.AdamW(learning_rate=LearningRateSchedule(s))  # doctest: +SKIP

Time. Keras's optimizer calls its schedule with its iteration counter before
the update (``BaseOptimizer._get_current_learning_rate`` passes
``self._iterations``, then ``apply`` adds one): the number of updates already
made, which is lrdsl's ``t``. The first update uses ``s(0)``, the update after
``k`` of them ``s(k)``, as with Keras's own schedules (``ExponentialDecay`` and
the others read the same ``step``). With ``gradient_accumulation_steps=n`` Keras
passes the count of batches, not of updates (its "real iterations"); count
updates with ``s.per_epoch(n)``.

Backends. On JAX the schedule is traced inside Keras's jitted train step
(``s.compile("jax")``, float32 unless x64 is on: within 1e-6 relative of
float64, DESIGN.md section 1); a schedule that cannot be traced is refused when
the ``LearningRateSchedule`` is built. On the other backends (PyTorch, NumPy)
the step is a concrete count: the value is ``s(count)`` in float64, then
rounded to ``keras.config.floatx()``. A backend that hands over a symbolic step
(TensorFlow inside ``tf.function``) is refused with ``TypeError`` when called.

Saving. ``get_config()`` is ``{"schedule": str(s)}``, the text form, so the
schedule goes through ``keras.optimizers.schedules.serialize`` /
``deserialize``, an optimizer's ``get_config()`` / ``from_config()`` and a saved
``.keras`` model as text. The class is registered with Keras as
``lrdsl>LearningRateSchedule``: import ``lrdsl.keras`` before loading. A
``lambda_`` is saved by its registered name (:func:`lrdsl.register`), and
must be registered under that name where the model is loaded.

This module imports Keras (which picks its backend from ``KERAS_BACKEND`` at
that moment); ``import lrdsl`` does not.
"""

from __future__ import annotations

from typing import Any

from ._optional import optional

with optional("lrdsl.keras"):
    import keras

from ._node import Schedule
from .errors import ScheduleError
from .primitives import Lambda

__all__ = ["LearningRateSchedule"]


def _lambdas(s: Schedule) -> list[Lambda]:
    found = [s] if isinstance(s, Lambda) else []
    for c in s.children():
        found += _lambdas(c)
    return found


@keras.saving.register_keras_serializable(package="lrdsl", name="LearningRateSchedule")
class LearningRateSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """An lrdsl schedule as a Keras learning-rate schedule: ``self(step) =
    schedule(step)``, ``step`` the optimizer's count of updates made (see the
    module docstring)."""

    def __init__(self, schedule: Schedule) -> None:
        if not isinstance(schedule, Schedule):
            raise TypeError(
                f"LearningRateSchedule: schedule must be an lrdsl schedule, got {type(schedule).__name__}"
                f" {schedule!r}"
            )
        self.schedule = schedule
        self._jax = schedule.compile("jax") if keras.backend.backend() == "jax" else None

    def __call__(self, step: Any) -> Any:
        dtype = keras.config.floatx()
        if self._jax is not None:
            return keras.ops.cast(self._jax(keras.ops.convert_to_tensor(step)), dtype)
        try:
            count = keras.ops.convert_to_numpy(step).item()
        except Exception as e:  # a symbolic tensor: no value to read
            raise TypeError(
                f"LearningRateSchedule: the {keras.backend.backend()} backend passed a symbolic step"
                f" ({type(step).__name__}); lrdsl schedules are traced on JAX and evaluated at a"
                " concrete step on the other backends"
            ) from e
        return keras.ops.convert_to_tensor(self.schedule(count), dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        """``{"schedule": text}``, with ``lrdsl.parse(text) == schedule``."""
        from .registry import name_of
        from .text import parse

        for node in _lambdas(self.schedule):
            if node.name is None and name_of(node.fn) is None:
                raise ScheduleError(
                    f"LearningRateSchedule: cannot save {node}: a lambda_ is saved by its registered"
                    " name; register its function with lrdsl.register(name)"
                )
        text = str(self.schedule)
        try:
            same = parse(text) == self.schedule
        except ScheduleError:
            same = False
        if not same:
            raise ScheduleError(
                f"LearningRateSchedule: cannot save {text}: its text does not read back as the same"
                " schedule (traced or array parameters, or a lambda_ name registered to another function)"
            )
        return {"schedule": text}

    @classmethod
    def from_config(cls, config: Any) -> LearningRateSchedule:
        """The schedule of a :meth:`get_config` dict, read with :func:`lrdsl.parse`."""
        from .text import parse

        if not isinstance(config, dict) or set(config) != {"schedule"} or not isinstance(config["schedule"], str):
            raise ScheduleError(
                f"LearningRateSchedule: a config is {{'schedule': TEXT}}, got {_short(config)}"
            )
        return cls(parse(config["schedule"]))

    def __repr__(self) -> str:
        return f"LearningRateSchedule({self.schedule})"


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 80 else r[:77] + "..."
