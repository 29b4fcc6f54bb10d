"""One shape from command line to kernel: the data sources as one value, shared tables, a thin
CLI, checks that run before any kernel, one atomic writer."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toolkit import report, tables
from toolkit.cli import build_parser
from toolkit.errors import BadInputError
from toolkit.sources import OPTIONS, DataSources

ROOT = Path(__file__).resolve().parent.parent


def toolkit(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "toolkit.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        **kwargs,
    )


def _options(parser, command: str) -> set[str]:
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return {o for a in sub._actions for o in a.option_strings}


def test_every_data_command_takes_the_same_data_options():
    parser = build_parser()
    wanted = {option for option, _ in OPTIONS.values()}
    for command in ("metrics", "stars", "report", "batch", "app", "partners"):
        assert wanted <= _options(parser, command), command
    assert "--regions" not in _options(parser, "report")  # one meaning: the batch's selection


def test_data_sources_travel_as_plain_parameters(tmp_path):
    panel = tmp_path / "panel.csv"
    panel.write_text("region,sector,year,employment\n")
    sources = DataSources(panel=str(panel), year=2019, benchmark="EU27_2020", method="eco")
    params = sources.to_parameters()
    assert params == {
        "panel": str(panel.resolve()),
        "year": 2019,
        "benchmark": "EU27_2020",
        "method": "eco",
    }
    assert DataSources.from_parameters(params) == sources
    assert DataSources.from_env(sources.to_env({})) == sources
    with pytest.raises(BadInputError, match="unknown data option"):
        DataSources.from_parameters({"panel_path": "x"})
    with pytest.raises(BadInputError, match="--context"):
        DataSources(context=str(tmp_path / "missing.csv"))


def test_cli_starts_without_widgets_or_plotting():
    probe = (
        "import sys, toolkit.cli as c; c.build_parser(); "
        "print(' '.join(m for m in ('ipywidgets', 'matplotlib', 'nbconvert', 'pandas') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_validate_imports_neither_widgets_nor_matplotlib(tmp_path):
    panel = tmp_path / "panel.csv"
    panel.write_text("region,sector,year,employment\nAT11,TC04,2020,120\n")
    probe = (
        "import sys, toolkit.cli as c; code = c.main(['validate', sys.argv[1]]); "
        "print(code, 'ipywidgets' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(panel)], capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[-3:] == ["0", "False", "False"]


def test_report_and_app_list_the_same_leading_clusters():
    from toolkit import explorers as E

    prepared = report.prepared_for()
    a = report.assess(prepared, "wallonia")
    ws = prepared.workspace
    table = ws.analysis_metrics
    own = table[(table["region"] == "wallonia") & (table["sector_type"] != "emerging")]
    # Expected, worked out here: most stars, then highest LQ, then most employment.
    expected = [
        row.sector
        for row in sorted(
            own.itertuples(), key=lambda r: (-int(r.stars), -float(r.lq), -float(r.employment))
        )
    ][:5]
    assert list(report.leading(a, 5)["sector"]) == expected
    assert list(report.cluster_table(a, 5)["Code"]) == expected
    assert report.summary_record(a)["top_clusters"].split(", ") == [
        ws.sector_name(s) for s in expected[:3]
    ]
    view = E.RegionalPerformanceOverview(E.AppData(ws), region="wallonia")
    assert list(view.clusters()["sector"].head(5)) == expected
    assert list(view.cluster_table.data["Code"].head(5)) == expected
    # the report's table holds no emerging industry that its star chart leaves out
    assert set(report.cluster_table(a)["Type"]) <= {"traded", "other"}


def test_mistyped_union_member_fails_at_planning_before_any_kernel(tmp_path):
    unions = tmp_path / "regions.yaml"
    unions.write_text("regions:\n  - id: tyrol\n    name: Tyrol\n    members: [AT33, AT3X]\n")
    out = tmp_path / "reports"
    started = time.perf_counter()
    result = toolkit("batch", "--regions-of-analysis", str(unions), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert "AT3X" in result.stderr and "regions.yaml" in result.stderr
    assert not out.exists()  # nothing planned, no kernel started
    assert time.perf_counter() - started < 60


def test_a_bad_recommendation_file_does_not_stop_the_apps(tmp_path, monkeypatch):
    from toolkit.app import check_data

    params = tmp_path / "parameters"
    shutil.copytree(ROOT / "parameters", params)
    rec = params / "recommendations.yaml"
    rec.write_text(rec.read_text().replace("step: 2", "step: 99", 1))
    monkeypatch.setenv("EOCIC_PARAMETERS", str(params))
    assert "regions" in check_data(DataSources())  # the apps read no assessment parameter
    from toolkit.assessment import load_assessment_parameters

    with pytest.raises(BadInputError, match="recommendations.yaml"):
        load_assessment_parameters()  # the reports do, and say which file is wrong


def test_star_cluster_threshold_is_read_from_the_parameters(tmp_path, monkeypatch):
    params = tmp_path / "parameters"
    shutil.copytree(ROOT / "parameters", params)
    settings = params / "assessment.yaml"
    text = settings.read_text()
    assert "star_cluster_min_stars: 2" in text
    settings.write_text(text.replace("star_cluster_min_stars: 2", "star_cluster_min_stars: 3"))
    monkeypatch.setenv("EOCIC_PARAMETERS", str(params))
    a = report.assess(report.prepared_for(), "lithuania")
    own = a.clusters[a.clusters["sector_type"] != "emerging"]
    record = report.summary_record(a)
    assert record["star_min"] == 3
    assert record["star_clusters"] == int((own["stars"] >= 3).sum())
    assert tables.star_cluster_count(a.clusters, 3) == record["star_clusters"]


def test_unknown_strength_setting_names_the_file_and_key(tmp_path, monkeypatch):
    params = tmp_path / "parameters"
    shutil.copytree(ROOT / "parameters", params)
    settings = params / "assessment.yaml"
    settings.write_text(settings.read_text().replace("top_n:", "top_number:"))
    monkeypatch.setenv("EOCIC_PARAMETERS", str(params))
    from toolkit.assessment import load_assessment_parameters

    with pytest.raises(BadInputError, match=r"assessment.yaml.*strengths.top_number"):
        load_assessment_parameters()


def test_atomic_writes_live_in_one_module():
    """Every module writes through toolkit.files; none renames temporary files itself."""
    pattern = re.compile(r"os\.replace\(|\.replace\((path|dest|target)\)|mkstemp\(")
    offenders = [
        p.name
        for p in (ROOT / "toolkit").glob("*.py")
        if p.name != "files.py" and pattern.search(p.read_text())
    ]
    assert offenders == []


def test_data_and_reference_do_not_import_each_other_in_a_circle():
    import ast

    def imports(name: str) -> set[str]:
        tree = ast.parse((ROOT / "toolkit" / f"{name}.py").read_text())
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
        return found

    assert "toolkit.data" not in imports("reference")
    assert "toolkit.reference" in imports("data")


def test_partners_command_lists_partner_regions(tmp_path):
    out = tmp_path / "partners.csv"
    result = toolkit("partners", "wallonia", "--sector", "TC04", "--n", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    import pandas as pd

    table = pd.read_csv(out)
    assert set(table["partnership"]) <= {"complementary", "similar"}
    assert "wallonia" not in set(table["region"])
    assert (table.groupby("partnership")["rank"].max() <= 3).all()
    bad = toolkit("partners", "wallonia", "--sector", "TC4")
    assert bad.returncode == 2 and "TC04" in bad.stderr
