"""A region's assessment, assembled for the report notebook, and its prose in Markdown.

``assess`` picks one region out of the data prepared once for all reports
(``toolkit.prepared``) in milliseconds; the ``*_markdown`` functions turn the assessment into
readable sections, and the tables come from ``toolkit.tables``, which the apps use too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import tables
from toolkit.assessment import (
    Advice,
    Challenge,
    RegionChallenge,
    Strength,
    cluster_rules_apply,
    compare_findings,
    detect_challenges,
    find_strengths,
    recommend,
    region_challenges,
)
from toolkit.errors import MissingDataError
from toolkit.kernels import INDEX_MIME
from toolkit.parameters import RegionOfAnalysis
from toolkit.prepared import Prepared, load_prepared, prepare, save_prepared  # noqa: F401
from toolkit.presentation import escape as _e
from toolkit.presentation import format_number
from toolkit.presentation import synthetic_banner as _banner
from toolkit.scoreboard import compare_with_peers, workspace_peers
from toolkit.sources import DataSources
from toolkit.tables import base_rows, is_base  # noqa: F401
from toolkit.workspace import Workspace


@dataclass
class RegionAssessment:
    """One region's assessment: the figures and every finding with its evidence."""

    region: RegionOfAnalysis
    year: int
    period: tuple[int, int]
    clusters: pd.DataFrame
    table: pd.DataFrame
    scoreboard: pd.DataFrame
    dimensions: pd.DataFrame
    peers: list[str]
    peer_comparison: pd.DataFrame
    challenges: list[Challenge]
    strengths: list[Strength]
    advice: list[Advice]
    findings: pd.DataFrame
    consultant_notes: str
    provenance: dict
    thresholds: dict
    wages_available: bool
    reference_note: str
    member_size_stars: int | None = None  # union only: sectors where a member alone has one
    area: str = "EU"  # whose distribution the region is compared with
    currency: str = "EUR"
    benchmark: str = "the sum of the regions in the data"
    notes: list = field(default_factory=list)  # what the data loading set aside, year choice
    star_min: int = 2  # stars that make a "star cluster"
    dynamism_assessed: bool = True
    cluster_rules: bool = True  # the cluster rules apply to this sector set
    workspace: object = field(default=None, repr=False)  # for the growth section
    method: str = ""  # the cluster-strength rule in force, in words (Markdown)
    context_have: list = field(default_factory=list)  # scoreboard indicators in the context
    context_lack: list = field(default_factory=list)
    names: dict = field(repr=False, default_factory=dict)
    sector_names: dict = field(repr=False, default_factory=dict)
    dimension_labels: dict = field(repr=False, default_factory=dict)
    steps: dict = field(repr=False, default_factory=dict)
    answered: list = field(default_factory=list)  # RegionChallenge: detected and consultants'
    history: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    position: tuple = (None, None)  # (rank, regions) of the mean dimension score
    app_url: str = ""
    calibration: dict = field(default_factory=dict)
    map_sector: str | None = None  # the strongest category, shown on the map
    map_values: pd.Series = field(repr=False, default_factory=pd.Series)  # NUTS code -> stars


def credited_stars(clusters: pd.DataFrame, member_rows: pd.DataFrame | None) -> pd.DataFrame:
    """``clusters`` with ``credited_stars`` and ``size_credited``: the stars the report counts
    as strengths. For a union (``member_rows``: its members' own rows) the size star counts
    only where one of its members earns it on its own, judged against regions of comparable
    size, so that a sum of regions does not collect size stars by adding up; other stars
    (specialisation, productivity, dynamism) rest on ratios and count as they are."""
    out = clusters.copy()
    size = out["size_star"].fillna(0).astype(int) if "size_star" in out else 0
    if member_rows is None or member_rows.empty or "size_star" not in out:
        out["size_credited"] = True
        out["credited_stars"] = out["stars"].fillna(0).astype(int)
        return out
    alone = member_rows.groupby("sector")["size_star"].max().fillna(0).astype(int)
    member = out["sector"].map(alone).fillna(0).astype(int)
    out["size_credited"] = (size == 0) | (member == 1)
    out["credited_stars"] = out["stars"].fillna(0).astype(int) - (size * (member == 0))
    return out


_HISTORY: dict = {}


def cluster_history(prepared: Prepared, union: bool, years: int = 5) -> pd.DataFrame:
    """Metrics and stars of every region for the last ``years`` years of the data (the
    analysis year and the years before it), computed once per prepared data set and table
    (regions of analysis or regions as given) and kept for every report of a warm kernel."""
    import dataclasses

    from toolkit.methods import apply_method
    from toolkit.metrics import cluster_metrics

    key = (id(prepared), union)
    if key not in _HISTORY:
        ws = prepared.workspace
        panel = ws.analysis_panel if union else ws.panel
        available = sorted(int(y) for y in panel["year"].unique() if y <= ws.year)[-years:]
        floor = None if ws.method.kind == "levels" else ws.params.min_employment
        frames = []
        for year in available:
            if year == ws.year:
                table = ws.analysis_metrics if union else ws.metrics
            else:
                params = dataclasses.replace(ws.params, year=year)
                table = apply_method(
                    cluster_metrics(panel, ws.sectors, params, ws.benchmark),
                    ws.method,
                    min_employment=floor,
                )
            frames.append(
                table[["region", "sector", "year", "employment", "lq", "stars"]].assign(year=year)
            )
        _HISTORY.clear()
        _HISTORY[key] = pd.concat(frames, ignore_index=True)
    return _HISTORY[key]


