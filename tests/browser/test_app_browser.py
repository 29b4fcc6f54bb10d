"""The Voilà apps in a real browser: a real ``toolkit app`` server on a free loopback port,
driven with Debian's Chromium through Playwright. Each view is opened, its controls changed,
charts and tables checked to change, every export clicked and the downloaded file checked;
any Python traceback in the page fails the test. The server runs with a user regions file in
which one region is named ``<img src=x onerror=alert(1)>``: it must show as text.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from servers import free_port, stop_group

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PAYLOAD = "<img src=x onerror=alert(1)>"
EVIL = "BE31"  # the region renamed to the payload in the server's regions file
CHART = "img.eocic-chart"
TIMEOUT = 90_000  # ms: a cold kernel on a busy 2-core machine


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``toolkit app`` on a free port with the payload regions file and the GeoJSON fixture,
    a new kernel for every page (``--pool-size 0``)."""
    with serve(tmp_path_factory.mktemp("app"), "--pool-size", "0") as base:
        yield base


@contextlib.contextmanager
def serve(tmp: Path, *options: str):
    """A real ``toolkit app`` with ``options`` on a free loopback port, the regions file that
    names one region with an HTML payload and the GeoJSON fixture; yields its base URL (its
    log is ``tmp/voila.log``) and stops it with SIGTERM."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    regions = pd.read_csv(
        ROOT / "data" / "reference" / "nuts2016_regions.csv", dtype=str, keep_default_na=False
    )
    regions.loc[regions["code"] == EVIL, "name"] = PAYLOAD
    regions_file = tmp / "regions.csv"
    regions.to_csv(regions_file, index=False)
    port = free_port()
    log = open(tmp / "voila.log", "wb")  # noqa: SIM115 (closed below)
    command = [
        sys.executable,
        "-m",
        "toolkit.cli",
        "app",
        "--port",
        str(port),
        *options,
        "--region-table",
        str(regions_file),
        "--geojson",
        str(FIXTURES / "nuts2_mini.geojson"),
        "--no-download",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"toolkit app exited: {(tmp / 'voila.log').read_text()[-2000:]}")
            try:
                if _get(base + "/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("Voilà did not start within 120 s")
            time.sleep(0.5)
        yield base
    finally:
        stop_group(process)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Page:
    """A page of one app notebook, with the checks every test makes."""

    def __init__(self, browser, base: str, notebook: str, wait_for: str = CHART):
        self.context = browser.new_context(
            accept_downloads=True, viewport={"width": 1300, "height": 1400}
        )
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{base}/voila/render/{notebook}")
        self.page.wait_for_selector(wait_for, timeout=TIMEOUT)
        self.assert_clean()
        assert "SYNTHETIC DEMO DATA" in self.page.locator(".eocic-synthetic").first.inner_text()

    def assert_clean(self) -> None:
        text = self.page.inner_text("body")
        for marker in ("Traceback", "Error:", "There was an error", "could not be", "Exception"):
            assert marker not in text, f"{marker!r} in the page:\n{text[:3000]}"
        assert self.page.locator(".eocic-error").count() == 0
        assert self.dialogs == []

    def src(self, panel: str) -> str:
        return self.page.locator(f".eocic-panel-{panel} {CHART}").get_attribute("src")

    def wait_changed(self, panel: str, old_src: str) -> str:
        """Wait until the chart of ``panel`` is redrawn; return its new source."""
        self.page.wait_for_function(
            "([sel, old]) => { const i = document.querySelector(sel); "
            "return i && i.getAttribute('src') !== old; }",
            arg=[f".eocic-panel-{panel} {CHART}", old_src],
            timeout=TIMEOUT,
        )
        return self.src(panel)

    def table(self, panel: str) -> pd.DataFrame:
        """The HTML table of ``panel`` as text cells."""
        table = self.page.locator(f".eocic-panel-{panel} table.eocic-table")
        head = table.locator("thead th").all_inner_texts()
        cells = table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText))"
        )
        return pd.DataFrame(cells, columns=head)

    def download(self, panel: str, ext: str) -> tuple[str, bytes]:
        link = self.page.locator(f".eocic-panel-{panel} a.eocic-download-{ext}")
        link.wait_for(timeout=TIMEOUT)
        with self.page.expect_download(timeout=TIMEOUT) as info:
            link.click()
        download = info.value
        return download.suggested_filename, Path(download.path()).read_bytes()

    def close(self) -> None:
        self.context.close()


def check_chart_downloads(view: Page, panel: str, stem: str) -> None:
    name, png = view.download(panel, "png")
    assert name == f"{stem}.png" and png.startswith(b"\x89PNG\r\n\x1a\n")
    name, svg = view.download(panel, "svg")
    assert name == f"{stem}.svg" and b"<svg" in svg[:2000]
    name, pdf = view.download(panel, "pdf")
    assert name == f"{stem}.pdf" and pdf.startswith(b"%PDF-")


def check_table_downloads(view: Page, panel: str, stem: str) -> pd.DataFrame:
    """Both table files hold the table shown (all its rows); returns the CSV."""
    rows = int(
        view.page.locator(f".eocic-panel-{panel} table.eocic-table").get_attribute("data-rows")
    )
    name, raw = view.download(panel, "csv")
    assert name == f"{stem}.csv"
    # a plain CSV: the header row first, read by pandas with no option
    exported = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    shown = view.table(panel)
    keys = ["region", "sector", "year"]
    assert list(exported.columns[:3]) == keys, list(exported.columns)
    extra = [c for c in shown.columns if c not in keys]
    assert list(exported.columns[3:]) == extra and len(exported) == rows
    assert list(exported[extra[0]].astype(str))[: len(shown)] == list(shown[extra[0]])
    assert exported["year"].notna().all()
    name, about = view.download(panel, "txt")
    assert name == f"{stem}_about.txt" and b"SYNTHETIC DEMO DATA" in about
    name, xlsx = view.download(panel, "xlsx")
    assert name == f"{stem}.xlsx" and xlsx.startswith(b"PK")
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    sheet = list(book.worksheets[0].values)
    assert list(sheet[0]) == list(exported.columns) and len(sheet) == rows + 1
    assert "SYNTHETIC" in book["about"]["A2"].value
    return exported


# --- serving ----------------------------------------------------------------------------


def test_only_the_app_notebooks_are_served(server):
    status, tree = _get(server + "/voila/api/contents/")
    assert status == 200
    names = {item["name"] for item in __import__("json").loads(tree)["content"]}
    assert names == {
        "index.ipynb",
        "trends.ipynb",
        "app.ipynb",
        "overview.ipynb",
        "portfolio.ipynb",
        "sector.ipynb",
        "map.ipynb",
        "scoreboard.ipynb",
        "network.ipynb",
        "partners.ipynb",
        "help.ipynb",
    }
    for path in (
        "/voila/api/contents/..%2Fparameters",
        "/voila/render/..%2Fassessment.ipynb",
        "/voila/files/..%2F..%2Fdata%2Freference%2Fsectors.csv",
        "/voila/files/overview.ipynb",
        "/files/parameters/stars.yaml",
        "/api/contents/data",
        "/tree",
    ):
        assert _get(server + path)[0] in (403, 404), path


# --- the views --------------------------------------------------------------------------


def test_overview_follows_region_year_type_and_dimension(server, browser):
    view = Page(browser, server, "overview.ipynb")
    page = view.page
    try:
        old = view.src("clusters-chart")
        page.locator(".eocic-region input").fill("ITC4")
        view.wait_changed("clusters-chart", old)
        page.wait_for_function(
            "() => document.querySelector('.eocic-region-name').innerText === 'Lombardia'",
            timeout=TIMEOUT,
        )
        old = view.src("clusters-chart")
        page.locator(".eocic-sector-type button", has_text="Emerging").click()
        view.wait_changed("clusters-chart", old)
        page.wait_for_function(
            "() => document.querySelectorAll('.eocic-panel-clusters-table tbody tr').length === 10",
            timeout=TIMEOUT,
        )
        assert set(view.table("clusters-table")["Type"]) == {"emerging"}
        old = view.src("clusters-chart")
        page.locator(".eocic-year select").select_option("2016")
        view.wait_changed("clusters-chart", old)
        assert "2016" in page.locator(".eocic-heading").inner_text()
        context_old = view.src("context-chart")
        page.locator(".eocic-dimension select").select_option(label="Skills")
        view.wait_changed("context-chart", context_old)
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll("
            "'.eocic-panel-context-table tbody tr td:nth-child(1)'))"
            ".every(td => td.innerText === 'Skills')",
            timeout=TIMEOUT,
        )
        check_chart_downloads(view, "clusters-chart", "overview_ITC4_2016_clusters")
        exported = check_table_downloads(view, "clusters-table", "overview_ITC4_2016_clusters")
        assert set(exported["Type"]) == {"emerging"}
        check_chart_downloads(view, "context-chart", "overview_ITC4_2016_context")
        exported = check_table_downloads(view, "context-table", "overview_ITC4_2016_context")
        assert set(exported["Dimension"]) == {"Skills"}
        view.assert_clean()
    finally:
        view.close()


def test_portfolio_switches_ranking(server, browser):
    view = Page(browser, server, "portfolio.ipynb")
    page = view.page
    try:
        largest = view.table("ranking-table")
        employment = largest["Employment (persons)"].str.replace(",", "").astype(float)
        assert employment.is_monotonic_decreasing and len(largest) == 10
        old = view.src("ranking-chart")
        bubble = view.src("bubble-chart")
        page.locator(".eocic-rank-by button", has_text="Most specialised").click()
        view.wait_changed("ranking-chart", old)
        page.wait_for_function(
            "() => document.querySelector('.eocic-panel-ranking-table th:nth-child(6)')"
            " && Array.from(document.querySelectorAll("
            "'.eocic-panel-ranking-table tbody td:nth-child(6)')).map(t => +t.innerText)"
            ".every((v, i, a) => i === 0 || a[i - 1] >= v)",
            timeout=TIMEOUT,
        )
        assert view.src("bubble-chart") == bubble  # not redrawn for a ranking change
        check_chart_downloads(
            view, "ranking-chart", "portfolio_east-north-finland_specialisation_10"
        )
        check_table_downloads(
            view, "ranking-table", "portfolio_east-north-finland_specialisation_10"
        )
        check_chart_downloads(view, "bubble-chart", "portfolio_east-north-finland_portfolio")
        view.assert_clean()
    finally:
        view.close()


def test_sector_view_filters_by_country_and_sorts(server, browser):
    view = Page(browser, server, "sector.ipynb")
    page = view.page
    try:
        old = view.src("sector-ranking-chart")
        page.locator(".eocic-sector-picker select").select_option(label="Biopharmaceuticals (TC05)")
        view.wait_changed("sector-ranking-chart", old)
        old = view.src("sector-ranking-chart")
        page.locator(".eocic-country select").select_option(label="Deutschland (DE)")
        view.wait_changed("sector-ranking-chart", old)
        page.locator(".eocic-sort-by select").select_option(label="LQ")
        page.locator(".eocic-order button", has_text="Ascending").click()
        page.wait_for_function(
            "() => { const v = Array.from(document.querySelectorAll("
            "'.eocic-panel-sector-table tbody td:nth-child(5)')).map(t => +t.innerText);"
            " return v.length > 1 && v.every((x, i) => i === 0 || v[i - 1] <= x); }",
            timeout=TIMEOUT,
        )
        shown = view.table("sector-table")
        assert all(code.startswith("DE") for code in shown["Region code"])
        exported = check_table_downloads(view, "sector-table", "sector_TC05_DE")
        assert all(code.startswith("DE") for code in exported["Region code"])
        check_chart_downloads(view, "sector-ranking-chart", "sector_TC05_DE_lq")
        check_chart_downloads(view, "sector-distribution-chart", "sector_TC05_DE_lq")
        view.assert_clean()
    finally:
        view.close()


def test_map_uses_the_given_boundaries_and_follows_the_sector(server, browser):
    view = Page(browser, server, "map.ipynb", wait_for=".eocic-map-svg path")
    page = view.page
    try:
        assert "nuts2_mini.geojson" in page.locator(".eocic-map-note").inner_text()
        old = view.page.locator(f".eocic-panel-map-chart {CHART}").get_attribute("src")
        page.locator(".eocic-sector-picker select").select_option(
            label="Textile Manufacturing (TC42)"
        )
        page.wait_for_function(
            "(old) => document.querySelector('.eocic-panel-map-chart img').src !== old",
            arg=old,
            timeout=TIMEOUT,
        )
        assert "Textile Manufacturing" in page.locator(".eocic-heading").inner_text()
        check_chart_downloads(view, "map-chart", "map_TC42_stars")
        exported = check_table_downloads(view, "map-table", "map_TC42_stars")
        assert exported["Stars"].is_monotonic_decreasing
        view.assert_clean()
    finally:
        view.close()


def test_scoreboard_follows_region_and_peers(server, browser):
    view = Page(browser, server, "scoreboard.ipynb")
    page = view.page
    try:
        peers = page.locator(".eocic-peer-list").inner_text()
        old = view.src("dimension-chart")
        page.locator(".eocic-region input").fill("Saxony")
        view.wait_changed("dimension-chart", old)
        page.wait_for_function(
            "(old) => document.querySelector('.eocic-peer-list').innerText !== old",
            arg=peers,
            timeout=TIMEOUT,
        )
        assert page.locator(".eocic-region-name").inner_text() == "Saxony"
        check_chart_downloads(view, "dimension-chart", "scoreboard_saxony_scoreboard")
        exported = check_table_downloads(view, "scoreboard-table", "scoreboard_saxony_scoreboard")
        words = {f"{a} ({b})" for a in ("better", "worse") for b in ("higher", "lower")}
        assert set(exported["Against EU"]) <= words | {"same", "n/a"}
        # the direction decides the word: a higher unemployment rate is worse
        rows = exported[exported["Higher is"] == "worse"]
        higher = rows["Region"] > rows["EU median"]
        assert set(rows.loc[higher, "Against EU"]) <= {"worse (higher)"}
        assert set(rows.loc[~higher & (rows["Region"] < rows["EU median"]), "Against EU"]) <= {
            "better (lower)"
        }
        view.assert_clean()
    finally:
        view.close()


def test_help_and_tabs(server, browser):
    view = Page(browser, server, "help.ipynb", wait_for=".eocic-help h3")
    try:
        text = view.page.locator(".eocic-help").inner_text()
        assert "Location quotient" in text and "location quotient >= 2" in text
        assert "2011–2020" in text
    finally:
        view.close()
    app = Page(browser, server, "app.ipynb")
    try:
        app.page.locator(".lm-TabBar-tab", has_text="Data by Sector").click()
        app.page.wait_for_selector(f".eocic-view-sector {CHART}", timeout=TIMEOUT)
        app.page.locator(".lm-TabBar-tab", has_text="Help").click()
        app.page.wait_for_selector(".eocic-help h3", timeout=TIMEOUT)
        app.assert_clean()
    finally:
        app.close()


def test_downloads_are_made_when_clicked_in_each_view_of_the_tabs(server, browser):
    """A drawing carries no file: a click asks the view's kernel for that one file, which
    downloads at once and stays behind the link; on the all-views page each view answers
    for its own panels."""
    app = Page(browser, server, "app.ipynb")
    page = app.page
    try:
        png = page.locator(".eocic-view-overview .eocic-panel-clusters-chart a.eocic-download-png")
        assert png.get_attribute("href") == "#" and "eocic-on-demand" in png.get_attribute("class")
        name, payload = app.download("clusters-chart", "png")
        assert name.startswith("overview_") and name.endswith("_clusters.png")
        assert payload.startswith(b"\x89PNG\r\n\x1a\n")
        assert png.get_attribute("href").startswith("data:image/png;base64,")
        svg = page.locator(".eocic-view-overview .eocic-panel-clusters-chart a.eocic-download-svg")
        assert svg.get_attribute("href") == "#"  # only what was asked for is made
        downloads = []
        page.on("download", lambda d: downloads.append(d))
        svg.dblclick()  # a double click asks once and downloads once
        page.wait_for_function(
            "() => document.querySelector('.eocic-view-overview .eocic-panel-clusters-chart "
            "a.eocic-download-svg').getAttribute('href').startsWith('data:')",
            timeout=TIMEOUT,
        )
        page.wait_for_timeout(1500)
        assert [d.suggested_filename.endswith("_clusters.svg") for d in downloads] == [True]

        page.locator(".lm-TabBar-tab", has_text="Data by Sector").click()
        page.wait_for_selector(f".eocic-view-sector {CHART}", timeout=TIMEOUT)
        name, payload = app.download("sector-ranking-chart", "pdf")
        assert name.startswith("sector_") and payload.startswith(b"%PDF-")
        name, raw = app.download("sector-table", "csv")
        table = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
        assert list(table.columns[:3]) == ["region", "sector", "year"]
        assert len(table) == int(
            page.locator(".eocic-panel-sector-table table.eocic-table").get_attribute("data-rows")
        )
        app.assert_clean()
        assert app.errors == []
    finally:
        app.close()


def test_region_name_with_html_is_shown_as_text(server, browser):
    view = Page(browser, server, "overview.ipynb")
    page = view.page
    try:
        old = view.src("clusters-chart")
        page.locator(".eocic-region input").fill(EVIL)
        view.wait_changed("clusters-chart", old)
        heading = page.locator(".eocic-region-name")
        assert heading.inner_text() == PAYLOAD
        assert heading.is_visible()
        assert page.locator('img[src="x"]').count() == 0
        time.sleep(0.5)  # an onerror handler would have fired by now
        view.assert_clean()  # includes: no dialog opened
        assert view.errors == []
    finally:
        view.close()


def test_exported_csv_of_the_payload_region_keeps_the_name_as_text(server, browser):
    view = Page(browser, server, "sector.ipynb")
    try:
        view.page.locator(".eocic-country select").select_option(label="Belgique/België (BE)")
        view.page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.eocic-panel-sector-table tbody tr'))"
            ".length > 0 && Array.from(document.querySelectorAll("
            "'.eocic-panel-sector-table tbody td:nth-child(2)'))"
            ".every(t => t.innerText.startsWith('BE'))",
            timeout=TIMEOUT,
        )
        assert PAYLOAD in view.table("sector-table")["Region"].tolist()
        _, raw = view.download("sector-table", "csv")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert any(PAYLOAD in row for row in rows)
        view.assert_clean()
    finally:
        view.close()


# --- the product: start page, deep links, interactive map, comparison, trends, exports ------


def test_start_page_lists_the_views_and_finds_a_region(server, browser):
    view = Page(browser, server, "index.ipynb", wait_for=".eocic-landing h3")
    page = view.page
    try:
        text = page.locator(".eocic-landing").inner_text()
        assert "analysis year 2020" in text and "Regional Ecosystem Scoreboard" in text
        assert page.locator(".eocic-views li").count() == 10
        page.locator(".eocic-search input").fill("Lombardia")
        link = page.locator(".eocic-found a", has_text="Regional Cluster Portfolio")
        link.wait_for(timeout=TIMEOUT)
        assert link.get_attribute("href") == "portfolio.ipynb?region=ITC4"
        view.assert_clean()
    finally:
        view.close()
    # "/" opens the start page, not Voilà's list of files
    context = browser.new_context()
    try:
        start = context.new_page()
        start.goto(server + "/")
        start.wait_for_selector(".eocic-landing h3", timeout=TIMEOUT)
        assert start.url.endswith("/voila/render/index.ipynb")
    finally:
        context.close()


def test_tab_titles_are_not_cut(server, browser):
    app = Page(browser, server, "app.ipynb")
    try:
        tab = app.page.locator(".lm-TabBar-tab", has_text="Regional Performance Overview")
        label = tab.locator(".lm-TabBar-tabLabel")
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    finally:
        app.close()


def test_deep_link_opens_the_region_and_the_url_follows_the_selection(server, browser):
    view = Page(browser, server, "portfolio.ipynb?region=ITC4&compare=FI1D")
    page = view.page
    try:
        assert page.locator(".eocic-region-name").inner_text() == "Lombardia"
        assert page.locator(".eocic-region input").input_value().endswith("(ITC4)")
        # the scoreboard is linked from the view, with the region
        link = page.locator(".eocic-nav a[data-page=scoreboard]")
        assert link.get_attribute("href") == "scoreboard.ipynb?region=ITC4&compare=FI1D"
        old = view.src("ranking-chart")
        page.locator(".eocic-region input").fill("DED2")
        view.wait_changed("ranking-chart", old)
        # the kernel's script put the new selection into the address bar
        page.wait_for_function(
            "() => window.location.search === '?region=DED2&compare=FI1D'", timeout=TIMEOUT
        )
        link.click()
        page.wait_for_selector(f".eocic-view-scoreboard {CHART}", timeout=TIMEOUT)
        page.wait_for_function(
            "() => document.querySelector('.eocic-region-name')?.innerText === 'Dresden'",
            timeout=TIMEOUT,
        )
        view.assert_clean()
    finally:
        view.close()


def test_map_hover_shows_the_region_value_and_a_click_selects_it(server, browser):
    view = Page(browser, server, "map.ipynb?sector=TC42", wait_for=".eocic-map-svg path")
    page = view.page
    try:
        code, region = hover_a_region(view)
        region.click()
        page.wait_for_selector(".eocic-map-svg path.eocic-selected", timeout=TIMEOUT)
        assert page.locator(".eocic-map-selected").inner_text().startswith("Selected:")
        assert code in page.locator(".eocic-map-selected").inner_text()
        page.wait_for_function(
            "(c) => window.location.search.includes('region=' + c)", arg=code, timeout=TIMEOUT
        )
        before = page.locator(".eocic-map-svg").get_attribute("viewBox")
        old_path = page.locator(".eocic-map-svg path.eocic-selected").get_attribute("d")
        page.locator(".eocic-zoom-in").click()
        page.wait_for_function(
            "(d) => document.querySelector('.eocic-map-svg path.eocic-selected')"
            "?.getAttribute('d') !== d",
            arg=old_path,
            timeout=TIMEOUT,
        )
        assert page.locator(".eocic-map-svg").get_attribute("viewBox") == before
        view.assert_clean()
    finally:
        view.close()


def hover_a_region(view: Page):
    """Hover a region of the map's table drawn on the map: the tip shows its name, code,
    stars and employment, the same text as the region's title. Returns (code, path)."""
    page = view.page
    table = view.table("map-table").set_index("Region code")
    drawn = set(page.locator(".eocic-map-svg path[data-region]").evaluate_all(
        "ps => ps.map(p => p.getAttribute('data-region'))"
    ))  # fmt: skip
    code = next(c for c in table.index if c in drawn and c != EVIL)
    region = page.locator(f'.eocic-map-svg path[data-region="{code}"]')
    region.hover()
    tip = page.locator(".eocic-tip")
    tip.wait_for(state="visible", timeout=TIMEOUT)
    text = tip.inner_text()
    stars = int(table.loc[code, "Stars"])
    assert f"({code}): {stars} star" in text and "employed" in text, text
    assert region.locator("title").text_content() == text
    return code, region


