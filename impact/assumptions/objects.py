"""The frozen objects the assumption files turn into: parameters, scenarios, settings, assumptions.

Built only by :mod:`impact.assumptions.loader`; immutable (mappings are
:class:`~impact.frozen.FrozenMap`), so they pickle and travel to worker processes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import distributions as dist
from .. import htmlrepr
from ..errors import AssumptionError, Issue, UsageError
from ..spec import UNITS
from .overrides import apply_changes
from .reader import Location, choices_hint


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
    start: dt.date | None = None  # the date it starts acting (a year in the file means 1 January)
    timing: str | None = None
    overridden_by: tuple[str, ...] = ()
    #: data, literature, derived or judgment (impact.spec.BASES); "" when the file does not say
    basis: str = ""

    @property
    def unit_label(self) -> str:
        """The unit as people read it (``percent`` -> ``%``, ``usd_bn`` -> ``US$ bn``)."""
        return UNITS[self.unit][0]



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
    #: % per year: the U.S. GDP deflator's growth after its last bundled year (real dollars, jobs)
    inflation: float = 2.0
    #: % per year, real: the rate present values discount at (base year = year 0)
    discount_rate: float = 2.0
    #: when the designation took effect: the start of every shock that does not give its own
    event_date: dt.date = dt.date(2025, 2, 20)

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
        df["start"] = [d.isoformat() if d is not None else "" for d in df["start"]]  # shocks only
        cols = ["name", "label", "value", "unit", "estimate", "distribution", "start", "timing", "set_in"]
        return df[cols].set_index("name")

    def _repr_html_(self) -> str:
        df = self.summary()
        changed = [p.qualname for p in self.parameters.values() if len(p.overridden_by) > 1]
        shown = df.loc[[p.qualname for p in self.shocks.values()] + changed].drop(columns="estimate")
        title = (f"Scenario {self.name!r}: {self.label} ({' > '.join(self.chain)}, weight {self.weight:g}); "
                 f"shocks and overridden parameters, {len(df) - len(shown)} more rows in summary()")
        return htmlrepr.table(shown, title)

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
    tornado_low_q: float  # quantile of each input's distribution for the tornado's low end
    tornado_high_q: float
    two_way: tuple[TwoWaySpec, ...]
    sobol_base_samples: int
    sobol_min_base_samples: int
    #: per scenario, a two-way grid of the inputs with the largest tornado swings (0: declared grids only)
    two_way_drivers: int = 2
    #: US$ bn of cumulative loss (total over the horizon): the summary gives P(loss > each)
    loss_thresholds: tuple[float, ...] = (10.0, 50.0, 100.0)


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
    #: the parsed files, kept so that :meth:`override` can edit and re-validate them
    _raw: Mapping[str, Any] = field(repr=False)
    #: builds validated assumptions from (edited) files, with the loader's options (set by the loader)
    _rebuild: Callable[..., Assumptions] | None = field(default=None, repr=False, compare=False)
    #: every data series (bundled, or the user's file from settings.yaml ``data:``), checked
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def scenario(self, name: str) -> Scenario:
        """The fully merged scenario ``name`` (``extends`` chain applied in order)."""
        if isinstance(name, Scenario):
            return name
        try:
            return self._scenarios[name]
        except KeyError:
            raise AssumptionError(Issue(f"unknown scenario {name!r}", hint=choices_hint(name, self.scenario_names))) from None

    @property
    def scenarios(self) -> Mapping[str, Scenario]:
        """Every scenario, resolved along its extends chain, by key (the order of scenarios.yaml)."""
        return self._scenarios

    def parameter(self, qualname: str, scenario: str = "baseline") -> Parameter:
        """The parameter or shock ``qualname`` (``tourism.elasticity``, ``shocks.insecurity``) as
        ``scenario`` resolves it."""
        s = self.scenario(scenario)
        if qualname in s.parameters:
            return s.parameters[qualname]
        short = qualname.removeprefix("shocks.")
        if short in s.shocks:
            return s.shocks[short]
        known = list(s.parameters) + [f"shocks.{k}" for k in s.shocks]
        raise AssumptionError(Issue(f"unknown parameter {qualname!r}", hint=choices_hint(qualname, known)))

    def override(self, changes: Mapping[str, Any]) -> Assumptions:
        """A modified copy; the original is unchanged.

        Keys are dotted paths into the files, e.g. ``"tourism.elasticity.value"`` (channels.yaml),
        ``"settings.horizon"``, ``"scenarios.designation.shocks.insecurity.value"`` or
        ``"analysis.sensitivity.sobol.base_samples"``.  The copy is validated like a file.
        """
        if not isinstance(changes, Mapping) or not all(isinstance(k, str) for k in changes):
            raise UsageError(Issue(f"override() takes a mapping of dotted keys to values (got {type(changes).__name__})",
                                   hint='e.g. a.override({"tourism.elasticity.value": -0.3})'))
        import copy

        from ..yamlio import YamlDoc

        raw = {k: copy.deepcopy(v.data) for k, v in self._raw.items()}
        apply_changes(raw, changes)
        docs = {k: YamlDoc(file=f"{v.file} (override)", data=raw[k], marks=v.marks, sha256=v.sha256)
                for k, v in self._raw.items()}
        if self._rebuild is None:  # pragma: no cover - only the loader builds Assumptions
            raise UsageError(Issue("these assumptions were not built by impact.load_assumptions"))
        return self._rebuild(docs, self)

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
        s = self.settings
        n_par = sum(len(c.parameters) for c in self.channels.values())
        head = (f"Assumptions {self.folder}: {s.base_year + 1}-{s.base_year + s.horizon}, {s.currency} "
                f"({s.price_basis}), {len(self.channels)} channels, {n_par} parameters; draws {s.draws:,}, seed {s.seed}")
        return htmlrepr.table(self.summary(), head)

    def __repr__(self) -> str:
        s = self.settings
        return (f"<Assumptions {str(self.folder)!r}: {s.base_year + 1}-{s.base_year + s.horizon}, "
                f"channels={list(self.channels)}, scenarios={list(self.scenario_names)}>")
