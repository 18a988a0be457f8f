"""The map in the page: a base that stays mounted in the browser (:class:`MapComponent`, the plain strings
streamlit-folium sends it: the basemap and the city's extent) and the overlays, drawn one by one, cached
per overlay and sent beside it as JavaScript (:mod:`app.map_overlays`), so a layer toggle, an opacity
slider or a district switch does not remount the map; :func:`show_map` puts them together. On a cold
server the overlays are drawn in the background (:mod:`app.progressive`): the map shows at once with the
district boundaries and the other overlays join it as they are ready.

:class:`MapComponent` is defined here, in an importable module, because ``st.cache_data`` pickles it: a
class defined in the script (``__main__``) cannot be pickled, and sessions starting together on a fresh
server crashed with ``PicklingError: Can't pickle <class '__main__.MapComponent'>`` (issue #12).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import branca
import folium
import streamlit as st
import streamlit_folium

from wuxi_atlas.analysis.coords import wgs84_to_gcj02
from wuxi_atlas.analysis.crs import DISPLAY_CRS
from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.result_cache import entry_key, load_entry, store_entry
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.app import progressive
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.loaders import Signature, providers
from wuxi_atlas.app.map_overlays import OverlayCode, overlay_code, overlay_script
from wuxi_atlas.maps.assets import VENDORED_ASSETS, asset_uri
from wuxi_atlas.maps.atlas import DEFAULT_LAYERS, DEFAULT_OPACITY, OVERLAYS, MapView, build_atlas_map
from wuxi_atlas.maps.basemap import DEFAULT_BASEMAP, TIANDITU_KEY_ENV, get_basemap
from wuxi_atlas.maps.text import t

__all__ = ["MAP_KEY", "MapComponent", "build_map", "show_map", "tianditu_key", "tianditu_key_problem"]


MAP_KEY = "atlas_map"
_STREAMLIT_FOLIUM_VERSION = importlib.metadata.version("streamlit-folium")


def _configured_tianditu_key() -> str | None:
    key = os.environ.get(TIANDITU_KEY_ENV)
    if key:
        return key
    try:
        return str(st.secrets.get(TIANDITU_KEY_ENV) or "") or None
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return None


def tianditu_key() -> str | None:
    """The Tianditu key from the environment or Streamlit's secrets, if there is one and it is letters and
    digits; a malformed key counts as none (Tianditu is then not offered) and :func:`tianditu_key_problem`
    says why, in the interface's language, instead of the map failing with the engine's English message."""
    key = _configured_tianditu_key()
    if key and not re.fullmatch(r"[A-Za-z0-9]+", key):
        return ""  # not None: the basemap functions would read the environment's malformed key again
    return key


def tianditu_key_problem(lang: str) -> str | None:
    """What is wrong with the configured Tianditu key, in ``lang``; None when it is fine or absent."""
    key = _configured_tianditu_key()
    if key and not tianditu_key():
        return t("tianditu_key_bad", lang, env=TIANDITU_KEY_ENV)
    return None


def _map_view(ctx: Context, *, focus: str | None) -> MapView:
    opacity = {k: float(st.session_state.get(f"opacity_{k}", DEFAULT_OPACITY[k])) for k in OVERLAYS}
    return MapView(
        layers=tuple(st.session_state.get("layers", DEFAULT_LAYERS)),
        opacity=opacity,
        basemap=st.session_state.get("basemap", DEFAULT_BASEMAP),
        year=st.session_state.get("year"),
        compare_year=st.session_state.get("compare_year"),
        lang=ctx.lang,
        focus=focus,
        choropleth=st.session_state.get("choropleth") or None,
        choropleth_mode=st.session_state.get("colouring", "ramp"),
        service_radius_m=ctx.method.service_radius_m,
    )


def build_map(ctx: Context, *, focus: str | None) -> Any:
    """The folium map of the current view (sidebar layers, opacity, basemap, year), zoomed to ``focus``:
    the whole map in one piece, for the standalone HTML export."""
    view = _map_view(ctx, focus=focus)
    data = dataclasses.replace(ctx.data, results=tuple(ctx.results)) if view.choropleth else ctx.data
    return build_atlas_map(
        data,
        view,
        providers=providers(ctx.signature),
        tianditu_key=tianditu_key(),
    )


@dataclass(frozen=True)
class MapComponent:
    """What streamlit-folium mounts in the browser for the base map, as plain strings: rendered once per
    basemap and language and cached, so a rerun that keeps them keeps the mounted map."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict[str, dict[str, float | None]]
    zoom: Any
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def _component_of(fmap: folium.Map) -> MapComponent:
    """The component arguments of ``fmap``, as ``streamlit_folium.st_folium`` (0.27) computes them, less
    the layer control (sent with the overlays it lists) and with every vendored asset loaded: an overlay
    added later to the mounted map may need any of them (the station clusters)."""
    for name, element in list(fmap._children.items()):
        if isinstance(element, folium.LayerControl):
            del fmap._children[name]
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
    js += [asset_uri(name) for name in VENDORED_ASSETS.values() if name.endswith(".js")]
    css += [asset_uri(name) for name in VENDORED_ASSETS.values() if name.endswith(".css")]
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


