"""One tidy schema for every impact result (docs/schema.md): unique keys, documented dtypes, and the
natural pivot of each frame gives back the numbers of the object's own accessors.  Sensitivity
frames have real columns; the CSV tables are the same frames."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import impact
from impact.report import tables
from impact.results.common import KEY, STATISTICS, TIDY

from .test_workbook import small_analysis

DTYPES = {"scenario": "category", "channel": "category", "period": "category", "year": "Int64",
          "measure": "category", "statistic": "category", "value": "float64"}


@pytest.fixture(scope="module")
def res(cache_dir):
    return small_analysis(cache_dir, draws=300)


def _frames(res: impact.AnalysisResult) -> dict[str, pd.DataFrame]:
    n = "designation"
    csv = tables.tables(res)  # every CSV table at once: built once
    return {"ScenarioResult": res.runs[n].to_frame(), "ScenarioResult pct": res.runs[n].to_frame(pct=True),
            "MonteCarloResult": res.montecarlo[n].to_frame(), "MonteCarloResult pct": res.montecarlo[n].to_frame(pct=True),
            "AnalysisResult": res.to_frame(), "AnalysisResult pct": res.to_frame(pct=True),
            "headline.csv": csv["headline"], "montecarlo.csv": csv["montecarlo"]}


def test_every_tidy_frame_has_the_documented_columns_dtypes_and_unique_keys(res):
    for name, df in _frames(res).items():
        assert list(df.columns) == TIDY, name
        assert {c: str(t) for c, t in df.dtypes.items() if c != "unit"} == DTYPES, name
        assert pd.api.types.is_string_dtype(df["unit"]), name
        assert not df.duplicated(KEY).any(), f"{name}: two rows share a key"
        assert df["scenario"].cat.ordered and df["channel"].cat.ordered and df["statistic"].cat.ordered
        n = len(res.model.channels)
        assert list(df["channel"].cat.categories)[:n] == list(res.model.channels)  # not alphabetical
        assert set(df["statistic"].astype(str)) <= set(STATISTICS)
        assert (df["year"].isna() == (df["period"] == "cumulative")).all(), name
        # one unit per measure: a pivot over statistic and channel never mixes units
        assert df.groupby("measure", observed=True)["unit"].nunique().max() == 1, name


def test_the_natural_pivot_gives_the_deterministic_run(res):
    run = res.runs["designation"]
    df = run.to_frame()
    piv = df.pivot_table(values="value", index="year", columns="channel", observed=True)
    expect = run.impacts.copy()
    expect["total"] = expect.sum(axis=1)
    assert [str(c) for c in piv.columns] == list(expect.columns) and list(piv.index) == list(expect.index)
    np.testing.assert_allclose(piv.to_numpy(dtype=float), expect.to_numpy(dtype=float), rtol=1e-12)
    # the cumulative period is its own rows, not an extra "year"
    cum = df[df["period"] == "cumulative"].set_index("channel")["value"]
    assert cum["total"] == pytest.approx(run.cumulative["total"], rel=1e-12)


def test_the_natural_pivot_gives_the_monte_carlo_quantiles_and_means(res):
    mc = res.montecarlo["designation"]
    df = mc.to_frame()
    piv = df.pivot_table(values="value", index="year", columns=["channel", "statistic"], observed=True)
    cube = np.concatenate([mc.draws, mc.draws.sum(axis=1, keepdims=True)], axis=1)  # independent of the accessors
    for k, ch in enumerate([*mc.channels, "total"]):
        np.testing.assert_allclose(piv[(ch, "p50")].to_numpy(), np.median(cube[:, k, :], axis=0), rtol=1e-12)
        np.testing.assert_allclose(piv[(ch, "mean")].to_numpy(), cube[:, k, :].mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(piv[(ch, "p95")].to_numpy(), np.quantile(cube[:, k, :], 0.95, axis=0), rtol=1e-12)
    pct = mc.to_frame(pct=True)
    assert "total" not in set(pct["channel"].astype(str)) and set(pct["unit"]) == {"% of channel baseline"}
    k = list(mc.channels).index("imports")
    share = 100 * mc.draws[:, k, :] / mc.baseline[:, k, :]
    got = pct[(pct["channel"] == "imports") & (pct["statistic"] == "p50")].dropna(subset=["year"])["value"]
    np.testing.assert_allclose(got.to_numpy(), np.median(share, axis=0), rtol=1e-12)


def test_a_pivot_of_the_whole_analysis_does_not_average_units_or_statistics(res):
    """The issue's measured trap: averaging US$ bn with % of baseline under one key."""
    df = res.to_frame()
    piv = df[df["statistic"] == "deterministic"].pivot_table(values="value", index=["scenario", "year"],
                                                             columns="channel", observed=True)
    for n, run in res.runs.items():
        assert piv.loc[(n, 2025), "total"] == pytest.approx(float(run.total.loc[2025]), rel=1e-12)


