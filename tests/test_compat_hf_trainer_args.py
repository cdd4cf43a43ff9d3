"""``lrdsl.compat.hf.from_training_args`` against the Hugging Face ``Trainer`` itself.

Each case runs a real ``Trainer.train()`` on a one-weight model (one example a batch,
so the dataloader's length is the dataset's) with the scheduler the Trainer creates
from its ``TrainingArguments``, and records the lr of every optimizer step (a step
pre-hook on the optimizer reads ``param_groups[0]["lr"]``, the float the scheduler
set). lrdsl's schedule must give the same number of steps and the same values, at
rtol 1e-12. The step arithmetic alone is checked with hypothesis against the
Trainer's own ``set_initial_training_values`` and ``get_warmup_steps``, and the
sharding over processes against ``accelerate``'s ``BatchSamplerShard``.
"""

from __future__ import annotations

import math
import re
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lrdsl as lr
from lrdsl.compat import hf

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("accelerate")


class _Model(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(1, 1)

    def forward(self, x: Any, labels: Any = None) -> dict[str, Any]:
        out = self.lin(x).squeeze(-1)
        return {"loss": torch.nn.functional.mse_loss(out, labels)}


class _Data(torch.utils.data.Dataset):  # type: ignore[type-arg]
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"x": torch.ones(1), "labels": torch.zeros(())}


def _args(tmp_path: Any, **kw: Any) -> Any:
    return transformers.TrainingArguments(
        output_dir=str(tmp_path),
        per_device_train_batch_size=1,
        learning_rate=kw.pop("learning_rate", 0.1),
        report_to=[],
        save_strategy="no",
        logging_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
        **kw,
    )


def _train(args: Any, batches: int) -> tuple[list[float], int]:
    """The lr of every optimizer step of ``Trainer.train()`` with the Trainer's own
    scheduler, and the length of its training dataloader."""
    model = _Model()
    opt = torch.optim.SGD(model.parameters(), lr=args.learning_rate)
    seen: list[float] = []
    opt.register_step_pre_hook(lambda o, a, k: seen.append(o.param_groups[0]["lr"]))
    trainer = transformers.Trainer(
        model=model, args=args, train_dataset=_Data(batches), optimizers=(opt, None)
    )
    trainer.train()
    return seen, len(trainer.get_train_dataloader())


def _assert_same(s: Any, seen: list[float]) -> None:
    got = s(np.arange(len(seen)))
    expected = np.asarray(seen, dtype=np.float64)
    scale = float(np.max(np.abs(expected)))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * scale, err_msg=str(s))


KINDS = {
    "linear": {},
    "cosine": {},
    "constant": {},
    "constant_with_warmup": {},
    "cosine_with_restarts": {"num_cycles": 2},
    "polynomial": {"lr_end": 1e-3, "power": 2.0},
    "inverse_sqrt": {},
    "cosine_with_min_lr": {"min_lr_rate": 0.1},
    "cosine_warmup_with_min_lr": {"min_lr": 0.01},
    "warmup_stable_decay": {"num_decay_steps": 3, "min_lr_ratio": 0.1},
}

#: (batches per epoch, gradient accumulation, epochs, max_steps, warmup_steps)
RUNS = {
    "warmup-steps": (10, 1, 2, -1, 3),
    "ratio-accum3-remainder-half-epoch": (10, 3, 2.5, -1, 0.1),
    "ratio-accum4-remainder": (11, 4, 3, -1, 0.25),
    "ratio-product-rounded-up": (25, 1, 1, -1, 0.28),  # 25 * 0.28 = 7.000000000000001: 8 warmup steps
    "max-steps-set": (7, 3, 3, 9, 2),
}


@pytest.mark.parametrize("run", list(RUNS), ids=list(RUNS))
@pytest.mark.parametrize("kind", list(KINDS))
def test_schedule_equals_every_lr_the_trainer_sets(tmp_path: Any, kind: str, run: str) -> None:
    batches, accumulation, epochs, max_steps, warmup = RUNS[run]
    args = _args(
        tmp_path,
        lr_scheduler_type=kind,
        lr_scheduler_kwargs=KINDS[kind],
        gradient_accumulation_steps=accumulation,
        num_train_epochs=epochs,
        max_steps=max_steps,
        warmup_steps=warmup,
    )
    seen, length = _train(args, batches)
    s = hf.from_training_args(args, batches_per_epoch=length)
    assert len(seen) == hf.trainer_steps(args, batches_per_epoch=length).total
    _assert_same(s, seen)


