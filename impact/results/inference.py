"""The statsmodels side of impact's estimator results.

* Inference as statsmodels does it by default for each estimator: Student t with the residual
  degrees of freedom where statsmodels' ``use_t`` is True (OLS with classical errors), standard
  normal (z) elsewhere (OLS with HAC errors, ARIMA/SARIMAX), so impact's p-values and intervals
  equal those of the statsmodels results object.
* :func:`interval_level`: ``alpha`` (statsmodels' spelling, 1 - level) or ``level``.
* :class:`StatsmodelsLink`: the genuine statsmodels results object (``results``, alias ``raw``),
  built from the estimator's recipe on first use and kept (the fit cache stores data, never the
  object), its fit statistics passed through, and forecasts that supply the pulse dummies.
* :class:`MainModelLink`: the same for a channel's fit, which speaks for its main model.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..arguments import integer
from ..errors import Issue, UsageError


def interval_level(alpha: float | None = None, level: float | None = None) -> float:
    """The confidence level (a fraction, e.g. 0.95) asked for as statsmodels' ``alpha`` (1 - level)
    or impact's ``level``; 0.95 when neither is given, UsageError when both are.

    An ``alpha`` above 0.5 (an interval narrower than 50 %) is refused: it is almost always a level
    passed where statsmodels' first argument, alpha, is expected (``conf_int(0.95)``)."""
    if alpha is not None and level is not None:
        raise UsageError(Issue(f"give alpha or level, not both (got alpha={alpha!r}, level={level!r})",
                               hint="alpha = 1 - level: alpha=0.05 and level=0.95 ask for the same 95 % interval"))
    if alpha is not None:
        a = _fraction(alpha, "alpha", "alpha=0.05 for a 95 % interval")
        if a > 0.5:
            raise UsageError(Issue(f"alpha is one minus the confidence level (got {alpha!r}, a {1 - a:.0%} interval)",
                                   hint=f"for a {a:.0%} interval pass alpha={1 - a:.3g} or level={a:.3g}"))
        return 1.0 - a
    return 0.95 if level is None else _fraction(level, "level", "level=0.95 for a 95 % interval")


