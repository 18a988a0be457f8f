"""Wuxi Carbon-Peak Atlas (无锡碳达峰空间监测): the Streamlit front-end.

Thin: it reads the view from the URL, loads the layers and results through cached loaders keyed on file
identity (path, mtime, size), and composes pages from the core (:mod:`maps.atlas`,
:mod:`analysis.board`, :mod:`analysis.export`). It is the only module that imports streamlit. Errors of
the atlas (:class:`analysis.errors.AtlasError`) are shown as a message in one place, :func:`main`.

Pages are functions chosen by the ``page`` query parameter (a sidebar radio), so a link reproduces the
view: ``?lang=en&page=district&district=320211&layers=districts,forest&year=2024&basemap=none``; method
choices that differ from the defaults join it (``denom``, ``variant``, ``yield``, ``radius``).

Each layer comes from, in order: a file this session uploaded and has not saved (the Data page keeps the
:class:`~layers.catalog.StagedLayer` in ``st.session_state``, for this session only), the layer catalog's
current version (:func:`layers.catalog.catalog_dir`), the shipped demo data. Where every layer comes from
is one tuple of file identities, the cache key of everything computed from the layers, so sessions that
see the same files share the work and a staged file is its own key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.metadata
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import branca
import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
import streamlit_folium

from analysis.board import BoardRow, board_rows, parse_statistic_figures, statistic_rows
from analysis.boundaries import load_boundaries
from analysis.charging import DEFAULT_SERVICE_RADIUS_M
from analysis.coords import gcj02_to_wgs84
from analysis.errors import AtlasError, LayerError
from analysis.export import layer_to_geojson, results_zip
from analysis.indicators import INDICATOR_IDS, IndicatorInputs, IndicatorOptions, compute_indicators
from analysis.paths import boundaries_path, demo_dir, targets_path
from analysis.pv import DEFAULT_USABLE_SHARE, PVParameters
from analysis.pv_grid import pv_potential_grid
from analysis.report import results_metadata, results_to_csv, results_to_json
from analysis.result_cache import entry_key, load_entry, load_results, results_key, store_entry, store_results
from analysis.results import CITY_ADCODE, IndicatorResult
from analysis.schemes import load_scheme, schemes_dir
from analysis.sources import LAYER_KINDS, RasterSource, VectorSource
from analysis.targets import STATISTIC, Target, load_targets
from layers import defaults
from layers.base import get_spec
from layers.catalog import Catalog, CatalogEntry, CheckReport, StagedLayer, catalog_dir
from layers.inputs import VECTOR_KINDS
from layers.lazy import LazyMapping, declares_synthetic
from layers.limits import current_limits
from layers.uploads import LONLAT_DATUMS, UploadOptions, accepted_suffixes, stage_upload
from maps.atlas import (
    DEFAULT_LAYERS,
    DEFAULT_OPACITY,
    OVERLAYS,
    AtlasData,
    MapView,
    build_atlas_map,
    district_at,
    map_html,
    selection_layer,
)
from maps.basemap import DEFAULT_BASEMAP, TIANDITU_KEY_ENV, available_basemaps, get_basemap
from maps.factsheet import fact_sheet_html
from maps.providers import MapProviders, display_boundaries, overlay_png, wetlands_for_display
from maps.text import (
    LANGS,
    format_gap,
    format_value,
    indicator_name,
    method_text,
    status_text,
    t,
)

if TYPE_CHECKING:
    from analysis.change import LandCoverChange

PAGES: tuple[str, ...] = ("map", "board", "district", "export", "methods", "data")
EXPORT_KINDS: tuple[str, ...] = ("districts", *VECTOR_KINDS)
MAP_KEY = "atlas_map"
_STREAMLIT_FOLIUM_VERSION = importlib.metadata.version("streamlit-folium")
_LAYER_ORDER = (
    "districts",
    "landcover",
    "forest",
    "pv",
    "pv_sites",
    "wetlands",
    "protected",
    "builtup",
    "stations",
)

FileId = tuple[str, int, int]
#: Where one layer comes from: (kind, origin "demo" | "catalog" | "staged", file identity, read options
#: of a staged file or "v<n>" of a catalog version). Land cover has one key per year, "landcover:<year>".
LayerKey = tuple[str, str, FileId, str]
Signature = tuple[LayerKey, ...]

STAGED = "_staged_layers"  # session_state: kind -> StagedLayer, this session's unsaved uploads
_UPLOAD_ERRORS = "_upload_errors"  # session_state: kind -> message of the last failed upload
_FLASH = "_flash"  # session_state: (level, text) shown once, after a button's callback
_ENCODINGS: tuple[str, ...] = ("", "utf-8", "gbk", "gb18030", "big5")
_DENOMINATORS: tuple[str, ...] = ("official", "polygon", "land")
_VARIANTS: tuple[str, ...] = ("linmu", "senlin")
#: Indicators computed together, and the layers each group reads (its cache key).
_GROUPS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("forest_coverage",), ("districts", "landcover")),
    (
        ("wetland_protection_rate", "builtup_green_coverage"),
        ("districts", "landcover", "wetlands", "protected", "builtup"),
    ),
    (("pv_installed_capacity", "pv_rooftop_potential"), ("districts", "pv_sites", "buildings")),
    (
        ("charging_piles", "battery_swap_stations", "hydrogen_stations", "charging_service_coverage"),
        ("districts", "stations", "builtup"),
    ),
)


# --- file identity and cached loaders --------------------------------------------------------------------


def _file_id(path: Path) -> FileId:
    """(path, mtime in ns, size): a changed file gets a new cache entry; a missing file is (path, 0, 0)."""
    try:
        stat = path.stat()
    except OSError:
        return (str(path), 0, 0)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _options_text(options: Mapping[str, Any]) -> str:
    return json.dumps(dict(options), sort_keys=True, ensure_ascii=False)


def _layer_plan(staged: Mapping[str, StagedLayer]) -> Signature:
    """Where each layer comes from on this run: ``staged`` (this session's uploads), else the catalog's
    current version, else the shipped demo file; with the targets file, the cache key of every result."""
    catalog = Catalog(catalog_dir())
    stored = {entry.kind: entry for entry in catalog.list()}
    shipped = defaults.default_sources()
    keys: list[LayerKey] = [("targets", "demo", _file_id(targets_path()), "")]
    for kind in ("districts", *VECTOR_KINDS):
        if kind in staged:
            layer = staged[kind]
            keys.append((kind, "staged", _file_id(layer.path), _options_text(layer.options)))
        elif kind in stored:
            entry = stored[kind]
            keys.append((kind, "catalog", _file_id(catalog.root / entry.file), f"v{entry.version}"))
        else:
            keys.append((kind, "demo", _file_id(shipped[kind]), ""))  # type: ignore[index]
    series = defaults.default_landcover_series()
    years: dict[int, tuple[str, FileId, str]] = {y: ("demo", _file_id(p), "") for y, p in series.items()}
    user_year: int | None = None
    user: tuple[str, FileId, str] | None = None
    if "landcover" in staged:
        raster = staged["landcover"]
        assert isinstance(raster.source, RasterSource)
        user_year, user = raster.source.year, ("staged", _file_id(raster.path), _options_text(raster.options))
    elif "landcover" in stored:
        entry = stored["landcover"]
        user_year = int(entry.vintage) if entry.vintage.isdigit() else None
        user = ("catalog", _file_id(catalog.root / entry.file), f"v{entry.version}")
    if user is not None:
        # A user's land cover of no stated year stands in for the latest, as in load_indicator_inputs.
        year = user_year if user_year is not None else (max(series) if series else dt.date.today().year)
        years[year] = user
    keys += [(f"landcover:{year}", *years[year]) for year in sorted(years)]
    return tuple(keys)


def _origins(signature: Signature) -> dict[str, LayerKey]:
    return {key[0]: key for key in signature}


def _missing_kinds(signature: Signature) -> tuple[str, ...]:
    """Kinds with no file at all: a shipped file that is missing (its identity has size 0)."""
    origins = _origins(signature)
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
        source = Catalog(catalog_dir()).get(kind, _catalog_version(key))
    elif key[2][2] == 0:
        return None
    else:
        source = defaults.load_default_vector(kind)
    assert isinstance(source, VectorSource)
    return source


@st.cache_resource(show_spinner=False, max_entries=16)
def _landcover_layer(key: LayerKey, _staged: Mapping[str, StagedLayer]) -> RasterSource:
    """The land cover of ``key`` (kind ``landcover:<year>``), read once per key, labelled with its year."""
    year = int(key[0].split(":", 1)[1])
    if key[1] == "staged":
        raster = _staged["landcover"].source
    elif key[1] == "catalog":
        raster = Catalog(catalog_dir()).get("landcover", _catalog_version(key))
    else:
        raster = defaults.load_default_landcover(year=year)
    assert isinstance(raster, RasterSource)
    return raster if raster.year == year else dataclasses.replace(raster, year=year)


@st.cache_resource(show_spinner=False, max_entries=8)
def _atlas_data(signature: Signature, _staged: Mapping[str, StagedLayer]) -> AtlasData:
    """The layers of ``signature``: the boundaries now, every other layer when a page first asks for it
    (:class:`layers.lazy.LazyMapping`), so the first page reads only what it shows. Shared and
    read-only: never mutate it."""
    origins = _origins(signature)
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
    landcover: LazyMapping[int, RasterSource] = LazyMapping(
        sorted(years), lambda year: _landcover_layer(years[year], _staged)
    )
    return AtlasData(boundaries=boundaries, landcover=landcover, vectors=vectors)


@st.cache_data(show_spinner=False, max_entries=64)
def _declares_synthetic(key: LayerKey) -> bool:
    """Whether the shipped file of ``key`` says it is synthetic (its metadata only, no features read)."""
    layer = defaults.DEMO_LAYER_NAMES.get(key[0])  # type: ignore[call-overload]
    return declares_synthetic(key[2][0], layer=layer)


@dataclass(frozen=True)
class Method:
    """The method choices of the sidebar, as plain values (a cache key) that make IndicatorOptions."""

    forest_denominator: str = "official"
    forest_variant: str = "linmu"
    specific_yield: float = 1100.0
    usable_share: tuple[tuple[str, float], ...] = tuple(DEFAULT_USABLE_SHARE.items())
    service_radius_m: float = DEFAULT_SERVICE_RADIUS_M

    def options(self) -> IndicatorOptions:
        return IndicatorOptions(
            forest_denominator=self.forest_denominator,  # type: ignore[arg-type]
            forest_variant=self.forest_variant,  # type: ignore[arg-type]
            pv=PVParameters(
                usable_share=dict(self.usable_share), specific_yield_kwh_per_kwp=self.specific_yield
            ),
            service_radius_m=self.service_radius_m,
        )

    def key(self, indicators: Sequence[str]) -> tuple[Any, ...]:
        """The choices that matter to ``indicators``: a slider for one family recomputes only it."""
        key: tuple[Any, ...] = ()
        if "forest_coverage" in indicators:
            key += (self.forest_denominator, self.forest_variant)
        if "pv_rooftop_potential" in indicators:
            key += (self.specific_yield, self.usable_share)
        if "charging_service_coverage" in indicators:
            key += (self.service_radius_m,)
        return key

    def as_dict(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        record["usable_share"] = dict(self.usable_share)
        return record


@st.cache_data(show_spinner=False, max_entries=64)
def _indicator_group(
    indicators: tuple[str, ...],
    layers: tuple[LayerKey | None, ...],
    method: tuple[Any, ...],
    _inputs: Callable[[], IndicatorInputs],
    _targets: tuple[Target, ...],
    _options: IndicatorOptions,
) -> list[IndicatorResult]:
    """One family of indicators (zonal statistics on the rasters are the slow part), keyed on the files
    it reads and the method choices it uses; also kept on disk (:mod:`analysis.result_cache`), so a new
    server process reuses it, except for a session's staged files, which stay in memory only. ``_inputs``
    reads the layers: called only when the results are in neither cache."""
    disk_key = None
    if all(layer is None or layer[1] != "staged" for layer in layers):
        present = [layer for layer in layers if layer is not None]
        files = [layer[2][0] for layer in present] + sorted(str(p) for p in schemes_dir().glob("*.toml"))
        origins = tuple((layer[0], layer[1], layer[3]) for layer in present)
        disk_key = results_key(indicators, files, (origins, method))
        cached = load_results(disk_key)
        if cached is not None:
            return cached
    results = compute_indicators(_inputs(), _targets, _options, only=indicators)
    if disk_key is not None:
        store_results(disk_key, results)
    return results


def _results(
    signature: Signature, data: AtlasData, year: int | None, method: Method
) -> list[IndicatorResult]:
    """Every indicator for the city and the districts, with the land cover of ``year``."""
    origins = _origins(signature)

    def inputs(kinds: tuple[str, ...]) -> Callable[[], IndicatorInputs]:
        """The layers one family reads (``kinds``), read when it is computed; the others are left out."""
        return lambda: IndicatorInputs(
            boundaries=data.boundaries,
            landcover=data.landcover.get(year) if year is not None and "landcover" in kinds else None,
            **{kind: data.vectors.get(kind) if kind in kinds else None for kind in VECTOR_KINDS},
        )

    targets = _targets(origins["targets"][2])
    options = method.options()
    results: list[IndicatorResult] = []
    for indicators, kinds in _GROUPS:
        layers = tuple(
            origins.get(f"landcover:{year}") if kind == "landcover" else origins[kind] for kind in kinds
        )
        keys = (origins["targets"], *layers)
        results += _indicator_group(indicators, keys, method.key(indicators), inputs(kinds), targets, options)
    return results


def _synthetic_in_use(
    signature: Signature, data: AtlasData, year: int | None, *, every_year: bool = False
) -> bool:
    """Whether a layer behind the page is synthetic: any vector (the board reads them all) and the land
    cover of ``year`` (of every year where the land-cover change is shown). A user's file is not. A
    shipped vector is judged by its metadata, so the banner reads no features."""
    if every_year:
        rasters = list(data.landcover.values())
    else:
        rasters = [data.landcover[year]] if year is not None and year in data.landcover else []
    if any(r.synthetic for r in rasters):
        return True
    origins = _origins(signature)
    for kind in VECTOR_KINDS:
        key = origins[kind]
        if key[1] == "demo":
            if key[2][2] > 0 and _declares_synthetic(key):
                return True
        elif (source := data.vectors.get(kind)) is not None and source.synthetic:
            return True
    return False


@st.cache_data(show_spinner=False, max_entries=4)
def _targets(target_file: FileId) -> tuple[Target, ...]:
    return tuple(load_targets(target_file[0]))


@st.cache_data(show_spinner=False, max_entries=8)
def _overlay(
    raster_id: FileId, variant: str, _source: RasterSource
) -> tuple[str, list[list[float]], tuple[str, ...]]:
    return overlay_png(_source, "forest" if variant == "forest" else "classes")


@st.cache_data(show_spinner=False, max_entries=4)
def _pv_grid(buildings: LayerKey, _source: VectorSource) -> gpd.GeoDataFrame:
    return pv_potential_grid(_source.frame)


@st.cache_data(show_spinner=False, max_entries=4)
def _display_boundaries(districts: LayerKey, _boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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
def _change(layers: Signature, _data: AtlasData) -> LandCoverChange | None:
    from analysis.change import landcover_change  # rasterio windows and the change tables: this page only

    years = sorted(_data.landcover)
    if len(years) < 2:
        return None
    return landcover_change(_data.landcover[years[0]], _data.landcover[years[-1]], _data.boundaries)


def _providers(signature: Signature) -> MapProviders:
    origins = _origins(signature)

    def overlay(source: RasterSource, variant: str) -> tuple[str, list[list[float]], tuple[str, ...]]:
        return _overlay(_file_id(source.path), variant, source)

    return MapProviders(
        overlay=overlay,
        pv_grid=lambda source: _pv_grid(origins["buildings"], source),
        boundaries=lambda frame: _display_boundaries(origins["districts"], frame),
        wetlands=lambda wetlands, protected, tolerance: _wetlands(
            (origins["wetlands"], origins["protected"]), tolerance, wetlands, protected
        ),
    )


# --- the view: URL <-> session state ---------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What every page gets: the data, the results, the language and the selected unit."""

    signature: Signature
    data: AtlasData
    results: list[IndicatorResult]
    targets: tuple[Target, ...]
    lang: str
    adcode: str
    names: dict[str, tuple[str, str]]
    year: int | None = None
    method: Method = Method()

    @property
    def synthetic(self) -> bool:
        """Whether a layer behind the board or the map is synthetic."""
        return _synthetic_in_use(self.signature, self.data, self.year)

    @property
    def synthetic_any_year(self) -> bool:
        """Whether a layer behind the district page (the change uses every year) is synthetic."""
        return _synthetic_in_use(self.signature, self.data, self.year, every_year=True)

    def name(self, adcode: str | None = None) -> str:
        zh, en = self.names.get(adcode or self.adcode, (adcode or self.adcode,) * 2)
        return en if self.lang == "en" else zh

    @property
    def is_city(self) -> bool:
        return self.adcode == CITY_ADCODE


def _state_from_url(adcodes: Sequence[str], years: Sequence[int], basemaps: Sequence[str]) -> None:
    """Seed the widgets' state from the query string, once per session; bad values fall back."""
    if st.session_state.get("_view_from_url"):
        return
    params = st.query_params
    lang = params.get("lang", "zh")
    st.session_state["lang"] = lang if lang in LANGS else "zh"
    page = params.get("page", "map")
    st.session_state["page"] = page if page in PAGES else "map"
    district = params.get("district", CITY_ADCODE)
    st.session_state["district"] = district if district in adcodes else CITY_ADCODE
    if "layers" in params:
        wanted = [item for item in params.get("layers", "").split(",") if item in OVERLAYS]
        st.session_state["layers"] = [k for k in _LAYER_ORDER if k in wanted]
    else:
        st.session_state["layers"] = [k for k in _LAYER_ORDER if k in DEFAULT_LAYERS]
    year = params.get("year", "")
    st.session_state["year"] = (
        int(year) if year.isdigit() and int(year) in years else (max(years) if years else None)
    )
    basemap = params.get("basemap", DEFAULT_BASEMAP)
    st.session_state["basemap"] = basemap if basemap in basemaps else DEFAULT_BASEMAP
    default = Method()
    denominator = params.get("denom", default.forest_denominator)
    st.session_state["m_denominator"] = (
        denominator if denominator in _DENOMINATORS else default.forest_denominator
    )
    variant = params.get("variant", default.forest_variant)
    st.session_state["m_variant"] = variant if variant in _VARIANTS else default.forest_variant
    st.session_state["m_yield"] = _number_param("yield", default.specific_yield, 500.0, 2000.0)
    st.session_state["m_radius"] = _number_param("radius", default.service_radius_m, 100.0, 5000.0)
    for building_type, share in default.usable_share:
        st.session_state[f"m_share_{building_type}"] = share
    st.session_state["_view_from_url"] = True


def _number_param(name: str, default: float, low: float, high: float) -> float:
    try:
        value = float(st.query_params.get(name, default))
    except ValueError:
        return default
    return value if low <= value <= high else default


def _method_from_state() -> Method:
    default = Method()
    return Method(
        forest_denominator=st.session_state.get("m_denominator", default.forest_denominator),
        forest_variant=st.session_state.get("m_variant", default.forest_variant),
        specific_yield=float(st.session_state.get("m_yield", default.specific_yield)),
        usable_share=tuple(
            (kind, float(st.session_state.get(f"m_share_{kind}", share)))
            for kind, share in default.usable_share
        ),
        service_radius_m=float(st.session_state.get("m_radius", default.service_radius_m)),
    )


def _state_to_url() -> None:
    """Write the view into the query string, so the address bar always reproduces it."""
    wanted = {
        "lang": st.session_state.get("lang", "zh"),
        "page": st.session_state.get("page", "map"),
        "district": st.session_state.get("district", CITY_ADCODE),
        "layers": ",".join(st.session_state.get("layers", [])),
        "basemap": st.session_state.get("basemap", DEFAULT_BASEMAP),
    }
    if st.session_state.get("year") is not None:
        wanted["year"] = str(st.session_state["year"])
    method, default = _method_from_state(), Method()
    optional = {
        "denom": (method.forest_denominator, default.forest_denominator),
        "variant": (method.forest_variant, default.forest_variant),
        "yield": (f"{method.specific_yield:g}", f"{default.specific_yield:g}"),
        "radius": (f"{method.service_radius_m:g}", f"{default.service_radius_m:g}"),
    }
    for key, (value, default_value) in optional.items():
        if value != default_value:
            wanted[key] = value
        elif key in st.query_params:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def _on_map_click(boundaries: gpd.GeoDataFrame) -> None:
    """streamlit-folium callback: a click on the map selects the district under it."""
    value = st.session_state.get(MAP_KEY) or {}
    clicked = value.get("last_object_clicked") if isinstance(value, dict) else None
    if not clicked or "lat" not in clicked:
        return
    lon, lat = float(clicked["lng"]), float(clicked["lat"])
    if get_basemap(st.session_state.get("basemap", DEFAULT_BASEMAP)).datum == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
    adcode = district_at(boundaries, lon, lat)
    if adcode is not None:
        st.session_state["district"] = adcode


def _tianditu_key() -> str | None:
    key = os.environ.get(TIANDITU_KEY_ENV)
    if key:
        return key
    try:
        return str(st.secrets.get(TIANDITU_KEY_ENV) or "") or None
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return None


# --- shared pieces ---------------------------------------------------------------------------------------


def _synthetic_banner(ctx: Context, synthetic: bool | None = None) -> None:
    if ctx.synthetic if synthetic is None else synthetic:
        st.warning(t("synthetic_banner", ctx.lang))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def _plain(text: str) -> str:
    """Text from a user's file made inert for Streamlit's markdown (st.error, st.success …): every
    markdown, HTML, emoji-shortcode and LaTeX character is backslash-escaped, so it shows as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _map_view(ctx: Context, *, focus: str | None) -> MapView:
    opacity = {k: float(st.session_state.get(f"opacity_{k}", DEFAULT_OPACITY[k])) for k in OVERLAYS}
    return MapView(
        layers=tuple(st.session_state.get("layers", DEFAULT_LAYERS)),
        opacity=opacity,
        basemap=st.session_state.get("basemap", DEFAULT_BASEMAP),
        year=st.session_state.get("year"),
        lang=ctx.lang,
        focus=focus,
    )


def _build_map(ctx: Context, *, focus: str | None) -> Any:
    return build_atlas_map(
        ctx.data,
        _map_view(ctx, focus=focus),
        providers=_providers(ctx.signature),
        tianditu_key=_tianditu_key(),
    )


@dataclass(frozen=True)
class MapComponent:
    """What streamlit-folium sends the browser for one map, as plain strings: rendered once per view and
    cached, so a rerun that shows the same map (a district switch on the map page) builds nothing."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict[str, dict[str, float | None]]
    zoom: Any
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def _component_of(fmap: folium.Map) -> MapComponent:
    """The component arguments of ``fmap``, as ``streamlit_folium.st_folium`` (0.27) computes them."""
    fmap.get_root().render()
    fmap.render()
    html = streamlit_folium._get_html(fmap)  # before _get_map_string, which alters the map
    header = streamlit_folium._get_header(fmap)
    script = streamlit_folium._get_map_string(fmap)
    (south, west), (north, east) = fmap.get_bounds()

    def walk(element: Any) -> Any:
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    css: list[str] = []
    js: list[str] = []
    for element in walk(fmap):
        if isinstance(element, branca.colormap.ColorMap):
            raise LayerError("a colormap would load d3 from a CDN")
        css += [href for _, href in getattr(element, "default_css", [])]
        js += [src for _, src in getattr(element, "default_js", [])]
    return MapComponent(
        script=script,
        header=header,
        html=html,
        map_id=streamlit_folium.get_full_id(fmap),
        bounds={"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}},
        zoom=fmap.options.get("zoom"),
        css_links=tuple(dict.fromkeys(css)),
        js_links=tuple(dict.fromkeys(js)),
    )


@st.cache_data(show_spinner=False, max_entries=24)
def _map_component(
    signature: Signature, view: tuple[Any, ...], tianditu_key: str | None, _ctx: Context, _focus: str | None
) -> MapComponent:
    """The map of ``view`` (layers, opacity, basemap, year, language, focus) on the layers of
    ``signature``, as component arguments; the folium.Map itself is built here and dropped. Also kept on
    disk (:mod:`analysis.result_cache`) unless a staged file or a basemap with a key or a private URL is
    in it, so a new server process draws its first map without building it."""
    disk_key = None
    if get_basemap(view[2]).needs is None and all(key[1] != "staged" for key in signature):
        files = [key[2][0] for key in signature]
        origins = tuple((k[0], k[1], k[3]) for k in signature)
        versions = (folium.__version__, _STREAMLIT_FOLIUM_VERSION)
        disk_key = entry_key(files, ("map", origins, view, versions))
        stored = load_entry("maps", disk_key)
        if isinstance(stored, dict):
            try:
                return MapComponent(
                    **{
                        **stored,
                        "css_links": tuple(stored["css_links"]),
                        "js_links": tuple(stored["js_links"]),
                    }
                )
            except (TypeError, KeyError):
                pass
    component = _component_of(_build_map(_ctx, focus=_focus))
    if disk_key is not None:
        store_entry("maps", disk_key, dataclasses.asdict(component))
    return component


def _show_map(
    ctx: Context,
    *,
    key: str,
    focus: str | None,
    height: int,
    returned_objects: Sequence[str],
    highlight: folium.FeatureGroup | None = None,
    on_change: Callable[[], None] | None = None,
) -> None:
    """streamlit-folium's map from the cached :class:`MapComponent`; ``highlight`` is sent as its
    ``feature_group``, which the mounted map swaps in without being rebuilt (the script is unchanged)."""
    view = _map_view(ctx, focus=focus)
    view_key = (
        tuple(view.layers),
        tuple(sorted(view.opacity.items())),
        view.basemap,
        view.year,
        view.lang,
        focus,
    )
    component = _map_component(ctx.signature, view_key, _tianditu_key(), ctx, focus)
    feature_group = None
    if highlight is not None:
        host = folium.Map(tiles=None)  # a stand-in parent: the group's script refers to "map_div"
        feature_group = streamlit_folium._get_feature_group_string(highlight, map=host, idx=0)
    hash_key = streamlit_folium.generate_js_hash(component.script, key, False)

    def changed() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    defaults: dict[str, Any] = {
        "last_object_clicked": None,
        "bounds": component.bounds,
        "zoom": component.zoom,
    }
    streamlit_folium._component_func(
        script=component.script,
        header=component.header,
        html=component.html,
        id=component.map_id,
        key=hash_key,
        height=height,
        width=None,
        returned_objects=list(returned_objects),
        default={k: v for k, v in defaults.items() if k in returned_objects},
        zoom=None,
        center=None,
        feature_group=feature_group,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(component.css_links),
        js_links=list(component.js_links),
        on_change=changed,
        wrap_longitude=False,
    )


def _board_table(ctx: Context, rows: Sequence[BoardRow], *, with_district: bool) -> pd.DataFrame:
    lang = ctx.lang
    city_targets = {r.indicator for r in ctx.results if r.adcode == CITY_ADCODE and r.target is not None}
    records = []
    for row in rows:
        target = ""
        if row.target is not None:
            target = f"{format_value(row.target, row.unit, lang)} ({row.target_year})"
        note = format_gap(row, lang)
        if row.status == "not_computable":
            note = row.reason or ""
        elif row.target is None and row.indicator in city_targets:
            note = t("city_only_target", lang)
        record = {
            t("col_indicator", lang): indicator_name(row.indicator, lang),
            t("col_status", lang): status_text(row.status, lang),
            t("col_value", lang): format_value(row.value, row.unit, lang),
            t("col_target", lang): target,
            t("col_progress", lang): None if row.progress is None else round(100 * row.progress, 1),
            t("col_gap", lang): note,
        }
        if with_district:
            record = {t("col_district", lang): ctx.name(row.adcode), **record}
        records.append(record)
    return pd.DataFrame(records)


def _show_board(ctx: Context, rows: Sequence[BoardRow], *, with_district: bool, key: str) -> None:
    frame = _board_table(ctx, rows, with_district=with_district)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            t("col_progress", ctx.lang): st.column_config.ProgressColumn(
                t("col_progress", ctx.lang), min_value=0, max_value=100, format="%.0f%%", width="small"
            ),
            t("col_gap", ctx.lang): st.column_config.TextColumn(t("col_gap", ctx.lang), width="medium"),
        },
    )


