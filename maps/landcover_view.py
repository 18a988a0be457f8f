"""Land cover on the atlas map, one year or two side by side: :func:`add_landcover` draws the land-cover
and forest-cover overlays of the view's year and, when the view names a second year, the earlier year
left of a divider and the later one right of it, which the reader drags across the map (:class:`YearSwipe`).

The swipe is the project's own few lines of JavaScript (no plugin, nothing fetched): each year's images
sit in a map pane of their own, and the divider clips the panes with CSS ``clip``, recomputed when the
divider or the map moves, as leaflet-side-by-side does for tile layers (it does not take image overlays).
A land survey's parcels are not drawn (hundreds of thousands of polygons); a year that is one is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import folium
import folium.raster_layers
from branca.element import MacroElement
from folium.template import Template

from wuxi_atlas.analysis.coords import wgs84_to_gcj02
from wuxi_atlas.analysis.sources import LandSurveySource, RasterSource
from wuxi_atlas.layers.kinds import landcover as landcover_layer
from wuxi_atlas.maps.draw import LegendEntry, feature_group, group_name
from wuxi_atlas.maps.kinds import landcover as landcover_drawing
from wuxi_atlas.maps.providers import MapProviders
from wuxi_atlas.maps.text import t

__all__ = ["YearSwipe", "add_landcover", "shown_years"]

#: Panes of a two-year view, under the vector layers (overlayPane, 400) and over the basemap (200).
_PANE_Z = {"classes": 380, "forest": 390}

_SWIPE_CSS = (
    ".atlas-swipe{position:absolute;top:0;left:0;right:0;bottom:0;z-index:650;pointer-events:none}"
    ".atlas-swipe-divider{position:absolute;top:0;bottom:0;left:50%;width:4px;margin-left:-2px;"
    "background:rgba(255,255,255,.95);box-shadow:0 0 4px rgba(0,0,0,.6)}"
    ".atlas-swipe-label{position:absolute;top:36px;padding:1px 6px;background:rgba(255,255,255,.92);"
    "border:1px solid #777;border-radius:3px;font:600 12px sans-serif;white-space:nowrap;color:#263238}"
    ".atlas-swipe-left{right:8px}.atlas-swipe-right{left:8px}"
    ".atlas-swipe-range{position:absolute;top:50%;left:0;width:100%;height:28px;margin:-14px 0 0 0;"
    "-webkit-appearance:none;appearance:none;background:transparent;pointer-events:none;outline:none}"
    ".atlas-swipe-range::-webkit-slider-runnable-track{background:transparent;height:28px;border:0}"
    ".atlas-swipe-range::-webkit-slider-thumb{-webkit-appearance:none;pointer-events:auto;width:28px;"
    "height:28px;border-radius:50%;background:#fff;border:2px solid #37474f;cursor:ew-resize;"
    "box-shadow:0 0 3px rgba(0,0,0,.5)}"
    ".atlas-swipe-range::-moz-range-thumb{pointer-events:auto;width:24px;height:24px;border-radius:50%;"
    "background:#fff;border:2px solid #37474f;cursor:ew-resize}"
)


class YearSwipe(MacroElement):
    """The two years' divider, for one land-cover group: added to the group before its images, it makes
    the group's panes (``left``, ``right``: the earlier and the later year's) and joins the map's one
    divider while the group is on the map. The divider is shared by every group that joins it (land cover
    and forest cover) and goes when the last one leaves, so it works the same in a standalone page and in
    the app, where each overlay is made and dropped on its own. ``left_label``/``right_label`` (plain
    text, set as ``textContent``) name the sides; ``label`` is the divider's accessible name."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this.map_name }}, group = {{ this._parent.get_name() }};
            var sides = {left: {{ this.left }}, right: {{ this.right }}};
            sides.left.concat(sides.right).forEach(function (name) {
                if (map.getPane(name)) return;
                var pane = map.createPane(name);
                pane.style.zIndex = {{ this.z_index }};
                pane.style.pointerEvents = 'none';
            });
            var swipe = map.__atlasSwipe;
            if (!swipe) {
                swipe = map.__atlasSwipe = (function () {
                    var joined = [], box = null, range, divider, leftLabel, rightLabel, thumb = 28;
                    var dragging = null;
                    function panes(side) {
                        return [].concat.apply([], joined.map(function (j) { return j[side]; }));
                    }
                    function cut() {
                        if (!box) return;
                        var size = map.getSize();
                        var x = thumb / 2 + Number(range.value) * (size.x - thumb);
                        var nw = map.containerPointToLayerPoint([0, 0]);
                        var se = map.containerPointToLayerPoint(size);
                        var at = nw.x + x;
                        divider.style.left = x + 'px';
                        var leftClip = 'rect(' + [nw.y, at, se.y, nw.x].join('px,') + 'px)';
                        var rightClip = 'rect(' + [nw.y, se.x, se.y, at].join('px,') + 'px)';
                        panes('left').forEach(function (n) { map.getPane(n).style.clip = leftClip; });
                        panes('right').forEach(function (n) { map.getPane(n).style.clip = rightClip; });
                    }
                    function hold() {
                        if (dragging === null) { dragging = map.dragging.enabled(); map.dragging.disable(); }
                    }
                    function release() { if (dragging) { map.dragging.enable(); } dragging = null; }
                    function build(entry) {
                        if (!document.getElementById('atlas-swipe-style')) {
                            var style = document.createElement('style');
                            style.id = 'atlas-swipe-style';
                            style.textContent = {{ this.css }};
                            document.head.appendChild(style);
                        }
                        box = L.DomUtil.create('div', 'atlas-swipe', map.getContainer());
                        divider = L.DomUtil.create('div', 'atlas-swipe-divider', box);
                        leftLabel = L.DomUtil.create('div', 'atlas-swipe-label atlas-swipe-left', divider);
                        rightLabel = L.DomUtil.create('div', 'atlas-swipe-label atlas-swipe-right', divider);
                        range = L.DomUtil.create('input', 'atlas-swipe-range', box);
                        range.type = 'range'; range.min = 0; range.max = 1; range.step = 'any';
                        range.value = 0.5;
                        L.DomEvent.disableClickPropagation(range);
                        L.DomEvent.disableScrollPropagation(range);
                        // Dragging the handle must not pan the map underneath it.
                        L.DomEvent.on(range, 'mousedown touchstart pointerdown', hold);
                        L.DomEvent.on(document, 'mouseup touchend pointerup', release);
                        L.DomEvent.on(range, 'input change', cut);
                        map.on('move zoom resize viewreset', cut);
                    }
                    function clear(names) {
                        names.forEach(function (n) { map.getPane(n).style.clip = ''; });
                    }
                    return {
                        join: function (entry) {
                            if (joined.indexOf(entry) >= 0) return;
                            joined.push(entry);
                            if (!box) build(entry);
                            leftLabel.textContent = entry.leftLabel;
                            rightLabel.textContent = entry.rightLabel;
                            range.setAttribute('aria-label', entry.label);
                            cut();
                        },
                        leave: function (entry) {
                            var at = joined.indexOf(entry);
                            if (at < 0) return;
                            joined.splice(at, 1);
                            clear(entry.left.concat(entry.right));
                            if (joined.length || !box) return;
                            map.off('move zoom resize viewreset', cut);
                            L.DomEvent.off(document, 'mouseup touchend pointerup', release);
                            box.remove();
                            box = null;
                        },
                        cut: cut
                    };
                })();
            }
            var entry = {left: sides.left, right: sides.right, leftLabel: {{ this.left_label }},
                         rightLabel: {{ this.right_label }}, label: {{ this.label }}};
            group.on('add', function () { swipe.join(entry); });
            group.on('remove', function () { swipe.leave(entry); });
            if (map.hasLayer(group)) swipe.join(entry);
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        map_name: str,
        left: Sequence[str],
        right: Sequence[str],
        *,
        left_label: str,
        right_label: str,
        label: str,
        z_index: int = 380,
    ) -> None:
        super().__init__()
        self._name = "YearSwipe"
        self.map_name = map_name
        # json.dumps: pane names are ours, the labels plain text; none can open a template tag or a tag.
        self.left, self.right = json.dumps(list(left)), json.dumps(list(right))
        self.left_label = _inert(left_label)
        self.right_label = _inert(right_label)
        self.label = _inert(label)
        self.css = json.dumps(_SWIPE_CSS)
        self.z_index = int(z_index)


