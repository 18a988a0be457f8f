"""Where every layer comes from, and the cached loaders keyed on it.

Each layer comes from, in order: a file this session uploaded and has not saved (the Data page keeps the
:class:`~layers.catalog.StagedLayer` in ``st.session_state``, for this session only), the layer catalog's
current version (:func:`layers.catalog.open_catalog`), the shipped demo data. Where every layer comes from
is one tuple of file identities (:data:`Signature`, made by :func:`layer_plan`), the cache key of
everything computed from the layers, so sessions that see the same files share the work and a staged file
is its own key. The indicator families are also kept on disk (:mod:`analysis.result_cache`); the map's
derived layers are cached here and handed to the drawing code as :class:`maps.providers.MapProviders`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import streamlit as st

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.paths import boundaries_path, targets_path
from wuxi_atlas.analysis.pv_grid import pv_potential_grid
from wuxi_atlas.analysis.result_cache import load_results, results_key, store_results
from wuxi_atlas.analysis.results import IndicatorResult
from wuxi_atlas.analysis.schemes import schemes_dir
from wuxi_atlas.analysis.sources import LandSurveySource, RasterSource, VectorSource
from wuxi_atlas.analysis.targets import Target, load_targets
from wuxi_atlas.layers import defaults
from wuxi_atlas.layers.catalog import CatalogBackend, CatalogEntry, StagedLayer, open_catalog
from wuxi_atlas.layers.lazy import LazyMapping, declares_synthetic
from wuxi_atlas.layers.names import VECTOR_KINDS
from wuxi_atlas.maps.atlas import AtlasData
from wuxi_atlas.maps.providers import (
    MapProviders,
    charging_gaps_for_display,
    display_boundaries,
    overlay_png,
    wetlands_for_display,
)

if TYPE_CHECKING:
    from wuxi_atlas.analysis.change import LandCoverChange
    from wuxi_atlas.analysis.indicator_cache import LayerOrigin
    from wuxi_atlas.analysis.indicators import IndicatorInputs, IndicatorOptions
    from wuxi_atlas.app.context import Method


__all__ = [
    "FileId",
    "LayerKey",
    "Signature",
    "atlas_data",
    "cached_change",
    "cached_display_boundaries",
    "cached_targets",
    "file_id",
    "indicator_results",
    "layer_plan",
    "missing_kinds",
    "origins_of",
    "providers",
    "synthetic_in_use",
]


FileId = tuple[str, int, int]
#: Where one layer comes from: (kind, origin "demo" | "catalog" | "staged", file identity, read options
#: of a staged file or "v<n>" of a catalog version). Land cover has one key per year, "landcover:<year>".
LayerKey = tuple[str, str, FileId, str]
Signature = tuple[LayerKey, ...]

#: Indicators computed together, and the layers each group reads (its cache key). 林木覆盖率 and
#: 建成区绿化覆盖率 share one pass over the raster; the other groups are the vector families of
#: :data:`analysis.indicator_cache.VECTOR_FAMILIES` (湿地保护率 reads the raster only where no wetland
#: polygons are given), kept in the result cache under the keys a ``geoplan indicators`` run gives them.
_GROUPS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("forest_coverage", "builtup_green_coverage"), ("districts", "landcover", "builtup")),
    (("wetland_protection_rate",), ("districts", "landcover", "wetlands", "protected")),
    (("pv_installed_capacity", "pv_rooftop_potential"), ("districts", "pv_sites", "buildings")),
    (
        ("charging_piles", "battery_swap_stations", "hydrogen_stations", "charging_service_coverage"),
        ("districts", "stations", "builtup"),
    ),
)


# --- file identity and cached loaders --------------------------------------------------------------------


def file_id(path: Path) -> FileId:
    """(path, mtime in ns, size): a changed file gets a new cache entry; a missing file is (path, 0, 0)."""
    try:
        stat = path.stat()
    except OSError:
        return (str(path), 0, 0)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _options_text(options: Mapping[str, Any]) -> str:
    return json.dumps(dict(options), sort_keys=True, ensure_ascii=False)


def _version_id(catalog: CatalogBackend, entry: CatalogEntry) -> FileId:
    """A catalog version's identity for the caches: its file's (a folder's version, or this machine's
    copy of a PostGIS version, under the catalog's id: a version never changes)."""
    root: Path = getattr(catalog, "root", Path(catalog.location))
    return file_id(root / entry.file)


def layer_plan(staged: Mapping[str, StagedLayer]) -> Signature:
    """Where each layer comes from on this run: ``staged`` (this session's uploads), else the catalog's
    current version, else the shipped demo file; with the targets file, the cache key of every result."""
    catalog = open_catalog()  # $GEOPLAN_CATALOG_URL (a shared PostGIS), else the folder
    stored = {entry.kind: entry for entry in catalog.list()}
    shipped = defaults.default_sources()
    keys: list[LayerKey] = [("targets", "demo", file_id(targets_path()), "")]
    for kind in ("districts", *VECTOR_KINDS):
        if kind in staged:
            layer = staged[kind]
            keys.append((kind, "staged", file_id(layer.path), _options_text(layer.options)))
        elif kind in stored:
            entry = stored[kind]
            keys.append((kind, "catalog", _version_id(catalog, entry), f"v{entry.version}"))
        else:
            keys.append((kind, "demo", file_id(shipped[kind]), ""))  # type: ignore[index]
    series = defaults.default_landcover_series()
    years: dict[int, tuple[str, FileId, str]] = {y: ("demo", file_id(p), "") for y, p in series.items()}
    user_year: int | None = None
    user: tuple[str, FileId, str] | None = None
    if "landcover" in staged:
        raster = staged["landcover"]
        assert isinstance(raster.source, RasterSource | LandSurveySource)
        user_year, user = raster.source.year, ("staged", file_id(raster.path), _options_text(raster.options))
    elif "landcover" in stored:
        entry = stored["landcover"]
        user_year = int(entry.vintage) if entry.vintage.isdigit() else None
        user = ("catalog", _version_id(catalog, entry), f"v{entry.version}")
    if user is not None:
        # A user's land cover of no stated year stands in for the latest, as in load_indicator_inputs.
        year = user_year if user_year is not None else (max(series) if series else dt.date.today().year)
        years[year] = user
    keys += [(f"landcover:{year}", *years[year]) for year in sorted(years)]
    return tuple(keys)


def origins_of(signature: Signature) -> dict[str, LayerKey]:
    """The layer keys of ``signature`` by kind (``landcover:<year>`` for each year)."""
    return {key[0]: key for key in signature}


def missing_kinds(signature: Signature) -> tuple[str, ...]:
    """Kinds with no file at all: a shipped file that is missing (its identity has size 0)."""
    origins = origins_of(signature)
    missing = [k for k in VECTOR_KINDS if origins[k][1] == "demo" and origins[k][2][2] == 0]
    landcover = [key for kind, key in origins.items() if kind.startswith("landcover:")]
    if not any(key[1] != "demo" or key[2][2] > 0 for key in landcover):
        missing.append("landcover")
    return tuple(missing)


def _catalog_version(key: LayerKey) -> int:
    return int(key[3].removeprefix("v"))


@st.cache_resource(show_spinner=False, max_entries=32)
def _vector_layer(key: LayerKey, _staged: Mapping[str, StagedLayer]) -> VectorSource | None:
    """The vector layer of ``key``, read once per key (None for a shipped file that is missing)."""
    kind, origin = key[0], key[1]
    if origin == "staged":
        source = _staged[kind].source
    elif origin == "catalog":
        source = open_catalog().get(kind, _catalog_version(key))
    elif key[2][2] == 0:
        return None
    else:
        source = defaults.load_default_vector(kind)
    assert isinstance(source, VectorSource)
    return source


@st.cache_resource(show_spinner=False, max_entries=16)
def _landcover_layer(key: LayerKey, _staged: Mapping[str, StagedLayer]) -> RasterSource | LandSurveySource:
    """The land cover of ``key`` (kind ``landcover:<year>``), read once per key, labelled with its year."""
    year = int(key[0].split(":", 1)[1])
    if key[1] == "staged":
        raster = _staged["landcover"].source
    elif key[1] == "catalog":
        raster = open_catalog().get("landcover", _catalog_version(key))
    else:
        raster = defaults.load_default_landcover(year=year)
    assert isinstance(raster, RasterSource | LandSurveySource)
    return raster if raster.year == year else dataclasses.replace(raster, year=year)


@st.cache_resource(show_spinner=False, max_entries=8)
def atlas_data(signature: Signature, _staged: Mapping[str, StagedLayer]) -> AtlasData:
    """The layers of ``signature``: the boundaries now, every other layer when a page first asks for it
    (:class:`layers.lazy.LazyMapping`), so the first page reads only what it shows. Shared and
    read-only: never mutate it."""
    origins = origins_of(signature)
    districts = origins["districts"]
    boundaries = load_boundaries(boundaries_path() if districts[1] == "demo" else Path(districts[2][0]))
    vectors: LazyMapping[str, VectorSource | None] = LazyMapping(
        VECTOR_KINDS, lambda kind: _vector_layer(origins[kind], _staged)
    )
    years = {
        int(kind.split(":", 1)[1]): key
        for kind, key in origins.items()
        if kind.startswith("landcover:") and (key[1] != "demo" or key[2][2] > 0)
    }
    landcover: LazyMapping[int, RasterSource | LandSurveySource] = LazyMapping(
        sorted(years), lambda year: _landcover_layer(years[year], _staged)
    )
    return AtlasData(boundaries=boundaries, landcover=landcover, vectors=vectors)


@st.cache_data(show_spinner=False, max_entries=64)
def _declares_synthetic(key: LayerKey) -> bool:
    """Whether the shipped file of ``key`` says it is synthetic (its metadata only, no features read)."""
    layer = defaults.DEMO_LAYER_NAMES.get(key[0])  # type: ignore[call-overload]
    return declares_synthetic(key[2][0], layer=layer)


# --- indicator results ---------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _indicator_group(
    indicators: tuple[str, ...],
    layers: tuple[LayerKey | None, ...],
    method: tuple[Any, ...],
    _inputs: Callable[[], IndicatorInputs],
    _targets: tuple[Target, ...],
    _options: IndicatorOptions,
) -> list[IndicatorResult]:
    """One group of indicators (:data:`_GROUPS`), keyed on the files it reads and the method choices it
    uses; also kept on disk (:mod:`analysis.result_cache`), so a new server process reuses it, except for
    a session's staged files, which stay in memory only. ``_inputs`` gives the layers, each read when an
    indicator first reads it: its vector families are served from the result cache where the shipped
    layers' results are kept (:mod:`analysis.indicator_cache`, shared with ``geoplan indicators``), and
    the raster indicators from one pass over the zones kept there (:mod:`analysis.cached_run`); then no
    vector layer is read."""
    disk_key = None
    if all(layer is None or layer[1] != "staged" for layer in layers):
        present = [layer for layer in layers if layer is not None]
        files = [layer[2][0] for layer in present] + sorted(str(p) for p in schemes_dir().glob("*.toml"))
        origins = tuple((layer[0], layer[1], layer[3]) for layer in present)
        disk_key = results_key(indicators, files, (origins, method))
        cached = load_results(disk_key)
        if cached is not None:
            return cached
    # The engine: background work only.
    from wuxi_atlas.analysis.cached_run import cached_indicator_run
    from wuxi_atlas.analysis.indicators import compute_indicators

    inputs = _inputs()
    results = None
    if "forest_coverage" in indicators and isinstance(raster := inputs.landcover, RasterSource):
        # The raster pass alone, over the zones kept with the vector results (no vector layer read).
        results = cached_indicator_run(inputs.origins, lambda: raster, _targets, _options, indicators)
    if results is None:
        results = compute_indicators(inputs, _targets, _options, only=indicators, cache=True)
    if disk_key is not None:
        store_results(disk_key, results)
    return results


