"""The panel estimators (impact.panel, impact.destinations) against independent computations:
direct statsmodels fits with dummies built here, the wildboottest package's WCR p-value, synthetic
panels with known effects, and a hand-worked data estimate."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.linear_model import OLS

from impact import data, destinations, panel
from impact.channels.tourism import panel_data_estimate

OPTS = dict(homicide_window=12, panel_drop_years=(2020, 2021), bootstrap_reps=999, bootstrap_seed=1,
            event_start="2022-07", event_months=4)


@pytest.fixture(scope="module")
def hotel():
    return {sid: data.load(sid) for sid in destinations.HOTEL}


def _synthetic(beta: float, seed: int, G: int = 13, per: int = 2, T: int = 60) -> pd.DataFrame:
    """Units nested in G clusters; x and the error both carry a cluster-by-period component (the
    case cluster-robust inference exists for)."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(G), per * T)
    unit = np.repeat(np.arange(G * per), T)
    t = np.tile(np.arange(T), G * per)
    cx = rng.normal(size=(G, T))
    ce = rng.normal(size=(G, T))
    x = cx[g, t] + 0.5 * rng.normal(size=len(g))
    y = beta * x + rng.normal(size=T)[t] + rng.normal(size=G * per)[unit] + ce[g, t] + rng.normal(size=len(g))
    return pd.DataFrame({"y": y, "x": x, "unit": unit, "t": t, "cl": g})


def test_fit_fe_equals_statsmodels_with_dummies_built_here():
    df = _synthetic(-0.3, 0)
    res = panel.fit_fe(df, "y", ("x",), ("unit", "t"), "cl")
    X = pd.concat([df[["x"]], pd.get_dummies(df["unit"], prefix="u", drop_first=True, dtype=float),
                   pd.get_dummies(df["t"], prefix="t", drop_first=True, dtype=float)], axis=1)
    X.insert(0, "c", 1.0)
    ref = OLS(df["y"], X).fit(cov_type="cluster", cov_kwds={"groups": df["cl"]}, use_t=True)
    assert res.params["x"] == pytest.approx(ref.params["x"], rel=1e-10)
    assert res.bse["x"] == pytest.approx(ref.bse["x"], rel=1e-10)
    # CR1 by hand: G/(G-1) (N-1)/(N-K) sum_g (X'u)_g (X'u)_g', sandwiched
    Xa, u = X.to_numpy(), ref.resid.to_numpy()
    bread = np.linalg.inv(Xa.T @ Xa)
    meat = sum(np.outer(Xa[df.cl == c].T @ u[df.cl == c], Xa[df.cl == c].T @ u[df.cl == c]) for c in range(13))
    n, k = Xa.shape
    V = 13 / 12 * (n - 1) / (n - k) * bread @ meat @ bread
    assert np.sqrt(V[1, 1]) == pytest.approx(res.bse["x"], rel=1e-8)
    assert res.df_resid_inference == 12