# --- pages -----------------------------------------------------------------------------------------------


def page_map(ctx: Context) -> None:
    _synthetic_banner(ctx)
    basemap = get_basemap(st.session_state.get("basemap", DEFAULT_BASEMAP))
    display = _display_boundaries(_origins(ctx.signature)["districts"], ctx.data.boundaries)
    highlight = None
    if not ctx.is_city:
        highlight = selection_layer(display, ctx.adcode, gcj02=basemap.datum == "gcj02")
    _show_map(
        ctx,
        key=MAP_KEY,
        focus=None,
        height=600,
        returned_objects=["last_object_clicked"],
        highlight=highlight,
        on_change=functools.partial(_on_map_click, ctx.data.boundaries),
    )
    st.caption(t("click_hint", ctx.lang))
    st.subheader(_plain(ctx.name()))
    _show_board(ctx, board_rows(ctx.results, adcode=ctx.adcode), with_district=False, key="map_board")


def _headline(ctx: Context) -> None:
    st.subheader(t("headline", ctx.lang))
    city = [
        r for r in board_rows(ctx.results, adcode=CITY_ADCODE) if r.indicator != "charging_service_coverage"
    ]
    shown: list[BoardRow] = []
    seen: set[str] = set()
    for row in city:
        if row.indicator in seen and row.target_year != 2025:
            continue
        seen.add(row.indicator)
        shown.append(row)
    columns = st.columns(4)
    for index, row in enumerate(r for r in shown if r.status != "not_computable"):
        target = (
            ""
            if row.target is None
            else f"{format_value(row.target, row.unit, ctx.lang)} ({row.target_year})"
        )
        with columns[index % 4]:
            st.metric(
                indicator_name(row.indicator, ctx.lang),
                format_value(row.value, row.unit, ctx.lang),
                delta=status_text(row.status, ctx.lang),
                delta_color="off",
                delta_arrow="off",
                help=f"{t('col_target', ctx.lang)}: {target}" if target else None,
                border=True,
            )


