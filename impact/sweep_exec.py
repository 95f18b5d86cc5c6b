"""Sweeps: many assumption variants, each with its own Monte Carlo, on one process, a local pool or a
Dask cluster, streamed to Parquet.

``sweep(assumptions, design)`` reads the design (:mod:`impact.sweep_design`), fits the base
assumptions once, and evaluates the variants in chunks (:func:`impact.sweep_run.run_chunk`):

- in this process when ``workers=1`` or the sweep is one chunk;
- on a local process pool by default (``workers``: the CPU count), each worker receiving the job
  (base assumptions, design, base fits) once;
- on an existing Dask distributed cluster with ``scheduler="tcp://host:8786"`` or ``client=``, the
  job scattered to every worker once.

Each completed chunk is written at once to ``<out>.parts/`` (a Parquet file and its failures), so an
interrupted sweep (Ctrl-C, a lost worker) keeps them and ``resume=True`` evaluates only the rest.
The final file is assembled from the parts in variant order with fixed-size row groups, so its bytes
do not depend on the executor, the number of workers, the chunk size or the order of completion.
"""
from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from concurrent.futures import BrokenExecutor
from typing import Any

from . import __version__
from .arguments import MAX_DRAWS, integer
from .assumptions import Assumptions
from .cache import FitCache, MemoryStore
from .errors import AssumptionError, ImpactError, Issue, OutputError, UsageError
from .model import fit
from .results.sweep import SweepResult
from .sweep_design import Design, column_values, read_design
from .sweep_run import DESCRIPTIONS, Job, file_hashes, job_token, run_chunk, statistic_names

log = logging.getLogger(__name__)

ROWS_PER_GROUP = 65_536  # Parquet row groups of the final file: fixed, so bytes do not depend on chunks
IN_FLIGHT = 4  # chunks queued per worker: keeps workers busy, bounds what waits in memory


