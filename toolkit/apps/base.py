"""What every view shares: the ``Explorer`` base (banner, navigation, controls, status,
panels), the selection carried from view to view and kept in the page's URL, and the
JavaScript bridge (an ``Output`` widget showing ``IPython.display.Javascript``, which Voilà
runs: an HTML widget's ``<script>`` is never run).

State travels three ways: inside a page (the all-views tabs) through ``AppData.selection``;
between pages through the links of the navigation bar, which hold the selection in their
query string; into a page from its URL, which Voilà hands the kernel as ``QUERY_STRING``
(at start, or for a preheated kernel when the visitor's request arrives).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Callable

import ipywidgets as W
import pandas as pd

from toolkit import export
from toolkit.apps.data import AppData, _as_data
from toolkit.apps.panels import CSS, ChartPanel, TablePanel
from toolkit.apps.state import Selection, page_link
from toolkit.errors import ToolkitError
from toolkit.presentation import escape as esc
from toolkit.workspace import Workspace

log = logging.getLogger("toolkit.explorers")

SECTOR_TYPES = (("All", "all"), ("Traded", "traded"), ("Emerging", "emerging"), ("Other", "other"))

# The pages a visitor moves between: notebook -> (slug, menu label); the order of the menu.
PAGES = {
    "index.ipynb": ("index", "Home"),
    "overview.ipynb": ("overview", "Overview"),
    "portfolio.ipynb": ("portfolio", "Portfolio"),
    "sector.ipynb": ("sector", "By sector"),
    "map.ipynb": ("map", "Map"),
    "scoreboard.ipynb": ("scoreboard", "Scoreboard"),
    "trends.ipynb": ("trends", "Trends"),
    "network.ipynb": ("network", "Related clusters"),
    "partners.ipynb": ("partners", "Partners"),
    "help.ipynb": ("help", "Help"),
    "app.ipynb": ("app", "All views in tabs"),
}

# Runs once per page: the map's hover tip and click bridge (delegated, so it serves every
# map drawn later), and the print button.
PAGE_SCRIPT = """
if (!window.__eocic) {
  window.__eocic = true;
  const tip = document.createElement('div'); tip.className = 'eocic-tip';
  document.body.appendChild(tip);
  document.addEventListener('mouseover', (e) => {
    const p = e.target.closest && e.target.closest('.eocic-map-svg path[data-region]');
    if (!p) { tip.style.display = 'none'; return; }
    tip.textContent = p.getAttribute('data-tip') || p.getAttribute('data-region');
    tip.style.display = 'block';
  });
  document.addEventListener('mousemove', (e) => {
    tip.style.left = (e.clientX + 12) + 'px'; tip.style.top = (e.clientY + 12) + 'px';
  });
  // A download link whose file is not made yet: ask the view's kernel for it (the kernel
  // makes the file, puts a link holding it in place and clicks that link).
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a.eocic-on-demand');
    if (!a) return;
    e.preventDefault();
    if (a.classList.contains('eocic-busy')) return;  // asked already (a double click)
    const view = a.closest('.eocic-view');
    const input = view && view.querySelector('.eocic-export-request input');
    if (!input) return;
    a.classList.add('eocic-busy');
    input.value = [a.dataset.panel, a.dataset.format, Date.now()].join('|');
    input.dispatchEvent(new Event('input', {bubbles: true}));
    input.dispatchEvent(new Event('change', {bubbles: true}));
  });
  document.addEventListener('click', (e) => {
    const p = e.target.closest && e.target.closest('.eocic-map-svg path[data-region]');
    if (!p) return;
    const view = p.closest('.eocic-view');
    const input = view && view.querySelector('.eocic-map-click input');
    if (!input) return;
    input.value = p.getAttribute('data-region');
    input.dispatchEvent(new Event('input', {bubbles: true}));
    input.dispatchEvent(new Event('change', {bubbles: true}));
  });
}
"""


def sector_type_options(sectors: pd.DataFrame) -> list[tuple[str, str]]:
    """The sector-type filter's choices: "All" and each type the sector table has, so a NACE
    panel (every sector 'other') offers no empty "Traded" or "Emerging" choice."""
    present = set(sectors["type"])
    return [SECTOR_TYPES[0]] + [(label, t) for label, t in SECTOR_TYPES[1:] if t in present]


def query_string_now() -> str | None:
    """The visitor's query string when the kernel already has it (a kernel started for the
    request); None for a preheated kernel still waiting for its visitor, or outside Voilà."""
    if os.environ.get("VOILA_PREHEAT", "False") == "True":
        return None
    return os.environ.get("QUERY_STRING")


_REQUEST_LISTENERS: list[Callable[[str], None]] = []
_REQUEST_LOCK = threading.Lock()
_REQUEST_STARTED = False


def on_request(callback: Callable[[str], None]) -> None:
    """Call ``callback(query_string)`` on the kernel's event loop when the visitor's request
    reaches this preheated kernel (``voila.utils.wait_for_request``, in a thread: the page was
    rendered before anyone asked for it)."""
    global _REQUEST_STARTED
    if os.environ.get("VOILA_PREHEAT", "False") != "True":
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    with _REQUEST_LOCK:
        _REQUEST_LISTENERS.append(callback)
        if _REQUEST_STARTED:
            return
        _REQUEST_STARTED = True

    def wait() -> None:
        from voila.utils import wait_for_request

        try:
            wait_for_request()
        except Exception:  # no visitor info: the page keeps its defaults
            log.exception("no request info for the preheated kernel")
            return
        query = os.environ.get("QUERY_STRING", "")
        for listener in list(_REQUEST_LISTENERS):
            loop.call_soon_threadsafe(listener, query)

    threading.Thread(target=wait, daemon=True, name="eocic-query").start()


class Script:
    """Runs JavaScript in the page: an invisible ``Output`` widget showing
    ``IPython.display.Javascript`` (each call replaces the previous script)."""

    def __init__(self):
        self.widget = W.Output(layout=W.Layout(height="0px", overflow="hidden"))
        self.widget.add_class("eocic-script")
        self.sent: list[str] = []

    def run(self, code: str) -> None:
        from IPython.display import Javascript

        self.sent.append(code)
        self.widget.outputs = ()
        self.widget.append_display_data(Javascript(code))


def click_download_script(view: str, panel: str, fmt: str) -> str:
    """JavaScript that clicks the link holding the file ``fmt`` of ``panel`` in ``view`` as
    soon as the page shows it (the link and this script reach the page as two messages)."""
    selector = (
        f".eocic-view-{view} .eocic-panel-{panel} a.eocic-download-{fmt}:not(.eocic-on-demand)"
    )
    return (
        "(function(){const t0=Date.now();(function go(){"
        f"const a=document.querySelector({json.dumps(selector)});"
        "if(a){a.click();return;}if(Date.now()-t0<20000){setTimeout(go,50);}})();})();"
    )


def url_script(query: str) -> str:
    """JavaScript that puts ``query`` in the address bar (no reload, no history entry)."""
    return (
        "try{const u=new URL(window.location.href);u.search=" + json.dumps(query) + ";"
        "window.history.replaceState(null,'',u.toString());}catch(e){}"
    )


class Explorer:
    """Base of the views: synthetic banner, controls, a status line and panels."""

    title = ""
    slug = "view"

    notebook = ""  # the page that shows this view alone

    def __init__(self, source: Workspace | AppData | None = None, *, in_tabs: bool = False):
        self.data = _as_data(source)
        self.ws = self.data.ws
        self.in_tabs = in_tabs  # part of the all-views page: that page owns the URL
        self.selection: Selection = self.data.selection
        self.notice = self.ws.provenance.get("notice", "") if self.ws.synthetic else ""
        self.status = W.HTML()
        self.status.add_class("eocic-status")
        self.heading = W.HTML()
        self.heading.add_class("eocic-heading")
        self.panels: list[ChartPanel | TablePanel] = []
        # a download asked for in the page: "panel|format|time" (see PAGE_SCRIPT)
        self.export_request = W.Text(layout=W.Layout(display="none"))
        self.export_request.add_class("eocic-export-request")
        self.export_request.observe(self._on_export_request, names="value")
        controls = self._build_controls()
        body = self._build_body()
        banner = (
            f'<div class="eocic-synthetic">{esc(self.notice)}</div>' if self.ws.synthetic else ""
        )
        self.nav = W.HTML()
        self.nav.add_class("eocic-nav")
        self.script = Script()  # one-off scripts: the URL, print, a download's click
        # The page's handlers (map hover and click, on-demand downloads) in a widget of their
        # own: a one-off script replaces the last one, maybe before the browser ran it.
        self.page_script = Script()
        self.page_script.run(PAGE_SCRIPT)
        self.print_button = W.Button(description="Print", icon="print", tooltip="print view")
        self.print_button.add_class("eocic-print")
        self.print_button.on_click(lambda _b: self.script.run("window.print();"))
        controls.add_class("eocic-controls")
        self.widget = W.VBox(
            [
                W.HTML(CSS + f"<h2>{esc(self.title)}</h2>" + banner),
                W.HBox([self.nav, self.print_button], layout=W.Layout(align_items="center")),
                controls,
                self.status,
                self.heading,
                body,
                self.export_request,
                self.page_script.widget,
                self.script.widget,
            ]
        )
        self.widget.add_class("eocic-view")
        self.widget.add_class(f"eocic-view-{self.slug}")
        query = query_string_now()
        if query:
            self.apply_selection(Selection.from_query(query))
        self._building = True
        self.refresh()
        self._building = False
        on_request(self.apply_query)

    # subclasses fill these in
    def _build_controls(self) -> W.Widget:
        return W.HBox([])

    def _build_body(self) -> W.Widget:
        return W.VBox([p.widget for p in self.panels])

    def _draw(self) -> None:
        """Update the heading and every panel for the current selection."""

    def refresh(self, *_args) -> None:
        """Redraw what the current selection changed (charts and tables first, then the
        download links, so the user sees the chart as early as possible)."""
        try:
            self._draw()
        except ToolkitError as exc:
            self.status.value = f'<div class="eocic-error">{esc(exc)}</div>'
            return
        except Exception as exc:  # a view must never show a traceback to a stakeholder
            log.exception("explorer %s failed", self.slug)
            self.status.value = (
                f'<div class="eocic-error">This view could not be drawn: {esc(exc)}</div>'
            )
            return
        if "eocic-error" in self.status.value:
            self.status.value = ""
        self._remember()
        self._make_downloads_without_kernel()

    def _defer(self, draw: Callable[[], object]) -> None:
        """Draw a secondary panel: at once, except while the view is first built inside a
        kernel, where it is drawn just after, so the notebook cell (and the page in Voilà)
        completes as soon as the main chart is ready."""
        if self._building:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                draw()
                return
            loop.call_later(0.0, self._run_deferred, draw)
        else:
            draw()

    def _run_deferred(self, draw: Callable[[], object]) -> None:
        try:
            draw()
        except Exception as exc:  # never a traceback in the page
            log.exception("explorer %s failed", self.slug)
            self.status.value = (
                f'<div class="eocic-error">This view could not be drawn: {esc(exc)}</div>'
            )
        self._make_downloads_without_kernel()

    def _make_downloads_without_kernel(self) -> None:
        """In a kernel a download is made when it is asked for (``download``); without a
        running event loop (scripts, tests) nobody can ask later, so every file is made now."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.prepare_downloads()

    def prepare_downloads(self) -> None:
        """Make every download of every panel at once (links holding their files)."""
        for panel in self.panels:
            panel.make_all()

    def download(self, panel_name: str, fmt: str) -> tuple[str, bytes]:
        """What a click on an on-demand download link does: make the file of ``panel_name``
        in ``fmt``, put a link holding it in place of the one clicked, and click that link
        in the page. Returns (file name, bytes)."""
        panel = next((p for p in self.panels if p.name == panel_name), None)
        if panel is None:
            raise ValueError(f"{self.slug}: no panel {panel_name!r}")
        name, payload = panel.file(fmt)
        if len(payload) <= export.MAX_DATA_URL_BYTES:
            self.script.run(click_download_script(self.slug, panel_name, fmt))
        return name, payload

    def _on_export_request(self, change) -> None:
        panel_name, _, rest = str(change["new"]).partition("|")
        fmt = rest.partition("|")[0]
        if not panel_name or not fmt:
            return
        try:
            self.download(panel_name, fmt)
        except Exception as exc:  # never a traceback in the page
            log.exception("download %s %s of %s failed", panel_name, fmt, self.slug)
            self.status.value = (
                f'<div class="eocic-error">The download could not be made: {esc(exc)}</div>'
            )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def set_region(self, key: str | None) -> None:
        """Select a region without a redraw (the caller redraws once)."""
        region = self.data.lookup(key) if key else None
        if region and region != self.region:
            self.region = region
            with self.region_picker.hold_trait_notifications():
                self.region_picker.unobserve(self._on_region, names="value")
                self.region_picker.value = self.data.label(region)
                self.region_picker.observe(self._on_region, names="value")

    def set_sector(self, code: str | None) -> None:
        """Select a sector without a redraw (the caller redraws once)."""
        codes = [c for _, c in self.data.sector_options]
        if code in codes and code != self.sector_picker.value:
            self.sector_picker.unobserve(self.refresh, names="value")
            self.sector_picker.value = code
            self.sector_picker.observe(self.refresh, names="value")

    def _stem(self, *parts: object) -> str:
        return export.safe_filename("_".join(str(p) for p in (self.slug, *parts)))

    # the shared selection
    def apply_selection(self, selection: Selection) -> None:
        """Set the controls from a selection (what the view understands of it): called
        before the first draw with the URL's, and when a tab is opened with the page's."""

    def current(self) -> dict[str, object]:
        """What this view has selected, as ``Selection`` fields (region, sector, year...)."""
        return {}

    def apply_query(self, query: str) -> None:
        """The visitor's URL arrived (preheated kernel): select what it names."""
        if query:
            self.apply_selection(Selection.from_query(query))
            self.refresh()

    def _remember(self) -> None:
        """Write the view's selection into the shared one, redraw the navigation links and
        put the selection into the page's URL (unless the tabs own it)."""
        for key, value in self.current().items():
            setattr(self.selection, key, value)
        links = []
        for notebook, (slug, label) in PAGES.items():
            cls = ' class="eocic-current"' if slug == self.slug else ""
            href = esc(page_link(notebook, self.selection))
            links.append(f'<a{cls} data-page="{slug}" href="{href}" target="_top">{label}</a>')
        self.nav.value = "".join(links)
        if self.in_tabs:
            self.selection.view = self.slug
        self.script.run(url_script(self.selection.query(view=self.in_tabs)))

    # shared controls
    def _region_picker(self, initial: str | None = None) -> W.Combobox:
        options = self.data.region_options
        initial = initial or self.selection.region
        self.region = initial if initial and self.data.lookup(initial) else options[0][1]
        self.region = self.data.lookup(self.region) or self.region
        picker = W.Combobox(
            options=[label for label, _ in options],
            value=self.data.label(self.region),
            placeholder="type a region name or code",
            description="Region",
            ensure_option=False,
            layout=W.Layout(width="460px"),
        )
        picker.add_class("eocic-region")
        picker.observe(self._on_region, names="value")
        self.region_picker = picker
        return picker

    def _on_region(self, change) -> None:
        text = change["new"]
        region = self.data.lookup(text)
        if region is None:
            if str(text).strip():
                self.status.value = (
                    f'<div class="eocic-note">No region matches “{esc(text)}” yet: type a name '
                    "or code, or pick one from the list.</div>"
                )
            return
        self.status.value = ""
        if region != self.region:
            self.region = region
            self.refresh()

    def select_region(self, key: str) -> None:
        """Select a region by id, code, name or picker label (as a user typing it would)."""
        self.region_picker.value = key

    def _sector_picker(self, initial: str | None = None) -> W.Dropdown:
        options = self.data.sector_options
        codes = [c for _, c in options]
        initial = initial or self.selection.sector
        picker = W.Dropdown(
            options=options,
            value=initial if initial in codes else codes[0],
            description="Sector",
            layout=W.Layout(width="460px"),
        )
        picker.add_class("eocic-sector-picker")
        picker.observe(self.refresh, names="value")
        self.sector_picker = picker
        return picker


