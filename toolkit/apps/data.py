"""The app kernel's data: the workspace loaded once per kernel (``workspace_from_env``) and
``AppData``, the caches over it (metrics by year, scoreboard by year, pickers' options,
boundaries) that every view of a page shares."""

from __future__ import annotations

import os
from dataclasses import replace
from functools import cached_property

import pandas as pd

from toolkit import geo
from toolkit.apps.state import Selection
from toolkit.metrics import cluster_metrics
from toolkit.prepared import load_pickle
from toolkit.scoreboard import dimension_scores, scoreboard, workspace_peers
from toolkit.sources import APP_ENV, APP_PREPARED, DataSources
from toolkit.workspace import Workspace

_WORKSPACES: dict[tuple, Workspace] = {}


def region_label(ws: Workspace, code: str, width: int = 34) -> str:
    """``Name (CODE)`` for a chart axis, the name shortened so the code always shows."""
    name = ws.region_name(code)
    if len(name) > width:
        name = name[: width - 1] + "…"
    return f"{name} ({code})"


def mpl_text(text: object) -> str:
    """Text for matplotlib: ``$`` escaped so a name never switches on math rendering."""
    return str(text).replace("$", r"\$")


def workspace_from_env() -> Workspace:
    """The workspace of the app kernel, loaded once per kernel: the pickle ``toolkit app``
    wrote after checking the data (``EOCIC_APP_PREPARED``), else loaded from the data sources
    of ``EOCIC_APP_SOURCES`` (unset: the demo data and the default parameters)."""
    key = (os.environ.get(APP_ENV), os.environ.get(APP_PREPARED))
    if key not in _WORKSPACES:
        prepared = key[1]
        if prepared and os.path.isfile(prepared):
            # Loaded and checked once by ``toolkit app`` from these same sources (metrics
            # computed): a kernel loads it in a fraction of a second.
            _WORKSPACES[key] = load_pickle(prepared)
        else:
            _WORKSPACES[key] = Workspace.load(DataSources.from_env())
    return _WORKSPACES[key]


