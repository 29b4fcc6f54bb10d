"""Executing report notebooks on warm kernels: what a batch worker does with a ``RegionTask``.

Starting Python and a kernel and importing pandas, seaborn and the toolkit costs 3-4 s a
notebook, so each worker keeps **one warm kernel** (and one client of it) that executes region
after region: papermill parameterises the notebook, nbclient runs it, nbconvert exports the
HTML in-process with one reused exporter. A failing notebook never raises here: its error
(cell, message) goes into the ``RegionResult`` and the failed notebook is kept beside the
report as ``assessment.failed.ipynb``. A timed-out cell restarts the kernel, so a hung kernel
never takes the next region with it.

The notebook publishes the region's index-page record as a display output of its own MIME
type (``INDEX_MIME``); ``take_index_record`` takes it out before anything is written, so the
record reaches the index in one hop and neither the HTML nor the saved notebook carries it.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from toolkit import paths
from toolkit.files import write_atomic

CELL_TIMEOUT = 600  # seconds a single notebook cell may take
INDEX_MIME = "application/vnd.eocic.index-entry+json"


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


def take_index_record(nb) -> dict:
    """The index-page record the notebook published (``INDEX_MIME``), removed from the
    notebook; {} when the notebook published none (the joint-challenges synthesis)."""
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        for output in outputs:
            record = output.get("data", {}).get(INDEX_MIME)
            if record:
                outputs.remove(output)
                return dict(record)
    return {}


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
        write_atomic(out_dir / f"{task.stem}.failed.ipynb", nbformat.writes(nb))
        result = RegionResult(task.region_id, task.region_name, "failed", seconds, cell, error)
    else:
        summary = take_index_record(nb)
        from toolkit.report import html_exporter, pdf_bytes

        exporter = getattr(_LOCAL, "exporter", None)
        if exporter is None:  # reused: its templates load once per worker (~0.07 s a region)
            exporter = html_exporter()  # offline: no CDN script
            _LOCAL.exporter, _LOCAL.pdf_exporter = exporter, html_exporter(pdf=True)
        title = f"{task.region_name} — EOCIC assessment"
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
        write_atomic(out_dir / f"{task.stem}.ipynb", nbformat.writes(nb))
        write_atomic(out_dir / f"{task.stem}.html", body)
        # The PDF beside the HTML, from the same executed notebook (A4, contents, page numbers).
        data_year = summary.get("year") or ""
        header = f"{task.region_name} — EOCIC assessment" + (
            f" · data {data_year}" if data_year else ""
        )
        pdf = pdf_bytes(
            nb,
            title,
            header,
            exporter=_LOCAL.pdf_exporter,
            landscape=task.stem != "assessment",  # the joint matrix is wide
        )
        write_atomic(out_dir / f"{task.stem}.pdf", pdf)
        stale = out_dir / f"{task.stem}.failed.ipynb"
        if stale.exists():
            stale.unlink()
        result = RegionResult(task.region_id, task.region_name, "ok", seconds, summary=summary)
    if task.stem == "assessment":
        write_atomic(out_dir / "status.json", json.dumps(asdict(result), indent=1))
    return result
