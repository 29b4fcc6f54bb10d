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

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from toolkit import paths
from toolkit.errors import BadInputError, Problem, ToolkitError
from toolkit.explorers import APP_BUNDLE, APP_ENV

# The pages: notebook file -> what it shows (the tree page lists them in this order).
APP_NOTEBOOKS = {
    "app.ipynb": "all views in tabs",
    "overview.ipynb": "Regional Performance Overview",
    "portfolio.ipynb": "Regional Cluster Portfolio",
    "sector.ipynb": "Data by Sector",
    "map.ipynb": "Regional Cluster Strength by Sector (map)",
    "scoreboard.ipynb": "Regional Ecosystem Scoreboard",
    "help.ipynb": "Help",
}
DATA_OPTIONS = {  # command-line option -> (Workspace.load keyword, environment variable)
    "panel": "panel_path",
    "context": "context_path",
    "regions": "regions_path",
    "sectors": "sectors_path",
    "regions_of_analysis": "regions_of_analysis_path",
    "stars": "stars_path",
}


def apps_dir() -> Path:
    return paths.notebooks_dir() / "apps"


def voila_command(
    port: int = 8866,
    *,
    host: str = "127.0.0.1",
    pool_size: int = 1,
    notebook: str | None = None,
    cull_minutes: int = 30,
    refill_delay: float = 5.0,
    base_url: str = "/",
    root: Path | None = None,
) -> list[str]:
    """The Voilà command line serving the app folder (or one app notebook); ``root`` serves
    another folder with the same settings (the benchmark's baseline notebook)."""
    root = apps_dir() if root is None else Path(root)
    target = root / notebook if notebook else root
    command = [
        sys.executable,
        "-m",
        "voila",
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
    if pool_size > 0:
        command += [
            "--preheat_kernel=True",
            f"--pool_size={pool_size}",
            # Refill the pool a few seconds after a kernel was taken, so the new kernel's run
            # of the notebook does not compete with the page the visitor just opened.
            f"--VoilaKernelManager.fill_delay={refill_delay:g}",
        ]
    return command


def app_environment(base: dict[str, str] | None = None, **files: str | None) -> dict[str, str]:
    """The server's environment with ``EOCIC_APP_*`` set for the given data files (checked to
    exist, made absolute so the kernels find them whatever their working folder)."""
    env = dict(os.environ if base is None else base)
    problems = []
    for option, value in files.items():
        if value is None:
            continue
        path = Path(value).expanduser()
        if not path.is_file():
            problems.append(Problem(str(value), "file not found", column=f"--{option}"))
            continue
        if option == "geojson":
            env["EOCIC_GEOJSON"] = str(path.resolve())
        else:
            env[APP_ENV[DATA_OPTIONS[option]]] = str(path.resolve())
    if problems:
        raise BadInputError(problems)
    return env


def check_data(env: dict[str, str], bundle: str | Path | None = None) -> str:
    """Load the workspace the apps will use once, so bad files fail here (with file, row and
    column) rather than in a visitor's page, and with ``bundle`` save it with its metrics
    computed for the kernels (``EOCIC_APP_BUNDLE``), which then skip validating and
    computing. Returns a one-line description."""
    from toolkit import report
    from toolkit.workspace import Workspace

    get = {key: env.get(var) or None for key, var in APP_ENV.items()}
    ws = Workspace.load(get.pop("panel_path"), get.pop("context_path"), **get)
    if bundle is not None:
        report.save_prepared(report.prepare(ws), bundle)
    label = "SYNTHETIC demo data" if ws.synthetic else ws.provenance.get("source", "")
    regions = ws.metrics["region"].nunique()
    return f"{label}: {regions} regions, {len(ws.sectors)} sectors, analysis year {ws.year}"


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


def _cmd_app(args) -> int:
    files = {option: getattr(args, option) for option in DATA_OPTIONS}
    env = app_environment(**files, geojson=args.geojson)
    if args.no_download:
        env["EOCIC_GEO_DOWNLOAD"] = "0"
    if not 0 < args.port < 65536:
        raise BadInputError(f"--port must be 1-65535, got {args.port}", file="--port")
    if args.notebook and args.notebook not in APP_NOTEBOOKS:
        raise BadInputError(
            f"--notebook must be one of {', '.join(APP_NOTEBOOKS)}, got {args.notebook!r}",
            file="--notebook",
        )
    base_url = "/" + args.base_url.strip("/") + "/" if args.base_url.strip("/") else "/"
    command = voila_command(
        args.port,
        host=args.host,
        pool_size=args.pool_size,
        notebook=args.notebook,
        base_url=base_url,
    )
    if args.print_command:
        print(" ".join(command))
        return 0
    folder = Path(tempfile.mkdtemp(prefix="eocic-app-"))  # private to this server
    try:
        env[APP_BUNDLE] = str(folder / "workspace.pkl")
        print(check_data(env, env[APP_BUNDLE]))
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
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


def _cmd_geo(args) -> int:
    from toolkit import geo

    dest = geo.default_cache_file()
    if args.source:
        geometry = geo.read_geojson(args.source)  # BadInputError names the file
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".tmp-{dest.name}")
        shutil.copyfile(args.source, tmp)
        os.replace(tmp, dest)
    else:
        try:
            geo.download(args.url, dest, timeout=args.timeout)
        except OSError as exc:
            raise ToolkitError(
                f"{exc}. On a machine without internet access, download {geo.GISCO_FILE} "
                f"elsewhere and run: toolkit data geo --from FILE"
            ) from exc
        geometry = geo.read_geojson(dest)
    print(f"wrote {dest}: {len(geometry.shapes)} regions")
    return 0


