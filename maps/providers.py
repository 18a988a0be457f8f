"""The expensive, view-independent pieces of the atlas map, and :class:`MapProviders` to pass them in.

The land-cover overlay PNG, the rooftop-PV grid, the simplified boundaries and the wetlands split by
protection status depend on the data only, not on what the map shows. :func:`maps.atlas.build_atlas_map`
asks for them through :class:`MapProviders`, so the app can cache them on file identity; the defaults
(the functions here) compute them directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from wuxi_atlas.analysis.charging import charging_gaps
from wuxi_atlas.analysis.crs import DISPLAY_CRS, METRIC_CRS
from wuxi_atlas.analysis.pv_grid import pv_potential_grid
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.maps.kinds import landcover as landcover_drawing
from wuxi_atlas.maps.kinds import wetlands as wetlands_drawing
from wuxi_atlas.maps.png import png_data_url, rgba_palette

__all__ = [
    "MapProviders",
    "charging_gaps_for_display",
    "display_boundaries",
    "overlay_png",
    "simplified",
    "wetlands_for_display",
]


def display_boundaries(
    boundaries: gpd.GeoDataFrame, *, tolerance_m: float = 60.0, decimals: int = 5
) -> gpd.GeoDataFrame:
    """The districts simplified for display, with no gaps or overlaps between neighbours.

    ``shapely.coverage_simplify`` simplifies the shared edges once for both sides, in metres on a plane
    tangent at the districts' middle latitude (:func:`_metres_per_degree`); coordinates are then rounded to
    ``decimals`` (5: about 1 m), which moves a shared vertex identically on both sides. The city row, if
    any, is left out: its outline is the union.

    Not EPSG:4549, as the areas are: over Wuxi the plane's scale differs from it by well under 1%, which a
    60 m display tolerance does not see, and the map's first paint (these boundaries) then needs no
    coordinate transformation, whose first use costs about 0.1 s (PROJ's database).
    """
    districts = boundaries[boundaries["adcode"].astype(str) != CITY_ADCODE].to_crs(DISPLAY_CRS)
    lonlat = districts.geometry.array
    west, south, east, north = (float(v) for v in districts.total_bounds)
    origin = np.array([(west + east) / 2, (south + north) / 2])
    scale = np.array(_metres_per_degree(float(origin[1])))
    plane = shapely.transform(lonlat, lambda xy: (xy - origin) * scale)
    simplified = shapely.transform(
        shapely.coverage_simplify(plane, tolerance_m), lambda xy: np.round(xy / scale + origin, decimals)
    )
    return gpd.GeoDataFrame(
        districts.drop(columns=districts.geometry.name).reset_index(drop=True),
        geometry=simplified,
        crs=DISPLAY_CRS,
    )


def _metres_per_degree(latitude: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at ``latitude`` on the WGS 84 ellipsoid (its radii
    of curvature there)."""
    a, e2 = 6_378_137.0, 0.006694379990141317
    sin = math.sin(math.radians(latitude))
    w = 1.0 - e2 * sin * sin
    per_radian_lat = a * (1.0 - e2) / w**1.5
    per_radian_lon = a / math.sqrt(w) * math.cos(math.radians(latitude))
    return math.radians(per_radian_lon), math.radians(per_radian_lat)


def overlay_png(
    source: RasterSource, variant: landcover_drawing.Variant
) -> tuple[str, list[list[float]], tuple[str, ...]]:
    """The land-cover overlay as a PNG ``data:`` URL, its EPSG:4326 bounds and the colours it uses
    (``#rrggbb``, so the legend lists only classes that are on the map); see
    :func:`maps.kinds.landcover.overlay_image`."""
    image, bounds = landcover_drawing.overlay_image(source, variant=variant)
    palette, _ = rgba_palette(image)
    opaque = palette[palette[:, 3] > 0][:, :3]
    colours = tuple(f"#{r:02x}{g:02x}{b:02x}" for r, g, b in np.unique(opaque, axis=0)) if opaque.size else ()
    return png_data_url(image), bounds, colours


def _polygonal(geometry: Any) -> Any:
    """The polygons of a geometry (an intersection can leave lines and points in a collection)."""
    if geometry is None or geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def _wetlands_by_status(wetlands: VectorSource, protected: VectorSource | None) -> gpd.GeoDataFrame:
    """Wetlands split into their protected and unprotected parts (polygons only), for display."""
    if protected is None:
        return wetlands.frame.assign(protection_status="unprotected")
    frame = wetlands_drawing.protection_status(wetlands, protected)
    frame = frame.set_geometry(frame.geometry.map(_polygonal))
    return frame[frame.geometry.notna() & ~frame.geometry.is_empty].reset_index(drop=True)


def wetlands_for_display(
    wetlands: VectorSource, protected: VectorSource | None, tolerance_m: float
) -> gpd.GeoDataFrame:
    """Wetlands split by protection status and simplified by ``tolerance_m`` metres, for display."""
    return simplified(_wetlands_by_status(wetlands, protected), tolerance_m)


def simplified(frame: gpd.GeoDataFrame, tolerance_m: float, decimals: int = 5) -> gpd.GeoDataFrame:
    """Polygons simplified for display (in EPSG:4549, tolerance in metres) with rounded coordinates."""
    if frame.empty:
        return frame
    geometry = (
        frame.geometry.to_crs(METRIC_CRS).simplify(tolerance_m, preserve_topology=True).to_crs(DISPLAY_CRS)
    )
    rounded = shapely.transform(geometry.array, lambda xy: np.round(xy, decimals))
    return frame.set_geometry(gpd.GeoSeries(rounded, index=frame.index, crs=DISPLAY_CRS))


def charging_gaps_for_display(
    stations: VectorSource | None, builtup: VectorSource, radius_m: float, districts: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The charging service gaps cut by district (:func:`analysis.charging.charging_gaps`), simplified
    by 10 m for display, in EPSG:4326."""
    gaps = charging_gaps(stations, builtup, radius_m=radius_m, districts=districts)
    return simplified(gaps.to_crs(DISPLAY_CRS), 10.0)


@dataclass(frozen=True)
class MapProviders:
    """The expensive pieces of the map, as functions the app can cache."""

    overlay: Callable[
        [RasterSource, landcover_drawing.Variant], tuple[str, list[list[float]], tuple[str, ...]]
    ] = overlay_png
    pv_grid: Callable[[VectorSource], gpd.GeoDataFrame] = lambda source: pv_potential_grid(source.frame)
    boundaries: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame] = display_boundaries
    wetlands: Callable[[VectorSource, VectorSource | None, float], gpd.GeoDataFrame] = wetlands_for_display
    charging_gaps: Callable[
        [VectorSource | None, VectorSource, float, gpd.GeoDataFrame], gpd.GeoDataFrame
    ] = charging_gaps_for_display
