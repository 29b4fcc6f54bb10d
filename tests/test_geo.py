"""NUTS boundaries: reading GeoJSON, the shipped files (offline by default, NUTS 2016 or 2021
chosen by the data's codes), the cache and download (offline, hanging, bad answers), and the
choropleth's colours, with the small fixture tests/fixtures/nuts2_mini.geojson."""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from servers import free_port

from toolkit import geo
from toolkit.errors import BadInputError

FIXTURE = Path(__file__).parent / "fixtures" / "nuts2_mini.geojson"
SHIPPED_DIR = Path(__file__).parent.parent / "data" / "geo"
# SHA-256 of the shipped files as data/README.md records them (byte-for-byte copies).
SHIPPED_SHA256 = {
    "nuts2016_level2_60M_4326.geojson": (
        "26f14358e151f08c6e5ed8edce078c6b5188d678bec0d1fccc97e90d18c2a6e3"
    ),
    "nuts2021_level2_03M_4326.geojson": (
        "97262ddd38e7c95e5de4bd06f624aed555442a523a27a13bbbe18cc0a0b0d5a7"
    ),
}
NUTS2021_ONLY = ["HR02", "HR05", "HR06", "NO08", "NO09", "NO0A", "NO0B"]
NUTS2016_ONLY = ["HR04", "NO01", "NO03", "NO04", "NO05"]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No user file, an empty cache in a temporary data folder, no remembered failures."""
    monkeypatch.delenv("EOCIC_GEOJSON", raising=False)
    monkeypatch.delenv("EOCIC_GEO_DOWNLOAD", raising=False)
    monkeypatch.setenv("EOCIC_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(geo, "_FAILED", {})


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to reach the network fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(geo.urllib.request, "urlopen", refuse)
    monkeypatch.setattr(geo, "download", refuse)


def test_reads_polygons_multipolygons_and_holes_and_skips_features_without_code():
    g = geo.read_geojson(FIXTURE)
    assert sorted(g.shapes) == ["BE31", "BE32", "ES13", "FI1D"]
    assert len(g.shapes["FI1D"]) == 2  # a MultiPolygon of two parts
    assert len(g.shapes["BE32"]) == 1 and len(g.shapes["BE32"][0]) == 2  # outer ring + hole
    np.testing.assert_allclose(g.shapes["BE31"][0][0][0], [4.0, 50.5])
    assert g.notes == ["1 features without a code or polygon skipped"]
    assert g.coverage(["BE31", "XX99", "FI1D"]) == (["BE31", "FI1D"], ["XX99"])


def test_a_file_that_is_not_geojson_is_named_in_the_error(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Feature"}')
    with pytest.raises(BadInputError, match="bad.geojson.*FeatureCollection"):
        geo.read_geojson(bad)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(BadInputError, match="broken.geojson"):
        geo.read_geojson(broken)


def test_user_file_from_environment_wins(monkeypatch):
    monkeypatch.setenv("EOCIC_GEOJSON", str(FIXTURE))
    g, source = geo.load_geometry(allow_download=False)
    assert g is not None and "BE31" in g.shapes
    assert source == "boundaries from nuts2_mini.geojson"


def test_unusable_user_file_gives_no_geometry_and_the_reason(tmp_path):
    g, reason = geo.load_geometry(tmp_path / "missing.geojson")
    assert g is None
    assert "missing.geojson" in reason and "file not found" in reason


def test_cached_file_is_used_without_download():
    cache = geo.default_cache_file()
    cache.parent.mkdir(parents=True)
    cache.write_bytes(FIXTURE.read_bytes())
    g, source = geo.load_geometry(allow_download=False)
    assert g is not None and len(g.shapes) == 4
    assert "cached" in source


def test_shipped_files_are_the_recorded_byte_for_byte_copies():
    for name, digest in SHIPPED_SHA256.items():
        assert hashlib.sha256((SHIPPED_DIR / name).read_bytes()).hexdigest() == digest, name


def test_without_any_file_or_network_the_shipped_nuts2016_boundaries_are_used(no_network):
    g, source = geo.load_geometry()  # EOCIC_GEO_DOWNLOAD unset: still no download
    assert g is not None and g.nuts_version == "2016"
    assert len(g.shapes) >= 320
    assert {"BE31", "DED2", "FI1D"} <= g.shapes.keys()
    attribution = (
        "© EuroGeographics for the administrative boundaries. "
        "Source: Eurostat – GISCO, via eurostat/Nuts2json"
    )
    assert g.attribution == attribution and attribution in source
    assert not geo.default_cache_file().exists()


def test_the_shipped_boundaries_are_drawn_region_by_region(no_network):
    g, source = geo.load_geometry()
    stars = pd.Series({"BE31": 4, "DED2": 2})
    fig = geo.choropleth(g, stars, source_note=source)
    colours = fig.axes[0].collections[0].get_facecolors()
    assert len(colours) == sum(len(polygons) for polygons in g.shapes.values())
    first = {}
    index = 0
    for code, polygons in g.shapes.items():
        first[code] = index
        index += len(polygons)
    np.testing.assert_allclose(colours[first["BE31"]], to_rgba("#08306b"))
    np.testing.assert_allclose(colours[first["DED2"]], to_rgba("#4292c6"))
    np.testing.assert_allclose(colours[first["FI1D"]], to_rgba("#ffffff"))
    assert any(source in t.get_text() for t in fig.texts)


def test_nuts2021_codes_get_the_nuts2021_boundaries(no_network):
    codes = ["DE21", "BE31", *NUTS2021_ONLY]
    g, source = geo.load_geometry(codes=codes)
    assert g.nuts_version == "2021"
    assert g.coverage(codes) == (codes, [])
    assert "NUTS 2021" in source and "© EuroGeographics" in source


def test_nuts2016_codes_keep_nuts2016_without_reading_the_nuts2021_file(no_network, monkeypatch):
    read = []
    original = geo.read_shipped
    monkeypatch.setattr(geo, "read_shipped", lambda v="2016": read.append(v) or original(v))
    # Every NUTS 2016 code, the outermost regions the 1:60 million file omits included.
    codes = ["DE21", "FI1D", "FRY1", "ES70", *NUTS2016_ONLY]
    g, _ = geo.load_geometry(codes=codes)
    assert g.nuts_version == "2016" and read == ["2016"]
    assert g.coverage(codes)[1] == ["FRY1", "ES70"]


def test_the_version_covering_more_codes_wins_a_mixed_list(no_network):
    assert geo.load_geometry(codes=["HR04", "NO01", "HR02"])[0].nuts_version == "2016"
    assert geo.load_geometry(codes=["HR04", "HR02", "HR05"])[0].nuts_version == "2021"
    assert geo.load_geometry(codes=["XX01", "HR02"])[0].nuts_version == "2021"
    assert geo.load_geometry(codes=["XX01"])[0].nuts_version == "2016"  # a tie keeps 2016


def test_an_explicit_file_is_used_whatever_the_codes(monkeypatch):
    g, _ = geo.load_geometry(FIXTURE, codes=NUTS2021_ONLY)
    assert sorted(g.shapes) == ["BE31", "BE32", "ES13", "FI1D"]


def test_a_damaged_cache_falls_back_to_the_shipped_file_and_says_so(no_network):
    cache = geo.default_cache_file()
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json")
    g, reason = geo.load_geometry()
    assert g is not None and g.nuts_version == "2016"
    assert "damaged" in reason and "eurostat/Nuts2json" in reason


def test_no_shipped_file_and_nothing_else_gives_no_geometry_and_the_reason(monkeypatch):
    monkeypatch.setattr(geo, "shipped_file", lambda version="2016": None)
    g, reason = geo.load_geometry()
    assert g is None and "no boundary file" in reason and "file not found" in reason


def test_fetch_with_downloads_switched_off_says_so_and_uses_the_shipped_file(no_network):
    g, reason = geo.load_geometry(fetch=True, allow_download=False)
    assert g is not None and g.nuts_version == "2016"
    assert "switched off" in reason


def test_offline_fetch_fails_once_with_the_reason_and_is_not_retried(monkeypatch):
    url = f"http://127.0.0.1:{free_port()}/nuts.geojson"  # nothing listens there
    monkeypatch.setattr(geo, "GISCO_URL", url)
    g, reason = geo.load_geometry(fetch=True, allow_download=True, timeout=2)
    assert g is not None and g.nuts_version == "2016"  # the shipped file, with the reason
    assert "could not be downloaded" in reason
    assert url in geo._FAILED
    calls = []
    monkeypatch.setattr(geo, "download", lambda *a, **k: calls.append(a))
    g, reason = geo.load_geometry(fetch=True, allow_download=True)
    assert g.nuts_version == "2016" and "could not be downloaded" in reason
    assert calls == []  # the failure is remembered for the process
    assert not geo.default_cache_file().exists()


def test_fetch_downloads_the_finer_file_once_into_the_cache(http_server, monkeypatch):
    _Handler.body = FIXTURE.read_bytes()
    url = f"http://127.0.0.1:{http_server.server_port}/nuts.geojson"
    monkeypatch.setattr(geo, "GISCO_URL", url)
    g, source = geo.load_geometry(fetch=True, timeout=5)
    assert sorted(g.shapes) == ["BE31", "BE32", "ES13", "FI1D"]
    assert "cached" in source and "© EuroGeographics" in source
    assert geo.default_cache_file().exists()


def test_a_server_that_never_answers_cannot_hang_the_download():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never replies
    try:
        port = listener.getsockname()[1]
        with pytest.raises(OSError):
            geo.download(f"http://127.0.0.1:{port}/x.geojson", timeout=0.5)
    finally:
        listener.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_download_writes_the_cache_atomically(http_server):
    _Handler.body = FIXTURE.read_bytes()
    url = f"http://127.0.0.1:{http_server.server_port}/nuts.geojson"
    dest = geo.download(url, timeout=5)
    assert dest == geo.default_cache_file()
    assert json.loads(dest.read_text())["type"] == "FeatureCollection"
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]  # no temporary left


def test_download_of_something_else_is_not_cached(http_server):
    _Handler.body = b"<html>maintenance</html>"
    url = f"http://127.0.0.1:{http_server.server_port}/nuts.geojson"
    with pytest.raises(OSError, match="did not return GeoJSON"):
        geo.download(url, timeout=5)
    assert not geo.default_cache_file().exists()


def test_choropleth_colours_each_region_by_its_stars():
    g = geo.read_geojson(FIXTURE)
    stars = pd.Series({"BE31": 3, "BE32": 0, "FI1D": 4})  # ES13 has no value
    fig = geo.choropleth(g, stars, title="t", extent=None, synthetic=True)
    colours = fig.axes[0].collections[0].get_facecolors()
    expected = []
    for code, polygons in g.shapes.items():
        colour = {
            "BE31": "#08519c",
            "BE32": "#d9d9d9",
            "FI1D": "#08306b",
        }.get(code, "#ffffff")
        expected += [to_rgba(colour)] * len(polygons)
    np.testing.assert_allclose(colours, expected)
    assert any(t.get_text() == "synthetic demo data" for t in fig.texts)


def test_toolkit_data_geo_installs_a_local_file_or_fails_clearly_offline(monkeypatch, capsys):
    from toolkit.cli import main

    assert main(["data", "geo", "--from", str(FIXTURE)]) == 0
    assert geo.read_geojson(geo.default_cache_file()).shapes.keys() == {
        "BE31",
        "BE32",
        "ES13",
        "FI1D",
    }
    geo.default_cache_file().unlink()
    url = f"http://127.0.0.1:{free_port()}/nuts.geojson"
    assert main(["data", "geo", "--url", url, "--timeout", "2"]) == 1
    err = capsys.readouterr().err
    assert "cannot download" in err and "toolkit data geo --from FILE" in err
    assert not geo.default_cache_file().exists()
