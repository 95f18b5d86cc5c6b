"""From channel changes to value added and jobs: the pass-through layer after the channels.

Each channel's impact is a *gross* change of something unlike the others (visitor spending, the
customs value of imports, operating costs, investment, official flows, remittances).  This layer
turns each into four measures with a meaning, with fixed coefficients that are parameters of the
channel (unit, range, distribution and source in channels.yaml, sampled in the Monte Carlo and
ranked in the sensitivity analyses):

* ``mx_gdp``: Mexico's GDP (value added), US$ bn;
* ``us_va``: U.S. value added and U.S. owners' income, US$ bn (the U.S. content of imports from
  Mexico, and the extra costs U.S. firms in Mexico bear);
* ``mx_jobs`` and ``us_jobs``: employment, thousand jobs (full-year jobs in the year).

measure_m(t) = sum over channels c of coef_{c,m} * impact_c(t) * f_m(t)

with ``coef`` from the channel's parameters (:attr:`impact.channels.base.Channel.passthrough`) and
``f_m(t) = 1`` for money and ``P(JOBS_PRICE_YEAR) / P(t)`` for jobs: the jobs coefficients are
jobs per US$ 1 m of 2024 dollars, so nominal changes are first brought to 2024 prices.  The layer is
linear, without prices, substitution or general equilibrium: a first-round accounting, not a
macroeconomic model (docs/model.md says what that leaves out).

:class:`Prices` holds the U.S. GDP deflator path (bundled BEA data, extended at
``settings.inflation``), the real-dollar factors, the discount factors and the GDP of each country
(the denominators of % of GDP).  All are deterministic.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Measure:
    """One value-added measure: its key, label, unit and country (``mx`` or ``us``)."""

    name: str
    label: str
    unit: str
    country: str

    @property
    def money(self) -> bool:
        return self.unit == "US$ bn"


MEASURES: tuple[Measure, ...] = (
    Measure("mx_gdp", "Mexico GDP (value added)", "US$ bn", "mx"),
    Measure("us_va", "U.S. value added and owners' income", "US$ bn", "us"),
    Measure("mx_jobs", "Mexico employment", "thousand jobs", "mx"),
    Measure("us_jobs", "U.S. employment", "thousand jobs", "us"),
)
MEASURE_NAMES: tuple[str, ...] = tuple(m.name for m in MEASURES)
#: the price year of every jobs coefficient in channels.yaml (jobs per US$ 1 m of this year's dollars)
JOBS_PRICE_YEAR = 2024
DEFLATOR = "us_gdp_deflator"
MX_GDP = "mx_gdp_usd"
US_REAL_GDP = "us_real_gdp"
#: years of GDP growth averaged to extend GDP past its last bundled year
GROWTH_YEARS = 10


def measure(name: str) -> Measure:
    return MEASURES[MEASURE_NAMES.index(name)]


@dataclass(frozen=True)
class Prices:
    """Price and GDP paths for the simulated years (arrays over ``years``).

    deflator : U.S. GDP deflator (2017 = 100); bundled to its last year, then ``inflation`` % a year
    real : P(base year) / P(t), multiplies current dollars into constant base-year dollars
    jobs : P(JOBS_PRICE_YEAR) / P(t), brings current dollars to the jobs coefficients' prices
    discount : (1 + r)^-(t - base year), r the real discount rate
    mx_gdp, us_gdp : nominal GDP, US$ bn (bundled; past the data, grown at the mean log growth of
        the last GROWTH_YEARS years: Mexico's in current dollars, the U.S.'s real GDP times the deflator)
    """

    years: tuple[int, ...]
    base_year: int
    basis: str
    inflation: float
    discount_rate: float
    deflator: np.ndarray
    real: np.ndarray
    jobs: np.ndarray
    discount: np.ndarray
    mx_gdp: np.ndarray
    us_gdp: np.ndarray
    #: the growth rates that extend GDP past the data (simple rates per year)
    mx_growth: float = 0.0
    us_real_growth: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def money(self) -> np.ndarray:
        """Factor that turns the model's current dollars into the reported basis (ones when nominal)."""
        return self.real if self.basis == "real" else np.ones(len(self.years))

    @property
    def basis_label(self) -> str:
        return (f"constant {self.base_year} U.S. dollars (U.S. GDP deflator)" if self.basis == "real"
                else "current U.S. dollars of each year")

    def gdp(self, country: str) -> np.ndarray:
        """Nominal GDP of ``mx`` or ``us`` in the reported basis, US$ bn, by year."""
        g = self.mx_gdp if country == "mx" else self.us_gdp
        return g * self.money

    def to_frame(self) -> pd.DataFrame:
        """The paths by year: deflator, real-dollar factor, jobs price factor, discount factor, GDP."""
        return pd.DataFrame({"deflator (2017 = 100)": self.deflator, f"to {self.base_year} dollars": self.real,
                             f"to {JOBS_PRICE_YEAR} dollars (jobs)": self.jobs, "discount factor": self.discount,
                             "Mexico GDP, US$ bn (current)": self.mx_gdp, "U.S. GDP, US$ bn (current)": self.us_gdp},
                            index=pd.Index(self.years, name="year"))


