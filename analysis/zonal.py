"""Exact zonal statistics of land-cover and continuous rasters of any size.

Zones (polygons in any CRS) are reprojected to the raster's CRS and laid on its pixel grid. A pixel
cut by a zone boundary is weighted by the exact share of its area inside the polygon, as exactextract
does; a pixel wholly inside weighs 1. Areas are in m², on the ground (:mod:`analysis.ground_area`):
the exact ellipsoidal area of each row's pixels for a geographic grid (the way WorldCover ships, in
EPSG:4326); the nominal ``|a·e − b·d|`` for a projected grid whose pixels all cover it to 0.01%
(EPSG:4549 over Wuxi, equal-area projections); and each pixel's own ground area elsewhere (Web
Mercator, UTM), never the nominal area of a conformal projection.

How the coverage is represented
-------------------------------
For every zone the coverage is computed once, before any pixel is read, as

* *interior runs* ``(row, first_col, end_col)``: pixels wholly covered along the row's top edge, each
  weighing 1, and
* *corrections* ``(row, col, δ)``: a sparse list along the zone boundary whose δ, added to the run
  weight, gives the pixel's exact coverage fraction.

The split follows from Green's theorem. In pixel coordinates (unit cells, row ``r`` spans ``v`` in
``[r, r+1]``) the area of a polygon inside cell ``(r, c)`` is the length of the cell's top line
``v = r+1`` that lies inside the polygon (the runs, and partial cells at their ends), plus
``−Σ (u₁−u₀)·((v₀+v₁)/2 − r)`` over the pieces of polygon edges inside the cell (counter-clockwise
shells, clockwise holes). Both parts are exact, so the result is exact up to floating-point rounding,
and holes and multipolygons need no special case. Memory is proportional to the zones' perimeters and
row counts within a region (below), never to the raster's size.

The raster is then read once, block by block along its internal tiles, and each block costs one
``np.bincount`` over ``zone_label·n_classes + class`` for the runs, plus a small gather for the
corrections. Zones may overlap (a city and its districts): they are split into layers whose runs do
not overlap, and each layer is counted separately.

Regions
-------
The unit of work is a *region*, a rectangle of whole chunks: the zones near it are shifted to its
origin and cut a pixel beyond its edges, which leaves the fractions of its cells unchanged. One machine
takes the whole raster as one region, or, when the zones' perimeter is long (many zones, a province),
bands of chunk rows one after the other, so that memory stays bounded; ``analysis.distributed`` runs
regions of a few dozen tiles as tasks on a Dask cluster. Results agree to floating-point summation order.

Zones partly outside the raster
-------------------------------
``zone_area_m2`` is the part of the zone that lies on the raster grid; ``polygon_area_m2`` is the
whole polygon's area in the raster's CRS. Their ratio, ``footprint_fraction``, is 1 for a zone wholly
on the grid and tells how much of a zone the raster does not see. ``valid_fraction`` is the share of
``zone_area_m2`` that has data (not nodata, not masked).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from affine import Affine

from analysis.errors import BoundaryError, CRSError, DataFileError, LayerReadError
from analysis.ground_area import PixelAreas, pixel_area_m2, pixel_areas, polygon_areas_m2

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import rasterio
    from numpy.typing import NDArray

__all__ = [
    "ClassAreaTable",
    "ContinuousTable",
    "ZonalFunction",
    "ZoneClassAreas",
    "ZoneContinuous",
    "coverage_fractions",
    "pixel_area_m2",
    "pixel_areas",
    "zonal_class_areas",
    "zonal_continuous",
]

Progress = Callable[[int, int], None]

# A single pass reads each tile once, so GDAL's block cache only costs memory (MB).
_GDAL_CACHE_MB = 16
# Full-width strips shorter than this are read together, so that per-read overhead stays small.
_MIN_CHUNK_PIXELS = 1 << 20
# Above this many (label × class) bins a block falls back to compacting its class codes first.
_MAX_DIRECT_BINS = 1 << 22
# Interleaved copies of the count table in a block's bincount (see _count_keys), for small tables.
_LANES = 4
_MAX_LANED_BINS = 1 << 16
# Laying zones on the grid takes ~300 bytes per pixel of perimeter while it runs, ~100 after. A raster
# is processed in bands of whole chunk rows, each laying about this many pixels of perimeter, so that
# memory stays bounded whatever the size of the raster or the number of zones.
_BAND_PERIMETER_PIXELS = 250_000


# --------------------------------------------------------------------------------------------------
# Result types


class _OnGridShares:
    """The two shares every per-zone result reports, from its three areas (m²)."""

    zone_area_m2: float
    valid_area_m2: float
    polygon_area_m2: float

    @property
    def valid_fraction(self) -> float:
        """Share of the zone's on-grid area that has data (0–1; NaN for a zone off the grid)."""
        return self.valid_area_m2 / self.zone_area_m2 if self.zone_area_m2 > 0 else math.nan

    @property
    def footprint_fraction(self) -> float:
        """Share of the zone polygon that lies on the raster grid (0–1; 1 when wholly inside)."""
        return self.zone_area_m2 / self.polygon_area_m2 if self.polygon_area_m2 > 0 else math.nan


@dataclass(frozen=True)
class ZoneClassAreas(_OnGridShares):
    """Area of each class code inside one zone, in m².

    Attributes
    ----------
    zone_id
        The zone's identifier (the ``zone_id`` column, as text).
    class_area_m2
        Class code → area in m² of valid pixels of that class inside the zone (coverage-weighted).
    zone_area_m2
        Area of the zone that lies on the raster grid, m² (coverage fractions × pixel areas).
    valid_area_m2
        Part of ``zone_area_m2`` with data (not nodata, not masked), m². Equals the sum of
        ``class_area_m2``.
    polygon_area_m2
        Ground area of the whole zone polygon, m², measured as the raster's pixels are, whether or not
        it lies on the grid.
    """

    zone_id: str
    class_area_m2: Mapping[int, float]
    zone_area_m2: float
    valid_area_m2: float
    polygon_area_m2: float

    def area_of(self, codes: int | set[int] | frozenset[int] | list[int] | tuple[int, ...]) -> float:
        """Total area in m² of the given class code(s) in this zone.

        Examples
        --------
        >>> zone = ZoneClassAreas("320205", {10: 300.0, 20: 100.0}, 500.0, 400.0, 500.0)
        >>> zone.area_of({10, 20}), zone.valid_fraction
        (400.0, 0.8)
        """
        wanted = {codes} if isinstance(codes, int) else set(codes)
        return float(sum(area for code, area in self.class_area_m2.items() if code in wanted))


