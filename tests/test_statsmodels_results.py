"""The estimator results are the real statsmodels objects (issue 18, item 3).

``fit.results`` (alias ``raw``) is a genuine statsmodels results instance after a cold fit and after
a load from the fit cache, fitted on dated, named pandas data; ``forecast(steps)`` supplies the pulse
dummies; p-values and intervals follow statsmodels' default inference for each estimator; objects
survive pickling and deep copies.  Every expected number comes from a statsmodels call written here
on data read from the bundled CSV files, never from impact's own output.
"""
from __future__ import annotations

import copy
import logging
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.regression.linear_model import RegressionResultsWrapper
from statsmodels.tools.sm_exceptions import ValueWarning
from statsmodels.tsa.arima.model import ARIMA, ARIMAResultsWrapper
from statsmodels.tsa.statespace.sarimax import SARIMAX, SARIMAXResultsWrapper

import impact
from impact import data
from impact.errors import UsageError

from .test_estimators import _joined_receipts_by_hand

#: the statsmodels class each estimator really produces: (channel, model) -> class
CLASSES = {
    ("tourism", "main"): RegressionResultsWrapper,
    ("tourism", "baseline"): ARIMAResultsWrapper,
    ("imports", "main"): SARIMAXResultsWrapper,
    ("business_costs", "main"): RegressionResultsWrapper,
    ("investment", "main"): RegressionResultsWrapper,
    ("official_finance", "main"): RegressionResultsWrapper,
    ("official_finance", "world_bank"): RegressionResultsWrapper,
    ("remittances", "main"): SARIMAXResultsWrapper,
    ("tourism", "panel"): RegressionResultsWrapper,
    ("tourism", "panel_advisory"): RegressionResultsWrapper,
    ("investment", "panel"): RegressionResultsWrapper,
    ("tourism", "did_2025"): ARIMAResultsWrapper,
}


def _estimates(model):
    """(channel, model key, EstimateResult) for every estimator of a fitted model."""
    for ch, fit in model.fits.items():
        yield ch, "main", fit.main
        for key, est in fit.models.items():
            yield ch, key, est


@pytest.fixture(scope="module")
def cold(assumptions):
    return impact.fit(assumptions, cache=False)


@pytest.fixture()
def warm(model, assumptions, cache_dir):
    """A fresh fit loaded from the fit cache (the session ``model`` fixture wrote it; a warm fit takes
    hundredths of a second), with the channels whose fit came from the cache, read from the debug log."""
    handler = _Collect()
    log = logging.getLogger("impact.model")
    old = log.level
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    try:
        m = impact.fit(assumptions, cache_dir=cache_dir)
    finally:
        log.removeHandler(handler)
        log.setLevel(old)
    hits = {r.args[0] for r in handler.records if r.msg == "fit cache hit for %s"}
    return m, hits


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# ----------------------------------------------------------------------------- the real object
def test_results_are_statsmodels_objects_after_a_cold_fit(cold):
    seen = set()
    for ch, key, est in _estimates(cold):
        assert isinstance(est.results, CLASSES[ch, key]), (ch, key, type(est.results))
        assert est.raw is est.results
        seen.add((ch, key))
    assert seen == set(CLASSES)
    assert isinstance(cold.fits["imports"].results, SARIMAXResultsWrapper)


def test_results_are_statsmodels_objects_after_a_warm_fit(warm):
    m, hits = warm
    assert hits == set(m.fits), "the second fit must come from the fit cache"
    for ch, key, est in _estimates(m):
        # loading from the cache builds no statsmodels object: a warm run stays fast
        assert est._results is None, (ch, key)
        res = est.results
        assert isinstance(res, CLASSES[ch, key]), (ch, key, type(res))
        assert est.results is res and est.raw is res  # built once, then kept
        assert "summary" in dir(res) and "get_prediction" in dir(res)


def test_warm_results_equal_cold_results(cold, warm):
    m, _ = warm
    for (ch, key, c), (_, _, w) in zip(_estimates(cold), _estimates(m)):
        assert type(c.results) is type(w.results), (ch, key)
        pd.testing.assert_series_equal(c.results.params, w.results.params, rtol=1e-12)
        pd.testing.assert_series_equal(c.results.bse, w.results.bse, rtol=1e-8)
        assert c.results.nobs == w.results.nobs
        assert c.results.model.data.row_labels.equals(w.results.model.data.row_labels)


def test_a_warm_run_builds_no_statsmodels_object(warm):
    m, hits = warm
    assert hits == set(m.fits)
    # runs, simulations, tidy frames and summaries never need the statsmodels object
    m.run("designation")
    m.simulate("designation", draws=200, seed=1, variance_split=False)
    m.baseline("imports")
    for f in m.fits.values():
        f.tidy(), f.summary(), f.pooled_frame(), f.pvalues, f.conf_int()
    for ch, key, est in _estimates(m):
        assert est._results is None, (ch, key)


