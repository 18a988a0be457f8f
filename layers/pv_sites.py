"""光伏项目 PV sites: installed or planned photovoltaic plants with their capacity (kW).

The plan's targets are 2.53 GW installed in 2025 and 3.10 GW in 2030 (DOMAIN.md §3). Drawn coloured by
kind (:func:`~layers.draw.add_compact`: points clustered, polygons as shapes), each with a table of
name, kind, capacity and year.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import folium
import pandas as pd

from analysis.sources import VectorSource
from layers.base import LegendEntry, get_spec, read_vector
from layers.draw import Parent, add_compact, check_opacity, feature_group, group_name

__all__ = ["KIND_COLOURS", "SPEC", "draw", "read", "style"]

SPEC = get_spec("pv_sites")

KIND_COLOURS: dict[str, tuple[str, str, str]] = {
    "rooftop": ("屋顶分布式", "rooftop", "#f1a340"),
    "ground": ("地面电站", "ground-mounted", "#d95f02"),
    "floating": ("水面/渔光互补", "floating", "#1b9e77"),
    "agrivoltaic": ("农光互补", "agrivoltaic", "#66a61e"),
    "carport": ("车棚", "carport", "#7570b3"),
}
_OTHER = ("其他", "other", "#9e9e9e")
_FIELDS = (
    ("name", "名称 name"),
    ("kind", "类型 kind"),
    ("capacity_kw", "装机容量 capacity kW"),
    ("year", "年份 year"),
)


def read(
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read PV sites (points or polygons): ``capacity_kw`` (> 0); ``name``, ``kind``, ``year`` optional."""
    return read_vector(
        SPEC.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
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
    parent: Parent, source: VectorSource, *, opacity: float = 0.85, show: bool = True
) -> folium.FeatureGroup:
    """Add the PV sites coloured by kind (points clustered, polygons as shapes); returns the group."""
    opacity = check_opacity(opacity)
    group = feature_group(parent, group_name(SPEC, source), show=show)
    frame = source.frame
    kinds = frame["kind"] if "kind" in frame else pd.Series([None] * len(frame), index=frame.index)
    shown = frame.assign(
        kind=[" ".join(KIND_COLOURS[str(k)][:2]) if str(k) in KIND_COLOURS else k for k in kinds]
    )
    colours = [KIND_COLOURS.get(str(k), _OTHER)[2] for k in kinds]
    add_compact(
        group, shown, colours, _FIELDS, opacity=opacity, fill_opacity=opacity * 0.6, weight=1, radius=5
    )
    return group
