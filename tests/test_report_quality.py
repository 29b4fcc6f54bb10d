"""Consultant-grade reports: calibrated rules, every challenge answered, credible strengths
and peers, the executive summary, maps, trends and links (issue #10)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit import charts, report
from toolkit.assessment import (
    CALIBRATION_DEFAULTS,
    ChallengeDefinition,
    Rule,
    calibrated_severity,
    detect_challenges,
    recommend,
    region_challenges,
)
from toolkit.workspace import Workspace


@pytest.fixture(scope="module")
def prepared():
    return report.prepare(Workspace.load())


def _scoreboard(score: float, value: float = 14.1, median: float = 14.5) -> pd.DataFrame:
    """One region, one higher-is-better indicator of dimension 'innovation'."""
    return pd.DataFrame(
        {
            "region": ["R"],
            "indicator": ["rd"],
            "name": ["R&D intensity"],
            "dimension": ["innovation"],
            "unit": ["%"],
            "higher_is_better": [True],
            "value": [value],
            "eu_median": [median],
            "eu_p25": [10.0],
            "eu_p75": [20.0],
            "score": [score],
        }
    )


def _detect(prepared, sb, rules, dimensions=None, dimension=None):
    params = prepared.params
    definition = ChallengeDefinition("x", "X", False, 1, tuple(rules), dimension)
    changed = type(params)(
        {"x": definition},
        params.recommendations,
        params.steps,
        params.strengths,
        params.peers,
        {},
        dict(CALIBRATION_DEFAULTS),
    )
    clusters = pd.DataFrame({"sector_type": ["other"]})
    return detect_challenges(
        "R",
        sb,
        pd.DataFrame({"region": [], "year": []}),
        clusters,
        clusters,
        changed,
        prepared.workspace.indicators,
        (2015, 2020),
        dimensions=dimensions,
    )


def test_a_tiny_gap_below_the_median_raises_nothing(prepared):
    # 14.1 % against a median of 14.5 %: below the median, but at score 47 (3 points).
    found = _detect(prepared, _scoreboard(47.0), [Rule("below_eu_median", 3, "rd")])
    assert found == []


def test_a_bottom_decile_score_always_raises_a_severe_challenge(prepared):
    # Even a rule whose comparison does not hold (value above 50 % of the median) speaks.
    rule = Rule("worse_than_share_of_eu_median", 1, "rd", 0.5)
    found = _detect(prepared, _scoreboard(6.0, value=10.0, median=14.5), [rule])
    assert [c.id for c in found] == ["x"] and found[0].severity == 3
    assert found[0].evidence[0].score == 6.0 and found[0].evidence[0].drivers == ("rd",)


@pytest.mark.parametrize(("score", "expected"), [(40, 0), (34, 1), (24, 2), (9, 3), (50, 0)])
def test_severity_grows_with_the_gap(score, expected):
    # bands worked out from the defaults: gap 15 -> 1, 25 -> 2, 40 -> 3
    assert calibrated_severity(score, CALIBRATION_DEFAULTS) == expected


def test_the_weakest_dimension_always_appears_with_its_drivers(prepared):
    sb = _scoreboard(30.0)
    dims = pd.DataFrame(
        {"region": ["R", "R"], "dimension": ["innovation", "skills"], "score": [40.0, 70.0]}
    )
    # no indicator rule: only the weakest dimension (40 < 45) can raise it
    found = _detect(prepared, sb, [Rule("worsening", 1, "rd", 0.5)], dims, "innovation")
    assert [c.id for c in found] == ["x"]
    evidence = found[0].evidence[-1]
    assert evidence.rule == "weakest_dimension" and evidence.drivers == ("rd",)
    assert evidence.severity == 1  # gap 10: below min_gap, but a weakest dimension is at least 1
    # a dimension at 70 is not weak
    assert _detect(prepared, sb, [Rule("worsening", 1, "rd", 0.5)], dims, "skills") == []


def test_every_challenge_of_every_pilot_report_has_a_recommendation(prepared):
    for union in prepared.workspace.unions:
        a = report.assess(prepared, union.id)
        assert a.advice, union.id
        answered = {cid for adv in a.advice for cid in adv.challenge_ids}
        assert {c.id for c in a.answered} <= answered, union.id
        named = set(prepared.params.findings.get(union.id, {}).get("challenges", []))
        assert named <= {c.id for c in a.answered}
        text = report.recommendations_markdown(a)
        assert "Why: chosen for" in text and "priority" in text


def test_north_and_middle_sweden_gets_recommendations_for_the_consultants_challenges(prepared):
    a = report.assess(prepared, "north-middle-sweden")
    named = prepared.params.findings["north-middle-sweden"]["challenges"]
    assert {c.id for c in a.answered} >= set(named)
    assert {cid for adv in a.advice for cid in adv.challenge_ids} >= set(named)


def test_priority_is_severity_plus_agreement_plus_breadth(prepared):
    a = report.assess(prepared, "lithuania")
    cases = {c.id: c for c in region_challenges(a.challenges, prepared.params, "lithuania")}
    for adv in recommend(a.challenges, prepared.params, "lithuania"):
        served = [c for c in adv.recommendation.challenges if c in cases]
        expected = (
            max(cases[c].severity for c in served)
            + (1 if any(cases[c].source == "both" for c in served) else 0)
            + (len(served) - 1)
        )
        assert adv.priority == expected
        assert adv.priority_explained.startswith(f"priority {expected} = severity")


def test_a_region_without_any_challenge_still_gets_general_advice(prepared):
    advice = recommend([], prepared.params, "nowhere")
    assert advice and all(a.recommendation.general for a in advice)


def test_star_cluster_strengths_need_lq_one_and_name_their_stars(prepared):
    for rid in ("wallonia", "lithuania", "piemonte"):
        a = report.assess(prepared, rid)
        own = a.clusters.set_index("sector")
        for s in (s for s in a.strengths if s.kind == "star_cluster"):
            assert own.loc[s.figures["sector"], "lq"] >= 1.0
            assert "rests on the" in s.sentence


def test_a_union_keeps_a_size_star_only_where_a_member_earns_it(prepared):
    ws = prepared.workspace
    a = report.assess(prepared, "wallonia")
    members = ws.metrics[ws.metrics["region"].isin(a.region.members)]
    alone = members.groupby("sector")["size_star"].max().fillna(0)
    for row in a.clusters.itertuples():
        size = 0 if pd.isna(row.size_star) else int(row.size_star)
        expected = int(row.stars) - (1 if size == 1 and alone.get(row.sector, 0) == 0 else 0)
        assert row.credited_stars == expected


def test_peers_are_mainland_eu_regions_of_the_same_level(prepared):
    from toolkit.scoreboard import EU27, OUTERMOST

    for rid in ("wallonia", "cantabria", "slovenia"):
        peers = report.assess(prepared, rid).peers
        assert peers and all(p[:2] in EU27 and p not in OUTERMOST and len(p) == 4 for p in peers)


def test_executive_summary_has_key_figures_three_of_each_and_links(prepared):
    a = report.assess(prepared, "piemonte")
    text = report.executive_summary_markdown(a)
    stars = report.star_cluster_rows(a)
    assert f"{stars['employment'].sum():,.0f} persons" in text
    assert f"| {len(stars)} of" in text
    rank, n = a.position
    mean = a.dimensions.groupby("region")["score"].mean()
    europe = mean[~mean.index.isin({u.id for u in prepared.workspace.unions} - {"piemonte"})]
    assert rank == int((europe > europe["piemonte"]).sum()) + 1 and n == len(europe)
    for heading in ("**Strengths**", "**Challenges**", "**Priority actions**"):
        block = text.split(heading)[1].split("**")[0]
        assert 1 <= block.count("\n- ") <= 3
    title = report.title_markdown(a)
    assert "../index.html" in title and "assessment.pdf" in title
    assert "portfolio.ipynb?region=piemonte" in title


def test_map_and_trends_show_the_region(prepared):
    a = report.assess(prepared, "saxony")
    fig = report.map_figure(a)
    assert fig is not None and "DED2" in fig.text_alternative
    trend = report.trend_figure(a)
    years = sorted(a.history["year"].unique())
    assert len(years) >= 2 and str(years[0]) in trend.text_alternative
    text = report.trends_markdown(a)
    assert "Stars gained" in text and "Stars lost" in text


def test_charts_are_svg_with_a_text_alternative(prepared):
    a = report.assess(prepared, "cantabria")
    fig = charts.stars_chart(a.clusters, a.sector_names)
    html = charts.svg_figure(fig)
    assert html.startswith('<figure class="chart"><img src="data:image/svg+xml;base64,')
    top = report.leading(a, 1)["sector"].iloc[0]
    assert 'alt="Bar chart' in html and a.sector_names[top].split(" ")[0] in html


def test_bubble_labels_start_at_the_bubble_edge():
    clusters = pd.DataFrame(
        {
            "sector": ["A", "B"],
            "sector_type": ["traded", "traded"],
            "stars": [1, 0],
            "lq": [0.5, 2.0],
            "growth": [0.01, 0.02],
            "employment": [4000.0, 1000.0],
        }
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = charts.bubble_chart(clusters, {"A": "Alpha", "B": "Beta"})
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    texts = {t.get_text(): t for t in ax.texts}
    # A is the largest bubble (area 2000 pt^2), B a quarter of it; radius sqrt(area) / 2 pt
    for name, point, area in [("Alpha", (0.5, 1.0), 2000), ("Beta", (2.0, 2.0), 500)]:
        centre = ax.transData.transform([point])[0]
        radius = np.sqrt(area) / 2 * fig.dpi / 72  # pixels
        box = texts[name].get_window_extent(renderer)
        nearest = np.clip(centre, [box.x0, box.y0], [box.x1, box.y1])
        gap = np.hypot(*(nearest - centre)) - radius
        assert 0 <= gap < 3, (name, gap)  # beside the bubble: neither on it nor away from it
