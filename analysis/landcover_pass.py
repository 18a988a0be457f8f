"""One pass over a land-cover raster for every raster indicator of a run.

林木覆盖率 (:mod:`analysis.forest`) needs the class areas of each district, 建成区绿化覆盖率
(:mod:`analysis.green`) those of the built-up area ∩ each district, and 湿地保护率 without a wetland layer
(:mod:`analysis.wetland`) those of the districts and of the protected areas ∩ each district. Decoding the
raster is the slow part of each, so :func:`landcover_pass` lays all those zones on the raster together
and reads it once: the engine takes overlapping zones (:func:`analysis.zonal.zonal_class_areas`), and
each family receives its own :class:`~analysis.zonal.ClassAreaTable`, keyed by district adcode as if
it had made the pass itself. The city is the sum of its districts (:func:`analysis.study_area.unit_totals`),
so it needs no zone of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from os import PathLike
from typing import TYPE_CHECKING

from wuxi_atlas.analysis.zonal import ClassAreaTable, Progress, ZonalFunction, ZoneSet, zonal_class_areas
from wuxi_atlas.analysis.zonal.off_grid import class_areas_off_grid_allowed

if TYPE_CHECKING:
    import geopandas as gpd

    from wuxi_atlas.analysis.study_area import StudyArea

__all__ = ["LandCoverTables", "landcover_pass", "landcover_pass_of_zones"]

_SEPARATOR = "/"


@dataclass(frozen=True)
class LandCoverTables:
    """The class areas one pass gives, each keyed by district adcode; None where no zone was asked for.

    ``districts``: each district's polygon; ``builtup``: the built-up area ∩ each district that has any;
    ``protected``: the protected areas ∩ each district that has any.
    """

    districts: ClassAreaTable | None = None
    builtup: ClassAreaTable | None = None
    protected: ClassAreaTable | None = None


def _table_of(table: ClassAreaTable, group: str) -> ClassAreaTable:
    """The zones of ``group`` out of the pass's table, under their own ids again."""
    prefix = f"{group}{_SEPARATOR}"
    zones = tuple(
        replace(zone, zone_id=zone.zone_id.removeprefix(prefix))
        for zone in table.zones
        if zone.zone_id.startswith(prefix)
    )
    return replace(table, zones=zones)


def landcover_pass(
    raster_path: str | PathLike[str],
    study_area: StudyArea,
    *,
    districts: bool = True,
    builtup: gpd.GeoDataFrame | None = None,
    protected: gpd.GeoDataFrame | None = None,
    zonal: ZonalFunction = zonal_class_areas,
    progress: Progress | None = None,
) -> LandCoverTables:
    """Class areas (m²) of the districts, and of ``builtup`` and ``protected`` zones, from one read of
    the raster.

    Parameters
    ----------
    raster_path
        The land-cover raster.
    study_area
        The run's districts (:class:`analysis.study_area.StudyArea`).
    districts
        Whether the districts' own class areas are wanted (林木覆盖率, the wetland fallback).
    builtup, protected
        Zones in EPSG:4549 with an ``adcode`` column, one (multi)polygon per district at most, as
        :meth:`analysis.study_area.StudyArea.clip` makes them; None: not wanted (their table is None),
        empty: wanted, but there is nothing to count (their table has no zone).
    zonal
        The engine (``analysis.zonal.distributed.zonal_strategy`` for the one on Dask).
    progress
        Called with ``(blocks_done, blocks_total)`` as the raster is read, once.

    Raises
    ------
    CRSError
        The raster does not meet the districts at all (a wrong or missing CRS). Built-up or protected
        zones that all lie off a raster that does cover part of the city are not an error: their areas
        are zero, and the indicators say ``insufficient_data``.
    """
    import geopandas as gpd
    import pandas as pd

    groups: dict[str, gpd.GeoDataFrame] = {}
    if districts:
        groups["districts"] = study_area.districts
    for group, zones in (("builtup", builtup), ("protected", protected)):
        if zones is not None:
            groups[group] = zones
    if not any(len(zones) for zones in groups.values()):
        return _nothing(raster_path, groups)
    frames = [
        gpd.GeoDataFrame(
            {"zone": [f"{group}{_SEPARATOR}{adcode}" for adcode in zones["adcode"]]},
            geometry=zones.geometry.to_crs(study_area.districts.crs).to_numpy(),
            crs=study_area.districts.crs,
        )
        for group, zones in groups.items()
    ]
    all_zones = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=study_area.districts.crs)
    if districts:
        # The districts cover the city: the engine's "no overlap" error is then a wrong CRS, as it should be.
        table = zonal(raster_path, all_zones, "zone", progress=progress)
    else:
        table = class_areas_off_grid_allowed(
            zonal, raster_path, all_zones, "zone", study_area=study_area.districts, progress=progress
        )
    return LandCoverTables(**{group: _table_of(table, group) for group in groups})


def landcover_pass_of_zones(
    raster_path: str | PathLike[str],
    groups: Mapping[str, ZoneSet],
    *,
    zonal: ZonalFunction = zonal_class_areas,
    progress: Progress | None = None,
) -> LandCoverTables:
    """:func:`landcover_pass` of zones given as :class:`~analysis.zonal.ZoneSet` s, one per group
    (``districts``, which must be there, ``builtup``, ``protected``), each keyed by district adcode and
    in one CRS: what a run whose zones come from the result cache calls, without geopandas. ``zonal``
    receives the zones as one ZoneSet (:func:`analysis.zonal.zonal_class_areas` and the Dask engine take
    it), not a frame."""
    if "districts" not in groups:
        raise ValueError("the districts' zones are needed: they tell a wrong CRS from partial coverage")
    if not any(len(zones) for zones in groups.values()):
        return _nothing(raster_path, groups)
    all_zones = ZoneSet.concatenated(
        [
            ZoneSet(tuple(f"{group}{_SEPARATOR}{i}" for i in zones.ids), zones.geoms, zones.crs)
            for group, zones in groups.items()
        ]
    )
    # The districts cover the city: the engine's "no overlap" error is then a wrong CRS, as it should be.
    table = zonal(raster_path, all_zones, "zone", progress=progress)
    return LandCoverTables(**{group: _table_of(table, group) for group in groups})


def _nothing(raster_path: str | PathLike[str], groups: Mapping[str, object]) -> LandCoverTables:
    nothing = ClassAreaTable((), "", str(raster_path), (0.0, 0.0), False)
    return LandCoverTables(**{group: nothing for group in groups})
