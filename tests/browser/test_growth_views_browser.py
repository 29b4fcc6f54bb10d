"""The growth views in a real browser: the real ``toolkit app`` server of
``test_app_browser`` (demo data, a free loopback port, one region named with an HTML
payload), driven with Debian's Chromium through Playwright. The related-clusters network
follows a deep link and the region picker, the partner finder shows both tables for a region
and a sector and its CSV reads back with its key columns, and the portfolio shows "Close to
a star"; any Python traceback in a page fails the test.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
import test_app_browser as app_browser
from test_app_browser import (
    CHART,
    EVIL,
    PAYLOAD,
    TIMEOUT,
    Page,
    check_chart_downloads,
    check_table_downloads,
)

pytestmark = pytest.mark.browser

# the fixtures of test_app_browser: its server (module scope: one for this module) and Chromium
server = app_browser.server
browser = app_browser.browser


def wait_for_rows(view: Page, panel: str) -> None:
    view.page.wait_for_function(
        "(p) => document.querySelectorAll('.eocic-panel-' + p + ' table.eocic-table tbody tr')"
        ".length > 0",
        arg=panel,
        timeout=TIMEOUT,
    )


def test_network_follows_the_deep_link_and_the_region(server, browser):
    view = Page(
        browser, server, "network.ipynb?region=DED2", wait_for=f".eocic-view-network {CHART}"
    )
    page = view.page
    try:
        assert page.locator(".eocic-region-name").inner_text() == "Dresden"
        assert page.locator(".eocic-region input").input_value().endswith("(DED2)")
        image = page.locator(f".eocic-panel-network-chart {CHART}")
        assert image.is_visible() and image.evaluate("i => i.naturalWidth > 300")
        wait_for_rows(view, "opportunities-table")
        shown = view.table("opportunities-table")
        assert len(shown) == 10 and "Relatedness density" in shown.columns
        densities = shown["Relatedness density"].astype(float)
        assert densities.is_monotonic_decreasing and densities.between(0, 1).all()
        old = view.src("network-chart")
        page.locator(".eocic-region input").fill("ITC4")
        view.wait_changed("network-chart", old)
        page.wait_for_function(
            "() => document.querySelector('.eocic-region-name').innerText === 'Lombardia'",
            timeout=TIMEOUT,
        )
        page.wait_for_function("() => window.location.search === '?region=ITC4'", timeout=TIMEOUT)
        old = view.src("network-chart")
        page.locator(".eocic-colour-by button", has_text="Location quotient").click()
        view.wait_changed("network-chart", old)
        check_chart_downloads(view, "network-chart", "network_ITC4_network_lq")
        exported = check_table_downloads(view, "opportunities-table", "network_ITC4_opportunities")
        assert set(exported["region"]) == {"ITC4"} and exported["sector"].str.startswith("TC").all()
        view.assert_clean()
    finally:
        view.close()


def test_partner_finder_shows_both_tables_and_the_csv_reads_back(server, browser):
    view = Page(browser, server, "partners.ipynb", wait_for=f".eocic-view-partners {CHART}")
    page = view.page
    try:
        old = view.src("partners-chart")
        page.locator(".eocic-region input").fill(EVIL)  # named with the HTML payload
        view.wait_changed("partners-chart", old)
        assert page.locator(".eocic-region-name").inner_text() == PAYLOAD  # shown as text
        assert page.locator('img[src="x"]').count() == 0
        old = view.src("partners-chart")
        page.locator(".eocic-sector-picker select").select_option(label="Automotive (TC04)")
        view.wait_changed("partners-chart", old)
        page.wait_for_function(
            "() => window.location.search === '?region=BE31&sector=TC04'", timeout=TIMEOUT
        )
        for panel in ("complementary-table", "similar-table"):
            wait_for_rows(view, panel)
            shown = view.table(panel)
            assert len(shown) == 10 and "BE31" not in set(shown["Region code"])
        name, raw = view.download("complementary-table", "csv")
        assert name == "partners_BE31_TC04_complementary.csv"
        exported = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
        assert list(exported.columns[:3]) == ["region", "sector", "year"]
        assert set(exported["sector"]) == {"TC04"} and set(exported["Partner of"]) == {"BE31"}
        assert list(exported["region"]) == list(view.table("complementary-table")["Region code"])
        check_table_downloads(view, "similar-table", "partners_BE31_TC04_similar")
        # leaving out the region's own country
        old = view.src("partners-chart")
        page.locator(".eocic-other-countries input").check()
        view.wait_changed("partners-chart", old)
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll("
            "'.eocic-panel-similar-table tbody td:nth-child(4)')).every(t => t.innerText !== 'BE')",
            timeout=TIMEOUT,
        )
        view.assert_clean()
    finally:
        view.close()


def test_portfolio_shows_close_to_a_star(server, browser):
    view = Page(browser, server, "portfolio.ipynb?region=ITC4")
    page = view.page
    try:
        page.locator(".eocic-near-miss-title", has_text="Close to a star").wait_for(timeout=TIMEOUT)
        wait_for_rows(view, "near-miss-table")
        shown = view.table("near-miss-table")
        assert set(shown["Star"]) <= {"size", "specialisation", "productivity", "dynamism"}
        assert any("below the specialisation star" in t or "more persons employed" in t
                   for t in shown["Close to the star"])  # fmt: skip
        assert "star clusters" in page.locator(".eocic-star-sensitivity").inner_text()
        view.assert_clean()
    finally:
        view.close()


def test_start_page_and_tabs_offer_the_growth_views(server, browser):
    view = Page(browser, server, "index.ipynb", wait_for=".eocic-landing h3")
    try:
        links = view.page.locator(".eocic-views li a")
        hrefs = links.evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert "network.ipynb" in hrefs and "partners.ipynb" in hrefs
    finally:
        view.close()
    app = Page(browser, server, "app.ipynb")
    try:
        app.page.locator(".lm-TabBar-tab", has_text="Related Clusters").click()
        app.page.wait_for_selector(f".eocic-view-network {CHART}", timeout=TIMEOUT)
        app.page.locator(".lm-TabBar-tab", has_text="Partner Finder").click()
        app.page.wait_for_selector(f".eocic-view-partners {CHART}", timeout=TIMEOUT)
        app.assert_clean()
    finally:
        app.close()
