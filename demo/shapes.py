"""Geometry helpers of the demo generator: WGS84 tables to EPSG:4549 shapes, and organic outlines.

The outlines' wobble is fixed by the feature's name, not the seed, so a lake looks the same in every
landscape.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.analysis.crs import METRIC_CRS

__all__ = [
    "TO_LONLAT",
    "TO_METRIC",
    "metric_coords",
    "metric_line",
    "metric_polygon",
    "polygon_from_shape",
    "polygons_of",
    "to_metric_xy",
    "wobbly_ellipse",
    "wobbly_shore",
]

TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def polygon_from_shape(shape: Mapping[str, Any]) -> BaseGeometry:
    """The polygon of a GeoJSON-like shape from ``rasterio.features.shapes``: ``shapely.geometry.shape``
    with each ring handed over as one array, not a Python call per vertex (the same coordinates, so the
    same polygon; ~15,000 of them per run)."""
    shell, *holes = shape["coordinates"]
    return Polygon(np.asarray(shell, dtype=np.float64), [np.asarray(h, dtype=np.float64) for h in holes])


def to_metric_xy(lon: float, lat: float) -> tuple[float, float]:
    """A WGS84 longitude/latitude in EPSG:4549 metres."""
    x, y = TO_METRIC.transform(lon, lat)
    return float(x), float(y)


def metric_coords(coords: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """WGS84 longitude/latitude pairs in EPSG:4549 metres."""
    xs, ys = TO_METRIC.transform([c[0] for c in coords], [c[1] for c in coords])
    return list(zip(map(float, xs), map(float, ys), strict=True))


def wobbly_ellipse(
    lon: float, lat: float, rx_km: float, ry_km: float, angle_deg: float, name: str
) -> Polygon:
    """A wobbly ellipse (a lake or marsh outline); the wobble is fixed by the name, not the seed."""
    cx, cy = to_metric_xy(lon, lat)
    rng = np.random.default_rng(zlib.crc32(name.encode("utf-8")))
    theta = np.linspace(0.0, 2.0 * math.pi, 96, endpoint=False)
    radius = np.ones_like(theta)
    for harmonic in (2, 3, 4, 5, 7):
        radius += rng.uniform(0.02, 0.09) * np.cos(harmonic * theta + rng.uniform(0, 2 * math.pi))
    x = rx_km * 1000.0 * radius * np.cos(theta)
    y = ry_km * 1000.0 * radius * np.sin(theta)
    a = math.radians(angle_deg)
    xr = cx + x * math.cos(a) - y * math.sin(a)
    yr = cy + x * math.sin(a) + y * math.cos(a)
    return Polygon(zip(xr, yr, strict=True)).buffer(0)


def metric_line(coords: Sequence[tuple[float, float]]) -> LineString:
    """A polyline given in WGS84, in EPSG:4549."""
    return LineString(metric_coords(coords))


def metric_polygon(coords: Sequence[tuple[float, float]]) -> Polygon:
    """A polygon given in WGS84, in EPSG:4549 (repaired if it self-intersects)."""
    return Polygon(metric_coords(coords)).buffer(0)


def wobbly_shore(coords: Sequence[tuple[float, float]], closing: int, name: str) -> Polygon:
    """A lake polygon whose shore (all but the last ``closing`` vertices) meanders by up to ~250 m.

    The shore is densified to 50 m steps and pushed along its normal by a sum of sines whose phases are
    fixed by ``name``, so the outline is organic but the same for every seed.
    """
    shore = LineString(metric_coords(coords[: len(coords) - closing]))
    steps = np.arange(0.0, shore.length, 50.0)
    points = np.array([shore.interpolate(d).coords[0] for d in steps])
    tangent = np.gradient(points, axis=0)
    tangent /= np.maximum(np.hypot(tangent[:, 0], tangent[:, 1]), 1e-9)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    rng = np.random.default_rng(zlib.crc32(name.encode("utf-8")))
    offset = np.zeros(steps.size)
    for wavelength, amplitude in ((9000.0, 110.0), (3100.0, 70.0), (1300.0, 45.0), (520.0, 22.0)):
        offset += amplitude * np.sin(2 * math.pi * steps / wavelength + rng.uniform(0, 2 * math.pi))
    moved = points + normal * offset[:, None]
    ring = [tuple(p) for p in moved] + metric_coords(coords[len(coords) - closing :])
    return Polygon(ring).buffer(0)


def polygons_of(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons of any geometry (empty list for an empty one)."""
    if geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]
