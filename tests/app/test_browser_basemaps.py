"""Offline first, in real headless Chromium with every non-local request blocked (the bureau's intranet):
every basemap renders every layer, the choropleth and the charging gaps, with no page error.

- The standalone ``geoplan map`` page, for each basemap (CartoDB, OSM, Esri, Tianditu with a fake key,
  Amap, an intranet URL, none) with every overlay on and the forest-cover choropleth, in Chinese on the
  city and in English on a district: the outside tiles are refused, the overlays must still show
  (district and choropleth polygons, both land-cover images, the station clusters, the labels, the legend
  with the target, the layer control), and the map's text is in the page's language.
- Two land-cover years side by side: the divider cuts the two years' panes where it is dragged.
- The Streamlit app (conftest.py: ``geo_server.py`` with a tiny MBTiles file as local tiles and a made-up
  Tianditu key): Chinese on the local tiles (which must load) with a district selected, English with no
  basemap and the status colouring, Chinese on Tianditu with two years side by side, English on Amap on
  the district page; every layer on, the choropleth, the map's text in the page's language.

Any ``pageerror`` or console error fails, except a tile the test itself refused (or a local tile the
MBTiles file does not hold): those are the network being cut, not the page breaking.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from language_words import MAP_NOT_IN_EN, MAP_NOT_IN_ZH, names_in_files, words_in
from streamlit_server import ARTIFACTS, FAKE_TIANDITU_KEY

pytestmark = pytest.mark.browser

MAX_ZOOM = "() => Object.values(window).find(v => v instanceof L.Map).getMaxZoom()"
FOLIUM_IFRAME = "iframe[title='streamlit_folium.st_folium']"
BASEMAPS = ("none", "cartodb", "osm", "esri", "tianditu", "amap", "internal")
INTRANET_URL = "http://tiles.intranet.example/{z}/{x}/{y}.png"
LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:", "file:")


class Errors:
    """Page errors and console errors of a page, less the tiles the network refused."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.blocked: list[str] = []

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.items.append(f"pageerror: {error}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        refused_tile = message.text.startswith("Failed to load resource") and (
            not url.startswith(LOCAL) or "/tiles/" in url
        )
        if not refused_tile:
            self.items.append(f"console: {message.text} ({url})")

    def route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture(scope="module")
def atlas() -> Any:
    """The shipped layers, every overlay, and forest coverage by district; the slow parts computed once."""
    from wuxi_atlas.analysis.indicators import compute_indicators
    from wuxi_atlas.analysis.pv_grid import pv_potential_grid
    from wuxi_atlas.analysis.sources import RasterSource
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.cli.options import LAYER_OPTIONS
    from wuxi_atlas.layers.defaults import default_landcover_series, load_default_landcover
    from wuxi_atlas.layers.inputs import load_indicator_inputs
    from wuxi_atlas.maps.atlas import AtlasData
    from wuxi_atlas.maps.providers import (
        MapProviders,
        charging_gaps_for_display,
        display_boundaries,
        overlay_png,
        wetlands_for_display,
    )

    def once(function: Any) -> Any:
        store: dict[tuple[Any, ...], Any] = {}

        def wrapped(*args: Any) -> Any:
            key = tuple(a if isinstance(a, (int, float, str)) else id(a) for a in args)
            if key not in store:
                store[key] = function(*args)
            return store[key]

        return wrapped

    inputs = load_indicator_inputs()
    assert isinstance(inputs.landcover, RasterSource)
    results = compute_indicators(inputs, load_targets(), only=["forest_coverage"])
    years = {year: load_default_landcover(year=year) for year in default_landcover_series()}
    data = AtlasData(
        inputs.boundaries,
        {**years, inputs.landcover.year or 0: inputs.landcover},
        {kind: getattr(inputs, kind) for kind in LAYER_OPTIONS},
        results=tuple(results),
    )
    providers = MapProviders(
        overlay=once(overlay_png),
        pv_grid=once(lambda source: pv_potential_grid(source.frame)),
        boundaries=once(display_boundaries),
        wetlands=once(wetlands_for_display),
        charging_gaps=once(charging_gaps_for_display),
    )
    return data, providers


def _page_text_leaks(page_or_frame: Any, lang: str) -> set[str]:
    """Words of the other language in the map's text as the page holds it (legend, layer control,
    labels, the divider), names from the shipped files aside."""
    texts = page_or_frame.locator("body").evaluate(
        "body => Array.from(body.querySelectorAll('.leaflet-container *'))"
        ".filter(e => !e.children.length).map(e => e.textContent.trim()).filter(Boolean)"
    )
    names = names_in_files()
    shown = "\n".join(text for text in texts if text not in names)
    return words_in(shown, MAP_NOT_IN_EN if lang == "en" else MAP_NOT_IN_ZH)


