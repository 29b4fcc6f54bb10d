"""The apps' charts: matplotlib figures built from frames (no pyplot state), laid out so that
no two labels overlap (checked with the Agg renderer, the one that makes the PNG).

Bars, histogram, the portfolio bubbles (labels placed around their bubble, dropped when no
free place is left), trends over the years and the comparison heat map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from toolkit import charts
from toolkit.apps.data import mpl_text
from toolkit.tables import is_base

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


def _renderer(fig: Figure):
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    return canvas.get_renderer()


def overlapping(extents) -> bool:
    """Whether any two of the boxes (matplotlib ``Bbox``) overlap."""
    boxes = list(extents)
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def thin_ticks(fig: Figure, axis) -> None:
    """Hide tick labels, every other one, until none collide with its neighbour."""
    renderer = _renderer(fig)
    for _ in range(4):
        labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
        boxes = [t.get_window_extent(renderer) for t in labels]
        if not overlapping(boxes):
            return
        for label in labels[1::2]:
            label.set_visible(False)


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
    """Portfolio bubbles: LQ (x, log) against employment growth (y, % a year), size =
    employment, colour = stars; dashed lines at LQ = 1 and zero growth. The largest clusters
    are labelled where the label overlaps no other label; log ticks at 1, 2, 5 x 10^k."""
    t = clusters[is_base(clusters) & (clusters["lq"] > 0) & clusters["growth"].notna()]
    fig, ax = _fig(7.5, 4.6)
    if t.empty:
        ax.text(0.5, 0.5, "no clusters with growth data", ha="center", transform=ax.transAxes)
    else:
        sizes = 2000 * t["employment"] / t["employment"].max()
        ax.scatter(
            t["lq"],
            100 * t["growth"],
            s=sizes.clip(lower=10),
            c=[STAR_COLOURS[int(s)] for s in t["stars"]],
            alpha=0.7,
            edgecolors="white",
        )
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(_lq_ticks))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.axvline(1, color="#888", linestyle="--", linewidth=0.8)
        ax.axhline(0, color="#888", linestyle="--", linewidth=0.8)
        ax.margins(x=0.08, y=0.12)
    ax.set_xlabel("location quotient (log scale)")
    ax.set_ylabel("employment growth, % a year")
    ax.set_title(title or "Specialisation against growth (bubble = employment, colour = stars)")
    _finish(fig, ax, synthetic)
    if not t.empty:
        thin_ticks(fig, ax.xaxis)
        _place_labels(fig, ax, t.sort_values("employment", ascending=False).head(label_top), names)
    return fig


OFFSETS = [(5, 5), (-5, 5), (5, -9), (-5, -9), (5, 14), (-5, 14), (5, -18), (-5, -18)]


def _place_labels(fig: Figure, ax, rows: pd.DataFrame, names: dict[str, str]) -> None:
    """Label each row's bubble at the first offset where the label overlaps no label placed
    before it and stays inside the axes; a label with no free place is left out."""
    renderer = _renderer(fig)
    inside = ax.get_window_extent(renderer)
    placed = []
    for row in rows.itertuples():
        for dx, dy in OFFSETS:
            text = ax.annotate(
                charts._short(names.get(row.sector, row.sector)),
                (row.lq, 100 * row.growth),
                fontsize=7,
                xytext=(dx, dy),
                textcoords="offset points",
                ha="left" if dx > 0 else "right",
            )
            box = text.get_window_extent(renderer)
            fits = (
                box.x0 >= inside.x0
                and box.x1 <= inside.x1
                and box.y0 >= inside.y0
                and box.y1 <= inside.y1
            )
            if fits and not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
            text.remove()


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
