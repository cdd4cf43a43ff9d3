"""The ``lrdsl`` command, run as a subprocess (as a user runs it)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import lrdsl as lr

S = "linear(0, 1e-3, 1_000) >> cosine(1e-3, 1e-5, 9_000)"


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lrdsl", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        timeout=120,
    )


def test_show_prints_the_summary_and_a_chart() -> None:
    r = run("show", S)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "schedule  linear(0, 0.001, 1000) >> cosine(0.001, 1e-05, 9000)"
    assert lines[1] == "duration  10000 steps"
    assert "start     0  at t=0" in lines
    assert "peak      0.001  at t=1000" in lines
    assert "end       1e-05  at t=9999" in lines
    assert "  t=1000      0.000999 -> 0.001" in lines
    assert any(line.rstrip().endswith("|" + "*" * 0) or "*" in line for line in lines[-14:])
    assert "^" in lines[-2]


def test_show_needs_steps_for_a_schedule_without_an_end() -> None:
    r = run("show", "exponential(1, 0.99)")
    assert r.returncode == 2 and "give --steps N" in r.stderr
    assert run("show", "exponential(1, 0.99)", "--steps", "100").returncode == 0


def test_values_as_csv_and_json() -> None:
    r = run("values", "multistep(0.1, [3, 6], gamma=0.1)", "--steps", "8")
    assert r.returncode == 0
    rows = r.stdout.splitlines()
    assert rows[0] == "step,value" and len(rows) == 9
    assert [float(x.split(",")[1]) for x in rows[1:]] == lr.multistep(0.1, [3, 6], gamma=0.1).values(8).tolist()
    r = run("values", S, "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["steps"] == 10_000 and doc["values"] == lr.parse(S).values(10_000).tolist()


def test_plot_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "s.png"
    r = run("plot", S, "cosine(1e-3, 0, 10_000)", "--log", "-o", str(out))
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (800, 450)
    assert len(data) > 10_000


def test_expr_from_json_and_text_files_and_stdin(tmp_path: Path) -> None:
    s = lr.parse(S)
    (tmp_path / "s.json").write_text(json.dumps(s.to_dict()))
    (tmp_path / "s.txt").write_text("# my schedule\n" + S.replace(">>", "\n  >>") + "\n")
    for expr in ("@s.json", "@s.txt"):
        r = run("values", expr, "-n", "5", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    assert run("show", "-", stdin=S).stdout.startswith("schedule  linear(0, 0.001, 1000)")


def test_a_bad_expression_prints_the_caret_and_exits_2() -> None:
    r = run("show", "warmup(cosin(1e-3, 0, 10), 5)")
    assert r.returncode == 2
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert r.stderr.splitlines() == [
        "lrdsl: error: unknown schedule 'cosin' (did you mean cosine or chain?) (line 1, column 8)",
        "  warmup(cosin(1e-3, 0, 10), 5)",
        "         ^^^^^",
    ]


def test_bad_files_and_documents_exit_2_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"lrdsl": 9, "schedule": {}}')
    (tmp_path / "broken.json").write_text("{")
    for expr in ("@missing.txt", "@bad.json", "@broken.json", "__import__('os')"):
        r = run("values", expr, "-n", "3", cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.startswith("lrdsl: error:") and "Traceback" not in r.stderr


def test_help_has_examples_and_bad_usage_exits_2() -> None:
    r = run("--help")
    assert r.returncode == 0 and "examples:" in r.stdout and "lrdsl show" in r.stdout
    assert run("show", "--help").returncode == 0
    assert run("show", S, "--steps", "0").returncode == 2
    assert run("frobnicate").returncode == 2


def test_names_lists_the_language() -> None:
    r = run("names")
    assert "cosine(start, end, steps, *, exponent=1.0, periodic=False)" in r.stdout.splitlines()


def test_show_samples_a_schedule_of_ten_billion_steps() -> None:
    r = run("show", "cosine(1, 0, 10**10)", "--width", "30", "--height", "5")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[2] == "shown     steps 0 .. 9999999999 (sampled: 4,000 steps evenly spaced, and both sides of every boundary)"
    assert lines[-1].endswith("10000000000")


def test_a_json_document_with_a_key_given_twice_exits_2(tmp_path: Path) -> None:
    (tmp_path / "twice.json").write_text('{"lrdsl": 1, "schedule": {"op": "constant", "value": 1, "value": 2}}')
    r = run("show", "@twice.json", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr == "lrdsl: error: twice.json: the key 'value' appears twice in one object\n"


def test_values_as_json_are_streamed_as_one_document() -> None:
    r = run("values", "exponential(1, 2.0)", "--steps", "1100", "--format", "json")
    doc = json.loads(r.stdout)
    assert len(doc["values"]) == 1100 and doc["values"][-1] == "inf"
