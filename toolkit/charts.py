"""Report charts (seaborn/matplotlib). Each function returns a closed-over Figure and leaves
no global pyplot state behind, so batches of reports do not leak memory."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display in batches and servers; notebooks still show the PNGs

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402

from toolkit.labels import place_point_labels  # noqa: E402
from toolkit.presentation import PALETTE, SYNTHETIC_MARK  # noqa: E402, F401 - re-exported
from toolkit.tables import (  # noqa: F401
    base_rows,
    is_base,
    leading_clusters,  # noqa: E402
)


def _figure(width: float = 7.5, height: float = 4.0) -> tuple[Figure, plt.Axes]:
    fig = Figure(figsize=(width, height), dpi=90)
    ax = fig.add_subplot()
    return fig, ax


_TEXT = TextToPath()
SYNTHETIC_STRIP = 0.18  # inches kept free at the bottom for the synthetic mark
HINTING_ALLOWANCE = 1.06  # Agg draws hinted glyphs a little wider than their outline measures


def _text_size(text: str, size: float) -> tuple[float, float]:
    """Width and height of one line of text at ``size`` points, in points."""
    if not text:
        return 0.0, 0.0
    width, height, _ = _TEXT.get_text_width_height_descent(
        text, FontProperties(size=size), ismath="$" in text.replace("\\$", "")
    )
    return HINTING_ALLOWANCE * width, height


def _tick_labels(axis) -> tuple[float, float]:
    """Widest and tallest visible major tick label of an axis, in points."""
    labels = [t for t in axis.get_majorticklabels() if t.get_visible() and t.get_text()]
    sizes = [_text_size(t.get_text(), t.get_fontsize()) for t in labels]
    return max((w for w, _ in sizes), default=0.0), max((h for _, h in sizes), default=0.0)


def fit_margins(fig: Figure, ax: plt.Axes, *, strip: float = 0.0) -> None:
    """Set the figure margins from the measured sizes of the tick labels, axis labels and
    title, leaving ``strip`` inches free at the bottom. It does what ``tight_layout`` does
    for one axes, without laying out every artist of the figure: ``tight_layout`` measured
    0.15 s a chart, more than drawing it, for a region's new sector names."""
    width, height = fig.get_size_inches() * 72  # points
    border, tick = 5.0, 7.0  # outer margin; tick length and its pad
    ytick_w, _ = _tick_labels(ax.yaxis)
    xtick_w, xtick_h = _tick_labels(ax.xaxis)
    ylabel_h = _text_size(ax.get_ylabel(), ax.yaxis.label.get_fontsize())[1]
    xlabel_h = _text_size(ax.get_xlabel(), ax.xaxis.label.get_fontsize())[1]
    title_h = _text_size(ax.get_title(), ax.title.get_fontsize())[1]
    left = border + (ylabel_h + 6 if ylabel_h else 0) + ytick_w + tick
    bottom = border + 72 * strip + (xlabel_h + 6 if xlabel_h else 0) + xtick_h + tick
    top = border + (title_h + 8 if title_h else 0)
    right = border + xtick_w / 2  # the last x tick label reaches past the axes by half
    fig.subplots_adjust(
        left=min(left / width, 0.7),
        right=max(1 - right / width, 0.75),
        bottom=min(bottom / height, 0.6),
        top=max(1 - top / height, 0.65),
    )


def _finish(fig: Figure, ax: plt.Axes, synthetic: bool) -> Figure:
    """Common finish: no top/right spines, margins fitted to the labels, the synthetic mark
    when needed (in a strip of its own, so it never covers the axis label)."""
    import seaborn as sns  # here, not at import: the apps' kernels never draw report charts

    sns.despine(ax=ax)
    fit_margins(fig, ax, strip=SYNTHETIC_STRIP if synthetic else 0.0)
    if synthetic:
        fig.text(0.99, 0.01, SYNTHETIC_MARK, ha="right", va="bottom", fontsize=8, color="#b00")
    return fig


