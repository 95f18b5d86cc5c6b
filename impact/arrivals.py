"""Tourism in 2025: U.S. against Canadian air arrivals at Cancún and Los Cabos (difference in differences).

**Model.**  ln arrivals(a, n, t) = d1 US x post_designation(t) + d2 US x post_advisory(t) + m(a, t)
+ s(a, n, month of year) + e, for airport a (CUN, SJD), residence n (US, CA) and month t.  m(a, t)
absorbs what U.S. and Canadian travellers to an airport share in a month (hurricanes, airline
capacity, the peso's common movements); s(a, n, month) each market's level and seasonality.
post_designation: months from 2025-03 (the cartels were designated terrorist organisations on
2025-02-20); post_advisory: months from 2025-09 (new Mexico travel advisory on 2025-08-12).  The
sample starts at ``did_start`` (default 2022-11: Canada lifted its COVID border measures in October
2022, so earlier months compare unlike regimes).

**Main formulation: one monthly series.**  With two residences per airport-month, m(a, t) is
removed exactly by the U.S.-minus-Canada log gap g(a, t), leaving g(a, t) = d1 post_des + d2 post_adv
+ s(a, month) + e.  The treatment dates are the same at both airports, so with a balanced sample
the airports' mean gap carries the same point estimates as the full-panel dummy regression
(:func:`panel_fit`, checked in the tests); it is one monthly time series.

**Inference: regression with AR(1) errors** (statsmodels ``ARIMA(1, 0, 0)`` with the indicators and
calendar-month dummies as regressors, Gaussian maximum likelihood).  The gap is persistent, and the
designation term rests on six months (2025-03..2025-08; the advisory term takes the later ones):
on 50 simulated no-effect series with AR(1) noise, 90 % intervals covered zero in 58 % of them with
OLS errors, 40 % with Newey-West (6 lags) and 88 % with the AR(1) error model (tests/test_arrivals.py).
Clusters by series (4 of them) are meaningless.  Randomisation inference over placebo break months
on the pre-2025 sample is a diagnostic: it shows how large "effects" the gap produced before 2025.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import serial
from .channels.base import DataProblem, first_non_positive
from .results.estimates import Diagnostic, EstimateResult

SERIES = "mx_air_arrivals_us_canada_monthly"
#: first full months after the designation (2025-02-20) and after the new advisory (2025-08-12)
DESIGNATION, ADVISORY = pd.Period("2025-03", "M"), pd.Period("2025-09", "M")
#: last month a placebo break may use: the pre-2025 sample
PLACEBO_END = pd.Period("2024-12", "M")
TERMS = ("us_x_post_designation", "us_x_post_advisory")
DEFAULTS: dict[str, Any] = {"did_start": "2022-11"}
NAME = "Tourism 2025: U.S. vs Canadian air arrivals at Cancún and Los Cabos (difference in differences)"


def _opts(opts: Mapping[str, Any]) -> dict[str, Any]:
    return {**DEFAULTS, **opts}


def log_gaps(data: Mapping[str, pd.Series], opts: Mapping[str, Any]) -> pd.DataFrame:
    """ln U.S. - ln Canadian arrivals, one column per airport, months from ``did_start`` on where every
    airport has both residences (a balanced sample)."""
    s = data[SERIES]
    logs = np.log(s.astype(float)).unstack("residence")
    gap = (logs["US"] - logs["CA"]).unstack("airport").sort_index()
    gap = gap[gap.index >= pd.Period(_opts(opts)["did_start"], "M")]
    return gap.dropna()


def gap_frame(gaps: pd.DataFrame) -> pd.DataFrame:
    """The estimation frame the fit cache stores (RangeIndex, numbers only): year, month, the airports'
    mean gap and the two post indicators."""
    per = gaps.index
    return pd.DataFrame({
        "year": per.year.astype(float), "month": per.month.astype(float),
        "log_us_minus_ca": gaps.mean(axis=1).to_numpy(),
        TERMS[0]: (per >= DESIGNATION).astype(float), TERMS[1]: (per >= ADVISORY).astype(float),
    })


def _design(frame: pd.DataFrame, terms: tuple[str, ...]) -> tuple[pd.Series, pd.DataFrame]:
    """Dependent series and regressors (the post indicators, a constant and calendar-month dummies,
    January dropped: it is the constant), on a monthly PeriodIndex."""
    idx = pd.PeriodIndex.from_fields(year=frame["year"].astype(int), month=frame["month"].astype(int), freq="M")
    month = frame["month"].astype(int).to_numpy()
    X = pd.DataFrame({t: frame[t].to_numpy() for t in terms}, index=idx)
    X["const"] = 1.0
    for m in range(2, 13):
        X[f"month[{m}]"] = (month == m).astype(float)
    return pd.Series(frame["log_us_minus_ca"].to_numpy(), index=idx, name="log_us_minus_ca"), X


@serial.register_function
def fit_gap(frame: pd.DataFrame, terms: tuple[str, ...]) -> Any:
    """statsmodels ARIMA(1, 0, 0) of the mean log gap with ``terms`` and calendar-month dummies as
    regressors (a regression with AR(1) errors, z inference); rebuilds cached results.  The
    fit's ``params`` start with ``terms``."""
    import warnings

    from statsmodels.tsa.arima.model import ARIMA

    y, X = _design(frame, terms)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns about the PeriodIndex frequency it infers
        # the constant among the regressors (trend "n"): the coefficients of interest come first
        return ARIMA(y, exog=X, order=(1, 0, 0), trend="n").fit()


