"""Across variants: how each scenario's headline statistics of the total spread over the variants,
with a chart of the variants' medians (their cumulative distribution)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import charts
from .. import styles as st
from ..book import Book, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...results.sweep import SweepResult

TITLE = "Across variants"
LABELS = {"mean": "Mean", "p5": "P5", "p50": "Median", "p95": "P95"}


def label(stat: str) -> str:
    """Short label of a statistic of one variant's draws: Mean, P5, Median, P95, P(loss > X bn)."""
    if stat.startswith("p_loss_gt_"):
        return f"P(loss > {stat.removeprefix('p_loss_gt_')} bn)"
    return LABELS.get(stat, stat)


def build(book: Book, res: SweepResult) -> None:
    sh = book.sheet(TITLE)
    m = res.metadata
    ran = res.n_variants - len(res.failures)
    sh.title("Sweep: the total across assumption variants",
             f"{res.n_variants:,} variants ({m['method']}; {ran:,} ran, {len(res.failures)} failed), each with "
             f"{m['draws']:,} Monte Carlo draws per scenario; random numbers {m['random_numbers']}. Values: the "
             f"total gross change {m['period']}, US$ bn ({m['price_basis']} dollars), negative = loss. Each row "
             "summarises one statistic of each variant's Monte Carlo over the variants (every variant counts once).")
    s = res.summary().reset_index()
    money = [not x.startswith("p_loss_gt_") for x in s["statistic"]]
    fm = [st.USD_BN if mo else st.SHARE for mo in money]
    view = frame({"Scenario": s["scenario"], "Statistic of each variant's draws": [label(x) for x in s["statistic"]],
                  "Lowest variant": s["min"], "P5 of variants": s["p5"], "Median variant": s["p50"],
                  "P95 of variants": s["p95"], "Highest variant": s["max"]})
    r0, *_ = sh.table(view, name="AcrossVariants",
                      row_formats={c: fm for c in view.columns[2:]})
    sh.row -= 1
    sh.note("Reading: row Median, column P5 of variants = 5 % of the variants have a median total below that value "
            "(losses are negative). P(loss > X bn): the share of one variant's draws losing more than X.")
    sh.row += 1
    _chart(book, sh, res)
    if res.failures:
        sh.heading("Variants that failed (not in the tables)")
        f = frame({"Variant": [x["variant"] for x in res.failures],
                   "Inputs": [", ".join(f"{k} = {v}" for k, v in x["overrides"].items()) for x in res.failures],
                   "Error": [x["error"] for x in res.failures]})
        sh.table(f, {"Variant": st.INT}, wrap={"Inputs": 40.0, "Error": 60.0})
    sh.finish(freeze=f"C{r0 + 1}")


def _chart(book: Book, sh, res: SweepResult) -> None:  # type: ignore[no-untyped-def]
    """Each scenario's variant medians, sorted, against the share of variants at or below (written to a
    small table the chart reads)."""
    tab = res.table("p50", "total")
    if tab.empty:
        return
    sh.heading("Cumulative distribution of each variant's median total over the variants")
    top = sh.row
    sh.row += 17  # the chart (8 cm) sits above the table it reads
    sh.heading("Data of the chart")
    r0 = sh.row
    n = len(tab)
    share = (np.arange(1, n + 1)) / n
    cols = {"Share of variants at or below": share}
    for sc in res.scenarios:
        if sc in tab:
            cols[sc] = np.sort(tab[sc].to_numpy(dtype=float))
    sh.table(frame(cols), {c: (st.SHARE if i == 0 else st.USD_BN) for i, c in enumerate(cols)}, blank_ok=True)
    chart = book.chart("scatter", "straight")
    for j, sc in enumerate(res.scenarios):
        if sc not in tab:
            continue
        chart.add_series({"name": sc, "categories": sh.ref(r0 + 1, 2 + j, r0 + n, 2 + j),
                          "values": sh.ref(r0 + 1, 1, r0 + n, 1),
                          "line": {"color": "#" + charts.PALETTE[j % len(charts.PALETTE)], "width": 2},
                          "marker": {"type": "none"}})
    charts.set_title(chart, "Variants' median total, US$ bn (cumulative share of variants)")
    chart.set_y_axis({"num_format": "0%", "min": 0, "max": 1, "major_gridlines": {"visible": True},
                      "name": "share of variants at or below", "name_font": {"size": 9, "bold": False}})
    chart.set_x_axis({"num_format": "#,##0", "name": "median total change, US$ bn", "crossing": "min",
                      "name_font": {"size": 9, "bold": False}})
    chart.set_legend({"position": "bottom", "font": {"size": 9}})
    charts.set_size(chart, 8, 16)
    sh.chart(chart, top, 1)
