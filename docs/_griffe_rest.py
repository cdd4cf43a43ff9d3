"""A Griffe extension for the API pages: the docstrings are written for ``help()``
and doctest (reST roles, ``>>>`` examples); on the site, each run of ``>>>`` lines
and their output becomes a ``pycon`` code block, and ``:class:`X``` a code span."""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|data|meth|mod|attr|exc|obj):`~?([^`]+)`")


def _fence_examples(text: str) -> str:
    out: list[str] = []
    block: list[str] = []
    indent = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            if not block:
                indent = line[: len(line) - len(stripped)]
            block.append(line[len(indent) :])
            continue
        if block and stripped and line.startswith(indent):
            block.append(line[len(indent) :])  # a continuation, or the output of the example above
            continue
        if block:
            out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
            block = []
        out.append(line)
    if block:
        out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
    return "\n".join(out)


class RestToMarkdown(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _fence_examples(_ROLE.sub(r"`\1`", obj.docstring.value))
