"""The tables behind the workbook, built once from an :class:`~impact.api.AnalysisResult`.

The workbook writer (:mod:`impact.report.excel`) lays these frames out for people; :func:`write_csv`
writes the same content in tidy long form for R, Stata or BI tools (``--csv DIR``): one observation
per row, one variable per column, units in a ``unit`` column, channel and scenario as keys.
Money is US$ bn (current dollars), negative = loss; percent values are in percent (1.5 = 1.5 %).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..results.common import USD, categorical, pct_label, restore_categories, tidy
from .datatables import data_catalog, data_values

if TYPE_CHECKING:  # pragma: no cover
    from ..api import AnalysisResult

#: Display names of the channels (also the channel sheet names).
CHANNEL_TITLES = {"tourism": "Tourism", "imports": "Imports", "business_costs": "Business costs",
                  "investment": "Investment", "official_finance": "Official finance", "remittances": "Remittances",
                  "total": "Total", "mx_gdp": "Mexico GDP", "us_va": "U.S. value added", "mx_jobs": "Mexico jobs",
                  "us_jobs": "U.S. jobs"}


def channel_title(ch: str) -> str:
    return CHANNEL_TITLES.get(ch, ch.replace("_", " ").capitalize()[:31])


def scenario_label(res: AnalysisResult, name: str) -> str:
    """The scenario's label from scenarios.yaml (its key when it was not run)."""
    return res.runs[name].label if name in res.runs else name


def short_label(res: AnalysisResult, name: str) -> str:
    """'FTO designation (S0)' -> 'S0'; otherwise the scenario key."""
    m = re.search(r"\(([^()]{1,8})\)\s*$", scenario_label(res, name))
    return m.group(1) if m else name


def designation_scenarios(res: AnalysisResult) -> list[str]:
    """Scenario names other than the no-designation baseline, in run order."""
    return [n for n in res.runs if n != "baseline"]


#: What the deterministic run is, in the words every table and sheet uses.
DETERMINISTIC = "deterministic run: all inputs at their most likely values"
#: What the total is (until value-added totals exist): not a loss of GDP, not a welfare measure.
TOTAL_LABEL = "sum of channel changes, US$ bn, gross"
#: The sign and unit convention, stated on the Summary and About sheets.
CONVENTION = ("Impacts are changes relative to the no-designation baseline in US$ bn, current dollars; negative = "
              "loss (less U.S. visitor spending in Mexico, fewer U.S. imports from Mexico, higher costs for U.S. "
              "businesses in Mexico, which the total counts as a loss; the Business costs sheet shows them as a "
              "positive additional cost). The total is the sum of channel changes, gross: visitor spending, gross "
              "import value and business costs are unlike quantities, so it is neither a GDP nor a welfare measure, "
              "and it has no percentage of its own (channel percentages are of each channel's own baseline). "
              "Percentages are real percentages (0.25 shows as 25.00%).")


def dollars(res: AnalysisResult) -> str:
    """The run's price basis in the words the sheets use: "current dollars" or "constant 2024 dollars"."""
    p = res.model.prices
    return f"constant {p.base_year} dollars" if p.basis == "real" else "current dollars"


def convention(res: AnalysisResult) -> str:
    """:data:`CONVENTION` in the run's price basis."""
    return CONVENTION.replace("current dollars", dollars(res))


# ----------------------------------------------------------------------------- impacts
def headline(res: AnalysisResult) -> pd.DataFrame:
    """The headline (``AnalysisResult.summary()``): by scenario and channel plus total, Monte Carlo
    median, mean, P5, P10, P90, P95, the deterministic run and its percentile (US$ bn; fraction)."""
    return res.summary()


def median_pct(res: AnalysisResult) -> dict[tuple[str, str], float]:
    """(scenario, channel) -> Monte Carlo median of the cumulative impact in % of the channel's own
    cumulative baseline (no total: its parts have unlike baselines)."""
    out = {}
    for name, mc in res.montecarlo.items():
        q = mc.quantiles((0.5,), pct=True).xs("cumulative", level="year")["p50"]
        out.update({(name, ch): float(q[ch]) for ch in mc.channels})
    return out


