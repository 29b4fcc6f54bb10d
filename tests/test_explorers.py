"""The explorers driven from Python (no browser): each control changes the chart data and the
table as expected, computed here independently from the raw panel and context; only the
panels a control feeds are redrawn; text from data is escaped; the synthetic notice is on
every view; the export helpers give valid PNG, SVG, PDF, CSV and Excel files; the app command
and notebooks are what Voilà needs."""

from __future__ import annotations

import base64
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import ipywidgets as W
import numpy as np
import openpyxl
import pandas as pd
import pytest
from matplotlib.figure import Figure

from toolkit import explorers as E
from toolkit import export, geo
from toolkit.errors import BadInputError
from toolkit.reference import default_regions_file
from toolkit.sources import APP_ENV, APP_PREPARED, DataSources
from toolkit.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
PAYLOAD = "<img src=x onerror=alert(1)>"


pytestmark = pytest.mark.usefixtures("fresh_selection")  # data, fresh_selection: conftest.py


@pytest.fixture(scope="module")
def panel(data) -> pd.DataFrame:
    return data.ws.panel


def independent_lq(panel: pd.DataFrame, sectors: pd.DataFrame, year: int) -> pd.Series:
    """LQ = (E[r,s] / E[r]) / (E[Europe,s] / E[Europe]); totals over traded sectors only."""
    p = panel[panel["year"] == year]
    emerging = set(sectors.loc[sectors["type"] == "emerging", "code"])
    base = p[~p["sector"].isin(emerging)]
    region_total = base.groupby("region")["employment"].sum()
    europe_total = base["employment"].sum()
    sector_total = p.groupby("sector")["employment"].sum()
    e = p.set_index(["region", "sector"])["employment"]
    share = e / region_total.reindex(e.index.get_level_values("region")).to_numpy()
    europe_share = sector_total.reindex(e.index.get_level_values("sector")).to_numpy()
    return share / (europe_share / europe_total)


def all_html(widget: W.Widget) -> str:
    """Every HTML string shown by a widget tree."""
    parts = []
    if isinstance(widget, W.HTML | W.HTMLMath):
        parts.append(widget.value)
    for child in getattr(widget, "children", ()):
        parts.append(all_html(child))
    return "\n".join(parts)


# --- Regional Performance Overview -----------------------------------------------------------


def test_overview_union_region_sums_its_members_employment(data, panel):
    view = E.RegionalPerformanceOverview(data, region="wallonia")
    members = ["BE31", "BE32", "BE33", "BE34", "BE35"]
    # "All" lists every sector but the emerging industries, which cut across the others
    emerging = set(data.ws.sectors.loc[data.ws.sectors["type"] == "emerging", "code"])
    p = panel[
        (panel["year"] == data.ws.year)
        & panel["region"].isin(members)
        & ~panel["sector"].isin(emerging)
    ]
    # a union sums its members; a member's missing cell makes the union's cell missing
    expected = p.groupby("sector")["employment"].agg(
        lambda s: s.sum() if s.notna().all() and len(s) == len(members) else np.nan
    )
    table = view.cluster_table.data
    got = table.set_index("Code")["Employment (persons)"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index().astype("float64"), check_names=False
    )
    assert "Wallonia" in view.heading.value


def test_overview_region_year_and_sector_type_change_the_table(data, panel, monkeypatch):
    view = E.RegionalPerformanceOverview(data, region="wallonia")
    view.select_region("BE31")
    assert view.region == "BE31"
    view.year.value = 2016
    view.sector_type.value = "emerging"
    p = panel[(panel["region"] == "BE31") & (panel["year"] == 2016)]
    emerging = set(data.ws.sectors.loc[data.ws.sectors["type"] == "emerging", "code"])
    expected = p[p["sector"].isin(emerging)].set_index("sector")["employment"]
    table = view.cluster_table.data
    assert set(table["Type"]) == {"emerging"}
    got = table.set_index("Code")["Employment (persons)"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index().astype("float64"), check_names=False
    )
    lq = independent_lq(panel, data.ws.sectors, 2016).loc["BE31"]
    np.testing.assert_allclose(table.set_index("Code")["LQ"], lq.reindex(table["Code"]))
    # the chart shows the 15 leading clusters of the same selection
    chart = view.cluster_chart.data
    assert list(chart["sector"]) == list(table["Code"].head(15))


