"""Contract tests: what every channel, every sensitivity method and every distribution kind must do.

Parametrised over the channel registry and the distribution kinds, so a new channel or kind is
covered without editing this file.  Every expected number comes from an independent computation: a
statsmodels call written here, scipy's distributions, a closed form, a model run with the input
set in the assumptions, or (for the transmission equations) arithmetic written from the formula in
the channel's documentation.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import warnings
from typing import Any

import numpy as np
import pytest
from scipy import stats

from impact import channels
from impact import distributions as dist

from .timing_reference import excel_serial
from .timing_reference import profile as reference_profile

from .conftest import scipy_counterpart

CHANNELS = list(channels.registry())
SCENARIO = "military_incursion"  # the end of the longest extends chain: every shock is set
LEVELS = (0.5, 0.8, 0.9, 0.95, 0.99)


def _raw(est: Any) -> Any:
    return est.results


def _models(fit: Any) -> list[Any]:
    return [fit.main, *fit.models.values()]


def _random_rows(model: Any, scenario: str, n: int, seed: int) -> tuple[np.ndarray, list[Any]]:
    """n rows with every uncertain input drawn between its 5th and 95th percentiles."""
    inputs = model.inputs(scenario)
    rng = np.random.default_rng(seed)
    X = np.repeat(model.central_row(scenario)[None, :], n, axis=0)
    for j, inp in enumerate(inputs):
        if inp.uncertain:
            X[:, j] = inp.ppf(rng.uniform(0.05, 0.95, n))
    return X, inputs


# ----------------------------------------------------------------------------- estimators
def _direct_refit(raw: Any) -> Any:
    """The same estimator run again with a direct statsmodels call on the model's own data."""
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    m = raw.model
    name = type(m).__name__
    if name == "OLS":
        if raw.cov_type == "nonrobust":
            return OLS(m.endog, m.exog).fit()
        return OLS(m.endog, m.exog).fit(cov_type=raw.cov_type, cov_kwds=raw.cov_kwds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "ARIMA":
            exog = getattr(m, "_input_exog", m.data.orig_exog)  # the regressors given, without the trend column
            return ARIMA(m.data.orig_endog, exog=exog, order=m.order, trend=m.trend).fit()
        if name == "SARIMAX":  # estimated on the differenced series with the scale concentrated out (model.md)
            return SARIMAX(m.data.orig_endog, exog=m.data.orig_exog, order=m.order, seasonal_order=m.seasonal_order,
                           concentrate_scale=True, simple_differencing=True).fit(disp=False)
    raise AssertionError(f"no direct refit written for {name}: add one here")


@pytest.mark.parametrize("channel", CHANNELS)
def test_estimators_equal_a_direct_statsmodels_fit(model, channel):
    for est in _models(model.fits[channel]):
        direct = _direct_refit(_raw(est))
        k = len(direct.params)
        np.testing.assert_allclose(est.params.to_numpy()[:k], np.asarray(direct.params)[:len(est.params)],
                                   rtol=1e-6, atol=1e-8, err_msg=est.name)
        if type(_raw(est).model).__name__ == "OLS":  # state-space errors are recomputed by the integrated model
            # panel models report their regressors of interest (first), not the fixed-effect dummies
            np.testing.assert_allclose(est.bse.to_numpy(), np.asarray(direct.bse)[:len(est.bse)], rtol=1e-8,
                                       err_msg=est.name)
            assert est.nobs == int(direct.nobs)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("level", LEVELS)
def test_confidence_intervals_follow_their_level(model, channel, level):
    """params +- q(level) * bse with q from scipy: Student t with the residual degrees of freedom where
    the estimator's inference is t-based (statsmodels' ``use_t``), else normal."""
    for est in _models(model.fits[channel]):
        assert est.use_t == bool(_raw(est).use_t), est.name
        q = (stats.t.ppf(0.5 + level / 2, est.df_resid) if est.use_t else stats.norm.ppf(0.5 + level / 2))
        ci = est.conf_int(level=level)
        np.testing.assert_allclose(ci["lower"], est.params - q * est.bse, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ci["upper"], est.params + q * est.bse, rtol=1e-12, atol=1e-14)
        tidy = est.tidy(level)
        np.testing.assert_allclose(tidy["conf_low"], ci["lower"], rtol=0, atol=0)
        assert set(tidy["distribution"]) == {"t" if est.use_t else "z"}
    fit = model.fits[channel]
    np.testing.assert_allclose(fit.conf_int(level=level)["upper"], fit.main.conf_int(level=level)["upper"])


@pytest.mark.parametrize("channel", CHANNELS)
def test_tidy_covers_every_model_the_fit_holds(model, channel):
    fit = model.fits[channel]
    tidy = fit.tidy()
    want = {m.name: len(m.params) for m in _models(fit)}
    assert tidy.groupby("model").size().to_dict() == want
    for m in _models(fit):
        rows = tidy[tidy["model"] == m.name].set_index("term")
        np.testing.assert_array_equal(rows["estimate"].to_numpy(), m.params.to_numpy())


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_estimate_is_described_and_agrees_with_its_statsmodels_results(model, channel):
    """What the Estimates sheet and ``summary()`` print beside the coefficients: a name, the method,
    the dependent variable and the sample as text; the covariance matrix whose diagonal is the
    squared standard errors, labelled like the parameters; the number of observations; R-squared as
    statsmodels reports it for a regression with regressors (none for a mean or a state-space model)."""
    for est in _models(model.fits[channel]):
        raw = _raw(est)
        for field in ("name", "method", "dependent", "sample"):
            value = getattr(est, field)
            assert isinstance(value, str) and value.strip(), (est.name, field)
        cov = est.cov_params()
        assert list(cov.index) == list(cov.columns) == list(est.params.index), est.name
        np.testing.assert_allclose(np.sqrt(np.diag(cov.to_numpy())), est.bse.to_numpy(), rtol=1e-8, err_msg=est.name)
        assert est.nobs == int(raw.nobs), est.name
        regression = hasattr(raw, "rsquared") and raw.model.exog.shape[1] > 1
        if regression:
            assert est.rsquared == pytest.approx(float(raw.rsquared), rel=1e-12), est.name
        else:
            assert est.rsquared is None, est.name


# ----------------------------------------------------------------------------- effects
def _shock_columns(inputs: list[Any]) -> list[int]:
    return [j for j, inp in enumerate(inputs) if inp.name.startswith("shocks.")]


@pytest.mark.parametrize("channel", CHANNELS)
def test_zero_shocks_give_exactly_zero(model, channel):
    X, inputs = _random_rows(model, SCENARIO, 40, seed=1)
    X[:, _shock_columns(inputs)] = 0.0
    out = model.evaluate(SCENARIO, X, inputs=inputs)
    k = list(model.channels).index(channel)
    assert np.all(out.impact[:, k, :] == 0.0)


def _documented_components() -> dict[str, list[str]]:
    """The components table of docs/model.md ("Common structure"): channel -> component names."""
    from .conftest import ROOT

    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    table = text[text.index("| channel | components"):].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\w+) \| (.+?) \|$", table, re.M)[1:]  # [1:]: the header
    return {ch: [c.strip() for c in comps.split(";")] for ch, comps in rows}


