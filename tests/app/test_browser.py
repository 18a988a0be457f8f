"""The real page in headless Chromium, with the network cut off: the map must render from vendored assets,
a click on a district must select it, and names from files must show in popups and tooltips as written.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``); the test fails, not skips,
when it is missing, so a CI machine without it is noticed. The Chromium and the app are the session's
(conftest.py), shared with test_browser_basemaps.py. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from streamlit_server import ARTIFACTS

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.sources import VectorSource

pytestmark = pytest.mark.browser

FOLIUM_IFRAME = "iframe[title='streamlit_folium.st_folium']"


def test_map_renders_offline_and_click_selects_district(browser: Any, server_url: str) -> None:
    boundaries = load_boundaries()
    huishan = boundaries[boundaries["adcode"] == "320206"].geometry.iloc[0].representative_point()
    blocked: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:

        def only_local(route):  # type: ignore[no-untyped-def]
            url = route.request.url
            if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")):
                route.continue_()
            else:
                blocked.append(url)
                route.abort()

        context.route("**/*", only_local)
        page = context.new_page()
        page.goto(f"{server_url}/?layers=districts,forest,wetlands&basemap=cartodb", timeout=60_000)
        page.wait_for_selector(FOLIUM_IFRAME, timeout=120_000)
        frame = page.frame_locator(FOLIUM_IFRAME).first
        frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
        # The overlays join the mounted map as they are drawn (app.progressive): wait for the last ones.
        frame.locator("img.leaflet-image-layer").first.wait_for(timeout=120_000)
        frame.locator("path.leaflet-interactive").nth(7).wait_for(timeout=120_000)
        assert frame.locator("path.leaflet-interactive").count() > 7  # districts + wetlands
        assert frame.locator("img.leaflet-image-layer").count() == 1  # the forest-cover overlay
        page.wait_for_timeout(1500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app_map_city.png"), full_page=True)

        folium_frame = next(f for f in page.frames if "streamlit_folium" in f.url)
        point = folium_frame.evaluate(
            "([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }",
            [huishan.y, huishan.x],
        )
        folium_frame.locator("#map_div").click(position={"x": point[0], "y": point[1]})
        page.get_by_role("heading", name="惠山区").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / "app_map_district.png"), full_page=True)
        assert "district=320206" in page.url
    finally:
        context.close()
    # Tiles were requested and refused; nothing the map needs came from the network.
    assert not [url for url in blocked if url.endswith((".js", ".css"))], blocked


#: A name made of Jinja2 template payloads and markup (issue #9): it must show as written.
HOSTILE_NAME = (
    "{{7*7}} {{ 6*7 }} {% for i in range(3) %}X{% endfor %} {# c #} {%raw%} {{ config }} "
    "<script>alert(1)</script> {{ lipsum.__globals__.os.popen(dict(id=1)|first).read() }}"
)


def test_popup_and_tooltips_show_file_text_as_written(browser: Any, tmp_path: Path) -> None:
    """A standalone map whose station, wetland and protected area carry :data:`HOSTILE_NAME`: clicked and
    hovered in the real page, the popup and both kinds of tooltip (compact shapes, GeoJSON) show it as
    written; nothing was evaluated and no markup came alive."""
    from wuxi_atlas.maps.atlas import AtlasData, MapView, build_atlas_map, map_html

    lon, lat = 120.30, 31.575  # inside 梁溪区
    at = {
        "stations": (lon, lat + 0.012),
        "wetlands": (lon - 0.015, lat - 0.008),
        "protected": (lon + 0.015, lat),
    }

    def frame(kind: str, **columns: object) -> VectorSource:
        x, y = at[kind]
        geometry = shapely.Point(x, y) if kind == "stations" else shapely.Point(x, y).buffer(0.004)
        data = gpd.GeoDataFrame({k: [v] for k, v in columns.items()}, geometry=[geometry], crs="EPSG:4326")
        return VectorSource(kind, data, HOSTILE_NAME, "", False)

    data = AtlasData(
        load_boundaries(),
        vectors={
            "stations": frame(
                "stations",
                name=HOSTILE_NAME,
                type="charging",
                piles=4,
                access="public",
                operator=HOSTILE_NAME,
            ),
            "wetlands": frame("wetlands", name=HOSTILE_NAME, wetland_type="lake"),
            "protected": frame(
                "protected", name=HOSTILE_NAME, protection_type="wetland_park", level="national"
            ),
        },
    )
    view = MapView(layers=("stations", "wetlands", "protected"), basemap="none", focus="320213")
    page_path = tmp_path / "map.html"
    page_path.write_text(map_html(build_atlas_map(data, view), title=HOSTILE_NAME), encoding="utf-8")

    dialogs: list[str] = []
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        context.route("http*://**/*", lambda route: route.abort())
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(page_path.as_uri())
        page.wait_for_selector("path.leaflet-interactive", timeout=30_000)
        assert page.title() == HOSTILE_NAME

        def screen(kind: str) -> tuple[float, float]:
            x, y = at[kind]
            point = page.evaluate(
                "([lat, lng]) => { const name = Object.keys(window).find("
                "  k => k.startsWith('map_') && window[k] instanceof L.Map);"
                " const map = window[name], p = map.latLngToContainerPoint([lat, lng]);"
                " const box = map.getContainer().getBoundingClientRect();"
                " return [box.left + p.x, box.top + p.y]; }",
                [y, x],
            )
            return float(point[0]), float(point[1])

        # The map opens on the district and may still be moving there: aim only once a point stays put for a
        # few frames (a click aimed mid-move lands beside the marker, and the popup never opens).
        page.wait_for_function(
            "() => { const name = Object.keys(window).find("
            "  k => k.startsWith('map_') && window[k] instanceof L.Map);"
            " if (!name) return false;"
            " const p = window[name].latLngToContainerPoint([31.575, 120.30]), key = p.x + ',' + p.y;"
            " window.__steady = window.__last === key ? (window.__steady || 0) + 1 : 0;"
            " window.__last = key; return window.__steady >= 5; }",
            polling="raf",
            timeout=30_000,
        )
        page.mouse.click(*screen("stations"))
        popup = page.locator(".leaflet-popup-content").first
        popup.wait_for(timeout=10_000)
        cells = popup.locator("td").all_text_contents()
        assert cells[0] == HOSTILE_NAME and cells[-1] == HOSTILE_NAME, cells
        page.keyboard.press("Escape")

        for kind in ("wetlands", "protected"):
            page.mouse.move(1, 1)
            page.mouse.move(*screen(kind))
            tooltip = page.locator(".leaflet-tooltip").first
            tooltip.wait_for(timeout=10_000)
            assert HOSTILE_NAME in [text.strip() for text in tooltip.locator("td").all_text_contents()], kind
        assert page.locator(".leaflet-popup script, .leaflet-tooltip script").count() == 0
        assert page.evaluate("document.body.innerText").count("X{% endfor %}") >= 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map_hostile_names.png"))
    finally:
        context.close()
    assert dialogs == []
