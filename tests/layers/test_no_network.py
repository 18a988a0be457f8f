"""No network from a file: a GeoJSON ``crs`` link is refused before GDAL can fetch it.

A local HTTP server stands in for the link's target; the decisive check is that it receives no request
(GDAL's libcurl connects from C, out of sight of Python's socket hooks). Python-level connects to it are
watched as well, through the ``socket.connect`` audit event.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from wuxi_atlas.analysis.errors import AtlasError, CRSError
from wuxi_atlas.layers.catalog import Catalog, Role, User, check_layer
from wuxi_atlas.layers.read import read_vector

STEWARD = User("steward", Role.DATA_STEWARD)  # the catalog's changes take the acting user

LON, LAT = 120.30, 31.57


class _Server:
    """A local HTTP server that records every request and answers with a PROJ string."""

    def __init__(self) -> None:
        requests = self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                body = b"+proj=longlat +datum=WGS84 +no_defs"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"


class _Connects:
    """Python-level ``socket.connect`` calls seen while active (the audit hook cannot be removed)."""

    def __init__(self) -> None:
        self.active = False
        self.addresses: list[Any] = []

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if self.active and event == "socket.connect":
            self.addresses.append(args[1])


_CONNECTS = _Connects()
sys.addaudithook(_CONNECTS.audit)


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    running.thread.start()
    try:
        yield running
    finally:
        running.httpd.shutdown()
        running.httpd.server_close()


def _feature(geometry_crs: dict[str, Any] | None = None) -> dict[str, Any]:
    geometry: dict[str, Any] = {"type": "Point", "coordinates": [LON, LAT]}
    if geometry_crs is not None:
        geometry["crs"] = geometry_crs
    return {
        "type": "Feature",
        "properties": {"name": "锡山充电站", "type": "充电站", "piles": 4, "access": "公共"},
        "geometry": geometry,
    }


def _collection(crs: dict[str, Any] | None = None, geometry_crs: dict[str, Any] | None = None) -> str:
    document: dict[str, Any] = {"type": "FeatureCollection", "features": [_feature(geometry_crs)]}
    if crs is not None:
        document["crs"] = crs
    return json.dumps(document, ensure_ascii=False)


def _topojson(crs: dict[str, Any]) -> str:
    point = {"type": "Point", "coordinates": [LON, LAT], "properties": _feature()["properties"]}
    return json.dumps(
        {
            "type": "Topology",
            "crs": crs,
            "objects": {"stations": {"type": "GeometryCollection", "geometries": [point]}},
            "arcs": [],
        },
        ensure_ascii=False,
    )


# Each case: (file name, text of the file given the server).
LINKED: dict[str, Callable[[_Server], tuple[str, str]]] = {
    "link-in-properties": lambda s: (
        "link.geojson",
        _collection({"type": "link", "properties": {"href": s.url("a"), "type": "proj4"}}),
    ),
    "link-href-at-top-level": lambda s: (
        "link_top.geojson",
        _collection({"type": "link", "href": s.url("b"), "properties": {"href": s.url("b2")}}),
    ),
    "url-type": lambda s: ("url.geojson", _collection({"type": "url", "properties": {"url": s.url("c")}})),
    "link-on-a-geometry-upper-case": lambda s: (
        "geometry_link.geojson",
        _collection(geometry_crs={"TYPE": "LINK", "PROPERTIES": {"HREF": s.url("d")}}),
    ),
    "key-written-with-escapes": lambda s: (
        "escaped.geojson",
        _collection({"type": "\\u006cink", "properties": {"href": s.url("e")}})
        .replace('"crs"', '"\\u0063RS"')
        .replace("\\\\u006c", "\\u006c"),
    ),
    "topojson": lambda s: ("topo.json", _topojson({"type": "link", "properties": {"href": s.url("f")}})),
    "geojsonseq": lambda s: (
        "seq.json",
        "\x1e" + json.dumps(_feature({"type": "link", "properties": {"href": s.url("g")}})) + "\n",
    ),
}


def _write(folder: Path, name: str, text: str, zipped: bool) -> Path:
    if not zipped:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path
    path = folder / (Path(name).stem + ".zip")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(Path(name).with_suffix(".geojson").name, text)
    return path


@pytest.mark.parametrize("zipped", [False, True], ids=["file", "zipped"])
@pytest.mark.parametrize("case", list(LINKED), ids=list(LINKED))
def test_a_crs_link_is_refused_and_never_fetched(
    case: str, zipped: bool, server: _Server, tmp_path: Path
) -> None:
    name, text = LINKED[case](server)
    path = _write(tmp_path, name, text, zipped)
    _CONNECTS.active, _CONNECTS.addresses = True, []
    try:
        report = check_layer("stations", path)
        with pytest.raises(AtlasError) as raised:
            Catalog(tmp_path / "catalog").add("stations", path, user=STEWARD)
    finally:
        _CONNECTS.active = False
    assert server.requests == []
    assert not [a for a in _CONNECTS.addresses if isinstance(a, tuple) and a[1:2] == (server.port,)]
    assert not report.usable
    assert report.error is not None and "link" in report.error and str(server.port) in report.error
    assert "never fetches" in str(raised.value)
    assert not (tmp_path / "catalog" / "manifest.json").exists()


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}},
        {"type": "name", "properties": {"name": "EPSG:999999"}},
        {"type": "EPSG", "properties": {"code": 999999}},
    ],
    ids=["urn", "short", "epsg-type"],
)
def test_an_unknown_crs_is_an_error_naming_it_not_wgs84(crs: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "unknown_crs.geojson"
    path.write_text(_collection(crs), encoding="utf-8")
    with pytest.raises(CRSError, match="999999"):
        read_vector("stations", path)
    report = check_layer("stations", path)
    assert not report.usable and report.error is not None and "999999" in report.error


def test_a_crs_name_is_never_a_proj_string_or_a_path(tmp_path: Path) -> None:
    path = tmp_path / "init.geojson"
    path.write_text(_collection({"type": "name", "properties": {"name": "+init=/dev/zero:x"}}), "utf-8")
    with pytest.raises(CRSError, match="not a CRS identifier"):
        read_vector("stations", path)


def test_named_crss_still_read(tmp_path: Path) -> None:
    for crs_name in ("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4490"):
        path = tmp_path / "named.geojson"
        path.write_text(_collection({"type": "name", "properties": {"name": crs_name}}), "utf-8")
        source = read_vector("stations", path)
        assert source.frame.geometry.iloc[0].x == pytest.approx(LON, abs=1e-6)
    # A property that happens to be called "crs" is data.
    path = tmp_path / "property.geojson"
    document = json.loads(_collection())
    document["features"][0]["properties"]["crs"] = "http://127.0.0.1:9/not-fetched"
    path.write_text(json.dumps(document), "utf-8")
    assert read_vector("stations", path).frame["crs"].iloc[0] == "http://127.0.0.1:9/not-fetched"


def test_gdal_and_proj_are_kept_offline() -> None:
    import pyproj.network

    import wuxi_atlas.layers.read  # noqa: F401 - importing the readers configures the process

    assert os.environ["PROJ_NETWORK"] == "OFF"
    assert not pyproj.network.is_network_enabled()
    assert os.environ["GDAL_HTTP_MAX_RETRY"] == "0"