def scoreboard_position(dimensions: pd.DataFrame, region_id: str, unions) -> tuple:
    """(rank, number of regions) of the region's mean dimension score among the European
    regions (the regions of analysis other than this one left out); (None, n) without one."""
    mean = dimensions.groupby("region")["score"].mean()
    pool = mean[~mean.index.isin(set(unions) - {region_id})]
    if region_id not in pool.index:
        return None, len(pool)
    return int((pool > pool[region_id]).sum()) + 1, len(pool)


def assess(prepared: Prepared, region_key: str, peers: int | None = None) -> RegionAssessment:
    """Assess one region (id of a region of analysis, region code or name)."""
    ws = prepared.workspace
    region, clusters, table = ws.metrics_for(region_key)
    if clusters.empty or clusters["employment"].notna().sum() == 0:
        raise MissingDataError(
            f"no cluster data for {region.name} ({', '.join(region.members)}) in {ws.year}: "
            "check the region's codes against the panel"
        )
    n_peers = prepared.params.peers if peers is None else peers
    peer_ids = workspace_peers(ws, region.id, n=n_peers, pool=prepared.params.peer_pool)
    period = tuple(table.attrs.get("period", (ws.year, ws.year)))
    area = area_label(ws)
    challenges = detect_challenges(
        region.id,
        prepared.scoreboard,
        ws.analysis_context,
        clusters,
        table,
        prepared.params,
        ws.indicators,
        period,
        area=area,
        currency=ws.currency,
        dimensions=prepared.dimensions,
    )
    countries = sorted({ws.country_of(c) for c in table["region"].unique() if not ws.is_union(c)})
    n_countries = f"{len(countries)} {'country' if len(countries) == 1 else 'countries'}"
    reference_note = (
        f"all {table['region'].nunique()} regions of the data ({n_countries})"
        if ws.params.reference_regions is None
        else f"{len(ws.params.reference_regions)} regions listed in the star parameters"
    )
    notes = list(ws.provenance.get("notes") or [])
    if table.attrs.get("year_note"):
        notes.append(table.attrs["year_note"])
    member_size_stars = None
    if ws.is_union(region.id) and len(region.members) > 1:
        own = ws.metrics[ws.metrics["region"].isin(region.members)]
        own = base_rows(own)
        member_size_stars = int(own.groupby("sector")["size_star"].max().fillna(0).sum())
        clusters = credited_stars(clusters, ws.metrics[ws.metrics["region"].isin(region.members)])
    else:
        clusters = credited_stars(clusters, None)
    history = cluster_history(prepared, ws.is_union(region.id))
    unions = [u.id for u in ws.unions]
    strongest = tables.leading_clusters(clusters, 1)
    map_sector = str(strongest["sector"].iloc[0]) if len(strongest) else None
    nuts = ws.metrics[ws.metrics["sector"] == map_sector]
    map_values = pd.Series(nuts["stars"].to_numpy(), index=nuts["region"].astype(str))
    return RegionAssessment(
        region=region,
        year=ws.year,
        period=period,
        clusters=clusters,
        table=table,
        scoreboard=prepared.scoreboard[prepared.scoreboard["region"] == region.id],
        dimensions=prepared.dimensions,
        peers=peer_ids,
        peer_comparison=compare_with_peers(prepared.scoreboard, region.id, peer_ids),
        challenges=challenges,
        strengths=find_strengths(
            clusters,
            prepared.dimensions,
            region.id,
            prepared.params,
            ws.sector_names,
            ws.indicators.dimensions,
            currency=ws.currency,
            benchmark="Europe" if ws.benchmark.is_data_sum and area == "EU" else ws.benchmark.name,
        ),
        advice=recommend(challenges, prepared.params, region.id),
        answered=region_challenges(challenges, prepared.params, region.id),
        history=history[history["region"] == region.id].reset_index(drop=True),
        position=scoreboard_position(prepared.dimensions, region.id, unions),
        app_url=prepared.params.app_url,
        calibration=dict(prepared.params.calibration),
        map_sector=map_sector,
        map_values=map_values,
        findings=compare_findings(region.id, challenges, prepared.params),
        consultant_notes=prepared.params.findings.get(region.id, {}).get("notes", ""),
        provenance=dict(ws.provenance),
        thresholds=ws.params.describe(),
        wages_available=bool(table.attrs.get("wages_available", True)),
        reference_note=reference_note,
        member_size_stars=member_size_stars,
        names=ws.names,
        sector_names=ws.sector_names,
        dimension_labels=ws.indicators.dimensions,
        steps=prepared.params.steps,
        area=area,
        currency=ws.currency,
        benchmark=ws.benchmark.name,
        notes=notes,
        star_min=int(prepared.params.strengths["star_cluster_min_stars"]),
        dynamism_assessed=bool(table.attrs.get("dynamism_assessed", True)),
        cluster_rules=cluster_rules_apply(clusters),
        method=ws.method_markdown,
        context_have=ws.context_coverage()[0],
        context_lack=ws.context_coverage()[1],
        workspace=ws,
    )


