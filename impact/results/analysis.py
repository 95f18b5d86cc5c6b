"""What one run of the whole pipeline produced (:class:`AnalysisResult`) and how to reproduce it."""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import htmlrepr
from ..assumptions import Assumptions
from . import headline
from .common import STATISTICS, TIDY, categorical, memo, restore_categories
from .expost import ExpostResult
from .impacts import MonteCarloResult, ScenarioResult
from .sensitivity import SensitivityResult
from .value_added import PERIODS
from .value_added import UNITS as VA_UNITS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunInfo:
    """What is needed to reproduce a run."""

    package_version: str
    versions: Mapping[str, str]
    assumption_hashes: Mapping[str, str]
    data_hashes: Mapping[str, str]
    data_vintages: Mapping[str, str]
    seed: int
    draws: int
    scenarios: tuple[str, ...]
    started: str
    seconds: float
    python: str
    platform: str
    command: str = ""

    def to_frame(self) -> pd.DataFrame:
        """Every item as a row: item, value (versions, seed, draws, hashes, vintages)."""
        rows = [("impact version", self.package_version), ("python", self.python), ("platform", self.platform)]
        rows += [(f"{k} version", v) for k, v in self.versions.items()]
        rows += [("seed", str(self.seed)), ("draws per scenario", str(self.draws)),
                 ("scenarios", ", ".join(self.scenarios)), ("run started (UTC)", self.started),
                 ("run time (s)", f"{self.seconds:.2f}"), ("command", self.command)]
        rows += [(f"sha256 {k}", v) for k, v in self.assumption_hashes.items()]
        rows += [(f"sha256 data {k}", v) for k, v in self.data_hashes.items()]
        rows += [(f"vintage {k}", v) for k, v in self.data_vintages.items()]
        return pd.DataFrame(rows, columns=["item", "value"])

    def summary(self) -> pd.DataFrame:
        """Same as :meth:`to_frame` (item, value)."""
        return self.to_frame()

    def __repr__(self) -> str:
        return f"<RunInfo impact {self.package_version}, seed={self.seed}, draws={self.draws}, {self.started}>"

    def _repr_html_(self) -> str:
        df = self.to_frame()
        short = df[~df["item"].str.startswith(("sha256", "vintage"))]
        return htmlrepr.table(short.set_index("item"), f"Run information ({len(df) - len(short)} file hashes and vintages "
                                              "in to_frame())")


