"""Tourism identified across destinations: a destination-month hotel panel and the Sinaloa surge.

Both estimate the elasticity of hotel occupancy to the homicide rate of the destination's state,
the data side of the tourism channel's elasticity (:mod:`impact.channels.tourism`).

**Panel** (:func:`panel_model`).  ln occupancy(d, t) = beta ln H(s(d), t-1..t-w) + a(d, month of
year) + m(t) + e, where occupancy is rooms occupied / rooms available (rates, not rooms: the set of
reporting hotels changes), H the mean monthly homicide rate per 100,000 of the destination's state
over the ``window`` months before t (travellers book weeks to months ahead and learn about violence
from news accumulated over months; the current month is excluded so that a month's own shocks
cannot move both), a(d, month) destination-specific seasonality (which also absorbs destination
levels) and m(t) common monthly shocks (exchange rates, U.S. demand, airline capacity).  COVID
months and Acapulco after Hurricane Otis are dropped.  Identification: within a destination and
calendar month, months when its state was more violent than usual relative to other destinations
in the same month.  13 states: inference by wild cluster restricted bootstrap (:mod:`impact.panel`).

**Sinaloa surge** (:func:`sinaloa_model`).  The war between factions of the Sinaloa cartel from
September 2024 multiplied Sinaloa's homicides by about four (SESNSP: 44 victims in 2024-08, 182 in
2024-10).  A difference in differences for Mazatlán and Culiacán against every other destination
(same fixed effects, post-COVID months) gives the fall in ln occupancy; the same regression on the
state's ln homicide rate gives the rise in violence; their ratio is the elasticity (a Wald
estimator).  With one treated state, standard errors come from placebos: the same regression with
each donor state treated in turn.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import panel
from .channels.base import DataProblem
from .results.estimates import Diagnostic, EstimateResult

HOTEL = ("mx_hotel_occupied_rooms_monthly", "mx_hotel_available_rooms_monthly", "mx_homicide_victims_state_monthly",
         "mx_population_state", "us_travel_advisory_state_monthly")
#: Sinaloa's INEGI code and the month its violence surged
SINALOA, SURGE = "25", pd.Period("2024-09", "M")
#: Acapulco, hit by Hurricane Otis on 2023-10-25: later months measure reconstruction, not demand
OTIS = ("ACA", pd.Period("2023-10", "M"))


#: a month with no victims in a state-year whose other months average at least this many is a missing
#: report, not a calm month (Poisson with mean 10 gives a zero with probability 5e-5): Oaxaca's 2015
#: file alternates zeros with 42-70 victims
MISSING_IF_MEAN_AT_LEAST = 10.0


def reported_victims(vic: pd.Series) -> pd.Series:
    """Homicide victims with implausible zeros (:data:`MISSING_IF_MEAN_AT_LEAST`) set to missing."""
    keys = [vic.index.get_level_values("state"), vic.index.get_level_values("period").year]
    nonzero_mean = vic.where(vic > 0).groupby(keys).transform("mean")
    return vic.mask((vic == 0) & (nonzero_mean >= MISSING_IF_MEAN_AT_LEAST))


def state_rate(data: Mapping[str, pd.Series]) -> pd.Series:
    """Homicide victims per 100,000 residents per month, by (state, period): SESNSP victims over
    CONAPO mid-year population of the same year; missing reports (:func:`reported_victims`) are NaN,
    so every window that contains one is left out."""
    vic = reported_victims(data["mx_homicide_victims_state_monthly"])
    pop = data["mx_population_state"]
    per = vic.index.get_level_values("period")
    st = vic.index.get_level_values("state")
    popv = pop.reindex(pd.MultiIndex.from_arrays([st, per.year], names=pop.index.names)).to_numpy()
    return pd.Series(vic.to_numpy() / popv * 1e5, index=vic.index, name="homicide_rate")


def hotel_frame(data: Mapping[str, pd.Series], window: int) -> pd.DataFrame:
    """One row per destination-month with positive occupancy: occupancy (%), ln occupancy, the ln
    mean homicide rate of the state over the ``window`` months before (NaN where a month is missing
    or the mean is zero: the rows stay for what needs only occupancy), the advisory level in force the
    month before, and integer codes for the fixed effects and clusters."""
    occ = data["mx_hotel_occupied_rooms_monthly"]
    avail = data["mx_hotel_available_rooms_monthly"].reindex(occ.index)
    df = occ.index.to_frame(index=False)
    df["occupancy"] = 100.0 * occ.to_numpy() / avail.to_numpy()
    rate = state_rate(data)
    # mean over t-window..t-1, per state (rows of a state are consecutive months: checked on load)
    lagged = rate.groupby(level="state", group_keys=False).apply(
        lambda s: s.rolling(window, min_periods=window).mean().shift(1))
    key = pd.MultiIndex.from_frame(df[["state", "period"]])
    df["hom_rate"] = lagged.reindex(key).to_numpy()
    adv = data["us_travel_advisory_state_monthly"].groupby(level="state", group_keys=False).shift(1)
    df["advisory"] = adv.reindex(key).to_numpy()
    df = df[df["occupancy"] > 0].copy()
    df["log_occupancy"] = np.log(df["occupancy"])
    df["log_homicide_rate"] = np.log(df["hom_rate"].where(df["hom_rate"] > 0))
    df["dest_id"] = pd.factorize(df["destination"], sort=True)[0]
    df["state_id"] = pd.factorize(df["state"], sort=True)[0]
    df["time_id"] = pd.factorize(df["period"], sort=True)[0]
    # destination x calendar month, the first destination's months pooled into one level (dropped):
    # with month effects as well, its seasonality is what they absorb, and the design keeps full rank
    df["season_id"] = np.where(df["dest_id"] == 0, 0, df["dest_id"] * 12 + df["period"].dt.month - 1)
    return df.reset_index(drop=True)


def _sample(df: pd.DataFrame, opts: Mapping[str, Any], base_year: int) -> pd.DataFrame:
    year = df["period"].dt.year
    keep = (year <= base_year) & ~year.isin(opts["panel_drop_years"]) & df["log_homicide_rate"].notna()
    keep &= ~((df["destination"] == OTIS[0]) & (df["period"] >= OTIS[1]))
    # destinations with a full pre-surge history (Culiacán's 21 months serve the event study)
    months = df.groupby("destination")["period"].transform("size")
    return df[keep & (months >= 60)].reset_index(drop=True)


def _seasons(df: pd.DataFrame) -> np.ndarray:
    """Destination x calendar-month codes on this sample, the first destination's months pooled into
    one level (see :func:`hotel_frame`: with month effects too, the design then has full rank)."""
    first = df["destination"] == df["destination"].min()
    return np.where(first, -1, df["season_id"])


def _codes(df: pd.DataFrame) -> pd.DataFrame:
    """The estimation frame the fit cache stores: RangeIndex, numbers only."""
    cols = ["log_occupancy", "log_homicide_rate", "advisory", "season_id", "time_id", "state_id"]
    out = df[cols].astype(float)
    out["season_id"] = pd.factorize(_seasons(df), sort=True)[0]
    for c in ("time_id", "state_id"):
        out[c] = pd.factorize(df[c], sort=True)[0]
    return out.reset_index(drop=True)


def _result(name: str, frame: pd.DataFrame, x: tuple[str, ...], dep: str, sample: str, wb: panel.WildBootstrap,
            extra: tuple[Diagnostic, ...], notes: tuple[str, ...]) -> EstimateResult:
    effects, cluster = ("season_id", "time_id"), "state_id"
    res = panel.fit_fe(frame, dep, x, effects, cluster)
    terms = list(x)
    return EstimateResult(
        name=name,
        method=("OLS with destination x calendar-month and month fixed effects (dummies); CR1 errors clustered by "
                f"state (t on G-1 = {wb.clusters - 1} df); wild cluster restricted bootstrap interval"),
        dependent=dep, sample=sample,
        params=res.params[terms], bse=res.bse[terms], cov_params_=res.cov_params().loc[terms, terms],
        nobs=int(res.nobs), df_resid=float(res.df_resid_inference), rsquared=float(res.rsquared),
        diagnostics=(wb.as_diagnostic(), *extra), notes=notes, use_t=True, _results=res,
        recipe=(panel.fit_fe, (frame, dep, x, effects, cluster)),
    )


def panel_model(data: Mapping[str, pd.Series], opts: Mapping[str, Any], base_year: int, *,
                advisory: bool = False) -> tuple[EstimateResult, panel.WildBootstrap]:
    """The destination panel (module docstring); with ``advisory`` the state's advisory level (the
    month before) enters as a second regressor on the months the advisory system existed (2018 on)."""
    df = _sample(panel.by_content(hotel_frame, data, HOTEL, opts["homicide_window"]), opts, base_year)
    if advisory:
        df = df[df["advisory"].notna()].reset_index(drop=True)
    frame = _codes(df)
    x = ("log_homicide_rate", "advisory") if advisory else ("log_homicide_rate",)
    y, X = panel.design(frame, "log_occupancy", x, ("season_id", "time_id"))
    wb = panel.wild_cluster_bootstrap(y.to_numpy(), X.to_numpy(), 0, frame["state_id"].to_numpy(),
                                      term="log_homicide_rate", reps=opts["bootstrap_reps"], level=0.90,
                                      seed=opts["bootstrap_seed"])
    dk = panel.driscoll_kraay(frame, "log_occupancy", x, ("season_id", "time_id"), "time_id", 3)
    dk_diag = Diagnostic("Driscoll-Kraay (3 lags)", float(dk.bse["log_homicide_rate"]),
                         float(dk.pvalues["log_homicide_rate"]), "log_homicide_rate = 0",
                         "standard error robust to correlation across destinations within a month (cross-check)")
    per = df["period"]
    dropped = ", ".join(str(y) for y in opts["panel_drop_years"])
    sample = (f"{per.min()}..{per.max()} (monthly), {df['destination'].nunique()} destinations in "
              f"{df['state'].nunique()} states")
    notes = (
        "Occupancy: SECTUR DataTur rooms occupied / rooms available (residents and non-residents together).",
        f"Homicide rate: SESNSP victims / CONAPO population, mean of the {opts['homicide_window']} months before.",
        f"Dropped: {dropped or 'no years'} (COVID); Acapulco from 2023-10 (Hurricane Otis).",
        ("Not pooled: shown to read the advisory level (its sign is discussed in docs/model.md)." if advisory else
         "The 90 % interval used for pooling is the wild cluster bootstrap's, not the CR1 t interval."),
    )
    name = "Tourism panel: hotel occupancy on state homicide rate" + (" and advisory level" if advisory else "")
    return _result(name, frame, x, "log_occupancy", sample, wb, (dk_diag,), notes), wb


# ----------------------------------------------------------------------------- Sinaloa surge
def _did_fit(df: pd.DataFrame, dep: str, treated: pd.Series) -> Any:
    """OLS of ``dep`` on treated x post (``treat_post``) and the destination-season and month effects."""
    from statsmodels.regression.linear_model import OLS

    frame = df.assign(treat_post=treated.astype(float), season_id=_seasons(df))
    yy, X = panel.design(frame, dep, ("treat_post",), ("season_id", "time_id"))
    return OLS(yy, X).fit()


def _did(df: pd.DataFrame, dep: str, treated: pd.Series) -> float:
    """The coefficient of treated x post (:func:`_did_fit`)."""
    return float(_did_fit(df, dep, treated).params["treat_post"])


def sinaloa_model(data: Mapping[str, pd.Series], opts: Mapping[str, Any]) -> EstimateResult:
    """The Sinaloa-surge Wald difference in differences (module docstring), with placebo errors.
    ``opts``: ``homicide_window`` (for the note), ``event_start`` (first month, default 2022-07, after
    the COVID recovery) and ``event_months`` (months from the surge, default 4: the data end 2024-12)."""
    w = opts.get("homicide_window", 12)
    df = panel.by_content(hotel_frame, data, HOTEL, 1)  # the surge is sudden: the previous month's rate
    start = pd.Period(opts.get("event_start", "2022-07"), "M")
    end = SURGE + int(opts.get("event_months", 4)) - 1
    df = df[(df["period"] >= start) & (df["period"] <= end)]
    df = df[~((df["destination"] == OTIS[0]) & (df["period"] >= OTIS[1]))].reset_index(drop=True)
    post = df["period"] >= SURGE
    treated = (df["state"] == SINALOA) & post
    res = _did_fit(df, "log_occupancy", treated)
    d_occ = float(res.params["treat_post"])
    rated = df["log_homicide_rate"].notna()  # months with no victims in a small state have no log rate
    d_hom = _did(df[rated].reset_index(drop=True), "log_homicide_rate", treated[rated].reset_index(drop=True))
    # placebos on the donors alone: with Sinaloa among the controls its collapse would lift every placebo
    donors = df[df["state"] != SINALOA].reset_index(drop=True)
    dpost = donors["period"] >= SURGE
    placebo = np.array([_did(donors, "log_occupancy", (donors["state"] == s) & dpost)
                        for s in sorted(donors["state"].unique())])
    se_occ = float(np.sqrt(np.mean(placebo ** 2)))  # placebo effects are centred on zero under no effect
    # randomisation p-value counting the actual assignment among the N + 1 (at least 1 / (N + 1))
    rank = float((1 + np.sum(np.abs(placebo) >= abs(d_occ))) / (len(placebo) + 1))
    elast = d_occ / d_hom
    se = se_occ / abs(d_hom)
    params = pd.Series({"elasticity": elast, "d_log_occupancy": d_occ, "d_log_homicide_rate": d_hom})
    bse = pd.Series({"elasticity": se, "d_log_occupancy": se_occ, "d_log_homicide_rate": np.nan})
    cov = pd.DataFrame(np.diag(bse.fillna(0.0) ** 2), index=params.index, columns=params.index)
    pre = df["period"] < SURGE
    fake = _did(df[pre].reset_index(drop=True), "log_occupancy",
                ((df["state"] == SINALOA) & (df["period"] >= SURGE - 4))[pre].reset_index(drop=True))
    diags = (
        Diagnostic("Placebo rank", d_occ, rank, "no effect on Sinaloa's destinations",
                   f"(1 + donor states with a placebo effect at least as large) / ({len(placebo)} donors + 1); "
                   "placebos estimated on the donors alone"),
        Diagnostic("Pre-trend (4 months before the surge as a fake event)", fake, None, "no effect before the surge",
                   "should be near zero if the donors are a fair comparison"),
    )
    return EstimateResult(
        name="Tourism event study: the Sinaloa violence surge (Wald difference in differences)",
        method=("OLS difference in differences for occupancy and for the homicide rate, ratio = elasticity; "
                f"standard errors from {len(placebo)} placebo states"),
        dependent="log_occupancy / log_homicide_rate",
        sample=f"{df['period'].min()}..{df['period'].max()} (monthly), treated Mazatlán and Culiacán from {SURGE}",
        params=params, bse=bse, cov_params_=cov, nobs=int(res.nobs), df_resid=float(len(placebo)), rsquared=None,
        diagnostics=diags,
        notes=(f"Homicide rate here: the previous month's (the surge is sudden); the panel uses a {w}-month mean.",
               ("The elasticity's standard error is the placebo error of the occupancy change over the rise in "
                "violence; the rise itself is treated as known (it is large and precise: the surge is the event)."),
               "A local, extreme shock: Culiacán is where the fighting is. It identifies how occupancy in the "
               "violent state itself responds, not how U.S. visitors to the coasts respond to national news."),
        use_t=True,
    )


def check_panel(data: Mapping[str, pd.Series], opts: Mapping[str, Any], base_year: int) -> list[DataProblem]:
    """What the panel and the event study need: positive rooms, homicide months before each hotel
    month, population for every state-year with victims, enough destination-months."""
    probs = []
    occ, avail = data["mx_hotel_occupied_rooms_monthly"], data["mx_hotel_available_rooms_monthly"]
    bad = avail[~(avail > 0)]
    if len(bad):
        probs.append(DataProblem("mx_hotel_available_rooms_monthly", "rooms available must be positive "
                                 f"(got {bad.iloc[0]:g} for {'/'.join(map(str, bad.index[0][:-1]))})",
                                 "correct or remove the row", period=bad.index[0]))
    missing = occ.index.difference(avail.index)
    if len(missing):
        probs.append(DataProblem("mx_hotel_available_rooms_monthly", "rooms available are missing for "
                                 f"{len(missing)} destination-months with rooms occupied, e.g. {missing[0]}",
                                 "give both files the same rows", period=missing[0]))
    vic, pop = data["mx_homicide_victims_state_monthly"], data["mx_population_state"]
    need = pd.MultiIndex.from_arrays([vic.index.get_level_values("state"), vic.index.get_level_values("period").year])
    lack = need.difference(pop.index)
    if len(lack):
        probs.append(DataProblem("mx_population_state", f"population is missing for state {lack[0][0]} in "
                                 f"{lack[0][1]}, a year with homicide victims", "add the row"))
    if (pop <= 0).any():
        probs.append(DataProblem("mx_population_state", "population must be positive", "correct the row",
                                 period=pop.index[int(np.argmax((pop <= 0).to_numpy()))]))
    if probs:
        return probs
    df = _sample(panel.by_content(hotel_frame, data, HOTEL, opts["homicide_window"]), opts, base_year)
    if df["state"].nunique() < 6 or len(df) < 200:
        probs.append(DataProblem(HOTEL[:3], f"the tourism panel needs at least 6 states and 200 destination-months "
                                 f"with a homicide rate up to {base_year}; the data give {df['state'].nunique()} "
                                 f"and {len(df)}", "extend the hotel or homicide files"))
    return probs


__all__ = ["state_rate", "hotel_frame", "panel_model", "sinaloa_model", "check_panel", "HOTEL"]
