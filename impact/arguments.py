"""Checks of run arguments shared by the command line and the API: types, ranges and memory.

The CLI and ``impact.run_analysis``/``Model.simulate``/``Model.sensitivity`` reject the same bad
values with the same :class:`~impact.errors.UsageError` (exit status 2 on the command line): no
silent coercion (``draws="10"``, ``seed=True``), no numpy error from deep inside, and no Monte Carlo
that would exhaust memory after minutes of work: its size is estimated and refused up front.
This module imports nothing heavy (no numpy): the CLI checks arguments before loading anything.
"""
from __future__ import annotations

import os
from typing import Any

from .errors import Issue, UsageError

#: Most Monte Carlo draws per scenario a run accepts (settings.draws and --draws).
MAX_DRAWS = 5_000_000
#: Fewer draws than this: quantiles (P5, P95) rest on a handful of draws; a warning says so.
MIN_RELIABLE_DRAWS = 100
MAX_SEED = 2**63 - 1
#: Bytes per draw, scenario, channel and year that a run keeps or passes through (impacts and
#: baselines (2), the quantile cubes in US$ and % including totals (2), and one working copy).
_BYTES_PER_CELL = 8 * 5
_OVERHEAD = 400 * 2**20  # libraries, data, fits, the workbook being built


def _name(name: str, cli: bool) -> str:
    return f"--{name.replace('_', '-')}" if cli else name


def integer(value: Any, name: str, *, low: int | None = None, high: int | None = None, cli: bool = False,
            hint: str = "") -> int:
    """``value`` as an int, refusing bools, floats, strings and values outside [low, high]."""
    shown = _name(name, cli)
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            import numpy as np  # numpy integers are fine; imported only on this unusual path

            if isinstance(value, np.integer):
                value = int(value)
            else:
                raise TypeError
        except (ImportError, TypeError):
            raise UsageError(Issue(f"{shown} must be a whole number (got {value!r} of type {type(value).__name__})",
                                   hint=hint or "pass an int")) from None
    if low is not None and value < low or high is not None and value > high:
        rng = (f"between {low:,} and {high:,}" if low is not None and high is not None
               else f">= {low:,}" if low is not None else f"<= {high:,}")
        raise UsageError(Issue(f"{shown} must be {rng} (got {value:,})", hint=hint or f"allowed: {rng}"))
    return int(value)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux MemAvailable), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def run_memory(draws: int, scenarios: int, channels: int, years: int) -> int:
    """Estimated peak memory (bytes) of a run's Monte Carlo: every scenario's draws are kept."""
    cells = (channels + 1) * (years + 1)
    return _OVERHEAD + draws * (scenarios + 1) * cells * _BYTES_PER_CELL


def check_memory(needed: int, what: str, hint: str) -> None:
    avail = available_memory()
    if avail is not None and needed > 0.8 * avail:
        raise UsageError(Issue(f"{what} needs about {needed / 2**30:.1f} GiB of memory; "
                               f"{avail / 2**30:.1f} GiB are available", hint=hint))


def check_run_arguments(*, draws: Any = None, seed: Any = None, jobs: Any = None, scenarios: int | None = None,
                        assumptions: Any = None, cli: bool = False) -> None:
    """Raise :class:`UsageError` for a bad ``draws``, ``seed`` or ``jobs`` (None: not given), and
    when ``draws`` for ``scenarios`` scenarios of ``assumptions`` would not fit in memory."""
    if draws is not None:
        draws = integer(draws, "draws", low=0, high=MAX_DRAWS, cli=cli,
                        hint=f"give the Monte Carlo draws per scenario, 0 to {MAX_DRAWS:,}; 0 skips the Monte Carlo")
    if seed is not None:
        integer(seed, "seed", low=0, high=MAX_SEED, cli=cli, hint="e.g. " + ("--seed 7" if cli else "seed=7"))
    if jobs is not None:
        integer(jobs, "jobs", low=1, high=max(64, (os.cpu_count() or 1) * 4), cli=cli,
                hint="e.g. " + ("--jobs 1" if cli else "jobs=1") + " to use one process")
    if draws and assumptions is not None and scenarios:
        s = assumptions.settings
        need = run_memory(draws, scenarios, len(assumptions.channels), s.horizon)
        check_memory(need, f"{draws:,} draws x {scenarios} scenarios",
                     "lower " + ("--draws" if cli else "draws") + " or run fewer scenarios")


def sobol_memory(base_samples: int, inputs: int, channels: int, years: int) -> int:
    """Estimated peak memory (bytes) of a Sobol analysis of ``inputs`` uncertain inputs: one batch of
    N (k + 2) evaluations (input matrix, impacts and baselines, targets) and the estimators' arrays."""
    rows = base_samples * (inputs + 2)
    targets = channels + 1
    return _OVERHEAD + rows * 8 * (inputs + 2 * channels * years + targets) + base_samples * inputs * targets * 16