def test_three_regions_side_by_side_on_portfolio_and_scoreboard(server, browser):
    panel = "compare-table"
    for notebook in ("portfolio.ipynb", "scoreboard.ipynb"):
        view = Page(browser, server, f"{notebook}?region=ITC4")
        page = view.page
        try:
            for region in ("FI1D", "DED2"):
                page.locator(".eocic-compare input").fill(region)
                page.wait_for_function(
                    "(r) => Array.from(document.querySelectorAll('.eocic-compare-chip'))"
                    ".some(b => b.innerText.includes('(' + r + ')'))",
                    arg=region,
                    timeout=TIMEOUT,
                )
            page.wait_for_function(
                "() => { const t = document.querySelector('.eocic-panel-compare-table table');"
                " return t && new Set(Array.from(t.querySelectorAll('tbody tr td:nth-child(2)'))"
                ".map(c => c.innerText)).size === 3; }",
                timeout=TIMEOUT,
            )
            assert page.locator(f".eocic-panel-compare-chart {CHART}").is_visible()
            codes = set(view.table(panel)["Region code"])
            assert codes == {"ITC4", "FI1D", "DED2"}
            page.wait_for_function(
                "() => window.location.search.includes('compare=FI1D,DED2')", timeout=TIMEOUT
            )
            view.assert_clean()
        finally:
            view.close()


