"""Sweeps (impact.sweep_exec): designs, statistics checked against direct Model.simulate runs, the same
bytes serially, on a pool and on a Dask LocalCluster, resume after an interruption or a kill, failing
variants reported while the rest complete, and refits only when an estimator's inputs change."""
from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import qmc

import impact
from impact.cli import main
from impact.errors import AssumptionError, UsageError
from impact.sweep_design import read_design
from impact.sweep_run import variant_seed

# end to end: each sweep runs many analyses and writes Parquet and a workbook; `-m "not slow"` leaves the file out
pytestmark = pytest.mark.slow

pq = pytest.importorskip("pyarrow.parquet")

DESIGN = """\
method: latin_hypercube
samples: 6
seed: 11
draws: 300
chunk: 2
scenarios: [designation, military_incursion]
parameters:
  scenarios.designation.shocks.insecurity: {low: 5, high: 40}
  tourism.half_life: {low: 0.25, high: 1.2}
  tourism.elasticity.prior.mean: {low: -0.05, high: -0.005}
"""


def write(tmp: Path, text: str, name: str = "sweep.yaml") -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def assert_same_file(a: Path, b: Path) -> None:
    """Byte-identical Parquet files; on failure, say whether the table or the metadata differ, and where."""
    if a.read_bytes() == b.read_bytes():
        return
    ta, tb = pq.read_table(a), pq.read_table(b)
    ma = json.loads(ta.schema.metadata[b"impact.sweep"])
    mb = json.loads(tb.schema.metadata[b"impact.sweep"])
    meta = {k: (ma.get(k), mb.get(k)) for k in set(ma) | set(mb) if ma.get(k) != mb.get(k)}
    fa, fb = ta.to_pandas(), tb.to_pandas()
    rows = fa[(fa != fb).any(axis=1)] if fa.shape == fb.shape else f"shapes {fa.shape} {fb.shape}"
    raise AssertionError(f"{a.name} != {b.name}: metadata differs in {meta}; rows differing:\n{rows}")


@pytest.fixture(scope="module")
def base() -> impact.Assumptions:
    return impact.load_assumptions()


# ----------------------------------------------------------------------------- designs
def test_latin_hypercube_points_are_scipys_scaled_to_each_range(tmp_path: Path, base: impact.Assumptions) -> None:
    d = read_design(write(tmp_path, DESIGN), base)
    u = qmc.LatinHypercube(3, seed=11).random(6)  # the documented construction, called directly
    lows, highs = np.array([5, 0.25, -0.05]), np.array([40, 1.2, -0.005])
    got = np.array([[p[i.key] for i in d.inputs] for p in d.points()])
    np.testing.assert_allclose(got, lows + u * (highs - lows), rtol=1e-12)
    # a Latin hypercube: each of the 6 equal strata of every input holds exactly one point
    strata = np.floor((got - lows) / (highs - lows) * 6).astype(int)
    assert all(sorted(strata[:, j]) == list(range(6)) for j in range(3))


def test_grid_is_every_combination_and_sobol_needs_a_power_of_two(tmp_path: Path, base: impact.Assumptions) -> None:
    text = ("method: grid\nparameters:\n  tourism.half_life: {values: [0.5, 1.0]}\n"
            "  scenarios.designation.shocks.insecurity: {low: 10, high: 30, points: 3}\n")
    d = read_design(write(tmp_path, text), base)
    pts = [(p["tourism.half_life"], p["scenarios.designation.shocks.insecurity"]) for p in d.points()]
    assert pts == [(0.5, 10.0), (0.5, 20.0), (0.5, 30.0), (1.0, 10.0), (1.0, 20.0), (1.0, 30.0)]
    bad = write(tmp_path, "method: sobol\nsamples: 12\nparameters:\n  tourism.half_life: {low: 0.3, high: 1}\n",
                "s.yaml")
    with pytest.raises(AssumptionError, match=r"s.yaml:2:\d+: samples: Sobol' points need a power of two .*use 8"):
        read_design(bad, base)
    ok = read_design(write(tmp_path, "method: sobol\nsamples: 8\nseed: 3\nparameters:\n"
                                     "  tourism.half_life: {low: 0.3, high: 1}\n", "s2.yaml"), base)
    u = qmc.Sobol(1, scramble=True, seed=3).random(8)
    np.testing.assert_allclose([p["tourism.half_life"] for p in ok.points()], 0.3 + 0.7 * u[:, 0], rtol=1e-12)


