"""Faults while writing or estimating: the previous workbook survives, problems are reported cleanly.

(a) the writer fails midway, (b) the process is killed with SIGKILL while writing (at a chosen point
of the write, not after a delay), (c) the output cannot be written (as root: a read-only tmpfs),
(d) NaN/inf never reach the workbook, (e) an estimator that does not converge falls back to the
prior with an :class:`impact.EstimationWarning`.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
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
@pytest.mark.slow
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


@pytest.mark.slow
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
# A real `python -m impact run` whose output module stops at a chosen point of the write, tells the
# test where its temporary workbook is, and waits there to be killed: the kill lands exactly there,
# whatever the machine's speed (no timing window to hit).
_KILLABLE_RUN = r"""
import signal, sys
from impact import cli
from impact.report import output

point = sys.argv.pop(1)


def stop_here(tmp):
    print("READY", tmp, flush=True)
    while True:
        signal.pause()


if point == "writing":        # half of the bytes written to the temporary file
    def write_bytes(data, path):
        with open(path, "wb") as fh:
            fh.write(data[: len(data) // 2])
            fh.flush()
        stop_here(path)
    output.write_bytes = write_bytes
else:                         # "staged": temporary file complete, before any rename
    def commit(self):
        stop_here(self._files[0][1])
    output.OutputSet.commit = commit
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("point", ["writing", "staged"])
def test_sigkill_while_writing_leaves_previous_workbook_readable(model, cache_dir, tmp_path, point):
    work = tmp_path / "work"
    target = work / "outputs" / "impact.xlsx"
    old = _previous_workbook(target)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(tmp_path / "stderr.txt", "w") as err:
        proc = subprocess.Popen([sys.executable, "-c", _KILLABLE_RUN, point, "run", "--draws", "500",
                                 "--no-sensitivity", "--quiet", "--out", "outputs/impact.xlsx", "--cache-dir", cache_dir],
                                cwd=work, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
    watchdog = threading.Timer(300, proc.kill)  # only against a hung run; never decides the outcome
    watchdog.start()
    try:
        line = next((ln for ln in proc.stdout if ln.startswith("READY ")), None)
        if line is None:
            pytest.fail(f"the run ended (exit {proc.wait()}) before the kill point:\n"
                        f"{(tmp_path / 'stderr.txt').read_text()}")
        tmp = Path(line.split(" ", 1)[1].strip())
        assert tmp.parent == target.parent and tmp.is_file()  # staged beside the target
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finally:
        watchdog.cancel()
        if proc.poll() is None:  # pragma: no cover - only on test failure
            proc.kill()
            proc.wait()
        proc.stdout.close()
    _assert_intact(target, old)
    assert _leftovers(target.parent) == [tmp.name]  # only the killed run's temporary file is left
    if point == "staged":  # the kill came between a complete new workbook and its rename
        with open(tmp, "rb") as fh:  # (a file object: openpyxl refuses a .tmp name)
            assert "Summary" in openpyxl.load_workbook(fh).sheetnames


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


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


@contextlib.contextmanager
def _read_only_folder(folder: Path, fill) -> Iterator[None]:
    """``folder`` made read-only for this process after ``fill(folder)`` has written into it.

    Not root: ``chmod 0o500`` (restored afterwards).  Root ignores permission bits, so as root a small
    tmpfs is mounted on the folder, filled, remounted read-only (writes then fail with EROFS, and
    ``os.access(..., W_OK)`` is False even for root) and unmounted afterwards.  Skips, with the
    reason, only when neither works."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        fill(folder)
        folder.chmod(0o500)
        try:
            if os.access(folder, os.W_OK):  # e.g. CAP_DAC_OVERRIDE without being root
                pytest.skip(f"chmod 0o500 did not make {folder} read-only for this process (capabilities?)")
            yield
        finally:
            folder.chmod(0o700)
        return
    try:
        mounted = _run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(folder)])
    except FileNotFoundError:
        pytest.skip("running as root (folder permissions are ignored) and no `mount` command to make a read-only "
                    "tmpfs")
    if mounted.returncode != 0:
        pytest.skip(f"running as root (folder permissions are ignored) and mounting a tmpfs failed: "
                    f"{mounted.stderr.strip() or mounted.returncode}")
    try:
        fill(folder)
        remount = _run(["mount", "-o", "remount,ro", str(folder)])
        assert remount.returncode == 0, f"mount -o remount,ro failed: {remount.stderr}"
        assert not os.access(folder, os.W_OK), "the read-only tmpfs still reports as writable"
        yield
    finally:
        if _run(["umount", str(folder)]).returncode != 0:
            _run(["umount", "-l", str(folder)])  # lazy: detach even if something still holds it


def test_read_only_output_folder_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "outputs" / "impact.xlsx"
    old = {}
    with _read_only_folder(target.parent, lambda folder: old.setdefault("bytes", _previous_workbook(target))):
        rc, err = _cli(["run", "--out", "outputs/impact.xlsx", "--draws", "10", "--no-sensitivity"], capsys)
        # checked while the folder is still mounted (as root its content goes with the tmpfs)
        _assert_intact(target, old["bytes"])
        assert _leftovers(target.parent) == []
    assert rc == 2, err
    assert "cannot write" in err and "Traceback" not in err


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
    expected.loc["total", "lower"] = bad  # the mixture's P5, shown on the Summary sheet
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
@pytest.mark.slow
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
@pytest.mark.slow
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
