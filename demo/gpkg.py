"""Writing the demo vector layers to one GeoPackage, labelled synthetic, and the figures they achieve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd

from wuxi_atlas.demo.manifest import GENERATOR
from wuxi_atlas.demo.placement import GridArrays
from wuxi_atlas.demo.targets import WETLAND_PROTECTION_TARGET
from wuxi_atlas.demo.world import DISTRICT_ORDER, World

__all__ = ["vector_calibration", "write_gpkg", "write_history_gpkg"]


def vector_calibration(
    world: World, layers: dict[str, gpd.GeoDataFrame], arrays: GridArrays
) -> dict[str, Any]:
    from wuxi_atlas.analysis.pv import DEFAULT_USABLE_SHARE

    out: dict[str, Any] = {}
    taihu = world.taihu
    out["taihu_in_polygons_km2"] = {
        a: round(g.intersection(taihu).area / 1e6, 1)
        for a, g in zip(world.district_adcodes, world.district_geoms, strict=True)
        if g.intersection(taihu).area > 1e6
    }
    out["builtup_area_km2"] = round(float(layers["builtup"].geometry.area.sum()) / 1e6, 1)
    buildings = layers["buildings"]
    share = buildings["building_type"].map(DEFAULT_USABLE_SHARE)
    kwp = buildings["roof_area_m2"] * share * 0.2
    out["rooftop_pv_potential_mwp"] = {
        "total": round(float(kwp.sum()) / 1000.0, 1),
        **{
            str(k): round(float(v) / 1000.0, 1)
            for k, v in kwp.groupby(buildings["building_type"]).sum().items()
        },
        "parameters": "usable share government 0.5, school_hospital 0.4, industrial_commercial 0.3, "
        "urban_residential 0.25 (assumption), rural_home 0.2; 0.2 kWp/m²; buildings are a sample",
    }
    out["buildings_by_type"] = {
        str(k): int(v) for k, v in buildings["building_type"].value_counts().sort_index().items()
    }
    pv = layers["pv_sites"]
    pv_district = arrays.district[arrays.pixel_of(pv.geometry.x.to_numpy(), pv.geometry.y.to_numpy())[:2]]
    out["pv_installed_kw"] = {
        "total": round(float(pv["capacity_kw"].sum()), 1),
        "by_kind": {str(k): round(float(v), 1) for k, v in pv.groupby("kind")["capacity_kw"].sum().items()},
        "by_district": {
            DISTRICT_ORDER[d - 1]: round(float(v), 1)
            for d, v in pv.groupby(pv_district)["capacity_kw"].sum().items()
            if d > 0
        },
    }
    stations = layers["stations"]
    charging = stations[stations["type"] == "charging"]
    out["stations"] = {
        "charging_piles": int(charging["piles"].sum()),
        "charging_piles_by_access": {
            str(k): int(v) for k, v in charging.groupby("access")["piles"].sum().items()
        },
        "charging_stations": len(charging),
        "public_swap_stations": int(((stations["type"] == "swap") & (stations["access"] == "public")).sum()),
        "dedicated_swap_stations": int(
            ((stations["type"] == "swap") & (stations["access"] != "public")).sum()
        ),
        "hydrogen_stations": int((stations["type"] == "hydrogen").sum()),
        "piles_note": "swap stations: piles = swap bays; hydrogen stations: piles = dispensers",
    }
    return out


def _layer_metadata(layer: str, seed: int, description: str, vintage: int = 2024) -> dict[str, str]:
    return {
        "synthetic": "true",
        "generator": GENERATOR,
        "seed": str(seed),
        "vintage": str(vintage),
        "licence": "CC0-1.0",
        "description": f"SYNTHETIC demo layer '{layer}' (not real data): {description}",
    }


_LAYER_DESCRIPTIONS = {
    "wetlands": "wetlands on the 三调 scope (river, lake, reservoir, pond, marsh, tidal flat surfaces), "
    "vectorized from the demo 2024 land cover's water and wetland pixels",
    "protected_areas": "wetland parks, protection plots, reserves and drinking-water source areas; sized so "
    "that "
    f"about {WETLAND_PROTECTION_TARGET}% of the wetland area is protected",
    "builtup": "建成区 polygons of the city proper, 江阴 and 宜兴",
    "buildings": "a SAMPLE of about 40,000 roof footprints (not every building); roof_area_m2 = footprint "
    "area "
    "in EPSG:4549",
    "pv_sites": "installed PV sites (rooftop, ground, floating) totalling about 2.2 GW",
    "stations": "charging, battery-swap and hydrogen stations; private piles are aggregated per residential "
    "compound; piles = swap bays for swap stations and dispensers for hydrogen stations",
}


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame], seed: int) -> None:
    import pyogrio

    # Layer metadata only: GDAL keeps GeoPackage dataset-level metadata in a side-car .aux.xml whenever
    # the file is read, which would litter data/demo/.
    # A fixed gpkg_contents timestamp keeps the file byte-identical for the same seed.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-07-12T00:00:00.000Z"})
    try:
        for name, frame in layers.items():
            pyogrio.write_dataframe(
                frame.to_crs("EPSG:4326"),
                path,
                layer=name,
                driver="GPKG",
                promote_to_multi=name in ("wetlands", "protected_areas", "builtup"),
                layer_metadata=_layer_metadata(name, seed, _LAYER_DESCRIPTIONS[name]),
                # The roof sample is the bulk of the file; its R-tree would add a third again.
                layer_options={"SPATIAL_INDEX": "NO"} if name == "buildings" else None,
            )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def write_history_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame], seed: int) -> None:
    """The vintages (``DLTB_<year>`` in EPSG:4549 as bureaus hold them, ``stations_<year>`` in EPSG:4326
    like the other demo layers), each with its year in the layer metadata (``vintage``)."""
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-07-12T00:00:00.000Z"})
    try:
        for name, frame in layers.items():
            prefix, _, year = name.rpartition("_")
            survey = prefix == "DLTB"
            which = "三调" if year == "2019" else "年度国土变更调查"
            description = (
                f"地类图斑 (DLTB) of a {year} land survey ({which}), "
                "derived from the demo land cover: BSM, DLBM (三调 codes), DLMC, ZLDWDM (19 characters, the "
                "first 6 the county adcode), KCDLBM/KCXS/KCMJ (field ridges of cropland), TBMJ (ellipsoidal "
                "area, m²), TBDLMJ = TBMJ - KCMJ; coarse 900 m blocks merged into parcels"
                if survey
                else f"the stations open at the end of {year} (the 2024 layer's stations, thinned): "
                + _LAYER_DESCRIPTIONS["stations"]
            )
            pyogrio.write_dataframe(
                frame if survey else frame.to_crs("EPSG:4326"),
                path,
                layer=name,
                driver="GPKG",
                layer_metadata=_layer_metadata(name, seed, description, int(year)),
                layer_options={"SPATIAL_INDEX": "NO"},
            )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
