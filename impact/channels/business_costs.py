"""Business costs: extra costs of U.S. firms operating in Mexico (US$ bn, shown as negative impacts).

Cost(t) = operating-cost base(t) * (compliance uplift + security share * security increase)
        + expected legal exposure (criminal penalties on extortion payments + civil damages)
        + financing/insurance premium * U.S. direct-investment position(t)
        + forgone U.S. investment = investment inflow(t) * (1 - (1 + r/100)^beta) * profile(t)

The operating-cost base B(t) = base * (1 + g)^(t - base year) comes from the assumption files (no
official operating-cost series is bundled); the investment position (BEA USDIA) and the U.S. FDI
inflow (Secretaría de Economía) come from the data pack and grow at the same rate g.  beta, the
elasticity of U.S. investment in Mexico to insecurity, is estimated where the data allow (OLS of
log FDI inflows on the log homicide rate); with seven first-release points it is not identified,
so the default uses the prior (stated in the assumption file and the report).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

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
    name="business_costs",
    parameters=(
        ParamSpec("operating_cost_base", "usd_bn", domain=(0.0, 100_000.0)),
        ParamSpec("operating_cost_growth", "percent_per_year", domain=(-50.0, 100.0)),
        ParamSpec("security_share", "percent", domain=(0.0, 100.0), meaning="a share of operating costs"),
        ParamSpec("firms", "count", domain=(0.0, 1e8)),
        ParamSpec("extortion_share", "percent", domain=(0.0, 100.0), meaning="a share of firms"),
        ParamSpec("extortion_payment", "usd_k", domain=(0.0, 1e6)),
        ParamSpec("penalty_multiple", "ratio", domain=(0.0, 10_000.0)),
        ParamSpec("civil_damages", "usd_m", domain=(0.0, 1e6)),
        ParamSpec("investment_elasticity", "elasticity", estimable=True, domain=(-20.0, 20.0)),
        ParamSpec("half_life", "years", domain=(0.01, 100.0), meaning="a half-life must be positive"),
    ),
    shocks=(
        ParamSpec("compliance_uplift", "pp", domain=(-100.0, 100.0)),
        ParamSpec("security_increase", "percent", domain=(-100.0, 10_000.0)),
        ParamSpec("prosecution_probability", "percent", domain=(0.0, 100.0), meaning="a probability"),
        ParamSpec("civil_suit_probability", "percent", domain=(0.0, 100.0), meaning="a probability"),
        ParamSpec("financing_premium", "bp", domain=(-10_000.0, 10_000.0)),
        ParamSpec("insecurity", "percent", domain=(-99.0, 10_000.0),
                  meaning="insecurity cannot fall by 100 % or more"),
    ),
    options=(
        OptionSpec("interval", float, 0.90, low=0.5, high=0.99, help="interval level shown for the baseline"),
    ),
    data=("mx_fdi_inflows_total", "mx_homicide_rate_wdi", "mx_homicides_inegi", "us_di_position_mexico",
          "mx_fdi_inflows_from_us"),
)


def _latest(s: pd.Series, year: int) -> tuple[int, float]:
    s = s.loc[:year]
    return int(s.index.max()), float(s.iloc[-1])


#: observations the investment regression needs at least (two coefficients, three degrees of freedom)
MIN_FDI_POINTS = 5


def check_data(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> list[DataProblem]:
    """An investment position and a U.S. FDI inflow up to the base year, and enough positive FDI totals
    (with a homicide rate) for the investment regression."""
    base_year = settings.base_year
    probs = homicide_rate_problems(data)
    for sid, what in (("us_di_position_mexico", "the U.S. direct-investment position"),
                      ("mx_fdi_inflows_from_us", "U.S. FDI inflows")):
        s = data[sid]
        if s.index[0] > base_year:
            probs.append(DataProblem(sid, f"{what} starts in {s.index[0]}: there is no value up to the base year "
                                     f"{base_year}", f"add an earlier year or choose base year {s.index[0]} or later",
                                     period=s.index[0]))
    fdi = data["mx_fdi_inflows_total"]
    probs += first_non_positive(fdi.loc[:base_year], "mx_fdi_inflows_total", "FDI inflows")
    if probs:
        return probs
    rate, _ = homicide_rate(data)
    n = len(pd.DataFrame({"fdi": fdi.loc[:base_year], "rate": rate}).dropna())
    probs += min_obs_problem(n, MIN_FDI_POINTS, ("mx_fdi_inflows_total", "mx_homicide_rate_wdi", "mx_homicides_inegi"),
                             f"the investment regression (log FDI on log homicide rate, years up to {base_year})",
                             period=fdi.index[0])
    return probs


def fit(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> ChannelFit:
    from statsmodels.tools.tools import add_constant  # not statsmodels.api: 0.2 s of imports a run does not use

    base_year = settings.base_year
    years = settings.years
    fdi = data["mx_fdi_inflows_total"].loc[:base_year]
    rate, rate_note = homicide_rate(data)
    df = pd.DataFrame({"fdi": fdi, "rate": rate}).dropna()
    # dated and named, so statsmodels' own summary() shows the years and the regressor
    y = pd.Series(np.log(df["fdi"]).to_numpy(), index=annual_index(df.index), name="log_fdi_inflows")
    X = add_constant(pd.DataFrame({"log_homicide_rate": np.log(df["rate"]).to_numpy()}, index=y.index))
    res = ols_fit(y, X)
    main = EstimateResult(
        name="Investment response to insecurity: log FDI inflows on log homicide rate",
        method="OLS, classical standard errors (too few observations for HAC)",
        dependent="log(FDI inflows to Mexico, US$ bn, first release)",
        sample=", ".join(str(i) for i in df.index), params=res.params, bse=res.bse, cov_params_=res.cov_params(),
        nobs=int(res.nobs), df_resid=float(res.df_resid), rsquared=float(res.rsquared),
        diagnostics=regression_diagnostics(res, stationarity=False), use_t=bool(res.use_t),
        recipe=(ols_fit, (y, X)),
        notes=(
            "Seven first-release points of mixed vintage (Secretaría de Economía): the elasticity is not identified; "
            "the default assumption uses the literature prior and reports this estimate for transparency.",
            rate_note,
        ),
        _results=res,
    )
    data_est = DataEstimate("log_homicide_rate", float(res.params["log_homicide_rate"]),
                            float(res.bse["log_homicide_rate"]), "coefficient on log_homicide_rate")
    di_year, di = _latest(data["us_di_position_mexico"], base_year)
    fdi_year, fdi_us = _latest(data["mx_fdi_inflows_from_us"], base_year)
    return ChannelFit(
        channel="business_costs", main=main, models={}, pooled={}, baseline=None,
        constants={"di_position_bn": di / 1000.0, "di_year": di_year, "fdi_us_bn": fdi_us, "fdi_year": fdi_year,
                   "years": tuple(years), "base_year": base_year, "interval": float(options["interval"])},
        notes=(f"Investment position {di / 1000:.1f} bn ({di_year}, BEA); U.S. FDI inflow {fdi_us:.2f} bn ({fdi_year}).",),
        data_estimates={"investment_elasticity": data_est},
    )


def calibrate(fit: ChannelFit, block: Any) -> ChannelFit:
    """Pool the investment elasticity with its prior; the baseline is the operating-cost base of the
    assumption file grown at its rate (no official series of affiliates' operating costs is bundled)."""
    c = fit.constants
    years, base_year = c["years"], c["base_year"]
    base = block.parameters["operating_cost_base"].value
    g = block.parameters["operating_cost_growth"].value / 100
    path = np.array([base * (1 + g) ** (t - base_year) for t in years])
    baseline = BaselineForecast(
        "business_costs", tuple(years), path, path.copy(), path.copy(), c["interval"], "US$ bn",
        method="operating-cost base grown at a constant rate (assumptions); uncertainty from the assumption ranges",
        data="operating-cost base: assumption file; investment position: BEA USDIA; FDI inflows: Secretaría de Economía",
    )
    return replace(fit, pooled=pool_data_estimates(fit, block), baseline=baseline)


def effect(ctx: EffectContext) -> ChannelEffect:
    p, s, c = ctx.params, ctx.shocks, ctx.constants
    t = ctx.years[None, :].astype(float)
    base_year = float(ctx.years[0] - 1)
    g = 1.0 + p["operating_cost_growth"][:, None] / 100.0
    grow = g ** (t - base_year)                      # (draws, years), shared by every dollar base below
    base = p["operating_cost_base"][:, None] * grow
    hl = p["half_life"]

    def part(name: str) -> np.ndarray:
        return ctx.timed(name, hl)

    compliance = base * part("compliance_uplift") / 100.0
    security = base * p["security_share"][:, None] / 100.0 * part("security_increase") / 100.0
    paying = p["firms"][:, None] * p["extortion_share"][:, None] / 100.0
    criminal = paying * p["extortion_payment"][:, None] * 1e-6 * p["penalty_multiple"][:, None] * part("prosecution_probability") / 100.0
    civil = paying * part("civil_suit_probability") / 100.0 * p["civil_damages"][:, None] / 1000.0
    position = c["di_position_bn"] * g ** (base_year - c["di_year"]) * grow
    financing = position * part("financing_premium") / 1e4
    inflow = c["fdi_us_bn"] * g ** (base_year - c["fdi_year"]) * grow
    prof = ctx.profile("insecurity", hl)
    forgone = -inflow * np.expm1(p["investment_elasticity"][:, None] * np.log1p(s["insecurity"] / 100.0)[:, None] * prof)
    comps = {"compliance and due diligence": -compliance, "security": -security, "criminal penalties": -criminal,
             "civil damages": -civil, "financing premium": -financing,
             "forgone investment": -forgone} if ctx.components else {}
    impact = -(compliance + security + criminal + civil + financing + forgone)
    return ChannelEffect(impact=impact, baseline=base, components=comps)


def excel_formula(refs: Mapping[str, str], year: str, timings: Mapping[str, str]) -> str:
    hl = refs["half_life"]

    def part(name: str) -> str:
        return f"({refs[name]}*{excel_profile(name, refs, year, timings, hl)})"

    g = f"(1+{refs['operating_cost_growth']}/100)"
    base = f"{refs['operating_cost_base']}*{g}^({year}-{refs['base_year']})"
    paying = f"{refs['firms']}*{refs['extortion_share']}/100"
    terms = [
        f"{base}*{part('compliance_uplift')}/100",
        f"{base}*{refs['security_share']}/100*{part('security_increase')}/100",
        f"{paying}*{refs['extortion_payment']}*0.000001*{refs['penalty_multiple']}*{part('prosecution_probability')}/100",
        f"{paying}*{part('civil_suit_probability')}/100*{refs['civil_damages']}/1000",
        f"{refs['di_position_bn']}*{g}^({year}-{refs['di_year']})*{part('financing_premium')}/10000",
        (f"-{refs['fdi_us_bn']}*{g}^({year}-{refs['fdi_year']})*(EXP({refs['investment_elasticity']}"
         f"*LN(1+{refs['insecurity']}/100)*{excel_profile('insecurity', refs, year, timings, hl)})-1)"),
    ]
    return "=-(" + "+".join(f"({x})" for x in terms) + ")"


CHANNEL = Channel(spec=SPEC, label="Extra costs of U.S. businesses in Mexico", fit=fit, calibrate=calibrate, effect=effect,
                  check_data=check_data,
                  excel_formula=excel_formula,
                  presented_as=("additional cost to U.S. businesses (positive = higher cost; counted as a loss in "
                                "the total)", -1),
                  monotone=("compliance_uplift", "security_increase", "prosecution_probability", "civil_suit_probability",
                            "financing_premium"))
