"""Conversions between WGS84 and the Chinese obfuscated datums GCJ-02 and BD-09.

GCJ-02 ("Mars coordinates", used by Amap/高德, Tencent and Google's China road tiles) adds a smooth,
position-dependent shift of a few hundred metres to WGS84; around Wuxi it is about 485–515 m.
BD-09 (Baidu) adds a further shift on top of GCJ-02. PROJ does not implement either, so they live here.

The forward GCJ-02 formula is the publicly known one (Krasovsky 1940 ellipsoid, ``a = 6378245.0``,
``e² = 0.00669342162296594323``); this module is a clean-room, vectorized implementation of it.
Inverses have no closed form: they are solved by fixed-point iteration until the step is below
1e-11 degrees (about 1 µm), so ``forward(inverse(p))`` reproduces ``p`` to well under a millimetre.

Every conversion takes longitude and latitude in degrees, as scalars or array-likes that broadcast
together, and returns ``(lon, lat)`` as float64 arrays of the broadcast shape (plain ``float`` for
scalar input). A NaN coordinate stays NaN and does not hold up the others.

**Out of China.** GCJ-02 is only defined inside China. Like every public implementation, points
outside the rectangle 72.004–137.8347°E, 0.8293–55.8271°N are returned unchanged by the GCJ-02
step. The rectangle is coarse: it includes parts of neighbouring countries, where the shift is still
applied. The BD-09 step (GCJ-02 ↔ BD-09) has no such rule and is applied everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from wuxi_atlas.analysis.errors import CRSError

__all__ = [
    "SOURCE_DATUMS",
    "SourceDatum",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "to_wgs84",
    "transform_geometry",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323

# Baidu's constant offsets (degrees) and the frequency of its small sinusoidal terms (radians per degree).
_BD_DLON = 0.0065
_BD_DLAT = 0.006
_BD_X_PI = np.pi * 3000.0 / 180.0

# The public out-of-China rectangle (degrees).
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)

# 1e-11° is about 1 µm on the ground: far below the millimetre the inverses promise, yet above the
# ~1e-14° rounding noise of float64 longitudes, so the loop always terminates by convergence.
_INVERSE_TOLERANCE_DEG = 1e-11
# Each iteration shrinks the error by a factor of roughly 400 (the shift changes by at most a few
# hundred metres per degree), so 5 iterations suffice; the cap only guards against pathological input.
_INVERSE_MAX_ITERATIONS = 30

FloatArray = npt.NDArray[np.float64]

SourceDatum = Literal["wgs84", "cgcs2000", "gcj02", "bd09"]
SOURCE_DATUMS: tuple[str, ...] = ("wgs84", "cgcs2000", "gcj02", "bd09")

# Spellings seen in station exports and CRS strings, mapped to the canonical datum names.
_DATUM_ALIASES = {
    "wgs84": "wgs84",
    "epsg4326": "wgs84",
    "cgcs2000": "cgcs2000",
    "epsg4490": "cgcs2000",
    "gcj02": "gcj02",
    "gcj": "gcj02",
    "mars": "gcj02",
    "amap": "gcj02",
    "bd09": "bd09",
    "bd09ll": "bd09",
    "baidu": "bd09",
}


def _as_float_arrays(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray, bool]:
    lon_arr, lat_arr = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    is_scalar = lon_arr.ndim == 0
    # broadcast_arrays returns read-only views; copy so results never alias the caller's arrays.
    return np.array(lon_arr, dtype=np.float64), np.array(lat_arr, dtype=np.float64), is_scalar


def _finish(lon: FloatArray, lat: FloatArray, is_scalar: bool) -> tuple[Any, Any]:
    if is_scalar:
        return float(lon), float(lat)
    return lon, lat


def _inside_china_mask(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lon >= _CHINA_LON[0]) & (lon <= _CHINA_LON[1]) & (lat >= _CHINA_LAT[0]) & (lat <= _CHINA_LAT[1])


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> bool | npt.NDArray[np.bool_]:
    """Whether points fall inside the public GCJ-02 "in China" rectangle.

    This is the coarse rectangle every GCJ-02 implementation uses (72.004–137.8347°E,
    0.8293–55.8271°N), not China's border. Points outside it are not shifted by GCJ-02.

    Parameters
    ----------
    lon, lat : float or array-like
        Longitude and latitude in degrees.

    Returns
    -------
    bool or numpy.ndarray of bool

    Examples
    --------
    >>> in_china(120.3, 31.5), in_china(2.35, 48.86)
    (True, False)
    """
    lon_arr, lat_arr, is_scalar = _as_float_arrays(lon, lat)
    inside = _inside_china_mask(lon_arr, lat_arr)
    return bool(inside) if is_scalar else inside


def _gcj02_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 shift (degrees) at WGS84 positions, without the out-of-China rule."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    # Shared high-frequency terms of the published formula.
    wiggle = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    # Both shifts are first computed as arc lengths in metres...
    shift_north_m = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + wiggle
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    shift_east_m = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + wiggle
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    # ...then turned into degrees with the Krasovsky meridian and parallel radii at the WGS84 latitude.
    lat_rad = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(lat_rad) ** 2
    sqrt_magic = np.sqrt(magic)
    meridian_radius = _KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (magic * sqrt_magic)
    parallel_radius = _KRASOVSKY_A / sqrt_magic * np.cos(lat_rad)
    dlat = np.degrees(shift_north_m / meridian_radius)
    dlon = np.degrees(shift_east_m / parallel_radius)
    return dlon, dlat


def _wgs84_to_gcj02_unmasked(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlon, dlat = _gcj02_offset(lon, lat)
    return lon + dlon, lat + dlat


def _gcj02_to_bd09_arrays(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    radius = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return radius * np.cos(theta) + _BD_DLON, radius * np.sin(theta) + _BD_DLAT


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    target_lon: FloatArray,
    target_lat: FloatArray,
    start_lon: FloatArray,
    start_lat: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(lon, lat) == target`` by fixed-point iteration from ``start``.

    Both forward maps are the identity plus a shift that varies slowly with position, so moving the
    guess by the remaining error contracts it by a factor of hundreds per step.
    """
    lon, lat = np.array(start_lon, dtype=np.float64), np.array(start_lat, dtype=np.float64)
    for _ in range(_INVERSE_MAX_ITERATIONS):
        mapped_lon, mapped_lat = forward(lon, lat)
        step_lon = target_lon - mapped_lon
        step_lat = target_lat - mapped_lat
        lon = lon + step_lon
        lat = lat + step_lat
        # NaN steps compare False, so NaN inputs pass through without blocking convergence.
        if not np.any(np.fmax(np.abs(step_lon), np.abs(step_lat)) > _INVERSE_TOLERANCE_DEG):
            break
    return lon, lat


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """Shift WGS84 longitude/latitude (degrees) to GCJ-02 (Amap/高德).

    Points outside the out-of-China rectangle (see :func:`in_china`) are returned unchanged.

    Parameters
    ----------
    lon, lat : float or array-like
        WGS84 longitude and latitude in degrees; they broadcast together.

    Returns
    -------
    (lon, lat) : tuple of float or numpy.ndarray
        GCJ-02 longitude and latitude in degrees.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(120.3119, 31.4912)  # Wuxi
    >>> round(lon, 6), round(lat, 6)
    (120.316509, 31.489311)
    >>> wgs84_to_gcj02(2.3522, 48.8566)  # Paris: outside China, unchanged
    (2.3522, 48.8566)
    """
    lon_arr, lat_arr, is_scalar = _as_float_arrays(lon, lat)
    gcj_lon, gcj_lat = _wgs84_to_gcj02_unmasked(lon_arr, lat_arr)
    inside = _inside_china_mask(lon_arr, lat_arr)
    return _finish(np.where(inside, gcj_lon, lon_arr), np.where(inside, gcj_lat, lat_arr), is_scalar)


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """Recover WGS84 longitude/latitude (degrees) from GCJ-02, exactly rather than approximately.

    The common one-step inverse (subtracting the shift evaluated at the GCJ-02 point) is off by
    about a metre. This iterates until ``wgs84_to_gcj02`` of the result reproduces the input to
    within 1e-11 degrees (about 1 µm); in practice five iterations. Whether a point is "out of
    China" (and so returned unchanged) is decided on the GCJ-02 input.

    Parameters
    ----------
    lon, lat : float or array-like
        GCJ-02 longitude and latitude in degrees; they broadcast together.

    Returns
    -------
    (lon, lat) : tuple of float or numpy.ndarray
        WGS84 longitude and latitude in degrees.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(120.316509, 31.489311)
    >>> round(lon, 6), round(lat, 6)
    (120.3119, 31.4912)
    """
    lon_arr, lat_arr, is_scalar = _as_float_arrays(lon, lat)
    # The one-step inverse is a start within about a metre of the answer.
    dlon, dlat = _gcj02_offset(lon_arr, lat_arr)
    wgs_lon, wgs_lat = _invert(_wgs84_to_gcj02_unmasked, lon_arr, lat_arr, lon_arr - dlon, lat_arr - dlat)
    inside = _inside_china_mask(lon_arr, lat_arr)
    return _finish(np.where(inside, wgs_lon, lon_arr), np.where(inside, wgs_lat, lat_arr), is_scalar)


