"""The app shows the same messages as the CLI, which name the CLI's options; it says which control of the
Data page does the same, and has a control for each (--map and --layer included)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from wuxi_atlas.app.widgets import option_hints
from wuxi_atlas.layers.uploads import UploadOptions, parse_column_map, stage_upload

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")

# A station table whose type and pile columns no alias catches.
ODD_COLUMNS = (
    "lon,lat,站种,充电枪,开放类型\n120.30,31.57,充电站,6,公共\n120.31,31.58,换电站,0,公用\n".encode()
)


@pytest.fixture(autouse=True)
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "catalog"
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(folder))
    return folder


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_option_a_message_names_gets_its_control(lang: str):
    message = "x.csv: … map them: --map '<your column>=piles'; give --encoding gbk"
    hints = option_hints(message, lang)
    assert [hint.split(" ")[0].split("(")[0] for hint in hints] == ["--map", "--encoding"]
    label = "列映射" if lang == "zh" else "Column mapping"
    assert label in hints[0]
    assert option_hints("nothing to do here", lang) == []
    assert len(option_hints("--lonlat-crs --layer --scheme", lang)) == 3


def test_column_mapping_text_is_parsed_like_repeated_map_options():
    assert parse_column_map("站种=type\n充电枪=piles；a=b=access") == (
        ("站种", "type"),
        ("充电枪", "piles"),
        ("a=b", "access"),
    )
    with pytest.raises(Exception, match=r"'piles' is not FILE_COL=FIELD"):
        parse_column_map("piles")


def test_stage_upload_passes_the_column_map(tmp_path: Path):
    options = UploadOptions(column_map=(("站种", "type"), ("充电枪", "piles")))
    staged = stage_upload("stations", "odd.csv", ODD_COLUMNS, options, folder=tmp_path / "session")
    assert staged.source.frame["type"].tolist() == ["charging", "swap"]
    assert staged.source.frame["piles"].tolist() == [6, 0]


def test_the_data_page_shows_the_hint_then_takes_the_mapping() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["page"] = "data"
    at.run()
    at.selectbox(key="upload_kind").set_value("stations").run()
    at.file_uploader(key="upload_stations").set_value(("odd.csv", ODD_COLUMNS, "text/csv")).run()
    assert at.error  # the message (markdown-escaped on the page) is the CLI's, naming --map …
    assert "--map '<your column>=type'" in at.session_state["_upload_errors"]["stations"]
    assert any("列映射" in c.value for c in at.caption)
    at.text_area(key="upload_column_map").set_value("站种=type\n充电枪=piles").run()
    assert not at.exception
    assert set(at.session_state["_staged_layers"]) == {"stations"}
