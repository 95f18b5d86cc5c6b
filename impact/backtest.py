"""Rolling-origin backtests of the channel baselines, the rule that picks one, and the check of the
imports band against historical six-year growth.

For each origin year T and candidate (:mod:`impact.candidates`): fit on data up to December of T,
forecast the annual totals of T+1..T+H, simulate them (``draws`` paths, a fixed seed shared by the
candidates: the way baselines aggregate, :func:`impact.estimation.simulate_sums`) and score the
median, the 90 % interval (P5-P95) and the whole distribution against the observed totals of the
years up to ``last_year`` (the base year by default: later years are the designation period).

Scores are on logs, so that errors of years with different levels are comparable: log error
ln(actual / median); RMSE of log errors x 100 (about %); the interval score of the 90 % interval
on logs (Gneiting & Raftery 2007, eq. 43) and the CRPS of the forecast of log totals (both
log points x 100; smaller is better); MAPE in % of the actual.  :func:`select` picks the
candidate with the lowest mean interval score over horizons 1-2 among those whose 90 % coverage
over horizons 1-2 lies within 80-97 %.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .candidates import ChannelCandidates
from .estimation import simulate_sums
from .results.backtest import BacktestResult, GrowthCheck, Selection

NOMINAL = 0.90  # the interval the baselines report (P5-P95)
SELECTION_HORIZONS = (1, 2)
COVERAGE_RANGE = (80.0, 97.0)  # % of actuals inside the nominal 90 % interval, horizons 1-2 pooled
DRAWS = 2000
SEED = 20041231


def interval_score(lower: Any, upper: Any, y: Any, alpha: float = 1 - NOMINAL) -> np.ndarray:
    """Interval score of central (1 - alpha) intervals [lower, upper] for outcomes y (Gneiting &
    Raftery 2007): (u - l) + 2/alpha (l - y) 1{y < l} + 2/alpha (y - u) 1{y > u}, in y's units."""
    lo, up, y = (np.asarray(v, dtype=float) for v in (lower, upper, y))
    return (up - lo) + 2.0 / alpha * np.maximum(lo - y, 0.0) + 2.0 / alpha * np.maximum(y - up, 0.0)


def crps_normal(mu: Any, sigma: Any, y: Any) -> np.ndarray:
    """Closed-form CRPS of a normal N(mu, sigma^2) forecast for outcome y (Gneiting & Raftery 2007):
    sigma (z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)), z = (y - mu) / sigma."""
    from scipy import special

    mu, sigma, y = (np.asarray(v, dtype=float) for v in (mu, sigma, y))
    z = (y - mu) / sigma
    pdf = np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return sigma * (z * (2 * special.ndtr(z) - 1) + 2 * pdf - 1 / math.sqrt(math.pi))


def crps_sample(draws: np.ndarray, y: Any) -> np.ndarray:
    """CRPS of the empirical distribution of ``draws`` (rows: forecasts, columns: draws) for outcomes
    y (one per row): E|X - y| - E|X - X'| / 2, exact for the sample (sorted-draws formula)."""
    x = np.sort(np.atleast_2d(np.asarray(draws, dtype=float)), axis=1)
    n = x.shape[1]
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    w = (2 * np.arange(1, n + 1) - n - 1) / n**2  # E|X - X'| = 2/n^2 sum_i (2i - n - 1) x_(i)
    return np.abs(x - y).mean(axis=1) - (x @ w)


def score(sims: np.ndarray, actual: np.ndarray) -> dict[str, np.ndarray]:
    """Scores of simulated annual totals ``sims`` (draws x years) against ``actual`` (years)."""
    logs = np.log(sims)
    a = (1 - NOMINAL) / 2
    lower, median, upper = np.quantile(sims, [a, 0.5, 1 - a], axis=0)
    err = np.log(actual) - np.log(median)
    return {"median": median, "lower": lower, "upper": upper, "covered": (lower <= actual) & (actual <= upper),
            "log_error": err, "ape": 100 * np.abs(actual - median) / actual,
            "interval_score": 100 * interval_score(np.log(lower), np.log(upper), np.log(actual)),
            "crps": 100 * crps_sample(logs.T, np.log(actual))}


