"""Reading tables from files: CSV (any common delimiter and encoding), Excel and Parquet.

One reader for every table the toolkit takes from a user (panels, context, regions and sector
files): encodings are detected, delimiters sniffed, Eurostat's missing-value markers read as
missing, and a file whose rows use two delimiters is refused with the rows named.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from toolkit.errors import BadInputError, Problem

# Markers of a missing or suppressed cell in statistical tables (Eurostat uses ':').
NA_MARKERS = ("", ":", "NA", "N/A", "n/a", "NaN", "nan", "null", "-")
MAX_LISTED_PROBLEMS = 200
LARGE_FILE_BYTES = 20 * 2**20  # CSV files above this size are parsed with pyarrow first

CHUNK_BYTES = 1 << 20


def _detect_encoding(path: Path, name: str) -> str:
    """'utf-8-sig' when the whole file decodes as UTF-8 (checked chunk by chunk, so a 100 MB
    file never sits in memory twice), else the best guess of charset_normalizer."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError as exc:
            handle.seek(max(0, handle.tell() - CHUNK_BYTES))
            sample = handle.read(CHUNK_BYTES)
            failure = exc
    from charset_normalizer import from_bytes

    with path.open("rb") as handle:
        head = handle.read(200_000)
    best = from_bytes(head + b"\n" + sample).best()
    if best is None:
        raise BadInputError(
            Problem(
                name,
                f"cannot read the file as text: not UTF-8 ({failure}) "
                "and no other encoding fits; save it as UTF-8 CSV",
            )
        )
    # Files in Latin-1/Windows-1252 are common in statistical offices: decode and go on.
    return best.encoding


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    if best is None:
        raise BadInputError(
            Problem(
                name,
                "cannot read the file as text: not UTF-8 and no other "
                "encoding fits; save it as UTF-8 CSV",
            )
        )
    return raw.decode(best.encoding, errors="strict")


def _sniff_delimiter(text: str, name: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    header = lines[0] if lines else ""
    # The header decides first: column names never hold decimal commas, so a header split by
    # ';' or a tab is unambiguous even when the values contain commas.
    counts = {d: header.count(d) for d in (";", "\t", "|", ",")}
    for delimiter in (";", "\t", "|"):
        if counts[delimiter] and counts[delimiter] >= counts[","]:
            return delimiter
    if counts[","]:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_table(
    path: str | Path, *, dtype: type | str | None = str, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read a CSV, TSV, Excel or Parquet file into a DataFrame; errors name the file.

    CSV cells are read as text (``dtype=str``) so that validation can point at the exact cell
    that does not parse; Parquet keeps its own types. The CSV delimiter (``,``, ``;``, tab or
    ``|``) and the encoding are detected; ``frame.attrs`` records both. Large CSV files are
    parsed straight from disk (never held as one Python string).
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise BadInputError(Problem(name, "file not found"))
    if path.stat().st_size == 0:
        raise BadInputError(Problem(name, "the file is empty (0 bytes)"))
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise BadInputError(
                Problem(
                    name,
                    f"cannot read Parquet ({type(exc).__name__}: {exc}); "
                    "the file may be truncated or not Parquet",
                )
            ) from exc
        return frame
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return _read_excel(path, sheet, dtype)
    if suffix not in (".csv", ".tsv", ".txt"):
        raise BadInputError(
            Problem(
                name, f"unsupported file type '{suffix}': expected .csv, .tsv, .xlsx or .parquet"
            )
        )
    with path.open("rb") as handle:
        head = handle.read(64_000)
    if b"\x00" in head:
        raise BadInputError(
            Problem(
                name,
                "not a text file (binary content): save it as CSV, or "
                "give it its real extension (.xlsx, .parquet)",
            )
        )
    encoding = _detect_encoding(path, name)
    text = head.decode(encoding, errors="ignore")
    if not text.strip():
        raise BadInputError(Problem(name, "the file is empty (only blank lines)"))
    delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(text, name)
    options = dict(
        sep=delimiter,
        dtype=dtype,
        keep_default_na=False,
        na_values=list(NA_MARKERS),
        encoding=encoding,
    )
    frame = None
    if path.stat().st_size > LARGE_FILE_BYTES and encoding == "utf-8-sig":
        # pyarrow's multithreaded reader: ~10x faster and a third less memory on big files;
        # anything it refuses (ragged rows, odd quoting) goes to the C reader, which explains.
        try:
            frame = pd.read_csv(path, engine="pyarrow", **options)
        except Exception:  # noqa: BLE001 - pyarrow raises several types; the C reader decides
            frame = None
    if frame is None:
        try:
            frame = pd.read_csv(path, skipinitialspace=True, encoding_errors="strict", **options)
        except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
            raise BadInputError(
                Problem(
                    name,
                    f"cannot parse as CSV (delimiter {delimiter!r}, encoding {encoding}): {exc}",
                )
            ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_mixed_delimiters(frame, delimiter, name)
    frame.attrs["delimiter"] = delimiter
    frame.attrs["encoding"] = encoding
    return frame


def _check_mixed_delimiters(frame: pd.DataFrame, delimiter: str, name: str) -> None:
    """Rows that hold everything in the first cell, split by another delimiter than the header."""
    if frame.shape[1] < 2 or frame.empty:
        return
    first = frame.iloc[:, 0].astype("string")
    others = [d for d in ",;\t|" if d != delimiter]
    foreign = first.str.contains("|".join(re.escape(d) for d in others), regex=True).fillna(False)
    suspect = foreign & frame.iloc[:, 1:].isna().all(axis=1)
    if not suspect.any():
        return
    shown = {"\t": "tab"}
    problems = []
    for index in frame.index[suspect.to_numpy()][:MAX_LISTED_PROBLEMS]:
        used = next(d for d in others if d in str(first[index]))
        problems.append(
            Problem(
                name,
                f"wrong delimiter: the header is split by {shown.get(delimiter, delimiter)!r} "
                f"but this row by {shown.get(used, used)!r}; use one delimiter throughout",
                row=int(index) + 2,
                column=str(frame.columns[0]),
            )
        )
    raise BadInputError(problems)


def _read_excel(path: Path, sheet: str | int | None, dtype) -> pd.DataFrame:
    name = str(path)
    try:
        sheets = pd.read_excel(
            path,
            sheet_name=None if sheet is None else sheet,
            dtype=dtype,
            na_values=list(NA_MARKERS),
            keep_default_na=False,
        )
    except Exception as exc:  # openpyxl and zipfile errors for damaged workbooks
        raise BadInputError(Problem(name, f"cannot read Excel workbook: {exc}")) from exc
    if isinstance(sheets, pd.DataFrame):
        return sheets
    # The data may sit on any sheet: templates keep notes on the first one. Prefer a sheet
    # named 'data', then the first with the key columns of a panel or context (region, year),
    # then the first with a 'code' column (regions and sectors files), then the first sheet.
    cleaned = {}
    for title, frame in sheets.items():
        frame = frame.dropna(how="all").reset_index(drop=True)
        frame.columns = [str(c).strip() for c in frame.columns]
        frame.attrs["sheet"] = title
        cleaned[title] = frame
    for title, frame in cleaned.items():
        if str(title).strip().lower() == "data":
            return frame
    for wanted in ({"region", "year"}, {"code"}):
        for frame in cleaned.values():
            if wanted <= set(frame.columns):
                return frame
    return next(iter(cleaned.values()))
