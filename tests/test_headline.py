"""The headline is the simulated distribution (issue 17): the Summary sheet, ``summary()``, the
command line and the CSV tables against independent computations on ``model.simulate`` draws;
percentages are real percentages; nothing displays "-0.00"; printing keeps text at 8 pt or more."""
from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import openpyxl
import pytest
from scipy import stats

from impact.report import styles as st
from impact.report import tables

from .test_workbook import designations, find, read_table, small_analysis

# end to end: a whole run (command line, workbook, files); `-m "not slow"` leaves the file out
pytestmark = pytest.mark.slow

DRAWS, SEED = 300, 3


@pytest.fixture(scope="module")
def result(cache_dir):
    return small_analysis(cache_dir, seed=SEED, draws=DRAWS)


@pytest.fixture(scope="module")
def book(result, tmp_path_factory):
    from impact.report import excel

    path = tmp_path_factory.mktemp("headline") / "impact.xlsx"
    excel.write_workbook(result, path)
    return openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


def _totals(result: Any, name: str) -> np.ndarray:
    """Cumulative total of each draw, straight from a fresh simulation with the run's seed."""
    mc = result.model.simulate(name, draws=DRAWS, seed=SEED)
    return mc.draws.sum(axis=(1, 2))


def _table(ws: Any, header: str) -> list[dict[str, Any]]:
    """The table whose header row holds ``header``, without the note lines that follow it."""
    r0, _ = find(ws, header)
    return [r for r in read_table(ws, r0) if isinstance(r[header], (int, float))]


def _summary_rows(ws: Any) -> list[dict[str, Any]]:
    return _table(ws, "Median (US$ bn)")


def test_summary_sheet_leads_with_the_simulated_distribution(book, result):
    ws = book[0]["Summary"]
    rows = _summary_rows(ws)
    assert list(rows[0])[:5] == ["Scenario", "Median (US$ bn)", "Mean (US$ bn)", "P5 (US$ bn)", "P95 (US$ bn)"]
    assert [r["Scenario"] for r in rows] == [result.runs[n].label for n in designations(result)]
    for row, n in zip(rows, designations(result)):
        d = _totals(result, n)
        p5, p50, p95 = np.quantile(d, [0.05, 0.5, 0.95])
        assert row["Median (US$ bn)"] == pytest.approx(p50, rel=1e-12)
        assert row["Mean (US$ bn)"] == pytest.approx(d.mean(), rel=1e-12)
        assert row["P5 (US$ bn)"] == pytest.approx(p5, rel=1e-12)
        assert row["P95 (US$ bn)"] == pytest.approx(p95, rel=1e-12)
        det = float(result.model.run(n).impacts.to_numpy().sum())
        assert row["Deterministic run* (US$ bn)"] == pytest.approx(det, rel=1e-12)
        # mid-rank percentile, as scipy defines kind="mean"
        assert row["Percentile of the deterministic run"] == pytest.approx(
            stats.percentileofscore(d, det, kind="mean") / 100, abs=1e-12)
        assert row["Scenario weight"] == pytest.approx(result.runs[n].weight)


def test_deterministic_run_is_labelled_for_what_it_is(book):
    ws = book[0]["Summary"]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert "all inputs at their most likely values" in text
    assert "Central" not in text  # the old word for the deterministic run


def test_exceedance_probabilities_are_shares_of_draws(book, result):
    ws = book[0]["Summary"]
    rows = _table(ws, "P(loss > 10 US$ bn)")
    thresholds = result.assumptions.analysis.loss_thresholds
    weights = {n: result.runs[n].weight for n in designations(result)}
    mix = {t: 0.0 for t in thresholds}
    for row, n in zip(rows, designations(result)):
        d = _totals(result, n)
        for t in thresholds:
            share = float(np.mean(d < -t))
            assert row[f"P(loss > {t:,.0f} US$ bn)"] == pytest.approx(share, abs=1e-15), (n, t)
            mix[t] += weights[n] / sum(weights.values()) * share
    last = rows[len(designations(result))]
    assert last["Scenario"].startswith("Probability-weighted")
    for t in thresholds:
        assert last[f"P(loss > {t:,.0f} US$ bn)"] == pytest.approx(mix[t], abs=1e-12)