def test_sensitivity_frames_have_real_columns_and_exact_floats(res):
    block = res.sensitivity["designation"]
    torn = block["tornado:total"]
    df = torn.to_frame()
    assert {"input", "bound", "input_value", "value", "deterministic"} <= set(df.columns)
    t = torn.table.set_index("input")
    wide = df.pivot(index="input", columns="bound", values="input_value")
    assert (wide["low"] == t["low_value"].reindex(wide.index)).all()  # exact, not printed to 6 digits
    assert (df.pivot(index="input", columns="bound", values="value")["high"] == t["high"].reindex(wide.index)).all()
    tw = next(v for k, v in block.items() if k.startswith("two_way:"))
    g = tw.to_frame()
    assert {"x", "x_value", "y", "y_value", "value"} <= set(g.columns)
    grid = g.pivot(index="y_value", columns="x_value", values="value")
    np.testing.assert_array_equal(grid.to_numpy(), tw.table.to_numpy(dtype=float))
    sob = block["sobol:total"].to_frame()
    s = block["sobol:total"].table.set_index("input")
    got = sob.pivot(index="input", columns="index", values="value")["S1"].sort_index()
    assert (got == s["S1"].sort_index()).all()


@pytest.mark.slow
def test_csv_tables_are_the_same_frames(res):
    files = tables.csv_files(res)
    frames = tables.tables(res)
    for name in ("deterministic", "montecarlo", "headline", "sensitivity_tornado", "sensitivity_two_way"):
        back = pd.read_csv(io.BytesIO(files[f"{name}.csv"]))
        np.testing.assert_array_equal(back["value"].to_numpy(), frames[name]["value"].to_numpy())
        assert list(back.columns) == list(frames[name].columns)
    det = pd.read_csv(io.BytesIO(files["deterministic.csv"]))
    assert set(det["measure"]) == {"impact", "impact_pct"}
    assert not det.duplicated(KEY).any()


def test_two_way_grid_headers_are_rounded_in_reprs(res):
    tw = next(v for k, v in res.sensitivity["designation"].items() if k.startswith("two_way:"))
    text = repr(tw.summary())
    assert all(len(h) <= 9 for h in tw.summary().columns)
    assert "deterministic" in repr(tw) and "(cumulative) (cumulative)" not in repr(tw)
    assert "e-" not in text or "e-0" in text


def test_tidy_frames_are_computed_once_and_handed_out_as_copies(res):
    """The workbook and the CSV tables ask for the same frames several times: each result computes
    its frame once, and every caller gets its own copy (editing one changes nothing for the next)."""
    for obj in (res, res.runs["designation"], res.montecarlo["designation"]):
        for pct in (False, True):
            a = obj.to_frame(pct=pct)
            a["value"] = 0.0
            b = obj.to_frame(pct=pct)
            assert not (b["value"] == 0.0).all()
            pd.testing.assert_frame_equal(b, obj.to_frame(pct=pct))
            assert b is not obj.to_frame(pct=pct)
