"""Export of charts (PNG, SVG, PDF) and tables (CSV, Excel) that the browser downloads.

In Voilà the kernel cannot write to the user's disk, so every export is an HTML anchor with a
``download`` attribute and a ``data:`` URL holding the file itself: the browser saves it, in
JupyterLab and Voilà alike, and no file is left on the server. The apps make a file when it
is first clicked (``on_demand_anchor``; the kernel then puts the anchor holding it in place),
so drawing a chart costs no file nobody downloads. The pure helpers (``figure_bytes``,
``table_bytes``, ``chart_file``, ``table_file``, ``data_url``, ``download_bar``) are what the
explorers call and what the tests check.
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
MIME_TYPES = {**CHART_FORMATS, **TABLE_FORMATS, "txt": "text/plain"}
PNG_DPI = 200  # print quality for a report or a slide
KEY_COLUMNS = ("region", "sector", "year")  # always in a table download, first, in this order
# Chromium refuses data: URLs longer than 2 MB; a bigger file gets a note instead of a link.
MAX_DATA_URL_BYTES = 1_500_000


def safe_filename(stem: str, max_length: int = 80) -> str:
    """A file name stem built from data (a region name may hold anything): ASCII letters,
    digits, ``-`` and ``_`` only, never empty."""
    clean = re.sub(r"[^A-Za-z0-9_-]+", "_", str(stem)).strip("_")
    return (clean or "export")[:max_length]


def figure_bytes(fig: Figure, fmt: str, dpi: int = PNG_DPI, *, tight: bool = True) -> bytes:
    """The figure saved as PNG (``dpi``, default 200), SVG or PDF (bytes). Creation dates are
    left out of the metadata so the same chart always gives the same bytes. ``tight=False``
    skips the extra layout pass of a tight bounding box (for figures already laid out)."""
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


def with_keys(table: pd.DataFrame, **keys: object) -> pd.DataFrame:
    """The table with the key columns ``region``, ``sector`` and ``year`` first, so another
    tool can join it: a key the table lacks is filled with the value given (the selection it
    was made for; empty when the table has none), a key it has is moved to the front."""
    out = table.copy()
    for key in reversed(KEY_COLUMNS):
        values = out.pop(key) if key in out.columns else keys.get(key)
        out.insert(0, key, values if values is not None else pd.NA)
    if "year" in out.columns:
        out["year"] = pd.to_numeric(out["year"], errors="coerce").astype("Int64")
    return out


def table_bytes(table: pd.DataFrame, fmt: str, *, sheet: str = "data", notice: str = "") -> bytes:
    """The table as CSV (UTF-8 with BOM so Excel reads accents; the header row first, no
    comment line, so any CSV reader reads it) or as an Excel workbook.

    ``notice`` (e.g. the synthetic-data notice) goes into a second sheet ``about`` of the
    workbook; for a CSV it travels in a separate text file (``about_bytes``).
    """
    fmt = fmt.lower()
    if fmt == "csv":
        return ("\ufeff" + table.to_csv(index=False, lineterminator="\n")).encode("utf-8")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            table.to_excel(writer, sheet_name=safe_filename(sheet, 31), index=False)
            if notice:
                pd.DataFrame({"about": [notice]}).to_excel(writer, sheet_name="about", index=False)
        return buffer.getvalue()
    raise ValueError(f"table format must be one of {', '.join(TABLE_FORMATS)}, got {fmt!r}")


def about_bytes(stem: str, notice: str = "", columns: list[str] | None = None) -> bytes:
    """The metadata of a CSV download as a text file beside it: what the file is, the
    notice (synthetic data), its columns."""
    lines = [f"{stem}.csv: exported by the EOCIC Cluster Toolkit web apps"]
    if notice:
        lines.append(notice)
    if columns:
        lines.append("columns: " + ", ".join(str(c) for c in columns))
    return ("\n".join(lines) + "\n").encode("utf-8")


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


def chart_file(fig: Figure, stem: str, fmt: str) -> tuple[str, bytes]:
    """One chart download: its file name and bytes (PNG at ``PNG_DPI``, SVG or PDF)."""
    return f"{safe_filename(stem)}.{fmt}", figure_bytes(fig, fmt)


def table_file(table: pd.DataFrame, stem: str, fmt: str, *, notice: str = "") -> tuple[str, bytes]:
    """One table download: its file name and bytes; ``txt`` is the CSV's metadata file."""
    name = safe_filename(stem)
    if fmt == "txt":
        return f"{name}_about.txt", about_bytes(name, notice, list(table.columns))
    return f"{name}.{fmt}", table_bytes(table, fmt, sheet=stem, notice=notice)


TABLE_LINKS = (("csv", "CSV"), ("xlsx", "Excel"), ("txt", "About (txt)"))
CHART_LINKS = tuple((fmt, fmt.upper()) for fmt in CHART_FORMATS)


def download_bar(
    title: str,
    formats: tuple[tuple[str, str], ...],
    ready: dict[str, tuple[str, bytes]],
    panel: str = "",
) -> str:
    """The download links of a panel (HTML): a format in ``ready`` (file name, bytes) is a
    link holding its file; any other is a link that asks the kernel for it when clicked
    (``on_demand_anchor``), so a drawing costs no file nobody asked for."""
    links = []
    for fmt, label in formats:
        if fmt not in ready:
            links.append(on_demand_anchor(panel, fmt, label))
        elif len(ready[fmt][1]) > MAX_DATA_URL_BYTES:
            links.append(f"<span>{html.escape(label)}: too large for a browser download</span>")
        else:
            links.append(anchor(ready[fmt][1], ready[fmt][0], label))
    return _bar(title, links)


def on_demand_anchor(panel: str, fmt: str, label: str) -> str:
    """A download link whose file is not made yet: the page's script sends ``panel`` and
    ``fmt`` to the kernel, which makes the file and starts its download."""
    return (
        f'<a class="eocic-download eocic-download-{html.escape(fmt)} eocic-on-demand" href="#" '
        f'role="button" data-panel="{html.escape(panel, quote=True)}" '
        f'data-format="{html.escape(fmt, quote=True)}">{html.escape(label)}</a>'
    )


def blob_script(payload: bytes, filename: str, target_id: str, label: str) -> str:
    """JavaScript that turns ``payload`` into a Blob and puts a download link to it in the
    element ``target_id``: for files too large for a ``data:`` URL (the whole data base)."""
    import json

    ext = filename.rsplit(".", 1)[-1].lower()
    mime = MIME_TYPES.get(ext, "application/octet-stream")
    b64 = base64.b64encode(payload).decode("ascii")
    return (
        "(function(){const raw=atob(" + json.dumps(b64) + ");"
        "const bytes=new Uint8Array(raw.length);"
        "for(let i=0;i<raw.length;i++){bytes[i]=raw.charCodeAt(i);}"
        "const url=URL.createObjectURL(new Blob([bytes],{type:" + json.dumps(mime) + "}));"
        "const a=document.createElement('a');a.href=url;"
        f"a.download={json.dumps(filename)};a.textContent={json.dumps(label)};"
        f"a.className='eocic-download eocic-download-{html.escape(ext)}';"
        "const box=document.getElementById(" + json.dumps(target_id) + ");"
        "if(box){box.appendChild(a);box.appendChild(document.createTextNode(' '));}})();"
    )


def _bar(title: str, links: list[str]) -> str:
    return (
        '<div class="eocic-export" style="font-size:90%;margin:2px 0 8px 0">'
        f"{html.escape(title)} " + " · ".join(links) + "</div>"
    )
