"""Sensitivity analyses: an analytic toy channel with closed-form answers, and the real model."""
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

from impact import distributions as dist
from impact import sensitivity as sa
from impact.errors import SampleSizeWarning
from impact.evaluation import Input, Outcome

A = {"x1": 2.0, "x2": -3.0, "x3": 0.0}
DISTS = {"x1": dist.Uniform(0.0, 1.0), "x2": dist.Uniform(0.0, 2.0), "x3": dist.Normal(0.0, 1.0)}
CENTRAL = {"x1": 0.5, "x2": 1.0, "x3": 0.0}


@dataclass
class ToyModel:
    """Y = 2 x1 - 3 x2 + 0 x3 (linear, additive): closed-form tornado swings and Sobol indices."""

    channels: tuple = ("toy",)
    years: tuple = (2025,)

    def __post_init__(self):
        self.assumptions = SimpleNamespace(
            analysis=SimpleNamespace(tornado_low_q=0.1, tornado_high_q=0.9, sobol_base_samples=4096,
                                     sobol_min_base_samples=512),
            settings=SimpleNamespace(seed=7))

    def resolve(self, scenario):
        return SimpleNamespace(name=str(scenario))

    def inputs(self, scenario):
        return [Input(k, k, "unit", "assumption", CENTRAL[k], DISTS[k], "toy") for k in A]

    def central_row(self, scenario):
        return np.array([CENTRAL[k] for k in A])

    def evaluate(self, scenario, X, factors=None, inputs=None):
        X = np.atleast_2d(X)
        y = X @ np.array([A[k] for k in A])
        return Outcome(y[:, None, None], np.ones((len(y), 1, 1)), {})


def test_tornado_closed_form():
    t = sa.tornado(ToyModel(), "toy", target="toy")
    tab = t.table.set_index("input")
    # swing = |a| (P90 - P10): x1 U(0,1) -> 0.8; x2 U(0,2) -> 1.6
    assert tab.loc["x1", "swing"] == pytest.approx(2 * 0.8, rel=1e-12)
    assert tab.loc["x2", "swing"] == pytest.approx(3 * 1.6, rel=1e-12)
    assert tab.loc["x3", "swing"] == 0.0
    assert t.central == pytest.approx(2 * 0.5 - 3 * 1.0)
    r = t.ranked()
    assert list(r["input"]) == ["x2", "x1", "x3"] and (r["swing"] >= 0).all()
    assert (np.diff(r["swing"]) <= 0).all()


def test_sobol_closed_form():
    s = sa.sobol(ToyModel(), "toy", target="toy", base_samples=4096, seed=3)
    tab = s.table.set_index("input")
    # Var = 4/12 + 9*4/12 = 10/3 -> S1 = ST = (0.1, 0.9, 0).
    # Tolerance: the design is a scrambled Sobol' sequence, whose integration error for these smooth
    # (polynomial) integrands falls like 1/N = 1/4096 = 2.4e-4; 1e-3 is about 4/N.  The truth must
    # also lie inside each index's own 95 % bootstrap interval (S1_conf, ST_conf: 0.004-0.035 here).
    for k, want in (("x1", 0.1), ("x2", 0.9)):
        for col in ("S1", "ST"):
            assert tab.loc[k, col] == pytest.approx(want, abs=1e-3), (k, col)
            assert abs(tab.loc[k, col] - want) <= tab.loc[k, f"{col}_conf"], (k, col)
    # x3 does not enter: f(AB_3) = f(A) row by row, so both estimators are zero up to rounding
    assert abs(tab.loc["x3", "S1"]) < 1e-9 and abs(tab.loc["x3", "ST"]) < 1e-9


def test_small_sobol_sample_warns():
    with pytest.warns(SampleSizeWarning, match="unstable"):
        sa.sobol(ToyModel(), "toy", target="toy", base_samples=64)


def test_two_way_closed_form_and_central_cell():
    t = sa.two_way(ToyModel(), "toy", x="x1", y="x2", points=5, target="toy")
    g = t.table
    for yv, row in g.iterrows():
        for xv, val in row.items():
            assert val == pytest.approx(2 * xv - 3 * yv, rel=1e-12, abs=1e-12)
    assert g.iloc[2, 2] == t.central == 2 * 0.5 - 3 * 1.0


