"""statsmodels-style results of the channel estimators.

:class:`EstimateResult` mirrors what statsmodels and linearmodels users expect: ``params``,
``bse``, ``tvalues``, ``pvalues``, ``conf_int(alpha=0.05)`` (or ``level=0.95``), ``nobs``,
``rsquared``, ``summary()``, ``tidy()``, and the genuine statsmodels results object in ``results``
(alias ``raw``), with ``resid``, ``fittedvalues``, ``llf``, ``aic`` and, for time-series models,
``forecast(steps)``.  :class:`PooledEstimate` combines a data
estimate with a literature prior by precision weighting.  :class:`BaselineForecast` holds a
channel's no-designation path with prediction intervals and turns standard normals into forecast
paths.  :class:`ChannelFit` gathers one channel's results.  All are frozen and registered with
:mod:`impact.serial`, so the fit cache stores them as data.
"""
from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .. import htmlrepr, serial
from .inference import MainModelLink, StatsmodelsLink, critical_value, distribution_label, interval_level, two_sided_p


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
        """The test as a row: test, statistic, p_value, null, note."""
        return {"test": self.name, "statistic": self.statistic, "p_value": self.p_value, "null": self.null,
                "note": self.reason}


@serial.register(skip=("_results",))
@dataclass(frozen=True)
class EstimateResult(StatsmodelsLink):
    """A fitted regression or time-series model, statsmodels style.

    Attributes
    ----------
    name, method, dependent, sample : str
        What was estimated, how (estimator and covariance), the dependent variable and the sample.
    params, bse : pandas.Series
        Coefficients and standard errors, indexed by term (the statsmodels regressor names).
    cov_params_ : pandas.DataFrame
        Covariance of the coefficients.
    nobs : int
    df_resid : float or None
        Residual degrees of freedom (regressions); None for state-space models.
    rsquared : float or None
        None where not meaningful (state-space models).
    diagnostics : tuple of Diagnostic
    use_t : bool
        Inference on Student t with ``df_resid`` degrees of freedom (True) or on the standard normal
        (False, z statistics).  Each estimator uses statsmodels' default for its covariance choice
        (the results object's ``use_t``), so ``pvalues`` and ``conf_int`` equal statsmodels': t for
        OLS with classical errors (business costs), z for OLS with HAC errors (the tourism
        elasticity: statsmodels' HAC errors are asymptotic) and for the ARIMA/SARIMAX models.
        ``tidy()`` states it per row (``distribution`` 't' or 'z') and ``summary()`` in its header.
    time_series : bool
        A time-series model: ``forecast(steps)`` and ``get_forecast(steps)`` work, with every
        exogenous regressor (all are pulse dummies) set to zero after the sample.
    results : statsmodels results object (property; alias ``raw``)
        The genuine statsmodels results (``isinstance`` and ``dir`` work), fitted on pandas objects
        with dated indexes and named regressors, so its own ``summary()`` shows names and dates.
        After a fit from the cache it is rebuilt on first access from ``recipe`` (the data and the
        fitted parameters: no re-estimation) and kept.  Not part of equality or repr.
    resid, fittedvalues, llf, aic, bic
        Passed through from ``results``.
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
    use_t: bool = False
    time_series: bool = False
    #: the statsmodels results object once built (see ``results``); never stored in the fit cache
    _results: Any = field(default=None, repr=False, compare=False)
    #: (builder, args) that rebuild ``results`` from the data and fitted parameters: the fit cache stores
    #: the recipe instead of the statsmodels object, and so do pickles (worker processes)
    recipe: tuple[Any, tuple[Any, ...]] | None = field(default=None, repr=False, compare=False)

    # -- statsmodels-like accessors
    def cov_params(self) -> pd.DataFrame:
        """Covariance matrix of the coefficients (term x term)."""
        return self.cov_params_

    @property
    def tvalues(self) -> pd.Series:
        """Coefficient / standard error (statsmodels' name; t or z statistics, see ``use_t``)."""
        return self.params / self.bse

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of ``tvalues``: Student t (df_resid) when ``use_t``, else normal."""
        return two_sided_p(self.tvalues, self.use_t, self.df_resid)

    def conf_int(self, alpha: float | None = None, *, level: float | None = None) -> pd.DataFrame:
        """Confidence intervals (columns ``lower`` and ``upper``, the coefficients' units) at 1 - alpha,
        as statsmodels' ``conf_int(alpha=0.05)``; ``level=0.95`` asks for the same interval.  Student t
        or normal as ``use_t`` (statsmodels' default for the estimator)."""
        c = critical_value(interval_level(alpha, level), self.use_t, self.df_resid)
        return pd.DataFrame({"lower": self.params - c * self.bse, "upper": self.params + c * self.bse})

    def tidy(self, level: float | None = None, *, alpha: float | None = None) -> pd.DataFrame:
        """One row per term: model, term, estimate, std_error, statistic (coefficient / standard error),
        distribution ('t' or 'z': what statistic and p_value refer to), p_value, conf_low, conf_high
        (interval at ``level``, default 0.95, or 1 - ``alpha``)."""
        ci = self.conf_int(alpha, level=level)
        return pd.DataFrame({
            "model": self.name, "term": self.params.index, "estimate": self.params.values, "std_error": self.bse.values,
            "statistic": self.tvalues.values, "distribution": "t" if self.use_t else "z",
            "p_value": self.pvalues.values, "conf_low": ci["lower"].values, "conf_high": ci["upper"].values,
        })

    def diagnostics_frame(self) -> pd.DataFrame:
        """One row per diagnostic test: test, statistic, p_value, null, note."""
        return pd.DataFrame([d.as_row() for d in self.diagnostics], columns=["test", "statistic", "p_value", "null", "note"])

    def to_frame(self, level: float | None = None, *, alpha: float | None = None) -> pd.DataFrame:
        """Same as :meth:`tidy` (one row per term)."""
        return self.tidy(level, alpha=alpha)

    def summary(self) -> Summary:
        """Printable and HTML summary: header, coefficients (with t or z stated) and diagnostics."""
        head = [
            f"{self.name}",
            f"Method: {self.method}",
            f"Dependent variable: {self.dependent}",
            f"Sample: {self.sample}    No. observations: {self.nobs}"
            + (f"    R-squared: {self.rsquared:.3f}" if self.rsquared is not None else ""),
            f"Inference: {distribution_label(self.use_t, self.df_resid)}, as statsmodels' default for this estimator",
        ]
        coef = self.tidy().drop(columns="model").set_index("term")
        diag = self.diagnostics_frame().set_index("test")
        return Summary(title=self.name, header=tuple(head), tables=(("Coefficients", coef), ("Diagnostics", diag)),
                       notes=self.notes)

    def __repr__(self) -> str:
        return f"<EstimateResult {self.name!r}: {self.method}, nobs={self.nobs}, {len(self.params)} params>"

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


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

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.title)}</h4>", "<br>".join(html.escape(h) for h in self.header[1:])]
        parts += [htmlrepr.table(df, name) for name, df in self.tables]
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
        """The precision-weighted combination of the data estimate and the prior."""
        if not self._data_usable:
            return self.prior
        w1, w2 = 1 / self.data_se**2, 1 / self.prior_sd**2  # type: ignore[operator]
        return (self.data * w1 + self.prior * w2) / (w1 + w2)  # type: ignore[operator]

    @property
    def pooled_se(self) -> float:
        """Standard error of the pooled estimate: (1 / (1/se_data^2 + 1/sd_prior^2))^0.5."""
        if not self._data_usable:
            return self.prior_sd
        return (1 / self.data_se**2 + 1 / self.prior_sd**2) ** -0.5  # type: ignore[operator]

    @property
    def _data_usable(self) -> bool:
        """A data estimate with a finite, positive standard error (else the prior stands alone)."""
        return (self.data is not None and self.data_se is not None and math.isfinite(self.data)
                and math.isfinite(self.data_se) and self.data_se > 0)

    @property
    def value(self) -> float:
        """The value the impact equations use: data, prior or pooled, as ``mode`` says."""
        if self.mode == "data" and self.data is not None:
            return self.data
        return self.prior if self.mode == "prior" else self.pooled

    @property
    def se(self) -> float:
        """The standard error of :attr:`value` (its Monte Carlo spread)."""
        if self.mode == "data" and self.data_se is not None:
            return self.data_se
        return self.prior_sd if self.mode == "prior" else self.pooled_se

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        """Normal ``level`` interval of :attr:`value` as (low, high)."""
        c = float(special.ndtri(1 - (1 - level) / 2))
        return self.value - c * self.se, self.value + c * self.se

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Rows data, prior and pooled: estimate, std_error, interval, used."""
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
        return htmlrepr.table(self.summary(), f"{self.term} ({self.unit}): data, prior and pooled estimates; "
                                           f"used: {self.mode}")


@serial.register
@dataclass(frozen=True)
class BaselineForecast:
    """A channel's no-designation path by year, with prediction intervals and path draws.

    ``mean`` is the expected level (US$ bn) in each horizon year.  Forecast uncertainty is
    carried as multiplicative factors relative to :attr:`central` (the median path):
    ``draw_factors(z)`` turns standard normals z (n, steps) into an (n, years) array of factors, one
    per draw and year, so a draw's level is ``central * factor`` (z = 0 gives the central path).
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
        return htmlrepr.table(self.to_frame().drop(columns="unit"),
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
        """Whether the path has forecast uncertainty that Monte Carlo draws sample."""
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
        """Number of forecast steps (months or years) behind the yearly path; 0 when certain."""
        return 0 if self._log_chol is None else self._log_chol.shape[0]

    @property
    def aggregate(self) -> np.ndarray | None:
        """(years, steps) matrix summing forecast steps into years, units converted (None: no draws)."""
        return self._aggregate

    def step_levels(self, z: np.ndarray | None = None) -> np.ndarray:
        """Each forecast step's level before :attr:`aggregate` (imports: months, US$ m; tourism: an
        index): the central path (steps,), or with standard normals ``z`` (n, k) one path per row, as
        :meth:`draw_factors` draws them (``step_levels(z) @ aggregate.T`` are annual levels).  With
        k < steps columns, the first k steps (the Cholesky factor is lower triangular)."""
        if self._log_chol is None:
            raise ValueError(f"the {self.channel} baseline has no forecast distribution")
        if z is None:
            return np.exp(self._log_mean)
        k = z.shape[1]
        return np.exp(self._log_mean[:k] + z @ self._log_chol[:k, :k].T)


@serial.register
@dataclass(frozen=True)
class ChannelFit(MainModelLink):
    """A channel's estimator results, pooled coefficients and baseline path.

    It behaves like a statsmodels result for the channel's main model (``params``, ``bse``,
    ``conf_int``, ``nobs``, ``rsquared``, ``summary()``, ``tidy()``, the statsmodels object in
    ``results``, ``resid``, ``fittedvalues``, ``llf``, ``aic``); the other models (e.g. the baseline
    time-series model) are in ``models``.  ``forecast(steps)`` forecasts with the channel's
    time-series model (the main model for imports, the baseline model for tourism).

    Built in two steps: the channel's ``fit`` runs the estimators on data and options only (what
    the fit cache stores: ``pooled`` is empty, ``data_estimates`` holds the data side of each
    estimable parameter); its ``calibrate`` then applies the effect parameters (priors, pooling,
    parameter-dependent paths), which is cheap and never cached.
    """

    channel: str
    main: EstimateResult
    models: Mapping[str, EstimateResult]
    pooled: Mapping[str, PooledEstimate]
    baseline: BaselineForecast | None
    constants: Mapping[str, Any]
    notes: tuple[str, ...] = ()
    data_estimates: Mapping[str, DataEstimate] = field(default_factory=dict)

    @property
    def params(self) -> pd.Series:
        """Coefficients of the channel's main model (as statsmodels' ``params``)."""
        return self.main.params

    @property
    def bse(self) -> pd.Series:
        """Standard errors of the main model's coefficients."""
        return self.main.bse

    @property
    def tvalues(self) -> pd.Series:
        """Test statistics (coefficient / standard error) of the main model; t or z as ``main.use_t`` says."""
        return self.main.tvalues

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of the main model's coefficients (t or z, as statsmodels' default)."""
        return self.main.pvalues

    @property
    def nobs(self) -> int:
        """Observations of the main model."""
        return self.main.nobs

    @property
    def rsquared(self) -> float | None:
        """R-squared of the main model (None where not meaningful, e.g. state-space models)."""
        return self.main.rsquared

    @property
    def diagnostics(self) -> pd.DataFrame:
        """Residual diagnostics of the main model: test, statistic, p_value, null, note."""
        return self.main.diagnostics_frame()

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the main model's coefficients."""
        return self.main.cov_params()

    def conf_int(self, alpha: float | None = None, *, level: float | None = None) -> pd.DataFrame:
        """The main model's confidence intervals (:meth:`EstimateResult.conf_int`)."""
        return self.main.conf_int(alpha, level=level)

    def tidy(self, level: float | None = None, *, alpha: float | None = None) -> pd.DataFrame:
        """Every model's coefficients, tidy (model, term, estimate, std_error, statistic, distribution,
        p_value, CI): see :meth:`EstimateResult.tidy`."""
        frames = [m.tidy(level, alpha=alpha) for m in (self.main, *self.models.values())]
        return pd.concat(frames, ignore_index=True)

    def to_frame(self, level: float | None = None, *, alpha: float | None = None) -> pd.DataFrame:
        """Same as :meth:`tidy`."""
        return self.tidy(level, alpha=alpha)

    def pooled_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Data, prior and pooled rows of every coefficient the impact equations use (the row used marked)."""
        if not self.pooled:
            return pd.DataFrame(columns=["term", "kind", "estimate", "std_error", "conf_low", "conf_high", "used"])
        return pd.concat([p.to_frame(level) for p in self.pooled.values()], ignore_index=True)

    def summary(self) -> Summary:
        """A printable summary: the main model, the other models and the pooled coefficients."""
        main = self.main.summary()
        tables = list(main.tables)
        if self.pooled:
            tables.append(("Data, prior and pooled estimates", self.pooled_frame().set_index(["term", "kind"])))
        for m in self.models.values():
            tables.append((m.name, m.tidy().drop(columns="model").set_index("term")))
        tables.append(("Baseline (no designation), " + self.baseline.unit, self.baseline.to_frame().drop(columns="unit")))
        return Summary(title=f"{self.channel}: {self.main.name}", header=main.header, tables=tuple(tables),
                       notes=main.notes + self.notes)

    def __repr__(self) -> str:
        pooled = ", ".join(f"{k}={p.value:.3g} ({p.mode})" for k, p in self.pooled.items())
        return f"<ChannelFit {self.channel!r}: {self.main.method}, nobs={self.nobs}; {pooled}>"

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()