def area_label(ws: Workspace) -> str:
    """What the comparison distribution is called: "EU" for NUTS regions, "all regions"
    for a user's regions table (US states, national districts ...)."""
    return "EU" if ws.provenance.get("regions") == "NUTS 2016" else "all regions"


# --- prose ------------------------------------------------------------------------------------


def synthetic_banner(a: RegionAssessment) -> str:
    return _banner("report") if a.provenance.get("synthetic") else ""


def title_markdown(a: RegionAssessment) -> str:
    return (
        f"# Regional assessment: {_e(a.region.name)}\n\n*Cluster portfolio, framework "
        f"conditions, challenges and recommendations, {a.year}.* "
        f"[All regions](../index.html) · [PDF](assessment.pdf) · "
        f"[Interactive view]({_e(app_link(a.app_url, a.region.id))})"
    )


def app_link(app_url: str, region_id: str) -> str:
    """The app view of a region: ``app_url`` with ``region=ID`` added to its query."""
    from urllib.parse import quote

    joiner = "&" if "?" in app_url else "?"
    return f"{app_url}{joiner}region={quote(region_id)}"


def star_cluster_rows(a: RegionAssessment) -> pd.DataFrame:
    """Base clusters with at least ``star_min`` credited stars (see ``credited_stars``)."""
    base = base_rows(a.clusters)
    column = "credited_stars" if "credited_stars" in base else "stars"
    return base[base[column].fillna(0) >= a.star_min]


def executive_summary_markdown(a: RegionAssessment) -> str:
    """The first page: key figures, three strengths, three challenges, three actions."""
    base = base_rows(a.clusters)
    stars = star_cluster_rows(a)
    total = base["employment"].sum()
    in_stars = stars["employment"].sum()
    rank, n = a.position
    position = (
        f"{_ordinal(rank)} of {n} regions on the mean scoreboard score"
        if rank
        else "not scored (no scoreboard indicator)"
    )
    strengths = [s for s in a.strengths if s.kind != "dimension"][:3] or a.strengths[:3]
    lines = [
        "## Executive summary",
        "",
        "| key figure | value |",
        "|---|---|",
        f"| Star clusters ({a.star_min}+ stars) | {len(stars)} of {len(base)} |",
        f"| Employment in star clusters | {in_stars:,.0f} persons "
        f"({(in_stars / total if total else 0):.0%} of cluster employment) |",
        f"| Scoreboard position | {position} |",
        f"| Challenges listed | {len(a.answered)} "
        f"({sum(c.source != 'consultants only' for c in a.answered)} confirmed by indicators) |",
        "",
        "**Strengths**",
        "",
    ]
    lines += [f"- {_e(s.sentence)}" for s in strengths] or ["- none passes the thresholds"]
    lines += ["", "**Challenges**", ""]
    lines += [f"- {_e(c.name)} — {_e(_source_label(c))}" for c in a.answered[:3]] or [
        "- none detected or named"
    ]
    lines += ["", "**Priority actions**", ""]
    lines += [
        f"- {_e(adv.recommendation.title)} ({_e(adv.priority_explained)})" for adv in a.advice[:3]
    ]
    return "\n".join(lines)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _source_label(c: RegionChallenge) -> str:
    from toolkit.assessment import SEVERITY_LABELS

    if c.source == "consultants only":
        return "named by the consultants; the indicators do not confirm it"
    words = SEVERITY_LABELS.get(c.severity, str(c.severity))
    return f"{words}; " + (
        "consultants and indicators agree" if c.source == "both" else "found by the indicators"
    )


def _base_words(a: RegionAssessment) -> tuple[tuple[str, str], tuple[str, str]]:
    """What the report calls the region's base sectors, (singular, plural) for a cluster and
    for the unit counted: the cluster mapping's words for its traded categories, plain
    "sector" for any other set (NACE divisions, a user's sector file)."""
    if (a.clusters["sector_type"] == "traded").any():
        return ("traded cluster", "traded clusters"), ("cluster category", "cluster categories")
    return ("sector", "sectors"), ("sector", "sectors")


def _count(n: int, words: tuple[str, str]) -> str:
    """'1 sector', '3 sectors'."""
    return f"{n} {words[0] if n == 1 else words[1]}"


