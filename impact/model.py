"""The fitted model and its single evaluation path.

``fit(assumptions)`` loads the data, fits every channel once (cached on disk) and returns a
:class:`Model`.  Every analysis goes through :meth:`Model.evaluate`, which computes all channels
for a matrix of inputs (one row per draw, one column per input); the deterministic run, the Monte
Carlo and the sensitivity analyses differ only in the rows they feed it.
"""
from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import calibration, htmlrepr
from . import channels as channel_registry
from . import data as data_mod
from . import evaluation as ev
from . import expost as expost_check
from . import passthrough
from . import sensitivity as sa
from .arguments import MAX_DRAWS, MAX_SEED, MIN_RELIABLE_DRAWS, check_run_arguments, integer
from .assumptions import Assumptions, Scenario, load
from .cache import FitCache, fit_key
from .errors import Issue, SampleSizeWarning, UsageError, user_stacklevel
from .evaluation import Input, Outcome
from .frozen import FrozenMap
from .results.backtest import BacktestResult, GrowthCheck
from .results.estimates import ChannelFit
from .results.expost import ExpostResult
from .results.impacts import MonteCarloResult, ScenarioResult
from .sampling import draw_all, draw_outcomes, sample

log = logging.getLogger(__name__)

SPLIT_DRAWS = 4000  # draws used for each of the two runs that split the variance


