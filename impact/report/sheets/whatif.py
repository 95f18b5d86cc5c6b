"""What-if: each channel's deterministic run as live Excel formulas, driven by a scenario drop-down.

Layout: a scenario selector (data validation list); one row per input with the selected
scenario's value (looked up), a blank "Your value" cell and the value used (yours when given),
which carries the input's defined name (``shocks_insecurity``, ``tourism_elasticity``, ...); then
per channel the impact by year as a formula of those names, the model's own value for the selected
scenario and the difference; then the live total beside the model's.  Every scenario's values sit
in columns to the right, where the lookups read them.

Percentages are real Excel percentages (type 25% for 25 %); the formulas convert them back to the
percent units of the model's equations (``(shocks_insecurity*100)``).  Start dates are Excel dates,
timings one of persistent / decay / once (a drop-down).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ... import channels as reg
from ...timing import TIMINGS
from .. import styles as st
from .. import tables as tb
from ..book import PERCENT_UNITS, Book, Sheet, get_column_letter, shown, unit_format

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "What-if"
DESCRIPTION = "live formulas: pick a scenario, change an input, the deterministic run recomputes"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_FIRST_SCENARIO_COL = 10  # column J: the scenarios' own values, read by the lookups


def excel_serial(d: dt.date) -> int:
    """The Excel serial number of a date (what a date cell holds)."""
    return (d - _EXCEL_EPOCH).days


class _Recorder(dict):
    """A dict that records which keys a formula builder reads."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.used: set[str] = set()

    def __getitem__(self, k: str) -> Any:
        self.used.add(k)
        return super().__getitem__(k)


@dataclass(frozen=True)
class _Input:
    """One input row: ``key`` is what the formula builders call it (``insecurity``,
    ``start:insecurity``, a parameter or constant name), ``values`` its value in each scenario."""

    key: str
    name: str
    label: str
    unit: str
    kind: str  # "number", "date" or "timing"
    values: dict[str, Any]
    channel: str | None = None


@dataclass
class _Sheet:
    sh: Sheet
    res: Any
    scenarios: list[str]
    selected: str
    chans: list[str]
    refs: dict[str, dict[str, str]] = field(default_factory=dict)  # channel ("" = shared) -> key -> expression
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last_col(self) -> str:
        return get_column_letter(_FIRST_SCENARIO_COL + len(self.scenarios) - 1)

    def pick(self, r: int) -> str:
        """The selected scenario's entry of row ``r`` (its values in columns J...)."""
        return f"INDEX($J{r}:${self.last_col}{r},1,scenario_index)"

    def check(self, cell: str, values: dict[str, Any], kind: str, scale: dict[str, float] | None = None,
              **where: Any) -> None:
        """A formula cell and the value it must show for each scenario selected (``where``: what it
        is, e.g. channel and year, or the input's name)."""
        for n, v in values.items():
            self.checks.append({"scenario": n, "cell": cell, "kind": kind, "python": v, **where,
                                **({"scale": scale[n]} if scale else {})})


def build(book: Book, res: AnalysisResult) -> list[dict[str, Any]]:
    """The What-if sheet; returns every formula cell with the value it must show per scenario."""
    sh = book.sheet(TITLE)
    scen = tb.designation_scenarios(res)
    chans = [ch for ch in res.model.channels if reg.get(ch).excel_formula is not None]
    sh.title("What-if: live formulas of the deterministic run (all inputs at their most likely values)",
             "Pick a scenario in the yellow drop-down; type your own value for any input in 'Your value' (blank = "
             "the scenario's value; percentages as 25%). Green cells recompute; 'Model' is the model's own result for "
             "the selected scenario's unchanged inputs.",
             "Monte Carlo ranges and sensitivity elsewhere in the workbook are static and do not follow these edits.")
    if not scen or not chans:
        sh.note("No designation scenario was run: nothing to recompute.")
        sh.finish()
        return []
    w = _Sheet(sh, res, scen, scen[0], chans)
    _selector(book, w)
    inputs = _collect(w)
    _inputs(book, w, inputs)
    cells = {ch: _channel(w, ch) for ch in chans}
    _total(w, cells)
    sh.fixed.update({1: 30.0, 2: 44.0, 3: 18.0, 4: 16.0, 5: 16.0, 6: 16.0, 7: 16.0, 8: 30.0})
    sh.finish(freeze="A6")
    for chk in w.checks:
        chk["sheet"] = TITLE
    return w.checks


