"""The demo's earlier station snapshots: the SYNTHETIC 2024 stations as a bureau's export would have shown
them at the end of earlier years.

Every public and dedicated station gets a seeded opening year, and each residential compound's private
piles are thinned year by year (a pile present in an earlier year is present later), so the network
grows toward the plan's 2025 targets: about 63% of the 2024 charging piles at the end of 2022 and 81%
at the end of 2023; the public swap and hydrogen stations open at a fixed count per year
(:data:`OPENED_BY`), so the counts are the same for every seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np

from wuxi_atlas.demo.fields import component_rng

__all__ = ["OPENED_BY", "SNAPSHOT_YEARS", "station_snapshots"]

#: The snapshots written besides the 2024 stations layer.
SNAPSHOT_YEARS: tuple[int, ...] = (2022, 2023)
#: Share of the 2024 charging stations (public, dedicated) open, and of private piles installed, by year.
_CHARGING_SHARE: Mapping[int, float] = {2022: 0.63, 2023: 0.81}
#: Stations of a type and access open at the end of a year, as a count (the 2024 layer holds the rest).
OPENED_BY: Mapping[tuple[str, str], Mapping[int, int]] = {
    ("swap", "public"): {2022: 25, 2023: 35},
    ("swap", "dedicated"): {2022: 2, 2023: 3},
    ("hydrogen", "public"): {2022: 1, 2023: 2},
    ("hydrogen", "dedicated"): {2022: 1, 2023: 1},
}


def station_snapshots(
    stations: gpd.GeoDataFrame, seed: int, years: Sequence[int] = SNAPSHOT_YEARS
) -> dict[int, gpd.GeoDataFrame]:
    """The stations open at the end of each of ``years`` (earlier than 2024), with the piles installed
    then; the same columns and CRS as ``stations``, rows in its order."""
    if any(year >= 2024 for year in years):
        raise ValueError(f"snapshots are of years before the 2024 layer, not {', '.join(map(str, years))}")
    ordered = sorted(years, reverse=True)
    rng = component_rng(seed, "stations", "snapshots")
    count = len(stations)
    kind = stations["type"].to_numpy().astype(str)
    access = stations["access"].to_numpy().astype(str)
    # Opening year of each station; 2024 means it opened in the 2024 layer's year.
    opened = np.full(count, 2024, np.int64)
    draw = rng.random(count)
    charging = (kind == "charging") & (access != "private")
    for year in ordered:
        opened[charging & (draw < _CHARGING_SHARE[year])] = year
    for (station_type, level), by_year in OPENED_BY.items():
        rows = rng.permutation(np.flatnonzero((kind == station_type) & (access == level)))
        for year in ordered:
            opened[rows[: min(by_year[year], rows.size)]] = year
    piles = stations["piles"].to_numpy().astype(np.int64)
    private = (kind == "charging") & (access == "private")
    snapshots: dict[int, gpd.GeoDataFrame] = {}
    share_later = 1.0
    for year in ordered:
        # Thinning the later year's piles keeps every earlier pile in the later years.
        piles = np.where(private, rng.binomial(piles, _CHARGING_SHARE[year] / share_later), piles)
        share_later = _CHARGING_SHARE[year]
        # A compound is in the export once it has a pile; a station once it has opened.
        keep = np.where(private, piles > 0, opened <= year)
        snapshot = stations.assign(piles=piles)[keep].reset_index(drop=True)
        snapshots[year] = snapshot
    return {year: snapshots[year] for year in sorted(snapshots)}
