"""A sweep's results (:class:`SweepResult`): statistics of every variant, scenario and target, tidy.

One row per (variant, scenario, target, statistic): ``variant`` (0, 1, ...), one column per varied
input (its value in the variant), ``scenario``, ``target`` (a channel, ``total``, or a value-added
measure: ``mx_gdp``, ``us_va``, ``mx_jobs``, ``us_jobs``), ``statistic`` (``mean``, ``sd``, ``p5``,
``p50``, ``p95`` of the Monte Carlo draws, ``central`` for the deterministic run, ``p_loss_gt_X``:
the share of draws whose total loss exceeds X US$ bn), ``value`` and ``unit``.  Every value is the
change over the whole horizon (cumulative), negative for a loss, in the run's price basis.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import htmlrepr

FIXED = ("variant", "scenario", "target", "statistic", "value", "unit")
ACROSS = ("variants", "mean", "min", "p5", "p50", "p95", "max")


@dataclass(frozen=True)
class SweepResult:
    """Statistics of each variant of a sweep (see the module docstring for the columns).

    With a Parquet ``path`` the table stays on disk: each method reads only the rows it needs
    (a sweep of many variants never has to fit in memory); ``frame`` holds it otherwise."""

    design: Any = field(repr=False)
    failures: tuple[Mapping[str, Any], ...]
    metadata: Mapping[str, Any] = field(repr=False)
    path: Path | None = None
    frame: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The varied inputs (design columns), in the design's order."""
        return tuple(self.metadata["inputs"])

    @property
    def scenarios(self) -> tuple[str, ...]:
        """The scenarios run, in the order given."""
        return tuple(self.metadata["scenarios"])

    @property
    def targets(self) -> tuple[str, ...]:
        """Every channel, ``total``, then the value-added measures."""
        return tuple(self.metadata["targets"])

    @property
    def n_variants(self) -> int:
        """Variants in the design (failed ones included)."""
        return int(self.metadata["variants"])

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (read from the Parquet file when there is one)."""
        return self._rows()

    def _rows(self, target: str | None = None, statistics: tuple[str, ...] | None = None) -> pd.DataFrame:
        """The rows of one target and some statistics (all rows: no arguments)."""
        if self.frame is not None:
            df = self.frame
            keep = np.ones(len(df), dtype=bool)
            if target is not None:
                keep &= (df["target"] == target).to_numpy()
            if statistics is not None:
                keep &= df["statistic"].isin(statistics).to_numpy()
            return df[keep].reset_index(drop=True)
        import pyarrow.parquet as pq

        filters = []
        if target is not None:
            filters.append(("target", "=", target))
        if statistics is not None:
            filters.append(("statistic", "in", list(statistics)))
        return pq.read_table(self.path, filters=filters or None).to_pandas()

    def variants(self) -> pd.DataFrame:
        """One row per variant that ran: its inputs (index ``variant``)."""
        rows = self._rows(self.targets[0], (self.metadata["statistics"][0],))
        return rows[["variant", *self.inputs]].drop_duplicates("variant").set_index("variant")

    def table(self, statistic: str = "p50", target: str = "total") -> pd.DataFrame:
        """Wide: one row per variant (its inputs first), one column per scenario, for one statistic of one target."""
        self._check(statistic, target)
        sub = self._rows(target, (statistic,))
        wide = sub.pivot(index="variant", columns="scenario", values="value")
        wide = wide[[s for s in self.scenarios if s in wide.columns]]
        wide.columns.name = None
        return sub[["variant", *self.inputs]].drop_duplicates("variant").set_index("variant").join(wide)

    def summary(self, target: str = "total", statistics: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Across variants: for each scenario and statistic of ``target``, the number of variants, the
        mean, minimum, 5th, 50th and 95th percentiles and maximum of the statistic over the variants
        (each variant counts once: a grid or a hypercube weights its points equally)."""
        stats = statistics or tuple(s for s in self.metadata["statistics"]
                                    if s in ("p50", "p95", "p5", "mean") or s.startswith("p_loss_gt_"))
        for st in stats:
            self._check(st, target)
        sub = self._rows(target, tuple(stats))
        rows = []
        for sc in self.scenarios:
            for st in stats:
                v = sub.loc[(sub["scenario"] == sc) & (sub["statistic"] == st), "value"].to_numpy()
                q = np.percentile(v, [0, 5, 50, 95, 100]) if v.size else np.full(5, np.nan)
                rows.append({"scenario": sc, "statistic": st, "variants": int(v.size),
                             "mean": float(v.mean()) if v.size else np.nan, "min": q[0], "p5": q[1], "p50": q[2],
                             "p95": q[3], "max": q[4]})
        return pd.DataFrame(rows).set_index(["scenario", "statistic"])

    def drivers(self, target: str = "total", statistic: str = "p50") -> pd.DataFrame:
        """Which inputs move ``statistic`` of ``target`` across variants, per scenario and numeric input:
        Spearman's rank correlation, the standardised regression coefficient (SRC: OLS of the
        standardised statistic on every standardised input) and that regression's R-squared (near 1:
        the SRCs explain the variation; low: interactions or non-linear effects dominate)."""
        from scipy import stats as st

        tab = self.table(statistic, target)
        numeric = [c for c in self.inputs if pd.api.types.is_float_dtype(tab[c]) and tab[c].nunique() > 1]
        rows = []
        for sc in self.scenarios:
            ok = tab[sc].notna()
            y = tab.loc[ok, sc].to_numpy(dtype=float)
            X = tab.loc[ok, numeric].to_numpy(dtype=float)
            src, r2 = _src(X, y)
            for j, name in enumerate(numeric):
                rho = st.spearmanr(X[:, j], y).statistic if y.std() > 0 else np.nan
                rows.append({"scenario": sc, "input": name, "spearman": float(rho), "src": src[j], "r2": r2,
                             "variants": int(ok.sum())})
        out = pd.DataFrame(rows, columns=["scenario", "input", "spearman", "src", "r2", "variants"])
        out["rank"] = out.groupby("scenario")["src"].transform(lambda s: s.abs().rank(ascending=False, method="first"))
        return out.sort_values(["scenario", "rank"], key=lambda c: c.map({s: i for i, s in enumerate(self.scenarios)})
                               if c.name == "scenario" else c).set_index(["scenario", "input"])

    def _check(self, statistic: str, target: str) -> None:
        from ..errors import Issue, UsageError

        if statistic not in self.metadata["statistics"]:
            raise UsageError(Issue(f"unknown statistic {statistic!r}",
                                   hint=f"choose one of {', '.join(self.metadata['statistics'])}"))
        if target not in self.targets:
            raise UsageError(Issue(f"unknown target {target!r}", hint=f"choose one of {', '.join(self.targets)}"))

    def __repr__(self) -> str:
        ran = self.n_variants - len(self.failures)
        return (f"<SweepResult {self.metadata['method']}: {ran:,} of {self.n_variants:,} variants x "
                f"{len(self.scenarios)} scenarios x {self.metadata['draws']:,} draws, {len(self.failures)} failed>")

    def _repr_html_(self) -> str:
        head = (f"Sweep ({self.metadata['method']}, {self.n_variants:,} variants, {self.metadata['draws']:,} draws "
                f"each): total cumulative change across variants, US$ bn ({self.metadata['period']})")
        return htmlrepr.table(self.summary(), head, float_format=lambda x: f"{x:,.3f}")


def _src(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Standardised regression coefficients and R-squared (NaN where the fit is not identified)."""
    n, k = X.shape
    if k == 0 or n <= k + 1 or y.std() == 0:
        return np.full(k, np.nan), float("nan")
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    z = (y - y.mean()) / y.std()
    A = np.column_stack([np.ones(n), Z])
    beta, *_ = np.linalg.lstsq(A, z, rcond=None)
    resid = z - A @ beta
    return beta[1:], float(1 - resid @ resid / (z @ z))
