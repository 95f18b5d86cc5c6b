"""The baseline specifications the rolling-origin backtest compares (:mod:`impact.backtest`), per channel.

A :class:`Candidate` is a name, a description and a function that, given the channel's data and
estimator options, an origin year T and a number of years H, fits the specification on data up to
December of T and returns a :class:`LogForecast`: the Gaussian forecast of log levels per step
(months or years) and the matrix that sums steps to the annual totals of T+1..T+H.  Every
candidate's annual totals are then simulated the way baselines are (:func:`impact.estimation.simulate_sums`).

* imports (annual totals of monthly Census imports, US$ bn): the channel's own SARIMA (its
  ``order``/``seasonal_order`` options; default the airline model (0,1,1)x(0,1,1)12), the
  AIC-preferred (3,1,0)x(0,1,1)12 and the airline model when they are not the default, a random walk with
  drift on annual log totals (ARIMA(0,1,0) with drift, a pulse dummy for the COVID year, the same
  specification as the tourism baseline) and a damped additive trend (ETS) on annual log totals.
* tourism (international visitor receipts, US$ m): the channel's baseline (ARIMA(0,1,0) with
  drift and its ``baseline_dummies``), an ARIMA(1,1,0) with drift and the same dummies, and a
  random walk without drift (the naive benchmark).
* remittances (annual totals of Banxico's monthly remittances, US$ bn): the channel's own SARIMA
  (default the airline model), the (3,1,0)x(0,1,1)12 alternative, and a random walk with drift on
  annual log totals.  Origins start in 2010: the monthly sample starts in 2003 (``fit_start``) and
  a seasonal model needs about eight years.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .channels import imports as imports_channel
from .channels import remittances as remittances_channel
from .channels import tourism as tourism_channel
from .errors import Issue, UsageError
from .estimation import annual_index, forecast_covariance


@dataclass(frozen=True)
class LogForecast:
    """A Gaussian forecast of log levels: ``log_mean`` (steps), ``log_cov`` (steps x steps) and
    ``aggregate`` (years x steps), which sums the levels of the steps into each forecast year's total."""

    log_mean: np.ndarray
    log_cov: np.ndarray
    aggregate: np.ndarray


#: (data, channel options, origin year, years ahead) -> LogForecast
ForecastFn = Callable[[Mapping[str, pd.Series], Mapping[str, Any], int, int], LogForecast]


@dataclass(frozen=True)
class Candidate:
    """One baseline specification: ``name``, ``description``, its ``forecast`` function; ``current``
    marks the channel's default specification; ``options`` are the estimator options that select it
    in the channel (None: the channel cannot run it as its baseline)."""

    name: str
    description: str
    forecast: ForecastFn = field(repr=False)
    current: bool = False
    options: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ChannelCandidates:
    """A channel's candidates, the unit of its annual totals and ``actuals(data, options)``: the
    observed annual totals (a Series by integer year, complete years only) the forecasts are scored on."""

    channel: str
    unit: str
    actuals: Callable[[Mapping[str, pd.Series], Mapping[str, Any]], pd.Series] = field(repr=False)
    candidates: tuple[Candidate, ...]
    #: the first default origin year (enough data for every candidate before it)
    first_origin: int = 2004


