"""湿地保护率 (wetland protection rate), per district and city-wide.

Definition (DOMAIN.md §3): wetland area inside the protection system (reserves, wetland parks,
protection plots, other protected areas) over the total wetland area, on the third land survey's (三调)
scope, which counts river, lake, reservoir and pond surfaces as wetland. Water is therefore in both the
numerator and the denominator.

The wetland polygons are used when there is a wetland layer. Without one, the land-cover raster's
``water`` and ``wetland`` classes stand in for the 三调 scope, and the method line says so. Overlapping
wetland or protected polygons are dissolved first, so no square metre is counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.analysis.land_survey import MethodChoice
from wuxi_atlas.analysis.landcover_pass import LandCoverTables, landcover_pass
from wuxi_atlas.analysis.parcel_overlay import overlay_areas
from wuxi_atlas.analysis.results import (
    DEFAULT_MIN_VALID_SHARE,
    Figure,
    Goal,
    IndicatorResult,
    Provenance,
    insufficient_data,
    measured,
    not_computable,
    too_little_data,
)
from wuxi_atlas.analysis.schemes import load_scheme
from wuxi_atlas.analysis.sources import LandSurveySource
from wuxi_atlas.analysis.study_area import StudyArea, unit_totals
from wuxi_atlas.analysis.survey_indicators import survey_wetland_protection
from wuxi_atlas.analysis.targets import primary_target
from wuxi_atlas.analysis.zonal import Progress, ZonalFunction, zonal_class_areas

if TYPE_CHECKING:
    from wuxi_atlas.analysis.sources import RasterSource, VectorSource
    from wuxi_atlas.analysis.targets import Target

__all__ = [
    "WETLAND_ROLES",
    "dissolve_overlaps",
    "overlap_free_pieces",
    "protected_by_district",
    "wetland_protection_rate",
]

WETLAND_ROLES: tuple[str, ...] = ("wetland", "water")
_INDICATOR = "wetland_protection_rate"


def wetland_protection_rate(
    study_area: StudyArea,
    protected: VectorSource | None,
    targets: Sequence[Target] = (),
    *,
    wetlands: VectorSource | None = None,
    min_valid_share: float = DEFAULT_MIN_VALID_SHARE,
    landcover: RasterSource | LandSurveySource | None = None,
    progress: Progress | None = None,
    zonal: ZonalFunction = zonal_class_areas,
    method: MethodChoice = "auto",
    include_aquaculture: bool = False,
    raster_tables: LandCoverTables | None = None,
) -> list[IndicatorResult]:
    """Wetland protection rate (%) for the city and each district.

    ``numerator`` is the protected wetland area and ``denominator`` the wetland area, both in m².
    Uses ``wetlands`` when given and non-empty, else the ``landcover`` raster's water and wetland classes;
    from the raster, a unit whose valid data cover less than ``min_valid_share`` of it is
    ``insufficient_data``.
    A land survey's parcels (DLTB) as ``landcover`` take precedence over both: they are the 三调 scope
    itself (:func:`analysis.survey_indicators.survey_wetland_protection`, with ``method`` and
    ``include_aquaculture`` for 1104A 养殖坑塘); the wetland layer is then not needed.
    ``raster_tables``: the class areas of the districts and of :func:`protected_by_district`'s zones,
    already computed on the raster (:func:`analysis.landcover_pass.landcover_pass`), which saves two passes.
    """
    if protected is None:
        return study_area.not_computable(_INDICATOR, "%", "no protected-area layer was given")
    if isinstance(landcover, LandSurveySource):
        return survey_wetland_protection(
            study_area,
            protected,
            landcover,
            targets,
            method=method,
            include_aquaculture=include_aquaculture,
            min_valid_share=min_valid_share,
        )
    has_wetlands = wetlands is not None and not wetlands.empty
    if not has_wetlands and landcover is None:
        reason = "neither a wetland layer nor a land-cover raster was given"
        return study_area.not_computable(_INDICATOR, "%", reason)

    coverage: dict[str, tuple[float, float]] = {}  # from a raster: valid and polygon area (m²)
    if has_wetlands:
        assert wetlands is not None
        per_district = _from_polygons(wetlands, protected, study_area)
        provenance = Provenance(
            source=f"wetlands: {wetlands.source}; protected: {protected.source}",
            vintage=wetlands.vintage,
            synthetic=wetlands.synthetic or protected.synthetic,
            method=(
                "area of wetland polygons (三调 scope: water surfaces included) inside the dissolved "
                "protected areas / area of wetland polygons, in EPSG:4549"
            ),
        )
        data_year = _year(wetlands.vintage)
    else:
        assert landcover is not None
        tables = raster_tables or landcover_pass(
            landcover.path,
            study_area,
            protected=protected_by_district(protected, study_area),
            zonal=zonal,
            progress=progress,
        )
        per_district, coverage = _from_raster(landcover, tables)
        provenance = Provenance(
            source=f"land cover: {landcover.source}; protected: {protected.source}",
            vintage=str(landcover.year or ""),
            synthetic=landcover.synthetic or protected.synthetic,
            method=(
                "no wetland layer: area of land-cover water + wetland classes inside the protected areas / "
                "their total area (a proxy for the 三调 scope); exact pixel fractions"
            ),
        )
        data_year = landcover.year

    goal = Goal(primary_target(targets, _INDICATOR, data_year), data_year=data_year)
    results = []
    for unit in study_area.units:
        inside, total = unit_totals(per_district, unit) or (0.0, 0.0)
        valid, polygon = (unit_totals(coverage, unit) or (0.0, 0.0)) if coverage else (1.0, 1.0)
        valid_share = valid / polygon if polygon > 0 else 0.0
        if coverage and too_little_data(valid_share, min_valid_share):
            results.append(
                insufficient_data(_INDICATOR, unit, "%", valid_share, min_valid_share, provenance, goal)
            )
            continue
        if total <= 0:
            results.append(
                not_computable(_INDICATOR, unit.adcode, unit.name_zh, "%", "no wetland area in this unit")
            )
            continue
        figure = Figure(
            value=100.0 * inside / total,
            unit="%",
            numerator=inside,
            numerator_unit="m2",
            denominator=total,
            denominator_kind="wetland_area",
        )
        extra = {
            "wetland_area_km2": total / 1e6,
            "protected_wetland_km2": inside / 1e6,
            "unprotected_wetland_km2": (total - inside) / 1e6,
            "wetland_basis": "polygons" if has_wetlands else "landcover",
        }
        share = valid_share if coverage else None
        results.append(measured(_INDICATOR, unit, figure, provenance, goal, extra=extra, valid_share=share))
    return results


def _from_polygons(
    wetlands: VectorSource, protected: VectorSource, study_area: StudyArea
) -> dict[str, tuple[float, float]]:
    """Per district: (protected wetland, wetland) areas (m²) of the wetland polygons.

    Wetland pieces wholly inside a district (or inside its protected part) count with their whole area;
    only those crossing a boundary are cut (:func:`analysis.parcel_overlay.overlay_areas`).
    """
    districts = study_area.districts
    pieces, signs = overlap_free_pieces(wetlands.frame.to_crs(districts.crs).geometry.to_numpy())
    adcodes = [str(adcode) for adcode in districts["adcode"]]
    piece, district_index, wetland_area = overlay_areas(pieces, districts.geometry.to_numpy())
    totals = np.bincount(district_index, weights=wetland_area * signs[piece], minlength=len(adcodes))
    # The protected areas, dissolved and cut by district, do not overlap: one more overlay.
    protected_zones = protected_by_district(protected, study_area)
    piece, zone_index, protected_area = overlay_areas(pieces, protected_zones.geometry.to_numpy())
    inside = dict.fromkeys(adcodes, 0.0)
    zone_adcodes = protected_zones["adcode"].astype(str).to_numpy()[zone_index]
    for adcode, area in zip(zone_adcodes, (protected_area * signs[piece]).tolist(), strict=True):
        inside[adcode] += area
    return {adcode: (inside[adcode], float(total)) for adcode, total in zip(adcodes, totals, strict=True)}


def overlap_free_pieces(
    geometries: NDArray[np.object_],
) -> tuple[NDArray[np.object_], NDArray[np.float64]]:
    """Pieces and signs (+1, −1) whose signed areas, inside any region, add up to the area of the union of
    ``geometries`` there: so that overlapping polygons are never counted twice.

    Where no point lies in three of the polygons (the usual case: a pond drawn over a river), these are
    the polygons (+1) and the overlap of each overlapping pair (−1), by inclusion–exclusion, which costs
    a few hundred small intersections. Otherwise the overlapping groups are dissolved
    (:func:`dissolve_overlaps`) and every piece counts +1.

    Examples
    --------
    >>> pieces, signs = overlap_free_pieces(np.array([shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1)]))
    >>> float((shapely.area(pieces) * signs).sum())
    3.0
    """
    geometries = np.asarray(geometries, dtype=object)
    geometries = geometries[~(shapely.is_missing(geometries) | shapely.is_empty(geometries))]
    # Pairs of bounding boxes first, then an exact test against prepared polygons: a river of thousands
    # of vertices meets hundreds of ponds' boxes, and the tree's own predicate would not prepare it.
    left, right = shapely.STRtree(geometries).query(geometries)
    pairs = left < right
    left, right = left[pairs], right[pairs]
    shapely.prepare(geometries)
    meeting = shapely.intersects(geometries[left], geometries[right])
    overlaps = shapely.intersection(geometries[left[meeting]], geometries[right[meeting]])
    overlaps = overlaps[shapely.area(overlaps) > 0]
    if len(overlaps):
        # Two pair overlaps that share area put a point in three polygons: then dissolve instead.
        first, second = shapely.STRtree(overlaps).query(overlaps, predicate="intersects")
        distinct = first < second
        shared = shapely.area(shapely.intersection(overlaps[first[distinct]], overlaps[second[distinct]]))
        if np.any(shared > 0):
            dissolved = dissolve_overlaps(geometries)
            return dissolved, np.ones(len(dissolved))
    pieces = np.concatenate([geometries, overlaps])
    return pieces, np.concatenate([np.ones(len(geometries)), -np.ones(len(overlaps))])


def _protected_union(protected: VectorSource, study_area: StudyArea) -> BaseGeometry:
    return protected.frame.to_crs(study_area.districts.crs).union_all()


def protected_by_district(protected: VectorSource, study_area: StudyArea) -> gpd.GeoDataFrame:
    """The protected areas, dissolved, cut by district, in EPSG:4549: one (multi)polygon per district that
    has any (the zones of the raster fallback)."""
    return study_area.clip(_protected_union(protected, study_area))


def _from_raster(
    landcover: RasterSource, tables: LandCoverTables
) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """Per district: (protected wetland, wetland) areas, and (valid, polygon) areas of the raster (m²),
    from the class areas of the districts and of the protected areas in each."""
    assert tables.districts is not None and tables.protected is not None
    wetland_codes = load_scheme(landcover.scheme).codes_for(WETLAND_ROLES)

    def wet(zone_areas: dict[int, float]) -> float:
        return sum(area for code, area in zone_areas.items() if code in wetland_codes)

    inside = {zone.zone_id: wet(dict(zone.class_area_m2)) for zone in tables.protected.zones}
    areas = {
        zone.zone_id: (inside.get(zone.zone_id, 0.0), wet(dict(zone.class_area_m2)))
        for zone in tables.districts.zones
    }
    return areas, {
        zone.zone_id: (zone.valid_area_m2, zone.polygon_area_m2) for zone in tables.districts.zones
    }


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


def _year(vintage: str) -> int | None:
    digits = vintage[:4]
    return int(digits) if digits.isdigit() else None
