"""statsmodels-style results of the channel estimators.

:class:`EstimateResult` mirrors what statsmodels and linearmodels users expect: ``params``,
``bse``, ``tvalues``, ``pvalues``, ``conf_int(level)``, ``nobs``, ``rsquared``, ``summary()``,
``tidy()`` and the raw statsmodels result in ``raw``.  :class:`PooledEstimate` combines a data
estimate with a literature prior by precision weighting.  :class:`BaselineForecast` holds a
channel's no-designation path with prediction intervals and turns standard normals into forecast
paths.  :class:`ChannelFit` gathers one channel's results.  All are frozen and registered with
:mod:`impact.serial`, so the fit cache stores them as data.
"""
from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .. import htmlrepr, serial


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
    #: (builder, args) that rebuild ``raw`` from the data and fitted parameters: the fit cache stores
    #: the recipe instead of the statsmodels object, and so do pickles (worker processes)
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
        if not self._data_usable:
            return self.prior
        w1, w2 = 1 / self.data_se**2, 1 / self.prior_sd**2  # type: ignore[operator]
        return (self.data * w1 + self.prior * w2) / (w1 + w2)  # type: ignore[operator]

    @property
    def pooled_se(self) -> float:
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
class ChannelFit:
    """A channel's estimator results, pooled coefficients and baseline path.

    It behaves like a statsmodels result for the channel's main model (``params``, ``bse``,
    ``conf_int``, ``nobs``, ``rsquared``, ``summary()``, ``tidy()``); the other models (e.g. the
    baseline time-series model) are in ``models``.

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
        return self.main.params

    @property
    def bse(self) -> pd.Series:
        return self.main.bse

    @property
    def tvalues(self) -> pd.Series:
        return self.main.tvalues

    @property
    def pvalues(self) -> pd.Series:
        return self.main.pvalues

    @property
    def nobs(self) -> int:
        return self.main.nobs

    @property
    def rsquared(self) -> float | None:
        return self.main.rsquared

    @property
    def raw(self) -> Any:
        return self.main.raw

    @property
    def diagnostics(self) -> pd.DataFrame:
        return self.main.diagnostics_frame()

    def cov_params(self) -> pd.DataFrame:
        return self.main.cov_params()

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        return self.main.conf_int(level)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Every model's coefficients, tidy (model, term, estimate, std_error, statistic, p_value, CI)."""
        frames = [self.main.tidy(level)] + [m.tidy(level) for m in self.models.values()]
        return pd.concat(frames, ignore_index=True)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Same as :meth:`tidy`."""
        return self.tidy(level)

    def pooled_frame(self, level: float = 0.95) -> pd.DataFrame:
        if not self.pooled:
            return pd.DataFrame(columns=["term", "kind", "estimate", "std_error", "conf_low", "conf_high", "used"])
        return pd.concat([p.to_frame(level) for p in self.pooled.values()], ignore_index=True)

    def summary(self) -> Summary:
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
