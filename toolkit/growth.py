"""Where a region could grow: the report section and the ``toolkit partners`` command over
``toolkit.opportunities``.

From a ``Workspace`` this module builds what a report shows and the CLI prints: the region's
diversification opportunities (relatedness density, with the related strengths named), the
specialisations it gained and lost over the growth period, the stars it narrowly misses and
how many star clusters looser thresholds would give, candidate partner regions for a
sector, and the network of related sectors the apps draw (spanning tree and strongest links
of phi, laid out once per workspace). Definitions are those of ``toolkit.opportunities``:

* relatedness phi = co-location proximity of the sectors over the regions of the panel as
  given (specialised = LQ >= 1), computed from the base sectors only (those regional totals
  add up: emerging industries and overlapping NACE aggregates are left out);
* relatedness density of a sector (0 to 1) = the share of its relatedness that lies in the
  region's specialisations. A region of analysis (a union) is measured in the table where it
  replaces its members (``ws.analysis_metrics``), with the same phi.

What every report of a batch shares (phi, the start-year metrics, the near misses of the whole
table, the star sensitivity) is computed once per workspace and kept on it
(``warm_cache`` fills it before a workspace is pickled). Only ``cmd_partners`` prints.
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
import sys
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from toolkit import opportunities as opp
from toolkit.errors import BadInputError, Problem, UnknownRegionError
from toolkit.metrics import cluster_metrics
from toolkit.presentation import escape
from toolkit.tables import DEFAULT_STAR_CLUSTER_MIN, base_rows

SPECIALISED_LQ = 1.0  # LQ from which a region counts as specialised for relatedness
BECAUSE = 3  # related strengths named per opportunity
MAX_SHORTFALL = 0.25  # near miss: within 25 % of the threshold (or of the employment floor)
LOOSER_TOP_SHARE = 0.20  # the looser thresholds of the sensitivity sentence
LOOSER_MIN_LQ = 1.5
CACHE_ATTRIBUTE = "_growth_cache"


# --- what a batch computes once per workspace ---------------------------------------------------


def _cache(ws) -> dict:
    """The workspace's own dict of shared results (pickled with it, gone with it)."""
    cache = ws.__dict__.get(CACHE_ATTRIBUTE)
    if cache is None:
        cache = {}
        setattr(ws, CACHE_ATTRIBUTE, cache)
    return cache


def _cached(ws, key, compute):
    cache = _cache(ws)
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _table_key(ws, region_id: str) -> str:
    return "analysis" if ws.is_union(region_id) else "regions"


def _metrics_table(ws, key: str) -> pd.DataFrame:
    return ws.analysis_metrics if key == "analysis" else ws.metrics


def _panel(ws, key: str) -> pd.DataFrame:
    return ws.analysis_panel if key == "analysis" else ws.panel


def relatedness(ws) -> pd.DataFrame:
    """Sector x sector co-location proximity phi of the workspace's base sectors (cached)."""

    def compute():
        M = opp.specialisation_matrix(base_rows(ws.metrics), SPECIALISED_LQ, None)
        return opp.proximity(M)

    return _cached(ws, "phi", compute)


# --- the network of related sectors (the apps' related-clusters view) ------------------------

EXTRA_EDGES = 1.0  # edges drawn beyond the spanning tree, per sector
MIN_SPACING = 0.07  # the closest two sectors may sit in the layout (share of its width)
RANK_BLEND = 0.5  # weight of the rank of each coordinate: spreads a dense core evenly


