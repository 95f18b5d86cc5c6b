"""The ex-post check (impact/expost.py, docs/model.md section 6) against independent computations:
actuals summed from the bundled CSV files with pandas, percentiles of the Monte Carlo's own draws
(scipy.stats.percentileofscore), the tourism band in closed form from the fitted ARIMA's estimates,
the imports year to date from statsmodels' simulation of the fitted SARIMA, the noise-to-effect
ratio from the draws and the deterministic run; the sheet, the CSV table and the figures quoted in
docs/model.md equal the result object's."""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import math
import pickle
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy import stats

import impact
from impact.errors import UsageError
from impact.report import excel, tables
from impact.results.expost import COLUMNS, MEASURES, ExpostResult

from .conftest import MC_SIGMAS, ROOT
from .test_workbook import excel_table, find_prefix, small_analysis

DATA = ROOT / "impact" / "data"
N, SEED = 4000, 11
KEY = ["scenario", "channel", "period", "year", "measure", "statistic"]


def _scenarios(model) -> list[str]:
    return [n for n in model.assumptions.scenario_names if n != "baseline"]


@pytest.fixture(scope="module")
def mcs(model) -> dict[str, impact.MonteCarloResult]:
    return {n: model.simulate(n, draws=N, seed=SEED, variance_split=False) for n in _scenarios(model)}


@pytest.fixture(scope="module")
def ex(model, mcs) -> ExpostResult:
    return model.expost(montecarlo=mcs)


@pytest.fixture(scope="module")
def csv() -> dict[str, pd.DataFrame]:
    """The bundled series, read with pandas alone."""
    out = {n: pd.read_csv(DATA / f"{n}.csv") for n in ("us_imports_mexico_monthly", "mx_visitor_receipts_inegi",
                                                     "mxn_per_usd", "mx_remittances", "mx_remittances_monthly")}
    for name in ("us_imports_mexico_monthly", "mx_remittances_monthly"):
        out[name]["year"] = out[name]["period"].str[:4].astype(int)
    return out


def _ytd(csv, name: str = "us_imports_mexico_monthly") -> tuple[str, float, int]:
    m = csv[name]
    part = m[m["year"] == 2026]
    k = len(part)
    return f"2026 Jan-{calendar.month_abbr[k]}", float(part["value"].sum()) / 1000, k


def _annual(csv, name: str, year: int) -> float:
    s = csv[name].set_index("period")["value"]
    return float(s[year])


def _tourism_index_draws(model, name: str) -> np.ndarray:
    """The tourism baseline index of 2025 in each draw, from the public sampler's forecast factors."""
    _, factors = model.sample(name, N, SEED)
    return model.fits["tourism"].baseline.central[0] * factors["tourism"][:, 0]


# ----------------------------------------------------------------------------- actuals
def test_actuals_are_the_bundled_csv_sums(ex, csv):
    m = csv["us_imports_mexico_monthly"]
    label, ytd, k = _ytd(csv)
    assert 0 < k < 12
    assert ex.row("imports", 2025)["actual"] == pytest.approx(m[m["year"] == 2025]["value"].sum() / 1000, rel=1e-12)
    assert ex.row("imports", label)["actual"] == pytest.approx(ytd, rel=1e-12)
    assert ex.row("imports", label)["months"] == k and ex.row("imports", label)["period"] == "year_to_date"
    assert ex.row("tourism", 2025)["actual"] == pytest.approx(_annual(csv, "mx_visitor_receipts_inegi", 2025) / 1000,
                                                              rel=1e-12)
    r = csv["mx_remittances_monthly"]
    rlabel, rytd, rk = _ytd(csv, "mx_remittances_monthly")
    assert ex.row("remittances", 2025)["actual"] == pytest.approx(r[r["year"] == 2025]["value"].sum() / 1000,
                                                                  rel=1e-12)
    assert ex.row("remittances", rlabel)["actual"] == pytest.approx(rytd, rel=1e-12)
    assert ex.row("remittances", rlabel)["months"] == rk
    got = set(zip(ex.table["channel"], ex.table["label"]))
    # every channel with data after 2024
    assert got == {("tourism", "2025"), ("imports", "2025"), ("imports", label), ("remittances", "2025"),
                   ("remittances", rlabel)}