@overload
def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """Shift GCJ-02 longitude/latitude (degrees) to BD-09 (Baidu), everywhere.

    Parameters
    ----------
    lon, lat : float or array-like
        GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    (lon, lat) : tuple of float or numpy.ndarray
        BD-09 longitude and latitude in degrees.

    Examples
    --------
    >>> lon, lat = gcj02_to_bd09(120.316509, 31.489311)
    >>> round(lon, 5), round(lat, 5)
    (120.32308, 31.49508)
    """
    lon_arr, lat_arr, is_scalar = _as_float_arrays(lon, lat)
    return _finish(*_gcj02_to_bd09_arrays(lon_arr, lat_arr), is_scalar)


@overload
def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """Recover GCJ-02 longitude/latitude (degrees) from BD-09, iterated to about 1 µm.

    Parameters
    ----------
    lon, lat : float or array-like
        BD-09 longitude and latitude in degrees.

    Returns
    -------
    (lon, lat) : tuple of float or numpy.ndarray
        GCJ-02 longitude and latitude in degrees.

    Examples
    --------
    >>> lon, lat = bd09_to_gcj02(120.32308, 31.495079)
    >>> round(lon, 5), round(lat, 5)
    (120.31651, 31.48931)
    """
    lon_arr, lat_arr, is_scalar = _as_float_arrays(lon, lat)
    # Baidu's published one-step inverse (good to about 1e-7°) as the starting guess.
    x = lon_arr - _BD_DLON
    y = lat_arr - _BD_DLAT
    radius = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    gcj_lon, gcj_lat = _invert(
        _gcj02_to_bd09_arrays, lon_arr, lat_arr, radius * np.cos(theta), radius * np.sin(theta)
    )
    return _finish(gcj_lon, gcj_lat, is_scalar)


