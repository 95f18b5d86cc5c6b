"""Every Monte Carlo draw of every scenario, inputs and outputs, as one table (``--draws-out``).

One row per (scenario, draw).  Input columns are named like the assumption files (``shocks.insecurity``,
``tourism.elasticity``, ``imports.baseline``: the quantile of the channel's forecast distribution),
in their units, plus ``<channel>.baseline_factor.<year>``, the multiplicative draw of each channel's
baseline path.  Output columns are ``impact.<channel>.<year>`` and ``impact.<channel>.cumulative``
(channel ``total`` included), US$ bn, negative = loss.

The inputs are drawn again from the run's seed (:func:`impact.sampling.sample` reproduces the
Monte Carlo's random streams, whatever its chunk size), so the table costs no memory during the
run; the outputs are the run's own draws.  Written as Parquet (``.parquet``, ``.pq``; needs
pyarrow: ``pip install "impact[parquet]"``) or CSV (``.csv``, ``.csv.gz``), never into the workbook.
"""
from __future__ import annotations

import importlib.util
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import Issue, OutputError, UsageError
from ..sampling import sample
from .output import check_file_path

if TYPE_CHECKING:  # pragma: no cover
    from ..api import AnalysisResult

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".gz": "csv.gz"}


def draws_format(path: str | os.PathLike[str]) -> str:
    """``"parquet"``, ``"csv"`` or ``"csv.gz"`` from the file name; a clear error (exit 2) otherwise,
    or when Parquet is asked for without pyarrow installed.  Checks the path can be written."""
    p = Path(path)
    suffixes = "".join(p.suffixes[-2:]).lower()
    fmt = "csv.gz" if suffixes.endswith(".csv.gz") else FORMATS.get(p.suffix.lower()) if p.suffix != ".gz" else None
    if fmt is None:
        raise UsageError(Issue(f"--draws-out: cannot tell the format of {str(p)!r} from its extension",
                               hint="use .parquet (or .pq), .csv or .csv.gz"))
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise UsageError(Issue("--draws-out: writing Parquet needs pyarrow, which is not installed",
                               hint='pip install "impact[parquet]", or give a .csv file name'))
    check_file_path(p, "--draws-out")
    return fmt


def draws_frame(res: AnalysisResult) -> pd.DataFrame:
    """Every draw of every scenario with a Monte Carlo: inputs, baseline factors and impacts."""
    model, seed = res.model, res.info.seed
    years = [str(y) for y in model.years]
    frames = []
    for name, mc in res.montecarlo.items():
        X, factors = sample(model, name, mc.n_draws, seed)
        cols: dict[str, np.ndarray] = {"scenario": np.full(mc.n_draws, name, dtype=object),
                                       "draw": np.arange(mc.n_draws)}
        cols.update({inp.name: X[:, j] for j, inp in enumerate(model.inputs(name))})
        for ch in model.channels:
            cols.update({f"{ch}.baseline_factor.{y}": factors[ch][:, t] for t, y in enumerate(years)})
        cube = np.concatenate([mc.draws, mc.draws.sum(axis=1, keepdims=True)], axis=1)
        for k, ch in enumerate([*mc.channels, "total"]):
            cols.update({f"impact.{ch}.{y}": cube[:, k, t] for t, y in enumerate(years)})
            cols[f"impact.{ch}.cumulative"] = mc.cumulative_draws(ch)  # as the headline sums them
        frames.append(pd.DataFrame(cols))
    if not frames:
        raise OutputError(Issue("--draws-out: there are no Monte Carlo draws to write (draws = 0)",
                                hint="run with --draws N (N > 0), or leave out --draws-out"))
    return pd.concat(frames, ignore_index=True)


def draws_bytes(res: AnalysisResult, fmt: str) -> bytes:
    """The draws table as the bytes of a Parquet or CSV file."""
    df = draws_frame(res)
    buf = io.BytesIO()
    if fmt == "parquet":
        df.to_parquet(buf, index=False, engine="pyarrow")
    else:
        df.to_csv(buf, index=False, lineterminator="\n", compression="gzip" if fmt == "csv.gz" else None)
    return buf.getvalue()
