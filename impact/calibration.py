"""Implied quantities of the defaults: what the parameters and shocks mean in countable terms.

A prosecution probability, a percentage uplift or an elasticity is hard to audit; the number of
corporate prosecutions a year, the compliance cost per firm or the share of arrivals lost for a
known rise in homicides is not.  :func:`implied_quantities` turns each scenario's inputs into such
quantities (at the most likely values, and the mean and P5-P95 of the inputs' own distributions,
drawn independently) and sets each beside the record it can be checked against, with the record's
source.  The Assumptions sheet and ``implied.csv`` show the table; tests compare it with the record.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .model import Model

#: firms with U.S. capital in Mexico (Secretaria de Economia, 2002; no newer official count was found)
US_CAPITAL_FIRMS = 14_404
#: rise in the homicide rate 2016-2018 (INEGI) that Banxico found cost under 1 % of arrivals
HOMICIDE_RISE_2016_2018 = 46.0
#: draws of the independent-input distribution behind the P5-P95 columns (fixed seed)
DRAWS = 20_000
SEED = 20250220


@dataclass(frozen=True)
class Quantity:
    """One implied quantity: a vectorised formula over input arrays, and the record to compare with."""

    name: str
    label: str
    unit: str
    inputs: tuple[str, ...]
    formula: Callable[[Mapping[str, np.ndarray]], np.ndarray]
    arithmetic: str
    record: float
    record_text: str
    #: the shock that must be non-zero in a scenario for the quantity to be shown there (None: always)
    trigger: str | None = None
    #: linear in each input separately: with independent inputs the mean is the formula at the
    #: inputs' means (exact); otherwise the mean of the draws
    multilinear: bool = True


QUANTITIES: tuple[Quantity, ...] = (
    Quantity(
        "prosecutions_per_year", "Corporate material-support prosecutions a year", "cases per year",
        ("shocks.corporate_prosecutions",), lambda v: v["shocks.corporate_prosecutions"],
        "the shock itself (cases a year)", 2 / 29,
        "DOJ record: 2 corporate terrorism-financing prosecutions in 1997-2025 against any designated group "
        "(Chiquita 2007, IEEPA plea; Lafarge 2022, the first corporate 18 U.S.C. 2339B case) = 0.069 a year",
        trigger="shocks.corporate_prosecutions"),
    Quantity(
        "criminal_penalties", "Fines and forfeiture paid a year", "US$ m per year",
        ("shocks.corporate_prosecutions", "business_costs.penalty_per_case"),
        lambda v: v["shocks.corporate_prosecutions"] * v["business_costs.penalty_per_case"],
        "prosecutions a year x fines and forfeiture per case", (25.0 + 777.78) / 29,
        "DOJ record: Chiquita 25 m (2007) + Lafarge 777.78 m (2022) over 1997-2025 = 27.7 m US$ a year",
        trigger="shocks.corporate_prosecutions"),
    Quantity(
        "lost_suits_per_year", "Anti-Terrorism Act suits lost by companies a year", "suits per year",
        ("shocks.lost_civil_suits",), lambda v: v["shocks.lost_civil_suits"],
        "the shock itself (suits a year)", 2 / 30,
        "Court record: 2 ATA judgments against companies in about 30 years (Arab Bank jury 2014, settled 2015; "
        "Chiquita verdict 2024-06-10, 38.3 m US$) = 0.067 a year",
        trigger="shocks.lost_civil_suits"),
    Quantity(
        "compliance_per_firm", "Compliance and due-diligence cost per firm with U.S. capital", "US$ thousand per year",
        ("business_costs.operating_cost_base", "business_costs.export_share", "shocks.compliance_uplift"),
        lambda v: (v["business_costs.operating_cost_base"] * (1 - v["business_costs.export_share"] / 100)
                   * v["shocks.compliance_uplift"] / 100 * 1e6 / US_CAPITAL_FIRMS),
        f"cost base (US$ bn) x (1 - export share) x uplift / 100 x 10^6 / {US_CAPITAL_FIRMS:,} firms "
        "(Secretaria de Economia, 2002: no newer count)", 38.0,
        "CBP C-TPAT cost survey (2007): set-up cost about 38,000 US$ per firm (a one-off; the comparison is in "
        "orders of magnitude)",
        trigger="shocks.compliance_uplift"),
    Quantity(
        "security_spending", "Added security spending of U.S. affiliates, base-year prices", "US$ bn per year",
        ("business_costs.operating_cost_base", "business_costs.security_share", "shocks.security_increase"),
        lambda v: (v["business_costs.operating_cost_base"] * v["business_costs.security_share"] / 100
                   * v["shocks.security_increase"] / 100),
        "cost base x security share x increase", np.nan,
        "No record of a designation's effect on security spending; AmCham Mexico surveys put baseline security "
        "spending at 2-10 % of costs",
        trigger="shocks.security_increase"),
    Quantity(
        "arrivals_lost_2016_2018", "Visitor spending lost for the 2016-2018 homicide rise (46 %)", "%",
        ("tourism.elasticity",),
        lambda v: 100 * np.expm1(v["tourism.elasticity"] * np.log1p(HOMICIDE_RISE_2016_2018 / 100)),
        "100 x (exp(elasticity x ln(1.46)) - 1), the tourism equation", -1.0,
        "Banxico (Informe Trimestral, via El Economista): the 2016-2018 rise in homicides cost under 1 % of "
        "international arrivals",
        trigger="shocks.insecurity", multilinear=False),
    Quantity(
        "aid_withheld", "U.S. assistance withheld", "US$ m per year",
        ("official_finance.aid_m", "shocks.aid_suspension"),
        lambda v: v["official_finance.aid_m"] * v["shocks.aid_suspension"] / 100,
        "mean U.S. obligations to Mexico (bundled years up to the base year) x share withheld", np.nan,
        "ForeignAssistance.gov obligations to Mexico, FY2015-23 (the bundled years): the amount withheld cannot "
        "exceed them. Mexico has never been found to have failed demonstrably (always certified in the 1990s, CRS "
        "RL30080; on the 2025 majors list without that finding)",
        trigger="shocks.aid_suspension"),
    Quantity(
        "mdb_lending_blocked", "World Bank and IDB lending that does not happen", "US$ m per year",
        ("official_finance.wb_m", "official_finance.idb_lending", "shocks.mdb_lending_blocked"),
        lambda v: ((v["official_finance.wb_m"] + v["official_finance.idb_lending"])
                   * v["shocks.mdb_lending_blocked"] / 100),
        "(World Bank commitments + IDB approvals) x share blocked", np.nan,
        "No precedent found of an MDB loan to Mexico blocked by a U.S. vote (judgment; wide range)",
        trigger="shocks.mdb_lending_blocked"),
)


def implied_quantities(model: Model, scenarios: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The implied quantities of each scenario's inputs, beside the record.

    Columns: scenario, quantity, label, unit, default (at the most likely values), mean, p5, p95 (of
    the inputs' distributions drawn independently: correlations are ignored here), record, ratio
    (mean / record), arithmetic and record_source.  Rows appear for the scenarios whose trigger shock
    is non-zero at its most likely value or uncertain; units are those of ``unit``.
    """
    names = scenarios or tuple(n for n in model.assumptions.scenarios if n != "baseline")
    rows = []
    constants = _constants(model)
    memo: dict[tuple[int, tuple[str, ...]], tuple[float, float, float]] = {}
    for sc in names:
        inputs = {i.name: i for i in model.inputs(sc)}
        for k, q in enumerate(QUANTITIES):
            if q.trigger is not None and not _active(inputs[q.trigger]):
                continue
            central = {n: np.array([_central(n, inputs, constants)]) for n in q.inputs}
            key = (k, tuple(_describe(n, inputs, constants) for n in q.inputs))
            if key not in memo:  # scenarios sharing the inputs share the numbers
                memo[key] = _moments(q, k, inputs, constants)
            mean, p5, p95 = memo[key]
            rows.append({"scenario": sc, "quantity": q.name, "label": q.label, "unit": q.unit,
                         "default": float(q.formula(central)[0]), "mean": mean, "p5": p5, "p95": p95,
                         "record": q.record, "ratio": mean / q.record if np.isfinite(q.record) else np.nan,
                         "arithmetic": q.arithmetic, "record_source": q.record_text})
    return pd.DataFrame(rows, columns=["scenario", "quantity", "label", "unit", "default", "mean", "p5", "p95",
                                       "record", "ratio", "arithmetic", "record_source"])