def sweep(assumptions: Assumptions | str | Path | None, design: str | Path, *, out: str | Path | None = None,
          draws: int | None = None, scenarios: Sequence[str] | None = None, workers: int | None = None,
          scheduler: str | None = None, client: Any = None, resume: bool = False, fail_fast: bool = False,
          cache: bool = True, cache_dir: str | None = None,
          progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run every variant of ``design`` (a sweep.yaml) against ``assumptions`` (a folder, loaded
    assumptions, or ``None`` for the defaults) and return a :class:`~impact.results.SweepResult`.

    Parameters
    ----------
    out
        Parquet file to write (needs pyarrow); ``None`` keeps the results in memory only.
    draws, scenarios
        Monte Carlo draws per variant and scenario, and the scenarios to run; default: the design's,
        else the settings' draws and every scenario except the baseline.
    workers
        Local processes (default: the CPU count; 1 runs in this process).
    scheduler, client
        Run on an existing Dask cluster (``pip install "impact[dask]"``): its address, or a
        ``distributed.Client``.
    resume
        Continue an interrupted sweep into the same ``out`` (its completed chunks are kept).
    fail_fast
        Stop at the first failing variant (default: report it and run the others).
    progress
        Called with (variants done, variants in all) as chunks complete.
    """
    workers = integer(workers if workers is not None else (os.cpu_count() or 1), "workers", low=1, high=1024)
    if client is not None and scheduler is not None:
        raise UsageError(Issue("give a scheduler address or a client, not both"))
    job, parts = prepare(assumptions, design, out=out, draws=draws, scenarios=scenarios, cache=cache,
                         cache_dir=cache_dir, resume=resume, local=client is None and scheduler is None)
    try:
        failures = _execute(job, parts, workers, client, scheduler, fail_fast, progress)
    except BaseException:
        if parts.temporary or not parts.done:  # nothing completed: nothing to resume
            shutil.rmtree(parts.dir, ignore_errors=True)
        raise
    d = job.design
    meta = _metadata(job.base, d, job.draws, job.scenarios, job.thresholds, job.token, failures, len(job.points))
    if fail_fast and failures:
        if parts.temporary:
            shutil.rmtree(parts.dir, ignore_errors=True)
        raise VariantsFailed([_failure_issue(f) for f in failures[:20]] + [Issue(
            "stopped at the first failing variant (fail_fast)", hint=None if parts.temporary else
            f"completed chunks are kept in {parts.dir}; --resume continues with the rest")])
    return parts.assemble(d, job.points, failures, meta, _schema(d, job.points))


def prepare(assumptions: Assumptions | str | Path | None, design: str | Path, *, out: str | Path | None,
            draws: int | None, scenarios: Sequence[str] | None, cache: bool, cache_dir: str | None, resume: bool,
            local: bool) -> tuple[Job, Parts]:
    """The checked design, the base fits and the job every worker receives; the parts folder."""
    from .api import load_assumptions

    base = assumptions if isinstance(assumptions, Assumptions) else load_assumptions(assumptions)
    if not isinstance(design, (str, os.PathLike)):
        raise UsageError(Issue(f"design must be the path of a sweep.yaml (got {type(design).__name__})",
                               hint="e.g. impact.sweep(None, 'assumptions/sweep.yaml')"))
    d = read_design(design, base)
    n = integer(draws if draws is not None else d.draws if d.draws is not None else base.settings.draws, "draws",
                low=1, high=MAX_DRAWS)
    names = _scenarios(base, d, scenarios)
    points = tuple(d.points())
    extra = _check_folders(d) if d.method == "folders" else ""
    thresholds = tuple(base.analysis.loss_thresholds)
    disk = FitCache(cache_dir) if cache else None
    store = MemoryStore(fallback=disk)
    from threadpoolctl import threadpool_limits

    # the base fits, shipped to every worker; calibrated on one BLAS thread as the workers calibrate
    # (remittances remembers its calibrated baseline: a multi-threaded product would differ in its last bits)
    with threadpool_limits(limits=1, user_api="blas"):
        fit(base, store=store)
    token = job_token(base, d, n, names, thresholds, extra)
    # remote workers may not see this machine's cache folder: they keep fits in memory only
    job = Job(base, d, points, store.entries, n, names, thresholds,
              cache_dir=str(disk.root) if disk is not None and local else None, token=token)
    parts = Parts(Path(out) if out is not None else None, token, d.chunk or default_chunk(len(points)), len(points),
                  resume)
    return job, parts


def _execute(job: Job, parts: Parts, workers: int, client: Any, scheduler: str | None, fail_fast: bool,
             progress: Callable[[int, int], None] | None) -> list[dict[str, Any]]:
    """Evaluate the chunks not done yet, writing each as it completes; the failures of every chunk."""
    size, total = parts.chunk, len(job.points)
    chunks = [(i, tuple(range(s, min(s + size, total)))) for i, s in enumerate(range(0, total, size))]
    todo = [c for c in chunks if c[0] not in parts.done]
    log.info("sweep of %d variants x %d scenarios x %s draws in %d chunks (%d done before)", total,
             len(job.scenarios), f"{job.draws:,}", len(chunks), len(chunks) - len(todo))
    done_variants = sum(len(ids) for i, ids in chunks if i in parts.done)
    if progress:
        progress(done_variants, total)

    def on_done(index: int, frame: Any, failures: list[dict[str, Any]]) -> bool:
        nonlocal done_variants
        parts.write(index, _with_design(frame, job.design, job.points), failures)
        done_variants += len(chunks[index][1])
        if progress:
            progress(done_variants, total)
        return bool(failures) and fail_fast

    try:
        if client is not None or scheduler is not None:
            _on_dask(job, todo, on_done, client, scheduler)
        elif workers == 1 or len(todo) <= 1:
            _serially(job, todo, on_done)
        else:
            _on_pool(job, todo, on_done, workers)
    except BrokenExecutor as exc:
        raise VariantsFailed(Issue(f"a worker process was lost ({exc}) after {len(parts.done)} of {len(chunks)} "
                                   f"chunks", hint=f"completed chunks are kept in {parts.dir}; run again with "
                                   "--resume (resume=True) to evaluate the rest")) from None
    return parts.failures()


class VariantsFailed(ImpactError):
    """Variants of a sweep failed and the sweep stopped (fail_fast, a lost worker): exit status 1."""

    exit_code = 1


def _failure_issue(f: dict[str, Any]) -> Issue:
    over = ", ".join(f"{k} = {v}" for k, v in f["overrides"].items())
    return Issue(f"variant {f['variant']} ({over}) failed: {f['error']}")


def default_chunk(n_variants: int) -> int:
    """Variants per chunk: about 64 chunks (enough to balance up to ~16 workers), 1 to 50 variants each."""
    return max(1, min(50, math.ceil(n_variants / 64)))


def _scenarios(base: Assumptions, d: Design, given: Sequence[str] | None) -> tuple[str, ...]:
    every = [s for s in base.scenario_names if s != "baseline"]
    names = list(given) if given is not None else list(d.scenarios or every)
    for s in names:
        if s not in base.scenario_names:
            from .assumptions import choices_hint

            raise UsageError(Issue(f"unknown scenario {s!r}", hint=choices_hint(s, base.scenario_names)))
    if not names:
        raise UsageError(Issue("no scenario to run", hint="name at least one designation scenario"))
    return tuple(dict.fromkeys(names))


def _check_folders(d: Design) -> str:
    """Load every folder of a folders design up front (every problem at once); their file digests."""
    from .api import load_assumptions

    issues: list[Issue] = []
    digests = []
    for f in d.folders:
        try:
            a = load_assumptions(f, allow_absolute_paths=True)
            digests.append(f"{f}:{sorted(file_hashes(a).items())}")
        except AssumptionError as exc:
            issues.extend(exc.issues)
    if issues:
        raise AssumptionError(issues)
    return ";".join(digests)


def _with_design(frame: Any, d: Design, points: tuple[Any, ...]) -> Any:
    """Add the design's columns (each variant's values) after ``variant``."""
    import pandas as pd

    keys = ["folder"] if d.method == "folders" else [i.key for i in d.inputs]
    ids = frame["variant"].to_numpy()
    cols = {"variant": frame["variant"].astype("int64")}
    for k in keys:
        sub = column_values([points[int(i)] for i in ids], k) if len(ids) else []
        cols[k] = pd.Series(sub, dtype="float64" if _numeric(points, k) else object)
    for c in ("scenario", "target", "statistic", "value", "unit"):
        cols[c] = frame[c]
    return pd.DataFrame(cols)


def _numeric(points: tuple[Any, ...], key: str) -> bool:
    return all(isinstance(p[key], (int, float)) and not isinstance(p[key], bool) for p in points)


def _schema(d: Design, points: tuple[Any, ...]) -> Any:
    import pyarrow as pa

    keys = ["folder"] if d.method == "folders" else [i.key for i in d.inputs]
    fields = [pa.field("variant", pa.int64())]
    fields += [pa.field(k, pa.float64() if _numeric(points, k) else pa.string()) for k in keys]
    fields += [pa.field("scenario", pa.string()), pa.field("target", pa.string()), pa.field("statistic", pa.string()),
               pa.field("value", pa.float64()), pa.field("unit", pa.string())]
    return pa.schema(fields)


def _metadata(base: Assumptions, d: Design, n: int, names: tuple[str, ...], thresholds: tuple[float, ...],
              token: str, failures: list[dict[str, Any]], n_variants: int) -> dict[str, Any]:
    from .passthrough import MEASURE_NAMES

    keys = ["folder"] if d.method == "folders" else [i.key for i in d.inputs]
    return {"impact_version": __version__, "design_file": Path(d.file).name, "design": d.text, "method": d.method,
            "inputs": keys, "targets": [*base.channels, "total", *MEASURE_NAMES],
            "variants": n_variants, "draws": n, "scenarios": list(names), "seed": d.seed,
            "random_numbers": d.random_numbers, "thresholds_usd_bn": list(thresholds),
            "statistics": list(statistic_names(thresholds)), "statistic_definitions": DESCRIPTIONS,
            "period": (f"cumulative over the horizon ({base.settings.years[0]}-{base.settings.years[-1]} in the base "
                       "assumptions)"),
            "price_basis": base.settings.price_basis, "assumptions": file_hashes(base),
            "failures": failures, "token": token}


# ------------------------------------------------------------------ executors
OnDone = Callable[[int, Any, list[dict[str, Any]]], bool]


def _serially(job: Job, todo: list[tuple[int, tuple[int, ...]]], on_done: OnDone) -> None:
    for index, ids in todo:
        if on_done(*run_chunk(job, index, ids)):
            return


_POOL_JOB: list[Job] = []


def _pool_init(job: Job) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _POOL_JOB[:] = [job]


def _pool_chunk(index: int, ids: tuple[int, ...]) -> tuple[int, Any, list[dict[str, Any]]]:
    return run_chunk(_POOL_JOB[0], index, ids)


def _on_pool(job: Job, todo: list[tuple[int, tuple[int, ...]]], on_done: OnDone, workers: int) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from .parallel import can_fork

    ctx = multiprocessing.get_context("fork" if can_fork() else "spawn")
    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx, initializer=_pool_init,
                               initargs=(job,))
    queue: Iterator[tuple[int, tuple[int, ...]]] = iter(todo)
    pending: set[Any] = set()
    try:
        for c in _take(queue, workers * IN_FLIGHT):
            pending.add(pool.submit(_pool_chunk, *c))
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in sorted(finished, key=lambda f: f.result()[0]):
                if on_done(*f.result()):
                    return
                for c in _take(queue, 1):
                    pending.add(pool.submit(_pool_chunk, *c))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _take(it: Iterator[Any], k: int) -> list[Any]:
    out = []
    for _ in range(k):
        try:
            out.append(next(it))
        except StopIteration:
            break
    return out


def _on_dask(job: Job, todo: list[tuple[int, tuple[int, ...]]], on_done: OnDone, client: Any,
             scheduler: str | None) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError(Issue("running on a Dask cluster needs dask.distributed, which is not installed",
                               hint='pip install "impact[dask]" (or pip install "dask[distributed]")')) from None
    own = client is None
    if own:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise UsageError(Issue(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                                   hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`")
                             ) from None
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        shipped = client.scatter(job, broadcast=True, hash=False)
        queue = iter(todo)
        live = {client.submit(run_chunk, shipped, *c, pure=False) for c in _take(queue, workers * IN_FLIGHT)}
        running = as_completed(list(live))
        for fut in running:
            live.discard(fut)  # a result held by no future is freed on the cluster
            if on_done(*fut.result()):
                client.cancel(list(live))
                return
            for c in _take(queue, 1):
                nxt = client.submit(run_chunk, shipped, *c, pure=False)
                live.add(nxt)
                running.add(nxt)
    finally:
        if own:
            client.close()


# ------------------------------------------------------------------ chunks on disk
class Parts:
    """``<out>.parts/``: one Parquet file and one failures file per completed chunk, and a manifest
    naming the sweep they belong to (its token) and the chunk size (``out=None``: a temporary folder)."""

    def __init__(self, out: Path | None, token: str, chunk: int, n_variants: int, resume: bool) -> None:
        self.out = out
        if out is not None and out.suffix.lower() != ".parquet":
            raise UsageError(Issue(f"the sweep's output must be a .parquet file (got {out})",
                                   hint="e.g. --out outputs/sweep.parquet"))
        if out is not None and out.is_dir():
            raise UsageError(Issue(f"the sweep's output {out} is a folder", hint="give a file name ending in .parquet"))
        _need_pyarrow()
        self.temporary = out is None
        self.dir = Path(tempfile.mkdtemp(prefix="impact-sweep-")) if out is None else out.with_name(out.name + ".parts")
        manifest = {"token": token, "chunk": chunk, "variants": n_variants}
        path = self.dir / "manifest.json"
        if not self.temporary and self.dir.exists():
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = None
            n_old = len(list(self.dir.glob("chunk-*.parquet")))
            if not resume:
                raise UsageError(Issue(f"{self.dir} holds an interrupted sweep ({n_old} chunks done)",
                                       hint="add --resume (resume=True) to continue it, or delete the folder to "
                                            "start again"))
            if not isinstance(old, dict) or old.get("token") != token:
                raise UsageError(Issue(f"{self.dir} holds a sweep of other assumptions, design or draws",
                                       hint="resume it with the same inputs, or delete the folder to start again"))
            manifest = old
        elif not self.temporary:
            try:
                self.dir.mkdir(parents=True)
            except OSError as exc:
                raise OutputError(Issue(f"cannot create {self.dir}: {exc.strerror or exc}")) from None
        self.chunk = int(manifest["chunk"])
        _atomic(path, json.dumps(manifest).encode())
        self.done = {int(p.stem.split("-")[1]) for p in self.dir.glob("chunk-*.parquet")}

    def write(self, index: int, frame: Any, failures: list[dict[str, Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        _atomic(self.dir / f"chunk-{index:06d}.failures.json", json.dumps(failures).encode())
        table = pa.Table.from_pandas(frame, preserve_index=False)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        _atomic(self.dir / f"chunk-{index:06d}.parquet", sink.getvalue().to_pybytes())
        self.done.add(index)

    def failures(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in sorted(self.done):
            p = self.dir / f"chunk-{i:06d}.failures.json"
            out.extend(json.loads(p.read_text(encoding="utf-8")) if p.exists() else [])
        return sorted(out, key=lambda f: f["variant"])

    def tables(self, schema: Any) -> Iterator[Any]:
        import pyarrow.parquet as pq

        for i in sorted(self.done):
            yield pq.read_table(self.dir / f"chunk-{i:06d}.parquet").cast(schema)

    def assemble(self, d: Design, points: tuple[Any, ...], failures: list[dict[str, Any]], meta: dict[str, Any],
                 schema: Any) -> SweepResult:
        """The final file (atomically replaced), the parts folder removed; the result."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = schema.with_metadata({"impact.sweep": json.dumps(meta, sort_keys=True)})
        target = self.out if self.out is not None else self.dir / "sweep.parquet"
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        try:
            with pq.ParquetWriter(tmp, schema) as writer:
                buffer: list[Any] = []
                rows = 0
                for t in self.tables(schema):
                    buffer.append(t)
                    rows += t.num_rows
                    while rows >= ROWS_PER_GROUP:
                        whole = pa.concat_tables(buffer)
                        writer.write_table(whole.slice(0, ROWS_PER_GROUP), row_group_size=ROWS_PER_GROUP)
                        buffer, rows = [whole.slice(ROWS_PER_GROUP)], whole.num_rows - ROWS_PER_GROUP
                if rows or not self.done:
                    whole = pa.concat_tables(buffer) if buffer else schema.empty_table()
                    writer.write_table(whole, row_group_size=ROWS_PER_GROUP)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if self.temporary:  # nothing on disk to come back to: the table is kept in memory
            frame = pq.read_table(target).to_pandas()
            shutil.rmtree(self.dir, ignore_errors=True)
            return SweepResult(d, tuple(failures), meta, None, frame)
        shutil.rmtree(self.dir, ignore_errors=True)
        return SweepResult(d, tuple(failures), meta, target)


def _atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _need_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise UsageError(Issue("sweeps write Parquet, which needs pyarrow (not installed)",
                               hint='pip install "impact[parquet]" (or pip install pyarrow)')) from None
