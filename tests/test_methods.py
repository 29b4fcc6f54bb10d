"""Method presets: loading, and the flags of eocic, eco and us-cmp worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.errors import BadInputError
from toolkit.methods import (
    LEVELS,
    apply_method,
    describe_method,
    known_methods,
    load_method,
)
from toolkit.metrics import STAR_COLUMNS, cluster_metrics

COLUMNS = ["region", "sector", "sector_type", "employment", "enterprises", "share", "lq"]


def metrics_frame(rows, *, in_reference=None) -> pd.DataFrame:
    """A hand-made metrics table; ``in_reference`` lists the regions outside the reference."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["in_reference"] = ~frame["region"].isin(in_reference or [])
    return frame


def flags(result: pd.DataFrame, sector: str, column: str) -> dict[str, bool]:
    rows = result[result["sector"] == sector]
    return dict(zip(rows["region"], rows[column].tolist(), strict=True))


def true_regions(result: pd.DataFrame, sector: str, column: str) -> set[str]:
    return {region for region, flag in flags(result, sector, column).items() if flag}


# --- loading --------------------------------------------------------------------------------


def test_default_method_is_eocic_and_the_three_presets_are_known():
    assert load_method(None).name == "eocic"
    assert {"eocic", "eco", "us-cmp"} <= set(known_methods())
    eco = load_method("eco")
    assert eco.kind == "stars" and eco.criteria == (
        "size_star",
        "specialisation_star",
        "focus_star",
    )
    assert dict(eco.thresholds) == {
        "size_top_share": 0.10,
        "specialisation_min_lq": 2.0,
        "focus_top_share": 0.10,
    }
    us = load_method("us-cmp")
    assert us.kind == "levels" and us.criteria == LEVELS
    assert us.thresholds["strong10_lq_quantile"] == 0.90 and us.thresholds["strong_min_lq"] == 1


def test_unknown_method_names_the_value_and_lists_the_known_methods():
    with pytest.raises(BadInputError) as info:
        load_method("oecd")
    text = str(info.value)
    assert "'oecd'" in text
    assert "eco, eocic, us-cmp" in text


def test_methods_are_found_through_the_parameters_folder(tmp_path, monkeypatch):
    folder = tmp_path / "methods"
    folder.mkdir()
    (folder / "eco-5.yaml").write_text(
        "name: eco-5\ntitle: ECO at 5 %\nrule: Stars at 5 %.\nkind: stars\nscheme: eco\n"
        "thresholds:\n  size_top_share: 0.05\n"
    )
    monkeypatch.setenv("EOCIC_PARAMETERS", str(tmp_path))
    assert known_methods() == ["eco-5"]
    method = load_method("eco-5")
    # The keys not given keep the scheme's defaults.
    assert dict(method.thresholds) == {
        "size_top_share": 0.05,
        "specialisation_min_lq": 2.0,
        "focus_top_share": 0.10,
    }
    with pytest.raises(BadInputError, match="known methods: eco-5"):
        load_method("eco")


def test_bad_keys_and_values_name_the_file_and_the_key(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: eco\ntitle: Mine\nrule: My rule.\nkind: levels\ncolour: red\n"
        "thresholds:\n  size_top_share: 1.5\n  focus_share: 0.1\n"
    )
    with pytest.raises(BadInputError) as info:
        load_method(str(path))
    problems = info.value.problems
    assert all(p.file == str(path) for p in problems)
    text = str(info.value)
    assert "'colour'" in text
    assert "'thresholds.size_top_share'" in text and "1.5" in text
    assert "'thresholds.focus_share'" in text
    assert "'kind' must be 'stars'" in text
    assert len(problems) == 4


def test_a_copy_with_another_name_must_say_its_scheme(tmp_path):
    path = tmp_path / "custom.yaml"
    path.write_text("name: custom\ntitle: T\nrule: R.\nkind: stars\n")
    with pytest.raises(BadInputError, match="'scheme' must be one of eocic, eco, us-cmp"):
        load_method(str(path))


def test_us_cmp_percentiles_must_not_decrease(tmp_path):
    path = tmp_path / "us.yaml"
    path.write_text(
        "name: us\ntitle: T\nrule: R.\nkind: levels\nscheme: us-cmp\n"
        "thresholds:\n  strong_lq_quantile: 0.95\n"  # above strong10's 0.90
    )
    with pytest.raises(BadInputError, match="must not decrease"):
        load_method(str(path))


