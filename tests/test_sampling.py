"""Monte Carlo sampling against the scheme documented in impact/sampling.py.

The module docstring promises: one ``SeedSequence(seed)``, spawned into one stream for the inputs and
one per channel for the baseline paths; each input drawn by inverse transform of the normal CDF of
its own column of normals, *every* input consuming its column even when fixed (common random numbers
across scenarios and uncertainty switches); declared rank correlations through a Gaussian copula.
The expected numbers here are built from numpy's SeedSequence and scipy's normal CDF, not read
back from the code.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

import impact
from impact import sampling

SCENARIO = "designation"
N = 400
SEED = 31


def _documented_normals(model: Any, seed: int, n: int, k: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The input normals (n x k) and each channel's path normals (n x steps) of the documented streams."""
    children = np.random.SeedSequence(seed).spawn(1 + len(model.channels))
    z = np.random.default_rng(children[0]).standard_normal((n, k))
    paths = {ch: np.random.default_rng(c).standard_normal((n, model.fits[ch].baseline.steps))
             for ch, c in zip(model.channels, children[1:])}
    return z, paths


def _correlated(model: Any) -> set[str]:
    return {name for c in model.assumptions.analysis.correlations for name in (c.a, c.b)}


def test_streams_are_children_of_one_seed_sequence(model):
    rng, ch_rngs = sampling.streams(model, SEED)
    children = np.random.SeedSequence(SEED).spawn(1 + len(model.channels))
    assert list(ch_rngs) == list(model.channels)
    np.testing.assert_array_equal(rng.random(8), np.random.default_rng(children[0]).random(8))
    for ch, child in zip(model.channels, children[1:]):
        np.testing.assert_array_equal(ch_rngs[ch].random(8), np.random.default_rng(child).random(8), err_msg=ch)


@pytest.mark.parametrize("estimation,assumption_side", [(True, True), (False, True), (True, False), (False, False)])
def test_each_input_is_its_distribution_at_the_normal_cdf_of_its_own_column(model, estimation, assumption_side):
    """Columns switched off hold the central value; the others are ppf(Phi(z_j)) with z_j the j-th
    column of the input stream whatever is switched off (common random numbers); the baseline factors
    come from each channel's stream, ones when estimation uncertainty is off."""
    inputs = model.inputs(SCENARIO)
    X, factors = sampling.sample(model, SCENARIO, N, SEED, estimation=estimation, assumptions=assumption_side)
    z, paths = _documented_normals(model, SEED, N, len(inputs))
    on = {"assumption": assumption_side, "estimation": estimation, "forecast": estimation}
    varying = 0
    for j, inp in enumerate(inputs):
        if not (inp.uncertain and on[inp.kind]):
            assert (X[:, j] == inp.central).all(), inp.name
        elif inp.name not in _correlated(model):  # correlated columns: test_declared_rank_correlation
            np.testing.assert_allclose(X[:, j], inp.distribution.ppf(stats.norm.cdf(z[:, j])), rtol=1e-12,
                                       atol=1e-12, err_msg=inp.name)
            varying += 1
    assert varying >= (10 if estimation and assumption_side else 3 if estimation or assumption_side else 0)
    for ch, fit in model.fits.items():
        b = fit.baseline
        want = b.draw_factors(paths[ch]) if estimation and b.uncertain else np.ones((N, len(b.years)))
        np.testing.assert_allclose(factors[ch], want, rtol=1e-12, err_msg=ch)
    assert any(model.fits[ch].baseline.uncertain for ch in model.channels)  # so the factors are tested


def test_draw_inputs_and_draw_outcomes_default_to_every_source_of_uncertainty(model, cache_dir):
    inputs = model.inputs(SCENARIO)
    default = sampling.draw_inputs(model, inputs, sampling.streams(model, SEED)[0], N)
    both = sampling.draw_inputs(model, inputs, sampling.streams(model, SEED)[0], N, estimation=True, assumptions=True)
    np.testing.assert_array_equal(default, both)
    kinds = {inp.kind for j, inp in enumerate(inputs) if np.ptp(default[:, j]) > 0}
    assert kinds == {"assumption", "estimation", "forecast"}
    fresh = impact.fit(model.assumptions, cache_dir=cache_dir)  # a model without draws kept from other tests
    a, base_a = sampling.draw_outcomes(fresh, SCENARIO, N, SEED)
    b, base_b = sampling.draw_outcomes(model, SCENARIO, N, SEED, estimation=True, assumptions=True)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(base_a, base_b)


def test_progress_reports_draws_done_out_of_the_total(model):
    seen: list[tuple[int, int]] = []
    sampling.draw_outcomes(model, SCENARIO, 250, SEED, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(250, 250)]
    seen.clear()
    sampling.draw_outcomes(model, SCENARIO, 250, SEED, chunk=100,
                           progress=lambda done, total: seen.append((done, total)))
    assert seen == [(100, 250), (200, 250), (250, 250)]


