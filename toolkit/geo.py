"""NUTS level-2 boundaries and a choropleth drawn with plain matplotlib (no geopandas).

Geometry comes, in this order, from a GeoJSON file the user names (``path`` or the
``EOCIC_GEOJSON`` environment variable), from a finer file installed into ``data/geo/`` by
``toolkit data geo`` (GISCO 1:20 million, not committed), or from the boundaries shipped with
the toolkit in ``data/geo/``: NUTS 2016 at 1:60 million (eurostat/Nuts2json) and NUTS 2021 at
1:3 million (GISCO). Nothing is downloaded unless asked for (``fetch=True`` or
``toolkit data geo``), so a map is drawn offline and an app never waits for the network.

Given the data's region codes, the loader picks the NUTS version that covers more of them: a
panel in NUTS 2021 codes (HR02, HR05, HR06, NO08 ... of Eurostat's ``sbs_r_nuts2021``) gets
the NUTS 2021 boundaries instead of leaving those regions white.

GeoJSON features must carry the region code in ``properties.NUTS_ID`` (GISCO) or
``properties.code`` / ``properties.id`` (Nuts2json), with Polygon or MultiPolygon geometry in
longitude/latitude (EPSG:4326).
"""

from __future__ import annotations

import json
import os
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
from toolkit.files import write_atomic

GISCO_FILE = "NUTS_RG_20M_2016_4326_LEVL_2.geojson"
GISCO_URL = f"https://gisco-services.ec.europa.eu/distribution/v2/nuts/geojson/{GISCO_FILE}"
DOWNLOAD_TIMEOUT = 4.0  # seconds, for the whole download (name lookup included)
# Mainland Europe and its islands (longitude min, max, latitude min, max); overseas regions
# fall outside and are left off the map, as on the cluster mapping's own maps.
EUROPE_EXTENT = (-25.0, 45.0, 34.0, 72.0)
STAR_COLOURS = ("#d9d9d9", "#9ecae1", "#4292c6", "#08519c", "#08306b")
NO_DATA_COLOUR = "#ffffff"
GISCO_ATTRIBUTION = "© EuroGeographics for the administrative boundaries. Source: Eurostat – GISCO"
ATTRIBUTION = f"{GISCO_ATTRIBUTION}, via eurostat/Nuts2json"


@dataclass(frozen=True)
class ShippedBoundaries:
    """A boundary file shipped in ``data/geo/`` (provenance and checksums: data/README.md)."""

    file: str
    nuts_version: str
    scale: str
    attribution: str


SHIPPED = {
    "2016": ShippedBoundaries(
        "nuts2016_level2_60M_4326.geojson", "2016", "1:60 million", ATTRIBUTION
    ),
    "2021": ShippedBoundaries(
        "nuts2021_level2_03M_4326.geojson", "2021", "1:3 million", GISCO_ATTRIBUTION
    ),
}
# NUTS 2016 level-2 regions the 1:60 million file leaves out (outermost regions far from
# Europe). They are NUTS 2016 codes all the same, and must not count for NUTS 2021 when the
# version is chosen: the NUTS 2021 file happens to draw them.
NUTS2016_NOT_IN_SHIPPED_FILE = frozenset({"ES70", "FRY1", "FRY2", "FRY3", "FRY4", "FRY5"})
_CHECKOUT_DATA = Path(__file__).resolve().parent.parent / "data"

_FAILED: dict[str, str] = {}  # url -> reason: a failed download is tried once per process


@dataclass
class Geometry:
    """Region code -> list of polygons; a polygon is a list of rings (outer first, then holes),
    each an (n, 2) array of longitude, latitude."""

    shapes: dict[str, list[list[np.ndarray]]]
    source: str
    notes: list[str] = field(default_factory=list)
    nuts_version: str | None = None  # "2016" / "2021" for the shipped files, else unknown
    attribution: str = ""

    def coverage(self, codes) -> tuple[list[str], list[str]]:
        """(codes with a shape, codes without one), each in the order given."""
        codes = [str(c) for c in codes]
        return [c for c in codes if c in self.shapes], [c for c in codes if c not in self.shapes]


def default_cache_file() -> Path:
    """Where ``toolkit data geo`` installs the finer GISCO file (git-ignored)."""
    return paths.data_dir() / "geo" / GISCO_FILE


