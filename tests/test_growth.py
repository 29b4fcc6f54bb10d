"""The growth section and ``toolkit partners`` over a workspace, against hand-worked panels.

The running example: five regions R1..R5 of a user's own sector set AGR, CHE, MET, SOF, in
2015 and 2020 (persons). Every region employs 4,000 and every sector 5,000 in both years, so
the benchmark share of each sector is 5,000 / 20,000 = 1/4 and LQ = (e / 4,000) / (1/4)
= e / 1,000. Employment in 2020:

            AGR    CHE    MET    SOF        LQ >= 1
    R1    1,500  1,500    500    500        AGR CHE
    R2    1,860    500  1,140    500        AGR MET
    R3      500  1,200  1,300  1,000        CHE MET SOF
    R4      640    800     60  2,500        SOF
    R5      500  1,000  2,000    500        CHE MET

2015 is the same except R1 CHE 900, MET 1,100 and R5 CHE 1,600, MET 1,400 (totals unchanged).

Relatedness: u = AGR 2, CHE 3, MET 3, SOF 2; C[AGR,CHE] = 1 (R1), C[AGR,MET] = 1 (R2),
C[CHE,MET] = 2 (R3, R5), C[CHE,SOF] = 1 (R3), C[MET,SOF] = 1 (R3), C[AGR,SOF] = 0. phi = C /
max(u): AGR-CHE 1/3, AGR-MET 1/3, CHE-MET 2/3, CHE-SOF 1/3, MET-SOF 1/3, AGR-SOF 0. Column sums
of phi (diagonal 1): AGR 5/3, CHE 7/3, MET 7/3, SOF 5/3.

Stars (stars.yaml: top 10 % of 5 regions -> k = 1, LQ >= 2, floor 1,000 persons, no wages):
size AGR R2, CHE R1, MET R5, SOF R4; specialisation R4 SOF (2.5), R5 MET (2.0); dynamism CHE R1
(900 -> 1,500), MET R5 (1,400 -> 2,000); nobody grew in AGR or SOF. So R1 CHE 2 stars, R2 AGR
1, R4 SOF 2, R5 MET 3: star clusters (>= 2 stars) R1 1, R2 0, R3 0, R4 1, R5 1.
"""

from __future__ import annotations

import argparse
import math
import re

import pandas as pd
import pytest

from toolkit import growth
from toolkit.errors import BadInputError, UnknownRegionError
from toolkit.sources import OPTIONS, DataSources
from toolkit.tables import star_cluster_count
from toolkit.workspace import Workspace

EMPLOYMENT_2020 = {
    "R1": {"AGR": 1500, "CHE": 1500, "MET": 500, "SOF": 500},
    "R2": {"AGR": 1860, "CHE": 500, "MET": 1140, "SOF": 500},
    "R3": {"AGR": 500, "CHE": 1200, "MET": 1300, "SOF": 1000},
    "R4": {"AGR": 640, "CHE": 800, "MET": 60, "SOF": 2500},
    "R5": {"AGR": 500, "CHE": 1000, "MET": 2000, "SOF": 500},
}
CHANGED_2015 = {("R1", "CHE"): 900, ("R1", "MET"): 1100, ("R5", "CHE"): 1600, ("R5", "MET"): 1400}
SECTOR_NAMES = {
    "AGR": "Agri-food",
    "CHE": "Chemicals & plastics",
    "MET": "Metals",
    "SOF": "Software | IT",
}
REGION_NAMES = {"R1": "Alpha <North>", "R2": "Beta", "R3": "Gamma", "R4": "Delta", "R5": "Eps"}
COUNTRIES = {"R1": "AA", "R2": "AA", "R3": "BB", "R4": "BB", "R5": "CC"}


def _rows(codes: dict[str, str] | None = None, regions: dict[str, str] | None = None):
    codes = codes or {s: s for s in SECTOR_NAMES}
    regions = regions or {r: r for r in EMPLOYMENT_2020}
    rows = []
    for region, by_sector in EMPLOYMENT_2020.items():
        for sector, persons in by_sector.items():
            start = CHANGED_2015.get((region, sector), persons)
            rows.append((regions[region], codes[sector], 2015, start))
            rows.append((regions[region], codes[sector], 2020, persons))
    return pd.DataFrame(rows, columns=["region", "sector", "year", "employment"])


