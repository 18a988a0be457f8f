"""建筑屋顶 buildings: drawn coloured by rooftop-PV potential class.

The potential is :func:`layers.kinds.buildings.potential_kwp` (a ``potential_kwp`` column in the file
wins over the estimate). Drawn compactly (:func:`~maps.draw.add_compact`): footprints as shapes,
buildings given as points as clustered markers.
"""

from __future__ import annotations

import folium
import numpy as np
from branca.element import Element, MacroElement
from folium.template import Template

from wuxi_atlas.analysis.pv import PVParameters
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.kinds.buildings import SPEC, potential_kwp
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

__all__ = ["KWP_CLASSES", "TYPE_LABELS", "ZoomSwitch", "draw", "style"]

#: Rooftop-PV potential classes: (upper bound in kWp, exclusive; label_zh, label_en, colour).
KWP_CLASSES: tuple[tuple[float, str, str, str], ...] = (
    (10.0, "< 10 kWp", "< 10 kWp", "#fff7bc"),
    (50.0, "10–50 kWp", "10–50 kWp", "#fec44f"),
    (200.0, "50–200 kWp", "50–200 kWp", "#fe9929"),
    (1000.0, "200–1000 kWp", "200–1000 kWp", "#d95f0e"),
    (float("inf"), "≥ 1000 kWp", "≥ 1000 kWp", "#993404"),
)
_UNKNOWN = ("类型未知", "unknown type", "#bdbdbd")
#: Building types (layers.spec's choices), shown in the language.
TYPE_LABELS: dict[str, tuple[str, str]] = {
    "government": ("党政机关", "government"),
    "school_hospital": ("学校、医院", "schools and hospitals"),
    "industrial_commercial": ("工商业厂房", "industrial and commercial"),
    "urban_residential": ("城镇住宅", "urban residential"),
    "rural_home": ("农村住宅", "rural homes"),
}
_FIELDS: tuple[Field, ...] = (
    ("name", "名称", "Name"),
    ("building_type", "建筑类型", "Building type"),
    ("roof_area_m2", "屋顶面积（平方米）", "Roof area (m²)"),
    ("potential_kwp", "光伏潜力（kWp）", "PV potential (kWp)"),
)


def _class_colour(kwp: float) -> str:
    if not np.isfinite(kwp):
        return _UNKNOWN[2]
    return next(colour for upper, _, _, colour in KWP_CLASSES if kwp < upper)


def style(source: VectorSource | None = None) -> list[LegendEntry]:
    """Legend entries: one per rooftop-PV potential class, plus buildings of unknown type."""
    return [*(LegendEntry(zh, en, colour) for _, zh, en, colour in KWP_CLASSES), LegendEntry(*_UNKNOWN)]


def draw(
    parent: Parent,
    source: VectorSource,
    *,
    parameters: PVParameters | None = None,
    opacity: float = 0.8,
    show: bool = True,
    lang: str = "zh",
) -> folium.FeatureGroup:
    """Add the buildings coloured by rooftop-PV potential class; returns the group."""
    opacity = check_opacity(opacity)
    group = feature_group(parent, group_name(SPEC, source, lang=lang), show=show)
    frame = source.frame.assign(potential_kwp=potential_kwp(source.frame, parameters).round(1))
    colours = [_class_colour(float(kwp)) for kwp in frame["potential_kwp"]]
    if "building_type" in frame:
        frame = frame.assign(building_type=localised_values(frame["building_type"], TYPE_LABELS, lang))
    fields = localised_fields(_FIELDS, lang)
    # Six decimals (about 0.1 m): a roof is a few metres across.
    add_compact(group, frame, colours, fields, opacity=opacity, fill_opacity=opacity, decimals=6)
    return group


class ZoomSwitch(MacroElement):
    """Shows ``coarse`` below ``min_zoom`` and ``fine`` from it on, both inside ``group``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this.map_name }}, group = {{ this.group.get_name() }};
            var coarse = {{ this.coarse.get_name() }}, fine = {{ this.fine.get_name() }};
            function sync() {
                var near = map.getZoom() >= {{ this.min_zoom }};
                if (near) { group.removeLayer(coarse); group.addLayer(fine); }
                else { group.removeLayer(fine); group.addLayer(coarse); }
            }
            map.on('zoomend', sync);
            sync();
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, map_name: str, group: folium.FeatureGroup, coarse: Element, fine: Element, min_zoom: int
    ) -> None:
        super().__init__()
        self._name = "ZoomSwitch"
        self.map_name = map_name
        self.group, self.coarse, self.fine, self.min_zoom = group, coarse, fine, int(min_zoom)
