"""Partner Finder (ESCP): for a region and a sector, the regions across Europe a European
Strategic Cluster Partnership could start from: complementary partners (strong where the
region is weak, and the reverse, over the sector and its most related sectors) and similar
ones (for scale), with the figures behind each row. The rows are those of
``toolkit.growth.partners_table``, which ``toolkit partners`` prints: app and command agree."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from toolkit import growth
from toolkit.apps.base import ChoosesRegion, ChoosesSector, Explorer
from toolkit.apps.figures import partner_chart
from toolkit.apps.panels import ChartPanel, TablePanel
from toolkit.presentation import escape as esc

KINDS = {
    "complementary": ("Complementary partners", "They bring", "partner_brings"),
    "similar": ("Similar partners", "Both strong in", "shared"),
}


def partner_rows(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    """One kind of ``partners_table``'s rows as the view shows them: rank, the partner, its
    figures in the sector, the score and the sectors behind it."""
    rows = table[table["partnership"] == kind]
    out = pd.DataFrame(
        {
            "Rank": rows["rank"].astype("int64").to_numpy(),
            "Region": rows["name"].astype(str).to_numpy(),
            "Region code": rows["region"].astype(str).to_numpy(),
            "Country": rows["country"].astype(str).to_numpy(),
            "Partner score": rows["score"].to_numpy(dtype="float64"),
            "Employment (persons)": rows["employment"].to_numpy(dtype="float64"),
            "LQ": rows["lq"].to_numpy(dtype="float64"),
            "Stars": rows["stars"].astype("int64").to_numpy(),
        }
    )
    if kind == "complementary":
        out["They bring"] = rows["partner_brings"].astype(str).to_numpy()
        out["Region brings"] = rows["region_brings"].astype(str).to_numpy()
    else:
        out["Both strong in"] = rows["shared"].astype(str).to_numpy()
    out["Partner of"] = table.attrs.get("region", "")
    return out


class PartnerFinder(ChoosesRegion, ChoosesSector, Explorer):
    """Complementary and similar partner regions for a region in a sector, across countries,
    from ``growth.partners_table``; a chart of where they stand (employment against LQ)."""

    title = "Partner Finder (ESCP)"
    slug = "partners"
    notebook = "partners.ipynb"

    def _build_controls(self):
        region = self._region_picker()
        sector = self._sector_picker()
        self.top_n = W.IntSlider(
            value=10, min=3, max=25, description="Partners", continuous_update=False
        )
        self.top_n.add_class("eocic-top-n")
        self.other_countries = W.Checkbox(
            value=False, description="Other countries only", indent=False
        )
        self.other_countries.add_class("eocic-other-countries")
        for control in (self.top_n, self.other_countries):
            control.observe(self.refresh, names="value")
        self.chart = ChartPanel("partners-chart")
        self.tables = {kind: TablePanel(f"{kind}-table", self.notice) for kind in KINDS}
        self.panels = [self.chart, *self.tables.values()]
        self.note = W.HTML()
        self.note.add_class("eocic-partners-note")
        return W.VBox([region, sector, W.HBox([self.top_n, self.other_countries])])

    def _build_body(self):
        parts: list[W.Widget] = [self.note, self.chart.widget]
        for kind, (title, _, _) in KINDS.items():
            parts += [W.HTML(f"<h3>{esc(title)}</h3>"), self.tables[kind].widget]
        return W.VBox(parts)

    def partners(self) -> pd.DataFrame:
        """``growth.partners_table`` for the selection (what ``toolkit partners`` prints)."""
        return growth.partners_table(
            self.ws,
            self.region,
            self.sector,
            n=self.top_n.value,
            exclude_same_country=self.other_countries.value,
        )

    def _draw(self):
        ws = self.ws
        table = self.partners()
        info = table.attrs
        code, name = info["sector"], info["region_name"]
        counted = info["sectors_that_count"]
        self.heading.value = (
            f'<h3 class="eocic-region-name">{esc(name)}</h3><div class="eocic-note">'
            f'{esc(self.region)} · <span class="eocic-sector-name">'
            f"{esc(info['sector_name'])}</span> ({esc(code)}) · {info['year']}</div>"
        )
        complementary = table[table["partnership"] == "complementary"]
        strong_everywhere = (
            f" {esc(name)} is strong in every sector that counts, so no region complements it."
            if complementary.empty and info["region_strong_in_all"]
            else ""
        )
        self.note.value = (
            '<div class="eocic-note">Sectors that count: '
            + ", ".join(f"{esc(ws.sector_name(c))} ({esc(c)})" for c in counted)
            + (" — the sector and its most related ones (co-location)" if len(counted) > 1 else "")
            + ". A region is strong in a sector with LQ ≥ 1 or at least one star. "
            f"Complementary: score = (sectors the partner brings + sectors {esc(name)} brings) "
            f"/ {len(counted)}. Similar: score = cosine similarity of LQ over those sectors."
            + (
                f" Regions of {esc(info['country'])} are left out."
                if self.other_countries.value
                else ""
            )  # fmt: skip
            + strong_everywhere
            + "</div>"
        )
        key = (self.region, code, self.top_n.value, self.other_countries.value)
        parts = [self.region, code] + (["other-countries"] if self.other_countries.value else [])

        def chart():
            own = ws.metrics if not ws.is_union(self.region) else ws.analysis_metrics
            mine = own[(own["region"] == self.region) & (own["sector"] == code)]
            point = {
                "region": self.region,
                "employment": float(mine["employment"].iloc[0]) if len(mine) else float("nan"),
                "lq": float(mine["lq"].iloc[0]) if len(mine) else float("nan"),
            }
            fig = partner_chart(
                table,
                point,
                title=f"Partners of {name} in {info['sector_name']}",
                synthetic=ws.synthetic,
                sector_label=info["sector_name"],
            )
            data = table[["partnership", "rank", "region", "employment", "lq", "stars", "score"]]
            return fig, data.reset_index(drop=True)

        self.chart.update(key, chart, self._stem(*parts))
        for kind, panel in self.tables.items():
            panel.update(
                key,
                lambda kind=kind: partner_rows(table, kind),
                self._stem(*parts, kind),
                keys={"region": lambda t: t["Region code"], "sector": code, "year": info["year"]},
            )
