"""Loading and validation of the cluster panel and the region context.

Files may be CSV (any common delimiter and encoding), Excel or Parquet in the canonical
columns (see ``PANEL_COLUMNS`` and ``CONTEXT_KEYS``). Validation reports every problem at once,
each with file, row and column; nothing downstream ever sees a half-valid table.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is 2.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from toolkit.errors import BadInputError, Problem

PANEL_KEYS = ("region", "sector", "year")
PANEL_REQUIRED = (*PANEL_KEYS, "employment")
PANEL_OPTIONAL = ("enterprises", "wages", "value_added")
PANEL_COLUMNS = PANEL_REQUIRED + PANEL_OPTIONAL
CONTEXT_KEYS = ("region", "year")
YEAR_RANGE = (1950, 2100)
# Markers of a missing or suppressed cell in statistical tables (Eurostat uses ':').
NA_MARKERS = ("", ":", "NA", "N/A", "n/a", "NaN", "nan", "null", "-")
MAX_LISTED_PROBLEMS = 200


# --- reading ----------------------------------------------------------------------------------


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    if best is None:
        raise BadInputError(Problem(name, "cannot read the file as text: not UTF-8 and no other "
                                          "encoding fits; save it as UTF-8 CSV"))
    # Real files in Latin-1/Windows-1252 are common in statistical offices; decode and go on.
    return raw.decode(best.encoding, errors="strict")


def _sniff_delimiter(text: str, name: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        if counts[best] == 0:
            return ","
        return best


def read_table(
    path: str | Path, *, dtype: type | str | None = str, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read a CSV, TSV, Excel or Parquet file into a DataFrame; errors name the file.

    CSV cells are read as text (``dtype=str``) so that validation can point at the exact cell
    that does not parse; Parquet keeps its own types.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise BadInputError(Problem(name, "file not found"))
    if path.stat().st_size == 0:
        raise BadInputError(Problem(name, "the file is empty"))
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise BadInputError(Problem(name, f"cannot read Parquet ({type(exc).__name__}: {exc}); "
                                              "the file may be truncated or not Parquet")) from exc
        return frame
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return _read_excel(path, sheet, dtype)
    if suffix not in (".csv", ".tsv", ".txt"):
        raise BadInputError(Problem(name, f"unsupported file type '{suffix}': expected .csv, .tsv, "
                                          ".xlsx or .parquet"))
    text = _decode(path.read_bytes(), name)
    if not text.strip():
        raise BadInputError(Problem(name, "the file is empty"))
    delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(text, name)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=dtype, keep_default_na=False,
                            na_values=list(NA_MARKERS), skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise BadInputError(Problem(name, f"cannot parse as CSV: {exc}")) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.attrs["delimiter"] = delimiter
    return frame


def _read_excel(path: Path, sheet: str | int | None, dtype) -> pd.DataFrame:
    name = str(path)
    try:
        sheets = pd.read_excel(path, sheet_name=None if sheet is None else sheet, dtype=dtype,
                               na_values=list(NA_MARKERS), keep_default_na=False)
    except Exception as exc:  # openpyxl and zipfile errors for damaged workbooks
        raise BadInputError(Problem(name, f"cannot read Excel workbook: {exc}")) from exc
    if isinstance(sheets, pd.DataFrame):
        return sheets
    # Use the first sheet that holds a table: templates often keep notes on the first sheet.
    for title, frame in sheets.items():
        frame = frame.dropna(how="all")
        if {"region", "year"} <= {str(c).strip() for c in frame.columns}:
            frame.columns = [str(c).strip() for c in frame.columns]
            frame.attrs["sheet"] = title
            return frame.reset_index(drop=True)
    first_title, first = next(iter(sheets.items()))
    first.columns = [str(c).strip() for c in first.columns]
    return first


# --- validation -------------------------------------------------------------------------------


@dataclass
class Validated:
    """A table that passed validation, with the kind of table and the warnings found."""

    frame: pd.DataFrame
    kind: str  # "panel" or "context"
    warnings: list[Problem]


def _numeric(frame: pd.DataFrame, column: str, file: str, problems: list[Problem],
             *, integer: bool = False) -> pd.Series:
    """Parse a column as numbers, one problem per cell that holds text."""
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return raw.astype("float64")
    text = raw.astype("string").str.strip()
    values = pd.to_numeric(text, errors="coerce")
    # Accept decimal commas when a cell parses only that way and holds a single comma.
    comma = values.isna() & text.notna() & text.str.fullmatch(r"-?\d+,\d+").fillna(False)
    if comma.any():
        values = values.where(~comma, pd.to_numeric(text[comma].str.replace(",", "."), errors="coerce"))
    bad = values.isna() & text.notna() & (text != "")
    for index in frame.index[bad.to_numpy()][:MAX_LISTED_PROBLEMS]:
        kind = "a whole number (year)" if integer else "a number"
        problems.append(Problem(file, f"expected {kind}, got {text[index]!r}", row=int(index) + 2,
                                column=column))
    return values.astype("float64")


def _schema_problems(schema: pa.DataFrameSchema, frame: pd.DataFrame, file: str,
                     messages: dict[str, str]) -> list[Problem]:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        problems = []
        for _, case in cases.head(MAX_LISTED_PROBLEMS).iterrows():
            check = str(case["check"])
            key = next((k for k in messages if check.startswith(k)), None)
            message = messages.get(key, f"failed check {check}") if key else f"failed check {check}"
            index = case["index"]
            row = int(index) + 2 if index is not None and not pd.isna(index) else None
            column = None if pd.isna(case["column"]) else str(case["column"])
            problems.append(Problem(file, f"{message}, got {case['failure_case']!r}", row=row,
                                    column=column))
        return problems
    return []


def _check_columns(frame: pd.DataFrame, required: tuple[str, ...], file: str, kind: str) -> list[Problem]:
    columns = set(frame.columns)
    problems = [
        Problem(file, f"missing required column of the {kind} (expected columns "
                      f"{', '.join(required)})", column=c)
        for c in required if c not in columns
    ]
    if problems and len(frame.columns) == 1 and any(d in frame.columns[0] for d in ";\t|,"):
        problems.append(Problem(file, "all columns were read as one: the delimiter could not be "
                                      "recognised; use ',' or ';' consistently"))
    return problems


def validate_panel(
    frame: pd.DataFrame,
    file: str = "panel",
    *,
    sectors: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
) -> Validated:
    """Check a cluster panel and return it typed; raise ``BadInputError`` listing every problem.

    Checks: required columns, numbers where numbers belong, counts >= 0, plausible years,
    one row per region-sector-year, sector and region codes known when a table is given.
    """
    problems = _check_columns(frame, PANEL_REQUIRED, file, "cluster panel")
    if problems:
        raise BadInputError(problems)
    if frame.empty:
        raise BadInputError(Problem(file, "the table has a header but no data rows"))
    clean = pd.DataFrame(index=frame.index)
    for key in ("region", "sector"):
        clean[key] = frame[key].astype("string").str.strip()
    clean["year"] = _numeric(frame, "year", file, problems, integer=True)
    counts = [c for c in PANEL_COLUMNS[3:] if c in frame.columns]
    for column in counts:
        clean[column] = _numeric(frame, column, file, problems)
    schema = pa.DataFrameSchema(
        {
            "region": pa.Column("string", nullable=False),
            "sector": pa.Column("string", nullable=False),
            "year": pa.Column(float, [pa.Check.in_range(*YEAR_RANGE),
                                      pa.Check(lambda s: (s % 1 == 0), element_wise=False,
                                               name="whole_year")], nullable=False),
            **{c: pa.Column(float, pa.Check.ge(0), nullable=True) for c in counts},
        },
        unique=list(PANEL_KEYS),
        report_duplicates="exclude_first",
    )
    messages = {
        "not_nullable": "empty cell where a value is required",
        "in_range": f"implausible year (expected {YEAR_RANGE[0]}-{YEAR_RANGE[1]})",
        "whole_year": "expected a whole year",
        "greater_than_or_equal_to": "negative count (expected a number >= 0)",
        "multiple_fields_uniqueness": "duplicate region-sector-year row",
    }
    typed_ok = clean.copy()
    problems += _schema_problems(schema, typed_ok, file, messages)
    if sectors is not None:
        problems += _unknown_codes(clean, "sector", set(sectors["code"]), file, "sector file")
    if regions is not None:
        problems += _unknown_codes(clean, "region", set(regions["code"]), file, "regions file")
    if problems:
        raise BadInputError(_dedupe(problems))
    clean["year"] = clean["year"].astype("int64")
    clean["region"] = clean["region"].astype(str)
    clean["sector"] = clean["sector"].astype(str)
    warnings = []
    if "wages" not in clean.columns:
        warnings.append(Problem(file, "no 'wages' column: the productivity star cannot be computed",
                                column="wages"))
    return Validated(clean.reset_index(drop=True), "panel", warnings)


def _unknown_codes(clean: pd.DataFrame, column: str, known: set[str], file: str, table: str) -> list[Problem]:
    unknown = ~clean[column].isin(known) & clean[column].notna()
    problems = []
    for index in clean.index[unknown.to_numpy()][:MAX_LISTED_PROBLEMS]:
        problems.append(Problem(file, f"unknown {column} code {clean.at[index, column]!r} (not in the "
                                      f"{table})", row=int(index) + 2, column=column))
    return problems


def validate_context(
    frame: pd.DataFrame, file: str = "context", *, regions: pd.DataFrame | None = None
) -> Validated:
    """Check a region context table (one row per region and year, indicator columns numeric)."""
    problems = _check_columns(frame, CONTEXT_KEYS, file, "region context")
    if problems:
        raise BadInputError(problems)
    if frame.empty:
        raise BadInputError(Problem(file, "the table has a header but no data rows"))
    clean = pd.DataFrame(index=frame.index)
    clean["region"] = frame["region"].astype("string").str.strip()
    clean["year"] = _numeric(frame, "year", file, problems, integer=True)
    for column in frame.columns:
        if column in CONTEXT_KEYS or column == "synthetic" or str(column).startswith("note"):
            continue
        clean[column] = _numeric(frame, column, file, problems)
    schema = pa.DataFrameSchema(
        {
            "region": pa.Column("string", nullable=False),
            "year": pa.Column(float, pa.Check.in_range(*YEAR_RANGE), nullable=False),
        },
        unique=list(CONTEXT_KEYS),
        report_duplicates="exclude_first",
    )
    messages = {
        "not_nullable": "empty cell where a value is required",
        "in_range": f"implausible year (expected {YEAR_RANGE[0]}-{YEAR_RANGE[1]})",
        "multiple_fields_uniqueness": "duplicate region-year row",
    }
    problems += _schema_problems(schema, clean, file, messages)
    if regions is not None:
        problems += _unknown_codes(clean, "region", set(regions["code"]), file, "regions file")
    if problems:
        raise BadInputError(_dedupe(problems))
    clean["year"] = clean["year"].astype("int64")
    clean["region"] = clean["region"].astype(str)
    return Validated(clean.reset_index(drop=True), "context", [])


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, result = set(), []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            result.append(problem)
    return sorted(result, key=lambda p: (p.row or 0, p.column or ""))


# --- loading ----------------------------------------------------------------------------------


def load_panel(path: str | Path, *, sectors: pd.DataFrame | None = None,
               regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate a cluster panel file (region, sector, year, employment, ...)."""
    frame = read_table(path)
    panel = validate_panel(frame, str(path), sectors=sectors, regions=regions).frame
    panel.attrs.update(_provenance(path))
    return panel


