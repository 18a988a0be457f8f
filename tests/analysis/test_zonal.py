"""Zonal statistics on hand-made rasters whose answers can be worked out on paper."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Geod

from wuxi_atlas.analysis.errors import BoundaryError, CRSError
from wuxi_atlas.analysis.zonal import (
    ClassAreaTable,
    coverage_fractions,
    pixel_area_m2,
    zonal_class_areas,
    zonal_continuous,
)

# A 4×4 grid of 10 m pixels in EPSG:4549 (CGCS2000 / 3-degree GK CM 120E), around Wuxi.
X0, Y0 = 530_000.0, 3_490_040.0
TRANSFORM = Affine(10.0, 0.0, X0, 0.0, -10.0, Y0)


@pytest.fixture
def write_raster(tmp_path: Path):
    """Factory: write an array as a GeoTIFF and return its path."""

    def write(
        array: np.ndarray,
        *,
        transform: Affine = TRANSFORM,
        crs: str = "EPSG:4549",
        nodata: float | None = 0,
        name: str = "raster.tif",
        tile: int | None = None,
    ) -> Path:
        path = tmp_path / name
        profile = {
            "driver": "GTiff",
            "width": array.shape[1],
            "height": array.shape[0],
            "count": 1,
            "dtype": array.dtype,
            "crs": crs,
            "transform": transform,
            "nodata": nodata,
        }
        if tile:
            profile.update(tiled=True, blockxsize=tile, blockysize=tile, compress="deflate")
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(array, 1)
        return path

    return write


def zones_frame(geoms: list, ids: list[str] | None = None, crs: str | None = "EPSG:4549") -> gpd.GeoDataFrame:
    ids = ids or [str(i + 1) for i in range(len(geoms))]
    return gpd.GeoDataFrame({"adcode": ids}, geometry=geoms, crs=crs)


# Class codes of the 4×4 raster (0 is nodata). Rows run north to south.
HAND = np.array(
    [
        [10, 10, 50, 50],
        [10, 0, 50, 50],
        [80, 80, 80, 80],
        [30, 30, 40, 40],
    ],
    dtype=np.uint8,
)


def test_hand_raster_boundary_cuts_pixels_in_half(write_raster) -> None:
    path = write_raster(HAND)
    # Zone 1: the west 1.5 columns; zone 2: the rest. The boundary x = X0 + 15 halves column 1.
    west = shapely.box(X0, Y0 - 40, X0 + 15, Y0)
    east = shapely.box(X0 + 15, Y0 - 40, X0 + 40, Y0)
    table = zonal_class_areas(path, zones_frame([west, east]))

    one = table.by_zone("1")
    # Column 0: 10, 10, 80, 30 whole; column 1 halves: 10, nodata, 80, 30.
    assert one.class_area_m2 == pytest.approx({10: 250.0, 80: 150.0, 30: 150.0})
    assert one.zone_area_m2 == pytest.approx(600.0)
    assert one.valid_area_m2 == pytest.approx(550.0)
    assert one.valid_fraction == pytest.approx(550 / 600)
    assert one.footprint_fraction == pytest.approx(1.0)

    two = table.by_zone("2")
    assert two.class_area_m2 == pytest.approx({10: 50.0, 50: 400.0, 80: 250.0, 30: 50.0, 40: 200.0})
    assert two.zone_area_m2 == pytest.approx(1000.0)
    assert two.valid_fraction == pytest.approx(950 / 1000)

    assert table.codes_present() == {10, 30, 40, 50, 80}
    assert table.raster_crs == "EPSG:4549"
    assert table.pixel_size == (10.0, 10.0)
    assert not table.geographic
    frame = table.to_frame()
    assert list(frame.columns) == ["zone_id", "class_code", "area_m2"]
    assert frame.loc[(frame.zone_id == "2") & (frame.class_code == 50), "area_m2"].item() == pytest.approx(
        400
    )


def test_diagonal_boundary_fractions_sum_to_polygon_area() -> None:
    triangle = shapely.Polygon([(X0 + 1.234, Y0 - 3.21), (X0 + 37.7, Y0 - 11.9), (X0 + 8.8, Y0 - 39.5)])
    fractions = coverage_fractions(triangle, TRANSFORM, (4, 4))
    assert fractions.min() >= 0 and fractions.max() <= 1
    assert fractions.sum() * 100.0 == pytest.approx(triangle.area, rel=1e-9)
    # Each pixel against a brute-force intersection.
    for row in range(4):
        for col in range(4):
            x, y = TRANSFORM @ (col, row)
            cell = shapely.box(x, y - 10, x + 10, y)
            assert fractions[row, col] == pytest.approx(cell.intersection(triangle).area / 100, abs=1e-9)


def test_polygon_with_hole_and_multipolygon(write_raster) -> None:
    path = write_raster(np.full((4, 4), 10, dtype=np.uint8))
    outer = shapely.box(X0, Y0 - 40, X0 + 40, Y0)
    ring_with_hole = outer.difference(shapely.box(X0 + 10, Y0 - 30, X0 + 25, Y0 - 10))  # 15 m × 20 m hole
    two_parts = shapely.MultiPolygon(
        [shapely.box(X0, Y0 - 10, X0 + 5, Y0), shapely.box(X0 + 30, Y0 - 40, X0 + 40, Y0 - 30)]
    )
    table = zonal_class_areas(path, zones_frame([ring_with_hole, two_parts]))
    assert table.by_zone("1").class_area_m2 == pytest.approx({10: 1600.0 - 300.0})
    assert table.by_zone("2").class_area_m2 == pytest.approx({10: 50.0 + 100.0})
    hole = coverage_fractions(ring_with_hole, TRANSFORM, (4, 4))
    assert hole[1:3, 1].tolist() == [0.0, 0.0]
    assert hole[1:3, 2].tolist() == [0.5, 0.5]


def test_zone_partly_outside_the_raster(write_raster) -> None:
    path = write_raster(np.full((4, 4), 40, dtype=np.uint8))
    # 20 m × 20 m square with its west half off the grid.
    square = shapely.box(X0 - 10, Y0 - 20, X0 + 10, Y0)
    zone = zonal_class_areas(path, zones_frame([square])).by_zone("1")
    assert zone.class_area_m2 == pytest.approx({40: 200.0})
    assert zone.zone_area_m2 == pytest.approx(200.0)
    assert zone.polygon_area_m2 == pytest.approx(400.0)
    assert zone.footprint_fraction == pytest.approx(0.5)
    assert zone.valid_fraction == pytest.approx(1.0)


def test_zones_are_reprojected(write_raster) -> None:
    path = write_raster(HAND)
    outline = shapely.box(X0, Y0 - 40, X0 + 40, Y0)
    in_wgs84 = zones_frame([outline]).to_crs("EPSG:4326")
    zone = zonal_class_areas(path, in_wgs84).by_zone("1")
    # The square comes back from WGS84 with sub-millimetre rounding.
    assert zone.zone_area_m2 == pytest.approx(1600.0, rel=1e-6)
    assert zone.class_area_m2[80] == pytest.approx(400.0, rel=1e-6)


def test_pixel_areas_on_the_ellipsoid_match_geod() -> None:
    geod = Geod(ellps="WGS84")
    step = 1 / 12000  # WorldCover's 10 m grid is 1/12000 degree
    transform = Affine(step, 0, 120.3, 0, -step, 31.6)
    areas = pixel_area_m2(transform, "EPSG:4326", 2400)
    for row in (0, 1, 1199, 2399):
        north = 31.6 - row * step
        lons = [120.3, 120.3 + step, 120.3 + step, 120.3]
        lats = [north, north, north - step, north - step]
        geod_area, _ = geod.polygon_area_perimeter(lons, lats)
        assert areas[row] == pytest.approx(abs(geod_area), rel=1e-9)
    assert pixel_area_m2(TRANSFORM, "EPSG:4549", 3).tolist() == [100.0, 100.0, 100.0]


def test_geographic_raster_zone_area_matches_geod(write_raster) -> None:
    step = 0.001
    transform = Affine(step, 0, 120.3, 0, -step, 31.52)
    path = write_raster(np.full((40, 40), 10, dtype=np.uint8), transform=transform, crs="EPSG:4326")
    lon0, lat0, lon1, lat1 = 120.3051, 31.4853, 120.3302, 31.5098
    square = shapely.box(lon0, lat0, lon1, lat1)
    table = zonal_class_areas(path, zones_frame([square], crs="EPSG:4326"))
    assert table.geographic
    # Geod takes the edges as geodesics; densified along the parallels it measures the same quadrangle.
    dense = shapely.segmentize(square, 0.0005)
    geod_area, _ = Geod(ellps="WGS84").geometry_area_perimeter(dense)
    zone = table.by_zone("1")
    assert zone.zone_area_m2 == pytest.approx(abs(geod_area), rel=1e-7)
    assert zone.polygon_area_m2 == pytest.approx(abs(geod_area), rel=1e-7)
    assert zone.class_area_m2[10] == pytest.approx(zone.zone_area_m2)


def test_continuous_statistics(write_raster) -> None:
    values = np.array([[1, 2, 3, 4], [5, -9999, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]], dtype=np.float32)
    path = write_raster(values, nodata=-9999)
    # Top-left 2×2 block plus the west half of column 2 in rows 0–1.
    zone = shapely.box(X0, Y0 - 20, X0 + 25, Y0)
    stats = zonal_continuous(path, zones_frame([zone])).by_zone("1")
    weighted_sum = 1 + 2 + 5 + 0.5 * (3 + 7)
    weighted_count = 3 + 0.5 * 2
    assert stats.weighted_sum == pytest.approx(weighted_sum)
    assert stats.weighted_count == pytest.approx(weighted_count)
    assert stats.mean == pytest.approx(weighted_sum / weighted_count)
    assert stats.zone_area_m2 == pytest.approx(500.0)
    assert stats.valid_area_m2 == pytest.approx(400.0)
    assert stats.valid_fraction == pytest.approx(0.8)


def test_raster_that_does_not_overlap_names_both_crs(write_raster) -> None:
    path = write_raster(HAND)
    # Lon/lat numbers wrongly labelled as EPSG:4549 land near (120.3 m, 31.5 m): far from the raster.
    wrong = zones_frame([shapely.box(120.30, 31.50, 120.31, 31.51)], crs="EPSG:4326").set_crs(
        "EPSG:32651", allow_override=True
    )
    with pytest.raises(CRSError) as caught:
        zonal_class_areas(path, wrong)
    message = str(caught.value)
    assert "EPSG:4549" in message and "EPSG:32651" in message
    assert "530000" in message  # the raster's bounds
    assert isinstance(caught.value, ValueError)


def test_zones_without_crs_are_refused(write_raster) -> None:
    path = write_raster(HAND)
    with pytest.raises(CRSError, match=r"zones have no CRS.*EPSG:4549"):
        zonal_class_areas(path, zones_frame([shapely.box(X0, Y0 - 40, X0 + 40, Y0)], crs=None))


def test_bad_zone_ids_are_refused(write_raster) -> None:
    path = write_raster(HAND)
    square = shapely.box(X0, Y0 - 40, X0 + 40, Y0)
    with pytest.raises(BoundaryError, match="not unique"):
        zonal_class_areas(path, zones_frame([square, square], ids=["1", "1"]))
    with pytest.raises(BoundaryError, match="no column 'code'"):
        zonal_class_areas(path, zones_frame([square]), zone_id="code")


def _irregular_zones(rng: np.random.Generator, x0: float, y0: float, size: float) -> list:
    """A few irregular polygons (with a hole) and 50 small circles inside a square of ``size`` m."""
    blobs = []
    for cx, cy, r in [(0.3, 0.3, 0.22), (0.7, 0.35, 0.18), (0.45, 0.75, 0.25)]:
        angles = np.sort(rng.uniform(0, 2 * np.pi, 40))
        radius = r * size * rng.uniform(0.6, 1.0, 40)
        blobs.append(
            shapely.Polygon(
                np.c_[x0 + cx * size + radius * np.cos(angles), y0 - cy * size + radius * np.sin(angles)]
            ).buffer(0)
        )
    blobs[2] = blobs[2].difference(shapely.Point(x0 + 0.45 * size, y0 - 0.75 * size).buffer(0.05 * size))
    circles = [
        shapely.Point(x0 + x, y0 - y).buffer(rng.uniform(20, 100), quad_segs=16)
        for x, y in rng.uniform(0.05 * size, 0.95 * size, (50, 2))
    ]
    return blobs + circles


def test_tiled_reading_matches_dense_computation(write_raster) -> None:
    rng = np.random.default_rng(7)
    data = rng.choice(np.array([0, 10, 20, 50, 80], dtype=np.uint8), size=(64, 64))
    path = write_raster(data, tile=16)
    with rasterio.open(path) as src:
        assert src.block_shapes[0] == (16, 16)
    geoms = _irregular_zones(rng, X0, Y0, 640.0)
    calls: list[tuple[int, int]] = []
    table = zonal_class_areas(
        path, zones_frame(geoms), progress=lambda done, total: calls.append((done, total))
    )
    assert calls[0] == (0, 16) and calls[-1] == (16, 16)
    for zone_id, geom in zip(table_ids(table), geoms, strict=True):
        fractions = coverage_fractions(geom, TRANSFORM, data.shape) * 100.0
        expected = {
            int(c): fractions[data == c].sum() for c in (10, 20, 50, 80) if fractions[data == c].sum() > 0
        }
        zone = table.by_zone(zone_id)
        assert zone.class_area_m2.keys() == expected.keys()
        for code, area in expected.items():
            assert zone.class_area_m2[code] == pytest.approx(area, rel=1e-9, abs=1e-9)
        assert zone.zone_area_m2 == pytest.approx(fractions.sum(), rel=1e-9)


def table_ids(table: ClassAreaTable) -> list[str]:
    return [zone.zone_id for zone in table.zones]


def test_overlapping_zones_are_each_counted_in_full(write_raster) -> None:
    path = write_raster(HAND)
    everything = shapely.box(X0, Y0 - 40, X0 + 40, Y0)
    north_half = shapely.box(X0, Y0 - 20, X0 + 40, Y0)
    table = zonal_class_areas(path, zones_frame([everything, north_half], ids=["city", "north"]))
    assert table.by_zone("city").class_area_m2 == pytest.approx(
        {10: 300.0, 50: 400.0, 80: 400.0, 30: 200.0, 40: 200.0}
    )
    assert table.by_zone("north").class_area_m2 == pytest.approx({10: 300.0, 50: 400.0})


def test_agrees_with_exactextract(write_raster) -> None:
    exactextract = pytest.importorskip("exactextract")
    rng = np.random.default_rng(11)
    codes = np.array([10, 20, 30, 40, 50, 60, 80, 90], dtype=np.uint8)
    data = codes[rng.integers(0, len(codes), (300, 300))]
    data[rng.random(data.shape) < 0.02] = 0
    path = write_raster(data, tile=64)
    geoms = _irregular_zones(rng, X0, Y0, 3000.0)
    zones = zones_frame(geoms)
    ours = zonal_class_areas(path, zones)
    theirs = exactextract.exact_extract(
        str(path), zones, ["unique", "frac", "count"], include_cols=["adcode"], output="pandas"
    )
    for _, row in theirs.iterrows():
        zone = ours.by_zone(row["adcode"])
        their_areas = {
            int(code): frac * row["count"] * 100.0
            for code, frac in zip(row["unique"], row["frac"], strict=True)
        }
        assert zone.valid_area_m2 == pytest.approx(row["count"] * 100.0, rel=1e-6)
        assert zone.class_area_m2.keys() == their_areas.keys()
        for code, area in their_areas.items():
            assert zone.class_area_m2[code] == pytest.approx(area, rel=1e-6)


def test_empty_zone_reports_nothing(write_raster) -> None:
    path = write_raster(HAND)
    inside = shapely.box(X0, Y0 - 40, X0 + 40, Y0)
    far = shapely.box(X0 + 1000, Y0 - 1000, X0 + 1010, Y0 - 990)
    table = zonal_class_areas(path, zones_frame([inside, far]))
    assert table.by_zone("2").class_area_m2 == {}
    assert table.by_zone("2").zone_area_m2 == 0.0
    assert math.isnan(table.by_zone("2").valid_fraction)
    assert table.by_zone("2").footprint_fraction == 0.0
