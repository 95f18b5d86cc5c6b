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


def _spy_on_betaincinv(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    """Record the probabilities the exact PERT inverse (scipy's betaincinv) is asked for."""
    seen: list[np.ndarray] = []
    exact = scipy.special.betaincinv

    def spy(a_: float, b_: float, q: np.ndarray) -> np.ndarray:
        seen.append(np.array(q, dtype=float))
        return exact(a_, b_, q)

    monkeypatch.setattr(scipy.special, "betaincinv", spy)
    return seen


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
    seen = _spy_on_betaincinv(monkeypatch)
    x = dist.Pert(0.0, (a - 1) / (a + b - 2), 1.0, a + b - 2).ppf(u)
    got = np.concatenate(seen) if seen else np.array([])
    np.testing.assert_array_equal(np.sort(got), np.sort(u[(u < low_cut) | (u > high_cut)]))
    np.testing.assert_allclose(x, stats.beta(a, b).ppf(u), rtol=0, atol=1e-9)


# ----------------------------------------------------------------------------- edge cases found by mutation testing
@pytest.mark.parametrize("low,high", [(0.1, 0.45), (0.2, 0.9), (1.1, 5.7)])
def test_triangular_with_the_mode_on_the_upper_end_reaches_both_ends_exactly(low, high):
    """ppf(0) and ppf(1) are the ends of the support, bit for bit, when the mode sits on the upper end
    (fc = 1): u = 1 takes the upper branch, high - sqrt(0).  The pairs are ones where low + (high - low)
    rounds away from high, so the lower branch at u = 1 would miss the end."""
    assert low + (high - low) != high
    d = dist.Triangular(low, high, high)
    assert tuple(d.ppf(np.array([0.0, 1.0]))) == (low, high)


@pytest.mark.parametrize("mode", [0.9, 0.99])
def test_pert_ppf_warns_about_nothing_where_its_cdf_table_is_flat(mode):
    """A concentrated PERT (lamb 1000: beta(901, 101) and beta(991, 11)) has knots whose CDF underflows
    to the same subnormal number or to zero, and even decreases by rounding (betainc near 1e-289): the
    knot interval found for a small probability can have zero or negative width.  Those probabilities
    take the exact inverse, with no division by zero or invalid-value warning on the way; values
    against scipy's beta.ppf."""
    p = dist.Pert(0.0, mode, 1.0, 1000.0)
    u = np.concatenate([[0.0, 1.0, 1e-300, 2.04e-5], np.logspace(-300, -3, 61), 1 - np.logspace(-16, -3, 14)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = p.ppf(u)
    # the interpolation's documented error bound (_pert_table) at u = PERT_TAIL and 1 - PERT_TAIL
    np.testing.assert_allclose(x, scipy_counterpart(p).ppf(u), rtol=0, atol=1e-8)


def test_pert_ppf_stays_in_the_support_when_the_knots_cannot_resolve_it():
    """lamb = 1e7: the whole PERT lies within a few of the 4,097 knots, where the cubic through the
    knots swings far outside [0, 1].  Whatever the interpolation's error there, every value is in
    [low, high], the support."""
    p = dist.Pert(0.0, 0.02, 1.0, 1e7)
    x = p.ppf(np.linspace(0.0, 1.0, 2001))
    assert x.min() >= p.low and x.max() <= p.high


@pytest.mark.parametrize("a,b", [(3.0, 1.05), (1.05, 3.0)])
def test_pert_interpolates_at_exactly_the_tail_boundaries(a, b, monkeypatch):
    """The split is strict: the exact inverse takes probabilities below max(PERT_TAIL, cdf[16]) or above
    min(1 - PERT_TAIL, cdf[-17]), not the boundaries themselves.  Shape (3, 1.05) has the lower boundary
    at PERT_TAIL and the upper at a knot; (1.05, 3) the other way round.  Knots recomputed with scipy."""
    cdf = scipy.special.betainc(a, b, np.linspace(0.0, 1.0, 4097))
    k = dist.PERT_END_KNOTS
    u = np.array([max(dist.PERT_TAIL, cdf[k]), min(1.0 - dist.PERT_TAIL, cdf[-1 - k])])
    assert (u[0] == dist.PERT_TAIL) != (u[1] == 1.0 - dist.PERT_TAIL)  # one of each kind
    seen = _spy_on_betaincinv(monkeypatch)
    x = dist.Pert(0.0, (a - 1) / (a + b - 2), 1.0, a + b - 2).ppf(u)
    assert seen == []
    np.testing.assert_allclose(x, stats.beta(a, b).ppf(u), rtol=0, atol=1e-9)


@pytest.mark.parametrize("mean,sd,low,high", [
    (0.0, 1.0, 0.0, 1e-17),                        # Phi(0) and Phi(1e-17) are the same double
    (0.0, 1.0, 0.5, float(np.nextafter(0.5, 1.0))),  # one ulp wide, above the mean (mirrored)
    (3.0, 1.0, -1.0, float(np.nextafter(-1.0, 0.0))),  # one ulp wide, far below the mean
])
def test_truncated_normal_moments_with_no_computable_mass_are_never_wrong_numbers(mean, sd, low, high):
    """An interval so narrow that log Phi(a) == log Phi(b) (checked here) has no mass in double
    precision.  mean() and var() return without raising, and never give a number a distribution on
    [low, high] cannot have: a mean outside [low, high], or a variance above (high - low)^2 / 4
    (Popoviciu's inequality).  NaN ("cannot compute") passes; the mean and sd of the untruncated
    normal do not."""
    a, b = (low - mean) / sd, (high - mean) / sd
    assert low < high and scipy.special.log_ndtr(a) == scipy.special.log_ndtr(b)
    d = dist.TruncNormal(mean, sd, low, high)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m, v = d.mean(), d.var()
    assert not (m < low or m > high)
    assert not (v < 0 or v > (high - low) ** 2 / 4)


# ----------------------------------------------------------------------------- fixes from the mutation run
def test_half_normal_keeps_the_digits_of_its_upper_tail():
    """low == mean (a half-normal): the mirror keeps the upper tail exact, as scipy does; the
    unmirrored formula returned the upper bound at u = 1 - 2^-53 (docs/testing.md)."""
    from scipy import stats

    from impact.distributions import TruncNormal

    d = TruncNormal(0.0, 1.0, 0.0, 12.0)
    u = np.array([0.0, 0.5, 1 - 1e-12, 1 - 2.0**-53])
    want = stats.truncnorm(0.0, 12.0).ppf(u)
    np.testing.assert_allclose(d.ppf(u), want, rtol=1e-10)
    assert d.ppf(np.array([0.0]))[0] == 0.0
    assert np.isfinite(TruncNormal(0.0, 1.0, 0.0, np.inf).ppf(np.array([1 - 2.0**-53]))).all()


def test_truncated_normal_far_narrower_than_its_sd_has_the_moments_of_a_linear_density():
    """An interval of 2e-5 sd: the density is flat to 1e-5 on it, so the variance is the uniform's
    (high - low)^2 / 12 and the mean the midpoint (closed forms); the subtraction of nearly equal
    terms gave -4 % and a negative variance."""
    from impact.distributions import TruncNormal

    for sd in (1e4, 1e5, 1e8):
        d = TruncNormal(0.5, sd, 0.4, 0.6)
        assert d.var() == pytest.approx(0.2**2 / 12, rel=1e-6)
        assert d.mean() == pytest.approx(0.5, abs=1e-9)
    off = TruncNormal(0.0, 1e5, 1.0, 1.0 + 1e-3)  # off-centre: the density's slope tilts the mean by -c w^2 / 12
    c, w = 1.0e-5 + 0.5e-8, 1e-8
    assert off.mean() == pytest.approx(1.0 + 0.5e-3 - 1e5 * c * w * w / 12, rel=1e-12)


def test_triangular_with_the_mode_on_the_lower_end_starts_exactly_there():
    from impact.distributions import Triangular

    d = Triangular(0.1, 0.1, 0.7)
    u = np.linspace(0.0, 1.0, 10_001)
    x = d.ppf(u)
    assert x[0] == 0.1 and x[-1] == 0.7 and (x >= 0.1).all() and (x <= 0.7).all()


def test_pert_shape_is_bounded_where_its_table_stays_accurate():
    from impact.distributions import Pert

    assert [k for k, _ in Pert(0.0, 0.5, 1.0, lamb=1000.0).problems()] == ["lamb"]
    assert Pert(0.0, 0.5, 1.0, lamb=100.0).problems() == []
