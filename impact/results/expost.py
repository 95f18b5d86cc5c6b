"""The ex-post check of the designation (:class:`ExpostResult`, built by :func:`impact.expost.compare`).

Money is US$ bn, current dollars.  A *band* is P5-P95 of a predictive distribution: the baseline
forecast's (no designation) or a scenario's (baseline draw times one plus the scenario's relative
impact in the same draw).  A percentile is a fraction 0-1 (mid-rank: the share of draws below the
actual plus half of those equal to it).
"""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import htmlrepr
from .common import USD, categorical

#: measure -> unit of the tidy frame
MEASURES = {"level": USD, "percentile_rank": "fraction (0-1)", "deviation": USD, "deviation_pct": "% of forecast",
            "effect": USD, "noise_to_effect": "ratio"}
STATISTICS = ("actual", "deterministic", "mean", "p5", "p50", "p95")
PERIODS = ("year", "year_to_date")
#: the tidy frame's columns; the first six but ``months`` are its key
COLUMNS = ["scenario", "channel", "period", "year", "months", "measure", "statistic", "value", "unit"]
_LEVEL_STATS = ("deterministic", "mean", "p5", "p50", "p95")
_CHANNEL_WORDS = {"imports": "imports", "tourism": "visitor receipts"}


def _outside(p: float) -> bool:
    """Outside the P5-P95 band."""
    return p < 0.05 or p > 0.95


