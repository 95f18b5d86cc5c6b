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


def _mid_p_design() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A small clustered design whose WCR p-value for beta = 0 is well inside (0, 1): 9 clusters of
    unequal size, three controls and cluster dummies, a weak true effect."""
    rng = np.random.default_rng(0)
    n, G = 300, 9
    g = rng.integers(0, G, n)
    Z = np.column_stack([np.ones(n), rng.normal(size=(n, 3)), (g[:, None] == np.arange(1, G)).astype(float)])
    x = rng.normal(size=n) + 0.5 * rng.normal(size=G)[g]
    y = 0.08 * x + Z[:, 1] + rng.normal(size=n) + rng.normal(size=G)[g]
    return y, np.column_stack([x, Z]), g


def test_wild_bootstrap_equals_a_brute_force_refit():
    """Each bootstrap t statistic rebuilt the long way: y* = Z gamma~ + x b0 + u~ v_g from the
    restricted fit, refitted with statsmodels' CR1 errors; the vectorised p-value counts the same."""
    y, X, g = _mid_p_design()
    reps, b0 = 199, 0.0
    v = panel.WEBB[np.random.default_rng(4).integers(0, 6, size=(reps, 9))]
    Z = X[:, 1:]
    gam = np.linalg.lstsq(Z, y - b0 * X[:, 0], rcond=None)[0]
    ur = y - b0 * X[:, 0] - Z @ gam
    fit0 = OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g})
    t0 = (fit0.params[0] - b0) / fit0.bse[0]
    tstar = []
    for r in range(reps):
        ys = b0 * X[:, 0] + Z @ gam + ur * v[r][g]
        fr = OLS(ys, X).fit(cov_type="cluster", cov_kwds={"groups": g})
        tstar.append((fr.params[0] - b0) / fr.bse[0])
    brute = float(np.mean(np.abs(tstar) >= abs(t0)))
    ours = panel._pvalue_fn(panel._parts(y, X, 0, g), v)(np.array([b0]))[0]
    assert 0.05 < brute < 0.95
    assert ours == brute


