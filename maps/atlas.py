"""The atlas map: every layer composed on one folium map, for the app and for ``geoplan map``.

The app (through streamlit-folium) and the CLI (a standalone HTML file) call :func:`build_atlas_map`
with the same :class:`AtlasData` and :class:`MapView`, so the exported map is the one on screen. The map
needs no network: its JavaScript and CSS are the vendored copies (:mod:`maps.assets`), and with the
basemap "none" nothing at all is fetched.

Expensive, view-independent pieces (the land-cover overlay PNG, the PV grid, the simplified boundaries,
the wetlands split by protection status) are computed by functions passed in
:class:`~maps.providers.MapProviders`, so the app can cache them on file identity; the defaults compute
them directly. Each vector kind is drawn by its module in :mod:`maps.kinds`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import shapely
from branca.element import Element, Figure

from wuxi_atlas.analysis.charging import DEFAULT_SERVICE_RADIUS_M
from wuxi_atlas.analysis.coords import transform_geometry, wgs84_to_gcj02
from wuxi_atlas.analysis.crs import DISPLAY_CRS
from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.export import district_geometry
from wuxi_atlas.analysis.pv import PVParameters
from wuxi_atlas.analysis.results import CITY_ADCODE, IndicatorResult
from wuxi_atlas.analysis.sources import LandSurveySource, RasterSource, VectorSource
from wuxi_atlas.layers.spec import get_spec
from wuxi_atlas.maps.assets import localize_assets
from wuxi_atlas.maps.basemap import DEFAULT_BASEMAP, add_basemap, get_basemap
from wuxi_atlas.maps.choropleth import Mode, add_choropleth, draw_charging_gaps
from wuxi_atlas.maps.draw import (
    CompactShapes,
    Field,
    LegendEntry,
    check_opacity,
    escape,
    feature_group,
    geojson_layer,
    group_name,
    legend_html,
    localised_fields,
    synthetic_mark,
)
from wuxi_atlas.maps.kinds import drawer
from wuxi_atlas.maps.kinds.landcover import Variant
from wuxi_atlas.maps.landcover_view import add_landcover
from wuxi_atlas.maps.providers import MapProviders, simplified
from wuxi_atlas.maps.text import t

__all__ = [
    "DEFAULT_LAYERS",
    "DEFAULT_OPACITY",
    "OVERLAYS",
    "PV_GRID_CLASSES",
    "PV_ZOOM_SWITCH",
    "AtlasData",
    "MapView",
    "build_atlas_map",
    "district_at",
    "layer_names",
    "map_html",
    "selection_layer",
]

#: The overlays the atlas offers, bottom to top.
OVERLAYS: tuple[str, ...] = (
    "landcover",
    "forest",
    "builtup",
    "charging_gaps",
    "protected",
    "wetlands",
    "pv",
    "pv_sites",
    "stations",
    "districts",
)
DEFAULT_LAYERS: tuple[str, ...] = ("districts", "forest", "wetlands", "stations")
DEFAULT_OPACITY: dict[str, float] = {
    "districts": 0.9,
    "landcover": 0.7,
    "forest": 0.75,
    "builtup": 0.8,
    "charging_gaps": 0.6,
    "protected": 0.6,
    "wetlands": 0.7,
    "pv": 0.75,
    "pv_sites": 0.85,
    "stations": 0.85,
}
#: The vector kind each overlay draws from (None: raster or boundaries).
_OVERLAY_KIND: dict[str, str | None] = {
    "landcover": None,
    "forest": None,
    "builtup": "builtup",
    "charging_gaps": None,
    "protected": "protected",
    "wetlands": "wetlands",
    "pv": "buildings",
    "pv_sites": "pv_sites",
    "stations": "stations",
    "districts": None,
}
#: Rooftop-PV grid classes: (upper bound in MW per cell, exclusive; label_zh, label_en, colour).
PV_GRID_CLASSES: tuple[tuple[float, str, str, str], ...] = (
    (0.5, "< 0.5 兆瓦/平方千米", "< 0.5 MW/km²", "#fff7bc"),
    (2.0, "0.5–2 兆瓦/平方千米", "0.5–2 MW/km²", "#fec44f"),
    (5.0, "2–5 兆瓦/平方千米", "2–5 MW/km²", "#fe9929"),
    (10.0, "5–10 兆瓦/平方千米", "5–10 MW/km²", "#d95f0e"),
    (float("inf"), "≥ 10 兆瓦/平方千米", "≥ 10 MW/km²", "#993404"),
)
#: From this zoom on, the PV layer shows single roofs instead of the 1 km grid.
PV_ZOOM_SWITCH = 14

_GRID_FIELDS: tuple[Field, ...] = (
    ("potential_mw", "光伏潜力(兆瓦)", "PV potential (MW)"),
    ("buildings", "建筑数", "Buildings"),
    ("roof_area_ha", "屋顶面积(公顷)", "Roof area (ha)"),
)
_WUXI_CENTRE = (31.55, 120.05)
_DISTRICT_LINE = "#37474f"
_SELECTED_LINE = "#d81b60"


@dataclass(frozen=True)
class AtlasData:
    """What the map draws: boundaries (city row and districts, EPSG:4326), land cover by year, the
    vector layers by kind (None when a layer is missing), and the indicator results the choropleth
    colours the districts by."""

    boundaries: gpd.GeoDataFrame
    landcover: Mapping[int, RasterSource | LandSurveySource] = field(default_factory=dict)
    vectors: Mapping[str, VectorSource | None] = field(default_factory=dict)
    results: Sequence[IndicatorResult] = ()

    def vector(self, kind: str) -> VectorSource | None:
        source = self.vectors.get(kind)
        return None if source is None or source.empty else source

    @property
    def synthetic(self) -> bool:
        return any(s.synthetic for s in self.landcover.values()) or any(
            s is not None and s.synthetic for s in self.vectors.values()
        )


@dataclass(frozen=True)
class MapView:
    """What the map shows: overlays on, their opacity, basemap, land-cover year (and a second year to
    compare it with, side by side across a divider), language, the district to zoom to (``focus``: its
    features only) or to outline (``selected``), the indicator the districts are coloured by
    (``choropleth``, coloured by value or by status) and the service radius of the charging gaps
    overlay."""

    layers: Sequence[str] = DEFAULT_LAYERS
    opacity: Mapping[str, float] = field(default_factory=dict)
    basemap: str = DEFAULT_BASEMAP
    year: int | None = None
    compare_year: int | None = None
    lang: str = "zh"
    focus: str | None = None
    selected: str | None = None
    choropleth: str | None = None
    choropleth_mode: Mode = "ramp"
    service_radius_m: float = DEFAULT_SERVICE_RADIUS_M

    def opacity_of(self, overlay: str) -> float:
        return check_opacity(self.opacity.get(overlay, DEFAULT_OPACITY[overlay]))


def district_at(boundaries: gpd.GeoDataFrame, lon: float, lat: float) -> str | None:
    """The adcode of the district containing (lon, lat) in EPSG:4326, or None outside every district."""
    districts = boundaries[boundaries["adcode"].astype(str) != CITY_ADCODE].to_crs(DISPLAY_CRS)
    hits = districts[districts.intersects(shapely.Point(lon, lat))]
    return None if hits.empty else str(hits["adcode"].iloc[0])


def _legend_box(sections: Sequence[tuple[str, Sequence[LegendEntry]]], lang: str) -> Element:
    body = "".join(legend_html(name, entries, lang) for name, entries in sections)
    title = t("map_legend", lang)
    return Element(
        "<div class='atlas-legend' style='position:absolute;bottom:28px;right:10px;z-index:1000;"
        "background:rgba(255,255,255,0.92);padding:6px 8px;border:1px solid #999;border-radius:4px;"
        "font:12px/1.35 sans-serif;max-height:45%;overflow:auto;max-width:260px'>"
        f"<details open><summary><b>{escape(title)}</b></summary>{body}</details></div>"
    )


def _grid_colour(mw: float) -> str:
    return next(colour for upper, _, _, colour in PV_GRID_CLASSES if mw < upper)


def _in_focus(frame: gpd.GeoDataFrame, area: Any) -> gpd.GeoDataFrame:
    if area is None:
        return frame
    return frame[frame.intersects(area)]


def _display_frame(
    kind: str,
    source: VectorSource,
    data: AtlasData,
    providers: MapProviders,
    focus_area: Any,
    gcj02: bool,
) -> gpd.GeoDataFrame:
    """The features of ``kind`` to draw for the view: those in the focus district (all without one),
    shifted to GCJ-02 for a GCJ-02 basemap, polygons simplified for display. Wetlands come split by
    protection status from ``providers`` (cached), so the kind colours them by status."""
    if kind == "wetlands":
        tolerance = 10.0 if focus_area is not None else 50.0
        frame = providers.wetlands(source, data.vector("protected"), tolerance)
        return _shift(_in_focus(frame, focus_area), gcj02)
    frame = _shift(_in_focus(source.frame, focus_area), gcj02)
    return simplified(frame, 10.0) if get_spec(kind).polygonal else frame


def _shift(frame: gpd.GeoDataFrame, gcj02: bool) -> gpd.GeoDataFrame:
    return transform_geometry(frame, wgs84_to_gcj02) if gcj02 and len(frame) else frame


def _shift_source(source: VectorSource, frame: gpd.GeoDataFrame) -> VectorSource:
    return VectorSource(
        kind=source.kind,
        frame=frame,
        source=source.source,
        vintage=source.vintage,
        synthetic=source.synthetic,
        path=source.path,
        notes=source.notes,
    )


def layer_names(fmap: folium.Map) -> list[str]:
    """The names of the overlays in the map's layer control (as escaped in the page)."""
    return [
        child.layer_name
        for child in fmap._children.values()
        if isinstance(child, folium.FeatureGroup) and child.control
    ]


