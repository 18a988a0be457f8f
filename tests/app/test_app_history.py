"""The app's history: a small chart per unit on the board and a large one on the district page (values by
vintage, the line to the targets, the trend and 预警), and the Data page's year for an upload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signed_in import sign_in_as_steward
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")


@pytest.fixture(autouse=True)
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "catalog"
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(folder))
    return folder


def _app(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _charts(at: AppTest) -> dict[str, dict]:
    """The charts with a title, by title, each with its data rows under ``rows``."""
    charts = {}
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if isinstance(spec.get("title"), str):
            rows = [row for data in chart.proto.datasets for row in _rows(data)]
            charts[spec["title"]] = {**spec, "rows": rows}
    return charts


def _rows(data: object) -> list[dict]:
    import pyarrow as pa

    table = pa.ipc.open_stream(data.data.data).read_all()  # type: ignore[attr-defined]
    return table.to_pylist()


def test_the_board_shows_a_small_chart_per_unit_with_its_warning() -> None:
    at = _app(page="board")
    assert at.selectbox(key="trend_indicator").value == "forest_coverage"
    charts = _charts(at)
    # The city and its seven districts; the demo's 林木覆盖率 trend misses 2025 everywhere but in 宜兴.
    assert "全市 · 预警" in charts and "宜兴市" in charts and len(charts) == 8
    city = charts["全市 · 预警"]
    series = {row["series"] for row in city["rows"] if "series" in row}
    assert series == {"国土调查(地类图斑)", "遥感土地覆盖"}
    years = {row["year"] for row in city["rows"] if "series" in row}
    assert {2019, 2021, 2023} <= years
    captions = " ".join(c.value for c in at.caption)
    assert "国土调查(地类图斑): 预警:按当前趋势 2027.9 年才达到 27.80% (2025)" in captions
    at.selectbox(key="trend_indicator").set_value("hydrogen_stations").run()
    assert not at.exception
    assert "全市" in _charts(at)  # 2, 3, 4 stations reach 5 in 2025.0: on time, no 预警 in the title
    assert "按当前趋势 2025.0 年达到 5 座 (2025),可按期完成" in " ".join(c.value for c in at.caption)


def test_the_district_page_shows_its_chart_large_with_the_vintages_used() -> None:
    at = _app(page="district", district="320211", lang="en")
    charts = _charts(at)
    assert "Binhu · early warning" in charts
    assert charts["Binhu · early warning"]["height"] == 380
    table = next(df.value for df in at.dataframe if "Vintages used" in df.value.columns)
    assert list(table["Year"]) == [2019, 2020, 2021, 2023, 2024]
    assert any("land survey (DLTB): Early warning" in m.value for m in at.markdown)


STATIONS = "name,type,piles,access,lon,lat\n站一,charging,500,public,120.3100,31.4900\n".encode()


def test_the_data_page_asks_for_the_year_and_the_catalog_keeps_it(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wuxi_atlas.layers.catalog import Catalog

    at = _app(page="data")
    sign_in_as_steward(at, catalog.parent, monkeypatch)  # the save form is offered to who may save
    at.selectbox(key="upload_kind").set_value("stations").run()
    at.number_input(key="upload_year").set_value(2023).run()
    at.file_uploader(key="upload_stations").set_value(("s.csv", STATIONS, "text/csv")).run()
    assert not at.exception
    assert any(c.value.startswith("数据年份:2023") for c in at.caption)
    assert not any("vintage is unknown" in t.value for t in at.text)  # the year was given
    at.text_input(key="save_note_stations").input("the 2023 count").run()  # a save needs why,
    at.checkbox(key="save_confirm_stations").check().run()  # and a confirmation
    at.button(key="save_stations").click().run()
    [entry] = Catalog(catalog).list()
    assert (entry.year, entry.year_source) == (2023, "--year")
    frame = next(df.value for df in at.dataframe if "数据年份" in df.value.columns)
    assert list(frame["数据年份"]) == ["2023"]
