"""The workbook's layout layer: a book of sheets with safe cell writers, tables and styles.

:class:`Book` creates every sheet up front (in the order of :mod:`impact.report.sheets`) and holds
one XlsxWriter format per combination of style parts; :class:`Sheet` writes cells with a row
cursor (1-based rows and columns, as in A1 notation), refuses NaN and infinite numbers
(:class:`NonFiniteError`), never turns text into a formula, lays out DataFrames as styled tables and
sizes columns and wrapped rows.  Sheet modules use only this layer and :mod:`impact.report.charts`.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from ..spec import UNITS
from . import styles as st

#: Excel number format by unit label (as shown in the Unit columns).
UNIT_FORMATS = {label: fmt for label, fmt in UNITS.values()} | {"quantile": '0.00', "year": st.INT}
MAX_TEXT = 32_767  # characters per cell (Excel)
#: unit labels whose values are percentages: shown as real Excel percentages (the cell holds value / 100)
PERCENT_UNITS = frozenset({"%", "% per year", "% of value per day"})
#: A4 landscape width between XlsxWriter's default 0.7-inch margins, in points
PRINTABLE_WIDTH_PT = (297 / 25.4 - 1.4) * 72


class NonFiniteError(RuntimeError):
    """A NaN or infinite number was about to be written to the workbook."""


def unit_format(unit: str) -> str:
    return st.PCT if unit in PERCENT_UNITS else UNIT_FORMATS.get(unit, st.VALUE)


def shown(value: float, unit: str) -> float:
    """The number a cell holds for ``value`` in ``unit``: a percentage as a fraction (25 % -> 0.25,
    displayed 25.00 % by :func:`unit_format`), anything else as it is."""
    return value / 100.0 if unit in PERCENT_UNITS else value


_DECIMALS: dict[str, int | None] = {}


def displayed_decimals(fmt: str | None) -> int | None:
    """Decimal places a number format shows (percent formats count in fractions: 0.00% -> 4);
    ``None`` for formats that are not plain numbers (dates, text)."""
    if fmt is None or fmt == "General":
        return None
    d = _DECIMALS.get(fmt)
    if d is None and fmt not in _DECIMALS:
        first = fmt.split(";")[0]
        if re.search(r"[ymdhs@]", first.replace('"%"', "")):
            d = None
        else:
            m = re.search(r"\.([0#]+)", first)
            d = (len(m.group(1)) if m else 0) + (2 if "%" in first else 0)
        _DECIMALS[fmt] = d
    return d


def _clean_zero(value: float, fmt: str | None) -> float:
    """0.0 for a value that would display as zero ("-0.00" otherwise), the value itself else."""
    d = displayed_decimals(fmt if fmt is not None else st.VALUE)
    if d is not None and value != 0.0 and abs(value) < 0.5 * 10.0 ** -d:
        return 0.0
    return value


def get_column_letter(c: int) -> str:
    """Column letters of a 1-based column number (1 -> A, 27 -> AA)."""
    out = ""
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def quote_sheetname(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


class Styles:
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


class Sheet:
    """A worksheet with a row cursor, safe cell writers and column-width bookkeeping.

    Rows and columns are 1-based here (as in Excel's A1 notation); XlsxWriter's are 0-based.
    """

    def __init__(self, book: Book, title: str) -> None:
        self.book = book
        self.name = title
        self.ws = book.worksheets[title]
        self.row = 1
        self.widths: dict[int, float] = {}
        self.fixed: dict[int, float] = {}
        self.max_col = 1
        self.wrapped: list[tuple[int, int, str, float, int]] = []  # (row, col, text, points per line, columns)
        self.heights: dict[int, float] = {}
        #: rows of running text (subtitles, notes): wrapped across the printed width by finish()
        self.prose: list[tuple[int, str, Any]] = []
        #: (top row, height in points) of each chart: pages break before a chart rather than through it
        self.charts: list[tuple[int, float]] = []

    # -- cells
    def put(self, r: int, c: int, value: Any, fmt: str | None = None, font: Any = None, fill: Any = None,
            align: Any = None, border: Any = None, measure: bool = True) -> None:
        if isinstance(value, (np.floating, np.integer, np.bool_)):
            value = value.item()
        if value is pd.NA or value is pd.NaT:
            value = None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            f = self.book.styles.get(font or st.NORMAL, fill, fmt or st.DATE, align, border)
            self.ws.write_datetime(r - 1, c - 1, dt.datetime(value.year, value.month, value.day), f)
            self.measure(c, 11)
            self.max_col = max(self.max_col, c)
            return
        if type(value) is float:
            value = _clean_zero(value, fmt)
        f = self.book.styles.get(font or st.NORMAL, fill, fmt, align, border)
        t = type(value)
        if t is float or t is int:
            if t is float and not math.isfinite(value):
                raise NonFiniteError(f"sheet {self.name!r} cell {get_column_letter(c)}{r}: {value}")
            self.ws.write_number(r - 1, c - 1, value, f)
            if measure:
                self.measure(c, st.WIDTH_NUM - 2 if t is float else len(str(value)))
        elif isinstance(value, str):
            if len(value) > MAX_TEXT:  # Excel's limit per cell; XlsxWriter would drop the cell
                value = value[:MAX_TEXT - 1] + "\u2026"
            # write_string: text from inputs is never a formula, whatever it starts with
            self.ws.write_string(r - 1, c - 1, value, f)
            if measure:
                self.measure(c, len(value))
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
                self.measure(c, len(str(value)))
        if c > self.max_col:
            self.max_col = c

    def formula(self, r: int, c: int, text: str, fmt: str | None = None, font: Any = None, fill: Any = None,
                value: float | None = None, text_value: str | None = None) -> None:
        """A live formula (only What-if writes these).  ``value`` (or ``text_value`` for a formula
        giving text), the model's result, is stored as its cached result, so viewers that do not
        recalculate still show it (Excel and LibreOffice recalculate on open)."""
        if not text.startswith("="):
            raise ValueError(f"not a formula: {text!r}")
        f = self.book.styles.get(font or st.FORMULA, fill or st.FORMULA_FILL, fmt, None, None)
        cached: Any = text_value if text_value is not None else (0 if value is None else _clean_zero(value, fmt))
        self.ws.write_formula(r - 1, c - 1, text, f, cached)
        self.measure(c, st.WIDTH_NUM)
        if c > self.max_col:
            self.max_col = c

    def link(self, r: int, c: int, text: str, location: str) -> None:
        """A hyperlink to a place in this workbook (``location`` like ``'Sheet'!A1``)."""
        f = self.book.styles.get(st.LINK, None, None, None, None)
        self.ws.write_url(r - 1, c - 1, f"internal:{location}", f, string=text)
        if c > self.max_col:
            self.max_col = c

    def measure(self, c: int, n: float) -> None:
        """Ask for column ``c`` to be at least ``n`` characters wide."""
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
                self.prose.append((self.row, s, st.SUBTITLE))
                self.row += 1
        self.row += 1

    def heading(self, text: str) -> int:
        r = self.row
        self.put(r, 1, text, font=st.HEADING, measure=False)
        self.row += 1
        return r

    def note(self, text: str, col: int = 1) -> None:
        self.put(self.row, col, text, font=st.NOTE, measure=False)
        if col == 1:
            self.prose.append((self.row, text, st.NOTE))
        self.row += 1

    def paragraph(self, text: str) -> None:
        """A line of running text, wrapped across the printed width (see :meth:`finish`)."""
        self.put(self.row, 1, text, measure=False)
        self.prose.append((self.row, text, st.NORMAL))
        self.row += 1

    def wide_text(self, r: int, c: int, text: str, span: int, font: Any = None, fill: Any = None) -> None:
        """Text wrapped in ``span`` merged cells from column ``c``: a long description that does
        not widen its column for the tables above and below."""
        f = self.book.styles.get(font or st.NORMAL, fill, None, st.WRAP, None)
        if span > 1:
            self.ws.merge_range(r - 1, c - 1, r - 1, c + span - 2, text, f)
        else:
            self.ws.write_string(r - 1, c - 1, text, f)
        self.wrapped.append((r, c, text, 12.75, span))
        self.max_col = max(self.max_col, c + span - 1)

    def header(self, r: int, c: int, labels: Sequence[Any], fmts: Sequence[str | None] | None = None,
               nowrap: Sequence[Any] = (), narrow: Sequence[Any] = ()) -> None:
        """Header cells; ``narrow`` names columns of numbers, whose headers wrap to about 11
        characters (a column is as wide as its block needs, not as its longest header)."""
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
            self.measure(c + j, max(longest, min(n, 11 if h in narrow else 16 if n <= 32 else n / 2)))

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
        numeric = [h for h in cols if h in formats or h in row_formats]
        self.header(r0, col, cols, nowrap=overflow, narrow=numeric)
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
            elif isinstance(v, str) and len(v) > 60:  # long text wraps in its column
                self.put(r, col + 1, v, align=st.WRAP, measure=False)
                self.wrapped.append((r, col + 1, v, 12.75, 1))
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
            chars = max(1.0, (w - 1) * 1.25)  # proportional fonts fit about 1.25 characters per width unit
            lines = sum(max(1, math.ceil(len(part) / chars)) for part in text.split("\n"))
            if lines > 1:
                need[r] = max(need.get(r, 0.0), lines * per_line + 3)
        for r, h in need.items():
            self.heights[r] = min(h, 160)

    def chart(self, chart: Any, row: int, col: int, x_offset_cm: float = 0.0) -> None:
        """Place ``chart`` with its top-left corner at (row, col), ``x_offset_cm`` to the right of it."""
        if not chart.series:  # nothing to plot (e.g. a run of the baseline alone): no empty chart frame
            return
        self.ws.insert_chart(row - 1, col - 1, chart, {"x_offset": round(x_offset_cm * 37.8)} if x_offset_cm else {})
        self.charts.append((row, chart.height * 0.75))

    def ref(self, min_row: int, min_col: int, max_row: int | None = None, max_col: int | None = None) -> list[Any]:
        """A chart range on this sheet (1-based, inclusive)."""
        return [self.name, min_row - 1, min_col - 1, (max_row or min_row) - 1, (max_col or min_col) - 1]

    def finish(self, freeze: str | None = None, landscape: bool = True, gridlines: bool = True,
               repeat: int | None = None, breaks: Sequence[int] = (), repeat_columns: int = 0) -> None:
        """Column widths, row heights, frozen panes and print setup: A4, landscape unless asked
        otherwise, header row ``repeat`` (and the first ``repeat_columns`` columns) on every printed
        page, page breaks before ``breaks`` and a
        print scale that fits the width only as far as the smallest font stays at 8 pt on paper."""
        for c in range(1, self.max_col + 1):
            self.ws.set_column(c - 1, c - 1, self.column_width(c))
        self._wrap_prose(landscape)
        self.fit_rows()
        for r, h in self.heights.items():
            self.ws.set_row(r - 1, h)
        self.ws.freeze_panes(freeze or "A2")  # at least the title stays in view
        if not gridlines:
            self.ws.hide_gridlines(2)
        if landscape:
            self.ws.set_landscape()
        else:
            self.ws.set_portrait()
        self.ws.set_paper(9)  # A4
        if repeat:
            self.ws.repeat_rows(repeat - 1)
        if repeat_columns:
            self.ws.repeat_columns(0, repeat_columns - 1)
        self.ws.print_across()  # a wide block prints its pages side by side before moving down
        breaks = sorted(set(breaks) | set(self._chart_breaks(landscape, breaks)))
        if breaks:
            self.ws.set_h_pagebreaks([b - 1 for b in breaks if b > 1])
        self.ws.set_print_scale(self.print_scale(landscape))
        self.ws.set_footer("&C&8&A - page &P of &N")

    def _wrap_prose(self, landscape: bool) -> None:
        """Subtitles and notes wrap within the columns that fit on the first printed page (merged),
        instead of running off its edge."""
        if not self.prose:
            return
        # 10 % to spare: spreadsheet programs round column widths to whole pixels and add cell padding
        room = 0.9 * (PRINTABLE_WIDTH_PT if landscape else (210 / 25.4 - 1.4) * 72) * 100 / self.print_scale(landscape)
        span, used = 0, 0.0
        while span < 40:
            w = self.column_width(span + 1) if span + 1 <= self.max_col else 8.43
            if used + (w * 7 + 5) * 0.75 > room and span:
                break
            used += (w * 7 + 5) * 0.75
            span += 1
        for r, text, font in self.prose:
            f = self.book.styles.get(font, None, None, st.WRAP, None)
            if span > 1:
                self.ws.merge_range(r - 1, 0, r - 1, span - 1, text, f)
            else:
                self.ws.write_string(r - 1, 0, text, f)
            self.wrapped.append((r, 1, text, 12.0, span))
        for c in range(self.max_col + 1, span + 1):
            self.widths.setdefault(c, 8.43 - 2)

    def _chart_breaks(self, landscape: bool, given: Sequence[int]) -> list[int]:
        """Rows to break pages at so that no chart is cut in two: walking down the sheet (with the
        page breaks a spreadsheet adds by itself), a chart that would cross the page's end starts
        the next page."""
        if not self.charts:
            return []
        page = (487.0 if landscape else 770.0) * 100 / self.print_scale(landscape)  # A4 less 0.75-inch margins
        last = max(r for r, _ in self.charts)
        y = [0.0, 0.0]  # y[r]: points from the top of the sheet to the top of row r
        for r in range(1, last + 1):
            y.append(y[-1] + self.heights.get(r, 15.0))
        out: list[int] = []
        start = 0.0
        forced = sorted(b for b in given if b <= last)
        for top, height in sorted(self.charts):
            for b in forced:
                if b <= top and y[b] > start:
                    start = y[b]
            while y[top] >= start + page:  # pages the spreadsheet breaks by itself
                start += page
            if y[top] + height > start + page and y[top] > start:
                out.append(top)
                start = y[top]
        return out

    def print_scale(self, landscape: bool = True) -> int:
        """Percent scale at which the used columns fit the page width, but never so small that the
        smallest font prints below 8 pt (wider sheets then continue on further pages)."""
        width_pt = sum((self.column_width(c) * 7 + 5) * 0.75 for c in range(1, self.max_col + 1))
        page = PRINTABLE_WIDTH_PT if landscape else (210 / 25.4 - 1.4) * 72
        floor = math.ceil(100 * st.MIN_PRINTED_FONT / st.SMALLEST_FONT)
        return max(floor, min(100, math.floor(100 * page / max(width_pt, 1.0))))


class Book:
    """The workbook: every sheet is created up front in :func:`sheet_names` order (sections may
    then be written in any order, e.g. Sensitivity last)."""

    def __init__(self, path: Any, sheets: Sequence[str]) -> None:
        self.wb = xlsxwriter.Workbook(path, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                             "strings_to_urls": False, "nan_inf_to_errors": False})
        self.worksheets = {name: self.wb.add_worksheet(name) for name in sheets}
        self.styles = Styles(self.wb)
        self.names: set[str] = set()
        #: (sheet, what it holds) for the Summary's contents list, set by the writer
        self.contents: list[tuple[str, str]] = []

    def sheet(self, title: str) -> Sheet:
        return Sheet(self, title)

    def define(self, name: str, sheet: Sheet, ref: str) -> str:
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


def frame(cols: Mapping[str, Any]) -> pd.DataFrame:
    """A display frame from columns given as Series, arrays or lists (positional: indexes are ignored)."""
    return pd.DataFrame({k: (v.to_numpy() if isinstance(v, (pd.Series, pd.Index)) else v) for k, v in cols.items()})


def link_to_sheet(sh: Sheet, r: int, c: int, text: str, target_sheet: str, cell: str = "A1") -> None:
    """A hyperlink to a cell of another (or the same) sheet."""
    sh.link(r, c, text, f"{quote_sheetname(target_sheet)}!{cell}")
