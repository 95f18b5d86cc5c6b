"""Imports: U.S. goods imports from Mexico (US$ bn, current dollars).

Impact(t) = B(t) * ((1 + tau(t))^(-eps_M) * (1 - closure(t)) * (1 - exposed(t)) - 1)

* B(t): annual sums of a seasonal ARIMA (default the airline model (0,1,1)x(0,1,1)12, picked by the
  rolling-origin backtest of annual totals, :mod:`impact.backtest`) of monthly log imports (Census,
  FRED IMPMX, not seasonally adjusted), fitted on 1994-01 to the base year's December only,
  with pulse dummies for 2020-04..06 (COVID) and for the border-friction episodes 2019-04 (CBP
  officer reassignment) and 2022-04 (Texas DPS truck inspections).
* tau(t): ad-valorem trade-cost equivalent (share of value) = compliance cost + trade-finance
  friction + delay hours / 24 * time cost per day (Hummels & Schaur) + conflict tariff-equivalent;
  the trade-finance friction is pass-through x correspondent de-risking (% of U.S. correspondent
  relationships with Mexican banks lost: the shock the remittances and business-cost channels read).
* closure(t): border-closure days / 365 * (1 - share made up later), in the closure year.
* exposed(t): share of imports in cartel-exposed farm lines * inspection-suspension days / 365.
* eps_M: trade-cost elasticity; literature prior pooled with the (weak) data estimate implied by
  the 2019-04 episode: coefficient / ad-valorem equivalent of that month's added delay.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .. import serial
from ..errors import EstimationWarning
from ..estimation import baseline_from_logs, forecast_covariance, labelled, pooled_for, residual_diagnostics
from ..results.estimates import Diagnostic, EstimateResult
from ..spec import ChannelSpec, OptionSpec, ParamSpec, month_problem
from .base import Channel, ChannelEffect, ChannelFit, DataProblem, EffectContext, first_non_positive, min_obs_problem
from .common import excel_profile


def _order_problem(order: list[int]) -> str | None:
    return f"d = {order[1]} regular differences: at most 2" if order[1] > 2 else None


SPEC = ChannelSpec(
    name="imports",
    parameters=(
        ParamSpec("trade_elasticity", "elasticity", estimable=True, domain=(-20.0, 20.0)),
        ParamSpec("time_cost_per_day", "percent_per_day", domain=(0.0, 100.0)),
        ParamSpec("exposed_share", "percent", domain=(0.0, 100.0), meaning="a share of imports"),
        ParamSpec("closure_made_up", "percent", domain=(0.0, 100.0), meaning="a share of lost flows"),
        ParamSpec("half_life", "years", domain=(0.01, 100.0), meaning="a half-life must be positive"),
        ParamSpec("trade_finance_pass_through", "pp_per_percent", domain=(0.0, 10.0),
                  meaning="de-risking cannot lower trade-finance costs"),
        ParamSpec("mx_va_share", "share", domain=(0.0, 1.0), meaning="a share of the customs value"),
        ParamSpec("us_va_share", "share", domain=(0.0, 1.0), meaning="a share of the customs value"),
        ParamSpec("mx_jobs", "jobs_per_usd_m", domain=(0.0, 1000.0), meaning="jobs per dollar cannot be negative"),
        ParamSpec("us_jobs", "jobs_per_usd_m", domain=(0.0, 1000.0), meaning="jobs per dollar cannot be negative"),
    ),
    shocks=(
        ParamSpec("compliance_cost", "percent", domain=(-30.0, 100.0)),
        ParamSpec("correspondent_derisking", "percent", domain=(0.0, 100.0), meaning="a share of relationships"),
        ParamSpec("border_delay_hours", "hours", domain=(0.0, 8760.0), meaning="hours in a year"),
        ParamSpec("conflict_tariff", "percent", domain=(-30.0, 100.0)),
        ParamSpec("border_closure_days", "days", domain=(0.0, 365.0), meaning="days in a year"),
        ParamSpec("inspection_suspension_days", "days", domain=(0.0, 365.0), meaning="days in a year"),
    ),
    options=(
        OptionSpec("fit_start", str, "1994-01", help="first month of the estimation sample (YYYY-MM)",
                   check=month_problem),
        OptionSpec("covid_months", list, ["2020-04", "2020-05", "2020-06"], help="months with COVID pulse dummies",
                   item=str, check=month_problem),
        OptionSpec("episode_2019_delay_hours", float, 4.0, low=0.0, high=48.0,
                   help="added mean truck wait in 2019-04 (hours; about 1 h -> 5 h, FreightWaves 2019)"),
        OptionSpec("interval", float, 0.90, low=0.5, high=0.99, help="prediction-interval level of the baseline"),
        OptionSpec("maxiter", int, 200, low=10, high=5000, help="optimizer iterations for the SARIMA fit"),
        OptionSpec("order", list, [0, 1, 1], low=0, high=6, length=3,
                   help="non-seasonal (p, d, q) of the SARIMA; d at most 2",
                   check=_order_problem),
        OptionSpec("seasonal_order", list, [0, 1, 1], low=0, high=2, length=3,
                   help="seasonal (P, D, Q), period 12"),
    ),
    data=("us_imports_mexico_monthly",),
)

EPISODES = ("2019-04", "2022-04")


def _month(s: str) -> pd.Period:
    return pd.Period(s, freq="M")


DEFAULT_ORDER = (0, 1, 1)
DEFAULT_SEASONAL = (0, 1, 1)


def sarima_model(endog: pd.Series, exog: pd.DataFrame, order: tuple[int, ...] = DEFAULT_ORDER,
                 seasonal: tuple[int, ...] = DEFAULT_SEASONAL) -> Any:
    """The seasonal ARIMA of log monthly imports.  The innovation variance is concentrated out of the
    likelihood (same optimum, about 4x fewer optimizer iterations); it is reported as ``scale``."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    return SARIMAX(endog, exog=exog, order=tuple(order), seasonal_order=(*seasonal, 12), concentrate_scale=True)


