"""Reference tables: regions (NUTS 2016 by default) and sectors (cluster categories by default).

Any other region or sector set works through the same code paths: pass a user file with the
same columns (regions: code, name[, level, parent, country]; sectors: code, name[, type]).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from toolkit import paths
from toolkit.errors import BadInputError, Problem, UnknownRegionError
from toolkit.nace import NACE_A10, NACE_DIVISION, check_partition, is_nace, normalise_code, overlaps  # noqa: F401
from toolkit.parameters import RegionOfAnalysis, load_regions_of_analysis
from toolkit.readers import read_table

SECTOR_TYPES = ("traded", "emerging", "other")
# NACE Rev. 2 codes and their structure live in toolkit.nace.


def default_regions_file() -> Path:
    return paths.reference_dir() / "nuts2016_regions.csv"


def default_sectors_file() -> Path:
    return paths.reference_dir() / "sectors.csv"


def _read_table(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    frame = read_table(path, dtype=str)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise BadInputError(
            [
                Problem(
                    str(path), f"missing required column (expected {', '.join(required)})", column=c
                )
                for c in missing
            ]
        )
    frame = frame.copy()
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    blank = frame["code"].isna() | (frame["code"] == "")
    dupes = frame["code"].duplicated(keep="first") & ~blank
    problems = [
        Problem(str(path), "empty code", row=i + 2, column="code") for i in frame.index[blank]
    ]
    problems += [
        Problem(str(path), f"duplicate code {frame.at[i, 'code']!r}", row=i + 2, column="code")
        for i in frame.index[dupes]
    ]
    if problems:
        raise BadInputError(problems)
    return frame


@lru_cache(maxsize=8)
def _load_regions_cached(path: str) -> pd.DataFrame:
    frame = _read_table(Path(path), ("code", "name"))
    for column, default in (("level", None), ("parent", None), ("country", None)):
        if column not in frame.columns:
            frame[column] = default
    frame["level"] = pd.to_numeric(frame["level"], errors="coerce").astype("Int64")
    if frame["country"].isna().all():
        frame["country"] = frame["code"].str[:2]
    return frame[["code", "name", "level", "parent", "country"]].reset_index(drop=True)


def load_regions(path: str | Path | None = None) -> pd.DataFrame:
    """Region table with columns code, name, level, parent, country (a copy, safe to modify)."""
    file = Path(path) if path is not None else default_regions_file()
    return _load_regions_cached(str(file.resolve())).copy()


@lru_cache(maxsize=8)
def _load_sectors_cached(path: str) -> pd.DataFrame:
    frame = _read_table(Path(path), ("code", "name"))
    if "type" not in frame.columns:
        frame["type"] = "traded"
    frame["type"] = frame["type"].fillna("traded").str.lower()
    bad = ~frame["type"].isin(SECTOR_TYPES)
    if bad.any():
        raise BadInputError(
            [
                Problem(
                    path,
                    f"sector type must be one of {', '.join(SECTOR_TYPES)}, got {t!r}",
                    row=i + 2,
                    column="type",
                )
                for i, t in frame.loc[bad, "type"].items()
            ]
        )
    if "description" not in frame.columns:
        frame["description"] = ""
    columns = ["code", "name", "type", "description"]
    if "base" in frame.columns:
        frame["base"] = _booleans(frame["base"], path)
        columns.append("base")
    return frame[columns].reset_index(drop=True)


_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}


def _booleans(column: pd.Series, file: str) -> pd.Series:
    """A yes/no column of a sector file (true/false, yes/no, 1/0; empty = true)."""
    text = column.fillna("true").astype(str).str.strip().str.lower().replace("", "true")
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        raise BadInputError(
            [
                Problem(
                    file, f"expected true or false, got {column[i]!r}", row=i + 2, column="base"
                )
                for i in column.index[bad.to_numpy()][:50]
            ]
        )
    return text.isin(_TRUE)


def load_sectors(path: str | Path | None = None) -> pd.DataFrame:
    """Sector table with columns code, name, type (traded, emerging or other), description."""
    file = Path(path) if path is not None else default_sectors_file()
    return _load_sectors_cached(str(file.resolve())).copy()


def default_nace_file() -> Path:
    return paths.reference_dir() / "nace_r2_divisions.csv"


def nace_sectors(codes) -> pd.DataFrame:
    """Sector table for NACE Rev. 2 codes (divisions such as C26, aggregates such as B-E):
    code, name, type 'other' (neither traded category nor emerging industry, so every code
    enters the regional totals once), description."""
    divisions = pd.read_csv(default_nace_file(), dtype=str)
    names = dict(zip(divisions["code"], divisions["name"], strict=True)) | NACE_A10
    codes = sorted(set(codes))
    return pd.DataFrame(
        {
            "code": codes,
            "name": [names.get(c, c) for c in codes],
            "type": "other",
            "description": [
                f"NACE Rev. 2 {'division' if NACE_DIVISION.match(c) else 'aggregate'} {c}"
                for c in codes
            ],
        }
    )


def sectors_for(codes, path: str | Path | None = None) -> pd.DataFrame:
    """The sector table for a panel's sector codes, and which set it is (``attrs``).

    A sector file given by the user wins. Otherwise the built-in table that holds every code:
    the cluster categories (51 traded, 10 emerging), then the NACE Rev. 2 divisions and
    aggregates (as ``toolkit data eurostat`` writes them). Codes in neither are kept, named by
    their code and typed 'other', with a note saying so: the metrics never depend on names.

    The ``base`` column says which codes form the base partition that regional totals and LQ
    denominators add up: the sector file's own ``base`` column when it has one (checked: two
    overlapping NACE codes both marked base are refused), else every sector but the emerging
    industries, with overlapping NACE aggregates (C inside B-E, G-J = G-I + J, TOTAL) left
    out by ``nace.base_partition``, which the note then names.
    ``attrs``: ``sector_set`` (what the report calls the set), ``note`` (empty or the caveat).
    """
    codes = {str(c) for c in codes}
    notes = []
    if path is not None:
        table, label = load_sectors(path), f"sectors of {Path(path).name}"
    elif codes <= set((clusters := load_sectors())["code"]):
        table, label = clusters, "cluster categories"
    elif all(is_nace(c) for c in codes):
        table, label = nace_sectors(codes), "NACE Rev. 2 divisions"
        if not all(NACE_DIVISION.match(c) for c in codes):
            label = "NACE Rev. 2 sectors"
    else:
        unknown = sorted(codes - set(clusters["code"]))
        table = pd.concat(
            [
                clusters[clusters["code"].isin(codes)],
                pd.DataFrame(
                    {"code": unknown, "name": unknown, "type": "other", "description": ""}
                ),
            ],
            ignore_index=True,
        )
        label = "sectors of the panel"
        notes.append(
            f"{len(unknown)} sector codes (e.g. {', '.join(unknown[:3])}) are neither cluster "
            "categories nor NACE Rev. 2 codes: they are shown by code; give a sector file "
            "(code, name[, type]) to name them"
        )
    present = [c for c in table["code"] if c in codes]
    if "base" in table.columns:
        base = set(table.loc[table["base"], "code"])
        check_partition(present, base & set(present), str(path))
    else:
        candidates = [
            c for c, t in zip(table["code"], table["type"], strict=True) if t != "emerging"
        ]
        nace = [c for c in candidates if is_nace(c)]
        if path is not None and overlaps(nace):
            pairs = ", ".join(f"{a} and {b}" for a, b in overlaps(nace)[:8])
            raise BadInputError(
                Problem(
                    str(path),
                    f"overlapping NACE sectors ({pairs}) would be counted twice in the regional "
                    "totals: add a 'base' column (true/false) that marks the codes that do not "
                    "overlap, or leave out the sector file to let the toolkit choose",
                    column="base",
                )
            )
        partition = check_partition(nace, None, "sectors") if nace else None
        base = set(candidates) - set(partition.dropped if partition else ())
        table["base"] = table["code"].isin(base)
        if partition is not None and partition.dropped:
            notes.append(partition.note)
    table.attrs.update(sector_set=label, note="; ".join(notes))
    return table


def nuts2_regions(regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The level-2 rows of a region table (all rows when the table has no levels)."""
    regions = load_regions() if regions is None else regions
    if regions["level"].isna().all():
        return regions
    return regions[regions["level"] == 2].reset_index(drop=True)