def test_expected_total_reconciles_with_the_rows_above_it(book, result):
    ws = book[0]["Summary"]
    *parts, total = _table(ws, "Weight x mean")
    names = [n for n in designations(result) if result.runs[n].weight > 0]
    wsum = sum(result.runs[n].weight for n in names)
    for row, n in zip(parts, names):
        d = _totals(result, n)
        w = result.runs[n].weight / wsum
        assert row["Weight x mean"] == pytest.approx(w * d.mean(), rel=1e-12)
        assert row["Weight x mean"] == pytest.approx(row["Weight"] * row["Monte Carlo mean"], rel=1e-12)
    assert total["Weight x mean"] == pytest.approx(sum(r["Weight x mean"] for r in parts), rel=1e-12)
    assert total["Weight x deterministic run"] == pytest.approx(sum(r["Weight x deterministic run"] for r in parts),
                                                               rel=1e-12)
    # and it is the mean of the probability-weighted mixture of draws (result.expected)
    assert total["Weight x mean"] == pytest.approx(float(result.expected.loc["total", "expected"]), rel=1e-12)


def test_api_summary_and_csv_give_the_same_headline(result, tmp_path):
    h = result.summary()
    assert list(h.columns[:4]) == ["scenario", "label", "channel", "weight"]
    for n in designations(result):
        d = _totals(result, n)
        row = h[(h["scenario"] == n) & (h["channel"] == "total")].iloc[0]
        assert row["p50"] == pytest.approx(np.median(d), rel=1e-12)
        assert row["p10"] == pytest.approx(np.quantile(d, 0.10), rel=1e-12)
        assert row["p90"] == pytest.approx(np.quantile(d, 0.90), rel=1e-12)
    files = tables.csv_files(result)
    text = files["headline.csv"].decode()
    assert text.splitlines()[0] == "scenario,channel,period,year,measure,statistic,value,unit"
    assert "percentile_rank" in text and "fraction (0-1)" in text


def test_without_monte_carlo_the_summary_says_so(cache_dir, tmp_path):
    from impact.report import excel
    from impact.report.console import headline_text

    res = small_analysis(cache_dir, draws=0)
    text = headline_text(res)
    assert "Monte Carlo skipped" in text and "all inputs at their most likely values" in text
    path = tmp_path / "det.xlsx"
    excel.write_workbook(res, path)
    ws = openpyxl.load_workbook(path)["Summary"]
    values = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("Monte Carlo was skipped" in v for v in values)
    assert "Median (US$ bn)" not in values and "Deterministic run* (US$ bn)" in values


def test_total_has_no_percentage_of_a_sum_of_unlike_baselines(book, result):
    text = " ".join(str(c.value) for ws in book[0].worksheets for row in ws.iter_rows() for c in row
                    if isinstance(c.value, str))
    assert "sum of channel changes, US$ bn, gross" in text
    assert np.isnan(result.summary().query("channel == 'total'")["mean"]).sum() == 0
    assert "total" not in result.runs[designations(result)[0]].cumulative_pct.index


# ----------------------------------------------------------------------------- number formats
def _decimals(fmt: str) -> int | None:
    """Decimal places a number format shows (percent formats in fractions), None when not numeric."""
    first = fmt.split(";")[0]
    if fmt == "General" or re.search(r"[ymdhs@]", first):
        return None
    m = re.search(r"\.([0#]+)", first)
    return (len(m.group(1)) if m else 0) + (2 if "%" in first else 0)


def _numbers(book: Any) -> list[tuple[str, Any, float]]:
    out = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                    out.append((ws.title, c, float(c.value)))
    return out


def test_no_cell_displays_minus_zero(book):
    for b in book:  # static cells, and the cached results of the What-if formulas
        for title, c, v in _numbers(b):
            d = _decimals(c.number_format)
            if d is None or v >= 0:
                continue
            assert round(abs(v), d) != 0, f"{title}!{c.coordinate} = {v!r} shows as -0 with {c.number_format!r}"


_SHARE_HEADER = re.compile(r"% of|Percentile|[Ww]eight$|P\(loss|[Ss]hare|Within|Outside|Bin of")


