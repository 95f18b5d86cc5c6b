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


def value_added_lines(res: AnalysisResult) -> list[str]:
    """Mexico GDP, U.S. value added and jobs of each designation scenario: median [P5, P95] of the
    draws (the deterministic run without a Monte Carlo), cumulative, with % of each country's GDP."""
    years = res.model.years
    va = res.value_added()
    if va.empty:
        return []
    va = va[va["scenario"] != "baseline"]
    if va.empty:
        return []
    mc = bool(res.montecarlo)
    what = "median [P5, P95] of the draws" if mc else DETERMINISTIC
    lines = [f"Value added and jobs, cumulative {years[0]}-{years[-1]}: US$ bn ({res.model.prices.basis_label}), "
             f"{what}; jobs: {'median, ' if mc else ''}thousand job-years"]
    cols: dict[str, list[str]] = {}
    names = list(dict.fromkeys(va["scenario"]))
    for m, title in (("mx_gdp", "Mexico GDP"), ("us_va", "U.S. value added"), ("mx_jobs", "Mexico jobs"),
                     ("us_jobs", "U.S. jobs")):
        rows = va[va["measure"] == m].set_index("scenario").loc[names]
        money = m in ("mx_gdp", "us_va")
        if mc and money:
            cols[title] = [f"{_money(r.median)} [{_money(r.p5)}, {_money(r.p95)}]" for r in rows.itertuples()]
        else:
            cols[title] = [f"{v:,.1f}" for v in rows["median" if mc else "deterministic"]]
        if money:
            pct = rows["median_pct_gdp" if mc else "deterministic_pct_gdp"]
            cols[f"{title.split()[0]} % GDP"] = [f"{v:.3f}%" for v in pct]
    lines.append(pd.DataFrame(cols, index=pd.Index(names, name="scenario")).to_string())
    return lines + [""]


def headline_text(res: AnalysisResult) -> str:
    """Value added and jobs first, then the gross total of each scenario (Monte Carlo first),
    P(loss > thresholds) and the expectation."""
    years = res.model.years
    h = res.summary()
    tot = h[h["channel"] == "total"]
    lines = value_added_lines(res) + [f"Cumulative impact {years[0]}-{years[-1]}: {TOTAL_LABEL} (negative = loss)"]
    if tot.empty:
        return lines[-1] + "\nNo designation scenario was run."
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
