"""What the browser tests of tests/app share, once per test process: one headless Chromium and one running
app (``geo_server.py`` with a tiny generated MBTiles file as the local basemap and a made-up Tianditu key,
so every basemap is offered), each test opening its own browser context with the outside network cut."""

from __future__ import annotations

import io
import math
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, FAKE_TIANDITU_KEY, running_streamlit


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The one Chromium of the session (Debian's: the test fails, not skips, without it)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


def _png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, format="PNG")
    return out.getvalue()


def wuxi_mbtiles(path: Path) -> Path:
    """Tiles over Wuxi (119.4–120.8°E, 31.0–32.1°N) at zooms 7–11, TMS rows, one plain colour."""
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


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with every basemap on offer, on an empty layer catalog, for the whole session."""
    mbtiles = wuxi_mbtiles(tmp_path_factory.mktemp("tiles") / "wuxi.mbtiles")
    env = {
        **os.environ,
        "GEOPLAN_TILES": str(mbtiles),
        "TIANDITU_KEY": FAKE_TIANDITU_KEY,
        "GEOPLAN_CATALOG_DIR": str(tmp_path_factory.mktemp("catalog")),
    }
    for name in ("GEOPLAN_TILE_URL", "GEOPLAN_BASEMAP"):
        env.pop(name, None)
    with running_streamlit("geo_server.py", env) as url:
        yield url
