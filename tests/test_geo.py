"""NUTS boundaries: reading GeoJSON, the cache and download (offline, hanging, bad answers),
and the choropleth's colours, with the small fixture tests/fixtures/nuts2_mini.geojson."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from toolkit import geo
from toolkit.errors import BadInputError

FIXTURE = Path(__file__).parent / "fixtures" / "nuts2_mini.geojson"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No user file, an empty cache in a temporary data folder, no remembered failures."""
    monkeypatch.delenv("EOCIC_GEOJSON", raising=False)
    monkeypatch.delenv("EOCIC_GEO_DOWNLOAD", raising=False)
    monkeypatch.setenv("EOCIC_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(geo, "_FAILED", {})


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


def test_downloads_switched_off_says_so():
    g, reason = geo.load_geometry(allow_download=False)
    assert g is None and "switched off" in reason


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_download_fails_once_with_the_reason_and_is_not_retried(monkeypatch):
    url = f"http://127.0.0.1:{_free_port()}/nuts.geojson"  # nothing listens there
    monkeypatch.setattr(geo, "GISCO_URL", url)
    g, reason = geo.load_geometry(allow_download=True, timeout=2)
    assert g is None and "could not be downloaded" in reason
    assert url in geo._FAILED
    calls = []
    monkeypatch.setattr(geo, "download", lambda *a, **k: calls.append(a))
    assert geo.load_geometry(allow_download=True)[0] is None
    assert calls == []  # the failure is remembered for the process
    assert not geo.default_cache_file().exists()


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
    url = f"http://127.0.0.1:{_free_port()}/nuts.geojson"
    assert main(["data", "geo", "--url", url, "--timeout", "2"]) == 1
    err = capsys.readouterr().err
    assert "cannot download" in err and "toolkit data geo --from FILE" in err
    assert not geo.default_cache_file().exists()
