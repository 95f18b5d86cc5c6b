"""The evaluation path (impact.evaluation) checked against independent computations of the same
numbers: more than EVAL_BLOCK rows at once versus one block at a time (bit for bit), columns in any
order, explicit baseline factors versus the quantile columns, the value-added measures versus their
by-channel parts, and a real-dollar run versus the nominal one times the documented price factor."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import impact
from impact import distributions as dist
from impact import evaluation as ev

from .conftest import RTOL_EXACT

SCENARIO = "designation"
N_BIG = ev.EVAL_BLOCK + 301  # two blocks: a full one and a short one


@pytest.fixture(scope="module")
def big(model):
    """N_BIG Monte Carlo rows with their joint baseline factors (which the quantile columns do not give)."""
    X, factors = model.sample(SCENARIO, N_BIG, 11)
    return X, factors


def _same(a, b) -> None:
    """Bit-for-bit equality, negative zeros included."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a.view(np.uint64), b.view(np.uint64))


def _same_outcome(o, r) -> None:
    for f in ("impact", "baseline", "measures"):
        _same(getattr(o, f), getattr(r, f))
    assert (o.by_channel is None) == (r.by_channel is None)
    if o.by_channel is not None:
        _same(o.by_channel, r.by_channel)
    assert isinstance(o.components, dict) and isinstance(r.components, dict)
    assert o.components.keys() == r.components.keys()
    for ch, d in r.components.items():
        assert o.components[ch].keys() == d.keys()
        for name, arr in d.items():
            _same(o.components[ch][name], arr)


def _by_blocks(model, X, factors, components):
    """The same rows evaluated one block (at most EVAL_BLOCK rows) at a time, put together here."""
    parts = []
    for i in range(0, X.shape[0], ev.EVAL_BLOCK):
        j = min(i + ev.EVAL_BLOCK, X.shape[0])
        f = None if factors is None else {k: v[i:j] for k, v in factors.items()}
        parts.append(ev.evaluate(model, SCENARIO, X[i:j], f, components=components))
    cat = np.concatenate
    comps = ({ch: {name: cat([p.components[ch][name] for p in parts]) for name in d}
              for ch, d in parts[0].components.items()} if components else {})
    return ev.Outcome(cat([p.impact for p in parts]), cat([p.baseline for p in parts]), comps,
                      cat([p.measures for p in parts]),
                      cat([p.by_channel for p in parts]) if components else None)


# ----------------------------------------------------------------------------- inputs
def test_a_parameter_without_distribution_is_an_assumption_fixed_at_its_value(model):
    sc = ev.resolve(model, SCENARIO)
    key = "tourism.base_level"
    p = sc.parameters[key]
    assert p.value is not None and p.distribution is not None
    sc2 = dataclasses.replace(sc, parameters={**sc.parameters, key: dataclasses.replace(p, distribution=None)})
    inp = {i.name: i for i in ev.inputs(model, sc2)}[key]
    assert inp.kind == "assumption" and inp.central == p.value
    assert isinstance(inp.distribution, dist.Fixed) and not inp.uncertain
    _same(inp.ppf(np.array([0.01, 0.5, 0.99])), np.full(3, float(p.value)))


def test_parameter_inputs_carry_the_assumption_files_label_kind_and_value(model):
    sc = ev.resolve(model, SCENARIO)
    by_name = {i.name: i for i in ev.inputs(model, sc)}
    for ch, block in model.assumptions.channels.items():
        for pn in block.parameters:
            p = sc.parameters[f"{ch}.{pn}"]
            i = by_name[p.qualname]
            assert i.label == p.label and i.channel == ch
            if p.value is not None:
                assert i.kind == "assumption" and i.central == p.value and i.distribution == p.distribution
            else:
                assert i.kind == "estimation"
    row = ev.central_row(model, sc)
    assert row.dtype == np.float64


# ----------------------------------------------------------------------------- evaluate()
def test_evaluate_without_components_returns_none_of_them(model):
    X = model.central_row(SCENARIO)[None, :]
    for out in (ev.evaluate(model, SCENARIO, X), model.evaluate(SCENARIO, X, components=False)):
        assert out.components == {} and out.by_channel is None


@pytest.mark.parametrize("n", [5, N_BIG])
def test_columns_in_any_order_give_the_same_numbers(model, big, n):
    X, factors = big[0][:n], {k: v[:n] for k, v in big[1].items()}
    cols = ev.inputs(model, SCENARIO)
    perm = np.random.default_rng(3).permutation(len(cols))
    ref = ev.evaluate(model, SCENARIO, X, factors, components=True)
    out = ev.evaluate(model, SCENARIO, X[:, perm], factors, columns=[cols[k] for k in perm], components=True)
    _same_outcome(out, ref)


