"""The workbook's sheets, one module each, in workbook order.

Each module exposes ``build(book, res)`` (writes its sheet(s); What-if returns its formula checks),
``TITLE`` and ``DESCRIPTION`` (its line in the Summary's contents; ``None`` for the Summary itself),
or, for a module that writes several sheets, ``titles(channels)`` and ``contents(res)``.  A module
with ``BUILD_LAST = True`` is written after the others (the Sensitivity sheet: its tables may
still be coming from a worker process).  Adding a sheet is one module here plus one entry in
:data:`SHEETS`.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

from . import (about, assumptions, calibration, channel, data, estimates, expost, scenarios, sensitivity, summary,
               uncertainty, value_added, whatif)

#: The sheets in workbook order.
SHEETS: tuple[ModuleType, ...] = (summary, value_added, scenarios, channel, uncertainty, sensitivity, expost, whatif,
                                  estimates, assumptions, calibration, data, about)


def titles(module: ModuleType, channels: tuple[str, ...] | list[str]) -> list[str]:
    """The sheet names a module writes."""
    return list(module.titles(channels)) if hasattr(module, "titles") else [module.TITLE]


def sheet_names(channels: tuple[str, ...] | list[str]) -> list[str]:
    """Every sheet name in workbook order (stable across runs)."""
    return [t for m in SHEETS for t in titles(m, channels)]


def contents(res: Any) -> list[tuple[str, str]]:
    """(sheet, what it holds) for the Summary's contents list."""
    out: list[tuple[str, str]] = []
    for m in SHEETS:
        if hasattr(m, "contents"):
            out += m.contents(res)
        elif m.DESCRIPTION:
            out.append((m.TITLE, m.DESCRIPTION))
    return out
