"""Every value the schema accepts runs: for each option over its declared range, "validate ok"
implies that the run (fit, Monte Carlo, workbook) succeeds with finite numbers.

Candidate values are derived from the declarations themselves (each channel's ``OptionSpec`` low,
high, choices and lengths; the settings' schema range), so a new option or channel is covered
without editing this file.  A value ``validate`` refuses is fine: the claim is only that nothing it
accepts fails later.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import impact
from impact import channels
from impact.data_rules import BASE_YEAR_RANGE
from impact.report.excel import build_workbook


def _option_values(ch: str, o) -> list:
    """Ends and middle of the option's declared range (for list options: one entry at a time at each end
    of its range, the others at their defaults)."""
    if o.choices:
        return [c for c in o.choices if c != o.default]
    if o.kind is list and o.item is int and o.length:
        out = []
        for i in range(o.length):  # one entry at a time at its extreme, the others at their default
            for v in (o.low, o.high):
                if v is not None and v != o.default[i]:
                    val = list(o.default)
                    val[i] = int(v)
                    out.append(val)
        return out
    if o.kind is list:
        return [[], list(o.default)[:1]]
    if o.check is not None and o.kind is str:  # a month: the first month of data and a recent one
        return ["1985-01", "2015-01"]
    if o.low is not None and o.high is not None:
        mid = (o.low + o.high) / 2
        vals = [o.low, mid, o.high]
        return [int(v) for v in vals] if o.kind is int else [float(v) for v in vals]
    return []


def _cases():
    for name, ch in channels.registry().items():
        for o in ch.spec.options:
            for v in _option_values(name, o):
                yield f"{name}.estimator.{o.name}", v
    for y in range(BASE_YEAR_RANGE[0], BASE_YEAR_RANGE[1] + 1):
        yield "settings.base_year", y
    for h in (1, 30):
        yield "settings.horizon", h


CASES = list(_cases())


def _run_if_valid(assumptions, key, value, cache_dir):
    try:
        a = assumptions.override({key: value})
    except impact.AssumptionError:
        return "refused"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", impact.ImpactWarning)
        # the scenario at the end of the longest extends chain sets every shock
        res = impact.run_analysis(a, ["military_incursion"], draws=100, seed=1, sensitivity=False,
                                  cache_dir=cache_dir)
    for mc in res.montecarlo.values():
        assert np.isfinite(mc.draws).all()
    if key.startswith("settings."):  # the layout depends on the years; options change numbers only
        build_workbook(res)  # refuses NaN or infinite numbers
    return "ran"


@pytest.mark.slow
@pytest.mark.parametrize("key,value", CASES, ids=str)
def test_validate_ok_implies_run_ok(assumptions, cache_dir, key, value):
    _run_if_valid(assumptions, key, value, cache_dir)


@pytest.mark.slow
def test_the_data_narrow_the_base_years_validate_accepts(assumptions):
    """The schema allows 2000-2030; the bundled data support 2020-2025 (official finance needs three years
    of World Bank commitments, which start in 2018; the receipts and the monthly imports end in 2025).
    The event date moves with the base year (it must not fall after the simulated years)."""
    ok = []
    for y in range(BASE_YEAR_RANGE[0], BASE_YEAR_RANGE[1] + 1):
        try:
            assumptions.override({"settings.base_year": y, "settings.event_date": f"{y + 1}-02-20"})
            ok.append(y)
        except impact.AssumptionError:
            pass
    assert ok == list(range(2020, 2026))
