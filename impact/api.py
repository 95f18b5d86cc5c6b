"""The one-call pipeline shared by the CLI and notebooks."""
from __future__ import annotations

import logging
import platform
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__, channels, parallel
from . import sensitivity as sa
from .arguments import MIN_RELIABLE_DRAWS, check_memory, check_run_arguments, sobol_memory
from .assumptions import Assumptions, load
from .cache import FitCache
from .errors import Issue, SampleSizeWarning, UsageError, user_stacklevel
from .model import fit
from .results.analysis import AnalysisResult, PendingTables, RunInfo
from .results.impacts import MonteCarloResult, expected_impact
from .results.sensitivity import SensitivityResult

log = logging.getLogger(__name__)


def load_assumptions(folder: str | Path | None = None, *, allow_absolute_paths: bool = False) -> Assumptions:
    """Load and validate an assumption folder (``None``: the defaults shipped with the package).

    Raises :class:`~impact.errors.AssumptionError` listing every problem with file:line.
    """
    import os

    if folder is not None and not isinstance(folder, (str, os.PathLike)):
        raise UsageError(Issue(f"folder must be a path (got {type(folder).__name__})",
                               hint="e.g. impact.load_assumptions('assumptions'), or no argument for the defaults"))
    if not isinstance(allow_absolute_paths, bool):
        raise UsageError(Issue(f"allow_absolute_paths must be True or False (got {allow_absolute_paths!r})"))
    return load(folder, specs=channels.specs(), allow_absolute_paths=allow_absolute_paths,
                data_check=channels.check_data)


_DEPENDENCIES = ("numpy", "pandas", "scipy", "statsmodels", "PyYAML", "openpyxl", "XlsxWriter", "threadpoolctl")


def dependency_versions() -> dict[str, str]:
    """Installed versions of the runtime dependencies (pyproject.toml), by distribution name.

    Read from package metadata: importing statsmodels or openpyxl just for a version string would
    cost a warm run 0.1-1 s.  ``_DEPENDENCIES`` stands in when impact itself is not installed."""
    import re
    from importlib.metadata import PackageNotFoundError, requires, version

    try:
        deps = [re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0] for r in (requires("impact") or []) if "extra ==" not in r]
    except PackageNotFoundError:
        deps = []
    out = {}
    for d in deps or _DEPENDENCIES:
        try:
            out[d] = version(d)
        except PackageNotFoundError:  # pragma: no cover - a broken install
            out[d] = "not installed"
    return out


def _phase(what: str, since: float) -> float:
    """Log a phase's wall time at debug level (``impact run --verbose`` shows where a run spends its time)."""
    now = time.perf_counter()
    log.debug("%s: %.3f s", what, now - since)
    return now


def sensitivity_tables(model: Any, names: Sequence[str], seed: int, store: Any = None,
                       progress: Callable[[str, int, int], None] | None = None
                       ) -> dict[str, dict[str, SensitivityResult]]:
    """Tornado (every channel, the total, Mexico GDP and U.S. value added), the two-way grids of analysis.yaml, a grid of the total
    for each pair of the scenario's top tornado drivers (``sensitivity.two_way_drivers``) and Sobol
    indices for each scenario in ``names`` except the baseline, keyed ``tornado:<target>``,
    ``two_way:<i>``, ``two_way:top:<k>``, ``sobol:<target>``, and the Sobol indices of the total's
    inputs grouped by basis (data, literature, derived, judgment), ``sobol_groups:total``."""
    a = model.assumptions
    targets = list(model.channels) + ["total", *sa.VA_TARGETS]
    sens: dict[str, dict[str, SensitivityResult]] = {}
    for n in names:
        if n == "baseline":
            continue
        if progress:
            progress(f"Sensitivity {n}", 0, 1)
        block: dict[str, SensitivityResult] = {}
        block.update({f"tornado:{t}": v for t, v in sa.tornado_all(model, n, targets).items()})
        for i, tw in enumerate(a.analysis.two_way):
            block[f"two_way:{i}"] = sa.two_way(model, n, x=tw.x, y=tw.y, points=tw.points, target=tw.target)
        declared = {frozenset((tw.x, tw.y)) for tw in a.analysis.two_way if tw.target == "total"}
        for k, (y, x) in enumerate(driver_pairs(block["tornado:total"], a.analysis.two_way_drivers)):
            if frozenset((x, y)) not in declared:
                block[f"two_way:top:{k}"] = sa.two_way(model, n, x=x, y=y, points=7, target="total")
        block.update({f"sobol:{k}": v for k, v in sa.sobol_all(model, n, seed=seed, store=store).items()})
        block["sobol_groups:total"] = sa.sobol_groups(model, n, seed=seed, store=store)
        sens[n] = block
        if progress:
            progress(f"Sensitivity {n}", 1, 1)
    return sens


