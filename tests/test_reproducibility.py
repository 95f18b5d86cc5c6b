"""Same assumption files + seed -> identical numbers, bit for bit; a different seed -> different draws.

Two separate ``python -m impact run`` processes write workbooks that are compared cell by cell on
every sheet; only the About rows recording when the run started, how long it took and the command
line may differ.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from impact.assumptions import DEFAULT_DIR

from .conftest import ROOT, edit

VOLATILE_ABOUT_ROWS = ("run started (UTC)", "run time (s)", "command")


def _cells(path: Path) -> dict[str, dict[str, object]]:
    wb = openpyxl.load_workbook(path)
    out: dict[str, dict[str, object]] = {}
    for ws in wb.worksheets:
        cells: dict[str, object] = {}
        for row in ws.iter_rows():
            label = row[0].value if row else None
            volatile = ws.title == "About" and label in VOLATILE_ABOUT_ROWS
            for c in row:
                if c.value is None or (volatile and c.column > 1):
                    continue
                cells[c.coordinate] = c.value
        out[ws.title] = cells
    return out


@pytest.mark.slow
def test_two_runs_with_the_same_seed_write_identical_workbooks(model, cache_dir, tmp_path):
    work = tmp_path / "work"
    adir = work / "assumptions"
    shutil.copytree(DEFAULT_DIR, adir)
    edit(adir, "analysis.yaml", "    base_samples: 1024 ", "    base_samples: 64 ")
    edit(adir, "analysis.yaml", "    min_base_samples: 512 ", "    min_base_samples: 8 ")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # A: default (sensitivity in a worker process on Linux, sheets written while it runs); B: one process
    procs = {
        name: subprocess.Popen([sys.executable, "-m", "impact", "run", "--assumptions", "assumptions", "--draws", "300",
                                "--seed", "7", "--out", f"{name}.xlsx", "--cache-dir", cache_dir, "--quiet", *extra],
                               cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, extra in (("A", []), ("B", ["--jobs", "1"]))
    }
    for name, p in procs.items():
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, f"run {name} failed:\n{err}"
    a, b = _cells(work / "A.xlsx"), _cells(work / "B.xlsx")
    assert list(a) == list(b)
    assert "Sensitivity" in a and len(a["Sensitivity"]) > 50, "sensitivity tables missing"
    about = {v for k, v in a["About"].items() if k.startswith("A")}
    assert set(VOLATILE_ABOUT_ROWS) <= about, "the About rows to ignore were not found (renamed?)"
    for sheet in a:
        diff = [(k, a[sheet].get(k), b[sheet].get(k)) for k in sorted(set(a[sheet]) | set(b[sheet]))
                if a[sheet].get(k) != b[sheet].get(k)]
        assert not diff, f"{sheet}: {len(diff)} cells differ, e.g. {diff[:5]}"


def test_simulate_same_seed_same_draws_other_seed_other_draws(model):
    m1 = model.simulate("designation", draws=400, seed=11, variance_split=False)
    m2 = model.simulate("designation", draws=400, seed=11, variance_split=False)
    m3 = model.simulate("designation", draws=400, seed=12, variance_split=False)
    assert np.array_equal(m1.draws, m2.draws) and np.array_equal(m1.baseline, m2.baseline)
    assert m1.quantiles().equals(m2.quantiles())
    assert not np.array_equal(m1.draws, m3.draws)
    # different draws, not a permutation or a shift of the same ones: a permutation or shifted rows
    # would reuse seed 11's values, and continuous draws from another seed share none
    moving = m1.draws.std(axis=0).max(axis=1) > 0  # a channel the scenario does not move is 0 in every draw
    assert not np.isin(m3.draws[:, moving], m1.draws[:, moving]).any()


def test_sample_is_reproducible_and_seed_dependent(model):
    x1, f1 = model.sample("military_incursion", 256, 5)
    x2, f2 = model.sample("military_incursion", 256, 5)
    x3, _ = model.sample("military_incursion", 256, 6)
    assert np.array_equal(x1, x2)
    assert f1.keys() == f2.keys() and all(np.array_equal(f1[k], f2[k]) for k in f1)
    assert not np.array_equal(x1, x3)
