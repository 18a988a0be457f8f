"""The area on the ground, in m², of every pixel of a raster grid and of polygons in its CRS.

Areas are measured on the CRS's ellipsoid, or in EPSG:4549 where that is the same to 0.01%; never in
degrees, and never in a conformal projection's nominal units, which Web Mercator inflates 1.38× at
31.5°N (DOMAIN.md §6). :func:`pixel_areas` tells three cases apart by measuring, not by the name of
the projection:

*geographic* (longitude/latitude, north-up)
    each row of pixels is an ellipsoidal quadrangle: ``a²/2 · Δλ · (q(φ_bottom) − q(φ_top))`` with the
    authalic function ``q`` of the CRS's ellipsoid, exact to rounding. WorldCover ships this way.
*uniform*
    a projected grid whose pixels all cover their nominal area ``|a·e − b·d|`` on the ground to within
    :data:`NOMINAL_TOLERANCE` (1e-4): an equal-area projection anywhere, or EPSG:4549 over Wuxi, whose
    scale error stays under 6e-5 within 0.6° of 120°E. Every pixel then weighs the nominal area.
*field*
    any other projected grid (Web Mercator, UTM, a Gauss–Krüger zone far from its central meridian).
    The ground area of a pixel is a smooth function of its position. It is measured exactly at the
    Chebyshev points of the grid (each cell's corners taken to the ellipsoid with pyproj, its area from
    the same authalic formula), and the 2-D Chebyshev series through them is checked against fresh
    measurements half-way between the points, to 1e-8; the series is integrated along rows, so that a
    pixel's area and a run of pixels' total both come from differences of one antiderivative.
    Where the area varies down the columns only (Web Mercator), a per-row table replaces the series.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from affine import Affine
from numpy.polynomial import chebyshev

from wuxi_atlas.analysis.errors import CRSError, DataFileError

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from pyproj import CRS

__all__ = ["NOMINAL_TOLERANCE", "PixelAreas", "pixel_area_m2", "pixel_areas", "polygon_areas_m2"]

#: A projected grid keeps its nominal pixel area when every pixel's ground area is this close to it.
NOMINAL_TOLERANCE = 1e-4
# The Chebyshev series must reproduce measured areas to this relative error.
_FIT_TOLERANCE = 1e-8
# Chebyshev coefficients below this share of the largest one are dropped: measurement noise is about
# 1e-11 (longitudes of a 100 m cell's corners), the fit must hold to 1e-8.
_NEGLIGIBLE = 1e-9
_NODE_COUNTS = (17, 33, 65, 129)
# Cells measured for the fit are at least this many metres on a side (fewer rounding digits lost).
_MIN_CELL_M = 100.0
# Scattered evaluations (runs, corrections) are done in batches of this many, to bound memory.
_BATCH = 1 << 16


def _as_pyproj(crs: Any) -> CRS:
    from pyproj import CRS

    return CRS.from_user_input(crs.to_wkt() if hasattr(crs, "to_wkt") else crs)


def _label(crs: CRS) -> str:
    authority = crs.to_authority(min_confidence=90)
    return f"{authority[0]}:{authority[1]} ({crs.name})" if authority else crs.name


def _ellipsoid(crs: Any) -> tuple[float, float]:
    """Semi-major axis (m) and first eccentricity squared of a CRS's ellipsoid."""
    ellipsoid = _as_pyproj(crs).ellipsoid
    if ellipsoid is None:
        raise CRSError(f"the raster CRS {crs} has no ellipsoid, so its pixel areas are unknown")
    semi_major = float(ellipsoid.semi_major_metre)
    inverse_flattening = float(ellipsoid.inverse_flattening)
    flattening = 0.0 if not inverse_flattening or math.isinf(inverse_flattening) else 1 / inverse_flattening
    return semi_major, flattening * (2 - flattening)


