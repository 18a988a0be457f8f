"""The atlas map split in two for streamlit-folium: a base that stays mounted in the browser, and the
overlays, sent beside it as JavaScript that the mounted map runs (streamlit-folium's ``feature_group``).

streamlit-folium identifies its component by the map's script: another script mounts another map (the
iframe reloads Leaflet, the tiles and every layer: 3–5 s), while the same script with other
``feature_group`` JavaScript keeps the mounted map and runs that JavaScript in it. So the script is the base
(the basemap's tiles, the city's extent, the vendored Leaflet assets), and everything a sidebar choice
changes is the JavaScript: the overlays with their opacity, the legend, the layer control, the selected
district's outline and the zoom to it. A layer toggle, an opacity slider or a district switch then leaves
the map mounted (issue #12).

The JavaScript keeps the overlays it made in ``window.__atlasLayers``, keyed by a hash of their code: an
overlay whose code did not change is kept as it is (a district switch re-creates only the outline), one no
longer wanted is removed and a new one is made. The map zooms to the selected unit when that unit changes,
not on every run, so a layer toggle keeps the user's pan and zoom.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import folium
import streamlit_folium
from branca.element import Element, Figure

__all__ = ["OverlayCode", "overlay_code", "overlay_script"]

#: The legend box of maps.atlas: its frame (up to the title) and its sections, joined across overlays.
_LEGEND = re.compile(r"^(?P<head>.*?</summary>)(?P<body>.*)(?P<tail></details>\s*</div>)\s*$", re.S)


@dataclass(frozen=True)
class OverlayCode:
    """One overlay of a built map as JavaScript: ``maker`` is a function body that creates its Leaflet
    layer group (on ``map_div``) and returns it; ``legend`` its sections of the legend box (HTML made by
    :mod:`maps.draw`, escaped there), ``legend_frame`` the box around them. Plain strings: cached and
    pickled by ``st.cache_data``."""

    key: str
    name: str
    control: bool
    maker: str
    legend: str = ""
    legend_frame: tuple[str, str] = ("", "")


def _legend_parts(fmap: folium.Map) -> tuple[str, tuple[str, str]]:
    root = fmap.get_root()
    if not isinstance(root, Figure):
        return "", ("", "")
    body, frame = [], ("", "")
    for element in root.html._children.values():
        if not isinstance(element, Element):
            continue
        html = element.render()
        match = _LEGEND.match(html)
        if match is None:
            body.append(html)
            continue
        body.append(match["body"])
        frame = (match["head"], match["tail"])
    return "".join(body), frame


def overlay_code(fmap: folium.Map, *, prefix: str) -> tuple[OverlayCode, ...]:
    """The overlays of ``fmap`` (a map of :func:`maps.atlas.build_atlas_map`) as :class:`OverlayCode`, one
    per feature group, with the map's other script elements (the PV zoom switch) bundled into the group
    before them; the tiles, the layer control and the map's own fit are the base's and left out. Variable
    names start with ``prefix`` so that overlays built from different maps never collide. The legend of
    the whole map goes with the first overlay."""
    old_name = fmap.get_name()
    fmap._id = "div"  # streamlit-folium's frontend names the mounted map map_div
    groups: list[tuple[folium.FeatureGroup, list[str]]] = []
    for element in list(fmap._children.values()):
        if isinstance(element, folium.FeatureGroup):
            element.render()
            code = streamlit_folium.generate_leaflet_string(element, base_id=f"{prefix}{len(groups)}")
            groups.append((element, [code.replace(old_name, "map_div")]))
        elif isinstance(element, folium.TileLayer | folium.LayerControl | folium.map.FitBounds):
            continue
        elif groups:
            code = streamlit_folium.generate_leaflet_string(element, base_id=f"{prefix}x{len(groups)}")
            groups[-1][1].append(code.replace(old_name, "map_div"))
    legend, frame = _legend_parts(fmap)
    found = []
    for index, (group, parts) in enumerate(groups):
        body = "\n".join(parts) + f"\nreturn {group.get_name()};"
        found.append(
            OverlayCode(
                key=hashlib.sha1(body.encode("utf-8")).hexdigest()[:16],
                name=str(group.layer_name or ""),
                control=bool(group.control),
                maker=body,
                legend=legend if index == 0 else "",
                legend_frame=frame,
            )
        )
    return tuple(found)


def overlay_script(
    overlays: Sequence[OverlayCode], *, fit_key: str, fit_bounds: Sequence[Sequence[float]] | None
) -> tuple[str, str]:
    """streamlit-folium's ``feature_group`` and ``layer_control`` JavaScript for ``overlays``, bottom to
    top: the mounted map keeps the overlays it already has, drops the others and makes the new ones,
    shows one legend box with every overlay's sections, and fits ``fit_bounds`` (``[[south, west],
    [north, east]]``) when ``fit_key`` (the selected unit) differs from the last run's."""
    makers = ",\n".join(f"{json.dumps(o.key)}: function () {{\n{o.maker}\n}}" for o in overlays)
    wanted = [o.key for o in overlays]
    frame = next((o.legend_frame for o in overlays if o.legend_frame != ("", "")), ("", ""))
    sections = "".join(o.legend for o in overlays)
    legend = frame[0] + sections + frame[1] if sections else ""
    named = [(o.name, o.key) for o in overlays if o.control and o.name]
    feature_group = f"""
(function () {{
  var made = window.__atlasLayers = window.__atlasLayers || {{}};
  var makers = {{
{makers}
  }};
  var wanted = {json.dumps(wanted)};
  Object.keys(made).forEach(function (key) {{
    if (wanted.indexOf(key) < 0) {{ map_div.removeLayer(made[key]); delete made[key]; }}
  }});
  wanted.forEach(function (key) {{
    if (made[key]) return;
    made[key] = makers[key]();
    if (!map_div.hasLayer(made[key])) map_div.addLayer(made[key]);
  }});
  wanted.forEach(function (key) {{
    if (map_div.hasLayer(made[key]) && made[key].bringToFront) made[key].bringToFront();
  }});
  var box = document.getElementById("atlas-legend-box");
  if (box) box.remove();
  var legend = {json.dumps(legend)};
  if (legend) {{
    box = document.createElement("div");
    box.id = "atlas-legend-box";
    box.innerHTML = legend;
    document.body.appendChild(box);
  }}
  var fit = {json.dumps(fit_bounds)};
  if (fit && window.__atlasFit !== {json.dumps(fit_key)}) map_div.fitBounds(fit);
  window.__atlasFit = {json.dumps(fit_key)};
}})();
"""
    overlays_js = ", ".join(
        f"{json.dumps(name)}: window.__atlasLayers[{json.dumps(key)}]" for name, key in named
    )
    layer_control = (
        f"window.layer_control = L.control.layers({{}}, {{{overlays_js}}}, "
        '{"position": "topright", "collapsed": true, "autoZIndex": false}).addTo(map_div);'
    )
    return feature_group, layer_control
