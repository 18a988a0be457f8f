"""Administrative units and the bookkeeping every indicator family shares.

A unit is the city (adcode 320200) or one of its 7 districts. Indicator families compute per district,
then add the districts up for the city: the districts tile the city exactly (tested in
``tests/test_boundaries.py``), so the sum is the city's figure and no second pass over the data is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from analysis.crs import METRIC_CRS
from analysis.errors import CRSError
from analysis.results import CITY_ADCODE, IndicatorResult, Status, judge_status

if TYPE_CHECKING:
    from analysis.sources import VectorSource
    from analysis.targets import Target

__all__ = [
    "METRIC_CRS",
    "AdminUnit",
    "assign_points_to_districts",
    "build_result",
    "clip_districts",
    "dissolve_overlaps",
    "district_frame",
    "points_by_district",
    "primary_target",
    "rows_in_unit",
    "unit_totals",
    "units_from_boundaries",
]


@dataclass(frozen=True)
class AdminUnit:
    """One unit: its codes, names and the two areas an indicator may divide by (km²)."""

    adcode: str
    name_zh: str
    name_en: str
    kind: str
    official_area_km2: float
    polygon_area_km2: float

    @property
    def is_city(self) -> bool:
        return self.adcode == CITY_ADCODE


def units_from_boundaries(boundaries: gpd.GeoDataFrame) -> tuple[AdminUnit, ...]:
    """The city first, then the districts by adcode, as :class:`AdminUnit` records."""
    ordered = sorted(
        (row for _, row in boundaries.iterrows()),
        key=lambda row: (str(row["adcode"]) != CITY_ADCODE, str(row["adcode"])),
    )
    return tuple(
        AdminUnit(
            adcode=str(row["adcode"]),
            name_zh=str(row["name_zh"]),
            name_en=str(row["name_en"]),
            kind=str(row["kind"]),
            official_area_km2=float(row["official_area_km2"]),
            polygon_area_km2=float(row["polygon_area_km2"]),
        )
        for row in ordered
    )


def district_frame(boundaries: gpd.GeoDataFrame, crs: str = METRIC_CRS) -> gpd.GeoDataFrame:
    """The district rows only (not the city), reprojected to ``crs``, indexed by adcode."""
    if boundaries.crs is None:
        raise CRSError(f"the boundaries have no CRS; expected EPSG:4326 (they are compared in {crs})")
    districts = boundaries[boundaries["adcode"].astype(str) != CITY_ADCODE].copy()
    districts["adcode"] = districts["adcode"].astype(str)
    return districts.to_crs(crs).set_index("adcode", drop=False)


def clip_districts(districts: gpd.GeoDataFrame, mask: BaseGeometry) -> gpd.GeoDataFrame:
    """Each district's ``adcode`` and its part inside ``mask``, polygons only.

    A mask that only touches a district along its border leaves a line, not an area; such districts are
    dropped, so zonal statistics are never asked for a zone of zero area.
    """
    pieces = districts[["adcode", "geometry"]].copy()
    clipped = shapely.intersection(pieces.geometry.to_numpy(), mask)
    polygons = [_polygonal_part(geometry) for geometry in clipped]
    pieces["geometry"] = gpd.GeoSeries(polygons, index=pieces.index, crs=districts.crs)
    return pieces[[not geometry.is_empty and geometry.area > 0 for geometry in polygons]]


def _polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    parts = [part for part in shapely.get_parts(geometry) if part.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def dissolve_overlaps(geometries: NDArray[np.object_]) -> NDArray[np.object_]:
    """The same area as ``geometries``, as pieces that do not overlap, so their areas can be added.

    Only geometries that overlap another one (share area, not just a border) are merged, group by group;
    the rest are returned as they are. Far cheaper than one ``union_all`` over thousands of polygons.
    """
    geometries = np.asarray(geometries, dtype=object)
    geometries = geometries[~(shapely.is_missing(geometries) | shapely.is_empty(geometries))]
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    overlapping = shapely.area(shapely.intersection(geometries[left], geometries[right])) > 0
    parent = list(range(len(geometries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(left[overlapping], right[overlapping], strict=True):
        parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(len(geometries)):
        groups.setdefault(root(i), []).append(i)
    pieces = [geometries[m[0]] if len(m) == 1 else shapely.union_all(geometries[m]) for m in groups.values()]
    return np.asarray(pieces, dtype=object)


def points_by_district(points: VectorSource, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A point layer in EPSG:4549 with the ``adcode`` of the district holding each point."""
    districts = district_frame(boundaries)
    return assign_points_to_districts(points.frame.to_crs(districts.crs), districts)


