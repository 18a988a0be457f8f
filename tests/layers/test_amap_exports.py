"""An Amap (高德) POI export read as it comes: 名称, 经度, 纬度, 类型 / typecode, 地址 in GCJ-02, UTF-8
with or without a BOM, or GBK; recognised by its columns, its datum GCJ-02 unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from wuxi_atlas.analysis.coords import wgs84_to_gcj02
from wuxi_atlas.cli import geoplan
from wuxi_atlas.layers.amap import recognise_amap
from wuxi_atlas.layers.read import read_vector

# WGS84 positions in Wuxi, written into the files as Amap would: shifted to GCJ-02.
_WGS84 = np.array([[120.3012, 31.5701], [120.4001, 31.5012], [120.2500, 31.6000], [120.3500, 31.5500]])
_GCJ_LON, _GCJ_LAT = (np.asarray(a, dtype=float) for a in wgs84_to_gcj02(_WGS84[:, 0], _WGS84[:, 1]))

_ROWS = [
    ("万达广场充电站", "汽车服务;充电站;充电站", "011100", "梁溪区清扬路"),
    ("新吴换电站", "汽车服务;充电站;换电站", "", "新吴区长江路"),
    ("公交专用充电站", "汽车服务;充电站;专用充电站", "", "惠山区"),
    ("滨湖加氢站", "汽车服务;加氢站;加氢站", "", "滨湖区"),
]


def _export_text() -> str:
    lines = ["名称,经度,纬度,类型,typecode,地址"]
    for (name, kind, code, address), lon, lat in zip(_ROWS, _GCJ_LON, _GCJ_LAT, strict=True):
        lines.append(f"{name},{lon:.7f},{lat:.7f},{kind},{code},{address}")
    return "\n".join(lines) + "\n"


@pytest.fixture(params=["gbk", "utf-8-sig", "utf-8"])
def amap_csv(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / f"高德充电站_{request.param}.csv"
    path.write_bytes(_export_text().encode(request.param))
    return path


def _table(path: Path, header: str, row: str, encoding: str) -> Path:
    """A table of the four stations at their GCJ-02 positions, one ``row.format(i, lon, lat, piles)`` each
    (piles = i + 2)."""
    rows = [
        row.format(i=i, lon=lon, lat=lat, piles=i + 2)
        for i, (lon, lat) in enumerate(zip(_GCJ_LON, _GCJ_LAT, strict=True))
    ]
    path.write_bytes("\n".join([header, *rows, ""]).encode(encoding))
    return path


def _metres(lon_a: np.ndarray, lat_a: np.ndarray, lon_b: np.ndarray, lat_b: np.ndarray) -> np.ndarray:
    """Great-circle distance (m) on a 6,371 km sphere: enough to tell 1 m from 500 m."""
    lon_a, lat_a, lon_b, lat_b = map(np.radians, (lon_a, lat_a, lon_b, lat_b))
    h = np.sin((lat_b - lat_a) / 2) ** 2 + np.cos(lat_a) * np.cos(lat_b) * np.sin((lon_b - lon_a) / 2) ** 2
    return 2 * 6_371_000 * np.arcsin(np.sqrt(h))


def test_an_amap_export_is_read_as_it_comes(amap_csv: Path):
    source = read_vector("stations", amap_csv)
    frame = source.frame
    assert frame["name"].tolist() == [row[0] for row in _ROWS]
    assert frame["type"].tolist() == ["charging", "swap", "charging", "hydrogen"]
    assert frame["access"].tolist() == ["public", "public", "dedicated", "public"]
    assert frame["piles"].isna().all()
    # GCJ-02 by default: the points land back on their WGS84 positions, not ~500 m off.
    error = _metres(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), _WGS84[:, 0], _WGS84[:, 1])
    assert error.max() < 0.5
    notes = "\n".join(source.notes)
    assert "Amap (高德) POI export" in notes and "GCJ-02" in notes and "--lonlat-crs" in notes
    assert "no pile counts" in notes and "--map '<column>=piles'" in notes
    assert "taken as public" in notes


def test_the_datum_can_be_overridden(amap_csv: Path):
    source = read_vector("stations", amap_csv, lonlat_crs="wgs84")
    assert source.frame.geometry.x.tolist() == pytest.approx(_GCJ_LON.tolist(), abs=1e-7)
    assert any("WGS84 as told" in note for note in source.notes)


def test_a_typecode_only_export_is_recognised_and_typed(tmp_path: Path):
    # An API dump saved from Excel: English column names, "location" as "lon,lat", and the typecode's
    # leading zero lost.
    row = 'A{i},"{lon:.7f},{lat:.7f}",11100,地址'
    path = _table(tmp_path / "pois.csv", "name,location,typecode,address", row, "utf-8")
    source = read_vector("stations", path)
    assert source.frame["type"].tolist() == ["charging"] * 4
    assert source.frame.geometry.x.to_numpy() == pytest.approx(_WGS84[:, 0], abs=1e-5)
    assert any("'location'" in note for note in source.notes)


def test_columns_the_file_has_are_kept(tmp_path: Path):
    row = "S{i},{lon:.7f},{lat:.7f},汽车服务;充电站;充电站,{piles},私人"
    path = _table(tmp_path / "with_piles.csv", "名称,经度,纬度,类型,桩数,开放类型", row, "gbk")
    frame = read_vector("stations", path).frame
    assert frame["type"].tolist() == ["charging"] * 4
    assert frame["piles"].tolist() == [2, 3, 4, 5]
    assert frame["access"].tolist() == ["private"] * 4


@pytest.mark.parametrize(
    ("columns", "amap"),
    [
        ({"类型": ["汽车服务;充电站;充电站"], "typecode": ["011100"]}, True),
        ({"typecode": ["011100|011102"]}, True),
        ({"type": ["汽车服务;充电站;充换电站"]}, True),
        # Baidu's two-level tags (BD-09) and an ordinary station table are not Amap's.
        ({"tag": ["美食;中餐厅"], "类型": ["美食;中餐厅"]}, False),
        ({"类型": ["充电站"], "typecode": ["charging"]}, False),
        ({"类型": ["汽车服务;充电站;充电站", "充电站"]}, False),
    ],
)
def test_recognition_rule(columns: dict[str, list[str]], amap: bool):
    assert (recognise_amap(pd.DataFrame(columns)) is not None) is amap


def test_a_plain_station_table_stays_wgs84_with_a_note(tmp_path: Path):
    path = tmp_path / "plain.csv"
    path.write_text("lon,lat,类型,桩数,开放类型\n120.3,31.57,充电站,4,公共\n", encoding="utf-8")
    source = read_vector("stations", path)
    assert source.frame.geometry.x.tolist() == [120.3]
    assert not any("Amap (高德) POI export" in note for note in source.notes)


def test_geoplan_check_reads_a_gbk_amap_export(amap_csv: Path):
    result = CliRunner().invoke(geoplan, ["check", "stations", str(amap_csv)])
    assert result.exit_code == 0, result.output
    assert "usable" in result.output and "GCJ-02" in result.output