def driver_pairs(tornado: SensitivityResult, top: int) -> list[tuple[str, str]]:
    """Every pair among the ``top`` inputs with the largest swings of a tornado (largest first; inputs
    that do not move the target are left out): the two-way grids that follow each scenario's drivers."""
    tab = tornado.ranked()
    names = [str(n) for n, s in zip(tab["input"], tab["swing"]) if s > 0][:top]
    return [(names[i], names[j]) for i in range(len(names)) for j in range(i + 1, len(names))]


def run_analysis(assumptions: Assumptions | str | Path | None = None, scenarios: Sequence[str] | None = None, *,
                 draws: int | None = None, seed: int | None = None, sensitivity: bool | None = None,
                 cache: bool = True, cache_dir: str | None = None, command: str = "",
                 progress: Callable[[str, int, int], None] | None = None, jobs: int = 1,
                 wait: bool = True) -> AnalysisResult:
    """Fit, run every scenario deterministically, simulate, and compute the sensitivity tables.

    Parameters
    ----------
    assumptions
        An :class:`Assumptions` or a folder (``None``: shipped defaults).
    scenarios
        Names to run (default: all).  The baseline is always included.
    draws, seed
        Monte Carlo draws per scenario and seed (default: settings).  ``draws=0`` skips the Monte Carlo.
    sensitivity
        Tornado, two-way and Sobol for every non-baseline scenario (default: settings.sensitivity).
    jobs
        2 or more computes the sensitivity tables in a forked worker process while this process runs
        the Monte Carlo (Linux only; elsewhere, and with 1, everything runs here).  Results are
        identical either way.
    wait
        With ``jobs > 1``, ``False`` forks the worker after the Monte Carlo and returns at once;
        ``sensitivity`` is then a mapping that waits for the worker on first use (the CLI writes the
        other sheets meanwhile).
    """
    t0 = time.perf_counter()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    plan = _plan(assumptions, scenarios, draws, seed, sensitivity, cache=cache, jobs=jobs, wait=wait)
    clock = time.perf_counter()
    store = FitCache(cache_dir) if cache else None
    model = fit(plan.assumptions, cache=cache, store=store)
    clock = _phase("fit", clock)
    runs = {n: model.run(n) for n in plan.names}
    background = None

    def start_tables() -> Any:
        fork = jobs > 1 and parallel.available()
        return parallel.Background(sensitivity_tables, model, plan.names, plan.seed, store,
                                   None if fork else progress, enabled=fork)

    # With wait=True the worker overlaps the Monte Carlo.  With wait=False it is forked after it and
    # overlaps what the caller does next (the CLI writes the workbook): a Monte Carlo run beside a
    # fresh fork pays for copying every page of the heap it reuses (measured: 0.2 s -> 0.3 s).
    if plan.sensitivity and wait:
        background = start_tables()
    mcs = _monte_carlo(model, plan, progress)
    if plan.sensitivity and not wait:
        background = start_tables()
    clock = _phase(f"deterministic runs and Monte Carlo ({plan.draws:,} draws x {len(plan.names)} scenarios)", clock)
    # while a worker process computes the sensitivity tables
    expost = model.expost(montecarlo=mcs, draws=plan.draws or None, seed=plan.seed)
    clock = _phase("ex-post check", clock)
    sens = _collect(background, wait, clock)
    expected = expected_impact(mcs) if mcs else pd.DataFrame()
    info = _run_info(model, plan, started, time.perf_counter() - t0, command)
    return AnalysisResult(plan.assumptions, model, runs, mcs, sens, expected, info, expost)


def _collect(background: Any, wait: bool, clock: float) -> Mapping[str, Mapping[str, SensitivityResult]]:
    """The sensitivity tables: none, pending (a worker still computing them, ``wait=False``) or resolved."""
    if background is None:
        return {}
    if background.parallel and not wait:
        return PendingTables(background)
    sens = PendingTables(background).resolved()
    _phase("sensitivity tables" + (" (waiting for the worker process)" if background.parallel else ""), clock)
    return sens


@dataclass(frozen=True)
class _Plan:
    """What a run will do, after every argument was checked."""

    assumptions: Assumptions
    names: list[str]
    draws: int
    seed: int
    sensitivity: bool


def _plan(assumptions: Any, scenarios: Any, draws: Any, seed: Any, sensitivity: Any, *, cache: Any, jobs: Any,
          wait: Any) -> _Plan:
    """Check the arguments of :func:`run_analysis` (UsageError, as the CLI) and settle the defaults."""
    if assumptions is not None and not isinstance(assumptions, (Assumptions, str, Path)):
        raise UsageError(Issue(f"assumptions must be an Assumptions object or a folder (got {type(assumptions).__name__})",
                               hint="e.g. impact.load_assumptions('assumptions')"))
    check_run_arguments(draws=draws, seed=seed, jobs=jobs)
    for flag, value in (("sensitivity", sensitivity), ("cache", cache), ("wait", wait)):
        if value is not None and not isinstance(value, bool):
            raise UsageError(Issue(f"{flag} must be True or False (got {value!r})"))
    a = assumptions if isinstance(assumptions, Assumptions) else load_assumptions(assumptions)
    s = a.settings
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    if scenarios is not None and not all(isinstance(n, str) for n in scenarios):
        raise UsageError(Issue(f"scenarios must be scenario names (got {scenarios!r})",
                               hint=f"choose from {', '.join(a.scenario_names)}"))
    names = list(a.scenario_names) if not scenarios else list(dict.fromkeys(["baseline", *scenarios]))
    for n in names:
        if n not in a.scenario_names:
            raise UsageError(Issue(f"unknown scenario {n!r}", hint=f"choose from {', '.join(a.scenario_names)}"))
    plan = _Plan(a, names, s.draws if draws is None else int(draws), s.seed if seed is None else int(seed),
                 s.sensitivity if sensitivity is None else sensitivity)
    check_run_arguments(draws=plan.draws, scenarios=len(names), assumptions=a)
    if plan.sensitivity:
        k = sum(len(c.parameters) + 1 for c in a.channels.values()) + len(a.scenario("baseline").shocks)
        n_sobol = a.analysis.sobol_base_samples
        check_memory(sobol_memory(n_sobol, k, len(a.channels), s.horizon),
                     f"the Sobol analysis ({n_sobol:,} base samples x {k} inputs)",
                     "lower analysis.yaml sensitivity.sobol.base_samples or run without sensitivity")
    return plan


def _run_info(model: Any, plan: _Plan, started: str, seconds: float, command: str) -> RunInfo:
    return RunInfo(
        package_version=__version__, versions=dependency_versions(), assumption_hashes=dict(plan.assumptions.hashes),
        data_hashes={k: v.attrs.get("sha256", "") for k, v in model.data.items()},
        data_vintages={k: v.attrs.get("vintage", "") for k, v in model.data.items()},
        seed=plan.seed, draws=plan.draws, scenarios=tuple(plan.names), started=started, seconds=seconds,
        python=sys.version.split()[0], platform=platform.platform(), command=command,
    )


def _monte_carlo(model: Any, plan: _Plan, progress: Callable[[str, int, int], None] | None
                 ) -> dict[str, MonteCarloResult]:
    mcs: dict[str, MonteCarloResult] = {}
    if plan.draws <= 0:
        return mcs
    if plan.draws < MIN_RELIABLE_DRAWS:  # said once here rather than once per scenario
        warnings.warn(f"{plan.draws} Monte Carlo draws: percentiles such as P5 and P95 rest on very few draws and "
                      f"are unreliable; use at least {MIN_RELIABLE_DRAWS}", SampleSizeWarning,
                      stacklevel=user_stacklevel())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SampleSizeWarning)
        for n in plan.names:
            cb = (lambda done, total, n=n: progress(f"Monte Carlo {n}", done, total)) if progress else None
            mcs[n] = model.simulate(n, draws=plan.draws, seed=plan.seed, progress=cb)
    return mcs
