"""impact: economic impact of a U.S. FTO designation of Mexican cartels, with ranges.

>>> import impact
>>> a = impact.load_assumptions()            # shipped defaults (or a folder)
>>> model = impact.fit(a)                    # fits every channel once (cached)
>>> model.fits["tourism"].summary()          # statsmodels-style results
>>> model.run("designation")                 # deterministic central impacts, US$ bn
>>> model.simulate("designation", draws=10_000, seed=1)
>>> model.sensitivity("designation", method="tornado")
"""
from __future__ import annotations

__version__ = "0.1.0"

from .api import AnalysisResult, load_assumptions, run_analysis
from .errors import (AssumptionError, DataError, EstimationWarning, ImpactError, ImpactWarning, OutputError,
                     PlausibilityWarning, SampleSizeWarning)
from .model import Model, fit
from .results import MonteCarloResult, ScenarioResult, SensitivityResult, expected_impact
from .display import ComparisonResult

__all__ = [
    "__version__", "load_assumptions", "fit", "run_analysis", "Model", "AnalysisResult", "ScenarioResult",
    "MonteCarloResult", "SensitivityResult", "expected_impact", "ImpactError", "AssumptionError", "DataError",
    "OutputError", "ImpactWarning", "PlausibilityWarning", "EstimationWarning", "SampleSizeWarning", "write_workbook",
    "compare", "ComparisonResult", "plotting",
]


def write_workbook(result: AnalysisResult, path: str, **kwargs: object) -> str:
    """Write the Excel workbook of an analysis (atomically); returns the path written."""
    from .report.excel import write_workbook as _w

    return _w(result, path, **kwargs)


def compare(results: dict[str, object]) -> object:
    """Lay several results side by side (see :func:`impact.display.compare`)."""
    from .display import compare as _c

    return _c(results)


def __getattr__(name: str) -> object:
    # ``impact.plotting`` is imported on first use so that ``import impact`` never imports matplotlib
    if name == "plotting":
        import importlib

        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
