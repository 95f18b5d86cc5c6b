"""``--draws-out FILE``: every Monte Carlo draw of every scenario, inputs and impacts, as Parquet or
CSV; the impacts equal a fresh ``model.simulate`` with the run's seed, and the inputs reproduce
them through the model's own equations; bad requests fail before any work with exit 2."""
from __future__ import annotations

import importlib.util

import numpy as np
import openpyxl
import pandas as pd
import pytest

import impact

from .conftest import run_main as _main

# end to end: a whole run (command line, workbook, files); `-m "not slow"` leaves the file out
pytestmark = pytest.mark.slow

DRAWS, SEED = 150, 11
RUN = ["run", "--draws", str(DRAWS), "--seed", str(SEED), "--no-sensitivity", "--out", "outputs/impact.xlsx",
       "--scenario", "designation", "military_incursion"]


def _check(df: pd.DataFrame, model: impact.Model) -> None:
    years = [str(y) for y in model.years]
    assert sorted(set(df["scenario"])) == ["baseline", "designation", "military_incursion"]
    for name, part in df.groupby("scenario", sort=False):
        assert part["draw"].tolist() == list(range(DRAWS))
        mc = model.simulate(name, draws=DRAWS, seed=SEED)
        np.testing.assert_array_equal(part["impact.total.cumulative"].to_numpy(), mc.draws.sum(axis=(1, 2)))
        # the inputs give the impacts through the model's equations
        inputs = model.inputs(name)
        X = part[[i.name for i in inputs]].to_numpy()
        factors = {ch: part[[f"{ch}.baseline_factor.{y}" for y in years]].to_numpy() for ch in model.channels}
        out = model.evaluate(name, X, factors, inputs=inputs)
        for k, ch in enumerate(model.channels):
            got = part[[f"impact.{ch}.{y}" for y in years]].to_numpy()
            np.testing.assert_allclose(got, out.impact[:, k, :], rtol=1e-12, atol=1e-15)


def test_csv_holds_every_draw_with_its_inputs(work, cache_dir, capsys):
    rc, out, err = _main([*RUN, "--cache-dir", cache_dir, "--draws-out", "outputs/draws.csv"], capsys)
    assert rc == 0, err
    assert "Every Monte Carlo draw written to outputs/draws.csv" in out
    df = pd.read_csv(work / "outputs" / "draws.csv")
    assert len(df) == 3 * DRAWS
    _check(df, impact.fit(impact.load_assumptions("assumptions"), cache_dir=cache_dir))
    assert openpyxl.load_workbook(work / "outputs" / "impact.xlsx", read_only=True).sheetnames[0] == "Summary"


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow is not installed (impact[parquet])")
def test_parquet_holds_the_same_table(work, cache_dir, capsys):
    rc, _, err = _main([*RUN, "--cache-dir", cache_dir, "--draws-out", "outputs/draws.parquet",
                        "--csv", "outputs/tables"], capsys)
    assert rc == 0, err
    df = pd.read_parquet(work / "outputs" / "draws.parquet")
    _check(df, impact.fit(impact.load_assumptions("assumptions"), cache_dir=cache_dir))
    assert not any(p.name.startswith("draws") for p in (work / "outputs" / "tables").iterdir())


@pytest.mark.parametrize("args,message", [
    (["--draws-out", "outputs/draws.xlsx"], "cannot tell the format"),
    (["--draws-out", "outputs/draws.csv", "--draws", "0"], "needs Monte Carlo draws"),
    (["--draws-out", "outputs/impact.xlsx"], "--draws-out and --out name the same file"),
    (["--draws-out", "outputs/sub.csv"], "is a folder"),
])
def test_bad_requests_fail_before_any_work(work, cache_dir, capsys, args, message):
    (work / "outputs" / "sub.csv").mkdir(parents=True)
    rc, out, err = _main([*RUN, "--cache-dir", cache_dir, *args], capsys)
    assert rc == 2 and message in err and "Traceback" not in err
    assert [p.name for p in (work / "outputs").iterdir()] == ["sub.csv"], "nothing was written"


def test_parquet_without_pyarrow_says_how_to_get_it(work, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "pyarrow" else real(n, *a))
    rc, _, err = _main([*RUN, "--draws-out", "outputs/draws.parquet"], capsys)
    assert rc == 2 and 'pip install "impact[parquet]"' in err
