"""The state-quarter FDI panel (impact.investment_panel): the regression redone by hand with
statsmodels, a synthetic panel with a known coefficient, the window sums and logs, and the data
check.  Every expected number is computed here, independently of the module."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.linear_model import OLS

from impact import data, panel
from impact.investment_panel import FDI, check_fdi_panel, fdi_frame, fdi_panel_model

OPTS = {"fdi_window": 4, "bootstrap_reps": 999, "bootstrap_seed": 7}


@pytest.fixture(scope="module")
def bundled() -> dict[str, pd.Series]:
    return {k: data.load(k) for k in FDI}


def _by_hand(d: dict[str, pd.Series], window: int, first: str, last: str) -> pd.DataFrame:
    """The estimation sample built with wide tables and rolling windows (not the module's code): FDI
    summed over the window; the homicide rate over the 12 months before the window begins, with
    zero months set to missing where the state's other months that year average 10 or more."""
    fdi = d["mx_fdi_state_quarterly"].unstack("state")              # periods x states
    fdi_sum = fdi.rolling(window, min_periods=window).sum()
    vic = d["mx_homicide_victims_state_monthly"].unstack("state")   # months x states
    mean_nonzero = vic.where(vic > 0).groupby(vic.index.year).transform("mean")
    vic = vic.mask((vic == 0) & (mean_nonzero >= 10))
    pop = d["mx_population_state"].unstack("state")                 # years x states
    rate = vic / pop.loc[vic.index.year].to_numpy() * 1e5
    before = rate.rolling(12, min_periods=12).mean().shift(1)        # months m-12..m-1, at month m
    rows = []
    for q in pd.period_range(first, last, freq="Q"):
        m = (q - (window - 1)).asfreq("M", how="start")              # first month of the FDI window
        for s in fdi.columns:
            rows.append({"state": s, "period": q, "fdi_sum": fdi_sum.at[q, s],
                         "hom": before.at[m, s] if m in before.index else np.nan})
    return pd.DataFrame(rows)


def _ols_by_hand(df: pd.DataFrame) -> OLS:
    y = np.log(df["fdi_sum"].to_numpy())
    X = pd.concat([pd.DataFrame({"x": np.log(df["hom"]), "const": 1.0}),
                   pd.get_dummies(df["state"], prefix="s", drop_first=True, dtype=float),
                   pd.get_dummies(df["period"].astype(str), prefix="t", drop_first=True, dtype=float)], axis=1)
    groups = pd.factorize(df["state"])[0]
    return OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)


@pytest.mark.parametrize("window", [4, 1])
def test_bundled_regression_matches_direct_statsmodels(bundled, window):
    res, wb = fdi_panel_model(bundled, {**OPTS, "fdi_window": window}, 2024)
    every = _by_hand(bundled, window, "2016Q1", "2024Q4")
    every = every[every["hom"].notna()].reset_index(drop=True)
    df = every[every["fdi_sum"] > 0].reset_index(drop=True)
    ref = _ols_by_hand(df)
    assert res.nobs == len(df)
    np.testing.assert_allclose(res.params["log_homicide_rate"], ref.params["x"], rtol=1e-8)
    np.testing.assert_allclose(res.bse["log_homicide_rate"], ref.bse["x"], rtol=1e-8)
    assert res.df_resid == 31 and res.use_t
    np.testing.assert_allclose(wb.estimate, ref.params["x"], rtol=1e-8)
    assert wb.lower < wb.estimate < wb.upper and wb.clusters == 32
    names = [dg.name for dg in res.diagnostics]
    assert "Driscoll-Kraay (4 lags)" in names
    left_out = next(dg for dg in res.diagnostics if dg.name.startswith("Negative or zero"))
    assert left_out.statistic == int((every["fdi_sum"] <= 0).sum()) > 0
    # the asinh diagnostic: the same regression on asinh of every sum, negative ones kept
    y = np.arcsinh(every["fdi_sum"].to_numpy())
    X = pd.concat([pd.DataFrame({"x": np.log(every["hom"]), "const": 1.0}),
                   pd.get_dummies(every["state"], drop_first=True, dtype=float),
                   pd.get_dummies(every["period"].astype(str), drop_first=True, dtype=float)], axis=1)
    asinh = OLS(y, X).fit()
    diag = next(dg for dg in res.diagnostics if dg.name.startswith("asinh"))
    assert diag.statistic == pytest.approx(asinh.params["x"], rel=1e-8)