@st.cache_data(show_spinner=False, max_entries=16)
def _base_component(
    districts: tuple[Any, ...], basemap: str, lang: str, tianditu_key: str | None, _ctx: Context
) -> MapComponent:
    """The base map (basemap ``basemap``, the city's extent) on the boundaries of ``districts``."""
    view = MapView(layers=(), basemap=basemap, lang=lang)
    fmap = build_atlas_map(_ctx.data, view, providers=providers(_ctx.signature), tianditu_key=tianditu_key)
    return _component_of(fmap)


def _overlay_basemap(basemap: str) -> str:
    """The basemap an overlay is drawn for: only the datum matters (GCJ-02 shifts the shapes), and a
    basemap with a key or a private URL would keep the overlay out of the disk cache."""
    return basemap if get_basemap(basemap).datum == "gcj02" else "none"


#: Overlays drawn in the page's own run, whatever the caches hold: cheap (a few hundredths of a second),
#: and the map is bare without them: the districts on the first paint, and the indicator map as soon as
#: the results it colours by are there (as a background job it would wait for every overlay before it).
_IN_THE_RUN = frozenset({"districts", "choropleth"})


def _part_key(ctx: Context, view: MapView, part: str) -> tuple[Any, ...]:
    """What one overlay (``part``: an overlay of OVERLAYS, or "choropleth") depends on, for its caches."""
    key: tuple[Any, ...] = (part, view.lang, view.focus, _overlay_basemap(view.basemap))
    if part == "choropleth":
        return (*key, view.choropleth, view.choropleth_mode, _choropleth_key(ctx, view.choropleth))
    key += (view.opacity_of(part),)
    if part in ("landcover", "forest"):
        key += (view.year, view.compare_year)
    if part == "charging_gaps":
        key += (view.service_radius_m,)
    return key


def _part_view(view: MapView, part: str) -> MapView:
    basemap = _overlay_basemap(view.basemap)
    if part == "choropleth":
        return dataclasses.replace(view, layers=(), basemap=basemap, selected=None)
    return dataclasses.replace(view, layers=(part,), basemap=basemap, selected=None, choropleth=None)


@st.cache_data(show_spinner=False, max_entries=64)
def _overlay_part(
    signature: Signature, part: tuple[Any, ...], tianditu_key: str | None, _ctx: Context, _view: MapView
) -> tuple[OverlayCode, ...]:
    """One overlay of the map (``part``, see :func:`_part_key`) as JavaScript for the mounted map; the
    folium.Map it is drawn on is dropped. Also kept on disk (:mod:`analysis.result_cache`) unless a staged
    file is in it, so a new server process draws it without building it."""
    disk_key = None
    if all(key[1] != "staged" for key in signature):
        files = [key[2][0] for key in signature]
        origins = tuple((k[0], k[1], k[3]) for k in signature)
        versions = (folium.__version__, _STREAMLIT_FOLIUM_VERSION)
        disk_key = entry_key(files, ("overlay", origins, part, versions))
        stored = load_entry("maps", disk_key)
        if isinstance(stored, list):
            try:
                return tuple(
                    OverlayCode(**{**item, "legend_frame": tuple(item["legend_frame"])}) for item in stored
                )
            except (TypeError, KeyError):
                pass
    data = dataclasses.replace(_ctx.data, results=tuple(_ctx.results)) if _view.choropleth else _ctx.data
    fmap = build_atlas_map(data, _view, providers=providers(signature), tianditu_key=tianditu_key)
    codes = overlay_code(fmap, prefix=f"{part[0]}_")
    if disk_key is not None:
        store_entry("maps", disk_key, [dataclasses.asdict(code) for code in codes])
    return codes