def _inert(text: str) -> str:
    """``text`` as a JavaScript string literal that is safe in a <script> and as Jinja2 source."""
    quoted = json.dumps(text, ensure_ascii=False)
    return quoted.replace("<", "\\u003c").replace("{", "\\u007b").replace("}", "\\u007d")


def shown_years(
    landcover: Mapping[int, RasterSource | LandSurveySource], year: int | None, compare_year: int | None
) -> tuple[int, ...]:
    """The years the map draws: the view's year (the latest when it has none or one not held), and the
    ``compare_year`` too when it is another year held; earlier first. Years that are land surveys are
    left out (not drawn)."""
    drawable = {y for y, source in landcover.items() if isinstance(source, RasterSource)}
    if not drawable:
        return ()
    main = year if year in drawable else max(drawable)
    if compare_year is not None and compare_year in drawable and compare_year != main:
        return tuple(sorted((main, compare_year)))
    return (main,)


def _overlay(
    parent: folium.FeatureGroup,
    raster: RasterSource,
    variant: landcover_drawing.Variant,
    opacity: float,
    providers: MapProviders,
    gcj02: bool,
    pane: str | None,
) -> set[str]:
    """Add the image of ``raster`` to ``parent`` (in ``pane`` when given); the colours it uses."""
    url, bounds, colours_used = providers.overlay(raster, variant)
    if gcj02:
        (south, west), (north, east) = bounds
        west, south = wgs84_to_gcj02(west, south)
        east, north = wgs84_to_gcj02(east, north)
        bounds = [[south, west], [north, east]]
    overlay = folium.raster_layers.ImageOverlay(
        image=url, bounds=bounds, opacity=opacity, mercator_project=False, pixelated=True
    )
    if pane is not None:
        overlay.options["pane"] = pane
    overlay.add_to(parent)
    return {c.lower() for c in colours_used}