def expected(res: AnalysisResult) -> pd.DataFrame:
    """Probability-weighted expected cumulative impact by channel with the mixture's P5 and P95 (US$ bn)."""
    if res.expected is None or res.expected.empty:
        return pd.DataFrame(columns=["channel", "expected", "p5", "p95"])
    e = res.expected.reset_index()
    return pd.DataFrame({"channel": e["channel"].astype(str), "expected": e["expected"].astype(float),
                         "p5": e["lower"].astype(float), "p95": e["upper"].astype(float)})


def _wide(df: pd.DataFrame) -> pd.DataFrame:
    """A tidy impact frame with one column per statistic (``<stat>`` in US$ bn, ``<stat>_pct`` in %),
    one row per scenario, channel and year-or-``cumulative`` (a string, as the sheets show it)."""
    d = df.assign(when=np.where(df["period"] == "cumulative", "cumulative", df["year"].astype(str)),
                  column=df["statistic"].astype(str) + np.where(df["measure"] == "impact_pct", "_pct", ""))
    wide = d.pivot_table(index=["scenario", "channel", "when"], columns="column", values="value", observed=True,
                         sort=False, aggfunc="first")
    return wide.reset_index().rename(columns={"when": "year"})


def scenario_impacts(res: AnalysisResult) -> pd.DataFrame:
    """Every scenario x channel (plus total) x year (plus cumulative): Monte Carlo median, P5, P95 and
    the deterministic run in US$ bn and in % of the channel's own baseline (none for the total);
    read from the same tidy frames as the CSV tables."""
    frames = [res.to_frame(), res.to_frame(pct=True)]
    wide = _wide(pd.concat(frames, ignore_index=True))
    cols = ["p50", "p5", "p95", "deterministic", "p50_pct", "p5_pct", "p95_pct", "deterministic_pct"]
    wide = wide.reindex(columns=["scenario", "channel", "year", *cols])
    years = [str(y) for y in res.model.years] + ["cumulative"]
    wide["year"] = pd.Categorical(wide["year"], categories=years, ordered=True)
    wide = wide.sort_values(["scenario", "channel", "year"]).reset_index(drop=True)
    for c in ("scenario", "channel", "year"):
        wide[c] = wide[c].astype(str)
    return wide