def test_missing_title_and_rule_are_reported(tmp_path):
    path = tmp_path / "eco.yaml"
    path.write_text("name: eco\nkind: stars\n")
    with pytest.raises(BadInputError) as info:
        load_method(str(path))
    text = str(info.value)
    assert "'title' must be a non-empty text" in text and "'rule' must be a non-empty text" in text


# --- eocic ----------------------------------------------------------------------------------


def test_eocic_keeps_the_four_star_columns_and_their_not_assessed_values(tiny_panel, tiny_sectors):
    # Without wages the productivity star is not assessed (<NA>), which must survive.
    metrics = cluster_metrics(tiny_panel.drop(columns="wages"), tiny_sectors)
    result = apply_method(metrics, load_method("eocic"), min_employment=10_000)
    pd.testing.assert_frame_equal(result, metrics, check_like=False)
    assert result["productivity_star"].isna().all()
    assert str(result["size_star"].dtype) == "Int8"
    # The floor of apply_method is not used for eocic (cluster_metrics applies its own).
    assert result.attrs["method"]["min_employment"] is None
    assert result.attrs["method"]["criteria"] == list(STAR_COLUMNS)
    assert result.attrs["method"]["name"] == "eocic"
    assert result is not metrics


# --- eco ------------------------------------------------------------------------------------

# Sector X: 12 regions with a value, k = ceil(0.10 * 12) = ceil(1.2) = 2.
#   employment sorted: 900 (R01), 500 (R02), 500 (R03), 400, ... -> 2nd largest = 500, so
#   R01, R02 and R03 earn the size star (R02 and R03 tie at the threshold).
#   share sorted: 0.30 (R10), 0.20 (R02), 0.20 (R04), 0.10, ... -> threshold 0.20: R10, R02, R04.
#   lq >= 2: R02 (exactly 2.0), R04 (2.5), R10 (3.0).
# Sector Y (emerging, ranked among its own rows): 10 regions with a value (R11's employment is
#   missing and not counted), k = ceil(1.0) = 1: size star only R02 (800); focus star only
#   R05 (share 0.08); lq >= 2 only R03 (2.2).
ECO_ROWS = [
    ("R01", "X", "traded", 900, 50, 0.05, 1.5),
    ("R02", "X", "traded", 500, 40, 0.20, 2.0),
    ("R03", "X", "traded", 500, 30, 0.02, 0.5),
    ("R04", "X", "traded", 400, 20, 0.20, 2.5),
    ("R05", "X", "traded", 300, 20, 0.10, 1.9),
    ("R06", "X", "traded", 250, 10, 0.04, 0.8),
    ("R07", "X", "traded", 200, 10, 0.03, 0.6),
    ("R08", "X", "traded", 150, 10, 0.02, 0.5),
    ("R09", "X", "traded", 100, 5, 0.01, 0.3),
    ("R10", "X", "traded", 80, 5, 0.30, 3.0),
    ("R11", "X", "traded", 50, 2, 0.01, 0.2),
    ("R12", "X", "traded", 0, 0, 0.00, 0.0),
    ("R01", "Y", "emerging", 100, 5, 0.01, 0.4),
    ("R02", "Y", "emerging", 800, 30, 0.03, 1.8),
    ("R03", "Y", "emerging", 300, 10, 0.07, 2.2),
    ("R04", "Y", "emerging", 200, 8, 0.02, 0.9),
    ("R05", "Y", "emerging", 150, 6, 0.08, 1.9),
    ("R06", "Y", "emerging", 120, 5, 0.02, 0.7),
    ("R07", "Y", "emerging", 90, 4, 0.01, 0.5),
    ("R08", "Y", "emerging", 60, 3, 0.01, 0.4),
    ("R09", "Y", "emerging", 30, 2, 0.005, 0.2),
    ("R10", "Y", "emerging", 10, 1, 0.05, 1.0),
    ("R11", "Y", "emerging", np.nan, np.nan, np.nan, np.nan),
]


