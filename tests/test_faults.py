"""Faults while writing or estimating: the previous workbook survives, problems are reported cleanly.

(a) the writer fails midway, (b) the process is killed with SIGKILL while writing, (c) the output
cannot be written, (d) NaN/inf never reach the workbook, (e) an estimator that does not converge
falls back to the prior with an :class:`impact.EstimationWarning`.
"""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import openpyxl
import pytest

import impact
from impact import cli
from impact.report import excel
from impact.report.book import NonFiniteError

from .conftest import ROOT


def _previous_workbook(path: Path) -> bytes:
    """A real (small) workbook standing for the output of an earlier run; returns its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.active.title = "Summary"
    wb.active["A1"] = "previous run"
    wb.active["B2"] = 42.5
    wb.save(path)
    return path.read_bytes()


def _assert_intact(path: Path, old: bytes) -> None:
    assert path.read_bytes() == old, "the previous workbook was modified"
    wb = openpyxl.load_workbook(path)
    assert wb["Summary"]["A1"].value == "previous run" and wb["Summary"]["B2"].value == 42.5


def _leftovers(folder: Path, keep: str = "impact.xlsx") -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != keep)


@pytest.fixture(scope="module")
def result(model, cache_dir):
    """A small but complete analysis (fits come from the session cache)."""
    return impact.run_analysis(model.assumptions, draws=200, seed=3, sensitivity=False, cache_dir=cache_dir)


# ----------------------------------------------------------------------------- (a) writer fails midway
def test_save_failing_midway_leaves_previous_workbook_and_no_temp_file(result, tmp_path, monkeypatch):
    target = tmp_path / "out" / "impact.xlsx"
    old = _previous_workbook(target)
    calls = []

    def broken_save(data, filename):  # writes part of the file, then the disk "fills up"
        calls.append(filename)
        with open(filename, "wb") as fh:
            fh.write(data[:100])
        raise OSError(28, "No space left on device")

    from impact.report import output

    monkeypatch.setattr(output, "write_bytes", broken_save)
    with pytest.raises(impact.OutputError, match="No space left"):
        excel.write_workbook(result, target)
    assert calls and Path(calls[0]).parent == target.parent   # it did get as far as the temporary file
    _assert_intact(target, old)
    assert _leftovers(target.parent) == []


def test_sheet_builder_failing_midway_leaves_previous_workbook(result, tmp_path, monkeypatch):
    target = tmp_path / "impact.xlsx"
    old = _previous_workbook(target)

    def boom(wb, res):
        raise RuntimeError("sheet builder failed")

    from impact.report.sheets import sensitivity

    monkeypatch.setattr(sensitivity, "build", boom)   # written last, after every other sheet
    with pytest.raises(RuntimeError, match="sheet builder failed"):
        excel.write_workbook(result, target)
    _assert_intact(target, old)
    assert _leftovers(tmp_path) == []


# ----------------------------------------------------------------------------- (b) SIGKILL while writing
def _run_and_kill(work: Path, cache_dir: str, *, kill_after: float | None) -> tuple[str, bool]:
    """Start a run; SIGKILL it as soon as its temporary workbook appears (or after ``kill_after`` s).

    Returns (outcome, tmp_seen): outcome is 'killed' or 'finished' (the run ended before the kill)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = work / "outputs"
    proc = subprocess.Popen([sys.executable, "-m", "impact", "run", "--draws", "500", "--no-sensitivity", "--quiet",
                             "--out", "outputs/impact.xlsx", "--cache-dir", cache_dir],
                            cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    seen = False
    try:
        while proc.poll() is None and time.monotonic() - t0 < 120:
            if kill_after is None:
                seen = any(n.endswith(".tmp") for n in os.listdir(out))
                if seen:
                    break
            elif time.monotonic() - t0 >= kill_after:
                break
            time.sleep(0.001)
        if proc.poll() is not None:
            return "finished", seen
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        return "killed", seen
    finally:
        if proc.poll() is None:  # pragma: no cover - only on test failure
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_sigkill_while_writing_leaves_previous_workbook_readable(model, cache_dir, tmp_path):
    work = tmp_path / "work"
    target = work / "outputs" / "impact.xlsx"
    caught = False
    for _attempt in range(4):
        old = _previous_workbook(target)
        outcome, seen = _run_and_kill(work, cache_dir, kill_after=None)
        if outcome == "killed":
            tmp_left = [n for n in os.listdir(target.parent) if n.endswith(".tmp")]
            if tmp_left:   # killed before the rename: the old workbook must be exactly as it was
                _assert_intact(target, old)
                caught = True
                break
        # the run got past the rename first (or finished): the workbook is a complete new one
        assert "Summary" in openpyxl.load_workbook(target).sheetnames
        for n in os.listdir(target.parent):
            if n.endswith(".tmp"):
                os.unlink(target.parent / n)
    if not caught:
        # timing window missed on every attempt: at least kill in the middle of the run
        old = _previous_workbook(target)
        outcome, _ = _run_and_kill(work, cache_dir, kill_after=1.0)
        assert outcome == "killed", "the run finished in under a second"
        _assert_intact(target, old)


# ----------------------------------------------------------------------------- (c) output not writable
def _cli(args: list[str], capsys) -> tuple[int, str]:
    rc = cli.main(args)
    return rc, capsys.readouterr().err


def test_excel_lock_file_refuses_to_overwrite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "outputs" / "impact.xlsx"
    old = _previous_workbook(target)
    (target.parent / "~$impact.xlsx").write_bytes(b"\x00owner")
    rc, err = _cli(["run", "--out", "outputs/impact.xlsx", "--draws", "10", "--no-sensitivity"], capsys)
    assert rc == 2, err
    assert "open in Excel" in err and "~$impact.xlsx" in err and "close it and run again" in err
    assert "Traceback" not in err
    _assert_intact(target, old)
    assert _leftovers(target.parent) == ["~$impact.xlsx"]


def test_output_under_a_regular_file_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "blocker").write_text("a file, not a folder")
    rc, err = _cli(["run", "--out", "blocker/impact.xlsx", "--draws", "10", "--no-sensitivity"], capsys)
    assert rc == 2, err
    assert "blocker is a file" in err and "choose another --out path" in err
    assert "Traceback" not in err
    assert (tmp_path / "blocker").read_text() == "a file, not a folder"


