"""Blocks of cells that more than one sheet shows."""
from __future__ import annotations

from typing import Any

from . import styles as st
from .book import Sheet, frame


def pooled_table(sh: Sheet, fit: Any, sources_below: bool = False) -> None:
    """Data / prior / pooled rows of each estimated coefficient; the row used by the model in bold."""
    pf = fit.pooled_frame()
    units = {t: p.unit for t, p in fit.pooled.items()}
    src = [fit.pooled[t].prior_source if k == "prior" else (fit.pooled[t].data_note if k == "data" else
                                                             "precision-weighted combination of data and prior")
           for t, k in zip(pf["term"], pf["kind"])]
    view = frame({"Coefficient": pf["term"], "Unit": [units.get(t, "") for t in pf["term"]],
                  "Kind": pf["kind"], "Estimate": pf["estimate"].astype(float),
                  "Std. error": pf["std_error"].astype(float), "95% CI low": pf["conf_low"].astype(float),
                  "95% CI high": pf["conf_high"].astype(float),
                  "Used in model": ["yes" if u else "" for u in pf["used"]], "Source / note": src})
    used = [i for i, u in enumerate(pf["used"]) if u]
    fm = {c: st.COEF for c in ("Estimate", "Std. error", "95% CI low", "95% CI high")}
    if sources_below:
        sh.table(view.drop(columns="Source / note"), fm, bold_rows=used, blank_ok=list(fm))
        sh.row -= 1
        for t, k, note in zip(pf["term"], pf["kind"], src):
            if note:
                sh.note(f"{t}, {k}: {note}")
        sh.row += 1
    else:
        sh.table(view, fm, wrap=("Source / note",), bold_rows=used, blank_ok=list(fm))
