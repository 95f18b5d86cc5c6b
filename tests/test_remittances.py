"""The remittances channel: its estimator against direct statsmodels calls, the cost elasticity
recovered from simulated data, its equation by hand, the labelled baseline assumptions (in the
baseline, never in the effect) and the shared correspondent de-risking shock.  Expected numbers
come from statsmodels, numpy or arithmetic written here from channels/remittances.py's docstring."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import impact
from impact.channels import remittances

from .conftest import ROOT
from .timing_reference import profile as reference_profile

CSV = ROOT / "impact" / "data" / "mx_remittances_monthly.csv"
FIN = "financial_blocking"


def _log_series(end: str) -> pd.Series:
    """Log monthly remittances from the bundled CSV read with pandas alone, 2003-01 to ``end``."""
    df = pd.read_csv(CSV)
    s = pd.Series(df["value"].to_numpy(), index=pd.PeriodIndex(df["period"], freq="M"))
    return np.log(s.loc["2003-01":end])


def _direct_sarima(logy: pd.Series):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SARIMAX(logy.to_numpy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12), concentrate_scale=True,
                       simple_differencing=True).fit(disp=False)


def test_baseline_estimator_equals_a_direct_statsmodels_fit(model):
    direct = _direct_sarima(_log_series("2024-12"))
    est = model.fits["remittances"].main
    np.testing.assert_allclose(est.params.to_numpy()[:2], direct.params, rtol=1e-6)
    assert est.nobs == len(_log_series("2024-12"))


def test_baseline_path_is_the_forecast_moved_by_the_baseline_assumptions(model):
    """Central 2025 and 2026: the statsmodels forecast of the integrated model (the same parameters),
    months summed, times exp(log(1 - 2 %)) from 2025 (enforcement) and exp(log(1 - 1 %)) from 2026
    (the excise), the defaults of channels.yaml."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    logy = _log_series("2024-12")
    direct = _direct_sarima(logy)
    res = SARIMAX(logy.to_numpy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12),
                  concentrate_scale=True).filter(direct.params)
    months = np.exp(res.forecast(24))
    want = [months[:12].sum() / 1000 * 0.98, months[12:].sum() / 1000 * 0.98 * 0.99]
    got = model.baseline("remittances").loc[[2025, 2026], "median"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_out_of_sample_2024_check_quoted_in_docs():
    """The simple out-of-sample check of docs/model.md: fitted to December 2023, forecast of 2024."""
    direct = _direct_sarima(_log_series("2023-12"))
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    res = SARIMAX(_log_series("2023-12").to_numpy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12),
                  concentrate_scale=True).filter(direct.params)
    fc = np.exp(res.forecast(12)).sum() / 1000
    actual = float(np.exp(_log_series("2024-12").loc["2024-01":]).sum()) / 1000
    doc = " ".join((ROOT / "docs" / "model.md").read_text(encoding="utf-8").split())
    text = (f"fitted to December 2023 forecasts {fc:.2f} bn for 2024 against {actual:.2f} actual "
            f"({100 * (actual / fc - 1):+.1f} %)")
    assert text in doc, f"docs/model.md should read: {text!r}"


