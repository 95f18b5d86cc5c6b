"""Uncertainty: fan charts of the total by year, the distribution of each scenario's cumulative
total (histogram and S-curve with the deterministic run, P5 and P95 marked), the variance split
estimation vs assumptions and the Monte Carlo quantiles; the charts' data at the bottom."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...results.headline import percentile_of
from .. import charts
from .. import styles as st
from .. import tables as tb
from ..book import Book, Sheet, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Uncertainty"
DESCRIPTION = "fan charts, distribution of each total (histogram, S-curve), quantiles, variance split"
BINS = 30
#: rows a chart takes (8 cm at the default row height, plus a gap)
CHART_ROWS = 17
_RIGHT_CM = 12.2  # offset of the right-hand chart of a pair


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    sh.title("Monte Carlo uncertainty",
             "Fan charts of the total by year (median line, bands P5-P25-P50-P75-P95); per scenario the distribution "
             f"of the cumulative total ({tb.TOTAL_LABEL}) with the deterministic run (all inputs at their most likely "
             "values), P5 and P95 marked; the variance split into estimation and assumptions; quantiles.")
    if not res.montecarlo:
        sh.note("The Monte Carlo was skipped (draws = 0): there is no distribution to show.")
        sh.finish()
        return
    scen = [n for n in res.montecarlo if n != "baseline"]
    if not scen:
        sh.note("No designation scenario was run: the baseline is zero by construction.")
        sh.finish()
        return
    chart_top = sh.row + 1
    sh.heading("Charts")
    fan_rows = CHART_ROWS * ((len(scen) + 1) // 2)
    sh.row = chart_top + fan_rows + CHART_ROWS * len(scen) + 1
    _variance(sh, res)
    _quantiles(sh, res)
    sh.heading("Chart data")
    _fans(sh, res, scen, chart_top)
    _distributions(book, sh, res, scen, chart_top + fan_rows)
    sh.finish()


def _fans(sh: Sheet, res: AnalysisResult, scen: list[str], top: int) -> None:
    q = tb.quantile_table(res)
    tot = q[(q["channel"] == "total") & (q["year"] != "cumulative") & (q["scenario"].isin(scen))]
    fan = frame({"Scenario": tot["scenario"].to_numpy(), "Year": [int(y) for y in tot["year"]],
                 "P5 (US$ bn)": tot["p5"].to_numpy(), "P25 (US$ bn)": tot["p25"].to_numpy(),
                 "Median (US$ bn)": tot["p50"].to_numpy(), "P75 (US$ bn)": tot["p75"].to_numpy(),
                 "P95 (US$ bn)": tot["p95"].to_numpy()})
    # stacked-area band widths (P5 is the invisible base)
    fan["P5-P25"] = fan["P25 (US$ bn)"] - fan["P5 (US$ bn)"]
    fan["P25-median"] = fan["Median (US$ bn)"] - fan["P25 (US$ bn)"]
    fan["Median-P75"] = fan["P75 (US$ bn)"] - fan["Median (US$ bn)"]
    fan["P75-P95"] = fan["P95 (US$ bn)"] - fan["P75 (US$ bn)"]
    sh.put(sh.row, 1, "Fan charts: total impact by year (US$ bn); the last four columns are the stacked band widths",
           font=st.BOLD, measure=False)
    sh.row += 1
    f0, fc0, _, fc1 = sh.table(fan, {c: st.USD_BN for c in fan.columns[2:]} | {"Year": st.INT})
    n = len(res.model.years)
    for k, name in enumerate(scen):
        a = f0 + 1 + k * n
        cat = sh.ref(a, fc0 + 1, a + n - 1, fc0 + 1)
        bands = [(sh.ref(f0, c), sh.ref(a, c, a + n - 1, c)) for c in (fc0 + 2, *range(fc1 - 3, fc1 + 1))]
        median = (sh.ref(f0, fc0 + 4), sh.ref(a, fc0 + 4, a + n - 1, fc0 + 4))
        charts.fan_with_median(sh, f"{tb.scenario_label(res, name)}: total by year, median and P5-P95 (US$ bn)",
                               cat, bands, median, top + (k // 2) * CHART_ROWS, 1, _RIGHT_CM * (k % 2))


def _distribution_data(res: AnalysisResult, name: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Histogram bins, S-curve points and marked points of one scenario's cumulative total."""
    d = res.montecarlo[name].cumulative_draws("total")
    det = float(res.runs[name].cumulative["total"])
    p5, p95 = np.quantile(d, [0.05, 0.95])
    counts, edges = np.histogram(d, bins=BINS)
    share = counts / d.size
    centre = (edges[:-1] + edges[1:]) / 2
    inside = (centre >= p5) & (centre <= p95)
    marked = (np.searchsorted(edges, det, side="right") - 1).clip(0, BINS - 1)
    is_marked = np.arange(BINS) == marked
    hist = {"Scenario": [name] * BINS, "Bin from (US$ bn)": edges[:-1], "Bin to (US$ bn)": edges[1:],
            "Bin centre (US$ bn)": centre, "Within P5-P95": np.where(inside & ~is_marked, share, np.nan),
            "Outside P5-P95": np.where(~inside & ~is_marked, share, np.nan),
            "Bin of the deterministic run": np.where(is_marked, share, np.nan)}
    probs = np.linspace(0.0, 1.0, 101)
    curve = {"Scenario": [name] * probs.size, "Total (US$ bn)": np.quantile(d, probs),
             "Share of draws at or below": probs}
    points = {"Scenario": [name] * 3, "Point": ["Deterministic run", "P5", "P95"],
              "Total (US$ bn)": [det, float(p5), float(p95)],
              "Share of draws at or below": [percentile_of(d, det), 0.05, 0.95]}
    return hist, curve, points


