"""Exact coverage of polygons on a pixel grid, computed once per zone before any pixel is read.

The coverage is represented as

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
row counts within a region (:mod:`analysis.zonal.planning`), never to the raster's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from affine import Affine

from wuxi_atlas.analysis.errors import BoundaryError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "Coverage",
    "clip_to_grid",
    "coverage_fractions",
    "exact_coverage",
    "prepare_pixel_geoms",
    "to_pixel_space",
]


@dataclass(frozen=True)
class Coverage:
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


def exact_coverage(geoms_pix: NDArray[np.object_], height: int, width: int) -> Coverage:
    """Exact coverage of polygons given in pixel coordinates on a ``height × width`` grid."""
    empty_i = np.zeros(0, dtype=np.int64)
    start, end, edge_zone = _ring_edges(geoms_pix)
    if len(start) == 0:
        return Coverage(empty_i, empty_i, empty_i, empty_i, empty_i, empty_i, empty_i, np.zeros(0))

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
    return Coverage(
        run_row=pairs_row[has_run],
        run_c0=full_c0[has_run],
        run_c1=full_c1[has_run],
        run_zone=pairs_zone[has_run],
        fix_row=fix_row[keep],
        fix_col=fix_col[keep],
        fix_zone=fix_zone[keep],
        fix_frac=fix_frac[keep],
    )


def to_pixel_space(geoms: NDArray[np.object_], transform: Affine) -> NDArray[np.object_]:
    inverse = ~transform

    def to_pixels(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = xy[:, 0], xy[:, 1]
        return np.column_stack(
            [inverse.a * x + inverse.b * y + inverse.c, inverse.d * x + inverse.e * y + inverse.f]
        )

    return np.asarray(shapely.transform(geoms, to_pixels), dtype=object)


def prepare_pixel_geoms(geoms_pix: NDArray[np.object_], height: int, width: int) -> NDArray[np.object_]:
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
    return clip_to_grid(geoms_pix, height, width)


def clip_to_grid(geoms_pix: NDArray[np.object_], height: int, width: int) -> NDArray[np.object_]:
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
    geoms_pix = prepare_pixel_geoms(to_pixel_space(np.array([geometry], dtype=object), transform), *shape)
    cover = exact_coverage(geoms_pix, height, width)
    fractions = np.zeros(height * width + 1)
    # Runs as +1 at their start and −1 at their end of a row-major difference array.
    np.add.at(fractions, cover.run_row * width + cover.run_c0, 1.0)
    np.add.at(fractions, cover.run_row * width + cover.run_c1, -1.0)
    dense = np.cumsum(fractions[:-1]).reshape(height, width)
    np.add.at(dense, (cover.fix_row, cover.fix_col), cover.fix_frac)
    return np.clip(dense, 0.0, 1.0)
