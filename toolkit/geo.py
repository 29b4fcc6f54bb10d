"""NUTS 2016 level-2 boundaries and a choropleth drawn with plain matplotlib (no geopandas).

Geometry comes, in this order, from a GeoJSON file the user names (``path`` or the
``EOCIC_GEOJSON`` environment variable), from the cache ``data/geo/`` (not committed), or from
the official GISCO distribution of Eurostat, downloaded once into that cache. The download
runs in a background thread with a short time limit, so an offline machine gets an answer in
a few seconds and an app never hangs; when no geometry can be had, callers get ``None`` and
the reason, and the map view shows a ranked chart instead.

GeoJSON features must carry the region code in ``properties.NUTS_ID`` (GISCO) or
``properties.code`` / ``properties.id``, with Polygon or MultiPolygon geometry in
longitude/latitude (EPSG:4326).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from toolkit import paths
from toolkit.errors import BadInputError, Problem

GISCO_FILE = "NUTS_RG_20M_2016_4326_LEVL_2.geojson"
GISCO_URL = f"https://gisco-services.ec.europa.eu/distribution/v2/nuts/geojson/{GISCO_FILE}"
DOWNLOAD_TIMEOUT = 4.0  # seconds, for the whole download (name lookup included)
# Mainland Europe and its islands (longitude min, max, latitude min, max); overseas regions
# fall outside and are left off the map, as on the cluster mapping's own maps.
EUROPE_EXTENT = (-25.0, 45.0, 34.0, 72.0)
STAR_COLOURS = ("#d9d9d9", "#9ecae1", "#4292c6", "#08519c", "#08306b")
NO_DATA_COLOUR = "#ffffff"
ATTRIBUTION = "NUTS 2016 boundaries © EuroGeographics for the administrative boundaries"

_FAILED: dict[str, str] = {}  # url -> reason: a failed download is tried once per process


@dataclass
class Geometry:
    """Region code -> list of polygons; a polygon is a list of rings (outer first, then holes),
    each an (n, 2) array of longitude, latitude."""

    shapes: dict[str, list[list[np.ndarray]]]
    source: str
    notes: list[str] = field(default_factory=list)

    def coverage(self, codes) -> tuple[list[str], list[str]]:
        """(codes with a shape, codes without one), each in the order given."""
        codes = [str(c) for c in codes]
        return [c for c in codes if c in self.shapes], [c for c in codes if c not in self.shapes]


def default_cache_file() -> Path:
    return paths.data_dir() / "geo" / GISCO_FILE


def parse_geojson(obj: dict, source: str = "<geojson>") -> Geometry:
    """Shapes of a GeoJSON FeatureCollection. Features without a code or polygon are skipped
    and counted in ``notes``; anything that is not a FeatureCollection is a BadInputError."""
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        raise BadInputError(Problem(source, "not a GeoJSON FeatureCollection"))
    shapes: dict[str, list[list[np.ndarray]]] = {}
    skipped = 0
    for number, feature in enumerate(obj.get("features") or []):
        props = (feature or {}).get("properties") or {}
        code = props.get("NUTS_ID") or props.get("code") or props.get("id")
        geometry = (feature or {}).get("geometry") or {}
        kind, coords = geometry.get("type"), geometry.get("coordinates")
        if not code or kind not in ("Polygon", "MultiPolygon") or not coords:
            skipped += 1
            continue
        polygons = [coords] if kind == "Polygon" else coords
        try:
            rings = [
                [np.asarray(ring, dtype="float64")[:, :2] for ring in polygon if len(ring) >= 3]
                for polygon in polygons
            ]
        except (ValueError, IndexError, TypeError) as exc:
            raise BadInputError(
                Problem(source, f"feature {number} ({code}): bad coordinates ({exc})")
            ) from exc
        shapes.setdefault(str(code), []).extend(p for p in rings if p)
    notes = [f"{skipped} features without a code or polygon skipped"] if skipped else []
    return Geometry(shapes, source, notes)


def read_geojson(path: str | Path) -> Geometry:
    """Read a GeoJSON file (errors name the file)."""
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadInputError(Problem(str(path), "file not found")) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInputError(Problem(str(path), f"not valid GeoJSON: {exc}")) from exc
    return parse_geojson(obj, str(path))


def download(
    url: str = GISCO_URL, dest: str | Path | None = None, timeout: float = DOWNLOAD_TIMEOUT
) -> Path:
    """Download ``url`` to ``dest`` (default: the cache file) atomically, within ``timeout``
    seconds overall. Raises ``OSError`` with the reason when it cannot."""
    dest = Path(dest) if dest is not None else default_cache_file()
    result: dict[str, object] = {}

    def fetch() -> None:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                result["data"] = response.read()
        except Exception as exc:  # handed to the caller below, whatever it is
            result["error"] = exc

    # urlopen's timeout does not bound the name lookup: a daemon thread does.
    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise OSError(f"no answer from {url} within {timeout:g} s")
    if "error" in result:
        raise OSError(f"cannot download {url}: {result['error']}")
    data = result["data"]
    try:
        parse_geojson(json.loads(data), url)  # never cache something that is not GeoJSON
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OSError(f"{url} did not return GeoJSON: {exc}") from exc
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-", suffix=".geojson")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def load_geometry(
    path: str | Path | None = None,
    *,
    allow_download: bool | None = None,
    timeout: float = DOWNLOAD_TIMEOUT,
) -> tuple[Geometry | None, str]:
    """(geometry or None, a sentence saying where it came from or why there is none).

    ``path`` (else ``$EOCIC_GEOJSON``) is used when given; otherwise the cache, then one
    download attempt per process unless ``allow_download`` is false (default: true unless
    ``$EOCIC_GEO_DOWNLOAD`` is ``0``).
    """
    path = path or os.environ.get("EOCIC_GEOJSON") or None
    if path:
        try:
            geometry = read_geojson(path)
        except BadInputError as exc:
            return None, f"the boundary file cannot be used: {exc}"
        return geometry, f"boundaries from {Path(path).name}"
    cache = default_cache_file()
    if cache.exists():
        try:
            return read_geojson(cache), f"{ATTRIBUTION} (GISCO, cached)"
        except BadInputError as exc:
            return None, f"the cached boundary file is damaged ({exc}); delete it to retry"
    if allow_download is None:
        allow_download = os.environ.get("EOCIC_GEO_DOWNLOAD", "1") != "0"
    if not allow_download:
        return None, "no boundary file, and downloads are switched off"
    if GISCO_URL in _FAILED:
        return None, _FAILED[GISCO_URL]
    try:
        download(GISCO_URL, cache, timeout=timeout)
        return read_geojson(cache), f"{ATTRIBUTION} (GISCO)"
    except (OSError, BadInputError) as exc:
        _FAILED[GISCO_URL] = f"the NUTS boundaries could not be downloaded ({exc})"
        return None, _FAILED[GISCO_URL]


def _path(polygon: list[np.ndarray]) -> MplPath:
    """One polygon (outer ring and holes) as a compound path, so holes stay empty."""
    codes = []
    for ring in polygon:
        ring_codes = np.full(len(ring), MplPath.LINETO, dtype=MplPath.code_type)
        ring_codes[0] = MplPath.MOVETO
        codes.append(ring_codes)
    return MplPath(np.concatenate(polygon), np.concatenate(codes))


def choropleth(
    geometry: Geometry,
    values: pd.Series,
    *,
    title: str = "",
    legend_title: str = "cluster stars",
    extent: tuple[float, float, float, float] | None = EUROPE_EXTENT,
    synthetic: bool = False,
    source_note: str = "",
) -> Figure:
    """Regions coloured by an integer class 0-4 (``values``: code -> stars); regions of the
    geometry without a value are drawn white. Plate carrée with the aspect of 52° N."""
    fig = Figure(figsize=(7.0, 6.2), dpi=90)
    ax = fig.add_subplot()
    classes = values.dropna().astype(int).clip(0, len(STAR_COLOURS) - 1)
    patches, colours = [], []
    for code, polygons in geometry.shapes.items():
        colour = STAR_COLOURS[classes[code]] if code in classes.index else NO_DATA_COLOUR
        for polygon in polygons:
            patches.append(PathPatch(_path(polygon)))
            colours.append(colour)
    ax.add_collection(
        PatchCollection(patches, facecolors=colours, edgecolors="#737373", linewidths=0.2)
    )
    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
    else:
        ax.autoscale_view()
    ax.set_aspect(1.0 / np.cos(np.radians(52.0)))
    ax.set_axis_off()
    handles = [Patch(color=c, label=str(i)) for i, c in enumerate(STAR_COLOURS)]
    handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#737373", label="no data"))
    ax.legend(handles=handles, title=legend_title, loc="upper left", fontsize=7, title_fontsize=8)
    ax.set_title(title, fontsize=10)
    if source_note:
        fig.text(0.01, 0.01, source_note, fontsize=6, color="#555")
    if synthetic:
        fig.text(0.99, 0.01, "synthetic demo data", ha="right", fontsize=8, color="#b00")
    return fig
