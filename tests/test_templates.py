"""`toolkit data template`: empty documented templates that `toolkit validate` accepts once
filled in (the spreadsheet path of the README)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from toolkit.cli import main
from toolkit.parameters import load_indicators


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    code, out, err = cli("data", "template", "--out", str(tmp_path))
    assert code == 0, err
    return tmp_path


def test_every_template_is_written_as_csv_and_excel(templates):
    for kind in ("panel", "context", "regions", "sectors"):
        assert (templates / f"{kind}_template.csv").is_file()
        book = openpyxl.load_workbook(templates / f"{kind}_template.xlsx")
        assert book.sheetnames == ["notes", "data"]
    assert not list(templates.glob(".*tmp*"))


def test_panel_template_columns_and_notes(templates):
    header = (templates / "panel_template.csv").read_text().strip().split(",")
    assert header == [
        "region",
        "sector",
        "year",
        "employment",
        "enterprises",
        "wages",
        "value_added",
    ]
    notes = pd.read_excel(templates / "panel_template.xlsx", sheet_name="notes")
    wages = notes[notes["column"] == "wages"].iloc[0]
    assert wages["unit"] == "EUR" and wages["required"] == "no"
    assert "productivity star" in wages["description"]


def test_context_template_lists_every_indicator(templates):
    header = (templates / "context_template.csv").read_text().strip().split(",")
    assert header[:2] == ["region", "year"]
    assert header[2:] == list(load_indicators().indicators)


def test_empty_template_is_reported_as_having_no_rows(templates):
    code, _, err = cli("validate", str(templates / "panel_template.xlsx"))
    assert code == 2 and "no data rows" in err


def _fill_sheet(path: Path, rows: list[list]) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["data"]
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_filled_excel_templates_validate_and_give_metrics(templates, tmp_path):
    _fill_sheet(
        templates / "regions_template.xlsx",
        [["N", "North valley", 2, None, "XX"], ["S", "South coast", 2, None, "XX"]],
    )
    _fill_sheet(
        templates / "sectors_template.xlsx",
        [["AGRI", "Agri-food", "traded", None], ["TOUR", "Tourism", "traded", None]],
    )
    panel_rows = [
        ["N", "AGRI", 2018, 100, 5, 3_000_000, None],
        ["N", "TOUR", 2018, 300, 9, 6_000_000, None],
        ["S", "AGRI", 2018, 400, 7, 9_000_000, None],
        ["S", "TOUR", 2018, 100, 4, 2_000_000, None],
        ["N", "AGRI", 2020, 120, 5, 3_500_000, None],
        ["N", "TOUR", 2020, 310, 9, 6_300_000, None],
        ["S", "AGRI", 2020, 380, 7, 9_100_000, None],
        ["S", "TOUR", 2020, 110, 4, 2_100_000, None],
    ]
    _fill_sheet(templates / "panel_template.xlsx", panel_rows)
    _fill_sheet(templates / "context_template.xlsx", [["N", 2020, 5000], ["S", 2020, 9000]])
    regions = str(templates / "regions_template.xlsx")
    sectors = str(templates / "sectors_template.xlsx")
    code, out, err = cli(
        "validate",
        str(templates / "panel_template.xlsx"),
        "--region-table",
        regions,
        "--sectors",
        sectors,
    )
    assert code == 0, err
    assert "valid panel, 8 rows, 2 regions, 2 sectors, years 2018-2020" in out
    code, out, err = cli(
        "validate", str(templates / "context_template.xlsx"), "--region-table", regions
    )
    assert code == 0, err
    out_csv = tmp_path / "metrics.csv"
    code, _, err = cli(
        "metrics",
        "--panel",
        str(templates / "panel_template.xlsx"),
        "--context",
        str(templates / "context_template.xlsx"),
        "--region-table",
        regions,
        "--sectors",
        sectors,
        "--out",
        str(out_csv),
    )
    assert code == 0, err
    metrics = pd.read_csv(out_csv).set_index(["region", "sector"])
    # LQ of N in AGRI, 2020: (120 / 430) / (500 / 920), computed by hand.
    assert metrics.loc[("N", "AGRI"), "lq"] == pytest.approx((120 / 430) / (500 / 920))


def test_filled_csv_template_with_a_bad_cell_names_it(templates):
    path = templates / "panel_template.csv"
    with path.open("a") as handle:
        handle.write("N,AGRI,2020,100,5,,\nS,AGRI,2020,lots,5,,\n")
    code, _, err = cli("validate", str(path))
    assert code == 2
    assert f"{path}, row 3, column 'employment': expected a number, got 'lots'" in err
