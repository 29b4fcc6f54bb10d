"""The apps' growth views driven from Python: the related-clusters network (edges, shared
layout, colours, labels that never overlap at 61 sectors), the ESCP partner finder (the rows
of ``toolkit partners``) and the portfolio's "Close to a star" panel. Expected values are
recomputed here with numpy from the metrics table or worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba

from toolkit import explorers as E
from toolkit import growth
from toolkit import opportunities as opp
from toolkit.apps.figures import STAR_COLOURS, network_chart
from toolkit.apps.network import RelatedClusters
from toolkit.apps.partners import PartnerFinder

pytestmark = pytest.mark.usefixtures("fresh_selection")  # ``data`` and this: conftest.py


def base_table(ws) -> pd.DataFrame:
    """The analysis year's rows of the sectors regional totals add up (traded categories)."""
    m = ws.metrics
    return m[m["base"].fillna(False).astype(bool)]


def numpy_phi(ws) -> pd.DataFrame:
    """Co-location proximity phi[i,j] = C[i,j] / max(u_i, u_j), C = M^T M with M[r,s] = 1
    where LQ >= 1 (missing LQ: 0), u the column sums; written out here independently."""
    lq = base_table(ws).pivot_table(index="region", columns="sector", values="lq", dropna=False)
    M = (lq.fillna(0.0).to_numpy() >= 1.0).astype(float)
    C = M.T @ M
    u = M.sum(axis=0)
    denominator = np.maximum(u[:, None], u[None, :])
    phi = np.where(denominator > 0, C / np.where(denominator > 0, denominator, 1), 0.0)
    return pd.DataFrame(phi, index=lq.columns.astype(str), columns=lq.columns.astype(str))


def maximum_spanning_weight(phi: np.ndarray) -> float:
    """Prim's algorithm on the positive proximities: the largest total phi a spanning tree
    (forest) can have."""
    n = len(phi)
    weight = np.where(phi > 0, phi, -np.inf)
    np.fill_diagonal(weight, -np.inf)
    total, reached = 0.0, np.zeros(n, dtype=bool)
    for start in range(n):
        if reached[start]:
            continue
        reached[start] = True
        best = weight[start].copy()
        while True:
            best[reached] = -np.inf
            k = int(np.argmax(best))
            if not np.isfinite(best[k]):
                break
            total += best[k]
            reached[k] = True
            best = np.maximum(best, weight[k])
    return total


