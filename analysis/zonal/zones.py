"""Zones laid on a raster: checked, reprojected to its CRS, put in pixel coordinates, measured.

:func:`prepare_zones` is the first step of every pass (single-machine or on a cluster). It refuses what
cannot be laid on the grid with a message that names both CRSs and both bounds: zones without a CRS, a
raster without one, a missing or repeated zone id, a zone that is not a polygon, zones and raster that
do not overlap at all.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from wuxi_atlas.analysis.errors import BoundaryError, CRSError, DataFileError, LayerReadError
from wuxi_atlas.analysis.zonal.coverage import prepare_pixel_geoms, to_pixel_space
from wuxi_atlas.analysis.zonal.ground_area import PixelAreas, pixel_areas, polygon_areas_m2

if TYPE_CHECKING:
    import geopandas as gpd
    import rasterio
    from numpy.typing import NDArray

__all__ = ["Prepared", "ZoneSet", "Zones", "open_raster", "prepare_zones"]


def _crs_name(crs: Any) -> str:
    if crs is None:
        return "none"
    try:
        from pyproj import CRS

        pcrs = CRS.from_user_input(crs.to_wkt() if hasattr(crs, "to_wkt") else crs)
        authority = pcrs.to_authority(min_confidence=90)
        if authority:
            return f"{authority[0]}:{authority[1]} ({pcrs.name})"
        return pcrs.name
    except Exception:  # a name is only for messages; never fail on it
        return str(crs)


def _format_bounds(bounds: tuple[float, float, float, float] | NDArray[np.float64]) -> str:
    return "(" + ", ".join(f"{float(b):.6g}" for b in bounds) + ")"


@dataclass(frozen=True)
class Zones:
    """The zones' ids and polygons in the raster CRS, and the CRS and bounds they came in (for messages)."""

    ids: tuple[str, ...]
    geoms: NDArray[np.object_]  # in the raster CRS
    original_crs: str
    original_bounds: NDArray[np.float64]


@dataclass(frozen=True)
class ZoneSet:
    """Zones without a GeoDataFrame: their ids, their polygons (shapely) and the CRS those are in
    (anything pyproj reads: ``"EPSG:4549"``, WKT). :func:`analysis.zonal.zonal_class_areas` takes these as
    it takes a frame, with the same checks; a run whose zones come from the result cache lays them on the
    raster without importing geopandas."""

    ids: tuple[str, ...]
    geoms: NDArray[np.object_]
    crs: Any

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of_frame(cls, frame: gpd.GeoDataFrame, zone_id: str, prefix: str = "") -> ZoneSet:
        """The zones of a frame, ids from its column ``zone_id`` (as text, after ``prefix``)."""
        ids = tuple(f"{prefix}{value}" for value in frame[zone_id])
        return cls(ids, np.asarray(frame.geometry.to_numpy(), dtype=object), frame.crs)

    @classmethod
    def concatenated(cls, sets: list[ZoneSet]) -> ZoneSet:
        """Several sets in one CRS as one set, in order."""
        if not sets:
            raise ValueError("no zone set to concatenate")
        geoms = np.concatenate([np.asarray(each.geoms, dtype=object) for each in sets])
        return cls(tuple(i for each in sets for i in each.ids), geoms, sets[0].crs)


def _unique_ids(ids: tuple[str, ...], zone_id: str) -> None:
    if len(set(ids)) != len(ids):
        duplicated = sorted(i for i, n in Counter(ids).items() if n > 1)
        raise BoundaryError(f"zone ids in column {zone_id!r} are not unique: {duplicated}")