def _delta(frame: pd.DataFrame, terms: tuple[str, ...]) -> float:
    """Point estimate of the first term (least squares, no covariance)."""
    y, X = _design(frame, terms)
    coef, *_ = np.linalg.lstsq(X.to_numpy(), y.to_numpy(), rcond=None)
    return float(coef[0])


def placebo_deltas(frame: pd.DataFrame) -> pd.Series:
    """Designation coefficient with each month from start + 12 to 2024-12 as a fake break, on the
    months up to 2024-12 (no advisory term), indexed by the fake break month."""
    per = pd.PeriodIndex.from_fields(year=frame["year"].astype(int), month=frame["month"].astype(int), freq="M")
    pre = frame[per <= PLACEBO_END].reset_index(drop=True)
    ppre = per[per <= PLACEBO_END]
    out = {}
    for b in pd.period_range(per.min() + 12, PLACEBO_END, freq="M"):
        f = pre.assign(**{TERMS[0]: (ppre >= b).astype(float)})
        out[str(b)] = _delta(f, TERMS[:1])
    return pd.Series(out, dtype=float, name="placebo_delta")


def panel_fit(data: Mapping[str, pd.Series], opts: Mapping[str, Any]) -> Any:
    """The full-panel regression on explicit dummies (statsmodels OLS, classical errors: the point
    estimates only are meant; see the module docstring for inference), on the same balanced months.

    Dummy sets and the levels dropped:
    * airport x month m(a, t): every level but the first airport's first month (the constant);
    * airport x residence x calendar month s(a, n, m): the U.S. levels only; the 24 Canadian levels are
      dropped because for each airport and calendar month, US + CA dummies = the sum of that airport's
      month dummies for that calendar month (collinear with the first set).
    The rank is checked: a deficient design raises ValueError."""
    from statsmodels.regression.linear_model import OLS

    months = log_gaps(data, opts).index
    s = data[SERIES]
    df = s.index.to_frame(index=False)
    df["y"] = np.log(s.to_numpy(dtype=float))
    df = df[df["period"].isin(months)].sort_values(["airport", "residence", "period"]).reset_index(drop=True)
    us = (df["residence"] == "US").to_numpy(dtype=float)
    X = pd.DataFrame({TERMS[0]: us * (df["period"] >= DESIGNATION), TERMS[1]: us * (df["period"] >= ADVISORY),
                      "const": 1.0})
    am = df["airport"] + ":" + df["period"].astype(str)
    X = X.join(pd.get_dummies(am, dtype=float).iloc[:, 1:])
    anm = df["airport"] + ":US:" + df["period"].dt.month.map("{:02d}".format)
    X = X.join(pd.get_dummies(anm[us == 1], dtype=float).reindex(df.index, fill_value=0.0))
    rank = np.linalg.matrix_rank(X.to_numpy())
    if rank < X.shape[1]:
        raise ValueError(f"the panel design is rank deficient ({rank} < {X.shape[1]} columns)")
    return OLS(df["y"], X).fit()


