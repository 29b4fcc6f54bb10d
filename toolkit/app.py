"""``toolkit app``: serve the explorers as Voilà web apps; ``toolkit data geo``: fetch the
NUTS boundaries for the map.

Voilà's root is ``notebooks/apps/``: visitors see only the app notebooks (one page per view
and one with all views in tabs), rendered with their sources stripped and tracebacks hidden,
and no file of ``data/`` or ``parameters/`` is reachable. Preheated kernels (a pool per
notebook, each having run the notebook already) make the first page render fast. Data paths
reach the kernels as ``EOCIC_APP_*`` environment variables, which
``toolkit.explorers.workspace_from_env`` reads.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from toolkit import paths
from toolkit.errors import BadInputError, Problem, ToolkitError
from toolkit.files import write_atomic
from toolkit.sources import APP_PREPARED, DataSources

# The pages: notebook file -> what it shows (the tree page lists them in this order).
APP_NOTEBOOKS = {
    "index.ipynb": "start page",
    "app.ipynb": "all views in tabs",
    "overview.ipynb": "Regional Performance Overview",
    "portfolio.ipynb": "Regional Cluster Portfolio",
    "sector.ipynb": "Data by Sector",
    "map.ipynb": "Regional Cluster Strength by Sector (map)",
    "scoreboard.ipynb": "Regional Ecosystem Scoreboard",
    "trends.ipynb": "Trends",
    "network.ipynb": "Related clusters (network)",
    "partners.ipynb": "Partner finder (ESCP)",
    "help.ipynb": "Help",
}
TEMPLATE = "eocic"  # toolkit/apps/voila/templates/eocic: the start page replaces the file list
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
MAX_PAGE_POOL = 200  # preheated kernels one page may keep (each holds about 290 MiB)
IOPUB_TIMEOUT = 120  # seconds Voilà waits for a notebook's outputs after its cell finished
REFILL_DELAY = 5.0  # seconds before a taken preheated kernel is replaced (small pools)
REFILL_PER_KERNEL = 2.0  # more seconds per kernel of a large pool (see refill_delay)
STOP_GRACE = 10.0  # seconds Voilà and its kernels get to stop before they are killed


def apps_dir() -> Path:
    return paths.notebooks_dir() / "apps"


def template_root() -> Path:
    """The folder to put on ``JUPYTER_PATH`` so Voilà finds the apps' template."""
    return Path(__file__).resolve().parent / "apps"


