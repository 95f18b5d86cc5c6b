"""The 2025 tourism difference in differences (impact.arrivals).

Every expected number is computed here, by a statsmodels or numpy call written in the test on data
read from the bundled CSV with pandas (or simulated here), never copied from the module's output.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from impact import arrivals, data, serial

CSV = Path(arrivals.__file__).parent / "data" / "mx_air_arrivals_us_canada_monthly.csv"
OPTS = {"did_start": "2022-11"}
D1, D2 = "us_x_post_designation", "us_x_post_advisory"


def _long() -> pd.DataFrame:
    df = pd.read_csv(CSV, dtype={"period": str})
    df["period"] = pd.PeriodIndex(df["period"], freq="M")
    return df[df["period"] >= pd.Period("2022-11", "M")].reset_index(drop=True)


def _posts(per: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({D1: (per >= pd.Period("2025-03", "M")).astype(float),
                         D2: (per >= pd.Period("2025-09", "M")).astype(float)})


@pytest.fixture(scope="module")
def bundled():
    return arrivals.did_model({arrivals.SERIES: data.load(arrivals.SERIES)}, OPTS)


# ----------------------------------------------------------------------------- 1. bundled data
def test_bundled_matches_direct_statsmodels(bundled):
    df = _long()
    wide = df.pivot_table(index="period", columns=["airport", "residence"], values="value")
    logs = np.log(wide)
    gap = pd.concat([logs[a]["US"] - logs[a]["CA"] for a in ("CUN", "SJD")], axis=1).mean(axis=1)
    per = pd.Series(gap.index, index=gap.index)
    X = _posts(per)
    X["const"] = 1.0
    X = X.join(pd.get_dummies(per.dt.month, prefix="m", drop_first=True, dtype=float))
    # a regression with AR(1) errors: statsmodels ARIMA(1,0,0) with the regressors, by maximum likelihood
    import warnings

    from statsmodels.tsa.arima.model import ARIMA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ARIMA(gap, exog=X, order=(1, 0, 0), trend="n").fit()
    np.testing.assert_allclose(bundled.params[[D1, D2]], res.params[[D1, D2]], rtol=1e-6)
    np.testing.assert_allclose(bundled.bse[[D1, D2]], res.bse[[D1, D2]], rtol=1e-4)
    assert bundled.nobs == 45 and not bundled.use_t
    # % effect and its 90 % interval: z interval, then 100*(exp-1)
    z = stats.norm.ppf(0.95)
    b, se = res.params[D1], res.bse[D1]
    want = [100 * np.expm1(v) for v in (b, b - z * se, b + z * se)]
    np.testing.assert_allclose(arrivals.did_effect_pct(bundled), want, rtol=1e-4)
    table = arrivals.did_table(bundled).set_index("term")
    np.testing.assert_allclose(table.loc[D1, ["pct", "pct_low", "pct_high"]].to_numpy(float), want, rtol=1e-4)
    # randomisation inference: fake breaks 2023-11..2024-12 on the months up to 2024-12, no advisory term
    pre = per <= pd.Period("2024-12", "M")
    fakes = []
    for brk in pd.period_range("2023-11", "2024-12", freq="M"):
        Xp = pd.DataFrame({"fake": (per[pre] >= brk).astype(float)}).join(X.loc[pre].drop(columns=[D1, D2]))
        fakes.append(sm.OLS(gap[pre], Xp).fit().params["fake"])
    share = np.mean(np.abs(fakes) >= abs(b))
    diag = bundled.diagnostics_frame().set_index("test")
    assert diag.loc["Placebo break months (randomisation inference)", "p_value"] == pytest.approx(share, abs=1e-12)


def test_result_survives_the_fit_cache(bundled):
    back = serial.loads(serial.dumps(bundled))
    np.testing.assert_allclose(back.results.bse[[D1, D2]], bundled.bse[[D1, D2]], rtol=1e-8)
    assert type(back.results.model).__name__ == "ARIMA"


# ----------------------------------------------------------------------------- 2. synthetic break
def _synth(seed: int, shift: float, rho: float = 0.5, sd: float = 0.01) -> pd.Series:
    """Log arrivals = level + own seasonality + airport-month shock (common to both residences) + AR(1)
    noise; U.S. shifted by ``shift`` from 2025-03."""
    rng = np.random.default_rng(seed)
    per = pd.period_range("2019-01", "2026-07", freq="M")
    rows = []
    for airport, level in (("CUN", 12.5), ("SJD", 11.0)):
        common = rng.normal(0.0, 0.10, len(per))
        for res, off in (("US", 0.8), ("CA", -0.6)):
            season = rng.normal(0.0, 0.4, 12)[per.month - 1]
            u = rng.normal(0.0, sd, len(per))
            e = np.zeros(len(per))
            for t in range(len(per)):
                e[t] = (rho * e[t - 1] if t else 0.0) + u[t]
            y = level + off + season + common + e + (shift * (per >= pd.Period("2025-03", "M")) if res == "US" else 0)
            rows += [(airport, res, p, float(np.exp(v))) for p, v in zip(per, y)]
    df = pd.DataFrame(rows, columns=["airport", "residence", "period", "value"])
    return df.set_index(["airport", "residence", "period"])["value"]


def test_synthetic_break_is_recovered():
    est = arrivals.did_model({arrivals.SERIES: _synth(2025, -0.10)}, OPTS)
    assert abs(est.params[D1] + 0.10) < 0.03
    lo, hi = est.conf_int(level=0.90).loc[D1]
    assert lo <= -0.10 <= hi


@pytest.mark.slow
def test_no_break_interval_covers_zero_mostly():
    """The AR(1)-error interval keeps its coverage where OLS and Newey-West intervals on the same
    regression do not (the reason impact.arrivals uses it; its docstring and docs/model.md quote it)."""
    covered, ols, hac = [], [], []
    for seed in range(50):
        series = {arrivals.SERIES: _synth(seed, 0.0)}
        est = arrivals.did_model(series, OPTS)
        lo, hi = est.conf_int(level=0.90).loc[D1]
        covered.append(lo <= 0.0 <= hi)
        y, X = arrivals._design(arrivals.gap_frame(arrivals.log_gaps(series, OPTS)), arrivals.TERMS)
        for fit, out in ((sm.OLS(y, X).fit(), ols), (sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 6}), hac)):
            a, b = fit.conf_int(0.10).loc[D1]
            out.append(a <= 0.0 <= b)
    # nominal 90 %; 50 draws give a Monte Carlo sd of about 4 pp
    assert np.mean(covered) >= 0.80
    assert np.mean(ols) <= 0.70 and np.mean(hac) <= 0.70


# ----------------------------------------------------------------------------- 3. formulations
def test_difference_equals_full_panel():
    """Least-squares point estimates agree across formulations: the airports' mean gap on calendar-month
    dummies (the series the model's AR(1)-error regression uses), the stacked per-airport gaps and the
    full panel with airport x month and airport x U.S. x calendar-month effects."""
    df = _long()
    df["y"] = np.log(df["value"])
    us = (df["residence"] == "US").astype(float)
    X = _posts(df["period"]).mul(us, axis=0)
    # airport x month (all levels, no constant) and airport x U.S. x calendar month (the Canadian
    # levels are collinear with the airport-month dummies)
    X = X.join(pd.get_dummies(df["airport"] + df["period"].astype(str), dtype=float))
    X = X.join(pd.get_dummies(df["airport"] + df["period"].dt.month.astype(str), dtype=float).mul(us, axis=0))
    assert np.linalg.matrix_rank(X.to_numpy()) == X.shape[1]
    full = sm.OLS(df["y"], X).fit().params[[D1, D2]]
    frame = arrivals.gap_frame(arrivals.log_gaps({arrivals.SERIES: data.load(arrivals.SERIES)}, OPTS))
    per = pd.PeriodIndex.from_fields(year=frame["year"].astype(int), month=frame["month"].astype(int), freq="M")
    Xm = _posts(pd.Series(per)).assign(const=1.0).join(pd.get_dummies(per.month, prefix="m", drop_first=True,
                                                                      dtype=float))
    mean_gap = sm.OLS(frame["log_us_minus_ca"], Xm).fit().params[[D1, D2]]
    np.testing.assert_allclose(mean_gap, full, rtol=0, atol=1e-10)
    # the stacked per-airport U.S.-minus-Canada gap on airport x calendar-month dummies
    g = df.pivot_table(index=["airport", "period"], columns="residence", values="y")
    g = (g["US"] - g["CA"]).rename("gap").reset_index()
    Xg = _posts(g["period"]).join(pd.get_dummies(g["airport"] + g["period"].dt.month.astype(str), dtype=float))
    stacked = sm.OLS(g["gap"], Xg).fit().params[[D1, D2]]
    np.testing.assert_allclose(stacked, full, rtol=0, atol=1e-10)
    # and the module's own full-panel dummy regression
    mod = arrivals.panel_fit({arrivals.SERIES: data.load(arrivals.SERIES)}, OPTS).params[[D1, D2]]
    np.testing.assert_allclose(mod, full, rtol=0, atol=1e-10)


# ----------------------------------------------------------------------------- 4. data checks
def test_check_arrivals():
    s = data.load(arrivals.SERIES)
    assert arrivals.check_arrivals({arrivals.SERIES: s}, OPTS) == []
    only_us = s[s.index.get_level_values("residence") == "US"]
    probs = arrivals.check_arrivals({arrivals.SERIES: only_us}, OPTS)
    assert probs and all("CA" in p.message for p in probs)
    assert {p.message.split()[1] for p in probs} == {"CUN", "SJD"}
    bad = s.copy()
    bad.iloc[5] = 0.0
    assert any("positive" in p.message for p in arrivals.check_arrivals({arrivals.SERIES: bad}, OPTS))
    late = arrivals.check_arrivals({arrivals.SERIES: s}, {**OPTS, "did_start": "2024-06"})
    assert len(late) == 1 and late[0].option == "did_start"
