"""Areas of many small polygons inside a few large ones, fast: the geometric method of the land survey.

A county's land survey (地类图斑 DLTB) holds several hundred thousand parcels, and only the few that cross
a district boundary need cutting: a parcel wholly inside a district lies in it with its full area.
:func:`overlay_areas` finds the parcel–zone pairs with one ``STRtree`` query, tells the pairs whose parcel
lies wholly inside (``contains_properly`` against the prepared zone, vectorised), takes their areas as they
are, and intersects only the rest, each with a small piece of its zone (the zones are cut into pieces of a
few hundred vertices first, as PostGIS's ``ST_Subdivide`` does), so no intersection ever walks a whole
district boundary. The answer equals ``geopandas.overlay`` + ``area`` (``benchmarks/dltb_overlay.py``
measures both), and what it keeps beyond the geometries is a few numbers per parcel.

Everything here is planar: give geometries in a metric CRS (EPSG:4549 for Wuxi), never in degrees.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

__all__ = ["MAX_PIECE_VERTICES", "overlay_areas", "subdivide"]

#: A zone with more vertices than this is cut into pieces before any parcel is intersected with it.
MAX_PIECE_VERTICES = 256


def subdivide(geometry: shapely.Geometry, max_vertices: int = MAX_PIECE_VERTICES) -> list[shapely.Geometry]:
    """``geometry`` cut into polygonal pieces of at most about ``max_vertices`` vertices each.

    The pieces tile the geometry (their areas add up to its area); each box is halved along its longer
    side until the piece inside it is small enough.

    Examples
    --------
    >>> circle = shapely.Point(0, 0).buffer(100, quad_segs=256)
    >>> pieces = subdivide(circle, 64)
    >>> len(pieces) > 1, int(max(shapely.get_num_coordinates(pieces))) <= 2 * 64
    (True, True)
    >>> abs(sum(piece.area for piece in pieces) - circle.area) < 1e-6 * circle.area
    True
    """
    pieces: list[shapely.Geometry] = []
    stack = [geometry]
    while stack:
        current = stack.pop()
        if shapely.is_empty(current):
            continue
        if shapely.get_num_coordinates(current) <= max_vertices:
            pieces.extend(part for part in shapely.get_parts(current) if part.area > 0)
            continue
        xmin, ymin, xmax, ymax = shapely.bounds(current).tolist()
        if xmax - xmin >= ymax - ymin:
            middle = (xmin + xmax) / 2
            halves = (shapely.box(xmin, ymin, middle, ymax), shapely.box(middle, ymin, xmax, ymax))
        else:
            middle = (ymin + ymax) / 2
            halves = (shapely.box(xmin, ymin, xmax, middle), shapely.box(xmin, middle, xmax, ymax))
        for half in halves:
            part = shapely.intersection(current, half)
            polygonal = [p for p in shapely.get_parts(part) if p.geom_type in ("Polygon", "MultiPolygon")]
            if polygonal:
                stack.append(shapely.union_all(polygonal) if len(polygonal) > 1 else polygonal[0])
    return pieces


def overlay_areas(
    parcels: NDArray[np.object_], zones: NDArray[np.object_], *, max_vertices: int = MAX_PIECE_VERTICES
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """The area of every parcel inside every zone it shares area with.

    Parameters
    ----------
    parcels, zones
        Arrays of polygons in the same metric CRS. Zones should not overlap each other (districts do
        not); parcels may be many, zones few.
    max_vertices
        Zones are cut into pieces of about this many vertices before a crossing parcel is intersected.

    Returns
    -------
    parcel_index, zone_index, area_m2
        One row per parcel–zone pair with an area > 0: the parcel's position in ``parcels``, the zone's in
        ``zones`` and the area of their intersection, in the CRS's units squared (m² in EPSG:4549).

    Examples
    --------
    >>> zones = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)])
    >>> parcels = np.array([shapely.box(1, 1, 3, 3), shapely.box(8, 0, 12, 1), shapely.box(30, 0, 31, 1)])
    >>> parcel, zone, area = overlay_areas(parcels, zones)
    >>> list(zip(parcel.tolist(), zone.tolist(), area.tolist()))
    [(0, 0, 4.0), (1, 0, 2.0), (1, 1, 2.0)]
    """
    parcels = np.asarray(parcels, dtype=object)
    zones = np.asarray(zones, dtype=object)
    empty = (np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, np.float64))
    if len(parcels) == 0 or len(zones) == 0:
        return empty
    tree = shapely.STRtree(parcels)
    zone_index, parcel_index = tree.query(zones, predicate="intersects")
    # Predicates against a prepared zone are fast whatever its number of vertices (prepared in place:
    # harmless to the caller's geometries, and it lasts for their lifetime).
    shapely.prepare(zones)
    inside = shapely.contains_properly(zones[zone_index], parcels[parcel_index])
    areas = np.zeros(len(parcel_index), dtype=np.float64)
    areas[inside] = shapely.area(parcels[parcel_index[inside]])
    crossing = np.flatnonzero(~inside)
    if crossing.size:
        areas[crossing] = _crossing_areas(
            parcels[parcel_index[crossing]], zone_index[crossing], zones, max_vertices
        )
    keep = areas > 0
    order = np.lexsort((zone_index[keep], parcel_index[keep]))
    return parcel_index[keep][order], zone_index[keep][order], areas[keep][order]


def _crossing_areas(
    crossing: NDArray[np.object_],
    crossing_zone: NDArray[np.intp],
    zones: NDArray[np.object_],
    max_vertices: int,
) -> NDArray[np.float64]:
    """For each crossing parcel, its area inside its zone, cut against the zone's small pieces only."""
    pieces: list[shapely.Geometry] = []
    piece_zone: list[int] = []
    for number in np.unique(crossing_zone).tolist():
        cut = subdivide(zones[number], max_vertices)
        pieces += cut
        piece_zone += [number] * len(cut)
    piece_array = np.asarray(pieces, dtype=object)
    piece_zones = np.asarray(piece_zone, dtype=np.intp)
    which, piece = shapely.STRtree(piece_array).query(crossing, predicate="intersects")
    same_zone = piece_zones[piece] == crossing_zone[which]
    which, piece = which[same_zone], piece[same_zone]
    cut_areas = shapely.area(shapely.intersection(crossing[which], piece_array[piece]))
    return np.asarray(np.bincount(which, weights=cut_areas, minlength=len(crossing)), dtype=np.float64)
