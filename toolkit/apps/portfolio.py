"""Regional Cluster Portfolio: a region's most productive, most specialised and largest
sectors, its portfolio bubbles, the stars it narrowly misses ("Close to a star", as in the
report), and up to ten regions compared side by side."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from toolkit import growth
from toolkit.apps.base import CompareBox, ComparesRegions, Explorer
from toolkit.apps.data import mpl_text
from toolkit.apps.figures import bar_chart, bubble_chart, heatmap
from toolkit.apps.overview import cluster_table
from toolkit.apps.panels import ChartPanel, TablePanel
from toolkit.presentation import escape as esc
from toolkit.tables import is_base

RANKINGS = {
    "productivity": ("wage_per_employee", "Most productive", "wage per employee (EUR)"),
    "specialisation": ("lq", "Most specialised", "location quotient"),
    "size": ("employment", "Largest", "persons employed"),
}


class RegionalClusterPortfolio(ComparesRegions, Explorer):
    """A region's most productive, most specialised and largest sectors (top N) and its
    portfolio bubble chart (LQ against employment growth, bubble = employment, colour = stars).
    Emerging industries cut across the traded categories, so they are left out here."""

    title = "Regional Cluster Portfolio"
    slug = "portfolio"
    notebook = "portfolio.ipynb"

    def __init__(self, source=None, region: str | None = None):
        self._initial = region
        super().__init__(source)

    def _build_controls(self):
        region = self._region_picker(self._initial)
        self.rank_by = W.ToggleButtons(
            options=[(label, key) for key, (_, label, _) in RANKINGS.items()],
            value="size",
            description="Rank",
        )
        self.rank_by.add_class("eocic-rank-by")
        self.top_n = W.IntSlider(
            value=10, min=3, max=25, description="Top N", continuous_update=False
        )
        self.top_n.add_class("eocic-top-n")
        self.rank_by.observe(self.refresh, names="value")
        self.top_n.observe(self.refresh, names="value")
        self.ranking_chart = ChartPanel("ranking-chart")
        self.ranking_table = TablePanel("ranking-table", self.notice)
        self.bubble_chart = ChartPanel("bubble-chart")
        self.near_miss_table = TablePanel("near-miss-table", self.notice)
        self.near_miss_note = W.HTML()
        self.near_miss_note.add_class("eocic-star-sensitivity")
        self.compare = CompareBox(self.data, self.refresh, self.selection.compare)
        self.compare_chart = ChartPanel("compare-chart")
        self.compare_table = TablePanel("compare-table", self.notice)
        self.panels = [
            self.ranking_chart,
            self.ranking_table,
            self.bubble_chart,
            self.near_miss_table,
            self.compare_chart,
            self.compare_table,
        ]
        return W.VBox([region, self.rank_by, self.top_n, self.compare.widget])

    def _build_body(self):
        return W.VBox(
            [
                self.ranking_chart.widget,
                self.ranking_table.widget,
                W.HTML("<h3>Portfolio</h3>"),
                self.bubble_chart.widget,
                W.HTML('<h3 class="eocic-near-miss-title">Close to a star</h3>'),
                self.near_miss_note,
                self.near_miss_table.widget,
                W.HTML("<h3>Regions side by side</h3>"),
                self.compare_chart.widget,
                self.compare_table.widget,
            ]
        )

    def comparison(self) -> pd.DataFrame:
        """Long table of the compared regions' base sectors: region, sector, LQ, stars,
        employment; the sectors are the five most specialised of each region."""
        frames = [self.data.clusters(r) for r in self.compared()]
        rows = pd.concat(frames, ignore_index=True)
        rows = rows[is_base(rows)]
        top = (
            rows.dropna(subset=["lq"])
            .sort_values(["region", "lq"], ascending=[True, False], kind="stable")
            .groupby("region", sort=False)
            .head(5)["sector"]
        )
        sectors = list(dict.fromkeys(top))[:25]
        return rows[rows["sector"].isin(sectors)][
            ["region", "sector", "lq", "stars", "employment"]
        ].reset_index(drop=True)

    def ranking(self) -> pd.DataFrame:
        column = RANKINGS[self.rank_by.value][0]
        rows = self.data.clusters(self.region)
        rows = rows[is_base(rows) & rows[column].notna()]
        return rows.sort_values(column, ascending=False, kind="stable").head(self.top_n.value)

    def _draw(self):
        ws, name = self.ws, self.ws.region_name(self.region)
        column, label, unit = RANKINGS[self.rank_by.value]
        rows = self.ranking()
        self.heading.value = (
            f'<h3 class="eocic-region-name">{esc(name)}</h3><div class="eocic-note">'
            f"{esc(self.region)} · {ws.year} · traded cluster categories</div>"
        )
        if self.rank_by.value == "productivity" and rows.empty:
            self.status.value = (
                '<div class="eocic-note">No wages in the data: productivity cannot be ranked.</div>'
            )
        key = (self.region, self.rank_by.value, self.top_n.value)

        def chart():
            fig = bar_chart(
                [ws.sector_name(s) for s in rows["sector"]],
                rows[column].to_numpy(dtype="float64"),
                stars=rows["stars"].to_numpy(),
                xlabel=f"{unit} (colour: cluster stars)",
                title=f"{name}: {label.lower()} sectors (top {self.top_n.value})",
                synthetic=ws.synthetic,
                reference=1.0 if column == "lq" else None,
            )
            return fig, rows[["sector", column, "stars"]].reset_index(drop=True)

        stem = self._stem(self.region, self.rank_by.value, self.top_n.value)
        self.ranking_chart.update(key, chart, stem)
        self.ranking_table.update(
            key,
            lambda: cluster_table(ws, rows),
            stem,
            keys={"region": self.region, "sector": lambda t: t["Code"], "year": ws.year},
        )

        def bubbles():
            clusters = self.data.clusters(self.region)
            fig = bubble_chart(
                clusters,
                self.data.mpl_sector_names,
                synthetic=ws.synthetic,
                title=mpl_text(f"{name}: specialisation against growth"),
            )
            shown = clusters[is_base(clusters) & (clusters["lq"] > 0) & clusters["growth"].notna()]
            return fig, shown[["sector", "lq", "growth", "employment", "stars"]]

        stem = self._stem(self.region, "portfolio")
        self._defer(lambda: self.bubble_chart.update((self.region,), bubbles, stem))
        self._defer(self._draw_near_misses)
        self._draw_comparison()

    def _draw_near_misses(self) -> None:
        """The stars the region misses by at most a quarter of the threshold, closest first,
        and how many star clusters looser thresholds would give: the report's subsection
        "Close to a star" (``growth.region_opportunities``), in the same words."""
        view = growth.region_opportunities(self.ws, self.region)
        if view.star_notes:  # another cluster-strength method: no EOCIC stars to miss
            self.near_miss_note.value = "".join(
                f'<div class="eocic-note">{esc(note)}</div>' for note in view.star_notes
            )
            self.near_miss_table.widget.layout.display = "none"
            return
        self.near_miss_table.widget.layout.display = None
        share = f"{growth.MAX_SHORTFALL:.0%}".replace("%", " %")
        self.near_miss_note.value = (
            f'<div class="eocic-note">Stars {esc(view.region_name)} misses by at most {share} of '
            "the threshold (or of the employment floor), the ten closest first."
            + (f" {esc(view.sensitivity_sentence)}" if view.sensitivity_sentence else "")
            + "</div>"
        )
        self.near_miss_table.update(
            (self.region,),
            lambda: near_miss_table(view.near_misses),
            self._stem(self.region, "near-misses"),
            keys={"region": self.region, "sector": lambda t: t["Code"], "year": view.year},
        )

    def _draw_comparison(self) -> None:
        ws = self.ws
        regions = self.compared()
        key = tuple(regions)
        visible = len(regions) > 1
        for panel in (self.compare_chart, self.compare_table):
            panel.widget.layout.display = None if visible else "none"
        if not visible:
            return
        rows = self.comparison()

        def chart():
            matrix = rows.pivot_table(index="sector", columns="region", values="lq")
            matrix = matrix.reindex(columns=regions)
            order = list(dict.fromkeys(rows["sector"]))
            matrix = matrix.reindex(order)
            matrix.index = [ws.sector_name(s) for s in matrix.index]
            matrix.columns = list(regions)
            fig = heatmap(
                matrix,
                title=f"Location quotient of {len(regions)} regions, {ws.year}",
                synthetic=ws.synthetic,
                colour_label="location quotient",
                fmt="{:.2f}",
            )
            return fig, rows

        def table():
            return pd.DataFrame(
                {
                    "Region": [ws.region_name(r) for r in rows["region"]],
                    "Region code": rows["region"].astype(str).to_numpy(),
                    "Sector": [ws.sector_name(s) for s in rows["sector"]],
                    "Code": rows["sector"].astype(str).to_numpy(),
                    "LQ": rows["lq"].to_numpy(dtype="float64"),
                    "Stars": rows["stars"].fillna(0).astype("int64").to_numpy(),
                    "Employment (persons)": rows["employment"].to_numpy(dtype="float64"),
                }
            )

        stem = self._stem(self.region, "compare", len(regions))
        self.compare_chart.update(key, chart, stem)
        self.compare_table.update(
            key,
            table,
            stem,
            keys={
                "region": lambda t: t["Region code"],
                "sector": lambda t: t["Code"],
                "year": ws.year,
            },
        )


def near_miss_table(near: pd.DataFrame) -> pd.DataFrame:
    """The near misses of ``growth.region_opportunities`` as shown: the sector, the star,
    what it takes in the reader's units, and the shortfall (% of the threshold)."""
    return pd.DataFrame(
        {
            "Sector": near["name"].astype(str).to_numpy(),
            "Code": near["sector"].astype(str).to_numpy(),
            "Star": near["star"].astype(str).to_numpy(),
            "Close to the star": near["text"].astype(str).to_numpy(),
            "Shortfall (% of threshold)": 100.0 * near["shortfall"].to_numpy(dtype="float64"),
        }
    )
