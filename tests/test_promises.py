"""Every promise the README and assumptions/README.md make about the command line and the settings,
each checked by running it."""
from __future__ import annotations

import re
import shutil
import warnings

import numpy as np
import pytest

import impact
from impact import cli
from impact.assumptions import DEFAULT_DIR
from impact.cache import SUBDIR

from .conftest import edit
from .conftest import run_main as _main

# end to end: a whole run (command line, workbook, files); `-m "not slow"` leaves the file out
pytestmark = pytest.mark.slow

QUICK = ["--draws", "100", "--no-sensitivity", "--out", "outputs/impact.xlsx"]


def test_unexpected_error_exits_1_in_one_line_and_debug_shows_the_traceback(work, cache_dir, monkeypatch, capsys):
    from impact.report import excel

    def broken(res):
        raise RuntimeError("a bug in the writer")

    monkeypatch.setattr(excel, "build_workbook", broken)
    rc, out, err = _main(["run", *QUICK, "--cache-dir", cache_dir], capsys)
    assert rc == 1
    assert err.strip().splitlines()[-1] == ("unexpected error: RuntimeError: a bug in the writer "
                                            "(run with --debug for the traceback)")
    assert "Traceback" not in err
    with pytest.raises(RuntimeError, match="a bug in the writer"):  # --debug lets it through, with its traceback
        cli.main(["run", *QUICK, "--cache-dir", cache_dir, "--debug"])


def test_verbose_logs_the_time_of_each_phase(work, cache_dir, capsys):
    rc, out, err = _main(["run", *QUICK, "--cache-dir", cache_dir, "--verbose"], capsys)
    assert rc == 0
    for phase in ("assumptions loaded and validated", "fit", "deterministic runs and Monte Carlo", "outputs written"):
        assert re.search(rf"^{re.escape(phase)}.*: \d+\.\d{{3}} s$", err, re.M), (phase, err)


def test_no_cache_neither_reads_nor_writes_the_cache(work, tmp_path, capsys):
    cache = tmp_path / "cache"
    rc, out, err = _main(["run", *QUICK, "--no-cache", "--cache-dir", str(cache)], capsys)
    assert rc == 0 and not cache.exists()
    rc, out, err = _main(["run", *QUICK, "--cache-dir", str(cache)], capsys)
    assert rc == 0 and len(list((cache / SUBDIR).glob("entry-*.npz"))) == len(impact.channels.registry())


def test_allow_absolute_paths_accepts_a_data_file_outside_the_folder(work, tmp_path, capsys):
    outside = tmp_path / "elsewhere" / "gdp.csv"
    outside.parent.mkdir()
    shutil.copyfile(impact.data.path_of("us_real_gdp"), outside)
    edit(work / "assumptions", "settings.yaml", "data: {}", f"data:\n  us_real_gdp: {outside}")
    rc, out, err = _main(["validate", "--assumptions", "assumptions"], capsys)
    assert rc == 2 and "absolute paths are not allowed" in err and "--allow-absolute-paths" in err
    rc, out, err = _main(["validate", "--assumptions", "assumptions", "--allow-absolute-paths"], capsys)
    assert rc == 0, err
    assert impact.load_assumptions(work / "assumptions", allow_absolute_paths=True).data_overrides["us_real_gdp"] \
        == outside


def test_a_data_override_feeds_the_fits(work, cache_dir):
    """Monthly imports doubled: the SARIMA of log imports is the same model shifted by log 2, so the
    baseline doubles (up to the optimizer's tolerance) and the fit is not taken from the cache."""
    src = impact.data.path_of("us_imports_mexico_monthly").read_text().splitlines()
    rows = [src[0]] + [f"{ln.split(',')[0]},{2 * float(ln.split(',')[1])!r}" for ln in src[1:]]
    (work / "assumptions" / "impmx.csv").write_text("\n".join(rows) + "\n")
    edit(work / "assumptions", "settings.yaml", "data: {}", "data:\n  us_imports_mexico_monthly: impmx.csv")
    a = impact.load_assumptions(work / "assumptions")
    doubled = impact.fit(a, cache_dir=cache_dir).baseline("imports")
    base = impact.fit(impact.load_assumptions(), cache_dir=cache_dir).baseline("imports")
    np.testing.assert_allclose(doubled["median"] / base["median"], 2.0, rtol=1e-4)


