"""Charging, battery-swap and hydrogen stations: counts against the plan, density and service coverage.

The plan's targets are city-wide (200,000 charging piles, 60 public battery-swap stations, 5 or more
hydrogen stations, all by 2025), so districts carry their counts and densities without a target.

- ``charging_piles`` counts the piles of charging stations of every access level (public, dedicated,
  private): the plan counts 充电桩 in total. A station without a pile count (a POI export has none) adds
  nothing and is counted in ``extra["stations_without_piles"]``; when no charging station has one, the
  indicator is not computable rather than zero.
- ``battery_swap_stations`` counts public swap stations (公共换电站).
- ``hydrogen_stations`` counts hydrogen stations of any access level.
- ``charging_service_coverage`` is the share of the built-up area within ``radius_m`` (straight line, in
  EPSG:4549) of a public charging station. It has no target in the plan.

Densities are per km² of the unit's official area.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import shapely

from wuxi_atlas.analysis.crs import METRIC_CRS
from wuxi_atlas.analysis.names import DEFAULT_SERVICE_RADIUS_M
from wuxi_atlas.analysis.results import Figure, Goal, IndicatorResult, Provenance, measured, not_computable
from wuxi_atlas.analysis.study_area import StudyArea, rows_in_unit, unit_totals
from wuxi_atlas.analysis.targets import primary_target

if TYPE_CHECKING:
    from wuxi_atlas.analysis.sources import VectorSource
    from wuxi_atlas.analysis.targets import Target

__all__ = ["DEFAULT_SERVICE_RADIUS_M", "charging_gaps", "charging_service_coverage", "station_counts"]

# indicator id -> (station type, access levels counted, what is counted, label of the count)
_COUNTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "charging_piles": ("charging", ("public", "dedicated", "private"), "piles"),
    "battery_swap_stations": ("swap", ("public",), "stations"),
    "hydrogen_stations": ("hydrogen", ("public", "dedicated", "private"), "stations"),
}


def station_counts(
    stations: VectorSource | None,
    study_area: StudyArea,
    targets: Sequence[Target] = (),
) -> list[IndicatorResult]:
    """``charging_piles``, ``battery_swap_stations`` and ``hydrogen_stations`` for the city and districts.

    ``value`` is a count; ``extra`` carries the density per km² of official area and the breakdown by
    access level.
    """
    if stations is None or stations.empty:
        reason = "no station layer was given" if stations is None else "the station layer is empty"
        return [r for indicator in _COUNTS for r in study_area.not_computable(indicator, "count", reason)]
    located = study_area.locate(stations)
    outside = int(located["adcode"].isna().sum())
    results = []
    for indicator, (station_type, access_levels, counted) in _COUNTS.items():
        of_type = located[located["type"] == station_type]
        if counted == "piles" and len(of_type) and of_type["piles"].isna().all():
            # A POI export lists stations, not piles: an unknown count is not a count of zero.
            reason = f"none of the {len(of_type)} charging stations has a pile count"
            results += study_area.not_computable(indicator, "count", reason)
            continue
        goal = Goal(primary_target(targets, indicator, None))
        provenance = Provenance(
            source=stations.source,
            vintage=stations.vintage,
            synthetic=stations.synthetic,
            method=(
                f"{counted} of {station_type} stations with access {'/'.join(access_levels)} "
                "inside the unit; density per km² of official area"
            ),
        )
        for unit in study_area.units:
            rows = rows_in_unit(of_type, unit)
            counted_rows = rows[rows["access"].isin(access_levels)]
            count = float(counted_rows["piles"].sum()) if counted == "piles" else float(len(counted_rows))
            by_access = (
                rows.groupby("access")["piles"].sum() if counted == "piles" else rows.groupby("access").size()
            )
            figure = Figure(
                value=count,
                unit="count",
                numerator=count,
                numerator_unit=counted,
                denominator=unit.official_area_km2,
                denominator_kind="official_area_km2 (for density)",
            )
            extra = {
                "density_per_km2": count / unit.official_area_km2,
                "by_access": {str(k): int(v) for k, v in by_access.items()},
                "stations": len(rows),
                "stations_outside_city": outside if unit.is_city else None,
            }
            if counted == "piles":
                extra["stations_without_piles"] = int(rows["piles"].isna().sum())
            # The plan's station targets are city-wide; districts carry their counts without one.
            unit_goal = goal if unit.is_city else Goal()
            results.append(measured(indicator, unit, figure, provenance, unit_goal, extra=extra))
    return results


def _public_chargers(stations: VectorSource, crs: str) -> gpd.GeoDataFrame:
    points = stations.frame.to_crs(crs)
    return points[(points["type"] == "charging") & (points["access"] == "public")]


def charging_gaps(
    stations: VectorSource | None,
    builtup: VectorSource,
    *,
    radius_m: float = DEFAULT_SERVICE_RADIUS_M,
    districts: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The built-up area farther than ``radius_m`` (straight line, EPSG:4549) from every public charging
    station: the gaps of ``charging_service_coverage``, as polygons in EPSG:4549 with ``area_m2``.

    With ``districts`` (``adcode`` and geometry, any CRS) the gaps are cut along the district lines and
    carry the ``adcode``; without, one row per connected gap. No station layer: all of the built-up area.
    """
    if radius_m <= 0:
        raise ValueError(f"radius must be positive, got {radius_m} m")
    builtup_union = builtup.frame.to_crs(METRIC_CRS).union_all()
    if stations is not None and not stations.empty:
        public = _public_chargers(stations, METRIC_CRS)
        served = public.geometry.buffer(radius_m, quad_segs=16).union_all() if len(public) else None
    else:
        served = None
    gap = builtup_union if served is None else builtup_union.difference(served)
    parts = [p for p in shapely.get_parts(gap) if p.geom_type == "Polygon" and p.area > 0]
    if districts is None:
        frame = gpd.GeoDataFrame({"geometry": parts}, geometry="geometry", crs=METRIC_CRS)
    else:
        zones = districts.to_crs(METRIC_CRS)
        gap_union = shapely.union_all(parts) if parts else shapely.Polygon()
        rows = []
        for adcode, zone in zip(zones["adcode"].astype(str), zones.geometry, strict=True):
            piece = zone.intersection(gap_union)
            polygons = [p for p in shapely.get_parts(piece) if p.geom_type == "Polygon" and p.area > 0]
            if polygons:
                rows.append({"adcode": adcode, "geometry": shapely.union_all(polygons)})
        frame = gpd.GeoDataFrame(rows or {"adcode": [], "geometry": []}, geometry="geometry", crs=METRIC_CRS)
    frame["area_m2"] = frame.geometry.area
    return frame


