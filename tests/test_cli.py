"""Command-line interface: in-process and one real subprocess run."""
import os
import subprocess
import sys

import openpyxl
import pytest

from impact import __version__, load_assumptions
from impact.assumptions import FILES
from impact.cli import main

from .conftest import edit

# end to end: a whole run (command line, workbook, files); `-m "not slow"` leaves the file out
pytestmark = pytest.mark.slow


def test_validate_defaults_exits_0(capsys):
    assert main(["validate"]) == 0
    assert "ok:" in capsys.readouterr().err


def test_validate_broken_exits_2_with_file_line(adir, capsys):
    edit(adir, "channels.yaml", "    hac_maxlags: 2\n", "    hac_maxlag: 2\n")
    assert main(["validate", "--assumptions", str(adir)]) == 2
    err = capsys.readouterr().err
    assert "channels.yaml:" in err and "tourism.estimator.hac_maxlag" in err and "did you mean 'hac_maxlags'" in err
    assert "Traceback" not in err


def test_help_and_version(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "run" in out and "validate" in out and "init" in out and "exit status" in out
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--assumptions", "--out", "--scenario", "--draws", "--seed", "--quiet", "--no-sensitivity", "--csv"):
        assert flag in out
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_bad_arguments_exit_2(capsys):
    assert main(["run", "--draws", "many"]) == 2
    assert main(["frobnicate"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_unknown_scenario_exit_2(tmp_path, capsys):
    assert main(["run", "--scenario", "invasion", "--draws", "0", "--no-sensitivity", "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "unknown scenario 'invasion'" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_init_copies_defaults_and_refuses_to_clobber(tmp_path, capsys):
    d = tmp_path / "analysis"
    assert main(["init", str(d)]) == 0
    for f in (*FILES, "README.md"):
        assert (d / f).exists()
    assert main(["validate", "--assumptions", str(d)]) == 0
    assert main(["init", str(d)]) == 2
    assert "already has" in capsys.readouterr().err


def test_data_lists_sources(capsys):
    """Every series of the data catalog is listed with its unit, source and series code."""
    from impact import data

    assert main(["data"]) == 0
    out = capsys.readouterr().out
    catalog = data.catalog()
    assert catalog
    flat = " ".join(out.split())  # long sources wrap over lines
    for sid, meta in catalog.items():
        for field in ("unit", "source", "series_code"):
            assert " ".join(str(meta[field]).split()) in flat, (sid, field)
        assert any(line.startswith(f"{sid}: ") for line in out.splitlines()), f"{sid} not listed"


def test_run_in_process_small(tmp_path, capsys, cache_dir):
    out = tmp_path / "small.xlsx"
    code = main(["run", "--scenario", "designation", "--draws", "200", "--no-sensitivity", "--cache-dir", cache_dir,
                 "--out", str(out), "--csv", str(tmp_path / "csv")])
    assert code == 0
    text = capsys.readouterr().out
    assert f"Workbook written to {out}" in text and "designation" in text
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Summary"
    assert (tmp_path / "csv" / "deterministic.csv").exists() and (tmp_path / "csv" / "headline.csv").exists()


@pytest.mark.slow
def test_subprocess_default_run_from_another_folder(tmp_path):
    """`python -m impact` from a folder without ./assumptions uses the shipped defaults."""
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-m", "impact", "--draws", "300", "--no-sensitivity"], cwd=tmp_path,
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Workbook written to outputs/impact.xlsx" in r.stdout
    s = load_assumptions().settings  # the shipped defaults: the years they simulate
    assert f"Cumulative impact {s.base_year + 1}-{s.base_year + s.horizon}" in r.stdout
    assert (tmp_path / "outputs" / "impact.xlsx").exists()
    assert "default assumptions shipped with impact" in r.stderr
