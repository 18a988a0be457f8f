"""Basemaps: the tile layers under the atlas's overlays, and which of them can be offered.

Every basemap but Amap (高德) takes the WGS84 overlays as they are. Amap tiles are in GCJ-02, so a map on
Amap shifts every overlay to GCJ-02 (about 500 m around Wuxi; DOMAIN.md §2), which
:mod:`maps.atlas` does when :attr:`Basemap.datum` is ``"gcj02"``.

Tianditu (天地图, the approved basemap in China) needs a free key (``TIANDITU_KEY``) and is offered only
when there is one; an intranet tile server is offered when ``GEOPLAN_TILE_URL`` is set, and local tiles
(an XYZ folder or an MBTiles file, served by ``geo_server.py`` at ``/tiles/{z}/{x}/{y}``) when
``GEOPLAN_TILES`` is. "none" draws the overlays on a blank background, which works with no network at all.

The default (:func:`default_basemap`) is ``GEOPLAN_BASEMAP`` when it names an offered basemap; otherwise
the bureau's own tiles when configured (local tiles, then the intranet server: an install that has them
is on an intranet, where CartoDB is a blank grey square); otherwise CartoDB.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Literal

import folium

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.maps.text import t

__all__ = [
    "BASEMAPS",
    "DEFAULT_BASEMAP",
    "TIANDITU_KEY_ENV",
    "TILE_URL_ENV",
    "Basemap",
    "add_basemap",
    "available_basemaps",
    "default_basemap",
    "get_basemap",
]

TIANDITU_KEY_ENV = "TIANDITU_KEY"
TILE_URL_ENV = "GEOPLAN_TILE_URL"
TILES_ENV = "GEOPLAN_TILES"
BASEMAP_ENV = "GEOPLAN_BASEMAP"
#: Where ``geo_server.py`` serves the tiles of ``GEOPLAN_TILES`` (:mod:`app.tiles`).
LOCAL_TILE_URL = "/tiles/{z}/{x}/{y}"

Datum = Literal["wgs84", "gcj02"]


@dataclass(frozen=True)
class Basemap:
    """One basemap: its tile URL template(s), attribution and the datum its tiles are drawn in.

    ``url`` may contain ``{key}`` (filled with the Tianditu key) and ``{lang}`` (Tianditu's label layer:
    ``cva`` Chinese, ``eva`` English). ``labels`` is an optional second tile layer drawn on top.
    """

    key: str
    label_zh: str
    label_en: str
    url: str | None
    attribution: str = ""
    subdomains: str = "abc"
    datum: Datum = "wgs84"
    labels: str | None = None
    needs: str | None = None  # "tianditu_key", "tile_url" or "tiles"
    max_zoom: int = 18

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)

BASEMAPS: dict[str, Basemap] = {
    basemap.key: basemap
    for basemap in (
        Basemap(
            "cartodb",
            "CartoDB 浅色",
            "CartoDB Positron",
            "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
            "&copy; OpenStreetMap contributors &copy; CARTO",
            subdomains="abcd",
        ),
        Basemap(
            "osm",
            "OpenStreetMap",
            "OpenStreetMap",
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "&copy; OpenStreetMap contributors",
        ),
        Basemap(
            "esri",
            "Esri 影像",
            "Esri imagery",
            "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
            "Tiles &copy; Esri &mdash; Esri, Maxar, Earthstar Geographics, GIS User Community",
        ),
        Basemap(
            "tianditu",
            "天地图 矢量",
            "Tianditu vector",
            _TIANDITU.replace("{layer}", "vec"),
            "&copy; 天地图 Tianditu (GS(2024)0650号)",
            subdomains="01234567",
            labels=_TIANDITU.replace("{layer}", "{lang}"),
            needs="tianditu_key",
        ),
        Basemap(
            "amap",
            "高德地图 (GCJ-02)",
            "Amap (GCJ-02)",
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            "&copy; 高德地图 AutoNavi (overlays shifted to GCJ-02)",
            subdomains="1234",
            datum="gcj02",
        ),
        Basemap(
            "internal",
            "内网瓦片",
            "Intranet tiles",
            None,
            "内网瓦片服务 intranet tile server",
            subdomains="",
            needs="tile_url",
        ),
        Basemap(
            "local",
            "本地瓦片",
            "Local tiles",
            LOCAL_TILE_URL,
            "本地瓦片 local tiles",
            subdomains="",
            needs="tiles",
        ),
        Basemap("none", "无底图", "No basemap", None, subdomains=""),
    )
}
DEFAULT_BASEMAP = "cartodb"

_TEMPLATE_FIELDS = re.compile(r"\{[zxy]\}")


def _check_tile_url(url: str) -> str:
    # The URL lands in folium's (Jinja2) page source as it is: ``{{``, ``{%`` or ``{#`` would be run.
    if (
        not re.match(r"^(https?://|/)", url)
        or len(set(_TEMPLATE_FIELDS.findall(url))) < 3
        or re.search(r"\{[{%#]", url)
    ):
        raise LayerError(
            f"{TILE_URL_ENV}={url!r} is not a tile URL template; expected e.g. "
            "http://tiles.intranet/{z}/{x}/{y}.png (http(s) or a path, with {z}, {x} and {y})"
        )
    return url


def available_basemaps(*, tianditu_key: str | None = None, tile_url: str | None = None) -> list[Basemap]:
    """The basemaps that can be shown: Tianditu only with a key, the intranet server only with a URL.

    ``tianditu_key`` and ``tile_url`` default to the ``TIANDITU_KEY`` and ``GEOPLAN_TILE_URL``
    environment variables.
    """
    tianditu_key = tianditu_key if tianditu_key is not None else os.environ.get(TIANDITU_KEY_ENV)
    tile_url = tile_url if tile_url is not None else os.environ.get(TILE_URL_ENV)
    have = {
        "tianditu_key": bool(tianditu_key),
        "tile_url": bool(tile_url),
        "tiles": bool(os.environ.get(TILES_ENV)),
    }
    return [basemap for basemap in BASEMAPS.values() if basemap.needs is None or have[basemap.needs]]


def default_basemap(*, tianditu_key: str | None = None, tile_url: str | None = None) -> str:
    """The basemap a new view starts on: ``GEOPLAN_BASEMAP`` if offered, else local tiles, else the
    intranet server, else CartoDB (see the module's notes)."""
    offered = [b.key for b in available_basemaps(tianditu_key=tianditu_key, tile_url=tile_url)]
    wanted = os.environ.get(BASEMAP_ENV, "")
    if wanted in offered:
        return wanted
    return next(key for key in ("local", "internal", DEFAULT_BASEMAP) if key in offered)


def get_basemap(key: str) -> Basemap:
    """The basemap called ``key``; :class:`LayerError` listing the keys when it is unknown."""
    try:
        return BASEMAPS[key]
    except KeyError:
        raise LayerError(f"unknown basemap {key!r}; choose from {', '.join(BASEMAPS)}") from None


def add_basemap(
    fmap: folium.Map,
    key: str,
    *,
    lang: str = "zh",
    tianditu_key: str | None = None,
    tile_url: str | None = None,
) -> Basemap:
    """Add the tile layer(s) of basemap ``key`` to ``fmap`` (nothing for ``"none"``); returns the basemap.

    Tianditu draws Chinese (``lang="zh"``) or English labels over its vector tiles.
    """
    basemap = get_basemap(key)
    tianditu_key = tianditu_key if tianditu_key is not None else os.environ.get(TIANDITU_KEY_ENV)
    tile_url = tile_url if tile_url is not None else os.environ.get(TILE_URL_ENV)
    url = basemap.url
    if basemap.needs == "tianditu_key":
        if not tianditu_key:
            raise LayerError(f"the Tianditu basemap needs a key: set {TIANDITU_KEY_ENV}")
        if not re.fullmatch(r"[A-Za-z0-9]+", tianditu_key):
            raise LayerError(f"{TIANDITU_KEY_ENV} must be letters and digits only")
    if basemap.needs == "tile_url":
        if not tile_url:
            raise LayerError(f"the intranet basemap needs a tile URL: set {TILE_URL_ENV}")
        url = _check_tile_url(tile_url)
    if basemap.needs == "tiles" and not os.environ.get(TILES_ENV):
        raise LayerError(
            f"the local-tiles basemap needs {TILES_ENV} (an XYZ folder or .mbtiles file) and the app started "
            f"with `streamlit run geo_server.py`; a standalone map uses {TILE_URL_ENV} (basemap internal)"
        )
    if url is None:
        return basemap
    options: dict[str, Any] = {"subdomains": basemap.subdomains} if basemap.subdomains else {}
    folium.TileLayer(
        tiles=url.replace("{key}", tianditu_key or ""),
        attr=basemap.attribution,
        name=basemap.label(lang),
        max_zoom=basemap.max_zoom,
        control=False,
        **options,
    ).add_to(fmap)
    if basemap.labels:
        label_layer = "cva" if lang == "zh" else "eva"
        folium.TileLayer(
            tiles=basemap.labels.replace("{lang}", label_layer).replace("{key}", tianditu_key or ""),
            attr=basemap.attribution,
            name=t("map_labels_layer", lang, name=basemap.label(lang)),
            max_zoom=basemap.max_zoom,
            control=False,
            overlay=True,
            **options,
        ).add_to(fmap)
    return basemap