@pytest.mark.parametrize("channel", CHANNELS)
def test_deterministic_components_add_up_to_the_impact_under_their_documented_names(model, channel):
    """What the channel sheets and components.csv show: in every scenario, the channel's components,
    named as docs/model.md lists them, summing to its impact; each at work in some scenario."""
    documented = _documented_components()
    assert channel in documented, f"docs/model.md's components table has no row for {channel}"
    at_work = dict.fromkeys(documented[channel], False)
    for scenario in model.assumptions.scenarios:
        run = model.run(scenario)
        comps = run.components[channel]
        assert list(comps.columns) == documented[channel], scenario
        np.testing.assert_allclose(comps.sum(axis=1).to_numpy(), run.impacts[channel].to_numpy(), rtol=1e-12,
                                   atol=1e-12, err_msg=scenario)
        for name in comps.columns:
            at_work[name] |= bool((comps[name] != 0).any())
    assert all(at_work.values()), f"components zero in every scenario: {[n for n, v in at_work.items() if not v]}"


def _monotone_cases():
    for name, ch in channels.registry().items():
        for shock in ch.monotone:
            yield name, shock


@pytest.mark.parametrize("channel,shock", list(_monotone_cases()))
def test_a_larger_shock_never_reduces_the_loss(model, channel, shock):
    """For any assumption values and the estimated coefficients at their central values (a positive
    tail draw of an elasticity whose estimate is negative would reverse the sign by construction)."""
    X, inputs = _random_rows(model, SCENARIO, 60, seed=2)
    for j, inp in enumerate(inputs):
        if inp.kind == "estimation":
            X[:, j] = inp.central
    j = [i.name for i in inputs].index(f"shocks.{shock}")
    bounds = model.resolve(SCENARIO).shocks[shock].bounds
    rng = np.random.default_rng(3)
    lo = rng.uniform(bounds[0], bounds[1], len(X))
    hi = np.minimum(lo + rng.uniform(0, bounds[1] - bounds[0], len(X)), bounds[1])
    k = list(model.channels).index(channel)
    X_lo, X_hi = X.copy(), X.copy()
    X_lo[:, j], X_hi[:, j] = lo, hi
    small = model.evaluate(SCENARIO, X_lo, inputs=inputs).impact[:, k, :]
    large = model.evaluate(SCENARIO, X_hi, inputs=inputs).impact[:, k, :]
    assert np.all(large <= small + 1e-12 * np.maximum(1.0, np.abs(small)))


