"""Native Excel charts shared by the sheets: titles, sizes, horizontal bars and fan charts."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from . import styles as st
from .book import Book, Sheet

CM = 37.8  # pixels per centimetre at 96 dpi (chart sizes below are in cm)

NAVY = st.NAVY
PALETTE = ["1F3864", "C55A11", "548235", "7F6000", "7030A0", "2E75B6", "BF9000"]


_LOOKS_LIKE_REF = re.compile(r"^=?[^!]+!\$?[A-Z]+\$?\d+")


def set_title(chart: Any, text: str, size: float = 10.5) -> None:
    """A chart title in the workbook's heading style (bold navy, 10.5 pt), always literal text."""
    if _LOOKS_LIKE_REF.match(text):  # XlsxWriter would read "...!A1..." as a cell reference
        text = text.replace("!", "!\u200b")
    chart.set_title({"name": text, "name_font": {"size": size, "bold": True, "color": "#" + st.NAVY}, "overlay": False})


def set_size(chart: Any, height_cm: float, width_cm: float) -> None:
    """Chart size in centimetres."""
    chart.set_size({"width": round(width_cm * CM), "height": round(height_cm * CM)})


def hbar(book: Book, grouping: str, gap: int, title: str, values: Sequence[tuple[list[Any], list[Any]]],
         categories: list[Any], colors: Sequence[str], num_format: str) -> Any:
    """A horizontal bar chart with overlapping series (stacked headline bars, tornado bars): first
    category at the top, value axis along the bottom, legend below.  ``values``: (name, values) refs."""
    chart = book.chart("bar", grouping)
    for (name, vals), color in zip(values, colors):
        chart.add_series({"name": name, "categories": categories, "values": vals, "gap": gap, "overlap": 100,
                          "fill": {"color": "#" + color}, "border": {"color": "#" + color}})
    set_title(chart, title)
    chart.set_y_axis({"reverse": True, "label_position": "low", "crossing": "max"})  # category axis of a bar chart
    chart.set_x_axis({"num_format": num_format, "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    return chart


def _axis_title(text: str) -> dict[str, Any]:
    return {"name": text, "name_font": {"size": 9, "bold": False}}


def floating_parts(lo: Any, hi: Any) -> tuple[Any, Any, Any]:
    """A range [lo, hi] as stacked column parts that work on both sides of zero: an invisible base,
    the visible part above zero (or above the base) and the visible part below (Excel and
    LibreOffice stack positive and negative values separately)."""
    import numpy as np

    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    base = np.where(lo >= 0, lo, np.where(hi <= 0, hi, 0.0))
    up = np.where(lo >= 0, hi - lo, np.where(hi <= 0, 0.0, hi))
    down = np.where(lo >= 0, 0.0, np.where(hi <= 0, lo - hi, lo))
    return base, up, down


def range_columns(book: Book, title: str, categories: list[Any], parts: Sequence[list[Any]],
                  markers: Sequence[tuple[str, list[Any], str, str]], axis: str, band: str = "P5-P95") -> Any:
    """Floating columns from P5 to P95 (``parts``: refs of the base, up and down columns of
    :func:`floating_parts`) with markers (name, values ref, marker type, colour) such as the median
    and the deterministic run."""
    chart = book.chart("column", "stacked")
    base, up, down = parts
    chart.add_series({"name": "base", "categories": categories, "values": base, "gap": 120,
                      "fill": {"none": True}, "border": {"none": True}})
    for name, vals in ((band, up), (band + " ", down)):
        chart.add_series({"name": name, "categories": categories, "values": vals, "gap": 120,
                          "fill": {"color": "#9DC3E6"}, "border": {"color": "#9DC3E6"}})
    line = book.chart("line")
    for name, vals, kind, color in markers:
        line.add_series({"name": name, "categories": categories, "values": vals, "line": {"none": True},
                         "marker": {"type": kind, "size": 8, "fill": {"color": "#" + color},
                                    "border": {"color": "#" + color}}})
    chart.combine(line)
    set_title(chart, title)
    chart.set_y_axis({"num_format": '#,##0', **_axis_title(axis), "major_gridlines": {"visible": True}})
    chart.set_x_axis({"label_position": "low"})
    chart.set_legend({"position": "bottom", "delete_series": [0, 2], "font": {"size": 9}})
    return chart


def fan_with_median(sh: Sheet, title: str, cat: list[Any], bands: list[tuple[list[Any], list[Any]]],
                    median: tuple[list[Any], list[Any]], row: int, col: int, x_offset_cm: float = 0.0) -> None:
    """A fan chart: stacked areas (a transparent P5 base, then the P5-P25, P25-P50, P50-P75 and
    P75-P95 band widths) with the median as a line and a legend naming the bands."""
    chart = sh.book.chart("area", "stacked")
    fills = [None, "BDD7EE", "6F9FD8", "6F9FD8", "BDD7EE"]
    for (name, vals), f in zip(bands, fills):
        look = ({"fill": {"none": True}, "line": {"none": True}} if f is None else
                {"fill": {"color": "#" + f}, "line": {"color": "#FFFFFF", "width": 0.25}})
        chart.add_series({"name": name, "categories": cat, "values": vals, **look})
    line = sh.book.chart("line")
    line.add_series({"name": median[0], "categories": cat, "values": median[1],
                     "line": {"color": "#" + NAVY, "width": 2}})
    chart.combine(line)
    set_title(chart, title)
    chart.set_y_axis({"num_format": '#,##0', **_axis_title("US$ bn")})
    chart.set_x_axis({"label_position": "low"})
    chart.set_legend({"position": "bottom", "delete_series": [0], "font": {"size": 9}})
    set_size(chart, 8, 11.8)
    sh.chart(chart, row, col, x_offset_cm)


def histogram(book: Book, title: str, categories: list[Any], inside: list[Any], outside: list[Any],
              marked: list[Any], axis: str) -> Any:
    """Shares of draws by bin: bins inside P5-P95, outside it, and the bin holding the deterministic run."""
    chart = book.chart("column", "stacked")
    for name, vals, color in (("Draws within P5-P95", inside, "6F9FD8"), ("Draws outside P5-P95", outside, "BDD7EE"),
                              ("Bin of the deterministic run", marked, "C55A11")):
        chart.add_series({"name": name, "categories": categories, "values": vals, "gap": 5,
                          "fill": {"color": "#" + color}, "border": {"color": "#" + color}})
    set_title(chart, title)
    chart.set_y_axis({"num_format": '0%', **_axis_title("share of draws"), "major_gridlines": {"visible": True}})
    chart.set_x_axis({"num_format": '#,##0', **_axis_title(axis), "label_position": "low",
                      "num_font": {"rotation": -45}})
    chart.set_legend({"position": "bottom", "font": {"size": 9}})
    return chart


def s_curve(book: Book, title: str, curve: tuple[list[Any], list[Any]],
            points: Sequence[tuple[str, list[Any], list[Any], str]], axis: str) -> Any:
    """The cumulative distribution (x = value, y = share of draws at or below) with marked points
    (name, x ref, y ref, colour), e.g. the deterministic run, P5 and P95."""
    chart = book.chart("scatter", "straight")
    chart.add_series({"name": "Cumulative share of draws", "categories": curve[0], "values": curve[1],
                      "line": {"color": "#" + NAVY, "width": 2}, "marker": {"type": "none"}})
    for name, xs, ys, color in points:
        chart.add_series({"name": name, "categories": xs, "values": ys, "line": {"none": True},
                          "marker": {"type": "circle", "size": 7, "fill": {"color": "#" + color},
                                     "border": {"color": "#" + color}}})
    set_title(chart, title)
    chart.set_y_axis({"num_format": '0%', "min": 0, "max": 1, **_axis_title("share of draws at or below"),
                      "major_gridlines": {"visible": True}})
    chart.set_x_axis({"num_format": '#,##0', **_axis_title(axis)})
    chart.set_legend({"position": "bottom", "font": {"size": 9}})
    return chart
