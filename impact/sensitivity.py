"""Sensitivity analyses on the single evaluation path.

* :func:`tornado` - each uncertain input at its low and high percentile (default P10/P90), all
  others central; swing = |high - low| of the target, ranked.  One batch of 2k + 1 rows.
* :func:`two_way` - a grid of two inputs (each from P5 to P95 with its central value in the
  middle), the target at every cell; the central cell is the deterministic run.
* :func:`sobol` - first-order and total Sobol indices with bootstrap confidence intervals, from a
  Saltelli design on a scrambled Sobol' sequence mapped through each input's inverse CDF, with the
  Saltelli (2010) first-order and Jansen total-order estimators.  The design and estimators
  reproduce SALib's ``sample.sobol`` / ``analyze.sobol`` (calc_second_order=False) exactly (a test
  checks this against SALib), vectorised over inputs and bootstrap resamples: SALib's own loops
  took most of a default run.  Inputs are treated as independent (declared correlations are not
  imposed in this design).

Targets: a channel name or ``"total"``; the measure is the cumulative impact over the horizon
(US$ bn) unless ``year`` is given.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .arguments import MAX_SEED, integer
from .errors import Issue, SampleSizeWarning, UsageError, user_stacklevel
from .passthrough import MEASURE_NAMES

#: value-added measures analysed beside the channels by default (jobs follow their value added)
VA_TARGETS = ("mx_gdp", "us_va")
from .results.sensitivity import SensitivityResult

if TYPE_CHECKING:  # pragma: no cover
    from .evaluation import Outcome
    from .model import Model


def _target(model: Model, out: Outcome, target: str, year: int | None) -> np.ndarray:
    """The target for each row of ``out``: the gross ``total``, a channel's impact, or a value-added
    measure of :data:`impact.passthrough.MEASURES` (``mx_gdp``, ``us_va``, ``mx_jobs``, ``us_jobs``)."""
    chans = list(model.channels)
    if target != "total" and target not in chans and target not in MEASURE_NAMES:
        raise UsageError(Issue(f"unknown target {target!r}",
                               hint=f"allowed: total, {', '.join(chans)}, or a measure: {', '.join(MEASURE_NAMES)}"))
    if target in MEASURE_NAMES:
        arr = out.measures[:, [MEASURE_NAMES.index(target)], :]
    else:
        arr = out.impact if target == "total" else out.impact[:, [chans.index(target)], :]
    if year is None:
        return arr.sum(axis=2).sum(axis=1)
    years = list(model.years)
    if year not in years:
        raise UsageError(Issue(f"year {year} is outside the horizon", hint=f"allowed: {years[0]}-{years[-1]}"))
    return arr[:, :, years.index(year)].sum(axis=1)


def _quantile_arg(q: Any, name: str) -> float:
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0.0 < float(q) < 1.0:
        raise UsageError(Issue(f"{name} must be a probability strictly between 0 and 1 (got {q!r})",
                               hint=f"e.g. {name}={0.1 if name == 'low' else 0.9}"))
    return float(q)


def _year_arg(model: Model, year: Any) -> None:
    if year is None:
        return
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or int(year) not in model.years:
        raise UsageError(Issue(f"year must be a year of the horizon (got {year!r})",
                               hint=f"allowed: {model.years[0]}-{model.years[-1]}, or None for the cumulative impact"))



def tornado(model: Model, scenario: Any, target: str = "total", *, year: int | None = None,
            low: float | None = None, high: float | None = None) -> SensitivityResult:
    """One-way sensitivity: every uncertain input at its ``low`` and ``high`` percentiles."""
    return tornado_all(model, scenario, [target], year=year, low=low, high=high)[target]


def tornado_all(model: Model, scenario: Any, targets: Sequence[str] | None = None, *, year: int | None = None,
                low: float | None = None, high: float | None = None) -> dict[str, SensitivityResult]:
    """:func:`tornado` for several targets (default: every channel, the total and :data:`VA_TARGETS`)
    from one batch of evaluations."""
    an = model.assumptions.analysis
    lo_q = an.tornado_low_q if low is None else _quantile_arg(low, "low")
    hi_q = an.tornado_high_q if high is None else _quantile_arg(high, "high")
    _year_arg(model, year)
    targets = list(model.channels) + ["total", *VA_TARGETS] if targets is None else list(targets)
    sc = model.resolve(scenario)
    inputs = model.inputs(sc)
    x0 = np.array([i.central for i in inputs])
    unc = [j for j, i in enumerate(inputs) if i.uncertain]
    X = np.repeat(x0[None, :], 1 + 2 * len(unc), axis=0)
    lows, highs = [], []
    for r, j in enumerate(unc):
        lv, hv = inputs[j].ppf(np.array([lo_q, hi_q]))
        X[1 + 2 * r, j], X[2 + 2 * r, j] = lv, hv
        lows.append(lv)
        highs.append(hv)
    out = model.evaluate(sc, X, inputs=inputs)
    res = {}
    for target in targets:
        y = _target(model, out, target, year)
        rows = []
        for r, j in enumerate(unc):
            inp = inputs[j]
            ylo, yhi = y[1 + 2 * r], y[2 + 2 * r]
            rows.append({"input": inp.name, "label": inp.label, "kind": inp.kind, "unit": inp.unit,
                         "low_value": lows[r], "central_value": inp.central, "high_value": highs[r],
                         "low": ylo, "high": yhi, "swing": abs(yhi - ylo)})
        table = pd.DataFrame(rows, columns=["input", "label", "kind", "unit", "low_value", "central_value",
                                            "high_value", "low", "high", "swing"])
        table = table.sort_values(["swing", "input"], ascending=[False, True]).reset_index(drop=True)
        table["rank"] = np.arange(1, len(table) + 1)
        res[target] = SensitivityResult(sc.name, "tornado", target, float(y[0]), table,
                                        meta={"low_q": lo_q, "high_q": hi_q}, year=year)
    return res


def _grid(inp: Any, points: int) -> np.ndarray:
    m = (points - 1) // 2
    lo, hi = (float(v) for v in inp.ppf(np.array([0.05, 0.95])))
    c = inp.central
    lo, hi = min(lo, c), max(hi, c)
    left = np.linspace(lo, c, m + 1)[:-1]
    right = np.linspace(c, hi, m + 1)[1:]
    return np.concatenate([left, [c], right])


def two_way(model: Model, scenario: Any, x: str, y: str, *, points: int = 7, target: str = "total",
            year: int | None = None) -> SensitivityResult:
    """Grid of the target over two inputs; the middle cell is the deterministic central value."""
    points = integer(points, "points", low=3, high=101)
    if points % 2 == 0:
        raise UsageError(Issue(f"points must be an odd number >= 3 (got {points})",
                               hint="the central value sits in the middle of the grid: use e.g. 5, 7 or 9"))
    _year_arg(model, year)
    sc = model.resolve(scenario)
    inputs = model.inputs(sc)
    names = [i.name for i in inputs]
    for n in (x, y):
        if n not in names:
            raise UsageError(Issue(f"unknown input {n!r}", hint="see model.inputs_frame(scenario)"))
    jx, jy = names.index(x), names.index(y)
    gx, gy = _grid(inputs[jx], points), _grid(inputs[jy], points)
    x0 = np.array([i.central for i in inputs])
    X = np.repeat(x0[None, :], points * points, axis=0)
    X[:, jx] = np.tile(gx, points)
    X[:, jy] = np.repeat(gy, points)
    vals = _target(model, model.evaluate(sc, X, inputs=inputs), target, year).reshape(points, points)
    table = pd.DataFrame(vals, index=pd.Index(gy, name=y), columns=pd.Index(gx, name=x))
    mid = (points - 1) // 2
    return SensitivityResult(sc.name, "two_way", target, float(vals[mid, mid]), table, year=year,
                             meta={"x": x, "y": y, "x_label": inputs[jx].label, "y_label": inputs[jy].label,
                                   "x_unit": inputs[jx].unit, "y_unit": inputs[jy].unit, "center": (mid, mid)})


def cached_base(k: int, n: int, seed: int, store: Any = None) -> np.ndarray:
    """:func:`sobol_base`, kept in the fit cache ``store`` when given.

    The points depend only on (k, n, seed) and scipy's Sobol' generator; caching the n x 2k base
    points (about 0.5 MB for the defaults) spares warm runs the import of ``scipy.stats``.
    """
    if store is None:
        return sobol_base(k, n, seed)
    import hashlib
    from importlib.metadata import version

    key = hashlib.sha256(f"sobol-base:{k}:{n}:{seed}:scipy={version('scipy')}".encode()).hexdigest()
    base = store.get(key)
    if not (isinstance(base, np.ndarray) and base.shape == (n, 2 * k)):
        base = sobol_base(k, n, seed)
        store.put(key, base)
    return base


def cached_design(k: int, n: int, seed: int, store: Any = None) -> np.ndarray:
    """:func:`saltelli_design` from :func:`cached_base`."""
    return saltelli_from_base(cached_base(k, n, seed, store), k)


def sobol_base(k: int, n: int, seed: int) -> np.ndarray:
    """n points of a scrambled Sobol' sequence in 2k dimensions (SALib's base sequence)."""
    from scipy.stats import qmc

    return qmc.Sobol(d=2 * k, scramble=True, seed=seed).random(n)


def saltelli_from_base(base: np.ndarray, k: int) -> np.ndarray:
    """Rows A, AB_1..AB_k, B for each base point (matrices A and B are the two halves of ``base``)."""
    n = base.shape[0]
    a, b = base[:, :k], base[:, k:]
    out = np.repeat(a[:, None, :], k + 2, axis=1)
    idx = np.arange(k)
    out[:, 1 + idx, idx] = b[:, idx]
    out[:, k + 1, :] = b
    return out.reshape(n * (k + 2), k)


def saltelli_design(k: int, n: int, seed: int) -> np.ndarray:
    """Uniform design of shape (n * (k + 2), k): for each base point the rows A, AB_1..AB_k, B.

    Same layout and numbers as ``SALib.sample.sobol.sample(problem, n, calc_second_order=False,
    scramble=True, seed=seed)`` for a problem with k inputs on [0, 1].
    """
    return saltelli_from_base(sobol_base(k, n, seed), k)


def sobol_indices(y: np.ndarray, k: int, *, num_resamples: int = 100, conf_level: float = 0.95,
                  seed: int | None = None) -> dict[str, np.ndarray]:
    """First-order (Saltelli 2010) and total (Jansen) indices with bootstrap intervals.

    ``y`` holds the outputs of :func:`saltelli_design` rows (one target, or several as columns of a
    2-D array).  Same estimators, resamples and intervals as ``SALib.analyze.sobol.analyze(...,
    calc_second_order=False)`` with the same seed; the bootstrap is computed as one product with a
    resample-count matrix instead of gathering every resample.
    """
    from scipy.special import ndtri

    y = np.asarray(y, dtype=float)
    single = y.ndim == 1
    y2 = y[:, None] if single else y
    n = y2.shape[0] // (k + 2)
    t = y2.shape[1]
    sd = y2.std(axis=0)
    flat = sd == 0
    y2 = (y2 - y2.mean(axis=0)) / np.where(flat, 1.0, sd)
    grid = y2.reshape(n, k + 2, t)
    a, ab, b = grid[:, 0, :], grid[:, 1:k + 1, :], grid[:, k + 1, :]        # (n,t), (n,k,t), (n,t)
    fo = b[:, None, :] * (ab - a[:, None, :])                                # (n,k,t)
    to = 0.5 * (a[:, None, :] - ab) ** 2

    def indices(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # w: (r, n) resample counts; moments over the pooled A and B values as np.var(np.r_[A, B])
        m1 = (w @ a + w @ b) / (2 * n)
        m2 = (w @ a**2 + w @ b**2) / (2 * n)
        var = m2 - m1**2                                                     # (r,t)
        var = np.where(var > 0, var, 1.0)  # a target that does not vary (flat) gets indices 0 below
        s1 = np.einsum("rn,nkt->rkt", w, fo) / n / var[:, None, :]
        st = np.einsum("rn,nkt->rkt", w, to) / n / var[:, None, :]
        return s1, st

    s1, st = indices(np.ones((1, n)))
    # seed=None: fresh entropy; any integer, 0 included, reproduces the same intervals
    rng = np.random.default_rng(seed).integers
    r = rng(n, size=(n, num_resamples))
    # w[j, i] = how often base point i is drawn in resample j
    w = np.bincount((np.arange(num_resamples)[None, :] * n + r).ravel(),
                    minlength=num_resamples * n).reshape(num_resamples, n).astype(float)
    s1_b, st_b = indices(w)
    zq = ndtri(0.5 + conf_level / 2)
    out = {"S1": s1[0], "S1_conf": zq * s1_b.std(axis=0, ddof=1), "ST": st[0], "ST_conf": zq * st_b.std(axis=0, ddof=1)}
    for key in out:
        out[key] = np.where(flat[None, :], 0.0, out[key])
        if single:
            out[key] = out[key][:, 0]
    return out


def _sobol_design(model: Model, scenario: Any, n: int, seed: int, store: Any = None
                  ) -> tuple[Any, list[Any], np.ndarray, dict[str, Any]]:
    sc = model.resolve(scenario)
    inputs = model.inputs(sc)
    unc = [j for j, i in enumerate(inputs) if i.uncertain]
    problem = {"num_vars": len(unc), "names": [inputs[j].name for j in unc], "seed": seed}
    k = len(unc)
    # Rows A, AB_1..AB_k, B per base point (layout of saltelli_design).  Only the 2n values of A and
    # B occur in a column, so each goes through its inverse CDF once; X is built column by column.
    base = np.clip(cached_base(k, n, seed, store), 1e-9, 1 - 1e-9)
    X = np.empty((n * (k + 2), len(inputs)), order="F")
    for j in set(range(len(inputs))) - set(unc):
        X[:, j] = inputs[j].central
    for c, j in enumerate(unc):
        va, vb = inputs[j].ppf(base[:, c]), inputs[j].ppf(base[:, k + c])
        col = np.repeat(va[:, None], k + 2, axis=1)
        col[:, 1 + c] = vb
        col[:, k + 1] = vb
        X[:, j] = col.ravel()
    return sc, [inputs[j] for j in unc], X, problem


def _sobol_result(sc: Any, unc: list[Any], target: str, year: int | None, si: dict[str, np.ndarray], n: int,
                  central: float, small: bool) -> SensitivityResult:
    table = pd.DataFrame({"input": [i.name for i in unc], "label": [i.label for i in unc],
                          "kind": [i.kind for i in unc], "S1": si["S1"], "S1_conf": si["S1_conf"],
                          "ST": si["ST"], "ST_conf": si["ST_conf"]})
    table = table.sort_values(["ST", "input"], ascending=[False, True]).reset_index(drop=True)
    return SensitivityResult(sc.name, "sobol", target, central, table, year=year,
                             meta={"base_samples": n, "evaluations": n * (len(unc) + 2), "small_sample": small})


def _sobol_args(model: Model, base_samples: Any, seed: Any) -> tuple[int, int]:
    n = model.assumptions.analysis.sobol_base_samples if base_samples is None else \
        integer(base_samples, "base_samples", low=8, high=2**16)
    if n & (n - 1):
        raise UsageError(Issue(f"base_samples must be a power of two (got {n})", hint="e.g. 512, 1024, 2048"))
    seed = model.assumptions.settings.seed if seed is None else integer(seed, "seed", low=0, high=MAX_SEED)
    return n, seed


def _check_n(model: Model, n: int) -> bool:
    nmin = model.assumptions.analysis.sobol_min_base_samples
    if n < nmin:
        warnings.warn(f"Sobol base sample {n} is below {nmin}: indices may be unstable (wide confidence intervals); "
                      "raise sensitivity.sobol.base_samples", SampleSizeWarning, stacklevel=user_stacklevel())
        return True
    return False


def sobol(model: Model, scenario: Any, target: str = "total", *, base_samples: int | None = None,
          seed: int | None = None, year: int | None = None) -> SensitivityResult:
    """First-order (S1) and total (ST) Sobol indices of the target, with 95 % bootstrap intervals."""
    n, seed = _sobol_args(model, base_samples, seed)
    _year_arg(model, year)
    small = _check_n(model, n)
    sc, unc, X, problem = _sobol_design(model, scenario, n, seed)
    out = model.evaluate(sc, X)
    yv = _target(model, out, target, year)
    central = float(_target(model, model.evaluate(sc, model.central_row(sc)[None, :]), target, year)[0])
    return _sobol_result(sc, unc, target, year, sobol_indices(yv, problem["num_vars"], seed=seed), n, central, small)


def sobol_all(model: Model, scenario: Any, *, base_samples: int | None = None, seed: int | None = None,
              store: Any = None) -> dict[str, SensitivityResult]:
    """Sobol indices for every channel, the total and the two money measures of value added
    (:data:`VA_TARGETS`) from one shared design (one batch of evaluations)."""
    n, seed = _sobol_args(model, base_samples, seed)
    small = _check_n(model, n)
    sc, unc, X, problem = _sobol_design(model, scenario, n, seed, store)
    out = model.evaluate(sc, X)
    c_out = model.evaluate(sc, model.central_row(sc)[None, :])
    targets = list(model.channels) + ["total", *VA_TARGETS]
    ys = np.column_stack([_target(model, out, t, None) for t in targets])
    si = sobol_indices(ys, problem["num_vars"], seed=seed)
    res = {}
    for j, t in enumerate(targets):
        one = {key: v[:, j] for key, v in si.items()}
        res[t] = _sobol_result(sc, unc, t, None, one, n, float(_target(model, c_out, t, None)[0]), small)
    return res


def basis_groups(model: Model, scenario: Any) -> dict[str, list[str]]:
    """The scenario's uncertain inputs grouped by the basis of their value (``spec.BASES`` order):
    a parameter's or shock's ``basis`` key; a baseline forecast's quantile counts as data."""
    from .spec import BASES

    sc = model.resolve(scenario)
    params = {p.qualname: p for p in (*sc.parameters.values(), *sc.shocks.values())}
    groups: dict[str, list[str]] = {b: [] for b in BASES}
    for inp in model.inputs(sc):
        if not inp.uncertain:
            continue
        basis = "data" if inp.kind == "forecast" else (params[inp.name].basis or "judgment")
        groups.setdefault(basis, []).append(inp.name)
    return {b: names for b, names in groups.items() if names}


