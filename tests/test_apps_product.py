"""The apps as a product, driven from Python: the selection and its URL form, the selection
carried from view to view, "better"/"worse" by an indicator's direction, years as years,
download tables with their key columns, PNG at 200 dpi, labels that never overlap (measured
with the Agg renderer), comparison of regions, trends, the start page and the data base."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from toolkit import explorers as E
from toolkit import export, geo
from toolkit.apps.figures import _renderer, bubble_chart, overlapping

pytestmark = pytest.mark.usefixtures("fresh_selection")  # ``data`` and this: conftest.py


def test_selection_round_trips_through_the_query_string():
    sel = E.Selection.from_query("?region=BE3&sector=TC04&year=2018&compare=FI1D,DED2,FI1D")
    assert (sel.region, sel.sector, sel.year, sel.compare) == (
        "BE3",
        "TC04",
        2018,
        ["FI1D", "DED2"],
    )
    assert sel.query() == "region=BE3&sector=TC04&year=2018&compare=FI1D,DED2"
    assert E.Selection.from_query(sel.query()) == sel
    bad = E.Selection.from_query("year=20x&compare=" + ",".join(f"R{i}" for i in range(15)))
    assert bad.year is None and len(bad.compare) == E.MAX_COMPARED
    assert E.page_link("portfolio.ipynb", E.Selection(region="ITC4")) == (
        "portfolio.ipynb?region=ITC4"
    )


def test_region_chosen_in_one_view_is_the_next_views_region(data):
    overview = E.RegionalPerformanceOverview(data)
    overview.select_region("ITC4")
    overview.year.value = 2016
    portfolio = E.RegionalClusterPortfolio(data)
    assert portfolio.region == "ITC4"
    assert 'href="scoreboard.ipynb?region=ITC4&amp;year=2016"' in portfolio.nav.value
    assert "replaceState" in portfolio.script.sent[-1]
    assert "region=ITC4&year=2016" in portfolio.script.sent[-1]
    app = E.ClusterMappingApp(data)
    app.views["overview"].select_region("FI1D")
    assert app.open("scoreboard").region == "FI1D"


def test_query_string_of_the_visit_selects_the_region(data, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "region=ITC4&compare=FI1D,DED2,nowhere")
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    view = E.RegionalClusterPortfolio(data)
    assert view.region == "ITC4" and view.compare.regions == ["FI1D", "DED2"]
    assert set(view.compare_table.data["Region code"]) == {"ITC4", "FI1D", "DED2"}


def test_better_and_worse_follow_the_indicators_direction():
    got = E.standing([19.0, 10.0, 19.0, 5.0, np.nan], [14.9, 14.9, 14.9, 5.0, 1.0],
                     [False, False, True, True, True])  # fmt: skip
    assert list(got) == ["worse (higher)", "better (lower)", "better (higher)", "same", "n/a"]


def test_scoreboard_table_says_a_higher_unemployment_rate_is_worse(data):
    view = E.EcosystemScoreboard(data, region="ITC4")
    table = view.table.data
    worse_when_higher = table[table["Higher is"] == "worse"]
    assert not worse_when_higher.empty
    higher = worse_when_higher["Region"] > worse_when_higher["EU median"]
    assert set(worse_when_higher.loc[higher, "Against EU"]) <= {"worse (higher)"}


def test_years_show_as_years_not_thousands():
    html = E.html_table(pd.DataFrame({"Data year": [2020, 2019], "Employment": [12000, 5]}))
    assert ">2020<" in html and "2,020" not in html and ">12,000<" in html


def test_download_tables_lead_with_region_sector_and_year(data):
    view = E.RegionalPerformanceOverview(data, region="ITC4")
    table = view.cluster_table.download_table()
    assert list(table.columns[:3]) == ["region", "sector", "year"]
    assert set(table["region"]) == {"ITC4"} and set(table["year"]) == {data.ws.year}
    assert list(table["sector"]) == list(view.cluster_table.data["Code"])
    context = view.context_table.download_table()
    assert list(context.columns[:3]) == ["region", "sector", "year"]
    csv = export.table_bytes(table, "csv")
    back = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert list(back.columns) == list(table.columns) and len(back) == len(table)


def _as_in_a_kernel(steps):
    """Run ``steps()`` as an app kernel runs a page, with an event loop running: downloads
    wait for a click there (without a loop every file is made at once)."""
    import asyncio

    async def run():
        steps()

    asyncio.run(run())


def test_a_drawing_makes_no_download_until_one_is_asked_for(data):
    _as_in_a_kernel(lambda: _downloads_on_demand(data))


def _downloads_on_demand(data):
    view = E.RegionalPerformanceOverview(data, region="ITC4")
    links = view.cluster_chart.links.value
    assert "data:" not in links and links.count("eocic-on-demand") == 3
    drawn = [p for p in view.panels if p.renders]
    assert view.cluster_table in drawn
    assert all(p.links.value.count("eocic-on-demand") == len(p.formats) for p in drawn)

    # what the page's click sends: panel | format | time
    view.export_request.value = "clusters-chart|png|1"
    links = view.cluster_chart.links.value
    stem = view.cluster_chart.stem
    found = re.findall(r'download="([^"]+)" href="data:image/png;base64,([^"]+)"', links)
    assert [name for name, _ in found] == [f"{stem}.png"] and stem.startswith("overview_ITC4")
    png = base64.b64decode(found[0][1])
    assert Image.open(io.BytesIO(png)).format == "PNG"
    assert links.count("eocic-on-demand") == 2  # SVG and PDF still wait for their click
    assert "eocic-download-png" in view.script.sent[-1]
    assert ".eocic-view-overview .eocic-panel-clusters-chart" in view.script.sent[-1]
    assert all("data:" not in p.links.value for p in view.panels if p is not view.cluster_chart)

    view.export_request.value = "clusters-table|csv|2"
    csv = re.search(r'href="data:text/csv;base64,([^"]+)"', view.cluster_table.links.value)[1]
    back = pd.read_csv(io.StringIO(base64.b64decode(csv).decode("utf-8-sig")))
    assert list(back["sector"]) == list(view.cluster_table.data["Code"])

    # a redraw drops the files of the last drawing: every link asks again
    view.region_picker.value = data.label("FI1D")
    assert view.cluster_chart.stem.startswith("overview_FI1D")
    assert view.cluster_chart.links.value.count("eocic-on-demand") == 3
    assert "data:" not in view.cluster_chart.links.value

    view.export_request.value = "no-such-panel|png|3"
    assert "could not be made" in view.status.value


def test_png_downloads_are_200_dpi(data):
    view = E.DataBySector(data, sector="TC04")
    png = export.figure_bytes(view.ranking_chart.figure, "png")
    dpi = Image.open(io.BytesIO(png)).info["dpi"]
    assert round(dpi[0]) == 200


@pytest.mark.parametrize("region", ["ITC4", "FI1D", "DED2", "BE31", "ES13", "wallonia"])
def test_bubble_labels_and_log_ticks_never_overlap(data, region):
    fig = bubble_chart(data.clusters(region), data.ws.sector_names, label_top=10)
    ax = fig.axes[0]
    renderer = _renderer(fig)
    fig.draw(renderer)
    labels = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(labels) >= 3  # most labels find a place
    assert not overlapping(labels)
    ticks = [t for t in ax.xaxis.get_ticklabels(which="both") if t.get_visible() and t.get_text()]
    assert not overlapping(t.get_window_extent(renderer) for t in ticks)


def test_overlap_check_sees_overlapping_boxes():
    from matplotlib.transforms import Bbox

    assert overlapping([Bbox([[0, 0], [2, 2]]), Bbox([[1, 1], [3, 3]])])
    assert not overlapping([Bbox([[0, 0], [1, 1]]), Bbox([[2, 2], [3, 3]])])


def test_sector_chart_follows_the_tables_order(data):
    view = E.DataBySector(data, sector="TC04")
    view.sort_by.value = "lq"
    view.order.value = True
    assert list(view.ranking_chart.data["region"]) == list(view.table.data["Region code"].head(20))


def test_trends_give_every_year_of_a_regions_leading_clusters(data):
    view = E.Trends(data, region="ITC4")
    rows = view.chart.data
    assert sorted(rows["year"].unique()) == data.years
    assert rows["sector"].nunique() == 5 and set(rows["region"]) == {"ITC4"}
    one = rows[(rows["sector"] == rows["sector"].iloc[0]) & (rows["year"] == 2016)]
    expected = data.metrics(2016)
    expected = expected[
        (expected["region"] == "ITC4") & (expected["sector"] == one["sector"].iloc[0])
    ]
    assert float(one["employment"].iloc[0]) == float(expected["employment"].iloc[0])
    view.mode.value = "sector"
    assert view.chart.data["sector"].nunique() == 1


def test_map_and_sector_views_share_the_sector_of_the_selection(data):
    """The sector control both sector views share: a pick goes into the shared selection
    (and the links to the other pages), and a sector picked in the other view is taken up
    when this one is opened again."""
    ws, metrics = data.ws, data.ws.metrics
    in_data = set(metrics["sector"].astype(str))
    listed = [code for code in ws.sectors["code"].astype(str) if code in in_data]
    app = E.ClusterMappingApp(data)
    for mine, other in [("map", "sector"), ("sector", "map")]:
        code, then = "TC05", "TC42"  # neither is the first sector, where a view opens
        view = app.open(mine)
        assert view.sector_picker.value != code
        assert "eocic-sector-picker" in view.sector_picker._dom_classes
        assert [c for _, c in view.sector_picker.options] == listed
        view.sector_picker.value = code
        assert data.selection.sector == code
        assert view.nav.value.count(f"sector={code}") == len(E.PAGE_MENU)  # every page's link
        assert view.rows()["sector"].unique().tolist() == [code]
        assert len(view.rows()) == int((metrics["sector"] == code).sum())
        assert f">{ws.sector_name(code)}</h3>" in view.heading.value
        elsewhere = app.open(other)
        assert elsewhere.sector_picker.value == code  # follows the pick made in `mine`
        elsewhere.sector_picker.value = then
        assert data.selection.sector == then
        back = app.open(mine)
        assert back is view and view.sector_picker.value == then
        assert f">{ws.sector_name(then)}</h3>" in view.heading.value
        assert set(view.rows()["sector"]) == {then}


def test_map_hover_text_and_click_select_a_region(data):
    view = E.ClusterStrengthMap(data, sector="TC42")
    assert view.has_map and 'data-region="ITC4"' in view.map_svg.value
    rows = view.rows().set_index("region")
    stars = int(rows.loc["ITC4", "stars"])
    assert f"Lombardia (ITC4): {stars} star" in view.map_svg.value
    view.select_on_map("ITC4")
    assert 'class="eocic-region eocic-selected" data-region="ITC4"' in view.map_svg.value
    assert "scoreboard.ipynb?region=ITC4" in view.clicked.value
    assert data.selection.region == "ITC4"
    europe = view.extent()
    view._set_zoom(2)
    lon0, lon1, _, _ = view.extent()
    assert lon1 - lon0 == pytest.approx((europe[1] - europe[0]) / 4)


def test_svg_map_escapes_names_and_keeps_holes():
    geometry = geo.Geometry({"X1": [[np.array([[0, 40], [10, 40], [10, 50], [0, 50.0]])]]}, "t")
    svg = geo.svg_map(geometry, {"X1": "#123456"}, {"X1": "<b>&</b>"}, extent=(0, 10, 40, 50))
    assert "<title>&lt;b&gt;&amp;&lt;/b&gt;</title>" in svg and 'fill="#123456"' in svg


def test_start_page_finds_regions_and_sectors(data):
    page = E.Landing(data)
    assert "analysis year <b>2020</b>" in page.about.value
    page.search.value = "lombardia"
    assert 'href="portfolio.ipynb?region=ITC4"' in page.results.value
    page.search.value = "TC04"
    assert 'href="map.ipynb?sector=TC04"' in page.results.value
    page.search.value = "<i>nowhere</i>"
    assert "&lt;i&gt;" in page.results.value


def test_whole_data_base_has_every_region_and_sector(data):
    table = E.database_table(data)
    assert list(table.columns[:3]) == ["region", "sector", "year"]
    metrics = data.ws.metrics
    assert set(metrics["region"]) <= set(table["region"])
    assert table["sector"].nunique() == metrics["sector"].nunique()
    assert "wallonia" in set(table["region"])
