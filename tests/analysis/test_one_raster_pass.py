"""Every raster indicator of a run reads the land-cover raster once (issue #14).

The hand-made city of ``conftest.py`` (districts A and B, 1 km² each) under a 100 m raster:

    A (columns 0–9): tree (10) in columns 0–4 = 0.50 km², crop (40) in columns 5–9 but one nodata pixel
    B (columns 10–19): water (80) in columns 10–11 = 0.20 km², grass (30) above built-up (50) in 12–19

Built-up polygon: B's columns 12–19 (0.8 km², half grass). Protected: the western half of B's water.
With no wetland layer, 湿地保护率 falls back to the raster: 0.1 of B's 0.2 km² of water is protected.
"""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from wuxi_atlas.analysis.forest import forest_coverage
from wuxi_atlas.analysis.green import builtup_green_coverage
from wuxi_atlas.analysis.indicators import IndicatorInputs, IndicatorOptions, compute_indicators
from wuxi_atlas.analysis.landcover_pass import landcover_pass
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.analysis.study_area import StudyArea
from wuxi_atlas.analysis.targets import load_targets
from wuxi_atlas.analysis.wetland import protected_by_district, wetland_protection_rate
from wuxi_atlas.analysis.zonal import zonal_class_areas

X0, Y0 = 528_000.0, 3_490_000.0  # the conftest city's south-west corner, EPSG:4549
CITY, A, B = "320200", "320291", "320292"
RASTER_INDICATORS = ("forest_coverage", "builtup_green_coverage", "wetland_protection_rate")


@pytest.fixture
def landcover(tmp_path) -> RasterSource:
    codes = np.zeros((10, 20), dtype=np.uint8)
    codes[:, 0:5], codes[:, 5:10], codes[9, 9] = 10, 40, 0
    codes[:, 10:12], codes[0:5, 12:20], codes[5:10, 12:20] = 80, 30, 50
    path = tmp_path / "lc_2024.tif"
    profile = {"driver": "GTiff", "width": 20, "height": 10, "count": 1, "dtype": "uint8", "nodata": 0,
               "crs": "EPSG:4549", "transform": from_origin(X0, Y0 + 1000, 100, 100)}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(codes, 1)
    return RasterSource(path=path, scheme="worldcover", year=2024, source="test raster", synthetic=True)


def _layer(kind: str, geometry) -> VectorSource:
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"name": [kind]}, geometry=[geometry], crs="EPSG:4549").to_crs("EPSG:4326")
    return VectorSource(kind, frame, f"test {kind}", "2024", False)  # type: ignore[arg-type]


@pytest.fixture
def builtup() -> VectorSource:
    return _layer("builtup", box(X0 + 1200, Y0, X0 + 2000, Y0 + 1000))


@pytest.fixture
def protected() -> VectorSource:
    return _layer("protected", box(X0 + 1000, Y0, X0 + 1100, Y0 + 1000))


class CountingZonal:
    """The engine itself, counting its passes and the zones of each."""

    def __init__(self) -> None:
        self.zones_per_pass: list[list[str]] = []

    def __call__(self, raster_path, zones, zone_id, **options):
        self.zones_per_pass.append([str(zone) for zone in zones[zone_id]])
        return zonal_class_areas(raster_path, zones, zone_id, **options)


def _figures(results) -> dict[tuple[str, str], tuple]:
    return {
        (r.indicator, r.adcode): (r.status, r.value, r.numerator, r.denominator, r.valid_share)
        for r in results
    }


def test_the_three_raster_indicators_share_one_pass(boundaries, landcover, builtup, protected):
    engine = CountingZonal()
    inputs = IndicatorInputs(boundaries, landcover=landcover, builtup=builtup, protected=protected)
    results = compute_indicators(
        inputs, load_targets(), IndicatorOptions(zonal=engine), only=RASTER_INDICATORS
    )

    # One pass: the two districts, the built-up area in B, the protected area in B.
    assert len(engine.zones_per_pass) == 1
    assert sorted(engine.zones_per_pass[0]) == sorted(
        [f"districts/{A}", f"districts/{B}", f"builtup/{B}", f"protected/{B}"]
    )
    by_key = _figures(results)
    assert by_key[("forest_coverage", A)][1] == pytest.approx(100 * 0.50 / 0.99)  # tree / valid ground
    assert by_key[("builtup_green_coverage", B)][1] == pytest.approx(50.0)  # grass / built-up
    assert by_key[("wetland_protection_rate", B)][1] == pytest.approx(50.0)  # protected water / water
    assert by_key[("wetland_protection_rate", CITY)][1] == pytest.approx(50.0)