def did_model(data: Mapping[str, pd.Series], opts: Mapping[str, Any]) -> EstimateResult:
    """The difference in differences of the module docstring: the mean U.S.-minus-Canada log gap with
    AR(1) errors, with the placebo-break randomisation share and the AR coefficient as diagnostics."""
    o = _opts(opts)
    gaps = log_gaps(data, o)
    frame = gap_frame(gaps)
    recipe = (fit_gap, (frame, TERMS))
    res = fit_gap(*recipe[1])
    terms = list(TERMS)
    d1 = float(res.params[TERMS[0]])
    pl = placebo_deltas(frame)
    if len(pl):
        share = float(np.mean(np.abs(pl.to_numpy()) >= abs(d1)))
        plac = Diagnostic("Placebo break months (randomisation inference)", d1, share,
                          "no designation effect beyond what fake breaks produce",
                          f"share of {len(pl)} fake designation months {pl.index[0]}..{pl.index[-1]} on the "
                          f"months up to {PLACEBO_END} with |delta| >= |{d1:.4f}|; placebo deltas range "
                          f"{pl.min():.4f} to {pl.max():.4f}")
    else:
        plac = Diagnostic("Placebo break months (randomisation inference)", None, None, "no designation effect",
                          f"the sample starts too late: no fake break from start + 12 to {PLACEBO_END}")
    ar = Diagnostic("AR(1) coefficient of the errors", float(res.params["ar.L1"]), float(res.pvalues["ar.L1"]),
                    "ar.L1 = 0", "persistence of the gap's deviations from month to month")
    per = gaps.index
    return EstimateResult(
        name=NAME,
        method=(f"The airports' mean U.S.-minus-Canada log gap on the indicators and calendar-month dummies (as the "
                f"panel with airport x month and airport x residence x calendar-month effects); AR(1) errors, "
                f"Gaussian maximum likelihood (statsmodels ARIMA(1,0,0) with regressors)"),
        dependent="ln U.S. - ln Canadian air arrivals (mean of " + ", ".join(gaps.columns) + ")",
        sample=f"{per.min()}..{per.max()} (monthly), {len(gaps.columns)} airports, {len(per)} months",
        params=res.params[terms], bse=res.bse[terms], cov_params_=res.cov_params().loc[terms, terms],
        nobs=int(res.nobs), df_resid=None, rsquared=None, diagnostics=(plac, ar), time_series=True,
        use_t=bool(res.use_t), _results=res, recipe=recipe,
        notes=(
            ("Coefficients are log points on U.S. relative to Canadian arrivals; 100*(exp(d)-1) is the % effect. "
             "The estimate is relative, not absolute: a fall common to both markets is not measured."),
            ("Canadian travel was diverted from the United States to Mexico in 2025 (boycott of U.S. travel after "
             "U.S. tariffs and annexation rhetoric): it raises the Canadian comparison group and biases delta "
             "toward a negative number."),
            ("Exchange rates: the airport-month effects absorb what moves both markets alike, but not CAD/MXN "
             "moving differently from USD/MXN (i.e. CAD/USD), which changes Mexico's relative price for Canadians."),
            ("Both airports are in Level-2 advisory states (Quintana Roo, Baja California Sur): the effect runs "
             "through national news, not a change in the destinations' own advisory level."),
            ("The designation term is identified from 2025-03..2025-08 alone (the advisory term takes the later "
             "months). The gap was already falling in 2023-24 (see the placebo breaks): read the estimate with "
             "that share. Data: SEGOB/UPM air arrivals of foreign tourists by residence (SECTUR DataTur)."),
        ),
    )