def _moments(q: Quantity, k: int, inputs: Mapping[str, object], constants: Mapping[str, float]
             ) -> tuple[float, float, float]:
    """Mean, P5 and P95 of the quantity with its inputs drawn independently (one stream per quantity)."""
    u = np.random.default_rng([SEED, k]).random((DRAWS, len(q.inputs)))
    values = q.formula({n: _draws(n, inputs, constants, u[:, j]) for j, n in enumerate(q.inputs)})
    if q.multilinear:
        mean = float(q.formula({n: np.array([_mean(n, inputs, constants)]) for n in q.inputs})[0])
    else:
        mean = float(np.mean(values))
    p5, p95 = np.quantile(values, [0.05, 0.95])
    return mean, float(p5), float(p95)


def _describe(name: str, inputs: Mapping[str, object], constants: Mapping[str, float]) -> str:
    return repr(constants[name]) if name in constants else repr(inputs[name].distribution)  # type: ignore[attr-defined]


def _mean(name: str, inputs: Mapping[str, object], constants: Mapping[str, float]) -> float:
    if name in constants:
        return constants[name]
    return float(inputs[name].distribution.mean())  # type: ignore[attr-defined]


def _constants(model: Model) -> dict[str, float]:
    """Fitted constants some quantities need (official finance means, US$ m a year)."""
    c = model.fits["official_finance"].constants if "official_finance" in model.fits else {}
    return {f"official_finance.{k}": float(c[k]) for k in ("aid_m", "wb_m") if k in c}


def _active(inp: object) -> bool:
    return bool(getattr(inp, "central", 0.0) != 0.0 or getattr(inp, "uncertain", False))


def _central(name: str, inputs: Mapping[str, object], constants: Mapping[str, float]) -> float:
    if name in constants:
        return constants[name]
    return float(inputs[name].central)  # type: ignore[attr-defined]


def _draws(name: str, inputs: Mapping[str, object], constants: Mapping[str, float], u: np.ndarray) -> np.ndarray:
    if name in constants:
        return np.full(u.shape, constants[name])
    return np.asarray(inputs[name].ppf(u), dtype=float)  # type: ignore[attr-defined]
