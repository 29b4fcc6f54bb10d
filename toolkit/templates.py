"""Empty, documented templates for the user's own data: cluster panel, region context, regions
and sectors, each as CSV (header only) and as an Excel workbook whose first sheet explains every
column and whose second sheet, ``data``, is the one to fill in.

Filled in, they pass ``toolkit validate`` and feed ``toolkit metrics`` and the reports.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from toolkit import paths
from toolkit.files import atomic_path, write_csv_atomic
from toolkit.parameters import load_indicators

# column, required, unit, description
PANEL_DOC = [
    (
        "region",
        "yes",
        "code",
        "Region code: NUTS 2016 (e.g. FI1D) or your own codes with a regions file",
    ),
    (
        "sector",
        "yes",
        "code",
        "Sector code: a cluster category (TC01..TC51, EI01..EI10) or your "
        "own codes (e.g. NACE divisions C10) with a sectors file",
    ),
    ("year", "yes", "year", "Reference year, e.g. 2019"),
    ("employment", "yes", "persons", "Persons employed in the region and sector (>= 0)"),
    ("enterprises", "no", "number", "Enterprises or local units (>= 0)"),
    (
        "wages",
        "no",
        "EUR",
        "Total wages and salaries in EUR (not thousands); without it no productivity star",
    ),
    ("value_added", "no", "EUR", "Gross value added at factor cost in EUR"),
]
REGIONS_DOC = [
    ("code", "yes", "code", "Region code as used in the panel and context"),
    ("name", "yes", "text", "Region name shown in reports"),
    ("level", "no", "0-3", "NUTS level or your own hierarchy level"),
    ("parent", "no", "code", "Code of the enclosing region"),
    ("country", "no", "ISO 2", "Country code (default: the first two letters of the code)"),
]
SECTORS_DOC = [
    ("code", "yes", "code", "Sector code as used in the panel"),
    ("name", "yes", "text", "Sector name shown in reports"),
    (
        "type",
        "no",
        "traded|emerging|other",
        "traded and other sectors make up a region's total "
        "employment; emerging industries overlap them and are ranked separately",
    ),
    ("description", "no", "text", "Free text"),
]
GENERAL_NOTES = [
    "Fill in the sheet 'data' (keep its header row); one row per key, no totals, no blank rows.",
    "Leave a cell empty (or ':') when the value is missing or confidential - never 0.",
    "Numbers without thousands separators; decimal point, or decimal comma with ';' in CSV.",
    "Check the file with: toolkit validate FILE [--regions regions.xlsx] [--sectors sectors.xlsx]",
]


def context_doc() -> list[tuple[str, str, str, str]]:
    """Context columns: region, year, then every indicator of parameters/indicators.yaml."""
    rows = [
        ("region", "yes", "code", "Region code as in the panel"),
        ("year", "yes", "year", "Reference year"),
    ]
    for code, indicator in load_indicators().indicators.items():
        rows.append((code, "no", indicator.unit, f"{indicator.name}: {indicator.definition}"))
    return rows


def templates() -> dict[str, list[tuple[str, str, str, str]]]:
    return {
        "panel": PANEL_DOC,
        "context": context_doc(),
        "regions": REGIONS_DOC,
        "sectors": SECTORS_DOC,
    }


def write_templates(out_dir: str | Path | None = None) -> list[Path]:
    """Write ``<kind>_template.csv`` and ``<kind>_template.xlsx`` for each kind; return paths."""
    out = Path(out_dir) if out_dir else paths.data_dir() / "templates"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, doc in templates().items():
        columns = [row[0] for row in doc]
        empty = pd.DataFrame(columns=columns)
        csv_path = out / f"{kind}_template.csv"
        write_csv_atomic(empty, csv_path)
        xlsx_path = out / f"{kind}_template.xlsx"
        notes = pd.DataFrame(doc, columns=["column", "required", "unit", "description"])
        with atomic_path(xlsx_path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            notes.to_excel(writer, sheet_name="notes", index=False)
            general = pd.DataFrame({"notes": GENERAL_NOTES})
            general.to_excel(writer, sheet_name="notes", index=False, startrow=len(notes) + 2)
            empty.to_excel(writer, sheet_name="data", index=False)
            for sheet in writer.book.worksheets:
                for column_cells in sheet.columns:
                    width = max(len(str(c.value or "")) for c in column_cells)
                    sheet.column_dimensions[column_cells[0].column_letter].width = min(
                        max(10, width + 2), 80
                    )
        written += [csv_path, xlsx_path]
    return written


def cmd_template(args: argparse.Namespace) -> int:
    for path in write_templates(args.out):
        print(f"wrote {path}")
    return 0
