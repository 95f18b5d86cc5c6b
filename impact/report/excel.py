"""The Excel workbook analysts open.

Sheets, in a fixed order: Summary, Scenarios, one sheet per channel, Uncertainty, Sensitivity,
What-if (live formulas), Estimates, Assumptions, Data, About.  Numbers are static values except on
What-if, whose formulas recompute each channel's central impact from editable inputs.  The file is
written to a temporary file beside the target and moved into place, so a failed or interrupted run
never leaves a partial workbook; non-finite numbers are refused before anything is written.
"""
from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo

from ..errors import Issue, OutputError
from . import styles as st

if TYPE_CHECKING:  # pragma: no cover
    from ..api import AnalysisResult

SHEET_TITLES = {"tourism": "Tourism", "imports": "Imports", "business_costs": "Business costs"}
_FORMULA_START = ("=", "+", "-", "@")


class NonFiniteError(RuntimeError):
    """A NaN or infinite number was about to be written to the workbook."""


def sheet_names(channels: Sequence[str]) -> list[str]:
    """The workbook's sheet names in order (stable across runs)."""
    return (["Summary", "Scenarios"] + [SHEET_TITLES.get(c, c.replace("_", " ").capitalize()[:31]) for c in channels]
            + ["Uncertainty", "Sensitivity", "What-if", "Estimates", "Assumptions", "Data", "About"])