def test_output_that_is_a_folder_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs" / "impact.xlsx").mkdir(parents=True)
    rc, err = _cli(["run", "--out", "outputs/impact.xlsx", "--draws", "10", "--no-sensitivity"], capsys)
    assert rc == 2, err
    assert "is a folder" in err and "Traceback" not in err
    assert (tmp_path / "outputs" / "impact.xlsx").is_dir()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_output_folder_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "outputs" / "impact.xlsx"
    old = _previous_workbook(target)
    target.parent.chmod(0o500)
    try:
        rc, err = _cli(["run", "--out", "outputs/impact.xlsx", "--draws", "10", "--no-sensitivity"], capsys)
    finally:
        target.parent.chmod(0o700)
    assert rc == 2, err
    assert "cannot write" in err and "Traceback" not in err
    _assert_intact(target, old)


# ----------------------------------------------------------------------------- (d) NaN / inf
def _with_run_impacts(res, bad):
    run = res.runs["designation"]
    impacts = run.impacts.copy()
    impacts.iloc[0, 0] = bad
    return dataclasses.replace(res, runs={**res.runs, "designation": dataclasses.replace(run, impacts=impacts)})


def _with_mc_draw(res, bad):
    mc = res.montecarlo["designation"]
    draws = mc.draws.copy()
    draws[0, 0, 0] = bad
    return dataclasses.replace(res, montecarlo={**res.montecarlo, "designation": dataclasses.replace(mc, draws=draws)})


def _with_expected(res, bad):
    expected = res.expected.copy()
    expected.iloc[0, 0] = bad
    return dataclasses.replace(res, expected=expected)


@pytest.mark.parametrize("inject,bad", [
    pytest.param(_with_run_impacts, float("nan"), id="central-nan"),
    pytest.param(_with_run_impacts, float("inf"), id="central-inf"),
    pytest.param(_with_mc_draw, float("inf"), id="draw-inf"),
    pytest.param(_with_mc_draw, -float("inf"), id="draw-neg-inf"),
    pytest.param(_with_expected, float("inf"), id="expected-inf"),
    pytest.param(_with_mc_draw, float("nan"), id="draw-nan"),
    pytest.param(_with_expected, float("nan"), id="expected-nan"),
])
def test_non_finite_numbers_never_reach_the_workbook(result, tmp_path, inject, bad):
    target = tmp_path / "impact.xlsx"
    old = _previous_workbook(target)
    with pytest.raises(NonFiniteError):
        excel.write_workbook(inject(result, bad), target)
    _assert_intact(target, old)
    assert _leftovers(tmp_path) == []


def test_non_finite_refused_before_any_file_is_created(result, tmp_path):
    target = tmp_path / "new" / "impact.xlsx"
    with pytest.raises(NonFiniteError):
        excel.write_workbook(_with_run_impacts(result, float("nan")), target)
    assert not (tmp_path / "new").exists() or list((tmp_path / "new").iterdir()) == []


# ----------------------------------------------------------------------------- (e) estimator fails to converge
def test_sarima_not_converging_warns_and_uses_the_prior(assumptions, monkeypatch):
    from impact.channels import imports

    def not_converged(logy, exog, maxiter, order=imports.DEFAULT_ORDER, seasonal=imports.DEFAULT_SEASONAL):
        # the same model stopped after 3 optimizer iterations (the real fit takes far longer), reported as not converged
        from statsmodels.tools.sm_exceptions import ConvergenceWarning

        model = imports.sarima_model(logy.to_numpy(), exog.to_numpy(), order, seasonal)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = model.fit(disp=False, maxiter=3)
        res.mle_retvals = {**(res.mle_retvals or {}), "converged": False}
        return res

    monkeypatch.setattr(imports, "_fit_sarima", not_converged)
    with pytest.warns(impact.EstimationWarning, match="did not converge"):
        model = impact.fit(assumptions, cache=False)
    pooled = model.fits["imports"].pooled["trade_elasticity"]
    assert pooled.mode == "prior"
    prior = assumptions.scenario("baseline").parameters["imports.trade_elasticity"].prior
    assert pooled.value == pytest.approx(prior.mean)
    diag = {d.name: d for d in model.fits["imports"].main.diagnostics}
    assert diag["Converged"].statistic == 0.0


def test_new_workbook_gets_normal_permissions(tmp_path):
    import os
    import stat

    from impact.report.output import file_mode

    old = os.umask(0o022)
    try:
        assert file_mode(tmp_path / "new.xlsx") == 0o644
    finally:
        os.umask(old)
    existing = tmp_path / "old.xlsx"
    existing.write_bytes(b"x")
    existing.chmod(0o640)
    assert file_mode(existing) == 0o640
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
