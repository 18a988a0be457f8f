"""Exact zonal statistics of land-cover and continuous rasters of any size.

Zones (polygons in any CRS) are reprojected to the raster's CRS and laid on its pixel grid. A pixel
cut by a zone boundary is weighted by the exact share of its area inside the polygon, as exactextract
does; a pixel wholly inside weighs 1. Areas are in m², on the ground (:mod:`analysis.zonal.ground_area`):
the exact ellipsoidal area of each row's pixels for a geographic grid (the way WorldCover ships, in
EPSG:4326); the nominal ``|a·e − b·d|`` for a projected grid whose pixels all cover it to 0.01%
(EPSG:4549 over Wuxi, equal-area projections); and each pixel's own ground area elsewhere (Web
Mercator, UTM), never the nominal area of a conformal projection.

A pass, in the order the modules of this package run it:

:mod:`~analysis.zonal.zones`
    check the zones, reproject them to the raster's CRS and into pixel coordinates, measure them;
:mod:`~analysis.zonal.planning`
    cut the raster into chunks along its internal tiles and group them into regions (the whole raster,
    bands of it, or tasks on a cluster);
:mod:`~analysis.zonal.coverage`
    lay each region's zones on its grid as exact coverage: interior runs plus boundary corrections
    (Green's theorem), before any pixel is read;
:mod:`~analysis.zonal.counting`
    read each chunk once and count its pixels per zone and class, weighted by coverage and ground area;
:mod:`~analysis.zonal.tables`
    the typed results (:class:`ClassAreaTable`, :class:`ContinuousTable`).

:mod:`analysis.zonal.distributed` runs the same regions as tasks on a Dask cluster (same results).

Zones partly outside the raster
-------------------------------
``zone_area_m2`` is the part of the zone that lies on the raster grid; ``polygon_area_m2`` is the
whole polygon's area in the raster's CRS. Their ratio, ``footprint_fraction``, is 1 for a zone wholly
on the grid and tells how much of a zone the raster does not see. ``valid_fraction`` is the share of
``zone_area_m2`` that has data (not nodata, not masked).
"""

from __future__ import annotations

import math
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from wuxi_atlas.analysis.zonal.counting import add_continuous, class_table, concatenated, count_region_classes
from wuxi_atlas.analysis.zonal.coverage import coverage_fractions
from wuxi_atlas.analysis.zonal.ground_area import pixel_area_m2, pixel_areas
from wuxi_atlas.analysis.zonal.planning import planned_regions
from wuxi_atlas.analysis.zonal.tables import (
    ClassAreaTable,
    ContinuousTable,
    Progress,
    ZonalFunction,
    ZoneClassAreas,
    ZoneContinuous,
)
from wuxi_atlas.analysis.zonal.zones import ZoneSet, open_raster, prepare_zones

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray

__all__ = [
    "ClassAreaTable",
    "ContinuousTable",
    "Progress",
    "ZonalFunction",
    "ZoneClassAreas",
    "ZoneContinuous",
    "ZoneSet",
    "coverage_fractions",
    "pixel_area_m2",
    "pixel_areas",
    "zonal_class_areas",
    "zonal_continuous",
]


