"""The bundled data pack: public historical series with their official sources.

>>> from impact import data
>>> s = data.load("us_imports_mexico_monthly")
>>> s.attrs["unit"]
'USD millions (nominal)'

Each series is a CSV (``period,value``) in this folder, described in ``catalog.yaml`` (description,
unit, frequency, official source and series code, coverage, vintage, caveats).  Analysts can
replace a series with their own CSV of the same shape from ``settings.yaml`` (``data:`` block).
"""
from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from pathlib import Path
from ..frozen import FrozenMap
from typing import Any, Mapping

import pandas as pd

from ..errors import DataError, Issue

HERE = Path(__file__).resolve().parent
CATALOG_FIELDS = ("description", "unit", "frequency", "source", "series_code", "coverage", "vintage", "caveats",
                  "read_via")


@lru_cache(maxsize=1)
def catalog() -> Mapping[str, Mapping[str, str]]:
    """Catalog entries by series id (read-only)."""
    import yaml

    with open(HERE / "catalog.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return FrozenMap({k: FrozenMap({f: str(v.get(f, "")) for f in CATALOG_FIELDS}) for k, v in raw.items()})


def path_of(series_id: str) -> Path:
    return HERE / f"{series_id}.csv"


def _parse_period(raw: pd.Series, frequency: str, shown: str) -> tuple[pd.Index, list[Issue]]:
    issues: list[Issue] = []
    s = raw.astype(str).str.strip()
    if frequency == "monthly":
        ok = s.str.fullmatch(r"\d{4}-\d{2}")
        for i in s.index[~ok][:5]:
            issues.append(Issue(f"period must be YYYY-MM for a monthly series (got {s[i]!r})", file=shown, line=int(i) + 2,
                                path="period"))
        if issues:
            return pd.Index([]), issues
        idx = pd.PeriodIndex(s, freq="M")
    else:
        ok = s.str.fullmatch(r"\d{4}")
        for i in s.index[~ok][:5]:
            issues.append(Issue(f"period must be a year YYYY (got {s[i]!r})", file=shown, line=int(i) + 2, path="period"))
        if issues:
            return pd.Index([]), issues
        idx = pd.Index(s.astype(int), name="year")
    return idx, issues


def validate_csv(series_id: str, path: str | Path, display: str | None = None) -> pd.Series:
    """Read and check a series CSV (``period,value``); raise :class:`DataError` naming file and line.

    ``display`` is the file name shown in messages (default: ``path``)."""
    meta = catalog()[series_id]
    path = Path(path)
    shown = display or str(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise DataError(Issue("data file not found", file=shown, path=series_id)) from None
    except Exception as exc:  # malformed CSV (bad quoting, binary, ...)
        raise DataError(Issue(f"cannot read CSV: {exc}", file=shown, path=series_id,
                              hint="expected a header row `period,value` and one row per period")) from None
    cols = [c.strip() for c in df.columns]
    if cols[:2] != ["period", "value"]:
        raise DataError(Issue(f"wrong columns {cols}", file=shown, line=1, path=series_id,
                              hint="the first two columns must be `period,value`"))
    df.columns = cols
    issues: list[Issue] = []
    if df.empty:
        issues.append(Issue("no data rows", file=shown, line=2, path=series_id, hint="add at least one `period,value` row"))
    values = []
    for i, v in enumerate(df["value"]):
        v = v.strip()
        try:
            x = float(v)
        except ValueError:
            x = math.nan
            issues.append(Issue(f"value is {'missing' if not v else 'not a number'} (got {v!r})", file=shown, line=i + 2,
                                path=f"{series_id}.value", hint="every row needs a finite number"))
        else:
            if not math.isfinite(x):
                issues.append(Issue(f"value must be finite (got {v!r})", file=shown, line=i + 2, path=f"{series_id}.value"))
        values.append(x)
        if len(issues) > 20:
            break
    idx, pissues = _parse_period(df["period"], meta["frequency"], shown)
    issues.extend(pissues)
    if not issues:
        if idx.has_duplicates:
            dup = idx[idx.duplicated()][0]
            issues.append(Issue(f"duplicate period {dup}", file=shown, path=f"{series_id}.period", hint="one row per period"))
        elif not idx.is_monotonic_increasing:
            issues.append(Issue("periods are not in increasing order", file=shown, path=f"{series_id}.period",
                                hint="sort the rows by period"))
    if issues:
        raise DataError(issues)
    s = pd.Series(values, index=idx, name=series_id, dtype=float)
    s.attrs.update(dict(meta))
    s.attrs["id"] = series_id
    s.attrs["file"] = shown
    s.attrs["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return s


def load(series_id: str, path: str | Path | None = None) -> pd.Series:
    """Load one series as a pandas Series (index: year as int, or monthly ``Period``).

    Metadata (unit, source, series code, vintage, ...) is in ``series.attrs``.

    Parameters
    ----------
    series_id
        A catalog id, see :func:`catalog`.
    path
        Optional CSV to read instead of the bundled file (same ``period,value`` shape).
    """
    cat = catalog()
    if series_id not in cat:
        import difflib

        close = difflib.get_close_matches(series_id, list(cat), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known series: {', '.join(cat)}"
        raise DataError(Issue(f"unknown series {series_id!r}", hint=hint))
    return validate_csv(series_id, path or path_of(series_id)).copy()


def load_all(overrides: Mapping[str, Path] | None = None) -> dict[str, pd.Series]:
    """Every catalog series, with user overrides applied."""
    overrides = overrides or {}
    return {sid: load(sid, overrides.get(sid)) for sid in catalog()}


def describe() -> pd.DataFrame:
    """The catalog as a table (one row per series)."""
    rows: list[dict[str, Any]] = []
    for sid, meta in catalog().items():
        rows.append({"id": sid, **meta})
    return pd.DataFrame(rows)


__all__ = ["catalog", "load", "load_all", "describe", "validate_csv"]
