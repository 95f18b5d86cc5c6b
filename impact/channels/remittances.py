"""Remittances: Mexico's remittance income as Banco de México records it (US$ bn, current dollars;
negative = less).  About 97 % comes from the United States.

Impact(t) = B(t) * ((1 + c(t) / C)^eps * (1 - a(t) * (1 - f)) - 1)

* B(t): annual sums of a seasonal ARIMA (default the airline model (0,1,1)x(0,1,1)12) of monthly log
  remittances (Banxico CE81), fitted on 2003-01 to the base year's December only, then moved by two
  labelled baseline assumptions that are in every scenario, the no-designation one included, so
  they shift B(t) but are not part of any effect: U.S. immigration enforcement (from 2025-01) and
  the 1 % U.S. excise on cash-funded transfers (from 2026-01).  Their ranges widen the forecast band.
* c(t): rise in the cost of sending, percentage points of the amount sent = the cost shock (FinCEN
  reporting thresholds, enforcement against transmitters) + pass-through x correspondent de-risking
  (% of U.S. correspondent relationships with Mexican banks lost; the shock the imports and
  business-cost channels also read).  C: the cost level (% of a US$200 transfer, the base of eps).
* eps: elasticity of formal remittances to the cost of sending (literature prior; no cost series
  for the corridor is bundled, so nothing is pooled with it).
* a(t): share of senders whose usual channel closes (access shock); f: the share of them who move
  to another formal channel.

The impact is the *measured* change (what Banxico records).  Of the formal flow lost, a share s
(``informal_share``) still reaches households through informal channels: the components split the
impact into the part households do not receive (the *economic* effect, (1 - s) x impact) and the
part that only leaves the statistics (s x impact).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..estimation import baseline_from_logs, forecast_covariance, labelled, ols_fit, pooled_for, residual_diagnostics
from ..results.estimates import BaselineForecast, DataEstimate, Diagnostic, EstimateResult
from ..spec import ChannelSpec, OptionSpec, ParamSpec, month_problem
from .base import Channel, ChannelEffect, ChannelFit, DataProblem, EffectContext
from .common import excel_profile

# the SARIMA estimator (differenced likelihood, integrated model filtered at the estimates) is the
# imports channel's: one implementation, checked once against statsmodels
from .imports import _fit_sarima, check_monthly_sarima, rebuild_sarima

SERIES = "mx_remittances_monthly"


def _order_problem(order: list[int]) -> str | None:
    return f"d = {order[1]} regular differences: at most 2" if order[1] > 2 else None


SPEC = ChannelSpec(
    name="remittances",
    parameters=(
        ParamSpec("cost_elasticity", "elasticity", estimable=True, domain=(-20.0, 0.0),
                  meaning="a higher cost cannot raise formal flows"),
        ParamSpec("cost_level", "percent", domain=(0.05, 100.0), meaning="the cost of sending must be positive"),
        ParamSpec("formal_substitution", "percent", domain=(0.0, 100.0), meaning="a share of senders"),
        ParamSpec("informal_share", "percent", domain=(0.0, 100.0), meaning="a share of the lost formal flow"),
        ParamSpec("derisking_pass_through", "pp_per_percent", domain=(0.0, 10.0),
                  meaning="de-risking cannot lower the cost of sending"),
        ParamSpec("half_life", "years", domain=(0.01, 100.0), meaning="a half-life must be positive"),
        ParamSpec("enforcement_effect", "percent", domain=(-90.0, 100.0)),
        ParamSpec("excise_effect", "percent", domain=(-90.0, 100.0)),
        ParamSpec("mx_gdp_multiplier", "ratio", domain=(0.0, 10.0), meaning="a multiplier between 0 and 10"),
        ParamSpec("mx_jobs", "jobs_per_usd_m", domain=(0.0, 1000.0), meaning="jobs per dollar cannot be negative"),
    ),
    shocks=(
        ParamSpec("remittance_cost", "pp", domain=(0.0, 100.0), meaning="a rise in the cost of sending"),
        ParamSpec("remittance_access", "percent", domain=(0.0, 100.0), meaning="a share of senders"),
        ParamSpec("correspondent_derisking", "percent", domain=(0.0, 100.0), meaning="a share of relationships"),
    ),
    options=(
        OptionSpec("fit_start", str, "2003-01", help="first month of the estimation sample (YYYY-MM)",
                   check=month_problem),
        OptionSpec("order", list, [0, 1, 1], low=0, high=6, length=3,
                   help="non-seasonal (p, d, q) of the SARIMA; d at most 2",
                   check=_order_problem),
        OptionSpec("seasonal_order", list, [0, 1, 1], low=0, high=2, length=3, help="seasonal (P, D, Q), period 12"),
        OptionSpec("interval", float, 0.90, low=0.5, high=0.99, help="prediction-interval level of the baseline"),
        OptionSpec("maxiter", int, 200, low=10, high=5000, help="optimizer iterations for the SARIMA fit"),
    ),
    data=(SERIES,),
)

#: the labelled baseline assumptions: parameter -> first month in which it moves the baseline and why
BASELINE_ASSUMPTIONS = {
    "enforcement_effect": (pd.Period("2025-01", freq="M"),
                           "U.S. immigration enforcement (executive orders of 2025-01-20)"),
    "excise_effect": (pd.Period("2026-01", freq="M"),
                      "1 % U.S. excise on cash-funded remittances (IRC 4475, transfers after 2025-12-31)"),
}


def _month(s: str) -> pd.Period:
    return pd.Period(s, freq="M")


def check_data(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> list[DataProblem]:
    """The monthly series must cover fit_start to December of the base year, with positive values."""
    return check_monthly_sarima(data, options, settings, SERIES, "remittances")


def _estimate(res: Any, logy: pd.Series, order: tuple[int, ...], seasonal: tuple[int, ...]) -> EstimateResult:
    """The SARIMA's coefficients, diagnostics and notes as an :class:`EstimateResult`."""
    converged = bool(res.mle_retvals.get("converged", True))
    params, bse, cov = labelled(res, list(res.param_names))
    sigma2 = float(params["sigma2"]) if "sigma2" in params else float(res.scale)
    diag = (
        *residual_diagnostics(np.asarray(res.resid)[1 + 12:], 12),
        Diagnostic("Stationarity", None, None, "",
                   f"by construction: regular and seasonal differencing (d={order[1]}, D={seasonal[1]})"),
        Diagnostic("Converged", 1.0 if converged else 0.0, None, "optimizer converged",
                   "" if converged else "did not converge: baseline from the last iterate"),
    )
    return EstimateResult(
        name=(f"Remittances baseline: SARIMA({order[0]},{order[1]},{order[2]})"
              f"x({seasonal[0]},{seasonal[1]},{seasonal[2]})12 on log monthly remittances"),
        method=("Gaussian maximum likelihood of the differenced series (statsmodels SARIMAX, simple_differencing), "
                "OPG standard errors from the integrated model at the estimates"),
        dependent="log(remittances, US$ m)", sample=f"{logy.index.min()}..{logy.index.max()} (monthly)",
        params=params, bse=bse, cov_params_=cov, nobs=int(res.nobs), df_resid=None, rsquared=None, diagnostics=diag,
        use_t=bool(res.use_t), time_series=True,
        notes=(
            "Fitted on months up to the base year only: later months are the designation period itself.",
            f"Innovation variance (concentrated out of the likelihood): sigma^2 = {sigma2:.5f}.",
            "No driver: no series of U.S. employment or wages of Mexican-born workers is bundled, and MXN/USD and "
            "U.S. GDP are annual and would need forecasts of their own over the horizon.",
        ),
        _results=res,
        recipe=(rebuild_sarima, (logy, pd.DataFrame(index=logy.index), np.asarray(res.params), order, seasonal,
                                 dict(res.mle_retvals))),
    )


