"""Ex-post: the data published after the base year against the no-designation forecast made from
data up to the base year and against each scenario's Monte Carlo band; what the check can and
cannot tell apart; the other events that moved the same series (caveats)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from ...arrivals import did_table
from ...results.expost import is_inside
from .. import styles as st
from .. import tables as tb
from ..book import Book, Sheet, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Ex-post"
DESCRIPTION = "2025-26 data against the no-designation forecast and each scenario's band; caveats"
#: columns that running text spans (those that fit on the printed page with the tables' first columns)
SPAN = 6


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    ex = res.expost
    base_year = res.assumptions.settings.base_year
    sh.title(f"Ex-post check: data after {base_year} against the forecasts",
             f"Actual values published after {base_year} against the no-designation forecast made from data up to "
             f"December {base_year} (never refitted or tuned) and against each scenario's Monte Carlo band (the "
             "baseline draw plus the scenario's impact draw). Band: P5-P95. Percentile: the share of draws below the "
             "actual (half of those equal). US$ bn, current dollars.")
    t = tb.expost_table(res)
    if ex is None or t.empty:
        sh.note("No channel has data after the base year: there is nothing to check.")
        sh.finish()
        return
    sh.heading("What the check can and cannot tell apart")
    sh.paragraph(ex.statement)
    sh.row += 1
    r0 = _baseline(sh, t)
    _scenarios(sh, t, ex.labels)
    _did(sh, res, t)
    sh.heading("What is compared")
    sh.kv([(tb.channel_title(c), text) for c, text in ex.bases.items()], span=SPAN)
    _caveats(sh, ex.caveats)
    sh.heading("Notes")
    for n in ex.notes:
        sh.note(n)
    sh.finish(freeze=f"C{r0 + 1}")


def _baseline(sh: Sheet, t: pd.DataFrame) -> int:
    b = t[t["scenario"] == "baseline"]
    sh.heading("Actual against the no-designation forecast")
    view = frame({"Channel": [tb.channel_title(c) for c in b["channel"]], "Period": b["label"],
                  "Actual (US$ bn)": b["actual"], "Forecast, central (US$ bn)": b["deterministic"],
                  "Deviation (US$ bn)": b["deviation"], "Deviation (% of forecast)": b["deviation_pct"] / 100,
                  "Percentile of the actual in the band": b["percentile"],
                  "Forecast P5 (US$ bn)": b["p5"], "Forecast P95 (US$ bn)": b["p95"]})
    fm = {c: st.USD_BN for c in view.columns if "US$" in c} | {"Deviation (% of forecast)": st.PCT,
                                                              "Percentile of the actual in the band": st.SHARE}
    r0, *_ = sh.table(view, fm, name="ExpostBaseline")
    return r0


def _scenarios(sh: Sheet, t: pd.DataFrame, labels: Mapping[str, str]) -> None:
    s = t[t["scenario"] != "baseline"]
    if s.empty:
        sh.note("The Monte Carlo was skipped (draws = 0): there are no scenario bands.")
        sh.row += 1
        return
    sh.heading("Percentile of the actual in each scenario's band")
    view = frame({"Channel": [tb.channel_title(c) for c in s["channel"]], "Period": s["label"],
                  "Scenario": [labels.get(n, n) for n in s["scenario"]],
                  "Percentile of the actual": s["percentile"],
                  "Actual inside P5-P95": ["yes" if is_inside(p) else "no" for p in s["percentile"]],
                  "Scenario effect, deterministic (US$ bn)": s["effect"],
                  "Baseline band width / |effect|": s["noise_to_effect"],
                  "Forecast with the scenario, deterministic (US$ bn)": s["deterministic"],
                  "P5 (US$ bn)": s["p5"], "Median (US$ bn)": s["p50"], "P95 (US$ bn)": s["p95"]})
    fm = {c: st.USD_BN for c in view.columns if "US$" in c} | {"Percentile of the actual": st.SHARE,
                                                              "Baseline band width / |effect|": '#,##0.0'}
    sh.table(view, fm, name="ExpostScenarios", blank_ok=("Baseline band width / |effect|",))
    sh.row -= 1
    sh.note("Band width: the no-designation forecast's P95 - P5 for the same period. A ratio above 1 means the "
            "scenario's effect is smaller than the forecast noise.")
    sh.row += 1


def _did(sh: Sheet, res: AnalysisResult, t: pd.DataFrame) -> None:
    """The 2025 difference in differences of U.S. against Canadian arrivals (tourism's ``did_2025``)
    beside the designation scenario's deterministic 2025 effect on U.S. visitor spending."""
    fit = res.model.fits.get("tourism")
    est = fit.models.get("did_2025") if fit is not None else None
    if est is None:
        return
    sh.heading("Tourism in 2025 by difference in differences: U.S. against Canadian air arrivals")
    d = did_table(est)
    # five columns: what the printed page holds beside the tables above (the p-value is in the Estimates sheet)
    view = frame({"Event": d["label"], "Estimate (log points)": d["estimate"],
                  "Effect on U.S. relative to Canadian arrivals": d["pct"] / 100,
                  "90% CI low": d["pct_low"] / 100, "90% CI high": d["pct_high"] / 100})
    sh.table(view, {"Estimate (log points)": st.COEF} | {c: st.PCT for c in view.columns[2:]}, name="ExpostDiD")
    year = res.model.years[0]
    row = t[(t["channel"] == "tourism") & (t["period"] == "year") & (t["year"] == year)]
    base, des = row[row["scenario"] == "baseline"], row[row["scenario"] == "designation"]
    if len(base) and len(des):
        pct = float(des["effect"].iloc[0]) / float(base["deterministic"].iloc[0])
        lo, hi = float(d["pct_low"].iloc[0]) / 100, float(d["pct_high"].iloc[0]) / 100
        where = ("inside" if lo <= pct <= hi else "outside") + " the designation estimate's 90% interval"
        zero = " (so is zero)" if lo <= 0.0 <= hi else ""
        sh.paragraph(f"The model's designation scenario changes U.S. visitor spending in {year} by {pct:.2%} "
                     f"(deterministic run), {where}{zero}. Not a like-for-like check: the estimate is for "
                     "March-August arrivals relative to Canadians, the model's for a full year of spending.")
    sh.note(f"{est.method}. Sample: {est.sample}.")
    for dg in est.diagnostics:
        sh.note(f"{dg.name}: {dg.reason}" + (f" (share {dg.p_value:.2f})" if dg.name.startswith("Placebo") else ""))
    for n in est.notes:
        sh.note(n)
    sh.row += 1


def _caveats(sh: Sheet, caveats: pd.DataFrame) -> None:
    """One line per event: its date in the first column, the text across the table's width (so the
    long text does not widen the number columns above)."""
    sh.heading("Caveats: other events that moved the same series")
    span = SPAN
    sh.header(sh.row, 1, ["Date"])
    sh.ws.merge_range(sh.row - 1, 1, sh.row - 1, span, "Event (channels it moves; source)",
                      sh.book.styles.get(st.HEADER, st.HEADER_FILL, None, st.LEFT, None))
    sh.row += 1
    for d, event, channels, source in caveats.itertuples(index=False):
        sh.put(sh.row, 1, d if isinstance(d, dt.date) else "gradual", align=st.TOP | st.LEFT)
        sh.wide_text(sh.row, 2, f"{event} Channels: {channels}. Source: {source}.", span)
        sh.row += 1
    sh.row += 1
