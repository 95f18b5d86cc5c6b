"""Distributions, field by field: validity at the boundaries, descriptions, supports, input types,
and the PERT lookup table, each against an independent statement of what it must be (the module
docstring, scipy, numpy's searchsorted)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.special
from scipy import stats

from impact import distributions as dist

from .conftest import scipy_counterpart


@pytest.mark.parametrize("d,problems", [
    (dist.Uniform(1.0, 1.0), [("high", "high must be greater than low (got low=1, high=1)")]),
    (dist.Uniform(1.0, 1.5), []),
    (dist.Triangular(1.0, 1.0, 1.0), [("high", "high must be greater than low (got low=1, high=1)")]),
    (dist.Triangular(1.0, 2.0, 2.0), []),  # the mode may sit on either end
    (dist.Triangular(1.0, 1.0, 2.0), []),
    (dist.Triangular(1.0, 2.5, 2.0), [("mode", "mode must lie between low and high (got low=1, mode=2.5, high=2)")]),
    (dist.Pert(0.0, 1.0, 2.0, 0.0), [("lamb", "lamb must be positive (got 0)")]),
    (dist.Pert(0.0, 1.0, 2.0, 0.5), []),
    (dist.Pert(2.0, 2.0, 2.0), [("high", "high must be greater than low (got low=2, high=2)")]),
    (dist.Normal(0.0, 0.0), [("sd", "sd must be positive (got 0)")]),
    (dist.Normal(0.0, 0.5), []),
    (dist.TruncNormal(0.0, 0.0, 1.0, 1.0), [("sd", "sd must be positive (got 0)"),
                                            ("high", "high must be greater than low (got low=1, high=1)")]),
    (dist.TruncNormal(0.0, 0.5, 1.0, 1.5), []),
    (dist.LogNormal(0.0, 0.0), [("median", "median must be positive (got 0)"), ("sigma", "sigma must be positive (got 0)")]),
    (dist.LogNormal(0.5, 0.5), []),
])
def test_problems_at_the_boundaries(d, problems):
    assert d.problems() == problems


@pytest.mark.parametrize("d,text", [
    (dist.Fixed(2.0), "fixed(value=2)"),
    (dist.Uniform(0.5, 2.0), "uniform(low=0.5, high=2)"),
    (dist.Triangular(1.0, 2.0, 4.0), "triangular(low=1, mode=2, high=4)"),
    (dist.Pert(1.0, 2.0, 4.0), "pert(low=1, mode=2, high=4, lamb=4)"),
    (dist.Normal(0.0, 1.5), "normal(mean=0, sd=1.5)"),
    (dist.TruncNormal(0.0, 1.5, -1.0, 3.0), "truncnormal(mean=0, sd=1.5, low=-1, high=3)"),
    (dist.LogNormal(2.0, 0.25), "lognormal(median=2, sigma=0.25)"),
])
def test_describe_names_every_field(d, text):
    assert d.describe() == text


@pytest.mark.parametrize("d,support", [
    (dist.Fixed(2.0), (2.0, 2.0)),
    (dist.Uniform(0.5, 2.0), (0.5, 2.0)),
    (dist.Triangular(1.0, 2.0, 4.0), (1.0, 4.0)),
    (dist.Pert(1.0, 2.0, 4.0), (1.0, 4.0)),
    (dist.Normal(0.0, 1.5), (-math.inf, math.inf)),
    (dist.TruncNormal(0.0, 1.5, -1.0, 3.0), (-1.0, 3.0)),
    (dist.LogNormal(2.0, 0.25), (0.0, math.inf)),
])
def test_support(d, support):
    assert d.support() == support


KINDS = [dist.Fixed(2.0), dist.Uniform(0.5, 2.0), dist.Triangular(1.0, 2.0, 4.0), dist.Pert(0.0, 0.9, 1.0, 6.0),
         dist.Normal(0.0, 1.5), dist.TruncNormal(0.0, 1.5, -1.0, 3.0), dist.LogNormal(2.0, 0.25)]


@pytest.mark.parametrize("d", KINDS, ids=lambda d: d.kind)
def test_ppf_takes_lists_and_integer_arrays_and_keeps_the_shape(d):
    u = np.array([[0.25, 0.5], [0.75, 0.125]])
    x = d.ppf(u)
    assert x.shape == u.shape and x.dtype == np.float64
    np.testing.assert_array_equal(d.ppf([0.25, 0.5]), d.ppf(np.array([0.25, 0.5])))
    ends = d.ppf(np.array([0, 1]))  # integers: the ends of the support (0 and 1 are the only integers in [0, 1])
    assert ends.dtype == np.float64
    np.testing.assert_array_equal(ends, d.ppf(np.array([0.0, 1.0])))
    if np.isfinite(d.support()).all():
        assert tuple(ends) == d.support()


@pytest.mark.parametrize("mean,sd,low,high", [
    (-40.0, 2.0, 1.0, 10.0), (50.0, 1.0, 3.0, 4.0), (0.0, 1.0, -2.0, 1.0), (0.0, 1.0, 0.0, 2.0),
    (0.0, 1.0, 0.5, 12.0),  # low just above the mean, high far above: u near 1 is the far upper tail
    (0.0, 1.0, -math.inf, 1.0), (0.0, 1.0, -1.0, math.inf), (0.0, 2.0, 0.5, math.inf),  # one-sided
    (1.0, 1.0, -math.inf, -2.0),
])
def test_truncated_normal_against_scipy_including_far_tails_with_nonzero_bounds(mean, sd, low, high):
    d = dist.TruncNormal(mean, sd, low, high)
    ref = stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
    # u close to 1: to 1 - 1e-14 where the interval lies above the mean (ppf mirrors it into the lower
    # tail); otherwise Phi(a) + u (Phi(b) - Phi(a)) rounds near 1 and the upper tail holds ~eps / (1 - u)
    # digits, so only to 1 - 1e-7
    near_one = 1.0 - np.logspace(-3, -14 if low > mean else -7, 12)
    u = np.concatenate([np.linspace(0.0, 1.0, 101)[1:-1], near_one])
    with warnings.catch_warnings():  # the ends of the support, infinite ones included, without a warning
        warnings.simplefilter("error")
        ends = d.ppf(np.array([0.0, 1.0]))
    np.testing.assert_allclose(ends, [low, high], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d.ppf(u), ref.ppf(u), rtol=1e-9, atol=1e-12)
    assert d.ppf(np.array([0.0]))[0] >= low and d.ppf(np.array([1.0]))[0] <= high
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-9)
    assert d.var() == pytest.approx(ref.var(), rel=1e-7)


# ----------------------------------------------------------------------------- the PERT lookup
SHAPES = [(1.05, 3.0), (3.0, 1.05), (1.2, 8.0), (8.0, 1.2), (2.0, 2.0), (41.0, 1.0)]


@pytest.mark.parametrize("a,b", SHAPES)
def test_bucket_table_is_the_documented_table(a, b):
    """lut[g] = the last knot with cdf <= g / B, and steps = the most knots any non-tail bucket
    spans: computed here with searchsorted, bucket by bucket."""
    _, cdf, _, lut, steps = dist._pert_table(a, b)
    B = dist._BUCKETS
    edges = np.arange(B) / B
    want_lo = np.searchsorted(cdf, edges, side="right") - 1
    np.testing.assert_array_equal(lut, want_lo)
    want_hi = np.searchsorted(cdf, (np.arange(B) + 1) / B, side="left") - 1
    g0, g1 = math.floor(dist.PERT_TAIL * B), math.ceil((1 - dist.PERT_TAIL) * B)
    assert steps == int(np.max(want_hi[g0:g1] - want_lo[g0:g1]))


@pytest.mark.parametrize("a,b", SHAPES)
def test_pert_is_exact_next_to_the_ends_for_every_shape(a, b):
    """Within and just beyond the 16 knot intervals next to each end (where the interpolation was
    off by up to 1.7e-5 for shapes below 2): the inverse equals scipy's beta.ppf to 1e-9."""
    _, cdf, _, _, _ = dist._pert_table(a, b)
    k = dist.PERT_END_KNOTS
    u = np.concatenate([np.linspace(cdf[k - 4], cdf[k + 4], 200), np.linspace(cdf[-k - 5], cdf[-k + 3], 200)])
    u = u[(u > 0) & (u < 1)]
    lamb = 4.0
    # a PERT on [0, 1] with these beta shapes: mode = (a - 1) / lamb * (high - low)
    p = dist.Pert(0.0, (a - 1) / lamb, 1.0, lamb) if abs((a - 1) + (b - 1) - lamb) < 1e-12 else None
    if p is None:
        p = dist.Pert(0.0, (a - 1) / (a + b - 2), 1.0, a + b - 2)
    np.testing.assert_allclose(p.ppf(u), stats.beta(a, b).ppf(u), rtol=0, atol=1e-9)


