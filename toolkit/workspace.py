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

from toolkit.data import load_context, load_panel
from toolkit.demo import SYNTHETIC_NOTICE, ensure_demo
from toolkit.metrics import aggregate_context, aggregate_regions, cluster_metrics
from toolkit.parameters import (
    IndicatorCatalogue,
    RegionOfAnalysis,
    StarParameters,
    load_indicators,
    load_regions_of_analysis,
    load_star_parameters,
)
from toolkit.reference import load_regions, load_sectors, region_names, resolve_region, sectors_for


@dataclass
class Workspace:
    panel: pd.DataFrame  # validated cluster panel (NUTS codes as given)
    context: pd.DataFrame  # validated region context
    regions: pd.DataFrame  # region table: code, name, level, parent, country
    sectors: pd.DataFrame  # sector table: code, name, type, description
    unions: list[RegionOfAnalysis]  # regions of analysis (default: the pilot regions)
    params: StarParameters
    indicators: IndicatorCatalogue
    provenance: dict = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        panel_path: str | Path | None = None,
        context_path: str | Path | None = None,
        *,
        regions_path: str | Path | None = None,
        sectors_path: str | Path | None = None,
        regions_of_analysis_path: str | Path | None = None,
        stars_path: str | Path | None = None,
        year: int | None = None,
    ) -> Workspace:
        """Load and validate everything; without paths, the demo data (generated if missing)."""
        if panel_path is None:
            panel_path, default_context = ensure_demo()
            context_path = context_path or default_context
        regions = load_regions(regions_path)
        panel = load_panel(panel_path, sectors=load_sectors(sectors_path) if sectors_path else None)
        sectors = sectors_for(panel["sector"].unique(), sectors_path)
        context = (
            load_context(context_path)
            if context_path is not None
            else pd.DataFrame(columns=["region", "year"])
        )
        unions = load_regions_of_analysis(regions_of_analysis_path)
        params = load_star_parameters(stars_path, year=year)
        provenance = {
            "panel": str(panel_path),
            "context": str(context_path) if context_path else None,
            "synthetic": bool(panel.attrs.get("synthetic")),
            "source": panel.attrs.get("source", Path(panel_path).name),
            "notice": panel.attrs.get(
                "notice", SYNTHETIC_NOTICE if panel.attrs.get("synthetic") else ""
            ),
            "star_parameters": params.source,
            "regions": "NUTS 2016" if regions_path is None else Path(regions_path).name,
            "sector_set": sectors.attrs["sector_set"],
            "sector_note": sectors.attrs["note"],
        }
        return cls(panel, context, regions, sectors, unions, params, load_indicators(), provenance)

    @property
    def synthetic(self) -> bool:
        return bool(self.provenance.get("synthetic"))

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """Cluster metrics and stars of every region of the panel, as given (e.g. NUTS-2)."""
        return cluster_metrics(self.panel, self.sectors, self.params)

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
        return cluster_metrics(self.analysis_panel, self.sectors, self.params)

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
        """A region id, code or name -> the region of analysis (UnknownRegionError if none)."""
        return resolve_region(key, self.regions, self.unions)

    @property
    def year(self) -> int:
        return int(self.metrics.attrs["year"])

    def is_union(self, region_id: str) -> bool:
        return region_id in self._union_ids