# ----------------------------------------------------------------------------- low-level writing
class _Sheet:
    """A worksheet with a cursor and safe cell writers."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 1
        self.widths: dict[int, float] = {}

    def put(self, r: int, c: int, value: Any, fmt: str | None = None, font: Any = None, fill: Any = None,
            align: Any = None) -> Any:
        cell = self.ws.cell(row=r, column=c)
        if isinstance(value, (np.floating, np.integer)):
            value = value.item()
        if isinstance(value, float):
            if not math.isfinite(value):
                raise NonFiniteError(f"sheet {self.ws.title!r} cell {cell.coordinate}: {value}")
        if isinstance(value, str):
            cell.value = value
            if value.startswith(_FORMULA_START):
                cell.data_type = "s"  # text from inputs is never a formula
            self.widths[c] = max(self.widths.get(c, 0), min(len(value), 60) * 1.0)
        else:
            cell.value = value
            if value is not None:
                self.widths[c] = max(self.widths.get(c, 0), 11)
        cell.font = font or st.NORMAL
        if fmt:
            cell.number_format = fmt
        if fill:
            cell.fill = fill
        if align:
            cell.alignment = align
        return cell

    def formula(self, r: int, c: int, text: str, fmt: str | None = None) -> Any:
        cell = self.ws.cell(row=r, column=c)
        cell.value = text
        cell.font = st.BOLD
        if fmt:
            cell.number_format = fmt
        self.widths[c] = max(self.widths.get(c, 0), 12)
        return cell

    def title(self, text: str, subtitle: str = "") -> None:
        self.put(self.row, 1, text, font=st.TITLE)
        self.row += 1
        if subtitle:
            self.put(self.row, 1, subtitle, font=st.SUBTITLE)
            self.widths[1] = min(self.widths.get(1, 10), 40)
            self.row += 1
        self.row += 1

    def heading(self, text: str) -> None:
        self.put(self.row, 1, text, font=st.BOLD)
        self.row += 1

    def note(self, text: str) -> None:
        self.put(self.row, 1, text, font=st.NOTE)
        self.widths[1] = min(self.widths.get(1, 10), 40)
        self.row += 1

    def table(self, df: pd.DataFrame, formats: Mapping[str, str] | None = None, *, index: bool = False,
              blank_ok: bool = False, name: str | None = None, col: int = 1) -> tuple[int, int, int, int]:
        """Write a DataFrame with a styled header; returns (first_row, first_col, last_row, last_col)."""
        formats = formats or {}
        data = df.reset_index() if index else df
        r0 = self.row
        for j, h in enumerate(data.columns):
            self.put(r0, col + j, str(h), font=st.HEADER, fill=st.HEADER_FILL, align=st.WRAP)
        for i, rec in enumerate(data.itertuples(index=False), start=1):
            for j, (h, v) in enumerate(zip(data.columns, rec)):
                if isinstance(v, float) and math.isnan(v) and blank_ok:
                    v = None
                if v is pd.NA or v is pd.NaT:
                    v = None
                self.put(r0 + i, col + j, v, fmt=formats.get(str(h)))
        last = r0 + len(data)
        if name and len(data):
            ref = f"{get_column_letter(col)}{r0}:{get_column_letter(col + len(data.columns) - 1)}{last}"
            t = Table(displayName=name, ref=ref)
            t.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
            self.ws.add_table(t)
        self.row = last + 2
        return r0, col, last, col + len(data.columns) - 1

    def finish(self, freeze: str | None = "A2") -> None:
        for c, w in self.widths.items():
            self.ws.column_dimensions[get_column_letter(c)].width = max(8.0, min(w + 2, 62.0))
        if freeze:
            self.ws.freeze_panes = freeze


def _clean_name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", s)


# ----------------------------------------------------------------------------- sheets
def _summary(wb: Workbook, res: AnalysisResult) -> None:
    sh = _Sheet(wb.create_sheet("Summary"))
    sh.ws.sheet_view.showGridLines = False
    s = res.assumptions.settings
    years = res.model.years
    sh.title(s.title, f"Cumulative impact {years[0]}-{years[-1]} vs. the no-designation baseline. US$ bn, current "
                      f"dollars; negative = loss (lower spending or imports, higher business costs). "
                      f"{res.info.draws:,} Monte Carlo draws per scenario, seed {res.info.seed}.")
    chans = list(res.model.channels)
    rows = []
    for name, run in res.runs.items():
        if name == "baseline":
            continue
        mc = res.montecarlo.get(name)
        q = mc.quantiles((0.05, 0.95)).xs("cumulative", level="year") if mc else None
        for ch in chans + ["total"]:
            rows.append({"Scenario": run.label, "Channel": "Total" if ch == "total" else res.model.fits[ch].baseline.channel
                         if False else (SHEET_TITLES.get(ch, ch) if ch != "total" else "Total"),
                         "Central (US$ bn)": float(run.cumulative[ch]),
                         "P5 (US$ bn)": float(q.loc[ch, 0.05]) if q is not None else None,
                         "P95 (US$ bn)": float(q.loc[ch, 0.95]) if q is not None else None,
                         "% of baseline": float(run.cumulative_pct[ch]), "Weight": run.weight})
    df = pd.DataFrame(rows)
    fm = {"Central (US$ bn)": st.USD_BN, "P5 (US$ bn)": st.USD_BN, "P95 (US$ bn)": st.USD_BN, "% of baseline": st.PCT,
          "Weight": st.SHARE}
    sh.heading("Headline: cumulative impact by scenario and channel")
    r0, c0, r1, c1 = sh.table(df, fm, blank_ok=True, name="Headline")
    for r in range(r0 + 1, r1 + 1):
        if sh.ws.cell(r, 2).value == "Total":
            for c in range(c0, c1 + 1):
                sh.ws.cell(r, c).fill = st.TOTAL_FILL
                sh.ws.cell(r, c).font = st.BOLD
    # chart data: scenario x channel central
    sh.heading("Central cumulative impact by scenario (chart data, US$ bn)")
    piv = pd.DataFrame({SHEET_TITLES.get(ch, ch): [float(res.runs[n].cumulative[ch]) for n in res.runs if n != "baseline"]
                        for ch in chans}, index=[res.runs[n].label for n in res.runs if n != "baseline"])
    piv.index.name = "Scenario"
    p0, pc0, p1, pc1 = sh.table(piv, {c: st.USD_BN for c in piv.columns}, index=True)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Central cumulative impact by channel (US$ bn)"
    chart.y_axis.title = "US$ bn"
    chart.add_data(Reference(sh.ws, min_col=pc0 + 1, max_col=pc1, min_row=p0, max_row=p1), titles_from_data=True)
    chart.set_categories(Reference(sh.ws, min_col=pc0, min_row=p0 + 1, max_row=p1))
    chart.height, chart.width = 9, 18
    sh.ws.add_chart(chart, f"I{3}")
    if not res.expected.empty:
        sh.heading("Probability-weighted expected impact across scenarios (weights from scenarios.yaml)")
        e = res.expected.reset_index()
        e["channel"] = [SHEET_TITLES.get(c, "Total" if c == "total" else c) for c in e["channel"]]
        e.columns = ["Channel", "Expected (US$ bn)", "P5 (US$ bn)", "P95 (US$ bn)"]
        sh.table(e, {c: st.USD_BN for c in e.columns[1:]})
    sh.note("P5/P95: 5th and 95th percentiles of the Monte Carlo (estimation and assumption uncertainty). "
            "Impacts are gross effects per channel, not net welfare; channels are summed in 'Total'.")
    sh.finish(freeze=None)


def _scenarios(wb: Workbook, res: AnalysisResult) -> None:
    sh = _Sheet(wb.create_sheet("Scenarios"))
    years = res.model.years
    sh.title("Scenarios side by side", "Impact by year and cumulative, US$ bn: central (deterministic) and Monte Carlo "
                                       "P5 / P95.")
    rows = []
    for name, run in res.runs.items():
        mc = res.montecarlo.get(name)
        q = mc.quantiles((0.05, 0.95)) if mc else None
        summ = run.summary()
        for ch in list(res.model.channels) + ["total"]:
            for y in [*years, "cumulative"]:
                key = str(y)
                rows.append({"Scenario": name, "Channel": ch, "Year": key,
                             "Central (US$ bn)": float(summ.loc[y, ch]),
                             "P5 (US$ bn)": float(q.loc[(ch, key), 0.05]) if q is not None else None,
                             "P95 (US$ bn)": float(q.loc[(ch, key), 0.95]) if q is not None else None})
    df = pd.DataFrame(rows)
    sh.table(df, {c: st.USD_BN for c in df.columns[3:]}, blank_ok=True, name="ScenarioImpacts")
    sh.heading("Scenario definitions")
    defs = pd.DataFrame([{"Scenario": n, "Label": sc.label, "Extends chain": " > ".join(sc.chain),
                          "Weight": sc.weight, "Description": sc.description}
                         for n, sc in res.assumptions.scenarios.items()])
    sh.table(defs, {"Weight": st.SHARE})
    sh.finish()


def _channel(wb: Workbook, res: AnalysisResult, ch: str) -> None:
    title = SHEET_TITLES.get(ch, ch)
    sh = _Sheet(wb.create_sheet(title))
    fit = res.model.fits[ch]
    block = res.assumptions.channels[ch]
    sh.title(f"{block.label}", block.description)
    sh.heading("Baseline (no designation)")
    sh.note(f"Estimator: {fit.baseline.method}")
    sh.note(f"Data: {fit.baseline.data}")
    b = res.model.baseline(ch).drop(columns="unit").reset_index()
    lvl = int(round(100 * fit.baseline.level))
    b.columns = ["Year", "Mean (US$ bn)", "Median = central path (US$ bn)", f"Lower {lvl}% (US$ bn)",
                 f"Upper {lvl}% (US$ bn)"]
    fm = {c: st.USD_BN for c in b.columns[1:]}
    fm["Year"] = st.INT
    r0, c0, r1, c1 = sh.table(b, fm)
    line = LineChart()
    line.title = f"{title}: baseline with {lvl}% interval (US$ bn)"
    line.add_data(Reference(sh.ws, min_col=c0 + 1, max_col=c1, min_row=r0, max_row=r1), titles_from_data=True)
    line.set_categories(Reference(sh.ws, min_col=c0, min_row=r0 + 1, max_row=r1))
    line.height, line.width = 8, 16
    sh.ws.add_chart(line, "I3")
    sh.heading("Impact by year and scenario, central (US$ bn)")
    imp = pd.DataFrame({n: r.impacts[ch] for n, r in res.runs.items()})
    imp.index.name = "Year"
    i0, ic0, i1, ic1 = sh.table(imp, {n: st.USD_BN for n in imp.columns} | {"Year": st.INT}, index=True)
    bar = LineChart()
    bar.title = f"{title}: central impact by scenario (US$ bn)"
    bar.add_data(Reference(sh.ws, min_col=ic0 + 2, max_col=ic1, min_row=i0, max_row=i1), titles_from_data=True)
    bar.set_categories(Reference(sh.ws, min_col=ic0, min_row=i0 + 1, max_row=i1))
    bar.height, bar.width = 8, 16
    sh.ws.add_chart(bar, "I20")
    sh.heading("Impact by year and scenario, % of baseline (central)")
    pct = pd.DataFrame({n: r.pct[ch] for n, r in res.runs.items()})
    pct.index.name = "Year"
    sh.table(pct, {n: st.PCT for n in pct.columns} | {"Year": st.INT}, index=True)
    sh.heading("Components of the central impact (US$ bn)")
    comp_rows = []
    for n, r in res.runs.items():
        if n == "baseline":
            continue
        for comp in r.components[ch].columns:
            comp_rows.append({"Scenario": n, "Component": comp,
                              **{str(y): float(v) for y, v in r.components[ch][comp].items()}})
    comps = pd.DataFrame(comp_rows)
    sh.table(comps, {str(y): st.USD_BN for y in res.model.years})
    sh.heading("Estimates used")
    if fit.pooled:
        sh.table(fit.pooled_frame().rename(columns={"estimate": "estimate", "std_error": "std_error"}),
                 {"estimate": st.COEF, "std_error": st.COEF, "conf_low": st.COEF, "conf_high": st.COEF}, blank_ok=True)
    for n in fit.notes:
        sh.note(n)
    sh.finish(freeze=None)


def _uncertainty(wb: Workbook, res: AnalysisResult) -> None:
    sh = _Sheet(wb.create_sheet("Uncertainty"))
    sh.title("Monte Carlo uncertainty", "Quantiles of the impact (US$ bn) by scenario, channel and year; variance of the "
                                       "cumulative impact split into estimation (coefficients, baseline forecasts) and "
                                       "assumptions.")
    if not res.montecarlo:
        sh.note("The Monte Carlo was skipped (--draws 0).")
        sh.finish()
        return
    rows = []
    for name, mc in res.montecarlo.items():
        q = mc.quantiles((0.05, 0.25, 0.5, 0.75, 0.95))
        m = mc.mean()
        for (ch, y), r in q.iterrows():
            rows.append({"Scenario": name, "Channel": ch, "Year": y, "Mean": float(m[(ch, y)]), "P5": r[0.05],
                         "P25": r[0.25], "P50": r[0.5], "P75": r[0.75], "P95": r[0.95]})
    df = pd.DataFrame(rows)
    sh.table(df, {c: st.USD_BN for c in df.columns[3:]}, name="Quantiles")
    sh.heading("Fan chart data: total impact by year (US$ bn)")
    fan_rows = []
    years = [str(y) for y in res.model.years]
    for name, mc in res.montecarlo.items():
        if name == "baseline":
            continue
        q = mc.quantiles((0.05, 0.25, 0.5, 0.75, 0.95))
        for y in years:
            r = q.loc[("total", y)]
            fan_rows.append({"Scenario": name, "Year": int(y), "P5": r[0.05], "P25": r[0.25], "P50": r[0.5],
                             "P75": r[0.75], "P95": r[0.95]})
    fan = pd.DataFrame(fan_rows)
    f0, fc0, f1, fc1 = sh.table(fan, {c: st.USD_BN for c in fan.columns[2:]} | {"Year": st.INT})
    # one fan chart for the first designation scenario
    first = fan["Scenario"].iloc[0] if len(fan) else None
    if first is not None:
        n = len(years)
        chart = LineChart()
        chart.title = f"Total impact, {first}: P5-P95 fan (US$ bn)"
        chart.add_data(Reference(sh.ws, min_col=fc0 + 2, max_col=fc1, min_row=f0, max_row=f0 + n), titles_from_data=True)
        chart.set_categories(Reference(sh.ws, min_col=fc0 + 1, min_row=f0 + 1, max_row=f0 + n))
        chart.height, chart.width = 9, 18
        sh.ws.add_chart(chart, "L3")
    sh.heading("Variance of the cumulative impact: estimation vs assumptions")
    vrows = []
    for name, mc in res.montecarlo.items():
        for ch, r in mc.variance.iterrows():
            vrows.append({"Scenario": name, "Channel": ch, "Variance, all (US$ bn^2)": r["total"],
                          "Estimation only": r["estimation"], "Assumptions only": r["assumptions"],
                          "Share due to estimation": r["share_estimation"]})
    v = pd.DataFrame(vrows)
    sh.table(v, {c: '#,##0.000' for c in v.columns[2:5]} | {"Share due to estimation": st.SHARE}, blank_ok=True)
    sh.note("Share due to estimation = Var(estimation only) / (Var(estimation only) + Var(assumptions only)); "
            "the remainder of the full variance is interaction.")
    sh.finish()


def _sensitivity(wb: Workbook, res: AnalysisResult) -> None:
    sh = _Sheet(wb.create_sheet("Sensitivity"))
    sh.title("Sensitivity of the cumulative impact", "Tornado: each uncertain input at its P10 and P90, others central. "
                                                    "Two-way: grids with the central case highlighted. Sobol: first-order "
                                                    "(S1) and total (ST) indices with 95% intervals.")
    if not res.sensitivity:
        sh.note("Sensitivity analysis was skipped (--no-sensitivity or settings.sensitivity: false).")
        sh.finish()
        return
    chart_row = 3
    for scen, block in res.sensitivity.items():
        sh.heading(f"Scenario: {scen}")
        t = block.get("tornado:total")
        if t is not None:
            sh.heading(f"Tornado, target {t.target}: central {t.central:,.3f} US$ bn")
            tab = t.ranked()[["rank", "input", "label", "kind", "unit", "low_value", "central_value", "high_value", "low",
                              "high", "swing"]].copy()
            tab["low - central"] = tab["low"] - t.central
            tab["high - central"] = tab["high"] - t.central
            fm = {"low": st.USD_BN, "high": st.USD_BN, "swing": st.USD_BN, "low - central": st.USD_BN,
                  "high - central": st.USD_BN, "low_value": '#,##0.000', "central_value": '#,##0.000',
                  "high_value": '#,##0.000'}
            r0, c0, r1, c1 = sh.table(tab, fm)
            top = min(r1, r0 + 12)
            chart = BarChart()
            chart.type = "bar"
            chart.grouping = "clustered"
            chart.overlap = 100
            chart.title = f"Tornado, {scen}: change from central (US$ bn)"
            chart.add_data(Reference(sh.ws, min_col=c1 - 1, max_col=c1, min_row=r0, max_row=top), titles_from_data=True)
            chart.set_categories(Reference(sh.ws, min_col=c0 + 1, min_row=r0 + 1, max_row=top))
            chart.y_axis.title = "US$ bn"
            chart.x_axis.scaling.orientation = "maxMin"
            chart.height, chart.width = 9, 18
            sh.ws.add_chart(chart, f"Q{max(chart_row, r0)}")
            chart_row = r0 + 20
        for key, t in block.items():
            if key.startswith("tornado:") and key != "tornado:total":
                sh.heading(f"Tornado, target {t.target}: central {t.central:,.3f} US$ bn (top 8)")
                tab = t.ranked().head(8)[["rank", "input", "low", "high", "swing"]]
                sh.table(tab, {"low": st.USD_BN, "high": st.USD_BN, "swing": st.USD_BN})
        for key, t in block.items():
            if not key.startswith("two_way:"):
                continue
            m = t.meta
            sh.heading(f"Two-way grid, target {t.target} (US$ bn): rows {m['y']} ({m['y_unit']}), "
                       f"columns {m['x']} ({m['x_unit']}); central cell highlighted")
            grid = t.table.copy()
            grid.index = [float(v) for v in grid.index]
            grid.columns = [float(v) for v in grid.columns]
            r0 = sh.row
            sh.put(r0, 1, f"{m['y']} \\ {m['x']}", font=st.HEADER, fill=st.HEADER_FILL)
            for j, xv in enumerate(grid.columns):
                sh.put(r0, 2 + j, xv, fmt='#,##0.000', font=st.HEADER, fill=st.HEADER_FILL)
            for i, (yv, row) in enumerate(grid.iterrows()):
                sh.put(r0 + 1 + i, 1, yv, fmt='#,##0.000', font=st.BOLD)
                for j, val in enumerate(row):
                    sh.put(r0 + 1 + i, 2 + j, float(val), fmt=st.USD_BN)
            n = len(grid)
            rng = f"B{r0 + 1}:{get_column_letter(1 + n)}{r0 + n}"
            sh.ws.conditional_formatting.add(rng, ColorScaleRule(start_type="min", start_color="F8696B",
                                                                 mid_type="percentile", mid_value=50, mid_color="FFEB84",
                                                                 end_type="max", end_color="63BE7B"))
            ci, cj = m["center"]
            cell = sh.ws.cell(r0 + 1 + ci, 2 + cj)
            cell.font = st.BOLD
            cell.border = st.BOX
            sh.row = r0 + n + 2
            sh.note(f"Central cell ({m['y']} = {grid.index[ci]:g}, {m['x']} = {grid.columns[cj]:g}) equals the "
                    f"deterministic run: {t.central:,.4f} US$ bn.")
        for key, t in block.items():
            if not key.startswith("sobol:"):
                continue
            sh.heading(f"Sobol indices, target {t.target} (base sample {t.meta['base_samples']}, "
                       f"{t.meta['evaluations']:,} evaluations)")
            tab = t.ranked()[["input", "kind", "S1", "S1_conf", "ST", "ST_conf"]].head(12)
            sh.table(tab, {c: '0.000' for c in ("S1", "S1_conf", "ST", "ST_conf")})
            if t.meta.get("small_sample"):
                sh.note("Warning: the base sample is small; indices may be unstable.")
    sh.finish(freeze=None)


def _whatif(wb: Workbook, res: AnalysisResult) -> list[dict[str, Any]]:
    """Live formulas for the central case of each channel; returns the formula cells for checking."""
    from .. import channels as reg

    sh = _Sheet(wb.create_sheet("What-if"))
    sh.title("What-if: live formulas for the central case",
             "Edit the yellow input cells; the impact formulas recompute (the workbook recalculates on open). "
             "Column 'Python value' is the model's own central result for comparison.")
    checks: list[dict[str, Any]] = []
    model = res.model
    years = list(model.years)
    for name, run in res.runs.items():
        if name == "baseline":
            continue
        sc = model.resolve(name)
        inputs = {i.name: i for i in model.inputs(sc)}
        sh.heading(f"Scenario: {sc.label} ({name})")
        sh.put(sh.row, 1, "Input", font=st.HEADER, fill=st.HEADER_FILL)
        sh.put(sh.row, 2, "Value", font=st.HEADER, fill=st.HEADER_FILL)
        sh.put(sh.row, 3, "Unit", font=st.HEADER, fill=st.HEADER_FILL)
        sh.put(sh.row, 4, "Label", font=st.HEADER, fill=st.HEADER_FILL)
        sh.row += 1
        refs: dict[str, dict[str, str]] = {ch: {} for ch in model.channels}
        shared: dict[str, str] = {}

        def add_input(key: str, label: str, value: float, unit: str, fmt: str = '#,##0.0000') -> str:
            r = sh.row
            sh.put(r, 1, key)
            sh.put(r, 2, float(value), fmt=fmt, fill=st.INPUT_FILL)
            sh.put(r, 3, unit)
            sh.put(r, 4, label)
            sh.row += 1
            ref = f"$B${r}"
            dn = _clean_name(f"{name}.{key}")
            wb.defined_names[dn] = DefinedName(dn, attr_text=f"{quote_sheetname(sh.ws.title)}!{ref}")
            return ref

        shared["base_year"] = add_input("settings.base_year", "Base year", res.assumptions.settings.base_year, "year", st.INT)
        for p in sc.shocks.values():
            ref = add_input(p.qualname, p.label, inputs[p.qualname].central, p.unit_label)
            shared[p.name] = ref
            shared[f"start:{p.name}"] = add_input(f"{p.qualname}.start", f"{p.label}: start year", p.start, "year", st.INT)
        for ch in model.channels:
            for pn in res.assumptions.channels[ch].parameters:
                inp = inputs[f"{ch}.{pn}"]
                refs[ch][pn] = add_input(inp.name, inp.label, inp.central, inp.unit)
            for k, v in model.fits[ch].constants.items():
                if isinstance(v, (int, float)):
                    refs[ch][k] = add_input(f"{ch}.{k}", f"data constant ({k})", v, "", '#,##0.0000')
        sh.row += 1
        timings = {p.name: str(p.timing) for p in sc.shocks.values()}
        for ch in model.channels:
            channel = reg.get(ch)
            if channel.excel_formula is None:
                continue
            fit = model.fits[ch]
            sh.heading(f"{SHEET_TITLES.get(ch, ch)}: central impact (US$ bn)")
            hdr = ["Year", "Baseline path (central)", "Impact (formula)", "Python value"]
            for j, h in enumerate(hdr):
                sh.put(sh.row, 1 + j, h, font=st.HEADER, fill=st.HEADER_FILL)
            sh.row += 1
            for k, y in enumerate(years):
                r = sh.row
                sh.put(r, 1, y, fmt=st.INT)
                sh.put(r, 2, float(fit.baseline.central[k]), fmt='#,##0.0000', fill=st.INPUT_FILL)
                cell_refs = {**shared, **refs[ch], "baseline": f"$B${r}"}
                text = channel.excel_formula(cell_refs, f"$A${r}", timings)
                sh.formula(r, 3, text, fmt=st.USD_BN)
                py = float(run.impacts.loc[y, ch])
                sh.put(r, 4, py, fmt=st.USD_BN)
                checks.append({"scenario": name, "channel": ch, "year": y, "cell": f"C{r}", "python": py})
                sh.row += 1
            sh.row += 1
    sh.finish(freeze=None)
    return checks


def _estimates(wb: Workbook, res: AnalysisResult) -> None:
    sh = _Sheet(wb.create_sheet("Estimates"))
    sh.title("Estimates", "Every estimator: coefficients, standard errors, 95% confidence intervals, diagnostics; "
                          "data vs prior vs pooled for the coefficients the channels use.")
    for ch, fit in res.model.fits.items():
        sh.heading(f"{SHEET_TITLES.get(ch, ch)}: data, prior and pooled estimates")
        pf = fit.pooled_frame()
        pf["prior source"] = [fit.pooled[t].prior_source if k == "prior" else (fit.pooled[t].data_note if k == "data" else "")
                              for t, k in zip(pf["term"], pf["kind"])]
        sh.table(pf, {"estimate": st.COEF, "std_error": st.COEF, "conf_low": st.COEF, "conf_high": st.COEF}, blank_ok=True)
        for m in [fit.main, *fit.models.values()]:
            sh.heading(m.name)
            sh.note(f"{m.method}. Dependent: {m.dependent}. Sample: {m.sample}. Observations: {m.nobs}"
                    + (f". R-squared: {m.rsquared:.3f}" if m.rsquared is not None else ""))
            tidy = m.tidy().drop(columns="model")
            sh.table(tidy, {c: st.COEF for c in tidy.columns[1:]})
            sh.table(m.diagnostics_frame(), {"statistic": st.COEF, "p_value": st.COEF}, blank_ok=True)
            for n in m.notes:
                sh.note(n)
    sh.finish()


def _assumptions(wb: Workbook, res: AnalysisResult) -> None:
    sh = _Sheet(wb.create_sheet("Assumptions"))
    sh.title("Assumptions used", "Every value actually used, per scenario: unit, range, distribution, source and the "
                                 "file:line it came from. Estimated values show the estimate used.")
    rows = []
    for name in res.runs:
        sc = res.model.resolve(name)
        inputs = {i.name: i for i in res.model.inputs(sc)}
        for p in list(sc.shocks.values()) + list(sc.parameters.values()):
            inp = inputs[p.qualname]
            rows.append({"Scenario": name, "Name": p.qualname, "Label": p.label, "Value used": inp.central,
                         "Unit": p.unit_label, "Kind": inp.kind,
                         "Bounds": f"[{p.bounds[0]:g}, {p.bounds[1]:g}]",
                         "Plausible": f"[{p.plausible[0]:g}, {p.plausible[1]:g}]" if p.plausible else "",
                         "Distribution": inp.distribution.describe() if inp.uncertain else "fixed",
                         "Start": p.start, "Timing": p.timing or "",
                         "Source": p.source + (f" Prior: {p.prior.source}" if p.prior else ""),
                         "Set in": " > ".join(p.overridden_by), "File:line": str(p.location)})
    df = pd.DataFrame(rows)
    sh.table(df, {"Value used": '#,##0.0000', "Start": st.INT}, blank_ok=True, name="AssumptionsUsed")
    for c in (12,):
        sh.ws.column_dimensions[get_column_letter(c)].width = 80
    sh.finish()
    sh.ws.column_dimensions["L"].width = 80


def _data(wb: Workbook, res: AnalysisResult) -> None:
    sh = _Sheet(wb.create_sheet("Data"))
    sh.title("Data used", "Bundled public series (or your overrides) with their official sources, vintages and caveats.")
    rows = []
    for sid, s in res.model.data.items():
        a = s.attrs
        rows.append({"Series": sid, "Description": a.get("description", ""), "Unit": a.get("unit", ""),
                     "Frequency": a.get("frequency", ""), "Source": a.get("source", ""),
                     "Series code": a.get("series_code", ""), "Coverage": f"{s.index[0]}..{s.index[-1]}",
                     "Vintage": a.get("vintage", ""), "Caveats": a.get("caveats", ""), "File": Path(a.get("file", "")).name,
                     "Read via": a.get("read_via", "")})
    sh.table(pd.DataFrame(rows), name="DataCatalog")
    sh.heading("Annual series (values)")
    annual = {sid: s for sid, s in res.model.data.items() if s.attrs.get("frequency") == "annual"}
    wide = pd.DataFrame(annual)
    wide.index.name = "year"
    sh.table(wide, {c: '#,##0.00' for c in wide.columns} | {"year": st.INT}, index=True, blank_ok=True)
    sh.finish()


def _about(wb: Workbook, res: AnalysisResult) -> None:
    sh = _Sheet(wb.create_sheet("About"))
    sh.title("About this run", "What is needed to reproduce these numbers.")
    df = res.info.to_frame()
    df["value"] = df["value"].astype(str)
    sh.table(df)
    sh.note("Same assumption files (SHA-256 above), data, seed and draws give identical numbers.")
    sh.note("Sign convention: negative = economic loss. Money: US$ bn, current dollars.")
    sh.finish()


# ----------------------------------------------------------------------------- entry points
def build_workbook(res: AnalysisResult) -> tuple[Workbook, list[dict[str, Any]]]:
    """The workbook in memory and the list of live formula cells (for verification)."""
    wb = Workbook()
    wb.remove(wb.active)
    _summary(wb, res)
    _scenarios(wb, res)
    for ch in res.model.channels:
        _channel(wb, res, ch)
    _uncertainty(wb, res)
    _sensitivity(wb, res)
    checks = _whatif(wb, res)
    _estimates(wb, res)
    _assumptions(wb, res)
    _data(wb, res)
    _about(wb, res)
    wb.calculation.fullCalcOnLoad = True
    return wb, checks


def check_writable(path: str | os.PathLike[str]) -> None:
    """Fail early (exit 2) when the workbook cannot be written; nothing is touched."""
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise OutputError(Issue(f"output must be an .xlsx file (got {str(p)!r})", hint="e.g. --out outputs/impact.xlsx"))
    if p.exists() and p.is_dir():
        raise OutputError(Issue(f"output path is a folder: {p}", hint="give a file name ending in .xlsx"))
    lock = p.parent / f"~${p.name}"
    if lock.exists():
        raise OutputError(Issue(f"{p} is open in Excel (lock file {lock.name} present)",
                                hint="close the workbook and run again; the previous file was left untouched"))
    parent = p.parent if str(p.parent) else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(Issue(f"cannot write to folder {probe}", hint="choose another --out path or fix permissions"))
    if p.exists() and not os.access(p, os.W_OK):
        raise OutputError(Issue(f"{p} is read-only or locked", hint="close it or choose another --out path; it was left untouched"))


def write_workbook(res: AnalysisResult, path: str | os.PathLike[str]) -> str:
    """Write the workbook atomically (temporary file in the same folder, then rename)."""
    p = Path(path)
    check_writable(p)
    wb, _ = build_workbook(res)  # NonFiniteError here leaves the target untouched
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.stem}-", suffix=".xlsx.tmp")
    os.close(fd)
    try:
        wb.save(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except PermissionError as exc:
        raise OutputError(Issue(f"cannot write {p}: {exc.strerror}", hint="close the file or choose another --out path")) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return str(p)
