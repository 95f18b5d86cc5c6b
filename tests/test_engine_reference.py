"""The vectorised engine equals a per-draw reference.

1. ``Model.evaluate`` on a batch of Monte Carlo rows gives the same numbers as calling it one row
   at a time (with the matching row of baseline factors): vectorisation changes no result.
2. An independent scalar implementation of the tourism response equation, in plain Python floats,
   reproduces the engine's tourism impacts:

       impact(t) = base_level * index(t) * factor(t) * (exp(eps * ln(1 + r/100) * profile(t)) - 1)
       profile(t) = the year-t average of 0.5 ** ((x - start) / half_life) over x >= start  (timing "decay"),
                    computed the long way in tests/timing_reference.py
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

import impact
from impact.sampling import sample

from .conftest import RTOL_EXACT
from .timing_reference import profile as reference_profile

SCENARIO = "military_incursion"
DRAWS = 200
SEED = 12345


@pytest.fixture(scope="module")
def drawn(model):
    X, factors = sample(model, SCENARIO, DRAWS, SEED)
    return X, factors


def _row_factors(factors: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    return {ch: f[i: i + 1] for ch, f in factors.items()}


def test_sample_is_what_the_test_expects(model, drawn):
    X, factors = drawn
    inputs = model.inputs(SCENARIO)
    assert X.shape == (DRAWS, len(inputs))
    assert np.isfinite(X).all()
    for ch, f in factors.items():
        assert f.shape == (DRAWS, len(model.years)), ch
    # the draws really vary (otherwise the comparison below would be vacuous)
    names = [i.name for i in inputs]
    for col in ("tourism.elasticity", "tourism.half_life", "shocks.insecurity", "imports.trade_elasticity"):
        assert np.ptp(X[:, names.index(col)]) > 0, col


def test_batch_equals_per_draw_loop(model, drawn):
    X, factors = drawn
    inputs = model.inputs(SCENARIO)
    batch = model.evaluate(SCENARIO, X, factors, inputs=inputs, components=True)
    C, H = len(model.channels), len(model.years)
    assert batch.impact.shape == (DRAWS, C, H)
    assert batch.baseline.shape == (DRAWS, C, H)
    assert np.isfinite(batch.impact).all()

    loop_impact = np.empty_like(batch.impact)
    loop_base = np.empty_like(batch.baseline)
    loop_comp = {ch: {k: np.empty_like(v) for k, v in d.items()} for ch, d in batch.components.items()}
    for i in range(DRAWS):
        one = model.evaluate(SCENARIO, X[i], _row_factors(factors, i), inputs=inputs, components=True)  # 1-D row
        assert one.impact.shape == (1, C, H)
        loop_impact[i] = one.impact[0]
        loop_base[i] = one.baseline[0]
        for ch, d in one.components.items():
            for k, v in d.items():
                loop_comp[ch][k][i] = v[0]

    np.testing.assert_allclose(loop_impact, batch.impact, rtol=RTOL_EXACT, atol=0)
    np.testing.assert_allclose(loop_base, batch.baseline, rtol=RTOL_EXACT, atol=0)
    for ch, d in batch.components.items():
        for k, v in d.items():
            np.testing.assert_allclose(loop_comp[ch][k], np.broadcast_to(v, loop_comp[ch][k].shape),
                                       rtol=RTOL_EXACT, atol=0, err_msg=f"{ch}: {k}")


def test_components_add_up_to_the_impact_and_are_skipped_when_not_asked(model, drawn):
    """Each channel's components sum to its impact (the business-cost components and the imports
    decomposition are additive by construction); without ``components=True`` (the effects then skip
    them) none are returned and the impacts are the same, bit for bit."""
    X, factors = drawn
    full = model.evaluate(SCENARIO, X, factors, components=True)
    for c, ch in enumerate(model.channels):
        total = sum(np.broadcast_to(v, full.impact[:, c].shape) for v in full.components[ch].values())
        np.testing.assert_allclose(total, full.impact[:, c], rtol=1e-9, atol=1e-12, err_msg=ch)
    bare = model.evaluate(SCENARIO, X, factors)
    assert bare.components == {}
    np.testing.assert_array_equal(bare.impact, full.impact)


def test_effects_skip_their_components_in_batches(model, drawn, monkeypatch):
    """Effects are told whether components are wanted; imports and business costs then build none."""
    import dataclasses

    from impact import model as model_mod

    seen = []
    real = model_mod.channel_registry.get

    def spy(name):
        ch = real(name)

        def effect(ctx):
            eff = ch.effect(ctx)
            seen.append((name, ctx.components, len(eff.components)))
            return eff
        return dataclasses.replace(ch, effect=effect)

    monkeypatch.setattr(model_mod.channel_registry, "get", spy)
    X, factors = drawn
    model.evaluate(SCENARIO, X[:50], {k: v[:50] for k, v in factors.items()})
    model.evaluate(SCENARIO, X[:50], {k: v[:50] for k, v in factors.items()}, components=True)
    skipped = {name: n for name, asked, n in seen if not asked}
    built = {name: n for name, asked, n in seen if asked}
    assert skipped["imports"] == skipped["business_costs"] == 0
    assert built["imports"] > 0 and built["business_costs"] > 0


def test_batch_without_inputs_argument_is_the_same(model, drawn):
    """The ``inputs`` shortcut is an optimisation only."""
    X, factors = drawn
    a = model.evaluate(SCENARIO, X, factors)
    b = model.evaluate(SCENARIO, X, factors, inputs=model.inputs(SCENARIO))
    np.testing.assert_array_equal(a.impact, b.impact)


def _scalar_tourism(eps: float, r: float, base_level: float, half_life: float, index: list[float],
                    factor: list[float], years: list[int], start: dt.date, timing: str) -> list[float]:
    out = []
    for t, idx, fac in zip(years, index, factor):
        prof = reference_profile(t, start, timing, half_life)
        level = base_level * idx * fac
        # expm1/log1p: the same equation as exp(eps ln(1 + r/100) profile) - 1, without cancellation
        out.append(level * math.expm1(eps * math.log1p(r / 100.0) * prof))
    return out


@pytest.mark.parametrize("row", [0, 1, 7, 42, 199])
def test_tourism_matches_scalar_reference(model, drawn, row):
    X, factors = drawn
    sc = model.resolve(SCENARIO)
    shock = sc.shocks["insecurity"]
    assert shock.timing == "decay", "the reference below is written for the decay profile of this scenario"
    inputs = model.inputs(sc)
    names = [i.name for i in inputs]
    x = [float(v) for v in X[row]]
    eps = x[names.index("tourism.elasticity")]
    base_level = x[names.index("tourism.base_level")]
    half_life = x[names.index("tourism.half_life")]
    r = x[names.index("shocks.insecurity")]
    years = [int(y) for y in model.years]
    index = [float(v) for v in model.fits["tourism"].baseline.central]
    fac = [float(v) for v in factors["tourism"][row]] if "tourism" in factors else [1.0] * len(years)

    expected = _scalar_tourism(eps, r, base_level, half_life, index, fac, years, shock.start, str(shock.timing))
    got = model.evaluate(sc, X[row: row + 1], _row_factors(factors, row), inputs=inputs)
    ti = list(model.channels).index("tourism")
    np.testing.assert_allclose(got.impact[0, ti], expected, rtol=RTOL_EXACT, atol=1e-13)
    # and the baseline level the impact applies to
    np.testing.assert_allclose(got.baseline[0, ti], [base_level * i * f for i, f in zip(index, fac)],
                               rtol=RTOL_EXACT, atol=0)
    # a loss in every year from the shock on (elasticity < 0, r > 0)
    if eps < 0 and r > 0:
        assert all(v < 0 for v, t in zip(expected, years) if t >= shock.start.year)


def test_tourism_scalar_reference_central_row(model):
    """The deterministic run (central inputs, central baseline path) against the same reference."""
    sc = model.resolve(SCENARIO)
    shock = sc.shocks["insecurity"]
    inputs = model.inputs(sc)
    c = {i.name: float(i.central) for i in inputs}
    years = [int(y) for y in model.years]
    index = [float(v) for v in model.fits["tourism"].baseline.central]
    expected = _scalar_tourism(c["tourism.elasticity"], c["shocks.insecurity"], c["tourism.base_level"],
                               c["tourism.half_life"], index, [1.0] * len(years), years, shock.start,
                               str(shock.timing))
    got = model.run(sc).impacts["tourism"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=RTOL_EXACT, atol=1e-13)


def test_tourism_hand_worked_case(model):
    """A case worked by hand, independent of the reference above: elasticity -1 and a 100 % rise
    in insecurity give a factor 2^-profile on visitor spending.  With the shock from 1 January and a
    half-life of one year, the year averages of 0.5^x are (1 - 1/2) / ln 2 = 1 / (2 ln 2) in the first
    year and half the previous one in each year after."""
    m = impact.fit(model.assumptions.override({"settings.event_date": "2025-01-01"}))
    sc = m.resolve(SCENARIO)
    shock = sc.shocks["insecurity"]
    assert shock.timing == "decay" and shock.start == dt.date(int(m.years[0]), 1, 1)
    inputs = m.inputs(sc)
    names = [i.name for i in inputs]
    x = m.central_row(sc)
    for name, value in (("tourism.elasticity", -1.0), ("shocks.insecurity", 100.0), ("tourism.half_life", 1.0),
                        ("tourism.base_level", 10.0)):
        x[names.index(name)] = value
    out = m.evaluate(sc, x[None, :], inputs=inputs)
    ti = list(m.channels).index("tourism")
    index = np.asarray(m.fits["tourism"].baseline.central, dtype=float)
    prof = np.array([1 / (2 * math.log(2)) / 2 ** k for k in range(len(index))])
    by_hand = 2.0 ** -prof - 1
    np.testing.assert_allclose(out.baseline[0, ti], 10.0 * index, rtol=RTOL_EXACT)
    np.testing.assert_allclose(out.impact[0, ti], 10.0 * index * by_hand, rtol=1e-12)