def test_cache_misses_when_the_library_versions_change(work, tmp_path, monkeypatch, assumptions):
    from impact import cache, channels

    cdir = str(tmp_path / "c")
    impact.fit(assumptions, cache_dir=cdir)
    calls = []
    real = {n: ch.fit for n, ch in channels.registry().items()}
    for n, ch in channels.registry().items():
        object.__setattr__(ch, "fit", lambda *a, _f=real[n], _n=n, **k: (calls.append(_n), _f(*a, **k))[1])
    try:
        impact.fit(assumptions, cache_dir=cdir)
        assert calls == []  # warm
        monkeypatch.setattr(cache, "versions", lambda: "impact=0;statsmodels=99.0")
        impact.fit(assumptions, cache_dir=cdir)
        assert sorted(calls) == sorted(channels.registry())  # another statsmodels: every channel refitted
    finally:
        for n, ch in channels.registry().items():
            object.__setattr__(ch, "fit", real[n])


def test_normalise_weights_rescales_with_a_warning(work):
    edit(work / "assumptions", "settings.yaml", "  normalise_weights: false", "  normalise_weights: true")
    edit(work / "assumptions", "scenarios.yaml", "  weight: 0.40\n", "  weight: 0.80\n")  # the weights now sum to 1.4
    with pytest.warns(impact.PlausibilityWarning, match="scenario weights sum to 1.4; normalised to 1"):
        a = impact.load_assumptions(work / "assumptions")
    w = {n: a.scenario(n).weight for n in a.scenario_names if n != "baseline"}
    assert sum(w.values()) == pytest.approx(1.0, abs=1e-12)
    assert w["designation"] == pytest.approx(0.8 / 1.4, rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        edit(work / "assumptions", "settings.yaml", "  normalise_weights: true", "  normalise_weights: false")
        with pytest.raises(impact.AssumptionError, match="must sum to 1"):
            impact.load_assumptions(work / "assumptions")


def test_seed_zero_gives_the_same_numbers_twice(model):
    a = model.simulate("designation", draws=500, seed=0)
    b = model.simulate("designation", draws=500, seed=0)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert a.variance.equals(b.variance)
    s1 = model.sensitivity("designation", method="sobol", base_samples=512, seed=0)
    s2 = model.sensitivity("designation", method="sobol", base_samples=512, seed=0)
    assert s1.table.equals(s2.table)
    assert not np.array_equal(a.draws, model.simulate("designation", draws=500, seed=1).draws)


def test_scenario_takes_several_names_in_both_forms(work, cache_dir, capsys):
    for form in (["--scenario", "designation", "certification"], ["-s", "designation", "-s", "certification"]):
        rc, out, err = _main(["run", *QUICK, "--cache-dir", cache_dir, *form], capsys)
        assert rc == 0, err
        blocks = out.split("\n\n")
        va = blocks[0].splitlines()  # value added and jobs lead
        assert va[0].startswith("Value added and jobs") and va[2].split() == ["scenario"]
        assert {ln.split()[0] for ln in va[3:]} == {"designation", "certification"}
        table = next(b for b in blocks if b.startswith("Cumulative impact")).splitlines()
        assert table[3].split() == ["scenario"]  # the index header; the baseline (zero) is not listed
        assert {ln.split()[0] for ln in table[4:]} == {"designation", "certification"}


def test_validate_prints_ok_and_exits_0(work, capsys):
    rc, out, err = _main(["validate", "--assumptions", "assumptions"], capsys)
    assert rc == 0 and err.startswith("ok: assumptions (6 channels")


def test_init_copies_the_defaults_and_refuses_to_overwrite(tmp_path, capsys):
    rc, out, err = _main(["init", str(tmp_path / "mine")], capsys)
    assert rc == 0
    assert (tmp_path / "mine" / "channels.yaml").read_bytes() == (DEFAULT_DIR / "channels.yaml").read_bytes()
    rc, out, err = _main(["init", str(tmp_path / "mine")], capsys)
    assert rc == 2 and "use --force to overwrite" in err


def test_data_fits_an_ordinary_terminal_and_survives_a_closed_pipe(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    rc, out, err = _main(["data"], capsys)
    assert rc == 0 and err == ""
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "us_imports_mexico_monthly: USD millions (nominal), monthly" in out
    import subprocess
    import sys

    proc = subprocess.run(f"{sys.executable} -m impact data | head -1", shell=True, capture_output=True, text=True)
    assert proc.stderr == "" and re.match(r"\d+ bundled data series", proc.stdout)


def test_the_start_up_line_says_what_was_loaded_in_words(work, cache_dir, capsys):
    rc, out, err = _main(["run", *QUICK, "--cache-dir", cache_dir], capsys)
    assert rc == 0, err
    assert err.splitlines()[0] == ("Using the assumption files in assumptions/: 6 channels (tourism, imports, "
                                   "business_costs, investment, official_finance, remittances), 4 designation "
                                   "scenarios against the baseline, years 2025-2030")
