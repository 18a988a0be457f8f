"""Folium building blocks shared by the layer kinds (:mod:`maps.kinds`): safe popups, styled GeoJSON,
compact point and shape layers, groups and legends.

Everything that comes from a user's file goes through :func:`escape` before it reaches the page:
folium's ``GeoJsonTooltip``/``GeoJsonPopup`` put property values into ``innerHTML`` as they are, so
a name such as ``<script>…`` would otherwise run. Only the escaped columns a layer shows are embedded
in the page, never the file's other attributes.

The page is also Jinja2 template source: branca compiles every macro's output (and every
``Element(html)``) as a new template and renders it, so a station called ``{{ 6*7 }}`` would show as
``42``, and worse. :func:`escape` writes braces as character references and :func:`_js_json` writes a
brace that would open ``{{``, ``{%`` or ``{#`` as ``\u007b``, so no text from a file opens a template tag.

Large layers (stations, PV sites, wetlands, roofs) are drawn with :class:`CompactPoints` and
:class:`CompactShapes`: one JSON array of coordinates, a palette index and the shown (escaped) cells per
feature, with the popup table built in the browser on demand. GeoJSON with per-feature popup HTML made
the city view about 13 MB.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import branca.element
import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.elements import JSCSSMixin
from folium.template import Template

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.layers.spec import LayerSpec
from wuxi_atlas.maps.text import t

__all__ = [
    "CompactPoints",
    "CompactShapes",
    "Field",
    "LegendEntry",
    "Parent",
    "add_compact",
    "add_legend",
    "check_opacity",
    "escape",
    "feature_group",
    "geojson_layer",
    "group_name",
    "legend_html",
    "localised_fields",
    "localised_values",
    "popup_html",
    "synthetic_mark",
]

#: What a layer can be drawn into: a map, or a group or other layer already on one.
Parent = branca.element.Element


class LegendEntry(NamedTuple):
    """One legend line: what a colour means, in both languages (the map shows the interface's)."""

    label_zh: str
    label_en: str
    colour: str

    def label(self, lang: str) -> str:
        """The label in ``lang``; the other one when that is empty (an entry made in one language)."""
        first, second = (self.label_en, self.label_zh) if lang == "en" else (self.label_zh, self.label_en)
        return first or second


#: A popup or tooltip column: (column, label in Chinese, label in English).
Field = tuple[str, str, str]


_MISSING_COLOUR = "#9e9e9e"
#: Jinja2's tags all open with a brace (``{{``, ``{%``, ``{#``): as character references, text opens none.
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})
#: A brace opening a Jinja2 tag in compact JSON (a structural ``{`` is followed by ``"`` or ``}``).
_TAG_OPENING_BRACE = re.compile(r"\{(?=[{%#])")


