"""Reading YAML nodes with every problem collected: typed values with file:line:col and a hint."""
from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass
from typing import Any

from ..errors import Issue
from ..yamlio import YamlDoc

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Location:
    """Where a value was written: file (as shown to the user), line and column (1-based)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def choices_hint(got: Any, allowed: Any) -> str:
    allowed = [str(a) for a in allowed]
    close = difflib.get_close_matches(str(got), allowed, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}? allowed: {', '.join(allowed)}"
    return f"allowed: {', '.join(allowed)}"


def fmt(v: Any) -> str:
    if isinstance(v, str):
        return repr(v if len(v) < 40 else v[:37] + "...")
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    return repr(v)


class Reader:
    """Collects issues for one YAML document."""

    def __init__(self, doc: YamlDoc, issues: list[Issue]) -> None:
        self.doc = doc
        self.issues = issues

    def err(self, path: tuple[Any, ...], msg: str, hint: str | None = None) -> None:
        line, col = self.doc.where(path)
        self.issues.append(Issue(msg, file=self.doc.file, line=line, column=col,
                                 path=".".join(str(p) for p in path) or None, hint=hint))

    def loc(self, path: tuple[Any, ...]) -> Location:
        line, col = self.doc.where(path)
        return Location(self.doc.file, line, col)

    def mapping(self, obj: Any, path: tuple[Any, ...], what: str = "a mapping") -> dict[str, Any] | None:
        if not isinstance(obj, dict):
            self.err(path, f"expected {what} (got {fmt(obj)})",
                     "write `key: value` lines indented under it (see assumptions/README.md)")
            return None
        return obj

    def keys(self, obj: dict[str, Any], path: tuple[Any, ...], allowed: tuple[str, ...] | list[str],
             required: tuple[str, ...] | list[str] = ()) -> None:
        for k in obj:
            if k not in allowed:
                self.err(path + (k,), f"unknown key {k!r}", choices_hint(k, allowed))
        for k in required:
            if k not in obj:
                self.err(path, f"missing required key {k!r}", f"add `{k}:`")

    def number(self, obj: dict[str, Any], key: str, path: tuple[Any, ...], *, required: bool = True,
               default: float | None = None, low: float | None = None, high: float | None = None,
               integer: bool = False, what: str = "") -> Any:
        if key not in obj:
            if required:
                self.err(path, f"missing required key {key!r}", f"add `{key}:` {what}".rstrip())
            return default
        v = obj[key]
        p = path + (key,)
        rng = (f"between {low:g} and {high:g}" if low is not None and high is not None else
               f">= {low:g}" if low is not None else f"<= {high:g}" if high is not None else "")
        hint = (f"write {'a whole number' if integer else 'a plain number'} without quotes or units"
                + (f", {rng}" if rng else "") + (f" ({what.strip('()')})" if what else ""))
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.err(p, f"expected {'an integer' if integer else 'a number'} (got {fmt(v)})", hint)
            return default
        if isinstance(v, float) and not math.isfinite(v):
            self.err(p, f"must be a finite number (got {v})", hint.replace("a plain number", "a finite number"))
            return default
        if integer and not float(v).is_integer():
            self.err(p, f"expected an integer (got {v!r})", hint)
            return default
        if rng and (low is not None and v < low or high is not None and v > high):
            self.err(p, f"out of range (got {v:g})", f"allowed: {rng}")
            return default
        return int(v) if integer else float(v)

    def string(self, obj: dict[str, Any], key: str, path: tuple[Any, ...], *, required: bool = True,
               default: str = "", choices: tuple[str, ...] | None = None) -> str:
        if key not in obj:
            if required:
                self.err(path, f"missing required key {key!r}", f"add `{key}:`")
            return default
        v = obj[key]
        if not isinstance(v, str):
            self.err(path + (key,), f"expected text (got {fmt(v)})", choices_hint(v, choices) if choices
                     else "write text (quote it if it starts with a digit or symbol)")
            return default
        if choices is not None and v not in choices:
            self.err(path + (key,), f"invalid value {v!r}", choices_hint(v, choices))
            return default
        return v

    def date(self, obj: dict[str, Any], key: str, path: tuple[Any, ...], *, required: bool = False,
             low: int = 1900, high: int = 2200) -> dt.date | None:
        """A date written ``YYYY-MM-DD`` (quoted or not) or a year (meaning 1 January)."""
        if key not in obj:
            if required:
                self.err(path, f"missing required key {key!r}", f"add `{key}:` as a date (2025-02-20) or a year")
            return None
        v = obj[key]
        p = path + (key,)
        hint = f"write a date YYYY-MM-DD (e.g. 2025-02-20) or a year, between {low} and {high}"
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            self.err(p, f"expected a date or a year (got {fmt(v)})", hint)
            return None
        if isinstance(v, int):
            out = dt.date(v, 1, 1) if low <= v <= high else None
        else:
            try:
                out = dt.date.fromisoformat(v.strip()) if _ISO_DATE.fullmatch(v.strip()) else None
            except ValueError:  # e.g. 2025-02-30
                out = None
            if out is None and _ISO_DATE.fullmatch(v.strip()):
                self.err(p, f"not a calendar date (got {v!r})", hint)
                return None
        if out is None or not low <= out.year <= high:
            self.err(p, f"expected a date or a year between {low} and {high} (got {fmt(v)})", hint)
            return None
        return out

    def boolean(self, obj: dict[str, Any], key: str, path: tuple[Any, ...], default: bool) -> bool:
        if key not in obj:
            return default
        v = obj[key]
        if not isinstance(v, bool):
            self.err(path + (key,), f"expected true or false (got {fmt(v)})", "write true or false")
            return default
        return v

    def pair(self, obj: dict[str, Any], key: str, path: tuple[Any, ...], required: bool) -> tuple[float, float] | None:
        if key not in obj:
            if required:
                self.err(path, f"missing required key {key!r}", f"add `{key}: [low, high]`")
            return None
        v = obj[key]
        p = path + (key,)
        if (not isinstance(v, list) or len(v) != 2
                or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v)):
            self.err(p, f"expected [low, high] (got {fmt(v)})", "write two numbers in brackets, e.g. [0, 1]")
            return None
        if any(not math.isfinite(x) for x in v):
            self.err(p, f"limits must be finite (got {v})", "write two finite numbers, e.g. [0, 1000]")
            return None
        if v[0] > v[1]:
            self.err(p, f"low must not exceed high (got {v})", "write [low, high]")
            return None
        return float(v[0]), float(v[1])
