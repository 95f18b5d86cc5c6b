"""Tidy CSV export of the same tables the workbook shows (for R, Stata, BI tools)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ..api import AnalysisResult


def tables(res: AnalysisResult) -> dict[str, pd.DataFrame]:
    out = {
        "central": pd.concat([r.to_frame() for r in res.runs.values()], ignore_index=True),
        "estimates": pd.concat([f.tidy().assign(channel=ch) for ch, f in res.model.fits.items()], ignore_index=True),
        "pooled": pd.concat([f.pooled_frame().assign(channel=ch) for ch, f in res.model.fits.items()], ignore_index=True),
    }
    if res.montecarlo:
        out["montecarlo"] = pd.concat([m.to_frame() for m in res.montecarlo.values()], ignore_index=True)
        out["expected"] = res.expected.reset_index()
    sens = [t.to_frame() for block in res.sensitivity.values() for t in block.values()]
    if sens:
        out["sensitivity"] = pd.concat(sens, ignore_index=True)
    out["assumptions"] = pd.concat([res.model.resolve(n).to_frame() for n in res.runs], ignore_index=True)
    out["about"] = res.info.to_frame()
    return out


def write_csv(res: AnalysisResult, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables(res).items():
        target = folder / f"{name}.csv"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".tmp")
        os.close(fd)
        df.to_csv(tmp, index=False, lineterminator="\n")
        os.replace(tmp, target)
        written.append(target)
    return written