def escape(value: object) -> str:
    """Text from a file, safe to put into HTML and inert as Jinja2 template source (braces become
    ``&#123;`` and ``&#125;``, which the browser shows as braces); None and NaN become ``""``.

    Examples
    --------
    >>> escape('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    >>> escape("{{ 6*7 }}")
    '&#123;&#123; 6*7 &#125;&#125;'
    >>> escape(float("nan"))
    ''
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return html.escape(str(value), quote=True).translate(_BRACES)


def popup_html(rows: Sequence[tuple[str, object]]) -> str:
    """A two-column HTML table of (label, value); both are escaped."""
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:6px'>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in rows
    )
    return f"<table>{cells}</table>"


def group_name(
    spec: LayerSpec, source: VectorSource | RasterSource, suffix: str = "", *, lang: str = "zh"
) -> str:
    """The layer-control name in ``lang``, plus a synthetic mark so demo data is never mistaken."""
    label = spec.label_en if lang == "en" else spec.label_zh
    return synthetic_mark(f"{label}{suffix}", source.synthetic, lang)


def synthetic_mark(name: str, synthetic: bool, lang: str) -> str:
    """``name``, followed by "· 合成示例" (or "· synthetic") when the data are synthetic."""
    return f"{name} · {t('map_synthetic', lang)}" if synthetic else name


def localised_fields(fields: Sequence[Field], lang: str) -> tuple[tuple[str, str], ...]:
    """The (column, label) pairs of ``fields`` with the labels in ``lang``."""
    return tuple((column, en if lang == "en" else zh) for column, zh, en in fields)


def localised_values(
    values: Iterable[object], labels: Mapping[str, Sequence[str]], lang: str
) -> list[object]:
    """Codes of a layer's field (``charging``, ``national`` …) as the words of ``labels`` (code →
    (label_zh, label_en, …)) in ``lang``; other values (text from the file) unchanged."""
    index = 1 if lang == "en" else 0
    return [labels[str(v)][index] if str(v) in labels else v for v in values]


def feature_group(parent: Parent, name: str, *, show: bool = True) -> folium.FeatureGroup:
    """A new FeatureGroup called ``name`` (escaped), added to ``parent``."""
    group = folium.FeatureGroup(name=escape(name), show=show)
    group.add_to(parent)
    return group


def geojson_layer(
    frame: gpd.GeoDataFrame,
    *,
    fields: Sequence[tuple[str, str]],
    colour: Callable[[pd.Series], str] | str,
    opacity: float,
    fill: bool = True,
    weight: float = 1.0,
    dash: str | None = None,
    fill_opacity: float | None = None,
    name: str | None = None,
    marker: folium.CircleMarker | folium.Marker | None = None,
) -> folium.GeoJson:
    """A GeoJson layer of ``frame`` with tooltip and popup of ``fields`` [(column, label)], all escaped.

    ``colour`` is a colour, or a function of a row giving one. ``opacity`` (0–1) scales the outline;
    the fill is drawn at ``fill_opacity`` (default ``opacity × 0.6``). Point features are drawn as
    ``marker`` (a ``folium.CircleMarker`` takes the colour). Only the shown fields and the colour are
    embedded in the page.
    """
    opacity = check_opacity(opacity)
    shown = [(column, label) for column, label in fields if column in frame]
    display = gpd.GeoDataFrame(
        {f"f{i}": frame[column].map(escape) for i, (column, _) in enumerate(shown)},
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )
    display["_colour"] = (
        [colour] * len(frame) if isinstance(colour, str) else [colour(row) for _, row in frame.iterrows()]
    )
    fill_alpha = opacity * 0.6 if fill_opacity is None else fill_opacity

    def style(feature: Mapping[str, Any]) -> dict[str, Any]:
        colour_value = feature["properties"].get("_colour") or _MISSING_COLOUR
        return {
            "color": colour_value,
            "weight": weight,
            "opacity": opacity,
            "fill": fill,
            "fillColor": colour_value,
            "fillOpacity": fill_alpha if fill else 0.0,
            "dashArray": dash,
        }

    # folium's tooltip and popup check their fields against the features: none when there are none.
    keys = [f"f{i}" for i in range(len(shown))] if len(frame) else []
    aliases = [escape(label) for _, label in shown]
    return folium.GeoJson(
        display.__geo_interface__,
        name=escape(name) if name else None,
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=keys, aliases=aliases, sticky=False) if keys else None,
        popup=folium.GeoJsonPopup(fields=keys, aliases=aliases) if keys else None,
        zoom_on_click=False,
        marker=marker,
    )


def legend_html(title: str, entries: Sequence[LegendEntry], lang: str = "zh") -> str:
    """A small HTML legend: one swatch and its label in ``lang`` per entry, all escaped."""
    lines = "".join(
        f"<div><span style='display:inline-block;width:12px;height:12px;margin-right:4px;"
        f"background:{escape(entry.colour)};border:1px solid #555'></span>"
        f"{escape(entry.label(lang))}</div>"
        for entry in entries
    )
    return f"<div><b>{escape(title)}</b>{lines}</div>"


def add_legend(
    fmap: folium.Map, title: str, entries: Sequence[LegendEntry], lang: str = "zh"
) -> branca.element.Element:
    """Pin a legend box to the map's bottom-left corner; returns the element added."""
    box = branca.element.Element(
        "<div style='position:fixed;bottom:24px;left:12px;z-index:9999;background:rgba(255,255,255,0.9);"
        "padding:6px 8px;border:1px solid #999;border-radius:4px;font-size:12px'>"
        f"{legend_html(title, entries, lang)}</div>"
    )
    root = fmap.get_root()
    if not isinstance(root, branca.element.Figure):
        raise LayerError("add_legend needs a folium.Map (or a layer already on one)")
    root.html.add_child(box)
    return box


def check_opacity(opacity: float) -> float:
    if not 0.0 <= float(opacity) <= 1.0:
        raise LayerError(f"opacity must be between 0 and 1, got {opacity}")
    return float(opacity)


