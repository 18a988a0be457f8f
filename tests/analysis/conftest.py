"""The hand-made city several engine tests share: two 1 km × 1 km districts side by side in EPSG:4549 near
Wuxi, A (320291) west of B (320292), official areas 1 km² each and 2 km² for the city (320200)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

_X0, _Y0 = 528_000.0, 3_490_000.0  # EPSG:4549, about 120.29°E 31.53°N


@pytest.fixture
def boundaries() -> gpd.GeoDataFrame:
    """The city and its two districts, as :func:`analysis.boundaries.load_boundaries` returns them."""
    a = box(_X0, _Y0, _X0 + 1000, _Y0 + 1000)
    b = box(_X0 + 1000, _Y0, _X0 + 2000, _Y0 + 1000)
    rows = [
        {"adcode": "320200", "name_zh": "测试市", "name_en": "Test", "kind": "city", "geometry": a.union(b)},
        {"adcode": "320291", "name_zh": "甲区", "name_en": "A", "kind": "district", "geometry": a},
        {"adcode": "320292", "name_zh": "乙区", "name_en": "B", "kind": "district", "geometry": b},
    ]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4549")
    frame["official_area_km2"] = [2.0, 1.0, 1.0]
    frame["polygon_area_km2"] = frame.area / 1e6
    return frame.to_crs("EPSG:4326")
