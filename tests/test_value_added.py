"""The value-added layer (impact.passthrough): every number recomputed here from the documented
equations (docs/model.md, "Value added and jobs") and the bundled CSV files read directly, never
from the code's own output."""
from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import impact
from impact.errors import UsageError

from .conftest import RTOL_EXACT

DATA = Path(impact.__file__).parent / "data"
BASE = 2024
PASS_THROUGH = ("mx_va_share", "us_va_share", "us_owner_share", "mx_gdp_multiplier", "mx_jobs", "us_jobs")
MONEY, JOBS = [0, 1], [2, 3]  # measures: mx_gdp, us_va, mx_jobs, us_jobs


def _csv(name: str) -> dict[int, float]:
    with open(DATA / f"{name}.csv", newline="") as fh:
        return {int(r["period"]): float(r["value"]) for r in csv.DictReader(fh)}


def _deflator(year: int, inflation: float = 2.0) -> float:
    """The U.S. GDP deflator as documented: the bundled value, then `inflation` % a year."""
    d = _csv("us_gdp_deflator")
    last = max(d)
    return d[year] if year in d else d[last] * (1 + inflation / 100) ** (year - last)


def _mx_gdp(year: int) -> float:
    """Mexico GDP, US$ bn: bundled, then grown at the mean log growth of the last ten years."""
    g = _csv("mx_gdp_usd")
    last = max(g)
    growth = math.exp((math.log(g[last]) - math.log(g[last - 10])) / 10) - 1
    return (g[year] if year in g else g[last] * (1 + growth) ** (year - last)) / 1000


def _draw(model: impact.Model, scenario: str, seed: int = 5):
    X, factors = model.sample(scenario, 3, seed)
    inputs = model.inputs(scenario)
    return X, factors, inputs, {i.name: X[:, j] for j, i in enumerate(inputs)}


def test_each_measure_is_the_gross_change_times_its_coefficient_by_hand(model):
    """One Monte Carlo draw per scenario: the four measures from the equations of docs/model.md."""
    years = model.years
    jobs_price = np.array([_deflator(2024) / _deflator(y) for y in years])
    chans = list(model.channels)
    for scenario in ("designation", "financial_blocking", "certification", "military_incursion"):
        X, factors, inputs, p = _draw(model, scenario)
        out = model.evaluate(scenario, X, factors, inputs=inputs)
        imp = {c: out.impact[:, k, :] for k, c in enumerate(chans)}
        mx_share = np.minimum(p["imports.mx_va_share"], 1 - p["imports.us_va_share"])[:, None]
        hh = ((1 - p["remittances.informal_share"] / 100) * p["remittances.mx_gdp_multiplier"])[:, None]
        mx_gdp = (imp["tourism"] * p["tourism.mx_va_share"][:, None] + imp["imports"] * mx_share
                  + imp["investment"] * p["investment.mx_va_share"][:, None]
                  + imp["official_finance"] * p["official_finance.mx_gdp_multiplier"][:, None] + imp["remittances"] * hh)
        us_va = (imp["imports"] * p["imports.us_va_share"][:, None]
                 + imp["business_costs"] * p["business_costs.us_owner_share"][:, None])
        mx_jobs = (imp["tourism"] * p["tourism.mx_jobs"][:, None]
                   + imp["imports"] * mx_share * p["imports.mx_jobs"][:, None]
                   + imp["investment"] * (p["investment.mx_va_share"] * p["investment.mx_jobs"])[:, None]
                   + imp["official_finance"] * (p["official_finance.mx_gdp_multiplier"]
                                                * p["official_finance.mx_jobs"])[:, None]
                   + imp["remittances"] * hh * p["remittances.mx_jobs"][:, None]) * jobs_price
        us_jobs = imp["imports"] * (p["imports.us_va_share"] * p["imports.us_jobs"])[:, None] * jobs_price
        for k, want in enumerate((mx_gdp, us_va, mx_jobs, us_jobs)):
            np.testing.assert_allclose(out.measures[:, k, :], want, rtol=1e-12, atol=1e-12, err_msg=scenario)
        assert np.abs(out.measures[:, 0, :]).sum() > 0, scenario


def test_zero_coefficients_give_zero_and_coefficients_never_move_the_gross_changes(model):
    scenario = "military_incursion"
    X, factors, inputs, _ = _draw(model, scenario)
    zero = X.copy()
    for j, inp in enumerate(inputs):
        if inp.name.split(".")[-1] in PASS_THROUGH:
            zero[:, j] = 0.0
    a = model.evaluate(scenario, X, factors, inputs=inputs)
    b = model.evaluate(scenario, zero, factors, inputs=inputs)
    assert np.all(b.measures == 0.0)
    np.testing.assert_array_equal(a.impact, b.impact)
    assert np.all(a.measures <= 0)  # every channel loses in this scenario, every coefficient is positive


