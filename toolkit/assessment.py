"""Assessment engine: challenges, strengths, recommendations and consultant findings.

Pure computation driven by ``parameters/`` (challenges.yaml, recommendations.yaml,
assessment.yaml, consultant_findings.yaml). Every item carries its evidence — indicator,
value, benchmark and the rule in words — so each sentence of a report traces to a number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import paths
from toolkit.errors import BadInputError, Problem
from toolkit.parameters import IndicatorCatalogue, read_yaml
from toolkit.presentation import format_number
from toolkit.tables import base_rows, is_base  # noqa: F401

COMPARISONS = (
    "worse_than_share_of_eu_median",
    "bottom_quartile",
    "below_eu_median",
    "worsening",
    "few_star_clusters",
    "low_cluster_productivity",
)
INDICATOR_FREE = ("few_star_clusters", "low_cluster_productivity")
SEVERITY_LABELS = {1: "moderate", 2: "serious", 3: "severe"}


# --- parameters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    comparison: str
    severity: int
    indicator: str | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class ChallengeDefinition:
    id: str
    name: str
    joint: bool
    min_rules: int
    rules: tuple[Rule, ...]
    dimension: str | None = None  # the scoreboard dimension whose weakness raises it


# How far below the benchmark a score must be before a rule speaks, and how severe it is
# (``parameters/challenges.yaml`` ``calibration``). Scores are percentiles of the European
# regions (50 = median), so a gap of 15 points means 15 % of the European regions lie between
# the region and the median: the gap is measured against the spread of the regions.
CALIBRATION_DEFAULTS = {
    "min_gap": 15.0,  # score points below 50; smaller gaps raise nothing
    "serious_gap": 25.0,  # from this gap on (score below 25) a finding is serious
    "severe_gap": 40.0,  # from this gap on (score below 10, bottom decile) it is severe
    "bottom_decile": 10.0,  # a score below this always raises the rule's challenge
    "weakest_dimensions": 2,  # the region's weakest dimensions always raise their challenge
    "weak_dimension_max_score": 45.0,  # ... when their score is below this
}

# How the priority of a recommendation is scored (``parameters/assessment.yaml`` ``priority``).
PRIORITY_DEFAULTS = {
    "consultant_only_severity": 2,  # a challenge only the consultants name counts as serious
    "agreement_bonus": 1,  # added when consultants and indicators agree on a challenge served
    "per_further_challenge": 1,  # added for each further challenge of the region it serves
    "per_challenge": 2,  # recommendations chosen for each challenge (best priority first)
}

# Which regions may be peers (``parameters/assessment.yaml`` ``peer_pool``).
PEER_POOL_DEFAULTS = {
    "same_nuts_level": True,
    "outermost": False,  # FRY1-5, ES70, PT20, PT30 only when asked
    "non_eu": False,  # regions outside the EU-27 (TR, RS, NO, CH, UK ...) only when asked
}


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: str
    text: str
    challenges: tuple[str, ...]
    step: int
    source: str
    general: bool = False  # serves the whole process (diagnosis, monitoring), not one challenge


@dataclass(frozen=True)
class AssessmentParameters:
    challenges: dict[str, ChallengeDefinition]
    recommendations: tuple[Recommendation, ...]
    steps: dict[int, str]
    strengths: dict[str, float]
    peers: int
    findings: dict[str, dict]  # region id -> {"challenges": [...], "notes": str}
    calibration: dict = field(default_factory=lambda: dict(CALIBRATION_DEFAULTS))
    priority: dict = field(default_factory=lambda: dict(PRIORITY_DEFAULTS))
    peer_pool: dict = field(default_factory=lambda: dict(PEER_POOL_DEFAULTS))
    app_url: str = "/voila/render/portfolio.ipynb"


def _file(name: str, directory: str | Path | None) -> Path:
    return Path(directory or paths.parameters_dir()) / name


def load_challenges(
    path: str | Path | None = None, indicators: IndicatorCatalogue | None = None
) -> dict[str, ChallengeDefinition]:
    """Read challenge rules; errors name the file and the key (``challenges.X.rules[2]``)."""
    file = Path(path) if path else _file("challenges.yaml", None)
    raw = read_yaml(file)
    name = str(file)
    entries = raw.get("challenges") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise BadInputError(Problem(name, "expected a mapping under 'challenges'"))
    problems: list[Problem] = []
    result: dict[str, ChallengeDefinition] = {}
    for cid, spec in entries.items():
        where = f"challenges.{cid}"
        if (
            not isinstance(spec, dict)
            or not isinstance(spec.get("rules"), list)
            or not spec["rules"]
        ):
            problems.append(Problem(name, f"'{where}' needs a name and a non-empty list of rules"))
            continue
        rules = []
        for i, rule in enumerate(spec["rules"], start=1):
            rwhere = f"{where}.rules[{i}]"
            if not isinstance(rule, dict):
                problems.append(Problem(name, f"'{rwhere}' must be a mapping"))
                continue
            comparison = rule.get("comparison")
            if comparison not in COMPARISONS:
                problems.append(
                    Problem(
                        name,
                        f"'{rwhere}.comparison' must be one of "
                        f"{', '.join(COMPARISONS)}, got {comparison!r}",
                    )
                )
                continue
            indicator = rule.get("indicator")
            if comparison not in INDICATOR_FREE:
                if not indicator:
                    problems.append(Problem(name, f"'{rwhere}' needs an 'indicator'"))
                    continue
                if indicators is not None and indicator not in indicators.indicators:
                    problems.append(
                        Problem(
                            name, f"'{rwhere}.indicator' {indicator!r} is not in indicators.yaml"
                        )
                    )
                    continue
            threshold = rule.get("threshold")
            needs_threshold = comparison in (
                "worse_than_share_of_eu_median",
                "worsening",
                *INDICATOR_FREE,
            )
            if needs_threshold and not isinstance(threshold, int | float):
                problems.append(Problem(name, f"'{rwhere}.threshold' must be a number"))
                continue
            severity = rule.get("severity", 1)
            if severity not in SEVERITY_LABELS:
                problems.append(Problem(name, f"'{rwhere}.severity' must be 1, 2 or 3"))
                continue
            rules.append(
                Rule(
                    comparison,
                    int(severity),
                    indicator,
                    float(threshold) if threshold is not None else None,
                )
            )
        dimension = spec.get("dimension")
        if (
            dimension is not None
            and indicators is not None
            and dimension not in indicators.dimensions
        ):
            problems.append(
                Problem(name, f"'{where}.dimension' {dimension!r} is not in indicators.yaml")
            )
        result[cid] = ChallengeDefinition(
            id=cid,
            name=str(spec.get("name", cid)),
            joint=bool(spec.get("joint", False)),
            min_rules=int(spec.get("min_rules", 1)),
            rules=tuple(rules),
            dimension=str(dimension) if dimension else None,
        )
    if problems:
        raise BadInputError(problems)
    return result


def load_calibration(path: str | Path | None = None) -> dict:
    """The ``calibration`` section of challenges.yaml merged over ``CALIBRATION_DEFAULTS``."""
    file = Path(path) if path else _file("challenges.yaml", None)
    raw = read_yaml(file)
    problems: list[Problem] = []
    merged = _numbers(
        (raw or {}).get("calibration") or {}, CALIBRATION_DEFAULTS, "calibration", file, problems
    )
    if not problems and not (
        0 <= merged["min_gap"] <= merged["serious_gap"] <= merged["severe_gap"]
    ):
        problems.append(
            Problem(str(file), "'calibration' needs 0 <= min_gap <= serious_gap <= severe_gap")
        )
    if problems:
        raise BadInputError(problems)
    return merged


def _numbers(raw: dict, defaults: dict, section: str, file: Path, problems: list) -> dict:
    """``raw`` merged over ``defaults``; unknown keys and non-numbers become problems."""
    merged = dict(defaults)
    for key, value in raw.items():
        if key not in defaults:
            problems.append(
                Problem(str(file), f"unknown key '{section}.{key}' (known: {', '.join(defaults)})")
            )
        elif isinstance(defaults[key], bool):
            if not isinstance(value, bool):
                problems.append(Problem(str(file), f"'{section}.{key}' must be true or false"))
            else:
                merged[key] = value
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(
                Problem(str(file), f"'{section}.{key}' must be a number, got {value!r}")
            )
        else:
            merged[key] = value
    return merged


# The strength thresholds of ``parameters/assessment.yaml`` and their defaults (one place).
STRENGTH_DEFAULTS = {
    "star_cluster_min_stars": 2,  # clusters with this many stars are "star clusters"
    "leading_specialisation_lq": 1.5,
    "emerging_specialisation_lq": 1.25,
    "growing_min_growth": 0.02,
    "growing_min_employment": 1000,
    "dimension_min_score": 60,
    "top_n": 5,
    "strength_min_lq": 1.0,  # a star cluster is a strength only from this LQ on
}


def _strength_settings(raw: dict, file: Path, problems: list[Problem]) -> dict:
    unknown = sorted(set(raw) - set(STRENGTH_DEFAULTS))
    for key in unknown:
        problems.append(
            Problem(
                str(file),
                f"unknown key 'strengths.{key}' (known: {', '.join(STRENGTH_DEFAULTS)})",
            )
        )
    merged = dict(STRENGTH_DEFAULTS)
    for key, value in raw.items():
        if key in STRENGTH_DEFAULTS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(
                    Problem(str(file), f"'strengths.{key}' must be a number, got {value!r}")
                )
            else:
                merged[key] = value
    return merged


def load_assessment_parameters(
    directory: str | Path | None = None, indicators: IndicatorCatalogue | None = None
) -> AssessmentParameters:
    """All assessment parameters from one folder (default ``parameters/``), cross-checked."""
    challenges = load_challenges(_file("challenges.yaml", directory), indicators)
    rec_file = _file("recommendations.yaml", directory)
    raw = read_yaml(rec_file) or {}
    problems: list[Problem] = []
    steps = {int(k): str(v) for k, v in (raw.get("steps") or {}).items()}
    recommendations = []
    for i, rec in enumerate(raw.get("recommendations") or [], start=1):
        where = f"recommendations[{i}]"
        missing = [k for k in ("id", "title", "text", "challenges", "step") if k not in rec]
        if missing:
            problems.append(Problem(str(rec_file), f"'{where}' lacks {', '.join(missing)}"))
            continue
        unknown = [c for c in rec["challenges"] if c not in challenges]
        if unknown:
            problems.append(
                Problem(
                    str(rec_file),
                    f"'{where}.challenges' names unknown challenge(s) {', '.join(unknown)}",
                )
            )
        if rec["step"] not in steps:
            problems.append(
                Problem(str(rec_file), f"'{where}.step' must be one of {sorted(steps)}")
            )
        recommendations.append(
            Recommendation(
                id=rec["id"],
                title=rec["title"],
                text=" ".join(str(rec["text"]).split()),
                challenges=tuple(rec["challenges"]),
                step=int(rec["step"]),
                source=str(rec.get("source", "")),
                general=bool(rec.get("general", False)),
            )
        )
    settings_file = _file("assessment.yaml", directory)
    settings = read_yaml(settings_file) or {}
    findings_file = _file("consultant_findings.yaml", directory)
    findings_raw = read_yaml(findings_file) if findings_file.is_file() else {"regions": {}}
    findings = {}
    for rid, entry in (findings_raw.get("regions") or {}).items():
        listed = list((entry or {}).get("challenges") or [])
        unknown = [c for c in listed if c not in challenges]
        if unknown:
            problems.append(
                Problem(
                    str(findings_file),
                    f"'regions.{rid}.challenges' names unknown challenge(s) {', '.join(unknown)}",
                )
            )
        findings[rid] = {
            "challenges": listed,
            "notes": " ".join(str((entry or {}).get("notes", "")).split()),
        }
    strengths = _strength_settings(settings.get("strengths") or {}, settings_file, problems)
    priority = _numbers(
        settings.get("priority") or {}, PRIORITY_DEFAULTS, "priority", settings_file, problems
    )
    pool = _numbers(
        settings.get("peer_pool") or {}, PEER_POOL_DEFAULTS, "peer_pool", settings_file, problems
    )
    calibration = load_calibration(_file("challenges.yaml", directory))
    if problems:
        raise BadInputError(problems)
    return AssessmentParameters(
        challenges=challenges,
        recommendations=tuple(recommendations),
        steps=steps,
        strengths=strengths,
        peers=int(settings.get("peers", 5)),
        findings=findings,
        calibration=calibration,
        priority=priority,
        peer_pool=pool,
        app_url=str(settings.get("app_url", "/voila/render/portfolio.ipynb")),
    )


# --- challenges -----------------------------------------------------------------------------


@dataclass
class Evidence:
    """One rule that held: the number, what it was compared with, and the rule in words."""

    rule: str
    indicator: str | None
    indicator_name: str
    value: float
    benchmark: float
    unit: str
    severity: int
    sentence: str
    score: float = float("nan")  # the indicator's or dimension's score (0-100, 50 = median)
    drivers: tuple[str, ...] = ()  # the indicators behind a dimension finding


@dataclass
class Challenge:
    id: str
    name: str
    joint: bool
    severity: int
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


def detect_challenges(
    region_id: str,
    sb: pd.DataFrame,
    context: pd.DataFrame,
    clusters: pd.DataFrame,
    all_clusters: pd.DataFrame,
    params: AssessmentParameters,
    indicators: IndicatorCatalogue,
    period: tuple[int, int],
    *,
    area: str = "EU",
    currency: str = "EUR",
    dimensions: pd.DataFrame | None = None,
) -> list[Challenge]:
    """Apply every rule of ``challenges.yaml`` to the region; detected challenges, most severe
    first, each with the evidence of the rules that held.

    ``sb`` is the scoreboard (all regions), ``context`` the context with union rows,
    ``clusters`` the region's cluster metrics and ``all_clusters`` the table it was ranked in.
    ``area`` names the distribution the region is compared with ("EU", "all regions"),
    ``currency`` the unit of wages. The cluster rules (``CLUSTER_RULES``) need the cluster
    categories: on another sector set they are not assessed (see ``cluster_rules_apply``).

    Calibration (``params.calibration``): an indicator rule holds only when the region's score
    is at least ``min_gap`` points below 50 (or in the bottom decile, which always holds); its
    severity grows with the gap (moderate, serious from ``serious_gap``, severe from
    ``severe_gap``). With ``dimensions`` (the dimension scores), the region's
    ``weakest_dimensions`` weakest dimensions below ``weak_dimension_max_score`` raise the
    challenge whose ``dimension`` they are, so the weakest scores are never passed over.
    """
    words = _Words(area, currency, int(params.strengths.get("star_cluster_min_stars", 2)))
    cal = {**CALIBRATION_DEFAULTS, **params.calibration}
    own = sb[sb["region"] == region_id].set_index("indicator")
    history = context[context["region"] == region_id].set_index("year").sort_index()
    weak = _weak_dimensions(region_id, dimensions, cal)
    found = []
    for definition in params.challenges.values():
        evidence = []
        for rule in definition.rules:
            item = _apply_rule(rule, own, history, clusters, all_clusters, period, words, cal)
            if item is not None:
                evidence.append(item)
        enough = len(evidence) >= definition.min_rules
        if definition.dimension in weak:
            evidence.append(_dimension_evidence(definition.dimension, weak, own, words, cal))
            enough = True  # a weakest dimension always raises its challenge
        if enough and evidence:
            found.append(
                Challenge(
                    definition.id,
                    definition.name,
                    definition.joint,
                    max(e.severity for e in evidence),
                    evidence,
                )
            )
    return sorted(found, key=lambda c: (-c.severity, -len(c.evidence), c.id))


def calibrated_severity(score: float, calibration: dict) -> int:
    """Severity of a score's gap below the median (50): 0 (nothing) below ``min_gap``, then
    1, 2 from ``serious_gap`` and 3 from ``severe_gap``; a bottom-decile score is at least 1."""
    cal = {**CALIBRATION_DEFAULTS, **calibration}
    if score is None or np.isnan(score):
        return 0
    gap = 50.0 - float(score)
    level = (
        3
        if gap >= cal["severe_gap"]
        else 2
        if gap >= cal["serious_gap"]
        else 1
        if gap >= cal["min_gap"]
        else 0
    )
    if score < cal["bottom_decile"]:
        level = max(level, 1)
    return level


def _weak_dimensions(region_id: str, dimensions: pd.DataFrame | None, cal: dict) -> dict:
    """The region's weakest dimensions that raise a challenge: dimension -> score."""
    if dimensions is None or dimensions.empty:
        return {}
    own = dimensions[dimensions["region"] == region_id].sort_values("score")
    own = own[own["score"] < cal["weak_dimension_max_score"]].head(int(cal["weakest_dimensions"]))
    return dict(zip(own["dimension"], own["score"].astype(float), strict=True))


