"""Options are keyword-only: required parameters by position, every parameter with a
default by keyword, in Python and in the text form (DESIGN.md section 2). A call with
the wrong arguments is a ``TypeError`` (a ``ParseError`` in text) giving the form."""

from __future__ import annotations

import inspect

import pytest

import lrdsl as lr
from lrdsl.registry import language

COSINE_FORM = "cosine(start, end, steps, *, exponent=1.0, periodic=False)"


def _options(fn: object, skip_first: bool = False) -> list[inspect.Parameter]:
    params = list(inspect.signature(fn).parameters.values())  # type: ignore[arg-type]
    return [p for p in params[1 if skip_first else 0 :] if p.default is not inspect.Parameter.empty]


@pytest.mark.parametrize("name", sorted(n for n, f in language().items() if f.kind == "call"))
def test_every_option_of_a_call_is_keyword_only(name: str) -> None:
    fn = getattr(lr, name)  # the Python name of the text form's call
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in _options(fn))


@pytest.mark.parametrize("name", ["shift", "per_epoch", "repeat", "round", "floor", "ceil"])
def test_every_option_of_a_method_is_keyword_only(name: str) -> None:
    method = getattr(lr.Schedule, name)
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in _options(method, skip_first=True))


def test_clip_takes_its_bounds_by_position_as_numpy_clip_does() -> None:
    s = lr.constant(1.0)
    assert s.clip(0.0, 0.5) == s.clip(lo=0.0, hi=0.5)


def test_a_thousands_comma_in_text_is_an_error_not_an_option() -> None:
    with pytest.raises(lr.ParseError) as e:
        lr.parse("cosine(1e-3, 1e-5, 99,500)")
    assert e.value.message == f"cosine: too many positional arguments; the form is {COSINE_FORM}"


def test_an_option_given_by_position_in_python_is_a_type_error_with_the_form() -> None:
    with pytest.raises(TypeError) as e:
        lr.cosine(1e-3, 1e-5, 99, 500)  # type: ignore[misc]
    assert str(e.value) == f"cosine: too many positional arguments; the form is {COSINE_FORM}"


def test_a_missing_argument_in_python_is_a_type_error_with_the_form() -> None:
    with pytest.raises(TypeError) as e:
        lr.cosine(1e-3, 0)  # type: ignore[call-arg]
    assert str(e.value) == f"cosine: missing a required argument: 'steps'; the form is {COSINE_FORM}"


def test_an_unknown_keyword_in_python_is_a_type_error_with_the_form() -> None:
    with pytest.raises(TypeError) as e:
        lr.step(1.0, 10, gama=0.5)  # type: ignore[call-arg]
    assert str(e.value) == "step: got an unexpected keyword argument 'gama'; the form is step(start, step_size, *, gamma=0.1)"


def test_the_node_classes_say_the_form_under_the_languages_name() -> None:
    with pytest.raises(TypeError) as e:
        lr.Warmup(lr.constant(1.0), 10, 0.1)  # type: ignore[misc]
    assert str(e.value) == (
        "warmup: too many positional arguments; the form is warmup(schedule, steps, *, start=0.0, shift=True, inclusive=False)"
    )


def test_a_family_function_says_its_form() -> None:
    with pytest.raises(TypeError) as e:
        lr.onecycle(1.0, 100, 0.3)  # type: ignore[misc]
    assert str(e.value) == (
        "onecycle: too many positional arguments; the form is onecycle(peak, total_steps, *, pct_start=0.3,"
        " div_factor=25.0, final_div_factor=10000.0, anneal='cos', three_phase=False)"
    )


def test_chain_says_its_form() -> None:
    with pytest.raises(TypeError) as e:
        lr.chain(lr.linear(0, 1, 10), lr.constant(1.0), bounds=[10])  # type: ignore[call-arg]
    assert str(e.value) == (
        "chain: got an unexpected keyword argument 'bounds'; the form is chain(s1, s2, ..., *, boundaries=None)"
    )


def test_a_method_given_an_option_by_position_says_its_form() -> None:
    with pytest.raises(TypeError) as e:
        lr.constant(1.0).per_epoch(10, False)  # type: ignore[misc]
    assert str(e.value) == "wrong arguments for .per_epoch(): the form is s.per_epoch(steps_per_epoch, *, staircase=True)"


def test_a_method_in_text_says_the_same_form() -> None:
    with pytest.raises(lr.ParseError) as e:
        lr.parse("constant(1.0).per_epoch(10, False)")
    assert e.value.message == "wrong arguments for .per_epoch(): the form is s.per_epoch(steps_per_epoch, *, staircase=True)"


def test_a_wrong_type_keeps_its_own_message() -> None:
    with pytest.raises(TypeError) as e:
        lr.cosine("a", 0.0, 10)  # type: ignore[arg-type]
    assert str(e.value) == "cosine: start must be a number, got str 'a'"


def test_options_by_keyword_build_and_print_as_keywords() -> None:
    s = lr.exponential(1.0, 0.5, every=10, staircase=True)
    assert str(s) == "exponential(1.0, 0.5, every=10, staircase=True)"
    assert lr.parse(str(s)) == s


def test_the_signature_of_a_node_class_is_its_constructors() -> None:
    params = inspect.signature(lr.Cosine).parameters.values()
    assert [(p.name, p.kind.name) for p in params] == [
        ("start", "POSITIONAL_OR_KEYWORD"),
        ("end", "POSITIONAL_OR_KEYWORD"),
        ("steps", "POSITIONAL_OR_KEYWORD"),
        ("exponent", "KEYWORD_ONLY"),
        ("periodic", "KEYWORD_ONLY"),
    ]