def _fit_sarima(logy: pd.Series, exog: pd.DataFrame, maxiter: int, order: tuple[int, ...] = DEFAULT_ORDER,
                seasonal: tuple[int, ...] = DEFAULT_SEASONAL) -> Any:
    """Maximum likelihood on the differenced series, then the integrated model filtered at the estimates.

    Estimating with ``simple_differencing`` maximises the exact likelihood of the regular and seasonal
    differences (the diffuse likelihood the integrated model approximates with large initial
    variances) with a state vector half the size: about 2x faster, same optimum (log-likelihood
    equal to 1e-7 on the bundled data).  Filtering the integrated model at those parameters gives
    forecasts in log levels, residuals and OPG standard errors (:func:`rebuild_sarima`, which also
    rebuilds the result from the fit cache).  ``mle_retvals`` holds the optimizer's scalar returns.
    """
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    differenced = SARIMAX(logy.to_numpy(), exog=exog.to_numpy(), order=tuple(order), seasonal_order=(*seasonal, 12),
                          concentrate_scale=True, simple_differencing=True)
    from statsmodels.tools.sm_exceptions import EstimationWarning as SMEstimationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # "non-stationary starting parameters ... using zeros": statsmodels' own start values, not a result
        warnings.simplefilter("ignore", SMEstimationWarning)
        # cov_type="none": the reported covariance is the integrated model's, computed below
        est = differenced.fit(disp=False, maxiter=maxiter, cov_type="none")
        if not est.mle_retvals.get("converged", True):
            est = differenced.fit(disp=False, method="nm", maxiter=max(2000, maxiter * 10), start_params=est.params,
                                  cov_type="none")
    # only scalars: they are stored in the fit cache with the recipe, so a rebuilt result has them too
    retvals = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in est.mle_retvals.items()
               if isinstance(v, (bool, int, float, str, np.bool_, np.integer, np.floating))}
    return rebuild_sarima(logy, exog, np.asarray(est.params), order, seasonal, retvals)


@serial.register_function
def rebuild_sarima(endog: pd.Series, exog: pd.DataFrame, params: np.ndarray, order: tuple[int, ...] = DEFAULT_ORDER,
                   seasonal: tuple[int, ...] = DEFAULT_SEASONAL, retvals: Mapping[str, Any] | None = None) -> Any:
    """The integrated SARIMA filtered at ``params`` (OPG covariance), without re-estimation: the
    result of a fit and, from its data and parameters, of a fit-cache load.  ``retvals`` (the
    optimizer's convergence flag and counts) become ``mle_retvals``."""
    res = sarima_model(endog, exog, order, seasonal).filter(params, cov_type="opg")
    res.mle_retvals = dict(retvals or {})
    return res


