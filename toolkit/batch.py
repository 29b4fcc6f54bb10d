"""Batch of assessment reports: ``toolkit batch`` and ``toolkit report REGION``.

Three parts, each in its module: planning (here: load and check everything, prepare the data
all reports share once, list the notebook runs), executing notebooks on warm kernels
(``toolkit.kernels``), and the index page and run summary (``toolkit.index_page``).

Where the time goes (2 cores): a kernel and its imports cost 3-4 s, loading and validating
the data 0.8 s, metrics and scoreboard 0.4 s. So the data are prepared once (a pickle in
``reports/.cache/`` that every notebook loads in 0.1 s) and each worker keeps one warm kernel.
Regions run in parallel on local processes or on a Dask cluster (whose workers must see the
reports folder: the prepared file is in it).

Outputs under the reports folder: ``<region-id>/assessment.html`` (self-contained, code
hidden), ``<region-id>/assessment.ipynb`` (executed), ``<region-id>/status.json``,
``index.html``, ``run_summary.json`` and ``run_summary.txt``; with the pilot regions also
``joint_challenges.html`` and ``joint_challenges.csv``. Every file is written to a temporary
name and renamed, so a killed batch leaves no half-written report, and ``--resume`` redoes
only the regions without a finished report.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from toolkit import paths
from toolkit.errors import BadInputError, Problem
from toolkit.files import remove_temporaries
from toolkit.index_page import earlier_reports, write_index, write_summary
from toolkit.kernels import RegionResult, RegionTask, run_task
from toolkit.sources import DataSources

ASSESSMENT_NOTEBOOK = "assessment.ipynb"
JOINT_NOTEBOOK = "joint_challenges.ipynb"


@dataclass
class BatchPlan:
    tasks: list[RegionTask]
    skipped: list[RegionResult]
    joint: RegionTask | None
    out: Path
    synthetic: bool
    prepared_file: Path


def plan_batch(
    sources: DataSources | None = None,
    *,
    selection: str = "pilot",
    out: str | Path | None = None,
    resume: bool = False,
    only: list[str] | None = None,
) -> BatchPlan:
    """Load and check everything, prepare the data the reports share, list the notebook runs.

    ``selection``: 'pilot' (the regions of analysis: the pilot regions or the YAML of
    ``sources.regions_of_analysis``) or 'all' (every region of the data at its NUTS level);
    ``only``: region ids, codes or names to report on. Fails (``BadInputError``, exit 2) before
    any kernel starts when a region, a member of a region of analysis, a file or a parameter is
    wrong.
    """
    from toolkit.assessment import load_assessment_parameters
    from toolkit.prepared import prepare, save_prepared
    from toolkit.reference import nuts2_regions
    from toolkit.workspace import Workspace

    if selection not in ("pilot", "all"):
        raise BadInputError(
            Problem(
                "--regions",
                f"expected 'pilot' or 'all', got {selection!r}; give a YAML of regions of "
                "analysis with --regions-of-analysis",
            )
        )
    sources = sources or DataSources()
    # absolute: the kernels run in notebooks/, not in the caller's folder
    out = (Path(out) if out is not None else paths.reports_dir()).resolve()
    ws = Workspace.load(sources)
    params = load_assessment_parameters(indicators=ws.indicators)  # checked before kernels
    if selection == "all":
        in_panel = set(ws.panel["region"].unique())
        table = nuts2_regions(ws.regions)
        targets = [
            (c, n) for c, n in zip(table["code"], table["name"], strict=True) if c in in_panel
        ]
        targets += [(c, ws.region_name(c)) for c in sorted(in_panel - {t[0] for t in targets})]
    else:
        targets = [(u.id, u.name) for u in ws.unions]
    if only:
        resolved = [ws.resolve(key) for key in only]  # UnknownRegionError, before any kernel
        targets = [(r.id, r.name) for r in resolved]
    if not targets:
        raise BadInputError(Problem(selection, "no region to report on"))
    for region_id, _ in targets:
        ws.resolve(region_id)

    out.mkdir(parents=True, exist_ok=True)
    remove_temporaries(out)
    prepared_file = save_prepared(prepare(ws, params), out / ".cache" / "prepared.pkl")
    notebook = str(paths.notebooks_dir() / ASSESSMENT_NOTEBOOK)
    common = {"sources": sources.to_parameters(), "prepared_file": str(prepared_file)}
    tasks, skipped = [], []
    for region_id, name in targets:
        region_dir = out / region_id
        if resume and _finished(region_dir):
            status = json.loads((region_dir / "status.json").read_text())
            skipped.append(
                RegionResult(region_id, name, "skipped", summary=status.get("summary", {}))
            )
            continue
        tasks.append(
            RegionTask(region_id, name, notebook, {**common, "region": region_id}, str(region_dir))
        )
    joint = None
    if selection != "all" and not only:
        joint = RegionTask(
            "joint-challenges",
            "Joint challenges",
            str(paths.notebooks_dir() / JOINT_NOTEBOOK),
            {**common, "csv_path": str(out / "joint_challenges.csv")},
            str(out),
            stem="joint_challenges",
        )
    return BatchPlan(tasks, skipped, joint, out, ws.synthetic, prepared_file)


def _finished(region_dir: Path) -> bool:
    status = region_dir / "status.json"
    if not (status.is_file() and (region_dir / "assessment.html").is_file()):
        return False
    try:
        return json.loads(status.read_text()).get("status") == "ok"
    except json.JSONDecodeError:
        return False


class _Progress:
    """A progress bar (tqdm) on a terminal; one line per region in logs."""

    def __init__(self, total: int):
        self.total, self.done, self.failed = total, 0, 0
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="region", desc="reports", file=sys.stderr)

    def update(self, result: RegionResult) -> None:
        self.done += result.status == "ok"
        self.failed += result.status == "failed"
        left = self.total - self.done - self.failed
        if self.bar is not None:
            self.bar.set_postfix(done=self.done, failed=self.failed, left=left)
            self.bar.update(1)
        else:
            mark = "ok" if result.status == "ok" else f"FAILED ({result.error})"
            print(
                f"[{self.done + self.failed}/{self.total}] {result.region_id}: {mark} "
                f"({result.seconds:.1f} s); done {self.done}, failed {self.failed}, left {left}",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _execute_all(
    tasks: list[RegionTask], jobs: int, executor: str, scheduler: str | None
) -> list[RegionResult]:
    progress = _Progress(len(tasks))
    results: list[RegionResult] = []

    def collect(task: RegionTask, get) -> None:
        try:
            result = get()
        except Exception as exc:  # a worker that died: this region fails, the others go on
            result = RegionResult(
                task.region_id,
                task.region_name,
                "failed",
                error=f"worker error: {type(exc).__name__}: {exc}",
            )
        results.append(result)
        progress.update(result)

    try:
        if executor == "dask":
            from distributed import Client
            from distributed import as_completed as dask_completed

            if not scheduler:
                raise BadInputError(
                    Problem("--scheduler", "the dask executor needs --scheduler ADDRESS")
                )
            with Client(scheduler, timeout="20s") as client:
                futures = {
                    client.submit(run_task, t, pure=False, key=f"report-{t.region_id}"): t
                    for t in tasks
                }
                for future in dask_completed(futures):
                    collect(futures[future], future.result)
        elif jobs <= 1:
            for task in tasks:
                collect(task, lambda task=task: run_task(task))
        else:
            import multiprocessing

            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                futures: dict[Future, RegionTask] = {pool.submit(run_task, t): t for t in tasks}
                for future in as_completed(futures):
                    collect(futures[future], future.result)
    finally:
        progress.close()
    return results


def run_batch(
    plan: BatchPlan,
    *,
    jobs: int = 2,
    executor: str = "local",
    scheduler: str | None = None,
    add_to_summary: bool = False,
) -> list[RegionResult]:
    """Execute the plan, then write the index page and the run summary."""
    started = time.perf_counter()
    results = _execute_all(plan.tasks, jobs, executor, scheduler)
    if plan.joint is not None:
        results += _execute_all(
            [plan.joint], 1, executor if executor == "dask" else "local", scheduler
        )
    everything = plan.skipped + results
    listed = [r for r in everything if r.region_id != "joint-challenges"]
    listed += earlier_reports(plan.out, {r.region_id for r in listed})
    write_index(
        plan.out,
        listed,
        plan.synthetic,
        joint=plan.joint is not None or (plan.out / "joint_challenges.html").is_file(),
    )
    write_summary(plan.out, everything, time.perf_counter() - started, add=add_to_summary)
    return everything


# --- command handlers (the parser is in toolkit.cli) --------------------------------------------


def cmd_batch(args) -> int:
    import os

    args.jobs = args.jobs if args.jobs is not None else os.cpu_count() or 2
    if args.jobs < 1:
        raise BadInputError(Problem("--jobs", f"must be at least 1, got {args.jobs}"))
    if args.executor == "dask" and not args.scheduler:
        raise BadInputError(Problem("--scheduler", "the dask executor needs --scheduler ADDRESS"))
    plan = plan_batch(
        DataSources.from_args(args), selection=args.regions, out=args.out, resume=args.resume
    )
    print(
        f"{len(plan.tasks)} region reports to write"
        + (f", {len(plan.skipped)} kept from an earlier run" if plan.skipped else "")
        + f" ({'synthetic demo data' if plan.synthetic else 'user data'})",
        flush=True,
    )
    results = run_batch(plan, jobs=args.jobs, executor=args.executor, scheduler=args.scheduler)
    failed = [r for r in results if r.status == "failed"]
    print((plan.out / "run_summary.txt").read_text().strip())
    print(f"index: {(plan.out / 'index.html').resolve()}")
    return 1 if failed else 0


def cmd_report(args) -> int:
    plan = plan_batch(DataSources.from_args(args), out=args.out, only=[args.region])
    results = run_batch(plan, jobs=1, add_to_summary=True)
    failed = [r for r in results if r.status == "failed"]
    for r in results:
        if r.status == "ok":
            print(f"wrote {(plan.out / r.region_id / 'assessment.html').resolve()}")
    for r in failed:
        print(f"error: {r.region_id} failed in cell {r.cell}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


__all__ = ["plan_batch", "run_batch", "run_task", "cmd_batch", "cmd_report"]