@overload
def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """Shift WGS84 longitude/latitude (degrees) to BD-09: GCJ-02 first, then Baidu's shift.

    Outside China only the BD-09 step applies (see :func:`in_china`).

    Examples
    --------
    >>> lon, lat = wgs84_to_bd09(120.3119, 31.4912)
    >>> round(lon, 6), round(lat, 6)
    (120.32308, 31.495079)
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


@overload
def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """Recover WGS84 longitude/latitude (degrees) from BD-09 (Baidu), iterated to about 1 µm.

    Examples
    --------
    >>> lon, lat = bd09_to_wgs84(120.32308, 31.495079)
    >>> round(lon, 6), round(lat, 6)
    (120.3119, 31.4912)
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _canonical_datum(source: str) -> str:
    key = "".join(ch for ch in source.lower() if ch.isalnum())
    try:
        return _DATUM_ALIASES[key]
    except KeyError:
        raise CRSError(
            f"unknown coordinate datum {source!r}; expected one of {', '.join(SOURCE_DATUMS)} "
            "(GCJ-02 for Amap/高德/Tencent, BD-09 for Baidu)"
        ) from None


@overload
def to_wgs84(lon: float, lat: float, source: SourceDatum | str) -> tuple[float, float]: ...
@overload
def to_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike, source: SourceDatum | str
) -> tuple[FloatArray, FloatArray]: ...
def to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, source: SourceDatum | str) -> tuple[Any, Any]:
    """Convert longitude/latitude (degrees) from ``source`` to WGS84.

    ``"cgcs2000"`` (EPSG:4490, China's official geodetic datum) is returned unchanged: it agrees with
    WGS84 to a few centimetres, well below the accuracy of anything this atlas imports.

    Parameters
    ----------
    lon, lat : float or array-like
        Longitude and latitude in degrees, in ``source``.
    source : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        The datum of the input. Case, hyphens and underscores are ignored (``"GCJ-02"``, ``"BD-09"``);
        ``"EPSG:4326"``, ``"EPSG:4490"``, ``"amap"`` and ``"baidu"`` are accepted as aliases.

    Returns
    -------
    (lon, lat) : tuple of float or numpy.ndarray
        WGS84 longitude and latitude in degrees (always a new array for array input).

    Raises
    ------
    CRSError
        If ``source`` is not a known datum.

    Examples
    --------
    >>> lon, lat = to_wgs84(120.316509, 31.489311, "GCJ-02")
    >>> round(lon, 6), round(lat, 6)
    (120.3119, 31.4912)
    >>> to_wgs84(120.3119, 31.4912, "cgcs2000")
    (120.3119, 31.4912)
    """
    datum = _canonical_datum(source)
    if datum == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if datum == "bd09":
        return bd09_to_wgs84(lon, lat)
    lon_arr, lat_arr, is_scalar = _as_float_arrays(lon, lat)
    return _finish(lon_arr, lat_arr, is_scalar)