def run(spec: ChannelCandidates, data: Mapping[str, pd.Series], options: Mapping[str, Any], origins: Any,
        horizons: tuple[int, ...], last_year: int, *, draws: int = DRAWS, seed: int = SEED) -> BacktestResult:
    """The rolling-origin backtest of ``spec``'s candidates (see the module docstring).  Origins whose
    targets are all after ``last_year`` or unobserved score nothing and are dropped."""
    actual = spec.actuals(data, options)
    rows = []
    for T in origins:
        hs = [h for h in horizons if T + h <= last_year and T + h in actual.index]
        if not hs:
            continue
        H = max(hs)
        y = actual.loc[[T + h for h in hs]].to_numpy(dtype=float)
        for c in spec.candidates:
            fc = c.forecast(data, options, T, H)
            sims, _ = simulate_sums(fc.log_mean, fc.log_cov, fc.aggregate, draws, seed + T)
            sc = score(sims[:, [h - 1 for h in hs]], y)
            for i, h in enumerate(hs):
                rows.append({"candidate": c.name, "origin": T, "horizon": h, "year": T + h, "actual": y[i],
                             **{k: v[i].item() for k, v in sc.items()}})
    records = pd.DataFrame(rows)
    if records.empty:
        from .errors import Issue, UsageError

        raise UsageError(Issue(f"no {spec.channel} forecast could be scored: no origin has an observed target "
                               f"year up to {last_year}", hint="choose earlier origins"))
    cands = pd.DataFrame([{"candidate": c.name, "description": c.description, "current": c.current,
                           "options": None if c.options is None else dict(c.options)} for c in spec.candidates])
    used = tuple(sorted(set(records["origin"])))
    partial = BacktestResult(spec.channel, spec.unit, used, tuple(horizons), last_year, cands, records,
                             Selection(spec.channel, "", "", ""))
    return BacktestResult(spec.channel, spec.unit, used, tuple(horizons), last_year, cands, records,
                          select(partial.table(), partial.current, cands, spec.channel))


def select(table: pd.DataFrame, current: str, candidates: pd.DataFrame | None = None,
           channel: str = "") -> Selection:
    """The rule: among candidates whose coverage of the nominal 90 % interval over horizons 1-2
    (pooled: weighted by forecasts scored) lies within 80-97 %, the lowest mean interval score over
    horizons 1-2.  No candidate qualifying: the current specification stays, and the reason says so.

    ``table`` is :meth:`BacktestResult.table` (index candidate, horizon; columns n, coverage,
    interval_score); ``candidates`` (candidate, options) says whether the channel can run the chosen one.
    """
    t = table.reset_index()
    t = t[t["horizon"].isin(SELECTION_HORIZONS)]
    pooled = t.groupby("candidate", observed=True, sort=False).apply(
        lambda g: pd.Series({"coverage": np.average(g["coverage"], weights=g["n"]),
                             "score": np.average(g["interval_score"], weights=g["n"])}), include_groups=False)
    lo, hi = COVERAGE_RANGE
    ok = pooled[(pooled["coverage"] >= lo) & (pooled["coverage"] <= hi)]

    def describe(name: str) -> str:
        r = pooled.loc[name]
        return f"{name} (interval score {r['score']:.2f}, coverage {r['coverage']:.0f} %)"

    if ok.empty:
        return Selection(channel, current, current, "no candidate's 90 % coverage over horizons 1-2 lies within "
                         f"{lo:.0f}-{hi:.0f} %: the current specification {describe(current)} stays")
    chosen = str(ok["score"].idxmin())
    others = ", ".join(describe(n) for n in pooled.index if n != chosen)
    reason = (f"lowest mean interval score over horizons 1-2 among candidates with 90 % coverage within "
              f"{lo:.0f}-{hi:.0f} %: {describe(chosen)}; others: {others}")
    opts = None
    if candidates is not None:
        row = candidates.loc[candidates["candidate"] == chosen, "options"]
        opts = row.iloc[0] if len(row) else None
    return Selection(channel, chosen, current, reason, supported=opts is not None, options=opts)


GROWTH_FIRST = 1995  # first window start: NAFTA's entry year 1994 (x2.75 in six years) was a one-off


def growth_windows(annual: pd.Series, span: int, first: int, last: int) -> pd.Series:
    """Ratio level(t + span) / level(t) of every window with first <= t and t + span <= last, by t."""
    y = annual.astype(float)
    out = {int(t): float(y[t + span] / y[t]) for t in y.index
           if first <= t and t + span <= last and t + span in y.index}
    return pd.Series(out, name=f"growth over {span} years").rename_axis("start")