def shipped_file(nuts_version: str = "2016") -> Path | None:
    """The shipped boundary file of a NUTS version: in the data folder (``$EOCIC_DATA``) when
    it is there, else in the checkout the package lives in; None when neither has it."""
    name = SHIPPED[nuts_version].file
    for folder in (paths.data_dir() / "geo", _CHECKOUT_DATA / "geo"):
        if (folder / name).is_file():
            return folder / name
    return None


def read_shipped(nuts_version: str = "2016") -> Geometry:
    """The shipped boundaries of a NUTS version (BadInputError when the file is missing)."""
    spec = SHIPPED[nuts_version]
    file = shipped_file(nuts_version)
    if file is None:
        raise BadInputError(Problem(f"data/geo/{spec.file}", "file not found"))
    geometry = read_geojson(file)
    geometry.nuts_version, geometry.attribution = spec.nuts_version, spec.attribution
    return geometry


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
    url: str | None = GISCO_URL, dest: str | Path | None = None, timeout: float = DOWNLOAD_TIMEOUT
) -> Path:
    """Download ``url`` (None: the GISCO 1:20 million file) to ``dest`` (default: the cache
    file) atomically, within ``timeout`` seconds overall. Raises ``OSError`` with the reason
    when it cannot."""
    url = url or GISCO_URL
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
    return write_atomic(dest, data)


def load_geometry(
    path: str | Path | None = None,
    *,
    codes=None,
    fetch: bool = False,
    allow_download: bool | None = None,
    timeout: float = DOWNLOAD_TIMEOUT,
) -> tuple[Geometry | None, str]:
    """(geometry or None, a sentence saying where it came from, with its attribution, or why
    there is none).

    ``path`` (else ``$EOCIC_GEOJSON``) is used when given. Otherwise the file ``toolkit data
    geo`` installed, else the shipped NUTS 2016 boundaries; with ``codes`` (the data's region
    codes) the shipped NUTS 2021 boundaries replace NUTS 2016 when they cover more of them.
    Nothing is downloaded unless ``fetch`` asks for the finer GISCO file (once per process,
    and never when ``allow_download`` is false; default: true unless ``$EOCIC_GEO_DOWNLOAD``
    is ``0``); a failed download falls back to the shipped file and says why.
    """
    path = path or os.environ.get("EOCIC_GEOJSON") or None
    if path:
        try:
            geometry = read_geojson(path)
        except BadInputError as exc:
            return None, f"the boundary file cannot be used: {exc}"
        return geometry, f"boundaries from {Path(path).name}"
    if allow_download is None:
        allow_download = os.environ.get("EOCIC_GEO_DOWNLOAD", "1") != "0"
    notes: list[str] = []
    cache = default_cache_file()
    if fetch and not cache.exists():
        notes += _fetch(allow_download, cache, timeout)
    geometry, sentence = None, ""
    if cache.exists():
        try:
            geometry = read_geojson(cache)
            geometry.attribution = GISCO_ATTRIBUTION
            sentence = f"{GISCO_ATTRIBUTION} ({cache.name}, cached)"
        except BadInputError as exc:
            notes.append(f"the cached boundary file is damaged ({exc}); delete it to retry")
    if geometry is None:
        try:
            geometry = read_shipped("2016")
        except BadInputError as exc:
            return None, "; ".join([f"no boundary file ({exc})", *notes])
        sentence = _shipped_sentence(geometry)
    if codes is not None:
        chosen = _best_version(geometry, codes)
        if chosen is not geometry:
            geometry = chosen
            sentence = _shipped_sentence(geometry) + ", as the data's region codes are NUTS 2021"
    return geometry, "; ".join([sentence, *notes])


def _shipped_sentence(geometry: Geometry) -> str:
    spec = SHIPPED[geometry.nuts_version]
    return f"{spec.attribution} (NUTS {spec.nuts_version}, {spec.scale})"


def _fetch(allow_download: bool, cache: Path, timeout: float) -> list[str]:
    """Download the GISCO file into the cache; the reason as a note when it cannot be had."""
    if not allow_download:
        return ["the finer GISCO boundaries were not downloaded: downloads are switched off"]
    if GISCO_URL not in _FAILED:
        try:
            download(GISCO_URL, cache, timeout=timeout)
            return []
        except (OSError, BadInputError) as exc:
            _FAILED[GISCO_URL] = f"the NUTS boundaries could not be downloaded ({exc})"
    return [_FAILED[GISCO_URL]]


