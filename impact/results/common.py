"""Conventions shared by every result object: tidy columns, units, memoised derived values."""
from __future__ import annotations

from typing import Any

TIDY = ["scenario", "channel", "year", "statistic", "value", "unit"]


USD = "US$ bn"


PCT = "% of baseline"


def memo(obj: Any, name: str, make: Any) -> Any:
    """``make()`` computed once per (frozen, immutable) result object and kept beside its fields."""
    try:
        return obj.__dict__[name]
    except KeyError:
        value = obj.__dict__[name] = make()
        return value