#: Every basemap in Chinese on the whole city, and in English zoomed to 宜兴 (its features only).
STANDALONE = [(b, "zh", None) for b in BASEMAPS] + [(b, "en", "320282") for b in BASEMAPS]


@pytest.mark.parametrize(("basemap", "lang", "focus"), STANDALONE)
def test_standalone_map_every_basemap_every_layer(
    browser: Any, atlas: Any, basemap: str, lang: str, focus: str | None, tmp_path: Path
) -> None:
    from wuxi_atlas.maps.atlas import OVERLAYS, MapView, build_atlas_map, map_html

    data, providers = atlas
    view = MapView(layers=OVERLAYS, basemap=basemap, choropleth="forest_coverage", lang=lang, focus=focus)
    fmap = build_atlas_map(
        data, view, providers=providers, tianditu_key=FAKE_TIANDITU_KEY, tile_url=INTRANET_URL
    )
    page_path = tmp_path / f"map_{basemap}_{lang}.html"
    page_path.write_text(map_html(fmap, title=basemap), encoding="utf-8")

    errors = Errors()
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        context.route("**/*", errors.route)
        page = context.new_page()
        errors.watch(page)
        page.goto(page_path.as_uri())
        page.wait_for_selector(".choropleth-label", timeout=30_000)
        page.wait_for_timeout(300)
        assert errors.items == [], errors.items  # e.g. "Map has no maxZoom specified" (issue #12)
        if focus is None:  # zoomed to one district, the stations may be apart, not clustered
            page.wait_for_selector(".marker-cluster", timeout=30_000)
        page.wait_for_timeout(800)
        assert page.locator(".choropleth-label").count() == 7  # one per district
        assert (
            page.locator("path.leaflet-interactive").count() > 20
        )  # districts, choropleth, wetlands, gaps …
        assert page.locator("img.leaflet-image-layer").count() == 2  # land cover and forest cover
        assert page.locator(".leaflet-control-layers").count() == 1
        legend = page.locator(".atlas-legend").inner_text()
        if lang == "zh":
            assert "目标 27.80%（2025 年）" in legend and "充电服务盲区" in legend and "图例" in legend
        else:
            assert "target 27.80% (2025)" in legend and "Legend" in legend
        assert _page_text_leaks(page, lang) == set()
        assert page.evaluate(MAX_ZOOM) == 18
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"basemap_{basemap}_{lang}.png"))
    finally:
        context.close()
    assert errors.items == [], errors.items
    if basemap != "none":
        assert errors.blocked, "the basemap asked for no tiles"  # it was there, and refused
    else:
        assert errors.blocked == []


def _pane_clips(page_or_frame: Any) -> dict[str, str]:
    return dict(
        page_or_frame.locator("body").evaluate(
            "() => Array.from(document.querySelectorAll('.leaflet-pane'))"
            ".filter(p => /landcover_/.test(p.className))"
            ".map(p => [p.className.match(/landcover_[a-z]+_[0-9]{4}/)[0], p.style.clip])"
        )
    )


def _clip_edge(clip: str) -> tuple[float, float]:
    """The left and right edges of a ``rect(top, right, bottom, left)`` clip, in pixels."""
    _, right, _, left = (float(v.strip().removesuffix("px")) for v in clip[5:-1].split(","))
    return left, right


def test_swipe_between_two_years_follows_the_divider(browser: Any, atlas: Any, tmp_path: Path) -> None:
    """Two years on one map: each year's images in its pane, the earlier left of the divider and the later
    right of it; dragging the handle moves the cut (and does not pan the map)."""
    from wuxi_atlas.maps.atlas import MapView, build_atlas_map, map_html

    data, providers = atlas
    first, last = min(data.landcover), max(data.landcover)
    view = MapView(layers=("landcover", "districts"), basemap="none", year=last, compare_year=first)
    page_path = tmp_path / "swipe.html"
    page_path.write_text(map_html(build_atlas_map(data, view, providers=providers)), encoding="utf-8")
    errors = Errors()
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        context.route("**/*", errors.route)
        page = context.new_page()
        errors.watch(page)
        page.goto(page_path.as_uri())
        page.wait_for_selector(".atlas-swipe-range", timeout=30_000)
        assert page.locator("img.leaflet-image-layer").count() == 2
        labels = page.locator(".atlas-swipe-label").all_inner_texts()
        assert labels == [f"{first} 年", f"{last} 年"]
        clips = _pane_clips(page)
        left, right = f"landcover_classes_{first}", f"landcover_classes_{last}"
        assert _clip_edge(clips[left])[1] == pytest.approx(_clip_edge(clips[right])[0])
        centre_before = page.evaluate("() => Object.values(window).find(v => v instanceof L.Map).getCenter()")
        handle = page.locator(".atlas-swipe-range").bounding_box()
        assert handle is not None
        y = handle["y"] + handle["height"] / 2
        start = handle["x"] + handle["width"] / 2
        page.mouse.move(start, y)
        page.mouse.down()
        page.mouse.move(start - 250, y, steps=6)
        page.mouse.up()
        moved = _pane_clips(page)
        assert _clip_edge(moved[left])[1] == pytest.approx(_clip_edge(clips[left])[1] - 250, abs=3)
        assert _clip_edge(moved[right])[0] == pytest.approx(_clip_edge(moved[left])[1])
        centre_after = page.evaluate("() => Object.values(window).find(v => v instanceof L.Map).getCenter()")
        assert centre_after == centre_before  # the handle moved, not the map
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "landcover_swipe.png"))
    finally:
        context.close()
    assert errors.items == [], errors.items


