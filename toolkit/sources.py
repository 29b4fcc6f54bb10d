"""Where the data of a run come from, as one value: ``DataSources``.

Every command that reads data (``metrics``, ``report``, ``batch``, ``app``, ``stars``) takes
the same options, declared once in ``add_data_options``; the CLI turns them into a
``DataSources``, which is validated once, handed to the batch, written into the report
notebook's parameters (``sources``, a plain dict) and into the app kernels' environment
(``EOCIC_APP_SOURCES``, JSON), and read back with ``from_parameters``. A new data option is
added here and nowhere else.

This module imports nothing heavy: ``toolkit --help`` builds its parser from it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from toolkit.errors import BadInputError, Problem

APP_ENV = "EOCIC_APP_SOURCES"  # JSON of DataSources for the app kernels
APP_PREPARED = "EOCIC_APP_PREPARED"  # pickle of the prepared data ``toolkit app`` wrote

# field -> (option, help). Files are checked to exist; the others are checked by their loader.
OPTIONS: dict[str, tuple[str, str]] = {
    "panel": ("--panel", "cluster panel file (CSV, Excel, Parquet; default: the synthetic demo)"),
    "context": ("--context", "region context file (region, year, indicators)"),
    "sectors": (
        "--sectors",
        "sector file (code, name[, type, base]); default: the cluster categories or the NACE "
        "Rev. 2 table, whichever holds the panel's codes",
    ),
    "region_table": (
        "--region-table",
        "regions file (code, name[, level, parent, country]) for codes that are not NUTS 2016 "
        "(default data/reference/nuts2016_regions.csv)",
    ),
    "regions_of_analysis": (
        "--regions-of-analysis",
        "YAML of named unions of region codes (default parameters/pilot_regions.yaml)",
    ),
    "stars": ("--stars", "star parameter file (default parameters/stars.yaml)"),
    "year": ("--year", "analysis year (default: the latest year that covers most regions)"),
    "benchmark": (
        "--benchmark",
        "benchmark area for LQ and shares: a region code of the panel (e.g. EU27_2020, a "
        "country) whose rows are the benchmark totals, or a CSV sector,employment[,enterprises,"
        "wages]; default: the sum of the regions in the data",
    ),
    "method": (
        "--method",
        "cluster-strength method: eocic (default: the four EOCIC stars), eco (European Cluster "
        "Observatory's three stars), us-cmp (US Cluster Mapping Project's strength levels), or "
        "a YAML file",
    ),
    "nuts_level": (
        "--nuts-level",
        "NUTS level of the regions to analyse when the file mixes levels (default: 2, else the "
        "level most rows have)",
    ),
    "currency": ("--currency", "currency of wages (default: the panel's, else EUR)"),
}
FILE_FIELDS = ("panel", "context", "sectors", "region_table", "regions_of_analysis", "stars")


@dataclass(frozen=True)
class DataSources:
    """The data and parameter files of a run, and the options that decide how they are read.

    Paths are absolute strings (so kernels find them whatever their working folder) or None
    for the default; ``benchmark`` is a region code or a file; ``method`` a preset name or a
    YAML file.
    """

    panel: str | None = None
    context: str | None = None
    sectors: str | None = None
    region_table: str | None = None
    regions_of_analysis: str | None = None
    stars: str | None = None
    year: int | None = None
    benchmark: str | None = None
    method: str | None = None
    nuts_level: int | None = None
    currency: str | None = None

    def __post_init__(self):
        problems = []
        for name in FILE_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            path = Path(value).expanduser()
            if not path.is_file():
                problems.append(Problem(str(value), "file not found", column=OPTIONS[name][0]))
            else:
                object.__setattr__(self, name, str(path.resolve()))
        if self.benchmark is not None:
            path = Path(self.benchmark).expanduser()
            if path.suffix.lower() in (".csv", ".xlsx", ".parquet", ".tsv") or path.is_file():
                if not path.is_file():
                    problems.append(
                        Problem(self.benchmark, "benchmark file not found", column="--benchmark")
                    )
                else:
                    object.__setattr__(self, "benchmark", str(path.resolve()))
        if self.method is not None and self.method.lower().endswith((".yaml", ".yml")):
            path = Path(self.method).expanduser()
            if not path.is_file():
                problems.append(Problem(self.method, "method file not found", column="--method"))
            else:
                object.__setattr__(self, "method", str(path.resolve()))
        if self.year is not None and not (
            isinstance(self.year, int)
            and not isinstance(self.year, bool)
            and 1950 <= self.year <= 2100
        ):
            problems.append(Problem("--year", f"expected a year 1950-2100, got {self.year!r}"))
        if self.nuts_level is not None and self.nuts_level not in (0, 1, 2, 3):
            problems.append(
                Problem("--nuts-level", f"expected 0, 1, 2 or 3, got {self.nuts_level!r}")
            )
        if problems:
            raise BadInputError(problems)

    @property
    def benchmark_is_file(self) -> bool:
        return self.benchmark is not None and Path(self.benchmark).is_file()

    def to_parameters(self) -> dict[str, Any]:
        """A plain dict (only the options that are set) for papermill and JSON."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_parameters(cls, values: dict[str, Any] | DataSources | None) -> DataSources:
        if isinstance(values, DataSources):
            return values
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise BadInputError(
                Problem(
                    "sources",
                    f"unknown data option(s) {', '.join(unknown)} "
                    f"(known: {', '.join(sorted(known))})",
                )
            )
        return cls(**values)

    @classmethod
    def from_args(cls, args) -> DataSources:
        """From an argparse namespace that ``add_data_options`` filled."""
        return cls(**{name: getattr(args, name, None) for name in OPTIONS})

    def to_env(self, env: dict[str, str]) -> dict[str, str]:
        return {**env, APP_ENV: json.dumps(self.to_parameters())}

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> DataSources:
        raw = (os.environ if env is None else env).get(APP_ENV)
        return cls.from_parameters(json.loads(raw) if raw else {})

    def with_(self, **changes: Any) -> DataSources:
        return replace(self, **changes)


def add_data_options(parser, *, required: tuple[str, ...] = ()) -> None:
    """Add the data options to an argparse (sub)parser, in one group."""
    group = parser.add_argument_group("data sources")
    for name, (option, text) in OPTIONS.items():
        kwargs: dict[str, Any] = {"dest": name, "help": text, "default": None}
        if name in required:
            kwargs["required"] = True
        if name in ("year", "nuts_level"):
            kwargs["type"] = int
        group.add_argument(option, **kwargs)