def test_overview_dimension_filter_redraws_only_the_context_panels(data):
    view = E.RegionalPerformanceOverview(data, region="BE31")
    before = [p.renders for p in view.panels]
    view.dimension.value = "skills"
    after = [p.renders for p in view.panels]
    assert after == [before[0], before[1], before[2] + 1, before[3] + 1]
    ctx = data.ws.context
    row = ctx[(ctx["region"] == "BE31") & (ctx["year"] == data.ws.year)].iloc[0]
    skills = [i for i in data.ws.indicators.scoreboard() if i.dimension == "skills"]
    skills = [i for i in skills if i.code in ctx.columns]
    table = view.context_table.data
    assert list(table["Indicator"]) == [i.name for i in skills]
    np.testing.assert_allclose(table["Region"], [row[i.code] for i in skills])
    assert set(view.context_chart.data["indicator"]) == {i.code for i in skills}


def test_unknown_region_text_keeps_the_view_and_is_escaped(data):
    view = E.RegionalPerformanceOverview(data, region="BE31")
    renders = [p.renders for p in view.panels]
    view.select_region("<b>Atlantis</b>")
    assert view.region == "BE31"
    assert "&lt;b&gt;Atlantis&lt;/b&gt;" in view.status.value
    assert [p.renders for p in view.panels] == renders
    view.select_region("fi1d")  # a code in any case
    assert view.region == "FI1D"
    view.select_region("lombardia")  # a name, any case
    assert view.region == "ITC4"
    view.select_region("Cantabria")  # a pilot region's name: the region of analysis
    assert view.region == "cantabria"


# --- Regional Cluster Portfolio --------------------------------------------------------------


def test_portfolio_ranking_by_specialisation_matches_independent_lq(data, panel):
    view = E.RegionalClusterPortfolio(data, region="FI1D")
    bubbles = view.bubble_chart.renders
    view.rank_by.value = "specialisation"
    view.top_n.value = 5
    lq = independent_lq(panel, data.ws.sectors, data.ws.year).loc["FI1D"]
    traded = set(data.ws.sectors.loc[data.ws.sectors["type"] != "emerging", "code"])
    expected = lq[lq.index.isin(traded)].sort_values(ascending=False).head(5)
    assert list(view.ranking_chart.data["sector"]) == list(expected.index)
    assert list(view.ranking_table.data["Code"]) == list(expected.index)
    assert view.bubble_chart.renders == bubbles  # the bubbles do not depend on the ranking


def test_portfolio_largest_and_most_productive(data, panel):
    view = E.RegionalClusterPortfolio(data, region="ES13")
    view.top_n.value = 4
    p = panel[(panel["region"] == "ES13") & (panel["year"] == data.ws.year)]
    p = p[~p["sector"].isin(data.ws.sectors.loc[data.ws.sectors["type"] == "emerging", "code"])]
    largest = p.sort_values("employment", ascending=False)["sector"].head(4)
    assert list(view.ranking_table.data["Code"]) == list(largest)
    view.rank_by.value = "productivity"
    wage = (p["wages"] / p["employment"]).to_numpy()
    productive = p.assign(w=wage).sort_values("w", ascending=False)["sector"].head(4)
    assert list(view.ranking_table.data["Code"]) == list(productive)
    region_bubble = view.bubble_chart.data
    assert set(region_bubble["sector"]) <= set(p["sector"])


# --- Data by Sector ---------------------------------------------------------------------------


