"""Photovoltaics: installed capacity against the plan, and rooftop potential from building footprints.

Installed capacity is the sum of the sites' ``capacity_kw`` per district, in MW, against 2.53 GW (2025)
and 3.10 GW (2030). The plan's PV targets are city-wide, so districts carry their share, not a target.

Rooftop potential (DOMAIN.md §3) is roof area × usable share by building type × module power density
(0.2 kWp/m²), and annual energy is potential × specific yield (about 1,100 kWh/kWp/yr in Wuxi). The usable
shares are the minimums of the 2021 national whole-county rooftop-PV pilot; the pilot sets none for urban
residential buildings, so its 25% is this project's assumption. Every parameter is editable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from wuxi_atlas.analysis.results import Figure, Goal, IndicatorResult, Provenance, measured
from wuxi_atlas.analysis.study_area import StudyArea, assign_points_to_districts, rows_in_unit

if TYPE_CHECKING:
    from wuxi_atlas.analysis.sources import VectorSource
    from wuxi_atlas.analysis.targets import Target

__all__ = ["DEFAULT_USABLE_SHARE", "PVParameters", "pv_installed_capacity", "pv_rooftop_potential"]

DEFAULT_USABLE_SHARE: dict[str, float] = {
    "government": 0.50,
    "school_hospital": 0.40,
    "industrial_commercial": 0.30,
    "urban_residential": 0.25,  # assumption: the pilot sets no minimum for urban homes
    "rural_home": 0.20,
}


@dataclass(frozen=True)
class PVParameters:
    """Rooftop-PV parameters; the defaults are DOMAIN.md's (yield *unverified*, range 1,000–1,200)."""

    usable_share: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_USABLE_SHARE))
    module_kwp_per_m2: float = 0.2
    specific_yield_kwh_per_kwp: float = 1100.0

    def __post_init__(self) -> None:
        for building_type, share in self.usable_share.items():
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"usable share for {building_type!r} must be in [0, 1], got {share}")
        if self.module_kwp_per_m2 <= 0 or self.specific_yield_kwh_per_kwp <= 0:
            raise ValueError("module power density and specific yield must be positive")

    def as_dict(self) -> dict[str, object]:
        record = asdict(self)
        record["usable_share"] = dict(self.usable_share)
        return record


def pv_installed_capacity(
    pv_sites: VectorSource | None,
    study_area: StudyArea,
    targets: Sequence[Target] = (),
) -> list[IndicatorResult]:
    """Installed PV capacity (MW) per district and for the city against each of the plan's PV targets.

    The city gets one result per target year (2025 and 2030); districts get one result without a target.
    """
    if pv_sites is None or pv_sites.empty:
        reason = "no PV-site layer was given" if pv_sites is None else "the PV-site layer is empty"
        return study_area.not_computable("pv_installed_capacity", "MW", reason)
    sites = study_area.locate(pv_sites)
    outside = int(sites["adcode"].isna().sum())
    data_year = int(sites["year"].max()) if "year" in sites and sites["year"].notna().any() else None
    pv_targets = sorted((t for t in targets if t.measure == "pv_installed_capacity"), key=lambda t: t.year)
    provenance = Provenance(
        source=pv_sites.source,
        vintage=pv_sites.vintage,
        synthetic=pv_sites.synthetic,
        method="sum of capacity_kw of PV sites inside the unit / 1000",
    )
    results = []
    for unit in study_area.units:
        rows = rows_in_unit(sites, unit)
        capacity_kw = float(rows["capacity_kw"].sum())
        figure = Figure(value=capacity_kw / 1000.0, unit="MW", numerator=capacity_kw, numerator_unit="kW")
        extra = {"sites": len(rows), "sites_outside_city": outside if unit.is_city else None}
        unit_targets: list[Target | None] = list(pv_targets) if unit.is_city and pv_targets else [None]
        for target in unit_targets:
            goal = Goal(target, scale=_to_mw(target), data_year=data_year)
            results.append(measured("pv_installed_capacity", unit, figure, provenance, goal, extra=extra))
    return results


def _to_mw(target: Target | None) -> float:
    if target is None:
        return 1.0
    scales = {"GW": 1000.0, "MW": 1.0, "kW": 0.001, "万千瓦": 10.0}
    if target.unit not in scales:
        raise ValueError(f"PV target {target.id} has unit {target.unit!r}; expected one of {sorted(scales)}")
    return scales[target.unit]


def pv_rooftop_potential(
    buildings: VectorSource | None,
    study_area: StudyArea,
    parameters: PVParameters | None = None,
) -> list[IndicatorResult]:
    """Rooftop PV potential (MWp) and annual energy (GWh/yr, in ``extra``) per district and city-wide.

    A building counts in the district that contains its centroid. Building types without a usable share
    in ``parameters`` are counted with share 0 and listed in ``extra["types_without_share"]``.
    """
    import geopandas as gpd  # here: PVParameters is read by runs that import no geopandas

    parameters = parameters or PVParameters()
    if buildings is None or buildings.empty:
        reason = "no building layer was given" if buildings is None else "the building layer is empty"
        return study_area.not_computable("pv_rooftop_potential", "MW", reason)
    districts = study_area.districts
    footprints = buildings.frame.to_crs(districts.crs)
    centroids = gpd.GeoDataFrame(
        footprints.drop(columns="geometry"), geometry=footprints.geometry.centroid, crs=districts.crs
    )
    located = assign_points_to_districts(centroids, districts)
    share = located["building_type"].map(dict(parameters.usable_share))
    located["kwp"] = located["roof_area_m2"] * share.fillna(0.0) * parameters.module_kwp_per_m2
    types_without_share = sorted(set(located.loc[share.isna(), "building_type"].astype(str)))
    provenance = Provenance(
        source=buildings.source,
        vintage=buildings.vintage,
        synthetic=buildings.synthetic,
        method=(
            "roof area × usable share by building type × "
            f"{parameters.module_kwp_per_m2} kWp/m²; energy = kWp × "
            f"{parameters.specific_yield_kwh_per_kwp:g} kWh/kWp/yr"
        ),
    )
    results = []
    for unit in study_area.units:
        rows = rows_in_unit(located, unit)
        potential_kwp = float(rows["kwp"].sum())
        by_type = rows.groupby("building_type")["kwp"].sum().div(1000.0).round(3).to_dict()
        figure = Figure(
            value=potential_kwp / 1000.0,
            unit="MW",
            numerator=float(rows["roof_area_m2"].sum()),
            numerator_unit="m2 roof",
        )
        extra = {
            "energy_gwh_per_year": potential_kwp * parameters.specific_yield_kwh_per_kwp / 1e6,
            "buildings": len(rows),
            "potential_mw_by_type": by_type,
            "types_without_share": types_without_share,
            "parameters": parameters.as_dict(),
        }
        results.append(measured("pv_rooftop_potential", unit, figure, provenance, extra=extra))
    return results