@dataclass(frozen=True)
class ClassAreaTable:
    """Class areas of every zone, with the raster they came from.

    Attributes
    ----------
    zones
        One :class:`ZoneClassAreas` per zone, in the order of the input GeoDataFrame.
    raster_crs
        The raster's CRS as ``AUTHORITY:CODE`` when it has one, else WKT.
    raster_path
        The raster file that was read.
    pixel_size
        ``(width, height)`` of a pixel in the raster CRS's units (degrees for a geographic grid).
    geographic
        Whether the raster grid is in longitude/latitude (areas then vary by row).
    """

    zones: tuple[ZoneClassAreas, ...]
    raster_crs: str
    raster_path: str
    pixel_size: tuple[float, float]
    geographic: bool

    def by_zone(self, zone_id: str | int) -> ZoneClassAreas:
        """The result of one zone; ``KeyError`` naming the known ids if there is no such zone.

        Examples
        --------
        >>> table = ClassAreaTable((ZoneClassAreas("1", {10: 5.0}, 5.0, 5.0, 5.0),), "EPSG:4549", "x.tif",
        ...                        (10.0, 10.0), False)
        >>> table.by_zone(1).class_area_m2[10]
        5.0
        """
        wanted = str(zone_id)
        for zone in self.zones:
            if zone.zone_id == wanted:
                return zone
        raise KeyError(f"no zone {wanted!r}; zones are {[z.zone_id for z in self.zones]}")

    def codes_present(self) -> frozenset[int]:
        """Class codes with a positive area in at least one zone (nodata excluded)."""
        return frozenset(code for z in self.zones for code, area in z.class_area_m2.items() if area > 0)

    def to_frame(self) -> pd.DataFrame:
        """Long table with columns ``zone_id``, ``class_code``, ``area_m2`` (one row per zone and code)."""
        import pandas as pd

        rows = [
            (zone.zone_id, int(code), float(area))
            for zone in self.zones
            for code, area in sorted(zone.class_area_m2.items())
        ]
        frame = pd.DataFrame(rows, columns=["zone_id", "class_code", "area_m2"])
        return frame.astype({"zone_id": "string", "class_code": "int64", "area_m2": "float64"})


# Anything called like :func:`zonal_class_areas` (``raster_path, zones, zone_id, *, band, progress``): the
# engine itself, or the Dask variant bound to a scheduler (``analysis.distributed.zonal_strategy``).
ZonalFunction = Callable[..., ClassAreaTable]


@dataclass(frozen=True)
class ZoneContinuous(_OnGridShares):
    """Coverage-weighted statistics of a continuous raster inside one zone.

    Attributes
    ----------
    zone_id
        The zone's identifier (as text).
    weighted_sum
        Σ fraction × value over valid pixels (exactextract's ``sum``), in the raster's value units.
    weighted_count
        Σ fraction over valid pixels (exactextract's ``count``), in pixels.
    mean
        Area-weighted mean value over the valid part of the zone. On a grid of equal pixel areas it
        equals ``weighted_sum / weighted_count``; elsewhere (geographic, Web Mercator, UTM …) each pixel
        also weighs by its true area. NaN when the zone has no valid pixel.
    zone_area_m2, valid_area_m2, polygon_area_m2
        As in :class:`ZoneClassAreas`, m².
    """

    zone_id: str
    weighted_sum: float
    weighted_count: float
    mean: float
    zone_area_m2: float
    valid_area_m2: float
    polygon_area_m2: float


@dataclass(frozen=True)
class ContinuousTable:
    """Continuous statistics of every zone, with the raster they came from (fields as in
    :class:`ClassAreaTable`)."""

    zones: tuple[ZoneContinuous, ...]
    raster_crs: str
    raster_path: str
    pixel_size: tuple[float, float]
    geographic: bool

    def by_zone(self, zone_id: str | int) -> ZoneContinuous:
        """The result of one zone; ``KeyError`` naming the known ids if there is no such zone."""
        wanted = str(zone_id)
        for zone in self.zones:
            if zone.zone_id == wanted:
                return zone
        raise KeyError(f"no zone {wanted!r}; zones are {[z.zone_id for z in self.zones]}")

    def to_frame(self) -> pd.DataFrame:
        """One row per zone: ``zone_id``, the statistics, ``valid_fraction`` and ``footprint_fraction``."""
        import pandas as pd

        frame = pd.DataFrame(
            [
                {
                    "zone_id": z.zone_id,
                    "weighted_sum": z.weighted_sum,
                    "weighted_count": z.weighted_count,
                    "mean": z.mean,
                    "zone_area_m2": z.zone_area_m2,
                    "valid_area_m2": z.valid_area_m2,
                    "polygon_area_m2": z.polygon_area_m2,
                    "valid_fraction": z.valid_fraction,
                    "footprint_fraction": z.footprint_fraction,
                }
                for z in self.zones
            ]
        )
        return frame.astype({"zone_id": "string"}) if len(frame) else frame


# --------------------------------------------------------------------------------------------------
# Exact coverage on the pixel grid


@dataclass(frozen=True)
class _Coverage:
    """Coverage of several zones on one grid: interior runs and boundary corrections (see module doc)."""

    run_row: NDArray[np.int64]
    run_c0: NDArray[np.int64]
    run_c1: NDArray[np.int64]
    run_zone: NDArray[np.int64]
    fix_row: NDArray[np.int64]
    fix_col: NDArray[np.int64]
    fix_zone: NDArray[np.int64]
    fix_frac: NDArray[np.float64]


