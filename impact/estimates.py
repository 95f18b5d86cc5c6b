"""statsmodels-style result objects for the channel estimators, and the shared estimation helpers.

:class:`EstimateResult` mirrors what statsmodels and linearmodels users expect: ``params``,
``bse``, ``tvalues``, ``pvalues``, ``conf_int(level)``, ``nobs``, ``rsquared``, ``summary()``,
``tidy()`` and the raw statsmodels result in ``raw``.  :class:`PooledEstimate` combines a data
estimate with a literature prior by precision weighting.  :class:`BaselineForecast` holds a
channel's no-designation path with prediction intervals and can draw forecast paths.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from . import serial


@serial.register
@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic test; ``reason`` explains why it was not computed when statistic is None."""

    name: str
    statistic: float | None
    p_value: float | None
    null: str
    reason: str = ""

    def as_row(self) -> dict[str, Any]:
        return {"test": self.name, "statistic": self.statistic, "p_value": self.p_value, "null": self.null,
                "note": self.reason}


def _html_table(df: pd.DataFrame, caption: str) -> str:
    return f"<div><strong>{html.escape(caption)}</strong>{df.to_html(float_format=lambda x: f'{x:.4g}', border=0)}</div>"


def _with_lazy_raw(res: EstimateResult) -> EstimateResult:
    """After loading from the fit cache: the statsmodels result, rebuilt from the recipe on first use."""
    if res.recipe is None:
        return res
    return replace(res, raw=LazyResult(*res.recipe))


