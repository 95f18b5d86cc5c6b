"""Monte Carlo input matrices.

Random numbers come from independent streams spawned from one ``numpy.random.SeedSequence(seed)``:
one for the parameter inputs and one per channel for baseline forecast paths.  Inputs are drawn by
inverse transform (``ppf`` of standard-normal CDF values), every input consuming its column of
random numbers even when fixed, so that the same seed gives the same underlying draws in every
scenario (common random numbers) and the results do not depend on the chunk size.

Rank correlations declared in analysis.yaml are imposed with a Gaussian copula: the Spearman
correlation rho_s is converted to the normal correlation 2 sin(pi rho_s / 6).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtr

from .passthrough import MEASURES

if TYPE_CHECKING:  # pragma: no cover
    from .assumptions import Scenario
    from .evaluation import Input
    from .model import Model


def _active(inp: Input, estimation: bool, assumptions: bool) -> bool:
    if not inp.uncertain:
        return False
    return assumptions if inp.kind == "assumption" else estimation


def copula_factor(model: Model, inputs: list[Input], active: list[bool]) -> tuple[np.ndarray, np.ndarray] | None:
    """(column indices, Cholesky factor) of the normal correlation among active correlated inputs."""
    cors = model.assumptions.analysis.correlations
    if not cors:
        return None
    pos = {inp.name: j for j, inp in enumerate(inputs) if active[j]}
    names = sorted({c.a for c in cors if c.a in pos and c.b in pos} | {c.b for c in cors if c.a in pos and c.b in pos})
    if len(names) < 2:
        return None
    idx = {n: i for i, n in enumerate(names)}
    r = np.eye(len(names))
    for c in cors:
        if c.a in idx and c.b in idx:
            r[idx[c.a], idx[c.b]] = r[idx[c.b], idx[c.a]] = 2 * np.sin(np.pi * c.rho / 6)
    w, v = np.linalg.eigh(r)
    w = np.clip(w, 0.0, None)  # validated PSD; clip rounding only
    fac = v * np.sqrt(w)
    return np.array([pos[n] for n in names]), fac


def streams(model: Model, seed: int) -> tuple[np.random.Generator, dict[str, np.random.Generator]]:
    ss = np.random.SeedSequence(seed)
    children = ss.spawn(1 + len(model.channels))
    return np.random.default_rng(children[0]), {ch: np.random.default_rng(c) for ch, c in zip(model.channels, children[1:])}


def draw_inputs(model: Model, inputs: list[Input], rng: np.random.Generator, n: int, *, estimation: bool = True,
                assumptions: bool = True) -> np.ndarray:
    """(n x inputs) matrix: active inputs drawn from their distributions, the others at central values."""
    return _inputs_from_normals(model, inputs, rng.standard_normal((n, len(inputs))), estimation, assumptions)


def _inputs_from_normals(model: Model, inputs: list[Input], z: np.ndarray, estimation: bool, assumptions: bool,
                         memo: dict[Any, np.ndarray] | None = None) -> np.ndarray:
    """Inputs from standard normals z (n x inputs; not modified).  ``memo`` shares the uniforms and
    the transformed columns between calls on the same z (scenarios differ mostly in a few shocks)."""
    n, k = z.shape
    active = [_active(i, estimation, assumptions) for i in inputs]
    cop = copula_factor(model, inputs, active)
    ukey = ("u", None) if cop is None else ("u", tuple(cop[0]), cop[1].tobytes())
    u = memo.get(ukey) if memo is not None else None
    if u is None:
        u = ndtr(z)
        if cop is not None:  # correlated columns through the Gaussian copula (z itself is not modified)
            cols, fac = cop
            u[:, cols] = ndtr(z[:, cols] @ fac.T)
        if memo is not None:
            memo[ukey] = u
    X = np.empty((n, k), order="F")  # filled and read column by column
    for j, inp in enumerate(inputs):
        if not active[j]:
            X[:, j] = inp.central
            continue
        xkey = (ukey, j, inp.distribution)
        col = memo.get(xkey) if memo is not None else None
        if col is None:
            col = inp.ppf(u[:, j])
            if memo is not None:
                memo[xkey] = col
        X[:, j] = col
    return X


#: Draw counts up to which one block's random numbers are kept for the next scenario.  Memory:
#: about 25 arrays of n x inputs per generation (~50 MB at 20,000 draws and 33 inputs).
SHARED_MAX_DRAWS = 20_000
_SHARED_GENERATIONS = 2  # a run uses two: the main draws and the variance-split draws


def _shared_draws(model: Model, inputs: list[Input], seed: int, n: int, estimation: bool,
                  assumptions: bool, store: dict[Any, Any] | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Inputs and baseline factors for a single block of n draws, reusing the random numbers, uniforms,
    transformed columns and forecast factors of earlier scenarios with the same seed and n.

    Every scenario consumes the same streams (common random numbers), so these are exactly the
    arrays :func:`draw_inputs` and :func:`draw_factors` would recompute; only the work is shared.
    A few (seed, n, inputs) generations are kept on the model; shared arrays are read-only.
    ``store``: a store shared by several models (a sweep's variants); generations are then also
    keyed by the models' baseline forecasts (:func:`forecast_key`), on which the factors depend.
    """
    names = tuple(i.name for i in inputs)
    gen: tuple[Any, ...] = (seed, n, names)
    if store is None:
        store = model._memo
    else:
        gen = gen + (forecast_key(model),)
    memo = store.pop(gen, None)
    if memo is None:
        memo = _leading_rows(store, seed, n, names)
    if memo is None:
        rng, ch_rngs = streams(model, seed)
        memo = {"z": rng.standard_normal((n, len(inputs))), "rngs": ch_rngs}
    store[gen] = memo  # most recently used last
    while len(store) > _SHARED_GENERATIONS:
        store.pop(next(iter(store)))
    fkey = ("factors", estimation)
    factors = memo.get(fkey)
    if factors is None:
        if "rngs" in memo:
            try:
                factors = draw_factors(model, memo["rngs"], n, True)
            except BaseException:
                # interrupted (Ctrl-C in a notebook) with the streams partly consumed: forget the whole
                # generation, so the next call draws it afresh and gets the same numbers as a clean run
                store.pop(gen, None)
                raise
            for f in factors.values():
                f.setflags(write=False)
            memo[("factors", True)] = factors
            del memo["rngs"]
        if not estimation:
            factors = {ch: np.ones((n, len(model.fits[ch].baseline.years))) for ch in model.fits}
            memo[fkey] = factors
        factors = memo[fkey]
    X = _inputs_from_normals(model, inputs, memo["z"], estimation, assumptions, memo)
    return X, dict(factors)