def build_atlas_map(
    data: AtlasData,
    view: MapView | None = None,
    *,
    providers: MapProviders | None = None,
    tianditu_key: str | None = None,
    tile_url: str | None = None,
    pv_parameters: PVParameters | None = None,
) -> folium.Map:
    """The atlas map for ``view``: basemap, the chosen overlays (each a toggleable group with its
    legend), a layer control, and offline assets. Missing layers are skipped (the app says which)."""
    view = view or MapView()
    providers = providers or MapProviders()
    unknown = sorted(set(view.layers) - set(OVERLAYS))
    if unknown:
        raise LayerError(f"unknown overlay(s) {', '.join(unknown)}; choose from {', '.join(OVERLAYS)}")
    lang = "en" if view.lang == "en" else "zh"
    basemap = get_basemap(view.basemap)
    gcj02 = basemap.datum == "gcj02"
    boundaries = providers.boundaries(data.boundaries)
    focus_area = None
    if view.focus and str(view.focus) != CITY_ADCODE:
        focus_area = district_geometry(data.boundaries, view.focus)

    # Quarter-step zoom, so fitting the city or a district fills the frame instead of snapping out a level.
    # The map's own maxZoom: with no tile layer (basemap "none") the station clusters need it to draw.
    fmap = folium.Map(
        location=_WUXI_CENTRE,
        zoom_start=9,
        tiles=None,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
        maxZoom=basemap.max_zoom,
    )
    add_basemap(fmap, basemap.key, lang=lang, tianditu_key=tianditu_key, tile_url=tile_url)
    legend: list[tuple[str, Sequence[LegendEntry]]] = []
    if view.choropleth:
        shown = _shift(boundaries, gcj02)
        legend.append(
            add_choropleth(fmap, shown, data.results, view.choropleth, lang=lang, mode=view.choropleth_mode)
        )

    pairs: tuple[tuple[str, Variant], ...] = (("landcover", "classes"), ("forest", "forest"))
    variants = [variant for overlay, variant in pairs if overlay in view.layers]
    legend += add_landcover(
        fmap,
        data.landcover,
        variants,
        year=view.year,
        compare_year=view.compare_year,
        opacity={o: view.opacity_of(o) for o in ("landcover", "forest")},
        providers=providers,
        gcj02=gcj02,
        lang=lang,
    )
    for overlay in OVERLAYS:
        if overlay not in view.layers:
            continue
        opacity = view.opacity_of(overlay)
        if overlay in ("landcover", "forest"):
            continue  # drawn above, one year or two side by side
        elif overlay == "districts":
            continue  # drawn last, on top, so its click target covers the map
        elif overlay == "charging_gaps":
            builtup = data.vector("builtup")
            if builtup is None:
                continue
            gaps = providers.charging_gaps(
                data.vector("stations"), builtup, view.service_radius_m, boundaries
            )
            shown = _shift(_in_focus(gaps, focus_area), gcj02)
            legend.append(
                draw_charging_gaps(fmap, shown, radius_m=view.service_radius_m, lang=lang, opacity=opacity)
            )
        elif overlay == "pv":
            source = data.vector("buildings")
            if source is None:
                continue
            _draw_pv(fmap, data, source, view, providers, focus_area, gcj02, opacity, pv_parameters, legend)
        else:
            kind = _OVERLAY_KIND[overlay]
            assert kind is not None
            source = data.vector(kind)
            if source is None:
                continue
            module = drawer(kind)
            shown = _display_frame(kind, source, data, providers, focus_area, gcj02)
            group = module.draw(fmap, _shift_source(source, shown), opacity=opacity, lang=lang)
            legend.append((group.layer_name, module.style(source)))

    if "districts" in view.layers:
        _draw_districts(fmap, data, boundaries, view, gcj02, legend)

    folium.LayerControl(collapsed=True).add_to(fmap)
    if legend:
        root = fmap.get_root()
        assert isinstance(root, Figure)
        root.html.add_child(_legend_box(legend, lang))

    if focus_area is not None:
        west, south, east, north = focus_area.bounds
        if gcj02:
            west, south = wgs84_to_gcj02(west, south)
            east, north = wgs84_to_gcj02(east, north)
        fmap.fit_bounds([[south, west], [north, east]])
    else:
        west, south, east, north = data.boundaries.to_crs(DISPLAY_CRS).total_bounds
        fmap.fit_bounds([[south, west], [north, east]])
    return localize_assets(fmap)


