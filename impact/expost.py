"""Ex-post check of the designation: the data published after the base year against the
no-designation forecast made from data up to the base year, and against each scenario's band.

For every channel with data after the base year (imports: Census months; tourism: INEGI/Banxico
visitor receipts; remittances: Banxico CE81 months), each period's actual value is placed in

* the **baseline band**: the predictive distribution of the baseline forecast, drawn with the
  same standard normals as the Monte Carlo's baseline paths (the channel's random stream for the
  run's seed), so that for a calendar year these are exactly the Monte Carlo's baseline draws;
* each **scenario's band**: every draw's baseline times (1 + that draw's relative impact in the
  year), i.e. the baseline draw plus the scenario's impact draw where the measure is the channel's.

The actual's percentile is the share of draws below it plus half of those equal (mid-rank); the
deviation is the actual minus the forecast's central path (US$ bn) and in % of it.  Nothing is
refitted or tuned: the forecasts are the model's own, made from data up to December of the base
year.

* **Imports**: calendar years with 12 months of data, and the latest year to date.  The year to
  date sums the observed months of the monthly SARIMA's joint forecast distribution (log-normal
  months, correlated through the model's MA(inf) weights: the same paths whose annual sums the
  Monte Carlo uses).  A scenario's band applies its relative effect for that calendar year to
  those months: exact for persistent shocks, a slight understatement for decaying ones (larger
  early in the year).
* **Remittances**: as imports, on Banxico's monthly remittance income (the vintage the baseline was
  fitted on); the baseline includes its labelled baseline assumptions (immigration enforcement, the
  2026 excise), as in every scenario.
* **Tourism**: the channel's baseline is an index of Mexico's visitor receipts scaled to BEA's U.S.
  travel spending; BEA's 2025 figure is not in the data pack, so the check compares like with like
  on Mexico's receipts: the actual is INEGI/Banxico receipts from all visitors, the forecast is the
  base-year receipts times the index (i.e. growth since the base year, in US$ bn of receipts).
  Scenario bands apply the relative effect on U.S. visitor spending to all receipts, an upper
  bound on the effect on the total if only U.S. visitors respond.

Add a channel to the check with a function in :data:`TARGETS`.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import Issue, UsageError
from .results.expost import ExpostResult
from .results.headline import percentile_of
from .sampling import streams

if TYPE_CHECKING:  # pragma: no cover
    from .model import Model
    from .results.impacts import MonteCarloResult

#: the band whose width measures the forecast noise (P5-P95)
BAND = (0.05, 0.95)
#: baseline draws when there is no Monte Carlo to follow and the settings ask for none
DEFAULT_DRAWS = 10_000


@dataclass(frozen=True)
class Target:
    """One observed period of one channel, and how its forecast is built from the forecast steps.

    ``weights`` (steps,) turn the baseline's step levels into the compared measure (US$ bn)."""

    channel: str
    period: str  # "year" or "year_to_date"
    year: int
    months: int
    label: str
    actual: float
    weights: np.ndarray


def _monthly_targets(model: Model, channel: str, series: str) -> list[Target]:
    """Each simulated year with months of ``series`` (US$ m): its sum (US$ bn), whole or to date."""
    s = model.data[series]
    agg = model.fits[channel].baseline.aggregate
    out = []
    for i, y in enumerate(model.years):
        months = s[s.index.year == y]
        k = len(months)
        if k == 0:
            continue
        w = np.zeros(agg.shape[1])
        steps = np.flatnonzero(agg[i])[:k]  # the year's months, January first
        w[steps] = agg[i, steps]
        label = str(y) if k == 12 else f"{y} Jan-{calendar.month_abbr[k]}"
        out.append(Target(channel, "year" if k == 12 else "year_to_date", int(y), k, label,
                          float(months.sum()) / 1000.0, w))
    return out


def _imports_targets(model: Model) -> list[Target]:
    """Census months (FRED IMPMX) by simulated year."""
    return _monthly_targets(model, "imports", "us_imports_mexico_monthly")


