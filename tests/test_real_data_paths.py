"""The toolkit on non-demo data: NACE-division sectors, no wage column, only some countries,
region codes that are not NUTS (with the user's regions file) and the user's own regions of
analysis. Runs the console script in a subprocess and the Workspace as reports and apps do.

The data set is small, made up for the tests (labelled synthetic nowhere because it is never
shown); every expected value is recomputed here from the rows with plain sums.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.data import check_regions_of_analysis
from toolkit.errors import BadInputError
from toolkit.parameters import load_regions_of_analysis
from toolkit.reference import load_regions
from toolkit.sources import DataSources
from toolkit.workspace import Workspace

TOOLKIT = [sys.executable, "-m", "toolkit.cli"]


def toolkit(*args: object) -> subprocess.CompletedProcess:
    """The console script in a subprocess, as a user runs it."""
    return subprocess.run([*TOOLKIT, *map(str, args)], capture_output=True, text=True)


DIVISIONS = ["C10", "C20", "C26", "C28", "J62", "M72"]


def _panel(regions: list[str], seed: int) -> pd.DataFrame:
    """Employment by region x NACE division x year, no wages (as many national sources)."""
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product(
        [regions, DIVISIONS, range(2014, 2021)], names=["region", "sector", "year"]
    )
    frame = index.to_frame(index=False)
    base = rng.integers(200, 20_000, size=len(regions) * len(DIVISIONS))
    growth = rng.uniform(-0.03, 0.08, size=len(regions) * len(DIVISIONS))
    cell = np.repeat(np.arange(len(base)), 7)
    t = frame["year"].to_numpy() - 2014
    frame["employment"] = np.round(base[cell] * (1 + growth[cell]) ** t)
    frame["enterprises"] = np.maximum(1, np.round(frame["employment"] / 25))
    return frame


@pytest.fixture
def own_codes(tmp_path: Path) -> dict[str, Path]:
    """Labour-market areas of two countries, coded by the user (not NUTS)."""
    regions = [f"LMA-{i:02d}" for i in range(1, 13)]
    files = {
        "panel": tmp_path / "panel.csv",
        "regions": tmp_path / "regions.csv",
        "sectors": tmp_path / "sectors.csv",
        "unions": tmp_path / "unions.yaml",
        "context": tmp_path / "context.csv",
    }
    _panel(regions, 7).to_csv(files["panel"], index=False)
    pd.DataFrame(
        {
            "code": regions,
            "name": [f"Area {c[-2:]}" for c in regions],
            "country": ["AA"] * 6 + ["BB"] * 6,
        }
    ).to_csv(files["regions"], index=False)
    pd.DataFrame(
        {
            "code": DIVISIONS,
            "name": ["Food", "Chemicals", "Electronics", "Machinery", "Software", "R&D"],
            "type": "other",
        }
    ).to_csv(files["sectors"], index=False)
    files["unions"].write_text(
        "regions:\n"
        "  - id: river-valley\n    name: River valley\n    members: [LMA-01, LMA-02, LMA-03]\n"
        "  - id: coast\n    name: The coast\n    members: [LMA-07, LMA-08]\n"
    )
    pd.DataFrame(
        {
            "region": regions,
            "year": 2020,
            "population": range(100_000, 112_000, 1000),
            "unemployment_rate": np.linspace(4, 12, 12),
        }
    ).to_csv(files["context"], index=False)
    return files


def _lq(panel: pd.DataFrame, region_members: list[str], sector: str, year: int) -> float:
    """Location quotient computed directly from the rows: (E_rs / E_r) / (E_s / E)."""
    rows = panel[panel["year"] == year]
    own = rows[rows["region"].isin(region_members)]
    return (own.loc[own["sector"] == sector, "employment"].sum() / own["employment"].sum()) / (
        rows.loc[rows["sector"] == sector, "employment"].sum() / rows["employment"].sum()
    )


def test_cli_metrics_on_own_codes_nace_divisions_and_no_wages(own_codes, tmp_path):
    out = tmp_path / "metrics.csv"
    result = toolkit(
        "metrics",
        "--panel",
        own_codes["panel"],
        "--context",
        own_codes["context"],
        "--region-table",
        own_codes["regions"],
        "--sectors",
        own_codes["sectors"],
        "--regions-of-analysis",
        own_codes["unions"],
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    assert "no productivity star" in result.stderr
    metrics = pd.read_csv(out)
    panel = pd.read_csv(own_codes["panel"])
    # The unions replace their members; the other areas stay.
    expected_regions = {"river-valley", "coast"} | {
        f"LMA-{i:02d}" for i in range(1, 13) if i not in (1, 2, 3, 7, 8)
    }
    assert set(metrics["region"]) == expected_regions
    assert set(metrics["sector"]) == set(DIVISIONS)
    assert metrics["productivity_star"].isna().all()
    row = metrics[(metrics["region"] == "river-valley") & (metrics["sector"] == "C26")].iloc[0]
    assert (
        row["employment"]
        == panel[
            (panel["region"].isin(["LMA-01", "LMA-02", "LMA-03"]))
            & (panel["sector"] == "C26")
            & (panel["year"] == 2020)
        ]["employment"].sum()
    )
    assert row["lq"] == pytest.approx(_lq(panel, ["LMA-01", "LMA-02", "LMA-03"], "C26", 2020))


def test_workspace_on_own_codes(own_codes):
    ws = Workspace.load(
        DataSources(
            panel=str(own_codes["panel"]),
            context=str(own_codes["context"]),
            region_table=str(own_codes["regions"]),
            sectors=str(own_codes["sectors"]),
            regions_of_analysis=str(own_codes["unions"]),
        )
    )
    assert not ws.synthetic
    panel = pd.read_csv(own_codes["panel"])
    metrics = ws.metrics
    assert len(metrics) == 12 * len(DIVISIONS) and ws.year == 2020
    assert metrics.attrs["wages_available"] is False
    assert metrics["productivity_star"].isna().all()
    lq = metrics.set_index(["region", "sector"])["lq"]
    assert lq[("LMA-05", "J62")] == pytest.approx(_lq(panel, ["LMA-05"], "J62", 2020))
    region, rows, table = ws.metrics_for("coast")
    assert region.name == "The coast" and set(rows["sector"]) == set(DIVISIONS)
    assert rows.set_index("sector").loc["M72", "lq"] == pytest.approx(
        _lq(panel, ["LMA-07", "LMA-08"], "M72", 2020)
    )
    assert ws.region_name("LMA-04") == "Area 04"
    assert ws.sector_name("J62") == "Software"
    context = ws.analysis_context.set_index(["region", "year"])
    assert context.loc[("coast", 2020), "population"] == 106_000 + 107_000
    check_regions_of_analysis(ws.unions, ws.regions, own_codes["unions"])


def test_unions_with_codes_missing_from_the_regions_file_are_reported(own_codes):
    own_codes["unions"].write_text(
        "regions:\n  - id: valley\n    name: Valley\n    members: [LMA-01, LMA-99]\n"
    )
    unions = load_regions_of_analysis(own_codes["unions"])
    with pytest.raises(BadInputError, match="LMA-99") as caught:
        check_regions_of_analysis(unions, load_regions(own_codes["regions"]), own_codes["unions"])
    assert str(own_codes["unions"]) in str(caught.value)


@pytest.fixture
def some_countries(tmp_path: Path) -> dict[str, Path]:
    """NUTS-2 regions of Slovenia, Austria and Lithuania only, NACE divisions, no wages."""
    regions = ["SI03", "SI04", "AT11", "AT12", "AT13", "AT21", "AT22", "LT01", "LT02"]
    files = {
        "panel": tmp_path / "panel.csv",
        "sectors": tmp_path / "sectors.csv",
        "unions": tmp_path / "unions.yaml",
    }
    _panel(regions, 11).to_csv(files["panel"], index=False)
    pd.DataFrame({"code": DIVISIONS, "name": DIVISIONS, "type": "other"}).to_csv(
        files["sectors"], index=False
    )
    files["unions"].write_text(
        "regions:\n  - id: slovenia\n    name: Slovenia\n    members: [SI03, SI04]\n"
        "  - id: lithuania\n    name: Lithuania\n    members: [LT01, LT02]\n"
    )
    return files


def test_workspace_on_some_countries_uses_them_as_reference(some_countries):
    ws = Workspace.load(
        DataSources(
            panel=str(some_countries["panel"]),
            sectors=str(some_countries["sectors"]),
            regions_of_analysis=str(some_countries["unions"]),
        )
    )
    panel = pd.read_csv(some_countries["panel"])
    table = ws.analysis_metrics
    assert set(table["region"]) == {"slovenia", "lithuania", "AT11", "AT12", "AT13", "AT21", "AT22"}
    assert table["in_reference"].all()
    row = table[(table["region"] == "slovenia") & (table["sector"] == "C28")].iloc[0]
    assert row["lq"] == pytest.approx(_lq(panel, ["SI03", "SI04"], "C28", 2020))
    assert ws.region_name("AT13") == "Wien"
    check_regions_of_analysis(ws.unions, ws.regions, some_countries["unions"])


@pytest.mark.slow
def test_assessment_notebook_runs_on_some_countries(some_countries, tmp_path):
    notebook = Path(__file__).parents[1] / "notebooks" / "assessment.ipynb"
    if not notebook.is_file():
        pytest.skip("notebooks/assessment.ipynb not present")
    import papermill

    out = tmp_path / "slovenia.ipynb"
    papermill.execute_notebook(
        str(notebook),
        str(out),
        kernel_name="python3",
        cwd=str(notebook.parent),
        parameters={
            "region": "slovenia",
            "sources": {
                "panel": str(some_countries["panel"]),
                "regions_of_analysis": str(some_countries["unions"]),
            },
        },
    )
    text = out.read_text()
    # The report says that wages are missing (no productivity star) and which regions formed
    # the reference set: Slovenia and Lithuania as one region each, 5 Austrian regions.
    assert "Wages are missing from the data" in text
    assert "no productivity star was assessed" in text
    assert "all 7 regions of the data" in text
    # No sector file was given: the NACE codes are recognised and named, and the report
    # speaks of sectors, not of the cluster mapping's traded categories.
    assert "sector set: NACE Rev. 2 divisions" in text
    assert "Manufacture of computer, electronic and optical products" in text
    assert "traded clusters" not in text


@pytest.mark.slow
def test_report_command_with_own_region_and_sector_files(own_codes, tmp_path):
    out = tmp_path / "reports"
    result = toolkit(
        "report",
        "coast",
        "--panel",
        own_codes["panel"],
        "--context",
        own_codes["context"],
        "--sectors",
        own_codes["sectors"],
        "--region-table",
        own_codes["regions"],
        "--regions-of-analysis",
        own_codes["unions"],
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    text = (out / "coast" / "assessment.html").read_text()
    assert "The coast" in text and "codes of regions.csv" in text
    assert "LMA-07 (Area 07)" in text and "LMA-08 (Area 08)" in text
    assert "sector set: sectors of sectors.csv" in text
    # The largest sector of the coast, by the user's own name for it.
    panel = pd.read_csv(own_codes["panel"])
    rows = panel[panel["region"].isin(["LMA-07", "LMA-08"]) & (panel["year"] == 2020)]
    largest = rows.groupby("sector")["employment"].sum().idxmax()
    names = dict(
        zip(
            DIVISIONS,
            ["Food", "Chemicals", "Electronics", "Machinery", "Software", "R&D"],
            strict=True,
        )
    )
    assert f"The 3 largest — {names[largest]}" in text.replace("&amp;", "&")
