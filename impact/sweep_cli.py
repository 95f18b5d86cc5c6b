"""``impact sweep DESIGN``: the command line of :func:`impact.sweep_exec.sweep` (parser, progress bar, report)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

DESCRIPTION = """\
Run many assumption variants, each with its own Monte Carlo, and write their statistics to Parquet.

DESIGN is a sweep.yaml (see assumptions/README.md): the inputs to vary and how (a full grid, a Latin
hypercube or Sobol' points over ranges, or a list of assumption folders).  Each variant is the
assumption folder with the design's values set; estimators refit only when a variant changes their
data or options.  Results: one row per variant, scenario, target and statistic (mean, sd, p5, p50,
p95 of the draws, the deterministic run, and the share of draws losing more than each threshold of
analysis.yaml), cumulative over the horizon, plus a summary workbook next to the Parquet file.

Use `run` for one set of assumptions (the full workbook with sensitivity tables); use `sweep` to ask
how the answer changes across many plausible sets of judgment calls."""

EPILOG = """\
examples:
  python -m impact sweep assumptions/sweep.yaml
  python -m impact sweep assumptions/sweep.yaml --draws 2000 --workers 2 --out outputs/sweep.parquet
  python -m impact sweep sweep.yaml --scheduler tcp://10.0.0.5:8786     on an existing Dask cluster
  python -m impact sweep sweep.yaml --resume                            continue an interrupted sweep

Same design, assumptions and seed give the same file, byte for byte, serially, on a pool or a cluster.
exit status: 0 ok, 2 invalid input (file:line messages), 1 a variant failed (listed; the others are
written) or an unexpected error, 130 interrupted (completed chunks are kept: add --resume)."""


def add_parser(sub: Any, common: Any) -> None:
    s = sub.add_parser("sweep", help="run many assumption variants (grid, Latin hypercube, Sobol', folders) to Parquet",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("design", metavar="DESIGN", help="the sweep design, a sweep.yaml")
    common(s)
    s.add_argument("--out", "-o", metavar="FILE",
                   help="Parquet file to write (default: outputs/sweep.parquet); the summary workbook goes next to it "
                        "(FILE with .xlsx)")
    s.add_argument("--draws", "-n", type=int, metavar="N",
                   help="Monte Carlo draws per variant and scenario (default: the design's draws, else settings.draws)")
    s.add_argument("--scenario", "-s", metavar="NAME", action="append", nargs="+",
                   help="run only these scenarios (default: the design's, else every scenario but the baseline)")
    s.add_argument("--workers", "-w", type=int, metavar="N",
                   help="local worker processes (default: the CPU count; 1 runs in this process)")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help='run on an existing Dask cluster, e.g. tcp://host:8786 (needs pip install "impact[dask]")')
    s.add_argument("--resume", action="store_true", help="continue an interrupted sweep into the same --out")
    s.add_argument("--fail-fast", action="store_true", help="stop at the first failing variant")
    s.add_argument("--no-workbook", action="store_true", help="write only the Parquet file")
    s.add_argument("--no-cache", action="store_true", help="refit the estimators instead of using the fit cache")
    s.add_argument("--cache-dir", metavar="DIR",
                   help="fit-cache folder (default: $XDG_CACHE_HOME/impact or ~/.cache/impact)")


class Bar:
    """Variants done, rate and time left, on one line of stderr (only on a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.first: int | None = None
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.first is None:
            self.first, self.start = done, now  # resumed chunks do not count towards the rate
            return
        if done < total and now - self.last < 0.25:
            return
        self.last = now
        rate = (done - self.first) / max(now - self.start, 1e-9)
        left = (total - done) / rate if rate > 0 else float("nan")
        width = 28
        fill = int(width * done / max(total, 1))
        eta = f"{int(left // 60)}m{int(left % 60):02d}s left" if left == left else "--"
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\rsweep [{'#' * fill}{'.' * (width - fill)}] {done:,}/{total:,} variants, "
                         f"{rate:.2f}/s, {eta}   {end}")
        sys.stderr.flush()


def command(args: argparse.Namespace, scenario_args: Any, default_assumptions: Any) -> int:
    from .api import load_assumptions
    from .errors import Issue, UsageError
    from .sweep_exec import sweep

    folder = args.assumptions or default_assumptions()
    a = load_assumptions(folder, allow_absolute_paths=args.allow_absolute_paths)
    names = scenario_args(args.scenario, a.scenario_names)
    out = Path(args.out or "outputs/sweep.parquet")
    if args.draws is not None and args.draws < 1:
        raise UsageError(Issue(f"--draws must be at least 1 (got {args.draws})", hint="e.g. --draws 2000"))
    if args.workers is not None and args.workers < 1:
        raise UsageError(Issue(f"--workers must be at least 1 (got {args.workers})", hint="e.g. --workers 2"))
    from .report.output import check_file_path, check_workbook_path

    check_file_path(out, "--out")  # before any work: a folder, a locked or read-only file
    if not args.no_workbook:
        check_workbook_path(out.with_suffix(".xlsx"))
    bar = Bar(not args.quiet)
    args.sweep_parts = out.with_name(out.name + ".parts")  # named by main() if Ctrl-C stops the sweep
    res = sweep(a, args.design, out=out, draws=args.draws, scenarios=names, workers=args.workers,
                scheduler=args.scheduler, resume=args.resume, fail_fast=args.fail_fast, cache=not args.no_cache,
                cache_dir=args.cache_dir, progress=bar)
    book = None
    if not args.no_workbook:
        from .report.output import OutputSet
        from .report.sweep_book import sweep_workbook

        book = out.with_suffix(".xlsx")
        outputs = OutputSet()
        try:
            outputs.stage_file(book, sweep_workbook(res))
            outputs.commit()
        finally:
            outputs.abort()
    if not args.quiet:
        print(summary_text(res))
        print(f"\nResults written to {out}" + (f"; summary workbook {book}" if book else ""))
    if res.failures:
        for f in res.failures:
            over = ", ".join(f"{k} = {v}" for k, v in f["overrides"].items())
            sys.stderr.write(f"error: variant {f['variant']} ({over}) failed: {f['error']}\n")
        sys.stderr.write(f"error: {len(res.failures)} of {res.n_variants} variants failed; the others are in {out}\n")
        return 1
    return 0


def summary_text(res: Any) -> str:
    """The console summary: total cumulative change across variants, by scenario."""
    s = res.summary()
    lines = [f"Sweep: {res.n_variants:,} variants x {len(res.scenarios)} scenarios x {res.metadata['draws']:,} draws "
             f"({res.metadata['method']}, random numbers {res.metadata['random_numbers']})",
             f"Total change, {res.metadata['period']}, US$ bn ({res.metadata['price_basis']}), across variants:",
             f"  {'scenario':<22}{'statistic':<16}{'min':>10}{'P5':>10}{'median':>10}{'P95':>10}{'max':>10}"]
    for (sc, st), row in s.iterrows():
        fmt = "{:>10.1%}" if st.startswith("p_loss_gt_") else "{:>10,.1f}"
        label = f"P(loss > {st.removeprefix('p_loss_gt_')} bn)" if st.startswith("p_loss_gt_") else \
            {"p50": "median", "p5": "P5", "p95": "P95", "mean": "mean"}.get(st, st)
        lines.append(f"  {sc:<22}{label:<16}" + "".join(fmt.format(row[c]) for c in ("min", "p5", "p50", "p95", "max")))
    return "\n".join(lines)