def _dimension_evidence(dimension: str, weak: dict, own: pd.DataFrame, w, cal) -> Evidence:
    score = weak[dimension]
    rows = own[own["dimension"] == dimension].sort_values("score") if len(own) else own
    drivers = rows[rows["score"] < 50] if len(rows) else rows
    listed = ", ".join(f"{r.name} (score {r.score:.0f})" for r in drivers.itertuples()) or "—"
    label = str(rows["dimension"].iloc[0]) if len(rows) else dimension
    return Evidence(
        "weakest_dimension",
        None,
        f"Scoreboard dimension {label}",
        score,
        50.0,
        "score (0-100)",
        max(1, calibrated_severity(score, cal)),
        f"{label.replace('_', ' ')} is one of the region's weakest scoreboard dimensions "
        f"(score {score:.0f}/100; {w.median} = 50); indicators below the median: {listed}",
        score,
        tuple(str(i) for i in drivers.index),
    )


CLUSTER_RULES = ("few_star_clusters", "low_cluster_productivity")


def cluster_rules_apply(clusters: pd.DataFrame) -> bool:
    """The cluster rules read stars and wages of the traded cluster categories; on NACE
    sectors or another set they would judge every region by the same yardstick, so they are
    applied only where the sector set has traded cluster categories."""
    return bool((clusters["sector_type"] == "traded").any())


