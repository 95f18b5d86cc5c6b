"""The sweep's summary workbook (``impact sweep`` writes it next to the Parquet file): across-variant
spread of the headline statistics, the variants, their drivers, and what reproduces the sweep.

Same machinery as the run's workbook (:mod:`impact.report.book`: safe cells, real number formats,
native charts, print setup); sheets in :data:`impact.report.sweep_sheets.SHEETS`, one module each.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

from .book import Book
from .sweep_sheets import SHEETS

if TYPE_CHECKING:  # pragma: no cover
    from ..results.sweep import SweepResult


def sweep_workbook(res: SweepResult) -> bytes:
    """The workbook as .xlsx bytes (written by the caller, atomically)."""
    buf = io.BytesIO()
    book = Book(buf, [m.TITLE for m in SHEETS])
    try:
        for module in SHEETS:
            module.build(book, res)
        book.wb.set_properties({"title": "impact sweep", "author": f"impact {res.metadata['impact_version']}",
                                "subject": "Sweep of assumption variants: FTO designation of Mexican cartels"})
    finally:
        book.wb.close()
    return buf.getvalue()
