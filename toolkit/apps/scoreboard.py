"""Regional Ecosystem Scoreboard: a region's dimension scores against the EU and its
peers, each indicator against the EU and peer medians (worded "better" or "worse" by the
indicator's direction), and up to ten regions side by side."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import pandas as pd

from toolkit import charts, tables
from toolkit.apps.base import CompareBox, ComparesRegions, Explorer
from toolkit.apps.data import mpl_text
from toolkit.apps.figures import heatmap
from toolkit.apps.panels import ChartPanel, TablePanel
from toolkit.presentation import escape as esc
from toolkit.scoreboard import compare_with_peers


def standing(value, reference, higher_is_better) -> np.ndarray:
    """ "better (higher)", "worse (lower)", "same" ... for each value against its reference,
    by the indicator's direction: an unemployment rate of 19.0 % against 14.9 % is "worse
    (higher)"; "n/a" when either is missing."""
    value = np.asarray(value, dtype="float64")
    reference = np.asarray(reference, dtype="float64")
    good = np.asarray(higher_is_better, dtype=bool)
    higher, lower = value > reference, value < reference
    better = (higher & good) | (lower & ~good)
    side = np.where(higher, "higher", "lower")
    words = np.where(better, "better (" + side + ")", "worse (" + side + ")")
    words = np.where(value == reference, "same", words)
    return np.where(np.isnan(value) | np.isnan(reference), "n/a", words)


class EcosystemScoreboard(ComparesRegions, Explorer):
    """The region's dimension scores (0-100, 50 = EU median) against the EU and its peers,
    and each indicator against the EU and peer medians."""

    title = "Regional Ecosystem Scoreboard"
    slug = "scoreboard"
    notebook = "scoreboard.ipynb"

    def __init__(self, source=None, region: str | None = None):
        self._initial = region
        super().__init__(source)

    def _build_controls(self):
        region = self._region_picker(self._initial)
        self.n_peers = W.IntSlider(
            value=5, min=2, max=12, description="Peers", continuous_update=False
        )
        self.n_peers.add_class("eocic-peers")
        self.n_peers.observe(self.refresh, names="value")
        self.peers_note = W.HTML()
        self.peers_note.add_class("eocic-peer-list")
        self.dimension_chart = ChartPanel("dimension-chart")
        self.table = TablePanel("scoreboard-table", self.notice)
        self.compare = CompareBox(self.data, self.refresh, self.selection.compare)
        self.compare_chart = ChartPanel("compare-chart")
        self.compare_table = TablePanel("compare-table", self.notice)
        self.panels = [self.dimension_chart, self.table, self.compare_chart, self.compare_table]
        return W.VBox([region, self.n_peers, self.compare.widget])

    def _build_body(self):
        return W.VBox(
            [
                self.peers_note,
                self.dimension_chart.widget,
                W.HTML("<h3>Indicators against the EU and the peers</h3>"),
                self.table.widget,
                W.HTML("<h3>Regions side by side</h3>"),
                self.compare_chart.widget,
                self.compare_table.widget,
            ]
        )

    def _draw_comparison(self) -> None:
        ws = self.ws
        regions = self.compared()
        visible = len(regions) > 1
        for panel in (self.compare_chart, self.compare_table):
            panel.widget.layout.display = None if visible else "none"
        if not visible:
            return
        dims = self.data.dimensions()
        rows = dims[dims["region"].isin(regions)]

        def chart():
            matrix = rows.pivot_table(index="dimension_name", columns="region", values="score")
            matrix = matrix.reindex(columns=regions)
            fig = heatmap(
                matrix,
                title=f"Scoreboard of {len(regions)} regions, {ws.year} (50 = EU median)",
                synthetic=ws.synthetic,
                colour_label="score (0-100)",
                vmin=0,
                vmax=100,
            )
            return fig, rows[["region", "dimension", "score"]].reset_index(drop=True)

        def table():
            ordered = rows.assign(_o=rows["region"].map({r: i for i, r in enumerate(regions)}))
            ordered = ordered.sort_values(["_o", "dimension"], kind="stable")
            return pd.DataFrame(
                {
                    "Region": [ws.region_name(r) for r in ordered["region"]],
                    "Region code": ordered["region"].astype(str).to_numpy(),
                    "Dimension": ordered["dimension_name"].astype(str).to_numpy(),
                    "Score (0-100)": ordered["score"].to_numpy(dtype="float64"),
                    "Indicators": ordered["indicators"].astype("int64").to_numpy(),
                }
            )

        key = tuple(regions)
        stem = self._stem(self.region, "compare", len(regions))
        self.compare_chart.update(key, chart, stem)
        self.compare_table.update(
            key, table, stem, keys={"region": lambda t: t["Region code"], "year": ws.year}
        )

    def _draw(self):
        ws, name = self.ws, self.ws.region_name(self.region)
        self.heading.value = (
            f'<h3 class="eocic-region-name">{esc(name)}</h3><div class="eocic-note">'
            f"{esc(self.region)} · {ws.year}</div>"
        )
        sb = self.data.scoreboard()
        if sb.empty:
            self.status.value = (
                '<div class="eocic-note">No context indicators in the data: '
                "the scoreboard cannot be computed.</div>"
            )
            return
        self._draw_comparison()
        key = (self.region, self.n_peers.value)
        if key == self.table.key:
            return
        peers = self.data.peers(self.region, self.n_peers.value)
        self.peers = peers
        self.peers_note.value = (
            '<div class="eocic-note">Peer regions (closest in sector structure and GDP per '
            "capita): "
            + ", ".join(f"{esc(ws.region_name(p))} ({esc(p)})" for p in peers)
            + "</div>"
        )
        dims = self.data.dimensions()

        def chart():
            fig = charts.dimension_chart(
                dims,
                self.region,
                peers,
                synthetic=ws.synthetic,
                title=mpl_text(f"{name}: Regional Ecosystem Scoreboard, {ws.year}"),
            )
            own = dims[dims["region"] == self.region][["dimension", "score"]]
            return fig, own.reset_index(drop=True)

        stem = self._stem(self.region, "scoreboard")
        self.dimension_chart.update(key, chart, stem)

        def table():
            comparison = compare_with_peers(sb, self.region, peers)
            direction = comparison["higher_is_better"].to_numpy()
            return tables.indicator_table(comparison, ws.indicators.dimensions).assign(
                **{
                    "Higher is": np.where(direction, "better", "worse"),
                    "Against EU": standing(comparison["value"], comparison["eu_median"], direction),
                    "Against peers": standing(
                        comparison["value"], comparison["peer_median"], direction
                    ),
                }
            )

        self.table.update(key, table, stem, keys={"region": self.region, "year": ws.year})