@dataclass(frozen=True)
class _Words:
    area: str  # "EU" or "all regions": whose distribution the region is compared with
    currency: str
    star_min: int

    @property
    def median(self) -> str:
        return f"the {self.area} median" if self.area == "EU" else f"the median of {self.area}"

    @property
    def regions(self) -> str:
        return "European regions" if self.area == "EU" else self.area


def _apply_rule(
    rule, own, history, clusters, all_clusters, period, w: _Words, cal: dict | None = None
) -> Evidence | None:
    if rule.comparison in CLUSTER_RULES and not cluster_rules_apply(clusters):
        return None
    if rule.comparison == "few_star_clusters":
        traded = base_rows(clusters)
        total = traded["employment"].sum()
        starred = traded.loc[traded["stars"].fillna(0) >= w.star_min, "employment"].sum()
        share = starred / total if total else np.nan
        if np.isnan(share) or share >= rule.threshold:
            return None
        return Evidence(
            rule.comparison,
            None,
            f"Employment in star clusters ({w.star_min}+ stars)",
            100 * share,
            100 * rule.threshold,
            "% of cluster employment",
            rule.severity,
            f"only {100 * share:.1f} % of the region's cluster employment (emerging industries "
            f"aside) is in clusters with {w.star_min} or "
            f"more stars (rule: below {100 * rule.threshold:.0f} %)",
        )
    if rule.comparison == "low_cluster_productivity":
        traded = clusters[is_base(clusters) & clusters["wages"].notna()]
        ref = all_clusters[
            is_base(all_clusters) & all_clusters["in_reference"] & all_clusters["wages"].notna()
        ]
        if traded.empty or ref.empty:
            return None  # no wage data: the rule cannot be assessed
        own_wpe = traded["wages"].sum() / traded["employment"].sum()
        europe = ref["wages"].sum() / ref["employment"].sum()
        if own_wpe >= rule.threshold * europe:
            return None
        return Evidence(
            rule.comparison,
            None,
            "Wage per employee across the region's clusters",
            own_wpe,
            europe,
            w.currency,
            rule.severity,
            f"wage per employee across the region's clusters is {w.currency} {own_wpe:,.0f}, "
            f"{own_wpe / europe:.0%} of the level of {w.regions} ({w.currency} {europe:,.0f}; "
            f"rule: below {rule.threshold:.0%})",
        )
    if rule.indicator not in own.index:
        return None  # indicator not in the data: the rule cannot be assessed
    row = own.loc[rule.indicator]
    value, median, unit = float(row["value"]), float(row["eu_median"]), str(row["unit"])
    if np.isnan(value):
        return None
    name = str(row["name"])
    higher = bool(row["higher_is_better"])
    if rule.comparison == "worse_than_share_of_eu_median":
        limit = rule.threshold * median if higher else median / rule.threshold
        held = value < limit if higher else value > limit
        words = (
            f"{name} is {format_number(value, unit)}, {'below' if higher else 'above'} "
            f"{rule.threshold:.0%} {'of' if higher else 'beyond'} {w.median} "
            f"({format_number(median, unit)})"
        )
        benchmark = limit
    elif rule.comparison == "bottom_quartile":
        held = float(row["score"]) < 25
        words = (
            f"{name} ({format_number(value, unit)}) is among the weakest quarter of {w.regions} "
            f"(score {float(row['score']):.0f}/100; {w.median} {format_number(median, unit)})"
        )
        benchmark = float(row["eu_p25"] if higher else row["eu_p75"])
    elif rule.comparison == "below_eu_median":
        held = float(row["score"]) < 50
        words = (
            f"{name} ({format_number(value, unit)}) is {'below' if higher else 'above'} {w.median} "
            f"({format_number(median, unit)})"
        )
        benchmark = median
    elif rule.comparison == "worsening":
        start, end = period
        series = history[rule.indicator].dropna() if rule.indicator in history else pd.Series()
        before = series[series.index <= start]
        after = series[series.index <= end]
        if before.empty or after.empty or before.iloc[-1] == 0:
            return None
        first, last = float(before.iloc[-1]), float(after.iloc[-1])
        change = (last - first) / abs(first)
        held = change < -rule.threshold if higher else change > rule.threshold
        words = (
            f"{name} went from {format_number(first, unit)} in {int(before.index[-1])} to "
            f"{format_number(last, unit)} in {int(after.index[-1])} ({change:+.0%})"
        )
        value, benchmark = last, first
    else:  # pragma: no cover - load_challenges rejects other comparisons
        return None
    score = float(row["score"])
    severity = rule.severity
    if cal is not None and rule.comparison != "worsening":
        # Calibrated: the gap below the median in the score decides, whatever the comparison.
        severity = calibrated_severity(score, cal)
        bottom = score < cal["bottom_decile"]
        if severity == 0 or not (held or bottom):
            return None
        words += f"; score {score:.0f}/100, {50 - score:.0f} points below the median"
    elif not held:
        return None
    return Evidence(
        rule.comparison,
        rule.indicator,
        name,
        value,
        benchmark,
        unit,
        severity,
        words,
        score,
        (rule.indicator,),
    )


