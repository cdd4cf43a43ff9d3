"""``lrdsl.keras``: a schedule inside Keras 3 training, on the JAX and PyTorch backends.

Keras fixes its backend when it is first imported, so each backend runs in its
own subprocess (``KERAS_BACKEND=jax`` or ``torch``), once per test session: the
script below trains, saves, reloads and serialises, and prints what it saw as
JSON; each test reads one behaviour from it.

The lr of each update is read two ways: before the update, the optimizer's
count and ``optimizer.learning_rate`` (a callback); and from the update itself,
in a probe model whose weight starts at 0 and has gradient exactly 1, so that
after one SGD update it is ``-lr`` exactly (the callback reads it and resets it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrdsl as lr

if importlib.util.find_spec("keras") is None:
    pytest.skip("keras is not installed", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = [b for b in ("jax", "torch") if importlib.util.find_spec(b) is not None]

#: The schedule trained with: a warmup, a cosine, a line, a constant (24 updates: 3 epochs of 8).
S = lr.warmup(lr.cosine(0.1, 0.01, 10), 6) >> lr.linear(0.01, 0.0, 4) >> lr.constant(0.003)
STEPS = 24
PIECEWISE = {"boundaries": [3, 9, 15], "values": [0.1, 0.05, 0.02, 0.01]}

_SCRIPT = r"""
import json, os, sys, tempfile
import numpy as np
import keras
import lrdsl as lr
from lrdsl.keras import LearningRateSchedule
from lrdsl.compat import keras as ck

s = lr.parse(sys.argv[1])
PIECEWISE = json.loads(sys.argv[2])
BATCHES, EPOCHS = 8, 3
out = {"backend": keras.backend.backend()}


def sync(model):
    getattr(model, "jax_state_sync", lambda: None)()  # JAX keeps the state out of the variables


class Record(keras.callbacks.Callback):
    # before each update: the optimizer's count and the lr its schedule gives for it
    def __init__(self):
        super().__init__()
        self.steps, self.lrs = [], []

    def on_train_batch_begin(self, batch, logs=None):
        sync(self.model)
        opt = self.model.optimizer
        self.steps.append(int(keras.ops.convert_to_numpy(opt.iterations)))
        self.lrs.append(float(keras.ops.convert_to_numpy(opt.learning_rate)))


class Probe(keras.callbacks.Callback):
    # after each update: the lr it applied (the weight moved from 0 by -lr * 1)
    def __init__(self):
        super().__init__()
        self.lrs = []

    def on_train_batch_end(self, batch, logs=None):
        sync(self.model)
        w = self.model.get_layer("probe").kernel
        self.lrs.append(-float(keras.ops.convert_to_numpy(w)[0, 0]))
        w.assign(np.zeros((1, 1), dtype="float32"))


def probe_lrs(learning_rate, **optimizer_kwargs):
    inp = keras.Input((1,))
    out = keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros", name="probe")(inp)
    model = keras.Model(inp, out)
    opt = keras.optimizers.SGD(learning_rate=learning_rate, **optimizer_kwargs)
    model.compile(optimizer=opt, loss=lambda y, p: keras.ops.sum(p))
    probe = Probe()
    x = np.ones((BATCHES, 1), dtype="float32")
    model.fit(x, x, batch_size=1, epochs=EPOCHS, callbacks=[probe], verbose=0, shuffle=False)
    return probe.lrs


def error(fn):
    try:
        fn()
    except Exception as e:
        return [type(e).__name__, str(e)]
    return None


out["probe"] = probe_lrs(LearningRateSchedule(s))
out["keras_piecewise"] = probe_lrs(keras.optimizers.schedules.PiecewiseConstantDecay(**PIECEWISE))
out["lrdsl_piecewise"] = probe_lrs(LearningRateSchedule(ck.PiecewiseConstantDecay(**PIECEWISE)))
out["accumulated"] = probe_lrs(LearningRateSchedule(s.per_epoch(2)), gradient_accumulation_steps=2)

