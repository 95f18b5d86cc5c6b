"""Mutation testing of the numerical core with mutmut, one module at a time (docs/testing.md).

    python tools/mutation.py                      # every module in MODULES (hours; see docs/testing.md)
    python tools/mutation.py distributions        # one module (by its short name)
    python tools/mutation.py --report             # summarise the last runs without running
    python tools/mutation.py --minutes 30 sampling   # stop after 30 minutes; the rest is "not checked"
    python tools/mutation.py --survivors sensitivity # re-run only the last run's survivors (after new tests)
    python tools/mutation.py --survivors --tests tests/test_golden.py channels.imports  # against other tests

Each run copies the tracked files of the repository into ``.mutation/<module>/`` (so the checkout
is never touched), configures mutmut to mutate that module only and to run the module's test
selection below (mutmut then runs, for each mutant, only the tests that execute the mutated
function), and writes ``.mutation/<module>.json``: counts of killed, survived, timed-out and
untested mutants, and the diff of every survivor.  ``docs/testing.md`` records the score and the
reason each survivor is equivalent (no observable behaviour changes) or which test kills it.
``--survivors`` runs again only the mutants the last run left (``.mutation/<module>.rerun.json``
if there was a re-run, else ``.mutation/<module>.json``: survived or untested), against the current
tests, and writes ``.mutation/<module>.rerun.json`` (the first run's file is kept): what tests added
since then kill.

Workers fork from a server that has collected the tests but run none (``process_isolation =
"forkserver"``), and tests/conftest.py clears impact's in-process caches when MUTANT_UNDER_TEST is
set: a table memoised by unmutated code would otherwise hide the mutant.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
#: mutmut worker processes (``mutmut run --max-children``); one, so the other core stays free
MAX_CHILDREN = 1
_ONE_THREAD = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}

#: module short name -> (file, test selection)
MODULES: dict[str, tuple[str, list[str]]] = {
    "distributions": ("impact/distributions.py", [
        "tests/test_distributions.py", "tests/test_contracts.py", "tests/test_engine.py", "tests/test_assumptions.py",
        "tests/test_invalid_inputs.py",
        "tests/test_hostile.py::test_truncated_normal_far_from_its_mean_samples_correctly"]),
    "sampling": ("impact/sampling.py", [
        "tests/test_sampling.py", "tests/test_engine.py", "tests/test_engine_reference.py", "tests/test_contracts.py",
        "tests/test_promises.py::test_seed_zero_gives_the_same_numbers_twice"]),
    "evaluation": ("impact/evaluation.py", [
        "tests/test_engine.py", "tests/test_engine_reference.py", "tests/test_contracts.py",
        "tests/test_sensitivity.py"]),
    "sensitivity": ("impact/sensitivity.py", [
        "tests/test_sensitivity.py", "tests/test_sensitivity_api.py", "tests/test_contracts.py",
        "tests/test_calibration.py",
        "tests/test_hostile.py::test_api_arguments_get_the_library_error",
        "tests/test_hostile.py::test_sobol_seed_zero_is_reproducible"]),
    "channels.base": ("impact/channels/base.py", [
        "tests/test_channel_base.py", "tests/test_contracts.py", "tests/test_engine.py",
        "tests/test_engine_reference.py", "tests/test_estimators.py", "tests/test_invalid_inputs.py"]),
    "channels.common": ("impact/channels/common.py", [
        "tests/test_contracts.py", "tests/test_estimators.py", "tests/test_invalid_inputs.py"]),
    "channels.tourism": ("impact/channels/tourism.py", [
        "tests/test_contracts.py", "tests/test_estimators.py", "tests/test_engine_reference.py",
        "tests/test_invalid_inputs.py", "tests/test_statsmodels_results.py", "tests/test_backtest.py",
        "tests/test_panel.py", "tests/test_value_added.py",
        "tests/test_option_ranges.py::test_the_data_narrow_the_base_years_validate_accepts"]),
    "channels.imports": ("impact/channels/imports.py", [
        "tests/test_contracts.py", "tests/test_estimators.py", "tests/test_invalid_inputs.py", "tests/test_cache.py",
        "tests/test_statsmodels_results.py", "tests/test_backtest.py", "tests/test_engine_reference.py",
        "tests/test_value_added.py"]),
    "channels.business_costs": ("impact/channels/business_costs.py", [
        "tests/test_contracts.py", "tests/test_estimators.py", "tests/test_invalid_inputs.py",
        "tests/test_calibration.py", "tests/test_statsmodels_results.py", "tests/test_value_added.py"]),
    "channels.investment": ("impact/channels/investment.py", [
        "tests/test_contracts.py", "tests/test_estimators.py", "tests/test_invalid_inputs.py",
        "tests/test_statsmodels_results.py", "tests/test_value_added.py"]),
    "channels.official_finance": ("impact/channels/official_finance.py", [
        "tests/test_contracts.py", "tests/test_estimators.py", "tests/test_invalid_inputs.py",
        "tests/test_statsmodels_results.py"]),
    "channels.remittances": ("impact/channels/remittances.py", [
        "tests/test_remittances.py", "tests/test_contracts.py", "tests/test_estimators.py",
        "tests/test_invalid_inputs.py", "tests/test_statsmodels_results.py", "tests/test_value_added.py"]),
}


def _copy_repository(dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file() and not rel.startswith(".mutation"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _configure(dest: Path, file: str, tests: list[str], marks: str = "not slow") -> None:
    cfg = (f'\n[tool.mutmut]\nsource_paths = ["impact/"]\nonly_mutate = ["{file}"]\n'
           f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
           # -n 0: the repository's addopts say -n auto, and mutmut's stats run must see the tests run
           # in its own process (in xdist workers it finds no test for any mutant)
           # -m "not slow": the fast subset (docs/testing.md); the whole-run writers it leaves out
           # read what the fast tests check, at many times their cost per mutant
           f'pytest_add_cli_args = ["-p", "no:cacheprovider", "-n", "0", "-m", "{marks}"]\n'
           'process_isolation = "forkserver"\n'
           'also_copy = ["assumptions/", "docs/", "notebooks/", "tools/", "README.md"]\n')
    with open(dest / "pyproject.toml", "a", encoding="utf-8") as fh:
        fh.write(cfg)


def _results(dest: Path) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=dest, capture_output=True,
                         text=True).stdout
    return {m.group(1): m.group(2) for m in re.finditer(r"^\s*(\S+): (.+)$", out, re.M)}


def _diff(dest: Path, name: str) -> str:
    text = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=dest, capture_output=True,
                          text=True).stdout
    return "\n".join(ln for ln in text.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---")))


def run(short: str, minutes: float | None = None, only: list[str] | None = None,
        tests: list[str] | None = None) -> dict:
    """Mutation-test one module (``only``: just these mutants, written to ``<module>.rerun.json``;
    ``tests``: this selection instead of the module's, slow tests included)."""
    file, selection = MODULES[short]
    dest = WORK / short
    _copy_repository(dest)
    _configure(dest, file, tests or selection, "slow or not slow" if tests else "not slow")
    log = WORK / f"{short}.log"
    with open(log, "w", encoding="utf-8") as fh:
        # one mutmut worker and single-threaded BLAS: the run leaves the machine's other core free
        proc = subprocess.Popen([sys.executable, "-m", "mutmut", "run", "--max-children", str(MAX_CHILDREN),
                                 *(only or [])],
                                cwd=dest, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, **_ONE_THREAD},
                                start_new_session=True)
        try:
            proc.wait(timeout=None if minutes is None else 60 * minutes)
        except subprocess.TimeoutExpired:  # time budget spent: the mutants not yet run stay "not checked"
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
    results = _results(dest)
    if only:
        wanted = set(only)
        results = {name: status for name, status in results.items() if name in wanted}
    counts: dict[str, int] = {}
    for status in results.values():
        counts[status] = counts.get(status, 0) + 1
    survivors = {name: _diff(dest, name) for name, status in results.items() if status in ("survived", "no tests")}
    report = {"module": file, "tests": tests or selection, "counts": counts, "survivors": survivors}
    if only:
        report["killed_now"] = sorted(n for n, st in results.items() if st in ("killed", "timeout"))
    (WORK / f"{short}{'.rerun' if only else ''}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    shutil.rmtree(dest, ignore_errors=True)
    return report


def summary() -> None:
    total: dict[str, int] = {}
    cols = ("killed", "timeout", "survived", "no tests", "not checked")
    for short in MODULES:
        f = WORK / f"{short}.json"
        if not f.exists():
            print(f"{short:28s} not run")
            continue
        c = json.loads(f.read_text())["counts"]
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
        n = sum(c.values())
        other = n - sum(c.get(k, 0) for k in cols)
        counts = "  ".join(f"{k} {c.get(k, 0):4d}" for k in cols)
        print(f"{short:28s} {n:5d} mutants  {counts}  other {other:3d}")
    n = sum(total.values())
    if n:
        print(f"{'all':28s} {n:5d} mutants  " + "  ".join(f"{k} {total.get(k, 0):4d}" for k in cols))


def main(argv: list[str]) -> int:
    WORK.mkdir(exist_ok=True)
    if "--report" in argv:
        summary()
        return 0
    minutes = None
    if "--minutes" in argv:  # a time budget per module; what is left unrun is reported as "not checked"
        i = argv.index("--minutes")
        minutes = float(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    tests = None
    if "--tests" in argv:  # e.g. the slow end-to-end tests against the survivors of the fast selection
        i = argv.index("--tests")
        tests = argv[i + 1].split(",")
        argv = argv[:i] + argv[i + 2:]
    names = [a for a in argv if not a.startswith("-")] or list(MODULES)
    for short in names:
        if short not in MODULES:
            print(f"unknown module {short!r}; choose from {', '.join(MODULES)}", file=sys.stderr)
            return 2
        only = None
        if "--survivors" in argv:
            # the latest survivors: those of the last re-run if there was one, else of the first run
            last = WORK / f"{short}.rerun.json"
            if not last.exists():
                last = WORK / f"{short}.json"
            if not last.exists():
                print(f"no earlier run of {short}: run `python tools/mutation.py {short}` first", file=sys.stderr)
                return 2
            only = sorted(json.loads(last.read_text(encoding="utf-8"))["survivors"])
            if not only:
                print(f"{short}: the last run left no survivor", flush=True)
                continue
        report = run(short, minutes, only, tests)
        print(short, report["counts"], flush=True)
    summary()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