def relatedness_network(
    phi: pd.DataFrame, extra: float = EXTRA_EDGES, min_phi: float = 0.0
) -> pd.DataFrame:
    """The edges of the network of related sectors, drawn as Hidalgo et al. (2007) drew the
    Product Space: the maximum spanning tree of phi (every sector joined to the others by its
    strongest links), plus the strongest remaining pairs with phi > ``min_phi``, at most
    ``extra`` x sectors of them (a network of 61 sectors stays readable). Pairs with phi = 0
    are never edges. Pure; equal proximities are taken in phi's order.

    Columns sector_a, sector_b (in phi's order), phi, tree (an edge of the spanning tree);
    strongest first.
    """
    import networkx as nx

    codes = np.array([str(c) for c in phi.index], dtype=object)
    values = phi.to_numpy(dtype="float64")
    i, j = np.triu_indices(len(codes), k=1)
    weight = values[i, j]
    positive = weight > 0
    graph = nx.Graph()
    graph.add_nodes_from(codes)
    graph.add_weighted_edges_from(
        zip(codes[i[positive]], codes[j[positive]], weight[positive], strict=True), weight="phi"
    )
    tree = {frozenset(e) for e in nx.maximum_spanning_tree(graph, weight="phi").edges()}
    edges = pd.DataFrame(
        {"sector_a": codes[i], "sector_b": codes[j], "phi": weight, "order": np.arange(len(i))}
    )
    edges["tree"] = [
        frozenset(p) in tree for p in zip(edges["sector_a"], edges["sector_b"], strict=True)
    ]
    rest = edges[~edges["tree"] & (edges["phi"] > max(min_phi, 0.0))]
    rest = rest.sort_values(["phi", "order"], ascending=[False, True], kind="stable")
    chosen = pd.concat([edges[edges["tree"]], rest.head(int(round(extra * len(codes))))])
    chosen = chosen.sort_values(["phi", "order"], ascending=[False, True], kind="stable")
    return chosen.drop(columns="order").reset_index(drop=True)


def network_positions(
    edges: pd.DataFrame, sectors: list[str], spacing: float = MIN_SPACING
) -> pd.DataFrame:
    """x, y (0 to 1) of each sector, so that related sectors sit close together: stress
    majorization (as Graphviz's neato) of the network's path lengths, an edge being 1 - phi
    long, started from classical scaling, so no random seed is involved. The coordinates are
    then stretched to the unit square, blended half and half with their ranks (a dense core
    spreads out, the order of the sectors stays), and pairs closer than ``spacing`` are
    pushed apart (room for their labels). Pure and deterministic: the same network gives the
    same places."""
    n = len(sectors)
    if n < 3:
        x = np.linspace(0.0, 1.0, n) if n > 1 else np.full(n, 0.5)
        return pd.DataFrame({"x": x, "y": np.full(n, 0.5)}, index=pd.Index(sectors, name="sector"))
    xy = _stress_layout(_path_lengths(edges, sectors))
    xy = _unit_square(xy)
    ranks = np.argsort(np.argsort(xy, axis=0, kind="stable"), axis=0) / (n - 1)
    xy = (1 - RANK_BLEND) * xy + RANK_BLEND * ranks
    # Push apart pairs closer than the spacing (half the shortfall each, a few rounds); two
    # sectors at one point need a direction, so each index has its own.
    own_direction = np.stack([np.cos(np.arange(n)), np.sin(np.arange(n))], axis=1)
    for _ in range(300):
        delta = xy[:, None, :] - xy[None, :, :]
        distance = np.hypot(delta[..., 0], delta[..., 1])
        np.fill_diagonal(distance, np.inf)
        close = distance < spacing
        if not close.any():
            break
        safe = np.where(distance > 1e-9, distance, 1.0)
        unit = np.where(
            (distance > 1e-9)[..., None], delta / safe[..., None], own_direction[:, None]
        )
        push = np.where(close, (spacing - distance) / 2 + 1e-4, 0.0)[..., None] * unit
        xy = np.clip(xy + push.sum(axis=1), 0.0, 1.0)
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}, index=pd.Index(sectors, name="sector"))


