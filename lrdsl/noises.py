"""Noise on a schedule: lrdsl's own, counter-based, and timm's, reproduced exactly.

Both nodes perturb a schedule at the integer counts ``c = floor(t)`` in
``[start, stop)`` (``stop=None``: for ever) and leave it as it is elsewhere. The
noise at ``t`` is a pure function of ``c`` and the seed: there is no generator
state, so evaluating in any order, or resuming a run at any step, gives the
same values.

:class:`Noise`, ``noise(schedule, amount, std=None, seed=0, start=0, stop=None,
relative=True)``, hashes ``(seed, c)`` with Threefry-2x32 (20 rounds, the
counter-based generator of Salmon et al., SC 2011, which JAX's PRNG also uses)
in exact unsigned 32-bit arithmetic on every backend, so Python, NumPy and JAX
(``jit``, ``vmap``) give the same bits and the same values (to float32 rounding
when JAX runs in float32). :class:`TimmNoise` is timm's noise (``noise_range_t``,
``noise_pct``, ``noise_std``, ``noise_type``, ``noise_seed``), which draws from
PyTorch's generator seeded with ``noise_seed + c``: exact on Python and NumPy
without PyTorch (:mod:`lrdsl._torch_random`), refused under JAX.
"""

from __future__ import annotations

import math
from dataclasses import field
from typing import Any, ClassVar

import numpy as np

from . import _checks as check
from . import _uint32
from ._node import STATIC, Schedule, check_schedule, set_fields
from ._node import node_dataclass as dataclass
from ._ops import PY, is_plain

__all__ = ["Noise", "TimmNoise", "threefry2x32", "ndtri_lower"]

_SEED_LIMIT = 2**64
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA
_SQRT_HALF = math.sqrt(0.5)


# ----------------------------------------------------------------------------
# The hash and the two maps to a number.


def threefry2x32(key: tuple[int, int], x0: Any, x1: Any, u: Any) -> tuple[Any, Any]:
    """Threefry-2x32 with 20 rounds (Random123's ``threefry2x32_R(20, ...)``, as
    ``jax.extend.random.threefry_2x32``): the two 32-bit words of the counter
    ``(x0, x1)`` under ``key``, in the unsigned 32-bit namespace ``u``."""
    add, xor, rotl = u.add, u.xor, u.rotl
    ks = (u.const(key[0]), u.const(key[1]), u.const(key[0] ^ key[1] ^ _PARITY))
    x0, x1 = add(x0, ks[0]), add(x1, ks[1])
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x0 = add(x0, x1)
            x1 = xor(rotl(x1, r), x0)
        x0 = add(x0, ks[(i + 1) % 3])
        x1 = add(x1, add(ks[(i + 2) % 3], u.const(i + 1)))
    return x0, x1


def _poly(coefficients: tuple[float, ...], x: Any) -> Any:
    """``c[0] * x**(n-1) + ... + c[-1]`` by Horner's rule."""
    out: Any = coefficients[0]
    for c in coefficients[1:]:
        out = out * x + c
    return out


# Wichura's AS241 (PPND16), as Python's statistics.NormalDist.inv_cdf has it.
_A = (2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
      13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.387132872796366608)  # fmt: skip
_B = (5226.495278852854561, 28729.085735721942674, 39307.89580009271061, 21213.794301586595867,
      5394.1960214247511077, 687.1870074920579083, 42.313330701600911252, 1.0)  # fmt: skip
_C = (7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177, 1.27045825245236838258,
      3.64784832476320460504, 5.7694972214606914055, 4.6303378461565452959, 1.42343711074968357734)  # fmt: skip
_D = (1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966, 0.14810397642748007459,
      0.68976733498510000455, 1.6763848301838038494, 2.05319162663775882187, 1.0)  # fmt: skip
_E = (2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386, 0.026532189526576123093,
      0.29656057182850489123, 1.7848265399172913358, 5.4637849111641143699, 6.6579046435011037772)  # fmt: skip
_F = (2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5, 7.868691311456132591e-4,
      0.0148753612908506148525, 0.13692988092273580531, 0.59983220655588793769, 1.0)  # fmt: skip


