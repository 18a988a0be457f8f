"""The Streamlit app driven headless by AppTest, on the shipped (synthetic) demo data: every page renders,
the view round-trips through the URL, language and district switch, layers toggle, uploads are judged,
and the download buttons hand out the right content.

The first run computes every indicator (several seconds); later runs hit the cache, which Streamlit keeps
per process, so the module stays well under a minute.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from wuxi_atlas.app import progressive

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")
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
    at.run()
    # A cold map page shows before its board and overlays (app.progressive): run it again once they are.
    progressive.settle()
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
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    _ok(at)
    assert at.title[0].value == "Wuxi Carbon-Peak Atlas"
    # The widgets whose options are words are new widgets in the new language (their key carries it),
    # so the browser cannot keep showing the Chinese option; the view stays under "district".
    district = at.sidebar.selectbox(key="district__en")
    assert district.options[0] == "Whole city" and district.value == "320200"
    assert at.sidebar.radio(key="page__en").options[0] == "Map"
    district.set_value("320206").run()
    _ok(at)
    assert at.subheader[0].value == "Huishan" and at.session_state["district"] == "320206"
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
    at.sidebar.multiselect(key="layers__zh").set_value(["districts", "landcover", "stations"]).run()
    _ok(at)
    assert _param(at, "layers") == "districts,landcover,stations"
    assert at.sidebar.slider(key="opacity_landcover").value == pytest.approx(0.7)


def test_board_page_has_headline_board_chart_and_statistics_upload() -> None:
    at = _app(page="board")
    _ok(at)
    assert len(at.metric) >= 6
    board = at.dataframe[0].value
    assert {"已达标", "滞后"} <= set(board["状态"])
    assert board["差距"].str.contains("需增加林木").any()
    uploader = at.file_uploader(key="stats_csv")
    uploader.set_value(("figures.csv", b"id,value,year\nnope,1,2024\n", "text/csv")).run()
    assert any("统计数值文件有问题" in e.value and "unknown target id 'nope'" in e.value for e in at.error)


def test_district_page_change_and_fact_sheet(media: type[_RecordingManager]) -> None:
    at = _app(page="district", district="320282")
    _ok(at)
    assert at.subheader[0].value == "宜兴市"
    change = at.dataframe[1].value
    assert len(change) > 0 and "净变化 公顷" in change.columns
    sheet = _download(at, "download_factsheet").decode()
    assert sheet.startswith("<!doctype html>") and "宜兴市" in sheet and "合成示例数据" in sheet
    assert "<script" not in sheet
    assert "class='district-map'" in sheet and "数据来源与年份" in sheet and "全市目标" in sheet


def test_district_page_pdf_without_chromium_says_how_to_install(
    media: type[_RecordingManager], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOPLAN_CHROMIUM", "/nonexistent/chromium")
    at = _app(page="district", district="320211")
    at.button(key="make_factsheet_pdf").click().run()
    assert not at.exception
    assert any("apt-get install chromium" in e.value for e in at.error)


@pytest.mark.browser
def test_district_page_makes_the_pdf(media: type[_RecordingManager]) -> None:
    at = _app(page="district", district="320211")
    at.button(key="make_factsheet_pdf").click().run()
    _ok(at)
    assert _download(at, "download_factsheet_pdf").startswith(b"%PDF-")


def test_export_page_downloads(media: type[_RecordingManager]) -> None:
    at = _app(page="export", district="320213")
    _ok(at)
    csv_bytes = _download(at, "download_csv")
    assert csv_bytes.startswith(b"\xef\xbb\xbfindicator,adcode,district,value")  # UTF-8 BOM for Excel
    csv_rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert csv_rows and {row["adcode"] for row in csv_rows} == {"320213"}  # the district in scope only
    book = openpyxl.load_workbook(io.BytesIO(_download(at, "download_xlsx")))
    assert book.sheetnames == ["说明", "指标看板"] and "合成示例数据" in book["说明"]["A1"].value
    board_rows = list(book["指标看板"].iter_rows(values_only=True))
    assert board_rows[0][:2] == ("指标", "区县") and len(board_rows) == len(csv_rows) + 1
    assert {row[2] for row in board_rows[1:]} == {"320213"} and "滞后" in {row[7] for row in board_rows}
    with zipfile.ZipFile(io.BytesIO(_download(at, "download_zip"))) as archive:
        assert "indicators.metadata.json" in archive.namelist()
        assert json.loads(archive.read("indicators.metadata.json"))["synthetic"] is True
    layer = json.loads(_download(at, "download_layer"))
    assert layer["type"] == "FeatureCollection" and layer["adcode"] == "320213"
    assert [f["properties"]["adcode"] for f in layer["features"]] == ["320213"]  # districts: that one only
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


# --- the Data page: uploads, preview, catalog ---------------------------------------------------------

# Three stations around Wuxi in GCJ-02 (Amap) lon/lat, 800 piles in all: far from the demo's count.
STATIONS_GCJ02 = (
    "name,type,piles,access,lon,lat\n"
    "<script>alert(1)</script>,charging,500,public,120.3100,31.4900\n"
    "惠山站,charging,300,public,120.2900,31.5700\n"
    "滨湖换电站,swap,0,public,120.2700,31.5200\n"
).encode()


@pytest.fixture(autouse=True)
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every app test gets its own empty layer catalog, never the user's."""
    folder = tmp_path / "catalog"
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(folder))
    return folder


