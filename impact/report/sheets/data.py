"""Data: the bundled (or overriding) series with their official sources, and the annual values."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .. import styles as st
from ..datatables import data_catalog
from ..book import Book, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Data"
DESCRIPTION = "bundled official series, sources and vintages"


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    sh.title("Data used", "Bundled public series (or your overrides) with official sources, vintages and caveats; "
                          "values of the annual series below.")
    c = data_catalog(res)
    view = frame({"Series": c["series"], "Description": c["description"], "Unit": c["unit"],
                         "Frequency": c["frequency"], "Coverage": c["coverage"], "Observations": c["observations"],
                         "Vintage": c["vintage"], "Source": c["source"], "Series code": c["series_code"],
                         "Caveats": c["caveats"], "File": c["file"]})
    r0, *_ = sh.table(view, {"Observations": st.COUNT}, name="DataCatalog",
                      wrap={"Description": 40.0, "Vintage": 30.0, "Source": 40.0, "Caveats": 50.0})
    sh.heading("Annual series (values, units as in the catalog)")
    annual = {sid: s for sid, s in res.model.data.items()
              if s.attrs.get("frequency") == "annual" and not isinstance(s.index, pd.MultiIndex)}
    if annual:
        wide = pd.DataFrame(annual).sort_index()
        wide.insert(0, "Year", [int(i) for i in wide.index])
        sh.table(wide.reset_index(drop=True), {c: '#,##0.00' for c in wide.columns[1:]} | {"Year": st.INT},
                 blank_ok=True)
    others = [sid for sid in res.model.data if sid not in annual]
    if others:
        sh.note("Monthly and quarterly series and the subnational panels (" + ", ".join(others)
                + ") are in the CSV export (--csv DIR, data.csv: one row per series, entity and period).")
    sh.fixed.update({7: 36.0, 8: 36.0})
    sh.finish(freeze=f"B{r0 + 1}", repeat=r0)
