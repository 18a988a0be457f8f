"""The raster check places a CGCS2000 grid in longitude/latitude through its own geographic CRS (no
search for a datum transformation): the numbers must be those of a transformer to EPSG:4326."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS, Transformer

from wuxi_atlas.layers.raster_checks import _to_lonlat


@pytest.mark.parametrize("epsg", [4549, 4548, 4490, 4528])
def test_cgcs2000_lonlat_equal_wgs84_lonlat_to_the_bit(epsg: int) -> None:
    crs = CRS.from_epsg(epsg)
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    rng = np.random.default_rng(7)
    if crs.is_geographic:
        x, y = rng.uniform(119.0, 121.0, 500), rng.uniform(30.5, 32.5, 500)
    else:
        lon, lat = rng.uniform(119.0, 121.0, 500), rng.uniform(30.5, 32.5, 500)
        x, y = Transformer.from_crs("EPSG:4490", crs, always_xy=True).transform(lon, lat)
    ours = np.array(_to_lonlat(crs.to_wkt()).transform(x, y))
    assert np.array_equal(ours, np.array(to_wgs84.transform(x, y)))


def test_other_datums_go_to_epsg_4326() -> None:
    beijing = CRS.from_epsg(2436)  # Beijing 1954 / 3-degree Gauss-Kruger CM 120E: a real datum shift
    assert _to_lonlat(beijing.to_wkt()).target_crs.datum.name.startswith("World Geodetic System 1984")
