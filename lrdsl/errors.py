"""The errors lrdsl raises."""

from __future__ import annotations

__all__ = ["ScheduleError", "ParseError"]


class ScheduleError(ValueError):
    """A schedule was built with bad parameters or evaluated at a bad time.

    The message names the function, the parameter, the value and the rule, as in
    ``cosine: steps must be > 0, got 0``.
    """


class ParseError(ScheduleError):
    """Text that is not a schedule.

    ``str(err)`` is the message, then where it happened (line and column, both
    counted from 1), the offending line and a caret under the spot (a run of
    carets under the whole offending expression when it fits on the line)::

        unknown name 'cosin' (did you mean cosine?) (line 1, column 1)
          cosin(1, 0, 10)
          ^^^^^

    Attributes: ``message`` (the bare message), ``text`` (the whole text),
    ``line`` and ``column`` (``0`` when the error has no position, as for empty
    text) and ``end_column`` (one past the last column underlined).
    """

    #: Lines longer than this are shown as a window around the column.
    _WINDOW = 76

    def __init__(
        self, message: str, text: str = "", line: int = 0, column: int = 0, end_column: int | None = None
    ) -> None:
        self.message, self.text, self.line, self.column = message, text, line, column
        self.end_column = end_column
        super().__init__(self._render())

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str, int, int, int | None]]:
        return type(self), (self.message, self.text, self.line, self.column, self.end_column)

    def _render(self) -> str:
        if not self.line:
            return self.message
        lines = self.text.split("\n")
        src = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        col = max(self.column - 1, 0)
        end = self.end_column - 1 if self.end_column is not None else col + 1
        end = min(max(end, col + 1), max(len(src), col + 1))
        # A window around the column when the line is long (a 100,000-character line
        # should not flood the terminal).
        lo = 0
        if len(src) > self._WINDOW:
            lo = max(0, min(col - self._WINDOW // 3, len(src) - self._WINDOW))
            hi = lo + self._WINDOW
            shown = ("..." if lo else "") + src[lo:hi] + ("..." if hi < len(src) else "")
            pad = 3 if lo else 0
            end = min(end, hi)
        else:
            shown, pad = src, 0
        # Keep tabs under tabs, so the caret lines up in a terminal.
        lead = "".join(c if c == "\t" else " " for c in src[lo:col])
        carets = "^" * max(1, end - col)
        shown = "".join(c if c.isprintable() or c == "\t" else "?" for c in shown)
        return (
            f"{self.message} (line {self.line}, column {self.column})\n  {shown}\n  {' ' * pad}{lead}{carets}"
        )
