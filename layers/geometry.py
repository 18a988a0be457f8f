"""A layer's geometry: placed on the map in EPSG:4326, cleaned, repaired and checked against its kind.

- :func:`points_from_table` builds points from a table's longitude/latitude columns, converting
  GCJ-02 and BD-09 (Amap/Tencent, Baidu) to WGS84;
- :func:`to_display_crs` reprojects a vector file to EPSG:4326 (:data:`~analysis.crs.DISPLAY_CRS`),
  which is for display only: areas are measured in EPSG:4549 by :mod:`analysis`. A file without a CRS
  is refused unless the caller says which datum its longitude/latitude are in;
- :func:`clean_geometry` drops empty geometry, repairs invalid geometry with ``shapely.make_valid``,
  keeps the geometry types the kind takes, and notes duplicates and features outside Wuxi.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wuxi_atlas.analysis.crs import DISPLAY_CRS, crs_label
from wuxi_atlas.analysis.errors import CRSError, LayerError
from wuxi_atlas.layers.fields import parse_numbers
from wuxi_atlas.layers.messages import MAX_LISTED, RowLabels, listing
from wuxi_atlas.layers.names import LONLAT_CRSS, LonLatCRS
from wuxi_atlas.layers.spec import POLYGONAL, LayerSpec

__all__ = [
    "COORDINATE_COLUMNS",
    "DATUM_LABELS",
    "LAT_ALIASES",
    "LONLAT_CRSS",
    "LON_ALIASES",
    "WUXI_BBOX",
    "LonLatCRS",
    "clean_geometry",
    "points_from_table",
    "to_display_crs",
]


#: The datums longitude/latitude may be in (``read_vector``'s ``lonlat_crs``).
DATUM_LABELS: dict[str, str] = {"wgs84": "WGS84", "cgcs2000": "CGCS2000", "gcj02": "GCJ-02", "bd09": "BD-09"}

#: Wuxi's extent (119.53–120.63°E, 31.12–32.03°N) with a margin of about 20 km, (west, south, east, north).
WUXI_BBOX: tuple[float, float, float, float] = (119.3, 30.9, 120.9, 32.3)

LON_ALIASES: tuple[str, ...] = ("lon", "经度", "longitude", "lng", "long", "x", "东经", "wgs84_lon")
LAT_ALIASES: tuple[str, ...] = ("lat", "纬度", "latitude", "y", "北纬", "wgs84_lat")
#: The coordinate columns of a table, with the names accepted for each (matched like field aliases).
COORDINATE_COLUMNS: Mapping[str, tuple[str, ...]] = {"lon": LON_ALIASES, "lat": LAT_ALIASES}


def points_from_table(
    frame: pd.DataFrame,
    spec: LayerSpec,
    rows: RowLabels,
    file_name: str,
    lonlat_crs: LonLatCRS | None,
    notes: list[str],
) -> gpd.GeoDataFrame:
    """Points in EPSG:4326 from a table whose coordinate columns are already named ``lon`` and ``lat``
    (in ``lonlat_crs``, WGS84 with a note when None); rows without coordinates keep an empty geometry."""
    if not spec.accepts_points:
        raise LayerError(
            f"{file_name}: {spec.kind} layers are {'/'.join(spec.geometry_types) or 'rasters'} and cannot "
            "come from a table of coordinates; give a GeoPackage, GeoJSON or zipped Shapefile"
        )
    if "lon" not in frame or "lat" not in frame:
        missing = [name for name in ("lon", "lat") if name not in frame]
        raise LayerError(
            f"{file_name}: a table of {spec.kind} needs coordinate columns; cannot find "
            f"{' and '.join(missing)} among the columns: {listing(frame.columns, 50)}. Name them "
            f"{'/'.join(LON_ALIASES[:4])} and {'/'.join(LAT_ALIASES[:4])}, or map them: "
            "--map '<x column>=lon' --map '<y column>=lat'"
        )
    lon, lon_bad = parse_numbers(frame["lon"])
    lat, lat_bad = parse_numbers(frame["lat"])
    for name, bad, column in (("longitude", lon_bad, frame["lon"]), ("latitude", lat_bad, frame["lat"])):
        if bad.any():
            samples = listing(repr(value) for value in column[bad].head(MAX_LISTED))
            raise LayerError(
                f"{file_name}: the {name} column holds text instead of decimal degrees in "
                f"{rows(column.index[bad])}: {samples}; fix those cells (degrees-minutes-seconds must be "
                "converted to decimal degrees)"
            )
    known = lon.notna() & lat.notna()
    lon_range = (lon.abs() <= 180) | ~known
    lat_range = (lat.abs() <= 90) | ~known
    if not lat_range.all() and (lon[known].abs() <= 90).all() and (lat[known].abs() <= 180).all():
        raise LayerError(
            f"{file_name}: longitude and latitude look swapped: the latitude column holds values up to "
            f"{lat[known].abs().max():g} and the longitude column values of at most "
            f"{lon[known].abs().max():g} (Wuxi is near 120.3°E, 31.5°N); map them the "
            "right way round: --map '<the column near 120>=lon' --map '<the column near 31>=lat'"
        )
    out_of_range = ~(lon_range & lat_range)
    if out_of_range.any():
        raise LayerError(
            f"{file_name}: coordinates out of range for degrees in {rows(frame.index[out_of_range])}; the "
            "columns must hold longitude and latitude in decimal degrees, not projected metres"
        )
    unplaced = ~known
    if unplaced.any():
        notes.append(
            f"{int(unplaced.sum())} row(s) have no coordinates ({rows(frame.index[unplaced])}); "
            "they are dropped"
        )
    if lonlat_crs is None:
        lonlat_crs = "wgs84"
        notes.append(
            f"{file_name} does not say which datum its coordinates use; assumed WGS84. Points from Amap/高德 "
            "or Tencent are GCJ-02 and from Baidu BD-09 (about 500 m off): give --lonlat-crs gcj02 or bd09"
        )
    x, y = lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)
    if lonlat_crs in ("gcj02", "bd09"):
        x, y = _to_wgs84(x, y, lonlat_crs)
        notes.append(f"converted coordinates from {DATUM_LABELS[lonlat_crs]} to WGS84")
    geometry = gpd.points_from_xy(x, y)
    geometry[unplaced.to_numpy()] = None
    attributes = frame.drop(columns=["lon", "lat"])
    return gpd.GeoDataFrame(attributes, geometry=geometry, crs=DISPLAY_CRS)


def _to_wgs84(x: np.ndarray, y: np.ndarray, datum: str) -> tuple[np.ndarray, np.ndarray]:
    from wuxi_atlas.analysis.coords import to_wgs84

    finite = np.isfinite(x) & np.isfinite(y)
    out_x, out_y = x.copy(), y.copy()
    if finite.any():
        converted_x, converted_y = to_wgs84(x[finite], y[finite], datum)
        out_x[finite] = np.asarray(converted_x, dtype=float)
        out_y[finite] = np.asarray(converted_y, dtype=float)
    return out_x, out_y


def to_display_crs(
    frame: gpd.GeoDataFrame, file_name: str, lonlat_crs: LonLatCRS | None, notes: list[str]
) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4326, for display. A frame with no CRS is taken as ``lonlat_crs``
    longitude/latitude when told so, else refused; GCJ-02 and BD-09 are converted to WGS84."""
    if frame.crs is None:
        bounds = frame.total_bounds if len(frame) else np.array([np.nan] * 4)
        looks_geographic = bool(
            np.all(np.abs(bounds[[0, 2]]) <= 180) and np.all(np.abs(bounds[[1, 3]]) <= 90)
        )
        if lonlat_crs is None or not looks_geographic:
            hint = (
                "its coordinates look like longitude/latitude: give --lonlat-crs wgs84 (or cgcs2000, "
                "gcj02, bd09) to say which datum"
                if looks_geographic
                else "its coordinates are projected; Wuxi data is usually EPSG:4549 (CGCS2000 / GK CM 120E)"
            )
            raise CRSError(
                f"{file_name} has no CRS, so its coordinates cannot be placed on the map; {hint}. Add the "
                "CRS to the file (a .prj next to a Shapefile, or 'Assign projection' in QGIS) and load it "
                "again"
            )
        frame = frame.set_crs("EPSG:4490" if lonlat_crs == "cgcs2000" else DISPLAY_CRS)
        notes.append(
            f"{file_name} has no CRS; taken as {DATUM_LABELS[lonlat_crs]} longitude/latitude as told"
        )
    source_crs = frame.crs
    try:
        frame = frame.to_crs(DISPLAY_CRS)
    except Exception as exc:  # pyproj.exceptions.CRSError, ProjError
        raise CRSError(f"{file_name}: cannot reproject from {frame.crs} to {DISPLAY_CRS} ({exc})") from exc
    if not source_crs.equals(DISPLAY_CRS, ignore_axis_order=True):
        notes.append(f"reprojected from {crs_label(source_crs)} to {crs_label(DISPLAY_CRS)} with pyproj")
    if lonlat_crs in ("gcj02", "bd09") and len(frame):
        from wuxi_atlas.analysis.coords import to_wgs84, transform_geometry

        datum = lonlat_crs
        frame = transform_geometry(frame, lambda lon, lat: to_wgs84(lon, lat, datum))
        notes.append(f"converted coordinates from {DATUM_LABELS[datum]} to WGS84")
    return frame