def _is_one(value) -> bool:
    return not pd.isna(value) and int(value) == 1


# --- strengths ------------------------------------------------------------------------------


@dataclass
class Strength:
    kind: str  # star_cluster, specialisation, growing, emerging, dimension
    label: str
    sentence: str
    figures: dict


def find_strengths(
    clusters: pd.DataFrame,
    dimensions: pd.DataFrame,
    region_id: str,
    params: AssessmentParameters,
    sector_names: dict[str, str],
    dimension_labels: dict[str, str],
    *,
    currency: str = "EUR",
    benchmark: str = "Europe",
) -> list[Strength]:
    """Star clusters, leading specialisations, growing sectors, emerging industries with a
    specialisation, and scoreboard dimensions above the benchmark, each with its figures.
    ``benchmark`` names the area LQs are computed against, ``currency`` the unit of wages."""
    s = {**STRENGTH_DEFAULTS, **params.strengths}
    top_n = int(s["top_n"])
    traded = base_rows(clusters)
    emerging = clusters[clusters["sector_type"] == "emerging"]
    out: list[Strength] = []
    # A union's size star counts only where a member earns it alone (``credited_stars``).
    star_column = "credited_stars" if "credited_stars" in clusters.columns else "stars"

    def figures(row) -> dict:
        return {
            "sector": row.sector,
            "stars": int(getattr(row, star_column)),
            "employment": float(row.employment),
            "lq": float(row.lq),
            "wage_per_employee": float(row.wage_per_employee),
            "growth": float(row.growth),
        }

    def describe(row) -> str:
        parts = [f"{row.employment:,.0f} employees", f"LQ {row.lq:.2f}"]
        if not np.isnan(row.wage_per_employee):
            parts.append(f"{currency} {row.wage_per_employee:,.0f} per employee")
        if not np.isnan(row.growth):
            parts.append(f"{row.growth:+.1%} a year")
        return ", ".join(parts)

    def star_sentence(row, name):
        which = [
            label
            for label, col in (
                ("size", "size_star"),
                ("specialisation", "specialisation_star"),
                ("productivity", "productivity_star"),
                ("dynamism", "dynamism_star"),
            )
            if _is_one(getattr(row, col))
            and not (col == "size_star" and not getattr(row, "size_credited", True))
        ]
        stars = int(getattr(row, "credited_stars", row.stars))
        rests = f"rests on the {', '.join(which)} star{'s' if len(which) > 1 else ''}"
        return f"{name}: {stars} stars — {rests}; {describe(row)}"

    # (kind, the clusters that qualify, the column they are ranked by, the sentence)
    kinds = [
        (
            "star_cluster",
            traded[
                (traded[star_column] >= s["star_cluster_min_stars"])
                & (traded["lq"] >= s["strength_min_lq"])
            ],
            [star_column, "lq"],
            star_sentence,
        ),
        (
            "specialisation",
            traded[traded["lq"] >= s["leading_specialisation_lq"]],
            ["lq"],
            lambda row, name: (
                f"{name} is {row.lq:.1f} times as concentrated in the region as in "
                f"{benchmark}; {describe(row)}"
            ),
        ),
        (
            "growing",
            traded[
                (traded["growth"] >= s["growing_min_growth"])
                & (traded["employment"] >= s["growing_min_employment"])
            ],
            ["growth"],
            lambda row, name: (
                f"{name} grew by {row.growth:+.1%} a year from "
                f"{int(row.growth_start)} to {int(row.growth_end)}; {describe(row)}"
            ),
        ),
        (
            "emerging",
            emerging[emerging["lq"] >= s["emerging_specialisation_lq"]],
            ["lq"],
            lambda row, name: (
                f"Emerging industry {name} is specialised (LQ {row.lq:.2f}); {describe(row)}"
            ),
        ),
    ]
    for kind, qualifying, order, sentence in kinds:
        for row in qualifying.sort_values(order, ascending=False).head(top_n).itertuples():
            name = sector_names.get(row.sector, row.sector)
            out.append(Strength(kind, name, sentence(row, name), figures(row)))
    own_dims = dimensions[
        (dimensions["region"] == region_id) & (dimensions["score"] >= s["dimension_min_score"])
    ]
    for row in own_dims.sort_values("score", ascending=False).itertuples():
        label = dimension_labels.get(row.dimension, row.dimension)
        out.append(
            Strength(
                "dimension",
                label,
                f"{label}: scoreboard score {row.score:.0f}/100 (EU median = 50, "
                f"{int(row.indicators)} indicators)",
                {"dimension": row.dimension, "score": float(row.score)},
            )
        )
    return out


