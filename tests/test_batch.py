"""The batch on real kernels: reports, failures, kill and resume, fail-fast, Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow

TOOLKIT = [sys.executable, "-m", "toolkit.cli"]

REGIONS = """regions:
  - {id: lithuania, name: Lithuania, members: [LT01, LT02]}
  - {id: ghost, name: Ghost region, members: [BE3]}
  - {id: cantabria, name: Cantabria, members: [ES13]}
"""


def toolkit(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*TOOLKIT, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    """Three regions, one of which (BE3: a NUTS-1 code, no rows in the panel) must fail."""
    folder = tmp_path_factory.mktemp("batch")
    regions = folder / "regions.yaml"
    regions.write_text(REGIONS)
    out = folder / "reports"
    result = toolkit(
        "batch", "--regions-of-analysis", str(regions), "--jobs", "2", "--out", str(out)
    )
    return result, out


def test_one_failing_region_does_not_stop_the_others(batch_run):
    result, out = batch_run
    assert result.returncode == 1, result.stderr
    summary = json.loads((out / "run_summary.json").read_text())
    assert summary["ok"] == 3 and summary["failed"] == 1  # 2 regions + the synthesis
    failure = summary["failures"][0]
    assert failure["region"] == "ghost"
    assert "no cluster data for Ghost region" in failure["error"]
    assert isinstance(failure["cell"], int)
    assert "FAILED ghost" in (out / "run_summary.txt").read_text()
    assert (out / "ghost" / "assessment.failed.ipynb").is_file()
    assert not (out / "ghost" / "assessment.html").exists()


def test_reports_are_self_contained_readable_and_marked_synthetic(batch_run):
    _, out = batch_run
    page = (out / "lithuania" / "assessment.html").read_text()
    assert "SYNTHETIC DEMO DATA" in page
    for heading in (
        "Region profile",
        "Cluster portfolio",
        "Strengths",
        "Challenges",
        "Recommendations",
    ):
        assert heading in page
    assert "data:image/svg+xml;base64" in page and 'alt="Bar chart' in page  # vector charts
    assert "<script src=" not in page and "mathjax" not in page.lower()  # nothing from a CDN
    assert "Executive summary" in page and "../index.html" in page
    assert (out / "lithuania" / "assessment.pdf").read_bytes().startswith(b"%PDF")
    assert "report.assessment_for(" not in page  # code hidden
    assert "Traceback" not in page
    executed = json.loads((out / "lithuania" / "assessment.ipynb").read_text())
    tags = [c["metadata"].get("tags", []) for c in executed["cells"]]
    assert ["injected-parameters"] in tags


def test_index_links_every_report_and_the_synthesis(batch_run):
    _, out = batch_run
    index = (out / "index.html").read_text()
    assert "lithuania/assessment.html" in index and "cantabria/assessment.html" in index
    assert "lithuania/assessment.pdf" in index and "portfolio.ipynb?region=lithuania" in index
    assert "ghost/assessment.html" not in index and "failed" in index
    assert "joint_challenges.html" in index and "SYNTHETIC" in index
    assert (out / "joint_challenges.html").is_file()
    assert (
        (out / "joint_challenges.csv")
        .read_text()
        .startswith("challenge,region,consultant,detected")
    )


def test_index_record_is_the_notebooks_own_and_leaves_no_trace(batch_run):
    from toolkit.kernels import INDEX_MIME
    from toolkit.sources import DataSources
    from toolkit.workspace import Workspace

    _, out = batch_run
    summary = json.loads((out / "lithuania" / "status.json").read_text())["summary"]
    ws = Workspace.load(DataSources(regions_of_analysis=str(out.parent / "regions.yaml")))
    table = ws.analysis_metrics
    own = table[(table["region"] == "lithuania") & (table["sector_type"] == "traded")]
    assert summary["starred"] == int((own["stars"] > 0).sum())
    assert summary["star_clusters"] == int((own["stars"] >= 2).sum())
    for name in ("assessment.html", "assessment.ipynb"):
        assert INDEX_MIME not in (out / "lithuania" / name).read_text()


def test_one_region_report_keeps_the_other_reports_in_the_index(batch_run, tmp_path):
    import shutil

    _, first = batch_run
    out = tmp_path / "reports"
    shutil.copytree(first, out)
    result = toolkit("report", "piemonte", "--out", str(out))
    assert result.returncode == 0, result.stderr
    index = (out / "index.html").read_text()
    for region in ("piemonte", "lithuania", "cantabria"):
        assert f"{region}/assessment.html" in index, region
    assert "joint_challenges.html" in index and "SYNTHETIC" in index
    # The single report is added to the folder's run summary: the batch's entries stay (its
    # failure too), piemonte joins them.
    before = json.loads((first / "run_summary.json").read_text())
    after = json.loads((out / "run_summary.json").read_text())
    ids = {r["region_id"] for r in before["regions"]}
    assert "piemonte" not in ids
    assert {r["region_id"] for r in after["regions"]} == ids | {"piemonte"}
    assert after["ok"] == before["ok"] + 1 and after["failed"] == before["failed"]


def test_unknown_region_fails_fast_with_a_clear_message(tmp_path):
    started = time.perf_counter()
    result = toolkit("report", "nowhere-land", "--out", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "unknown region 'nowhere-land'" in result.stderr
    assert not (tmp_path / "r").exists()  # failed before anything was written or started
    assert time.perf_counter() - started < 60


def test_bad_batch_parameter_fails_before_any_kernel(tmp_path):
    result = toolkit("batch", "--jobs", "0", "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and "--jobs" in result.stderr
    result = toolkit("batch", "--regions-of-analysis", str(tmp_path / "missing.yaml"))
    assert result.returncode == 2 and "missing.yaml" in result.stderr


def test_killed_batch_resumes_without_corrupt_files(tmp_path):
    out = tmp_path / "reports"
    process = subprocess.Popen(
        [*TOOLKIT, "batch", "--jobs", "1", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 300
    while time.time() < deadline and len(list(out.glob("*/status.json"))) < 2:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished_before = {p.parent.name for p in out.glob("*/status.json")}
    assert 2 <= len(finished_before) < 10
    for html_file in out.glob("*/assessment.html"):
        assert html_file.read_text().rstrip().endswith("</html>")  # never half-written
    result = toolkit("batch", "--jobs", "2", "--resume", "--out", str(out))
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "run_summary.json").read_text())
    kept = {r["region_id"] for r in summary["regions"] if r["status"] == "skipped"}
    assert kept == finished_before
    assert summary["ok"] + summary["skipped"] == 11 and summary["failed"] == 0
    assert not list(out.rglob(".*.tmp"))
    for region in out.glob("*/status.json"):
        assert json.loads(region.read_text())["status"] == "ok"


def test_dask_executor_runs_the_same_work_on_a_local_cluster(tmp_path):
    from distributed import LocalCluster

    regions = tmp_path / "regions.yaml"
    regions.write_text(
        "regions:\n  - {id: slovenia, name: Slovenia, members: [SI03, SI04]}\n"
        "  - {id: saxony, name: Saxony, members: [DED2, DED4, DED5]}\n"
    )
    with LocalCluster(
        n_workers=1, threads_per_worker=2, host="127.0.0.1", dashboard_address=None, processes=True
    ) as cluster:
        result = toolkit(
            "batch",
            "--regions-of-analysis",
            str(regions),
            "--executor",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "--out",
            str(tmp_path / "r"),
        )
    assert result.returncode == 0, result.stderr
    for region in ("slovenia", "saxony"):
        assert "Regional assessment" in (tmp_path / "r" / region / "assessment.html").read_text()