@pytest.fixture
def user_files(tmp_path):
    panel = tmp_path / "panel.csv"
    _rows().to_csv(panel, index=False)
    sectors = tmp_path / "sectors.csv"
    pd.DataFrame(
        {"code": list(SECTOR_NAMES), "name": list(SECTOR_NAMES.values()), "type": "traded"}
    ).to_csv(sectors, index=False)
    regions = tmp_path / "regions.csv"
    pd.DataFrame(
        {
            "code": list(REGION_NAMES),
            "name": list(REGION_NAMES.values()),
            "country": [COUNTRIES[r] for r in REGION_NAMES],
        }
    ).to_csv(regions, index=False)
    return {"panel": str(panel), "sectors": str(sectors), "region_table": str(regions)}


@pytest.fixture
def user_ws(user_files) -> Workspace:
    return Workspace.load(DataSources(**user_files))


@pytest.fixture(scope="module")
def demo_ws() -> Workspace:
    return Workspace.load()


# --- the user's own sector set ----------------------------------------------------------------


def test_relatedness_is_the_co_location_of_the_panel(user_ws):
    phi = growth.relatedness(user_ws)
    assert phi.loc["CHE", "MET"] == pytest.approx(2 / 3)
    assert phi.loc["AGR", "CHE"] == pytest.approx(1 / 3)
    assert phi.loc["AGR", "SOF"] == 0
    assert growth.relatedness(user_ws) is phi  # computed once per workspace


def test_opportunities_name_the_related_strengths(user_ws):
    view = growth.region_opportunities(user_ws, "R1")
    table = view.opportunities.set_index("sector")
    # R1 is specialised in AGR and CHE. MET: (phi[AGR,MET] + phi[CHE,MET]) / 7/3 = 3/7;
    # SOF: phi[CHE,SOF] / 5/3 = 1/5 (AGR-SOF is 0).
    assert view.specialisations == ["AGR", "CHE"]
    assert list(table.index) == ["MET", "SOF"]
    assert table.loc["MET", "density"] == pytest.approx(3 / 7)
    assert table.loc["SOF", "density"] == pytest.approx(1 / 5)
    assert table.loc["MET", "related_names"] == ["Chemicals & plastics", "Agri-food"]
    assert table.loc["SOF", "related_names"] == ["Chemicals & plastics"]
    assert view.recommendations[0] == (
        "Build on related strengths Chemicals & plastics and Agri-food to develop Metals "
        "(relatedness density 0.43; Alpha <North> employs 500 persons there, LQ 0.50)."
    )
    assert view.recommendations[1].startswith(
        "Build on related strength Chemicals & plastics to develop Software | IT"
    )


def test_entries_and_exits_between_the_period_start_and_the_analysis_year(user_ws):
    view = growth.region_opportunities(user_ws, "R1")
    assert (view.start_year, view.year) == (2015, 2020)
    changes = view.changes.set_index("sector")
    # CHE 900 -> 1,500 persons: LQ 0.90 -> 1.50 (entry); MET 1,100 -> 500: 1.10 -> 0.50 (exit)
    assert changes.loc["CHE", "change"] == "entry"
    assert changes.loc["CHE", ["lq_start", "lq_end"]].tolist() == pytest.approx([0.9, 1.5])
    assert changes.loc["MET", "change"] == "exit"
    assert len(changes) == 2
    # R5 stays specialised in CHE (1.6 -> 1.0) and MET (1.4 -> 2.0): no change
    assert growth.region_opportunities(user_ws, "R5").changes.empty


def test_opportunities_markdown_escapes_the_names_of_the_data(user_ws):
    text = growth.opportunities_markdown(growth.region_opportunities(user_ws, "R1"))
    assert text.startswith("## Where the region could grow\n")
    assert "Alpha &lt;North&gt; is specialised (LQ ≥ 1) in 2 of the 4 sectors" in text
    assert "| 1 | Metals (MET) | 0.43 | 500 | 0.50 | Chemicals &amp; plastics (0.67), " in text
    assert "| 2 | Software &#124; IT (SOF) | 0.20 | 500 | 0.50 |" in text
    assert "**Recommendation.** Build on related strengths Chemicals &amp; plastics and " in text
    assert "- gained: Chemicals &amp; plastics (LQ 0.90 → 1.50)" in text
    assert "- lost: Metals (LQ 1.10 → 0.50)" in text
    assert "<North>" not in text and "Software | IT" not in text