# --- the app ---------------------------------------------------------------------------------------------

ALL_LAYERS = "landcover,forest,builtup,charging_gaps,protected,wetlands,pv,pv_sites,stations,districts"
#: (query, legend text, language): every view has every layer on and the choropleth; between them, both
#: languages, the local tiles, no basemap, Tianditu and Amap (refused: the overlays must still show), a
#: district selected, the status colouring and two land-cover years side by side.
APP_VIEWS = {
    "zh_local_district": (
        "lang=zh&page=map&district=320211&basemap=local&choropleth=forest_coverage",
        "目标 27.80%（2025 年）",
    ),
    "en_none_status": (
        "lang=en&page=map&district=320213&basemap=none&choropleth=forest_coverage&colouring=status",
        "target 27.80% (2025)",
    ),
    "zh_tianditu_compare_years": (
        "lang=zh&page=map&district=320206&basemap=tianditu&choropleth=forest_coverage&year=2024&compare=2020",
        "目标 27.80%（2025 年）",
    ),
    "en_amap_district_page": (
        "lang=en&page=district&district=320282&basemap=amap&choropleth=forest_coverage",
        "target 27.80% (2025)",
    ),
}


@pytest.mark.parametrize("view", list(APP_VIEWS))
def test_app_map_offline_both_languages(browser: Any, server_url: str, view: str) -> None:
    query, target_text = APP_VIEWS[view]
    lang = "en" if query.startswith("lang=en") else "zh"
    errors = Errors()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        context.route("**/*", errors.route)
        page = context.new_page()
        errors.watch(page)
        page.goto(f"{server_url}/?{query}&layers={ALL_LAYERS}", timeout=60_000)
        page.wait_for_selector(FOLIUM_IFRAME, timeout=120_000)
        frame = page.frame_locator(FOLIUM_IFRAME).first
        # The overlays join the mounted map as they are drawn (app.progressive), the choropleth after the
        # indicators it colours by: wait for the last label and the station clusters.
        frame.locator(".choropleth-label").nth(6).wait_for(timeout=120_000)
        frame.locator(".marker-cluster").first.wait_for(timeout=120_000)
        frame.locator(".choropleth-label").nth(6).wait_for(timeout=30_000)
        assert frame.locator(".choropleth-label").count() == 7
        compare = "compare=" in query
        # The views share one server: the choropleth and the stations of an earlier view are ready at once,
        # the land-cover images of another year still being drawn. Wait for the last image.
        frame.locator("img.leaflet-image-layer").nth(3 if compare else 1).wait_for(timeout=120_000)
        assert frame.locator("img.leaflet-image-layer").count() == (4 if compare else 2)
        assert target_text in frame.locator(".atlas-legend").inner_text()
        box = page.locator(FOLIUM_IFRAME).first.bounding_box()
        assert box is not None and box["height"] > 300  # the map did not collapse
        if "basemap=local" in query:
            frame.locator("img.leaflet-tile-loaded").first.wait_for(timeout=30_000)  # the MBTiles tiles
        elif "basemap=none" in query:
            assert frame.locator("img.leaflet-tile").count() == 0
        if compare:
            assert frame.locator(".atlas-swipe-label").all_inner_texts() == ["2020 年", "2024 年"]
            assert len(_pane_clips(frame)) == 4
        page.wait_for_timeout(1000)
        assert _page_text_leaks(frame, lang) == set()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"app_{view}.png"), full_page=True)
    finally:
        context.close()
    assert errors.items == [], errors.items
    assert not [url for url in errors.blocked if url.endswith((".js", ".css"))], errors.blocked
    if "basemap=tianditu" in query or "basemap=amap" in query:
        assert errors.blocked  # the outside tiles were asked for, refused, and the overlays still showed
