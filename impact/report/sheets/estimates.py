"""Estimates: every estimator's coefficients, intervals and diagnostics; data, prior and pooled values."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import UsageError
from .. import styles as st
from .. import tables as tb
from ..blocks import pooled_table
from ..book import Book, frame

if TYPE_CHECKING:  # pragma: no cover
    from ...api import AnalysisResult

TITLE = "Estimates"
DESCRIPTION = "every estimator: coefficients, standard errors, intervals, diagnostics"


def build(book: Book, res: AnalysisResult) -> None:
    sh = book.sheet(TITLE)
    sh.title("Estimates",
             "Every estimator: coefficients with standard errors and 95% confidence intervals, and diagnostics; data "
             "vs literature prior vs pooled for the coefficients the channels use. Coefficients are in the units of "
             "each model (log points per log point = elasticity).")
    for ch, fit in res.model.fits.items():
        sh.put(sh.row, 1, tb.channel_title(ch), font=st.TITLE, measure=False)
        sh.row += 2
        if fit.pooled:
            sh.heading("Coefficients used by the channel: data, prior and pooled")
            pooled_table(sh, fit)
        for m in [fit.main, *fit.models.values()]:
            sh.heading(m.name)
            sh.note(f"{m.method}. Dependent variable: {m.dependent}. Sample: {m.sample}. Observations: {m.nobs}"
                    + (f". R-squared: {m.rsquared:.3f}" if m.rsquared is not None else "") + ".")
            tidy = m.tidy()
            # t or z as statsmodels' default for the estimator (EstimateResult.use_t): said in the header
            stat = f"t statistic ({m.df_resid:g} df)" if m.use_t else "z statistic"
            view = frame({"Term": tidy["term"], "Estimate": tidy["estimate"], "Std. error": tidy["std_error"],
                          stat: tidy["statistic"], "p-value": tidy["p_value"],
                          "95% CI low": tidy["conf_low"], "95% CI high": tidy["conf_high"]})
            sh.table(view, {c: st.COEF for c in view.columns[1:]} | {"p-value": st.PVALUE}, blank_ok=True)
            d = m.diagnostics_frame()
            null_note = [f"{a}; {b}" if a and b else (a or b or "") for a, b in zip(d["null"], d["note"])]
            dv = frame({"Diagnostic test": d["test"], "Statistic": d["statistic"], "p-value": d["p_value"],
                        "Null hypothesis / note": null_note})
            sh.table(dv, {"Statistic": st.COEF, "p-value": st.PVALUE}, overflow=("Null hypothesis / note",),
                     blank_ok=True)
            for n in m.notes:
                sh.note(n)
            sh.row += 1
    _backtest_block(sh, res)
    sh.measure(1, 22)
    sh.finish()


def _backtest_block(sh: Any, res: AnalysisResult) -> None:
    """The stored rolling-origin backtest of the baselines (``tables.backtest_table``) and the imports
    band against six-year growth, with where the table came from."""
    stored = tb.backtest_table(res)
    meta = stored.attrs
    sh.put(sh.row, 1, "Baseline backtests (rolling origin, annual totals)", font=st.TITLE, measure=False)
    sh.row += 2
    sh.note("Each candidate refitted on data up to December of each origin year, forecasting the annual totals 1, 2 "
            "and 5 years ahead; scores on logs (RMSE and bias x 100 = about %, interval score and CRPS in log points "
            "x 100, lower is better); DM t: Diebold-Mariano against the current default (negative = more accurate). "
            "Rule: lowest mean interval score over horizons 1-2 among candidates whose 90% coverage there is 80-97%.")
    where = ("computed on this run's data and estimator options." if meta.get("current") else
             "NOT this run's data or estimator options: rerun tools/backtest.py or model.backtest(channel) for these.")
    sh.note(f"Stored table from tools/backtest.py at commit {meta.get('commit', '?')} (data and options fingerprint "
            f"{meta.get('fingerprint', '?')}); {where}")
    names = {"rmse": "RMSE %", "mape": "MAPE %", "coverage": "90% coverage %", "interval_score": "Interval score",
             "crps": "CRPS", "dm": "DM t"}
    for ch in dict.fromkeys(stored["channel"]):
        sh.heading(f"{tb.channel_title(ch)}: {meta.get(f'origins {ch}', '')}")
        f = stored[(stored["channel"] == ch) & stored["statistic"].isin(list(names))]
        wide = f.pivot_table(index=["candidate", "horizon"], columns="statistic", values="value", sort=False)
        wide = wide.reindex(columns=list(names)).reset_index()
        view = frame({"Candidate": wide["candidate"], "Years ahead": wide["horizon"],
                      **{label: wide[s] for s, label in names.items()}})
        sh.table(view, {label: st.COEF for label in names.values()}, blank_ok=True)
        sh.note(f"Selection: {meta.get(f'selection {ch}', '')}")
        sh.row += 1
    if "imports" in res.model.fits:
        try:
            sh.note("Imports band against historical growth: " + res.model.growth_check("imports").text())
        except UsageError as exc:  # a long horizon leaves too few windows of history
            sh.note(f"Imports band against historical growth: not computed ({exc})")
