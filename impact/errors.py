"""Exceptions and warnings raised by impact.

Every user-facing failure is an :class:`ImpactError` carrying a list of :class:`Issue` records,
each rendered on one line as ``file:line:col: dotted.key.path: what is wrong (got X); how to fix``.
The CLI prints them and exits with status 2; notebooks see the same text in the exception.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


@dataclass(frozen=True)
class Issue:
    """One problem found in the user's input."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = f"{self.path}: " if self.path else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{where}{key}{self.message}{hint}"


class ImpactError(Exception):
    """Base class for errors caused by the user's input; carries one or more issues."""

    exit_code = 2

    def __init__(self, issues: list[Issue] | Issue | str) -> None:
        if isinstance(issues, str):
            issues = [Issue(issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__(self.render())

    def __reduce__(self) -> tuple[object, ...]:  # pickles with its issues (worker processes, joblib)
        return (type(self), (list(self.issues),))

    def render(self) -> str:
        """Every issue on its own line, ``file:line:col: key.path: problem; fix`` (what the CLI prints)."""
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} found" if n > 1 else ""
        lines = [str(i) for i in self.issues]
        return "\n".join(([head] if head else []) + lines)


class AssumptionError(ImpactError):
    """The assumption files are malformed or inconsistent."""


class DataError(ImpactError):
    """A data series (bundled or user-supplied) is missing or malformed."""


class OutputError(ImpactError):
    """The output file cannot be written."""


class UsageError(ImpactError, ValueError):
    """Invalid command-line usage or API arguments (also a ``ValueError``)."""


class ImpactWarning(UserWarning):
    """Base class for impact warnings."""


class PlausibilityWarning(ImpactWarning):
    """A value lies inside its hard bounds but outside its plausible range."""


class EstimationWarning(ImpactWarning):
    """An estimator did not behave (e.g. failed to converge); a documented fallback was used."""


class SampleSizeWarning(ImpactWarning):
    """A sample is too small for stable results (e.g. Sobol indices)."""


def user_stacklevel() -> int:
    """The ``stacklevel`` for :func:`warnings.warn` that attributes a warning to the first frame outside
    the impact package: the user's script or notebook cell, however many impact functions lie in
    between (a fixed level pointed into impact when a public function was reached through another,
    e.g. ``model.sensitivity(method="sobol")`` reaching ``sensitivity.sobol``).  Call it in the
    argument list of ``warnings.warn``."""
    frame = sys._getframe(1)  # the function that warns
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level

