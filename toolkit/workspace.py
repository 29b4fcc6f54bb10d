"""The data layer shared by reports, apps and the CLI: load once, compute metrics once.

A ``Workspace`` holds the validated panel and context, the reference tables, the regions of
analysis and the parameters, and computes the cluster metrics lazily, once. Reports and
explorers take a workspace instead of re-reading files, so a batch or an app kernel pays for
loading and metrics a single time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from toolkit.benchmark import DATA_SUM, Benchmark, split_panel
from toolkit.data import check_regions_of_analysis, load_context, load_panel
from toolkit.demo import SYNTHETIC_NOTICE, ensure_demo
from toolkit.errors import Problem, UnknownRegionError
from toolkit.metrics import aggregate_context, aggregate_regions, cluster_metrics
from toolkit.nace import is_nace, normalise_code
from toolkit.parameters import (
    IndicatorCatalogue,
    RegionOfAnalysis,
    StarParameters,
    load_indicators,
    load_regions_of_analysis,
    load_star_parameters,
)
from toolkit.reference import load_regions, load_sectors, region_names, resolve_region, sectors_for
from toolkit.sources import DataSources


@dataclass
class Workspace:
    panel: pd.DataFrame  # validated cluster panel: the regions to analyse (one NUTS level)
    context: pd.DataFrame  # validated region context
    regions: pd.DataFrame  # region table: code, name, level, parent, country
    sectors: pd.DataFrame  # sector table: code, name, type, description, base
    unions: list[RegionOfAnalysis]  # regions of analysis (default: the pilot regions)
    params: StarParameters
    indicators: IndicatorCatalogue
    provenance: dict = field(default_factory=dict)
    benchmark: Benchmark = DATA_SUM
    sources: DataSources = field(default_factory=DataSources)

    @classmethod
    def load(cls, sources: DataSources | None = None) -> Workspace:
        """Load and validate everything the sources name; without a panel, the demo data
        (generated if missing). Extra-regio rows, benchmark rows and other NUTS levels are
        set aside (``provenance['notes']`` says what), the sector table marks its base
        partition, and the regions of analysis are checked against the regions."""
        sources = sources or DataSources()
        panel_path, context_path = sources.panel, sources.context
        if panel_path is None:
            panel_path, default_context = ensure_demo()
            context_path = context_path or default_context
        regions = load_regions(sources.region_table)
        user_sectors = load_sectors(sources.sectors) if sources.sectors else None
        full = load_panel(
            panel_path, sectors=user_sectors, regions=regions if sources.region_table else None
        )
        if user_sectors is None:
            full = _normalise_nace_codes(full)
        names = dict(zip(regions["code"], regions["name"], strict=True))
        split = split_panel(
            full,
            benchmark=sources.benchmark,
            nuts_level=sources.nuts_level,
            regions=regions if sources.region_table else None,
            region_names=names,
        )
        panel = split.regions
        sectors = sectors_for(full["sector"].unique(), sources.sectors)
        context = (
            load_context(context_path, regions=regions if sources.region_table else None)
            if context_path is not None
            else pd.DataFrame(columns=["region", "year"])
        )
        unions = load_regions_of_analysis(sources.regions_of_analysis)
        if sources.regions_of_analysis:  # a mistyped member fails here, before any kernel
            check_regions_of_analysis(
                unions,
                regions,
                sources.regions_of_analysis,
                extra_codes=set(panel["region"].unique()),
            )
        params = load_star_parameters(sources.stars, year=sources.year)
        currency = sources.currency or full.attrs.get("currency") or "EUR"
        provenance = {
            "panel": str(panel_path),
            "context": str(context_path) if context_path else None,
            "synthetic": bool(full.attrs.get("synthetic")),
            "source": full.attrs.get("source", Path(panel_path).name),
            "notice": full.attrs.get(
                "notice", SYNTHETIC_NOTICE if full.attrs.get("synthetic") else ""
            ),
            "star_parameters": params.source,
            "regions": "NUTS 2016"
            if sources.region_table is None
            else Path(sources.region_table).name,
            "sector_set": sectors.attrs["sector_set"],
            "sector_note": sectors.attrs["note"],
            "benchmark": split.benchmark.name,
            "nuts_level": split.level,
            "notes": split.notes,
            "currency": currency,
            # set by ``toolkit data aggregate`` on a panel built from NACE data
            "sector_method": full.attrs.get("method", ""),
            "split_share": _float_or_none(full.attrs.get("split_share")),
        }
        return cls(
            panel,
            context,
            regions,
            sectors,
            unions,
            params,
            load_indicators(),
            provenance,
            split.benchmark,
            sources,
        )

    @property
    def synthetic(self) -> bool:
        return bool(self.provenance.get("synthetic"))

    @cached_property
    def method(self):
        """The cluster-strength method (``toolkit.methods``; default: the EOCIC stars)."""
        from toolkit.methods import load_method

        return load_method(self.sources.method)

    def _metrics(self, panel: pd.DataFrame) -> pd.DataFrame:
        from toolkit.methods import apply_method

        table = cluster_metrics(panel, self.sectors, self.params, self.benchmark)
        # The employment floor of stars.yaml serves the star methods; the US Cluster Mapping
        # Project's levels have their own size tests (employment above its Q25).
        floor = None if self.method.kind == "levels" else self.params.min_employment
        return apply_method(table, self.method, min_employment=floor)

    @property
    def method_markdown(self) -> str:
        """The cluster-strength rule in force, in words, for the report and the help tab."""
        from toolkit.methods import describe_method

        floor = None if self.method.kind == "levels" else self.params.min_employment
        return describe_method(
            self.method, star_thresholds=self.params.describe(), min_employment=floor
        )

    def context_coverage(self) -> tuple[list[str], list[str]]:
        """(names of the scoreboard indicators the context holds, names of those it lacks)."""
        present = set(self.context.columns)
        have = [i.name for i in self.indicators.scoreboard() if i.code in present]
        lack = [i.name for i in self.indicators.scoreboard() if i.code not in present]
        return have, lack

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """Cluster metrics and stars of every region of the panel, as given (e.g. NUTS-2)."""
        return self._metrics(self.panel)

    @cached_property
    def analysis_panel(self) -> pd.DataFrame:
        """The panel with each region of analysis in place of its members (summed counts)."""
        return aggregate_regions(self.panel, self.unions)

    @cached_property
    def analysis_metrics(self) -> pd.DataFrame:
        """Metrics with each region of analysis in place of its members: what reports use.

        A union is compared with the other regions as one region, exactly as if its members'
        counts had been summed in the data first.
        """
        return self._metrics(self.analysis_panel)

    def metrics_for(self, key: str) -> tuple[RegionOfAnalysis, pd.DataFrame, pd.DataFrame]:
        """(region, its clusters, the whole table they were ranked in) for an id or code."""
        region = self.resolve(key)
        table = self.analysis_metrics if region.id in self._union_ids else self.metrics
        return region, table[table["region"] == region.id].reset_index(drop=True), table

    @cached_property
    def _union_ids(self) -> set[str]:
        return {u.id for u in self.unions}

    @cached_property
    def analysis_context(self) -> pd.DataFrame:
        """The context plus one row per region of analysis and year (members kept).

        Union rows recompute ratios from their members' counts (see ``aggregate_context``);
        the European distribution of an indicator is the rows whose region is not a union.
        """
        if self.context.empty:
            return self.context
        return aggregate_context(self.context, self.unions, self.indicators)

    @cached_property
    def names(self) -> dict[str, str]:
        """Region code or region-of-analysis id -> display name."""
        return region_names(self.regions, self.unions)

    @cached_property
    def sector_names(self) -> dict[str, str]:
        return dict(zip(self.sectors["code"], self.sectors["name"], strict=True))

    def region_name(self, code: str) -> str:
        return self.names.get(code, code)

    def sector_name(self, code: str) -> str:
        return self.sector_names.get(code, code)

    def resolve(self, key: str) -> RegionOfAnalysis:
        """A region id, code or name -> the region of analysis (UnknownRegionError if none).
        A code of the panel that the regions table lacks is a region named by its code."""
        try:
            return resolve_region(key, self.regions, self.unions)
        except UnknownRegionError as exc:
            if key in self._panel_codes:
                return RegionOfAnalysis(id=key, name=key, members=(key,))
            if self.sources.region_table is None and not self._panel_codes & set(
                self.regions["code"]
            ):
                raise UnknownRegionError(
                    Problem(
                        "region",
                        f"{exc.problems[0].message} The panel's region codes are not NUTS 2016 "
                        f"codes (e.g. {', '.join(sorted(self._panel_codes)[:3])}): give their "
                        "names with --region-table FILE (code, name).",
                    )
                ) from exc
            raise

    @cached_property
    def _panel_codes(self) -> set[str]:
        return set(self.panel["region"].unique())

    @property
    def year(self) -> int:
        return int(self.metrics.attrs["year"])

    def is_union(self, region_id: str) -> bool:
        return region_id in self._union_ids

    def country_of(self, code: str) -> str:
        """The country code of a region: from the regions table, else its first two letters
        for a NUTS code; a region of analysis takes its first member's."""
        if code in self._union_ids:
            members = next(u.members for u in self.unions if u.id == code)
            return self.country_of(members[0])
        return self._countries.get(code, str(code)[:2])

    @cached_property
    def _countries(self) -> dict[str, str]:
        table = self.regions.dropna(subset=["country"])
        return dict(zip(table["code"], table["country"], strict=True))

    @property
    def currency(self) -> str:
        return str(self.provenance.get("currency") or "EUR")


def _normalise_nace_codes(panel: pd.DataFrame) -> pd.DataFrame:
    """NACE codes as Eurostat writes them (``M-N`` -> ``M_N``), so the names and the base
    partition are found whichever spelling a file uses."""
    codes = pd.Series(panel["sector"].unique())
    fixed = codes.map(normalise_code)
    changed = dict(zip(codes[codes != fixed], fixed[codes != fixed], strict=True))
    changed = {k: v for k, v in changed.items() if is_nace(v)}
    if not changed:
        return panel
    out = panel.assign(sector=panel["sector"].replace(changed))
    out.attrs = dict(panel.attrs)
    return out


def _float_or_none(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