# ----------------------------------------------------------------------------- names and dates
def test_results_are_fitted_on_named_dated_data(cold):
    a = cold.assumptions
    base = a.settings.base_year
    for ch, key, est in _estimates(cold):
        res = est.results
        if key.startswith("panel") or key == "did_2025":  # the dummies follow the regressors shown
            assert list(res.params.index[:len(est.params)]) == list(est.params.index), (ch, key)
            assert all(n.startswith(("season_id[", "state_id[", "time_id[", "const", "month[", "ar.L1", "sigma2"))
                       for n in res.params.index[len(est.params):])
            continue
        assert list(res.params.index) == list(est.params.index), (ch, key)
        labels = res.model.data.row_labels
        assert isinstance(labels, (pd.PeriodIndex, pd.DatetimeIndex)), (ch, key, type(labels))
        last = {"investment": 2023, "official_finance": 2023 if key == "main" else base}.get(ch, base)  # data end
        assert labels[-1].year == last, (ch, key)
        assert not res.model.endog_names.startswith("y"), res.model.endog_names
    imports = cold.fits["imports"].results
    start = pd.Period(a.channels["imports"].options["fit_start"], freq="M")
    assert imports.model.data.row_labels[0] == start
    assert imports.model.data.row_labels[-1] == pd.Period(f"{base}-12", freq="M")
    assert imports.model.data.row_labels.freqstr == "M"
    assert list(imports.model.exog_names) == ["covid_2020-04", "covid_2020-05", "covid_2020-06",
                                              "episode_2019-04", "episode_2022-04"]
    tourism = cold.fits["tourism"].results
    assert tourism.model.endog_names == "d.log_receipts"
    assert tourism.model.data.row_labels[0] == pd.Period(str(a.channels["tourism"].options["fit_start"] + 1), freq="Y")


def _word(name: str, text: str) -> bool:
    """``name`` stands in ``text`` as a whole label: a renamed label that merely contains it
    ("XXlog_fdi_inflowsXX") does not count."""
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", text) is not None


def test_statsmodels_own_summary_shows_names_and_dates(cold):
    text = str(cold.fits["imports"].results.summary())
    assert _word("covid_2020-04", text) and _word("ma.L1", text) and _word("log_imports", text)
    assert "x1" not in text and re.search(r"Sample:\s+01-31-1994", text)
    tourism = str(cold.fits["tourism"].models["baseline"].results.summary())
    assert _word("drift", tourism) and _word("d2020", tourism) and "12-31-1995" in tourism and "x1" not in tourism
    with warnings.catch_warnings():  # statsmodels' own normality test wants 8 observations (there are 7)
        warnings.filterwarnings("ignore", "omni_normtest", category=ValueWarning)
        business = str(cold.fits["investment"].results.summary())
    assert re.search(r"Dep\. Variable:\s+log_fdi_inflows\s", business) and _word("log_homicide_rate", business)
    costs = str(cold.fits["business_costs"].results.summary())
    assert re.search(r"Dep\. Variable:\s+dlog_imports\s", costs) and _word("const", costs)


# ----------------------------------------------------------------------------- forecasts
def _imports_direct(model):
    """The imports SARIMA written here: log monthly imports from the CSV, pulse dummies built by hand,
    filtered at the estimated parameters (the estimation itself is checked in test_contracts)."""
    opts = model.assumptions.channels["imports"].options
    s = data.load("us_imports_mexico_monthly")
    y = np.log(s.loc[pd.Period(opts["fit_start"], freq="M"): pd.Period(f"{model.assumptions.settings.base_year}-12",
                                                                          freq="M")])
    months = ["2020-04", "2020-05", "2020-06", "2019-04", "2022-04"]
    X = np.column_stack([(y.index == pd.Period(mth, freq="M")).astype(float) for mth in months])
    mod = SARIMAX(y.to_numpy(), exog=X, order=tuple(opts["order"]), seasonal_order=(*opts["seasonal_order"], 12),
                  concentrate_scale=True)
    return mod.filter(model.fits["imports"].params.to_numpy(), cov_type="opg")


