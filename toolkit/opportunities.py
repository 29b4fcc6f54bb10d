"""Relatedness, diversification opportunities, partner regions and near misses of the stars.

Definitions (Hidalgo, Klinger, Barabasi and Hausmann 2007, "The product space conditions the
development of nations"; the same conventions as py-ecomplexity, PyPI package ``ecomplexity``):

* Specialisation M[r,s] = 1 when LQ[r,s] >= 1 (the threshold is a parameter), else 0. A
  missing LQ (no employment, no row) counts as not specialised. Emerging industries are left
  out by default: they cut across the traded categories, so a region specialised in one is
  specialised in its traded parts already.
* Co-location proximity phi[i,j] = min(P(M_i | M_j), P(M_j | M_i)) = C[i,j] / max(u_i, u_j),
  with C = M^T M (regions specialised in both) and u_i = sum_r M[r,i] (regions specialised in
  i). The diagonal is 1 for every sector with a specialised region, as py-ecomplexity leaves
  it (C[i,i] = u_i); a sector no region is specialised in has 0 everywhere, diagonal included.
* Relatedness density d[r,j] = sum_i M[r,i] phi[i,j] / sum_i phi[i,j]: the share of sector
  j's relatedness (0 to 1) that lies in sectors where region r is specialised. Since
  phi[j,j] = 1, an unspecialised sector's own weight is in the denominator, as in
  py-ecomplexity. A sector whose column of phi is all 0 has no density (NaN).
* An external relatedness matrix (``load_relatedness``, ``us_cmp_relatedness``) is read as
  ordered pairs: phi[a,b] is how much being specialised in a helps b (a = row = the existing
  specialisation, b = column = the target). Pairs not listed are 0; the diagonal is 1 unless
  the file gives it.

Every function takes DataFrames (the metrics table of ``toolkit.metrics.cluster_metrics``) and
returns DataFrames; only ``load_relatedness`` and ``us_cmp_relatedness`` read a file.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import paths
from toolkit.errors import BadInputError, Problem, UnknownRegionError
from toolkit.metrics import STAR_COLUMNS, cluster_metrics
from toolkit.parameters import StarParameters
from toolkit.readers import read_table

BASE_TYPES = ("traded", "other")  # every sector type but the emerging industries
RELATEDNESS_COLUMNS = ("sector_a", "sector_b", "relatedness")
US_CMP_MEASURES = ("rel_all_90_v3", "cr_all_pc")
MAX_PROBLEMS = 50
STAR_NAMES = ("size", "specialisation", "productivity", "dynamism")
DEFAULT_VARIANTS: dict[str, dict[str, float]] = {
    "default": {},
    "top 20 %": {
        "size_top_share": 0.20,
        "productivity_top_share": 0.20,
        "dynamism_top_share": 0.20,
    },
    "LQ >= 1.5": {"specialisation_min_lq": 1.5},
    "top 20 % and LQ >= 1.5": {
        "size_top_share": 0.20,
        "productivity_top_share": 0.20,
        "dynamism_top_share": 0.20,
        "specialisation_min_lq": 1.5,
    },
}


# --- specialisation and relatedness -----------------------------------------------------------


def _select_types(metrics: pd.DataFrame, sector_types: Collection[str] | None) -> pd.DataFrame:
    if sector_types is None or "sector_type" not in metrics.columns:
        return metrics
    return metrics[metrics["sector_type"].isin(list(sector_types))]


def _labels(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and the labels as text, in text order (categories sort as text too)."""
    text = column if pd.api.types.is_string_dtype(column.dtype) else column.astype(str)
    codes, labels = pd.factorize(text, sort=True)
    return codes, pd.Index(labels, dtype=object)


def _wide(metrics: pd.DataFrame, column: str) -> pd.DataFrame:
    """Region x sector table of one metrics column (NaN where a region has no row)."""
    region_codes, regions = _labels(metrics["region"])
    sector_codes, sectors = _labels(metrics["sector"])
    key = region_codes.astype(np.int64) * len(sectors) + sector_codes
    if len(key) and np.bincount(key).max() > 1:
        raise BadInputError(
            "expected one row per region and sector (the metrics of one year); "
            "found several for the same region and sector",
            file="metrics",
        )
    values = np.full((len(regions), len(sectors)), np.nan)
    raw = pd.to_numeric(metrics[column], errors="coerce")
    values[region_codes, sector_codes] = raw.to_numpy(dtype="float64", na_value=np.nan)
    return pd.DataFrame(values, index=regions.rename("region"), columns=sectors.rename("sector"))


