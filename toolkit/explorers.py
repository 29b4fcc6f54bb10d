"""Interactive explorers (ipywidgets) for JupyterLab and the Voilà apps.

Every explorer is built on a ``Workspace`` (the data layer the reports use) through an
``AppData`` cache: data and metrics are loaded once per kernel, the metrics of another year,
a scoreboard or a geometry are computed the first time they are asked for and kept. A view is
made of *panels* (a chart or a table, each with its download links); a panel remembers the
selection it was drawn for and is redrawn only when a control it depends on changes.

Text that comes from data files (region and sector names, codes) is always HTML-escaped before
it reaches an HTML widget, and ``$`` is escaped before it reaches matplotlib, so a region named
``<img src=x onerror=alert(1)>`` shows as text. When the data are synthetic, every view says so.

Use in JupyterLab: ``display(RegionalPerformanceOverview(ws))``; in the apps: ``open_view(name)``
(the data sources come from the ``EOCIC_APP_SOURCES`` environment variable, see
``workspace_from_env``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from toolkit import charts, export, geo, tables
from toolkit.errors import ToolkitError
from toolkit.metrics import cluster_metrics
from toolkit.prepared import load_pickle
from toolkit.presentation import escape
from toolkit.scoreboard import compare_with_peers, dimension_scores, scoreboard, workspace_peers
from toolkit.sources import APP_ENV, APP_PREPARED, DataSources
from toolkit.tables import base_rows, is_base  # noqa: F401
from toolkit.workspace import Workspace

log = logging.getLogger(__name__)

STAR_COLOURS = charts.PALETTE
SECTOR_TYPES = (("All", "all"), ("Traded", "traded"), ("Emerging", "emerging"), ("Other", "other"))


def sector_type_options(sectors: pd.DataFrame) -> list[tuple[str, str]]:
    """The sector-type filter's choices: "All" and each type the sector table has, so a NACE
    panel (every sector 'other') offers no empty "Traded" or "Emerging" choice."""
    present = set(sectors["type"])
    return [SECTOR_TYPES[0]] + [(label, t) for label, t in SECTOR_TYPES[1:] if t in present]


CSS = """<style>
.eocic-synthetic{background:#fff3cd;border:1px solid #e0b000;padding:4px 8px;margin:4px 0;
 font-weight:bold;color:#7a4d00}
.eocic-table{border-collapse:collapse;font-size:12px}
.eocic-table th,.eocic-table td{border-bottom:1px solid #ddd;padding:2px 6px;text-align:right}
.eocic-table th:first-child,.eocic-table td:first-child{text-align:left}
.eocic-table td.text,.eocic-table th.text{text-align:left}
.eocic-scroll{max-height:420px;overflow:auto}
.eocic-error{color:#b00;font-weight:bold}
.eocic-note{color:#555;font-size:90%}
</style>"""

DOWNLOAD_DELAY = 0.1  # seconds between a redraw and the start of its downloads
PREPARING = '<div class="eocic-note eocic-preparing">Preparing downloads…</div>'

_WORKSPACES: dict[tuple, Workspace] = {}
esc = escape  # HTML-escape text from data (names, codes) for an HTML widget


def region_label(ws: Workspace, code: str, width: int = 34) -> str:
    """``Name (CODE)`` for a chart axis, the name shortened so the code always shows."""
    name = ws.region_name(code)
    if len(name) > width:
        name = name[: width - 1] + "…"
    return f"{name} ({code})"


def mpl_text(text: object) -> str:
    """Text for matplotlib: ``$`` escaped so a name never switches on math rendering."""
    return str(text).replace("$", r"\$")


def workspace_from_env() -> Workspace:
    """The workspace of the app kernel, loaded once per kernel: the pickle ``toolkit app``
    wrote after checking the data (``EOCIC_APP_PREPARED``), else loaded from the data sources
    of ``EOCIC_APP_SOURCES`` (unset: the demo data and the default parameters)."""
    key = (os.environ.get(APP_ENV), os.environ.get(APP_PREPARED))
    if key not in _WORKSPACES:
        prepared = key[1]
        if prepared and os.path.isfile(prepared):
            # Loaded and checked once by ``toolkit app`` from these same sources (metrics
            # computed): a kernel loads it in a fraction of a second.
            _WORKSPACES[key] = load_pickle(prepared)
        else:
            _WORKSPACES[key] = Workspace.load(DataSources.from_env())
    return _WORKSPACES[key]


# --- the per-kernel cache -----------------------------------------------------------------------


class AppData:
    """Caches over one workspace: metrics by year, scoreboard by year, region options, geometry."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self._metrics: dict[tuple[bool, int], pd.DataFrame] = {
            (False, ws.year): ws.metrics,
        }
        self._scoreboards: dict[int, pd.DataFrame] = {}
        self._dimensions: dict[int, pd.DataFrame] = {}
        self._geometry: tuple[geo.Geometry | None, str] | None = None

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in pd.unique(self.ws.panel["year"]))

    def metrics(self, year: int | None = None, *, analysis: bool = False) -> pd.DataFrame:
        """Metrics of every region for ``year`` (default: the workspace's analysis year);
        ``analysis``: regions of analysis in place of their members. Computed once per year."""
        year = self.ws.year if year is None else int(year)
        key = (analysis, year)
        if key not in self._metrics:
            if analysis and year == self.ws.year:
                self._metrics[key] = self.ws.analysis_metrics
            else:
                panel = self.ws.analysis_panel if analysis else self.ws.panel
                params = replace(self.ws.params, year=year)
                self._metrics[key] = cluster_metrics(panel, self.ws.sectors, params)
        return self._metrics[key]

    def region_table(self, region_id: str, year: int | None = None) -> pd.DataFrame:
        """The whole metrics table a region is ranked in (unions: the analysis table)."""
        return self.metrics(year, analysis=self.ws.is_union(region_id))

    def clusters(self, region_id: str, year: int | None = None) -> pd.DataFrame:
        table = self.region_table(region_id, year)
        return table[table["region"] == region_id].reset_index(drop=True)

    def scoreboard(self, year: int | None = None) -> pd.DataFrame:
        """Region x indicator scores (0-100, 50 = EU median) for ``year``, computed once."""
        year = self.ws.year if year is None else int(year)
        if year not in self._scoreboards:
            context = self.ws.analysis_context
            if context.empty:
                self._scoreboards[year] = scoreboard(context, self.ws.indicators, year)
            else:
                self._scoreboards[year] = scoreboard(
                    context, self.ws.indicators, year, union_ids=[u.id for u in self.ws.unions]
                )
        return self._scoreboards[year]

    def dimensions(self, year: int | None = None) -> pd.DataFrame:
        year = self.ws.year if year is None else int(year)
        if year not in self._dimensions:
            self._dimensions[year] = dimension_scores(
                self.scoreboard(year), self.ws.indicators.dimensions
            )
        return self._dimensions[year]

    def peers(self, region_id: str, n: int) -> list[str]:
        """The ``n`` peer regions (structure and development level), as in the reports."""
        return workspace_peers(self.ws, region_id, n)

    @cached_property
    def region_options(self) -> list[tuple[str, str]]:
        """(label, region id) for the region picker: regions of analysis, then every region
        with cluster data, by name."""
        ws = self.ws
        present = set(pd.unique(ws.metrics["region"]))
        unions = [(f"{u.name} ({u.id})", u.id) for u in ws.unions]
        codes = sorted(present - {u.id for u in ws.unions})
        regions = sorted(
            ((f"{ws.region_name(c)} ({c})", c) for c in codes), key=lambda p: p[0].casefold()
        )
        return unions + regions

    @cached_property
    def _lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for label, rid in reversed(self.region_options):  # earlier options win on a clash
            for key in (label, rid, self.ws.region_name(rid)):
                table[str(key).casefold().strip()] = rid
        return table

    def lookup(self, text: str) -> str | None:
        """A picker entry (label, id, code or name, any case) -> region id, or None."""
        return self._lookup.get(str(text).casefold().strip())

    def label(self, region_id: str) -> str:
        return next((lab for lab, rid in self.region_options if rid == region_id), region_id)

    @cached_property
    def sector_options(self) -> list[tuple[str, str]]:
        present = set(pd.unique(self.ws.metrics["sector"]))
        sectors = self.ws.sectors[self.ws.sectors["code"].isin(present)]
        return [(f"{n} ({c})", c) for c, n in zip(sectors["code"], sectors["name"], strict=True)]

    @cached_property
    def country_options(self) -> list[tuple[str, str]]:
        regions = self.ws.regions
        present = regions[regions["code"].isin(set(pd.unique(self.ws.metrics["region"])))]
        countries = sorted(set(present["country"].dropna()))
        names = dict(zip(regions["code"], regions["name"], strict=True))
        return [("All countries", "all")] + [(f"{names.get(c, c)} ({c})", c) for c in countries]

    @cached_property
    def region_country(self) -> dict[str, str]:
        regions = self.ws.regions
        return dict(zip(regions["code"], regions["country"].fillna(""), strict=True))

    @cached_property
    def mpl_sector_names(self) -> dict[str, str]:
        return {code: mpl_text(name) for code, name in self.ws.sector_names.items()}

    def geometry(self) -> tuple[geo.Geometry | None, str]:
        """NUTS boundaries (``toolkit.geo.load_geometry``), looked for once per kernel."""
        if self._geometry is None:
            # The data's codes pick the NUTS version of the shipped boundaries (2016 or 2021).
            self._geometry = geo.load_geometry(codes=self.ws.panel["region"].unique())
        return self._geometry


def _as_data(source: Workspace | AppData | None) -> AppData:
    if isinstance(source, AppData):
        return source
    return AppData(source if source is not None else workspace_from_env())


# --- panels ----------------------------------------------------------------------------------


class ChartPanel:
    """A chart (an SVG image in an HTML widget, text drawn by the browser) with PNG / SVG /
    PDF download links.

    ``data`` is the frame the chart was drawn from (what tests compare), ``renders`` counts
    the redraws, ``key`` is the selection it was drawn for.
    """

    def __init__(self, name: str):
        self.name = name
        self.image = W.HTML(layout=W.Layout(min_height="60px"))
        self.links = W.HTML()
        self.widget = W.VBox([self.image, self.links])
        self.widget.add_class(f"eocic-panel-{name}")
        self.key: object = object()
        self.data: pd.DataFrame | None = None
        self.figure: Figure | None = None
        self.stem = name
        self.renders = 0
        self._stale_links = False
        self._ready: dict[str, bytes] = {}

    def update(self, key: object, draw: Callable[[], tuple[Figure, pd.DataFrame]], stem: str):
        """Redraw when ``key`` differs from the last one; ``draw`` returns (figure, data)."""
        if key == self.key:
            return False
        fig, data = draw()
        svg = export.screen_svg(fig)
        self.links.value = PREPARING
        alt = esc(fig.axes[0].get_title() if fig.axes else self.name)
        self.image.value = (
            f'<img class="eocic-chart" data-chart="{esc(self.name)}" alt="{alt}" '
            f'style="max-width:100%" src="{export.data_url(svg, "image/svg+xml")}">'
        )
        self.key, self.figure, self.data, self.stem = key, fig, data, stem
        self._ready = {}  # download bytes made so far for this figure (in later steps)
        self.renders += 1
        self._stale_links = True
        return True

    def download_step(self) -> bool:
        """Make one missing download format, or publish the links once all are made; False
        when there is nothing to do. Small steps keep the kernel responsive."""
        if not self._stale_links or self.figure is None:
            return False
        for fmt in export.CHART_FORMATS:
            if fmt not in self._ready:
                self._ready[fmt] = export.figure_bytes(self.figure, fmt)
                return True
        self.links.value = export.chart_links(self.figure, self.stem, ready=self._ready)
        self._stale_links = False
        return True

    def refresh_links(self) -> None:
        while self.download_step():
            pass


class TablePanel:
    """A table (HTML) with CSV / Excel download links of the whole table (not only the rows
    shown)."""

    def __init__(self, name: str, notice: str = "", max_rows: int | None = 100):
        self.name = name
        self.notice = notice
        self.max_rows = max_rows
        self.html = W.HTML()
        self.links = W.HTML()
        self.widget = W.VBox([self.html, self.links])
        self.widget.add_class(f"eocic-panel-{name}")
        self.key: object = object()
        self.data: pd.DataFrame | None = None
        self.stem = name
        self.renders = 0
        self._stale_links = False

    def update(self, key: object, build: Callable[[], pd.DataFrame], stem: str) -> bool:
        if key == self.key:
            return False
        frame = build()
        self.html.value = html_table(frame, self.name, self.max_rows)
        self.links.value = PREPARING
        self.key, self.data, self.stem = key, frame, stem
        self.renders += 1
        self._stale_links = True
        return True

    def download_step(self) -> bool:
        if not self._stale_links or self.data is None:
            return False
        self.links.value = export.table_links(self.data, self.stem, notice=self.notice)
        self._stale_links = False
        return True

    def refresh_links(self) -> None:
        self.download_step()


def _format_column(values: pd.Series, column: str) -> list[str]:
    if pd.api.types.is_bool_dtype(values):
        return ["yes" if v else "no" for v in values]
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("Float64")
        digits = 2 if any(k in column for k in ("LQ", "%", "score", "median", "value")) else 0
        if digits == 0 and (numbers.dropna().abs() < 100).all():
            digits = 0 if (numbers.dropna() % 1 == 0).all() else 2
        return ["–" if pd.isna(v) else f"{v:,.{digits}f}" for v in numbers]
    return ["–" if pd.isna(v) else esc(v) for v in values]


def html_table(frame: pd.DataFrame, name: str = "", max_rows: int | None = 100) -> str:
    """An escaped HTML table of ``frame`` (first ``max_rows`` rows, with a note if cut)."""
    if frame.empty:
        return f'<div class="eocic-note eocic-empty" data-table="{esc(name)}">No rows.</div>'
    shown = frame if max_rows is None else frame.head(max_rows)
    columns = {c: _format_column(shown[c], str(c)) for c in shown.columns}
    text_cols = {c for c in shown.columns if not pd.api.types.is_numeric_dtype(shown[c])}
    head = "".join(
        f'<th class="{"text" if c in text_cols else "num"}">{esc(c)}</th>' for c in shown.columns
    )
    rows = []
    for i in range(len(shown)):
        cells = "".join(
            f'<td class="{"text" if c in text_cols else "num"}">{columns[c][i]}</td>'
            for c in shown.columns
        )
        rows.append(f"<tr>{cells}</tr>")
    note = (
        f'<div class="eocic-note">First {len(shown)} of {len(frame)} rows; the download holds '
        "all of them.</div>"
        if len(shown) < len(frame)
        else ""
    )
    return (
        f'<div class="eocic-scroll"><table class="eocic-table" data-table="{esc(name)}" '
        f'data-rows="{len(frame)}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
        f"</tbody></table></div>{note}"
    )


# --- charts (figures built from frames; no pyplot state) --------------------------------------


def _fig(width: float, height: float) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), dpi=90)
    return fig, fig.add_subplot()


