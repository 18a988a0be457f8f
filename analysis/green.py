"""建成区绿化覆盖率 (green coverage of the built-up area), per district and city-wide.

Definition (DOMAIN.md §3, GB/T 50563-2010): the vertical projection of all vegetation inside the
built-up area (建成区), over the built-up area. A land-cover class is one label per pixel, so shrubs under
tree crowns are never counted twice. Water inside the built-up area stays in the denominator. Cropland is
not green space in the standard's sense and is left out unless the caller adds the ``crop`` role.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd

from analysis.results import Figure, Goal, IndicatorResult, Provenance, measured, not_computable
from analysis.schemes import load_scheme
from analysis.study_area import StudyArea, unit_totals
from analysis.targets import primary_target
from analysis.zonal import Progress, ZonalFunction, zonal_class_areas

if TYPE_CHECKING:
    from analysis.sources import RasterSource, VectorSource
    from analysis.targets import Target

__all__ = ["DEFAULT_VEGETATION_ROLES", "builtup_by_district", "builtup_green_coverage"]

DEFAULT_VEGETATION_ROLES: tuple[str, ...] = ("tree", "shrub", "orchard", "grass")


def builtup_by_district(builtup: VectorSource, study_area: StudyArea) -> gpd.GeoDataFrame:
    """The built-up area cut by district, in EPSG:4549: one (multi)polygon per district that has any."""
    return study_area.clip(builtup.frame.to_crs(study_area.districts.crs).union_all())


def builtup_green_coverage(
    landcover: RasterSource,
    builtup: VectorSource | None,
    study_area: StudyArea,
    targets: Sequence[Target] = (),
    *,
    vegetation_roles: Sequence[str] = DEFAULT_VEGETATION_ROLES,
    progress: Progress | None = None,
    zonal: ZonalFunction = zonal_class_areas,
) -> list[IndicatorResult]:
    """Built-up green coverage (%) for the city and each district that has built-up area.

    ``numerator`` is the vegetated area and ``denominator`` the built-up area on the raster grid (m²).
    A district with no built-up area, or a missing built-up layer, is reported as not computable.
    """
    if builtup is None or builtup.empty:
        reason = (
            "no built-up area (建成区) layer was given" if builtup is None else "the built-up layer is empty"
        )
        return study_area.not_computable("builtup_green_coverage", "%", reason)

    scheme = load_scheme(landcover.scheme)
    green_codes = scheme.codes_for(tuple(vegetation_roles))
    zones = builtup_by_district(builtup, study_area)
    table = zonal(landcover.path, zones, "adcode", progress=progress)
    per_district = {
        zone.zone_id: (
            sum(area for code, area in zone.class_area_m2.items() if code in green_codes),
            zone.zone_area_m2,
            zone.valid_area_m2,
        )
        for zone in table.zones
    }
    goal = Goal(primary_target(targets, "builtup_green_coverage", landcover.year), data_year=landcover.year)
    provenance = Provenance(
        source=f"{landcover.source}; built-up: {builtup.source}",
        vintage=str(landcover.year or ""),
        synthetic=landcover.synthetic or builtup.synthetic,
        method=(
            f"area of {scheme.name} classes {sorted(green_codes)} ({'+'.join(vegetation_roles)}) inside the "
            "built-up polygon / built-up area (water kept in the denominator); exact pixel fractions"
        ),
    )
    results = []
    for unit in study_area.units:
        totals = unit_totals(per_district, unit)
        if totals is None:
            results.append(
                not_computable(
                    "builtup_green_coverage",
                    unit.adcode,
                    unit.name_zh,
                    "%",
                    "the built-up layer has no area in this district",
                )
            )
            continue
        green, area, valid = totals
        figure = Figure(
            value=100.0 * green / area,
            unit="%",
            numerator=green,
            numerator_unit="m2",
            denominator=area,
            denominator_kind="builtup_area",
        )
        extra = {"valid_fraction": valid / area if area else 0.0, "builtup_area_km2": area / 1e6}
        results.append(measured("builtup_green_coverage", unit, figure, provenance, goal, extra=extra))
    return results
