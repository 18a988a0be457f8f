"""充换电站 stations: drawn clustered (:class:`~maps.draw.CompactPoints`: one small JS array, not one
script block or popup per station), each station a circle coloured by type with a popup giving name,
type, piles, access and operator.
"""

from __future__ import annotations

import folium

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.kinds.stations import SPEC
from wuxi_atlas.maps.draw import (
    CompactPoints,
    Field,
    LegendEntry,
    Parent,
    check_opacity,
    feature_group,
    group_name,
    localised_fields,
    localised_values,
)

__all__ = ["ACCESS_LABELS", "TYPE_COLOURS", "draw", "style"]

TYPE_COLOURS: dict[str, tuple[str, str, str]] = {
    "charging": ("充电站", "charging", "#1f78b4"),
    "swap": ("换电站", "battery swap", "#33a02c"),
    "hydrogen": ("加氢站", "hydrogen", "#6a3d9a"),
}
ACCESS_LABELS: dict[str, tuple[str, str]] = {
    "public": ("公共", "public"),
    "dedicated": ("专用", "dedicated"),
    "private": ("私人", "private"),
}
_OTHER = ("其他", "other", "#9e9e9e")

_FIELDS: tuple[Field, ...] = (
    ("name", "名称", "Name"),
    ("type", "类型", "Type"),
    ("piles", "桩数", "Piles"),
    ("access", "开放类型", "Access"),
    ("operator", "运营商", "Operator"),
)


def style(source: VectorSource | None = None) -> list[LegendEntry]:
    """Legend entries by station type (plus "other" when ``source`` has unknown types)."""
    entries = [LegendEntry(*entry) for entry in TYPE_COLOURS.values()]
    if source is not None and "type" in source.frame:
        values = source.frame["type"]
        if values.isna().any() or not values.dropna().isin(list(TYPE_COLOURS)).all():
            entries.append(LegendEntry(*_OTHER))
    return entries


def draw(
    parent: Parent, source: VectorSource, *, opacity: float = 0.85, show: bool = True, lang: str = "zh"
) -> folium.FeatureGroup:
    """Add the stations as a marker cluster, coloured by type, named in ``lang``; returns the group."""
    opacity = check_opacity(opacity)
    group = feature_group(parent, group_name(SPEC, source, lang=lang), show=show)
    frame = source.frame
    if frame.empty:
        return group
    shown = frame.assign(
        type=localised_values(frame["type"], TYPE_COLOURS, lang),
        access=localised_values(frame["access"], ACCESS_LABELS, lang),
    )
    colours = [TYPE_COLOURS.get(str(k), _OTHER)[2] for k in frame["type"]]
    CompactPoints(shown, colours, localised_fields(_FIELDS, lang), opacity=opacity).add_to(group)
    return group