@pytest.mark.parametrize("channel", CHANNELS)
def test_batch_equals_one_row_at_a_time(model, channel):
    X, inputs = _random_rows(model, SCENARIO, 25, seed=4)
    k = list(model.channels).index(channel)
    batch = model.evaluate(SCENARIO, X, inputs=inputs).impact[:, k, :]
    rows = np.stack([model.evaluate(SCENARIO, X[i], inputs=inputs).impact[0, k, :] for i in range(len(X))])
    np.testing.assert_allclose(batch, rows, rtol=1e-13, atol=0)


_EXCEL_FUNCTIONS = {
    "IF": lambda c, a, b: a if c else b, "MIN": min, "MAX": max, "EXP": math.exp, "LN": math.log,
    "YEAR": lambda serial: (dt.date(1899, 12, 30) + dt.timedelta(days=int(serial))).year,
    "MONTH": lambda serial: (dt.date(1899, 12, 30) + dt.timedelta(days=int(serial))).month,
    "DATE": lambda y, m, d: excel_serial(dt.date(int(y), int(m), int(d))),
}


def _excel_to_python(formula: str) -> str:
    """An Excel formula of the What-if sheet as a Python expression over scalars (^ -> **, = -> ==;
    functions from _EXCEL_FUNCTIONS, dates as Excel serial numbers)."""
    text = formula.lstrip("=").replace("^", "**")
    return re.sub(r'(?<![<>!=])=(?!=)', "==", text)


def _excel_eval(formula: str, env: dict[str, Any]) -> float:
    return float(eval(_excel_to_python(formula), {"__builtins__": {}}, {**_EXCEL_FUNCTIONS, **env}))  # noqa: S307


