"""Assumptions: every value used per scenario with its unit, range, distribution, source and file:line."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import styles as st
from .. import tables as tb
from ..book import Book, frame, shown, unit_format

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Assumptions"
DESCRIPTION = "every value used per scenario with unit, range, distribution, source, file:line"


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    sh.title("Assumptions used",
             "Every value actually used, per scenario: unit, Monte Carlo range, distribution, hard bounds, plausible "
             "range, source and the file:line it came from. Estimated coefficients show the estimate used.")
    a = tb.assumption_rows(res)
    view = frame({
        "Scenario": a["scenario"], "Name": a["name"], "Label": a["label"], "Kind": a["kind"],
        "Value used": _shown(a["value"], a["unit"]), "Unit": a["unit"], "Monte Carlo P5": _shown(a["p5"], a["unit"]),
        "Monte Carlo P95": _shown(a["p95"], a["unit"]), "Distribution": a["distribution"], "Bounds": a["bounds"],
        "Plausible range": a["plausible"], "Estimate mode": a["estimate"], "Start": a["start"], "Timing": a["timing"],
        "Set in (extends chain)": a["set_in"], "Source": a["source"], "File:line": a["location"]})
    rf = [unit_format(u) for u in a["unit"]]
    r0, *_ = sh.table(view, {"Start": st.DATE}, row_formats={"Value used": rf, "Monte Carlo P5": rf,
                                                            "Monte Carlo P95": rf},
                      name="AssumptionsUsed", wrap=("Source",), blank_ok=("Start",))
    sh.row -= 1
    sh.note("Percentages show as real percentages (the cell holds 0.25 for 25%); Distribution, Bounds and Plausible "
            "range are written in the units of the assumption files (percent as 25).")
    sh.row += 1
    sh.heading("Settings, estimator options and analysis settings used")
    s = tb.settings_rows(res)
    sh.table(frame({"Section": s["section"], "Name": s["name"], "Value": s["value"], "File:line": s["location"]}),
             name="SettingsUsed", overflow=("Value", "File:line"))
    sh.finish(freeze=f"C{r0 + 1}", repeat=r0, repeat_columns=2)


def _shown(values: Any, units: Any) -> list[float]:
    return [shown(float(v), u) for v, u in zip(values, units)]