def fit(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> ChannelFit:
    """The statistical baseline (no baseline assumptions yet: :func:`calibrate` applies them)."""
    years = settings.years
    s = data[SERIES]
    logy = np.log(s.loc[_month(options["fit_start"]): _month(f"{settings.base_year}-12")]).rename("log_remittances")
    order, seasonal = tuple(options["order"]), tuple(options["seasonal_order"])
    res = _fit_sarima(logy, pd.DataFrame(index=logy.index), options["maxiter"], order, seasonal)
    main = _estimate(res, logy, order, seasonal)
    steps = 12 * len(years)
    fc = main.get_forecast(steps)
    from numpy.polynomial import polynomial as P

    sigma2 = float(main.params["sigma2"]) if "sigma2" in main.params else float(res.scale)
    lcov = forecast_covariance(P.polymul(res.polynomial_ar, res.polynomial_seasonal_ar),
                               P.polymul(res.polynomial_ma, res.polynomial_seasonal_ma),
                               sigma2, steps, d=order[1], D=seasonal[1], s=12)
    agg = np.kron(np.eye(len(years)), np.ones((1, 12))) / 1000.0  # US$ m per month -> US$ bn per year
    baseline = baseline_from_logs("remittances", years, np.asarray(fc.predicted_mean), lcov, agg,
                                  level=float(options["interval"]), unit="US$ bn", method=main.name,
                                  data="Mexico's remittance income, Banco de México CE81 (monthly, US$)")
    first = _month(f"{years[0]}-01")
    return ChannelFit(channel="remittances", main=main, models={}, pooled={}, baseline=baseline,
                      constants={"first_month": str(first), "interval": float(options["interval"]),
                                 "base_year_bn": float(s.loc[_month(f"{settings.base_year}-01"):
                                                             _month(f"{settings.base_year}-12")].sum()) / 1000.0})


def _log_sd(parameter: Any) -> float:
    """Standard deviation of log(1 + x/100) under the parameter's distribution (0 when fixed); a fine
    grid of quantiles, so deterministic."""
    d = parameter.distribution
    if d is None or d.fixed:
        return 0.0
    u = (np.arange(4000) + 0.5) / 4000
    return float(np.std(np.log1p(np.asarray(d.ppf(u), dtype=float) / 100.0)))


#: the last few adjusted baselines, by (fit, the assumptions' values and distributions): a sweep
#: calibrates every variant, and the 20,000 paths of the interval cost 0.08 s each time
_ADJUSTED: dict[Any, tuple[ChannelFit, BaselineForecast]] = {}


def adjusted_baseline(fit: ChannelFit, block: Any) -> BaselineForecast:
    """The statistical forecast moved by the labelled baseline assumptions: each shifts the log level
    of every month from its start month by log(1 + value/100) (the central value), and its range
    adds a shift common to those months to the forecast-error covariance (so draws and bands carry
    it)."""
    key = (id(fit), tuple((block.parameters[n].value, block.parameters[n].distribution) for n in BASELINE_ASSUMPTIONS))
    hit = _ADJUSTED.get(key)
    if hit is not None and hit[0] is fit:
        return hit[1]
    out = _adjusted_baseline(fit, block)
    _ADJUSTED[key] = (fit, out)
    while len(_ADJUSTED) > 8:
        _ADJUSTED.pop(next(iter(_ADJUSTED)))
    return out


def _adjusted_baseline(fit: ChannelFit, block: Any) -> BaselineForecast:
    b = fit.baseline
    first = _month(fit.constants["first_month"])
    months = pd.period_range(first, periods=b.steps, freq="M")
    log_mean = np.array(b._log_mean, dtype=float)
    cov = b._log_chol @ b._log_chol.T
    notes = []
    for name, (start, what) in BASELINE_ASSUMPTIONS.items():
        p = block.parameters[name]
        on = (months >= start).astype(float)
        log_mean = log_mean + math.log1p(p.value / 100.0) * on
        sd = _log_sd(p)
        cov = cov + sd * sd * np.outer(on, on)
        notes.append(f"{what}: {p.value:+g} % from {start}")
    return baseline_from_logs("remittances", b.years, log_mean, cov, b.aggregate, level=b.level, unit=b.unit,
                              method=f"{fit.main.name}; baseline assumptions: " + "; ".join(notes), data=b.data)


def calibrate(fit: ChannelFit, block: Any) -> ChannelFit:
    """The cost elasticity from its prior (no corridor cost series is bundled); the baseline moved by
    the labelled baseline assumptions."""
    p = block.parameters["cost_elasticity"]
    pooled = pooled_for(p, None, None, "no U.S.-Mexico sending-cost series is bundled (World Bank RPW not found)",
                        mode="prior")
    return replace(fit, pooled={"cost_elasticity": pooled}, baseline=adjusted_baseline(fit, block))


def cost_elasticity_ols(flows: pd.Series, cost: pd.Series, hac_maxlags: int = 2) -> tuple[DataEstimate, Any]:
    """The cost elasticity from a flow series and a sending-cost series (percent of the amount sent)
    on the same dated index: OLS of the change in log flows on the change in log cost, Newey-West
    HAC errors.  For a user-supplied corridor cost series; none is bundled (the channel uses the
    literature prior), so ``fit`` does not call it."""
    df = np.log(pd.DataFrame({"flows": flows, "cost": cost})).diff().dropna()
    y = df["flows"].rename("d.log_flows")
    X = pd.DataFrame({"const": 1.0, "d.log_cost": df["cost"]}, index=df.index)
    res = ols_fit(y, X, "HAC", hac_maxlags)
    est = DataEstimate("d.log_cost", float(res.params["d.log_cost"]), float(res.bse["d.log_cost"]),
                       "coefficient on d.log_cost (OLS in first differences, HAC)")
    return est, res


def effect(ctx: EffectContext) -> ChannelEffect:
    p = ctx.params
    base = ctx.baseline
    hl = p["half_life"]
    cost = ctx.timed("remittance_cost", hl) + p["derisking_pass_through"][:, None] * ctx.timed(
        "correspondent_derisking", hl)
    factor = np.power(1.0 + cost / p["cost_level"][:, None], p["cost_elasticity"][:, None])
    closed = ctx.timed("remittance_access", hl) / 100.0 * (1.0 - p["formal_substitution"][:, None] / 100.0)
    impact = base * (factor * (1.0 - closed) - 1.0)
    if not ctx.components:
        return ChannelEffect(impact=impact, baseline=base)
    s = p["informal_share"][:, None] / 100.0
    comps = {"not received by households (economic effect)": impact * (1.0 - s),
             "moved to informal channels (leaves the statistics)": impact * s}
    return ChannelEffect(impact=impact, baseline=base, components=comps)


def excel_formula(refs: Mapping[str, str], year: str, timings: Mapping[str, str]) -> str:
    hl = refs["half_life"]

    def part(name: str) -> str:
        return f"({refs[name]}*{excel_profile(name, refs, year, timings, hl, grid='month')})"

    cost = f"({part('remittance_cost')}+{refs['derisking_pass_through']}*{part('correspondent_derisking')})"
    closed = f"{part('remittance_access')}/100*(1-{refs['formal_substitution']}/100)"
    return (f"={refs['baseline']}*((1+{cost}/{refs['cost_level']})^{refs['cost_elasticity']}"
            f"*(1-{closed})-1)")


def _household_multiplier(p: Mapping[str, np.ndarray]) -> np.ndarray:
    # only the part of the recorded fall that households do not receive informally is spent less
    return (1.0 - p["informal_share"] / 100.0) * p["mx_gdp_multiplier"]


#: value-added pass-through (impact.passthrough): Mexican GDP per US$ of recorded remittances lost
PASSTHROUGH = {"mx_gdp": _household_multiplier, "mx_jobs": lambda p: _household_multiplier(p) * p["mx_jobs"]}

PASSTHROUGH_NOTE = ('Mexico GDP = change x (1 - informal_share / 100) x mx_gdp_multiplier (households spend less only '
                    'what they no longer receive); Mexico jobs = that GDP x mx_jobs. No U.S. effect counted: what senders '
                    'keep is spent in the U.S., a substitution this layer leaves out.')


CHANNEL = Channel(spec=SPEC, label="Remittances to Mexico", fit=fit, calibrate=calibrate, effect=effect,
                  passthrough=PASSTHROUGH, passthrough_note=PASSTHROUGH_NOTE,
                  excel_formula=excel_formula, check_data=check_data, timing_grid="month",
                  monotone=("remittance_cost", "remittance_access", "correspondent_derisking"),
                  presented_as=("change in recorded remittances to Mexico (negative = less)", 1))