def _shipped_origins(signature: Signature) -> dict[str, LayerOrigin | None]:
    """The origins (:func:`layers.origins.layer_origins`) of the layers of ``signature`` that are the
    shipped files, as a ``geoplan indicators`` run on the shipped data keys them, so the app and the CLI
    share the vector families' results, and a cold server takes them from what is kept for the shipped
    data. A staged or catalog layer has none: the families reading it are not kept by that key (a
    catalog's results are, under the app's own key, a staged file's stay in memory)."""
    from wuxi_atlas.layers.origins import layer_origins

    origins = origins_of(signature)
    return {kind: origin for kind, origin in layer_origins().items() if origins[kind][1] == "demo"}


def indicator_results(
    signature: Signature, data: AtlasData, year: int | None, method: Method
) -> list[IndicatorResult]:
    """Every indicator for the city and the districts, with the land cover of ``year``, in the order
    :func:`analysis.indicators.compute_indicators` gives them."""
    origins = origins_of(signature)

    from wuxi_atlas.analysis.indicators import INDICATOR_IDS, IndicatorInputs

    shipped: dict[str, LayerOrigin | None] | None = None

    def inputs(kinds: tuple[str, ...]) -> Callable[[], IndicatorInputs]:
        """The layers one group reads (``kinds``), each read when first read; the others left out."""

        def deferred() -> IndicatorInputs:
            nonlocal shipped
            shipped = _shipped_origins(signature) if shipped is None else shipped
            loaders: dict[str, Callable[[], Any]] = {
                kind: functools.partial(data.vectors.get, kind) for kind in VECTOR_KINDS if kind in kinds
            }
            if year is not None and "landcover" in kinds:
                loaders["landcover"] = functools.partial(data.landcover.get, year)
            return IndicatorInputs.deferred(data.boundaries, loaders, shipped)

        return deferred

    targets = cached_targets(origins["targets"][2])
    options = method.options()
    results: list[IndicatorResult] = []
    for indicators, kinds in _GROUPS:
        layers = tuple(
            origins.get(f"landcover:{year}") if kind == "landcover" else origins[kind] for kind in kinds
        )
        keys = (origins["targets"], *layers)
        results += _indicator_group(indicators, keys, method.key(indicators), inputs(kinds), targets, options)
    # Grouped by indicator (stable: the city first within each), as the CLI and the exports give them.
    return sorted(results, key=lambda result: INDICATOR_IDS.index(result.indicator))


