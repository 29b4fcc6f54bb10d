"""Method presets: which rule turns the metrics table into cluster-strength flags.

A method is a YAML file under ``parameters/methods/`` (name, title, rule in plain words, kind
and thresholds) applied to the table of ``toolkit.metrics.cluster_metrics``. Every test is made
within a sector, so emerging industries are compared only with themselves. Three schemes:

* ``eocic`` (the default): the toolkit's four stars as ``cluster_metrics`` computes them from
  ``parameters/stars.yaml`` (size, specialisation, productivity, dynamism). The star columns
  are left exactly as they are: Int8 with 1 = star, 0 = no star and <NA> = not assessed
  (productivity without wage data), so the difference between "no" and "not assessed" is not
  lost; ``column.fillna(0).astype(bool)`` gives the plain yes/no reading.
* ``eco``: the European Cluster Observatory's three stars. Size: employment >= the k-th
  largest of the sector's reference regions, k = ceil(0.10 n) over the regions with a value
  (ties at the threshold all earn it); specialisation: LQ >= 2; focus: the sector's share of
  the region's employment in the top 10 % in the same sense.
* ``us-cmp``: the US Cluster Mapping Project's cluster strength. Per sector, over the
  reference regions with employment > 0, percentiles with linear interpolation: Q25 of
  employment and of establishments (``enterprises``), Q25/Q50/Q75/Q90 of LQ. qualifying =
  LQ > Q25(LQ), employment > Q25(emp), establishments > Q25(est); significant = LQ > Q50(LQ)
  and the two size tests; strong = LQ >= Q75(LQ) and LQ >= 1 and the size tests; strong10 =
  the same with Q90. ``stars`` is the highest level met (0 none, 1 qualifying, 2 significant,
  3 strong, 4 strong10). strong10 implies strong and significant implies qualifying, but
  strong need not imply significant when LQ values tie (LQ = Q75 = Q50).

The reference set is the ``in_reference`` column when the table has one (thresholds come
from the reference rows; every row is then tested against them), otherwise all rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit import paths
from toolkit.errors import BadInputError, Problem
from toolkit.metrics import STAR_COLUMNS, _top_share_flag
from toolkit.parameters import read_yaml

DEFAULT_METHOD = "eocic"
KINDS = ("stars", "levels")
LEVELS = ("qualifying", "significant", "strong", "strong10")  # stars = 1 + index of the level

# Threshold keys of each scheme: default, lowest and highest allowed value.
_THRESHOLDS: dict[str, dict[str, tuple[float, float, float]]] = {
    "eocic": {},
    "eco": {
        "size_top_share": (0.10, 0.0, 1.0),
        "specialisation_min_lq": (2.0, 0.0, 1000.0),
        "focus_top_share": (0.10, 0.0, 1.0),
    },
    "us-cmp": {
        "employment_quantile": (0.25, 0.0, 1.0),
        "establishments_quantile": (0.25, 0.0, 1.0),
        "qualifying_lq_quantile": (0.25, 0.0, 1.0),
        "significant_lq_quantile": (0.50, 0.0, 1.0),
        "strong_lq_quantile": (0.75, 0.0, 1.0),
        "strong10_lq_quantile": (0.90, 0.0, 1.0),
        "strong_min_lq": (1.0, 0.0, 1000.0),
    },
}
_KIND_OF = {"eocic": "stars", "eco": "stars", "us-cmp": "levels"}
_CRITERIA = {
    "eocic": STAR_COLUMNS,
    "eco": ("size_star", "specialisation_star", "focus_star"),
    "us-cmp": LEVELS,
}
_KEYS = {"name", "title", "rule", "kind", "scheme", "thresholds"}


@dataclass(frozen=True)
class Method:
    """A method preset as read from ``parameters/methods/<name>.yaml``.

    ``scheme`` is the computation the thresholds feed (eocic, eco or us-cmp); it defaults to
    ``name``, so a copied file with another name must say which scheme it tunes.
    """

    name: str
    title: str
    rule: str
    kind: str
    scheme: str
    thresholds: Mapping[str, float] = field(default_factory=dict, hash=False)
    source: str = "defaults"

    @property
    def criteria(self) -> tuple[str, ...]:
        """The boolean (for eocic: Int8) columns the method adds, in order."""
        return _CRITERIA[self.scheme]


def methods_dir() -> Path:
    return paths.parameters_dir() / "methods"


def known_methods() -> list[str]:
    """Names of the method presets in ``parameters/methods/`` (the file names, sorted)."""
    folder = methods_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if p.is_file())


def _method_file(name_or_path: str) -> tuple[Path, str | None]:
    """The file to read, and the name it was asked by (None when given as a path)."""
    text = str(name_or_path).strip()
    if text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        return Path(text), None
    name = text.lower()
    if name not in known_methods():
        known = ", ".join(known_methods()) or "none"
        raise BadInputError(
            Problem(
                "method",
                f"unknown method {name_or_path!r}; known methods: {known} "
                f"(the files in {methods_dir()})",
            )
        )
    return methods_dir() / f"{name}.yaml", name


def _text(raw: dict, key: str, file: str, problems: list[Problem]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(file, f"'{key}' must be a non-empty text, got {value!r}"))
        return ""
    return " ".join(value.split())


def _thresholds(raw: Any, scheme: str, file: str, problems: list[Problem]) -> dict[str, float]:
    spec = _THRESHOLDS[scheme]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(Problem(file, "'thresholds' must be a mapping of threshold: value"))
        raw = {}
    for key in raw:
        if key not in spec:
            known = ", ".join(spec) if spec else f"none for {scheme}"
            problems.append(Problem(file, f"unknown key 'thresholds.{key}' (known: {known})"))
    values: dict[str, float] = {}
    for key, (default, lo, hi) in spec.items():
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            problems.append(
                Problem(
                    file,
                    f"'thresholds.{key}' must be a number from {lo:g} to {hi:g}, got {value!r}",
                )
            )
            value = default
        values[key] = float(value)
    if scheme == "us-cmp":
        order = ["qualifying", "significant", "strong", "strong10"]
        quantiles = [values[f"{level}_lq_quantile"] for level in order]
        if quantiles != sorted(quantiles):
            problems.append(
                Problem(
                    file,
                    "'thresholds' LQ percentiles must not decrease from qualifying to strong10, "
                    f"got {', '.join(f'{q:g}' for q in quantiles)}",
                )
            )
    return values


def load_method(name_or_path: str | None = None) -> Method:
    """Read a method preset by name (``eocic``, ``eco``, ``us-cmp``) or from a YAML path.

    None gives the default, ``eocic``. An unknown name lists the known methods; a wrong key or
    value names the file and the key.
    """
    file, asked = _method_file(DEFAULT_METHOD if name_or_path is None else name_or_path)
    name = str(file)
    raw = read_yaml(file)
    if not isinstance(raw, dict):
        raise BadInputError(Problem(name, "expected a mapping with name, title, rule, kind"))
    problems: list[Problem] = []
    for key in raw:
        if key not in _KEYS:
            problems.append(
                Problem(name, f"unknown key '{key}' (known: {', '.join(sorted(_KEYS))})")
            )
    method_name = _text(raw, "name", name, problems)
    if asked is not None and method_name and method_name != asked:
        problems.append(Problem(name, f"'name' is {method_name!r} but the file is named {asked!r}"))
    title = _text(raw, "title", name, problems)
    rule = _text(raw, "rule", name, problems)
    scheme = raw.get("scheme", method_name)
    if scheme not in _THRESHOLDS:
        problems.append(
            Problem(
                name,
                f"'scheme' must be one of {', '.join(_THRESHOLDS)}, got {scheme!r}"
                + ("" if "scheme" in raw else " (taken from 'name'; add a 'scheme' key)"),
            )
        )
        raise BadInputError(problems)
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(Problem(name, f"'kind' must be one of {', '.join(KINDS)}, got {kind!r}"))
    elif kind != _KIND_OF[scheme]:
        problems.append(
            Problem(name, f"'kind' must be {_KIND_OF[scheme]!r} for the {scheme} scheme")
        )
    thresholds = _thresholds(raw.get("thresholds"), scheme, name, problems)
    if problems:
        raise BadInputError(problems)
    return Method(
        name=method_name,
        title=title,
        rule=rule,
        kind=kind,
        scheme=scheme,
        thresholds=dict(thresholds),
        source=name,
    )


# --- applying a method ----------------------------------------------------------------------


def _require(metrics: pd.DataFrame, columns: tuple[str, ...], method: Method) -> None:
    missing = [c for c in columns if c not in metrics.columns]
    if missing:
        raise BadInputError(
            Problem(
                "metrics",
                f"the {method.name} method needs the column(s) {', '.join(missing)} "
                "of the cluster metrics table",
            )
        )


def _reference(metrics: pd.DataFrame) -> np.ndarray:
    if "in_reference" in metrics.columns:
        return metrics["in_reference"].fillna(False).to_numpy(dtype=bool)
    return np.ones(len(metrics), dtype=bool)


def _float(metrics: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(metrics[column], errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )


def _eco_flags(metrics: pd.DataFrame, method: Method) -> dict[str, np.ndarray]:
    t = method.thresholds
    sectors, labels = pd.factorize(metrics["sector"], use_na_sentinel=False)
    reference = _reference(metrics)
    employment = _float(metrics, "employment")
    lq = _float(metrics, "lq")
    share = _float(metrics, "share")
    n = len(labels)
    size = _top_share_flag(employment, sectors, n, reference, t["size_top_share"])
    focus = _top_share_flag(share, sectors, n, reference, t["focus_top_share"])
    with np.errstate(invalid="ignore"):
        special = lq >= t["specialisation_min_lq"]
    # A region without employment in the sector has no cluster there, whatever the ranking.
    has_cluster = employment > 0
    return {
        "size_star": (size == 1.0) & has_cluster,
        "specialisation_star": special & has_cluster,
        "focus_star": (focus == 1.0) & has_cluster,
    }


def _sector_quantile(
    values: np.ndarray, sectors: np.ndarray, n_sectors: int, pool: np.ndarray, q: float
) -> np.ndarray:
    """The q-quantile (linear interpolation) of ``values`` over the ``pool`` rows of each
    sector, broadcast back to every row; NaN where the sector has no value in the pool."""
    pooled = pd.Series(values[pool]).groupby(sectors[pool]).quantile(q)
    return pooled.reindex(np.arange(n_sectors)).to_numpy(dtype="float64")[sectors]


def _us_cmp_flags(metrics: pd.DataFrame, method: Method) -> dict[str, np.ndarray]:
    t = method.thresholds
    if "enterprises" not in metrics.columns or metrics["enterprises"].isna().all():
        raise BadInputError(
            Problem(
                "metrics",
                "the us-cmp method needs establishments (enterprises): the metrics table has no "
                "enterprise counts; use a panel with an 'enterprises' column or another method",
            )
        )
    sectors, labels = pd.factorize(metrics["sector"], use_na_sentinel=False)
    employment = _float(metrics, "employment")
    establishments = _float(metrics, "enterprises")
    lq = _float(metrics, "lq")
    has_cluster = employment > 0
    pool = _reference(metrics) & has_cluster

    def quantile(values: np.ndarray, key: str) -> np.ndarray:
        return _sector_quantile(values, sectors, len(labels), pool, t[key])

    with np.errstate(invalid="ignore"):
        size = (
            has_cluster
            & (employment > quantile(employment, "employment_quantile"))
            & (establishments > quantile(establishments, "establishments_quantile"))
        )
        strong_floor = lq >= t["strong_min_lq"]
        return {
            "qualifying": size & (lq > quantile(lq, "qualifying_lq_quantile")),
            "significant": size & (lq > quantile(lq, "significant_lq_quantile")),
            "strong": size & strong_floor & (lq >= quantile(lq, "strong_lq_quantile")),
            "strong10": size & strong_floor & (lq >= quantile(lq, "strong10_lq_quantile")),
        }


def apply_method(
    metrics: pd.DataFrame, method: Method, *, min_employment: float | None = None
) -> pd.DataFrame:
    """A copy of the metrics table with the method's flags, its ``stars`` and
    ``attrs['method']`` = {name, title, rule, kind, criteria, thresholds, min_employment}.

    eco and us-cmp add one boolean column per criterion (eco overwrites ``size_star`` and
    ``specialisation_star`` with its own; EOCIC star columns a method does not use become
    <NA>, not assessed) and set
    ``stars`` to the number of stars met (eco) or the highest level met (us-cmp).
    ``min_employment`` (persons) sets every criterion to False below it, for eco and us-cmp
    only; it does not change the thresholds. For eocic the table is returned unchanged apart
    from the attrs: its floor is ``min_employment`` of ``parameters/stars.yaml``, applied by
    ``cluster_metrics``, and its star columns keep their Int8 0/1/<NA> values.
    """
    result = metrics.copy()
    if method.scheme == "eocic":
        _require(metrics, (*STAR_COLUMNS, "stars"), method)
    elif method.scheme == "eco":
        _require(metrics, ("sector", "employment", "share", "lq"), method)
        flags = _eco_flags(metrics, method)
    else:
        _require(metrics, ("sector", "employment", "lq"), method)
        flags = _us_cmp_flags(metrics, method)
    if method.scheme != "eocic":
        if min_employment is not None:
            with np.errstate(invalid="ignore"):
                above_floor = _float(metrics, "employment") >= min_employment
            flags = {name: flag & above_floor for name, flag in flags.items()}
        for name in method.criteria:
            result[name] = flags[name]
        # The EOCIC star columns this method does not use are "not assessed", so no report or
        # app reads a productivity or dynamism star into an eco or us-cmp result.
        for name in STAR_COLUMNS:
            if name not in method.criteria:
                result[name] = pd.array([pd.NA] * len(result), dtype="Int8")
        matrix = np.column_stack([flags[name] for name in method.criteria])
        if method.kind == "stars":
            stars = matrix.sum(axis=1)
        else:  # the highest level met: 1 + the index of the last true column, 0 for none
            level = np.arange(1, len(method.criteria) + 1)
            stars = (matrix * level).max(axis=1) if len(matrix) else np.zeros(0)
        result["stars"] = stars.astype("int8")
    result.attrs["method"] = {
        "name": method.name,
        "title": method.title,
        "rule": method.rule,
        "kind": method.kind,
        "criteria": list(method.criteria),
        "thresholds": dict(method.thresholds),
        "min_employment": None if method.scheme == "eocic" else min_employment,
    }
    return result


# --- describing a method --------------------------------------------------------------------


def _thresholds_in_words(method: Method) -> list[str]:
    t = method.thresholds
    if method.scheme == "eco":
        return [
            f"size: employment in the top {t['size_top_share']:.0%} of regions",
            f"specialisation: location quotient >= {t['specialisation_min_lq']:g}",
            f"focus: share of the region's employment in the top {t['focus_top_share']:.0%}",
        ]
    if method.scheme == "us-cmp":
        floor = f"and at least {t['strong_min_lq']:g}"
        return [
            f"size (every level): employment above its {_percentile(t['employment_quantile'])} "
            f"and establishments above their {_percentile(t['establishments_quantile'])}",
            f"qualifying: LQ above its {_percentile(t['qualifying_lq_quantile'])}",
            f"significant: LQ above its {_percentile(t['significant_lq_quantile'])}",
            f"strong: LQ at least its {_percentile(t['strong_lq_quantile'])} {floor}",
            f"strong10: LQ at least its {_percentile(t['strong10_lq_quantile'])} {floor}",
        ]
    return []


def _percentile(q: float) -> str:
    value = q * 100
    number = f"{value:g}"
    if math.isclose(value, 50):
        return "median"
    suffix = "th"
    if value == int(value) and int(value) % 100 not in (11, 12, 13):
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(int(value) % 10, "th")
    return f"{number}{suffix} percentile"


def describe_method(
    method: Method,
    *,
    star_thresholds: Mapping[str, str] | None = None,
    min_employment: float | None = None,
) -> str:
    """A Markdown paragraph for reports and the help tab: title, rule and thresholds in force.

    The eocic thresholds live in ``parameters/stars.yaml``; pass ``star_thresholds`` (the
    record of ``StarParameters.describe()``, also ``metrics.attrs['thresholds']``) to list
    them, otherwise the paragraph points to that file. ``min_employment`` is the floor given to
    ``apply_method`` (eco and us-cmp only).
    """
    text = f"**{method.title}** (method `{method.name}`). {method.rule}"
    if method.scheme == "eocic":
        if star_thresholds:
            listed = "; ".join(f"{key}: {value}" for key, value in star_thresholds.items())
            text += f" Thresholds in force: {listed}."
        else:
            text += " Thresholds in force: those of `parameters/stars.yaml`."
        return text
    text += " Thresholds in force: " + "; ".join(_thresholds_in_words(method)) + "."
    if min_employment:
        text += f" Clusters with fewer than {min_employment:g} persons employed meet no criterion."
    if method.kind == "levels":
        text += (
            " The level shown is the highest met: 0 none, 1 qualifying, 2 significant, "
            "3 strong, 4 strong10."
        )
    return text
