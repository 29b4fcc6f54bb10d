"""The whole data base to download: the metrics of every region and sector of the analysis
year (regions of analysis included), as CSV and Excel. Too large for a ``data:`` link, the
files are handed to the browser as Blobs by a script, made when the visitor asks for them."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from toolkit import export
from toolkit.apps.data import AppData

COLUMNS = [
    "region", "sector", "year", "region_name", "sector_name", "sector_type", "employment",
    "enterprises", "wages", "share", "lq", "wage_per_employee", "growth", "size_star",
    "specialisation_star", "productivity_star", "dynamism_star", "stars",
]  # fmt: skip


def database_table(data: AppData) -> pd.DataFrame:
    """Metrics of every region (and region of analysis) and sector, analysis year; key
    columns region, sector, year first, then names, then the measures."""
    ws = data.ws
    plain = data.metrics()
    unions = {u.id for u in ws.unions}
    analysis = data.metrics(analysis=True)
    table = pd.concat([plain, analysis[analysis["region"].isin(unions)]], ignore_index=True)
    table = table.assign(
        region_name=table["region"].map(ws.region_name),
        sector_name=table["sector"].map(ws.sector_name),
    )
    table = table[[c for c in COLUMNS if c in table.columns]]
    return export.with_keys(table.sort_values(["region", "sector"], kind="stable"))


class DatabaseDownload:
    """A button that makes the data base files and puts their download links beside it."""

    def __init__(self, data: AppData):
        from toolkit.apps.base import Script

        self.data = data
        self.script = Script()
        self.button = W.Button(description="Download the whole data base", icon="download",
                               layout=W.Layout(width="auto"))  # fmt: skip
        self.button.add_class("eocic-database")
        self.button.on_click(lambda _b: self.prepare())
        self.links = W.HTML('<span id="eocic-database-links"></span>')
        self.links.add_class("eocic-database-links")
        self.widget = W.VBox([W.HBox([self.button, self.links]), self.script.widget])
        self.widget.add_class("eocic-export")

    def prepare(self) -> None:
        ws = self.data.ws
        table = database_table(self.data)
        stem = export.safe_filename(f"eocic_database_{ws.year}")
        notice = ws.provenance.get("notice", "") if ws.synthetic else ""
        csv = export.table_bytes(table, "csv")
        xlsx = export.table_bytes(table, "xlsx", sheet="metrics", notice=notice)
        about = export.about_bytes(stem, notice, list(table.columns))
        self.links.value = '<span id="eocic-database-links"></span>'
        self.script.run(
            "document.getElementById('eocic-database-links').innerHTML='';"
            + export.blob_script(csv, f"{stem}.csv", "eocic-database-links", "CSV")
            + export.blob_script(xlsx, f"{stem}.xlsx", "eocic-database-links", "Excel")
            + export.blob_script(about, f"{stem}_about.txt", "eocic-database-links", "About")
        )
        self.table = table