def _remittances_targets(model: Model) -> list[Target]:
    """Banxico CE81 months by simulated year (the vintage the baseline was fitted on)."""
    return _monthly_targets(model, "remittances", "mx_remittances_monthly")


def _tourism_targets(model: Model) -> list[Target]:
    """Each simulated year with INEGI/Banxico visitor receipts (US$ bn); forecast = base-year
    receipts x the baseline index."""
    fit = model.fits["tourism"]
    anchor = float(fit.constants["receipts_base_year"]) / 1000.0  # US$ m -> US$ bn
    s = model.data["mx_visitor_receipts_inegi"]
    agg = fit.baseline.aggregate
    return [Target("tourism", "year", int(y), 12, str(y), float(s[y]) / 1000.0, agg[i] * anchor)
            for i, y in enumerate(model.years) if y in s.index]


#: channel -> the periods it can be checked on (a channel without data after the base year is absent)
TARGETS: dict[str, Callable[[Model], list[Target]]] = {"imports": _imports_targets, "tourism": _tourism_targets,
                                                        "remittances": _remittances_targets}

BASES = {
    "imports": ("U.S. goods imports from Mexico (Census via FRED IMPMX, sum of months), US$ bn; forecast: the "
                "monthly SARIMA fitted to December of the base year, summed over the same months."),
    "tourism": ("Mexico's receipts from all international visitors (INEGI/Banxico), US$ bn; forecast: base-year "
                "receipts x the tourism baseline index (growth since the base year). Compared on Mexico's "
                "receipts, not BEA's U.S. travel spending, which the data pack has for the base year only; "
                "scenario bands apply the relative effect on U.S. visitor spending to all receipts."),
    "remittances": ("Mexico's remittance income (Banco de México CE81, sum of months, current vintage), US$ bn; "
                    "forecast: the monthly SARIMA fitted to December of the base year with the baseline "
                    "assumptions (immigration enforcement, the 2026 excise), summed over the same months."),
}


def targets(model: Model) -> list[Target]:
    """Every channel-period with data after the base year, channels in the model's order."""
    out: list[Target] = []
    for ch in model.channels:
        if ch in TARGETS and model.fits[ch].baseline is not None and model.fits[ch].baseline.uncertain:
            out += TARGETS[ch](model)
    return out


#: leading draws on which the Monte Carlo's baseline paths are checked against this forecast's
CHECK_DRAWS = 64


def _check_draws(mc: MonteCarloResult, ch: str, annual: np.ndarray) -> None:
    """The Monte Carlo's baseline draws must be this forecast's paths (times one level per draw, the
    tourism scale): else its impacts would be paired with the wrong baseline draws."""
    ratio = mc.baseline[: len(annual), mc.channels.index(ch), :] / annual
    if not np.allclose(ratio, ratio[:, :1], rtol=1e-8, atol=0.0):
        raise UsageError(Issue(f"the Monte Carlo of {mc.scenario!r} was not drawn with this model's {ch} baseline "
                               "forecast paths", hint="pass results of model.simulate(...) with estimation "
                               "uncertainty on (the default), from the same model"))


def _channel_draws(model: Model, ch: str, ts: list[Target], z: np.ndarray,
                   mcs: Mapping[str, MonteCarloResult]) -> list[np.ndarray]:
    """Each target's baseline draws (US$ bn) from the channel's normals z (the Monte Carlo's)."""
    b = model.fits[ch].baseline
    annual = b.step_levels(z[:CHECK_DRAWS]) @ b.aggregate.T
    for m in mcs.values():  # in the run's price basis (a real-dollar run deflates the baseline draws)
        _check_draws(m, ch, annual * model.prices.money)
    k = 1 + max(int(np.flatnonzero(t.weights).max()) for t in ts)
    levels = b.step_levels(z[:, :k])  # the steps up to the last observed one
    return [levels @ t.weights[:k] for t in ts]


