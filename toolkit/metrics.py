"""Cluster metrics: employment shares, location quotients, size, productivity, dynamism, stars.

Definitions (European cluster mapping; thresholds in ``parameters/stars.yaml``):

* share[r,s] = E[r,s] / E[r], with E the employment in persons and E[r] the region's
  employment over the *base* sectors (every sector that is not an emerging industry, since
  emerging industries cut across the traded categories and are never summed with them).
* LQ[r,s] = (E[r,s] / E[r]) / (E[ref,s] / E[ref]), where ref is the reference set of regions.
* wage per employee = wages[r,s] / E[r,s] (EUR per person).
* growth = compound annual growth rate of E[r,s] from the period start to its end.
* stars, one for each test that holds, within a sector across the reference regions:
  size (employment among the top ``size_top_share`` of regions), specialisation
  (LQ >= ``specialisation_min_lq``), productivity (wage per employee in the top
  ``productivity_top_share``), dynamism (growth in the top ``dynamism_top_share``).

"Top 10 % of n regions" means at least as large as the k-th largest value, k = ceil(0.10 n),
counting only regions with a value; ties at the threshold all earn the star. Missing wages give
no productivity star (NA with a note), never zero and never an error.

Regions of analysis made of several codes are handled by ``aggregate_regions``: counts are
summed first and every ratio is recomputed from the sums, never averaged.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from toolkit.benchmark import DATA_SUM, Benchmark, benchmark_shares
from toolkit.errors import MissingDataError
from toolkit.parameters import RegionOfAnalysis, StarParameters
from toolkit.tables import base_rows, is_base  # noqa: F401

COUNT_COLUMNS = ("employment", "enterprises", "wages", "value_added")
STAR_COLUMNS = ("size_star", "specialisation_star", "productivity_star", "dynamism_star")
NO_WAGES_NOTE = "no wage data: productivity star not assessed"


def aggregate_regions(panel: pd.DataFrame, unions: Iterable[RegionOfAnalysis]) -> pd.DataFrame:
    """Replace the member codes of each union by one row per union id, summing the counts.

    A union's cell is missing when any member's cell is missing (a partial sum would understate
    it); regions that are in no union pass through unchanged. A code in two unions is counted
    in both.
    """
    unions = [u for u in unions if len(u.members) > 1 or u.members[0] != u.id]
    if not unions:
        return panel
    counts = [c for c in COUNT_COLUMNS if c in panel.columns]
    mapping = pd.DataFrame(
        [(member, union.id) for union in unions for member in union.members],
        columns=["region", "union"],
    )
    members = panel.merge(mapping, on="region", how="inner")
    grouped = members.groupby(["union", "sector", "year"], sort=False, observed=True)[counts]
    summed = grouped.sum(min_count=1)
    # A union's cell is unknown when a member's cell is missing (suppressed): a partial sum
    # would understate it and fake growth or decline between years.
    size = pd.Series({u.id: len(set(u.members)) for u in unions}, name="n_members")
    complete = grouped.count().ge(
        size.reindex(summed.index.get_level_values(0)).to_numpy()[:, None]
    )
    summed = summed.where(complete).reset_index().rename(columns={"union": "region"})
    covered = set(mapping["region"])
    rest = panel[~panel["region"].isin(covered)]
    result = pd.concat([rest, summed], ignore_index=True)
    result.attrs = dict(panel.attrs)
    return result


YEAR_COVERAGE = 0.9  # the default analysis year must hold this share of the panel's regions


def analysis_year(panel: pd.DataFrame, params: StarParameters) -> int:
    """The year metrics are computed for: the parameter, else the latest year that covers most
    regions (at least ``YEAR_COVERAGE`` of the regions of the best-covered year), so that a
    last year published for a few countries only does not become the default."""
    return _analysis_year(panel, params)[0]


def _analysis_year(panel: pd.DataFrame, params: StarParameters) -> tuple[int, str]:
    """(year, a note saying which years were passed over and why, or "")."""
    years = panel["year"].unique()
    if params.year is not None:
        if params.year not in set(years.tolist()):
            first, last = int(years.min()), int(years.max())
            raise MissingDataError(
                f"no data for year {params.year}: the panel covers {first}-{last}"
            )
        return int(params.year), ""
    present = panel[panel["employment"].notna()] if "employment" in panel else panel
    coverage = present.groupby("year")["region"].nunique().sort_index()
    if coverage.empty:
        return int(years.max()), ""
    good = coverage[coverage >= YEAR_COVERAGE * coverage.max()]
    year = int(good.index.max())
    later = coverage[coverage.index > year]
    if later.empty:
        return year, ""
    skipped = ", ".join(
        f"{int(y)} ({int(n)} of {int(coverage.max())} regions)" for y, n in later.items()
    )
    return year, (
        f"analysis year {year}, the latest with data for most regions ({int(coverage[year])}); "
        f"later years cover too few regions: {skipped}; choose one with --year"
    )


def growth_period(panel: pd.DataFrame, params: StarParameters, year: int) -> tuple[int, int]:
    """(start, end) of the dynamism period, clipped to the years the panel holds."""
    end = params.period_end or year
    start = params.period_start or end - params.span_years
    first = int(panel["year"].min())
    start = max(start, first)
    return int(start), int(end)


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes 0..n-1 in sorted label order, and the labels as text."""
    codes, labels = pd.factorize(column, sort=True)
    labels = pd.Index(labels.astype(str))
    if not labels.is_monotonic_increasing:  # non-text labels (e.g. numbers) sort differently
        order = np.argsort(labels.to_numpy(), kind="stable")
        codes = np.argsort(order)[codes]
        labels = labels[order]
    return codes, labels


