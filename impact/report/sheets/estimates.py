"""Estimates: every estimator's coefficients, intervals and diagnostics; data, prior and pooled values."""
from __future__ import annotations

from typing import TYPE_CHECKING


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
    sh.measure(1, 22)
    sh.finish()
