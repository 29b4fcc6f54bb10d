"""Parameters as data: star thresholds, indicator catalogue, regions of analysis (YAML).

Each loader validates what it reads and names the file and key of anything wrong, so a
consultant who edits ``parameters/`` gets told exactly what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from toolkit import paths
from toolkit.errors import BadInputError, Problem

DIRECTIONS = ("higher_is_better", "lower_is_better")
WEIGHTS = (None, "population", "total_employment", "gdp")


def read_yaml(path: str | Path) -> Any:
    """Parse one YAML file; a missing file or a syntax error names the file (and the line)."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(Problem(str(path), "file not found"))
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise BadInputError(Problem(str(path), f"not valid YAML: {exc}", row=row)) from exc
    except UnicodeDecodeError as exc:
        raise BadInputError(Problem(str(path), "not UTF-8 text")) from exc


def _parameter_file(name: str, path: str | Path | None) -> Path:
    return Path(path) if path is not None else paths.parameters_dir() / name


# --- cluster stars --------------------------------------------------------------------------


# The floor of parameters/stars.yaml when it names none: the European Cluster Observatory
# likewise left clusters of fewer than 1,000 employees out of its star ratings.
DEFAULT_MIN_EMPLOYMENT = 1000


@dataclass(frozen=True)
class StarParameters:
    """Thresholds of the four cluster stars; see ``parameters/stars.yaml`` for their meaning."""

    year: int | None = None
    period_start: int | None = None
    period_end: int | None = None
    span_years: int = 5
    size_top_share: float = 0.10
    specialisation_min_lq: float = 2.0
    productivity_top_share: float = 0.10
    dynamism_top_share: float = 0.10
    min_employment: float = 0.0
    reference_regions: tuple[str, ...] | None = None  # None: all regions of the panel
    source: str = "defaults"

    def describe(self) -> dict[str, Any]:
        """The thresholds in force, as a flat record for reports and the help tab."""
        return {
            "size": f"employment in the top {self.size_top_share:.0%} of regions",
            "specialisation": f"location quotient >= {self.specialisation_min_lq:g}",
            "productivity": f"wage per employee in the top {self.productivity_top_share:.0%}",
            "dynamism": f"employment growth (CAGR) in the top {self.dynamism_top_share:.0%}",
            "reference set": "all regions in the data"
            if self.reference_regions is None
            else f"{len(self.reference_regions)} regions",
            "floor": f"no star below {self.min_employment:,.0f} persons employed"
            if self.min_employment
            else "no employment floor",
        }


def _number(raw: dict, key: str, file: str, problems: list, *, lo: float, hi: float, default):
    value = raw.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        problems.append(
            Problem(file, f"'{key}' must be a number from {lo:g} to {hi:g}, got {value!r}")
        )
        return default
    return value


def _year(value: Any, key: str, file: str, problems: list) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
        problems.append(Problem(file, f"'{key}' must be a year (1900-2100) or null, got {value!r}"))
        return None
    return value


def load_star_parameters(path: str | Path | None = None, **overrides: Any) -> StarParameters:
    """Read ``stars.yaml`` (or the given file) and apply keyword overrides (e.g. ``year=2018``)."""
    file = _parameter_file("stars.yaml", path)
    raw = read_yaml(file) or {}
    name = str(file)
    if not isinstance(raw, dict):
        raise BadInputError(Problem(name, "expected a mapping of star parameters"))
    problems: list[Problem] = []
    known = {
        "year",
        "period",
        "size_top_share",
        "specialisation_min_lq",
        "productivity_top_share",
        "dynamism_top_share",
        "min_employment",
        "reference_regions",
    }
    for key in raw:
        if key not in known:
            problems.append(
                Problem(name, f"unknown key '{key}' (known: {', '.join(sorted(known))})")
            )
    period = raw.get("period") or {}
    if not isinstance(period, dict):
        problems.append(Problem(name, "'period' must be a mapping with start, end, span_years"))
        period = {}
    ref = raw.get("reference_regions", "all")
    if ref in (None, "all"):
        reference = None
    elif isinstance(ref, list) and ref and all(isinstance(code, str) for code in ref):
        reference = tuple(ref)
    else:
        problems.append(
            Problem(name, "'reference_regions' must be 'all' or a list of region codes")
        )
        reference = None
    params = StarParameters(
        year=_year(raw.get("year"), "year", name, problems),
        period_start=_year(period.get("start"), "period.start", name, problems),
        period_end=_year(period.get("end"), "period.end", name, problems),
        span_years=int(_number(period, "span_years", name, problems, lo=1, hi=50, default=5)),
        size_top_share=_number(raw, "size_top_share", name, problems, lo=0, hi=1, default=0.10),
        specialisation_min_lq=_number(
            raw, "specialisation_min_lq", name, problems, lo=0, hi=1000, default=2.0
        ),
        productivity_top_share=_number(
            raw, "productivity_top_share", name, problems, lo=0, hi=1, default=0.10
        ),
        dynamism_top_share=_number(
            raw, "dynamism_top_share", name, problems, lo=0, hi=1, default=0.10
        ),
        min_employment=_number(
            raw, "min_employment", name, problems, lo=0, hi=1e12, default=DEFAULT_MIN_EMPLOYMENT
        ),
        reference_regions=reference,
        source=name,
    )
    if problems:
        raise BadInputError(problems)
    clean = {k: v for k, v in overrides.items() if v is not None}
    return _replace(params, **clean) if clean else params


