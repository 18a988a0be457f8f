"""GCJ-02 / BD-09 conversions: against prcoords, round trips measured on the ellipsoid, edge cases."""

from __future__ import annotations

import numpy as np
import prcoords
import pytest
import shapely
from pyproj import Geod

from wuxi_atlas.analysis.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    to_wgs84,
    transform_geometry,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from wuxi_atlas.analysis.errors import CRSError

GEOD = Geod(ellps="WGS84")

# Wuxi's extent (WGS84), slightly padded: 119.52–120.61°E, 31.11–31.99°N.
WUXI_LON = (119.5, 120.65)
WUXI_LAT = (31.1, 32.0)


@pytest.fixture(scope="module")
def wuxi_points() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20240712)
    return rng.uniform(*WUXI_LON, 500), rng.uniform(*WUXI_LAT, 500)


def metres(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    return np.asarray(GEOD.inv(lon_a, lat_a, lon_b, lat_b)[2])


def test_forward_gcj02_matches_prcoords(wuxi_points):
    lon, lat = wuxi_points
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    reference = np.array([prcoords.wgs_gcj((y, x)) for x, y in zip(lon, lat, strict=True)])
    np.testing.assert_allclose(gcj_lon, reference[:, 1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(gcj_lat, reference[:, 0], rtol=0, atol=1e-12)


def test_forward_bd09_matches_prcoords(wuxi_points):
    lon, lat = wuxi_points
    bd_lon, bd_lat = wgs84_to_bd09(lon, lat)
    reference = np.array([prcoords.wgs_bd((y, x)) for x, y in zip(lon, lat, strict=True)])
    np.testing.assert_allclose(bd_lon, reference[:, 1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(bd_lat, reference[:, 0], rtol=0, atol=1e-12)


def test_gcj02_shift_around_wuxi_is_about_half_a_kilometre(wuxi_points):
    lon, lat = wuxi_points
    shift = metres(lon, lat, *wgs84_to_gcj02(lon, lat))
    # DOMAIN.md says "about 485–515 m"; over Wuxi's whole extent it is 462–540 m.
    assert shift.min() > 455
    assert shift.max() < 545
    assert 490 < np.median(shift) < 510


def test_gcj02_inverse_round_trip_is_sub_millimetre(wuxi_points):
    lon, lat = wuxi_points
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 1e-3


def test_gcj02_inverse_beats_the_one_step_approximation(wuxi_points):
    lon, lat = wuxi_points
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    one_step = np.array([prcoords.gcj_wgs((y, x)) for x, y in zip(gcj_lon, gcj_lat, strict=True)])
    iterated = np.array([prcoords.gcj_wgs_bored((y, x)) for x, y in zip(gcj_lon, gcj_lat, strict=True)])
    ours = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert metres(lon, lat, one_step[:, 1], one_step[:, 0]).max() > 0.5  # why iteration is needed
    # prcoords' iterative inverse stops at a looser tolerance; both land within centimetres of truth.
    assert metres(*ours, iterated[:, 1], iterated[:, 0]).max() < 0.01


def test_bd09_inverse_round_trips_are_sub_millimetre(wuxi_points):
    lon, lat = wuxi_points
    back_lon, back_lat = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 1e-3
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    again_lon, again_lat = bd09_to_gcj02(*gcj02_to_bd09(gcj_lon, gcj_lat))
    assert metres(gcj_lon, gcj_lat, again_lon, again_lat).max() < 1e-3


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(2.3522, 48.8566), (139.6917, 35.6895), (-74.006, 40.7128), (151.2093, -33.8688), (103.8198, 0.5)],
)
def test_points_outside_china_are_unchanged_by_gcj02(lon, lat):
    assert not in_china(lon, lat)
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)
    # BD-09's own offset still applies, and still inverts.
    assert bd09_to_wgs84(*wgs84_to_bd09(lon, lat)) == pytest.approx((lon, lat), abs=1e-10)


def test_scalars_give_floats_and_arrays_broadcast():
    lon, lat = wgs84_to_gcj02(120.3, 31.5)
    assert type(lon) is float and type(lat) is float
    lons, lats = wgs84_to_gcj02(np.array([[120.3, 120.4]]), 31.5)
    assert lons.shape == lats.shape == (1, 2)
    assert lons[0, 0] == lon and lats[0, 0] == lat
    empty_lon, empty_lat = gcj02_to_wgs84(np.array([]), np.array([]))
    assert empty_lon.shape == empty_lat.shape == (0,)


def test_nan_passes_through_without_blocking_others():
    lon, lat = gcj02_to_wgs84(np.array([120.3, np.nan, 120.3]), np.array([31.5, 31.5, np.nan]))
    assert np.isnan(lon[1]) and np.isnan(lat[2])
    assert np.isfinite(lon[0]) and abs(lon[0] - 120.3) > 1e-3


def test_inputs_are_not_modified():
    lon = np.array([120.3, 120.4])
    lat = np.array([31.5, 31.6])
    for func in (wgs84_to_gcj02, gcj02_to_wgs84, bd09_to_wgs84):
        func(lon, lat)
    assert lon.tolist() == [120.3, 120.4] and lat.tolist() == [31.5, 31.6]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("wgs84", "same"),
        ("EPSG:4326", "same"),
        ("cgcs2000", "same"),
        ("GCJ-02", "gcj02"),
        ("gcj02", "gcj02"),
        ("BD-09", "bd09"),
        ("bd09", "bd09"),
    ],
)
def test_to_wgs84_dispatches_on_the_source_datum(source, expected):
    lon, lat = np.array([120.31, 120.5]), np.array([31.49, 31.7])
    converted = to_wgs84(lon, lat, source)
    wanted = {"same": (lon, lat), "gcj02": gcj02_to_wgs84(lon, lat), "bd09": bd09_to_wgs84(lon, lat)}[
        expected
    ]
    np.testing.assert_array_equal(converted[0], wanted[0])
    np.testing.assert_array_equal(converted[1], wanted[1])
    assert converted[0] is not lon  # a new array, even when unchanged


