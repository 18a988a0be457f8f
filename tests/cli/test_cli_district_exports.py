"""``geoplan export --district`` and ``geoplan indicators --district/--format csv|xlsx``: district-only
files, a CSV file for Excel (UTF-8 BOM) but a BOM-free stdout, and a board workbook that opens."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from click.testing import CliRunner

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.cli import geoplan

BINHU = "320211"


def _run(*args: str) -> str:
    done = CliRunner().invoke(geoplan, list(args), catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return done.stdout


@pytest.mark.parametrize("kind", ["districts", "stations", "wetlands"])
def test_export_holds_only_the_district(tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.geojson"
    _run("export", kind, "--district", "滨湖", "-o", str(out))
    collection = json.loads(out.read_text(encoding="utf-8"))
    frame = gpd.GeoDataFrame.from_features(collection["features"], crs="EPSG:4326").to_crs("EPSG:4549")
    boundaries = load_boundaries().to_crs("EPSG:4549")
    binhu = boundaries[boundaries["adcode"] == BINHU].geometry.iloc[0]
    assert len(frame) > 0
    if kind == "districts":
        assert list(frame["adcode"]) == [BINHU]
    # every feature lies in the district (1 m for the round trip through EPSG:4326)
    assert frame.geometry.within(binhu.buffer(1.0)).all()


def test_indicators_csv_file_has_bom_and_only_the_district(tmp_path: Path) -> None:
    out = tmp_path / "binhu.csv"
    _run(
        "indicators",
        "--indicator",
        "forest_coverage",
        "--district",
        "Binhu",
        "--format",
        "csv",
        "-o",
        str(out),
    )
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfindicator,adcode,")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows and {row["adcode"] for row in rows} == {BINHU}
    stdout = _run("indicators", "--indicator", "forest_coverage", "--format", "csv")
    assert stdout.startswith("indicator,adcode,")  # no BOM in a pipe
    assert len({row["adcode"] for row in csv.DictReader(io.StringIO(stdout))}) == 8  # city scope: every unit


def test_indicators_xlsx_opens_with_the_board(tmp_path: Path) -> None:
    out = tmp_path / "board.xlsx"
    _run("indicators", "--indicator", "forest_coverage", "--format", "xlsx", "-o", str(out))
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["说明", "指标看板"]
    assert "合成示例数据" in book["说明"]["A1"].value
    rows = list(book["指标看板"].iter_rows(values_only=True))
    assert rows[0][0] == "指标" and len(rows) == 1 + 8
    assert {row[0] for row in rows[1:]} == {"林木覆盖率"} and {row[7] for row in rows[1:]} <= {
        "已达标", "进度正常", "滞后", "无目标", "无法计算",
    }  # fmt: skip
    done = CliRunner().invoke(geoplan, ["indicators", "--indicator", "forest_coverage", "--format", "xlsx"])
    assert done.exit_code == 2 and "-o FILE" in done.output