def _ring_edges(
    geoms_pix: NDArray[np.object_],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Start and end points (pixel coordinates) of every ring edge, and the index of its zone."""
    geoms = shapely.orient_polygons(geoms_pix, exterior_cw=False)
    parts, part_zone = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_of_coord = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring_of_coord[:-1] == ring_of_coord[1:]
    start = coords[:-1][same_ring]
    end = coords[1:][same_ring]
    zone = part_zone[ring_part[ring_of_coord[:-1][same_ring]]]
    return start, end, zone.astype(np.int64)


def _split_at_lines(
    p0: NDArray[np.float64], p1: NDArray[np.float64], axis: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Split segments ``p0 → p1`` at every integer line of coordinate ``axis``.

    Returns the index of each piece's segment and the pieces' end points, in order along each segment.
    The pieces come out ordered by construction (crossings are generated in travel order), so no sort
    is needed; a point on a line gets the line's exact coordinate.
    """
    a0, a1 = p0[:, axis], p1[:, axis]
    first = np.floor(np.minimum(a0, a1)) + 1
    counts = np.maximum(np.ceil(np.maximum(a0, a1)) - first, 0).astype(np.int64)
    n_pieces = counts + 1
    seg = np.repeat(np.arange(len(p0)), n_pieces)
    j = np.arange(len(seg)) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    span = a1 - a0
    ascending = (span >= 0)[seg]
    safe_span = np.where(span == 0, 1.0, span)[seg]
    first_s, count_s, a0_s = first[seg], counts[seg], a0[seg]
    # The k-th crossing in travel order: lines ascend when the segment does, descend otherwise.
    line_start = np.where(ascending, first_s + j - 1, first_s + count_s - j)
    line_end = np.where(ascending, first_s + j, first_s + count_s - 1 - j)
    t_start = np.where(j == 0, 0.0, (line_start - a0_s) / safe_span)
    t_end = np.where(j == count_s, 1.0, (line_end - a0_s) / safe_span)
    delta = (p1 - p0)[seg]
    q0 = p0[seg] + t_start[:, None] * delta
    q1 = p0[seg] + t_end[:, None] * delta
    q0[:, axis] = np.where(j == 0, q0[:, axis], line_start)
    q1[:, axis] = np.where(j == count_s, q1[:, axis], line_end)
    return seg, q0, q1


def _coverage(geoms_pix: NDArray[np.object_], height: int, width: int) -> _Coverage:
    """Exact coverage of polygons given in pixel coordinates on a ``height × width`` grid."""
    empty_i = np.zeros(0, dtype=np.int64)
    start, end, edge_zone = _ring_edges(geoms_pix)
    if len(start) == 0:
        return _Coverage(empty_i, empty_i, empty_i, empty_i, empty_i, empty_i, empty_i, np.zeros(0))

    # Edge pieces inside cells: the ∫(v − r) du term of Green's theorem.
    row_piece_edge, r0, r1 = _split_at_lines(start, end, 1)
    cell_piece, p0, p1 = _split_at_lines(r0, r1, 0)
    piece_edge = row_piece_edge[cell_piece]
    mid = (p0 + p1) / 2
    cell_col = np.floor(mid[:, 0]).astype(np.int64)
    cell_row = np.floor(mid[:, 1]).astype(np.int64)
    piece_frac = -(p1[:, 0] - p0[:, 0]) * (mid[:, 1] - cell_row)
    piece_zone = edge_zone[piece_edge]

    # Crossings of each row's top line (just below it, so a vertex on the line counts as above): the
    # inside stretches of that line are the interior runs, with partial cells at their ends.
    v0, v1 = start[:, 1], end[:, 1]
    first_line = np.floor(np.minimum(v0, v1)) + 1
    counts = np.maximum(np.floor(np.maximum(v0, v1)) - first_line + 1, 0).astype(np.int64)
    edge = np.repeat(np.arange(len(start)), counts)
    line = first_line[edge] + (np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts))
    u_cross = start[edge, 0] + (line - v0[edge]) * (end[edge, 0] - start[edge, 0]) / (v1[edge] - v0[edge])
    cross_zone = edge_zone[edge]
    row_of_line = line.astype(np.int64) - 1
    on_grid = (row_of_line >= 0) & (row_of_line < height)
    u_cross, cross_zone, row_of_line = u_cross[on_grid], cross_zone[on_grid], row_of_line[on_grid]
    order = np.lexsort((u_cross, row_of_line, cross_zone))
    pairs_u = np.clip(u_cross[order].reshape(-1, 2), 0, width)
    pairs_row = row_of_line[order][0::2]
    pairs_zone = cross_zone[order][0::2]
    # Every closed ring crosses a line an even number of times, so consecutive crossings pair up.
    if len(order) % 2 or not (
        np.array_equal(row_of_line[order][1::2], pairs_row)
        and np.array_equal(cross_zone[order][1::2], pairs_zone)
    ):
        raise BoundaryError("a zone polygon has an unclosed ring; repair the geometry (shapely.make_valid)")
    ua, ub = pairs_u[:, 0], pairs_u[:, 1]
    full_c0 = np.ceil(ua).astype(np.int64)
    full_c1 = np.floor(ub).astype(np.int64)
    has_run = full_c1 > full_c0
    left = np.floor(ua).astype(np.int64)
    right = np.floor(ub).astype(np.int64)
    same_cell = (left == right) & (ub > ua)
    left_part = (left != right) & (ua > left)
    right_part = (left != right) & (ub > right)
    partial_row = np.concatenate([pairs_row[same_cell], pairs_row[left_part], pairs_row[right_part]])
    partial_col = np.concatenate([left[same_cell], left[left_part], right[right_part]])
    partial_zone = np.concatenate([pairs_zone[same_cell], pairs_zone[left_part], pairs_zone[right_part]])
    partial_frac = np.concatenate(
        [(ub - ua)[same_cell], (left + 1 - ua)[left_part], (ub - right)[right_part]]
    )

    # Corrections stay one entry per piece (they add up linearly); only those on the grid are kept.
    fix_row = np.concatenate([cell_row, partial_row])
    fix_col = np.concatenate([cell_col, partial_col])
    fix_zone = np.concatenate([piece_zone, partial_zone])
    fix_frac = np.concatenate([piece_frac, partial_frac])
    keep = (fix_row >= 0) & (fix_row < height) & (fix_col >= 0) & (fix_col < width) & (fix_frac != 0)
    return _Coverage(
        run_row=pairs_row[has_run],
        run_c0=full_c0[has_run],
        run_c1=full_c1[has_run],
        run_zone=pairs_zone[has_run],
        fix_row=fix_row[keep],
        fix_col=fix_col[keep],
        fix_zone=fix_zone[keep],
        fix_frac=fix_frac[keep],
    )