def _finish(fig: Figure, ax, synthetic: bool) -> Figure:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    charts.fit_margins(fig, ax, strip=charts.SYNTHETIC_STRIP if synthetic else 0.0)
    if synthetic:
        fig.text(
            0.99, 0.01, charts.SYNTHETIC_MARK, ha="right", va="bottom", fontsize=8, color="#b00"
        )
    return fig


def bar_chart(
    labels: list[str],
    values: np.ndarray,
    *,
    stars: np.ndarray | None = None,
    xlabel: str,
    title: str,
    synthetic: bool,
    reference: float | None = None,
    xlim: tuple[float, float] | None = None,
) -> Figure:
    """Horizontal bars, first label on top; coloured by stars (0-4) when given."""
    n = max(len(labels), 1)
    fig, ax = _fig(7.5, 0.3 * max(n, 3) + 1.2)
    if len(labels) == 0:
        ax.text(0.5, 0.5, "no data for this selection", ha="center", transform=ax.transAxes)
        ax.set_yticks([])
    else:
        colours = [STAR_COLOURS[int(s)] for s in stars] if stars is not None else ["#6baed6"] * n
        ax.barh(np.arange(n)[::-1], values, color=colours)
        ax.set_yticks(np.arange(n)[::-1], [mpl_text(lab)[:60] for lab in labels], fontsize=8)
        if stars is not None:
            handles = [Patch(color=STAR_COLOURS[i], label=f"{i}") for i in range(5)]
            ax.legend(
                handles=handles, title="stars", fontsize=7, title_fontsize=7, loc="lower right"
            )
    if reference is not None:
        ax.axvline(reference, color="#b00", linestyle="--", linewidth=0.8)
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_xlabel(xlabel)
    ax.set_title(mpl_text(title), fontsize=10)
    return _finish(fig, ax, synthetic)


