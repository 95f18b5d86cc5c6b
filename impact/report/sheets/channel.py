"""One sheet per channel: baseline, impact by year, components and the estimated coefficients used."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ... import channels as reg
from .. import charts
from .. import styles as st
from .. import tables as tb
from ..blocks import pooled_table
from ..book import Book, Sheet, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult


def titles(channels: list[str] | tuple[str, ...]) -> list[str]:
    """One sheet per channel, named by its title."""
    return [tb.channel_title(ch) for ch in channels]


def contents(res: AnalysisResult) -> list[tuple[str, str]]:
    return [(tb.channel_title(ch), f"{res.assumptions.channels[ch].label}: baseline, impact by year, components, "
             "estimates used") for ch in res.model.channels]


def build(book: Book, res: AnalysisResult) -> None:
    for ch in res.model.channels:
        _channel(book, res, ch)


def _channel(book: Book, res: AnalysisResult, ch: str) -> None:
    title = tb.channel_title(ch)
    sh = book.sheet(title)
    fit = res.model.fits[ch]
    block = res.assumptions.channels[ch]
    sh.title(f"{title}: {block.label}", block.description,
             f"Impacts on this sheet: {reg.get(ch).presented_as[0]}; US$ bn, {tb.dollars(res)}.")
    chart_col = 2 + max(len(tb.designation_scenarios(res)), 4) + 1
    _provenance(sh, fit, ch, chart_col)
    base_row = _baseline(book, sh, res, ch, chart_col)
    _impacts(book, sh, res, ch, chart_col, base_row)
    what, sign = reg.get(ch).presented_as
    sh.heading(f"Components of the deterministic run: {what.split(' (')[0]} (US$ bn)")
    comps = tb.components(res, ch)
    if not comps.empty:
        cv = comps.rename(columns={"scenario": "Scenario", "component": "Component", "cumulative": "Cumulative"})
        for c in cv.columns[2:]:
            cv[c] = sign * cv[c]
        sh.table(cv, {c: st.USD_BN for c in cv.columns[2:]})
    if fit.pooled:
        sh.heading("Estimated coefficients used (data, literature prior, precision-weighted pool)")
        pooled_table(sh, fit, sources_below=True)
    for n in fit.notes:
        sh.note(n)
    sh.note("Full estimator output (all coefficients and diagnostics) is on the Estimates sheet.")
    sh.finish()


def _provenance(sh: Sheet, fit: Any, ch: str, chart_col: int) -> None:
    """Where the baseline comes from, the equation and the coefficients used."""
    lvl = int(round(100 * fit.baseline.level))
    flat = bool(np.allclose(fit.baseline.lower, fit.baseline.upper))
    pairs = [("Baseline produced by", fit.baseline.method),
             ("Baseline data", fit.baseline.data),
             ("Baseline interval", "none: the path is set by assumptions, whose ranges enter the Monte Carlo" if flat
              else f"{lvl}% prediction interval of the no-designation path")]
    eq = reg.get(ch).equation()
    if eq:
        pairs.append(("Equation", eq))
    used = [f"{p.term} = {p.value:.4g} ({p.mode}; se {p.se:.3g})" for p in fit.pooled.values()]
    if used:
        pairs.append(("Coefficients used", "; ".join(used)))
    sh.kv(pairs, span=chart_col + 6)


def _baseline(book: Book, sh: Sheet, res: AnalysisResult, ch: str, chart_col: int) -> int:
    """The no-designation path with its interval, and a line chart; returns the table's header row."""
    title = tb.channel_title(ch)
    lvl = int(round(100 * res.model.fits[ch].baseline.level))
    sh.heading(f"Baseline (no designation), US$ bn, with {lvl}% interval")
    b = tb.baseline_table(res, ch)
    bv = frame({"Year": b["year"], "Mean (US$ bn)": b["mean"], "Central path, median (US$ bn)": b["median"],
                f"Lower {lvl}% (US$ bn)": b["lower"], f"Upper {lvl}% (US$ bn)": b["upper"]})
    r0, c0, r1, c1 = sh.table(bv, {c: st.USD_BN for c in bv.columns[1:]} | {"Year": st.INT})
    line = book.chart("line")
    charts.set_title(line, f"{title}: no-designation baseline with {lvl}% interval (US$ bn)")
    for c, colr, dash in zip(range(c0 + 2, c1 + 1), ("1F3864", "8EA9DB", "8EA9DB"), (None, "dash", "dash")):
        line.add_series({"name": sh.ref(r0, c), "categories": sh.ref(r0 + 1, c0, r1, c0),
                         "values": sh.ref(r0 + 1, c, r1, c),
                         "line": {"color": "#" + colr, **({"dash_type": dash} if dash else {})}})
    line.set_y_axis({"num_format": '#,##0'})
    line.set_x_axis({"label_position": "low"})
    line.set_legend({"position": "bottom"})
    charts.set_size(line, 7.5, 16)
    sh.chart(line, r0 - 1, chart_col)
    return r0