def _path_lengths(edges: pd.DataFrame, sectors: list[str]) -> np.ndarray:
    """Sector x sector shortest path lengths over the network (an edge 1 - phi long, at least
    a little above 0); sectors not connected are 1.2 x the longest path apart."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(sectors)
    lengths = np.maximum(1.0 - edges["phi"].to_numpy(dtype="float64"), 1e-3)
    graph.add_weighted_edges_from(
        zip(edges["sector_a"], edges["sector_b"], lengths, strict=True), weight="length"
    )
    index = {s: k for k, s in enumerate(sectors)}
    D = np.full((len(sectors), len(sectors)), np.inf)
    for source, reach in nx.all_pairs_dijkstra_path_length(graph, weight="length"):
        for target, length in reach.items():
            D[index[source], index[target]] = length
    finite = np.isfinite(D) & (D > 0)
    longest = D[finite].max() if finite.any() else 1.0
    D = np.where(np.isfinite(D), D, 1.2 * longest)
    np.fill_diagonal(D, 0.0)
    return D


def _stress_layout(D: np.ndarray, iterations: int = 200) -> np.ndarray:
    """2-D points whose distances approach ``D`` (weights 1 / D^2): classical scaling, then
    the SMACOF iterations. Each axis's sign is fixed (largest coordinate positive)."""
    n = len(D)
    centre = np.eye(n) - 1.0 / n
    values, vectors = np.linalg.eigh(-0.5 * centre @ (D**2) @ centre)
    top = np.argsort(values)[::-1][:2]
    xy = vectors[:, top] * np.sqrt(np.maximum(values[top], 1e-12))
    off = D > 0
    weight = np.where(off, 1.0 / np.where(off, D, 1.0) ** 2, 0.0)
    V = -weight
    np.fill_diagonal(V, weight.sum(axis=1))
    V_inverse = np.linalg.pinv(V)
    for _ in range(iterations):
        delta = xy[:, None, :] - xy[None, :, :]
        distance = np.hypot(delta[..., 0], delta[..., 1])
        B = np.where(distance > 1e-12, -weight * D / np.where(distance > 1e-12, distance, 1.0), 0.0)
        np.fill_diagonal(B, 0.0)
        np.fill_diagonal(B, -B.sum(axis=1))
        xy = V_inverse @ B @ xy
    flip = np.where(np.abs(xy.max(axis=0)) >= np.abs(xy.min(axis=0)), 1.0, -1.0)
    return xy * flip


def _unit_square(xy: np.ndarray) -> np.ndarray:
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    return np.where(high - low > 0, (xy - low) / span, 0.5)