def profile_markdown(a: RegionAssessment) -> str:
    members = ", ".join(f"{_e(code)} ({_e(a.names.get(code, code))})" for code in a.region.members)
    base = base_rows(a.clusters)
    employment = base["employment"].sum()
    noun, unit = _base_words(a)
    growth = (
        f"growth measured {a.period[0]}–{a.period[1]} (CAGR)"
        if a.dynamism_assessed
        else "growth not assessed (one year of data)"
    )
    source = _e(a.provenance.get("source", ""))
    regions = a.provenance.get("regions", "NUTS 2016")
    codes = "NUTS 2016 codes" if regions == "NUTS 2016" else f"codes of {_e(regions)}"
    sector_set = _e(a.provenance.get("sector_set", "cluster categories"))
    notes = ""
    if not a.wages_available:
        notes += (
            "\n- **Wages are missing from the data**: no productivity star was assessed, and the "
            "productivity rules of the challenge detection were skipped."
        )
    if a.member_size_stars is not None:
        size_stars = int(base["size_star"].fillna(0).sum())
        notes += (
            f"\n- **A union of {len(a.region.members)} regions:** its counts are summed and it "
            "is ranked as one region against single regions, so size stars come more easily: "
            f"{size_stars} as a union, against {a.member_size_stars} that its members earn on "
            "their own."
        )
    if a.provenance.get("sector_note"):
        notes += f"\n- **Sectors:** {_e(a.provenance['sector_note'])}."
    if not a.dynamism_assessed:
        notes += (
            "\n- **One year of data:** employment growth cannot be measured, so the dynamism "
            "star was not assessed."
        )
    if not a.cluster_rules:
        notes += (
            f"\n- **Sector set {sector_set}:** the cluster-management and cluster-productivity "
            "rules read the traded cluster categories, so they were not assessed here."
        )
    for note in a.notes:
        notes += f"\n- **Data note:** {_e(note)}."
    if a.provenance.get("sector_method"):
        split = a.provenance.get("split_share")
        notes += f"\n- **Sectors:** {_e(a.provenance['sector_method'])}" + (
            f"; {split:.1%} of the employment is in NACE classes split between categories."
            if split is not None
            else "."
        )
    return f"""## 1. Region profile and data provenance

- **Region of analysis:** {_e(a.region.name)} — {codes} {members}.
- **Employment in {noun[1]} ({a.year}):** {employment:,.0f} persons in
  {_count(int((base["employment"] > 0).sum()), unit)} (sector set: {sector_set}).
- **Data:** {source} (panel `{_e(Path(str(a.provenance.get("panel", ""))).name)}`,
  context `{_e(Path(str(a.provenance.get("context") or "—")).name)}`).
- **Analysis year:** {a.year}; {growth}.
- **Benchmark area (LQ and shares):** {_e(a.benchmark)}.
- **Reference set (stars):** {_e(a.reference_note)}.
- **Cluster strength:** {a.method}{notes}
"""


def portfolio_markdown(a: RegionAssessment) -> str:
    base = base_rows(a.clusters)
    noun, unit = _base_words(a)
    counts = base["stars"].value_counts().reindex([4, 3, 2, 1, 0], fill_value=0)
    starred = base[base["stars"] > 0]
    largest = base.sort_values("employment", ascending=False).head(3)
    names = ", ".join(_e(a.sector_names.get(s, s)) for s in largest["sector"])
    share_top3 = largest["employment"].sum() / base["employment"].sum() if len(base) else 0
    subject, verb = (
        ("The largest", "employs")
        if len(largest) == 1
        else (
            f"The {len(largest)} largest",
            "employ",
        )
    )
    return f"""## 2. Cluster portfolio

{_e(a.region.name)} has **{_count(len(starred), noun)} with at least one star**
({counts[4]} with four, {counts[3]} with three, {counts[2]} with two and {counts[1]} with one
star) out of {_count(len(base), unit)}. {subject} — {names} — {verb} {share_top3:.0%}
of the region's employment in {noun[1]}. The charts show the stars of the leading clusters,
specialisation (LQ) against growth, and cluster size.
"""


def strengths_markdown(a: RegionAssessment) -> str:
    if not a.strengths:
        return (
            "## 3. Strengths\n\nNo cluster or scoreboard dimension passes the strength "
            "thresholds of `parameters/assessment.yaml`."
        )
    titles = {
        "star_cluster": "Star clusters",
        "specialisation": "Leading specialisations",
        "growing": "Growing sectors",
        "emerging": "Emerging industries with a specialisation",
        "dimension": "Framework conditions above the "
        + ("European median" if a.area == "EU" else "median of the regions"),
    }
    lines = ["## 3. Strengths", ""]
    for kind, title in titles.items():
        items = [s for s in a.strengths if s.kind == kind]
        if items:
            lines += [f"**{title}**", ""] + [f"- {_e(s.sentence)}" for s in items] + [""]
    lines.append(
        "*A star cluster is a strength only from LQ 1 on (`strength_min_lq` in "
        "`parameters/assessment.yaml`), and each says which stars it rests on"
        + (
            "; for a union, a size star counts only where one of its members earns it on its "
            "own (size judged against regions of comparable size)."
            if a.member_size_stars is not None
            else "."
        )
        + "*"
    )
    return "\n".join(lines)


def challenges_markdown(a: RegionAssessment) -> str:
    cal = a.calibration or {}
    lines = ["## 4. Challenges", ""]
    if cal:
        lines += [
            f"*Calibration (`parameters/challenges.yaml`): an indicator rule speaks only when "
            f"the region's score is at least {cal['min_gap']:.0f} points below the median "
            f"(50), or in the bottom decile (score below {cal['bottom_decile']:.0f}); it is "
            f"moderate from a gap of {cal['min_gap']:.0f}, serious from "
            f"{cal['serious_gap']:.0f}, severe from {cal['severe_gap']:.0f}. The "
            f"{int(cal['weakest_dimensions'])} weakest dimensions below "
            f"{cal['weak_dimension_max_score']:.0f} always raise their challenge.*",
            "",
        ]
    if not a.challenges:
        lines.append("No challenge rule of `parameters/challenges.yaml` holds for this region.")
    for c in a.challenges:
        joint = " (joint challenge of the Summary Report)" if c.joint else ""
        lines.append(f"**{_e(c.name)}** — {c.severity_label}{joint}")
        lines += [f"- {_e(e.sentence)}" for e in c.evidence]
        lines.append("")
    lines += drivers_markdown(a)
    lines += ["### Consultants' findings and indicators", ""]
    if a.consultant_notes:
        lines += [f"> {_e(a.consultant_notes)}", ""]
    if a.findings.empty:
        lines.append("Neither the consultants nor the indicators name a challenge.")
    else:
        lines += ["| challenge | consultants | indicators | agreement |", "|---|---|---|---|"]
        for row in a.findings.itertuples():
            lines.append(
                f"| {_e(row.name)} | {'yes' if row.consultant else '—'} | "
                f"{row.severity if row.detected else '—'} | {row.agreement} |"
            )
        agree = int((a.findings["agreement"] == "both").sum())
        found = int(a.findings["consultant"].sum())
        lines.append("")
        if found:
            lines.append(
                f"The indicators confirm {agree} of the {found} challenges the consultants found."
            )
        else:
            lines.append(
                "No consultants' findings are recorded for this region "
                "(`parameters/consultant_findings.yaml`): the table shows the "
                "indicators' view only."
            )
    return "\n".join(lines)


def drivers_markdown(a: RegionAssessment) -> list[str]:
    """Which indicators drove each detected challenge: one row per indicator."""
    rows = [
        (c, e, ind)
        for c in a.challenges
        for e in c.evidence
        for ind in (e.drivers or (e.indicator_name,))
    ]
    if not rows:
        return []
    names = {r: n for r, n in zip(a.scoreboard["indicator"], a.scoreboard["name"], strict=True)}
    scores = dict(zip(a.scoreboard["indicator"], a.scoreboard["score"], strict=True))
    lines = [
        "**Indicators that drove each challenge**",
        "",
        "| challenge | indicator | score (0-100) | rule |",
        "|---|---|---|---|",
    ]
    for c, e, ind in rows:
        score = scores.get(ind, e.score)
        lines.append(
            f"| {_e(c.name)} | {_e(names.get(ind, ind))} | "
            f"{'n/a' if pd.isna(score) else f'{score:.0f}'} | {_e(e.rule.replace('_', ' '))} |"
        )
    return [*lines, ""]


def recommendations_markdown(a: RegionAssessment) -> str:
    """Every recommendation chosen for the region's challenges, with its priority score and
    the reason it was chosen; every challenge listed is answered by at least one."""
    lines = [
        "## 5. Recommendations",
        "",
        "*Priority = severity (3 severe, 2 serious, 1 moderate; a challenge only the "
        "consultants name counts as serious) + agreement (1 when consultants and indicators "
        "agree on a challenge it serves) + breadth (1 for each further challenge of the region "
        "it serves); `parameters/assessment.yaml` `priority`.*",
        "",
    ]
    for i, adv in enumerate(a.advice, start=1):
        rec = adv.recommendation
        lines.append(
            f"{i}. **{_e(rec.title)}** ({_e(adv.priority_explained)}; step {rec.step}: "
            f"{_e(adv.step_name)}) — {_e(rec.text)} *Why: {_e(adv.reason)}. "
            f"Source: {_e(rec.source)}.*"
        )
    return "\n".join(lines)


def trends_markdown(a: RegionAssessment, top: int = 5) -> str:
    """Stars gained and lost over the years of the data, for the leading clusters."""
    h = a.history
    years = sorted(h["year"].unique()) if len(h) else []
    if len(years) < 2:
        return "## Trends\n\nOne year of data: no trend to show."
    first, last = years[0], years[-1]
    wide = h.pivot_table(index="sector", columns="year", values="stars", aggfunc="first")
    wide = wide.reindex(base_rows(a.clusters)["sector"]).fillna(0)
    change = (wide[last] - wide[first]).astype(int)
    gained = change[change > 0].sort_values(ascending=False)
    lost = change[change < 0].sort_values()

    def listing(series):
        return (
            ", ".join(
                f"{_e(a.sector_names.get(s, s))} ({int(wide.loc[s, first])} → "
                f"{int(wide.loc[s, last])})"
                for s in series.index[:top]
            )
            or "none"
        )

    return (
        f"## Trends {first}–{last}\n\nEmployment and LQ of the leading clusters in each year of "
        f"the data (stars recomputed for each year with the same rule).\n\n"
        f"- **Stars gained** ({len(gained)} clusters): {listing(gained)}.\n"
        f"- **Stars lost** ({len(lost)} clusters): {listing(lost)}."
    )


def scoreboard_markdown(a: RegionAssessment) -> str:
    own = a.dimensions[a.dimensions["region"] == a.region.id].sort_values("score")
    if own.empty:
        return (
            "### Regional Ecosystem Scoreboard\n\nThe context data hold no scoreboard "
            "indicator for this region (see `parameters/indicators.yaml` for their names), so "
            "framework conditions are not scored and the indicator-based challenge rules "
            "were skipped.\n" + coverage_markdown(a)
        )
    weakest, strongest = own.iloc[0], own.iloc[-1]
    dist = "European regions" if a.area == "EU" else a.area
    median = "EU median" if a.area == "EU" else "median"
    peers = ", ".join(_e(a.names.get(p, p)) for p in a.peers) or "none found"
    better = a.peer_comparison[a.peer_comparison["vs_peers"] == "above"]
    return f"""### Regional Ecosystem Scoreboard

Scores run from 0 to 100 against the distribution of {_e(dist)} (50 = {_e(median)};
direction applied, so higher is always better). Strongest dimension:
**{_e(strongest.dimension_name)}** ({strongest.score:.0f}); weakest:
**{_e(weakest.dimension_name)}** ({weakest.score:.0f}).
Peer regions (most similar sector structure, size and GDP per capita, among mainland EU
regions of the same NUTS level unless `parameters/assessment.yaml` `peer_pool` says otherwise):
{peers}. The region does
better than its peers' median on {len(better)} of {len(a.peer_comparison)} indicators.
{coverage_markdown(a)}"""