def _compare_chart(ctx: Context) -> None:
    import altair as alt  # ~0.15 s to import: only the pages that draw a chart pay it

    st.subheader(t("compare", ctx.lang))
    computable = [
        i for i in INDICATOR_IDS if any(r.indicator == i and r.value is not None for r in ctx.results)
    ]
    if not computable:
        return
    indicator = st.selectbox(
        t("compare_indicator", ctx.lang),
        computable,
        format_func=lambda i: indicator_name(i, ctx.lang),
        key="compare_indicator",
    )
    rows = [
        r
        for r in board_rows(ctx.results)
        if r.indicator == indicator
        and not r.is_city
        and r.value is not None
        and r.target_year in (None, 2025)
    ]
    frame = pd.DataFrame(
        {
            "district": [ctx.name(r.adcode) for r in rows],
            "value": [r.value for r in rows],
            "status": [status_text(r.status, ctx.lang) for r in rows],
        }
    )
    unit = rows[0].unit if rows else ""
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("district:N", sort="-y", title=None),
            y=alt.Y("value:Q", title=f"{indicator_name(indicator, ctx.lang)} ({unit})"),
            color=alt.Color("status:N", title=t("col_status", ctx.lang)),
            tooltip=["district", "value", "status"],
        )
    )
    city_target = next(
        (
            r.target
            for r in board_rows(ctx.results, adcode=CITY_ADCODE)
            if r.indicator == indicator and r.target
        ),
        None,
    )
    chart: alt.LayerChart | alt.Chart = bars
    if city_target is not None and unit == "%":
        rule = alt.Chart(pd.DataFrame({"target": [city_target]})).mark_rule(
            color="#d81b60", strokeDash=[6, 3]
        )
        chart = bars + rule.encode(y="target:Q")
    st.altair_chart(chart, width="stretch")


