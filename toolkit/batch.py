"""Batch of assessment reports: ``toolkit batch`` and ``toolkit report REGION``.

Where the time goes, and what the batch does about it (measured on 2 cores): starting Python
and a kernel and importing pandas/seaborn/toolkit costs about 3-4 s per notebook, loading and
validating the data about 0.8 s, metrics and scoreboard about 0.4 s, the HTML export 0.1-0.3 s
(templates load on first use). A region's own work is about 1 s, of which the four charts take
0.8 s (layout and PNG encoding) and the assessment 0.1 s. So the batch computes the data once
(a pickled bundle the notebooks load, 0.13 s), keeps **one warm kernel per worker** that
executes region after region (papermill-parameterised notebooks run by nbclient), and exports
HTML in-process with one reused exporter. Regions run in parallel on local processes or on a
Dask cluster (whose workers must see the reports folder: the bundle is a file in it).

Outputs under the reports folder: ``<region-id>/assessment.html`` (self-contained, code
hidden), ``<region-id>/assessment.ipynb`` (executed), ``<region-id>/status.json``,
``index.html``, ``run_summary.json`` and ``run_summary.txt``; with the pilot regions also
``joint_challenges.html`` and ``joint_challenges.csv``. Every file is written to a temporary
name and renamed, so a killed batch leaves no half-written report, and ``--resume`` redoes
only the regions without a finished report.
"""

from __future__ import annotations

import atexit
import html
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from toolkit import paths
from toolkit.errors import BadInputError, Problem

ASSESSMENT_NOTEBOOK = "assessment.ipynb"
JOINT_NOTEBOOK = "joint_challenges.ipynb"
CELL_TIMEOUT = 600  # seconds a single notebook cell may take


@dataclass
class RegionTask:
    """One notebook execution: what to run, with which parameters, and where to write."""

    region_id: str
    region_name: str
    notebook: str
    parameters: dict
    out_dir: str
    stem: str = "assessment"


@dataclass
class RegionResult:
    region_id: str
    region_name: str
    status: str  # ok | failed | skipped
    seconds: float = 0.0
    cell: int | None = None
    error: str = ""
    summary: dict = field(default_factory=dict)


# --- executing one notebook on a warm kernel (runs in the worker) --------------------------------

_LOCAL = threading.local()


def _kernel_manager():
    """This worker thread's kernel, started on first use and kept warm for the next region."""
    from jupyter_client.manager import KernelManager

    km = getattr(_LOCAL, "km", None)
    if km is None or not km.is_alive():
        # IPC sockets in a private folder: local only, no open TCP ports, no warning about
        # unencrypted TCP on every kernel start.
        sockets = tempfile.mkdtemp(prefix="eocic-kernel-")
        km = KernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets}/kernel")
        km.start_kernel(
            cwd=str(paths.notebooks_dir()), extra_arguments=["--HistoryManager.enabled=False"]
        )
        atexit.register(_shutdown, km, sockets)
        _LOCAL.km = km
    return km


def _kernel_client(km):
    """This worker's client of its warm kernel, kept from region to region: a new client
    per region would wait on every readiness check (about 0.2 s flushing IOPub). nbclient
    tells its replies apart by message id, so a kept client never mixes two regions."""
    kc = getattr(_LOCAL, "kc", None)
    if kc is None or getattr(_LOCAL, "kc_of", None) is not km:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        kc.allow_stdin = False
        _LOCAL.kc, _LOCAL.kc_of = kc, km
    return kc


def _drop_kernel_client() -> None:
    kc = getattr(_LOCAL, "kc", None)
    if kc is not None:
        kc.stop_channels()
    _LOCAL.kc = None


def _shutdown(km, sockets: str) -> None:
    try:
        km.shutdown_kernel(now=True)
    except Exception:  # the kernel may already be gone at interpreter exit
        pass
    shutil.rmtree(sockets, ignore_errors=True)