def _selector(book: Book, w: _Sheet) -> None:
    """The scenario drop-down (C), its label, and the scenario keys and labels in columns J..."""
    sh, r = w.sh, w.sh.row
    sh.put(r, 1, "Scenario (choose)", font=st.BOLD)
    sh.put(r, 3, w.selected, font=st.INPUT, fill=st.INPUT_FILL, border=st.BOX)
    keys = f"$J${r}:${w.last_col}${r}"
    sh.ws.data_validation(r - 1, 2, r - 1, 2, {"validate": "list", "source": f"={keys}",
                                               "error_title": "Scenario", "error_message": "Choose a scenario key."})
    book.define("selected_scenario", sh, f"$C${r}")
    for j, n in enumerate(w.scenarios):
        sh.put(r, _FIRST_SCENARIO_COL + j, n, font=st.HEADER, fill=st.HEADER_FILL)
        sh.put(r + 1, _FIRST_SCENARIO_COL + j, tb.scenario_label(w.res, n), font=st.NOTE, measure=False)
    book.define("scenario_keys", sh, keys)
    sh.put(r, 9, "Scenario values \u2192", font=st.NOTE)
    sh.put(r + 1, 1, "Selected", font=st.NOTE)
    sh.formula(r + 1, 3, f"=MATCH(selected_scenario,{keys},0)", fmt=st.INT, value=1)
    book.define("scenario_index", sh, f"$C${r + 1}")
    sh.formula(r + 1, 4, f"=INDEX($J${r + 1}:${w.last_col}${r + 1},1,scenario_index)",
               value=None, text_value=tb.scenario_label(w.res, w.selected))
    w.check(f"C{r + 1}", {n: float(j + 1) for j, n in enumerate(w.scenarios)}, "index")
    w.check(f"D{r + 1}", {n: tb.scenario_label(w.res, n) for n in w.scenarios}, "label")
    sh.row = r + 3


def _used_keys(w: _Sheet, ch: str, sc: Any) -> set[str]:
    """Which inputs the channel's formula reads (a dry run with placeholder references)."""
    keys = _Recorder({"base_year": "X", "baseline": "X"})
    for p in sc.shocks.values():
        keys[p.name] = keys[f"start:{p.name}"] = "X"
    for pn in w.res.assumptions.channels[ch].parameters:
        keys[pn] = "X"
    for k, v in w.res.model.fits[ch].constants.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            keys[k] = "X"
    reg.get(ch).excel_formula(keys, "X", {p.name: "persistent" for p in sc.shocks.values()})
    return keys.used


def _collect(w: _Sheet) -> list[_Input]:
    """Every input a formula reads, with its value in each scenario (display units: percentages as fractions)."""
    model, res = w.res.model, w.res
    scs = {n: model.resolve(n) for n in w.scenarios}
    ins = {n: {i.name: i for i in model.inputs(scs[n])} for n in w.scenarios}
    first = scs[w.scenarios[0]]
    used = {ch: _used_keys(w, ch, first) for ch in w.chans}
    any_used = set().union(*used.values())
    out: list[_Input] = []
    if "base_year" in any_used:
        out.append(_Input("base_year", "settings.base_year", "Base year (last year before the designation)", "year",
                          "number", {n: res.assumptions.settings.base_year for n in w.scenarios}))
    for p in first.shocks.values():
        if p.name not in any_used:
            continue
        q = p.qualname
        out.append(_Input(p.name, q, p.label, p.unit_label, "number",
                          {n: shown(ins[n][q].central, p.unit_label) for n in w.scenarios}))
        out.append(_Input(f"start:{p.name}", f"{q}.start", f"{p.label}: start date", "date", "date",
                          {n: scs[n].shocks[p.name].start for n in w.scenarios}))
        out.append(_Input(f"timing:{p.name}", f"{q}.timing", f"{p.label}: timing", "", "timing",
                          {n: str(scs[n].shocks[p.name].timing) for n in w.scenarios}))
    for ch in w.chans:
        for pn in res.assumptions.channels[ch].parameters:
            if pn in used[ch]:
                i0 = ins[w.scenarios[0]][f"{ch}.{pn}"]
                out.append(_Input(pn, i0.name, i0.label, i0.unit, "number",
                                  {n: shown(ins[n][f"{ch}.{pn}"].central, i0.unit) for n in w.scenarios}, ch))
        for k, v in model.fits[ch].constants.items():
            if k in used[ch] and isinstance(v, (int, float)) and not isinstance(v, bool):
                unit = "year" if k.endswith("_year") else ("US$ bn" if k.endswith("_bn") else "")
                out.append(_Input(k, f"{ch}.{k}", f"data: {k.replace('_', ' ')}", unit, "number",
                                  {n: v for n in w.scenarios}, ch))
    return out