def stars_chart(
    clusters: pd.DataFrame,
    names: dict[str, str],
    *,
    top: int = 12,
    synthetic: bool = False,
    title: str = "",
) -> Figure:
    """Horizontal bars of the leading clusters' stars (0-4), coloured by stars."""
    t = leading_clusters(clusters, top)
    fig, ax = _figure(7.5, 0.32 * max(len(t), 3) + 1.0)
    labels = [names.get(s, s) for s in t["sector"]]
    ax.barh(
        labels[::-1],
        t["stars"].to_numpy()[::-1],
        color=[PALETTE[int(s)] for s in t["stars"].to_numpy()[::-1]],
    )
    ax.set_xlim(0, 4)
    ax.set_xticks(range(5))
    ax.set_xlabel("stars (one each: size, specialisation, productivity, dynamism)", fontsize=8)
    ax.set_title(title or "Leading clusters by stars")
    fig.text_alternative = "Bar chart of the leading clusters' stars (0-4): " + "; ".join(
        f"{names.get(s, s)} {int(n)}" for s, n in zip(t["sector"], t["stars"], strict=True)
    )
    return _finish(fig, ax, synthetic)


BUBBLE_AREA = (10.0, 2000.0)  # points^2 of the smallest bubble drawn and of the largest


def draw_bubbles(ax: plt.Axes, clusters: pd.DataFrame, *, title: str = "") -> pd.DataFrame:
    """The portfolio bubbles on ``ax``, shared by the report and the app: the base clusters
    with a positive LQ and a growth figure, LQ (x, log) against employment growth (y, % a
    year), area proportional to persons employed (``BUBBLE_AREA``), colour = stars; dashed
    lines at LQ = 1 and zero growth; the axis labels and the title. Returns the clusters
    drawn with their marker ``area`` (points^2); with none, a note stands in the axes."""
    t = clusters[is_base(clusters) & (clusters["lq"] > 0) & clusters["growth"].notna()]
    if t.empty:
        ax.text(0.5, 0.5, "no clusters with growth data", ha="center", transform=ax.transAxes)
    else:
        low, high = BUBBLE_AREA
        t = t.assign(area=(high * t["employment"] / t["employment"].max()).clip(lower=low))
        ax.scatter(
            t["lq"],
            100 * t["growth"],
            s=t["area"],
            c=[PALETTE[int(s)] for s in t["stars"]],
            alpha=0.7,
            edgecolors="white",
        )
        ax.set_xscale("log")
        ax.axvline(1, color="#888", linestyle="--", linewidth=0.8)
        ax.axhline(0, color="#888", linestyle="--", linewidth=0.8)
    ax.set_xlabel("location quotient (log scale)")
    ax.set_ylabel("employment growth, % a year")
    ax.set_title(title or "Specialisation against growth (bubble = employment, colour = stars)")
    return t


def label_bubbles(
    fig: Figure, ax: plt.Axes, drawn: pd.DataFrame, names: dict[str, str], top: int
) -> list:
    """Name the ``top`` largest bubbles of ``drawn`` (from ``draw_bubbles``), each beside its
    bubble where the label stays inside the axes and overlaps no other label, clear of the
    other bubbles where it can be; a label with no free place is left out. Call it once the
    margins are set: the places are measured in pixels. No halo: the labels stay text in an
    SVG (searchable in the PDF, a quarter of the size). Returns the labels drawn."""
    if drawn.empty:
        return []
    order = drawn.sort_values("employment", ascending=False, kind="stable")
    xy = np.column_stack([order["lq"], 100 * order["growth"]])
    radii = np.sqrt(order["area"].to_numpy(dtype="float64")) / 2 * fig.dpi / 72.0  # pixels
    texts = [_short(names.get(s, s)) for s in order["sector"].head(top)]
    return place_point_labels(fig, ax, xy, radii, texts, keep_all=False, halo=False)


