"""An independent reference for shock timing (docs/model.md, "Timing"), for the tests.

Each year's profile is computed the long way, not with the closed forms of impact/timing.py: the
persistent share from calendar days, the decay by numerical integration of 0.5^((x - s) / h) over
the year's active part (day grid), or month by month (month grid: a shock acts from the first day
of its start month and a decaying one steps down each month).
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

from scipy.integrate import quad


def profile(t: int, start: dt.date, timing: str, half_life: float, grid: str = "day") -> float:
    """The shock's average over calendar year ``t``."""
    if timing == "once":
        return 1.0 if t == start.year else 0.0
    if grid == "month":
        total = 0.0
        for month in range(12):
            k = (t - start.year) * 12 + month - (start.month - 1)  # months since the start month
            if k >= 0:
                total += 1.0 if timing == "persistent" else 0.5 ** (k / (12 * half_life))
        return total / 12
    # offsets from the start in exact fractions of a year: no digits lost to cancellation
    jan1 = dt.date(start.year, 1, 1)
    frac = Fraction((start - jan1).days, (dt.date(start.year + 1, 1, 1) - jan1).days)
    lo, hi = max(t - start.year - frac, Fraction(0)), t + 1 - start.year - frac
    if hi <= lo:
        return 0.0
    if timing == "persistent":
        return float(hi - lo)
    value, _ = quad(lambda u: 0.5 ** (u / half_life), float(lo), float(hi), epsabs=0.0, epsrel=1e-13)
    return value


def excel_serial(d: dt.date) -> int:
    """What a date cell holds in Excel (days since 1899-12-30)."""
    return (d - dt.date(1899, 12, 30)).days
