"""Rebuild the bundled data pack (impact/data/*.csv) from the reference copies.

Run from the repository root:  python tools/build_data_pack.py [REFERENCE_DATA_DIR]

The reference folder holds public statistics with their official sources (see its SOURCES.md).
This script only reshapes them into one tidy CSV per series (``period,value``), so that
the package never depends on the reference folder at run time.  The catalog
(impact/data/catalog.yaml) is maintained by hand: it names the official publisher and
series code of each file written here.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "impact" / "data"


def _long(df: pd.DataFrame, series: str, period: str = "year") -> pd.DataFrame:
    sub = df[df["series"] == series]
    return pd.DataFrame({"period": sub[period].astype(str), "value": sub["value"].astype(float)})


def build(ref: Path) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    m = pd.read_csv(ref / "us_imports_from_mexico_monthly.csv")
    out["us_imports_mexico_monthly"] = pd.DataFrame(
        {"period": m["date"].str.slice(0, 7), "value": m["value"].astype(float).round(6)}
    )
    a = pd.read_csv(ref / "us_imports_from_mexico_annual.csv")
    out["us_imports_mexico_annual"] = pd.DataFrame({"period": a["year"].astype(str), "value": a["value"].astype(float)})
    r = pd.read_csv(ref / "mx_tourism_receipts_annual.csv")
    r["value"] = r["value"].astype(float) / 1e6  # USD -> USD millions
    out["mx_tourism_receipts_wdi"] = _long(r, "wdi_st_int_rcpt_cd")
    out["mx_visitor_receipts_inegi"] = _long(r, "inegi_banxico_total_visitor_receipts")
    out["mx_tourist_spending_evi"] = _long(r, "inegi_evi_international_tourist_spending")
    out["us_travel_imports_mexico_bea"] = _long(r, "bea_us_travel_imports_from_mexico")
    h = pd.read_csv(ref / "mx_homicides_annual.csv")
    out["mx_homicide_rate_wdi"] = _long(h, "wdi_unodc_rate")
    out["mx_homicide_rate_inegi"] = _long(h, "inegi_rate")
    cnt = _long(h, "inegi_count_definitive")
    later = _long(h, "inegi_count_later_release")  # 2024, later (likely definitive) release
    out["mx_homicides_inegi"] = pd.concat([cnt, later], ignore_index=True)
    g = pd.read_csv(ref / "us_real_gdp_annual.csv")
    out["us_real_gdp"] = pd.DataFrame({"period": g["year"].astype(str), "value": g["value"].astype(float)})
    fx = pd.read_csv(ref / "usd_mxn_annual_average.csv")
    out["mxn_per_usd"] = pd.DataFrame({"period": fx["year"].astype(str), "value": fx["value"].astype(float)})
    di = pd.read_csv(ref / "us_direct_investment_position_mexico.csv").drop_duplicates()
    di = di[di["component"] == "all industries"]
    out["us_di_position_mexico"] = pd.DataFrame({"period": di["year"].astype(str), "value": di["value"].astype(float)})
    f = pd.read_csv(ref / "mx_fdi_inflows_partial.csv")
    out["mx_fdi_inflows_total"] = _long(f, "total")
    out["mx_fdi_inflows_from_us"] = _long(f, "from_united_states")
    rem = pd.read_csv(ref / "mx_remittances_annual.csv")
    out["mx_remittances"] = pd.DataFrame({"period": rem["year"].astype(str), "value": rem["value"].astype(float)})
    # the source and vintage are written on every row of the reference copy; the catalog keeps them once
    mr = pd.read_csv(ref / "mx_remittances_monthly.csv", dtype={"period": str, "value": str})
    out["mx_remittances_monthly"] = pd.DataFrame({"period": mr["period"], "value": mr["value"].astype(float)})
    # value-added layer: denominators and the real-dollar price index (source on every row of the reference copy)
    for src, dst in (("mx_gdp_usd_annual.csv", "mx_gdp_usd"), ("us_gdp_deflator_annual.csv", "us_gdp_deflator")):
        d = pd.read_csv(ref / src)
        out[dst] = pd.DataFrame({"period": d["period"].astype(str), "value": d["value"].astype(float)})
    out.update(build_panels(ref / "panel"))
    return out


#: residence country as written in SEGOB's tables -> the two-letter code the bundled file uses
RESIDENCE = {"Estados Unidos": "US", "Canadá": "CA"}


def build_panels(panel: Path) -> dict[str, pd.DataFrame]:
    """Subnational panels (``period,<keys>,value``), one value per file, rows ordered by keys then
    period.  States are INEGI two-digit codes; destinations DataTur centre codes."""
    out: dict[str, pd.DataFrame] = {}
    h = pd.read_csv(panel / "mx_destination_month_hotel_occupancy_datatur.csv", dtype={"state_code": str})
    for col, name in (("cuartos_ocupados", "mx_hotel_occupied_rooms_monthly"),
                      ("cuartos_disponibles", "mx_hotel_available_rooms_monthly")):
        out[name] = pd.DataFrame({"period": h["month"], "state": h["state_code"], "destination": h["centro_code"],
                                  "value": h[col].astype(float)})
    k = pd.read_csv(panel / "mx_state_month_homicide_victims_sesnsp.csv", dtype={"state_code": str})
    out["mx_homicide_victims_state_monthly"] = pd.DataFrame(
        {"period": k["month"], "state": k["state_code"], "value": k["homicidio_doloso_victims"].astype(float)})
    pop = k.drop_duplicates(["year", "state_code"])
    out["mx_population_state"] = pd.DataFrame({"period": pop["year"].astype(str), "state": pop["state_code"],
                                               "value": pop["population_mid_year_conapo"].astype(float)})
    v = pd.read_csv(panel / "mx_state_month_travel_advisory_level_derived.csv", dtype={"state_code": str})
    out["us_travel_advisory_state_monthly"] = pd.DataFrame(
        {"period": v["month"], "state": v["state_code"], "value": v["state_level"].astype(float)})
    f = pd.read_csv(panel / "mx_state_quarter_fdi_se.csv", dtype={"state_code": str})
    out["mx_fdi_state_quarterly"] = pd.DataFrame({"period": f["period"], "state": f["state_code"],
                                                  "value": f["fdi_usd_millions"].astype(float)})
    a = pd.read_csv(panel / "mx_airport_month_air_tourist_arrivals_us_canada.csv")
    out["mx_air_arrivals_us_canada_monthly"] = pd.DataFrame(
        {"period": a["month"], "airport": a["airport_iata"], "residence": a["residence_country"].map(RESIDENCE),
         "value": a["foreign_tourist_air_arrivals"].astype(float)})
    for df in out.values():  # counts stay integers in the file, money keeps its digits
        df["value"] = [format(x, ".15g") for x in df["value"]]
    return out


def main() -> None:
    ref = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent / "shared" / "reference" / "data"
    for name, df in build(ref).items():
        keys = [c for c in df.columns if c not in ("period", "value")]
        df = df.sort_values(keys + ["period"]).reset_index(drop=True)
        df.to_csv(OUT / f"{name}.csv", index=False, lineterminator="\n")
        print(f"{name}: {len(df)} rows, {df['period'].iloc[0]}..{df['period'].iloc[-1]}")


if __name__ == "__main__":
    main()