# --- recommendations and findings ---------------------------------------------------------------


@dataclass
class Advice:
    recommendation: Recommendation
    step_name: str
    priority: int
    addresses: list[str]  # names of the region's challenges it answers
    reason: str = ""  # why it was chosen, in words
    components: dict = field(default_factory=dict)  # severity, agreement, breadth
    challenge_ids: list[str] = field(default_factory=list)

    @property
    def priority_explained(self) -> str:
        c = self.components
        if not c:
            return f"priority {self.priority}"
        return (
            f"priority {self.priority} = severity {c['severity']} + agreement "
            f"{c['agreement']} + breadth {c['breadth']}"
        )


@dataclass(frozen=True)
class RegionChallenge:
    """A challenge the report lists: detected, named by the consultants, or both."""

    id: str
    name: str
    severity: int  # detected severity; consultants only: ``consultant_only_severity``
    source: str  # "both", "indicators only", "consultants only"


def region_challenges(
    challenges: list[Challenge], params: AssessmentParameters, region_id: str | None = None
) -> list[RegionChallenge]:
    """Every challenge of the region's report: the detected ones and those only the
    consultants name (``consultant_findings.yaml``), most severe first."""
    w = {**PRIORITY_DEFAULTS, **params.priority}
    named = set(params.findings.get(region_id, {}).get("challenges", [])) if region_id else set()
    out = [
        RegionChallenge(c.id, c.name, c.severity, "both" if c.id in named else "indicators only")
        for c in challenges
    ]
    detected = {c.id for c in challenges}
    out += [
        RegionChallenge(cid, d.name, int(w["consultant_only_severity"]), "consultants only")
        for cid, d in params.challenges.items()
        if cid in named and cid not in detected
    ]
    return sorted(out, key=lambda c: (-c.severity, c.source != "both", c.id))


