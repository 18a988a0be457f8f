"""Zones that all lie off a raster that does cover the study area: partial coverage, not a wrong CRS.

The engine refuses zones that overlap the raster nowhere (:meth:`analysis.zonal.zones.Prepared.no_overlap`):
that is almost always a missing or wrong CRS. But a tile that covers half of Wuxi meets built-up areas or
protected areas that lie wholly in the other half, and those zones are simply not seen.
:func:`class_areas_off_grid_allowed` tells the two apart by the study area: when the raster overlaps it,
zones off the grid get zero areas (their valid share is 0, and the indicator says ``insufficient_data``).
"""

from __future__ import annotations

from os import PathLike
from typing import TYPE_CHECKING

from wuxi_atlas.analysis.errors import CRSError
from wuxi_atlas.analysis.zonal.tables import ClassAreaTable, Progress, ZonalFunction, ZoneClassAreas

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["class_areas_off_grid_allowed"]


def _raster_meets(raster_path: str | PathLike[str], area: gpd.GeoDataFrame) -> bool:
    """Whether the raster's bounds meet the bounds of ``area`` (in the raster's CRS)."""
    import rasterio

    with rasterio.open(raster_path) as dataset:
        if dataset.crs is None or area.crs is None:
            return False
        west, south, east, north = area.to_crs(dataset.crs.to_wkt()).total_bounds
        bounds = dataset.bounds
    return west < bounds.right and east > bounds.left and south < bounds.top and north > bounds.bottom


def class_areas_off_grid_allowed(
    zonal: ZonalFunction,
    raster_path: str | PathLike[str],
    zones: gpd.GeoDataFrame,
    zone_id: str,
    *,
    study_area: gpd.GeoDataFrame,
    progress: Progress | None = None,
) -> ClassAreaTable:
    """``zonal(raster_path, zones, zone_id)``; when no zone meets the raster but the raster meets
    ``study_area`` (the district polygons), a table in which every zone has zero areas, instead of the
    engine's :class:`~analysis.errors.CRSError`. ``polygon_area_m2`` is then each zone's area in its own
    CRS, which must be metric (EPSG:4549, as :class:`analysis.study_area.StudyArea` clips them).

    Raises
    ------
    CRSError
        As the engine does, when the raster does not meet the study area either.
    """
    try:
        return zonal(raster_path, zones, zone_id, progress=progress)
    except CRSError:
        if len(zones) == 0 or zones.crs is None or not zones.crs.is_projected:
            raise
        if not _raster_meets(raster_path, study_area):
            raise
    return ClassAreaTable(
        zones=tuple(
            ZoneClassAreas(str(zid), {}, 0.0, 0.0, float(area))
            for zid, area in zip(zones[zone_id], zones.geometry.area, strict=True)
        ),
        raster_crs="",
        raster_path=str(raster_path),
        pixel_size=(0.0, 0.0),
        geographic=False,
    )