def test_base_year_limits_the_sample(bundled):
    res, _ = fdi_panel_model(bundled, {**OPTS, "bootstrap_reps": 99}, 2020)
    # window 4: the first quarter whose homicide window (12 months before 2016Q1) is in the file is 2016Q4
    assert res.sample.startswith("2016Q4..2020Q4")


# ----------------------------------------------------------------------------- synthetic panel
STATES = [f"{i:02d}" for i in range(1, 33)]
MONTHS = pd.period_range("2015-01", "2021-12", freq="M")
QUARTERS = pd.period_range("2016Q1", "2021Q4", freq="Q")


def _synthetic_violence(rng: np.random.Generator) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Monthly victims (a log random walk per state around its own level), population 100,000 (so
    the rate is the victims), and the regressor computed here: ln mean of the 12 months before."""
    level = rng.normal(0.5, 0.8, len(STATES))
    walk = np.cumsum(rng.normal(0.0, 0.08, (len(MONTHS), len(STATES))), axis=0)
    vic = pd.DataFrame(np.exp(level + walk), index=MONTHS, columns=STATES)
    long = vic.stack().swaplevel().sort_index()
    long.index.names = ["state", "period"]
    pop = pd.Series(1e5, index=pd.MultiIndex.from_product([STATES, range(2015, 2022)], names=["state", "year"]))
    x = pd.DataFrame({q: np.log(vic.loc[q.asfreq("M", "start") - 12:q.asfreq("M", "start") - 1].mean())
                      for q in QUARTERS}).T                       # quarters x states (window 1)
    return long, pop, x


def _errors(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Heteroskedastic across states and AR(1) within a state: what clustering is for."""
    scale = rng.uniform(0.2, 0.6, shape[1])
    e = rng.normal(0.0, 1.0, shape)
    for t in range(1, shape[0]):
        e[t] = 0.5 * e[t - 1] + e[t]
    return e * scale


def test_synthetic_panel_recovers_known_coefficient():
    rng = np.random.default_rng(20250301)
    vic, pop, x = _synthetic_violence(rng)
    beta = -0.3
    y = beta * x.to_numpy() + rng.normal(5.0, 1.0, 32)[None, :] + rng.normal(0, 0.3, len(QUARTERS))[:, None]
    y = y + _errors(rng, y.shape)
    fdi = pd.DataFrame(np.exp(y), index=QUARTERS, columns=STATES).stack().swaplevel().sort_index()
    fdi.index.names = ["state", "period"]
    d = {"mx_fdi_state_quarterly": fdi, "mx_homicide_victims_state_monthly": vic, "mx_population_state": pop}
    res, wb = fdi_panel_model(d, {"fdi_window": 1, "bootstrap_reps": 999, "bootstrap_seed": 3}, 2021)
    assert res.nobs == 32 * len(QUARTERS)
    assert wb.lower < beta < wb.upper
    assert abs(res.params["log_homicide_rate"] - beta) < 5 * res.bse["log_homicide_rate"]