@pytest.mark.parametrize("channel", CHANNELS)
def test_passthrough_reads_only_declared_parameters_and_is_linear_in_the_change(model, channel):
    """Every channel's value-added coefficients: named measures only, computed from the channel's own
    declared parameters (anything else raises), one per draw; and each measure is the gross change
    times that coefficient, so doubling the change doubles the measure."""
    from impact import passthrough

    ch = channels.get(channel)
    assert set(ch.passthrough) <= set(passthrough.MEASURE_NAMES)
    assert ch.passthrough and ch.passthrough_note, "every channel says how it reaches value added"
    declared = {p.name for p in ch.spec.parameters}
    rng = np.random.default_rng(7)

    class Only(dict):
        def __missing__(self, key):
            raise AssertionError(f"{channel}: passthrough reads undeclared parameter {key!r}")

    params = Only({name: rng.uniform(0.1, 0.9, 5) for name in declared})
    coef = passthrough.coefficients(ch, params, 5)
    assert coef.shape == (len(passthrough.MEASURES), 5) and np.isfinite(coef).all()
    X, inputs = _random_rows(model, SCENARIO, 6, seed=3)
    k = CHANNELS.index(channel)
    one = model.evaluate(SCENARIO, X, inputs=inputs, components=True)
    per = one.by_channel[:, k]  # (draws, measures, years)
    cols = {i.name: X[:, j] for j, i in enumerate(inputs)}
    c = passthrough.coefficients(ch, {p: cols[f"{channel}.{p}"] for p in declared}, len(X))
    jobs = np.array([not m.money for m in passthrough.MEASURES])
    scale = np.where(jobs[:, None], model.prices.jobs, model.prices.money)
    np.testing.assert_allclose(per, c.T[:, :, None] * one.impact[:, k, None, :] * scale, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("timing_cells", [False, True], ids=["timing-written-in", "timing-from-a-cell"])
@pytest.mark.parametrize("channel", [c for c in CHANNELS if channels.get(c).excel_formula is not None])
def test_excel_formula_equals_the_effect_on_random_inputs(model, channel, timing_cells):
    """The What-if formula, evaluated with Excel's semantics (dates as serial numbers), equals the
    model's effect on random inputs; with ``timing_cells`` each shock's timing is read from a cell
    (the sheet's drop-down) instead of being written into the formula."""
    ch = channels.get(channel)
    sc = model.resolve(SCENARIO)
    fit = model.fits[channel]
    X, inputs = _random_rows(model, SCENARIO, 12, seed=5)
    names = [i.name for i in inputs]
    X[:, names.index(f"{channel}.baseline")] = 0.5  # the central baseline path, which the sheet shows
    k = list(model.channels).index(channel)
    impact = model.evaluate(SCENARIO, X, inputs=inputs).impact[:, k, :]
    timings = {p.name: (f"timing_{p.name}" if timing_cells else str(p.timing)) for p in sc.shocks.values()}
    refs = {"base_year": "base_year", "baseline": "baseline"}
    for p in sc.shocks.values():
        refs[p.name], refs[f"start:{p.name}"] = f"shock_{p.name}", f"start_{p.name}"
    for pn in model.assumptions.channels[channel].parameters:
        refs[pn] = f"param_{pn}"
    consts = {k_: v for k_, v in fit.constants.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    refs.update({c: f"const_{c}" for c in consts})
    formula = ch.excel_formula(refs, "year", timings)
    for i in range(len(X)):
        env: dict[str, Any] = {"base_year": model.assumptions.settings.base_year}
        env.update({f"shock_{p.name}": X[i, names.index(p.qualname)] for p in sc.shocks.values()})
        env.update({f"start_{p.name}": excel_serial(p.start) for p in sc.shocks.values()})
        env.update({f"timing_{p.name}": str(p.timing) for p in sc.shocks.values()})
        env.update({f"param_{pn}": X[i, names.index(f"{channel}.{pn}")]
                    for pn in model.assumptions.channels[channel].parameters})
        env.update({f"const_{c}": v for c, v in consts.items()})
        for t, year in enumerate(model.years):
            env.update(year=year, baseline=fit.baseline.central[t])
            assert _excel_eval(formula, env) == pytest.approx(impact[i, t], rel=1e-9, abs=1e-12), (channel, year)


# ----------------------------------------------------------------------------- hand-worked equations
def _row(model: Any, scenario: str, values: dict[str, float]) -> tuple[np.ndarray, list[Any]]:
    inputs = model.inputs(scenario)
    X = model.central_row(scenario).copy()
    for name, v in values.items():
        X[[i.name for i in inputs].index(name)] = v
    return X, inputs


def test_imports_equation_by_hand(model):
    """Impact(t) = B(t) ((1 + tau)^(-eps) (1 - closure)(1 - exposed) - 1), channels/imports.py."""
    v = {"imports.trade_elasticity": 4.0, "imports.time_cost_per_day": 1.2, "imports.exposed_share": 2.0,
         "imports.closure_made_up": 40.0, "imports.half_life": 0.8, "shocks.compliance_cost": 0.1,
         "imports.trade_finance_pass_through": 0.01, "shocks.correspondent_derisking": 20.0, "shocks.border_delay_hours": 3.0, "shocks.conflict_tariff": 5.0,
         "shocks.border_closure_days": 6.0, "shocks.inspection_suspension_days": 10.0, "imports.baseline": 0.5}
    X, inputs = _row(model, SCENARIO, v)
    got = model.evaluate(SCENARIO, X, inputs=inputs).impact[0, list(model.channels).index("imports"), :]
    sc = model.resolve(SCENARIO)
    B = model.fits["imports"].baseline.central
    for t, year in enumerate(model.years):
        def part(name: str) -> float:
            p = sc.shocks[name]
            return v[f"shocks.{name}"] * reference_profile(year, p.start, str(p.timing), 0.8, grid="month")
        friction = 0.01 * part("correspondent_derisking")  # pass-through x the shared de-risking shock
        tau = (part("compliance_cost") + friction + part("conflict_tariff")) / 100 \
            + part("border_delay_hours") / 24 * 1.2 / 100
        closure = part("border_closure_days") / 365 * (1 - 40.0 / 100)
        exposed = 2.0 / 100 * part("inspection_suspension_days") / 365
        want = B[t] * ((1 + tau) ** -4.0 * (1 - closure) * (1 - exposed) - 1)
        assert got[t] == pytest.approx(want, rel=1e-12), year


#: one business-cost row: every input at a value written here (US$ bn, %, cases a year, US$ m, bp, years)
BUSINESS_ROW = {"business_costs.operating_cost_base": 300.0, "business_costs.operating_cost_growth": 4.0,
                "business_costs.export_share": 40.0, "business_costs.security_share": 5.0,
                "business_costs.penalty_per_case": 200.0, "business_costs.civil_damages": 30.0,
                "business_costs.half_life": 1.5, "business_costs.derisking_premium": 2.0,
                "shocks.compliance_uplift": 0.5, "shocks.security_increase": 10.0,
                "shocks.corporate_prosecutions": 0.5, "shocks.lost_civil_suits": 0.2,
                "shocks.financing_premium": 30.0, "shocks.correspondent_derisking": 10.0}


def _assert_business_costs_by_hand(model: Any, position_bn: float, position_year: int) -> None:
    """Cost(t) = base(t) ((1 - export share) uplift + security share x increase) + prosecutions x penalty
    per case + lost suits x damages + (premium + pass-through x de-risking) x position(t), with
    position(t) = P x (1 + g)^(t - position year); the impact is minus the cost
    (channels/business_costs.py), each shock at its timing with the long-way reference."""
    v = BUSINESS_ROW
    X, inputs = _row(model, SCENARIO, v)
    got = model.evaluate(SCENARIO, X, inputs=inputs).impact[0, list(model.channels).index("business_costs"), :]
    sc = model.resolve(SCENARIO)
    base_year = model.assumptions.settings.base_year
    for t, year in enumerate(model.years):
        def part(name: str) -> float:
            p = sc.shocks[name]
            return v[f"shocks.{name}"] * reference_profile(year, p.start, str(p.timing), 1.5)
        base = 300.0 * 1.04 ** (year - base_year)
        cost = (base * 0.60 * part("compliance_uplift") / 100
                + base * 0.05 * part("security_increase") / 100
                + part("corporate_prosecutions") * 200.0e6 / 1e9
                + part("lost_civil_suits") * 30.0e6 / 1e9
                + position_bn * 1.04 ** (year - position_year)
                * (part("financing_premium") + 2.0 * part("correspondent_derisking")) / 1e4)
        assert got[t] == pytest.approx(-cost, rel=1e-12), year


def test_business_costs_equation_by_hand(model):
    """At the scenario's own timings and the fitted BEA position (the base year's)."""
    c = model.fits["business_costs"].constants
    _assert_business_costs_by_hand(model, c["di_position_bn"], c["di_year"])


def test_business_costs_by_hand_with_decaying_shocks_and_an_older_investment_position(adir, cache_dir):
    """What the default run cannot show: the half-life (every default business-cost shock is
    persistent) and the growth of an investment position older than the base year (BEA's latest is
    the base year's).  With every business-cost shock set to decay and the position file ending in
    2017 (109,600 US$ m), each year by hand: position(t) = 109.6 x (1 + g)^(t - 2017)."""
    import impact

    from .conftest import edit

    (adir / "di.csv").write_text("period,value\n2017,109600.0\n", encoding="utf-8")
    edit(adir, "settings.yaml", "data: {}", "data:\n  us_di_position_mexico: di.csv")
    shocks = [k.split(".")[1] for k in BUSINESS_ROW if k.startswith("shocks.")]
    a = impact.load_assumptions(adir).override(
        {f"scenarios.{SCENARIO}.shocks.{name}.timing": "decay" for name in shocks})
    m = impact.fit(a, cache_dir=cache_dir)
    assert all(str(m.resolve(SCENARIO).shocks[name].timing) == "decay" for name in shocks)
    c = m.fits["business_costs"].constants
    assert (c["di_year"], c["di_position_bn"]) == (2017, 109.6)
    _assert_business_costs_by_hand(m, 109.6, 2017)


def test_investment_equation_by_hand(model):
    """Impact(t) = inflow(t) (exp(beta ln(1 + r) profile(t)) - 1): with beta -1 and insecurity +100 %
    the year's inflow falls by 1 - 2^-profile (channels/investment.py)."""
    v = {"investment.elasticity": -1.0, "investment.inflow_growth": 3.0, "investment.half_life": 2.0,
         "shocks.insecurity": 100.0}
    X, inputs = _row(model, SCENARIO, v)
    got = model.evaluate(SCENARIO, X, inputs=inputs).impact[0, list(model.channels).index("investment"), :]
    c = model.fits["investment"].constants
    p = model.resolve(SCENARIO).shocks["insecurity"]
    for t, year in enumerate(model.years):
        inflow = c["fdi_us_bn"] * 1.03 ** (year - c["fdi_year"])
        want = inflow * (2.0 ** -reference_profile(year, p.start, str(p.timing), 2.0) - 1)
        assert got[t] == pytest.approx(want, rel=1e-12), year


def test_official_finance_equation_by_hand(model):
    """Impact = -(mean U.S. aid x suspension + (mean World Bank + IDB) x blocked share), US$ bn; the means
    are those of the bundled CSV files, computed here with pandas."""
    import pandas as pd

    from impact import data

    aid = data.load("us_aid_obligations_mexico").loc[:model.assumptions.settings.base_year].mean()
    wb = data.load("wb_commitments_mexico").loc[:model.assumptions.settings.base_year].mean()
    assert isinstance(aid, float) and not pd.isna(wb)
    v = {"official_finance.idb_lending": 2500.0, "shocks.aid_suspension": 60.0, "shocks.mdb_lending_blocked": 20.0}
    X, inputs = _row(model, SCENARIO, v)
    got = model.evaluate(SCENARIO, X, inputs=inputs).impact[0, list(model.channels).index("official_finance"), :]
    sc = model.resolve(SCENARIO)
    for t, year in enumerate(model.years):
        def part(name: str) -> float:
            p = sc.shocks[name]
            return v[f"shocks.{name}"] * reference_profile(year, p.start, str(p.timing), 1.0)
        want = -(aid * part("aid_suspension") / 100 + (wb + 2500.0) * part("mdb_lending_blocked") / 100) / 1000
        assert got[t] == pytest.approx(want, rel=1e-12), year


def test_official_finance_components_by_hand_with_decaying_shocks(assumptions, cache_dir):
    """Official finance has no half-life parameter: a decaying shock decays with a half-life of one
    year (its Excel formula writes 1).  With both shocks set to decay in the certification scenario,
    the deterministic run's two components are the aid withheld and the lending blocked, each by hand
    with the long-way timing reference, and they add up to the channel's impact; the baseline is the
    sum of the three flows."""
    import pandas as pd

    import impact
    from impact import data

    a = assumptions.override({"scenarios.certification.shocks.aid_suspension.timing": "decay",
                              "scenarios.certification.shocks.mdb_lending_blocked.timing": "decay"})
    m = impact.fit(a, cache_dir=cache_dir)
    base_year = a.settings.base_year
    aid = data.load("us_aid_obligations_mexico").loc[:base_year].mean()
    wb = data.load("wb_commitments_mexico").loc[:base_year].mean()
    sc = m.resolve("certification")
    idb = sc.parameters["official_finance.idb_lending"].value
    run = m.run("certification")
    comps = run.components["official_finance"]
    assert sorted(comps.columns) == ["U.S. assistance withheld", "multilateral lending blocked"]
    for year in m.years:
        def part(name: str) -> float:
            p = sc.shocks[name]
            assert str(p.timing) == "decay"
            return p.value * reference_profile(year, p.start, "decay", 1.0)
        want_aid = -aid * part("aid_suspension") / 100 / 1000
        want_mdb = -(wb + idb) * part("mdb_lending_blocked") / 100 / 1000
        assert comps.loc[year, "U.S. assistance withheld"] == pytest.approx(want_aid, rel=1e-12), year
        assert comps.loc[year, "multilateral lending blocked"] == pytest.approx(want_mdb, rel=1e-12), year
        assert run.impacts.loc[year, "official_finance"] == pytest.approx(want_aid + want_mdb, rel=1e-12), year
        assert run.baseline.loc[year, "official_finance"] == pytest.approx((aid + wb + idb) / 1000, rel=1e-12), year
    assert not pd.isna(wb) and want_aid < 0 and want_mdb < 0


# ----------------------------------------------------------------------------- sensitivity methods
def test_two_way_grid_runs_from_p5_to_p95_with_the_central_value_in_the_middle(model):
    tw = model.assumptions.analysis.two_way[0]
    t = model.sensitivity("designation", method="two_way", x=tw.x, y=tw.y, points=7, target=tw.target)
    inputs = {i.name: i for i in model.inputs("designation")}
    for axis, name in ((t.table.columns, tw.x), (t.table.index, tw.y)):
        inp = inputs[name]
        lo, hi = scipy_counterpart(inp.distribution).ppf([0.05, 0.95])
        assert axis[0] == pytest.approx(min(lo, inp.central), rel=1e-9)
        assert axis[-1] == pytest.approx(max(hi, inp.central), rel=1e-9)
        assert axis[3] == inp.central
    assert t.central == pytest.approx(model.run("designation").cumulative[tw.target], rel=1e-12)


def test_tornado_ends_are_the_quantiles_and_a_year_target_is_that_year(model, assumptions):
    """Each low/high equals a model run with that one input set to its value in the assumption files."""
    year = model.years[1]
    t = model.sensitivity("designation", method="tornado", target="total", year=year)
    an = model.assumptions.analysis
    row = t.table.set_index("input").loc["shocks.insecurity"]
    d = assumptions.scenario("designation").shocks["insecurity"].distribution
    lo_v, hi_v = scipy_counterpart(d).ppf([an.tornado_low_q, an.tornado_high_q])
    assert (row["low_value"], row["high_value"]) == pytest.approx((lo_v, hi_v), rel=1e-9)
    for value, want_col in ((lo_v, "low"), (hi_v, "high")):
        b = assumptions.override({"scenarios.designation.shocks.insecurity.value": float(value),
                                  "scenarios.designation.shocks.insecurity.distribution": None})
        from impact import fit

        run = fit(b, cache_dir=None).run("designation")
        assert row[want_col] == pytest.approx(run.impacts.loc[year].sum(), rel=1e-9)
    assert t.central == pytest.approx(model.run("designation").impacts.loc[year].sum(), rel=1e-12)
    assert t.year == year and t.label == f"total ({year})"


@pytest.mark.parametrize("target", [*CHANNELS, "total"])
def test_sobol_central_is_the_deterministic_run(model, target):
    s = model.sensitivity("designation", method="sobol", target=target, base_samples=512, seed=11)
    assert s.central == pytest.approx(model.run("designation").cumulative[target], rel=1e-12)


# ----------------------------------------------------------------------------- distribution kinds
YAML_KINDS = {
    "uniform": {"kind": "uniform", "low": 10.0, "high": 70.0},
    "triangular": {"kind": "triangular", "low": 5.0, "mode": 20.0, "high": 80.0},
    "pert": {"kind": "pert", "low": 5.0, "mode": 60.0, "high": 90.0, "lamb": 3.0},
    "normal": {"kind": "normal", "mean": 50.0, "sd": 8.0},
    "truncnormal": {"kind": "truncnormal", "mean": 30.0, "sd": 25.0, "low": 0.0, "high": 90.0},
    "lognormal": {"kind": "lognormal", "median": 30.0, "sigma": 0.3},
    "fixed": {"kind": "fixed", "value": 42.0},
}


def test_every_kind_has_a_yaml_case():
    assert set(YAML_KINDS) == set(dist.KINDS)


@pytest.mark.parametrize("kind", list(YAML_KINDS))
def test_every_distribution_kind_written_in_yaml_samples_likescipy_counterpart(assumptions, kind):
    spec = YAML_KINDS[kind]
    central = {"normal": 50.0, "lognormal": 30.0, "fixed": 42.0}.get(kind, 40.0)
    a = assumptions.override({"imports.closure_made_up.value": central,
                              "imports.closure_made_up.distribution": dict(spec)})
    d = a.scenario("baseline").parameters["imports.closure_made_up"].distribution
    assert d.kind == kind
    u = np.linspace(0.01, 0.99, 99)
    if kind == "fixed":
        assert np.all(d.ppf(u) == 42.0) and d.mean() == 42.0 and d.var() == 0.0
        return
    ref = scipy_counterpart(d)
    np.testing.assert_allclose(d.ppf(u), ref.ppf(u), rtol=1e-8, atol=1e-9)
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-9)
    assert d.var() == pytest.approx(ref.var(), rel=1e-8)
    draws = d.ppf(np.random.default_rng(0).uniform(size=20_000))
    assert stats.kstest(draws, ref.cdf).pvalue > 1e-4  # the sampler, not only the quantile function