# ----------------------------------------------------------------------------- percentiles
def test_remittances_2025_actual_against_the_baseline_band(ex, mcs, model, csv):
    """The 2025 remittances baseline band (fitted to December 2024) against the 2025 actual, whatever it
    shows: the band is P5-P95 of the Monte Carlo's baseline draws and the percentile is the actual's."""
    i = model.channels.index("remittances")
    r = csv["mx_remittances_monthly"]
    actual = r[r["year"] == 2025]["value"].sum() / 1000
    base = mcs["designation"].baseline[:, i, 0]
    row = ex.row("remittances", 2025)
    assert row["actual"] == pytest.approx(actual, rel=1e-12)
    p5, p95 = np.quantile(base, [0.05, 0.95])
    assert (row["p5"], row["p95"]) == (pytest.approx(p5, rel=1e-9), pytest.approx(p95, rel=1e-9))
    assert row["percentile"] == pytest.approx(stats.percentileofscore(base, actual, kind="mean") / 100, abs=1e-12)
    assert row["deterministic"] == pytest.approx(float(model.baseline("remittances").loc[2025, "median"]), rel=1e-12)


def test_imports_percentiles_are_those_of_the_monte_carlo_draws(ex, mcs, model, csv):
    i = model.channels.index("imports")
    actual = ex.row("imports", 2025)["actual"]
    base = mcs["designation"].baseline[:, i, 0]
    assert ex.percentile("imports", 2025) == pytest.approx(stats.percentileofscore(base, actual, kind="mean") / 100,
                                                           abs=1e-12)
    p5, p95 = np.quantile(base, [0.05, 0.95])
    row = ex.row("imports", 2025)
    assert (row["p5"], row["p95"]) == (pytest.approx(p5, rel=1e-9), pytest.approx(p95, rel=1e-9))
    for n, mc in mcs.items():
        scen = mc.baseline[:, i, 0] + mc.draws[:, i, 0]
        want = stats.percentileofscore(scen, actual, kind="mean") / 100
        assert ex.percentile("imports", 2025, n) == pytest.approx(want, abs=1e-12), n
    central = float(model.baseline("imports").loc[2025, "median"])
    assert row["deterministic"] == pytest.approx(central, rel=1e-12)
    assert row["deviation"] == pytest.approx(actual - central, rel=1e-12)
    assert row["deviation_pct"] == pytest.approx(100 * (actual / central - 1), rel=1e-12)


def test_tourism_band_against_the_closed_form_lognormal(ex, model, csv):
    """One step ahead, the ARIMA(0,1,0) with drift forecasts log receipts as N(log 2024 + drift,
    sigma^2 + var(drift)); the ex-post compares receipts on that scale."""
    est = model.fits["tourism"].models["baseline"]
    drift, sigma2 = float(est.params["drift"]), float(est.params["sigma2"])
    sd = math.sqrt(sigma2 + float(est.cov_params_.loc["drift", "drift"]))
    anchor = _annual(csv, "mx_visitor_receipts_inegi", 2024) / 1000
    actual = _annual(csv, "mx_visitor_receipts_inegi", 2025) / 1000
    row = ex.row("tourism", 2025)
    assert row["deterministic"] == pytest.approx(anchor * math.exp(drift), rel=1e-9)
    p = stats.norm.cdf((math.log(actual / anchor) - drift) / sd)
    assert abs(row["percentile"] - p) < MC_SIGMAS * math.sqrt(p * (1 - p) / N)
    for col, q in (("p5", 0.05), ("p95", 0.95)):
        want = anchor * math.exp(drift + stats.norm.ppf(q) * sd)
        assert row[col] == pytest.approx(want, rel=0.01), col  # a tail quantile of 4,000 draws


