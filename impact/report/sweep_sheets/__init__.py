"""Sheets of the sweep workbook, one module each, in workbook order; each has ``TITLE`` and
``build(book, res)``."""
from __future__ import annotations

from types import ModuleType

from . import about, drivers, spread, variants

SHEETS: tuple[ModuleType, ...] = (spread, variants, drivers, about)