def _js_json(value: Any) -> str:
    """Compact JSON that is safe inside a <script> element (no ``<``, ``>``, ``&`` or ``'`` as such) and
    inert as Jinja2 template source (no ``{{``, ``{%`` or ``{#``: the brace is written ``\\u007b``).

    Examples
    --------
    >>> _js_json({"name": "{{ 6*7 }}", "rows": [{}]})
    '{"name":"\\\\u007b{ 6*7 }}","rows":[{}]}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")
    )
    return _TAG_OPENING_BRACE.sub(r"\\u007b", text)


def _palette_index(colours: Sequence[str]) -> tuple[list[int], list[str]]:
    """Each colour as an index into the sorted distinct colours, and those colours."""
    palette = sorted(set(colours))
    lookup = {colour: i for i, colour in enumerate(palette)}
    return [lookup[colour] for colour in colours], palette


def _columns(
    frame: gpd.GeoDataFrame, fields: Sequence[tuple[str, str]]
) -> tuple[list[str], list[Any], list[list[Any]]]:
    """Escaped labels, per-column lookup tables (None for free text) and per-column cell values (escaped
    text, or an index into the lookup when a column has few distinct values)."""
    labels: list[str] = []
    lookups: list[list[str] | None] = []
    columns: list[list[Any]] = []
    for column, label in fields:
        if column not in frame:
            continue
        texts = frame[column].map(escape)
        distinct = sorted(set(texts))
        labels.append(escape(label))
        if len(distinct) <= 64 and len(distinct) < len(texts):
            index = {text: i for i, text in enumerate(distinct)}
            lookups.append(distinct)
            columns.append([index[text] for text in texts])
        else:
            lookups.append(None)
            columns.append(list(texts))
    return labels, lookups, columns


def _latlng_rings(geometries: Any, decimals: int) -> list[list[list[list[float]]]]:
    """(Multi)polygons in Leaflet's nesting, one list per geometry: polygons → rings → [lat, lng].

    Vectorised through shapely's ragged arrays: one rounding pass over all vertices, then list slicing.
    """
    array = np.array(geometries, dtype=object)
    if len(array) == 0:
        return []
    blank = shapely.is_missing(array) | shapely.is_empty(array)
    array[blank] = shapely.from_wkt("POLYGON EMPTY")
    kind, coords, offsets = shapely.to_ragged_array(array)
    if kind == shapely.GeometryType.POLYGON:
        ring_offsets, polygon_offsets = offsets
        multi_offsets: Any = np.arange(len(polygon_offsets))
    elif kind == shapely.GeometryType.MULTIPOLYGON:
        ring_offsets, polygon_offsets, multi_offsets = offsets
    else:
        raise LayerError(f"expected polygons to draw, got {kind.name.lower()} geometries")
    points = np.round(coords[:, 1::-1], decimals).tolist()
    rings = [points[a:b] for a, b in itertools.pairwise(ring_offsets.tolist())]
    polygons = [rings[a:b] for a, b in itertools.pairwise(polygon_offsets.tolist())]
    return [polygons[a:b] for a, b in itertools.pairwise(multi_offsets.tolist())]


_POPUP_JS = """
function atlasTable(labels, lookups, row, offset) {
    var html = '<table>';
    for (var i = 0; i < labels.length; i++) {
        var value = lookups[i] ? lookups[i][row[i + offset]] : row[i + offset];
        html += '<tr><th style="text-align:left;padding-right:6px">' + labels[i] + '</th>';
        html += '<td>' + value + '</td></tr>';
    }
    return html + '</table>';
}
"""


def _compact_template(layer_js: str, draw_row: str) -> Template:
    """The script of a compact layer: ``draw_row`` (JavaScript) adds one ``row`` to ``layer``."""
    return Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            {{ this.popup_js }}
            var rows = {{ this.rows }}, colours = {{ this.colours }};
            var labels = {{ this.labels }}, lookups = {{ this.lookups }};
            var layer = """
        + layer_js
        + """;
            rows.forEach(function (row) {"""
        + draw_row
        + """            });
            layer.addTo({{ this._parent.get_name() }});
            return layer;
        })();
        {% endmacro %}
        """
    )


class _CompactLayer(branca.element.MacroElement):
    """One JSON array, a row per feature: ``heads`` (its coordinates), a palette index, then the cells
    of ``fields`` [(column, label)] as escaped text (or an index into a column's lookup table)."""

    def __init__(
        self,
        frame: gpd.GeoDataFrame,
        heads: Sequence[Sequence[Any]],
        colours: Sequence[str],
        fields: Sequence[tuple[str, str]],
        *,
        opacity: float,
    ) -> None:
        super().__init__()
        colour_index, palette = _palette_index(colours)
        labels, lookups, columns = _columns(frame, fields)
        rows = [[*head, c, *cells] for head, c, *cells in zip(heads, colour_index, *columns, strict=True)]
        self.rows, self.colours = _js_json(rows), _js_json(palette)
        self.labels, self.lookups = _js_json(labels), _js_json(lookups)
        self.opacity = json.dumps(check_opacity(opacity))
        self.popup_js = _POPUP_JS