@pytest.mark.slow  # 9,999 replications twice (ours and the package's): the parity check runs in .ci/run
def test_wild_bootstrap_p_value_matches_wildboottest_package():
    wbt = pytest.importorskip("wildboottest.wildboottest")
    y, X, g = _mid_p_design()
    ours = panel.wild_cluster_bootstrap(y, X, 0, g, reps=9999, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = wbt.wildboottest(OLS(y, pd.DataFrame(X, columns=["x"] + [f"z{i}" for i in range(X.shape[1] - 1)])),
                               B=9999, cluster=g, param="x", weights_type="webb", impose_null=True,
                               bootstrap_type="11", seed=11, show=False)
    theirs = float(ref["p-value"].iloc[0])
    assert 0.05 < theirs < 0.95
    # two Monte Carlo draws of the same p-value: sd sqrt(p(1-p)/9999) <= 0.005 each
    assert ours.p_value == pytest.approx(theirs, abs=0.025)
    assert ours.lower < ours.estimate < ours.upper


def test_unbounded_acceptance_is_reported_as_infinite():
    """One cluster carries all the variation in x: the bootstrap cannot reject any null on one side,
    and the interval says so instead of stopping at the edge of its grid."""
    rng = np.random.default_rng(1)
    g = np.repeat(np.arange(6), 20)
    x = np.where(g == 0, rng.normal(size=120), 0.0)
    y = 0.5 * x + rng.normal(size=120)
    X = np.column_stack([x, np.ones(120)])
    wb = panel.wild_cluster_bootstrap(y, X, 0, g, reps=399, level=0.90, seed=1)
    assert not (np.isfinite(wb.lower) and np.isfinite(wb.upper))
    assert wb.se_equivalent == np.inf


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
    # a zero among months that average 10 or more victims that year is a missing report
    nz = vic["vic"].where(vic["vic"] > 0).groupby([vic["state"], vic["period"].dt.year]).transform("mean")
    vic.loc[(vic["vic"] == 0) & (nz >= 10), "vic"] = np.nan
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


def test_sinaloa_wald_ratio_and_placebo_error_by_hand(hotel):
    """The occupancy DiD, the placebo loop on the donors alone and the ratio, rebuilt from a frame of
    the module (the fixed-effects design is the panel's, tested above) with statsmodels calls here."""
    est = destinations.sinaloa_model(hotel, OPTS)
    df = destinations.hotel_frame(hotel, 1)
    df = df[(df["period"] >= pd.Period("2022-07", "M")) & (df["period"] <= pd.Period("2024-12", "M"))]
    df = df[~((df["destination"] == "ACA") & (df["period"] >= pd.Period("2023-10", "M")))].reset_index(drop=True)

    def did(frame: pd.DataFrame, treated: pd.Series, dep: str = "log_occupancy") -> float:
        dm = frame["destination"] + "-" + frame["period"].dt.month.astype(str)
        D = pd.get_dummies(dm, dtype=float)
        D = D.loc[:, ~D.columns.str.startswith(frame["destination"].min() + "-")]
        X = pd.concat([treated.astype(float).rename("tp"), D,
                       pd.get_dummies(frame["period"].astype(str), drop_first=True, dtype=float)], axis=1)
        return float(OLS(frame[dep], X.assign(c=1.0)).fit().params["tp"])

    post = df["period"] >= pd.Period("2024-09", "M")
    d_occ = did(df, (df["state"] == "25") & post)
    rated = np.isfinite(df["log_homicide_rate"])
    sub = df[rated].reset_index(drop=True)
    d_hom = did(sub, (sub["state"] == "25") & (sub["period"] >= pd.Period("2024-09", "M")), "log_homicide_rate")
    donors = df[df["state"] != "25"].reset_index(drop=True)
    dpost = donors["period"] >= pd.Period("2024-09", "M")
    placebo = np.array([did(donors, (donors["state"] == s) & dpost) for s in sorted(donors["state"].unique())])
    se = np.sqrt(np.mean(placebo ** 2))
    assert est.params["d_log_occupancy"] == pytest.approx(d_occ, rel=1e-8)
    assert est.params["d_log_homicide_rate"] == pytest.approx(d_hom, rel=1e-8)
    assert est.params["elasticity"] == pytest.approx(d_occ / d_hom, rel=1e-8)
    assert est.bse["d_log_occupancy"] == pytest.approx(se, rel=1e-8)
    assert est.bse["elasticity"] == pytest.approx(se / abs(d_hom), rel=1e-8)
    rank = next(d for d in est.diagnostics if d.name == "Placebo rank")
    assert rank.p_value == pytest.approx((1 + np.sum(np.abs(placebo) >= abs(d_occ))) / (len(placebo) + 1))


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


def test_frames_remembered_by_content_are_copies_and_follow_the_data(hotel):
    """The data checks build the same frame for every base year they try: it is built once per data
    content, handed out as a copy, and rebuilt when a series changes."""
    calls = []

    def build(data, window):
        calls.append(window)
        return destinations.hotel_frame(data, window)

    a = panel.by_content(build, hotel, destinations.HOTEL, 12)
    a.loc[0, "occupancy"] = -1.0                       # a caller's change does not reach the next caller
    b = panel.by_content(build, hotel, destinations.HOTEL, 12)
    assert calls == [12] and b.loc[0, "occupancy"] > 0
    pd.testing.assert_frame_equal(b, destinations.hotel_frame(hotel, 12))
    # a slice keeps the file's sha256 attribute but not its content: rebuilt
    occ = hotel["mx_hotel_occupied_rooms_monthly"]
    sliced = {**hotel, "mx_hotel_occupied_rooms_monthly": occ[occ.index.get_level_values("state") != "23"]}
    assert sliced["mx_hotel_occupied_rooms_monthly"].attrs.get("sha256") == occ.attrs.get("sha256")
    c = panel.by_content(build, sliced, destinations.HOTEL, 12)
    assert calls == [12, 12] and "23" not in set(c["state"])
    edited = {**hotel, "mx_hotel_occupied_rooms_monthly": occ * 1.01}
    panel.by_content(build, edited, destinations.HOTEL, 12)
    assert calls == [12, 12, 12]