def ndtri_lower(q: Any, xp: Any) -> Any:
    """The standard normal quantile of ``0 < q <= 0.5`` (so ``<= 0``), against ``xp``:
    Wichura's AS241, the algorithm (and coefficients) of Python's
    ``statistics.NormalDist().inv_cdf``, accurate to about 1e-16 relative."""
    d = q - 0.5
    central = d >= -0.425
    r = 0.180625 - d * d
    middle = d * _poly(_A, r) / _poly(_B, r)
    s = xp.sqrt(-xp.log(xp.where(central, 0.25, q)))  # the tail's variable (a safe q in the middle)
    near = xp.where(s <= 5.0, s - 1.6, 0.0)
    far = xp.where(s <= 5.0, 0.0, s - 5.0)
    tail = xp.where(s <= 5.0, _poly(_C, near) / _poly(_D, near), _poly(_E, far) / _poly(_F, far))
    return xp.where(central, middle, -tail)


def _lower_tail(c: Any) -> Any:
    """``P(Z < -c)`` for a standard normal ``Z``: a number, or a traced JAX leaf."""
    if is_plain(c):
        return 0.5 * math.erfc(c * _SQRT_HALF)
    import jax.scipy.special as jss

    return jss.ndtr(-c)


# ----------------------------------------------------------------------------
# The shared shape of the two nodes.


class _Noisy(Schedule):
    """A schedule perturbed at the counts ``floor(t)`` in ``[start, stop)``."""

    __slots__ = ()
    schedule: Schedule
    start: Any
    stop: Any

    @property
    def duration(self) -> Any:
        return self.schedule.duration

    @property
    def finite(self) -> bool:
        return self.schedule.finite

    def _in_range(self, c: Any) -> Any:
        inside = c >= self.start
        if self.stop is None:
            return inside
        return inside & (c < self.stop)

    def _noise(self, t: Any, xp: Any) -> Any:
        """The noise at ``t`` (0 outside the range), on the backend ``xp``."""
        raise NotImplementedError

    def _noise_at(self, t: int | float) -> float:
        """The noise at a Python number ``t >= 0`` (for the generated scalar code)."""
        c = _uint32.PY.floor(t)
        if not self._in_range(c):
            return 0.0
        return float(self._noise(t, PY))

    def _eval(self, t: Any, xp: Any) -> Any:
        v = self.schedule._eval(t, xp)
        if xp.name == "codegen":  # the generated code calls the Python formula
            n = xp.call(self._noise_at, t)
        elif xp.name == "python":
            n = self._noise_at(t)
        else:
            n = self._noise(xp.time_array(t) if xp.name == "jax" else t, xp)
        return self._apply(v, n, xp)

    def _apply(self, v: Any, n: Any, xp: Any) -> Any:
        """The value ``v`` perturbed by the noise ``n`` (0: unchanged)."""
        raise NotImplementedError


def _range(fn: str, start: Any, stop: Any, *, lowest: float | None = 0) -> tuple[Any, Any]:
    start = check.number(fn, "start", start)
    if lowest is not None and is_plain(start) and start < lowest:
        raise check.fail(fn, "start", start, f">= {lowest}")
    if stop is not None:
        stop = check.number(fn, "stop", stop)
        if lowest is not None and is_plain(start) and is_plain(stop) and stop <= start:
            raise check.fail(fn, "stop", stop, f"> start ({start!r}) or None")
    return start, stop


