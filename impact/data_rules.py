"""Data the estimators need, checked when the assumptions load (so ``validate`` ok means ``run`` works).

Each channel declares ``check_data(data, options, settings)``; this module runs those checks on the
series actually loaded (bundled or overridden) and turns each problem into a ``file:line`` issue:

* at the row of the overriding CSV file when a user's series is at fault;
* at ``settings.base_year`` when the bundled data cannot support the chosen base year, with the
  range of base years they do support (every year of the schema's range is tried);
* at the estimator option (e.g. ``imports.estimator.fit_start``) that sets a window too short.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .errors import Issue

#: base years the schema allows; the data narrow them (see :func:`supported_base_years`)
BASE_YEAR_RANGE = (2000, 2030)

Checker = Callable[[Mapping[str, Any], Mapping[str, Any], Any], list[tuple[str, Any]]]


_SUPPORTED: dict[Any, list[int]] = {}


def supported_base_years(checker: Checker, data: Mapping[str, Any], channels: Mapping[str, Any],
                         settings: Any) -> list[int]:
    """Base years in :data:`BASE_YEAR_RANGE` for which every channel's data check passes (remembered
    by data content, estimator options and the other settings: 31 checks are not free)."""
    key = (checker, tuple((sid, s.attrs.get("sha256")) for sid, s in data.items()),
           tuple((n, repr(sorted(b.options.items()))) for n, b in channels.items()), replace(settings, base_year=0))
    if key not in _SUPPORTED:
        if len(_SUPPORTED) > 64:
            _SUPPORTED.clear()
        _SUPPORTED[key] = [year for year in range(BASE_YEAR_RANGE[0], BASE_YEAR_RANGE[1] + 1)
                           if not checker(data, channels, replace(settings, base_year=year))]
    return _SUPPORTED[key]


def _ranges(years: Sequence[int]) -> str:
    if not years:
        return "none"
    parts, start, prev = [], years[0], years[0]
    for y in list(years[1:]) + [None]:  # type: ignore[list-item]
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(f"{start}" if start == prev else f"{start} to {prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)


def _line(series: Any, period: Any) -> int | None:
    """Line of ``period`` in the series' file; for a period the file lacks, the line of the next one."""
    from .data import line_of

    if period is None:
        return None
    line = line_of(series, period)
    if line is None and len(series):
        later = [p for p in series.index if p > period]
        line = line_of(series, later[0] if later else series.index[-1])
    return line


def data_issues(checker: Checker, data: Mapping[str, Any], channels: Mapping[str, Any], settings: Any,
                overridden: Mapping[str, str], where: Callable[[str, tuple[Any, ...]], tuple[str, int | None, int | None]]
                ) -> list[Issue]:
    """Issues for the channel data problems at this base year.

    ``overridden`` maps series ids replaced by the user to the file name shown; ``where(file, path)``
    gives (file shown, line, column) of a key path in settings.yaml or channels.yaml."""
    found = checker(data, channels, settings)
    if not found:
        return []
    # one issue per problem: channels that share a series (e.g. the homicide rate) report it together
    merged: dict[Any, list[str]] = {}
    for channel, pr in found:
        merged.setdefault(pr, []).append(channel)
    problems = [(", ".join(chs), pr) for pr, chs in merged.items()]
    issues: list[Issue] = []
    allowed: list[int] | None = None
    for channel, pr in problems:
        mine = [sid for sid in pr.series_ids if sid in overridden]
        if mine:
            sid = mine[0]
            line = _line(data[sid], pr.period)
            issues.append(Issue(f"{channel}: {pr.message}", file=overridden[sid], line=line, path=sid, hint=pr.hint))
            continue
        if allowed is None:
            allowed = supported_base_years(checker, data, channels, settings)
        years_hint = (f"base years the loaded data support: {_ranges(allowed)}" if allowed
                      else "no base year works with these data and options")
        if pr.option is not None:
            file, line, col = where("channels.yaml", (channel, "estimator", pr.option))
            hint = pr.hint if settings.base_year in allowed else f"{pr.hint}; {years_hint}"
            issues.append(Issue(pr.message, file=file, line=line, column=col, path=f"{channel}.estimator.{pr.option}",
                                hint=hint))
        else:
            file, line, col = where("settings.yaml", ("settings", "base_year"))
            issues.append(Issue(f"{settings.base_year} is outside what the data support ({channel}: {pr.message})",
                                file=file, line=line, column=col, path="settings.base_year",
                                hint=years_hint if settings.base_year not in allowed else pr.hint))
    return issues
