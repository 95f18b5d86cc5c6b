"""The workbook in a real spreadsheet engine: LibreOffice opens it headless, recalculates every live
What-if formula for each scenario picked in the drop-down, and the results equal the model's Python
values; an edited input moves the impact exactly as the model's own equations do; the charts and the
Sensitivity sheet (colour scales) survive; the workbook prints to PDF.

Skipped, with the reason, when LibreOffice (``soffice``) is not installed.  Each test session uses a
private LibreOffice profile, so parallel runs do not clash, configured to recalculate on load.
"""
from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

import impact
from impact.report import excel

from .test_workbook import designations, small_analysis

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; install libreoffice-calc "
                                               "to check that the What-if formulas recalculate"),
]

RTOL = 1e-9  # spreadsheet arithmetic (different operation order, LN/EXP/POWER implementations) vs numpy

# Always recalculate formulas when loading OOXML files (0 = always), whatever the file claims.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def convert(files: list[Path], outdir: Path, profile: Path, to: str = "xlsx") -> None:
    """Open each file in headless LibreOffice Calc and save it again (as .xlsx, or ``to``) into ``outdir``."""
    (profile / "user").mkdir(parents=True, exist_ok=True)
    reg = profile / "user" / "registrymodifications.xcu"
    if not reg.exists():
        reg.write_text(_REGISTRY, encoding="utf-8")
    cmd = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
           "--calc", "--convert-to", to, "--outdir", str(outdir), *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    missing = [f.name for f in files if not (outdir / f.with_suffix("." + to).name).is_file()]
    assert proc.returncode == 0 and not missing, (
        f"LibreOffice failed (exit {proc.returncode}; missing {missing}):\n{proc.stdout}\n{proc.stderr}")


@pytest.fixture(scope="module")
def result(cache_dir):
    return small_analysis(cache_dir)


def _named_cell(book: Any, name: str) -> Any:
    (sheet, ref), = list(book.defined_names[name].destinations)
    return book[sheet][ref.replace("$", "")]


@pytest.fixture(scope="module")
def converted(result, tmp_path_factory):
    """The workbook, one copy per designation scenario picked in the What-if drop-down, and an edited
    copy (the first scenario's insecurity shock doubled in 'Your value'), all recalculated by
    LibreOffice in one call and saved again; also a PDF export of the workbook."""
    base = tmp_path_factory.mktemp("lo")
    src = Path(excel.write_workbook(result, base / "impact.xlsx"))
    files = [src]
    for n in designations(result):
        book = openpyxl.load_workbook(src)
        _named_cell(book, "selected_scenario").value = n
        book.save(base / f"pick_{n}.xlsx")
        files.append(base / f"pick_{n}.xlsx")
    scen = designations(result)[0]
    book = openpyxl.load_workbook(src)
    used = _named_cell(book, "shocks_insecurity")  # 'Value used'; 'Your value' is the cell to its left
    yours = used.parent.cell(used.row, used.column - 1)
    scenario_value = float(result.model.resolve(scen).shocks["insecurity"].value)
    yours.value = 2 * scenario_value / 100  # a real percentage: 40% is 0.4
    book.save(base / "edited.xlsx")
    files.append(base / "edited.xlsx")
    out = base / "out"
    out.mkdir()
    convert(files, out, base / "profile")
    pdf = base / "pdf"
    pdf.mkdir()
    convert([src], pdf, base / "profile", to="pdf")
    return {"src": src, "out": out / "impact.xlsx", "edited": out / "edited.xlsx", "scenario": scen,
            "insecurity": 2 * scenario_value, "picked": {n: out / f"pick_{n}.xlsx" for n in designations(result)},
            "pdf": pdf / "impact.pdf"}


@pytest.fixture(scope="module")
def values(converted):
    return openpyxl.load_workbook(converted["out"], data_only=True)


def test_libreoffice_opens_the_workbook_with_every_sheet(converted, values):
    assert values.sheetnames == openpyxl.load_workbook(converted["src"], read_only=True).sheetnames


def _as_checked(v: Any) -> Any:
    """A recalculated cell as the checks state it: dates as Excel serial numbers."""
    if isinstance(v, dt.datetime):
        return (v - dt.datetime(1899, 12, 30)).days
    return v


def test_every_whatif_formula_recomputes_to_the_python_value_for_every_scenario(result, converted):
    """Each scenario picked in the drop-down: every live cell (lookups, values used, impacts, totals,
    differences) equals what the model gives for that scenario."""
    _, checks = excel.build_workbook(result)
    worst, n = 0.0, 0
    for scen, path in converted["picked"].items():
        ws = openpyxl.load_workbook(path, data_only=True)["What-if"]
        for c in (c for c in checks if c["scenario"] == scen):
            got = _as_checked(ws[c["cell"]].value)
            if isinstance(c["python"], str):
                assert got == c["python"], (c, got)
                continue
            assert isinstance(got, (int, float)), f"{c['cell']}: LibreOffice gave {got!r} ({c})"
            if c["kind"] == "difference":
                assert abs(got) <= RTOL * max(1.0, c["scale"]), c
                continue
            want = float(c["python"])
            worst = max(worst, abs(got - want) / max(abs(want), 1e-300))
            assert math.isclose(got, want, rel_tol=RTOL, abs_tol=1e-15), (c, got, want)
            n += 1
    per_scenario = (len(result.model.channels) + 1) * (len(result.model.years) + 1)  # channels and the total
    assert n >= 2 * len(converted["picked"]) * per_scenario  # impact and model cells at least
    print(f"\n{n} What-if cells recomputed by LibreOffice; worst relative error {worst:.2e}")


