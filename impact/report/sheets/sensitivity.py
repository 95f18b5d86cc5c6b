"""Sensitivity: tornado tables and chart, two-way grids and Sobol indices per scenario."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import charts
from .. import styles as st
from .. import tables as tb
from ..book import Book, Sheet, frame, get_column_letter, link_to_sheet, shown, unit_format

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Sensitivity"
DESCRIPTION = "tornado, two-way grids, Sobol indices"
#: written after the other sheets: the tables may still be coming from a worker process
BUILD_LAST = True


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    sh.title("Sensitivity of the cumulative impact (US$ bn)",
             "Tornado: each uncertain input at its P10 and P90, all others at their most likely values (the "
             "deterministic run). Two-way: grids of two inputs (P5 to P95) with the deterministic run boxed, for the "
             "scenario's two largest tornado drivers and the pairs of analysis.yaml. Sobol: first-order (S1) and total "
             "(ST) indices, 95% intervals.")
    if not res.sensitivity:
        sh.note("Sensitivity analysis was skipped (--no-sensitivity or settings.sensitivity: false).")
        sh.finish()
        return
    # contents with links to each scenario block (filled in after the blocks are written)
    contents_row = sh.row
    sh.row += len(res.sensitivity) + 2
    starts: dict[str, int] = {}
    for scen, block in res.sensitivity.items():
        starts[scen] = sh.row
        sh.put(sh.row, 1, f"Scenario: {tb.scenario_label(res, scen)} ({scen})", font=st.TITLE, measure=False)
        sh.row += 2
        t = block.get("tornado:total")
        if t is not None:
            _tornado_total(book, sh, tb.scenario_label(res, scen), t)
        for key, t in block.items():
            if key.startswith("tornado:") and key != "tornado:total":
                _tornado_channel(sh, t)
        for key, t in block.items():
            if key.startswith("two_way:top:"):
                _two_way(sh, t, "the two inputs with the largest tornado swings")
        for key, t in block.items():
            if key.startswith("two_way:") and not key.startswith("two_way:top:"):
                _two_way(sh, t, "declared in analysis.yaml")
        for key, t in block.items():
            if key.startswith("sobol:"):
                _sobol(sh, t)
        sh.row += 1
    r = contents_row
    sh.put(r, 1, "Scenarios on this sheet", font=st.HEADING, measure=False)
    for scen, row in starts.items():
        r += 1
        link_to_sheet(sh, r, 1, f"{tb.scenario_label(res, scen)} (row {row})", TITLE, f"A{row}")
    sh.finish(breaks=list(starts.values())[1:])


def _tornado_total(book: Book, sh: Sheet, label: str, t: Any) -> None:
    """The tornado table of the total, every input, with a bar chart of the top twelve."""
    lo_q, hi_q = t.meta.get("low_q", 0.1), t.meta.get("high_q", 0.9)
    sh.heading(f"Tornado, total of all channels: deterministic run {t.central:,.2f} US$ bn (cumulative); inputs at "
               f"P{100 * lo_q:g} / P{100 * hi_q:g}")
    tab = t.ranked()
    view = frame({
        "Rank": tab["rank"], "Input": tab["input"], "Label": tab["label"], "Kind": tab["kind"],
        "Unit": tab["unit"], "Input low": _shown(tab["low_value"], tab["unit"]),
        "Input most likely": _shown(tab["central_value"], tab["unit"]), "Input high": _shown(tab["high_value"], tab["unit"]),
        "Impact at low (US$ bn)": tab["low"], "Impact at high (US$ bn)": tab["high"], "Swing (US$ bn)": tab["swing"],
        "Low - deterministic (US$ bn)": tab["low"] - t.central, "High - deterministic (US$ bn)": tab["high"] - t.central})
    rf = [unit_format(u) for u in tab["unit"]]
    fm = {c: st.USD_BN for c in view.columns if "US$" in c} | {"Rank": st.INT}
    r0, c0, r1, c1 = sh.table(view, fm, row_formats={"Input low": rf, "Input most likely": rf, "Input high": rf})
    top = min(r1, r0 + 12)
    series = [(sh.ref(r0, c), sh.ref(r0 + 1, c, top, c)) for c in (c1 - 1, c1)]
    chart = charts.hbar(book, "clustered", 40,
                        f"Tornado, {label}: change from the deterministic run, cumulative US$ bn (top {top - r0})",
                        series, sh.ref(r0 + 1, c0 + 2, top, c0 + 2), ["C55A11", "2E75B6"], '#,##0.0')
    charts.set_size(chart, 9, 20)
    sh.chart(chart, r0, c1 + 2)
    sh.row = max(sh.row, r0 + 20)


def _shown(values: Any, units: Any) -> list[float]:
    """Input values as cells hold them (percentages as fractions)."""
    return [shown(float(v), u) for v, u in zip(values, units)]


def _tornado_channel(sh: Sheet, t: Any) -> None:
    """The top eight inputs that move one channel."""
    ch = t.target
    tab = t.ranked()
    tab = tab[tab["swing"] > 0]  # inputs that do not enter this channel have no swing
    sh.heading(f"Tornado, {tb.channel_title(ch)}: deterministic run {t.central:,.3f} US$ bn (top {min(8, len(tab))} "
               f"of {len(tab)} inputs that move it)")
    tab = tab.head(8)
    view = frame({"Rank": tab["rank"], "Input": tab["input"], "Label": tab["label"],
                  "Impact at low (US$ bn)": tab["low"], "Impact at high (US$ bn)": tab["high"],
                  "Swing (US$ bn)": tab["swing"]})
    sh.table(view, {c: st.USD_BN for c in view.columns[3:]} | {"Rank": st.INT})


def _sobol(sh: Sheet, t: Any) -> None:
    ch = t.target
    sh.heading(f"Sobol indices, {tb.channel_title(ch)} (base sample {t.meta['base_samples']:,}, "
               f"{t.meta['evaluations']:,} model evaluations)")
    tab = t.ranked()
    omitted = 0
    if ch != "total":  # an input that does not enter the channel has S1 = ST = 0 exactly: list the others
        keep = (tab[["S1", "ST", "S1_conf", "ST_conf"]].fillna(0) != 0).any(axis=1)
        omitted = int((~keep).sum())
        tab = tab[keep]
    view = frame({"Rank": np.arange(1, len(tab) + 1), "Input": tab["input"], "Label": tab["label"],
                  "Kind": tab["kind"], "S1 (first order)": tab["S1"], "S1 95% CI ±": tab["S1_conf"],
                  "ST (total)": tab["ST"], "ST 95% CI ±": tab["ST_conf"]})
    sh.table(view, {c: st.INDEX for c in view.columns[4:]} | {"Rank": st.INT},
             blank_ok=("S1 95% CI ±", "ST 95% CI ±"))
    if omitted:
        sh.note(f"{omitted} inputs that do not enter this channel (indices exactly 0) are not listed; "
                "the CSV export (--csv) has every input.")
    if t.meta.get("small_sample"):
        sh.note("Warning: the base sample is below analysis.sensitivity.sobol.min_base_samples; "
                "indices may be unstable.")


def _two_way(sh: Sheet, t: Any, why: str) -> None:
    m = t.meta
    ch = t.target
    sh.heading(f"Two-way grid ({why}), {tb.channel_title(ch)}, cumulative US$ bn: rows = {m['y_label']} "
               f"({m['y_unit']}), columns = {m['x_label']} ({m['x_unit']})")
    grid = t.table
    xs = [shown(float(v), m["x_unit"]) for v in grid.columns]
    ys = [shown(float(v), m["y_unit"]) for v in grid.index]
    r0 = sh.row
    sh.put(r0, 1, "rows \\ columns", font=st.HEADER, fill=st.HEADER_FILL, align=st.HEADER_ALIGN, measure=False)
    sh.header(r0, 2, xs, [unit_format(m["x_unit"])] * len(xs))
    vals = grid.to_numpy(dtype=float)
    yf = unit_format(m["y_unit"])
    ci, cj = m["center"]
    for i, yv in enumerate(ys):
        sh.put(r0 + 1 + i, 1, yv, fmt=yf, font=st.BOLD)
        for j in range(len(xs)):
            central = (i, j) == (ci, cj)
            sh.put(r0 + 1 + i, 2 + j, float(vals[i, j]), fmt=st.USD_BN, font=st.BOLD if central else None,
                   border=st.CENTRAL_BOX if central else None)
    rng = f"B{r0 + 1}:{get_column_letter(1 + len(xs))}{r0 + len(ys)}"
    sh.ws.conditional_format(rng, {"type": "3_color_scale", "min_color": "#F8696B", "mid_type": "percentile",
                                   "mid_value": 50, "mid_color": "#FFEB84", "max_color": "#63BE7B"})
    sh.row = r0 + len(ys) + 1
    sh.note(f"Boxed cell ({m['y']} = {float(grid.index[ci]):g}, {m['x']} = {float(grid.columns[cj]):g}, their most "
            f"likely values) equals the deterministic run: {t.central:,.4f} US$ bn. Red = larger loss.")
    sh.row += 1
