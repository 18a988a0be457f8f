"""The wetlands split by protection status for display (maps.kinds.wetlands.protection_status): only the
wetlands that cross a protected area's edge are cut, and the split is the one cutting every wetland gives."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.maps.kinds.wetlands import protection_status


def _source(kind: str, geometries: list[shapely.Geometry | None], names: list[str]) -> VectorSource:
    frame = gpd.GeoDataFrame({"name": names}, geometry=geometries, crs="EPSG:4326")
    return VectorSource(kind=kind, frame=frame, source="test", vintage="2024", synthetic=False)  # type: ignore[arg-type]


def _by_cutting_everything(wetlands: VectorSource, protected: VectorSource) -> dict[tuple[str, str], float]:
    """The split as intersection and difference of every wetland with the protected union: areas by
    (name, status), polygonal parts only."""
    union = shapely.union_all(protected.frame.geometry.array)
    areas: dict[tuple[str, str], float] = {}
    for name, geometry in zip(wetlands.frame["name"], wetlands.frame.geometry, strict=True):
        if geometry is None:
            continue
        for status, part in (
            ("protected", shapely.intersection(geometry, union)),
            ("unprotected", shapely.difference(geometry, union)),
        ):
            if not part.is_empty:
                areas[(name, status)] = float(shapely.area(part))
    return areas


def test_the_split_equals_cutting_every_wetland() -> None:
    reserve = shapely.box(120.0, 31.0, 120.1, 31.1)
    second = shapely.box(120.3, 31.0, 120.4, 31.1)
    wetlands = _source(
        "wetlands",
        [
            shapely.box(120.02, 31.02, 120.04, 31.04),  # wholly inside the reserve
            shapely.box(120.5, 31.5, 120.6, 31.6),  # far from both
            shapely.box(120.08, 31.02, 120.12, 31.04),  # across the reserve's edge
            shapely.box(120.1, 31.05, 120.2, 31.06),  # touching the reserve along its edge only
            shapely.box(120.05, 31.0, 120.35, 31.01),  # across both protected areas
            None,  # a missing geometry is left out, as before
        ],
        ["inside", "apart", "crossing", "touching", "both", "missing"],
    )
    protected = _source("protected", [reserve, second], ["reserve", "second"])

    split = protection_status(wetlands, protected)

    expected = _by_cutting_everything(wetlands, protected)
    got = {
        (str(name), str(status)): float(shapely.area(geometry))
        for name, status, geometry in zip(
            split["name"], split["protection_status"], split.geometry, strict=True
        )
    }
    assert got.keys() == expected.keys()
    for key, area in expected.items():
        assert np.isclose(got[key], area, rtol=1e-12, atol=0), key
    assert got[("inside", "protected")] == float(shapely.area(wetlands.frame.geometry[0]))
    assert ("inside", "unprotected") not in got and ("apart", "protected") not in got
    # The protected parts first, then the unprotected ones, each in the wetlands' order.
    statuses = list(split["protection_status"])
    assert statuses == sorted(statuses, key=lambda status: status != "protected")
    assert list(split.loc[split["protection_status"] == "unprotected", "name"]) == [
        "apart",
        "crossing",
        "touching",
        "both",
    ]


def test_without_protected_areas_every_wetland_is_unprotected() -> None:
    wetlands = _source("wetlands", [shapely.box(120.0, 31.0, 120.1, 31.1)], ["lake"])
    protected = _source("protected", [], [])
    split = protection_status(wetlands, protected)
    assert list(split["protection_status"]) == ["unprotected"]
    assert split.geometry[0].equals(wetlands.frame.geometry[0])