def _authalic_q_difference(
    lat_a_deg: NDArray[np.float64], lat_b_deg: NDArray[np.float64], e2: float
) -> NDArray[np.float64]:
    """``q(φ_b) − q(φ_a)`` of the authalic-latitude function, computed without cancellation.

    ``q(φ) = (1−e²)·[sin φ / (1 − e² sin² φ) + artanh(e sin φ) / e]``; the area of a quadrangle between
    two parallels is ``a²/2 · Δλ · Δq``. Rows of a 10 m grid are 1e-6 rad apart, so the difference is
    rewritten with exact identities instead of subtracting two nearly equal numbers.
    """
    phi_a = np.radians(lat_a_deg)
    phi_b = np.radians(lat_b_deg)
    s_a, s_b = np.sin(phi_a), np.sin(phi_b)
    ds = 2.0 * np.cos((phi_a + phi_b) / 2) * np.sin((phi_b - phi_a) / 2)
    if e2 == 0.0:
        return 2.0 * ds
    e = math.sqrt(e2)
    term_rational = ds * (1 + e2 * s_a * s_b) / ((1 - e2 * s_a**2) * (1 - e2 * s_b**2))
    term_atanh = np.arctanh(e * ds / (1 - e2 * s_a * s_b)) / e
    return (1 - e2) * (term_rational + term_atanh)


def _linear_unit_factor(crs: Any) -> float:
    """Metres per unit of a projected CRS's axes."""
    pcrs = _as_pyproj(crs)
    factors = {axis.unit_conversion_factor for axis in pcrs.axis_info if axis.unit_conversion_factor}
    units = {axis.unit_name for axis in pcrs.axis_info}
    if len(factors) != 1:
        raise CRSError(f"the raster CRS {_label(pcrs)} has no single linear unit ({sorted(units)})")
    return float(factors.pop())