# ------------------------------------------------------------------ the real model
@pytest.mark.parametrize("target", ["total", "tourism", "imports", "business_costs"])
def test_tornado_on_model(model, target):
    t = model.sensitivity("designation", method="tornado", target=target)
    r = t.ranked()
    assert (r["swing"] >= 0).all() and (np.diff(r["swing"]) <= 1e-12).all()
    assert {"low", "high", "swing", "low_value", "high_value"} <= set(r.columns)
    run = model.run("designation")
    assert t.central == pytest.approx(run.cumulative[target], rel=1e-12)
    if target == "imports":  # tourism inputs do not enter the imports target
        assert (r.set_index("input").loc[["tourism.elasticity", "tourism.base_level", "tourism.half_life"], "swing"] == 0).all()


def test_tornado_all_targets_equal_single_input_runs(model):
    """One batch for every target: each low/high equals a model run with only that input moved."""
    res = sa.tornado_all(model, "financial_blocking")
    assert list(res) == [*model.channels, "total", "mx_gdp", "us_va"]
    sc = model.resolve("financial_blocking")
    inputs = model.inputs(sc)
    names = [i.name for i in inputs]
    for target, t in res.items():
        for _, row in t.table.head(4).iterrows():
            j = names.index(row["input"])
            x = model.central_row(sc)
            x[j] = inputs[j].ppf(np.array([model.assumptions.analysis.tornado_low_q]))[0]
            out = model.evaluate(sc, x[None, :])
            if target in ("mx_gdp", "us_va"):
                imp = out.measures[:, [0 if target == "mx_gdp" else 1], :]
            else:
                imp = out.impact if target == "total" else out.impact[:, [list(model.channels).index(target)], :]
            assert row["low"] == pytest.approx(float(imp.sum()), rel=1e-12, abs=1e-12), (target, row["input"])


def test_two_way_central_cell_equals_deterministic_run(model):
    run = model.run("designation")
    for tw in model.assumptions.analysis.two_way:
        t = model.sensitivity("designation", method="two_way", x=tw.x, y=tw.y, points=tw.points, target=tw.target)
        mid = (tw.points - 1) // 2
        want = run.cumulative[tw.target]
        assert t.table.iloc[mid, mid] == want  # exactly
        assert t.table.shape == (tw.points, tw.points)


def test_sobol_on_model_non_entering_inputs_near_zero(model):
    res = sa.sobol_all(model, "designation", base_samples=512, seed=1)
    imp = res["imports"].table.set_index("input")
    # an input that does not enter the target leaves f(AB_i) = f(A) row by row: every term of both
    # estimators is zero, so S1 and ST are zero up to rounding (not merely small)
    for k in ("tourism.elasticity", "tourism.base_level", "business_costs.export_share"):
        assert abs(imp.loc[k, "ST"]) < 1e-9 and abs(imp.loc[k, "S1"]) < 1e-9, k
    # Jansen's total-effect estimator is a mean of squares over a variance: never negative
    tot = res["total"].table
    assert (tot["ST"] >= 0).all()
    frame = res["total"].to_frame()  # real columns: one row per input and index
    assert frame.pivot(index="input", columns="index", values="value")["ST"].to_dict() == \
        tot.set_index("input")["ST"].to_dict()


def test_sobol_design_and_indices_match_salib():
    """Our vectorised design and estimators against the reference implementation (SALib)."""
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    k, n, seed = 4, 256, 11
    problem = {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0.0, 1.0]] * k}
    ref = salib_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    ours = sa.saltelli_design(k, n, seed)
    np.testing.assert_array_equal(ours, ref)
    # Ishigami-like nonlinear function with an inert input
    y = np.sin(ours[:, 0] * 6 - 3) + 7 * np.sin(ours[:, 1] * 6 - 3) ** 2 + 0.1 * (ours[:, 2] * 6 - 3) ** 4 * np.sin(ours[:, 0] * 6 - 3)
    got = sa.sobol_indices(y, k, num_resamples=100, seed=seed)
    want = salib_analyze.analyze(problem, y, calc_second_order=False, num_resamples=100, conf_level=0.95, seed=seed)
    for key in ("S1", "ST", "S1_conf", "ST_conf"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-9, atol=1e-12)
    assert got["ST"][3] == 0.0


def test_cached_design_equals_fresh_design(tmp_path):
    from impact.cache import FitCache

    store = FitCache(tmp_path)
    a = sa.cached_design(5, 64, 3, store)
    b = sa.cached_design(5, 64, 3, store)  # from the cache
    np.testing.assert_array_equal(a, sa.saltelli_design(5, 64, 3))
    np.testing.assert_array_equal(a, b)
    assert len(store.entries()) == 1
