"""The Excel workbook analysts open: built in memory from the sheet modules, written atomically.

Sheets, in the order of :data:`impact.report.sheets.SHEETS`: Summary, Scenarios, one sheet per
channel, Uncertainty, Sensitivity, Ex-post, What-if, Estimates, Assumptions, Data, About.  Numbers are static
values except on What-if, whose formulas recompute each channel's deterministic run from editable
inputs (the workbook is flagged to recalculate on open).  Every table comes from
:mod:`impact.report.tables`, the same frames ``--csv`` writes.

Safety: text is never written as a formula (:class:`~impact.report.book.Sheet` stores strings
starting with ``= + - @`` as text); NaN or infinite numbers are refused before anything is written;
the file is written beside the target and moved into place (:mod:`impact.report.output`), so a
failed or interrupted run never leaves a partial or clobbered workbook.

Written with XlsxWriter (native charts, number formats, tables, defined names; this workbook in two
thirds of the time openpyxl took); openpyxl reads workbooks back (tests, the LibreOffice check).
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .book import Book
from .output import OutputSet, check_workbook_path
from .sheets import SHEETS, contents, sheet_names

if TYPE_CHECKING:  # pragma: no cover
    from ..api import AnalysisResult


def build_workbook(res: AnalysisResult) -> tuple[io.BytesIO, list[dict[str, Any]]]:
    """The workbook as .xlsx bytes in memory (openpyxl can load it) and the list of live formula
    cells with the Python value each must equal."""
    buf = io.BytesIO()
    book = Book(buf, sheet_names(res.model.channels))
    book.contents = contents(res)
    checks: list[dict[str, Any]] = []
    try:
        ordered = [m for m in SHEETS if not getattr(m, "BUILD_LAST", False)]
        ordered += [m for m in SHEETS if getattr(m, "BUILD_LAST", False)]
        for module in ordered:
            checks += module.build(book, res) or []
        book.wb.set_properties({"title": res.assumptions.settings.title,
                                "author": f"impact {res.info.package_version}",
                                "subject": "Economic impact of a U.S. FTO designation of Mexican cartels"})
        book.wb.set_calc_mode("auto")  # and XlsxWriter asks for a full recalculation on open
    finally:
        book.wb.close()  # also on failure: XlsxWriter's temporary files are released
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
