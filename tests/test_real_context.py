"""The real Eurostat context (toolkit.realcontext): values mapped onto the catalogue's columns
as published, checked against the raw CSV row read with the csv module; validation through
toolkit.data.load_context; coverage; the `toolkit data context --real` handler."""

from __future__ import annotations

import argparse
import csv
import hashlib
from pathlib import Path

import pytest

from toolkit import realcontext
from toolkit.data import load_context, validate_context
from toolkit.errors import BadInputError
from toolkit.parameters import load_indicators

SHIPPED_CSV = (
    Path(__file__).parent.parent / "data" / "real" / "nuts2_context_indicators_2007_2018.csv"
)
SHIPPED_SHA256 = "49df96ff3ba12a70dd757b9ff912051d06e74c3d48acc48595d6ae784f5a3ebd"
ADDED = (
    "gdp_per_capita_eur",
    "disposable_income_pps",
    "epo_patent_applications",
    "life_expectancy",
    "gender_employment_gap",
)


def raw_row(region: str, year: int) -> dict[str, str]:
    with SHIPPED_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["nuts_id"] == region and row["year"] == str(year):
                return row
    raise LookupError((region, year))


@pytest.fixture(scope="module")
def context():
    return realcontext.real_context()


def value(context, region: str, year: int, column: str) -> float:
    row = context[(context["region"] == region) & (context["year"] == year)]
    assert len(row) == 1
    return float(row[column].iloc[0])


def test_the_shipped_csv_is_the_recorded_copy():
    assert hashlib.sha256(SHIPPED_CSV.read_bytes()).hexdigest() == SHIPPED_SHA256


def test_oberbayern_2016_is_mapped_from_the_raw_row(context):
    raw = raw_row("DE21", 2016)
    assert value(context, "DE21", 2016, "population") == 4588944
    assert value(context, "DE21", 2016, "unemployment_rate") == 2.4
    expected = float(raw["region_gdp"]) * 1e6 / float(raw["region_population"])
    assert expected == pytest.approx(253269.39e6 / 4588944)
    assert value(context, "DE21", 2016, "gdp_per_capita_eur") == pytest.approx(expected)
    assert value(context, "DE21", 2016, "disposable_income_pps") == float(
        raw["disp_income_household"]
    )
    assert value(context, "DE21", 2016, "life_expectancy") == float(raw["life_expectancy_t"])
    assert value(context, "DE21", 2016, "gender_employment_gap") == float(raw["gender_employ_gap"])


def test_broadband_and_patents_come_from_their_own_columns(context):
    raw = raw_row("AT34", 2010)  # Vorarlberg: the highest patent intensity of the file
    assert value(context, "AT34", 2010, "epo_patent_applications") == float(raw["patents"])
    raw = raw_row("LU00", 2018)
    assert value(context, "LU00", 2018, "broadband_coverage") == float(
        raw["broadband_access_household"]
    )


def test_an_empty_source_cell_stays_missing_and_is_never_filled(context):
    raw = raw_row("DE21", 2007)
    assert raw["region_population"] == ""  # population is not published for 2007
    assert value(context, "DE21", 2007, "gdp_per_capita_eur") != value(
        context, "DE21", 2007, "gdp_per_capita_eur"
    )  # NaN: no population, no per-capita value


def test_catalogue_indicators_without_data_are_left_out_and_listed(context):
    catalogue = load_indicators()
    available, missing = context.attrs["available"], context.attrs["not_available"]
    assert set(available) | set(missing) == set(catalogue.indicators)
    assert not set(available) & set(missing)
    assert list(context.columns) == ["region", "year", *available]
    for code in ("gdp_per_capita_pps", "rd_intensity", "patent_applications", "total_employment"):
        assert code in missing and code not in context.columns
    assert set(ADDED) <= set(available)
    assert context.attrs["synthetic"] is False
    assert "Eurostat" in context.attrs["source"] and "Eurostat" in context.attrs["notice"]