def forecast_key(model: Model) -> str:
    """Digest of every channel's baseline forecast distribution (what the forecast factors of a draw
    depend on besides the random numbers): models with equal keys draw equal factors."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    for ch, fit in model.fits.items():
        b = fit.baseline
        h.update(f"{ch}:{b.years}".encode())
        for arr in (b._log_mean, b._log_chol, b._aggregate):
            h.update(b"-" if arr is None else np.ascontiguousarray(arr, dtype=float).tobytes())
    return h.hexdigest()


def forget_columns(store: dict[Any, Any], keep: set[Any]) -> None:
    """Drop transformed columns of a shared store except those whose keys are in ``keep`` (a sweep keeps
    the base variant's columns and drops each variant's own after it ran, so memory stays bounded)."""
    for memo in store.values():
        for key in [k for k in memo if isinstance(k, tuple) and len(k) == 3 and k not in keep]:
            del memo[key]


def _leading_rows(store: dict[Any, Any], seed: int, n: int, names: tuple[str, ...]) -> dict[Any, Any] | None:
    """The first n draws of a larger block with the same seed and inputs, as views (the variance
    split's draws).  Streams fill row by row, so these equal the arrays n fresh draws would give:
    normals, uniforms and transformed columns elementwise, forecast factors row by row."""
    for key, memo in reversed(store.items()):
        s, big, nm = key[:3]
        if s == seed and nm == names and big > n and "rngs" not in memo:
            out: dict[Any, Any] = {}
            for key, v in memo.items():
                out[key] = {ch: f[:n] for ch, f in v.items()} if isinstance(v, dict) else v[:n]
            return out
    return None


def sample(model: Model, scenario: Scenario | str, n: int, seed: int, *, estimation: bool = True,
           assumptions: bool = True) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Input matrix (n x inputs) and baseline factors {channel: (n x years)} for one scenario."""
    sc = model.resolve(scenario)
    inputs = model.inputs(sc)
    rng, ch_rngs = streams(model, seed)
    X = draw_inputs(model, inputs, rng, n, estimation=estimation, assumptions=assumptions)
    return X, draw_factors(model, ch_rngs, n, estimation)


def draw_factors(model: Model, ch_rngs: dict[str, np.random.Generator], n: int, estimation: bool) -> dict[str, np.ndarray]:
    """Baseline forecast draws per channel as multiplicative factors (n x years); ones when off or certain."""
    factors = {}
    for ch, fit in model.fits.items():
        b = fit.baseline
        if b.uncertain:
            z = ch_rngs[ch].standard_normal((n, b.steps))  # drawn even when off, to keep the streams aligned
            factors[ch] = b.draw_factors(z) if estimation else np.ones((n, len(b.years)))
        else:
            factors[ch] = np.ones((n, len(b.years)))
    return factors


def draw_outcomes(model: Model, scenario: Scenario | str, n: int, seed: int, *, estimation: bool = True,
                  assumptions: bool = True, chunk: int = 50_000,
                  progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Impacts and baselines (n x channels x years) for ``n`` draws, evaluated ``chunk`` draws at a time."""
    impact, base, _ = draw_all(model, scenario, n, seed, estimation=estimation, assumptions=assumptions, chunk=chunk,
                               progress=progress)
    return impact, base


def draw_all(model: Model, scenario: Scenario | str, n: int, seed: int, *, estimation: bool = True,
             assumptions: bool = True, chunk: int = 50_000,
             progress: Callable[[int, int], None] | None = None,
             store: dict[Any, Any] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`draw_outcomes` plus the value-added measures of each draw (n x measures x years).
    ``store``: random numbers shared with other models (see :func:`_shared_draws`)."""
    sc = model.resolve(scenario)
    inputs = model.inputs(sc)
    if n <= min(chunk, SHARED_MAX_DRAWS):
        X, factors = _shared_draws(model, inputs, seed, n, estimation, assumptions, store)
        out = model.evaluate(sc, X, factors, inputs=inputs)
        if progress is not None:
            progress(n, n)
        return out.impact, out.baseline, out.measures
    rng, ch_rngs = streams(model, seed)
    H = len(model.years)
    C = len(model.channels)
    impact = np.empty((n, C, H))
    base = np.empty((n, C, H))
    measures = np.empty((n, len(MEASURES), H))
    done = 0
    while done < n:
        m = min(chunk, n - done)
        X = draw_inputs(model, inputs, rng, m, estimation=estimation, assumptions=assumptions)
        out = model.evaluate(sc, X, draw_factors(model, ch_rngs, m, estimation), inputs=inputs)
        impact[done: done + m] = out.impact
        base[done: done + m] = out.baseline
        measures[done: done + m] = out.measures
        done += m
        if progress is not None:
            progress(done, n)
    return impact, base, measures