def load_context(path: str | Path, *, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate a region context file (region, year, indicator columns)."""
    frame = read_table(path)
    context = validate_context(frame, str(path), regions=regions).frame
    context.attrs.update(_provenance(path))
    return context


def _provenance(path: str | Path) -> dict:
    """Source metadata: Parquet files written by the toolkit carry it in their schema."""
    path = Path(path)
    info = {"source_file": str(path), "synthetic": False, "source": path.name}
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        for key, value in meta.items():
            key = key.decode()
            if key.startswith("eocic."):
                info[key.removeprefix("eocic.")] = value.decode()
        info["synthetic"] = info.get("synthetic") == "true"
    return info


def detect_kind(frame: pd.DataFrame) -> str:
    """'panel' when the table has a sector column, else 'context'."""
    return "panel" if "sector" in frame.columns else "context"


def validate_file(path: str | Path, *, sectors: pd.DataFrame | None = None,
                  regions: pd.DataFrame | None = None) -> Validated:
    """Validate a panel or context file, deciding which by its columns."""
    frame = read_table(path)
    if detect_kind(frame) == "panel":
        return validate_panel(frame, str(path), sectors=sectors, regions=regions)
    return validate_context(frame, str(path), regions=regions)


def write_parquet_atomic(frame: pd.DataFrame, path: str | Path, metadata: dict[str, str]) -> None:
    """Write Parquet with ``eocic.*`` metadata to a temporary file, then rename it into place."""
    import pyarrow as pa_arrow
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa_arrow.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta.update({f"eocic.{k}".encode(): str(v).encode() for k, v in metadata.items()})
    table = table.replace_schema_metadata(meta)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)


def write_csv_atomic(frame: pd.DataFrame, path: str | Path, **kwargs) -> None:
    """Write CSV to a temporary file beside the target, then rename (no half-written output)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False, **kwargs)
    tmp.replace(path)


def float_or_nan(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan
