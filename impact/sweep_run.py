"""One chunk of a sweep's variants, evaluated where it runs (this process, a pool worker or a Dask worker).

A :class:`Job` holds everything a worker needs, shipped once per worker: the base assumptions, the
design's variant points, and the base fits (estimator outputs by cache key), so a variant that
changes only effect parameters never refits.  :func:`run_chunk` evaluates its variants one by one
and returns their statistics as a tidy table plus the variants that failed.

Each variant's Monte Carlo uses the variant's seed (:func:`variant_seed`): the design's seed for every
variant with ``random_numbers: common`` (common random numbers: the variants differ only by their
inputs, never by sampling noise), or one stream per variant derived from (design seed, variant id)
with ``per_variant``.  Neither depends on the worker, the executor or the order of completion.
"""
from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import evaluation as ev
from .assumptions import Assumptions
from .cache import FitCache, MemoryStore
from .errors import ImpactError, PlausibilityWarning
from .model import Model, fit
from .passthrough import MEASURES
from .sampling import draw_all, forget_columns
from .sweep_design import Design

log = logging.getLogger(__name__)

#: statistics of each target's cumulative change over the horizon, in this order
STATISTICS = ("mean", "sd", "p5", "p50", "p95", "central")
DESCRIPTIONS = {
    "mean": "mean over the Monte Carlo draws",
    "sd": "standard deviation over the draws (ddof 1)",
    "p5": "5th percentile of the draws (numpy linear interpolation)",
    "p50": "median of the draws",
    "p95": "95th percentile of the draws",
    "central": "deterministic run: every input at its central value (not a summary of the draws)",
    "p_loss_gt": "share of draws whose total cumulative loss exceeds X US$ bn (total only; analysis.yaml "
                 "headline.loss_thresholds)",
}


@dataclass(frozen=True)
class Job:
    """What every worker needs; built once by :func:`impact.sweep_exec.sweep` and shipped once per worker."""

    base: Assumptions
    design: Design
    points: tuple[Mapping[str, Any], ...]
    fits: Mapping[str, Any]  # fit-cache key -> a channel's estimator output (before calibration)
    draws: int
    scenarios: tuple[str, ...]
    thresholds: tuple[float, ...]
    cache_dir: str | None = None  # a local fit cache behind the memory store (None: memory only)
    token: str = field(default="", compare=False)


def variant_seed(design: Design, variant: int) -> int:
    """The Monte Carlo seed of a variant (see the module docstring)."""
    if design.random_numbers == "common":
        return design.seed
    state = np.random.SeedSequence([design.seed, variant]).generate_state(2, np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1  # below 2**63


def statistic_names(thresholds: tuple[float, ...]) -> tuple[str, ...]:
    return STATISTICS + tuple(f"p_loss_gt_{x:g}" for x in thresholds)


# ------------------------------------------------------------------ worker state
_STATE: dict[str, Any] = {}


def _worker(job: Job) -> dict[str, Any]:
    """This process's memory store and shared random numbers for ``job`` (made once per worker)."""
    if _STATE.get("token") != job.token:
        _STATE.clear()
        fallback = FitCache(job.cache_dir) if job.cache_dir is not None else None
        _STATE.update(token=job.token, store=MemoryStore(job.fits, fallback), draws={}, keep=None)
    return _STATE


def run_chunk(job: Job, index: int, variants: tuple[int, ...]) -> tuple[int, pd.DataFrame, list[dict[str, Any]]]:
    """Evaluate ``variants`` (ids into ``job.points``): (index, tidy statistics, failures).

    A variant whose assumptions are rejected or whose run raises is reported with its overrides and
    the message; the others go on."""
    from threadpoolctl import threadpool_limits

    state = _worker(job)
    frames, failures = [], []
    # one BLAS thread wherever the chunk runs: a multi-threaded matrix product may round differently,
    # and Dask workers run one thread (distributed sets OPENBLAS_NUM_THREADS=1), so without this the
    # same variant could differ in its last bits between this process, a pool and a cluster
    with threadpool_limits(limits=1, user_api="blas"):
        for vid in variants:
            _one(job, state, vid, frames, failures)
    return index, (pd.concat(frames, ignore_index=True) if frames else _empty()), failures


def _one(job: Job, state: dict[str, Any], vid: int, frames: list[pd.DataFrame], failures: list[dict[str, Any]]
         ) -> None:
    """Evaluate variant ``vid`` into ``frames``, or record it in ``failures``."""
    point = job.points[vid]
    try:
        with warnings.catch_warnings():
            # a sweep goes outside plausible ranges on purpose; the design check reported them once
            warnings.simplefilter("ignore", PlausibilityWarning)
            frames.append(_variant(job, state, vid, point))
    except (ImpactError, ArithmeticError, ValueError, np.linalg.LinAlgError) as exc:
        failures.append({"variant": vid, "overrides": {k: _plain(v) for k, v in point.items()},
                         "error": f"{type(exc).__name__}: {exc}"})


def _plain(v: Any) -> Any:
    return v if isinstance(v, (str, int, float, bool, list, dict)) or v is None else str(v)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"variant": pd.Series(dtype="int64"), "scenario": pd.Series(dtype=object),
                         "target": pd.Series(dtype=object), "statistic": pd.Series(dtype=object),
                         "value": pd.Series(dtype="float64"), "unit": pd.Series(dtype=object)})


def variant_model(job: Job, point: Mapping[str, Any], store: Any) -> Model:
    """The fitted model of one variant (estimators from ``store`` unless their inputs changed)."""
    if job.design.method == "folders":
        from .api import load_assumptions

        a = load_assumptions(point["folder"], allow_absolute_paths=True)
    else:
        changes = job.design.changes(point)
        a = job.base.override(changes) if changes else job.base
    return fit(a, store=store)


def _variant(job: Job, state: dict[str, Any], vid: int, point: Mapping[str, Any]) -> pd.DataFrame:
    model = variant_model(job, point, state["store"])
    seed = variant_seed(job.design, vid)
    shared = state["draws"] if job.design.random_numbers == "common" else {}
    try:
        return statistics_frame(model, job.scenarios, job.draws, seed, job.thresholds, shared).assign(variant=vid)
    finally:
        if shared is state["draws"]:
            if state["keep"] is None:  # the first variant's columns stay; later variants' are dropped
                state["keep"] = {k for memo in shared.values() for k in memo}
            forget_columns(shared, state["keep"])


def statistics_frame(model: Model, scenarios: tuple[str, ...], draws: int, seed: int, thresholds: tuple[float, ...],
                     store: dict[Any, Any] | None = None) -> pd.DataFrame:
    """Statistics of each target's cumulative change over the horizon, for each scenario: tidy rows
    (scenario, target, statistic, value, unit).  Targets: every channel and the total (gross change,
    US$ bn in the run's price basis), then the value-added measures (:mod:`impact.passthrough`)."""
    channels = list(model.channels)
    targets = channels + ["total"] + [m.name for m in MEASURES]
    units = ["US$ bn"] * (len(channels) + 1) + [m.unit if m.money else "thousand job-years" for m in MEASURES]
    names = statistic_names(thresholds)
    rows: list[pd.DataFrame] = []
    for name in scenarios:
        sc = model.resolve(name)
        impact, _, measures = draw_all(model, sc, draws, seed, store=store)
        cum = np.concatenate([impact.sum(axis=2), impact.sum(axis=(1, 2))[:, None], measures.sum(axis=2)], axis=1)
        central = model.evaluate(sc, ev.central_row(model, sc)[None, :])
        cen = np.concatenate([central.impact[0].sum(axis=1), [central.impact[0].sum()],
                              central.measures[0].sum(axis=1)])
        q = np.percentile(cum, [5, 50, 95], axis=0)
        block = np.vstack([cum.mean(axis=0), cum.std(axis=0, ddof=1) if draws > 1 else np.zeros(cum.shape[1]),
                           q[0], q[1], q[2], cen])
        values = list(block.T.ravel())  # target-major: every statistic of a target together
        tgt = [t for t in targets for _ in STATISTICS]
        stat = list(STATISTICS) * len(targets)
        unit = [u for u in units for _ in STATISTICS]
        total = cum[:, len(channels)]
        for x in thresholds:
            tgt.append("total")
            stat.append(f"p_loss_gt_{x:g}")
            values.append(float(np.mean(total < -x)))
            unit.append("probability")
        rows.append(pd.DataFrame({"scenario": name, "target": tgt, "statistic": stat, "value": values, "unit": unit}))
    out = pd.concat(rows, ignore_index=True)
    order = {t: i for i, t in enumerate(targets)}
    rank = {s: i for i, s in enumerate(names)}
    sc_rank = {s: i for i, s in enumerate(scenarios)}
    ranks = {"scenario": sc_rank, "target": order, "statistic": rank}
    out = out.sort_values(["scenario", "target", "statistic"], key=lambda c: c.map(ranks[c.name]), kind="stable",
                          ignore_index=True)
    return out


def file_hashes(a: Assumptions) -> dict[str, str]:
    """SHA-256 of each assumption file by file name (its shown path depends on the working folder)."""
    from pathlib import Path

    return {Path(f).name: h for f, h in sorted(a.hashes.items())}


def job_token(base: Assumptions, design: Design, draws: int, scenarios: tuple[str, ...],
              thresholds: tuple[float, ...], extra: str = "") -> str:
    """A digest of what determines a sweep's numbers: the assumption files, the design file, draws,
    scenarios, thresholds and the package version (the resume check compares it)."""
    from . import __version__

    h = hashlib.sha256()
    for f, d in sorted(file_hashes(base).items()):
        h.update(f"{f}={d};".encode())
    h.update(f"data={sorted((k, v.attrs.get('sha256', '')) for k, v in base.data.items())!r};".encode())
    h.update(design.text.encode())
    h.update(f";draws={draws};scenarios={scenarios};thresholds={thresholds};impact={__version__};{extra}".encode())
    return h.hexdigest()
