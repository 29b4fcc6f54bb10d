"""Labels that never collide: text placed beside points, and tick labels thinned, measured with
the Agg renderer (the one that makes the PNG).

Pure matplotlib, shared by the report charts (``toolkit.charts``) and the apps' figures
(``toolkit.apps.figures``); it imports no widget, so a report kernel can use it.
"""

from __future__ import annotations

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DIRECTIONS = [(1, 0), (-1, 0), (0, 1), (0, -1), (0.8, 0.8), (-0.8, 0.8), (0.8, -0.8), (-0.8, -0.8)]
RINGS = 5  # distances from a point tried, one label height apart
PAD = 1.5  # pixels kept between two labels (the drawn glyphs round to whole pixels)
HALO = [patheffects.withStroke(linewidth=2.0, foreground="white")]  # legible over lines


def renderer(fig: Figure):
    """The figure's Agg renderer (an Agg canvas is attached when the figure has none)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    return canvas.get_renderer()


def overlapping(extents) -> bool:
    """Whether any two of the boxes (matplotlib ``Bbox``) overlap."""
    boxes = list(extents)
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def thin_ticks(fig: Figure, axis) -> None:
    """Hide tick labels, every other one, until none collide with its neighbour."""
    drawer = renderer(fig)
    for _ in range(4):
        labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
        boxes = [t.get_window_extent(drawer) for t in labels]
        if not overlapping(boxes):
            return
        for label in labels[1::2]:
            label.set_visible(False)


def candidate_offsets(radius: float, w: float, h: float, rings: int = RINGS) -> np.ndarray:
    """Offsets (pixels) of a label's centre from its point, nearest first: the eight
    directions round the marker, then each further ring one label height out."""
    directions = np.array(DIRECTIONS, dtype="float64")
    gaps = radius + 1.5 + np.arange(rings)[:, None] * h  # rings x 1
    dx = directions[None, :, 0] * (gaps + w / 2)
    dy = directions[None, :, 1] * (gaps + h / 2)
    return np.stack([dx.ravel(), dy.ravel()], axis=1)


def place_point_labels(
    fig: Figure,
    ax,
    xy: np.ndarray,
    radii: np.ndarray,
    texts: list[str],
    *,
    fontsize: float = 7,
    keep_all: bool = True,
    avoid=(),
    rings: int = RINGS,
    halo: bool = True,
) -> list:
    """Label each point (data coordinates ``xy``, marker radius ``radii`` in pixels) beside
    it: at the first place, going round the point and then further out, where the label
    stays inside the axes and overlaps no label placed before it and no marker; failing that,
    where it overlaps no label. A label with no such place is left out, or with ``keep_all``
    put where it overlaps least. Points are labelled in the order given (most important
    first); points after the last of ``texts`` are markers kept clear of, not labelled.
    ``avoid``: boxes (pixels) no label may cover, such as the legend; ``rings``: how far out
    a label may go (a label far from its point is ambiguous); ``halo``: a white outline round
    the glyphs, legible over lines (an SVG then draws the label as outlines, not as text).
    Returns the texts drawn."""
    drawer = renderer(fig)
    inside = ax.get_window_extent(drawer)
    points = np.asarray(xy, dtype="float64").reshape(-1, 2)
    centres = ax.transData.transform(points)
    radii = np.asarray(radii, dtype="float64")
    to_points = 72.0 / fig.dpi
    placed = [(b.x0, b.y0, b.x1, b.y1) for b in avoid]  # x0, y0, x1, y1 in pixels
    drawn = []
    for k, text in enumerate(texts):
        label = ax.annotate(text, tuple(points[k]), xytext=(0, 0),
                            textcoords="offset points", ha="center", va="center",
                            fontsize=fontsize, zorder=5,
                            path_effects=HALO if halo else [])  # fmt: skip
        extent = label.get_window_extent(drawer)
        w, h = extent.width, extent.height
        offsets = candidate_offsets(radii[k], w, h, rings)
        x0 = centres[k, 0] + offsets[:, 0] - w / 2
        y0 = centres[k, 1] + offsets[:, 1] - h / 2
        x1, y1 = x0 + w, y0 + h
        fits = (x0 >= inside.x0) & (x1 <= inside.x1) & (y0 >= inside.y0) & (y1 <= inside.y1)
        if placed:
            other = np.array(placed)
            across = np.minimum(x1[:, None] + PAD, other[None, :, 2]) - np.maximum(
                x0[:, None] - PAD, other[None, :, 0]
            )
            up = np.minimum(y1[:, None] + PAD, other[None, :, 3]) - np.maximum(
                y0[:, None] - PAD, other[None, :, 1]
            )
            overlap = (np.clip(across, 0, None) * np.clip(up, 0, None)).sum(axis=1)
        else:
            overlap = np.zeros(len(offsets))
        # a marker is hit when the nearest point of the box lies within its radius
        near_x = np.clip(centres[None, :, 0], x0[:, None], x1[:, None]) - centres[None, :, 0]
        near_y = np.clip(centres[None, :, 1], y0[:, None], y1[:, None]) - centres[None, :, 1]
        hits = (near_x**2 + near_y**2 < radii[None, :] ** 2).any(axis=1)
        free = fits & (overlap == 0)
        if (free & ~hits).any():
            choice = int(np.argmax(free & ~hits))
        elif free.any():
            choice = int(np.argmax(free))
        elif keep_all and fits.any():
            choice = int(np.argmin(np.where(fits, overlap, np.inf)))
        else:
            label.remove()
            continue
        label.xyann = (offsets[choice, 0] * to_points, offsets[choice, 1] * to_points)
        placed.append((x0[choice], y0[choice], x1[choice], y1[choice]))
        drawn.append(label)
    return drawn