def specialisation_matrix(
    metrics: pd.DataFrame,
    threshold: float = 1.0,
    sector_types: Collection[str] | None = BASE_TYPES,
) -> pd.DataFrame:
    """Region x sector 0/1 table: 1 where LQ >= ``threshold`` (int8; missing LQ gives 0).

    ``sector_types`` chooses the sectors (default: all but the emerging industries; None: all).
    """
    lq = _wide(_select_types(metrics, sector_types), "lq")
    return (lq >= threshold).astype("int8")


def _binary(M: pd.DataFrame) -> np.ndarray:
    m = M.to_numpy(dtype="float64")
    if not np.isin(m, (0.0, 1.0)).all():
        raise BadInputError("the specialisation matrix must hold only 0 and 1", file="M")
    return m


def _proximity_array(m: np.ndarray) -> np.ndarray:
    """phi = C / max(u_i, u_j) for a (..., regions, sectors) 0/1 array; 0 where max is 0."""
    c = np.swapaxes(m, -1, -2) @ m
    u = m.sum(axis=-2)
    denominator = np.maximum(u[..., :, None], u[..., None, :])
    return np.divide(c, denominator, out=np.zeros_like(c), where=denominator > 0)


def _density_array(m: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """d = M phi / column sums of phi for (..., regions, sectors); NaN where a sum is 0."""
    numerator = m @ phi
    denominator = phi.sum(axis=-2)[..., None, :]
    out = np.full(numerator.shape, np.nan)
    return np.divide(numerator, denominator, out=out, where=denominator > 0)


def proximity(M: pd.DataFrame) -> pd.DataFrame:
    """Sector x sector co-location proximity phi (0 to 1) from a 0/1 specialisation matrix.

    phi[i,j] = C[i,j] / max(u_i, u_j), C = M^T M, u = regions specialised in each sector;
    diagonal 1 (0 for a sector nobody is specialised in), as in py-ecomplexity.
    """
    phi = _proximity_array(_binary(M))
    sectors = pd.Index(M.columns, name="sector")
    return pd.DataFrame(phi, index=sectors, columns=sectors.rename("related_sector"))


def _aligned(M: pd.DataFrame, phi: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """M and phi restricted to the sectors both know, in M's column order."""
    known = set(phi.index) & set(phi.columns)
    common = [s for s in M.columns if s in known]
    return (
        _binary(M[common]),
        phi.loc[common, common].to_numpy(dtype="float64"),
        common,
    )


def relatedness_density(M: pd.DataFrame, phi: pd.DataFrame) -> pd.DataFrame:
    """Region x sector relatedness density (0 to 1): d[r,j] = sum_i M[r,i] phi[i,j] / sum_i
    phi[i,j], over the sectors that both M and phi hold. Sectors of M that phi lacks, and
    sectors with no relatedness at all, get NaN."""
    m, p, common = _aligned(M, phi)
    density = pd.DataFrame(_density_array(m, p), index=M.index, columns=common)
    return density.reindex(columns=M.columns)


# --- external relatedness ---------------------------------------------------------------------


def _sector_codes(sectors: pd.DataFrame | Iterable[str]) -> list[str]:
    if isinstance(sectors, pd.DataFrame):
        return [str(code) for code in sectors["code"]]
    return [str(code) for code in sectors]


def _capped(problems: list[Problem], file: str) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return problems[:MAX_PROBLEMS] + [Problem(file, f"... and {rest} more problems")]


def _pairs_to_matrix(
    a: pd.Series, b: pd.Series, values: pd.Series, codes: list[str]
) -> pd.DataFrame:
    """Square sector x sector matrix from ordered pairs; unlisted pairs 0, unlisted diagonal 1."""
    position = {code: i for i, code in enumerate(codes)}
    matrix = np.zeros((len(codes), len(codes)))
    np.fill_diagonal(matrix, 1.0)
    matrix[a.map(position).to_numpy(int), b.map(position).to_numpy(int)] = values.to_numpy(float)
    index = pd.Index(codes, name="sector")
    return pd.DataFrame(matrix, index=index, columns=index.rename("related_sector"))


def load_relatedness(path: str | Path, sectors: pd.DataFrame | Iterable[str]) -> pd.DataFrame:
    """Read a relatedness matrix as ordered pairs ``sector_a,sector_b,relatedness`` (CSV, TSV,
    Excel or Parquet) into a square sector x sector DataFrame over ``sectors`` (codes, or the
    sector table). Relatedness must be a number >= 0 (it weights densities); every problem
    (unknown sector, not a number, a pair listed twice) is reported with file, row and column.
    """
    name = str(path)
    codes = _sector_codes(sectors)
    frame = read_table(path)
    missing = [c for c in RELATEDNESS_COLUMNS if c not in frame.columns]
    if missing:
        raise BadInputError(
            [
                Problem(
                    name, f"missing column (expected {', '.join(RELATEDNESS_COLUMNS)})", column=c
                )
                for c in missing
            ]
        )
    frame = frame.reset_index(drop=True)
    rows = frame.index.to_numpy() + 2  # the header is row 1
    problems: list[Problem] = []
    known = set(codes)
    for column in ("sector_a", "sector_b"):
        frame[column] = frame[column].astype("string").str.strip()
        bad = ~frame[column].isin(known).to_numpy(dtype=bool)
        problems += [
            Problem(name, f"unknown sector {value!r}", row=int(row), column=column)
            if not pd.isna(value) and value != ""
            else Problem(name, "empty sector code", row=int(row), column=column)
            for row, value in zip(rows[bad], frame.loc[bad, column], strict=True)
        ]
    raw = frame["relatedness"].astype("string").str.strip()
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    bad = ~(np.isfinite(values.to_numpy()) & (values.to_numpy() >= 0))
    problems += [
        Problem(
            name,
            f"relatedness must be a number >= 0, got {value!r}",
            row=int(row),
            column="relatedness",
        )
        for row, value in zip(rows[bad], raw[bad].fillna(""), strict=True)
    ]
    pairs = frame[["sector_a", "sector_b"]]
    repeated = pairs.duplicated(keep="first").to_numpy()
    if repeated.any():
        first_row = pd.Series(rows, index=pd.MultiIndex.from_frame(pairs)).groupby(level=[0, 1])
        first_row = first_row.min()
        problems += [
            Problem(
                name,
                f"pair ({a}, {b}) listed twice (first at row {first_row[(a, b)]})",
                row=int(row),
                column="sector_b",
            )
            for row, a, b in zip(
                rows[repeated],
                pairs["sector_a"][repeated],
                pairs["sector_b"][repeated],
                strict=True,
            )
        ]
    if problems:
        raise BadInputError(_capped(problems, name))
    return _pairs_to_matrix(frame["sector_a"], frame["sector_b"], values, codes)


def default_us_cmp_file() -> Path:
    return paths.reference_dir() / "us_cmp_related_clusters.csv"


def us_cmp_relatedness(
    path: str | Path | None = None,
    measure: str = "rel_all_90_v3",
    sectors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The US Cluster Mapping Project's relatedness of the 51 traded clusters (Delgado, Porter
    and Stern 2016) as a sector x sector matrix over our codes TC01..TC51.

    US cluster code k is our TC{k:02d}; the cluster names are checked against the sector table
    (``sectors``, default ``data/reference/sectors.csv``). ``measure``:

    * ``rel_all_90_v3`` (default): 1 where b is among a's related clusters at the 90th
      percentile cut of combined relatedness, else 0 (symmetric, 128 related pairs). A clean
      0/1 weight, the reading of the CMP site.
    * ``cr_all_pc``: the percentile of combined relatedness / 100 (0 to 0.99), continuous but
      mostly small positive weights for unrelated pairs; not symmetric (ordered pairs kept).

    ``cr_all`` itself is not offered: it is a standardised score with negative values, which
    cannot weight a density. The diagonal is 1 (a cluster is related to itself), not the
    file's self-pair values.
    """
    if measure not in US_CMP_MEASURES:
        raise BadInputError(
            f"unknown measure {measure!r} (known: {', '.join(US_CMP_MEASURES)})", file="measure"
        )
    file = Path(path) if path is not None else default_us_cmp_file()
    name = str(file)
    frame = read_table(file).reset_index(drop=True)
    required = ("cluster_code", "cluster_code_2", "cluster_name", "cluster_name_2", measure)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise BadInputError([Problem(name, "missing column", column=c) for c in missing])
    if sectors is None:
        from toolkit.reference import load_sectors

        sectors = load_sectors()
    names = dict(zip(sectors["code"].astype(str), sectors["name"].astype(str), strict=True))
    rows = frame.index.to_numpy() + 2
    problems: list[Problem] = []
    ours = {}
    for code_column, name_column in (
        ("cluster_code", "cluster_name"),
        ("cluster_code_2", "cluster_name_2"),
    ):
        number = pd.to_numeric(frame[code_column], errors="coerce")
        bad = ~number.between(1, 51).to_numpy() | (number % 1 != 0).to_numpy()
        problems += [
            Problem(
                name,
                f"US cluster code must be 1 to 51, got {value!r}",
                row=int(row),
                column=code_column,
            )
            for row, value in zip(rows[bad], frame.loc[bad, code_column], strict=True)
        ]
        code = "TC" + number.fillna(0).astype(int).astype(str).str.zfill(2)
        expected = code.map(names)
        wrong = ~bad & (expected != frame[name_column].str.strip()).to_numpy()
        problems += [
            Problem(
                name,
                f"cluster {c} is {given!r} here but {want!r} in the sector table",
                row=int(row),
                column=name_column,
            )
            for row, c, given, want in zip(
                rows[wrong],
                code[wrong],
                frame.loc[wrong, name_column],
                expected[wrong],
                strict=True,
            )
        ]
        ours[code_column] = code
    values = pd.to_numeric(frame[measure], errors="coerce")
    bad = values.isna().to_numpy()
    problems += [Problem(name, "not a number", row=int(row), column=measure) for row in rows[bad]]
    pairs = pd.DataFrame({"a": ours["cluster_code"], "b": ours["cluster_code_2"]})
    repeated = pairs.duplicated().to_numpy()
    problems += [
        Problem(name, "pair listed twice", row=int(row), column="cluster_code_2")
        for row in rows[repeated]
    ]
    if problems:
        raise BadInputError(_capped(problems, name))
    if measure == "cr_all_pc":
        values = values / 100.0
    off_diagonal = (pairs["a"] != pairs["b"]).to_numpy()
    codes = [f"TC{k:02d}" for k in range(1, 52)]
    return _pairs_to_matrix(
        pairs["a"][off_diagonal], pairs["b"][off_diagonal], values[off_diagonal], codes
    )


# --- opportunities and changes ----------------------------------------------------------------


def _region_rows(metrics: pd.DataFrame, region: str) -> pd.DataFrame:
    own = metrics[metrics["region"].astype(str) == region]
    if own.empty:
        raise UnknownRegionError(f"region {region!r} is not in the metrics table", file="metrics")
    return own.assign(sector=own["sector"].astype(str)).set_index("sector")


def diversification_opportunities(
    metrics: pd.DataFrame,
    phi: pd.DataFrame,
    region: str,
    n: int = 10,
    because: int = 3,
    threshold: float = 1.0,
    sector_types: Collection[str] | None = BASE_TYPES,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The ``n`` sectors the region is not specialised in with the highest relatedness density.

    Each row gives the density, the region's employment (persons), LQ and stars there, and the
    ``because`` sectors the region is specialised in that contribute most to the density
    (related_k, phi_k: the proximity phi[related_k, sector]). Ties in density are broken by
    employment, larger first.
    """
    names = names or {}
    M = specialisation_matrix(metrics, threshold, sector_types)
    if region not in M.index:
        raise UnknownRegionError(f"region {region!r} is not in the metrics table", file="metrics")
    m_all, p, common = _aligned(M, phi)
    m = m_all[M.index.get_loc(region)]
    density = _density_array(m[None, :], p)[0]
    contribution = m[:, None] * p  # contribution[i, j]: sector i's share in j's numerator
    np.fill_diagonal(contribution, 0.0)
    k = max(min(because, len(common)), 0)
    top = np.argsort(-contribution, axis=0, kind="stable")[:k]  # k x sectors
    own = _region_rows(metrics, region)
    candidates = np.flatnonzero((m == 0) & ~np.isnan(density))
    codes = np.array(common, dtype=object)
    result = pd.DataFrame(
        {
            "region": region,
            "sector": codes[candidates],
            "name": [names.get(c, c) for c in codes[candidates]],
            "density": density[candidates],
            "employment": own["employment"].reindex(codes[candidates]).to_numpy(dtype=float),
            "lq": own["lq"].reindex(codes[candidates]).to_numpy(dtype=float),
            "stars": own["stars"].reindex(codes[candidates]).fillna(0).to_numpy(dtype=int)
            if "stars" in own.columns
            else 0,
        }
    )
    labels = [[] for _ in candidates]
    for rank in range(k):
        source = top[rank, candidates]
        weight = contribution[source, candidates]
        result[f"related_{rank + 1}"] = np.where(weight > 0, codes[source], None)
        result[f"phi_{rank + 1}"] = np.where(weight > 0, p[source, candidates], np.nan)
        for text, code, w, value in zip(
            labels, codes[source], weight, p[source, candidates], strict=True
        ):
            if w > 0:
                text.append(f"{names.get(code, code)} ({value:.2f})")
    result.insert(7, "because", [", ".join(text) for text in labels])
    result = result.sort_values(
        ["density", "employment", "sector"], ascending=[False, False, True], na_position="last"
    ).head(n)
    result.insert(0, "rank", np.arange(1, len(result) + 1))
    return result.reset_index(drop=True)


def _year_of(metrics: pd.DataFrame):
    if "year" in metrics.columns and len(metrics):
        return int(metrics["year"].iloc[0])
    return metrics.attrs.get("year")


def specialisation_changes(
    metrics_start: pd.DataFrame,
    metrics_end: pd.DataFrame,
    threshold: float = 1.0,
    sector_types: Collection[str] | None = BASE_TYPES,
) -> pd.DataFrame:
    """Entries (LQ from below ``threshold`` to at least it) and exits (the reverse) between two
    metrics tables, one row per region and sector that changed, with LQ and employment
    (persons) before and after. A sector missing in one year counts as not specialised."""
    keep = ["region", "sector", "lq", "employment"]
    start = _select_types(metrics_start, sector_types)[keep]
    end = _select_types(metrics_end, sector_types)[keep]
    both = pd.merge(
        start.astype({"region": str, "sector": str}),
        end.astype({"region": str, "sector": str}),
        on=["region", "sector"],
        how="outer",
        suffixes=("_start", "_end"),
    )
    was = both["lq_start"].to_numpy(dtype=float) >= threshold
    now = both["lq_end"].to_numpy(dtype=float) >= threshold
    change = np.where(~was & now, "entry", np.where(was & ~now, "exit", ""))
    both.insert(2, "change", change)
    both = both[change != ""]
    both = both.assign(year_start=_year_of(metrics_start), year_end=_year_of(metrics_end))
    columns = [
        "region",
        "sector",
        "change",
        "lq_start",
        "lq_end",
        "employment_start",
        "employment_end",
        "year_start",
        "year_end",
    ]
    return both[columns].sort_values(["region", "change", "sector"]).reset_index(drop=True)


# --- partner regions --------------------------------------------------------------------------


def _countries(regions: pd.Index, country: Mapping[str, str] | None) -> pd.Series:
    codes = pd.Series(regions, index=regions)
    fallback = codes.str[:2]
    return codes.map(country).fillna(fallback) if country else fallback


def _joined(flags: np.ndarray, codes: list[str]) -> list[str]:
    """For each row of a bool matrix, the codes where it holds, comma-separated."""
    labels = np.array(codes, dtype=object)
    return [", ".join(labels[row]) for row in flags]


def partner_regions(
    metrics: pd.DataFrame,
    region: str,
    sector: str,
    phi: pd.DataFrame | None = None,
    n: int = 10,
    related: int = 5,
    threshold: float = 1.0,
    country: Mapping[str, str] | None = None,
    exclude_same_country: bool = False,
    sector_types: Collection[str] | None = BASE_TYPES,
) -> pd.DataFrame:
    """Candidate partner regions for a cluster partnership (ESCP) of ``region`` in ``sector``.

    The sectors that count are K = the sector and its ``related`` most related sectors (phi >
    0; phi defaults to the co-location proximity of the metrics). A region is *strong* in a
    sector when its LQ >= ``threshold`` or it has a star there.

    * complementary (``partnership == "complementary"``): score = (offer + need) / |K|, where
      offer = sectors of K where the partner is strong and the region is not (listed in
      partner_brings) and need = sectors where the region is strong and the partner is not
      (region_brings). Only partners that offer something are kept; ties go to the larger
      offer, then to the partner's employment in the sector.
    * similar (``"similar"``): score = cosine similarity of the two regions' LQ vectors over K
      (missing LQ = 0), for partners of similar profile to gain scale; ties go to employment.

    Each row gives the partner's country (first two letters of the code unless ``country``
    maps it), its employment (persons), LQ and stars in the sector, and the sectors of K where
    both are strong (shared). The region itself, and same-country regions if asked, are left
    out. Returns the ``n`` best of each kind, ``rank`` within the kind.
    """
    rows = _select_types(metrics, sector_types)
    lq = _wide(rows, "lq")
    if region not in lq.index:
        raise UnknownRegionError(f"region {region!r} is not in the metrics table", file="metrics")
    if sector not in lq.columns:
        raise BadInputError(f"sector {sector!r} is not in the metrics table", file="metrics")
    stars = (
        _wide(rows, "stars").reindex_like(lq).fillna(0)
        if "stars" in rows.columns
        else lq.fillna(0) * 0
    )
    employment = _wide(rows, "employment").reindex_like(lq)
    if phi is None:
        phi = proximity(specialisation_matrix(rows, threshold, None))
    related_codes: list[str] = []
    if sector in phi.index:
        row = phi.loc[sector].astype(float)
        row = row[(row.index != sector) & (row > 0) & row.index.isin(lq.columns)]
        # Closest first; equal proximity in code order so that the choice is reproducible.
        order = np.lexsort((row.index.to_numpy(dtype=str), -row.to_numpy()))
        related_codes = [str(c) for c in row.index[order][:related]]
    K = [sector] + related_codes
    lq_k = lq[K].fillna(0.0).to_numpy()
    strong = (lq_k >= threshold) | (stars[K].to_numpy() > 0)
    focal = lq.index.get_loc(region)
    mine = strong[focal]
    brings = strong & ~mine
    gets = ~strong & mine
    offer, need = brings.sum(axis=1), gets.sum(axis=1)
    norms = np.linalg.norm(lq_k, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = (lq_k @ lq_k[focal]) / (norms * norms[focal])
    countries = _countries(lq.index, country)
    table = pd.DataFrame(
        {
            "region": lq.index,
            "country": countries.to_numpy(),
            "employment": employment[sector].to_numpy(),
            "lq": lq[sector].to_numpy(),
            "stars": stars[sector].to_numpy().astype(int),
            "offer": offer,
            "need": need,
            "partner_brings": _joined(brings, K),
            "region_brings": _joined(gets, K),
            "shared": _joined(strong & mine, K),
            "related_sectors": ", ".join(related_codes),
        }
    )
    eligible = table["region"] != region
    if exclude_same_country:
        eligible &= table["country"] != countries[region]
    complementary = table[eligible & (offer > 0)].assign(
        partnership="complementary", score=(offer + need)[eligible & (offer > 0)] / len(K)
    )
    complementary = complementary.sort_values(
        ["score", "offer", "employment", "region"],
        ascending=[False, False, False, True],
        na_position="last",
    ).head(n)
    similar = table[eligible & ~np.isnan(similarity)].assign(
        partnership="similar", score=similarity[eligible & ~np.isnan(similarity)]
    )
    similar = similar.sort_values(
        ["score", "employment", "region"], ascending=[False, False, True], na_position="last"
    ).head(n)
    result = pd.concat([complementary, similar], ignore_index=True)
    result.insert(0, "rank", result.groupby("partnership").cumcount() + 1)
    result.insert(0, "partnership", result.pop("partnership"))
    result.insert(3, "score", result.pop("score"))
    result.attrs["sectors_that_count"] = K
    return result


# --- near misses and sensitivity of the stars -------------------------------------------------


def _top_share_threshold(
    values: np.ndarray, groups: np.ndarray, n_groups: int, in_reference: np.ndarray, share: float
) -> np.ndarray:
    """Per group, the k-th largest reference value, k = max(ceil(share * n), 1), n = reference
    regions with a value: the convention of ``toolkit.metrics._top_share_flag``, which awards
    the star to values >= this. inf for a group without values or when share <= 0."""
    threshold = np.full(n_groups, np.inf)
    if share <= 0:
        return threshold
    mask = in_reference & ~np.isnan(values)
    v, g = values[mask], groups[mask]
    order = np.lexsort((-v, g))
    sorted_values = v[order]
    counts = np.bincount(g, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    k = np.maximum(np.ceil(share * counts - 1e-9).astype(np.int64), 1)
    present = counts > 0
    threshold[present] = sorted_values[(starts + k - 1)[present]]
    return threshold


def near_misses(metrics: pd.DataFrame, params: StarParameters) -> pd.DataFrame:
    """For every region x sector and every star it did not earn, how far it is from it.

    Columns region, sector, star, value, threshold, gap (threshold - value), text, in the
    reader's units: size in persons employed (threshold: the k-th largest employment among
    the reference regions of the sector, k = ceil(size_top_share * n), or min_employment if
    larger); specialisation in LQ (threshold specialisation_min_lq); productivity in EUR of
    wages per employee (k-th largest); dynamism in % growth a year, so the gap is in
    percentage points (the threshold is at least 0 %: like ``cluster_metrics``, the star needs
    positive growth). A value already at its threshold that still earned no star (employment
    below min_employment) has gap 0 and says so; a cluster below min_employment that also
    misses a threshold says both. Stars that cannot be assessed (missing wages, growth or LQ)
    give no row. ``employment`` (persons) and ``eligible`` (employment >= min_employment and
    > 0) come along so that a caller can weigh the floor.
    """
    frame = metrics.reset_index(drop=True)
    sector_codes, sector_labels = pd.factorize(frame["sector"].astype(str))
    n_sectors = len(sector_labels)
    reference = frame["in_reference"].to_numpy(dtype=bool)
    employment = frame["employment"].to_numpy(dtype=float)
    eligible = (employment >= params.min_employment) & (employment > 0)
    size = _top_share_threshold(
        employment, sector_codes, n_sectors, reference, params.size_top_share
    )[sector_codes]
    wages = frame["wage_per_employee"].to_numpy(dtype=float)
    growth = frame["growth"].to_numpy(dtype=float)
    measures = {
        "size": (employment, np.maximum(size, params.min_employment)),
        "specialisation": (
            frame["lq"].to_numpy(dtype=float),
            np.full(len(frame), float(params.specialisation_min_lq)),
        ),
        "productivity": (
            wages,
            _top_share_threshold(
                wages, sector_codes, n_sectors, reference, params.productivity_top_share
            )[sector_codes],
        ),
        # cluster_metrics also asks for positive growth (rounded figures tie many at 0.0 %).
        "dynamism": (
            growth * 100.0,
            np.maximum(
                _top_share_threshold(
                    growth, sector_codes, n_sectors, reference, params.dynamism_top_share
                )[sector_codes]
                * 100.0,
                0.0,
            ),
        ),
    }
    parts = []
    for star, column in zip(STAR_NAMES, STAR_COLUMNS, strict=True):
        value, threshold = measures[star]
        earned = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        keep = (earned == 0) & ~np.isnan(value) & np.isfinite(threshold)
        parts.append(
            pd.DataFrame(
                {
                    "region": frame["region"].astype(str).to_numpy()[keep],
                    "sector": frame["sector"].astype(str).to_numpy()[keep],
                    "star": star,
                    "value": value[keep],
                    "threshold": threshold[keep],
                    "gap": np.maximum(threshold[keep] - value[keep], 0.0),
                    "eligible": eligible[keep],
                    "employment": employment[keep],
                }
            )
        )
    result = pd.concat(parts, ignore_index=True)
    result["text"] = [
        _near_miss_text(star, value, threshold, gap, ok, persons, params)
        for star, value, threshold, gap, ok, persons in zip(
            result["star"],
            result["value"],
            result["threshold"],
            result["gap"],
            result["eligible"],
            result["employment"],
            strict=True,
        )
    ]
    order = {star: i for i, star in enumerate(STAR_NAMES)}
    result = result.sort_values(
        ["region", "sector", "star"], key=lambda s: s.map(order) if s.name == "star" else s
    )
    columns = [
        "region",
        "sector",
        "star",
        "value",
        "threshold",
        "gap",
        "text",
        "employment",
        "eligible",
    ]
    return result[columns].reset_index(drop=True)


def _near_miss_text(star, value, threshold, gap, eligible, persons, params) -> str:
    text = _threshold_text(star, value, threshold, gap, eligible, persons, params)
    if not eligible and gap > 0 and star != "size":  # the size threshold includes the floor
        text += (
            f" (and employment, {persons:,.0f}, is below the minimum of "
            f"{params.min_employment:,.0f} persons for any star)"
        )
    return text


def _threshold_text(star, value, threshold, gap, eligible, persons, params) -> str:
    if star == "dynamism" and threshold <= 0 and eligible:
        return f"needs positive growth for the dynamism star (now {value:.1f} % a year)"
    if gap <= 0 and not eligible:
        return (
            f"meets the {star} threshold, but employment ({persons:,.0f}) is below the "
            f"minimum of {params.min_employment:,.0f} persons for any star"
        )
    if star == "size":
        return f"needs {math.ceil(gap):,} more persons employed for the size star"
    if star == "specialisation":
        shown = round(value, 2)
        return f"LQ {shown:.2f}: {threshold - shown:.2f} below the specialisation star"
    if star == "productivity":
        return (
            f"needs EUR {round(threshold) - round(value):,} more wages per employee for the "
            "productivity star "
            f"(EUR {value:,.0f} against {threshold:,.0f})"
        )
    return (
        f"needs {gap:.1f} percentage points more growth a year for the dynamism star "
        f"({value:.1f} % against {threshold:.1f} %)"
    )


def star_sensitivity(
    panel: pd.DataFrame,
    params: StarParameters | None = None,
    sectors: pd.DataFrame | None = None,
    variants: Mapping[str, Mapping[str, float]] | None = None,
    sector_types: Collection[str] | None = BASE_TYPES,
    *,
    benchmark=None,
    min_stars: int = 2,
    base_only: bool = False,
) -> pd.DataFrame:
    """Star counts per region under the thresholds in force and under looser ones.

    Takes the *panel* (not a metrics table: the dynamism star needs the start year of the
    growth period) and recomputes ``cluster_metrics`` for each variant, a dict of changes to
    ``params`` (default: top 20 % instead of 10 % for size, productivity and dynamism;
    LQ >= 1.5 instead of 2; both). One row per region and variant: stars (the sum over the
    region's clusters), starred_clusters (clusters with at least one star), star_clusters
    (clusters with at least ``min_stars`` stars, the reports' "star clusters"), the count of
    each star, and change = stars - stars under the first variant. ``benchmark`` is passed to
    ``cluster_metrics`` (default: the sum of the regions); ``base_only`` keeps only the rows
    of the metrics' ``base`` column (the sectors regional totals add up), on top of
    ``sector_types``.
    """
    if "lq" in panel.columns and "stars" in panel.columns:
        raise BadInputError(
            "star_sensitivity needs the cluster panel (several years, for the growth period), "
            "not a metrics table",
            file="panel",
        )
    params = params or StarParameters()
    variants = DEFAULT_VARIANTS if variants is None else variants
    parts = []
    for label, changes in variants.items():
        metrics = _select_types(
            cluster_metrics(panel, sectors, replace(params, **changes), benchmark), sector_types
        )
        if base_only and "base" in metrics.columns:
            metrics = metrics[metrics["base"].fillna(False).astype(bool).to_numpy()]
        counts = metrics[list(STAR_COLUMNS)].fillna(0).astype(int)
        counts.columns = [f"{name}_stars" for name in STAR_NAMES]
        counts = counts.assign(
            region=metrics["region"].astype(str).to_numpy(),
            stars=metrics["stars"].astype(int).to_numpy(),
            starred_clusters=(metrics["stars"] > 0).astype(int).to_numpy(),
            star_clusters=(metrics["stars"] >= min_stars).astype(int).to_numpy(),
        )
        summary = counts.groupby("region", sort=True).sum().reset_index()
        summary.insert(1, "variant", label)
        parts.append(summary)
    result = pd.concat(parts, ignore_index=True)
    baseline = result[result["variant"] == next(iter(variants))].set_index("region")["stars"]
    result["change"] = result["stars"] - result["region"].map(baseline).fillna(0).astype(int)
    columns = ["region", "variant", "stars", "change", "starred_clusters", "star_clusters"] + [
        f"{name}_stars" for name in STAR_NAMES
    ]
    return result[columns]