def quantile_table(res: AnalysisResult, qs: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
    """Monte Carlo mean and quantiles (US$ bn) by scenario, channel (plus total) and year (plus
    cumulative), from the same tidy frames as ``montecarlo.csv``."""
    cols = ["mean", *[pct_label(x) for x in qs]]
    if not res.montecarlo:
        return pd.DataFrame(columns=["scenario", "channel", "year", *cols])
    df = restore_categories(pd.concat([m.to_frame() for m in res.montecarlo.values()], ignore_index=True),
                            *_order(res))
    wide = _wide(df)
    years = [str(y) for y in res.model.years] + ["cumulative"]
    wide["year"] = pd.Categorical(wide["year"], categories=years, ordered=True)
    wide = wide.sort_values(["scenario", "channel", "year"]).reset_index(drop=True)
    for c in ("scenario", "channel", "year"):
        wide[c] = wide[c].astype(str)
    return wide[["scenario", "channel", "year", *cols]]


def variance_table(res: AnalysisResult) -> pd.DataFrame:
    rows = []
    for name, mc in res.montecarlo.items():
        for ch, r in mc.variance.iterrows():
            rows.append({"scenario": name, "channel": str(ch), "var_all": float(r["total"]),
                         "var_estimation": float(r["estimation"]), "var_assumptions": float(r["assumptions"]),
                         "share_estimation": float(r["share_estimation"])})
    return pd.DataFrame(rows, columns=["scenario", "channel", "var_all", "var_estimation", "var_assumptions",
                                       "share_estimation"])


def components(res: AnalysisResult, ch: str) -> pd.DataFrame:
    """Components of a channel's central impact: scenario, component, one column per year, cumulative (US$ bn)."""
    rows = []
    for name in designation_scenarios(res):
        comp = res.runs[name].components[ch]
        for c in comp.columns:
            vals = comp[c]
            rows.append({"scenario": name, "component": str(c), **{str(y): float(v) for y, v in vals.items()},
                         "cumulative": float(vals.sum())})
    return pd.DataFrame(rows)


def baseline_table(res: AnalysisResult, ch: str) -> pd.DataFrame:
    """The channel's no-designation path by year (US$ bn in the run's price basis): mean, median
    (central path), lower, upper."""
    b = res.model.baseline(ch)
    p = res.model.prices
    f = np.array([float(p.money[p.years.index(int(y))]) if int(y) in p.years else 1.0 for y in b.index])
    return pd.DataFrame({"year": [int(y) for y in b.index], "mean": b["mean"].astype(float) * f,
                         "median": b["median"].astype(float) * f, "lower": b["lower"].astype(float) * f,
                         "upper": b["upper"].astype(float) * f}).reset_index(drop=True)


def expost_table(res: AnalysisResult) -> pd.DataFrame:
    """The ex-post check (:class:`~impact.results.expost.ExpostResult` ``table``): one row per channel,
    period and scenario; actual, band and deviation in US$ bn, percentile 0-1 (empty without it)."""
    return res.expost.table if res.expost is not None else pd.DataFrame()


# ----------------------------------------------------------------------------- provenance
def scenario_definitions(res: AnalysisResult) -> pd.DataFrame:
    rows = []
    for n in res.runs:
        sc = res.assumptions.scenarios[n]
        rows.append({"scenario": n, "label": sc.label, "extends": " > ".join(sc.chain), "weight": float(sc.weight),
                     "description": sc.description, "location": str(sc.location)})
    return pd.DataFrame(rows)


def _param_index(sc: Any) -> dict[str, Any]:
    out = {p.qualname: p for p in sc.parameters.values()}
    out.update({p.qualname: p for p in sc.shocks.values()})
    return out


def assumption_rows(res: AnalysisResult) -> pd.DataFrame:
    """Every input actually used, per scenario: value used, unit, ranges, distribution, source, file:line."""
    model = res.model
    rows = []
    for name in res.runs:
        sc = model.resolve(name)
        params = _param_index(sc)
        for inp in model.inputs(sc):
            p = params.get(inp.name)
            unc = inp.uncertain
            lo, hi = (float(v) for v in inp.ppf(np.array([0.05, 0.95]))) if unc else (inp.central, inp.central)
            if p is None:  # a channel's baseline forecast: the quantile of its prediction distribution
                fit = model.fits[inp.channel]
                rows.append({"scenario": name, "name": inp.name, "label": inp.label, "kind": inp.kind,
                             "value": float(inp.central), "unit": inp.unit,
                             "distribution": inp.distribution.describe() if unc else "fixed",
                             "p5": lo, "p95": hi, "bounds": "[0, 1]", "plausible": "", "estimate": "",
                             "start": None, "timing": "", "set_in": "",
                             "source": f"{fit.baseline.method}; data: {fit.baseline.data}",
                             "location": f"channel sheet '{channel_title(inp.channel)}'"})
                continue
            source = p.source
            if p.prior is not None:
                source += f" Prior: mean {p.prior.mean:g}, sd {p.prior.sd:g} ({p.prior.source})."
            rows.append({
                "scenario": name, "name": inp.name, "label": p.label, "kind": inp.kind, "value": float(inp.central),
                "unit": inp.unit, "distribution": inp.distribution.describe() if unc else "fixed",
                "p5": lo, "p95": hi, "bounds": f"[{p.bounds[0]:g}, {p.bounds[1]:g}]",
                "plausible": f"[{p.plausible[0]:g}, {p.plausible[1]:g}]" if p.plausible else "",
                "estimate": p.estimate or "", "start": p.start, "timing": p.timing or "",
                "set_in": " > ".join(p.overridden_by), "source": source.strip(), "location": str(p.location),
            })
    return pd.DataFrame(rows)


def settings_rows(res: AnalysisResult) -> pd.DataFrame:
    """Run settings, estimator options and analysis settings actually used (section, name, value, file:line)."""
    a = res.assumptions
    s = a.settings
    folder = Path(str(a.folder))
    sfile = next((k for k in a.hashes if k.endswith("settings.yaml")), str(folder / "settings.yaml"))
    afile = next((k for k in a.hashes if k.endswith("analysis.yaml")), str(folder / "analysis.yaml"))
    rows: list[dict[str, Any]] = []

    def add(section: str, name: str, value: Any, where: str) -> None:
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        rows.append({"section": section, "name": name, "value": str(value), "location": where})

    for k in ("title", "base_year", "horizon", "currency", "price_basis", "sensitivity", "normalise_weights"):
        add("settings", k, getattr(s, k), sfile)
    add("settings", "years", f"{s.years[0]}-{s.years[-1]}", sfile)
    add("run", "draws per scenario", res.info.draws, "settings.yaml or --draws")
    add("run", "seed", res.info.seed, "settings.yaml or --seed")
    for sid, path in a.data_overrides.items():
        add("settings", f"data override {sid}", path, sfile)
    for ch, block in a.channels.items():
        for k, v in block.options.items():
            add(f"estimator {ch}", k, v, str(block.location))
    an = a.analysis
    add("analysis", "tornado low / high quantile", f"{an.tornado_low_q:g} / {an.tornado_high_q:g}", afile)
    for tw in an.two_way:
        add("analysis", "two-way grid", f"{tw.y} x {tw.x}, {tw.points} points, target {tw.target}", str(tw.location))
    add("analysis", "Sobol base samples", an.sobol_base_samples, afile)
    add("analysis", "Sobol minimum base samples", an.sobol_min_base_samples, afile)
    for c in an.correlations:
        add("analysis", f"rank correlation {c.a} ~ {c.b}", f"{c.rho:g}", str(c.location))
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- tidy export
def _order(res: AnalysisResult) -> tuple[list[str], list[str]]:
    """The scenario and channel orders of the schema's categoricals."""
    return list(res.assumptions.scenario_names), list(res.model.channels)


def _tidy_headline(res: AnalysisResult) -> pd.DataFrame:
    """The headline in the impact schema (cumulative period): statistics p50, mean, p5, p10, p90,
    p95 and deterministic (measure ``impact``, US$ bn), and the deterministic run's percentile rank
    in the draws (measure ``percentile_rank``, fraction 0-1)."""
    h = res.summary()
    rows = []
    for r in h.itertuples(index=False):
        for stat in ("p50", "mean", "p5", "p10", "p90", "p95", "deterministic"):
            if np.isfinite(getattr(r, stat)):
                rows.append((r.scenario, r.channel, "cumulative", "impact", stat, float(getattr(r, stat))))
        if np.isfinite(r.deterministic_percentile):
            rows.append((r.scenario, r.channel, "cumulative", "percentile_rank", "deterministic",
                         float(r.deterministic_percentile)))
    return tidy(rows, *_order(res))


def _tidy_expected(res: AnalysisResult) -> pd.DataFrame:
    """The probability-weighted mixture of the scenarios (scenario ``weighted``): its mean, P5, P95."""
    e = expected(res)
    rows = [("weighted", r.channel, "cumulative", "impact", stat, float(getattr(r, col)))
            for r in e.itertuples() for stat, col in (("mean", "expected"), ("p5", "p5"), ("p95", "p95"))]
    scen, chans = _order(res)
    return tidy(rows, [*scen, "weighted"], chans)


def _tidy_impacts(res: AnalysisResult, results: list[Any]) -> pd.DataFrame:
    """Results' ``to_frame()`` in US$ bn and in %, stacked, with the schema's categoricals."""
    frames = [r.to_frame(pct=pct) for r in results for pct in (False, True)]
    return restore_categories(pd.concat(frames, ignore_index=True), *_order(res))


def _tidy_baselines(res: AnalysisResult) -> pd.DataFrame:
    rows = []
    for ch, fit in res.model.fits.items():
        b = baseline_table(res, ch)
        for r in b.itertuples(index=False):
            for stat in ("mean", "p50", "lower", "upper"):
                rows.append({"channel": ch, "year": int(r.year), "statistic": stat,
                             "value": float(getattr(r, "median" if stat == "p50" else stat)), "unit": USD,
                             "interval": float(fit.baseline.level), "estimator": fit.baseline.method,
                             "data": fit.baseline.data})
    out = pd.DataFrame(rows)
    out["channel"] = categorical(out["channel"], list(res.model.channels))
    return out


def _tidy_components(res: AnalysisResult) -> pd.DataFrame:
    rows = []
    for name, run in res.runs.items():
        for (ch, comp), col in run.components.items():
            for y, v in col.items():
                rows.append({"scenario": name, "channel": ch, "component": comp, "year": int(y), "value": float(v),
                             "unit": USD})
    out = pd.DataFrame(rows, columns=["scenario", "channel", "component", "year", "value", "unit"])
    scen, chans = _order(res)
    out["scenario"] = categorical(out["scenario"], scen)
    out["channel"] = categorical(out["channel"], chans)
    return out


def implied(res: AnalysisResult) -> pd.DataFrame:
    """:meth:`Model.implied_quantities` of the designation scenarios run (scenario ordered as run)."""
    names = designation_scenarios(res)
    if not names:
        return pd.DataFrame(columns=["scenario", "quantity", "label", "unit", "default", "mean", "p5", "p95",
                                     "record", "ratio", "arithmetic", "record_source"])
    out = res.model.implied_quantities(names)
    out["scenario"] = categorical(out["scenario"], names)
    return out


def variance_by_basis(res: AnalysisResult) -> pd.DataFrame:
    """Per designation scenario and basis of the inputs (data, literature, derived, judgment): how many
    uncertain inputs, the share of the cumulative total's variance they explain alone (closed Sobol
    index S1) and with their interactions (ST), with 95 % bootstrap half-widths.  Empty without
    sensitivity tables."""
    rows = []
    for n in designation_scenarios(res):
        g = res.sensitivity.get(n, {}).get("sobol_groups:total") if res.sensitivity else None
        if g is None:
            continue
        for _, r in g.table.iterrows():
            basis = str(r["input"]).removeprefix("basis:")
            rows.append({"scenario": n, "label": scenario_label(res, n), "basis": basis,
                         "inputs": len(g.meta["groups"][basis]), "S1": float(r["S1"]), "S1_conf": float(r["S1_conf"]),
                         "ST": float(r["ST"]), "ST_conf": float(r["ST_conf"])})
    return pd.DataFrame(rows, columns=["scenario", "label", "basis", "inputs", "S1", "S1_conf", "ST", "ST_conf"])


def _tidy_variance(res: AnalysisResult) -> pd.DataFrame:
    """One row per scenario and channel: variances (US$ bn squared) and the estimation share (0-1)."""
    return variance_table(res)


def _tidy_sensitivity(res: AnalysisResult) -> dict[str, pd.DataFrame]:
    """Each method's ``SensitivityResult.to_frame()``, stacked over scenarios and targets."""
    frames: dict[str, list[pd.DataFrame]] = {"tornado": [], "two_way": [], "sobol": []}
    for block in res.sensitivity.values():
        for t in block.values():
            frames[t.method].append(t.to_frame())
    scen, chans = _order(res)
    out = {}
    for method, parts in frames.items():
        if parts:
            df = pd.concat(parts, ignore_index=True)
            df["scenario"] = categorical(df["scenario"], scen)
            df["target"] = categorical(df["target"], [*chans, "total"])
            out[f"sensitivity_{method}"] = df
    return out


def backtest_table(res: AnalysisResult) -> pd.DataFrame:
    """The stored rolling-origin backtest of the baselines (tidy: channel, candidate, horizon, statistic,
    value, unit; ``tools/backtest.py`` writes it: refitting takes about 30 s).  ``attrs``: its header
    (commit, fingerprint, origins, selection per channel) and ``current``: whether it was computed on
    this run's data and estimator options."""
    from .. import backtest as bt
    from .. import candidates
    from ..channels import registry

    frame, meta = bt.read_stored()
    m = res.model
    opts = {ch: m.assumptions.channels[ch].options for ch in candidates.CHANNELS if ch in m.assumptions.channels}
    series = {sid: m.data[sid] for ch in opts for sid in registry()[ch].spec.data}
    frame.attrs.update(meta)
    frame.attrs["current"] = bt.fingerprint(series, opts) == meta.get("fingerprint")
    return frame


def tables(res: AnalysisResult) -> dict[str, pd.DataFrame]:
    """Every table of the workbook in tidy form, by CSV file stem (stable order)."""
    out: dict[str, pd.DataFrame] = {
        "headline": _tidy_headline(res),
        "deterministic": _tidy_impacts(res, list(res.runs.values())),
        "components": _tidy_components(res),
        "baselines": _tidy_baselines(res),
    }
    out["value_added"] = res.value_added_frame()
    if res.montecarlo:
        out["montecarlo"] = _tidy_impacts(res, list(res.montecarlo.values()))
        out["exceedance"] = res.exceedance()
        out["expected"] = _tidy_expected(res)
        out["expectation_terms"] = res.reconciliation()
        out["variance"] = _tidy_variance(res)
    if res.expost is not None:
        out["expost"] = res.expost.to_frame()
    out["implied"] = implied(res)
    out.update(_tidy_sensitivity(res))
    fits = res.model.fits
    out["estimates"] = pd.concat([f.tidy().assign(channel=ch) for ch, f in fits.items()], ignore_index=True)
    out["pooled"] = pd.concat([f.pooled_frame().assign(channel=ch) for ch, f in fits.items()], ignore_index=True)
    out["diagnostics"] = pd.concat([m.diagnostics_frame().assign(channel=ch, model=m.name)
                                    for ch, f in fits.items() for m in (f.main, *f.models.values())],
                                   ignore_index=True)
    out["backtest"] = backtest_table(res)
    out["scenarios"] = scenario_definitions(res)
    out["assumptions"] = assumption_rows(res)
    out["settings"] = settings_rows(res)
    out["data_catalog"] = data_catalog(res)
    out["data"] = data_values(res)
    out["about"] = res.info.to_frame()
    return out


#: Every table a run can write (``tables()`` keys); ``--csv`` removes stale ones from its folder.
ALL_TABLES = ("headline", "value_added", "deterministic", "components", "baselines", "montecarlo", "exceedance", "expected",
              "expectation_terms", "variance", "expost", "implied", "sensitivity_tornado", "sensitivity_two_way",
              "sensitivity_sobol", "estimates", "pooled", "diagnostics", "backtest", "scenarios", "assumptions",
              "settings", "data_catalog", "data", "about")
#: Tables earlier versions wrote: removed from a ``--csv`` folder like stale ones.
RETIRED_TABLES = ("central", "sensitivity")
#: File names a ``--csv`` folder may hold from a run of impact.
KNOWN_CSV = tuple(f"{n}.csv" for n in (*ALL_TABLES, *RETIRED_TABLES))

#: First characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP,
#: "CSV Injection"), plus line feed.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(text: str) -> str:
    """``text`` safe for a spreadsheet: prefixed with ``'`` when it would start a formula (numbers
    written as text, such as "-1.5", stay as they are)."""
    if text[:1] in _FORMULA_START and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) cannot run as formulas; numbers stay numbers."""
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype.kind in "biufcmM":
            continue
        out[col] = s.map(lambda v: neutralise(v) if isinstance(v, str) else v)
    return out


def csv_files(res: AnalysisResult) -> dict[str, bytes]:
    """Every table as the bytes of ``<name>.csv`` (UTF-8, comma-separated, no index, formula-safe)."""
    out = {}
    for name, df in tables(res).items():
        out[f"{name}.csv"] = csv_safe(df).to_csv(index=False, lineterminator="\n").encode("utf-8")
    return out


def write_csv(res: AnalysisResult, folder: Path | str) -> list[Path]:
    """Write every table as ``<name>.csv`` into ``folder``, all or nothing (see :mod:`impact.report.output`)."""
    from .output import OutputSet, check_csv_folder

    folder = Path(folder)
    names = KNOWN_CSV
    check_csv_folder(folder, names)
    files = csv_files(res)
    with OutputSet() as out:
        out.stage_folder(folder, files, known=frozenset(names))
        out.commit()
    return [folder / n for n in files]
