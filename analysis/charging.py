"""Charging, battery-swap and hydrogen stations: counts against the plan, density and service coverage.

The plan's targets are city-wide (200,000 charging piles, 60 public battery-swap stations, 5 or more
hydrogen stations, all by 2025), so districts carry their counts and densities without a target.

- ``charging_piles`` counts the piles of charging stations of every access level (public, dedicated,
  private): the plan counts 充电桩 in total.
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

from analysis.results import IndicatorResult, not_computable
from analysis.units import (
    build_result,
    district_frame,
    points_by_district,
    primary_target,
    rows_in_unit,
    unit_totals,
    units_from_boundaries,
)

if TYPE_CHECKING:
    from analysis.sources import VectorSource
    from analysis.targets import Target

__all__ = ["DEFAULT_SERVICE_RADIUS_M", "charging_service_coverage", "station_counts"]

DEFAULT_SERVICE_RADIUS_M = 1000.0

# indicator id -> (station type, access levels counted, what is counted, label of the count)
_COUNTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "charging_piles": ("charging", ("public", "dedicated", "private"), "piles"),
    "battery_swap_stations": ("swap", ("public",), "stations"),
    "hydrogen_stations": ("hydrogen", ("public", "dedicated", "private"), "stations"),
}


def station_counts(
    stations: VectorSource | None,
    boundaries: gpd.GeoDataFrame,
    targets: Sequence[Target] = (),
) -> list[IndicatorResult]:
    """``charging_piles``, ``battery_swap_stations`` and ``hydrogen_stations`` for the city and districts.

    ``value`` is a count; ``extra`` carries the density per km² of official area and the breakdown by
    access level.
    """
    units = units_from_boundaries(boundaries)
    if stations is None or stations.empty:
        reason = "no station layer was given" if stations is None else "the station layer is empty"
        return [
            not_computable(indicator, u.adcode, u.name_zh, "count", reason)
            for indicator in _COUNTS
            for u in units
        ]
    located = points_by_district(stations, boundaries)
    outside = int(located["adcode"].isna().sum())
    results = []
    for indicator, (station_type, access_levels, counted) in _COUNTS.items():
        of_type = located[located["type"] == station_type]
        target = primary_target(targets, indicator, None)
        for unit in units:
            rows = rows_in_unit(of_type, unit)
            counted_rows = rows[rows["access"].isin(access_levels)]
            count = float(counted_rows["piles"].sum()) if counted == "piles" else float(len(counted_rows))
            by_access = (
                rows.groupby("access")["piles"].sum() if counted == "piles" else rows.groupby("access").size()
            )
            results.append(
                build_result(
                    indicator,
                    unit,
                    value=count,
                    value_unit="count",
                    numerator=count,
                    denominator=unit.official_area_km2,
                    numerator_unit=counted,
                    denominator_kind="official_area_km2 (for density)",
                    source=stations.source,
                    vintage=stations.vintage,
                    synthetic=stations.synthetic,
                    method=(
                        f"{counted} of {station_type} stations with access {'/'.join(access_levels)} "
                        "inside the unit; density per km² of official area"
                    ),
                    target=target if unit.is_city else None,
                    extra={
                        "density_per_km2": count / unit.official_area_km2,
                        "by_access": {str(k): int(v) for k, v in by_access.items()},
                        "stations": len(rows),
                        "stations_outside_city": outside if unit.is_city else None,
                    },
                )
            )
    return results


def charging_service_coverage(
    stations: VectorSource | None,
    builtup: VectorSource | None,
    boundaries: gpd.GeoDataFrame,
    *,
    radius_m: float = DEFAULT_SERVICE_RADIUS_M,
) -> list[IndicatorResult]:
    """Share (%) of each unit's built-up area within ``radius_m`` of a public charging station.

    Public chargers anywhere count, including ones just across a district line. Distances are straight
    lines in EPSG:4549.
    """
    units = units_from_boundaries(boundaries)
    missing = [
        reason
        for reason, layer in (("no station layer", stations), ("no built-up layer", builtup))
        if layer is None or layer.empty
    ]
    if missing or radius_m <= 0:
        reason = "; ".join(missing) or f"radius must be positive, got {radius_m} m"
        return [not_computable("charging_service_coverage", u.adcode, u.name_zh, "%", reason) for u in units]
    assert stations is not None and builtup is not None
    districts = district_frame(boundaries)
    points = stations.frame.to_crs(districts.crs)
    public = points[(points["type"] == "charging") & (points["access"] == "public")]
    served = public.geometry.buffer(radius_m, quad_segs=16).union_all()
    builtup_union = builtup.frame.to_crs(districts.crs).union_all()
    per_district: dict[str, tuple[float, float]] = {}
    for adcode, district in zip(districts["adcode"], districts.geometry, strict=True):
        builtup_here = district.intersection(builtup_union)
        per_district[adcode] = (float(builtup_here.intersection(served).area), float(builtup_here.area))
    results = []
    for unit in units:
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
        results.append(
            build_result(
                "charging_service_coverage",
                unit,
                value=100.0 * covered / area,
                value_unit="%",
                numerator=covered,
                denominator=area,
                numerator_unit="m2",
                denominator_kind="builtup_area",
                source=f"stations: {stations.source}; built-up: {builtup.source}",
                vintage=stations.vintage,
                synthetic=stations.synthetic or builtup.synthetic,
                method=(
                    f"built-up area within {radius_m:g} m (straight line, EPSG:4549) of a public charging "
                    "station / built-up area"
                ),
                target=None,
                extra={"radius_m": radius_m, "public_charging_stations": len(public)},
            )
        )
    return results
