"""Named-field probability distributions for uncertain assumptions.

Each distribution is a frozen dataclass with named fields (never positional ``bounds``) and a
vectorised inverse CDF, so that every sampler (the Monte Carlo, the Sobol design, the tornado and
two-way percentiles) maps uniforms in (0, 1) to values the same way.

Kinds and their fields (all in the parameter's own unit):

========== =====================================================
fixed      value
uniform    low, high
triangular low, mode, high
pert       low, mode, high, lamb (shape, default 4)
normal     mean, sd
truncnormal mean, sd, low, high
lognormal  median, sigma   (sigma = standard deviation of log)
========== =====================================================
"""
from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
from scipy import special


@dataclass(frozen=True)
class Distribution:
    kind: ClassVar[str] = ""
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[dict[str, float]] = {}

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def var(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def support(self) -> tuple[float, float]:  # pragma: no cover - abstract
        """The smallest and largest values the distribution takes (infinite for normal tails)."""
        raise NotImplementedError

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) pairs for inconsistent fields; empty when valid."""
        return []

    def describe(self) -> str:
        body = ", ".join(f"{f.name}={getattr(self, f.name):g}" for f in fields(self))
        return f"{self.kind}({body})"

    @property
    def fixed(self) -> bool:
        return False


@dataclass(frozen=True)
class Fixed(Distribution):
    value: float
    kind: ClassVar[str] = "fixed"
    required: ClassVar[tuple[str, ...]] = ("value",)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), float(self.value))

    def support(self) -> tuple[float, float]:
        return float(self.value), float(self.value)

    def mean(self) -> float:
        return float(self.value)

    def var(self) -> float:
        return 0.0

    @property
    def fixed(self) -> bool:
        return True


@dataclass(frozen=True)
class Uniform(Distribution):
    low: float
    high: float
    kind: ClassVar[str] = "uniform"
    required: ClassVar[tuple[str, ...]] = ("low", "high")

    def problems(self) -> list[tuple[str, str]]:
        return [("high", f"high must be greater than low (got low={self.low:g}, high={self.high:g})")] if self.high <= self.low else []

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    def support(self) -> tuple[float, float]:
        return float(self.low), float(self.high)

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def var(self) -> float:
        return (self.high - self.low) ** 2 / 12


def _three_point_problems(low: float, mode: float, high: float) -> list[tuple[str, str]]:
    out = []
    if high <= low:
        out.append(("high", f"high must be greater than low (got low={low:g}, high={high:g})"))
    elif not low <= mode <= high:
        out.append(("mode", f"mode must lie between low and high (got low={low:g}, mode={mode:g}, high={high:g})"))
    return out


@dataclass(frozen=True)
class Triangular(Distribution):
    low: float
    mode: float
    high: float
    kind: ClassVar[str] = "triangular"
    required: ClassVar[tuple[str, ...]] = ("low", "mode", "high")

    def problems(self) -> list[tuple[str, str]]:
        return _three_point_problems(self.low, self.mode, self.high)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, c, b = self.low, self.mode, self.high
        u = np.asarray(u, dtype=float)
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.clip(np.where(u < fc, left, right), a, b)  # rounding may step outside by an ulp

    def support(self) -> tuple[float, float]:
        return float(self.low), float(self.high)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def var(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18


@dataclass(frozen=True)
class Pert(Distribution):
    low: float
    mode: float
    high: float
    lamb: float = 4.0
    kind: ClassVar[str] = "pert"
    required: ClassVar[tuple[str, ...]] = ("low", "mode", "high")
    optional: ClassVar[dict[str, float]] = {"lamb": 4.0}

    def problems(self) -> list[tuple[str, str]]:
        out = _three_point_problems(self.low, self.mode, self.high)
        if self.lamb <= 0:
            out.append(("lamb", f"lamb must be positive (got {self.lamb:g})"))
        elif self.lamb > PERT_MAX_LAMB:
            out.append(("lamb", f"lamb must be at most {PERT_MAX_LAMB:g} (got {self.lamb:g}): larger values put the "
                                "whole distribution within a hair of the mode (use kind: fixed)"))
        return out

    def _ab(self) -> tuple[float, float]:
        r = self.high - self.low
        a = 1 + self.lamb * (self.mode - self.low) / r
        b = 1 + self.lamb * (self.high - self.mode) / r
        return a, b

    def ppf(self, u: np.ndarray) -> np.ndarray:
        # The exact beta inverse (scipy.special.betaincinv) costs ~1.5 us a value: interpolate a
        # tabulated inverse CDF instead (see _pert_table) and use the exact inverse only in the far tails.
        u = np.asarray(u, dtype=float)
        z, cdf, slope, lut, steps = _pert_table(*self._ab())
        k = _knot_index(u, cdf, lut, steps)
        h = cdf[k + 1] - cdf[k]
        t = np.divide(u - cdf[k], h, out=np.zeros_like(u), where=h > 0)
        t2 = t * t
        t3 = t2 * t
        # cubic Hermite in u, with the exact derivative dz/du = 1 / pdf(z) at both knots
        zz = ((2 * t3 - 3 * t2 + 1) * z[k] + (t3 - 2 * t2 + t) * h * slope[k]
              + (3 * t2 - 2 * t3) * z[k + 1] + (t3 - t2) * h * slope[k + 1])
        out = self.low + (self.high - self.low) * np.clip(zz, 0.0, 1.0)
        # exact in the far tails and next to the ends, where dz/du grows without bound (shape < 2)
        tail = (u < max(PERT_TAIL, cdf[PERT_END_KNOTS])) | (u > min(1.0 - PERT_TAIL, cdf[-1 - PERT_END_KNOTS]))
        if tail.any():
            from scipy.special import betaincinv

            a, b = self._ab()
            out[tail] = self.low + (self.high - self.low) * betaincinv(a, b, u[tail])
        return out

    def support(self) -> tuple[float, float]:
        return float(self.low), float(self.high)

    def mean(self) -> float:
        return (self.low + self.lamb * self.mode + self.high) / (self.lamb + 2)

    def var(self) -> float:
        a, b = self._ab()
        return (self.high - self.low) ** 2 * a * b / ((a + b) ** 2 * (a + b + 1))


@dataclass(frozen=True)
class Normal(Distribution):
    mean_: float
    sd: float
    kind: ClassVar[str] = "normal"
    required: ClassVar[tuple[str, ...]] = ("mean", "sd")

    def problems(self) -> list[tuple[str, str]]:
        return [("sd", f"sd must be positive (got {self.sd:g})")] if self.sd <= 0 else []

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.mean_ + self.sd * special.ndtri(np.asarray(u, dtype=float))

    def support(self) -> tuple[float, float]:
        return -math.inf, math.inf

    def mean(self) -> float:
        return self.mean_

    def var(self) -> float:
        return self.sd**2

    def describe(self) -> str:
        return f"normal(mean={self.mean_:g}, sd={self.sd:g})"



@dataclass(frozen=True)
class TruncNormal(Distribution):
    mean_: float
    sd: float
    low: float
    high: float
    kind: ClassVar[str] = "truncnormal"
    required: ClassVar[tuple[str, ...]] = ("mean", "sd", "low", "high")

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if self.sd <= 0:
            out.append(("sd", f"sd must be positive (got {self.sd:g})"))
        if self.high <= self.low:
            out.append(("high", f"high must be greater than low (got low={self.low:g}, high={self.high:g})"))
        return out

    def _ab(self) -> tuple[float, float]:
        return (self.low - self.mean_) / self.sd, (self.high - self.mean_) / self.sd

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF, accurate however far the mean lies outside [low, high].

        The naive ``ndtri(Phi(a) + u (Phi(b) - Phi(a)))`` loses every digit once both bounds sit in
        the same far tail (Phi(a) and Phi(b) round to the same number: every draw lands on one
        bound).  Here the interval is mirrored into the lower tail when it lies above the mean, and
        the CDF is interpolated in logs: log(Phi(a) + u (Phi(b) - Phi(a))) = log Phi(b) +
        log(u + (1 - u) exp(log Phi(a) - log Phi(b))), inverted by ``ndtri_exp``."""
        a, b = self._ab()
        u = np.asarray(u, dtype=float)
        # both bounds at or above the mean: use the mirror image, which lies in the lower tail (at a == 0,
        # a half-normal, the mirror keeps the digits of the upper tail; scipy.stats.truncnorm does the same)
        flip = a >= 0
        if flip:
            a, b, u = -b, -a, 1.0 - u
        la, lb = special.log_ndtr(a), special.log_ndtr(b)
        with np.errstate(divide="ignore"):
            logp = lb + np.log(u + (1.0 - u) * math.exp(la - lb))
        z = special.ndtri_exp(logp)
        if flip:
            z = -z
        return np.clip(self.mean_ + self.sd * z, self.low, self.high)

    def _moments(self) -> tuple[float, float]:
        """Mean and variance (scipy.stats.truncnorm's formulas), stable in the far tails: the ratios
        phi(x) / mass are computed in logs."""
        a, b = self._ab()
        if b - a < NARROW:  # an interval far narrower than sd: the density is linear on it
            c, w = (a + b) / 2, b - a  # mean and variance of a linear density, relative error O(w^2)
            return self.mean_ + self.sd * (c - c * w * w / 12), self.sd**2 * w * w / 12
        if a >= 0:  # mirror into the lower tail, as in ppf
            m, v = TruncNormal(-self.mean_, self.sd, -self.high, -self.low)._moments()
            return -m, v
        la, lb = special.log_ndtr(a), special.log_ndtr(b)
        log_mass = lb + math.log1p(-math.exp(la - lb)) if la < lb else -math.inf

        def ratio(x: float) -> float:  # phi(x) / mass
            return 0.0 if not math.isfinite(x) else math.exp(-x * x / 2 - 0.5 * math.log(2 * math.pi) - log_mass)

        ra, rb = ratio(a), ratio(b)
        d1 = ra - rb
        d2 = (a * ra if math.isfinite(a) else 0.0) - (b * rb if math.isfinite(b) else 0.0)
        return self.mean_ + self.sd * d1, self.sd**2 * (1 + d2 - d1**2)

    def support(self) -> tuple[float, float]:
        return float(self.low), float(self.high)

    def mean(self) -> float:
        return float(self._moments()[0])

    def var(self) -> float:
        return float(self._moments()[1])

    def describe(self) -> str:
        return f"truncnormal(mean={self.mean_:g}, sd={self.sd:g}, low={self.low:g}, high={self.high:g})"



@dataclass(frozen=True)
class LogNormal(Distribution):
    median: float
    sigma: float
    kind: ClassVar[str] = "lognormal"
    required: ClassVar[tuple[str, ...]] = ("median", "sigma")

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if self.median <= 0:
            out.append(("median", f"median must be positive (got {self.median:g})"))
        if self.sigma <= 0:
            out.append(("sigma", f"sigma must be positive (got {self.sigma:g})"))
        return out

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.median * np.exp(self.sigma * special.ndtri(np.asarray(u, dtype=float)))

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def var(self) -> float:
        return (math.exp(self.sigma**2) - 1) * math.exp(2 * math.log(self.median) + self.sigma**2)


#: PERT shape parameters above this concentrate the distribution beyond the knot table's accuracy
PERT_MAX_LAMB = 100.0
#: truncated-normal intervals narrower than this many sds take the linear-density moments
NARROW = 1e-4
PERT_TAIL = 1e-3  # probabilities this close to 0 or 1 use the exact inverse
PERT_END_KNOTS = 16  # ... as do those within 16 knot intervals (0.4 % of the range) of either end
_BUCKETS = 32768  # uniform probability buckets of the knot lookup table


def _knot_index(u: np.ndarray, cdf: np.ndarray, lut: np.ndarray, steps: int) -> np.ndarray:
    """``clip(searchsorted(cdf, u, side="right") - 1, 0, len(cdf) - 2)`` for u in [PERT_TAIL, 1 - PERT_TAIL],
    by a bucket table and at most ``steps`` vectorised forward steps (a binary search over 4,097
    knots costs ~5x more).  Outside that range the index is only guaranteed to be valid: those
    values are replaced by the exact inverse."""
    g = np.minimum((u * _BUCKETS).astype(np.intp), _BUCKETS - 1)
    k = lut[g]
    last = cdf.size - 1
    for _ in range(steps):
        k += cdf[np.minimum(k + 1, last)] <= u
    return np.minimum(k, cdf.size - 2)


