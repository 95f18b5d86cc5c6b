"""scenarios.yaml: the baseline's shock declarations, ``extends`` chains, merged shocks, weights."""
from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import PlausibilityWarning, user_stacklevel
from ..frozen import FrozenMap
from ..spec import ChannelSpec, domain_of
from .objects import ChannelBlock, Parameter, Scenario, Settings
from .parameters import apply_override, parse_parameter
from .reader import Reader, choices_hint, fmt


@dataclass
class _Declared:
    """What the baseline declares and the channels expect: the shocks, their units and domains."""

    shocks: dict[str, Parameter] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # declared but invalid: reported once, where declared


def parse_scenarios(v: Reader, channels: dict[str, ChannelBlock], specs: Mapping[str, ChannelSpec] | None,
                    settings: Settings | None, normalise: bool) -> dict[str, Scenario]:
    """Every scenario fully resolved: the baseline's declarations, then each ``extends`` chain's
    overrides applied in order, default start dates (settings.event_date), weights (checked to sum to 1)."""
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
    raw = _scenario_mappings(v, root)
    declared = _baseline_shocks(v, raw.get("baseline", {}), specs)
    params0 = {p.qualname: replace(p, overridden_by=("channels",)) for ch in channels.values()
               for p in ch.parameters.values()}
    spec_params = {f"{cn}.{p.name}" for cn, sp in (specs or {}).items() for p in sp.parameters}
    default_start = settings.event_date if settings else None
    resolved: dict[str, Scenario] = {}
    weights: dict[str, float | None] = {}
    for name, chain in _chains(v, raw).items():
        sh, pr = _merge(v, raw, chain, declared, params0, spec_params, specs is None)
        for sn, p in sh.items():
            if p.start is None and default_start is not None:
                sh[sn] = replace(p, start=default_start)
        d = raw[name]
        weights[name] = (v.number(d, "weight", (name,), required=True, default=None, low=0.0, high=1.0,
                                  what="a probability") if name != "baseline" else 0.0)
        resolved[name] = Scenario(name=name, label=str(d.get("label", name)), description=str(d.get("description", "")),
                                  weight=weights[name] or 0.0, chain=chain, shocks=FrozenMap(sh),
                                  parameters=FrozenMap(pr), location=v.loc((name,)))
    return _weights(v, raw, resolved, weights, normalise)


def _scenario_mappings(v: Reader, root: dict[str, Any]) -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = {}
    for name, obj in root.items():
        d = v.mapping(obj, (name,))
        if d is None:
            continue
        v.keys(d, (name,), ("label", "description", "extends", "weight", "shocks", "parameters"), ("label",))
        if name != "baseline" and "extends" not in d:
            v.err((name,), "missing required key 'extends'", "every scenario except baseline extends another one")
        raw[name] = d
    return raw


def _baseline_shocks(v: Reader, base: dict[str, Any], specs: Mapping[str, ChannelSpec] | None) -> _Declared:
    """The baseline declares every shock the channels use, at zero, with unit, bounds and timing."""
    if "extends" in base:
        v.err(("baseline", "extends"), "the baseline cannot extend another scenario", "remove `extends:`")
    out = _Declared()
    shock_specs: dict[str, list[Any]] = {}
    for sp in (specs or {}).values():
        for sh in sp.shocks:
            out.units.setdefault(sh.name, sh.unit)
            shock_specs.setdefault(sh.name, []).append(sh)
    domains = {sn: domain_of(tuple(sps)) for sn, sps in shock_specs.items()}
    sb = v.mapping(base.get("shocks", {}), ("baseline", "shocks")) if base else None
    for sn, sobj in (sb or {}).items():
        path = ("baseline", "shocks", sn)
        if specs is not None and sn not in out.units:
            v.err(path, f"shock {sn!r} is not used by any channel", choices_hint(sn, out.units))
            continue
        p = parse_parameter(v, sobj, path, f"shocks.{sn}", shock=True, estimable=False,
                            expected_unit=out.units.get(sn), domain=domains.get(sn))
        if p is None:
            out.broken.add(sn)
            continue
        if p.value not in (0, 0.0):
            v.err(path + ("value",), f"baseline shocks must be zero (got {p.value:g})",
                  "the baseline is the no-designation counterfactual; set the shock in a scenario")
        out.shocks[sn] = replace(p, overridden_by=("baseline",))
    for sn in out.units:
        if sb is not None and sn not in sb:
            v.err(("baseline", "shocks"), f"missing shock {sn!r}",
                  f"declare it in the baseline (unit {out.units[sn]}, value 0)")
    w_base = v.number(base, "weight", ("baseline",), required=False, default=0.0, low=0.0)
    if w_base:
        v.err(("baseline", "weight"), f"the baseline's weight must be 0 (got {w_base:g})",
              "weights are probabilities over the designation scenarios")
    return out


