"""Relatedness, opportunities, partners and near misses against small hand-worked examples.

The running example: regions DE11, DE12, FR10, ITC1 and traded sectors X, Y, Z, W (plus an
emerging industry E). With LQ >= 1 the specialisation matrix M is

            X  Y  Z  W
    DE11    1  1  0  0      (LQ 1.2, 1.5, 0.4, 0.1)
    DE12    1  0  1  0      (LQ 1.0 exactly counts, 0.8, 3.0, 0.5)
    FR10    0  1  0  0      (LQ 0.9, 1.1, 0.2, 0.7)
    ITC1    1  1  0  0      (LQ 1.4, 1.0 exactly, 0.9, 0.6)

u = column sums = X 3, Y 3, Z 1, W 0. C = M^T M: C[X,Y] = 2 (DE11, ITC1), C[X,Z] = 1 (DE12),
C[Y,Z] = 0. phi = C / max(u_i, u_j): phi[X,Y] = 2/3, phi[X,Z] = 1/3, phi[Y,Z] = 0; diagonal
1 for X, Y, Z; W (nobody specialised) 0 throughout. Column sums of phi: X 1 + 2/3 + 1/3 = 2,
Y 2/3 + 1 = 5/3, Z 1/3 + 1 = 4/3, W 0.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit import paths
from toolkit.errors import BadInputError, UnknownRegionError
from toolkit.metrics import cluster_metrics
from toolkit.opportunities import (
    diversification_opportunities,
    load_relatedness,
    near_misses,
    partner_regions,
    proximity,
    relatedness_density,
    specialisation_changes,
    specialisation_matrix,
    star_sensitivity,
    us_cmp_relatedness,
)
from toolkit.parameters import StarParameters

REGIONS = ["DE11", "DE12", "FR10", "ITC1"]
SECTORS = ["W", "X", "Y", "Z"]  # sorted, as the matrices come out
LQ = {
    "DE11": {"X": 1.2, "Y": 1.5, "Z": 0.4, "W": 0.1, "E": 2.0},
    "DE12": {"X": 1.0, "Y": 0.8, "Z": 3.0, "W": 0.5, "E": 2.0},
    "FR10": {"X": 0.9, "Y": 1.1, "Z": 0.2, "W": 0.7, "E": 2.0},
    "ITC1": {"X": 1.4, "Y": 1.0, "Z": 0.9, "W": 0.6, "E": 2.0},
}
EMPLOYMENT = {"DE11": 1000.0, "DE12": 500.0, "FR10": 200.0, "ITC1": 300.0}  # in every sector


def _metrics(lq: dict, stars: dict | None = None, year: int = 2020) -> pd.DataFrame:
    stars = stars or {}
    rows = [
        {
            "region": region,
            "sector": sector,
            "sector_type": "emerging" if sector == "E" else "traded",
            "year": year,
            "employment": EMPLOYMENT.get(region, 100.0),
            "lq": value,
            "stars": stars.get((region, sector), 0),
        }
        for region, by_sector in lq.items()
        for sector, value in by_sector.items()
    ]
    return pd.DataFrame(rows)


PHI = np.array(  # rows and columns W, X, Y, Z
    [
        [0, 0, 0, 0],
        [0, 1, 2 / 3, 1 / 3],
        [0, 2 / 3, 1, 0],
        [0, 1 / 3, 0, 1],
    ]
)


# --- specialisation, proximity, density ------------------------------------------------------


def test_specialisation_matrix_counts_lq_of_exactly_one_and_drops_emerging():
    M = specialisation_matrix(_metrics(LQ))
    assert list(M.index) == REGIONS and list(M.columns) == SECTORS
    expected = [[0, 1, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0], [0, 1, 1, 0]]
    np.testing.assert_array_equal(M.to_numpy(), expected)
    with_emerging = specialisation_matrix(_metrics(LQ), sector_types=None)
    assert with_emerging["E"].tolist() == [1, 1, 1, 1]  # LQ 2 everywhere


def test_proximity_is_the_minimum_conditional_probability():
    phi = proximity(specialisation_matrix(_metrics(LQ)))
    np.testing.assert_allclose(phi.to_numpy(), PHI)
    assert list(phi.index) == SECTORS


def test_density_is_the_share_of_relatedness_in_specialised_sectors():
    M = specialisation_matrix(_metrics(LQ))
    density = relatedness_density(M, proximity(M))
    # DE11 (X, Y): X (1 + 2/3) / 2 = 5/6; Y (2/3 + 1) / (5/3) = 1; Z (1/3 + 0) / (4/3) = 1/4
    assert density.loc["DE11", "X"] == pytest.approx(5 / 6)
    assert density.loc["DE11", "Y"] == pytest.approx(1.0)
    assert density.loc["DE11", "Z"] == pytest.approx(1 / 4)
    # DE12 (X, Z): Y = phi[X,Y] / (5/3) = (2/3) / (5/3) = 2/5
    assert density.loc["DE12", "Y"] == pytest.approx(2 / 5)
    # FR10 (Y only): X = (2/3) / 2 = 1/3; Z = phi[Y,Z] / (4/3) = 0
    assert density.loc["FR10", "X"] == pytest.approx(1 / 3)
    assert density.loc["FR10", "Z"] == 0
    # W has no relatedness at all: no density
    assert density["W"].isna().all()


def test_density_uses_only_the_sectors_phi_knows():
    M = specialisation_matrix(_metrics(LQ))
    phi = proximity(M).loc[["X", "Y"], ["X", "Y"]]
    density = relatedness_density(M, phi)
    # FR10, X over {X, Y}: phi[Y,X] / (phi[X,X] + phi[Y,X]) = (2/3) / (5/3) = 2/5
    assert density.loc["FR10", "X"] == pytest.approx(2 / 5)
    assert density[["W", "Z"]].isna().all().all()


def test_proximity_rejects_a_matrix_that_is_not_zero_one():
    M = specialisation_matrix(_metrics(LQ)).astype(float) * 2
    with pytest.raises(BadInputError, match="only 0 and 1"):
        proximity(M)


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside ecomplexity
def test_proximity_agrees_with_py_ecomplexity_on_a_random_panel():
    ecomplexity = pytest.importorskip("ecomplexity")
    rng = np.random.default_rng(3)
    n_regions, n_sectors = 25, 8
    panel = pd.DataFrame(
        {
            "region": np.repeat([f"R{i:02d}" for i in range(n_regions)], n_sectors),
            "sector": np.tile([f"S{j}" for j in range(n_sectors)], n_regions),
            "year": 2020,
            "employment": rng.integers(1, 1000, n_regions * n_sectors).astype(float),
        }
    )
    metrics = cluster_metrics(panel)  # all sectors traded, all regions in the reference
    M = specialisation_matrix(metrics)
    assert (M.sum() > 0).all()  # py-ecomplexity drops sectors without specialised regions
    phi = proximity(M)
    cols = {"time": "year", "loc": "region", "prod": "sector", "val": "employment"}
    theirs = ecomplexity.proximity(panel, cols)
    theirs = theirs.pivot(index="sector_1", columns="sector_2", values="proximity")
    np.testing.assert_allclose(phi.to_numpy(), theirs.loc[phi.index, phi.columns].to_numpy())
    with pytest.warns(UserWarning):  # its log-supermodularity check, irrelevant here
        full = ecomplexity.ecomplexity(panel, cols)
    density = relatedness_density(M, phi).stack().rename("ours").reset_index()
    both = density.merge(full, on=["region", "sector"])
    np.testing.assert_allclose(both["ours"], both["density"])


# --- external relatedness --------------------------------------------------------------------


def test_load_relatedness_reads_ordered_pairs(tmp_path):
    file = tmp_path / "rel.csv"
    file.write_text("sector_a,sector_b,relatedness\nX,Y,0.5\nY,X,0.25\nZ,Z,0.8\n")
    phi = load_relatedness(file, ["X", "Y", "Z"])
    expected = [
        [1.0, 0.5, 0.0],  # X: diagonal not listed -> 1; X->Y 0.5; X->Z not listed -> 0
        [0.25, 1.0, 0.0],
        [0.0, 0.0, 0.8],  # Z,Z given in the file
    ]
    np.testing.assert_allclose(phi.to_numpy(), expected)


def test_load_relatedness_names_file_row_and_column_of_every_problem(tmp_path):
    file = tmp_path / "rel.csv"
    file.write_text(
        "sector_a,sector_b,relatedness\n"
        "X,Y,0.5\n"  # row 2 fine
        "X,Q,0.5\n"  # row 3 unknown sector Q
        "Y,X,high\n"  # row 4 not a number
        "X,Y,0.7\n"  # row 5 duplicate of row 2
        "Y,Z,-1\n"  # row 6 negative
    )
    with pytest.raises(BadInputError) as caught:
        load_relatedness(file, pd.DataFrame({"code": ["X", "Y", "Z"]}))
    message = str(caught.value)
    assert "4 problems" in message
    assert f"{file}, row 3, column 'sector_b': unknown sector 'Q'" in message
    assert "row 4, column 'relatedness'" in message and "'high'" in message
    assert "row 5, column 'sector_b': pair (X, Y) listed twice (first at row 2)" in message
    assert "row 6, column 'relatedness'" in message


def test_load_relatedness_requires_its_columns(tmp_path):
    file = tmp_path / "rel.csv"
    file.write_text("a,b,value\nX,Y,1\n")
    with pytest.raises(BadInputError, match="column 'sector_a'"):
        load_relatedness(file, ["X", "Y"])


def test_us_cmp_reference_copy_is_the_shared_file_byte_for_byte():
    # sha256 recorded in /work/shared/data/README.md for us_cmp_related_clusters.csv
    data = (paths.reference_dir() / "us_cmp_related_clusters.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == (
        "7773d0e110f2bcaf9c1dc59ff2ef189524e130c4f47cdd69caf1f55be062a484"
    )


def test_us_cmp_relatedness_maps_clusters_to_tc_codes():
    phi = us_cmp_relatedness()
    assert list(phi.index) == [f"TC{k:02d}" for k in range(1, 52)]
    values = phi.to_numpy()
    assert set(np.unique(values)) == {0.0, 1.0}
    np.testing.assert_array_equal(np.diag(values), np.ones(51))
    # the README: 256 ordered pairs with rel_all_90_v3 = 1, none of them a self-pair
    assert values.sum() - 51 == 256
    np.testing.assert_array_equal(values, values.T)
    assert phi.loc["TC03", "TC39"] == 1  # Apparel - Printing Services, row 4 of the file
    assert phi.loc["TC01", "TC03"] == 0


def test_us_cmp_percentile_measure_scales_to_zero_one():
    phi = us_cmp_relatedness(measure="cr_all_pc")
    assert phi.loc["TC03", "TC39"] == pytest.approx(0.99)  # cr_all_pc 99 in the file
    assert phi.to_numpy().min() >= 0 and phi.to_numpy().max() <= 1


def test_us_cmp_relatedness_refuses_names_that_do_not_match_our_codes(tmp_path):
    source = paths.reference_dir() / "us_cmp_related_clusters.csv"
    text = source.read_text(encoding="utf-8").replace(
        "3_39,Apparel,Printing Services", "3_39,Apparel,Printing"
    )
    file = tmp_path / "cmp.csv"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(BadInputError, match="row 4, column 'cluster_name_2': cluster TC39"):
        us_cmp_relatedness(file)


# --- opportunities and changes ---------------------------------------------------------------


def test_opportunities_rank_unspecialised_sectors_by_density_with_reasons():
    metrics = _metrics(LQ)
    phi = proximity(specialisation_matrix(metrics))
    # DE12 is specialised in X and Z; only Y is a candidate (W has no density):
    # density 2/5 (see above), because of X (phi 2/3); Z adds nothing (phi[Z,Y] = 0).
    result = diversification_opportunities(metrics, phi, "DE12", names={"X": "Sector X"})
    assert result["sector"].tolist() == ["Y"]
    row = result.iloc[0]
    assert row["density"] == pytest.approx(2 / 5)
    assert row["related_1"] == "X" and row["phi_1"] == pytest.approx(2 / 3)
    assert row["related_2"] is None and np.isnan(row["phi_2"])
    assert row["because"] == "Sector X (0.67)"
    assert row["employment"] == 500 and row["lq"] == 0.8


def test_opportunities_order_by_density_then_employment():
    metrics = _metrics(LQ)
    phi = proximity(specialisation_matrix(metrics))
    # FR10 (Y only): X density 1/3 because of Y (2/3); Z density 0, no reason.
    result = diversification_opportunities(metrics, phi, "FR10")
    assert result["sector"].tolist() == ["X", "Z"]
    assert result["rank"].tolist() == [1, 2]
    assert result["density"].tolist() == pytest.approx([1 / 3, 0])
    assert result["because"].tolist() == ["Y (0.67)", ""]
    with pytest.raises(UnknownRegionError):
        diversification_opportunities(metrics, phi, "XX99")


def test_entries_and_exits_between_two_years():
    start = _metrics(LQ, year=2015)
    later = {region: dict(values) for region, values in LQ.items()}
    later["DE11"]["Z"] = 1.3  # 0.4 -> 1.3: entry
    later["FR10"]["Y"] = 0.95  # 1.1 -> 0.95: exit
    later["DE12"]["X"] = 0.99  # exactly 1.0 -> 0.99: exit
    later["ITC1"]["W"] = 1.0  # 0.6 -> exactly 1.0: entry
    later["ITC1"]["E"] = 0.5  # emerging: ignored
    later["SE11"] = {"X": 1.5}  # new region: no LQ before -> entry
    changes = specialisation_changes(start, _metrics(later, year=2020))
    got = list(zip(changes["region"], changes["sector"], changes["change"], strict=True))
    assert got == [
        ("DE11", "Z", "entry"),
        ("DE12", "X", "exit"),
        ("FR10", "Y", "exit"),
        ("ITC1", "W", "entry"),
        ("SE11", "X", "entry"),
    ]
    assert changes["lq_start"].tolist()[:4] == [0.4, 1.0, 1.1, 0.6]
    assert np.isnan(changes["lq_start"].iloc[4])
    assert changes["lq_end"].tolist() == [1.3, 0.99, 0.95, 1.0, 1.5]
    assert set(changes["year_start"]) == {2015} and set(changes["year_end"]) == {2020}


# --- partner regions -------------------------------------------------------------------------


def _partner_metrics() -> pd.DataFrame:
    # FR10 has a star in Z although its LQ there is 0.2 (say a size star): strong in Z.
    metrics = _metrics(LQ, stars={("FR10", "Z"): 1})
    return metrics


def test_complementary_partners_bring_what_the_region_lacks():
    # DE11, sector X. phi[X,.] = Y 2/3, Z 1/3, W 0 -> K = X, Y, Z.
    # strong (LQ >= 1 or a star) on X, Y, Z: DE11 1 1 0; DE12 1 0 1; FR10 0 1 1; ITC1 1 1 0.
    # DE12: brings Z (offer 1), gets Y (need 1): score (1 + 1) / 3 = 2/3.
    # FR10: brings Z (offer 1), gets X (need 1): score 2/3. Tie: DE12 employs more (500 > 200).
    # ITC1 brings nothing: not a complementary partner.
    result = partner_regions(_partner_metrics(), "DE11", "X")
    comp = result[result["partnership"] == "complementary"]
    assert comp["region"].tolist() == ["DE12", "FR10"]
    assert comp["score"].tolist() == pytest.approx([2 / 3, 2 / 3])
    assert comp["partner_brings"].tolist() == ["Z", "Z"]
    assert comp["region_brings"].tolist() == ["Y", "X"]
    assert comp["related_sectors"].iloc[0] == "Y, Z"
    assert comp["country"].tolist() == ["DE", "FR"]
    assert comp.iloc[1][["employment", "lq", "stars"]].tolist() == [200, 0.9, 0]


def test_similar_partners_by_cosine_of_lq_over_the_sector_and_related_ones():
    # LQ over X, Y, Z: DE11 (1.2, 1.5, 0.4), DE12 (1.0, 0.8, 3.0), FR10 (0.9, 1.1, 0.2),
    # ITC1 (1.4, 1.0, 0.9). |DE11|^2 = 1.44 + 2.25 + 0.16 = 3.85.
    # FR10: (1.08 + 1.65 + 0.08) / sqrt(3.85 * (0.81 + 1.21 + 0.04)) = 2.81 / sqrt(3.85 * 2.06)
    # ITC1: (1.68 + 1.50 + 0.36) / sqrt(3.85 * (1.96 + 1.00 + 0.81)) = 3.54 / sqrt(3.85 * 3.77)
    # DE12: (1.20 + 1.20 + 1.20) / sqrt(3.85 * (1.00 + 0.64 + 9.00)) = 3.60 / sqrt(3.85 * 10.64)
    result = partner_regions(_partner_metrics(), "DE11", "X")
    similar = result[result["partnership"] == "similar"]
    assert similar["region"].tolist() == ["FR10", "ITC1", "DE12"]
    assert similar["rank"].tolist() == [1, 2, 3]
    assert similar["score"].tolist() == pytest.approx(
        [
            2.81 / math.sqrt(3.85 * 2.06),
            3.54 / math.sqrt(3.85 * 3.77),
            3.60 / math.sqrt(3.85 * 10.64),
        ]
    )
    assert similar["shared"].tolist() == ["Y", "X, Y", "X"]


def test_partners_can_leave_out_the_own_country_and_use_a_country_map():
    result = partner_regions(_partner_metrics(), "DE11", "X", exclude_same_country=True)
    assert "DE12" not in set(result["region"])
    comp = result[result["partnership"] == "complementary"]
    assert comp["region"].tolist() == ["FR10"]
    # A map that puts FR10 in Germany too: only ITC1 is left, and it brings nothing.
    mapped = partner_regions(
        _partner_metrics(), "DE11", "X", country={"FR10": "DE"}, exclude_same_country=True
    )
    assert mapped["region"].tolist() == ["ITC1"]  # similar only


def test_partners_take_the_related_sectors_from_the_given_phi():
    # With only X and Y related (phi[X,Y] = 1), K = X, Y. DE11 is strong in both, so no
    # partner can bring anything: no complementary partner. `related=0` keeps only X.
    phi = pd.DataFrame(np.eye(4), index=SECTORS, columns=SECTORS)
    phi.loc["X", "Y"] = phi.loc["Y", "X"] = 1.0
    result = partner_regions(_partner_metrics(), "DE11", "X", phi=phi)
    assert result.attrs["sectors_that_count"] == ["X", "Y"]
    assert (result["partnership"] == "complementary").sum() == 0
    only_x = partner_regions(_partner_metrics(), "DE11", "X", phi=phi, related=0)
    assert only_x.attrs["sectors_that_count"] == ["X"]


# --- near misses -----------------------------------------------------------------------------

NEAR_PARAMS = StarParameters(
    size_top_share=0.5,
    productivity_top_share=0.25,
    dynamism_top_share=0.5,
    specialisation_min_lq=2.0,
    min_employment=100,
)


def _star_metrics() -> pd.DataFrame:
    # One sector X, four reference regions. Stars as cluster_metrics would award them:
    # size: k = ceil(0.5 * 4) = 2, 2nd largest employment = 2,000 -> DE12 (3,000), FR10.
    # specialisation LQ >= 2: DE12 (2.5); ITC1 (3.0) has 50 persons < 100: no star at all.
    # productivity: 3 regions with wages, k = ceil(0.25 * 3) = 1 -> 52,000 (FR10).
    # dynamism: k = 2, 2nd largest growth = 0.03 (ITC1) -> DE12 (0.05); ITC1 ineligible.
    return pd.DataFrame(
        {
            "region": ["DE11", "DE12", "FR10", "ITC1"],
            "sector": "X",
            "sector_type": "traded",
            "employment": [1000.0, 3000.0, 2000.0, 50.0],
            "lq": [1.86, 2.5, 0.5, 3.0],
            "wage_per_employee": [40_000.0, 35_000.0, 52_000.0, np.nan],
            "growth": [0.02, 0.05, -0.01, 0.03],
            "size_star": pd.array([0, 1, 1, 0], dtype="Int8"),
            "specialisation_star": pd.array([0, 1, 0, 0], dtype="Int8"),
            "productivity_star": pd.array([0, 0, 1, pd.NA], dtype="Int8"),
            "dynamism_star": pd.array([0, 1, 0, 0], dtype="Int8"),
            "in_reference": True,
        }
    )


def test_near_misses_give_the_distance_to_each_threshold_in_reader_units():
    result = near_misses(_star_metrics(), NEAR_PARAMS).set_index(["region", "star"])
    # size: DE11 2,000 - 1,000 = 1,000 persons; ITC1 2,000 - 50 = 1,950
    assert result.loc[("DE11", "size"), ["threshold", "gap"]].tolist() == [2000, 1000]
    assert result.loc[("DE11", "size"), "text"] == (
        "needs 1,000 more persons employed for the size star"
    )
    assert result.loc[("ITC1", "size"), "gap"] == 1950
    # specialisation: DE11 2.0 - 1.86 = 0.14; FR10 2.0 - 0.5 = 1.5
    assert result.loc[("DE11", "specialisation"), "gap"] == pytest.approx(0.14)
    assert result.loc[("DE11", "specialisation"), "text"] == (
        "LQ 1.86: 0.14 below the specialisation star"
    )
    assert result.loc[("FR10", "specialisation"), "gap"] == pytest.approx(1.5)
    # ITC1 has LQ 3.0 >= 2 but only 50 persons (minimum 100): gap 0, says why
    assert result.loc[("ITC1", "specialisation"), "gap"] == 0
    assert "below the minimum of 100 persons" in result.loc[("ITC1", "specialisation"), "text"]
    # productivity: threshold 52,000; DE11 12,000 and DE12 17,000 EUR more; ITC1 no wages
    assert result.loc[("DE11", "productivity"), "gap"] == pytest.approx(12_000)
    assert result.loc[("DE12", "productivity"), "gap"] == pytest.approx(17_000)
    assert ("ITC1", "productivity") not in result.index
    assert "EUR 12,000 more" in result.loc[("DE11", "productivity"), "text"]
    # dynamism in % a year: threshold 3.0; DE11 3.0 - 2.0 = 1.0 pp; FR10 3.0 - (-1.0) = 4.0
    assert result.loc[("DE11", "dynamism"), ["value", "threshold"]].tolist() == pytest.approx(
        [2.0, 3.0]
    )
    assert result.loc[("DE11", "dynamism"), "gap"] == pytest.approx(1.0)
    assert result.loc[("FR10", "dynamism"), "gap"] == pytest.approx(4.0)
    assert result.loc[("DE11", "dynamism"), "text"].startswith("needs 1.0 percentage points")
    # earned stars give no row
    assert ("DE12", "size") not in result.index and ("FR10", "productivity") not in result.index


def test_near_miss_dynamism_asks_for_positive_growth():
    metrics = _star_metrics()
    # Every growth <= 0: the 2nd largest is -0.01, but the star needs growth > 0.
    metrics["growth"] = [-0.02, -0.01, -0.03, 0.0]
    metrics["dynamism_star"] = pd.array([0, 0, 0, 0], dtype="Int8")
    result = near_misses(metrics, NEAR_PARAMS).set_index(["region", "star"])
    row = result.loc[("DE11", "dynamism")]
    assert row["threshold"] == 0 and row["gap"] == pytest.approx(2.0)  # 0 - (-2.0) pp
    assert row["text"] == "needs positive growth for the dynamism star (now -2.0 % a year)"


def test_near_miss_below_the_floor_and_a_threshold_says_both():
    metrics = _star_metrics()
    metrics.loc[3, "lq"] = 1.9  # ITC1: 50 persons (minimum 100) and LQ 0.10 below 2
    result = near_misses(metrics, NEAR_PARAMS).set_index(["region", "star"])
    assert result.loc[("ITC1", "specialisation"), "text"] == (
        "LQ 1.90: 0.10 below the specialisation star (and employment, 50, is below the "
        "minimum of 100 persons for any star)"
    )
    assert not result.loc[("ITC1", "specialisation"), "eligible"]
    assert result.loc[("ITC1", "specialisation"), "employment"] == 50
    # the size threshold includes the floor, so its text needs no addition
    assert result.loc[("ITC1", "size"), "text"] == (
        "needs 1,950 more persons employed for the size star"
    )
    assert result.loc[("DE11", "specialisation"), "eligible"]


def test_near_misses_row_count():
    result = near_misses(_star_metrics(), NEAR_PARAMS)
    # not earned and assessable: size DE11, ITC1; specialisation DE11, FR10, ITC1;
    # productivity DE11, DE12; dynamism DE11, FR10, ITC1 -> 10 rows
    assert len(result) == 10
    assert result["star"].tolist()[:4] == ["size", "specialisation", "productivity", "dynamism"]


def test_near_miss_thresholds_follow_the_stars_of_cluster_metrics():
    rng = np.random.default_rng(11)
    regions = [f"R{i:02d}" for i in range(37)]
    rows = [
        (r, s, y, float(rng.integers(0, 5000)), float(rng.integers(1, 5000)) * 30_000)
        for r in regions
        for s in ("S1", "S2", "S3")
        for y in (2015, 2020)
    ]
    panel = pd.DataFrame(rows, columns=["region", "sector", "year", "employment", "wages"])
    params = StarParameters(
        size_top_share=0.2, min_employment=500, reference_regions=tuple(regions[:25])
    )
    metrics = cluster_metrics(panel, None, params)
    result = near_misses(metrics, params)
    for star, column in (("size", "size_star"), ("dynamism", "dynamism_star")):
        missed = result[result["star"] == star].set_index(["region", "sector"])
        earned = metrics.set_index(["region", "sector"])[column]
        # every eligible cluster without the star is strictly below the threshold...
        eligible = metrics.set_index(["region", "sector"])["employment"] >= 500
        below = missed["gap"] > 0
        assert below[eligible.reindex(missed.index)].all(), star
        # ...and every cluster with the star has no row
        assert not set(earned[earned == 1].index) & set(missed.index), star


# --- sensitivity -----------------------------------------------------------------------------


def test_star_sensitivity_counts_stars_under_looser_thresholds(tiny_panel, tiny_sectors):
    # tiny_panel, 2020 against 2015, with A-Y grown from 250 (not 300) in 2015 so that one Y
    # cluster grows. Base sectors X, Y (Z is emerging and not counted).
    # LQ 2020: A,X 0.4; A,Y 2.0; B,X 0.8; B,Y 4/3; C,X 1.4; C,Y 1/3 (region totals 400, 400,
    # 800; Europe shares X 1,000 / 1,600, Y 600 / 1,600).
    # 3 regions: top 10 % -> k = 1 (the largest). Size: X C (700), Y A (300). Wages per
    # employee: X A 50,000 > C 40,000 > B 30,000; Y 30,000 everywhere (a tie: all three).
    # Growth: X A (50 -> 100) only, Y A (250 -> 300) only; the others 0.
    # Default: A X prod + dyn = 2, Y size + spec + prod + dyn = 4 -> 6; B Y prod -> 1;
    # C X size, Y prod -> 2. With LQ >= 1.3, B,Y (1.33) and C,X (1.4) gain the spec star.
    panel = tiny_panel.copy()
    a_y_2015 = (panel.region == "A") & (panel.sector == "Y") & (panel.year == 2015)
    panel.loc[a_y_2015, "employment"] = 250
    variants = {"default": {}, "LQ >= 1.3": {"specialisation_min_lq": 1.3}}
    params = StarParameters(year=2020, span_years=5)
    result = star_sensitivity(panel, params, tiny_sectors, variants=variants)
    table = result.set_index(["region", "variant"])
    assert table.loc[("A", "default"), "stars"] == 6
    assert table.loc[("B", "default"), "stars"] == 1
    assert table.loc[("C", "default"), "stars"] == 2
    assert table.loc[("A", "LQ >= 1.3"), ["stars", "change"]].tolist() == [6, 0]
    assert table.loc[("B", "LQ >= 1.3"), ["stars", "change"]].tolist() == [2, 1]
    assert table.loc[("C", "LQ >= 1.3"), ["stars", "change"]].tolist() == [3, 1]
    assert table.loc[("A", "default"), "starred_clusters"] == 2
    assert table.loc[("B", "default"), "starred_clusters"] == 1
    assert table.loc[("C", "LQ >= 1.3"), "specialisation_stars"] == 1
    assert table.loc[("A", "default"), "dynamism_stars"] == 2
    # star clusters (>= 2 stars): A X (2) and Y (4); with LQ >= 1.3, B Y (prod + spec) and
    # C X (size + spec) reach 2
    assert table.loc[("A", "default"), "star_clusters"] == 2
    assert table.loc[("B", "default"), "star_clusters"] == 0
    assert table.loc[("B", "LQ >= 1.3"), "star_clusters"] == 1
    assert table.loc[("C", "default"), "star_clusters"] == 0
    assert table.loc[("C", "LQ >= 1.3"), "star_clusters"] == 1
    strict = star_sensitivity(panel, params, tiny_sectors, variants=variants, min_stars=4)
    assert strict.set_index(["region", "variant"]).loc[("A", "default"), "star_clusters"] == 1


def test_star_sensitivity_base_only_leaves_out_what_the_totals_leave_out(tiny_panel, tiny_sectors):
    # Z is an emerging industry (base False in the metrics): with every sector type allowed,
    # base_only gives the counts of the default selection (traded and other types).
    params = StarParameters(year=2020, span_years=5)
    variants = {"default": {}}
    by_type = star_sensitivity(tiny_panel, params, tiny_sectors, variants=variants)
    by_base = star_sensitivity(
        tiny_panel, params, tiny_sectors, variants=variants, sector_types=None, base_only=True
    )
    everything = star_sensitivity(
        tiny_panel, params, tiny_sectors, variants=variants, sector_types=None
    )
    pd.testing.assert_frame_equal(by_base, by_type)
    # A is the only region with Z (largest, only grower): Z adds stars when nothing filters it
    a = everything.set_index("region").loc["A", "stars"]
    assert a > by_type.set_index("region").loc["A", "stars"]


def test_star_sensitivity_default_variants_and_refuses_a_metrics_table(tiny_panel, tiny_sectors):
    params = StarParameters(year=2020, span_years=5)
    result = star_sensitivity(tiny_panel, params, tiny_sectors)
    assert result["variant"].unique().tolist() == [
        "default",
        "top 20 %",
        "LQ >= 1.5",
        "top 20 % and LQ >= 1.5",
    ]
    assert len(result) == 3 * 4
    metrics = cluster_metrics(tiny_panel, tiny_sectors, params)
    with pytest.raises(BadInputError, match="needs the cluster panel"):
        star_sensitivity(metrics, params)


def test_module_reads_no_file_outside_its_loaders():
    source = Path(__file__).parents[1] / "toolkit" / "opportunities.py"
    text = source.read_text(encoding="utf-8")
    assert "print(" not in text
    assert text.count("read_table(") == 2  # the two loaders
