"""The headline as terminal text (what ``impact run`` prints when it is done)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .tables import DETERMINISTIC, TOTAL_LABEL, variance_by_basis

if TYPE_CHECKING:  # pragma: no cover
    from ..api import AnalysisResult


def _money(x: float) -> str:
    return "" if not np.isfinite(x) else f"{0.0 if abs(x) < 0.005 else x:,.2f}"


def _probability(p: float) -> str:
    """A probability in whole percent, never rounded to a certainty it is not (<1%, >99%)."""
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 < p < 1:
        return ">99%"
    return f"{100 * p:.0f}%"


def headline_text(res: AnalysisResult) -> str:
    """The total of each scenario (Monte Carlo first), P(loss > thresholds) and the expectation."""
    years = res.model.years
    h = res.summary()
    tot = h[h["channel"] == "total"]
    lines = [f"Cumulative impact {years[0]}-{years[-1]}: {TOTAL_LABEL} (negative = loss)"]
    if tot.empty:
        return lines[0] + "\nNo designation scenario was run."
    if not res.montecarlo:
        lines.append(f"Monte Carlo skipped (draws = 0): {DETERMINISTIC} only.")
        view = pd.DataFrame({"deterministic": [_money(v) for v in tot["deterministic"]]},
                            index=pd.Index(tot["scenario"], name="scenario"))
        return "\n".join(lines + [view.to_string()])
    lines.append(f"Monte Carlo: {res.info.draws:,} draws per scenario, seed {res.info.seed}")
    view = pd.DataFrame({
        "median": [_money(v) for v in tot["p50"]], "mean": [_money(v) for v in tot["mean"]],
        "P5": [_money(v) for v in tot["p5"]], "P95": [_money(v) for v in tot["p95"]],
        "deterministic*": [_money(v) for v in tot["deterministic"]],
        "its percentile": [f"{100 * p:.0f}%" for p in tot["deterministic_percentile"]],
    }, index=pd.Index(tot["scenario"], name="scenario"))
    lines.append(view.to_string())
    ex = res.exceedance()
    if not ex.empty:
        th = list(dict.fromkeys(ex["threshold"]))
        piv = ex.pivot(index="scenario", columns="threshold", values="probability").reindex(
            list(dict.fromkeys(ex["scenario"])))[th]
        piv.columns = [f"P(loss > {t:,.0f} bn)" for t in th]
        lines += ["", piv.map(_probability).to_string()]
    lines += _judgment_lines(res)
    rec = res.reconciliation()
    if not rec.empty:
        e = rec.iloc[-1]
        lines += ["", f"Probability-weighted expected total: {_money(e['mean_contribution'])} US$ bn "
                      f"(sum of weight x Monte Carlo mean; the same weights on the deterministic runs give "
                      f"{_money(e['deterministic_contribution'])})"]
    lines.append(f"* {DETERMINISTIC}; its percentile = share of draws at or below it.")
    return "\n".join(lines)


def _judgment_lines(res: AnalysisResult) -> list[str]:
    """The share of each total's variance from judgment-only inputs (group Sobol indices), if computed."""
    v = variance_by_basis(res) if res.sensitivity else None
    if v is None or v.empty:
        return []
    j = v[v["basis"] == "judgment"]
    lines = ["", ("Share of each total's variance from judgment-only inputs (Sobol indices, alone / with "
                  "interactions):")]
    lines += [f"  {r.scenario:<22} {100 * r.S1:3.0f}% / {100 * r.ST:3.0f}%" for r in j.itertuples()]
    return lines
