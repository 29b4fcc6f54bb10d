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
from toolkit.files import write_atomic
from toolkit.sources import APP_PREPARED, DataSources

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


def app_environment(
    sources: DataSources, base: dict[str, str] | None = None, geojson: str | None = None
) -> dict[str, str]:
    """The server's environment: the data sources for the kernels (``EOCIC_APP_SOURCES``) and
    the boundary file for the map (``EOCIC_GEOJSON``), checked to exist."""
    env = sources.to_env(dict(os.environ if base is None else base))
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
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


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