def test_fractional_epochs_round_the_float_product_up(tmp_path: Any) -> None:
    args = _args(tmp_path, num_train_epochs=2.2)
    seen, _ = _train(args, 25)  # 2.2 * 25 is 55.00000000000001: the Trainer runs 56 steps
    assert hf.trainer_steps(args, batches_per_epoch=25).total == len(seen) == 56


def test_warmup_ratio_rounds_the_float_product_up(tmp_path: Any) -> None:
    # 25 * 0.28 is 7.000000000000001: the Trainer warms up for 8 steps
    args = _args(tmp_path, num_train_epochs=1, warmup_steps=0.28, lr_scheduler_type="constant_with_warmup")
    seen, _ = _train(args, 25)
    assert hf.trainer_steps(args, batches_per_epoch=25).warmup == 8
    assert seen[7] < seen[8] == 0.1
    _assert_same(hf.from_training_args(args, batches_per_epoch=25), seen)


def test_last_short_accumulation_group_of_an_epoch_is_a_step(tmp_path: Any) -> None:
    args = _args(tmp_path, num_train_epochs=2, gradient_accumulation_steps=4)
    seen, _ = _train(args, 9)  # 4 + 4 + 1 batches an epoch
    assert hf.trainer_steps(args, batches_per_epoch=9) == hf.TrainerSteps(per_epoch=3, total=6, warmup=0)
    assert len(seen) == 6


def test_whole_float_warmup_steps_is_truncated_as_the_trainer_does(tmp_path: Any) -> None:
    args = _args(tmp_path, num_train_epochs=1, warmup_steps=2.7, lr_scheduler_type="constant_with_warmup")
    seen, _ = _train(args, 6)
    assert hf.trainer_steps(args, batches_per_epoch=6).warmup == 2
    _assert_same(hf.from_training_args(args, batches_per_epoch=6), seen)


# ----------------------------------------------------------------------------
# The step arithmetic against the Trainer's own helpers (no training).


class _Sized:
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


def _their_steps(
    batches: int, accumulation: int, epochs: float, max_steps: int, warmup: float
) -> tuple[int, int, int]:
    trainer = SimpleNamespace(
        get_total_train_batch_size=lambda args: accumulation,
        get_sp_size=lambda: 1,
        num_examples=lambda dataloader: len(dataloader),
    )
    args = SimpleNamespace(
        max_steps=max_steps, gradient_accumulation_steps=accumulation, num_train_epochs=epochs
    )
    values = transformers.Trainer.set_initial_training_values(trainer, args, _Sized(batches))
    per_epoch, total = values[1], values[6]
    their_warmup = transformers.TrainingArguments.get_warmup_steps(
        SimpleNamespace(warmup_steps=warmup), total
    )
    return per_epoch, total, their_warmup


@settings(max_examples=300, deadline=None)
@given(
    batches=st.integers(1, 10_000),
    accumulation=st.integers(1, 64),
    epochs=st.floats(0.01, 100, allow_nan=False),
    max_steps=st.one_of(st.just(-1), st.integers(1, 100_000)),
    warmup=st.one_of(st.integers(0, 1000), st.floats(0, 1, exclude_max=True), st.floats(1, 1000)),
)
def test_step_counts_equal_the_trainers_helpers(
    batches: int, accumulation: int, epochs: float, max_steps: int, warmup: float
) -> None:
    args = {
        "gradient_accumulation_steps": accumulation,
        "num_train_epochs": epochs,
        "max_steps": max_steps,
        "warmup_steps": warmup,
    }
    ours = hf.trainer_steps(args, batches_per_epoch=batches)
    assert tuple(ours) == _their_steps(batches, accumulation, epochs, max_steps, warmup)


@settings(max_examples=200, deadline=None)
@given(batches=st.integers(0, 500), processes=st.integers(1, 16), drop_last=st.booleans())
def test_batches_are_sharded_over_processes_as_accelerate_does(
    batches: int, processes: int, drop_last: bool
) -> None:
    from accelerate.data_loader import BatchSamplerShard

    sampler = torch.utils.data.BatchSampler(range(batches), batch_size=1, drop_last=drop_last)
    theirs = len(BatchSamplerShard(sampler, num_processes=processes, process_index=0, even_batches=True))
    args = {"max_steps": 10, "dataloader_drop_last": drop_last}
    assert hf.trainer_steps(args, batches_per_epoch=batches, num_processes=processes).per_epoch == max(
        theirs, 1
    )


