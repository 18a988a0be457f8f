"""光伏项目 PV sites: drawn coloured by kind (:func:`~maps.draw.add_compact`: points clustered, polygons
as shapes), each with a table of name, kind, capacity and year."""

from __future__ import annotations

import folium
import pandas as pd

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.kinds.pv_sites import SPEC
from wuxi_atlas.maps.draw import (
    Field,
    LegendEntry,
    Parent,
    add_compact,
    check_opacity,
    feature_group,
    group_name,
    localised_fields,
    localised_values,
)

__all__ = ["KIND_COLOURS", "draw", "style"]

KIND_COLOURS: dict[str, tuple[str, str, str]] = {
    "rooftop": ("屋顶分布式", "rooftop", "#f1a340"),
    "ground": ("地面电站", "ground-mounted", "#d95f02"),
    "floating": ("水面/渔光互补", "floating", "#1b9e77"),
    "agrivoltaic": ("农光互补", "agrivoltaic", "#66a61e"),
    "carport": ("车棚", "carport", "#7570b3"),
}
_OTHER = ("其他", "other", "#9e9e9e")
_FIELDS: tuple[Field, ...] = (
    ("name", "名称", "Name"),
    ("kind", "类型", "Kind"),
    ("capacity_kw", "装机容量（千瓦）", "Capacity (kW)"),
    ("year", "年份", "Year"),
)


def style(source: VectorSource | None = None) -> list[LegendEntry]:
    """Legend entries by PV kind; only the kinds present when ``source`` is given."""
    kinds = list(KIND_COLOURS)
    has_other = True
    if source is not None:
        values = source.frame["kind"] if "kind" in source.frame else pd.Series(dtype=object)
        present = set(values.dropna().astype(str))
        kinds = [kind for kind in kinds if kind in present]
        has_other = bool(present - set(KIND_COLOURS)) or bool(values.isna().any()) or values.empty
    entries = [LegendEntry(*KIND_COLOURS[kind]) for kind in kinds]
    return [*entries, LegendEntry(*_OTHER)] if has_other else entries


def draw(
    parent: Parent, source: VectorSource, *, opacity: float = 0.85, show: bool = True, lang: str = "zh"
) -> folium.FeatureGroup:
    """Add the PV sites coloured by kind (points clustered, polygons as shapes); returns the group."""
    opacity = check_opacity(opacity)
    group = feature_group(parent, group_name(SPEC, source, lang=lang), show=show)
    frame = source.frame
    kinds = frame["kind"] if "kind" in frame else pd.Series([None] * len(frame), index=frame.index)
    shown = frame.assign(kind=localised_values(kinds, KIND_COLOURS, lang))
    colours = [KIND_COLOURS.get(str(k), _OTHER)[2] for k in kinds]
    fields = localised_fields(_FIELDS, lang)
    add_compact(
        group, shown, colours, fields, opacity=opacity, fill_opacity=opacity * 0.6, weight=1, radius=5
    )
    return group