@dataclass(frozen=True)
class Model:
    """A fitted model: assumptions, data and one :class:`~impact.channels.base.ChannelFit` per channel."""

    assumptions: Assumptions
    fits: Mapping[str, ChannelFit]
    data: Mapping[str, pd.Series] = field(repr=False)
    #: deflator, real-dollar and discount factors and GDP paths of the run (:mod:`impact.passthrough`)
    prices: passthrough.Prices = field(default=None, repr=False)  # type: ignore[assignment]
    #: random numbers shared between scenarios' Monte Carlo runs (see impact.sampling._shared_draws)
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    # ------------------------------------------------------------------ introspection
    @property
    def channels(self) -> tuple[str, ...]:
        """The fitted channels, in the order of channels.yaml."""
        return tuple(self.fits)

    @property
    def years(self) -> tuple[int, ...]:
        """The simulated calendar years (base_year + 1 to base_year + horizon)."""
        return self.assumptions.settings.years

    def resolve(self, scenario: str | Scenario) -> Scenario:
        """The fully merged assumptions of a scenario (``extends`` chain applied)."""
        return ev.resolve(self, scenario)

    def baseline(self, channel: str) -> pd.DataFrame:
        """No-designation path by year: mean, median, lower, upper (interval level of the fit), unit."""
        if channel not in self.fits:
            raise UsageError(Issue(f"unknown channel {channel!r}", hint=f"choose one of {', '.join(self.fits)}"))
        fit = self.fits[channel]
        df = fit.baseline.to_frame()
        scale = channel_registry.get(channel).baseline_scale
        if scale is not None:  # the forecast is an index: in US$ bn at the parameter's central value
            level = self.resolve("baseline").parameters[f"{channel}.{scale}"].value
            for c in ("mean", "median", "lower", "upper"):
                df[c] = df[c] * level
            df["unit"] = "US$ bn"
        df.attrs["interval"] = fit.baseline.level
        df.attrs["method"] = fit.baseline.method
        return df

    def inputs(self, scenario: str | Scenario) -> list[Input]:
        """Every input of a scenario in a fixed order: parameters, shocks, then baseline forecasts."""
        return ev.inputs(self, scenario)

    def inputs_frame(self, scenario: str | Scenario) -> pd.DataFrame:
        """The inputs as a table: name, label, kind, central value, unit, distribution, uncertain."""
        return pd.DataFrame([{"input": i.name, "label": i.label, "kind": i.kind, "central": i.central, "unit": i.unit,
                              "distribution": i.distribution.describe(), "uncertain": i.uncertain}
                             for i in self.inputs(scenario)])

    def central_row(self, scenario: str | Scenario) -> np.ndarray:
        """The deterministic run's row: every input at its central (most likely) value."""
        return ev.central_row(self, scenario)

    def evaluate(self, scenario: str | Scenario, X: np.ndarray, factors: Mapping[str, np.ndarray] | None = None,
                 inputs: list[Input] | None = None, components: bool = False) -> Outcome:
        """Evaluate every channel for each row of ``X`` (see :func:`impact.evaluation.evaluate`)."""
        return ev.evaluate(self, scenario, X, factors, inputs, components)

    # ------------------------------------------------------------------ analyses
    def run(self, scenario: str | Scenario = "designation") -> ScenarioResult:
        """Deterministic central impacts: DataFrame year x channel in US$ bn (and % of baseline)."""
        sc = self.resolve(scenario)
        inputs = self.inputs(sc)
        out = self.evaluate(sc, np.array([[i.central for i in inputs]]), inputs=inputs, components=True)
        idx = pd.Index(self.years, name="year")
        impacts = pd.DataFrame(out.impact[0].T, index=idx, columns=list(self.channels))
        baseline = pd.DataFrame(out.baseline[0].T, index=idx, columns=list(self.channels))
        comp = {(ch, name): arr[0] for ch, d in out.components.items() for name, arr in d.items()}
        components = pd.DataFrame(comp, index=idx)
        components.columns = pd.MultiIndex.from_tuples(components.columns, names=["channel", "component"])
        return ScenarioResult(sc.name, sc.label, impacts, baseline, components, weight=sc.weight,
                              measures=out.measures[0], measures_by_channel=out.by_channel[0], prices=self.prices)

    def sample(self, scenario: str | Scenario, draws: int, seed: int, *, estimation: bool = True,
               assumptions: bool = True) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Monte Carlo input matrix (draws x inputs) and baseline factors, see :func:`impact.sampling.sample`."""
        return sample(self, scenario, draws, seed, estimation=estimation, assumptions=assumptions)

    def simulate(self, scenario: str | Scenario = "designation", draws: int | None = None, seed: int | None = None, *,
                 estimation: bool = True, assumptions: bool = True, variance_split: bool = True,
                 chunk: int = 50_000, progress: Callable[[int, int], None] | None = None) -> MonteCarloResult:
        """Monte Carlo over parameter distributions, estimated coefficients and baseline forecasts.

        Parameters
        ----------
        draws, seed
            Default to the assumption settings.  Same assumptions and seed give identical results.
        estimation, assumptions
            Switch each source of uncertainty on or off (both off reproduces :meth:`run`).
        variance_split
            Also run with only estimation and only assumption uncertainty (``min(draws, 4000)`` draws
            each, same seed) to split the variance of cumulative impacts.
        chunk
            Draws evaluated at a time (bounds memory; results depend on it only through rounding in
            matrix products, so keep the default for bit-for-bit reproducibility).
        """
        sc = self.resolve(scenario)
        s = self.assumptions.settings
        n = integer(s.draws if draws is None else draws, "draws", low=1, high=MAX_DRAWS)
        seed = integer(s.seed if seed is None else seed, "seed", low=0, high=MAX_SEED)
        chunk = integer(chunk, "chunk", low=1)
        check_run_arguments(draws=n, scenarios=1, assumptions=self.assumptions)
        if n < MIN_RELIABLE_DRAWS:
            warnings.warn(f"{n} Monte Carlo draws: percentiles such as P5 and P95 rest on very few draws and are "
                          f"unreliable; use at least {MIN_RELIABLE_DRAWS}", SampleSizeWarning,
                          stacklevel=user_stacklevel())
        impact, base, measures = draw_all(self, sc, n, seed, estimation=estimation, assumptions=assumptions,
                                          chunk=chunk, progress=progress)
        central = self.run(sc)
        var = _variance_table(self, sc, n, seed, impact, chunk, variance_split and estimation and assumptions)
        return MonteCarloResult(sc.name, sc.label, n, seed, self.channels, self.years, impact, base, central, var,
                                weight=sc.weight, measure_draws=measures)

    def sensitivity(self, scenario: str | Scenario = "designation", method: str = "tornado", target: str = "total",
                    **kwargs: Any) -> Any:
        """Tornado, two-way grid or Sobol indices of a target (a channel or ``total``), see :mod:`impact.sensitivity`."""
        if not isinstance(method, str) or not isinstance(target, str):
            raise UsageError(Issue(f"method and target must be text (got {method!r}, {target!r})",
                                   hint="e.g. method='tornado', target='total'"))
        if method == "tornado":
            return sa.tornado(self, scenario, target=target, **kwargs)
        if method == "two_way":
            return sa.two_way(self, scenario, target=target, **kwargs)
        if method == "sobol":
            return sa.sobol(self, scenario, target=target, **kwargs)
        raise UsageError(Issue(f"unknown sensitivity method {method!r}", hint="allowed: tornado, two_way, sobol"))

    def expost(self, scenarios: str | list[str] | tuple[str, ...] | None = None, *, draws: int | None = None,
               seed: int | None = None, montecarlo: Mapping[str, MonteCarloResult] | None = None) -> ExpostResult:
        """Ex-post check: data after the base year (imports, visitor receipts) against the no-designation
        forecast made from data up to the base year, and against each scenario's Monte Carlo band
        (US$ bn; percentiles 0-1); see :mod:`impact.expost`.

        ``montecarlo`` reuses results of :meth:`simulate` (as :func:`impact.run_analysis` does; empty:
        the baseline band only); otherwise ``scenarios`` (default: every designation scenario) are
        simulated with ``draws`` and ``seed`` (default: the settings)."""
        s = self.assumptions.settings
        if montecarlo is None:
            names = [scenarios] if isinstance(scenarios, str) else list(scenarios or self.assumptions.scenario_names)
            names = [n for n in names if n != "baseline"]
            montecarlo = {n: self.simulate(n, draws=draws, seed=seed, variance_split=False) for n in names}
        first = next((m for n, m in montecarlo.items() if n != "baseline"), None)
        n = first.n_draws if first is not None else integer(draws or s.draws or expost_check.DEFAULT_DRAWS, "draws",
                                                             low=1, high=MAX_DRAWS)
        sd = first.seed if first is not None else integer(s.seed if seed is None else seed, "seed", low=0,
                                                           high=MAX_SEED)
        return expost_check.compare(self, montecarlo, n, sd)

    def implied_quantities(self, scenarios: str | list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
        """What each scenario's inputs imply in countable terms (prosecutions and lost suits a year, cost
        per firm, arrivals lost for a known rise in homicides, aid withheld), beside the record they
        can be checked against; see :func:`impact.calibration.implied_quantities` (units in ``unit``)."""
        names = [scenarios] if isinstance(scenarios, str) else scenarios
        for n in names or ():
            self.resolve(n)  # unknown names get the library's error
        return calibration.implied_quantities(self, tuple(names) if names else None)
    def backtest(self, channel: str, origins: Any = None, horizons: Any = (1, 2, 5), *, draws: int = 2000,
                 seed: int = 20041231) -> BacktestResult:
        """Rolling-origin backtest of a channel's baseline candidates on annual totals (:mod:`impact.backtest`).

        Parameters
        ----------
        channel
            ``"imports"``, ``"tourism"`` or ``"remittances"`` (the channels whose baseline is a forecast).
        origins
            Origin years T (each candidate fitted on data up to December of T); default 2004 (remittances:
            2010) to the year before the base year.  Only targets up to the base year are scored.
        horizons
            Years ahead scored, e.g. ``(1, 2, 5)``.
        draws, seed
            Simulated paths per forecast and their seed (the same for every candidate at an origin).

        Returns a :class:`~impact.results.BacktestResult`: RMSE, MAPE, bias, coverage of the 90 %
        interval, interval score, CRPS and Diebold-Mariano t per candidate and horizon, and the
        candidate the selection rule picks.  Each monthly SARIMA candidate refits at every origin
        (about 0.25 s a fit): imports take about 15 s, tourism 5 s.
        """
        from . import backtest as bt
        from . import candidates

        base = self.assumptions.settings.base_year
        if not isinstance(channel, str) or channel not in self.fits:
            raise UsageError(Issue(f"unknown channel {channel!r}",
                                   hint=f"choose one of {', '.join(candidates.CHANNELS)}"))
        spec = candidates.for_channel(channel, self.assumptions.channels[channel].options)
        origins = _years(range(spec.first_origin, base) if origins is None else origins, "origins", 1900, base - 1)
        horizons = _years(horizons, "horizons", 1, 30)
        draws = integer(draws, "draws", low=100, high=100_000)
        seed = integer(seed, "seed", low=0, high=MAX_SEED - 3000)
        with _one_blas_thread():
            return bt.run(spec, self.data, self.assumptions.channels[channel].options, origins, horizons, base,
                          draws=draws, seed=seed)

    def growth_check(self, channel: str = "imports", year: int | None = None) -> GrowthCheck:
        """The channel's baseline band in ``year`` (default: the last simulated year) against the
        historical growth of its annual totals over as many years (:func:`impact.backtest.growth_check`)."""
        from . import backtest as bt
        from . import candidates

        if channel != "imports":
            raise UsageError(Issue(f"no growth check for channel {channel!r}", hint="the check covers imports"))
        year = integer(self.years[-1] if year is None else year, "year", low=self.years[0], high=self.years[-1])
        annual = candidates.imports_actuals(self.data, self.assumptions.channels[channel].options)
        return bt.growth_check(annual, self.baseline(channel), self.assumptions.settings.base_year, year,
                               channel=channel)

    def summary(self) -> pd.DataFrame:
        """One row per coefficient the impact equations use: channel, estimator, observations, the
        value used, its standard error and whether it is the data estimate, the prior or their pool."""
        rows = []
        for ch, f in self.fits.items():
            for term, p in f.pooled.items():
                rows.append({"channel": ch, "estimator": f.main.name, "nobs": f.nobs, "coefficient": term,
                             "value_used": p.value, "std_error": p.se, "mode": p.mode, "unit": p.unit})
        out = pd.DataFrame(rows)
        if not out.empty:
            out["channel"] = pd.Categorical(out["channel"], categories=list(self.fits), ordered=True)
        return out

    def to_frame(self) -> pd.DataFrame:
        """Every estimated coefficient of every channel's models, tidy: ``channel`` plus the columns of
        :meth:`~impact.results.ChannelFit.tidy` (model, term, estimate, std_error, ...)."""
        out = pd.concat([f.tidy().assign(channel=ch) for ch, f in self.fits.items()], ignore_index=True)
        out["channel"] = pd.Categorical(out["channel"], categories=list(self.fits), ordered=True)
        return out[["channel", *[c for c in out.columns if c != "channel"]]]

    def __repr__(self) -> str:
        return (f"<Model {self.years[0]}-{self.years[-1]}: channels={list(self.fits)}, "
                f"scenarios={list(self.assumptions.scenario_names)}>")

    def _repr_html_(self) -> str:
        return htmlrepr.table(self.summary(), f"Model {self.years[0]}-{self.years[-1]}: coefficients used",
                              float_format=lambda x: f"{x:.4g}")


def _years(value: Any, name: str, low: int, high: int) -> tuple[int, ...]:
    """A non-empty collection of whole numbers in [low, high], sorted and unique (UsageError otherwise)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise UsageError(Issue(f"{name} must be a list of whole numbers (got {value!r})",
                               hint="e.g. horizons=(1, 2, 5)" if name == "horizons" else
                               f"e.g. {name}=range(2004, 2024)"))
    out = sorted({integer(v, name, low=low, high=high) for v in value})
    if not out:
        raise UsageError(Issue(f"{name} is empty", hint=f"give at least one value between {low} and {high}"))
    return tuple(out)


