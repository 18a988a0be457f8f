"""Offline maps: serve folium's JavaScript and CSS from files vendored in ``maps/static/``.

folium elements list the CDN files they need in ``default_js``/``default_css``. On an intranet with no
internet those links fail and the map stays blank. :func:`localize_assets` walks a built map and points
every element at the vendored copy instead, as a ``data:`` URI, so the same map works

- in streamlit-folium, whose frontend loads ``default_js`` entries with ``<script src=…>`` and
  ``default_css`` with ``<link href=…>`` (a ``data:`` URI is a valid ``src``/``href``; inline scripts in the
  header would not run there, because the frontend inserts the header with ``innerHTML``);
- in a standalone HTML file (folium writes the same entries into ``<head>``).

Images the CSS refers to (the layer-control icon) are inlined into the CSS. Assets folium links by default
that the atlas does not use (jQuery, Bootstrap, awesome-markers, Font Awesome) are dropped; an element
that needs anything else raises :class:`~analysis.errors.LayerError` rather than silently going online.
See ``maps/static/NOTICE`` for versions and licences.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterator
from pathlib import Path

import branca.element
import folium

from wuxi_atlas.analysis.errors import LayerError

__all__ = ["DROPPED_ASSETS", "STATIC_DIR", "VENDORED_ASSETS", "asset_uri", "cdn_links", "localize_assets"]

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: folium's asset name → vendored file (names as in folium 0.20's ``default_js``/``default_css``).
VENDORED_ASSETS: dict[str, str] = {
    "leaflet": "leaflet.js",
    "leaflet_css": "leaflet.css",
    "markerclusterjs": "leaflet.markercluster.js",
    "markerclustercss": "MarkerCluster.css",
    "markerclusterdefaultcss": "MarkerCluster.Default.css",
}
#: folium defaults the atlas never uses: no jQuery-based ``folium.Popup``, no icon fonts or Bootstrap.
DROPPED_ASSETS: frozenset[str] = frozenset(
    {
        "jquery",
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)

_MIME = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
_CSS_URL = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")
_SOURCE_MAP = re.compile(rb"\n//# sourceMappingURL=\S+\s*$")
# A script or stylesheet fetched from the network (tile URL templates are not fetched by the page itself).
_REMOTE_ASSET = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@functools.cache
def asset_uri(file_name: str) -> str:
    """The vendored file ``file_name`` (in ``maps/static``) as a ``data:`` URI, its images inlined."""
    path = STATIC_DIR / file_name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LayerError(f"vendored map asset {path} is missing ({exc}); reinstall the package") from exc
    if path.suffix == ".css":
        text = _CSS_URL.sub(
            lambda match: f"url({_data_uri((STATIC_DIR / match.group(1)).read_bytes(), 'image/png')})",
            data.decode("utf-8"),
        )
        data = text.encode("utf-8")
    elif path.suffix == ".js":
        data = _SOURCE_MAP.sub(b"\n", data)
    return _data_uri(data, _MIME[path.suffix])


def _walk(element: branca.element.Element) -> Iterator[branca.element.Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def localize_assets(fmap: folium.Map) -> folium.Map:
    """Point every element of ``fmap`` at the vendored assets; returns ``fmap``.

    Sets ``default_js``/``default_css`` on each element instance (the classes are left alone). Raises
    :class:`LayerError` naming the element and the asset when something needs a file that is neither
    vendored nor known to be unused, or when a ``folium.Popup`` (which needs jQuery) is on the map.
    """
    for element in _walk(fmap):
        if isinstance(element, folium.Popup):
            raise LayerError(
                "folium.Popup needs jQuery, which the offline map does not ship; use GeoJsonPopup or "
                "bindPopup in a marker callback"
            )
        for attribute in ("default_js", "default_css"):
            entries = getattr(element, attribute, None)
            if not entries:
                continue
            local: list[tuple[str, str]] = []
            for name, url in entries:
                if url.startswith("data:"):
                    local.append((name, url))
                elif name in VENDORED_ASSETS:
                    local.append((name, asset_uri(VENDORED_ASSETS[name])))
                elif name not in DROPPED_ASSETS:
                    raise LayerError(
                        f"{type(element).__name__} needs {name} ({url}), which is not vendored in "
                        f"{STATIC_DIR}; add it there (see NOTICE) or do not use this element"
                    )
            setattr(element, attribute, local)
    return fmap


def cdn_links(page_html: str) -> list[str]:
    """The ``<script src>``/``<link href>`` tags of ``page_html`` that fetch from the network."""
    return [match.group(0) for match in _REMOTE_ASSET.finditer(page_html)]