def test_totals_are_the_sum_of_the_channels_for_each_measure(model):
    va = model.run("military_incursion").value_added
    table = va.table()
    for period in [str(y) for y in model.years] + ["cumulative", "present_value"]:
        by_channel = va.contributions(period)
        for m in va.measures:
            total = table.loc[m, period]
            if np.isnan(total):  # jobs have no present value
                assert m.endswith("jobs")
                continue
            assert by_channel[m].sum() == pytest.approx(total, rel=RTOL_EXACT, abs=1e-12)


def test_real_dollars_and_present_values_by_hand(model, assumptions, cache_dir):
    real = impact.fit(assumptions.override({"settings.price_basis": "real"}), cache_dir=cache_dir)
    nominal_run, real_run = model.run("designation"), real.run("designation")
    factor = np.array([_deflator(BASE) / _deflator(y) for y in model.years])
    np.testing.assert_allclose(real_run.impacts.to_numpy(), nominal_run.impacts.to_numpy() * factor[:, None],
                               rtol=RTOL_EXACT)
    np.testing.assert_allclose(real_run.baseline.to_numpy(), nominal_run.baseline.to_numpy() * factor[:, None],
                               rtol=RTOL_EXACT)
    nm, rm = nominal_run.measures, real_run.measures
    np.testing.assert_allclose(rm[MONEY], nm[MONEY] * factor, rtol=RTOL_EXACT)
    np.testing.assert_array_equal(rm[JOBS], nm[JOBS])  # jobs are counted at 2024 prices in either basis
    # present value: constant 2024 dollars discounted at 2 % a year to 2024, the same in both bases
    disc = np.array([1.02 ** -(y - BASE) for y in model.years])
    want = (nm[MONEY] * factor * disc).sum(axis=1)
    for run in (nominal_run, real_run):
        got = run.value_added.table().loc[["mx_gdp", "us_va"], "present_value"].to_numpy()
        np.testing.assert_allclose(got, want, rtol=RTOL_EXACT)
    assert "constant 2024" in real_run.value_added.basis and "current" in nominal_run.value_added.basis
    assert (real.run("designation").to_frame()["value"].abs().sum()
            < nominal_run.to_frame()["value"].abs().sum())  # deflating shrinks every later-year dollar


def test_discount_rate_and_inflation_settings_are_used(model, assumptions, cache_dir):
    other = impact.fit(assumptions.override({"settings.discount_rate": 7.0, "settings.inflation": 3.0}),
                       cache_dir=cache_dir)
    run = other.run("designation")
    years = model.years
    factor = np.array([_deflator(BASE, 3.0) / _deflator(y, 3.0) for y in years])
    disc = np.array([1.07 ** -(y - BASE) for y in years])
    want = (run.measures[0] * factor * disc).sum()
    assert run.value_added.table().loc["mx_gdp", "present_value"] == pytest.approx(want, rel=RTOL_EXACT)
    jobs_factor = np.array([_deflator(2024, 3.0) / _deflator(y, 3.0) for y in years])
    base_jobs = model.run("designation").measures[2] / np.array([_deflator(2024) / _deflator(y) for y in years])
    np.testing.assert_allclose(run.measures[2], base_jobs * jobs_factor, rtol=1e-12)


def test_percent_of_gdp_uses_the_bundled_gdp_and_its_documented_growth(model):
    va = model.run("designation").value_added
    years = model.years
    gdp = np.array([_mx_gdp(y) for y in years])
    frame = va.to_frame()
    total = frame[(frame["channel"] == "total") & (frame["statistic"] == "deterministic")]
    pct = total[total["measure"] == "mx_gdp_pct"].set_index("period", drop=False)
    cum = total[(total["measure"] == "mx_gdp") & (total["period"] == "cumulative")]["value"].iloc[0]
    assert pct[pct["period"] == "cumulative"]["value"].iloc[0] == pytest.approx(100 * cum / gdp.sum(), rel=1e-12)
    first = pct[pct["year"] == years[0]]["value"].iloc[0]
    assert first == pytest.approx(100 * va.deterministic[0, 0] / gdp[0], rel=1e-12)
    assert gdp[0] == pytest.approx(1835.375)  # 2025, the bundled INEGI-derived value (US$ bn)


