"""The figures docs/model.md quotes are the default model's: each is recomputed here and must appear
in the page as written (the ex-post section has its own test in test_expost.py).  After an intended
change, rerun and paste the figures the failure message shows."""
from __future__ import annotations

import numpy as np
import pytest

from impact import sensitivity as sa

from .conftest import ROOT

DOC = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
DESIGNATIONS = ("designation", "financial_blocking", "certification", "military_incursion")


MISSES: list[str] = []


def _in_doc(text: str) -> None:
    """Record a quoted figure missing from the page (quoted figures may wrap across lines); each test
    ends with :func:`_report`, which lists every miss at once."""
    if " ".join(text.split()) not in " ".join(DOC.split()):
        MISSES.append(text)


@pytest.fixture(autouse=True)
def _report():
    MISSES.clear()
    yield
    assert not MISSES, "docs/model.md should read:\n" + "\n".join(MISSES)


@pytest.fixture(scope="module")
def mc(model):
    return {n: model.simulate(n) for n in DESIGNATIONS}


def test_headline_figures(model, mc):
    d = mc["designation"].cumulative["total"] if hasattr(mc["designation"], "cumulative") else None
    draws = mc["designation"].draws.sum(axis=(1, 2)) if d is None else d
    det = model.run("designation").cumulative["total"]
    _in_doc(f"deterministic {det:.1f} bn, simulated median {np.median(draws):.1f}, mean {np.mean(draws):.1f}, "
            f"P5-P95 {np.quantile(draws, 0.05):.1f} to {np.quantile(draws, 0.95):.1f}")
    pct = [100 * np.mean(m.draws.sum(axis=(1, 2)) <= model.run(n).cumulative["total"]) for n, m in mc.items()]
    def nth(x: float) -> str:
        n = int(f"{x:.0f}")
        return f"{n}{'th' if n % 100 in (11, 12, 13) else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
    _in_doc(f"{nth(min(pct))}-{nth(max(pct))} percentile")
    w = {n: model.resolve(n).weight for n in DESIGNATIONS}
    total = sum(w.values())
    expected = sum(w[n] / total * m.draws.sum(axis=(1, 2)).mean() for n, m in mc.items())
    det_w = sum(w[n] / total * model.run(n).cumulative["total"] for n in DESIGNATIONS)
    _in_doc(f"normalised to one): {expected:.1f} bn with the defaults")
    _in_doc(f"deterministic runs ({det_w:.1f} bn)")


def test_tourism_figures(model):
    f = model.fits["tourism"]
    r = f.main.results
    _in_doc(f"R^2 {r.rsquared:.3f}")
    e = r.params["d.log_homicide_rate"]
    se = r.bse["d.log_homicide_rate"]
    _in_doc(f"eps_T (data) = {e:.3f} (se {se:.3f}, z = {e / se:.2f}")
    p = f.pooled["elasticity"]
    _in_doc(f"**Pooled** (precision weighted, default): {p.value:.4f} (se {p.se:.4f}, 95 % CI "
            f"{p.value - 1.959964 * p.se:.3f} to {p.value + 1.959964 * p.se:.3f})")
    _in_doc(f"would cost {-100 * (1.46 ** p.value - 1):.2f} % of visitor spending")
    pct = model.run("designation").pct.loc[2025, "tourism"]
    bn = model.run("designation").impacts.loc[2025, "tourism"]
    _in_doc(f"**{pct:.2f} %** of the no-designation baseline ({bn:.2f} bn)")
    _in_doc(f"The military incursion gives {model.run('military_incursion').pct.loc[2025, 'tourism']:.1f} % in 2025")


def test_business_cost_investment_and_official_finance_figures(model):
    b = model.fits["business_costs"]
    g = b.data_estimates["operating_cost_growth"]
    _in_doc(f"{g.value:.2f} % a year (se {g.se:.2f})")
    p = b.pooled["operating_cost_growth"]
    _in_doc(f"**{p.value:.2f} %** (se {p.se:.2f})")
    inv = model.fits["investment"].main.results
    _in_doc(f"on the log homicide rate: {inv.params['log_homicide_rate']:+.2f} (se {inv.bse['log_homicide_rate']:.2f})")
    _in_doc(f"Designation: {model.run('designation').cumulative['investment']:.2f} bn over 2025-2030 "
            f"({model.run('designation').pct.loc[2025, 'investment']:.1f} % of the 2025 inflow)")
    c = model.fits["official_finance"].constants
    _in_doc(f"{c['aid_m']:.1f} m a year")
    _in_doc(f"({c['wb_m']:.1f} m a year)")
    diff = model.run("certification").cumulative - model.run("designation").cumulative
    _in_doc(f"Certification minus designation: {diff['official_finance']:.2f} bn over 2025-2030")
    assert diff.drop(["official_finance", "total"]).abs().max() == 0