def test_near_misses_in_reader_units(user_ws):
    view = growth.region_opportunities(user_ws, "R1")
    # R1 AGR 1,500 against the largest, R2's 1,860: 360 persons short (19 % of 1,860);
    # AGR and CHE at LQ 1.5: 0.5 below 2 (25 %, the limit). Nothing else is within 25 %:
    # MET 500 / SOF 500 are far from 2,000 / 2,500, and AGR, SOF dynamism has no bar (0 %).
    assert view.near_misses["text"].tolist() == [
        "needs 360 more persons employed for the size star",
        "LQ 1.50: 0.50 below the specialisation star",
        "LQ 1.50: 0.50 below the specialisation star",
    ]
    assert view.near_misses["sector"].tolist() == ["AGR", "AGR", "CHE"]
    assert view.near_misses["shortfall"].iloc[0] == pytest.approx(360 / 1860)
    # R3 CHE 1,200 against 1,500: 300 short (20 %) is listed; MET 1,300 against 2,000 (35 %)
    # and LQ 1.3 against 2 (35 %) are not
    r3 = growth.region_opportunities(user_ws, "R3").near_misses
    assert r3["text"].tolist() == ["needs 300 more persons employed for the size star"]
    text = growth.near_misses_markdown(view)
    assert "- **Agri-food** (AGR): needs 360 more persons employed for the size star" in text
    assert "- **Chemicals &amp; plastics** (CHE): LQ 1.50: 0.50 below the specialisation star" in (
        text
    )


def test_sensitivity_sentence_counts_star_clusters_under_looser_thresholds(user_ws):
    # Top 20 % of 5 regions is still k = 1; LQ >= 1.5 gives R2 AGR (1.86) the specialisation
    # star beside its size star: 2 stars, a star cluster where there was none.
    r2 = growth.region_opportunities(user_ws, "R2")
    assert r2.near_misses["text"].tolist() == ["LQ 1.86: 0.14 below the specialisation star"]
    assert r2.sensitivity["star_clusters"].tolist() == [0, 1]
    assert r2.sensitivity_sentence == (
        "With looser thresholds (top 20 %, LQ 1.5) Beta would have 1 star cluster instead of 0 "
        "(clusters with at least 2 stars)."
    )
    # R1: CHE 2 -> 3 stars and AGR 0 -> 1 (LQ 1.5): still one star cluster, 2 -> 4 stars
    r1 = growth.region_opportunities(user_ws, "R1")
    assert r1.sensitivity["stars"].tolist() == [2, 4]
    assert "would have 1 star cluster as now" in growth.near_misses_markdown(r1)
    # star_min 3: R5 MET (size, specialisation, dynamism) is one, R1 CHE (2 stars) is not
    r5 = growth.region_opportunities(user_ws, "R5", star_min=3)
    assert r5.sensitivity["star_clusters"].tolist()[0] == 1
    assert growth.region_opportunities(user_ws, "R1", star_min=3).sensitivity[
        "star_clusters"
    ].tolist() == [0, 1]


def test_a_floor_shortfall_counts_as_a_near_miss_and_says_so(user_files, tmp_path):
    # With a floor of 1,700 persons R2 AGR (1,860) keeps its star; R1 AGR and CHE (1,500)
    # are 200 short of the floor (12 %) and their LQ 1.5 is 0.5 below 2 (25 %).
    stars = tmp_path / "stars.yaml"
    stars.write_text("min_employment: 1700\n")
    ws = Workspace.load(DataSources(**user_files, stars=str(stars)))
    near = growth.region_opportunities(ws, "R1").near_misses.set_index(["sector", "star"])
    assert near.loc[("CHE", "specialisation"), "text"] == (
        "LQ 1.50: 0.50 below the specialisation star (and employment, 1,500, is below the "
        "minimum of 1,700 persons for any star)"
    )
    assert near.loc[("CHE", "specialisation"), "shortfall"] == pytest.approx(0.25)


def test_one_year_panel_has_no_changes_but_still_opportunities(tmp_path, user_files):
    panel = tmp_path / "one_year.csv"
    _rows().query("year == 2020").to_csv(panel, index=False)
    ws = Workspace.load(DataSources(**{**user_files, "panel": str(panel)}))
    view = growth.region_opportunities(ws, "R1")
    assert view.changes.empty and view.start_year == view.year == 2020
    text = growth.opportunities_markdown(view)
    assert "Metals (MET) | 0.43" in text and "gained" not in text
    assert "no year before 2020" in text


def test_nace_divisions_work_like_any_other_sector_set(tmp_path):
    # The same numbers under NACE division codes and NUTS codes (no sector or region file).
    codes = {"AGR": "C10", "CHE": "C20", "MET": "C24", "SOF": "J62"}
    regions = {"R1": "AT11", "R2": "AT12", "R3": "BE10", "R4": "BE21", "R5": "CZ01"}
    panel = tmp_path / "nace.csv"
    _rows(codes, regions).to_csv(panel, index=False)
    ws = Workspace.load(DataSources(panel=str(panel)))
    view = growth.region_opportunities(ws, "AT11")
    assert view.opportunities["sector"].tolist() == ["C24", "J62"]
    assert view.opportunities["density"].iloc[0] == pytest.approx(3 / 7)
    text = growth.opportunities_markdown(view)
    assert "develop Manufacture of basic metals" in text
    assert "NACE Rev. 2 divisions" in text


