"""sweep.yaml: a design of assumption variants, read, checked and expanded.

A variant is a sparse :meth:`~impact.assumptions.Assumptions.override` of the base assumptions (or,
for ``method: folders``, another assumption folder).  The design names the inputs to vary and their
ranges; the method places the variants:

- ``grid``: every combination of each input's ``values`` (or ``points`` evenly spaced from ``low``
  to ``high``);
- ``latin_hypercube`` / ``sobol``: ``samples`` points of ``scipy.stats.qmc`` (scrambled with the
  design's ``seed``) scaled to each input's [low, high];
- ``folders``: one variant per assumption folder listed (paths relative to the design file).

An input key is either a parameter or shock (``tourism.half_life``,
``scenarios.designation.shocks.insecurity``), which each variant fixes at the variant's value
(``value: x`` and ``distribution: {kind: fixed, value: x}``, also in scenarios that inherit it, so the
Monte Carlo treats it as known: a sweep asks "what if this judgment call were x"), or any dotted path
:meth:`Assumptions.override` accepts (``tourism.elasticity.prior.mean``,
``imports.estimator.fit_start``), set as given.

Every problem is reported at once with the design's file:line.  Each input's values are checked up
front against the assumptions' own rules, one input at a time at each end of its range (or each
listed value); a combination that only fails jointly is reported as a failed variant when it runs.
"""
from __future__ import annotations

import itertools
import json
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .assumptions import Assumptions
from .assumptions.reader import Reader, choices_hint, fmt
from .errors import AssumptionError, Issue
from .yamlio import read_yaml

METHODS = ("grid", "latin_hypercube", "sobol", "folders")
RANDOM_NUMBERS = ("common", "per_variant")
MAX_VARIANTS = 1_000_000
_KEYS = ("method", "samples", "seed", "random_numbers", "draws", "scenarios", "chunk", "parameters", "folders")


@dataclass(frozen=True)
class SweepInput:
    """One varied input: its key in the design, how it is set, and its range or values."""

    key: str
    fixes_parameter: bool  # a parameter or shock: value set, distribution {kind: fixed}
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    integer: bool = False

    def changes(self, value: Any) -> dict[str, Any]:
        """The override() changes that set this input to ``value``."""
        if self.fixes_parameter:
            return {f"{self.key}.value": value, f"{self.key}.distribution": {"kind": "fixed", "value": value}}
        return {self.key: value}


