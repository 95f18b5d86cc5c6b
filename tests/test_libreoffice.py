"""The workbook in a real spreadsheet engine: LibreOffice opens it headless, recalculates every live
What-if formula, and the results equal the model's Python values; an edited input moves the impact
exactly as the model's own equations do; the Sensitivity sheet (colour scales, charts) survives.

Skipped, with the reason, when LibreOffice (``soffice``) is not installed.  Each test session uses a
private LibreOffice profile, so parallel runs do not clash, configured to recalculate on load.
"""
from __future__ import annotations

import math
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

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


def convert(files: list[Path], outdir: Path, profile: Path) -> None:
    """Open each file in headless LibreOffice Calc and save it again as .xlsx into ``outdir``."""
    (profile / "user").mkdir(parents=True, exist_ok=True)
    reg = profile / "user" / "registrymodifications.xcu"
    if not reg.exists():
        reg.write_text(_REGISTRY, encoding="utf-8")
    cmd = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
           "--calc", "--convert-to", "xlsx", "--outdir", str(outdir), *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    missing = [f.name for f in files if not (outdir / f.name).is_file()]
    assert proc.returncode == 0 and not missing, (
        f"LibreOffice failed (exit {proc.returncode}; missing {missing}):\n{proc.stdout}\n{proc.stderr}")


@pytest.fixture(scope="module")
def result(cache_dir):
    return small_analysis(cache_dir)


@pytest.fixture(scope="module")
def converted(result, tmp_path_factory):
    """Original and an edited copy written, converted by LibreOffice in one call; paths and edit details."""
    base = tmp_path_factory.mktemp("lo")
    src = Path(excel.write_workbook(result, base / "impact.xlsx"))
    # an analyst's edit: the designation scenario's insecurity shock doubled on What-if
    scen = designations(result)[0]
    edited = base / "edited.xlsx"
    book = openpyxl.load_workbook(src)
    dn = book.defined_names[f"{scen}_shocks_insecurity"]
    (sheet, ref), = list(dn.destinations)
    cell = book[sheet][ref.replace("$", "")]
    new_value = 2 * float(cell.value)
    cell.value = new_value
    book.save(edited)
    out = base / "out"
    out.mkdir()
    convert([src, edited], out, base / "profile")
    return {"src": src, "out": out / "impact.xlsx", "edited": out / "edited.xlsx", "scenario": scen,
            "insecurity": new_value}


@pytest.fixture(scope="module")
def values(converted):
    return openpyxl.load_workbook(converted["out"], data_only=True)


def test_libreoffice_opens_the_workbook_with_every_sheet(converted, values):
    assert values.sheetnames == openpyxl.load_workbook(converted["src"], read_only=True).sheetnames


def test_every_whatif_formula_recomputes_to_the_python_value(result, values):
    _, checks = excel.build_workbook(result)
    ws = values["What-if"]
    worst, n = 0.0, 0
    for c in checks:
        got = ws[c["cell"]].value
        assert isinstance(got, (int, float)), f"{c['cell']}: LibreOffice gave {got!r} ({c})"
        run = result.runs[c["scenario"]]
        if c["kind"] == "difference":
            assert abs(got) <= RTOL * max(1.0, c["scale"]), c
            continue
        ch, y = c["channel"], c["year"]
        if y == "cumulative":
            want = float(run.cumulative[ch])
        else:
            want = float(run.total[y] if ch == "total" else run.impacts.loc[y, ch])
        err = abs(got - want) / max(abs(want), 1e-300)
        worst = max(worst, err)
        assert math.isclose(got, want, rel_tol=RTOL, abs_tol=1e-15), (c, got, want)
        n += 1
    channels = len(result.model.channels) + 1  # and the total
    assert n == len(designations(result)) * channels * (len(result.model.years) + 1)
    print(f"\n{len(checks)} What-if formulas recomputed by LibreOffice; worst relative error {worst:.2e}")


def test_an_edited_input_moves_the_impact_like_the_model(result, converted):
    scen, new_value = converted["scenario"], converted["insecurity"]
    model = result.model
    inputs = model.inputs(scen)
    x = np.array([i.central for i in inputs])
    x[[i.name for i in inputs].index("shocks.insecurity")] = new_value
    out = model.evaluate(scen, x[None, :], inputs=inputs)
    want = out.impact[0]  # (channels, years) with the edited input, by the Python equations
    central = result.runs[scen].impacts
    book = openpyxl.load_workbook(converted["edited"], data_only=True)
    ws = book["What-if"]
    _, checks = excel.build_workbook(result)
    moved = set()
    for c in checks:
        if c["scenario"] != scen or c["kind"] != "impact":
            continue
        k, j = list(model.years).index(c["year"]), list(model.channels).index(c["channel"])
        got = ws[c["cell"]].value
        assert math.isclose(got, want[j, k], rel_tol=RTOL, abs_tol=1e-15), (c, got, want[j, k])
        if c["channel"] == "tourism" and not math.isclose(got, central.loc[c["year"], "tourism"], rel_tol=1e-6):
            moved.add(c["year"])
    # the shock decays without reaching zero: every year from its start moves
    start = model.resolve(scen).shocks["insecurity"].start
    assert moved == {y for y in model.years if y >= start}, \
        "doubling the insecurity shock must change the tourism impact every year from its start"


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