def test_fixed_fills_the_shape_it_is_given():
    assert dist.Fixed(3.0).ppf(np.zeros((4, 2))).shape == (4, 2)
    assert (dist.Fixed(3.0).ppf(np.zeros(5)) == 3.0).all()


@pytest.mark.parametrize("d", KINDS, ids=lambda d: d.kind)
def test_single_precision_probabilities_give_double_precision_values(d):
    """ppf promises float64 values: probabilities held in float32 are widened first, not computed
    in float32 (which loses 8 digits); checked against scipy on the same probabilities in float64."""
    u32 = np.array([0.003, 0.2, 0.5, 0.77, 0.9991], dtype=np.float32)
    x = d.ppf(u32)
    assert x.dtype == np.float64
    if d.fixed:
        assert (x == d.value).all()
        return
    lo, hi = d.support()
    scale = hi - lo if math.isfinite(hi - lo) else 1.0
    np.testing.assert_allclose(x, scipy_counterpart(d).ppf(u32.astype(np.float64)), rtol=1e-9, atol=1e-9 * scale)


@pytest.mark.parametrize("p", [dist.Pert(0.0, 0.0, 1.0), dist.Pert(0.0, 1.0, 1.0), dist.Pert(0.0, 0.01, 1.0, 100.0),
                               dist.Pert(2.0, 3.0, 9.0)], ids=lambda p: p.describe())
