"""NACE class data in cluster categories, end to end through the command line: aggregate a
NACE-4 panel with the shipped concordance, then report on it. The report must name the
method and the share of employment in split classes; bad input exits 2 and writes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from toolkit.concordance import load_concordance

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ("C2910", "C1011", "K6419", "J6201", "O8411", "C1392")  # C1392: split


def toolkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "toolkit.cli", *args], capture_output=True, text=True, cwd=ROOT
    )


def nace_panel(path: Path) -> Path:
    rows = []
    for i, region in enumerate(("AT11", "AT12", "AT13", "AT21", "AT22", "AT31")):
        for j, nace in enumerate(CLASSES):
            for year in (2019, 2020):
                rows.append((region, nace, year, 1000 * (1 + i) + 500 * j + 10 * (year - 2019)))
    pd.DataFrame(rows, columns=["region", "sector", "year", "employment"]).to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_aggregated_panel_report_names_its_method_and_split_share(tmp_path):
    panel = nace_panel(tmp_path / "nace4.csv")
    out = tmp_path / "clusters.parquet"
    result = toolkit("data", "aggregate", "--panel", str(panel), "--out", str(out))
    assert result.returncode == 0, result.stderr
    aggregated = pd.read_parquet(out)
    # Expected, from the shipped table: each class's employment times its weights, summed,
    # the LOCAL part left out.
    table = load_concordance()
    raw = pd.read_csv(panel)
    merged = raw.merge(table, left_on="sector", right_on="nace", suffixes=("", "_tc"))
    traded = merged[merged["sector_tc"] != "LOCAL"]
    expected = (
        (traded["employment"] * traded["weight"]).groupby([traded["region"], traded["year"]]).sum()
    )
    got = aggregated.groupby(["region", "year"])["employment"].sum()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    split = table[table["mapping"] == "split"]["nace"]
    split_share = raw.loc[raw["sector"].isin(split) & (raw["year"] == 2020), "employment"].sum()
    split_share /= raw.loc[raw["year"] == 2020, "employment"].sum()

    reports = tmp_path / "reports"
    report = toolkit("report", "AT11", "--panel", str(out), "--out", str(reports))
    assert report.returncode == 0, report.stderr
    page = (reports / "AT11" / "assessment.html").read_text()
    assert "cluster categories approximated from NACE via ISIC and NAICS" in page
    assert "split between categories" in page
    assert split_share > 0 and f"{split_share:.1%}" in page


def test_unknown_nace_code_exits_2_and_writes_nothing(tmp_path):
    panel = tmp_path / "nace4.csv"
    panel.write_text("region,sector,year,employment\nAT11,C2910,2020,10\nAT11,C9999,2020,5\n")
    out = tmp_path / "clusters.csv"
    result = toolkit("data", "aggregate", "--panel", str(panel), "--out", str(out))
    assert result.returncode == 2
    assert "C9999" in result.stderr
    assert not out.exists()
