"""A station layer without pile counts (an Amap POI export) still counts stations, but its unknown piles
are never counted as zero piles."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from wuxi_atlas.analysis.charging import station_counts
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.analysis.study_area import StudyArea

X0, Y0 = 528_000.0, 3_490_000.0  # EPSG:4549, about 120.29°E 31.53°N
CITY, A = "320200", "320291"


def _study_area() -> StudyArea:
    square = box(X0, Y0, X0 + 1000, Y0 + 1000)
    rows = [
        {"adcode": CITY, "name_zh": "测试市", "name_en": "Test", "kind": "city", "geometry": square},
        {"adcode": A, "name_zh": "甲区", "name_en": "A", "kind": "district", "geometry": square},
    ]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4549")
    frame["official_area_km2"] = [1.0, 1.0]
    frame["polygon_area_km2"] = [1.0, 1.0]
    return StudyArea.from_boundaries(frame.to_crs("EPSG:4326"))


def _stations(piles: list[int | None]) -> VectorSource:
    kinds = ["charging", "charging", "swap"]
    frame = gpd.GeoDataFrame(
        {
            "type": kinds,
            "access": ["public"] * 3,
            "piles": pd.array(piles, dtype="Int64"),
            "geometry": [Point(X0 + 100 * (i + 1), Y0 + 500) for i in range(3)],
        },
        geometry="geometry",
        crs="EPSG:4549",
    ).to_crs("EPSG:4326")
    return VectorSource("stations", frame, "test stations", "2024", False)  # type: ignore[arg-type]


def _by(results, indicator):
    return {r.adcode: r for r in results if r.indicator == indicator}


def test_no_pile_counts_make_charging_piles_not_computable_but_stations_count():
    results = station_counts(_stations([None, None, None]), _study_area())
    piles = _by(results, "charging_piles")
    assert {r.status for r in piles.values()} == {"not_computable"}
    assert all(r.value is None for r in piles.values())
    assert "pile count" in (piles[CITY].reason or "")
    assert _by(results, "battery_swap_stations")[CITY].value == 1


def test_some_pile_counts_are_counted_and_the_rest_reported():
    piles = _by(station_counts(_stations([4, None, None]), _study_area()), "charging_piles")
    assert piles[CITY].value == 4
    assert piles[CITY].extra["stations_without_piles"] == 1