def _to_pixel_space(geoms: NDArray[np.object_], transform: Affine) -> NDArray[np.object_]:
    inverse = ~transform

    def to_pixels(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = xy[:, 0], xy[:, 1]
        return np.column_stack(
            [inverse.a * x + inverse.b * y + inverse.c, inverse.d * x + inverse.e * y + inverse.f]
        )

    return np.asarray(shapely.transform(geoms, to_pixels), dtype=object)


def _prepare_pixel_geoms(geoms_pix: NDArray[np.object_], height: int, width: int) -> NDArray[np.object_]:
    """Repair invalid polygons and cut off what lies far outside the grid (it cannot cover a pixel)."""
    geoms_pix = np.array(geoms_pix, dtype=object)
    invalid = ~shapely.is_valid(geoms_pix) & ~shapely.is_missing(geoms_pix)
    if invalid.any():
        geoms_pix[invalid] = shapely.make_valid(geoms_pix[invalid])
        # make_valid may add lines or points where a polygon collapses: keep only the areal parts.
        for i in np.flatnonzero(invalid):
            parts = shapely.get_parts(geoms_pix[i])
            areal = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
            geoms_pix[i] = shapely.multipolygons(shapely.get_parts(areal)) if len(areal) else None
    return _clip_to_grid(geoms_pix, height, width)


def _clip_to_grid(geoms_pix: NDArray[np.object_], height: int, width: int) -> NDArray[np.object_]:
    bounds = shapely.bounds(geoms_pix)
    outside = (
        (bounds[:, 0] < -1) | (bounds[:, 1] < -1) | (bounds[:, 2] > width + 1) | (bounds[:, 3] > height + 1)
    )
    if outside.any():
        # A pure-geometry clip: rings far off the grid would otherwise cost rows and pieces for nothing.
        frame = shapely.box(-1, -1, width + 1, height + 1)
        geoms_pix[outside] = shapely.intersection(geoms_pix[outside], frame)
    return geoms_pix


def coverage_fractions(geometry: Any, transform: Affine, shape: tuple[int, int]) -> NDArray[np.float64]:
    """Exact share (0–1) of each pixel's area inside a polygon, as a dense array.

    Meant for small windows and tests; :func:`zonal_class_areas` uses the same computation in a
    sparse form.

    Parameters
    ----------
    geometry
        A shapely Polygon or MultiPolygon in the grid's CRS.
    transform
        The grid's affine transform.
    shape
        ``(height, width)`` of the grid.

    Returns
    -------
    numpy.ndarray
        ``float64`` array of ``shape`` with each pixel's covered fraction.

    Examples
    --------
    >>> import shapely
    >>> from affine import Affine
    >>> square = shapely.box(0, 0, 15, 10)  # one and a half 10 m pixels of the top row
    >>> coverage_fractions(square, Affine(10, 0, 0, 0, -10, 20), (2, 2)).tolist()
    [[0.0, 0.0], [1.0, 0.5]]
    """
    height, width = shape
    geoms_pix = _prepare_pixel_geoms(_to_pixel_space(np.array([geometry], dtype=object), transform), *shape)
    cover = _coverage(geoms_pix, height, width)
    fractions = np.zeros(height * width + 1)
    # Runs as +1 at their start and −1 at their end of a row-major difference array.
    np.add.at(fractions, cover.run_row * width + cover.run_c0, 1.0)
    np.add.at(fractions, cover.run_row * width + cover.run_c1, -1.0)
    dense = np.cumsum(fractions[:-1]).reshape(height, width)
    np.add.at(dense, (cover.fix_row, cover.fix_col), cover.fix_frac)
    return np.clip(dense, 0.0, 1.0)


# --------------------------------------------------------------------------------------------------
# Zones


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
class _Zones:
    ids: tuple[str, ...]
    geoms: NDArray[np.object_]  # in the raster CRS
    original_crs: str
    original_bounds: NDArray[np.float64]


def _zones_in_raster_crs(zones: gpd.GeoDataFrame, zone_id: str, raster_crs: Any) -> _Zones:
    from pyproj import CRS

    if zones.crs is None:
        raise CRSError(
            f"the zones have no CRS, so they cannot be laid on the raster (CRS {_crs_name(raster_crs)}); "
            "set the zones' CRS first (GeoDataFrame.set_crs)"
        )
    if zone_id not in zones.columns:
        raise BoundaryError(f"the zones have no column {zone_id!r}; columns are {list(zones.columns)}")
    ids = tuple(str(v) for v in zones[zone_id])
    if len(set(ids)) != len(ids):
        duplicated = sorted(i for i, n in Counter(ids).items() if n > 1)
        raise BoundaryError(f"zone ids in column {zone_id!r} are not unique: {duplicated}")
    types = set(zones.geometry.dropna().geom_type)
    if not types <= {"Polygon", "MultiPolygon"}:
        raise BoundaryError(f"zones must be polygons; got {sorted(types)}")
    target = CRS.from_user_input(raster_crs.to_wkt() if hasattr(raster_crs, "to_wkt") else raster_crs)
    original_bounds = np.asarray(zones.total_bounds, dtype=np.float64)
    projected = zones.geometry if zones.crs == target else zones.geometry.to_crs(target)
    return _Zones(
        ids=ids,
        geoms=np.asarray(projected.values, dtype=object),
        original_crs=_crs_name(zones.crs),
        original_bounds=original_bounds,
    )


# --------------------------------------------------------------------------------------------------
# Block plan


@dataclass(frozen=True)
class _Grid:
    height: int
    width: int
    chunk_h: int
    chunk_w: int

    @property
    def n_chunk_cols(self) -> int:
        return -(-self.width // self.chunk_w)

    @property
    def n_chunk_rows(self) -> int:
        return -(-self.height // self.chunk_h)

    def chunk_of(self, row: NDArray[np.int64], col: NDArray[np.int64]) -> NDArray[np.int64]:
        return (row // self.chunk_h) * self.n_chunk_cols + col // self.chunk_w


def _layers(cover: _Coverage, n_zones: int, width: int) -> NDArray[np.int64]:
    """Assign each zone a layer such that runs of one layer never overlap (greedy colouring)."""
    layer = np.zeros(n_zones, dtype=np.int64)
    if len(cover.run_row) == 0 or not _runs_overlap(cover.run_row, cover.run_c0, cover.run_c1, width):
        return layer
    # Candidate pairs from the runs' bounding boxes, confirmed on the runs themselves.
    box = np.full((n_zones, 4), np.nan)
    for k, (values, reducer) in enumerate(
        [(cover.run_c0, np.fmin), (cover.run_row, np.fmin), (cover.run_c1, np.fmax), (cover.run_row, np.fmax)]
    ):
        reducer.at(box[:, k], cover.run_zone, values.astype(np.float64))
    has_runs = ~np.isnan(box[:, 0])
    boxes = shapely.box(box[:, 0], box[:, 1], box[:, 2] - 0.5, box[:, 3] + 0.5)
    boxes[~has_runs] = None
    tree = shapely.STRtree(boxes)
    left, right = tree.query(boxes, predicate="intersects")
    candidate = left < right
    order = np.argsort(cover.run_zone, kind="stable")
    bounds = np.searchsorted(cover.run_zone[order], np.arange(n_zones + 1))
    conflicts: dict[int, set[int]] = {}
    for a, b in zip(left[candidate], right[candidate], strict=True):
        sel = np.concatenate([order[bounds[a] : bounds[a + 1]], order[bounds[b] : bounds[b + 1]]])
        if _runs_overlap(cover.run_row[sel], cover.run_c0[sel], cover.run_c1[sel], width):
            conflicts.setdefault(int(a), set()).add(int(b))
            conflicts.setdefault(int(b), set()).add(int(a))
    for zone in range(n_zones):
        taken = {int(layer[other]) for other in conflicts.get(zone, ()) if other < zone}
        layer[zone] = next(k for k in range(n_zones + 1) if k not in taken)
    return layer


def _runs_overlap(row: NDArray[np.int64], c0: NDArray[np.int64], c1: NDArray[np.int64], width: int) -> bool:
    order = np.lexsort((c0, row))
    start = row[order] * (width + 1) + c0[order]
    end = row[order] * (width + 1) + c1[order]
    reach = np.maximum.accumulate(end)
    return bool(np.any(start[1:] < reach[:-1]))


@dataclass(frozen=True)
class _ChunkWork:
    """What one chunk needs: a label sequence per layer, and the boundary corrections."""

    labels: tuple[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]], ...]
    fix_row: NDArray[np.int64]
    fix_col: NDArray[np.int64]
    fix_zone: NDArray[np.int64]
    fix_frac: NDArray[np.float64]

    @property
    def empty(self) -> bool:
        return not self.labels and len(self.fix_row) == 0


class _Plan:
    """Runs cut at chunk edges, and corrections, both sorted by chunk: each chunk's share is a slice."""

    def __init__(self, cover: _Coverage, layer: NDArray[np.int64], grid: _Grid) -> None:
        self.grid = grid
        self.n_zones = len(layer)
        self.n_layers = int(layer.max(initial=0)) + 1
        n_chunks = grid.n_chunk_rows * grid.n_chunk_cols
        # A run over several chunk columns becomes one piece per chunk.
        first_col = cover.run_c0 // grid.chunk_w
        pieces = (cover.run_c1 - 1) // grid.chunk_w - first_col + 1
        run = np.repeat(np.arange(len(pieces)), pieces)
        chunk_col = first_col[run] + np.arange(len(run)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        row, zone = cover.run_row[run], cover.run_zone[run]
        c0 = np.maximum(cover.run_c0[run], chunk_col * grid.chunk_w)
        c1 = np.minimum(cover.run_c1[run], (chunk_col + 1) * grid.chunk_w)
        key = layer[zone] * n_chunks + (row // grid.chunk_h) * grid.n_chunk_cols + chunk_col
        # By (layer, chunk), then position in the raster; pieces of one layer never share a pixel.
        order = np.argsort(key * (grid.height * grid.width) + row * grid.width + c0)
        self.run_key, self.run_row, self.run_zone = key[order], row[order], zone[order]
        self.run_c0, self.run_c1 = c0[order], c1[order]
        self.layer_keys = np.arange(self.n_layers) * n_chunks
        fix_chunk = grid.chunk_of(cover.fix_row, cover.fix_col)
        # Small integer keys sort by radix in O(n).
        sort_key = fix_chunk.astype(np.uint16) if fix_chunk.max(initial=0) < 1 << 16 else fix_chunk
        order = np.argsort(sort_key, kind="stable")
        # Corrections are the bulk of a plan (~1e6 per 1e9 px): positions are kept in 32 bits.
        self.fix_chunk = fix_chunk[order]  # searched per chunk: kept in the type of the search key
        self.fix_row, self.fix_col = (
            cover.fix_row[order].astype(np.int32),
            cover.fix_col[order].astype(np.int32),
        )
        self.fix_zone, self.fix_frac = cover.fix_zone[order].astype(np.int32), cover.fix_frac[order]

    def work(self, chunk: int, row_off: int, col_off: int, h: int, w: int) -> _ChunkWork:
        labels = []
        starts = np.searchsorted(self.run_key, self.layer_keys + chunk)
        ends = np.searchsorted(self.run_key, self.layer_keys + chunk + 1)
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
            if hi == lo:
                continue
            c0, c1 = self.run_c0[lo:hi] - col_off, self.run_c1[lo:hi] - col_off
            flat_start = (self.run_row[lo:hi] - row_off) * w + c0
            flat_end = flat_start + (c1 - c0)
            zones, local = _compact(self.run_zone[lo:hi], self.n_zones)
            # Alternating gap/run lengths, for one np.repeat that paints the chunk's labels.
            lengths = np.empty(2 * len(flat_start) + 1, dtype=np.int64)
            lengths[0] = flat_start[0]
            lengths[1:-1:2] = flat_end - flat_start
            lengths[2:-1:2] = flat_start[1:] - flat_end[:-1]
            lengths[-1] = h * w - flat_end[-1]
            values = np.zeros(len(lengths), dtype=np.int64)
            values[1::2] = local.ravel() + 1
            labels.append((zones, values, lengths))
        lo, hi = np.searchsorted(self.fix_chunk, [chunk, chunk + 1])
        return _ChunkWork(
            labels=tuple(labels),
            fix_row=self.fix_row[lo:hi].astype(np.int64) - row_off,
            fix_col=self.fix_col[lo:hi].astype(np.int64) - col_off,
            fix_zone=self.fix_zone[lo:hi].astype(np.int64),
            fix_frac=self.fix_frac[lo:hi],
        )


def _compact(ids: NDArray[np.int64], n_ids: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The distinct values of ``ids`` (all in ``[0, n_ids)``) and the index of each id among them.

    ``np.unique(ids, return_inverse=True)`` without its sort, when ``n_ids`` is small.
    """
    if n_ids > 1 << 12:
        distinct, local = np.unique(ids, return_inverse=True)
        return distinct, local.ravel()
    present = np.bincount(ids, minlength=n_ids) > 0
    return np.flatnonzero(present), (np.cumsum(present) - 1)[ids]


def _chunks(src: rasterio.DatasetReader, band: int) -> tuple[_Grid, list[tuple[int, Any, int]]]:
    """Read windows along the internal blocks: (chunk id, window, blocks in it)."""
    from rasterio.windows import Window

    block_h, block_w = src.block_shapes[band - 1]
    height, width = src.height, src.width
    blocks = list(src.block_windows(band))
    if block_w >= width and block_h * width < _MIN_CHUNK_PIXELS:
        # Full-width strips (untiled GeoTIFFs): read several at once; memory stays one chunk.
        per_chunk = max(1, _MIN_CHUNK_PIXELS // (block_h * width))
        chunk_h = block_h * per_chunk
        grid = _Grid(height, width, chunk_h, width)
        windows = []
        for k, row_off in enumerate(range(0, height, chunk_h)):
            h = min(chunk_h, height - row_off)
            windows.append((k, Window(0, row_off, width, h), -(-h // block_h)))
        return grid, windows
    grid = _Grid(height, width, block_h, block_w)
    n_cols = grid.n_chunk_cols
    windows = [(int(w.row_off) // block_h * n_cols + int(w.col_off) // block_w, w, 1) for _, w in blocks]
    return grid, windows


# --------------------------------------------------------------------------------------------------
# Regions: rectangles of whole chunks, the unit of work (the whole raster on one machine; a group of
# tiles per task on a cluster, see analysis.distributed)


@dataclass(frozen=True)
class _Region:
    """A rectangle of whole chunks of the raster, at ``(row_off, col_off)``, with its own chunk grid.

    ``windows`` are ``(chunk id in this region's grid, window in the raster, blocks in it)``.
    """

    row_off: int
    col_off: int
    grid: _Grid
    windows: tuple[tuple[int, Any, int], ...]


def _whole_region(grid: _Grid, windows: list[tuple[int, Any, int]]) -> _Region:
    return _Region(0, 0, grid, tuple(windows))


def _split_regions(
    grid: _Grid, windows: list[tuple[int, Any, int]], side_r: int, side_c: int
) -> list[_Region]:
    """Group the chunks into rectangles of ``side_r × side_c`` chunks (smaller at the edges)."""
    n_rows, n_cols = grid.n_chunk_rows, grid.n_chunk_cols
    by_id = {chunk: (window, n_blocks) for chunk, window, n_blocks in windows}
    regions = []
    for cr0 in range(0, n_rows, side_r):
        for cc0 in range(0, n_cols, side_c):
            cr1, cc1 = min(cr0 + side_r, n_rows), min(cc0 + side_c, n_cols)
            row_off, col_off = cr0 * grid.chunk_h, cc0 * grid.chunk_w
            height = min(cr1 * grid.chunk_h, grid.height) - row_off
            width = min(cc1 * grid.chunk_w, grid.width) - col_off
            sub = _Grid(height, width, grid.chunk_h, grid.chunk_w)
            region_windows = tuple(
                ((r - cr0) * sub.n_chunk_cols + (c - cc0), *by_id[r * n_cols + c])
                for r in range(cr0, cr1)
                for c in range(cc0, cc1)
                if r * n_cols + c in by_id
            )
            regions.append(_Region(row_off, col_off, sub, region_windows))
    return regions


def _bands(grid: _Grid, windows: list[tuple[int, Any, int]], geoms_pix: NDArray[np.object_]) -> list[_Region]:
    """The whole raster as one region, or as bands of whole chunk rows when the zones' perimeter is long."""
    perimeter = float(
        np.sum(np.nan_to_num(shapely.length(geoms_pix)) + shapely.get_num_coordinates(geoms_pix))
    )
    n_bands = min(grid.n_chunk_rows, max(1, math.ceil(perimeter / _BAND_PERIMETER_PIXELS)))
    if n_bands == 1:
        return [_whole_region(grid, windows)]
    return _split_regions(grid, windows, -(-grid.n_chunk_rows // n_bands), grid.n_chunk_cols)


def _region_zones(
    geoms_pix: NDArray[np.object_], regions: list[_Region]
) -> Iterator[tuple[_Region, NDArray[np.intp]]]:
    """Each region that has chunks, with the zones whose bounding boxes reach within a pixel of it."""
    tree = shapely.STRtree(geoms_pix)
    for region in regions:
        if not region.windows:
            continue
        frame = shapely.box(
            region.col_off - 1,
            region.row_off - 1,
            region.col_off + region.grid.width + 1,
            region.row_off + region.grid.height + 1,
        )
        zone_index = np.sort(tree.query(frame))
        if len(zone_index):
            yield region, zone_index


@dataclass(frozen=True)
class _RegionPlan:
    """The zones' exact coverage of one region, laid out per chunk; ``zone_area`` in m² per zone."""

    region: _Region
    plan: _Plan
    zone_area: NDArray[np.float64]


def _plan_region(geoms_pix: NDArray[np.object_], areas: PixelAreas, region: _Region) -> _RegionPlan:
    """Coverage of the zones (pixel coordinates of the whole raster) inside ``region``.

    ``areas`` holds the pixel areas of the whole raster. On the whole raster this is the coverage
    itself; on a smaller region the polygons are shifted to its origin (exact: integer offsets) and cut
    a pixel beyond its edges, so the cells inside get the same fractions.
    """
    height, width = region.grid.height, region.grid.width
    if region.row_off or region.col_off:
        offset = np.array([region.col_off, region.row_off], dtype=np.float64)
        geoms_pix = np.asarray(shapely.transform(geoms_pix, lambda xy: xy - offset), dtype=object)
    geoms_pix = _clip_to_grid(np.array(geoms_pix, dtype=object), height, width)
    cover = _coverage(geoms_pix, height, width)
    n_zones = len(geoms_pix)
    row_off, col_off = region.row_off, region.col_off
    run_area = areas.run_sums(cover.run_row + row_off, cover.run_c0 + col_off, cover.run_c1 + col_off)
    zone_area = np.bincount(cover.run_zone, weights=run_area, minlength=n_zones).astype(np.float64)
    fix_area = areas.at(cover.fix_row + row_off, cover.fix_col + col_off)
    zone_area += np.bincount(cover.fix_zone, weights=cover.fix_frac * fix_area, minlength=n_zones)
    plan = _Plan(cover, _layers(cover, n_zones, width), region.grid)
    return _RegionPlan(region, plan, zone_area)


# --------------------------------------------------------------------------------------------------
# The engine


@dataclass(frozen=True)
class _Prepared:
    """The zones laid on the raster's pixel grid, and what the results need besides the counts."""

    zones: _Zones
    geoms_pix: NDArray[np.object_]  # repaired and cut to the grid, in the whole raster's pixel coordinates
    areas: PixelAreas
    polygon_area: NDArray[np.float64]
    geographic: bool
    crs_text: str
    pixel_size: tuple[float, float]
    overlap_message: str

    def no_overlap(self) -> CRSError:
        return CRSError(self.overlap_message)


def _prepare(src: rasterio.DatasetReader, zones: gpd.GeoDataFrame, zone_id: str, band: int) -> _Prepared:
    from pyproj import CRS

    if not 1 <= band <= src.count:
        raise DataFileError(f"{src.name}: no band {band}; the raster has {src.count}")
    if src.crs is None:
        raise CRSError(f"{src.name} has no CRS, so zones cannot be laid on it; assign its CRS first")
    raster_crs = CRS.from_wkt(src.crs.to_wkt())
    zset = _zones_in_raster_crs(zones, zone_id, raster_crs)
    geographic = bool(raster_crs.is_geographic)
    height, width = src.height, src.width

    geoms_pix = _to_pixel_space(zset.geoms, src.transform)
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
    return _Prepared(
        zones=zset,
        geoms_pix=_prepare_pixel_geoms(geoms_pix, height, width),
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


def _open(raster_path: str | PathLike[str]) -> rasterio.DatasetReader:
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        return rasterio.open(raster_path)
    except RasterioIOError as exc:
        raise LayerReadError(f"cannot read the raster {raster_path}: {exc}") from exc


def _needs_mask(src: rasterio.DatasetReader, band: int) -> bool:
    """Whether validity comes from a mask band (alpha or per-dataset), not only a nodata value."""
    from rasterio.enums import MaskFlags

    flags = src.mask_flag_enums[band - 1]
    return MaskFlags.per_dataset in flags or MaskFlags.alpha in flags


def _iter_chunks(
    src: rasterio.DatasetReader,
    rplan: _RegionPlan,
    areas: PixelAreas,
    band: int,
    progress: Progress | None,
) -> Iterator[tuple[_ChunkWork, NDArray[Any], NDArray[np.bool_] | None, _ChunkAreas, int, int]]:
    """Yield each chunk of a region that touches a zone with its pixels, mask (or None) and pixel areas.

    ``areas`` covers the whole raster; pixel positions in the yielded work are relative to the chunk.
    """
    import rasterio

    region = rplan.region
    total = sum(n for _, _, n in region.windows)
    done = 0
    use_mask = _needs_mask(src, band)
    if progress is not None:
        progress(0, total)
    with rasterio.Env(GDAL_CACHEMAX=_GDAL_CACHE_MB):
        for chunk, window, n_blocks in region.windows:
            row_off, col_off = int(window.row_off), int(window.col_off)
            h, w = int(window.height), int(window.width)
            work = rplan.plan.work(chunk, row_off - region.row_off, col_off - region.col_off, h, w)
            if not work.empty:
                data, mask = _read_window(src, band, window, use_mask)
                yield work, data, mask, _ChunkAreas(areas, row_off, col_off, h, w), h, w
            done += n_blocks
            if progress is not None:
                progress(done, total)


def _read_window(
    src: rasterio.DatasetReader, band: int, window: Any, use_mask: bool
) -> tuple[NDArray[Any], NDArray[np.bool_] | None]:
    """One window's pixels and validity mask; a block GDAL cannot decode is an error naming the file."""
    from rasterio.errors import RasterioError

    try:
        data = src.read(band, window=window)
        mask = src.read_masks(band, window=window) > 0 if use_mask else None
    except RasterioError as exc:
        reason = str(exc.__cause__ if exc.__cause__ is not None else exc)
        raise LayerReadError(
            f"{src.name}: cannot read the pixels at rows {int(window.row_off):,}–"
            f"{int(window.row_off + window.height):,}, columns {int(window.col_off):,}–"
            f"{int(window.col_off + window.width):,} ({reason}); the file is truncated or damaged. "
            "`geoplan check landcover FILE` decodes every block of a raster before it is used"
        ) from exc
    return data, mask


def _class_keys(
    data: NDArray[Any], mask: NDArray[np.bool_] | None
) -> tuple[NDArray[Any], NDArray[Any], int | None]:
    """Map pixels to small class indices: (index per pixel, code of each index, index of invalid pixels).

    8-bit data is its own index (no pass at all); other data is compacted with ``np.unique``. Invalid
    pixels (masked or NaN) get one extra index, whose counts are dropped.
    """
    if data.dtype == np.uint8 and mask is None:
        return data.ravel(), np.arange(256), None
    flat = data.ravel()
    invalid = np.zeros(flat.shape, dtype=bool) if mask is None else ~mask.ravel()
    if np.issubdtype(flat.dtype, np.floating):
        invalid |= np.isnan(flat)
    codes, index = np.unique(np.where(invalid, 0, flat), return_inverse=True)
    index = index.ravel()
    if invalid.any():
        index = np.where(invalid, len(codes), index)
        return index, np.append(codes, 0), len(codes)
    return index, codes, None


@dataclass(frozen=True)
class _ChunkAreas:
    """The pixel areas (m²) of one chunk at ``(row_off, col_off)``; positions relative to the chunk."""

    areas: PixelAreas
    row_off: int
    col_off: int
    h: int
    w: int

    @property
    def uniform(self) -> float | None:
        return self.areas.uniform

    def pixels(self) -> NDArray[np.float64]:
        """Every pixel's area, row-major, as a flat array."""
        return self.areas.block(self.row_off, self.col_off, self.h, self.w).ravel()

    def at(self, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.float64]:
        return self.areas.at(rows + self.row_off, cols + self.col_off)


def _count_keys(
    values: NDArray[np.int64],
    lengths: NDArray[np.int64],
    index: NDArray[Any],
    n_labels: int,
    n_codes: int,
    weights: NDArray[np.float64] | None,
) -> NDArray[np.float64]:
    """Pixels (or weights) per (label, class index), as an ``n_labels × n_codes`` array.

    The labels are runs: ``values`` repeated ``lengths`` times, alternating gap (label 0, not counted)
    and run. Only pixels between the first and last run are keyed, or, when the runs cover little of
    the block (small zones), only the runs' pixels, gathered. Neighbouring pixels mostly share a class,
    so a plain ``np.bincount`` keeps adding to one counter and waits on its own last store; pixel ``k``
    goes to copy ``k mod _LANES`` of the table instead, and the copies are summed. Row 0 (gaps) of the
    result is not meaningful.
    """
    n_bins = n_labels * n_codes
    lanes = _LANES if n_bins <= _MAX_LANED_BINS else 1
    key_type = np.min_scalar_type(n_bins * lanes)
    run_lengths = lengths[1::2]
    covered = int(run_lengths.sum())
    if covered * 4 < len(index):
        run_starts = np.cumsum(lengths)[0:-1:2]
        at = np.repeat(run_starts - (np.cumsum(run_lengths) - run_lengths), run_lengths) + np.arange(covered)
        key = np.repeat((values[1::2] * n_codes).astype(key_type), run_lengths)
        np.add(key, index[at], out=key, casting="unsafe")
        weights = None if weights is None else weights[at]
    else:
        first, end = int(lengths[0]), len(index) - int(lengths[-1])
        key = np.repeat((values[1:-1] * n_codes).astype(key_type), lengths[1:-1])
        np.add(key, index[first:end], out=key, casting="unsafe")
        weights = None if weights is None else weights[first:end]
    if lanes > 1:
        np.multiply(key, lanes, out=key, casting="unsafe")
        capacity = 1 << max(18, (len(key) - 1).bit_length())
        np.add(key, _lane_of_pixel(key_type, lanes, capacity)[: len(key)], out=key)
    counted = np.bincount(key, weights=weights, minlength=n_bins * lanes)
    return counted.reshape(n_labels, n_codes, lanes).sum(axis=2, dtype=np.float64)


@functools.lru_cache(maxsize=8)
def _lane_of_pixel(dtype: np.dtype[Any], lanes: int, capacity: int) -> NDArray[Any]:
    """``0, 1, …, lanes − 1`` repeated to ``capacity`` (made once, sliced for each block)."""
    lane = np.resize(np.arange(lanes, dtype=dtype), capacity)
    lane.flags.writeable = False
    return lane


def _count_classes(
    index: NDArray[Any], weights: NDArray[np.float64] | None, n_codes: int, likely: NDArray[np.intp]
) -> NDArray[np.float64]:
    """Pixels per class index; tries the few classes seen so far first.

    Land cover has about ten classes, and ten vectorised comparisons cost about a third of one
    ``np.bincount`` over 8-bit data (which first widens every pixel to 64 bits). If the likely
    classes do not account for every pixel, fall back to ``np.bincount``.
    """
    if weights is None and 0 < len(likely) <= 16:
        counts = np.zeros(n_codes)
        as_pixel_type = index.dtype.type
        for code_index in likely:
            # Compare in the pixels' own type: a Python/intp scalar would widen every pixel first.
            counts[code_index] = np.count_nonzero(index == as_pixel_type(code_index))
        if counts.sum() == index.size:
            return counts
    return np.bincount(index, weights=weights, minlength=n_codes).astype(np.float64, copy=False)


def _count_region_classes(
    src: rasterio.DatasetReader,
    band: int,
    rplan: _RegionPlan,
    areas: PixelAreas,
    progress: Progress | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[Any], NDArray[np.float64]]:
    """Class areas of one region: ``(zone_area, zone, code, area)``, the last three as flat entries.

    ``zone_area`` is each zone's on-grid area inside the region (m²); the entries may repeat a
    ``(zone, code)`` pair and include nodata codes, both of which :func:`_class_table` resolves. This is
    the whole computation of one task on a cluster, and of the single pass on one machine.
    """
    out_zone: list[NDArray[np.int64]] = []
    out_code: list[NDArray[Any]] = []
    out_area: list[NDArray[np.float64]] = []
    seen_codes: NDArray[np.intp] = np.zeros(0, dtype=np.intp)
    for work, data, mask, chunk_areas, h, w in _iter_chunks(src, rplan, areas, band, progress):
        index, codes, invalid_index = _class_keys(data, mask)
        if len(seen_codes) and seen_codes[-1] >= len(codes):
            seen_codes = np.zeros(0, dtype=np.intp)
        n_codes = len(codes)
        # Pixels of equal area are counted, then scaled; others weigh their own area.
        pixel_weights = None if chunk_areas.uniform is not None else chunk_areas.pixels()
        for zones_here, values, lengths in work.labels:
            n_labels = len(zones_here) + 1
            if n_labels * n_codes > _MAX_DIRECT_BINS:
                raise DataFileError(
                    f"{src.name}: too many distinct values ({n_codes}) in a block for a categorical"
                    " raster; is it a continuous raster?"
                )
            bins: NDArray[np.float64] = np.zeros((n_labels, n_codes))
            if n_labels == 2 and int(lengths[1::2].sum()) == h * w:
                # The chunk lies wholly in one zone: the class index alone is the key.
                bins[1] = _count_classes(index, pixel_weights, n_codes, seen_codes)
                seen_codes = np.flatnonzero(bins[1])
            else:
                bins = _count_keys(values, lengths, index, n_labels, n_codes, pixel_weights)
            if chunk_areas.uniform is not None:
                bins = bins * chunk_areas.uniform
            if invalid_index is not None:
                bins[:, invalid_index] = 0.0
            zl, ci = np.nonzero(bins[1:])
            out_zone.append(zones_here[zl])
            out_code.append(codes[ci])
            out_area.append(bins[1:][zl, ci])
        if len(work.fix_row):
            at = index[work.fix_row * w + work.fix_col]
            area = work.fix_frac * chunk_areas.at(work.fix_row, work.fix_col)
            if invalid_index is not None:
                area = np.where(at == invalid_index, 0.0, area)
            # Hundreds of corrections per chunk, but few (zone, class) pairs: sum them here.
            fix_zones, fix_local = _compact(work.fix_zone, len(rplan.zone_area))
            summed = np.bincount(
                fix_local.ravel() * n_codes + at, weights=area, minlength=len(fix_zones) * n_codes
            ).astype(np.float64, copy=False)
            pair = np.flatnonzero(summed)
            out_zone.append(fix_zones[pair // n_codes])
            out_code.append(codes[pair % n_codes])
            out_area.append(summed[pair])
    if not out_zone:
        return rplan.zone_area, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return rplan.zone_area, np.concatenate(out_zone), np.concatenate(out_code), np.concatenate(out_area)


def zonal_class_areas(
    raster_path: str | PathLike[str],
    zones: gpd.GeoDataFrame,
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
        Polygons in any CRS; they are reprojected to the raster's CRS. Zones may overlap.
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
    with _open(raster_path) as src:
        prepared = _prepare(src, zones, zone_id, band)
        zone_area = np.zeros(len(prepared.zones.ids))
        parts: list[tuple[NDArray[np.int64], NDArray[Any], NDArray[np.float64]]] = []
        for rplan, zone_index, region_progress in _planned_regions(src, prepared, band, progress):
            area_here, zone, code, area = _count_region_classes(
                src, band, rplan, prepared.areas, region_progress
            )
            zone_area[zone_index] += area_here
            parts.append((zone_index[zone], code, area))
        if len(zone_area) and not np.any(zone_area > 0):
            raise prepared.no_overlap()
        return _class_table(
            prepared, zone_area, src.nodatavals[band - 1], *_concatenated(parts), str(raster_path)
        )


def _planned_regions(
    src: rasterio.DatasetReader, prepared: _Prepared, band: int, progress: Progress | None
) -> Iterator[tuple[_RegionPlan, NDArray[np.intp], Progress | None]]:
    """Plan the regions of one pass in turn: the whole raster, or bands of it when the zones' perimeter
    is long. Yields each plan, the zones it covers (indices into ``prepared``) and the progress callback
    for its chunks, counting over the whole raster."""
    grid, windows = _chunks(src, band)
    regions = list(_region_zones(prepared.geoms_pix, _bands(grid, windows, prepared.geoms_pix)))
    total = sum(n for region, _ in regions for _, _, n in region.windows)
    done = 0
    for region, zone_index in regions:
        rplan = _plan_region(prepared.geoms_pix[zone_index], prepared.areas, region)
        yield rplan, zone_index, None if progress is None else _shifted(progress, done, total)
        done += sum(n for _, _, n in region.windows)


def _shifted(progress: Progress, done_before: int, total: int) -> Progress:
    """Progress of one region reported as progress of the whole raster."""
    return lambda done, _region_total: progress(done_before + done, total)


def _concatenated(
    parts: list[tuple[NDArray[np.int64], NDArray[Any], NDArray[np.float64]]],
) -> tuple[NDArray[np.int64], NDArray[Any], NDArray[np.float64]]:
    """Flat ``(zone, code, area)`` entries of several regions as one set of arrays."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    zone, code, area = zip(*parts, strict=True)
    return np.concatenate(zone), np.concatenate(code), np.concatenate(area)


def _class_table(
    prepared: _Prepared,
    zone_area: NDArray[np.float64],
    nodata: float | None,
    zone: NDArray[np.int64],
    code: NDArray[Any],
    area: NDArray[np.float64],
    raster_path: str,
) -> ClassAreaTable:
    """Sum flat ``(zone, code, area)`` entries into the result table, leaving nodata out."""
    n_zones = len(prepared.zones.ids)
    per_zone: list[dict[int, float]] = [{} for _ in range(n_zones)]
    valid_area = np.zeros(n_zones)
    # Boundary corrections are sums of ± terms; rounding leaves crumbs of ~1e-13 pixel that are noise.
    crumb = 1e-9 * prepared.areas.max()
    if len(zone):
        keep = np.ones(len(code), dtype=bool) if nodata is None else code != nodata
        if np.issubdtype(code.dtype, np.floating):
            keep &= ~np.isnan(code)
            if np.any(keep & (code != np.round(code))):
                raise DataFileError(f"{raster_path}: a categorical raster must hold whole-number class codes")
        zone, code, area = zone[keep], code[keep].astype(np.int64), area[keep]
        # Codes are small non-negative integers in every shipped scheme: then a direct bincount.
        low, high = (int(code.min()), int(code.max())) if len(code) else (0, 0)
        if low >= 0 and n_zones * (high + 1) <= _MAX_DIRECT_BINS:
            all_codes, code_index = np.arange(high + 1), code
        else:
            all_codes, code_index = np.unique(code, return_inverse=True)
        n_codes = len(all_codes)
        summed = np.bincount(zone * n_codes + code_index.ravel(), weights=area, minlength=n_zones * n_codes)
        z_nz, c_nz = np.nonzero(summed.reshape(n_zones, n_codes) > crumb)
        for z, c in zip(z_nz.tolist(), c_nz.tolist(), strict=True):
            per_zone[z][int(all_codes[c])] = float(summed[z * n_codes + c])
        valid_area = np.array([sum(d.values()) for d in per_zone])
    results = tuple(
        ZoneClassAreas(
            zone_id=zid,
            class_area_m2=dict(sorted(per_zone[i].items())),
            zone_area_m2=float(zone_area[i]),
            valid_area_m2=float(valid_area[i]),
            polygon_area_m2=float(prepared.polygon_area[i]),
        )
        for i, zid in enumerate(prepared.zones.ids)
    )
    return ClassAreaTable(
        zones=results,
        raster_crs=prepared.crs_text,
        raster_path=raster_path,
        pixel_size=prepared.pixel_size,
        geographic=prepared.geographic,
    )


def zonal_continuous(
    raster_path: str | PathLike[str],
    zones: gpd.GeoDataFrame,
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
    with _open(raster_path) as src:
        setup = _prepare(src, zones, zone_id, band)
        nodata = src.nodatavals[band - 1]
        n_zones = len(setup.zones.ids)
        # Σ f·v, Σ f (valid), Σ f·A·v, Σ f·A (valid), per zone.
        totals = np.zeros((4, n_zones))
        zone_area = np.zeros(n_zones)
        for rplan, zone_index, region_progress in _planned_regions(src, setup, band, progress):
            zone_area[zone_index] += rplan.zone_area
            _add_continuous(totals, zone_index, src, rplan, setup.areas, band, nodata, region_progress)
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


def _add_continuous(
    totals: NDArray[np.float64],
    zone_index: NDArray[np.intp],
    src: rasterio.DatasetReader,
    rplan: _RegionPlan,
    areas: PixelAreas,
    band: int,
    nodata: float | None,
    progress: Progress | None,
) -> None:
    """Add one region's Σ f·v, Σ f, Σ f·A·v and Σ f·A per zone to ``totals`` (rows 0–3)."""
    for work, data, mask, chunk_areas, _h, w in _iter_chunks(src, rplan, areas, band, progress):
        flat = data.ravel()
        valid = np.ones(flat.shape, dtype=bool) if mask is None else mask.ravel()
        if nodata is not None and not (isinstance(nodata, float) and math.isnan(nodata)):
            valid &= flat != nodata
        if np.issubdtype(flat.dtype, np.floating):
            valid &= ~np.isnan(flat)
        values = np.where(valid, flat, 0).astype(np.float64)
        pixel_area = chunk_areas.pixels()
        for zones_here, label_values, lengths in work.labels:
            label = np.repeat(label_values, lengths)
            n_labels = len(zones_here) + 1
            for k, weights in enumerate(
                (values, valid.astype(np.float64), values * pixel_area, valid * pixel_area)
            ):
                totals[k, zone_index[zones_here]] += np.bincount(label, weights=weights, minlength=n_labels)[
                    1:
                ]
        if len(work.fix_row):
            at = work.fix_row * w + work.fix_col
            frac = work.fix_frac
            a = chunk_areas.at(work.fix_row, work.fix_col)
            for k, weights in enumerate(
                (frac * values[at], frac * valid[at], frac * a * values[at], frac * a * valid[at])
            ):
                np.add.at(totals[k], zone_index[work.fix_zone], weights)