def _inputs(book: Book, w: _Sheet, inputs: list[_Input]) -> None:
    """The input rows: scenario value (looked up), your value (blank), value used (named)."""
    sh = w.sh
    sh.heading("Inputs")
    sh.header(sh.row, 1, ["Input", "Label", "Unit", "Scenario value", "Your value", "Value used", "",
                          "Defined name"])
    sh.header(sh.row, _FIRST_SCENARIO_COL, w.scenarios)
    sh.row += 1
    for inp in inputs:
        r = sh.row
        fmt = {"date": st.DATE, "timing": None}.get(inp.kind, unit_format(inp.unit))
        sh.put(r, 1, inp.name)
        sh.put(r, 2, inp.label)
        sh.put(r, 3, "%" if inp.unit in PERCENT_UNITS else inp.unit)
        for j, n in enumerate(w.scenarios):
            sh.put(r, _FIRST_SCENARIO_COL + j, inp.values[n], fmt=fmt)
        sel = inp.values[w.selected]
        as_cell = {n: (excel_serial(v) if inp.kind == "date" else v) for n, v in inp.values.items()}
        text = isinstance(sel, str)
        sh.formula(r, 4, "=" + w.pick(r), fmt=fmt, value=None if text else float(as_cell[w.selected]),
                   text_value=sel if text else None)
        sh.put(r, 5, None, fmt=fmt, font=st.INPUT, fill=st.INPUT_FILL, border=st.BOX)
        if inp.kind == "timing":
            sh.ws.data_validation(r - 1, 4, r - 1, 4, {"validate": "list", "source": list(TIMINGS)})
        sh.formula(r, 6, f'=IF(E{r}="",D{r},E{r})', fmt=fmt, value=None if text else float(as_cell[w.selected]),
                   text_value=sel if text else None)
        dn = book.define(inp.name, sh, f"$F${r}")
        sh.put(r, 8, dn, font=st.NOTE)
        w.check(f"D{r}", as_cell, "scenario value", name=inp.name)
        w.check(f"F{r}", as_cell, "input", name=inp.name)
        expr = f"({dn}*100)" if inp.unit in PERCENT_UNITS else dn
        w.refs.setdefault(inp.channel or "", {})[inp.key] = expr
        sh.row += 1
    sh.row += 1


def _formula_refs(w: _Sheet, ch: str) -> tuple[dict[str, str], dict[str, str]]:
    refs = {**w.refs.get("", {}), **w.refs.get(ch, {})}
    timings = {k.split(":", 1)[1]: v for k, v in refs.items() if k.startswith("timing:")}
    return refs, timings


