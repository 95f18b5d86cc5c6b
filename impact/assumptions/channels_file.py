"""channels.yaml: one block per channel, its estimator options and parameters."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..frozen import FrozenMap
from ..spec import ChannelSpec, domain_of
from .objects import ChannelBlock, Parameter
from .parameters import parse_parameter
from .reader import Reader, choices_hint, fmt


def parse_channels(v: Reader, specs: Mapping[str, ChannelSpec] | None) -> dict[str, ChannelBlock]:
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
            v.err(path, f"unknown channel {name!r}", choices_hint(name, specs))
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
                    v.err(path + ("parameters", pn), f"unknown parameter {pn!r}", choices_hint(pn, pspecs))
                    continue
                prm = parse_parameter(v, pobj, path + ("parameters", pn), f"{name}.{pn}", shock=False,
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


def _option(v: Reader, e: dict[str, Any], o: Any, path: tuple[Any, ...]) -> Any:
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
        v.err(p, f"expected {what} (got {fmt(val)})", hint)
        return o.default
    if isinstance(val, float) and not math.isfinite(val):
        v.err(p, f"must be finite (got {val})", hint)
        return o.default
    if o.choices is not None and val not in o.choices:
        v.err(p, f"invalid value {fmt(val)}", choices_hint(val, o.choices))
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
