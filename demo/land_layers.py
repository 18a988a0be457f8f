"""The demo's land layers: wetlands, the protected areas around them, and the 建成区.

Wetlands are vectorized from the 2024 water and wetland pixels (三调 scope: water surfaces included);
protected areas surround them, with the Taihu band sized to the wetland-protection target; the 建成区
comes from the landscape model.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.demo.geography import (
    FOREST_RESERVES,
    TAIHU_BAYS,
    TAIHU_NAME,
    TAIHU_PROTECTED_NAME,
    WETLAND_PARKS,
    YANGTZE_NAME,
)
from wuxi_atlas.demo.placement import GridArrays, metric_frame, nearest_place, short_name
from wuxi_atlas.demo.shapes import TO_LONLAT, polygon_from_shape, wobbly_ellipse
from wuxi_atlas.demo.targets import WETLAND_PROTECTION_TARGET
from wuxi_atlas.demo.world import POND_LABEL, STREAM_LABEL, World

__all__ = ["builtup_layer", "protected_areas_layer", "wetlands_layer"]


def wetlands_layer(world: World, arrays: GridArrays) -> gpd.GeoDataFrame:
    """Wetland polygons (三调 scope: water surfaces included) from the 2024 water and wetland pixels."""
    from rasterio import features

    grid = arrays.grid
    tolerance = grid.res / 2.0
    from rasterio.transform import Affine

    pixel_ha = grid.res * grid.res / 1e4
    labels = arrays.water
    records: list[dict[str, Any]] = []
    geometries: list[BaseGeometry] = []
    for feature in world.water_features:
        minx, miny, maxx, maxy = feature.geometry.bounds
        col0 = max(int((minx - grid.x0) // grid.res) - 1, 0)
        col1 = min(int((maxx - grid.x0) // grid.res) + 2, grid.width)
        row0 = max(int((grid.y0 - maxy) // grid.res) - 1, 0)
        row1 = min(int((grid.y0 - miny) // grid.res) + 2, grid.height)
        mask = labels[row0:row1, col0:col1] == feature.label
        if not mask.any():
            continue
        parts = [
            polygon_from_shape(g)
            for g, _ in features.shapes(
                mask.astype(np.uint8),
                mask=mask,
                transform=grid.window_transform(row0) @ Affine.translation(col0, 0),
                connectivity=8,
            )
        ]
        merged = _valid_polygons(shapely.union_all(parts).simplify(tolerance))
        if merged.is_empty:
            continue
        records.append({"name": feature.name, "wetland_type": feature.wetland_type})
        geometries.append(merged)
    generic: list[tuple[int, str, float]] = [
        (STREAM_LABEL, "河道", 1.0),
        (POND_LABEL, "坑塘", 2.0 * pixel_ha),
    ]
    for label, word, min_ha in generic:
        mask = labels == label
        if not mask.any():
            continue
        shapes = [
            polygon_from_shape(g)
            for g, _ in features.shapes(
                mask.astype(np.uint8),
                mask=mask,
                transform=grid.transform,
                connectivity=8 if label == STREAM_LABEL else 4,
            )
        ]
        # 8-connected shapes touch themselves at pixel corners, which GEOS calls a self-intersection.
        shapes = [_valid_polygons(s.simplify(tolerance)) for s in shapes if s.area / 1e4 >= min_ha - 1e-9]
        shapes = [s for s in shapes if not s.is_empty]
        if not shapes:
            continue
        centres = shapely.centroid(np.array(shapes, dtype=object))
        nearest = nearest_place(world, shapely.get_x(centres), shapely.get_y(centres))
        order = np.lexsort((shapely.get_x(centres), -shapely.get_y(centres), nearest))
        counters: dict[int, int] = {}
        for k in order:
            counters[nearest[k]] = counters.get(nearest[k], 0) + 1
            place = short_name(world.places[nearest[k]].name)
            records.append(
                {
                    "name": f"{place}{word}{counters[nearest[k]]}",
                    "wetland_type": "river" if label == STREAM_LABEL else "pond",
                }
            )
            geometries.append(shapes[k])
    return metric_frame(records, geometries, ["name", "wetland_type"])


def protected_areas_layer(
    world: World, wetlands: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, dict[str, float]]:
    """Protected areas, with the Taihu protection band sized so the city-wide rate hits the target."""
    by_name = dict(zip(wetlands["name"], wetlands.geometry, strict=True))
    records: list[dict[str, Any]] = []
    geometries: list[BaseGeometry] = []
    for name, ptype, level, around, buffer_m in WETLAND_PARKS:
        geometry = by_name.get(around)
        if geometry is None:
            continue
        if around == YANGTZE_NAME:  # the plot covers the river's western reach, off 璜土/利港/申港
            minx, miny, maxx, maxy = geometry.bounds
            geometry = shapely.clip_by_rect(geometry, minx, miny, minx + 0.55 * (maxx - minx), maxy)
        records.append({"name": name, "protection_type": ptype, "level": level})
        geometries.append(geometry.buffer(buffer_m).intersection(world.city).simplify(10.0))
    for name, ptype, level, hill in FOREST_RESERVES:
        (x, y), radius, _ = world.hill_points[hill]
        lon, lat = TO_LONLAT.transform(x, y)
        outline = wobbly_ellipse(lon, lat, radius * 0.85e-3, radius * 0.6e-3, 25.0, name)
        records.append({"name": name, "protection_type": ptype, "level": level})
        geometries.append(outline.intersection(world.city))

    wetland_parts = _overlap_free(np.asarray(wetlands.geometry.values, dtype=object))
    wetland_area = float(shapely.area(wetland_parts).sum())
    fixed_union = shapely.union_all(geometries)
    taihu_water = shapely.union_all(
        [g for n, g in by_name.items() if n == TAIHU_NAME or n in {b for b, _ in TAIHU_BAYS}]
    )
    shore = world.taihu.boundary.intersection(world.city.buffer(50.0))
    coarse_shore = shore.simplify(100.0)  # the band's outer edge needs no detail; buffering it stays fast
    shore_land = shore.buffer(250.0).intersection(world.city).difference(world.taihu)

    def band(distance: float) -> BaseGeometry:
        return shapely.union_all(
            [taihu_water.intersection(coarse_shore.buffer(distance, quad_segs=4)), shore_land]
        )

    # The band only ever lies in Taihu's water and its shore, so only the wetland there is cut again at
    # each step of the search; the rest, and the fixed areas' share, are measured once:
    # area(W ∩ (F ∪ band)) = area(W ∩ F) + area(W ∩ band) − area(W ∩ F ∩ band).
    near_taihu = _cut(wetland_parts, shapely.union_all([taihu_water, shore_land]))
    near_taihu_fixed = _cut(near_taihu, fixed_union)
    fixed_area = float(shapely.area(_cut(wetland_parts, fixed_union)).sum())

    def rate(distance: float) -> float:
        shore_band = band(distance)
        inside = fixed_area + float(shapely.area(shapely.intersection(near_taihu, shore_band)).sum())
        inside -= float(shapely.area(shapely.intersection(near_taihu_fixed, shore_band)).sum())
        return 100.0 * inside / wetland_area

    low, high = 0.0, 20000.0
    for _ in range(11):
        mid = (low + high) / 2
        if rate(mid) < WETLAND_PROTECTION_TARGET:
            low = mid
        else:
            high = mid
    taihu_band = band(high).simplify(10.0)
    records.insert(
        0, {"name": TAIHU_PROTECTED_NAME, "protection_type": "protection_plot", "level": "national"}
    )
    geometries.insert(0, taihu_band)
    frame = metric_frame(records, geometries, ["name", "protection_type", "level"])
    achieved = rate(high)
    return frame, {
        "wetland_protection_rate_2024": round(achieved, 2),
        "taihu_band_m": round(high, 0),
        "wetland_area_km2": round(wetland_area / 1e6, 1),
    }


def _overlap_free(polygons: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """The union of ``polygons`` as disjoint pieces: each group of polygons that touch or overlap
    (simplified wetlands overlap their neighbours a little) merged, every other polygon as it is.

    Much faster than one ``union_all`` of thousands of mostly separate polygons, with the same area.
    """
    pairs = shapely.STRtree(polygons).query(polygons, predicate="intersects")
    group = np.arange(len(polygons))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = int(group[i])
        return i

    for i, j in zip(*pairs.tolist(), strict=True):
        a, b = root(i), root(j)
        if a != b:
            group[max(a, b)] = min(a, b)
    roots = np.array([root(i) for i in range(len(polygons))])
    # Each group's members in index order, the groups in the order of their roots: a stable sort by root
    # gives what a mask per root gave, without a pass over all polygons for each of the ~3,000 groups.
    order = np.argsort(roots, kind="stable")
    _, starts = np.unique(roots[order], return_index=True)
    groups = np.split(order, starts[1:])
    return np.array(
        [
            polygons[members[0]] if members.size == 1 else shapely.union_all(polygons[members])
            for members in groups
        ],
        dtype=object,
    )


def _cut(parts: npt.NDArray[np.object_], area: BaseGeometry) -> npt.NDArray[np.object_]:
    """The non-empty pieces of ``parts`` ∩ ``area`` (disjoint when the parts are)."""
    hit = shapely.STRtree(parts).query(area, predicate="intersects")
    pieces = shapely.intersection(parts[np.sort(hit)], area)
    return pieces[~shapely.is_empty(pieces)]


def builtup_layer(world: World) -> gpd.GeoDataFrame:
    """The 建成区 polygons (one per city), named, for 2024."""
    records = [{"name": name, "year": 2024} for name in world.builtup_parts]
    return metric_frame(records, list(world.builtup_parts.values()), ["name", "year"])


def _valid_polygons(geometry: BaseGeometry) -> BaseGeometry:
    """``geometry`` made valid, keeping only its polygonal parts."""
    return shapely.make_valid(geometry, method="structure", keep_collapsed=False)