def _write_atomic(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    if isinstance(data, bytes):
        tmp.write_bytes(data)
    else:
        tmp.write_text(data, encoding="utf-8")
    tmp.replace(path)


def _first_error(nb) -> tuple[int | None, str]:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, f"{output.get('ename')}: {output.get('evalue')}"
    return None, ""


def run_task(task: RegionTask) -> RegionResult:
    """Execute the parameterised notebook on this worker's warm kernel and write its outputs.

    Never raises for a failing notebook: the error (cell, message) goes into the result, and the
    failed notebook is still written (next to the report, as ``assessment.failed.ipynb``).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
    from nbconvert import HTMLExporter
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    started = time.perf_counter()
    out_dir = Path(task.out_dir)
    nb = parameterize_notebook(load_notebook_node(task.notebook), task.parameters)
    km = _kernel_manager()
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(paths.notebooks_dir())}},
    )
    error, cell = "", None
    try:
        client.kc = _kernel_client(km)
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        cell, error = _first_error(nb)
        error = error or str(exc).strip().splitlines()[-1]
        _drop_kernel_client()  # replies of an interrupted cell must not reach the next region
        if isinstance(exc, CellTimeoutError):
            km.restart_kernel(now=True)  # a hung kernel must not take the next region with it
    except Exception as exc:  # kernel died, zmq failure: report it for this region only
        error = f"{type(exc).__name__}: {exc}"
        _drop_kernel_client()
        _LOCAL.km = None
    seconds = time.perf_counter() - started
    if error:
        _write_atomic(out_dir / f"{task.stem}.failed.ipynb", nbformat.writes(nb))
        result = RegionResult(task.region_id, task.region_name, "failed", seconds, cell, error)
    else:
        summary = _summary_for(task, nb)
        exporter = getattr(_LOCAL, "exporter", None)
        if exporter is None:  # reused: its templates load once per worker (~0.07 s a region)
            exporter = HTMLExporter(
                exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
            )
            _LOCAL.exporter = exporter
        body, _ = exporter.from_notebook_node(
            nb, resources={"metadata": {"name": f"{task.region_name} — EOCIC assessment"}}
        )
        _write_atomic(out_dir / f"{task.stem}.ipynb", nbformat.writes(nb))
        _write_atomic(out_dir / f"{task.stem}.html", body)
        stale = out_dir / f"{task.stem}.failed.ipynb"
        if stale.exists():
            stale.unlink()
        result = RegionResult(task.region_id, task.region_name, "ok", seconds, summary=summary)
    if task.stem == "assessment":
        _write_atomic(out_dir / "status.json", json.dumps(asdict(result), indent=1))
    return result


def _summary_for(task: RegionTask, nb) -> dict:
    """The index-page record of a finished region: the one the notebook published
    (``report.index_entry``, taken out of the notebook here so that neither the HTML nor the
    saved notebook carries it), else computed again from the same prepared bundle."""
    from toolkit import report

    if task.stem != "assessment":
        return {}
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        for output in outputs:
            record = output.get("data", {}).get(report.INDEX_MIME)
            if record:
                outputs.remove(output)
                return dict(record)
    prepared = task.parameters.get("prepared")
    if not prepared:
        return {}
    return report.summary_record(report.assess(report.load_prepared(prepared), task.region_id))


# --- planning and running the batch (runs in the parent) -----------------------------------------


@dataclass
class BatchPlan:
    tasks: list[RegionTask]
    skipped: list[RegionResult]
    joint: RegionTask | None
    out: Path
    synthetic: bool
    prepared: Path


def plan_batch(
    regions: str = "pilot",
    *,
    out: str | Path | None = None,
    panel_path: str | Path | None = None,
    context_path: str | Path | None = None,
    sectors_path: str | Path | None = None,
    regions_path: str | Path | None = None,
    stars_path: str | Path | None = None,
    year: int | None = None,
    resume: bool = False,
    only: list[str] | None = None,
) -> BatchPlan:
    """Load and check everything, prepare the shared bundle, and list the notebook runs.

    Fails (``BadInputError``) before any kernel starts when a region, a file or a parameter is
    wrong.
    """
    from toolkit import report
    from toolkit.reference import nuts2_regions
    from toolkit.workspace import Workspace

    out = Path(out) if out is not None else paths.reports_dir()
    unions_file = None
    if regions not in ("pilot", "all"):
        unions_file = Path(regions)
        if not unions_file.is_file():
            raise BadInputError(
                Problem(
                    str(regions),
                    "--regions must be 'pilot', 'all' or a YAML file of regions of analysis",
                )
            )
    ws = Workspace.load(
        panel_path,
        context_path,
        sectors_path=sectors_path,
        regions_path=regions_path,
        regions_of_analysis_path=unions_file,
        stars_path=stars_path,
        year=year,
    )
    from toolkit.assessment import load_assessment_parameters

    params = load_assessment_parameters(indicators=ws.indicators)  # checked before kernels
    if regions == "all":
        in_panel = set(ws.panel["region"].unique())
        table = nuts2_regions(ws.regions)
        targets = [
            (c, n) for c, n in zip(table["code"], table["name"], strict=True) if c in in_panel
        ]
        targets += [(c, c) for c in sorted(in_panel - {t[0] for t in targets})]
    else:
        targets = [(u.id, u.name) for u in ws.unions]
    if only:
        resolved = [ws.resolve(key) for key in only]  # UnknownRegionError, before any kernel
        targets = [(r.id, r.name) for r in resolved]
    if not targets:
        raise BadInputError(Problem(str(regions), "no region to report on"))
    for region_id, _ in targets:
        ws.resolve(region_id)

    out.mkdir(parents=True, exist_ok=True)
    _remove_temporaries(out)
    prepared = report.prepare(ws, params)
    bundle = report.save_prepared(prepared, out / ".cache" / "prepared.pkl")
    notebook = str(paths.notebooks_dir() / ASSESSMENT_NOTEBOOK)
    common = {"prepared": str(bundle)}
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
    if regions != "all" and not only:
        joint = RegionTask(
            "joint-challenges",
            "Joint challenges",
            str(paths.notebooks_dir() / JOINT_NOTEBOOK),
            {**common, "csv_path": str(out / "joint_challenges.csv")},
            str(out),
            stem="joint_challenges",
        )
    return BatchPlan(tasks, skipped, joint, out, ws.synthetic, bundle)


def _finished(region_dir: Path) -> bool:
    status = region_dir / "status.json"
    if not (status.is_file() and (region_dir / "assessment.html").is_file()):
        return False
    try:
        return json.loads(status.read_text()).get("status") == "ok"
    except json.JSONDecodeError:
        return False


def _remove_temporaries(out: Path) -> None:
    """Temporary files a killed batch may have left (never a finished report)."""
    for tmp in out.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


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
    plan: BatchPlan, *, jobs: int = 2, executor: str = "local", scheduler: str | None = None
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
    write_summary(plan.out, everything, time.perf_counter() - started)
    return everything


# --- index and summary -----------------------------------------------------------------------


def earlier_reports(out: Path, exclude: set[str]) -> list[RegionResult]:
    """The reports of earlier runs in the folder (their ``status.json``), so that the index of
    ``toolkit report REGION`` or of a partial batch still lists every report there is."""
    found = []
    for status in sorted(out.glob("*/status.json")):
        if status.parent.name in exclude:
            continue
        try:
            record = json.loads(status.read_text())
            found.append(RegionResult(**record))
        except (json.JSONDecodeError, TypeError):
            continue  # not a status file of ours: leave it out of the index
    return found


def write_index(out: Path, results: list[RegionResult], synthetic: bool, joint: bool) -> Path:
    """``index.html``: a table of regions with stars and top challenges, linking each report.
    The synthetic banner shows when this run or any listed report used synthetic data."""
    e = html.escape
    synthetic = synthetic or any((r.summary or {}).get("synthetic") for r in results)
    rows = []
    for r in sorted(results, key=lambda r: r.region_name):
        s = r.summary or {}
        link = (
            f"<a href='{e(r.region_id)}/assessment.html'>{e(r.region_name)}</a>"
            if r.status in ("ok", "skipped")
            else e(r.region_name)
        )
        status = (
            ""
            if r.status in ("ok", "skipped")
            else f"<span class='bad'>failed: {e(r.error)}</span>"
        )
        rows.append(
            f"<tr><td>{link}</td><td>{e(r.region_id)}</td>"
            f"<td class='n'>{e(str(s.get('starred', '')))}</td>"
            f"<td class='n'>{e(str(s.get('star_clusters', '')))}</td>"
            f"<td>{e(s.get('top_clusters', ''))}</td><td>{e(s.get('top_challenges', ''))}"
            f"{status}</td></tr>"
        )
    banner = (
        "<p class='synthetic'>SYNTHETIC DEMO DATA — these reports are generated from "
        "synthetic figures for demonstration; they describe no real region.</p>"
        if synthetic
        else ""
    )
    joint_link = (
        "<p><a href='joint_challenges.html'>Joint challenges across the regions</a> "
        "(matrix also as <a href='joint_challenges.csv'>CSV</a>)</p>"
        if joint
        else ""
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>EOCIC regional assessments</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:75em}}table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}}
td.n{{text-align:right}}.synthetic{{border:2px solid #b00;background:#fee;padding:8px;
font-weight:bold}}.bad{{color:#b00}}</style></head><body>
<h1>EOCIC regional assessments</h1>{banner}{joint_link}
<table><thead><tr><th>Region</th><th>Id</th><th>Clusters with stars</th>
<th>Star clusters (2+)</th><th>Leading clusters</th><th>Top challenges</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    path = out / "index.html"
    _write_atomic(path, page)
    return path


def write_summary(out: Path, results: list[RegionResult], seconds: float) -> None:
    ok = [r for r in results if r.status == "ok"]
    failed = [r for r in results if r.status == "failed"]
    skipped = [r for r in results if r.status == "skipped"]
    data = {
        "seconds": round(seconds, 1),
        "ok": len(ok),
        "failed": len(failed),
        "skipped": len(skipped),
        "failures": [{"region": r.region_id, "cell": r.cell, "error": r.error} for r in failed],
        "regions": [asdict(r) for r in results],
    }
    _write_atomic(out / "run_summary.json", json.dumps(data, indent=1, default=str))
    lines = [
        f"{len(ok)} reports written, {len(skipped)} kept from an earlier run, "
        f"{len(failed)} failed, in {seconds:.1f} s"
    ]
    lines += [f"FAILED {r.region_id}: cell {r.cell}: {r.error}" for r in failed]
    _write_atomic(out / "run_summary.txt", "\n".join(lines) + "\n")


# --- command line -------------------------------------------------------------------------------


def _data_options(parser) -> None:
    parser.add_argument("--panel", help="cluster panel file (default: the synthetic demo data)")
    parser.add_argument("--context", help="region context file")
    parser.add_argument(
        "--sectors",
        help="sector file (code, name[, type]); default: the cluster categories or the NACE "
        "Rev. 2 divisions, whichever holds the panel's codes",
    )
    parser.add_argument(
        "--region-table",
        help="regions file (code, name[, level, parent, country]) for codes that are not "
        "NUTS 2016 or other names (default data/reference/nuts2016_regions.csv)",
    )
    parser.add_argument("--stars", help="star parameter file (default parameters/stars.yaml)")
    parser.add_argument("--year", type=int, help="analysis year (default: latest)")
    parser.add_argument("--out", help="reports folder (default reports/)")


def _cmd_batch(args) -> int:
    if args.jobs < 1:
        raise BadInputError(Problem("--jobs", f"must be at least 1, got {args.jobs}"))
    if args.executor == "dask" and not args.scheduler:
        raise BadInputError(Problem("--scheduler", "the dask executor needs --scheduler ADDRESS"))
    plan = plan_batch(
        args.regions,
        out=args.out,
        panel_path=args.panel,
        context_path=args.context,
        sectors_path=args.sectors,
        regions_path=args.region_table,
        stars_path=args.stars,
        year=args.year,
        resume=args.resume,
    )
    print(
        f"{len(plan.tasks)} region reports to write"
        + (f", {len(plan.skipped)} kept from an earlier run" if plan.skipped else "")
        + f" ({'synthetic demo data' if plan.synthetic else 'user data'})",
        flush=True,
    )
    results = run_batch(plan, jobs=args.jobs, executor=args.executor, scheduler=args.scheduler)
    return _report_outcome(plan.out, results)


def _report_outcome(out: Path, results: list[RegionResult]) -> int:
    failed = [r for r in results if r.status == "failed"]
    print((out / "run_summary.txt").read_text().strip())
    print(f"index: {(out / 'index.html').resolve()}")
    return 1 if failed else 0


def _cmd_report(args) -> int:
    plan = plan_batch(
        "pilot" if not args.regions_of_analysis else args.regions_of_analysis,
        out=args.out,
        panel_path=args.panel,
        context_path=args.context,
        sectors_path=args.sectors,
        regions_path=args.region_table,
        stars_path=args.stars,
        year=args.year,
        only=[args.region],
    )
    results = run_batch(plan, jobs=1)
    failed = [r for r in results if r.status == "failed"]
    for r in results:
        if r.status == "ok":
            print(f"wrote {(plan.out / r.region_id / 'assessment.html').resolve()}")
    for r in failed:
        print(f"error: {r.region_id} failed in cell {r.cell}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def register_cli(commands, data_commands) -> None:
    batch = commands.add_parser(
        "batch",
        help="write the assessment reports of many regions in parallel",
        description="Execute the assessment notebook for every region (papermill parameters, "
        "warm kernels, in parallel), write reports/<region-id>/assessment.html, an "
        "index page and a run summary. One failing region never stops the others; "
        "the exit code is 1 when any failed.",
    )
    batch.add_argument(
        "--regions",
        default="pilot",
        help="'pilot' (the 10 pilot regions, default), 'all' (every NUTS-2 region "
        "of the data) or a YAML file of regions of analysis",
    )
    batch.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 2,
        help="parallel workers, each with a warm kernel (default: cores)",
    )
    batch.add_argument(
        "--resume",
        action="store_true",
        help="keep finished reports of an earlier run; redo missing or failed ones",
    )
    batch.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local processes (default) or an existing Dask cluster",
    )
    batch.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    _data_options(batch)
    batch.set_defaults(handler=_cmd_batch)

    one = commands.add_parser(
        "report",
        help="write the assessment report of one region",
        description="Write reports/<region-id>/assessment.html for one region: a pilot-region "
        "id (e.g. wallonia), a region code (e.g. DED2) or a region name.",
    )
    one.add_argument("region", help="region id, code or name")
    one.add_argument("--regions-of-analysis", help="YAML of named unions of region codes")
    _data_options(one)
    one.set_defaults(handler=_cmd_report)


__all__ = ["plan_batch", "run_batch", "run_task", "register_cli"]
