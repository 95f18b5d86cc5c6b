"""Vocabulary shared by the assumption loader and the channels: units, parameter and shock specs.

This module is a leaf (imports nothing from impact) so that both the loader and the channel
modules can use it without import cycles.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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
    "percent_per_day": ("% of value per day", '0.00'),
}

TIMINGS = ("persistent", "decay", "once")
ESTIMATE_MODES = ("data", "prior", "pooled")


@dataclass(frozen=True)
class ParamSpec:
    """A parameter a channel requires in its YAML block."""

    name: str
    unit: str
    estimable: bool = False  # may be given as `estimate: data|prior|pooled` + `prior`


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


@dataclass(frozen=True)
class ChannelSpec:
    """What the YAML block of one channel must contain."""

    name: str
    parameters: tuple[ParamSpec, ...]
    shocks: tuple[ParamSpec, ...]
    options: tuple[OptionSpec, ...] = field(default_factory=tuple)
    #: ids of the bundled data series the estimators read (the only ones ``fit`` receives)
    data: tuple[str, ...] = ()
