"""Errors a user can act on: each names the file and the row, column or key at fault.

Everything that is the user's fault (bad files, bad options) is an `InputError`; the CLI
prints its message in one block and exits with code 2, without a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass

from .text import escape_controls


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    source: str  # file (or "firms (DataFrame)") the problem is in
    message: str
    row: str | None = None  # e.g. "line 4" in a CSV, "row 4" in a sheet or a frame
    column: str | None = None  # a table column
    key: str | None = None  # a dotted YAML key, e.g. "economics.carbon_price"

    def __str__(self) -> str:
        """One line; control characters a file put into it are shown escaped, so that an ESC
        or BEL in a header cannot drive the terminal the message is printed on."""
        where = self.source
        if self.row is not None:
            where += f", {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        if self.key is not None:
            where += f", key {self.key}"
        return escape_controls(f"{where}: {self.message}")


class SymbiosisError(Exception):
    """Base class of the errors symbiosis raises on purpose."""


class InputError(SymbiosisError):
    """Bad input: one or more problems, reported together (exit code 2)."""

    MAX_SHOWN = 25

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(self._format())

    def _format(self) -> str:
        shown = [str(p) for p in self.problems[: self.MAX_SHOWN]]
        hidden = len(self.problems) - len(shown)
        if hidden > 0:
            shown.append(f"... and {hidden} more problem(s)")
        return "\n".join(shown)


class UnsupportedError(InputError):
    """Input that is valid but asks for something this version cannot do yet (exit code 2)."""


class SolverUnavailableError(SymbiosisError):
    """The requested solver is not installed or not licensed here (exit code 2)."""


def raise_if(problems: list[Problem]) -> None:
    """Raise one InputError carrying all problems, if there are any."""
    if problems:
        raise InputError(problems)
