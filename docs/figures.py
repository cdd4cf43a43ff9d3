"""Draw the figures of the documentation: ``python docs/figures.py [--out DIR]``.

- ``tour.png``: three schedules composed from the primitives (the README's and
  the home page's picture);
- ``families.png``: every family of ``lrdsl`` (one panel each), with its text form;
- ``warmups.png``: the ways to start a schedule (``warmup``, ``shift``, ``>>``).

``tests/test_docs.py`` runs this script; the PNGs in ``docs/`` are its output.
"""

from __future__ import annotations

import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import lrdsl as lr

HERE = pathlib.Path(__file__).resolve().parent


def tour(out: pathlib.Path) -> None:
    schedules = {
        "linear(0, 1e-3, 500) >> cosine(1e-3, 1e-5, 9500)": lr.linear(0, 1e-3, 500) >> lr.cosine(1e-3, 1e-5, 9500),
        "warmup(step(1e-3, 2000, gamma=0.5), 500).clip(1e-4)": lr.warmup(lr.step(1e-3, 2000, gamma=0.5), 500).clip(1e-4),
        "wsd(8e-4, 500, 7500, 2000, decay='1-sqrt')": lr.wsd(8e-4, 500, 7500, 2000, decay="1-sqrt"),
    }
    fig, ax = plt.subplots(figsize=(9, 4.2), dpi=110)
    lr.plot(*schedules.values(), steps=10_000, labels=list(schedules), ax=ax, mark_boundaries=False)
    ax.set_title("Three schedules composed from the primitives")
    ax.set_ylabel("learning rate")
    fig.tight_layout()
    fig.savefig(out / "tour.png")
    plt.close(fig)


FAMILIES = {
    "onecycle(1e-3, 1000)": lr.onecycle(1e-3, 1000),
    "wsd(1e-3, 100, 600, 300)": lr.wsd(1e-3, 100, 600, 300),
    "cosine_restarts(1e-3, 1e-5, 100, mult=2)": lr.cosine_restarts(1e-3, 1e-5, 100, mult=2),
    "polynomial_restarts(1e-3, 0, 250, power=2)": lr.polynomial_restarts(1e-3, 0, 250, power=2),
    "tanh(1e-3, 1e-5, 1000)": lr.tanh(1e-3, 1e-5, 1000),
    "cyclic(1e-4, 1e-3, 100, mode='triangular2')": lr.cyclic(1e-4, 1e-3, 100, mode="triangular2"),
    "inverse_sqrt(1e-3, 50)": lr.inverse_sqrt(1e-3, 50),
    "inverse_time(1e-3, 0.5, every=100)": lr.inverse_time(1e-3, 0.5, every=100),
    "one_minus_sqrt(1e-3, 0, 1000)": lr.one_minus_sqrt(1e-3, 0, 1000),
    "polynomial_cycle(1e-3, 0, 300)": lr.polynomial_cycle(1e-3, 0, 300),
}


def families(out: pathlib.Path) -> None:
    fig, axes = plt.subplots(5, 2, figsize=(10, 12), dpi=100, sharex=True)
    for ax, (text, s) in zip(axes.flat, FAMILIES.items()):
        lr.plot(s, steps=1000, ax=ax, mark_boundaries=False)
        ax.set_title(text, fontsize=9, family="monospace")
        ax.set_xlabel("")
        ax.set_ylabel("")
    for ax in axes[-1]:
        ax.set_xlabel("step t")
    fig.suptitle("The families, over 1000 steps")
    fig.tight_layout()
    fig.savefig(out / "families.png")
    plt.close(fig)


def warmups(out: pathlib.Path) -> None:
    decay = lr.cosine(1e-3, 0, 900)
    schedules = {
        "warmup(s, 100)\nramp to s(0), then s from its start": lr.warmup(decay, 100),
        "warmup(s, 100, shift=False)\nramp, then s where it is by then": lr.warmup(decay, 100, shift=False),
        "s.shift(100)\nhold s(0), then s": decay.shift(100),
        "linear(0, 5e-4, 100) >> s\nany first piece, then s": lr.linear(0, 5e-4, 100) >> decay,
    }
    fig, axes = plt.subplots(2, 2, figsize=(10, 6), dpi=100, sharex=True, sharey=True)
    for ax, (text, s) in zip(axes.flat, schedules.items()):
        lr.plot(decay, s, steps=1000, ax=ax, labels=["s", text.split("\n")[0]], mark_boundaries=False)
        ax.lines[0].set(color="0.7", linestyle="--")  # s itself, for reference
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        ax.set_title(text, fontsize=9, family="monospace")
        ax.set_xlabel("")
        ax.set_ylabel("")
    for ax in axes[-1]:
        ax.set_xlabel("step t")
    fig.suptitle("Ways to start s = cosine(1e-3, 0, 900) (dashed: s itself)")
    fig.tight_layout()
    fig.savefig(out / "warmups.png")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=HERE, help="where to write the PNGs (default: docs/)")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for draw in (tour, families, warmups):
        draw(out)
    print(f"wrote tour.png, families.png and warmups.png to {out}")


if __name__ == "__main__":
    main()
