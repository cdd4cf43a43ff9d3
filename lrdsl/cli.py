"""The ``lrdsl`` command: look at a schedule before you train with it.

    lrdsl show   EXPR [--steps N]                  summary and a terminal chart
    lrdsl plot   EXPR [EXPR ...] [--steps N] -o FILE.png
    lrdsl values EXPR [--steps N] [--format csv|json]

Each takes ``--bind NAME=VALUE`` (repeatable) to give the schedule's quantities
their values: ``lrdsl show "warmup(cosine(1e-3, 0, T - 500), 500)" --bind T=10000``.

``EXPR`` is a schedule in the text form, ``@file.txt`` (the text form in a
file), ``@file.json`` (a ``to_dict`` document) or ``-`` (text on stdin). A
bad expression prints the error with a caret and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import numpy as np

from ._node import Schedule
from .errors import ParseError, ScheduleError

__all__ = ["main"]

EXAMPLES = """\
examples:
  lrdsl show "linear(0, 1e-3, 1000) >> cosine(1e-3, 1e-5, 99_000)"
  lrdsl show "warmup(cosine(3e-4, 0, 50_000), 2_000)" --steps 60000
  lrdsl plot "step(0.1, 30, gamma=0.1).per_epoch(390)" --steps 40000 -o step.png
  lrdsl plot "cosine(1, 0, 100)" "linear(1, 0, 100)" --log -o compare.png
  lrdsl values "multistep(0.1, [30, 60], gamma=0.1)" --steps 90 --format csv
  lrdsl show @schedule.json        (a document written by s.to_dict())
  lrdsl show "warmup(cosine(1e-3, 0, T - round(0.05 * T)), round(0.05 * T))" --bind T=100000