def sobol_groups(model: Model, scenario: Any, groups: dict[str, list[str]] | None = None, target: str = "total", *,
                 base_samples: int | None = None, seed: int | None = None, store: Any = None) -> SensitivityResult:
    """Sobol indices of groups of inputs (default: by basis, :func:`basis_groups`).

    For a group G the design's row AB_G is A with G's columns taken from B, so the Saltelli (2010)
    and Jansen estimators of :func:`sobol_indices` give the group's closed first-order index
    (``S1``: the share of the target's variance explained by G's inputs alone, their interactions
    with each other included) and its total index (``ST``: with every interaction with other
    inputs).  Same base points as :func:`sobol` (same ``base_samples`` and seed), n * (G + 2)
    evaluations.  Table rows: ``input`` is ``basis:<group>``, ``label`` names the group and its size.
    """
    n, seed = _sobol_args(model, base_samples, seed)
    small = _check_n(model, n)
    sc = model.resolve(scenario)
    inputs = model.inputs(sc)
    groups = basis_groups(model, sc) if groups is None else groups
    pos = {inp.name: j for j, inp in enumerate(inputs)}
    unc = [j for j, inp in enumerate(inputs) if inp.uncertain]
    bad = sorted({m for members in groups.values() for m in members} - {inputs[j].name for j in unc})
    if bad or not groups:
        raise UsageError(Issue(f"groups must list uncertain inputs of {sc.name!r}" + (f"; not: {', '.join(bad)}"
                                                                                        if bad else ""),
                               hint="see Model.inputs_frame(scenario)"))
    k, g = len(unc), len(groups)
    base = np.clip(cached_base(k, n, seed, store), 1e-9, 1 - 1e-9)
    central = model.central_row(sc)
    a, b = np.tile(central, (n, 1)), np.tile(central, (n, 1))
    for c, j in enumerate(unc):
        a[:, j], b[:, j] = inputs[j].ppf(base[:, c]), inputs[j].ppf(base[:, k + c])
    X = np.repeat(a[:, None, :], g + 2, axis=1)
    X[:, g + 1, :] = b
    for i, members in enumerate(groups.values()):
        cols = [pos[m] for m in members]
        X[:, 1 + i, cols] = b[:, cols]
    y = _target(model, model.evaluate(sc, X.reshape(n * (g + 2), -1)), target, None)
    si = sobol_indices(y, g, seed=seed)
    table = pd.DataFrame({"input": [f"basis:{name}" for name in groups],
                          "label": [f"{name} inputs ({len(m)})" for name, m in groups.items()],
                          "kind": ["group"] * g, "S1": si["S1"], "S1_conf": si["S1_conf"],
                          "ST": si["ST"], "ST_conf": si["ST_conf"]})
    det = float(_target(model, model.evaluate(sc, central[None, :]), target, None)[0])
    return SensitivityResult(sc.name, "sobol", target, det, table.sort_values(["ST", "input"], ascending=[False, True])
                             .reset_index(drop=True),
                             meta={"base_samples": n, "evaluations": n * (g + 2), "small_sample": small,
                                   "groups": {name: tuple(m) for name, m in groups.items()}})