def synthetic_in_use(
    signature: Signature, data: AtlasData, year: int | None, *, every_year: bool = False
) -> bool:
    """Whether a layer behind the page is synthetic: any vector (the board reads them all) and the land
    cover of ``year`` (of every year where the land-cover change is shown). A user's file is synthetic
    when it says so (:mod:`layers.provenance`): an export of synthetic data read back, whose features
    carry ``synthetic: true``, still is; nothing a file says makes synthetic data real. A shipped vector
    is judged by its metadata, so the banner reads no features; the shipped vectors are asked first,
    because that is all a first paint on the demo data then reads."""
    origins = origins_of(signature)
    shipped = [origins[kind] for kind in VECTOR_KINDS if origins[kind][1] == "demo"]
    if any(key[2][2] > 0 and _declares_synthetic(key) for key in shipped):
        return True
    if every_year:
        rasters = list(data.landcover.values())
    else:
        rasters = [data.landcover[year]] if year is not None and year in data.landcover else []
    if any(r.synthetic for r in rasters):
        return True
    for kind in VECTOR_KINDS:
        if origins[kind][1] != "demo" and (source := data.vectors.get(kind)) is not None and source.synthetic:
            return True
    return False


@st.cache_data(show_spinner=False, max_entries=4)
def cached_targets(target_file: FileId) -> tuple[Target, ...]:
    """The plan's targets from ``target_file`` (its identity: a changed file is read again)."""
    return tuple(load_targets(target_file[0]))


