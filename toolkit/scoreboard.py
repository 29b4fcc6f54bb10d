"""Regional Ecosystem Scoreboard: framework conditions for industrial change, against Europe.

Each indicator of ``parameters/indicators.yaml`` is normalised against the European
distribution (every region of the context that is not a region of analysis): its *score* is
the percentile of the region's value in that distribution, turned so that higher is always
better (a lower-is-better indicator such as unemployment scores 100 - percentile). 50 is the
European median. A dimension's score is the mean of its indicators' scores. Pure computation:
frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from toolkit.parameters import IndicatorCatalogue
from toolkit.tables import base_rows, is_base  # noqa: F401


def context_for_year(context: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each region's latest row at or before ``year`` (indicator by indicator), with the year
    each value comes from in ``<indicator>_year`` columns left out: one row per region."""
    past = context[context["year"] <= year].sort_values(["region", "year"])
    if past.empty:
        past = context.sort_values(["region", "year"])
    # Last non-missing value of every column per region: a late gap falls back a year.
    latest = past.groupby("region", sort=True).last()
    latest["data_year"] = past.groupby("region", sort=True)["year"].max()
    return latest.drop(columns=["year"], errors="ignore").reset_index()


def scoreboard(
    context: pd.DataFrame,
    indicators: IndicatorCatalogue,
    year: int,
    *,
    union_ids: Iterable[str] = (),
) -> pd.DataFrame:
    """One row per region x indicator: value, European benchmarks and the 0-100 score.

    The European distribution of an indicator is the value of every region of ``context``
    that is not in ``union_ids`` (the regions of analysis are compared with it, never part of
    it), each region's latest value at or before ``year``. Columns: region, indicator, name,
    dimension, unit, higher_is_better, value (in the indicator's unit), data_year, eu_median,
    eu_mean, eu_p25, eu_p75 (unit), percentile (0-100: share of European regions at or below
    the value, ties at mid-rank), score (0-100, 50 = EU median, higher is better whatever the
    indicator's direction), z (standard deviations from the EU mean, direction applied).
    """
    latest = context_for_year(context, year)
    unions = set(union_ids)
    europe = ~latest["region"].isin(unions)
    rows = []
    for indicator in indicators.scoreboard():
        if indicator.code not in latest.columns:
            continue
        values = latest[indicator.code].astype("float64")
        reference = np.sort(values[europe].dropna().to_numpy())
        if len(reference) == 0:
            continue
        # Percentile = share of European regions with a value at or below (mid-rank for ties).
        below = np.searchsorted(reference, values.to_numpy(), side="left")
        at_or_below = np.searchsorted(reference, values.to_numpy(), side="right")
        percentile = 100.0 * (below + at_or_below) / 2.0 / len(reference)
        percentile = np.where(values.isna(), np.nan, percentile)
        score = percentile if indicator.higher_is_better else 100.0 - percentile
        spread = float(reference.std(ddof=1)) if len(reference) > 1 else np.nan
        sign = 1.0 if indicator.higher_is_better else -1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            z = sign * (values.to_numpy() - reference.mean()) / spread if spread else np.nan
        rows.append(
            pd.DataFrame(
                {
                    "region": latest["region"],
                    "indicator": indicator.code,
                    "name": indicator.name,
                    "dimension": indicator.dimension,
                    "unit": indicator.unit,
                    "higher_is_better": indicator.higher_is_better,
                    "value": values,
                    "data_year": latest["data_year"],
                    "eu_median": float(np.median(reference)),
                    "eu_mean": float(reference.mean()),
                    "eu_p25": float(np.percentile(reference, 25)),
                    "eu_p75": float(np.percentile(reference, 75)),
                    "percentile": percentile,
                    "score": score,
                    "z": z,
                }
            )
        )
    if not rows:
        return pd.DataFrame(
            columns=[
                "region",
                "indicator",
                "name",
                "dimension",
                "unit",
                "higher_is_better",
                "value",
                "data_year",
                "eu_median",
                "eu_mean",
                "eu_p25",
                "eu_p75",
                "percentile",
                "score",
                "z",
            ]
        )
    return pd.concat(rows, ignore_index=True)


