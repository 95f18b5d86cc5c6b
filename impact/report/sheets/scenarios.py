"""Scenarios: impact by scenario, channel and year (central and Monte Carlo range), total by year."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import charts
from .. import styles as st
from .. import tables as tb
from ..book import Book, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Scenarios"
DESCRIPTION = "impact by scenario, channel and year: median, P5-P95 and deterministic run, US$ bn and % of baseline"


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    years = res.model.years
    sh.title("Impact by scenario, channel and year",
             "Median, P5 and P95 of the Monte Carlo, then the deterministic run (all inputs at their most likely "
             f"values); US$ bn ({tb.dollars(res)}) and % of the channel's own baseline (none for the total, a sum of "
             "unlike quantities); negative = loss. The baseline scenario (zero by construction) is omitted. Filter "
             "with the header buttons.")
    df = tb.scenario_impacts(res)
    df = df[df["scenario"] != "baseline"].reset_index(drop=True)
    view = frame({
        "Scenario": df["scenario"], "Channel": [tb.channel_title(c) for c in df["channel"]],
        "Year": [int(y) if y.isdigit() else "Cumulative" for y in df["year"]],
        "Median (US$ bn)": df["p50"], "P5 (US$ bn)": df["p5"], "P95 (US$ bn)": df["p95"],
        "Deterministic run (US$ bn)": df["deterministic"],
        "Median (% of baseline)": df["p50_pct"] / 100, "P5 (% of baseline)": df["p5_pct"] / 100,
        "P95 (% of baseline)": df["p95_pct"] / 100, "Deterministic run (% of baseline)": df["deterministic_pct"] / 100})
    if not res.montecarlo:
        view = view[[c for c in view.columns if not c.startswith(("P5", "P95", "Median"))]]
    fm = {c: st.USD_BN for c in view.columns if "US$" in c} | {c: st.PCT for c in view.columns if "%" in c}
    fm["Year"] = st.INT
    r0, c0, r1, c1 = sh.table(view, fm, name="ScenarioImpacts", blank_ok=[c for c in view.columns if "%" in c])
    freeze = f"A{r0 + 1}"
    # right-hand block: total by year, wide, with a line chart
    col = c1 + 2
    scen = tb.designation_scenarios(res)
    wide = frame({"Scenario": [res.runs[n].label for n in scen]}
                        | {str(y): [float(res.runs[n].total[y]) for n in scen] for y in years}
                        | {"Cumulative": [float(res.runs[n].cumulative["total"]) for n in scen]})
    sh.row = r0 - 1
    sh.put(sh.row, col, f"Total by year, deterministic run ({tb.TOTAL_LABEL})", font=st.HEADING, measure=False)
    sh.row += 1
    w0, wc0, w1, wc1 = sh.table(wide, {c: st.USD_BN for c in wide.columns[1:]}, col=col)
    line = book.chart("line")
    charts.set_title(line, "Total by year, deterministic run (US$ bn)")
    # one series per scenario (rows) over the year columns, without the cumulative column
    for i, n in enumerate(scen):
        line.add_series({"name": sh.ref(w0 + 1 + i, wc0), "categories": sh.ref(w0, wc0 + 1, w0, wc1 - 1),
                         "values": sh.ref(w0 + 1 + i, wc0 + 1, w0 + 1 + i, wc1 - 1)})
    line.set_y_axis({"num_format": '#,##0', "name": "US$ bn", "name_font": {"size": 9, "bold": False}})
    line.set_x_axis({"label_position": "low"})
    line.set_legend({"position": "bottom"})
    charts.set_size(line, 9, 18)
    sh.chart(line, w1 + 2, col)
    sh.finish(freeze=freeze, repeat=r0)
