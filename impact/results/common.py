"""Conventions shared by every result object: the tidy schema, units, memoised derived values.

The tidy schema of impacts (``to_frame()`` of deterministic runs, Monte Carlo results, a whole
analysis, comparisons; the ``--csv`` tables read the same frames), documented in docs/schema.md:

============  =====================  ==========================================================
column        dtype                  meaning
============  =====================  ==========================================================
scenario      ordered category       scenario key, in the order of scenarios.yaml
channel       ordered category       a channel, in the order of channels.yaml, then ``total``
period        category               ``year`` (one calendar year) or ``cumulative`` (the horizon)
year          Int64 (nullable)       the calendar year; <NA> for ``cumulative`` rows
measure       category               ``impact`` (change, US$ bn) or ``impact_pct`` (% of the
                                     channel's own baseline; no total)
statistic     ordered category       ``deterministic``, ``mean``, ``sd``, ``p5``, ``p10``, ...
value         float64                the number, in ``unit``
unit          str                    ``US$ bn`` or ``% of channel baseline``
============  =====================  ==========================================================

(scenario, channel, period, year, measure, statistic) is a key: no two rows share it, so
``pivot_table`` never averages unlike numbers.  ``to_frame()`` holds the US$ bn measure by
default (``df.pivot_table(values="value", index="year", columns="channel")`` is the impact table);
``to_frame(pct=True)`` the percentages; the CSV tables hold both.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

TIDY = ["scenario", "channel", "period", "year", "measure", "statistic", "value", "unit"]
#: the columns that identify a row of a tidy impact frame
KEY = TIDY[:6]

USD = "US$ bn"
PCT = "% of channel baseline"

#: measure -> unit (``percentile_rank``: where the deterministic run sits among the draws, 0-1)
MEASURES = {"impact": USD, "impact_pct": PCT, "percentile_rank": "fraction (0-1)"}
PERIODS = ("year", "cumulative")
#: every statistic a tidy frame may hold, in display order (percentiles spelled pN)
STATISTICS = ("deterministic", "mean", "sd", "p5", "p10", "p25", "p50", "p75", "p90", "p95")


def pct_label(q: float) -> str:
    """The one spelling of a percentile: 0.05 -> ``"p5"``, 0.5 -> ``"p50"``, 0.025 -> ``"p2.5"``."""
    return f"p{100 * q:g}"


def categorical(values: Iterable[Any], order: Sequence[Any], ordered: bool = True) -> pd.Categorical:
    """``values`` as a categorical with the categories in ``order`` (values outside it are added at the end)."""
    vals = list(values)
    cats = list(dict.fromkeys([*order, *(v for v in vals if v not in set(order))]))
    return pd.Categorical(vals, categories=cats, ordered=ordered)


def tidy(rows: pd.DataFrame | list[tuple[Any, ...]], scenarios: Sequence[str], channels: Sequence[str]) -> pd.DataFrame:
    """Rows (scenario, channel, year-or-"cumulative", measure, statistic, value) as a frame with the
    schema's columns and dtypes; ``channels`` without ``total`` (it is added last)."""
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(
        rows, columns=["scenario", "channel", "year", "measure", "statistic", "value"])
    year = df["year"].astype(str)
    cum = year == "cumulative"
    out = pd.DataFrame({
        "scenario": categorical(df["scenario"], scenarios),
        "channel": categorical(df["channel"], [*channels, "total"]),
        "period": categorical(["cumulative" if c else "year" for c in cum], PERIODS, ordered=False),
        "year": pd.array([None if c else int(y) for c, y in zip(cum, year)], dtype="Int64"),
        "measure": categorical(df["measure"], list(MEASURES), ordered=False),
        "statistic": categorical(df["statistic"], STATISTICS),
        "value": df["value"].astype("float64").to_numpy(),
        "unit": [MEASURES[m] for m in df["measure"]],
    })
    return out


def restore_categories(df: pd.DataFrame, scenarios: Sequence[str], channels: Sequence[str]) -> pd.DataFrame:
    """After ``pd.concat`` of frames with different categories: the schema's categoricals again."""
    out = df.copy()
    out["scenario"] = categorical(out["scenario"].astype(str), scenarios)
    out["channel"] = categorical(out["channel"].astype(str), [*channels, "total"])
    out["period"] = categorical(out["period"].astype(str), PERIODS, ordered=False)
    out["measure"] = categorical(out["measure"].astype(str), list(MEASURES), ordered=False)
    out["statistic"] = categorical(out["statistic"].astype(str), STATISTICS)
    return out


def memo(obj: Any, name: str, make: Any) -> Any:
    """``make()`` computed once per (frozen, immutable) result object and kept beside its fields."""
    try:
        return obj.__dict__[name]
    except KeyError:
        value = obj.__dict__[name] = make()
        return value
