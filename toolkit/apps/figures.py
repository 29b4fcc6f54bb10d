"""The apps' charts: matplotlib figures built from frames (no pyplot state), laid out so that
no two labels overlap (checked with the Agg renderer, the one that makes the PNG).

Bars, histogram, the portfolio bubbles (labels placed around their bubble, dropped when no
free place is left), trends over the years and the comparison heat map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from toolkit import charts
from toolkit.apps.data import mpl_text
from toolkit.labels import (  # noqa: F401 - re-exported: the views and tests take them from here
    DIRECTIONS,
    HALO,
    PAD,
    RINGS,
    overlapping,
    place_point_labels,
    thin_ticks,
)
from toolkit.labels import candidate_offsets as _candidate_offsets  # noqa: F401
from toolkit.labels import renderer as _renderer

STAR_COLOURS = charts.PALETTE


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


def _lq_ticks(value: float, _position=None) -> str:
    return f"{value:g}"


def bubble_chart(
    clusters: pd.DataFrame,
    names: dict[str, str],
    *,
    label_top: int = 8,
    synthetic: bool = False,
    title: str = "",
) -> Figure:
    """Portfolio bubbles, drawn as in the report (``charts.draw_bubbles``): LQ (x, log)
    against employment growth (y, % a year), size = employment, colour = stars; dashed lines
    at LQ = 1 and zero growth. The largest clusters are labelled where the label overlaps no
    other label (``charts.label_bubbles``); log ticks at 1, 2, 5 x 10^k."""
    fig, ax = _fig(7.5, 4.6)
    t = charts.draw_bubbles(ax, clusters, title=title)
    if not t.empty:
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(_lq_ticks))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.margins(x=0.08, y=0.12)
    _finish(fig, ax, synthetic)
    if not t.empty:
        thin_ticks(fig, ax.xaxis)
    fig.bubble_labels = charts.label_bubbles(fig, ax, t, names, label_top)
    return fig


def trend_chart(
    frame: pd.DataFrame, *, title: str, synthetic: bool, label_column: str, labels: dict
) -> Figure:
    """Employment, LQ and stars over the years, one panel each, one line per
    ``label_column`` value (a region's sectors, or a sector's regions)."""
    fig = Figure(figsize=(7.5, 6.4), dpi=90)
    axes = fig.subplots(3, 1, sharex=True)
    measures = [
        ("employment", "persons employed"),
        ("lq", "location quotient"),
        ("stars", "cluster stars"),
    ]
    keys = list(dict.fromkeys(frame[label_column]))
    for ax, (column, label) in zip(axes, measures, strict=True):
        for key in keys:
            rows = frame[frame[label_column] == key].sort_values("year")
            ax.plot(rows["year"], rows[column], marker="o", markersize=3, linewidth=1.2,
                    label=mpl_text(labels.get(key, key))[:40])  # fmt: skip
        ax.set_ylabel(label, fontsize=8)
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[2].set_ylim(-0.2, 4.2)
    axes[2].yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[2].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[2].xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{int(v)}"))
    axes[0].set_title(mpl_text(title), fontsize=10)
    if len(keys) > 1:
        axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.subplots_adjust(left=0.11, right=0.70, top=0.94, bottom=0.08, hspace=0.15)
    else:
        fig.subplots_adjust(left=0.11, right=0.97, top=0.94, bottom=0.08, hspace=0.15)
    if synthetic:
        fig.text(0.99, 0.005, charts.SYNTHETIC_MARK, ha="right", va="bottom", fontsize=8,
                 color="#b00")  # fmt: skip
    return fig


def heatmap(
    matrix: pd.DataFrame,
    *,
    title: str,
    synthetic: bool,
    colour_label: str,
    vmin: float | None = None,
    vmax: float | None = None,
    fmt: str = "{:.0f}",
) -> Figure:
    """Rows x columns coloured by value (blue scale), the value written in each cell: the
    regions compared side by side (columns) on dimensions or sectors (rows)."""
    n_rows, n_cols = max(matrix.shape[0], 1), max(matrix.shape[1], 1)
    fig, ax = _fig(min(2.6 + 0.75 * n_cols, 10.5), 0.32 * n_rows + 2.0)
    values = matrix.to_numpy(dtype="float64")
    image = ax.imshow(values, cmap="Blues", aspect="auto", vmin=vmin, vmax=vmax)
    ax.set_yticks(np.arange(matrix.shape[0]), [mpl_text(r)[:45] for r in matrix.index],
                  fontsize=8)  # fmt: skip
    ax.set_xticks(np.arange(matrix.shape[1]), [mpl_text(c)[:14] for c in matrix.columns],
                  fontsize=8, rotation=30, ha="right")  # fmt: skip
    top = np.nanmax(values) if np.isfinite(values).any() else 0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            dark = vmax is not None and v > 0.6 * vmax or vmax is None and v > 0.6 * top
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                    color="white" if dark else "#222")  # fmt: skip
    fig.colorbar(image, ax=ax, shrink=0.8, label=colour_label)
    ax.set_title(mpl_text(title), fontsize=10)
    fig.subplots_adjust(left=0.35, right=0.95, bottom=0.25, top=0.9)
    if synthetic:
        fig.text(0.99, 0.01, charts.SYNTHETIC_MARK, ha="right", va="bottom", fontsize=8,
                 color="#b00")  # fmt: skip
    return fig


# --- the network of related sectors (labels placed by toolkit.labels) -------------------------

NODE_AREA = (16.0, 330.0)  # points^2 of the smallest and the largest node (area ~ employment)
LQ_LIMITS = (0.25, 4.0)  # the LQ colour scale (log), centred on 1
NO_VALUE = "#f2f2f2"  # a sector without the region's figure


def node_areas(employment: np.ndarray) -> np.ndarray:
    """Marker areas (points^2) proportional to persons employed, the smallest kept visible."""
    values = np.nan_to_num(np.asarray(employment, dtype="float64"), nan=0.0).clip(min=0.0)
    top = values.max() if len(values) and values.max() > 0 else 1.0
    low, high = NODE_AREA
    return low + (high - low) * values / top


def lq_colours(lq: np.ndarray) -> list:
    """Colours of LQ on a log scale centred on 1: red above (specialised), blue below."""
    from matplotlib import colormaps

    values = np.asarray(lq, dtype="float64")
    low, high = np.log2(LQ_LIMITS)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = (np.clip(np.log2(values), low, high) - low) / (high - low)
    cmap = colormaps["RdBu_r"]
    return [NO_VALUE if not np.isfinite(v) or lq_v <= 0 else cmap(v)
            for v, lq_v in zip(scaled, values, strict=True)]  # fmt: skip


def network_chart(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    colour_by: str = "stars",
    title: str,
    synthetic: bool,
    highlight=(),
) -> Figure:
    """A region's sectors on the network of related sectors (the Product Space drawing of
    Hidalgo et al. 2007): ``nodes`` (sector, x, y in the shared layout, employment, lq,
    stars of the region) coloured by cluster stars (0-4) or by LQ (log scale, 1 = white),
    area proportional to persons employed; ``edges`` (sector_a, sector_b, phi) as lines, wider
    for a higher proximity, dark when the region is specialised (LQ >= 1) at both ends.
    Sectors in ``highlight`` (the diversification opportunities) are ringed in red. Every
    node is labelled with its code, no two labels overlapping."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    fig = Figure(figsize=(8.6, 6.9), dpi=90)
    ax = fig.add_axes((0.01, 0.05, 0.74, 0.87))
    ax.set_axis_off()
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(mpl_text(title), fontsize=10)
    nodes = nodes.reset_index(drop=True)
    where = {s: k for k, s in enumerate(nodes["sector"])}
    xy = nodes[["x", "y"]].to_numpy(dtype="float64")
    lq = nodes["lq"].to_numpy(dtype="float64")
    specialised = np.nan_to_num(lq, nan=0.0) >= 1.0
    if len(edges):
        a = edges["sector_a"].map(where).to_numpy()
        b = edges["sector_b"].map(where).to_numpy()
        phi = edges["phi"].to_numpy(dtype="float64")
        span = phi.max() - phi.min()
        width = 0.5 + 2.0 * ((phi - phi.min()) / span if span > 0 else np.ones_like(phi))
        both = specialised[a] & specialised[b]
        segments = np.stack([xy[a], xy[b]], axis=1)
        ax.add_collection(LineCollection(
            segments, linewidths=width, colors=np.where(both, "#444444", "#c8c8c8"), zorder=1
        ))  # fmt: skip
    areas = node_areas(nodes["employment"].to_numpy())
    if colour_by == "lq":
        colours = lq_colours(lq)
    else:
        colours = [STAR_COLOURS[int(s)] for s in nodes["stars"].fillna(0)]
    ax.scatter(xy[:, 0], xy[:, 1], s=areas, c=colours, edgecolors="#666666", linewidths=0.5,
               zorder=2)  # fmt: skip
    ring = nodes["sector"].isin(set(highlight)).to_numpy()
    rings = areas * 1.6 + 40
    if ring.any():
        ax.scatter(xy[ring, 0], xy[ring, 1], s=rings[ring], facecolors="none",
                   edgecolors="#d62728", linewidths=1.6, zorder=3)  # fmt: skip
    handles = [
        Line2D([], [], color="#c8c8c8", linewidth=1.5, label="related (width: proximity)"),
        Line2D([], [], color="#444444", linewidth=1.5, label="related, both LQ ≥ 1"),
        Line2D([], [], marker="o", linestyle="none", markerfacecolor="none",
               markeredgecolor="#d62728", markersize=9, label="opportunity"),
    ]  # fmt: skip
    if colour_by == "lq":
        legend = ax.legend(handles=handles, fontsize=7, loc="lower left",
                           bbox_to_anchor=(1.01, 0.0), title="area: persons employed",
                           title_fontsize=7, frameon=False)  # fmt: skip
        bar_ax = fig.add_axes((0.79, 0.45, 0.025, 0.42))
        low, high = np.log2(LQ_LIMITS)
        from matplotlib import colormaps

        bar = fig.colorbar(ScalarMappable(Normalize(low, high), colormaps["RdBu_r"]), cax=bar_ax)
        ticks = np.arange(low, high + 1)
        bar.set_ticks(ticks, labels=[f"{2**t:g}" for t in ticks])
        bar.ax.tick_params(labelsize=7)
        bar.set_label("location quotient", fontsize=8)
    else:
        stars = [
            Patch(
                facecolor=STAR_COLOURS[i], edgecolor="#666666", label=f"{i} star" + "s" * (i != 1)
            )
            for i in range(5)
        ]
        legend = ax.legend(handles=stars + handles, fontsize=7, loc="upper left",
                           bbox_to_anchor=(1.01, 1.0), title="cluster stars; area: employed",
                           title_fontsize=7, frameon=False)  # fmt: skip
    legend.set_zorder(6)
    if synthetic:
        fig.text(0.99, 0.01, charts.SYNTHETIC_MARK, ha="right", va="bottom", fontsize=8,
                 color="#b00")  # fmt: skip
    radii = np.sqrt(np.where(ring, rings, areas)) / 2 * fig.dpi / 72.0
    order = np.argsort(-areas, kind="stable")  # the large nodes choose their place first
    labels = place_point_labels(fig, ax, xy[order], radii[order],
                                [mpl_text(s) for s in nodes["sector"].to_numpy()[order]],
                                fontsize=6.5, keep_all=True)  # fmt: skip
    fig.node_labels = labels  # what the tests measure
    return fig


