"""An indicator run from the result cache: the raster indicators computed, without geopandas.

Once the results of the indicators that read no raster are in the result cache
(:mod:`analysis.indicator_cache`), what is left of a ``geoplan indicators`` run is the one pass over the
land-cover raster. Its zones are the districts and the built-up area cut by district, in EPSG:4549,
which depend only on the boundaries and built-up files: :func:`store_zones` keeps them beside the
results (as WKB, which is exact), with the units and what the built-up layer's provenance says, when a
full run (:func:`analysis.indicators.compute_indicators` with ``cache``) has made them; for the shipped
layers they were made when the layers were written (:mod:`analysis.shipped_results`).

:func:`cached_indicator_run` then gives the run's results with no vector layer read and neither
geopandas nor pandas imported: the zones go to the engine as a :class:`~analysis.zonal.ZoneSet`
(:func:`analysis.landcover_pass.landcover_pass_of_zones`), the indicator families read only the units.
When anything it needs is not in the cache it returns None, and the caller makes the full run, which
fills the cache. The results are those of the full run (``tests/analysis/test_cached_run.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import shapely.errors

from wuxi_atlas.analysis.crs import METRIC_CRS
from wuxi_atlas.analysis.forest import forest_coverage
from wuxi_atlas.analysis.green import builtup_green_coverage
from wuxi_atlas.analysis.indicator_cache import VECTOR_FAMILIES, LayerOrigin, VectorResultCache
from wuxi_atlas.analysis.landcover_pass import LandCoverTables, landcover_pass_of_zones
from wuxi_atlas.analysis.result_cache import EntryKeys, entry_keys, store_entry
from wuxi_atlas.analysis.shipped_results import load_keyed
from wuxi_atlas.analysis.sources import LandSurveySource, LayerNote, RasterSource, VectorSource
from wuxi_atlas.analysis.study_area import AdminUnit, StudyArea, Units
from wuxi_atlas.analysis.zonal import ZoneSet

if TYPE_CHECKING:
    import geopandas as gpd

    from wuxi_atlas.analysis.indicators import IndicatorOptions, StageProgress
    from wuxi_atlas.analysis.results import IndicatorResult
    from wuxi_atlas.analysis.targets import Target

__all__ = [
    "RASTER_INDICATORS",
    "ZONES",
    "cached_indicator_run",
    "forest_of_pass",
    "green_of_pass",
    "store_zones",
    "zone_keys",
]

#: The indicators a run computes from the raster whatever the cache holds, in the order of the results.
RASTER_INDICATORS = ("forest_coverage", "builtup_green_coverage")
#: The result cache's namespace of the zones.
ZONES = "zones"
_WETLAND = "wetland_protection_rate"


def _key(origins: Mapping[str, LayerOrigin | None], kinds: tuple[str, ...]) -> EntryKeys | None:
    """The entry of the zones made from the layers ``kinds``, or None when one has no known file."""
    files: list[str] = []
    readings: list[str] = []
    for kind in kinds:
        origin = origins.get(kind)
        if origin is None:
            return None
        files += origin.files
        readings.append(origin.reading)
    return entry_keys(files, (ZONES, kinds, tuple(readings), METRIC_CRS))


def zone_keys(origins: Mapping[str, LayerOrigin | None]) -> list[EntryKeys]:
    """The keys of the zones a run with ``origins`` stores: the districts', and with a built-up layer the
    built-up zones' (for the results written with the shipped data, :mod:`analysis.shipped_results`)."""
    keys = [_key(origins, ("districts",))]
    if origins.get("builtup") is not None:
        keys.append(_key(origins, ("districts", "builtup")))
    return [key for key in keys if key is not None]


def _wkb(geoms: Any) -> list[str]:
    return [shapely.to_wkb(geometry, hex=True) for geometry in geoms]


def _zone_set(record: Mapping[str, Any]) -> ZoneSet:
    ids = tuple(str(i) for i in record["ids"])
    geoms = np.array([shapely.from_wkb(bytes.fromhex(text)) for text in record["wkb"]], dtype=object)
    if len(ids) != len(geoms):
        raise ValueError("a zone entry with as many ids as polygons")
    return ZoneSet(ids, geoms, METRIC_CRS)


def store_zones(
    origins: Mapping[str, LayerOrigin | None],
    study_area: StudyArea,
    builtup: VectorSource | None = None,
    builtup_zones: gpd.GeoDataFrame | None = None,
) -> None:
    """Keep the units and the district polygons (EPSG:4549) under the boundaries' file, and, given
    ``builtup``, its note and its zones (:func:`analysis.green.builtup_by_district`; None for an empty
    layer) under the boundaries' and the built-up layer's files."""
    key = _key(origins, ("districts",))
    if key is None:
        return
    districts = study_area.districts
    store_entry(
        ZONES,
        key.local,
        {
            "units": [asdict(unit) for unit in study_area.units],
            "ids": [str(adcode) for adcode in districts["adcode"]],
            "wkb": _wkb(districts.geometry.to_crs(METRIC_CRS)),
        },
    )
    builtup_key = _key(origins, ("districts", "builtup"))
    if builtup is None or builtup_key is None:
        return
    zones: dict[str, Any] = {"ids": [], "wkb": []}
    if builtup_zones is not None:
        zones = {"ids": [str(a) for a in builtup_zones["adcode"]], "wkb": _wkb(builtup_zones.geometry)}
    store_entry(ZONES, builtup_key.local, {"note": asdict(LayerNote.of(builtup)), **zones})


