"""Every spatial indicator for the city and its districts, from one set of input layers.

This is the one entry point the CLI (``geoplan indicators``) and the app share. Each family lives in its
own module (:mod:`analysis.forest`, :mod:`analysis.wetland`, :mod:`analysis.green`, :mod:`analysis.pv`,
:mod:`analysis.charging`); this module builds the run's :class:`~analysis.study_area.StudyArea` once,
routes it and the inputs to them, and reports missing inputs as not computable, never as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd

from wuxi_atlas.analysis.charging import charging_service_coverage, station_counts
from wuxi_atlas.analysis.forest import forest_coverage
from wuxi_atlas.analysis.green import builtup_green_coverage
from wuxi_atlas.analysis.land_survey import MethodChoice
from wuxi_atlas.analysis.names import DEFAULT_SERVICE_RADIUS_M, INDICATOR_IDS, Denominator, Variant
from wuxi_atlas.analysis.pv import PVParameters, pv_installed_capacity, pv_rooftop_potential
from wuxi_atlas.analysis.results import DEFAULT_MIN_VALID_SHARE, IndicatorResult
from wuxi_atlas.analysis.study_area import StudyArea
from wuxi_atlas.analysis.wetland import wetland_protection_rate
from wuxi_atlas.analysis.zonal import ZonalFunction, zonal_class_areas

if TYPE_CHECKING:
    from wuxi_atlas.analysis.sources import RasterSource, VectorSource
    from wuxi_atlas.analysis.targets import Target

from wuxi_atlas.analysis.sources import LandSurveySource

__all__ = ["INDICATOR_IDS", "IndicatorInputs", "IndicatorOptions", "StageProgress", "compute_indicators"]

# (stage label, blocks done, blocks total): one call per raster block of each pass over the raster.
StageProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class IndicatorInputs:
    """The layers an indicator run reads; any but ``boundaries`` may be missing. ``landcover`` is a
    class-code raster or a land survey's parcels (DLTB, :class:`~analysis.sources.LandSurveySource`)."""

    boundaries: gpd.GeoDataFrame
    landcover: RasterSource | LandSurveySource | None = None
    wetlands: VectorSource | None = None
    protected: VectorSource | None = None
    builtup: VectorSource | None = None
    buildings: VectorSource | None = None
    pv_sites: VectorSource | None = None
    stations: VectorSource | None = None


@dataclass(frozen=True)
class IndicatorOptions:
    """The method choices, with DOMAIN.md's defaults.

    ``zonal`` is the engine of every pass over the land-cover raster: the single-machine one, or
    ``analysis.zonal.distributed.zonal_strategy(scheduler)`` to run them on Dask (same results).
    ``min_valid_share`` is the share (0–1) of a unit's area the raster must cover with valid data for its
    rates to be judged; below it they are ``insufficient_data`` (``--min-coverage`` in percent).
    ``landcover_method`` and ``include_aquaculture`` apply to a land survey as land cover
    (:mod:`analysis.land_survey`): tabulation or geometry (``auto``: tabulation when the parcels carry its
    fields), and whether 1104A 养殖坑塘 counts toward 湿地保护率.
    """

    forest_denominator: Denominator = "official"
    forest_variant: Variant = "linmu"
    pv: PVParameters = field(default_factory=PVParameters)
    service_radius_m: float = DEFAULT_SERVICE_RADIUS_M
    min_valid_share: float = DEFAULT_MIN_VALID_SHARE
    zonal: ZonalFunction = zonal_class_areas
    landcover_method: MethodChoice = "auto"
    include_aquaculture: bool = False


def compute_indicators(
    inputs: IndicatorInputs,
    targets: Sequence[Target] = (),
    options: IndicatorOptions | None = None,
    *,
    only: Sequence[str] | None = None,
    progress: StageProgress | None = None,
) -> list[IndicatorResult]:
    """All spatial indicators (or those in ``only``) for the city and every district.

    Results come grouped by indicator, the city first within each group.
    """
    options = options or IndicatorOptions()
    wanted = tuple(only) if only else INDICATOR_IDS
    unknown = sorted(set(wanted) - set(INDICATOR_IDS))
    if unknown:
        raise ValueError(f"unknown indicator(s) {', '.join(unknown)}; choose from {', '.join(INDICATOR_IDS)}")

    def stage(label: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(label, done, total)

    # The units and the district polygons in EPSG:4549, made once and read by every family.
    study_area = StudyArea.from_boundaries(inputs.boundaries)

    def without_landcover(indicator: str) -> list[IndicatorResult]:
        return study_area.not_computable(indicator, "%", "no land-cover raster was given")

    results: list[IndicatorResult] = []
    if "forest_coverage" in wanted:
        if inputs.landcover is None:
            results += without_landcover("forest_coverage")
        else:
            results += forest_coverage(
                inputs.landcover,
                study_area,
                targets,
                denominator=options.forest_denominator,
                variant=options.forest_variant,
                min_valid_share=options.min_valid_share,
                progress=stage("forest_coverage"),
                zonal=options.zonal,
                method=options.landcover_method,
            )
    if "wetland_protection_rate" in wanted:
        results += wetland_protection_rate(
            study_area,
            inputs.protected,
            targets,
            wetlands=inputs.wetlands,
            min_valid_share=options.min_valid_share,
            landcover=inputs.landcover,
            progress=stage("wetland_protection_rate"),
            zonal=options.zonal,
            method=options.landcover_method,
            include_aquaculture=options.include_aquaculture,
        )
    if "builtup_green_coverage" in wanted:
        if inputs.landcover is None:
            results += without_landcover("builtup_green_coverage")
        elif isinstance(inputs.landcover, LandSurveySource):
            reason = (
                "needs a land-cover raster: the vertical projection of vegetation is not a land-survey class "
                "(give the raster with --landcover, the land survey for 林木覆盖率 and 湿地保护率)"
            )
            results += study_area.not_computable("builtup_green_coverage", "%", reason)
        else:
            results += builtup_green_coverage(
                inputs.landcover,
                inputs.builtup,
                study_area,
                targets,
                min_valid_share=options.min_valid_share,
                progress=stage("builtup_green_coverage"),
                zonal=options.zonal,
            )
    if "pv_installed_capacity" in wanted:
        results += pv_installed_capacity(inputs.pv_sites, study_area, targets)
    if "pv_rooftop_potential" in wanted:
        results += pv_rooftop_potential(inputs.buildings, study_area, options.pv)
    if {"charging_piles", "battery_swap_stations", "hydrogen_stations"} & set(wanted):
        results += [r for r in station_counts(inputs.stations, study_area, targets) if r.indicator in wanted]
    if "charging_service_coverage" in wanted:
        results += charging_service_coverage(
            inputs.stations, inputs.builtup, study_area, radius_m=options.service_radius_m
        )
    return results
