"""Native Excel charts shared by the sheets: titles, sizes, horizontal bars and fan charts."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from . import styles as st
from .book import Book, Sheet

CM = 37.8  # pixels per centimetre at 96 dpi (chart sizes below are in cm)

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


def fan(sh: Sheet, title: str, cat: list[Any], bands: list[tuple[list[Any], list[Any]]], row: int, col: int) -> None:
    """Stacked areas: a transparent P5 base, then the P5-P25, P25-P50, P50-P75 and P75-P95 band widths."""
    chart = sh.book.chart("area", "stacked")
    fills = [None, "BDD7EE", "6F9FD8", "6F9FD8", "BDD7EE"]
    for (name, vals), f in zip(bands, fills):
        look = ({"fill": {"none": True}, "line": {"none": True}} if f is None else
                {"fill": {"color": "#" + f}, "line": {"color": "#FFFFFF", "width": 0.25}})
        chart.add_series({"name": name, "categories": cat, "values": vals, **look})
    set_title(chart, title)
    chart.set_y_axis({"num_format": '#,##0', "name": "US$ bn", "name_font": {"size": 9, "bold": False}})
    chart.set_x_axis({"label_position": "low"})
    chart.set_legend({"none": True})
    set_size(chart, 7, 12)
    sh.chart(chart, row, col)