@dataclass(frozen=True)
class ExpostResult:
    """Actual values after the base year against the no-designation forecast and each scenario's band.

    table : one row per channel, period and scenario (``baseline`` first): ``actual``, the scenario's
        ``deterministic`` forecast (the baseline's central path plus the scenario's deterministic
        effect), ``mean``, ``p5``, ``p50``, ``p95`` of its band (US$ bn), the actual's ``percentile``
        (0-1), ``deviation`` (actual - deterministic, US$ bn) and ``deviation_pct`` (%), ``effect``
        (the scenario's deterministic effect, US$ bn), ``band_width`` (the baseline's P95 - P5, US$
        bn) and ``noise_to_effect`` (band_width / |effect|).
    bases : channel -> what is compared and how the forecast is scaled.
    caveats : the confounders: date, event, channels, source.
    """

    base_year: int
    n_draws: int
    seed: int
    scenarios: tuple[str, ...]
    labels: Mapping[str, str]
    channels: tuple[str, ...]
    table: pd.DataFrame = field(repr=False)
    bases: Mapping[str, str] = field(repr=False)
    caveats: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = field(default=(), repr=False)

    # ------------------------------------------------------------------ look-ups
    def row(self, channel: str, when: int | str, scenario: str = "baseline") -> pd.Series:
        """One comparison: ``when`` is a year (its calendar-year row) or a period label (``"2026 Jan-Jul"``)."""
        t = self.table
        period = (t["label"] == when) if isinstance(when, str) else (t["year"] == when) & (t["period"] == "year")
        hit = t[(t["channel"] == channel) & (t["scenario"] == scenario) & period]
        if hit.empty:
            raise KeyError(f"no ex-post row for {channel!r}, {when!r}, {scenario!r}")
        return hit.iloc[0]

    def percentile(self, channel: str, when: int | str, scenario: str = "baseline") -> float:
        """Where the actual sits in the scenario's band (fraction 0-1)."""
        return float(self.row(channel, when, scenario)["percentile"])

    def noise_to_effect(self, scenario: str = "designation") -> pd.Series:
        """The baseline band's width (P95 - P5) over the scenario's deterministic effect, by (channel, period)."""
        t = self.table[self.table["scenario"] == scenario]
        return pd.Series(t["noise_to_effect"].to_numpy(), index=pd.MultiIndex.from_arrays(
            [t["channel"], t["label"]], names=["channel", "period"]), name="noise_to_effect")

    # ------------------------------------------------------------------ views
    def summary(self) -> pd.DataFrame:
        """By (channel, period): actual, the baseline forecast (central path) and its P5-P95 (US$ bn),
        the deviation (US$ bn, %), then the actual's percentile (0-1) in the band of each scenario."""
        t = self.table
        base = t[t["scenario"] == "baseline"].set_index(["channel", "label"])
        out = pd.DataFrame({"actual": base["actual"], "forecast": base["deterministic"], "p5": base["p5"],
                            "p95": base["p95"], "deviation": base["deviation"], "deviation_pct": base["deviation_pct"]})
        for s in self.scenarios:
            p = t[t["scenario"] == s].set_index(["channel", "label"])["percentile"]
            out[f"percentile_{s}"] = p.reindex(out.index)
        out.index.names = ["channel", "period"]
        return out

    @property
    def statement(self) -> str:
        """What the check can and cannot tell apart, with the noise-to-effect ratio of the first year."""
        t = self.table
        years = t.loc[t["period"] == "year", "year"]
        if t.empty or years.empty:
            return "No channel has a full year of data after the base year: there is nothing to check yet."
        y = int(years.min())
        key = "designation" if "designation" in self.scenarios else next((s for s in self.scenarios[1:]), None)
        parts = []
        d = t[(t["scenario"] == key) & (t["year"] == y) & (t["period"] == "year")] if key else t.iloc[:0]
        if not d.empty:
            label = self.labels.get(key, key)
            ratios = " and ".join(f"{r:.0f} times its effect on {_CHANNEL_WORDS.get(c, c)}"
                                  for c, r in zip(d["channel"], d["noise_to_effect"]))
            parts.append(f"In {y} the width of the no-designation forecast's 90 % band (P5-P95) is "
                         f"{ratios.replace('its effect', f'the deterministic effect of {label}', 1)}.")
            if (d["noise_to_effect"] >= 1).all():
                parts.append("Its effects are that much smaller than today's forecast noise: this check cannot tell "
                             "that scenario apart from no designation.")
            else:
                parts.append("Where the ratio is below 1 the effect exceeds the noise and the check can separate "
                             "the scenario from no designation.")
        off = sorted({(s, c, lab) for s, c, lab, p in zip(t["scenario"], t["channel"], t["label"], t["percentile"])
                      if s != "baseline" and _outside(p)})
        flagged = "; ".join(f"{self.labels.get(s, s)}: {_CHANNEL_WORDS.get(c, c)} {lab}" for s, c, lab in off)
        if len(self.scenarios) > 1:
            parts.append("It can reject a scenario whose 90 % band excludes the actual ("
                         + (flagged if flagged else "none does") + ").")
        else:
            parts.append("Without a Monte Carlo there are no scenario bands: only the forecast's own band is shown.")
        parts.append("It cannot attribute a deviation to the designation: the confounders below move the same "
                     "series in the same months.")
        return " ".join(parts)

    def to_frame(self) -> pd.DataFrame:
        """Tidy: scenario and channel (ordered categoricals), period (``year`` or ``year_to_date``), year
        (integer), months covered, measure, statistic, value, unit; (scenario, channel, period, year,
        measure, statistic) is a key.  Measures: ``level`` (the actual and the band's statistics, US$
        bn), ``percentile_rank`` (the actual's, 0-1), ``deviation`` (actual - deterministic, US$ bn),
        ``deviation_pct`` (% of it), ``effect`` and ``noise_to_effect`` (scenarios only)."""
        rows = []
        for r in self.table.itertuples(index=False):
            head = (r.scenario, r.channel, r.period, r.year, r.months)
            rows.append((*head, "level", "actual", r.actual))
            rows += [(*head, "level", s, getattr(r, s)) for s in _LEVEL_STATS]
            rows += [(*head, "percentile_rank", "actual", r.percentile),
                     (*head, "deviation", "deterministic", r.deviation),
                     (*head, "deviation_pct", "deterministic", r.deviation_pct)]
            if r.scenario != "baseline":
                rows += [(*head, "effect", "deterministic", r.effect),
                         (*head, "noise_to_effect", "deterministic", r.noise_to_effect)]
        df = pd.DataFrame(rows, columns=COLUMNS[:-1])
        return pd.DataFrame({
            "scenario": categorical(df["scenario"], self.scenarios),
            "channel": categorical(df["channel"], self.channels),
            "period": categorical(df["period"], PERIODS, ordered=False),
            "year": pd.array(df["year"].tolist(), dtype="Int64"),
            "months": pd.array(df["months"].tolist(), dtype="Int64"),
            "measure": categorical(df["measure"], list(MEASURES), ordered=False),
            "statistic": categorical(df["statistic"], STATISTICS), "value": df["value"].astype("float64").to_numpy(),
            "unit": [MEASURES[m] for m in df["measure"]]}, columns=COLUMNS)

    def __repr__(self) -> str:
        t = self.table[self.table["scenario"] == "baseline"]
        body = "; ".join(f"{c} {lab} {a:,.2f} US$ bn, {d:+.1f} % vs forecast, P{100 * p:.0f} of its band"
                         for c, lab, a, d, p in zip(t["channel"], t["label"], t["actual"], t["deviation_pct"],
                                                    t["percentile"]))
        body = body or "no data after the base year"
        return f"<ExpostResult base year {self.base_year}, {self.n_draws:,} draws: {body}>"

    def _repr_html_(self) -> str:
        cav = self.caveats.assign(date=[d.isoformat() if isinstance(d, dt.date) else "gradual"
                                        for d in self.caveats["date"]])
        return "\n".join([htmlrepr.table(self.summary(), f"Ex-post check against the forecast made from data to "
                                         f"{self.base_year} (US$ bn; percentiles 0-1)"),
                          f"<p>{html.escape(self.statement)}</p>", htmlrepr.table(cav.set_index("date"), "Caveats")])


def is_inside(percentile: float | np.floating[Any]) -> bool:
    """True when a percentile lies inside the P5-P95 band."""
    return not _outside(float(percentile))
