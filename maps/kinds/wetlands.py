"""湿地 wetlands: drawn (:class:`~maps.draw.CompactShapes`) by protection status or by wetland type.

By protection status when the protected areas are given (each wetland split into the part inside them
and the part outside, for display only; the rate itself is computed in :mod:`analysis.wetland`) or when
the frame is already split (a ``protection_status`` column, as :mod:`maps.providers` caches it), else by
wetland type.
"""

from __future__ import annotations

from typing import Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.kinds.wetlands import SPEC
from wuxi_atlas.maps.draw import (
    CompactShapes,
    Field,
    LegendEntry,
    Parent,
    check_opacity,
    feature_group,
    group_name,
    localised_fields,
    localised_values,
)

__all__ = ["STATUS_COLOURS", "TYPE_COLOURS", "draw", "protection_status", "style"]

ColourBy = Literal["status", "type"]

STATUS_COLOURS: dict[str, tuple[str, str, str]] = {
    "protected": ("受保护湿地", "protected wetland", "#1b7837"),
    "unprotected": ("未受保护湿地", "unprotected wetland", "#e08214"),
}
TYPE_COLOURS: dict[str, tuple[str, str, str]] = {
    "river": ("河流", "river", "#2c7fb8"),
    "lake": ("湖泊", "lake", "#08519c"),
    "reservoir": ("水库", "reservoir", "#6baed6"),
    "pond": ("坑塘", "pond", "#9ecae1"),
    "marsh": ("沼泽", "marsh", "#41ae76"),
    "tidal_flat": ("滩涂", "tidal flat", "#c2a35a"),
}
_OTHER = ("其他", "other", "#9e9e9e")
_FIELDS: tuple[Field, ...] = (
    ("name", "名称", "Name"),
    ("wetland_type", "湿地类型", "Wetland type"),
    ("protection_status", "保护状态", "Protection"),
)


def protection_status(wetlands: VectorSource, protected: VectorSource) -> gpd.GeoDataFrame:
    """Split each wetland into its part inside the protected areas and its part outside, for display.

    Returns the wetlands' rows (repeated) with a ``protection_status`` column, ``"protected"`` or
    ``"unprotected"``, and the matching part as geometry (EPSG:4326); empty parts are left out.
    """
    if wetlands.frame.crs != protected.frame.crs:
        raise LayerError(
            f"wetlands ({wetlands.frame.crs}) and protected areas ({protected.frame.crs}) must share a CRS; "
            "read both with layers.read.read_vector"
        )
    frame = wetlands.frame
    geometries = np.asarray(frame.geometry.array, dtype=object)
    protected_union = shapely.union_all(protected.frame.geometry.array) if len(protected.frame) else None
    inside = np.zeros(len(frame), dtype=bool)
    crossing = np.zeros(len(frame), dtype=bool)
    if protected_union is not None:
        # Few wetlands meet a protected area (about 100 of the demo's 3,854): only those that cross its
        # edge are cut. One wholly inside is its own protected part, one apart its own unprotected part.
        shapely.prepare(protected_union)
        inside = shapely.contains_properly(protected_union, geometries)
        crossing = shapely.intersects(protected_union, geometries) & ~inside
    protected_parts = np.full(len(frame), None, dtype=object)
    protected_parts[inside] = geometries[inside]
    unprotected_parts = geometries.copy()
    unprotected_parts[inside] = None
    if crossing.any():
        protected_parts[crossing] = shapely.intersection(geometries[crossing], protected_union)
        unprotected_parts[crossing] = shapely.difference(geometries[crossing], protected_union)
    pieces = []
    for status, parts in (("protected", protected_parts), ("unprotected", unprotected_parts)):
        piece = frame.set_geometry(gpd.GeoSeries(parts, index=frame.index, crs=frame.crs))
        piece = piece.assign(protection_status=status)
        pieces.append(piece[~(piece.geometry.isna() | piece.geometry.is_empty)])
    combined = pd.concat(pieces, ignore_index=True)
    return gpd.GeoDataFrame(combined, geometry=frame.geometry.name, crs=frame.crs)


def style(source: VectorSource | None = None, *, by: ColourBy = "status") -> list[LegendEntry]:
    """Legend entries: protected/unprotected (``by="status"``) or one per wetland type (``by="type"``)."""
    if by == "status":
        return [LegendEntry(*entry) for entry in STATUS_COLOURS.values()]
    if by != "type":
        raise LayerError(f"wetlands are coloured by 'status' or 'type', not {by!r}")
    types = list(TYPE_COLOURS)
    if source is not None and "wetland_type" in source.frame:
        present = set(source.frame["wetland_type"].dropna().astype(str))
        types = [name for name in types if name in present]
        has_other = bool(present - set(TYPE_COLOURS)) or source.frame["wetland_type"].isna().any()
    else:
        has_other = False
    entries = [LegendEntry(*TYPE_COLOURS[name]) for name in types]
    return [*entries, LegendEntry(*_OTHER)] if has_other else entries


def draw(
    parent: Parent,
    source: VectorSource,
    *,
    protected: VectorSource | None = None,
    opacity: float = 0.7,
    show: bool = True,
    lang: str = "zh",
) -> folium.FeatureGroup:
    """Add the wetlands: by protection status when ``protected`` is given or the frame has a
    ``protection_status`` column, else by type; returns the group."""
    opacity = check_opacity(opacity)
    group = feature_group(parent, group_name(SPEC, source, lang=lang), show=show)
    frame = source.frame if protected is None else protection_status(source, protected)
    if frame.empty:
        return group
    if "protection_status" in frame:
        colours = [STATUS_COLOURS.get(str(status), _OTHER)[2] for status in frame["protection_status"]]
    else:
        kinds = frame["wetland_type"] if "wetland_type" in frame else [None] * len(frame)
        colours = [TYPE_COLOURS.get(str(kind), _OTHER)[2] for kind in kinds]
    shown = frame.assign(
        **{
            column: localised_values(frame[column], labels, lang)
            for column, labels in (("wetland_type", TYPE_COLOURS), ("protection_status", STATUS_COLOURS))
            if column in frame
        }
    )
    fields = localised_fields(_FIELDS, lang)
    CompactShapes(shown, colours, fields, opacity=opacity, fill_opacity=opacity * 0.6).add_to(group)
    return group
