"""The bundled data pack: public historical series with their official sources.

>>> from impact import data
>>> s = data.load("us_imports_mexico_monthly")
>>> s.attrs["unit"]
'USD millions (nominal)'

Each series is a CSV (``period,value``) in this folder, described in ``catalog.yaml`` (description,
unit, frequency, official source and series code, coverage, vintage, caveats).  A *panel* (one
value per period and unit, e.g. homicide victims by state and month) has its key columns between
the two, ``period,state,value``, declared in the catalog's ``keys``; it loads as a Series indexed by
(key, ..., period), the order of its rows.  Analysts can replace a series with their own
CSV of the same shape from ``settings.yaml`` (``data:`` block).
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from functools import lru_cache
from pathlib import Path
from ..frozen import FrozenMap
from typing import Any, Mapping

import pandas as pd

from ..errors import DataError, Issue

HERE = Path(__file__).resolve().parent
CATALOG_FIELDS = ("description", "unit", "frequency", "source", "series_code", "coverage", "vintage", "caveats",
                  "read_via", "keys")


@lru_cache(maxsize=1)
def catalog() -> Mapping[str, Mapping[str, str]]:
    """Catalog entries by series id (read-only)."""
    import yaml

    with open(HERE / "catalog.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return FrozenMap({k: FrozenMap({f: (" ".join(v[f]) if f == "keys" and isinstance(v.get(f), list)
                                        else str(v.get(f, ""))) for f in CATALOG_FIELDS}) for k, v in raw.items()})


def keys_of(series_id: str) -> tuple[str, ...]:
    """The key columns of a panel (``()`` for a plain series)."""
    return tuple(catalog()[series_id]["keys"].split())


def path_of(series_id: str) -> Path:
    return HERE / f"{series_id}.csv"


MAX_CSV_BYTES = 20 * 2**20
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"\d{4}")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
#: line number of each period, by file content (sha256): messages about a period point at its line
_LINES: dict[str, dict[str, int]] = {}


#: series already checked, by (series id, file sha256): a file is parsed once per process (the
#: bundled pack is read again by every load of an assumption folder); callers get copies
_PARSED: dict[tuple[str, str], tuple[pd.Series, dict[str, int]]] = {}


def _line_key(period: Any) -> str:
    return "|".join(str(p) for p in period) if isinstance(period, tuple) else str(period)


def line_of(series: pd.Series, period: Any) -> int | None:
    """Line in the series' CSV file of ``period`` (a panel's: the tuple (key, ..., period)); None
    when unknown."""
    return _LINES.get(series.attrs.get("sha256", ""), {}).get(_line_key(period))


def _read(path: Path, shown: str, series_id: str) -> bytes:
    """The file's bytes; DataError for a missing, oversized or unreadable file."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise DataError(Issue("is a folder, expected a CSV file", file=shown, path=series_id))
        if size > MAX_CSV_BYTES:
            raise DataError(Issue(f"file too large ({size:,} bytes)", file=shown, path=series_id,
                                  hint=f"data files are limited to {MAX_CSV_BYTES:,} bytes"))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(Issue("data file not found", file=shown, path=series_id)) from None
    except OSError as exc:
        raise DataError(Issue(f"cannot read the file: {exc.strerror or exc}", file=shown, path=series_id)) from None
    return raw


