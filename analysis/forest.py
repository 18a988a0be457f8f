"""林木覆盖率 (tree and woody cover rate) from a land-cover raster, per district and city-wide.

Definition (DOMAIN.md §3): forest land + all shrubland + shelterbelts and scattered trees, over the unit's
total area. From land cover the closest proxy is the area of the scheme's ``tree`` and ``shrub`` classes
(plus ``orchard`` where the scheme has one). The narrower 森林覆盖率 counts only designated shrubland; its
proxy here is ``tree`` (+ ``orchard``) alone.

The denominator is a choice the result always states:

``official``
    the statistical area of the unit (DOMAIN.md §1), the default, as the plan's figure is reported;
``polygon``
    the area of the boundary polygon on the raster grid, in EPSG:4549 or on the ellipsoid;
``land``
    the polygon area less the scheme's ``water`` classes (Taihu makes up 46% of 滨湖's polygon).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from analysis.land_survey import MethodChoice
from analysis.names import DENOMINATORS, VARIANTS, Denominator, Variant
from analysis.results import Figure, Goal, IndicatorResult, Provenance, measured
from analysis.schemes import load_scheme
from analysis.sources import LandSurveySource
from analysis.study_area import AdminUnit, StudyArea, unit_totals
from analysis.survey_indicators import survey_forest_coverage
from analysis.targets import primary_target
from analysis.zonal import ClassAreaTable, Progress, ZonalFunction, zonal_class_areas

if TYPE_CHECKING:
    from analysis.sources import RasterSource
    from analysis.targets import Target

__all__ = ["DENOMINATORS", "VARIANTS", "Denominator", "Variant", "forest_coverage"]


_VARIANT_ROLES: dict[Variant, tuple[str, ...]] = {
    "linmu": ("tree", "shrub", "orchard"),
    "senlin": ("tree", "orchard"),
}
_VARIANT_NAMES = {"linmu": "林木覆盖率", "senlin": "森林覆盖率"}
_DENOMINATOR_KINDS = {"official": "official_area", "polygon": "polygon_area", "land": "land_area"}


def forest_coverage(
    landcover: RasterSource | LandSurveySource,
    study_area: StudyArea,
    targets: Sequence[Target] = (),
    *,
    denominator: Denominator = "official",
    variant: Variant = "linmu",
    class_areas: ClassAreaTable | None = None,
    progress: Progress | None = None,
    zonal: ZonalFunction = zonal_class_areas,
    method: MethodChoice = "auto",
) -> list[IndicatorResult]:
    """Tree and woody cover rate (%) for the city and each district.

    Parameters
    ----------
    landcover
        The land-cover raster and its scheme, or a land survey's parcels (DLTB): those are handed to
        :func:`analysis.survey_indicators.survey_forest_coverage`, which reports tabulation and geometry
        side by side.
    study_area
        The city and its districts (:class:`analysis.study_area.StudyArea`).
    targets
        The plan's targets; the ``forest_coverage`` ones give the target and baseline.
    denominator
        ``official`` (default), ``polygon`` or ``land``; see the module docstring.
    variant
        ``linmu`` (林木覆盖率, tree + shrub + orchard) or ``senlin`` (森林覆盖率 proxy, tree + orchard).
    class_areas
        Per-district class areas already computed on this raster (saves a second pass).
    zonal
        The zonal engine (``analysis.zonal.distributed.zonal_strategy`` gives one that runs on Dask).
    method
        For a land survey only: ``auto`` (tabulation when the parcels carry its fields), ``tabulation``
        or ``geometry`` (:mod:`analysis.land_survey`).

    Returns
    -------
    list of IndicatorResult
        The city first, then the districts; ``value`` in percent, ``numerator``/``denominator`` in m².
    """
    if denominator not in DENOMINATORS:
        raise ValueError(f"denominator must be one of {', '.join(DENOMINATORS)}, not {denominator!r}")
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, not {variant!r}")
    if isinstance(landcover, LandSurveySource):
        return survey_forest_coverage(
            landcover, study_area, targets, denominator=denominator, variant=variant, method=method
        )
    scheme = load_scheme(landcover.scheme)
    woody_codes = scheme.codes_for(_VARIANT_ROLES[variant])
    water_codes = scheme.codes_for(("water",))
    if class_areas is None:
        class_areas = zonal(landcover.path, study_area.districts, "adcode", progress=progress)

    per_unit: dict[str, tuple[float, float, float, float]] = {}  # woody, polygon, water, valid (m²)
    for zone in class_areas.zones:
        woody = sum(area for code, area in zone.class_area_m2.items() if code in woody_codes)
        water = sum(area for code, area in zone.class_area_m2.items() if code in water_codes)
        per_unit[zone.zone_id] = (woody, zone.zone_area_m2, water, zone.valid_area_m2)

    goal = Goal(primary_target(targets, "forest_coverage", landcover.year), data_year=landcover.year)
    provenance = Provenance(
        source=landcover.source,
        vintage=str(landcover.year or ""),
        synthetic=landcover.synthetic,
        method=(
            f"{_VARIANT_NAMES[variant]}: area of {scheme.name} classes "
            f"{sorted(woody_codes)} ({'+'.join(_VARIANT_ROLES[variant])}) / "
            f"{_DENOMINATOR_KINDS[denominator].replace('_', ' ')}; exact pixel fractions"
        ),
    )
    results = []
    for unit in study_area.units:
        woody, polygon, water, valid = unit_totals(per_unit, unit) or (0.0, 0.0, 0.0, 0.0)
        area_m2 = _denominator_m2(unit, denominator, polygon, water)
        figure = Figure(
            value=100.0 * woody / area_m2,
            unit="%",
            numerator=woody,
            numerator_unit="m2",
            denominator=area_m2,
            denominator_kind=_DENOMINATOR_KINDS[denominator],
        )
        extra = {
            "variant": _VARIANT_NAMES[variant],
            "valid_fraction": valid / polygon if polygon else 0.0,
            "polygon_area_m2": polygon,
            "water_area_m2": water,
            "woody_area_ha": woody / 1e4,
        }
        results.append(measured("forest_coverage", unit, figure, provenance, goal, extra=extra))
    return results


def _denominator_m2(unit: AdminUnit, denominator: Denominator, polygon_m2: float, water_m2: float) -> float:
    if denominator == "official":
        return unit.official_area_km2 * 1e6
    if denominator == "polygon":
        return polygon_m2
    return polygon_m2 - water_m2
