"""Investment: forgone or delayed U.S. direct investment in Mexico (US$ bn per year, negative = less).

Impact(t) = I(t) * (exp(beta * ln(1 + r/100) * profile(t)) - 1)

I(t) = the U.S. FDI inflow to Mexico (Secretaría de Economía, latest value up to the base year) grown
at ``inflow_growth``; r the insecurity shock; beta the elasticity of U.S. investment to insecurity.
This is a flow of investment, not an operating cost: the cumulative impact is the shortfall of the
investment stock built up over the horizon (before depreciation).  beta is estimated where the data
allow: the data side of the pooled elasticity is the state panel of :mod:`impact.investment_panel`
(FDI received by state and quarter on the state's homicide rate, state and quarter effects, wild
cluster bootstrap interval); the national OLS of log FDI inflows on the log homicide rate (seven
first-release points, not identified) stays the channel's main model for transparency.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .. import investment_panel
from ..estimation import annual_index, ols_fit, regression_diagnostics
from ..results.estimates import BaselineForecast, DataEstimate, EstimateResult
from ..spec import ChannelSpec, OptionSpec, ParamSpec
from .base import (
    Channel,
    ChannelEffect,
    ChannelFit,
    DataProblem,
    EffectContext,
    first_non_positive,
    min_obs_problem,
    pool_data_estimates,
)
from .common import excel_profile, homicide_rate, homicide_rate_problems

SPEC = ChannelSpec(
    name="investment",
    parameters=(
        ParamSpec("elasticity", "elasticity", estimable=True, domain=(-20.0, 20.0)),
        ParamSpec("inflow_growth", "percent_per_year", domain=(-50.0, 100.0)),
        ParamSpec("half_life", "years", domain=(0.01, 100.0), meaning="a half-life must be positive"),
        ParamSpec("mx_va_share", "share", domain=(0.0, 1.0), meaning="a share of the investment"),
        ParamSpec("mx_jobs", "jobs_per_usd_m", domain=(0.0, 1000.0), meaning="jobs per dollar cannot be negative"),
    ),
    shocks=(
        ParamSpec("insecurity", "percent", domain=(-99.0, 10_000.0),
                  meaning="insecurity cannot fall by 100 % or more"),
    ),
    options=(
        OptionSpec("interval", float, 0.90, low=0.5, high=0.99, help="interval level shown for the baseline"),
        OptionSpec("fdi_window", int, 4, low=1, high=8,
                   help="quarters of state FDI summed for the panel's dependent variable (deals make quarters lumpy)"),
        OptionSpec("bootstrap_reps", int, 9999, low=99, high=99_999,
                   help="wild cluster bootstrap replications for the state panel's interval"),
        OptionSpec("bootstrap_seed", int, 20250220, low=0, high=2**31 - 1, help="seed of the wild cluster bootstrap"),
    ),
    data=("mx_fdi_inflows_total", "mx_homicide_rate_wdi", "mx_homicides_inegi", "mx_fdi_inflows_from_us",
          "mx_fdi_state_quarterly", "mx_homicide_victims_state_monthly", "mx_population_state"),
)

#: observations the investment regression needs at least (two coefficients, three degrees of freedom)
MIN_FDI_POINTS = 5


def check_data(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> list[DataProblem]:
    """A U.S. FDI inflow up to the base year, and enough positive FDI totals (with a homicide rate)
    for the investment regression."""
    base_year = settings.base_year
    probs = homicide_rate_problems(data)
    s = data["mx_fdi_inflows_from_us"]
    if s.index[0] > base_year:
        probs.append(DataProblem("mx_fdi_inflows_from_us", f"U.S. FDI inflows start in {s.index[0]}: there is no "
                                 f"value up to the base year {base_year}",
                                 f"add an earlier year or choose base year {s.index[0]} or later", period=s.index[0]))
    fdi = data["mx_fdi_inflows_total"]
    probs += first_non_positive(fdi.loc[:base_year], "mx_fdi_inflows_total", "FDI inflows")
    if probs:
        return probs
    rate, _ = homicide_rate(data)
    n = len(pd.DataFrame({"fdi": fdi.loc[:base_year], "rate": rate}).dropna())
    probs += min_obs_problem(n, MIN_FDI_POINTS, ("mx_fdi_inflows_total", "mx_homicide_rate_wdi", "mx_homicides_inegi"),
                             f"the investment regression (log FDI on log homicide rate, years up to {base_year})",
                             period=fdi.index[0])
    return probs + investment_panel.check_fdi_panel(data, options, base_year)


def fit(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> ChannelFit:
    base_year = settings.base_year
    fdi = data["mx_fdi_inflows_total"].loc[:base_year]
    rate, rate_note = homicide_rate(data)
    df = pd.DataFrame({"fdi": fdi, "rate": rate}).dropna()
    # dated and named, so statsmodels' own summary() shows the years and the regressor
    y = pd.Series(np.log(df["fdi"]).to_numpy(), index=annual_index(df.index), name="log_fdi_inflows")
    X = pd.DataFrame({"const": np.ones(len(df)), "log_homicide_rate": np.log(df["rate"]).to_numpy()}, index=y.index)
    res = ols_fit(y, X)
    main = EstimateResult(
        name="Investment response to insecurity: log FDI inflows on log homicide rate",
        method="OLS, classical standard errors (too few observations for HAC)",
        dependent="log(FDI inflows to Mexico, US$ bn, first release)",
        sample=", ".join(str(i) for i in df.index), params=res.params, bse=res.bse, cov_params_=res.cov_params(),
        nobs=int(res.nobs), df_resid=float(res.df_resid), rsquared=float(res.rsquared),
        diagnostics=regression_diagnostics(res, stationarity=False), use_t=bool(res.use_t),
        recipe=(ols_fit, (y, X)),
        notes=("Seven first-release points of mixed vintage (Secretaría de Economía): the elasticity is not "
               "identified; the data side of the pooled elasticity is the state panel (next model), and "
               "this estimate is reported for transparency.", rate_note),
        _results=res,
    )
    pmodel, wb = investment_panel.fdi_panel_model(data, options, base_year)
    data_est = DataEstimate("log_homicide_rate (state panel)", wb.estimate, wb.se_equivalent,
                            f"state FDI panel: {wb.estimate:.4f} (wild cluster bootstrap 90 % interval {wb.lower:.4f} "
                            f"to {wb.upper:.4f}; se-equivalent {wb.se_equivalent:.4f})",
                            usable=bool(np.isfinite(wb.se_equivalent)))  # unbounded interval: the prior alone
    s = data["mx_fdi_inflows_from_us"].loc[:base_year]
    fdi_year, fdi_us = int(s.index.max()), float(s.iloc[-1])
    return ChannelFit(
        channel="investment", main=main, models={"panel": pmodel}, pooled={}, baseline=None,
        constants={"fdi_us_bn": fdi_us, "fdi_year": fdi_year, "years": tuple(settings.years), "base_year": base_year,
                   "interval": float(options["interval"])},
        notes=(f"U.S. FDI inflow {fdi_us:.2f} bn ({fdi_year}, Secretaría de Economía, first release).",),
        data_estimates={"elasticity": data_est},
    )


def calibrate(fit: ChannelFit, block: Any) -> ChannelFit:
    """Pool the elasticity with its prior; the baseline is the latest U.S. inflow grown at ``inflow_growth``."""
    c = fit.constants
    g = block.parameters["inflow_growth"].value / 100
    path = np.array([c["fdi_us_bn"] * (1 + g) ** (t - c["fdi_year"]) for t in c["years"]])
    baseline = BaselineForecast(
        "investment", tuple(c["years"]), path, path.copy(), path.copy(), c["interval"], "US$ bn",
        method="latest U.S. FDI inflow grown at a constant rate (assumptions); uncertainty from the assumption ranges",
        data="U.S. FDI inflows to Mexico: Secretaría de Economía (first releases)",
    )
    return replace(fit, pooled=pool_data_estimates(fit, block), baseline=baseline)


def effect(ctx: EffectContext) -> ChannelEffect:
    p, s, c = ctx.params, ctx.shocks, ctx.constants
    t = ctx.years[None, :].astype(float)
    inflow = c["fdi_us_bn"] * (1.0 + p["inflow_growth"][:, None] / 100.0) ** (t - c["fdi_year"])
    prof = ctx.profile("insecurity", p["half_life"])
    impact = inflow * np.expm1(p["elasticity"][:, None] * np.log1p(s["insecurity"] / 100.0)[:, None] * prof)
    comps = {"forgone investment": impact} if ctx.components else {}
    return ChannelEffect(impact=impact, baseline=inflow, components=comps)


def excel_formula(refs: Mapping[str, str], year: str, timings: Mapping[str, str]) -> str:
    prof = excel_profile("insecurity", refs, year, timings, refs["half_life"])
    return (f"={refs['fdi_us_bn']}*(1+{refs['inflow_growth']}/100)^({year}-{refs['fdi_year']})"
            f"*(EXP({refs['elasticity']}*LN(1+{refs['insecurity']}/100)*{prof})-1)")


#: value-added pass-through (impact.passthrough): Mexican GDP per US$ of forgone investment, jobs per US$ 1 m of it
PASSTHROUGH = {"mx_gdp": lambda p: p["mx_va_share"], "mx_jobs": lambda p: p["mx_va_share"] * p["mx_jobs"]}

PASSTHROUGH_NOTE = ('Mexico GDP = change x mx_va_share (the part spent on construction and Mexican-made equipment); '
                    'Mexico jobs = that GDP x mx_jobs. No U.S. effect counted: the capital is not lost to its U.S. '
                    'owners.')


CHANNEL = Channel(spec=SPEC, label="U.S. direct investment in Mexico", fit=fit, calibrate=calibrate, effect=effect,
                  passthrough=PASSTHROUGH, passthrough_note=PASSTHROUGH_NOTE,
                  check_data=check_data, excel_formula=excel_formula, monotone=("insecurity",),
                  presented_as=("change in U.S. direct-investment inflows (negative = less investment)", 1))