@dataclass(frozen=True)
class PixelAreas:
    """Ground area (m²) of every pixel of a ``height × width`` grid; see the module docstring.

    Exactly one of ``uniform`` (every pixel's area), ``row_area`` (one area per row) and
    ``cumulative`` (2-D Chebyshev coefficients, rows × columns, of the area summed along a row from
    its left edge) describes the grid. Positions are whole-raster rows and columns.
    """

    height: int
    width: int
    uniform: float | None = None
    row_area: NDArray[np.float64] | None = None
    cumulative: NDArray[np.float64] | None = None

    @property
    def kind(self) -> str:
        """``"uniform"``, ``"rows"`` or ``"field"``."""
        if self.uniform is not None:
            return "uniform"
        return "rows" if self.row_area is not None else "field"

    def _row_s(self, rows: NDArray[Any]) -> NDArray[np.float64]:
        return 2.0 * (np.asarray(rows, dtype=np.float64) + 0.5) / self.height - 1.0

    def _col_t(self, cols: NDArray[Any]) -> NDArray[np.float64]:
        return 2.0 * np.asarray(cols, dtype=np.float64) / self.width - 1.0

    def _cumulative_at(self, rows: NDArray[Any], cols: NDArray[Any]) -> NDArray[np.float64]:
        """Area of the pixels of row ``rows[i]`` left of column edge ``cols[i]``, m²."""
        assert self.cumulative is not None
        rows, cols = np.asarray(rows).ravel(), np.asarray(cols).ravel()
        n_s, n_t = self.cumulative.shape
        out = np.empty(len(rows), dtype=np.float64)
        for start in range(0, len(rows), _BATCH):
            part = slice(start, start + _BATCH)
            by_row = chebyshev.chebvander(self._row_s(rows[part]), n_s - 1) @ self.cumulative
            out[part] = np.einsum("ij,ij->i", by_row, chebyshev.chebvander(self._col_t(cols[part]), n_t - 1))
        return out

    def at(self, rows: NDArray[Any], cols: NDArray[Any]) -> NDArray[np.float64]:
        """Area of pixel ``(rows[i], cols[i])``, m²."""
        rows, cols = np.asarray(rows), np.asarray(cols)
        if self.uniform is not None:
            return np.full(rows.shape, self.uniform)
        if self.row_area is not None:
            return self.row_area[rows]
        return self._cumulative_at(rows, cols + 1) - self._cumulative_at(rows, cols)

    def run_sums(self, rows: NDArray[Any], c0: NDArray[Any], c1: NDArray[Any]) -> NDArray[np.float64]:
        """Total area of the pixels ``c0[i] … c1[i] − 1`` of row ``rows[i]``, m²."""
        rows, c0, c1 = np.asarray(rows), np.asarray(c0), np.asarray(c1)
        if self.uniform is not None:
            return (c1 - c0) * self.uniform
        if self.row_area is not None:
            return (c1 - c0) * self.row_area[rows]
        return self._cumulative_at(rows, c1) - self._cumulative_at(rows, c0)

    def rows(self, row_off: int, height: int) -> NDArray[np.float64]:
        """Per-row areas of rows ``row_off …`` (grids whose areas do not vary along a row)."""
        if self.uniform is not None:
            return np.full(height, self.uniform)
        if self.row_area is None:
            raise DataFileError("pixel areas vary along the rows of this grid; ask for a block instead")
        return self.row_area[row_off : row_off + height]

    def block(self, row_off: int, col_off: int, height: int, width: int) -> NDArray[np.float64]:
        """Areas of a ``height × width`` window at ``(row_off, col_off)``, as an array of that shape."""
        if self.cumulative is None:
            return np.repeat(self.rows(row_off, height)[:, None], width, axis=1)
        n_s, n_t = self.cumulative.shape
        by_row = chebyshev.chebvander(self._row_s(np.arange(row_off, row_off + height)), n_s - 1)
        by_col = chebyshev.chebvander(self._col_t(np.arange(col_off, col_off + width + 1)), n_t - 1)
        return np.diff(by_row @ self.cumulative @ by_col.T, axis=1)

    def max(self) -> float:
        """The largest pixel area, m² (approximate for a field: its corners and centre)."""
        if self.uniform is not None:
            return self.uniform
        if self.row_area is not None:
            return float(self.row_area.max()) if len(self.row_area) else 0.0
        rows = np.array([0, 0, self.height - 1, self.height - 1, self.height // 2])
        cols = np.array([0, self.width - 1, 0, self.width - 1, self.width // 2])
        return float(self.at(rows, cols).max())


def _geographic_rows(transform: Affine, crs: CRS, height: int) -> NDArray[np.float64]:
    if transform.b != 0 or transform.d != 0:
        raise DataFileError("a rotated longitude/latitude grid is not supported; warp it north-up first")
    semi_major, e2 = _ellipsoid(crs)
    rows = np.arange(height + 1, dtype=np.float64)
    lats = np.clip(transform.f + transform.e * rows, -90.0, 90.0)
    dq = _authalic_q_difference(lats[1:], lats[:-1], e2)
    return np.asarray(np.abs(semi_major**2 / 2 * math.radians(transform.a) * dq), dtype=np.float64)


class _Ground:
    """Measures the ground area of small cells of a projected grid: corners to the ellipsoid with
    pyproj, area by the authalic (equal-area) formula."""

    def __init__(self, transform: Affine, crs: CRS, nominal: float) -> None:
        from pyproj import Transformer

        if crs.geodetic_crs is None:
            raise CRSError(f"the raster CRS {_label(crs)} has no datum, so its pixel areas are unknown")
        self.transform = transform
        self.crs = crs
        self.to_geodetic = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
        self.semi_major, self.e2 = _ellipsoid(crs.geodetic_crs)
        # A cell of ``side × side`` pixels, divided back by its pixel count.
        self.side = max(1.0, _MIN_CELL_M / math.sqrt(nominal))

    def pixel_area(self, cols: NDArray[np.float64], rows: NDArray[np.float64]) -> NDArray[np.float64]:
        """Ground area (m²) per pixel around pixel positions ``(cols, rows)`` (column, row coordinates)."""
        half = self.side / 2
        corner_cols = cols[None, :] + np.array([-half, half, half, -half])[:, None]
        corner_rows = rows[None, :] + np.array([-half, -half, half, half])[:, None]
        t = self.transform
        x = t.a * corner_cols + t.b * corner_rows + t.c
        y = t.d * corner_cols + t.e * corner_rows + t.f
        lon, lat = self.to_geodetic.transform(x, y)
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
            raise CRSError(
                f"parts of the raster grid lie outside the domain of its CRS {_label(self.crs)}, so their "
                "pixel areas are unknown; warp the raster to EPSG:4549 (or to EPSG:4326) first"
            )
        # Equal-area coordinates relative to the first corner: (Δλ, a²/2 · Δq).
        dlon = np.radians((lon - lon[0] + 180.0) % 360.0 - 180.0)
        dq = self.semi_major**2 / 2 * _authalic_q_difference(np.broadcast_to(lat[0], lat.shape), lat, self.e2)
        shoelace = dlon * np.roll(dq, -1, axis=0) - np.roll(dlon, -1, axis=0) * dq
        return np.asarray(np.abs(shoelace.sum(axis=0)) / 2 / self.side**2, dtype=np.float64)


def _lobatto(n: int) -> NDArray[np.float64]:
    return np.asarray(np.cos(np.pi * np.arange(n) / (n - 1)), dtype=np.float64)


def _midpoints(n: int) -> NDArray[np.float64]:
    return np.asarray(np.cos(np.pi * (np.arange(n - 1) + 0.5) / (n - 1)), dtype=np.float64)


def _measure(ground: _Ground, s: NDArray[np.float64], t: NDArray[np.float64], height: int, width: int) -> Any:
    """Measured areas on the grid of Chebyshev coordinates ``s`` (rows) × ``t`` (columns)."""
    rows = (s + 1.0) / 2.0 * height
    cols = (t + 1.0) / 2.0 * width
    grid_rows, grid_cols = np.meshgrid(rows, cols, indexing="ij")
    return ground.pixel_area(grid_cols.ravel(), grid_rows.ravel()).reshape(len(s), len(t))


def _trimmed(coefficients: NDArray[np.float64]) -> NDArray[np.float64]:
    """Drop trailing rows and columns of negligible coefficients (one of each is always kept)."""
    tiny = _NEGLIGIBLE * float(np.abs(coefficients).max())
    row_keep = np.flatnonzero(np.abs(coefficients).max(axis=1) > tiny)
    col_keep = np.flatnonzero(np.abs(coefficients).max(axis=0) > tiny)
    n_s = int(row_keep.max()) + 1 if len(row_keep) else 1
    n_t = int(col_keep.max()) + 1 if len(col_keep) else 1
    return coefficients[:n_s, :n_t]


def pixel_areas(transform: Affine, crs: Any, height: int, width: int) -> PixelAreas:
    """The ground area of every pixel of a ``height × width`` grid; see the module docstring.

    Parameters
    ----------
    transform
        The grid's affine transform (rasterio's ``src.transform``).
    crs
        The grid's CRS (rasterio or pyproj CRS, or anything pyproj accepts).
    height, width
        The grid's size in pixels.

    Raises
    ------
    CRSError
        The CRS has no ellipsoid or datum, or parts of the grid lie outside its domain.
    DataFileError
        A rotated longitude/latitude grid, or a projected grid whose areas no Chebyshev series of up to
        129 × 129 terms reproduces to 1e-8 (warp it to EPSG:4549 or EPSG:4326 first).

    Examples
    --------
    >>> from affine import Affine
    >>> pixel_areas(Affine(10, 0, 500000, 0, -10, 3500000), "EPSG:4549", 100, 100).uniform
    100.0
    >>> mercator = pixel_areas(Affine(35, 0, 13_380_000, 0, -35, 3_710_000), "EPSG:3857", 100, 100)
    >>> mercator.kind, round(float(mercator.at([0], [0])[0]), 1)
    ('rows', 886.1)
    """
    pcrs = _as_pyproj(crs)
    if pcrs.is_geographic:
        return PixelAreas(height, width, row_area=_geographic_rows(transform, pcrs, height))
    nominal = abs(transform.a * transform.e - transform.b * transform.d) * _linear_unit_factor(pcrs) ** 2
    ground = _Ground(transform, pcrs, nominal)
    for n in _NODE_COUNTS:
        nodes = _lobatto(n)
        measured = _measure(ground, nodes, nodes, height, width)
        between = _measure(ground, _midpoints(n), _midpoints(n), height, width)
        if n == _NODE_COUNTS[0] and all(
            np.max(np.abs(values / nominal - 1.0)) <= NOMINAL_TOLERANCE for values in (measured, between)
        ):
            return PixelAreas(height, width, uniform=float(nominal))
        vander = chebyshev.chebvander(nodes, n - 1)
        solved = np.linalg.solve(vander, np.linalg.solve(vander, measured).T).T
        coefficients = _trimmed(np.asarray(solved, dtype=np.float64))
        fitted = chebyshev.chebval2d(*np.meshgrid(_midpoints(n), _midpoints(n), indexing="ij"), coefficients)
        if np.max(np.abs(fitted / between - 1.0)) > _FIT_TOLERANCE:
            continue
        if coefficients.shape[1] == 1:
            s = 2.0 * (np.arange(height) + 0.5) / height - 1.0
            row_area = np.asarray(chebyshev.chebval(s, coefficients[:, 0]), dtype=np.float64)
            return PixelAreas(height, width, row_area=row_area)
        # The series is of area per unit of column; integrated from the grid's left edge (t = −1).
        cumulative = chebyshev.chebint(coefficients, m=1, lbnd=-1, scl=width / 2.0, axis=1)
        return PixelAreas(height, width, cumulative=np.asarray(cumulative, dtype=np.float64))
    raise DataFileError(
        f"the pixel areas of this {width} × {height} grid in {_label(pcrs)} vary too much to be modelled; "
        "warp the raster to EPSG:4549 (Wuxi) or EPSG:4326 first"
    )


def pixel_area_m2(transform: Affine, crs: Any, height: int, width: int = 1) -> NDArray[np.float64]:
    """Area in m² of one pixel in each of the ``height`` rows of a grid (of its first column).

    Geographic grids get each row's exact ellipsoidal quadrangle; projected grids their pixels' ground
    area (see :func:`pixel_areas`, which also covers areas that vary along a row).

    Examples
    --------
    >>> from affine import Affine
    >>> pixel_area_m2(Affine(10, 0, 500000, 0, -10, 3500000), "EPSG:4549", 2)
    array([100., 100.])
    >>> areas = pixel_area_m2(Affine(1e-4, 0, 120.0, 0, -1e-4, 31.5), "EPSG:4326", 2)
    >>> [round(float(a), 3) for a in areas]
    [105.337, 105.337]
    """
    return pixel_areas(transform, crs, height, width).block(0, 0, height, 1)[:, 0]


def polygon_areas_m2(geoms: NDArray[np.object_], crs: Any, areas: PixelAreas) -> NDArray[np.float64]:
    """Ground area in m² of each polygon given in a grid's CRS, measured as the grid's pixels are.

    In the CRS's units for a uniform grid (the same to 1e-4), else on the ellipsoid: projected
    polygons are densified every kilometre and taken to the CRS's longitude/latitude first.
    """
    pcrs = _as_pyproj(crs)
    if areas.kind == "uniform" and not pcrs.is_geographic:
        return np.asarray(shapely.area(geoms), dtype=np.float64) * _linear_unit_factor(pcrs) ** 2
    if not pcrs.is_geographic:
        from pyproj import Transformer

        assert pcrs.geodetic_crs is not None  # pixel_areas has refused a CRS without one
        to_geodetic = Transformer.from_crs(pcrs, pcrs.geodetic_crs, always_xy=True)
        dense = shapely.segmentize(geoms, 1000.0 / _linear_unit_factor(pcrs))

        def lon_lat(xy: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.column_stack(to_geodetic.transform(xy[:, 0], xy[:, 1]))

        geoms = np.asarray(shapely.transform(dense, lon_lat), dtype=object)
        pcrs = pcrs.geodetic_crs
    semi_major, e2 = _ellipsoid(pcrs)
    # Cylindrical equal-area on the ellipsoid, (λ, a²/2·q(φ)): straight lon/lat edges become curves, so
    # they are densified first (0.001° ≈ 100 m).
    dense = shapely.segmentize(geoms, 0.001)

    def equal_area(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lat = np.clip(xy[:, 1], -90.0, 90.0)
        return np.column_stack(
            [np.radians(xy[:, 0]), semi_major**2 / 2 * _authalic_q_difference(np.zeros_like(lat), lat, e2)]
        )

    return np.asarray(shapely.area(shapely.transform(dense, equal_area)), dtype=np.float64)
