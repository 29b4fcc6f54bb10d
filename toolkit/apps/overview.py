"""Regional Performance Overview: a region's clusters and its context indicators against
the EU, with year, sector-type and dimension filters."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from toolkit import tables
from toolkit.apps.base import Explorer, sector_type_options
from toolkit.apps.figures import bar_chart
from toolkit.apps.panels import ChartPanel, TablePanel
from toolkit.apps.state import Selection
from toolkit.presentation import escape as esc
from toolkit.workspace import Workspace


class RegionalPerformanceOverview(Explorer):
    """A region's clusters (stars, employment, LQ, wage, growth) and its context indicators
    against the EU; filters: year, sector type, scoreboard dimension."""

    title = "Regional Performance Overview"
    slug = "overview"
    notebook = "overview.ipynb"

    def __init__(self, source=None, region: str | None = None):
        self._initial = region
        super().__init__(source)

    def _build_controls(self):
        region = self._region_picker(self._initial)
        year = self.selection.year if self.selection.year in self.data.years else self.ws.year
        self.year = W.Dropdown(options=self.data.years, value=year, description="Year")
        self.year.add_class("eocic-year")
        self.sector_type = W.ToggleButtons(
            options=sector_type_options(self.ws.sectors), value="all", description="Sectors"
        )
        self.sector_type.add_class("eocic-sector-type")
        dims = [("All dimensions", "all")] + [
            (label, code) for code, label in self.ws.indicators.dimensions.items()
        ]
        self.dimension = W.Dropdown(options=dims, value="all", description="Dimension")
        self.dimension.add_class("eocic-dimension")
        for control in (self.year, self.sector_type, self.dimension):
            control.observe(self.refresh, names="value")
        self.cluster_chart = ChartPanel("clusters-chart")
        self.cluster_table = TablePanel("clusters-table", self.notice)
        self.context_chart = ChartPanel("context-chart")
        self.context_table = TablePanel("context-table", self.notice)
        self.panels = [
            self.cluster_chart,
            self.cluster_table,
            self.context_chart,
            self.context_table,
        ]
        return W.VBox([region, W.HBox([self.year, self.dimension]), self.sector_type])

    def _build_body(self):
        return W.VBox(
            [
                W.HTML("<h3>Clusters</h3>"),
                self.cluster_chart.widget,
                self.cluster_table.widget,
                W.HTML("<h3>Context indicators against the EU</h3>"),
                self.context_chart.widget,
                self.context_table.widget,
            ]
        )

    def apply_selection(self, selection: Selection) -> None:
        self.set_region(selection.region)
        if selection.year in self.data.years and selection.year != self.year.value:
            self.year.unobserve(self.refresh, names="value")
            self.year.value = selection.year
            self.year.observe(self.refresh, names="value")

    def current(self) -> dict[str, object]:
        return {"region": self.region, "year": int(self.year.value)}

    def clusters(self) -> pd.DataFrame:
        """The selected region's clusters for the year and sector type, best first, in the
        order of the report (``tables.leading_clusters``); "All" is every sector but the
        emerging industries, which cut across the others and have their own choice."""
        rows = self.data.clusters(self.region, self.year.value)
        kind = self.sector_type.value
        return tables.leading_clusters(rows, sector_types=None if kind == "all" else (kind,))

    def indicators(self) -> pd.DataFrame:
        sb = self.data.scoreboard(self.year.value)
        rows = sb[sb["region"] == self.region]
        if self.dimension.value != "all":
            rows = rows[rows["dimension"] == self.dimension.value]
        return rows.reset_index(drop=True)

    def _draw(self):
        ws, name = self.ws, self.ws.region_name(self.region)
        year, kind = self.year.value, self.sector_type.value
        rows = self.clusters()
        self.heading.value = (
            f'<h3 class="eocic-region-name">{esc(name)}</h3><div class="eocic-note">'
            f"{esc(self.region)} · {year} · {len(rows)} clusters, "
            f"{int((rows['stars'] > 0).sum())} with at least one star</div>"
        )
        key = (self.region, year, kind)

        def chart():
            top = rows.head(15)
            fig = bar_chart(
                [ws.sector_name(s) for s in top["sector"]],
                top["employment"].to_numpy(dtype="float64"),
                stars=top["stars"].to_numpy(),
                xlabel="persons employed (colour: cluster stars)",
                title=f"{name}: leading clusters, {year}",
                synthetic=ws.synthetic,
            )
            return fig, top[["sector", "stars", "employment"]].reset_index(drop=True)

        self.cluster_chart.update(key, chart, self._stem(self.region, year, "clusters"))
        self.cluster_table.update(
            key,
            lambda: cluster_table(ws, rows),
            self._stem(self.region, year, "clusters"),
            keys={"region": self.region, "sector": lambda t: t["Code"], "year": year},
        )
        self._defer(lambda: self._draw_context(name, year))

    def _draw_context(self, name: str, year: int) -> None:
        ws = self.ws
        ikey = (self.region, year, self.dimension.value)
        ind = self.indicators()

        def context_chart():
            fig = bar_chart(
                ind["name"].tolist(),
                ind["score"].to_numpy(dtype="float64"),
                xlabel="score (0-100; 50 = EU median; higher is better)",
                title=f"{name}: context indicators against the EU, {year}",
                synthetic=ws.synthetic,
                reference=50,
                xlim=(0, 100),
            )
            return fig, ind[["indicator", "score"]]

        self.context_chart.update(ikey, context_chart, self._stem(self.region, year, "context"))
        self.context_table.update(
            ikey,
            lambda: indicator_table(ws, ind),
            self._stem(self.region, year, "context"),
            keys={"region": self.region, "year": year},
        )


def cluster_table(ws: Workspace, rows: pd.DataFrame) -> pd.DataFrame:
    """Display table of clusters (``tables.cluster_table``, the report's too)."""
    return tables.cluster_table(rows, ws.sector_names, ws.currency)


def indicator_table(ws: Workspace, ind: pd.DataFrame) -> pd.DataFrame:
    """Display table of scoreboard indicators (``tables.indicator_table``)."""
    return tables.indicator_table(ind, ws.indicators.dimensions)
