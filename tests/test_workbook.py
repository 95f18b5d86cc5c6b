"""The Excel workbook: layout, headers with units, values equal to the result objects, provenance,
live What-if formulas, safety, determinism, and the tidy CSV export.

Expected values are always computed from the :class:`impact.AnalysisResult` objects, never copied
from a workbook.  Recalculation of the What-if formulas by a spreadsheet engine is in
``test_libreoffice.py``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

import impact
from impact.errors import OutputError
from impact.report import excel, tables
from impact.report import styles as st
from impact.report.book import NonFiniteError
from impact.results.common import KEY, TIDY

# end to end: a whole run (command line, workbook, files); `-m "not slow"` leaves the file out
pytestmark = pytest.mark.slow

RTOL = 1e-12  # a number written to a cell and read back (float64 round trip through XML)

SHEETS = ["Summary", "Value added", "Scenarios", "Tourism", "Imports", "Business costs", "Investment", "Official finance",
          "Remittances", "Uncertainty", "Sensitivity", "Ex-post", "What-if", "Estimates", "Assumptions", "Calibration", "Data", "About"]
# About rows that legitimately differ between two runs with the same inputs
VOLATILE = {"run started (UTC)", "run time (s)", "command"}
SMALL_SOBOL = {"analysis.sensitivity.sobol.base_samples": 64, "analysis.sensitivity.sobol.min_base_samples": 8}


def small_analysis(cache_dir: str, seed: int = 3, draws: int = 300, **kw: Any) -> impact.AnalysisResult:
    """The full pipeline on the shipped defaults with a small Monte Carlo and Sobol design."""
    a = impact.load_assumptions().override(SMALL_SOBOL)
    return impact.run_analysis(a, draws=draws, seed=seed, cache_dir=cache_dir, **kw)


@pytest.fixture(scope="module")
def result(cache_dir) -> impact.AnalysisResult:
    return small_analysis(cache_dir)


@pytest.fixture(scope="module")
def path(result, tmp_path_factory) -> Path:
    return Path(excel.write_workbook(result, tmp_path_factory.mktemp("wb") / "impact.xlsx"))


@pytest.fixture(scope="module")
def wb(path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


# ----------------------------------------------------------------------------- helpers
def shown(a: float, b: float, decimals: int = 2) -> bool:
    """``a`` (a cell) equals ``b`` as the cell's format shows it: values that would display as zero
    are written as zero (no "-0.00"), everything else as it is."""
    return close(a, b) or (a == 0 and abs(b) < 0.5 * 10 ** -decimals)


def close(a: float, b: float, rtol: float = RTOL) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=rtol)


def find(ws, text: str, col: int | None = None, start: int = 1) -> tuple[int, int]:
    """(row, column) of the first cell whose value equals ``text`` (row-major, from ``start``)."""
    for row in ws.iter_rows(min_row=start):
        for c in row:
            if c.value == text and (col is None or c.column == col):
                return c.row, c.column
    raise AssertionError(f"{text!r} not found on sheet {ws.title!r}")


def find_prefix(ws, prefix: str, start: int = 1) -> int:
    for row in ws.iter_rows(min_row=start, max_col=1):
        v = row[0].value
        if isinstance(v, str) and v.startswith(prefix):
            return row[0].row
    raise AssertionError(f"no row starting with {prefix!r} on sheet {ws.title!r}")


def read_table(ws, r0: int, c0: int = 1, key_col: int | None = None) -> list[dict[str, Any]]:
    """Rows under the header at (r0, c0) until the key column is empty; headers as dict keys."""
    headers = []
    c = c0
    while ws.cell(r0, c).value is not None:
        headers.append(ws.cell(r0, c).value)
        c += 1
    key = key_col if key_col is not None else c0
    out, r = [], r0 + 1
    while ws.cell(r, key).value is not None:
        out.append({h: ws.cell(r, c0 + j).value for j, h in enumerate(headers)})
        r += 1
    return out


def excel_table(ws, name: str) -> list[dict[str, Any]]:
    ref = ws.tables[name].ref
    rows = [[c.value for c in row] for row in ws[ref]]
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def label_of(result, name: str) -> str:
    return result.runs[name].label


def designations(result) -> list[str]:
    return [n for n in result.runs if n != "baseline"]


# ----------------------------------------------------------------------------- layout
def test_sheet_names_and_order_are_fixed(wb, result):
    assert wb.sheetnames == SHEETS
    from impact.report.sheets import sheet_names

    assert sheet_names(result.model.channels) == SHEETS
    assert wb.active.title == "Summary"


def test_summary_is_a_clean_report_page(wb):
    ws = wb["Summary"]
    assert ws.sheet_view.showGridLines is False
    assert ws.freeze_panes == "A2"  # the title stays in view
    assert len(ws._charts) == 2, "the headline needs native charts of the ranges"


@pytest.mark.parametrize("sheet,freeze", [("Scenarios", "A5"), ("Assumptions", "C5"), ("Data", "B5"),
                                          ("About", "A5")])
def test_long_tables_have_frozen_header_rows(wb, sheet, freeze):
    ws = wb[sheet]
    assert ws.freeze_panes == freeze
    header_row = int(re.sub(r"\D", "", freeze)) - 1
    cell = ws.cell(header_row, 1)
    assert cell.font.bold and cell.fill.fgColor.rgb.endswith(st.NAVY), "the frozen row is the table header"


def test_filterable_excel_tables(wb):
    names = {t for ws in wb.worksheets for t in ws.tables}
    assert {"ScenarioImpacts", "MonteCarloQuantiles", "AssumptionsUsed", "SettingsUsed", "DataCatalog",
            "RunInfo"} <= names


def test_fonts_are_consistent(wb):
    fonts = {c.font.name for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts == {st.FONT}


def test_column_widths_are_set(wb):
    for ws in wb.worksheets:
        widths = [d.width for d in ws.column_dimensions.values() if d.width]
        # stored widths include the cell padding Excel adds: XlsxWriter (3.x) stores a width w as
        # (int(7 w + 0.5) + 5) * 256 // 7 / 256 (7-pixel digits, 5 pixels of padding), which for
        # w <= WIDTH_LONG_TEXT (a whole number of characters) is at most WIDTH_LONG_TEXT + 5/7
        assert widths and all(st.WIDTH_MIN <= w <= st.WIDTH_LONG_TEXT + 5 / 7 for w in widths), ws.title


# ----------------------------------------------------------------------------- Summary
def test_summary_channels_match_results(wb, result):
    ws = wb["Summary"]
    r0, _ = find(ws, "Channel", col=2)
    rows = [r for r in read_table(ws, r0, key_col=2) if r["Channel"]]
    assert list(rows[0]) == ["Scenario", "Channel", "Median (US$ bn)", "P5 (US$ bn)", "P95 (US$ bn)",
                             "Deterministic run (US$ bn)", "Percentile of the deterministic run",
                             "Median, % of the channel's baseline"]
    chans = [*result.model.channels, "total"]
    expected_rows = [(n, ch) for n in designations(result) for ch in chans]
    assert len(rows) == len(expected_rows)
    scen_label = None
    for row, (n, ch) in zip(rows, expected_rows):
        run, mc = result.runs[n], result.montecarlo[n]
        scen_label = row["Scenario"] or scen_label
        assert scen_label == run.label
        assert row["Channel"] == tables.channel_title(ch)
        d = mc.draws.sum(axis=(1, 2)) if ch == "total" else mc.draws[:, list(mc.channels).index(ch), :].sum(axis=1)
        assert shown(row["Median (US$ bn)"], float(np.median(d)))
        assert shown(row["P5 (US$ bn)"], float(np.quantile(d, 0.05)))
        assert shown(row["P95 (US$ bn)"], float(np.quantile(d, 0.95)))
        assert close(row["Deterministic run (US$ bn)"], run.cumulative[ch])
        if ch == "total":  # no percentage of a sum of unlike baselines
            assert row["Median, % of the channel's baseline"] is None
        else:
            b = mc.baseline[:, list(mc.channels).index(ch), :].sum(axis=1)
            assert close(row["Median, % of the channel's baseline"], float(np.median(d / b)))
    # number formats by unit
    assert ws.cell(r0 + 1, 3).number_format == st.USD_BN
    assert ws.cell(r0 + 1, 7).number_format == st.SHARE
    assert ws.cell(r0 + 1, 8).number_format == st.PCT


def test_summary_leads_with_value_added_from_the_draws(wb, result):
    """The first table of the Summary: Mexico GDP, U.S. value added and jobs of each designation
    scenario, each cell recomputed from the Monte Carlo's measure draws; the gross total follows."""
    ws = wb["Summary"]
    r0, _ = find(ws, "Measure", col=2)
    r_gross = find_prefix(ws, "Total by scenario")
    assert r0 < r_gross and find_prefix(ws, "Value added and jobs by scenario") < r0
    rows = read_table(ws, r0, key_col=2)
    measures = ["mx_gdp", "us_va", "mx_jobs", "us_jobs"]
    assert len(rows) == 4 * len(designations(result))
    for i, row in enumerate(rows):
        n, k = designations(result)[i // 4], i % 4
        cum = result.montecarlo[n].measure_draws[:, k, :].sum(axis=1)
        assert shown(row["Median"], float(np.median(cum))), (n, measures[k])
        assert shown(row["P5"], float(np.quantile(cum, 0.05))) and shown(row["P95"], float(np.quantile(cum, 0.95)))
        assert close(row["Deterministic run"], float(result.runs[n].measures[k].sum()))
        pct = row["Median, % of the country's GDP"]
        if k < 2:
            gdp = result.model.prices.mx_gdp if k == 0 else result.model.prices.us_gdp
            assert close(pct, float(np.median(cum)) / gdp.sum())
        else:
            assert pct is None


def test_value_added_sheet_lists_every_coefficient_with_its_source(wb, result):
    ws = wb["Value added"]
    text = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    sc = result.assumptions.scenario("baseline")
    names = [p for p in sc.parameters.values()
             if p.name in ("mx_va_share", "us_va_share", "us_owner_share", "mx_gdp_multiplier", "mx_jobs", "us_jobs")]
    assert len(names) == 13
    for p in names:
        assert p.qualname in text
        assert f"Source: {p.source}" in text
    from impact import channels

    for ch in result.model.channels:  # each channel's pass-through in words
        assert channels.get(ch).passthrough_note in text
    assert any("current U.S. dollars" in t for t in text)


def test_summary_expected_impact_shows_the_mixture_range(wb, result):
    ws = wb["Summary"]
    e = result.expected.loc["total"]
    r0, _ = find(ws, "Mixture P5")
    last = [r for r in read_table(ws, r0) if isinstance(r["Weight x mean"], (int, float))][-1]
    assert last["Scenario"] == "Probability-weighted expectation"
    assert close(last["Mixture P5"], e["lower"]) and close(last["Mixture P95"], e["upper"])
    assert close(last["Weight x mean"], e["expected"])


def test_summary_links_to_every_sheet(wb):
    ws = wb["Summary"]
    targets = {c.hyperlink.location.split("!")[0].strip("'") if c.hyperlink.location else
               c.hyperlink.target.lstrip("#").split("!")[0].strip("'")
               for row in ws.iter_rows() for c in row if c.hyperlink is not None}
    assert set(SHEETS[1:]) <= targets


# ----------------------------------------------------------------------------- Scenarios, channels
def test_scenarios_table_matches_results(wb, result):
    rows = excel_table(wb["Scenarios"], "ScenarioImpacts")
    chans = [*result.model.channels, "total"]
    years = [*result.model.years, "Cumulative"]
    assert len(rows) == len(designations(result)) * len(chans) * len(years)
    assert list(rows[0])[3:] == ["Median (US$ bn)", "P5 (US$ bn)", "P95 (US$ bn)", "Deterministic run (US$ bn)",
                                 "Median (% of baseline)", "P5 (% of baseline)", "P95 (% of baseline)",
                                 "Deterministic run (% of baseline)"]
    titles = {tables.channel_title(c): c for c in chans}
    for row in rows:
        n, ch, y = row["Scenario"], titles[row["Channel"]], row["Year"]
        run, mc = result.runs[n], result.montecarlo[n]
        key = "cumulative" if y == "Cumulative" else str(y)
        det = run.cumulative[ch] if y == "Cumulative" else (run.total[y] if ch == "total" else run.impacts.loc[y, ch])
        assert shown(row["Deterministic run (US$ bn)"], det)
        q = mc.quantiles((0.05, 0.5, 0.95)).loc[(ch, key)]
        assert shown(row["P5 (US$ bn)"], q["p5"]) and shown(row["P95 (US$ bn)"], q["p95"])
        assert shown(row["Median (US$ bn)"], q["p50"])
        if ch == "total":
            assert row["P5 (% of baseline)"] is None
        else:  # a real percentage: the cell holds the fraction
            qp = mc.quantiles((0.05,), pct=True).loc[(ch, key)]
            assert shown(row["P5 (% of baseline)"], qp["p5"] / 100, decimals=4)


@pytest.mark.parametrize("ch", ["tourism", "imports", "business_costs"])
def test_channel_sheet_baseline_provenance_and_impacts(wb, result, ch):
    ws = wb[tables.channel_title(ch)]
    fit = result.model.fits[ch]
    r, _ = find(ws, "Baseline produced by", col=1)
    assert fit.baseline.method in ws.cell(r, 2).value
    r, _ = find(ws, "Baseline data", col=1)
    assert ws.cell(r, 2).value == fit.baseline.data
    # baseline path with its interval, US$ bn
    lvl = round(100 * fit.baseline.level)
    r0, _ = find(ws, "Year", col=1)
    rows = read_table(ws, r0)
    b = result.model.baseline(ch)
    assert list(rows[0]) == ["Year", "Mean (US$ bn)", "Central path, median (US$ bn)", f"Lower {lvl}% (US$ bn)",
                             f"Upper {lvl}% (US$ bn)"]
    for row, (y, br) in zip(rows, b.iterrows()):
        assert row["Year"] == y
        assert close(row["Central path, median (US$ bn)"], br["median"]) and close(row[f"Upper {lvl}% (US$ bn)"],
                                                                                   br["upper"])
    # impact by year and scenario, as the channel presents it (business costs: the additional cost, > 0)
    r0, _ = find(ws, "Year", col=1, start=r0 + 1)
    rows = [r for r in read_table(ws, r0) if r["Year"] in (*result.model.years, "Cumulative")]
    sign = -1 if ch == "business_costs" else 1
    assert ("additional cost" in ws.cell(r0 - 1, 1).value) == (ch == "business_costs")
    for n in designations(result):
        col = [row[label_of(result, n)] for row in rows]
        assert all(shown(a, sign * b) for a, b in zip(col[:-1], result.runs[n].impacts[ch].to_numpy()))
        assert close(col[-1], sign * result.runs[n].cumulative[ch])
        if ch == "business_costs":
            assert col[-1] > 0
    assert len(ws._charts) == 2


# ----------------------------------------------------------------------------- Uncertainty, Sensitivity
def test_uncertainty_quantiles_and_fan_charts(wb, result):
    ws = wb["Uncertainty"]
    rows = excel_table(ws, "MonteCarloQuantiles")
    titles = {tables.channel_title(c): c for c in [*result.model.channels, "total"]}
    assert {"Mean (US$ bn)", "P5 (US$ bn)", "Median (US$ bn)", "P95 (US$ bn)"} <= set(rows[0])
    for row in rows[::7]:
        mc = result.montecarlo[row["Scenario"]]
        key = (titles[row["Channel"]], "cumulative" if row["Year"] == "Cumulative" else str(row["Year"]))
        q = mc.quantiles((0.05, 0.5, 0.95)).loc[key]
        assert shown(row["Median (US$ bn)"], q["p50"]) and shown(row["P95 (US$ bn)"], q["p95"])
        assert shown(row["Mean (US$ bn)"], mc.mean().loc[key])
    assert len(ws._charts) == 3 * len(designations(result))  # fan chart, histogram, S-curve per scenario


def test_sensitivity_tornado_two_way_and_sobol(wb, result):
    ws = wb["Sensitivity"]
    for n, block in result.sensitivity.items():
        start = s0 = find_prefix(ws, f"Scenario: {label_of(result, n)}")
        t = block["tornado:total"]
        r0, _ = find(ws, "Rank", col=1, start=start)
        rows = read_table(ws, r0)
        ranked = t.ranked()
        assert [r["Input"] for r in rows] == list(ranked["input"])
        for row, (_, tr) in zip(rows, ranked.iterrows()):
            assert close(row["Swing (US$ bn)"], tr["swing"])
            assert shown(row["High - deterministic (US$ bn)"], tr["high"] - t.central)
        # two-way grids (the top tornado drivers first, then the declared pairs): central cell
        # boxed and equal to the deterministic run
        grids = [tw for k, tw in block.items() if k.startswith("two_way:top:")]
        grids += [tw for k, tw in block.items() if k.startswith("two_way:") and not k.startswith("two_way:top:")]
        for tw in grids:
            h = find_prefix(ws, "Two-way grid", start=start)
            start = h + 1
            ci, cj = tw.meta["center"]
            cell = ws.cell(h + 2 + ci, 2 + cj)
            assert close(cell.value, tw.central) and cell.border.left.style == "medium"
            assert close(ws.cell(h + 2, 2).value, float(tw.table.iloc[0, 0]))
        sob = block["sobol:total"].ranked()
        r = find_prefix(ws, "Sobol indices, Total", start=start)
        srows = read_table(ws, r + 1)
        assert [s["Input"] for s in srows] == list(sob["input"])
        assert close(srows[0]["ST (total)"], float(sob["ST"].iloc[0]))
        # channel tables list only the inputs that move the channel (independently: the channel's
        # inputs are those its tornado gives a non-zero swing)
        for ch in result.model.channels:
            moving = set(block[f"tornado:{ch}"].table.query("swing > 0")["input"])
            sob_ch = block[f"sobol:{ch}"].ranked()
            r = find_prefix(ws, f"Sobol indices, {tables.channel_title(ch)}", start=start)
            srows = read_table(ws, r + 1)
            listed = [s["Input"] for s in srows]
            assert set(listed) == moving
            assert listed == [i for i in sob_ch["input"] if i in moving]  # same order as the result
            zero = sob_ch[~sob_ch["input"].isin(moving)]
            assert (zero[["S1", "ST"]].to_numpy() == 0).all()
            if len(zero):
                assert ws.cell(r + 3 + len(srows), 1).value.startswith(f"{len(zero)} inputs that do not enter")
            r = find_prefix(ws, f"Tornado, {tables.channel_title(ch)}:", start=s0)
            assert f"of {len(moving)} inputs that move it" in ws.cell(r, 1).value
            trows = read_table(ws, r + 1)
            assert len(trows) == min(8, len(moving)) and {t["Input"] for t in trows} <= moving
    rules = [rule.type for rng in ws.conditional_formatting for rule in rng.rules]
    n_grids = sum(k.startswith("two_way:") for b in result.sensitivity.values() for k in b)
    assert rules.count("colorScale") == n_grids
    assert len(ws._charts) == len(result.sensitivity)  # one tornado chart per scenario


# ----------------------------------------------------------------------------- What-if
def test_whatif_formulas_are_the_only_formulas_and_all_are_checked(wb, result):
    _, checks = excel.build_workbook(result)
    ws = wb["What-if"]
    formula_cells = {c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"}
    assert formula_cells == {c["cell"] for c in checks}
    for other in wb.worksheets:
        if other.title != "What-if":
            assert not any(c.data_type == "f" for row in other.iter_rows() for c in row), other.title
    assert wb.calculation.fullCalcOnLoad


def test_whatif_formulas_carry_the_model_values_as_cached_results(path, result):
    """A viewer that does not recalculate shows the model's numbers for the selected scenario (the
    first designation scenario), not zeros."""
    _, checks = excel.build_workbook(result)
    cached = openpyxl.load_workbook(path, data_only=True)["What-if"]
    selected = designations(result)[0]
    (sheet, ref), = list(openpyxl.load_workbook(path).defined_names["selected_scenario"].destinations)
    assert cached[ref.replace("$", "")].value == selected
    for c in checks:
        if c["scenario"] != selected:
            continue
        got = cached[c["cell"]].value
        if isinstance(got, dt.datetime):  # a date cell: openpyxl reads its serial number as a date
            got = (got - dt.datetime(1899, 12, 30)).days
        if isinstance(c["python"], str):
            assert got == c["python"], c
        else:
            assert got == pytest.approx(c["python"], rel=1e-12, abs=1e-12), c


def test_whatif_has_one_scenario_drop_down_and_unprefixed_names(wb, result):
    ws = wb["What-if"]
    scen = designations(result)
    (_, cell), = list(wb.defined_names["selected_scenario"].destinations)
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    selector = [dv for dv in lists if cell.replace("$", "") in str(dv.sqref)]
    assert len(selector) == 1
    (sheet, ref), = list(wb.defined_names["scenario_keys"].destinations)
    keys = [c.value for row in wb[sheet][ref.replace("$", "")] for c in row]
    assert keys == scen
    names = set(wb.defined_names)
    assert not any(n.startswith(tuple(f"{s}_" for s in scen)) for n in names), "one set of inputs, not one per scenario"
    assert {"shocks_insecurity", "shocks_insecurity_start", "shocks_insecurity_timing", "tourism_elasticity",
            "selected_scenario"} <= names
    # the formulas use those names
    text = " ".join(c.value for row in ws.iter_rows() for c in row if c.data_type == "f")
    assert "tourism_elasticity" in text and "shocks_insecurity_start" in text and "(shocks_insecurity*100)" in text


def test_whatif_inputs_and_model_values_come_from_the_results(wb, result):
    """Per scenario: each input's value (percentages as fractions, dates as dates) and the model's
    value of each impact cell, as the results hold them."""
    _, checks = excel.build_workbook(result)
    ws = wb["What-if"]
    inputs = {n: {i.name: i for i in result.model.inputs(n)} for n in designations(result)}
    col = {n: 10 + j for j, n in enumerate(designations(result))}  # the scenarios' own columns J...
    seen = set()
    for c in checks:
        n, r = c["scenario"], int(c["cell"][1:])
        if c["kind"] in ("impact", "model", "total"):
            run = result.runs[n]
            ch, y = c["channel"], c["year"]
            expected = run.cumulative[ch] if y == "cumulative" else (
                run.total[y] if ch == "total" else run.impacts.loc[y, ch])
            assert c["python"] == pytest.approx(expected, rel=RTOL)
            assert close(ws.cell(r, col[n]).value, expected), "the scenario's model column"
        elif c["kind"] == "input" and c["name"] in inputs[n]:
            inp = inputs[n][c["name"]]
            want = inp.central / 100 if ws.cell(r, 3).value == "%" else inp.central
            assert close(ws.cell(r, col[n]).value, want), (n, c["name"])
            seen.add(c["name"])
    assert {"shocks.insecurity", "tourism.elasticity", "imports.trade_elasticity", "imports.time_cost_per_day"} <= seen
    r, _ = find(ws, "shocks.insecurity.start", col=1)
    first = designations(result)[0]
    assert ws.cell(r, col[first]).value.date() == result.model.resolve(first).shocks["insecurity"].start


def test_whatif_formula_text_is_well_formed(wb):
    ws = wb["What-if"]
    for row in ws.iter_rows():
        for c in row:
            if c.data_type == "f":
                text = c.value
                assert text.count("(") == text.count(")"), c.coordinate
                assert not re.search(r"\b(nan|inf)\b", text.lower())


# ----------------------------------------------------------------------------- provenance
def test_assumptions_sheet_lists_every_value_used(wb, result):
    rows = excel_table(wb["Assumptions"], "AssumptionsUsed")
    expected = [(n, i) for n in result.runs for i in result.model.inputs(n)]
    assert len(rows) == len(expected)
    for row, (n, inp) in zip(rows, expected):
        assert row["Scenario"] == n and row["Name"] == inp.name
        assert close(row["Value used"], inp.central / 100 if inp.unit in ("%", "% per year", "% of value per day")
                     else inp.central)
        assert row["Unit"] == inp.unit
        assert row["Distribution"]
        if inp.kind != "forecast":
            assert re.search(r"\.yaml(?: \(override\))?:\d+$", row["File:line"]), row
            assert row["Source"] and row["Bounds"].startswith("[")
        if inp.uncertain:
            lo, hi = inp.ppf(np.array([0.05, 0.95]))
            k = 100 if inp.unit in ("%", "% per year", "% of value per day") else 1
            for got, want in ((row["Monte Carlo P5"], float(lo) / k), (row["Monte Carlo P95"], float(hi) / k)):
                # a value that would display as zero in its column's format is written as 0 (no "-0.0000"):
                # the P95 of the pooled tourism elasticity is -0.00002
                assert close(got, want, 1e-9) or (got == 0 and abs(want) < 5e-5), (row["Name"], got, want)
    settings = {(r["Section"], r["Name"]): r["Value"] for r in excel_table(wb["Assumptions"], "SettingsUsed")}
    assert settings[("run", "seed")] == str(result.info.seed)
    assert settings[("run", "draws per scenario")] == str(result.info.draws)
    assert settings[("settings", "base_year")] == str(result.assumptions.settings.base_year)


def test_about_sheet_reproducibility_items(wb, result):
    items = {r["Item"]: r["Value"] for r in excel_table(wb["About"], "RunInfo")}
    for dep in ("numpy", "pandas", "scipy", "statsmodels", "openpyxl"):
        assert items.get(f"{dep} version") or items.get(f"{dep.lower()} version"), dep
    assert any(k.lower() == "pyyaml version" for k in items)
    for f, h in result.assumptions.hashes.items():
        assert items[f"sha256 {f}"] == h and re.fullmatch(r"[0-9a-f]{64}", h)
    for sid, v in result.info.data_vintages.items():
        assert items[f"vintage {sid}"] == str(v)
    assert items["seed"] == str(result.info.seed) and items["draws per scenario"] == str(result.info.draws)
    assert float(items["run time (s)"]) > 0
    assert items["impact version"] == impact.__version__


def test_data_sheet_lists_every_series(wb, result):
    rows = excel_table(wb["Data"], "DataCatalog")
    assert [r["Series"] for r in rows] == list(result.model.data)
    for r in rows:
        s = result.model.data[r["Series"]]
        assert r["Vintage"] == s.attrs["vintage"] and r["Unit"] == s.attrs["unit"]


# ----------------------------------------------------------------------------- safety and determinism
def test_text_that_looks_like_a_formula_is_stored_as_text(result, tmp_path, cache_dir):
    evil = {"scenarios.designation.description": "=HYPERLINK(\"http://example.invalid\",\"click\")",
            "scenarios.designation.label": "+SUM(1,2) @designation"}
    a = impact.load_assumptions().override(evil)
    res = impact.run_analysis(a, ["designation"], draws=0, sensitivity=False, cache_dir=cache_dir)
    p = excel.write_workbook(res, tmp_path / "evil.xlsx")
    book = openpyxl.load_workbook(p)
    hits = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith(("=HYPERLINK", "+SUM")):
                    assert c.data_type == "s", f"{ws.title}!{c.coordinate} became a formula"
                    hits += 1
                elif isinstance(c.value, str) and "+SUM(1,2)" in c.value and c.data_type == "f":
                    pytest.fail(f"{ws.title}!{c.coordinate} became a formula")
    assert hits >= 2


def test_workbook_without_monte_carlo_or_sensitivity(tmp_path, cache_dir):
    res = impact.run_analysis(impact.load_assumptions(), ["designation"], draws=0, sensitivity=False,
                              cache_dir=cache_dir)
    book = openpyxl.load_workbook(excel.write_workbook(res, tmp_path / "lean.xlsx"))
    assert book.sheetnames == SHEETS
    r0, _ = find(book["Summary"], "Scenario", col=1)
    assert "P5 (US$ bn)" not in [c.value for c in book["Summary"][r0]]
    assert find_prefix(book["Uncertainty"], "The Monte Carlo was skipped")
    assert find_prefix(book["Sensitivity"], "Sensitivity analysis was skipped")
    assert find_prefix(book["Ex-post"], "The Monte Carlo was skipped")


def test_unwritable_or_locked_target_raises_output_error(result, tmp_path):
    lo = tmp_path / "open.xlsx"
    (tmp_path / ".~lock.open.xlsx#").write_text("user,host")
    with pytest.raises(OutputError, match="open in LibreOffice"):
        excel.write_workbook(result, lo)
    with pytest.raises(OutputError, match=r"\.xlsx"):
        excel.write_workbook(result, tmp_path / "report.xls")
    (tmp_path / "dir.xlsx").mkdir()
    with pytest.raises(OutputError, match="folder"):
        excel.write_workbook(result, tmp_path / "dir.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".~lock.open.xlsx#", "dir.xlsx"]


def _cells(book: openpyxl.Workbook) -> dict[tuple[str, str], Any]:
    out = {}
    for ws in book.worksheets:
        volatile_rows = set()
        if ws.title == "About":
            volatile_rows = {c.row for row in ws.iter_rows(max_col=1) for c in row if c.value in VOLATILE}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and c.row not in volatile_rows:
                    out[(ws.title, c.coordinate)] = c.value
    return out


def test_same_seed_gives_identical_cells(result, cache_dir):
    again = small_analysis(cache_dir)
    a, _ = excel.build_workbook(result)
    b, _ = excel.build_workbook(again)
    ca, cb = _cells(openpyxl.load_workbook(a)), _cells(openpyxl.load_workbook(b))
    assert ca.keys() == cb.keys()
    diff = [k for k in ca if ca[k] != cb[k]]
    assert not diff, diff[:10]


def test_non_finite_central_value_is_refused(result):
    run = result.runs["designation"]
    bad = run.impacts.copy()
    bad.iloc[0, 0] = float("nan")
    broken = dataclasses.replace(result, runs={**result.runs, "designation": dataclasses.replace(run, impacts=bad)})
    with pytest.raises(NonFiniteError):
        excel.build_workbook(broken)


# ----------------------------------------------------------------------------- CSV export
def test_csv_writes_every_table_tidy(result, tmp_path):
    written = tables.write_csv(result, tmp_path / "csv")
    names = {p.stem for p in written}
    assert {"headline", "value_added", "deterministic", "components", "baselines", "montecarlo", "exceedance", "expected",
            "expectation_terms", "variance", "expost", "implied", "sensitivity_tornado", "sensitivity_two_way",
            "sensitivity_sobol", "estimates", "pooled", "diagnostics", "backtest", "scenarios", "assumptions",
            "settings", "data_catalog", "data",
            "about"} == names
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(p.name for p in written)
    frames = {p.stem: pd.read_csv(p) for p in written}
    for name in ("headline", "deterministic", "montecarlo", "expected"):
        assert list(frames[name].columns) == TIDY, name
        assert not frames[name][KEY].duplicated().any(), f"{name}: one value per key"
    c = frames["deterministic"]
    for n, run in result.runs.items():
        v = c[(c.scenario == n) & (c.channel == "total") & (c.period == "cumulative") & (c.measure == "impact")]
        assert v["value"].item() == pytest.approx(run.cumulative["total"], rel=1e-12)
    comp = frames["components"]
    got = comp[(comp.scenario == "designation") & (comp.channel == "imports")].groupby("year")["value"].sum()
    assert np.allclose(got.to_numpy(), result.runs["designation"].impacts["imports"].to_numpy(), rtol=1e-9)
    base = frames["baselines"]
    med = base[(base.channel == "imports") & (base.statistic == "p50")]["value"].to_numpy()
    assert np.allclose(med, result.model.baseline("imports")["median"].to_numpy(), rtol=1e-12)
    two = frames["sensitivity_two_way"]
    assert len(two) == sum(t.table.size for b in result.sensitivity.values() for k, t in b.items()
                           if k.startswith("two_way:"))
    a = frames["assumptions"]
    assert len(a) == sum(len(result.model.inputs(n)) for n in result.runs)
    assert len(frames["data"]) == sum(int(s.size) for s in result.model.data.values())


def test_text_longer_than_an_excel_cell_is_truncated_not_dropped():
    import io

    buf = io.BytesIO()
    from impact.report.book import Book

    book = Book(buf, ["S"])
    book.sheet("S").put(1, 1, "x" * 40_000)
    book.wb.close()
    value = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["S"]["A1"].value
    assert len(value) == 32_767 and value.endswith("\u2026")


def test_every_chart_series_lines_up_with_its_categories(wb):
    """Each series: a text title cell (a header), numeric values, and as many values as categories
    (the fan charts once took their first value as the title and lost a year)."""
    from openpyxl.utils.cell import range_boundaries

    def cells(ref: str) -> list[Any]:
        sheet, rng = ref.rsplit("!", 1)
        ws = wb[sheet.strip("'").replace("''", "'")]
        c0, r0, c1, r1 = range_boundaries(rng.replace("$", ""))
        return [ws.cell(r, c).value for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]

    n_series = 0
    for ws in wb.worksheets:
        for chart in ws._charts:
            for s in chart.series:
                if s.val is not None:
                    cat = s.cat.numRef or s.cat.strRef
                    values, categories = cells(s.val.numRef.f), cells(cat.f)
                else:  # scatter: x and y values
                    values, categories = cells(s.yVal.numRef.f), cells(s.xVal.numRef.f)
                title = cells(s.tx.strRef.f) if s.tx.strRef is not None else [s.tx.v]
                assert len(values) == len(categories) >= 1, (ws.title, chart, categories)
                # blanks are allowed (a histogram bin belongs to one of its stacked series), text is not
                assert any(isinstance(v, (int, float)) for v in values), (ws.title, values)
                assert all(v is None or isinstance(v, (int, float)) for v in values), (ws.title, values)
                assert all(c not in (None, "") for c in categories), (ws.title, categories)
                assert len(title) == 1 and isinstance(title[0], str) and title[0], (ws.title, title)
                n_series += 1
    assert n_series >= 20