def test_implied_quantities_quoted(model):
    q = model.implied_quantities("designation").set_index("quantity")
    pros = q.loc["prosecutions_per_year"]
    _in_doc(f"{pros['mean']:.2f} corporate prosecutions a year on average ({pros['ratio']:.2f} times the record; "
            f"P95 {pros['p95']:.2f})")
    _in_doc(f"{q.loc['criminal_penalties', 'mean']:.1f} m US$ of fines a year, "
            f"{q.loc['lost_suits_per_year', 'mean']:.2f} lost suits a year")
    _in_doc(f"compliance cost of {q.loc['compliance_per_firm', 'default']:.0f} thousand US$ a year per firm")


def test_variance_and_sensitivity_figures(model, mc):
    v = mc["designation"].variance
    _in_doc(f"assumptions dominate (about {100 * (1 - v.loc['total', 'share_estimation']):.0f} % of")
    names = {"designation": "designation", "financial_blocking": "financial blocking",
             "certification": "certification", "military_incursion": "military incursion"}
    for n in DESIGNATIONS:
        g = sa.sobol_groups(model, n).table.set_index("input").loc["basis:judgment"]
        first = n == "designation"
        _in_doc(f"{names[n]} {100 * g['S1']:.0f} % ({100 * g['ST']:.0f} %{' with interactions' if first else ''})")
    t = model.sensitivity("designation", "tornado").ranked().set_index("input")["swing"]
    _in_doc(f"(tornado swing about {t['shocks.compliance_cost']:.0f} bn over 2025-2030), followed by the security "
            f"increase of businesses ({t['shocks.security_increase']:.0f} bn)")
    _in_doc(f"({t['business_costs.security_share']:.1f} and {t['shocks.compliance_uplift']:.1f} bn) and the imports "
            f"baseline forecast ({t['imports.baseline']:.1f} bn)")
    m = model.sensitivity("military_incursion", "tornado").ranked().set_index("input")["swing"]
    _in_doc(f"tornado swings of about {m['shocks.conflict_tariff']:.0f} and {m['shocks.correspondent_derisking']:.0f} bn")


def test_panel_figures(model):
    """The destination and state panels as docs/model.md quotes them (section 1 and 3a)."""
    t = model.fits["tourism"]
    est = t.models["panel"]
    wb = next(d for d in est.diagnostics if d.name.startswith("Wild cluster"))
    b, se = est.params["log_homicide_rate"], est.bse["log_homicide_rate"]
    _in_doc(f"beta = {b:.4f} (CR1 se {se:.4f}, t(12) p = {est.pvalues['log_homicide_rate']:.2f}); wild bootstrap "
            f"p = {wb.p_value:.2f}")
    pe = t.pooled["elasticity"]
    weight = pe.prior_sd ** 2 / (pe.prior_sd ** 2 + pe.data_se ** 2)
    _in_doc(f"destination panel {100 * weight:.1f} % (se {pe.data_se:.4f})")
    national = model.fits["tourism"].pooled["elasticity"]  # replaced below by the national data side's pooling
    import impact

    nat_model = impact.fit(model.assumptions.override({"tourism.estimator.elasticity_data": "national"}))
    nat = nat_model.fits["tourism"].pooled["elasticity"]
    nat_weight = nat.prior_sd ** 2 / (nat.prior_sd ** 2 + nat.data_se ** 2)
    _in_doc(f"national regression {100 * nat_weight:.1f} % (se {nat.data_se:.4f})")
    _in_doc(f"barely moves ({nat.pooled:.4f} to {national.pooled:.4f})")
    inv = model.fits["investment"]
    p = inv.models["panel"]
    _in_doc(f"+{p.params['log_homicide_rate']:.3f} (CR1 se {p.bse['log_homicide_rate']:.3f}")
    q = inv.pooled["elasticity"]
    w = q.prior_sd ** 2 / (q.prior_sd ** 2 + q.data_se ** 2)
    _in_doc(f"data weight of {100 * w:.0f} %: {q.pooled:.3f}")


