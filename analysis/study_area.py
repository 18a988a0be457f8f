"""The study area of one run: the city (adcode 320200) and its 7 districts, built once and passed on.

A :class:`StudyArea` is made from the boundaries (``analysis.boundaries.load_boundaries``) once per run,
by :func:`analysis.indicators.compute_indicators` or :func:`analysis.change.landcover_change`, and every
indicator family reads its units from it: the codes, names and the two areas an indicator may divide by,
and the district polygons in EPSG:4549 (reprojected once, on first use).

Indicator families compute per district, then add the districts up for the city: the districts tile the
city exactly (tested in ``tests/analysis/test_boundaries.py``), so the sum is the city's figure and no
second pass over the data is needed (:func:`unit_totals`, :func:`rows_in_unit`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.analysis.crs import METRIC_CRS
from wuxi_atlas.analysis.errors import CRSError
from wuxi_atlas.analysis.results import CITY_ADCODE, IndicatorResult, not_computable

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from wuxi_atlas.analysis.sources import VectorSource

__all__ = [
    "METRIC_CRS",
    "AdminUnit",
    "StudyArea",
    "Units",
    "assign_points_to_districts",
    "district_frame",
    "rows_in_unit",
    "unit_totals",
    "units_from_boundaries",
    "with_polygons",
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


@dataclass(frozen=True, eq=False)
class Units:
    """The city first, then the districts by adcode, as :class:`AdminUnit` records: all an indicator
    family reads of the study area once its class areas are counted (a run whose zones come from the
    result cache has these, and no boundaries frame)."""

    units: tuple[AdminUnit, ...]

    @property
    def city(self) -> AdminUnit:
        """The city unit (adcode 320200)."""
        return next(unit for unit in self.units if unit.is_city)

    def name_zh(self, adcode: str) -> str:
        """The Chinese name of a unit, or the adcode itself for a code outside the study area."""
        return next((unit.name_zh for unit in self.units if unit.adcode == adcode), adcode)

    def not_computable(self, indicator: str, value_unit: str, reason: str) -> list[IndicatorResult]:
        """One not-computable result per unit, all for the same ``reason`` (a missing layer, say)."""
        return [not_computable(indicator, u.adcode, u.name_zh, value_unit, reason) for u in self.units]


@dataclass(frozen=True, eq=False)
class StudyArea(Units):
    """The city and its districts, as one run's indicator families see them.

    Attributes
    ----------
    boundaries
        The city and district boundaries as loaded (``analysis.boundaries.load_boundaries``).
    units
        The city first, then the districts by adcode, as :class:`AdminUnit` records.

    Examples
    --------
    >>> from analysis.boundaries import load_boundaries
    >>> study_area = StudyArea.from_boundaries(load_boundaries())
    >>> study_area.city.name_en, len(study_area.units), study_area.districts.crs.to_string()
    ('Wuxi', 8, 'EPSG:4549')
    """

    boundaries: gpd.GeoDataFrame

    @classmethod
    def from_boundaries(cls, boundaries: gpd.GeoDataFrame) -> StudyArea:
        """The study area of a boundaries frame (columns ``adcode``, ``name_zh``, ``name_en``, ``kind``,
        ``official_area_km2``, ``polygon_area_km2``)."""
        return cls(boundaries=boundaries, units=units_from_boundaries(boundaries))

    @functools.cached_property
    def districts(self) -> gpd.GeoDataFrame:
        """The district polygons (not the city) in EPSG:4549, indexed by adcode; reprojected on first use.

        Raises
        ------
        CRSError
            The boundaries have no CRS.
        """
        return district_frame(self.boundaries)

    def clip(self, mask: BaseGeometry) -> gpd.GeoDataFrame:
        """Each district's ``adcode`` and its part inside ``mask`` (in EPSG:4549), polygons only.

        A mask that only touches a district along its border leaves a line, not an area; such districts are
        dropped, so zonal statistics are never asked for a zone of zero area.
        """
        import geopandas as gpd

        pieces = self.districts[["adcode", "geometry"]].copy()
        clipped = shapely.intersection(pieces.geometry.to_numpy(), mask)
        polygons = [_polygonal_part(geometry) for geometry in clipped]
        pieces["geometry"] = gpd.GeoSeries(polygons, index=pieces.index, crs=self.districts.crs)
        return pieces[[not geometry.is_empty and geometry.area > 0 for geometry in polygons]]

    def locate(self, points: VectorSource) -> gpd.GeoDataFrame:
        """A point layer in EPSG:4549 with the ``adcode`` of the district holding each point."""
        return assign_points_to_districts(points.frame.to_crs(self.districts.crs), self.districts)


def with_polygons(study_area: Units) -> StudyArea:
    """``study_area`` itself, which must have its district polygons (a :class:`StudyArea`, not only its
    :class:`Units`): an indicator that has to lay the districts on its data needs them."""
    if not isinstance(study_area, StudyArea):
        raise TypeError("this needs the district polygons (a StudyArea), not only the units")
    return study_area


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


def _polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    parts = [part for part in shapely.get_parts(geometry) if part.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def assign_points_to_districts(points: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each point with the adcode of the district that contains it (``None`` outside the city).

    Both frames must share a CRS; the join is a point-in-polygon test, so a point exactly on a shared
    boundary goes to one district only (the first match), never two.
    """
    import geopandas as gpd

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
