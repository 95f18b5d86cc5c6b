"""Rolling-origin backtests of the baselines (impact.backtest, impact.candidates, BacktestResult)."""
from __future__ import annotations

import html
import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import impact
from impact import backtest as bt
from impact import candidates as cd
from impact import data
from impact.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------------------------ scores
def test_interval_score_hand_worked():
    # inside: the width; below: width + 2/alpha * shortfall; above: width + 2/alpha * excess (alpha 0.1)
    got = bt.interval_score([1.0, 1.0, 1.0], [3.0, 3.0, 3.0], [2.0, 0.5, 4.0], alpha=0.1)
    np.testing.assert_allclose(got, [2.0, 2.0 + 20 * 0.5, 2.0 + 20 * 1.0])


def test_crps_normal_closed_form_matches_the_integral():
    mu, sigma, y = 0.3, 1.7, -0.4
    integrand = lambda x: (stats.norm.cdf(x, mu, sigma) - (x >= y)) ** 2
    want = integrate.quad(integrand, -40, y, limit=200)[0] + integrate.quad(integrand, y, 40, limit=200)[0]
    assert float(bt.crps_normal(mu, sigma, y)) == pytest.approx(want, rel=1e-7)


def test_crps_sample_is_exact_for_the_sample_and_tends_to_the_normal():
    x = np.array([[0.0, 1.0, 3.0]])
    # E|X - 1| = (1 + 0 + 2) / 3; E|X - X'| = (2/9) (1 + 3 + 2) * 2 / 2 ... computed by hand over the 9 pairs
    pairs = np.abs(x[0][:, None] - x[0][None, :]).mean()
    assert bt.crps_sample(x, [1.0])[0] == pytest.approx(1.0 - pairs / 2)
    draws = np.random.default_rng(1).normal(0.2, 0.5, (1, 200_000))
    assert bt.crps_sample(draws, [0.9])[0] == pytest.approx(float(bt.crps_normal(0.2, 0.5, 0.9)), rel=5e-3)


def test_diebold_mariano_sign_and_size():
    rng = np.random.default_rng(3)
    e_small, e_big = rng.normal(0, 1, 200), rng.normal(0, 2, 200)
    from impact.results.backtest import diebold_mariano

    assert diebold_mariano(e_small, e_big, 1) < -5 < 5 < diebold_mariano(e_big, e_small, 1)
    assert math.isnan(diebold_mariano(e_small[:2], e_big[:2], 1))


# ------------------------------------------------------------------------------------------ selection rule
def _table(rows):
    return pd.DataFrame(rows, columns=["candidate", "horizon", "n", "coverage", "interval_score"]).set_index(
        ["candidate", "horizon"])


def test_selection_rule_on_a_hand_made_table():
    t = _table([("a", 1, 10, 100.0, 10.0), ("a", 2, 10, 100.0, 10.0),   # best score, coverage 100 %: too wide
                ("b", 1, 10, 90.0, 30.0), ("b", 2, 10, 80.0, 40.0),     # coverage 85 %, score 35
                ("c", 1, 10, 90.0, 20.0), ("c", 2, 10, 60.0, 30.0),     # coverage 75 %: out
                ("d", 1, 10, 90.0, 50.0), ("d", 2, 10, 90.0, 50.0),     # coverage 90 %, score 50
                ("b", 5, 10, 0.0, 999.0)])                               # horizon 5 does not count
    cands = pd.DataFrame({"candidate": ["a", "b", "c", "d"], "options": [None, {"order": [0, 1, 1]}, None, None]})
    sel = bt.select(t, "d", cands, "x")
    assert sel.chosen == "b" and sel.changes_default and sel.supported and sel.options == {"order": [0, 1, 1]}
    none_ok = _table([("a", 1, 10, 100.0, 1.0), ("d", 1, 10, 50.0, 5.0)])
    sel = bt.select(none_ok, "d")
    assert sel.chosen == "d" and not sel.changes_default and "stays" in sel.reason


# ------------------------------------------------------------------------------------------ synthetic processes
def _synthetic_rw(n_years: int = 80, drift: float = 0.04, sd: float = 0.08, seed: int = 7) -> pd.Series:
    rng = np.random.default_rng(seed)
    logs = 5.0 + np.cumsum(drift + sd * rng.standard_normal(n_years))
    return pd.Series(np.exp(logs), index=range(1950, 1950 + n_years))


def test_backtest_of_a_known_random_walk_with_drift_has_nominal_coverage():
    """Annual random walk with drift in logs (sd 0.08): the matching candidate's 90 % coverage is near
    nominal over many origins and its one-year RMSE near the process sd."""
    y = _synthetic_rw()

    def rw(data, options, origin, horizon):
        mean, cov = cd.drift_forecast(data["y"].loc[:origin], horizon)
        return cd.LogForecast(mean, cov, np.eye(horizon))

    spec = cd.ChannelCandidates("synthetic", "level", lambda d, o: d["y"],
                                (cd.Candidate("drift", "the true model", rw, current=True, options={}),))
    res = bt.run(spec, {"y": y}, {}, range(1975, 2028), (1, 2), 2029, draws=1000)
    tab = res.table()
    cov1, cov2 = tab.loc[("drift", 1), "coverage"], tab.loc[("drift", 2), "coverage"]
    assert 80.0 <= cov1 <= 98.0 and 80.0 <= cov2 <= 98.0
    assert tab.loc[("drift", 1), "rmse"] == pytest.approx(8.0, rel=0.25)
    assert tab.loc[("drift", 2), "rmse"] == pytest.approx(8.0 * math.sqrt(2), rel=0.3)


