"""Relatedness: co-location proximity and densities, vectorised against naive Python loops.

Target: 330 regions x 61 sectors x 10 years (one metrics table a year) in under 1 second,
each year through the public functions (specialisation matrix, proximity, density). The
naive version counts co-specialisations and sums densities with Python loops over regions
and sector pairs, as one would write it from the formulas.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from toolkit.opportunities import proximity, relatedness_density, specialisation_matrix

N_REGIONS, N_SECTORS, YEARS = 330, 61, range(2011, 2021)
TARGET_SECONDS = 1.0


def synthetic_metrics(seed: int = 5) -> pd.DataFrame:
    """Metrics-like rows (region, sector, sector_type, year, lq) for every year, lognormal LQ."""
    rng = np.random.default_rng(seed)
    n_years = len(YEARS)
    lq = np.exp(rng.normal(-0.2, 0.8, (n_years, N_REGIONS, N_SECTORS)))
    return pd.DataFrame(
        {
            "year": np.repeat(np.array(YEARS), N_REGIONS * N_SECTORS),
            "region": np.tile(
                np.repeat([f"R{i:03d}" for i in range(N_REGIONS)], N_SECTORS), n_years
            ),
            "sector": np.tile([f"TC{j:02d}" for j in range(N_SECTORS)], N_REGIONS * n_years),
            "sector_type": "traded",
            "lq": lq.reshape(-1),
        }
    )


def vectorised(metrics: pd.DataFrame) -> dict[int, pd.DataFrame]:
    out = {}
    for year, table in metrics.groupby("year", sort=True):
        M = specialisation_matrix(table)
        out[int(year)] = relatedness_density(M, proximity(M))
    return out


def naive(metrics: pd.DataFrame) -> dict[int, dict[tuple[str, str], float]]:
    out = {}
    for year, table in metrics.groupby("year", sort=True):
        specialised: dict[str, set[str]] = {}
        sectors = sorted(set(table["sector"]))
        for region, sector, lq in zip(table["region"], table["sector"], table["lq"], strict=True):
            specialised.setdefault(region, set())
            if lq >= 1:
                specialised[region].add(sector)
        ubiquity = {s: sum(s in spec for spec in specialised.values()) for s in sectors}
        together = {(i, j): 0 for i in sectors for j in sectors}
        for spec in specialised.values():
            for i in spec:
                for j in spec:
                    together[(i, j)] += 1
        phi = {}
        for i in sectors:
            for j in sectors:
                most = max(ubiquity[i], ubiquity[j])
                phi[(i, j)] = together[(i, j)] / most if most else 0.0
        column_sum = {j: sum(phi[(i, j)] for i in sectors) for j in sectors}
        density = {}
        for region, spec in specialised.items():
            for j in sectors:
                total = sum(phi[(i, j)] for i in spec)
                density[(region, j)] = total / column_sum[j] if column_sum[j] else float("nan")
        out[int(year)] = density
    return out


def main() -> None:
    metrics = synthetic_metrics()
    vectorised(metrics[metrics["year"] == YEARS[0]])  # warm-up: lazy imports inside pandas
    started = time.perf_counter()
    fast = vectorised(metrics)
    fast_seconds = time.perf_counter() - started
    started = time.perf_counter()
    slow = naive(metrics)
    slow_seconds = time.perf_counter() - started
    worst = max(
        abs(fast[year].at[region, sector] - value)
        for year, densities in slow.items()
        for (region, sector), value in densities.items()
    )
    ratio = slow_seconds / fast_seconds
    ok = fast_seconds <= TARGET_SECONDS
    print(
        f"{'case':34} {'rows':>9} {'vectorised':>11} {'naive':>9} {'ratio':>7} "
        f"{'max diff':>9}  target"
    )
    label = f"{N_REGIONS} x {N_SECTORS} x {len(YEARS)} years"
    print(
        f"{label:34} {len(metrics):>9,} {fast_seconds:>10.3f}s {slow_seconds:>8.2f}s "
        f"{ratio:>6.0f}x {worst:>9.1e}  <= {TARGET_SECONDS} s {'OK' if ok else 'MISSED'}",
        flush=True,
    )


if __name__ == "__main__":
    main()