def _rows(model: Model, t: Target, base: np.ndarray, central: float,
          montecarlo: Mapping[str, MonteCarloResult]) -> list[dict[str, Any]]:
    """The baseline row and one row per scenario of one channel-period."""
    yi = model.years.index(t.year)
    bands, effects = [base], [0.0]
    for mc in montecarlo.values():
        ci = mc.channels.index(t.channel)
        bands.append(base * (1.0 + mc.draws[:, ci, yi] / mc.baseline[:, ci, yi]))
        run = mc.central
        effects.append(central * float(run.impacts[t.channel].iloc[yi] / run.baseline[t.channel].iloc[yi]))
    draws = np.stack(bands)
    p5, p50, p95 = np.quantile(draws, [BAND[0], 0.5, BAND[1]], axis=1)  # one pass over every band
    width = float(p95[0] - p5[0])
    rows = []
    for j, name in enumerate(["baseline", *montecarlo]):
        det = central + effects[j]
        rows.append({"channel": t.channel, "period": t.period, "year": t.year, "months": t.months, "label": t.label,
                     "actual": t.actual, "scenario": name, "deterministic": det, "mean": float(draws[j].mean()),
                     "p5": float(p5[j]), "p50": float(p50[j]), "p95": float(p95[j]),
                     "percentile": percentile_of(draws[j], t.actual), "deviation": t.actual - det,
                     "deviation_pct": 100.0 * (t.actual / det - 1.0), "effect": effects[j],
                     "noise_to_effect": width / abs(effects[j]) if effects[j] != 0 else np.nan, "band_width": width})
    return rows


def compare(model: Model, montecarlo: Mapping[str, MonteCarloResult], draws: int, seed: int) -> ExpostResult:
    """The ex-post check (see the module docstring) with the scenarios' Monte Carlo results
    (baseline left out: its band is the forecast's own); ``draws`` and ``seed`` set the baseline
    draws when ``montecarlo`` is empty and must match its results otherwise."""
    mcs = {n: m for n, m in montecarlo.items() if n != "baseline"}
    for n, m in mcs.items():
        if (m.n_draws, m.seed) != (draws, seed):
            raise UsageError(Issue(f"the Monte Carlo of {n!r} has {m.n_draws:,} draws with seed {m.seed}, "
                                   f"not {draws:,} with seed {seed}", hint="simulate every scenario alike"))
    _, rngs = streams(model, seed)
    rows: list[dict[str, Any]] = []
    found = targets(model)
    for ch in dict.fromkeys(t.channel for t in found):
        ts = [t for t in found if t.channel == ch]
        b = model.fits[ch].baseline
        # the channel's stream gives the Monte Carlo's baseline normals, hence the same paths
        z = rngs[ch].standard_normal((draws, b.steps))
        for t, base in zip(ts, _channel_draws(model, ch, ts, z, mcs)):
            rows += _rows(model, t, base, float(b.step_levels() @ t.weights), mcs)
    labels = {"baseline": model.resolve("baseline").label} | {n: m.label for n, m in mcs.items()}
    return ExpostResult(base_year=model.assumptions.settings.base_year, n_draws=draws, seed=seed,
                        scenarios=tuple(labels), labels=labels, channels=model.channels,
                        table=pd.DataFrame(rows),
                        bases={c: BASES[c] for c in dict.fromkeys(r["channel"] for r in rows)},
                        caveats=caveats(model), notes=notes(model, bool(mcs)))