class ChoosesRegion:
    """For a view led by one region (``Explorer._region_picker``, ``eocic-region``): it opens
    on the ``region`` given, else the shared selection's, else the first; the region is what
    it reads from and writes to the shared selection. Further positional arguments go on to
    the next part of the view (``PartnerFinder(ws, region, sector)``)."""

    def __init__(self, source=None, region: str | None = None, *args, **kwargs):
        self._initial_region = region
        super().__init__(source, *args, **kwargs)

    def _region_picker(self, initial: str | None = None) -> W.Combobox:
        return super()._region_picker(initial or self._initial_region)

    def apply_selection(self, selection: Selection) -> None:
        self.set_region(selection.region)
        super().apply_selection(selection)

    def current(self) -> dict[str, object]:
        return {"region": self.region, **super().current()}


class ChoosesSector:
    """For a view led by one sector (``Explorer._sector_picker``, ``eocic-sector-picker``): it
    opens on the ``sector`` given, else the shared selection's, else the first; a pick redraws
    the view; the sector is what it reads from and writes to the shared selection."""

    def __init__(self, source=None, sector: str | None = None, **kwargs):
        self._initial_sector = sector
        super().__init__(source, **kwargs)

    def _sector_picker(self, initial: str | None = None) -> W.Dropdown:
        return super()._sector_picker(initial or self._initial_sector)

    @property
    def sector(self) -> str:
        """The selected sector's code."""
        return self.sector_picker.value

    def sector_metrics(self) -> pd.DataFrame:
        """Every region's metrics in the selected sector, in the analysis year."""
        metrics = self.data.metrics()
        return metrics[metrics["sector"] == self.sector]

    def apply_selection(self, selection: Selection) -> None:
        super().apply_selection(selection)
        self.set_sector(selection.sector)

    def current(self) -> dict[str, object]:
        return {**super().current(), "sector": self.sector}


class ComparesRegions(ChoosesRegion):
    """For a view with a ``CompareBox`` (``self.compare``): the selection it reads from and
    writes to the address is the region and the regions compared with it."""

    def apply_selection(self, selection: Selection) -> None:
        super().apply_selection(selection)
        self.compare.set(selection.compare)

    def current(self) -> dict[str, object]:
        return {**super().current(), "compare": list(self.compare.regions)}

    def compared(self) -> list[str]:
        """The selected region first, then the regions it is compared with."""
        return [self.region] + [r for r in self.compare.regions if r != self.region]


class CompareBox:
    """Up to ``MAX_COMPARED`` regions to compare with the selected one: a box to type a
    region in (added when it matches one) and a button per region to take it off again.
    ``on_change()`` is called after each change; ``regions`` holds the ids in order."""

    def __init__(self, data: AppData, on_change: Callable[[], None], initial=()):
        from toolkit.apps.state import MAX_COMPARED

        self.data = data
        self.max = MAX_COMPARED
        self.on_change = on_change
        self.regions: list[str] = []
        for key in initial:
            region = data.lookup(key)
            if region and region not in self.regions and len(self.regions) < self.max:
                self.regions.append(region)
        self.entry = W.Combobox(
            options=[label for label, _ in data.region_options],
            placeholder=f"add a region to compare (up to {self.max})",
            description="Compare",
            ensure_option=False,
            layout=W.Layout(width="460px"),
        )
        self.entry.add_class("eocic-compare")
        self.entry.observe(self._on_entry, names="value")
        self.chips = W.HBox(layout=W.Layout(flex_flow="row wrap"))
        self.chips.add_class("eocic-compare-list")
        self.widget = W.VBox([self.entry, self.chips])
        self._show()

    def set(self, keys) -> bool:
        """Replace the list (ids, codes or names); True when it changed."""
        regions = []
        for key in keys:
            region = self.data.lookup(key)
            if region and region not in regions:
                regions.append(region)
        regions = regions[: self.max]
        if regions == self.regions:
            return False
        self.regions = regions
        self._show()
        return True

    def add(self, key: str) -> bool:
        region = self.data.lookup(key)
        if region is None or region in self.regions or len(self.regions) >= self.max:
            return False
        self.regions.append(region)
        self._show()
        self.on_change()
        return True

    def remove(self, region: str) -> None:
        if region in self.regions:
            self.regions.remove(region)
            self._show()
            self.on_change()

    def _on_entry(self, change) -> None:
        if self.add(change["new"]):
            self.entry.value = ""

    def _show(self) -> None:
        buttons = []
        for region in self.regions:
            button = W.Button(
                description=f"{self.data.ws.region_name(region)} ({region}) ×",
                tooltip="take off the comparison",
                layout=W.Layout(width="auto"),
            )
            button.add_class("eocic-compare-chip")
            button.on_click(lambda _b, r=region: self.remove(r))
            buttons.append(button)
        self.chips.children = tuple(buttons)