def with_template_path(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the apps' template folder first on ``JUPYTER_PATH``."""
    parts = [str(template_root()), *filter(None, env.get("JUPYTER_PATH", "").split(os.pathsep))]
    return dict(env, JUPYTER_PATH=os.pathsep.join(dict.fromkeys(parts)))


def voila_command(
    port: int = 8866,
    *,
    host: str = "127.0.0.1",
    pool_size: int = 1,
    notebook: str | None = None,
    cull_minutes: int = 30,
    refill_delay: float = REFILL_DELAY,
    base_url: str = "/",
    root: Path | None = None,
    page_pools: dict[str, int] | None = None,
) -> list[str]:
    """The Voilà command line serving the app folder (or one app notebook); ``root`` serves
    another folder with the same settings (the benchmark's baseline notebook).
    ``page_pools`` (notebook -> kernels) overrides ``pool_size`` for some pages, for example
    the page many visitors arrive at."""
    serves_apps = root is None and notebook is None
    root = apps_dir() if root is None else Path(root)
    target = root / notebook if notebook else root
    command = [
        sys.executable,
        "-m",
        "toolkit.kernel_pool",  # Voilà, whose pool never makes a visitor wait for a refill
        str(target),
        f"--port={port}",
        f"--Voila.ip={host}",
        f"--Voila.base_url={base_url}",
        "--no-browser",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
        # Serve no static file from the notebook folder (default: images and the like).
        "--VoilaConfiguration.file_allowlist=[]",
        # Code is never shown, so the page need not load the syntax-highlighting extension.
        '--VoilaConfiguration.extension_denylist=["jupyterlab_pygments"]',
        # Kernels of pages left open but idle are shut down after a while.
        f"--MappingKernelManager.cull_idle_timeout={60 * cull_minutes}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
    ]
    if serves_apps:
        # "/" opens the start page (index.ipynb) instead of Voilà's list of files.
        command.append(f"--template={TEMPLATE}")
    page_pools = {name: n for name, n in (page_pools or {}).items() if n != pool_size}
    if pool_size > 0 or any(n > 0 for n in page_pools.values()):
        command += [
            "--preheat_kernel=True",
            f"--pool_size={pool_size}",
            # Refill the pool a few seconds after a kernel was taken, so the new kernel's run
            # of the notebook does not compete with the page the visitor just opened (a
            # visitor handed a refill still waiting starts it at once: toolkit.kernel_pool).
            f"--VoilaKernelManager.fill_delay={refill_delay:g}",
        ]
        if max([pool_size, *page_pools.values()]) > 4:
            # A notebook's last outputs may reach Voilà seconds after its cell finished when
            # many kernels run it at once (a large pool filling on 2 cores); nbclient's
            # default of 4 s then drops them and the preheated page stays empty.
            command.append(f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}")
        if page_pools:
            pools = {"default": {"pool_size": pool_size}}
            pools.update({name: {"pool_size": n} for name, n in sorted(page_pools.items())})
            config = json.dumps(pools, separators=(",", ":"))
            command.append(f"--VoilaKernelManager.kernel_pools_config={config}")
    return command


def refill_delay_for(pool_size: int, page_pools: dict[str, int], asked: float | None) -> float:
    """Seconds before a taken preheated kernel is replaced: ``asked`` when given; else
    ``REFILL_DELAY``, plus ``REFILL_PER_KERNEL`` for each kernel of the largest pool above
    four, since a crowd takes a large pool at once and its refill (every kernel running the
    notebook at the same time) would otherwise slow the pages just handed out."""
    if asked is not None:
        if asked < 0:
            raise BadInputError(
                f"--refill-delay must be 0 or more, got {asked:g}", file="--refill-delay"
            )
        return asked
    largest = max([pool_size, *page_pools.values()])
    return REFILL_DELAY + REFILL_PER_KERNEL * max(0, largest - 4)


def parse_page_pools(values: list[str] | None) -> dict[str, int]:
    """``--pool PAGE=N`` values (``index=20``, ``overview.ipynb=4``) as notebook -> kernels;
    an unknown page or a count that is not a whole number from 0 to 200 is a clear error."""
    pools: dict[str, int] = {}
    for value in values or []:
        page, sep, count = value.partition("=")
        name = page.strip()
        name = name if name.endswith(".ipynb") else f"{name}.ipynb"
        if not sep or name not in APP_NOTEBOOKS:
            pages = ", ".join(n.removesuffix(".ipynb") for n in APP_NOTEBOOKS)
            raise BadInputError(
                f"--pool expects PAGE=N with PAGE one of {pages}, got {value!r}", file="--pool"
            )
        if not count.strip().isdigit() or int(count) > MAX_PAGE_POOL:
            raise BadInputError(
                f"--pool {page}: N must be a whole number from 0 to {MAX_PAGE_POOL}, got {count!r}",
                file="--pool",
            )
        pools[name] = int(count)
    return pools


def app_environment(
    sources: DataSources, base: dict[str, str] | None = None, geojson: str | None = None
) -> dict[str, str]:
    """The server's environment: the data sources for the kernels (``EOCIC_APP_SOURCES``) and
    the boundary file for the map (``EOCIC_GEOJSON``), checked to exist."""
    env = with_template_path(sources.to_env(dict(os.environ if base is None else base)))
    if geojson is not None:
        path = Path(geojson).expanduser()
        if not path.is_file():
            raise BadInputError(Problem(str(geojson), "file not found", column="--geojson"))
        env["EOCIC_GEOJSON"] = str(path.resolve())
    return env


def check_data(sources: DataSources, prepared_file: str | Path | None = None) -> str:
    """Load the workspace the apps will use once, so bad files fail here (with file, row and
    column) rather than in a visitor's page, and with ``prepared_file`` save it with its
    metrics computed for the kernels (``EOCIC_APP_PREPARED``), which then skip validating and
    computing. Returns a one-line description."""
    from toolkit.prepared import save_pickle
    from toolkit.workspace import Workspace

    ws = Workspace.load(sources)
    ws.metrics  # noqa: B018 - computed now so that the pickle carries it
    if prepared_file is not None:
        save_pickle(ws, prepared_file)
    label = "SYNTHETIC demo data" if ws.synthetic else ws.provenance.get("source", "")
    regions = ws.metrics["region"].nunique()
    return (
        f"{label}: {regions} regions, {len(ws.sectors)} sectors, analysis year {ws.year}, "
        f"benchmark {ws.benchmark.name}"
    )


def _check_geometry(env: dict[str, str]) -> str:
    """Look for the map's boundaries once, before any kernel starts: when they cannot be had,
    the kernels are told not to try again (each would otherwise wait for the network)."""
    from toolkit import geo

    if env.get("EOCIC_GEOJSON"):
        geometry, source = geo.load_geometry(env["EOCIC_GEOJSON"])
    else:
        allow = env.get("EOCIC_GEO_DOWNLOAD", "1") != "0"
        geometry, source = geo.load_geometry(allow_download=allow)
    if geometry is None:
        env["EOCIC_GEO_DOWNLOAD"] = "0"
        return f"map: {source}; the map view shows a ranked chart instead"
    return f"map: {len(geometry.shapes)} regions ({source})"


def cmd_app(args) -> int:
    sources = DataSources.from_args(args)
    env = app_environment(sources, geojson=args.geojson)
    if args.no_download:
        env["EOCIC_GEO_DOWNLOAD"] = "0"
    if not 0 < args.port < 65536:
        raise BadInputError(f"--port must be 1-65535, got {args.port}", file="--port")
    if args.notebook and args.notebook not in APP_NOTEBOOKS:
        raise BadInputError(
            f"--notebook must be one of {', '.join(APP_NOTEBOOKS)}, got {args.notebook!r}",
            file="--notebook",
        )
    if args.pool_size < 0:
        raise BadInputError(
            f"--pool-size must be 0 or more, got {args.pool_size}", file="--pool-size"
        )
    page_pools = parse_page_pools(args.pool)
    base_url = "/" + args.base_url.strip("/") + "/" if args.base_url.strip("/") else "/"
    command = voila_command(
        args.port,
        host=args.host,
        pool_size=args.pool_size,
        notebook=args.notebook,
        base_url=base_url,
        page_pools=page_pools,
        refill_delay=refill_delay_for(args.pool_size, page_pools, args.refill_delay),
    )
    if args.print_command:
        print(f"JUPYTER_PATH={shlex.quote(str(template_root()))} " + shlex.join(command))
        return 0
    folder = Path(tempfile.mkdtemp(prefix="eocic-app-"))  # private to this server
    try:
        env[APP_PREPARED] = str(folder / "workspace.pkl")
        print(check_data(sources, env[APP_PREPARED]))
        return _serve(args, env, command, base_url)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _serve(args, env: dict[str, str], command: list[str], base_url: str) -> int:
    print(_check_geometry(env))
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: serving on {args.host}: anyone who can reach this machine can open the "
            "apps; put them behind an authenticating reverse proxy (see README).",
            file=sys.stderr,
        )
    shown = "localhost" if args.host in ("127.0.0.1", "::1") else args.host
    print(f"serving the apps on http://{shown}:{args.port}{base_url} (Ctrl-C to stop)", flush=True)
    return run_until_stopped(command, env)


