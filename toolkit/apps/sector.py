"""Data by Sector: one sector across all regions, by country, sortable; the chart follows
the table's order."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from toolkit.apps.base import ChoosesSector, Explorer
from toolkit.apps.data import region_label
from toolkit.apps.figures import bar_chart, histogram
from toolkit.apps.panels import ChartPanel, TablePanel
from toolkit.presentation import escape as esc
from toolkit.workspace import Workspace

SORT_COLUMNS = {
    "employment": "Employment (persons)",
    "lq": "LQ",
    "wage_per_employee": "Wage per employee (EUR)",
    "growth": "Growth (% a year)",
    "stars": "Stars",
    "region": "Region code",
}


class DataBySector(ChoosesSector, Explorer):
    """One sector across all regions: ranking, distribution of LQ, filter by country, and a
    sortable table."""

    title = "Data by Sector"
    slug = "sector"
    notebook = "sector.ipynb"

    def _build_controls(self):
        sector = self._sector_picker()
        self.country = W.Dropdown(
            options=self.data.country_options, value="all", description="Country"
        )
        self.country.add_class("eocic-country")
        self.sort_by = W.Dropdown(
            options=[(v, k) for k, v in SORT_COLUMNS.items()],
            value="employment",
            description="Sort by",
        )
        self.sort_by.add_class("eocic-sort-by")
        self.order = W.ToggleButtons(
            options=[("Descending", False), ("Ascending", True)], value=False, description="Order"
        )
        self.order.add_class("eocic-order")
        for control in (self.country, self.sort_by, self.order):
            control.observe(self.refresh, names="value")
        self.ranking_chart = ChartPanel("sector-ranking-chart")
        self.distribution_chart = ChartPanel("sector-distribution-chart")
        self.table = TablePanel("sector-table", self.notice)
        self.panels = [self.ranking_chart, self.table, self.distribution_chart]
        return W.VBox([sector, self.country, W.HBox([self.sort_by, self.order])])

    def _build_body(self):
        return W.VBox(
            [
                self.ranking_chart.widget,
                self.table.widget,
                W.HTML("<h3>Distribution across regions</h3>"),
                self.distribution_chart.widget,
            ]
        )

    def rows(self) -> pd.DataFrame:
        """The sector's rows (regions as in the data), filtered by country, sorted."""
        rows = self.sector_metrics()
        if self.country.value != "all":
            country = rows["region"].map(self.data.region_country)
            rows = rows[country == self.country.value]
        return rows.sort_values(
            [self.sort_by.value, "region"],
            ascending=[self.order.value, True],
            kind="stable",
            na_position="last",
        ).reset_index(drop=True)

    def _draw(self):
        ws = self.ws
        code = self.sector
        sector_name = ws.sector_name(code)
        rows = self.rows()
        where = "all countries" if self.country.value == "all" else self.country.value
        self.heading.value = (
            f'<h3 class="eocic-sector-name">{esc(sector_name)}</h3><div class="eocic-note">'
            f"{esc(code)} · {ws.year} · {len(rows)} regions ({esc(where)})</div>"
        )
        column = self.sort_by.value if self.sort_by.value != "region" else "employment"
        label = SORT_COLUMNS[column]
        ascending = self.order.value
        key = (code, self.country.value, self.sort_by.value, ascending)

        def chart():
            # The table's first 20 rows, in the table's order (ascending: the lowest first).
            top = rows.dropna(subset=[column]).head(20)
            scale = 100.0 if column == "growth" else 1.0
            which = "bottom" if ascending and self.sort_by.value != "region" else "top"
            fig = bar_chart(
                [region_label(ws, r) for r in top["region"]],
                scale * top[column].to_numpy(dtype="float64"),
                stars=top["stars"].to_numpy(),
                xlabel=f"{label} (colour: cluster stars)",
                title=f"{sector_name}: {which} regions by {label.split(' (')[0].lower()}, "
                f"{ws.year}",
                synthetic=ws.synthetic,
            )
            return fig, top[["region", column, "stars"]].reset_index(drop=True)

        stem = self._stem(code, self.country.value)
        self.ranking_chart.update(key, chart, self._stem(code, self.country.value, column))
        self.table.update(
            (code, self.country.value, self.sort_by.value, self.order.value),
            lambda: region_table(ws, rows),
            stem,
            keys={"region": lambda t: t["Region code"], "sector": code, "year": ws.year},
        )

        def distribution():
            fig = histogram(
                rows["lq"],
                xlabel="location quotient (dashed: specialisation "
                f"star at {ws.params.specialisation_min_lq:g})",
                title=f"{sector_name}: specialisation across regions",
                synthetic=ws.synthetic,
                marker=ws.params.specialisation_min_lq,
            )
            return fig, rows[["region", "lq"]]

        lq_key, lq_stem = (code, self.country.value), self._stem(code, self.country.value, "lq")
        self._defer(lambda: self.distribution_chart.update(lq_key, distribution, lq_stem))


def region_table(ws: Workspace, rows: pd.DataFrame) -> pd.DataFrame:
    """Display table of one sector's regions, units in the column names."""
    return pd.DataFrame(
        {
            "Region": [ws.region_name(r) for r in rows["region"]],
            "Region code": rows["region"].astype(str).to_numpy(),
            "Stars": rows["stars"].astype("int64").to_numpy(),
            "Employment (persons)": rows["employment"].to_numpy(dtype="float64"),
            "LQ": rows["lq"].to_numpy(dtype="float64"),
            "Wage per employee (EUR)": rows["wage_per_employee"].to_numpy(dtype="float64"),
            "Growth (% a year)": 100 * rows["growth"].to_numpy(dtype="float64"),
        }
    )