def _seed(fn: str, seed: Any, lo: int, hi: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        if isinstance(seed, np.integer):
            seed = int(seed)
        else:
            raise TypeError(f"{fn}: seed must be an int, got {type(seed).__name__} {seed!r}")
    if not lo <= seed < hi:
        raise check.fail(fn, "seed", seed, f"an int in [{_power(lo)}, {_power(hi)})")
    return seed


def _power(x: int) -> str:
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    return f"{sign}2**{abs(x).bit_length() - 1}"


# ----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class Noise(_Noisy):
    """``schedule(t) * (1 + n(t))`` (``relative=False``: ``schedule(t) + n(t)``), with
    ``|n(t)| < amount``, at the counts ``c = floor(t)`` with ``start <= c < stop``;
    ``schedule(t)`` elsewhere.

    ``n`` is a pure function of ``(seed, c)``: the 64 bits ``(y0, y1)`` of
    Threefry-2x32-20 with key ``(seed mod 2**32, seed // 2**32)`` and counter
    ``(c mod 2**32, c // 2**32)``, mapped to

    - uniform on ``(-amount, amount)`` (``std=None``): ``n = amount * (y0 + 1/2 -
      2**31) / 2**31``;
    - normal with standard deviation ``std``, truncated to ``(-amount, amount)``
      (``std`` given), by inversion: with ``L = P(Z < -amount / std)`` and ``w =
      (y1 + 1/2) / 2**32``, ``|n| = -std * ndtri(L + w (1/2 - L))`` (Wichura's AS241),
      its sign the top bit of ``y0``.

    Uniform noise has mean 0 and standard deviation ``amount / sqrt(3)``. With
    ``relative=True`` (timm's multiplicative form) ``amount <= 1`` keeps the
    value's sign. The same ``(seed, t)`` gives the same value on Python, NumPy
    and JAX (inside ``jit`` and ``vmap``), so a resumed run sees the noise it
    would have seen. ``seed`` is part of the expression's structure (static
    under JAX: a new seed retraces); ``amount``, ``std``, ``start`` and ``stop``
    are leaves.

    Anchor: timm's ``noise_range_t`` / ``noise_pct`` / ``noise_std`` options in
    form (timm's own values are :class:`TimmNoise`).

    >>> s = noise(constant(1.0), 0.1, seed=7)
    >>> s(3) == s(3.5) != s(4)
    True
    >>> 0.9 < s(3) < 1.1
    True
    """

    schedule: Schedule
    amount: Any
    std: Any = field(default=None, kw_only=True)
    seed: int = field(default=0, kw_only=True, metadata=STATIC)
    start: Any = field(default=0, kw_only=True)
    stop: Any = field(default=None, kw_only=True)
    relative: bool = field(default=True, kw_only=True, metadata=STATIC)
    _text_name = "noise"

    def __post_init__(self) -> None:
        fn = "noise"
        relative = check.flag(fn, "relative", self.relative)
        amount = check.positive(fn, "amount", self.amount)
        if relative and is_plain(amount) and amount > 1:
            raise check.fail(fn, "amount", amount, "<= 1 when relative (1 + noise stays >= 0)")
        std = None if self.std is None else check.positive(fn, "std", self.std)
        start, stop = _range(fn, self.start, self.stop)
        set_fields(
            self,
            schedule=check_schedule(fn, "schedule", self.schedule),
            amount=amount,
            std=std,
            seed=_seed(fn, self.seed, 0, _SEED_LIMIT),
            start=start,
            stop=stop,
            relative=relative,
        )

    def _apply(self, v: Any, n: Any, xp: Any) -> Any:
        return v * (1 + n) if self.relative else v + n

    def _noise(self, t: Any, xp: Any) -> Any:
        u = _uint32.for_backend(xp.name)
        c = u.floor(t)
        x0, x1 = u.halves(c)
        y0, y1 = threefry2x32((self.seed & _uint32.MASK, self.seed >> 32), x0, x1, u)
        if self.std is None:
            n = self.amount * ((u.to_float(y0) - 2147483647.5) * 2.0**-31)
        else:
            std = self.std
            low = _lower_tail(self.amount / std)
            q = low + (u.to_float(y1) + 0.5) * 2.0**-32 * (0.5 - low)
            sign = 1.0 - 2.0 * u.to_float(u.shr(y0, 31))
            n = sign * std * -ndtri_lower(q, xp)
        if xp.name == "python":
            return n
        n = xp.where(self._in_range(c), n, 0.0)
        return n.reshape(np.shape(t)) if xp.name == "numpy" else n


# ----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class TimmNoise(_Noisy):
    """timm's noise: ``v + v * n(c)`` at the counts ``c = floor(t)`` with ``start <= c <
    stop``, ``v = schedule(t)``; ``v`` elsewhere. ``n(c)`` is what timm's
    ``Scheduler._calculate_noise(c)`` returns: with ``g`` a ``torch.Generator``
    seeded with ``seed + c``, for ``kind="normal"`` the first of
    ``torch.randn(1, generator=g).item() * std`` below ``pct`` in magnitude, for
    ``kind="uniform"`` ``2 * (torch.rand(1, generator=g).item() - 0.5) * pct``.

    Exact (the same floats as timm's, for PyTorch's default dtype float32) on
    Python and NumPy, without importing PyTorch: see :mod:`lrdsl._torch_random`
    for how PyTorch's generator is reproduced. Under JAX it is refused (the
    draws are not traceable): ``compile("jax")`` raises ``TypeError``.

    timm's ``noise_range_t`` is ``start`` (a number ``n``: ``start=n``) or ``[start,
    stop]`` (a pair). Beyond timm: at a fractional ``t`` the noise is that of
    ``floor(t)``; ``seed + c`` is taken modulo ``2**32``, as PyTorch's generator
    takes it, even where ``manual_seed`` would refuse it (``>= 2**64``).

    Anchor: ``timm.scheduler.scheduler.Scheduler._add_noise``; the constructors
    of :mod:`lrdsl.compat.timm` take timm's noise arguments.
    """

    schedule: Schedule
    pct: Any = field(default=0.67, kw_only=True)
    std: Any = field(default=1.0, kw_only=True)
    kind: str = field(default="normal", kw_only=True, metadata=STATIC)
    seed: int = field(default=42, kw_only=True, metadata=STATIC)
    start: Any = field(default=0, kw_only=True)
    stop: Any = field(default=None, kw_only=True)
    _text_name = "timm_noise"
    #: Its draws cannot be traced: ``compile("jax")`` refuses it.
    traceable: ClassVar[bool] = False

    #: The lowest probability of accepting a normal draw (timm draws until one is
    #: accepted: about ``1 / p`` draws per step, for ever if ``pct <= 0``).
    MIN_ACCEPT: ClassVar[float] = 1e-4

    def __post_init__(self) -> None:
        fn = "timm_noise"
        kind = check.choice(fn, "kind", self.kind, ("normal", "uniform"))
        pct = check.number(fn, "pct", self.pct)
        std = check.number(fn, "std", self.std)
        if kind == "normal" and is_plain(pct) and is_plain(std):
            if pct <= 0:
                raise check.fail(fn, "pct", pct, "> 0 for normal noise (timm would draw for ever)")
            accept = 1.0 if std == 0 else math.erf(pct / abs(std) * _SQRT_HALF)
            if accept < self.MIN_ACCEPT:
                raise check.fail(
                    fn,
                    "pct",
                    pct,
                    f"large enough that a draw of std={std!r} falls below it with probability"
                    f" >= {self.MIN_ACCEPT:g} (it is {accept:.2g}: about {1 / max(accept, 1e-300):.2g}"
                    " draws per step)",
                )
        start, stop = _range(fn, self.start, self.stop, lowest=None)
        set_fields(
            self,
            schedule=check_schedule(fn, "schedule", self.schedule),
            pct=pct,
            std=std,
            kind=kind,
            seed=_seed(fn, self.seed, -(2**63), _SEED_LIMIT),
            start=start,
            stop=stop,
        )

    def _apply(self, v: Any, n: Any, xp: Any) -> Any:
        """timm's ``v + v * noise`` (not ``v * (1 + noise)``: the same float as timm's)."""
        if xp.name == "numpy":
            with np.errstate(invalid="ignore"):  # inf * 0, where the where keeps v
                return np.where(n == 0, v, v + v * n)
        return xp.where(n == 0, v, v + v * n)

    def _noise(self, t: Any, xp: Any) -> Any:
        from . import _torch_random

        normal = self.kind == "normal"
        if xp.name == "python":
            return _torch_random.timm_noise(self.seed + _uint32.PY.floor(t), normal, self.pct, self.std)
        if xp.name != "numpy":
            raise TypeError(
                f"timm_noise cannot be evaluated on {xp.name}: timm's noise draws from PyTorch's"
                " generator, which is reproduced on Python and NumPy only; for noise under JAX use"
                " lrdsl.noise (counter-based, the same values on every backend)"
            )
        c = np.atleast_1d(_uint32.NP.floor(t)).reshape(-1)
        inside = self._in_range(c)
        n = np.zeros(c.shape, dtype=np.float64)
        if inside.any():
            lo, _ = _uint32.NP.halves(c[inside])
            seeds = (lo.astype(np.int64) + (self.seed & _uint32.MASK)) & _uint32.MASK
            n[inside] = _torch_random.timm_noise_array(seeds, normal, self.pct, self.std)
        return n.reshape(np.shape(t))