def bubble_chart(
    clusters: pd.DataFrame,
    names: dict[str, str],
    *,
    label_top: int = 6,
    synthetic: bool = False,
    title: str = "",
) -> Figure:
    """Portfolio bubbles (see ``draw_bubbles``): LQ (x, log) against employment growth (y),
    size = employment, colour = stars, the ``label_top`` largest named where no two labels
    overlap. The dashed lines mark LQ = 1 and zero growth."""
    fig, ax = _figure(7.5, 4.6)
    t = draw_bubbles(ax, clusters, title=title)
    if not t.empty:
        ax.margins(x=0.15, y=0.15)
    fig.text_alternative = (
        "Bubble chart of specialisation (LQ, log scale) against employment growth (% a year), "
        "bubble size = employment: "
        + "; ".join(
            f"{names.get(r.sector, r.sector)} LQ {r.lq:.2f}, {100 * r.growth:+.1f} %"
            for r in t.sort_values("employment", ascending=False).head(8).itertuples()
        )
    )
    _finish(fig, ax, synthetic)
    fig.bubble_labels = label_bubbles(fig, ax, t, names, label_top)
    return fig


def size_chart(
    clusters: pd.DataFrame,
    names: dict[str, str],
    *,
    top: int = 10,
    synthetic: bool = False,
    title: str = "",
) -> Figure:
    """The largest clusters by employment (persons)."""
    t = base_rows(clusters).sort_values("employment", ascending=False).head(top)
    fig, ax = _figure(7.5, 0.32 * max(len(t), 3) + 1.0)
    ax.barh(
        [names.get(s, s) for s in t["sector"]][::-1],
        t["employment"].to_numpy()[::-1],
        color="#6baed6",
    )
    ax.set_xlabel("persons employed")
    ax.set_title(title or "Largest clusters")
    fig.text_alternative = "Bar chart of the largest clusters by persons employed: " + "; ".join(
        f"{names.get(s, s)} {e:,.0f}" for s, e in zip(t["sector"], t["employment"], strict=True)
    )
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_persons))
    return _finish(fig, ax, synthetic)


def dimension_chart(
    dimensions: pd.DataFrame,
    region_id: str,
    peers: list[str],
    *,
    synthetic: bool = False,
    title: str = "",
) -> Figure | None:
    """The region's dimension scores against the median of its peers (EU median = 50);
    ``None`` when the region has no scoreboard indicator (no context data)."""
    own = dimensions[dimensions["region"] == region_id].set_index("dimension")
    if own.empty:
        return None
    peer = dimensions[dimensions["region"].isin(peers)].groupby("dimension")["score"].median()
    fig, ax = _figure(7.5, 3.6)
    labels = own["dimension_name"].tolist()
    y = np.arange(len(own))
    ax.barh(y + 0.2, own["score"], height=0.4, label="region", color="#08519c")
    ax.barh(
        y - 0.2,
        peer.reindex(own.index).to_numpy(),
        height=0.4,
        label="peer median",
        color="#bdbdbd",
    )
    ax.axvline(50, color="#b00", linestyle="--", linewidth=0.8, label="EU median")
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (0-100, 50 = EU median)")
    ax.set_title(title or "Regional Ecosystem Scoreboard")
    ax.legend(loc="lower right", fontsize=8)
    fig.text_alternative = (
        "Bar chart of scoreboard dimension scores (50 = EU median): "
        + "; ".join(
            f"{n} {v:.0f} (peers {p:.0f})"
            for n, v, p in zip(
                labels, own["score"], peer.reindex(own.index).fillna(np.nan), strict=True
            )
        )
    )
    return _finish(fig, ax, synthetic)


def trend_chart(
    history: pd.DataFrame,
    sectors: list[str],
    names: dict[str, str],
    *,
    synthetic: bool = False,
) -> Figure | None:
    """Employment (persons) and LQ of the given clusters over the years of ``history``
    (region, sector, year, employment, lq); ``None`` with fewer than two years."""
    h = history[history["sector"].isin(sectors)]
    if h["year"].nunique() < 2:
        return None
    fig = Figure(figsize=(7.5, 3.4), dpi=90)
    left, right = fig.subplots(1, 2)
    for sector in sectors:
        rows = h[h["sector"] == sector].sort_values("year")
        label = _short(names.get(sector, sector), 24)
        left.plot(rows["year"], rows["employment"], marker="o", markersize=3, label=label)
        right.plot(rows["year"], rows["lq"], marker="o", markersize=3, label=label)
    left.set_title("Employment (persons)", fontsize=9)
    right.set_title("Location quotient", fontsize=9)
    right.axhline(1, color="#888", linestyle="--", linewidth=0.8)
    left.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_persons))
    for ax in (left, right):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
    right.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.subplots_adjust(left=0.09, right=0.72, wspace=0.3, bottom=0.15 if synthetic else 0.1)
    if synthetic:
        fig.text(0.99, 0.01, SYNTHETIC_MARK, ha="right", va="bottom", fontsize=8, color="#b00")
    first, last = int(h["year"].min()), int(h["year"].max())
    fig.text_alternative = f"Line charts of employment and LQ, {first}-{last}: " + "; ".join(
        f"{names.get(s, s)}: "
        + ", ".join(
            f"{int(r.year)} {r.employment:,.0f} (LQ {r.lq:.2f})"
            for r in h[h["sector"] == s].sort_values("year").iloc[[0, -1]].itertuples()
        )
        for s in sectors
        if (h["sector"] == s).any()
    )
    return fig


