"""The benchmark area that location quotients and shares are computed against, and the rows of
a real file that are not regions (extra-regio codes, national and EU totals, other NUTS levels).

LQ[r,s] = (E[r,s] / E[r]) / (E[B,s] / E[B]) with B the benchmark area. By default B is the sum
of the regions in the data; a published mapping computes against a national or EU total that
includes areas missing from the file, so B can be given instead:

* a region code of the panel (``EU27_2020``, ``EU28``, a country code such as ``IT``): its rows
  are the benchmark's totals by sector and year, and are never ranked as a region;
* a CSV file ``sector,employment[,enterprises,wages][,year]`` of benchmark totals (without a
  ``year`` column the totals hold for every year).

``split_panel`` takes a validated panel apart into the regions to analyse (one NUTS level),
the benchmark rows and what was set aside, with a note for each part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import BadInputError, Problem

EXTRA_REGIO = re.compile(r"^[A-Z]{2}Z{1,3}$")  # ITZ, ITZZ, ITZZZ: every NUTS version
NUTS_LIKE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")
# Aggregates Eurostat writes in the geo dimension: EU27_2020, EU28, EA19, EU15 ...
AREA_AGGREGATE = re.compile(r"^(EU|EA|EEA|EFTA)\d*(_\d{4})?$")
BENCHMARK_COLUMNS = ("employment", "enterprises", "wages")


@dataclass(frozen=True)
class Benchmark:
    """Benchmark totals by sector (and year when given), and what the report calls the area."""

    name: str
    code: str | None = None
    totals: pd.DataFrame | None = None  # sector[, year], employment[, enterprises, wages]

    @property
    def is_data_sum(self) -> bool:
        return self.totals is None

    def employment_for(self, year: int) -> pd.Series:
        """sector -> benchmark employment in ``year`` (persons)."""
        totals = self.totals
        if "year" in totals.columns:
            totals = totals[totals["year"] == year]
            if totals.empty:
                years = sorted(self.totals["year"].unique().tolist())
                raise BadInputError(
                    Problem(
                        self.name,
                        f"the benchmark has no totals for {year} (it covers "
                        f"{', '.join(map(str, years))})",
                        column="year",
                    )
                )
        return totals.groupby("sector")["employment"].sum(min_count=1)


DATA_SUM = Benchmark("the sum of the regions in the data")


@dataclass
class SplitPanel:
    """A panel taken apart: the regions to analyse, the benchmark, and notes on the rest."""

    regions: pd.DataFrame
    benchmark: Benchmark
    level: int | None
    notes: list[str] = field(default_factory=list)


def code_levels(codes: pd.Series, regions: pd.DataFrame | None = None) -> pd.Series:
    """NUTS level of each code: from the regions table where it gives one, else from the
    length of a NUTS-like code (2 letters = 0, then one character a level); NA for codes that
    are neither (user codes, aggregates)."""
    codes = codes.astype(str)
    level = pd.Series(pd.NA, index=codes.index, dtype="Int64")
    nuts = codes.str.match(NUTS_LIKE.pattern) & ~codes.str.match(AREA_AGGREGATE.pattern)
    level[nuts] = (codes[nuts].str.len() - 2).astype("Int64")
    if regions is not None and regions["level"].notna().any():
        table = dict(zip(regions["code"], regions["level"], strict=True))
        known = codes.map(table)
        level = known.astype("Int64").where(known.notna(), level)
    return level


def read_benchmark_file(path: str | Path, sectors: set[str]) -> pd.DataFrame:
    """A CSV of benchmark totals, checked: a ``sector`` and an ``employment`` column, numbers
    >= 0, every sector of the panel present, one row per sector (and year)."""
    from toolkit.readers import read_table

    name = str(path)
    frame = read_table(path)
    problems = [
        Problem(
            name,
            "missing required column of the benchmark file "
            "(expected sector, employment[, enterprises, wages][, year])",
            column=c,
        )
        for c in ("sector", "employment")
        if c not in frame.columns
    ]
    if problems:
        raise BadInputError(problems)
    frame = frame.copy()
    frame["sector"] = frame["sector"].astype(str).str.strip()
    keep = ["sector"] + (["year"] if "year" in frame.columns else [])
    for column in [c for c in BENCHMARK_COLUMNS if c in frame.columns] + keep[1:]:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna() | (values < 0)
        for index in frame.index[bad.to_numpy()][:20]:
            problems.append(
                Problem(
                    name,
                    f"expected a number >= 0, got {frame.at[index, column]!r}",
                    row=int(index) + 2,
                    column=column,
                )
            )
        frame[column] = values
        keep.append(column) if column not in keep else None
    dupes = frame.duplicated(subset=keep[: 2 if "year" in frame.columns else 1], keep="first")
    for index in frame.index[dupes.to_numpy()][:20]:
        problems.append(
            Problem(
                name,
                f"duplicate row for sector {frame.at[index, 'sector']!r}",
                row=int(index) + 2,
                column="sector",
            )
        )
    missing = sorted(sectors - set(frame["sector"]))
    if missing:
        shown = ", ".join(missing[:8]) + (
            f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        )
        problems.append(
            Problem(
                name,
                f"no benchmark total for sector(s) {shown} of the panel: give every "
                "sector of the panel a row",
                column="sector",
            )
        )
    if problems:
        raise BadInputError(problems)
    return frame[keep].reset_index(drop=True)


def split_panel(
    panel: pd.DataFrame,
    *,
    benchmark: str | None = None,
    nuts_level: int | None = None,
    regions: pd.DataFrame | None = None,
    region_names: dict[str, str] | None = None,
) -> SplitPanel:
    """The regions to analyse, the benchmark area and notes on the rows set aside.

    Extra-regio codes (``ITZZ``) are set aside and counted; rows at other NUTS levels than
    ``nuts_level`` (default: 2 when the file has level-2 rows, else the level most rows have)
    too; EU and euro-area aggregates are set aside unless they are the benchmark. Codes whose
    level is unknown (user region codes) are kept as regions.
    """
    notes: list[str] = []
    codes = panel["region"].astype(str)
    extra = codes.str.match(EXTRA_REGIO.pattern)
    bench = Benchmark(DATA_SUM.name)
    take_out = extra.copy()
    if benchmark is not None and Path(benchmark).is_file():
        totals = read_benchmark_file(benchmark, set(panel["sector"].astype(str)))
        bench = Benchmark(f"the totals of {Path(benchmark).name}", None, totals)
    elif benchmark is not None:
        is_bench = codes == benchmark
        if not is_bench.any():
            candidates = sorted(
                set(codes[codes.str.match(AREA_AGGREGATE.pattern) | (codes.str.len() == 2)])
            )
            hint = (
                f"codes of the panel that could serve: {', '.join(candidates[:12])}"
                if candidates
                else "the panel has no EU or country rows: give a CSV of benchmark totals "
                "(sector, employment) instead"
            )
            raise BadInputError(
                Problem(
                    "--benchmark",
                    f"unknown benchmark code {benchmark!r}: no row of the "
                    f"panel has this region code; {hint}",
                )
            )
        rows = panel[is_bench]
        totals = rows.drop(columns=["region"]).reset_index(drop=True)
        name = (region_names or {}).get(benchmark, benchmark)
        bench = Benchmark(name if name == benchmark else f"{name} ({benchmark})", benchmark, totals)
        take_out |= is_bench
    if extra.any():
        found = sorted(set(codes[extra]))
        notes.append(
            f"left out {len(found)} extra-regio code{'s' if len(found) > 1 else ''} "
            f"({', '.join(found[:6])}{', ...' if len(found) > 6 else ''}): territory outside "
            "any region, never ranked"
        )
    aggregates = codes.str.match(AREA_AGGREGATE.pattern) & ~take_out
    if aggregates.any():
        found = sorted(set(codes[aggregates]))
        notes.append(
            f"left out {len(found)} EU or euro-area total{'s' if len(found) > 1 else ''} "
            f"({', '.join(found[:6])}); use --benchmark {found[0]} to compute LQ against it"
        )
        take_out |= aggregates
    levels = code_levels(codes, regions)
    rest = ~take_out
    present = levels[rest].dropna()
    level = nuts_level
    if level is None and not present.empty:
        counts = present.value_counts()
        level = 2 if 2 in counts.index else int(counts.idxmax())
    if level is not None:
        if not (present == level).any():
            found = ", ".join(
                f"level {int(k)} ({v} rows)" for k, v in present.value_counts().sort_index().items()
            )
            raise BadInputError(
                Problem(
                    "--nuts-level",
                    f"no region of NUTS level {level} in the panel; it has "
                    f"{found or 'no NUTS codes'}",
                )
            )
        other = rest & levels.notna() & (levels != level)
        if other.any():
            by_level = levels[other].value_counts().sort_index()
            parts = ", ".join(
                f"{codes[other & (levels == k)].nunique()} at level {int(k)}"
                for k in by_level.index
            )
            notes.append(
                f"analysed NUTS level {level}; set aside the codes of other levels ({parts}); "
                "choose another with --nuts-level"
                + (
                    "; a country's rows can serve as the benchmark (--benchmark CODE)"
                    if 0 in by_level.index
                    else ""
                )
            )
            take_out |= other
    kept = panel[~take_out.to_numpy()].reset_index(drop=True)
    kept.attrs = dict(panel.attrs)
    if kept.empty:
        raise BadInputError(
            Problem(
                "panel",
                "no region rows left once the benchmark, "
                "extra-regio and other-level rows are set aside",
            )
        )
    return SplitPanel(kept, bench, level, notes)


def benchmark_shares(
    bench: Benchmark, sector_labels: pd.Index, is_base: np.ndarray, year: int
) -> tuple[np.ndarray, float]:
    """(E[B,s] per sector label, E[B] over the base sectors) from the benchmark's totals."""
    employment = bench.employment_for(year).reindex(sector_labels).to_numpy(dtype="float64")
    total = float(np.nansum(np.where(is_base, employment, 0.0)))
    return employment, total
