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
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["torch", "optax", "hf", "timm", "keras"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'lrdsl.compat' has no attribute {name!r}")
