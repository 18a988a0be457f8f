"""建成区 built-up area: the official planning polygon(s) the green-coverage rate is measured in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import folium

from analysis.sources import VectorSource
from layers.base import LegendEntry, get_spec, read_vector
from layers.draw import Parent, feature_group, geojson_layer, group_name

__all__ = ["SPEC", "draw", "read", "style"]

SPEC = get_spec("builtup")

_COLOUR = "#c2185b"
_FIELDS = (("name", "名称 name"), ("year", "年份 year"))


def read(
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read built-up area polygons (geometry only; ``name`` and ``year`` optional)."""
    return read_vector(
        SPEC.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )


def style(source: VectorSource | None = None) -> list[LegendEntry]:
    """Legend entries: one outline colour for the built-up boundary."""
    return [LegendEntry("建成区", "built-up area", _COLOUR)]


def draw(
    parent: Parent, source: VectorSource, *, opacity: float = 0.8, show: bool = True
) -> folium.FeatureGroup:
    """Add the built-up polygons as a dashed outline with a faint fill; returns the group."""
    group = feature_group(parent, group_name(SPEC, source), show=show)
    geojson_layer(
        source.frame,
        fields=_FIELDS,
        colour=_COLOUR,
        opacity=opacity,
        weight=2,
        dash="6 4",
        fill_opacity=0.08 * opacity,
    ).add_to(group)
    return group