def test_imports_forecast_supplies_the_dummies(cold):
    fit = cold.fits["imports"]
    base = cold.assumptions.settings.base_year
    fc = fit.forecast(12)
    assert list(fc.index) == list(pd.period_range(f"{base + 1}-01", periods=12, freq="M"))
    direct = _imports_direct(cold).get_forecast(12, exog=np.zeros((12, 5)))
    np.testing.assert_allclose(fc.to_numpy(), np.asarray(direct.predicted_mean), rtol=1e-10)
    pd.testing.assert_series_equal(fit.main.forecast(12), fc)
    # the model's own baseline: the central path is the annual sum of the monthly median forecasts
    fc24 = np.exp(fit.forecast(24).to_numpy()) / 1000.0  # US$ m per month -> US$ bn
    np.testing.assert_allclose([fc24[:12].sum(), fc24[12:].sum()], fit.baseline.central[:2], rtol=1e-10)
    ci = fit.get_forecast(12).conf_int(alpha=0.1)
    np.testing.assert_allclose(ci.to_numpy(), np.asarray(direct.conf_int(alpha=0.1)), rtol=1e-10)


def test_tourism_forecast_is_its_baseline_model(cold):
    fit = cold.fits["tourism"]
    base = cold.assumptions.settings.base_year
    fc = fit.forecast(3)
    assert [p.year for p in fc.index] == [base + 1, base + 2, base + 3]
    y = np.log(_joined_receipts_by_hand().loc[:base])
    ex = np.column_stack([(y.index == d).astype(float) for d in (2009, 2020, 2021)])
    direct = ARIMA(y.to_numpy(), exog=ex, order=(0, 1, 0), trend="t").fit()
    np.testing.assert_allclose(fc.to_numpy(), direct.forecast(3, exog=np.zeros((3, 3))), rtol=1e-6)
    # the baseline index is the forecast level relative to the base-year actual
    np.testing.assert_allclose(np.exp(fc.to_numpy() - y.loc[base]), fit.baseline.central[:3], rtol=1e-6)


def test_forecast_refuses_regressions_and_bad_steps(cold):
    with pytest.raises(UsageError, match="no time-series model"):
        cold.fits["business_costs"].forecast(12)
    with pytest.raises(UsageError, match="not a time-series model"):
        cold.fits["tourism"].main.forecast(2)
    for bad in (0, -1, 2.5, "12", True):
        with pytest.raises(UsageError, match="steps"):
            cold.fits["imports"].forecast(bad)


# ----------------------------------------------------------------------------- inference
def _homicide_rate_by_hand() -> pd.Series:
    rate = pd.read_csv(data.path_of("mx_homicide_rate_wdi")).set_index("period")["value"].astype(float)
    cnt = pd.read_csv(data.path_of("mx_homicides_inegi")).set_index("period")["value"]
    last = rate.index.max()
    for y in cnt.index:
        if y > last:
            rate[y] = rate[last] * cnt[y] / cnt[last]
    return rate


def _tourism_ols_direct():
    """statsmodels' OLS with HAC (Newey-West, 2 lags) errors as documented in docs/model.md."""
    gdp = pd.read_csv(data.path_of("us_real_gdp")).set_index("period")["value"]
    fx = pd.read_csv(data.path_of("mxn_per_usd")).set_index("period")["value"]
    df = pd.DataFrame({"y": _joined_receipts_by_hand(), "h": _homicide_rate_by_hand(), "g": gdp, "fx": fx})
    df = np.log(df.loc[1995:2024]).diff().dropna()
    for d in (2009, 2020, 2021, 2022):
        df[f"d{d}"] = (df.index == d).astype(float)
    return sm.OLS(df["y"], sm.add_constant(df.drop(columns="y"))).fit(cov_type="HAC", cov_kwds={"maxlags": 2})


def _investment_ols_direct():
    fdi = pd.read_csv(data.path_of("mx_fdi_inflows_total")).set_index("period")["value"].loc[:2024]
    df = pd.DataFrame({"fdi": fdi, "rate": _homicide_rate_by_hand()}).dropna()
    return sm.OLS(np.log(df["fdi"]), sm.add_constant(np.log(df["rate"]))).fit()


def _tourism_arima_direct():
    y = np.log(_joined_receipts_by_hand().loc[:2024])
    ex = np.column_stack([(y.index == d).astype(float) for d in (2009, 2020, 2021)])
    return ARIMA(y.to_numpy(), exog=ex, order=(0, 1, 0), trend="t").fit()


def _same_inference(est, direct, rtol):
    """Intervals at several levels and p-values of ``est`` (an EstimateResult, or a ChannelFit for its
    main model) equal statsmodels'; tidy() says t or z as statsmodels does."""
    for alpha in (0.05, 0.1, 0.32):
        np.testing.assert_allclose(est.conf_int(alpha=alpha).to_numpy(), np.asarray(direct.conf_int(alpha=alpha)),
                                   rtol=rtol, err_msg=f"alpha={alpha}")
    np.testing.assert_allclose(est.pvalues.to_numpy(), np.asarray(direct.pvalues), rtol=rtol)
    main = getattr(est, "main", est)
    tidy = main.tidy()
    np.testing.assert_allclose(tidy["p_value"].to_numpy(), np.asarray(direct.pvalues), rtol=rtol)
    assert set(tidy["distribution"]) == {"t" if direct.use_t else "z"}
    assert main.use_t == direct.use_t


