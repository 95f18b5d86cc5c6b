"""The single evaluation path: a scenario's inputs as columns, and every channel evaluated for a
matrix of them (one row per draw).

The deterministic run, the Monte Carlo (:mod:`impact.sampling`) and the sensitivity analyses
(:mod:`impact.sensitivity`) differ only in the rows they feed :func:`evaluate`.  Functions take the
fitted model (duck-typed: its ``assumptions``, ``fits`` and ``years``), so that this module imports
neither :mod:`impact.model` nor the analyses that use it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import channels as channel_registry
from . import distributions as dist
from . import passthrough
from .assumptions import Parameter, Scenario
from .channels.base import EffectContext

EVAL_BLOCK = 8192  # rows evaluated at a time (keeps the working set in cache)


@dataclass(frozen=True)
class Input:
    """One column of the input matrix.

    ``kind``: ``assumption`` (a value from the assumption files), ``estimation`` (a coefficient
    estimated from data, possibly pooled with a prior) or ``forecast`` (the quantile of a channel's
    baseline forecast).  Estimation uncertainty covers the last two."""

    name: str
    label: str
    unit: str
    kind: str
    central: float
    distribution: dist.Distribution
    channel: str | None
    source: str = ""

    @property
    def uncertain(self) -> bool:
        return not self.distribution.fixed

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.distribution.ppf(u)


@dataclass(frozen=True)
class Outcome:
    """Arrays from one evaluation: impacts and the baseline levels they apply to (draws, channels,
    years), US$ bn in the run's price basis; with ``components`` each channel's named parts of its
    impact.  ``measures`` (draws, measures, years): the value-added measures of
    :data:`impact.passthrough.MEASURES` summed over channels; with ``components`` also
    ``by_channel`` (draws, channels, measures, years)."""

    impact: np.ndarray
    baseline: np.ndarray
    components: Mapping[str, Mapping[str, np.ndarray]]
    measures: np.ndarray = field(default_factory=lambda: np.zeros((0, len(passthrough.MEASURES), 0)))
    by_channel: np.ndarray | None = None


def resolve(model: Any, scenario: str | Scenario) -> Scenario:
    """The fully merged assumptions of a scenario (``extends`` chain applied)."""
    if isinstance(scenario, Scenario):
        return scenario
    return model.assumptions.scenario(scenario)


def _param_input(model: Any, p: Parameter, channel: str) -> tuple[float, dist.Distribution, str]:
    if p.value is not None:
        d = p.distribution if p.distribution is not None else dist.Fixed(p.value)
        return p.value, d, "assumption"
    pooled = model.fits[channel].pooled[p.name]
    return pooled.value, dist.Normal(pooled.value, pooled.se), "estimation"


def inputs(model: Any, scenario: str | Scenario) -> list[Input]:
    """Every input of a scenario in a fixed order: parameters, shocks, then baseline forecasts."""
    sc = resolve(model, scenario)
    out: list[Input] = []
    for ch, block in model.assumptions.channels.items():
        for pn in block.parameters:
            p = sc.parameters[f"{ch}.{pn}"]
            c, d, kind = _param_input(model, p, ch)
            out.append(Input(p.qualname, p.label, p.unit_label, kind, c, d, ch, p.source))
    for p in sc.shocks.values():
        d = p.distribution if p.distribution is not None else dist.Fixed(p.value)
        out.append(Input(p.qualname, p.label, p.unit_label, "assumption", float(p.value), d, None, p.source))
    for ch, fit in model.fits.items():
        fd: dist.Distribution = dist.Uniform(0.0, 1.0) if fit.baseline.uncertain else dist.Fixed(0.5)
        out.append(Input(f"{ch}.baseline", f"{ch} baseline forecast (quantile)", "quantile", "forecast", 0.5, fd, ch,
                         fit.baseline.method))
    return out


def central_row(model: Any, scenario: str | Scenario) -> np.ndarray:
    """The deterministic run's row: every input at its central (most likely) value."""
    return np.array([i.central for i in inputs(model, scenario)], dtype=float)


