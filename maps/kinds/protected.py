"""自然保护地 protected areas: drawn coloured by protection level, with a dashed outline."""

from __future__ import annotations

import folium
import pandas as pd

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.kinds.protected import SPEC
from wuxi_atlas.maps.draw import (
    Field,
    LegendEntry,
    Parent,
    feature_group,
    geojson_layer,
    group_name,
    localised_fields,
    localised_values,
)

__all__ = ["LEVEL_COLOURS", "TYPE_LABELS", "draw", "style"]

#: Protection level → (label_zh, label_en, colour); anything else is drawn as "other".
LEVEL_COLOURS: dict[str, tuple[str, str, str]] = {
    "national": ("国家级", "national", "#00441b"),
    "provincial": ("省级", "provincial", "#238b45"),
    "municipal": ("市级", "municipal", "#41ab5d"),
    "county": ("县区级", "county", "#74c476"),
}
_OTHER = ("其他/未注明", "other or not stated", "#a1d99b")
#: Protection types the demo and the national system (自然保护地体系) name, shown in the language.
TYPE_LABELS: dict[str, tuple[str, str]] = {
    "nature_reserve": ("自然保护区", "nature reserve"),
    "natural_park": ("自然公园", "natural park"),
    "national_park": ("国家公园", "national park"),
    "wetland_park": ("湿地公园", "wetland park"),
    "forest_park": ("森林公园", "forest park"),
    "protection_plot": ("湿地保护小区", "wetland protection plot"),
    "scenic_area": ("风景名胜区", "scenic area"),
    "other": ("其他", "other"),
}
_FIELDS: tuple[Field, ...] = (
    ("name", "名称", "Name"),
    ("protection_type", "保护类型", "Protection type"),
    ("level", "级别", "Level"),
)


def _level_colour(row: pd.Series) -> str:
    return LEVEL_COLOURS.get(str(row.get("level")), _OTHER)[2]


def style(source: VectorSource | None = None) -> list[LegendEntry]:
    """Legend entries by protection level; only the levels present when ``source`` is given."""
    levels = list(LEVEL_COLOURS)
    if source is not None and "level" in source.frame:
        present = set(source.frame["level"].dropna().astype(str))
        levels = [level for level in levels if level in present]
        has_other = source.frame["level"].isna().any() or bool(present - set(LEVEL_COLOURS))
    else:
        has_other = True
    entries = [LegendEntry(*LEVEL_COLOURS[level]) for level in levels]
    return [*entries, LegendEntry(*_OTHER)] if has_other else entries


def draw(
    parent: Parent, source: VectorSource, *, opacity: float = 0.6, show: bool = True, lang: str = "zh"
) -> folium.FeatureGroup:
    """Add the protected areas, coloured by level, with a dashed outline; returns the group."""
    group = feature_group(parent, group_name(SPEC, source, lang=lang), show=show)
    frame = source.frame
    colours = {index: _level_colour(row) for index, row in frame.iterrows()}
    shown = frame.assign(
        **{
            column: localised_values(frame[column], labels, lang)
            for column, labels in (("level", LEVEL_COLOURS), ("protection_type", TYPE_LABELS))
            if column in frame
        }
    )
    geojson_layer(
        shown,
        fields=localised_fields(_FIELDS, lang),
        colour=lambda row: colours[row.name],
        opacity=opacity,
        weight=1.5,
        dash="4 3",
    ).add_to(group)
    return group