def _impacts(book: Book, sh: Sheet, res: AnalysisResult, ch: str, chart_col: int, base_row: int) -> None:
    """Impact by year and scenario in US$ bn (with a chart) and in % of the channel's baseline, as the
    channel presents it (business costs: the additional cost, positive)."""
    title = tb.channel_title(ch)
    what, sign = reg.get(ch).presented_as
    years = list(res.model.years)
    scen = tb.designation_scenarios(res)
    sh.heading(f"Deterministic run by year and scenario: {what} (US$ bn)")
    imp = frame({"Year": [*years, "Cumulative"]}
                | {res.runs[n].label: [*(sign * float(v) for v in res.runs[n].impacts[ch]),
                                       sign * float(res.runs[n].cumulative[ch])] for n in scen})
    i0, ic0, i1, ic1 = sh.table(imp, {c: st.USD_BN for c in imp.columns[1:]} | {"Year": st.INT},
                                bold_rows=[len(years)], fill_rows=[len(years)])
    sh.row -= 1
    sh.note(f"{tb.DETERMINISTIC[0].upper()}{tb.DETERMINISTIC[1:]}; Monte Carlo ranges are on the Scenarios and "
            "Uncertainty sheets.")
    sh.row += 1
    if scen:
        ch2 = book.chart("line")
        charts.set_title(ch2, f"{title}: {what.split(' (')[0]}, deterministic run by scenario (US$ bn)")
        for c, colr in zip(range(ic0 + 1, ic1 + 1), charts.PALETTE):
            ch2.add_series({"name": sh.ref(i0, c), "categories": sh.ref(i0 + 1, ic0, i1 - 1, ic0),
                            "values": sh.ref(i0 + 1, c, i1 - 1, c), "line": {"color": "#" + colr}})
        ch2.set_y_axis({"num_format": '#,##0.0'})
        ch2.set_x_axis({"label_position": "low"})
        ch2.set_legend({"position": "bottom"})
        charts.set_size(ch2, 7.5, 16)
        ch2_row = max(i0 - 1, base_row + 16)
        sh.chart(ch2, ch2_row, chart_col)
    sh.heading(f"Deterministic run by year and scenario: {what.split(' (')[0]}, % of the channel's baseline")
    pct = frame({"Year": [*years, "Cumulative"]}
                | {res.runs[n].label: [*(sign * float(v) / 100 for v in res.runs[n].pct[ch]),
                                       sign * float(res.runs[n].cumulative_pct[ch]) / 100] for n in scen})
    sh.table(pct, {c: st.PCT for c in pct.columns[1:]} | {"Year": st.INT}, bold_rows=[len(years)],
             fill_rows=[len(years)])
    if scen:
        sh.row = max(sh.row, ch2_row + 18)  # below the impact chart