def test_every_added_indicator_is_documented_in_the_catalogue():
    catalogue = load_indicators().indicators
    for code in ADDED:
        indicator = catalogue[code]
        assert indicator.name and indicator.unit and indicator.weight == "population"
        assert "Eurostat" in indicator.definition
    assert catalogue["gender_employment_gap"].direction == "lower_is_better"
    assert catalogue["gdp_per_capita_eur"].unit == "EUR per inhabitant"
    assert catalogue["gdp_per_capita_eur"].dimension == "economic_performance"
    # The catalogue's own definitions are kept apart from the Eurostat ones.
    assert catalogue["gdp_per_capita_pps"].unit == "PPS per inhabitant"
    assert catalogue["patent_applications"].unit == "per billion GDP (PPS)"


def test_one_row_per_region_and_year_of_nuts2016_codes(context):
    assert not context.duplicated(["region", "year"]).any()
    assert context["region"].nunique() == 332
    assert context["year"].min() == 2007 and context["year"].max() == 2018
    assert context.drop(columns=["region", "year"]).notna().any(axis=1).all()


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_written_file_loads_through_validation(tmp_path, suffix, context):
    out = realcontext.write_real_context(tmp_path / f"context{suffix}")
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary left
    loaded = load_context(out)
    assert len(loaded) == len(context)
    assert value(loaded, "DE21", 2016, "population") == 4588944
    if suffix == ".parquet":
        assert loaded.attrs["synthetic"] is False
        assert loaded.attrs["nuts_version"] == "2016"
        assert "gdp_per_capita_eur" in loaded.attrs["available"].split(",")


def test_validation_finds_no_error_and_no_unit_slip(context):
    warnings = validate_context(context, "real").warnings
    # Only the few negative gender gaps (women employed more than men) fall outside the
    # band the validator allows around a negative lower bound.
    assert {w.column for w in warnings} <= {"gender_employment_gap"}


def test_an_output_of_another_kind_is_refused(tmp_path):
    with pytest.raises(BadInputError, match=r"\.parquet or \.csv"):
        realcontext.write_real_context(tmp_path / "context.xlsx")


def test_a_source_without_the_columns_is_named(tmp_path):
    bad = tmp_path / "other.csv"
    bad.write_text("nuts_id,year\nDE21,2016\n")
    with pytest.raises(BadInputError, match="other.csv.*region_gdp"):
        realcontext.real_context(bad)
    with pytest.raises(BadInputError, match="missing.csv.*file not found"):
        realcontext.real_context(tmp_path / "missing.csv")


def test_coverage_counts_regions_and_years_per_indicator(context):
    table = realcontext.coverage(context, load_indicators()).set_index("indicator")
    patents = table.loc["epo_patent_applications"]
    assert patents["available"] and patents["years"] == "2007-2012"
    assert table.loc["population", "regions"] == 332
    assert table.loc["population", "years"] == "2008-2018"  # not published for 2007
    assert not table.loc["rd_intensity", "available"]
    assert table.loc["rd_intensity", "regions"] == 0 and table.loc["rd_intensity", "years"] == ""


def test_year_ranges_are_compact():
    assert realcontext._year_ranges([2012, 2008, 2009, 2010, 2014, 2015]) == (
        "2008-2010, 2012, 2014-2015"
    )


def test_cli_handler_writes_the_default_file_and_lists_what_exists(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EOCIC_DATA", str(tmp_path / "data"))  # the source falls back to data/
    assert realcontext.cmd_context(argparse.Namespace(real=True, out=None)) == 0
    out = tmp_path / "data" / "real" / "context.parquet"
    assert load_context(out).attrs["synthetic"] is False
    printed = capsys.readouterr().out
    assert str(out) in printed
    assert "gdp_per_capita_eur (EUR per inhabitant)" in printed
    assert "not available" in printed and "rd_intensity" in printed


def test_cli_handler_without_real_points_to_the_demo(tmp_path):
    args = argparse.Namespace(real=False, out=str(tmp_path / "x.parquet"))
    with pytest.raises(BadInputError, match="toolkit data demo") as info:
        realcontext.cmd_context(args)
    assert info.value.exit_code == 2
    assert not (tmp_path / "x.parquet").exists()