def network_layout(ws) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(edges, positions) of the workspace's network of related sectors, computed once per
    workspace: every region is drawn on the same places, only the colours change."""

    def compute():
        phi = relatedness(ws)
        edges = relatedness_network(phi)
        return edges, network_positions(edges, [str(s) for s in phi.index])

    return _cached(ws, "network", compute)


def start_metrics(ws, key: str = "regions") -> pd.DataFrame:
    """Metrics of the start year of the growth period (``metrics.attrs['period'][0]``), for the
    regions as given (``key='regions'``) or the regions of analysis (``'analysis'``); cached."""

    def compute():
        start = int(ws.metrics.attrs["period"][0])
        params = replace(ws.params, year=start)
        return cluster_metrics(_panel(ws, key), ws.sectors, params, ws.benchmark)

    return _cached(ws, ("start", key), compute)


def _near_misses(ws, key: str) -> pd.DataFrame:
    return _cached(
        ws, ("near", key), lambda: opp.near_misses(base_rows(_metrics_table(ws, key)), ws.params)
    )


def looser_changes(params) -> dict[str, float]:
    """The looser thresholds of the sensitivity sentence: top 20 % (size, productivity,
    dynamism) and LQ >= 1.5, wherever they are looser than those in force."""
    changes: dict[str, float] = {}
    for name in ("size_top_share", "productivity_top_share", "dynamism_top_share"):
        if getattr(params, name) < LOOSER_TOP_SHARE:
            changes[name] = LOOSER_TOP_SHARE
    if params.specialisation_min_lq > LOOSER_MIN_LQ:
        changes["specialisation_min_lq"] = LOOSER_MIN_LQ
    return changes


def _sensitivity(ws, key: str, star_min: int) -> pd.DataFrame:
    def compute():
        variants = {"in force": {}, "looser": looser_changes(ws.params)}
        return opp.star_sensitivity(
            _panel(ws, key),
            ws.params,
            ws.sectors,
            variants=variants,
            sector_types=None,
            benchmark=ws.benchmark,
            min_stars=star_min,
            base_only=True,
        )

    return _cached(ws, ("sensitivity", key, star_min), compute)


def _uses_eocic_stars(ws) -> bool:
    return ws.method.scheme == "eocic"


def warm_cache(ws, star_min: int = DEFAULT_STAR_CLUSTER_MIN) -> None:
    """Compute everything the growth section of any region needs, so that a pickled workspace
    carries it to every report of a batch."""
    relatedness(ws)
    for key in ("regions", "analysis"):
        start_metrics(ws, key)
        if _uses_eocic_stars(ws):
            _near_misses(ws, key)
            _sensitivity(ws, key, star_min)


# --- one region ---------------------------------------------------------------------------------


@dataclass
class OpportunityView:
    """Where one region could grow, as tables and sentences (figures in reader units).

    * ``opportunities``: the region's unspecialised sectors with the highest relatedness
      density (rank, sector, name, density 0-1, employment in persons, lq, stars, because =
      related strengths with their proximity, related_k / phi_k codes and proximities,
      related_names = the names of the related strengths).
    * ``changes``: specialisations (LQ >= 1) entered or left between ``start_year`` and
      ``year`` (sector, name, change, lq_start, lq_end, employment_start, employment_end).
    * ``near_misses``: stars missed by at most 25 % of the threshold (shortfall = gap /
      threshold, or the distance to the employment floor when larger), closest first; text
      as ``opportunities.near_misses`` words it.
    * ``sensitivity``: the region's star counts under the thresholds in force and looser ones.
    """

    region_id: str
    region_name: str
    year: int
    start_year: int
    sector_set: str
    n_sectors: int
    n_regions: int
    specialisations: list[str]
    opportunities: pd.DataFrame
    changes: pd.DataFrame
    near_misses: pd.DataFrame
    sensitivity: pd.DataFrame
    recommendations: list[str] = field(default_factory=list)
    sensitivity_sentence: str = ""
    looser_label: str = ""
    star_min: int = DEFAULT_STAR_CLUSTER_MIN
    notes: list[str] = field(default_factory=list)  # caveats of the opportunities and changes
    star_notes: list[str] = field(default_factory=list)  # of the near misses and sensitivity


def _join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _recommendation(row: pd.Series, names: list[str], region_name: str) -> str:
    """'Build on related strengths X and Y to develop Z' for one opportunity (plain text)."""
    strengths = names[:2]
    noun = "strength" if len(strengths) == 1 else "strengths"
    return (
        f"Build on related {noun} {_join_words(strengths)} to develop {row['name']} "
        f"(relatedness density {row['density']:.2f}; {region_name} employs "
        f"{row['employment']:,.0f} persons there, LQ {row['lq']:.2f})."
    )


def _looser_label(changes: dict[str, float]) -> str:
    parts = []
    if any(k.endswith("_top_share") for k in changes):
        parts.append(f"top {LOOSER_TOP_SHARE:.0%}".replace("%", " %"))
    if "specialisation_min_lq" in changes:
        parts.append(f"LQ {changes['specialisation_min_lq']:g}")
    return ", ".join(parts)


def _near_list(misses: pd.DataFrame, min_employment: float, names) -> pd.DataFrame:
    """The near misses worth naming: shortfall <= MAX_SHORTFALL, closest first. Dynamism rows
    at a threshold of 0 % (no reference region grew enough to set a bar) are left out."""
    threshold = misses["threshold"].to_numpy(dtype=float)
    gap = misses["gap"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(threshold > 0, gap / threshold, np.nan)
    if min_employment > 0:
        floor = np.maximum(min_employment - misses["employment"].to_numpy(dtype=float), 0.0)
        floor = floor / min_employment
    else:
        floor = np.zeros(len(misses))
    shortfall = np.maximum(relative, floor)  # NaN stays NaN
    keep = shortfall <= MAX_SHORTFALL
    order = {star: i for i, star in enumerate(opp.STAR_NAMES)}
    out = misses.assign(shortfall=shortfall)[keep]
    out = out.assign(
        name=[names(s) for s in out["sector"]],
        _star=out["star"].map(order),
    )
    out = out.sort_values(["shortfall", "_star", "sector"], kind="stable").drop(columns="_star")
    columns = ["sector", "name", "star", "value", "threshold", "gap", "shortfall", "text"]
    return out[columns].reset_index(drop=True)


def region_opportunities(
    ws, region_id: str, n: int = 10, star_min: int = DEFAULT_STAR_CLUSTER_MIN
) -> OpportunityView:
    """The growth view of one region (an id, code or name that ``ws.resolve`` knows).

    ``n``: opportunities listed (those with a positive density only); near misses are capped
    at ``n`` too. ``star_min``: stars that make a "star cluster" (assessment.yaml's
    ``star_cluster_min_stars``).
    """
    region = _resolve(ws, region_id)
    key = _table_key(ws, region.id)
    table = base_rows(_metrics_table(ws, key))
    if not (table["region"].astype(str) == region.id).any():
        raise UnknownRegionError(
            Problem("region", f"region {region.id!r} has no clusters in the panel")
        )
    phi = relatedness(ws)
    year = int(table.attrs.get("year", ws.year))
    start = int(table.attrs.get("period", ws.metrics.attrs["period"])[0])
    name = region.name
    notes: list[str] = []
    star_notes: list[str] = []

    own = table[table["region"].astype(str) == region.id]
    specialised = sorted(own.loc[own["lq"] >= SPECIALISED_LQ, "sector"].astype(str))
    found = opp.diversification_opportunities(
        table,
        phi,
        region.id,
        n=int(table["sector"].nunique()),  # all; cut to n after the unknown ones are left out
        because=BECAUSE,
        threshold=SPECIALISED_LQ,
        sector_types=None,
        names=ws.sector_names,
    )
    unknown = found["lq"].isna()
    if unknown.any():  # a suppressed cell: the region may well be specialised there
        listed = ", ".join(ws.sector_name(s) for s in found.loc[unknown, "sector"])
        notes.append(f"Not listed for want of the region's employment data: {listed}.")
    found = found[(found["density"] > 0) & ~unknown].head(n).reset_index(drop=True)
    found["rank"] = np.arange(1, len(found) + 1)
    related_columns = [f"related_{k}" for k in range(1, BECAUSE + 1) if f"related_{k}" in found]
    found["related_names"] = [
        [ws.sector_name(code) for code in row if isinstance(code, str)]
        for row in found[related_columns].itertuples(index=False)
    ]
    recommendations = [
        _recommendation(row, row["related_names"], name)
        for _, row in found.head(2).iterrows()
        if row["related_names"]
    ]

    if start < year:
        changes = opp.specialisation_changes(
            base_rows(start_metrics(ws, key)), table, SPECIALISED_LQ, None
        )
        changes = changes[changes["region"] == region.id].drop(columns="region")
        changes.insert(1, "name", [ws.sector_name(s) for s in changes["sector"]])
        changes = changes.reset_index(drop=True)
    else:
        changes = pd.DataFrame(
            columns=["sector", "name", "change", "lq_start", "lq_end"]
            + ["employment_start", "employment_end", "year_start", "year_end"]
        )
        notes.append(f"The panel has no year before {year}, so no change of specialisation.")

    sensitivity = pd.DataFrame()
    near = pd.DataFrame(
        columns=["sector", "name", "star", "value", "threshold", "gap", "shortfall", "text"]
    )
    sentence, label = "", ""
    if _uses_eocic_stars(ws):
        misses = _near_misses(ws, key)
        near = _near_list(
            misses[misses["region"] == region.id], ws.params.min_employment, ws.sector_name
        ).head(n)
        changes_loose = looser_changes(ws.params)
        label = _looser_label(changes_loose)
        table_s = _sensitivity(ws, key, star_min)
        sensitivity = table_s[table_s["region"] == region.id].reset_index(drop=True)
        if changes_loose and len(sensitivity) == 2:
            now, loose = (int(v) for v in sensitivity["star_clusters"])
            counted = f"{loose} star cluster{'s' if loose != 1 else ''}"
            sentence = (
                f"With looser thresholds ({label}) {name} would have {counted} "
                + ("as now" if loose == now else f"instead of {now}")
                + f" (clusters with at least {star_min} stars)."
            )
    else:
        star_notes.append(
            f"Near misses and the sensitivity refer to the EOCIC stars; the method in force is "
            f"{ws.method.title}, so they are not shown."
        )

    return OpportunityView(
        region_id=region.id,
        region_name=name,
        year=year,
        start_year=start,
        sector_set=str(ws.sectors.attrs.get("sector_set", "sectors")),
        n_sectors=int(table["sector"].nunique()),
        n_regions=int(ws.metrics["region"].nunique()),
        specialisations=specialised,
        opportunities=found,
        changes=changes,
        near_misses=near,
        sensitivity=sensitivity,
        recommendations=recommendations,
        sensitivity_sentence=sentence,
        looser_label=label,
        star_min=star_min,
        notes=notes,
        star_notes=star_notes,
    )


# --- Markdown for the report ------------------------------------------------------------------


def _cell(text: object) -> str:
    """Text from data, safe in HTML and in a Markdown table cell."""
    return escape(text).replace("|", "&#124;")


def _number(value: float, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def _change_list(rows: pd.DataFrame) -> str:
    return "; ".join(
        f"{_cell(r.name)} (LQ {_number(r.lq_start, 2)} → {_number(r.lq_end, 2)})"
        for r in rows.itertuples(index=False)
    )


def opportunities_markdown(view: OpportunityView) -> str:
    """Section "Where the region could grow": opportunities table, recommendation, changes."""
    name = _cell(view.region_name)
    lines = ["## Where the region could grow", ""]
    lines.append(
        f"{name} is specialised (LQ ≥ 1) in {len(view.specialisations)} of the "
        f"{view.n_sectors} {_cell(view.sector_set)} in {view.year}. Relatedness density "
        "(0 to 1) is the share of a sector's relatedness that lies in the region's "
        "specialisations; two sectors are related when regions tend to be specialised in "
        f"both (co-location across the {view.n_regions} regions of the data)."
    )
    lines.append("")
    if view.opportunities.empty:
        reason = (
            "it has no specialisation to build on"
            if not view.specialisations
            else "no unspecialised sector is related to its specialisations"
        )
        lines.append(f"Relatedness points to no new sector for {name}: {reason}.")
    else:
        lines += [
            "| Rank | Sector | Density | Employment (persons) | LQ | Related strengths "
            "(proximity) |",
            "|---:|---|---:|---:|---:|---|",
        ]
        for r in view.opportunities.itertuples(index=False):
            lines.append(
                f"| {r.rank} | {_cell(r.name)} ({_cell(r.sector)}) | {r.density:.2f} | "
                f"{_number(r.employment)} | {_number(r.lq, 2)} | {_cell(r.because)} |"
            )
        if view.recommendations:
            lines += ["", "**Recommendation.** " + " ".join(map(_cell, view.recommendations))]
    lines.append("")
    if view.start_year < view.year:
        period = f"{view.start_year}–{view.year}"
        entries = view.changes[view.changes["change"] == "entry"]
        exits = view.changes[view.changes["change"] == "exit"]
        if entries.empty and exits.empty:
            lines.append(f"**Specialisations gained and lost, {period}:** none changed.")
        else:
            lines.append(f"**Specialisations gained and lost, {period}:**")
            lines.append("")
            lines.append(f"- gained: {_change_list(entries) or 'none'}")
            lines.append(f"- lost: {_change_list(exits) or 'none'}")
    if view.notes:
        lines += [""] + [f"_{_cell(note)}_" for note in view.notes]
    return "\n".join(lines) + "\n"


def near_misses_markdown(view: OpportunityView) -> str:
    """Subsection "Close to a star": the nearest missed stars and the sensitivity sentence."""
    name = _cell(view.region_name)
    lines = ["### Close to a star", ""]
    if view.star_notes:
        lines += [_cell(note) for note in view.star_notes]
        return "\n".join(lines) + "\n"
    if view.near_misses.empty:
        lines.append(
            f"No cluster of {name} is within {MAX_SHORTFALL:.0%} of a star it misses.".replace(
                "%", " %"
            )
        )
    else:
        lines.append(
            f"Stars {name} misses by at most {MAX_SHORTFALL:.0%} of the threshold:".replace(
                "%", " %"
            )
        )
        lines.append("")
        for r in view.near_misses.itertuples(index=False):
            lines.append(f"- **{_cell(r.name)}** ({_cell(r.sector)}): {_cell(r.text)}")
    if view.sensitivity_sentence:
        lines += ["", _cell(view.sensitivity_sentence)]
    return "\n".join(lines) + "\n"


# --- partner regions ----------------------------------------------------------------------------


def _resolve(ws, key: str):
    """``ws.resolve``, with close codes of the panel suggested when it found none (short codes
    such as R1, R2 fall below difflib's default cutoff)."""
    try:
        return ws.resolve(str(key))
    except UnknownRegionError as exc:
        if "Did you mean" in str(exc):
            raise
        candidates = sorted(set(ws.panel["region"].astype(str))) + [u.id for u in ws.unions]
        close = difflib.get_close_matches(str(key), candidates, n=3, cutoff=0.5)
        if not close:
            raise
        message = exc.problems[0].message.rstrip() + f" Did you mean {', '.join(close)}?"
        raise UnknownRegionError(Problem(exc.problems[0].file, message)) from exc


def resolve_sector(ws, key: str) -> str:
    """A sector code or name of the workspace -> its code; BadInputError naming close codes."""
    codes = [str(c) for c in ws.sectors["code"]]
    text = str(key).strip()
    if text in codes:
        return text
    by_fold = {c.casefold(): c for c in codes}
    by_fold.update({str(n).casefold(): str(c) for c, n in ws.sector_names.items()})
    if text.casefold() in by_fold:
        return by_fold[text.casefold()]
    # TC4 -> TC04: a code typed without its leading zeros comes first
    unpadded = [c for c in codes if re.sub(r"(?<=\D)0+(?=\d)", "", c).casefold() == text.casefold()]
    close = unpadded + [
        c
        for c in difflib.get_close_matches(text, codes, n=3)
        or difflib.get_close_matches(text.upper(), codes, n=3)
        if c not in unpadded
    ]
    named = difflib.get_close_matches(text, [str(n) for n in ws.sector_names.values()], n=2)
    close += [by_fold[n.casefold()] for n in named if by_fold[n.casefold()] not in close]
    hint = (
        " Did you mean " + ", ".join(f"{c} ({ws.sector_name(c)})" for c in close) + "?"
        if close
        else f" Known codes: {', '.join(codes[:8])}{', ...' if len(codes) > 8 else ''}."
    )
    raise BadInputError(
        Problem(
            "--sector",
            f"unknown sector {text!r}: not a code or name of the "
            f"{ws.sectors.attrs.get('sector_set', 'sectors')}.{hint}",
        )
    )


def _names_of(codes: str, ws) -> str:
    return "; ".join(ws.sector_name(c) for c in codes.split(", ") if c)


def partners_table(
    ws, region: str, sector: str, n: int = 10, exclude_same_country: bool = False
) -> pd.DataFrame:
    """Candidate partner regions of ``region`` in ``sector`` (``opportunities.partner_regions``
    with the workspace's relatedness and countries), names filled in.

    Columns: partnership (complementary / similar), rank, region, name, country, score
    (complementary: (offer + need) / sectors that count; similar: cosine of LQ), employment
    (persons), lq, stars, offer, need, partner_brings / region_brings / shared (sector names,
    '; '-separated). ``attrs``: region, region_name, sector, sector_name, year,
    sectors_that_count (codes).
    """
    if int(n) < 1:
        raise BadInputError(Problem("--n", f"expected a number of partners >= 1, got {n!r}"))
    found = _resolve(ws, region)
    code = resolve_sector(ws, sector)
    key = _table_key(ws, found.id)
    table = _metrics_table(ws, key)
    # the base sectors, plus the asked one if it is not a base sector (an emerging industry)
    rows = table[table.index.isin(base_rows(table).index) | (table["sector"] == code)]
    if not (rows["region"].astype(str) == found.id).any():
        raise UnknownRegionError(
            Problem("region", f"region {found.id!r} has no clusters in the panel")
        )
    regions = pd.unique(rows["region"].astype(str))
    country = {r: ws.country_of(r) for r in regions}
    result = opp.partner_regions(
        rows,
        found.id,
        code,
        phi=relatedness(ws),
        n=int(n),
        threshold=SPECIALISED_LQ,
        country=country,
        exclude_same_country=exclude_same_country,
        sector_types=None,
    )
    K = list(result.attrs.get("sectors_that_count", [code]))
    result.insert(3, "name", [ws.region_name(r) for r in result["region"]])
    for column in ("partner_brings", "region_brings", "shared"):
        result[column] = [_names_of(text, ws) for text in result[column]]
    result = result.drop(columns=["related_sectors"])
    result.attrs = {
        "region": found.id,
        "region_name": found.name,
        "sector": code,
        "sector_name": ws.sector_name(code),
        "year": int(table.attrs.get("year", ws.year)),
        "sectors_that_count": K,
        "country": ws.country_of(found.id),
        "region_strong_in_all": _strong_in_all(rows, found.id, K),
    }
    return result


def _strong_in_all(metrics: pd.DataFrame, region: str, sectors: list[str]) -> bool:
    own = metrics[(metrics["region"].astype(str) == region) & metrics["sector"].isin(sectors)]
    strong = (own["lq"] >= SPECIALISED_LQ) | (own["stars"].fillna(0) > 0)
    return len(own) == len(sectors) and bool(strong.all())


def _printable(rows: pd.DataFrame, kind: str) -> pd.DataFrame:
    shown = pd.DataFrame(
        {
            "Rank": rows["rank"].to_numpy(),
            "Region": rows["region"].to_numpy(),
            "Name": rows["name"].to_numpy(),
            "Country": rows["country"].to_numpy(),
            "Score": [f"{v:.2f}" for v in rows["score"]],
            "Employment (persons)": [_number(v) for v in rows["employment"]],
            "LQ": [_number(v, 2) for v in rows["lq"]],
            "Stars": rows["stars"].to_numpy(),
        }
    )
    if kind == "complementary":
        shown["They bring"] = rows["partner_brings"].to_numpy()
        shown["Region brings"] = rows["region_brings"].to_numpy()
    else:
        shown["Both strong in"] = rows["shared"].to_numpy()
    return shown.replace("", "-")


def cmd_partners(args: argparse.Namespace) -> int:
    """``toolkit partners REGION --sector S``: print complementary and similar partners."""
    from toolkit.files import write_csv_atomic
    from toolkit.sources import DataSources
    from toolkit.workspace import Workspace

    out = getattr(args, "out", None)
    if out is not None and not str(out).lower().endswith(".csv"):
        raise BadInputError(f"--out must name a .csv file, got {out!r}", file="--out")
    ws = Workspace.load(DataSources.from_args(args))
    table = partners_table(
        ws,
        args.region,
        args.sector,
        n=args.n if getattr(args, "n", None) is not None else 10,
        exclude_same_country=bool(getattr(args, "exclude_same_country", False)),
    )
    info = table.attrs
    K = info["sectors_that_count"]
    if ws.synthetic:
        print("SYNTHETIC DEMO DATA - not real statistics\n")
    print(
        f"Partner regions of {info['region_name']} ({info['region']}) in "
        f"{info['sector_name']} ({info['sector']}), {info['year']}"
    )
    print(
        "Sectors that count: "
        + ", ".join(f"{ws.sector_name(c)} ({c})" for c in K)
        + (" - the sector and its most related ones (co-location)" if len(K) > 1 else "")
    )
    print("Strong in a sector: LQ >= 1 or at least one star.")
    if getattr(args, "exclude_same_country", False):
        print(f"Regions of {info['country']} are left out.")
    with pd.option_context("display.max_colwidth", 60, "display.width", 250):
        for kind, title in (
            (
                "complementary",
                f"Complementary partners - score = (sectors they bring + sectors the region "
                f"brings) / {len(K)}",
            ),
            ("similar", "Similar partners - score = cosine similarity of LQ over those sectors"),
        ):
            rows = table[table["partnership"] == kind]
            print(f"\n{title}")
            if rows.empty and kind == "complementary" and info["region_strong_in_all"]:
                print(f"  none: {info['region_name']} is strong in every sector that counts")
            elif rows.empty:
                print("  none")
            else:
                print(_printable(rows, kind).to_string(index=False))
    if out is not None:
        write_csv_atomic(table, out)
        print(f"\nwrote {out}: {len(table)} partner regions")
    for note in ws.provenance.get("notes", []):
        if note:
            print(f"note: {note}", file=sys.stderr)
    return 0
