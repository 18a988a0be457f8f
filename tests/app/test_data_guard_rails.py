"""The Data page's guard rails before a save (AppTest, on the shipped demo data): a 5-station file about
to replace the city's 6,147 stations shows what changes, warns that it covers much less of the city, and
cannot be saved without a note and a confirmation (by a data steward, who may replace it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from wuxi_atlas.layers import defaults

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")

# Five charging stations in one corner of Binhu (WGS84 lon/lat), 8 piles each.
FIVE_STATIONS = (
    "name,type,piles,access,lon,lat\n"
    + "".join(f"站{i},charging,8,public,{120.25 + 0.002 * i:.4f},31.5200\n" for i in range(5))
).encode()


@pytest.fixture(autouse=True)
def _empty_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(tmp_path / "catalog"))


def _staged(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"page": "data", "lang": lang})
    at.user = {"is_logged_in": True, "email": "wang@wuxi.gov.cn"}  # a data steward: may replace the city's
    at.secrets["roles"] = {"users": {"wang@wuxi.gov.cn": "data_steward"}}
    at.run()
    at.selectbox(key="upload_kind").set_value("stations").run()
    at.file_uploader(key="upload_stations").set_value(("five.csv", FIVE_STATIONS, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_five_stations_against_the_city_warn_and_show_what_changes() -> None:
    shipped = len(defaults.load_default_vector("stations").frame)
    at = _staged("zh")
    warnings = [w.value for w in at.warning if w.value.startswith("警告")]
    assert len(warnings) == 1
    assert f"5 对 {shipped:,}" in warnings[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["现有要素数"] == f"{shipped:,}" and metrics["保存后要素数"] == "5"
    assert metrics["新增"] == "5" and metrics["移除"] == f"{shipped:,}"
    districts = next(df.value for df in at.dataframe if "保存后要素数" in df.value.columns)
    assert districts["保存后要素数"].sum() == 5 and districts["现有要素数"].sum() <= shipped
    moves = next(df.value for df in at.dataframe if "变化" in df.value.columns)
    city_piles = moves[(moves["指标"] == "充电桩数量") & (moves["区县"] == "全市")]
    assert city_piles["保存后"].iloc[0] == "40"
    assert city_piles["变化"].iloc[0].startswith("-")
    # No save without a note and the confirmation.
    assert at.button(key="save_stations").disabled
    at.checkbox(key="save_confirm_stations").check().run()
    assert at.button(key="save_stations").disabled


def test_the_warning_in_english() -> None:
    at = _staged("en")
    assert any(w.value.startswith("Warning: the new layer covers much less") for w in at.warning)
    assert any(m.label == "Features after saving" and m.value == "5" for m in at.metric)


def _east_half_of_the_demo_land_cover() -> bytes:
    """The shipped 2024 land cover cut to its eastern half (its tags kept: WorldCover codes, 2024)."""
    import rasterio
    from rasterio.io import MemoryFile
    from rasterio.windows import Window

    with rasterio.open(defaults.default_landcover_series()[2024]) as source:
        window = Window(source.width // 2, 0, source.width - source.width // 2, source.height)
        profile = {
            **source.profile,
            "width": int(window.width),
            "height": int(window.height),
            "transform": source.window_transform(window),
            "compress": "deflate",
        }
        with MemoryFile() as memory:
            with memory.open(**profile) as target:
                target.write(source.read(1, window=window), 1)
                target.update_tags(**source.tags())
            return bytes(memory.read())


def test_land_cover_of_half_the_city_warns() -> None:
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update({"page": "data", "lang": "en"})
    at.user = {"is_logged_in": True, "email": "wang@wuxi.gov.cn"}
    at.secrets["roles"] = {"users": {"wang@wuxi.gov.cn": "data_steward"}}
    at.run()
    at.selectbox(key="upload_kind").set_value("landcover").run()
    content = _east_half_of_the_demo_land_cover()
    at.file_uploader(key="upload_landcover").set_value(("east.tif", content, "image/tiff")).run()
    assert not at.exception, [e.value for e in at.exception]
    warning = next(w.value for w in at.warning if w.value.startswith("Warning: the new land cover"))
    assert "Yixing" in warning and "Xinwu" not in warning  # the west loses its data, the east keeps it
    coverage = next(df.value for df in at.dataframe if "Area with data after saving" in df.value.columns)
    after = dict(zip(coverage["District"], coverage["Area with data after saving"], strict=True))
    assert after["Xinwu"] == "100.0%" and float(after["Whole city"].rstrip("%")) < 80