def min_months(order: tuple[int, ...], seasonal: tuple[int, ...]) -> int:
    """Months the SARIMA needs at least: those lost to differencing, five years to estimate the
    seasonal pattern from, and four more per ARMA coefficient (twelve per seasonal one)."""
    p, d, q = order
    P, D, Q = seasonal
    return d + 12 * D + 60 + 4 * (p + q) + 12 * (P + Q)


def check_data(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> list[DataProblem]:
    """The monthly series must cover fit_start to December of the base year, with positive values."""
    return check_monthly_sarima(data, options, settings, "us_imports_mexico_monthly", "imports")


def check_monthly_sarima(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any, sid: str,
                         what: str) -> list[DataProblem]:
    """Problems of a monthly series ``sid`` fitted by a seasonal ARIMA (``order``, ``seasonal_order``,
    ``fit_start`` options): coverage from fit_start to December of the base year, positive values and
    enough months for the model.  Shared by the channels with a monthly SARIMA baseline."""
    s = data[sid]
    start, end = _month(options["fit_start"]), _month(f"{settings.base_year}-12")
    probs: list[DataProblem] = []
    if start > end:
        return [DataProblem(sid, f"fit_start {start} is after December of the base year ({end})",
                            "choose an earlier fit_start", option="fit_start")]
    if s.index[0] > start:
        probs.append(DataProblem(sid, f"the series starts in {s.index[0]}, after fit_start {start}",
                                 f"set fit_start to {s.index[0]} or later", period=s.index[0], option="fit_start"))
    if s.index[-1] < end:
        probs.append(DataProblem(sid, f"the series ends in {s.index[-1]}, before December of the base year "
                                 f"{settings.base_year}: the forecast would start in the wrong month",
                                 f"add the months to {end} or choose base year {s.index[-1].year - 1}",
                                 period=s.index[-1]))
    if probs:
        return probs
    window = s.loc[start:end]
    probs += first_non_positive(window, sid, f"monthly {what}")
    order, seasonal = tuple(options["order"]), tuple(options["seasonal_order"])
    probs += min_obs_problem(len(window), min_months(order, seasonal), sid,
                             f"the {what} SARIMA{order}x{seasonal}12 (from fit_start {start} to {end})",
                             period=window.index[0], option="fit_start")
    return probs


def design(s: pd.Series, opts: Mapping[str, Any], last_year: int) -> tuple[pd.Series, pd.DataFrame]:
    """Log monthly imports (log US$ m) from ``fit_start`` to December of ``last_year``, and the pulse
    dummies (COVID months, border episodes) that fall in that window.  Shared by :func:`fit` and
    the backtest (:mod:`impact.candidates`), so that a backtest origin sees the channel's own design."""
    logy = np.log(s.loc[_month(opts["fit_start"]): _month(f"{last_year}-12")]).rename("log_imports")
    idx = logy.index
    cols = {f"covid_{m}": m for m in opts["covid_months"]}
    cols.update({f"episode_{m}": m for m in EPISODES})
    exog = pd.DataFrame({c: (idx == _month(m)).astype(float) for c, m in cols.items()}, index=idx)
    return logy, exog.loc[:, exog.sum() > 0]


def log_forecast(res: Any, order: tuple[int, ...], seasonal: tuple[int, ...], steps: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Mean (steps) and covariance (steps x steps) of the log forecast of a fitted SARIMA ``steps``
    months after its sample, every pulse dummy at zero (as ``fit.forecast()`` gives users); the
    covariance is exact from the model's MA(inf) weights (parameters taken as known)."""
    from numpy.polynomial import polynomial as P

    k = res.model.k_exog
    fc = res.get_forecast(steps, exog=np.zeros((steps, k)) if k else None)
    cov = forecast_covariance(P.polymul(res.polynomial_ar, res.polynomial_seasonal_ar),
                              P.polymul(res.polynomial_ma, res.polynomial_seasonal_ma),
                              float(res.scale), steps, d=order[1], D=seasonal[1], s=12)
    return np.asarray(fc.predicted_mean), cov


def annual_sum(years: int) -> np.ndarray:
    """The (years x 12 years) matrix that turns monthly US$ m into calendar-year US$ bn."""
    return np.kron(np.eye(years), np.ones((1, 12))) / 1000.0


def fit(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> ChannelFit:
    opts = dict(options)
    years = settings.years
    s = data["us_imports_mexico_monthly"]
    logy, exog = design(s, opts, settings.base_year)
    order, seasonal = tuple(opts["order"]), tuple(opts["seasonal_order"])
    res = _fit_sarima(logy, exog, opts["maxiter"], order, seasonal)
    main = _estimate(res, logy, exog, order, seasonal)
    if not bool(res.mle_retvals.get("converged", True)):
        warnings.warn("imports: SARIMA fit did not converge; trade elasticity uses the prior (documented fallback)",
                      EstimationWarning, stacklevel=2)
    steps = 12 * len(years)
    log_mean, lcov = log_forecast(res, order, seasonal, steps)
    agg = annual_sum(len(years))
    baseline = baseline_from_logs("imports", years, log_mean, lcov, agg, level=opts["interval"],
                                  unit="US$ bn", method=main.name,
                                  data="U.S. imports of goods from Mexico, Census Bureau via FRED IMPMX (NSA, monthly)")
    actual = {}
    for y in years:
        months = s.loc[_month(f"{y}-01"): _month(f"{y}-12")]
        if len(months) == 12:
            actual[y] = float(months.sum()) / 1000.0
    b, se = main.params.get("episode_2019-04"), main.bse.get("episode_2019-04")
    episode = {"coef": None if b is None else float(b), "se": None if se is None else float(se),
               "converged": bool(res.mle_retvals.get("converged", True)),
               "delay_hours": float(opts["episode_2019_delay_hours"])}
    return ChannelFit(channel="imports", main=main, models={}, pooled={}, baseline=baseline,
                      constants={"actual": actual, "episode": episode})


def _estimate(res: Any, logy: pd.Series, exog: pd.DataFrame, order: tuple[int, ...],
              seasonal: tuple[int, ...]) -> EstimateResult:
    """The SARIMA's coefficients, diagnostics and notes as an :class:`EstimateResult`."""
    from statsmodels.stats.diagnostic import het_arch

    converged = bool(res.mle_retvals.get("converged", True))
    params, bse, cov = labelled(res, list(exog.columns) + list(res.param_names[exog.shape[1]:]))
    sigma2 = float(params["sigma2"]) if "sigma2" in params else float(res.scale)
    resid = np.asarray(res.resid)[13:]
    arch = het_arch(resid, nlags=12, result_object=False)
    diag = (
        *residual_diagnostics(resid, 12),
        Diagnostic("ARCH LM (12 lags)", float(arch[0]), float(arch[1]), "no conditional heteroskedasticity"),
        Diagnostic("Stationarity", None, None, "",
                   f"by construction: regular and seasonal differencing (d={order[1]}, D={seasonal[1]})"),
        Diagnostic("Converged", 1.0 if converged else 0.0, None, "optimizer converged",
                   "" if converged else "did not converge: baseline from last iterate, elasticity falls back to the prior"),
    )
    return EstimateResult(
        name=(f"Imports baseline and border-friction check: SARIMA({order[0]},{order[1]},{order[2]})"
              f"x({seasonal[0]},{seasonal[1]},{seasonal[2]})12 on log monthly imports"),
        method=("Gaussian maximum likelihood of the differenced series (statsmodels SARIMAX, simple_differencing), "
                "OPG standard errors from the integrated model at the estimates"),
        dependent="log(imports, US$ m, NSA)", sample=f"{logy.index.min()}..{logy.index.max()} (monthly)",
        params=params, bse=bse, cov_params_=cov, nobs=int(res.nobs), df_resid=None, rsquared=None, diagnostics=diag,
        use_t=bool(res.use_t), time_series=True,
        notes=(
            "Fitted on months up to the base year only: later months are the designation period itself.",
            "COVID months enter as pulse dummies; the forecast sets every dummy to 0.",
            f"Innovation variance (concentrated out of the likelihood): sigma^2 = {sigma2:.5f}.",
            "episode_2019-04 and episode_2022-04: log change of imports in the months of the CBP officer reassignment "
            "and the Texas DPS inspections. Both are within noise at the national monthly level: episodes of days "
            "shift timing more than volume.",
        ),
        _results=res,
        recipe=(rebuild_sarima, (logy, exog, np.asarray(res.params), order, seasonal, dict(res.mle_retvals))),
    )


def calibrate(fit: ChannelFit, block: Any) -> ChannelFit:
    """The data side of the trade elasticity depends on a parameter (the time cost of a day): minus
    the 2019-04 coefficient over the ad-valorem equivalent of that month's added delay."""
    ep = fit.constants["episode"]
    p = block.parameters["trade_elasticity"]
    tc = block.parameters["time_cost_per_day"].value
    ave = ep["delay_hours"] / 24 * tc / 100
    b, se = ep["coef"], ep["se"]
    data_est = None if b is None or ave <= 0 else float(-b / ave)
    data_se = None if se is None or ave <= 0 else float(se / ave)
    mode = (p.estimate or "pooled") if ep["converged"] else "prior"
    pooled = pooled_for(p, data_est, data_se,
                        f"-(2019-04 coefficient) / ad-valorem equivalent of {ep['delay_hours']:g} h delay "
                        f"({ave:.4%} of value at {tc:g} %/day)", mode=mode)
    return replace(fit, pooled={"trade_elasticity": pooled}, constants={**fit.constants, "episode_ave": ave})


def effect(ctx: EffectContext) -> ChannelEffect:
    p = ctx.params
    base = ctx.baseline
    hl = p["half_life"]

    def part(name: str) -> np.ndarray:
        return ctx.timed(name, hl)

    friction = p["trade_finance_pass_through"][:, None] * part("correspondent_derisking")
    tau = (part("compliance_cost") + friction + part("conflict_tariff")) / 100.0
    tau = tau + part("border_delay_hours") / 24.0 * p["time_cost_per_day"][:, None] / 100.0
    closure = part("border_closure_days") / 365.0 * (1.0 - p["closure_made_up"][:, None] / 100.0)
    exposed = p["exposed_share"][:, None] / 100.0 * part("inspection_suspension_days") / 365.0
    factor = np.power(1.0 + tau, -p["trade_elasticity"][:, None])
    delta = factor * (1.0 - closure) * (1.0 - exposed) - 1.0
    impact = base * delta
    comps = {
        "trade-cost equivalent": base * (factor - 1.0),
        "border closure": -base * factor * closure,
        "exposed farm lines": -base * factor * (1.0 - closure) * exposed,
    } if ctx.components else {}
    return ChannelEffect(impact=impact, baseline=base, components=comps)


def excel_formula(refs: Mapping[str, str], year: str, timings: Mapping[str, str]) -> str:
    hl = refs["half_life"]

    def part(name: str) -> str:
        return f"{refs[name]}*{excel_profile(name, refs, year, timings, hl, grid='month')}"

    friction = f"{refs['trade_finance_pass_through']}*({part('correspondent_derisking')})"
    tau = (f"(({part('compliance_cost')})+({friction})+({part('conflict_tariff')}))/100"
           f"+({part('border_delay_hours')})/24*{refs['time_cost_per_day']}/100")
    closure = f"({part('border_closure_days')})/365*(1-{refs['closure_made_up']}/100)"
    exposed = f"{refs['exposed_share']}/100*({part('inspection_suspension_days')})/365"
    return (f"={refs['baseline']}*((1+{tau})^(-{refs['trade_elasticity']})*(1-{closure})*(1-{exposed})-1)")


def _mx_share(p: Mapping[str, np.ndarray]) -> np.ndarray:
    # Mexico's and the U.S.'s shares are drawn separately; the cap keeps them from summing above 1
    return np.minimum(p["mx_va_share"], 1.0 - p["us_va_share"])


#: value-added pass-through (impact.passthrough): value added of each country per US$ of imports,
#: jobs per US$ 1 m of that value added
PASSTHROUGH = {"mx_gdp": _mx_share, "us_va": lambda p: p["us_va_share"],
               "mx_jobs": lambda p: _mx_share(p) * p["mx_jobs"], "us_jobs": lambda p: p["us_va_share"] * p["us_jobs"]}

PASSTHROUGH_NOTE = ('Mexico GDP = change x min(mx_va_share, 1 - us_va_share); U.S. value added = change x us_va_share '
                    "(U.S. parts and services in the imports); jobs = each country's value added x its jobs per US$ 1 m.")


CHANNEL = Channel(spec=SPEC, label="U.S. goods imports from Mexico", fit=fit, calibrate=calibrate, effect=effect,
                  passthrough=PASSTHROUGH, passthrough_note=PASSTHROUGH_NOTE,
                  excel_formula=excel_formula, check_data=check_data, timing_grid="month",
                  monotone=("compliance_cost", "correspondent_derisking", "border_delay_hours", "conflict_tariff",
                            "border_closure_days", "inspection_suspension_days"))
