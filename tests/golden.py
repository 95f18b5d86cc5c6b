"""Fingerprint of the default workbook and CSV tables, for the golden test (tests/test_golden.py).

The default run (shipped assumptions, their seed and draws) is written as a workbook and as tidy CSV
tables; every cell of every sheet (value, formula, number format), every chart's XML and every CSV
cell are reduced to one SHA-256 per sheet, for the charts and per table.  Floats are compared at 10
significant digits (a change below that is rounding, not behaviour), and what legitimately differs
between two runs is left out: the run's time stamp, duration, command line, platform and library
versions (About sheet and about.csv), and the checkout's folder in file paths.

``python tools/golden.py`` rewrites the stored fingerprint (tests/fixtures/golden.json) after an
intended change of the numbers or the layout; say so in the commit.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "tests" / "fixtures" / "golden.json"
#: About rows (and about.csv items) that differ between two runs of the same inputs
VOLATILE = ("run started", "run time", "command", "platform", "python", " version")


def _norm(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        f = float(v)
        if not math.isfinite(f):
            return repr(f)
        return float(f"{f:.10g}")
    text = str(v)
    return text.replace(str(ROOT), "<root>")


def _volatile(row: list[Any]) -> bool:
    first = str(row[0]) if row and row[0] is not None else ""
    return any(k in first for k in VOLATILE)


def workbook_fingerprint(data: bytes) -> dict[str, str]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        h = hashlib.sha256()
        for row in ws.iter_rows():
            vals = [c.value for c in row]
            if ws.title == "About" and _volatile(vals):
                continue
            for c in row:
                if c.value is None:
                    continue
                h.update(json.dumps([c.coordinate, _norm(c.value), c.number_format]).encode())
        out[f"sheet:{ws.title}"] = h.hexdigest()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        h = hashlib.sha256()
        for name in sorted(n for n in z.namelist() if n.startswith("xl/charts/")):
            h.update(name.encode() + z.read(name))
        out["charts"] = h.hexdigest()
    return out


def csv_fingerprint(files: dict[str, bytes]) -> dict[str, str]:
    import csv

    out = {}
    for name, body in sorted(files.items()):
        h = hashlib.sha256()
        for row in csv.reader(io.StringIO(body.decode("utf-8"))):
            if name == "about.csv" and _volatile(row):
                continue
            h.update(json.dumps([_norm(_num(c)) for c in row]).encode())
        out[f"csv:{name}"] = h.hexdigest()
    return out


def _num(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def default_run(cache_dir: str | None = None) -> tuple[bytes, dict[str, bytes]]:
    """The default analysis, as workbook bytes and CSV files (run from the repository root, so file
    paths read the same in every checkout)."""
    import os

    import impact
    from impact.report.excel import build_workbook
    from impact.report.tables import csv_files

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        res = impact.run_analysis(impact.load_assumptions(), cache_dir=cache_dir)
        book, _ = build_workbook(res)
        return book.getvalue(), csv_files(res)
    finally:
        os.chdir(here)


def fingerprint(cache_dir: str | None = None) -> dict[str, str]:
    book, files = default_run(cache_dir)
    return {**workbook_fingerprint(book), **csv_fingerprint(files)}
