"""The result of a rolling-origin backtest of a channel's baseline candidates (:mod:`impact.backtest`).

:class:`BacktestResult` holds one row per candidate, origin and horizon (``records``) and derives
from them the statistics per candidate and horizon: RMSE of log errors, mean absolute percentage
error, coverage of the nominal 90 % interval, interval score and CRPS, bias and a Diebold-Mariano
statistic against the channel's current specification.  :class:`Selection` is the candidate the
selection rule picks and why.  Both are frozen and pickle.
"""
from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import htmlrepr

#: statistic -> (unit, meaning), in the order of the wide table
STATISTICS: Mapping[str, tuple[str, str]] = {
    "n": ("count", "forecasts scored (origins with an observed target year)"),
    "rmse": ("%", "root mean square of the log errors ln(actual / median forecast), x 100"),
    "mape": ("%", "mean absolute percentage error of the median forecast, |actual - median| / actual"),
    "bias": ("%", "mean log error ln(actual / median forecast) x 100 (positive: forecasts too low)"),
    "coverage": ("%", "share of actuals inside the nominal 90 % interval (P5-P95 of the forecast)"),
    "interval_score": ("log points x 100", "interval score of the 90 % interval on logs (Gneiting & Raftery 2007)"),
    "crps": ("log points x 100", "continuous ranked probability score of the forecast of log totals"),
    "dm": ("t", "Diebold-Mariano t of squared log errors against the current specification (negative: better)"),
}


def diebold_mariano(e_a: np.ndarray, e_b: np.ndarray, horizon: int) -> float:
    """Diebold-Mariano t statistic of the loss difference d = e_a^2 - e_b^2 (negative: ``a`` has the
    smaller squared errors), with a Newey-West (Bartlett) long-run variance of ``horizon - 1`` lags
    (h-step errors overlap) and the Harvey, Leybourne & Newbold (1997) small-sample factor.  NaN
    when fewer than three pairs or no variance."""
    d = np.asarray(e_a, float) ** 2 - np.asarray(e_b, float) ** 2
    n = len(d)
    if n < 3:
        return float("nan")
    dc = d - d.mean()
    lrv = float(dc @ dc) / n
    for k in range(1, min(horizon, n)):
        lrv += 2.0 * (1 - k / horizon) * float(dc[k:] @ dc[:-k]) / n
    if lrv <= 0:
        return float("nan")
    hln = math.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n) if n + 1 > 2 * horizon else 1.0
    return float(d.mean() / math.sqrt(lrv / n) * hln)


@dataclass(frozen=True)
class Selection:
    """The candidate the rule picks (``chosen``), the channel's ``current`` one, whether the channel
    can run the chosen one through its options (``supported``, with those ``options``), and why."""

    channel: str
    chosen: str
    current: str
    reason: str
    supported: bool = True
    options: Mapping[str, Any] | None = None

    @property
    def changes_default(self) -> bool:
        """Whether the rule picks another candidate than the channel's current specification."""
        return self.chosen != self.current


