"""Load and validate the city and district boundaries (RFC 7946 GeoJSON in WGS84).

The shipped file is built by ``scripts/build_boundaries.py``; see ``data/boundaries/PROVENANCE.md``.
A user may point the atlas at another boundaries file, so everything a later computation relies on
is checked here once, and each failure names the file and the problem.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.analysis.crs import DISPLAY_CRS, METRIC_CRS, crs_label, require_crs
from wuxi_atlas.analysis.errors import BoundaryError
from wuxi_atlas.analysis.paths import boundaries_path
from wuxi_atlas.analysis.results import CITY_ADCODE

__all__ = [
    "BOUNDARY_COLUMNS",
    "UNIT_KINDS",
    "city_row",
    "district_rows",
    "load_boundaries",
    "to_metric",
]

BOUNDARY_COLUMNS: tuple[str, ...] = (
    "adcode",
    "name_zh",
    "name_en",
    "kind",
    "official_area_km2",
    "official_area_source",
    "polygon_area_km2",
    "lake_note",
)
"""Attribute columns of :func:`load_boundaries`, in order; ``geometry`` follows them."""

UNIT_KINDS: tuple[str, ...] = ("city", "district", "county-level city")

# Every feature must carry these; the two notes may be absent or null.
_REQUIRED = ("adcode", "name_zh", "name_en", "kind", "official_area_km2", "polygon_area_km2")
_OPTIONAL = ("official_area_source", "lake_note")


def _fail(path: Path, problem: str) -> BoundaryError:
    return BoundaryError(f"boundaries file {path}: {problem}")


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise _fail(path, "file not found" if not path.exists() else "not a file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise _fail(path, f"not UTF-8 text ({exc.reason} at byte {exc.start}); expected GeoJSON") from exc
    except json.JSONDecodeError as exc:
        raise _fail(path, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc


def _declared_crs(path: Path, document: dict[str, Any]) -> str | None:
    """The CRS named by a legacy (pre-RFC 7946) ``crs`` member, or None if there is none."""
    member = document.get("crs")
    if member is None:
        return None
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    if not isinstance(name, str):
        raise _fail(
            path, f"has a `crs` member without a CRS name ({member!r}); RFC 7946 GeoJSON has no `crs`"
        )
    return name


def _check_declared_crs(path: Path, name: str) -> None:
    try:
        declared = CRS.from_user_input(name)
    except PyprojCRSError as exc:
        raise _fail(
            path, f"declares CRS {name!r}, which pyproj does not recognise; expected EPSG:4326"
        ) from exc
    wgs84 = CRS.from_user_input(DISPLAY_CRS)
    # CGCS2000 geographic (EPSG:4490) agrees with WGS84 to centimetres; see analysis.coords.to_wgs84.
    cgcs2000 = CRS.from_user_input("EPSG:4490")
    if declared.equals(wgs84, ignore_axis_order=True) or declared.equals(cgcs2000, ignore_axis_order=True):
        return
    hint = "it is projected; convert to EPSG:4326" if declared.is_projected else "convert to EPSG:4326"
    raise _fail(
        path,
        f"declares CRS {crs_label(declared)} in a legacy `crs` member; boundaries must be WGS84 "
        f"longitude/latitude (RFC 7946) — {hint}, e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson {path.name}`",
    )


def _features(path: Path, document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise _fail(path, f"not a GeoJSON FeatureCollection (top-level type is {found!r})")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise _fail(path, "has no features (the `features` member is missing, not a list, or empty)")
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise _fail(path, f"feature {index} is not a GeoJSON Feature")
        if not isinstance(feature.get("properties"), dict):
            raise _fail(path, f"feature {index} has no properties object")
        if not isinstance(feature.get("geometry"), dict):
            raise _fail(path, f"feature {index} has no geometry")
    return features


def _attributes(path: Path, index: int, properties: dict[str, Any]) -> dict[str, Any]:
    missing = [name for name in _REQUIRED if properties.get(name) is None]
    if missing:
        label = f"feature {index}" + (f" (adcode {properties['adcode']})" if properties.get("adcode") else "")
        raise _fail(path, f"{label} is missing required attribute {', '.join(repr(m) for m in missing)}")
    adcode = str(properties["adcode"]).strip()
    kind = properties["kind"]
    if kind not in UNIT_KINDS:
        raise _fail(
            path, f"feature {index} (adcode {adcode}) has kind {kind!r}; expected one of {UNIT_KINDS}"
        )
    row: dict[str, Any] = {
        "adcode": adcode,
        "name_zh": str(properties["name_zh"]),
        "name_en": str(properties["name_en"]),
        "kind": kind,
    }
    for name in ("official_area_km2", "polygon_area_km2"):
        value = properties[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise _fail(path, f"feature {index} (adcode {adcode}) has non-numeric {name} {value!r}")
        row[name] = float(value)
    for name in _OPTIONAL:
        value = properties.get(name)
        row[name] = None if value is None else str(value)
    return row


def _geometry(path: Path, index: int, adcode: str, geometry: dict[str, Any]) -> BaseGeometry:
    geometry_type = geometry.get("type")
    if geometry_type not in ("Polygon", "MultiPolygon"):
        raise _fail(
            path, f"feature {index} (adcode {adcode}) has geometry type {geometry_type!r}; expected Polygon"
        )
    try:
        parsed = shape(geometry)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, GEOSException) as exc:
        raise _fail(
            path, f"feature {index} (adcode {adcode}) has malformed {geometry_type} coordinates ({exc})"
        ) from exc
    if parsed.is_empty:
        raise _fail(path, f"feature {index} (adcode {adcode}) has an empty geometry")
    return parsed


def _check_lon_lat_range(path: Path, geometries: list[BaseGeometry], declared: str | None) -> None:
    bounds = shapely.total_bounds(np.asarray(geometries, dtype=object))
    min_x, min_y, max_x, max_y = (float(v) for v in bounds)
    if min_x >= -180 and max_x <= 180 and min_y >= -90 and max_y <= 90:
        return
    declared_note = f" (the file declares {declared})" if declared else ""
    raise _fail(
        path,
        f"coordinates outside ±180/±90 (x {min_x:.1f}..{max_x:.1f}, y {min_y:.1f}..{max_y:.1f})"
        f"{declared_note}: looks projected; convert to EPSG:4326",
    )


def load_boundaries(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Load the city and district boundaries, validated, in EPSG:4326.

    Parameters
    ----------
    path : str or Path, optional
        An RFC 7946 GeoJSON FeatureCollection; defaults to :func:`analysis.paths.boundaries_path`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit, the city (``adcode`` 320200) first and then the others by adcode, with the
        columns :data:`BOUNDARY_COLUMNS` plus ``geometry``. ``adcode`` is a string; areas are km²
        (``official_area_km2`` as published, ``polygon_area_km2`` measured in EPSG:4549).

    Raises
    ------
    BoundaryError
        Naming the file and the problem: missing file, not JSON, not a FeatureCollection, a missing
        required attribute, a non-polygon, empty or invalid geometry, a CRS other than WGS84 (a legacy
        ``crs`` member or projected-looking coordinates), duplicate adcodes, or no city row.

    Examples
    --------
    >>> gdf = load_boundaries()
    >>> gdf.crs.to_string(), len(gdf), gdf["adcode"].iloc[0]
    ('EPSG:4326', 8, '320200')
    """
    path = Path(boundaries_path() if path is None else path)
    document = _read_json(path)
    features = _features(path, document)
    declared = _declared_crs(path, document)
    if declared is not None:
        _check_declared_crs(path, declared)

    rows = []
    geometries = []
    for index, feature in enumerate(features):
        row = _attributes(path, index, feature["properties"])
        geometries.append(_geometry(path, index, row["adcode"], feature["geometry"]))
        rows.append(row)
    _check_lon_lat_range(path, geometries, declared)
    for row, geometry in zip(rows, geometries, strict=True):
        if not shapely.is_valid(geometry):
            reason = shapely.is_valid_reason(geometry)
            raise _fail(path, f"adcode {row['adcode']} has an invalid geometry ({reason})")

    adcodes = [row["adcode"] for row in rows]
    duplicates = sorted({code for code in adcodes if adcodes.count(code) > 1})
    if duplicates:
        raise _fail(path, f"duplicate adcode {', '.join(duplicates)}")
    if CITY_ADCODE not in adcodes:
        raise _fail(path, f"has no city row (adcode {CITY_ADCODE})")
    city_kinds = [row["kind"] for row in rows if row["adcode"] == CITY_ADCODE]
    if city_kinds != ["city"]:
        raise _fail(path, f"adcode {CITY_ADCODE} must have kind 'city', not {city_kinds[0]!r}")
    if sum(row["kind"] == "city" for row in rows) != 1:
        raise _fail(path, f"only adcode {CITY_ADCODE} may have kind 'city'")

    order = sorted(range(len(rows)), key=lambda i: (rows[i]["kind"] != "city", rows[i]["adcode"]))
    return gpd.GeoDataFrame(
        [rows[i] for i in order],
        columns=list(BOUNDARY_COLUMNS),
        geometry=[geometries[i] for i in order],
        crs=DISPLAY_CRS,
    )


