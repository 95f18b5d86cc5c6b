"""Summary: value added and jobs first (Mexico GDP, U.S. value added, % of GDP), then the simulated
distribution of each scenario's gross total (median, mean, P5-P95), the deterministic run placed in
it, P(loss > thresholds), the probability-weighted expectation and how it is computed, the
channels, charts of the ranges, the scenarios and the contents."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import charts
from .. import styles as st
from .. import tables as tb
from ..book import Book, Sheet, frame, link_to_sheet

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Summary"
_WRAP = {"Scenario": 24.0}  # labels wrap to two lines: the totals table (8 columns) prints on one page width
SHORT = {"mx_gdp": "Mexico GDP (US$ bn)", "us_va": "U.S. value added (US$ bn)", "mx_jobs": "Mexico jobs (k job-years)",
         "us_jobs": "U.S. jobs (k job-years)"}
GDP_PCT = '0.000%'  # a few thousandths of a percent of GDP must stay visible
CHART_ROWS = 19  # rows kept free for the charts (8.5 cm)  # scenario labels wrap: the first column stays narrow enough to print
DESCRIPTION = None  # the contents list starts here
#: built after the other sheets: the variance-by-basis table reads the sensitivity tables, which the
#: CLI's worker process may still be computing while the other sheets are written
BUILD_LAST = True

def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    years = res.model.years
    info = res.info
    head = (f"Headline = the Monte Carlo distribution ({info.draws:,} draws per scenario, seed {info.seed}): median, "
            f"mean, P5-P95. The deterministic run (all inputs at their most likely values) is shown with its "
            f"percentile in that distribution." if res.montecarlo else
            "The Monte Carlo was skipped (draws = 0): this workbook shows the deterministic run only (all inputs at "
            "their most likely values), without ranges.")
    sh.title(res.assumptions.settings.title,
             f"Cumulative change {years[0]}-{years[-1]} relative to the no-designation baseline; negative = loss. "
             f"Value added and jobs first, then the gross channel changes ({tb.TOTAL_LABEL}). "
             f"impact {info.package_version}.", head)
    h = tb.headline(res)
    breaks = []
    chart_row = 0
    if h.empty:
        sh.note("No designation scenario was run.")
    else:
        _value_added(sh, res)
        _totals(sh, res, h)
        if res.montecarlo:
            _exceedance(sh, res)
            breaks.append(sh.row)  # the expectation and the variance tables start a printed page
            _expected(sh, res)
        _by_basis(sh, res)
        chart_row = sh.heading("Charts")
        breaks.append(chart_row)
        sh.row += CHART_ROWS
        _channels(sh, res, h)
    sh.heading("Sign and unit convention")
    sh.paragraph(tb.convention(res))
    sh.row += 1
    _scenarios(sh, res)
    sh.heading("Contents")
    for name, what in book.contents:
        link_to_sheet(sh, sh.row, 1, name, name)
        sh.wide_text(sh.row, 2, what, 6)
        sh.row += 1
    sh.row += 1
    if chart_row:
        breaks.append(sh.row)
        _charts(book, sh, res, h, chart_row + 1)
    sh.measure(1, 24)
    sh.finish(gridlines=False, breaks=breaks)


def _scenarios(sh: Sheet, res: AnalysisResult) -> None:
    """The scenario definitions; descriptions wrap over merged cells."""
    sh.heading("Scenarios")
    d = tb.scenario_definitions(res)
    r0 = sh.row
    sh.header(r0, 1, ["Scenario", "Key", "Weight", "Description"])
    for c in range(5, 10):
        sh.put(r0, c, None, fill=st.HEADER_FILL)
    for i, row in enumerate(d.itertuples(index=False)):
        r = r0 + 1 + i
        sh.put(r, 1, row.label, align=st.WRAP, measure=False)
        sh.wrapped.append((r, 1, row.label, 12.75, 1))
        sh.put(r, 2, row.scenario)
        sh.put(r, 3, float(row.weight), fmt=st.SHARE)
        sh.wide_text(r, 4, row.description, 6)
    sh.row = r0 + len(d) + 2


def _value_added(sh: Sheet, res: AnalysisResult) -> None:
    """The lead table: Mexico GDP, U.S. value added and jobs of each designation scenario."""
    years = res.model.years
    va = res.value_added()
    va = va[va["scenario"].isin(tb.designation_scenarios(res))].reset_index(drop=True)
    if va.empty:
        return
    prices = res.model.prices
    sh.heading(f"Value added and jobs by scenario, cumulative {years[0]}-{years[-1]} ({prices.basis_label})")
    first = ~va["scenario"].duplicated()
    measure = [SHORT[m] for m in va["measure"]]
    cols: dict[str, Any] = {"Scenario": np.where(first, va["scenario_label"], ""), "Measure": measure}
    if res.montecarlo:
        cols |= {"Median": va["median"], "P5": va["p5"], "P95": va["p95"], "Deterministic run": va["deterministic"],
                 "Median, % of the country's GDP": va["median_pct_gdp"] / 100}
    else:
        cols |= {"Deterministic run": va["deterministic"],
                 "Deterministic run, % of the country's GDP": va["deterministic_pct_gdp"] / 100}
    view = frame(cols)
    fm = {c: st.USD_BN for c in view.columns[2:]} | {c: GDP_PCT for c in view.columns if "%" in c}
    sh.table(view, fm, blank_ok=[c for c in view.columns if "%" in c], wrap=_WRAP)
    sh.row -= 1
    sh.note(f"Value added and jobs follow from the channel changes through fixed coefficients that are uncertain "
            f"inputs like any other (the Value added sheet lists them with their sources): Mexico's GDP and U.S. "
            f"value added, in US$ bn and in % of each country's GDP over the same years; jobs in thousand job-years "
            f"(k = thousand; a job lost for one year counts once). Present values (constant {prices.base_year} dollars "
            f"discounted at {prices.discount_rate:g} % a year, settings.yaml discount_rate) are on the Value added "
            "sheet. First-round accounting only: no price, substitution or general-equilibrium effects. The gross "
            "channel changes follow below, labelled gross.")
    sh.row += 1


def _totals(sh: Sheet, res: AnalysisResult, h: Any) -> None:
    years = res.model.years
    tot = h[h["channel"] == "total"].reset_index(drop=True)
    sh.heading(f"Total by scenario, cumulative {years[0]}-{years[-1]} ({tb.TOTAL_LABEL})")
    if res.montecarlo:
        view = frame({"Scenario": tot["label"], "Median (US$ bn)": tot["p50"], "Mean (US$ bn)": tot["mean"],
                      "P5 (US$ bn)": tot["p5"], "P95 (US$ bn)": tot["p95"], "Deterministic run* (US$ bn)": tot["deterministic"],
                      "Percentile of the deterministic run": tot["deterministic_percentile"],
                      "Scenario weight": tot["weight"]})
    else:
        view = frame({"Scenario": tot["label"], "Deterministic run* (US$ bn)": tot["deterministic"],
                      "Scenario weight": tot["weight"]})
    fm = {c: st.USD_BN for c in view.columns if "US$" in c} | {"Percentile of the deterministic run": st.SHARE,
                                                                 "Scenario weight": st.SHARE}
    sh.table(view, fm, bold_rows=range(len(view)), wrap=_WRAP)
    sh.row -= 1
    sh.note(f"* {tb.DETERMINISTIC[0].upper()}{tb.DETERMINISTIC[1:]}. Its percentile is the share of the scenario's "
            "draws at or below it (a loss at least as large). P10 and P90 are in the CSV tables and summary()."
            if res.montecarlo else
            f"* {tb.DETERMINISTIC[0].upper()}{tb.DETERMINISTIC[1:]}.")
    sh.row += 1


def _exceedance(sh: Sheet, res: AnalysisResult) -> None:
    ex = res.exceedance()
    if ex.empty:
        return
    th = list(dict.fromkeys(ex["threshold"]))
    sh.heading("Probability that the cumulative loss exceeds a threshold (share of draws)")
    labels = list(dict.fromkeys(ex["label"]))
    cols = {"Scenario": labels}
    for t in th:
        sel = ex[ex["threshold"] == t].set_index("label")["probability"]
        cols[f"P(loss > {t:,.0f} US$ bn)"] = [float(sel[lab]) for lab in labels]
    view = frame(cols)
    weighted = [i for i, lab in enumerate(labels) if lab.startswith("Probability-weighted")]
    sh.table(view, {c: st.SHARE for c in view.columns[1:]}, bold_rows=weighted, fill_rows=weighted, wrap=_WRAP)
    sh.row -= 1
    sh.note("Loss = minus the total. Thresholds: analysis.yaml headline.loss_thresholds. The probability-weighted row "
            "mixes the scenarios by their weights.")
    sh.row += 1


def _expected(sh: Sheet, res: AnalysisResult) -> None:
    rec = res.reconciliation()
    if rec.empty:
        return
    e = tb.expected(res)
    tot = e[e["channel"] == "total"].iloc[0]
    last = rec.iloc[-1]
    sh.heading("Probability-weighted expected total and how it is computed (US$ bn)")
    blank = [None] * (len(rec) - 1)  # None, not NaN: a NaN in the mixture's own cells must be refused
    view = frame({"Scenario": rec["label"], "Weight": rec["weight"], "Monte Carlo mean": rec["mean"],
                  "Weight x mean": rec["mean_contribution"], "Mixture P5": np.array([*blank, tot["p5"]], dtype=object),
                  "Mixture P95": np.array([*blank, tot["p95"]], dtype=object), "Deterministic run": rec["deterministic"],
                  "Weight x deterministic run": rec["deterministic_contribution"]})
    fm = {c: st.USD_BN for c in view.columns[2:]} | {"Weight": st.SHARE}
    sh.table(view, fm, bold_rows=[len(view) - 1], fill_rows=[len(view) - 1],
             blank_ok=("Monte Carlo mean", "Deterministic run"), wrap=_WRAP)
    sh.row -= 1
    sh.note(f"Expected total = sum of weight x Monte Carlo mean = {last['mean_contribution']:,.2f} US$ bn; Mixture P5 "
            f"and P95 are percentiles of the weighted mixture of all scenarios' draws. The same weights on the "
            f"deterministic runs give {last['deterministic_contribution']:,.2f}: skewed inputs put each scenario's mean "
            "beyond its most likely value.")
    sh.row += 1


def _by_basis(sh: Sheet, res: AnalysisResult) -> None:
    v = tb.variance_by_basis(res)
    if v.empty:
        return
    sh.heading("Where the uncertainty of the total comes from (share of its variance by basis of the inputs)")
    labels = list(dict.fromkeys(v["label"]))
    cols: dict[str, Any] = {"Scenario": labels}
    j = v[v["basis"] == "judgment"].set_index("label")
    cols["Judgment-only inputs, alone"] = [float(j["S1"].get(lab, 0.0)) for lab in labels]
    cols["Judgment-only inputs, with interactions"] = [float(j["ST"].get(lab, 0.0)) for lab in labels]
    for basis in ("data", "literature", "derived"):
        b = v[v["basis"] == basis].set_index("label")
        cols[f"{basis.capitalize()} inputs, alone"] = [float(b["S1"].get(lab, 0.0)) for lab in labels]
    view = frame(cols)
    sh.table(view, {c: st.SHARE for c in view.columns[1:]}, wrap=_WRAP)
    sh.row -= 1
    sh.note("Sobol indices of groups of inputs (Sensitivity sheet method, same design): 'alone' is the share of the "
            "variance of the cumulative total explained by the group's inputs varying together with all others "
            "averaged out (closed first-order index); 'with interactions' adds their interactions with the other "
            "inputs (total index). Each input's basis is set in the assumption files (basis: data, literature, "
            "derived or judgment); judgment-only inputs have no published anchor. Bootstrap intervals: "
            "sensitivity_sobol.csv (rows basis:<group>).")
    sh.row += 1


def _channels(sh: Sheet, res: AnalysisResult, h: Any) -> None:
    years = res.model.years
    first = ~h["scenario"].duplicated()
    sh.heading(f"By channel, cumulative {years[0]}-{years[-1]} (US$ bn; negative = loss)")
    chan = [tb.channel_title(c) for c in h["channel"]]
    if res.montecarlo:
        med_pct = tb.median_pct(res)
        view = frame({"Scenario": np.where(first, h["label"], ""), "Channel": chan,
                      "Median (US$ bn)": h["p50"], "P5 (US$ bn)": h["p5"], "P95 (US$ bn)": h["p95"],
                      "Deterministic run (US$ bn)": h["deterministic"],
                      "Percentile of the deterministic run": h["deterministic_percentile"],
                      "Median, % of the channel's baseline": [med_pct.get((s, c), np.nan) / 100
                                                              for s, c in zip(h["scenario"], h["channel"])]})
    else:
        det_pct = {(n, c): float(res.runs[n].cumulative_pct[c]) for n in tb.designation_scenarios(res)
                   for c in res.model.channels}
        view = frame({"Scenario": np.where(first, h["label"], ""), "Channel": chan,
                      "Deterministic run (US$ bn)": h["deterministic"],
                      "Deterministic run, % of the channel's baseline": [det_pct.get((s, c), np.nan) / 100 for s, c in
                                                                         zip(h["scenario"], h["channel"])]})
    totals = [i for i, c in enumerate(h["channel"]) if c == "total"]
    fm = {c: (st.PCT if "%" in c else st.SHARE if "Percentile" in c else st.USD_BN) for c in view.columns[2:]}
    sh.table(view, fm, bold_rows=totals, fill_rows=totals, blank_ok=[c for c in view.columns if "%" in c], wrap=_WRAP)
    sh.row -= 1
    sh.note("Business costs: a negative value is an increase in costs (the Business costs sheet shows it as a "
            "positive additional cost). The total has no percentage: its parts have unlike baselines.")
    sh.row += 1


def _charts(book: Book, sh: Sheet, res: AnalysisResult, h: Any, chart_row: int) -> None:
    """Chart data (at the end of the sheet) and the two charts at ``chart_row``: each scenario's total,
    and every scenario and channel, as P5-P95 ranges with the median (and the deterministic run)."""
    years = res.model.years
    mc = bool(res.montecarlo)
    sh.heading("Chart data (US$ bn): what the charts above plot; base/above/below are the stacked parts of each "
               "P5-P95 range")
    tot = h[h["channel"] == "total"].reset_index(drop=True)
    short = [tb.short_label(res, n) for n in tot["scenario"]]
    axis = "US$ bn (negative = loss)"
    if not mc:
        data = frame({"Scenario and channel": [f"{tb.short_label(res, n)}: {tb.channel_title(c)}"
                                               for n, c in zip(h["scenario"], h["channel"])],
                      "Deterministic run": h["deterministic"]})
        d0, dc0, d1, _ = sh.table(data, {"Deterministic run": st.USD_BN})
        chart = book.chart("column")
        chart.add_series({"name": "Deterministic run (most likely inputs)", "categories": sh.ref(d0 + 1, dc0, d1, dc0),
                          "values": sh.ref(d0 + 1, dc0 + 1, d1, dc0 + 1), "fill": {"color": "#" + st.NAVY}})
        charts.set_title(chart, f"Cumulative impact {years[0]}-{years[-1]} by scenario and channel: deterministic run")
        chart.set_y_axis({"num_format": '#,##0', "name": axis})
        chart.set_x_axis({"label_position": "low"})
        chart.set_legend({"position": "bottom"})
        charts.set_size(chart, 8.5, 26)
        sh.chart(chart, chart_row, 1)
        return
    base, up, down = charts.floating_parts(tot["p5"], tot["p95"])
    t = frame({"Scenario": short, "P5": tot["p5"], "Median": tot["p50"], "P95": tot["p95"],
               "Deterministic run": tot["deterministic"], "base": base, "above": up, "below": down})
    t0, tc0, t1, _ = sh.table(t, {c: st.USD_BN for c in t.columns[1:]})
    col = {name: tc0 + j for j, name in enumerate(t.columns)}
    ref = {name: sh.ref(t0 + 1, c, t1, c) for name, c in col.items()}
    one = charts.range_columns(book, f"Total {years[0]}-{years[-1]} by scenario: P5-P95, median, deterministic run",
                               ref["Scenario"], [ref["base"], ref["above"], ref["below"]],
                               [("Median", ref["Median"], "diamond", st.NAVY),
                                ("Deterministic run (most likely inputs)", ref["Deterministic run"], "circle",
                                 "C55A11")], axis)
    charts.set_size(one, 8.5, 11.8)
    sh.chart(one, chart_row, 1)
    base, up, down = charts.floating_parts(h["p5"], h["p95"])
    c = frame({"Scenario and channel": [f"{tb.short_label(res, n)}: {tb.channel_title(ch)}"
                                        for n, ch in zip(h["scenario"], h["channel"])],
               "P5": h["p5"], "Median": h["p50"], "P95": h["p95"], "base": base, "above": up, "below": down})
    c0, cc0, c1, _ = sh.table(c, {k: st.USD_BN for k in c.columns[1:]})
    col = {name: cc0 + j for j, name in enumerate(c.columns)}
    ref = {name: sh.ref(c0 + 1, k, c1, k) for name, k in col.items()}
    two = charts.range_columns(book, "By scenario and channel: P5-P95 and median", ref["Scenario and channel"],
                               [ref["base"], ref["above"], ref["below"]],
                               [("Median", ref["Median"], "diamond", st.NAVY)], axis)
    charts.set_size(two, 8.5, 11.8)
    sh.chart(two, chart_row, 1, 12.2)
