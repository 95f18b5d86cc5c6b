"""Tourism: U.S. residents' travel spending in Mexico (US$ bn, current dollars).

Impact(t) = B(t) * (exp(eps_T * ln(1 + r/100) * profile(t)) - 1)

* B(t): base level (BEA U.S. travel imports from Mexico in the base year, an assumption with a
  range) grown along the forecast of log international visitor receipts (World Bank WDI
  ST.INT.RCPT.CD to 2020 joined to INEGI/Banxico receipts on the 2019 overlap), from an ARIMA(0,1,0)
  with drift and pulse dummies for 2009 (H1N1 and recession), 2020 and 2021 (COVID), fitted up to
  the base year only.
* eps_T: elasticity of tourism spending to insecurity.  Data estimate (default): the destination
  panel of :mod:`impact.destinations` (hotel occupancy of 22 destinations on their state's homicide
  rate, destination-season and month effects, wild cluster bootstrap interval), times the ratio of
  the U.S. visitor-spending elasticity to the hotel-occupancy one (``occupancy_to_spending``, a stated
  judgment with a range); combined with the literature prior (pooled).  The national regression (OLS
  of the change in log receipts on the change in log homicide rate with the changes in log U.S. real
  GDP and log MXN/USD and pulse dummies, HAC errors) is the channel's main model and a cross-check;
  ``elasticity_data: national`` pools it instead.  The Sinaloa-surge event study
  (:func:`impact.destinations.sinaloa_model`, placebo standard errors) is a second, transparent
  estimate reported in docs/model.md.

The 2025 difference in differences of U.S. against Canadian air arrivals (:mod:`impact.arrivals`,
``models["did_2025"]``) reads the months after the designation; it feeds no parameter and is shown on
the Ex-post sheet beside the model's designation effect.
* r: the scenario's rise in perceived insecurity (percent, homicide-rate equivalent).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import arrivals, destinations, serial
from ..estimation import (
    annual_index,
    baseline_from_logs,
    forecast_covariance,
    labelled,
    ols_fit,
    regression_diagnostics,
    residual_diagnostics,
)
from ..results.estimates import DataEstimate, Diagnostic, EstimateResult
from ..spec import ChannelSpec, OptionSpec, ParamSpec, month_problem
from .base import (
    Channel,
    ChannelEffect,
    ChannelFit,
    DataProblem,
    EffectContext,
    first_non_positive,
    gaps,
    min_obs_problem,
)
from .common import excel_profile, homicide_rate, homicide_rate_problems

SPEC = ChannelSpec(
    name="tourism",
    parameters=(
        ParamSpec("elasticity", "elasticity", estimable=True, domain=(-20.0, 20.0)),
        ParamSpec("base_level", "usd_bn", domain=(0.0, 10_000.0)),
        ParamSpec("half_life", "years", domain=(0.01, 100.0), meaning="a half-life must be positive"),
        ParamSpec("mx_va_share", "share", domain=(0.0, 1.0), meaning="a share of visitor spending"),
        ParamSpec("mx_jobs", "jobs_per_usd_m", domain=(0.0, 1000.0), meaning="jobs per dollar cannot be negative"),
    ),
    shocks=(ParamSpec("insecurity", "percent", domain=(-99.0, 10_000.0),
                      meaning="insecurity cannot fall by 100 % or more"),),
    options=(
        OptionSpec("form", str, "difference", choices=("difference", "level"),
                   help="regress changes (default; avoids spurious trends) or levels"),
        OptionSpec("fit_start", int, 1995, low=1995, high=2015, help="first year of the estimation sample"),
        OptionSpec("hac_maxlags", int, 2, low=0, high=5, help="Newey-West lags for the HAC standard errors"),
        OptionSpec("dummies", list, [2009, 2020, 2021, 2022], help="years with pulse dummies in the elasticity regression"),
        OptionSpec("baseline_dummies", list, [2009, 2020, 2021], help="years with pulse dummies in the baseline model"),
        OptionSpec("interval", float, 0.90, low=0.5, high=0.99, help="prediction-interval level of the baseline"),
        OptionSpec("elasticity_data", str, "panel", choices=("panel", "national"),
                   help="the data estimate pooled with the prior: the destination panel or the national regression"),
        OptionSpec("homicide_window", int, 12, low=1, high=12,
                   help="months of the state homicide rate averaged before each hotel month (panel regressor)"),
        OptionSpec("panel_drop_years", list, [2020, 2021], help="years left out of the destination panel (COVID)"),
        OptionSpec("bootstrap_reps", int, 9999, low=99, high=99_999,
                   help="wild cluster bootstrap replications for the panel interval"),
        OptionSpec("bootstrap_seed", int, 20250220, low=0, high=2**31 - 1, help="seed of the wild cluster bootstrap"),
        OptionSpec("did_start", str, "2022-11", check=month_problem,
                   help="first month of the 2025 U.S.-vs-Canada arrivals difference in differences"),
        OptionSpec("occupancy_to_spending", float, 1.0, low=0.0, high=5.0,
                   help="ratio of the U.S. visitor-spending elasticity to the hotel-occupancy elasticity (judgment)"),
        OptionSpec("occupancy_to_spending_sd", float, 0.3, low=0.0, high=5.0,
                   help="standard deviation of that ratio"),
    ),
    data=("mx_tourism_receipts_wdi", "mx_visitor_receipts_inegi", "mx_tourist_spending_evi", "mx_homicide_rate_wdi",
          "mx_homicides_inegi", "us_real_gdp", "mxn_per_usd") + destinations.HOTEL + (arrivals.SERIES,),
)


def joined_receipts(data: Mapping[str, pd.Series]) -> tuple[pd.Series, list[str]]:
    """International visitor receipts, US$ m, 1995 onwards, on the INEGI/Banxico level.

    WDI (which includes international transport) is scaled by the 2019 ratio INEGI/WDI; 2021 and
    2023, missing in the INEGI/Banxico series, are filled with the growth of INEGI EVI tourist
    spending from 2022.
    """
    wdi = data["mx_tourism_receipts_wdi"]
    inegi = data["mx_visitor_receipts_inegi"]
    evi = data["mx_tourist_spending_evi"]
    ratio = inegi[2019] / wdi[2019]
    out = (wdi * ratio).astype(float)
    notes = [f"WDI ST.INT.RCPT.CD scaled by {ratio:.4f} (INEGI/Banxico 2019 / WDI 2019) to 2020"]
    for y in sorted(inegi.index):
        if y > 2020:
            out[y] = inegi[y]
    for y in sorted(evi.index):
        if y > 2020 and y not in inegi.index:
            ref = min((r for r in inegi.index if r > 2020), key=lambda r: abs(r - y))
            out[y] = inegi[ref] * evi[y] / evi[ref]
            notes.append(f"{y} = INEGI/Banxico {ref} x EVI tourist spending growth {ref}->{y}")
    out = out.sort_index()
    out.name = "visitor_receipts_joined"
    out.attrs["unit"] = "USD millions (current)"
    return out, notes


#: residual degrees of freedom the elasticity regression keeps at least (below, its standard error
#: is meaningless: with none left the fit is exact and the "estimate" would swamp the prior)
MIN_RESID_DF = 5
#: years of receipts the baseline ARIMA needs at least (besides one per pulse dummy)
MIN_BASELINE_YEARS = 10


def _join_problems(data: Mapping[str, pd.Series]) -> list[DataProblem]:
    wdi, inegi, evi = data["mx_tourism_receipts_wdi"], data["mx_visitor_receipts_inegi"], data["mx_tourist_spending_evi"]
    probs = []
    for sid, ser, what in (("mx_tourism_receipts_wdi", wdi, "WDI receipts"),
                           ("mx_visitor_receipts_inegi", inegi, "INEGI/Banxico receipts"),
                           ("mx_tourist_spending_evi", evi, "EVI tourist spending")):
        probs += first_non_positive(ser, sid, what)
        if sid != "mx_tourist_spending_evi" and 2019 not in ser.index:
            probs.append(DataProblem(sid, f"{what} must include 2019, the year that joins WDI to INEGI/Banxico receipts",
                                     "add a row for 2019", period=2019))
    post = [r for r in inegi.index if r > 2020]
    fill = [y for y in evi.index if y > 2020 and y not in inegi.index]
    if fill and not post:
        probs.append(DataProblem("mx_visitor_receipts_inegi", "INEGI/Banxico receipts need a year after 2020 to anchor "
                                 "the EVI growth that fills the years they miss", "add a recent year",
                                 period=inegi.index[-1]))
    for y in fill if post else ():
        ref = min(post, key=lambda r: abs(r - y))
        if ref not in evi.index:
            probs.append(DataProblem("mx_tourist_spending_evi", f"EVI tourist spending must include {ref}: {y} is filled "
                                     f"with its growth from that year", f"add a row for {ref}", period=y))
    return probs


def check_data(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> list[DataProblem]:
    """What :func:`fit` needs from the data for this base year and these options (see the module docstring)."""
    probs = _join_problems(data) + homicide_rate_problems(data)
    probs += first_non_positive(data["us_real_gdp"], "us_real_gdp", "U.S. real GDP")
    probs += first_non_positive(data["mxn_per_usd"], "mxn_per_usd", "the exchange rate")
    if probs:
        return probs
    base_year = settings.base_year
    receipts, _ = joined_receipts(data)
    joined = ("mx_tourism_receipts_wdi", "mx_visitor_receipts_inegi", "mx_tourist_spending_evi")
    if receipts.index.max() < base_year:
        last = int(receipts.index.max())
        return [DataProblem(("mx_visitor_receipts_inegi", "mx_tourist_spending_evi"),
                            f"visitor receipts end in {last}, before the base year {base_year}: the baseline would be "
                            "anchored to the wrong year", f"add {base_year} or choose base year {last}",
                            period=last)]
    hist = receipts.loc[:base_year]
    missing = gaps(hist.index)
    if missing:
        return [DataProblem(joined, f"visitor receipts (WDI to 2020, INEGI/Banxico and EVI after) miss "
                            f"{', '.join(str(y) for y in missing)}: the baseline model needs every year",
                            "add the missing years", period=missing[0])]
    n_dummies = sum(1 for d in options["baseline_dummies"] if d in hist.index)
    probs += min_obs_problem(len(hist), MIN_BASELINE_YEARS + n_dummies, joined,
                             "the tourism baseline (ARIMA(0,1,0) with drift on log receipts)", period=hist.index[0])
    rate, _ = homicide_rate(data)
    df = pd.DataFrame({"receipts": receipts, "homicide_rate": rate, "us_gdp": data["us_real_gdp"],
                       "mxn_usd": data["mxn_per_usd"]}).loc[options["fit_start"]: base_year].dropna()
    used = ("mx_tourism_receipts_wdi", "mx_homicide_rate_wdi", "mx_homicides_inegi", "us_real_gdp", "mxn_per_usd")
    missing = gaps(df.index)
    if missing:
        probs.append(DataProblem(used, f"the elasticity regression's sample {df.index[0]}-{df.index[-1]} misses "
                                 f"{', '.join(str(y) for y in missing)} in at least one series: differences would span "
                                 "the gap", "add the missing years to every series", period=missing[0]))
        return probs
    diff = options["form"] == "difference"
    n = max(len(df) - 1, 0) if diff else len(df)
    years = df.index[1:] if diff else df.index
    k = 4 + sum(1 for d in options["dummies"] if d in years)
    probs += min_obs_problem(n, k + MIN_RESID_DF, used, f"the tourism elasticity regression ({k} coefficients, "
                             f"{'first differences' if diff else 'levels'}, from fit_start {options['fit_start']})",
                             period=df.index[0] if len(df) else None, option="fit_start" if len(df) else None)
    return probs + destinations.check_panel(data, options, base_year) + arrivals.check_arrivals(data, options)


def panel_data_estimate(wb: Any, ratio: float, ratio_sd: float) -> DataEstimate:
    """The panel's occupancy elasticity times the spending/occupancy ratio r, as the data side of the
    pooled elasticity.  Variance of a product of independent estimates:
    r^2 se_b^2 + b^2 sd_r^2 + se_b^2 sd_r^2, where se_b is the wild bootstrap interval's normal
    equivalent (its 90 % width / 2 z)."""
    b, se_b = wb.estimate, wb.se_equivalent
    se = float(np.sqrt(ratio ** 2 * se_b ** 2 + b ** 2 * ratio_sd ** 2 + se_b ** 2 * ratio_sd ** 2))
    note = (f"destination panel: {b:.4f} (wild cluster bootstrap 90 % interval {wb.lower:.4f} to {wb.upper:.4f}, "
            f"se-equivalent {se_b:.4f}) x occupancy-to-spending ratio {ratio:g} (sd {ratio_sd:g})")
    # an unbounded bootstrap interval carries no information: the prior is used alone
    return DataEstimate("log_homicide_rate (panel)", b * ratio, se, note, usable=bool(np.isfinite(se)))


def _elasticity_model(df: pd.DataFrame, opts: Mapping[str, Any]) -> EstimateResult:
    from statsmodels.tools.tools import add_constant  # not statsmodels.api: 0.2 s of imports a run does not use

    logs = np.log(df[["receipts", "homicide_rate", "us_gdp", "mxn_usd"]])
    diff = opts["form"] == "difference"
    x = logs.diff().dropna() if diff else logs.copy()
    dep = "d.log(receipts)" if diff else "log(receipts)"
    # statsmodels sees the names impact reports, so its own summary() and params read the same
    prefix = "d." if diff else ""
    x = x.rename(columns={c: f"{prefix}log_{c}" for c in x.columns})
    y = x.pop(f"{prefix}log_receipts")
    for yr in opts["dummies"]:
        if yr in x.index:
            x[f"d{yr}"] = (x.index == yr).astype(float)
    X = add_constant(x)
    first, last = int(X.index.min()), int(X.index.max())
    X.index = y.index = annual_index(X.index)
    recipe = (ols_fit, (y, X, "HAC", opts["hac_maxlags"]))
    res = ols_fit(*recipe[1])
    diag = regression_diagnostics(res)
    form = "first differences" if opts["form"] == "difference" else "levels"
    return EstimateResult(
        name="Tourism elasticity to insecurity",
        method=f"OLS in {form}, HAC (Newey-West, {opts['hac_maxlags']} lags) standard errors",
        dependent=dep, sample=f"{first}-{last} (annual)",
        params=res.params, bse=res.bse, cov_params_=res.cov_params(), nobs=int(res.nobs), df_resid=float(res.df_resid),
        rsquared=float(res.rsquared), diagnostics=diag, use_t=bool(res.use_t),
        notes=(
            "Receipts: international visitor receipts (WDI joined to INEGI/Banxico on the 2019 overlap), US$ m, current.",
            "Homicide rate: WDI/UNODC per 100,000, extended after 2020 with INEGI counts.",
            "Controls: U.S. real GDP (BEA, FRED GDPC1), MXN per USD (WDI PA.NUS.FCRF); pulse dummies "
            + ", ".join(str(d) for d in opts["dummies"]) + ".",
            "National annual data identify this elasticity weakly; the channel uses the pooled estimate by default.",
        ),
        _results=res,
        recipe=recipe,
    )


@serial.register_function
def rebuild_arima(endog: pd.Series, exog: pd.DataFrame | None, params: np.ndarray) -> Any:
    """The fitted ARIMA(0,1,0)-with-drift result from its data and parameters, without re-estimation
    (used by the fit cache; the same statsmodels class and covariance as the fit)."""
    from statsmodels.tsa.arima.model import ARIMA

    return ARIMA(endog, exog=exog, order=(0, 1, 0), trend="t").smooth(params)


def log_forecast(bmodel: EstimateResult, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the log receipts forecast ``steps`` years after the baseline model's
    sample, pulse dummies at zero (as ``fit.forecast()`` gives users): a random walk's
    ``sigma^2 min(h, k)`` plus the drift's estimation variance ``var(drift) h k``."""
    fc = bmodel.get_forecast(steps)
    sigma2 = float(bmodel.params["sigma2"])
    cov = forecast_covariance(np.array([1.0]), np.array([1.0]), sigma2, steps, d=1)
    hh = np.arange(1, steps + 1, dtype=float)
    return np.asarray(fc.predicted_mean), cov + float(bmodel.cov_params_.loc["drift", "drift"]) * np.outer(hh, hh)