def _load_districts(key: EntryKeys | None) -> tuple[Units, ZoneSet] | None:
    """The units and district zones stored under ``key``; None when absent or not readable as such."""
    record = None if key is None else load_keyed(ZONES, key)
    if not isinstance(record, dict):
        return None
    try:
        return Units(tuple(AdminUnit(**unit) for unit in record["units"])), _zone_set(record)
    except (KeyError, TypeError, ValueError, shapely.errors.GEOSException):
        return None  # no entry, or one this version cannot read: the full run makes it again


def _load_builtup(key: EntryKeys | None) -> tuple[LayerNote, ZoneSet] | None:
    """The built-up layer's note and zones stored under ``key``; None when absent or not readable."""
    record = None if key is None else load_keyed(ZONES, key)
    if not isinstance(record, dict):
        return None
    try:
        return LayerNote(**record["note"]), _zone_set(record)
    except (KeyError, TypeError, ValueError, shapely.errors.GEOSException):
        return None


def forest_of_pass(
    landcover: RasterSource | LandSurveySource,
    study_area: Units,
    targets: Sequence[Target],
    options: IndicatorOptions,
    tables: LandCoverTables,
) -> list[IndicatorResult]:
    """林木覆盖率 with the run's method choices, from the districts' table of the raster pass."""
    return forest_coverage(
        landcover,
        study_area,
        targets,
        denominator=options.forest_denominator,
        variant=options.forest_variant,
        min_valid_share=options.min_valid_share,
        class_areas=tables.districts,
        zonal=options.zonal,
        method=options.landcover_method,
    )


def green_of_pass(
    landcover: RasterSource,
    builtup: VectorSource | LayerNote | None,
    study_area: Units,
    targets: Sequence[Target],
    options: IndicatorOptions,
    tables: LandCoverTables,
) -> list[IndicatorResult]:
    """建成区绿化覆盖率 with the run's method choices, from the built-up zones' table of the raster pass."""
    return builtup_green_coverage(
        landcover,
        builtup,
        study_area,
        targets,
        min_valid_share=options.min_valid_share,
        class_areas=tables.builtup,
        zonal=options.zonal,
    )


def cached_indicator_run(
    origins: Mapping[str, LayerOrigin | None],
    landcover: Callable[[], RasterSource],
    targets: Sequence[Target],
    options: IndicatorOptions,
    wanted: Sequence[str],
    progress: StageProgress | None = None,
) -> list[IndicatorResult] | None:
    """The results of ``wanted`` as :func:`analysis.indicators.compute_indicators` gives them, from the
    cache and one pass over the raster ``landcover`` (a loader: it checks the raster); None, before the
    raster is read, when the cache lacks a vector result or a zone the run needs.

    Only a run of 林木覆盖率 is served (its districts tell a wrong CRS from partial coverage), with the
    wetland rate from polygons: a wetland rate from the raster's classes is never cached.
    """
    if "forest_coverage" not in wanted:
        return None
    vector = VectorResultCache(origins, targets, options)
    served: dict[tuple[str, ...], list[IndicatorResult]] = {}
    for family in VECTOR_FAMILIES:
        if set(family) & set(wanted):
            landcover_kind = RasterSource.__name__ if family == (_WETLAND,) else ""
            results = vector.load(vector.key(family, landcover_kind=landcover_kind))
            if results is None:
                return None
            served[family] = [r for r in results if r.indicator in wanted]
    districts = _load_districts(_key(origins, ("districts",)))
    if districts is None:
        return None
    green = "builtup_green_coverage" in wanted
    if green and "builtup" not in origins:
        return None  # a built-up layer whose files are not known
    builtup = None
    if green and origins["builtup"] is not None:
        builtup = _load_builtup(_key(origins, ("districts", "builtup")))
        if builtup is None:
            return None
    units, district_zones = districts
    note = builtup[0] if builtup is not None else None
    groups = {"districts": district_zones}
    if builtup is not None and not builtup[0].empty:
        groups["builtup"] = builtup[1]
    raster = landcover()
    label = ", ".join(i for i in RASTER_INDICATORS if i in wanted)  # as the full run labels its pass
    tables = landcover_pass_of_zones(
        raster.path,
        groups,
        zonal=options.zonal,
        progress=None if progress is None else lambda done, total: progress(label, done, total),
    )
    results = forest_of_pass(raster, units, targets, options, tables)
    results += served.pop((_WETLAND,), [])
    if green:
        results += green_of_pass(raster, note, units, targets, options, tables)
    # The vector families in the order compute_indicators gives them.
    for family_results in served.values():
        results += family_results
    return results
