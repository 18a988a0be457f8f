"""Folium building blocks shared by the layer kinds: safe popups, styled GeoJSON, groups and legends.

Everything that comes from a user's file goes through :func:`escape` before it reaches the page:
folium's ``GeoJsonTooltip``/``GeoJsonPopup`` put property values into ``innerHTML`` as they are, so
a name such as ``<script>…`` would otherwise run. Only the escaped columns a layer shows are embedded
in the page, never the file's other attributes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import branca.element
import folium
import geopandas as gpd
import pandas as pd

from analysis.errors import LayerError
from analysis.sources import RasterSource, VectorSource
from layers.base import LayerSpec, LegendEntry

__all__ = [
    "Parent",
    "add_legend",
    "check_opacity",
    "escape",
    "feature_group",
    "geojson_layer",
    "group_name",
    "legend_html",
    "popup_html",
]

#: What a layer can be drawn into: a map, or a group or other layer already on one.
Parent = branca.element.Element

_MISSING_COLOUR = "#9e9e9e"


def escape(value: object) -> str:
    """Text from a file, safe to put into HTML; None and NaN become ``""``.

    Examples
    --------
    >>> escape('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    >>> escape(float("nan"))
    ''
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return html.escape(str(value), quote=True)


def popup_html(rows: Sequence[tuple[str, object]]) -> str:
    """A two-column HTML table of (label, value); both are escaped."""
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:6px'>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in rows
    )
    return f"<table>{cells}</table>"


def group_name(spec: LayerSpec, source: VectorSource | RasterSource, suffix: str = "") -> str:
    """The layer-control name: both labels, plus a synthetic mark so demo data is never mistaken."""
    name = f"{spec.label_zh} {spec.label_en}{suffix}"
    return name + (" · 合成示例 synthetic" if source.synthetic else "")


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

    keys = [f"f{i}" for i in range(len(shown))]
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


def legend_html(title: str, entries: Sequence[LegendEntry]) -> str:
    """A small HTML legend: one swatch and both labels per entry, all escaped."""
    lines = "".join(
        f"<div><span style='display:inline-block;width:12px;height:12px;margin-right:4px;"
        f"background:{escape(entry.colour)};border:1px solid #555'></span>"
        f"{escape(entry.label_zh)} {escape(entry.label_en)}</div>"
        for entry in entries
    )
    return f"<div><b>{escape(title)}</b>{lines}</div>"


def add_legend(fmap: folium.Map, title: str, entries: Sequence[LegendEntry]) -> branca.element.Element:
    """Pin a legend box to the map's bottom-left corner; returns the element added."""
    box = branca.element.Element(
        "<div style='position:fixed;bottom:24px;left:12px;z-index:9999;background:rgba(255,255,255,0.9);"
        "padding:6px 8px;border:1px solid #999;border-radius:4px;font-size:12px'>"
        f"{legend_html(title, entries)}</div>"
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
