"""Assessment engine: rules, evidence, strengths, recommendations and consultant findings."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from toolkit import paths, report
from toolkit.assessment import (
    load_assessment_parameters,
    load_challenges,
    recommend,
)
from toolkit.errors import BadInputError
from toolkit.workspace import Workspace

# The joint challenges of the Summary Report on Policy Lessons Learnt, as DESIGN.md lists
# them (the consultants' findings the toolkit must reproduce exactly).
SUMMARY_REPORT = {
    "research_innovation_access": [
        "East and North Finland",
        "North and Middle Sweden",
        "Hauts-de-France",
        "Wallonia",
        "Centre-Val de Loire",
    ],
    "ecosystem_collaboration": [
        "East and North Finland",
        "North and Middle Sweden",
        "Lithuania",
        "Piemonte",
        "Cantabria",
        "Wallonia",
        "Saxony",
    ],
    "value_added_productivity": ["East and North Finland", "Slovenia", "Lithuania"],
    "cluster_management": [
        "Cantabria",
        "Slovenia",
        "Lithuania",
        "North and Middle Sweden",
        "Piemonte",
    ],
    "entrepreneurial_dynamics": [
        "North and Middle Sweden",
        "East and North Finland",
        "Piemonte",
        "Wallonia",
        "Centre-Val de Loire",
    ],
}


@pytest.fixture(scope="module")
def prepared():
    return report.prepare(Workspace.load())


def test_consultant_matrix_reproduces_the_summary_report(prepared):
    joint = report.joint_challenges()
    consultant = joint.matrix[joint.matrix.consultant]
    names = {u.id: u.name for u in prepared.workspace.unions}
    for challenge, regions in SUMMARY_REPORT.items():
        found = sorted(names[r] for r in consultant[consultant.challenge == challenge].region)
        assert found == sorted(regions), challenge
    # No other consultant finding is recorded for the five joint challenges' regions.
    assert len(consultant) == sum(len(v) for v in SUMMARY_REPORT.values())
    assert list(joint.consultant_view.columns) == [u.name for u in prepared.workspace.unions]


def test_report_on_demo_data_has_strengths_challenges_and_recommendations_with_figures(prepared):
    a = report.assess(prepared, "lithuania")
    assert a.strengths and a.challenges and a.advice
    for challenge in a.challenges:
        for evidence in challenge.evidence:
            # every piece of evidence carries the number and what it was compared with
            assert evidence.value == evidence.value and evidence.benchmark == evidence.benchmark
            assert any(ch.isdigit() for ch in evidence.sentence)
    assert all(any(ch.isdigit() for ch in s.sentence) for s in a.strengths)
    text = report.challenges_markdown(a) + report.strengths_markdown(a)
    assert "consultants only" in text or "both" in text


def test_rule_evidence_matches_the_scoreboard(prepared):
    a = report.assess(prepared, "lithuania")
    sb = a.scoreboard.set_index("indicator")
    for challenge in a.challenges:
        for e in challenge.evidence:
            if e.rule == "worse_than_share_of_eu_median":
                row = sb.loc[e.indicator]
                assert e.value == pytest.approx(row.value)
                expected = 0.75 * row.eu_median if row.higher_is_better else row.eu_median / 0.75
                assert e.benchmark == pytest.approx(expected)
                assert (e.value < e.benchmark) if row.higher_is_better else e.value > e.benchmark


def test_a_rule_change_in_parameters_changes_the_detected_challenges(tmp_path, prepared):
    folder = tmp_path / "parameters"
    shutil.copytree(paths.parameters_dir(), folder)
    rules = yaml.safe_load((folder / "challenges.yaml").read_text())
    # Make the skills rule impossible to miss: below 10x the EU median of tertiary education.
    rules["challenges"]["skills_mismatch"]["rules"] = [
        {
            "indicator": "tertiary_education",
            "comparison": "worse_than_share_of_eu_median",
            "threshold": 10.0,
            "severity": 3,
        }
    ]
    (folder / "challenges.yaml").write_text(yaml.safe_dump(rules))
    changed = report.Prepared(
        prepared.workspace,
        prepared.scoreboard,
        prepared.dimensions,
        load_assessment_parameters(folder, prepared.workspace.indicators),
    )
    region = "north-middle-sweden"
    before = {c.id for c in report.assess(prepared, region).challenges}
    after = {c.id for c in report.assess(changed, region).challenges}
    assert "skills_mismatch" not in before
    assert after == before | {"skills_mismatch"}


def test_bad_challenge_rules_name_file_and_key(tmp_path):
    path = tmp_path / "challenges.yaml"
    path.write_text(
        "challenges:\n  x:\n    name: X\n    rules:\n"
        "      - {indicator: rd_intensity, comparison: sideways, severity: 2}\n"
        "      - {indicator: rd_intensity, comparison: bottom_quartile, severity: 9}\n"
    )
    with pytest.raises(BadInputError) as info:
        load_challenges(path)
    text = str(info.value)
    assert str(path) in text
    assert "challenges.x.rules[1].comparison" in text and "challenges.x.rules[2].severity" in text


def test_recommendations_are_prioritised_by_severity(prepared):
    a = report.assess(prepared, "lithuania")
    advice = recommend(a.challenges, prepared.params)
    severity = {c.id: c.severity for c in a.challenges}
    for adv in advice:
        answered = [c for c in adv.recommendation.challenges if c in severity]
        assert adv.priority == max(severity[c] for c in answered) + len(answered) - 1
    assert [x.priority for x in advice] == sorted((x.priority for x in advice), reverse=True)
    assert all(1 <= x.recommendation.step <= 5 for x in advice)


def test_findings_mark_agreement(prepared):
    a = report.assess(prepared, "slovenia")
    detected = {c.id for c in a.challenges}
    consultant = set(prepared.params.findings["slovenia"]["challenges"])
    table = a.findings.set_index("challenge")
    for cid in consultant | detected:
        expected = (
            "both"
            if cid in consultant and cid in detected
            else "consultants only"
            if cid in consultant
            else "indicators only"
        )
        assert table.loc[cid, "agreement"] == expected


def test_joint_csv_has_the_documented_columns(tmp_path):
    path = tmp_path / "joint.csv"
    report.joint_challenges(csv_path=path)
    matrix = pd.read_csv(path)
    assert list(matrix.columns) == ["challenge", "region", "consultant", "detected"]
    assert len(matrix) == 9 * 10


def test_missing_wages_skip_the_productivity_rule(prepared):
    ws = prepared.workspace
    no_wages = Workspace(
        ws.panel.drop(columns="wages"),
        ws.context,
        ws.regions,
        ws.sectors,
        ws.unions,
        ws.params,
        ws.indicators,
        ws.provenance,
    )
    bundle = report.prepare(no_wages, prepared.params)
    a = report.assess(bundle, "lithuania")
    assert not a.wages_available
    assert all(e.rule != "low_cluster_productivity" for c in a.challenges for e in c.evidence)
    assert "no productivity star" in report.profile_markdown(a)


def test_region_names_from_data_are_escaped(prepared):
    ws = prepared.workspace
    from toolkit.parameters import RegionOfAnalysis

    evil = RegionOfAnalysis("evil", "<img src=x onerror=alert(1)>", ("LT01", "LT02"))
    hacked = Workspace(
        ws.panel,
        ws.context,
        ws.regions,
        ws.sectors,
        [*ws.unions, evil],
        ws.params,
        ws.indicators,
        ws.provenance,
    )
    a = report.assess(report.prepare(hacked, prepared.params), "evil")
    assert "<img" not in report.title_markdown(a)
    assert "&lt;img" in report.title_markdown(a)


def test_every_item_has_a_table_form_with_its_figures(prepared):
    from toolkit.assessment import evidence_table, recommendations_table, strengths_table

    a = report.assess(prepared, "piemonte")
    evidence = evidence_table(a.challenges)
    assert len(evidence) == sum(len(c.evidence) for c in a.challenges)
    assert {"indicator", "value", "benchmark", "rule", "sentence"} <= set(evidence.columns)
    strengths = strengths_table(a.strengths)
    stars = strengths[strengths.kind == "star_cluster"]
    own = a.clusters.set_index("sector")
    for row in stars.itertuples():  # each figure is the cluster's own metric
        assert row.stars == own.loc[row.sector, "stars"] >= 2
        assert row.employment == pytest.approx(own.loc[row.sector, "employment"])
    advice = recommendations_table(a.advice)
    assert list(advice["priority"]) == sorted(advice["priority"], reverse=True)
    assert advice["addresses"].str.len().min() > 0


def test_report_tables_format_persons_and_euros_without_decimals(prepared):
    a = report.assess(prepared, "cantabria")
    page = report.cluster_table_view(a).to_html()
    top = a.clusters.sort_values(["stars", "lq"], ascending=False).iloc[0]
    assert f"{top.employment:,.0f}<" in page
    indicators = report.indicator_table_view(a).to_html()
    assert "EU median" in indicators and "Peer median" in indicators


def test_union_report_compares_its_size_stars_with_its_members_own(prepared):
    """A union ranked as one region earns size stars more easily; the profile says how many
    its members earn alone, counted here from the members' rows of the NUTS-2 table."""
    ws = prepared.workspace
    a = report.assess(prepared, "wallonia")
    members = ws.metrics[
        ws.metrics["region"].isin(["BE31", "BE32", "BE33", "BE34", "BE35"])
        & (ws.metrics["sector_type"] == "traded")
    ]
    alone = int((members.groupby("sector")["size_star"].max() == 1).sum())
    union = a.clusters[a.clusters["sector_type"] == "traded"]
    as_union = int((union["size_star"] == 1).sum())
    text = report.profile_markdown(a)
    assert f"{as_union} as a union, against {alone} that its members earn" in text
    assert "A union of 5 regions" in text
    # A single-code region has no such note.
    assert "A union of" not in report.profile_markdown(report.assess(prepared, "piemonte"))
