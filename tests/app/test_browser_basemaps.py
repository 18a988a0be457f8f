"""Offline first, in real headless Chromium with every non-local request blocked (the bureau's intranet):
every basemap renders every layer, the choropleth and the charging gaps, with no page error.

- The standalone ``geoplan map`` page, for each basemap (CartoDB, OSM, Esri, Tianditu with a fake key,
  Amap, an intranet URL, none) with every overlay on and the forest-cover choropleth: the outside tiles
  are refused, the overlays must still show (district and choropleth polygons, both land-cover images,
  the station clusters, the labels, the legend with the target, the layer control).
- The Streamlit app, started as ``streamlit run geo_server.py`` with ``GEOPLAN_TILES`` pointing at a tiny
  generated MBTiles file: in Chinese on the local tiles (which must load) with a district selected, and in
  English with no basemap and the status colouring.

Any ``pageerror`` or console error fails, except a tile the test itself refused (or a local tile the
MBTiles file does not hold): those are the network being cut, not the page breaking.
"""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit_server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, running_streamlit

pytestmark = pytest.mark.browser

MAX_ZOOM = "() => Object.values(window).find(v => v instanceof L.Map).getMaxZoom()"
FOLIUM_IFRAME = "iframe[title='streamlit_folium.st_folium']"
BASEMAPS = ("none", "cartodb", "osm", "esri", "tianditu", "amap", "internal")
INTRANET_URL = "http://tiles.intranet.example/{z}/{x}/{y}.png"
LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:", "file:")


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install chromium`")


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
def browser() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def atlas() -> Any:
    """The shipped layers, every overlay, and forest coverage by district; the slow parts computed once."""
    from wuxi_atlas.analysis.indicators import compute_indicators
    from wuxi_atlas.analysis.pv_grid import pv_potential_grid
    from wuxi_atlas.analysis.sources import RasterSource
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.cli.options import LAYER_OPTIONS
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
    data = AtlasData(
        inputs.boundaries,
        {inputs.landcover.year or 0: inputs.landcover},
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


@pytest.mark.parametrize("basemap", BASEMAPS)
def test_standalone_map_every_basemap_every_layer(
    browser: Any, atlas: Any, basemap: str, tmp_path: Path
) -> None:
    from wuxi_atlas.maps.atlas import OVERLAYS, MapView, build_atlas_map, map_html

    data, providers = atlas
    view = MapView(layers=OVERLAYS, basemap=basemap, choropleth="forest_coverage")
    fmap = build_atlas_map(data, view, providers=providers, tianditu_key="fakekey0123", tile_url=INTRANET_URL)
    page_path = tmp_path / f"map_{basemap}.html"
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
        page.wait_for_selector(".marker-cluster", timeout=30_000)
        page.wait_for_timeout(800)
        assert page.locator(".choropleth-label").count() == 7  # one per district
        assert (
            page.locator("path.leaflet-interactive").count() > 20
        )  # districts, choropleth, wetlands, gaps …
        assert page.locator("img.leaflet-image-layer").count() == 2  # land cover and forest cover
        assert page.locator(".leaflet-control-layers").count() == 1
        legend = page.locator(".atlas-legend").inner_text()
        assert "目标 27.80%（2025 年）" in legend and "充电服务盲区" in legend
        assert page.evaluate(MAX_ZOOM) == 18
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"basemap_{basemap}.png"))
    finally:
        context.close()
    assert errors.items == [], errors.items
    if basemap != "none":
        assert errors.blocked, "the basemap asked for no tiles"  # it was there, and refused
    else:
        assert errors.blocked == []


# --- the app ---------------------------------------------------------------------------------------------


def _png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, format="PNG")
    return out.getvalue()


def _wuxi_mbtiles(path: Path) -> Path:
    """Tiles over Wuxi (119.4–120.8°E, 31.0–32.1°N) at zooms 7–11, TMS rows, one plain colour."""
    import math

    tile = _png((230, 224, 210))
    rows = []
    for z in range(7, 12):
        n = 2**z

        def column(lon: float, n: int = n) -> int:
            return int((lon + 180) / 360 * n)

        def row(lat: float, n: int = n) -> int:
            rad = math.radians(lat)
            return int((1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n)

        for x in range(column(119.4), column(120.8) + 1):
            for y in range(row(32.1), row(31.0) + 1):
                rows.append((z, x, n - 1 - y, tile))
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)"
        )
        db.execute("INSERT INTO metadata VALUES ('format', 'png')")
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
    db.close()
    return path


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    mbtiles = _wuxi_mbtiles(tmp_path_factory.mktemp("tiles") / "wuxi.mbtiles")
    env = {**os.environ, "GEOPLAN_TILES": str(mbtiles)}
    for name in ("GEOPLAN_TILE_URL", "GEOPLAN_BASEMAP", "TIANDITU_KEY"):
        env.pop(name, None)
    with running_streamlit("geo_server.py", env) as url:
        yield url


APP_VIEWS = {
    "zh_local_district": (
        "lang=zh&page=map&district=320211&basemap=local&choropleth=forest_coverage",
        "目标 27.80%（2025 年）",
    ),
    "en_none_status": (
        "lang=en&page=map&district=320213&basemap=none&choropleth=forest_coverage&colouring=status",
        "target 27.80% (2025)",
    ),
}


@pytest.mark.parametrize("view", list(APP_VIEWS))
def test_app_map_offline_both_languages(browser: Any, server_url: str, view: str) -> None:
    from wuxi_atlas.maps.atlas import OVERLAYS

    query, target_text = APP_VIEWS[view]
    errors = Errors()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        context.route("**/*", errors.route)
        page = context.new_page()
        errors.watch(page)
        page.goto(f"{server_url}/?{query}&layers={','.join(OVERLAYS)}", timeout=60_000)
        page.wait_for_selector(FOLIUM_IFRAME, timeout=120_000)
        frame = page.frame_locator(FOLIUM_IFRAME).first
        # The overlays join the mounted map as they are drawn (app.progressive), the choropleth after the
        # indicators it colours by: wait for the last label and the station clusters.
        frame.locator(".choropleth-label").nth(6).wait_for(timeout=120_000)
        frame.locator(".marker-cluster").first.wait_for(timeout=120_000)
        frame.locator(".choropleth-label").nth(6).wait_for(timeout=30_000)
        assert frame.locator(".choropleth-label").count() == 7
        assert frame.locator("img.leaflet-image-layer").count() == 2
        assert target_text in frame.locator(".atlas-legend").inner_text()
        box = page.locator(FOLIUM_IFRAME).first.bounding_box()
        assert box is not None and box["height"] > 300  # the map did not collapse
        if "basemap=local" in query:
            frame.locator("img.leaflet-tile-loaded").first.wait_for(timeout=30_000)  # the MBTiles tiles
        else:
            assert frame.locator("img.leaflet-tile").count() == 0
        page.wait_for_timeout(1000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"app_{view}.png"), full_page=True)
    finally:
        context.close()
    assert errors.items == [], errors.items
    assert not [url for url in errors.blocked if url.endswith((".js", ".css"))], errors.blocked