def _rows(raw: bytes, shown: str, series_id: str, keys: tuple[str, ...] = ()
          ) -> list[tuple[int, str, str, tuple[str, ...]]]:
    """(line, period, value, keys) of every data row; DataError for text that is not UTF-8 CSV."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(Issue(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", file=shown, line=line, path=series_id,
                              hint="save the file as UTF-8 CSV")) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        want = ["period", *keys, "value"]
        if header is None:
            raise DataError(Issue("the file is empty", file=shown, line=1, path=series_id,
                                  hint=f"the first row must be `{','.join(want)}`"))
        cols = [c.strip() for c in header]
        if cols[:len(want)] != want:
            raise DataError(Issue(f"wrong columns {cols}", file=shown, line=1, path=series_id,
                                  hint=f"the first {len(want)} columns must be `{','.join(want)}`"))
        rows = []
        n = len(want)
        for rec in reader:
            if not rec or all(not c.strip() for c in rec):
                continue  # blank line
            rec = rec + [""] * (n - len(rec))
            rows.append((reader.line_num, rec[0].strip(), rec[n - 1].strip(), tuple(c.strip() for c in rec[1:n - 1])))
    except csv.Error as exc:
        raise DataError(Issue(f"cannot read CSV: {exc}", file=shown, line=reader.line_num, path=series_id,
                              hint=f"expected a header row `{','.join(want)}` and one row per period")) from None
    return rows


def _period_issue(text: str, frequency: str) -> str | None:
    if frequency == "monthly":
        m = _MONTH.fullmatch(text)
        if not m:
            return "period must be YYYY-MM for a monthly series"
        if not 1 <= int(m.group(2)) <= 12:
            return "month must be 01 to 12"
        return None
    if frequency == "quarterly":
        return None if _QUARTER.fullmatch(text) else "period must be YYYY-Qn (n = 1 to 4) for a quarterly series"
    return None if _YEAR.fullmatch(text) else "period must be a year YYYY"


def _values(rows: list[tuple[int, str, str, tuple[str, ...]]], freq: str, shown: str, series_id: str
            ) -> tuple[list[float], list[str], list[int]]:
    """Values, periods and line numbers of the rows; DataError listing every malformed row (up to 20)."""
    issues: list[Issue] = []
    if not rows:
        issues.append(Issue("no data rows", file=shown, line=2, path=series_id, hint="add at least one `period,value` row"))
    values, periods, lines = [], [], []
    keys = keys_of(series_id)
    for line, period, v, unit in rows:
        if len(issues) > 20:
            break
        problem = _period_issue(period, freq)
        if problem:
            issues.append(Issue(f"{problem} (got {period!r})", file=shown, line=line, path=f"{series_id}.period",
                                hint={"monthly": "e.g. 2024-01", "quarterly": "e.g. 2024-Q1"}.get(freq, "e.g. 2024")))
        try:
            x = float(v)
        except ValueError:
            issues.append(Issue(f"value is {'missing' if not v else 'not a number'} (got {v!r})", file=shown, line=line,
                                path=f"{series_id}.value", hint="every row needs a finite number"))
            continue
        empty = [k for k, c in zip(keys, unit) if not c]
        if empty:
            issues.append(Issue(f"{empty[0]} is missing", file=shown, line=line, path=f"{series_id}.{empty[0]}",
                                hint="every row of a panel names its unit"))
            continue
        if not math.isfinite(x):
            issues.append(Issue(f"value must be finite (got {v!r})", file=shown, line=line, path=f"{series_id}.value",
                                hint="every row needs a finite number"))
            continue
        values.append(x)
        periods.append(period)
        lines.append(line)
    if issues:
        raise DataError(issues)
    return values, periods, lines


def _order_issues(keys: Any, periods: list[str], lines: list[int], freq: str, shown: str, series_id: str
                  ) -> list[Issue]:
    """Duplicated, unsorted or (monthly) missing periods; ``keys`` are the periods as integers."""
    issues: list[Issue] = []
    for i in range(1, len(keys)):
        if keys[i] == keys[i - 1]:
            issues.append(Issue(f"duplicate period {periods[i]} (also on line {lines[i - 1]})", file=shown,
                                line=lines[i], path=f"{series_id}.period", hint="one row per period"))
        elif keys[i] < keys[i - 1]:
            issues.append(Issue(f"periods are not in increasing order ({periods[i]} after {periods[i - 1]})", file=shown,
                                line=lines[i], path=f"{series_id}.period", hint="sort the rows by period"))
        elif freq == "monthly" and keys[i] != keys[i - 1] + 1:
            missing = pd.Period(ordinal=int(keys[i - 1]) + 1, freq="M")
            n = int(keys[i] - keys[i - 1] - 1)
            issues.append(Issue(f"missing month {missing}" + (f" and {n - 1} more" if n > 1 else "")
                                + f" between {periods[i - 1]} (line {lines[i - 1]}) and {periods[i]}", file=shown,
                                line=lines[i], path=f"{series_id}.period",
                                hint="every month needs a row: a gap shifts the seasonal pattern of later months"))
        if len(issues) >= 5:
            break
    return issues


def _period_index(periods: list[str], freq: str) -> pd.Index:
    """The index of checked period texts (``YYYY-MM``, ``YYYY-Qn``, ``YYYY``).

    Built from ordinals (periods since 1970-01 or 1970Q1), which is what pandas stores; parsing each
    text with ``pd.PeriodIndex(strings)`` took most of the data pack's load time."""
    if freq == "monthly":
        ords = [(int(p[:4]) - 1970) * 12 + int(p[5:7]) - 1 for p in periods]
        return pd.PeriodIndex.from_ordinals(ords, freq="M", name="period")
    if freq == "quarterly":
        ords = [(int(p[:4]) - 1970) * 4 + int(p[-1]) - 1 for p in periods]
        return pd.PeriodIndex.from_ordinals(ords, freq="Q", name="period")
    return pd.Index([int(p) for p in periods], name="year")


