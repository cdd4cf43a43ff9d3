"""The examples in the docstrings and the README run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import pathlib
import re

import pytest

import lrdsl as lr

MODULES = ["lrdsl", "lrdsl.primitives", "lrdsl.combinators", "lrdsl.families", "lrdsl.text", "lrdsl.serialize"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    globs = {name: getattr(lr, name) for name in lr.__all__}
    globs["lr"] = lr
    result = doctest.testmod(module, extraglobs=globs, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0


def test_readme_doctest_block() -> None:
    text = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(>>> .*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        test = doctest.DocTestParser().get_doctest(block, {"lr": lr}, "README", "README.md", 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(test)
        assert runner.failures == 0