def district_rows(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The districts and county-level cities (every row whose ``kind`` is not ``"city"``).

    Examples
    --------
    >>> sorted(district_rows(load_boundaries())["name_en"])[:3]
    ['Binhu', 'Huishan', 'Jiangyin']
    """
    return gdf[gdf["kind"] != "city"]


def city_row(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The city as a one-row GeoDataFrame (keeping the CRS, unlike a plain row).

    Raises
    ------
    BoundaryError
        If there is not exactly one row of kind ``"city"``.

    Examples
    --------
    >>> city_row(load_boundaries())["name_zh"].item()
    '无锡市'
    """
    city = gdf[gdf["kind"] == "city"]
    if len(city) != 1:
        raise BoundaryError(f"boundaries have {len(city)} rows of kind 'city', expected exactly 1")
    return city


def to_metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy in :data:`~analysis.crs.METRIC_CRS` (EPSG:4549), for areas in m² and distances in m.

    Raises
    ------
    CRSError
        If ``gdf`` has no CRS.

    Examples
    --------
    >>> metric = to_metric(load_boundaries())
    >>> metric.crs.to_string(), round(metric.area.iloc[0] / 1e6)
    ('EPSG:4549', 4682)
    """
    if gdf.crs is None:
        require_crs(gdf, DISPLAY_CRS, "boundaries")  # raises, naming the missing CRS
    return gdf.to_crs(METRIC_CRS)
