"""Pictures: ``lr.plot``, ``s.plot``, chain boundaries, and the terminal chart."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import lrdsl as lr
from lrdsl.ascii import chart
from lrdsl.plotting import boundaries, sample

S = lr.linear(0, 1e-3, 100) >> lr.cosine(1e-3, 1e-5, 900)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_draws_the_values_and_returns_fig_and_ax() -> None:
    fig, ax = lr.plot(S, steps=1000)
    (line,) = ax.get_lines()[:1]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1000))
    np.testing.assert_array_equal(line.get_ydata(), S.values(1000))
    assert fig is ax.figure


def test_chain_boundaries_are_vertical_lines() -> None:
    _, ax = S.plot(1000)
    vertical = [ln for ln in ax.get_lines()[1:] if ln.get_xdata()[0] == ln.get_xdata()[1]]
    assert [ln.get_xdata()[0] for ln in vertical] == [100]


def test_steps_defaults_to_the_duration_and_is_needed_without_one() -> None:
    _, ax = S.plot()
    assert len(ax.get_lines()[0].get_xdata()) == 1000
    with pytest.raises(lr.ScheduleError, match="steps is needed"):
        lr.constant(1).plot()


def test_several_schedules_labels_log_scale_and_given_axes() -> None:
    fig, ax0 = plt.subplots()
    fig2, ax = lr.plot(S, S * 0.5, steps=500, labels=["full", "half"], log=True, ax=ax0)
    assert ax is ax0 and fig2 is fig
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["full", "half"]


def test_wrong_arguments_are_errors() -> None:
    with pytest.raises(lr.ScheduleError, match="labels"):
        lr.plot(S, labels=["a", "b"])
    with pytest.raises(lr.ScheduleError, match="steps"):
        lr.plot(S, steps=0)
    with pytest.raises(TypeError):
        lr.plot(1.0)


def test_a_png_is_written(tmp_path) -> None:
    fig, _ = lr.plot(S)
    fig.savefig(tmp_path / "s.png")
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_boundaries_of_nested_chains_warmups_and_shifts() -> None:
    s = lr.warmup(lr.linear(1, 0, 10) >> lr.constant(0), 5).shift(100) + 1
    assert boundaries(s) == [100, 105, 115]
    assert boundaries(lr.chain(lr.constant(1), lr.constant(2), boundaries=[7])) == [7]
    assert boundaries(lr.constant(1)) == []


def test_long_runs_are_sampled_keeping_both_sides_of_each_jump() -> None:
    s = lr.chain(lr.constant(1), lr.constant(2), boundaries=[123_457])
    t, v = sample(s, 1_000_000)
    assert len(t) < 30_000
    assert {123_456, 123_457} <= set(t.tolist())
    np.testing.assert_array_equal(v, s(t))


def test_import_lrdsl_does_not_import_matplotlib() -> None:
    code = "import lrdsl, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lr_plot_stays_callable_once_the_plotting_module_is_imported() -> None:
    import lrdsl.plotting  # noqa: F401

    _, ax = lr.plot(S, steps=10)
    assert len(ax.get_lines()[0].get_xdata()) == 10


# -- the terminal chart -----------------------------------------------------------


def test_chart_has_the_asked_size_and_marks_boundaries() -> None:
    text = chart(S, 1000, width=50, height=10)
    lines = text.splitlines()
    assert len(lines) == 12
    assert all(len(line.split("|", 1)[1]) == 50 for line in lines[:10])
    axis = lines[10].split("+", 1)[1]
    assert axis.index("^") == 5  # step 100 of 1000, in 50 columns
    assert lines[0].split("|")[0].strip() == "0.001"
    assert lines[-1].rstrip().endswith("1000")


def test_chart_draws_a_rising_line_from_bottom_left_to_top_right() -> None:
    lines = chart(lr.linear(0, 1, 100), 100, width=20, height=5).splitlines()
    assert lines[4].split("|")[1][0] == "*"
    assert lines[0].split("|")[1][-1] == "*"


def test_chart_of_a_constant_is_one_row() -> None:
    rows = chart(lr.constant(3), 10, width=10, height=4).splitlines()[:4]
    assert sum("*" in r for r in rows) == 1
