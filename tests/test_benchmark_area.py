"""Real files as they come: benchmark areas, extra-regio and mixed NUTS levels, methods, the
default year and one-year data. Expected values are worked out by hand in each test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from toolkit.benchmark import split_panel
from toolkit.errors import BadInputError
from toolkit.sources import DataSources
from toolkit.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent


def toolkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "toolkit.cli", *args], capture_output=True, text=True, cwd=ROOT
    )


def write_panel(path: Path, rows: list[tuple]) -> Path:
    frame = pd.DataFrame(rows, columns=["region", "sector", "year", "employment"])
    frame.to_csv(path, index=False)
    return path


# Two NUTS-2 regions of Italy, the EU total, an extra-regio code, the country, its NUTS-1
# region and a NUTS-3 region, as a real Eurostat file mixes them (2020, persons).
MIXED = [
    ("ITC1", "X", 2020, 100),
    ("ITC1", "Y", 2020, 300),
    ("ITC2", "X", 2020, 200),
    ("ITC2", "Y", 2020, 200),
    ("EU27_2020", "X", 2020, 2000),
    ("EU27_2020", "Y", 2020, 2000),
    ("ITZZ", "X", 2020, 5),
    ("ITZZ", "Y", 2020, 5),
    ("IT", "X", 2020, 300),
    ("IT", "Y", 2020, 500),
    ("ITC", "X", 2020, 300),
    ("ITC", "Y", 2020, 500),
    ("ITC11", "X", 2020, 40),
    ("ITC11", "Y", 2020, 60),
]


@pytest.fixture
def mixed(tmp_path) -> Path:
    return write_panel(tmp_path / "mixed.csv", MIXED)


def _lq(out: Path) -> dict[tuple[str, str], float]:
    table = pd.read_csv(out)
    return {
        (r, s): lq for r, s, lq in zip(table["region"], table["sector"], table["lq"], strict=True)
    }


def test_mixed_file_validates_and_ranks_only_the_nuts2_regions(mixed, tmp_path):
    checked = toolkit("validate", str(mixed))
    assert checked.returncode == 0, checked.stderr
    assert "extra-regio" in checked.stderr and "level 3" in checked.stderr
    out = tmp_path / "m.csv"
    result = toolkit("metrics", "--panel", str(mixed), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert set(pd.read_csv(out)["region"]) == {"ITC1", "ITC2"}
    assert "left out 1 extra-regio code (ITZZ)" in result.stderr
    assert "EU27_2020" in result.stderr and "--benchmark" in result.stderr
    # Default benchmark: the sum of the two regions (X 300, Y 500 of 800):
    # LQ[ITC1, X] = (100 / 400) / (300 / 800) = 0.25 / 0.375
    assert _lq(out)[("ITC1", "X")] == pytest.approx(0.25 / 0.375)


def test_benchmark_code_takes_the_rows_of_the_panel(mixed, tmp_path):
    out = tmp_path / "m.csv"
    result = toolkit(
        "metrics", "--panel", str(mixed), "--benchmark", "EU27_2020", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    lq = _lq(out)
    # EU27_2020: X 2000 and Y 2000, so each sector's benchmark share is 0.5.
    assert lq[("ITC1", "X")] == pytest.approx((100 / 400) / 0.5)  # 0.5
    assert lq[("ITC1", "Y")] == pytest.approx((300 / 400) / 0.5)  # 1.5
    assert lq[("ITC2", "X")] == pytest.approx((200 / 400) / 0.5)  # 1.0
    assert "EU27_2020" not in set(pd.read_csv(out)["region"])
    assert "benchmark: EU27_2020" in result.stdout


def test_a_country_can_be_the_benchmark_and_other_levels_can_be_analysed(mixed, tmp_path):
    out = tmp_path / "m.csv"
    result = toolkit(
        "metrics",
        "--panel",
        str(mixed),
        "--benchmark",
        "IT",
        "--nuts-level",
        "3",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    lq = _lq(out)
    assert set(pd.read_csv(out)["region"]) == {"ITC11"}
    # IT: X 300, Y 500 of 800. ITC11: X 40 of 100.
    assert lq[("ITC11", "X")] == pytest.approx((40 / 100) / (300 / 800))


def test_benchmark_file_of_sector_totals(mixed, tmp_path):
    bench = tmp_path / "bench.csv"
    bench.write_text("sector,employment\nX,1000\nY,3000\n")
    out = tmp_path / "m.csv"
    result = toolkit("metrics", "--panel", str(mixed), "--benchmark", str(bench), "--out", str(out))
    assert result.returncode == 0, result.stderr
    # share of X in the benchmark 1000 / 4000 = 0.25
    assert _lq(out)[("ITC2", "X")] == pytest.approx((200 / 400) / 0.25)
    assert "bench.csv" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--benchmark", "EU27"), "unknown benchmark code 'EU27'"),
        (("--benchmark", "missing.csv"), "benchmark file not found"),
        (("--method", "oecd"), "unknown method 'oecd'"),
        (("--nuts-level", "1", "--benchmark", "EU28"), "unknown benchmark code 'EU28'"),
    ],
)
def test_bad_benchmark_or_method_exits_2_and_writes_nothing(mixed, tmp_path, args, fragment):
    out = tmp_path / "m.csv"
    result = toolkit("metrics", "--panel", str(mixed), *args, "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert fragment in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".*tmp"))


def test_benchmark_file_without_a_sector_of_the_panel_is_refused(mixed, tmp_path):
    bench = tmp_path / "bench.csv"
    bench.write_text("sector,employment\nX,1000\n")
    out = tmp_path / "m.csv"
    result = toolkit("metrics", "--panel", str(mixed), "--benchmark", str(bench), "--out", str(out))
    assert result.returncode == 2
    assert "bench.csv" in result.stderr and "Y" in result.stderr and "sector" in result.stderr
    assert not out.exists()


def test_unknown_benchmark_code_lists_the_codes_that_could_serve(mixed):
    frame = pd.read_csv(mixed)
    with pytest.raises(BadInputError) as error:
        split_panel(frame, benchmark="EU28")
    assert "EU27_2020" in str(error.value) and "IT" in str(error.value)


def test_us_cmp_method_against_a_benchmark_file(tmp_path):
    """Five regions, two sectors; region totals are all 100 and the benchmark gives each sector
    half of its employment, so LQ = share / 0.5.

    X: employment 10..50, LQ 0.2 0.4 0.6 0.8 1.0, establishments 1..5.
       Quantiles of five values (linear): Q25 = 2nd value, Q50 = 3rd, Q75 = 4th,
       Q90 = 4th + 0.6 x (5th - 4th). LQ: Q25 0.4, Q50 0.6, Q75 0.8, Q90 0.92;
       employment Q25 20; establishments Q25 2.
       qualifying (LQ > 0.4, emp > 20, est > 2): AT13, AT21, AT22; significant (LQ > 0.6):
       AT21, AT22; strong (LQ >= 0.8 and LQ >= 1): AT22 only; strong10 (LQ >= 0.92): AT22.
    Y: employment 90..50, LQ 1.8 1.6 1.4 1.2 1.0, establishments 9..5.
       LQ Q25 1.2, Q50 1.4, Q75 1.6, Q90 1.72; employment Q25 60; establishments Q25 6.
       qualifying: AT11, AT12, AT13; significant: AT11, AT12; strong: AT11, AT12;
       strong10: AT11.
    Without the benchmark (sum of the regions: X 150 of 500) AT21's LQ in X would be 1.33
    and it would be strong: the benchmark decides.
    """
    regions = ["AT11", "AT12", "AT13", "AT21", "AT22"]
    rows = []
    for i, region in enumerate(regions):
        rows.append((region, "X", 2020, 10 * (i + 1), i + 1))
        rows.append((region, "Y", 2020, 10 * (9 - i), 9 - i))
    panel = tmp_path / "panel.csv"
    pd.DataFrame(rows, columns=["region", "sector", "year", "employment", "enterprises"]).to_csv(
        panel, index=False
    )
    bench = tmp_path / "bench.csv"
    bench.write_text("sector,employment\nX,1000\nY,1000\n")
    out = tmp_path / "m.csv"
    result = toolkit(
        "metrics",
        "--panel",
        str(panel),
        "--benchmark",
        str(bench),
        "--method",
        "us-cmp",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out).set_index(["region", "sector"])
    expected = {
        "X": {"AT11": 0, "AT12": 0, "AT13": 1, "AT21": 2, "AT22": 4},
        "Y": {"AT11": 4, "AT12": 3, "AT13": 1, "AT21": 0, "AT22": 0},
    }
    levels = ("qualifying", "significant", "strong", "strong10")
    for sector, by_region in expected.items():
        for region, level in by_region.items():
            row = table.loc[(region, sector)]
            assert int(row["stars"]) == level, (region, sector)
            assert bool(row["strong10"]) == (level == 4), (region, sector)
    assert table.loc[("AT21", "X"), "qualifying"] and not table.loc[("AT21", "X"), "strong"]
    assert set(levels) <= set(table.columns)
    assert "US Cluster Mapping" in result.stdout
    # the same panel without the benchmark: AT21 becomes strong in X
    result = toolkit("metrics", "--panel", str(panel), "--method", "us-cmp", "--out", str(out))
    assert bool(pd.read_csv(out).set_index(["region", "sector"]).loc[("AT21", "X"), "strong"])


def test_default_year_is_the_latest_that_covers_most_regions(tmp_path):
    # 2019: 10 regions; 2020: only 2 of them. The default must be 2019, and say why.
    rows = [(f"R{i:02d}", "X", 2019, 100 + i) for i in range(10)]
    rows += [("R00", "X", 2020, 120), ("R01", "X", 2020, 130)]
    panel = write_panel(tmp_path / "p.csv", rows)
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name\n" + "".join(f"R{i:02d},Region {i}\n" for i in range(10)))
    ws = Workspace.load(DataSources(panel=str(panel), region_table=str(regions)))
    assert ws.year == 2019
    note = ws.metrics.attrs["year_note"]
    assert "2020 (2 of 10 regions)" in note and "--year" in note
    explicit = Workspace.load(DataSources(panel=str(panel), region_table=str(regions), year=2020))
    assert explicit.year == 2020


def test_one_year_data_leave_dynamism_not_assessed(tmp_path):
    rows = [(f"R{i:02d}", "X", 2020, 1000 * (i + 1)) for i in range(10)]
    panel = write_panel(tmp_path / "p.csv", rows)
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name\n" + "".join(f"R{i:02d},Region {i}\n" for i in range(10)))
    ws = Workspace.load(DataSources(panel=str(panel), region_table=str(regions)))
    assert ws.metrics["dynamism_star"].isna().all()
    assert ws.metrics.attrs["dynamism_assessed"] is False
    # the largest region still earns its size star: k = ceil(0.1 x 10) = 1
    assert ws.metrics.set_index("region").loc["R09", "size_star"] == 1


def test_employment_floor_keeps_tiny_cells_from_stars(tmp_path):
    # 20 regions; the top 10 % by employment in X are the two largest (k = 2). R19 has 900
    # persons, below the default floor of 1,000: no size star although it is the largest.
    rows = [(f"R{i:02d}", "X", 2020, 10 * (i + 1)) for i in range(18)]
    rows += [("R18", "X", 2020, 800), ("R19", "X", 2020, 900)]
    rows += [(f"R{i:02d}", "Y", 2020, 5000) for i in range(20)]
    panel = write_panel(tmp_path / "p.csv", rows)
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name\n" + "".join(f"R{i:02d},Region {i}\n" for i in range(20)))
    ws = Workspace.load(DataSources(panel=str(panel), region_table=str(regions)))
    x = ws.metrics[ws.metrics["sector"] == "X"].set_index("region")
    assert ws.params.min_employment == 1000
    assert x["stars"].sum() == 0
    stars = tmp_path / "stars.yaml"
    stars.write_text("min_employment: 0\n")
    ws = Workspace.load(DataSources(panel=str(panel), region_table=str(regions), stars=str(stars)))
    x = ws.metrics[ws.metrics["sector"] == "X"].set_index("region")
    assert x.loc[["R18", "R19"], "size_star"].tolist() == [1, 1]


def test_overlapping_nace_aggregates_never_double_count(tmp_path):
    # nama_10r_3empers style: C is inside B-E and G-J = G-I + J. The regional total is the
    # base partition: B-E + G-I + J = 100 + 200 + 50 = 350 for R1, never 100 + 80 + ... .
    rows = []
    for region, scale in (("AT11", 1), ("AT12", 2)):
        for sector, value in (("B-E", 100), ("C", 80), ("G-I", 200), ("J", 50), ("G-J", 250)):
            rows.append((region, sector, 2020, value * scale))
    panel = write_panel(tmp_path / "p.csv", rows)
    ws = Workspace.load(DataSources(panel=str(panel)))
    m = ws.metrics.set_index(["region", "sector"])
    assert m.loc[("AT11", "J"), "region_employment"] == 350
    assert set(ws.sectors.loc[~ws.sectors["base"], "code"]) == {"C", "G-J"}
    assert "C" in ws.sectors.attrs["note"] and "G-J" in ws.sectors.attrs["note"]


def test_users_overlapping_sector_file_without_a_partition_is_refused(tmp_path):
    panel = write_panel(tmp_path / "p.csv", [("AT11", "B-E", 2020, 100), ("AT11", "C", 2020, 80)])
    sectors = tmp_path / "sectors.csv"
    sectors.write_text("code,name\nB-E,Industry\nC,Manufacturing\n")
    out = tmp_path / "m.csv"
    result = toolkit("metrics", "--panel", str(panel), "--sectors", str(sectors), "--out", str(out))
    assert result.returncode == 2
    assert "sectors.csv" in result.stderr and "B-E" in result.stderr and "'base'" in result.stderr
    assert not out.exists()
    sectors.write_text("code,name,base\nB-E,Industry,true\nC,Manufacturing,false\n")
    result = toolkit("metrics", "--panel", str(panel), "--sectors", str(sectors), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert set(pd.read_csv(out)["region_employment"]) == {100}


def test_options_are_never_abbreviated(tmp_path):
    result = toolkit("report", "wallonia", "--regions", "x.yaml")
    assert result.returncode == 2 and "unrecognized arguments: --regions" in result.stderr