def dimension_scores(sb: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Region x dimension: the mean score of the dimension's indicators (missing ones left out)."""
    grouped = sb.dropna(subset=["score"]).groupby(["region", "dimension"], sort=False)
    out = grouped["score"].agg(score="mean", indicators="size").reset_index()
    labels = labels or {}
    out["dimension_name"] = out["dimension"].map(lambda d: labels.get(d, d))
    return out


def peer_regions(
    metrics: pd.DataFrame,
    context: pd.DataFrame,
    region_id: str,
    year: int,
    n: int = 5,
    *,
    exclude: Iterable[str] = (),
) -> list[str]:
    """The ``n`` regions most similar in sector structure and development level.

    Structure: cosine similarity of the traded-sector employment shares. Development: GDP per
    capita (PPS), compared on a log scale. Distance = (1 - cosine) + |log(GDP ratio)|; the
    region itself, the regions in ``exclude`` (e.g. its members and the other unions) and
    regions without data are never peers. ``metrics`` is the table the region is ranked in.
    """
    return _peers(metrics, context, str(region_id), int(year), n, set(exclude))


EU27 = frozenset(
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
# The EU's outermost regions (NUTS 2016): far from the mainland economy, never peers unless asked.
OUTERMOST = frozenset({"FRY1", "FRY2", "FRY3", "FRY4", "FRY5", "ES70", "PT20", "PT30"})


def peer_pool(
    codes: Iterable[str],
    members: Iterable[str],
    *,
    same_nuts_level: bool = True,
    outermost: bool = False,
    non_eu: bool = False,
) -> set[str]:
    """The NUTS codes that may be peers of a region whose NUTS codes are ``members``: by
    default mainland EU-27 regions of the members' NUTS level (code length); the outermost
    regions (``OUTERMOST``) and regions outside the EU-27 only when asked."""
    members = list(members)
    levels = {len(m) for m in members}
    pool = set()
    for code in codes:
        code = str(code)
        if same_nuts_level and len(code) not in levels:
            continue
        if not outermost and code in OUTERMOST:
            continue
        if not non_eu and code[:2] not in EU27:
            continue
        pool.add(code)
    return pool


def workspace_peers(ws, region_key: str, n: int = 5, pool: dict | None = None) -> list[str]:
    """``peer_regions`` for a region of a workspace, as reports and apps use it: ranked in
    the right table (regions of analysis in place of their members for a union), leaving out
    the other regions of analysis and the region's own members. Similarity adds size (total
    employment, log ratio) to sector structure and development level; the candidates are
    ``peer_pool`` (``pool``: its options, default ``parameters/assessment.yaml`` peer_pool
    defaults) for NUTS regions, every region otherwise."""
    from toolkit.assessment import PEER_POOL_DEFAULTS

    region = ws.resolve(region_key)
    unions = {u.id for u in ws.unions}
    table = ws.analysis_metrics if ws.is_union(region.id) else ws.metrics
    banned = (unions | set(region.members)) - {region.id}
    if ws.provenance.get("regions", "NUTS 2016") == "NUTS 2016":
        codes = set(table["region"].astype(str).unique()) - unions
        allowed = peer_pool(codes, region.members, **{**PEER_POOL_DEFAULTS, **(pool or {})})
        banned |= codes - allowed
    return _peers(table, ws.analysis_context, region.id, ws.year, n, banned, size=True)


def _peers(
    metrics: pd.DataFrame,
    context: pd.DataFrame,
    region_id: str,
    year: int,
    n: int,
    exclude: set[str],
    *,
    size: bool = False,
) -> list[str]:
    traded = base_rows(metrics)
    shares = traded.pivot_table(
        index="region", columns="sector", values="share", aggfunc="first"
    ).fillna(0.0)
    if region_id not in shares.index:
        return []
    banned = set(exclude) | {region_id}
    candidates = shares.index[~shares.index.isin(banned)]
    matrix = shares.loc[candidates].to_numpy()
    target = shares.loc[region_id].to_numpy()
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(target)
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where(norms > 0, matrix @ target / norms, 0.0)
    distance = 1.0 - cosine
    if "gdp_per_capita_pps" in context.columns:
        gdp = context_for_year(context, year).set_index("region")["gdp_per_capita_pps"]
        own = gdp.get(region_id, np.nan)
        other = gdp.reindex(candidates).to_numpy(dtype="float64")
        if pd.notna(own) and own > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                gap = np.abs(np.log(other / own))
            distance = distance + np.where(np.isnan(gap), 1.0, gap)
    if size:  # size: total employment of the base sectors, compared on a log scale
        totals = traded.groupby("region")["employment"].sum()
        own_total = totals.get(region_id, np.nan)
        if pd.notna(own_total) and own_total > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.abs(np.log(totals.reindex(candidates).to_numpy(float) / own_total))
            distance = distance + np.where(np.isfinite(ratio), ratio, 1.0)
    order = np.argsort(distance, kind="stable")[:n]
    return [str(candidates[i]) for i in order]


def compare_with_peers(sb: pd.DataFrame, region_id: str, peers: list[str]) -> pd.DataFrame:
    """Indicator by indicator: the region's value and score against the EU and peer medians.

    ``vs_eu`` and ``vs_peers`` read "above" when the region does better (direction applied).
    """
    own = sb[sb["region"] == region_id].set_index("indicator")
    peer_rows = sb[sb["region"].isin(peers)]
    peer_median = peer_rows.groupby("indicator")["value"].median()
    peer_score = peer_rows.groupby("indicator")["score"].median()
    out = own[
        ["name", "dimension", "unit", "higher_is_better", "value", "eu_median", "score"]
    ].copy()
    out["peer_median"] = peer_median.reindex(out.index)
    out["peer_score"] = peer_score.reindex(out.index)
    sign = np.where(out["higher_is_better"], 1.0, -1.0)
    out["vs_eu"] = _verdict(sign * (out["value"] - out["eu_median"]))
    out["vs_peers"] = _verdict(sign * (out["value"] - out["peer_median"]))
    return out.reset_index()


def _verdict(difference: pd.Series) -> np.ndarray:
    return np.select([difference > 0, difference < 0], ["above", "below"], default="at")