def _bucket_table(cdf: np.ndarray) -> tuple[np.ndarray, int]:
    """Knot index at the lower edge of each probability bucket, and the number of forward steps
    that reaches the right knot for any u inside the non-tail buckets.

    With edges g / B (B a power of two, so ``cdf * B`` is exact): cdf[k] <= g / B iff
    ceil(cdf[k] B) <= g, and cdf[k] < (g + 1) / B iff floor(cdf[k] B) <= g; counting knots per
    bucket gives both indices in one pass (no search)."""
    scaled = cdf * _BUCKETS
    lo = np.cumsum(np.bincount(np.ceil(scaled).astype(np.intp), minlength=_BUCKETS + 1))[:_BUCKETS] - 1
    hi = np.cumsum(np.bincount(np.floor(scaled).astype(np.intp), minlength=_BUCKETS + 1))[:_BUCKETS] - 1
    # buckets [g/B, (g+1)/B) that reach into [PERT_TAIL, 1 - PERT_TAIL]: g0 <= g < g1, where
    # (g+1)/B > PERT_TAIL and g/B < 1 - PERT_TAIL (exact: B is a power of two)
    g0 = math.floor(PERT_TAIL * _BUCKETS)
    g1 = min(math.ceil((1.0 - PERT_TAIL) * _BUCKETS), _BUCKETS)
    steps = int(np.max(hi[g0:g1] - lo[g0:g1])) if g1 > g0 else 0
    return lo.astype(np.intp), max(steps, 0)