def test_tourism_scenario_bands_from_the_public_sampler(ex, mcs, model, csv):
    t = model.channels.index("tourism")
    anchor = _annual(csv, "mx_visitor_receipts_inegi", 2024) / 1000
    actual = ex.row("tourism", 2025)["actual"]
    base = anchor * _tourism_index_draws(model, "designation")
    assert ex.percentile("tourism", 2025) == pytest.approx(stats.percentileofscore(base, actual, kind="mean") / 100,
                                                           abs=1e-12)
    for n, mc in mcs.items():
        scen = base * (1 + mc.draws[:, t, 0] / mc.baseline[:, t, 0])
        want = stats.percentileofscore(scen, actual, kind="mean") / 100
        assert ex.percentile("tourism", 2025, n) == pytest.approx(want, abs=1e-12), n


def _simulate_sarima(model, steps: int, reps: int, seed: int) -> np.ndarray:
    """Future monthly imports (steps, reps), US$ bn, by the fitted SARIMA's difference equation run
    forward from December 2024: the regression-with-SARIMA-errors model statsmodels estimated (log
    imports = dummies x beta + u, phi(L) Phi(L^12) (1-L) (1-L^12) u = theta(L) Theta(L^12) e),
    conditioned on the last observed u and the Kalman filter's last innovations, future dummies 0.
    A recursion, not the MA(inf) weights and Cholesky factor the model uses."""
    from numpy.polynomial import polynomial as P

    fit = model.fits["imports"]
    res = fit.main.results
    seasonal = np.zeros(13)
    seasonal[[0, 12]] = 1.0, -1.0
    ar = P.polymul(P.polymul(res.polynomial_ar, res.polynomial_seasonal_ar), P.polymul([1.0, -1.0], seasonal))
    ma = P.polymul(res.polynomial_ma, res.polynomial_seasonal_ma)
    k = res.model.k_exog
    u = np.asarray(res.model.endog).ravel() - np.asarray(res.model.exog) @ np.asarray(res.params)[:k]
    p, q = len(ar) - 1, len(ma) - 1
    hist_u = np.tile(u[-p:], (reps, 1))  # last column = the latest month
    hist_e = np.tile(np.asarray(res.resid)[-q:], (reps, 1))
    sigma = math.sqrt(float(fit.main.params.get("sigma2", res.scale)))
    rng = np.random.default_rng(seed)
    out = np.empty((steps, reps))
    for h in range(steps):
        e = sigma * rng.standard_normal(reps)
        new = -(hist_u[:, ::-1] @ ar[1:]) + e + hist_e[:, ::-1] @ ma[1:]
        hist_u = np.column_stack([hist_u[:, 1:], new])
        hist_e = np.column_stack([hist_e[:, 1:], e])
        out[h] = np.exp(new) / 1000
    return out


def test_imports_year_to_date_against_a_recursive_simulation(ex, model, csv):
    """Sums over 2025 and over the 2026 months of paths simulated by the model's difference equation
    give the same percentiles (within Monte Carlo error) and medians as the model's joint forecast
    distribution (MA(inf) weights, Cholesky factor of the monthly forecast covariance)."""
    label, _, k = _ytd(csv)
    reps = 20_000
    months = _simulate_sarima(model, 12 + k, reps, seed=3)
    for when, sums in ((2025, months[:12].sum(axis=0)), (label, months[12:].sum(axis=0))):
        row = ex.row("imports", when)
        p = stats.percentileofscore(sums, row["actual"], kind="mean") / 100
        assert abs(row["percentile"] - p) < MC_SIGMAS * math.sqrt(p * (1 - p) * (1 / reps + 1 / N)), when
        assert row["p50"] == pytest.approx(np.median(sums), rel=0.01), when
        assert row["p95"] - row["p5"] == pytest.approx(np.diff(np.quantile(sums, [0.05, 0.95]))[0], rel=0.05), when


