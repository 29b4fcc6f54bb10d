"""Report charts: real Figures with the data drawn, no pyplot state left behind."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from toolkit import charts


@pytest.fixture
def clusters() -> pd.DataFrame:
    """Four traded clusters and one emerging industry of one region."""
    return pd.DataFrame(
        {
            "sector": ["A", "B", "C", "D", "E"],
            "sector_type": ["traded", "traded", "traded", "traded", "emerging"],
            "stars": [3, 0, 2, 1, 4],
            "lq": [2.5, 0.5, 1.2, 0.9, 3.0],
            "growth": [0.03, -0.01, np.nan, 0.0, 0.05],
            "employment": [1000.0, 250.0, 4000.0, 50.0, 900.0],
        }
    )


NAMES = {"A": "Automotive", "B": "Biopharmaceuticals", "C": "Construction", "D": "Distribution"}


def _bar_widths(fig: Figure) -> list[float]:
    return [patch.get_width() for patch in fig.axes[0].patches]


def test_stars_chart_draws_traded_clusters_by_stars(clusters):
    fig = charts.stars_chart(clusters, NAMES, top=3)
    assert isinstance(fig, Figure)
    # top 3 traded by stars: A (3), C (2), D (1), drawn bottom-up; the emerging E is left out.
    assert _bar_widths(fig) == [1, 2, 3]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Distribution", "Construction", "Automotive"]
    assert plt.get_fignums() == []  # never registered with pyplot: nothing to leak


def test_bubble_chart_plots_lq_against_growth_sized_by_employment(clusters):
    fig = charts.bubble_chart(clusters, NAMES)
    points = fig.axes[0].collections[0]
    offsets = np.asarray(points.get_offsets())
    # C has no growth figure and E is emerging: A, B, D remain; growth in % a year.
    assert sorted(map(tuple, offsets.round(6))) == [(0.5, -1.0), (0.9, 0.0), (2.5, 3.0)]
    sizes = points.get_sizes()
    assert sizes.max() == pytest.approx(2000)  # the largest cluster (A) gets the full size
    assert fig.axes[0].get_xscale() == "log"


def _crowded_portfolio(n: int = 30) -> pd.DataFrame:
    """``n`` traded clusters, all but two packed near LQ 1 and zero growth; the two outliers
    stretch the axes so that the rest crowd in the middle of the chart."""
    rng = np.random.default_rng(2024)
    lq = 1.0 + rng.uniform(-0.12, 0.12, n)
    growth = rng.uniform(-0.004, 0.004, n)
    lq[:2], growth[:2] = (0.05, 8.0), (-0.08, 0.09)
    return pd.DataFrame(
        {
            "sector": [f"S{k:02d}" for k in range(n)],
            "sector_type": "traded",
            "stars": rng.integers(0, 5, n),
            "lq": lq,
            "growth": growth,
            "employment": rng.uniform(500.0, 5000.0, n),
        }
    )


def test_report_bubble_labels_never_overlap_on_a_crowded_portfolio():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    crowded = _crowded_portfolio()
    names = {s: f"Cluster {s} of a long sector name" for s in crowded["sector"]}
    fig = charts.bubble_chart(crowded, names, label_top=12)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_visible()]
    assert len(boxes) >= 6  # a crowd still gets most of its largest clusters named
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0
            assert apart, (a, b)
    frame = ax.get_window_extent(renderer)
    for box in boxes:  # and no label runs off the axes
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, box
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, box


def test_size_chart_ranks_by_employment_with_readable_ticks(clusters):
    fig = charts.size_chart(clusters, NAMES, top=2)
    assert _bar_widths(fig) == [1000.0, 4000.0]
    assert charts._persons(25_000) == "25k" and charts._persons(1_250_000) == "1.2M"


def test_synthetic_mark_only_on_synthetic_data(clusters):
    marked = charts.size_chart(clusters, NAMES, synthetic=True)
    plain = charts.size_chart(clusters, NAMES)
    assert charts.SYNTHETIC_MARK in [t.get_text() for t in marked.texts]
    assert charts.SYNTHETIC_MARK not in [t.get_text() for t in plain.texts]


def test_dimension_chart_compares_region_with_peer_median():
    dims = pd.DataFrame(
        {
            "region": ["R", "R", "P1", "P1", "P2", "P2"],
            "dimension": ["skills", "innovation"] * 3,
            "dimension_name": ["Skills", "Innovation"] * 3,
            "score": [70.0, 40.0, 60.0, 20.0, 80.0, 30.0],
        }
    )
    fig = charts.dimension_chart(dims, "R", ["P1", "P2"])
    widths = _bar_widths(fig)
    assert widths[:2] == [70.0, 40.0]  # the region
    assert widths[2:4] == [70.0, 25.0]  # the peers' medians, same dimension order


def test_empty_portfolio_still_gives_a_figure():
    empty = pd.DataFrame(columns=["sector", "sector_type", "stars", "lq", "growth", "employment"])
    fig = charts.bubble_chart(empty, {})
    assert "no clusters" in fig.axes[0].texts[0].get_text()


def test_long_names_are_cut_at_a_word_boundary():
    assert charts._short("Information Technology and Analytical Instruments") == (
        "Information Technology and…"
    )
    assert charts._short("Apparel") == "Apparel"


LONG = {
    "A": "Information Technology and Analytical Instruments",
    "B": "Trailers, Motor Homes, and Appliances",
    "C": "Oil and Gas Production and Transportation",
    "D": "Tobacco",
}


@pytest.mark.parametrize(
    "make, synthetic",
    [
        (lambda c: charts.stars_chart(c, LONG, synthetic=True), True),
        (lambda c: charts.size_chart(c, LONG, synthetic=True), True),
        (lambda c: charts.bubble_chart(c, LONG, synthetic=True), True),
        (lambda c: charts.size_chart(c, LONG, synthetic=False), False),
    ],
)
def test_fitted_margins_keep_every_label_inside_and_above_the_mark(clusters, make, synthetic):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = make(clusters)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    width, height = canvas.get_width_height()

    def drawn(axis):  # tick labels matplotlib draws: those within the view limits
        low, high = sorted(axis.get_view_interval())
        return [
            tick.label1
            for tick in axis.get_major_ticks()
            if tick.label1.get_text() and low - 1e-9 <= tick.get_loc() <= high + 1e-9
        ]

    texts = drawn(ax.yaxis) + drawn(ax.xaxis)
    texts += [ax.title, ax.xaxis.label, ax.yaxis.label]
    for text in texts:
        if not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= width, text.get_text()
        assert box.y0 >= 0 and box.y1 <= height, text.get_text()
    strip = charts.SYNTHETIC_STRIP * fig.dpi if synthetic else 0.0
    assert ax.xaxis.label.get_window_extent(renderer).y0 >= strip
    # The margins are fitted, not generous: the longest y label ends near the axes.
    longest = max(drawn(ax.yaxis), key=lambda t: t.get_window_extent(renderer).width)
    gap = ax.get_window_extent(renderer).x0 - longest.get_window_extent(renderer).x1
    assert 0 < gap < 0.15 * fig.dpi
    leftmost = [longest] + ([ax.yaxis.label] if ax.get_ylabel() else [])
    assert min(t.get_window_extent(renderer).x0 for t in leftmost) < 0.15 * fig.dpi
