"""Estimation helpers shared by the channels: OLS with HAC errors, ARIMA forecast covariances,
baselines from log forecasts, residual diagnostics, and the data/prior record of an estimated
parameter.  (The result objects they produce are in :mod:`impact.results.estimates`.)
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import serial
from .results.estimates import BaselineForecast, Diagnostic, PooledEstimate


def forecast_covariance(ar_poly: np.ndarray, ma_poly: np.ndarray, sigma2: float, steps: int,
                        d: int = 0, D: int = 0, s: int = 0) -> np.ndarray:
    """Covariance (steps x steps) of h-step forecast errors of an ARIMA process.

    Uses the MA(inf) weights psi of the full AR polynomial (AR x (1-L)^d x (1-L^s)^D):
    cov[h, k] = sigma2 * sum_{j=0}^{min(h,k)} psi[h-j] psi[k-j].
    Polynomials are in increasing lag order, leading 1 (statsmodels' ``polynomial_ar`` convention).
    """
    from numpy.polynomial import polynomial as P
    from statsmodels.tsa.arima_process import arma2ma

    full_ar = np.asarray(ar_poly, dtype=float)
    for _ in range(d):
        full_ar = P.polymul(full_ar, [1.0, -1.0])
    for _ in range(D):
        seas = np.zeros(s + 1)
        seas[0], seas[s] = 1.0, -1.0
        full_ar = P.polymul(full_ar, seas)
    psi = arma2ma(full_ar, np.asarray(ma_poly, dtype=float), lags=steps)
    m = np.zeros((steps, steps))
    for h in range(steps):
        m[h, : h + 1] = psi[h::-1]
    return sigma2 * m @ m.T


def baseline_from_logs(channel: str, years: tuple[int, ...], log_mean: np.ndarray, log_cov: np.ndarray,
                       aggregate: np.ndarray, *, level: float, unit: str, method: str, data: str,
                       n_interval: int = 20_000, seed: int = 12345) -> BaselineForecast:
    """Baseline from a Gaussian forecast of log levels per step, summed to years by ``aggregate``.

    The mean is exact (lognormal means summed); interval bounds are quantiles of ``n_interval``
    simulated paths with a fixed seed, so they are reproducible.
    """
    var = np.diag(log_cov)
    mean = aggregate @ np.exp(log_mean + var / 2)
    sims, chol = simulate_sums(log_mean, log_cov, aggregate, n_interval, seed)
    a = (1 - level) / 2
    lower, upper = np.quantile(sims, [a, 1 - a], axis=0)
    return BaselineForecast(channel, years, mean, lower, upper, level, unit, method, data,
                            _log_mean=log_mean, _log_chol=chol, _aggregate=aggregate)


def simulate_sums(log_mean: np.ndarray, log_cov: np.ndarray, aggregate: np.ndarray, n: int, seed: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` simulated (n x periods) sums of levels whose logs are jointly normal (``log_mean``,
    ``log_cov`` per step), summed to periods by ``aggregate`` (periods x steps), with a fixed seed;
    and the Cholesky factor used.  Baselines and the backtest aggregate forecasts this one way."""
    chol = np.linalg.cholesky(log_cov + 1e-12 * np.eye(len(log_mean)))
    z = np.random.default_rng(seed).standard_normal((n, len(log_mean)))
    return np.exp(log_mean + z @ chol.T) @ aggregate.T, chol


def regression_diagnostics(res: Any, *, hetero: bool = True, stationarity: bool = True) -> tuple[Diagnostic, ...]:
    """Residual diagnostics for an OLS result: autocorrelation, normality, heteroskedasticity
    (``hetero``: Breusch-Pagan; off for a regression on a constant, which has no regressor to test the
    variance against) and stationarity (``stationarity``: ADF on the residuals)."""
    from statsmodels.stats.diagnostic import acorr_ljungbox, het_breuschpagan
    from statsmodels.stats.stattools import durbin_watson, jarque_bera
    from statsmodels.tsa.stattools import adfuller

    resid = np.asarray(res.resid)
    n = len(resid)
    out: list[Diagnostic] = [Diagnostic("Durbin-Watson", float(durbin_watson(resid)), None,
                                        "no first-order autocorrelation (about 2)")]
    lags = min(4, max(1, n // 5))
    if n >= 10:
        lb = acorr_ljungbox(resid, lags=[lags])
        out.append(Diagnostic(f"Ljung-Box ({lags} lags)", float(lb["lb_stat"].iloc[0]), float(lb["lb_pvalue"].iloc[0]),
                              "no residual autocorrelation"))
    else:
        out.append(Diagnostic("Ljung-Box", None, None, "no residual autocorrelation", f"not computed: only {n} observations"))
    if n >= 8:
        jb, jbp, _, _ = jarque_bera(resid)
        out.append(Diagnostic("Jarque-Bera", float(jb), float(jbp), "normal residuals"))
    else:
        out.append(Diagnostic("Jarque-Bera", None, None, "normal residuals", f"not computed: only {n} observations"))
    exog = getattr(res.model, "exog", None)
    if hetero and exog is not None and n > exog.shape[1] + 2:
        # columns that are pulse dummies make the auxiliary regression singular; drop them
        keep = [j for j in range(exog.shape[1]) if np.count_nonzero(exog[:, j]) > 1]
        try:
            bp, bpp, _, _ = het_breuschpagan(resid, exog[:, keep])
            out.append(Diagnostic("Breusch-Pagan", float(bp), float(bpp), "homoskedastic residuals"))
        except Exception as exc:  # pragma: no cover - numerical corner cases
            out.append(Diagnostic("Breusch-Pagan", None, None, "homoskedastic residuals", f"not computed: {exc}"))
    elif hetero:  # hetero=False (a regression on a constant) has no regressor to test against: no row
        out.append(Diagnostic("Breusch-Pagan", None, None, "homoskedastic residuals",
                              "not computed: too few observations for the auxiliary regression"))
    if stationarity and n >= 15:
        adf = adfuller(resid, maxlag=1, autolag=None, result_object=False)
        out.append(Diagnostic("ADF on residuals", float(adf[0]), float(adf[1]), "unit root in residuals (spurious regression)"))
    elif stationarity:
        out.append(Diagnostic("ADF on residuals", None, None, "unit root in residuals",
                              f"not computed: only {n} observations"))
    return tuple(out)


def annual_index(years: Any, name: str = "year") -> pd.PeriodIndex:
    """Years (ints) as an annual PeriodIndex: statsmodels then reports the sample as dates and its
    forecasts are indexed by the years that follow."""
    return pd.PeriodIndex([pd.Period(year=int(y), freq="Y") for y in years], name=name)


def labelled(res: Any, names: list[str]) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """A statsmodels result's params, standard errors and covariance, labelled with ``names``."""
    params = pd.Series(np.asarray(res.params), index=names)
    bse = pd.Series(np.asarray(res.bse), index=names)
    cov = pd.DataFrame(np.asarray(res.cov_params()), index=names, columns=names)
    return params, bse, cov


def residual_diagnostics(resid: np.ndarray, lags: int) -> list[Diagnostic]:
    """Ljung-Box (``lags``) and Jarque-Bera tests of time-series model residuals."""
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.stats.stattools import jarque_bera

    lb = acorr_ljungbox(resid, lags=[lags])
    jb = jarque_bera(resid)
    return [Diagnostic(f"Ljung-Box ({lags} lags)", float(lb["lb_stat"].iloc[0]), float(lb["lb_pvalue"].iloc[0]),
                       "no residual autocorrelation"),
            Diagnostic("Jarque-Bera", float(jb[0]), float(jb[1]), "normal residuals")]


def pooled_for(parameter: Any, data: float | None, data_se: float | None, note: str,
               mode: str | None = None) -> PooledEstimate:
    """The data/prior/pooled record of an estimated parameter declared in the assumption files."""
    prior = parameter.prior
    return PooledEstimate(
        term=parameter.name, unit=parameter.unit, data=data, data_se=data_se,
        prior=prior.mean if prior else float("nan"), prior_sd=prior.sd if prior else float("nan"),
        prior_source=prior.source if prior else "", mode=mode or parameter.estimate or "pooled", data_note=note,
    )


@serial.register_function
def ols_fit(y: pd.Series, X: pd.DataFrame, cov_type: str = "nonrobust", maxlags: int | None = None) -> Any:
    """statsmodels OLS (``HAC`` with Newey-West ``maxlags`` when asked); also rebuilds cached results."""
    from statsmodels.regression.linear_model import OLS  # not statsmodels.api: 0.2 s of imports

    if cov_type == "HAC":
        return OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})
    return OLS(y, X).fit()