the language: constant, linear, cosine, exponential, step, multistep,
polynomial, piecewise, interpolate, lambda_, warmup, chain, minimum, maximum;
a >> b (b after a), + - * / ** and unary minus, and the methods
.shift(n), .per_epoch(n), .repeat(period), .clip(lo, hi).
Quote EXPR for your shell. Run "lrdsl names" for every name and its arguments.
"""


class UsageError(Exception):
    """A problem with the command line or its inputs: printed, exit status 2."""


#: The largest JSON document read from a file, in bytes.
MAX_JSON_BYTES = 64 * 2**20
#: Up to this many steps, ``show`` evaluates every step; beyond, a sample.
EXACT_STEPS = 1_000_000
#: How many evenly spaced steps ``show`` evaluates beyond :data:`EXACT_STEPS`
#: (and both sides of every boundary).
SAMPLES = 4_000
#: The longest schedule text ``show`` prints in full.
SHOWN_CHARS = 2_000


def read_schedule(expr: str) -> Schedule:
    """The schedule ``expr`` names: text, ``@file.txt``, ``@file.json`` or ``-`` (stdin)."""
    from .serialize import from_dict
    from .text import MAX_CHARS, parse

    if expr == "-":
        text = sys.stdin.read(MAX_CHARS + 1)
        if len(text) > MAX_CHARS:
            raise UsageError(f"the text on stdin is too long (the limit is {MAX_CHARS:,} characters)")
        return parse(text)
    if expr.startswith("@"):
        path = expr[1:]
        json_file = path.endswith(".json")
        limit = MAX_JSON_BYTES if json_file else 4 * MAX_CHARS
        try:
            with open(path, "rb") as f:
                data = f.read(limit + 1)
        except OSError as e:
            raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
        if len(data) > limit:
            raise UsageError(f"{path} is too large (the limit is {limit:,} bytes)")
        if json_file:
            try:
                doc = json.loads(data, object_pairs_hook=_no_repeated_keys)
            except (ValueError, RecursionError) as e:
                raise UsageError(f"{path} is not valid JSON: {e}") from None
            except _RepeatedKey as e:
                raise UsageError(f"{path}: the key {e.args[0]!r} appears twice in one object") from None
            return from_dict(doc)
        return parse(data)
    return parse(expr)


class _RepeatedKey(Exception):
    pass


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (``json`` would keep the last silently)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _RepeatedKey(k)
        out[k] = v
    return out


def _steps(args: argparse.Namespace, *schedules: Schedule) -> int:
    if args.steps is not None:
        return int(args.steps)
    finite = [s.duration for s in schedules if s.finite]
    if not finite:
        raise UsageError("the schedule has no end (its duration is inf): give --steps N")
    return max(1, math.ceil(max(finite)))


def _positive_int(text: str) -> int:
    try:
        n = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of steps, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _values(s: Schedule, steps: int, chunk: int = 1_000_000) -> Any:
    """The values at ``0 .. steps - 1``, in chunks (so a long run needs little memory)."""
    for lo in range(0, steps, chunk):
        with np.errstate(all="ignore"):
            yield lo, s(np.arange(lo, min(lo + chunk, steps)))


def _extremes(s: Schedule, steps: int) -> tuple[float, Any, float, Any, bool]:
    """``(peak, at, lowest, at, sampled)``: over every step up to :data:`EXACT_STEPS`
    steps, else over a sample (see :func:`lrdsl.ascii.sample_times`)."""
    from .ascii import for_display, sample_times

    peak_v, peak_t, min_v, min_t = -math.inf, 0, math.inf, 0
    shown = for_display(s)
    if steps <= EXACT_STEPS:
        chunks = [(np.arange(lo, lo + len(v)), v) for lo, v in _values(shown, steps)]
    else:
        t = sample_times(s, steps, SAMPLES)
        with np.errstate(all="ignore"):
            chunks = [(t, shown(t))]
    for t, v in chunks:
        if np.isnan(v).all():
            continue
        i, j = int(np.nanargmax(v)), int(np.nanargmin(v))
        if v[i] > peak_v:
            peak_v, peak_t = float(v[i]), _int(t[i])
        if v[j] < min_v:
            min_v, min_t = float(v[j]), _int(t[j])
    return peak_v, peak_t, min_v, min_t, steps > EXACT_STEPS


def _step(t: Any) -> str:
    """A step number as text: in full up to 10**15, in scientific notation beyond."""
    return str(t) if abs(t) < 10**15 else f"{float(t):.6g}"


def _int(x: Any) -> Any:
    """A time as an int when it is one (times beyond 2**53 are sampled as floats)."""
    x = x.item() if hasattr(x, "item") else x
    return int(x) if float(x).is_integer() else x


def _binding(text: str) -> tuple[str, int | float]:
    """``NAME=VALUE`` of ``--bind``: VALUE a Python int or float literal (nothing else is evaluated)."""
    import ast

    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, such as T=100000, got {text!r}")
    try:
        v = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        v = None
    if type(v) is not int and type(v) is not float:
        raise argparse.ArgumentTypeError(f"{name}: the value must be a number, such as 100000 or 0.5, got {value!r}")
    return name, v


def _bound(s: Schedule, args: argparse.Namespace) -> Schedule:
    """``s`` with the ``--bind`` values; an error naming what is still unbound."""
    values = dict(args.bind or [])
    if values:
        s = s.bind(**values)
    if s.free:
        from .quantity import _ordered

        names = _ordered(s.free)
        raise UsageError(
            f"the schedule has unbound quantities {', '.join(names)};"
            f" give them with {' '.join(f'--bind {n}=...' for n in names)}"
        )
    return s


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    from .ascii import chart
    from .plotting import boundaries

    s = _bound(read_schedule(args.expr), args)
    steps = _steps(args, s)
    peak_v, peak_t, min_v, min_t, sampled = _extremes(s, steps)
    duration = s.duration
    text = str(s)
    if len(text) > SHOWN_CHARS:
        text = f"{text[: SHOWN_CHARS - 40]} ... ({len(text):,} characters)"
    of = " (of the steps sampled)" if sampled else ""
    rows = [
        ("schedule", text),
        ("duration", "inf (no end)" if not s.finite else f"{_fmt(duration)} steps"),
        (
            "shown",
            f"steps 0 .. {_step(steps - 1)}"
            + (f" (sampled: {SAMPLES:,} steps evenly spaced, and both sides of every boundary)" if sampled else ""),
        ),
        ("start", f"{_fmt(s(0))}  at t=0"),
        ("peak", f"{_fmt(peak_v)}  at t={_step(peak_t)}{of}"),
        ("lowest", f"{_fmt(min_v)}  at t={_step(min_t)}{of}"),
        ("end", f"{_fmt(s(steps - 1))}  at t={_step(steps - 1)}"),
    ]
    for key, value in rows:
        print(f"{key:<10}{value}", file=out)
    bs = boundaries(s, steps)
    if bs:
        print("boundaries (value before -> at the boundary)", file=out)
        for b in bs[:20]:
            t = math.ceil(b)
            before = _fmt(s(t - 1)) if t >= 1 else "-"
            print(f"  t={_fmt(b):<10}{before} -> {_fmt(s(t))}", file=out)
        if len(bs) > 20:
            print(f"  ... and {len(bs) - 20} more", file=out)
    print(file=out)
    print(chart(s, steps, width=args.width, height=args.height), file=out)
    return 0


def cmd_plot(args: argparse.Namespace, out: TextIO) -> int:
    schedules = [_bound(read_schedule(e), args) for e in args.expr]
    steps = _steps(args, *schedules)
    from .plotting import plot

    try:
        fig, _ = plot(*schedules, steps=steps, labels=args.label, log=args.log, title=args.title)
    except ModuleNotFoundError as e:  # no Matplotlib: the message names the extra
        raise UsageError(str(e).replace("plotting (s.plot, lr.plot, lrdsl plot)", "lrdsl plot")) from None
    try:
        fig.savefig(args.output, dpi=args.dpi)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot write {args.output}: {e}") from None
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    print(f"wrote {args.output} ({steps} steps)", file=out)
    return 0


def cmd_values(args: argparse.Namespace, out: TextIO) -> int:
    s = _bound(read_schedule(args.expr), args)
    steps = _steps(args, s)
    if args.format == "csv":
        out.write("step,value\n")
        for lo, v in _values(s, steps):
            out.write("".join(f"{lo + i},{float(x)!r}\n" for i, x in enumerate(v.tolist())))
    else:  # streamed, chunk by chunk: one JSON document
        head = json.dumps({"schedule": str(s), "steps": steps, "values": []})
        out.write(head[: -len("[]}")] + "[")
        first = True
        for _, v in _values(s, steps):
            items = [json.dumps(x if math.isfinite(x) else str(x)) for x in v.tolist()]
            if items:
                out.write(("" if first else ", ") + ", ".join(items))
                first = False
        out.write("]}\n")
    return 0


def cmd_names(args: argparse.Namespace, out: TextIO) -> int:
    from .text import names

    for sig in names().values():
        print(sig, file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lrdsl",
        description="Look at a learning-rate schedule before you train with it: "
        "a summary and a terminal chart, a PNG plot, or the values.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"lrdsl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    expr_help = 'a schedule: text such as "cosine(1e-3, 0, 1000)", @file.txt, @file.json or - (stdin)'
    steps_help = "how many steps to show (default: the schedule's duration, when it has one)"
    bind_help = "a value for a quantity of the schedule, such as T=100000 (repeatable)"

    show = sub.add_parser(
        "show", help="print a summary and a terminal chart", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Print the canonical form, duration, start, peak and end values, the values at "
        "chain boundaries and a terminal chart.",
    )  # fmt: skip
    show.add_argument("expr", metavar="EXPR", help=expr_help)
    show.add_argument("--steps", "-n", type=_positive_int, help=steps_help)
    show.add_argument("--bind", action="append", type=_binding, metavar="NAME=VALUE", help=bind_help)
    show.add_argument("--width", type=int, default=64, help="chart width in characters (default 64)")
    show.add_argument("--height", type=int, default=12, help="chart height in lines (default 12)")
    show.set_defaults(run=cmd_show)

    plot = sub.add_parser(
        "plot", help="draw one or more schedules to a PNG (needs Matplotlib)", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Plot schedules with Matplotlib; chain boundaries are dotted lines.",
    )  # fmt: skip
    plot.add_argument("expr", metavar="EXPR", nargs="+", help=expr_help + "; several are drawn together")
    plot.add_argument("--steps", "-n", type=_positive_int, help=steps_help)
    plot.add_argument("--bind", action="append", type=_binding, metavar="NAME=VALUE", help=bind_help)
    plot.add_argument("-o", "--output", default="schedule.png", help="the image file (default schedule.png)")
    plot.add_argument("--log", action="store_true", help="a logarithmic value axis")
    plot.add_argument("--label", action="append", help="a legend label, once per EXPR")
    plot.add_argument("--title", help="a title (default: the schedule's text)")
    plot.add_argument("--dpi", type=int, default=100, help="resolution (default 100: 800 x 450 pixels)")
    plot.set_defaults(run=cmd_plot)

    values = sub.add_parser(
        "values", help="print the value at every step as CSV or JSON", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Print s(0), s(1), ..., s(N - 1) at full precision.",
    )  # fmt: skip
    values.add_argument("expr", metavar="EXPR", help=expr_help)
    values.add_argument("--steps", "-n", type=_positive_int, help=steps_help)
    values.add_argument("--bind", action="append", type=_binding, metavar="NAME=VALUE", help=bind_help)
    values.add_argument(
        "--format", "-f", choices=("csv", "json"), default="csv", help="csv (default) or json"
    )
    values.set_defaults(run=cmd_values)

    names = sub.add_parser("names", help="list every name of the language with its arguments")
    names.set_defaults(run=cmd_names)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit status (0, or 2 for a bad expression or usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "label", None) is not None and len(args.label) != len(args.expr):
        parser.error(f"give --label once per EXPR ({len(args.expr)}), got {len(args.label)}")
    try:
        return int(args.run(args, sys.stdout))
    except ParseError as e:
        print(f"lrdsl: error: {e}", file=sys.stderr)
        return 2
    except (ScheduleError, UsageError) as e:
        print(f"lrdsl: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # lrdsl values ... | head
        return 0


if __name__ == "__main__":
    sys.exit(main())