# ----------------------------------------------------------------------------
# Other forms of args, and the refusals.


def test_a_dict_takes_the_defaults_of_training_arguments(tmp_path: Any) -> None:
    args = _args(tmp_path, learning_rate=5e-5)  # every scheduler field at its default
    assert hf.from_training_args({}, batches_per_epoch=7) == hf.from_training_args(args, batches_per_epoch=7)


def test_an_object_with_the_attributes_is_read_like_training_arguments() -> None:
    args = SimpleNamespace(
        learning_rate=1e-3,
        lr_scheduler_type="cosine",
        warmup_steps=0.05,
        num_train_epochs=2,
        max_steps=-1,
        gradient_accumulation_steps=2,
        lr_scheduler_kwargs=None,
    )
    s = hf.from_training_args(args, batches_per_epoch=100)
    assert s == hf.get_scheduler("cosine", 1e-3, num_warmup_steps=5, num_training_steps=100)


def test_scheduler_kwargs_may_be_json_text() -> None:
    args = {"lr_scheduler_type": "cosine_with_min_lr", "lr_scheduler_kwargs": '{"min_lr_rate": 0.1}'}
    s = hf.from_training_args(args, batches_per_epoch=10)
    assert s == hf.get_scheduler(
        "cosine_with_min_lr", 5e-5, 0, 30, scheduler_specific_kwargs={"min_lr_rate": 0.1}
    )


def test_sharding_shortens_the_run() -> None:
    steps = hf.trainer_steps({"num_train_epochs": 1}, batches_per_epoch=10, num_processes=4)
    assert steps.total == 3  # ceil(10 / 4) batches on each process


def test_unknown_scheduler_type_lists_the_known_ones() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({"lr_scheduler_type": "cosine_annealing"}, batches_per_epoch=10)
    assert str(e.value) == (
        "from_training_args: lr_scheduler_type must be one of linear, cosine, cosine_with_restarts, polynomial,"
        " constant, constant_with_warmup, inverse_sqrt, cosine_with_min_lr, cosine_warmup_with_min_lr,"
        " warmup_stable_decay, reduce_lr_on_plateau, got 'cosine_annealing'"
    )


def test_greedy_is_refused_as_metric_driven() -> None:
    with pytest.raises(
        lr.ScheduleError, match=re.escape("(greedy follows a metric, not the step), got 'greedy'")
    ):
        hf.from_training_args({"lr_scheduler_type": "greedy"}, batches_per_epoch=10)


def test_scheduler_type_of_another_type_is_a_type_error() -> None:
    with pytest.raises(
        TypeError, match=r"^from_training_args: lr_scheduler_type must be one of .*, got int 3$"
    ):
        hf.from_training_args({"lr_scheduler_type": 3}, batches_per_epoch=10)


def test_reduce_on_plateau_is_the_plateau_schedule() -> None:
    s = hf.from_training_args(
        {"lr_scheduler_type": "reduce_lr_on_plateau", "lr_scheduler_kwargs": {"factor": 0.5}},
        batches_per_epoch=10,
    )
    assert s == hf.get_scheduler("reduce_lr_on_plateau", 5e-5, scheduler_specific_kwargs={"factor": 0.5})


def test_negative_warmup_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({"warmup_steps": -0.1}, batches_per_epoch=10)
    assert (
        str(e.value)
        == "from_training_args: warmup_steps must be >= 0 (a count, or a ratio of the run below 1), got -0.1"
    )


def test_a_warmup_ratio_field_is_refused_as_not_in_transformers_5() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({"warmup_ratio": 0.1}, batches_per_epoch=10)
    assert str(e.value) == (
        "from_training_args: warmup_ratio must be unset: transformers 5 has no warmup_ratio,"
        " a ratio is given as warmup_steps < 1, got 0.1"
    )


def test_zero_gradient_accumulation_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({"gradient_accumulation_steps": 0}, batches_per_epoch=10)
    assert str(e.value) == "from_training_args: gradient_accumulation_steps must be >= 1, got 0"


def test_fractional_gradient_accumulation_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({"gradient_accumulation_steps": 1.5}, batches_per_epoch=10)
    assert str(e.value) == "from_training_args: gradient_accumulation_steps must be a whole number, got 1.5"


