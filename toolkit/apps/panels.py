"""Panels (a chart or a table with its download links), the escaped HTML table and the
page's CSS: the parts every view is made of."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as W
import pandas as pd
from matplotlib.figure import Figure

from toolkit import export
from toolkit.presentation import escape as esc

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
.eocic-nav{font-size:13px;margin:2px 0 6px 0}
.eocic-nav a{margin-right:10px}
.eocic-nav a.eocic-current{font-weight:bold;color:#222;text-decoration:none}
.eocic-map svg path.eocic-region{cursor:pointer}
.eocic-map svg path.eocic-region:hover{stroke:#000;stroke-width:1.5px}
.eocic-map svg path.eocic-selected{stroke:#d00;stroke-width:2px}
.eocic-tip{position:fixed;pointer-events:none;background:#fff;border:1px solid #888;
 padding:3px 6px;font-size:12px;z-index:1000;display:none;box-shadow:1px 1px 3px #aaa}
.eocic-hidden{display:none !important}
.eocic-download.eocic-busy{opacity:.5;cursor:progress}
.eocic-app .lm-TabBar-tab{flex:0 0 auto !important;max-width:none !important;min-width:0}
.eocic-app .lm-TabBar-tabLabel{overflow:visible;text-overflow:clip}
@media print{.eocic-controls,.eocic-export,.eocic-nav,.eocic-print,.jupyter-widgets-tab-bar,
 .lm-TabBar{display:none !important}.eocic-scroll{max-height:none;overflow:visible}}
</style>"""


class Downloads:
    """The download links under a panel. A file is made when it is first asked for (a click
    in the page reaches ``Explorer.download``) and kept until the panel is redrawn, so a
    redraw costs no file nobody downloads; without a kernel to ask, ``make_all`` makes them
    at once."""

    title = ""
    formats: tuple[tuple[str, str], ...] = ()

    def __init__(self, name: str):
        self.name = name
        self.links = W.HTML()
        self.stem = name
        self.renders = 0
        self._ready: dict[str, tuple[str, bytes]] = {}

    def _make(self, fmt: str) -> tuple[str, bytes]:
        raise NotImplementedError

    def _reset_links(self) -> None:
        """A redraw: the files of the last drawing are gone, every link asks again."""
        self._ready = {}
        self._show_links()

    def _show_links(self) -> None:
        self.links.value = export.download_bar(self.title, self.formats, self._ready, self.name)

    def file(self, fmt: str) -> tuple[str, bytes]:
        """The download ``fmt`` of what the panel shows: (file name, bytes), made once."""
        if fmt not in dict(self.formats):
            known = ", ".join(f for f, _ in self.formats)
            raise ValueError(f"{self.name}: download format must be one of {known}, got {fmt!r}")
        if fmt not in self._ready:
            self._ready[fmt] = self._make(fmt)
            self._show_links()
        return self._ready[fmt]

    def make_all(self) -> None:
        """Make every download of the last drawing (none before the first)."""
        if not self.renders:
            return
        for fmt, _ in self.formats:
            self.file(fmt)


class ChartPanel(Downloads):
    """A chart (an SVG image in an HTML widget, text drawn by the browser) with PNG / SVG /
    PDF download links.

    ``data`` is the frame the chart was drawn from (what tests compare), ``renders`` counts
    the redraws, ``key`` is the selection it was drawn for.
    """

    title = "Download chart:"
    formats = export.CHART_LINKS

    def __init__(self, name: str):
        super().__init__(name)
        self.image = W.HTML(layout=W.Layout(min_height="60px"))
        self.widget = W.VBox([self.image, self.links])
        self.widget.add_class(f"eocic-panel-{name}")
        self.key: object = object()
        self.data: pd.DataFrame | None = None
        self.figure: Figure | None = None

    def update(self, key: object, draw: Callable[[], tuple[Figure, pd.DataFrame]], stem: str):
        """Redraw when ``key`` differs from the last one; ``draw`` returns (figure, data)."""
        if key == self.key:
            return False
        fig, data = draw()
        svg = export.screen_svg(fig)
        alt = esc(fig.axes[0].get_title() if fig.axes else self.name)
        self.image.value = (
            f'<img class="eocic-chart" data-chart="{esc(self.name)}" alt="{alt}" '
            f'style="max-width:100%" src="{export.data_url(svg, "image/svg+xml")}">'
        )
        self.key, self.figure, self.data, self.stem = key, fig, data, stem
        self.renders += 1
        self._reset_links()
        return True

    def _make(self, fmt: str) -> tuple[str, bytes]:
        if self.figure is None:
            raise ValueError(f"{self.name}: nothing drawn yet")
        return export.chart_file(self.figure, self.stem, fmt)


class TablePanel(Downloads):
    """A table (HTML) with CSV / Excel download links of the whole table (not only the rows
    shown), and the CSV's metadata as a text file."""

    title = "Download table:"
    formats = export.TABLE_LINKS

    def __init__(self, name: str, notice: str = "", max_rows: int | None = 100):
        super().__init__(name)
        self.notice = notice
        self.max_rows = max_rows
        self.html = W.HTML()
        self.widget = W.VBox([self.html, self.links])
        self.widget.add_class(f"eocic-panel-{name}")
        self.key: object = object()
        self.data: pd.DataFrame | None = None

    def update(
        self,
        key: object,
        build: Callable[[], pd.DataFrame],
        stem: str,
        keys: dict[str, object] | None = None,
    ) -> bool:
        """Redraw when ``key`` differs from the last one. ``keys`` (region, sector, year of
        the selection) fill the download's key columns the table lacks."""
        if key == self.key:
            return False
        frame = build()
        self.html.value = html_table(frame, self.name, self.max_rows)
        self.key, self.data, self.stem = key, frame, stem
        self.keys = dict(keys or {})
        self.renders += 1
        self._reset_links()
        return True

    def _make(self, fmt: str) -> tuple[str, bytes]:
        if self.data is None:
            raise ValueError(f"{self.name}: no table yet")
        return export.table_file(self.download_table(), self.stem, fmt, notice=self.notice)

    def download_table(self) -> pd.DataFrame:
        """The table as downloaded: key columns region, sector, year first, then the rest (a
        key given as a function of the table is a column made from it)."""
        keys = {
            k: (v(self.data) if callable(v) else v) for k, v in getattr(self, "keys", {}).items()
        }
        return export.with_keys(self.data, **keys)


def _format_column(values: pd.Series, column: str) -> list[str]:
    if pd.api.types.is_bool_dtype(values):
        return ["yes" if v else "no" for v in values]
    if pd.api.types.is_numeric_dtype(values) and "year" in str(column).lower():
        # years are labels, not quantities: 2020, never "2,020"
        return ["–" if pd.isna(v) else str(int(v)) for v in values]
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