@dataclass(frozen=True)
class BacktestResult:
    """Rolling-origin backtest of one channel's baseline candidates on annual totals.

    Attributes
    ----------
    channel, unit : str
        The channel and the unit of its annual totals (``actual``, ``median``, ``lower``, ``upper``).
    origins, horizons : tuple of int
        Origin years T (each candidate fitted on data up to December of T) and years ahead h.
    last_year : int
        Latest target year scored (the base year: later years are the designation period).
    candidates : pandas.DataFrame
        One row per candidate: candidate, description, current (the channel's default), options.
    records : pandas.DataFrame
        One row per candidate, origin and horizon: year (T + h), actual, median, lower and upper
        (P5, P95), covered, log_error (ln(actual / median)), ape (%), interval_score and crps
        (log points x 100).
    selection : Selection
        The candidate the rule of :func:`impact.backtest.select` picks.
    """

    channel: str
    unit: str
    origins: tuple[int, ...]
    horizons: tuple[int, ...]
    last_year: int
    candidates: pd.DataFrame
    records: pd.DataFrame = field(repr=False)
    selection: Selection

    @property
    def current(self) -> str:
        """The name of the channel's current specification."""
        return str(self.candidates.loc[self.candidates["current"], "candidate"].iloc[0])

    def table(self) -> pd.DataFrame:
        """Wide: one row per candidate and horizon, one column per statistic (see ``STATISTICS``)."""
        rows = []
        names = list(self.candidates["candidate"])
        for (cand, h), g in self.records.groupby(["candidate", "horizon"], sort=False):
            e = g["log_error"].to_numpy()
            base = self.records[(self.records["candidate"] == self.current) & (self.records["horizon"] == h)]
            paired = base.set_index("origin")["log_error"].reindex(g["origin"]).to_numpy()
            rows.append({"candidate": cand, "horizon": int(h), "n": len(g),
                         "rmse": 100 * float(np.sqrt(np.mean(e ** 2))), "mape": float(g["ape"].mean()),
                         "bias": 100 * float(e.mean()), "coverage": 100 * float(g["covered"].mean()),
                         "interval_score": float(g["interval_score"].mean()), "crps": float(g["crps"].mean()),
                         "dm": float("nan") if cand == self.current else diebold_mariano(e, paired, int(h))})
        out = pd.DataFrame(rows, columns=["candidate", "horizon", *STATISTICS])
        out["candidate"] = pd.Categorical(out["candidate"], categories=names, ordered=True)
        return out.sort_values(["candidate", "horizon"]).set_index(["candidate", "horizon"])

    def to_frame(self) -> pd.DataFrame:
        """Tidy: channel, candidate, horizon, statistic, value, unit (one row per statistic of
        :meth:`table`)."""
        wide = self.table().reset_index()
        out = wide.melt(id_vars=["candidate", "horizon"], value_vars=list(STATISTICS), var_name="statistic")
        out["statistic"] = pd.Categorical(out["statistic"], categories=list(STATISTICS), ordered=True)
        out = out.sort_values(["candidate", "horizon", "statistic"]).reset_index(drop=True)
        out.insert(0, "channel", self.channel)
        out["unit"] = out["statistic"].map(lambda s: STATISTICS[s][0]).astype(str)
        return out[["channel", "candidate", "horizon", "statistic", "value", "unit"]]

    def summary(self) -> pd.DataFrame:
        """The wide table with the selection stated in ``attrs['selection']``."""
        out = self.table()
        out.attrs["selection"] = self.selection.reason
        return out

    def __repr__(self) -> str:
        return (f"<BacktestResult {self.channel!r}: {len(self.candidates)} candidates, origins "
                f"{self.origins[0]}-{self.origins[-1]}, horizons {list(self.horizons)}; chosen: "
                f"{self.selection.chosen!r}>")

    def _repr_html_(self) -> str:
        title = (f"{self.channel} baseline backtest: origins {self.origins[0]}-{self.origins[-1]}, annual totals "
                 f"to {self.last_year}")
        return (htmlrepr.table(self.table(), title, float_format=lambda x: f"{x:,.2f}")
                + f"<p>{html.escape(self.selection.reason)}</p>")


@dataclass(frozen=True)
class GrowthCheck:
    """A channel's baseline band for one year against the historical distribution of growth over the
    same span (see :func:`impact.backtest.growth_check`).  Ratios are levels over the base-year actual.

    ``history`` holds the ratio of each window (index: start year); ``range_low``/``range_high`` is
    the 90 % prediction interval of a new window's ratio from that history (log scale, Student t
    with ``n_eff - 1`` degrees of freedom, ``n_eff`` the non-overlapping windows)."""

    channel: str
    base_year: int
    year: int
    base_value: float
    lower: float
    upper: float
    history: pd.Series = field(repr=False)
    range_low: float
    range_high: float
    n_eff: int

    @property
    def ratio_lower(self) -> float:
        """The band's lower bound over the base-year actual."""
        return self.lower / self.base_value

    @property
    def ratio_upper(self) -> float:
        """The band's upper bound over the base-year actual."""
        return self.upper / self.base_value

    @property
    def inside(self) -> bool:
        """Whether the band lies inside the range justified by the history."""
        return self.range_low <= self.ratio_lower and self.ratio_upper <= self.range_high

    def to_frame(self) -> pd.DataFrame:
        """One row per quantity: band and history as ratios to the base-year level, and in the unit."""
        h = self.history
        rows = {"band P5": self.ratio_lower, "band P95": self.ratio_upper, "history min": h.min(),
                "history P5": h.quantile(0.05), "history median": h.median(), "history P95": h.quantile(0.95),
                "history max": h.max(), "justified low": self.range_low, "justified high": self.range_high}
        return pd.DataFrame({"ratio": rows, "level": {k: v * self.base_value for k, v in rows.items()}})

    def text(self) -> str:
        """The comparison in one paragraph (docs/model.md quotes it)."""
        h = self.history
        span = self.year - self.base_year
        return (f"The {self.year} band {self.lower:,.1f}-{self.upper:,.1f} is x{self.ratio_lower:.3f} to "
                f"x{self.ratio_upper:.3f} the {self.base_year} level ({self.base_value:,.1f}). The {len(h)} "
                f"{span}-year windows starting {h.index[0]}-{h.index[-1]} grew x{h.min():.3f} (worst, from "
                f"{h.idxmin()}) to x{h.max():.3f} (best, from {h.idxmax()}), median x{h.median():.3f}; the 90 % "
                f"prediction interval of a new window from them ({self.n_eff} non-overlapping windows) is "
                f"x{self.range_low:.3f} to x{self.range_high:.3f}: the band lies "
                + ("inside it." if self.inside else
                   f"{'inside' if self.range_low <= self.ratio_lower else 'below'} it at P5 and "
                   f"{'inside' if self.ratio_upper <= self.range_high else 'above'} it at P95."))

    def __repr__(self) -> str:
        return f"<GrowthCheck {self.channel!r} {self.year}: {self.text()}>"