def test_sector_view_filters_by_country_and_sorts(data, panel):
    view = E.DataBySector(data, sector="TC04")
    assert (
        len(view.table.data)
        == panel[(panel["sector"] == "TC04") & (panel["year"] == data.ws.year)]["region"].nunique()
    )
    view.country.value = "DE"
    view.sort_by.value = "lq"
    view.order.value = True  # ascending
    regions = data.ws.regions
    german = set(regions.loc[(regions["country"] == "DE") & (regions["level"] == 2), "code"])
    p = panel[(panel["sector"] == "TC04") & (panel["year"] == data.ws.year)]
    expected_regions = set(p["region"]) & german
    table = view.table.data
    assert set(table["Region code"]) == expected_regions
    lq = independent_lq(panel, data.ws.sectors, data.ws.year).xs("TC04", level="sector")
    np.testing.assert_allclose(table["LQ"], lq.reindex(table["Region code"]))
    assert table["LQ"].is_monotonic_increasing
    # the chart follows the table: its first 20 rows, in the table's (ascending) order
    assert list(view.ranking_chart.data["region"]) == list(table["Region code"].head(20))
    assert view.ranking_chart.data["lq"].is_monotonic_increasing
    view.order.value = False
    top = lq.reindex(sorted(expected_regions)).sort_values(ascending=False).head(20)
    assert list(view.ranking_chart.data["region"]) == list(top.index)
    view.sector_picker.value = "TC05"
    assert "Biopharmaceuticals" in view.heading.value


# --- Regional Cluster Strength by Sector (map) ------------------------------------------------


def test_map_draws_fixture_geometry_coloured_by_stars(monkeypatch):
    monkeypatch.setenv("EOCIC_GEOJSON", str(FIXTURES / "nuts2_mini.geojson"))
    fresh = E.AppData(Workspace.load())
    view = E.ClusterStrengthMap(fresh, sector="TC42")
    assert view.has_map
    assert "nuts2_mini.geojson" in view.map_note.value
    table = view.table.data
    metrics = fresh.ws.metrics
    expected = metrics[metrics["sector"] == "TC42"].set_index("region")["stars"]
    got = table.set_index("Region code")["Stars"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index().astype("int64"), check_names=False
    )
    colours = view.map_chart.figure.axes[0].collections[0].get_facecolors()
    shapes = geo.read_geojson(FIXTURES / "nuts2_mini.geojson").shapes
    from matplotlib.colors import to_rgba

    want = [
        to_rgba(geo.STAR_COLOURS[int(expected[c])]) for c, polys in shapes.items() for _ in polys
    ]
    np.testing.assert_allclose(colours, want)


def test_map_without_geometry_says_so_and_shows_the_ranked_chart(data, monkeypatch, tmp_path):
    # The shipped boundaries always draw; a boundary file the user names that cannot be read
    # leaves the view without a map.
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    monkeypatch.setenv("EOCIC_GEOJSON", str(broken))
    fresh = E.AppData(data.ws)
    view = E.ClusterStrengthMap(fresh, sector="TC04")
    assert not view.has_map
    assert "No map available" in view.map_note.value
    metrics = data.ws.metrics
    rows = metrics[metrics["sector"] == "TC04"]
    expected = rows.sort_values(["stars", "employment"], ascending=False).head(25)
    assert list(view.map_chart.data["region"]) == list(expected["region"])


# --- Regional Ecosystem Scoreboard ------------------------------------------------------------


def test_scoreboard_peers_and_indicator_values(data):
    view = E.EcosystemScoreboard(data, region="BE31")
    assert len(view.peers) == 5 and "BE31" not in view.peers
    view.n_peers.value = 8
    assert len(view.peers) == 8
    ctx = data.ws.context
    row = ctx[(ctx["region"] == "BE31") & (ctx["year"] == data.ws.year)].iloc[0]
    table = view.table.data
    codes = [i for i in data.ws.indicators.scoreboard() if i.code in ctx.columns]
    assert list(table["Indicator"]) == [i.name for i in codes]
    np.testing.assert_allclose(table["Region"], [row[i.code] for i in codes])
    # a peer without a value in the analysis year brings its latest earlier one
    from toolkit.scoreboard import context_for_year

    latest = context_for_year(ctx, data.ws.year)
    peer_rows = latest[latest["region"].isin(view.peers)]
    np.testing.assert_allclose(table["Peer median"], [peer_rows[i.code].median() for i in codes])
    assert set(view.dimension_chart.data["dimension"]) == {i.dimension for i in codes}


