"""Constructors under the anchors' own names, returning plain lrdsl expressions
(or, for the PyTorch schedulers that also drive the momentum, the dict of
them that :class:`lrdsl.torch.Scheduler` takes).

One module per anchor library:

- :mod:`lrdsl.compat.torch`: ``torch.optim.lr_scheduler`` (``StepLR(base_lr, step_size, gamma)``, ...);
- :mod:`lrdsl.compat.optax`: ``optax.schedules`` (``warmup_cosine_decay_schedule(...)``, ...);
- :mod:`lrdsl.compat.hf`: Hugging Face ``transformers`` (``get_scheduler(name, base_lr, ...)``, ...);
- :mod:`lrdsl.compat.timm`: ``timm.scheduler`` (``CosineLRScheduler(base_lr, t_initial, ...)``, ...);
- :mod:`lrdsl.compat.keras`: ``keras.optimizers.schedules`` (``CosineDecay(...)``, ...).

Each takes the anchor's parameter names and defaults, with the optimizer
replaced by the base learning rate where the anchor reads it from the
optimizer, and returns an ordinary schedule: it prints, composes, saves and
compiles like any other. None of these modules imports its anchor library.
Where the anchor's notion of time differs (Keras boundaries switch one step
later, timm counts epochs or updates, PyTorch's chainable forms are
recursive), the constructor reproduces the anchor and its docstring says how.
``docs/compat.md`` (``python -m lrdsl.compat.table``) lists every schedule of
the five libraries, its lrdsl spelling and whether it is tested exact.

Lengths, boundaries and counts may be quantities (``lr.T``, ``lr.var(name)``),
bound later: ``hf.get_cosine_schedule_with_warmup(1e-3, lr.round(0.1 * lr.T),
lr.T).bind(T=1000)`` is the schedule of the numbers (equal to it, or where the
anchor's form at an edge differs, with its values). Each constructor builds
one form whatever the quantities' values (a warmup of 0 steps is still there,
the anchor's ``max(1, n - w)`` is ``lr.max``, its ``int(x)`` is ``lr.floor``);
checks that need the values run when bound. A parameter whose value picks the
anchor's form (a ``num_cycles``, a ``power``, a rate, ``OneCycleLR``'s
``total_steps``, ...) must be a number: a quantity there is a
:class:`~lrdsl.ScheduleError` that says why (``OneCycleLR: total_steps must
be a number, not a quantity (it decides the schedule's form), got T``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["torch", "optax", "hf", "timm", "keras"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'lrdsl.compat' has no attribute {name!r}")