def charging_service_coverage(
    stations: VectorSource | None,
    builtup: VectorSource | None,
    study_area: StudyArea,
    *,
    radius_m: float = DEFAULT_SERVICE_RADIUS_M,
) -> list[IndicatorResult]:
    """Share (%) of each unit's built-up area within ``radius_m`` of a public charging station.

    Public chargers anywhere count, including ones just across a district line. Distances are straight
    lines in EPSG:4549.
    """
    missing = [
        reason
        for reason, layer in (("no station layer", stations), ("no built-up layer", builtup))
        if layer is None or layer.empty
    ]
    if missing or radius_m <= 0:
        reason = "; ".join(missing) or f"radius must be positive, got {radius_m} m"
        return study_area.not_computable("charging_service_coverage", "%", reason)
    assert stations is not None and builtup is not None
    districts = study_area.districts
    public = _public_chargers(stations, districts.crs)
    served = public.geometry.buffer(radius_m, quad_segs=16).union_all()
    builtup_union = builtup.frame.to_crs(districts.crs).union_all()
    per_district: dict[str, tuple[float, float]] = {}
    for adcode, district in zip(districts["adcode"], districts.geometry, strict=True):
        builtup_here = district.intersection(builtup_union)
        per_district[adcode] = (float(builtup_here.intersection(served).area), float(builtup_here.area))
    provenance = Provenance(
        source=f"stations: {stations.source}; built-up: {builtup.source}",
        vintage=stations.vintage,
        synthetic=stations.synthetic or builtup.synthetic,
        method=(
            f"built-up area within {radius_m:g} m (straight line, EPSG:4549) of a public charging "
            "station / built-up area"
        ),
    )
    extra = {"radius_m": radius_m, "public_charging_stations": len(public)}
    results = []
    for unit in study_area.units:
        covered, area = unit_totals(per_district, unit) or (0.0, 0.0)
        if area <= 0:
            results.append(
                not_computable(
                    "charging_service_coverage",
                    unit.adcode,
                    unit.name_zh,
                    "%",
                    "no built-up area in this unit",
                )
            )
            continue
        figure = Figure(
            value=100.0 * covered / area,
            unit="%",
            numerator=covered,
            numerator_unit="m2",
            denominator=area,
            denominator_kind="builtup_area",
        )
        results.append(measured("charging_service_coverage", unit, figure, provenance, extra=extra))
    return results
