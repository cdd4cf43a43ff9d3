"""lrdsl: learning-rate schedules as a small, exact, pure-functional language.

>>> import lrdsl as lr
>>> s = lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000)
>>> s
linear(0, 0.001, 1000) >> cosine(0.001, 1e-05, 99000)
>>> s(500)
0.0005
"""

from __future__ import annotations

from ._node import Schedule
from .combinators import (
    AnnealAt,
    BinOp,
    Chain,
    Clip,
    Maximum,
    Minimum,
    Neg,
    PerEpoch,
    Product,
    Repeat,
    Rescale,
    Shift,
    Sum,
    Warmup,
    chain,
)
from .errors import ParseError, ScheduleError
from .families import (
    CosineRestarts,
    Cyclic,
    InverseSqrt,
    InverseTime,
    OneMinusSqrt,
    PolynomialCycle,
    PolynomialRestarts,
    Tanh,
    cosine_restarts,
    cyclic,
    inverse_sqrt,
    inverse_time,
    one_minus_sqrt,
    onecycle,
    polynomial_cycle,
    polynomial_restarts,
    tanh,
    wsd,
)
from .noises import Noise, TimmNoise
from .plateau import Plateau, PlateauSchedule, on_plateau
from .primitives import (
    Constant,
    Cosine,
    Exponential,
    Interpolate,
    Lambda,
    Linear,
    MultiStep,
    Piecewise,
    Polynomial,
    Step,
)
from .products import RunningProduct, running_product
from .quantity import Quantity, T, ceil, floor, var

# lr.max, lr.min, lr.round: attributes, not in __all__ (a star-import would shadow the builtins)
from .quantity import max as max
from .quantity import min as min
from .quantity import round as round
from .registry import register
from .serialize import from_dict

# The language, under the names of DESIGN.md section 2.
constant = Constant
linear = Linear
cosine = Cosine
exponential = Exponential
step = Step
multistep = MultiStep
polynomial = Polynomial
piecewise = Piecewise
interpolate = Interpolate
lambda_ = Lambda
warmup = Warmup
minimum = Minimum
maximum = Maximum
noise = Noise
timm_noise = TimmNoise

__all__ = [
    "Schedule",
    "ScheduleError",
    "ParseError",
    "parse",
    "plot",
    "register",
    "from_dict",
    # primitives
    "constant",
    "linear",
    "cosine",
    "exponential",
    "step",
    "multistep",
    "polynomial",
    "piecewise",
    "interpolate",
    "lambda_",
    "noise",
    "timm_noise",
    # families
    "onecycle",
    "wsd",
    "cosine_restarts",
    "polynomial_restarts",
    "tanh",
    "cyclic",
    "inverse_sqrt",
    "inverse_time",
    "one_minus_sqrt",
    "polynomial_cycle",
    # symbolic quantities (DESIGN.md section 7)
    # (lr.round, lr.min and lr.max are attributes, not in __all__: a star-import
    # would shadow the builtins of the same names)
    "T",
    "var",
    "floor",
    "ceil",
    "Quantity",
    "running_product",
    # combinators
    "chain",
    "warmup",
    "minimum",
    "maximum",
    # reduce on plateau (lrdsl.plateau)
    "on_plateau",
    "Plateau",
    "PlateauSchedule",
    # node classes
    "Constant",
    "Linear",
    "Cosine",
    "Exponential",
    "Step",
    "MultiStep",
    "Polynomial",
    "Piecewise",
    "Interpolate",
    "Lambda",
    "Chain",
    "Warmup",
    "Shift",
    "AnnealAt",
    "Rescale",
    "PerEpoch",
    "Repeat",
    "Clip",
    "Minimum",
    "Maximum",
    "Sum",
    "Product",
    "BinOp",
    "Neg",
    "CosineRestarts",
    "PolynomialRestarts",
    "Tanh",
    "Cyclic",
    "InverseSqrt",
    "InverseTime",
    "OneMinusSqrt",
    "PolynomialCycle",
    "Noise",
    "TimmNoise",
    "RunningProduct",
]

__version__ = "0.1.0"

# Names whose modules load on first use (text parsing; Matplotlib for plots).
_LAZY = {"parse": "text", "plot": "plotting"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'lrdsl' has no attribute {name!r}")


from . import _pytree  # noqa: E402

_pytree.install()