def test_eco_stars_with_ties_at_the_ten_percent_threshold():
    result = apply_method(metrics_frame(ECO_ROWS), load_method("eco"))
    assert true_regions(result, "X", "size_star") == {"R01", "R02", "R03"}
    assert true_regions(result, "X", "focus_star") == {"R02", "R04", "R10"}
    assert true_regions(result, "X", "specialisation_star") == {"R02", "R04", "R10"}
    assert true_regions(result, "Y", "size_star") == {"R02"}
    assert true_regions(result, "Y", "focus_star") == {"R05"}
    assert true_regions(result, "Y", "specialisation_star") == {"R03"}
    stars_x = flags(result, "X", "stars")
    assert stars_x == {
        "R01": 1, "R02": 3, "R03": 1, "R04": 2, "R05": 0, "R06": 0,
        "R07": 0, "R08": 0, "R09": 0, "R10": 2, "R11": 0, "R12": 0,
    }  # fmt: skip
    assert flags(result, "Y", "stars")["R11"] == 0
    for column in ("size_star", "specialisation_star", "focus_star"):
        assert result[column].dtype == bool
    assert result.attrs["method"]["criteria"] == ["size_star", "specialisation_star", "focus_star"]


def test_eco_ranks_only_the_reference_regions():
    # OUT (5000 persons) is outside the reference set: X still has 12 reference regions, k = 2,
    # threshold 500, so R02 and R03 keep their star and OUT, above it, earns one too. Had OUT
    # been counted (13 regions, k = 2) the threshold would be 900 and R02, R03 would lose it.
    rows = [*ECO_ROWS, ("OUT", "X", "traded", 5000, 100, 0.01, 1.0)]
    result = apply_method(metrics_frame(rows, in_reference=["OUT"]), load_method("eco"))
    assert true_regions(result, "X", "size_star") == {"R01", "R02", "R03", "OUT"}


def test_eco_floor_removes_small_clusters_without_moving_thresholds():
    result = apply_method(metrics_frame(ECO_ROWS), load_method("eco"), min_employment=450)
    # Thresholds stay those computed above; only the clusters below 450 persons lose stars.
    assert true_regions(result, "X", "size_star") == {"R01", "R02", "R03"}
    assert true_regions(result, "X", "focus_star") == {"R02"}  # R04 (400), R10 (80) below
    assert true_regions(result, "X", "specialisation_star") == {"R02"}
    assert true_regions(result, "Y", "size_star") == {"R02"}
    assert true_regions(result, "Y", "focus_star") == set()  # R05 has 150 persons
    assert flags(result, "X", "stars")["R04"] == 0
    assert result.attrs["method"]["min_employment"] == 450


def test_eco_size_and_specialisation_agree_with_the_eocic_stars(tiny_panel, tiny_sectors):
    # Same 10 % / LQ 2 rules as cluster_metrics: the two presets must agree on these stars.
    metrics = cluster_metrics(tiny_panel, tiny_sectors)
    result = apply_method(metrics, load_method("eco"))
    for column in ("size_star", "specialisation_star"):
        assert result[column].tolist() == metrics[column].astype(bool).tolist()
    # The other metrics columns are passed through unchanged.
    pd.testing.assert_series_equal(result["lq"], metrics["lq"])


# --- us-cmp ---------------------------------------------------------------------------------

# Sector X: nine regions with employment (A-I); J and K have 0 persons, L is missing; those
# three are left out of the percentiles. numpy's linear interpolation on n = 9 sorted values
# puts the q-quantile at position q * (n - 1) = 8q: Q25 -> v[2], Q50 -> v[4], Q75 -> v[6],
# Q90 -> v[7.2] = v[7] + 0.2 * (v[8] - v[7]).
#   employment  [20, 40, 60, 80, 100, 150, 200, 300, 500]: Q25 = 60
#   enterprises [2, 3, 5, 6, 8, 10, 12, 15, 30]:            Q25 = 5
#   lq          [0.3, 0.5, 0.6, 0.8, 0.9, 1.2, 1.5, 2.0, 3.0]:
#               Q25 = 0.6, Q50 = 0.9, Q75 = 1.5, Q90 = 2.0 + 0.2 * 1.0 = 2.2
# Had J and K been counted (n = 11, position 10q), Q25 of employment would be
# v[2.5] = 20 + 0.5 * 20 = 30, of enterprises 2 + 0.5 * 1 = 2.5 and of LQ 0.3 + 0.5 * 0.2 = 0.4,
# and H (40 persons, 5 enterprises, LQ 0.5) would wrongly qualify.
US_X = [
    # region, employment, enterprises, lq -> expected level
    ("A", 500, 30, 0.9),  # 1: LQ > Q25 but not > Q50
    ("B", 300, 15, 2.0),  # 3: LQ >= Q75 and >= 1, below Q90
    ("C", 200, 12, 3.0),  # 4: LQ >= Q90
    ("D", 150, 10, 1.5),  # 3: LQ exactly Q75 counts (>=)
    ("E", 100, 2, 1.2),  # 0: establishments 2 not above Q25 = 5
    ("F", 80, 8, 0.6),  # 0: LQ exactly Q25 does not count (>)
    ("G", 60, 6, 0.8),  # 0: employment exactly Q25 does not count (>)
    ("H", 40, 5, 0.5),  # 0: employment below Q25
    ("I", 20, 3, 0.3),  # 0
    ("J", 0, 0, 0.0),  # 0: no employment, not in the percentiles
    ("K", 0, 0, 0.0),  # 0
    ("L", np.nan, np.nan, np.nan),  # 0: missing
]
US_X_LEVELS = {"A": 1, "B": 3, "C": 4, "D": 3, "E": 0, "F": 0, "G": 0, "H": 0, "I": 0}
US_X_LEVELS |= {"J": 0, "K": 0, "L": 0}