def label_boxes(fig):
    """The rendered extents (pixels) of the node labels, drawn by the Agg renderer."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in fig.axes[0].texts if t.get_visible()]


def assert_no_overlap(boxes) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


# --- the network of related sectors --------------------------------------------------------


def test_network_is_the_spanning_tree_plus_the_strongest_other_pairs():
    # A-B 0.9, B-C 0.8 and C-D 0.7 make the maximum spanning tree; left: B-D 0.3, A-C 0.2,
    # A-D 0.1. One extra edge per two sectors (2 of 4) adds B-D and A-C; phi > 0.25 only B-D.
    phi = pd.DataFrame(
        [[1, 0.9, 0.2, 0.1], [0.9, 1, 0.8, 0.3], [0.2, 0.8, 1, 0.7], [0.1, 0.3, 0.7, 1]],
        index=list("ABCD"),
        columns=list("ABCD"),
    )
    edges = growth.relatedness_network(phi, extra=0.5)
    pairs = list(zip(edges["sector_a"], edges["sector_b"], strict=True))
    assert pairs == [("A", "B"), ("B", "C"), ("C", "D"), ("B", "D"), ("A", "C")]
    assert list(edges["tree"]) == [True, True, True, False, False]
    assert list(growth.relatedness_network(phi, extra=0.5, min_phi=0.25)["sector_b"]) == [
        "B",
        "C",
        "D",
        "D",
    ]
    # a sector related to none stays out of every edge
    phi.loc["D", :] = phi.loc[:, "D"] = 0.0
    assert "D" not in set(
        growth.relatedness_network(phi, extra=2.0)[["sector_a", "sector_b"]].stack()
    )


def test_network_view_draws_the_strongest_proximities_recomputed_with_numpy(data):
    view = RelatedClusters(data, region="BE31")
    phi = numpy_phi(data.ws)
    edges = view.edges
    n = len(phi)
    drawn = phi.to_numpy()[
        [phi.index.get_loc(a) for a in edges["sector_a"]],
        [phi.columns.get_loc(b) for b in edges["sector_b"]],
    ]
    np.testing.assert_allclose(edges["phi"], drawn)
    tree = edges[edges["tree"]]
    # a spanning tree of all sectors, as heavy as a maximum spanning tree can be
    assert len(tree) == n - 1
    assert tree["phi"].sum() == pytest.approx(maximum_spanning_weight(phi.to_numpy()))
    # the other edges: one per sector, none weaker than a pair left out
    others = edges[~edges["tree"]]
    assert len(others) == n
    drawn_pairs = {frozenset(p) for p in zip(edges["sector_a"], edges["sector_b"], strict=True)}
    left_out = [
        phi.iloc[i, j]
        for i in range(n)
        for j in range(i + 1, n)
        if frozenset((phi.index[i], phi.columns[j])) not in drawn_pairs
    ]
    assert others["phi"].min() >= max(left_out) - 1e-12


def test_every_region_is_drawn_on_the_same_places_coloured_by_its_own_stars(data):
    view = RelatedClusters(data, region="BE31")
    first = view.chart.data[["sector", "x", "y"]].copy()
    view.select_region("ITC4")
    assert view.region == "ITC4" and view.chart.renders == 2
    second = view.chart.data
    pd.testing.assert_frame_equal(first, second[["sector", "x", "y"]])
    # colours: the region's stars, read from the metrics table
    table = data.ws.metrics
    own = table[table["region"] == "ITC4"].set_index("sector")["stars"]
    expected = [to_rgba(STAR_COLOURS[int(own.get(s, 0))]) for s in second["sector"]]
    nodes = view.chart.figure.axes[0].collections[1]  # edges first, then the nodes
    np.testing.assert_allclose(nodes.get_facecolors(), expected)
    # sizes: area proportional to persons employed
    employment = table[table["region"] == "ITC4"].set_index("sector")["employment"]
    areas = nodes.get_sizes()
    e = employment.reindex(second["sector"]).to_numpy()
    largest = int(np.nanargmax(e))
    np.testing.assert_allclose(
        (areas - areas.min()) / (areas[largest] - areas.min()),
        (e - np.nanmin(e)) / (e[largest] - np.nanmin(e)),
        atol=0.02,
    )
    # by LQ: red above 1, blue below
    view.colour_by.value = "lq"
    colours = view.chart.figure.axes[0].collections[1].get_facecolors()
    lq = table[table["region"] == "ITC4"].set_index("sector")["lq"].reindex(second["sector"])
    above, below = (lq > 1.2).to_numpy(), (lq < 0.8).to_numpy()
    assert (colours[above, 0] > colours[above, 2]).all()
    assert (colours[below, 2] > colours[below, 0]).all()
    assert "eocic-error" not in view.status.value


def test_network_labels_of_61_sectors_never_overlap():
    rng = np.random.default_rng(61)
    codes = [f"C{k:02d}-C{k + 1:02d}" for k in range(61)]  # as long as NACE aggregates
    # 300 regions, each specialised in a block of neighbouring sectors and a few others
    M = np.zeros((300, 61))
    for r in range(300):
        start = rng.integers(0, 61)
        M[r, [(start + k) % 61 for k in range(6)]] = 1
        M[r, rng.integers(0, 61, size=3)] = 1
    phi = opp.proximity(pd.DataFrame(M.astype("int8"), columns=codes))
    edges = growth.relatedness_network(phi)
    places = growth.network_positions(edges, codes)
    nodes = pd.DataFrame(
        {
            "sector": codes,
            "x": places["x"].to_numpy(),
            "y": places["y"].to_numpy(),
            "employment": rng.lognormal(8, 1.5, 61),
            "lq": rng.lognormal(0, 0.7, 61),
            "stars": rng.integers(0, 5, 61),
        }
    )
    for colour in ("stars", "lq"):
        fig = network_chart(nodes, edges, colour_by=colour, title="61 sectors", synthetic=True,
                            highlight=codes[:10])  # fmt: skip
        texts = [t for t in fig.axes[0].texts if t.get_visible()]
        assert sorted(t.get_text() for t in texts) == codes  # every sector labelled
        boxes = label_boxes(fig)
        assert_no_overlap(boxes)
        inside = fig.bbox
        assert all(inside.x0 <= b.x0 and b.x1 <= inside.x1 and inside.y0 <= b.y0 and
                   b.y1 <= inside.y1 for b in boxes)  # fmt: skip


def test_network_labels_of_the_demo_never_overlap(data):
    view = RelatedClusters(data, region="wallonia")
    boxes = label_boxes(view.chart.figure)
    assert len(boxes) == len(view.chart.data)
    assert_no_overlap(boxes)


def test_opportunities_table_ranks_unspecialised_sectors_by_density(data):
    view = RelatedClusters(data, region="ITC4")
    table = view.opportunities_table.data
    phi = numpy_phi(data.ws)
    own = base_table(data.ws)
    own = own[own["region"] == "ITC4"].set_index("sector")
    m = (own["lq"].reindex(phi.index).fillna(0) >= 1).to_numpy(dtype=float)
    density = pd.Series((m @ phi.to_numpy()) / phi.to_numpy().sum(axis=0), index=phi.index)
    candidates = density[(m == 0) & (own["lq"].reindex(phi.index).notna().to_numpy())]
    expected = candidates.sort_values(ascending=False).head(len(table))
    assert len(table) == 10
    np.testing.assert_allclose(table["Relatedness density"], expected.to_numpy())
    assert (own.loc[table["Code"], "lq"] < 1).all()
    # the related strengths named are sectors the region is specialised in
    first = table["Related strengths (proximity)"].iloc[0]
    specialised = {data.ws.sector_name(s) for s in own.index[own["lq"] >= 1]}
    assert all(part.rsplit(" (", 1)[0] in specialised for part in first.split(", "))
    csv = view.opportunities_table.download_table()
    assert list(csv.columns[:3]) == ["region", "sector", "year"]
    assert set(csv["region"]) == {"ITC4"} and list(csv["sector"]) == list(table["Code"])
    # the sectors table names every code of the chart
    assert list(view.sectors_table.data["Code"]) == list(view.chart.data["sector"])


def test_network_takes_the_region_of_the_shared_selection(data):
    data.selection.region = "FI1D"
    view = RelatedClusters(data)
    assert view.region == "FI1D" and "FI1D" in view.heading.value
    assert 'class="eocic-synthetic"' in view.widget.children[0].value


# --- the partner finder --------------------------------------------------------------------


def test_partner_tables_hold_the_rows_of_toolkit_partners(data):
    view = PartnerFinder(data, region="BE31", sector="TC04")
    rows = growth.partners_table(data.ws, "BE31", "TC04", n=10)
    for kind, panel in view.tables.items():
        expected = rows[rows["partnership"] == kind]
        shown = panel.data
        assert len(shown) == len(expected) > 0
        assert list(shown["Region code"]) == list(expected["region"])
        np.testing.assert_allclose(shown["Partner score"], expected["score"])
        np.testing.assert_allclose(shown["LQ"], expected["lq"])
        csv = panel.download_table()
        assert list(csv.columns[:3]) == ["region", "sector", "year"]
        assert list(csv["region"]) == list(expected["region"])
        assert set(csv["sector"]) == {"TC04"} and set(csv["Partner of"]) == {"BE31"}


def test_complementary_scores_recomputed_from_lq_and_stars(data):
    view = PartnerFinder(data, region="BE31", sector="TC04")
    counted = view.partners().attrs["sectors_that_count"]
    m = data.ws.metrics
    m = m[m["sector"].isin(counted)]
    lq = m.pivot_table(index="region", columns="sector", values="lq").reindex(columns=counted)
    stars = m.pivot_table(index="region", columns="sector", values="stars")
    strong = (lq.fillna(0) >= 1) | (stars.reindex_like(lq).fillna(0) > 0)
    mine = strong.loc["BE31"]
    for row in view.tables["complementary"].data.itertuples():
        theirs = strong.loc[row[3]]  # Region code
        offer, need = int((theirs & ~mine).sum()), int((~theirs & mine).sum())
        assert offer > 0
        assert row[5] == pytest.approx((offer + need) / len(counted))  # Partner score
    scores = view.tables["complementary"].data["Partner score"]
    assert scores.is_monotonic_decreasing


def test_partners_follow_the_sector_and_leave_out_the_own_country(data):
    view = PartnerFinder(data, region="ITC4", sector="TC04")
    old = view.chart.renders
    view.sector_picker.value = "TC05"
    assert view.chart.renders == old + 1
    assert "Biopharmaceuticals" in view.heading.value
    view.other_countries.value = True
    for panel in view.tables.values():
        assert len(panel.data) and "IT" not in set(panel.data["Country"])
    view.top_n.value = 5
    assert all(len(p.data) <= 5 for p in view.tables.values())
    assert view.current() == {"region": "ITC4", "sector": "TC05"}
    assert "eocic-error" not in view.status.value


# --- close to a star, on the portfolio --------------------------------------------------------


def test_portfolio_close_to_a_star_lists_the_gaps_of_near_misses(data):
    view = E.RegionalClusterPortfolio(data, region="ITC4")
    shown = view.near_miss_table.data
    misses = opp.near_misses(base_table(data.ws), data.ws.params)
    own = misses[misses["region"] == "ITC4"]
    # shortfall: the gap as a share of the threshold, or the distance to the employment floor
    floor = data.ws.params.min_employment
    relative = [
        g / t if t > 0 else math.nan for g, t in zip(own["gap"], own["threshold"], strict=True)
    ]
    below = [max(floor - e, 0) / floor if floor > 0 else 0.0 for e in own["employment"]]
    own = own.assign(shortfall=np.fmax(relative, below))
    own = own[own["shortfall"] <= 0.25].sort_values("shortfall", kind="stable").head(10)
    assert len(shown) == len(own) > 0
    np.testing.assert_allclose(shown["Shortfall (% of threshold)"], 100 * own["shortfall"])
    assert list(zip(shown["Code"], shown["Star"], strict=True)) == list(
        zip(own["sector"], own["star"], strict=True)
    )
    assert list(shown["Close to the star"]) == list(own["text"])
    size = own[own["star"] == "size"]
    for text, gap in zip(size["text"], size["gap"], strict=True):
        assert f"needs {math.ceil(gap):,} more persons employed" in text
    assert "star clusters" in view.near_miss_note.value  # the sensitivity sentence
    csv = view.near_miss_table.download_table()
    assert list(csv.columns[:3]) == ["region", "sector", "year"]


def test_new_views_are_in_the_tabs_and_on_the_start_page(data):
    from toolkit.apps.landing import REGION_VIEWS, VIEW_LINES

    names = list(E.VIEWS)
    assert names.index("trends") < names.index("network") < names.index("partners")
    assert names[-1] == "help"
    app = E.ClusterMappingApp(data)
    app.open("overview").select_region("DED2")
    assert app.open("network").region == "DED2"
    assert app.open("partners").region == "DED2"
    assert {"network.ipynb", "partners.ipynb"} <= set(VIEW_LINES) & set(REGION_VIEWS)
    landing = E.Landing(data)
    assert "Related Clusters" in landing.about.value and "Partner Finder" in landing.about.value
