"""When a shock acts: from its start date, with its timing, averaged over each calendar year.

A shock starts on a date (``start`` in scenarios.yaml: ``2025-02-20``, or a year, meaning 1
January) and then acts with a timing:

* ``persistent``: in full from the start on;
* ``decay``: halving every ``half_life`` years from the start, continuously;
* ``once``: an event of the start year (e.g. days of border closure): in full in that year only,
  whatever the date (the number of days is the event's size, not a rate).

Channels work by calendar year, so a year's *profile* is the shock's average over that year:
``persistent`` gives the share of the year after the start (2025-02-20: 315/365 in 2025, 1 after)
and ``decay`` the integral of the decay over the year's active part,

    profile(t) = (h / ln 2) (0.5^(a/h) - 0.5^(b/h)),   a = max(0, t - s), b = t + 1 - s  (b > 0),

with s the start as a fractional year.  Channels built on monthly data (``grid = "month"``) count
whole months instead: the shock acts from the first day of its start month, persistent shocks for
the share of months from it, decaying ones with monthly steps r = 0.5^(1/(12 h)):
``profile(t) = (r^(12 a) - r^(12 b)) / (1 - r) / 12``.

:func:`excel_profile` writes the same profiles as Excel expressions for the What-if sheet.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np

TIMINGS = ("persistent", "decay", "once")
GRIDS = ("day", "month")


def year_fraction(start: dt.date, grid: str = "day") -> float:
    """How far into its year the start lies: 2025-02-20 -> 50/365 (day grid), 1/12 (month grid)."""
    if grid == "month":
        return (start.month - 1) / 12
    days = (dt.date(start.year + 1, 1, 1) - dt.date(start.year, 1, 1)).days
    return (start - dt.date(start.year, 1, 1)).days / days


def fractional_year(start: dt.date, grid: str = "day") -> float:
    """The start as a fractional year: 2025-02-20 -> 2025 + 50/365 (day grid), 2025 + 1/12 (month grid)."""
    return start.year + year_fraction(start, grid)


def profile(years: np.ndarray, start: dt.date, timing: str, half_life: np.ndarray | float,
            grid: str = "day") -> np.ndarray:
    """The shock's average over each calendar year, shape (draws, years); (1, years) when it does not
    depend on the draw (persistent and once)."""
    t = np.asarray(years, dtype=float)[None, :]
    if timing == "once":
        return (t == start.year).astype(float)
    # offsets from the start year are whole numbers: subtracting the fraction from them keeps the
    # digits that t - (year + fraction) would lose (315/365 exactly, not to 1e-13)
    off = t - start.year
    frac = year_fraction(start, grid)
    b = off + (1.0 - frac)               # years from the start to the end of each year
    active = b > 0
    a = np.maximum(off - frac, 0.0)      # years from the start to the start of the year's active part
    if timing == "persistent":
        return np.where(active, np.minimum(b, 1.0), 0.0)
    hl = np.atleast_1d(np.asarray(half_life, dtype=float))[:, None]
    with np.errstate(over="ignore", under="ignore"):
        if grid == "month":
            r = np.power(0.5, 1.0 / (12.0 * hl))
            out = (np.power(r, 12.0 * a) - np.power(r, 12.0 * np.maximum(b, 0.0))) / (1.0 - r) / 12.0
        else:
            out = hl / math.log(2.0) * (np.power(0.5, a / hl) - np.power(0.5, np.maximum(b, 0.0) / hl))
    return np.where(active, out, 0.0)


def excel_start(date_cell: str, grid: str = "day") -> str:
    """Excel expression of the start as a fractional year, from a cell holding a date."""
    if grid == "month":
        return f"(YEAR({date_cell})+(MONTH({date_cell})-1)/12)"
    d = date_cell
    return f"(YEAR({d})+({d}-DATE(YEAR({d}),1,1))/(DATE(YEAR({d})+1,1,1)-DATE(YEAR({d}),1,1)))"


def excel_profile(date_cell: str, year: str, timing: str, half_life: str, grid: str = "day") -> str:
    """Excel expression of :func:`profile` for one year (``year`` a cell with the calendar year).

    ``timing`` is a timing name, or a reference to a cell holding one (the What-if sheet lets the
    user pick it): the expression then chooses between the three profiles."""
    if timing not in TIMINGS:
        once, decay, persistent = (excel_profile(date_cell, year, t, half_life, grid) for t in TIMINGS[::-1])
        return f'IF({timing}="once",{once},IF({timing}="decay",{decay},{persistent}))'
    if timing == "once":
        return f"IF({year}=YEAR({date_cell}),1,0)"
    s = excel_start(date_cell, grid)
    b = f"({year}+1-{s})"
    a = f"MAX({year}-{s},0)"
    if timing == "persistent":
        return f"IF({b}>0,MIN({b},1),0)"
    if grid == "month":
        r = f"(0.5^(1/(12*{half_life})))"  # parenthesised: Excel's ^ is left-associative, others' not
        return f"IF({b}>0,({r}^(12*{a})-{r}^(12*{b}))/(1-{r})/12,0)"
    return f"IF({b}>0,{half_life}/LN(2)*(0.5^({a}/{half_life})-0.5^({b}/{half_life})),0)"
