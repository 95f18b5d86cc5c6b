"""Assumption files -> validated, frozen :class:`Assumptions`.

The assumption folder holds four YAML files (see ``assumptions/README.md``):

* ``settings.yaml``  - base year, horizon, currency, draws, seed, output path, data overrides;
* ``channels.yaml``  - one block per channel: label, estimator options, parameters;
* ``scenarios.yaml`` - scenarios as sparse overrides with ``extends`` and ``weight``;
* ``analysis.yaml``  - rank correlations and sensitivity settings (tornado, two-way pairs, Sobol).

Every problem in every file is collected in one pass and raised together as an
:class:`~impact.errors.AssumptionError` whose lines read
``file:line:col: dotted.key.path: what is wrong (got X); how to fix``.
Values outside their soft ``plausible`` range raise :class:`~impact.errors.PlausibilityWarning`.
No other module reads YAML.
"""
from __future__ import annotations

import copy
import difflib
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from .frozen import FrozenMap
from typing import Any

import numpy as np

from . import distributions as dist
from .arguments import MAX_DRAWS
from .errors import AssumptionError, Issue, PlausibilityWarning, UsageError
from .spec import ESTIMATE_MODES, TIMINGS, UNITS, ChannelSpec, domain_of
from .yamlio import YamlDoc, read_yaml

FILES = ("settings.yaml", "channels.yaml", "scenarios.yaml", "analysis.yaml")
DEFAULT_DIR = Path(__file__).resolve().parent / "defaults"


