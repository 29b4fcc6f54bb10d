"""Regional Cluster Strength by Sector: a sector's stars on an interactive map of the NUTS-2
regions, drawn by the browser from the boundaries (an SVG: hover shows a region's stars and
employment, a click selects it, the buttons zoom), the table beside it. The PNG / SVG / PDF
downloads are the printed map. With no boundaries, a ranked chart instead."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import pandas as pd

from toolkit import geo
from toolkit.apps.base import ChoosesSector, Explorer
from toolkit.apps.data import mpl_text, region_label
from toolkit.apps.figures import STAR_COLOURS, bar_chart
from toolkit.apps.panels import ChartPanel, TablePanel
from toolkit.apps.state import Selection, page_link
from toolkit.presentation import escape as esc
from toolkit.presentation import format_number

ZOOMS = (1, 2, 4, 8)


class ClusterStrengthMap(ChoosesSector, Explorer):
    """A sector's cluster stars across the NUTS-2 regions on a map, the table beside it. When
    no boundaries can be had (offline, unknown codes) it says so and shows a ranked chart."""

    title = "Regional Cluster Strength by Sector"
    slug = "map"
    notebook = "map.ipynb"

    def _build_controls(self):
        sector = self._sector_picker()
        self.map_note = W.HTML()
        self.map_note.add_class("eocic-map-note")
        self.map_chart = ChartPanel("map-chart")
        self.table = TablePanel("map-table", self.notice, max_rows=60)
        self.panels = [self.map_chart, self.table]
        self.map_svg = W.HTML()
        self.map_svg.add_class("eocic-map")
        self.click = W.Text(layout=W.Layout(display="none"))
        self.click.add_class("eocic-map-click")
        self.click.observe(self._on_click, names="value")
        self.clicked = W.HTML()
        self.clicked.add_class("eocic-map-selected")
        self.zoom = 0
        self.zoom_in = W.Button(description="Zoom in", icon="search-plus")
        self.zoom_out = W.Button(description="Zoom out", icon="search-minus")
        self.zoom_in.add_class("eocic-zoom-in")
        self.zoom_out.add_class("eocic-zoom-out")
        self.zoom_in.on_click(lambda _b: self._set_zoom(self.zoom + 1))
        self.zoom_out.on_click(lambda _b: self._set_zoom(self.zoom - 1))
        self.region = (
            self.selection.region if self.data.lookup(self.selection.region or "") else None
        )
        return sector

    def _build_body(self):
        tools = W.HBox([self.zoom_in, self.zoom_out, self.clicked, self.click])
        left = W.VBox(
            [self.map_note, tools, self.map_svg, self.map_chart.widget],
            layout=W.Layout(flex="3 1 0%"),
        )
        right = W.VBox([self.table.widget], layout=W.Layout(flex="2 1 0%"))
        return W.HBox([left, right], layout=W.Layout(flex_flow="row wrap"))

    def apply_selection(self, selection: Selection) -> None:
        super().apply_selection(selection)
        region = self.data.lookup(selection.region) if selection.region else None
        if region:
            self.region = region

    def current(self) -> dict[str, object]:
        out = super().current()
        if self.region:
            out["region"] = self.region
        return out

    def _on_click(self, change) -> None:
        region = self.data.lookup(change["new"]) if change["new"] else None
        if region:
            self.region = region
            self._draw_svg()
            self._remember()

    def select_on_map(self, code: str) -> None:
        """What a click on the region ``code`` does (tests call it)."""
        self.click.value = code

    def _set_zoom(self, level: int) -> None:
        self.zoom = min(max(level, 0), len(ZOOMS) - 1)
        self._draw_svg()

    def extent(self) -> tuple[float, float, float, float]:
        """The map's window: Europe, or zoomed around the selected region."""
        lon0, lon1, lat0, lat1 = geo.EUROPE_EXTENT
        factor = ZOOMS[self.zoom]
        if factor == 1:
            return geo.EUROPE_EXTENT
        geometry, _ = self.data.geometry()
        shapes = geometry.shapes.get(self.region or "", []) if geometry else []
        if shapes:
            points = np.concatenate([ring for polygon in shapes for ring in polygon])
            cx, cy = float(np.median(points[:, 0])), float(np.median(points[:, 1]))
        else:
            cx, cy = (lon0 + lon1) / 2, (lat0 + lat1) / 2
        half_x, half_y = (lon1 - lon0) / 2 / factor, (lat1 - lat0) / 2 / factor
        return (cx - half_x, cx + half_x, cy - half_y, cy + half_y)

    def _draw_svg(self) -> None:
        if not self.has_map:
            self.map_svg.value = ""
            self.clicked.value = ""
            return
        ws, rows = self.ws, self._rows
        geometry, _ = self.data.geometry()
        fills, titles = {}, {}
        for row in rows.itertuples():
            stars = int(row.stars)
            fills[row.region] = STAR_COLOURS[stars]
            titles[row.region] = (
                f"{ws.region_name(row.region)} ({row.region}): {stars} "
                f"star{'s' if stars != 1 else ''}, {format_number(row.employment)} employed, "
                f"LQ {format_number(row.lq)}"
            )
        svg = geo.svg_map(geometry, fills, titles, selected=self.region, extent=self.extent())
        # the hover text also as an attribute, for the page's tooltip
        for code, text in titles.items():
            svg = svg.replace(
                f'data-region="{esc(code)}"', f'data-region="{esc(code)}" data-tip="{esc(text)}"', 1
            )
        legend = " ".join(
            f'<span style="display:inline-block;width:12px;height:12px;background:{c};'
            f'border:1px solid #999"></span> {i}'
            for i, c in STAR_COLOURS.items()
        )
        self.map_svg.value = (
            f'<div class="eocic-note">Hover over a region for its stars, click to select it. '
            f"Stars: {legend}</div>{svg}"
        )
        if self.region and self.region in titles:
            link = esc(page_link("scoreboard.ipynb", self.selection.updated(region=self.region)))
            portfolio = esc(
                page_link("portfolio.ipynb", self.selection.updated(region=self.region))
            )
            self.clicked.value = (
                f'<span class="eocic-note">Selected: <b>{esc(titles[self.region])}</b> · '
                f'<a href="{portfolio}" target="_top">portfolio</a> · '
                f'<a href="{link}" target="_top">scoreboard</a></span>'
            )
        else:
            self.clicked.value = ""

    def rows(self) -> pd.DataFrame:
        return (
            self.sector_metrics()
            .sort_values(["stars", "employment"], ascending=False, kind="stable")
            .reset_index(drop=True)
        )

    def _draw(self):
        ws = self.ws
        code = self.sector
        sector_name = ws.sector_name(code)
        rows = self.rows()
        self.heading.value = (
            f'<h3 class="eocic-sector-name">{esc(sector_name)}</h3><div class="eocic-note">'
            f"{esc(code)} · {ws.year} · {int((rows['stars'] > 0).sum())} of {len(rows)} regions"
            " with at least one star</div>"
        )
        geometry, source = self.data.geometry()
        matched, missing = geometry.coverage(rows["region"]) if geometry else ([], [])
        self.has_map = bool(matched)
        if not self.has_map:
            reason = (
                source
                if geometry is None
                else (
                    f"none of the {len(rows)} region codes of the data is in the boundary file "
                    f"({source})"
                )
            )
            self.map_note.value = (
                f'<div class="eocic-note eocic-no-map"><b>No map available:</b> {esc(reason)}. '
                "The ranked chart below shows the same stars. Run <code>toolkit data geo</code>"
                " on a machine with internet access, or give a GeoJSON file.</div>"
            )
        else:
            extra = (
                f" {len(missing)} regions of the data have no boundary and are not drawn."
                if missing
                else ""
            )
            self.map_note.value = f'<div class="eocic-note">{esc(source)}.{esc(extra)}</div>'

        def chart():
            stars = rows.set_index("region")["stars"].astype("int64")
            if self.has_map:
                fig = geo.choropleth(
                    geometry,
                    stars,
                    title=mpl_text(f"{sector_name}: cluster stars, {ws.year}"),
                    synthetic=ws.synthetic,
                    source_note=mpl_text(source),
                )
                return fig, rows[["region", "stars"]]
            top = rows.head(25)
            fig = bar_chart(
                [region_label(ws, r) for r in top["region"]],
                top["stars"].to_numpy(dtype="float64"),
                stars=top["stars"].to_numpy(),
                xlabel="cluster stars (ties: larger employment first)",
                title=f"{sector_name}: regions ranked by cluster stars, {ws.year}",
                synthetic=ws.synthetic,
                xlim=(0, 4),
            )
            return fig, top[["region", "stars"]]

        self.map_chart.update((code, self.has_map), chart, self._stem(code, "stars"))
        # The interactive map replaces the printed one on screen (which stays downloadable).
        self.map_chart.image.layout.display = "none" if self.has_map else None
        self._rows = rows
        self._draw_svg()

        def table():
            return pd.DataFrame(
                {
                    "Region": [ws.region_name(r) for r in rows["region"]],
                    "Region code": rows["region"].astype(str).to_numpy(),
                    "Stars": rows["stars"].astype("int64").to_numpy(),
                    "Size": rows["size_star"].astype("Int64").to_numpy(),
                    "Specialisation": rows["specialisation_star"].astype("Int64").to_numpy(),
                    "Productivity": rows["productivity_star"].astype("Int64").to_numpy(),
                    "Dynamism": rows["dynamism_star"].astype("Int64").to_numpy(),
                    "Employment (persons)": rows["employment"].to_numpy(dtype="float64"),
                }
            )

        self.table.update(
            (code,),
            table,
            self._stem(code, "stars"),
            keys={"region": lambda t: t["Region code"], "sector": code, "year": ws.year},
        )