# ----------------------------------------------------------------------------- noise and effect
def test_noise_to_effect_ratio_computed_independently(ex, mcs, model, csv):
    run = model.run("designation")
    i = model.channels.index("imports")
    width = np.diff(np.quantile(mcs["designation"].baseline[:, i, 0], [0.05, 0.95]))[0]
    imports = width / abs(run.impacts.loc[2025, "imports"])
    anchor = _annual(csv, "mx_visitor_receipts_inegi", 2024) / 1000
    base = anchor * _tourism_index_draws(model, "designation")
    effect = anchor * model.fits["tourism"].baseline.central[0] * run.pct.loc[2025, "tourism"] / 100
    tourism = np.diff(np.quantile(base, [0.05, 0.95]))[0] / abs(effect)
    ratio = ex.noise_to_effect("designation")
    assert ratio[("imports", "2025")] == pytest.approx(imports, rel=1e-9)
    assert ratio[("tourism", "2025")] == pytest.approx(tourism, rel=1e-9)
    assert ex.row("imports", 2025, "designation")["effect"] == pytest.approx(run.impacts.loc[2025, "imports"],
                                                                             rel=1e-12)
    # the statement says it, with the sign of the comparison
    assert f"{tourism:.0f} times" in ex.statement and f"{imports:.0f} times" in ex.statement
    assert min(imports, tourism) > 1 and "cannot tell that scenario apart from no designation" in ex.statement


def test_caveats_name_the_confounders_with_their_dates(ex, csv):
    cav = ex.caveats
    dates = {d for d in cav["date"] if d is not None}
    assert {dt.date(2025, 3, 4), dt.date(2025, 3, 11), dt.date(2025, 6, 25), dt.date(2026, 1, 1)} <= dates
    text = " ".join(cav["event"])
    for needle in ("IEEPA", "2025-04-14", "CIBanco", "Intercam", "Vector", "FEND Off Fentanyl", "1 % U.S. excise tax",
                   "Airline capacity"):
        assert needle in text, needle
    v24, v25 = _annual(csv, "mxn_per_usd", 2024), _annual(csv, "mxn_per_usd", 2025)
    peso = next(e for e in cav["event"] if e.startswith("Peso"))
    assert v25 > v24 and "weaker" in peso and "stronger" not in peso
    assert f"{v25:.2f} MXN per USD against {v24:.2f}" in peso


# ----------------------------------------------------------------------------- robustness of the pairing
def test_a_monte_carlo_from_other_draws_is_refused(model, mcs):
    other = model.simulate("designation", draws=N, seed=SEED, estimation=False, variance_split=False)
    with pytest.raises(UsageError, match="not drawn with this model's"):
        model.expost(montecarlo={"designation": other})
    mixed = {"designation": mcs["designation"],
             "certification": model.simulate("certification", draws=N, seed=SEED + 1, variance_split=False)}
    with pytest.raises(UsageError, match="seed"):
        model.expost(montecarlo=mixed)


def test_chunked_monte_carlo_pairs_the_same_baseline_draws(model):
    one = model.expost(montecarlo={"designation": model.simulate("designation", draws=3000, seed=5,
                                                                 variance_split=False)})
    chunked = model.expost(montecarlo={"designation": model.simulate("designation", draws=3000, seed=5, chunk=1000,
                                                                     variance_split=False)})
    np.testing.assert_allclose(chunked.table["percentile"], one.table["percentile"], atol=1 / 3000)


def test_without_monte_carlo_only_the_baseline_band(model, ex):
    alone = model.expost(montecarlo={}, draws=N, seed=SEED)
    assert alone.scenarios == ("baseline",) and set(alone.table["scenario"]) == {"baseline"}
    base = ex.table[ex.table["scenario"] == "baseline"].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone.table, base)
    assert any("Monte Carlo was skipped" in n for n in alone.notes)


