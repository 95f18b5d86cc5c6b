"""What-if: live Excel formulas of each channel's deterministic run, with the model's values beside them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ... import channels as reg
from .. import styles as st
from .. import tables as tb
from ..book import Book, Sheet, link_to_sheet, unit_format

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "What-if"
DESCRIPTION = "live formulas: change an input, the central impact recomputes"
_RESULT_HEADERS = ["Impact, formula (US$ bn)", "Model result (US$ bn)", "Formula - model (US$ bn)"]


def _diff(r: int) -> str:
    """Formula minus model, rounded to 1e-9 US$ bn (US$ 1) so that floating-point noise shows as 0."""
    return f"=ROUND(C{r}-D{r},9)"


class _Recorder(dict):
    """A dict that records which keys a formula builder reads."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.used: set[str] = set()

    def __getitem__(self, k: str) -> Any:
        self.used.add(k)
        return super().__getitem__(k)


@dataclass
class _Block:
    """One scenario's block: where its input cells are and the formula cells written so far."""

    name: str
    scenario: Any
    inputs: dict[str, Any]
    timings: dict[str, str]
    chans: list[str]
    used: dict[str, set[str]] = field(default_factory=dict)
    shared: dict[str, str] = field(default_factory=dict)
    refs: dict[str, dict[str, str]] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)

    def check(self, channel: str, year: Any, kind: str, row: int, python: float) -> None:
        """The formula cell and its difference cell, with the values they must show."""
        self.checks.append({"scenario": self.name, "channel": channel, "year": year, "kind": kind, "cell": f"C{row}",
                            "python": python})
        self.checks.append({"scenario": self.name, "channel": channel, "year": year, "kind": "difference",
                            "cell": f"E{row}", "python": 0.0, "scale": abs(python)})


def build(book: Book, res: AnalysisResult) -> list[dict[str, Any]]:
    """Live formulas for the central case of each channel; returns every formula cell with its Python value."""
    sh = book.sheet(TITLE)
    sh.title("What-if: live formulas for the deterministic central case",
             "Edit a yellow input (blue figures); the impact formulas (green) recompute. 'Model result' is the "
             "model's own central value for the unchanged inputs; 'Formula - model' shows the effect of your edits.",
             "Monte Carlo ranges and sensitivity elsewhere in the workbook are static and do not follow these edits.")
    r = sh.row
    sh.put(r, 1, "Scenarios on this sheet", font=st.HEADING, measure=False)
    contents_row = r + 1
    sh.row = contents_row + len([n for n in res.runs if n != "baseline"]) + 1
    checks: list[dict[str, Any]] = []
    starts: dict[str, int] = {}
    for name in res.runs:
        if name != "baseline":
            starts[name] = sh.row
            checks += _scenario(book, sh, res, name)
    for i, (name, row) in enumerate(starts.items()):
        link_to_sheet(sh, contents_row + i, 1, f"{tb.scenario_label(res, name)} (row {row})", TITLE, f"A{row}")
    sh.fixed.update({1: 40.0, 2: 44.0, 3: 16.0, 4: 16.0, 5: 16.0, 6: 36.0})
    sh.finish()
    for chk in checks:
        chk["sheet"] = TITLE
    return checks


def _scenario(book: Book, sh: Sheet, res: AnalysisResult, name: str) -> list[dict[str, Any]]:
    model = res.model
    sc = model.resolve(name)
    blk = _Block(name, sc, {i.name: i for i in model.inputs(sc)}, {p.name: str(p.timing) for p in sc.shocks.values()},
                 [ch for ch in model.channels if reg.get(ch).excel_formula is not None])
    sh.put(sh.row, 1, f"Scenario: {sc.label} ({name})", font=st.TITLE, measure=False)
    sh.row += 2
    blk.used = {ch: _used_inputs(res, blk, ch) for ch in blk.chans}
    _inputs(book, sh, res, blk)
    cells = {ch: _channel(sh, res, blk, ch) for ch in blk.chans}
    if blk.chans:
        _total(sh, res, blk, cells)
    return blk.checks


def _used_inputs(res: AnalysisResult, blk: _Block, ch: str) -> set[str]:
    """Which inputs the channel's formula reads (a dry run with placeholder references)."""
    keys = _Recorder({"base_year": "X", "baseline": "X"})
    for p in blk.scenario.shocks.values():
        keys[p.name] = keys[f"start:{p.name}"] = "X"
    for pn in res.assumptions.channels[ch].parameters:
        keys[pn] = "X"
    for k, v in res.model.fits[ch].constants.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            keys[k] = "X"
    reg.get(ch).excel_formula(keys, "X", blk.timings)
    return keys.used