def _city_figure(at: AppTest, column: str, indicator: str = "充电桩数量") -> str:
    frame = next(df.value for df in at.dataframe if column in df.value.columns)
    return str(frame.loc[frame["指标"] == indicator, column].iloc[0])


def _upload(at: AppTest, kind: str, name: str, content: bytes, *, datum: str | None = None) -> AppTest:
    at.selectbox(key="upload_kind").set_value(kind).run()
    if datum is not None:
        at.selectbox(key="upload_datum").set_value(datum).run()
    return at.file_uploader(key=f"upload_{kind}").set_value((name, content, "text/csv")).run()


def test_upload_previews_in_session_then_saves_to_the_catalog(catalog: Path) -> None:
    from wuxi_atlas.layers.catalog import Catalog

    # A data steward, signed in through single sign-on (tests/app/test_data_access.py: who may do what).
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["page"] = "data"
    at.user = {"is_logged_in": True, "email": "wang@wuxi.gov.cn"}
    at.secrets["roles"] = {"users": {"wang@wuxi.gov.cn": "data_steward"}}
    at = _upload(at.run(), "stations", "my stations.csv", STATIONS_GCJ02, datum="gcj02")
    _ok(at)
    assert set(at.session_state["_staged_layers"]) == {"stations"}
    report = " ".join(t.value for t in at.text)
    assert "converted coordinates from GCJ-02 to WGS84" in report and "要素数: 3" in report
    current, preview = _city_figure(at, "当前(共享)"), _city_figure(at, "预览(本会话)")
    assert preview.startswith("800") and current != preview
    assert any("未保存的图层" in i.value for i in at.info)
    assert not any("<script" in m.value for m in [*at.markdown, *at.error, *at.warning, *at.success])
    assert Catalog(catalog).list() == []  # staging leaves the catalog alone

    # Saving needs a note (why) and the confirmation, after the review of what changes.
    assert at.button(key="save_stations").disabled
    at.text_input(key="save_note_stations").input("the 2025 station survey").run()
    assert at.button(key="save_stations").disabled
    at.checkbox(key="save_confirm_stations").check().run()
    at.button(key="save_stations").click().run()
    _ok(at)
    entries = Catalog(catalog).list()
    assert [(e.kind, e.version, e.synthetic) for e in entries] == [("stations", 1, False)]
    assert any("第 1 版" in s.value for s in at.success)
    assert at.session_state["_staged_layers"] == {}
    assert len(at.get("expander")) >= 2  # the method expander and the stations history
    # Everyone now gets the catalog's stations; the other layers are still the synthetic demo.
    other = _app(page="board")
    _ok(other)
    board = other.dataframe[0].value
    piles = board.loc[(board["指标"] == "充电桩数量") & (board["区县"] == "全市"), "现值"]
    assert piles.iloc[0].startswith("800")
    assert any("合成示例数据" in w.value for w in other.warning)

    at.text_input(key="catalog_note_stations").input("back to the demo").run()
    at.checkbox(key="confirm_stations").check().run()
    at.button(key="remove_stations").click().run()
    _ok(at)
    assert Catalog(catalog).list() == []  # removed, and kept: restorable
    assert [(e.version, e.removed) for e in Catalog(catalog).history("stations")] == [(1, True)]


def test_hostile_upload_is_refused_with_a_message(catalog: Path) -> None:
    bad = b"name,type,piles,lon,lat\n<b>x</b>,charging,3,abc,31.5\n"
    at = _upload(_app(page="data"), "stations", "<script>.csv", bad)
    assert not at.exception
    assert len(at.error) == 1 and "holds text instead of decimal degrees" in at.error[0].value
    assert "<script" not in at.error[0].value and "<b>" not in at.error[0].value
    assert at.session_state["_staged_layers"] == {}
    assert not catalog.exists() or not (catalog / "manifest.json").exists()


def test_stage_upload_checks_size_suffix_and_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wuxi_atlas.analysis.errors import AtlasError
    from wuxi_atlas.layers.catalog import Catalog
    from wuxi_atlas.layers.uploads import UploadOptions, stage_upload

    store = Catalog(tmp_path / "catalog")
    staged = stage_upload(
        "stations",
        "../../escape me.csv",
        STATIONS_GCJ02,
        UploadOptions(lonlat_crs="gcj02"),
        folder=tmp_path / "session",
        catalog=store,
    )
    assert staged.path.is_relative_to(tmp_path / "session") and staged.path.name == "escape_me.csv"
    assert staged.feature_count == 3 and not staged.synthetic
    with pytest.raises(AtlasError, match="cannot be uploaded as a stations layer"):
        stage_upload("stations", "stations.exe", STATIONS_GCJ02, folder=tmp_path / "session", catalog=store)
    monkeypatch.setenv("GEOPLAN_MAX_UPLOAD_MB", "0.0001")
    with pytest.raises(AtlasError, match="too large"):
        stage_upload("stations", "stations.csv", STATIONS_GCJ02, folder=tmp_path / "session", catalog=store)
    assert not store.root.exists()


def test_method_controls_feed_the_indicators_and_the_url() -> None:
    at = _app(page="board")
    before = at.dataframe[0].value
    at.sidebar.number_input(key="m_radius").set_value(3000.0).run()
    _ok(at)
    assert _param(at, "radius") == "3000"
    after = at.dataframe[0].value
    coverage = (before["指标"] == "充电服务覆盖率") & (before["区县"] == "全市")
    assert before.loc[coverage, "现值"].iloc[0] != after.loc[coverage, "现值"].iloc[0]


def test_map_component_survives_st_cache_data() -> None:
    """``st.cache_data`` pickles the map component, so its class must be importable: defined in the script
    (``__main__``), sessions starting together on a fresh server crashed with ``PicklingError: Can't pickle
    <class '__main__.MapComponent'>`` (issue #12)."""
    import pickle

    import streamlit as st

    from wuxi_atlas.app.map_component import MapComponent

    component = MapComponent(
        script="var map_div = L.map('map_div');",
        header="<style></style>",
        html='<div id="map_div"></div>',
        map_id="map_div",
        bounds={"_southWest": {"lat": 31.1, "lng": 119.5}, "_northEast": {"lat": 32.0, "lng": 120.6}},
        zoom=9,
        css_links=("leaflet.css",),
        js_links=("leaflet.js",),
    )
    assert MapComponent.__module__ == "wuxi_atlas.app.map_component"
    assert pickle.loads(pickle.dumps(component)) == component

    @st.cache_data(show_spinner=False)
    def cached(zoom: int) -> MapComponent:
        return component

    assert cached(9) == component and cached(9) == component  # stored pickled, then read back
