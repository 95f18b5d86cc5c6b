"""The on-disk fit cache: hits, misses on changed inputs, corrupt entries ignored and rebuilt."""
import numpy as np
import pytest

import impact
from impact.cache import FitCache


@pytest.fixture(scope="module")
def warm(tmp_path_factory, assumptions):
    d = tmp_path_factory.mktemp("cache")
    m = impact.fit(assumptions, cache_dir=str(d))
    return d, m


def test_warm_cache_returns_identical_fits(warm, assumptions):
    d, m = warm
    files = sorted(d.glob("*.pkl"))
    assert len(files) == 3
    m2 = impact.fit(assumptions, cache_dir=str(d))
    for ch in m.fits:
        np.testing.assert_array_equal(m.fits[ch].params.to_numpy(), m2.fits[ch].params.to_numpy())
        np.testing.assert_array_equal(m.fits[ch].baseline.central, m2.fits[ch].baseline.central)
    assert m.run("designation").impacts.equals(m2.run("designation").impacts)
    # the statsmodels object is rebuilt on demand from the cached parameters
    assert np.allclose(m2.fits["imports"].raw.params, m.fits["imports"].raw.params)


def test_changed_specification_misses_the_cache(warm, assumptions):
    d, _ = warm
    b = assumptions.override({"tourism.estimator.hac_maxlags": 3})
    store = FitCache(d)
    from impact import data

    series = data.load_all()
    k1 = store.key("tourism", assumptions.channels["tourism"], assumptions.settings, series)
    k2 = store.key("tourism", b.channels["tourism"], b.settings, series)
    assert k1 != k2
    m = impact.fit(b, cache_dir=str(d))
    assert len(list(d.glob("*.pkl"))) == 4
    assert m.fits["tourism"].main.method.endswith("3 lags) standard errors")


@pytest.mark.parametrize("damage", [b"", b"garbage", None, "flip"])
def test_corrupt_entry_is_never_trusted(tmp_path, damage, caplog):
    store = FitCache(tmp_path)
    store.put("k", {"params": [1.0, 2.0]})
    f = tmp_path / "k.pkl"
    raw = f.read_bytes()
    if damage is None:
        f.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        f.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))
    else:
        f.write_bytes(damage)
    assert store.get("k") is None
    assert "corrupt fit-cache entry" in caplog.text
    assert not f.exists()  # removed, so the next run rebuilds it


def test_corrupt_fit_is_rebuilt(warm, assumptions, tmp_path):
    import shutil

    d, m = warm
    d2 = tmp_path / "c"
    shutil.copytree(d, d2)
    victim = max(d2.glob("*.pkl"), key=lambda f: f.stat().st_size)  # the largest entry
    victim.write_bytes(victim.read_bytes()[:100])
    m2 = impact.fit(assumptions, cache_dir=str(d2))
    for ch in m.fits:
        np.testing.assert_array_equal(m.fits[ch].params.to_numpy(), m2.fits[ch].params.to_numpy())
    assert FitCache(d2).get(victim.stem) is not None


def test_no_cache_writes_nothing(tmp_path, assumptions):
    impact.fit(assumptions, cache=False, cache_dir=str(tmp_path / "none"))
    assert not (tmp_path / "none").exists()


def test_stale_entries_are_pruned_and_used_ones_kept(tmp_path):
    import os
    import time

    store = FitCache(tmp_path)
    store.put("old", 1)
    store.put("used", 2)
    past = time.time() - 90 * 86400
    for name in ("old", "used"):
        os.utime(tmp_path / f"{name}.pkl", (past, past))
    assert store.get("used") == 2  # a hit refreshes the entry
    store.put("new", 3)  # writing prunes
    assert sorted(p.stem for p in tmp_path.glob("*.pkl")) == ["new", "used"]
