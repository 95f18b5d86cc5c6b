"""Hostile or careless use that must not run code, corrupt outputs or crash (issue "Safe by construction").

The rejections with exit status 2 live in the corpus ``tests/fixtures/invalid/``; here are the
cases whose outcome is not a validation message: forged fit-cache entries in a shared folder, text
that would become spreadsheet formulas in CSV output, failures and Ctrl-C while outputs are
written, objects that must travel to other processes, and API arguments.
"""
from __future__ import annotations

import copy
import csv
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import impact
from impact import cli
from impact.assumptions import DEFAULT_DIR
from impact.cache import SUBDIR

from .conftest import ROOT, edit
from .test_cache import _forgeries
from .test_invalid_inputs import snapshot

RUN = ["run", "--assumptions", "assumptions", "--draws", "100", "--no-sensitivity", "--out", "outputs/impact.xlsx"]


@pytest.fixture()
def work(tmp_path, monkeypatch, cache_dir):
    """A working folder with assumptions, a previous workbook, a previous CSV folder and a user file."""
    w = tmp_path / "work"
    shutil.copytree(DEFAULT_DIR, w / "assumptions")
    (w / "outputs" / "tables").mkdir(parents=True)
    (w / "outputs" / "impact.xlsx").write_bytes(b"PK previous workbook")
    (w / "outputs" / "tables" / "deterministic.csv").write_bytes(b"old,table\n1,2\n")
    (w / "outputs" / "tables" / "central.csv").write_bytes(b"old,table of an earlier version\n")
    (w / "outputs" / "tables" / "montecarlo.csv").write_bytes(b"old,montecarlo\n")
    (w / "notes.txt").write_text("mine")
    monkeypatch.chdir(w)
    return w


def _run(args, capsys):
    rc = cli.main(args)
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err and "unexpected error" not in cap.err, cap.err
    return rc, cap.err


# ----------------------------------------------------------------------------- the fit cache
@pytest.mark.slow
def test_forged_cache_folder_runs_nothing_and_the_run_succeeds(work, tmp_path, model, cache_dir, capsys):
    """A shared --cache-dir whose every entry was replaced by a forgery (pickles, pickles behind the
    old header and digest, object arrays, unknown classes and functions, lying array headers)."""
    shared = tmp_path / "shared"
    shutil.copytree(cache_dir, shared)
    flag = tmp_path / "PWNED"
    forged = list(_forgeries(flag).values())
    entries = sorted((shared / SUBDIR).glob("entry-*.npz"))
    assert entries
    for i, e in enumerate(entries):
        e.write_bytes(forged[i % len(forged)])
    (shared / "theirs.pkl").write_bytes(b"someone else's file")
    rc, err = _run([*RUN, "--cache-dir", str(shared)], capsys)
    assert rc == 0, err
    assert not flag.exists()
    assert err.count("ignoring an unreadable fit-cache entry") == 1
    assert (shared / "theirs.pkl").read_bytes() == b"someone else's file"
    assert (work / "outputs" / "impact.xlsx").read_bytes()[:2] == b"PK"


# ----------------------------------------------------------------------------- CSV injection
INJECT = {
    "scenario label": ("scenarios.yaml", "  label: FTO designation (S0)\n", "  label: \"=HYPERLINK(\\\"http://x.invalid\\\")\"\n"),
    "title": ("settings.yaml", "  title: Economic impact of a U.S. FTO designation of Mexican cartels\n",
              "  title: '@SUM(1+1)*cmd|'' /C calc''!A0'\n"),
    "parameter label": ("channels.yaml", "      label: Time cost of a day in transit\n", "      label: \"+cmd|' /C calc'!A0\"\n"),
    "source": ("scenarios.yaml", "      source: \"USDA-APHIS suspensions of about one week (Feb-2022, Jun-2024; AP); "
                                 "high end = -6 % of exposed lines.\"\n",
               "      source: \"-2+3+cmd|' /C calc'!A0\"\n"),
    "description": ("channels.yaml", "  description: U.S. general imports of goods from Mexico (Census, customs value), "
                                     "annual sums of monthly forecasts.\n", "  description: \"\\tcmd\"\n"),
}


