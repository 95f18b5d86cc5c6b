"""The on-disk fit cache: data only (forged entries never run code), keyed by estimator inputs,
pruning that touches only its own files."""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
import time
import zipfile

import numpy as np
import pytest

import impact
from impact import channels
from impact import serial
from impact.cache import MARKER, SUBDIR, FitCache, fit_key

KEY = "ab" * 32


@pytest.fixture(scope="module")
def warm(tmp_path_factory, assumptions):
    d = tmp_path_factory.mktemp("cache")
    m = impact.fit(assumptions, cache_dir=str(d))
    return d, m


def _entries(d):
    return sorted((d / SUBDIR).glob("entry-*.npz"))


def _same_fits(m1, m2):
    for ch in m1.fits:
        np.testing.assert_array_equal(m1.fits[ch].params.to_numpy(), m2.fits[ch].params.to_numpy())
        np.testing.assert_array_equal(m1.fits[ch].baseline.central, m2.fits[ch].baseline.central)
        assert m1.fits[ch].pooled.keys() == m2.fits[ch].pooled.keys()
        for k in m1.fits[ch].pooled:
            assert m1.fits[ch].pooled[k].value == m2.fits[ch].pooled[k].value
    assert m1.run("designation").impacts.equals(m2.run("designation").impacts)


def test_warm_cache_returns_identical_fits(warm, assumptions):
    d, m = warm
    assert len(_entries(d)) == len(channels.registry())
    assert (d / SUBDIR / MARKER).read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    m2 = impact.fit(assumptions, cache_dir=str(d))
    _same_fits(m, m2)
    # the statsmodels object is rebuilt on demand from the cached parameters
    assert np.allclose(m2.fits["imports"].raw.params, m.fits["imports"].raw.params)


def _counting(fn, name, calls):
    def wrapped(*a, **k):
        calls.append(name)
        return fn(*a, **k)

    wrapped.original = fn
    return wrapped


@pytest.fixture()
def fit_calls():
    """The channels' estimation functions, counting their calls (restored afterwards)."""
    from impact import channels

    calls: list[str] = []
    saved = {n: ch.fit for n, ch in channels.registry().items()}
    for name, ch in channels.registry().items():
        object.__setattr__(ch, "fit", _counting(ch.fit, name, calls))
    yield calls
    for name, ch in channels.registry().items():
        object.__setattr__(ch, "fit", saved[name])


def test_effect_parameters_do_not_refit(warm, assumptions, fit_calls):
    d, m = warm
    b = assumptions.override({"imports.time_cost_per_day.value": 2.0, "tourism.base_level.value": 20.0,
                              "business_costs.operating_cost_base.value": 300.0})
    m2 = impact.fit(b, cache_dir=str(d))
    assert fit_calls == []
    assert len(_entries(d)) == len(channels.registry())
    # ... and the parameters are applied: the imports data estimate scales with 1 / time cost per day
    p1 = m.fits["imports"].pooled["trade_elasticity"].data
    p2 = m2.fits["imports"].pooled["trade_elasticity"].data
    assert p2 == pytest.approx(p1 * 1.35 / 2.0, rel=1e-12)
    g = m2.fits["business_costs"].pooled["operating_cost_growth"].value / 100  # estimated: the fit is reused
    assert g == m.fits["business_costs"].pooled["operating_cost_growth"].value / 100
    assert m2.fits["business_costs"].baseline.central[0] == pytest.approx(300.0 * (1 + g), rel=1e-12)


def test_estimator_option_refits_only_its_channel(warm, assumptions, fit_calls, tmp_path):
    import shutil

    d, _ = warm
    d2 = tmp_path / "c"
    shutil.copytree(d, d2)
    b = assumptions.override({"tourism.estimator.hac_maxlags": 3})
    m = impact.fit(b, cache_dir=str(d2))
    assert fit_calls == ["tourism"]
    assert len(_entries(d2)) == len(channels.registry()) + 1
    assert m.fits["tourism"].main.method.endswith("3 lags) standard errors")


def test_key_covers_data_options_years_not_parameters(assumptions):
    from impact import channels, data

    series = data.load_all()
    own = {sid: series[sid] for sid in channels.get("imports").spec.data}
    opts = assumptions.channels["imports"].options
    k = fit_key("imports", own, opts, 2024, 6)
    assert k == fit_key("imports", dict(own), dict(opts), 2024, 6)
    assert k != fit_key("imports", own, {**opts, "maxiter": 300}, 2024, 6)
    assert k != fit_key("imports", own, opts, 2023, 6)
    assert k != fit_key("imports", own, opts, 2024, 7)
    changed = own["us_imports_mexico_monthly"].copy()
    changed.attrs = {**changed.attrs, "sha256": "0" * 64}
    assert k != fit_key("imports", {"us_imports_mexico_monthly": changed}, opts, 2024, 6)
    # a series the channel does not read is not part of its key
    assert "mx_remittances" not in channels.get("imports").spec.data


