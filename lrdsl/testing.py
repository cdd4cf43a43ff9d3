"""Compare a schedule with the code it replaces, and say who is nearer the exact value.

Porting to lrdsl, everyone writes the same harness: evaluate the new schedule
and the old ``get_lr(it)`` at every step and look at the differences. Old code
often cancels near a decay to 0 (``min_lr + coeff * (max_lr - min_lr)`` with
``coeff`` tiny, ``lr * (1 - t / T)``), so the two can differ by 1e-11 to 3e-6
relative exactly where lrdsl is the more accurate one. :func:`compare` settles
each such difference with a referee, the exact value:

- **the old code's own formula**, run on exact numbers where it can be (a
  Python function of its step, using arithmetic and :mod:`math`: it is called
  with the step as a 50-digit decimal, on a copy of its globals where floats
  are exact and ``math`` is exact; see :func:`lrdsl._exact.exact_function`);
- **lrdsl's formula**, the schedule's tree evaluated node by node on 50-digit
  decimals (each node's one formula, against an exact namespace; see
  :func:`lrdsl._exact.exact_value`).

Where both are known they must agree (to the tolerance): where they do not,
the two schedules are different functions there, not a matter of rounding, and
the old code's formula is the reference. Where only lrdsl's formula is known
(old code that is a table, a PyTorch scheduler, a helper outside exact
arithmetic), it is the referee, and the report says that it cannot tell a
rounding error in the old code from a different schedule. A ``lambda_`` in
the schedule is run exactly like old code; ``running_product`` and the noises
have no exact formula.

>>> import lrdsl as lr, lrdsl.testing
>>> T = 1_000_000
>>> def get_lr(it):
...     return 3e-4 * (1 - it / T)
>>> r = lrdsl.testing.compare(lr.linear(3e-4, 0.0, T), get_lr, range(T - 100, T))
>>> bool(r), r.differ, r.lrdsl_nearer, r.settled
(False, 31, 31, 31)
>>> r.worst.t, r.worst.nearer
(999999, 'lrdsl')
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from . import _exact
from ._exact import PRECISION, NoExactValue
from ._node import Schedule
from .errors import ScheduleError

__all__ = ["compare", "assert_matches", "exact", "Comparison", "Difference", "NoExactValue", "PRECISION"]

#: Two exact values (lrdsl's formula, the old code's) are the same schedule when they
#: agree to the comparison's tolerance, and never closer than this (the referee's own
#: precision, after the cancellations a formula may do).
_REFEREE_RTOL = 1e-30


def exact(f: Schedule | Callable[[Any], Any], t: int | float) -> Decimal:
    """The exact value of a schedule, or of a Python function of the step, at ``t``,
    to :data:`PRECISION` significant digits.

    A schedule is evaluated node by node on exact numbers; a function is run on
    an exact step (see the module docstring). Raises :class:`NoExactValue`,
    saying why, when that cannot be done.

    >>> import lrdsl as lr
    >>> float(exact(lr.cosine(1.0, 0.0, 100), 50))
    0.5
    """
    if isinstance(f, Schedule):
        return _exact.exact_value(f, t)
    if not callable(f):
        raise TypeError(f"exact: f must be a schedule or a function, got {type(f).__name__} {f!r}")
    return _exact.exact_function(f)(t)


# ----------------------------------------------------------------------------
# The result.


@dataclass(frozen=True)
class Difference:
    """One step where lrdsl and the old code differ beyond the tolerance.

    ``exact`` is the exact value rounded to float64 (``None``: no referee, see
    ``why_no_referee``); ``lrdsl_error`` and ``old_error`` are the two sides'
    errors relative to it (absolute where it is 0), computed exactly;
    ``nearer`` is ``"lrdsl"``, ``"old"``, ``"equal"`` (equally far) or
    ``"no referee"``. ``exact_from`` is ``"old"`` when the exact value is
    the old code's own formula, ``"lrdsl"`` when only lrdsl's formula could be
    evaluated exactly. ``lrdsl_formula`` is set where both were, and lrdsl's
    formula's exact value is beyond tolerance of the old code's: the schedules
    are different functions at this step.
    """

    t: int | float
    lrdsl: float
    old: float
    rel_diff: float
    exact: float | None
    lrdsl_error: float | None
    old_error: float | None
    nearer: str
    exact_from: str | None
    lrdsl_within: bool
    lrdsl_formula: float | None = None
    why_no_referee: str | None = None


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` found; ``str`` of it is a short report, ``bool`` whether
    every step agrees within the tolerance.

    Counts are over the steps that differ beyond tolerance (``differ``); the
    referee is asked at ``judged`` of them (all, unless more than
    ``referee_steps`` differ). ``settled`` counts the steps where lrdsl is
    nearer the exact value of the old code's own formula than the old code is,
    and within tolerance of it; ``settled_by_lrdsl_formula`` the same where the
    exact value is only lrdsl's formula's. ``schedules_differ`` counts the steps
    where both formulas were evaluated exactly and disagree.

    ``t``, ``lrdsl``, ``old`` and ``exact`` are the arrays (``compare(...,
    arrays=True)``; ``exact`` is the exact value at the judged steps, NaN
    elsewhere), else ``None``.
    """

    name: str
    steps: int
    rtol: float
    atol: float
    differ: int
    max_rel_diff: float
    first: Difference | None
    worst: Difference | None
    judged: int = 0
    lrdsl_nearer: int = 0
    old_nearer: int = 0
    equal: int = 0
    no_referee: int = 0
    settled: int = 0
    settled_by_lrdsl_formula: int = 0
    schedules_differ: int = 0
    referee: str = ""
    t: np.ndarray | None = field(default=None, repr=False, compare=False)
    lrdsl: np.ndarray | None = field(default=None, repr=False, compare=False)
    old: np.ndarray | None = field(default=None, repr=False, compare=False)
    exact: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Every step agrees within the tolerance."""
        return self.differ == 0

    def __bool__(self) -> bool:
        return self.ok

    def failure(self, lrdsl_nearer_passes: bool = True, trust_lrdsl_formula: bool = False) -> str | None:
        """Why :func:`assert_matches` fails with these options (``None``: it passes)."""
        if self.ok:
            return None
        n, name = self.differ, self.name
        if not lrdsl_nearer_passes:
            if self.settled + self.settled_by_lrdsl_formula == n:
                return f"they differ at {_count(n)}, though lrdsl is nearer exact at every one (lrdsl_nearer_passes=False)"
            return f"they differ at {_count(n)}"
        reasons = []
        if self.old_nearer:
            reasons.append(f"{name} is nearer exact at {_count(self.old_nearer)}")
        neither = self.lrdsl_nearer - self.settled - self.settled_by_lrdsl_formula
        if neither:
            reasons.append(f"at {_count(neither)} neither is within tolerance of exact")
        if self.equal:
            reasons.append(f"at {_count(self.equal)} both are equally far from exact")
        if self.no_referee:
            reasons.append(f"at {_count(self.no_referee)} there is no exact value to decide")
        if self.settled_by_lrdsl_formula and not trust_lrdsl_formula:
            reasons.append(
                f"at {_count(self.settled_by_lrdsl_formula)} the exact value is lrdsl's formula only, which cannot"
                f" tell a rounding error in {name} from a different schedule (trust_lrdsl_formula=True accepts it)"
            )
        if self.judged < n:
            reasons.append(f"{_count(n - self.judged)} were not judged (referee_steps=None judges every one)")
        return "; ".join(reasons) if reasons else None

    def __str__(self) -> str:
        return _report(self)


def _count(n: int) -> str:
    return f"{n:,} step" + ("" if n == 1 else "s")


# ----------------------------------------------------------------------------
# Checking the arguments.


def _tolerance(param: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"compare: {param} must be a number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not (math.isfinite(v) and v >= 0):
        raise ScheduleError(f"compare: {param} must be a finite number >= 0, got {value!r}")
    return v


def _steps(steps: Any) -> np.ndarray:
    """The steps to compare at, as a 1-d int64 (or float64) array."""
    if isinstance(steps, (bool, np.bool_)):
        raise TypeError(
            f"compare: steps must be an int, a range or an array of steps, got the bool {steps!r}"
        )
    if isinstance(steps, numbers.Integral):
        n = int(steps)
        if n < 0:
            raise ScheduleError(f"compare: steps must be >= 0, got {n}")
        return np.arange(n, dtype=np.int64)
    if isinstance(steps, range):
        t = np.arange(steps.start, steps.stop, steps.step, dtype=np.int64)
    elif isinstance(steps, (np.ndarray, list, tuple)):
        t = np.asarray(steps).reshape(-1)
        if t.size == 0 or t.dtype.kind in "iu":
            t = t.astype(np.int64)
        elif t.dtype.kind == "f":
            if not np.isfinite(t).all():
                raise ScheduleError(f"compare: steps must be finite, got {t[~np.isfinite(t)][0].item()!r}")
            t = t.astype(np.float64)
        else:
            raise TypeError(f"compare: steps must be numbers, got an array of {t.dtype}")
    else:
        raise TypeError(
            f"compare: steps must be an int, a range or an array of steps, got {type(steps).__name__} {steps!r}"
        )
    if t.size and t.min() < 0:
        raise ScheduleError(f"compare: steps must be >= 0, got {t.min().item()!r}")
    return t


def _name(fn: Any, name: str | None) -> str:
    if name is not None:
        if not isinstance(name, str):
            raise TypeError(f"compare: name must be a str, got {type(name).__name__} {name!r}")
        return name
    n = getattr(fn, "__name__", None)
    return n if isinstance(n, str) and n.isidentifier() else "old code"


def _as_float(v: Any, name: str, t: Any) -> float:
    if isinstance(v, (str, bytes, bool, np.bool_)):
        raise TypeError(f"compare: {name}({t!r}) returned {type(v).__name__} {v!r}, not a number")
    try:
        return float(v)
    except (TypeError, ValueError):
        raise TypeError(f"compare: {name}({t!r}) returned {type(v).__name__} {v!r}, not a number") from None


def _lrdsl_values(s: Schedule, t: np.ndarray) -> np.ndarray:
    """``s`` at the steps: on the NumPy path; one step at a time when a ``lambda_`` in
    ``s`` only runs on Python numbers (old code wrapped as it is, branching on ``t``)."""
    if t.size == 0:
        return np.empty(0)
    try:
        return np.asarray(s(t), dtype=np.float64)
    except (TypeError, ValueError, IndexError):
        if not _has_lambda(s):
            raise
    return np.fromiter((s(k) for k in t.tolist()), dtype=np.float64, count=t.size)


def _has_lambda(s: Schedule) -> bool:
    from .primitives import Lambda

    return isinstance(s, Lambda) or any(_has_lambda(c) for c in s.children())


def _old_values(fn: Callable[[Any], Any], t: np.ndarray, vectorized: bool, name: str) -> np.ndarray:
    if vectorized:
        v = fn(t.copy())
        try:
            out = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"compare: {name}(steps) returned {type(v).__name__}, not an array of numbers"
            ) from None
        if out.shape != t.shape:
            raise ScheduleError(f"compare: {name}(steps) returned shape {out.shape} for {t.size} steps")
        return out
    steps = t.tolist()  # Python ints (or floats): what old code is called with
    return np.fromiter((_as_float(fn(k), name, k) for k in steps), dtype=np.float64, count=len(steps))


# ----------------------------------------------------------------------------
# The comparison.


def compare(
    s: Schedule,
    fn: Callable[[Any], Any],
    steps: int | range | Iterable[int | float] | np.ndarray,
    *,
    rtol: float = 1e-12,
    atol: float = 0.0,
    vectorized: bool = False,
    name: str | None = None,
    referee: bool = True,
    referee_steps: int | None = 20_000,
    arrays: bool = False,
) -> Comparison:
    """Evaluate the schedule ``s`` and the old code ``fn`` at ``steps`` and report
    where they differ by more than ``atol + rtol * |fn(t)|``, and which side is
    nearer the exact value there.

    - ``steps``: an int ``n`` (``t = 0 .. n - 1``), a range, or an array of steps.
    - ``fn`` is called once per step with a Python ``int`` (a ``float`` for
      fractional steps), as training code calls its ``get_lr(it)``; with
      ``vectorized=True``, once with the whole int64 array.
    - ``referee``: compute exact values (see the module docstring) at the
      steps that differ, at most ``referee_steps`` of them (the first, the
      worst, and an even spread of the others; ``None``: all).
    - ``name``: how the report calls ``fn`` (default: its ``__name__``).
    - ``arrays``: keep the steps and the values on the result.

    The result's ``str`` reads, for instance::

        lrdsl vs get_lr over 100 steps: 31 differ by more than 1e-12 relative
          first at t=999,948: lrdsl 1.56000000000000e-08, get_lr 1.56000000000156e-08 (exact ...
    """
    if not isinstance(s, Schedule):
        raise TypeError(f"compare: s must be a schedule, got {type(s).__name__} {s!r}")
    if not callable(fn):
        raise TypeError(f"compare: fn must be callable, got {type(fn).__name__} {fn!r}")
    rtol, atol = _tolerance("rtol", rtol), _tolerance("atol", atol)
    if referee_steps is not None and (
        isinstance(referee_steps, bool) or not isinstance(referee_steps, int) or referee_steps < 2
    ):
        raise ScheduleError(f"compare: referee_steps must be an int >= 2 or None, got {referee_steps!r}")
    label = _name(fn, name)
    t = _steps(steps)
    ours = _lrdsl_values(s, t)
    theirs = _old_values(fn, t, vectorized, label)

    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
        d = np.abs(ours - theirs)
        bad = ~same & ~(d <= atol + rtol * np.abs(theirs))
        rel = np.where(same, 0.0, np.where(theirs != 0, d / np.abs(theirs), np.inf))
    rel = np.where(np.isnan(rel), np.inf, rel)
    idx = np.flatnonzero(bad)
    base: dict[str, Any] = dict(
        name=label,
        steps=int(t.size),
        rtol=rtol,
        atol=atol,
        differ=int(idx.size),
        max_rel_diff=float(rel.max()) if rel.size else 0.0,
    )
    exact_values = np.full(t.shape, np.nan) if arrays else None
    if arrays:
        base.update(t=t, lrdsl=ours, old=theirs, exact=exact_values)
    if idx.size == 0:
        return Comparison(first=None, worst=None, **base)
    first, worst = int(idx[0]), int(idx[np.argmax(rel[idx])])
    if not referee:
        plain = {
            k: _difference(t, ours, theirs, rel, k, None, None, None, "referee=False", rtol, atol)
            for k in (first, worst)
        }
        return Comparison(
            first=plain[first],
            worst=plain[worst],
            no_referee=int(idx.size),
            judged=int(idx.size),
            referee="no exact values (referee=False)",
            **base,
        )
    return _judge_all(
        s, fn, t, ours, theirs, rel, idx, first, worst, referee_steps, rtol, atol, exact_values, base
    )


def _judged(idx: np.ndarray, first: int, worst: int, limit: int | None) -> np.ndarray:
    """The differing steps the referee is asked about (their positions in ``t``): all,
    or ``limit`` of them: the first, the worst, and the others evenly spread."""
    if limit is None or idx.size <= limit:
        return idx
    rest = idx[(idx != first) & (idx != worst)]
    m = limit - len({first, worst})
    spread = rest[np.unique(np.linspace(0, rest.size - 1, m).round().astype(np.int64))]
    return np.union1d(spread, [first, worst])


class _Referee:
    """The exact values at a step: lrdsl's formula and the old code's, each if it can."""

    def __init__(self, s: Schedule, fn: Callable[[Any], Any], name: str) -> None:
        self.name = name
        self.why_not_lrdsl: str | None = None
        self.why_not_old: str | None = None  # "<name> <reason>"
        self.tree: Schedule | None = None
        try:
            self.tree = _exact.exact_tree(s)
        except NoExactValue as e:
            self.why_not_lrdsl = str(e)
        self.s = s
        if isinstance(fn, Schedule):
            fs = fn
            self.run_old: Callable[[Any], Decimal] | None = lambda t: _exact.exact_value(fs, t)
        else:
            self.run_old = _exact.exact_function(fn)

    def lrdsl(self, t: Any) -> Decimal | None:
        if self.tree is None:
            return None
        try:
            return _finite_or_none(_exact.exact_value(self.s, t, self.tree))
        except NoExactValue as e:
            self.why_not_lrdsl = self.why_not_lrdsl or str(e)
            return None

    def old(self, t: Any) -> Decimal | None:
        assert self.run_old is not None
        try:
            return _finite_or_none(self.run_old(t))
        except NoExactValue as e:
            self.why_not_old = self.why_not_old or f"{self.name} {e.reason}"
            return None


def _finite_or_none(d: Decimal) -> Decimal | None:
    return None if d.is_nan() else d


def _within(x: Decimal, e: Decimal, rtol: float, atol: float) -> bool:
    """``|x - e| <= atol + rtol * |e|``, exactly."""
    if e.is_infinite() or x.is_infinite():
        return x == e
    ctx = _exact.CONTEXT
    return ctx.abs(ctx.subtract(x, e)) <= ctx.add(Decimal(atol), ctx.multiply(Decimal(rtol), ctx.abs(e)))


def _distance(x: Decimal, e: Decimal) -> Decimal:
    if x.is_nan():
        return Decimal("Infinity")
    if e.is_infinite() or x.is_infinite():
        return Decimal(0) if x == e else Decimal("Infinity")
    return _exact.CONTEXT.abs(_exact.CONTEXT.subtract(x, e))


def _relative(dist: Decimal, e: Decimal) -> float:
    if e.is_infinite():
        return 0.0 if dist == 0 else math.inf
    if e == 0:
        return float(dist)
    return float(_exact.CONTEXT.divide(dist, _exact.CONTEXT.abs(e)))


def _difference(
    t: np.ndarray,
    ours: np.ndarray,
    theirs: np.ndarray,
    rel: np.ndarray,
    k: int,
    e: Decimal | None,
    source: str | None,
    formula: Decimal | None,
    why: str | None,
    rtol: float,
    atol: float,
) -> Difference:
    a, b = float(ours[k]), float(theirs[k])
    step = t[k].item()
    if e is None:
        return Difference(step, a, b, float(rel[k]), None, None, None, "no referee", None, False, None, why)
    da, db = _distance(Decimal(a), e), _distance(Decimal(b), e)
    nearer = "lrdsl" if da < db else "old" if db < da else "equal"
    return Difference(
        t=step,
        lrdsl=a,
        old=b,
        rel_diff=float(rel[k]),
        exact=float(e),
        lrdsl_error=_relative(da, e),
        old_error=_relative(db, e),
        nearer=nearer,
        exact_from=source,
        lrdsl_within=_within(Decimal(a), e, rtol, atol),
        lrdsl_formula=None if formula is None else float(formula),
    )


def _judge_all(
    s: Schedule,
    fn: Callable[[Any], Any],
    t: np.ndarray,
    ours: np.ndarray,
    theirs: np.ndarray,
    rel: np.ndarray,
    idx: np.ndarray,
    first: int,
    worst: int,
    referee_steps: int | None,
    rtol: float,
    atol: float,
    exact_values: np.ndarray | None,
    base: dict[str, Any],
) -> Comparison:
    ref = _Referee(s, fn, base["name"])
    counts: dict[str, Any] = dict.fromkeys(
        (
            "lrdsl_nearer",
            "old_nearer",
            "equal",
            "no_referee",
            "settled",
            "settled_by_lrdsl_formula",
            "schedules_differ",
        ),
        0,
    )
    sources = {"old": 0, "lrdsl": 0, "both": 0, "apart": 0}
    kept: dict[int, Difference] = {}
    judged = _judged(idx, first, worst, referee_steps)
    for k in judged.tolist():
        step = t[k].item()
        e_old, e_lrdsl = ref.old(step), ref.lrdsl(step)
        e: Decimal | None
        source: str | None
        formula = None
        if e_old is not None:
            e, source = e_old, "old"
            if e_lrdsl is not None:
                sources["both"] += 1
                if not _within(e_lrdsl, e_old, max(rtol, _REFEREE_RTOL), atol):
                    formula = e_lrdsl
                    counts["schedules_differ"] += 1
                    sources["apart"] += 1
        else:
            e, source = e_lrdsl, ("lrdsl" if e_lrdsl is not None else None)
        why = None if e is not None else _no_referee(ref)
        diff = _difference(t, ours, theirs, rel, k, e, source, formula, why, rtol, atol)
        if exact_values is not None and e is not None:
            exact_values[k] = float(e)
        if source is not None:
            sources[source] += 1
        if diff.nearer == "no referee":
            counts["no_referee"] += 1
        else:
            counts[{"lrdsl": "lrdsl_nearer", "old": "old_nearer", "equal": "equal"}[diff.nearer]] += 1
            if diff.nearer == "lrdsl" and diff.lrdsl_within:
                counts["settled" if source == "old" else "settled_by_lrdsl_formula"] += 1
        if k in (first, worst):
            kept[k] = diff
    return Comparison(
        first=kept[first],
        worst=kept[worst],
        judged=int(judged.size),
        referee=_referee_sentence(ref, sources, base["name"]),
        **counts,
        **base,
    )


def _no_referee(ref: _Referee) -> str:
    parts = [x for x in (ref.why_not_old, ref.why_not_lrdsl) if x]
    return "; ".join(parts) if parts else "the exact value is not a number"


def _referee_sentence(ref: _Referee, sources: dict[str, int], name: str) -> str:
    digits = f"{PRECISION}-digit decimals"
    both, apart = sources["both"], sources["apart"]
    if ref.why_not_lrdsl is not None and both == 0:
        lrdsl_note = f"lrdsl's formula has none: {ref.why_not_lrdsl}"
    elif apart == 0:
        lrdsl_note = "lrdsl's formula agrees"
    elif apart == both:
        lrdsl_note = "lrdsl's formula differs at every one"
    else:
        lrdsl_note = f"lrdsl's formula agrees at {_count(both - apart)}, differs at {_count(apart)}"
    if sources["old"] and not sources["lrdsl"]:
        return f"exact values: {name}'s own formula run on {digits} ({lrdsl_note})"
    if sources["lrdsl"] and not sources["old"]:
        return (
            f"exact values: lrdsl's formula on {digits} only ({ref.why_not_old}),"
            f" so a rounding error in {name} cannot be told from a different schedule"
        )
    if sources["old"] and sources["lrdsl"]:
        return (
            f"exact values: {name}'s own formula run on {digits} at {_count(sources['old'])},"
            f" lrdsl's formula only at {_count(sources['lrdsl'])} ({ref.why_not_old})"
        )
    return f"no exact values: {_no_referee(ref)}"


# ----------------------------------------------------------------------------
# The report.


def _num(v: float, digits: int) -> str:
    if v == 0:
        return "0"
    if not math.isfinite(v):
        return repr(v)
    return f"{v:.{digits - 1}e}"


def _err(v: float | None) -> str:
    return "?" if v is None else "0" if v == 0 else f"{v:.1e}"


def _step(t: int | float) -> str:
    return f"{t:,}" if isinstance(t, int) else repr(t)


def _digits(rel: float) -> int:
    """Significant digits that show a relative difference ``rel`` (and two more)."""
    return 17 if not (0 < rel < math.inf) else max(4, min(17, math.ceil(-math.log10(rel)) + 3))


def _verdict(d: Difference, name: str) -> str:
    digits = _digits(d.rel_diff)
    if d.nearer == "no referee":
        return f"no referee ({d.why_no_referee})"
    if d.nearer == "equal":
        return f"lrdsl and {name} are equally far from exact (error {_err(d.lrdsl_error)})"
    if d.nearer == "lrdsl":
        out = f"lrdsl is nearer exact (error {_err(d.lrdsl_error)} vs {_err(d.old_error)})"
    else:
        out = f"{name} is nearer exact (error {_err(d.old_error)} vs {_err(d.lrdsl_error)})"
    if d.lrdsl_formula is not None:
        out += f"; lrdsl's formula is exactly {_num(d.lrdsl_formula, digits)} here: a different schedule"
    return out


def _line(label: str, d: Difference, name: str) -> str:
    digits = _digits(d.rel_diff)
    exact = "" if d.exact is None else f" (exact {_num(d.exact, digits)})"
    return (
        f"  {label} t={_step(d.t)}: lrdsl {_num(d.lrdsl, digits)}, {name} {_num(d.old, digits)}{exact},"
        f" rel {_err(d.rel_diff)}: {_verdict(d, name)}"
    )


def _tolerance_text(rtol: float, atol: float) -> str:
    parts = []
    if rtol or not atol:
        parts.append(f"{rtol:g} relative")
    if atol:
        parts.append(f"{atol:g} absolute")
    return " + ".join(parts)


def _tally(r: Comparison) -> str:
    name = r.name
    judged = r.judged
    parts = [
        (r.lrdsl_nearer, "lrdsl is nearer exact"),
        (r.old_nearer, f"{name} is nearer exact"),
        (r.equal, "both are equally far from exact"),
        (r.no_referee, "there is no referee"),
    ]
    present = [(n, what) for n, what in parts if n]
    if len(present) == 1:
        n, what = present[0]
        out = f"{what} at {'all ' if n > 1 else ''}{n:,}" if judged == r.differ else f"{what} at {n:,}"
    else:
        out = ", ".join(f"{what} at {n:,}" for n, what in present)
    if judged < r.differ:
        out += f" (of the {judged:,} judged; referee_steps=None judges all {r.differ:,})"
    if r.schedules_differ:
        out += (
            f"; at {_count(r.schedules_differ)} lrdsl's formula is not {name}'s (their exact values differ"
            " beyond tolerance): a different schedule, not rounding"
        )
    return out


def _report(r: Comparison) -> str:
    head = f"lrdsl vs {r.name} over {_count(r.steps)}"
    if r.ok:
        return f"{head}: all agree within {_tolerance_text(r.rtol, r.atol)} (largest relative difference {_err(r.max_rel_diff)})"
    lines = [f"{head}: {r.differ:,} differ by more than {_tolerance_text(r.rtol, r.atol)}"]
    assert r.first is not None and r.worst is not None
    if r.first.t == r.worst.t:
        lines.append(_line("first and worst at", r.first, r.name))
    else:
        lines.append(_line("first at", r.first, r.name))
        lines.append(_line("worst at", r.worst, r.name))
    lines.append(f"  {_tally(r)}")
    lines.append(f"  {r.referee}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# For tests.


def assert_matches(
    s: Schedule,
    fn: Callable[[Any], Any],
    steps: int | range | Iterable[int | float] | np.ndarray,
    *,
    rtol: float = 1e-12,
    atol: float = 0.0,
    vectorized: bool = False,
    name: str | None = None,
    lrdsl_nearer_passes: bool = True,
    trust_lrdsl_formula: bool = False,
    referee_steps: int | None = 20_000,
) -> Comparison:
    """Assert that the schedule ``s`` reproduces the old code ``fn`` at ``steps``
    (see :func:`compare`); raise ``AssertionError`` with the report otherwise.

    Passes when every step agrees within ``atol + rtol * |fn(t)|``. With
    ``lrdsl_nearer_passes`` (the default) it also passes when, at every step
    where they differ beyond that, lrdsl is strictly nearer the exact value than
    ``fn`` is, and within the tolerance of it, the exact value being the one
    of ``fn``'s own formula (run on exact numbers). It fails when ``fn`` is
    nearer exact somewhere, when lrdsl is not within tolerance of exact (so
    neither side is), when there is no exact value to decide, and, unless
    ``trust_lrdsl_formula=True``, when the exact value is known only from
    lrdsl's formula (``fn`` is a table, a PyTorch scheduler, or leaves exact
    arithmetic): that cannot tell rounding in ``fn`` from a different schedule.
    With ``lrdsl_nearer_passes=False`` any difference fails.

    Returns the :class:`Comparison` when it passes.
    """
    r = compare(
        s, fn, steps, rtol=rtol, atol=atol, vectorized=vectorized, name=name, referee_steps=referee_steps
    )
    why = r.failure(lrdsl_nearer_passes, trust_lrdsl_formula)
    if why is not None:
        raise AssertionError(f"{r}\nfails: {why}")
    return r
