"""The channel contract's helpers (impact/channels/base.py) for direct callers: the data checks every
channel's ``check_data`` builds on, the equation text the report shows, the timing profiles a
channel's ``effect`` reads and the pooling of data estimates with their priors.

Mutation testing of base.py (docs/testing.md) found these read only through whole runs that never
reach their edge cases; each expectation here is worked by hand from the documented behaviour."""
from __future__ import annotations

import datetime as dt
import math
import sys
import types
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from impact.channels import registry
from impact.channels.base import (Channel, DataProblem, EffectContext, first_non_positive, gaps, min_obs_problem,
                                  pool_data_estimates)

# ----------------------------------------------------------------------------- data checks


@pytest.mark.parametrize("index, missing", [
    ([2000, 2002, 2005], [2001, 2003, 2004]),
    ([2000, 2002], [2001]),                   # two periods are enough to have a gap
    ([2000, 2001, 2002], []),
    ([2000], []),
    ([], []),
])
def test_gaps_lists_the_missing_years(index, missing):
    assert gaps(pd.Index(index)) == missing


def test_gaps_lists_the_missing_months():
    idx = pd.PeriodIndex(["2024-11", "2025-02", "2025-03"], freq="M")
    assert gaps(idx) == [pd.Period("2024-12", "M"), pd.Period("2025-01", "M")]
    assert gaps(pd.PeriodIndex(["2024-11", "2025-01"], freq="M")) == [pd.Period("2024-12", "M")]
    late = pd.PeriodIndex(["2024-11", "2024-12", "2025-03"], freq="M")  # the gap after the second period
    assert gaps(late) == [pd.Period("2025-01", "M"), pd.Period("2025-02", "M")]
    quarters = pd.PeriodIndex(["2024Q1", "2024Q4"], freq="Q")
    assert gaps(quarters) == [pd.Period("2024Q2", "Q"), pd.Period("2024Q3", "Q")]


def test_min_obs_problem_at_and_below_the_need():
    assert min_obs_problem(30, 30, "s", "the regression") == []
    assert min_obs_problem(31, 30, "s", "the regression") == []
    got = min_obs_problem(29, 30, ("a", "b"), "the regression", period=2001, option="fit_start")
    assert got == [DataProblem(("a", "b"), "the regression needs at least 30 observations; the data give 29",
                               "extend the series, move the sample start earlier or choose another base year",
                               period=2001, option="fit_start")]
    assert min_obs_problem(0, 1, "s", "x")[0].period is None and min_obs_problem(0, 1, "s", "x")[0].option is None


def test_first_non_positive_names_the_first_bad_value_and_its_period():
    s = pd.Series([2.0, 0.5, 0.0, -1.0], index=[2000, 2001, 2002, 2003])
    assert first_non_positive(s, "gdp", "GDP") == [
        DataProblem("gdp", "GDP must be positive: logs are taken (got 0 in 2002)", "correct or remove the row",
                    period=2002)]
    assert first_non_positive(pd.Series([0.5, 1e-9], index=[2000, 2001]), "gdp", "GDP") == []  # small is fine
    nan = first_non_positive(pd.Series([1.0, np.nan, -2.0], index=[2000, 2001, 2002]), "x", "X")
    assert nan[0].message == "X must be positive: logs are taken (got nan in 2001)" and nan[0].period == 2001


def test_data_problem_series_ids_are_a_tuple():
    assert DataProblem("a", "m").series_ids == ("a",)
    assert DataProblem(("a", "b"), "m").series_ids == ("a", "b")


# ----------------------------------------------------------------------------- the equation text


def _channel_in_module(doc: str | None) -> Channel:
    mod = types.ModuleType("impact_test_fake_channel", doc)
    sys.modules[mod.__name__] = mod

    def effect(ctx):  # pragma: no cover - never called
        raise AssertionError

    effect.__module__ = mod.__name__
    return Channel(spec=None, label="fake", fit=lambda *a: None, effect=effect)  # type: ignore[arg-type]


def test_equation_is_the_first_impact_paragraph_of_the_module_docstring():
    doc = ("Fake channel.\n\nA line with x(s) = 1 that is not an equation of t.\n\n"
           "    Impact(t) = B(t) * (a\n        - b)\n\nLater text.\n\nCost(t) = something else\n")
    assert _channel_in_module(doc).equation() == "Impact(t) = B(t) * (a - b)"
    assert _channel_in_module("Only words.\n").equation() == ""
    assert _channel_in_module(None).equation() == ""
    assert _channel_in_module("Impact(t) = x\n").equation() == "Impact(t) = x"  # last line of the text
    assert _channel_in_module("Intro\nLoss Level(t) = y\n  + z\n").equation() == "Loss Level(t) = y + z"