def _replace(params: StarParameters, **changes: Any) -> StarParameters:
    from dataclasses import replace

    return replace(params, **changes)


# --- indicator catalogue --------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """A regional context indicator: its column, label, unit, reading and dimension."""

    code: str
    name: str
    unit: str
    direction: str
    dimension: str | None
    typical: tuple[float, float]
    definition: str
    weight: str | None = None  # denominator for unions: population, total_employment or gdp
    demo: bool = True  # generated in the synthetic demo data (false: real-data indicators)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"


@dataclass(frozen=True)
class IndicatorCatalogue:
    dimensions: dict[str, str]
    indicators: dict[str, Indicator] = field(default_factory=dict)

    def scoreboard(self) -> list[Indicator]:
        """Indicators that belong to a scoreboard dimension (the profile-only ones excluded)."""
        return [ind for ind in self.indicators.values() if ind.dimension is not None]


def load_indicators(path: str | Path | None = None) -> IndicatorCatalogue:
    """Read ``indicators.yaml``; every indicator needs name, unit, direction, dimension, typical."""
    file = _parameter_file("indicators.yaml", path)
    name = str(file)
    raw = read_yaml(file)
    if not isinstance(raw, dict) or not isinstance(raw.get("indicators"), dict):
        raise BadInputError(Problem(name, "expected keys 'dimensions' and 'indicators'"))
    dimensions = raw.get("dimensions") or {}
    problems: list[Problem] = []
    indicators: dict[str, Indicator] = {}
    for code, spec in raw["indicators"].items():
        where = f"indicators.{code}"
        if not isinstance(spec, dict):
            problems.append(Problem(name, f"'{where}' must be a mapping"))
            continue
        missing = [k for k in ("name", "unit", "direction", "typical") if k not in spec]
        if missing:
            problems.append(Problem(name, f"'{where}' lacks {', '.join(missing)}"))
            continue
        if spec["direction"] not in DIRECTIONS:
            problems.append(
                Problem(
                    name,
                    f"'{where}.direction' must be one of {DIRECTIONS}, got {spec['direction']!r}",
                )
            )
        if spec.get("weight") not in WEIGHTS:
            problems.append(Problem(name, f"'{where}.weight' must be one of {WEIGHTS}"))
        dim = spec.get("dimension")
        if dim is not None and dim not in dimensions:
            problems.append(
                Problem(name, f"'{where}.dimension' {dim!r} is not a declared dimension")
            )
        typical = spec["typical"]
        if not (isinstance(typical, list) and len(typical) == 2 and typical[0] < typical[1]):
            problems.append(Problem(name, f"'{where}.typical' must be [low, high] with low < high"))
            continue
        indicators[code] = Indicator(
            code=code,
            name=spec["name"],
            unit=str(spec["unit"]),
            direction=spec["direction"],
            dimension=dim,
            typical=(float(typical[0]), float(typical[1])),
            definition=spec.get("definition", ""),
            weight=spec.get("weight"),
            demo=bool(spec.get("demo", True)),
        )
    if problems:
        raise BadInputError(problems)
    return IndicatorCatalogue(dimensions=dict(dimensions), indicators=indicators)


# --- regions of analysis --------------------------------------------------------------------


@dataclass(frozen=True)
class RegionOfAnalysis:
    """A named region made of one or more region codes (for example Wallonia = BE31..BE35)."""

    id: str
    name: str
    members: tuple[str, ...]


def load_regions_of_analysis(path: str | Path | None = None) -> list[RegionOfAnalysis]:
    """Read a YAML file of named unions of region codes (default: the 10 pilot regions)."""
    file = _parameter_file("pilot_regions.yaml", path)
    name = str(file)
    raw = read_yaml(file)
    entries = raw.get("regions") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise BadInputError(Problem(name, "expected a non-empty list under 'regions'"))
    problems: list[Problem] = []
    result: list[RegionOfAnalysis] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"regions[{index}]"
        if not isinstance(entry, dict):
            problems.append(Problem(name, f"'{where}' must be a mapping with id, name, members"))
            continue
        rid, label, members = entry.get("id"), entry.get("name"), entry.get("members")
        if not isinstance(rid, str) or not rid.strip():
            problems.append(Problem(name, f"'{where}.id' must be a non-empty text"))
            continue
        if rid in seen:
            problems.append(Problem(name, f"'{where}.id' {rid!r} is used twice"))
        seen.add(rid)
        if (
            not isinstance(members, list)
            or not members
            or not all(isinstance(m, str) for m in members)
        ):
            problems.append(
                Problem(name, f"'{where}.members' ({rid}) must be a list of region codes")
            )
            continue
        result.append(RegionOfAnalysis(id=rid, name=str(label or rid), members=tuple(members)))
    if problems:
        raise BadInputError(problems)
    return result


def load_pilot_regions() -> list[RegionOfAnalysis]:
    """The 10 pilot regions of ``parameters/pilot_regions.yaml``."""
    return load_regions_of_analysis()