def assign_points_to_districts(points: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each point with the adcode of the district that contains it (``None`` outside the city).

    Both frames must share a CRS; the join is a point-in-polygon test, so a point exactly on a shared
    boundary goes to one district only (the first match), never two.
    """
    if points.crs != districts.crs:
        raise CRSError(f"points are in {points.crs}, districts in {districts.crs}; reproject one of them")
    joined = gpd.sjoin(
        points, districts[["adcode", "geometry"]].reset_index(drop=True), how="left", predicate="within"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined.drop(columns=["index_right"], errors="ignore")


def unit_totals(per_district: Mapping[str, tuple[float, ...]], unit: AdminUnit) -> tuple[float, ...] | None:
    """A district's own figures, or for the city the sum of every district's; ``None`` when a district
    has no entry. The districts tile the city, so their sum is the city's figure."""
    if unit.is_city:
        return tuple(float(sum(parts)) for parts in zip(*per_district.values(), strict=True))
    return per_district.get(unit.adcode)


def rows_in_unit(frame: pd.DataFrame, unit: AdminUnit) -> pd.DataFrame:
    """Rows of a frame from :func:`assign_points_to_districts` that fall in ``unit`` (any district for the
    city; rows outside every district belong to no unit)."""
    return frame[frame["adcode"].notna()] if unit.is_city else frame[frame["adcode"] == unit.adcode]


def primary_target(targets: Sequence[Target], measure: str, data_year: int | None) -> Target | None:
    """The target of ``measure`` that matters now: the earliest one not before the data's year.

    When every target year has passed, the latest target is returned, so a 2026 dataset is still judged
    against 2025.
    """
    matching = sorted((t for t in targets if t.measure == measure), key=lambda t: t.year)
    if not matching:
        return None
    if data_year is None:
        return matching[0]
    upcoming = [t for t in matching if t.year >= data_year]
    return upcoming[0] if upcoming else matching[-1]


def build_result(
    indicator: str,
    unit: AdminUnit,
    *,
    value: float,
    value_unit: str,
    numerator: float,
    denominator: float | None,
    numerator_unit: str,
    denominator_kind: str,
    source: str,
    vintage: str,
    synthetic: bool,
    method: str,
    target: Target | None,
    target_scale: float = 1.0,
    data_year: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> IndicatorResult:
    """An :class:`IndicatorResult` with its status judged against ``target``.

    ``target_scale`` converts the target's unit to the value's (1000 for a target in GW and a value in MW).
    """
    target_value = None if target is None else target.value * target_scale
    baseline_value = None
    if target is not None and target.baseline_value is not None:
        baseline_value = target.baseline_value * target_scale
    status: Status = judge_status(
        value,
        target_value,
        None if target is None else target.year,
        "at_least" if target is None else target.comparison,
        data_year=data_year,
        baseline_value=baseline_value,
        baseline_year=None if target is None else target.baseline_year,
    )
    return IndicatorResult(
        indicator=indicator,
        adcode=unit.adcode,
        district=unit.name_zh,
        value=value,
        unit=value_unit,
        target=target_value,
        target_year=None if target is None else target.year,
        status=status,
        numerator=numerator,
        denominator=denominator,
        numerator_unit=numerator_unit,
        denominator_kind=denominator_kind,
        source=source,
        vintage=vintage,
        synthetic=synthetic,
        method=method,
        target_id=None if target is None else target.id,
        extra=dict(extra or {}),
    )