def test_tourism_hac_inference_is_statsmodels_default_z(cold):
    direct = _tourism_ols_direct()
    assert direct.use_t is False  # statsmodels' default for OLS with HAC errors: normal (z) inference
    fit = cold.fits["tourism"]
    _same_inference(fit.main, direct, rtol=1e-9)
    _same_inference(fit, direct, rtol=1e-9)
    # the figure the issue measured: the constant's z-based p-value (t-based with 21 df it would be 0.111)
    assert fit.pvalues["const"] == pytest.approx(float(direct.pvalues["const"]), rel=1e-9)
    assert float(direct.pvalues["const"]) == pytest.approx(0.096, abs=0.0005)
    assert "z (standard normal)" in str(fit.summary())
    # resid, fittedvalues, llf and aic pass through from statsmodels
    np.testing.assert_allclose(fit.resid.to_numpy(), direct.resid.to_numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.fittedvalues.to_numpy(), direct.fittedvalues.to_numpy(), rtol=1e-9)
    assert (fit.llf, fit.aic) == pytest.approx((direct.llf, direct.aic), rel=1e-10)
    assert [p.year for p in fit.resid.index] == list(direct.resid.index)


def test_investment_classical_ols_inference_is_t(cold):
    direct = _investment_ols_direct()
    assert direct.use_t is True  # classical OLS: Student t with the residual degrees of freedom
    est = cold.fits["investment"].main
    _same_inference(est, direct, rtol=1e-9)
    assert f"t ({direct.df_resid:g} df)" in str(est.summary())
    assert (est.aic, est.llf) == pytest.approx((direct.aic, direct.llf), rel=1e-10)


def test_time_series_inference_is_z_like_statsmodels(cold):
    _same_inference(cold.fits["tourism"].models["baseline"], _tourism_arima_direct(), rtol=1e-5)
    direct = _imports_direct(cold)
    fit = cold.fits["imports"]
    _same_inference(fit, direct, rtol=1e-8)
    assert fit.llf == pytest.approx(direct.llf, rel=1e-12)
    np.testing.assert_allclose(fit.resid.to_numpy(), direct.resid, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("channel", ["tourism", "imports", "business_costs"])
def test_conf_int_takes_alpha_or_level(cold, channel):
    fit = cold.fits[channel]
    pd.testing.assert_frame_equal(fit.conf_int(alpha=0.1), fit.conf_int(level=0.9))
    pd.testing.assert_frame_equal(fit.conf_int(0.1), fit.conf_int(level=0.9))
    pd.testing.assert_frame_equal(fit.conf_int(), fit.conf_int(alpha=0.05))
    pd.testing.assert_frame_equal(fit.tidy(alpha=0.1), fit.tidy(0.9))
    with pytest.raises(UsageError, match="not both") as err:
        fit.conf_int(alpha=0.1, level=0.9)
    assert isinstance(err.value, ValueError)
    with pytest.raises(UsageError, match="alpha=0.05 or level=0.95"):
        fit.conf_int(0.95)  # a level where statsmodels' alpha goes: refused, not a 5 % interval
    for bad in (0, 1, -0.1, float("nan"), "0.05", True):
        with pytest.raises(UsageError):
            fit.conf_int(alpha=bad)


# ----------------------------------------------------------------------------- objects travel
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_model_and_channel_fit_round_trip(cold, how):
    assert cold.fits["imports"].results is not None  # built: the copies must not carry it (they rebuild it)
    clone = (lambda x: pickle.loads(pickle.dumps(x))) if how == "pickle" else copy.deepcopy
    m = clone(cold)
    fit = clone(cold.fits["imports"])
    for f in (m.fits["imports"], fit):
        assert isinstance(f.results, SARIMAXResultsWrapper)
        pd.testing.assert_series_equal(f.results.params, cold.fits["imports"].results.params)
        pd.testing.assert_series_equal(f.forecast(12), cold.fits["imports"].forecast(12))
    for ch, key, est in _estimates(m):
        assert isinstance(est.results, CLASSES[ch, key]), (ch, key)
    assert m.run("designation").impacts.equals(cold.run("designation").impacts)
    # pickles carry the data and parameters, not the (tens of MB) statsmodels object
    assert b"statsmodels.tsa" not in pickle.dumps(cold.fits["imports"])
