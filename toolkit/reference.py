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
from toolkit.parameters import RegionOfAnalysis, load_regions_of_analysis

SECTOR_TYPES = ("traded", "emerging", "other")


def default_regions_file() -> Path:
    return paths.reference_dir() / "nuts2016_regions.csv"


def default_sectors_file() -> Path:
    return paths.reference_dir() / "sectors.csv"


def _read_table(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    from toolkit.data import read_table  # the one reader for CSV, Excel and Parquet

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
    return frame[["code", "name", "type", "description"]].reset_index(drop=True)


def load_sectors(path: str | Path | None = None) -> pd.DataFrame:
    """Sector table with columns code, name, type (traded, emerging or other), description."""
    file = Path(path) if path is not None else default_sectors_file()
    return _load_sectors_cached(str(file.resolve())).copy()


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