def coverage_markdown(a: RegionAssessment) -> str:
    """Which scoreboard indicators the context data hold, and which are not available (they
    are never filled with synthetic values)."""
    if not a.context_lack:
        return ""
    have = ", ".join(_e(n) for n in a.context_have) or "none"
    lack = ", ".join(_e(n) for n in a.context_lack)
    return (
        f"\n*Indicators in the data ({len(a.context_have)}):* {have}. *Not available "
        f"({len(a.context_lack)}), so not scored and their challenge rules not assessed:* "
        f"{lack}.\n"
    )


def indicator_table(a: RegionAssessment) -> pd.DataFrame:
    """The region's indicators against the benchmark and peer medians (``tables``)."""
    return tables.indicator_table(a.peer_comparison, a.dimension_labels, _median_name(a))


def _median_name(a: RegionAssessment) -> str:
    return "EU" if a.area == "EU" else "All regions'"


def leading(a: RegionAssessment, top: int | None = None) -> pd.DataFrame:
    """The region's leading clusters, the same list the chart, the table, the index and the
    apps show (``tables.leading_clusters``)."""
    return tables.leading_clusters(a.clusters, top)


def cluster_table(a: RegionAssessment, top: int = 12) -> pd.DataFrame:
    """The region's leading clusters (most stars, then LQ) with their figures."""
    return tables.cluster_table(leading(a, top), a.sector_names, a.currency).reset_index(drop=True)


def cluster_table_view(a: RegionAssessment, top: int = 12):
    """``cluster_table`` as a styled table for the report: persons and money without
    decimals, LQ with two, growth in % a year with a sign; missing values read "n/a"."""
    return (
        cluster_table(a, top)
        .style.hide(axis="index")
        .format(
            {
                "Employment (persons)": "{:,.0f}",
                "LQ": "{:.2f}",
                f"Wage per employee ({a.currency})": "{:,.0f}",
                "Growth (% a year)": "{:+.1f}",
            },
            na_rep="n/a",
        )
        .set_properties(subset=["Sector", "Code", "Type"], **{"text-align": "left"})
    )


def indicator_table_view(a: RegionAssessment):
    """``indicator_table`` as a styled table: the region against the benchmark and its peers
    (an empty HTML fragment when the region has no indicator, so the report shows no bare
    header)."""
    if a.peer_comparison.empty:
        from IPython.display import HTML

        return HTML("")
    table = indicator_table(a).drop(columns=["Data year"], errors="ignore")
    numbers = {
        column: format_number for column in ("Region", f"{_median_name(a)} median", "Peer median")
    } | {"Score (0-100)": "{:.0f}"}
    return (
        table.sort_values(["Dimension", "Indicator"])
        .style.hide(axis="index")
        .format(numbers, na_rep="n/a")
        .set_properties(subset=["Dimension", "Indicator", "Unit"], **{"text-align": "left"})
    )


def summary_record(a: RegionAssessment) -> dict:
    """What the index page shows for a region."""
    traded = base_rows(a.clusters)
    return {
        "region_id": a.region.id,
        "region": a.region.name,
        "starred": int((traded["stars"] > 0).sum()),
        "star_clusters": tables.star_cluster_count(a.clusters, a.star_min),
        "star_min": a.star_min,
        "top_clusters": ", ".join(a.sector_names.get(s, s) for s in leading(a, 3)["sector"]),
        "top_challenges": "; ".join(c.name for c in a.challenges[:3]),
        "challenges": [c.id for c in a.challenges],
        "synthetic": bool(a.provenance.get("synthetic")),
        "year": a.year,
        "app_link": app_link(a.app_url, a.region.id),
    }


def index_entry(a: RegionAssessment) -> dict:
    """The region's index-page record as a display bundle the batch reads back from the
    executed notebook (no renderer shows this MIME type, so readers never see it)."""
    return {INDEX_MIME: summary_record(a)}


_GEOMETRY: dict = {}


def map_figure(a: RegionAssessment):
    """The NUTS-2 map of the region's position: the stars of every region in the region's
    strongest category (its leading cluster), the region outlined; ``None`` without
    boundaries (they ship with the toolkit, so only for codes outside NUTS)."""
    from toolkit import charts
    from toolkit.geo import load_geometry

    if a.map_sector is None or a.map_values.empty:
        return None
    if "geometry" not in _GEOMETRY:
        _GEOMETRY["geometry"] = load_geometry(allow_download=False)[0]
    name = a.sector_names.get(a.map_sector, a.map_sector)
    return charts.region_map(
        _GEOMETRY["geometry"],
        a.map_values,
        list(a.region.members),
        title=f"{a.region.name} and its neighbours: stars in {name}",
        synthetic=bool(a.provenance.get("synthetic")),
    )