def did_effect_pct(result: EstimateResult) -> tuple[float, float, float]:
    """The designation coefficient as a % change in U.S. relative to Canadian arrivals, with its 90 %
    interval: 100*(exp(.)-1) of the estimate and of the interval's ends."""
    d = float(result.params[TERMS[0]])
    ci = result.conf_int(level=0.90).loc[TERMS[0]]
    est, lo, hi = (100.0 * float(np.expm1(v)) for v in (d, ci["lower"], ci["upper"]))
    return est, lo, hi


#: what each indicator measures, for tables
LABELS = {TERMS[0]: f"Designation (2025-02-20; months from {DESIGNATION})",
          TERMS[1]: f"New travel advisory (2025-08-12; months from {ADVISORY})"}


def did_table(result: EstimateResult, level: float = 0.90) -> pd.DataFrame:
    """One row per indicator: ``estimate`` (log points) with its ``p_value``, and the % effect on U.S.
    relative to Canadian arrivals, 100*(exp(.)-1), of the estimate and of the ``level`` interval's ends
    (``pct``, ``pct_low``, ``pct_high``)."""
    ci = result.conf_int(level=level)
    rows = []
    for t in TERMS:
        b = float(result.params[t])
        rows.append({"term": t, "label": LABELS[t], "estimate": b, "std_error": float(result.bse[t]),
                     "p_value": float(result.pvalues[t]), "pct": 100.0 * float(np.expm1(b)),
                     "pct_low": 100.0 * float(np.expm1(ci.loc[t, "lower"])),
                     "pct_high": 100.0 * float(np.expm1(ci.loc[t, "upper"]))})
    return pd.DataFrame(rows)


def check_arrivals(data: Mapping[str, pd.Series], opts: Mapping[str, Any]) -> list[DataProblem]:
    """What :func:`did_model` needs: both residences for each airport, positive counts, a valid
    ``did_start``, at least 12 balanced months before 2025-03 and 3 from it on."""
    o = _opts(opts)
    if SERIES not in data:
        return [DataProblem(SERIES, "the air arrivals series is missing", "add the file")]
    s = data[SERIES]
    probs = []
    if list(s.index.names) != ["airport", "residence", "period"]:
        return [DataProblem(SERIES, f"expected keys airport, residence, period (got {list(s.index.names)})",
                            "use the catalog's columns: period,airport,residence,value")]
    for a in sorted(s.index.get_level_values("airport").unique()):
        have = set(s.xs(a, level="airport").index.get_level_values("residence"))
        for n in ("US", "CA"):
            if n not in have:
                probs.append(DataProblem(SERIES, f"airport {a} has no rows for residence {n}: the difference in "
                                         "differences compares U.S. with Canadian arrivals at each airport",
                                         f"add the {n} rows for {a}"))
    probs += first_non_positive(s, SERIES, "air arrivals")
    try:
        start = pd.Period(str(o["did_start"]), "M")
    except (ValueError, TypeError):
        probs.append(DataProblem(SERIES, f"did_start must be a month YYYY-MM (got {o['did_start']!r})",
                                 "e.g. did_start: '2022-11'", option="did_start"))
        return probs
    if probs:
        return probs
    per = log_gaps(data, {**o, "did_start": str(start)}).index
    before, after = int((per < DESIGNATION).sum()), int((per >= DESIGNATION).sum())
    if before < 12 or after < 3:
        probs.append(DataProblem(SERIES, f"the sample from {start} has {before} months with all four series before "
                                 f"{DESIGNATION} and {after} from it on; at least 12 and 3 are needed",
                                 "start earlier (did_start) or extend the file",
                                 option="did_start" if before < 12 else None))
    return probs


__all__ = ["ADVISORY", "DESIGNATION", "SERIES", "TERMS", "check_arrivals", "did_effect_pct", "did_model", "did_table",
           "fit_gap",
           "gap_frame", "log_gaps", "panel_fit", "placebo_deltas"]