def test_to_wgs84_rejects_unknown_datum_naming_the_choices():
    with pytest.raises(CRSError, match=r"unknown coordinate datum 'EPSG:3857'.*gcj02"):
        to_wgs84(120.3, 31.5, "EPSG:3857")


def test_transform_geometry_converts_every_vertex_and_keeps_z():
    square = shapely.box(120.30, 31.50, 120.31, 31.51)
    moved = transform_geometry(square, gcj02_to_wgs84)
    expected = np.column_stack(gcj02_to_wgs84(*shapely.get_coordinates(square).T))
    np.testing.assert_array_equal(shapely.get_coordinates(moved), expected)
    assert moved.is_valid and moved.geom_type == "Polygon"
    point_z = transform_geometry(shapely.Point(120.3, 31.5, 12.0), wgs84_to_gcj02)
    assert point_z.has_z and point_z.z == 12.0


def test_transform_geometry_keeps_geoseries_index_and_crs():
    import geopandas as gpd

    series = gpd.GeoSeries(
        [shapely.Point(120.3, 31.5), shapely.Point(120.4, 31.6)],
        index=["a", "b"],
        crs="EPSG:4326",
        name="geom",
    )
    moved = transform_geometry(series, wgs84_to_gcj02)
    assert isinstance(moved, gpd.GeoSeries)
    assert list(moved.index) == ["a", "b"] and moved.crs == series.crs and moved.name == "geom"
    assert moved.iloc[1].x == wgs84_to_gcj02(120.4, 31.6)[0]
    frame = gpd.GeoDataFrame({"id": [1, 2]}, geometry=series.values, crs="EPSG:4326")
    moved_frame = transform_geometry(frame, wgs84_to_gcj02)
    assert moved_frame.geometry.iloc[0].equals(moved.iloc[0]) and frame.geometry.iloc[0].x == 120.3
