"""林木覆盖率 and 湿地保护率 from a land survey's parcels (DLTB), by both methods side by side.

:func:`analysis.forest.forest_coverage` and :func:`analysis.wetland.wetland_protection_rate` hand a
:class:`~analysis.sources.LandSurveySource` over to these functions. Each result carries the value of the
method it was computed by (``extra["landcover_method"]``: ``tabulation`` by default when the parcels carry
``ZLDWDM`` and ``TBDLMJ``/``TBMJ``, else ``geometry``; see :mod:`analysis.land_survey`), the value of the
other method when it can run (``value_tabulation``, ``value_geometry``) and their difference in percentage
points (``method_difference_pp``, tabulation − geometry); the method line names the method and the parcels
no district holds.

Which classes count is the scheme's (``sandiao`` by default, :mod:`analysis.schemes`): for 林木覆盖率 the
roles ``tree``, ``shrub`` and ``orchard`` (with the wooded wetland classes through ``also``); for
湿地保护率 ``wetland`` and ``water`` (the 湿地 group and the water surfaces 1101–1104), and ``aquaculture``
(1104A 养殖坑塘) only when asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from wuxi_atlas.analysis.land_survey import (
    LandSurveyMethod,
    MethodChoice,
    ParcelAreas,
    choose_method,
    land_survey_scheme,
    parcel_areas,
    protected_areas,
    warn_unknown_dlbm,
)
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
from wuxi_atlas.analysis.study_area import AdminUnit, StudyArea, unit_totals
from wuxi_atlas.analysis.targets import primary_target

if TYPE_CHECKING:
    from wuxi_atlas.analysis.forest import Denominator, Variant
    from wuxi_atlas.analysis.sources import LandSurveySource, VectorSource
    from wuxi_atlas.analysis.targets import Target

__all__ = [
    "FOREST_ROLES",
    "WETLAND_SURVEY_ROLES",
    "survey_forest_coverage",
    "survey_wetland_protection",
    "surveyed_share",
]

#: The roles each 林木覆盖率 variant counts.
FOREST_ROLES: dict[str, tuple[str, ...]] = {
    "linmu": ("tree", "shrub", "orchard"),
    "senlin": ("tree", "orchard"),
}
#: The roles of the 湿地保护率 scope on a land survey (without aquaculture ponds).
WETLAND_SURVEY_ROLES: tuple[str, ...] = ("wetland", "water")
_VARIANT_NAMES = {"linmu": "林木覆盖率", "senlin": "森林覆盖率"}
_DENOMINATOR_KINDS = {"official": "official_area", "polygon": "surveyed_area", "land": "surveyed_land_area"}
_HOW = {
    "tabulation": "summed per county by the first 6 characters of ZLDWDM (no geometry)",
    "geometry": "cut with the district boundaries in EPSG:4549",
}


def _methods(
    source: LandSurveySource, method: MethodChoice
) -> tuple[LandSurveyMethod, list[LandSurveyMethod]]:
    """The method the result reports, and every method that can run (it first)."""
    chosen = choose_method(source, method)
    others: list[LandSurveyMethod] = [m for m in ("tabulation", "geometry") if m != chosen]
    runnable = [chosen] + [m for m in others if m == "geometry" or source.can_tabulate]
    return chosen, runnable


def _side_by_side(values: Mapping[str, float | None], chosen: str) -> dict[str, Any]:
    extra: dict[str, Any] = {"landcover_method": chosen}
    for name in ("tabulation", "geometry"):
        extra[f"value_{name}"] = values.get(name)
    tabulated, geometric = values.get("tabulation"), values.get("geometry")
    extra["method_difference_pp"] = (
        tabulated - geometric if tabulated is not None and geometric is not None else None
    )
    return extra


def surveyed_share(unit: AdminUnit, surveyed_m2: float, method: LandSurveyMethod) -> float:
    """The share (0–1) of ``unit`` the parcels cover: their tabulated area over the official area (a county's
    survey adds up to its official area), or their area inside the polygon over the polygon's (geometry).

    Examples
    --------
    >>> unit = AdminUnit("320205", "锡山区", "Xishan", "district", 399.11, 397.4)
    >>> round(surveyed_share(unit, 399.11e6, "tabulation"), 6), surveyed_share(unit, 0.0, "geometry")
    (1.0, 0.0)
    """
    whole_km2 = unit.official_area_km2 if method == "tabulation" else unit.polygon_area_km2
    return min(surveyed_m2 / (whole_km2 * 1e6), 1.0) if whole_km2 > 0 else 0.0


def _unassigned(areas: ParcelAreas) -> str:
    text = areas.unassigned_text()
    return f"; {text}" if text else ""


def survey_forest_coverage(
    source: LandSurveySource,
    study_area: StudyArea,
    targets: Sequence[Target] = (),
    *,
    denominator: Denominator = "official",
    variant: Variant = "linmu",
    method: MethodChoice = "auto",
    min_valid_share: float = DEFAULT_MIN_VALID_SHARE,
) -> list[IndicatorResult]:
    """林木覆盖率 (or the 森林覆盖率 proxy) from the parcels, in percent, the city first.

    Denominators as for rasters (:mod:`analysis.forest`), with the surveyed area (all parcels in the unit)
    in place of the polygon area: ``polygon`` divides by it, ``land`` by it less the ``water`` and
    ``aquaculture`` classes, so numerator and denominator cover the same ground. A unit the parcels cover
    less than ``min_valid_share`` of (:func:`surveyed_share`: a survey of another county, a clipped file)
    is ``insufficient_data``, never 0%.
    """
    scheme = land_survey_scheme(source)
    warn_unknown_dlbm(source, scheme, stacklevel=4)
    chosen, runnable = _methods(source, method)
    woody_codes = scheme.codes_for(FOREST_ROLES[variant])
    water_codes = scheme.codes_for(("water", "aquaculture"))
    areas = {name: parcel_areas(source, study_area, name) for name in runnable}
    per_method = {
        name: {
            adcode: (
                table.area_of(adcode, woody_codes),
                table.surveyed[adcode],
                table.area_of(adcode, water_codes),
            )
            for adcode in table.by_district
        }
        for name, table in areas.items()
    }
    goal = Goal(primary_target(targets, "forest_coverage", source.year), data_year=source.year)
    reported = areas[chosen]
    provenance = Provenance(
        source=source.source,
        vintage=str(source.year or ""),
        synthetic=source.synthetic,
        method=(
            f"{_VARIANT_NAMES[variant]} from the land survey: {reported.basis} of the DLTB parcels of "
            f"{scheme.name} classes {', '.join(sorted(map(str, woody_codes)))} "
            f"({'+'.join(FOREST_ROLES[variant])}), {_HOW[chosen]} / "
            f"{_DENOMINATOR_KINDS[denominator].replace('_', ' ')}; method: {chosen}"
            + "".join(f" ({other} alongside)" for other in runnable[1:])
            + _unassigned(reported)
        ),
    )
    results = []
    for unit in study_area.units:
        values: dict[str, float | None] = {}
        figures: dict[str, Figure] = {}
        for name, per_unit in per_method.items():
            woody, surveyed, water = unit_totals(per_unit, unit) or (0.0, 0.0, 0.0)
            area_m2 = _denominator_m2(unit, denominator, surveyed, water)
            if area_m2 > 0:
                figures[name] = Figure(
                    value=100.0 * woody / area_m2,
                    unit="%",
                    numerator=woody,
                    numerator_unit="m2",
                    denominator=area_m2,
                    denominator_kind=_DENOMINATOR_KINDS[denominator],
                )
                values[name] = figures[name].value
        surveyed = (unit_totals(per_method[chosen], unit) or (0.0, 0.0, 0.0))[1]
        share = surveyed_share(unit, surveyed, chosen)
        if too_little_data(share, min_valid_share):
            results.append(
                insufficient_data("forest_coverage", unit, "%", share, min_valid_share, provenance, goal)
            )
            continue
        if chosen not in figures:
            reason = f"the unit has no land in the land survey ({chosen} method)"
            results.append(not_computable("forest_coverage", unit.adcode, unit.name_zh, "%", reason))
            continue
        figure = figures[chosen]
        extra = {
            "variant": _VARIANT_NAMES[variant],
            **_side_by_side(values, chosen),
            "surveyed_area_m2": surveyed,
            "woody_area_ha": figure.numerator / 1e4,
        }
        if unit.is_city:
            extra["unassigned_area_km2"] = reported.unassigned_m2 / 1e6
        results.append(
            measured("forest_coverage", unit, figure, provenance, goal, extra=extra, valid_share=share)
        )
    return results


def _denominator_m2(unit: AdminUnit, denominator: Denominator, surveyed_m2: float, water_m2: float) -> float:
    if denominator == "official":
        return unit.official_area_km2 * 1e6
    if denominator == "polygon":
        return surveyed_m2
    return surveyed_m2 - water_m2


def survey_wetland_protection(
    study_area: StudyArea,
    protected: VectorSource,
    source: LandSurveySource,
    targets: Sequence[Target] = (),
    *,
    method: MethodChoice = "auto",
    include_aquaculture: bool = False,
    min_valid_share: float = DEFAULT_MIN_VALID_SHARE,
) -> list[IndicatorResult]:
    """湿地保护率 from the parcels: wetland-scope parcels inside the protected areas / all of them, in %.

    A unit the parcels cover less than ``min_valid_share`` of (:func:`surveyed_share`) is
    ``insufficient_data``.

    The protected share is geometric under either method (the survey's fields carry no protection): by
    ``geometry``, parcel area inside the district and the dissolved protected areas over parcel area inside
    the district; by ``tabulation``, each parcel's TBDLMJ times the share of its polygon that is
    protected, over the tabulated wetland area, both by ZLDWDM county.
    """
    scheme = land_survey_scheme(source)
    warn_unknown_dlbm(source, scheme, stacklevel=4)
    chosen, runnable = _methods(source, method)
    roles = WETLAND_SURVEY_ROLES + (("aquaculture",) if include_aquaculture else ())
    codes = scheme.codes_for(roles)
    protected_union = protected.frame.to_crs(study_area.districts.crs).union_all()
    per_method = {
        name: protected_areas(source, codes, protected_union, study_area, name) for name in runnable
    }
    surveyed = parcel_areas(source, study_area, chosen).surveyed
    data_year = source.year
    goal = Goal(primary_target(targets, "wetland_protection_rate", data_year), data_year=data_year)
    aquaculture = "included" if include_aquaculture else "excluded (--include-aquaculture counts them)"
    how = {
        "tabulation": "TBDLMJ × the protected share of each parcel's polygon, by ZLDWDM county",
        "geometry": "parcel area cut with the districts and the dissolved protected areas in EPSG:4549",
    }
    provenance = Provenance(
        source=f"land survey: {source.source}; protected: {protected.source}",
        vintage=str(source.year or ""),
        synthetic=source.synthetic or protected.synthetic,
        method=(
            f"湿地保护率 from the land survey: DLTB parcels of {scheme.name} classes "
            f"{', '.join(sorted(map(str, codes)))} ({'+'.join(roles)}; aquaculture ponds {aquaculture}) "
            f"inside the protected areas / their area; method: {chosen}, {how[chosen]} (the protected share "
            "is geometric either way)"
        ),
    )
    results = []
    for unit in study_area.units:
        values: dict[str, float | None] = {}
        totals: dict[str, tuple[float, float]] = {}
        for name, per_district in per_method.items():
            inside, total = unit_totals(per_district, unit) or (0.0, 0.0)
            totals[name] = (inside, total)
            values[name] = 100.0 * inside / total if total > 0 else None
        inside, total = totals[chosen]
        share = surveyed_share(
            unit, sum(surveyed.values()) if unit.is_city else surveyed.get(unit.adcode, 0.0), chosen
        )
        if too_little_data(share, min_valid_share):
            results.append(
                insufficient_data(
                    "wetland_protection_rate", unit, "%", share, min_valid_share, provenance, goal
                )
            )
            continue
        if total <= 0:
            results.append(
                not_computable(
                    "wetland_protection_rate",
                    unit.adcode,
                    unit.name_zh,
                    "%",
                    "no wetland parcels in this unit",
                )
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
            "wetland_basis": "land_survey",
            "aquaculture_included": include_aquaculture,
            **_side_by_side(values, chosen),
        }
        results.append(
            measured(
                "wetland_protection_rate", unit, figure, provenance, goal, extra=extra, valid_share=share
            )
        )
    return results