def test_every_shipped_channel_states_its_equation():
    for name, ch in registry().items():
        doc = sys.modules[ch.effect.__module__].__doc__
        eq = ch.equation()
        assert eq and "(t) =" in eq and eq.split(" ")[0] in doc, name


# ----------------------------------------------------------------------------- timing profiles

START = dt.date(2025, 1, 1)


def _ctx(timing: str, components: bool = True) -> EffectContext:
    years = np.array([2025, 2026, 2027])
    return EffectContext(years=years, params={}, shocks={"s": np.array([2.0, 4.0])}, starts={"s": START},
                         timings={"s": timing}, baseline=np.ones((2, 3)), constants={}, components=components)


def test_the_default_half_life_is_one_year():
    # decay from 1 January with h = 1: the year's average of 0.5^t is (1/ln 2)(0.5^a - 0.5^b)
    want = [(0.5 ** k - 0.5 ** (k + 1)) / math.log(2.0) for k in range(3)]
    assert _ctx("decay").profile("s")[0] == pytest.approx(want, rel=1e-12)
    assert _ctx("decay").timed("s") == pytest.approx(np.outer([2.0, 4.0], want), rel=1e-12)


def test_profiles_follow_the_half_life_given_each_time():
    ctx = _ctx("decay")
    one, two = np.array([1.0, 1.0]), np.array([2.0, 2.0])
    a, b = ctx.profile("s", one), ctx.profile("s", two)
    assert a[0, 0] == pytest.approx(0.5 / math.log(2.0), rel=1e-12)
    assert b[0, 0] == pytest.approx(2.0 / math.log(2.0) * (1 - 0.5 ** 0.5), rel=1e-12)
    assert ctx.profile("s", one) is a  # the same array object: computed once
    assert not a.flags.writeable


@pytest.mark.parametrize("timing, want", [("persistent", [1.0, 1.0, 1.0]), ("once", [1.0, 0.0, 0.0])])
def test_shocks_that_do_not_decay_share_one_profile_whatever_the_half_life(timing, want):
    # the docstring's promise: shocks with the same start and timing share one array
    ctx = _ctx(timing)
    first = ctx.profile("s", np.array([1.0, 1.0]))
    assert first.tolist() == [want]
    assert ctx.profile("s", np.array([5.0, 5.0])) is first and ctx.profile("s", 3.0) is first


def test_a_persistent_shock_ignores_the_half_life_and_broadcasts_without_components():
    ctx = _ctx("persistent", components=False)
    assert ctx.profile("s", 1.0).tolist() == [[1.0, 1.0, 1.0]]
    assert ctx.profile("s", 5.0).tolist() == [[1.0, 1.0, 1.0]]
    col = ctx.timed("s")
    assert col.shape == (2, 1) and col[:, 0].tolist() == [2.0, 4.0] and not col.flags.writeable
    full = _ctx("persistent").timed("s")
    assert full.shape == (2, 3) and full.tolist() == [[2.0] * 3, [4.0] * 3]


# ----------------------------------------------------------------------------- pooling


def test_pooling_keeps_the_note_and_falls_back_to_the_prior_when_the_estimator_failed(model):
    fit, block = model.fits["tourism"], model.assumptions.channels["tourism"]
    de = fit.data_estimates["elasticity"]
    pooled = pool_data_estimates(fit, block)["elasticity"]
    prior = block.parameters["elasticity"].prior
    assert pooled.data_note == de.note and pooled.mode == (block.parameters["elasticity"].estimate or "pooled")
    w_data, w_prior = de.se ** -2, prior.sd ** -2
    assert pooled.value == pytest.approx((de.value * w_data + prior.mean * w_prior) / (w_data + w_prior), rel=1e-12)
    failed = replace(fit, data_estimates={"elasticity": replace(de, usable=False)})
    alone = pool_data_estimates(failed, block)["elasticity"]
    assert alone.mode == "prior" and alone.value == prior.mean and alone.se == prior.sd
    assert alone.data_note == de.note