def test_one_pass_gives_what_each_family_gives_on_its_own(boundaries, landcover, builtup, protected):
    targets = load_targets()
    inputs = IndicatorInputs(boundaries, landcover=landcover, builtup=builtup, protected=protected)
    together = compute_indicators(inputs, targets, only=RASTER_INDICATORS)
    study_area = StudyArea.from_boundaries(boundaries)
    alone = (
        forest_coverage(landcover, study_area, targets)
        + wetland_protection_rate(study_area, protected, targets, landcover=landcover)
        + builtup_green_coverage(landcover, builtup, study_area, targets)
    )
    together_figures, alone_figures = _figures(together), _figures(alone)
    assert together_figures.keys() == alone_figures.keys()
    for key, (status, *numbers) in alone_figures.items():
        assert together_figures[key][0] == status, key
        for ours, theirs in zip(together_figures[key][1:], numbers, strict=True):
            assert (ours is None) == (theirs is None), key
            assert theirs is None or ours == pytest.approx(theirs, rel=1e-12, abs=1e-9), key


def test_wetland_polygons_keep_the_protected_zones_out_of_the_pass(boundaries, landcover, builtup, protected):
    wetlands = _layer("wetlands", box(X0 + 1000, Y0, X0 + 1200, Y0 + 1000))
    engine = CountingZonal()
    inputs = IndicatorInputs(
        boundaries, landcover=landcover, builtup=builtup, protected=protected, wetlands=wetlands
    )
    results = compute_indicators(inputs, options=IndicatorOptions(zonal=engine), only=RASTER_INDICATORS)
    assert len(engine.zones_per_pass) == 1
    assert not any(zone.startswith("protected/") for zone in engine.zones_per_pass[0])
    wetland = {r.adcode: r for r in results if r.indicator == "wetland_protection_rate"}
    assert wetland[B].extra["wetland_basis"] == "polygons"


def test_no_raster_indicator_no_pass(boundaries, landcover, builtup):
    engine = CountingZonal()
    inputs = IndicatorInputs(boundaries, landcover=landcover, builtup=builtup)
    compute_indicators(inputs, options=IndicatorOptions(zonal=engine), only=["charging_service_coverage"])
    assert engine.zones_per_pass == []


def test_a_tile_that_misses_the_builtup_area_is_partial_coverage_not_an_error(boundaries, tmp_path, builtup):
    """A raster over A only: B and its built-up area are unseen (insufficient data), A is measured."""
    path = tmp_path / "west_tile.tif"
    profile = {"driver": "GTiff", "width": 10, "height": 10, "count": 1, "dtype": "uint8", "nodata": 0,
               "crs": "EPSG:4549", "transform": from_origin(X0, Y0 + 1000, 100, 100)}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.full((10, 10), 10, dtype=np.uint8), 1)
    west = RasterSource(path=path, scheme="worldcover", year=2024, source="west tile", synthetic=False)
    engine = CountingZonal()
    inputs = IndicatorInputs(boundaries, landcover=west, builtup=builtup)
    results = compute_indicators(
        inputs, options=IndicatorOptions(zonal=engine), only=["forest_coverage", "builtup_green_coverage"]
    )
    assert len(engine.zones_per_pass) == 1
    by_key = {(r.indicator, r.adcode): r for r in results}
    assert by_key[("forest_coverage", A)].value == pytest.approx(100.0)
    assert by_key[("forest_coverage", B)].status == "insufficient_data"
    assert by_key[("builtup_green_coverage", B)].status == "insufficient_data"
    assert by_key[("builtup_green_coverage", B)].valid_share == 0.0


def test_landcover_pass_gives_each_group_its_own_ids(boundaries, landcover, protected):
    study_area = StudyArea.from_boundaries(boundaries)
    tables = landcover_pass(
        landcover.path, study_area, protected=protected_by_district(protected, study_area)
    )
    assert tables.builtup is None
    assert [zone.zone_id for zone in tables.districts.zones] == [A, B]
    assert [zone.zone_id for zone in tables.protected.zones] == [B]
    assert tables.protected.by_zone(B).class_area_m2 == pytest.approx({80: 0.1e6})
