"""Reports: the naive loop against ``toolkit batch``, side by side on this machine.

Naive: for each pilot region, the ``papermill`` command then ``jupyter nbconvert --to html
--no-input``, one after the other (each starts Python, a kernel, loads the data and computes
the metrics again). Batch: ``toolkit batch --jobs 2`` (data prepared once, one warm kernel per
worker, HTML exported in-process). Targets (issue 3): the batch at least 4x faster than the
naive loop on 2 cores; all NUTS-2 regions in at most 4 minutes.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from toolkit import paths
from toolkit.parameters import load_pilot_regions

BIN = Path(sys.executable).parent


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def naive_loop(out: Path) -> float:
    notebook = paths.notebooks_dir() / "assessment.ipynb"
    out.mkdir(parents=True, exist_ok=True)
    total = 0.0
    for region in load_pilot_regions():
        executed = out / f"{region.id}.ipynb"
        total += _timed(
            [
                str(BIN / "papermill"),
                str(notebook),
                str(executed),
                "-p",
                "region",
                region.id,
                "--cwd",
                str(paths.notebooks_dir()),
            ]
        )
        total += _timed(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)]
        )
    return total


def batch(out: Path, regions: str = "pilot") -> float:
    return _timed(
        [
            sys.executable,
            "-m",
            "toolkit.cli",
            "batch",
            "--regions",
            regions,
            "--jobs",
            "2",
            "--out",
            str(out),
        ]
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        naive = naive_loop(tmp / "naive")
        fast = batch(tmp / "batch")
        print(
            f"10 pilot regions: naive loop {naive:.1f} s, toolkit batch --jobs 2 {fast:.1f} s "
            f"(includes the synthesis), ratio {naive / fast:.1f}x "
            f"(target >= 4x: {'OK' if naive / fast >= 4 else 'MISSED'})",
            flush=True,
        )
        everything = batch(tmp / "all", "all")
        count = len(list((tmp / "all").glob("*/assessment.html")))
        print(
            f"all NUTS-2 regions: {count} reports in {everything:.1f} s "
            f"(target <= 240 s: {'OK' if everything <= 240 else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
