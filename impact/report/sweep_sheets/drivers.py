"""Drivers: which varied inputs move each scenario's median total across the variants (Spearman's
rank correlation, standardised regression coefficients and their R-squared), with a bar chart."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import charts
from .. import styles as st
from ..book import Book, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...results.sweep import SweepResult

TITLE = "Drivers"


def build(book: Book, res: SweepResult) -> None:
    sh = book.sheet(TITLE)
    sh.title("Which inputs move the median total across variants",
             "Per scenario and varied numeric input: Spearman's rank correlation with the variant's median total, and "
             "the standardised regression coefficient (SRC: the change in the median, in standard deviations, for one "
             "standard deviation of the input, the others held fixed) with the R-squared of that linear fit. An "
             "R-squared well below 1 means interactions or non-linear effects the coefficients do not capture.")
    d = res.drivers().reset_index()
    if d.empty:
        sh.note("No numeric input varies across the variants (e.g. a design of folders): nothing to rank.")
        sh.finish()
        return
    view = frame({"Scenario": d["scenario"], "Input": d["input"], "Rank": d["rank"], "Spearman": d["spearman"],
                  "SRC": d["src"], "R-squared of the SRC fit": d["r2"], "Variants": d["variants"]})
    r0, c0, last, _ = sh.table(view, {"Rank": st.INT, "Spearman": st.COEF, "SRC": st.COEF,
                                      "R-squared of the SRC fit": st.SHARE, "Variants": st.COUNT},
                               name="Drivers", blank_ok=("Rank", "Spearman", "SRC", "R-squared of the SRC fit"))
    first = d["scenario"].iloc[0]
    rows = [i for i, s in enumerate(d["scenario"]) if s == first]
    if rows and d.loc[rows, "src"].notna().any():
        lo, hi = r0 + 1 + rows[0], r0 + 1 + rows[-1]
        chart = charts.hbar(book, "clustered", 40, f"SRC of each input, {first}",
                            [(f"SRC ({first})", sh.ref(lo, 5, hi, 5))], sh.ref(lo, 2, hi, 2), [charts.NAVY], "0.00")
        chart.set_legend({"none": True})
        charts.set_size(chart, max(5, 1.2 + 0.7 * len(rows)), 14)
        sh.chart(chart, sh.row, 1)
    sh.finish(freeze=f"C{r0 + 1}", repeat=r0)