@dataclass(frozen=True)
class Design:
    """A checked sweep design; :meth:`points` gives each variant's values."""

    file: str
    method: str
    inputs: tuple[SweepInput, ...]
    samples: int | None
    seed: int
    random_numbers: str
    draws: int | None
    scenarios: tuple[str, ...] | None
    chunk: int | None
    folders: tuple[Path, ...] = ()
    text: str = ""  # the file as written, stored with the results

    @property
    def n_variants(self) -> int:
        if self.method == "folders":
            return len(self.folders)
        if self.method == "grid":
            return math.prod(len(i.values or ()) for i in self.inputs)
        return int(self.samples or 0)

    def points(self) -> list[dict[str, Any]]:
        """One mapping {input key: value} per variant, in variant order (``folders``: {"folder": path})."""
        if self.method == "folders":
            return [{"folder": str(f)} for f in self.folders]
        if self.method == "grid":
            combos = itertools.product(*(i.values or () for i in self.inputs))
            return [dict(zip((i.key for i in self.inputs), c)) for c in combos]
        from scipy.stats import qmc

        d = len(self.inputs)
        if self.method == "sobol":
            u = qmc.Sobol(d, scramble=True, seed=self.seed).random(int(self.samples or 0))
        else:
            u = qmc.LatinHypercube(d, seed=self.seed).random(int(self.samples or 0))
        out = []
        for row in u:
            point = {}
            for i, x in zip(self.inputs, row):
                v = float(i.low) + float(x) * (float(i.high) - float(i.low))  # type: ignore[arg-type]
                point[i.key] = int(round(v)) if i.integer else v
            out.append(point)
        return out

    def changes(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """The override() changes of one variant."""
        out: dict[str, Any] = {}
        for i in self.inputs:
            out.update(i.changes(point[i.key]))
        return out


def column_values(points: list[dict[str, Any]], key: str) -> list[Any]:
    """A design column for tables: numbers as floats, anything else (lists, text) as JSON text."""
    vals = [p[key] for p in points]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return [float(v) for v in vals]
    return [v if isinstance(v, str) else json.dumps(v) for v in vals]


def read_design(path: str | Path, base: Assumptions) -> Design:
    """Read and check ``path`` against the base assumptions; raise AssumptionError with every problem."""
    p = Path(path)
    doc = read_yaml(p, str(path))
    issues: list[Issue] = []
    v = Reader(doc, issues)
    root = v.mapping(doc.data, (), "a mapping with `method:` and `parameters:`")
    if root is None:
        raise AssumptionError(issues)
    v.keys(root, (), _KEYS, required=("method",))
    method = v.string(root, "method", (), choices=METHODS)
    samples = None
    if method in ("latin_hypercube", "sobol"):
        samples = v.number(root, "samples", (), integer=True, low=2, high=MAX_VARIANTS, what="(variants to draw)")
        if method == "sobol" and samples is not None and samples & (samples - 1):
            low = 1 << (samples.bit_length() - 1)
            v.err(("samples",), f"Sobol' points need a power of two (got {samples})",
                  f"use {low:,} or {2 * low:,} (their balance holds only for 2^m points), or latin_hypercube")
    elif "samples" in root:
        v.err(("samples",), f"`samples` applies to latin_hypercube and sobol, not {method}",
              "remove it: a grid has as many variants as combinations, folders one per folder")
    seed = v.number(root, "seed", (), required=False, default=base.settings.seed, integer=True, low=0,
                    high=2**32 - 1)
    rn = v.string(root, "random_numbers", (), required=False, default="common", choices=RANDOM_NUMBERS)
    draws = v.number(root, "draws", (), required=False, default=None, integer=True, low=1, high=5_000_000)
    chunk = v.number(root, "chunk", (), required=False, default=None, integer=True, low=1, high=100_000)
    scenarios = _scenarios(v, root, base)
    inputs: list[SweepInput] = []
    folders: list[Path] = []
    if method == "folders":
        folders = _folders(v, root, p.parent)
        if "parameters" in root:
            v.err(("parameters",), "method folders takes `folders:`, not `parameters:`",
                  "or use grid, latin_hypercube or sobol to vary parameters")
    elif method:
        inputs = _inputs(v, root, method, base)
    design = Design(str(path), method, tuple(inputs), samples, int(seed), rn, draws, scenarios, chunk,
                    tuple(folders), text=p.read_text(encoding="utf-8"))
    if not issues and method and design.n_variants > MAX_VARIANTS:
        v.err(("parameters",), f"{design.n_variants:,} variants is more than {MAX_VARIANTS:,}",
              "use fewer values per input, or latin_hypercube/sobol with `samples:`")
    if not issues and method in ("grid", "latin_hypercube", "sobol") and not inputs and "parameters" in root:
        v.err(("parameters",), "no inputs to vary", "list at least one under `parameters:`")
    if not issues:
        _check_values(v, design, base)
    if issues:
        raise AssumptionError(issues)
    return design


def _scenarios(v: Reader, root: dict[str, Any], base: Assumptions) -> tuple[str, ...] | None:
    raw = root.get("scenarios", "all")
    if raw == "all":
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(s, str) for s in raw):
        v.err(("scenarios",), f"expected `all` or a list of scenario names (got {fmt(raw)})",
              "e.g. [designation, financial_blocking]")
        return None
    for i, s in enumerate(raw):
        if s not in base.scenario_names:
            v.err(("scenarios", i), f"unknown scenario {s!r}", choices_hint(s, base.scenario_names))
    return tuple(dict.fromkeys(raw))


def _folders(v: Reader, root: dict[str, Any], here: Path) -> list[Path]:
    raw = root.get("folders")
    if not isinstance(raw, list) or not raw or not all(isinstance(f, str) for f in raw):
        v.err(("folders",), f"expected a list of assumption folders (got {fmt(raw)})",
              "paths relative to the design file, e.g. [variants/high_trade_cost, variants/low_elasticity]")
        return []
    out = []
    for i, f in enumerate(raw):
        path = (here / f) if not Path(f).is_absolute() else Path(f)
        if not (path / "settings.yaml").is_file():
            v.err(("folders", i), f"not an assumption folder: {f} (no settings.yaml in {path})",
                  "run `impact init DIR` to create one")
        out.append(path)
    return out


def _is_parameter(key: str, base: Assumptions) -> bool:
    parts = key.split(".")
    if len(parts) == 2 and parts[0] in base.channels:
        return parts[1] in base.channels[parts[0]].parameters
    if len(parts) == 4 and parts[0] == "scenarios" and parts[2] == "shocks":
        return parts[1] in base.scenario_names and parts[3] in base.scenario(parts[1]).shocks
    return False