def zonal_class_areas(
    raster_path: str | PathLike[str],
    zones: gpd.GeoDataFrame | ZoneSet,
    zone_id: str = "adcode",
    *,
    band: int = 1,
    progress: Progress | None = None,
) -> ClassAreaTable:
    """Area in m² of each class code of a categorical raster inside each zone.

    Parameters
    ----------
    raster_path
        A categorical (land-cover) raster, any size; read block by block along its internal tiles.
    zones
        Polygons in any CRS, as a GeoDataFrame or a :class:`ZoneSet` (ids, polygons, CRS; then
        ``zone_id`` is not used); they are reprojected to the raster's CRS. Zones may overlap.
    zone_id
        Column that identifies a zone (values are reported as text).
    band
        Raster band to read (1-based).
    progress
        Called with ``(blocks_done, blocks_total)`` as the raster is read.

    Returns
    -------
    ClassAreaTable
        Coverage-weighted class areas per zone; nodata and masked pixels are left out and show in
        each zone's ``valid_fraction``.

    Raises
    ------
    CRSError
        The zones have no CRS, the raster has none, or the two do not overlap at all (the message
        names both CRSs and both bounds).
    BoundaryError
        ``zone_id`` is missing or not unique, or a zone is not a polygon.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, rasterio, shapely, tempfile, os
    >>> from affine import Affine
    >>> path = os.path.join(tempfile.mkdtemp(), "lc.tif")
    >>> with rasterio.open(path, "w", driver="GTiff", width=2, height=1, count=1, dtype="uint8",
    ...                    crs="EPSG:4549", transform=Affine(10, 0, 500000, 0, -10, 3500000)) as dst:
    ...     dst.write(np.array([[10, 50]], dtype="uint8"), 1)
    >>> zones = gpd.GeoDataFrame({"adcode": ["320205"]},
    ...                          geometry=[shapely.box(500005, 3499990, 500020, 3500000)], crs="EPSG:4549")
    >>> table = zonal_class_areas(path, zones)
    >>> dict(table.by_zone("320205").class_area_m2)
    {10: 50.0, 50: 100.0}
    """
    with open_raster(raster_path) as src:
        prepared = prepare_zones(src, zones, zone_id, band)
        zone_area = np.zeros(len(prepared.zones.ids))
        parts: list[tuple[NDArray[np.int64], NDArray[Any], NDArray[np.float64]]] = []
        for rplan, zone_index, region_progress in planned_regions(src, prepared, band, progress):
            area_here, zone, code, area = count_region_classes(
                src, band, rplan, prepared.areas, region_progress
            )
            zone_area[zone_index] += area_here
            parts.append((zone_index[zone], code, area))
        if len(zone_area) and not np.any(zone_area > 0):
            raise prepared.no_overlap()
        return class_table(
            prepared, zone_area, src.nodatavals[band - 1], *concatenated(parts), str(raster_path)
        )


def zonal_continuous(
    raster_path: str | PathLike[str],
    zones: gpd.GeoDataFrame | ZoneSet,
    zone_id: str = "adcode",
    *,
    band: int = 1,
    progress: Progress | None = None,
) -> ContinuousTable:
    """Coverage-weighted sum, mean and count of a continuous raster inside each zone.

    Parameters and errors are as in :func:`zonal_class_areas`.

    Returns
    -------
    ContinuousTable
        Per zone: ``weighted_sum`` (Σ fraction × value), ``weighted_count`` (Σ fraction, pixels),
        the area-weighted ``mean``, and the zone's on-grid, valid and polygon areas in m².

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, rasterio, shapely, tempfile, os
    >>> from affine import Affine
    >>> path = os.path.join(tempfile.mkdtemp(), "dem.tif")
    >>> with rasterio.open(path, "w", driver="GTiff", width=2, height=1, count=1, dtype="float32",
    ...                    crs="EPSG:4549", transform=Affine(10, 0, 500000, 0, -10, 3500000)) as dst:
    ...     dst.write(np.array([[2.0, 4.0]], dtype="float32"), 1)
    >>> zones = gpd.GeoDataFrame({"adcode": ["1"]},
    ...                          geometry=[shapely.box(500005, 3499990, 500020, 3500000)], crs="EPSG:4549")
    >>> stats = zonal_continuous(path, zones).by_zone("1")
    >>> stats.weighted_sum, stats.weighted_count, round(stats.mean, 6)
    (5.0, 1.5, 3.333333)
    """
    with open_raster(raster_path) as src:
        setup = prepare_zones(src, zones, zone_id, band)
        nodata = src.nodatavals[band - 1]
        n_zones = len(setup.zones.ids)
        # Σ f·v, Σ f (valid), Σ f·A·v, Σ f·A (valid), per zone.
        totals = np.zeros((4, n_zones))
        zone_area = np.zeros(n_zones)
        for rplan, zone_index, region_progress in planned_regions(src, setup, band, progress):
            zone_area[zone_index] += rplan.zone_area
            add_continuous(totals, zone_index, src, rplan, setup.areas, band, nodata, region_progress)
        if n_zones and not np.any(zone_area > 0):
            raise setup.no_overlap()
        results = tuple(
            ZoneContinuous(
                zone_id=zid,
                weighted_sum=float(totals[0, i]),
                weighted_count=float(totals[1, i]),
                mean=float(totals[2, i] / totals[3, i]) if totals[3, i] > 0 else math.nan,
                zone_area_m2=float(zone_area[i]),
                valid_area_m2=float(totals[3, i]),
                polygon_area_m2=float(setup.polygon_area[i]),
            )
            for i, zid in enumerate(setup.zones.ids)
        )
        return ContinuousTable(
            zones=results,
            raster_crs=setup.crs_text,
            raster_path=str(raster_path),
            pixel_size=setup.pixel_size,
            geographic=setup.geographic,
        )