_LonLatFunc = Callable[[FloatArray, FloatArray], tuple[Any, Any]]


# Same type out as in: a shapely geometry, an array of them, a GeoSeries or a GeoDataFrame.
_Geometries = TypeVar("_Geometries")


def transform_geometry(geometry: _Geometries, func: _LonLatFunc) -> _Geometries:
    """Apply a ``(lon, lat) -> (lon, lat)`` conversion to every vertex of shapely geometries.

    Parameters
    ----------
    geometry : shapely.Geometry, array of geometries, GeoSeries or GeoDataFrame
        The geometries to convert. A GeoSeries keeps its index, name and CRS label; a GeoDataFrame
        is copied with its active geometry column converted. Z values, if any, are kept.
    func : callable
        One of this module's conversions (or any function with the same signature), called once
        with all vertices as two 1-D arrays.

    Returns
    -------
    same type as ``geometry``

    Notes
    -----
    The out-of-China rule is applied per vertex, so a geometry straddling the rectangle would be
    shifted only in part; nothing in this atlas comes near it.

    Examples
    --------
    >>> from shapely import Point
    >>> moved = transform_geometry(Point(120.316509, 31.489311), gcj02_to_wgs84)
    >>> round(moved.x, 6), round(moved.y, 6)
    (120.3119, 31.4912)
    """

    def _apply(coords: FloatArray) -> FloatArray:
        out = np.array(coords, dtype=np.float64)
        out[:, 0], out[:, 1] = func(out[:, 0], out[:, 1])
        return out

    given: Any = geometry
    if isinstance(given, gpd.GeoDataFrame):
        frame = given.copy()
        frame[frame.geometry.name] = transform_geometry(frame.geometry, func)
        return frame
    if isinstance(given, gpd.GeoSeries):
        values = transform_geometry(np.asarray(given.values, dtype=object), func)
        return gpd.GeoSeries(values, index=given.index, crs=given.crs, name=given.name)
    # include_z=None (shapely >= 2.1, newer than its type stubs) keeps each geometry's own dimension;
    # plain 2-D input takes the include_z=False path, which every shapely 2.x supports.
    include_z: Any = None if np.any(shapely.has_z(given)) else False
    return shapely.transform(given, _apply, include_z=include_z)