def _channel(w: _Sheet, ch: str) -> list[str]:
    """One channel's formulas by year and their sum; returns the formula cells (years, then cumulative)."""
    sh, res = w.sh, w.res
    fit = res.model.fits[ch]
    refs, timings = _formula_refs(w, ch)
    sh.heading(f"{tb.channel_title(ch)}: deterministic run, change relative to the baseline (US$ bn, negative = loss)")
    sh.header(sh.row, 1, ["Year", f"Baseline path, {fit.baseline.unit}", "Impact, live formula (US$ bn)",
                          "Model, selected scenario (US$ bn)", "Formula - model (US$ bn)"])
    sh.header(sh.row, _FIRST_SCENARIO_COL, [f"Model: {n}" for n in w.scenarios])
    sh.row += 1
    first = sh.row
    cells = []
    for y in [*res.model.years, "Cumulative"]:
        r = sh.row
        cum = y == "Cumulative"
        model = {n: float(res.runs[n].cumulative[ch] if cum else res.runs[n].impacts.loc[y, ch]) for n in w.scenarios}
        look = {"font": st.BOLD, "fill": st.TOTAL_FILL} if cum else {}
        sh.put(r, 1, y, fmt=st.INT, **look)
        if cum:
            sh.formula(r, 3, f"=SUM(C{first}:C{r - 1})", fmt=st.USD_BN4, value=model[w.selected])
        else:
            sh.put(r, 2, float(fit.baseline.central[res.model.years.index(y)]), fmt=st.USD_BN4)
            text = reg.get(ch).excel_formula({**refs, "baseline": f"$B${r}"}, f"$A${r}", timings)
            prices = res.model.prices
            if prices.basis == "real":  # the formulas work in current dollars: times the year's deflator ratio
                text = f"=({text.removeprefix('=')})*{float(prices.money[res.model.years.index(y)])!r}"
            sh.formula(r, 3, text, fmt=st.USD_BN4, value=model[w.selected])
        _model_columns(w, r, model, ch, "cumulative" if cum else y)
        w.check(f"C{r}", model, "impact", channel=ch, year="cumulative" if cum else y)
        cells.append(f"C{r}")
        sh.row += 1
    sh.row += 1
    return cells


def _model_columns(w: _Sheet, r: int, model: dict[str, float], ch: str, year: Any) -> None:
    """The model's value per scenario (J...), the selected one (D) and the difference (E)."""
    sh = w.sh
    for j, n in enumerate(w.scenarios):
        sh.put(r, _FIRST_SCENARIO_COL + j, model[n], fmt=st.USD_BN4)
    sh.formula(r, 4, "=" + w.pick(r), fmt=st.USD_BN4, value=model[w.selected])
    # rounded to 1e-9 US$ bn (US$ 1) so that floating-point noise shows as 0
    sh.formula(r, 5, f"=ROUND(C{r}-D{r},9)", fmt=st.USD_BN4, value=0.0)
    w.check(f"D{r}", model, "model", channel=ch, year=year)
    w.check(f"E{r}", {n: 0.0 for n in model}, "difference", scale={n: abs(v) for n, v in model.items()}, channel=ch,
            year=year)


def _total(w: _Sheet, cells: dict[str, list[str]]) -> None:
    """The live total (sum of the channels' formulas) beside the model's total for the same scenario."""
    sh, res = w.sh, w.res
    sh.heading(f"All channels: live total beside the model's ({tb.TOTAL_LABEL})")
    sh.header(sh.row, 1, ["Year", "", "Total, live formula (US$ bn)", "Model, selected scenario (US$ bn)",
                          "Formula - model (US$ bn)"])
    sh.header(sh.row, _FIRST_SCENARIO_COL, [f"Model: {n}" for n in w.scenarios])
    sh.row += 1
    for k, y in enumerate([*res.model.years, "Cumulative"]):
        r = sh.row
        cum = y == "Cumulative"
        model = {n: float(res.runs[n].cumulative["total"] if cum else res.runs[n].total.loc[y]) for n in w.scenarios}
        look = {"font": st.BOLD, "fill": st.TOTAL_FILL} if cum else {}
        sh.put(r, 1, y, fmt=st.INT, **look)
        sh.formula(r, 3, "=" + "+".join(cells[ch][k] for ch in w.chans), fmt=st.USD_BN4, value=model[w.selected])
        _model_columns(w, r, model, "total", "cumulative" if cum else y)
        w.check(f"C{r}", model, "total", channel="total", year="cumulative" if cum else y)
        sh.row += 1
    sh.row += 1
