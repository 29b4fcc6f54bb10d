"""Trends: a region's leading clusters, or a sector's largest regions, over the years:
employment, location quotient and stars, each year's metrics computed as the analysis
year's are (``AppData.metrics(year)``)."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from toolkit import tables
from toolkit.apps.base import Explorer
from toolkit.apps.data import all_years_metrics
from toolkit.apps.figures import trend_chart
from toolkit.apps.panels import ChartPanel, TablePanel
from toolkit.apps.state import Selection
from toolkit.presentation import escape as esc

LINES = 5  # sectors of a region, or regions of a sector, drawn


def trend_rows(metrics: pd.DataFrame, *, region: str | None = None,
               sectors: list[str] | None = None, sector: str | None = None,
               regions: list[str] | None = None) -> pd.DataFrame:  # fmt: skip
    """Rows of every year for one region's ``sectors`` or one sector's ``regions``: region,
    sector, year, employment, lq, stars (pure: a frame in, a frame out)."""
    rows = metrics
    if region is not None:
        rows = rows[(rows["region"] == region) & rows["sector"].isin(sectors or [])]
    else:
        rows = rows[(rows["sector"] == sector) & rows["region"].isin(regions or [])]
    rows = rows[["region", "sector", "year", "employment", "lq", "stars"]]
    return rows.sort_values(["region", "sector", "year"], kind="stable").reset_index(drop=True)


class Trends(Explorer):
    """Employment, LQ and stars over the years, for a region or for a sector."""

    title = "Trends"
    slug = "trends"
    notebook = "trends.ipynb"

    def __init__(self, source=None, region: str | None = None, sector: str | None = None,
                 **kwargs):  # fmt: skip
        self._initial = (region, sector)
        super().__init__(source, **kwargs)

    def _build_controls(self):
        self.mode = W.ToggleButtons(
            options=[("A region's clusters", "region"), ("A sector's regions", "sector")],
            value="region",
            description="Show",
        )
        self.mode.add_class("eocic-trend-mode")
        region = self._region_picker(self._initial[0])
        sector = self._sector_picker(self._initial[1])
        self.mode.observe(self.refresh, names="value")
        self.chart = ChartPanel("trend-chart")
        self.table = TablePanel("trend-table", self.notice)
        self.panels = [self.chart, self.table]
        return W.VBox([self.mode, region, sector])

    def apply_selection(self, selection: Selection) -> None:
        self.set_region(selection.region)
        self.set_sector(selection.sector)
        if selection.sector and not selection.region:
            self.mode.unobserve(self.refresh, names="value")
            self.mode.value = "sector"
            self.mode.observe(self.refresh, names="value")

    def current(self) -> dict[str, object]:
        return {"region": self.region, "sector": self.sector_picker.value}

    def rows(self) -> pd.DataFrame:
        metrics = all_years_metrics(self.data)
        if self.mode.value == "region":
            leading = tables.leading_clusters(self.data.clusters(self.region), LINES)
            return trend_rows(metrics, region=self.region, sectors=list(leading["sector"]))
        code = self.sector_picker.value
        latest = self.data.metrics()
        latest = latest[latest["sector"] == code].nlargest(LINES, "employment")
        regions = list(dict.fromkeys([*latest["region"], self.region]))
        return trend_rows(metrics, sector=code, regions=regions)

    def _draw(self):
        ws = self.ws
        mode, code = self.mode.value, self.sector_picker.value
        rows = self.rows()
        years = sorted(rows["year"].unique()) if not rows.empty else self.data.years
        if mode == "region":
            name = ws.region_name(self.region)
            title = f"{name}: leading clusters, {years[0]}–{years[-1]}"
            labels, column = dict(ws.sector_names), "sector"
            self.heading.value = (
                f'<h3 class="eocic-region-name">{esc(name)}</h3><div class="eocic-note">'
                f"{esc(self.region)} · {years[0]}–{years[-1]} · its {LINES} leading clusters"
                "</div>"
            )
            key, stem = ("region", self.region), self._stem(self.region, "trends")
        else:
            name = ws.sector_name(code)
            title = f"{name}: largest regions, {years[0]}–{years[-1]}"
            labels, column = {r: ws.region_name(r) for r in rows["region"]}, "region"
            self.heading.value = (
                f'<h3 class="eocic-sector-name">{esc(name)}</h3><div class="eocic-note">'
                f"{esc(code)} · {years[0]}–{years[-1]} · its {LINES} largest regions and "
                f"{esc(ws.region_name(self.region))}</div>"
            )
            key, stem = ("sector", code, self.region), self._stem(code, "trends")

        def chart():
            fig = trend_chart(rows, title=title, synthetic=ws.synthetic,
                              label_column=column, labels=labels)  # fmt: skip
            return fig, rows

        def table():
            return pd.DataFrame(
                {
                    "region": rows["region"].astype(str).to_numpy(),
                    "sector": rows["sector"].astype(str).to_numpy(),
                    "year": rows["year"].astype("int64").to_numpy(),
                    "Region": [ws.region_name(r) for r in rows["region"]],
                    "Sector": [ws.sector_name(s) for s in rows["sector"]],
                    "Employment (persons)": rows["employment"].to_numpy(dtype="float64"),
                    "LQ": rows["lq"].to_numpy(dtype="float64"),
                    "Stars": rows["stars"].fillna(0).astype("int64").to_numpy(),
                }
            )

        self.chart.update(key, chart, stem)
        self.table.update(key, table, stem)