@pytest.mark.slow
def test_csv_tables_cannot_carry_formulas(work, capsys):
    for file, old, new in INJECT.values():
        edit(work / "assumptions", file, old, new)
    rc, err = _run([*RUN, "--csv", "outputs/tables"], capsys)
    assert rc == 0, err
    seen_negative_number = seen_neutralised = False
    for f in (work / "outputs" / "tables").glob("*.csv"):
        with open(f, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\n"):
                        float(cell)  # only numbers may start like a formula (e.g. -21.5)
                        seen_negative_number = True
                    if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@", "\t"):
                        seen_neutralised = True
    assert seen_negative_number and seen_neutralised
    text = (work / "outputs" / "tables" / "scenarios.csv").read_text()
    assert "'=HYPERLINK(" in text
    # numbers stay numbers
    import pandas as pd

    central = pd.read_csv(work / "outputs" / "tables" / "deterministic.csv")
    assert central["value"].dtype.kind == "f" and (central["value"] < 0).any()


@pytest.mark.parametrize("text,safe", [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-1.5", "-1.5"), ("+3", "+3"), ("-2e-3", "-2e-3"), ("plain", "plain"), ("", ""),
    ("a=b", "a=b"), ("-", "'-"),
])
def test_neutralise(text, safe):
    from impact.report.tables import neutralise

    assert neutralise(text) == safe


# ----------------------------------------------------------------------------- outputs all or nothing
@pytest.mark.slow
def test_disk_full_while_writing_csv_leaves_every_previous_output(work, tmp_path, monkeypatch, capsys):
    from impact.report import output

    calls = []
    real = output.write_bytes

    def fill_up(data, path):
        calls.append(path)
        if len(calls) == 4:  # the workbook and two tables written, then the disk is full
            with open(path, "wb") as fh:
                fh.write(data[:10])
            raise OSError(28, "No space left on device")
        real(data, path)

    monkeypatch.setattr(output, "write_bytes", fill_up)
    before = snapshot(work, folder_times=False)
    rc, err = _run([*RUN, "--csv", "outputs/tables"], capsys)
    assert rc == 2, err
    assert "No space left on device" in err and "previous outputs were left untouched" in err
    assert snapshot(work, folder_times=False) == before  # workbook, tables, user file; no temporary file left


@pytest.mark.slow
def test_ctrl_c_before_the_commit_changes_nothing(work, monkeypatch, capsys):
    from impact.report import output

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(output.OutputSet, "commit", interrupted)
    before = snapshot(work, folder_times=False)
    rc, err = _run([*RUN, "--csv", "outputs/tables"], capsys)
    assert rc == 130
    assert err.strip().splitlines()[-1] == "interrupted; no output was written or replaced"
    assert snapshot(work, folder_times=False) == before


@pytest.mark.slow
def test_ctrl_c_during_the_commit_waits_for_it_and_says_what_was_written(work, monkeypatch, capsys):
    replace = os.replace
    sent = []

    def replace_and_interrupt(a, b):
        if not sent:
            sent.append(b)
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives between the workbook and the tables
        replace(a, b)

    monkeypatch.setattr(os, "replace", replace_and_interrupt)
    rc, err = _run([*RUN, "--csv", "outputs/tables"], capsys)
    assert rc == 130 and sent
    assert err.strip().splitlines()[-1] == ("interrupted after the outputs were written (outputs/impact.xlsx, "
                                            "outputs/tables); nothing else was changed")
    tables = work / "outputs" / "tables"
    assert not (tables / "montecarlo.csv").read_bytes().startswith(b"old")  # all of the new set, none of the old
    assert not (tables / "deterministic.csv").read_bytes().startswith(b"old")
    assert not (tables / "central.csv").exists()  # the table's name before version 0.2: stale, removed
    assert [p.name for p in (work / "outputs").iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_stale_tables_of_an_earlier_run_are_removed(work, capsys):
    """A run without Monte Carlo writes no montecarlo.csv: the old one must not stay beside the new set."""
    (work / "outputs" / "tables" / "my_own.csv").write_text("kept")
    rc, err = _run(["run", "--assumptions", "assumptions", "--draws", "0", "--no-sensitivity", "--out",
                    "outputs/impact.xlsx", "--csv", "outputs/tables"], capsys)
    assert rc == 0, err
    names = {p.name for p in (work / "outputs" / "tables").iterdir()}
    assert "montecarlo.csv" not in names and "deterministic.csv" in names and "central.csv" not in names
    assert (work / "outputs" / "tables" / "my_own.csv").read_text() == "kept"


#: ``python -m impact ARGS`` once the interpreter is up: says "ready" on stderr, then runs the package's
#: __main__ exactly as ``-m`` does
_BOOT = ("import runpy, sys; sys.stderr.write('ready\\n'); sys.stderr.flush(); sys.argv[0] = 'impact'; "
         "runpy.run_module('impact', run_name='__main__', alter_sys=True)")


def _subprocess_env(tmp_path):
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                XDG_CACHE_HOME=str(tmp_path / "xdg"))


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.15, 0.4, 0.8, 1.5])
def test_ctrl_c_at_any_moment_gives_one_line_and_status_130(work, tmp_path, delay):
    """SIGINT during start-up imports, loading, fitting or the Monte Carlo: status 130, one line, no
    traceback, previous outputs untouched."""
    before = snapshot(work / "outputs", folder_times=False)
    proc = subprocess.Popen([sys.executable, "-c", _BOOT, *RUN, "--csv", "outputs/tables"], cwd=work,
                            env=_subprocess_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # the delay counts from when the interpreter runs code: a signal during Python's own start-up (site
    # import, bytecode compilation in a fresh venv on a loaded machine) is the interpreter's, not impact's
    assert proc.stderr.readline() == "ready\n"
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # finished before the signal arrived: nothing to check
        return
    assert proc.returncode == 130, (proc.returncode, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = [ln for ln in err.splitlines() if ln.startswith("interrupted")]
    assert len(lines) == 1 and err.strip().endswith(lines[0]), err
    if lines[0] == "interrupted; no output was written or replaced":
        assert snapshot(work / "outputs", folder_times=False) == before


# ----------------------------------------------------------------------------- objects that travel
def test_every_result_object_pickles_and_deep_copies(model, cache_dir):
    a = model.assumptions
    res = impact.run_analysis(a, ["designation"], draws=200, seed=4, cache_dir=cache_dir)
    objects = {"assumptions": a, "scenario": a.scenario("designation"), "model": model,
               "fit": model.fits["imports"], "run": res.runs["designation"], "montecarlo": res.montecarlo["designation"],
               "sensitivity": res.sensitivity["designation"]["tornado:total"], "analysis": res, "info": res.info,
               "error": impact.AssumptionError([impact.errors.Issue("x", file="f.yaml", line=3)])}
    for name, obj in objects.items():
        for back in (pickle.loads(pickle.dumps(obj)), copy.deepcopy(obj)):
            assert type(back) is type(obj), name
    m2 = pickle.loads(pickle.dumps(model))
    assert m2.run("designation").impacts.equals(model.run("designation").impacts)
    np.testing.assert_array_equal(m2.simulate("designation", draws=300, seed=2).draws,
                                  model.simulate("designation", draws=300, seed=2).draws)
    a2 = pickle.loads(pickle.dumps(a))
    assert a2.override({"tourism.base_level.value": 20.0}).scenario("baseline").parameters[
        "tourism.base_level"].value == 20.0
    r2 = pickle.loads(pickle.dumps(res))
    assert r2.summary().equals(res.summary())
    e2 = pickle.loads(pickle.dumps(objects["error"]))
    assert e2.issues == objects["error"].issues


# ----------------------------------------------------------------------------- API arguments
@pytest.mark.parametrize("call", [
    lambda m: impact.run_analysis(m.assumptions, seed=-1),
    lambda m: impact.run_analysis(m.assumptions, jobs=0),
    lambda m: impact.run_analysis(m.assumptions, draws="10"),
    lambda m: impact.run_analysis(m.assumptions, draws=2.5),
    lambda m: impact.run_analysis(m.assumptions, sensitivity="yes"),
    lambda m: impact.run_analysis(m.assumptions, scenarios=[1]),
    lambda m: impact.run_analysis(42),
    lambda m: m.simulate("designation", draws=True),
    lambda m: m.simulate("designation", seed=-5),
    lambda m: m.sensitivity("designation", method="tornado", low=0.0),
    lambda m: m.sensitivity("designation", method="tornado", year=1999),
    lambda m: m.sensitivity("designation", method="two_way", x="tourism.elasticity", y="shocks.insecurity", points=4),
    lambda m: m.sensitivity("designation", method="sobol", base_samples=100),
    lambda m: m.sensitivity("designation", method=3),
    lambda m: m.assumptions.override(None),
    lambda m: m.assumptions.override(["tourism.elasticity.value"]),
    lambda m: impact.load_assumptions(5),
    lambda m: impact.fit("assumptions"),
    lambda m: impact.write_workbook(None, 5),
])
def test_api_arguments_get_the_library_error(model, call):
    with pytest.raises(impact.UsageError) as ei:
        call(model)
    assert isinstance(ei.value, ValueError)
    assert str(ei.value)


def test_sobol_seed_zero_is_reproducible(model):
    a = model.sensitivity("designation", method="sobol", base_samples=512, seed=0)
    b = model.sensitivity("designation", method="sobol", base_samples=512, seed=0)
    assert a.table.equals(b.table)


# ----------------------------------------------------------------------------- numerics and limits
@pytest.mark.parametrize("mean,sd,low,high", [(50.0, 1.0, 0.0, 1.0), (-40.0, 2.0, 0.0, 10.0), (12.0, 1.0, 0.0, 5.0)])
def test_truncated_normal_far_from_its_mean_samples_correctly(adir, mean, sd, low, high):
    """A truncnormal written in YAML whose mean lies far outside its range: draws spread over the
    range as scipy's truncnorm says, instead of piling up on one bound."""
    from scipy import stats

    edit(adir, "channels.yaml", "      distribution: {kind: uniform, low: 0.0, high: 90.0}",
         f"      distribution: {{kind: truncnormal, mean: {mean}, sd: {sd}, low: {low}, high: {high}}}")
    edit(adir, "channels.yaml", "      value: 50.0\n", f"      value: {(low + high) / 2}\n")
    a = impact.load_assumptions(adir)
    d = a.scenario("baseline").parameters["imports.closure_made_up"].distribution
    u = np.linspace(0.01, 0.99, 99)
    ref = stats.truncnorm.ppf(u, (low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
    x = d.ppf(u)
    np.testing.assert_allclose(x, ref, rtol=1e-9, atol=1e-12)
    assert len(np.unique(x)) == len(u) and low < x[0] and x[-1] < high  # spread inside, not piled on a bound
    assert d.mean() == pytest.approx(stats.truncnorm.mean((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd),
                                     rel=1e-9)


@pytest.mark.slow
def test_baseline_alone_writes_a_workbook(work, capsys):
    rc, err = _run([*RUN, "--scenario", "baseline"], capsys)
    assert rc == 0, err
    import openpyxl

    assert "Summary" in openpyxl.load_workbook(work / "outputs" / "impact.xlsx").sheetnames


@pytest.mark.slow
def test_few_draws_warn_that_quantiles_are_unreliable(work, capsys):
    rc, err = _run(["run", "--assumptions", "assumptions", "--draws", "20", "--no-sensitivity", "--out",
                    "outputs/impact.xlsx"], capsys)
    assert rc == 0
    assert err.count("20 Monte Carlo draws: percentiles such as P5 and P95") == 1


def test_ctrl_c_turned_into_an_import_error_is_still_an_interrupt(monkeypatch, capsys):
    """pybind11 modules raise ImportError('initialization failed') from a KeyboardInterrupt that
    arrives while they load (seen in CI at 1.5 s into a cold run): still status 130 and one line."""
    from impact import cli

    def interrupted_import(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc

    monkeypatch.setattr(cli, "_cmd_validate", interrupted_import)
    assert cli.main(["validate"]) == 130
    assert capsys.readouterr().err.strip() == "interrupted; no output was written or replaced"
