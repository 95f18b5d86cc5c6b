"""Distributions, field by field: validity at the boundaries, descriptions, supports, input types,
and the PERT lookup table, each against an independent statement of what it must be (the module
docstring, scipy, numpy's searchsorted)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from impact import distributions as dist


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


@pytest.mark.parametrize("mean,sd,low,high", [(-40.0, 2.0, 1.0, 10.0), (50.0, 1.0, 3.0, 4.0), (0.0, 1.0, -2.0, 1.0),
                                              (0.0, 1.0, 0.0, 2.0)])
def test_truncated_normal_against_scipy_including_far_tails_with_nonzero_bounds(mean, sd, low, high):
    d = dist.TruncNormal(mean, sd, low, high)
    ref = stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
    u = np.linspace(0.0, 1.0, 101)
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
