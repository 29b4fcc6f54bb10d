"""The demo data: deterministic, complete, realistic enough to show stars, marked synthetic."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from toolkit.data import load_context, load_panel, validate_context, validate_panel
from toolkit.demo import YEARS, generate_demo, write_demo
from toolkit.metrics import cluster_metrics
from toolkit.parameters import StarParameters, load_indicators
from toolkit.reference import load_sectors, nuts2_regions


@pytest.fixture(scope="module")
def demo():
    return generate_demo(seed=2019)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_writes_the_same_bytes(tmp_path):
    first = write_demo(tmp_path / "a", seed=11)
    second = write_demo(tmp_path / "b", seed=11)
    other = write_demo(tmp_path / "c", seed=12)
    assert [_digest(p) for p in first] == [_digest(p) for p in second]
    assert _digest(first[0]) != _digest(other[0])


def test_panel_covers_every_nuts2_region_sector_and_year(demo):
    regions, sectors = nuts2_regions(), load_sectors()
    panel = demo.panel
    assert set(panel.region) == set(regions.code)
    assert set(panel.sector) == set(sectors.code) and len(sectors) == 61
    assert tuple(sorted(panel.year.unique())) == YEARS
    assert len(panel) == len(regions) * 61 * len(YEARS)
    # It passes the toolkit's own validation against the reference tables.
    validate_panel(panel, "demo", sectors=sectors, regions=regions)
    validate_context(demo.context, "demo context", regions=regions)


def test_files_say_they_are_synthetic(tmp_path):
    panel_path, context_path = write_demo(tmp_path, seed=3)
    for loaded in (load_panel(panel_path), load_context(context_path)):
        assert loaded.attrs["synthetic"] is True
        assert "SYNTHETIC" in loaded.attrs["notice"]


def test_region_sizes_are_heavy_tailed(demo):
    traded = demo.panel[demo.panel.sector.str.startswith("TC") & (demo.panel.year == 2020)]
    size = traded.groupby("region").employment.sum()
    # Heavy tail: the largest region is many times the median, mean well above the median.
    assert size.max() / size.median() > 5
    assert size.mean() > 1.1 * size.median()


def test_some_cells_are_missing_or_suppressed_but_few(demo):
    missing_emp = demo.panel.employment.isna().mean()
    missing_wages = demo.panel.wages.isna().mean()
    assert 0.002 < missing_emp < 0.05
    assert missing_wages > missing_emp  # small cells have wages suppressed too


def test_emerging_industries_overlap_the_traded_categories(demo):
    sectors = load_sectors()
    emerging = set(sectors.code[sectors.type == "emerging"])
    p = demo.panel[demo.panel.year == 2020]
    traded_total = p[~p.sector.isin(emerging)].employment.sum()
    emerging_total = p[p.sector.isin(emerging)].employment.sum()
    # Emerging industries are carved out of traded employment: a sizeable part, never more.
    assert 0.1 * traded_total < emerging_total < traded_total


def test_wage_levels_differ_by_country(demo):
    p = demo.panel[(demo.panel.year == 2020)].copy()
    p["country"] = p.region.str[:2]
    wpe = p.groupby("country").wages.sum() / p.groupby("country").employment.sum()
    assert wpe["DK"] > 3 * wpe["BG"]
    assert wpe["DE"] > wpe["PL"]


def test_share_of_starred_clusters_looks_like_the_cluster_mapping(demo):
    m = cluster_metrics(demo.panel, load_sectors(), StarParameters())
    traded = m[m.sector_type == "traded"]
    two_plus = (traded.stars >= 2).mean()
    # Star clusters (two or more stars) are a small minority, as in the European mapping.
    assert 0.05 <= two_plus <= 0.10, two_plus
    # Specialisations exist in every country and no region is specialised in everything.
    spec = traded.assign(country=traded.region.str[:2]).groupby("region").specialisation_star
    assert spec.mean().max() < 0.5
    assert (traded.specialisation_star == 1).mean() > 0.02


def test_every_scoreboard_indicator_is_within_its_real_range(demo):
    catalogue = load_indicators()
    for code, indicator in catalogue.indicators.items():
        if code in ("total_employment", "population") or not indicator.demo:
            assert indicator.demo or code not in demo.context.columns, code  # real data only
            continue
        values = demo.context[code].dropna()
        low, high = indicator.typical
        assert len(values) > 0.9 * len(demo.context), code
        assert values.between(low, high).all(), (code, values.min(), values.max())
        assert values.std() > 0.05 * (high - low), code  # regions really differ


def test_growth_trends_are_plausible(demo):
    p = demo.panel.pivot_table(index=["region", "sector"], columns="year", values="employment")
    cagr = (p[2020] / p[2011]) ** (1 / 9) - 1
    cagr = cagr.replace([np.inf, -np.inf], np.nan).dropna()
    assert cagr.median() == pytest.approx(0.0, abs=0.03)
    assert cagr.quantile(0.95) < 0.15 and cagr.quantile(0.05) > -0.15


def test_generator_works_for_any_region_table():
    regions = pd.concat([nuts2_regions()] * 2, ignore_index=True)
    regions["code"] = [f"{c}{i}" for i, c in enumerate(regions.code)]
    demo = generate_demo(seed=1, regions=regions)
    assert len(demo.panel) == len(regions) * 61 * len(YEARS)
