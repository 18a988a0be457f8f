"""The map in the page: the folium map of the current view, rendered once into the plain strings that
streamlit-folium sends the browser (:class:`MapComponent`), cached per view and shown by :func:`show_map`.

:class:`MapComponent` is defined here, in an importable module, because ``st.cache_data`` pickles it: a
class defined in the script (``__main__``) cannot be pickled, and sessions starting together on a fresh
server crashed with ``PicklingError: Can't pickle <class '__main__.MapComponent'>`` (issue #12).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import branca
import folium
import streamlit as st
import streamlit_folium

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.result_cache import entry_key, load_entry, store_entry
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.loaders import Signature, providers
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
        lang=ctx.lang,
        focus=focus,
        choropleth=st.session_state.get("choropleth") or None,
        choropleth_mode=st.session_state.get("colouring", "ramp"),
        service_radius_m=ctx.method.service_radius_m,
    )


def build_map(ctx: Context, *, focus: str | None) -> Any:
    """The folium map of the current view (sidebar layers, opacity, basemap, year), zoomed to ``focus``."""
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
    component = _component_of(build_map(_ctx, focus=_focus))
    if disk_key is not None:
        store_entry("maps", disk_key, dataclasses.asdict(component))
    return component


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


def show_map(
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
        view.choropleth,
        view.choropleth_mode,
        view.service_radius_m,
        _choropleth_key(ctx, view.choropleth),
    )
    component = _map_component(ctx.signature, view_key, tianditu_key(), ctx, focus)
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