def test_trend_chart_of_a_region_and_csv_read_back(server, browser):
    view = Page(browser, server, "trends.ipynb?region=ITC4")
    page = view.page
    try:
        assert page.locator(".eocic-region-name").inner_text() == "Lombardia"
        shown = view.table("trend-table")
        assert set(shown["region"]) == {"ITC4"}
        assert sorted(set(shown["year"])) == [str(y) for y in range(2011, 2021)]  # no "2,020"
        name, raw = view.download("trend-table", "csv")
        exported = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
        assert list(exported.columns[:3]) == ["region", "sector", "year"]
        assert exported["year"].dtype.kind == "i" and exported["sector"].nunique() == 5
        old = view.src("trend-chart")
        page.locator(".eocic-trend-mode button", has_text="A sector's regions").click()
        view.wait_changed("trend-chart", old)
        assert page.locator(".eocic-sector-name").count() == 1
        view.assert_clean()
    finally:
        view.close()


def test_whole_data_base_download_and_print_view(server, browser):
    view = Page(browser, server, "help.ipynb", wait_for=".eocic-help h3")
    page = view.page
    try:
        page.locator(".eocic-database").click()
        link = page.locator("#eocic-database-links a.eocic-download-csv")
        link.wait_for(timeout=TIMEOUT)
        with page.expect_download(timeout=TIMEOUT) as info:
            link.click()
        table = pd.read_csv(info.value.path(), encoding="utf-8-sig")
        assert list(table.columns[:3]) == ["region", "sector", "year"]
        assert table["region"].nunique() > 250 and table["sector"].nunique() > 50
        with page.expect_download(timeout=TIMEOUT) as info:
            page.locator("#eocic-database-links a.eocic-download-xlsx").click()
        assert Path(info.value.path()).read_bytes().startswith(b"PK")
        assert page.locator(".eocic-print").is_visible()
        page.emulate_media(media="print")
        assert not page.locator(".eocic-print").is_visible()
        assert not page.locator(".eocic-nav").first.is_visible()
        view.assert_clean()
    finally:
        view.close()