def test_synthetic_recovery_of_the_cost_elasticity():
    """Flows simulated with a known elasticity (-1.6) on a random-walk cost series: the estimator
    recovers it, and equals statsmodels' OLS with HAC errors on the same differences."""
    from statsmodels.regression.linear_model import OLS

    rng = np.random.default_rng(21)
    n, eps = 400, -1.6
    idx = pd.period_range("1926-01", periods=n, freq="Q")
    log_cost = np.log(5.0) + np.cumsum(rng.normal(0, 0.05, n))
    log_flow = 0.01 * np.arange(n) + eps * log_cost + np.cumsum(rng.normal(0, 0.01, n))
    flows, cost = pd.Series(np.exp(log_flow), index=idx), pd.Series(np.exp(log_cost), index=idx)
    est, res = remittances.cost_elasticity_ols(flows, cost)  # the documented default: 2 HAC lags
    assert abs(est.value - eps) < 4 * est.se and est.se < 0.05
    dy, dx = np.diff(log_flow), np.diff(log_cost)
    for lags, got in ((2, est), (0, remittances.cost_elasticity_ols(flows, cost, hac_maxlags=0)[0])):
        direct = OLS(dy, np.column_stack([np.ones(n - 1), dx])).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
        assert got.value == pytest.approx(direct.params[1], rel=1e-9)
        assert got.se == pytest.approx(direct.bse[1], rel=1e-9), lags
    assert res.params["const"] == pytest.approx(direct.params[0], rel=1e-9)
    # labelled like the text the Estimates sheet prints: term, note and statsmodels' own names
    assert (est.term, est.usable) == ("d.log_cost", True)
    assert est.note == "coefficient on d.log_cost (OLS in first differences, HAC)"
    assert res.model.endog_names == "d.log_flows" and res.model.exog_names == ["const", "d.log_cost"]
    assert list(res.model.data.row_labels) == list(idx[1:])


def _row(model, scenario: str, values: dict[str, float]):
    inputs = model.inputs(scenario)
    X = model.central_row(scenario).copy()
    names = [i.name for i in inputs]
    for k, v in values.items():
        X[names.index(k)] = v
    return X, inputs


def test_equation_by_hand(model):
    """Impact(t) = B(t) ((1 + c(t)/C)^eps (1 - a(t)(1 - f)) - 1), c = cost shock + pass-through x
    de-risking; components (1 - s) x impact and s x impact."""
    _assert_equation_by_hand(model)


def test_equation_by_hand_with_decaying_shocks(assumptions, cache_dir):
    """The same with the three shocks set to decay: the half-life (0.7 years here) then shapes every
    year, which the default (persistent) timings of financial blocking never show."""
    shocks = ("remittance_cost", "remittance_access", "correspondent_derisking")
    a = assumptions.override({f"scenarios.{FIN}.shocks.{name}.timing": "decay" for name in shocks})
    m = impact.fit(a, cache_dir=cache_dir)
    assert all(str(m.resolve(FIN).shocks[name].timing) == "decay" for name in shocks)
    _assert_equation_by_hand(m)


def _assert_equation_by_hand(model) -> None:
    v = {"remittances.cost_elasticity": -2.0, "remittances.cost_level": 4.0, "remittances.formal_substitution": 80.0,
         "remittances.informal_share": 25.0, "remittances.derisking_pass_through": 0.01, "remittances.half_life": 0.7,
         "shocks.remittance_cost": 0.3, "shocks.remittance_access": 5.0, "shocks.correspondent_derisking": 30.0,
         "remittances.baseline": 0.5}
    X, inputs = _row(model, FIN, v)
    out = model.evaluate(FIN, X, inputs=inputs, components=True)
    k = list(model.channels).index("remittances")
    sc = model.resolve(FIN)
    B = model.fits["remittances"].baseline.central

    def part(name: str, year: int) -> float:
        p = sc.shocks[name]
        return v[f"shocks.{name}"] * reference_profile(year, p.start, str(p.timing), 0.7, grid="month")

    for t, year in enumerate(model.years):
        c = part("remittance_cost", year) + 0.01 * part("correspondent_derisking", year)
        want = B[t] * ((1 + c / 4.0) ** -2.0 * (1 - part("remittance_access", year) / 100 * 0.2) - 1)
        assert out.impact[0, k, t] == pytest.approx(want, rel=1e-12), year
        comps = out.components["remittances"]
        assert comps["not received by households (economic effect)"][0, t] == pytest.approx(0.75 * want, rel=1e-12)
        assert comps["moved to informal channels (leaves the statistics)"][0, t] == pytest.approx(0.25 * want,
                                                                                                  rel=1e-12)


