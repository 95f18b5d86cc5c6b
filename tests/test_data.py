import numpy as np
import pandas as pd
import pytest

from impact import data
from impact.errors import DataError


@pytest.mark.parametrize("sid", list(data.catalog()))
def test_every_catalog_entry_loads_with_metadata(sid):
    s = data.load(sid)
    assert len(s) > 0
    assert np.isfinite(s.to_numpy()).all()
    for field in ("unit", "source", "series_code", "frequency", "coverage", "vintage", "description"):
        assert s.attrs[field], f"{sid}: empty {field}"
    assert s.index.is_monotonic_increasing and not s.index.has_duplicates


def test_catalog_matches_files():
    files = {p.stem for p in data.HERE.glob("*.csv")}
    assert files == set(data.catalog())


def test_monthly_imports_match_official_annual_totals():
    # Independent check: annual totals published by the Census Bureau (U.S. trade in goods with Mexico,
    # quoted in the reference data; the catalog lists 1993 and 1996 among its cross-checked Census
    # releases). The bundled annual file is *not* compared here: it is derived by summing these
    # same months (catalog: "annual total derived by summing months"), so that check was circular.
    # Tolerance: Census publishes to 0.1 (US$ m); 0.2 allows the rounding of the 12 monthly values.
    m = data.load("us_imports_mexico_monthly")
    annual = m.groupby(m.index.year).sum()
    assert annual[1996] == pytest.approx(74297.2, abs=0.2)
    assert annual[1993] == pytest.approx(39917.5, abs=0.2)


def test_unknown_series_suggests_name():
    with pytest.raises(DataError, match="did you mean 'us_real_gdp'"):
        data.load("us_real_gdpp")


@pytest.mark.parametrize("body,fragment", [
    ("period,value\n2020,1\n2021,\n", "value is missing"),
    ("period,value\n2020,1\n2021,abc\n", "not a number"),
    ("year,amount\n2020,1\n", "wrong columns"),
    ("period,value\n2021,1\n2020,2\n", "increasing order"),
    ("period,value\n2020,1\n2020,2\n", "duplicate period"),
    ("period,value\n20x0,1\n", "period must be a year"),
    ("period,value\n2020,inf\n", "finite"),
])
def test_malformed_csv_is_rejected_with_line(tmp_path, body, fragment):
    p = tmp_path / "x.csv"
    p.write_text(body)
    with pytest.raises(DataError) as ei:
        data.load("us_real_gdp", p)
    assert fragment in str(ei.value)
    assert str(p) in str(ei.value)


def test_override_csv_loads(tmp_path):
    p = tmp_path / "gdp.csv"
    pd.DataFrame({"period": [2020, 2021], "value": [1.0, 2.0]}).to_csv(p, index=False)
    s = data.load("us_real_gdp", p)
    assert list(s.index) == [2020, 2021] and s.attrs["unit"] == data.catalog()["us_real_gdp"]["unit"]


@pytest.mark.parametrize("body,line,fragment", [
    ("period,state,value\n2024-Q1,01,1\n2024-Q2,01,2\n2024-Q1,02,3\n2024-Q1,01,4\n", 5,
     "rows of 01 are not together"),
    ("period,state,value\n2024-Q1,01,1\n2024-Q1,01,2\n", 3, "duplicate period"),
    ("period,state,value\n2024-Q2,01,1\n2024-Q1,01,2\n", 3, "increasing order"),
    ("period,state,value\n2024-Q5,01,1\n", 2, "YYYY-Qn"),
    ("period,state,value\n2024-Q1,,1\n", 2, "state is missing"),
    ("period,value\n2024-Q1,1\n", 1, "period,state,value"),
])
def test_malformed_panel_is_rejected_with_line(tmp_path, body, line, fragment):
    p = tmp_path / "fdi.csv"
    p.write_text(body)
    with pytest.raises(DataError) as ei:
        data.load("mx_fdi_state_quarterly", p)
    msg = str(ei.value)
    assert fragment in msg and f"{p}:{line}" in msg, msg


def test_panel_override_loads_by_unit_then_period(tmp_path):
    p = tmp_path / "fdi.csv"
    p.write_text("period,state,value\n2024-Q1,01,1.5\n2024-Q2,01,-2\n2024-Q1,02,3\n")
    s = data.load("mx_fdi_state_quarterly", p)
    assert list(s.index.names) == ["state", "period"]
    assert s[("01", pd.Period("2024Q2", "Q"))] == -2.0 and s.index.is_monotonic_increasing
    assert data.line_of(s, ("02", pd.Period("2024Q1", "Q"))) == 4


@pytest.mark.parametrize("sid", [s for s, m in data.catalog().items() if m["frequency"] in ("monthly", "quarterly")])
def test_period_index_equals_pandas_parsing_the_texts(sid):
    # the loader builds periods from ordinals; pandas parsing each text of the file is the reference
    import csv

    with open(data.path_of(sid), encoding="utf-8-sig", newline="") as fh:
        texts = [row[0].strip() for row in list(csv.reader(fh))[1:] if row]
    freq = "M" if data.catalog()[sid]["frequency"] == "monthly" else "Q"
    want = pd.PeriodIndex([t.replace("-Q", "Q") for t in texts], freq=freq)
    got = data.load(sid).index
    got = got.get_level_values("period") if isinstance(got, pd.MultiIndex) else got
    assert got.equals(want) and got.dtype == want.dtype


def test_a_file_read_twice_gives_independent_copies_and_its_own_name(tmp_path):
    p, q = tmp_path / "a.csv", tmp_path / "b.csv"
    for f in (p, q):
        f.write_text("period,value\n2020,1\n2021,2\n")
    first = data.load("us_real_gdp", p)
    first.iloc[0] = -99.0
    first.attrs["note"] = "changed"
    again = data.load("us_real_gdp", q)  # same bytes, another file: served from memory
    assert list(again) == [1.0, 2.0] and "note" not in again.attrs
    assert again.attrs["file"] == str(q) and data.line_of(again, "2021") == 3
    q.write_text("period,value\n2020,1\n2021,5\n")  # new content is read afresh
    assert list(data.load("us_real_gdp", q)) == [1.0, 5.0]
    q.write_text("period,value\n2021,1\n2020,2\n")  # and checked afresh
    with pytest.raises(DataError, match="increasing order"):
        data.load("us_real_gdp", q)
