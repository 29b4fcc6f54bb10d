"""The exceptions a user sees. The CLI maps them to exit codes (bad input: 2, anything else: 1)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, row, column) and what was expected.

    ``row`` is the 1-based line of the data row in the file as a spreadsheet shows it (the
    header is row 1), or None when the problem concerns the whole file or a column.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class ToolkitError(Exception):
    """Base class of the toolkit's errors; its message is meant for the user."""

    exit_code = 1


class BadInputError(ToolkitError):
    """An input file or parameter is wrong. Carries every problem found, not only the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem | str, file: str = "input"):
        if isinstance(problems, str):
            problems = [Problem(file=file, message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems found:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class UnknownRegionError(BadInputError):
    """A region id or code that neither the reference table nor the regions of analysis know."""


class MissingDataError(ToolkitError):
    """The data needed for a computation is absent (for example no rows for the asked year)."""