# Sector Y: nine regions, region Yi has 10 i persons, i enterprises and LQ 0.1 i, so
# Q25 = v[2]: 30 persons, 3 enterprises, LQ 0.3; Q50 = v[4]: LQ 0.5; Q75 = v[6]: LQ 0.7;
# Q90 = 0.8 + 0.2 * 0.1 = 0.82. No LQ reaches 1, so no region is strong even at LQ >= Q75.
#   Y1-Y3: employment <= 30 -> 0; Y4, Y5: LQ 0.4, 0.5 > 0.3 but not > 0.5 -> 1;
#   Y6-Y9: LQ > 0.5 -> 2 (Y7-Y9 have LQ >= Q75 but below 1).
US_Y = [(f"Y{i}", 10 * i, i, round(0.1 * i, 1)) for i in range(1, 10)]
US_Y_LEVELS = {"Y1": 0, "Y2": 0, "Y3": 0, "Y4": 1, "Y5": 1, "Y6": 2, "Y7": 2, "Y8": 2, "Y9": 2}

# Sector Z: five regions all with LQ 1.0: every LQ percentile is 1.0, so no LQ is above Q25 or
# Q50 (not qualifying, not significant) while every LQ is >= Q75 = Q90 = 1 (strong, strong10).
# n = 5: Q25 at position 0.25 * 4 = 1 -> employment [10, 20, 30, 40, 50]: 20; enterprises
# [1, 2, 3, 4, 5]: 2. Z3-Z5 pass the size tests -> level 4; Z1, Z2 -> 0.
US_Z = [(f"Z{i}", 10 * i, i, 1.0) for i in range(1, 6)]


def us_cmp_frame() -> pd.DataFrame:
    rows = [
        (region, sector, "traded", emp, est, np.nan, lq)
        for sector, block in (("X", US_X), ("Y", US_Y), ("Z", US_Z))
        for region, emp, est, lq in block
    ]
    return metrics_frame(rows)


def test_us_cmp_levels_from_hand_computed_percentiles():
    result = apply_method(us_cmp_frame(), load_method("us-cmp"))
    assert flags(result, "X", "stars") == US_X_LEVELS
    assert true_regions(result, "X", "qualifying") == {"A", "B", "C", "D"}
    assert true_regions(result, "X", "significant") == {"B", "C", "D"}
    assert true_regions(result, "X", "strong") == {"B", "C", "D"}
    assert true_regions(result, "X", "strong10") == {"C"}
    for level in LEVELS:
        assert result[level].dtype == bool
    assert result.attrs["method"]["criteria"] == list(LEVELS)


def test_us_cmp_leaves_regions_without_employment_out_of_the_percentiles():
    result = apply_method(us_cmp_frame(), load_method("us-cmp"))
    # H would qualify with the zero-employment regions J, K in the percentiles (see above).
    assert flags(result, "X", "qualifying")["H"] is False
    for region in ("J", "K", "L"):
        assert not any(flags(result, "X", level)[region] for level in LEVELS)


def test_us_cmp_strong_needs_an_lq_of_at_least_one():
    result = apply_method(us_cmp_frame(), load_method("us-cmp"))
    assert flags(result, "Y", "stars") == US_Y_LEVELS
    assert true_regions(result, "Y", "strong") == set()
    assert true_regions(result, "Y", "strong10") == set()