def test_single_precision_rows_give_the_double_precision_numbers(model, big):
    X32 = big[0][:50].astype(np.float32)
    ref = ev.evaluate(model, SCENARIO, X32.astype(np.float64), components=True)
    _same_outcome(ev.evaluate(model, SCENARIO, X32, components=True), ref)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_memory_layout_of_the_rows_does_not_matter(model, big, n):
    X = big[0][:n]
    ref = ev.evaluate(model, SCENARIO, np.asfortranarray(X), components=True)
    wide = np.zeros((n, 2 * X.shape[1]))
    wide[:, ::2] = X
    for Y in (np.ascontiguousarray(X), wide[:, ::2], [list(r) for r in X]):
        _same_outcome(ev.evaluate(model, SCENARIO, Y, components=True), ref)


def test_no_negative_zeros_in_any_output(model):
    """Zero shocks times loss factors give IEEE negative zeros; impacts, measures and their by-channel
    parts hold plain zeros only (the components are returned as the channels give them)."""
    for scenario in ("baseline", SCENARIO):
        out = ev.evaluate(model, scenario, model.central_row(scenario), components=True)
        for a in (out.impact, out.baseline, out.measures, out.by_channel):
            assert not np.any(np.signbit(a) & (a == 0))
    assert np.any(out.impact == 0) and np.any(out.by_channel == 0)


def test_measures_are_the_by_channel_parts_summed(model, big):
    out = ev.evaluate(model, SCENARIO, big[0][:200], {k: v[:200] for k, v in big[1].items()}, components=True)
    np.testing.assert_allclose(out.measures, out.by_channel.sum(axis=1), rtol=RTOL_EXACT, atol=1e-12)
    jobs = [k for k, m in enumerate(impact.passthrough.MEASURES) if not m.money]
    assert jobs and np.any(model.prices.jobs != 1.0)  # the jobs price factor is exercised
    assert np.any(out.measures[:, jobs] != 0)


# ----------------------------------------------------------------------------- more than one block
@pytest.mark.parametrize("components", [True, False])
def test_more_than_one_block_at_once_equals_one_block_at_a_time(model, big, components):
    X, factors = big
    out = ev.evaluate(model, SCENARIO, X, factors, components=components)
    _same_outcome(out, _by_blocks(model, X, factors, components))
    if not components:
        assert out.components == {} and out.by_channel is None


def test_explicit_factors_are_used_in_every_block(model, big):
    X, factors = big
    out = ev.evaluate(model, SCENARIO, X, factors)
    quantiles = ev.evaluate(model, SCENARIO, X)  # factors from the <channel>.baseline columns
    tail = slice(ev.EVAL_BLOCK, None)
    assert not np.array_equal(out.impact[tail], quantiles.impact[tail])  # the test can tell them apart
    _same_outcome(out, _by_blocks(model, X, factors, False))
    _same_outcome(quantiles, _by_blocks(model, X, None, False))


def test_factors_none_equals_factors_built_from_the_quantile_columns(model, big):
    X = big[0]
    cols = ev.inputs(model, SCENARIO)
    j = {c.name: k for k, c in enumerate(cols)}
    for n in (7, N_BIG):
        factors = {ch: fit.baseline.quantile_factors(X[:n, j[f"{ch}.baseline"]]) for ch, fit in model.fits.items()}
        # quantile_factors works on the distinct quantiles of all the rows it is given (a matrix
        # product): built here over all N_BIG rows, not block by block, the last bit may differ
        out = ev.evaluate(model, SCENARIO, X[:n], factors, components=True)
        ref = ev.evaluate(model, SCENARIO, X[:n], components=True)
        for f in ("impact", "baseline", "measures", "by_channel"):
            np.testing.assert_allclose(getattr(out, f), getattr(ref, f), rtol=RTOL_EXACT, atol=1e-15)
        if n <= ev.EVAL_BLOCK:
            _same_outcome(out, ref)


# ----------------------------------------------------------------------------- price basis
def test_real_dollars_are_nominal_times_the_real_price_factor(model, assumptions, cache_dir, big):
    real = impact.fit(assumptions.override({"settings.price_basis": "real"}), cache_dir=cache_dir)
    assert model.prices.basis == "nominal" and real.prices.basis == "real"
    r = real.prices.real
    assert np.any(r != 1.0)
    X, factors = big[0][:100], {k: v[:100] for k, v in big[1].items()}
    nom = ev.evaluate(model, SCENARIO, X, factors, components=True)
    rea = ev.evaluate(real, SCENARIO, X, factors, components=True)
    for f in ("impact", "baseline"):
        np.testing.assert_allclose(getattr(rea, f), getattr(nom, f) * r, rtol=RTOL_EXACT)
    assert rea.components.keys() == nom.components.keys()
    for ch, d in nom.components.items():
        for name, a in d.items():
            np.testing.assert_allclose(rea.components[ch][name], a * r, rtol=RTOL_EXACT)
    money = np.array([m.money for m in impact.passthrough.MEASURES])
    scale = np.where(money[:, None], r, 1.0)
    np.testing.assert_allclose(rea.measures, nom.measures * scale, rtol=RTOL_EXACT, atol=1e-12)
    np.testing.assert_allclose(rea.by_channel, nom.by_channel * scale, rtol=RTOL_EXACT, atol=1e-12)
