"""行政区划 districts: drawn as outlines under every other layer (the city row, if any, heavier)."""

from __future__ import annotations

import folium

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.kinds.districts import SPEC
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

_DISTRICT_COLOUR = "#424242"
_CITY_COLOUR = "#000000"
_FIELDS: tuple[Field, ...] = (
    ("adcode", "行政区划代码", "Adcode"),
    ("official_area_km2", "面积（平方千米）", "Area (km²)"),
)


def style(source: VectorSource | None = None) -> list[LegendEntry]:
    """Legend entries: district and city boundary lines."""
    return [
        LegendEntry("区县界线", "district boundary", _DISTRICT_COLOUR),
        LegendEntry("市界", "city boundary", _CITY_COLOUR),
    ]


def draw(
    parent: Parent, source: VectorSource, *, opacity: float = 0.9, show: bool = True, lang: str = "zh"
) -> folium.FeatureGroup:
    """Add the boundaries as unfilled outlines (the city row, if any, heavier), with the name in
    ``lang``; returns the group."""
    group = feature_group(parent, group_name(SPEC, source, lang=lang), show=show)
    frame = source.frame
    name = "name_en" if lang == "en" and "name_en" in frame else "name_zh"
    fields = ((name, "名称", "Name"), *_FIELDS)
    is_city = (
        frame["kind"].eq("city") if "kind" in frame else frame["adcode"].astype(str).str.endswith("0200")
    )
    for subset, colour, weight in (
        (frame[~is_city], _DISTRICT_COLOUR, 1.5),
        (frame[is_city], _CITY_COLOUR, 2.5),
    ):
        if len(subset):
            geojson_layer(
                subset,
                fields=localised_fields(fields, lang),
                colour=colour,
                opacity=opacity,
                fill=False,
                weight=weight,
            ).add_to(group)
    return group
