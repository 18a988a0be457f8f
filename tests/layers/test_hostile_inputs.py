"""Hostile and broken files: each gets a clear message, and the catalog is not touched.

Every case of :data:`CASES` writes one small file into ``tmp_path`` and says what must come out:

- ``error``: ``Catalog.add`` raises an atlas error whose message holds the phrase, and ``check_layer``
  reports the file unusable with the same message;
- ``note``: the file is usable; staging it yields a note (a repair, a warning, an assumption) holding
  the phrase;
- ``stored``: the file is usable and the phrase comes through verbatim as data (a value or a column
  name), never interpreted.

In every case the catalog directory, seeded with one good import, is byte-identical before and after.
Nothing large is written: the "gigantic" raster and the zip bomb only claim to be large.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Point, Polygon, box

from wuxi_atlas.analysis.errors import AtlasError
from wuxi_atlas.layers.catalog import Catalog, Role, User, check_layer

STEWARD = User("steward", Role.DATA_STEWARD)  # the catalog's changes take the acting user

# Near 无锡 梁溪区.
LON, LAT = 120.30, 31.57

# ------------------------------------------------------------------------------------- file makers


def _stations(**overrides: list[Any]) -> gpd.GeoDataFrame:
    """Two good stations; ``overrides`` replace columns, or the geometry as ``geometry``."""
    columns: dict[str, list[Any]] = {
        "name": ["锡山充电站", "惠山换电站"],
        "type": ["充电站", "换电站"],
        "piles": [4, 2],
        "access": ["公共", "公共"],
    }
    geometry = overrides.pop("geometry", [Point(LON, LAT), Point(LON + 0.01, LAT + 0.01)])
    columns.update(overrides)
    return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")


def _gpkg(folder: Path, name: str = "stations.gpkg", frame: gpd.GeoDataFrame | None = None) -> Path:
    path = folder / name
    (frame if frame is not None else _stations()).to_file(path, driver="GPKG", layer="stations")
    return path


def _geojson(folder: Path, name: str = "stations.geojson", frame: gpd.GeoDataFrame | None = None) -> Path:
    path = folder / name
    path.write_text((frame if frame is not None else _stations()).to_json(), encoding="utf-8")
    return path


def _text(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def _raster(
    folder: Path, name: str = "landcover.tif", codes: tuple[int, ...] = (10, 20, 30, 50, 80), **profile: Any
) -> Path:
    """A 16×16 WorldCover-coded raster in EPSG:4549; ``profile`` overrides (``crs=None`` …)."""
    path = folder / name
    options: dict[str, Any] = {
        "driver": "GTiff",
        "width": 16,
        "height": 16,
        "count": 1,
        "dtype": "uint16",
        "crs": "EPSG:4549",
        "transform": from_origin(528_000, 3_494_000, 30, 30),  # inside Wuxi
    }
    options.update(profile)
    with rasterio.open(path, "w", **options) as dataset:
        dataset.write(np.resize(np.array(codes, dtype="uint16"), (1, 16, 16)))
    return path


def _giant_tiff(folder: Path) -> Path:
    """A tiny GeoTIFF whose header is patched to claim 4,000,000 × 4,000,000 pixels."""
    path = _raster(folder, "giant.tif")
    data = bytearray(path.read_bytes())
    assert data[:2] == b"II"
    offset = struct.unpack_from("<I", data, 4)[0]
    for index in range(struct.unpack_from("<H", data, offset)[0]):
        entry = offset + 2 + 12 * index
        tag = struct.unpack_from("<H", data, entry)[0]
        if tag in (256, 257):  # ImageWidth, ImageLength, rewritten as one LONG
            struct.pack_into("<HHII", data, entry, tag, 4, 1, 4_000_000)
    path.write_bytes(bytes(data))
    return path


def _zip(folder: Path, name: str, members: Mapping[str, bytes]) -> Path:
    path = folder / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(zipfile.ZipInfo(member), content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _shapefile_parts(folder: Path, encoding: str | None = None) -> dict[str, bytes]:
    parts = folder / "parts"
    parts.mkdir(exist_ok=True)
    options = {"encoding": encoding} if encoding else {}
    _stations().to_file(parts / "stations.shp", **options)
    return {part.name: part.read_bytes() for part in sorted(parts.glob("stations.*"))}


def _shapefile_zip(folder: Path, name: str, drop: tuple[str, ...] = (), encoding: str | None = None) -> Path:
    parts = _shapefile_parts(folder, encoding)
    return _zip(folder, name, {k: v for k, v in parts.items() if Path(k).suffix not in drop})


def _truncated(path: Path, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: max(1, int(len(data) * keep))])
    return path


def _garbage(folder: Path, name: str, size: int = 4096) -> Path:
    path = folder / name
    path.write_bytes(np.random.default_rng(7).integers(0, 256, size, dtype=np.uint8).tobytes())
    return path


def _empty(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(b"")
    return path


def _bowtie() -> Polygon:
    return Polygon([(LON, LAT), (LON + 0.01, LAT + 0.01), (LON + 0.01, LAT), (LON, LAT + 0.01)])


def _projected_geojson(folder: Path) -> Path:
    """GeoJSON (2008 style) with a ``crs`` member naming EPSG:4549 and coordinates in metres."""
    document = json.loads(_stations().to_crs(4549).to_json())
    document["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}}
    path = folder / "projected.geojson"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _xlsx(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    path = folder / name
    frame.to_excel(path, index=False)
    return path


_CSV_HEADER = "名称,类型,桩数,开放类型,经度,纬度\n"

# ---------------------------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    make: Callable[[Path], Path | str]
    outcome: Literal["error", "note", "stored"]
    phrase: str
    options: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)


CASES: tuple[Case, ...] = (
    # -- broken containers
    Case(
        "gpkg-truncated",
        "stations",
        lambda d: _truncated(_gpkg(d), 0.3),
        "error",
        "cannot open it as vector data",
    ),
    Case(
        "gpkg-garbage", "stations", lambda d: _garbage(d, "x.gpkg"), "error", "cannot open it as vector data"
    ),
    Case(
        "geojson-truncated",
        "stations",
        lambda d: _truncated(_geojson(d)),
        "error",
        "cannot open it as vector",
    ),
    Case(
        "zip-truncated",
        "stations",
        lambda d: _truncated(_shapefile_zip(d, "s.zip")),
        "error",
        "not a readable zip",
    ),
    Case(
        "tif-truncated",
        "landcover",
        lambda d: _truncated(_raster(d), 0.6),
        "error",
        "cannot read it as a raster",
    ),
    Case("xlsx-garbage", "stations", lambda d: _garbage(d, "x.xlsx"), "error", "not a readable .xlsx"),
    # -- wrong extension
    Case(
        "geojson-named-gpkg",
        "stations",
        lambda d: (_geojson(d).rename(d / "s.gpkg"), d / "s.gpkg")[1],
        "note",
        "holds GeoJSON data",
    ),
    Case(
        "csv-named-tif",
        "landcover",
        lambda d: _text(d, "x.tif", _CSV_HEADER + "a,充电站,1,公共,120.3,31.5\n"),
        "error",
        "cannot read it as a raster",
    ),
    Case("raster-given-as-vector", "stations", lambda d: _raster(d), "error", "'.tif' files cannot be read"),
    # -- empty files
    *(
        Case(f"empty-{suffix}", kind, lambda d, s=suffix: _empty(d, f"empty.{s}"), "error", "empty (0 bytes)")
        for suffix, kind in (
            ("gpkg", "stations"),
            ("geojson", "stations"),
            ("zip", "stations"),
            ("tif", "landcover"),
            ("csv", "stations"),
            ("xlsx", "stations"),
            ("kml", "stations"),
            ("shp", "stations"),
        )
    ),
    # -- rasters that lie or say nothing
    Case(
        "raster-no-georeference",
        "landcover",
        lambda d: _raster(d, crs=None, transform=rasterio.Affine.identity()),
        "error",
        "no georeference",
    ),
    Case("raster-gigantic-header", "landcover", _giant_tiff, "error", "over the limit of 2,000,000,000"),
    Case(
        "raster-all-nodata",
        "landcover",
        lambda d: _raster(d, codes=(0,), nodata=0),
        "error",
        "no class codes",
    ),
    Case(
        "raster-unknown-codes",
        "landcover",
        lambda d: _raster(d, codes=(300, 301, 302)),
        "error",
        "cannot tell the land-cover scheme",
    ),
    # -- zips made to attack
    Case(
        "zip-bomb-ratio",
        "stations",
        lambda d: _zip(
            d, "bomb.zip", {"stations.shp": bytes(8 << 20), "stations.shx": b"", "stations.dbf": b""}
        ),
        "error",
        "zip bomb",
    ),
    Case(
        "zip-over-total",
        "stations",
        lambda d: _shapefile_zip(d, "big.zip"),
        "error",
        "unpacks to",
        env={"GEOPLAN_MAX_ZIP_MB": "0.0001"},
    ),
    Case(
        "zip-slip-dotdot",
        "stations",
        lambda d: _zip(d, "slip.zip", {"../../evil.shp": b"x", "a.dbf": b""}),
        "error",
        "'..' paths",
    ),
    Case(
        "zip-slip-absolute",
        "stations",
        lambda d: _zip(d, "abs.zip", {"/tmp/evil.shp": b"x"}),
        "error",
        "absolute",
    ),
    Case(
        "zip-missing-shx",
        "stations",
        lambda d: _shapefile_zip(d, "noshx.zip", drop=(".shx",)),
        "error",
        "has no .shx",
    ),
    Case(
        "zip-missing-dbf",
        "stations",
        lambda d: _shapefile_zip(d, "nodbf.zip", drop=(".dbf",)),
        "error",
        "has no .dbf",
    ),
    Case(
        "zip-without-vector",
        "stations",
        lambda d: _zip(d, "docs.zip", {"readme.txt": b"hello"}),
        "error",
        "holds no Shapefile",
    ),
    # -- GDAL virtual paths and URLs, as file and as layer names
    *(
        Case(
            f"path-{prefix.strip('/')}",
            "stations",
            lambda _d, p=prefix: f"{p}http://127.0.0.1:9/x.gpkg",
            "error",
            "GDAL virtual path",
        )
        for prefix in ("/vsicurl/", "/vsizip/", "/vsistdin/")
    ),
    Case("path-url", "stations", lambda _d: "https://example.com/stations.geojson", "error", "is a URL"),
    Case(
        "layer-vsizip",
        "stations",
        _gpkg,
        "error",
        "GDAL virtual path",
        options={"layer": "/vsizip//tmp/x.zip/a"},
    ),
    Case(
        "values-vsicurl",
        "stations",
        lambda d: _gpkg(d, frame=_stations(name=["/vsicurl/http://127.0.0.1:9/a.gpkg", "/vsistdin/"])),
        "stored",
        "/vsicurl/http://127.0.0.1:9/a.gpkg",
    ),
    # -- coordinates
    Case(
        "csv-text-in-coordinates",
        "stations",
        lambda d: _text(d, "s.csv", _CSV_HEADER + "a,充电站,1,公共,120°18′E,31.5\n"),
        "error",
        "holds text instead of decimal degrees",
    ),
    Case(
        "csv-lat-lon-swapped",
        "stations",
        lambda d: _text(d, "s.csv", _CSV_HEADER + "a,充电站,1,公共,31.57,120.30\n"),
        "error",
        "look swapped",
    ),
    Case(
        "points-outside-wuxi",
        "stations",
        lambda d: _gpkg(d, frame=_stations(geometry=[Point(LON, LAT), Point(116.4, 39.9)])),
        "note",
        "lie outside Wuxi",
    ),
    Case(
        "csv-datum-not-declared",
        "stations",
        lambda d: _text(d, "s.csv", _CSV_HEADER + "a,充电站,1,公共,120.30,31.57\n"),
        "note",
        "assumed WGS84",
    ),
    Case(
        "geojson-projected-crs-member", "stations", _projected_geojson, "note", "reprojected from EPSG:4549"
    ),
    # -- encodings
    Case(
        "shapefile-gbk-with-cpg",
        "stations",
        lambda d: _shapefile_zip(d, "gbk.zip", encoding="GBK"),
        "stored",
        "锡山充电站",
    ),
    Case(
        "shapefile-gbk-without-cpg",
        "stations",
        lambda d: _shapefile_zip(d, "gbk_nocpg.zip", drop=(".cpg",), encoding="GBK"),
        "note",
        "does not declare its text encoding",
    ),
    Case(
        "csv-gbk",
        "stations",
        lambda d: _text(d, "s.csv", _CSV_HEADER + "锡山站,充电站,1,公共,120.3,31.57\n", "gbk"),
        "note",
        "read it as GBK",
    ),
    # -- markup as data
    Case(
        "html-in-values",
        "stations",
        lambda d: _geojson(d, frame=_stations(name=["<script>alert('x')</script>", "<b>ok</b>"])),
        "stored",
        "<script>alert('x')</script>",
    ),
    Case(
        "html-in-column-names",
        "stations",
        lambda d: _geojson(d, frame=_stations(**{"<img src=x onerror=alert(1)>": ["a", "b"]})),
        "stored",
        "<img src=x onerror=alert(1)>",
    ),
    # -- size limit
    Case(
        "over-upload-limit", "stations", _gpkg, "error", "too large", env={"GEOPLAN_MAX_UPLOAD_MB": "0.001"}
    ),
    # -- files that hold the wrong things
    Case(
        "kml-no-placemarks",
        "stations",
        lambda d: _text(
            d,
            "empty.kml",
            '<?xml version="1.0" encoding="UTF-8"?><kml '
            'xmlns="http://www.opengis.net/kml/2.2"><Document><name>x</name></Document></kml>',
        ),
        "error",
        "holds no vector layers",
    ),
    Case(
        "xlsx-no-coordinates",
        "stations",
        lambda d: _xlsx(d, "s.xlsx", pd.DataFrame({"名称": ["a"], "类型": ["充电站"], "桩数": [1]})),
        "error",
        "needs coordinate columns",
    ),
    Case("csv-header-only", "stations", lambda d: _text(d, "s.csv", _CSV_HEADER), "error", "no data rows"),
    Case(
        "shp-missing-dbf",
        "stations",
        lambda d: (_stations().to_file(d / "s.shp"), (d / "s.dbf").unlink(), d / "s.shp")[2],
        "error",
        "has no .dbf",
    ),
    # -- features that need repair or doubt
    Case(
        "duplicate-features",
        "stations",
        lambda d: _gpkg(d, frame=_stations(geometry=[Point(LON, LAT), Point(LON, LAT)])),
        "note",
        "repeat an earlier feature's geometry",
    ),
    Case(
        "self-intersecting-polygon",
        "wetlands",
        lambda d: _gpkg(
            d,
            "w.gpkg",
            gpd.GeoDataFrame({"name": ["蠡湖"], "wetland_type": ["湖泊"]}, geometry=[_bowtie()], crs=4326),
        ),
        "note",
        "repaired 1 invalid geometry",
    ),
    Case(
        "mixed-geometry-for-points",
        "stations",
        lambda d: _gpkg(
            d, frame=_stations(geometry=[Point(LON, LAT), box(LON, LAT, LON + 0.01, LAT + 0.01)])
        ),
        "note",
        "whose geometry is not Point/MultiPoint",
    ),
    Case(
        "polygons-for-points",
        "stations",
        lambda d: _gpkg(d, frame=_stations(geometry=[box(LON, LAT, LON + 0.01, LAT + 0.01)] * 2)),
        "error",
        "needs Point/MultiPoint geometry",
    ),
    Case(
        "negative-and-nan-piles",
        "stations",
        lambda d: _gpkg(d, frame=_stations(piles=[-3, np.nan])),
        "note",
        "out of range",
    ),
    Case(
        "text-piles",
        "stations",
        lambda d: _text(d, "s.csv", _CSV_HEADER + "a,充电站,很多,公共,120.30,31.57\n"),
        "error",
        "piles must be a number",
    ),
    Case(
        "unknown-station-type",
        "stations",
        lambda d: _gpkg(d, frame=_stations(type=["超充站", "V2G"])),
        "note",
        "none of charging, swap, hydrogen",
    ),
    Case(
        "missing-required-field",
        "stations",
        lambda d: _gpkg(d, frame=_stations().drop(columns=["piles"])),
        "error",
        "needs field(s) piles",
    ),
)


# ------------------------------------------------------------------------------------------- harness


def _snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root``: relative path → sha256 (``"dir"`` for folders)."""
    return {
        path.relative_to(root).as_posix(): (
            "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        )
        for path in sorted(root.rglob("*"))
    }


@pytest.fixture(scope="module")
def seeded_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog holding one good stations import: what every case must leave alone."""
    folder = tmp_path_factory.mktemp("seed")
    root = folder / "catalog"
    Catalog(root).add("stations", _gpkg(folder), user=STEWARD)
    return root


@pytest.fixture
def catalog(seeded_catalog: Path, tmp_path: Path) -> Iterator[Catalog]:
    root = tmp_path / "catalog"
    shutil.copytree(seeded_catalog, root)
    yield Catalog(root)


def _frame_text(frame: pd.DataFrame) -> set[str]:
    values = {str(value) for column in frame.columns if column != "geometry" for value in frame[column]}
    return values | {str(column) for column in frame.columns}


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input(case: Case, catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    folder = tmp_path / "input"
    folder.mkdir()
    path = case.make(folder)
    before = _snapshot(catalog.root)

    report = check_layer(case.kind, path, **case.options)
    if case.outcome == "error":
        with pytest.raises(AtlasError) as raised:
            catalog.add(case.kind, path, **case.options, user=STEWARD)
        assert case.phrase in str(raised.value)
        assert not report.usable
        assert report.error is not None and case.phrase in report.error
        assert "Traceback" not in "\n".join(report.lines())
    else:
        staged = catalog.stage(case.kind, path, **case.options)
        assert report.usable, report.error
        if case.outcome == "note":
            assert any(case.phrase in note for note in staged.notes), staged.notes
        else:
            assert case.phrase in _frame_text(staged.source.frame)
    assert _snapshot(catalog.root) == before


# ------------------------------------------------------------------------- data is data, never opened


class _OpenSpy:
    """Records every path handed to GDAL (pyogrio, rasterio) and to Python's open()."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.active = False

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if self.active and event == "open" and args and isinstance(args[0], str | Path):
            self.paths.append(str(args[0]))

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def spied(target: Any, *args: Any, **kwargs: Any) -> Any:
            if self.active:
                self.paths.append(str(target))
            return function(target, *args, **kwargs)

        return spied


_SPY = _OpenSpy()
sys.addaudithook(_SPY.audit)


def test_virtual_paths_in_values_are_stored_as_text_and_never_opened(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyogrio

    canary = _gpkg(tmp_path, "canary.gpkg")
    hostile = [f"/vsizip/{canary}/stations", "/vsicurl/http://127.0.0.1:9/x.gpkg", "/vsistdin/"]
    frame = _stations(
        geometry=[Point(LON, LAT), Point(LON + 0.01, LAT), Point(LON + 0.02, LAT)],
        name=hostile,
        type=["充电站"] * 3,
        piles=[1, 2, 3],
        access=["公共"] * 3,
        operator=[str(canary), "/vsis3/bucket/key", "/vsigzip//etc/passwd"],
    )
    path = _geojson(tmp_path, "hostile_values.geojson", frame)
    for module, name in ((pyogrio, "read_dataframe"), (pyogrio, "read_info"), (pyogrio, "list_layers")):
        monkeypatch.setattr(module, name, _SPY.wrap(getattr(module, name)))
    monkeypatch.setattr(rasterio, "open", _SPY.wrap(rasterio.open))
    _SPY.active, _SPY.paths = True, []
    try:
        entry = catalog.add("stations", path, user=STEWARD)
        stored = catalog.get("stations")
    finally:
        _SPY.active = False
    assert list(stored.frame["name"]) == hostile
    assert list(stored.frame["operator"]) == [str(canary), "/vsis3/bucket/key", "/vsigzip//etc/passwd"]
    assert not any(opened.lower().startswith("/vsi") for opened in _SPY.paths), _SPY.paths
    # Under the test's folder, only the input file and the catalog's own files were opened: not the canary.
    local = {Path(opened).resolve() for opened in _SPY.paths}
    mine = {opened for opened in local if opened.is_relative_to(tmp_path.resolve())}
    assert mine, "the spy saw nothing"
    assert all(o == path.resolve() or o.is_relative_to(catalog.root.resolve()) for o in mine), mine
    assert entry.feature_count == 3


def test_markup_is_stored_as_text_and_escaped_when_drawn(catalog: Catalog, tmp_path: Path) -> None:
    from wuxi_atlas.maps.kinds import stations

    script = "<script>alert('x')</script>"
    frame = _stations(name=[script, "<img src=x onerror=alert(1)>"], **{"<b>列</b>": ["<i>a</i>", "b"]})
    catalog.add("stations", _geojson(tmp_path, "markup.geojson", frame), user=STEWARD)
    source = catalog.get("stations")
    assert script in set(source.frame["name"])
    assert "<b>列</b>" in source.frame.columns
    fmap = folium.Map(location=[LAT, LON], zoom_start=11)
    stations.draw(fmap, source)
    # Popups travel as JSON strings (\\u003c …): decode them to what the browser's parser will see.
    page = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), fmap.get_root().render())
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert script not in page
    assert "<img src=x" not in page


def test_undeclared_gbk_shapefile_reads_as_chinese(tmp_path: Path) -> None:
    path = _shapefile_zip(tmp_path, "gbk.zip", drop=(".cpg",), encoding="GBK")
    staged = Catalog(tmp_path / "catalog").stage("stations", path)
    assert list(staged.source.frame["name"]) == ["锡山充电站", "惠山换电站"]
    assert list(staged.source.frame["type"]) == ["charging", "swap"]
