"""The sensitivity tables computed in a forked worker process equal the serial ones, bit for bit;
warnings raised in the worker reach the caller; a failing worker falls back to the serial path."""
from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import impact
from impact import parallel
from impact.errors import SampleSizeWarning

# end to end: whole runs in worker processes; `-m "not slow"` leaves the file out
pytestmark = [pytest.mark.skipif(not parallel.can_fork(), reason="needs the fork start method (Linux)"),
              pytest.mark.slow]


@pytest.fixture(autouse=True)
def two_cpus(monkeypatch):
    """Exercise the worker path even on a one-CPU machine."""
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)

SMALL = {"settings.draws": 500, "analysis.sensitivity.sobol.base_samples": 64,
         "analysis.sensitivity.sobol.min_base_samples": 8}


def _same(r1, r2):
    assert r1.sensitivity.keys() == r2.sensitivity.keys()
    for n, block in r1.sensitivity.items():
        assert block.keys() == r2.sensitivity[n].keys()
        for k, v in block.items():
            w = r2.sensitivity[n][k]
            assert v.table.equals(w.table), (n, k)
            assert v.central == w.central and dict(v.meta) == dict(w.meta)
    for n, mc in r1.montecarlo.items():
        np.testing.assert_array_equal(mc.draws, r2.montecarlo[n].draws)


def test_worker_process_gives_the_serial_numbers(assumptions, cache_dir):
    a = assumptions.override(SMALL)
    serial = impact.run_analysis(a, cache_dir=cache_dir, jobs=1)
    forked = impact.run_analysis(a, cache_dir=cache_dir, jobs=2)
    _same(serial, forked)


def test_warnings_from_the_worker_reach_the_caller(assumptions, cache_dir):
    a = assumptions.override({**SMALL, "analysis.sensitivity.sobol.min_base_samples": 128})
    with pytest.warns(SampleSizeWarning, match="unstable"):
        impact.run_analysis(a, cache_dir=cache_dir, jobs=2)


def _parent_only(parent: int) -> int:
    if os.getpid() != parent:
        raise RuntimeError("worker failure")
    return 42


def _warn_then_fail(parent: int) -> int:
    warnings.warn("from the failed worker", UserWarning)
    return _parent_only(parent)


def test_a_failing_worker_falls_back_to_this_process():
    job = parallel.Background(_parent_only, os.getpid())
    assert job.parallel
    assert job.result() == 42  # the worker raised; the job was redone here


def test_a_failed_workers_warnings_are_not_repeated():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert parallel.Background(_warn_then_fail, os.getpid()).result() == 42
    assert [str(w.message) for w in caught] == ["from the failed worker"]  # once: from the serial rerun


def test_disabled_runs_in_this_process():
    job = parallel.Background(_parent_only, os.getpid(), enabled=False)
    assert not job.parallel and job.result() == 42


def test_pending_tables_wait_on_first_use_and_pickle_as_a_dict(assumptions, cache_dir):
    import pickle

    a = assumptions.override(SMALL)
    serial = impact.run_analysis(a, cache_dir=cache_dir, jobs=1)
    pending = impact.run_analysis(a, cache_dir=cache_dir, jobs=2, wait=False)
    assert type(pending.sensitivity).__name__ == "PendingTables"
    _same(serial, pending)  # first use waits for the worker
    again = pickle.loads(pickle.dumps(pending.sensitivity))
    assert type(again) is dict and again.keys() == serial.sensitivity.keys()


def test_objects_frozen_for_the_fork_are_unfrozen_afterwards():
    import gc

    if gc.get_freeze_count():
        gc.unfreeze()
    job = parallel.Background(_parent_only, os.getpid())
    assert gc.get_freeze_count() > 0  # shared with the worker while it runs
    assert job.result() == 42
    assert gc.get_freeze_count() == 0
