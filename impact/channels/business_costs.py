"""Business costs: extra operating costs of U.S. firms in Mexico (US$ bn; negative impacts = higher costs).

Cost(t) = B(t) * (1 - export share) * compliance uplift
        + B(t) * security share * security increase
        + corporate prosecutions per year * fines and forfeiture per case
        + lost Anti-Terrorism Act suits per year * damages per suit
        + (financing/insurance premium + pass-through * correspondent de-risking)
          * U.S. direct-investment position(t)

B(t) = operating-cost base * (1 + g)^(t - base year).  The compliance uplift applies to the part of
the affiliates' costs not spent producing exports to the U.S.: the imports channel already charges
compliance on those (ad valorem), so it is charged once.  Legal exposure is counted in cases per
year, scaled to the record of corporate terrorism-financing prosecutions and suits (the assumption
files give the cases and their arithmetic).  Forgone investment is not an operating cost: it is the
investment channel.  Correspondent de-risking (% of U.S. correspondent relationships with Mexican
banks lost) is the shock the imports and remittances channels also read: here it adds basis points
to the financing premium.

Estimator: the growth g of the cost base is the mean log growth of U.S. imports from Mexico (the
base is derived by scaling affiliates' sales with those imports), OLS on a constant with HAC
standard errors, pooled with a prior from the growth of the BEA investment position.
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
from .common import excel_profile

SPEC = ChannelSpec(
    name="business_costs",
    parameters=(
        ParamSpec("operating_cost_base", "usd_bn", domain=(0.0, 100_000.0)),
        ParamSpec("operating_cost_growth", "percent_per_year", estimable=True, domain=(-50.0, 100.0)),
        ParamSpec("export_share", "percent", domain=(0.0, 100.0), meaning="a share of operating costs"),
        ParamSpec("security_share", "percent", domain=(0.0, 100.0), meaning="a share of operating costs"),
        ParamSpec("penalty_per_case", "usd_m", domain=(0.0, 1e7)),
        ParamSpec("civil_damages", "usd_m", domain=(0.0, 1e7)),
        ParamSpec("half_life", "years", domain=(0.01, 100.0), meaning="a half-life must be positive"),
        ParamSpec("derisking_premium", "bp_per_percent", domain=(0.0, 1000.0),
                  meaning="de-risking cannot lower the cost of finance"),
        ParamSpec("us_owner_share", "share", domain=(0.0, 1.0), meaning="a share of the extra cost"),
    ),
    shocks=(
        ParamSpec("compliance_uplift", "pp", domain=(-100.0, 100.0)),
        ParamSpec("security_increase", "percent", domain=(-100.0, 10_000.0)),
        ParamSpec("corporate_prosecutions", "count_per_year", domain=(0.0, 10_000.0),
                  meaning="a number of cases cannot be negative"),
        ParamSpec("lost_civil_suits", "count_per_year", domain=(0.0, 10_000.0),
                  meaning="a number of suits cannot be negative"),
        ParamSpec("financing_premium", "bp", domain=(-10_000.0, 10_000.0)),
        ParamSpec("correspondent_derisking", "percent", domain=(0.0, 100.0), meaning="a share of relationships"),
    ),
    options=(
        OptionSpec("growth_start", int, 2010, low=1986, high=2100,
                   help="first year of the import growth the cost base grows with"),
        OptionSpec("hac_maxlags", int, 2, low=0, high=10, help="Newey-West lags of the growth regression"),
        OptionSpec("interval", float, 0.90, low=0.5, high=0.99, help="interval level shown for the baseline"),
    ),
    data=("us_imports_mexico_annual", "us_di_position_mexico"),
)

#: years of import growth the growth regression needs at least
MIN_GROWTH_YEARS = 5


def _latest(s: pd.Series, year: int) -> tuple[int, float]:
    s = s.loc[:year]
    return int(s.index.max()), float(s.iloc[-1])


def check_data(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> list[DataProblem]:
    """Positive annual imports from ``growth_start`` to the base year, and an investment position up to it."""
    base_year = settings.base_year
    imp = data["us_imports_mexico_annual"].loc[options["growth_start"]:base_year]
    probs = first_non_positive(imp, "us_imports_mexico_annual", "annual imports")
    probs += min_obs_problem(len(imp) - 1, MIN_GROWTH_YEARS, "us_imports_mexico_annual",
                             f"the growth of the cost base (import growth {options['growth_start']}-{base_year})",
                             period=imp.index[0] if len(imp) else None, option="growth_start")
    pos = data["us_di_position_mexico"]
    if pos.index[0] > base_year:
        probs.append(DataProblem("us_di_position_mexico", f"the U.S. direct-investment position starts in "
                                 f"{pos.index[0]}: there is no value up to the base year {base_year}",
                                 f"add an earlier year or choose base year {pos.index[0]} or later", period=pos.index[0]))
    return probs


def fit(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> ChannelFit:
    base_year = settings.base_year
    imp = data["us_imports_mexico_annual"].loc[options["growth_start"]:base_year]
    growth = np.log(imp).diff().dropna()
    y = pd.Series(growth.to_numpy(), index=annual_index(growth.index), name="dlog_imports")
    X = pd.DataFrame({"const": np.ones(len(y))}, index=y.index)
    res = ols_fit(y, X, "HAC", options["hac_maxlags"])
    main = EstimateResult(
        name="Growth of the cost base: mean log growth of U.S. imports from Mexico",
        method=f"OLS on a constant, Newey-West HAC standard errors ({options['hac_maxlags']} lags)",
        dependent="change in log U.S. imports from Mexico (annual, Census)",
        sample=f"{growth.index[0]}-{growth.index[-1]} ({len(y)} years)", params=res.params, bse=res.bse,
        cov_params_=res.cov_params(), nobs=int(res.nobs), df_resid=None, rsquared=None,
        diagnostics=regression_diagnostics(res, hetero=False, stationarity=False), use_t=bool(res.use_t),
        recipe=(ols_fit, (y, X, "HAC", options["hac_maxlags"])),
        notes=("The cost base is derived by scaling affiliates' sales with U.S. imports from Mexico, so it grows "
               "with them; the estimate is pooled with the growth of the BEA investment position (prior).",),
        _results=res,
    )
    b, se = float(res.params["const"]), float(res.bse["const"])
    growth = DataEstimate("const", 100 * np.expm1(b), 100 * np.exp(b) * se,
                          "mean log growth of imports, in % per year (delta method)")
    di_year, di = _latest(data["us_di_position_mexico"], base_year)
    return ChannelFit(
        channel="business_costs", main=main, models={}, pooled={}, baseline=None,
        constants={"di_position_bn": di / 1000.0, "di_year": di_year, "years": tuple(settings.years),
                   "base_year": base_year, "interval": float(options["interval"])},
        notes=(f"Investment position {di / 1000:.1f} bn ({di_year}, BEA).",),
        data_estimates={"operating_cost_growth": growth},
    )


def calibrate(fit: ChannelFit, block: Any) -> ChannelFit:
    """Pool the cost-base growth with its prior; the baseline is the operating-cost base of the
    assumption file grown at the pooled rate (no official series of affiliates' costs is bundled)."""
    fit = replace(fit, pooled=pool_data_estimates(fit, block))
    c = fit.constants
    years, base_year = c["years"], c["base_year"]
    base = block.parameters["operating_cost_base"].value
    g = fit.pooled["operating_cost_growth"].value / 100
    path = np.array([base * (1 + g) ** (t - base_year) for t in years])
    baseline = BaselineForecast(
        "business_costs", tuple(years), path, path.copy(), path.copy(), c["interval"], "US$ bn",
        method="operating-cost base grown at the pooled growth rate; uncertainty from the assumption ranges",
        data="operating-cost base: assumption file (derived); growth: Census imports and BEA USDIA position",
    )
    return replace(fit, baseline=baseline)


def effect(ctx: EffectContext) -> ChannelEffect:
    p, c = ctx.params, ctx.constants
    t = ctx.years[None, :].astype(float)
    base_year = float(ctx.years[0] - 1)
    g = 1.0 + p["operating_cost_growth"][:, None] / 100.0
    grow = g ** (t - base_year)                      # (draws, years), shared by every dollar base below
    base = p["operating_cost_base"][:, None] * grow
    hl = p["half_life"]

    def part(name: str) -> np.ndarray:
        return ctx.timed(name, hl)

    domestic = base * (1.0 - p["export_share"][:, None] / 100.0)
    compliance = domestic * part("compliance_uplift") / 100.0
    security = base * p["security_share"][:, None] / 100.0 * part("security_increase") / 100.0
    criminal = part("corporate_prosecutions") * p["penalty_per_case"][:, None] / 1000.0
    civil = part("lost_civil_suits") * p["civil_damages"][:, None] / 1000.0
    position = c["di_position_bn"] * g ** (base_year - c["di_year"]) * grow
    premium = part("financing_premium") + p["derisking_premium"][:, None] * part("correspondent_derisking")
    financing = position * premium / 1e4
    comps = {"compliance and due diligence": -compliance, "security": -security, "criminal penalties": -criminal,
             "civil damages": -civil, "financing premium": -financing} if ctx.components else {}
    impact = -(compliance + security + criminal + civil + financing)
    return ChannelEffect(impact=impact, baseline=base, components=comps)


def excel_formula(refs: Mapping[str, str], year: str, timings: Mapping[str, str]) -> str:
    hl = refs["half_life"]

    def part(name: str) -> str:
        return f"({refs[name]}*{excel_profile(name, refs, year, timings, hl)})"

    g = f"(1+{refs['operating_cost_growth']}/100)"
    base = f"{refs['operating_cost_base']}*{g}^({year}-{refs['base_year']})"
    terms = [
        f"{base}*(1-{refs['export_share']}/100)*{part('compliance_uplift')}/100",
        f"{base}*{refs['security_share']}/100*{part('security_increase')}/100",
        f"{part('corporate_prosecutions')}*{refs['penalty_per_case']}/1000",
        f"{part('lost_civil_suits')}*{refs['civil_damages']}/1000",
        f"{refs['di_position_bn']}*{g}^({refs['base_year']}-{refs['di_year']})*{g}^({year}-{refs['base_year']})"
        f"*({part('financing_premium')}+{refs['derisking_premium']}*{part('correspondent_derisking')})/10000",
    ]
    return "=-(" + "+".join(f"({x})" for x in terms) + ")"


#: value-added pass-through (impact.passthrough): the share of the extra cost U.S. owners bear
PASSTHROUGH = {"us_va": lambda p: p["us_owner_share"]}

PASSTHROUGH_NOTE = ("U.S. value added and owners' income = change x us_owner_share (the extra cost lowers U.S. owners' "
                    'income). No Mexico GDP effect: payments to security and compliance providers, extortion and fines '
                    'move income within the accounts, they are not production lost. No jobs: a cost to owners, not a '
                    'change in output.')


CHANNEL = Channel(spec=SPEC, label="Extra costs of U.S. businesses in Mexico", fit=fit, calibrate=calibrate, effect=effect,
                  passthrough=PASSTHROUGH, passthrough_note=PASSTHROUGH_NOTE,
                  check_data=check_data,
                  excel_formula=excel_formula,
                  presented_as=("additional cost to U.S. businesses (positive = higher cost; counted as a loss in "
                                "the total)", -1),
                  monotone=("compliance_uplift", "security_increase", "corporate_prosecutions", "lost_civil_suits",
                            "financing_premium", "correspondent_derisking"))