def test_monte_carlo_measures_are_the_evaluation_of_the_same_draws(model):
    scenario = "financial_blocking"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mc = model.simulate(scenario, draws=300, seed=11, variance_split=False)
    X, factors = model.sample(scenario, 300, 11)
    out = model.evaluate(scenario, X, factors)
    np.testing.assert_array_equal(mc.measure_draws, out.measures)
    s = mc.value_added.summary()
    cum = out.measures.sum(axis=2)
    assert s.loc["mx_gdp", "median"] == pytest.approx(np.median(cum[:, 0]), rel=RTOL_EXACT)
    assert s.loc["us_jobs", "p95"] == pytest.approx(np.quantile(cum[:, 3], 0.95), rel=RTOL_EXACT)
    assert s.loc["mx_gdp", "deterministic"] == pytest.approx(model.run(scenario).measures[0].sum(), rel=RTOL_EXACT)
    assert np.isnan(s.loc["mx_jobs", "present_value_median"]) and s.loc["us_va", "median_pct_gdp"] < 0
    frame = mc.value_added.to_frame()
    key = ["scenario", "channel", "period", "year", "measure", "statistic"]
    assert not frame.duplicated(key).any()
    assert set(frame["statistic"].astype(str)) == {"deterministic", "mean", "sd", "p5", "p10", "p25", "p50", "p75",
                                                    "p90", "p95"}


def test_sobol_indices_of_a_measure_include_the_multipliers(model):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdp = model.sensitivity("designation", "sobol", target="mx_gdp", base_samples=1024, seed=3)
        gross = model.sensitivity("designation", "sobol", target="total", base_samples=1024, seed=3)
    t = gdp.table.set_index("input")
    assert t.loc["imports.mx_va_share", "ST"] > 0.01
    assert t.loc["remittances.mx_gdp_multiplier", "ST"] >= 0.0
    g = gross.table.set_index("input")
    # the gross total does not read the coefficients: their total indices are zero (up to rounding)
    assert abs(g.loc["imports.mx_va_share", "ST"]) < 1e-9
    tornado = model.sensitivity("designation", "tornado", target="us_va").table.set_index("input")
    assert tornado.loc["imports.us_va_share", "swing"] > 0
    assert tornado.loc["tourism.mx_va_share", "swing"] == 0.0


def test_unknown_target_names_the_measures(model):
    with pytest.raises(UsageError, match="mx_gdp, us_va, mx_jobs, us_jobs"):
        model.sensitivity("designation", "tornado", target="gdp")


@pytest.mark.slow
def test_value_added_table_in_the_csv_and_the_workbook(tmp_path):
    res = impact.run_analysis(draws=200, sensitivity=False, seed=3, cache_dir=str(tmp_path / "cache"))
    frame = res.value_added_frame()
    assert set(frame["scenario"].astype(str)) == set(res.runs)
    assert {"mx_gdp", "mx_gdp_pct", "us_va", "us_va_pct", "mx_jobs", "us_jobs"} <= set(frame["measure"].astype(str))
    assert set(frame["period"].astype(str)) == {"year", "cumulative", "present_value"}
    table = res.value_added()
    row = table[(table["scenario"] == "designation") & (table["measure"] == "mx_gdp")].iloc[0]
    assert row["median"] == pytest.approx(np.median(res.montecarlo["designation"].measure_draws[:, 0, :].sum(axis=1)))
    from impact.report.tables import tables

    assert "value_added" in tables(res)


def test_measures_of_a_draw_do_not_depend_on_the_block_it_is_evaluated_in(model):
    """Same seed, same numbers: one block, blocks of 777 rows and single rows give identical measures."""
    scenario = "military_incursion"
    X, factors = model.sample(scenario, 3000, 1)
    inputs = model.inputs(scenario)
    whole = model.evaluate(scenario, X, factors, inputs=inputs).measures
    parts = np.concatenate([model.evaluate(scenario, X[i:i + 777], {k: v[i:i + 777] for k, v in factors.items()},
                                           inputs=inputs).measures for i in range(0, 3000, 777)])
    rows = np.stack([model.evaluate(scenario, X[i], {k: v[i:i + 1] for k, v in factors.items()},
                                    inputs=inputs).measures[0] for i in range(40)])
    np.testing.assert_array_equal(whole, parts)
    np.testing.assert_array_equal(whole[:40], rows)


def test_imports_mexico_share_is_capped_at_what_the_us_share_leaves():
    """Mexico's and the U.S.'s value-added shares of the imports are drawn separately: Mexico's is
    capped at 1 - the U.S. share (docs/model.md), by hand at draws where the cap binds and where not."""
    from impact.channels import imports

    p = {"mx_va_share": np.array([0.5, 0.8, 0.95]), "us_va_share": np.array([0.3, 0.3, 0.1]),
         "mx_jobs": np.array([10.0, 10.0, 10.0]), "us_jobs": np.array([4.0, 4.0, 4.0])}
    np.testing.assert_allclose(imports.PASSTHROUGH["mx_gdp"](p), [0.5, 0.7, 0.9], rtol=1e-15)
    np.testing.assert_allclose(imports.PASSTHROUGH["mx_jobs"](p), [5.0, 7.0, 9.0], rtol=1e-15)
    np.testing.assert_allclose(imports.PASSTHROUGH["us_va"](p), [0.3, 0.3, 0.1], rtol=1e-15)
    np.testing.assert_allclose(imports.PASSTHROUGH["us_jobs"](p), [1.2, 1.2, 0.4], rtol=1e-15)