def _variance_table(model: Model, sc: Scenario, n: int, seed: int, impact: np.ndarray, chunk: int,
                    split: bool) -> pd.DataFrame:
    def cum(a: np.ndarray) -> dict[str, float]:
        c = a.sum(axis=2)
        out = {ch: float(np.var(c[:, i], ddof=1)) if n > 1 else 0.0 for i, ch in enumerate(model.channels)}
        out["total"] = float(np.var(c.sum(axis=1), ddof=1)) if n > 1 else 0.0
        return out

    total = cum(impact)
    if split and not any(total.values()):
        # no variance to split (e.g. the baseline scenario, whose impacts are zero for any draw)
        est = {k: 0.0 for k in total}
        ass = dict(est)
    elif split:
        # the split needs variances, not tails: SPLIT_DRAWS draws estimate them to a few percent
        m = min(n, SPLIT_DRAWS)
        est = cum(draw_outcomes(model, sc, m, seed, estimation=True, assumptions=False, chunk=chunk)[0])
        ass = cum(draw_outcomes(model, sc, m, seed, estimation=False, assumptions=True, chunk=chunk)[0])
    else:
        est = {k: float("nan") for k in total}
        ass = dict(est)
    df = pd.DataFrame({"total": total, "estimation": est, "assumptions": ass})
    denom = df["estimation"] + df["assumptions"]
    df["share_estimation"] = np.where(denom > 0, df["estimation"] / denom.where(denom > 0, 1.0), np.nan)
    df.index.name = "channel"
    return df