@lru_cache(maxsize=256)
def _pert_table(a: float, b: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Knots of the standardised PERT, a beta(a, b) on [0, 1], for cubic Hermite inversion of its CDF
    (keyed by shape: PERTs of the same shape on different ranges share one table).

    Returns the support points z (4,097, uniform), their CDF values (regularized incomplete beta),
    the derivatives dz/du = 1 / pdf(z) and the bucket lookup table (:func:`_bucket_table`).  Error
    of the interpolated inverse on [PERT_TAIL, 1 - PERT_TAIL]: below 1e-8 of the range (checked
    against scipy in the tests).
    """
    from scipy.special import betainc, betaln, xlog1py, xlogy

    z = np.linspace(0.0, 1.0, 4097)
    cdf = betainc(a, b, z)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        slope = np.exp(betaln(a, b) - xlogy(a - 1, z) - xlog1py(b - 1, -z))
    slope = np.where(np.isfinite(slope), slope, 0.0)  # infinite only at the ends, which the tails handle
    lut, steps = _bucket_table(cdf)
    return z, cdf, slope, lut, steps


KINDS: dict[str, type[Distribution]] = {
    c.kind: c for c in (Fixed, Uniform, Triangular, Pert, Normal, TruncNormal, LogNormal)
}


def make(kind: str, values: dict[str, float]) -> Distribution:
    """Build a distribution from its kind and named fields (already type-checked)."""
    cls = KINDS[kind]
    if cls in (Normal, TruncNormal):
        values = {("mean_" if k == "mean" else k): v for k, v in values.items()}
    return cls(**values)


def fields_of(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) field names of a distribution kind as written in YAML."""
    cls = KINDS[kind]
    return cls.required, tuple(cls.optional)