def trend_figure(a: RegionAssessment, top: int = 5):
    """Employment and LQ of the leading clusters over the years of the data."""
    from toolkit import charts

    return charts.trend_chart(
        a.history,
        list(leading(a, top)["sector"]),
        a.sector_names,
        synthetic=bool(a.provenance.get("synthetic")),
    )


# --- export: offline HTML and PDF ----------------------------------------------------------------

# The lab template without its CDN scripts (require.js, MathJax, mermaid, widget manager):
# the reports hold Markdown, tables and embedded SVG only, so nothing needs them, and the HTML
# then loads nothing from the network. The print rules keep wide tables on the page.
PRINT_CSS = """
@media print {
  .jp-OutputArea-output, .jp-RenderedHTMLCommon { overflow: visible !important; }
  table { font-size: 8pt; width: 100%; table-layout: auto; }
  td, th { overflow-wrap: anywhere; padding: 2px 4px !important; }
  tr, figure, img { page-break-inside: avoid; }
}
"""
OFFLINE_TEMPLATE = (
    "{%- extends 'lab/index.html.j2' -%}\n"
    "{%- block html_head_js -%}{%- endblock html_head_js -%}\n"
    "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
    "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
    "{% block jupyter_widgets %}{% endblock jupyter_widgets %}\n"
    "{% block extra_css %}<style>" + PRINT_CSS + "</style>{% endblock extra_css %}\n"
)
# For the PDF: the same cells with a small print stylesheet in place of the lab CSS.
PDF_TEMPLATE = (
    "{%- extends 'lab/index.html.j2' -%}\n"
    "{%- block html_head_js -%}{%- endblock html_head_js -%}\n"
    "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
    "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
    "{% block jupyter_widgets %}{% endblock jupyter_widgets %}\n"
    "{% block notebook_css %}{% endblock notebook_css %}\n"
)


def html_exporter(pdf: bool = False):
    """nbconvert's HTML exporter, code hidden, with the offline template (``pdf``: the bare
    one the PDF styles itself)."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    name = "eocic_pdf.html.j2" if pdf else "eocic_offline.html.j2"
    return HTMLExporter(
        extra_loaders=[DictLoader({name: PDF_TEMPLATE if pdf else OFFLINE_TEMPLATE})],
        template_file=name,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )


def pdf_css(header: str, landscape: bool = False) -> str:
    """A4 pages with the header (region and data date), page numbers and tables kept whole."""
    import json as _json

    size = "A4 landscape" if landscape else "A4"
    return f"""