def baseline_model(y: pd.Series, opts: Mapping[str, Any], base_year: int) -> EstimateResult:
    """The baseline ARIMA(0,1,0) with drift and pulse dummies on log receipts up to ``base_year``
    (also refitted at each origin of the backtest, :mod:`impact.candidates`)."""
    from statsmodels.tsa.arima.model import ARIMA

    logy = np.log(y.loc[: base_year]).rename("log_receipts")
    first, last = int(logy.index.min()), int(logy.index.max())
    exog = pd.DataFrame({f"d{d}": (logy.index == d).astype(float) for d in opts["baseline_dummies"] if d in logy.index},
                        index=logy.index)
    # dated and named: statsmodels' summary shows the years and dummies, its forecasts the years ahead
    logy.index = exog.index = annual_index(logy.index)
    ex = exog if exog.shape[1] else None
    res = ARIMA(logy, exog=ex, order=(0, 1, 0), trend="t").fit()
    params, bse, cov = labelled(res, ["drift"] + list(exog.columns) + ["sigma2"])
    diag = (
        *residual_diagnostics(np.asarray(res.resid)[1:], 3),
        Diagnostic("Breusch-Pagan", None, None, "homoskedastic residuals", "not applicable: no regressors besides drift and pulse dummies"),
        Diagnostic("Stationarity", None, None, "", "by construction: the model is specified in first differences (d=1)"),
    )
    est = EstimateResult(
        name="Tourism baseline: ARIMA(0,1,0) with drift on log receipts",
        method="Gaussian maximum likelihood (statsmodels ARIMA), pulse dummies " + ", ".join(exog.columns),
        dependent="log(receipts)", sample=f"{first}-{last} (annual)",
        params=params, bse=bse, cov_params_=cov, nobs=int(res.nobs), df_resid=None, rsquared=None, diagnostics=diag,
        notes=("COVID years 2020 and 2021 and 2009 (H1N1, recession) enter as pulse dummies; the forecast sets them to 0.",),
        use_t=bool(res.use_t), time_series=True, _results=res,
        recipe=(rebuild_arima, (logy, ex, np.asarray(res.params))),
    )
    return est