def run_until_stopped(command: list[str], env: dict[str, str]) -> int:
    """Run Voilà in a process group of its own until it exits or this process gets SIGTERM,
    SIGINT or SIGHUP; then stop Voilà and every kernel it started (kernels have process
    groups of their own), killing what is still alive after ``STOP_GRACE`` seconds. The
    caller removes the temporary folder afterwards."""
    process = subprocess.Popen(command, env=env, start_new_session=True)
    stopped: list[int] = []

    def stop(signum, _frame) -> None:
        stopped.append(signum)
        _terminate(process, _descendants(process.pid))

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        while True:
            try:
                code = process.wait()
                break
            except KeyboardInterrupt:  # a second Ctrl-C while stopping
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _terminate(process, _descendants(process.pid) if process.poll() is None else [])
    return 0 if stopped else code


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (``ps``: POSIX, no extra dependency)."""
    try:
        out = subprocess.run(
            ["ps", "-A", "-o", "pid=,ppid="], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            children.setdefault(int(parts[1]), []).append(int(parts[0]))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _terminate(process: subprocess.Popen, others: list[int]) -> None:
    """SIGTERM to Voilà's group and to each of ``others`` (its kernels), SIGKILL to what is
    left after ``STOP_GRACE`` seconds."""
    _signal_group(process.pid, signal.SIGTERM)
    for pid in others:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    while time.monotonic() < deadline:
        if process.poll() is not None and not any(_alive(p) for p in others):
            break
        time.sleep(0.1)
    if _alive(process.pid):
        _signal_group(process.pid, signal.SIGKILL)
    for pid in others:
        if _alive(pid):
            _signal(pid, signal.SIGKILL)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        pass


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:  # a zombie (exited, not yet reaped by its parent) counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def cmd_geo(args) -> int:
    from toolkit import geo

    dest = geo.default_cache_file()
    if args.source:
        geometry = geo.read_geojson(args.source)  # BadInputError names the file
        write_atomic(dest, Path(args.source).read_bytes())
    else:
        try:
            geo.download(args.url or geo.GISCO_URL, dest, timeout=args.timeout)
        except OSError as exc:
            raise ToolkitError(
                f"{exc}. On a machine without internet access, download {geo.GISCO_FILE} "
                f"elsewhere and run: toolkit data geo --from FILE"
            ) from exc
        geometry = geo.read_geojson(dest)
    print(f"wrote {dest}: {len(geometry.shapes)} regions")
    return 0
