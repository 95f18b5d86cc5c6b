"""Impacts of scenarios: the deterministic run (:class:`ScenarioResult`), the Monte Carlo
(:class:`MonteCarloResult`) and the probability-weighted expectation across scenarios.

Money is in US$ bn, current dollars; negative values are losses (lower spending, lower imports,
higher business costs).  In tidy frames ``year`` is a string: a calendar year or ``"cumulative"``
(sum over the horizon); ``channel`` includes ``"total"`` (sum over channels).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import htmlrepr
from ..errors import Issue, UsageError
from .common import USD, memo, pct_label, tidy
from .headline import headline
from .value_added import ValueAddedResult


@dataclass(frozen=True)
class ScenarioResult:
    """Deterministic central impacts of one scenario.

    impacts, baseline : DataFrame (year x channel), US$ bn; ``pct`` is impacts / baseline in %.
    components : DataFrame (year x (channel, component)), US$ bn.
    """

    scenario: str
    label: str
    impacts: pd.DataFrame
    baseline: pd.DataFrame
    components: pd.DataFrame
    weight: float = 0.0
    #: value-added measures (measures, years) and by channel (channels, measures, years), see
    #: :mod:`impact.passthrough`; ``prices`` the deflator and GDP paths they use
    measures: np.ndarray | None = field(default=None, repr=False)
    measures_by_channel: np.ndarray | None = field(default=None, repr=False)
    prices: Any = field(default=None, repr=False)

    @property
    def value_added(self) -> ValueAddedResult:
        """Mexico GDP, U.S. value added and jobs of the deterministic run (:class:`ValueAddedResult`)."""
        return memo(self, "_va", lambda: ValueAddedResult(
            self.scenario, self.label, tuple(self.impacts.columns), tuple(int(y) for y in self.impacts.index),
            self.prices, self.measures, self.measures_by_channel))

    @property
    def pct(self) -> pd.DataFrame:
        """Impacts in % of each channel's own baseline, year x channel (no total)."""
        return 100 * self.impacts / self.baseline

    @property
    def total(self) -> pd.Series:
        """Impact summed over channels, by year (US$ bn)."""
        return self.impacts.sum(axis=1).rename("total")

    @property
    def cumulative(self) -> pd.Series:
        """Impact summed over the horizon, by channel plus ``total`` (US$ bn)."""
        return memo(self, "_cumulative", self._make_cumulative).copy()  # a copy: Series are mutable

    def _make_cumulative(self) -> pd.Series:
        c = self.impacts.sum(axis=0)
        c["total"] = c.sum()
        return c.rename("cumulative")

    @property
    def cumulative_pct(self) -> pd.Series:
        """Cumulative impact in % of the channel's own cumulative baseline, by channel (no total)."""
        return memo(self, "_cumulative_pct", self._make_cumulative_pct).copy()

    def _make_cumulative_pct(self) -> pd.Series:
        # no "total": the channels' baselines (visitor spending, gross imports, business costs) are
        # unlike quantities whose sum is not a meaningful denominator
        b = self.baseline.sum(axis=0)
        return (100 * self.impacts.sum(axis=0) / b).rename("cumulative_pct")

    def summary(self) -> pd.DataFrame:
        """Impacts by year (plus ``cumulative``) and channel (plus ``total``), US$ bn."""
        df = self.impacts.copy()
        df["total"] = df.sum(axis=1)
        df.loc["cumulative"] = self.cumulative
        return df

    def to_frame(self, pct: bool = False) -> pd.DataFrame:
        """Tidy (docs/schema.md): statistic ``deterministic`` by channel (plus ``total``) and year
        (plus the cumulative period), in US$ bn; with ``pct=True`` in % of each channel's own
        baseline (no total)."""
        return memo(self, f"_frame_{pct}", lambda: self._frame(pct)).copy()

    def _frame(self, pct: bool) -> pd.DataFrame:
        if pct:
            table, measure = self.pct.copy(), "impact_pct"
            table.loc["cumulative"] = self.cumulative_pct
        else:
            table, measure = self.summary(), "impact"
        rows = [(self.scenario, ch, str(year), measure, "deterministic", float(v))
                for year, row in table.iterrows() for ch, v in row.items()]
        return tidy(rows, [self.scenario], list(self.impacts.columns))

    def __repr__(self) -> str:
        years = f"{self.impacts.index[0]}-{self.impacts.index[-1]}"
        return (f"<ScenarioResult {self.scenario!r}: deterministic run (all inputs at their most likely values), "
                f"cumulative {self.cumulative['total']:,.2f} US$ bn over {years}>")

    def _repr_html_(self) -> str:
        return htmlrepr.table(self.summary(), f"{self.label}: deterministic run (all inputs at their most likely "
                                               "values), US$ bn")


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF, midpoint rule)."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cw = np.cumsum(w) - 0.5 * w
    cw /= w.sum()
    return np.interp(q, cw, v)


