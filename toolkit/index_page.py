"""The batch's index page (``index.html``) and run summary (``run_summary.json``/``.txt``).

The index lists every report in the reports folder, this run's and earlier ones' (read from
their ``status.json``), so ``toolkit report REGION`` never shrinks it to one region; the run
summary of a single report is added to the summary of the folder instead of replacing it.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from pathlib import Path

from toolkit.files import write_atomic
from toolkit.kernels import RegionResult


def earlier_reports(out: Path, exclude: set[str]) -> list[RegionResult]:
    """The reports of earlier runs in the folder (their ``status.json``), so that the index of
    ``toolkit report REGION`` or of a partial batch still lists every report there is."""
    found = []
    for status in sorted(out.glob("*/status.json")):
        if status.parent.name in exclude:
            continue
        try:
            record = json.loads(status.read_text())
            found.append(RegionResult(**record))
        except (json.JSONDecodeError, TypeError):
            continue  # not a status file of ours: leave it out of the index
    return found


def write_index(out: Path, results: list[RegionResult], synthetic: bool, joint: bool) -> Path:
    """``index.html``: a table of regions with stars and top challenges, linking each report.
    The synthetic banner shows when this run or any listed report used synthetic data."""
    e = html.escape
    synthetic = synthetic or any((r.summary or {}).get("synthetic") for r in results)
    rows = []
    for r in sorted(results, key=lambda r: r.region_name):
        s = r.summary or {}
        ok = r.status in ("ok", "skipped")
        link = (
            f"<a href='{e(r.region_id)}/assessment.html'>{e(r.region_name)}</a>"
            if ok
            else e(r.region_name)
        )
        views = (
            f"<a href='{e(r.region_id)}/assessment.html'>HTML</a> · "
            f"<a href='{e(r.region_id)}/assessment.pdf'>PDF</a>"
            + (f" · <a href='{e(s['app_link'])}'>app</a>" if s.get("app_link") else "")
            if ok
            else ""
        )
        status = (
            ""
            if r.status in ("ok", "skipped")
            else f"<span class='bad'>failed: {e(r.error)}</span>"
        )
        rows.append(
            f"<tr><td>{link}</td><td>{e(r.region_id)}</td><td>{views}</td>"
            f"<td class='n'>{e(str(s.get('starred', '')))}</td>"
            f"<td class='n'>{e(str(s.get('star_clusters', '')))}</td>"
            f"<td>{e(s.get('top_clusters', ''))}</td><td>{e(s.get('top_challenges', ''))}"
            f"{status}</td></tr>"
        )
    banner = (
        "<p class='synthetic'>SYNTHETIC DEMO DATA — these reports are generated from "
        "synthetic figures for demonstration; they describe no real region.</p>"
        if synthetic
        else ""
    )
    joint_link = (
        "<p><a href='joint_challenges.html'>Joint challenges across the regions</a> "
        "(also as <a href='joint_challenges.pdf'>PDF</a>; matrix as "
        "<a href='joint_challenges.csv'>CSV</a>)</p>"
        if joint
        else ""
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>EOCIC regional assessments</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:75em}}table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}}
td.n{{text-align:right}}.synthetic{{border:2px solid #b00;background:#fee;padding:8px;
font-weight:bold}}.bad{{color:#b00}}</style></head><body>
<h1>EOCIC regional assessments</h1>{banner}{joint_link}
<table><thead><tr><th>Region</th><th>Id</th><th>Report</th><th>Clusters with stars</th>
<th>Star clusters (2+)</th><th>Leading clusters</th><th>Top challenges</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    path = out / "index.html"
    write_atomic(path, page)
    return path


def write_summary(
    out: Path, results: list[RegionResult], seconds: float, *, add: bool = False
) -> None:
    """``run_summary.json`` and ``run_summary.txt`` of a run. With ``add`` (a single report),
    this run's regions replace their earlier entries in the folder's summary and the others
    stay, so one ``toolkit report`` never hides the failures of the last batch."""
    if add:
        results = _earlier_summary(out, {r.region_id for r in results}) + list(results)
    ok = [r for r in results if r.status == "ok"]
    failed = [r for r in results if r.status == "failed"]
    skipped = [r for r in results if r.status == "skipped"]
    data = {
        "seconds": round(seconds, 1),
        "ok": len(ok),
        "failed": len(failed),
        "skipped": len(skipped),
        "failures": [{"region": r.region_id, "cell": r.cell, "error": r.error} for r in failed],
        "regions": [asdict(r) for r in results],
    }
    write_atomic(out / "run_summary.json", json.dumps(data, indent=1, default=str))
    lines = [
        f"{len(ok)} reports written, {len(skipped)} kept from an earlier run, "
        f"{len(failed)} failed, in {seconds:.1f} s"
    ]
    lines += [f"FAILED {r.region_id}: cell {r.cell}: {r.error}" for r in failed]
    write_atomic(out / "run_summary.txt", "\n".join(lines) + "\n")


def _earlier_summary(out: Path, exclude: set[str]) -> list[RegionResult]:
    try:
        records = json.loads((out / "run_summary.json").read_text()).get("regions", [])
        return [RegionResult(**r) for r in records if r.get("region_id") not in exclude]
    except (OSError, json.JSONDecodeError, TypeError, AttributeError):
        return []