# --- all views: notice, escaping, app with tabs -----------------------------------------------


def test_every_view_shows_the_synthetic_notice(data):
    notice = data.ws.provenance["notice"]
    assert data.ws.synthetic and notice
    for name, cls in E.VIEWS.items():
        view = cls(data)
        assert 'class="eocic-synthetic"' in all_html(view.widget), name
        assert "eocic-error" not in view.status.value, (name, view.status.value)


def test_region_name_with_html_is_shown_as_text(tmp_path):
    regions = pd.read_csv(default_regions_file(), dtype=str, keep_default_na=False)
    regions.loc[regions["code"] == "BE31", "name"] = PAYLOAD
    path = tmp_path / "regions.csv"
    regions.to_csv(path, index=False)
    ws = Workspace.load(DataSources(region_table=str(path)))
    app_data = E.AppData(ws)
    for cls in (E.RegionalPerformanceOverview, E.RegionalClusterPortfolio, E.EcosystemScoreboard):
        view = cls(app_data, region="BE31")
        shown = all_html(view.widget)
        assert PAYLOAD not in shown
        assert "&lt;img src=x onerror=alert(1)&gt;" in view.heading.value
    sector = E.DataBySector(app_data, sector="TC04")
    assert PAYLOAD not in all_html(sector.widget)


def test_app_builds_tabs_lazily_over_one_data_cache(data):
    app = E.ClusterMappingApp(data)
    assert list(app.views) == ["overview"]
    app.tabs.selected_index = 4
    assert list(app.views) == ["overview", "scoreboard"]
    assert app.views["scoreboard"].data is app.views["overview"].data
    assert app.tabs.get_title(2) == "Data by Sector"


def test_workspace_from_env_is_loaded_once_per_kernel(monkeypatch):
    for var in (APP_ENV, APP_PREPARED):
        monkeypatch.delenv(var, raising=False)
    assert E.workspace_from_env() is E.workspace_from_env()


# --- export helpers -------------------------------------------------------------------------


@pytest.fixture
def figure() -> Figure:
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.bar(["a", "b"], [1, 2])
    ax.set_title("Région <test> & $5")  # markup and a dollar must survive as text
    return fig


def test_chart_exports_are_valid_png_svg_pdf(figure):
    png = export.figure_bytes(figure, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = export.figure_bytes(figure, "svg")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    pdf = export.figure_bytes(figure, "pdf")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert export.figure_bytes(figure, "pdf") == pdf  # no creation date: same bytes
    with pytest.raises(ValueError, match="png, svg, pdf"):
        export.figure_bytes(figure, "gif")


def test_table_exports_read_back_to_the_same_table():
    table = pd.DataFrame({"Region": ["Liège", PAYLOAD], "Stars": [2, 0], "LQ": [1.25, 0.5]})
    csv = export.table_bytes(table, "csv", notice="SYNTHETIC")
    text = csv.decode("utf-8-sig")
    assert text.startswith("Region,Stars,LQ\n")  # the header row first: any reader reads it
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(text)), table, check_dtype=False)
    about = export.about_bytes("t", "SYNTHETIC", list(table.columns)).decode()
    assert "SYNTHETIC" in about and "Region, Stars, LQ" in about
    xlsx = export.table_bytes(table, "xlsx", sheet="a/b:c", notice="SYNTHETIC")
    assert xlsx.startswith(b"PK")
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["a_b_c", "about"]
    rows = list(book["a_b_c"].values)
    assert rows[0] == ("Region", "Stars", "LQ") and rows[2] == (PAYLOAD, 0, 0.5)
    assert book["about"]["A2"].value == "SYNTHETIC"