def test_result_is_frozen_and_pickles(ex):
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.seed = 1  # type: ignore[misc]
    back = pickle.loads(pickle.dumps(ex))
    pd.testing.assert_frame_equal(back.table, ex.table)
    assert back.statement == ex.statement


# ----------------------------------------------------------------------------- sheet and CSV
@pytest.fixture(scope="module")
def res(cache_dir) -> impact.AnalysisResult:
    return small_analysis(cache_dir, draws=400)


def test_run_analysis_computes_the_check_once(res):
    again = res.model.expost(montecarlo=res.montecarlo)
    pd.testing.assert_frame_equal(res.expost.table, again.table)


@pytest.mark.slow
def test_sheet_shows_the_result_numbers(res, tmp_path):
    wb = openpyxl.load_workbook(excel.write_workbook(res, tmp_path / "impact.xlsx"))
    ws = wb["Ex-post"]
    t = res.expost.table
    base = t[t["scenario"] == "baseline"].reset_index(drop=True)
    shown = excel_table(ws, "ExpostBaseline")
    assert [r["Period"] for r in shown] == list(base["label"])
    for r, (_, b) in zip(shown, base.iterrows()):
        for col, key, scale in (("Actual (US$ bn)", "actual", 1), ("Forecast, central (US$ bn)", "deterministic", 1),
                                ("Deviation (US$ bn)", "deviation", 1),
                                ("Deviation (% of forecast)", "deviation_pct", 100),
                                ("Percentile of the actual in the band", "percentile", 1),
                                ("Forecast P5 (US$ bn)", "p5", 1), ("Forecast P95 (US$ bn)", "p95", 1)):
            assert r[col] * scale == pytest.approx(b[key], rel=1e-12), col
    scen = t[t["scenario"] != "baseline"].reset_index(drop=True)
    shown = excel_table(ws, "ExpostScenarios")
    assert len(shown) == len(scen)
    for r, (_, s) in zip(shown, scen.iterrows()):
        assert r["Scenario"] == res.expost.labels[s["scenario"]]
        for col, key in (("Percentile of the actual", "percentile"),
                         ("Baseline band width / |effect|", "noise_to_effect"),
                         ("Scenario effect, deterministic (US$ bn)", "effect"), ("P5 (US$ bn)", "p5"),
                         ("Median (US$ bn)", "p50"), ("P95 (US$ bn)", "p95"),
                         ("Forecast with the scenario, deterministic (US$ bn)", "deterministic")):
            assert r[col] == pytest.approx(s[key], rel=1e-12), col
        assert r["Actual inside P5-P95"] == ("yes" if 0.05 <= s["percentile"] <= 0.95 else "no")
    assert ws.cell(find_prefix(ws, "In 2025 the width"), 1).value == res.expost.statement
    dates = {c.value.date() for c in ws["A"] if isinstance(c.value, dt.datetime)}
    assert {d for d in res.expost.caveats["date"] if d is not None} == dates


@pytest.mark.slow
def test_csv_table_follows_the_schema(res, tmp_path):
    df = tables.tables(res)["expost"]
    assert list(df.columns) == COLUMNS
    assert not df.duplicated(KEY).any()
    for c in ("scenario", "channel", "statistic"):
        assert isinstance(df[c].dtype, pd.CategoricalDtype) and df[c].cat.ordered, c
    assert list(df["scenario"].cat.categories) == list(res.expost.scenarios)
    assert list(df["channel"].cat.categories) == list(res.model.channels)
    assert str(df["year"].dtype) == "Int64" and str(df["months"].dtype) == "Int64" and df["year"].notna().all()
    assert df.groupby("measure", observed=True)["unit"].nunique().max() == 1
    assert dict(zip(df["measure"].astype(str), df["unit"])) == {m: MEASURES[m] for m in set(df["measure"].astype(str))}
    # the natural pivot gives back the result's percentiles
    piv = df[df["measure"] == "percentile_rank"].pivot_table(values="value", index=["channel", "period", "year"],
                                                             columns="scenario", observed=True)
    t = res.expost.table
    for (ch, period, year), row in piv.iterrows():
        for n in res.expost.scenarios:
            want = t[(t.channel == ch) & (t.period == period) & (t.year == year) & (t.scenario == n)]["percentile"]
            assert row[n] == pytest.approx(want.item(), abs=0)
    written = tables.write_csv(res, tmp_path / "csv")
    back = pd.read_csv(next(p for p in written if p.name == "expost.csv"))
    assert list(back.columns) == COLUMNS and not back.duplicated(KEY).any()
    np.testing.assert_allclose(back["value"].to_numpy(), df["value"].to_numpy(), rtol=1e-15)