# a small regression model, trained
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=LearningRateSchedule(s)), loss="mse")
rec = Record()
history = model.fit(x, y, batch_size=8, epochs=EPOCHS, callbacks=[rec], verbose=0, shuffle=False)
out["steps"], out["lrs"], out["loss"] = rec.steps, rec.lrs, history.history["loss"]

path = os.path.join(tempfile.mkdtemp(), "model.keras")
model.save(path)
loaded = keras.models.load_model(path)
out["loaded_schedule"] = str(loaded.optimizer._learning_rate.schedule)
out["loaded_class"] = type(loaded.optimizer._learning_rate).__qualname__
out["loaded_iterations"] = int(keras.ops.convert_to_numpy(loaded.optimizer.iterations))
rec = Record()
loaded.fit(x, y, batch_size=8, epochs=1, callbacks=[rec], verbose=0, shuffle=False)
out["resumed_steps"], out["resumed_lrs"] = rec.steps, rec.lrs

serialized = keras.optimizers.schedules.serialize(LearningRateSchedule(s))
out["serialized"] = serialized
back = keras.optimizers.schedules.deserialize(json.loads(json.dumps(serialized)))
out["deserialized"] = str(back.schedule)
config = keras.optimizers.SGD(learning_rate=LearningRateSchedule(s)).get_config()
out["optimizer_config"] = config["learning_rate"]
restored = keras.optimizers.SGD.from_config(json.loads(json.dumps(config)))
out["optimizer_restored"] = str(restored._learning_rate.schedule)

warm = lr.register("keras_test_warm")(lambda t: 0.5)
out["registered_lambda"] = LearningRateSchedule(lr.lambda_(warm) * 0.2).get_config()
out["errors"] = {
    "unregistered": error(lambda: LearningRateSchedule(lr.lambda_(lambda t: 0.1)).get_config()),
    "not a schedule": error(lambda: LearningRateSchedule(0.1)),
    "bad config": error(lambda: LearningRateSchedule.from_config({"text": "constant(1)"})),
    "bad text": error(lambda: LearningRateSchedule.from_config({"schedule": "cosine(1, 0, -1)"})),
    "timm noise": error(lambda: LearningRateSchedule(lr.timm_noise(lr.constant(0.1)))),
}
if out["backend"] != "jax":
    noisy = lr.timm_noise(lr.constant(0.1), seed=3)
    at = [float(keras.ops.convert_to_numpy(LearningRateSchedule(noisy)(keras.ops.convert_to_tensor(k))))
          for k in range(5)]
    out["timm_noise"] = at