def test_unknown_region_names_the_value_and_suggests_codes(user_ws):
    with pytest.raises(UnknownRegionError, match=r"'R11'.*Did you mean R1"):
        growth.region_opportunities(user_ws, "R11")


# --- partners ---------------------------------------------------------------------------------


def test_partners_table_ranks_complementary_and_similar_partners(user_ws):
    table = growth.partners_table(user_ws, "R1", "MET")
    # K = MET and its related sectors by phi: CHE (2/3), then AGR and SOF (1/3, code order).
    assert table.attrs["sectors_that_count"] == ["MET", "CHE", "AGR", "SOF"]
    assert list(table.columns) == [
        "partnership",
        "rank",
        "region",
        "name",
        "score",
        "country",
        "employment",
        "lq",
        "stars",
        "offer",
        "need",
        "partner_brings",
        "region_brings",
        "shared",
    ]
    # Strong (LQ >= 1 or a star): R1 CHE, AGR; R2 MET, AGR; R3 MET, CHE, SOF; R4 SOF;
    # R5 MET, CHE. offer / need against R1: R2 1/1, R3 2/1, R4 1/2, R5 1/1; score / 4.
    comp = table[table["partnership"] == "complementary"].set_index("region")
    assert list(comp.index) == ["R3", "R4", "R5", "R2"]  # R5 before R2: 2,000 > 1,140 in MET
    assert comp["score"].tolist() == pytest.approx([0.75, 0.75, 0.5, 0.5])
    assert comp.loc["R3", "partner_brings"] == "Metals; Software | IT"
    assert comp.loc["R3", "region_brings"] == "Agri-food"
    assert comp.loc["R4", "region_brings"] == "Chemicals & plastics; Agri-food"
    assert comp.loc["R3", ["name", "country"]].tolist() == ["Gamma", "BB"]
    assert comp.loc["R5", "employment"] == 2000
    # similar: cosine of LQ over (MET, CHE, AGR, SOF); R1 = (0.5, 1.5, 1.5, 0.5)
    lq = {
        "R1": (0.5, 1.5, 1.5, 0.5),
        "R2": (1.14, 0.5, 1.86, 0.5),
        "R3": (1.3, 1.2, 0.5, 1.0),
        "R4": (0.06, 0.8, 0.64, 2.5),
        "R5": (2.0, 1.0, 0.5, 0.5),
    }

    def cosine(a, b):
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))

    sim = table[table["partnership"] == "similar"].set_index("region")
    assert list(sim.index) == ["R2", "R3", "R5", "R4"]  # 0.850, 0.791, 0.667, 0.569
    for region in sim.index:
        assert sim.loc[region, "score"] == pytest.approx(cosine(lq["R1"], lq[region]))
    assert sim.loc["R2", "score"] == pytest.approx(0.8502, abs=1e-4)


def test_partners_can_leave_out_the_own_country(user_ws):
    table = growth.partners_table(user_ws, "R1", "Metals", n=2, exclude_same_country=True)
    comp = table[table["partnership"] == "complementary"]
    assert comp["region"].tolist() == ["R3", "R4"]  # R2 (AA, as R1) left out; n = 2
    assert "R2" not in set(table["region"])


def test_unknown_sector_suggests_close_codes(user_ws):
    with pytest.raises(BadInputError, match=r"'MTE'.*Did you mean MET \(Metals\)"):
        growth.partners_table(user_ws, "R1", "MTE")


def _namespace(**values) -> argparse.Namespace:
    args = {name: None for name in OPTIONS}
    args.update(n=None, exclude_same_country=False, out=None)
    args.update(values)
    return argparse.Namespace(**args)


def test_cmd_partners_prints_the_figures_and_writes_csv(user_files, tmp_path, capsys):
    out = tmp_path / "partners.csv"
    code = growth.cmd_partners(_namespace(**user_files, region="R1", sector="MET", out=str(out)))
    assert code == 0
    printed = capsys.readouterr().out
    assert "Partner regions of Alpha <North> (R1) in Metals (MET), 2020" in printed
    assert "(sectors they bring + sectors the region brings) / 4" in printed
    complementary = printed.split("Complementary partners")[1].split("Similar partners")[0]
    regions = re.findall(r"^\s*\d+\s+(R\d)\s", complementary, flags=re.M)
    assert regions == ["R3", "R4", "R5", "R2"]
    assert "0.75" in complementary and "Metals; Software | IT" in complementary
    assert "SYNTHETIC" not in printed
    written = pd.read_csv(out)
    assert len(written) == 8 and written["region"].iloc[0] == "R3"
    assert f"wrote {out}: 8 partner regions" in printed