def _zone_set_in_raster_crs(zones: ZoneSet, raster_crs: Any) -> Zones:
    """:func:`_zones_in_raster_crs` of a :class:`ZoneSet`: the same checks, and the same coordinates as
    ``GeoSeries.to_crs`` gives (one pyproj transformer, always x/y, over every vertex)."""
    from pyproj import CRS, Transformer

    _unique_ids(zones.ids, "id")
    geoms = np.asarray(zones.geoms, dtype=object)
    present = geoms[~shapely.is_missing(geoms)]
    types = set(shapely.get_type_id(present).tolist())
    if not types <= {3, 6}:  # Polygon, MultiPolygon
        names = sorted({geometry.geom_type for geometry in present})
        raise BoundaryError(f"zones must be polygons; got {names}")
    zone_crs = CRS.from_user_input(zones.crs)
    target = CRS.from_user_input(raster_crs.to_wkt() if hasattr(raster_crs, "to_wkt") else raster_crs)
    if shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)  # the coverage is planar: heights are dropped, as GDAL does
    projected = geoms
    if zone_crs != target:
        transformer = Transformer.from_crs(zone_crs, target, always_xy=True)
        xy = shapely.get_coordinates(geoms)
        projected = shapely.set_coordinates(
            geoms.copy(), np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
    return Zones(
        ids=zones.ids,
        geoms=projected,
        original_crs=_crs_name(zone_crs),
        original_bounds=np.asarray(shapely.total_bounds(geoms), dtype=np.float64),
    )


def _zones_in_raster_crs(zones: gpd.GeoDataFrame | ZoneSet, zone_id: str, raster_crs: Any) -> Zones:
    from pyproj import CRS

    if isinstance(zones, ZoneSet):
        return _zone_set_in_raster_crs(zones, raster_crs)
    if zones.crs is None:
        raise CRSError(
            f"the zones have no CRS, so they cannot be laid on the raster (CRS {_crs_name(raster_crs)}); "
            "set the zones' CRS first (GeoDataFrame.set_crs)"
        )
    if zone_id not in zones.columns:
        raise BoundaryError(f"the zones have no column {zone_id!r}; columns are {list(zones.columns)}")
    ids = tuple(str(v) for v in zones[zone_id])
    _unique_ids(ids, zone_id)
    types = set(zones.geometry.dropna().geom_type)
    if not types <= {"Polygon", "MultiPolygon"}:
        raise BoundaryError(f"zones must be polygons; got {sorted(types)}")
    target = CRS.from_user_input(raster_crs.to_wkt() if hasattr(raster_crs, "to_wkt") else raster_crs)
    original_bounds = np.asarray(zones.total_bounds, dtype=np.float64)
    projected = zones.geometry if zones.crs == target else zones.geometry.to_crs(target)
    return Zones(
        ids=ids,
        geoms=np.asarray(projected.values, dtype=object),
        original_crs=_crs_name(zones.crs),
        original_bounds=original_bounds,
    )


@dataclass(frozen=True)
class Prepared:
    """The zones laid on the raster's pixel grid, and what the results need besides the counts."""

    zones: Zones
    geoms_pix: NDArray[np.object_]  # repaired and cut to the grid, in the whole raster's pixel coordinates
    areas: PixelAreas
    polygon_area: NDArray[np.float64]
    geographic: bool
    crs_text: str
    pixel_size: tuple[float, float]
    overlap_message: str

    def no_overlap(self) -> CRSError:
        return CRSError(self.overlap_message)


def prepare_zones(
    src: rasterio.DatasetReader, zones: gpd.GeoDataFrame | ZoneSet, zone_id: str, band: int
) -> Prepared:
    from pyproj import CRS

    if not 1 <= band <= src.count:
        raise DataFileError(f"{src.name}: no band {band}; the raster has {src.count}")
    if src.crs is None:
        raise CRSError(f"{src.name} has no CRS, so zones cannot be laid on it; assign its CRS first")
    raster_crs = CRS.from_wkt(src.crs.to_wkt())
    zset = _zones_in_raster_crs(zones, zone_id, raster_crs)
    geographic = bool(raster_crs.is_geographic)
    height, width = src.height, src.width

    geoms_pix = to_pixel_space(zset.geoms, src.transform)
    raster_bounds = tuple(src.bounds)
    zone_bounds = shapely.total_bounds(zset.geoms)
    pixel_bounds = shapely.total_bounds(geoms_pix)
    finite = bool(np.all(np.isfinite(pixel_bounds)))
    disjoint = (
        not finite
        or pixel_bounds[2] <= 0
        or pixel_bounds[0] >= width
        or pixel_bounds[3] <= 0
        or pixel_bounds[1] >= height
    )
    overlap_message = (
        f"the raster {src.name} (CRS {_crs_name(raster_crs)}, bounds {_format_bounds(raster_bounds)}) "
        f"does not overlap the zones (CRS {zset.original_crs}, bounds "
        f"{_format_bounds(zset.original_bounds)}; {_format_bounds(zone_bounds)} in the raster CRS). "
        "This is usually a wrong or missing CRS on one of them."
    )
    if disjoint:
        raise CRSError(overlap_message)
    authority = raster_crs.to_authority(min_confidence=90)
    areas = pixel_areas(src.transform, raster_crs, height, width)
    return Prepared(
        zones=zset,
        geoms_pix=prepare_pixel_geoms(geoms_pix, height, width),
        areas=areas,
        polygon_area=polygon_areas_m2(zset.geoms, raster_crs, areas),
        geographic=geographic,
        crs_text=f"{authority[0]}:{authority[1]}" if authority else raster_crs.to_wkt(),
        pixel_size=(
            math.hypot(src.transform.a, src.transform.d),
            math.hypot(src.transform.b, src.transform.e),
        ),
        overlap_message=overlap_message,
    )


def open_raster(raster_path: str | PathLike[str]) -> rasterio.DatasetReader:
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        return rasterio.open(raster_path)
    except RasterioIOError as exc:
        raise LayerReadError(f"cannot read the raster {raster_path}: {exc}") from exc
