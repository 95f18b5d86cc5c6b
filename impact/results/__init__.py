"""Every result object, in one place: frozen, labelled, tidy.

Each has a one-line ``__repr__``, ``_repr_html_`` for notebooks, ``summary()`` and ``to_frame()``
(or ``tidy()``) in long form.  Modules: :mod:`.impacts` (deterministic runs, Monte Carlo, the
expected impact), :mod:`.sensitivity`, :mod:`.estimates` (estimator results, pooled coefficients,
baselines, a channel's fit), :mod:`.backtest` (baseline backtests), :mod:`.analysis` (a whole run),
:mod:`.comparison`, :mod:`.expost` (the check against data after the base year), :mod:`.value_added`
(Mexico GDP, U.S. value added and jobs), :mod:`.sweep` (statistics of many assumption variants).
"""
from __future__ import annotations

from .analysis import AnalysisResult, PendingTables, RunInfo
from .backtest import BacktestResult, GrowthCheck, Selection
from .common import PCT, TIDY, USD
from .comparison import ComparisonResult
from .estimates import (BaselineForecast, ChannelFit, DataEstimate, Diagnostic, EstimateResult,
                        PooledEstimate, Summary)
from .expost import ExpostResult
from .impacts import COMMON_QUANTILES, MonteCarloResult, ScenarioResult, expected_impact, weighted_quantile
from .sensitivity import SensitivityResult
from .sweep import SweepResult
from .value_added import ValueAddedResult

__all__ = ["AnalysisResult", "PendingTables", "RunInfo", "PCT", "TIDY", "USD", "ComparisonResult", "BaselineForecast",
           "ChannelFit", "DataEstimate", "Diagnostic", "EstimateResult", "PooledEstimate", "Summary",
           "COMMON_QUANTILES", "MonteCarloResult", "ScenarioResult", "expected_impact", "weighted_quantile",
           "SensitivityResult", "SweepResult", "ValueAddedResult", "ExpostResult", "BacktestResult", "GrowthCheck", "Selection"]
