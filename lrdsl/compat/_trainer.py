"""The schedule the Hugging Face ``Trainer`` builds from its ``TrainingArguments``
(``transformers`` 5): its step arithmetic, pinned, then :func:`lrdsl.compat.hf.get_scheduler`.

What the Trainer computes (``Trainer.set_initial_training_values``,
``TrainingArguments.get_warmup_steps``, ``Trainer.create_scheduler``), with
``B`` the batches of one epoch on one process and ``G`` the
``gradient_accumulation_steps``:

- ``num_update_steps_per_epoch = max(B // G + int(B % G > 0), 1)``: the last,
  short group of batches of an epoch is an update of its own;
- ``max_steps = math.ceil(num_train_epochs * num_update_steps_per_epoch)`` when
  ``max_steps < 0`` (a float product, rounded up as it comes: ``1.1 * 10`` is
  ``11.000000000000002``, so 12 steps);
- ``warmup = int(warmup_steps)`` when ``warmup_steps >= 1``, else
  ``math.ceil(max_steps * warmup_steps)`` (a float below 1 is a ratio of the run:
  transformers 5 has no ``warmup_ratio``);
- ``get_scheduler(lr_scheduler_type, learning_rate, num_warmup_steps=warmup,
  num_training_steps=max_steps, scheduler_specific_kwargs=lr_scheduler_kwargs)``.

Importing this module does not import ``transformers``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from .. import _checks as check
from .. import quantity as q
from . import _rules as rule

__all__ = ["from_training_args", "trainer_steps", "TrainerSteps"]

_FN = "from_training_args"

#: ``TrainingArguments``' defaults, for the fields a dict or an object leaves out.
_DEFAULTS: dict[str, Any] = {
    "learning_rate": 5e-5,
    "lr_scheduler_type": "linear",
    "lr_scheduler_kwargs": None,
    "warmup_steps": 0,
    "num_train_epochs": 3.0,
    "max_steps": -1,
    "gradient_accumulation_steps": 1,
    "dataloader_drop_last": False,
}


class TrainerSteps(NamedTuple):
    """The Trainer's counts for one run: optimizer steps per epoch, in the run, in the warmup."""

    per_epoch: Any  # an int, or a quantity when batches_per_epoch is one
    total: Any
    warmup: Any


def _field(args: Any, name: str) -> Any:
    """``args.name`` (or ``args[name]`` for a mapping), ``TrainingArguments``' default if absent."""
    if isinstance(args, Mapping):
        return args.get(name, _DEFAULTS[name])
    return getattr(args, name, _DEFAULTS[name])


def _whole(param: str, value: Any, low: int | None = None) -> int:
    """A whole number (``>= low``), as an int."""
    v = rule.number(_FN, param, value)
    if not rule.is_whole(v):
        raise check.fail(_FN, param, v, "a whole number")
    if low is not None and v < low:
        raise check.fail(_FN, param, v, f">= {low}")
    return int(v)


def _per_process(batches: Any, num_processes: int, drop_last: bool) -> Any:
    """The batches of one process when ``accelerate`` shards ``batches`` over
    ``num_processes`` (``BatchSamplerShard.__len__`` with ``even_batches=True``): the
    remainder is dropped with ``dataloader_drop_last``, else every process gets one more."""
    return batches // num_processes if drop_last else -(-batches // num_processes)