# ------------------------------------------------------------------------------------------ the API
@pytest.fixture(scope="module")
def model():
    return impact.fit(impact.load_assumptions())


@pytest.mark.parametrize("kwargs, message", [
    ({"channel": "business_costs"}, "no backtest"),
    ({"channel": "nope"}, "unknown channel"),
    ({"channel": "tourism", "origins": 2004}, "origins must be a list"),
    ({"channel": "tourism", "origins": [2004.5]}, "whole number"),
    ({"channel": "tourism", "origins": [2030]}, "origins must be between"),
    ({"channel": "tourism", "origins": []}, "origins is empty"),
    ({"channel": "tourism", "horizons": (0,)}, "horizons must be between"),
    ({"channel": "tourism", "draws": 10}, "draws must be"),
])
def test_backtest_arguments_are_checked(model, kwargs, message):
    with pytest.raises(UsageError, match=message):
        model.backtest(**kwargs)


def test_tourism_backtest_result_frames_and_pickle(model):
    res = model.backtest("tourism", origins=range(2010, 2016), horizons=(1, 2))
    assert res.current == "ARIMA(0,1,0) with drift" and res.origins == tuple(range(2010, 2016))
    tidy = res.to_frame()
    assert list(tidy.columns) == ["channel", "candidate", "horizon", "statistic", "value", "unit"]
    assert not tidy.duplicated(["candidate", "horizon", "statistic"]).any()
    n = res.table().loc[("ARIMA(0,1,0) with drift", 1), "n"]
    assert n == 6
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(back.table(), res.table())
    assert "backtest" in res._repr_html_() and html.escape(res.selection.reason) in res._repr_html_()


def test_stored_table_is_current_for_the_channels_own_specification(model):
    """tools/backtest.py's stored table: the tourism baseline's rows recomputed here (the current
    candidate alone: the same seed per origin gives the same draws) match it."""
    stored, _ = bt.read_stored()
    opts = model.assumptions.channels["tourism"].options
    spec = cd.tourism_candidates(opts)
    only = cd.ChannelCandidates(spec.channel, spec.unit, spec.actuals, spec.candidates[:1])
    res = bt.run(only, model.data, opts, range(2004, 2024), (1, 2, 5), 2024)
    got = res.to_frame().query("statistic != 'dm'").set_index(["candidate", "horizon", "statistic"])["value"]
    want = stored.query("channel == 'tourism' and candidate == @res.current and statistic != 'dm'")
    want = want.set_index(["candidate", "horizon", "statistic"])["value"]
    np.testing.assert_allclose(got.loc[want.index].to_numpy(), want.to_numpy(), rtol=1e-5)


def test_docs_quote_the_stored_table():
    stored, _ = bt.read_stored()
    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for ch in ("tourism", "imports", "remittances"):
        assert bt.markdown(stored, ch) in doc


def test_default_imports_model_is_the_one_the_rule_selects(model):
    _, meta = bt.read_stored()
    order = tuple(model.assumptions.channels["imports"].options["order"])
    assert meta["selection imports"].startswith(f"chosen SARIMA({order[0]},{order[1]},{order[2]})x(0,1,1)12;")


def test_default_remittances_model_is_the_one_the_rule_selects_from_2010(model):
    """The remittances baseline is chosen out of sample like the others; origins start in 2010 (the
    monthly sample starts in 2003 and the seasonal model needs about eight years)."""
    _, meta = bt.read_stored()
    opts = model.assumptions.channels["remittances"].options
    o, s = opts["order"], opts["seasonal_order"]
    assert meta["origins remittances"].startswith("2010-2023")
    assert meta["selection remittances"].startswith(f"chosen SARIMA({o[0]},{o[1]},{o[2]})x({s[0]},{s[1]},{s[2]})12;")
    # annual totals the backtest scores: the monthly CSV summed by hand, complete years from fit_start
    monthly = pd.read_csv(data.path_of("mx_remittances_monthly"))
    monthly["year"] = monthly["period"].str[:4].astype(int)
    by_year = monthly.groupby("year")["value"].agg(["sum", "count"])
    want = by_year.loc[(by_year["count"] == 12) & (by_year.index >= 2003), "sum"] / 1000
    got = cd.remittances_actuals(model.data, opts)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)
    assert list(got.index) == list(want.index)


def test_actual_2025_imports_inside_the_2025_band(model):
    band = model.baseline("imports").loc[2025]
    actual = cd.imports_actuals(model.data, model.assumptions.channels["imports"].options)[2025]
    assert band["lower"] < actual < band["upper"]


def test_growth_check_numbers_by_hand(model):
    g = model.growth_check("imports")
    annual = model.data["us_imports_mexico_annual"] / 1000.0
    ratios = [annual[t + 6] / annual[t] for t in range(1995, 2019)]
    assert list(g.history) == pytest.approx(ratios) and g.n_eff == 4
    logs = np.log(ratios)
    half = stats.t.ppf(0.95, 3) * logs.std(ddof=1) * math.sqrt(1.25)
    assert g.range_low == pytest.approx(math.exp(logs.mean() - half))
    assert g.range_high == pytest.approx(math.exp(logs.mean() + half))
    assert g.ratio_lower == pytest.approx(model.baseline("imports").loc[2030, "lower"] / annual[2024])
    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    assert g.text() in doc


@pytest.mark.xfail(reason="the airline band for 2030 (x0.969-x2.202 of 2024) is slightly wider than the 90 % "
                          "prediction interval from six-year growth (x0.992-x2.143); docs/model.md says so",
                   strict=True)
def test_default_2030_band_inside_the_range_from_six_year_growth(model):
    assert model.growth_check("imports").inside
