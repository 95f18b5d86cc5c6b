"""Sensitivity of a target to the uncertain inputs: tornado, two-way grid or Sobol indices."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import htmlrepr
from .common import TIDY, USD


@dataclass(frozen=True)
class SensitivityResult:
    """Sensitivity of a target to the uncertain inputs.

    method : "tornado" | "two_way" | "sobol"
    target : the channel whose impact is analysed, or ``"total"``; ``year`` the year, or None for
            the cumulative impact over the horizon (``label`` says which, e.g. "total (cumulative)")
    central : the target in the deterministic run (every input at its central value)
    table : for tornado one row per input: the input at its low and high quantile (``low_value``,
            ``high_value``), the target there (``low``, ``high``), ``swing`` and ``rank``; for sobol
            one row per input (S1, S1_conf, ST, ST_conf); for two_way the grid (rows: y values,
            columns: x values).
    meta : method details (tornado: the quantiles ``low_q``/``high_q``; two_way: the inputs and
            the central cell; sobol: sample sizes)
    """

    scenario: str
    method: str
    target: str
    central: float
    table: pd.DataFrame
    meta: Mapping[str, Any] = field(default_factory=dict)
    unit: str = USD
    year: int | None = None

    @property
    def label(self) -> str:
        """The target and its period, e.g. ``"tourism (cumulative)"`` or ``"total (2026)"``."""
        return f"{self.target} ({'cumulative' if self.year is None else self.year})"

    def ranked(self) -> pd.DataFrame:
        if self.method == "tornado":
            return self.table.sort_values(["swing", "input"], ascending=[False, True]).reset_index(drop=True)
        if self.method == "sobol":
            return self.table.sort_values(["ST", "input"], ascending=[False, True]).reset_index(drop=True)
        return self.table

    def to_frame(self) -> pd.DataFrame:
        rows = []
        ch = self.target
        yr = "cumulative" if self.year is None else str(self.year)
        if self.method == "two_way":
            x, y = self.meta["x"], self.meta["y"]
            for yv, row in self.table.iterrows():
                for xv, val in row.items():
                    rows.append((self.scenario, ch, yr, f"{x}={xv:g}|{y}={yv:g}", float(val), self.unit))
        else:
            stat_cols = ["low", "high", "swing"] if self.method == "tornado" else ["S1", "S1_conf", "ST", "ST_conf"]
            for _, r in self.table.iterrows():
                for c in stat_cols:
                    unit = self.unit if self.method == "tornado" else "index"
                    rows.append((self.scenario, ch, yr, f"{c}:{r['input']}", float(r[c]), unit))
        return pd.DataFrame(rows, columns=TIDY)

    def summary(self) -> pd.DataFrame:
        return self.ranked() if self.method != "two_way" else self.table

    def __repr__(self) -> str:
        return (f"<SensitivityResult {self.method} {self.scenario!r} target={self.label!r}: "
                f"central {self.central:,.3f} {self.unit}, {len(self.table)} rows>")

    def _repr_html_(self) -> str:
        return htmlrepr.table(self.summary(), f"{self.method}: {self.scenario}, {self.label}, {self.unit}")
