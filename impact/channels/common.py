"""Pieces more than one channel uses: the homicide-rate series (and what it needs from the data) and
the Excel expression of a shock's timing profile.  Not a channel (defines no ``CHANNEL``)."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..timing import excel_profile as timing_excel_profile
from .base import DataProblem, first_non_positive


def homicide_rate(data: Mapping[str, pd.Series]) -> tuple[pd.Series, str]:
    """Homicides per 100,000: WDI/UNODC to 2020, extended with INEGI death counts (growth) after."""
    rate = data["mx_homicide_rate_wdi"].astype(float).copy()
    cnt = data["mx_homicides_inegi"]
    last = rate.index.max()
    for y in cnt.index:
        if y > last:
            rate[y] = rate[last] * cnt[y] / cnt[last]
    return rate.sort_index(), f"WDI VC.IHR.PSRC.P5 to {last}; later years grown with INEGI homicide counts"


def homicide_rate_problems(data: Mapping[str, pd.Series]) -> list[DataProblem]:
    """What :func:`homicide_rate` needs: positive rates and counts, and counts in the rate's last year."""
    rate, cnt = data["mx_homicide_rate_wdi"], data["mx_homicides_inegi"]
    probs = first_non_positive(rate, "mx_homicide_rate_wdi", "the homicide rate")
    probs += first_non_positive(cnt, "mx_homicides_inegi", "homicide counts")
    last = rate.index.max()
    if any(y > last for y in cnt.index) and last not in cnt.index:
        probs.append(DataProblem("mx_homicides_inegi", f"homicide counts must include {last}, the last year of the WDI "
                                 "rate: later years of the rate grow with the counts from that year",
                                 f"add a row for {last}", period=last))
    return probs


def excel_profile(shock: str, refs: Mapping[str, str], year: str, timings: Mapping[str, str], half_life: str,
                  grid: str = "day") -> str:
    """The shock's average over the year ``year`` as an Excel expression (:func:`impact.timing.excel_profile`);
    ``refs["start:<shock>"]`` is a cell holding the start date."""
    return timing_excel_profile(refs[f"start:{shock}"], year, timings[shock], half_life, grid)
