"""NACE Rev. 2 structure and base partitions: expected results written out by hand."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import nace, paths
from toolkit.errors import BadInputError

# The nace_r2 codes of nama_10r_3empers (employment by A10 aggregate).
NAMA_CODES = ["TOTAL", "A", "B-E", "C", "F", "G-I", "G-J", "J", "K", "L", "M_N", "O-Q", "R-U"]
C_DIVISIONS = [f"C{n}" for n in range(10, 34)]


def test_divisions_match_the_reference_table():
    table = pd.read_csv(paths.reference_dir() / "nace_r2_divisions.csv", dtype=str)
    assert list(nace.NACE_DIVISIONS) == table["code"].tolist()
    assert all(
        nace.sections_of(c) == {s} for c, s in zip(table["code"], table["section"], strict=True)
    )


def test_codes_cover_their_divisions_and_sections():
    assert nace.divisions_of("C10") == {"C10"}
    assert nace.sections_of("C10") == {"C"}
    assert nace.divisions_of("D") == {"D35"}
    assert nace.divisions_of("B-E") == {"B05", "B06", "B07", "B08", "B09", "D35"} | {
        *C_DIVISIONS,
        "E36",
        "E37",
        "E38",
        "E39",
    }
    assert nace.sections_of("B-E") == {"B", "C", "D", "E"}
    assert nace.sections_of("R-U") == {"R", "S", "T", "U"}
    assert nace.sections_of("M_N") == {"M", "N"}
    assert nace.divisions_of("C10-C12") == {"C10", "C11", "C12"}
    assert nace.divisions_of("C31_C32") == {"C31", "C32"}
    assert nace.divisions_of("C33-D35") == {"C33", "D35"}  # there is no division 34
    assert nace.sections_of("G-I_J") == {"G", "H", "I", "J"}
    assert nace.divisions_of("TOTAL") == set(nace.NACE_DIVISIONS)
    assert len(nace.NACE_DIVISIONS) == 88
    # C10 inside C inside B-E inside TOTAL
    assert nace.divisions_of("C10") < nace.divisions_of("C") < nace.divisions_of("B-E")
    assert nace.divisions_of("B-E") < nace.divisions_of("TOTAL")


def test_exclusions_of_divisions_are_subtracted_finer_ones_are_not():
    assert nace.sections_of("B-S_X_K642") == set("BCDEFGHIJKLMNOPQRS")
    assert "K64" in nace.divisions_of("B-S_X_K642")  # a group: K64 stays covered
    assert "K64" not in nace.divisions_of("B-S_X_K64")


def test_codes_that_are_not_nace():
    for code in ["10", "C34", "TC04", "EI05", "X", "V", "C-A", "", "c10"]:
        assert not nace.is_nace(code), code
        assert nace.divisions_of(code) is None and nace.sections_of(code) is None
    assert nace.nace_level("C10") == "division"
    assert nace.nace_level("C") == "section"
    assert nace.nace_level("M-N") == "aggregate"
    assert nace.nace_level("TOTAL") == "total"
    assert nace.nace_level("TC04") is None


def test_two_sections_are_normalised_to_the_eurostat_spelling():
    assert nace.normalise_code("M-N") == "M_N"
    assert nace.normalise_code("M_N") == "M_N"
    assert nace.normalise_code(" M-N ") == "M_N"
    assert nace.normalise_code("B_E") == "B-E"  # a range of four, as Eurostat writes it
    assert nace.normalise_code("G_I") == "G-I"
    assert nace.normalise_code("C20-C21") == "C20_C21"
    assert nace.normalise_code("C10_C12") == "C10-C12"
    assert nace.normalise_code("B-E") == "B-E"
    for other in ["C10", "TOTAL", "TC04", "N-M", "B-S_X_K642"]:
        assert nace.normalise_code(other) == other
    assert nace.divisions_of("M-N") == nace.divisions_of("M_N")


def test_a10_partition_of_nama_10r_3empers():
    partition = nace.base_partition(NAMA_CODES)
    assert partition.base == ("A", "B-E", "F", "G-I", "J", "K", "L", "M_N", "O-Q", "R-U")
    assert partition.dropped == ("C", "G-J", "TOTAL")
    assert partition.reasons == {
        "C": "inside B-E",
        "G-J": "= G-I + J",
        "TOTAL": "the sum of the base sectors",
    }
    assert partition.note == (
        "base sectors of the LQ denominator: A, B-E, F, G-I, J, K, L, M_N, O-Q, R-U "
        "(10 NACE codes that do not overlap); left out as overlapping: C (inside B-E), "
        "G-J (= G-I + J), TOTAL (the sum of the base sectors)"
    )
    assert partition.not_nace == ()


def test_partition_does_not_depend_on_the_order_of_the_codes():
    shuffled = NAMA_CODES[:]
    random.Random(3).shuffle(shuffled)
    assert nace.base_partition(shuffled) == nace.base_partition(NAMA_CODES)


def test_section_beside_all_its_divisions_is_left_out():
    partition = nace.base_partition(["C", *C_DIVISIONS])
    assert partition.base == tuple(C_DIVISIONS)
    assert partition.dropped == ("C",)


def test_section_beside_some_of_its_divisions_is_left_out_as_overlapping():
    partition = nace.base_partition(["C26", "C", "C10", "J62"])
    assert partition.base == ("C10", "C26", "J62")
    assert partition.dropped == ("C",)
    assert partition.reasons == {"C": "contains C10, C26"}
    assert partition.note == (
        "base sectors of the LQ denominator: C10, C26, J62 (3 NACE codes that do not overlap); "
        "left out as overlapping: C (contains C10, C26)"
    )


def test_divisions_only_are_all_base():
    partition = nace.base_partition(["J62", "C26", "C10"])
    assert partition.base == ("C10", "C26", "J62") and partition.dropped == ()
    assert partition.note == (
        "base sectors of the LQ denominator: C10, C26, J62 (3 NACE codes that do not overlap)"
    )


def test_a_section_with_another_section_beats_the_divisions_inside_it():
    # B-E touches four sections, C10 and C11 one: keeping them would lose B, D, E and most of C
    partition = nace.base_partition(["C10", "B-E", "C11"])
    assert partition.base == ("B-E",)
    assert partition.reasons == {"C10": "inside B-E", "C11": "inside B-E"}


def test_one_code_written_two_ways_is_kept_once():
    partition = nace.base_partition(["M-N", "K", "M_N"])
    assert partition.base == ("K", "M_N")
    assert partition.reasons == {"M-N": "same as M_N"}
    # alone, the code stays as written: the partition names the codes it was given
    assert nace.base_partition(["M-N", "K"]).base == ("K", "M-N")


def test_codes_that_are_not_nace_are_base_by_default_and_said_so():
    partition = nace.base_partition(["TC04", "C10", "EI05", "C"])
    assert partition.base == ("C10", "EI05", "TC04")
    assert partition.not_nace == ("EI05", "TC04")
    assert partition.dropped == ("C",)
    assert partition.note.endswith(
        "; not NACE codes, so outside this check and base by default: EI05, TC04"
    )
    assert nace.overlaps(["TC04", "EI05", "C10"]) == []


def test_overlapping_pairs_finer_first():
    assert nace.overlaps(["C", "B-E", "A", "C10", "F"]) == [
        ("C", "B-E"),
        ("C10", "B-E"),
        ("C10", "C"),
    ]
    assert nace.overlaps(["G-I", "H-J"]) == [("G-I", "H-J")]
    assert nace.overlaps(["M-N", "M_N"]) == [("M-N", "M_N")]


def test_user_base_with_overlapping_codes_is_bad_input_naming_them():
    with pytest.raises(BadInputError) as caught:
        nace.check_partition(
            ["A", "B-E", "C", "G-I", "H-J"], {"A", "B-E", "C", "G-I", "H-J"}, "my_sectors.csv"
        )
    text = str(caught.value)
    assert "my_sectors.csv" in text
    assert "sectors C and B-E overlap (C is inside B-E): mark one of them base=false" in text
    assert "sectors G-I and H-J overlap (both cover H, I): mark one of them base=false" in text
    assert len(caught.value.problems) == 2


def test_user_base_without_overlaps_is_taken_as_marked():
    partition = nace.check_partition(["A", "B-E", "C", "TC04"], {"A", "B-E", "TC04"}, "s.csv")
    assert partition.base == ("A", "B-E", "TC04")
    assert partition.dropped == ("C",)
    assert partition.note == (
        "base sectors of the LQ denominator (as marked in s.csv): A, B-E (2 NACE codes that do "
        "not overlap); marked base=false: C; not NACE codes, so outside this check and base by "
        "default: TC04"
    )
    assert nace.check_partition(NAMA_CODES, None, "s.csv") == nace.base_partition(NAMA_CODES)


CODES = st.sampled_from(
    [*NAMA_CODES, *"ABCDEFGHIJKLMNOPQRSTU", "C10", "C11", "C26", "J62", "M-N", "C10-C12", "TC04"]
)


@settings(max_examples=200, deadline=None)
@given(st.sets(CODES, min_size=1, max_size=15))
def test_base_never_overlaps_and_every_left_out_code_overlaps_the_base(codes):
    partition = nace.base_partition(codes)
    assert set(partition.base) | set(partition.dropped) == codes
    assert not set(partition.base) & set(partition.dropped)
    assert nace.overlaps(partition.base) == []
    base_divisions = set().union(*(nace.divisions_of(c) or set() for c in partition.base))
    for code in partition.dropped:
        assert nace.divisions_of(code) & base_divisions
