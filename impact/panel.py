"""Fixed-effects panel regressions with inference that stays honest with few clusters.

:func:`fit_fe` is ordinary least squares with the fixed effects as dummy variables (statsmodels
``OLS``; with about 2,000 observations and 400 dummies this is exact and fast, and the results
object is statsmodels' own) and cluster-robust (CR1) standard errors with Student-t inference on
G - 1 degrees of freedom.  With 13 state clusters CR1 t tests still over-reject when clusters differ
in size or leverage (MacKinnon and Webb 2017, J. Applied Econometrics 32(2)), so the interval the
model uses comes from :func:`wild_cluster_bootstrap`: the wild cluster *restricted* bootstrap
(WCR) with Webb's six-point weights, inverted over the null hypothesis to give a confidence interval
(Roodman, MacKinnon, Nielsen and Webb 2019, Stata Journal 19(1), "Fast and wild").  Driscoll-Kraay
errors (statsmodels ``hac-groupsum``: robust to correlation across units within a period) are shown
beside it as a cross-check.

Everything is vectorised: after the other regressors are partialled out (Frisch-Waugh-Lovell), a
bootstrap replication is a product of G-vectors, so 9,999 replications on a grid of 400 nulls cost
well under a second.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from . import serial
from .results.estimates import Diagnostic

#: Webb (2014) six-point weights: mean 0, variance 1, and 6^G distinct draws (Rademacher's 2^G is
#: too few with 13 clusters: 8,192, with ties that make p-values coarse)
WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def design(frame: pd.DataFrame, y: str, x: Sequence[str], effects: Sequence[str]) -> tuple[pd.Series, pd.DataFrame]:
    """The dependent variable and the regressors: ``x``, a constant and one dummy per level of each
    fixed effect in ``effects`` (integer-coded columns of ``frame``) but the first."""
    parts = [frame[list(x)].astype(float)]
    for e in effects:
        codes = frame[e].to_numpy()
        levels = np.unique(codes)[1:]
        d = (codes[:, None] == levels[None, :]).astype(float)
        parts.append(pd.DataFrame(d, index=frame.index, columns=[f"{e}[{v}]" for v in levels]))
    X = pd.concat(parts, axis=1)
    X.insert(len(x), "const", 1.0)
    return frame[y].astype(float), X


#: estimation frames remembered by data content (see :func:`by_content`)
_FRAMES: dict[Any, pd.DataFrame] = {}


def by_content(build: Any, data: Any, ids: Sequence[str], *args: Any) -> pd.DataFrame:
    """``build(data, *args)``, remembered by the content of the series ``ids`` (values and index,
    hashed: a file's sha256 attribute survives slicing, so it cannot stand for the content) and
    ``args``: the data checks build the same frame for each of the 31 base years they try.  A copy is
    returned, so callers may change it."""
    import hashlib

    h = hashlib.sha256()
    for i in ids:
        h.update(pd.util.hash_pandas_object(data[i], index=True).to_numpy().tobytes())
    key = (build.__module__, build.__qualname__, h.hexdigest(), args)
    if key not in _FRAMES:
        if len(_FRAMES) > 16:
            _FRAMES.clear()
        _FRAMES[key] = build(data, *args)
    return _FRAMES[key].copy()


@serial.register_function
def fit_fe(frame: pd.DataFrame, y: str, x: tuple[str, ...], effects: tuple[str, ...], cluster: str) -> Any:
    """statsmodels OLS of ``y`` on ``x`` and the fixed effects, CR1 standard errors clustered by
    ``cluster`` (t on G - 1 degrees of freedom); the fit cache rebuilds results with it."""
    from statsmodels.regression.linear_model import OLS

    yy, X = design(frame, y, x, effects)
    return OLS(yy, X).fit(cov_type="cluster", cov_kwds={"groups": frame[cluster].to_numpy()}, use_t=True)


def driscoll_kraay(frame: pd.DataFrame, y: str, x: tuple[str, ...], effects: tuple[str, ...], time: str,
                   maxlags: int) -> Any:
    """The same regression with Driscoll-Kraay standard errors (statsmodels ``hac-groupsum``)."""
    from statsmodels.regression.linear_model import OLS

    yy, X = design(frame, y, x, effects)
    return OLS(yy, X).fit(cov_type="hac-groupsum", cov_kwds={"time": frame[time].to_numpy(), "maxlags": maxlags})


@serial.register
@dataclass(frozen=True)
class WildBootstrap:
    """Wild cluster restricted bootstrap of one coefficient.

    estimate : OLS coefficient (units of the regression)
    p_value : bootstrap p-value of H0: coefficient = 0 (symmetric, two-sided)
    lower, upper : confidence interval at ``level`` by test inversion
    se_equivalent : (upper - lower) / (2 z): the standard error of a normal interval as wide, which is
        what precision-weighted pooling with a prior uses
    """

    term: str
    estimate: float
    p_value: float
    lower: float
    upper: float
    level: float
    reps: int
    clusters: int
    weights: str = "Webb six-point"

    @property
    def se_equivalent(self) -> float:
        return (self.upper - self.lower) / (2.0 * NormalDist().inv_cdf(0.5 + self.level / 2.0))

    def as_diagnostic(self) -> Diagnostic:
        return Diagnostic(f"Wild cluster bootstrap ({self.term})", self.estimate, self.p_value,
                          f"{self.term} = 0",
                          f"WCR, {self.weights} weights, {self.reps:,} replications, {self.clusters} clusters; "
                          f"{self.level:.0%} interval {self.lower:.4f} to {self.upper:.4f}")


def _partial_out(X: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Residuals of the columns ``cols`` (n, k) on ``X`` (least squares)."""
    coef, *_ = np.linalg.lstsq(X, cols, rcond=None)
    return cols - X @ coef


@dataclass(frozen=True)
class _Parts:
    """The G-vector pieces of a WCR bootstrap of one coefficient (see :func:`wild_cluster_bootstrap`)."""

    b: float          # OLS coefficient
    D: float          # sum of squared partialled-out regressor
    Ay: np.ndarray    # (G,) cluster sums of x~ y~
    Ax: np.ndarray    # (G,) cluster sums of x~ x~ (= C_g)
    Fy: np.ndarray    # (G, G) x~_g' (M_Z (y~ 1_h))_g
    Fx: np.ndarray    # (G, G) x~_g' (M_Z (x~ 1_h))_g
    c: float          # CR1 small-sample factor


def _parts(y: np.ndarray, X: np.ndarray, k: int, groups: np.ndarray) -> _Parts:
    Z = np.delete(X, k, axis=1)
    gid, g = np.unique(groups, return_inverse=True)
    G, n = len(gid), len(y)
    ind = (g[:, None] == np.arange(G)[None, :]).astype(float)  # (n, G)
    xt, yt = _partial_out(Z, np.column_stack([X[:, k], y])).T
    D = float(xt @ xt)
    # M_Z applied to y~ (and x~) restricted to each cluster: G projections, done together
    My = _partial_out(Z, yt[:, None] * ind)
    Mx = _partial_out(Z, xt[:, None] * ind)
    Fy = ind.T @ (xt[:, None] * My)
    Fx = ind.T @ (xt[:, None] * Mx)
    c = G / (G - 1) * (n - 1) / (n - X.shape[1])
    return _Parts(b=float(xt @ yt) / D, D=D, Ay=ind.T @ (xt * yt), Ax=ind.T @ (xt * xt), Fy=Fy, Fx=Fx, c=c)


def _pvalue_fn(p: _Parts, v: np.ndarray) -> Any:
    """b0 array -> bootstrap p-values of H0: beta = b0 with weights ``v`` (reps, G).

    Everything that does not depend on b0 is multiplied out once: with A = Ay - b0 Ax and
    F = Fy - b0 Fx, b* - b0 = (v Ay - b0 v Ax) / D and the bootstrap cluster scores are
    v Fy' - b0 v Fx' - (b* - b0) Ax."""
    vAy, vAx = v @ p.Ay, v @ p.Ax
    vFy, vFx = v @ p.Fy.T, v @ p.Fx.T
    se = np.sqrt(p.c * np.sum((p.Ay - p.b * p.Ax) ** 2)) / p.D  # of the original fit: the same for every b0

    def pvalues(nulls: np.ndarray) -> np.ndarray:
        out = np.empty(len(nulls))
        for j, b0 in enumerate(nulls):
            db = (vAy - b0 * vAx) / p.D
            s = vFy - b0 * vFx - db[:, None] * p.Ax[None, :]
            tstar = db / (np.sqrt(p.c * np.einsum("ij,ij->i", s, s)) / p.D)
            out[j] = np.mean(np.abs(tstar) >= abs((p.b - b0) / se))
        return out

    return pvalues


def wild_cluster_bootstrap(y: np.ndarray, X: np.ndarray, k: int, groups: np.ndarray, *, term: str = "x",
                           reps: int = 9_999, level: float = 0.95, seed: int = 0,
                           center: float | None = None, scale: float | None = None) -> WildBootstrap:
    """WCR bootstrap of coefficient ``k`` of the OLS of ``y`` on ``X`` clustered by ``groups``.

    The interval is every null the bootstrap test does not reject at ``1 - level``, found on a grid
    around the estimate (``center`` +- 8 ``scale``, default the OLS coefficient and its CR1 standard
    error; widened, up to +- 1,024 ``scale``, while its end points are still accepted) and refined by
    bisection with the same weights.  With few or unbalanced clusters the accepted set can be
    unbounded: an end that is still accepted at the widest grid is reported as infinite (and
    ``se_equivalent`` is then infinite: the data carry no weight when pooled).  Deterministic for a
    given ``seed``.
    """
    y, X = np.asarray(y, float), np.asarray(X, float)
    p = _parts(y, X, k, np.asarray(groups))
    G = len(p.Ax)
    v = WEBB[np.random.default_rng(seed).integers(0, 6, size=(reps, G))]
    se0 = np.sqrt(p.c * np.sum((p.Ay - p.b * p.Ax) ** 2)) / p.D
    center = p.b if center is None else center
    scale = se0 if scale is None else scale
    alpha = 1.0 - level
    pvalues = _pvalue_fn(p, v)
    width = 8.0
    while True:
        grid = center + scale * np.linspace(-width, width, 161)
        keep = np.flatnonzero(pvalues(grid) > alpha)
        if keep.size == 0:  # only possible when the grid is too coarse around a point estimate
            raise ValueError(f"the wild bootstrap accepts no null on the grid around {center:g} (+- {width:g} x "
                             f"{scale:g}): the interval cannot be located")
        open_lo, open_hi = keep[0] == 0, keep[-1] == len(grid) - 1
        if not (open_lo or open_hi) or width >= 1024.0:
            break
        width *= 4.0
    lo = -np.inf if open_lo else _bisect(pvalues, alpha, grid[keep[0] - 1], grid[keep[0]])
    hi = np.inf if open_hi else _bisect(pvalues, alpha, grid[keep[-1] + 1], grid[keep[-1]])
    p0 = float(pvalues(np.array([0.0]))[0])
    return WildBootstrap(term=term, estimate=float(p.b), p_value=p0, lower=float(lo), upper=float(hi), level=level, reps=reps, clusters=G)


def _bisect(pvalues: Any, alpha: float, out: float, inside: float, steps: int = 30) -> float:
    """The boundary between a rejected null ``out`` and an accepted one ``inside``."""
    if out == inside:
        return inside
    for _ in range(steps):
        mid = 0.5 * (out + inside)
        if pvalues(np.array([mid]))[0] > alpha:
            inside = mid
        else:
            out = mid
    return 0.5 * (out + inside)


def covers(y: np.ndarray, X: np.ndarray, k: int, groups: np.ndarray, beta: float, *, reps: int = 399,
           level: float = 0.90, seed: int = 0) -> bool:
    """Whether the WCR interval at ``level`` contains ``beta`` (the bootstrap test of H0: beta does
    not reject): coverage studies need only this, not the interval's ends."""
    p = _parts(np.asarray(y, float), np.asarray(X, float), k, np.asarray(groups))
    v = WEBB[np.random.default_rng(seed).integers(0, 6, size=(reps, len(p.Ax)))]
    return bool(_pvalue_fn(p, v)(np.array([beta]))[0] > 1.0 - level)


__all__ = ["by_content", "design", "fit_fe", "driscoll_kraay", "wild_cluster_bootstrap", "WildBootstrap", "covers", "WEBB"]
