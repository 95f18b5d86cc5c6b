"""Calibration: the implied quantities of the defaults against hand arithmetic and the documented
record, the variance share by basis against a brute-force estimate, and certification as the law
works (only the official-finance channel moves; the waiver undoes it)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import impact
from impact import sensitivity as sa
from impact.assumptions import DEFAULT_DIR
from impact.calibration import US_CAPITAL_FIRMS
from impact.errors import AssumptionError
from impact.report import console, tables

from .conftest import ROOT, RTOL_EXACT

#: the documented record (docs/model.md, assumptions/scenarios.yaml sources): two corporate
#: terrorism-financing prosecutions 1997-2025 (Chiquita 2007, Lafarge 2022) and two ATA judgments
#: against companies in about 30 years (Arab Bank 2014, Chiquita 2024)
PROSECUTIONS_A_YEAR = 2 / 29
LOST_SUITS_A_YEAR = 2 / 30
#: "one a year at the top (14x)": the most the assumption files' argument supports
MAX_RATIO_TO_RECORD = 15.0
#: CBP C-TPAT survey: about 38,000 US$ of set-up cost per firm
CTPAT_PER_FIRM_K = 38.0
#: Banxico: the 2016-2018 rise in homicides (46 %) cost under 1 % of arrivals
BANXICO_LOSS_PCT = 1.0


def _yaml(name: str) -> dict:
    return yaml.safe_load((DEFAULT_DIR / name).read_text(encoding="utf-8"))


def _pert_mean(d: dict) -> float:
    return (d["low"] + 4 * d["mode"] + d["high"]) / 6


@pytest.fixture(scope="module")
def implied(model) -> pd.DataFrame:
    return model.implied_quantities()


def _row(df: pd.DataFrame, scenario: str, quantity: str) -> pd.Series:
    sel = df[(df["scenario"] == scenario) & (df["quantity"] == quantity)]
    assert len(sel) == 1, (scenario, quantity)
    return sel.iloc[0]


def test_legal_exposure_by_hand(implied):
    """Most likely values and means from the YAML files read directly (PERT mean in closed form)."""
    sc, ch = _yaml("scenarios.yaml")["designation"]["shocks"], _yaml("channels.yaml")["business_costs"]["parameters"]
    pros, pen = sc["corporate_prosecutions"], ch["penalty_per_case"]
    r = _row(implied, "designation", "prosecutions_per_year")
    assert r["default"] == pros["value"]
    assert r["mean"] == pytest.approx(_pert_mean(pros["distribution"]), rel=RTOL_EXACT)
    r = _row(implied, "designation", "criminal_penalties")
    assert r["default"] == pytest.approx(pros["value"] * pen["value"], rel=RTOL_EXACT)
    assert r["mean"] == pytest.approx(_pert_mean(pros["distribution"]) * _pert_mean(pen["distribution"]),
                                      rel=RTOL_EXACT)
    assert r["record"] == pytest.approx((25.0 + 777.78) / 29)  # Chiquita 25 m + Lafarge 777.78 m over 29 years
    suits = sc["lost_civil_suits"]
    r = _row(implied, "designation", "lost_suits_per_year")
    assert r["mean"] == pytest.approx(_pert_mean(suits["distribution"]), rel=RTOL_EXACT)


def test_percentiles_of_a_single_input_match_scipy(implied):
    """P5/P95 of the prosecutions a year are the PERT's own (beta on [low, high], 20,000 draws)."""
    d = _yaml("scenarios.yaml")["designation"]["shocks"]["corporate_prosecutions"]["distribution"]
    lo, m, hi = d["low"], d["mode"], d["high"]
    a, b = 1 + 4 * (m - lo) / (hi - lo), 1 + 4 * (hi - m) / (hi - lo)
    r = _row(implied, "designation", "prosecutions_per_year")
    for q, col in ((0.05, "p5"), (0.95, "p95")):
        assert r[col] == pytest.approx(lo + (hi - lo) * stats.beta.ppf(q, a, b), rel=0.03)


