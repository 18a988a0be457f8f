"""Sessions opened together on a cold server (a new process, an empty result cache) all render.

Issue #12: four pages opened within seconds of a cold start crashed with ``PicklingError: Can't pickle
<class '__main__.MapComponent'>`` from ``st.cache_data``. Sessions that start together also race for the
same cached layers, indicator families and map overlays, which the app now computes once in the
background for all of them (``app/progressive.py``). Each page here is a different view, so the map page,
the board, a district's map page and the district page all run at once; none may show an exception or an
error, and each must get as far as its indicator board.

Needs Debian's Chromium at /usr/bin/chromium (the session's, conftest.py); fails, not skips, without it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from streamlit_server import ARTIFACTS, running_streamlit

pytestmark = pytest.mark.browser

#: One session per view, started together.
VIEWS = ("", "?page=board", "?district=320211&basemap=none", "?page=district&district=320206")
#: The board (the page got to its end), or what a failure shows instead.
DONE = "[data-testid='stDataFrame'], [data-testid='stException'], [data-testid='stAlertContentError']"
LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")


def test_sessions_opened_together_on_a_cold_server_all_render(browser: Any, tmp_path: Path) -> None:
    # The session's one Chromium (conftest.py): a second sync_playwright in the same process cannot start.
    env = {**os.environ, "GEOPLAN_CACHE_DIR": str(tmp_path / "empty-cache")}
    with running_streamlit("geo_app.py", env=env) as url:
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        try:
            context.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith(LOCAL) else route.abort(),
            )
            pages = [context.new_page() for _ in VIEWS]
            # "commit": return as soon as the page starts loading, so every session starts at once.
            for page, view in zip(pages, VIEWS, strict=True):
                page.goto(f"{url}/{view}", wait_until="commit", timeout=60_000)
            for page, view in zip(pages, VIEWS, strict=True):
                page.wait_for_selector(DONE, timeout=240_000)
                exceptions = page.locator("[data-testid='stException']").all_inner_texts()
                errors = page.locator("[data-testid='stAlertContentError']").all_inner_texts()
                if exceptions or errors:
                    ARTIFACTS.mkdir(exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / "cold_sessions_error.png"), full_page=True)
                assert not exceptions, (view, exceptions)
                assert not errors, (view, errors)
                assert "PicklingError" not in page.inner_text("body"), view
        finally:
            context.close()