def recommend(
    challenges: list[Challenge], params: AssessmentParameters, region_id: str | None = None
) -> list[Advice]:
    """Catalogue entries that answer every challenge of the region (detected or named by the
    consultants), each with its priority score and the reason it was chosen.

    Priority = severity + agreement + breadth: *severity* is the highest severity among the
    region's challenges the entry serves (a consultants-only challenge counts as
    ``consultant_only_severity``); *agreement* is ``agreement_bonus`` when consultants and
    indicators agree on one of them; *breadth* is ``per_further_challenge`` for each further
    challenge served. For each challenge the ``per_challenge`` best entries are chosen, so
    every challenge is answered; general entries (diagnosis, monitoring: ``general: true``)
    are listed only when the region has no challenge at all, so the section is never empty.
    Ties go to the earlier step of the transition process.
    """
    w = {**PRIORITY_DEFAULTS, **params.priority}
    cases = {c.id: c for c in region_challenges(challenges, params, region_id)}
    scored = []
    for rec in params.recommendations:
        served = [cid for cid in rec.challenges if cid in cases]
        if not served or rec.general:
            continue
        components = {
            "severity": max(cases[c].severity for c in served),
            "agreement": int(w["agreement_bonus"])
            if any(cases[c].source == "both" for c in served)
            else 0,
            "breadth": int(w["per_further_challenge"]) * (len(served) - 1),
        }
        scored.append((rec, served, components, sum(components.values())))
    scored.sort(key=lambda t: (-t[3], t[0].step, t[0].id))
    chosen: dict[str, list[str]] = {}  # recommendation id -> challenges it was chosen for
    for cid in cases:
        picks = [t for t in scored if cid in t[1]][: int(w["per_challenge"])]
        for t in picks:
            chosen.setdefault(t[0].id, []).append(cid)
    advice = []
    for rec, served, components, priority in scored:
        if rec.id not in chosen:
            continue
        reasons = [f"{cases[c].name} ({_source_words(cases[c])})" for c in chosen[rec.id]]
        others = [cases[c].name for c in served if c not in chosen[rec.id]]
        reason = "chosen for " + "; ".join(reasons)
        if others:
            reason += "; also serves " + "; ".join(others)
        advice.append(
            Advice(
                rec,
                params.steps.get(rec.step, str(rec.step)),
                priority,
                [cases[c].name for c in served],
                reason,
                components,
                list(served),
            )
        )
    if not advice:
        for rec in (r for r in params.recommendations if r.general):
            advice.append(
                Advice(
                    rec,
                    params.steps.get(rec.step, str(rec.step)),
                    0,
                    [],
                    "no challenge was detected or named for the region: keep the diagnosis "
                    "current and watch for change",
                    {"severity": 0, "agreement": 0, "breadth": 0},
                    [],
                )
            )
    return advice