# ----------------------------------------------------------------------------- caveats and notes
#: Events other than the designation that moved the compared series (date, event, channels, source).
EVENTS: tuple[tuple[dt.date | None, str, str, str], ...] = (
    (dt.date(2025, 3, 4),
     ("U.S. IEEPA tariffs on Mexico: 25 % on products of Mexico from 2025-03-04; goods qualifying for USMCA "
      "preference exempt from 2025-03-07. Section 232 tariffs on steel and aluminium (2025-03-12) and on vehicles "
      "and parts (2025-04-03, 2025-05-03) also reach imports from Mexico."),
     "imports", "Executive Order 14194 and its 2025-03-06 amendment; CBP notices"),
    (dt.date(2025, 3, 11),
     ("FinCEN geographic targeting order (issued 2025-03-11, effective 2025-04-14): money services businesses in "
      "30 ZIP codes of California and Texas report cash transactions above US$200; enjoined in part from May "
      "2025, renewed at US$1,000 from 2025-09-10, widened from 2026-03-07."),
     "remittances; business costs", "FinCEN, 90 FR 12106 (2025-03-14); court orders"),
    (dt.date(2025, 6, 25),
     ("FinCEN orders under the FEND Off Fentanyl Act against CIBanco, Intercam and Vector (2025-06-25; in force "
      "2025-10-20 after two postponements): the three were taken over, sold or liquidated within about four "
      "months (together about 1.5 % of Mexican bank assets)."),
     "remittances; imports (trade finance); business costs", "FinCEN releases; CNBV; Banxico (no contagion, 2025-12)"),
    (dt.date(2026, 1, 1),
     ("1 % U.S. excise tax on cash-funded remittance transfers from 2026-01-01 (IRC section 4475, P.L. 119-21): "
      "in the remittances baseline as a labelled assumption (excise_effect), not in any effect."),
     "remittances", "P.L. 119-21 section 70604"),
    (None,
     ("Airline capacity: U.S.-Mexico seat capacity and route decisions move visitor numbers independently of "
      "insecurity; no capacity series is bundled."),
     "tourism", "not in the data pack"),
    (None,
     ("U.S. immigration enforcement in 2025 (fewer border crossings and same-day visits, fewer remittance "
      "senders; in the remittances baseline as a labelled assumption, enforcement_effect)."),
     "tourism; remittances", "not in the data pack"),
)


def _peso(model: Model) -> tuple[dt.date | None, str, str, str] | None:
    """The exchange rate in the first simulated year against the base year, from the bundled series."""
    fx = model.data.get("mxn_per_usd")
    y0, y1 = model.assumptions.settings.base_year, model.years[0]
    if fx is None or y0 not in fx.index or y1 not in fx.index:
        return None
    a, b = float(fx[y0]), float(fx[y1])
    weaker = b > a  # more pesos per dollar
    text = (f"Peso: the {y1} average was {b:.2f} MXN per USD against {a:.2f} in {y0}, {abs(b / a - 1):.1%} "
            f"{'more' if weaker else 'fewer'} pesos per dollar: the peso was {'weaker' if weaker else 'stronger'} "
            f"than in {y0}" + (" (Mexico cheaper in dollars for U.S. visitors and buyers)." if weaker else "."))
    return None, text, "tourism; imports; remittances", "mxn_per_usd (bundled)"


def caveats(model: Model) -> pd.DataFrame:
    """The confounders: date (None when gradual), event, channels it moves, source."""
    rows = list(EVENTS)
    peso = _peso(model)
    if peso is not None:
        rows.insert(4, peso)
    return pd.DataFrame(rows, columns=["date", "event", "channels", "source"])


def notes(model: Model, scenarios: bool) -> tuple[str, ...]:
    """How the comparison is made and what is left out (the remittance series has no channel)."""
    out = [("Forecasts are the model's own, from data up to December of the base year; nothing was refitted or "
            "tuned after seeing the later data. Later years are compared with the same forecast (not updated with "
            "the years in between), so their deviations include the earlier years'."),
           "Percentile: the share of draws below the actual plus half of those equal to it. Band: P5-P95.",
           ("Imports year to date: the monthly SARIMA's joint forecast distribution summed over the observed "
            "months (the Monte Carlo's own paths); a scenario's relative effect for the calendar year is applied "
            "to those months (exact for persistent shocks, slightly understated for decaying ones).")]
    if not scenarios:
        out.append("The Monte Carlo was skipped (draws = 0): only the baseline band is shown.")
    rem = model.data.get("mx_remittances")
    y0, y1 = model.assumptions.settings.base_year, model.years[0]
    if rem is not None and y0 in rem.index and y1 in rem.index:
        out.append(f"Remittances are checked on Banxico's current vintage (CE81 months); the first releases were "
                   f"{rem[y1] / 1000:.1f} US$ bn in {y1} against {rem[y0] / 1000:.1f} in {y0} "
                   f"({rem[y1] / rem[y0] - 1:+.1%}).")
    return tuple(out)
