"""Value added: how each channel's gross change becomes Mexico GDP, U.S. value added and jobs (the
pass-through coefficients with their sources), each scenario's measures by channel and by year, and
the price and GDP paths behind real dollars, present values and % of GDP."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...channels import get as channel
from ...passthrough import MEASURES, PARAMETERS
from .. import styles as st
from .. import tables as tb
from ..book import Book, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Value added"
DESCRIPTION = ("Mexico GDP, U.S. value added and jobs: the pass-through coefficients and their sources, each scenario "
               "by channel and by year, prices and GDP")
_MEASURE_TITLES = {"mx_gdp": "Mexico GDP (US$ bn)", "us_va": "U.S. value added (US$ bn)",
                   "mx_jobs": "Mexico jobs (thousands)", "us_jobs": "U.S. jobs (thousands)"}
JOBS = '#,##0.0'
#: reads the sensitivity tables (the drivers of each measure), which a worker process may still be computing
BUILD_LAST = True
_SHORT = {"mx_gdp": "Mexico GDP", "us_va": "U.S. value added", "mx_jobs": "Mexico jobs", "us_jobs": "U.S. jobs"}


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    prices = res.model.prices
    years = res.model.years
    sh.title("Value added and jobs", f"Money in {prices.basis_label}; jobs in thousands (a year's jobs; summed over "
             f"the horizon, thousand job-years). Negative = loss. Cumulative {years[0]}-{years[-1]}.",
             "Each measure = the channel's gross change x a coefficient from the channel's parameters; the "
             "coefficients are uncertain inputs (sampled in the Monte Carlo, ranked in the sensitivity analyses, "
             "targets mx_gdp, us_va, mx_jobs, us_jobs). First-round accounting with fixed coefficients: no price, "
             "substitution or general-equilibrium effects.")
    _rules(sh, res)
    _coefficients(sh, res)
    for name in tb.designation_scenarios(res):
        _scenario(sh, res, name)
        _drivers(sh, res, name)
    _prices(sh, res)
    sh.measure(1, 24)
    sh.finish(gridlines=False)


def _rules(sh: Any, res: AnalysisResult) -> None:
    sh.heading("How each channel passes through")
    for ch in res.model.channels:
        sh.put(sh.row, 1, tb.channel_title(ch), font=st.BOLD, align=st.TOP)
        sh.wide_text(sh.row, 2, channel(ch).passthrough_note, 7)
        sh.row += 1
    sh.row += 1


def _coefficients(sh: Any, res: AnalysisResult) -> None:
    sh.heading("Pass-through coefficients (inputs of the Monte Carlo; edit them in channels.yaml)")
    sc = res.assumptions.scenario("baseline")
    rows = [p for p in sc.parameters.values() if p.name in PARAMETERS]
    # merged cells rather than wide columns: the year tables below share this sheet's column widths
    r0 = sh.row
    spans = (("Parameter", 1, 1), ("What it is", 2, 2), ("Value", 4, 1), ("Unit", 5, 2), ("Distribution; basis", 7, 2))
    for label, c, span in spans:
        sh.put(r0, c, label, font=st.HEADER, fill=st.HEADER_FILL, align=st.HEADER_ALIGN, measure=False)
        for extra in range(1, span):
            sh.put(r0, c + extra, None, fill=st.HEADER_FILL)
    r = r0 + 1
    for p in rows:
        sh.wide_text(r, 1, p.qualname, 1, font=st.BOLD)
        sh.wide_text(r, 2, p.label, 2)
        sh.put(r, 4, float(p.value), fmt="0.000", align=st.TOP)
        sh.wide_text(r, 5, p.unit_label, 2)
        sh.wide_text(r, 7, f"{p.distribution.describe() if p.distribution else 'fixed'}; {p.basis}", 2)
        sh.wide_text(r + 1, 2, f"Source: {p.source}", 7, font=st.NOTE)
        r += 2
    sh.row = r + 1


def _scenario(sh: Any, res: AnalysisResult, name: str) -> None:
    years = res.model.years
    run = res.runs[name]
    det = run.value_added
    sh.heading(f"{run.label}: deterministic run by channel, cumulative {years[0]}-{years[-1]}")
    contrib = det.contributions("cumulative")
    cols: dict[str, Any] = {"Channel": [tb.channel_title(c) for c in contrib.index] + ["Total"]}
    for m in MEASURES:
        vals = list(contrib[m.name]) + [float(contrib[m.name].sum())]
        cols[_MEASURE_TITLES[m.name]] = vals
    view = frame(cols)
    fm = {c: (st.USD_BN if "US$" in c else JOBS) for c in view.columns[1:]}
    last = [len(view) - 1]
    sh.table(view, fm, bold_rows=last, fill_rows=last)
    mc = res.montecarlo.get(name)
    sh.heading(f"{run.label}: by year, US$ bn and thousand jobs" + (
        " (median, P5 and P95 of the draws; deterministic run)" if mc else " (deterministic run)"))
    q = mc.value_added.quantiles((0.05, 0.5, 0.95)) if mc else None
    table = det.table()
    labels, stats, data = [], [], []
    periods = [str(y) for y in years] + ["cumulative", "present_value"]
    for m in MEASURES:
        series = [("Deterministic run", [float(table.loc[m.name, p]) for p in periods])]
        if q is not None:
            series = [(stat, [float(q.loc[(m.name, p), col]) for p in periods])
                      for stat, col in (("Median", "p50"), ("P5", "p5"), ("P95", "p95"))] + series
        for k, (stat, vals) in enumerate(series):
            # one label column (measure, then its statistics indented): the year columns must fit the page
            labels.append(f"{_SHORT[m.name]}: {stat.lower()}" if k == 0 else f"   {stat.lower()}")
            stats.append(stat)
            data.append(vals)
    arr = np.array(data)
    view = frame({"Measure": labels} | {str(y): arr[:, i] for i, y in enumerate(years)} | {"Cumulative": arr[:, -2]})
    first = [i for i, lab in enumerate(labels) if not lab.startswith(" ")]
    sh.table(view, {c: st.USD_BN for c in view.columns[1:]}, bold_rows=first)
    p = res.model.prices
    sh.heading(f"{run.label}: present value of the cumulative change (US$ bn of {p.base_year}, discounted at "
               f"{p.discount_rate:g} % a year)")
    money = [i for i, m in enumerate(MEASURES) if m.money]
    pv_rows = [(lab, vals[-1]) for lab, vals in zip(labels, data) if np.isfinite(vals[-1])]
    pv = frame({"Measure": [r[0] for r in pv_rows], "Present value": [r[1] for r in pv_rows]})
    sh.table(pv, {"Present value": st.USD_BN}, bold_rows=[i for i, r in enumerate(pv_rows) if not r[0].startswith(" ")])
    sh.row -= 1
    sh.note(f"Each year in constant {p.base_year} dollars (U.S. GDP deflator) discounted at the real rate of "
            f"settings.yaml discount_rate to {p.base_year}; {len(money)} money measures only.")
    sh.row += 1


def _drivers(sh: Any, res: AnalysisResult, name: str) -> None:
    """The inputs that move Mexico GDP and U.S. value added most: Sobol total indices (ST)."""
    block = res.sensitivity.get(name) if res.sensitivity else None
    if not block or "sobol:mx_gdp" not in block:
        return
    gdp, us = block["sobol:mx_gdp"].table.set_index("input"), block["sobol:us_va"].table.set_index("input")
    top = list(dict.fromkeys([*gdp["ST"].nlargest(6).index, *us["ST"].nlargest(6).index]))
    sh.heading(f"{res.runs[name].label}: what moves value added (Sobol total index ST, share of the variance of "
               "the cumulative measure)")
    view = frame({"Input": top, "Label": [gdp.loc[i, "label"] for i in top],
                  "Mexico GDP": [float(gdp.loc[i, "ST"]) for i in top],
                  "U.S. value added": [float(us.loc[i, "ST"]) for i in top]})
    sh.table(view, {"Mexico GDP": st.SHARE, "U.S. value added": st.SHARE}, wrap={"Label": 30.0})
    sh.row -= 1
    sh.note("The six largest total indices of each measure (Sensitivity sheet and sensitivity_sobol.csv, targets "
            "mx_gdp and us_va, have every input with its interval): pass-through coefficients rank beside the shocks.")
    sh.row += 1


def _prices(sh: Any, res: AnalysisResult) -> None:
    p = res.model.prices
    sh.heading("Prices and GDP (deterministic paths)")
    df = p.to_frame().reset_index()
    df["year"] = df["year"].astype(int)
    view = frame({c: df[c] for c in df.columns})
    fm = {c: ('0.000' if "deflator" not in c and "GDP" not in c else '#,##0.0') for c in view.columns[1:]}
    fm["year"] = st.INT
    sh.table(view, fm)
    sh.row -= 1
    sh.note("Sources: U.S. GDP deflator, BEA (FRED GDPDEF, annual mean of quarters); Mexico GDP in current dollars, "
            "World Bank WDI and INEGI; U.S. GDP = BEA real GDP x the deflator. " + " ".join(f"{n}." for n in p.notes)
            + " Jobs coefficients are per US$ 1 m of 2024 dollars, so each year's dollars are first brought to 2024 "
            "prices with the deflator.")
    sh.row += 1