@pytest.mark.parametrize("text, where, message", [
    ("method: grids\n", "sweep.yaml:1:1", "method: invalid value 'grids'; did you mean 'grid'"),
    ("method: latin_hypercube\nparameters:\n  tourism.half_life: {low: 0.3, high: 1}\n", "sweep.yaml:1:1",
     "missing required key 'samples'"),
    ("method: grid\nparameters:\n  tourism.half_lif: {values: [1]}\n", "sweep.yaml:3:3",
     "unknown parameter 'half_lif' of channel tourism; did you mean 'half_life'"),
    ("method: grid\nparameters:\n  scenarios.designation.shocks.insecurty: {values: [1]}\n", "sweep.yaml:3:3",
     "unknown shock 'insecurty'"),
    ("method: latin_hypercube\nsamples: 4\nparameters:\n  tourism.half_life: {low: 1, high: 0.5}\n", "sweep.yaml:4:3",
     "low must be below high"),
    ("method: latin_hypercube\nsamples: 4\nparameters:\n"
     "  scenarios.designation.shocks.insecurity: {low: -5, high: 40}\n", "sweep.yaml:4:3",
     "-5 is not accepted for scenarios.designation.shocks.insecurity: value out of bounds (got -5); allowed: between 0 "
     "and 1000"),
    ("method: grid\nscenarios: [designation, militry]\nparameters:\n  tourism.half_life: {values: [1]}\n",
     "sweep.yaml:2:26", "unknown scenario 'militry'"),
])
def test_bad_designs_exit_2_with_file_line_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                                   where: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    design = write(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    rc = main(["sweep", "sweep.yaml", "--out", "out.parquet", "-q"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert where in err and message in err, err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [design.name]  # nothing written


# ----------------------------------------------------------------------------- numbers
def _direct(base: impact.Assumptions, changes: dict[str, object], scenario: str, draws: int, seed: int
            ) -> dict[str, float]:
    """The documented statistics of one variant computed from Model.simulate and Model.run directly."""
    m = impact.fit(base.override(changes))
    mc = m.simulate(scenario, draws=draws, seed=seed, variance_split=False)
    total = mc.draws.sum(axis=(1, 2))
    gdp = mc.measure_draws[:, 0, :].sum(axis=1)
    central = m.run(scenario)
    return {"total.p5": np.percentile(total, 5), "total.p50": np.median(total), "total.mean": total.mean(),
            "total.sd": total.std(ddof=1), "total.central": float(central.impacts.to_numpy().sum()),
            "total.p_loss_gt_50": float(np.mean(total < -50)), "mx_gdp.p95": np.percentile(gdp, 95),
            "tourism.mean": mc.draws[:, 0, :].sum(axis=1).mean()}


@pytest.mark.parametrize("random_numbers", ["common", "per_variant"])
def test_statistics_equal_a_direct_simulation_of_the_variant(tmp_path: Path, base: impact.Assumptions,
                                                              random_numbers: str) -> None:
    design = write(tmp_path, DESIGN.replace("samples: 6", "samples: 3") + f"random_numbers: {random_numbers}\n")
    res = impact.sweep(base, design, workers=1)
    d = read_design(design, base)
    f = res.to_frame()
    seeds = {variant_seed(d, v) for v in range(3)}
    assert len(seeds) == (1 if random_numbers == "common" else 3)
    for vid in (0, 2):
        point = d.points()[vid]
        changes = {f"{k}.value": v for k, v in point.items() if k != "tourism.elasticity.prior.mean"}
        changes |= {f"{k}.distribution": {"kind": "fixed", "value": v} for k, v in point.items()
                    if k != "tourism.elasticity.prior.mean"}
        changes["tourism.elasticity.prior.mean"] = point["tourism.elasticity.prior.mean"]
        want = _direct(base, changes, "designation", 300, variant_seed(d, vid))
        for key, value in want.items():
            target, stat = key.split(".")
            got = f.loc[(f["variant"] == vid) & (f["scenario"] == "designation") & (f["target"] == target)
                        & (f["statistic"] == stat), "value"]
            assert len(got) == 1
            np.testing.assert_allclose(got.iloc[0], value, rtol=1e-12, atol=1e-12, err_msg=key)
        row = f[f["variant"] == vid].iloc[0]
        assert row["tourism.half_life"] == point["tourism.half_life"]


def test_drivers_are_standardised_ols_and_spearman(tmp_path: Path, base: impact.Assumptions) -> None:
    import statsmodels.api as sm
    from scipy.stats import spearmanr

    res = impact.sweep(base, write(tmp_path, DESIGN.replace("samples: 6", "samples: 8")), workers=1)
    tab = res.table("p50", "total")
    dr = res.drivers()
    X = tab[list(res.inputs)]
    y = tab["designation"]
    fit = sm.OLS((y - y.mean()) / y.std(ddof=0), sm.add_constant((X - X.mean()) / X.std(ddof=0))).fit()
    for name in res.inputs:
        assert dr.loc[("designation", name), "src"] == pytest.approx(fit.params[name], rel=1e-9)
        assert dr.loc[("designation", name), "spearman"] == pytest.approx(spearmanr(X[name], y).statistic, rel=1e-12)
    assert dr.loc[("designation", res.inputs[0]), "r2"] == pytest.approx(fit.rsquared, rel=1e-9)
    s = res.summary()
    assert s.loc[("designation", "p50"), "p95"] == pytest.approx(np.percentile(y, 95), rel=1e-12)


# ----------------------------------------------------------------------------- executors and files
@pytest.mark.slow
def test_serial_pool_and_dask_cluster_write_the_same_bytes(tmp_path: Path, base: impact.Assumptions) -> None:
    distributed = pytest.importorskip("distributed")
    design = write(tmp_path, DESIGN)
    impact.sweep(base, design, out=tmp_path / "serial.parquet", workers=1)
    impact.sweep(base, design, out=tmp_path / "pool.parquet", workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
            distributed.Client(c) as client:
        impact.sweep(base, design, out=tmp_path / "dask.parquet", client=client)
        # the command line's --scheduler ADDRESS: a client of its own on the same cluster
        assert main(["sweep", str(design), "--out", str(tmp_path / "address.parquet"), "--scheduler",
                     c.scheduler_address, "--no-workbook", "-q"]) == 0
    assert_same_file(tmp_path / "serial.parquet", tmp_path / "address.parquet")
    assert_same_file(tmp_path / "serial.parquet", tmp_path / "pool.parquet")
    assert_same_file(tmp_path / "serial.parquet", tmp_path / "dask.parquet")
    table = pq.read_table(tmp_path / "serial.parquet")
    meta = json.loads(table.schema.metadata[b"impact.sweep"])
    assert meta["design"] == DESIGN and meta["variants"] == 6 and meta["failures"] == []
    df = table.to_pandas()
    assert list(df.columns[:4]) == ["variant", "scenarios.designation.shocks.insecurity", "tourism.half_life",
                                    "tourism.elasticity.prior.mean"]
    assert df["variant"].is_monotonic_increasing and df["variant"].nunique() == 6
    assert not any(p.name.endswith(".parts") for p in tmp_path.iterdir())


def test_resume_after_an_interruption_gives_the_same_file(tmp_path: Path, base: impact.Assumptions) -> None:
    design = write(tmp_path, DESIGN)
    whole = tmp_path / "whole.parquet"
    impact.sweep(base, design, out=whole, workers=1)
    cut = tmp_path / "cut.parquet"
    seen: list[int] = []

    def stop_after_two_chunks(done: int, total: int) -> None:
        seen.append(done)
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        impact.sweep(base, design, out=cut, workers=1, progress=stop_after_two_chunks)
    parts = tmp_path / "cut.parquet.parts"
    assert sorted(p.name for p in parts.glob("chunk-*.parquet")) == ["chunk-000000.parquet", "chunk-000001.parquet"]
    assert not cut.exists()
    with pytest.raises(UsageError, match="holds an interrupted sweep .*--resume"):
        impact.sweep(base, design, out=cut, workers=1)
    other = write(tmp_path, DESIGN.replace("seed: 11", "seed: 12"), "other.yaml")
    with pytest.raises(UsageError, match="holds a sweep of other assumptions, design or draws"):
        impact.sweep(base, other, out=cut, workers=1, resume=True)
    resumed: list[int] = []
    impact.sweep(base, design, out=cut, workers=2, resume=True, progress=lambda d, t: resumed.append(d))
    assert resumed[0] == 4 and resumed[-1] == 6  # the kept chunks count as done and are not rerun
    assert_same_file(cut, whole)
    assert not parts.exists()


@pytest.mark.slow
def test_resume_after_a_kill_gives_the_same_file(tmp_path: Path, base: impact.Assumptions) -> None:
    text = DESIGN.replace("samples: 6", "samples: 12").replace("chunk: 2", "chunk: 1").replace("draws: 300",
                                                                                              "draws: 4000")
    design = write(tmp_path, text)
    whole = tmp_path / "whole.parquet"
    impact.sweep(base, design, out=whole, workers=1)
    cut = tmp_path / "cut.parquet"
    cmd = [sys.executable, "-m", "impact", "sweep", str(design), "--out", str(cut), "--workers", "1", "-q",
           "--no-workbook"]
    proc = subprocess.Popen(cmd, cwd=tmp_path)
    parts = tmp_path / "cut.parquet.parts"
    deadline = time.monotonic() + 120
    while len(list(parts.glob("chunk-*.parquet"))) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = len(list(parts.glob("chunk-*.parquet")))
    assert 3 <= kept < 12 and not cut.exists(), kept
    rc = subprocess.run(cmd + ["--resume"], cwd=tmp_path).returncode
    assert rc == 0
    assert_same_file(cut, whole)


def test_a_failing_variant_is_reported_and_the_others_complete(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # each value is valid alone (checked up front); low 15 with mode 10 breaks the PERT only jointly
    text = ("method: grid\ndraws: 200\nscenarios: [designation]\nparameters:\n"
            "  scenarios.designation.shocks.insecurity.distribution.low: {values: [5, 15]}\n"
            "  scenarios.designation.shocks.insecurity.distribution.mode: {values: [20, 10]}\n")
    write(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    rc = main(["sweep", "sweep.yaml", "--out", "out.parquet", "--workers", "2", "-q"])
    err = capsys.readouterr().err
    assert rc == 1, err
    assert "variant 3 (scenarios.designation.shocks.insecurity.distribution.low = 15, " \
           "scenarios.designation.shocks.insecurity.distribution.mode = 10) failed: AssumptionError" in err
    assert "1 of 4 variants failed" in err
    df = pd.read_parquet(tmp_path / "out.parquet")
    assert sorted(df["variant"].unique()) == [0, 1, 2]
    meta = json.loads(pq.read_schema(tmp_path / "out.parquet").metadata[b"impact.sweep"])
    assert [f["variant"] for f in meta["failures"]] == [3]
    assert (tmp_path / "out.xlsx").exists()
    rc = main(["sweep", "sweep.yaml", "--out", "ff.parquet", "--workers", "1", "--fail-fast", "-q"])
    err = capsys.readouterr().err
    assert rc == 1 and "stopped at the first failing variant" in err and "--resume" in err


def test_only_changed_estimator_inputs_refit(tmp_path: Path, base: impact.Assumptions,
                                             caplog: pytest.LogCaptureFixture) -> None:
    effect = write(tmp_path, "method: grid\ndraws: 100\nscenarios: [designation]\nparameters:\n"
                             "  tourism.half_life: {values: [0.5, 0.8, 1.1]}\n", "effect.yaml")
    options = write(tmp_path, "method: grid\ndraws: 100\nscenarios: [designation]\nparameters:\n"
                              "  tourism.estimator.hac_maxlags: {values: [1, 2, 3, 1]}\n", "options.yaml")
    assert base.channels["tourism"].options["hac_maxlags"] == 2
    with caplog.at_level(logging.INFO, logger="impact.model"):
        impact.sweep(base, effect, workers=1, cache=False)
    fits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fitting ")]
    assert len(fits) == len(base.channels)  # the base fit only: three variants, no refit
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="impact.model"):
        impact.sweep(base, options, workers=1, cache=False)
    fits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fitting ")]
    # the base fit, then tourism once for 1 and once for 3 (2 is the base's; the second 1 is remembered)
    assert fits.count("fitting tourism") == 3 and len(fits) == len(base.channels) + 2


def test_the_workbook_opens_and_states_the_spread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    write(tmp_path, DESIGN)
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "sweep.yaml", "--out", "s.parquet", "--workers", "1", "-q"]) == 0
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert wb.sheetnames == ["Across variants", "Variants", "Drivers", "About"]
    ws = wb["Variants"]
    df = pd.read_parquet(tmp_path / "s.parquet")
    med = df[(df["statistic"] == "p50") & (df["target"] == "total") & (df["scenario"] == "designation")]
    head = [c.value for c in ws[4]]
    col = head.index("designation")
    got = [r[col].value for r in ws.iter_rows(min_row=5, max_row=10)]
    np.testing.assert_allclose(got, med.sort_values("variant")["value"], rtol=1e-12)
    assert wb["Across variants"]._charts  # the native chart of the variants' medians


def test_output_must_be_parquet_and_arguments_are_checked(tmp_path: Path, base: impact.Assumptions,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    design = write(tmp_path, DESIGN)
    with pytest.raises(UsageError, match=r"must be a \.parquet file"):
        impact.sweep(base, design, out=tmp_path / "x.csv", workers=1)
    with pytest.raises(UsageError, match="workers"):
        impact.sweep(base, design, workers=0)
    with pytest.raises(UsageError, match="unknown scenario 'nope'"):
        impact.sweep(base, design, scenarios=["nope"], workers=1)
    with pytest.raises(UsageError, match="path of a sweep.yaml"):
        impact.sweep(base, 3, workers=1)  # type: ignore[arg-type]
    assert not list(tmp_path.glob("*.parts"))
    (tmp_path / "folder.parquet").mkdir()
    assert main(["sweep", str(design), "--out", str(tmp_path / "folder.parquet"), "-q"]) == 2
    assert "--out: " in capsys.readouterr().err and not list(tmp_path.glob("*.parts"))


def test_the_shipped_design_is_valid_and_init_copies_it(tmp_path: Path, base: impact.Assumptions,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from impact.assumptions import DEFAULT_DIR

    d = read_design(DEFAULT_DIR / "sweep.yaml", base)
    assert d.n_variants == 64 and d.method == "latin_hypercube"
    assert main(["init", str(tmp_path / "mine"), "-q"]) == 0
    assert (tmp_path / "mine" / "sweep.yaml").read_bytes() == (DEFAULT_DIR / "sweep.yaml").read_bytes()
    impact.load_assumptions(tmp_path / "mine")  # the folder holding sweep.yaml still loads
    assert main(["validate", "--assumptions", str(tmp_path / "mine"), "-q"]) == 0
    (tmp_path / "mine" / "sweep.yaml").write_text("method: latin_hypercube\nsamples: 0\n", encoding="utf-8")
    assert main(["validate", "--assumptions", str(tmp_path / "mine"), "-q"]) == 2  # validate checks the design too
    err = capsys.readouterr().err
    assert "sweep.yaml:2:1: samples: out of range (got 0)" in err and "missing required key 'parameters'" in err


# ----------------------------------------------------------------------------- building blocks
def test_random_numbers_shared_across_models_equal_fresh_draws(base: impact.Assumptions) -> None:
    """A store shared by several models (a sweep's variants) gives each model exactly the draws it
    would draw alone, also when its baseline forecast differs (the factors are then its own)."""
    from impact.sampling import draw_all, forecast_key

    m0 = impact.fit(base)
    m1 = impact.fit(base.override({"tourism.half_life.value": 0.9,
                                   "tourism.half_life.distribution": {"kind": "fixed", "value": 0.9}}))
    m2 = impact.fit(base.override({"remittances.enforcement_effect.value": -5.0}))  # moves the forecast
    assert forecast_key(m0) == forecast_key(m1) != forecast_key(m2)
    shared: dict = {}
    for m in (m0, m1, m2, m1):
        for sc in ("designation", "military_incursion"):
            got = draw_all(m, sc, 500, 7, store=shared)
            alone = draw_all(impact.fit(m.assumptions), sc, 500, 7)  # a fresh model: nothing shared
            for g, a in zip(got, alone):
                np.testing.assert_array_equal(g, a)


def test_override_reuses_the_loaded_data_and_still_checks_it(base: impact.Assumptions,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import impact.data as data_mod

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("an override re-read a data file")

    monkeypatch.setattr(data_mod, "validate_csv", no_reading)
    b = base.override({"tourism.half_life.value": 0.9})
    assert b.data["us_imports_mexico_monthly"] is base.data["us_imports_mexico_monthly"]
    # a base year the data cannot support: the data check runs again when the settings change
    with pytest.raises(AssumptionError, match="settings.base_year"):
        base.override({"settings.base_year": 2000})


def test_memory_store_keeps_the_seeded_fits_and_a_bounded_number_of_others() -> None:
    from impact.cache import MemoryStore

    class Disk:
        def __init__(self) -> None:
            self.put_keys: list[str] = []

        def get(self, key: str) -> None:
            return None

        def put(self, key: str, value: object) -> None:
            self.put_keys.append(key)

    disk = Disk()
    store = MemoryStore({"a": 1}, fallback=disk, limit=2)  # type: ignore[arg-type]
    for k in ("b", "c", "d"):
        store.put(k, k)
    assert store.get("a") == 1 and store.get("b") is None and store.get("d") == "d"
    assert set(store.entries) == {"a", "c", "d"} and disk.put_keys == ["b", "c", "d"]


def test_the_remembered_remittance_baseline_equals_a_fresh_one(base: impact.Assumptions) -> None:
    from impact.channels import remittances

    m = impact.fit(base)
    block = base.channels["remittances"]
    raw = m.fits["remittances"]
    first = remittances.adjusted_baseline(raw, block)
    assert remittances.adjusted_baseline(raw, block) is first  # remembered
    fresh = remittances._adjusted_baseline(raw, block)
    for name in ("mean", "lower", "upper", "_log_mean", "_log_chol"):
        np.testing.assert_array_equal(getattr(first, name), getattr(fresh, name))
    other = base.override({"remittances.enforcement_effect.value": -5.0}).channels["remittances"]
    assert not np.array_equal(remittances.adjusted_baseline(raw, other).mean, first.mean)


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    design = write(tmp_path, DESIGN)
    rc = main(["sweep", str(design), "--out", str(tmp_path / "x.parquet"), "--scheduler", "tcp://127.0.0.1:9",
               "--no-workbook", "-q"])
    err = capsys.readouterr().err
    assert rc == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "Traceback" not in err
    assert not (tmp_path / "x.parquet").exists() and not (tmp_path / "x.parquet.parts").exists()