def drift_forecast(y: pd.Series, horizon: int, dummies: tuple[int, ...] = (), ar: int = 0,
                   trend: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the log forecast ``horizon`` years after an annual series ``y`` (levels,
    by integer year) from an ARIMA(ar,1,0) on its logs, with drift when ``trend`` and pulse dummies
    for the years in ``dummies`` that fall in the sample (zero in the forecast).  The covariance
    adds the drift's estimation variance (var(drift) h k) to the ARIMA's, as the tourism baseline does."""
    from statsmodels.tsa.arima.model import ARIMA

    logy = np.log(y.astype(float))
    exog = pd.DataFrame({f"d{d}": (logy.index == d).astype(float) for d in dummies if d in logy.index},
                        index=logy.index)
    logy.index = exog.index = annual_index(logy.index)
    ex = exog if exog.shape[1] else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' start-value and convergence chatter on short samples
        res = ARIMA(logy, exog=ex, order=(ar, 1, 0), trend="t" if trend else "n").fit()
    fc = res.get_forecast(horizon, exog=np.zeros((horizon, exog.shape[1])) if ex is not None else None)
    cov = forecast_covariance(res.polynomial_ar, np.array([1.0]), float(np.asarray(res.params)[-1]), horizon, d=1)
    if trend:
        hh = np.arange(1, horizon + 1, dtype=float)
        cov = cov + float(np.asarray(res.cov_params())[0, 0]) * np.outer(hh, hh)
    return np.asarray(fc.predicted_mean), cov


def _damped_forecast(y: pd.Series, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Damped additive trend with additive errors (statsmodels ETSModel) on log levels: mean and the
    (diagonal) forecast variance per year; only each year's own distribution is scored."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    logy = np.log(y.astype(float))
    logy.index = annual_index(logy.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(logy, error="add", trend="add", damped_trend=True).fit(disp=False)
    pred = res.get_prediction(start=len(logy), end=len(logy) + horizon - 1)
    return np.asarray(pred.predicted_mean), np.diag(np.asarray(pred.var_pred_mean))


# ---------------------------------------------------------------------------------------------- imports
IMPORTS_SERIES = "us_imports_mexico_monthly"


def imports_actuals(data: Mapping[str, pd.Series], options: Mapping[str, Any]) -> pd.Series:
    """Calendar-year imports, US$ bn: sums of the twelve monthly values (complete years only)."""
    s = data[IMPORTS_SERIES]
    years = s.index.year
    counts = s.groupby(years).count()
    return (s.groupby(years).sum() / 1000.0)[counts == 12]


def _imports_annual_history(data: Mapping[str, pd.Series], options: Mapping[str, Any], origin: int) -> pd.Series:
    """Annual imports (US$ m) from the year of ``fit_start`` to ``origin``: the annual candidates'
    sample, the same months as the SARIMA's."""
    first = pd.Period(options["fit_start"], freq="M").year
    return imports_actuals(data, options).loc[first:origin] * 1000.0


def _imports_sarima(order: tuple[int, ...], seasonal: tuple[int, ...], data: Mapping[str, pd.Series],
                    options: Mapping[str, Any], origin: int, horizon: int) -> LogForecast:
    logy, exog = imports_channel.design(data[IMPORTS_SERIES], options, origin)
    res = imports_channel._fit_sarima(logy, exog, options["maxiter"], order, seasonal)
    mean, cov = imports_channel.log_forecast(res, order, seasonal, 12 * horizon)
    return LogForecast(mean, cov, imports_channel.annual_sum(horizon))


def _covid_years(options: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(sorted({pd.Period(m, freq="M").year for m in options["covid_months"]}))


def _imports_drift(data: Mapping[str, pd.Series], options: Mapping[str, Any], origin: int,
                   horizon: int) -> LogForecast:
    y = _imports_annual_history(data, options, origin)
    mean, cov = drift_forecast(y, horizon, _covid_years(options))
    return LogForecast(mean, cov, np.eye(horizon) / 1000.0)


def _imports_damped(data: Mapping[str, pd.Series], options: Mapping[str, Any], origin: int,
                    horizon: int) -> LogForecast:
    mean, cov = _damped_forecast(_imports_annual_history(data, options, origin), horizon)
    return LogForecast(mean, cov, np.eye(horizon) / 1000.0)


def _sarima_label(order: tuple[int, ...], seasonal: tuple[int, ...]) -> str:
    return f"SARIMA({order[0]},{order[1]},{order[2]})x({seasonal[0]},{seasonal[1]},{seasonal[2]})12"


def imports_candidates(options: Mapping[str, Any]) -> ChannelCandidates:
    """The imports candidates for these estimator options (the first is the channel's own SARIMA)."""
    order, seasonal = tuple(options["order"]), tuple(options["seasonal_order"])
    cands = [Candidate(_sarima_label(order, seasonal),
                       "the channel's seasonal ARIMA of log monthly imports (its order/seasonal_order options), "
                       "annual sums of monthly forecasts", partial(_imports_sarima, order, seasonal), current=True,
                       options={"order": list(order), "seasonal_order": list(seasonal)})]
    for o, s, what in (((0, 1, 1), (0, 1, 1), "the airline model"),
                       ((3, 1, 0), (0, 1, 1), "the AIC-preferred SARIMA (the default before the backtest)")):
        if (o, s) != (order, seasonal):
            cands.append(Candidate(_sarima_label(o, s), f"{what} of log monthly imports, same dummies and sample",
                                   partial(_imports_sarima, o, s),
                                   options={"order": list(o), "seasonal_order": list(s)}))
    cands.append(Candidate("annual drift in logs",
                           "random walk with drift on log annual totals (ARIMA(0,1,0) with drift, COVID-year pulse "
                           "dummy, drift estimation variance in the band)", _imports_drift))
    cands.append(Candidate("annual damped trend",
                           "damped additive trend (ETS, additive errors) on log annual totals", _imports_damped))
    return ChannelCandidates("imports", "US$ bn", imports_actuals, tuple(cands))


# ---------------------------------------------------------------------------------------------- tourism
def tourism_actuals(data: Mapping[str, pd.Series], options: Mapping[str, Any]) -> pd.Series:
    """International visitor receipts, US$ m (the series the tourism baseline forecasts)."""
    return tourism_channel.joined_receipts(data)[0]


def _tourism_current(data: Mapping[str, pd.Series], options: Mapping[str, Any], origin: int,
                     horizon: int) -> LogForecast:
    receipts = tourism_actuals(data, options)
    bmodel = tourism_channel.baseline_model(receipts, options, origin)
    mean, cov = tourism_channel.log_forecast(bmodel, horizon)
    return LogForecast(mean, cov, np.eye(horizon))


def _tourism_arima(ar: int, trend: bool, data: Mapping[str, pd.Series], options: Mapping[str, Any], origin: int,
                   horizon: int) -> LogForecast:
    y = tourism_actuals(data, options).loc[:origin]
    mean, cov = drift_forecast(y, horizon, tuple(options["baseline_dummies"]), ar=ar, trend=trend)
    return LogForecast(mean, cov, np.eye(horizon))


def tourism_candidates(options: Mapping[str, Any]) -> ChannelCandidates:
    """The tourism candidates (the first is the channel's baseline model)."""
    return ChannelCandidates("tourism", "US$ m", tourism_actuals, (
        Candidate("ARIMA(0,1,0) with drift",
                  "the channel's baseline: random walk with drift on log receipts, pulse dummies "
                  "(baseline_dummies), drift estimation variance in the band", _tourism_current, current=True,
                  options={}),
        Candidate("ARIMA(1,1,0) with drift", "the same with an AR(1) term in the growth rates, same dummies",
                  partial(_tourism_arima, 1, True)),
        Candidate("random walk", "no drift (the naive benchmark: next year as this year), same dummies",
                  partial(_tourism_arima, 0, False)),
    ))


# ---------------------------------------------------------------------------------------------- remittances
def remittances_actuals(data: Mapping[str, pd.Series], options: Mapping[str, Any]) -> pd.Series:
    """Calendar-year remittances, US$ bn, from the year of ``fit_start`` (complete years only)."""
    s = data[remittances_channel.SERIES]
    s = s.loc[pd.Period(options["fit_start"], freq="M"):]
    years = s.index.year
    counts = s.groupby(years).count()
    return (s.groupby(years).sum() / 1000.0)[counts == 12]


def _remittances_sarima(order: tuple[int, ...], seasonal: tuple[int, ...], data: Mapping[str, pd.Series],
                        options: Mapping[str, Any], origin: int, horizon: int) -> LogForecast:
    s = data[remittances_channel.SERIES]
    logy = np.log(s.loc[pd.Period(options["fit_start"], freq="M"): pd.Period(f"{origin}-12", freq="M")])
    res = imports_channel._fit_sarima(logy, pd.DataFrame(index=logy.index), options["maxiter"], order, seasonal)
    mean, cov = imports_channel.log_forecast(res, order, seasonal, 12 * horizon)
    return LogForecast(mean, cov, imports_channel.annual_sum(horizon))


def _remittances_drift(data: Mapping[str, pd.Series], options: Mapping[str, Any], origin: int,
                       horizon: int) -> LogForecast:
    y = remittances_actuals(data, options).loc[:origin] * 1000.0
    mean, cov = drift_forecast(y, horizon)
    return LogForecast(mean, cov, np.eye(horizon) / 1000.0)


def remittances_candidates(options: Mapping[str, Any]) -> ChannelCandidates:
    """The remittances candidates (the first is the channel's own SARIMA)."""
    order, seasonal = tuple(options["order"]), tuple(options["seasonal_order"])
    cands = [Candidate(_sarima_label(order, seasonal),
                       "the channel's seasonal ARIMA of log monthly remittances (its order/seasonal_order options), "
                       "annual sums of monthly forecasts", partial(_remittances_sarima, order, seasonal), current=True,
                       options={"order": list(order), "seasonal_order": list(seasonal)})]
    for o, s, what in (((0, 1, 1), (0, 1, 1), "the airline model"), ((3, 1, 0), (0, 1, 1), "an AR(3) SARIMA")):
        if (o, s) != (order, seasonal):
            cands.append(Candidate(_sarima_label(o, s), f"{what} of log monthly remittances, same sample",
                                   partial(_remittances_sarima, o, s),
                                   options={"order": list(o), "seasonal_order": list(s)}))
    cands.append(Candidate("annual drift in logs", "random walk with drift on log annual totals (ARIMA(0,1,0) "
                           "with drift, drift estimation variance in the band)", _remittances_drift))
    return ChannelCandidates("remittances", "US$ bn", remittances_actuals, tuple(cands), first_origin=2010)


#: the channels with declared candidates and the function that declares them from the channel's options
CHANNELS: Mapping[str, Callable[[Mapping[str, Any]], ChannelCandidates]] = {
    "tourism": tourism_candidates, "imports": imports_candidates, "remittances": remittances_candidates}


def for_channel(channel: str, options: Mapping[str, Any]) -> ChannelCandidates:
    """The candidates of ``channel`` given its estimator options; UsageError for a channel without any."""
    if channel not in CHANNELS:
        raise UsageError(Issue(f"no backtest for channel {channel!r}: its baseline is not a forecast",
                               hint=f"choose one of {', '.join(CHANNELS)}"))
    return CHANNELS[channel](options)