def evaluate(model: Any, scenario: str | Scenario, X: np.ndarray, factors: Mapping[str, np.ndarray] | None = None,
             columns: list[Input] | None = None, components: bool = False) -> Outcome:
    """Evaluate every channel for each row of ``X`` (draws x inputs, columns as :func:`inputs`).

    ``factors`` optionally gives each channel's baseline forecast draws as multiplicative factors
    (draws x years); otherwise the ``<channel>.baseline`` quantile columns are used.
    ``components=True`` also returns each channel's components (draws x years).
    """
    sc = resolve(model, scenario)
    columns = columns if columns is not None else inputs(model, sc)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[None, :]
    n = X.shape[0]
    if n > 1 and X.strides[0] != X.itemsize:
        X = np.asfortranarray(X)  # the channels work column by column: contiguous columns are ~2x faster
    if n > EVAL_BLOCK:  # blocks that stay in cache are faster than one pass over big arrays
        return _in_blocks(model, sc, X, factors, columns, components)
    col = {inp.name: X[:, j] for j, inp in enumerate(columns)}
    shocks = {p.name: col[p.qualname] for p in sc.shocks.values()}
    starts = {p.name: p.start for p in sc.shocks.values()}
    timings = {p.name: str(p.timing) for p in sc.shocks.values()}
    years = np.asarray(model.years)
    impacts, bases, comps, coefs = [], [], {}, []
    for ch, fit in model.fits.items():
        params = {pn: col[f"{ch}.{pn}"] for pn in model.assumptions.channels[ch].parameters}
        fac = factors[ch] if factors is not None and ch in factors else \
            fit.baseline.quantile_factors(col[f"{ch}.baseline"])
        channel = channel_registry.get(ch)
        ctx = EffectContext(years=years, params=params, shocks=shocks, starts=starts, timings=timings,
                            baseline=fit.baseline.central[None, :] * fac, constants=fit.constants,
                            components=components, grid=channel.timing_grid)
        eff = channel.effect(ctx)
        coefs.append(passthrough.coefficients(channel, params, n))
        impacts.append(eff.impact)
        bases.append(eff.baseline)
        if components:  # + 0.0: no negative zeros (a zero shock times a loss factor) in the components
            comps[ch] = {k: v + 0.0 for k, v in eff.components.items()}
    out = np.stack(impacts, axis=1)
    out += 0.0  # turns IEEE negative zeros (zero shock times a loss factor) into plain zeros
    base = np.stack(bases, axis=1)
    prices = model.prices
    coef = np.stack(coefs)  # (channels, measures, draws): each measure per US$ of the gross change
    # one (measures x channels) @ (channels x years) product per draw: a draw's measures depend on its
    # own impacts only, whatever the block size
    measures = np.matmul(coef.transpose(2, 1, 0), out)
    by_channel = np.einsum("cmn,nch->ncmh", coef, out) if components else None
    # jobs coefficients are per US$ 1 m of 2024 dollars; money follows the run's price basis
    scale = np.where(_IS_JOBS[:, None], prices.jobs, prices.money)  # (measures, years)
    measures *= scale
    measures += 0.0
    if by_channel is not None:
        by_channel *= scale
        by_channel += 0.0
    if prices.basis == "real":
        out *= prices.money
        base = base * prices.money
        comps = {ch: {k: v * prices.money for k, v in d.items()} for ch, d in comps.items()}
    return Outcome(out, base, comps, measures, by_channel)


_IS_JOBS = np.array([not m.money for m in passthrough.MEASURES])


def _in_blocks(model: Any, sc: Scenario, X: np.ndarray, factors: Mapping[str, np.ndarray] | None,
               columns: list[Input], components: bool) -> Outcome:
    n = X.shape[0]
    shape = (n, len(model.fits), len(model.years))
    impact, base = np.empty(shape), np.empty(shape)
    measures = np.empty((n, len(passthrough.MEASURES), len(model.years)))
    parts, by_channel = [], []
    for i in range(0, n, EVAL_BLOCK):
        j = min(i + EVAL_BLOCK, n)
        part = evaluate(model, sc, X[i:j], None if factors is None else {k: v[i:j] for k, v in factors.items()},
                        columns, components)
        impact[i:j], base[i:j], measures[i:j] = part.impact, part.baseline, part.measures
        if components:
            parts.append(part.components)
            by_channel.append(part.by_channel)
    comps = {ch: {name: np.concatenate([p[ch][name] for p in parts]) for name in d}
             for ch, d in parts[0].items()} if components else {}
    return Outcome(impact, base, comps, measures, np.concatenate(by_channel) if components else None)
