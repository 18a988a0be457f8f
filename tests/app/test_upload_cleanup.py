"""A session's upload folder (geoplan-upload-*) goes with the session: staged in an AppTest session, it is
removed once the session is dropped, without a save or a discard."""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

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