# --- what the map and the district page draw, cached per layer ---------------------------------------------


@st.cache_data(show_spinner=False, max_entries=8)
def _overlay(
    raster_id: FileId, variant: str, _source: RasterSource
) -> tuple[str, list[list[float]], tuple[str, ...]]:
    return overlay_png(_source, "forest" if variant == "forest" else "classes")


@st.cache_data(show_spinner=False, max_entries=4)
def _pv_grid(buildings: LayerKey, _source: VectorSource) -> gpd.GeoDataFrame:
    return pv_potential_grid(_source.frame)


@st.cache_data(show_spinner=False, max_entries=4)
def cached_display_boundaries(districts: LayerKey, _boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return display_boundaries(_boundaries)


@st.cache_data(show_spinner=False, max_entries=4)
def _wetlands(
    layers: tuple[LayerKey, LayerKey],
    tolerance_m: float,
    _wetlands: VectorSource,
    _protected: VectorSource | None,
) -> gpd.GeoDataFrame:
    return wetlands_for_display(_wetlands, _protected, tolerance_m)


@st.cache_data(show_spinner=False, max_entries=4)
def _charging_gaps(
    layers: tuple[LayerKey, LayerKey, LayerKey],
    radius_m: float,
    _stations: VectorSource | None,
    _builtup: VectorSource,
    _districts: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    return charging_gaps_for_display(_stations, _builtup, radius_m, _districts)


@st.cache_data(show_spinner=False, max_entries=4)
def cached_change(layers: Signature, _data: AtlasData) -> LandCoverChange | None:
    """The land-cover change from the oldest year to the latest, keyed on the land cover and districts."""
    from wuxi_atlas.analysis.change import (
        landcover_change,  # rasterio windows and the change tables: this page only
    )
    from wuxi_atlas.analysis.study_area import StudyArea

    years = sorted(_data.landcover)
    if len(years) < 2:
        return None
    before, after = _data.landcover[years[0]], _data.landcover[years[-1]]
    if not isinstance(before, RasterSource) or not isinstance(after, RasterSource):
        return None  # a land survey's parcels: the change is computed between rasters only
    study_area = StudyArea.from_boundaries(_data.boundaries)
    return landcover_change(before, after, study_area)


def providers(signature: Signature) -> MapProviders:
    """The map's derived layers (overlay images, PV grid, display boundaries, wetlands), each cached on the
    identity of the files it comes from."""
    origins = origins_of(signature)

    def overlay(source: RasterSource, variant: str) -> tuple[str, list[list[float]], tuple[str, ...]]:
        return _overlay(file_id(source.path), variant, source)

    return MapProviders(
        overlay=overlay,
        pv_grid=lambda source: _pv_grid(origins["buildings"], source),
        boundaries=lambda frame: cached_display_boundaries(origins["districts"], frame),
        wetlands=lambda wetlands, protected, tolerance: _wetlands(
            (origins["wetlands"], origins["protected"]), tolerance, wetlands, protected
        ),
        charging_gaps=lambda stations, builtup, radius, districts: _charging_gaps(
            (origins["stations"], origins["builtup"], origins["districts"]),
            radius,
            stations,
            builtup,
            districts,
        ),
    )
