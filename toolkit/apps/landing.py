"""The start page: what the tool is, the data set and its date, the views with one line
each, and a search box that finds a region or a sector and links to the views for it."""

from __future__ import annotations

import ipywidgets as W

from toolkit.apps.base import Explorer
from toolkit.apps.state import Selection, page_link
from toolkit.presentation import escape as esc

# page -> (title, one line); the order of the list on the start page
VIEW_LINES = {
    "overview.ipynb": ("Regional Performance Overview",
                       "a region's clusters and context indicators against the EU"),
    "portfolio.ipynb": ("Regional Cluster Portfolio",
                        "a region's most productive, specialised and largest sectors; "
                        "up to ten regions side by side"),
    "sector.ipynb": ("Data by Sector", "one sector across all regions, by country, sortable"),
    "map.ipynb": ("Regional Cluster Strength by Sector",
                  "a sector's cluster stars on the map of the NUTS-2 regions"),
    "scoreboard.ipynb": ("Regional Ecosystem Scoreboard",
                         "a region's framework conditions against the EU and its peers"),
    "trends.ipynb": ("Trends", "employment, LQ and stars of a region or a sector over the years"),
    "network.ipynb": ("Related Clusters",
                      "a region's sectors on the network of related sectors; where it could "
                      "grow next"),
    "partners.ipynb": ("Partner Finder (ESCP)",
                       "complementary and similar partner regions for a region in a sector"),
    "help.ipynb": ("Help", "navigation, the data base (download it whole) and the methodology"),
    "app.ipynb": ("All views in tabs", "every view on one page, the selection shared"),
}  # fmt: skip
REGION_VIEWS = ("overview.ipynb", "portfolio.ipynb", "scoreboard.ipynb", "trends.ipynb",
                "network.ipynb", "partners.ipynb")  # fmt: skip
SECTOR_VIEWS = ("sector.ipynb", "map.ipynb", "trends.ipynb", "partners.ipynb")


class Landing(Explorer):
    """The start page of the apps."""

    title = "EOCIC Cluster Mapping"
    slug = "index"
    notebook = "index.ipynb"

    def _build_controls(self):
        data = self.data
        self.targets = {label: ("region", rid) for label, rid in data.region_options}
        self.targets.update({label: ("sector", c) for label, c in data.sector_options})
        self.search = W.Combobox(
            options=list(self.targets),
            placeholder="search a region or a sector (name or code)",
            description="Search",
            ensure_option=False,
            layout=W.Layout(width="520px"),
        )
        self.search.add_class("eocic-search")
        self.search.observe(lambda _c: self.refresh(), names="value")
        self.results = W.HTML()
        self.results.add_class("eocic-search-results")
        self.about = W.HTML()
        self.about.add_class("eocic-landing")
        return W.VBox([self.search, self.results])

    def _build_body(self):
        return self.about

    def find(self, text: str) -> tuple[str, str] | None:
        """("region", id) or ("sector", code) for a search entry, else None."""
        text = str(text or "").strip()
        if not text:
            return None
        if text in self.targets:
            return self.targets[text]
        region = self.data.lookup(text)
        if region:
            return ("region", region)
        folded = text.casefold()
        for label, code in self.data.sector_options:
            if folded in (code.casefold(), label.casefold(), self.ws.sector_name(code).casefold()):
                return ("sector", code)
        return None

    def _draw(self):
        ws = self.ws
        found = self.find(self.search.value)
        if found is None:
            self.results.value = (
                f'<div class="eocic-note">No region or sector matches “{esc(self.search.value)}”'
                "</div>"
                if str(self.search.value or "").strip()
                else ""
            )
        else:
            kind, code = found
            selection = Selection(**{kind: code})
            pages = REGION_VIEWS if kind == "region" else SECTOR_VIEWS
            name = ws.region_name(code) if kind == "region" else ws.sector_name(code)
            links = " · ".join(
                f'<a href="{esc(page_link(p, selection))}" target="_top">{VIEW_LINES[p][0]}</a>'
                for p in pages
            )
            self.results.value = (
                f'<div class="eocic-found">{esc(name)} ({esc(code)}): {links}</div>'
            )
        years = self.data.years
        source = ws.provenance.get("source", "")
        kind = "synthetic demo data" if ws.synthetic else "real statistics supplied by the user"
        items = "".join(
            f'<li><a href="{esc(p)}" target="_top"><b>{esc(t)}</b></a> — {esc(line)}</li>'
            for p, (t, line) in VIEW_LINES.items()
        )
        self.about.value = f"""
<p>The EOCIC Cluster Toolkit maps Europe's industrial clusters: for every NUTS-2 region and
sector it measures employment, specialisation (location quotient), productivity and growth,
gives each cluster 0–4 stars, and sets the region's framework conditions against the EU on
the Regional Ecosystem Scoreboard.</p>
<p class="eocic-dataset"><b>Data set</b>: {esc(source)} ({esc(kind)}) ·
{ws.metrics["region"].nunique()} regions · {ws.metrics["sector"].nunique()} sectors ·
years {years[0]}–{years[-1]} · analysis year <b>{ws.year}</b> · benchmark
{esc(ws.benchmark.name)}</p>
<h3>The views</h3><ul class="eocic-views">{items}</ul>"""

    def current(self) -> dict[str, object]:
        found = self.find(self.search.value)
        return {found[0]: found[1]} if found else {}
