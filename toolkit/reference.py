"""Reference tables: regions (NUTS 2016 by default) and sectors (cluster categories by default).

Any other region or sector set works through the same code paths: pass a user file with the
same columns (regions: code, name[, level, parent, country]; sectors: code, name[, type]).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from toolkit import paths
from toolkit.errors import BadInputError, Problem, UnknownRegionError
from toolkit.parameters import RegionOfAnalysis, load_regions_of_analysis

SECTOR_TYPES = ("traded", "emerging", "other")
NACE_DIVISION = re.compile(r"^[A-U]\d{2}$")
# The NACE Rev. 2 aggregates of the regional accounts (nama_10r_3empers: A*10 and coarser).
NACE_A10 = {
    "A": "Agriculture, forestry and fishing",
    "B-E": "Industry (except construction)",
    "C": "Manufacturing",
    "F": "Construction",
    "G-I": "Wholesale and retail trade, transport, accommodation and food service activities",
    "G-J": "Wholesale and retail trade, transport, accommodation, food, information and "
    "communication",
    "J": "Information and communication",
    "K": "Financial and insurance activities",
    "L": "Real estate activities",
    "M_N": "Professional, scientific, technical, administrative and support service activities",
    "O-Q": "Public administration, defence, education, human health and social work activities",
    "R-U": "Arts, entertainment and recreation; other service activities; households",
}


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
    ``attrs``: ``sector_set`` (what the report calls the set), ``note`` (empty or the caveat).
    """
    codes = {str(c) for c in codes}
    if path is not None:
        table, label, note = load_sectors(path), f"sectors of {Path(path).name}", ""
    elif codes <= set((clusters := load_sectors())["code"]):
        table, label, note = clusters, "cluster categories", ""
    elif codes <= set(pd.read_csv(default_nace_file(), dtype=str)["code"]) | set(NACE_A10):
        table, label, note = nace_sectors(codes), "NACE Rev. 2 divisions", ""
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
        note = (
            f"{len(unknown)} sector codes (e.g. {', '.join(unknown[:3])}) are neither cluster "
            "categories nor NACE Rev. 2 codes: they are shown by code; give a sector file "
            "(code, name[, type]) to name them"
        )
    table.attrs.update(sector_set=label, note=note)
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