def test_zero_max_steps_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({"max_steps": 0}, batches_per_epoch=10)
    assert (
        str(e.value)
        == "from_training_args: max_steps must be > 0, or < 0 to count the run in num_train_epochs, got 0"
    )


def test_zero_epochs_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({"num_train_epochs": 0}, batches_per_epoch=10)
    assert str(e.value) == (
        "from_training_args: num_train_epochs must be > 0 when max_steps < 0 (the run would have no steps), got 0"
    )


def test_an_empty_dataloader_without_max_steps_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({}, batches_per_epoch=0)
    assert str(e.value) == (
        "from_training_args: batches_per_epoch must be > 0 on each process when max_steps < 0"
        " (the run counts epochs), got 0"
    )


def test_negative_batches_are_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({}, batches_per_epoch=-1)
    assert str(e.value) == "from_training_args: batches_per_epoch must be >= 0, got -1"


def test_zero_processes_are_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({}, batches_per_epoch=10, num_processes=0)
    assert str(e.value) == "from_training_args: num_processes must be >= 1, got 0"


def test_scheduler_kwargs_that_are_not_json_are_refused() -> None:
    with pytest.raises(
        lr.ScheduleError, match=r"^from_training_args: lr_scheduler_kwargs must be a dict or the JSON"
    ):
        hf.from_training_args({"lr_scheduler_kwargs": "{min_lr: 1}"}, batches_per_epoch=10)


def test_scheduler_kwargs_of_another_type_are_a_type_error() -> None:
    with pytest.raises(TypeError) as e:
        hf.from_training_args({"lr_scheduler_kwargs": [1]}, batches_per_epoch=10)
    assert str(e.value) == "from_training_args: lr_scheduler_kwargs must be a dict, got list [1]"


def test_nan_learning_rate_is_refused() -> None:
    with pytest.raises(lr.ScheduleError) as e:
        hf.from_training_args({"learning_rate": math.nan}, batches_per_epoch=10)
    assert str(e.value) == "from_training_args: learning_rate must be a finite number, got nan"


# ----------------------------------------------------------------------------
# The number of batches as a quantity, bound later.

_SYMBOLIC_TYPES = ["linear", "cosine", "constant_with_warmup", "cosine_with_restarts", "polynomial"]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(_SYMBOLIC_TYPES),
    st.sampled_from([0, 7, 0.1, 0.28]),
    st.integers(1, 5),
    st.sampled_from([1.0, 2.5, 3]),
    st.integers(1, 3),
    st.booleans(),
    st.integers(1, 400),
)
def test_symbolic_batches_bound_have_the_values_of_the_numbers(
    kind: str, warmup: float, accumulation: int, epochs: float, processes: int, drop_last: bool, batches: int
) -> None:
    args = {
        "lr_scheduler_type": kind,
        "learning_rate": 1e-3,
        "warmup_steps": warmup,
        "gradient_accumulation_steps": accumulation,
        "num_train_epochs": epochs,
        "dataloader_drop_last": drop_last,
    }
    if drop_last and batches < processes:
        batches = processes  # an empty epoch on each process is refused with numbers
    b = lr.var("batches_per_epoch")
    symbolic = hf.trainer_steps(args, batches_per_epoch=b, num_processes=processes)
    steps = hf.trainer_steps(args, batches_per_epoch=batches, num_processes=processes)
    bound = hf.TrainerSteps(*(x if isinstance(x, int) else x.bind(batches_per_epoch=batches) for x in symbolic))
    assert bound == steps
    s = hf.from_training_args(args, batches_per_epoch=b, num_processes=processes)
    assert s.free <= {"batches_per_epoch"}  # constant_with_warmup of a whole warmup needs no length
    assert lr.parse(str(s)) == s
    # HF polynomial with warmup == run divides by zero: numbers refuse it; a bound schedule is
    # not checked for it (a length of 0 is valid in lrdsl), a gap stated in tests/test_compat_quantities.py
    assume(not (kind == "polynomial" and steps.warmup == steps.total))
    written = hf.from_training_args(args, batches_per_epoch=batches, num_processes=processes)
    ts = np.arange(steps.total + 3)
    np.testing.assert_allclose(s.bind(batches_per_epoch=batches)(ts), written(ts), rtol=1e-12, atol=0)
