"""Results side by side: :func:`compare` builds a :class:`~impact.results.ComparisonResult`.

It lays several results next to each other:

* :class:`~impact.results.ScenarioResult` / :class:`~impact.results.MonteCarloResult` - cumulative
  impact by channel (US$ bn, negative = loss), central value and, for Monte Carlo results, P5, P50, P95;
* :class:`~impact.results.EstimateResult` / :class:`~impact.results.ChannelFit` - coefficients
  with standard errors in parentheses, one column per model (like linearmodels' ``compare``).

This module never prints and never imports matplotlib (plots are in :mod:`impact.plotting`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import Issue, UsageError
from .results.comparison import ESTIMATE_TYPES, IMPACT_TYPES, ComparisonResult


def compare(results: Mapping[str, Any] | Sequence[Any]) -> ComparisonResult:
    """Lay several results side by side.

    ``results`` maps a column name to a result: all :class:`~impact.results.ScenarioResult` /
    :class:`~impact.results.MonteCarloResult` (cumulative impacts by channel), or all
    :class:`~impact.results.EstimateResult` / :class:`~impact.results.ChannelFit`
    (coefficients with standard errors).  A list is accepted too; its names are the scenario,
    channel or model names.
    """
    if not isinstance(results, Mapping):
        items: dict[str, Any] = {}
        for r in results:
            base = str(getattr(r, "scenario", None) or getattr(r, "channel", None) or getattr(r, "name", None)
                       or type(r).__name__)
            name, i = base, 2
            while name in items:
                name, i = f"{base} ({i})", i + 1
            items[name] = r
        results = items
    results = dict(results)
    if not results:
        raise UsageError(Issue("compare() needs at least one result"))
    if all(isinstance(r, IMPACT_TYPES) for r in results.values()):
        kind = "impacts"
    elif all(isinstance(r, ESTIMATE_TYPES) for r in results.values()):
        kind = "estimates"
    else:
        got = ", ".join(sorted({type(r).__name__ for r in results.values()}))
        raise UsageError(Issue(f"cannot compare these results (got {got})",
                               hint="pass only ScenarioResult/MonteCarloResult, or only EstimateResult/ChannelFit"))
    return ComparisonResult(kind, results)


__all__ = ["compare"]