def histogram(
    values: pd.Series,
    *,
    xlabel: str,
    title: str,
    synthetic: bool,
    marker: float | None = None,
    highlight: float | None = None,
) -> Figure:
    fig, ax = _fig(7.5, 3.0)
    clean = values.dropna().to_numpy(dtype="float64")
    if len(clean):
        ax.hist(clean, bins=min(30, max(5, len(clean) // 5)), color="#9ecae1", edgecolor="white")
    else:
        ax.text(0.5, 0.5, "no data for this selection", ha="center", transform=ax.transAxes)
    if marker is not None:
        ax.axvline(marker, color="#b00", linestyle="--", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("regions")
    ax.set_title(mpl_text(title), fontsize=10)
    return _finish(fig, ax, synthetic)


# --- the views ---------------------------------------------------------------------------------


class Explorer:
    """Base of the views: synthetic banner, controls, a status line and panels."""

    title = ""
    slug = "view"

    def __init__(self, source: Workspace | AppData | None = None):
        self.data = _as_data(source)
        self.ws = self.data.ws
        self.notice = self.ws.provenance.get("notice", "") if self.ws.synthetic else ""
        self.status = W.HTML()
        self.status.add_class("eocic-status")
        self.heading = W.HTML()
        self.heading.add_class("eocic-heading")
        self.panels: list[ChartPanel | TablePanel] = []
        self._downloads_queued = False
        controls = self._build_controls()
        body = self._build_body()
        banner = (
            f'<div class="eocic-synthetic">{esc(self.notice)}</div>' if self.ws.synthetic else ""
        )
        self.widget = W.VBox(
            [
                W.HTML(CSS + f"<h2>{esc(self.title)}</h2>" + banner),
                controls,
                self.status,
                self.heading,
                body,
            ]
        )
        self.widget.add_class("eocic-view")
        self.widget.add_class(f"eocic-view-{self.slug}")
        self._building = True
        self.refresh()
        self._building = False

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
        self._schedule_downloads()

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
        self._schedule_downloads()

    def _schedule_downloads(self) -> None:
        """Make the download links after the charts reached the browser. In a kernel the work
        is queued on its event loop in small steps (one file format each), so the new chart
        is sent first and a click in between is answered without waiting for the downloads;
        without a running loop (scripts, tests) it is done at once."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.prepare_downloads()
            return
        if not self._downloads_queued:
            self._downloads_queued = True
            loop.call_later(DOWNLOAD_DELAY, self._download_step, loop)

    def _download_step(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            busy = any(panel.download_step() for panel in self.panels)  # one step at most
        except Exception as exc:  # never a traceback in the page
            log.exception("downloads of %s failed", self.slug)
            self.status.value = (
                f'<div class="eocic-error">The downloads could not be prepared: {esc(exc)}</div>'
            )
            busy = False
        if busy:
            loop.call_later(0.0, self._download_step, loop)
        else:
            self._downloads_queued = False

    def prepare_downloads(self) -> None:
        """Make the download links of every panel redrawn since the last time, at once."""
        for panel in self.panels:
            panel.refresh_links()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _stem(self, *parts: object) -> str:
        return export.safe_filename("_".join(str(p) for p in (self.slug, *parts)))

    # shared controls
    def _region_picker(self, initial: str | None = None) -> W.Combobox:
        options = self.data.region_options
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


class RegionalPerformanceOverview(Explorer):
    """A region's clusters (stars, employment, LQ, wage, growth) and its context indicators
    against the EU; filters: year, sector type, scoreboard dimension."""

    title = "Regional Performance Overview"
    slug = "overview"

    def __init__(self, source=None, region: str | None = None):
        self._initial = region
        super().__init__(source)

    def _build_controls(self):
        region = self._region_picker(self._initial)
        self.year = W.Dropdown(options=self.data.years, value=self.ws.year, description="Year")
        self.year.add_class("eocic-year")
        self.sector_type = W.ToggleButtons(
            options=sector_type_options(self.ws.sectors), value="all", description="Sectors"
        )
        self.sector_type.add_class("eocic-sector-type")
        dims = [("All dimensions", "all")] + [
            (label, code) for code, label in self.ws.indicators.dimensions.items()
        ]
        self.dimension = W.Dropdown(options=dims, value="all", description="Dimension")
        self.dimension.add_class("eocic-dimension")
        for control in (self.year, self.sector_type, self.dimension):
            control.observe(self.refresh, names="value")
        self.cluster_chart = ChartPanel("clusters-chart")
        self.cluster_table = TablePanel("clusters-table", self.notice)
        self.context_chart = ChartPanel("context-chart")
        self.context_table = TablePanel("context-table", self.notice)
        self.panels = [
            self.cluster_chart,
            self.cluster_table,
            self.context_chart,
            self.context_table,
        ]
        return W.VBox([region, W.HBox([self.year, self.dimension]), self.sector_type])

    def _build_body(self):
        return W.VBox(
            [
                W.HTML("<h3>Clusters</h3>"),
                self.cluster_chart.widget,
                self.cluster_table.widget,
                W.HTML("<h3>Context indicators against the EU</h3>"),
                self.context_chart.widget,
                self.context_table.widget,
            ]
        )

    def clusters(self) -> pd.DataFrame:
        """The selected region's clusters for the year and sector type, best first, in the
        order of the report (``tables.leading_clusters``); "All" is every sector but the
        emerging industries, which cut across the others and have their own choice."""
        rows = self.data.clusters(self.region, self.year.value)
        kind = self.sector_type.value
        return tables.leading_clusters(rows, sector_types=None if kind == "all" else (kind,))

    def indicators(self) -> pd.DataFrame:
        sb = self.data.scoreboard(self.year.value)
        rows = sb[sb["region"] == self.region]
        if self.dimension.value != "all":
            rows = rows[rows["dimension"] == self.dimension.value]
        return rows.reset_index(drop=True)

    def _draw(self):
        ws, name = self.ws, self.ws.region_name(self.region)
        year, kind = self.year.value, self.sector_type.value
        rows = self.clusters()
        self.heading.value = (
            f'<h3 class="eocic-region-name">{esc(name)}</h3><div class="eocic-note">'
            f"{esc(self.region)} · {year} · {len(rows)} clusters, "
            f"{int((rows['stars'] > 0).sum())} with at least one star</div>"
        )
        key = (self.region, year, kind)

        def chart():
            top = rows.head(15)
            fig = bar_chart(
                [ws.sector_name(s) for s in top["sector"]],
                top["employment"].to_numpy(dtype="float64"),
                stars=top["stars"].to_numpy(),
                xlabel="persons employed (colour: cluster stars)",
                title=f"{name}: leading clusters, {year}",
                synthetic=ws.synthetic,
            )
            return fig, top[["sector", "stars", "employment"]].reset_index(drop=True)

        self.cluster_chart.update(key, chart, self._stem(self.region, year, "clusters"))
        self.cluster_table.update(
            key, lambda: cluster_table(ws, rows), self._stem(self.region, year, "clusters")
        )
        self._defer(lambda: self._draw_context(name, year))

    def _draw_context(self, name: str, year: int) -> None:
        ws = self.ws
        ikey = (self.region, year, self.dimension.value)
        ind = self.indicators()

        def context_chart():
            fig = bar_chart(
                ind["name"].tolist(),
                ind["score"].to_numpy(dtype="float64"),
                xlabel="score (0-100; 50 = EU median; higher is better)",
                title=f"{name}: context indicators against the EU, {year}",
                synthetic=ws.synthetic,
                reference=50,
                xlim=(0, 100),
            )
            return fig, ind[["indicator", "score"]]

        self.context_chart.update(ikey, context_chart, self._stem(self.region, year, "context"))
        self.context_table.update(
            ikey, lambda: indicator_table(ws, ind), self._stem(self.region, year, "context")
        )


def cluster_table(ws: Workspace, rows: pd.DataFrame) -> pd.DataFrame:
    """Display table of clusters (``tables.cluster_table``, the report's too)."""
    return tables.cluster_table(rows, ws.sector_names, ws.currency)


def indicator_table(ws: Workspace, ind: pd.DataFrame) -> pd.DataFrame:
    """Display table of scoreboard indicators (``tables.indicator_table``)."""
    return tables.indicator_table(ind, ws.indicators.dimensions)


RANKINGS = {
    "productivity": ("wage_per_employee", "Most productive", "wage per employee (EUR)"),
    "specialisation": ("lq", "Most specialised", "location quotient"),
    "size": ("employment", "Largest", "persons employed"),
}


class RegionalClusterPortfolio(Explorer):
    """A region's most productive, most specialised and largest sectors (top N) and its
    portfolio bubble chart (LQ against employment growth, bubble = employment, colour = stars).
    Emerging industries cut across the traded categories, so they are left out here."""

    title = "Regional Cluster Portfolio"
    slug = "portfolio"

    def __init__(self, source=None, region: str | None = None):
        self._initial = region
        super().__init__(source)

    def _build_controls(self):
        region = self._region_picker(self._initial)
        self.rank_by = W.ToggleButtons(
            options=[(label, key) for key, (_, label, _) in RANKINGS.items()],
            value="size",
            description="Rank",
        )
        self.rank_by.add_class("eocic-rank-by")
        self.top_n = W.IntSlider(
            value=10, min=3, max=25, description="Top N", continuous_update=False
        )
        self.top_n.add_class("eocic-top-n")
        self.rank_by.observe(self.refresh, names="value")
        self.top_n.observe(self.refresh, names="value")
        self.ranking_chart = ChartPanel("ranking-chart")
        self.ranking_table = TablePanel("ranking-table", self.notice)
        self.bubble_chart = ChartPanel("bubble-chart")
        self.panels = [self.ranking_chart, self.ranking_table, self.bubble_chart]
        return W.VBox([region, self.rank_by, self.top_n])

    def _build_body(self):
        return W.VBox(
            [
                self.ranking_chart.widget,
                self.ranking_table.widget,
                W.HTML("<h3>Portfolio</h3>"),
                self.bubble_chart.widget,
            ]
        )

    def ranking(self) -> pd.DataFrame:
        column = RANKINGS[self.rank_by.value][0]
        rows = self.data.clusters(self.region)
        rows = rows[is_base(rows) & rows[column].notna()]
        return rows.sort_values(column, ascending=False, kind="stable").head(self.top_n.value)

    def _draw(self):
        ws, name = self.ws, self.ws.region_name(self.region)
        column, label, unit = RANKINGS[self.rank_by.value]
        rows = self.ranking()
        self.heading.value = (
            f'<h3 class="eocic-region-name">{esc(name)}</h3><div class="eocic-note">'
            f"{esc(self.region)} · {ws.year} · traded cluster categories</div>"
        )
        if self.rank_by.value == "productivity" and rows.empty:
            self.status.value = (
                '<div class="eocic-note">No wages in the data: productivity cannot be ranked.</div>'
            )
        key = (self.region, self.rank_by.value, self.top_n.value)

        def chart():
            fig = bar_chart(
                [ws.sector_name(s) for s in rows["sector"]],
                rows[column].to_numpy(dtype="float64"),
                stars=rows["stars"].to_numpy(),
                xlabel=f"{unit} (colour: cluster stars)",
                title=f"{name}: {label.lower()} sectors (top {self.top_n.value})",
                synthetic=ws.synthetic,
                reference=1.0 if column == "lq" else None,
            )
            return fig, rows[["sector", column, "stars"]].reset_index(drop=True)

        stem = self._stem(self.region, self.rank_by.value, self.top_n.value)
        self.ranking_chart.update(key, chart, stem)
        self.ranking_table.update(key, lambda: cluster_table(ws, rows), stem)

        def bubbles():
            clusters = self.data.clusters(self.region)
            fig = charts.bubble_chart(
                clusters,
                self.data.mpl_sector_names,
                synthetic=ws.synthetic,
                title=mpl_text(f"{name}: specialisation against growth"),
            )
            shown = clusters[is_base(clusters) & (clusters["lq"] > 0) & clusters["growth"].notna()]
            return fig, shown[["sector", "lq", "growth", "employment", "stars"]]

        stem = self._stem(self.region, "portfolio")
        self._defer(lambda: self.bubble_chart.update((self.region,), bubbles, stem))


SORT_COLUMNS = {
    "employment": "Employment (persons)",
    "lq": "LQ",
    "wage_per_employee": "Wage per employee (EUR)",
    "growth": "Growth (% a year)",
    "stars": "Stars",
    "region": "Region code",
}


class DataBySector(Explorer):
    """One sector across all regions: ranking, distribution of LQ, filter by country, and a
    sortable table."""

    title = "Data by Sector"
    slug = "sector"

    def __init__(self, source=None, sector: str | None = None):
        self._initial = sector
        super().__init__(source)

    def _build_controls(self):
        sector = self._sector_picker(self._initial)
        self.country = W.Dropdown(
            options=self.data.country_options, value="all", description="Country"
        )
        self.country.add_class("eocic-country")
        self.sort_by = W.Dropdown(
            options=[(v, k) for k, v in SORT_COLUMNS.items()],
            value="employment",
            description="Sort by",
        )
        self.sort_by.add_class("eocic-sort-by")
        self.order = W.ToggleButtons(
            options=[("Descending", False), ("Ascending", True)], value=False, description="Order"
        )
        self.order.add_class("eocic-order")
        for control in (self.country, self.sort_by, self.order):
            control.observe(self.refresh, names="value")
        self.ranking_chart = ChartPanel("sector-ranking-chart")
        self.distribution_chart = ChartPanel("sector-distribution-chart")
        self.table = TablePanel("sector-table", self.notice)
        self.panels = [self.ranking_chart, self.table, self.distribution_chart]
        return W.VBox([sector, self.country, W.HBox([self.sort_by, self.order])])

    def _build_body(self):
        return W.VBox(
            [
                self.ranking_chart.widget,
                self.table.widget,
                W.HTML("<h3>Distribution across regions</h3>"),
                self.distribution_chart.widget,
            ]
        )

    def rows(self) -> pd.DataFrame:
        """The sector's rows (regions as in the data), filtered by country, sorted."""
        metrics = self.data.metrics()
        rows = metrics[metrics["sector"] == self.sector_picker.value]
        if self.country.value != "all":
            country = rows["region"].map(self.data.region_country)
            rows = rows[country == self.country.value]
        return rows.sort_values(
            [self.sort_by.value, "region"],
            ascending=[self.order.value, True],
            kind="stable",
            na_position="last",
        ).reset_index(drop=True)

    def _draw(self):
        ws = self.ws
        code = self.sector_picker.value
        sector_name = ws.sector_name(code)
        rows = self.rows()
        where = "all countries" if self.country.value == "all" else self.country.value
        self.heading.value = (
            f'<h3 class="eocic-sector-name">{esc(sector_name)}</h3><div class="eocic-note">'
            f"{esc(code)} · {ws.year} · {len(rows)} regions ({esc(where)})</div>"
        )
        column = self.sort_by.value if self.sort_by.value != "region" else "employment"
        label = SORT_COLUMNS[column]
        key = (code, self.country.value, column)

        def chart():
            top = (
                rows.dropna(subset=[column])
                .sort_values(column, ascending=False, kind="stable")
                .head(20)
            )
            scale = 100.0 if column == "growth" else 1.0
            fig = bar_chart(
                [region_label(ws, r) for r in top["region"]],
                scale * top[column].to_numpy(dtype="float64"),
                stars=top["stars"].to_numpy(),
                xlabel=f"{label} (colour: cluster stars)",
                title=f"{sector_name}: top regions by {label.split(' (')[0].lower()}, {ws.year}",
                synthetic=ws.synthetic,
            )
            return fig, top[["region", column, "stars"]].reset_index(drop=True)

        stem = self._stem(code, self.country.value)
        self.ranking_chart.update(key, chart, self._stem(code, self.country.value, column))
        self.table.update(
            (code, self.country.value, self.sort_by.value, self.order.value),
            lambda: region_table(ws, rows),
            stem,
        )

        def distribution():
            fig = histogram(
                rows["lq"],
                xlabel="location quotient (dashed: specialisation "
                f"star at {ws.params.specialisation_min_lq:g})",
                title=f"{sector_name}: specialisation across regions",
                synthetic=ws.synthetic,
                marker=ws.params.specialisation_min_lq,
            )
            return fig, rows[["region", "lq"]]

        lq_key, lq_stem = (code, self.country.value), self._stem(code, self.country.value, "lq")
        self._defer(lambda: self.distribution_chart.update(lq_key, distribution, lq_stem))


def region_table(ws: Workspace, rows: pd.DataFrame) -> pd.DataFrame:
    """Display table of one sector's regions, units in the column names."""
    return pd.DataFrame(
        {
            "Region": [ws.region_name(r) for r in rows["region"]],
            "Region code": rows["region"].astype(str).to_numpy(),
            "Stars": rows["stars"].astype("int64").to_numpy(),
            "Employment (persons)": rows["employment"].to_numpy(dtype="float64"),
            "LQ": rows["lq"].to_numpy(dtype="float64"),
            "Wage per employee (EUR)": rows["wage_per_employee"].to_numpy(dtype="float64"),
            "Growth (% a year)": 100 * rows["growth"].to_numpy(dtype="float64"),
        }
    )


class ClusterStrengthMap(Explorer):
    """A sector's cluster stars across the NUTS-2 regions on a map, the table beside it. When
    no boundaries can be had (offline, unknown codes) it says so and shows a ranked chart."""

    title = "Regional Cluster Strength by Sector"
    slug = "map"

    def __init__(self, source=None, sector: str | None = None):
        self._initial = sector
        super().__init__(source)

    def _build_controls(self):
        sector = self._sector_picker(self._initial)
        self.map_note = W.HTML()
        self.map_note.add_class("eocic-map-note")
        self.map_chart = ChartPanel("map-chart")
        self.table = TablePanel("map-table", self.notice, max_rows=60)
        self.panels = [self.map_chart, self.table]
        return sector

    def _build_body(self):
        left = W.VBox([self.map_note, self.map_chart.widget], layout=W.Layout(flex="3 1 0%"))
        right = W.VBox([self.table.widget], layout=W.Layout(flex="2 1 0%"))
        return W.HBox([left, right], layout=W.Layout(flex_flow="row wrap"))

    def rows(self) -> pd.DataFrame:
        metrics = self.data.metrics()
        rows = metrics[metrics["sector"] == self.sector_picker.value]
        return rows.sort_values(
            ["stars", "employment"], ascending=False, kind="stable"
        ).reset_index(drop=True)

    def _draw(self):
        ws = self.ws
        code = self.sector_picker.value
        sector_name = ws.sector_name(code)
        rows = self.rows()
        self.heading.value = (
            f'<h3 class="eocic-sector-name">{esc(sector_name)}</h3><div class="eocic-note">'
            f"{esc(code)} · {ws.year} · {int((rows['stars'] > 0).sum())} of {len(rows)} regions"
            " with at least one star</div>"
        )
        geometry, source = self.data.geometry()
        matched, missing = geometry.coverage(rows["region"]) if geometry else ([], [])
        self.has_map = bool(matched)
        if not self.has_map:
            reason = (
                source
                if geometry is None
                else (
                    f"none of the {len(rows)} region codes of the data is in the boundary file "
                    f"({source})"
                )
            )
            self.map_note.value = (
                f'<div class="eocic-note eocic-no-map"><b>No map available:</b> {esc(reason)}. '
                "The ranked chart below shows the same stars. Run <code>toolkit data geo</code>"
                " on a machine with internet access, or give a GeoJSON file.</div>"
            )
        else:
            extra = (
                f" {len(missing)} regions of the data have no boundary and are not drawn."
                if missing
                else ""
            )
            self.map_note.value = f'<div class="eocic-note">{esc(source)}.{esc(extra)}</div>'

        def chart():
            stars = rows.set_index("region")["stars"].astype("int64")
            if self.has_map:
                fig = geo.choropleth(
                    geometry,
                    stars,
                    title=mpl_text(f"{sector_name}: cluster stars, {ws.year}"),
                    synthetic=ws.synthetic,
                    source_note=mpl_text(source),
                )
                return fig, rows[["region", "stars"]]
            top = rows.head(25)
            fig = bar_chart(
                [region_label(ws, r) for r in top["region"]],
                top["stars"].to_numpy(dtype="float64"),
                stars=top["stars"].to_numpy(),
                xlabel="cluster stars (ties: larger employment first)",
                title=f"{sector_name}: regions ranked by cluster stars, {ws.year}",
                synthetic=ws.synthetic,
                xlim=(0, 4),
            )
            return fig, top[["region", "stars"]]

        self.map_chart.update((code, self.has_map), chart, self._stem(code, "stars"))

        def table():
            return pd.DataFrame(
                {
                    "Region": [ws.region_name(r) for r in rows["region"]],
                    "Region code": rows["region"].astype(str).to_numpy(),
                    "Stars": rows["stars"].astype("int64").to_numpy(),
                    "Size": rows["size_star"].astype("Int64").to_numpy(),
                    "Specialisation": rows["specialisation_star"].astype("Int64").to_numpy(),
                    "Productivity": rows["productivity_star"].astype("Int64").to_numpy(),
                    "Dynamism": rows["dynamism_star"].astype("Int64").to_numpy(),
                    "Employment (persons)": rows["employment"].to_numpy(dtype="float64"),
                }
            )

        self.table.update((code,), table, self._stem(code, "stars"))


class EcosystemScoreboard(Explorer):
    """The region's dimension scores (0-100, 50 = EU median) against the EU and its peers,
    and each indicator against the EU and peer medians."""

    title = "Regional Ecosystem Scoreboard"
    slug = "scoreboard"

    def __init__(self, source=None, region: str | None = None):
        self._initial = region
        super().__init__(source)

    def _build_controls(self):
        region = self._region_picker(self._initial)
        self.n_peers = W.IntSlider(
            value=5, min=2, max=12, description="Peers", continuous_update=False
        )
        self.n_peers.add_class("eocic-peers")
        self.n_peers.observe(self.refresh, names="value")
        self.peers_note = W.HTML()
        self.peers_note.add_class("eocic-peer-list")
        self.dimension_chart = ChartPanel("dimension-chart")
        self.table = TablePanel("scoreboard-table", self.notice)
        self.panels = [self.dimension_chart, self.table]
        return W.VBox([region, self.n_peers])

    def _build_body(self):
        return W.VBox(
            [
                self.peers_note,
                self.dimension_chart.widget,
                W.HTML("<h3>Indicators against the EU and the peers</h3>"),
                self.table.widget,
            ]
        )

    def _draw(self):
        ws, name = self.ws, self.ws.region_name(self.region)
        self.heading.value = (
            f'<h3 class="eocic-region-name">{esc(name)}</h3><div class="eocic-note">'
            f"{esc(self.region)} · {ws.year}</div>"
        )
        sb = self.data.scoreboard()
        if sb.empty:
            self.status.value = (
                '<div class="eocic-note">No context indicators in the data: '
                "the scoreboard cannot be computed.</div>"
            )
            return
        key = (self.region, self.n_peers.value)
        if key == self.table.key:
            return
        peers = self.data.peers(self.region, self.n_peers.value)
        self.peers = peers
        self.peers_note.value = (
            '<div class="eocic-note">Peer regions (closest in sector structure and GDP per '
            "capita): "
            + ", ".join(f"{esc(ws.region_name(p))} ({esc(p)})" for p in peers)
            + "</div>"
        )
        dims = self.data.dimensions()

        def chart():
            fig = charts.dimension_chart(
                dims,
                self.region,
                peers,
                synthetic=ws.synthetic,
                title=mpl_text(f"{name}: Regional Ecosystem Scoreboard, {ws.year}"),
            )
            own = dims[dims["region"] == self.region][["dimension", "score"]]
            return fig, own.reset_index(drop=True)

        stem = self._stem(self.region, "scoreboard")
        self.dimension_chart.update(key, chart, stem)

        def table():
            comparison = compare_with_peers(sb, self.region, peers)
            return tables.indicator_table(comparison, ws.indicators.dimensions).assign(
                **{
                    "Against EU": comparison["vs_eu"].astype(str).to_numpy(),
                    "Against peers": comparison["vs_peers"].astype(str).to_numpy(),
                }
            )

        self.table.update(key, table, stem)


class Help(Explorer):
    """How to navigate, what the data base holds, and the methodology with the thresholds in
    force."""

    title = "Help"
    slug = "help"

    def _build_controls(self):
        self.text = W.HTML()
        self.text.add_class("eocic-help")
        return W.VBox([])

    def _build_body(self):
        return self.text

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
<li>Under every chart and table: <b>Download</b> links (chart as PNG, SVG or PDF; table as CSV
or Excel). A table download holds all rows, not only those shown.</li>
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


# --- the app with tabs ---------------------------------------------------------------------


VIEWS: dict[str, type[Explorer]] = {
    "overview": RegionalPerformanceOverview,
    "portfolio": RegionalClusterPortfolio,
    "sector": DataBySector,
    "map": ClusterStrengthMap,
    "scoreboard": EcosystemScoreboard,
    "help": Help,
}


class ClusterMappingApp:
    """All views in tabs over one ``AppData``; a tab's view is built the first time it is
    opened, so the first page shows quickly."""

    def __init__(self, source: Workspace | AppData | None = None):
        self.data = _as_data(source)
        self.views: dict[str, Explorer] = {}
        self._names = list(VIEWS)
        self._boxes = [W.VBox() for _ in self._names]
        self.tabs = W.Tab(children=self._boxes)
        for i, name in enumerate(self._names):
            self.tabs.set_title(i, VIEWS[name].title)
        self.tabs.add_class("eocic-app")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.widget = self.tabs
        self.open(self._names[0])

    def open(self, name: str) -> Explorer:
        """Build (once) and select the view ``name`` (a key of ``VIEWS``)."""
        i = self._names.index(name)
        if name not in self.views:
            self.views[name] = VIEWS[name](self.data)
            self._boxes[i].children = (self.views[name].widget,)
        if self.tabs.selected_index != i:
            self.tabs.selected_index = i
        return self.views[name]

    def _on_tab(self, change) -> None:
        if change["new"] is not None:
            self.open(self._names[change["new"]])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def open_view(name: str = "app") -> Explorer | ClusterMappingApp:
    """Build the view ``name`` (``app`` for all in tabs) on the app kernel's workspace and
    display it: the one call an app notebook makes."""
    from IPython.display import display

    data = _as_data(None)
    view = ClusterMappingApp(data) if name == "app" else VIEWS[name](data)
    display(view.widget)
    return view