def _draw_districts(
    fmap: folium.Map,
    data: AtlasData,
    boundaries: gpd.GeoDataFrame,
    view: MapView,
    gcj02: bool,
    legend: list[tuple[str, Sequence[LegendEntry]]],
) -> None:
    spec = get_spec("districts")
    source_like = VectorSource("districts", boundaries, "", "", False)
    lang = "en" if view.lang == "en" else "zh"
    group = feature_group(fmap, group_name(spec, source_like, lang=lang))
    opacity = view.opacity_of("districts")
    shown = _shift(boundaries, gcj02)
    name_column = "name_en" if lang == "en" and "name_en" in shown else "name_zh"
    # Filled at (almost) zero opacity: an SVG path with a fill takes clicks anywhere inside it, which is
    # how a click on the map selects a district.
    geojson_layer(
        shown,
        fields=localised_fields(((name_column, "名称", "Name"), ("adcode", "行政区划代码", "Adcode")), lang),
        colour=_DISTRICT_LINE,
        opacity=opacity,
        weight=1.6,
        fill_opacity=0.02,
    ).add_to(group)
    city_outline = shapely.coverage_union_all(shown.geometry.array)
    folium.GeoJson(
        shapely.geometry.mapping(city_outline),
        style_function=lambda _: {"color": "#000000", "weight": 2.6, "fill": False, "opacity": opacity},
        interactive=False,
    ).add_to(group)
    for _, row in shown.iterrows():
        point = row.geometry.representative_point()
        folium.Marker(
            [round(point.y, 5), round(point.x, 5)],
            icon=folium.DivIcon(
                html=(
                    "<div style='font:600 12px sans-serif;color:#263238;white-space:nowrap;"
                    "text-shadow:0 0 3px #fff,0 0 3px #fff;transform:translate(-50%,-50%)'>"
                    f"{escape(row[name_column])}</div>"
                ),
                icon_size=(0, 0),
            ),
            interactive=False,
        ).add_to(group)
    if view.selected and str(view.selected) != CITY_ADCODE:
        selection_layer(boundaries, str(view.selected), gcj02=gcj02).add_to(fmap)
    legend.append((group.layer_name, drawer("districts").style()))