class CompactPoints(JSCSSMixin, _CompactLayer):
    """Points (a polygon's representative point) as one compact array, drawn as circle markers and
    clustered, with a popup table of ``fields`` [(column, label)] built on click from escaped text.

    ``colours`` gives one colour per row of ``frame``; ``opacity`` (0–1) is the marker's outline and
    fill; ``radius`` is in pixels.
    """

    _template = _compact_template(
        "{{ this.layer_js }}",
        """
                var colour = colours[row[2]];
                var marker = L.circleMarker([row[0], row[1]], {
                    radius: {{ this.radius }}, color: colour, weight: 1, fillColor: colour,
                    fillOpacity: {{ this.opacity }}, opacity: {{ this.opacity }}
                });
                marker.bindPopup(function () { return atlasTable(labels, lookups, row, 3); });
                layer.addLayer(marker);
""",
    )
    # The same files as folium's MarkerCluster, so maps.assets serves the vendored copies.
    default_js = folium.plugins.MarkerCluster.default_js
    default_css = folium.plugins.MarkerCluster.default_css

    def __init__(
        self,
        frame: gpd.GeoDataFrame,
        colours: Sequence[str],
        fields: Sequence[tuple[str, str]],
        *,
        opacity: float,
        radius: int = 6,
        cluster: bool = True,
    ) -> None:
        points = frame.geometry.representative_point()
        heads = [(round(point.y, 5), round(point.x, 5)) for point in points]
        super().__init__(frame, heads, colours, fields, opacity=opacity)
        self._name = "CompactPoints"
        self.radius = int(radius)
        self.layer_js = "L.markerClusterGroup({maxClusterRadius: 50})" if cluster else "L.featureGroup()"
        if not cluster:
            self.default_js, self.default_css = [], []


class CompactShapes(_CompactLayer):
    """Polygons (rings of [lat, lng]) or their bounding rectangles as one compact array, with a tooltip
    table of ``fields`` [(column, label)] built on hover from escaped text.

    ``colours`` gives one colour per row of ``frame``; ``opacity`` (0–1) scales the outline,
    ``fill_opacity`` (0–1) the fill; ``weight`` is the outline in pixels; coordinates are rounded to
    ``decimals`` (5: about 1 m).
    """

    _template = _compact_template(
        "L.featureGroup()",
        """
                var colour = colours[row[1]];
                var options = {color: colour, fillColor: colour, weight: {{ this.weight }},
                               opacity: {{ this.opacity }}, fillOpacity: {{ this.fill_opacity }}};
                var shape = {{ 'L.rectangle([[row[0][0], row[0][1]], [row[0][2], row[0][3]]], options)'
                               if this.rectangles else 'L.polygon(row[0], options)' }};
                shape.bindTooltip(function () {
                    return atlasTable(labels, lookups, row, 2);
                }, {sticky: true});
                layer.addLayer(shape);
""",
    )

    def __init__(
        self,
        frame: gpd.GeoDataFrame,
        colours: Sequence[str],
        fields: Sequence[tuple[str, str]],
        *,
        opacity: float,
        fill_opacity: float,
        weight: float = 0.5,
        rectangles: bool = False,
        decimals: int = 5,
    ) -> None:
        if rectangles:
            shapes: list[Any] = [
                [round(s, decimals), round(w, decimals), round(n, decimals), round(e, decimals)]
                for w, s, e, n in frame.geometry.bounds.itertuples(index=False, name=None)
            ]
        else:
            shapes = _latlng_rings(frame.geometry.array, decimals)
        super().__init__(frame, [(shape,) for shape in shapes], colours, fields, opacity=opacity)
        self._name = "CompactShapes"
        self.fill_opacity = json.dumps(check_opacity(fill_opacity))
        self.weight, self.rectangles = json.dumps(weight), rectangles


def add_compact(
    parent: Parent,
    frame: gpd.GeoDataFrame,
    colours: Sequence[str],
    fields: Sequence[tuple[str, str]],
    *,
    opacity: float,
    fill_opacity: float,
    weight: float = 0.5,
    radius: int = 6,
    decimals: int = 5,
) -> None:
    """Add ``frame`` to ``parent`` compactly: its polygons as :class:`CompactShapes`, its points as
    clustered :class:`CompactPoints` (``radius`` in pixels), each row in ``colours`` (one per row)."""
    if frame.empty:
        return
    points = frame.geometry.geom_type.isin(("Point", "MultiPoint")).to_numpy()
    colour_array = np.asarray(colours, dtype=object)
    if (~points).any():
        CompactShapes(
            frame[~points],
            colour_array[~points].tolist(),
            fields,
            opacity=opacity,
            fill_opacity=fill_opacity,
            weight=weight,
            decimals=decimals,
        ).add_to(parent)
    if points.any():
        CompactPoints(
            frame[points], colour_array[points].tolist(), fields, opacity=opacity, radius=radius
        ).add_to(parent)
