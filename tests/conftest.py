from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from threadpoolctl import threadpool_limits

import impact
from impact import cli
from impact.assumptions import DEFAULT_DIR

ROOT = Path(__file__).resolve().parent.parent

# One BLAS thread per test process.  pytest-xdist already gives each worker a core; a multi-threaded
# BLAS in every worker oversubscribes the machine, and OpenBLAS's spinning threads then slowed the
# panel bootstraps of tests/test_panel.py and tests/test_investment_panel.py from about 2 s to
# 190-220 s each while another job shared the two cores.  Subprocesses started by tests are unaffected.
_BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")

# Tolerances used across the numerical tests (stated once).
RTOL_EXACT = 1e-12      # same computation done two ways
MC_SIGMAS = 5.0         # Monte Carlo checks: |estimate - truth| < MC_SIGMAS * standard error


@pytest.fixture(scope="session", autouse=True)
def _cold_caches_under_mutation_testing(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Under mutation testing (tools/mutation.py sets MUTANT_UNDER_TEST), each mutant's test session
    starts from cold in-process and on-disk caches: a memoised table or a cached fit made by other
    code would hide the mutant.  A no-op otherwise."""
    import os

    if not os.environ.get("MUTANT_UNDER_TEST"):
        return
    from impact import data_rules, distributions
    from impact.channels import remittances

    distributions._pert_table.cache_clear()
    data_rules._SUPPORTED.clear()
    remittances._ADJUSTED.clear()
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


# ----------------------------------------------------------------------------- mutmut's stats run
# mutmut (tools/mutation.py) first runs the selected tests once with MUTANT_UNDER_TEST=stats and
# records, per test, which functions it executed; a mutant is then tested by those tests only.  Code
# run by a session fixture (the `model` fit) or served from a cache would be credited to the first
# test that needed it, so a mutant in a fit would meet one test instead of every test that reads the
# fit.  In the stats run, each test is therefore credited with what its wider-scoped fixtures ran,
# and starts from cold caches.  Crediting too many tests only costs time; too few hides mutants.
def _stats_run() -> bool:
    import os

    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


class _CreditFixtureHits:
    """Registered as a plugin (not conftest hooks, which pytest does not call for session-scoped
    fixtures: those are set up by the session node, above this folder)."""

    def __init__(self) -> None:
        self.hits: dict[str, set[str]] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):
        if not _stats_run() or fixturedef.scope == "function":
            yield
            return
        from mutmut.state import state

        outer, state()._stats = state()._stats, set()  # this fixture's hits on their own
        try:
            yield
        finally:
            self.hits[fixturedef.argname] = set(state()._stats)
            state()._stats = outer | state()._stats

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item):
        yield
        if not _stats_run():
            return
        from mutmut.state import state

        names = set(getattr(item, "fixturenames", ()))
        if "cache_dir" in names:  # a fit given the session cache_dir may be served from what `model` stored
            names.add("model")
        for name in names:
            state()._stats |= self.hits.get(name, set())


def pytest_configure(config: pytest.Config) -> None:
    if _stats_run():
        config.pluginmanager.register(_CreditFixtureHits(), "credit-fixture-hits")


@pytest.fixture(autouse=True)
def _cold_caches_per_test_in_the_stats_run(tmp_path_factory: pytest.TempPathFactory,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    if not _stats_run():
        return
    from impact import data_rules, distributions
    from impact.channels import remittances

    distributions._pert_table.cache_clear()
    data_rules._SUPPORTED.clear()
    remittances._ADJUSTED.clear()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache-stats")))


def warned_at(filename: str, test_file: str) -> bool:
    """A warning was attributed to ``test_file`` (the caller's line).  Under mutation testing (also in
    mutmut's clean run, where MUTANT_UNDER_TEST is empty) every impact function is called through
    mutmut's trampoline, a frame outside the package, where :func:`impact.errors.user_stacklevel`
    stops: that file is accepted too; no other run has it on the stack."""
    return filename == test_file or Path(filename).as_posix().endswith("mutmut/mutation/trampoline.py")


def scipy_counterpart(d: Any) -> Any:
    """The scipy.stats distribution of a kind, from its documented parameters."""
    from scipy import stats

    from impact import distributions as dist

    if isinstance(d, dist.Uniform):
        return stats.uniform(d.low, d.high - d.low)
    if isinstance(d, dist.Triangular):
        return stats.triang((d.mode - d.low) / (d.high - d.low), loc=d.low, scale=d.high - d.low)
    if isinstance(d, dist.Pert):
        r = d.high - d.low
        return stats.beta(1 + d.lamb * (d.mode - d.low) / r, 1 + d.lamb * (d.high - d.mode) / r, loc=d.low, scale=r)
    if isinstance(d, dist.Normal):
        return stats.norm(d.mean_, d.sd)
    if isinstance(d, dist.TruncNormal):
        return stats.truncnorm((d.low - d.mean_) / d.sd, (d.high - d.mean_) / d.sd, loc=d.mean_, scale=d.sd)
    if isinstance(d, dist.LogNormal):
        return stats.lognorm(d.sigma, scale=d.median)
    raise AssertionError(f"no scipy counterpart written for {d.kind}")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("fitcache"))


@pytest.fixture(scope="session")
def assumptions() -> impact.assumptions.Assumptions:
    return impact.load_assumptions()


@pytest.fixture(scope="session")
def model(assumptions, cache_dir) -> impact.Model:
    return impact.fit(assumptions, cache_dir=cache_dir)


@pytest.fixture()
def adir(tmp_path: Path) -> Path:
    """A writable copy of the default assumption folder."""
    dest = tmp_path / "assumptions"
    shutil.copytree(DEFAULT_DIR, dest)
    return dest


@pytest.fixture()
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding a copy of the default assumptions, made the current directory."""
    w = tmp_path / "work"
    shutil.copytree(DEFAULT_DIR, w / "assumptions")
    monkeypatch.chdir(w)
    return w


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``impact.cli.main(args)`` in process: (exit status, stdout, stderr)."""
    rc = cli.main(args)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def edit(folder: Path, file: str, old: str, new: str, count: int = 1) -> None:
    p = folder / file
    text = p.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {file}: {old!r}"
    p.write_text(text.replace(old, new, count), encoding="utf-8")
