"""Vocabulary shared by the assumption loader and the channels: units, parameter and shock specs.

This module is a leaf (imports nothing from impact) so that both the loader and the channel
modules can use it without import cycles.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Closed vocabulary of units: name -> (label shown to users, Excel number format).
UNITS: dict[str, tuple[str, str]] = {
    "usd_bn": ("US$ bn", '#,##0.0'),
    "usd_m": ("US$ m", '#,##0.0'),
    "usd_k": ("US$ thousand", '#,##0.0'),
    "percent": ("%", '0.00'),
    "percent_per_year": ("% per year", '0.00'),
    "pp": ("percentage points", '0.00'),
    "bp": ("basis points", '0.0'),
    "share": ("share (0-1)", '0.000'),
    "elasticity": ("elasticity", '0.000'),
    "semi_elasticity": ("semi-elasticity (log points per log point)", '0.000'),
    "ratio": ("ratio", '0.0'),
    "years": ("years", '0.00'),
    "days": ("days", '0.0'),
    "hours": ("hours", '0.00'),
    "count": ("count", '#,##0'),
    "count_per_year": ("per year", '0.00'),
    "percent_per_day": ("% of value per day", '0.00'),
    # pass-through of a shock in percent (e.g. correspondent relationships lost) to a cost
    "pp_per_percent": ("pp per % of the shock", '0.0000'),
    "bp_per_percent": ("bp per % of the shock", '0.00'),
    # value-added pass-through: jobs per US$ 1 m of value added or spending, in 2024 dollars
    "jobs_per_usd_m": ("jobs per US$ 1 m (2024 dollars)", '0.0'),
}

TIMINGS = ("persistent", "decay", "once")

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_problem(value: Any) -> str | None:
    """A YYYY-MM month (or a list of them): what is wrong, or None."""
    for v in value if isinstance(value, (list, tuple)) else [value]:
        m = _MONTH.fullmatch(str(v))
        if not m:
            return f"{v!r} is not a month written YYYY-MM"
        if not 1 <= int(m.group(2)) <= 12:
            return f"{v!r}: the month must be 01 to 12"
        if not 1900 <= int(m.group(1)) <= 2100:
            return f"{v!r}: the year must be between 1900 and 2100"
    return None
ESTIMATE_MODES = ("data", "prior", "pooled")
#: what a default rests on: data (a bundled series or an estimate), literature (a published figure),
#: derived (arithmetic on sources, shown in `source`) or judgment (no anchor: deliberately wide)
BASES = ("data", "literature", "derived", "judgment")


@dataclass(frozen=True)
class ParamSpec:
    """A parameter a channel requires in its YAML block.

    ``domain`` is what the channel's equations can take (e.g. 0-100 for a probability in percent,
    above 0 for a half-life): the ``bounds`` written in the assumption files must lie inside it, so
    that any value a file can hold gives finite results.  ``meaning`` says why, in messages."""

    name: str
    unit: str
    estimable: bool = False  # may be given as `estimate: data|prior|pooled` + `prior`
    domain: tuple[float, float] = (-math.inf, math.inf)
    meaning: str = ""


def domain_of(specs: tuple[ParamSpec, ...]) -> tuple[float, float, str]:
    """The tightest domain of several declarations of one shock (channels may share a shock)."""
    lo, hi, why = -math.inf, math.inf, ""
    for sp in specs:
        if sp.domain[0] > lo or sp.domain[1] < hi:
            why = sp.meaning or why
        lo, hi = max(lo, sp.domain[0]), min(hi, sp.domain[1])
    return lo, hi, why


@dataclass(frozen=True)
class OptionSpec:
    """An estimator option a channel accepts in its `estimator:` block."""

    name: str
    kind: type | tuple[type, ...]
    default: object
    choices: tuple[object, ...] | None = None
    low: float | None = None
    high: float | None = None
    help: str = ""
    item: type = int  # element type when kind is list
    length: int | None = None  # required list length
    #: extra rule on the (type-checked) value: returns what is wrong, or None
    check: Callable[[Any], str | None] | None = None


@dataclass(frozen=True)
class ChannelSpec:
    """What the YAML block of one channel must contain."""

    name: str
    parameters: tuple[ParamSpec, ...]
    shocks: tuple[ParamSpec, ...]
    options: tuple[OptionSpec, ...] = field(default_factory=tuple)
    #: ids of the bundled data series the estimators read (the only ones ``fit`` receives)
    data: tuple[str, ...] = ()
