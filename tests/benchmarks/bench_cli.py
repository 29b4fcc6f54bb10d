"""Start time of the ``toolkit`` command line, against the eager parser it replaced.

Issue 12 asks that ``toolkit --help`` and ``toolkit validate`` start without ipywidgets or
matplotlib. The toolkit's parser now imports only ``toolkit.sources`` and ``toolkit.errors``;
each command imports its modules when it runs. The baseline, run side by side in the same
session, is what the eager parser paid before answering: importing the command modules it
registered (explorers with ipywidgets and matplotlib, batch, eurostat, templates).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7
EAGER = (
    "import toolkit.cli, toolkit.explorers, toolkit.app, toolkit.batch, toolkit.eurostat, "
    "toolkit.templates; toolkit.cli.build_parser()"
)


def _median_seconds(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _modules_loaded(code: str) -> set[str]:
    probe = f"{code}; import sys; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return set(out.stdout.split())


def main() -> None:
    lazy = _median_seconds([sys.executable, "-m", "toolkit.cli", "--help"])
    eager = _median_seconds([sys.executable, "-c", EAGER])
    print(f"toolkit --help:            {lazy:.2f} s (median of {RUNS})")
    print(f"eager parser (baseline):   {eager:.2f} s -> {eager / lazy:.1f}x faster now")
    with tempfile.TemporaryDirectory() as folder:
        panel = Path(folder) / "panel.csv"
        panel.write_text("region,sector,year,employment\nAT11,TC04,2020,120\nAT12,TC04,2020,80\n")
        validate = _median_seconds([sys.executable, "-m", "toolkit.cli", "validate", str(panel)])
        print(f"toolkit validate (2 rows): {validate:.2f} s")
    loaded = _modules_loaded("import toolkit.cli; toolkit.cli.build_parser()")
    heavy = sorted(m for m in ("ipywidgets", "matplotlib", "nbconvert", "pandas") if m in loaded)
    print(f"heavy modules the parser imports: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
