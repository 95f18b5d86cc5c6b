"""The channel contract.

A channel is one module in ``impact/channels/`` defining ``CHANNEL = Channel(...)`` plus one block
in ``channels.yaml``.  It declares its parameters and the shocks it consumes (:class:`~impact.spec.ChannelSpec`),
a ``fit(data, block, settings)`` that runs its statsmodels estimators once and returns a
:class:`ChannelFit`, and a pure, vectorised ``effect(ctx)`` that turns arrays of parameter draws
into impacts of shape (draws, years).  ``effect`` does no validation: inputs were checked once
when the assumptions were loaded.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..estimation import pooled_for
from ..results.estimates import ChannelFit, PooledEstimate
from ..spec import ChannelSpec
from ..timing import profile as timing_profile


@dataclass(frozen=True)
class EffectContext:
    """Everything ``effect`` needs, vectorised over draws.

    params, shocks : name -> array (draws,) in the units declared in the assumption files
    starts, timings : shock name -> start date and timing (fixed per scenario)
    grid : ``"day"`` or ``"month"``, how a shock's first year is counted (see :mod:`impact.timing`)
    baseline : array (draws, years), the channel's central baseline path times forecast draws (US$ bn)
    years : array (years,)
    constants : data-derived constants from the fit (e.g. the 2024 investment position)
    components : whether the caller wants the named components of the impact (only deterministic
        runs do; Monte Carlo and sensitivity batches do not, and effects may skip computing them)
    """

    years: np.ndarray
    params: Mapping[str, np.ndarray]
    shocks: Mapping[str, np.ndarray]
    starts: Mapping[str, dt.date]
    timings: Mapping[str, str]
    baseline: np.ndarray
    constants: Mapping[str, Any]
    components: bool = True
    grid: str = "day"
    _profiles: dict[Any, tuple[Any, np.ndarray]] = field(default_factory=dict, repr=False, compare=False)

    def profile(self, shock: str, half_life: np.ndarray | float = 1.0) -> np.ndarray:
        """The shock's average over each year (read-only; :func:`impact.timing.profile`).  Shocks with the same start and timing share one
        array: a channel's shocks usually do, and a decay profile costs a power per draw and year."""
        start, timing = self.starts[shock], self.timings[shock]
        key = (start, timing, id(half_life) if timing not in ("persistent", "once") else None)
        hit = self._profiles.get(key)
        if hit is None or (key[2] is not None and hit[0] is not half_life):
            arr = timing_profile(self.years, start, timing, half_life, self.grid)
            arr.setflags(write=False)
            hit = self._profiles[key] = (half_life, arr)  # holds half_life: its id stays unique
        return hit[1]

    def timed(self, shock: str, half_life: np.ndarray | float = 1.0) -> np.ndarray:
        """The shock's draws times its timing profile, (draws, years).  When the profile is 1 in
        every year and no components are wanted: the draws as (draws, 1), which broadcast to the same
        numbers (x * 1 == x) without a (draws, years) product."""
        prof = self.profile(shock, half_life)
        col = self.shocks[shock][:, None]
        if not self.components and prof.shape[0] == 1 and bool((prof == 1.0).all()):
            col = col.view()
            col.flags.writeable = False  # a view of the input matrix, which the other channels read
            return col
        return col * prof


@dataclass(frozen=True)
class ChannelEffect:
    """Impact (US$ bn, negative = loss) and the baseline level it applies to, both (draws, years)."""

    impact: np.ndarray
    baseline: np.ndarray
    components: Mapping[str, np.ndarray] = field(default_factory=dict)


def pool_data_estimates(fit: ChannelFit, block: Any) -> dict[str, PooledEstimate]:
    """Each data estimate of ``fit`` combined with its parameter's prior (mode from the assumption file;
    the prior alone when the estimate is not usable)."""
    return {name: pooled_for(block.parameters[name], de.value, de.se, de.note, mode=None if de.usable else "prior")
            for name, de in fit.data_estimates.items()}


def calibrate(fit: ChannelFit, block: Any) -> ChannelFit:
    """The default second step: pool the data estimates with their priors."""
    from dataclasses import replace

    return replace(fit, pooled=pool_data_estimates(fit, block))


