"""A cold map page's board arrives on its own (issue #12): the background job's results are drawn by a
fragment in the board's place, so the map above it is not sent to the browser a second time before the
board shows, and while the page waits the browser is told to load the code that draws tables.

The browser test needs Debian's Chromium at /usr/bin/chromium (the session's, conftest.py); it fails, not
skips, without it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit_server import running_streamlit

from wuxi_atlas.app import progressive
from wuxi_atlas.maps.text import t

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")
LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")
#: A message of this size carries the map (its script and overlays); the board's is a few kilobytes.
MAP_MESSAGE_BYTES = 100_000
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")


def test_a_waiting_board_preloads_the_table_code_and_the_board_replaces_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(tmp_path / "empty-cache"))
    at = AppTest.from_file(APP, default_timeout=120)
    # A service radius no other test asks for: results this process has not computed, so the first run
    # cannot find them done (the background job starts only when the run has ended).
    at.query_params["radius"] = "1234"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.dataframe
    assert [i.value for i in at.info] == [t("board_computing", "zh")]
    scripts = [h.proto.body for h in at.get("html")]
    imported = [m for body in scripts for m in re.findall(r"/static/js/(DataFrame\.[^\"']+\.js)", body)]
    assert len(imported) == 1, scripts
    # The file the browser is told to load is this Streamlit's own, where the browser looks for it.
    assert (Path(st.__file__).parent / "static" / "static" / "js" / imported[0]).is_file()

    progressive.settle()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.dataframe) == 1
    assert not at.info
    assert not at.get("html")


@pytest.mark.browser
def test_the_board_arrives_without_the_map_being_sent_again(browser: Any, tmp_path: Path) -> None:
    env = {**os.environ, "GEOPLAN_CACHE_DIR": str(tmp_path / "empty-cache")}
    with running_streamlit("geo_server.py", env=env) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort())
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            # The messages from the server, in order: a map's (by its size), the board's (by the heading of
            # its progress column, which only the board has), others.
            received: list[str] = []
            progress_column = t("col_progress_bar", "zh").encode()

            def kind(data: str | bytes) -> str:
                raw = data.encode() if isinstance(data, str) else data
                if progress_column in raw:
                    return "board"
                return "map" if len(raw) > MAP_MESSAGE_BYTES else "other"

            page.on("websocket", lambda ws: ws.on("framereceived", lambda data: received.append(kind(data))))
            page.goto(f"{url}/?basemap=none", timeout=120_000)
            page.wait_for_selector("[data-testid='stDataFrame']", timeout=180_000)
            # The table drawn (its canvas), not only its frame.
            page.locator("[data-testid='stDataFrame'] canvas").first.wait_for(timeout=60_000)
            assert page.locator("[data-testid='stAlertContentError']").count() == 0
            assert page.locator("[data-testid='stException']").count() == 0
            assert not errors, errors
        finally:
            context.close()
    # The map once (the first paint), then the board: no page rerun in between.
    first_board = received.index("board")
    assert received[:first_board].count("map") == 1, received
