"""The errors lrdsl raises."""

from __future__ import annotations

__all__ = ["ScheduleError", "ParseError"]


class ScheduleError(ValueError):
    """A schedule was built with bad parameters or evaluated at a bad time.

    The message names the function, the parameter, the value and the rule, as in
    ``cosine: steps must be > 0, got 0``.
    """


class ParseError(ScheduleError):
    """Text that is not a schedule: the message gives the line, the column, the
    offending line and a caret under the spot."""

    def __init__(self, message: str, text: str = "", line: int = 0, column: int = 0) -> None:
        self.message, self.text, self.line, self.column = message, text, line, column
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.line:
            return self.message
        lines = self.text.splitlines() or [""]
        src = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        return f"{self.message} (line {self.line}, column {self.column})\n  {src}\n  {' ' * max(self.column - 1, 0)}^"
