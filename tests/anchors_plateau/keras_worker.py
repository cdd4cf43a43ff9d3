"""Runs Keras's ``ReduceLROnPlateau`` callback for the plateau tests, in its own process.

Keras fixes its backend when first imported (TensorFlow by default, not
installed here), so the tests start this script once with
``KERAS_BACKEND=torch`` and talk to it a line of JSON at a time on
stdin/stdout:

- ``{"cmd": "drive", "lr": LR, "kwargs": {...}, "metrics": [...], "floatx": "float64"}``:
  the real callback on a real Keras optimizer whose lr is ``LR``,
  ``on_train_begin()`` then ``on_epoch_end(epoch, {"val_loss": m})`` for each
  metric. Answers ``{"lrs": [...], "states": [[best, wait, cooldown_counter], ...]}``
  after each epoch (``best`` is ``null`` while Keras has none).
- ``{"cmd": "fit", "kwargs": {...}, "epochs": N}``: the set-up of Keras's own
  ``reduce_lr_on_plateau_test.py`` (``ReduceLROnPlateauTest.setUp``: a two-layer
  model, ``mse``, ``Adam(0.1)``, ``get_test_data``) trained with
  ``model.fit(..., callbacks=[ReduceLROnPlateau(**kwargs)])`` at Keras's default
  float32. Answers ``{"val_loss": [...], "lr": final lr}``.
"""

from __future__ import annotations

import json
import sys
import types


def drive(job: dict) -> dict:
    import keras as k

    k.config.set_floatx(job.get("floatx", "float64"))
    model = types.SimpleNamespace(optimizer=k.optimizers.SGD(job["lr"]))
    callback = k.callbacks.ReduceLROnPlateau(**job["kwargs"])
    callback.set_model(model)
    callback.on_train_begin()
    lrs, states = [], []
    for epoch, m in enumerate(job["metrics"]):
        callback.on_epoch_end(epoch, {"val_loss": m})
        lrs.append(float(k.ops.convert_to_numpy(model.optimizer.learning_rate)))
        best = None if callback.best is None else float(callback.best)
        states.append([best, int(callback.wait), int(callback.cooldown_counter)])
    return {"lrs": lrs, "states": states}


def fit(job: dict) -> dict:
    import keras as k
    from keras.src.testing import test_utils
    from keras.src.utils import numerical_utils

    k.config.set_floatx("float32")
    k.utils.set_random_seed(job.get("seed", 0))
    (x_train, y_train), (x_test, y_test) = test_utils.get_test_data(
        train_samples=10, test_samples=10, input_shape=(3,), num_classes=2
    )
    y_test = numerical_utils.to_categorical(y_test)
    y_train = numerical_utils.to_categorical(y_train)
    model = k.Sequential([k.layers.Dense(5), k.layers.Dense(2)])
    model.compile(loss="mse", optimizer=k.optimizers.Adam(0.1))
    callback = k.callbacks.ReduceLROnPlateau(**job["kwargs"])
    history = model.fit(
        x_train,
        y_train,
        validation_data=(x_test, y_test),
        callbacks=[callback],
        epochs=job["epochs"],
        verbose=0,
    )
    return {
        "val_loss": [float(v) for v in history.history["val_loss"]],
        "lr": float(k.ops.convert_to_numpy(model.optimizer.learning_rate)),
    }


def main() -> None:
    for line in sys.stdin:
        job = json.loads(line)
        try:
            answer = drive(job) if job["cmd"] == "drive" else fit(job)
        except Exception as e:  # reported to the test, which fails with it
            answer = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
