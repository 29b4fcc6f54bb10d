"""The tables that reports and apps both show, built once from the metrics and scoreboard.

Plain functions over DataFrames: the report and the apps call the same ones, so they list the
same leading clusters for a region in the same order, with the same columns and units.
"""

from __future__ import annotations

import pandas as pd

DEFAULT_STAR_CLUSTER_MIN = 2  # parameters/assessment.yaml strengths.star_cluster_min_stars


def is_base(frame: pd.DataFrame) -> pd.Series:
    """Rows of base sectors, those a region's total adds up: the metrics' ``base`` column, else
    every sector but the emerging industries. Emerging industries and overlapping NACE
    aggregates (C inside B-E, G-J) are measured but never counted with the base sectors."""
    if "base" in frame.columns:
        return frame["base"].fillna(False).astype(bool)
    return frame["sector_type"] != "emerging"


def base_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[is_base(frame)]


def leading_clusters(
    clusters: pd.DataFrame, n: int | None = None, *, sector_types: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """A region's clusters, best first: most stars, then highest LQ, then most employment
    (sector code last, so the order never depends on the input's). Only base sectors
    (``is_base``) unless ``sector_types`` names the types to list."""
    if sector_types is None:
        rows = base_rows(clusters)
    else:
        rows = clusters[clusters["sector_type"].isin(sector_types)]
    rows = rows.assign(_stars=rows["stars"].fillna(0), _lq=rows["lq"].fillna(-1))
    rows = rows.sort_values(
        ["_stars", "_lq", "employment", "sector"],
        ascending=[False, False, False, True],
        kind="stable",
    ).drop(columns=["_stars", "_lq"])
    return rows if n is None else rows.head(n)


def cluster_table(
    rows: pd.DataFrame, sector_names: dict[str, str], currency: str = "EUR"
) -> pd.DataFrame:
    """Display table of clusters (in the order given), units in the column names."""
    return pd.DataFrame(
        {
            "Sector": [sector_names.get(s, s) for s in rows["sector"]],
            "Code": rows["sector"].astype(str).to_numpy(),
            "Type": rows["sector_type"].astype(str).to_numpy(),
            "Stars": rows["stars"].fillna(0).astype("int64").to_numpy(),
            "Employment (persons)": rows["employment"].to_numpy(dtype="float64"),
            "LQ": rows["lq"].to_numpy(dtype="float64"),
            f"Wage per employee ({currency})": rows["wage_per_employee"].to_numpy(dtype="float64"),
            "Growth (% a year)": 100 * rows["growth"].to_numpy(dtype="float64"),
        }
    )


def indicator_table(
    comparison: pd.DataFrame, dimension_labels: dict[str, str], benchmark: str = "EU"
) -> pd.DataFrame:
    """The region's scoreboard indicators against the European median (and the peers' median
    when ``comparison`` has it), units in their own column."""
    columns = {
        "Dimension": [dimension_labels.get(d, d) for d in comparison["dimension"]],
        "Indicator": comparison["name"].astype(str).to_numpy(),
        "Unit": comparison["unit"].astype(str).to_numpy(),
        "Region": comparison["value"].to_numpy(dtype="float64"),
        f"{benchmark} median": comparison["eu_median"].to_numpy(dtype="float64"),
    }
    if "peer_median" in comparison.columns:
        columns["Peer median"] = comparison["peer_median"].to_numpy(dtype="float64")
    columns["Score (0-100)"] = comparison["score"].to_numpy(dtype="float64")
    if "data_year" in comparison.columns:
        columns["Data year"] = comparison["data_year"].astype("Int64").to_numpy()
    return pd.DataFrame(columns)


def star_cluster_count(clusters: pd.DataFrame, min_stars: int = DEFAULT_STAR_CLUSTER_MIN) -> int:
    """Base clusters with at least ``min_stars`` stars ("star clusters")."""
    base = base_rows(clusters)
    return int((base["stars"].fillna(0) >= min_stars).sum())