def _known_path(v: Reader, path: tuple[Any, ...], key: str, base: Assumptions) -> bool:
    """Report a key that names a parameter or shock that does not exist (with the names that do);
    other paths are left to override()'s own checks."""
    parts = key.split(".")
    if parts[0] in base.channels and len(parts) == 2:
        known = list(base.channels[parts[0]].parameters)
        v.err(path, f"unknown parameter {parts[1]!r} of channel {parts[0]}", choices_hint(parts[1], known))
        return False
    if parts[0] == "scenarios" and len(parts) >= 2 and parts[1] not in base.scenario_names:
        v.err(path, f"unknown scenario {parts[1]!r}", choices_hint(parts[1], base.scenario_names))
        return False
    if parts[0] == "scenarios" and len(parts) == 4 and parts[2] == "shocks":
        known = list(base.scenario(parts[1]).shocks)
        v.err(path, f"unknown shock {parts[3]!r}", choices_hint(parts[3], known))
        return False
    if parts[0] not in base.channels and parts[0] not in ("settings", "scenarios", "analysis"):
        v.err(path, f"unknown input {key!r}: the first part must be a channel, settings, scenarios or analysis",
              choices_hint(parts[0], [*base.channels, "settings", "scenarios", "analysis"]))
        return False
    return True


def _inputs(v: Reader, root: dict[str, Any], method: str, base: Assumptions) -> list[SweepInput]:
    if "parameters" not in root:
        v.err((), "missing required key 'parameters'",
              "add `parameters:` with the inputs to vary, e.g. `tourism.half_life: {low: 0.25, high: 1.2}`")
        return []
    params = v.mapping(root.get("parameters"), ("parameters",),
                       "a mapping of inputs to ranges, e.g. `tourism.half_life: {low: 0.25, high: 1.2}`")
    out: list[SweepInput] = []
    for key, spec in (params or {}).items():
        path = ("parameters", key)
        if not isinstance(key, str) or not key.strip():
            v.err(path, "an input key must be a dotted name", "e.g. tourism.half_life")
            continue
        spec = v.mapping(spec, path, "a mapping like {low: 0.25, high: 1.2} or {values: [0.5, 1.0]}")
        if spec is None:
            continue
        allowed = ("values", "low", "high", "points", "integer") if method == "grid" else ("low", "high", "integer")
        v.keys(spec, path, allowed)
        integer = v.boolean(spec, "integer", path, False)
        fixes = _is_parameter(key, base)
        if not fixes and not _known_path(v, path, key, base):
            continue
        if method == "grid" and "values" in spec:
            vals = spec["values"]
            if not isinstance(vals, list) or not vals:
                v.err(path + ("values",), f"expected a non-empty list (got {fmt(vals)})",
                      "e.g. values: [0.5, 1.0, 2.0]")
                continue
            if fixes and not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in vals):
                v.err(path + ("values",), f"{key} is a parameter: its values must be numbers (got {fmt(vals)})")
                continue
            out.append(SweepInput(key, fixes, values=tuple(vals), integer=integer))
            continue
        lo = v.number(spec, "low", path)
        hi = v.number(spec, "high", path)
        if lo is None or hi is None:
            continue
        if not lo < hi:
            v.err(path, f"low must be below high (got low {lo:g}, high {hi:g})")
            continue
        if method == "grid":
            pts = v.number(spec, "points", path, integer=True, low=2, high=1000, what="(values from low to high)")
            if pts is None:
                continue
            grid = np.linspace(lo, hi, int(pts))
            vals = tuple(int(round(x)) for x in grid) if integer else tuple(float(x) for x in grid)
            out.append(SweepInput(key, fixes, lo, hi, values=vals, integer=integer))
        else:
            out.append(SweepInput(key, fixes, lo, hi, integer=integer))
    return out


def _check_values(v: Reader, design: Design, base: Assumptions) -> None:
    """Each input at each end of its range (or each listed value), the others at the base: the
    assumptions' own rules, reported at the design's line with the rule's message."""
    from .errors import PlausibilityWarning

    for inp in design.inputs:
        ends = inp.values if inp.values is not None else (inp.low, inp.high)
        for x in dict.fromkeys(ends if not inp.integer else [int(round(e)) for e in ends]):  # type: ignore[arg-type]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", PlausibilityWarning)
                    base.override(inp.changes(x))
            except AssumptionError as exc:
                first = exc.issues[0] if getattr(exc, "issues", None) else exc
                why = getattr(first, "message", str(first))
                hint = getattr(first, "hint", None)
                shown = f"{x:g}" if isinstance(x, float) else fmt(x)
                v.err(("parameters", inp.key), f"{shown} is not accepted for {inp.key}: {why}", hint)