def _source_words(c: RegionChallenge) -> str:
    severity = SEVERITY_LABELS.get(c.severity, str(c.severity))
    if c.source == "both":
        return f"{severity}, indicators and consultants agree"
    if c.source == "consultants only":
        return "named by the consultants, not confirmed by the indicators"
    return f"{severity}, from the indicators"


def compare_findings(
    region_id: str, challenges: list[Challenge], params: AssessmentParameters
) -> pd.DataFrame:
    """Consultants' findings beside the indicator-based detection, challenge by challenge.

    ``agreement``: "both", "consultants only" or "indicators only".
    """
    detected = {c.id: c for c in challenges}
    consultant = set(params.findings.get(region_id, {}).get("challenges", []))
    rows = []
    for cid, definition in params.challenges.items():
        in_c, in_d = cid in consultant, cid in detected
        if not (in_c or in_d):
            continue
        rows.append(
            {
                "challenge": cid,
                "name": definition.name,
                "consultant": in_c,
                "detected": in_d,
                "severity": detected[cid].severity_label if in_d else "",
                "agreement": "both"
                if in_c and in_d
                else "consultants only"
                if in_c
                else "indicators only",
            }
        )
    return pd.DataFrame(
        rows, columns=["challenge", "name", "consultant", "detected", "severity", "agreement"]
    )


