"""Checks that need more than one value or more than one file, each a small function with its message.

(Checks of single values live where the value is read; checks against the data are in
:mod:`impact.data_rules`.)
"""
from __future__ import annotations

from collections.abc import Mapping

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


def starts_within_horizon(v: Reader, scenarios: Mapping[str, Scenario], settings: Settings) -> list[Issue]:
    """Every shock starts inside the simulated years; reported at the ``start:`` that set it (once, not
    for every scenario that inherits it)."""
    issues = []
    first, last = settings.base_year + 1, settings.base_year + settings.horizon
    marks = v.doc.marks
    for sc in scenarios.values():
        for sh in sc.shocks.values():
            if sh.start is None or first <= sh.start <= last:
                continue
            where, path = (sh.location.line, sh.location.column), f"{sc.name}.shocks.{sh.name}.start"
            for step in reversed(sh.overridden_by):
                if (step, "shocks", sh.name, "start") in marks:
                    where, path = marks[(step, "shocks", sh.name, "start")], f"{step}.shocks.{sh.name}.start"
                    break
            issues.append(Issue(f"start year {sh.start} is outside the horizon", file=sh.location.file,
                                line=where[0], column=where[1], path=path, hint=f"allowed: {first} to {last}"))
    return issues