def test_pert_ppf_warns_about_nothing(p):
    """No floating-point or numpy warning, at the ends of the support (where the CDF of these shapes
    is flat to double precision) or inside; a warning per call would reach every user's console."""
    u = np.concatenate([[0.0, 1.0], np.linspace(1e-4, 1 - 1e-4, 999)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = p.ppf(u)
    assert (x[0], x[1]) == (p.low, p.high)
    # the interpolation's documented error bound (_pert_table): 1e-8 of the range
    np.testing.assert_allclose(x, scipy_counterpart(p).ppf(u), rtol=0, atol=1e-8 * (p.high - p.low))


def test_pert_uses_the_exact_inverse_only_in_the_tails(monkeypatch):
    """The documented split: probabilities below PERT_TAIL or within PERT_END_KNOTS knot intervals of
    an end go to the exact inverse (betaincinv); all others are interpolated.  The knots (4,097
    uniform points of the standard beta) are recomputed here with scipy, and the probabilities
    tested are midpoints of knot intervals on both sides of each boundary."""
    a, b = 3.0, 1.05  # a steep upper end: its 16 end knots lie below 1 - PERT_TAIL
    cdf = scipy.special.betainc(a, b, np.linspace(0.0, 1.0, 4097))
    k = dist.PERT_END_KNOTS
    low_cut, high_cut = max(dist.PERT_TAIL, cdf[k]), min(1.0 - dist.PERT_TAIL, cdf[-1 - k])
    assert high_cut == cdf[-1 - k]  # the knots, not PERT_TAIL, set the upper boundary for this shape
    mid = (cdf[:-1] + cdf[1:]) / 2
    u = np.concatenate([[dist.PERT_TAIL / 2], mid[k - 3:k + 3], np.linspace(0.05, 0.95, 7), mid[-k - 4:-k + 3]])
    u = u[(u > 0) & (u < 1)]
    seen: list[np.ndarray] = []
    exact = scipy.special.betaincinv

    def spy(a_: float, b_: float, q: np.ndarray) -> np.ndarray:
        seen.append(np.array(q, dtype=float))
        return exact(a_, b_, q)

    monkeypatch.setattr(scipy.special, "betaincinv", spy)
    x = dist.Pert(0.0, (a - 1) / (a + b - 2), 1.0, a + b - 2).ppf(u)
    got = np.concatenate(seen) if seen else np.array([])
    np.testing.assert_array_equal(np.sort(got), np.sort(u[(u < low_cut) | (u > high_cut)]))
    np.testing.assert_allclose(x, stats.beta(a, b).ppf(u), rtol=0, atol=1e-9)