def _best_version(geometry: Geometry, codes) -> Geometry:
    """``geometry``, or the shipped NUTS 2021 boundaries when they cover strictly more of
    ``codes``. Codes of the 2016 classification count as covered by it even where the 1:60
    million file has no shape (outermost regions), so a NUTS 2016 panel keeps NUTS 2016."""
    wanted = {str(c) for c in pd.Series(list(codes), dtype="object").dropna()}
    known = set(geometry.shapes) | NUTS2016_NOT_IN_SHIPPED_FILE
    if wanted <= known or geometry.nuts_version == "2021":
        return geometry  # nothing to gain: the NUTS 2021 file is not even read
    try:
        nuts2021 = read_shipped("2021")
    except BadInputError:
        return geometry
    return nuts2021 if len(wanted & set(nuts2021.shapes)) > len(wanted & known) else geometry


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
    fig = Figure(figsize=(8.0, 6.2), dpi=90)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.01, right=0.84, top=0.94, bottom=0.04)
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
    # Beside the map, never over land (it once covered Iceland).
    ax.legend(
        handles=handles,
        title=legend_title,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=7,
        title_fontsize=8,
    )
    ax.set_title(title, fontsize=10)
    if source_note:
        fig.text(0.01, 0.01, source_note, fontsize=6, color="#555")
    if synthetic:
        fig.text(0.99, 0.01, "synthetic demo data", ha="right", fontsize=8, color="#b00")
    return fig


def svg_map(
    geometry: Geometry,
    fills: dict[str, str],
    titles: dict[str, str],
    *,
    selected: str | None = None,
    extent: tuple[float, float, float, float] | None = EUROPE_EXTENT,
    width: int = 640,
    css_class: str = "eocic-map-svg",
) -> str:
    """The regions as an SVG drawn by the browser: one ``<path>`` per region with its fill,
    ``data-region`` (its code, for a click) and a ``<title>`` (the hover text, escaped).
    Plate carrée with the aspect of 52° N; coordinates rounded to what the width shows.
    Regions without a fill are drawn white, outside ``extent`` left off."""
    import html

    lon0, lon1, lat0, lat1 = extent or _bounds(geometry)
    aspect = 1.0 / np.cos(np.radians(52.0))
    scale = width / (lon1 - lon0)
    height = int(round((lat1 - lat0) * aspect * scale))
    paths = []
    for code, polygons in geometry.shapes.items():
        parts = []
        for polygon in polygons:
            for ring in polygon:
                x = np.round((ring[:, 0] - lon0) * scale, 1)
                y = np.round((lat1 - ring[:, 1]) * aspect * scale, 1)
                if x.max() < 0 or x.min() > width or y.max() < 0 or y.min() > height:
                    continue
                keep = np.ones(len(x), dtype=bool)
                keep[1:] = (np.diff(x) != 0) | (np.diff(y) != 0)
                if keep.sum() < 3:
                    continue
                points = " ".join(f"{a:g},{b:g}" for a, b in zip(x[keep], y[keep], strict=True))
                parts.append(f"M{points}Z")
        if not parts:
            continue
        name = html.escape(str(code), quote=True)
        cls = "eocic-region eocic-selected" if code == selected else "eocic-region"
        paths.append(
            f'<path class="{cls}" data-region="{name}" fill="{fills.get(code, NO_DATA_COLOUR)}"'
            f' d="{"".join(parts)}"><title>{html.escape(titles.get(code, code))}</title></path>'
        )
    return (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
        f'{height}" width="100%" style="max-width:{width}px;background:#eef3f7" '
        f'stroke="#737373" stroke-width="0.4" fill-rule="evenodd">{"".join(paths)}</svg>'
    )


def _bounds(geometry: Geometry) -> tuple[float, float, float, float]:
    rings = [ring for polygons in geometry.shapes.values() for p in polygons for ring in p]
    points = np.concatenate(rings) if rings else np.zeros((1, 2))
    return (
        float(points[:, 0].min()),
        float(points[:, 0].max()),
        float(points[:, 1].min()),
        float(points[:, 1].max()),
    )
