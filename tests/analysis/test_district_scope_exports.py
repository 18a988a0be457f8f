"""District exports hold the district only: layers cut to its boundary in EPSG:4549, the districts layer
reduced to it, the indicator rows of the units in scope, and a CSV for Excel that starts with the BOM.

The fixture is a 2 km × 1 km city of two 1 km squares (EPSG:4549); a 1 km square straddling both districts
keeps exactly half of itself (500,000 m²) when cut to the western one.
"""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import pytest
import shapely

from wuxi_atlas.analysis.export import layer_to_geojson, results_in_scope, results_zip
from wuxi_atlas.analysis.report import results_to_csv
from wuxi_atlas.analysis.results import IndicatorResult
from wuxi_atlas.analysis.sources import VectorSource

X0, Y0 = 500_000.0, 3_500_000.0  # near Wuxi in EPSG:4549 (false easting 500 km)


def _box(x1: float, x2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0, X0 + x2, Y0 + 1000)


@pytest.fixture
def boundaries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"adcode": ["320200", "320211", "320213"], "name_zh": ["无锡市", "滨湖区", "梁溪区"]},
        geometry=[_box(0, 2000), _box(0, 1000), _box(1000, 2000)],
        crs="EPSG:4549",
    ).to_crs("EPSG:4326")


def _features(text: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame.from_features(json.loads(text)["features"], crs="EPSG:4326").to_crs("EPSG:4549")


def test_districts_layer_is_the_district_alone(boundaries: gpd.GeoDataFrame) -> None:
    source = VectorSource("districts", boundaries, "boundaries", "", False)
    collection = json.loads(layer_to_geojson(source, boundaries, "320211"))
    assert [f["properties"]["adcode"] for f in collection["features"]] == ["320211"]
    assert len(json.loads(layer_to_geojson(source, boundaries, "320200"))["features"]) == 3


def test_polygons_are_clipped_and_points_outside_dropped(boundaries: gpd.GeoDataFrame) -> None:
    wetlands = gpd.GeoDataFrame(
        {"name": ["straddling", "east only"]}, geometry=[_box(500, 1500), _box(1200, 1800)], crs="EPSG:4549"
    )
    cut = _features(
        layer_to_geojson(VectorSource("wetlands", wetlands, "w", "", False), boundaries, "320211")
    )
    assert list(cut["name"]) == ["straddling"]
    assert cut.geometry.area.iloc[0] == pytest.approx(500_000, rel=1e-6)
    stations = gpd.GeoDataFrame(
        {"name": ["in", "out"]},
        geometry=[shapely.Point(X0 + 200, Y0 + 200), shapely.Point(X0 + 1500, Y0 + 500)],
        crs="EPSG:4549",
    )
    kept = _features(
        layer_to_geojson(VectorSource("stations", stations, "s", "", False), boundaries, "320211")
    )
    assert list(kept["name"]) == ["in"]


def test_a_layer_without_crs_is_an_error_naming_the_crs(boundaries: gpd.GeoDataFrame) -> None:
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(0, 0)])
    with pytest.raises(Exception, match="EPSG:4549"):
        layer_to_geojson(VectorSource("stations", frame, "s", "", False), boundaries, "320211")


def _result(adcode: str) -> IndicatorResult:
    return IndicatorResult(
        indicator="forest_coverage", adcode=adcode, district="滨湖区" if adcode == "320211" else "无锡市",
        value=27.5, unit="%", target=None, target_year=None, status="no_target", numerator=None,
        denominator=None, numerator_unit="m2", denominator_kind="official", source="s", vintage="2024",
        synthetic=False, method="m", target_id=None, reason=None,
    )  # fmt: skip


def test_indicator_tables_hold_the_units_in_scope() -> None:
    results = [_result("320200"), _result("320211"), _result("320213")]
    assert [r.adcode for r in results_in_scope(results, "320211")] == ["320211"]
    assert len(results_in_scope(results, "320200")) == 3 and len(results_in_scope(results, None)) == 3


def test_csv_for_excel_starts_with_the_bom() -> None:
    results = [_result("320211")]
    assert results_to_csv(results, bom=True).encode("utf-8").startswith(b"\xef\xbb\xbfindicator,")
    assert results_to_csv(results).startswith("indicator,")
    with zipfile.ZipFile(io.BytesIO(results_zip(results))) as archive:
        assert archive.read("indicators.csv").startswith(b"\xef\xbb\xbf")