def test_bootstrap_rejection_rate_under_the_null():
    rng = np.random.default_rng(11)
    _, _, x = _synthetic_violence(rng)
    frame = pd.DataFrame({"y": 0.0, "log_homicide_rate": x.to_numpy().ravel(),
                          "time_id": np.repeat(np.arange(len(QUARTERS)), 32), "state_id": np.tile(np.arange(32), len(QUARTERS))})
    _, X = panel.design(frame, "y", ("log_homicide_rate",), ("state_id", "time_id"))
    groups = frame["state_id"].to_numpy()
    fe = rng.normal(5.0, 1.0, 32)
    reject = []
    for r in range(100):
        y = (fe[None, :] + _errors(rng, (len(QUARTERS), 32))).ravel()   # beta = 0
        reject.append(not panel.covers(y, X.to_numpy(), 0, groups, 0.0, reps=399, level=0.90, seed=r))
    assert 0.03 <= np.mean(reject) <= 0.20


# ----------------------------------------------------------------------------- transform
def _tiny(fdi_values: list[float]) -> dict[str, pd.Series]:
    per = pd.period_range("2015Q1", periods=len(fdi_values), freq="Q")
    fdi = pd.Series(fdi_values, index=pd.MultiIndex.from_product([["09"], per], names=["state", "period"]))
    months = pd.period_range("2015-01", "2016-12", freq="M")
    vic = pd.Series(10.0, index=pd.MultiIndex.from_product([["09"], months], names=["state", "period"]))
    pop = pd.Series(2e6, index=pd.MultiIndex.from_product([["09"], [2015, 2016]], names=["state", "year"]))
    return {"mx_fdi_state_quarterly": fdi, "mx_homicide_victims_state_monthly": vic, "mx_population_state": pop}


def test_window_sums_logs_and_the_homicide_window():
    d = _tiny([100.0, -50.0, 20.0, -90.0, -5.0, 400.0, 60.0, 30.0, 10.0])   # 2015Q1..2017Q1
    d["mx_homicide_victims_state_monthly"] = pd.Series(
        10.0, index=pd.MultiIndex.from_product([["09"], pd.period_range("2015-01", "2017-03", freq="M")],
                                                names=["state", "period"]))
    d["mx_population_state"] = pd.Series(2e6, index=pd.MultiIndex.from_product([["09"], [2015, 2016, 2017]],
                                                                              names=["state", "year"]))
    four = fdi_frame(d, 4).set_index("period")
    # window 4 ending in q starts 3 quarters earlier and needs the 12 months before it: q >= 2016Q4
    assert list(four.index) == [pd.Period("2016Q4", "Q"), pd.Period("2017Q1", "Q")]
    row = four.loc[pd.Period("2016Q4", "Q")]
    assert row["fdi_sum"] == -5.0 + 400.0 + 60.0 + 30.0
    assert row["log_fdi"] == pytest.approx(np.log(485.0), rel=1e-12)
    assert row["asinh_fdi"] == pytest.approx(np.arcsinh(485.0), rel=1e-12)
    assert row["log_homicide_rate"] == pytest.approx(np.log(10.0 / 2e6 * 1e5), rel=1e-12)
    one = fdi_frame(d, 1).set_index("period")
    assert np.isnan(one.loc[pd.Period("2016Q1", "Q"), "log_fdi"])            # -5: no logarithm
    assert one.loc[pd.Period("2016Q1", "Q"), "asinh_fdi"] == pytest.approx(np.arcsinh(-5.0), rel=1e-12)


# ----------------------------------------------------------------------------- data check
def test_check_reports_too_few_states(bundled):
    assert check_fdi_panel(bundled, OPTS, 2024) == []
    fdi = bundled["mx_fdi_state_quarterly"]
    few = fdi[fdi.index.get_level_values("state").isin(["01", "02", "03", "04", "05"])]
    probs = check_fdi_panel({**bundled, "mx_fdi_state_quarterly": few}, OPTS, 2024)
    assert len(probs) == 1 and "8 states" in probs[0].message and "give 5" in probs[0].message


def test_check_reports_missing_population(bundled):
    pop = bundled["mx_population_state"].drop(("07", 2019))
    probs = check_fdi_panel({**bundled, "mx_population_state": pop}, OPTS, 2024)
    assert any(p.series == "mx_population_state" and "07" in p.message for p in probs)
