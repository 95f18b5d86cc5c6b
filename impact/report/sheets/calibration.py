"""Calibration: what the defaults imply in countable terms beside the record they can be checked
against (impact.calibration), and the share of each total's variance by basis of the inputs."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import styles as st
from .. import tables as tb
from ..book import Book, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Calibration"
DESCRIPTION = "what the defaults imply (cases a year, cost per firm, aid withheld) against the record; variance by basis"
#: built after the other sheets: the variance table reads the sensitivity tables (see Summary)
BUILD_LAST = True
NUMBER = "#,##0.000;-#,##0.000;0.000"


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    sh.title("Calibration: what the defaults imply",
             "Each scenario's inputs turned into quantities a reader can check: corporate prosecutions and lost "
             "suits a year, fines paid, compliance cost per firm, arrivals lost for a known rise in homicides, aid "
             "withheld. Most likely values, and the mean and P5-P95 of the inputs' own distributions (drawn "
             "independently), beside the historical record and its source.")
    q = _distinct(tb.implied(res))
    r0 = sh.row
    if q.empty:
        sh.note("No designation scenario was run.")
    else:
        sh.heading("Implied quantities and the record")
        view = frame({"Scenario": [tb.short_label(res, n) for n in q["scenario"]], "Quantity": q["label"],
                      "Unit": q["unit"], "Most likely": q["default"], "Mean": q["mean"], "P5": q["p5"],
                      "P95": q["p95"], "Record": q["record"], "Mean / record": q["ratio"],
                      "Arithmetic": q["arithmetic"], "Record and source": q["record_source"]})
        fm = {c: NUMBER for c in ("Most likely", "Mean", "P5", "P95", "Record")} | {"Mean / record": "0.0"}
        r0, *_ = sh.table(view, fm, name="ImpliedQuantities", wrap={"Quantity": 30.0, "Arithmetic": 40.0,
                                                                    "Record and source": 60.0},
                          blank_ok=("Record", "Mean / record"))
        sh.row -= 1
        sh.note("Scenarios after the first show only the quantities whose numbers differ from it (implied.csv has "
                "every row). Record blank: no comparable event has happened (the quantity is a judgment call; its range is "
                "deliberately wide). Correlations between inputs are ignored here; the Monte Carlo imposes them.")
        sh.row += 1
    v = tb.variance_by_basis(res)
    if not v.empty:
        sh.heading("Share of each total's variance by basis of the inputs (Sobol indices of groups)")
        view = frame({"Scenario": [tb.short_label(res, n) for n in v["scenario"]], "Basis": v["basis"],
                      "Uncertain inputs": v["inputs"], "Alone (closed first-order)": v["S1"], "+/-": v["S1_conf"],
                      "With interactions (total)": v["ST"], "+/- ": v["ST_conf"]})
        sh.table(view, {c: st.SHARE for c in view.columns[3:]}, name="VarianceByBasis")
        sh.row -= 1
        sh.note("+/-: 95 % bootstrap half-width. Basis is each input's `basis:` key in the assumption files; a baseline "
                "forecast counts as data. The Summary shows the judgment-only share.")
        sh.row += 1
    sh.finish(freeze=f"C{r0 + 1}" if not q.empty else None)


def _distinct(q: pd.DataFrame) -> pd.DataFrame:
    """The first scenario's rows, then other scenarios' rows whose numbers differ from the first's."""
    if q.empty:
        return q
    cols = ["default", "mean", "p5", "p95"]
    first = q[q["scenario"] == q["scenario"].iloc[0]].set_index("quantity")[cols]
    keep = [r.scenario == q["scenario"].iloc[0] or r.quantity not in first.index
            or not np.allclose(first.loc[r.quantity].to_numpy(float), [getattr(r, c) for c in cols], rtol=1e-12)
            for r in q.itertuples()]
    return q[keep].reset_index(drop=True)