def _fraction(value: Any, name: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not 0.0 < float(value) < 1.0 or math.isnan(float(value)):
        raise UsageError(Issue(f"{name} must be a number strictly between 0 and 1 (got {value!r})", hint=example))
    return float(value)


def critical_value(level: float, use_t: bool, df_resid: float | None) -> float:
    """The two-sided critical value of an interval at ``level``: Student t (df_resid) or normal."""
    q = 1.0 - (1.0 - level) / 2.0
    return float(special.stdtrit(df_resid, q)) if use_t else float(special.ndtri(q))


def two_sided_p(stat: pd.Series, use_t: bool, df_resid: float | None) -> pd.Series:
    """Two-sided p-values of the statistics ``stat``: Student t (df_resid) or normal."""
    a = -np.abs(stat.to_numpy(dtype=float))
    p = 2.0 * (special.stdtr(df_resid, a) if use_t else special.ndtr(a))
    return pd.Series(p, index=stat.index)


def distribution_label(use_t: bool, df_resid: float | None) -> str:
    """How the statistics are referred, for summaries: ``t (20 df)`` or ``z (standard normal)``."""
    return f"t ({df_resid:g} df)" if use_t else "z (standard normal)"


class StatsmodelsLink:
    """Mixin of :class:`~impact.results.estimates.EstimateResult`: its statsmodels results object.

    Expects the fields ``name``, ``time_series``, ``recipe`` (builder, args) and ``_results``.
    """

    name: str
    time_series: bool
    recipe: tuple[Any, tuple[Any, ...]] | None
    _results: Any

    @property
    def results(self) -> Any:
        """The statsmodels results object (e.g. ``RegressionResultsWrapper``, ``SARIMAXResultsWrapper``),
        fitted on pandas objects with dated indexes and named regressors.

        After a cold fit it is the estimator's own object; after a load from the fit cache (or an
        unpickle) it is rebuilt from the stored data and fitted parameters on first access, without
        re-estimation, and kept: the same object on every later access."""
        if self._results is None:
            if self.recipe is None:
                raise UsageError(Issue(f"{self.name!r} holds no statsmodels results (no recipe to rebuild them)"))
            builder, args = self.recipe
            # a frozen dataclass: the memo is set behind its back (not part of equality or the cache)
            object.__setattr__(self, "_results", builder(*args))
        return self._results

    @property
    def raw(self) -> Any:
        """Alias of :attr:`results` (the name used before)."""
        return self.results

    def __getstate__(self) -> dict[str, Any]:
        # pickles (worker processes, joblib, deepcopy) carry the recipe, not the statsmodels object:
        # tens of MB for the imports model, and rebuilt on first use anyway
        state = dict(self.__dict__)
        if state.get("recipe") is not None:
            state["_results"] = None
        return state

    @property
    def resid(self) -> pd.Series:
        """Residuals of the statsmodels results (the model's units), indexed by period."""
        return self.results.resid

    @property
    def fittedvalues(self) -> pd.Series:
        """Fitted values of the statsmodels results (the model's units), indexed by period."""
        return self.results.fittedvalues

    @property
    def llf(self) -> float:
        """Log-likelihood of the statsmodels results."""
        return float(self.results.llf)

    @property
    def aic(self) -> float:
        """Akaike information criterion of the statsmodels results."""
        return float(self.results.aic)

    @property
    def bic(self) -> float:
        """Bayesian information criterion of the statsmodels results."""
        return float(self.results.bic)

    def _future_exog(self, steps: Any) -> tuple[int, np.ndarray | None]:
        if not self.time_series:
            raise UsageError(Issue(f"{self.name!r} is a regression, not a time-series model: it has no forecast",
                                   hint="forecast() is on the channels' time-series models (imports; the tourism "
                                        "baseline in fits['tourism'].models['baseline'])"))
        n = integer(steps, "steps", low=1, high=10_000)
        k = int(getattr(self.results.model, "k_exog", 0) or 0)
        # every regressor of these models is a pulse dummy: zero outside its month or year, as in the
        # channel's own baseline forecast
        return n, (np.zeros((n, k)) if k else None)

    def get_forecast(self, steps: int) -> Any:
        """statsmodels' ``get_forecast`` for ``steps`` periods after the sample, the pulse dummies set to
        zero: a PredictionResults with ``predicted_mean``, ``se_mean``, ``conf_int(alpha=...)`` and
        ``summary_frame()``, in the model's units (logs of the level)."""
        n, exog = self._future_exog(steps)
        return self.results.get_forecast(steps=n, exog=exog)

    def forecast(self, steps: int) -> pd.Series:
        """Point forecasts for ``steps`` periods after the sample (statsmodels' ``forecast``), the pulse
        dummies set to zero as in the channel's baseline; indexed by period, in the model's units
        (logs: log US$ m for monthly imports, log receipts for the tourism baseline)."""
        n, exog = self._future_exog(steps)
        return self.results.forecast(steps=n, exog=exog)


class MainModelLink:
    """Mixin of :class:`~impact.results.estimates.ChannelFit`: the statsmodels side of its main model,
    and forecasts from its time-series model (the main model, or e.g. the tourism baseline)."""

    main: Any
    models: Mapping[str, Any]
    channel: str

    @property
    def results(self) -> Any:
        """The main model's statsmodels results object (see :attr:`EstimateResult.results`)."""
        return self.main.results

    @property
    def raw(self) -> Any:
        """Alias of :attr:`results`."""
        return self.main.results

    @property
    def resid(self) -> pd.Series:
        """Residuals of the main model."""
        return self.main.resid

    @property
    def fittedvalues(self) -> pd.Series:
        """Fitted values of the main model."""
        return self.main.fittedvalues

    @property
    def llf(self) -> float:
        """Log-likelihood of the main model."""
        return self.main.llf

    @property
    def aic(self) -> float:
        """Akaike information criterion of the main model."""
        return self.main.aic

    def _time_series_model(self) -> Any:
        """The channel's time-series model: the main model when it is one, else the first of ``models``
        that is (the tourism baseline); UsageError when the channel has none."""
        for m in (self.main, *self.models.values()):
            if m.time_series:
                return m
        raise UsageError(Issue(f"the {self.channel} channel has no time-series model to forecast with"))

    def forecast(self, steps: int) -> pd.Series:
        """Point forecasts of the channel's time-series model (:meth:`EstimateResult.forecast`)."""
        return self._time_series_model().forecast(steps)

    def get_forecast(self, steps: int) -> Any:
        """statsmodels' prediction results of the channel's time-series model (:meth:`EstimateResult.get_forecast`)."""
        return self._time_series_model().get_forecast(steps)
