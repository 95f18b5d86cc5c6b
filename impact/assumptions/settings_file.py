"""settings.yaml: run settings and the paths of data overrides."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..arguments import MAX_DRAWS
from .objects import Settings
from .reader import Reader, choices_hint, fmt


def parse_settings(v: Reader, folder: Path, allow_absolute: bool) -> tuple[Settings | None, dict[str, Path]]:
    """The run settings and the data overrides (series id -> file) of settings.yaml."""
    root = v.mapping(v.doc.data, (), "a mapping with `settings:` (and optional `data:`)")
    if root is None:
        return None, {}
    v.keys(root, (), ("settings", "data"), ("settings",))
    s = v.mapping(root.get("settings"), ("settings",)) if "settings" in root else None
    settings = _settings(v, s) if s is not None else None
    data_paths: dict[str, Path] = {}
    if "data" in root and root["data"] is not None:
        d = v.mapping(root["data"], ("data",), "a mapping series_id: path/to/file.csv")
        if d is not None:
            data_paths = _data_overrides(v, d, folder, allow_absolute)
    return settings, data_paths


def _settings(v: Reader, s: dict[str, Any]) -> Settings | None:
    p = ("settings",)
    n0 = len(v.issues)
    v.keys(s, p, ("title", "base_year", "horizon", "currency", "price_basis", "draws", "seed", "output",
                  "sensitivity", "normalise_weights", "event_date", "inflation", "discount_rate"), ("base_year", "horizon"))
    settings = Settings(
        title=v.string(s, "title", p, required=False, default="Economic impact of an FTO designation of Mexican cartels"),
        base_year=v.number(s, "base_year", p, integer=True, low=2000, high=2030),
        horizon=v.number(s, "horizon", p, integer=True, low=1, high=30),
        currency=v.string(s, "currency", p, required=False, default="USD", choices=("USD",)),
        price_basis=v.string(s, "price_basis", p, required=False, default="nominal", choices=("nominal", "real")),
        draws=v.number(s, "draws", p, required=False, default=10_000, integer=True, low=0, high=MAX_DRAWS),
        seed=v.number(s, "seed", p, required=False, default=20250220, integer=True, low=0, high=2**63 - 1),
        output=v.string(s, "output", p, required=False, default="outputs/impact.xlsx"),
        sensitivity=v.boolean(s, "sensitivity", p, True),
        normalise_weights=v.boolean(s, "normalise_weights", p, False),
        inflation=float(v.number(s, "inflation", p, required=False, default=2.0, low=-5.0, high=20.0)),
        discount_rate=float(v.number(s, "discount_rate", p, required=False, default=2.0, low=0.0, high=20.0)),
    )
    if len(v.issues) > n0:
        return None
    return replace(settings, event_date=_event_date(v, s, settings))


def _data_overrides(v: Reader, d: dict[str, Any], folder: Path, allow_absolute: bool) -> dict[str, Path]:
    """settings.yaml ``data:`` - series id -> a CSV file inside the assumptions folder (unless allowed)."""
    from ..data import catalog

    cat = catalog()
    out: dict[str, Path] = {}
    for sid, rel in d.items():
        p = ("data", sid)
        if sid not in cat:
            v.err(p, f"unknown series {sid!r}", choices_hint(sid, cat))
            continue
        if not isinstance(rel, str):
            v.err(p, f"expected a file path (got {fmt(rel)})")
            continue
        path = Path(rel)
        if path.is_absolute():
            if not allow_absolute:
                v.err(p, f"absolute paths are not allowed (got {rel!r})",
                      "put the file inside the assumptions folder, or run with --allow-absolute-paths")
                continue
            full = path
        else:
            full = (folder / path).resolve()
            if not allow_absolute and not full.is_relative_to(folder.resolve()):
                v.err(p, f"path escapes the assumptions folder (got {rel!r})",
                      "keep data files inside the assumptions folder, or run with --allow-absolute-paths")
                continue
        if not full.is_file():
            v.err(p, f"data file not found (got {rel!r}, looked for {full})", "paths are relative to the assumptions folder")
            continue
        out[sid] = full
    return out


def _event_date(v: Reader, s: dict[str, Any], settings: Settings) -> dt.date:
    """settings.event_date (default: 1 January of the first simulated year); checked against the
    simulated years with the shocks' starts (:func:`~impact.assumptions.rules.dates_within_horizon`)."""
    date = v.date(s, "event_date", ("settings",))
    return dt.date(settings.years[0], 1, 1) if date is None else date