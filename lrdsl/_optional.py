"""The optional dependencies, and the error a feature gives when its own is missing.

``import lrdsl`` needs NumPy only. A feature that needs more imports it on first
use, inside :func:`optional`, so that a missing library is an ``ImportError``
(a ``ModuleNotFoundError``) naming the feature and the extra that installs it:

    lrdsl.torch needs PyTorch, which is not installed: pip install "lrdsl[torch]"
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["EXTRAS", "optional"]

#: The importable name of each optional library: (its name for people, the extra).
EXTRAS: dict[str, tuple[str, str]] = {
    "jax": ("JAX", "jax"),
    "jaxlib": ("JAX", "jax"),
    "optax": ("Optax", "jax"),
    "torch": ("PyTorch", "torch"),
    "keras": ("Keras", "keras"),
    "matplotlib": ("Matplotlib", "plot"),
}


@contextmanager
def optional(feature: str, hint: str = "") -> Iterator[None]:
    """Run the imports of ``feature``; a missing optional library among them is
    re-raised as ``ModuleNotFoundError("{feature} needs {library}, which is not
    installed: pip install "lrdsl[{extra}]"{hint}")``. Any other import error (a
    library that is there but broken) stands as it is."""
    try:
        yield
    except ImportError as e:
        top = (e.name or "").split(".")[0]
        if top not in EXTRAS:
            raise
        library, extra = EXTRAS[top]
        raise ModuleNotFoundError(
            f'{feature} needs {library}, which is not installed: pip install "lrdsl[{extra}]"{hint}', name=e.name
        ) from None