def test_us_cmp_tied_lq_can_be_strong_without_being_significant():
    result = apply_method(us_cmp_frame(), load_method("us-cmp"))
    assert true_regions(result, "Z", "qualifying") == set()
    assert true_regions(result, "Z", "significant") == set()
    assert true_regions(result, "Z", "strong10") == {"Z3", "Z4", "Z5"}
    assert flags(result, "Z", "stars") == {"Z1": 0, "Z2": 0, "Z3": 4, "Z4": 4, "Z5": 4}


def test_us_cmp_floor_removes_small_clusters_without_moving_percentiles():
    result = apply_method(us_cmp_frame(), load_method("us-cmp"), min_employment=250)
    # Percentiles unchanged: A (500) stays 1, B (300) stays 3; C (200) and D (150) drop to 0.
    assert flags(result, "X", "stars") == US_X_LEVELS | {"C": 0, "D": 0}
    assert flags(result, "Y", "stars") == dict.fromkeys(US_Y_LEVELS, 0)


def test_us_cmp_without_enterprises_says_it_needs_establishments():
    frame = us_cmp_frame()
    frame["enterprises"] = np.nan
    with pytest.raises(BadInputError, match=r"needs establishments \(enterprises\)"):
        apply_method(frame, load_method("us-cmp"))
    with pytest.raises(BadInputError, match=r"needs establishments \(enterprises\)"):
        apply_method(frame.drop(columns="enterprises"), load_method("us-cmp"))


def test_us_cmp_on_cluster_metrics_of_a_tiny_panel(tiny_panel, tiny_sectors):
    # tiny_panel 2020, sector X (A, B, C): employment [100, 200, 700] -> Q25 at position 0.5 =
    # 150; enterprises [8, 11, 29] -> 9.5; only B and C pass the size tests. LQ: the reference
    # employment is 1600 in base sectors, 1000 in X (share 0.625); A has 100 / 400 = 0.25 ->
    # LQ 0.4, B 200 / 400 = 0.5 -> 0.8, C 700 / 800 = 0.875 -> 1.4. Sorted [0.4, 0.8, 1.4]:
    # Q25 = 0.6, Q50 = 0.8, Q75 = 1.1, Q90 = 0.8 + 0.8 * 0.6 = 1.28. B: 0.8 > 0.6 -> 1;
    # C: 1.4 >= 1.28 and >= 1 -> 4.
    metrics = cluster_metrics(tiny_panel, tiny_sectors)
    result = apply_method(metrics, load_method("us-cmp"))
    assert flags(result, "X", "stars") == {"A": 0, "B": 1, "C": 4}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["S1", "S2", "S3"]),
            st.sampled_from([0.0, 5.0, 10.0, 50.0, 100.0, 500.0]),
            st.sampled_from([0.0, 1.0, 3.0, 10.0]),
            st.sampled_from([0.0, 0.5, 0.9, 1.0, 1.5, 2.0, 4.0]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_us_cmp_levels_are_consistent(rows):
    frame = metrics_frame(
        [(f"R{i}", s, "traded", emp, est, np.nan, lq) for i, (s, emp, est, lq) in enumerate(rows)]
    )
    frame.loc[0, "enterprises"] = 1.0  # never all missing
    result = apply_method(frame, load_method("us-cmp"))
    q, sig, strong, s10 = (result[level].to_numpy() for level in LEVELS)
    assert not (s10 & ~strong).any()  # strong10 => strong (Q90 >= Q75)
    assert not (sig & ~q).any()  # significant => qualifying (Q50 >= Q25, both strict)
    assert not (strong & (result["lq"] < 1)).any()
    none = result["employment"] <= 0
    assert not result.loc[none, list(LEVELS)].to_numpy().any()
    highest = np.select([s10, strong, sig, q], [4, 3, 2, 1], default=0)
    assert result["stars"].tolist() == highest.tolist()


# --- describing -----------------------------------------------------------------------------


def test_description_gives_title_rule_and_thresholds_in_force():
    eco = describe_method(load_method("eco"), min_employment=50)
    assert eco.startswith("**European Cluster Observatory")
    assert "Focus star:" in eco
    assert "location quotient >= 2" in eco and "top 10%" in eco
    assert "fewer than 50 persons" in eco
    us = describe_method(load_method("us-cmp"))
    assert "25th percentile" in us and "90th percentile" in us and "median" in us
    assert "4 strong10" in us
    eocic = describe_method(load_method("eocic"))
    assert "parameters/stars.yaml" in eocic
    listed = describe_method(
        load_method("eocic"), star_thresholds={"size": "employment in the top 20% of regions"}
    )
    assert "size: employment in the top 20% of regions" in listed
