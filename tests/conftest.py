from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import impact
from impact.assumptions import DEFAULT_DIR

ROOT = Path(__file__).resolve().parent.parent

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

    distributions._pert_table.cache_clear()
    data_rules._SUPPORTED.clear()
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


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


def edit(folder: Path, file: str, old: str, new: str, count: int = 1) -> None:
    p = folder / file
    text = p.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {file}: {old!r}"
    p.write_text(text.replace(old, new, count), encoding="utf-8")