def trainer_steps(args: Any, *, batches_per_epoch: int, num_processes: int = 1) -> TrainerSteps:
    """The step counts the Hugging Face ``Trainer`` plans for ``args``: optimizer steps per
    epoch, ``max_steps`` (the scheduler's ``num_training_steps``) and the warmup steps, by
    the rules in this module's docstring.

    ``args`` is a ``TrainingArguments``, any object with its attributes or a dict of them
    (absent fields take ``TrainingArguments``' defaults). ``batches_per_epoch`` is
    ``len(train_dataloader)`` of a run on one process; with ``num_processes > 1`` each
    process gets ``ceil(batches_per_epoch / num_processes)`` of them, as ``accelerate``
    shards a dataloader (``floor`` with ``dataloader_drop_last``). Sequence parallelism
    (which multiplies the Trainer's count) is not modelled.

    ``batches_per_epoch`` may be a quantity (``lr.var("batches_per_epoch")``): the counts
    are then quantities with the same arithmetic, and ``from_training_args`` gives a
    schedule to ``bind``. Bound to 0 with ``max_steps < 0``, where the Trainer refuses
    the run, it counts one step an epoch (``max(., 1)``): give a positive count.
    """
    symbolic = q.is_quantity(batches_per_epoch)  # a length bound later: every count a quantity
    batches = batches_per_epoch if symbolic else _whole("batches_per_epoch", batches_per_epoch, 0)
    processes = _whole("num_processes", num_processes, 1)
    accumulation = _whole("gradient_accumulation_steps", _field(args, "gradient_accumulation_steps"), 1)
    max_steps = _whole("max_steps", _field(args, "max_steps"))
    if max_steps == 0:
        raise check.fail(_FN, "max_steps", 0, "> 0, or < 0 to count the run in num_train_epochs")
    warmup_steps = rule.number(_FN, "warmup_steps", _field(args, "warmup_steps"))
    if warmup_steps < 0:  # TrainingArguments refuses it
        raise check.fail(_FN, "warmup_steps", warmup_steps, ">= 0 (a count, or a ratio of the run below 1)")
    ratio = args.get("warmup_ratio") if isinstance(args, Mapping) else getattr(args, "warmup_ratio", None)
    if ratio:
        raise check.fail(
            _FN,
            "warmup_ratio",
            ratio,
            "unset: transformers 5 has no warmup_ratio, a ratio is given as warmup_steps < 1",
        )
    drop_last = bool(_field(args, "dataloader_drop_last"))
    per_process = _per_process(batches, processes, drop_last)
    per_epoch = q.max(-(-per_process // accumulation), 1)  # B // G + int(B % G > 0), at least 1
    if max_steps < 0:
        if not symbolic and per_process == 0:  # the Trainer: "args.max_steps must be set to a positive value ..."
            raise check.fail(
                _FN,
                "batches_per_epoch",
                batches,
                "> 0 on each process when max_steps < 0 (the run counts epochs)",
            )
        epochs = rule.number(_FN, "num_train_epochs", _field(args, "num_train_epochs"))
        if not epochs > 0:
            raise check.fail(
                _FN, "num_train_epochs", epochs, "> 0 when max_steps < 0 (the run would have no steps)"
            )
        max_steps = q.ceil(epochs * per_epoch)
    warmup = int(warmup_steps) if warmup_steps >= 1 else q.ceil(max_steps * warmup_steps)
    return TrainerSteps(per_epoch, max_steps, warmup)


def _kwargs(value: Any) -> dict[str, Any]:
    """``lr_scheduler_kwargs``: a mapping, ``None`` (none), or JSON text of an object, as
    ``TrainingArguments`` reads it from the command line."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise check.fail(
                _FN, "lr_scheduler_kwargs", value, f"a dict or the JSON text of one ({e})"
            ) from None
    if not isinstance(value, Mapping):
        raise TypeError(f"{_FN}: lr_scheduler_kwargs must be a dict, got {type(value).__name__} {value!r}")
    return dict(value)


def from_training_args(args: Any, *, batches_per_epoch: int, num_processes: int = 1) -> Any:
    """The schedule the Hugging Face ``Trainer`` creates for ``args``: ``s(k)`` is the lr
    of its optimizer step ``k`` (``k = 0`` the first), for ``k < max_steps``.

    That is ``get_scheduler(args.lr_scheduler_type, args.learning_rate,
    num_warmup_steps=warmup, num_training_steps=max_steps,
    scheduler_specific_kwargs=args.lr_scheduler_kwargs)`` with ``max_steps`` and
    ``warmup`` counted as the Trainer counts them (:func:`trainer_steps`: the last
    short accumulation group of an epoch is a step; ``ceil(num_train_epochs *
    steps_per_epoch)``; a ``warmup_steps`` below 1 is a ratio, rounded up)::

        args = TrainingArguments(..., num_train_epochs=3, warmup_steps=0.1,
                                 gradient_accumulation_steps=4, lr_scheduler_type="cosine")
        s = from_training_args(args, batches_per_epoch=len(train_dataloader))

    ``args``: a ``TrainingArguments``, an object with its attributes, or a dict (absent
    fields take ``TrainingArguments``' defaults). ``batches_per_epoch``: the length of
    the training dataloader on one process; ``num_processes``: the data-parallel
    processes it is sharded over. ``reduce_lr_on_plateau`` gives the
    :class:`lrdsl.plateau.PlateauSchedule` of :func:`lrdsl.compat.hf.get_scheduler`;
    ``greedy`` and unknown types are refused, naming the known ones.
    """
    from .hf import TYPE_TO_SCHEDULER_FUNCTION, get_scheduler

    kind = _field(args, "lr_scheduler_type")
    kind = getattr(kind, "value", kind)
    known = (*TYPE_TO_SCHEDULER_FUNCTION, "reduce_lr_on_plateau")
    if not isinstance(kind, str):
        raise TypeError(
            f"{_FN}: lr_scheduler_type must be one of {known}, got {type(kind).__name__} {kind!r}"
        )
    if kind not in known:
        why = " (greedy follows a metric, not the step)" if kind == "greedy" else ""
        raise check.fail(_FN, "lr_scheduler_type", kind, f"one of {', '.join(known)}{why}")
    base_lr = rule.number(_FN, "learning_rate", _field(args, "learning_rate"))
    extra = _kwargs(_field(args, "lr_scheduler_kwargs"))
    steps = trainer_steps(args, batches_per_epoch=batches_per_epoch, num_processes=num_processes)
    return get_scheduler(
        kind,
        base_lr,
        num_warmup_steps=steps.warmup,
        num_training_steps=steps.total,
        scheduler_specific_kwargs=extra,
    )