def region_map(
    geometry,
    values: pd.Series,
    members: list[str],
    *,
    title: str = "",
    legend_title: str = "cluster stars",
    synthetic: bool = False,
    margin: float = 6.0,
) -> Figure | None:
    """A NUTS-2 choropleth around the region (``members``, outlined in black) and its
    neighbours: ``values`` maps region codes to classes 0-4 (stars). ``None`` without a
    boundary of any member."""
    from toolkit.geo import choropleth

    rings = [
        ring
        for code in members
        for polygon in geometry.shapes.get(code, [])
        for ring in polygon[:1]
    ]
    if geometry is None or not rings:
        return None
    points = np.concatenate(rings)
    west, south = points.min(axis=0)
    east, north = points.max(axis=0)
    extent = (west - margin, east + margin, south - margin / 1.6, north + margin / 1.6)
    fig = choropleth(
        geometry,
        values,
        title=title,
        legend_title=legend_title,
        extent=extent,
        synthetic=synthetic,
    )
    fig.raster = True  # see svg_figure
    ax = fig.axes[0]
    for ring in rings:
        ax.plot(ring[:, 0], ring[:, 1], color="black", linewidth=1.2)
    shown = values.reindex(members).dropna()
    fig.text_alternative = (
        f"Map of {title or 'the region'} and its neighbours, regions coloured by "
        f"{legend_title}; the region's own codes: "
        + ", ".join(f"{c} {int(v)}" for c, v in shown.items())
    )
    return fig


def _short(name: str, limit: int = 28) -> str:
    """A sector name cut to ``limit`` characters at a word boundary, with an ellipsis."""
    if len(name) <= limit:
        return name
    return name[:limit].rsplit(" ", 1)[0].rstrip(",") + "…"


def _persons(value: float, _position=None) -> str:
    """Axis ticks in persons: 25k, 1.2M (keeps tick labels from running into each other)."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 1_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:.0f}"


RASTER_DPI = 200  # dots per inch of the charts drawn as images (maps)


def svg_figure(fig: Figure, alt: str = "") -> str:
    """The figure as an HTML ``<img>`` of its SVG (vector: sharp in print and PDF), with its
    text alternative (``fig.text_alternative`` unless ``alt`` is given) as ``alt``."""
    import base64
    import html
    from io import BytesIO

    buffer = BytesIO()
    if getattr(fig, "raster", False):
        # Maps: thousands of boundary paths make a heavy SVG (slow to print); a 200 dpi PNG
        # stays sharp on A4 at a fraction of the cost.
        fig.savefig(buffer, format="png", dpi=RASTER_DPI)
        mime = "image/png"
    else:
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "eocic"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        mime = "image/svg+xml"
    alt = alt or getattr(fig, "text_alternative", "") or "chart"
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    width = fig.get_size_inches()[0]
    return (
        f'<figure class="chart"><img src="data:{mime};base64,{data}" '
        f'alt="{html.escape(alt)}" style="width:{width:.1f}in;max-width:100%"></figure>'
    )


def show(fig: Figure | None, alt: str = "") -> None:
    """Display a figure in a notebook as an embedded SVG with its text alternative (see
    ``svg_figure``); nothing for ``None`` (a chart without data)."""
    from IPython.display import HTML, display

    if fig is None:
        return
    display(HTML(svg_figure(fig, alt)))