def test_cmd_partners_refuses_unknown_values_with_exit_code_two(user_files):
    with pytest.raises(UnknownRegionError) as raised:
        growth.cmd_partners(_namespace(**user_files, region="R11", sector="MET"))
    assert raised.value.exit_code == 2 and "R1" in str(raised.value)
    with pytest.raises(BadInputError, match="MTE") as raised:
        growth.cmd_partners(_namespace(**user_files, region="R1", sector="MTE"))
    assert raised.value.exit_code == 2
    with pytest.raises(BadInputError, match=r"\.csv"):
        growth.cmd_partners(_namespace(**user_files, region="R1", sector="MET", out="x.txt"))


# --- the demo workspace -----------------------------------------------------------------------


def test_demo_union_is_measured_among_the_regions_of_analysis(demo_ws):
    view = growth.region_opportunities(demo_ws, "wallonia")
    assert view.region_name == "Wallonia"
    table = demo_ws.analysis_metrics
    own = table[(table["region"] == "wallonia") & table["base"]]
    assert view.specialisations == sorted(own.loc[own["lq"] >= 1, "sector"])
    assert len(view.opportunities) == 10
    assert not set(view.opportunities["sector"]) & set(view.specialisations)
    assert view.opportunities["density"].is_monotonic_decreasing
    assert set(view.opportunities["sector"]) <= set(demo_ws.sectors.query("base")["code"])
    text = growth.opportunities_markdown(view)
    assert text.startswith("## Where the region could grow")
    assert "**Recommendation.** Build on related strength" in text
    assert "Specialisations gained and lost, 2015–2020" in text


def test_demo_sensitivity_starts_from_the_reports_star_cluster_count(demo_ws):
    view = growth.region_opportunities(demo_ws, "wallonia")
    _, clusters, _ = demo_ws.metrics_for("wallonia")
    now = star_cluster_count(clusters, 2)
    assert view.sensitivity["star_clusters"].iloc[0] == now
    text = growth.near_misses_markdown(view)
    assert text.startswith("### Close to a star")
    match = re.search(
        r"With looser thresholds \(top 20 %, LQ 1\.5\) Wallonia would have (\d+) star "
        r"clusters? (?:instead of (\d+)|as now)",
        text,
    )
    assert match and (match.group(2) is None or int(match.group(2)) == now)
    assert int(match.group(1)) >= now  # looser thresholds never take a star away


def test_a_batch_computes_shared_results_once(demo_ws, monkeypatch):
    calls = []
    original = growth.cluster_metrics

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(growth, "cluster_metrics", counting)
    demo_ws.__dict__.pop(growth.CACHE_ATTRIBUTE, None)
    for region in ("wallonia", "saxony", "DED2", "AT11"):
        growth.region_opportunities(demo_ws, region)
    assert len(calls) == 2  # start-year metrics: once for the unions, once for the regions
    phi = growth.relatedness(demo_ws)
    growth.region_opportunities(demo_ws, "slovenia")
    assert growth.relatedness(demo_ws) is phi and len(calls) == 2


def test_demo_partners_of_a_union(demo_ws):
    table = growth.partners_table(demo_ws, "wallonia", "TC04", n=3)
    assert set(table["partnership"]) <= {"complementary", "similar"}
    assert (table.groupby("partnership")["rank"].max() <= 3).all()
    assert "wallonia" not in set(table["region"])
    assert table.attrs["sectors_that_count"][0] == "TC04"
    assert table["name"].notna().all()


def test_a_code_typed_without_its_leading_zero_is_suggested_first(demo_ws):
    with pytest.raises(BadInputError, match=r"'TC4'.*Did you mean TC04 \(Automotive\)"):
        growth.partners_table(demo_ws, "wallonia", "TC4")


def test_other_strength_methods_leave_the_star_near_misses_out(user_files):
    ws = Workspace.load(DataSources(**user_files, method="eco"))
    view = growth.region_opportunities(ws, "R1")
    assert view.near_misses.empty and view.sensitivity.empty
    assert view.opportunities["sector"].tolist() == ["MET", "SOF"]  # relatedness is LQ only
    text = growth.near_misses_markdown(view)
    assert "refer to the EOCIC stars" in text and "would have" not in text