def test_wild_bootstrap_p_value_matches_wildboottest_package():
    wbt = pytest.importorskip("wildboottest.wildboottest")
    df = _synthetic(-0.05, 3)
    y, X = panel.design(df, "y", ("x",), ("unit", "t"))
    ours = panel.wild_cluster_bootstrap(y.to_numpy(), X.to_numpy(), 0, df["cl"].to_numpy(), reps=9999, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = wbt.wildboottest(OLS(y, X), B=9999, cluster=df["cl"].to_numpy(), param="x", weights_type="webb",
                               impose_null=True, bootstrap_type="11", seed=11, show=False)
    # two Monte Carlo draws of the same p-value: sd sqrt(p(1-p)/9999) <= 0.005 each
    assert ours.p_value == pytest.approx(float(ref["p-value"].iloc[0]), abs=0.025)
    assert ours.lower < ours.estimate < ours.upper


def test_bootstrap_interval_is_the_set_of_nulls_not_rejected():
    df = _synthetic(-0.3, 4)
    y, X = panel.design(df, "y", ("x",), ("unit", "t"))
    wb = panel.wild_cluster_bootstrap(y.to_numpy(), X.to_numpy(), 0, df["cl"].to_numpy(), reps=999, level=0.90,
                                      seed=2)
    args = (y.to_numpy(), X.to_numpy(), 0, df["cl"].to_numpy())
    step = 0.02 * (wb.upper - wb.lower)
    for b0, inside in ((wb.lower + step, True), (wb.upper - step, True), (wb.lower - step, False),
                       (wb.upper + step, False)):
        assert panel.covers(*args, b0, reps=999, level=0.90, seed=2) is inside
    # deterministic for a seed
    again = panel.wild_cluster_bootstrap(*args, reps=999, level=0.90, seed=2)
    assert (again.lower, again.upper, again.p_value) == (wb.lower, wb.upper, wb.p_value)


@pytest.mark.slow
def test_few_cluster_coverage_near_nominal():
    """13 clusters of unequal size: the WCR 90 % interval covers the true coefficient in 80-97 % of
    120 synthetic panels (Monte Carlo sd of the rate about 2.7 pp)."""
    hits = []
    for seed in range(120):
        df = _synthetic(-0.2, 100 + seed, per=2)
        df = df[~((df["cl"] >= 10) & (df["unit"] % 2 == 1))]  # unequal cluster sizes
        y, X = panel.design(df, "y", ("x",), ("unit", "t"))
        hits.append(panel.covers(y.to_numpy(), X.to_numpy(), 0, df["cl"].to_numpy(), -0.2, reps=199, level=0.90,
                                 seed=seed))
    assert 0.80 <= np.mean(hits) <= 0.97


def test_hotel_panel_equals_direct_statsmodels_fit(hotel):
    est, wb = destinations.panel_model(hotel, OPTS, 2024)
    # rebuilt here from the files: occupancy, state rate (victims / population), 12-month mean lagged one month
    occ = hotel["mx_hotel_occupied_rooms_monthly"] / hotel["mx_hotel_available_rooms_monthly"] * 100
    df = occ.rename("occ").reset_index()
    vic = hotel["mx_homicide_victims_state_monthly"].rename("vic").reset_index()
    pop = hotel["mx_population_state"].rename("pop").reset_index()
    vic["year"] = vic["period"].dt.year
    vic = vic.merge(pop, on=["state", "year"])
    vic["rate"] = vic["vic"] / vic["pop"] * 1e5
    vic = vic.sort_values(["state", "period"])
    vic["h"] = vic.groupby("state")["rate"].transform(lambda s: s.rolling(12).mean().shift(1))
    df = df.merge(vic[["state", "period", "h"]], on=["state", "period"])
    df = df[~df["period"].dt.year.isin([2020, 2021]) & (df["destination"] != "CUL") & df["h"].notna()]
    df = df[~((df["destination"] == "ACA") & (df["period"] >= pd.Period("2023-10", "M")))]
    df["dm"] = df["destination"] + "-" + df["period"].dt.month.astype(str)
    # destination x calendar month for every destination but one (with month effects, the 12 calendar
    # months of one destination are spanned already), month effects, a constant: full rank
    dm = pd.get_dummies(df["dm"], dtype=float)
    dm = dm.loc[:, ~dm.columns.str.startswith(df["destination"].min() + "-")]
    X = pd.concat([np.log(df[["h"]]), dm, pd.get_dummies(df["period"].astype(str), drop_first=True, dtype=float)],
                  axis=1).assign(const=1.0)
    assert np.linalg.matrix_rank(X.to_numpy()) == X.shape[1]
    ref = OLS(np.log(df["occ"]), X).fit(cov_type="cluster", cov_kwds={"groups": df["state"]}, use_t=True)
    assert est.nobs == len(df)
    assert est.params["log_homicide_rate"] == pytest.approx(ref.params["h"], rel=1e-8)
    assert est.bse["log_homicide_rate"] == pytest.approx(ref.bse["h"], rel=1e-6)
    assert wb.estimate == pytest.approx(ref.params["h"], rel=1e-8)
    assert est.tidy()["term"].tolist() == ["log_homicide_rate"]


def test_sinaloa_wald_ratio_by_hand(hotel):
    est = destinations.sinaloa_model(hotel, OPTS)
    assert est.params["elasticity"] == pytest.approx(est.params["d_log_occupancy"] / est.params["d_log_homicide_rate"])
    # the surge: Sinaloa's homicide rate rose (log points) and occupancy in its destinations fell
    assert est.params["d_log_homicide_rate"] > 0.5 and est.params["d_log_occupancy"] < 0


def test_panel_data_estimate_is_a_product_of_independent_estimates():
    wb = panel.WildBootstrap("x", estimate=-0.06, p_value=0.3, lower=-0.12, upper=0.04, level=0.90, reps=999,
                             clusters=13)
    se_b = 0.16 / (2 * 1.6448536269514722)
    de = panel_data_estimate(wb, 1.2, 0.3)
    assert de.value == pytest.approx(-0.072)
    assert de.se == pytest.approx(np.sqrt(1.44 * se_b ** 2 + 0.0036 * 0.09 + se_b ** 2 * 0.09))


def test_panel_problems_name_the_file(hotel):
    bad = dict(hotel)
    avail = hotel["mx_hotel_available_rooms_monthly"].copy()
    avail.iloc[3] = 0.0
    bad["mx_hotel_available_rooms_monthly"] = avail
    probs = destinations.check_panel(bad, OPTS, 2024)
    assert len(probs) == 1 and probs[0].series == "mx_hotel_available_rooms_monthly"
    few = {k: (v[v.index.get_level_values("state").isin(["23", "03"])] if "hotel" in k else v)
           for k, v in hotel.items()}
    assert "at least 6 states" in destinations.check_panel(few, OPTS, 2024)[0].message
