"""Reference tables: the NUTS 2016 hierarchy and its official EU-28 totals, the cluster
sectors of the European cluster mapping, the pilot regions, and which sector table a panel's
codes get when the user gives none.

Expected values are the published facts (DESIGN.md, Eurostat's NUTS 2016 counts), typed here,
not read from the files under test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit.errors import UnknownRegionError
from toolkit.parameters import load_regions_of_analysis
from toolkit.reference import load_regions, load_sectors, resolve_region, sectors_for

EU28 = (
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK UK"
).split()
EFTA = ["CH", "IS", "LI", "NO"]
CANDIDATES = ["AL", "ME", "MK", "RS", "TR"]  # candidate countries when NUTS 2016 was in force

TRADED = [
    "Aerospace Vehicles and Defense",
    "Agricultural Inputs and Services",
    "Apparel",
    "Automotive",
    "Biopharmaceuticals",
    "Business Services",
    "Coal Mining",
    "Communications Equipment and Services",
    "Construction Products and Services",
    "Distribution and Electronic Commerce",
    "Downstream Chemical Products",
    "Downstream Metal Products",
    "Education and Knowledge Creation",
    "Electric Power Generation and Transmission",
    "Environmental Services",
    "Financial Services",
    "Fishing and Fishing Products",
    "Food Processing and Manufacturing",
    "Footwear",
    "Forestry",
    "Furniture",
    "Hospitality and Tourism",
    "Information Technology and Analytical Instruments",
    "Insurance Services",
    "Jewelry and Precious Metals",
    "Leather and Related Products",
    "Lighting and Electrical Equipment",
    "Livestock Processing",
    "Marketing, Design, and Publishing",
    "Medical Devices",
    "Metal Mining",
    "Metalworking Technology",
    "Music and Sound Recording",
    "Nonmetal Mining",
    "Oil and Gas Production and Transportation",
    "Paper and Packaging",
    "Performing Arts",
    "Plastics",
    "Printing Services",
    "Production Technology and Heavy Machinery",
    "Recreational and Small Electric Goods",
    "Textile Manufacturing",
    "Tobacco",
    "Trailers, Motor Homes, and Appliances",
    "Transportation and Logistics",
    "Upstream Chemical Products",
    "Upstream Metal Manufacturing",
    "Video Production and Distribution",
    "Vulcanized and Fired Materials",
    "Water Transportation",
    "Wood Products",
]
EMERGING = [
    "Advanced Packaging",
    "Biopharmaceuticals",
    "Blue Growth Industries",
    "Creative Industries",
    "Digital Industries",
    "Environmental Industries",
    "Experience Industries",
    "Logistical Services",
    "Medical Devices",
    "Mobility Technologies",
]
PILOTS = {
    "East and North Finland": {"FI1D"},
    "North and Middle Sweden": {"SE31", "SE32", "SE33"},
    "Hauts-de-France": {"FRE1", "FRE2"},
    "Wallonia": {"BE31", "BE32", "BE33", "BE34", "BE35"},
    "Centre-Val de Loire": {"FRB0"},
    "Lithuania": {"LT01", "LT02"},
    "Piemonte": {"ITC1"},
    "Cantabria": {"ES13"},
    "Saxony": {"DED2", "DED4", "DED5"},
    "Slovenia": {"SI03", "SI04"},
}


@pytest.fixture(scope="module")
def regions() -> pd.DataFrame:
    return load_regions()


def test_every_parent_exists_one_level_up_and_codes_nest(regions):
    by_code = regions.set_index("code")
    for row in regions.itertuples():
        if row.level == 0:
            assert pd.isna(row.parent) or row.parent == ""
            assert row.code == row.country and len(row.code) == 2
            continue
        assert row.parent in by_code.index, f"{row.code}: parent {row.parent} missing"
        assert by_code.at[row.parent, "level"] == row.level - 1
        assert row.code.startswith(row.parent) and len(row.code) == 2 + row.level
        assert row.country == row.code[:2]


def test_official_eu28_totals_of_nuts_2016(regions):
    eu = regions[regions["country"].isin(EU28)]
    counts = eu.groupby("level").size().to_dict()
    assert counts == {0: 28, 1: 104, 2: 281}


def test_efta_and_candidate_countries_are_covered(regions):
    countries = set(regions["country"])
    assert countries == set(EU28) | set(EFTA) | set(CANDIDATES)
    level2 = regions[regions["level"] == 2]
    for country in EFTA + CANDIDATES:
        assert (level2["country"] == country).any(), f"{country} has no level-2 region"


def test_codes_are_unique_and_named(regions):
    assert regions["code"].is_unique
    assert regions["name"].str.strip().ne("").all()


def test_sector_table_is_the_51_traded_categories_and_10_emerging_industries():
    sectors = load_sectors()
    assert sorted(sectors.loc[sectors["type"] == "traded", "name"]) == sorted(TRADED)
    assert sorted(sectors.loc[sectors["type"] == "emerging", "name"]) == sorted(EMERGING)
    assert len(sectors) == 61 and sectors["code"].is_unique


def test_pilot_regions_have_the_design_composition_and_stable_ids(regions):
    unions = load_regions_of_analysis()
    assert {u.name: set(u.members) for u in unions} == PILOTS
    ids = [u.id for u in unions]
    assert len(set(ids)) == 10
    assert all(i == i.lower() and " " not in i for i in ids)
    assert set().union(*PILOTS.values()) <= set(regions.loc[regions["level"] == 2, "code"])


def test_resolve_by_id_code_and_name(regions):
    unions = load_regions_of_analysis()
    assert resolve_region("saxony", regions, unions).members == ("DED2", "DED4", "DED5")
    assert resolve_region("Piemonte", regions, unions).id == "piemonte"
    assert resolve_region("DEA1", regions, unions).members == ("DEA1",)
    with pytest.raises(UnknownRegionError, match="ZZ99"):
        resolve_region("ZZ99", regions, unions)


def test_cluster_codes_get_the_cluster_table():
    table = sectors_for(["TC04", "EI05"])
    assert table.attrs["sector_set"] == "cluster categories" and not table.attrs["note"]
    assert len(table) == 61


def test_nace_divisions_get_their_names_and_type_other():
    table = sectors_for(["C26", "C10", "J62"]).set_index("code")
    assert table.attrs["sector_set"] == "NACE Rev. 2 divisions"
    assert table["base"].all() and not table.attrs["note"]  # divisions never overlap
    table = sectors_for(["C26", "C10", "J62", "B-E"]).set_index("code")
    assert table.attrs["sector_set"] == "NACE Rev. 2 sectors"
    # B-E contains C10 and C26: the wider code stays in the base, the two divisions leave it,
    # and the note says so (otherwise C10 and C26 would count twice in the regional total)
    assert table["base"].to_dict() == {"B-E": True, "C10": False, "C26": False, "J62": True}
    assert "C10" in table.attrs["note"] and "C26" in table.attrs["note"]
    assert table.at["C26", "name"] == "Manufacture of computer, electronic and optical products"
    assert table.at["J62", "name"].startswith("Computer programming")
    assert table.at["B-E", "name"] == "Industry (except construction)"
    assert set(table["type"]) == {"other"}


def test_unknown_codes_are_kept_by_code_with_a_note():
    table = sectors_for(["X1", "X2", "TC04"]).set_index("code")
    assert table.at["X1", "name"] == "X1" and table.at["X1", "type"] == "other"
    assert table.at["TC04", "name"] == "Automotive"
    assert "X1" in table.attrs["note"] and "sector file" in table.attrs["note"]


def test_a_sector_file_wins_over_the_built_in_tables(tmp_path):
    path = tmp_path / "my_sectors.csv"
    path.write_text("code,name,type\nC26,Electronics,traded\nC10,Food,traded\n")
    table = sectors_for(["C26", "C10"], path)
    assert table.attrs["sector_set"] == "sectors of my_sectors.csv"
    assert dict(zip(table["code"], table["name"], strict=True)) == {
        "C26": "Electronics",
        "C10": "Food",
    }