@serial.register(skip=("raw",), after_load=lambda r: _with_lazy_raw(r))
@dataclass(frozen=True)
class EstimateResult:
    """A fitted regression or time-series model, statsmodels style.

    Attributes
    ----------
    name, method, dependent, sample : str
        What was estimated, how (estimator and covariance), the dependent variable and the sample.
    params, bse : pandas.Series
        Coefficients and standard errors, indexed by term.
    cov_params_ : pandas.DataFrame
        Covariance of the coefficients.
    nobs : int
    df_resid : float or None
        Residual degrees of freedom for t-based inference; None means normal (z) inference.
    rsquared : float or None
        None where not meaningful (state-space models).
    diagnostics : tuple of Diagnostic
    raw : object
        The statsmodels results object, for experts (not part of equality or repr).
    """

    name: str
    method: str
    dependent: str
    sample: str
    params: pd.Series
    bse: pd.Series
    cov_params_: pd.DataFrame
    nobs: int
    df_resid: float | None = None
    rsquared: float | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    notes: tuple[str, ...] = ()
    raw: Any = field(default=None, repr=False, compare=False)
    #: (builder, args) that rebuild ``raw`` from the data and fitted parameters; when set, pickles
    #: (the fit cache) store the recipe instead of the large statsmodels object.
    recipe: tuple[Any, tuple[Any, ...]] | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if self.recipe is not None and not isinstance(self.raw, LazyResult):
            state["raw"] = LazyResult(*self.recipe)
        return state

    # -- statsmodels-like accessors
    def cov_params(self) -> pd.DataFrame:
        return self.cov_params_

    @property
    def tvalues(self) -> pd.Series:
        return self.params / self.bse

    @property
    def pvalues(self) -> pd.Series:
        t = self.tvalues.abs()
        if self.df_resid:
            return pd.Series(2 * special.stdtr(self.df_resid, -t), index=self.params.index)
        return pd.Series(2 * special.ndtr(-t), index=self.params.index)

    def _crit(self, level: float) -> float:
        q = 1 - (1 - level) / 2
        return float(special.stdtrit(self.df_resid, q)) if self.df_resid else float(special.ndtri(q))

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals with columns ``lower`` and ``upper``."""
        c = self._crit(level)
        return pd.DataFrame({"lower": self.params - c * self.bse, "upper": self.params + c * self.bse})

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row per term: term, estimate, std_error, statistic, p_value, conf_low, conf_high."""
        ci = self.conf_int(level)
        return pd.DataFrame({
            "model": self.name, "term": self.params.index, "estimate": self.params.values, "std_error": self.bse.values,
            "statistic": self.tvalues.values, "p_value": self.pvalues.values,
            "conf_low": ci["lower"].values, "conf_high": ci["upper"].values,
        })

    def diagnostics_frame(self) -> pd.DataFrame:
        return pd.DataFrame([d.as_row() for d in self.diagnostics], columns=["test", "statistic", "p_value", "null", "note"])

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Same as :meth:`tidy` (one row per term)."""
        return self.tidy(level)

    def summary(self) -> Summary:
        head = [
            f"{self.name}",
            f"Method: {self.method}",
            f"Dependent variable: {self.dependent}",
            f"Sample: {self.sample}    No. observations: {self.nobs}"
            + (f"    R-squared: {self.rsquared:.3f}" if self.rsquared is not None else ""),
        ]
        coef = self.tidy().drop(columns="model").set_index("term")
        diag = self.diagnostics_frame().set_index("test")
        return Summary(title=self.name, header=tuple(head), tables=(("Coefficients", coef), ("Diagnostics", diag)),
                       notes=self.notes)

    def __repr__(self) -> str:
        return f"<EstimateResult {self.name!r}: {self.method}, nobs={self.nobs}, {len(self.params)} params>"

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


class LazyResult:
    """Stands in for a statsmodels result that is rebuilt on first use (attribute access is forwarded).

    The fit cache stores the data and the fitted parameters instead of the full state-space result
    (tens of MB for the imports model); ``builder(*args)`` re-creates it without re-estimating.
    """

    def __init__(self, builder: Any, args: tuple[Any, ...]) -> None:
        self._builder, self._args, self._value = builder, args, None

    def get(self) -> Any:
        if self._value is None:
            self._value = self._builder(*self._args)
        return self._value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_builder", "_args", "_value"):
            raise AttributeError(name)
        return getattr(self.get(), name)

    def __getstate__(self) -> dict[str, Any]:
        return {"_builder": self._builder, "_args": self._args, "_value": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"<statsmodels result, rebuilt on first use by {getattr(self._builder, '__name__', self._builder)}>"


@dataclass(frozen=True)
class Summary:
    """Readable text (``str``) and HTML (notebooks) rendering of a result."""

    title: str
    header: tuple[str, ...]
    tables: tuple[tuple[str, pd.DataFrame], ...]
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        width = 78
        out = ["=" * width, *self.header, "=" * width]
        with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4g}".format):
            for name, df in self.tables:
                out += [name, "-" * width, df.to_string() if not df.empty else "(none)", ""]
        if self.notes:
            out += ["Notes:"] + [f"  [{i + 1}] {n}" for i, n in enumerate(self.notes)]
        return "\n".join(out)

    def __repr__(self) -> str:
        return str(self)

    def as_text(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.title)}</h4>", "<br>".join(html.escape(h) for h in self.header[1:])]
        parts += [_html_table(df, name) for name, df in self.tables]
        if self.notes:
            parts.append("<ol>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ol>")
        return "\n".join(parts)


@serial.register
@dataclass(frozen=True)
class DataEstimate:
    """A coefficient estimated from data for an estimable parameter, before it meets its prior.

    ``usable`` is False when the estimator failed (e.g. did not converge): the prior is used then."""

    term: str
    value: float | None
    se: float | None
    note: str
    usable: bool = True


@serial.register
@dataclass(frozen=True)
class PooledEstimate:
    """Data estimate, literature prior and their precision-weighted combination for one coefficient.

    pooled = (b/se_b^2 + m/sd^2) / (1/se_b^2 + 1/sd^2), se_pooled = (1/se_b^2 + 1/sd^2)^(-1/2).
    ``mode`` (data | prior | pooled, from the assumption file) selects ``value`` and ``se``.
    """

    term: str
    unit: str
    data: float | None
    data_se: float | None
    prior: float
    prior_sd: float
    prior_source: str
    mode: str
    data_note: str = ""

    @property
    def pooled(self) -> float:
        if self.data is None or self.data_se is None:
            return self.prior
        w1, w2 = 1 / self.data_se**2, 1 / self.prior_sd**2
        return (self.data * w1 + self.prior * w2) / (w1 + w2)

    @property
    def pooled_se(self) -> float:
        if self.data is None or self.data_se is None:
            return self.prior_sd
        return (1 / self.data_se**2 + 1 / self.prior_sd**2) ** -0.5

    @property
    def value(self) -> float:
        if self.mode == "data" and self.data is not None:
            return self.data
        return self.prior if self.mode == "prior" else self.pooled

    @property
    def se(self) -> float:
        if self.mode == "data" and self.data_se is not None:
            return self.data_se
        return self.prior_sd if self.mode == "prior" else self.pooled_se

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        c = float(special.ndtri(1 - (1 - level) / 2))
        return self.value - c * self.se, self.value + c * self.se

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        c = float(special.ndtri(1 - (1 - level) / 2))
        rows = []
        for kind, est, se in (("data", self.data, self.data_se), ("prior", self.prior, self.prior_sd),
                              ("pooled", self.pooled, self.pooled_se)):
            rows.append({"term": self.term, "kind": kind, "estimate": est, "std_error": se,
                         "conf_low": None if est is None or se is None else est - c * se,
                         "conf_high": None if est is None or se is None else est + c * se,
                         "used": kind == self.mode})
        return pd.DataFrame(rows)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Data, prior and pooled rows (estimate, std_error, interval; ``used`` marks the one in the model)."""
        return self.to_frame(level).set_index("kind")

    def __repr__(self) -> str:
        data = "n/a" if self.data is None else f"{self.data:.4g} (se {self.data_se:.3g})"
        return (f"<PooledEstimate {self.term!r}: {self.value:.4g} (se {self.se:.3g}, {self.mode}); data {data}, "
                f"prior {self.prior:.4g} (sd {self.prior_sd:.3g}), {self.unit}>")

    def _repr_html_(self) -> str:
        return _html_table(self.summary(), f"{self.term} ({self.unit}): data, prior and pooled estimates; "
                                           f"used: {self.mode}")