def _draw_pv(
    fmap: folium.Map,
    data: AtlasData,
    source: VectorSource,
    view: MapView,
    providers: MapProviders,
    focus_area: Any,
    gcj02: bool,
    opacity: float,
    pv_parameters: PVParameters | None,
    legend: list[tuple[str, Sequence[LegendEntry]]],
) -> None:
    lang = "en" if view.lang == "en" else "zh"
    name = synthetic_mark(t("map_pv", lang), source.synthetic, lang)
    group = feature_group(fmap, name)
    grid = _shift(_in_focus(providers.pv_grid(source), focus_area), gcj02)
    legend.append((t("map_pv_grid", lang), [LegendEntry(zh, en, c) for _, zh, en, c in PV_GRID_CLASSES]))
    if grid.empty:
        return
    coarse = CompactShapes(
        grid,
        [_grid_colour(float(mw)) for mw in grid["potential_mw"]],
        localised_fields(_GRID_FIELDS, lang),
        opacity=opacity,
        fill_opacity=opacity * 0.8,
        weight=0.3,
        rectangles=True,
    )
    coarse.add_to(group)
    if focus_area is None:
        return
    # Single roofs only for one district: all of the city's would make the page too heavy.
    roofs = _shift(_in_focus(source.frame, focus_area), gcj02)
    if roofs.empty:
        return
    buildings = drawer("buildings")
    fine = buildings.draw(
        group, _shift_source(source, roofs), parameters=pv_parameters, opacity=opacity, lang=lang
    )
    buildings.ZoomSwitch(fmap.get_name(), group, coarse, fine, PV_ZOOM_SWITCH).add_to(fmap)
    legend.append((t("map_roofs", lang, zoom=PV_ZOOM_SWITCH), buildings.style()))


