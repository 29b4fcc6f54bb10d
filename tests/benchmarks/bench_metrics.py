"""Cluster stars: the vectorised metrics against a naive per-group ``groupby().apply``.

Targets (issue 2): demo panel <= 0.5 s; a 10 M-row panel (1,500 regions x 600 sectors x
11 years) <= 5 s and <= 3 GiB peak memory; >= 10x faster than the naive version. Each case
runs in a fresh subprocess so that its peak resident memory is its own.
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from toolkit.metrics import cluster_metrics
from toolkit.parameters import StarParameters

PARAMS = StarParameters(year=2020, span_years=5)


def synthetic_panel(n_regions: int, n_sectors: int, years: range, seed: int = 7) -> pd.DataFrame:
    """A large random panel (categorical codes, float counts) for timing only."""
    rng = np.random.default_rng(seed)
    n_years = len(years)
    size = np.exp(rng.normal(11, 1, n_regions))[:, None, None]
    weights = rng.dirichlet(np.ones(n_sectors), n_regions)[:, :, None]
    trend = np.exp(rng.normal(0, 0.02, (n_regions, n_sectors))[:, :, None] * np.arange(n_years))
    employment = np.round(size * weights * trend).reshape(-1)
    regions = pd.Categorical.from_codes(
        np.repeat(np.arange(n_regions), n_sectors * n_years),
        [f"R{i:04d}" for i in range(n_regions)],
    )
    sectors = pd.Categorical.from_codes(
        np.tile(np.repeat(np.arange(n_sectors), n_years), n_regions),
        [f"S{i:03d}" for i in range(n_sectors)],
    )
    return pd.DataFrame(
        {
            "region": regions,
            "sector": sectors,
            "year": np.tile(np.array(years, dtype="int64"), n_regions * n_sectors),
            "employment": employment,
            "wages": employment * rng.uniform(20_000, 60_000, employment.size),
        }
    )


def naive_stars(panel: pd.DataFrame, params: StarParameters) -> pd.DataFrame:
    """The obvious way: Python functions applied group by group (region totals, then sectors)."""
    year, start = params.year, params.year - params.span_years
    current = panel[panel["year"] == year].copy()
    before = panel[panel["year"] == start].set_index(["region", "sector"])["employment"]
    totals = current.groupby("region", observed=True).apply(
        lambda g: g["employment"].sum(), include_groups=False
    )
    europe = current["employment"].sum()

    def per_sector(group: pd.DataFrame) -> pd.DataFrame:
        group = group.copy()
        sector = group["sector"].iloc[0]
        sector_total = group["employment"].sum()
        group["lq"] = [
            (e / totals[r]) / (sector_total / europe)
            for r, e in zip(group["region"], group["employment"], strict=True)
        ]
        group["wpe"] = group["wages"] / group["employment"]
        group["growth"] = [  # the per-row Python loop is the point here
            (e / before[(r, sector)]) ** (1 / params.span_years) - 1
            for r, e in zip(group["region"], group["employment"], strict=True)
        ]
        k = max(1, math.ceil(0.1 * len(group)))
        for column, star in (
            ("employment", "size_star"),
            ("wpe", "productivity_star"),
            ("growth", "dynamism_star"),
        ):
            threshold = sorted(group[column], reverse=True)[k - 1]
            group[star] = (group[column] >= threshold).astype(int)
        group["specialisation_star"] = (group["lq"] >= 2).astype(int)
        group["stars"] = group[
            ["size_star", "specialisation_star", "productivity_star", "dynamism_star"]
        ].sum(axis=1)
        return group

    # Group on a copy of the key: pandas 3 drops the grouping column from each group.
    keyed = current.assign(sector_key=current["sector"])
    return keyed.groupby("sector_key", observed=True, group_keys=False).apply(
        per_sector, include_groups=False
    )


def _case(kind: str, n_regions: int, n_sectors: int) -> dict:
    if kind == "demo":
        from toolkit.data import load_panel
        from toolkit.demo import ensure_demo
        from toolkit.reference import load_sectors

        panel, sectors = load_panel(ensure_demo()[0]), load_sectors()
    else:
        panel, sectors = synthetic_panel(n_regions, n_sectors, range(2010, 2021)), None
    # Warm both versions up on a tiny panel: lazy imports inside pandas and pyarrow are paid
    # once per process and are not what is being compared.
    warm = synthetic_panel(20, 5, range(2010, 2021))
    cluster_metrics(warm, None, PARAMS)
    naive_stars(warm, PARAMS)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = cluster_metrics(panel, sectors, PARAMS)
    fast = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The naive version knows no sector types nor missing cells: time it on the same panel,
    # and check agreement on a clean traded-only copy that both versions handle alike.
    columns = ["region", "sector", "year", "employment", "wages"]
    started = time.perf_counter()
    naive_stars(panel[columns], PARAMS)
    slow = time.perf_counter() - started
    clean = panel[columns]
    if sectors is not None:
        clean = clean[clean["sector"].isin(sectors.loc[sectors["type"] == "traded", "code"])]
    clean = clean[(clean["employment"] > 0) & clean["wages"].notna()]
    years_present = clean.groupby(["region", "sector"], observed=True)["year"].transform("size")
    clean = clean[years_present == clean["year"].nunique()]
    expected = naive_stars(clean, PARAMS)
    got = cluster_metrics(clean, None, PARAMS)
    merged = got.merge(
        expected[["region", "sector", "stars"]].astype({"region": str, "sector": str}),
        on=["region", "sector"],
        suffixes=("", "_naive"),
    )
    agree = float((merged["stars"] == merged["stars_naive"]).mean())
    return {
        "rows": len(panel),
        "clusters": len(result),
        "seconds": fast,
        "naive_seconds": slow,
        "peak_rss_gib": peak / 2**20,
        "panel_rss_gib": base_rss / 2**20,
        "agreement": agree,
    }


def _run_isolated(kind: str, n_regions: int = 0, n_sectors: int = 0) -> dict:
    code = (
        f"import json; from tests.benchmarks.bench_metrics import _case; "
        f"print(json.dumps(_case({kind!r}, {n_regions}, {n_sectors})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    cases = [
        ("demo panel", "demo", 0, 0, 0.5, None),
        ("10 M rows (1,500 x 600 x 11)", "large", 1500, 600, 5.0, 3.0),
    ]
    print(
        f"{'case':32} {'rows':>11} {'vectorised':>11} {'naive':>9} {'ratio':>7} "
        f"{'peak RSS':>9} {'agree':>6}  target"
    )
    for label, kind, n_regions, n_sectors, target_s, target_gib in cases:
        r = _run_isolated(kind, n_regions, n_sectors)
        ratio = r["naive_seconds"] / r["seconds"]
        target = f"<= {target_s} s" + (f", <= {target_gib} GiB" if target_gib else "") + ", >= 10x"
        ok = (
            r["seconds"] <= target_s
            and ratio >= 10
            and (target_gib is None or r["peak_rss_gib"] <= target_gib)
        )
        print(
            f"{label:32} {r['rows']:>11,} {r['seconds']:>10.3f}s {r['naive_seconds']:>8.2f}s "
            f"{ratio:>6.1f}x {r['peak_rss_gib']:>7.2f}GiB {r['agreement']:>6.1%}  "
            f"{target} {'OK' if ok else 'MISSED'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