@page {{ size: {size}; margin: 18mm 14mm 18mm 14mm;
  @top-left {{ content: {_json.dumps(header)}; font-size: 8pt; color: #555; }}
  @bottom-right {{ content: "page " counter(page) " of " counter(pages);
    font-size: 8pt; color: #555; }} }}
body {{ font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.35; }}
h1 {{ font-size: 17pt; }} h2 {{ font-size: 13pt; break-before: auto; }}
h2, h3 {{ break-after: avoid; }}
table {{ border-collapse: collapse; width: 100%; font-size: 7.5pt; table-layout: auto; }}
td, th {{ border-bottom: 0.5pt solid #ccc; padding: 2pt 3pt; text-align: left;
  overflow-wrap: anywhere; }}
tr, figure, img, li {{ break-inside: avoid; }}
img {{ max-width: 100%; height: auto; }}
figure {{ margin: 4pt 0; }}
.jp-InputPrompt, .jp-OutputPrompt, .jp-Collapser {{ display: none; }}
nav.toc a {{ text-decoration: none; color: black; }}
nav.toc a::after {{ content: leader('.') target-counter(attr(href), page); }}
nav.toc li {{ list-style: none; margin: 1pt 0; }}
nav.toc {{ break-after: page; }}
"""


def _with_toc(body: str) -> str:
    """The HTML with a table of contents of its h2 headings after the first h1."""
    import re

    heads = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', body, flags=re.S)
    if not heads:
        return body
    items = "".join(
        f'<li><a href="#{hid}">{re.sub(r"<[^>]+>", "", text).strip()}</a></li>'
        for hid, text in heads
    )
    toc = f'<nav class="toc"><h2 id="contents">Contents</h2><ul>{items}</ul></nav>'
    closing = body.find("</h1>")
    if closing < 0:
        return body.replace("<main>", "<main>" + toc, 1)
    # after the paragraph that follows the title (the subtitle and the links)
    after = body.find("</p>", closing)
    at = (after + 4) if after > 0 else closing + 5
    return body[:at] + toc + body[at:]


def pdf_bytes(nb, title: str, header: str, *, exporter=None, landscape: bool = False) -> bytes:
    """The executed notebook as an A4 PDF (WeasyPrint): contents with page numbers, the
    header on every page, page numbers, tables fitted to the page width."""
    from weasyprint import CSS, HTML

    exporter = exporter or html_exporter(pdf=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    document = HTML(string=_with_toc(body), base_url=".")
    return document.write_pdf(stylesheets=[CSS(string=pdf_css(header, landscape))])


def fmt_growth(value: float) -> str:
    return "n/a" if value is None or np.isnan(value) else f"{value:+.1%}"


# --- notebook entry points ----------------------------------------------------------------------


def prepared_for(
    sources: DataSources | dict | None = None, prepared_file: str | Path | None = None
) -> Prepared:
    """The prepared data: from the file the batch wrote when given, else loaded and
    prepared now from the sources (default: the synthetic demo data)."""
    if prepared_file:
        return load_prepared(prepared_file)
    return prepare(Workspace.load(DataSources.from_parameters(sources)))


def growth_markdown(a: RegionAssessment) -> str:
    """ "Where the region could grow" (related sectors, entries and exits) and how close its
    clusters are to the next star (``toolkit.growth``); computed once per data set."""
    from toolkit.growth import near_misses_markdown, opportunities_markdown, region_opportunities

    view = region_opportunities(a.workspace, a.region.id, star_min=a.star_min)
    return opportunities_markdown(view) + "\n\n" + near_misses_markdown(view)


def assessment_for(
    region: str,
    *,
    sources: DataSources | dict | None = None,
    prepared_file: str | Path | None = None,
    peers: int | None = None,
) -> RegionAssessment:
    """What the report notebook calls: one region's assessment."""
    return assess(prepared_for(sources, prepared_file), region, peers)


@dataclass
class JointChallenges:
    """The cross-region synthesis: the matrix and its readable views."""

    matrix: pd.DataFrame  # challenge, region, consultant, detected (long form)
    banner: str
    title: str
    consultant_view: pd.DataFrame
    detected_view: pd.DataFrame
    agreement_markdown: str
    recommendations_markdown: str


def joint_challenges(
    *,
    sources: DataSources | dict | None = None,
    prepared_file: str | Path | None = None,
    csv_path: str | Path | None = None,
) -> JointChallenges:
    """Challenge x region matrix for the regions of analysis, consultants against indicators.

    With ``csv_path`` the long-form matrix (challenge, region, consultant, detected) is written
    there atomically for reuse in other tools.
    """
    from toolkit.assessment import joint_matrix
    from toolkit.data import write_csv_atomic

    prepared = prepared_for(sources, prepared_file)
    ws, params = prepared.workspace, prepared.params
    region_ids = [u.id for u in ws.unions]
    detected, without_data = {}, []
    for rid in region_ids:
        try:
            detected[rid] = assess(prepared, rid).challenges
        except MissingDataError:
            without_data.append(rid)  # no cluster data: nothing detected, said below
    matrix = joint_matrix(detected, params, region_ids)
    if csv_path is not None:
        write_csv_atomic(matrix, csv_path)
    names = {u.id: u.name for u in ws.unions}
    challenge_names = {cid: d.name for cid, d in params.challenges.items()}
    joint_ids = [cid for cid, d in params.challenges.items() if d.joint]

    consultant = (
        matrix[matrix["challenge"].isin(joint_ids)]
        .pivot(index="challenge", columns="region", values="consultant")
        .loc[joint_ids, region_ids]
    )
    consultant_view = consultant.map(lambda v: "●" if v else "")
    consultant_view.index = [challenge_names[c] for c in consultant_view.index]
    consultant_view.columns = [names[r] for r in consultant_view.columns]

    symbol = {(True, True): "●", (True, False): "○", (False, True): "◆", (False, False): ""}
    wide = matrix.assign(
        cell=[symbol[(c, d)] for c, d in zip(matrix["consultant"], matrix["detected"], strict=True)]
    )
    detected_view = wide.pivot(index="challenge", columns="region", values="cell").loc[
        list(params.challenges), region_ids
    ]
    detected_view.index = [challenge_names[c] for c in detected_view.index]
    detected_view.columns = [names[r] for r in detected_view.columns]

    both = int((matrix["consultant"] & matrix["detected"]).sum())
    found = int(matrix["consultant"].sum())
    only_ind = int((~matrix["consultant"] & matrix["detected"]).sum())
    agreement = (
        f"The indicators confirm **{both} of the {found}** region-challenge pairs the "
        f"consultants found; they flag **{only_ind}** further pairs that the "
        "consultants did not name, which are worth a second look in the field."
    )
    if without_data:
        agreement += (
            " No cluster data was found for "
            f"{_e(', '.join(names[r] for r in without_data))}, so nothing could be detected there."
        )

    counts = (
        matrix.assign(any=matrix["consultant"] | matrix["detected"])
        .groupby("challenge")["any"]
        .sum()
        .sort_values(ascending=False)
    )
    top = [cid for cid in counts.index[:3] if counts[cid] > 0]
    lines = []
    for cid in top:
        regions_with = matrix[
            (matrix["challenge"] == cid) & (matrix["consultant"] | matrix["detected"])
        ]["region"]
        recs = [
            r
            for r in params.recommendations
            if cid in r.challenges and r.step != 1 and r.id != "adapt-strategy"
        ][:3]
        lines.append(
            f"**{_e(challenge_names[cid])}** — {len(regions_with)} of "
            f"{len(region_ids)} regions "
            f"({_e(', '.join(names[r] for r in regions_with))}):"
        )
        lines += [
            f"- *{_e(r.title)}* (step {r.step}: {_e(params.steps.get(r.step, ''))}). {_e(r.text)}"
            for r in recs
        ]
        lines.append("")
    synthetic = bool(ws.provenance.get("synthetic"))
    banner = _banner("joint") if synthetic else ""
    return JointChallenges(
        matrix=matrix,
        banner=banner,
        title=f"# Joint challenges of the {len(region_ids)} regions of analysis",
        consultant_view=consultant_view,
        detected_view=detected_view,
        agreement_markdown=agreement,
        recommendations_markdown="\n".join(lines),
    )
