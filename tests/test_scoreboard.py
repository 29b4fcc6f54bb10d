"""Scoreboard normalisation, dimension scores and peers against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.parameters import Indicator, IndicatorCatalogue
from toolkit.scoreboard import (
    compare_with_peers,
    context_for_year,
    dimension_scores,
    peer_regions,
    scoreboard,
    workspace_peers,
)


@pytest.fixture
def catalogue() -> IndicatorCatalogue:
    up = Indicator("rd", "R&D", "% of GDP", "higher_is_better", "innovation", (0, 5), "", "gdp")
    down = Indicator(
        "unemp",
        "Unemployment",
        "%",
        "lower_is_better",
        "economic_performance",
        (0, 30),
        "",
        "total_employment",
    )
    births = Indicator(
        "births", "Births", "%", "higher_is_better", "innovation", (0, 30), "", "total_employment"
    )
    return IndicatorCatalogue(
        {"innovation": "Innovation", "economic_performance": "Economy"},
        {"rd": up, "unemp": down, "births": births},
    )


@pytest.fixture
def context() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["A", "B", "C", "D", "U"],
            "year": [2020] * 5,
            "rd": [1.0, 2.0, 3.0, 4.0, 3.5],
            "unemp": [4.0, 8.0, 12.0, 16.0, 6.0],
            "births": [10.0, 10.0, 10.0, 12.0, np.nan],
        }
    )


def test_scores_are_direction_aware_percentiles_of_the_european_regions(context, catalogue):
    sb = scoreboard(context, catalogue, 2020, union_ids=["U"]).set_index(["region", "indicator"])
    # rd: European values 1,2,3,4 (U excluded). C = 3: 2 below, 3 at or below -> mid 2.5/4
    assert sb.loc[("C", "rd"), "score"] == pytest.approx(62.5)
    assert sb.loc[("C", "rd"), "eu_median"] == pytest.approx(2.5)
    # The union is compared with the regions without being one of them: 3.5 -> 3 below of 4.
    assert sb.loc[("U", "rd"), "score"] == pytest.approx(75.0)
    # unemployment: lower is better, so A (4 %, the lowest) scores best.
    assert sb.loc[("A", "unemp"), "score"] == pytest.approx(100 - 12.5)
    assert sb.loc[("D", "unemp"), "score"] == pytest.approx(100 - 87.5)
    # ties share the mid rank: three regions at 10 -> (0 + 3) / 2 / 4 = 37.5
    assert sb.loc[("A", "births"), "score"] == pytest.approx(37.5)
    assert np.isnan(sb.loc[("U", "births"), "score"])


def test_dimension_score_is_the_mean_of_its_indicators(context, catalogue):
    dims = dimension_scores(
        scoreboard(context, catalogue, 2020, union_ids=["U"]), catalogue.dimensions
    ).set_index(["region", "dimension"])
    assert dims.loc[("C", "innovation"), "score"] == pytest.approx((62.5 + 37.5) / 2)
    # U has no births value: its innovation score is R&D alone, from one indicator.
    assert dims.loc[("U", "innovation"), "score"] == pytest.approx(75.0)
    assert dims.loc[("U", "innovation"), "indicators"] == 1
    assert dims.loc[("C", "innovation"), "dimension_name"] == "Innovation"


def test_latest_value_at_or_before_the_year_is_used():
    context = pd.DataFrame(
        {"region": ["A", "A", "A"], "year": [2018, 2019, 2021], "rd": [1.0, np.nan, 9.0]}
    )
    latest = context_for_year(context, 2020).set_index("region")
    assert latest.loc["A", "rd"] == 1.0  # 2019 is missing, 2021 is after the year
    assert latest.loc["A", "data_year"] == 2019


def test_peers_share_sector_structure_and_development_level():
    shares = {
        "A": (0.5, 0.5, 0.0),
        "B": (0.5, 0.45, 0.05),
        "C": (0.0, 0.1, 0.9),
        "D": (0.5, 0.5, 0.0),
    }
    rows = [(r, s, share) for r, v in shares.items() for s, share in zip("XYZ", v, strict=True)]
    metrics = pd.DataFrame(rows, columns=["region", "sector", "share"]).assign(sector_type="traded")
    context = pd.DataFrame(
        {
            "region": list("ABCD"),
            "year": 2020,
            "gdp_per_capita_pps": [30_000, 31_000, 30_000, 36_000],
        }
    )
    # Distance = (1 - cosine of shares) + |log GDP ratio|:
    # B: ~0.004 + log(31/30) = 0.037; D: 0 + log(1.2) = 0.18; C: 1 - 0.078 + 0 = 0.92.
    assert peer_regions(metrics, context, "A", 2020, n=2) == ["B", "D"]
    assert peer_regions(metrics, context, "A", 2020, n=3, exclude=["B"]) == ["D", "C"]
    # Three times A's income outweighs an identical structure (log 3 = 1.1 > 0.92).
    richer = context.assign(gdp_per_capita_pps=[30_000, 31_000, 30_000, 90_000])
    assert peer_regions(metrics, richer, "A", 2020, n=3) == ["B", "C", "D"]


def test_peer_comparison_says_above_when_the_region_does_better(context, catalogue):
    sb = scoreboard(context, catalogue, 2020, union_ids=["U"])
    cmp = compare_with_peers(sb, "B", ["C", "D"]).set_index("indicator")
    assert cmp.loc["rd", "peer_median"] == pytest.approx(3.5)
    assert cmp.loc["rd", "vs_peers"] == "below" and cmp.loc["rd", "vs_eu"] == "below"
    # unemployment 8 % against peers' 14 %: lower is better, so B is above its peers.
    assert cmp.loc["unemp", "vs_peers"] == "above"


def test_z_is_standard_deviations_from_the_eu_mean_with_direction(context, catalogue):
    sb = scoreboard(context, catalogue, 2020, union_ids=["U"]).set_index(["region", "indicator"])
    # rd over A-D: mean 2.5, sample sd sqrt(5/3); D = 4 -> +1.5 / 1.291
    sd = np.sqrt(((np.array([1, 2, 3, 4]) - 2.5) ** 2).sum() / 3)
    assert sb.loc[("D", "rd"), "z"] == pytest.approx(1.5 / sd)
    # unemployment 4, 8, 12, 16 (sd four times that of rd); 16 % is the worst -> negative z.
    assert sb.loc[("D", "unemp"), "z"] == pytest.approx(-(16 - 10) / (4 * sd))
    assert sb.loc[("A", "rd"), "eu_mean"] == pytest.approx(2.5)


def test_peers_from_a_workspace_leave_out_members_and_other_unions():
    from toolkit.workspace import Workspace

    ws = Workspace.load()  # demo data: the 10 pilot regions are unions of NUTS-2 codes
    peers = workspace_peers(ws, "saxony", n=4)
    unions = {u.id for u in ws.unions}
    members = set(ws.resolve("saxony").members)
    assert len(peers) == 4
    assert not set(peers) & (unions | members | {"saxony"})
    # Worked out here: mainland EU-27 NUTS-2 candidates, distance = (1 - cosine of the
    # sector shares) + |log GDP ratio| + |log employment ratio|.
    import numpy as np

    from toolkit.scoreboard import OUTERMOST, context_for_year

    banned = (unions | members) - {"saxony"}
    table = ws.analysis_metrics
    base = table[table["base"].fillna(False).astype(bool)]
    shares = base.pivot_table(index="region", columns="sector", values="share").fillna(0)
    totals = base.groupby("region")["employment"].sum()
    gdp = context_for_year(ws.analysis_context, ws.year).set_index("region")["gdp_per_capita_pps"]
    eu = set(
        "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
    )
    pool = [
        c
        for c in shares.index
        if len(c) == 4 and c[:2] in eu and c not in OUTERMOST and c not in banned | {"saxony"}
    ]
    t = shares.loc["saxony"].to_numpy()
    dist = {}
    for c in pool:
        v = shares.loc[c].to_numpy()
        cos = v @ t / (np.linalg.norm(v) * np.linalg.norm(t))
        g = abs(np.log(gdp[c] / gdp["saxony"])) if c in gdp.index and gdp[c] > 0 else 1.0
        dist[c] = 1 - cos + g + abs(np.log(totals[c] / totals["saxony"]))
    assert peers == sorted(dist, key=dist.get)[:4]
    assert not set(peers) & OUTERMOST and all(p[:2] in eu for p in peers)
    # Outermost and non-EU candidates only when asked.
    wide = workspace_peers(ws, "saxony", n=40, pool={"outermost": True, "non_eu": True})
    assert any(p[:2] not in eu or p in OUTERMOST for p in wide)
    assert workspace_peers(ws, "DED2", 3)[0] != "DED2"