def _descending_within_groups(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Order that sorts by group code, then by value from largest to smallest.

    A quicksort of the values (the order among equal values does not matter) followed by a
    stable sort of the integer groups (which numpy radix-sorts) is faster than
    ``np.lexsort`` on large panels.
    """
    by_value = np.argsort(-values)
    return by_value[np.argsort(groups[by_value], kind="stable")]


def _rank_descending(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Rank within each group, 1 = largest, ties share the best rank (pandas' method="min").
    Missing values get NaN."""
    rank = np.full(len(values), np.nan)
    present = np.flatnonzero(~np.isnan(values))
    v, g = values[present], groups[present]
    order = _descending_within_groups(v, g)
    sv, sg = v[order], g[order]
    position = np.arange(len(order))
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = sg[1:] != sg[:-1]
    new_value = new_group.copy()
    new_value[1:] |= sv[1:] != sv[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, position, 0))
    run_start = np.maximum.accumulate(np.where(new_value, position, 0))
    rank[present[order]] = run_start - group_start + 1
    return rank


def _top_share_flag(
    values: np.ndarray, groups: np.ndarray, n_groups: int, in_reference: np.ndarray, share: float
) -> np.ndarray:
    """1.0 where value >= the k-th largest reference value of its group, k = ceil(share * n);
    0.0 below; NaN where the value is missing. ``groups`` are integer codes 0..n_groups-1."""
    flag = np.zeros(len(values), dtype="float64")
    missing = np.isnan(values)
    if share <= 0:
        flag[missing] = np.nan
        return flag
    mask = in_reference & ~missing
    v, g = values[mask], groups[mask]
    sorted_values = v[_descending_within_groups(v, g)]
    counts = np.bincount(g, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    k = np.maximum(np.ceil(share * counts - 1e-9).astype(np.int64), 1)
    threshold = np.full(n_groups, np.inf)
    present = counts > 0
    threshold[present] = sorted_values[(starts + k - 1)[present]]
    flag = (values >= threshold[groups]).astype("float64")
    flag[missing] = np.nan
    return flag


def base_flags(sectors: pd.DataFrame | None, labels) -> np.ndarray:
    """Which sector codes form the base partition that regional totals and the LQ denominator
    sum over: the sector table's ``base`` column, else every sector that is not an emerging
    industry (emerging industries cut across the traded categories)."""
    if sectors is None:
        return np.ones(len(labels), dtype=bool)
    if "base" in sectors.columns:
        base = dict(zip(sectors["code"], sectors["base"].astype(bool), strict=True))
    else:
        base = dict(zip(sectors["code"], sectors["type"] != "emerging", strict=True))
    return np.array([bool(base.get(code, True)) for code in labels], dtype=bool)


def cluster_metrics(
    panel: pd.DataFrame,
    sectors: pd.DataFrame | None = None,
    params: StarParameters | None = None,
    benchmark: Benchmark | None = None,
) -> pd.DataFrame:
    """Metrics and stars of every region x sector for the analysis year.

    ``panel`` is a validated cluster panel (region, sector, year, employment[, enterprises,
    wages]) of regions only (see ``benchmark.split_panel``); ``sectors`` gives each sector's
    type (traded / emerging / other) and base flag; without it every sector is a base sector.
    ``benchmark``: the area LQ and shares are computed against (default: the sum of the
    reference regions). Returns one row per region and sector, sorted.
    """
    params = params or StarParameters()
    year, year_note = _analysis_year(panel, params)
    start, end = growth_period(panel, params, year)
    years = panel["year"].to_numpy()
    frame = panel[(years == year) | (years == start) | (years == end)]
    # Integer codes for regions and sectors: fast group arithmetic whatever the input dtype.
    region_codes, region_labels = _codes(frame["region"])
    sector_codes, sector_labels = _codes(frame["sector"])
    n_regions, n_sectors = len(region_labels), len(sector_labels)
    frame_years = frame["year"].to_numpy()
    key = region_codes.astype(np.int64) * n_sectors + sector_codes

    now = frame_years == year
    if not now.any():
        raise MissingDataError(f"no rows for year {year}")
    r, s = region_codes[now], sector_codes[now]
    employment = frame["employment"].to_numpy(dtype="float64")[now]
    has_wages = "wages" in frame.columns
    types = dict(zip(sectors["code"], sectors["type"], strict=True)) if sectors is not None else {}
    sector_type_of = np.array([types.get(code, "traded") for code in sector_labels], dtype=object)
    sector_type = sector_type_of[s]

    if params.reference_regions is None:
        reference = np.ones(len(r), dtype=bool)
    else:
        reference = np.isin(region_labels, list(params.reference_regions))[r]
    emp0 = np.nan_to_num(employment)
    is_base = base_flags(sectors, sector_labels)
    base = np.where(is_base[s], emp0, 0.0)
    region_total = np.bincount(r, weights=base, minlength=n_regions)[r]
    if benchmark is None or benchmark.is_data_sum:
        ref_sector_total = np.bincount(
            s, weights=np.where(reference, emp0, 0.0), minlength=n_sectors
        )
        ref_total = float(base[reference].sum())
    else:
        ref_sector_total, ref_total = benchmark_shares(benchmark, sector_labels, is_base, year)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(region_total > 0, employment / region_total, np.nan)
        europe_share = ref_sector_total / ref_total if ref_total > 0 else np.full(n_sectors, np.nan)
        europe_share = np.where(europe_share > 0, europe_share, np.nan)
        lq = share / europe_share[s]
        wage_per_employee = (
            np.where(
                employment > 0, frame["wages"].to_numpy(dtype="float64")[now] / employment, np.nan
            )
            if has_wages
            else np.full(len(r), np.nan)
        )

    # Employment growth (CAGR) between the period's start and end; one year of data: the
    # dynamism star is not assessed (NA), which is not the same as no star.
    dynamism_assessed = end > start
    growth = np.full(len(r), np.nan)
    if end > start:
        emp_all = frame["employment"].to_numpy(dtype="float64")
        first = pd.Series(emp_all[frame_years == start], index=key[frame_years == start])
        last = pd.Series(emp_all[frame_years == end], index=key[frame_years == end])
        e0 = first.reindex(key[now]).to_numpy()
        e1 = last.reindex(key[now]).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = np.where((e0 > 0) & (e1 > 0), (e1 / e0) ** (1.0 / (end - start)) - 1.0, np.nan)

    eligible = (employment >= params.min_employment) & (employment > 0)
    flags = {
        "size_star": _top_share_flag(employment, s, n_sectors, reference, params.size_top_share),
        "specialisation_star": np.where(
            np.isnan(lq), np.nan, (lq >= params.specialisation_min_lq).astype(float)
        ),
        "productivity_star": _top_share_flag(
            wage_per_employee, s, n_sectors, reference, params.productivity_top_share
        ),
        # Growth must be positive: rounded real figures tie many regions at 0.0 %.
        "dynamism_star": _top_share_flag(growth, s, n_sectors, reference, params.dynamism_top_share)
        * (np.nan_to_num(growth) > 0),
    }
    stars = {}
    for name, flag in flags.items():
        star = np.where(eligible, np.nan_to_num(flag), 0.0)
        if name == "productivity_star":
            # Missing wages: the star is not assessed (NA), which is not the same as no star.
            not_assessed = np.isnan(wage_per_employee) & (eligible | (not has_wages))
            stars[name] = pd.array(np.where(not_assessed, np.nan, star), dtype="Float64").astype(
                "Int8"
            )
        elif name == "dynamism_star" and not dynamism_assessed:
            stars[name] = pd.array(np.full(len(star), np.nan), dtype="Float64").astype("Int8")
        else:
            stars[name] = pd.array(star.astype("int8"), dtype="Int8")

    current = frame.loc[now]
    result = pd.DataFrame(
        {
            "region": region_labels.take(r).array,
            "sector": sector_labels.take(s).array,
            "sector_type": sector_type,
            "year": year,
            "employment": employment,
            "enterprises": current["enterprises"].to_numpy(dtype="float64")
            if "enterprises" in current.columns
            else np.nan,
            "wages": current["wages"].to_numpy(dtype="float64") if has_wages else np.nan,
            "region_employment": region_total,
            "share": share,
            "lq": lq,
        }
    )
    size_rank = _rank_descending(employment, s)
    result["size_rank"] = pd.array(size_rank, dtype="Float64").astype("Int64")
    # Percentile: share of the sector's reference regions with employment <= this region's.
    if reference.all():
        present = np.bincount(s, weights=~np.isnan(employment), minlength=n_sectors)[s]
        result["size_percentile"] = (present - size_rank + 1) / present
    else:
        ref_employment = pd.Series(np.where(reference, employment, np.nan))
        result["size_percentile"] = (
            ref_employment.groupby(s).rank(method="max", pct=True).to_numpy()
        )
    result["wage_per_employee"] = wage_per_employee
    result["growth"] = growth
    result["growth_start"] = start
    result["growth_end"] = end
    for name in STAR_COLUMNS:
        result[name] = stars[name]
    result["stars"] = result[list(STAR_COLUMNS)].fillna(0).astype("int8").sum(axis=1).astype("int8")
    result["productivity_note"] = np.where(np.isnan(wage_per_employee), NO_WAGES_NOTE, "")
    result["in_reference"] = reference
    result["base"] = is_base[s]
    order = np.lexsort((s, r))  # codes were sorted, so this is region, sector order
    result = result.iloc[order].reset_index(drop=True)
    result.attrs = {
        **panel.attrs,
        "year": year,
        "period": (start, end),
        "thresholds": params.describe(),
        "wages_available": has_wages,
        "dynamism_assessed": dynamism_assessed,
        "benchmark": (benchmark or DATA_SUM).name,
        "year_note": year_note,
    }
    return result


def star_summary(
    metrics: pd.DataFrame, regions: Iterable[RegionOfAnalysis], names: dict[str, str] | None = None
) -> pd.DataFrame:
    """One row per region of analysis: clusters with stars, the best clusters and their stars."""
    names = names or {}
    rows = []
    for region in regions:
        own = metrics[(metrics["region"] == region.id) & is_base(metrics)]
        starred = own[own["stars"] > 0].sort_values(["stars", "lq"], ascending=[False, False])
        best = starred.head(3)
        top = ", ".join(
            f"{names.get(code, code)} ({'*' * int(n)})"
            for code, n in zip(best["sector"], best["stars"], strict=True)
        )
        rows.append(
            {
                "region_id": region.id,
                "region": region.name,
                "members": " ".join(region.members),
                "clusters": int(len(own)),
                "starred": int((own["stars"] > 0).sum()),
                "three_plus_stars": int((own["stars"] >= 3).sum()),
                "employment_in_starred": float(own.loc[own["stars"] > 0, "employment"].sum()),
                "top_clusters": top,
            }
        )
    return pd.DataFrame(rows)


def aggregate_context(
    context: pd.DataFrame, unions: Iterable[RegionOfAnalysis], indicators
) -> pd.DataFrame:
    """Context rows for each union: counts summed, ratios recomputed with their denominators.

    A ratio v = numerator / weight is rebuilt as sum(weight * v) / sum(weight) over the
    members, with weight = population, total employment or GDP (GDP per capita x population)
    as ``indicators.yaml`` declares; that is the ratio of the summed counts, not a mean of
    ratios. Members missing a value are left out of both sums. The member rows are kept and
    the union rows appended.
    """
    unions = [u for u in unions if len(u.members) > 1 or u.members[0] != u.id]
    if not unions:
        return context
    mapping = pd.DataFrame(
        [(m, u.id) for u in unions for m in u.members], columns=["region", "union"]
    )
    members = context.merge(mapping, on="region", how="inner")
    weights = {
        "population": members.get("population"),
        "total_employment": members.get("total_employment"),
        "gdp": members.get("population") * members.get("gdp_per_capita_pps")
        if {"population", "gdp_per_capita_pps"} <= set(members.columns)
        else None,
    }
    keys = ["union", "year"]
    out = members[keys].drop_duplicates().set_index(keys)
    by = [members["union"], members["year"]]
    catalogue = indicators.indicators
    for column in context.columns:
        if column in ("region", "year") or not pd.api.types.is_numeric_dtype(context[column]):
            continue
        spec = catalogue.get(column)
        weight = weights.get(spec.weight) if spec is not None and spec.weight else None
        values = members[column]
        if spec is not None and spec.weight is None:
            out[column] = values.groupby(by).sum(min_count=1)
        elif weight is not None:
            valid = values.notna() & weight.notna()
            numerator = (values * weight).where(valid).groupby(by).sum(min_count=1)
            denominator = weight.where(valid).groupby(by).sum(min_count=1)
            out[column] = numerator / denominator
        else:
            out[column] = np.nan  # no denominator to rebuild the ratio from: say unknown
    out = out.reset_index().rename(columns={"union": "region"})
    # Members are kept: the European distribution of an indicator stays that of the regions.
    result = pd.concat([context, out], ignore_index=True)
    result.attrs = dict(context.attrs)
    return result