PARTNER_STYLE = {  # partnership -> (marker, colour, legend label)
    "complementary": ("o", "#e6550d", "complementary partner"),
    "similar": ("s", "#31a354", "similar partner"),
}


def partner_chart(
    partners: pd.DataFrame, own: dict, *, title: str, synthetic: bool, sector_label: str
) -> Figure:
    """Candidate partners in one sector: persons employed (x, log) against LQ (y, log), one
    marker per partnership kind (``partners``: partnership, region, employment, lq), the
    region itself (``own``: region, employment, lq) as a black star; a dashed line at LQ = 1.
    Points are labelled with their region code where a label finds room. Rows without a
    positive employment and LQ cannot sit on log axes and are left out (said in the x label)."""
    fig, ax = _fig(7.5, 4.8)
    frame = partners.assign(
        employment=pd.to_numeric(partners["employment"], errors="coerce"),
        lq=pd.to_numeric(partners["lq"], errors="coerce"),
    )
    drawable = (frame["employment"] > 0) & (frame["lq"] > 0)
    shown = frame[drawable]
    own_ok = bool(own.get("employment", 0) > 0 and own.get("lq", 0) > 0)
    left_out = int((~drawable).sum())
    xlabel = f"persons employed in {sector_label} (log scale)"
    if left_out:
        xlabel += f"; {left_out} without employment or LQ not shown"
    if shown.empty and not own_ok:
        ax.text(0.5, 0.5, "no partner with employment in this sector", ha="center",
                transform=ax.transAxes)  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        for kind, (marker, colour, label) in PARTNER_STYLE.items():
            rows = shown[shown["partnership"] == kind]
            if not rows.empty:
                ax.scatter(rows["employment"], rows["lq"], marker=marker, s=36, c=colour,
                           alpha=0.8, edgecolors="white", label=label, zorder=2)  # fmt: skip
        if own_ok:
            ax.scatter([own["employment"]], [own["lq"]], marker="*", s=150, c="#000000",
                       label=mpl_text(f"{own['region']} (the region)"), zorder=3)  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(charts._persons))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(_lq_ticks))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.axhline(1, color="#888", linestyle="--", linewidth=0.8)
        ax.margins(x=0.12, y=0.15)
        ax.legend(fontsize=7, loc="best")
    ax.set_xlabel(mpl_text(xlabel), fontsize=8)
    ax.set_ylabel("location quotient (log scale)")
    ax.set_title(mpl_text(title), fontsize=10)
    _finish(fig, ax, synthetic)
    if not shown.empty or own_ok:
        thin_ticks(fig, ax.xaxis)
        once = shown.drop_duplicates("region")  # a region may be of both kinds: one label
        points = once[["employment", "lq"]].to_numpy(dtype="float64")
        codes = [mpl_text(r) for r in once["region"]]
        if own_ok:
            points = np.vstack([[own["employment"], own["lq"]], points])
            codes = [mpl_text(own["region"])] + codes
        radii = np.full(len(points), 5.0)
        legend = ax.get_legend()
        avoid = [legend.get_window_extent(_renderer(fig))] if legend is not None else []
        fig.point_labels = place_point_labels(
            fig, ax, points, radii, codes, keep_all=False, avoid=avoid, rings=2
        )
    return fig
