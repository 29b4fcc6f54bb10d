"""The apps as they are served by default, from preheated kernels: the kernel ran the page
before anyone asked for it and learns the visitor's address (a deep link) only when the
visitor arrives, then redraws. A real ``toolkit app`` with a preheated pool for the map and
the overview (``--pool map=1 --pool overview=1``), driven with Debian's Chromium through
Playwright: the deep link is honoured, the page's handlers (map hover and click, on-demand
downloads) run although the redraw sent its own script at the same moment.
"""

from __future__ import annotations

import io
import re
import time

import pandas as pd
import pytest
import test_app_browser as app_browser
from test_app_browser import CHART, TIMEOUT, Page, hover_a_region, serve

pytestmark = pytest.mark.browser

browser = app_browser.browser  # the Chromium fixture of test_app_browser
POOLED = ("map.ipynb", "overview.ipynb")


@pytest.fixture(scope="module")
def preheated(tmp_path_factory):
    """The server with one preheated kernel for each page of ``POOLED`` (none for the
    others), returned once every such kernel has run its page."""
    tmp = tmp_path_factory.mktemp("preheated")
    options = ("--pool-size", "0", *[f"--pool={n.removesuffix('.ipynb')}=1" for n in POOLED])
    with serve(tmp, *options) as base:
        wait_for_pools(tmp / "voila.log")
        yield base, tmp / "voila.log"


def wait_for_pools(log, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        text = log.read_text(errors="replace")
        if all(f"Kernel pool of {n} is filled" in text for n in POOLED):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the preheated pools were not filled in {timeout} s:\n{text[-2000:]}")
        time.sleep(0.5)


def used_preheated(log, notebook: str) -> int:
    """How many visitors Voilà served from a preheated kernel of ``notebook``."""
    text = log.read_text(errors="replace")
    return len(re.findall(rf"Using pre-heated kernel: [0-9a-f-]+ for {re.escape(notebook)}", text))


def test_a_deep_link_on_a_preheated_map_keeps_hover_click_and_downloads(preheated, browser):
    base, log = preheated
    used = used_preheated(log, "map.ipynb")
    view = Page(browser, base, "map.ipynb?sector=TC42", wait_for=".eocic-map-svg path")
    page = view.page
    try:
        assert used_preheated(log, "map.ipynb") == used + 1  # served by the preheated kernel
        # the kernel drew its default sector first; the visitor's link asks for TC42
        page.wait_for_function(
            "() => window.location.search.includes('sector=TC42') && "
            "document.querySelector('.eocic-panel-map-table a.eocic-download-csv')",
            timeout=TIMEOUT,
        )
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.eocic-sector-picker select option'))"
            ".some(o => o.selected && o.textContent.endsWith('(TC42)'))",
            timeout=TIMEOUT,
        )
        code, region = hover_a_region(view)
        region.click()
        page.wait_for_function(
            "(c) => window.location.search.includes('region=' + c)", arg=code, timeout=TIMEOUT
        )
        name, raw = view.download("map-table", "csv")
        assert name.startswith("map_TC42")
        exported = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
        assert set(exported["sector"]) == {"TC42"}
        rows = page.locator(".eocic-panel-map-table table.eocic-table").get_attribute("data-rows")
        shown = view.table("map-table")["Region code"]
        assert len(exported) == int(rows) and set(shown) <= set(exported["region"])
        view.assert_clean()
        assert view.errors == []
    finally:
        view.close()


def test_a_preheated_overview_downloads_its_chart_on_click(preheated, browser):
    base, log = preheated
    wait_for_pools(log)  # refilled after the other test took a kernel
    view = Page(browser, base, "overview.ipynb?region=ITC4")
    page = view.page
    try:
        page.wait_for_function(
            "() => window.location.search.includes('region=ITC4') && document.querySelector("
            "'.eocic-region-name')?.innerText === 'Lombardia'",
            timeout=TIMEOUT,
        )
        name, payload = view.download("clusters-chart", "svg")
        assert name.startswith("overview_ITC4_") and b"<svg" in payload[:2000]
        assert page.locator(f".eocic-panel-clusters-chart {CHART}").count() == 1
        view.assert_clean()
    finally:
        view.close()