def test_compliance_cost_per_firm_by_hand(implied):
    ch = _yaml("channels.yaml")["business_costs"]["parameters"]
    up = _yaml("scenarios.yaml")["designation"]["shocks"]["compliance_uplift"]
    base, share = ch["operating_cost_base"], ch["export_share"]
    want = base["value"] * (1 - share["value"] / 100) * up["value"] / 100 * 1e9 / US_CAPITAL_FIRMS / 1e3
    assert _row(implied, "designation", "compliance_per_firm")["default"] == pytest.approx(want, rel=RTOL_EXACT)
    mean = (_pert_mean(base["distribution"]) * (1 - _pert_mean(share["distribution"]) / 100)
            * _pert_mean(up["distribution"]) / 100 * 1e6 / US_CAPITAL_FIRMS)
    assert _row(implied, "designation", "compliance_per_firm")["mean"] == pytest.approx(mean, rel=RTOL_EXACT)


def test_defaults_stay_within_what_the_record_supports(implied):
    """The audit found 72 prosecutions and 7 lost suits a year implied; the record is 0.07 of each."""
    for sc in implied["scenario"].unique():
        p = _row(implied, sc, "prosecutions_per_year")
        assert p["record"] == pytest.approx(PROSECUTIONS_A_YEAR)
        assert p["mean"] < 1.0 and p["p95"] <= 1.0
        assert 1.0 <= p["mean"] / PROSECUTIONS_A_YEAR <= MAX_RATIO_TO_RECORD
        s = _row(implied, sc, "lost_suits_per_year")
        assert s["mean"] / LOST_SUITS_A_YEAR <= MAX_RATIO_TO_RECORD and s["p95"] <= 0.5
        c = _row(implied, sc, "compliance_per_firm")
        assert CTPAT_PER_FIRM_K / 3 <= c["default"] <= 3 * CTPAT_PER_FIRM_K  # same order of magnitude
        t = _row(implied, sc, "arrivals_lost_2016_2018")
        assert -BANXICO_LOSS_PCT <= t["default"] < 0  # the prior respects its own anchor


def test_tourism_anchor_through_the_equation(model, implied):
    """100 (exp(e ln 1.46) - 1) at the elasticity the model uses (pooled estimate)."""
    e = next(i for i in model.inputs("designation") if i.name == "tourism.elasticity").central
    want = 100 * (1.46 ** e - 1)
    assert _row(implied, "designation", "arrivals_lost_2016_2018")["default"] == pytest.approx(want, rel=1e-12)


def test_aid_withheld_is_the_bundled_obligations(implied):
    aid = pd.read_csv(DEFAULT_DIR.parent / "data" / "us_aid_obligations_mexico.csv")
    mean = aid.loc[aid["period"] <= 2024, "value"].mean()
    r = _row(implied, "certification", "aid_withheld")
    assert r["default"] == pytest.approx(mean, rel=RTOL_EXACT) and r["p5"] == r["p95"] == pytest.approx(mean)
    assert "aid_withheld" not in set(implied.loc[implied["scenario"] == "designation", "quantity"])


def test_unknown_scenario_gets_the_library_error(model):
    with pytest.raises(AssumptionError, match="unknown scenario 'no_such_scenario'"):
        model.implied_quantities("no_such_scenario")


# ----------------------------------------------------------------------------- variance by basis
def test_groups_partition_the_uncertain_inputs(model):
    groups = sa.basis_groups(model, "designation")
    members = [m for g in groups.values() for m in g]
    unc = [i.name for i in model.inputs("designation") if i.uncertain]
    assert sorted(members) == sorted(unc) and len(members) == len(set(members))
    assert "shocks.corporate_prosecutions" in groups["judgment"]
    assert "tourism.baseline" in groups["data"]


def test_a_one_input_group_is_that_input_sobol_index(model):
    """Same base points and estimators: a group of one input reproduces sobol()'s S1 and ST (up to
    the centring of the outputs, which SALib's estimator takes over every row of the design: the
    two designs differ in their other rows)."""
    one = sa.sobol(model, "designation", base_samples=512, seed=7).table.set_index("input")
    names = ["shocks.compliance_uplift", "business_costs.operating_cost_base"]
    g = sa.sobol_groups(model, "designation", {n: [n] for n in names}, base_samples=512, seed=7)
    t = g.table.set_index("input")
    for n in names:
        assert t.loc[f"basis:{n}", "S1"] == pytest.approx(one.loc[n, "S1"], abs=1e-4)
        assert t.loc[f"basis:{n}", "ST"] == pytest.approx(one.loc[n, "ST"], rel=1e-9)