def test_did_figures(model):
    """The 2025 difference in differences as docs/model.md quotes it (section 1)."""
    from impact.arrivals import did_table

    est = model.fits["tourism"].models["did_2025"]
    d = did_table(est).set_index("term")
    des, adv = d.loc["us_x_post_designation"], d.loc["us_x_post_advisory"]
    _in_doc(f"designation {des['estimate']:.3f} log points (se {des['std_error']:.3f}), {des['pct']:.1f} % for U.S. "
            f"relative to Canadian arrivals (90 % interval {des['pct_low']:.1f} % to {des['pct_high']:+.1f} %); "
            f"advisory {adv['estimate']:.3f} (se {adv['std_error']:.3f})")


def test_tourism_side_by_side_table(model):
    """The side-by-side table of tourism estimates in section 1, each row recomputed."""
    import re

    from impact import destinations
    from impact.arrivals import did_table

    t = model.fits["tourism"]
    nat, term = t.main, "d.log_homicide_rate"
    lo, hi = nat.conf_int(level=0.95).loc[term]
    _in_doc(f"| national regression (main model) | visitor receipts, annual changes 1996-2024 | "
            f"{nat.params[term]:.3f} | 95 %: {lo:.3f} to {hi:.3f} |")
    wb = next(d for d in t.models["panel"].diagnostics if d.name.startswith("Wild cluster"))
    blo, bhi = (float(x) for x in re.search(r"interval (-?[\d.]+) to (-?[\d.]+)", wb.reason).groups())
    _in_doc(f"| destination panel (data side, default) | hotel occupancy, 22 destinations, monthly | "
            f"{wb.statistic:.4f} | 90 % bootstrap: {blo:.3f} to {bhi:.3f} |")
    ev = destinations.sinaloa_model(model.data, model.assumptions.channels["tourism"].options)
    _in_doc(f"| Sinaloa surge (event study) | occupancy where the fighting is, 2024-09..12 | "
            f"{ev.params['elasticity']:.2f} | se {ev.bse['elasticity']:.3f} (placebo) |")
    _in_doc(f"a fall in ln occupancy of {ev.params['d_log_occupancy']:.3f} and a rise in the state's ln homicide "
            f"rate (previous month) of {ev.params['d_log_homicide_rate']:.3f}")
    pe = t.pooled["elasticity"]
    _in_doc(f"| pooled (used) | U.S. visitor spending | {pe.pooled:.4f} | se {pe.pooled_se:.4f} |")
    d = did_table(t.models["did_2025"]).set_index("term").loc["us_x_post_designation"]
    _in_doc(f"| 2025 DiD | U.S. vs Canadian arrivals, 2025-03..08 | {d['pct']:.1f} % | "
            f"90 %: {d['pct_low']:.1f} % to {d['pct_high']:+.1f} % |")


def test_value_added_figures(model, mc):
    """Section 3d: each scenario's Mexico GDP, U.S. value added and jobs (median [P5, P95])."""
    def cell(s, m, fmt):
        return f"{s.loc[m, 'median']:{fmt}} [{s.loc[m, 'p5']:{fmt}}, {s.loc[m, 'p95']:{fmt}}]"
    for n, m in mc.items():
        s = m.value_added.summary()
        _in_doc(f"| {n} | {cell(s, 'mx_gdp', '.1f')} | {s.loc['mx_gdp', 'median_pct_gdp']:.3f} | "
                f"{cell(s, 'us_va', '.1f')} | {s.loc['us_va', 'median_pct_gdp']:.4f} | {cell(s, 'mx_jobs', '.0f')} | "
                f"{cell(s, 'us_jobs', '.1f')} |")
    c = model.run("designation").value_added.contributions()
    _in_doc(f"imports carry Mexico's loss ({c.loc['imports', 'mx_gdp']:.2f} of {c['mx_gdp'].sum():.2f} bn)")
    _in_doc(f"business costs the U.S. side ({c.loc['business_costs', 'us_va']:.2f} of {c['us_va'].sum():.2f} bn")
    p = model.prices
    _in_doc(f"(Mexico +{100 * p.mx_growth:.2f} % a year in current dollars, U.S. real +{100 * p.us_real_growth:.2f} %)")
