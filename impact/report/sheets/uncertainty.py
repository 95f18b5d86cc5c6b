"""Uncertainty: fan charts, Monte Carlo quantiles and the variance split estimation vs assumptions."""
from __future__ import annotations

from typing import TYPE_CHECKING


from .. import charts
from .. import styles as st
from .. import tables as tb
from ..book import Book, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Uncertainty"
DESCRIPTION = "fan charts, Monte Carlo quantiles, variance split estimation vs assumptions"


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    years = [str(y) for y in res.model.years]
    sh.title("Monte Carlo uncertainty",
             "Quantiles of the impact (US$ bn) by scenario, channel and year; fan charts of the total; variance of the "
             "cumulative impact split into estimation (coefficients, baseline forecasts) and assumptions.")
    if not res.montecarlo:
        sh.note("The Monte Carlo was skipped (--draws 0).")
        sh.finish()
        return
    scen = [n for n in res.montecarlo if n != "baseline"]
    sh.heading("Fan chart data: total impact by year (US$ bn); bands P5-P25-P50-P75-P95")
    q = tb.quantile_table(res)
    q = q[q["scenario"] != "baseline"].reset_index(drop=True)  # the baseline is zero by construction
    tot = q[(q["channel"] == "total") & (q["year"] != "cumulative") & (q["scenario"].isin(scen))]
    fan = frame({"Scenario": tot["scenario"].to_numpy(), "Year": [int(y) for y in tot["year"]],
                        "P5 (US$ bn)": tot["p5"].to_numpy(), "P25 (US$ bn)": tot["p25"].to_numpy(),
                        "Median (US$ bn)": tot["p50"].to_numpy(), "P75 (US$ bn)": tot["p75"].to_numpy(),
                        "P95 (US$ bn)": tot["p95"].to_numpy()})
    # chart helpers: stacked-area band widths (P5 is the invisible base)
    fan["Band P5-P25"] = fan["P25 (US$ bn)"] - fan["P5 (US$ bn)"]
    fan["Band P25-P50"] = fan["Median (US$ bn)"] - fan["P25 (US$ bn)"]
    fan["Band P50-P75"] = fan["P75 (US$ bn)"] - fan["Median (US$ bn)"]
    fan["Band P75-P95"] = fan["P95 (US$ bn)"] - fan["P75 (US$ bn)"]
    f0, fc0, f1, fc1 = sh.table(fan, {c: st.USD_BN for c in fan.columns[2:]} | {"Year": st.INT})
    sh.note("Band columns are the widths stacked by the fan charts (P5 is the transparent base).")
    n = len(years)
    chart_col = fc1 + 2
    for k, name in enumerate(scen):
        a = f0 + 1 + k * n
        cat = sh.ref(a, fc0 + 1, a + n - 1, fc0 + 1)
        bands = [(sh.ref(f0, c), sh.ref(a, c, a + n - 1, c)) for c in (fc0 + 2, *range(fc1 - 3, fc1 + 1))]
        charts.fan(sh, f"{tb.scenario_label(res, name)}: total impact, P5-P95 (US$ bn)", cat, bands,
                   f0 + (k // 2) * 15, chart_col + (k % 2) * 8)
    sh.row = max(sh.row, f0 + 15 * ((len(scen) + 1) // 2) + 1)
    sh.heading("Variance of the cumulative impact: estimation vs assumptions")
    v = tb.variance_table(res)
    v = v[v["scenario"] != "baseline"].reset_index(drop=True)
    vv = frame({"Scenario": v["scenario"], "Channel": [tb.channel_title(c) for c in v["channel"]],
                       "Variance, all inputs (US$ bn²)": v["var_all"],
                       "Variance, estimation only (US$ bn²)": v["var_estimation"],
                       "Variance, assumptions only (US$ bn²)": v["var_assumptions"],
                       "Share due to estimation (%)": v["share_estimation"]})
    sh.table(vv, {c: st.USD_BN2 for c in vv.columns[2:5]} | {"Share due to estimation (%)": st.SHARE},
             blank_ok=("Share due to estimation (%)",))
    sh.note("Share due to estimation = Var(estimation only) / (Var(estimation only) + Var(assumptions only)); "
            "the remainder of the full variance is interaction.")
    sh.row += 1
    sh.heading("Monte Carlo quantiles by scenario, channel and year (US$ bn)")
    qv = frame({"Scenario": q["scenario"], "Channel": [tb.channel_title(c) for c in q["channel"]],
                       "Year": [int(y) if y.isdigit() else "Cumulative" for y in q["year"]],
                       "Mean (US$ bn)": q["mean"], "P5 (US$ bn)": q["p5"], "P25 (US$ bn)": q["p25"],
                       "Median (US$ bn)": q["p50"], "P75 (US$ bn)": q["p75"], "P95 (US$ bn)": q["p95"]})
    sh.table(qv, {c: st.USD_BN for c in qv.columns[3:]} | {"Year": st.INT}, name="MonteCarloQuantiles")
    sh.finish()
