"""Help: how to navigate, what the data base holds (with the whole of it to download), and
the methodology with the thresholds in force."""

from __future__ import annotations

import os

import ipywidgets as W

from toolkit.apps.base import Explorer
from toolkit.apps.database import DatabaseDownload
from toolkit.presentation import escape as esc


class Help(Explorer):
    """How to navigate, what the data base holds, and the methodology with the thresholds in
    force."""

    title = "Help"
    slug = "help"
    notebook = "help.ipynb"

    def _build_controls(self):
        self.text = W.HTML()
        self.text.add_class("eocic-help")
        self.database = DatabaseDownload(self.data)
        return W.VBox([])

    def _build_body(self):
        return W.VBox([self.database.widget, self.text])

    def _draw(self):
        ws = self.ws
        years = self.data.years
        prov = ws.provenance
        params = ws.params
        period = ws.metrics.attrs.get("period", (ws.year, ws.year))
        thresholds = "".join(
            f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in params.describe().items()
        )
        kind = (
            f'<p class="eocic-synthetic">{esc(prov.get("notice", ""))}</p>'
            if ws.synthetic
            else "<p>The data are real statistics supplied by the user.</p>"
        )
        unions = ", ".join(esc(u.name) for u in ws.unions)
        self.text.value = f"""
<h3>How to navigate</h3>
<ul>
<li><b>Regional Performance Overview</b>: pick a region (type its name or NUTS code), then
filter by year, sector type and scoreboard dimension.</li>
<li><b>Regional Cluster Portfolio</b>: the region's most productive, most specialised and
largest sectors (choose the ranking and how many), and the portfolio bubble chart.</li>
<li><b>Data by Sector</b>: one sector across all regions; filter by country and sort the
table.</li>
<li><b>Regional Cluster Strength by Sector</b>: a sector's stars on the map of NUTS-2 regions
(or a ranked chart when no boundaries are available), with the table beside it.</li>
<li><b>Regional Ecosystem Scoreboard</b>: a region's framework conditions against the EU and
its peer regions.</li>
<li><b>Trends</b>: a region's or a sector's employment, LQ and stars over the years.</li>
<li><b>Related Clusters</b>: a region's sectors on the network of related sectors (the
same places for every region; colour: its stars or LQ; size: employment), and the sectors it
could grow into next, with the related strengths that make them related.</li>
<li><b>Partner Finder (ESCP)</b>: for a region and a sector, complementary partner regions
(strong where the region is weak, and the reverse) and similar ones, across countries, with
the figures behind each; the same rows as <code>toolkit partners</code>.</li>
<li>Under every chart and table: <b>Download</b> links (chart as PNG at 200 dpi, SVG or PDF;
table as CSV or Excel, with the columns region, sector and year first; the CSV's notes in a
separate text file). A table download holds all rows, not only those shown. <b>Print</b>
prints the view without its controls. The address bar holds the selection: copy it to share
the view.</li>
</ul>
<h3>The data base</h3>
{kind}
<ul>
<li>Source: {esc(prov.get("source", ""))} (file {esc(_name(prov.get("panel")))};
context {esc(_name(prov.get("context")) or "none")})</li>
<li>Years: {years[0]}–{years[-1]}; analysis year {ws.year}; growth period
{period[0]}–{period[1]}</li>
<li>{ws.metrics["region"].nunique()} regions and {ws.metrics["sector"].nunique()} sectors
({esc(prov.get("sector_set", "cluster categories"))}:
{int((ws.sectors["type"] == "traded").sum())} traded cluster categories,
{int((ws.sectors["type"] == "emerging").sum())} emerging industries,
{int((ws.sectors["type"] == "other").sum())} other sectors){esc(_note(prov))}</li>
<li>Regions of analysis (unions of NUTS codes): {unions}</li>
</ul>
<h3>Methodology</h3>
<p><b>Location quotient</b> LQ = (E[r,s] / E[r]) / (E[B,s] / E[B]), with E persons
employed and B the benchmark area: <b>{esc(ws.benchmark.name)}</b>. Regional totals add up
the base sectors only: emerging industries cut across the traded categories, and
overlapping NACE aggregates are left out. A <b>union</b> of regions sums its members' counts
and recomputes every ratio.</p>
<p><b>Cluster strength</b>: {_markdown_html(ws.method_markdown)}</p>
<p><b>Cluster stars</b> (0–4), one for each test a cluster passes within its sector across
the reference regions (thresholds in force, from {esc(_name(prov.get("star_parameters")))}):
</p><ul>{thresholds}</ul>
<p><b>Regional Ecosystem Scoreboard</b>: each indicator's score is the percentile of the
region's value among the European regions, turned so that higher is better (50 = EU median);
a dimension's score is the mean of its indicators' scores. <b>Peers</b> are the regions
closest in traded-sector structure (cosine similarity of employment shares) and GDP per
capita (log ratio).</p>
"""


def _markdown_html(text: str) -> str:
    """The little Markdown of a method's description (**bold**, `code`) as escaped HTML."""
    import re

    text = esc(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def _name(path: object) -> str:
    """The file name only: the apps never show server paths."""
    return os.path.basename(str(path)) if path else ""


def _note(provenance: dict) -> str:
    """The caveat about the sector set (codes without names), as a sentence after a dash."""
    note = provenance.get("sector_note")
    return f" — {note}" if note else ""