def fit(data: Mapping[str, pd.Series], options: Mapping[str, Any], settings: Any) -> ChannelFit:
    opts = dict(options)
    opts["dummies"] = tuple(opts["dummies"])
    opts["baseline_dummies"] = tuple(opts["baseline_dummies"])
    base_year = settings.base_year
    years = settings.years
    receipts, join_notes = joined_receipts(data)
    rate, rate_note = homicide_rate(data)
    df = pd.DataFrame({"receipts": receipts, "homicide_rate": rate, "us_gdp": data["us_real_gdp"],
                       "mxn_usd": data["mxn_per_usd"]}).loc[opts["fit_start"]: base_year].dropna()
    main = _elasticity_model(df, opts)
    term = "d.log_homicide_rate" if opts["form"] == "difference" else "log_homicide_rate"
    opts["panel_drop_years"] = tuple(opts["panel_drop_years"])
    pmodel, wb = destinations.panel_model(data, opts, base_year)
    padv, _ = destinations.panel_model(data, opts, base_year, advisory=True)
    if opts["elasticity_data"] == "panel":
        data_est = panel_data_estimate(wb, opts["occupancy_to_spending"], opts["occupancy_to_spending_sd"])
    else:
        data_est = DataEstimate(term, float(main.params[term]), float(main.bse[term]),
                                f"coefficient on {term} in the {main.method} regression")
    bmodel = baseline_model(receipts, opts, base_year)
    steps = len(years)
    log_mean, cov = log_forecast(bmodel, steps)
    anchor = float(receipts[base_year])
    # index relative to the base-year actual, so that B(t) = base_level * index(t)
    baseline = baseline_from_logs(
        "tourism", years, log_mean - np.log(anchor), cov, np.eye(steps), level=opts["interval"],
        unit="index (base year = 1)", method=bmodel.name,
        data="International visitor receipts: World Bank WDI ST.INT.RCPT.CD (1995-2020) joined to INEGI/Banxico (2019 overlap)",
    )
    return ChannelFit(
        channel="tourism", main=main,
        models={"baseline": bmodel, "panel": pmodel, "panel_advisory": padv,
                "did_2025": arrivals.did_model(data, opts)},
        pooled={}, baseline=baseline,
        constants={"receipts_base_year": anchor},
        notes=tuple(join_notes) + (rate_note,), data_estimates={"elasticity": data_est},
    )