def test_download_links_carry_escaped_names_and_decodable_files(figure):
    table = pd.DataFrame({"a": [1, 2]})
    charts, tables = export.CHART_LINKS, export.TABLE_LINKS  # every format, files made
    html = export.download_bar(
        "Download chart:",
        charts,
        {f: export.chart_file(figure, 'x"><script>', f) for f, _ in charts},
    ) + export.download_bar(
        "Download table:", tables, {f: export.table_file(table, "t", f) for f, _ in tables}
    )
    links = re.findall(r'download="([^"]+)" href="data:([^;]+);base64,([^"]+)"', html)
    assert [name for name, _, _ in links] == [
        "x_script.png",
        "x_script.svg",
        "x_script.pdf",
        "t.csv",
        "t.xlsx",
        "t_about.txt",
    ]
    payloads = {name: base64.b64decode(b64) for name, _, b64 in links}
    assert payloads["x_script.png"].startswith(b"\x89PNG")
    assert payloads["t.csv"].decode("utf-8-sig") == "a\n1\n2\n"
    assert "<script>" not in html
    assert export.safe_filename("Région: <Île>") == "R_gion_le"
    assert export.safe_filename("///") == "export"


def test_view_download_links_match_the_current_table(data):
    view = E.DataBySector(data, sector="TC10")
    view.country.value = "FR"
    links = view.table.links.value
    b64 = re.search(r'download="[^"]+\.csv" href="data:text/csv;base64,([^"]+)"', links)[1]
    csv = base64.b64decode(b64).decode("utf-8-sig")
    exported = pd.read_csv(io.StringIO(csv))
    assert list(exported.columns[:3]) == ["region", "sector", "year"]
    assert set(exported["sector"]) == {"TC10"} and set(exported["year"]) == {data.ws.year}
    assert list(exported["region"]) == list(exported["Region code"])
    assert sorted(exported["Region code"]) == sorted(view.table.data["Region code"])
    assert all(code.startswith("FR") for code in exported["Region code"])


# --- serving ------------------------------------------------------------------------------


def test_app_command_serves_only_the_app_folder_on_loopback():
    from toolkit import app

    command = app.voila_command(9999, pool_size=2)
    assert command[3] == str(app.apps_dir())
    assert "--Voila.ip=127.0.0.1" in command and "--port=9999" in command
    assert "--strip_sources=True" in command and "--show_tracebacks=False" in command
    assert "--preheat_kernel=True" in command and "--pool_size=2" in command
    assert "--preheat_kernel=True" not in app.voila_command(9999, pool_size=0)


def test_page_pools_reach_voila_as_its_kernel_pools_config(capsys):
    import shlex

    from toolkit import app
    from toolkit.cli import main

    assert main(["app", "--print-command", "--pool", "overview=20", "--pool", "index.ipynb=3"]) == 0
    words = shlex.split(capsys.readouterr().out.split(" ", 1)[1])  # the line runs in a shell
    [config] = [w for w in words if w.startswith("--VoilaKernelManager.kernel_pools_config=")]
    pools = json.loads(config.split("=", 1)[1])
    assert pools == {
        "default": {"pool_size": 1},
        "overview.ipynb": {"pool_size": 20},
        "index.ipynb": {"pool_size": 3},
    }
    # a crowd-sized pool waits longer before refilling: 5 s + 2 s per kernel above 4
    assert "--VoilaKernelManager.fill_delay=37" in words
    assert app.refill_delay_for(1, {}, None) == 5
    assert app.refill_delay_for(0, {"index.ipynb": 6}, None) == 9
    assert app.refill_delay_for(1, {"index.ipynb": 20}, 2.5) == 2.5
    # with every default pool off, one page's pool still turns preheating on
    only = app.voila_command(9999, pool_size=0, page_pools={"index.ipynb": 2})
    assert "--preheat_kernel=True" in only
    # a pool equal to the default adds nothing
    assert not any(
        "kernel_pools_config" in w for w in app.voila_command(9999, page_pools={"index.ipynb": 1})
    )


