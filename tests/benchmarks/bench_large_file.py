"""Validation of a ~100 MB CSV panel: time and peak resident memory.

Issue 5 asks that a 100 MB file is handled without running out of memory. The file is generated
in a temporary folder (about 2.9 M rows: 1,200 regions x 240 sectors x 10 years, with
enterprises and wages), then ``toolkit.data.load_panel`` reads and validates it in a fresh
subprocess so that the peak resident set size (ru_maxrss) is that of the validation alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from toolkit.data import load_panel
t1 = time.perf_counter()
panel = load_panel(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"rows": len(panel), "import_s": t1 - t0, "validate_s": t2 - t1,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_large_csv(
    path: Path,
    n_regions: int = 1200,
    n_sectors: int = 240,
    years: range = range(2011, 2021),
    seed: int = 3,
) -> int:
    """Write the panel year by year (bounded memory); return the file size in bytes."""
    rng = np.random.default_rng(seed)
    regions = np.array([f"R{i:04d}" for i in range(n_regions)])
    sectors = np.array([f"S{i:03d}" for i in range(n_sectors)])
    first = True
    for year in years:
        employment = rng.integers(0, 50_000, size=n_regions * n_sectors)
        frame = pd.DataFrame(
            {
                "region": np.repeat(regions, n_sectors),
                "sector": np.tile(sectors, n_regions),
                "year": year,
                "employment": employment,
                "enterprises": employment // 20,
                "wages": employment * 31_517,
            }
        )
        frame.to_csv(path, mode="w" if first else "a", header=first, index=False)
        first = False
    return path.stat().st_size


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large_panel.csv"
        start = time.perf_counter()
        size = write_large_csv(path)
        print(
            f"generated {path.name}: {size / 2**20:.0f} MiB in {time.perf_counter() - start:.1f} s"
        )
        result = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"load_panel (read + validate): {figures['rows']:,} rows in "
            f"{figures['validate_s']:.1f} s; peak RSS {figures['peak_rss_mib']:.0f} MiB "
            f"({figures['peak_rss_mib'] / (size / 2**20):.1f}x the file size)"
        )


if __name__ == "__main__":
    main()
