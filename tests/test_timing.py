"""Event-date timing: each kind worked by hand, the closed forms against the long-way reference
(tests/timing_reference.py), and the channels applying them from the event date."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from impact import timing

from .timing_reference import profile as reference

EVENT = dt.date(2025, 2, 20)
YEARS = np.arange(2024, 2031)


def test_persistent_shock_from_2025_02_20_counts_315_of_365_days_in_its_first_year():
    got = timing.profile(YEARS, EVENT, "persistent", 1.0)[0]
    assert got.tolist() == [0.0, 315 / 365, 1.0, 1.0, 1.0, 1.0, 1.0]


def test_a_year_start_means_1_january_and_counts_in_full():
    assert timing.profile(YEARS, dt.date(2026, 1, 1), "persistent", 1.0)[0].tolist() == [0, 0, 1, 1, 1, 1, 1]


def test_a_leap_year_counts_366_days():
    got = timing.profile(np.array([2028]), dt.date(2028, 3, 1), "persistent", 1.0)[0, 0]
    assert got == pytest.approx((366 - 60) / 366, rel=1e-15)  # 31 + 29 days elapse before 1 March 2028


def test_a_once_shock_is_an_event_of_its_start_year_whatever_the_date():
    got = timing.profile(YEARS, dt.date(2025, 11, 30), "once", 1.0)[0]
    assert got.tolist() == [0, 1, 0, 0, 0, 0, 0]


def test_decay_from_the_event_date_worked_by_hand():
    """Half-life one year from s = 2025 + 50/365: the 2025 average is the integral of 0.5^(x - s)
    over the remaining 315/365 of the year, (1 - 0.5^(315/365)) / ln 2; 2026's is the next year of
    that curve, 0.5^(315/365) (1 - 0.5) / ln 2."""
    got = timing.profile(YEARS, EVENT, "decay", np.array([1.0]))[0]
    first = (1 - 0.5 ** (315 / 365)) / math.log(2)
    second = 0.5 ** (315 / 365) * 0.5 / math.log(2)
    assert got[0] == 0.0
    assert got[1] == pytest.approx(first, rel=1e-14)
    assert got[2] == pytest.approx(second, rel=1e-14)
    assert got[3] == pytest.approx(second / 2, rel=1e-14)  # a year later, half as much


def test_decay_from_1_january_averages_the_year_not_its_first_day():
    got = timing.profile(np.array([2025]), dt.date(2025, 1, 1), "decay", np.array([0.5]))[0, 0]
    assert got == pytest.approx(0.5 * (1 - 0.25) / math.log(2), rel=1e-14)  # (h/ln2)(1 - 0.5^(1/h))


def test_monthly_grid_counts_months_from_the_start_month():
    """Imports (monthly data): a shock dated 2025-02-20 acts from February: 11 of 12 months."""
    got = timing.profile(YEARS, EVENT, "persistent", 1.0, grid="month")[0]
    assert got.tolist() == [0.0, 11 / 12, 1.0, 1.0, 1.0, 1.0, 1.0]
    dec = timing.profile(np.array([2025]), EVENT, "decay", np.array([1.0]), grid="month")[0, 0]
    assert dec == pytest.approx(sum(0.5 ** (k / 12) for k in range(11)) / 12, rel=1e-14)


@pytest.mark.parametrize("timing_kind", ["persistent", "decay", "once"])
@pytest.mark.parametrize("grid", ["day", "month"])
@pytest.mark.parametrize("start", [dt.date(2025, 2, 20), dt.date(2024, 7, 1), dt.date(2026, 12, 31),
                                   dt.date(2028, 2, 29), dt.date(2025, 1, 1)])
def test_closed_forms_equal_the_long_way(timing_kind, grid, start):
    hl = np.array([0.25, 0.5, 1.7, 12.0])
    got = timing.profile(YEARS, start, timing_kind, hl, grid=grid)
    for i, h in enumerate(hl):
        for j, y in enumerate(YEARS):
            want = reference(int(y), start, timing_kind, float(h), grid)
            assert got[min(i, got.shape[0] - 1), j] == pytest.approx(want, rel=1e-12, abs=1e-15), (h, y)


def test_designation_tourism_first_year_is_pro_rated_from_the_event_date(model):
    """The designation took effect on 2025-02-20 (settings.event_date): the 2025 tourism impact
    equals the equation with the profile of the year after that date, not of all of 2025."""
    sc = model.resolve("designation")
    shock = sc.shocks["insecurity"]
    assert shock.start == EVENT
    c = {i.name: float(i.central) for i in model.inputs(sc)}
    index = float(model.fits["tourism"].baseline.central[0])
    prof = reference(2025, EVENT, str(shock.timing), c["tourism.half_life"])
    want = c["tourism.base_level"] * index * math.expm1(c["tourism.elasticity"]
                                                        * math.log1p(c["shocks.insecurity"] / 100) * prof)
    assert model.run(sc).impacts.loc[2025, "tourism"] == pytest.approx(want, rel=1e-12)
    full_year = reference(2025, dt.date(2025, 1, 1), str(shock.timing), c["tourism.half_life"])
    assert prof < full_year  # the old rule (the whole of 2025) overstated the first year
