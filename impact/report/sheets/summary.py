"""Summary: the headline table, the expected impact, a chart, the scenarios and the contents."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import charts
from .. import styles as st
from .. import tables as tb
from ..book import Book, Sheet, frame, link_to_sheet

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Summary"
DESCRIPTION = None  # the contents list starts here


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    years = res.model.years
    info = res.info
    sh.title(res.assumptions.settings.title,
             f"Cumulative impact {years[0]}-{years[-1]} relative to the no-designation baseline. US$ bn, current "
             f"dollars; negative = economic loss (lower visitor spending or imports, higher business costs).",
             f"Central = deterministic run at central assumptions; P5-P95 = Monte Carlo range "
             f"({info.draws:,} draws per scenario, seed {info.seed}); impact {info.package_version}.")
    sh.heading(f"Cumulative impact {years[0]}-{years[-1]} by scenario and channel")
    if tb.headline(res).empty:
        sh.note("No designation scenario was run.")
    else:
        headline_row, chart_col = _headline(sh, res)
        _expected(sh, res)
        _chart(book, sh, res, headline_row, chart_col)
    sh.heading("Scenarios")
    d = tb.scenario_definitions(res)
    dv = frame({"Scenario": d["label"], "Key": d["scenario"], "Weight (%)": d["weight"],
                "Description": d["description"]})
    sh.table(dv, {"Weight (%)": st.SHARE}, overflow=("Description",))
    sh.heading("Contents")
    for name, what in book.contents:
        link_to_sheet(sh, sh.row, 1, name, name)
        sh.put(sh.row, 2, what, measure=False)
        sh.row += 1
    sh.measure(1, 24)
    sh.finish(freeze=None, gridlines=False)


def _headline(sh: Sheet, res: AnalysisResult) -> tuple[int, int]:
    """The headline table; returns its header row and the column where the chart goes."""
    h = tb.headline(res)
    first = ~h["scenario"].duplicated()
    view = frame({
        "Scenario": np.where(first, h["label"], ""),
        "Channel": [tb.channel_title(c) for c in h["channel"]],
        "Central (US$ bn)": h["central"], "P5 (US$ bn)": h["p5"], "P95 (US$ bn)": h["p95"],
        "Central (% of baseline)": h["pct_of_baseline"],
        "Scenario weight (%)": np.where(first, h["weight"], np.nan),
    })
    if not res.montecarlo:
        view = view.drop(columns=["P5 (US$ bn)", "P95 (US$ bn)"])
    totals = [i for i, c in enumerate(h["channel"]) if c == "total"]
    r0, c0, r1, c1 = sh.table(view, {"Central (US$ bn)": st.USD_BN, "P5 (US$ bn)": st.USD_BN,
                                     "P95 (US$ bn)": st.USD_BN, "Central (% of baseline)": st.PCT,
                                     "Scenario weight (%)": st.SHARE},
                              blank_ok=("Scenario weight (%)",), bold_rows=totals, fill_rows=totals)
    sh.note("P5 / P95: 5th and 95th percentiles of the Monte Carlo (estimation and assumption uncertainty). "
            "Channels are gross effects, summed in 'Total'; not a net welfare measure." if res.montecarlo else
            "The Monte Carlo was skipped (--draws 0): central values only. Channels are gross effects, summed in "
            "'Total'; not a net welfare measure.")
    sh.row += 1
    return r0, c1 + 2


def _expected(sh: Sheet, res: AnalysisResult) -> None:
    e = tb.expected(res)
    if e.empty:
        return
    w = ", ".join(f"{tb.short_label(res, n)} {res.runs[n].weight:.0%}" for n in tb.designation_scenarios(res)
                  if res.runs[n].weight > 0)
    sh.heading(f"Probability-weighted expected cumulative impact (scenario weights: {w})")
    ev = frame({"Channel": [tb.channel_title(c) for c in e["channel"]],
                "Expected (US$ bn)": e["expected"], "P5 (US$ bn)": e["p5"], "P95 (US$ bn)": e["p95"]})
    tot = [i for i, c in enumerate(e["channel"]) if c == "total"]
    sh.table(ev, {c: st.USD_BN for c in ev.columns[1:]}, bold_rows=tot, fill_rows=tot)
    sh.note("P5 / P95 of the weighted mixture of the scenarios' Monte Carlo draws (weights from scenarios.yaml).")
    sh.row += 1


def _chart(book: Book, sh: Sheet, res: AnalysisResult, row: int, col: int) -> None:
    """Chart data (central cumulative impact, scenarios x channels) and its stacked bar chart."""
    years = res.model.years
    scen = tb.designation_scenarios(res)
    piv = frame({"Scenario": [res.runs[n].label for n in scen]}
                | {tb.channel_title(ch): [float(res.runs[n].cumulative[ch]) for n in scen]
                   for ch in res.model.channels})
    sh.heading("Chart data: central cumulative impact by scenario and channel (US$ bn)")
    p0, pc0, p1, pc1 = sh.table(piv, {c: st.USD_BN for c in piv.columns[1:]})
    series = [(sh.ref(p0, c), sh.ref(p0 + 1, c, p1, c)) for c in range(pc0 + 1, pc1 + 1)]
    chart = charts.hbar(book, "stacked", 60, f"Central cumulative impact {years[0]}-{years[-1]} by channel (US$ bn)",
                        series, sh.ref(p0 + 1, pc0, p1, pc0), charts.PALETTE, '#,##0')
    chart.set_x_axis({"num_format": '#,##0', "name": "US$ bn (negative = loss)",
                      "name_font": {"size": 9, "bold": False}, "major_gridlines": {"visible": True}})
    charts.set_size(chart, 9.5, 20)
    sh.chart(chart, row, col)
