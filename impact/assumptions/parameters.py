"""Parameters and shocks: one YAML shape (value, unit, bounds, distribution, source), and overrides."""
from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from .. import distributions as dist
from ..errors import PlausibilityWarning, user_stacklevel
from ..spec import BASES, ESTIMATE_MODES, TIMINGS, UNITS
from .objects import Parameter, Prior
from .reader import Reader, choices_hint, fmt

_PARAM_KEYS = ("label", "value", "unit", "description", "source", "basis", "bounds", "plausible", "distribution",
               "estimate", "prior", "note")


_SHOCK_KEYS = _PARAM_KEYS[:-3] + ("note", "start", "timing")


_OVERRIDE_KEYS = ("value", "distribution", "source", "basis", "note", "plausible")


_SHOCK_OVERRIDE_KEYS = _OVERRIDE_KEYS + ("start", "timing")


_DIST_RULES = {
    "uniform": "write {kind: uniform, low: L, high: H} with low < high",
    "triangular": "write {kind: triangular, low: L, mode: M, high: H} with low < high and low <= mode <= high",
    "pert": "write {kind: pert, low: L, mode: M, high: H} with low < high, low <= mode <= high and lamb > 0",
    "normal": "write {kind: normal, mean: M, sd: S} with sd > 0",
    "truncnormal": "write {kind: truncnormal, mean: M, sd: S, low: L, high: H} with sd > 0 and low < high",
    "lognormal": "write {kind: lognormal, median: M, sigma: S} with median > 0 and sigma > 0",
}


def parse_distribution(v: Reader, obj: Any, path: tuple[Any, ...]) -> dist.Distribution | None:
    d = v.mapping(obj, path, "a mapping like {kind: pert, low: 1, mode: 2, high: 3}")
    if d is None:
        return None
    kind = d.get("kind")
    if kind not in dist.KINDS:
        if "kind" not in d:
            v.err(path, "missing required key 'kind'", f"allowed kinds: {', '.join(dist.KINDS)}")
        else:
            v.err(path + ("kind",), f"unknown distribution kind {fmt(kind)}", choices_hint(kind, dist.KINDS))
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


def check_in_bounds(v: Reader, path: tuple[Any, ...], value: float | None, d: dist.Distribution | None,
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


def check_domain(v: Reader, path: tuple[Any, ...], bounds: tuple[float, float] | None,
                  domain: tuple[float, float, str] | None) -> None:
    if bounds is None or domain is None:
        return
    lo, hi, why = domain
    if bounds[0] < lo or bounds[1] > hi:
        rng = (f"between {lo:g} and {hi:g}" if math.isfinite(lo) and math.isfinite(hi)
               else f">= {lo:g}" if math.isfinite(lo) else f"<= {hi:g}")
        v.err(path + ("bounds",), f"bounds [{bounds[0]:g}, {bounds[1]:g}] reach outside what the channel's equations "
              f"allow{f' ({why})' if why else ''}", f"allowed: bounds {rng}")


def parse_parameter(v: Reader, obj: Any, path: tuple[Any, ...], qualname: str, *, shock: bool,
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
    basis = v.string(d, "basis", path, required=False, default="", choices=BASES)
    note = v.string(d, "note", path, required=False)
    bounds = v.pair(d, "bounds", path, True)
    check_domain(v, path, bounds, domain)
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
        distribution = parse_distribution(v, d["distribution"], path + ("distribution",))
    start = timing = None
    if shock:
        start = v.date(d, "start", path)
        timing = v.string(d, "timing", path, choices=TIMINGS)
    check_in_bounds(v, path, value, distribution, bounds)
    if len(v.issues) > n0:
        return None
    p = Parameter(qualname=qualname, name=str(path[-1]), label=label, unit=unit, description=desc, source=source,
                  value=value, bounds=bounds or (-math.inf, math.inf), plausible=plausible, distribution=distribution,
                  location=v.loc(path), estimate=estimate, prior=prior, note=note, start=start, timing=timing,
                  overridden_by=(), basis=basis or "")
    plausibility(p, v)
    return p


def plausibility(p: Parameter, v: Reader | None) -> None:
    if p.plausible is None or p.value is None:
        return
    lo, hi = p.plausible
    if not lo <= p.value <= hi:
        warnings.warn(f"{p.location}: {p.qualname}: value {p.value:g} {p.unit_label} is outside its plausible range "
                      f"[{lo:g}, {hi:g}]", PlausibilityWarning, stacklevel=user_stacklevel())


def apply_override(v: Reader, base: Parameter, obj: Any, path: tuple[Any, ...], scenario: str) -> Parameter | None:
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
            changes["distribution"] = parse_distribution(v, d["distribution"], path + ("distribution",))
    if "source" in d:
        changes["source"] = v.string(d, "source", path)
    if "basis" in d:
        changes["basis"] = v.string(d, "basis", path, choices=BASES)
    if "note" in d:
        changes["note"] = v.string(d, "note", path)
    if "plausible" in d:
        changes["plausible"] = v.pair(d, "plausible", path, False)
    if "start" in d:
        changes["start"] = v.date(d, "start", path)
    if "timing" in d:
        changes["timing"] = v.string(d, "timing", path, choices=TIMINGS)
    if len(v.issues) > n0:
        return None
    new = replace(base, **changes, location=v.loc(path), overridden_by=base.overridden_by + (scenario,))
    check_in_bounds(v, path, new.value, new.distribution, new.bounds)
    if len(v.issues) > n0:
        return None
    plausibility(new, v)
    return new