class AppData:
    """Caches over one workspace: metrics by year, scoreboard by year, region options, geometry."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self._metrics: dict[tuple[bool, int], pd.DataFrame] = {
            (False, ws.year): ws.metrics,
        }
        self._scoreboards: dict[int, pd.DataFrame] = {}
        self._dimensions: dict[int, pd.DataFrame] = {}
        self._geometry: tuple[geo.Geometry | None, str] | None = None
        self._all_years: pd.DataFrame | None = None
        self.selection = Selection()  # what the views of this page share

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in pd.unique(self.ws.panel["year"]))

    def metrics(self, year: int | None = None, *, analysis: bool = False) -> pd.DataFrame:
        """Metrics of every region for ``year`` (default: the workspace's analysis year);
        ``analysis``: regions of analysis in place of their members. Computed once per year."""
        year = self.ws.year if year is None else int(year)
        key = (analysis, year)
        if key not in self._metrics:
            if analysis and year == self.ws.year:
                self._metrics[key] = self.ws.analysis_metrics
            else:
                panel = self.ws.analysis_panel if analysis else self.ws.panel
                params = replace(self.ws.params, year=year)
                self._metrics[key] = cluster_metrics(panel, self.ws.sectors, params)
        return self._metrics[key]

    def region_table(self, region_id: str, year: int | None = None) -> pd.DataFrame:
        """The whole metrics table a region is ranked in (unions: the analysis table)."""
        return self.metrics(year, analysis=self.ws.is_union(region_id))

    def clusters(self, region_id: str, year: int | None = None) -> pd.DataFrame:
        table = self.region_table(region_id, year)
        return table[table["region"] == region_id].reset_index(drop=True)

    def scoreboard(self, year: int | None = None) -> pd.DataFrame:
        """Region x indicator scores (0-100, 50 = EU median) for ``year``, computed once."""
        year = self.ws.year if year is None else int(year)
        if year not in self._scoreboards:
            context = self.ws.analysis_context
            if context.empty:
                self._scoreboards[year] = scoreboard(context, self.ws.indicators, year)
            else:
                self._scoreboards[year] = scoreboard(
                    context, self.ws.indicators, year, union_ids=[u.id for u in self.ws.unions]
                )
        return self._scoreboards[year]

    def dimensions(self, year: int | None = None) -> pd.DataFrame:
        year = self.ws.year if year is None else int(year)
        if year not in self._dimensions:
            self._dimensions[year] = dimension_scores(
                self.scoreboard(year), self.ws.indicators.dimensions
            )
        return self._dimensions[year]

    def peers(self, region_id: str, n: int) -> list[str]:
        """The ``n`` peer regions (structure and development level), as in the reports."""
        return workspace_peers(self.ws, region_id, n)

    @cached_property
    def region_options(self) -> list[tuple[str, str]]:
        """(label, region id) for the region picker: regions of analysis, then every region
        with cluster data, by name."""
        ws = self.ws
        present = set(pd.unique(ws.metrics["region"]))
        unions = [(f"{u.name} ({u.id})", u.id) for u in ws.unions]
        codes = sorted(present - {u.id for u in ws.unions})
        regions = sorted(
            ((f"{ws.region_name(c)} ({c})", c) for c in codes), key=lambda p: p[0].casefold()
        )
        return unions + regions

    @cached_property
    def _lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for label, rid in reversed(self.region_options):  # earlier options win on a clash
            for key in (label, rid, self.ws.region_name(rid)):
                table[str(key).casefold().strip()] = rid
        return table

    def lookup(self, text: str) -> str | None:
        """A picker entry (label, id, code or name, any case) -> region id, or None."""
        return self._lookup.get(str(text).casefold().strip())

    def label(self, region_id: str) -> str:
        return next((lab for lab, rid in self.region_options if rid == region_id), region_id)

    @cached_property
    def sector_options(self) -> list[tuple[str, str]]:
        present = set(pd.unique(self.ws.metrics["sector"]))
        sectors = self.ws.sectors[self.ws.sectors["code"].isin(present)]
        return [(f"{n} ({c})", c) for c, n in zip(sectors["code"], sectors["name"], strict=True)]

    @cached_property
    def country_options(self) -> list[tuple[str, str]]:
        regions = self.ws.regions
        present = regions[regions["code"].isin(set(pd.unique(self.ws.metrics["region"])))]
        countries = sorted(set(present["country"].dropna()))
        names = dict(zip(regions["code"], regions["name"], strict=True))
        return [("All countries", "all")] + [(f"{names.get(c, c)} ({c})", c) for c in countries]

    @cached_property
    def region_country(self) -> dict[str, str]:
        regions = self.ws.regions
        return dict(zip(regions["code"], regions["country"].fillna(""), strict=True))

    @cached_property
    def mpl_sector_names(self) -> dict[str, str]:
        return {code: mpl_text(name) for code, name in self.ws.sector_names.items()}

    def geometry(self) -> tuple[geo.Geometry | None, str]:
        """NUTS boundaries (``toolkit.geo.load_geometry``), looked for once per kernel."""
        if self._geometry is None:
            # The data's codes pick the NUTS version of the shipped boundaries (2016 or 2021).
            self._geometry = geo.load_geometry(codes=self.ws.panel["region"].unique())
        return self._geometry


def _as_data(source: Workspace | AppData | None) -> AppData:
    if isinstance(source, AppData):
        return source
    return AppData(source if source is not None else workspace_from_env())


def all_years_metrics(data: AppData) -> pd.DataFrame:
    """The metrics of every year of the panel in one frame (regions of analysis as well),
    for the trends; computed once per kernel (about 0.4 s on the demo data)."""
    if data._all_years is None:
        unions = {u.id for u in data.ws.unions}
        frames = [data.metrics(y) for y in data.years]
        if unions:  # a union is ranked in the analysis table, its members in the plain one
            for y in data.years:
                table = data.metrics(y, analysis=True)
                frames.append(table[table["region"].isin(unions)])
        data._all_years = pd.concat(frames, ignore_index=True)
    return data._all_years