def selection_layer(boundaries: gpd.GeoDataFrame, adcode: str, *, gcj02: bool = False) -> folium.FeatureGroup:
    """A non-interactive outline of the district ``adcode``: the app passes it as
    ``feature_group_to_add`` so that selecting a district does not rebuild the map."""
    group = folium.FeatureGroup(name="selected", control=False)
    rows = boundaries[boundaries["adcode"].astype(str) == str(adcode)]
    if rows.empty:
        return group
    rows = _shift(rows, gcj02)
    folium.GeoJson(
        json.loads(rows[["geometry"]].to_json(drop_id=True)),
        style_function=lambda _: {
            "color": _SELECTED_LINE,
            "weight": 4,
            "fill": True,
            "fillOpacity": 0.06,
            "fillColor": _SELECTED_LINE,
        },
        interactive=False,
    ).add_to(group)
    return group


def map_html(fmap: folium.Map, *, title: str = "", banner: str | None = None) -> str:
    """The map as a standalone HTML page (offline assets inlined); ``banner`` (plain text, escaped) is
    pinned at the top, e.g. the synthetic-data notice."""
    localize_assets(fmap)
    root = fmap.get_root()
    assert isinstance(root, Figure)
    if title:
        root.header.add_child(Element(f"<title>{escape(title)}</title>"), name="atlas_title")
    if banner:
        root.html.add_child(
            Element(
                "<div style='position:absolute;top:0;left:50px;right:50px;z-index:1001;"
                "background:#fff3cd;color:#664d03;border:1px solid #ffe69c;padding:4px 8px;"
                f"font:13px sans-serif;text-align:center'>{escape(banner)}</div>"
            ),
            name="atlas_banner",
        )
    return root.render()
