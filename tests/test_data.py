"""Loading and validation of user files: one test per bad input, each through the CLI
(`toolkit validate` and `toolkit metrics`, in-process through ``toolkit.cli.main``; a few in a
subprocess as a user runs them): exit 2, the message names the file, the row and the column,
and nothing is written."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from toolkit import readers
from toolkit.cli import main
from toolkit.data import (
    check_regions_of_analysis,
    load_panel,
    read_table,
    validate_panel,
    write_parquet_atomic,
)
from toolkit.errors import BadInputError
from toolkit.parameters import RegionOfAnalysis, load_regions_of_analysis
from toolkit.reference import load_regions

TOOLKIT = [sys.executable, "-m", "toolkit.cli"]
HEADER = "region,sector,year,employment,enterprises\n"


def run(*args: str) -> subprocess.CompletedProcess:
    """The CLI's main() in this process (same code path as the console script, without the
    second of interpreter start-up per call); returns exit code and captured streams."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def run_subprocess(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*TOOLKIT, *args], capture_output=True, text=True)


def write(tmp_path: Path, text: str, name: str = "panel.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def assert_bad(path: Path, tmp_path: Path, *fragments: str, extra: tuple[str, ...] = ()) -> str:
    """`toolkit validate` and `toolkit metrics` both exit 2, name the file and the fragments,
    and metrics writes no output."""
    checked = run("validate", str(path), *extra)
    assert checked.returncode == 2, checked.stderr
    out = tmp_path / "metrics.csv"
    computed = run("metrics", "--panel", str(path), "--out", str(out), *extra)
    assert computed.returncode == 2, computed.stderr
    assert not out.exists()
    assert not list(tmp_path.glob(".metrics.csv*"))
    for stderr in (checked.stderr, computed.stderr):
        assert str(path) in stderr
        for fragment in fragments:
            assert fragment in stderr, stderr
    return checked.stderr


def test_missing_column_is_named(tmp_path):
    path = write(tmp_path, "region,sector,year\nAT11,C10,2019\n")
    assert_bad(path, tmp_path, "column 'employment'", "missing required column")


def test_text_in_numeric_column_names_row_and_column(tmp_path):
    path = write(tmp_path, HEADER + "AT11,C10,2019,12,3\nAT12,C10,2019,many,4\n")
    assert_bad(path, tmp_path, "row 3, column 'employment'", "expected a number, got 'many'")


def test_negative_employment_names_row_and_column(tmp_path):
    path = write(tmp_path, HEADER + "AT11,C10,2019,12,3\nAT12,C10,2019,-5,4\n")
    assert_bad(path, tmp_path, "row 3, column 'employment'", "negative count", "got -5")


def test_negative_enterprises_is_reported_too(tmp_path):
    path = write(tmp_path, HEADER + "AT11,C10,2019,12,-3\n")
    assert_bad(path, tmp_path, "row 2, column 'enterprises'", "negative count")


def test_duplicate_rows_name_both_rows(tmp_path):
    path = write(tmp_path, HEADER + "AT11,C10,2019,12,3\nAT12,C10,2019,5,1\nAT11,C10,2019,13,3\n")
    stderr = assert_bad(
        path,
        tmp_path,
        "row 4, column 'region'",
        "duplicate region-sector-year row (AT11, C10, 2019)",
        "first seen on row 2",
    )
    assert "row 3" not in stderr


def test_text_in_year_column(tmp_path):
    path = write(tmp_path, HEADER + "AT11,C10,2019,12,3\nAT12,C10,year 2019,5,1\n")
    stderr = assert_bad(
        path, tmp_path, "row 3, column 'year'", "expected a whole number (year), got 'year 2019'"
    )
    assert "empty cell" not in stderr  # the same cell is not reported twice


def test_implausible_year(tmp_path):
    path = write(tmp_path, HEADER + "AT11,C10,2019,12,3\nAT12,C10,219,5,1\n")
    assert_bad(path, tmp_path, "row 3, column 'year'", "implausible year", "got 219")


def test_fractional_year(tmp_path):
    path = write(tmp_path, HEADER + "AT11,C10,2019.5,12,3\n")
    assert_bad(path, tmp_path, "row 2, column 'year'", "whole year")


def test_every_problem_is_listed_at_once(tmp_path):
    path = write(
        tmp_path,
        HEADER + "AT11,C10,2019,-1,3\nAT12,C10,20x9,5,1\nAT13,C10,1800,5,1\nAT14,C10,2019,x,1\n",
    )
    stderr = assert_bad(path, tmp_path, "4 problems found")
    for row in (2, 3, 4, 5):
        assert f"row {row}," in stderr


def test_empty_file(tmp_path):
    path = write(tmp_path, "")
    assert_bad(path, tmp_path, "the file is empty")


def test_blank_lines_only_is_empty(tmp_path):
    path = write(tmp_path, "\n\n  \n")
    assert_bad(path, tmp_path, "the file is empty")


def test_header_only_file(tmp_path):
    path = write(tmp_path, HEADER)
    assert_bad(path, tmp_path, "header but no data rows")


def test_unknown_sector_code_with_sector_file(tmp_path):
    sectors = write(tmp_path, "code,name\nC10,Food\nC26,Computers\n", "sectors.csv")
    path = write(tmp_path, HEADER + "AT11,C10,2019,12,3\nAT11,C99,2019,5,1\n")
    assert_bad(
        path,
        tmp_path,
        "row 3, column 'sector'",
        "unknown sector code 'C99'",
        extra=("--sectors", str(sectors)),
    )


def test_unknown_region_code_with_regions_file(tmp_path):
    regions = write(tmp_path, "code,name\nN1,North\nS1,South\n", "regions.csv")
    path = write(tmp_path, HEADER + "N1,C10,2019,12,3\nW1,C10,2019,5,1\n")
    assert_bad(
        path,
        tmp_path,
        "row 3, column 'region'",
        "unknown region code 'W1'",
        extra=("--region-table", str(regions)),
    )


def test_mixed_nuts_versions_name_the_version(tmp_path):
    # FR30 (Nord-Pas-de-Calais) is NUTS 2013; FRE1 is the same territory in NUTS 2016.
    path = write(tmp_path, HEADER + "FRE2,C10,2019,12,3\nFR30,C10,2019,5,1\nFI1D,C10,2019,7,1\n")
    assert_bad(
        path, tmp_path, "row 3, column 'region'", "mixed NUTS versions", "NUTS 2013 code", "FRE1"
    )


def test_nuts_2021_code_against_the_2016_table_names_the_version(tmp_path):
    # HR02 (Panonska Hrvatska) exists from NUTS 2021 on.
    path = write(tmp_path, HEADER + "HR04,C10,2019,12,3\nHR02,C10,2019,5,1\n")
    table = str(Path(__file__).parents[1] / "data" / "reference" / "nuts2016_regions.csv")
    assert_bad(
        path,
        tmp_path,
        "row 3, column 'region'",
        "NUTS 2021",
        "version mismatch",
        extra=("--region-table", table),
    )


def test_own_region_codes_are_not_taken_for_nuts(tmp_path):
    path = write(tmp_path, HEADER + "CITY1,C10,2019,12,3\nCITY2,C10,2019,5,1\n")
    assert run("validate", str(path)).returncode == 0


def test_semicolon_and_decimal_commas_are_accepted(tmp_path):
    text = (
        "region;sector;year;employment;wages\n"
        "AT11;C10;2019;12,5;1.234.567,5\nAT12;C10;2019;3;2500000\n"
    )
    path = write(tmp_path, text)
    result = run("validate", str(path))
    assert result.returncode == 0, result.stderr
    panel = load_panel(path)
    assert panel["employment"].tolist() == [12.5, 3.0]
    assert panel["wages"].tolist() == [1234567.5, 2500000.0]


def test_mixed_decimal_separators_are_explained(tmp_path):
    text = "region;sector;year;employment\nAT11;C10;2019;12,5\nAT12;C10;2019;3.5\n"
    path = write(tmp_path, text)
    assert_bad(path, tmp_path, "row 3, column 'employment'", "ambiguous decimal separator")


def test_comma_inside_a_number_of_a_comma_file_is_explained(tmp_path):
    path = write(tmp_path, HEADER + 'AT11,C10,2019,"1,234",3\n')
    assert_bad(path, tmp_path, "row 2, column 'employment'", "ambiguous number '1,234'")


def test_wrong_delimiter_in_header(tmp_path):
    path = write(tmp_path, "region:sector:year:employment\nAT11:C10:2019:5\n")
    assert_bad(path, tmp_path, "row 1", "all columns were read as one", "delimiter")


def test_rows_with_another_delimiter_than_the_header(tmp_path):
    path = write(tmp_path, "region;sector;year;employment\nAT11;C10;2019;5\nAT12,C10,2019,6\n")
    assert_bad(path, tmp_path, "row 3, column 'region'", "wrong delimiter")


def test_windows_1252_file_is_read_with_a_warning(tmp_path):
    regions = write(
        tmp_path, "code,name\nN1,Région Nord\nS1,Région Sud\n", "regions.csv", encoding="cp1252"
    )
    path = write(
        tmp_path,
        "region,sector,year,employment\nN1,Bâtiment,2019,12\nS1,Bâtiment,2019,5\n",
        encoding="cp1252",
    )
    result = run("validate", str(path), "--region-table", str(regions))
    assert result.returncode == 0, result.stderr
    assert "not UTF-8" in result.stderr and str(path) in result.stderr
    frame = read_table(path)
    assert frame["sector"].tolist() == ["Bâtiment", "Bâtiment"]
    assert load_regions(regions)["name"].tolist() == ["Région Nord", "Région Sud"]


def test_binary_file_with_csv_name_is_bad_input(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary\x00stuff")
    assert_bad(path, tmp_path, "not a text file")


def test_excel_with_data_on_the_second_sheet(tmp_path):
    path = tmp_path / "panel.xlsx"
    data = pd.DataFrame(
        {
            "region": ["AT11", "AT12"],
            "sector": ["C10", "C10"],
            "year": [2019, 2019],
            "employment": [12, 30],
        }
    )
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"read me": ["Source: statistical office", "Unit: persons"]}).to_excel(
            writer, sheet_name="About", index=False
        )
        data.to_excel(writer, sheet_name="Panel 2019", index=False)
    result = run("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert load_panel(path)["employment"].tolist() == [12.0, 30.0]


def test_excel_errors_name_the_row(tmp_path):
    path = tmp_path / "panel.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"notes": ["x"]}).to_excel(writer, sheet_name="notes", index=False)
        pd.DataFrame(
            {
                "region": ["AT11", "AT12"],
                "sector": ["C10", "C10"],
                "year": [2019, 2019],
                "employment": [12, -30],
            }
        ).to_excel(writer, sheet_name="data", index=False)
    assert_bad(path, tmp_path, "row 3, column 'employment'", "negative count")


def test_truncated_parquet(tmp_path):
    good = tmp_path / "good.parquet"
    frame = pd.DataFrame(
        {
            "region": ["AT11"] * 50,
            "sector": [f"S{i}" for i in range(50)],
            "year": 2019,
            "employment": range(50),
        }
    )
    write_parquet_atomic(frame, good, {"source": "test"})
    path = tmp_path / "panel.parquet"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert_bad(path, tmp_path, "cannot read Parquet", "truncated")


def test_unsupported_extension(tmp_path):
    path = write(tmp_path, HEADER, name="panel.json")
    assert_bad(path, tmp_path, "unsupported file type")


def test_parquet_declaring_another_nuts_version_is_not_flagged(tmp_path):
    frame = pd.DataFrame(
        {"region": ["FRE1", "HR02"], "sector": "C10", "year": 2022, "employment": [5.0, 6.0]}
    )
    path = tmp_path / "eurostat.parquet"
    write_parquet_atomic(frame, path, {"source": "Eurostat", "nuts_version": "2021"})
    assert load_panel(path)["region"].tolist() == ["FRE1", "HR02"]
    undeclared = tmp_path / "plain.parquet"
    write_parquet_atomic(frame, undeclared, {"source": "someone"})
    with pytest.raises(BadInputError, match="HR02"):
        load_panel(undeclared)


def test_validate_panel_in_memory_returns_typed_frame():
    frame = pd.DataFrame(
        {"region": [" A "], "sector": ["X"], "year": ["2019"], "employment": ["7"]}
    )
    result = validate_panel(frame, "mem")
    assert result.frame.loc[0, "region"] == "A"
    assert result.frame["year"].dtype == "int64"
    assert result.frame.loc[0, "employment"] == 7.0
    assert any("wages" in str(w) for w in result.warnings)


def test_moderately_large_file_is_validated(tmp_path):
    # 120,000 rows (~4 MB): the reader streams from disk; speed is measured in the benchmark.
    regions = [f"R{i:03d}" for i in range(200)]
    sectors = [f"S{i:02d}" for i in range(60)]
    index = pd.MultiIndex.from_product(
        [regions, sectors, range(2010, 2020)], names=["region", "sector", "year"]
    )
    frame = index.to_frame(index=False)
    frame["employment"] = (frame.index % 997).astype(float)
    path = tmp_path / "large.csv"
    frame.to_csv(path, index=False)
    panel = load_panel(path)
    assert len(panel) == 120_000
    assert panel["employment"].sum() == frame["employment"].sum()


# --- regions of analysis ------------------------------------------------------------------


def test_regions_of_analysis_with_unknown_code_name_file_and_code(tmp_path):
    path = write(
        tmp_path,
        "regions:\n  - id: north\n    name: North\n    members: [FI1D, XX99]\n",
        "unions.yaml",
    )
    unions = load_regions_of_analysis(path)
    with pytest.raises(BadInputError) as caught:
        check_regions_of_analysis(unions, load_regions(), path)
    text = str(caught.value)
    assert str(path) in text and "'XX99'" in text and "north" in text
    assert "FI1D" not in text


def test_regions_of_analysis_with_old_nuts_code_names_the_version(tmp_path):
    unions = [RegionOfAnalysis("hdf", "Hauts-de-France", ("FR30", "FR22"))]
    with pytest.raises(BadInputError) as caught:
        check_regions_of_analysis(unions, load_regions(), "pilots.yaml")
    assert len(caught.value.problems) == 2
    assert "NUTS 2013" in str(caught.value) and "pilots.yaml" in str(caught.value)


def test_pilot_regions_are_all_in_the_reference_table():
    check_regions_of_analysis(load_regions_of_analysis(), load_regions(), "pilot_regions.yaml")


def test_console_script_exits_2_and_writes_nothing_for_a_bad_file(tmp_path):
    path = write(tmp_path, HEADER + "AT11,C10,2019,-1,3\nAT11,C10,2019,4,3\n")
    out = tmp_path / "metrics.csv"
    result = run_subprocess("metrics", "--panel", str(path), "--out", str(out))
    assert result.returncode == 2
    assert f"{path}, row 2, column 'employment'" in result.stderr
    assert f"{path}, row 3, column 'region'" in result.stderr
    assert not out.exists()
    valid = run_subprocess("validate", str(path))
    assert valid.returncode == 2 and "2 problems found" in valid.stderr


def test_large_file_reader_gives_the_same_table_and_names_bad_cells(tmp_path, monkeypatch):

    text = HEADER + "".join(f"R{i},C10,2019,{i},{i % 7}\n" for i in range(2000))
    path = write(tmp_path, text + "R9999,C10,2019,12 ,x\n")
    with pytest.raises(BadInputError) as small:
        load_panel(path)
    monkeypatch.setattr(readers, "LARGE_FILE_BYTES", 0)  # force the pyarrow reader
    with pytest.raises(BadInputError) as large:
        load_panel(path)
    assert [str(p) for p in large.value.problems] == [str(p) for p in small.value.problems]
    assert "row 2002, column 'enterprises'" in str(large.value)
    good = write(tmp_path, text, name="good.csv")
    fast = load_panel(good)
    monkeypatch.setattr(readers, "LARGE_FILE_BYTES", 10**12)
    pd.testing.assert_frame_equal(fast, load_panel(good))


def test_large_file_reader_falls_back_on_ragged_rows(tmp_path, monkeypatch):

    monkeypatch.setattr(readers, "LARGE_FILE_BYTES", 0)
    path = write(tmp_path, "region;sector;year;employment\nAT11;C10;2019;5\nAT12,C10,2019,6\n")
    with pytest.raises(BadInputError, match="wrong delimiter"):
        load_panel(path)


# --- region context -----------------------------------------------------------------------


def test_context_negative_indicator_and_duplicate_year(tmp_path):
    path = write(
        tmp_path,
        "region,year,population,rd_intensity\nAT11,2019,294436,1.2\n"
        "AT12,2019,1684287,-0.5\nAT11,2019,294436,1.2\n",
        "context.csv",
    )
    result = run("validate", str(path))
    assert result.returncode == 2
    assert f"{path}, row 3, column 'rd_intensity': negative value" in result.stderr
    assert f"{path}, row 4, column 'region': duplicate region-year row" in result.stderr


def test_context_value_in_wrong_unit_is_a_warning(tmp_path):
    # Population given in thousands: 294 persons is far below any NUTS-2 region.
    path = write(
        tmp_path, "region,year,population\nAT11,2019,294.4\nAT12,2019,1684287\n", "context.csv"
    )
    result = run("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert f"warning: {path}, row 2, column 'population': 1 value(s) far outside" in result.stderr


def test_regions_of_analysis_may_use_the_panels_own_codes():
    unions = [RegionOfAnalysis("metro", "Metro area", ("CITY-1", "CITY-2"))]
    check_regions_of_analysis(
        unions, load_regions(), "unions.yaml", extra_codes=["CITY-1", "CITY-2", "CITY-3"]
    )
    with pytest.raises(BadInputError, match="CITY-2"):
        check_regions_of_analysis(unions, load_regions(), "unions.yaml", extra_codes=["CITY-1"])