def _panel_order_issues(units: list[tuple[str, ...]], keys: Any, periods: list[str], lines: list[int], freq: str,
                        shown: str, series_id: str) -> list[Issue]:
    """A panel's rows: grouped by unit, each unit's periods checked like a series'."""
    issues: list[Issue] = []
    seen: dict[tuple[str, ...], int] = {}
    start = 0
    for i in range(1, len(units) + 1):
        if i < len(units) and units[i] == units[start]:
            continue
        unit = units[start]
        if unit in seen:
            issues.append(Issue(f"rows of {'/'.join(unit)} are not together (also on line {seen[unit]})", file=shown,
                                line=lines[start], path=series_id, hint="sort the rows by unit, then by period"))
        seen[unit] = lines[start]
        issues += _order_issues(keys[start:i], periods[start:i], lines[start:i], freq, shown, series_id)
        start = i
        if len(issues) >= 5:
            break
    return issues


def validate_csv(series_id: str, path: str | Path, display: str | None = None) -> pd.Series:
    """Read and check a series CSV (``period,value``, or ``period,<keys>,value`` for a panel);
    raise :class:`DataError` naming file and line.

    Checked: the header, one finite number per row, periods in the catalog's frequency, in increasing
    order, without duplicates and, for monthly series, without a missing month (a gap would shift
    the seasonal pattern of every later month); a panel's rows grouped by unit, each unit's periods
    checked the same way.  ``display`` is the file name shown in messages."""
    meta = catalog()[series_id]
    keys = keys_of(series_id)
    path = Path(path)
    shown = display or str(path)
    raw = _read(path, shown, series_id)
    digest = hashlib.sha256(raw).hexdigest()
    known = _PARSED.get((series_id, digest))
    if known is not None:  # the same bytes were checked before: same series, same line numbers
        series, lines_of = known
        _LINES.setdefault(digest, lines_of)
        s = series.copy()
        s.attrs = {**series.attrs, "file": shown}
        return s
    rows = _rows(raw, shown, series_id, keys)
    freq = meta["frequency"]
    values, periods, lines = _values(rows, freq, shown, series_id)
    idx = _period_index(periods, freq)
    ords = idx.asi8 if isinstance(idx, pd.PeriodIndex) else idx.to_numpy()
    units = [r[3] for r in rows]
    issues = (_panel_order_issues(units, ords, periods, lines, freq, shown, series_id) if keys
              else _order_issues(ords, periods, lines, freq, shown, series_id))
    if issues:
        raise DataError(issues)
    if keys:
        levels = [pd.Index([u[j] for u in units], name=k) for j, k in enumerate(keys)] + [idx]
        idx = pd.MultiIndex.from_arrays(levels)
    s = pd.Series(values, index=idx, name=series_id, dtype=float)
    s.attrs.update(dict(meta))
    s.attrs["id"] = series_id
    s.attrs["file"] = shown
    s.attrs["sha256"] = digest
    if len(_LINES) > 256:
        _LINES.clear()
    if len(_PARSED) > 256:
        _PARSED.clear()
    _LINES[digest] = ({_line_key((*u, i)): ln for i, u, ln in zip(idx.get_level_values(-1), units, lines)} if keys
                      else dict(zip(periods, lines)))
    _PARSED[(series_id, digest)] = (s.copy(), _LINES[digest])
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
