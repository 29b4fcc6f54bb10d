"""The selection the views share (region, sector, year, compared regions) and its form in a
URL's query string, so a link opens the same view with the same selection.

Pure: no widget, no kernel. ``Selection.from_query("region=BE3&sector=TC04")`` and
``selection.query()`` are inverse for the keys the views understand; unknown keys and values
that do not parse are dropped (a link typed by hand never breaks a page).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

MAX_COMPARED = 10  # regions side by side on the portfolio and the scoreboard
QUERY_KEYS = ("region", "sector", "year", "compare", "view")


@dataclass
class Selection:
    """What a visitor has chosen, carried from one view to the next (``None``: the view's
    default). ``compare`` holds up to ``MAX_COMPARED`` region ids, in the order added."""

    region: str | None = None
    sector: str | None = None
    year: int | None = None
    compare: list[str] = field(default_factory=list)
    view: str | None = None  # the tab of the all-views page

    @classmethod
    def from_query(cls, query: str | None) -> Selection:
        """The selection a query string holds (``?`` optional); bad values are left out."""
        values = parse_qs((query or "").lstrip("?"), keep_blank_values=False)

        def first(key: str) -> str | None:
            text = (values.get(key) or [""])[0].strip()
            return text[:100] or None

        year = first("year")
        compare = [c.strip()[:100] for c in ",".join(values.get("compare", [])).split(",")]
        return cls(
            region=first("region"),
            sector=first("sector"),
            year=int(year) if year and year.isdigit() else None,
            compare=list(dict.fromkeys(c for c in compare if c))[:MAX_COMPARED],
            view=first("view"),
        )

    def query(self, *, view: bool = False) -> str:
        """The query string (no ``?``), keys in a fixed order, empty parts left out."""
        parts = {
            "region": self.region,
            "sector": self.sector,
            "year": self.year,
            "compare": ",".join(self.compare),
            "view": self.view if view else None,
        }
        return urlencode({k: v for k, v in parts.items() if v not in (None, "")}, safe=",")

    def updated(self, **changes) -> Selection:
        return replace(self, **changes)


def page_link(notebook: str, selection: Selection, base_url: str = "") -> str:
    """The relative link to an app page (``portfolio.ipynb?region=BE31``) holding the
    selection; pages live side by side under ``voila/render/``, so a relative link works
    behind any ``--base-url``."""
    query = selection.query(view=notebook == "app.ipynb")
    return f"{base_url}{notebook}" + (f"?{query}" if query else "")
