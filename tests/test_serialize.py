"""Schedules as data: ``s.to_dict()`` / ``lr.from_dict(d)`` (DESIGN.md section 4)."""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

import lrdsl as lr
from lrdsl.serialize import FORMAT_VERSION, MAX_DEPTH

from .strategies import LAMBDAS, schedules

T = np.concatenate([np.arange(0, 1200), [1e4, 123456.5, 0.25]])


def through_json(s: lr.Schedule) -> lr.Schedule:
    return lr.from_dict(json.loads(json.dumps(s.to_dict(), allow_nan=False)))


@settings(max_examples=100, deadline=None)
@given(schedules())
def test_from_dict_of_json_of_to_dict_is_the_schedule(s: lr.Schedule) -> None:
    back = through_json(s)
    assert back == s
    assert str(back) == str(s)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(back(T), s(T))


def test_the_document_is_versioned_and_names_each_node_by_its_text_name() -> None:
    d = (lr.linear(0, 1e-3, 1000) >> lr.cosine(1e-3, 1e-5, 99_000)).to_dict()
    assert d == {
        "lrdsl": FORMAT_VERSION,
        "schedule": {
            "op": "chain",
            "pieces": [
                {"op": "linear", "start": 0, "end": 0.001, "steps": 1000},
                {
                    "op": "cosine",
                    "start": 0.001,
                    "end": 1e-05,
                    "steps": 99000,
                    "exponent": 1.0,
                    "periodic": False,
                },
            ],
            "boundaries": None,
        },
    }


def test_ints_stay_ints_and_floats_stay_floats() -> None:
    back = through_json(lr.step(1, 30, gamma=0.5))
    assert type(back.start) is int and type(back.step_size) is int and type(back.gamma) is float


def test_a_registered_lambda_is_saved_by_name() -> None:
    s = 1e-3 * lr.lambda_(LAMBDAS["strategies_ramp"])
    assert s.to_dict()["schedule"]["factors"][1] == {"op": "lambda_", "name": "strategies_ramp"}
    assert through_json(s) == s


def test_an_unregistered_lambda_cannot_be_saved() -> None:
    with pytest.raises(lr.ScheduleError, match="register"):
        lr.lambda_(lambda t: t).to_dict()


def test_a_lambda_named_but_not_registered_under_that_name_cannot_be_saved() -> None:
    with pytest.raises(lr.ScheduleError, match="not registered as 'nowhere'"):
        lr.lambda_(LAMBDAS["strategies_ramp"], name="nowhere").to_dict()


# -- broken documents: clear errors, never a half-built schedule ---------------------

GOOD = lr.warmup(lr.cosine(1e-3, 0, 100), 10).to_dict()


def broken(edit: Any) -> dict[str, Any]:
    d = copy.deepcopy(GOOD)
    edit(d)
    return d


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("not a dict", "expected a dict, got str"),
        ([], "expected a dict, got list"),
        ({}, "not an lrdsl document"),
        ({"lrdsl": 1}, "not an lrdsl document"),
        (broken(lambda d: d.update(lrdsl=3)), "unknown format version 3"),
        (broken(lambda d: d.update(lrdsl="1")), "unknown format version '1'"),
        (broken(lambda d: d.update(lrdsl=True)), "unknown format version True"),
        (broken(lambda d: d.update(lrdsl=1.0)), "unknown format version 1.0"),
        (broken(lambda d: d.update(schedule=3)), "schedule must be a node"),
        (broken(lambda d: d["schedule"].update(op="warmpu")), "schedule.op 'warmpu' is not a schedule"),
        (broken(lambda d: d["schedule"].pop("op")), "schedule has no 'op'"),
        (broken(lambda d: d["schedule"].update(op=["warmup"])), "is not a schedule"),
        (
            broken(lambda d: d["schedule"]["schedule"].pop("steps")),
            "schedule.schedule (cosine) is missing the field 'steps'",
        ),
        (broken(lambda d: d["schedule"].update(colour="red")), "has unknown fields ['colour']"),
        (
            broken(lambda d: d["schedule"]["schedule"].update(steps=-1)),
            "schedule.schedule (cosine): cosine: steps must be >= 0, got -1",
        ),
        (
            broken(lambda d: d["schedule"]["schedule"].update(steps="10")),
            "schedule.schedule (cosine): cosine: steps must be a number",
        ),
        (
            broken(lambda d: d["schedule"]["schedule"].update(steps=True)),
            "steps must be a number, got the bool True",
        ),
        (
            broken(lambda d: d["schedule"]["schedule"].update(steps=float("nan"))),
            "steps must be a finite number",
        ),
        (
            broken(lambda d: d["schedule"]["schedule"].update(steps={"x": 1})),
            "schedule.schedule.steps has no 'op'",
        ),
        (broken(lambda d: d["schedule"].update(schedule=[1, 2])), "warmup: schedule must be a schedule"),
        (broken(lambda d: d["schedule"].update(shifted="yes")), "shift must be True or False"),
        ({"lrdsl": 1, "schedule": {"op": "lambda_"}}, "name must be a registered name"),
        ({"lrdsl": 1, "schedule": {"op": "lambda_", "name": "nope"}}, "no function is registered as 'nope'"),
        (
            {"lrdsl": 1, "schedule": {"op": "lambda_", "name": "strategies_ramp", "fn": "x"}},
            "unknown fields ['fn']",
        ),
        (
            {"lrdsl": 1, "schedule": {"op": "constant", "value": 1 + 2j}},
            "schedule.value must be a number, a string, a list or a node",
        ),
        (
            {"lrdsl": 1, "schedule": {"op": "piecewise", "boundaries": [2, 1], "levels": [1, 2, 3]}},
            "non-decreasing",
        ),
    ],
)
def test_a_broken_document_is_a_clear_error(doc: Any, message: str) -> None:
    with pytest.raises(lr.ScheduleError) as info:
        lr.from_dict(doc)
    assert message in str(info.value)
    assert str(info.value).startswith("from_dict:")


def test_a_document_nested_too_deeply_is_an_error_not_a_recursion_error() -> None:
    node: dict[str, Any] = {"op": "constant", "value": 1}
    for _ in range(10 * MAX_DEPTH):
        node = {"op": "shift", "schedule": node, "n": 1}
    with pytest.raises(lr.ScheduleError, match="nested more than"):
        lr.from_dict({"lrdsl": 1, "schedule": node})


def test_to_dict_is_json_safe_without_nan_or_infinity() -> None:
    s = lr.exponential(1, 2.0, end=1e300).clip(hi=5) * lr.chain(
        lr.constant(1), lr.constant(2), boundaries=[3]
    )
    json.dumps(s.to_dict(), allow_nan=False)
