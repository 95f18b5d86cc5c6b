"""Investment identified across states: a state-quarter panel of foreign direct investment.

The data side of the investment channel (:mod:`impact.channels.investment`), estimated on the
states' variation rather than the national series.

**Equation** (:func:`fdi_panel_model`).  ln F(s, q) = beta ln H(s) + a(s) + m(q) + e, where
F(s, q) is the FDI received by state s over the ``fdi_window`` quarters ending in q (USD millions,
nominal; window 1 is the quarter itself), H the mean monthly homicide rate per 100,000 of the state
over the 12 months before that window begins (so no month of violence overlaps the investment it
is meant to explain), a(s) state effects and m(q) quarter effects (exchange rate, U.S. demand,
national policy, and the common price level: nominal dollars are fine with them).  beta is an
elasticity (percent per percent).

**Lumpy and negative quarters.**  FDI is lumpy: a single acquisition or plant can make one quarter
ten times the next, noise unrelated to violence that a window sum averages out; ``fdi_window`` = 4 is
a rolling annual flow.  Sums that are negative or zero (disinvestment, intercompany loan repayments:
29 of 1,152 with the defaults) have no logarithm and are left out, counted in the diagnostics.  The
inverse hyperbolic sine, which would keep them, is not used for the estimate: its coefficient
depends on the unit (USD millions or thousands give different answers) and the few negative sums,
mapped to about -ln(2|x|), dominate it; it is shown as a diagnostic.

**Sample.**  The first quarter whose homicide window lies inside the SESNSP file (2015-01 on) to the
base year's fourth quarter; all 32 states.  Errors clustered by state (32 clusters, CR1 with t on
G-1 df); the 90 % interval is the wild cluster restricted bootstrap's (:mod:`impact.panel`);
Driscoll-Kraay errors (4 lags) are a cross-check against correlation across states within a quarter
(and, with window sums, overlapping windows).

**Identification.**  Within-state changes in violence, relative to other states in the same quarter,
are unrelated to other drivers of that state's FDI.  What the data cannot tell apart: (i) Secretaría
de Economía assigns FDI to the state of the investor's head office in Mexico, so a plant built in
Guanajuato by a firm registered in Mexico City counts for Mexico City; much investment sits in
Mexico City and Nuevo León whatever happens where the plants are, which biases beta towards zero;
(ii) reverse causality: investment and the economic activity it brings can change violence
(extortion targets, contested labour markets), and a lagged rate only partly guards against it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import panel
from .channels.base import DataProblem
from .destinations import state_rate
from .results.estimates import Diagnostic, EstimateResult

FDI = ("mx_fdi_state_quarterly", "mx_homicide_victims_state_monthly", "mx_population_state")
#: first quarter of the sample: homicide months start in 2015-01 and a full year is needed
START = pd.Period("2016Q1", "Q")
#: months of homicide history before each quarter
HOMICIDE_MONTHS = 12
DK_LAGS = 4
X = ("log_homicide_rate",)
EFFECTS, CLUSTER, DEP = ("state_id", "time_id"), "state_id", "log_fdi"


def _window_sum(s: pd.Series, window: int) -> pd.Series:
    """Sum of ``s`` over the ``window`` quarters ending in each quarter, per state (by period
    arithmetic, so a missing quarter leaves the windows that need it missing, not shifted)."""
    st, per = s.index.get_level_values("state"), s.index.get_level_values("period")
    total = pd.Series(0.0, index=s.index)
    for k in range(window):
        total += s.reindex(pd.MultiIndex.from_arrays([st, per - k], names=s.index.names)).to_numpy()
    return total


def _lagged_rate(rate: pd.Series, quarters: pd.MultiIndex, window: int) -> np.ndarray:
    """Mean monthly homicide rate of the state over the 12 months before the ``window`` quarters that
    end in each (state, quarter) begin; NaN when a month is missing."""
    st = quarters.get_level_values("state")
    first = (quarters.get_level_values("period") - (window - 1)).asfreq("M", how="start")
    total = np.zeros(len(quarters))
    for k in range(1, HOMICIDE_MONTHS + 1):
        total += rate.reindex(pd.MultiIndex.from_arrays([st, first - k], names=rate.index.names)).to_numpy()
    return total / HOMICIDE_MONTHS


def fdi_frame(data: Mapping[str, pd.Series], window: int) -> pd.DataFrame:
    """One row per state-quarter with FDI: fdi (the quarter), fdi_sum (over the ``window`` quarters
    ending in it), log_fdi (NaN where the sum is not positive), asinh_fdi, hom_rate (mean monthly rate
    over the 12 months before the window) and log_homicide_rate; rows without a full FDI window or a
    homicide rate are dropped."""
    fdi = data["mx_fdi_state_quarterly"].sort_index()
    df = fdi.index.to_frame(index=False)
    df["fdi"] = fdi.to_numpy()
    df["fdi_sum"] = _window_sum(fdi, window).to_numpy()
    df["log_fdi"] = np.log(df["fdi_sum"].where(df["fdi_sum"] > 0))
    df["asinh_fdi"] = np.arcsinh(df["fdi_sum"])
    df["hom_rate"] = _lagged_rate(state_rate(data), fdi.index, window)
    df = df[df["fdi_sum"].notna() & (df["hom_rate"] > 0)].copy()
    df["log_homicide_rate"] = np.log(df["hom_rate"])
    return df.reset_index(drop=True)


def _sample(data: Mapping[str, pd.Series], window: int, base_year: int) -> pd.DataFrame:
    df = panel.by_content(fdi_frame, data, FDI, window)
    per = df["period"]
    return df[(per >= START) & (per.dt.year <= base_year)].reset_index(drop=True)


def _codes(df: pd.DataFrame, dep: str = DEP) -> pd.DataFrame:
    """The estimation frame the fit cache stores: RangeIndex, numbers only."""
    out = df[[dep, "log_homicide_rate"]].astype(float)
    out["state_id"] = pd.factorize(df["state"], sort=True)[0]
    out["time_id"] = pd.factorize(df["period"], sort=True)[0]
    return out.reset_index(drop=True)


def fdi_panel_model(data: Mapping[str, pd.Series], opts: Mapping[str, Any],
                    base_year: int) -> tuple[EstimateResult, panel.WildBootstrap]:
    """The state-quarter FDI panel (module docstring) and its wild cluster bootstrap."""
    window = int(opts["fdi_window"])
    full = _sample(data, window, base_year)
    df = full[full["log_fdi"].notna()].reset_index(drop=True)
    frame = _codes(df)
    res = panel.fit_fe(frame, DEP, X, EFFECTS, CLUSTER)
    y, Xd = panel.design(frame, DEP, X, EFFECTS)
    wb = panel.wild_cluster_bootstrap(y.to_numpy(), Xd.to_numpy(), 0, frame[CLUSTER].to_numpy(),
                                      term="log_homicide_rate", reps=opts["bootstrap_reps"], level=0.90,
                                      seed=opts["bootstrap_seed"])
    dk = panel.driscoll_kraay(frame, DEP, X, EFFECTS, "time_id", DK_LAGS)
    neg, zero = int((full["fdi_sum"] < 0).sum()), int((full["fdi_sum"] == 0).sum())
    neg_q = int((full["fdi"] < 0).sum())
    afr = _codes(full, "asinh_fdi")
    asinh = panel.fit_fe(afr, "asinh_fdi", X, EFFECTS, CLUSTER)
    diags = (
        wb.as_diagnostic(),
        Diagnostic(f"Driscoll-Kraay ({DK_LAGS} lags)", float(dk.bse["log_homicide_rate"]),
                   float(dk.pvalues["log_homicide_rate"]), "log_homicide_rate = 0",
                   "standard error robust to correlation across states within a quarter (cross-check)"),
        Diagnostic("Negative or zero FDI sums left out", float(neg + zero), None, "count, not a test",
                   f"{neg} negative and {zero} zero {window}-quarter sums of {len(full)} (no logarithm); "
                   f"{neg_q} single quarters negative"),
        Diagnostic("asinh of FDI, negative sums kept (USD m; unit-dependent)",
                   float(asinh.params["log_homicide_rate"]), float(asinh.pvalues["log_homicide_rate"]),
                   "log_homicide_rate = 0", f"CR1 se {float(asinh.bse['log_homicide_rate']):.4f}; the few "
                   "negative sums dominate it, and it changes with the unit: not an elasticity"),
    )
    per = df["period"]
    sample = f"{per.min()}..{per.max()} (quarterly), {df['state'].nunique()} states"
    notes = (
        "FDI: Secretaría de Economía (DGIE), received by state, all origins, USD millions nominal.",
        ("FDI is assigned to the state of the investor's head office in Mexico: much of it sits in Mexico City "
         "and Nuevo León whatever happens where the plants are (biases the estimate towards zero)."),
        (f"Dependent: log of FDI summed over the {window} quarters ending in the quarter (single large deals "
         "make quarters lumpy); sums that are not positive are left out and counted below."),
        (f"Homicide rate: SESNSP victims / CONAPO population, mean of the {HOMICIDE_MONTHS} months before the "
         f"{window}-quarter FDI window begins."),
        ("Published studies disagree: Garriga & Phillips (2023) find no association of FDI with homicide rates; "
         "Cabral, Mollick & Saucedo (2019) find negative effects. A near-zero estimate with a tight interval "
         "is a finding, not a failure."),
        "The 90 % interval used for pooling is the wild cluster bootstrap's, not the CR1 t interval.",
    )
    terms = list(X)
    result = EstimateResult(
        name="Investment panel: state FDI on state homicide rate",
        method=("OLS with state and quarter fixed effects (dummies); CR1 errors clustered by state "
                f"(t on G-1 = {wb.clusters - 1} df); wild cluster restricted bootstrap interval"),
        dependent=DEP, sample=sample,
        params=res.params[terms], bse=res.bse[terms], cov_params_=res.cov_params().loc[terms, terms],
        nobs=int(res.nobs), df_resid=float(res.df_resid_inference), rsquared=float(res.rsquared),
        diagnostics=diags, notes=notes, use_t=True, _results=res,
        recipe=(panel.fit_fe, (frame, DEP, X, EFFECTS, CLUSTER)),
    )
    return result, wb


def check_fdi_panel(data: Mapping[str, pd.Series], opts: Mapping[str, Any], base_year: int) -> list[DataProblem]:
    """What the panel needs: a valid window, population for every state-year with victims, and at
    least 8 states and 40 state-quarters with a homicide rate up to the base year."""
    probs = []
    window = opts["fdi_window"]
    if not isinstance(window, (int, np.integer)) or window < 1:
        return [DataProblem(FDI[0], f"fdi_window must be a whole number of quarters >= 1 (got {window!r})",
                            "set fdi_window to 1..8", option="fdi_window")]
    vic, pop = data["mx_homicide_victims_state_monthly"], data["mx_population_state"]
    need = pd.MultiIndex.from_arrays([vic.index.get_level_values("state"), vic.index.get_level_values("period").year])
    lack = need.difference(pop.index)
    if len(lack):
        probs.append(DataProblem("mx_population_state", f"population is missing for state {lack[0][0]} in "
                                 f"{lack[0][1]}, a year with homicide victims", "add the row"))
    if (pop <= 0).any():
        probs.append(DataProblem("mx_population_state", "population must be positive", "correct the row",
                                 period=pop.index[int(np.argmax((pop <= 0).to_numpy()))]))
    if probs:
        return probs
    df = _sample(data, int(window), base_year)
    if df["state"].nunique() < 8 or len(df) < 40:
        probs.append(DataProblem(FDI, f"the investment panel needs at least 8 states and 40 state-quarters with "
                                 f"a homicide rate from {START} up to {base_year}; the data give "
                                 f"{df['state'].nunique()} and {len(df)}", "extend the FDI or homicide files"))
    return probs


__all__ = ["FDI", "check_fdi_panel", "fdi_frame", "fdi_panel_model"]
