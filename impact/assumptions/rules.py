"""Checks that need more than one value or more than one file, each a small function with its message.

(Checks of single values live where the value is read; checks against the data are in
:mod:`impact.data_rules`.)
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import Issue
from .objects import Correlation, Scenario, Settings
from .reader import Reader


def correlations_consistent(v: Reader, cors: list[Correlation]) -> None:
    """The rank correlations must be able to hold together: a positive semi-definite matrix."""
    if not cors:
        return
    names = sorted({c.a for c in cors} | {c.b for c in cors})
    idx = {n: i for i, n in enumerate(names)}
    m = np.eye(len(names))
    for c in cors:
        m[idx[c.a], idx[c.b]] = m[idx[c.b], idx[c.a]] = c.rho
    eig = np.linalg.eigvalsh(m)
    if eig.min() < -1e-10:
        v.err(("correlations",), f"the rank-correlation matrix is not positive semi-definite "
              f"(smallest eigenvalue {eig.min():.3g})", "these correlations cannot hold together; reduce their sizes")


#: the earliest date a shock may start (the lowest base year the schema accepts)
EARLIEST_START = 2000


def _date_problem(date: Any, last: int) -> str | None:
    if date.year > last:
        return f"{date.isoformat()} is outside the horizon"
    if date.year < EARLIEST_START:
        return f"{date.isoformat()} is before {EARLIEST_START}"
    return None


def _date_hint(settings: Settings) -> str:
    first, last = settings.years[0], settings.years[-1]
    return (f"allowed: a date from {EARLIEST_START}-01-01 to {last}-12-31 (the simulated years are {first} to {last}; "
            f"a date before {first} means the shock is already in place when they begin)")


def dates_within_horizon(v: Reader, sv: Reader, scenarios: Mapping[str, Scenario], settings: Settings) -> list[Issue]:
    """settings.event_date and every shock's start fall before the end of the simulated years (an
    earlier date is fine: the shock is then in place from the first simulated year); a start is
    reported at the ``start:`` that set it (once, not for every scenario that inherits it).  ``v``
    reads scenarios.yaml, ``sv`` settings.yaml."""
    issues = []
    last = settings.years[-1]
    bad = _date_problem(settings.event_date, last)
    if bad:
        line, col = sv.doc.where(("settings", "event_date"))
        issues.append(Issue(f"the event date {bad}", file=sv.doc.file, line=line, column=col,
                            path="settings.event_date", hint=_date_hint(settings)))
    marks = v.doc.marks
    for sc in scenarios.values():
        for sh in sc.shocks.values():
            bad = None if sh.start is None else _date_problem(sh.start, last)
            if bad is None:
                continue
            where, path = (sh.location.line, sh.location.column), f"{sc.name}.shocks.{sh.name}.start"
            explicit = False
            for step in reversed(sh.overridden_by):
                if (step, "shocks", sh.name, "start") in marks:
                    where, path = marks[(step, "shocks", sh.name, "start")], f"{step}.shocks.{sh.name}.start"
                    explicit = True
                    break
            if not explicit:  # the start is the event date: reported there
                continue
            issues.append(Issue(f"start {bad}", file=sh.location.file, line=where[0], column=where[1], path=path,
                                hint=_date_hint(settings)))
    return list({str(i): i for i in issues}.values())
