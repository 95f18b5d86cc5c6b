"""The headline: the simulated distribution of the cumulative impact, the deterministic run placed
in it, the probability of losses beyond thresholds and the probability-weighted expectation.

Why the distribution leads: the deterministic run sets every input at its most likely value (the
mode).  Many inputs have skewed (PERT) distributions whose mean lies beyond the mode, so that run
is not the typical outcome; its percentile in the simulated distribution says how far off it is.

Money is US$ bn, cumulative over the horizon, negative = loss; a *loss* is minus the total, so
"P(loss > 10)" is the share of draws whose total is below -10.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: quantiles of the headline table, and their column names
QUANTILES = (0.05, 0.10, 0.50, 0.90, 0.95)
COLUMNS = ["scenario", "label", "channel", "weight", "p50", "mean", "p5", "p10", "p90", "p95", "deterministic",
           "deterministic_percentile"]


def percentile_of(draws: np.ndarray, value: float) -> float:
    """Where ``value`` sits in ``draws``, as a fraction 0-1: the share of draws below it plus half
    of those equal to it (the mid-rank convention, so a value equal to every draw sits at 0.5)."""
    d = np.asarray(draws, dtype=float)
    below = np.count_nonzero(d < value)
    equal = np.count_nonzero(d == value)
    return float((below + 0.5 * equal) / d.size)


def _row(name: str, run: Any, ch: str, det: float, mc: Any) -> dict[str, Any]:
    row = {"scenario": name, "label": run.label, "channel": ch, "weight": float(run.weight), "deterministic": det}
    if mc is None:
        return row | {k: np.nan for k in ("p50", "mean", "p5", "p10", "p90", "p95", "deterministic_percentile")}
    d = mc.cumulative_draws(ch)
    q = np.quantile(d, QUANTILES)
    return row | {"p50": float(q[2]), "mean": float(d.mean()), "p5": float(q[0]), "p10": float(q[1]),
                  "p90": float(q[3]), "p95": float(q[4]), "deterministic_percentile": percentile_of(d, det)}


def headline(runs: Mapping[str, Any], montecarlo: Mapping[str, Any], channels: Sequence[str]) -> pd.DataFrame:
    """Cumulative impact by scenario (baseline left out: zero by construction) and channel plus
    ``total``: Monte Carlo median, mean, P5, P10, P90, P95 (US$ bn; NaN without a Monte Carlo), the
    deterministic run and its percentile in the draws (fraction 0-1), the scenario's weight."""
    rows = []
    for name, run in runs.items():
        if name == "baseline":
            continue
        cum = run.cumulative
        for ch in [*channels, "total"]:
            rows.append(_row(name, run, ch, float(cum[ch]), montecarlo.get(name)))
    return pd.DataFrame(rows, columns=COLUMNS)


def exceedance(runs: Mapping[str, Any], montecarlo: Mapping[str, Any],
               thresholds: Sequence[float]) -> pd.DataFrame:
    """P(cumulative loss > threshold) for each scenario with a Monte Carlo and, when weights are
    set, the probability-weighted mixture (scenario ``"weighted"``): the share of draws whose total
    is below ``-threshold``, and for the mixture the weighted sum of those shares."""
    rows = []
    wsum = sum(run.weight for n, run in runs.items() if n in montecarlo and n != "baseline")
    mix = np.zeros(len(thresholds))
    for name, mc in montecarlo.items():
        if name == "baseline":
            continue
        total = mc.cumulative_draws("total")
        p = np.array([np.count_nonzero(total < -t) / total.size for t in thresholds])
        for t, pr in zip(thresholds, p):
            rows.append({"scenario": name, "label": runs[name].label, "threshold": float(t), "probability": float(pr)})
        if wsum > 0:
            mix += runs[name].weight / wsum * p
    if wsum > 0 and rows:
        rows += [{"scenario": "weighted", "label": "Probability-weighted (scenario weights)", "threshold": float(t),
                  "probability": float(pr)} for t, pr in zip(thresholds, mix)]
    return pd.DataFrame(rows, columns=["scenario", "label", "threshold", "probability"])


def reconciliation(runs: Mapping[str, Any], montecarlo: Mapping[str, Any]) -> pd.DataFrame:
    """How the probability-weighted expected total is built: per scenario with a weight, its weight
    (normalised to sum to 1), Monte Carlo mean and deterministic total and their weighted
    contributions; a last row ``"expected"`` sums the contributions.  Its ``mean_contribution`` is
    the expected impact; its ``deterministic_contribution`` is what weighting the deterministic runs
    would give instead (lower in magnitude when skewed inputs put the mean beyond the mode)."""
    names = [n for n, r in runs.items() if n != "baseline" and r.weight > 0 and n in montecarlo]
    wsum = sum(runs[n].weight for n in names)
    rows = []
    for n in names:
        w = runs[n].weight / wsum
        mean = float(montecarlo[n].cumulative_draws("total").mean())
        det = float(runs[n].cumulative["total"])
        rows.append({"scenario": n, "label": runs[n].label, "weight": w, "mean": mean, "deterministic": det,
                     "mean_contribution": w * mean, "deterministic_contribution": w * det})
    if rows:
        rows.append({"scenario": "expected", "label": "Probability-weighted expectation", "weight": 1.0,
                     "mean": np.nan, "deterministic": np.nan,
                     "mean_contribution": float(sum(r["mean_contribution"] for r in rows)),
                     "deterministic_contribution": float(sum(r["deterministic_contribution"] for r in rows))})
    return pd.DataFrame(rows, columns=["scenario", "label", "weight", "mean", "deterministic", "mean_contribution",
                                       "deterministic_contribution"])
