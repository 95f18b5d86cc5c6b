"""Sensitivity of a target to the uncertain inputs: tornado, two-way grid or Sobol indices."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import htmlrepr
from .common import USD


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
        """The table by importance: tornado by swing, sobol by total index ST (two_way: the grid)."""
        if self.method == "tornado":
            return self.table.sort_values(["swing", "input"], ascending=[False, True]).reset_index(drop=True)
        if self.method == "sobol":
            return self.table.sort_values(["ST", "input"], ascending=[False, True]).reset_index(drop=True)
        return self.table

    def _key(self, n: int) -> dict[str, Any]:
        """The columns that say what was analysed, repeated over ``n`` rows."""
        return {"scenario": [self.scenario] * n, "target": [self.target] * n,
                "period": ["cumulative" if self.year is None else "year"] * n,
                "year": pd.array([self.year] * n, dtype="Int64")}

    def to_frame(self) -> pd.DataFrame:
        """Tidy, with real columns and exact floats (docs/schema.md).

        tornado: one row per input and bound (``low``/``high``): ``input``, ``label``, ``kind``,
        ``input_unit``, ``bound``, ``quantile``, ``input_value``, ``value`` (the target there) and
        ``deterministic`` (the target with every input at its most likely value), ``rank``;
        two_way: one row per grid cell: ``x``, ``x_value``, ``y``, ``y_value``, ``value``;
        sobol: one row per input and index (``S1``, ``ST``): ``value`` and ``conf`` (95 % half-width).
        ``unit`` is the target's (US$ bn) or ``index``."""
        if self.method == "two_way":
            grid = self.table.stack().rename("value").reset_index()
            grid.columns = ["y_value", "x_value", "value"]
            n = len(grid)
            return pd.DataFrame({**self._key(n), "x": [self.meta["x"]] * n, "x_value": grid["x_value"].astype(float),
                                 "y": [self.meta["y"]] * n, "y_value": grid["y_value"].astype(float),
                                 "value": grid["value"].astype(float), "unit": [self.unit] * n})
        t = self.ranked()
        if self.method == "tornado":
            qs = {"low": self.meta.get("low_q", 0.1), "high": self.meta.get("high_q", 0.9)}
            parts = []
            for bound in ("low", "high"):
                n = len(t)
                parts.append(pd.DataFrame({
                    **self._key(n), "input": t["input"], "label": t["label"], "kind": t["kind"],
                    "input_unit": t["unit"], "bound": [bound] * n, "quantile": [qs[bound]] * n,
                    "input_value": t[f"{bound}_value"].astype(float), "value": t[bound].astype(float),
                    "deterministic": [self.central] * n, "rank": t["rank"].astype(int), "unit": [self.unit] * n}))
            out = pd.concat(parts, ignore_index=True)
            return out.sort_values(["rank", "bound"], kind="stable").reset_index(drop=True)
        parts = []
        for index in ("S1", "ST"):
            n = len(t)
            parts.append(pd.DataFrame({**self._key(n), "input": t["input"], "label": t["label"], "kind": t["kind"],
                                       "index": [index] * n, "value": t[index].astype(float),
                                       "conf": t[f"{index}_conf"].astype(float), "unit": ["index"] * n}))
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """tornado and sobol: the table ranked by importance; two_way: the grid (rows y, columns x)
        with headers rounded to what the inputs' precision supports."""
        if self.method != "two_way":
            return self.ranked()
        grid = self.table.copy()
        grid.columns = pd.Index([_short(v) for v in grid.columns], name=f"{self.meta['x']} ->")
        grid.index = pd.Index([_short(v) for v in grid.index], name=f"{self.meta['y']}")
        return grid

    def __repr__(self) -> str:
        return (f"<SensitivityResult {self.method} {self.scenario!r} target={self.label!r}: "
                f"deterministic {self.central:,.3f} {self.unit}, {len(self.table)} rows>")

    def _repr_html_(self) -> str:
        what = {"tornado": "tornado", "two_way": "two-way grid", "sobol": "Sobol indices"}[self.method]
        return htmlrepr.table(self.summary(), f"{what}, {self.scenario}: {self.label}, {self.unit}")


def _short(v: float) -> str:
    """A grid header: four significant digits (the full value is in to_frame())."""
    return f"{float(v):.4g}"
