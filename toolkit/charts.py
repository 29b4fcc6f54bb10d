"""Report charts (seaborn/matplotlib). Each function returns a closed-over Figure and leaves
no global pyplot state behind, so batches of reports do not leak memory."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display in batches and servers; notebooks still show the PNGs

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

PALETTE = {0: "#c9c9c9", 1: "#9ecae1", 2: "#4292c6", 3: "#08519c", 4: "#08306b"}
SYNTHETIC_MARK = "synthetic demo data"


def _figure(width: float = 7.5, height: float = 4.0) -> tuple[Figure, plt.Axes]:
    fig = Figure(figsize=(width, height), dpi=90)
    ax = fig.add_subplot()
    return fig, ax


def _finish(fig: Figure, ax: plt.Axes, synthetic: bool) -> Figure:
    """Common finish: no top/right spines, tight layout, the synthetic mark when needed."""
    sns.despine(ax=ax)
    fig.tight_layout()
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
    t = (
        clusters[clusters["sector_type"] != "emerging"]
        .sort_values(["stars", "lq"], ascending=False)
        .head(top)
    )
    fig, ax = _figure(7.5, 0.32 * max(len(t), 3) + 1.0)
    labels = [names.get(s, s) for s in t["sector"]]
    ax.barh(
        labels[::-1],
        t["stars"].to_numpy()[::-1],
        color=[PALETTE[int(s)] for s in t["stars"].to_numpy()[::-1]],
    )
    ax.set_xlim(0, 4)
    ax.set_xticks(range(5))
    ax.set_xlabel("cluster stars (size, specialisation, productivity, dynamism)")
    ax.set_title(title or "Leading clusters by stars")
    return _finish(fig, ax, synthetic)


def bubble_chart(
    clusters: pd.DataFrame,
    names: dict[str, str],
    *,
    label_top: int = 6,
    synthetic: bool = False,
    title: str = "",
) -> Figure:
    """Portfolio bubbles: LQ (x, log) against employment growth (y), size = employment,
    colour = stars. The dashed lines mark LQ = 1 and zero growth."""
    t = clusters[
        (clusters["sector_type"] != "emerging") & (clusters["lq"] > 0) & clusters["growth"].notna()
    ]
    fig, ax = _figure(7.5, 4.6)
    if t.empty:
        ax.text(0.5, 0.5, "no clusters with growth data", ha="center", transform=ax.transAxes)
    else:
        sizes = 2000 * t["employment"] / t["employment"].max()
        ax.scatter(
            t["lq"],
            100 * t["growth"],
            s=sizes.clip(lower=10),
            c=[PALETTE[int(s)] for s in t["stars"]],
            alpha=0.7,
            edgecolors="white",
        )
        ax.set_xscale("log")
        ax.axvline(1, color="#888", linestyle="--", linewidth=0.8)
        ax.axhline(0, color="#888", linestyle="--", linewidth=0.8)
        for row in t.sort_values("employment", ascending=False).head(label_top).itertuples():
            ax.annotate(
                names.get(row.sector, row.sector)[:28],
                (row.lq, 100 * row.growth),
                fontsize=7,
                xytext=(4, 4),
                textcoords="offset points",
            )
    ax.set_xlabel("location quotient (log scale)")
    ax.set_ylabel("employment growth, % a year")
    ax.set_title(title or "Specialisation against growth (bubble = employment, colour = stars)")
    return _finish(fig, ax, synthetic)


def size_chart(
    clusters: pd.DataFrame,
    names: dict[str, str],
    *,
    top: int = 10,
    synthetic: bool = False,
    title: str = "",
) -> Figure:
    """The largest clusters by employment (persons)."""
    t = (
        clusters[clusters["sector_type"] != "emerging"]
        .sort_values("employment", ascending=False)
        .head(top)
    )
    fig, ax = _figure(7.5, 0.32 * max(len(t), 3) + 1.0)
    ax.barh(
        [names.get(s, s) for s in t["sector"]][::-1],
        t["employment"].to_numpy()[::-1],
        color="#6baed6",
    )
    ax.set_xlabel("persons employed")
    ax.set_title(title or "Largest clusters")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    return _finish(fig, ax, synthetic)


def dimension_chart(
    dimensions: pd.DataFrame,
    region_id: str,
    peers: list[str],
    *,
    synthetic: bool = False,
    title: str = "",
) -> Figure:
    """The region's dimension scores against the median of its peers (EU median = 50)."""
    own = dimensions[dimensions["region"] == region_id].set_index("dimension")
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
    return _finish(fig, ax, synthetic)


def show(fig: Figure) -> None:
    """Display a figure in a notebook as a PNG (embedded in the HTML) and release it."""
    from io import BytesIO

    from IPython.display import Image, display

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    display(Image(data=buffer.getvalue(), format="png"))
