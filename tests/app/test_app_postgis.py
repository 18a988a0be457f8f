"""The app on a shared PostGIS catalog ($GEOPLAN_CATALOG_URL, a throwaway cluster: tests/postgis_server.py):
a data steward's save on the Data page lands in the database with its note, and every session's board
then reads the catalog's layer from there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from wuxi_atlas.app import progressive

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")

# Three stations around Wuxi in GCJ-02 (Amap) lon/lat, 800 piles in all: far from the demo's count.
STATIONS_GCJ02 = (
    "name,type,piles,access,lon,lat\n"
    "锡山站,charging,500,public,120.3100,31.4900\n"
    "惠山站,charging,300,public,120.2900,31.5700\n"
    "滨湖换电站,swap,0,public,120.2700,31.5200\n"
).encode()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_a_save_on_the_data_page_lands_in_postgis_and_feeds_every_board(
    postgis_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wuxi_atlas.layers.catalog.postgis import PostgisCatalog

    url = f"{postgis_server.new_database()}?rasters={tmp_path / 'rasters'}"
    monkeypatch.setenv("GEOPLAN_CATALOG_URL", url)
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(tmp_path / "unused-folder"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["page"] = "data"
    at.user = {"is_logged_in": True, "email": "wang@wuxi.gov.cn"}
    at.secrets["roles"] = {"users": {"wang@wuxi.gov.cn": "data_steward"}}
    at = at.run()
    at.selectbox(key="upload_kind").set_value("stations").run()
    at.selectbox(key="upload_datum").set_value("gcj02").run()
    at.file_uploader(key="upload_stations").set_value(("survey.csv", STATIONS_GCJ02, "text/csv")).run()
    _ok(at)
    assert PostgisCatalog(url).list() == []  # staging leaves the catalog alone
    at.text_input(key="save_note_stations").input("the 2025 station survey").run()
    at.checkbox(key="save_confirm_stations").check().run()
    at.button(key="save_stations").click().run()
    _ok(at)

    catalog = PostgisCatalog(url)
    [entry] = catalog.list()
    assert (entry.kind, entry.version, entry.original_name, entry.note) == (
        "stations",
        1,
        "survey.csv",
        "the 2025 station survey",
    )
    [event] = catalog.trail("stations")
    assert (event.action, event.user, event.role) == ("commit", "sso:wang@wuxi.gov.cn", "data_steward")
    assert not (tmp_path / "unused-folder").exists()  # the folder catalog was never touched

    board = AppTest.from_file(APP, default_timeout=120)
    board.query_params["page"] = "board"
    board.run()
    progressive.settle()
    board.run()
    _ok(board)
    frame = board.dataframe[0].value
    piles = frame.loc[(frame["指标"] == "充电桩数量") & (frame["区县"] == "全市"), "现值"]
    assert piles.iloc[0].startswith("800")
