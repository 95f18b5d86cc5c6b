"""Official finance: U.S. assistance and multilateral lending to Mexico put at risk by decertification
(US$ bn per year; negative = less official finance for Mexico).

Impact(t) = -(A * aid suspension + (W + D) * MDB lending blocked) / 1000 * profile(t)

A = U.S. foreign-assistance obligations to Mexico (ForeignAssistance.gov), W = World Bank commitments,
D = IDB approvals (US$ m per year, an assumption with its range).  The law (Foreign Assistance Act
sections 489-490, 22 U.S.C. 2291j and 2291j-1): for a country found to have "failed demonstrably",
U.S. assistance is withheld unless the President determines it "vital to the national interests"
(the waiver), and U.S. executive directors vote against its loans at the multilateral development
banks; the U.S. cannot block those loans alone, so the share blocked is a judgment with a wide range.
No trade effect follows from certification itself: trade effects come only through other measures.

Estimator: the mean annual flow of each series (OLS on a constant), with a prediction interval for
a single year; the baseline is flat in nominal dollars at those means (official flows have no trend
in these samples).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..estimation import annual_index, ols_fit
from ..results.estimates import BaselineForecast, EstimateResult
from ..spec import ChannelSpec, OptionSpec, ParamSpec
from .base import Channel, ChannelEffect, ChannelFit, DataProblem, EffectContext, min_obs_problem
from .common import excel_profile

SPEC = ChannelSpec(
    name="official_finance",
    parameters=(
        ParamSpec("idb_lending", "usd_m", domain=(0.0, 1e7)),
        ParamSpec("mx_gdp_multiplier", "ratio", domain=(0.0, 5.0), meaning="a multiplier between 0 and 5"),
        ParamSpec("mx_jobs", "jobs_per_usd_m", domain=(0.0, 1000.0), meaning="jobs per dollar cannot be negative"),
    ),
    shocks=(
        ParamSpec("aid_suspension", "percent", domain=(0.0, 100.0), meaning="a share of assistance"),
        ParamSpec("mdb_lending_blocked", "percent", domain=(0.0, 100.0), meaning="a share of lending"),
    ),
    options=(
        OptionSpec("interval", float, 0.90, low=0.5, high=0.99, help="interval level of a single year's flow"),
    ),
    data=("us_aid_obligations_mexico", "wb_commitments_mexico"),
)

MIN_YEARS = 3


def check_data(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> list[DataProblem]:
    """At least three years of each official flow up to the base year."""
    probs = []
    for sid, what in (("us_aid_obligations_mexico", "the mean of U.S. assistance"),
                      ("wb_commitments_mexico", "the mean of World Bank lending")):
        s = data[sid].loc[:settings.base_year]
        probs += min_obs_problem(len(s), MIN_YEARS, sid, f"{what} (years up to {settings.base_year})",
                                 period=data[sid].index[0])
    return probs


def _mean_model(s: pd.Series, name: str, level: float) -> tuple[EstimateResult, float, float, float]:
    """OLS of the flow on a constant: the result, the mean and a ``level`` prediction interval (US$ m)."""
    y = pd.Series(s.to_numpy(dtype=float), index=annual_index(s.index), name=name)
    X = pd.DataFrame({"const": np.ones(len(y))}, index=y.index)
    res = ols_fit(y, X)
    lo, hi = res.get_prediction(np.ones((1, 1))).conf_int(obs=True, alpha=1 - level)[0]
    est = EstimateResult(
        name=f"Mean annual {name.replace('_', ' ')} (US$ m)", method="OLS on a constant, classical standard errors",
        dependent=f"{name.replace('_', ' ')}, US$ m", sample=f"{s.index[0]}-{s.index[-1]} ({len(y)} years)",
        params=res.params, bse=res.bse, cov_params_=res.cov_params(), nobs=int(res.nobs), df_resid=float(res.df_resid),
        rsquared=None, diagnostics=(), use_t=bool(res.use_t), recipe=(ols_fit, (y, X)), _results=res,
        notes=(f"{round(100 * level)}% prediction interval of a single year: {lo:,.0f} to {hi:,.0f} US$ m.",),
    )
    return est, float(res.params["const"]), float(lo), float(hi)


def fit(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> ChannelFit:
    level = float(options["interval"])
    aid, a, a_lo, a_hi = _mean_model(data["us_aid_obligations_mexico"].loc[:settings.base_year], "us_assistance", level)
    wb, w, w_lo, w_hi = _mean_model(data["wb_commitments_mexico"].loc[:settings.base_year], "world_bank_lending",
                                    level)
    return ChannelFit(
        channel="official_finance", main=aid, models={"world_bank": wb}, pooled={}, baseline=None,
        constants={"aid_m": a, "wb_m": w, "aid_interval": (a_lo, a_hi), "wb_interval": (w_lo, w_hi),
                   "years": tuple(settings.years), "interval": level},
        notes=(f"U.S. assistance {a:,.0f} m and World Bank commitments {w:,.0f} m a year on average "
               "(the years bundled up to the base year).",),
    )


def calibrate(fit: ChannelFit, block: Any) -> ChannelFit:
    """The baseline: mean U.S. assistance + mean World Bank commitments + IDB approvals, US$ bn, flat."""
    c = fit.constants
    idb = block.parameters["idb_lending"].value
    years = c["years"]
    central = np.full(len(years), (c["aid_m"] + c["wb_m"] + idb) / 1000.0)
    lo = np.full(len(years), (c["aid_interval"][0] + c["wb_interval"][0] + idb) / 1000.0)
    hi = np.full(len(years), (c["aid_interval"][1] + c["wb_interval"][1] + idb) / 1000.0)
    baseline = BaselineForecast(
        "official_finance", tuple(years), central, np.maximum(lo, 0.0), hi, c["interval"], "US$ bn",
        method="mean annual flows (OLS on a constant) plus IDB approvals (assumption); band: single-year prediction "
               "intervals of the two estimated flows (shown, not drawn)",
        data="ForeignAssistance.gov obligations; World Bank commitments; IDB approvals (assumption file)",
    )
    return replace(fit, baseline=baseline)


def effect(ctx: EffectContext) -> ChannelEffect:
    p, c = ctx.params, ctx.constants
    ones = np.ones((1, len(ctx.years)))
    aid = c["aid_m"] / 1000.0 * ones
    mdb = (c["wb_m"] + p["idb_lending"][:, None]) / 1000.0 * ones
    lost_aid = aid * ctx.timed("aid_suspension", 1.0) / 100.0
    lost_mdb = mdb * ctx.timed("mdb_lending_blocked", 1.0) / 100.0
    comps = {"U.S. assistance withheld": -lost_aid, "multilateral lending blocked": -lost_mdb} if ctx.components else {}
    return ChannelEffect(impact=-(lost_aid + lost_mdb), baseline=aid + mdb, components=comps)


def excel_formula(refs: Mapping[str, str], year: str, timings: Mapping[str, str]) -> str:
    def part(name: str) -> str:
        return f"({refs[name]}*{excel_profile(name, refs, year, timings, '1')})"

    return (f"=-({refs['aid_m']}/1000*{part('aid_suspension')}/100"
            f"+({refs['wb_m']}+{refs['idb_lending']})/1000*{part('mdb_lending_blocked')}/100)")


#: value-added pass-through (impact.passthrough): Mexican GDP per US$ of official finance lost
PASSTHROUGH = {"mx_gdp": lambda p: p["mx_gdp_multiplier"], "mx_jobs": lambda p: p["mx_gdp_multiplier"] * p["mx_jobs"]}

PASSTHROUGH_NOTE = ('Mexico GDP = change x mx_gdp_multiplier; Mexico jobs = that GDP x mx_jobs. No U.S. value added: '
                    'withheld aid is a U.S. budget saving, not U.S. production.')


CHANNEL = Channel(spec=SPEC, label="U.S. assistance and multilateral lending to Mexico", fit=fit, calibrate=calibrate,
                  passthrough=PASSTHROUGH, passthrough_note=PASSTHROUGH_NOTE,
                  effect=effect, check_data=check_data, excel_formula=excel_formula,
                  monotone=("aid_suspension", "mdb_lending_blocked"),
                  presented_as=("change in official finance to Mexico (negative = less)", 1))