def register_cli(commands, data_commands) -> None:
    app = commands.add_parser(
        "app",
        help="serve the web apps (Voilà) on this machine",
        description="Start Voilà on http://127.0.0.1:PORT with the app notebooks only: the four "
        "mapping views, the Regional Ecosystem Scoreboard and help, each on its own page and "
        "all together in app.ipynb. Sources are hidden; preheated kernels make the first page "
        "fast. Without data options the synthetic demo data are shown (and labelled so).",
    )
    app.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    app.add_argument(
        "--base-url",
        default="/",
        help="URL prefix when served behind a reverse proxy under a sub-path (e.g. /eocic/)",
    )
    app.add_argument(
        "--pool-size",
        type=int,
        default=1,
        help="preheated kernels kept ready per app notebook (default 1; 0: none)",
    )
    app.add_argument("--notebook", help=f"serve one page only: {', '.join(APP_NOTEBOOKS)}")
    app.add_argument("--panel", help="cluster panel file (default: the demo data)")
    app.add_argument("--context", help="region context file")
    app.add_argument("--regions", help="regions file (code, name[, level, parent, country])")
    app.add_argument("--sectors", help="sector file (code, name[, type])")
    app.add_argument("--regions-of-analysis", help="YAML of named unions of region codes")
    app.add_argument("--stars", help="star parameter file")
    app.add_argument("--geojson", help="NUTS-2 boundaries (GeoJSON) for the map")
    app.add_argument(
        "--no-download",
        action="store_true",
        help="never try to download the NUTS boundaries (offline machines)",
    )
    app.add_argument(
        "--print-command", action="store_true", help="print the Voilà command and exit"
    )
    app.set_defaults(handler=_cmd_app)

    from toolkit import geo

    fetch = data_commands.add_parser(
        "geo",
        help="download the NUTS 2016 boundaries for the map (GISCO) into data/geo/",
        description=f"Download {geo.GISCO_FILE} from Eurostat's GISCO distribution into "
        "data/geo/ (the map view's cache), or install a GeoJSON file you have with --from.",
    )
    fetch.add_argument("--from", dest="source", help="a local GeoJSON file to install instead")
    fetch.add_argument("--url", default=geo.GISCO_URL, help="download address")
    fetch.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before giving up (default 30)"
    )
    fetch.set_defaults(handler=_cmd_geo)