def _stack(parts: list[dict[str, Any]]) -> Any:
    return frame({k: np.concatenate([np.asarray(p[k], dtype=object if k in ("Scenario", "Point") else float)
                                     for p in parts]) for k in parts[0]})


def _distributions(book: Book, sh: Sheet, res: AnalysisResult, scen: list[str], top: int) -> None:
    data = [_distribution_data(res, n) for n in scen]
    sh.put(sh.row, 1, "Histograms of the cumulative total: share of draws per bin", font=st.BOLD, measure=False)
    sh.row += 1
    h0, hc0, _, _ = sh.table(_stack([d[0] for d in data]), {"Bin from (US$ bn)": st.USD_BN, "Bin to (US$ bn)": st.USD_BN,
                                                            "Bin centre (US$ bn)": st.USD_BN, "Within P5-P95": st.SHARE,
                                                            "Outside P5-P95": st.SHARE,
                                                            "Bin of the deterministic run": st.SHARE},
                             blank_ok=("Within P5-P95", "Outside P5-P95", "Bin of the deterministic run"))
    sh.put(sh.row, 1, "S-curves: the cumulative total at each share of draws (1% steps)", font=st.BOLD, measure=False)
    sh.row += 1
    s0, sc0, _, _ = sh.table(_stack([d[1] for d in data]), {"Total (US$ bn)": st.USD_BN,
                                                            "Share of draws at or below": st.SHARE})
    sh.put(sh.row, 1, "Marked points: the deterministic run (all inputs at their most likely values), P5 and P95",
           font=st.BOLD, measure=False)
    sh.row += 1
    p0, pc0, _, _ = sh.table(_stack([d[2] for d in data]), {"Total (US$ bn)": st.USD_BN,
                                                            "Share of draws at or below": st.SHARE})
    axis = "cumulative total, US$ bn (negative = loss)"
    for k, name in enumerate(scen):
        label = tb.scenario_label(res, name)
        a = h0 + 1 + k * BINS
        hist = charts.histogram(book, f"{label}: distribution of the cumulative total",
                                sh.ref(a, hc0 + 3, a + BINS - 1, hc0 + 3),
                                *(sh.ref(a, hc0 + j, a + BINS - 1, hc0 + j) for j in (4, 5, 6)), axis)
        charts.set_size(hist, 8, 11.8)
        sh.chart(hist, top + k * CHART_ROWS, 1)
        b = s0 + 1 + k * 101
        c = p0 + 1 + k * 3
        pts = [(nm, sh.ref(c + j, pc0 + 2), sh.ref(c + j, pc0 + 3), colr)
               for j, (nm, colr) in enumerate((("Deterministic run", "C55A11"), ("P5", "7F7F7F"), ("P95", "7F7F7F")))]
        curve = charts.s_curve(book, f"{label}: S-curve of the cumulative total",
                               (sh.ref(b, sc0 + 1, b + 100, sc0 + 1), sh.ref(b, sc0 + 2, b + 100, sc0 + 2)), pts, axis)
        charts.set_size(curve, 8, 11.8)
        sh.chart(curve, top + k * CHART_ROWS, 1, _RIGHT_CM)


def _variance(sh: Sheet, res: AnalysisResult) -> None:
    sh.heading("Variance of the cumulative impact: estimation vs assumptions")
    v = tb.variance_table(res)
    v = v[v["scenario"] != "baseline"].reset_index(drop=True)
    vv = frame({"Scenario": v["scenario"], "Channel": [tb.channel_title(c) for c in v["channel"]],
                "Variance, all inputs (US$ bn²)": v["var_all"],
                "Variance, estimation only (US$ bn²)": v["var_estimation"],
                "Variance, assumptions only (US$ bn²)": v["var_assumptions"],
                "Share due to estimation": v["share_estimation"]})
    sh.table(vv, {c: st.USD_BN2 for c in vv.columns[2:5]} | {"Share due to estimation": st.SHARE},
             blank_ok=("Share due to estimation",))
    sh.row -= 1
    sh.note("Share due to estimation = Var(estimation only) / (Var(estimation only) + Var(assumptions only)); "
            "the remainder of the full variance is interaction.")
    sh.row += 1


def _quantiles(sh: Sheet, res: AnalysisResult) -> None:
    q = tb.quantile_table(res)
    q = q[q["scenario"] != "baseline"].reset_index(drop=True)  # the baseline is zero by construction
    sh.heading("Monte Carlo quantiles by scenario, channel and year (US$ bn)")
    qv = frame({"Scenario": q["scenario"], "Channel": [tb.channel_title(c) for c in q["channel"]],
                "Year": [int(y) if y.isdigit() else "Cumulative" for y in q["year"]],
                "Median (US$ bn)": q["p50"], "Mean (US$ bn)": q["mean"], "P5 (US$ bn)": q["p5"],
                "P25 (US$ bn)": q["p25"], "P75 (US$ bn)": q["p75"], "P95 (US$ bn)": q["p95"]})
    sh.table(qv, {c: st.USD_BN for c in qv.columns[3:]} | {"Year": st.INT}, name="MonteCarloQuantiles")
