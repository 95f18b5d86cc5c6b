"""Several results side by side (built by :func:`impact.compare`)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import htmlrepr
from .common import TIDY, USD, categorical, restore_categories
from .estimates import ChannelFit, EstimateResult, Summary
from .impacts import MonteCarloResult, ScenarioResult

IMPACT_TYPES = (ScenarioResult, MonteCarloResult)
ESTIMATE_TYPES = (EstimateResult, ChannelFit)


def _fmt(x: Any, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.{digits}g}"
    return str(x)


@dataclass(frozen=True)
class ComparisonResult:
    """Several results side by side (build with :func:`compare`).

    kind : ``"impacts"`` (scenario or Monte Carlo results) or ``"estimates"`` (estimators).
    results : name -> result, in the order given.
    """

    kind: str
    results: Mapping[str, Any]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names of the comparison, in the order given."""
        return tuple(self.results)

    # ------------------------------------------------------------------ impacts
    def _channels(self) -> list[str]:
        out: list[str] = []
        for r in self.results.values():
            chans = list(r.impacts.columns) if isinstance(r, ScenarioResult) else list(r.channels)
            out += [c for c in chans if c not in out]
        return out + ["total"]

    def _years(self) -> str:
        r = next(iter(self.results.values()))
        ys = list(r.impacts.index) if isinstance(r, ScenarioResult) else list(r.years)
        return f"{ys[0]}-{ys[-1]}"

    def _impact_columns(self, pct: bool) -> dict[tuple[str, str], pd.Series]:
        cols: dict[tuple[str, str], pd.Series] = {}
        for name, r in self.results.items():
            # the simulated distribution first (median, P5, P95), then the deterministic run
            if isinstance(r, MonteCarloResult):
                q = r.quantiles((0.05, 0.5, 0.95), pct=pct).xs("cumulative", level="year")
                for label in ("p50", "p5", "p95"):
                    cols[(name, label)] = q[label]
            det = r if isinstance(r, ScenarioResult) else r.central
            cols[(name, "deterministic")] = det.cumulative_pct if pct else det.cumulative
        return cols

    # ------------------------------------------------------------------ estimates
    def _estimate_rows(self, level: float) -> pd.DataFrame:
        from scipy import stats


        frames = []
        c = float(stats.norm.ppf(1 - (1 - level) / 2))
        for name, r in self.results.items():
            main = r.main if isinstance(r, ChannelFit) else r
            df = main.tidy(level)
            df.insert(0, "name", name)
            frames.append(df)
            if isinstance(r, ChannelFit):
                for term, p in r.pooled.items():
                    z = p.value / p.se if p.se else float("nan")
                    frames.append(pd.DataFrame([{
                        "name": name, "model": f"coefficient used ({p.mode})", "term": term, "estimate": p.value,
                        "std_error": p.se, "statistic": z, "distribution": "z",
                        "p_value": float(2 * stats.norm.sf(abs(z))),
                        "conf_low": p.value - c * p.se, "conf_high": p.value + c * p.se}]))
        return pd.concat(frames, ignore_index=True)

    def _estimate_summary(self) -> Any:

        rows = self._estimate_rows(0.95)

        def block(df: pd.DataFrame) -> pd.DataFrame:
            terms = list(dict.fromkeys(df["term"]))
            index: list[str] = []
            data: dict[str, list[str]] = {n: [] for n in self.names}
            for t in terms:
                index += [t, ""]
                for n in self.names:
                    hit = df[(df["name"] == n) & (df["term"] == t)]
                    if hit.empty:
                        data[n] += ["", ""]
                    else:
                        data[n] += [_fmt(hit["estimate"].iloc[0]), f"({_fmt(hit['std_error'].iloc[0])})"]
            return pd.DataFrame(data, index=pd.Index(index, name="term"))

        main_rows = rows[~rows["model"].str.startswith("coefficient used")]
        coef = block(main_rows)
        info: dict[str, list[str]] = {}
        for n, r in self.results.items():
            m = r.main if isinstance(r, ChannelFit) else r
            info[n] = [m.dependent, m.method, m.sample, _fmt(m.nobs), _fmt(m.rsquared, 3)]
        stats_ = pd.DataFrame(info, index=pd.Index(["Dependent", "Method", "Sample", "No. observations", "R-squared"],
                                                   name="statistic"))
        tables: list[tuple[str, pd.DataFrame]] = [("Coefficients (standard errors in parentheses)", coef),
                                                  ("Model", stats_)]
        used = rows[rows["model"].str.startswith("coefficient used")]
        if not used.empty:
            tables.append(("Coefficients used in the impact equations (standard errors in parentheses)", block(used)))
        return Summary(title="Model comparison", header=("Model comparison", "Models: " + ", ".join(self.names)),
                       tables=tuple(tables))

    # ------------------------------------------------------------------ public
    def summary(self, pct: bool = False) -> Any:
        """Impacts: DataFrame channel x (name, statistic) of cumulative impacts (US$ bn, or % of baseline
        with ``pct=True``).  Estimates: a printable :class:`~impact.estimates.Summary` with coefficients
        and standard errors side by side."""
        if self.kind == "estimates":
            return self._estimate_summary()
        cols = self._impact_columns(pct)
        df = pd.DataFrame(cols).reindex(self._channels())
        if all(isinstance(r, ScenarioResult) for r in self.results.values()):
            df.columns = [n for n, _ in df.columns]  # deterministic runs only: one column each
        else:
            df.columns = pd.MultiIndex.from_tuples(df.columns, names=["name", "statistic"])
        df.index.name = "channel"
        return df

    def to_frame(self) -> pd.DataFrame:
        """Tidy.  Impacts: ``name`` plus the result columns (scenario, channel, year, statistic, value, unit).
        Estimates: name, model, term, estimate, std_error, statistic, p_value, conf_low, conf_high."""
        if self.kind == "estimates":
            return self._estimate_rows(0.95)
        frames = []
        for name, r in self.results.items():
            df = r.to_frame()
            df.insert(0, "name", name)
            frames.append(df)
        out = pd.concat(frames, ignore_index=True)[["name", *TIDY]]
        out["name"] = categorical(out["name"], list(self.results))
        scen = list(dict.fromkeys(str(s) for f in frames for s in f["scenario"]))
        chans = [c for c in self._channels() if c != "total"]
        return restore_categories(out, scen, chans)

    def __repr__(self) -> str:
        if self.kind == "estimates":
            n_terms = len(self._estimate_rows(0.95)["term"].unique())
            return f"<ComparisonResult estimates: {', '.join(self.names)} ({n_terms} terms)>"
        cols = self._impact_columns(False)
        stat = "p50" if any(st_ == "p50" for _, st_ in cols) else "deterministic"
        body = ", ".join(f"{n} {v['total']:,.2f}" for (n, st_), v in cols.items()
                         if st_ == stat or (st_ == "deterministic" and (n, "p50") not in cols))
        return f"<ComparisonResult impacts {self._years()}, cumulative total ({stat}; {USD}): {body}>"

    def _repr_html_(self) -> str:
        if self.kind == "estimates":
            return self.summary()._repr_html_()
        return htmlrepr.table(self.summary(), f"Cumulative impact {self._years()}, {USD} (negative = loss)")