def test_percentages_are_real_percentages(book):
    wb = book[0]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert '"%"' not in c.number_format, f"{ws.title}!{c.coordinate}: a literal % sign"
    # every column headed as a share holds fractions in [-1, 1] with a % format
    checked = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for h in row:
                if not (isinstance(h.value, str) and h.font.bold and h.fill.fgColor.rgb.endswith(st.NAVY)
                        and _SHARE_HEADER.search(h.value)):
                    continue
                r = h.row + 1
                while isinstance(ws.cell(r, h.column).value, (int, float)) or ws.cell(r, h.column).value is None:
                    c = ws.cell(r, h.column)
                    if c.value is not None:
                        assert "%" in c.number_format, f"{ws.title}!{c.coordinate} ({h.value})"
                        assert -1 <= c.value <= 1, f"{ws.title}!{c.coordinate} ({h.value}) = {c.value}"
                        checked += 1
                    r += 1
                    if r > ws.max_row:
                        break
    assert checked > 100


def test_inputs_in_percent_units_show_as_percentages(book, result):
    ws = book[0]["Assumptions"]
    r0, _ = find(ws, "Value used")
    rows = read_table(ws, r0)
    pct = [r for r in rows if r["Unit"] in ("%", "% per year", "% of value per day")]
    assert pct
    inputs = {(n, i.name): i for n in result.runs for i in result.model.inputs(n)}
    for i, r in enumerate(rows):
        if r in pct:
            assert r["Value used"] == pytest.approx(inputs[(r["Scenario"], r["Name"])].central / 100, rel=1e-12)
            assert "%" in ws.cell(r0 + 1 + i, 5).number_format


# ----------------------------------------------------------------------------- printing
def _fonts(ws: Any) -> set[float]:
    return {float(c.font.sz) for row in ws.iter_rows() for c in row if c.value is not None and c.font is not None}


def test_printed_text_is_at_least_8_pt(book):
    """Every sheet prints at an explicit scale (never 'fit to page', which shrinks text without a
    floor): the smallest font times the scale is at least 8 pt."""
    for ws in book[0].worksheets:
        assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        scale = ws.page_setup.scale or 100
        assert min(_fonts(ws)) * scale / 100 >= 8.0, (ws.title, scale, min(_fonts(ws)))
        assert ws.page_setup.orientation == ("portrait" if ws.title == "About" else "landscape"), ws.title
        assert ws.freeze_panes, f"{ws.title} has no frozen panes"


def test_long_tables_repeat_their_header_row_on_every_page(book):
    for title in ("Scenarios", "Assumptions", "Data", "About"):
        ws = book[0][title]
        assert ws.print_title_rows, title
        r = int(re.match(r"\$?(\d+)", ws.print_title_rows).group(1))
        assert ws.cell(r, 1).fill.fgColor.rgb.endswith(st.NAVY), title


def test_charts_show_the_ranges(book, result):
    wb = book[0]
    n = len(designations(result))
    assert len(wb["Summary"]._charts) == 2
    assert len(wb["Uncertainty"]._charts) == 3 * n  # fan, histogram, S-curve per scenario
    titles = [c.title.tx.rich.p[0].r[0].t for c in wb["Sensitivity"]._charts]
    for name in result.sensitivity:
        assert any(result.runs[name].label in t for t in titles), (name, titles)


def test_two_way_grids_follow_each_scenarios_tornado_drivers(result):
    for name, block in result.sensitivity.items():
        top = block["tornado:total"].ranked()
        top = list(top[top["swing"] > 0]["input"][:2])
        grids = [t for k, t in block.items() if k.startswith("two_way:")]
        pairs = [{t.meta["x"], t.meta["y"]} for t in grids if t.target == "total"]
        assert set(top) in pairs or any(set(top) == {tw.x, tw.y} for tw in result.assumptions.analysis.two_way)
        for t in grids:  # the central cell is the deterministic run
            ci, cj = t.meta["center"]
            assert float(t.table.iloc[ci, cj]) == pytest.approx(t.central, rel=1e-12)
            tgt = result.runs[name].cumulative[t.target]
            assert t.central == pytest.approx(tgt, rel=1e-12)


def test_probability_text_never_rounds_to_a_certainty():
    from impact.report.console import _probability

    assert _probability(0.001) == "<1%" and _probability(0.999) == ">99%"
    assert _probability(0.0) == "0%" and _probability(1.0) == "100%" and _probability(0.5) == "50%"
    assert math.isclose(float(_probability(0.25).rstrip("%")), 25)
