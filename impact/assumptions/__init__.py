"""Assumption files -> validated, frozen :class:`Assumptions`.

The assumption folder holds four YAML files (see ``assumptions/README.md``):

* ``settings.yaml``  - base year, horizon, currency, draws, seed, output path, data overrides;
* ``channels.yaml``  - one block per channel: label, estimator options, parameters;
* ``scenarios.yaml`` - scenarios as sparse overrides with ``extends`` and ``weight``;
* ``analysis.yaml``  - rank correlations and sensitivity settings (tornado, two-way pairs, Sobol).

Modules: :mod:`.objects` (the frozen objects), :mod:`.reader` (typed reading of YAML nodes with
file:line:col), one parser per file (:mod:`.settings_file`, :mod:`.channels_file`,
:mod:`.scenarios_file`, :mod:`.analysis_file`), :mod:`.parameters` (the one parameter shape and
scenario overrides), :mod:`.rules` (checks across files), :mod:`.overrides` (dotted-key changes)
and :mod:`.loader` (reads a folder, runs everything, collects every problem).  No other module of
impact reads YAML.
"""
from __future__ import annotations

from .loader import DEFAULT_DIR, FILES, load
from .objects import (Analysis, Assumptions, ChannelBlock, Correlation, Parameter, Prior, Scenario, Settings,
                      TwoWaySpec)
from .reader import Location, choices_hint

__all__ = ["DEFAULT_DIR", "FILES", "load", "Analysis", "Assumptions", "ChannelBlock", "Correlation", "Parameter",
           "Prior", "Scenario", "Settings", "TwoWaySpec", "Location", "choices_hint"]