def _polygonal_part(geometry: Any) -> Any:
    if geometry is None or geometry.geom_type in POLYGONAL:
        return geometry
    parts = [part for part in getattr(geometry, "geoms", []) if part.geom_type in POLYGONAL]
    polygons = [poly for part in parts for poly in getattr(part, "geoms", [part])]
    return shapely.MultiPolygon(polygons) if polygons else None


def clean_geometry(
    frame: gpd.GeoDataFrame, spec: LayerSpec, rows: RowLabels, file_name: str, notes: list[str]
) -> gpd.GeoDataFrame:
    """Geometry made 2D, non-empty, valid and of the kind's types (see the module docstring)."""
    geometry = shapely.force_2d(frame.geometry.array)
    frame = frame.set_geometry(geometry)
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        notes.append(
            f"dropped {int(empty.sum())} feature(s) with empty or missing geometry "
            f"({rows(frame.index[empty])})"
        )
        frame = frame[~empty]
    if frame.empty:
        raise LayerError(f"{file_name}: no feature has a geometry; the {spec.kind} layer would be empty")
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        repaired = shapely.make_valid(frame.geometry[invalid].array, method="structure", keep_collapsed=False)
        if spec.polygonal:
            repaired = np.array([_polygonal_part(geom) for geom in repaired], dtype=object)
        frame = frame.copy()
        frame.loc[invalid, frame.geometry.name] = gpd.GeoSeries(
            repaired, index=frame.index[invalid], crs=frame.crs
        )
        notes.append(
            f"repaired {int(invalid.sum())} invalid geometr{'y' if invalid.sum() == 1 else 'ies'} with "
            f"shapely.make_valid ({rows(frame.index[invalid])})"
        )
        collapsed = frame.geometry.isna() | frame.geometry.is_empty
        if collapsed.any():
            notes.append(f"dropped {int(collapsed.sum())} feature(s) that collapsed to nothing when repaired")
            frame = frame[~collapsed]
    types = frame.geometry.geom_type
    wrong = ~types.isin(spec.geometry_types)
    if wrong.all():
        found = listing(sorted(set(types)))
        raise LayerError(
            f"{file_name}: a {spec.kind} layer needs {'/'.join(spec.geometry_types)} geometry, but the file "
            f"has {found}"
        )
    if wrong.any():
        notes.append(
            f"dropped {int(wrong.sum())} feature(s) whose geometry is not {'/'.join(spec.geometry_types)} "
            f"({rows(frame.index[wrong])})"
        )
        frame = frame[~wrong]
    duplicated = frame.geometry.to_wkb().duplicated(keep="first")
    if duplicated.any():
        notes.append(
            f"{int(duplicated.sum())} feature(s) repeat an earlier feature's geometry exactly "
            f"({rows(frame.index[duplicated])}); they are kept, check for double counting"
        )
    west, south, east, north = WUXI_BBOX
    outside = ~frame.geometry.intersects(shapely.box(west, south, east, north))
    if outside.any():
        notes.append(
            f"warning: {int(outside.sum())} feature(s) lie outside Wuxi ({rows(frame.index[outside])}); "
            "check the file's CRS, or its datum (GCJ-02/BD-09 shift points by about 500 m)"
        )
    return frame