@dataclass(frozen=True)
class Channel:
    """A channel: its declared inputs, its estimator and its transmission equation.

    ``fit(data, options, settings)`` sees only the series named in ``spec.data`` and the estimator
    options (never the effect parameters: fits are cached by those inputs); ``calibrate(fit, block)``
    applies the channel's parameters to the fit."""

    spec: ChannelSpec
    label: str
    fit: Callable[..., ChannelFit]
    effect: Callable[[EffectContext], ChannelEffect]
    #: Excel formula for the impact in one year: (cell refs by input name, year cell) -> formula text
    excel_formula: Callable[[Mapping[str, str], str], str] | None = None
    #: shock names along which a larger value never gives a smaller loss
    monotone: tuple[str, ...] = ()
    calibrate: Callable[[ChannelFit, Any], ChannelFit] = calibrate
    #: how the first year of a shock is counted: "day" (annual flows) or "month" (monthly data), see impact.timing
    timing_grid: str = "day"
    #: parameter the baseline forecast is multiplied by when it is an index (e.g. tourism's base level)
    baseline_scale: str | None = None
    #: (data, options, settings) -> problems that would stop ``fit`` (checked when assumptions load)
    check_data: Callable[[Mapping[str, pd.Series], Mapping[str, Any], Any], list[DataProblem]] | None = None
    #: how the channel's own sheet presents its impact: (what the number is, sign applied to the
    #: impact).  Impacts are changes with negative = loss; business costs are shown on their sheet as
    #: the additional cost (sign -1: positive = higher cost), which the total counts as a loss.
    presented_as: tuple[str, int] = ("change relative to the baseline (negative = loss)", 1)
    #: value-added pass-through (:mod:`impact.passthrough`): measure name -> params -> coefficient
    #: per US$ of the channel's impact (draws,); measures not named get zero.  Jobs coefficients are
    #: thousand jobs per US$ bn of 2024 dollars (= jobs per US$ 1 m).
    passthrough: Mapping[str, Callable[[Mapping[str, np.ndarray]], np.ndarray]] = field(default_factory=dict)
    #: the pass-through in words, for the Value added sheet and docs
    passthrough_note: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    def equation(self) -> str:
        """The transmission equation as written in the channel module's docstring (its first
        ``Impact(t) = ...`` paragraph), for the report."""
        import re
        import sys

        doc = (sys.modules[self.effect.__module__].__doc__ or "").splitlines()
        for i, line in enumerate(doc):
            if re.match(r"^\s*\w[\w ]*\(t\)\s*=", line):
                out = [line.strip()]
                for nxt in doc[i + 1:]:
                    if not nxt.strip():
                        break
                    out.append(nxt.strip())
                return " ".join(out)
        return ""


# ----------------------------------------------------------------------------- data requirements
@dataclass(frozen=True)
class DataProblem:
    """Data an estimator cannot work with, for the base year and options at hand.

    ``period`` locates the problem in the series' file (its line); ``option`` names the estimator
    option whose value causes it, when that is the cause (the message then points there)."""

    series: str | tuple[str, ...]
    message: str
    hint: str = ""
    period: Any = None
    option: str | None = None

    @property
    def series_ids(self) -> tuple[str, ...]:
        return (self.series,) if isinstance(self.series, str) else tuple(self.series)


def first_non_positive(s: pd.Series, series: str, what: str) -> list[DataProblem]:
    """Logs are taken of ``s``: every value must be positive."""
    bad = s[~(s > 0)]
    if bad.empty:
        return []
    return [DataProblem(series, f"{what} must be positive: logs are taken (got {bad.iloc[0]:g} in {bad.index[0]})",
                        "correct or remove the row", period=bad.index[0])]


def gaps(index: pd.Index) -> list[Any]:
    """Periods missing between the first and last of ``index`` (years as ints, or monthly periods)."""
    if len(index) < 2:
        return []
    if isinstance(index, pd.PeriodIndex):
        full = pd.period_range(index[0], index[-1], freq=index.freq)
    else:
        full = pd.Index(range(int(index[0]), int(index[-1]) + 1))
    return list(full.difference(index))


def min_obs_problem(n: int, need: int, series: str, what: str, *, period: Any = None,
                    option: str | None = None) -> list[DataProblem]:
    if n >= need:
        return []
    return [DataProblem(series, f"{what} needs at least {need} observations; the data give {n}",
                        "extend the series, move the sample start earlier or choose another base year",
                        period=period, option=option)]