def _inputs(book: Book, sh: Sheet, res: AnalysisResult, blk: _Block) -> None:
    """The editable input cells (each with a defined name), recorded in ``blk.shared`` / ``blk.refs``."""
    sh.heading("Inputs (edit the yellow cells)")
    sh.header(sh.row, 1, ["Input", "Label", "Value", "Unit", "Timing", "Defined name"])
    sh.row += 1

    def add(key: str, label: str, value: float, unit: str, timing: str = "") -> str:
        rr = sh.row
        ref = f"$C${rr}"
        dn = book.define(f"{blk.name}.{key}", sh, ref)
        for c, v in ((1, key), (2, label), (4, unit), (5, timing)):
            sh.put(rr, c, v)
        sh.put(rr, 3, float(value), fmt=unit_format(unit), font=st.INPUT, fill=st.INPUT_FILL, border=st.BOX)
        sh.put(rr, 6, dn, font=st.NOTE)
        sh.row += 1
        return ref

    if any("base_year" in u for u in blk.used.values()):
        blk.shared["base_year"] = add("settings.base_year", "Base year (last year before the designation)",
                                      res.assumptions.settings.base_year, "year")
    any_used = set().union(*blk.used.values()) if blk.used else set()
    for p in blk.scenario.shocks.values():
        if p.name not in any_used and f"start:{p.name}" not in any_used:
            continue
        blk.shared[p.name] = add(p.qualname, p.label, blk.inputs[p.qualname].central, p.unit_label, str(p.timing))
        blk.shared[f"start:{p.name}"] = add(f"{p.qualname}.start", f"{p.label}: first year", p.start, "year",
                                            str(p.timing))
    for ch in blk.chans:
        blk.refs[ch] = {}
        for pn in res.assumptions.channels[ch].parameters:
            if pn in blk.used[ch]:
                inp = blk.inputs[f"{ch}.{pn}"]
                blk.refs[ch][pn] = add(inp.name, inp.label, inp.central, inp.unit)
        for k, v in res.model.fits[ch].constants.items():
            if k in blk.used[ch] and isinstance(v, (int, float)) and not isinstance(v, bool):
                unit = "year" if k.endswith("_year") else ("US$ bn" if k.endswith("_bn") else "")
                blk.refs[ch][k] = add(f"{ch}.{k}", f"data: {k.replace('_', ' ')}", v, unit)
    sh.row += 1


def _channel(sh: Sheet, res: AnalysisResult, blk: _Block, ch: str) -> list[str]:
    """One channel's formulas by year and their sum; returns the formula cells (years, then cumulative)."""
    fit = res.model.fits[ch]
    run = res.runs[blk.name]
    uses_baseline = "baseline" in blk.used[ch]
    sh.heading(f"{tb.channel_title(ch)}: central impact (US$ bn)")
    bl_head = (f"Baseline path, {fit.baseline.unit}" if uses_baseline
               else f"Baseline path, {fit.baseline.unit} (for reference; not used by the formula)")
    sh.header(sh.row, 1, ["Year", bl_head, *_RESULT_HEADERS])
    sh.row += 1
    first = sh.row
    cells = []
    for k, y in enumerate(res.model.years):
        rr = sh.row
        sh.put(rr, 1, y, fmt=st.INT)
        look = {"font": st.INPUT, "fill": st.INPUT_FILL, "border": st.BOX} if uses_baseline else {}
        sh.put(rr, 2, float(fit.baseline.central[k]), fmt=st.USD_BN4, **look)
        text = reg.get(ch).excel_formula({**blk.shared, **blk.refs[ch], "baseline": f"$B${rr}"}, f"$A${rr}",
                                         blk.timings)
        py = float(run.impacts.loc[y, ch])
        sh.formula(rr, 3, text, fmt=st.USD_BN4, value=py)
        sh.put(rr, 4, py, fmt=st.USD_BN4)
        sh.formula(rr, 5, _diff(rr), fmt=st.USD_BN4, value=0.0)
        blk.check(ch, y, "impact", rr, py)
        cells.append(f"C{rr}")
        sh.row += 1
    rr = sh.row
    sh.put(rr, 1, "Cumulative", font=st.BOLD, fill=st.TOTAL_FILL)
    sh.put(rr, 2, None, fill=st.TOTAL_FILL)
    py = float(run.cumulative[ch])
    sh.formula(rr, 3, f"=SUM(C{first}:C{rr - 1})", fmt=st.USD_BN4, value=py)
    sh.put(rr, 4, py, fmt=st.USD_BN4, font=st.BOLD, fill=st.TOTAL_FILL)
    sh.formula(rr, 5, _diff(rr), fmt=st.USD_BN4, value=0.0)
    blk.check(ch, "cumulative", "cumulative", rr, py)
    sh.row += 2
    return cells + [f"C{rr}"]


def _total(sh: Sheet, res: AnalysisResult, blk: _Block, cells: dict[str, list[str]]) -> None:
    run = res.runs[blk.name]
    sh.heading("All channels: total central impact (US$ bn)")
    sh.header(sh.row, 1, ["Year", "", "Total, formula (US$ bn)", *_RESULT_HEADERS[1:]])
    sh.row += 1
    for k, y in enumerate([*res.model.years, "cumulative"]):
        rr = sh.row
        cum = y == "cumulative"
        font, fill = (st.BOLD, st.TOTAL_FILL) if cum else (None, None)
        sh.put(rr, 1, "Cumulative" if cum else y, fmt=st.INT, font=font, fill=fill)
        py = float(run.cumulative["total"]) if cum else float(run.total.loc[y])
        sh.formula(rr, 3, "=" + "+".join(cells[ch][k] for ch in blk.chans), fmt=st.USD_BN4, value=py)
        sh.put(rr, 4, py, fmt=st.USD_BN4, font=font, fill=fill)
        sh.formula(rr, 5, _diff(rr), fmt=st.USD_BN4, value=0.0)
        blk.check("total", y, "total", rr, py)
        sh.row += 1
    sh.row += 2