#: Quantiles computed together on first use (see MonteCarloResult._quantile).
COMMON_QUANTILES = (0.05, 0.10, 0.25, 0.5, 0.75, 0.90, 0.95)


@dataclass(frozen=True)
class MonteCarloResult:
    """Monte Carlo draws of one scenario's impacts.

    draws : array (n, channels, years) of impacts, US$ bn.  ``baseline`` has the same shape.
    variance : DataFrame (channel x [total, estimation, assumptions, share_estimation]) of the
    variance of cumulative impacts when everything, only estimates (coefficients and forecasts),
    or only assumptions vary.
    """

    scenario: str
    label: str
    n_draws: int
    seed: int
    channels: tuple[str, ...]
    years: tuple[int, ...]
    draws: np.ndarray = field(repr=False)
    baseline: np.ndarray = field(repr=False)
    central: ScenarioResult = field(repr=False)
    variance: pd.DataFrame = field(repr=False)
    weight: float = 0.0
    #: value-added measures of each draw (draws, measures, years), see :mod:`impact.passthrough`
    measure_draws: np.ndarray | None = field(default=None, repr=False)

    @property
    def value_added(self) -> ValueAddedResult:
        """Mexico GDP, U.S. value added and jobs: the draws' distribution beside the deterministic
        run (:class:`ValueAddedResult`)."""
        c = self.central
        return memo(self, "_va", lambda: ValueAddedResult(
            self.scenario, self.label, self.channels, self.years, c.prices, c.measures, c.measures_by_channel,
            self.measure_draws))

    # -- arrays by (channel incl. total) x (years + cumulative), computed once per result
    def _cube(self) -> tuple[np.ndarray, list[str], list[str]]:
        return memo(self, "_cube_cache", self._make_cube)

    def _make_cube(self) -> tuple[np.ndarray, list[str], list[str]]:
        d = self.draws
        tot = d.sum(axis=1, keepdims=True)
        full = np.concatenate([d, tot], axis=1)
        full = np.concatenate([full, full.sum(axis=2, keepdims=True)], axis=2)
        return full, list(self.channels) + ["total"], [str(y) for y in self.years] + ["cumulative"]

    def _pct_cube(self) -> np.ndarray:
        return memo(self, "_pct_cache", self._make_pct_cube)

    def _make_pct_cube(self) -> np.ndarray:
        b = self.baseline
        bt = np.concatenate([b, b.sum(axis=1, keepdims=True)], axis=1)
        bt = np.concatenate([bt, bt.sum(axis=2, keepdims=True)], axis=2)
        full, _, _ = self._cube()
        out = 100 * full / bt
        out[:, -1, :] = np.nan  # the total has no baseline of its own (a sum of unlike quantities)
        return out

    def _index(self) -> pd.MultiIndex:  # immutable, so shared by every table of this result
        return memo(self, "_index_cache",
                     lambda: pd.MultiIndex.from_product(self._cube()[1:], names=["channel", "year"]))

    def quantiles(self, q: Sequence[float] = (0.05, 0.5, 0.95), pct: bool = False) -> pd.DataFrame:
        """Quantiles (US$ bn, or % of each channel's baseline with ``pct=True``) by (channel, year);
        rows include channel ``total`` and year ``cumulative``; columns spelled ``p5``, ``p50``, ...
        (:func:`~impact.results.common.pct_label`)."""
        qs = np.stack([self._quantile(float(x), pct) for x in q])  # (q, C+1, H+1)
        return pd.DataFrame(qs.reshape(len(q), -1).T, index=self._index(), columns=[pct_label(float(x)) for x in q])

    def _quantile(self, q: float, pct: bool) -> np.ndarray:
        """One quantile (C+1, H+1), cached.  The first request also computes the common quantiles
        in the same selection pass (tables and the workbook ask for them repeatedly); results are
        exactly those of ``np.quantile`` for each q alone."""
        store = self.__dict__.setdefault("_q_cache", {})  # frozen dataclass: cache beside the fields
        key = (q, pct)
        if key not in store:
            todo = sorted({q, *COMMON_QUANTILES} - {k for k, p in store if p == pct})
            cube = self._pct_cube() if pct else self._cube()[0]
            for x, arr in zip(todo, np.quantile(cube, todo, axis=0)):
                store[(x, pct)] = arr
        return store[key]

    def mean(self, pct: bool = False) -> pd.Series:
        """Mean of the draws by (channel, year), US$ bn (or % of the channel's baseline with ``pct``)."""
        cube = self._pct_cube() if pct else self._cube()[0]
        return pd.Series(cube.mean(axis=0).ravel(), index=self._index(), name="mean")

    def std(self, pct: bool = False) -> pd.Series:
        """Standard deviation of the draws (ddof 1) by (channel, year), US$ bn (or % with ``pct``)."""
        cube = self._pct_cube() if pct else self._cube()[0]
        return pd.Series(cube.std(axis=0, ddof=1).ravel(), index=self._index(), name="sd")

    def interval(self, level: float = 0.90, pct: bool = False) -> pd.DataFrame:
        """Central ``level`` interval of the draws by (channel, year): columns ``lower``, ``upper``."""
        a = (1 - level) / 2
        q = self.quantiles((a, 1 - a), pct=pct)
        q.columns = ["lower", "upper"]
        return q

    def cumulative_draws(self, channel: str = "total") -> np.ndarray:
        """Each draw's impact summed over the horizon, US$ bn: shape (draws,)."""
        if channel == "total":
            return self.draws.sum(axis=(1, 2))
        return self.draws[:, self.channels.index(channel), :].sum(axis=1)

    def summary(self) -> pd.DataFrame:
        """Cumulative impact by channel plus ``total`` (US$ bn, negative = loss): median, mean, P5,
        P10, P90, P95 of the draws, the deterministic run (all inputs at their most likely values)
        and its percentile in the draws (fraction 0-1), and the median in % of the channel's own
        baseline (none for the total)."""
        h = headline({self.scenario: self.central}, {self.scenario: self}, self.channels).set_index("channel")
        out = h.drop(columns=["scenario", "label", "weight"])
        med = self.quantiles((0.5,), pct=True).xs("cumulative", level="year")["p50"]
        out["median_pct"] = med.reindex(out.index)
        out.index.name = "channel"
        return out

    def to_frame(self, pct: bool = False) -> pd.DataFrame:
        """Tidy (docs/schema.md): statistics mean, sd and the percentiles p5, p10, p25, p50, p75,
        p90, p95 of the draws by channel (plus ``total``) and year (plus the cumulative period), in
        US$ bn; with ``pct=True`` in % of each channel's own baseline (no total)."""
        return memo(self, f"_frame_{pct}", lambda: self._frame(pct)).copy()

    def _frame(self, pct: bool) -> pd.DataFrame:
        qs = (0.05, 0.10, 0.25, 0.5, 0.75, 0.90, 0.95)
        q = self.quantiles(qs, pct=pct)
        stats_ = {"mean": self.mean(pct=pct), "sd": self.std(pct=pct)} | {c: q[c] for c in q}
        frames = []
        for name, ser in stats_.items():
            if pct:
                ser = ser.drop("total", level="channel")
            df = ser.rename("value").reset_index()
            df["statistic"] = name
            frames.append(df)
        out = pd.concat(frames, ignore_index=True)
        out["scenario"] = self.scenario
        out["measure"] = "impact_pct" if pct else "impact"
        return tidy(out, [self.scenario], list(self.channels))

    def to_xarray(self) -> Any:
        """The draws as an ``xarray.Dataset`` with dimensions (draw, channel, year): ``impact`` (US$
        bn, channel ``total`` included) and ``baseline`` (US$ bn, the channels' baseline levels of
        each draw), coordinates labelled and units in ``attrs``.  Needs xarray (``pip install xarray``)."""
        try:
            import xarray as xr
        except ImportError:
            raise UsageError(Issue("to_xarray() needs xarray, which is not installed",
                                   hint="pip install xarray")) from None
        coords = {"draw": np.arange(self.n_draws), "channel": [*self.channels, "total"], "year": list(self.years)}
        impact = np.concatenate([self.draws, self.draws.sum(axis=1, keepdims=True)], axis=1)
        base = np.concatenate([self.baseline, np.full(self.draws[:, :1, :].shape, np.nan)], axis=1)
        ds = xr.Dataset({"impact": (("draw", "channel", "year"), impact, {"units": USD, "long_name": "change "
                                    "relative to the no-designation baseline (negative = loss)"}),
                         "baseline": (("draw", "channel", "year"), base, {"units": USD, "long_name": "baseline "
                                      "level of the draw (none for the total: a sum of unlike quantities)"})},
                        coords=coords)
        ds.attrs.update({"scenario": self.scenario, "label": self.label, "seed": self.seed, "draws": self.n_draws})
        return ds

    def __repr__(self) -> str:
        c = self.cumulative_draws()
        p5, p50, p95 = np.quantile(c, [0.05, 0.5, 0.95])
        return (f"<MonteCarloResult {self.scenario!r}: {self.n_draws:,} draws, seed={self.seed}; cumulative total "
                f"median {p50:,.2f} US$ bn, mean {c.mean():,.2f} [P5 {p5:,.2f}, P95 {p95:,.2f}]>")

    def _repr_html_(self) -> str:
        return htmlrepr.table(self.summary(), f"{self.label}: cumulative impact {self.years[0]}-{self.years[-1]}, US$ bn "
                                     f"({self.n_draws:,} draws)")


def expected_impact(results: Mapping[str, MonteCarloResult], level: float = 0.90) -> pd.DataFrame:
    """Probability-weighted expected cumulative impact across scenarios, with the mixture's interval.

    Weights are the scenarios' ``weight``; the mixture distribution pools every scenario's draws
    with weight ``w_s / n_s``.  Rows: channels and ``total``; columns: expected, lower, upper (US$ bn).
    """
    items = [r for r in results.values() if r.weight > 0]
    if not items:
        return pd.DataFrame(columns=["expected", "lower", "upper"])
    a = (1 - level) / 2
    chans = list(items[0].channels) + ["total"]
    rows = {}
    wsum = sum(r.weight for r in items)
    for ch in chans:
        vals = np.concatenate([r.cumulative_draws(ch) for r in items])
        w = np.concatenate([np.full(r.n_draws, r.weight / wsum / r.n_draws) for r in items])
        lo, hi = weighted_quantile(vals, w, [a, 1 - a])
        rows[ch] = {"expected": float(np.sum(vals * w)), "lower": float(lo), "upper": float(hi)}
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "channel"
    return df