def effect(ctx: EffectContext) -> ChannelEffect:
    p, s = ctx.params, ctx.shocks
    base = p["base_level"][:, None] * ctx.baseline
    prof = ctx.profile("insecurity", p["half_life"])
    delta = np.expm1(p["elasticity"][:, None] * np.log1p(s["insecurity"] / 100.0)[:, None] * prof)
    impact = base * delta
    return ChannelEffect(impact=impact, baseline=base, components={"visitor spending": impact})


def excel_formula(refs: Mapping[str, str], year: str, timings: Mapping[str, str]) -> str:
    prof = excel_profile("insecurity", refs, year, timings, refs["half_life"])
    return (f"={refs['base_level']}*{refs['baseline']}*(EXP({refs['elasticity']}*LN(1+{refs['insecurity']}/100)"
            f"*{prof})-1)")


#: value-added pass-through (impact.passthrough): Mexican value added and direct jobs per US$ of visitor spending
PASSTHROUGH = {"mx_gdp": lambda p: p["mx_va_share"], "mx_jobs": lambda p: p["mx_jobs"]}

PASSTHROUGH_NOTE = ('Mexico GDP = change x mx_va_share; Mexico jobs = change x mx_jobs (direct tourism jobs per US$ 1 m '
                    "of spending). No U.S. value added: the spending is Mexico's export.")


CHANNEL = Channel(spec=SPEC, label="U.S. visitor spending in Mexico", fit=fit, effect=effect,
                  passthrough=PASSTHROUGH, passthrough_note=PASSTHROUGH_NOTE,
                  excel_formula=excel_formula, monotone=("insecurity",), check_data=check_data,
                  baseline_scale="base_level")
