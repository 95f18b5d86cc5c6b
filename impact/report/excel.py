"""The Excel workbook analysts open.

Sheets, in a fixed order (see :func:`sheet_names`): Summary, Scenarios, one sheet per channel,
Uncertainty, Sensitivity, What-if, Estimates, Assumptions, Data, About.  Numbers are static values
except on What-if, whose formulas recompute each channel's deterministic central impact from
editable inputs (the workbook is flagged to recalculate on open).  Every table comes from
:mod:`impact.report.tables`, the same frames ``--csv`` writes.

Safety: text is never written as a formula (strings starting with ``= + - @`` are stored as text);
NaN or infinite numbers are refused before anything is written; the file is written to a temporary
file beside the target and moved into place, so a failed or interrupted run never leaves a partial
or clobbered workbook.

Written with XlsxWriter (native charts, number formats, tables, defined names; this workbook in two
thirds of the time openpyxl took); openpyxl reads workbooks back (tests, the LibreOffice check).
Cell formats are created once per combination of style parts.
"""
from __future__ import annotations

import io
import math
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xlsxwriter

from ..spec import UNITS
from . import styles as st
from . import tables as tb
from .output import OutputSet, check_workbook_path

if TYPE_CHECKING:  # pragma: no cover
    from ..api import AnalysisResult

#: Channel sheet names (kept for callers of the previous API).
SHEET_TITLES = {k: v for k, v in tb.CHANNEL_TITLES.items() if k != "total"}
#: Excel number format by unit label (as shown in the Unit columns).
UNIT_FORMATS = {label: fmt for label, fmt in UNITS.values()} | {"quantile": '0.00', "year": st.INT}


_MAX_TEXT = 32_767  # characters per cell (Excel)


class NonFiniteError(RuntimeError):
    """A NaN or infinite number was about to be written to the workbook."""


def sheet_names(channels: Sequence[str]) -> list[str]:
    """The workbook's sheet names in order (stable across runs)."""
    return (["Summary", "Scenarios"] + [tb.channel_title(c) for c in channels]
            + ["Uncertainty", "Sensitivity", "What-if", "Estimates", "Assumptions", "Data", "About"])


def unit_format(unit: str) -> str:
    return UNIT_FORMATS.get(unit, st.VALUE)


