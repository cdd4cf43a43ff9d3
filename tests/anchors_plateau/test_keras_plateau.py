"""Keras's own ``ReduceLROnPlateau`` tests (``keras/src/callbacks/reduce_lr_on_plateau_test.py``,
``ReduceLROnPlateauTest``), ported to ``lrdsl.compat.keras.ReduceLROnPlateau``.

Each anchor case trains a small model with ``model.fit(...,
callbacks=[ReduceLROnPlateau(...)])`` and checks the optimizer's lr at the end.
Here Keras runs that very set-up (its ``setUp``: ``Adam(0.1)``, ``mse``, random
data; in the Keras worker process, on the PyTorch backend at Keras's default
float32) and reports the ``val_loss`` of each epoch; lrdsl replays them and must
end at the lr the anchor test asserts, compared as the anchor compares it (the
optimizer's float32 variable with ``assertEqual``: equal in float32;
``assertAllClose``: ``atol=rtol=1e-6``), and within float32 rounding
(``rtol=1e-6``) of Keras's own final lr, which Keras rounds to float32 at each
reduction. (At ``floatx="float64"`` lrdsl equals Keras to ``rtol=1e-12``:
``tests/test_plateau.py``.)

Not ported (they check no lr value): ``test_throws_when_optimizer_has_schedule``
(Keras cannot reduce a schedule; lrdsl's ``schedule * plateau`` is the point of
the design) and ``test_verbose_logging``.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest

from lrdsl.compat import keras as ck

from .anchors import keras, replay

if importlib.util.find_spec("keras") is None:  # not imported here: Keras fixes its backend on import
    pytest.skip("keras is not installed", allow_module_level=True)

LR = 0.1  # the anchor's Adam(0.1)


def fit_and_replay(kwargs: dict[str, Any], epochs: int) -> tuple[float, float]:
    """lrdsl's lr after replaying the anchor's ``val_loss``, and Keras's own lr."""
    theirs = keras().fit(kwargs, epochs)
    assert len(theirs["val_loss"]) == epochs
    lrs, _ = replay(ck.ReduceLROnPlateau(**kwargs, learning_rate=LR), theirs["val_loss"])
    return lrs[-1], theirs["lr"]


def equal_in_float32(a: float, b: float) -> bool:
    return bool(np.float32(a) == np.float32(b))


def close_to_keras(ours: float, theirs: float) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0)


def test_reduces_lr_with_model_fit() -> None:
    """Ports test_reduces_lr_with_model_fit."""
    ours, theirs = fit_and_replay({"patience": 1, "factor": 0.1, "monitor": "val_loss", "min_delta": 100}, 2)
    assert equal_in_float32(ours, 0.01)
    close_to_keras(ours, theirs)


def test_honors_min_lr() -> None:
    """Ports test_honors_min_lr."""
    kwargs = {"patience": 1, "factor": 0.1, "monitor": "val_loss", "min_delta": 10, "min_lr": 0.005}
    ours, theirs = fit_and_replay(kwargs, 4)
    assert equal_in_float32(ours, 0.005)
    close_to_keras(ours, theirs)


def test_cooldown() -> None:
    """Ports test_cooldown: with a cooldown of 2, two reductions in 4 epochs."""
    kwargs = {"patience": 1, "factor": 0.1, "monitor": "val_loss", "min_delta": 100, "cooldown": 2}
    ours, theirs = fit_and_replay(kwargs, 4)
    np.testing.assert_allclose(ours, 0.001, atol=1e-6, rtol=1e-6)
    close_to_keras(ours, theirs)


def test_state_reset_across_fit_calls() -> None:
    """Ports test_state_reset_across_fit_calls: a new run (Keras's on_train_begin) starts
    from a fresh state, whatever the last run left: no best, no wait, no cooldown."""
    p = ck.ReduceLROnPlateau(patience=1, factor=0.1, monitor="loss", min_delta=0, cooldown=2)
    used = p.init()
    for loss in [0.5, 0.6, 0.7, 0.8]:
        used = p.update(used, loss)
    assert (used["has_best"], used["cooldown_counter"]) == (1, 2)
    fresh = p.init()
    assert (fresh["has_best"], fresh["wait"], fresh["cooldown_counter"]) == (0, 0, 0)
