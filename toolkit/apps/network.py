"""Related Clusters: a region's portfolio on the network of related sectors (co-location
proximity, ``toolkit.growth.relatedness``), and the sectors it could grow into next
(relatedness density, ``toolkit.growth.region_opportunities``, as the report's section
"Where the region could grow")."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from toolkit import growth
from toolkit.apps.base import ChoosesRegion, Explorer
from toolkit.apps.figures import network_chart
from toolkit.apps.panels import ChartPanel, TablePanel
from toolkit.presentation import escape as esc

OPPORTUNITIES = 10  # diversification opportunities listed and ringed on the chart
COLOUR_BY = (("Cluster stars", "stars"), ("Location quotient", "lq"))


def network_nodes(ws, clusters: pd.DataFrame) -> pd.DataFrame:
    """The sectors of the workspace's network at their shared places (x, y), with one
    region's figures: employment (persons), lq, stars (0 where the region has no row)."""
    _, positions = growth.network_layout(ws)
    own = clusters.assign(sector=clusters["sector"].astype(str)).set_index("sector")
    sectors = positions.index
    return pd.DataFrame(
        {
            "sector": sectors.astype(str),
            "x": positions["x"].to_numpy(),
            "y": positions["y"].to_numpy(),
            "employment": own["employment"].reindex(sectors).to_numpy(dtype="float64"),
            "lq": own["lq"].reindex(sectors).to_numpy(dtype="float64"),
            "stars": own["stars"].reindex(sectors).fillna(0).astype("int64").to_numpy(),
        }
    )


class RelatedClusters(ChoosesRegion, Explorer):
    """A region's sectors on the network of related sectors (the same places for every
    region: only the colours and sizes change), coloured by its cluster stars or its LQ,
    sized by employment, and its top diversification opportunities with the related
    strengths that make them related."""

    title = "Related Clusters"
    slug = "network"
    notebook = "network.ipynb"

    def _build_controls(self):
        region = self._region_picker()
        self.colour_by = W.ToggleButtons(options=COLOUR_BY, value="stars", description="Colour")
        self.colour_by.add_class("eocic-colour-by")
        self.colour_by.observe(self.refresh, names="value")
        self.chart = ChartPanel("network-chart")
        self.opportunities_table = TablePanel("opportunities-table", self.notice)
        self.sectors_table = TablePanel("network-table", self.notice)
        self.panels = [self.chart, self.opportunities_table, self.sectors_table]
        self.note = W.HTML()
        self.note.add_class("eocic-network-note")
        return W.VBox([region, self.colour_by])

    def _build_body(self):
        return W.VBox(
            [
                self.chart.widget,
                self.note,
                W.HTML("<h3>Where the region could grow</h3>"),
                self.opportunities_table.widget,
                W.HTML("<h3>The sectors of the network</h3>"),
                self.sectors_table.widget,
            ]
        )

    def nodes(self) -> pd.DataFrame:
        return network_nodes(self.ws, self.data.clusters(self.region))

    def opportunities(self) -> growth.OpportunityView:
        return growth.region_opportunities(self.ws, self.region, n=OPPORTUNITIES)

    def _draw(self):
        ws, name = self.ws, self.ws.region_name(self.region)
        edges, _ = growth.network_layout(ws)
        nodes = self.nodes()
        self.edges = edges
        view = self.opportunities()
        found = view.opportunities
        colour = self.colour_by.value
        self.heading.value = (
            f'<h3 class="eocic-region-name">{esc(name)}</h3><div class="eocic-note">'
            f"{esc(self.region)} · {view.year} · specialised (LQ ≥ 1) in "
            f"{len(view.specialisations)} of {view.n_sectors} {esc(view.sector_set)}</div>"
        )
        tree = int(edges["tree"].sum())
        self.note.value = (
            '<div class="eocic-note">Two sectors are related when regions tend to be '
            f"specialised in both (co-location proximity across the {view.n_regions} regions "
            f"of the data). Drawn: the {tree} links of the maximum spanning tree and the "
            f"{len(edges) - tree} strongest other links"
            + (f" (proximity ≥ {edges['phi'].min():.2f})" if len(edges) else "")
            + ". Every region is drawn on the same places; labels are sector codes, named in "
            "the table below. Ringed in red: the region's top diversification opportunities."
            + "".join(f" {esc(note)}" for note in view.notes)
            + "</div>"
        )
        key = (self.region, colour)
        what = "cluster stars" if colour == "stars" else "location quotient"

        def chart():
            fig = network_chart(
                nodes,
                edges,
                colour_by=colour,
                title=f"{name}: related sectors, coloured by {what}",
                synthetic=ws.synthetic,
                highlight=list(found["sector"]),
            )
            return fig, nodes

        self.chart.update(key, chart, self._stem(self.region, "network", colour))
        keys = {"region": self.region, "sector": lambda t: t["Code"], "year": view.year}
        stem = self._stem(self.region, "opportunities")
        self.opportunities_table.update(
            (self.region,), lambda: opportunity_table(found), stem, keys=keys
        )
        self.sectors_table.update(
            (self.region,),
            lambda: sector_table(ws, nodes, edges),
            self._stem(self.region, "network"),
            keys=keys,
        )


def opportunity_table(found: pd.DataFrame) -> pd.DataFrame:
    """The diversification opportunities as the view shows them (``region_opportunities``'
    rows): rank, sector, density, the region's figures there and the related strengths."""
    return pd.DataFrame(
        {
            "Rank": found["rank"].astype("int64").to_numpy(),
            "Sector": found["name"].astype(str).to_numpy(),
            "Code": found["sector"].astype(str).to_numpy(),
            "Relatedness density": found["density"].to_numpy(dtype="float64"),
            "Employment (persons)": found["employment"].to_numpy(dtype="float64"),
            "LQ": found["lq"].to_numpy(dtype="float64"),
            "Stars": found["stars"].astype("int64").to_numpy(),
            "Related strengths (proximity)": found["because"].astype(str).to_numpy(),
        }
    )


def sector_table(ws, nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """Every sector of the network: code, name, the region's figures and the sectors it is
    linked to on the chart (strongest first)."""
    links: dict[str, list[str]] = {s: [] for s in nodes["sector"]}
    for a, b in zip(edges["sector_a"], edges["sector_b"], strict=True):  # strongest first
        links[a].append(b)
        links[b].append(a)
    return pd.DataFrame(
        {
            "Code": nodes["sector"].to_numpy(),
            "Sector": [ws.sector_name(s) for s in nodes["sector"]],
            "Employment (persons)": nodes["employment"].to_numpy(),
            "LQ": nodes["lq"].to_numpy(),
            "Stars": nodes["stars"].to_numpy(),
            "Linked to": [", ".join(links[s]) for s in nodes["sector"]],
        }
    )