def _extend(series: pd.Series, years: list[int], growth: float) -> dict[int, float]:
    """Values for ``years``: the series where it has them, else its last value grown at ``growth``
    (a rate per year, compounded)."""
    s = series.dropna()
    last = int(s.index[-1])
    out = {}
    for y in years:
        out[y] = float(s.loc[y]) if y in s.index else float(s.iloc[-1]) * (1 + growth) ** (y - last)
    return out


def _log_growth(s: pd.Series) -> float:
    """Mean annual log growth over the last GROWTH_YEARS years of ``s``, as a simple rate."""
    s = s.dropna().iloc[-(GROWTH_YEARS + 1):]
    return math.expm1((math.log(s.iloc[-1]) - math.log(s.iloc[0])) / (len(s) - 1))


def prices(settings: Any, data: Mapping[str, pd.Series]) -> Prices:
    """The :class:`Prices` of a run from its settings and the bundled (or overridden) series."""
    years = list(settings.years)
    need = sorted({settings.base_year, JOBS_PRICE_YEAR, *years})
    defl = data[DEFLATOR]
    d = _extend(defl, need, settings.inflation / 100)
    mx = data[MX_GDP] / 1000.0  # US$ m -> bn
    us_real = data[US_REAL_GDP]
    us_nominal = (us_real * defl / 100).dropna()  # chained 2017 dollars x deflator (2017 = 100)
    mx_path = _extend(mx, years, _log_growth(mx))
    g_real = _log_growth(us_real)
    us_path = {y: (float(us_nominal.loc[y]) if y in us_nominal.index else
                   _extend(us_real, [y], g_real)[y] * d[y] / 100) for y in years}
    arr = np.array
    notes = ((f"U.S. GDP deflator past {int(defl.dropna().index[-1])}: +{settings.inflation:g} % a year "
              "(settings.yaml inflation)"),
             (f"Mexico GDP past {int(mx.dropna().index[-1])}: +{100 * _log_growth(mx):.2f} % a year in current "
              f"dollars (mean log growth of the last {GROWTH_YEARS} years)"),
             f"U.S. real GDP past {int(us_real.dropna().index[-1])}: +{100 * g_real:.2f} % a year (same rule)")
    return Prices(
        years=tuple(years), base_year=settings.base_year, basis=settings.price_basis, inflation=settings.inflation,
        discount_rate=settings.discount_rate,
        deflator=arr([d[y] for y in years]),
        real=arr([d[settings.base_year] / d[y] for y in years]),
        jobs=arr([d[JOBS_PRICE_YEAR] / d[y] for y in years]),
        discount=arr([(1 + settings.discount_rate / 100) ** -(y - settings.base_year) for y in years]),
        mx_gdp=arr([mx_path[y] for y in years]), us_gdp=arr([us_path[y] for y in years]),
        mx_growth=_log_growth(mx), us_real_growth=g_real, notes=notes)


def coefficients(channel: Any, params: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """(measures, draws) coefficients of one channel: each measure per US$ of the channel's impact
    (jobs: thousand jobs per US$ bn of 2024 dollars = jobs per US$ 1 m).  Measures the channel does
    not reach are zero."""
    out = np.zeros((len(MEASURES), n))
    for i, m in enumerate(MEASURE_NAMES):
        f = channel.passthrough.get(m)
        if f is not None:
            out[i] = f(params)
    return out



#: parameter names (in any channel's block) that belong to this layer, listed on the Value added sheet
PARAMETERS = ("mx_va_share", "us_va_share", "us_owner_share", "mx_gdp_multiplier", "mx_jobs", "us_jobs")