def test_an_edited_input_moves_the_impact_like_the_model(result, converted):
    scen, new_value = converted["scenario"], converted["insecurity"]
    model = result.model
    inputs = model.inputs(scen)
    x = np.array([i.central for i in inputs])
    x[[i.name for i in inputs].index("shocks.insecurity")] = new_value
    out = model.evaluate(scen, x[None, :], inputs=inputs)
    want = out.impact[0]  # (channels, years) with the edited input, by the Python equations
    central = result.runs[scen].impacts
    ws = openpyxl.load_workbook(converted["edited"], data_only=True)["What-if"]
    _, checks = excel.build_workbook(result)
    moved = set()
    for c in checks:
        if c["scenario"] != scen or c["kind"] != "impact" or c["year"] == "cumulative":
            continue
        k, j = list(model.years).index(c["year"]), list(model.channels).index(c["channel"])
        got = ws[c["cell"]].value
        assert math.isclose(got, want[j, k], rel_tol=RTOL, abs_tol=1e-15), (c, got, want[j, k])
        if c["channel"] == "tourism" and not math.isclose(got, central.loc[c["year"], "tourism"], rel_tol=1e-6):
            moved.add(c["year"])
    # the shock decays without reaching zero: every year from its start moves
    start = model.resolve(scen).shocks["insecurity"].start
    assert moved == {y for y in model.years if y >= start.year}, \
        "doubling the insecurity shock must change the tourism impact every year from its start"


def test_charts_survive_and_the_workbook_prints_to_pdf(converted, values):
    src = openpyxl.load_workbook(converted["src"])
    for title in ("Summary", "Uncertainty", "Sensitivity"):
        assert len(values[title]._charts) == len(src[title]._charts) > 0, title
    # LibreOffice keeps the print scale that holds the smallest font at 8 pt
    assert values["Summary"].page_setup.scale == src["Summary"].page_setup.scale
    pdf = converted["pdf"]
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "Summary - page 1 of" in text and "Total by scenario" in text


def test_sensitivity_sheet_survives_conversion(converted, values):
    src = openpyxl.load_workbook(converted["src"])
    a, b = src["Sensitivity"], values["Sensitivity"]
    numbers = 0
    for row in a.iter_rows():
        for c in row:
            v = b[c.coordinate].value
            if isinstance(c.value, float):
                assert isinstance(v, (int, float)) and math.isclose(v, c.value, rel_tol=1e-12, abs_tol=1e-15), c
                numbers += 1
            elif isinstance(c.value, str):
                assert v == c.value, c.coordinate
    assert numbers > 100
    kinds = [rule.type for rng in b.conditional_formatting for rule in rng.rules]
    assert kinds.count("colorScale") == sum(1 for rng in a.conditional_formatting for _ in rng.rules)

    def charts(path: Path) -> int:
        with zipfile.ZipFile(path) as z:
            return sum(n.startswith("xl/charts/chart") and n.endswith(".xml") for n in z.namelist())

    assert charts(converted["out"]) == charts(converted["src"]) > 0


def test_whatif_formulas_recompute_in_constant_dollars(cache_dir, tmp_path):
    """With settings.price_basis real, the What-if formulas (current dollars by construction) are
    multiplied by each year's deflator ratio and recalculate to the model's real-dollar values."""
    a = impact.load_assumptions().override({"settings.price_basis": "real"})
    res = impact.run_analysis(a, draws=0, sensitivity=False, cache_dir=cache_dir)
    src = Path(excel.write_workbook(res, tmp_path / "real.xlsx"))
    out = tmp_path / "out"
    out.mkdir()
    convert([src], out, tmp_path / "profile")
    ws = openpyxl.load_workbook(out / "real.xlsx", data_only=True)["What-if"]
    selected = _named_cell(openpyxl.load_workbook(src), "selected_scenario").value
    _, checks = excel.build_workbook(res)
    n = 0
    for c in (c for c in checks if c["kind"] == "impact" and c["scenario"] == selected):
        got = ws[c["cell"]].value
        assert math.isclose(float(got), float(c["python"]), rel_tol=RTOL, abs_tol=1e-12), (c, got)
        n += 1
    assert n >= len(res.model.channels) * len(res.model.years)
    nominal = impact.fit(cache_dir=cache_dir).run(selected).impacts
    assert (res.runs[selected].impacts.abs().sum().sum() < nominal.abs().sum().sum())  # deflated, not nominal