def resolve_region(
    key: str,
    regions: pd.DataFrame | None = None,
    regions_of_analysis: list[RegionOfAnalysis] | None = None,
) -> RegionOfAnalysis:
    """Turn a region id (``wallonia``), a code (``BE31``) or a name into a region of analysis.

    Unknown keys raise ``UnknownRegionError`` with the closest known ids and codes, so a typo
    fails before any computation starts.
    """
    unions = load_regions_of_analysis() if regions_of_analysis is None else regions_of_analysis
    for union in unions:
        if key == union.id or key.casefold() == union.name.casefold():
            return union
    table = load_regions() if regions is None else regions
    match = table[(table["code"] == key) | (table["name"].str.casefold() == key.casefold())]
    if len(match):
        row = match.iloc[0]
        return RegionOfAnalysis(id=row["code"], name=row["name"], members=(row["code"],))
    import difflib

    candidates = [u.id for u in unions] + table["code"].tolist()
    close = difflib.get_close_matches(key, candidates, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UnknownRegionError(
        Problem(
            "region",
            f"unknown region {key!r}: not a region id of the regions of analysis "
            f"nor a code of the region table.{hint}",
        )
    )


def region_names(
    regions: pd.DataFrame, unions: list[RegionOfAnalysis] | None = None
) -> dict[str, str]:
    """Code -> display name, including the ids of regions of analysis."""
    names = dict(zip(regions["code"], regions["name"], strict=True))
    for union in unions or []:
        names[union.id] = union.name
    return names
