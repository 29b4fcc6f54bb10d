"""Export of charts (PNG, SVG, PDF) and tables (CSV, Excel) that the browser downloads.

In Voilà the kernel cannot write to the user's disk, so every export is an HTML anchor with a
``download`` attribute and a ``data:`` URL holding the file itself: the browser saves it
without another round trip to the kernel, in JupyterLab and Voilà alike, and no file is left
on the server. The pure helpers (``figure_bytes``, ``table_bytes``, ``data_url``,
``chart_links``, ``table_links``) are what the explorers call and what the tests check.
"""

from __future__ import annotations

import base64
import html
import io
import re

import pandas as pd
from matplotlib.figure import Figure

CHART_FORMATS = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}
TABLE_FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MIME_TYPES = {**CHART_FORMATS, **TABLE_FORMATS}
# Chromium refuses data: URLs longer than 2 MB; a bigger file gets a note instead of a link.
MAX_DATA_URL_BYTES = 1_500_000


def safe_filename(stem: str, max_length: int = 80) -> str:
    """A file name stem built from data (a region name may hold anything): ASCII letters,
    digits, ``-`` and ``_`` only, never empty."""
    clean = re.sub(r"[^A-Za-z0-9_-]+", "_", str(stem)).strip("_")
    return (clean or "export")[:max_length]


def figure_bytes(fig: Figure, fmt: str, dpi: int = 100, *, tight: bool = True) -> bytes:
    """The figure saved as PNG, SVG or PDF (bytes). Creation dates are left out of the
    metadata so the same chart always gives the same bytes. ``tight=False`` skips the extra
    layout pass of a tight bounding box (for figures already laid out: twice as fast)."""
    fmt = fmt.lower()
    if fmt not in CHART_FORMATS:
        raise ValueError(f"chart format must be one of {', '.join(CHART_FORMATS)}, got {fmt!r}")
    buffer = io.BytesIO()
    metadata = {"png": None, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    fig.savefig(
        buffer, format=fmt, dpi=dpi, bbox_inches="tight" if tight else None, metadata=metadata
    )
    return buffer.getvalue()


def screen_svg(fig: Figure) -> bytes:
    """The figure as SVG for display in the page: text stays text, drawn by the browser, so
    no glyph is rasterised (about a fifth faster than PNG and a third of its size). Downloads
    use ``figure_bytes``, whose SVG carries its glyphs as paths and looks the same anywhere."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def table_bytes(table: pd.DataFrame, fmt: str, *, sheet: str = "data", notice: str = "") -> bytes:
    """The table as CSV (UTF-8 with BOM so Excel reads accents) or as an Excel workbook.

    ``notice`` (e.g. the synthetic-data notice) goes in a first ``#`` comment line of the CSV
    and in a second sheet ``about`` of the workbook, so an exported file keeps its label.
    """
    fmt = fmt.lower()
    if fmt == "csv":
        text = table.to_csv(index=False, lineterminator="\n")
        if notice:
            text = f"# {notice}\n{text}"
        return ("\ufeff" + text).encode("utf-8")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            table.to_excel(writer, sheet_name=safe_filename(sheet, 31), index=False)
            if notice:
                pd.DataFrame({"about": [notice]}).to_excel(writer, sheet_name="about", index=False)
        return buffer.getvalue()
    raise ValueError(f"table format must be one of {', '.join(TABLE_FORMATS)}, got {fmt!r}")


def data_url(payload: bytes, mime: str) -> str:
    """``data:<mime>;base64,...`` for an anchor's href or an image's src."""
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def anchor(payload: bytes, filename: str, label: str) -> str:
    """One download link (HTML); file name and label are escaped."""
    ext = filename.rsplit(".", 1)[-1].lower()
    return (
        f'<a class="eocic-download eocic-download-{html.escape(ext)}" '
        f'download="{html.escape(filename, quote=True)}" '
        f'href="{data_url(payload, MIME_TYPES.get(ext, "application/octet-stream"))}">'
        f"{html.escape(label)}</a>"
    )


def chart_links(
    fig: Figure,
    stem: str,
    formats: tuple[str, ...] = tuple(CHART_FORMATS),
    *,
    ready: dict[str, bytes] | None = None,
) -> str:
    """Download links for a chart in every format (HTML); ``ready`` holds bytes already made
    (e.g. the PNG on show) so they are not rendered twice."""
    name = safe_filename(stem)
    links = []
    for fmt in formats:
        payload = (ready or {}).get(fmt) or figure_bytes(fig, fmt)
        if len(payload) > MAX_DATA_URL_BYTES:
            links.append(f"<span>{fmt.upper()}: too large for a browser download</span>")
        else:
            links.append(anchor(payload, f"{name}.{fmt}", fmt.upper()))
    return _bar("Download chart:", links)


def table_links(
    table: pd.DataFrame,
    stem: str,
    *,
    notice: str = "",
    formats: tuple[str, ...] = tuple(TABLE_FORMATS),
) -> str:
    """Download links for a whole table as CSV and Excel (HTML)."""
    name = safe_filename(stem)
    links = []
    for fmt in formats:
        payload = table_bytes(table, fmt, sheet=stem, notice=notice)
        label = "Excel" if fmt == "xlsx" else "CSV"
        if len(payload) > MAX_DATA_URL_BYTES:
            links.append(f"<span>{label}: table too large for a browser download</span>")
        else:
            links.append(anchor(payload, f"{name}.{fmt}", label))
    return _bar("Download table:", links)


def _bar(title: str, links: list[str]) -> str:
    return (
        '<div class="eocic-export" style="font-size:90%;margin:2px 0 8px 0">'
        f"{html.escape(title)} " + " · ".join(links) + "</div>"
    )