# ----------------------------------------------------------------------------- docs/model.md
def _section(title: str) -> str:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    start = text.index(title)
    end = text.find("\n## ", start)
    return text[start:end]


def _pct(p: float) -> str:
    return f"{100 * p:.0f}"


def test_docs_quote_the_default_run(model, csv):
    """The figures of docs/model.md's ex-post section are the default run's (settings' draws and
    seed, as `python -m impact` computes them)."""
    e = model.expost()
    s = model.assumptions.settings
    doc = _section("Ex-post check (2025)")
    assert f"{s.draws:,} draws, seed {s.seed}" in doc
    label, _, _ = _ytd(csv)
    order = [("tourism", "2025"), ("imports", "2025"), ("imports", label), ("remittances", "2025")]
    for ch, when in order:
        r = e.row(ch, when)
        d = e.row(ch, when, "designation")
        line = (f"| {ch.capitalize()} {when} | {r['actual']:.2f} | {r['deterministic']:.2f} | {r['deviation']:+.2f} | "
                f"{r['deviation_pct']:+.1f} | {r['p5']:.2f}-{r['p95']:.2f} | {_pct(r['percentile'])} | "
                f"{_pct(d['percentile'])} | {d['noise_to_effect']:.0f} |")
        assert line in doc, f"docs/model.md should read:\n{line}"
    for n in e.scenarios:
        line = f"| {n} | " + " | ".join(_pct(e.percentile(ch, when, n)) for ch, when in order) + " |"
        assert line in doc, f"docs/model.md should read:\n{line}"
    ratio = e.noise_to_effect("designation")
    assert f"{ratio[('imports', '2025')]:.0f} times" in doc and f"{ratio[('tourism', '2025')]:.0f} times" in doc
    assert e.percentile("imports", 2025, "military_incursion") > 0.95  # "ends below the actual"
    v24, v25 = _annual(csv, "mxn_per_usd", 2024), _annual(csv, "mxn_per_usd", 2025)
    assert f"{v25:.2f} MXN per USD against {v24:.2f} in 2024" in doc and v25 > v24 and "**weaker**" in doc
    r24, r25 = (_annual(csv, "mx_visitor_receipts_inegi", y) / 1000 for y in (2024, 2025))
    assert f"{r25:.2f} bn in 2025" in doc and f"2024 receipts ({r24:.2f} bn)" in doc
    bea = model.resolve("baseline").parameters["tourism.base_level"].value
    assert f"({bea:.1f} bn in 2024)" in doc and f"about {100 * bea / r24:.0f} %" in doc
    m24, m25 = (_annual(csv, "mx_remittances", y) / 1000 for y in (2024, 2025))
    assert f"{m25:.1f} bn in 2025 against {m24:.1f} in 2024 ({100 * (m25 / m24 - 1):.1f} %)" in doc
    r = csv["mx_remittances_monthly"]
    c24, c25 = (r[r["year"] == y]["value"].sum() / 1000 for y in (2024, 2025))
    assert f"{c25:.2f} bn in 2025 against {c24:.2f} in 2024" in doc
    assert re.search(r"\(July\)", doc) and label.endswith("Jul")