@dataclass(frozen=True)
class AnalysisResult:
    """Everything one run produced; the single input of the workbook writer."""

    assumptions: Assumptions
    model: Any
    runs: Mapping[str, ScenarioResult]
    montecarlo: Mapping[str, MonteCarloResult]
    sensitivity: Mapping[str, Mapping[str, SensitivityResult]]
    expected: pd.DataFrame
    info: RunInfo
    #: the ex-post check against the data after the base year (:meth:`impact.Model.expost`), computed once
    expost: ExpostResult | None = None

    def summary(self) -> pd.DataFrame:
        """The headline: cumulative impact over the horizon by scenario and channel (plus ``total``),
        US$ bn, negative = loss.  Monte Carlo median, mean, P5, P10, P90, P95, then the deterministic
        run (all inputs at their most likely values) and its percentile in the draws (fraction 0-1).
        Without a Monte Carlo (``draws=0``) only the deterministic columns are filled."""
        return headline.headline(self.runs, self.montecarlo, self.model.channels)

    def exceedance(self) -> pd.DataFrame:
        """P(cumulative loss > threshold) by scenario, and for the probability-weighted mixture, at the
        thresholds of analysis.yaml ``headline.loss_thresholds`` (US$ bn)."""
        return headline.exceedance(self.runs, self.montecarlo, self.assumptions.analysis.loss_thresholds)

    def reconciliation(self) -> pd.DataFrame:
        """How the probability-weighted expected total is computed: weight x Monte Carlo mean per
        scenario, summed; beside it the same weighting of the deterministic runs."""
        return headline.reconciliation(self.runs, self.montecarlo)

    def value_added(self) -> pd.DataFrame:
        """Mexico GDP, U.S. value added and jobs by scenario and measure, cumulative over the horizon
        (:meth:`ValueAddedResult.summary` of each scenario's Monte Carlo, or of its deterministic run
        without one); money in US$ bn of the run's price basis, jobs in thousand job-years."""
        return memo(self, "_va", self._value_added).copy()

    def _value_added(self) -> pd.DataFrame:
        frames = []
        for name, run in self.runs.items():
            va = (self.montecarlo[name] if name in self.montecarlo else run).value_added
            s = va.summary().reset_index()
            s.insert(0, "scenario", name)
            s.insert(1, "scenario_label", run.label)
            frames.append(s)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def value_added_frame(self) -> pd.DataFrame:
        """Tidy value-added rows of every scenario (``value_added.csv``; :meth:`ValueAddedResult.to_frame`)."""
        frames = [(self.montecarlo[n] if n in self.montecarlo else r).value_added.to_frame() for n, r in self.runs.items()]
        if not frames:
            return pd.DataFrame(columns=TIDY)
        out = pd.concat(frames, ignore_index=True)
        out["scenario"] = categorical(out["scenario"].astype(str), list(self.assumptions.scenario_names))
        out["channel"] = categorical(out["channel"].astype(str), [*self.model.channels, "total"])
        for c, order in (("period", PERIODS), ("measure", list(VA_UNITS))):
            out[c] = categorical(out[c].astype(str), order, ordered=False)
        out["statistic"] = categorical(out["statistic"].astype(str), STATISTICS)
        return out

    def to_frame(self, pct: bool = False) -> pd.DataFrame:
        """Tidy (docs/schema.md): every scenario's deterministic run, then its Monte Carlo statistics,
        in US$ bn (``pct=True``: % of each channel's own baseline); scenario and channel are ordered
        categoricals in the order of the assumption files."""
        return memo(self, f"_frame_{pct}", lambda: self._frame(pct)).copy()

    def _frame(self, pct: bool) -> pd.DataFrame:
        frames = [r.to_frame(pct=pct) for r in self.runs.values()]
        frames += [m.to_frame(pct=pct) for m in self.montecarlo.values()]
        if not frames:
            return pd.DataFrame(columns=TIDY)
        return restore_categories(pd.concat(frames, ignore_index=True), list(self.assumptions.scenario_names),
                                  list(self.model.channels))

    def __repr__(self) -> str:
        return f"<AnalysisResult scenarios={list(self.runs)}, draws={self.info.draws}, seed={self.info.seed}>"

    def _repr_html_(self) -> str:
        df = self.summary().drop(columns=["label", "weight"]).set_index(["scenario", "channel"])
        years = self.model.years
        what = (f"Monte Carlo, {self.info.draws:,} draws, seed {self.info.seed}" if self.montecarlo else
                "Monte Carlo skipped: deterministic run only (all inputs at their most likely values)")
        return htmlrepr.table(df.dropna(axis=1, how="all"),
                              f"Cumulative impact {years[0]}-{years[-1]}, US$ bn (negative = loss); {what}")


class PendingTables(Mapping[str, Mapping[str, SensitivityResult]]):
    """Sensitivity tables computed by a :class:`~impact.parallel.Background` job; the first access
    waits for them (and re-issues the job's warnings).  Pickles as a plain dict."""

    def __init__(self, job: Any) -> None:
        self._job: Any = job
        self._value: dict[str, dict[str, SensitivityResult]] | None = None

    def resolved(self) -> dict[str, dict[str, SensitivityResult]]:
        if self._value is None:
            t = time.perf_counter()
            self._value = self._job.result()
            self._job = None
            log.debug("sensitivity tables: waited %.3f s for the worker process", time.perf_counter() - t)
        return self._value

    def __getitem__(self, key: str) -> Mapping[str, SensitivityResult]:
        return self.resolved()[key]

    def __iter__(self) -> Any:
        return iter(self.resolved())

    def __len__(self) -> int:
        return len(self.resolved())

    def __reduce__(self) -> Any:
        return (dict, (self.resolved(),))

    def __repr__(self) -> str:
        return repr(self.resolved()) if self._value is not None else "<sensitivity tables: computing>"