def add_landcover(
    fmap: folium.Map,
    landcover: Mapping[int, RasterSource | LandSurveySource],
    variants: Sequence[landcover_drawing.Variant],
    *,
    year: int | None,
    compare_year: int | None,
    opacity: Mapping[str, float],
    providers: MapProviders,
    gcj02: bool,
    lang: str,
) -> list[tuple[str, Sequence[LegendEntry]]]:
    """Draw the land-cover ``variants`` ("classes" for the land cover, "forest" for the forest cover) of
    the shown years (:func:`shown_years`), each variant a toggleable group; with two years, a
    :class:`YearSwipe` between them. ``opacity`` is by overlay name (``landcover``, ``forest``). Returns
    the legend sections (the classes the images use)."""
    if not variants:
        return []  # before shown_years, which reads every year's raster header
    years = shown_years(landcover, year, compare_year)
    if not years:
        return []
    legend: list[tuple[str, Sequence[LegendEntry]]] = []
    for variant in variants:
        overlay = "forest" if variant == "forest" else "landcover"
        rasters = [source for y in years if isinstance(source := landcover[y], RasterSource)]
        suffix = " " + " | ".join(str(y) for y in years)
        if variant == "forest":
            suffix += " " + t("map_woody", lang)
        name = group_name(landcover_layer.SPEC, rasters[-1], suffix, lang=lang)
        group = feature_group(fmap, name)
        panes: list[str | None] = [None] * len(years)
        if len(years) > 1:
            # Before the images: it makes the panes they go into (folium writes children in order).
            panes = [f"landcover_{variant}_{y}" for y in years]
            YearSwipe(
                fmap.get_name(),
                [p for p in panes[:1] if p],
                [p for p in panes[1:] if p],
                left_label=t("map_swipe_year", lang, year=years[0]),
                right_label=t("map_swipe_year", lang, year=years[-1]),
                label=t("map_swipe", lang),
                z_index=_PANE_Z[variant],
            ).add_to(group)
        used: set[str] = set()
        for raster, in_pane in zip(rasters, panes, strict=True):
            used |= _overlay(group, raster, variant, opacity[overlay], providers, gcj02, in_pane)
        entries = landcover_drawing.style(rasters[-1], variant=variant)
        legend.append((name, [e for e in entries if e.colour.lower() in used] or entries))
    return legend
