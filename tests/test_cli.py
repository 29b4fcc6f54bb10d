"""The command line end to end, in a subprocess as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

TOOLKIT = [sys.executable, "-m", "toolkit.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*TOOLKIT, *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def user_files(tmp_path: Path) -> dict[str, Path]:
    """A consultant's own data: city codes instead of NUTS, three home-made sectors."""
    sectors = tmp_path / "sectors.csv"
    sectors.write_text(
        "code,name,type\nAGRI,Agri-food,traded\nMECH,Mechanics,traded\nGAME,Video games,emerging\n"
    )
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name\nCITY-N,North city\nCITY-S,South city\nCITY-E,East city\n")
    rows = []
    employment = {"CITY-N": (500, 1500, 40), "CITY-S": (2000, 500, 10), "CITY-E": (700, 700, 0)}
    for region, (agri, mech, game) in employment.items():
        for year, factor in ((2016, 1.0), (2021, 1.2 if region == "CITY-N" else 1.0)):
            rows.append((region, "AGRI", year, round(agri * factor), 10, agri * 30_000))
            rows.append((region, "MECH", year, round(mech * factor), 12, mech * 45_000))
            rows.append((region, "GAME", year, round(game * factor), 2, game * 50_000))
    panel = tmp_path / "panel.csv"
    pd.DataFrame(
        rows, columns=["region", "sector", "year", "employment", "enterprises", "wages"]
    ).to_csv(panel, index=False)
    return {"panel": panel, "sectors": sectors, "regions": regions}


def test_metrics_on_user_csv_with_own_regions_and_sectors(user_files, tmp_path):
    out = tmp_path / "metrics.csv"
    result = run(
        "metrics",
        "--panel",
        str(user_files["panel"]),
        "--region-table",
        str(user_files["regions"]),
        "--sectors",
        str(user_files["sectors"]),
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    metrics = pd.read_csv(out)
    required = {
        "region",
        "sector",
        "year",
        "employment",
        "share",
        "lq",
        "size_star",
        "specialisation_star",
        "productivity_star",
        "dynamism_star",
        "stars",
    }
    assert required <= set(metrics.columns)
    assert set(metrics.region) == {"CITY-N", "CITY-S", "CITY-E"}
    assert (metrics.year == 2021).all()
    # North city in 2021: MECH 1800 of a traded base 600 + 1800 = 2400; Europe MECH 1800+500+700
    # = 3000 of 2400 + 2500 + 1400 = 6300.
    north_mech = metrics[(metrics.region == "CITY-N") & (metrics.sector == "MECH")].iloc[0]
    assert north_mech.lq == pytest.approx((1800 / 2400) / (3000 / 6300))
    # The emerging sector's share uses the traded base, not the traded + emerging sum.
    north_game = metrics[(metrics.region == "CITY-N") & (metrics.sector == "GAME")].iloc[0]
    assert north_game.share == pytest.approx(48 / 2400)


def test_bad_file_lists_every_problem_exits_2_and_writes_nothing(tmp_path, user_files):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "region,sector,year,employment,wages\n"
        "CITY-N,AGRI,2021,-5,100\n"  # row 2: negative employment
        "CITY-N,MECH,20x1,10,100\n"  # row 3: year is text
        "CITY-S,AGRI,2021,lots,100\n"  # row 4: employment is text
        "CITY-S,AGRI,2021,7,100\n"  # row 5: fine on its own
        "CITY-S,AGRI,2021,8,100\n"  # row 6: duplicate of row 5
        "CITY-X,NOPE,2021,8,100\n"  # row 7: unknown sector (sector file given)
    )
    out = tmp_path / "metrics.csv"
    result = run(
        "metrics", "--panel", str(bad), "--sectors", str(user_files["sectors"]), "--out", str(out)
    )
    assert result.returncode == 2
    err = result.stderr
    for row, column in (
        (2, "employment"),
        (3, "year"),
        (4, "employment"),
        (6, "region"),
        (7, "sector"),
    ):
        assert f"row {row}, column '{column}'" in err, (row, column, err)
    assert str(bad) in err
    assert not out.exists()
    assert not list(tmp_path.glob(".metrics.csv*"))


def test_validate_reports_a_valid_file(user_files):
    result = run("validate", str(user_files["panel"]))
    assert result.returncode == 0, result.stderr
    assert "valid panel, 18 rows, 3 regions, 3 sectors" in result.stdout


def test_missing_file_is_bad_input():
    result = run("validate", "/nonexistent/panel.csv")
    assert result.returncode == 2
    assert "/nonexistent/panel.csv: file not found" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["data", "--help"],
        ["data", "demo", "--help"],
        ["validate", "--help"],
        ["metrics", "--help"],
        ["stars", "--help"],
    ],
)
def test_every_command_explains_its_options(command):
    result = run(*command)
    assert result.returncode == 0
    assert "usage: toolkit" in result.stdout
    assert "--" in result.stdout or "COMMAND" in result.stdout


def test_metrics_without_wages_says_no_productivity_star(user_files, tmp_path):
    panel = pd.read_csv(user_files["panel"]).drop(columns="wages")
    path = tmp_path / "nowages.csv"
    panel.to_csv(path, index=False)
    out = tmp_path / "m.csv"
    result = run(
        "metrics", "--panel", str(path), "--sectors", str(user_files["sectors"]), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "no productivity star" in result.stderr
    assert pd.read_csv(out).productivity_star.isna().all()