def test_zero_shocks_give_zero_whatever_the_baseline_assumptions(model):
    X, inputs = _row(model, FIN, {"remittances.enforcement_effect": -6.0, "remittances.excise_effect": -4.0,
                                  "shocks.remittance_cost": 0.0, "shocks.remittance_access": 0.0,
                                  "shocks.correspondent_derisking": 0.0})
    k = list(model.channels).index("remittances")
    assert np.all(model.evaluate(FIN, X, inputs=inputs).impact[0, k, :] == 0.0)


def test_larger_shocks_never_reduce_the_loss(model):
    k = list(model.channels).index("remittances")
    for shock, values in (("remittance_cost", [0, 0.1, 0.5, 2, 10]), ("remittance_access", [0, 1, 10, 50, 100]),
                          ("correspondent_derisking", [0, 2, 20, 60, 100])):
        got = [model.evaluate(FIN, _row(model, FIN, {f"shocks.{shock}": x})[0], inputs=model.inputs(FIN))
               .impact[0, k, :].sum() for x in values]
        assert all(b <= a for a, b in zip(got, got[1:])), shock


def test_baseline_assumptions_move_the_baseline_not_the_effect(adir, cache_dir):
    """Enforcement at -5 % instead of -2 %: the baseline falls by 0.95 / 0.98 in every year, the
    designation's relative effect is unchanged (impacts are deviations from the same baseline)."""
    base = impact.fit(impact.load_assumptions(adir), cache_dir=cache_dir)
    p = adir / "channels.yaml"
    text = p.read_text()
    old = ("      value: -2.0\n      unit: percent\n      basis: judgment\n      description: >-\n"
           "        Change in remittances from U.S. immigration")
    assert old in text
    p.write_text(text.replace(old, old.replace("value: -2.0", "value: -5.0")))
    moved = impact.fit(impact.load_assumptions(adir), cache_dir=cache_dir)
    b0, b1 = base.baseline("remittances")["median"], moved.baseline("remittances")["median"]
    np.testing.assert_allclose(b1 / b0, 0.95 / 0.98, rtol=1e-9)
    r0, r1 = base.run("designation"), moved.run("designation")
    np.testing.assert_allclose(r1.pct["remittances"], r0.pct["remittances"], rtol=1e-9)
    np.testing.assert_allclose(r1.impacts["remittances"] / r0.impacts["remittances"], 0.95 / 0.98, rtol=1e-9)
    assert base.run("baseline").impacts["remittances"].abs().max() == 0.0


def test_the_shared_financial_shock_moves_three_channels_and_is_one_tornado_input(model):
    names = [i.name for i in model.inputs(FIN)]
    assert "shocks.trade_finance_friction" not in names
    X0, inputs = _row(model, FIN, {"shocks.correspondent_derisking": 0.0})
    X1, _ = _row(model, FIN, {"shocks.correspondent_derisking": 20.0})
    lo, hi = (model.evaluate(FIN, X, inputs=inputs).impact[0] for X in (X0, X1))
    for ch in ("imports", "business_costs", "remittances"):
        k = list(model.channels).index(ch)
        assert np.all(hi[k, 1:] < lo[k, 1:]), ch
    for ch in ("tourism", "investment", "official_finance"):
        k = list(model.channels).index(ch)
        np.testing.assert_array_equal(hi[k], lo[k])
    tornado = model.sensitivity(FIN, "tornado").ranked()
    assert list(tornado["input"]).count("shocks.correspondent_derisking") == 1


def test_designation_and_blocking_give_non_positive_remittance_effects(model):
    k = list(model.channels).index("remittances")
    for n in ("designation", FIN):
        run = model.run(n)
        assert (run.impacts["remittances"] <= 0).all() and run.impacts["remittances"].sum() < 0, n
        mc = model.simulate(n, draws=2000, seed=7, variance_split=False)
        cum = mc.draws[:, k, :].sum(axis=1)
        assert np.quantile(cum, 0.99) <= 0.0, n
    assert math.isclose(model.run("baseline").impacts["remittances"].abs().sum(), 0.0)