def pool(b: float | None, se_b: float | None, m: float, sd: float) -> tuple[float, float]:
    """Precision-weighted combination of an estimate (b, se_b) and a prior (m, sd)."""
    if b is None or se_b is None or not math.isfinite(se_b) or se_b <= 0:
        return m, sd
    w1, w2 = 1 / se_b**2, 1 / sd**2
    return (b * w1 + m * w2) / (w1 + w2), (w1 + w2) ** -0.5


@serial.register
@dataclass(frozen=True)
class BaselineForecast:
    """A channel's no-designation path by year, with prediction intervals and path draws.

    ``mean`` is the expected level (US$ bn) in each horizon year.  Forecast uncertainty is
    carried as multiplicative factors with mean one: ``draw_factors(n, rng)`` returns an
    (n, years) array whose columns average 1, so a draw's level is ``mean * factor``.
    """

    channel: str
    years: tuple[int, ...]
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    unit: str
    method: str
    data: str
    _log_mean: np.ndarray | None = field(default=None, repr=False)
    _log_chol: np.ndarray | None = field(default=None, repr=False)
    _aggregate: np.ndarray | None = field(default=None, repr=False)  # (years, steps) 0/1 matrix summing steps

    def to_frame(self) -> pd.DataFrame:
        """By year: mean, median (the central path used by deterministic runs), lower, upper, unit."""
        return pd.DataFrame({"mean": self.mean, "median": self.central, "lower": self.lower, "upper": self.upper,
                             "unit": self.unit}, index=pd.Index(self.years, name="year"))

    def summary(self) -> pd.DataFrame:
        """Same as :meth:`to_frame`."""
        return self.to_frame()

    def __repr__(self) -> str:
        c = self.central
        return (f"<BaselineForecast {self.channel!r}: {self.years[0]}-{self.years[-1]}, {self.unit}, "
                f"{c[0]:,.4g} to {c[-1]:,.4g}, {self.level:.0%} interval>")

    def _repr_html_(self) -> str:
        return _html_table(self.to_frame().drop(columns="unit"),
                           f"{self.channel} baseline (no designation), {self.unit}; {self.level:.0%} interval; "
                           f"{self.method}")

    @property
    def central(self) -> np.ndarray:
        """The point-forecast path (median of each year's level) used by deterministic runs."""
        if self._log_chol is None:
            return self.mean
        return np.exp(self._log_mean) @ self._aggregate.T

    @property
    def uncertain(self) -> bool:
        return self._log_chol is not None

    def draw_factors(self, z: np.ndarray) -> np.ndarray:
        """Multiplicative factors (n, years) relative to :attr:`central` from standard normals z (n, steps).

        z = 0 gives factors of exactly one (the central path).
        """
        if self._log_chol is None:
            return np.ones((z.shape[0], len(self.years)))
        logs = self._log_mean + z @ self._log_chol.T
        levels = np.exp(logs) @ self._aggregate.T
        return levels / self.central

    def quantile_factors(self, u: np.ndarray) -> np.ndarray:
        """Factors (n, years) with every step at the same forecast quantile u (a one-number summary
        of forecast uncertainty, used by the sensitivity analyses)."""
        u = np.asarray(u, dtype=float)
        if self._log_chol is None:
            return np.ones((u.shape[0], len(self.years)))
        # designs repeat few distinct quantiles (tornado, grids, Sobol): compute each once
        uq, inv = np.unique(u, return_inverse=True)
        sd = np.sqrt(np.sum(self._log_chol**2, axis=1))
        logs = self._log_mean + special.ndtri(uq)[:, None] * sd[None, :]
        return ((np.exp(logs) @ self._aggregate.T) / self.central)[inv.ravel()]

    @property
    def steps(self) -> int:
        return 0 if self._log_chol is None else self._log_chol.shape[0]


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
    chol = np.linalg.cholesky(log_cov + 1e-12 * np.eye(len(var)))
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_interval, len(var)))
    sims = np.exp(log_mean + z @ chol.T) @ aggregate.T
    a = (1 - level) / 2
    lower, upper = np.quantile(sims, [a, 1 - a], axis=0)
    return BaselineForecast(channel, years, mean, lower, upper, level, unit, method, data,
                            _log_mean=log_mean, _log_chol=chol, _aggregate=aggregate)


def regression_diagnostics(res: Any, *, hetero: bool = True, stationarity: bool = True) -> tuple[Diagnostic, ...]:
    """Residual diagnostics for an OLS result: autocorrelation, normality, heteroskedasticity, stationarity."""
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
    else:
        out.append(Diagnostic("Breusch-Pagan", None, None, "homoskedastic residuals",
                              "not computed: too few observations for the auxiliary regression"))
    if stationarity and n >= 15:
        adf = adfuller(resid, maxlag=1, autolag=None, result_object=False)
        out.append(Diagnostic("ADF on residuals", float(adf[0]), float(adf[1]), "unit root in residuals (spurious regression)"))
    elif stationarity:
        out.append(Diagnostic("ADF on residuals", None, None, "unit root in residuals",
                              f"not computed: only {n} observations"))
    return tuple(out)


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
