"""充换电站 stations: charging, battery-swap and hydrogen stations, with pile counts and access level.

Drawn clustered (``FastMarkerCluster``: one small JS array, not one script block per station), each
station a circle coloured by type with a popup giving name, type, piles and access.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import folium
import folium.plugins

from analysis.sources import VectorSource
from layers.base import LegendEntry, get_spec, read_vector
from layers.draw import Parent, check_opacity, feature_group, group_name, popup_html

__all__ = ["ACCESS_LABELS", "SPEC", "TYPE_COLOURS", "draw", "read", "style"]

SPEC = get_spec("stations")

TYPE_COLOURS: dict[str, tuple[str, str, str]] = {
    "charging": ("充电站", "charging", "#1f78b4"),
    "swap": ("换电站", "battery swap", "#33a02c"),
    "hydrogen": ("加氢站", "hydrogen", "#6a3d9a"),
}
ACCESS_LABELS: dict[str, str] = {
    "public": "公共 public",
    "dedicated": "专用 dedicated",
    "private": "私人 private",
}
_OTHER = ("其他", "other", "#9e9e9e")

# row = [lat, lon, popup html (escaped in Python), colour]; the popup is set as text-free HTML we built.
_CALLBACK = """
function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 6, color: row[3], weight: 1, fillColor: row[3], fillOpacity: %(fill)s, opacity: %(line)s
    });
    marker.bindPopup(row[2]);
    return marker;
}
"""


def read(
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read stations: ``type`` (charging, swap, hydrogen), ``piles`` (int ≥ 0), ``access`` (public,
    dedicated, private). Tables need lon/lat columns; pass ``lonlat_crs="gcj02"`` for Amap data."""
    return read_vector(
        SPEC.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )


def style(source: VectorSource | None = None) -> list[LegendEntry]:
    """Legend entries by station type (plus "other" when ``source`` has unknown types)."""
    entries = [LegendEntry(*entry) for entry in TYPE_COLOURS.values()]
    if source is not None and "type" in source.frame:
        values = source.frame["type"]
        if values.isna().any() or not values.dropna().isin(list(TYPE_COLOURS)).all():
            entries.append(LegendEntry(*_OTHER))
    return entries


def _popup(row: Mapping[str, object]) -> str:
    kind = str(row.get("type"))
    access = str(row.get("access"))
    return popup_html(
        [
            ("名称 name", row.get("name")),
            ("类型 type", " ".join(TYPE_COLOURS[kind][:2]) if kind in TYPE_COLOURS else row.get("type")),
            ("桩数 piles", row.get("piles")),
            ("开放 access", ACCESS_LABELS.get(access, row.get("access"))),
            ("运营商 operator", row.get("operator")),
        ]
    )


def draw(
    parent: Parent, source: VectorSource, *, opacity: float = 0.85, show: bool = True
) -> folium.FeatureGroup:
    """Add the stations as a marker cluster, coloured by type; returns the group."""
    opacity = check_opacity(opacity)
    group = feature_group(parent, group_name(SPEC, source), show=show)
    frame = source.frame
    points = frame.geometry.representative_point()
    data = [
        [round(point.y, 6), round(point.x, 6), _popup(row), TYPE_COLOURS.get(str(row.get("type")), _OTHER)[2]]
        for point, (_, row) in zip(points, frame.drop(columns=frame.geometry.name).iterrows(), strict=True)
    ]
    callback = _CALLBACK % {"fill": json.dumps(opacity), "line": json.dumps(opacity)}
    folium.plugins.FastMarkerCluster(data, callback=callback).add_to(group)
    return group
