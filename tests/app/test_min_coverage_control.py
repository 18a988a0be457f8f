"""The app's Method panel sets the coverage a unit needs to be judged, as ``--min-coverage`` does (#11).

The shipped demo raster covers every district on 99.9–100% of its polygon (it stops at the boundary's
pixels), so at the default 99% every unit is judged; asking for 100% leaves the city's 林木覆盖率
``insufficient_data`` (数据不足), with no value, and the choice joins the URL as ``mincov``.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")


def _city_forest(at: AppTest) -> tuple[str, str]:
    board = at.dataframe[0].value
    row = board[(board["指标"] == "林木覆盖率") & (board["区县"] == "全市")].iloc[0]
    return str(row["状态"]), str(row["现值"])


def test_min_coverage_control_feeds_the_board_and_the_url() -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["page"] = "board"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    status, value = _city_forest(at)
    assert "数据不足" not in status and value.endswith("%")
    at.sidebar.number_input(key="m_min_coverage").set_value(100.0).run()
    assert not at.exception, [e.value for e in at.exception]
    status, value = _city_forest(at)
    assert "数据不足" in status and value == "–"
    mincov = at.query_params["mincov"]
    assert (mincov[0] if isinstance(mincov, list) else mincov) == "100"


def test_min_coverage_is_restored_from_the_url() -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["page"] = "board"
    at.query_params["mincov"] = "100"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["m_min_coverage"] == 100.0
    assert "数据不足" in _city_forest(at)[0]
