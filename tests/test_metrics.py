"""Cluster metrics against values worked out by hand, and their invariants (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import MissingDataError
from toolkit.metrics import aggregate_regions, cluster_metrics, star_summary
from toolkit.parameters import RegionOfAnalysis, StarParameters


def _row(metrics: pd.DataFrame, region: str, sector: str) -> pd.Series:
    return metrics[(metrics.region == region) & (metrics.sector == sector)].iloc[0]


def test_share_and_location_quotient_match_hand_computation(tiny_panel, tiny_sectors):
    m = cluster_metrics(tiny_panel, tiny_sectors, StarParameters(year=2020))
    # Base totals (traded only): A 400, B 400, C 800; Europe 1600; X 1000, Y 600.
    assert _row(m, "A", "X").share == pytest.approx(100 / 400)
    assert _row(m, "A", "X").lq == pytest.approx((100 / 400) / (1000 / 1600))  # 0.4
    assert _row(m, "A", "Y").lq == pytest.approx((300 / 400) / (600 / 1600))  # 2.0
    assert _row(m, "C", "Y").lq == pytest.approx((100 / 800) / (600 / 1600))
    # The emerging industry is measured against the traded base, never summed with it.
    assert _row(m, "A", "Z").region_employment == 400
    assert _row(m, "A", "Z").lq == pytest.approx((50 / 400) / (50 / 1600))  # 4.0


def test_stars_follow_the_four_tests(tiny_panel, tiny_sectors):
    m = cluster_metrics(tiny_panel, tiny_sectors, StarParameters(year=2020, span_years=5))
    a_x = _row(m, "A", "X")
    # A-X: not the largest X (C is), LQ 0.4, best wage per employee (50,000 EUR), fastest growth
    assert (a_x.size_star, a_x.specialisation_star) == (0, 0)
    assert a_x.wage_per_employee == pytest.approx(50_000)
    assert a_x.productivity_star == 1
    assert a_x.growth == pytest.approx(2 ** (1 / 5) - 1)
    assert a_x.dynamism_star == 1
    assert a_x.stars == 2
    # A-Y: largest Y (size), LQ exactly 2 (specialisation)
    a_y = _row(m, "A", "Y")
    assert (a_y.size_star, a_y.specialisation_star) == (1, 1)
    c_x = _row(m, "C", "X")
    assert c_x.size_star == 1 and c_x.specialisation_star == 0
    assert c_x.size_rank == 1 and _row(m, "B", "X").size_rank == 2


def test_ties_at_the_threshold_all_earn_the_star(tiny_panel, tiny_sectors):
    # Y wages per employee in 2020: A 30,000, B 30,000, C 30,000: all tie at the top.
    m = cluster_metrics(tiny_panel, tiny_sectors, StarParameters(year=2020))
    assert m[m.sector == "Y"].productivity_star.tolist() == [1, 1, 1]


def test_missing_wages_give_no_productivity_star_and_say_so(tiny_panel, tiny_sectors):
    panel = tiny_panel.drop(columns="wages")
    m = cluster_metrics(panel, tiny_sectors, StarParameters(year=2020))
    assert m.productivity_star.isna().all()
    assert (m.productivity_note != "").all()
    assert m.attrs["wages_available"] is False
    # The other stars are unaffected: A-Y keeps size and specialisation. Every Y cluster has
    # 0 % growth: they all tie at the top, but a dynamism star needs growth above zero.
    assert _row(m, "A", "Y").stars == 2
    assert (m[m.sector == "Y"].dynamism_star == 0).all()


def test_one_missing_wage_cell_is_not_zero(tiny_panel, tiny_sectors):
    panel = tiny_panel.copy()
    panel.loc[(panel.region == "A") & (panel.sector == "X"), "wages"] = np.nan
    m = cluster_metrics(panel, tiny_sectors, StarParameters(year=2020))
    assert pd.isna(_row(m, "A", "X").productivity_star)
    # C now has the best X wage per employee (40,000) and earns the star instead.
    assert _row(m, "C", "X").productivity_star == 1


def test_reference_set_limits_the_comparison(tiny_panel, tiny_sectors):
    m = cluster_metrics(
        tiny_panel, tiny_sectors, StarParameters(year=2020, reference_regions=("A", "B"))
    )
    # Reference Europe = A + B: total 800, X 300 -> LQ(A,X) = (100/400)/(300/800)
    assert _row(m, "A", "X").lq == pytest.approx((100 / 400) / (300 / 800))
    # C is outside the set but still compared against it: 700 beats the reference top (200).
    assert _row(m, "C", "X").size_star == 1


def test_unknown_year_raises_missing_data(tiny_panel, tiny_sectors):
    with pytest.raises(MissingDataError, match="2019"):
        cluster_metrics(tiny_panel, tiny_sectors, StarParameters(year=2019))


def test_union_of_regions_recomputes_lq_from_counts(tiny_panel, tiny_sectors):
    union = RegionOfAnalysis("ab", "A and B", ("A", "B"))
    m = cluster_metrics(
        aggregate_regions(tiny_panel, [union]), tiny_sectors, StarParameters(year=2020)
    )
    ab_x = _row(m, "ab", "X")
    # (100 + 200) / (400 + 400) against 1000/1600, not the mean of A's and B's LQs
    assert ab_x.lq == pytest.approx((300 / 800) / (1000 / 1600))
    assert ab_x.wage_per_employee == pytest.approx((5e6 + 6e6) / 300)
    assert set(m.region) == {"ab", "C"}


def test_union_cell_is_missing_when_a_member_cell_is_missing(tiny_panel, tiny_sectors):
    panel = tiny_panel.copy()
    panel.loc[
        (panel.region == "B") & (panel.sector == "X") & (panel.year == 2015), "employment"
    ] = np.nan
    union = RegionOfAnalysis("ab", "A and B", ("A", "B"))
    summed = aggregate_regions(panel, [union])
    cell = summed[(summed.region == "ab") & (summed.sector == "X")].set_index("year").employment
    assert np.isnan(cell[2015]) and cell[2020] == 300
    m = cluster_metrics(summed, tiny_sectors, StarParameters(year=2020))
    assert np.isnan(_row(m, "ab", "X").growth)  # not a fake jump from 50 to 300


def test_star_summary_counts_starred_clusters(tiny_panel, tiny_sectors):
    m = cluster_metrics(tiny_panel, tiny_sectors, StarParameters(year=2020))
    summary = star_summary(m, [RegionOfAnalysis("A", "Region A", ("A",))], {"Y": "Sector Y"})
    row = summary.iloc[0]
    # A's traded clusters: X (2 stars), Y (size, specialisation, and the productivity tie:
    # 3 stars; its 0 % growth earns no dynamism star); Z is emerging, not in the summary.
    assert row.clusters == 2 and row.starred == 2
    assert row.top_clusters == "Sector Y (***), X (**)"


# --- properties ---------------------------------------------------------------------------------

counts = st.integers(min_value=1, max_value=50_000)


@st.composite
def panels(draw):
    n_regions = draw(st.integers(2, 6))
    n_sectors = draw(st.integers(1, 5))
    rows = []
    for r in range(n_regions):
        for s in range(n_sectors):
            for year in (2015, 2020):
                rows.append((f"R{r}", f"S{s}", year, draw(counts), draw(counts) * 1000))
    return pd.DataFrame(rows, columns=["region", "sector", "year", "employment", "wages"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels())
def test_employment_weighted_mean_lq_of_a_sector_is_one(panel):
    m = cluster_metrics(panel, None, StarParameters(year=2020))
    weights = m.region_employment / m.groupby("sector").region_employment.transform("sum")
    weighted = (weights * m.lq).groupby(m.sector).sum()
    assert np.allclose(weighted.to_numpy(), 1.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels(), st.data())
def test_union_equals_data_summed_first(panel, data):
    regions = sorted(panel.region.unique())
    members = data.draw(st.lists(st.sampled_from(regions), min_size=2, unique=True))
    union = RegionOfAnalysis("U", "Union", tuple(members))
    via_union = cluster_metrics(aggregate_regions(panel, [union]), None, StarParameters(year=2020))
    summed = panel.assign(region=panel.region.where(~panel.region.isin(members), "U"))
    summed = summed.groupby(["region", "sector", "year"], as_index=False)[
        ["employment", "wages"]
    ].sum()
    direct = cluster_metrics(summed, None, StarParameters(year=2020))
    cols = ["region", "sector", "employment", "share", "lq", "wage_per_employee", "growth", "stars"]
    pd.testing.assert_frame_equal(via_union[cols], direct[cols], check_dtype=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(panel, rnd):
    order = list(range(len(panel)))
    rnd.shuffle(order)
    a = cluster_metrics(panel, None, StarParameters(year=2020))
    b = cluster_metrics(panel.iloc[order].reset_index(drop=True), None, StarParameters(year=2020))
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(panels())
def test_size_star_goes_to_the_top_tenth_of_regions(panel):
    m = cluster_metrics(panel, None, StarParameters(year=2020))
    for _, group in m.groupby("sector"):
        k = math.ceil(0.10 * len(group))
        threshold = sorted(group.employment, reverse=True)[k - 1]
        expected = (group.employment >= threshold).astype(int).tolist()
        assert group.size_star.astype(int).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.one_of(st.none(), st.integers(0, 5))),
        min_size=1,
        max_size=40,
    )
)
def test_size_rank_equals_pandas_min_rank(pairs):
    from toolkit.metrics import _rank_descending

    groups = np.array([g for g, _ in pairs])
    values = np.array([np.nan if v is None else float(v) for _, v in pairs])
    expected = pd.Series(values).groupby(groups).rank(method="min", ascending=False)
    np.testing.assert_array_equal(_rank_descending(values, groups), expected.to_numpy())


@settings(max_examples=40, deadline=None)
@given(panels())
def test_size_percentile_is_the_share_of_regions_at_or_below(panel):
    m = cluster_metrics(panel, None, StarParameters(year=2020))
    for _, group in m.groupby("sector"):
        values = group.employment.to_numpy()
        expected = [(values <= v).mean() for v in values]
        np.testing.assert_allclose(group.size_percentile.to_numpy(), expected)