def test_baseline_estimate_is_described_like_its_statsmodels_fit(model):
    """The estimate's text and diagnostics against the direct fit: the specification in the name,
    Ljung-Box at 12 lags and Jarque-Bera on the residuals after the first 1 + 12 (lost to the
    differencing), both computed here with statsmodels; the convergence row; sigma^2 in the notes;
    no R-squared or residual degrees of freedom for a state-space model; z (not t) inference."""
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.stats.stattools import jarque_bera
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    logy = _log_series("2024-12")
    direct = _direct_sarima(logy)
    est = model.fits["remittances"].main
    assert est.name == "Remittances baseline: SARIMA(0,1,1)x(0,1,1)12 on log monthly remittances"
    assert est.dependent == "log(remittances, US$ m)" and est.sample == "2003-01..2024-12 (monthly)"
    assert "OPG standard errors" in est.method and "simple_differencing" in est.method
    res = SARIMAX(logy.to_numpy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12),
                  concentrate_scale=True).filter(direct.params)
    resid = np.asarray(res.resid)[13:]
    lb, jb = acorr_ljungbox(resid, lags=[12]), jarque_bera(resid)
    diag = {d.name: d for d in est.diagnostics}
    assert list(diag) == ["Ljung-Box (12 lags)", "Jarque-Bera", "Stationarity", "Converged"]
    assert diag["Ljung-Box (12 lags)"].statistic == pytest.approx(float(lb["lb_stat"].iloc[0]), rel=1e-4)
    assert diag["Jarque-Bera"].statistic == pytest.approx(float(jb[0]), rel=1e-4)
    assert diag["Stationarity"].reason == "by construction: regular and seasonal differencing (d=1, D=1)"
    assert diag["Stationarity"].statistic is None and diag["Stationarity"].null == ""
    conv = diag["Converged"]
    assert (conv.statistic, conv.p_value, conv.null, conv.reason) == (1.0, None, "optimizer converged", "")
    assert f"sigma^2 = {direct.scale:.5f}." in " ".join(est.notes)
    assert est.rsquared is None and est.df_resid is None and est.use_t is False and est.time_series
    assert est.notes[0].startswith("Fitted on months up to the base year only")
    assert est.summary() is not None and est._results is not None


def test_baseline_estimate_of_an_odd_specification_names_its_orders():
    """Each order in the name and the stationarity note comes from its own position: (2,1,0)x(1,1,0)12."""
    from types import SimpleNamespace

    logy = _log_series("2019-12").rename("log_remittances")
    res = remittances._fit_sarima(logy, pd.DataFrame(index=logy.index), 200, (2, 1, 0), (1, 1, 0))
    est = remittances._estimate(res, logy, (2, 1, 0), (1, 1, 0))
    assert est.name == "Remittances baseline: SARIMA(2,1,0)x(1,1,0)12 on log monthly remittances"
    stat = {d.name: d for d in est.diagnostics}["Stationarity"]
    assert stat.reason == "by construction: regular and seasonal differencing (d=1, D=1)"
    # an optimizer that reports no convergence is flagged; a result that says nothing counts as converged
    for retvals, flag, note in (({"converged": False}, 0.0, "did not converge: baseline from the last iterate"),
                                ({}, 1.0, "")):
        fake = SimpleNamespace(**{k: getattr(res, k) for k in ("params", "bse", "param_names", "resid", "nobs",
                                                                "use_t", "scale")},
                               mle_retvals=retvals, cov_params=res.cov_params)
        conv = {d.name: d for d in remittances._estimate(fake, logy, (2, 1, 0), (1, 1, 0)).diagnostics}["Converged"]
        assert (conv.statistic, conv.reason) == (flag, note)