def test_chunked_draws_give_the_same_impacts_and_baselines(model):
    """Chunks draw from the same streams row after row: the same numbers as one block (to rounding in
    the forecast-path product), baselines included."""
    impact_one, base_one = sampling.draw_outcomes(model, SCENARIO, 300, SEED)
    impact_chunks, base_chunks = sampling.draw_outcomes(model, SCENARIO, 300, SEED, chunk=70)
    np.testing.assert_allclose(impact_chunks, impact_one, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(base_chunks, base_one, rtol=1e-12, atol=1e-12)
    assert np.isfinite(base_chunks).all() and np.ptp(base_chunks[:, 0, -1]) > 0


def test_shared_baseline_factors_are_read_only(assumptions, cache_dir):
    """The docstring of _shared_draws: arrays shared between scenarios are read-only, so no consumer
    can change another scenario's draws."""
    m = impact.fit(assumptions, cache_dir=cache_dir)
    _, factors = sampling._shared_draws(m, m.inputs(SCENARIO), SEED, N, True, True)
    for ch, f in factors.items():
        if m.fits[ch].baseline.uncertain:
            assert not f.flags.writeable, ch
            with pytest.raises(ValueError):
                f[0, 0] = 2.0


def _with_correlations(assumptions: Any, cache_dir: str, cors: list[dict[str, Any]], fixed: str | None = None) -> Any:
    changes: dict[str, Any] = {"analysis.correlations": cors}
    if fixed is not None:  # a shock of the scenario held at its value (no distribution)
        changes[f"scenarios.{SCENARIO}.shocks.{fixed}.distribution"] = None
    return impact.fit(assumptions.override(changes), cache_dir=cache_dir)


def _draws(model: Any, n: int = 4000) -> tuple[np.ndarray, list[str]]:
    inputs = model.inputs(SCENARIO)
    return sampling.draw_inputs(model, inputs, sampling.streams(model, SEED)[0], n), [i.name for i in inputs]


@pytest.mark.parametrize("fixed", ["compliance_cost", "compliance_uplift"])
def test_a_correlation_with_a_fixed_input_changes_nothing(assumptions, cache_dir, fixed):
    """Pairs with a side fixed in the scenario (here a shock paired with a shock and with a correlated
    parameter) draw exactly as if they were not declared; the remaining pair, now on its own, keeps
    its correlation."""
    other = {"compliance_cost": "compliance_uplift", "compliance_uplift": "compliance_cost"}[fixed]
    pair = {"between": ["business_costs.operating_cost_base", "business_costs.security_share"], "rho": 0.5}
    declared = _with_correlations(assumptions, cache_dir, [
        pair, {"between": ["shocks.compliance_cost", "shocks.compliance_uplift"], "rho": 0.5},
        {"between": ["business_costs.security_share", f"shocks.{fixed}"], "rho": 0.3}], fixed=fixed)
    undeclared = _with_correlations(assumptions, cache_dir, [pair], fixed=fixed)
    X, names = _draws(declared)
    Y, _ = _draws(undeclared)
    assert np.ptp(X[:, names.index(f"shocks.{other}")]) > 0
    assert np.ptp(X[:, names.index(f"shocks.{fixed}")]) == 0
    np.testing.assert_array_equal(X, Y)
    rho = stats.spearmanr(X[:, names.index("business_costs.operating_cost_base")],
                          X[:, names.index("business_costs.security_share")]).statistic
    assert rho == pytest.approx(0.5, abs=0.03)  # 4,000 draws: standard error about 0.016


def test_perfect_correlations_give_equal_ranks(assumptions, cache_dir):
    """rho = 1 between three inputs: the normal correlation matrix is singular (eigenvalues that round
    below zero); every draw is still finite and the three columns have identical ranks."""
    three = ["business_costs.operating_cost_base", "business_costs.security_share", "shocks.compliance_cost"]
    cors = [{"between": [a, b], "rho": 1.0} for i, a in enumerate(three) for b in three[i + 1:]]
    X, names = _draws(_with_correlations(assumptions, cache_dir, cors), n=500)
    assert np.isfinite(X).all()
    ranks = [stats.rankdata(X[:, names.index(c)]) for c in three]
    np.testing.assert_array_equal(ranks[0], ranks[1])
    np.testing.assert_array_equal(ranks[0], ranks[2])


def test_an_interrupted_draw_of_forecast_factors_leaves_nothing_half_built(assumptions, cache_dir, monkeypatch):
    """Ctrl-C while the baseline factors are drawn (the streams partly consumed): the next call draws
    the generation afresh and gives the numbers of a clean run, not a KeyError or other numbers."""
    clean = impact.fit(assumptions, cache_dir=cache_dir).simulate("designation", draws=300, seed=8,
                                                                 variance_split=False)
    m = impact.fit(assumptions, cache_dir=cache_dir)
    real = sampling.draw_factors
    calls = {"n": 0}

    def interrupted(model, rngs, n, estimation):
        calls["n"] += 1
        if calls["n"] == 1:
            next(iter(rngs.values())).standard_normal(10)  # the streams move, then the user presses Ctrl-C
            raise KeyboardInterrupt
        return real(model, rngs, n, estimation)

    monkeypatch.setattr(sampling, "draw_factors", interrupted)
    with pytest.raises(KeyboardInterrupt):
        m.simulate("designation", draws=300, seed=8, variance_split=False)
    again = m.simulate("designation", draws=300, seed=8, variance_split=False)
    np.testing.assert_array_equal(again.draws, clean.draws)
