"""林木覆盖率 (tree and woody cover rate) from a land-cover raster, per district and city-wide.

Definition (DOMAIN.md §3): forest land + all shrubland + shelterbelts and scattered trees, over the unit's
total area. From land cover the closest proxy is the area of the scheme's ``tree`` and ``shrub`` classes
(plus ``orchard`` where the scheme has one). The narrower 森林覆盖率 counts only designated shrubland; its
proxy here is ``tree`` (+ ``orchard``) alone.

The denominator is a choice the result always states:

``official``
    the statistical area of the unit (DOMAIN.md §1), the default, as the plan's figure is reported;
``polygon``
    the area of the boundary polygon, in EPSG:4549 or on the ellipsoid;
``land``
    the polygon area less the scheme's ``water`` classes (Taihu makes up 46% of 滨湖's polygon).

Numerator and denominator cover the same ground. The woody area is measured on the part of the polygon
that has valid data, so the rate is the woody share of that ground, and the woody area reported is that
share applied to the denominator's area (official, polygon or land). The official area and the polygon
differ (宜兴: 1,996.6 against 2,035.2 km², Taihu's edge drawn differently): dividing the woody area of
the polygon by the official area would count ground the denominator does not hold, and an all-wooded
宜兴 would come out at 101.9%. The result states the difference (``extra["area_note"]``), and a rate never
exceeds 100%. A unit whose valid data cover less than ``min_valid_share`` of its polygon is
``insufficient_data`` (:func:`analysis.results.insufficient_data`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from wuxi_atlas.analysis.names import DENOMINATORS, VARIANTS, Denominator, Variant
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
from wuxi_atlas.analysis.study_area import AdminUnit, Units, unit_totals, with_polygons
from wuxi_atlas.analysis.targets import primary_target
from wuxi_atlas.analysis.zonal import ClassAreaTable, Progress, ZonalFunction, zonal_class_areas

if TYPE_CHECKING:
    from wuxi_atlas.analysis.land_survey import MethodChoice
    from wuxi_atlas.analysis.sources import RasterSource
    from wuxi_atlas.analysis.targets import Target

__all__ = ["DENOMINATORS", "VARIANTS", "Denominator", "Variant", "forest_coverage"]


_VARIANT_ROLES: dict[Variant, tuple[str, ...]] = {
    "linmu": ("tree", "shrub", "orchard"),
    "senlin": ("tree", "orchard"),
}
_VARIANT_NAMES = {"linmu": "林木覆盖率", "senlin": "森林覆盖率"}
_DENOMINATOR_KINDS = {"official": "official_area", "polygon": "polygon_area", "land": "land_area"}


def forest_coverage(
    landcover: RasterSource | LandSurveySource,
    study_area: Units,
    targets: Sequence[Target] = (),
    *,
    denominator: Denominator = "official",
    variant: Variant = "linmu",
    min_valid_share: float = DEFAULT_MIN_VALID_SHARE,
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
        The city and its districts (:class:`analysis.study_area.StudyArea`); with ``class_areas`` from
        a raster, their :class:`~analysis.study_area.Units` are enough.
    targets
        The plan's targets; the ``forest_coverage`` ones give the target and baseline.
    denominator
        ``official`` (default), ``polygon`` or ``land``; see the module docstring.
    variant
        ``linmu`` (林木覆盖率, tree + shrub + orchard) or ``senlin`` (森林覆盖率 proxy, tree + orchard).
    min_valid_share
        A unit is judged only when valid data cover at least this share (0–1) of its polygon; below, it
        is ``insufficient_data``.
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
        # Imported here: a raster run needs neither the land survey's methods nor pandas.
        from wuxi_atlas.analysis.survey_indicators import survey_forest_coverage

        return survey_forest_coverage(
            landcover,
            with_polygons(study_area),
            targets,
            denominator=denominator,
            variant=variant,
            method=method,
            min_valid_share=min_valid_share,
        )
    scheme = load_scheme(landcover.scheme)
    woody_codes = scheme.codes_for(_VARIANT_ROLES[variant])
    water_codes = scheme.codes_for(("water",))
    if class_areas is None:
        class_areas = zonal(landcover.path, with_polygons(study_area).districts, "adcode", progress=progress)

    per_unit: dict[str, tuple[float, float, float, float]] = {}  # woody, water, valid, polygon (m²)
    for zone in class_areas.zones:
        woody = sum(area for code, area in zone.class_area_m2.items() if code in woody_codes)
        water = sum(area for code, area in zone.class_area_m2.items() if code in water_codes)
        per_unit[zone.zone_id] = (woody, water, zone.valid_area_m2, zone.polygon_area_m2)

    goal = Goal(primary_target(targets, "forest_coverage", landcover.year), data_year=landcover.year)
    provenance = Provenance(
        source=landcover.source,
        vintage=str(landcover.year or ""),
        synthetic=landcover.synthetic,
        method=(
            f"{_VARIANT_NAMES[variant]}: share of the ground with valid data in {scheme.name} classes "
            f"{sorted(woody_codes)} ({'+'.join(_VARIANT_ROLES[variant])}), applied to the "
            f"{_DENOMINATOR_KINDS[denominator].replace('_', ' ')} (numerator and denominator on the same "
            "ground); exact pixel fractions"
        ),
    )
    results = []
    for unit in study_area.units:
        woody, water, valid, polygon = unit_totals(per_unit, unit) or (0.0, 0.0, 0.0, 0.0)
        valid_share = valid / polygon if polygon > 0 else 0.0
        if too_little_data(valid_share, min_valid_share):
            results.append(
                insufficient_data(
                    "forest_coverage", unit, "%", valid_share, min_valid_share, provenance, goal
                )
            )
            continue
        # Areas measured on the valid ground, scaled to the denominator's: the same ground above and below.
        whole_m2 = unit.official_area_km2 * 1e6 if denominator == "official" else polygon
        scale = whole_m2 / valid
        area_m2 = (valid - water) * scale if denominator == "land" else whole_m2
        if area_m2 <= 0:
            reason = "the unit has no land on the raster (all water)"
            results.append(not_computable("forest_coverage", unit.adcode, unit.name_zh, "%", reason))
            continue
        figure = Figure(
            value=100.0 * woody * scale / area_m2,
            unit="%",
            numerator=woody * scale,
            numerator_unit="m2",
            denominator=area_m2,
            denominator_kind=_DENOMINATOR_KINDS[denominator],
        )
        extra = {
            "variant": _VARIANT_NAMES[variant],
            "polygon_area_m2": polygon,
            "valid_area_m2": valid,
            "water_area_m2": water,
            "woody_area_ha": woody / 1e4,
            "area_scale": scale,
            "area_note": _area_note(unit, denominator, polygon, valid),
        }
        results.append(
            measured("forest_coverage", unit, figure, provenance, goal, extra=extra, valid_share=valid_share)
        )
    return results


def _area_note(unit: AdminUnit, denominator: Denominator, polygon_m2: float, valid_m2: float) -> str:
    """How the measured ground relates to the denominator's: the polygon against the official area, and
    the part of the polygon with valid data."""
    seen = f"valid data on {valid_m2 / 1e6:,.2f} km² of the {polygon_m2 / 1e6:,.2f} km² polygon"
    if denominator != "official":
        return seen
    official_m2 = unit.official_area_km2 * 1e6
    difference = 100.0 * (polygon_m2 - official_m2) / official_m2
    return (
        f"{seen}; the polygon is {difference:+.2f}% against the official {official_m2 / 1e6:,.2f} km², "
        "so the woody share of the valid ground is applied to the official area"
    )