def joint_matrix(
    detected: dict[str, list[Challenge]], params: AssessmentParameters, region_ids: list[str]
) -> pd.DataFrame:
    """Challenge x region matrix (long form): challenge, region, consultant, detected."""
    rows = []
    for cid in params.challenges:
        for rid in region_ids:
            rows.append(
                {
                    "challenge": cid,
                    "region": rid,
                    "consultant": cid in params.findings.get(rid, {}).get("challenges", []),
                    "detected": any(c.id == cid for c in detected.get(rid, [])),
                }
            )
    return pd.DataFrame(rows, columns=["challenge", "region", "consultant", "detected"])


def evidence_table(challenges: list[Challenge]) -> pd.DataFrame:
    """Every piece of evidence of every detected challenge, one row each."""
    rows = [
        {"challenge": c.name, "severity": c.severity_label, **asdict(e)}
        for c in challenges
        for e in c.evidence
    ]
    return pd.DataFrame(rows)


def strengths_table(strengths: list[Strength]) -> pd.DataFrame:
    """Every strength, one row each: kind, label, the sentence and its figures as columns
    (sector, stars, employment in persons, lq, wage_per_employee in EUR, growth as CAGR;
    dimension and score for scoreboard dimensions)."""
    rows = [
        {"kind": s.kind, "label": s.label, "sentence": s.sentence, **s.figures} for s in strengths
    ]
    return pd.DataFrame(rows)


def recommendations_table(advice: list[Advice]) -> pd.DataFrame:
    """The prioritised recommendations, one row each, with the challenges they answer."""
    rows = [
        {
            "priority": a.priority,
            "id": a.recommendation.id,
            "title": a.recommendation.title,
            "step": a.recommendation.step,
            "step_name": a.step_name,
            "addresses": "; ".join(a.addresses),
            "source": a.recommendation.source,
        }
        for a in advice
    ]
    return pd.DataFrame(
        rows, columns=["priority", "id", "title", "step", "step_name", "addresses", "source"]
    )