def _choropleth_key(ctx: Context, indicator: str | None) -> tuple[Any, ...]:
    """What the choropleth shows of the results (values, statuses, targets), for the map's cache key:
    a method choice that changes a value redraws the map, one that does not reuses it."""
    if not indicator:
        return ()
    return tuple(
        (r.adcode, r.value, r.unit, r.status, r.target, r.target_year)
        for r in ctx.results
        if r.indicator == indicator
    )


def _fit_bounds(ctx: Context, adcode: str, *, gcj02: bool) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the unit ``adcode`` (the city: every boundary)."""
    frame = ctx.data.boundaries
    if adcode != CITY_ADCODE:
        unit = frame[frame["adcode"].astype(str) == adcode]
        frame = unit if not unit.empty else frame
    west, south, east, north = (float(v) for v in frame.to_crs(DISPLAY_CRS).total_bounds)
    if gcj02:
        west, south = wgs84_to_gcj02(west, south)
        east, north = wgs84_to_gcj02(east, north)
    return [[south, west], [north, east]]


def _overlays(ctx: Context, view: MapView, *, wait: bool) -> tuple[list[OverlayCode], list[Future[Any]]]:
    """The overlays of ``view`` that are ready (all of them with ``wait``), bottom to top, and the jobs
    still drawing the others."""
    tianditu = tianditu_key()
    parts = [part for part in OVERLAYS if part in view.layers]
    waiting: list[Future[Any]] = []
    if view.choropleth:
        if ctx.results_job is None:
            parts.insert(0, "choropleth")
        else:
            waiting.append(ctx.results_job)  # it colours the districts by the results
    codes: list[OverlayCode] = []
    for part in parts:
        key = _part_key(ctx, view, part)
        work = functools.partial(_overlay_part, ctx.signature, key, tianditu, ctx, _part_view(view, part))
        if part in _IN_THE_RUN:
            codes += work()
            continue
        future = progressive.job(("overlay", ctx.signature, key, tianditu), work)
        done = progressive.wait(future) if wait else progressive.ready(future)
        if done is None:
            waiting.append(future)
        else:
            codes += done
    return codes, waiting


def show_map(
    ctx: Context,
    *,
    key: str,
    focus: str | None,
    height: int,
    returned_objects: Sequence[str],
    highlight: folium.FeatureGroup | None = None,
    on_change: Callable[[], None] | None = None,
    fit: str | None = None,
    wait: bool = False,
) -> None:
    """streamlit-folium's map: the cached base (:class:`MapComponent`) as the script, which the browser
    keeps mounted while it stays the same, and the overlays of the view, ``highlight`` and the zoom to
    ``fit`` (a unit's adcode; ``focus`` or the city by default) as the JavaScript it runs in that map.
    Overlays still being drawn join the map when they are ready (the page reruns), unless ``wait``: then
    they are all drawn before the map is shown (a page whose reruns would cost more than the wait)."""
    view = _map_view(ctx, focus=focus)
    tianditu = tianditu_key()
    districts = next((k for k in ctx.signature if k[0] == "districts"), ())
    component = _base_component(districts, view.basemap, view.lang, tianditu, ctx)
    codes, waiting = _overlays(ctx, view, wait=wait)
    if highlight is not None:
        host = folium.Map(tiles=None)
        highlight.add_to(host)
        codes += overlay_code(host, prefix="selected_")
    unit = fit or focus or CITY_ADCODE
    gcj02 = get_basemap(view.basemap).datum == "gcj02"
    feature_group, layer_control = overlay_script(
        codes, fit_key=unit, fit_bounds=_fit_bounds(ctx, unit, gcj02=gcj02)
    )
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
        layer_control=layer_control,
        pixelated=False,
        css_links=list(component.css_links),
        js_links=list(component.js_links),
        on_change=changed,
        wrap_longitude=False,
    )
    progressive.rerun_when_ready(waiting)
