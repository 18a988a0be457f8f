"""建成区 built-up area: drawn as a dashed outline with a faint fill."""

from __future__ import annotations

import folium

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.kinds.builtup import SPEC
from wuxi_atlas.maps.draw import (
    Field,
    LegendEntry,
    Parent,
    feature_group,
    geojson_layer,
    group_name,
    localised_fields,
)

__all__ = ["draw", "style"]

_COLOUR = "#c2185b"
_FIELDS: tuple[Field, ...] = (("name", "名称", "Name"), ("year", "年份", "Year"))


def style(source: VectorSource | None = None) -> list[LegendEntry]:
    """Legend entries: one outline colour for the built-up boundary."""
    return [LegendEntry("建成区", "built-up area", _COLOUR)]


def draw(
    parent: Parent, source: VectorSource, *, opacity: float = 0.8, show: bool = True, lang: str = "zh"
) -> folium.FeatureGroup:
    """Add the built-up polygons as a dashed outline with a faint fill; returns the group."""
    group = feature_group(parent, group_name(SPEC, source, lang=lang), show=show)
    geojson_layer(
        source.frame,
        fields=localised_fields(_FIELDS, lang),
        colour=_COLOUR,
        opacity=opacity,
        weight=2,
        dash="6 4",
        fill_opacity=0.08 * opacity,
    ).add_to(group)
    return group
