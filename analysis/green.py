"""建成区绿化覆盖率 (green coverage of the built-up area), per district and city-wide.

Definition (DOMAIN.md §3, GB/T 50563-2010): the vertical projection of all vegetation inside the
built-up area (建成区), over the built-up area. A land-cover class is one label per pixel, so shrubs under
tree crowns are never counted twice. Water inside the built-up area stays in the denominator. Cropland is
not green space in the standard's sense and is left out unless the caller adds the ``crop`` role.

The vegetated share is measured on the part of the built-up area that has valid data, and applied to
the whole built-up area; a district whose built-up area has too little valid data (a tile that misses
it) is ``insufficient_data``, never a division by zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

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
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.analysis.study_area import StudyArea, Units, unit_totals, with_polygons
from wuxi_atlas.analysis.targets import primary_target
from wuxi_atlas.analysis.zonal import ClassAreaTable, Progress, ZonalFunction, zonal_class_areas
from wuxi_atlas.analysis.zonal.off_grid import class_areas_off_grid_allowed

if TYPE_CHECKING:
    import geopandas as gpd

    from wuxi_atlas.analysis.sources import LayerNote, RasterSource
    from wuxi_atlas.analysis.targets import Target

__all__ = ["DEFAULT_VEGETATION_ROLES", "builtup_by_district", "builtup_green_coverage"]

DEFAULT_VEGETATION_ROLES: tuple[str, ...] = ("tree", "shrub", "orchard", "grass")


def builtup_by_district(builtup: VectorSource, study_area: StudyArea) -> gpd.GeoDataFrame:
    """The built-up area cut by district, in EPSG:4549: one (multi)polygon per district that has any."""
    return study_area.clip(builtup.frame.to_crs(study_area.districts.crs).union_all())


def builtup_green_coverage(
    landcover: RasterSource,
    builtup: VectorSource | LayerNote | None,
    study_area: Units,
    targets: Sequence[Target] = (),
    *,
    vegetation_roles: Sequence[str] = DEFAULT_VEGETATION_ROLES,
    min_valid_share: float = DEFAULT_MIN_VALID_SHARE,
    class_areas: ClassAreaTable | None = None,
    progress: Progress | None = None,
    zonal: ZonalFunction = zonal_class_areas,
) -> list[IndicatorResult]:
    """Built-up green coverage (%) for the city and each district that has built-up area.

    ``numerator`` is the vegetated area and ``denominator`` the built-up area (m²). A district with no
    built-up area, or a missing built-up layer, is reported as not computable; one whose built-up area
    has valid data on less than ``min_valid_share`` of it as ``insufficient_data``. ``class_areas``: the
    class areas of :func:`builtup_by_district`'s zones already computed on this raster
    (:func:`analysis.landcover_pass.landcover_pass`), which saves a pass; with them, ``builtup`` may be
    the layer's :class:`~analysis.sources.LayerNote` and ``study_area`` its units only (a run from the
    result cache, :mod:`analysis.cached_run`).
    """
    if builtup is None or builtup.empty:
        reason = (
            "no built-up area (建成区) layer was given" if builtup is None else "the built-up layer is empty"
        )
        return study_area.not_computable("builtup_green_coverage", "%", reason)

    scheme = load_scheme(landcover.scheme)
    green_codes = scheme.codes_for(tuple(vegetation_roles))
    table = class_areas
    if table is None:
        if not isinstance(builtup, VectorSource):
            raise TypeError("without class_areas, the built-up layer itself is needed, not its note")
        districts = with_polygons(study_area)
        zones = builtup_by_district(builtup, districts)
        # A tile may miss every built-up area yet cover the city: those districts are unseen, not an error.
        table = class_areas_off_grid_allowed(
            zonal, landcover.path, zones, "adcode", study_area=districts.districts, progress=progress
        )
    per_district = {
        zone.zone_id: (
            sum(area for code, area in zone.class_area_m2.items() if code in green_codes),
            zone.polygon_area_m2,
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
        valid_share = valid / area if area > 0 else 0.0
        if too_little_data(valid_share, min_valid_share):
            results.append(
                insufficient_data(
                    "builtup_green_coverage", unit, "%", valid_share, min_valid_share, provenance, goal
                )
            )
            continue
        # The green share of the built-up ground with valid data, applied to the whole built-up area.
        figure = Figure(
            value=100.0 * green / valid,
            unit="%",
            numerator=green * area / valid,
            numerator_unit="m2",
            denominator=area,
            denominator_kind="builtup_area",
        )
        extra = {"builtup_area_km2": area / 1e6, "valid_area_km2": valid / 1e6}
        results.append(
            measured(
                "builtup_green_coverage", unit, figure, provenance, goal, extra=extra, valid_share=valid_share
            )
        )
    return results
