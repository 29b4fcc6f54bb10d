"""Loading and validation of the cluster panel and the region context.

Files may be CSV (any common delimiter and encoding), Excel or Parquet in the canonical
columns (see ``PANEL_COLUMNS`` and ``CONTEXT_KEYS``). Validation reports every problem at once,
each with file, row and column; nothing downstream ever sees a half-valid table.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import paths
from toolkit.benchmark import AREA_AGGREGATE, EXTRA_REGIO
from toolkit.errors import BadInputError, Problem
from toolkit.files import write_csv_atomic, write_parquet_atomic  # noqa: F401 - re-exported
from toolkit.readers import MAX_LISTED_PROBLEMS, NA_MARKERS, read_table  # noqa: F401
from toolkit.reference import load_regions

PANEL_KEYS = ("region", "sector", "year")
PANEL_REQUIRED = (*PANEL_KEYS, "employment")
PANEL_OPTIONAL = ("enterprises", "wages", "value_added")
PANEL_COLUMNS = PANEL_REQUIRED + PANEL_OPTIONAL
CONTEXT_KEYS = ("region", "year")
YEAR_RANGE = (1950, 2100)


# --- validation -------------------------------------------------------------------------------


@dataclass
class Validated:
    """A table that passed validation, with the kind of table and the warnings found."""

    frame: pd.DataFrame
    kind: str  # "panel" or "context"
    warnings: list[Problem]


def _fast_float(text: pd.Series) -> pd.Series | None:
    """Cast a clean text column to float64 with pyarrow (fast on millions of rows); None when
    any cell does not parse, so that the careful path can name each bad cell."""
    import pyarrow as pa_arrow
    import pyarrow.compute as pc

    try:
        array = pa_arrow.array(text, type=pa_arrow.string(), from_pandas=True)
        array = pc.if_else(pc.equal(array, ""), None, array)
        return pd.Series(
            pc.cast(array, pa_arrow.float64()).to_numpy(zero_copy_only=False),
            index=text.index,
            dtype="float64",
        )
    except (pa_arrow.ArrowInvalid, pa_arrow.ArrowTypeError, TypeError, ValueError):
        return None


_PLAIN_NUMBER = r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"
_DECIMAL_COMMA = r"[-+]?\d+,\d+"
_GROUPED_DOT_COMMA = r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?"  # 1.234.567,5 (German style)
_GROUPED_COMMA = r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?"  # 1,234,567.5 (English style)


def _numeric(
    frame: pd.DataFrame, column: str, file: str, problems: list[Problem], *, integer: bool = False
) -> pd.Series:
    """Parse a column as numbers, one problem per cell that holds text.

    Decimal commas are accepted when unambiguous: in a file delimited by ``;`` or a tab, a
    cell such as ``12,5`` or ``1.234,5`` is read the European way when the column has no cell
    written the English way (``1,234.5``). A column that mixes the two conventions, or a
    comma-delimited file whose quoted cells hold commas, is reported: the reader cannot know
    whether ``1,234`` means one thousand two hundred and thirty-four or one point two.
    """
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return raw.astype("float64")
    text = raw.astype("string").str.strip()
    values = _fast_float(text)
    if values is None:
        values = pd.to_numeric(text, errors="coerce").astype("float64")
    failed = values.isna() & text.notna() & (text != "")
    if failed.any():
        delimiter = frame.attrs.get("delimiter", ",")
        bad_text = text[failed]
        european = bad_text.str.fullmatch(_DECIMAL_COMMA) | bad_text.str.fullmatch(
            _GROUPED_DOT_COMMA
        )
        english = bad_text.str.fullmatch(_GROUPED_COMMA) & ~bad_text.str.fullmatch(_DECIMAL_COMMA)
        plain_dots = text[~failed].str.contains(".", regex=False).fillna(False)
        if european.any() and delimiter != "," and not english.any():
            converted = pd.to_numeric(
                bad_text[european]
                .str.replace(".", "", regex=False)
                .str.replace(",", ".", regex=False),
                errors="coerce",
            )
            values = values.where(~text.index.isin(converted.index), converted.reindex(text.index))
            failed = values.isna() & text.notna() & (text != "")
            if plain_dots.any():
                index = text.index[~failed & plain_dots.reindex(text.index, fill_value=False)][0]
                problems.append(
                    Problem(
                        file,
                        f"ambiguous decimal separator: this column has decimal commas (e.g. "
                        f"{bad_text[european].iloc[0]!r}) and decimal points (e.g. "
                        f"{text[index]!r}); use one convention",
                        row=int(index) + 2,
                        column=column,
                    )
                )
        elif european.any() or english.any():
            sample = bad_text[european | english]
            reason = (
                "the file is comma-delimited, so a comma inside a number is ambiguous"
                if delimiter == ","
                else "the column mixes decimal commas and thousands commas"
            )
            for index in sample.index[:MAX_LISTED_PROBLEMS]:
                problems.append(
                    Problem(
                        file,
                        f"ambiguous number {text[index]!r}: {reason}; write it without "
                        "thousands separators and with one decimal separator (or save the file "
                        "with ';' as delimiter and decimal commas)",
                        row=int(index) + 2,
                        column=column,
                    )
                )
            failed = failed & ~text.index.isin(sample.index)
    kind = "a whole number (year)" if integer else "a number"
    for index in text.index[failed.to_numpy()][:MAX_LISTED_PROBLEMS]:
        problems.append(
            Problem(
                file, f"expected {kind}, got {text[index]!r}", row=int(index) + 2, column=column
            )
        )
    return values.astype("float64")


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(int(value))
    return repr(value)


def _schema_problems(
    schema,  # pandera.pandas.DataFrameSchema
    frame: pd.DataFrame,
    file: str,
    messages: dict[str, str],
    earlier: list[Problem] = (),
) -> list[Problem]:
    """Run a pandera schema lazily and turn its failure cases into problems (file, row, column).

    A cell already reported as unreadable text is not reported again as empty; a duplicate key
    gives one problem per row, naming the row where the key first appears.
    """
    import pandera.pandas as pa

    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        reported = {(p.row, p.column) for p in earlier}
        unique = list(schema.unique or [])
        first_rows: dict | None = None
        problems, duplicate_rows = [], set()
        for case in cases.to_dict("records"):
            check = str(case["check"])
            key = next((k for k in messages if check.startswith(k)), None)
            message = messages[key] if key else f"failed check {check}"
            index = case["index"]
            row = int(index) + 2 if index is not None and not pd.isna(index) else None
            column = None if pd.isna(case["column"]) else str(case["column"])
            if key == "not_nullable" and (row, column) in reported:
                continue
            if key == "multiple_fields_uniqueness" and row is not None:
                if row in duplicate_rows:
                    continue
                duplicate_rows.add(row)
                if first_rows is None:
                    keys = frame[unique].astype("string").fillna("")
                    firsts = keys[~keys.duplicated(keep="first")]
                    first_rows = {
                        tuple(k): i
                        for k, i in zip(firsts.itertuples(index=False), firsts.index, strict=True)
                    }
                values = tuple(frame.loc[index, unique].astype("string").fillna(""))
                first = first_rows.get(values)
                shown = ", ".join(v.removesuffix(".0") for v in values)
                problems.append(
                    Problem(
                        file,
                        f"{message} ({shown})"
                        + (f", first seen on row {first + 2}" if first is not None else ""),
                        row=row,
                        column=unique[0],  # the key starts here; the message names all
                    )
                )
            else:
                problems.append(
                    Problem(
                        file,
                        f"{message}, got {_shown(case['failure_case'])}",
                        row=row,
                        column=column,
                    )
                )
            if len(problems) >= MAX_LISTED_PROBLEMS:
                break
        return problems
    return []


def _check_columns(
    frame: pd.DataFrame, required: tuple[str, ...], file: str, kind: str
) -> list[Problem]:
    columns = set(frame.columns)
    problems = [
        Problem(
            file,
            f"missing required column of the {kind} (expected columns {', '.join(required)})",
            column=c,
        )
        for c in required
        if c not in columns
    ]
    header = str(frame.columns[0]) if len(frame.columns) == 1 else ""
    if problems and header and any(c in header for c in ("region", "year", "sector", "code")):
        return [
            Problem(
                file,
                f"all columns were read as one ({header!r}): the delimiter was not recognised; "
                "separate the columns with ',' or ';' (or a tab)",
                row=1,
            )
        ]
    return problems


def validate_panel(
    frame: pd.DataFrame,
    file: str = "panel",
    *,
    sectors: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
    check_nuts_versions: bool = True,
) -> Validated:
    """Check a cluster panel and return it typed; raise ``BadInputError`` listing every problem.

    Checks: required columns, numbers where numbers belong, counts >= 0, plausible years,
    one row per region-sector-year, sector and region codes known when a table is given; without
    a regions table, NUTS codes of another version mixed into NUTS 2016 data
    (``check_nuts_versions``).
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
    import pandera.pandas as pa  # here, not at import: app kernels load prepared data only

    schema = pa.DataFrameSchema(
        {
            "region": pa.Column("string", nullable=False),
            "sector": pa.Column("string", nullable=False),
            "year": pa.Column(
                float,
                [
                    pa.Check.in_range(*YEAR_RANGE),
                    pa.Check(lambda s: s % 1 == 0, element_wise=False, name="whole_year"),
                ],
                nullable=False,
            ),
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
    problems += _schema_problems(schema, clean, file, messages, problems)
    if sectors is not None:
        problems += _unknown_codes(clean, "sector", set(sectors["code"]), file, "sector file")
    problems += _region_problems(clean, file, regions, check_nuts_versions)
    if problems:
        raise BadInputError(_dedupe(problems))
    clean["year"] = clean["year"].astype("int64")
    clean["region"] = clean["region"].astype(str)
    clean["sector"] = clean["sector"].astype(str)
    warnings = _encoding_warnings(frame, file)
    if "wages" not in clean.columns:
        warnings.append(
            Problem(
                file, "no 'wages' column: the productivity star cannot be computed", column="wages"
            )
        )
    return Validated(clean.reset_index(drop=True), "panel", warnings)


def not_regions(codes: pd.Series) -> pd.Series:
    """Codes that are not regions in any NUTS version: extra-regio (``ITZZ``) and EU or
    euro-area totals (``EU27_2020``). They pass validation and are set aside before any
    ranking (``benchmark.split_panel``)."""
    text = codes.astype("string").fillna("")
    return text.str.match(EXTRA_REGIO.pattern) | text.str.match(AREA_AGGREGATE.pattern)


def _region_problems(
    clean: pd.DataFrame, file: str, regions: pd.DataFrame | None, check_nuts_versions: bool
) -> list[Problem]:
    """Unknown region codes (against the regions file) or codes of another NUTS version,
    leaving out extra-regio and EU codes, which are valid in every version."""
    regional = clean[~not_regions(clean["region"]).to_numpy()]
    if regions is not None:
        return _unknown_codes(regional, "region", set(regions["code"]), file, "regions file")
    if check_nuts_versions:
        return nuts_version_problems(regional["region"], file)
    return []


def _unknown_codes(
    clean: pd.DataFrame, column: str, known: set[str], file: str, table: str
) -> list[Problem]:
    unknown = ~clean[column].isin(known) & clean[column].notna()
    other = other_nuts_versions() if column == "region" else {}
    problems = []
    for index in clean.index[unknown.to_numpy()][:MAX_LISTED_PROBLEMS]:
        code = clean.at[index, column]
        message = f"unknown {column} code {code!r} (not in the {table})"
        if code in other:
            version, note = other[code]
            message = (
                f"region code {code!r} is a NUTS {version} code ({note}), not in the "
                f"{table}: NUTS version mismatch; recode the data to the table's NUTS "
                "version or give a regions file of that version"
            )
        problems.append(Problem(file, message, row=int(index) + 2, column=column))
    return problems


@lru_cache(maxsize=1)
def other_nuts_versions() -> dict[str, tuple[str, str]]:
    """Codes of NUTS 2010, 2013, 2021 and 2024 that are not NUTS 2016 codes: code -> (version,
    note), from ``data/reference/nuts_other_versions.csv``."""
    file = paths.reference_dir() / "nuts_other_versions.csv"
    if not file.is_file():
        return {}
    table = pd.read_csv(file, dtype=str, keep_default_na=False)
    return {
        c: (v, n) for c, v, n in zip(table["code"], table["version"], table["note"], strict=True)
    }


def nuts_version_problems(codes: pd.Series, file: str) -> list[Problem]:
    """Rows whose region code belongs to another NUTS version than the rest of the file.

    Only applied when the file otherwise uses NUTS 2016 codes (the reference table) and no
    regions file was given: mixing versions double-counts or loses regions silently (FR30
    Nord-Pas-de-Calais of NUTS 2013 and FRE1 of NUTS 2016 are the same territory).
    """
    try:
        nuts2016 = set(load_regions()["code"])
    except (BadInputError, OSError):
        return []
    other = other_nuts_versions()
    in_2016 = codes.isin(nuts2016)
    foreign = codes.isin(list(other)) & ~in_2016
    if not foreign.any() or not in_2016.any():
        return []
    problems = []
    for index in codes.index[foreign.to_numpy()][:MAX_LISTED_PROBLEMS]:
        code = codes[index]
        version, note = other[code]
        problems.append(
            Problem(
                file,
                f"mixed NUTS versions: region code {code!r} is a NUTS {version} code ({note}) "
                "while the other rows use NUTS 2016 codes; recode it to NUTS 2016",
                row=int(index) + 2,
                column="region",
            )
        )
    return problems


def check_regions_of_analysis(
    unions, regions: pd.DataFrame, file: str | Path, *, extra_codes=None
) -> None:
    """Raise ``BadInputError`` when a region of analysis names a code the regions table lacks.

    Each problem names the YAML file, the region of analysis and the code; codes of another
    NUTS version (for example FR30 of NUTS 2013 instead of FRE1 of NUTS 2016) say so.
    ``extra_codes`` (for example the panel's own region codes, when no regions file was given)
    count as known too.
    """
    known = set(regions["code"]) | set(extra_codes if extra_codes is not None else ())
    other = other_nuts_versions()
    problems = []
    for union in unions:
        for code in union.members:
            if code in known:
                continue
            message = f"region of analysis '{union.id}': unknown member code {code!r}"
            if code in other:
                version, note = other[code]
                message += (
                    f" - a NUTS {version} code ({note}); the regions table is another "
                    "NUTS version: recode it"
                )
            else:
                message += " (not in the regions table)"
            problems.append(Problem(str(file), message, column="members"))
    if problems:
        raise BadInputError(problems)


def validate_context(
    frame: pd.DataFrame,
    file: str = "context",
    *,
    regions: pd.DataFrame | None = None,
    check_nuts_versions: bool = True,
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
    catalogue = _indicator_catalogue()
    # Catalogued indicators are counts, shares or rates: none can be negative.
    non_negative = [c for c in clean.columns if c in catalogue and catalogue[c].typical[0] >= 0]
    import pandera.pandas as pa

    schema = pa.DataFrameSchema(
        {
            "region": pa.Column("string", nullable=False),
            "year": pa.Column(float, pa.Check.in_range(*YEAR_RANGE), nullable=False),
            **{c: pa.Column(float, pa.Check.ge(0), nullable=True) for c in non_negative},
        },
        unique=list(CONTEXT_KEYS),
        report_duplicates="exclude_first",
    )
    messages = {
        "not_nullable": "empty cell where a value is required",
        "in_range": f"implausible year (expected {YEAR_RANGE[0]}-{YEAR_RANGE[1]})",
        "greater_than_or_equal_to": "negative value of an indicator that cannot be negative",
        "multiple_fields_uniqueness": "duplicate region-year row",
    }
    problems += _schema_problems(schema, clean, file, messages, problems)
    problems += _region_problems(clean, file, regions, check_nuts_versions)
    if problems:
        raise BadInputError(_dedupe(problems))
    clean["year"] = clean["year"].astype("int64")
    clean["region"] = clean["region"].astype(str)
    warnings = _encoding_warnings(frame, file) + _range_warnings(clean, catalogue, file)
    return Validated(clean.reset_index(drop=True), "context", warnings)


def _indicator_catalogue() -> dict:
    from toolkit.parameters import load_indicators

    try:
        return load_indicators().indicators
    except (BadInputError, OSError):
        return {}


def _range_warnings(clean: pd.DataFrame, catalogue: dict, file: str) -> list[Problem]:
    """One warning per indicator column with values outside the typical EU range of
    ``parameters/indicators.yaml`` (a unit slip such as thousands instead of persons, or a
    share given as 0.25 instead of 25 %)."""
    warnings = []
    for column in clean.columns:
        if column not in catalogue:
            continue
        low, high = catalogue[column].typical
        values = clean[column]
        # Allow a wide margin: real outliers exist; a factor of ten rarely does.
        outside = values.notna() & ((values < low / 10) | (values > high * 10))
        if outside.any():
            first = int(clean.index[outside.to_numpy()][0])
            warnings.append(
                Problem(
                    file,
                    f"{int(outside.sum())} value(s) far outside the typical range {low}-{high} "
                    f"{catalogue[column].unit} (first: {clean.at[first, column]:g}); check the "
                    "unit",
                    row=first + 2,
                    column=column,
                )
            )
    return warnings


def _encoding_warnings(frame: pd.DataFrame, file: str) -> list[Problem]:
    encoding = frame.attrs.get("encoding")
    if encoding in (None, "utf-8-sig", "utf_8", "utf-8", "ascii"):
        return []
    return [
        Problem(
            file,
            f"the file is not UTF-8; it was read as {encoding}: check that names "
            "with accents look right, or save it as UTF-8",
        )
    ]


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, result = set(), []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            result.append(problem)
    return sorted(result, key=lambda p: (p.row or 0, p.column or ""))


# --- loading ----------------------------------------------------------------------------------


def _declared_nuts_version(path: str | Path) -> str | None:
    """The NUTS version a toolkit Parquet file declares in its metadata (eocic.nuts_version)."""
    path = Path(path)
    if path.suffix.lower() != ".parquet":
        return None
    try:
        return _provenance(path).get("nuts_version")
    except Exception:  # unreadable files are reported by read_table
        return None


def _check_versions(path: str | Path) -> bool:
    # Eurostat data in NUTS 2021 declares it; only undeclared or NUTS 2016 files are checked.
    return _declared_nuts_version(path) in (None, "2016")


def load_panel(
    path: str | Path, *, sectors: pd.DataFrame | None = None, regions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Read and validate a cluster panel file (region, sector, year, employment, ...)."""
    frame = read_table(path)
    panel = validate_panel(
        frame,
        str(path),
        sectors=sectors,
        regions=regions,
        check_nuts_versions=_check_versions(path),
    ).frame
    panel.attrs.update(_provenance(path))
    return panel


def load_context(path: str | Path, *, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate a region context file (region, year, indicator columns)."""
    frame = read_table(path)
    context = validate_context(
        frame, str(path), regions=regions, check_nuts_versions=_check_versions(path)
    ).frame
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


def validate_file(
    path: str | Path, *, sectors: pd.DataFrame | None = None, regions: pd.DataFrame | None = None
) -> Validated:
    """Validate a panel or context file, deciding which by its columns."""
    frame = read_table(path)
    check = _check_versions(path)
    if detect_kind(frame) == "panel":
        return validate_panel(
            frame, str(path), sectors=sectors, regions=regions, check_nuts_versions=check
        )
    return validate_context(frame, str(path), regions=regions, check_nuts_versions=check)


def float_or_nan(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan
