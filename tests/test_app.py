"""The Streamlit app driven headless by AppTest, on the shipped (synthetic) demo data: every page renders,
the view round-trips through the URL, language and district switch, layers toggle, uploads are judged,
and the download buttons hand out the right content.

The first run computes every indicator (several seconds); later runs hit the cache, which Streamlit keeps
per process, so the module stays well under a minute.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "geo_app.py")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")


class _RecordingManager(MediaFileManager):
    last: _RecordingManager | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _RecordingManager.last = self


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_RecordingManager]]:
    """Keep hold of the media file manager of each AppTest run, to read what a download button serves."""
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", _RecordingManager)
    yield _RecordingManager


def _download(at: AppTest, key: str) -> bytes:
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(key))
    manager = _RecordingManager.last
    assert manager is not None
    if button.proto.deferred_file_id:
        content = manager._deferred_callables[button.proto.deferred_file_id]["callable"]()
    else:
        file_name = button.proto.url.rsplit("/", 1)[-1]
        content = manager._storage.get_file(file_name).content  # type: ignore[attr-defined]
    return content.encode() if isinstance(content, str) else bytes(content)


def _app(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_map_page_defaults_to_chinese_and_flags_synthetic_data() -> None:
    at = _app()
    _ok(at)
    assert at.title[0].value == "无锡碳达峰空间监测"
    assert any("合成示例数据" in w.value for w in at.warning)
    assert at.subheader[0].value == "全市"
    assert at.query_params["page"] == ["map"] or at.query_params["page"] == "map"
    assert len(at.dataframe) == 1  # the unit's board under the map


def test_language_switch_and_district_select_update_page_and_url() -> None:
    at = _app()
    at.sidebar.radio(key="lang").set_value("en").run()
    _ok(at)
    assert at.title[0].value == "Wuxi Carbon-Peak Atlas"
    at.sidebar.selectbox(key="district").set_value("320206").run()
    _ok(at)
    assert at.subheader[0].value == "Huishan"
    assert _param(at, "district") == "320206" and _param(at, "lang") == "en"


def test_view_is_restored_from_the_url() -> None:
    at = _app(
        lang="en", page="district", district="320211", layers="districts,pv", year="2020", basemap="none"
    )
    _ok(at)
    assert at.session_state["page"] == "district"
    assert at.subheader[0].value == "Binhu"
    assert at.session_state["layers"] == ["districts", "pv"]
    assert at.session_state["year"] == 2020 and at.session_state["basemap"] == "none"


def test_bad_url_values_fall_back() -> None:
    at = _app(lang="fr", page="nope", district="999999", layers="bogus", year="1999", basemap="x")
    _ok(at)
    assert at.session_state["lang"] == "zh" and at.session_state["page"] == "map"
    assert at.session_state["district"] == "320200" and at.session_state["layers"] == []


def test_toggle_a_layer() -> None:
    at = _app()
    at.sidebar.multiselect(key="layers").set_value(["districts", "landcover", "stations"]).run()
    _ok(at)
    assert _param(at, "layers") == "districts,landcover,stations"
    assert at.sidebar.slider(key="opacity_landcover").value == pytest.approx(0.7)


def test_board_page_has_headline_board_chart_and_statistics_upload() -> None:
    at = _app(page="board")
    _ok(at)
    assert len(at.metric) >= 6
    board = at.dataframe[0].value
    assert {"🟢 已达标", "🔴 滞后"} <= set(board["状态"])
    assert board["差距"].str.contains("需增加林木").any()
    uploader = at.file_uploader(key="stats_csv")
    uploader.set_value(("figures.csv", b"id,value,year\nnope,1,2024\n", "text/csv")).run()
    assert any("unknown target id 'nope'" in e.value for e in at.error)


def test_district_page_change_and_fact_sheet(media: type[_RecordingManager]) -> None:
    at = _app(page="district", district="320282")
    _ok(at)
    assert at.subheader[0].value == "宜兴市"
    change = at.dataframe[1].value
    assert len(change) > 0 and "净变化 公顷" in change.columns
    sheet = _download(at, "download_factsheet").decode()
    assert sheet.startswith("<!doctype html>") and "宜兴市" in sheet and "合成示例数据" in sheet
    assert "<script" not in sheet


def test_export_page_downloads(media: type[_RecordingManager]) -> None:
    at = _app(page="export", district="320213")
    _ok(at)
    csv_text = _download(at, "download_csv").decode()
    assert csv_text.startswith("indicator,adcode,district,value")
    with zipfile.ZipFile(io.BytesIO(_download(at, "download_zip"))) as archive:
        assert "indicators.metadata.json" in archive.namelist()
        assert json.loads(archive.read("indicators.metadata.json"))["synthetic"] is True
    layer = json.loads(_download(at, "download_layer"))
    assert layer["type"] == "FeatureCollection" and layer["adcode"] == "320213"
    page = _download(at, "download_map").decode()
    assert "leaflet" in page.lower() and "cdn.jsdelivr" not in page


def test_methods_page_lists_definitions_and_clauses() -> None:
    at = _app(page="methods", lang="en")
    _ok(at)
    assert len(at.expander) >= 9
    text = " ".join(m.value for m in at.markdown)
    assert "二(七)3" in text and "Class mapping" in text


def _param(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value