def growth_check(annual: pd.Series, band: pd.DataFrame, base_year: int, year: int, *, channel: str = "imports",
                 first: int = GROWTH_FIRST) -> GrowthCheck:
    """The ``year`` row of ``band`` (columns lower, upper; as :meth:`impact.Model.baseline`) against the
    historical growth over ``year - base_year`` years of ``annual`` (windows from ``first`` ending by
    ``base_year``).  The justified range is the 90 % prediction interval of one new window's log
    growth: mean +/- t(0.95, n_eff - 1) sd sqrt(1 + 1/n_eff), where mean and sd are over the
    (overlapping) windows and n_eff counts the non-overlapping ones, which is what their information is worth."""
    from scipy import special  # not scipy.stats: 0.3 s of imports a warm run does not otherwise pay

    span = year - base_year
    hist = growth_windows(annual, span, first, base_year)
    if len(hist) < 3:
        from .errors import Issue, UsageError

        raise UsageError(Issue(f"only {len(hist)} {span}-year windows of {channel} from {first} to {base_year}: "
                               "too few for a growth check", hint="check an earlier year (shorter span)"))
    logs = np.log(hist.to_numpy())
    n_eff = max((base_year - first) // span, 2)
    half = float(special.stdtrit(n_eff - 1, 0.95)) * float(logs.std(ddof=1)) * math.sqrt(1 + 1 / n_eff)
    m = float(logs.mean())
    return GrowthCheck(channel, base_year, year, float(annual[base_year]), float(band.loc[year, "lower"]),
                       float(band.loc[year, "upper"]), hist, math.exp(m - half), math.exp(m + half), n_eff)


# ---------------------------------------------------------------------------------------------- stored table
#: the committed backtest of the default specification (tools/backtest.py writes it; the Estimates sheet reads it)
STORED = "backtest.csv"
SHOWN = ("rmse", "mape", "coverage", "interval_score", "crps", "dm")


def fingerprint(data: Mapping[str, pd.Series], options: Mapping[str, Mapping[str, Any]]) -> str:
    """SHA-256 (first 16 hex digits) of the series the candidates read and the channels' estimator options."""
    import hashlib
    import json

    h = hashlib.sha256()
    for ch in sorted(options):
        h.update(json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in options[ch].items()},
                            sort_keys=True, default=str).encode())
    for sid in sorted(data):
        s = data[sid]
        h.update(sid.encode() + ",".join(map(str, s.index)).encode() + s.to_numpy(float).tobytes())
    return h.hexdigest()[:16]


def read_stored(path: Any = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """The committed backtest table (tidy: channel, candidate, horizon, statistic, value, unit) and its
    header (``key: value`` comment lines: commit, fingerprint, origins, selection per channel)."""
    from pathlib import Path

    p = Path(path) if path is not None else Path(__file__).parent / "report" / STORED
    meta = {}
    with open(p, encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("# "):
                break
            k, _, v = line[2:].partition(": ")
            meta[k.strip()] = v.strip()
    return pd.read_csv(p, comment="#"), meta


def markdown(frame: pd.DataFrame, channel: str) -> str:
    """One channel's rows of a tidy backtest frame as a markdown table (candidate x horizon, the statistics
    of ``SHOWN``): docs/model.md quotes it, and a test compares the two."""
    f = frame[(frame["channel"] == channel) & frame["statistic"].isin(SHOWN)]
    wide = f.pivot_table(index=["candidate", "horizon"], columns="statistic", values="value", sort=False)
    heads = {"rmse": "RMSE %", "mape": "MAPE %", "coverage": "90 % coverage %", "interval_score": "interval score",
             "crps": "CRPS", "dm": "DM t"}
    out = ["| candidate | h | " + " | ".join(heads[s] for s in SHOWN) + " |", "|---|---:|" + "---:|" * len(SHOWN)]
    for (cand, h), r in wide.iterrows():
        cells = ["" if pd.isna(r.get(s)) else f"{r[s]:.1f}" if s != "dm" else f"{r[s]:.2f}" for s in SHOWN]
        out.append(f"| {cand} | {h} | " + " | ".join(cells) + " |")
    return "\n".join(out)