def _chains(v: Reader, raw: dict[str, dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Each scenario's ``extends`` chain from the baseline to itself; broken chains are reported once."""
    chains: dict[str, tuple[str, ...]] = {}
    cycles: set[frozenset[str]] = set()
    for name, d in raw.items():
        chain = [name]
        cur = d
        while "extends" in cur and name != "baseline":
            parent = cur["extends"]
            problem = _parent_problem(v, raw, chain, parent, cycles)
            if problem:
                break
            chain.append(parent)
            cur = raw[parent]
        else:
            chains[name] = tuple(reversed(chain))
    return chains


def _parent_problem(v: Reader, raw: dict[str, Any], chain: list[str], parent: Any, cycles: set[frozenset[str]]
                    ) -> bool:
    """Report (once) why ``parent`` cannot extend ``chain``; False when it can."""
    if not isinstance(parent, str):
        v.err((chain[-1], "extends"), f"expected a scenario name (got {fmt(parent)})")
        return True
    if parent == chain[-1]:
        v.err((chain[-1], "extends"), f"scenario {parent!r} extends itself", "extend another scenario, e.g. baseline")
        return True
    if parent in chain:
        cycle = chain[chain.index(parent):]
        first = min(cycle, key=lambda n: v.doc.where((n, "extends"))[0] or 0)  # report at the first in the file
        if frozenset(cycle) not in cycles:
            cycles.add(frozenset(cycle))
            i = cycle.index(first)
            ordered = cycle[i:] + cycle[:i]
            v.err((first, "extends"), f"cycle in extends: {' -> '.join(ordered + [first])}",
                  "every chain must end at baseline")
        return True
    if parent not in raw:
        v.err((chain[-1], "extends"), f"unknown parent scenario {parent!r}", choices_hint(parent, list(raw)))
        return True
    return False


def _merge(v: Reader, raw: dict[str, dict[str, Any]], chain: tuple[str, ...], declared: _Declared,
           params0: dict[str, Parameter], spec_params: set[str], no_specs: bool
           ) -> tuple[dict[str, Parameter], dict[str, Parameter]]:
    """Shocks and parameters after applying the overrides of each step of ``chain`` in order."""
    sh = dict(declared.shocks)
    pr = dict(params0)
    for step in chain[1:]:
        d = raw[step]
        so = v.mapping(d.get("shocks") or {}, (step, "shocks")) or {}
        for sn, obj in so.items():
            if sn in declared.broken:
                continue
            if sn not in sh:
                if sn in declared.units or no_specs:
                    if sn not in declared.shocks and "baseline" in raw:
                        v.err((step, "shocks", sn), f"shock {sn!r} is not declared in the baseline",
                              "declare it under baseline.shocks first")
                else:
                    v.err((step, "shocks", sn), f"unknown shock {sn!r}", choices_hint(sn, list(declared.shocks)))
                continue
            new = apply_override(v, sh[sn], obj, (step, "shocks", sn), step)
            if new is not None:
                sh[sn] = new
        po = v.mapping(d.get("parameters") or {}, (step, "parameters"),
                       "a mapping like {tourism.half_life: {value: 1.0}}") or {}
        for qn, obj in po.items():
            if qn not in pr:
                if qn not in spec_params:
                    v.err((step, "parameters", qn), f"unknown parameter {qn!r}", choices_hint(qn, list(pr)))
                continue
            new = apply_override(v, pr[qn], obj, (step, "parameters", qn), step)
            if new is not None:
                pr[qn] = new
    return sh, pr


def _weights(v: Reader, raw: dict[str, Any], resolved: dict[str, Scenario], weights: dict[str, float | None],
             normalise: bool) -> dict[str, Scenario]:
    """The designation scenarios' weights must sum to 1 (or be rescaled, with a warning, when asked)."""
    non_base = [n for n in raw if n != "baseline"]
    if not non_base or not all(n in weights for n in non_base) or any(weights[n] is None for n in non_base):
        return resolved
    total = sum(weights[n] or 0.0 for n in non_base)
    if abs(total - 1.0) > 1e-6:
        if normalise and total > 0:
            warnings.warn(f"{v.doc.file}: scenario weights sum to {total:g}; normalised to 1 "
                          "(settings.normalise_weights is true)", PlausibilityWarning, stacklevel=user_stacklevel())
            for n in non_base:
                resolved[n] = replace(resolved[n], weight=(weights[n] or 0.0) / total)
        else:
            v.err((non_base[0], "weight"), f"weights of the non-baseline scenarios must sum to 1 (got {total:g})",
                  "adjust the weights, or set settings.normalise_weights: true to rescale them")
    return resolved
