"""Scenario engine and Monte Carlo: properties and distribution checks."""
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy import stats

from impact import channels as registry
from impact import distributions as dist
from impact.sampling import draw_inputs, streams

from .conftest import MC_SIGMAS

SCENARIOS = ["designation", "financial_blocking", "certification", "military_incursion"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixed_monte_carlo_equals_deterministic_run(model, scenario):
    mc = model.simulate(scenario, draws=100, seed=3, estimation=False, assumptions=False, variance_split=False)
    run = model.run(scenario)
    assert mc.draws.shape[0] == 100
    for d in range(mc.draws.shape[0]):
        assert np.array_equal(mc.draws[d].T, run.impacts.to_numpy()), d


def test_baseline_scenario_has_zero_impact(model):
    run = model.run("baseline")
    assert (run.impacts.to_numpy() == 0).all()
    mc = model.simulate("baseline", draws=200, seed=1, variance_split=False)
    assert (mc.draws == 0).all()


@settings(max_examples=30, deadline=None)
@given(seed=hst.integers(0, 2**32 - 1))
def test_zero_shocks_give_zero_impact_for_any_parameters(model, seed):
    # any parameter draw, every shock at zero -> zero impact in every channel
    sc = model.resolve("baseline")
    inputs = model.inputs("military_incursion")
    rng, _ = streams(model, seed)
    X = draw_inputs(model, inputs, rng, 20)
    for j, inp in enumerate(inputs):
        if inp.name.startswith("shocks."):
            X[:, j] = 0.0
    out = model.evaluate(sc, X, inputs=inputs)
    assert np.abs(out.impact).max() == 0.0


def _shock_cases():
    for ch, c in registry.registry().items():
        for shock in c.monotone:
            yield ch, shock


@pytest.mark.parametrize("channel,shock", list(_shock_cases()))
@settings(max_examples=15, deadline=None)
@given(a=hst.floats(0, 1), b=hst.floats(0, 1))
def test_larger_shock_never_gives_smaller_loss(model, channel, shock, a, b):
    sc = model.resolve("military_incursion")
    inputs = model.inputs(sc)
    names = [i.name for i in inputs]
    j = names.index(f"shocks.{shock}")
    hi = sc.shocks[shock].plausible[1] if sc.shocks[shock].plausible else 10.0
    lo_v, hi_v = sorted([a * hi, b * hi])
    X = np.repeat(model.central_row(sc)[None, :], 2, axis=0)
    X[0, j], X[1, j] = lo_v, hi_v
    out = model.evaluate(sc, X, inputs=inputs)
    k = list(model.channels).index(channel)
    small, large = out.impact[0, k], out.impact[1, k]
    assert (large <= small + 1e-12).all()


@pytest.mark.parametrize("scenario", ["designation", "military_incursion"])
def test_total_is_sum_of_channels_and_quantiles_ordered(model, scenario):
    mc = model.simulate(scenario, draws=3000, seed=11, variance_split=False)
    cube, chans, years = mc._cube()
    np.testing.assert_allclose(cube[:, -1, :], cube[:, :-1, :].sum(axis=1), rtol=1e-12, atol=1e-12)
    q = mc.quantiles((0.05, 0.25, 0.5, 0.75, 0.95))
    assert (np.diff(q.to_numpy(), axis=1) >= 0).all()
    iv = mc.interval(0.9)
    assert (iv["lower"] <= iv["upper"]).all()
    tidy = mc.to_frame()
    assert list(tidy.columns) == ["scenario", "channel", "period", "year", "measure", "statistic", "value", "unit"]
    assert set(tidy["year"].dropna()) == set(model.years) and set(tidy["period"]) == {"year", "cumulative"}
    assert np.isfinite(tidy["value"]).all()


def test_seed_reproducibility_and_chunk_invariance(model):
    a = model.simulate("certification", draws=1000, seed=5, variance_split=False)
    b = model.simulate("certification", draws=1000, seed=5, variance_split=False, chunk=37)
    c = model.simulate("certification", draws=1000, seed=6, variance_split=False)
    # chunking changes only BLAS blocking in the forecast-path product: equal to rounding
    np.testing.assert_allclose(a.draws, b.draws, rtol=1e-12, atol=1e-12)
    assert not np.array_equal(a.draws, c.draws)


def test_variance_split_shares(model):
    """The split equals the sample variances (numpy) of the cumulative draws of runs with only one
    source of uncertainty switched on, same seed, ``min(draws, SPLIT_DRAWS)`` draws each."""
    from impact.model import SPLIT_DRAWS

    n = 2000
    mc = model.simulate("designation", draws=n, seed=2)
    v = mc.variance
    m = min(n, SPLIT_DRAWS)
    est = model.simulate("designation", draws=m, seed=2, assumptions=False, variance_split=False)
    ass = model.simulate("designation", draws=m, seed=2, estimation=False, variance_split=False)
    assert list(v.index) == [*model.channels, "total"]
    for ch in v.index:
        want = {"total": np.var(mc.cumulative_draws(ch), ddof=1), "estimation": np.var(est.cumulative_draws(ch), ddof=1),
                "assumptions": np.var(ass.cumulative_draws(ch), ddof=1)}
        for col, w in want.items():
            assert v.loc[ch, col] == pytest.approx(w, rel=1e-12), (ch, col)
        both = want["estimation"] + want["assumptions"]
        if both == 0:  # a channel the scenario does not move: no variance to split
            assert np.isnan(v.loc[ch, "share_estimation"]), ch
            continue
        assert v.loc[ch, "share_estimation"] == pytest.approx(want["estimation"] / both, rel=1e-12), ch
    # both sources move the total in this scenario (otherwise the comparison above says little)
    assert 0 < v.loc["total", "share_estimation"] < 1


def test_expected_impact_is_weighted_mean(model):
    from impact.results import expected_impact

    mcs = {n: model.simulate(n, draws=500, seed=1, variance_split=False) for n in SCENARIOS}
    e = expected_impact(mcs)
    want = sum(m.weight * m.cumulative_draws().mean() for m in mcs.values())
    assert e.loc["total", "expected"] == pytest.approx(want, rel=1e-10)
    assert e.loc["total", "lower"] <= e.loc["total", "expected"] <= e.loc["total", "upper"]

    # the interval is the mixture's 5 % and 95 % quantiles: the weighted share of draws at or below
    # each bound, counted here scenario by scenario, is the level to within one draw's weight
    wsum = sum(m.weight for m in mcs.values())

    def mixture_cdf(x):
        return sum(m.weight / wsum * np.mean(m.cumulative_draws() <= x) for m in mcs.values())

    one_draw = max(m.weight / wsum / m.n_draws for m in mcs.values())
    assert mixture_cdf(e.loc["total", "lower"]) == pytest.approx(0.05, abs=one_draw + 1e-12)
    assert mixture_cdf(e.loc["total", "upper"]) == pytest.approx(0.95, abs=one_draw + 1e-12)


CASES = [
    dist.Uniform(1.0, 4.0), dist.Triangular(0.0, 1.0, 4.0), dist.Pert(0.0, 1.0, 4.0), dist.Pert(2.0, 2.0, 9.0, 6.0),
    dist.Normal(-0.1, 0.08), dist.TruncNormal(0.0, 1.0, -0.5, 2.0), dist.LogNormal(0.5, 0.9),
]


@pytest.mark.parametrize("d", CASES, ids=lambda d: d.describe())
def test_sample_moments_match_definitions(d):
    n = 200_000
    u = np.random.default_rng(123).random(n)
    x = d.ppf(u)
    se_mean = np.sqrt(d.var() / n)
    assert abs(x.mean() - d.mean()) < MC_SIGMAS * se_mean
    # variance: standard error from the fourth central moment of the sample
    m4 = np.mean((x - x.mean()) ** 4)
    se_var = np.sqrt(max(m4 - x.var() ** 2, 1e-300) / n)
    assert abs(x.var() - d.var()) < MC_SIGMAS * se_var


def test_distribution_definitions_against_scipy():
    # independent closed forms: scipy's own distributions
    np.testing.assert_allclose(dist.Triangular(0, 1, 4).mean(), stats.triang(0.25, loc=0, scale=4).mean())
    np.testing.assert_allclose(dist.Triangular(0, 1, 4).var(), stats.triang(0.25, loc=0, scale=4).var())
    # PERT(0, 1, 4) = 4 * Beta(1 + 4/4, 1 + 4*3/4) = 4 * Beta(2, 4)
    np.testing.assert_allclose(dist.Pert(0, 1, 4).var(), stats.beta(2, 4, scale=4).var())
    np.testing.assert_allclose(dist.LogNormal(0.5, 0.9).mean(), stats.lognorm(0.9, scale=0.5).mean())
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(dist.Triangular(0, 1, 4).ppf(q), stats.triang(0.25, loc=0, scale=4).ppf(q))


def test_declared_rank_correlation_is_reproduced(model):
    inputs = model.inputs("designation")
    rng, _ = streams(model, 99)
    X = draw_inputs(model, inputs, rng, 20_000)
    names = [i.name for i in inputs]
    # tolerance: the standard error of Spearman's rho from n = 20,000 draws is at most about
    # 1/sqrt(n) = 0.007, so 0.02 is about 3 standard errors (and 0.03 about 4; fixed seed)
    assert model.assumptions.analysis.correlations, "no declared correlation to check"
    for c in model.assumptions.analysis.correlations:
        rho = stats.spearmanr(X[:, names.index(c.a)], X[:, names.index(c.b)]).statistic
        assert rho == pytest.approx(c.rho, abs=0.02)
    # an undeclared pair stays independent
    rho0 = stats.spearmanr(X[:, names.index("tourism.base_level")], X[:, names.index("imports.exposed_share")]).statistic
    assert abs(rho0) < 0.03


def test_run_and_simulate_accept_scenario_objects(model):
    sc = model.resolve("designation")
    assert model.run(sc).impacts.equals(model.run("designation").impacts)
    assert np.array_equal(model.simulate(sc, draws=100, seed=1, variance_split=False).draws,
                          model.simulate("designation", draws=100, seed=1, variance_split=False).draws)


@pytest.mark.parametrize("p", [dist.Pert(0, 1, 4), dist.Pert(2, 2, 9, 6), dist.Pert(0, 0.06, 0.3), dist.Pert(15, 15, 76),
                               dist.Pert(0, 0.01, 1, 10), dist.Pert(0, 0.99, 1, 10), dist.Pert(0, 0.5, 1, 0.5)],
                         ids=lambda p: p.describe())
def test_pert_inverse_cdf_matches_exact_beta(p):
    u = np.concatenate([np.random.default_rng(0).random(100_000), [0.0, 1e-12, 0.01, 0.5, 0.99, 1 - 1e-12, 1.0]])
    a, b = p._ab()
    exact = p.low + (p.high - p.low) * stats.beta.ppf(u, a, b)
    assert np.abs(p.ppf(u) - exact).max() <= 1e-8 * (p.high - p.low)


@pytest.mark.parametrize("low,mode,high,lamb", [(0, 0.5, 1, 4), (0, 0, 1, 4), (0, 1, 1, 10), (0, 0.01, 1, 0.2),
                                                (-3, 2, 10, 4), (1, 1.0001, 1e6, 4)])
def test_pert_bucket_lookup_equals_binary_search(low, mode, high, lamb):
    """The bucket table finds the same knot as a binary search for every non-tail probability,
    including probabilities equal to a knot's CDF value (ties)."""
    z, cdf, slope, lut, steps = dist._pert_table(*dist.Pert(low, mode, high, lamb)._ab())
    inner = cdf[(cdf >= dist.PERT_TAIL) & (cdf <= 1 - dist.PERT_TAIL)]
    u = np.concatenate([np.random.default_rng(1).uniform(dist.PERT_TAIL, 1 - dist.PERT_TAIL, 200_000), inner,
                        np.nextafter(inner, 0), np.nextafter(inner, 1)])
    u = u[(u >= dist.PERT_TAIL) & (u <= 1 - dist.PERT_TAIL)]
    ref = np.clip(np.searchsorted(cdf, u, side="right") - 1, 0, cdf.size - 2)
    np.testing.assert_array_equal(dist._knot_index(u, cdf, lut, steps), ref)
    tails = np.array([0.0, 1e-300, 1e-5, 1 - 1e-5, 1.0])  # only a valid index is promised here
    k = dist._knot_index(tails, cdf, lut, steps)
    assert k.min() >= 0 and k.max() <= cdf.size - 2


def test_truncnormal_against_scipy():
    d = dist.TruncNormal(1.0, 2.0, -0.5, 4.0)
    ref = stats.truncnorm((-0.5 - 1.0) / 2.0, (4.0 - 1.0) / 2.0, loc=1.0, scale=2.0)
    np.testing.assert_allclose([d.mean(), d.var()], [ref.mean(), ref.var()], rtol=1e-12)
    q = np.linspace(0.001, 0.999, 11)
    np.testing.assert_allclose(d.ppf(q), ref.ppf(q), rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_warm_run_imports_neither_statsmodels_nor_scipy_stats(tmp_path, assumptions):
    """With a warm fit cache a deterministic run needs no statsmodels (rebuilt lazily on demand)."""
    import subprocess
    import sys

    import impact

    impact.fit(assumptions, cache_dir=str(tmp_path))
    code = ("import sys, impact; m = impact.fit(impact.load_assumptions(), cache_dir=%r); m.run('designation'); "
            "print(any(k.startswith('statsmodels') for k in sys.modules), 'scipy.stats' in sys.modules)" % str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_shared_draws_equal_fresh_draws(assumptions, cache_dir):
    """Scenarios reuse one block of random numbers (common random numbers); a scenario simulated
    after others equals the same scenario on a fresh model, in every mode, bit for bit, and equals
    the chunked path that draws everything anew."""
    import impact
    from impact.sampling import draw_outcomes

    warm = impact.fit(assumptions, cache_dir=cache_dir)
    for name in ("baseline", "designation", "financial_blocking"):
        warm.simulate(name, draws=3000, seed=11)
    for name in ("military_incursion", "designation"):
        for est, ass in ((True, True), (True, False), (False, True)):
            fresh = impact.fit(assumptions, cache_dir=cache_dir)
            a = warm.simulate(name, draws=3000, seed=11, estimation=est, assumptions=ass, variance_split=False)
            b = fresh.simulate(name, draws=3000, seed=11, estimation=est, assumptions=ass, variance_split=False)
            np.testing.assert_array_equal(a.draws, b.draws)
            np.testing.assert_array_equal(a.baseline, b.baseline)
            chunked, _ = draw_outcomes(fresh, name, 3000, 11, estimation=est, assumptions=ass, chunk=1000)
            unshared, _ = draw_outcomes(fresh, name, 3000, 11, estimation=est, assumptions=ass, chunk=2999)
            np.testing.assert_allclose(chunked, a.draws, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(unshared, a.draws, rtol=1e-12, atol=1e-12)
    assert len(warm._memo) <= 2  # bounded: the main and the variance-split draws
    for seed in range(10):
        warm.simulate("designation", draws=100, seed=seed, variance_split=False)
    assert len(warm._memo) <= 2


def test_smaller_block_reuses_the_leading_rows_of_a_larger_one(assumptions, cache_dir):
    """The variance split's draws (fewer, same seed) are the first rows of the main block: taken as
    views of its arrays, equal to drawing them afresh."""
    import impact
    from impact.sampling import draw_outcomes

    warm = impact.fit(assumptions, cache_dir=cache_dir)
    warm.simulate("designation", draws=3000, seed=11, variance_split=False)
    big = next(iter(warm._memo.values()))
    for est, ass in ((True, False), (False, True), (True, True)):
        fresh = impact.fit(assumptions, cache_dir=cache_dir)
        a, base_a = draw_outcomes(warm, "designation", 1200, 11, estimation=est, assumptions=ass)
        b, base_b = draw_outcomes(fresh, "designation", 1200, 11, estimation=est, assumptions=ass)
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(base_a, base_b, rtol=1e-13, atol=1e-13)
    small = warm._memo[next(k for k in warm._memo if k[1] == 1200)]
    assert np.shares_memory(small["z"], big["z"])  # views, not copies


def test_cached_quantiles_equal_numpy(model):
    """Quantiles are computed in shared passes and cached; each equals np.quantile of the draws alone."""
    r = model.simulate("designation", draws=3000, seed=3, variance_split=False)
    for qs in [(0.05, 0.95), (0.1, 0.5), (0.05, 0.25, 0.5, 0.75, 0.95), (0.01,)]:
        for pct in (False, True):
            tot = r.draws.sum(axis=1, keepdims=True)
            cube = np.concatenate([r.draws, tot], axis=1)
            cube = np.concatenate([cube, cube.sum(axis=2, keepdims=True)], axis=2)
            if pct:  # % of each channel's own baseline; the total has none (unlike quantities)
                b = np.concatenate([r.baseline, r.baseline.sum(axis=1, keepdims=True)], axis=1)
                cube = 100 * cube / np.concatenate([b, b.sum(axis=2, keepdims=True)], axis=2)
                cube[:, -1, :] = np.nan
            expect = np.quantile(cube, list(qs), axis=0).reshape(len(qs), -1).T
            np.testing.assert_array_equal(r.quantiles(qs, pct=pct).to_numpy(), expect)


def test_shock_profiles_by_hand_and_shared_within_an_effect():
    """Timing profiles equal the long-way reference per year (any year order); shocks of one
    channel with the same start and timing share one read-only array."""
    from impact.channels.base import EffectContext
    from impact.timing import profile

    from .timing_reference import profile as reference

    years = np.array([2027, 2025, 2030, 2026])
    hl = np.array([0.5, 2.0, 40.0])
    start = dt.date(2026, 1, 1)
    dec = profile(years, start, "decay", hl)
    for i, h in enumerate(hl):
        for j, y in enumerate(years):
            assert dec[i, j] == pytest.approx(reference(int(y), start, "decay", float(h)), rel=1e-12, abs=0)
    assert profile(years, start, "persistent", hl).tolist() == [[1.0, 0.0, 1.0, 1.0]]
    assert profile(years, start, "once", hl).tolist() == [[0.0, 0.0, 0.0, 1.0]]
    later = dt.date(2027, 1, 1)
    ctx = EffectContext(years=years, params={}, shocks={}, starts={"a": start, "b": start, "c": later},
                        timings={"a": "decay", "b": "decay", "c": "decay"}, baseline=np.ones((3, 4)), constants={})
    pa, pb, pc = ctx.profile("a", hl), ctx.profile("b", hl), ctx.profile("c", hl)
    assert pa is pb and pc is not pa and not pa.flags.writeable
    np.testing.assert_array_equal(pa, dec)
    assert ctx.profile("a", hl.copy()) is not pa  # another half-life array: computed for it


def test_timed_shock_is_the_draws_times_the_profile():
    """ctx.timed(shock) equals draws x profile; an all-ones profile leaves the draws as one column
    (same numbers once broadcast) unless components are wanted."""
    from impact.channels.base import EffectContext

    years = np.arange(2025, 2031)
    draws = np.array([-0.0, 1.5, -2.25, 1e300])
    shocks = {"early": draws, "late": draws}
    hl = np.full(4, 2.0)
    for components in (False, True):
        ctx = EffectContext(years=years, params={}, shocks=shocks,
                            starts={"early": dt.date(2025, 1, 1), "late": dt.date(2027, 1, 1)},
                            timings={"early": "persistent", "late": "decay"}, baseline=np.ones((4, 6)),
                            constants={}, components=components)
        for name in shocks:
            full = draws[:, None] * ctx.profile(name, hl)
            got = ctx.timed(name, hl)
            np.testing.assert_array_equal(np.broadcast_to(got, full.shape), full)
        assert ctx.timed("early", hl).shape == ((4, 6) if components else (4, 1))
        if not components:
            assert not ctx.timed("early", hl).flags.writeable and draws.flags.writeable
        assert ctx.timed("late", hl).shape == (4, 6)
