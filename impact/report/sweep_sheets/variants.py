"""Variants: each variant's inputs and the median total of each scenario (the Parquet file has every
statistic of every target)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import styles as st
from ..book import Book

if TYPE_CHECKING:  # pragma: no cover
    from ...results.sweep import SweepResult

TITLE = "Variants"
MAX_ROWS = 100_000  # beyond this the sheet shows the first rows; the Parquet file has them all


def build(book: Book, res: SweepResult) -> None:
    sh = book.sheet(TITLE)
    sh.title("Each variant: its inputs and each scenario's median total",
             f"Median over the variant's Monte Carlo draws of the total gross change {res.metadata['period']}, US$ bn "
             "(negative = loss). One row per variant that ran; the Parquet file holds every statistic of every "
             "channel and value-added measure.")
    tab = res.table("p50", "total").reset_index()
    # dotted keys wrap at their dots in the header (a header cell wraps only at spaces)
    heads = {c: c.replace(".", ". ") for c in res.inputs}
    shown = tab.head(MAX_ROWS).rename(columns=heads | {"variant": "Variant"})
    fm = {"Variant": st.INT} | {heads[c]: st.VALUE for c in res.inputs if c in tab and tab[c].dtype.kind == "f"}
    fm |= {sc: st.USD_BN for sc in res.scenarios}
    r0, *_ = sh.table(shown, fm, name="Variants", blank_ok=True)
    if len(tab) > MAX_ROWS:
        sh.note(f"First {MAX_ROWS:,} of {len(tab):,} variants shown; every variant is in the Parquet file.")
    sh.finish(freeze=f"B{r0 + 1}", repeat=r0)
