"""Value added and jobs of a scenario (:class:`ValueAddedResult`): the pass-through layer's measures
(:mod:`impact.passthrough`) for the deterministic run, and their distribution over the Monte Carlo.

Money is in US$ bn in the run's price basis (``basis``: current dollars of each year, or constant
base-year dollars); jobs in thousands (a year's jobs; summed over the horizon, thousand job-years).
Negative values are losses.  Three periods: each ``year``, ``cumulative`` (the sum over the
horizon) and ``present_value`` (money only: each year in constant base-year dollars, discounted at
the real ``discount_rate`` to the base year).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import htmlrepr
from ..passthrough import MEASURES, Prices
from .common import STATISTICS, categorical, memo, pct_label

#: tidy measure -> unit (the ``_pct`` measures: % of the country's GDP over the same period)
UNITS = {m.name: m.unit for m in MEASURES} | {f"{m.name}_pct": f"% of {'Mexico' if m.country == 'mx' else 'U.S.'} GDP"
                                               for m in MEASURES if m.money}
PERIODS = ("year", "cumulative", "present_value")
QUANTILES = (0.05, 0.10, 0.25, 0.5, 0.75, 0.90, 0.95)


@dataclass(frozen=True)
class ValueAddedResult:
    """Value-added measures of one scenario.

    deterministic : array (measures, years), the deterministic run (all inputs at their most likely values)
    by_channel : array (channels, measures, years), the deterministic run's measures by channel
    draws : array (draws, measures, years) of the Monte Carlo, or None for a deterministic run only
    prices : the deflator, discount factors and GDP paths used (:class:`impact.passthrough.Prices`)
    """

    scenario: str
    label: str
    channels: tuple[str, ...]
    years: tuple[int, ...]
    prices: Prices = field(repr=False)
    deterministic: np.ndarray = field(repr=False)
    by_channel: np.ndarray = field(repr=False)
    draws: np.ndarray | None = field(default=None, repr=False)

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(m.name for m in MEASURES)

    @property
    def basis(self) -> str:
        """The price basis of the money measures, in words."""
        return self.prices.basis_label

    # -- per-period reductions: (..., measures, years) -> (..., measures)
    def _pv_factor(self) -> np.ndarray:
        """Per-year factor from the reported basis to present value (constant base-year dollars, discounted)."""
        p = self.prices
        return p.discount * (1.0 if p.basis == "real" else p.real)

    def _periods(self, arr: np.ndarray) -> dict[str, np.ndarray]:
        """The array's values by period name: calendar years, cumulative and present value (money only)."""
        out = {str(y): arr[..., i] for i, y in enumerate(self.years)}
        out["cumulative"] = arr.sum(axis=-1)
        pv = (arr * self._pv_factor()).sum(axis=-1)
        pv[..., [not m.money for m in MEASURES]] = np.nan
        out["present_value"] = pv
        return out

    def _gdp(self, period: str) -> np.ndarray:
        """Each measure's GDP denominator for a period (NaN for jobs), US$ bn in the reported basis."""
        p = self.prices
        out = np.full(len(MEASURES), np.nan)
        for i, m in enumerate(MEASURES):
            if not m.money:
                continue
            g = p.gdp(m.country)
            if period == "cumulative":
                out[i] = g.sum()
            elif period == "present_value":
                out[i] = (g * self._pv_factor()).sum()
            else:
                out[i] = g[self.years.index(int(period))]
        return out

    def table(self) -> pd.DataFrame:
        """The deterministic run by measure (rows) and period (columns: years, cumulative, present
        value), with the label and unit; money in US$ bn of the reported basis."""
        per = self._periods(self.deterministic)
        df = pd.DataFrame(per, index=pd.Index(self.measures, name="measure"))
        df.insert(0, "unit", [m.unit for m in MEASURES])
        df.insert(0, "label", [m.label for m in MEASURES])
        return df

    def contributions(self, period: str = "cumulative") -> pd.DataFrame:
        """Deterministic run: each channel's contribution to each measure (channels x measures) for a period."""
        per = self._periods(self.by_channel)[period]
        return pd.DataFrame(per, index=pd.Index(self.channels, name="channel"), columns=list(self.measures))

    def quantiles(self, q: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Quantiles of the draws by (measure, period); columns ``p5``, ``p50``, ..."""
        draws = self._need_draws()
        per = self._periods(draws)
        rows = {}
        for name, arr in per.items():
            qs = np.quantile(arr, list(q), axis=0)  # NaN (jobs' present value) stays in its own column
            for i, m in enumerate(self.measures):
                rows[(m, name)] = qs[:, i]
        idx = pd.MultiIndex.from_tuples(list(rows), names=["measure", "period"])
        return pd.DataFrame(np.array(list(rows.values())), index=idx, columns=[pct_label(float(x)) for x in q])

    def _need_draws(self) -> np.ndarray:
        if self.draws is None:
            from ..errors import Issue, UsageError

            raise UsageError(Issue(f"{self.scenario!r} has no Monte Carlo draws: this value-added result is of a "
                                   "deterministic run", hint="use model.simulate(scenario).value_added"))
        return self.draws

    def summary(self) -> pd.DataFrame:
        """One row per measure over the horizon: the cumulative change (US$ bn of the reported basis,
        or thousand job-years) as median, mean, P5, P95 of the draws and the deterministic run; the
        median in % of the country's GDP over the horizon; the median present value (constant
        base-year dollars, discounted; money only).  Without draws, the deterministic run only."""
        return memo(self, "_summary", self._make_summary).copy()

    def _make_summary(self) -> pd.DataFrame:
        det = self._periods(self.deterministic)
        gdp = self._gdp("cumulative")
        out = pd.DataFrame({"label": [m.label for m in MEASURES], "unit": [
            m.unit if m.money else "thousand job-years" for m in MEASURES]}, index=pd.Index(self.measures, name="measure"))
        if self.draws is not None:
            per = self._periods(self.draws)
            cum = per["cumulative"]
            out["median"] = np.median(cum, axis=0)
            out["mean"] = cum.mean(axis=0)
            out["p5"], out["p95"] = np.quantile(cum, [0.05, 0.95], axis=0)
            out["deterministic"] = det["cumulative"]
            out["median_pct_gdp"] = 100 * out["median"].to_numpy() / gdp
            pv = per["present_value"]
            out["present_value_median"] = np.median(pv, axis=0)
        else:
            out["deterministic"] = det["cumulative"]
            out["deterministic_pct_gdp"] = 100 * det["cumulative"] / gdp
            out["present_value"] = det["present_value"]
        return out

    def to_frame(self) -> pd.DataFrame:
        """Tidy (docs/schema.md, ``value_added.csv``): scenario, channel, period, year, measure,
        statistic, value, unit.  The deterministic run by channel and ``total``; the draws' mean, sd
        and percentiles for the total; ``<measure>_pct`` rows give money measures in % of GDP."""
        return memo(self, "_frame", self._make_frame).copy()

    def _make_frame(self) -> pd.DataFrame:
        rows: list[tuple[Any, ...]] = []
        names = self.measures

        def add(channel: str, stat: str, per: dict[str, np.ndarray], pct: bool) -> None:
            for period, arr in per.items():
                gdp = self._gdp(period) if pct else None
                for i, m in enumerate(names):
                    v = float(arr[i])
                    if np.isnan(v):
                        continue
                    rows.append((channel, period, m, stat, v))
                    if pct and MEASURES[i].money:
                        rows.append((channel, period, f"{m}_pct", stat, 100 * v / float(gdp[i])))

        add("total", "deterministic", self._periods(self.deterministic), True)
        for c, ch in enumerate(self.channels):
            add(ch, "deterministic", self._periods(self.by_channel[c]), False)
        if self.draws is not None:
            per = self._periods(self.draws)
            for period, arr in per.items():
                add("total", "mean", {period: arr.mean(axis=0)}, True)
                add("total", "sd", {period: arr.std(axis=0, ddof=1)}, False)
                for q, vals in zip(QUANTILES, np.quantile(arr, QUANTILES, axis=0)):
                    add("total", pct_label(q), {period: vals}, True)
        df = pd.DataFrame(rows, columns=["channel", "period", "measure", "statistic", "value"])
        year = [None if p in ("cumulative", "present_value") else int(p) for p in df["period"]]
        return pd.DataFrame({
            "scenario": categorical([self.scenario] * len(df), [self.scenario]),
            "channel": categorical(df["channel"], [*self.channels, "total"]),
            "period": categorical(["year" if y is not None else p for y, p in zip(year, df["period"])], PERIODS,
                                  ordered=False),
            "year": pd.array(year, dtype="Int64"),
            "measure": categorical(df["measure"], list(UNITS), ordered=False),
            "statistic": categorical(df["statistic"], STATISTICS),
            "value": df["value"].astype("float64").to_numpy(),
            "unit": [self._unit(m) for m in df["measure"]],
        })

    def _unit(self, measure: str) -> str:
        """A tidy row's unit: money in a real-dollar run names its price year."""
        if UNITS[measure] == "US$ bn" and self.prices.basis == "real":
            return f"US$ bn ({self.prices.base_year} dollars)"
        return UNITS[measure]

    def __repr__(self) -> str:
        s = self.summary()
        col = "median" if self.draws is not None else "deterministic"
        what = f"{len(self.draws):,} draws, median" if self.draws is not None else "deterministic run"
        return (f"<ValueAddedResult {self.scenario!r}: {what}, cumulative {self.years[0]}-{self.years[-1]}: "
                f"Mexico GDP {s.loc['mx_gdp', col]:,.2f} US$ bn, U.S. value added {s.loc['us_va', col]:,.2f} US$ bn, "
                f"Mexico jobs {s.loc['mx_jobs', col]:,.1f} thousand job-years ({self.basis})>")

    def _repr_html_(self) -> str:
        return htmlrepr.table(self.summary(), f"{self.label}: value added and jobs, {self.years[0]}-{self.years[-1]} "
                                              f"({self.basis})")