def _one_blas_thread() -> Any:
    """Run statsmodels fits on one BLAS thread: their state-space filters multiply tiny matrices,
    where a multi-threaded BLAS spends its time synchronising (a 5-10x slowdown measured on 2 cores)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def fit(assumptions: Assumptions | None = None, *, cache: bool = True, cache_dir: str | None = None,
        store: Any = None) -> Model:
    """Load the data and fit every channel once.

    Each channel's estimators see only its declared data series and estimator options; their output
    is cached on disk keyed by exactly those inputs (see :mod:`impact.cache`), so changing an
    effect parameter never refits.  The channel's parameters are then applied (``calibrate``: priors
    and pooling), which is cheap.  ``cache=False`` bypasses the cache; ``store`` passes an open
    :class:`~impact.cache.FitCache` (one per run, so a bad folder is reported once).
    """
    if assumptions is None:
        assumptions = load(None, specs=channel_registry.specs(), data_check=channel_registry.check_data)
    if not isinstance(assumptions, Assumptions):
        raise UsageError(Issue(f"fit() takes an Assumptions object (got {type(assumptions).__name__})",
                               hint="e.g. impact.fit(impact.load_assumptions('assumptions'))"))
    if not isinstance(cache, bool):
        raise UsageError(Issue(f"cache must be True or False (got {cache!r})"))
    a = assumptions
    series = dict(a.data) if a.data else data_mod.load_all(a.data_overrides)
    if store is None and cache:
        store = FitCache(cache_dir)
    if not cache:
        store = None
    s = a.settings
    fits: dict[str, ChannelFit] = {}
    with contextlib.ExitStack() as stack:
        limited = False
        for name, channel in channel_registry.registry().items():
            block = a.channels[name]
            own = FrozenMap({sid: series[sid] for sid in channel.spec.data})
            key = fit_key(name, own, block.options, s.base_year, s.horizon) if store is not None else None
            est = store.get(key) if store is not None else None
            if isinstance(est, ChannelFit) and est.channel == name:
                log.debug("fit cache hit for %s", name)
            else:
                log.info("fitting %s", name)
                if not limited:  # once for all fits: threadpoolctl inspects every loaded library each time
                    stack.enter_context(_one_blas_thread())
                    limited = True
                est = channel.fit(own, block.options, s)
                if store is not None and key is not None:
                    store.put(key, est)
            fits[name] = channel.calibrate(est, block)
    return Model(a, FrozenMap(fits), FrozenMap(series), passthrough.prices(s, series))
