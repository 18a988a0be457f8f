"""The demo's vintages: the land survey (DLTB) of 2019, 2021 and 2023 and the station snapshots of 2022
and 2023, so that ``geoplan history`` has at least three years of each out of the box.

They go to their own GeoPackage (:data:`layers.defaults.DEMO_HISTORY_GPKG`), one layer per vintage named
as the loader expects (:func:`layers.defaults.history_layer_name`), labelled synthetic like the rest.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.demo.snapshots import station_snapshots
from wuxi_atlas.demo.survey import SURVEY_YEARS
from wuxi_atlas.demo.world import DISTRICT_ORDER, World
from wuxi_atlas.layers.defaults import history_layer_name

__all__ = ["WOODY_DLBM", "history_calibration", "history_layers"]

#: The DLBM codes the calibration counts as woody (林地 and 园地, as the sandiao scheme's linmu roles).
WOODY_DLBM = ("0201", "0202", "0301", "0302", "0305", "0307")


def history_layers(
    survey: dict[int, gpd.GeoDataFrame], stations: gpd.GeoDataFrame, seed: int
) -> dict[str, gpd.GeoDataFrame]:
    """Layer name → frame: the DLTB of each survey year (EPSG:4549, :func:`demo.survey.survey_layers`)
    and the earlier station snapshots."""
    layers = {history_layer_name("landcover", year): frame for year, frame in survey.items()}
    for year, frame in station_snapshots(stations, seed).items():
        layers[history_layer_name("stations", year)] = frame
    return layers


def history_calibration(world: World, layers: dict[str, gpd.GeoDataFrame]) -> dict[str, Any]:
    """The figures the vintages achieve: woody share of the official area per unit and survey year
    (tabulated: TBDLMJ by the first 6 characters of ZLDWDM), and the station counts per snapshot."""
    woody: dict[str, dict[str, float]] = {}
    for year in SURVEY_YEARS:
        frame = layers[history_layer_name("landcover", year)]
        county = frame["ZLDWDM"].str[:6]
        area = frame.loc[frame["DLBM"].isin(WOODY_DLBM), "TBDLMJ"].groupby(county).sum()
        per_unit = {a: float(area.get(a, 0.0)) for a in DISTRICT_ORDER}
        per_unit[CITY_ADCODE] = sum(per_unit.values())
        woody[str(year)] = {
            adcode: round(100.0 * m2 / 1e6 / world.official_km2[adcode], 2) for adcode, m2 in per_unit.items()
        }
    stations: dict[str, dict[str, int]] = {}
    for name, frame in layers.items():
        if not name.startswith("stations_"):
            continue
        charging = frame[frame["type"] == "charging"]
        stations[name.removeprefix("stations_")] = {
            "charging_piles": int(charging["piles"].sum()),
            "public_swap_stations": int(((frame["type"] == "swap") & (frame["access"] == "public")).sum()),
            "hydrogen_stations": int((frame["type"] == "hydrogen").sum()),
        }
    return {"land_survey_woody_pct": woody, "station_snapshots": stations}