print(json.dumps(out))
"""


@cache
def run(backend: str) -> dict[str, Any]:
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(S), json.dumps(PIECEWISE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _rel(got: Any, expected: np.ndarray) -> float:
    """The largest relative difference (absolute where the expected value is 0)."""
    got = np.asarray(got, dtype=np.float64)
    return float(np.max(np.abs(got - expected) / np.where(expected == 0, 1.0, np.abs(expected))))


def _tolerance(backend: str) -> float:
    """JAX evaluates the schedule in float32 inside the jitted step (within 1e-6 of float64);
    the other backends evaluate it in float64 and round to float32 (within 6e-8)."""
    return 1e-6 if backend == "jax" else 2**-24


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_script_ran_on_the_backend(backend: str) -> None:
    assert run(backend)["backend"] == backend


@pytest.mark.parametrize("backend", BACKENDS)
def test_update_k_applies_the_schedule_at_k(backend: str) -> None:
    assert _rel(run(backend)["probe"], S.values(STEPS)) <= _tolerance(backend)


def test_on_torch_the_lr_applied_is_the_float64_value_rounded_to_float32() -> None:
    if "torch" not in BACKENDS:
        pytest.skip("torch is not installed")
    assert np.array_equal(np.float32(run("torch")["probe"]), np.float32(S.values(STEPS)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_optimizer_counts_updates_from_zero(backend: str) -> None:
    out = run(backend)
    assert out["steps"] == list(range(STEPS))
    assert _rel(out["lrs"], S.values(STEPS)) <= _tolerance(backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_keras_own_schedule_sees_the_same_steps(backend: str) -> None:
    out = run(backend)
    assert out["lrdsl_piecewise"] == out["keras_piecewise"]
    # Keras switches after a boundary: the updates at 3 and 4 use 0.1 and 0.05
    assert np.float32(out["keras_piecewise"][3]) == np.float32(0.1)
    assert np.float32(out["keras_piecewise"][4]) == np.float32(0.05)


@pytest.mark.parametrize("backend", BACKENDS)
def test_with_gradient_accumulation_keras_counts_batches(backend: str) -> None:
    # Updates happen on batches 1, 3, 5, ...; Keras passes the batch count, so
    # s.per_epoch(2) gives update k the value s(k).
    got = np.asarray(run(backend)["accumulated"])
    assert np.all(got[0::2] == 0)
    assert _rel(got[1::2], S.values(STEPS // 2)) <= _tolerance(backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_training_lowers_the_loss(backend: str) -> None:
    loss = run(backend)["loss"]
    assert loss[-1] < loss[0] / 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_saved_model_reloads_the_schedule(backend: str) -> None:
    out = run(backend)
    assert out["loaded_class"] == "LearningRateSchedule"
    assert lr.parse(out["loaded_schedule"]) == S


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_reloaded_model_resumes_at_its_count(backend: str) -> None:
    out = run(backend)
    assert out["loaded_iterations"] == STEPS
    assert out["resumed_steps"] == list(range(STEPS, STEPS + 8))
    assert _rel(out["resumed_lrs"], S(np.arange(STEPS, STEPS + 8))) <= _tolerance(backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_serialize_gives_the_text_under_the_registered_name(backend: str) -> None:
    assert run(backend)["serialized"] == {
        "module": "lrdsl.keras",
        "class_name": "LearningRateSchedule",
        "config": {"schedule": str(S)},
        "registered_name": "lrdsl>LearningRateSchedule",
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_deserialize_reads_the_schedule_back(backend: str) -> None:
    assert lr.parse(run(backend)["deserialized"]) == S


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_optimizer_config_round_trips(backend: str) -> None:
    out = run(backend)
    assert out["optimizer_config"]["config"] == {"schedule": str(S)}
    assert lr.parse(out["optimizer_restored"]) == S


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_registered_lambda_is_saved_by_name(backend: str) -> None:
    assert run(backend)["registered_lambda"] == {"schedule": "lambda_('keras_test_warm') * 0.2"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unregistered_lambda_cannot_be_saved(backend: str) -> None:
    kind, message = run(backend)["errors"]["unregistered"]
    assert kind == "ScheduleError"
    assert message.startswith("LearningRateSchedule: cannot save lambda_(<")
    assert message.endswith(
        ": a lambda_ is saved by its registered name; register its function with lrdsl.register(name)"
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_only_a_schedule_is_wrapped(backend: str) -> None:
    assert run(backend)["errors"]["not a schedule"] == [
        "TypeError",
        "LearningRateSchedule: schedule must be an lrdsl schedule, got float 0.1",
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_config_without_the_schedule_text_is_refused(backend: str) -> None:
    assert run(backend)["errors"]["bad config"] == [
        "ScheduleError",
        "LearningRateSchedule: a config is {'schedule': TEXT}, got {'text': 'constant(1)'}",
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_config_with_a_broken_schedule_is_the_parsers_error(backend: str) -> None:
    kind, message = run(backend)["errors"]["bad text"]
    assert kind == "ParseError"
    assert "cosine: steps must be >= 0, got -1" in message


def test_on_jax_an_untraceable_schedule_is_refused_when_wrapped() -> None:
    if "jax" not in BACKENDS:
        pytest.skip("jax is not installed")
    kind, message = run("jax")["errors"]["timm noise"]
    assert kind == "TypeError"
    assert message.startswith("timm_noise cannot be evaluated on jax: ")


def test_on_torch_an_untraceable_schedule_runs_at_concrete_steps() -> None:
    if "torch" not in BACKENDS:
        pytest.skip("torch is not installed")
    out = run("torch")
    assert out["errors"]["timm noise"] is None
    noisy = lr.timm_noise(lr.constant(0.1), seed=3)
    assert np.array_equal(np.float32(out["timm_noise"]), np.float32(noisy.values(5)))
