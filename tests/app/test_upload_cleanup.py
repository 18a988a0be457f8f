"""A session's upload folder (geoplan-upload-*) goes with the session: staged in an AppTest session, it is
removed once the session is dropped, without a save or a discard; on a real server (Chromium) too."""

from __future__ import annotations

import gc
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from wuxi_atlas.layers.upload_folders import UPLOAD_PREFIX

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")

STATIONS = "name,type,piles,access,lon,lat\n惠山站,charging,300,public,120.2900,31.5700\n".encode()


def _upload_folders(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{UPLOAD_PREFIX}*"))


def test_an_abandoned_session_leaves_no_upload_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(tmp_path / "catalog"))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["page"] = "data"
    at.run()
    at.selectbox(key="upload_kind").set_value("stations").run()
    at.file_uploader(key="upload_stations").set_value(("s.csv", STATIONS, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert set(at.session_state["_staged_layers"]) == {"stations"}
    (folder,) = _upload_folders(temporary)
    assert any(path.name == "s.csv" for path in folder.rglob("*"))
    del at  # the session ends: nobody saved or discarded the upload
    gc.collect()
    assert _upload_folders(temporary) == []


_SESSION_SCRIPT = """
import streamlit as st
from wuxi_atlas.layers.upload_folders import UploadFolder
st.session_state.setdefault("upload_folder", UploadFolder())
st.write("ready", st.session_state["upload_folder"].path.name)
"""


@pytest.mark.browser
def test_a_real_server_removes_the_folder_of_a_closed_session(browser: Any, tmp_path: Path) -> None:
    """On a real server a closed tab's session is kept for reconnection for server.disconnectedSessionTTL
    (120 s by default, 1 s here) and dropped at the next disconnect after that: its folder goes then.
    The Chromium is the session's (tests/app/conftest.py): a second Playwright cannot start in one process."""
    from streamlit_server import running_streamlit

    script = tmp_path / "session_folder.py"
    script.write_text(_SESSION_SCRIPT, encoding="utf-8")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary), "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "1"}
    with running_streamlit(str(script), env) as url:
        context = browser.new_context()
        try:
            first = context.new_page()
            first.goto(url)
            first.wait_for_selector("text=ready", timeout=60_000)
            (folder,) = _upload_folders(temporary)
            first.close()
            time.sleep(2)  # past the TTL: the session may no longer reconnect
            second = context.new_page()  # another user comes and goes: the server drops the expired session
            second.goto(url)
            second.wait_for_selector("text=ready", timeout=60_000)
            second.close()
            deadline = time.monotonic() + 20
            while folder.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not folder.exists()
        finally:
            context.close()
