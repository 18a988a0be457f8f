"""行政区划 districts: the city and its seven districts, drawn as outlines under every other layer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import folium

from analysis.sources import VectorSource
from layers.base import LegendEntry, get_spec, read_vector
from layers.draw import Parent, feature_group, geojson_layer, group_name

__all__ = ["SPEC", "draw", "read", "style"]

SPEC = get_spec("districts")

_DISTRICT_COLOUR = "#424242"
_CITY_COLOUR = "#000000"
_FIELDS = (("name_zh", "名称"), ("name_en", "name"), ("adcode", "adcode"), ("official_area_km2", "面积 km²"))


def read(
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read a districts file (``adcode`` and ``name_zh`` per polygon); see :func:`layers.base.read_vector`."""
    return read_vector(
        SPEC.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )


def style(source: VectorSource | None = None) -> list[LegendEntry]:
    """Legend entries: district and city boundary lines."""
    return [
        LegendEntry("区县界线", "district boundary", _DISTRICT_COLOUR),
        LegendEntry("市界", "city boundary", _CITY_COLOUR),
    ]


def draw(
    parent: Parent, source: VectorSource, *, opacity: float = 0.9, show: bool = True
) -> folium.FeatureGroup:
    """Add the boundaries as unfilled outlines (the city row, if any, heavier); returns the group."""
    group = feature_group(parent, group_name(SPEC, source), show=show)
    frame = source.frame
    is_city = (
        frame["kind"].eq("city") if "kind" in frame else frame["adcode"].astype(str).str.endswith("0200")
    )
    for subset, colour, weight in (
        (frame[~is_city], _DISTRICT_COLOUR, 1.5),
        (frame[is_city], _CITY_COLOUR, 2.5),
    ):
        if len(subset):
            geojson_layer(
                subset, fields=_FIELDS, colour=colour, opacity=opacity, fill=False, weight=weight
            ).add_to(group)
    return group