@pytest.mark.parametrize(
    "value, message",
    [("nowhere=3", "PAGE one of"), ("overview", "PAGE one of"), ("overview=-1", "whole number"),
     ("overview=many", "whole number"), ("overview=999", "whole number")],
)  # fmt: skip
def test_a_bad_page_pool_is_refused_with_the_option_named(value, message, capsys):
    from toolkit import app
    from toolkit.cli import main

    with pytest.raises(BadInputError, match=message):
        app.parse_page_pools([value])
    assert main(["app", "--print-command", "--pool", value]) == 2
    assert "--pool" in capsys.readouterr().err


def test_app_command_waits_for_late_outputs_of_a_busy_kernel():
    from toolkit import app

    def timeouts(command):
        return [w for w in command if w.startswith("--VoilaExecutor.iopub_timeout=")]

    crowd = timeouts(app.voila_command(9999, page_pools={"index.ipynb": 20}))
    assert crowd and int(crowd[0].split("=")[1]) >= 60
    assert not timeouts(app.voila_command(9999))  # small pools keep Voilà's default


def test_app_environment_checks_files_and_makes_paths_absolute(tmp_path, monkeypatch):
    from toolkit import app

    panel = tmp_path / "panel.csv"
    panel.write_text("region,sector,year,employment\n")
    monkeypatch.chdir(tmp_path)
    env = app.app_environment(DataSources(panel="panel.csv"), {}, geojson=None)
    assert json.loads(env[APP_ENV]) == {"panel": str(panel.resolve())}
    assert DataSources.from_env(env).panel == str(panel.resolve())
    with pytest.raises(BadInputError, match="missing.csv"):
        DataSources(context="missing.csv")
    with pytest.raises(BadInputError, match="missing.geojson"):
        app.app_environment(DataSources(), {}, geojson="missing.geojson")


def test_app_cli_prints_the_voila_command(capsys):
    from toolkit.cli import main

    assert main(["app", "--print-command", "--port", "8877", "--pool-size", "0"]) == 0
    out = capsys.readouterr().out
    assert "-m toolkit.kernel_pool " in out and "--port=8877" in out and "notebooks/apps" in out
    assert main(["app", "--print-command", "--base-url", "eocic"]) == 0
    assert "--Voila.base_url=/eocic/" in capsys.readouterr().out
    assert main(["app", "--notebook", "nope.ipynb"]) == 2


def test_app_notebooks_are_thin_and_committed_without_outputs():
    from toolkit import app

    folder = app.apps_dir()
    assert sorted(p.name for p in folder.glob("*.ipynb")) == sorted(app.APP_NOTEBOOKS)
    for path in folder.glob("*.ipynb"):
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert len(code) == 1, path.name
        assert all(c.get("outputs") == [] and c.get("execution_count") is None for c in code)
        source = "".join(code[0]["source"])
        name = re.search(r'open_view\("(\w+)"\)', source)[1]
        assert name in ("app", "index") or name in E.VIEWS


def test_app_kernels_load_the_prepared_bundle_without_validating(tmp_path):
    """``toolkit app`` prepares the workspace once; a kernel loads it without pandera or
    seaborn and gets the same metrics as loading the files."""
    import os
    import subprocess
    import sys

    from toolkit.app import check_data

    bundle = tmp_path / "workspace.pkl"
    check_data(DataSources(), bundle)
    code = (
        "import sys, toolkit.explorers as E; ws = E.workspace_from_env(); "
        "print(len(ws.metrics), repr(float(ws.metrics['lq'].sum())), "
        "'pandera' in sys.modules, 'seaborn' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("EOCIC_")}
    env[APP_PREPARED] = str(bundle)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    rows, lq_sum, pandera, seaborn = result.stdout.split()
    fresh = Workspace.load().metrics
    assert int(rows) == len(fresh)
    assert float(lq_sum) == pytest.approx(float(fresh["lq"].sum()))
    assert (pandera, seaborn) == ("False", "False")
