"""impact: economic impact of a U.S. FTO designation of Mexican cartels, with ranges.

>>> import impact
>>> a = impact.load_assumptions()            # shipped defaults (or a folder)
>>> model = impact.fit(a)                    # fits every channel once (cached)
>>> model.fits["tourism"].summary()          # statsmodels-style results
>>> model.run("designation")                 # deterministic run, every input at its most likely value, US$ bn
>>> model.simulate("designation", draws=10_000, seed=1)
>>> model.sensitivity("designation", method="tornado")
>>> impact.sweep(a, "assumptions/sweep.yaml", draws=2000)   # many assumption variants (a SweepResult)

Names are imported on first use (PEP 562): ``import impact`` loads no numerical library, so that
``python -m impact`` can answer Ctrl-C during its start-up with one line instead of a traceback.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "load_assumptions": "api", "run_analysis": "api", "AnalysisResult": "results", "dependency_versions": "api",
    "fit": "model", "Model": "model",
    "Assumptions": "assumptions", "Scenario": "assumptions", "Parameter": "assumptions",
    "ScenarioResult": "results", "MonteCarloResult": "results", "SensitivityResult": "results",
    "expected_impact": "results", "ExpostResult": "results", "BacktestResult": "results",
    "ComparisonResult": "results", "compare": "display",
    "write_workbook": "report.excel", "sweep": "sweep_exec", "SweepResult": "results",
    "ImpactError": "errors", "AssumptionError": "errors", "DataError": "errors", "OutputError": "errors",
    "UsageError": "errors", "ImpactWarning": "errors", "PlausibilityWarning": "errors",
    "EstimationWarning": "errors", "SampleSizeWarning": "errors",
}
_MODULES = ("plotting", "data")

__all__ = ["__version__", *_EXPORTS, *_MODULES]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value  # later lookups do not come back here
        return value
    if name in _MODULES:  # plotting imports matplotlib only when asked for
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