def _statistics(ctx: Context) -> None:
    st.subheader(t("statistics", ctx.lang))
    st.caption(t("statistics_help", ctx.lang))
    upload = st.file_uploader(t("upload_statistics", ctx.lang), type=["csv", "txt"], key="stats_csv")
    figures = []
    if upload is not None:
        try:
            figures = parse_statistic_figures(upload.getvalue(), ctx.targets)
        except AtlasError as exc:
            st.error(_plain(str(exc)))
        else:
            st.success(t("upload_ok", ctx.lang, n=len(figures)))
    rows = statistic_rows(ctx.targets, figures)
    lang = ctx.lang
    frame = pd.DataFrame(
        {
            t("col_id", lang): [r.target.id for r in rows],
            t("col_name", lang): [r.target.name_en if lang == "en" else r.target.name_zh for r in rows],
            t("col_target", lang): [f"{r.target.value:g} {r.target.unit} ({r.target.year})" for r in rows],
            t("col_clauses", lang): [", ".join(r.target.clauses) for r in rows],
            t("col_reported", lang): ["" if r.value is None else f"{r.value:g}" for r in rows],
            t("col_status", lang): ["" if r.status is None else status_text(r.status, lang) for r in rows],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch", key="stats_table")


def page_board(ctx: Context) -> None:
    _synthetic_banner(ctx)
    _headline(ctx)
    st.subheader(t("page_board", ctx.lang))
    st.caption(t("board_caption", ctx.lang))
    _show_board(ctx, board_rows(ctx.results), with_district=True, key="board_table")
    _compare_chart(ctx)
    _statistics(ctx)


def page_district(ctx: Context) -> None:
    import altair as alt

    _synthetic_banner(ctx, ctx.synthetic_any_year)
    st.subheader(_plain(ctx.name()))
    rows = board_rows(ctx.results, adcode=ctx.adcode)
    _show_board(ctx, rows, with_district=False, key="district_board")
    _show_map(
        ctx, key="district_map", focus=None if ctx.is_city else ctx.adcode, height=480, returned_objects=[]
    )

    st.subheader(t("landcover_change", ctx.lang))
    landcover_keys = tuple(k for k in ctx.signature if k[0].startswith(("landcover:", "districts")))
    change = _change(landcover_keys, ctx.data)
    unit_change = None
    if change is None:
        st.info(t("change_unavailable", ctx.lang))
    else:
        st.caption(t("change_caption", ctx.lang, a=change.year_from, b=change.year_to))
        unit_change = change.for_unit(ctx.adcode)
        scheme = load_scheme(change.scheme)
        unit_change = unit_change.assign(
            class_label=[scheme.label(int(c), ctx.lang) for c in unit_change["class_code"]]
        )
        unit_change = unit_change[(unit_change["gained_ha"] > 0) | (unit_change["lost_ha"] > 0)]
        table = unit_change[["class_label", "gained_ha", "lost_ha", "net_ha"]].rename(
            columns={
                "class_label": t("col_class", ctx.lang),
                "gained_ha": t("col_gained", ctx.lang),
                "lost_ha": t("col_lost", ctx.lang),
                "net_ha": t("col_net", ctx.lang),
            }
        )
        left, right = st.columns([1, 1])
        with left:
            st.dataframe(table.round(1), hide_index=True, width="stretch", key="change_table")
        with right:
            long = unit_change.melt(
                id_vars="class_label", value_vars=["gained_ha", "lost_ha"], var_name="kind"
            )
            long["value"] = long["value"].where(long["kind"] == "gained_ha", -long["value"])
            long["kind"] = long["kind"].map(
                {"gained_ha": t("col_gained", ctx.lang), "lost_ha": t("col_lost", ctx.lang)}
            )
            chart = (
                alt.Chart(long)
                .mark_bar()
                .encode(
                    y=alt.Y("class_label:N", title=None),
                    x=alt.X("value:Q", title="ha"),
                    color=alt.Color("kind:N", title=None, scale=alt.Scale(range=["#2e7d32", "#c62828"])),
                    tooltip=["class_label", "kind", "value"],
                )
            )
            st.altair_chart(chart, width="stretch")
    sheet = fact_sheet_html(
        ctx.name(),
        rows,
        lang=ctx.lang,
        change=unit_change,
        change_years=(change.year_from, change.year_to) if change else (None, None),
        synthetic=ctx.synthetic_any_year,
    )
    st.download_button(
        t("fact_sheet", ctx.lang),
        sheet,
        file_name=f"factsheet_{ctx.adcode}_{ctx.lang}.html",
        mime="text/html",
        key="download_factsheet",
        on_click="ignore",
    )


def page_export(ctx: Context) -> None:
    _synthetic_banner(ctx)
    st.caption(t("export_scope", ctx.lang, name=_plain(ctx.name())))
    st.subheader(t("export_layer", ctx.lang))
    kinds = [k for k in EXPORT_KINDS if k == "districts" or ctx.data.vector(k) is not None]
    kind = st.selectbox(
        t("export_layer_kind", ctx.lang),
        kinds,
        format_func=lambda k: t(f"layer_{k}" if k != "buildings" else "layer_pv", ctx.lang) + f" ({k})",
        key="export_kind",
    )

    def layer_bytes() -> bytes:
        if kind == "districts":
            boundaries = ctx.data.boundaries
            source = VectorSource("districts", boundaries, boundaries_path().name, "", False)
        else:
            source = ctx.data.vector(kind)  # type: ignore[assignment]
        return layer_to_geojson(source, ctx.data.boundaries, None if ctx.is_city else ctx.adcode).encode()

    st.download_button(
        t("download_geojson", ctx.lang),
        layer_bytes,
        file_name=f"{kind}_{ctx.adcode}.geojson",
        mime="application/geo+json",
        key="download_layer",
        on_click="ignore",
    )

    st.subheader(t("export_indicators", ctx.lang))
    results = ctx.results
    parameters = {
        "options": ctx.method.as_dict(),
        "landcover_year": ctx.year,
        "layers": {key[0]: f"{key[1]} {Path(key[2][0]).name} {key[3]}".strip() for key in ctx.signature},
        "district_filter": None,
    }
    cols = st.columns(4)
    cols[0].download_button(
        t("download_csv", ctx.lang),
        results_to_csv(results),
        file_name="indicators.csv",
        mime="text/csv",
        key="download_csv",
        on_click="ignore",
    )
    cols[1].download_button(
        t("download_json", ctx.lang),
        results_to_json(results),
        file_name="indicators.json",
        mime="application/json",
        key="download_json",
        on_click="ignore",
    )
    cols[2].download_button(
        t("download_metadata", ctx.lang),
        json.dumps(results_metadata(results, parameters=parameters), ensure_ascii=False, indent=2),
        file_name="indicators.metadata.json",
        mime="application/json",
        key="download_metadata",
        on_click="ignore",
    )
    cols[3].download_button(
        t("download_zip", ctx.lang),
        results_zip(results, parameters=parameters),
        file_name="indicators.zip",
        mime="application/zip",
        key="download_zip",
        on_click="ignore",
    )

    st.subheader(t("page_map", ctx.lang))

    def current_map() -> bytes:
        fmap = _build_map(ctx, focus=None if ctx.is_city else ctx.adcode)
        banner = t("synthetic_banner", ctx.lang).replace("**", "") if ctx.synthetic else None
        return map_html(fmap, title=f"{t('app_title', ctx.lang)} · {ctx.name()}", banner=banner).encode()

    st.download_button(
        t("download_map", ctx.lang),
        current_map,
        file_name=f"atlas_map_{ctx.adcode}.html",
        mime="text/html",
        key="download_map",
        on_click="ignore",
    )


def page_methods(ctx: Context) -> None:
    _synthetic_banner(ctx)
    st.caption(t("methods_intro", ctx.lang))
    latest = ctx.data.landcover.get(ctx.year) if ctx.year is not None else None
    scheme = load_scheme(latest.scheme) if latest else None
    for indicator in INDICATOR_IDS:
        definition, denominator, roles = method_text(indicator, ctx.lang)
        with st.expander(indicator_name(indicator, ctx.lang) + f"  `{indicator}`", expanded=False):
            st.markdown(f"**{t('definition', ctx.lang)}** {definition}")
            st.markdown(f"**{t('denominator', ctx.lang)}** {denominator}")
            if roles and scheme is not None:
                classes = [
                    f"{code} {cls.label_zh if ctx.lang == 'zh' else cls.label_en}"
                    for code, cls in sorted(scheme.classes.items())
                    if cls.role in roles
                ]
                mapping = _plain(f"({scheme.title}): " + ", ".join(classes))
                st.markdown(f"**{t('class_mapping', ctx.lang)}** {mapping}")
            sample = next((r for r in ctx.results if r.indicator == indicator and r.computable), None)
            if sample is not None:
                st.caption(_plain(f"{sample.method} — {sample.source} {sample.vintage}".strip()))
            related = [tg for tg in ctx.targets if tg.measure == indicator]
            if related:
                st.markdown(f"**{t('targets', ctx.lang)}**")
                for target in related:
                    name = target.name_en if ctx.lang == "en" else target.name_zh
                    st.markdown(
                        f"- {name}: {target.comparison} {target.value:g} {target.unit} ({target.year}) — "
                        f"{', '.join(target.clauses)}"
                    )
    st.subheader(t("statistics", ctx.lang))
    statistics = [tg for tg in ctx.targets if tg.measure == STATISTIC]
    st.dataframe(
        pd.DataFrame(
            {
                t("col_id", ctx.lang): [tg.id for tg in statistics],
                t("col_name", ctx.lang): [
                    tg.name_en if ctx.lang == "en" else tg.name_zh for tg in statistics
                ],
                t("col_target", ctx.lang): [f"{tg.value:g} {tg.unit} ({tg.year})" for tg in statistics],
                t("col_clauses", ctx.lang): [", ".join(tg.clauses) for tg in statistics],
            }
        ),
        hide_index=True,
        width="stretch",
        key="methods_statistics",
    )
    st.subheader(t("provenance", ctx.lang))
    provenance = boundaries_path().parent / "PROVENANCE.md"
    if provenance.is_file():
        with st.expander(str(provenance.relative_to(provenance.parents[2])), expanded=False):
            st.markdown(provenance.read_text(encoding="utf-8"))
    manifest = demo_dir() / "MANIFEST.json"
    if manifest.is_file():
        with st.expander(str(manifest.name), expanded=False):
            st.json(json.loads(manifest.read_text(encoding="utf-8")), expanded=1)
    for kind, source in ctx.data.vectors.items():
        if source is not None:
            st.markdown(f"- `{kind}`: " + _plain(f"{source.source} {source.vintage}".rstrip()))
    for year, raster in ctx.data.landcover.items():
        st.markdown(f"- `landcover {year}`: " + _plain(f"{raster.source} ({raster.scheme})"))


# --- the Data page: uploads, this session's staged layers, the catalog ------------------------------------


def _staged() -> dict[str, StagedLayer]:
    """This session's staged (uploaded, unsaved) layers by kind."""
    staged: dict[str, StagedLayer] = st.session_state.setdefault(STAGED, {})
    return staged


def _session_dir() -> Path:
    """This session's upload folder (removed when a staged layer is saved or discarded)."""
    folder = st.session_state.get("_upload_dir")
    if folder is None or not Path(folder).is_dir():
        folder = tempfile.mkdtemp(prefix="geoplan-upload-")
        st.session_state["_upload_dir"] = folder
    return Path(folder)


def _forget_staged(kind: str) -> None:
    layer = _staged().pop(kind, None)
    if layer is not None and Path(layer.path).parent.parent.parent == _session_dir():
        shutil.rmtree(layer.path.parent, ignore_errors=True)


def _flash(level: str, text: str) -> None:
    st.session_state[_FLASH] = (level, text)


def _upload_options() -> UploadOptions:
    return UploadOptions(
        lonlat_crs=st.session_state.get("upload_datum") or None,
        encoding=st.session_state.get("upload_encoding") or None,
        scheme=st.session_state.get("upload_scheme") or None,
    )


def upload_layer(
    kind: str, filename: str, content: bytes, options: UploadOptions, *, folder: Path
) -> StagedLayer:
    """Stage an uploaded file as ``kind`` (the catalog is left as it is); raises AtlasError."""
    return stage_upload(kind, filename, content, options, folder=folder, catalog=Catalog(catalog_dir()))


def _on_upload(kind: str) -> None:
    """Callback of the uploader and of the read options: (re)stage the file now in the uploader."""
    errors: dict[str, str] = st.session_state.setdefault(_UPLOAD_ERRORS, {})
    errors.pop(kind, None)
    upload = st.session_state.get(f"upload_{kind}")
    if upload is None:
        return
    try:
        staged = upload_layer(kind, upload.name, upload.getvalue(), _upload_options(), folder=_session_dir())
    except AtlasError as exc:
        errors[kind] = str(exc)
        return
    _forget_staged(kind)
    _staged()[kind] = staged


def _on_save(kind: str) -> None:
    lang = st.session_state.get("lang", "zh")
    staged = _staged().get(kind)
    if staged is None:
        return
    try:
        entry = Catalog(catalog_dir()).commit(staged)
    except AtlasError as exc:
        _flash("error", t("error", lang, message=_plain(str(exc))))
        return
    _forget_staged(kind)
    _flash("success", t("saved", lang, kind=kind, version=entry.version))


def _on_discard(kind: str) -> None:
    _forget_staged(kind)
    st.session_state.get(_UPLOAD_ERRORS, {}).pop(kind, None)
    _flash("info", t("discarded", st.session_state.get("lang", "zh"), kind=kind))


def _on_catalog_change(kind: str, action: str) -> None:
    lang = st.session_state.get("lang", "zh")
    st.session_state[f"confirm_{kind}"] = False
    catalog = Catalog(catalog_dir())
    try:
        if action == "rollback":
            entry = catalog.rollback(kind)
            _flash("success", t("rolled_back", lang, kind=kind, version=entry.version))
        else:
            removed = catalog.remove(kind)
            _flash("success", t("removed", lang, kind=kind, n=len(removed)))
    except AtlasError as exc:
        _flash("error", t("error", lang, message=_plain(str(exc))))


def _kind_label(kind: str, lang: str) -> str:
    spec = get_spec(kind)
    return f"{spec.label_en if lang == 'en' else spec.label_zh} ({kind})"


def _entries_frame(entries: Sequence[CatalogEntry], lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("col_kind", lang): [e.kind for e in entries],
            t("col_version", lang): [e.version for e in entries],
            t("col_current_version", lang): ["✓" if e.current else "" for e in entries],
            t("col_file", lang): [e.original_name for e in entries],
            t("col_imported", lang): [e.imported_at for e in entries],
            t("col_crs", lang): [e.source_crs for e in entries],
            t("col_features", lang): [
                "" if e.feature_count is None else str(e.feature_count) for e in entries
            ],
            t("synthetic_tag", lang): ["✓" if e.synthetic else "" for e in entries],
        }
    )


def _upload_form(lang: str) -> None:
    st.subheader(t("upload_layer", lang))
    kind = st.selectbox(
        t("upload_kind", lang), LAYER_KINDS, format_func=lambda k: _kind_label(k, lang), key="upload_kind"
    )
    spec = get_spec(kind)
    if spec.fields:
        fields = ", ".join(f.name + ("*" if f.required else "") for f in spec.fields)
        st.caption(t("upload_fields", lang, fields=fields))
    left, right = st.columns(2)
    if spec.raster:
        schemes = ("", *sorted(p.stem for p in schemes_dir().glob("*.toml")))
        left.selectbox(
            t("upload_scheme", lang),
            schemes,
            format_func=lambda s: s or t("upload_scheme_guess", lang),
            key="upload_scheme",
            on_change=_on_upload,
            args=(kind,),
        )
    elif kind != "districts":
        left.selectbox(
            t("upload_datum", lang),
            ("", *LONLAT_DATUMS),
            format_func=lambda d: d.upper() if d else t("upload_datum_auto", lang),
            key="upload_datum",
            on_change=_on_upload,
            args=(kind,),
        )
        right.selectbox(
            t("upload_encoding", lang),
            _ENCODINGS,
            format_func=lambda e: e or t("upload_encoding_auto", lang),
            key="upload_encoding",
            on_change=_on_upload,
            args=(kind,),
        )
    limit_mb = max(1, math.ceil(current_limits().max_file_bytes / 2**20))
    st.file_uploader(
        t("upload_file", lang),
        type=list(accepted_suffixes(kind)),
        key=f"upload_{kind}",
        on_change=_on_upload,
        args=(kind,),
        max_upload_size=limit_mb,
    )
    st.caption(t("upload_limit", lang, mb=limit_mb))
    error = st.session_state.get(_UPLOAD_ERRORS, {}).get(kind)
    if error:
        st.error(t("error", lang, message=_plain(error)))


def _staged_section(ctx: Context) -> None:
    lang = ctx.lang
    staged = _staged()
    if not staged:
        return
    st.subheader(t("staged_layers", lang))
    for kind, layer in staged.items():
        with st.container(border=True):
            st.markdown(f"**{_kind_label(kind, lang)}**")
            st.caption(t("check_report", lang))
            # Every line may carry text from the file: shown as plain text, never as markdown or HTML.
            st.text("\n".join(CheckReport(kind, layer.original_name, True, staged=layer).lines()))
            left, right = st.columns(2)
            left.button(
                t("save_to_catalog", lang),
                key=f"save_{kind}",
                on_click=_on_save,
                args=(kind,),
                type="primary",
            )
            right.button(t("discard", lang), key=f"discard_{kind}", on_click=_on_discard, args=(kind,))
    st.subheader(t("preview", lang))
    shared = _layer_plan({})
    current = _results(shared, _atlas_data(shared, {}), ctx.year, ctx.method)
    before = {r.indicator: r for r in current if r.adcode == CITY_ADCODE}
    after = {r.indicator: r for r in ctx.results if r.adcode == CITY_ADCODE}
    rows = []
    for indicator in INDICATOR_IDS:
        old, new = before.get(indicator), after.get(indicator)
        rows.append(
            {
                t("col_indicator", lang): indicator_name(indicator, lang),
                t("col_current", lang): "" if old is None else format_value(old.value, old.unit, lang),
                t("col_preview", lang): "" if new is None else format_value(new.value, new.unit, lang),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="preview_table")


def _catalog_section(lang: str) -> None:
    catalog = Catalog(catalog_dir())
    st.subheader(t("catalog", lang))
    st.caption(t("catalog_where", lang, path=str(catalog.root)))
    entries = catalog.list()
    if not entries:
        st.info(t("catalog_empty", lang))
        return
    st.dataframe(_entries_frame(entries, lang), hide_index=True, width="stretch", key="catalog_table")
    for entry in entries:
        history = catalog.history(entry.kind)
        with st.expander(t("history", lang, kind=_kind_label(entry.kind, lang))):
            st.dataframe(
                _entries_frame(history, lang), hide_index=True, width="stretch", key=f"history_{entry.kind}"
            )
            confirmed = st.checkbox(t("confirm", lang), key=f"confirm_{entry.kind}")
            left, right = st.columns(2)
            left.button(
                t("rollback", lang),
                key=f"rollback_{entry.kind}",
                disabled=not confirmed or not any(e.version < entry.version for e in history),
                on_click=_on_catalog_change,
                args=(entry.kind, "rollback"),
            )
            right.button(
                t("remove_layer", lang),
                key=f"remove_{entry.kind}",
                disabled=not confirmed,
                on_click=_on_catalog_change,
                args=(entry.kind, "remove"),
            )


def page_data(ctx: Context) -> None:
    _synthetic_banner(ctx)
    st.caption(t("data_intro", ctx.lang))
    flash = st.session_state.pop(_FLASH, None)
    if flash is not None:
        level, text = flash
        {"success": st.success, "error": st.error}.get(level, st.info)(text)
    _upload_form(ctx.lang)
    _staged_section(ctx)
    _catalog_section(ctx.lang)


_PAGE_FUNCTIONS: dict[str, Callable[[Context], None]] = {
    "map": page_map,
    "board": page_board,
    "district": page_district,
    "export": page_export,
    "methods": page_methods,
    "data": page_data,
}


# --- entry point -----------------------------------------------------------------------------------------


def _sidebar(ctx_names: dict[str, tuple[str, str]], adcodes: Sequence[str], data: AtlasData) -> None:
    lang = st.session_state.get("lang", "zh")
    with st.sidebar:
        st.radio(
            t("language", lang),
            LANGS,
            format_func=lambda code: "中文" if code == "zh" else "English",
            horizontal=True,
            key="lang",
        )
        lang = st.session_state["lang"]
        st.radio(t("page", lang), PAGES, format_func=lambda p: t(f"page_{p}", lang), key="page")
        st.selectbox(
            t("district", lang),
            adcodes,
            format_func=lambda code: (
                t("whole_city", lang) if code == CITY_ADCODE else ctx_names[code][1 if lang == "en" else 0]
            ),
            key="district",
        )
        years = sorted(data.landcover)
        if years:
            # It drives the map's land cover and every land-cover indicator, so it is on every page.
            st.selectbox(t("year", lang), years, key="year")
        if st.session_state["page"] in ("map", "district"):
            st.multiselect(
                t("layers", lang),
                list(_LAYER_ORDER),
                format_func=lambda k: t(f"layer_{k}", lang),
                key="layers",
            )
            basemaps = available_basemaps(tianditu_key=_tianditu_key())
            st.selectbox(
                t("basemap", lang),
                [b.key for b in basemaps],
                format_func=lambda key: get_basemap(key).label(lang),
                key="basemap",
            )
            with st.expander(t("opacity", lang)):
                for overlay in st.session_state.get("layers", []):
                    st.slider(t(f"layer_{overlay}", lang), 0.0, 1.0, step=0.05, key=f"opacity_{overlay}")
        with st.expander(t("method", lang)):
            st.selectbox(
                t("forest_denominator", lang),
                _DENOMINATORS,
                format_func=lambda d: t(f"denominator_{d}", lang),
                key="m_denominator",
            )
            st.radio(
                t("forest_variant", lang),
                _VARIANTS,
                format_func=lambda v: t(f"variant_{v}", lang),
                key="m_variant",
            )
            st.number_input(t("pv_yield", lang), 500.0, 2000.0, step=10.0, key="m_yield")
            st.caption(t("pv_shares", lang))
            for building_type in DEFAULT_USABLE_SHARE:
                st.slider(
                    t(f"share_{building_type}", lang), 0.0, 1.0, step=0.05, key=f"m_share_{building_type}"
                )
            st.number_input(t("service_radius", lang), 100.0, 5000.0, step=100.0, key="m_radius")


def main() -> None:
    st.set_page_config(page_title="无锡碳达峰空间监测 · Wuxi Carbon-Peak Atlas", page_icon="🗺️", layout="wide")
    try:
        staged = _staged()
        signature = _layer_plan(staged)
        data = _atlas_data(signature, staged)
        names = {
            str(row.adcode): (str(row.name_zh), str(row.name_en))
            for row in data.boundaries[["adcode", "name_zh", "name_en"]].itertuples(index=False)
        }
        names[CITY_ADCODE] = ("全市", "Whole city")
        adcodes = [CITY_ADCODE, *sorted(code for code in names if code != CITY_ADCODE)]
        basemaps = [b.key for b in available_basemaps(tianditu_key=_tianditu_key())]
        _state_from_url(adcodes, sorted(data.landcover), basemaps)
        if data.landcover and st.session_state.get("year") not in data.landcover:
            st.session_state["year"] = max(data.landcover)  # e.g. a user's land cover replaced a year
        method_keys: tuple[str, ...] = ("m_denominator", "m_variant", "m_yield", "m_radius")
        method_keys += tuple(f"m_share_{kind}" for kind in DEFAULT_USABLE_SHARE)
        # Persist widget values across pages: a widget not drawn on this run would lose its key.
        for overlay in OVERLAYS:
            st.session_state.setdefault(f"opacity_{overlay}", DEFAULT_OPACITY[overlay])
        for key in ("layers", "year", "basemap", *(f"opacity_{k}" for k in OVERLAYS), *method_keys):
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        _sidebar(names, adcodes, data)
        lang = st.session_state["lang"]
        st.title(t("app_title", lang))
        st.caption(t("app_subtitle", lang))
        missing = _missing_kinds(signature)
        if missing:
            st.info(f"{t('no_layer', lang)}: {', '.join(missing)}")
        if staged:
            st.info(t("staged_banner", lang, kinds=", ".join(staged)))
        year = st.session_state.get("year") if data.landcover else None
        method = _method_from_state()
        with st.spinner("…"):
            results = _results(signature, data, year, method)
        ctx = Context(
            signature=signature,
            data=data,
            results=results,
            targets=_targets(_origins(signature)["targets"][2]),
            lang=lang,
            adcode=st.session_state["district"],
            names=names,
            year=year,
            method=method,
        )
        _state_to_url()
        _PAGE_FUNCTIONS[st.session_state["page"]](ctx)
    except AtlasError as exc:
        lang = st.session_state.get("lang", "zh")
        st.error(t("error", lang, message=_plain(str(exc))))
        st.stop()


main()