# ----------------------------------------------------------------------------- forged and corrupt entries
class _Payload:
    """Unpickling this creates the file ``flag`` (standing for arbitrary code)."""

    def __init__(self, flag):
        self.flag = str(flag)

    def __reduce__(self):
        return (open, (self.flag, "w"))


def _npz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _meta(tree) -> bytes:
    meta = json.dumps({"format": serial.FORMAT, "tree": tree}).encode()
    return _npy(np.frombuffer(meta, dtype=np.uint8))


def _forgeries(flag):
    raw = pickle.dumps(_Payload(flag))
    digest = hashlib.sha256(raw).hexdigest().encode()
    huge = io.BytesIO()
    np.lib.format.write_array_header_1_0(huge, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    return {
        "raw-pickle": raw,
        "old-header-and-digest": b"IMPACT-FIT-CACHE-1\n" + digest + b"\n" + raw,
        "pickle-in-npy": _npz({"__meta__.npy": _meta([KEY, {"$": "nd", "i": 0}]),
                               "a0.npy": _npy(np.array([_Payload(flag)], dtype=object))}),
        "function-not-allowed": _npz({"__meta__.npy": _meta({"$": "tuple", "v": [KEY, {"$": "fn", "name": "posix:system"}]})}),
        "class-not-allowed": _npz({"__meta__.npy": _meta({"$": "tuple", "v": [KEY, {"$": "dc", "cls": "Popen", "f": {}}]})}),
        "huge-array-header": _npz({"__meta__.npy": _meta({"$": "tuple", "v": [KEY, {"$": "nd", "i": 0}]}),
                                   "a0.npy": huge.getvalue() + b"\x00" * 16}),
        "deflated-member": b"PK" + b"\x00" * 40,
        "json-bomb": _npz({"__meta__.npy": _npy(np.frombuffer(b"[" * 100_000 + b"]" * 100_000, dtype=np.uint8))}),
    }


@pytest.mark.parametrize("kind", list(_forgeries("x")))
def test_forged_entry_never_runs_code(tmp_path, kind, caplog):
    flag = tmp_path / "PWNED"
    store = FitCache(tmp_path / "cache")
    store.put(KEY, np.arange(3.0))
    path = store.dir / f"entry-{KEY}.npz"
    path.write_bytes(_forgeries(flag)[kind])
    with caplog.at_level(logging.WARNING):
        assert store.get(KEY) is None
    assert not flag.exists()
    assert "ignoring an unreadable fit-cache entry" in caplog.text


@pytest.mark.slow
def test_forged_entries_in_a_shared_folder_run_nothing_and_the_run_succeeds(warm, assumptions, tmp_path, caplog):
    """Every entry of a warm cache replaced by a forgery: nothing executes, every channel is refitted
    with the same numbers, and the user is warned once."""
    import shutil

    d, m = warm
    d2 = tmp_path / "shared"
    shutil.copytree(d, d2)
    flag = tmp_path / "PWNED"
    forged = list(_forgeries(flag).values())
    for i, e in enumerate(_entries(d2)):
        e.write_bytes(forged[i % len(forged)])
    with caplog.at_level(logging.WARNING):
        m2 = impact.fit(assumptions, cache_dir=str(d2))
    assert not flag.exists()
    _same_fits(m, m2)
    assert caplog.text.count("ignoring an unreadable fit-cache entry") == 1
    # rewritten with good entries: the next run is warm again
    for e in _entries(d2):
        assert FitCache(d2).get(e.name[6:-4]) is not None


@pytest.mark.parametrize("damage", [b"", b"garbage", None, "flip"])
def test_corrupt_entry_is_a_miss(tmp_path, damage, caplog):
    store = FitCache(tmp_path)
    store.put(KEY, {"params": [1.0, 2.0]})
    f = store.dir / f"entry-{KEY}.npz"
    raw = f.read_bytes()
    if damage is None:
        f.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        i = raw.index(b"params") if b"params" in raw else len(raw) // 2
        f.write_bytes(raw[:i] + bytes([raw[i] ^ 1]) + raw[i + 1:])
    else:
        f.write_bytes(damage)
    assert store.get(KEY) is None
    assert "unreadable fit-cache entry" in caplog.text
    store.put(KEY, {"params": [1.0, 2.0]})
    assert store.get(KEY) == {"params": [1.0, 2.0]}


def test_entry_stored_under_another_key_is_a_miss(tmp_path):
    store = FitCache(tmp_path)
    store.put(KEY, 1.5)
    other = "cd" * 32
    (store.dir / f"entry-{KEY}.npz").rename(store.dir / f"entry-{other}.npz")
    assert store.get(other) is None


def test_round_trip_of_every_stored_type(tmp_path):
    import pandas as pd

    value = {"a": (1, 2.5, float("nan"), float("-inf"), None, True, "text"), 2025: [np.arange(4.0), np.eye(2)],
             "s": pd.Series([1.0, 2.0], index=pd.Index([2024, 2025], name="year"), name="x"),
             "m": pd.Series([1.0, 2.0], index=pd.period_range("2024-11", periods=2, freq="M")),
             "f": pd.DataFrame({"c": [1.0, 2.0], "d": [3, 4]}, index=["u", "v"])}
    store = FitCache(tmp_path)
    store.put(KEY, value)
    back = store.get(KEY)
    assert back["a"][:2] == (1, 2.5) and np.isnan(back["a"][2]) and back["a"][3:] == (float("-inf"), None, True, "text")
    np.testing.assert_array_equal(back[2025][1], np.eye(2))
    pd.testing.assert_series_equal(back["s"], value["s"])
    pd.testing.assert_series_equal(back["m"], value["m"])
    pd.testing.assert_frame_equal(back["f"], value["f"])


def test_objects_that_are_not_data_are_refused():
    with pytest.raises(TypeError):
        serial.dumps(_Payload("x"))
    with pytest.raises(TypeError):
        serial.dumps(np.array([object()], dtype=object))


@pytest.mark.slow
def test_no_cache_writes_nothing(tmp_path, assumptions):
    impact.fit(assumptions, cache=False, cache_dir=str(tmp_path / "none"))
    assert not (tmp_path / "none").exists()


# ----------------------------------------------------------------------------- pruning
def _age(path, days):
    past = time.time() - days * 86400
    os.utime(path, (past, past))


def test_pruning_deletes_only_its_own_stale_entries(tmp_path):
    """--cache-dir pointing at a working folder: the user's files (old *.pkl, *.npz, anything) survive."""
    work = tmp_path / "work"
    work.mkdir()
    mine = {"notes.pkl": b"user pickle", "data.npz": b"user arrays", "entry-" + "a" * 64 + ".npz": b"lookalike"}
    for name, body in mine.items():
        (work / name).write_bytes(body)
        _age(work / name, 400)
    store = FitCache(work)
    store.put("00" * 32, 1)
    store.put("11" * 32, 2)
    inside_user = store.dir / "keep-me.txt"
    inside_user.write_text("a user's file inside the cache folder")
    _age(inside_user, 400)
    for k in ("00", "11"):
        _age(store.dir / f"entry-{k * 32}.npz", 90)
    assert store.get("11" * 32) == 2  # a hit refreshes the entry
    store.put("22" * 32, 3)  # writing prunes
    assert sorted(p.name for p in store.entries()) == [f"entry-{'11' * 32}.npz", f"entry-{'22' * 32}.npz"]
    for name, body in mine.items():
        assert (work / name).read_bytes() == body
    assert inside_user.exists()


def test_pruning_needs_the_marker(tmp_path):
    store = FitCache(tmp_path)
    store.put("00" * 32, 1)
    (store.dir / MARKER).unlink()
    _age(store.dir / f"entry-{'00' * 32}.npz", 90)
    assert store.prune() == 0
    assert store.entries()


@pytest.mark.slow
def test_unwritable_cache_never_fails_a_run(tmp_path, assumptions, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING):
        m = impact.fit(assumptions, cache_dir=str(blocker))
    assert m.fits and blocker.read_text() == "not a folder"
    assert "could not write the fit cache" in caplog.text


def test_every_estimation_module_a_channel_imports_keys_its_fits():
    """A channel's fit is cached by the code it runs: every impact module its module imports (outside
    the report and result-display layers) is among the hashed files, so editing e.g. the panel
    estimator refits."""
    import ast
    from pathlib import Path

    import impact
    from impact.cache import hashed_files
    from impact.channels import registry

    root = Path(impact.__file__).parent
    for name in registry():
        path = root / "channels" / f"{name}.py"
        hashed = {p.resolve() for p in hashed_files(name)}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                mods = [node.module] if node.module else [a.name for a in node.names]
                for m in mods:
                    f = root / f"{m.replace('.', '/')}.py"
                    if f.exists() and m.split(".")[0] not in ("spec", "timing", "errors", "frozen"):
                        assert f.resolve() in hashed, f"{name} imports {m}, whose edits would not refit"
