"""About: what is needed to reproduce the run (versions, file hashes, seed, draws)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .. import tables as tb
from ..book import Book

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "About"
DESCRIPTION = "versions, file hashes, seed, draws, run time"


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    sh.title("About this run", "What is needed to reproduce these numbers: versions, assumption and data file hashes "
                               "(SHA-256), data vintages, seed, draws, run time.")
    df = res.info.to_frame()
    rows = [("assumption folder", str(res.assumptions.folder))] + list(df.itertuples(index=False, name=None))
    view = pd.DataFrame(rows, columns=["Item", "Value"])
    view["Value"] = view["Value"].astype(str)
    r0, *_ = sh.table(view, name="RunInfo")
    sh.note("Same assumption files (SHA-256 above), data, seed and draws give identical numbers; run time, start time "
            "and command differ between runs.")
    sh.heading("Sign and unit convention")
    sh.kv([("Convention", tb.convention(res)), ("Headline", "The Monte Carlo distribution (median, mean, P5-P95); the "
                                        "deterministic run sets all inputs at their most likely values."),
           ("Timing", "Shocks start on their date (default settings.event_date); annual channels count the share of "
                      "the first year after it, the imports channel whole months from the start month.")], span=1)
    sh.note("Formulas on What-if recalculate when the workbook opens; every other number is a static model output.")
    sh.finish(freeze=f"A{r0 + 1}", landscape=False, repeat=r0)