# --------------------------------------------------------------------------- frozen model
@dataclass(frozen=True)
class Location:
    """Where a value was written: file (as shown to the user), line and column (1-based)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Prior:
    """A literature prior for an estimated coefficient (normal, mean and standard deviation)."""

    mean: float
    sd: float
    source: str = ""


@dataclass(frozen=True)
class Parameter:
    """One assumption: a value with unit, bounds, plausible range, distribution and source.

    ``qualname`` is ``<channel>.<name>`` for channel parameters and ``shocks.<name>`` for shocks.
    For estimated parameters ``estimate`` names the mode (data, prior or pooled) and ``prior``
    holds the literature prior; their central value is set after fitting.
    """

    qualname: str
    name: str
    label: str
    unit: str
    description: str
    source: str
    value: float | None
    bounds: tuple[float, float]
    plausible: tuple[float, float] | None
    distribution: dist.Distribution | None
    location: Location
    estimate: str | None = None
    prior: Prior | None = None
    note: str = ""
    # shocks only
    start: int | None = None
    timing: str | None = None
    overridden_by: tuple[str, ...] = ()

    @property
    def unit_label(self) -> str:
        return UNITS[self.unit][0]

    @property
    def is_uncertain(self) -> bool:
        return self.distribution is not None and not self.distribution.is_fixed

    @property
    def is_estimated(self) -> bool:
        return self.estimate is not None and self.value is None


@dataclass(frozen=True)
class Settings:
    title: str
    base_year: int
    horizon: int
    currency: str
    price_basis: str
    draws: int
    seed: int
    output: str
    sensitivity: bool
    normalise_weights: bool

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.base_year + 1, self.base_year + self.horizon + 1))


@dataclass(frozen=True)
class ChannelBlock:
    name: str
    label: str
    description: str
    options: Mapping[str, Any]
    parameters: Mapping[str, Parameter]
    location: Location


@dataclass(frozen=True)
class Scenario:
    """A fully resolved scenario: its ``extends`` chain applied, every shock and parameter merged."""

    name: str
    label: str
    description: str
    weight: float
    chain: tuple[str, ...]
    shocks: Mapping[str, Parameter]
    parameters: Mapping[str, Parameter]
    location: Location

    def to_frame(self) -> Any:
        """Tidy table of every value this scenario uses (one row per parameter or shock)."""
        import pandas as pd

        rows = []
        for p in list(self.shocks.values()) + list(self.parameters.values()):
            rows.append({
                "scenario": self.name, "name": p.qualname, "label": p.label,
                "value": p.value, "unit": p.unit_label, "estimate": p.estimate or "",
                "distribution": p.distribution.describe() if p.distribution else "",
                "bounds": f"[{p.bounds[0]:g}, {p.bounds[1]:g}]",
                "start": p.start, "timing": p.timing or "",
                "source": p.source, "set_in": " > ".join(p.overridden_by), "location": str(p.location),
            })
        return pd.DataFrame(rows)

    def summary(self) -> Any:
        """One row per shock and parameter: label, value, unit, distribution, start, timing, set_in."""
        df = self.to_frame()
        df["start"] = df["start"].astype("Int64")  # a year, or <NA> for parameters
        cols = ["name", "label", "value", "unit", "estimate", "distribution", "start", "timing", "set_in"]
        return df[cols].set_index("name")

    def _repr_html_(self) -> str:
        from .results import _html

        df = self.summary()
        changed = [p.qualname for p in self.parameters.values() if len(p.overridden_by) > 1]
        shown = df.loc[[p.qualname for p in self.shocks.values()] + changed].drop(columns="estimate")
        title = (f"Scenario {self.name!r}: {self.label} ({' > '.join(self.chain)}, weight {self.weight:g}); "
                 f"shocks and overridden parameters, {len(df) - len(shown)} more rows in summary()")
        return _html(shown, title)

    def __repr__(self) -> str:
        return f"<Scenario {self.name!r}: {' > '.join(self.chain)}, weight={self.weight:g}, {len(self.shocks)} shocks>"


@dataclass(frozen=True)
class Correlation:
    a: str
    b: str
    rho: float
    location: Location


@dataclass(frozen=True)
class TwoWaySpec:
    x: str
    y: str
    points: int
    target: str
    location: Location


@dataclass(frozen=True)
class Analysis:
    correlations: tuple[Correlation, ...]
    tornado_low: float
    tornado_high: float
    two_way: tuple[TwoWaySpec, ...]
    sobol_base_samples: int
    sobol_min_base_samples: int


@dataclass(frozen=True)
class Assumptions:
    """Validated assumptions (frozen).  Build with :func:`load_assumptions`."""

    folder: Path
    settings: Settings
    channels: Mapping[str, ChannelBlock]
    scenario_names: tuple[str, ...]
    analysis: Analysis
    data_overrides: Mapping[str, Path]
    hashes: Mapping[str, str]
    _scenarios: Mapping[str, Scenario] = field(repr=False)
    _raw: Mapping[str, Any] = field(repr=False)
    _allow_absolute: bool = field(default=False, repr=False)
    _specs: Mapping[str, ChannelSpec] | None = field(default=None, repr=False)
    _data_check: Any = field(default=None, repr=False)
    #: every data series (bundled, or the user's file from settings.yaml ``data:``), checked
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def scenario(self, name: str) -> Scenario:
        """The fully merged scenario ``name`` (``extends`` chain applied in order)."""
        if isinstance(name, Scenario):
            return name
        try:
            return self._scenarios[name]
        except KeyError:
            raise AssumptionError(Issue(f"unknown scenario {name!r}", hint=_choices_hint(name, self.scenario_names))) from None

    @property
    def scenarios(self) -> Mapping[str, Scenario]:
        return self._scenarios

    def parameter(self, qualname: str, scenario: str = "baseline") -> Parameter:
        s = self.scenario(scenario)
        if qualname in s.parameters:
            return s.parameters[qualname]
        short = qualname.removeprefix("shocks.")
        if short in s.shocks:
            return s.shocks[short]
        known = list(s.parameters) + [f"shocks.{k}" for k in s.shocks]
        raise AssumptionError(Issue(f"unknown parameter {qualname!r}", hint=_choices_hint(qualname, known)))

    def override(self, changes: Mapping[str, Any]) -> Assumptions:
        """A modified copy; the original is unchanged.

        Keys are dotted paths into the files, e.g. ``"tourism.elasticity.value"`` (channels.yaml),
        ``"settings.horizon"``, ``"scenarios.designation.shocks.insecurity.value"`` or
        ``"analysis.sensitivity.sobol.base_samples"``.  The copy is validated like a file.
        """
        if not isinstance(changes, Mapping) or not all(isinstance(k, str) for k in changes):
            raise UsageError(Issue(f"override() takes a mapping of dotted keys to values (got {type(changes).__name__})",
                                   hint='e.g. a.override({"tourism.elasticity.value": -0.3})'))
        raw = {k: copy.deepcopy(v.data) for k, v in self._raw.items()}
        for key, value in changes.items():
            parts = key.split(".")
            if parts[0] == "settings":
                fname, inner = "settings.yaml", parts
            elif parts[0] == "analysis":
                fname, inner = "analysis.yaml", parts[1:]
            elif parts[0] == "scenarios":
                fname, inner = "scenarios.yaml", parts[1:]
            else:
                fname, inner = "channels.yaml", parts
                if len(parts) > 2 and parts[1] not in ("estimator", "label", "description", "parameters"):
                    inner = [parts[0], "parameters", *parts[1:]]
            node = raw[fname]
            for p in inner[:-1]:
                if not isinstance(node, dict) or p not in node:
                    if isinstance(node, dict):
                        node[p] = {}
                    else:
                        raise AssumptionError(Issue(f"cannot set {key!r}: {p!r} is not a mapping", path=key))
                node = node[p]
            if not isinstance(node, dict):
                raise AssumptionError(Issue(f"cannot set {key!r}", path=key))
            if inner[-1] == "value" and "estimate" in node:
                node.pop("estimate", None)
                node.pop("prior", None)
            node[inner[-1]] = value
        docs = {k: YamlDoc(file=f"{v.file} (override)", data=raw[k], marks=v.marks, sha256=v.sha256) for k, v in self._raw.items()}
        return _build(self.folder, docs, self._specs, self._allow_absolute, self._data_check)

    def summary(self) -> Any:
        """One row per scenario: label, extends chain, weight and the shocks it sets (non-zero)."""
        import pandas as pd

        rows = []
        for name, sc in self.scenarios.items():
            active = [p.name for p in sc.shocks.values() if p.value]
            changed = [p.qualname for p in sc.parameters.values() if len(p.overridden_by) > 1]
            rows.append({"scenario": name, "label": sc.label, "extends": " > ".join(sc.chain[1:]), "weight": sc.weight,
                         "shocks": ", ".join(active), "parameters changed": ", ".join(changed)})
        return pd.DataFrame(rows).set_index("scenario")

    def to_frame(self) -> Any:
        """Every value of every scenario, tidy (one row per scenario and parameter or shock)."""
        import pandas as pd

        return pd.concat([sc.to_frame() for sc in self.scenarios.values()], ignore_index=True)

    def _repr_html_(self) -> str:
        from .results import _html

        s = self.settings
        n_par = sum(len(c.parameters) for c in self.channels.values())
        head = (f"Assumptions {self.folder}: {s.base_year + 1}-{s.base_year + s.horizon}, {s.currency} "
                f"({s.price_basis}), {len(self.channels)} channels, {n_par} parameters; draws {s.draws:,}, seed {s.seed}")
        return _html(self.summary(), head)

    def __repr__(self) -> str:
        s = self.settings
        return (f"<Assumptions {str(self.folder)!r}: {s.base_year + 1}-{s.base_year + s.horizon}, "
                f"channels={list(self.channels)}, scenarios={list(self.scenario_names)}>")


# --------------------------------------------------------------------------- validation helpers
def _choices_hint(got: Any, allowed: Any) -> str:
    allowed = [str(a) for a in allowed]
    close = difflib.get_close_matches(str(got), allowed, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}? allowed: {', '.join(allowed)}"
    return f"allowed: {', '.join(allowed)}"


def _fmt(v: Any) -> str:
    if isinstance(v, str):
        return repr(v if len(v) < 40 else v[:37] + "...")
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    return repr(v)


class _V:
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
            self.err(path, f"expected {what} (got {_fmt(obj)})",
                     "write `key: value` lines indented under it (see assumptions/README.md)")
            return None
        return obj

    def keys(self, obj: dict[str, Any], path: tuple[Any, ...], allowed: tuple[str, ...] | list[str],
             required: tuple[str, ...] | list[str] = ()) -> None:
        for k in obj:
            if k not in allowed:
                self.err(path + (k,), f"unknown key {k!r}", _choices_hint(k, allowed))
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
            self.err(p, f"expected {'an integer' if integer else 'a number'} (got {_fmt(v)})", hint)
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
            self.err(path + (key,), f"expected text (got {_fmt(v)})", _choices_hint(v, choices) if choices
                     else "write text (quote it if it starts with a digit or symbol)")
            return default
        if choices is not None and v not in choices:
            self.err(path + (key,), f"invalid value {v!r}", _choices_hint(v, choices))
            return default
        return v

    def boolean(self, obj: dict[str, Any], key: str, path: tuple[Any, ...], default: bool) -> bool:
        if key not in obj:
            return default
        v = obj[key]
        if not isinstance(v, bool):
            self.err(path + (key,), f"expected true or false (got {_fmt(v)})", "write true or false")
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
            self.err(p, f"expected [low, high] (got {_fmt(v)})", "write two numbers in brackets, e.g. [0, 1]")
            return None
        if any(not math.isfinite(x) for x in v):
            self.err(p, f"limits must be finite (got {v})", "write two finite numbers, e.g. [0, 1000]")
            return None
        if v[0] > v[1]:
            self.err(p, f"low must not exceed high (got {v})", "write [low, high]")
            return None
        return float(v[0]), float(v[1])


# --------------------------------------------------------------------------- parameter parsing
_PARAM_KEYS = ("label", "value", "unit", "description", "source", "bounds", "plausible", "distribution",
               "estimate", "prior", "note")
_SHOCK_KEYS = _PARAM_KEYS[:-3] + ("note", "start", "timing")
_OVERRIDE_KEYS = ("value", "distribution", "source", "note", "plausible")
_SHOCK_OVERRIDE_KEYS = _OVERRIDE_KEYS + ("start", "timing")


_DIST_RULES = {
    "uniform": "write {kind: uniform, low: L, high: H} with low < high",
    "triangular": "write {kind: triangular, low: L, mode: M, high: H} with low < high and low <= mode <= high",
    "pert": "write {kind: pert, low: L, mode: M, high: H} with low < high, low <= mode <= high and lamb > 0",
    "normal": "write {kind: normal, mean: M, sd: S} with sd > 0",
    "truncnormal": "write {kind: truncnormal, mean: M, sd: S, low: L, high: H} with sd > 0 and low < high",
    "lognormal": "write {kind: lognormal, median: M, sigma: S} with median > 0 and sigma > 0",
}


def _parse_distribution(v: _V, obj: Any, path: tuple[Any, ...]) -> dist.Distribution | None:
    d = v.mapping(obj, path, "a mapping like {kind: pert, low: 1, mode: 2, high: 3}")
    if d is None:
        return None
    kind = d.get("kind")
    if kind not in dist.KINDS:
        if "kind" not in d:
            v.err(path, "missing required key 'kind'", f"allowed kinds: {', '.join(dist.KINDS)}")
        else:
            v.err(path + ("kind",), f"unknown distribution kind {_fmt(kind)}", _choices_hint(kind, dist.KINDS))
        return None
    req, opt = dist.fields_of(kind)
    v.keys(d, path, ("kind",) + req + opt, req)
    vals: dict[str, float] = {}
    ok = True
    for k in req + opt:
        if k in d:
            x = v.number(d, k, path, what=f"({kind} needs {', '.join(req)})")
            if x is None:
                ok = False
            else:
                vals[k] = x
        elif k in req:
            ok = False
    if not ok:
        return None
    obj_ = dist.make(kind, vals)
    for fld, msg in obj_.problems():
        v.err(path + (fld,), msg, _DIST_RULES.get(kind))
        ok = False
    return obj_ if ok else None


def _check_in_bounds(v: _V, path: tuple[Any, ...], value: float | None, d: dist.Distribution | None,
                     bounds: tuple[float, float] | None) -> None:
    if bounds is None:
        return
    lo, hi = bounds
    if value is not None and not lo <= value <= hi:
        v.err(path + ("value",), f"value out of bounds (got {value:g})", f"allowed: between {lo:g} and {hi:g} (bounds)")
    if d is not None:
        s_lo, s_hi = d.support()
        # unbounded kinds (normal, lognormal) are checked at their 0.1 % / 99.9 % points
        if not math.isfinite(s_lo) or not math.isfinite(s_hi):
            s_lo, s_hi = (float(x) for x in d.ppf(np.array([0.001, 0.999])))
        if s_lo < lo - 1e-12 or s_hi > hi + 1e-12:
            v.err(path + ("distribution",), f"distribution reaches outside the bounds ({s_lo:g} to {s_hi:g})",
                  f"keep it within [{lo:g}, {hi:g}] or use truncnormal")


def _check_domain(v: _V, path: tuple[Any, ...], bounds: tuple[float, float] | None,
                  domain: tuple[float, float, str] | None) -> None:
    if bounds is None or domain is None:
        return
    lo, hi, why = domain
    if bounds[0] < lo or bounds[1] > hi:
        rng = (f"between {lo:g} and {hi:g}" if math.isfinite(lo) and math.isfinite(hi)
               else f">= {lo:g}" if math.isfinite(lo) else f"<= {hi:g}")
        v.err(path + ("bounds",), f"bounds [{bounds[0]:g}, {bounds[1]:g}] reach outside what the channel's equations "
              f"allow{f' ({why})' if why else ''}", f"allowed: bounds {rng}")


def _parse_parameter(v: _V, obj: Any, path: tuple[Any, ...], qualname: str, *, shock: bool,
                     estimable: bool, expected_unit: str | None,
                     domain: tuple[float, float, str] | None = None) -> Parameter | None:
    d = v.mapping(obj, path, "a parameter mapping (value, unit, description, source, bounds, ...)")
    if d is None:
        return None
    allowed = _SHOCK_KEYS if shock else _PARAM_KEYS
    n0 = len(v.issues)
    v.keys(d, path, allowed, ("unit", "description", "source", "bounds"))
    unit = v.string(d, "unit", path, choices=tuple(UNITS))
    if unit and expected_unit and unit != expected_unit:
        v.err(path + ("unit",), f"unit must be {expected_unit!r} for this parameter (got {unit!r})",
              "the channel's equations expect this unit")
    label = v.string(d, "label", path, required=False, default=path[-1].replace("_", " ").capitalize())
    desc = v.string(d, "description", path)
    source = v.string(d, "source", path)
    note = v.string(d, "note", path, required=False)
    bounds = v.pair(d, "bounds", path, True)
    _check_domain(v, path, bounds, domain)
    plausible = v.pair(d, "plausible", path, False)
    estimate = prior = None
    if "estimate" in d or "prior" in d:
        if not estimable:
            v.err(path + ("estimate" if "estimate" in d else "prior",),
                  "this parameter is not estimated by its channel", "give a `value` (and optional `distribution`) instead")
        else:
            estimate = v.string(d, "estimate", path, choices=ESTIMATE_MODES)
            pr = v.mapping(d.get("prior"), path + ("prior",), "a mapping {mean, sd, source}") if "prior" in d else None
            if "prior" not in d:
                v.err(path, "missing required key 'prior'", "add `prior: {mean: ..., sd: ...}`")
            if pr is not None:
                v.keys(pr, path + ("prior",), ("mean", "sd", "source"), ("mean", "sd"))
                m = v.number(pr, "mean", path + ("prior",))
                s = v.number(pr, "sd", path + ("prior",))
                if s is not None and s <= 0:
                    v.err(path + ("prior", "sd"), f"sd must be positive (got {s:g})",
                          "give the prior a positive standard deviation")
                    s = None
                if m is not None and s is not None:
                    prior = Prior(m, s, str(pr.get("source", source)))
    value = None
    if "value" in d or estimate is None:
        value = v.number(d, "value", path)
    distribution = None
    if "distribution" in d:
        distribution = _parse_distribution(v, d["distribution"], path + ("distribution",))
    start = timing = None
    if shock:
        start = v.number(d, "start", path, integer=True, required=False, low=1900, high=2200)
        timing = v.string(d, "timing", path, choices=TIMINGS)
    _check_in_bounds(v, path, value, distribution, bounds)
    if len(v.issues) > n0:
        return None
    p = Parameter(qualname=qualname, name=str(path[-1]), label=label, unit=unit, description=desc, source=source,
                  value=value, bounds=bounds or (-math.inf, math.inf), plausible=plausible, distribution=distribution,
                  location=v.loc(path), estimate=estimate, prior=prior, note=note, start=start, timing=timing,
                  overridden_by=())
    _plausibility(p, v)
    return p


def _plausibility(p: Parameter, v: _V | None) -> None:
    if p.plausible is None or p.value is None:
        return
    lo, hi = p.plausible
    if not lo <= p.value <= hi:
        warnings.warn(f"{p.location}: {p.qualname}: value {p.value:g} {p.unit_label} is outside its plausible range "
                      f"[{lo:g}, {hi:g}]", PlausibilityWarning, stacklevel=3)


def _apply_override(v: _V, base: Parameter, obj: Any, path: tuple[Any, ...], scenario: str) -> Parameter | None:
    d = v.mapping(obj, path, "a mapping of fields to change (value, distribution, ...)")
    if d is None:
        return None
    allowed = _SHOCK_OVERRIDE_KEYS if base.timing is not None else _OVERRIDE_KEYS
    n0 = len(v.issues)
    v.keys(d, path, allowed)
    changes: dict[str, Any] = {}
    if "value" in d:
        changes["value"] = v.number(d, "value", path)
        if base.estimate is not None:
            changes["estimate"] = None
    if "distribution" in d:
        if d["distribution"] is None:
            changes["distribution"] = None
        else:
            changes["distribution"] = _parse_distribution(v, d["distribution"], path + ("distribution",))
    if "source" in d:
        changes["source"] = v.string(d, "source", path)
    if "note" in d:
        changes["note"] = v.string(d, "note", path)
    if "plausible" in d:
        changes["plausible"] = v.pair(d, "plausible", path, False)
    if "start" in d:
        changes["start"] = v.number(d, "start", path, integer=True, low=1900, high=2200)
    if "timing" in d:
        changes["timing"] = v.string(d, "timing", path, choices=TIMINGS)
    if len(v.issues) > n0:
        return None
    new = replace(base, **changes, location=v.loc(path), overridden_by=base.overridden_by + (scenario,))
    _check_in_bounds(v, path, new.value, new.distribution, new.bounds)
    if len(v.issues) > n0:
        return None
    _plausibility(new, v)
    return new


# --------------------------------------------------------------------------- file parsers
def _parse_settings(v: _V, folder: Path, allow_absolute: bool) -> tuple[Settings | None, dict[str, Path]]:
    root = v.mapping(v.doc.data, (), "a mapping with `settings:` (and optional `data:`)")
    if root is None:
        return None, {}
    v.keys(root, (), ("settings", "data"), ("settings",))
    s = v.mapping(root.get("settings"), ("settings",)) if "settings" in root else None
    settings = None
    if s is not None:
        p = ("settings",)
        n0 = len(v.issues)
        v.keys(s, p, ("title", "base_year", "horizon", "currency", "price_basis", "draws", "seed", "output",
                      "sensitivity", "normalise_weights"), ("base_year", "horizon"))
        settings = Settings(
            title=v.string(s, "title", p, required=False, default="Economic impact of an FTO designation of Mexican cartels"),
            base_year=v.number(s, "base_year", p, integer=True, low=2000, high=2030),
            horizon=v.number(s, "horizon", p, integer=True, low=1, high=30),
            currency=v.string(s, "currency", p, required=False, default="USD", choices=("USD",)),
            price_basis=v.string(s, "price_basis", p, required=False, default="nominal", choices=("nominal",)),
            draws=v.number(s, "draws", p, required=False, default=10_000, integer=True, low=0, high=MAX_DRAWS),
            seed=v.number(s, "seed", p, required=False, default=20250220, integer=True, low=0, high=2**63 - 1),
            output=v.string(s, "output", p, required=False, default="outputs/impact.xlsx"),
            sensitivity=v.boolean(s, "sensitivity", p, True),
            normalise_weights=v.boolean(s, "normalise_weights", p, False),
        )
        if len(v.issues) > n0:
            settings = None
    data_paths: dict[str, Path] = {}
    if "data" in root and root["data"] is not None:
        from .data import catalog

        d = v.mapping(root["data"], ("data",), "a mapping series_id: path/to/file.csv")
        if d is not None:
            cat = catalog()
            for sid, rel in d.items():
                p = ("data", sid)
                if sid not in cat:
                    v.err(p, f"unknown series {sid!r}", _choices_hint(sid, cat))
                    continue
                if not isinstance(rel, str):
                    v.err(p, f"expected a file path (got {_fmt(rel)})")
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
                    v.err(p, f"data file not found (got {rel!r}, looked for {full})",
                          "paths are relative to the assumptions folder")
                    continue
                data_paths[sid] = full
    return settings, data_paths


def _parse_channels(v: _V, specs: Mapping[str, ChannelSpec] | None) -> dict[str, ChannelBlock]:
    root = v.mapping(v.doc.data, (), "a mapping with one block per channel")
    if root is None:
        return {}
    out: dict[str, ChannelBlock] = {}
    if specs is not None:
        for name in specs:
            if name not in root:
                v.err((), f"missing channel block {name!r}", f"add a `{name}:` block (see `impact init`)")
    for name, block in root.items():
        path = (name,)
        spec = specs.get(name) if specs is not None else None
        if specs is not None and spec is None:
            v.err(path, f"unknown channel {name!r}", _choices_hint(name, specs))
            continue
        b = v.mapping(block, path)
        if b is None:
            continue
        v.keys(b, path, ("label", "description", "estimator", "parameters"), ("label", "parameters"))
        label = v.string(b, "label", path)
        desc = v.string(b, "description", path, required=False)
        options: dict[str, Any] = {}
        est = b.get("estimator", {})
        if spec is not None:
            e = v.mapping(est, path + ("estimator",)) if est is not None else {}
            if e is not None:
                names = tuple(o.name for o in spec.options)
                v.keys(e, path + ("estimator",), names)
                for o in spec.options:
                    options[o.name] = _option(v, e, o, path + ("estimator",))
        params: dict[str, Parameter] = {}
        pb = v.mapping(b.get("parameters"), path + ("parameters",)) if "parameters" in b else None
        if pb is not None:
            pspecs = {p.name: p for p in spec.parameters} if spec is not None else {}
            if spec is not None:
                for pn in pspecs:
                    if pn not in pb:
                        v.err(path + ("parameters",), f"missing parameter {pn!r}", f"the {name} channel needs it (unit {pspecs[pn].unit})")
            for pn, pobj in pb.items():
                ps = pspecs.get(pn)
                if spec is not None and ps is None:
                    v.err(path + ("parameters", pn), f"unknown parameter {pn!r}", _choices_hint(pn, pspecs))
                    continue
                prm = _parse_parameter(v, pobj, path + ("parameters", pn), f"{name}.{pn}", shock=False,
                                       estimable=bool(ps and ps.estimable), expected_unit=ps.unit if ps else None,
                                       domain=domain_of((ps,)) if ps else None)
                if prm is not None:
                    params[pn] = prm
        out[name] = ChannelBlock(name, label, desc, FrozenMap(options), FrozenMap(params), v.loc(path))
    return out


_KIND_NAMES = {int: "an integer", float: "a number", str: "text", list: "a list", bool: "true or false"}


def _items_ok(val: list[Any], o: Any) -> bool:
    return all(isinstance(x, o.item) and not isinstance(x, bool) for x in val) and (o.length is None
                                                                                      or len(val) == o.length)


def _option(v: _V, e: dict[str, Any], o: Any, path: tuple[Any, ...]) -> Any:
    if o.name not in e:
        return o.default
    val = e[o.name]
    p = path + (o.name,)
    kinds = o.kind if isinstance(o.kind, tuple) else (o.kind,)
    if float in kinds and isinstance(val, int) and not isinstance(val, bool):
        val = float(val)
    rng = f" between {o.low:g} and {o.high:g}" if o.low is not None and o.high is not None else ""
    what = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
    hint = f"write {what}{rng}" + (f" ({o.help})" if o.help else "")
    if isinstance(val, bool) and bool not in kinds or not isinstance(val, kinds):
        v.err(p, f"expected {what} (got {_fmt(val)})", hint)
        return o.default
    if isinstance(val, float) and not math.isfinite(val):
        v.err(p, f"must be finite (got {val})", hint)
        return o.default
    if o.choices is not None and val not in o.choices:
        v.err(p, f"invalid value {_fmt(val)}", _choices_hint(val, o.choices))
        return o.default
    if isinstance(val, (int, float)) and not isinstance(val, bool):
        if o.low is not None and val < o.low or o.high is not None and val > o.high:
            v.err(p, f"out of range (got {val:g})", f"allowed: between {o.low:g} and {o.high:g}")
            return o.default
    if o.check is not None:
        problem = o.check(val) if not isinstance(val, list) or _items_ok(val, o) else None
        if problem:
            v.err(p, problem, hint)
            return o.default
    if isinstance(val, list):
        what = "integers" if o.item is int else "texts"
        if not all(isinstance(x, o.item) and not isinstance(x, bool) for x in val):
            v.err(p, f"expected a list of {what} (got {val})", o.help or None)
            return o.default
        if o.length is not None and len(val) != o.length:
            v.err(p, f"expected {o.length} {what} (got {len(val)})", o.help or None)
            return o.default
        if o.item is int and (o.low is not None and min(val, default=o.low) < o.low
                              or o.high is not None and max(val, default=o.high) > o.high):
            v.err(p, f"out of range (got {val})", f"each between {o.low:g} and {o.high:g}; {o.help}".rstrip("; "))
            return o.default
        return tuple(val)
    return val


def _parse_scenarios(v: _V, channels: dict[str, ChannelBlock], specs: Mapping[str, ChannelSpec] | None,
                     settings: Settings | None, normalise: bool) -> dict[str, Scenario]:
    root = v.mapping(v.doc.data, (), "a mapping of scenario name -> scenario")
    if root is None:
        return {}
    if "baseline" not in root:
        close = difflib.get_close_matches("baseline", [str(k) for k in root], n=1, cutoff=0.6)
        if close:
            v.err((close[0],), "missing the 'baseline' scenario",
                  f"found {close[0]!r}: did you mean 'baseline'? (the baseline declares every shock at zero)")
        else:
            v.err((), "missing the 'baseline' scenario", "the baseline declares every shock (at zero) and has no `extends`")
        return {}
    raw: dict[str, dict[str, Any]] = {}
    for name, obj in root.items():
        d = v.mapping(obj, (name,))
        if d is None:
            continue
        v.keys(d, (name,), ("label", "description", "extends", "weight", "shocks", "parameters"), ("label",))
        if name != "baseline" and "extends" not in d:
            v.err((name,), "missing required key 'extends'", "every scenario except baseline extends another one")
        raw[name] = d
    # baseline: full shock declarations
    base = raw.get("baseline", {})
    if "extends" in base:
        v.err(("baseline", "extends"), "the baseline cannot extend another scenario", "remove `extends:`")
    shocks: dict[str, Parameter] = {}
    shock_units = {}
    shock_specs: dict[str, list[Any]] = {}
    if specs is not None:
        for sp in specs.values():
            for sh in sp.shocks:
                shock_units.setdefault(sh.name, sh.unit)
                shock_specs.setdefault(sh.name, []).append(sh)
    shock_domains = {sn: domain_of(tuple(sps)) for sn, sps in shock_specs.items()}
    sb = v.mapping(base.get("shocks", {}), ("baseline", "shocks")) if base else None
    broken: set[str] = set()
    for sn, sobj in (sb or {}).items():
        path = ("baseline", "shocks", sn)
        if specs is not None and sn not in shock_units:
            v.err(path, f"shock {sn!r} is not used by any channel", _choices_hint(sn, shock_units))
            continue
        p = _parse_parameter(v, sobj, path, f"shocks.{sn}", shock=True, estimable=False,
                             expected_unit=shock_units.get(sn), domain=shock_domains.get(sn))
        if p is None:
            broken.add(sn)  # reported where it is declared; scenarios that set it are not blamed again
        else:
            if p.value not in (0, 0.0):
                v.err(path + ("value",), f"baseline shocks must be zero (got {p.value:g})",
                      "the baseline is the no-designation counterfactual; set the shock in a scenario")
            shocks[sn] = replace(p, overridden_by=("baseline",))
    for sn in shock_units:
        if sb is not None and sn not in sb:
            v.err(("baseline", "shocks"), f"missing shock {sn!r}", f"declare it in the baseline (unit {shock_units[sn]}, value 0)")
    w_base = v.number(base, "weight", ("baseline",), required=False, default=0.0, low=0.0)
    if w_base:
        v.err(("baseline", "weight"), f"the baseline's weight must be 0 (got {w_base:g})",
              "weights are probabilities over the designation scenarios")
    spec_params = {f"{cn}.{p.name}" for cn, sp in (specs or {}).items() for p in sp.parameters}
    params0: dict[str, Parameter] = {}
    for ch in channels.values():
        for pn, p in ch.parameters.items():
            params0[p.qualname] = replace(p, overridden_by=("channels",))

    # extends chains
    resolved: dict[str, Scenario] = {}
    chains: dict[str, tuple[str, ...]] = {}
    cycles: set[frozenset[str]] = set()
    for name, d in raw.items():
        chain = [name]
        cur = d
        ok = True
        while "extends" in cur and name != "baseline":
            parent = cur["extends"]
            if not isinstance(parent, str):
                v.err((chain[-1], "extends"), f"expected a scenario name (got {_fmt(parent)})")
                ok = False
                break
            if parent == chain[-1]:
                v.err((chain[-1], "extends"), f"scenario {parent!r} extends itself", "extend another scenario, e.g. baseline")
                ok = False
                break
            if parent in chain:
                cycle = chain[chain.index(parent):]
                first = min(cycle, key=lambda n: v.doc.where((n, "extends"))[0] or 0)  # report at the first in the file
                if frozenset(cycle) not in cycles:
                    cycles.add(frozenset(cycle))
                    i = cycle.index(first)
                    ordered = cycle[i:] + cycle[:i]
                    v.err((first, "extends"), f"cycle in extends: {' -> '.join(ordered + [first])}",
                          "every chain must end at baseline")
                ok = False
                break
            if parent not in raw:
                v.err((chain[-1], "extends"), f"unknown parent scenario {parent!r}", _choices_hint(parent, list(raw)))
                ok = False
                break
            chain.append(parent)
            cur = raw[parent]
        if ok:
            chains[name] = tuple(reversed(chain))

    weights: dict[str, float] = {}
    bad_weights: set[str] = set()
    for name, chain in chains.items():
        sh = dict(shocks)
        pr = dict(params0)
        for step in chain[1:]:
            d = raw[step]
            so = d.get("shocks") or {}
            so = v.mapping(so, (step, "shocks")) or {}
            for sn, obj in so.items():
                if sn in broken:
                    continue
                if sn not in sh:
                    if sn in shock_units or specs is None:
                        if sn not in shocks and "baseline" in raw:
                            v.err((step, "shocks", sn), f"shock {sn!r} is not declared in the baseline",
                                  "declare it under baseline.shocks first")
                    else:
                        v.err((step, "shocks", sn), f"unknown shock {sn!r}", _choices_hint(sn, list(shocks)))
                    continue
                new = _apply_override(v, sh[sn], obj, (step, "shocks", sn), step)
                if new is not None:
                    sh[sn] = new
            po = d.get("parameters") or {}
            po = v.mapping(po, (step, "parameters"), "a mapping like {tourism.half_life: {value: 1.0}}") or {}
            for qn, obj in po.items():
                if qn not in pr:
                    if qn not in spec_params:
                        v.err((step, "parameters", qn), f"unknown parameter {qn!r}", _choices_hint(qn, list(pr)))
                    continue
                new = _apply_override(v, pr[qn], obj, (step, "parameters", qn), step)
                if new is not None:
                    pr[qn] = new
        d = raw[name]
        default_start = settings.base_year + 1 if settings else None
        for sn, p in sh.items():
            if p.start is None and default_start is not None:
                sh[sn] = replace(p, start=default_start)
        w = v.number(d, "weight", (name,), required=name != "baseline", default=None, low=0.0, high=1.0,
                     what="a probability") if name != "baseline" else 0.0
        if w is None:
            bad_weights.add(name)
        weights[name] = w or 0.0
        resolved[name] = Scenario(name=name, label=str(d.get("label", name)), description=str(d.get("description", "")),
                                  weight=weights[name], chain=chain, shocks=FrozenMap(sh),
                                  parameters=FrozenMap(pr), location=v.loc((name,)))
    non_base = [n for n in raw if n != "baseline"]
    if non_base and all(n in weights for n in non_base) and not bad_weights:
        total = sum(weights[n] for n in non_base)
        if abs(total - 1.0) > 1e-6:
            if normalise and total > 0:
                warnings.warn(f"{v.doc.file}: scenario weights sum to {total:g}; normalised to 1 "
                              "(settings.normalise_weights is true)", PlausibilityWarning, stacklevel=3)
                for n in non_base:
                    resolved[n] = replace(resolved[n], weight=weights[n] / total)
            else:
                v.err((non_base[0], "weight"), f"weights of the non-baseline scenarios must sum to 1 (got {total:g})",
                      "adjust the weights, or set settings.normalise_weights: true to rescale them")
    return resolved


def _parse_analysis(v: _V, known: set[str], expected: set[str] = frozenset(),
                    targets: tuple[str, ...] = ()) -> Analysis | None:
    """``known``: valid input names; ``expected``: names the channels define (an invalid one was
    already reported where it is defined, so it is not reported again here); ``targets``: channels."""
    root = v.mapping(v.doc.data, (), "a mapping with `correlations:` and `sensitivity:`")
    if root is None:
        return None
    n0 = len(v.issues)
    v.keys(root, (), ("correlations", "sensitivity"))
    cors: list[Correlation] = []
    cl = root.get("correlations") or []
    if not isinstance(cl, list):
        v.err(("correlations",), f"expected a list of {{between: [a, b], rho: r}} (got {_fmt(cl)})")
        cl = []
    seen_pairs: dict[frozenset[str], int] = {}
    for i, c in enumerate(cl):
        p = ("correlations", i)
        d = v.mapping(c, p, "a mapping {between: [a, b], rho: r}")
        if d is None:
            continue
        v.keys(d, p, ("between", "rho", "note"), ("between", "rho"))
        btw = d.get("between")
        rho = v.number(d, "rho", p, low=-1.0, high=1.0)
        if not (isinstance(btw, list) and len(btw) == 2 and all(isinstance(x, str) for x in btw)):
            v.err(p + ("between",), f"expected two parameter names (got {_fmt(btw)})")
            continue
        bad = False
        for j, name in enumerate(btw):
            if name not in known:
                if name not in expected:
                    v.err(p + ("between", j), f"unknown uncertain input {name!r}", _choices_hint(name, sorted(known)))
                bad = True
        if btw[0] == btw[1]:
            v.err(p + ("between",), "a parameter cannot be correlated with itself", "name two different inputs")
            bad = True
        pair = frozenset(btw) if not bad else None
        if pair is not None and pair in seen_pairs:
            first = seen_pairs[pair]
            v.err(p + ("between",), f"the pair {btw[0]} ~ {btw[1]} is listed twice (first as correlations[{first}], "
                  f"line {v.doc.where(('correlations', first))[0]})", "list each pair once, with one rho")
            bad = True
        if not bad and rho is not None:
            seen_pairs[pair] = i  # type: ignore[index]
            cors.append(Correlation(btw[0], btw[1], rho, v.loc(p)))
    if cors:
        names = sorted({c.a for c in cors} | {c.b for c in cors})
        idx = {n: i for i, n in enumerate(names)}
        m = np.eye(len(names))
        for c in cors:
            m[idx[c.a], idx[c.b]] = m[idx[c.b], idx[c.a]] = c.rho
        eig = np.linalg.eigvalsh(m)
        if eig.min() < -1e-10:
            v.err(("correlations",), f"the rank-correlation matrix is not positive semi-definite "
                  f"(smallest eigenvalue {eig.min():.3g})", "these correlations cannot hold together; reduce their sizes")
    s = root.get("sensitivity") or {}
    s = v.mapping(s, ("sensitivity",)) or {}
    v.keys(s, ("sensitivity",), ("tornado", "two_way", "sobol"))
    t = v.mapping(s.get("tornado") or {}, ("sensitivity", "tornado")) or {}
    v.keys(t, ("sensitivity", "tornado"), ("low", "high"))
    lo = v.number(t, "low", ("sensitivity", "tornado"), required=False, default=0.10, low=0.0, high=0.5)
    hi = v.number(t, "high", ("sensitivity", "tornado"), required=False, default=0.90, low=0.5, high=1.0)
    for key, q in (("low", lo), ("high", hi)):
        if q in (0.0, 1.0):
            v.err(("sensitivity", "tornado", key), f"the {q:g} quantile is infinite for unbounded distributions "
                  f"(normal, lognormal)", "use a percentile strictly inside, e.g. 0.05 and 0.95")
            lo, hi = (0.10 if key == "low" else lo), (0.90 if key == "high" else hi)
    tws: list[TwoWaySpec] = []
    tl = s.get("two_way") or []
    if not isinstance(tl, list):
        v.err(("sensitivity", "two_way"), f"expected a list (got {_fmt(tl)})")
        tl = []
    for i, c in enumerate(tl):
        p = ("sensitivity", "two_way", i)
        d = v.mapping(c, p)
        if d is None:
            continue
        v.keys(d, p, ("x", "y", "points", "target"), ("x", "y"))
        x = v.string(d, "x", p)
        y = v.string(d, "y", p)
        for k, name in (("x", x), ("y", y)):
            if name and name not in known and name not in expected:
                v.err(p + (k,), f"unknown uncertain input {name!r}", _choices_hint(name, sorted(known)))
        if x and x == y:
            v.err(p + ("y",), f"x and y name the same input ({x!r})", "choose two different inputs")
        pts = v.number(d, "points", p, required=False, default=7, integer=True, low=3, high=101)
        if pts is not None and pts % 2 == 0:
            v.err(p + ("points",), f"the number of grid points must be odd (got {pts})",
                  "the central value sits in the middle of the grid: use e.g. 5, 7 or 9")
        tgt = v.string(d, "target", p, required=False, default="total",
                       choices=(*targets, "total") if targets else None)
        tws.append(TwoWaySpec(x, y, pts or 7, tgt, v.loc(p)))
    so = v.mapping(s.get("sobol") or {}, ("sensitivity", "sobol")) or {}
    v.keys(so, ("sensitivity", "sobol"), ("base_samples", "min_base_samples"))
    n = v.number(so, "base_samples", ("sensitivity", "sobol"), required=False, default=1024, integer=True, low=8,
                 high=2**16)
    nmin = v.number(so, "min_base_samples", ("sensitivity", "sobol"), required=False, default=512, integer=True, low=8,
                    high=2**16)
    for k, val in (("base_samples", n),):
        if val is not None and val & (val - 1):
            v.err(("sensitivity", "sobol", k), f"must be a power of two (got {val})", "e.g. 512, 1024, 2048")
    if len(v.issues) > n0:
        return None
    return Analysis(tuple(cors), lo, hi, tuple(tws), n, nmin)


# --------------------------------------------------------------------------- entry points
def _build(folder: Path, docs: dict[str, YamlDoc], specs: Mapping[str, ChannelSpec] | None,
           allow_absolute: bool, data_check: Any = None) -> Assumptions:
    issues: list[Issue] = []
    vs = {k: _V(d, issues) for k, d in docs.items()}
    settings, data_paths = _parse_settings(vs["settings.yaml"], folder, allow_absolute)
    channels = _parse_channels(vs["channels.yaml"], specs)
    scenarios = _parse_scenarios(vs["scenarios.yaml"], channels, specs, settings,
                                 settings.normalise_weights if settings else False)
    known: set[str] = set()
    for sc in scenarios.values():
        known |= {p.qualname for p in sc.shocks.values()} | set(sc.parameters)
    expected: set[str] = set()
    if specs is not None:
        for cn, sp in specs.items():
            expected |= {f"{cn}.{p.name}" for p in sp.parameters} | {f"shocks.{sh.name}" for sh in sp.shocks}
    analysis = _parse_analysis(vs["analysis.yaml"], known, expected, tuple(specs) if specs is not None else ())
    if settings is not None:
        for sc in scenarios.values():
            for sh in sc.shocks.values():
                if sh.start is not None and not settings.base_year < sh.start <= settings.base_year + settings.horizon:
                    # point at the `start:` that set it (reported once, not for every scenario inheriting it)
                    marks = vs["scenarios.yaml"].doc.marks
                    where, path = (sh.location.line, sh.location.column), f"{sc.name}.shocks.{sh.name}.start"
                    for step in reversed(sh.overridden_by):
                        if (step, "shocks", sh.name, "start") in marks:
                            where, path = marks[(step, "shocks", sh.name, "start")], f"{step}.shocks.{sh.name}.start"
                            break
                    issues.append(Issue(f"start year {sh.start} is outside the horizon", file=sh.location.file,
                                        line=where[0], column=where[1], path=path,
                                        hint=f"allowed: {settings.base_year + 1} to {settings.base_year + settings.horizon}"))
    series = _load_series(data_paths, issues)
    if data_check is not None and settings is not None and not issues and series is not None:
        from .data_rules import data_issues

        def where(fname: str, path: tuple[Any, ...]) -> tuple[str, int | None, int | None]:
            doc = vs[fname].doc
            line, col = doc.where(path)
            return doc.file, line, col

        issues.extend(data_issues(data_check, series, channels, settings,
                                  {sid: _display(p) for sid, p in data_paths.items()}, where))
    if issues:
        # stable order: by file, then line
        order = {f: i for i, f in enumerate(docs)}
        issues.sort(key=lambda i: (order.get(Path(i.file or "").name, 99), i.line or 0, i.column or 0))
        raise AssumptionError(_dedupe(issues))
    assert settings is not None and analysis is not None
    names = tuple(scenarios)
    return Assumptions(folder=folder, settings=settings, channels=FrozenMap(channels), scenario_names=names,
                       analysis=analysis, data_overrides=FrozenMap(data_paths), data=FrozenMap(series or {}),
                       hashes=FrozenMap({d.file: d.sha256 for d in docs.values()}),
                       _scenarios=FrozenMap(scenarios), _raw=FrozenMap(docs), _allow_absolute=allow_absolute,
                       _specs=FrozenMap(specs) if specs is not None else None, _data_check=data_check)


def _load_series(paths: Mapping[str, Path], issues: list[Issue]) -> dict[str, Any] | None:
    """Every catalog series, bundled or from the user's file, checked (issues appended)."""
    from .data import catalog, path_of, validate_csv

    out = {}
    n0 = len(issues)
    for sid in catalog():
        path = paths.get(sid)
        try:
            out[sid] = validate_csv(sid, path if path is not None else path_of(sid),
                                    display=_display(path) if path is not None else None)
        except AssumptionError:
            raise
        except Exception as exc:  # DataError carries issues
            issues.extend(getattr(exc, "issues", [Issue(str(exc), file=str(path))]))
    return out if len(issues) == n0 else None


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen = set()
    out = []
    for i in issues:
        k = str(i)
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


