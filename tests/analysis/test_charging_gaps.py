"""charging_gaps: the built-up area beyond the service radius of every public charger, in EPSG:4549."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from wuxi_atlas.analysis.charging import charging_gaps
from wuxi_atlas.analysis.sources import VectorSource

X0, Y0 = 500_000.0, 3_500_000.0  # inside EPSG:4549's zone (CGCS2000 / 3-degree GK CM 120E)


def _builtup(*boxes: tuple[float, float, float, float]) -> VectorSource:
    geometry = [shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes]
    return VectorSource("builtup", gpd.GeoDataFrame(geometry=geometry, crs="EPSG:4549"), "test", "", False)


def _stations(*rows: tuple[float, float, str, str]) -> VectorSource:
    frame = gpd.GeoDataFrame(
        {"type": [r[2] for r in rows], "access": [r[3] for r in rows], "piles": [1] * len(rows)},
        geometry=[shapely.Point(X0 + r[0], Y0 + r[1]) for r in rows],
        crs="EPSG:4549",
    ).to_crs("EPSG:4326")
    return VectorSource("stations", frame, "test", "", False)


def test_gap_is_builtup_minus_union_of_public_buffers() -> None:
    # A 3 km × 1 km strip; public chargers at both ends (radius 500 m), a private one in the middle
    # (ignored) and a swap station (ignored): the gap is the middle of the strip, about 2 km × 1 km less
    # the two half-disc bites.
    builtup = _builtup((0, 0, 3000, 1000))
    stations = _stations(
        (0, 500, "charging", "public"),
        (3000, 500, "charging", "public"),
        (1500, 500, "charging", "private"),
        (1500, 500, "swap", "public"),
    )
    gaps = charging_gaps(stations, builtup, radius_m=500)
    assert gaps.crs == "EPSG:4549"
    served = shapely.union_all(
        [shapely.Point(X0, Y0 + 500).buffer(500, 16), shapely.Point(X0 + 3000, Y0 + 500).buffer(500, 16)]
    )
    expected = shapely.box(X0, Y0, X0 + 3000, Y0 + 1000).difference(served)
    got = shapely.union_all(gaps.geometry.array)
    assert got.symmetric_difference(expected).area < 1e-3
    # Hand check: 3e6 m² minus two half discs of radius 500 (the polygonal approximation, within 0.1%).
    assert gaps["area_m2"].sum() == pytest.approx(3e6 - 3.14159265 * 500**2, rel=1e-3)


def test_no_public_charger_leaves_all_builtup_and_full_cover_leaves_none() -> None:
    builtup = _builtup((0, 0, 1000, 1000), (5000, 0, 6000, 1000))
    assert charging_gaps(None, builtup)["area_m2"].sum() == pytest.approx(2e6)
    private_only = _stations((500, 500, "charging", "private"))
    assert len(charging_gaps(private_only, builtup)) == 2
    covering = _stations((500, 500, "charging", "public"), (5500, 500, "charging", "public"))
    assert charging_gaps(covering, builtup, radius_m=800).empty


def test_gaps_cut_by_district_carry_the_adcode() -> None:
    builtup = _builtup((0, 0, 2000, 1000))
    districts = gpd.GeoDataFrame(
        {"adcode": ["A", "B"]},
        geometry=[
            shapely.box(X0 - 10, Y0 - 10, X0 + 1000, Y0 + 1010),
            shapely.box(X0 + 1000, Y0 - 10, X0 + 2010, Y0 + 1010),
        ],
        crs="EPSG:4549",
    )
    gaps = charging_gaps(None, builtup, districts=districts)
    assert dict(zip(gaps["adcode"], gaps["area_m2"].round(3), strict=True)) == {"A": 1e6, "B": 1e6}
    with pytest.raises(ValueError, match="radius"):
        charging_gaps(None, builtup, radius_m=0)