# ----------------------------------------------------------------------------- low-level writing
def get_column_letter(c: int) -> str:
    """Column letters of a 1-based column number (1 -> A, 27 -> AA)."""
    out = ""
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def quote_sheetname(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


class _Styles:
    """One XlsxWriter format per combination of font, fill, number format, alignment and border
    (style parts are the dictionaries of :mod:`impact.report.styles`, identified by object)."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self._cache: dict[tuple[int, int, str, int, int], Any] = {}
        self._keep: list[Any] = []

    def get(self, font: Any, fill: Any, fmt: str | None, align: Any, border: Any) -> Any:
        key = (id(font), id(fill), fmt or "", id(align), id(border))
        f = self._cache.get(key)
        if f is None:
            props: dict[str, Any] = {}
            for part in (font, fill, align, border):
                if part:
                    props.update(part)
            if fmt:
                props["num_format"] = fmt
            f = self._cache[key] = self.wb.add_format(props)
            self._keep.append((font, fill, align, border))  # keep the ids in the key alive
        return f


class _Sheet:
    """A worksheet with a row cursor, safe cell writers and column-width bookkeeping.

    Rows and columns are 1-based here (as in Excel's A1 notation); XlsxWriter's are 0-based.
    """

    def __init__(self, book: _Book, title: str) -> None:
        self.book = book
        self.name = title
        self.ws = book.worksheets[title]
        self.row = 1
        self.widths: dict[int, float] = {}
        self.fixed: dict[int, float] = {}
        self.max_col = 1
        self.wrapped: list[tuple[int, int, str, float, int]] = []  # (row, col, text, points per line, columns)
        self.heights: dict[int, float] = {}

    # -- cells
    def put(self, r: int, c: int, value: Any, fmt: str | None = None, font: Any = None, fill: Any = None,
            align: Any = None, border: Any = None, measure: bool = True) -> None:
        if isinstance(value, (np.floating, np.integer, np.bool_)):
            value = value.item()
        if value is pd.NA or value is pd.NaT:
            value = None
        f = self.book.styles.get(font or st.NORMAL, fill, fmt, align, border)
        t = type(value)
        if t is float or t is int:
            if t is float and not math.isfinite(value):
                raise NonFiniteError(f"sheet {self.name!r} cell {get_column_letter(c)}{r}: {value}")
            self.ws.write_number(r - 1, c - 1, value, f)
            if measure:
                self._measure(c, st.WIDTH_NUM - 2 if t is float else len(str(value)))
        elif isinstance(value, str):
            if len(value) > _MAX_TEXT:  # Excel's limit per cell; XlsxWriter would drop the cell
                value = value[:_MAX_TEXT - 1] + "\u2026"
            # write_string: text from inputs is never a formula, whatever it starts with
            self.ws.write_string(r - 1, c - 1, value, f)
            if measure:
                self._measure(c, len(value))
        elif value is None:
            self.ws.write_blank(r - 1, c - 1, None, f)
        elif isinstance(value, bool):
            self.ws.write_boolean(r - 1, c - 1, value, f)
        elif isinstance(value, float):  # float subclasses
            self.put(r, c, float(value), fmt, font, fill, align, border, measure)
            return
        else:
            self.ws.write_string(r - 1, c - 1, str(value), f)
            if measure:
                self._measure(c, len(str(value)))
        if c > self.max_col:
            self.max_col = c

    def formula(self, r: int, c: int, text: str, fmt: str | None = None, font: Any = None, fill: Any = None,
                value: float | None = None) -> None:
        """A live formula (only What-if writes these).  ``value``, the model's number, is stored as its
        cached result, so viewers that do not recalculate still show it (Excel and LibreOffice
        recalculate on open)."""
        if not text.startswith("="):
            raise ValueError(f"not a formula: {text!r}")
        f = self.book.styles.get(font or st.FORMULA, fill or st.FORMULA_FILL, fmt, None, None)
        self.ws.write_formula(r - 1, c - 1, text, f, 0 if value is None else value)
        self._measure(c, st.WIDTH_NUM)
        if c > self.max_col:
            self.max_col = c

    def link(self, r: int, c: int, text: str, location: str) -> None:
        """A hyperlink to a place in this workbook (``location`` like ``'Sheet'!A1``)."""
        f = self.book.styles.get(st.LINK, None, None, None, None)
        self.ws.write_url(r - 1, c - 1, f"internal:{location}", f, string=text)
        if c > self.max_col:
            self.max_col = c

    def _measure(self, c: int, n: float) -> None:
        if n > self.widths.get(c, 0):
            self.widths[c] = n

    # -- blocks
    def title(self, text: str, *subtitles: str) -> None:
        self.put(self.row, 1, text, font=st.TITLE, measure=False)
        self.heights[self.row] = 21
        self.row += 1
        for s in subtitles:
            if s:
                self.put(self.row, 1, s, font=st.SUBTITLE, measure=False)
                self.row += 1
        self.row += 1

    def heading(self, text: str) -> int:
        r = self.row
        self.put(r, 1, text, font=st.HEADING, measure=False)
        self.row += 1
        return r

    def note(self, text: str, col: int = 1) -> None:
        self.put(self.row, col, text, font=st.NOTE, measure=False)
        self.row += 1

    def header(self, r: int, c: int, labels: Sequence[Any], fmts: Sequence[str | None] | None = None,
               nowrap: Sequence[Any] = ()) -> None:
        for j, h in enumerate(labels):
            fmt = fmts[j] if fmts else None
            if h in nowrap:  # a text column that overflows to the right: its header does too
                self.put(r, c + j, h, font=st.HEADER, fill=st.HEADER_FILL, align=st.LEFT, measure=False)
                continue
            self.put(r, c + j, h, fmt=fmt, font=st.HEADER, fill=st.HEADER_FILL, align=st.HEADER_ALIGN, measure=False)
            if isinstance(h, str):
                self.wrapped.append((r, c + j, h, 13.0, 1))
            n = len(str(h)) if not isinstance(h, float) else st.WIDTH_NUM - 2
            # headers wrap: ask for the width of the longest word or a third of the text, whichever is larger
            longest = max((len(w) for w in str(h).split()), default=0)
            self._measure(c + j, max(longest, min(n, 16 if n <= 32 else n / 2)))

    def table(self, df: pd.DataFrame, formats: Mapping[str, str] | None = None, *,
              row_formats: Mapping[str, Sequence[str]] | None = None, name: str | None = None, col: int = 1,
              wrap: Sequence[str] | Mapping[str, float] = (), overflow: Sequence[str] = (),
              blank_ok: bool | Sequence[str] = (), bold_rows: Sequence[int] = (), fill_rows: Sequence[int] = ()
              ) -> tuple[int, int, int, int]:
        """Write a DataFrame with a styled header row; returns (header_row, first_col, last_row, last_col).

        ``formats`` maps column -> number format; ``row_formats`` maps column -> one format per row;
        ``wrap`` names long-text columns (wrapped, wide); ``overflow`` names text columns left to run into
        the empty cells on their right (the last column of a table); ``name`` makes it a filterable Excel table.
        A NaN raises :class:`NonFiniteError` unless its column is in ``blank_ok`` (``True``: every column),
        where it means "not available" and is left blank.
        """
        formats = formats or {}
        row_formats = row_formats or {}
        r0 = self.row
        cols = [str(c) for c in df.columns]
        self.header(r0, col, cols, nowrap=overflow)
        bold, filled = set(bold_rows), set(fill_rows)
        wrap_w = dict(wrap) if isinstance(wrap, Mapping) else {w: st.WIDTH_LONG_TEXT for w in wrap}
        for j, (h, (_, series)) in enumerate(zip(cols, df.items())):
            c = col + j
            fmt = formats.get(h)
            rf = row_formats.get(h)
            wrapped = h in wrap_w
            if wrapped:
                self.fixed[c] = wrap_w[h]
            may_blank = blank_ok is True or (blank_ok is not False and h in blank_ok)
            values = series.tolist()
            for i, v in enumerate(values):
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    if v is not None and not may_blank:
                        raise NonFiniteError(f"sheet {self.name!r}, column {h!r}, row {r0 + 1 + i}: NaN")
                    v = None
                font = st.BOLD if i in bold else None
                fill = st.TOTAL_FILL if i in filled else None
                self.put(r0 + 1 + i, c, v, fmt=rf[i] if rf is not None else fmt, font=font, fill=fill,
                         align=st.WRAP if wrapped else st.TOP, measure=not (wrapped or h in overflow))
                if wrapped and isinstance(v, str) and v:
                    self.wrapped.append((r0 + 1 + i, c, v, 12.75, 1))
        last = r0 + len(df)
        c1 = col + len(cols) - 1
        if name and len(df):
            # the table takes over the header cells: give it the header format explicitly
            hf = self.book.styles.get(st.HEADER, st.HEADER_FILL, None, st.HEADER_ALIGN, None)
            self.ws.add_table(r0 - 1, col - 1, last - 1, c1 - 1, {
                "name": name, "style": "Table Style Light 1", "banded_rows": True,
                "columns": [{"header": h, "header_format": hf} for h in cols]})
        self.row = last + 2
        return r0, col, last, c1

    def kv(self, pairs: Sequence[tuple[str, Any]], col: int = 1, span: int = 1) -> None:
        """Label-value lines (provenance blocks); values wrap over ``span`` merged columns."""
        for k, v in pairs:
            r = self.row
            self.put(r, col, k, font=st.BOLD, align=st.TOP, measure=False)
            if span > 1:
                f = self.book.styles.get(st.NORMAL, None, None, st.WRAP, None)
                self.ws.merge_range(r - 1, col, r - 1, col + span - 1, "", f)
                self.put(r, col + 1, v, align=st.WRAP, measure=False)
                if isinstance(v, str):
                    self.wrapped.append((r, col + 1, v, 12.75, span))
            else:
                self.put(r, col + 1, v, measure=False)
            self.row += 1
        self.row += 1

    def column_width(self, c: int) -> float:
        w = self.fixed.get(c)
        if w is None:
            w = max(st.WIDTH_MIN, min(self.widths.get(c, st.WIDTH_MIN) + 2, st.WIDTH_TEXT_MAX))
        return w

    def fit_rows(self) -> None:
        """Row heights for wrapped text (LibreOffice and Excel do not always auto-fit rows of generated files)."""
        need: dict[int, float] = {}
        for r, c, text, per_line, span in self.wrapped:
            w = sum(self.column_width(c + k) for k in range(span))
            chars = max(1.0, (w - 1) * 1.1)
            lines = sum(max(1, math.ceil(len(part) / chars)) for part in text.split("\n"))
            if lines > 1:
                need[r] = max(need.get(r, 0.0), lines * per_line + 3)
        for r, h in need.items():
            self.heights[r] = min(h, 160)

    def chart(self, chart: Any, row: int, col: int) -> None:
        if not chart.series:  # nothing to plot (e.g. a run of the baseline alone): no empty chart frame
            return
        self.ws.insert_chart(row - 1, col - 1, chart)

    def ref(self, min_row: int, min_col: int, max_row: int | None = None, max_col: int | None = None) -> list[Any]:
        """A chart range on this sheet (1-based, inclusive)."""
        return [self.name, min_row - 1, min_col - 1, (max_row or min_row) - 1, (max_col or min_col) - 1]

    def finish(self, freeze: str | None = None, landscape: bool = True, gridlines: bool = True) -> None:
        for c in range(1, self.max_col + 1):
            self.ws.set_column(c - 1, c - 1, self.column_width(c))
        self.fit_rows()
        for r, h in self.heights.items():
            self.ws.set_row(r - 1, h)
        if freeze:
            self.ws.freeze_panes(freeze)
        if not gridlines:
            self.ws.hide_gridlines(2)
        if landscape:
            self.ws.set_landscape()
        else:
            self.ws.set_portrait()
        self.ws.set_paper(9)  # A4
        self.ws.fit_to_pages(1, 0)
        self.ws.set_footer("&C&8&A - page &P of &N")


class _Book:
    """The workbook: every sheet is created up front in :func:`sheet_names` order (sections may
    then be written in any order, e.g. Sensitivity last)."""

    def __init__(self, path: Any, sheets: Sequence[str]) -> None:
        self.wb = xlsxwriter.Workbook(path, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                             "strings_to_urls": False, "nan_inf_to_errors": False})
        self.worksheets = {name: self.wb.add_worksheet(name) for name in sheets}
        self.styles = _Styles(self.wb)
        self.names: set[str] = set()

    def sheet(self, title: str) -> _Sheet:
        return _Sheet(self, title)

    def define(self, name: str, sheet: _Sheet, ref: str) -> str:
        """A workbook-level defined name for a cell; returns the (sanitised, unique) name."""
        n = _clean_name(name)
        base, k = n, 2
        while n.lower() in self.names:
            n = f"{base}_{k}"
            k += 1
        self.names.add(n.lower())
        self.wb.define_name(n, f"={quote_sheetname(sheet.name)}!{ref}")
        return n

    def chart(self, kind: str, subtype: str | None = None) -> Any:
        return self.wb.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})


_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[RrCc])$")


def _clean_name(s: str) -> str:
    """A valid Excel defined name: letters, digits and underscores, not starting with a digit or like a cell."""
    n = re.sub(r"[^A-Za-z0-9_]", "_", s)
    if not n or n[0].isdigit() or _CELL_LIKE.match(n):
        n = "_" + n
    return n[:255]


def _view(cols: Mapping[str, Any]) -> pd.DataFrame:
    """A display frame from columns given as Series, arrays or lists (positional: indexes are ignored)."""
    return pd.DataFrame({k: (v.to_numpy() if isinstance(v, (pd.Series, pd.Index)) else v) for k, v in cols.items()})


def _link(sh: _Sheet, r: int, c: int, text: str, target_sheet: str, cell: str = "A1") -> None:
    sh.link(r, c, text, f"{quote_sheetname(target_sheet)}!{cell}")


def _scen_label(res: AnalysisResult, name: str) -> str:
    return res.runs[name].label if name in res.runs else name


CM = 37.8  # pixels per centimetre at 96 dpi (chart sizes below are in cm)


_LOOKS_LIKE_REF = re.compile(r"^=?[^!]+!\$?[A-Z]+\$?\d+")


def _ctitle(chart: Any, text: str, size: float = 10.5) -> None:
    """A chart title in the workbook's heading style (bold navy, 10.5 pt), always literal text."""
    if _LOOKS_LIKE_REF.match(text):  # XlsxWriter would read "...!A1..." as a cell reference
        text = text.replace("!", "!\u200b")
    chart.set_title({"name": text, "name_font": {"size": size, "bold": True, "color": "#" + st.NAVY}, "overlay": False})


def _size(chart: Any, height_cm: float, width_cm: float) -> None:
    chart.set_size({"width": round(width_cm * CM), "height": round(height_cm * CM)})


def _short(res: AnalysisResult, name: str) -> str:
    """'FTO designation (S0)' -> 'S0'; otherwise the scenario key."""
    m = re.search(r"\(([^()]{1,8})\)\s*$", _scen_label(res, name))
    return m.group(1) if m else name


def _hbar(book: _Book, grouping: str, gap: int, title: str, values: Sequence[tuple[list[Any], list[Any]]],
          categories: list[Any], colors: Sequence[str], num_format: str) -> Any:
    """A horizontal bar chart with overlapping series (stacked headline bars, tornado bars): first
    category at the top, value axis along the bottom, legend below.  ``values``: (name, values) refs."""
    chart = book.chart("bar", grouping)
    for (name, vals), color in zip(values, colors):
        chart.add_series({"name": name, "categories": categories, "values": vals, "gap": gap, "overlap": 100,
                          "fill": {"color": "#" + color}, "border": {"color": "#" + color}})
    _ctitle(chart, title)
    chart.set_y_axis({"reverse": True, "label_position": "low", "crossing": "max"})  # category axis of a bar chart
    chart.set_x_axis({"num_format": num_format, "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    return chart


PALETTE = ["1F3864", "C55A11", "548235", "7F6000", "7030A0", "2E75B6", "BF9000"]


# ----------------------------------------------------------------------------- Summary
def _summary(book: _Book, res: AnalysisResult) -> None:
    sh = book.sheet("Summary")
    s = res.assumptions.settings
    years = res.model.years
    info = res.info
    sh.title(s.title,
             f"Cumulative impact {years[0]}-{years[-1]} relative to the no-designation baseline. US$ bn, current "
             f"dollars; negative = economic loss (lower visitor spending or imports, higher business costs).",
             f"Central = deterministic run at central assumptions; P5-P95 = Monte Carlo range "
             f"({info.draws:,} draws per scenario, seed {info.seed}); impact {info.package_version}.")
    h = tb.headline(res)
    sh.heading(f"Cumulative impact {years[0]}-{years[-1]} by scenario and channel")
    if h.empty:
        sh.note("No designation scenario was run.")
    else:
        first = ~h["scenario"].duplicated()
        view = _view({
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
        chart_col = c1 + 2
        headline_row = r0
        sh.note("P5 / P95: 5th and 95th percentiles of the Monte Carlo (estimation and assumption uncertainty). "
                "Channels are gross effects, summed in 'Total'; not a net welfare measure." if res.montecarlo else
                "The Monte Carlo was skipped (--draws 0): central values only. Channels are gross effects, summed in "
                "'Total'; not a net welfare measure.")
        sh.row += 1
        e = tb.expected(res)
        if not e.empty:
            w = ", ".join(f"{_short(res, n)} {res.runs[n].weight:.0%}" for n in tb.designation_scenarios(res)
                          if res.runs[n].weight > 0)
            sh.heading(f"Probability-weighted expected cumulative impact (scenario weights: {w})")
            ev = _view({"Channel": [tb.channel_title(c) for c in e["channel"]],
                               "Expected (US$ bn)": e["expected"], "P5 (US$ bn)": e["p5"], "P95 (US$ bn)": e["p95"]})
            tot = [i for i, c in enumerate(e["channel"]) if c == "total"]
            sh.table(ev, {c: st.USD_BN for c in ev.columns[1:]}, bold_rows=tot, fill_rows=tot)
            sh.note("P5 / P95 of the weighted mixture of the scenarios' Monte Carlo draws (weights from scenarios.yaml).")
            sh.row += 1
        # chart data: central cumulative by scenario (rows) x channel (columns)
        chans = list(res.model.channels)
        scen = tb.designation_scenarios(res)
        piv = _view({"Scenario": [res.runs[n].label for n in scen]}
                           | {tb.channel_title(ch): [float(res.runs[n].cumulative[ch]) for n in scen] for ch in chans})
        sh.heading("Chart data: central cumulative impact by scenario and channel (US$ bn)")
        p0, pc0, p1, pc1 = sh.table(piv, {c: st.USD_BN for c in piv.columns[1:]})
        series = [(sh.ref(p0, c), sh.ref(p0 + 1, c, p1, c)) for c in range(pc0 + 1, pc1 + 1)]
        chart = _hbar(book, "stacked", 60, f"Central cumulative impact {years[0]}-{years[-1]} by channel (US$ bn)",
                      series, sh.ref(p0 + 1, pc0, p1, pc0), PALETTE, '#,##0')
        chart.set_x_axis({"num_format": '#,##0', "name": "US$ bn (negative = loss)",
                          "name_font": {"size": 9, "bold": False}, "major_gridlines": {"visible": True}})
        _size(chart, 9.5, 20)
        sh.chart(chart, headline_row, chart_col)
    # scenario definitions and contents
    sh.heading("Scenarios")
    d = tb.scenario_definitions(res)
    dv = _view({"Scenario": d["label"], "Key": d["scenario"], "Weight (%)": d["weight"],
                       "Description": d["description"]})
    sh.table(dv, {"Weight (%)": st.SHARE}, overflow=("Description",))
    sh.heading("Contents")
    for name, what in _contents(res):
        _link(sh, sh.row, 1, name, name)
        sh.put(sh.row, 2, what, measure=False)
        sh.row += 1
    sh._measure(1, 24)
    sh.finish(freeze=None, gridlines=False)


def _contents(res: AnalysisResult) -> list[tuple[str, str]]:
    out = [("Scenarios", "impact by scenario, channel and year: central and P5-P95, US$ bn and % of baseline")]
    for ch in res.model.channels:
        out.append((tb.channel_title(ch), f"{res.assumptions.channels[ch].label}: baseline, impact by year, "
                                          "components, estimates used"))
    out += [("Uncertainty", "fan charts, Monte Carlo quantiles, variance split estimation vs assumptions"),
            ("Sensitivity", "tornado, two-way grids, Sobol indices"),
            ("What-if", "live formulas: change an input, the central impact recomputes"),
            ("Estimates", "every estimator: coefficients, standard errors, intervals, diagnostics"),
            ("Assumptions", "every value used per scenario with unit, range, distribution, source, file:line"),
            ("Data", "bundled official series, sources and vintages"),
            ("About", "versions, file hashes, seed, draws, run time")]
    return out


# ----------------------------------------------------------------------------- Scenarios
def _scenarios(book: _Book, res: AnalysisResult) -> None:
    sh = book.sheet("Scenarios")
    years = res.model.years
    sh.title("Impact by scenario, channel and year",
             "Central = deterministic run; P5 / P95 = Monte Carlo percentiles. US$ bn (current dollars) and % of the "
             "no-designation baseline; negative = loss. The baseline scenario (zero by construction) is omitted. "
             "Filter with the header buttons.")
    df = tb.scenario_impacts(res)
    df = df[df["scenario"] != "baseline"].reset_index(drop=True)
    view = _view({
        "Scenario": df["scenario"], "Channel": [tb.channel_title(c) for c in df["channel"]],
        "Year": [int(y) if y.isdigit() else "Cumulative" for y in df["year"]],
        "Central (US$ bn)": df["central"], "P5 (US$ bn)": df["p5"], "P95 (US$ bn)": df["p95"],
        "Central (% of baseline)": df["central_pct"], "P5 (% of baseline)": df["p5_pct"],
        "P95 (% of baseline)": df["p95_pct"]})
    if not res.montecarlo:
        view = view[[c for c in view.columns if not c.startswith(("P5", "P95"))]]
    fm = {c: st.USD_BN for c in view.columns if "US$" in c} | {c: st.PCT for c in view.columns if "%" in c}
    fm["Year"] = st.INT
    r0, c0, r1, c1 = sh.table(view, fm, name="ScenarioImpacts")
    freeze = f"A{r0 + 1}"
    # right-hand block: total by year, wide, with a line chart
    col = c1 + 2
    scen = tb.designation_scenarios(res)
    wide = _view({"Scenario": [res.runs[n].label for n in scen]}
                        | {str(y): [float(res.runs[n].total[y]) for n in scen] for y in years}
                        | {"Cumulative": [float(res.runs[n].cumulative["total"]) for n in scen]})
    sh.row = r0 - 1
    sh.put(sh.row, col, "Total impact, all channels, central (US$ bn)", font=st.HEADING, measure=False)
    sh.row += 1
    w0, wc0, w1, wc1 = sh.table(wide, {c: st.USD_BN for c in wide.columns[1:]}, col=col)
    line = book.chart("line")
    _ctitle(line, "Total central impact by year (US$ bn)")
    # one series per scenario (rows) over the year columns, without the cumulative column
    for i, n in enumerate(scen):
        line.add_series({"name": sh.ref(w0 + 1 + i, wc0), "categories": sh.ref(w0, wc0 + 1, w0, wc1 - 1),
                         "values": sh.ref(w0 + 1 + i, wc0 + 1, w0 + 1 + i, wc1 - 1)})
    line.set_y_axis({"num_format": '#,##0', "name": "US$ bn", "name_font": {"size": 9, "bold": False}})
    line.set_x_axis({"label_position": "low"})
    line.set_legend({"position": "bottom"})
    _size(line, 9, 18)
    sh.chart(line, w1 + 2, col)
    sh.finish(freeze=freeze)


# ----------------------------------------------------------------------------- channel sheets
def _equation(ch: str) -> str:
    """The channel's transmission equation from its module docstring (first 'X(t) = ...' paragraph)."""
    from .. import channels as reg

    doc = (sys.modules[reg.get(ch).effect.__module__].__doc__ or "").splitlines()
    for i, line in enumerate(doc):
        if re.match(r"^\s*\w[\w ]*\(t\)\s*=", line):
            out = [line.strip()]
            for nxt in doc[i + 1:]:
                if not nxt.strip():
                    break
                out.append(nxt.strip())
            return " ".join(out)
    return ""


def _channel(book: _Book, res: AnalysisResult, ch: str) -> None:
    title = tb.channel_title(ch)
    sh = book.sheet(title)
    fit = res.model.fits[ch]
    block = res.assumptions.channels[ch]
    years = list(res.model.years)
    lvl = int(round(100 * fit.baseline.level))
    sh.title(f"{title}: {block.label}", block.description)
    scen = tb.designation_scenarios(res)
    chart_col = 2 + max(len(scen), 4) + 1
    used = [f"{p.term} = {p.value:.4g} ({p.mode}; se {p.se:.3g})" for p in fit.pooled.values()]
    flat = bool(np.allclose(fit.baseline.lower, fit.baseline.upper))
    pairs = [("Baseline produced by", fit.baseline.method),
             ("Baseline data", fit.baseline.data),
             ("Baseline interval", "none: the path is set by assumptions, whose ranges enter the Monte Carlo" if flat
              else f"{lvl}% prediction interval of the no-designation path")]
    eq = _equation(ch)
    if eq:
        pairs.append(("Equation", eq))
    if used:
        pairs.append(("Coefficients used", "; ".join(used)))
    sh.kv(pairs, span=chart_col + 6)
    # baseline
    sh.heading(f"Baseline (no designation), US$ bn, with {lvl}% interval")
    b = tb.baseline_table(res, ch)
    bv = _view({"Year": b["year"], "Mean (US$ bn)": b["mean"], "Central path, median (US$ bn)": b["median"],
                       f"Lower {lvl}% (US$ bn)": b["lower"], f"Upper {lvl}% (US$ bn)": b["upper"]})
    r0, c0, r1, c1 = sh.table(bv, {c: st.USD_BN for c in bv.columns[1:]} | {"Year": st.INT})
    line = book.chart("line")
    _ctitle(line, f"{title}: no-designation baseline with {lvl}% interval (US$ bn)")
    for c, colr, dash in zip(range(c0 + 2, c1 + 1), ("1F3864", "8EA9DB", "8EA9DB"), (None, "dash", "dash")):
        line.add_series({"name": sh.ref(r0, c), "categories": sh.ref(r0 + 1, c0, r1, c0),
                         "values": sh.ref(r0 + 1, c, r1, c),
                         "line": {"color": "#" + colr, **({"dash_type": dash} if dash else {})}})
    line.set_y_axis({"num_format": '#,##0'})
    line.set_x_axis({"label_position": "low"})
    line.set_legend({"position": "bottom"})
    _size(line, 7.5, 16)
    sh.chart(line, r0 - 1, chart_col)
    # impact by year
    sh.heading("Impact by year and scenario, central (US$ bn)")
    imp = _view({"Year": [*years, "Cumulative"]}
                       | {res.runs[n].label: [*(float(v) for v in res.runs[n].impacts[ch]),
                                              float(res.runs[n].cumulative[ch])] for n in scen})
    i0, ic0, i1, ic1 = sh.table(imp, {c: st.USD_BN for c in imp.columns[1:]} | {"Year": st.INT},
                                bold_rows=[len(years)], fill_rows=[len(years)])
    if scen:
        ch2 = book.chart("line")
        _ctitle(ch2, f"{title}: central impact by scenario (US$ bn)")
        for c, colr in zip(range(ic0 + 1, ic1 + 1), PALETTE):
            ch2.add_series({"name": sh.ref(i0, c), "categories": sh.ref(i0 + 1, ic0, i1 - 1, ic0),
                            "values": sh.ref(i0 + 1, c, i1 - 1, c), "line": {"color": "#" + colr}})
        ch2.set_y_axis({"num_format": '#,##0.0'})
        ch2.set_x_axis({"label_position": "low"})
        ch2.set_legend({"position": "bottom"})
        _size(ch2, 7.5, 16)
        ch2_row = max(i0 - 1, r0 + 16)
        sh.chart(ch2, ch2_row, chart_col)
    sh.heading("Impact by year and scenario, central (% of baseline)")
    pct = _view({"Year": [*years, "Cumulative"]}
                       | {res.runs[n].label: [*(float(v) for v in res.runs[n].pct[ch]),
                                              float(res.runs[n].cumulative_pct[ch])] for n in scen})
    sh.table(pct, {c: st.PCT for c in pct.columns[1:]} | {"Year": st.INT}, bold_rows=[len(years)],
             fill_rows=[len(years)])
    if scen:
        sh.row = max(sh.row, ch2_row + 18)  # below the impact chart
    sh.heading("Components of the central impact (US$ bn)")
    comps = tb.components(res, ch)
    if not comps.empty:
        cv = comps.rename(columns={"scenario": "Scenario", "component": "Component", "cumulative": "Cumulative"})
        sh.table(cv, {c: st.USD_BN for c in cv.columns[2:]})
    if fit.pooled:
        sh.heading("Estimated coefficients used (data, literature prior, precision-weighted pool)")
        _pooled_table(sh, fit, sources_below=True)
    for n in fit.notes:
        sh.note(n)
    sh.note("Full estimator output (all coefficients and diagnostics) is on the Estimates sheet.")
    sh.finish()


def _pooled_table(sh: _Sheet, fit: Any, sources_below: bool = False) -> None:
    """Data / prior / pooled rows of each estimated coefficient; the row used by the model in bold."""
    pf = fit.pooled_frame()
    units = {t: p.unit for t, p in fit.pooled.items()}
    src = [fit.pooled[t].prior_source if k == "prior" else (fit.pooled[t].data_note if k == "data" else
                                                             "precision-weighted combination of data and prior")
           for t, k in zip(pf["term"], pf["kind"])]
    view = _view({"Coefficient": pf["term"], "Unit": [units.get(t, "") for t in pf["term"]],
                         "Kind": pf["kind"], "Estimate": pf["estimate"].astype(float),
                         "Std. error": pf["std_error"].astype(float), "95% CI low": pf["conf_low"].astype(float),
                         "95% CI high": pf["conf_high"].astype(float),
                         "Used in model": ["yes" if u else "" for u in pf["used"]], "Source / note": src})
    used = [i for i, u in enumerate(pf["used"]) if u]
    fm = {c: st.COEF for c in ("Estimate", "Std. error", "95% CI low", "95% CI high")}
    if sources_below:
        sh.table(view.drop(columns="Source / note"), fm, bold_rows=used, blank_ok=list(fm))
        sh.row -= 1
        for t, k, note in zip(pf["term"], pf["kind"], src):
            if note:
                sh.note(f"{t}, {k}: {note}")
        sh.row += 1
    else:
        sh.table(view, fm, wrap=("Source / note",), bold_rows=used, blank_ok=list(fm))


# ----------------------------------------------------------------------------- Uncertainty
def _fan_chart(sh: _Sheet, title: str, cat: list[Any], bands: list[tuple[list[Any], list[Any]]], row: int,
               col: int) -> None:
    """Stacked areas: a transparent P5 base, then the P5-P25, P25-P50, P50-P75 and P75-P95 band widths."""
    chart = sh.book.chart("area", "stacked")
    fills = [None, "BDD7EE", "6F9FD8", "6F9FD8", "BDD7EE"]
    for (name, vals), f in zip(bands, fills):
        look = ({"fill": {"none": True}, "line": {"none": True}} if f is None else
                {"fill": {"color": "#" + f}, "line": {"color": "#FFFFFF", "width": 0.25}})
        chart.add_series({"name": name, "categories": cat, "values": vals, **look})
    _ctitle(chart, title)
    chart.set_y_axis({"num_format": '#,##0', "name": "US$ bn", "name_font": {"size": 9, "bold": False}})
    chart.set_x_axis({"label_position": "low"})
    chart.set_legend({"none": True})
    _size(chart, 7, 12)
    sh.chart(chart, row, col)


def _uncertainty(book: _Book, res: AnalysisResult) -> None:
    sh = book.sheet("Uncertainty")
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
    fan = _view({"Scenario": tot["scenario"].to_numpy(), "Year": [int(y) for y in tot["year"]],
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
        _fan_chart(sh, f"{_scen_label(res, name)}: total impact, P5-P95 (US$ bn)", cat, bands,
                   f0 + (k // 2) * 15, chart_col + (k % 2) * 8)
    sh.row = max(sh.row, f0 + 15 * ((len(scen) + 1) // 2) + 1)
    sh.heading("Variance of the cumulative impact: estimation vs assumptions")
    v = tb.variance_table(res)
    v = v[v["scenario"] != "baseline"].reset_index(drop=True)
    vv = _view({"Scenario": v["scenario"], "Channel": [tb.channel_title(c) for c in v["channel"]],
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
    qv = _view({"Scenario": q["scenario"], "Channel": [tb.channel_title(c) for c in q["channel"]],
                       "Year": [int(y) if y.isdigit() else "Cumulative" for y in q["year"]],
                       "Mean (US$ bn)": q["mean"], "P5 (US$ bn)": q["p5"], "P25 (US$ bn)": q["p25"],
                       "Median (US$ bn)": q["p50"], "P75 (US$ bn)": q["p75"], "P95 (US$ bn)": q["p95"]})
    sh.table(qv, {c: st.USD_BN for c in qv.columns[3:]} | {"Year": st.INT}, name="MonteCarloQuantiles")
    sh.finish()


# ----------------------------------------------------------------------------- Sensitivity
def _sensitivity(book: _Book, res: AnalysisResult) -> None:
    sh = book.sheet("Sensitivity")
    sh.title("Sensitivity of the cumulative impact (US$ bn)",
             "Tornado: each uncertain input at its P10 and P90, all others central. Two-way: grids of two inputs "
             "(P5 to P95) with the central case boxed. Sobol: first-order (S1) and total (ST) indices, 95% intervals.")
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
        sh.put(sh.row, 1, f"Scenario: {_scen_label(res, scen)} ({scen})", font=st.TITLE, measure=False)
        sh.row += 2
        t = block.get("tornado:total")
        if t is not None:
            lo_q, hi_q = t.meta.get("low_q", 0.1), t.meta.get("high_q", 0.9)
            sh.heading(f"Tornado, all channels: central cumulative impact {t.central:,.2f} US$ bn; inputs at "
                       f"P{100 * lo_q:g} / P{100 * hi_q:g}")
            tab = t.ranked()
            view = _view({
                "Rank": tab["rank"], "Input": tab["input"], "Label": tab["label"], "Kind": tab["kind"],
                "Unit": tab["unit"], "Input low": tab["low_value"], "Input central": tab["central_value"],
                "Input high": tab["high_value"], "Impact at low (US$ bn)": tab["low"],
                "Impact at high (US$ bn)": tab["high"], "Swing (US$ bn)": tab["swing"],
                "Low - central (US$ bn)": tab["low"] - t.central, "High - central (US$ bn)": tab["high"] - t.central})
            rf = [unit_format(u) for u in tab["unit"]]
            fm = {c: st.USD_BN for c in view.columns if "US$" in c} | {"Rank": st.INT}
            r0, c0, r1, c1 = sh.table(view, fm, row_formats={"Input low": rf, "Input central": rf, "Input high": rf})
            top = min(r1, r0 + 12)
            series = [(sh.ref(r0, c), sh.ref(r0 + 1, c, top, c)) for c in (c1 - 1, c1)]
            chart = _hbar(book, "clustered", 40,
                          f"Tornado, {scen}: change from central, cumulative US$ bn (top {top - r0})",
                          series, sh.ref(r0 + 1, c0 + 2, top, c0 + 2), ["C55A11", "2E75B6"], '#,##0.0')
            _size(chart, 9, 20)
            sh.chart(chart, r0, c1 + 2)
            sh.row = max(sh.row, r0 + 20)
        for key, t in block.items():
            if key.startswith("tornado:") and key != "tornado:total":
                ch = t.target.split(" ")[0]
                tab = t.ranked()
                tab = tab[tab["swing"] > 0]  # inputs that do not enter this channel have no swing
                sh.heading(f"Tornado, {tb.channel_title(ch)}: central {t.central:,.3f} US$ bn (top {min(8, len(tab))} "
                           f"of {len(tab)} inputs that move it)")
                tab = tab.head(8)
                view = _view({"Rank": tab["rank"], "Input": tab["input"], "Label": tab["label"],
                                     "Impact at low (US$ bn)": tab["low"], "Impact at high (US$ bn)": tab["high"],
                                     "Swing (US$ bn)": tab["swing"]})
                sh.table(view, {c: st.USD_BN for c in view.columns[3:]} | {"Rank": st.INT})
        for key, t in block.items():
            if key.startswith("two_way:"):
                _two_way(sh, t)
        for key, t in block.items():
            if not key.startswith("sobol:"):
                continue
            ch = t.target.split(" ")[0]
            sh.heading(f"Sobol indices, {tb.channel_title(ch)} (base sample {t.meta['base_samples']:,}, "
                       f"{t.meta['evaluations']:,} model evaluations)")
            tab = t.ranked()
            omitted = 0
            if ch != "total":  # an input that does not enter the channel has S1 = ST = 0 exactly: list the others
                keep = (tab[["S1", "ST", "S1_conf", "ST_conf"]].fillna(0) != 0).any(axis=1)
                omitted = int((~keep).sum())
                tab = tab[keep]
            view = _view({"Rank": np.arange(1, len(tab) + 1), "Input": tab["input"], "Label": tab["label"],
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
        sh.row += 1
    r = contents_row
    sh.put(r, 1, "Scenarios on this sheet", font=st.HEADING, measure=False)
    for scen, row in starts.items():
        r += 1
        _link(sh, r, 1, f"{_scen_label(res, scen)} (row {row})", "Sensitivity", f"A{row}")
    sh.finish()


def _two_way(sh: _Sheet, t: Any) -> None:
    m = t.meta
    ch = t.target.split(" ")[0]
    sh.heading(f"Two-way grid, {tb.channel_title(ch)}, cumulative US$ bn: rows = {m['y_label']} ({m['y_unit']}), "
               f"columns = {m['x_label']} ({m['x_unit']})")
    grid = t.table
    xs = [float(v) for v in grid.columns]
    ys = [float(v) for v in grid.index]
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
    sh.note(f"Boxed central cell ({m['y']} = {ys[ci]:g}, {m['x']} = {xs[cj]:g}) equals the deterministic run: "
            f"{t.central:,.4f} US$ bn. Red = larger loss.")
    sh.row += 1


# ----------------------------------------------------------------------------- What-if
def _diff(r: int) -> str:
    """Formula minus model, rounded to 1e-9 US$ bn (US$ 1) so that floating-point noise shows as 0."""
    return f"=ROUND(C{r}-D{r},9)"


class _Recorder(dict):
    """A dict that records which keys a formula builder reads."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.used: set[str] = set()

    def __getitem__(self, k: str) -> Any:
        self.used.add(k)
        return super().__getitem__(k)


def _whatif(book: _Book, res: AnalysisResult) -> list[dict[str, Any]]:
    """Live formulas for the central case of each channel; returns every formula cell with its Python value."""
    from .. import channels as reg

    sh = book.sheet("What-if")
    sh.title("What-if: live formulas for the deterministic central case",
             "Edit a yellow input (blue figures); the impact formulas (green) recompute. 'Model result' is the "
             "model's own central value for the unchanged inputs; 'Formula - model' shows the effect of your edits.",
             "Monte Carlo ranges and sensitivity elsewhere in the workbook are static and do not follow these edits.")
    checks: list[dict[str, Any]] = []
    model = res.model
    years = list(model.years)
    base_year = res.assumptions.settings.base_year
    r = sh.row
    sh.put(r, 1, "Scenarios on this sheet", font=st.HEADING, measure=False)
    contents_row = r + 1
    sh.row = contents_row + len([n for n in res.runs if n != "baseline"]) + 1
    starts: dict[str, int] = {}
    for name, run in res.runs.items():
        if name == "baseline":
            continue
        sc = model.resolve(name)
        inputs = {i.name: i for i in model.inputs(sc)}
        timings = {p.name: str(p.timing) for p in sc.shocks.values()}
        starts[name] = sh.row
        sh.put(sh.row, 1, f"Scenario: {sc.label} ({name})", font=st.TITLE, measure=False)
        sh.row += 2
        # which inputs each channel's formula reads (dry run with placeholder references)
        chans = [ch for ch in model.channels if reg.get(ch).excel_formula is not None]
        used: dict[str, set[str]] = {}
        for ch in chans:
            keys = _Recorder({"base_year": "X", "baseline": "X"})
            for p in sc.shocks.values():
                keys[p.name] = keys[f"start:{p.name}"] = "X"
            for pn in res.assumptions.channels[ch].parameters:
                keys[pn] = "X"
            for k, v in model.fits[ch].constants.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    keys[k] = "X"
            reg.get(ch).excel_formula(keys, "X", timings)
            used[ch] = keys.used
        sh.heading("Inputs (edit the yellow cells)")
        hdr = ["Input", "Label", "Value", "Unit", "Timing", "Defined name"]
        sh.header(sh.row, 1, hdr)
        sh.row += 1
        shared: dict[str, str] = {}
        refs: dict[str, dict[str, str]] = {ch: {} for ch in chans}

        def add_input(key: str, label: str, value: float, unit: str, timing: str = "") -> str:
            rr = sh.row
            ref = f"$C${rr}"
            dn = book.define(f"{name}.{key}", sh, ref)
            sh.put(rr, 1, key)
            sh.put(rr, 2, label)
            sh.put(rr, 3, float(value), fmt=unit_format(unit), font=st.INPUT, fill=st.INPUT_FILL, border=st.BOX)
            sh.put(rr, 4, unit)
            sh.put(rr, 5, timing)
            sh.put(rr, 6, dn, font=st.NOTE)
            sh.row += 1
            return ref

        if any("base_year" in u for u in used.values()):
            shared["base_year"] = add_input("settings.base_year", "Base year (last year before the designation)",
                                            base_year, "year")
        any_used = set().union(*used.values()) if used else set()
        for p in sc.shocks.values():
            if p.name not in any_used and f"start:{p.name}" not in any_used:
                continue
            shared[p.name] = add_input(p.qualname, p.label, inputs[p.qualname].central, p.unit_label, str(p.timing))
            shared[f"start:{p.name}"] = add_input(f"{p.qualname}.start", f"{p.label}: first year", p.start, "year",
                                                  str(p.timing))
        for ch in chans:
            for pn in res.assumptions.channels[ch].parameters:
                if pn not in used[ch]:
                    continue
                inp = inputs[f"{ch}.{pn}"]
                refs[ch][pn] = add_input(inp.name, inp.label, inp.central, inp.unit)
            for k, v in model.fits[ch].constants.items():
                if k in used[ch] and isinstance(v, (int, float)) and not isinstance(v, bool):
                    unit = "year" if k.endswith("_year") else ("US$ bn" if k.endswith("_bn") else "")
                    refs[ch][k] = add_input(f"{ch}.{k}", f"data: {k.replace('_', ' ')}", v, unit)
        sh.row += 1
        impact_cells: dict[str, list[str]] = {}
        for ch in chans:
            channel = reg.get(ch)
            fit = model.fits[ch]
            uses_baseline = "baseline" in used[ch]
            sh.heading(f"{tb.channel_title(ch)}: central impact (US$ bn)")
            bl_head = (f"Baseline path, {fit.baseline.unit}" if uses_baseline
                       else f"Baseline path, {fit.baseline.unit} (for reference; not used by the formula)")
            sh.header(sh.row, 1, ["Year", bl_head, "Impact, formula (US$ bn)", "Model result (US$ bn)",
                                  "Formula - model (US$ bn)"])
            sh.row += 1
            first = sh.row
            cells = []
            for k, y in enumerate(years):
                rr = sh.row
                sh.put(rr, 1, y, fmt=st.INT)
                if uses_baseline:
                    sh.put(rr, 2, float(fit.baseline.central[k]), fmt=st.USD_BN4, font=st.INPUT, fill=st.INPUT_FILL,
                           border=st.BOX)
                else:
                    sh.put(rr, 2, float(fit.baseline.central[k]), fmt=st.USD_BN4)
                cell_refs = {**shared, **refs[ch], "baseline": f"$B${rr}"}
                text = channel.excel_formula(cell_refs, f"$A${rr}", timings)
                py = float(run.impacts.loc[y, ch])
                sh.formula(rr, 3, text, fmt=st.USD_BN4, value=py)
                sh.put(rr, 4, py, fmt=st.USD_BN4)
                sh.formula(rr, 5, _diff(rr), fmt=st.USD_BN4, value=0.0)
                checks.append({"scenario": name, "channel": ch, "year": y, "kind": "impact", "cell": f"C{rr}",
                               "python": py})
                checks.append({"scenario": name, "channel": ch, "year": y, "kind": "difference", "cell": f"E{rr}",
                               "python": 0.0, "scale": abs(py)})
                cells.append(f"C{rr}")
                sh.row += 1
            rr = sh.row
            last = rr - 1
            sh.put(rr, 1, "Cumulative", font=st.BOLD, fill=st.TOTAL_FILL)
            sh.put(rr, 2, None, fill=st.TOTAL_FILL)
            py = float(run.cumulative[ch])
            sh.formula(rr, 3, f"=SUM(C{first}:C{last})", fmt=st.USD_BN4, value=py)
            sh.put(rr, 4, py, fmt=st.USD_BN4, font=st.BOLD, fill=st.TOTAL_FILL)
            sh.formula(rr, 5, _diff(rr), fmt=st.USD_BN4, value=0.0)
            checks.append({"scenario": name, "channel": ch, "year": "cumulative", "kind": "cumulative",
                           "cell": f"C{rr}", "python": py})
            checks.append({"scenario": name, "channel": ch, "year": "cumulative", "kind": "difference",
                           "cell": f"E{rr}", "python": 0.0, "scale": abs(py)})
            impact_cells[ch] = cells + [f"C{rr}"]
            sh.row += 2
        if chans:
            sh.heading("All channels: total central impact (US$ bn)")
            sh.header(sh.row, 1, ["Year", "", "Total, formula (US$ bn)", "Model result (US$ bn)",
                                  "Formula - model (US$ bn)"])
            sh.row += 1
            for k, y in enumerate([*years, "cumulative"]):
                rr = sh.row
                cum = y == "cumulative"
                font = st.BOLD if cum else None
                fill = st.TOTAL_FILL if cum else None
                sh.put(rr, 1, "Cumulative" if cum else y, fmt=st.INT, font=font, fill=fill)
                py = float(run.cumulative["total"]) if cum else float(run.total.loc[y])
                sh.formula(rr, 3, "=" + "+".join(impact_cells[ch][k] for ch in chans), fmt=st.USD_BN4, value=py)
                sh.put(rr, 4, py, fmt=st.USD_BN4, font=font, fill=fill)
                sh.formula(rr, 5, _diff(rr), fmt=st.USD_BN4, value=0.0)
                checks.append({"scenario": name, "channel": "total", "year": y, "kind": "total", "cell": f"C{rr}",
                               "python": py})
                checks.append({"scenario": name, "channel": "total", "year": y, "kind": "difference",
                               "cell": f"E{rr}", "python": 0.0, "scale": abs(py)})
                sh.row += 1
            sh.row += 2
    for i, (name, row) in enumerate(starts.items()):
        _link(sh, contents_row + i, 1, f"{_scen_label(res, name)} (row {row})", "What-if", f"A{row}")
    sh.fixed.update({1: 40.0, 2: 44.0, 3: 16.0, 4: 16.0, 5: 16.0, 6: 36.0})
    sh.finish()
    for chk in checks:
        chk["sheet"] = "What-if"
    return checks


# ----------------------------------------------------------------------------- Estimates
def _estimates(book: _Book, res: AnalysisResult) -> None:
    sh = book.sheet("Estimates")
    sh.title("Estimates",
             "Every estimator: coefficients with standard errors and 95% confidence intervals, and diagnostics; data "
             "vs literature prior vs pooled for the coefficients the channels use. Coefficients are in the units of "
             "each model (log points per log point = elasticity).")
    for ch, fit in res.model.fits.items():
        sh.put(sh.row, 1, tb.channel_title(ch), font=st.TITLE, measure=False)
        sh.row += 2
        if fit.pooled:
            sh.heading("Coefficients used by the channel: data, prior and pooled")
            _pooled_table(sh, fit)
        for m in [fit.main, *fit.models.values()]:
            sh.heading(m.name)
            sh.note(f"{m.method}. Dependent variable: {m.dependent}. Sample: {m.sample}. Observations: {m.nobs}"
                    + (f". R-squared: {m.rsquared:.3f}" if m.rsquared is not None else "") + ".")
            tidy = m.tidy()
            view = _view({"Term": tidy["term"], "Estimate": tidy["estimate"], "Std. error": tidy["std_error"],
                                 "z / t statistic": tidy["statistic"], "p-value": tidy["p_value"],
                                 "95% CI low": tidy["conf_low"], "95% CI high": tidy["conf_high"]})
            sh.table(view, {c: st.COEF for c in view.columns[1:]} | {"p-value": st.PVALUE}, blank_ok=True)
            d = m.diagnostics_frame()
            null_note = [f"{a}; {b}" if a and b else (a or b or "") for a, b in zip(d["null"], d["note"])]
            dv = _view({"Diagnostic test": d["test"], "Statistic": d["statistic"], "p-value": d["p_value"],
                        "Null hypothesis / note": null_note})
            sh.table(dv, {"Statistic": st.COEF, "p-value": st.PVALUE}, overflow=("Null hypothesis / note",),
                     blank_ok=True)
            for n in m.notes:
                sh.note(n)
            sh.row += 1
    sh._measure(1, 22)
    sh.finish()


# ----------------------------------------------------------------------------- Assumptions
def _assumptions(book: _Book, res: AnalysisResult) -> None:
    sh = book.sheet("Assumptions")
    sh.title("Assumptions used",
             "Every value actually used, per scenario: unit, Monte Carlo range, distribution, hard bounds, plausible "
             "range, source and the file:line it came from. Estimated coefficients show the estimate used.")
    a = tb.assumption_rows(res)
    view = _view({
        "Scenario": a["scenario"], "Name": a["name"], "Label": a["label"], "Kind": a["kind"],
        "Value used": a["value"], "Unit": a["unit"], "Monte Carlo P5": a["p5"], "Monte Carlo P95": a["p95"],
        "Distribution": a["distribution"], "Bounds": a["bounds"], "Plausible range": a["plausible"],
        "Estimate mode": a["estimate"], "Start year": a["start"], "Timing": a["timing"], "Set in (extends chain)":
        a["set_in"], "Source": a["source"], "File:line": a["location"]})
    rf = [unit_format(u) for u in a["unit"]]
    r0, *_ = sh.table(view, {"Start year": st.INT}, row_formats={"Value used": rf, "Monte Carlo P5": rf,
                                                                "Monte Carlo P95": rf},
                      name="AssumptionsUsed", wrap=("Source",), blank_ok=("Start year",))
    sh.heading("Settings, estimator options and analysis settings used")
    s = tb.settings_rows(res)
    sh.table(_view({"Section": s["section"], "Name": s["name"], "Value": s["value"], "File:line": s["location"]}),
             name="SettingsUsed", overflow=("Value", "File:line"))
    sh.finish(freeze=f"C{r0 + 1}")


# ----------------------------------------------------------------------------- Data, About
def _data(book: _Book, res: AnalysisResult) -> None:
    sh = book.sheet("Data")
    sh.title("Data used", "Bundled public series (or your overrides) with official sources, vintages and caveats; "
                          "values of the annual series below.")
    c = tb.data_catalog(res)
    view = _view({"Series": c["series"], "Description": c["description"], "Unit": c["unit"],
                         "Frequency": c["frequency"], "Coverage": c["coverage"], "Observations": c["observations"],
                         "Vintage": c["vintage"], "Source": c["source"], "Series code": c["series_code"],
                         "Caveats": c["caveats"], "File": c["file"]})
    r0, *_ = sh.table(view, {"Observations": st.COUNT}, name="DataCatalog",
                      wrap={"Description": 40.0, "Vintage": 30.0, "Source": 40.0, "Caveats": 50.0})
    sh.heading("Annual series (values, units as in the catalog)")
    annual = {sid: s for sid, s in res.model.data.items() if s.attrs.get("frequency") == "annual"}
    if annual:
        wide = pd.DataFrame(annual).sort_index()
        wide.insert(0, "Year", [int(i) for i in wide.index])
        sh.table(wide.reset_index(drop=True), {c: '#,##0.00' for c in wide.columns[1:]} | {"Year": st.INT},
                 blank_ok=True)
    monthly = [sid for sid, s in res.model.data.items() if s.attrs.get("frequency") != "annual"]
    if monthly:
        sh.note("Monthly series (" + ", ".join(monthly) + ") are in the CSV export (--csv DIR, data.csv).")
    sh.fixed.update({7: 36.0, 8: 36.0})
    sh.finish(freeze=f"B{r0 + 1}")


def _about(book: _Book, res: AnalysisResult) -> None:
    sh = book.sheet("About")
    sh.title("About this run", "What is needed to reproduce these numbers: versions, assumption and data file hashes "
                               "(SHA-256), data vintages, seed, draws, run time.")
    df = res.info.to_frame()
    rows = [("assumption folder", str(res.assumptions.folder))] + list(df.itertuples(index=False, name=None))
    view = pd.DataFrame(rows, columns=["Item", "Value"])
    view["Value"] = view["Value"].astype(str)
    r0, *_ = sh.table(view, name="RunInfo")
    sh.note("Same assumption files (SHA-256 above), data, seed and draws give identical numbers; run time, start time "
            "and command differ between runs.")
    sh.note("Sign convention: negative = economic loss. Money: US$ bn, current dollars. Percent values are in percent "
            "(1.5 = 1.5%).")
    sh.note("Formulas on What-if recalculate when the workbook opens; every other number is a static model output.")
    sh.finish(freeze=f"A{r0 + 1}", landscape=False)


# ----------------------------------------------------------------------------- entry points
def build_workbook(res: AnalysisResult) -> tuple[io.BytesIO, list[dict[str, Any]]]:
    """The workbook as .xlsx bytes in memory (openpyxl can load it) and the list of live formula
    cells with the Python value each must equal."""
    buf = io.BytesIO()
    book = _Book(buf, sheet_names(res.model.channels))
    wb = book.wb
    try:
        _summary(book, res)
        _scenarios(book, res)
        for ch in res.model.channels:
            _channel(book, res, ch)
        _uncertainty(book, res)
        checks = _whatif(book, res)
        _estimates(book, res)
        _assumptions(book, res)
        _data(book, res)
        _about(book, res)
        # written last: the sensitivity tables may still be coming from a worker process (run_analysis(wait=False))
        _sensitivity(book, res)
        wb.set_properties({"title": res.assumptions.settings.title, "author": f"impact {res.info.package_version}",
                           "subject": "Economic impact of a U.S. FTO designation of Mexican cartels"})
        wb.set_calc_mode("auto")  # and XlsxWriter asks for a full recalculation on open
    finally:
        wb.close()  # also on failure: XlsxWriter's temporary files are released
    buf.seek(0)
    return buf, checks


def write_workbook(res: AnalysisResult, path: str | os.PathLike[str]) -> str:
    """Write the workbook atomically (built in memory, written to a temporary file beside the
    target, then renamed; see :mod:`impact.report.output`).  Returns the path written."""
    if not isinstance(path, (str, os.PathLike)):
        from ..errors import Issue, UsageError

        raise UsageError(Issue(f"path must be a file path ending in .xlsx (got {type(path).__name__})"))
    p = Path(path)
    check_workbook_path(p)
    data, _ = build_workbook(res)  # built in memory: a NonFiniteError here leaves the target untouched
    with OutputSet() as out:
        out.stage_file(p, data.getvalue())
        out.commit()
    return str(p)