def load(folder: str | Path | None = None, *, specs: Mapping[str, ChannelSpec] | None = None,
         allow_absolute_paths: bool = False, data_check: Any = None) -> Assumptions:
    """Read and validate an assumption folder.

    Parameters
    ----------
    folder
        Folder holding settings.yaml, channels.yaml, scenarios.yaml and analysis.yaml.
        ``None`` loads the defaults shipped inside the package.
    specs
        Channel specifications (from :mod:`impact.channels`) used to check each channel block.
    allow_absolute_paths
        Allow data overrides outside the assumptions folder.
    """
    if folder is None:
        folder = DEFAULT_DIR
    folder = Path(folder)
    if not folder.exists():
        raise AssumptionError(Issue(f"assumptions folder not found: {folder}", hint="run `impact init DIR` to create one"))
    if not folder.is_dir():
        raise AssumptionError(Issue(f"not a folder: {folder}", hint="pass the folder that holds settings.yaml etc."))
    docs: dict[str, YamlDoc] = {}
    issues: list[Issue] = []
    for fname in FILES:
        path = folder / fname
        shown = _display(path)
        if not path.exists():
            issues.append(Issue("required file is missing", file=shown, hint=f"every assumptions folder needs {', '.join(FILES)}"))
            continue
        try:
            docs[fname] = read_yaml(path, shown)
        except AssumptionError as exc:
            issues.extend(exc.issues)
    for extra in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        if extra.name not in FILES:
            issues.append(Issue("unexpected file in the assumptions folder", file=_display(extra),
                                hint=_choices_hint(extra.name, FILES)))
    if issues:
        raise AssumptionError(issues)
    return _build(folder, docs, specs, allow_absolute_paths, data_check)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
