"""The README's real-data walk, end to end on a file in Eurostat's current download layout:
convert a renamed ``nama_10r_3empers`` file, compute metrics against the EU-27, build the real
context, write a report. Every command is the one the README shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
A10 = ["TOTAL", "A", "B-E", "C", "F", "G-I", "G-J", "J", "K", "L", "M-N", "O-Q", "R-U"]
# Thousand persons employed: the base sectors A, B-E, F, G-I, J, K, L, M-N, O-Q, R-U add up to
# 100; C is inside B-E and G-J = G-I + J.
SHARES = {"A": 5, "B-E": 20, "C": 15, "F": 7, "G-I": 25, "G-J": 29, "J": 4, "K": 3, "L": 1}
SHARES |= {"M-N": 10, "O-Q": 20, "R-U": 5, "TOTAL": 100}


def toolkit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "toolkit.cli", *args], capture_output=True, text=True, cwd=cwd
    )


def write_download(path: Path) -> Path:
    """AT11, AT12, AT21, AT22 (AT11 with twice the financial services), the country, an
    extra-regio code and the EU-27 total, 2017 and 2018, as the data browser writes them."""
    geos = {"AT11": {"K": 6}, "AT12": {}, "AT21": {"C": 17}, "AT22": {}, "AT": {}, "ATZZ": {}}
    geos["EU27_2020"] = {}
    lines = ["freq,unit,wstatus,nace_r2,geo\\TIME_PERIOD\t2017 \t2018 "]
    for geo, changes in geos.items():
        scale = 50 if geo == "EU27_2020" else 1
        for sector in A10:
            value = (SHARES | changes)[sector]
            if geo == "AT11" and sector == "TOTAL":
                value = 103
            lines.append(f"A,THS,EMP,{sector},{geo}\t{value * scale} \t{value * scale} p")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_readme_real_data_walk(tmp_path):
    download = write_download(tmp_path / "estat_download (1).tsv")
    out = tmp_path / "eurostat"
    converted = toolkit(
        "data", "eurostat", "--input", str(download), "--keep-benchmark", "--out", str(out)
    )
    assert converted.returncode == 0, converted.stderr
    assert "ATZZ" in converted.stderr  # extra-regio left out and said so
    sectors = pd.read_csv(out / "sectors.csv").set_index("code")
    assert not sectors.loc["C", "base"] and not sectors.loc["G-J", "base"]

    metrics = tmp_path / "metrics.csv"
    result = toolkit(
        "metrics",
        "--panel",
        str(out / "panel.parquet"),
        "--sectors",
        str(out / "sectors.csv"),
        "--benchmark",
        "EU27_2020",
        "--out",
        str(metrics),
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(metrics).set_index(["region", "sector"])
    assert set(table.index.get_level_values(0)) == {"AT11", "AT12", "AT21", "AT22"}
    # AT11: K is 6 of its 103 base persons; in the EU-27 it is 3 of 100.
    assert table.loc[("AT11", "K"), "lq"] == pytest.approx((6 / 103) / (3 / 100))
    assert table.loc[("AT11", "K"), "region_employment"] == 103_000  # no C, no G-J counted

    context = tmp_path / "context.parquet"
    built = toolkit("data", "context", "--real", "--out", str(context))
    assert built.returncode == 0, built.stderr
    reports = tmp_path / "reports"
    report = toolkit(
        "report",
        "AT11",
        "--panel",
        str(out / "panel.parquet"),
        "--sectors",
        str(out / "sectors.csv"),
        "--context",
        str(context),
        "--benchmark",
        "EU27_2020",
        "--out",
        str(reports),
    )
    assert report.returncode == 0, report.stderr
    page = (reports / "AT11" / "assessment.html").read_text()
    assert "Burgenland" in page and "EU27_2020" in page
    assert "SYNTHETIC" not in page
    assert "Not available" in page and "Unemployment rate" in page
    assert "cluster-management and cluster-productivity" in page  # not assessed on NACE