def test_judgment_share_against_a_brute_force_estimate(model):
    """Var(E[Y | judgment inputs]) / Var(Y) by nested Monte Carlo (outer 400 x inner 400 draws)."""
    sc = model.resolve("designation")
    inputs = model.inputs(sc)
    groups = sa.basis_groups(model, sc)
    cols = [j for j, i in enumerate(inputs) if i.name in set(groups["judgment"])]
    others = [j for j, i in enumerate(inputs) if i.uncertain and j not in cols]
    rng = np.random.default_rng(11)
    n_out, n_in = 400, 400
    X = np.tile(model.central_row(sc), (n_out * n_in, 1))
    u_out = rng.random((n_out, len(cols)))
    for c, j in enumerate(cols):
        X[:, j] = np.repeat(inputs[j].ppf(u_out[:, c]), n_in)
    for j in others:
        X[:, j] = inputs[j].ppf(rng.random(n_out * n_in))
    y = model.evaluate(sc, X).impact.sum(axis=(1, 2)).reshape(n_out, n_in)
    inner = y.mean(axis=1)
    # unbiased between-group variance: Var(inner means) less the inner noise's share
    closed = (inner.var(ddof=1) - y.var(axis=1, ddof=1).mean() / n_in) / y.var(ddof=1)
    g = sa.sobol_groups(model, "designation", base_samples=1024, seed=3).table.set_index("input")
    assert g.loc["basis:judgment", "S1"] == pytest.approx(closed, abs=0.08)


def test_summary_reports_the_judgment_share(assumptions, cache_dir):
    a = assumptions.override({"analysis.sensitivity.sobol.base_samples": 64,
                              "analysis.sensitivity.sobol.min_base_samples": 8})
    res = impact.run_analysis(a, ["designation"], draws=200, seed=5, cache_dir=cache_dir)
    v = tables.variance_by_basis(res)
    assert set(v["basis"]) == set(sa.basis_groups(res.model, "designation"))
    text = console.headline_text(res)
    j = v[v["basis"] == "judgment"].iloc[0]
    assert f"{100 * j['S1']:3.0f}% / {100 * j['ST']:3.0f}%" in text


# ----------------------------------------------------------------------------- certification
def test_certification_moves_only_official_finance(model):
    d, c = model.run("designation").impacts, model.run("certification").impacts
    for ch in model.channels:
        if ch == "official_finance":
            assert (c[ch] < 0).all() and (d[ch] == 0).all()
        else:
            np.testing.assert_array_equal(c[ch].to_numpy(), d[ch].to_numpy(), err_msg=ch)


WAIVER = """
certification_waived:
  label: Decertification with a national-interest waiver
  description: The waiver keeps assistance and multilateral lending flowing.
  extends: certification
  weight: 0
  shocks:
    aid_suspension: {value: 0, source: "22 U.S.C. 2291j-1: vital national interest determination"}
    mdb_lending_blocked: {value: 0, source: "the waiver lifts the no-vote requirement"}
"""


def test_the_waiver_documented_in_the_readme_undoes_certification(adir, cache_dir):
    """The snippet of assumptions/README.md: a waived decertification equals the designation."""
    readme = (ROOT / "assumptions" / "README.md").read_text(encoding="utf-8")
    assert "certification_waived:" in readme and "extends: certification" in readme
    (adir / "scenarios.yaml").write_text((adir / "scenarios.yaml").read_text(encoding="utf-8") + WAIVER,
                                         encoding="utf-8")
    m = impact.fit(impact.load_assumptions(adir), cache_dir=cache_dir)
    w, d = m.run("certification_waived").impacts, m.run("designation").impacts
    for ch in m.channels:
        np.testing.assert_array_equal(w[ch].to_numpy(), d[ch].to_numpy(), err_msg=ch)
