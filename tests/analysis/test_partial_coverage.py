"""Partial coverage is normal: a unit the raster covers too little of is ``insufficient_data`` (issue #11).

Two 1 km² districts side by side (EPSG:4549) under a 100 m raster that covers all of A and the west half
of B: A is measured (its share of valid data is 1), B has valid data on half its area, the city on three
quarters. Every number here can be checked by counting pixels. The shipped raster warped to EPSG:4326 and
cut at 120°E is the same case at Wuxi's scale; an all-tree tile over 宜兴 reproduces the 101.88% of the
issue, which the same-ground rule turns into 100%.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.transform import from_origin
from rasterio.warp import Resampling, reproject
from shapely.geometry import box

from wuxi_atlas.analysis.board import board_rows
from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.forest import forest_coverage
from wuxi_atlas.analysis.green import builtup_green_coverage
from wuxi_atlas.analysis.indicators import IndicatorInputs, IndicatorOptions, compute_indicators
from wuxi_atlas.analysis.paths import shipped_data_dir
from wuxi_atlas.analysis.report import results_metadata, results_to_csv, results_to_geojson, results_to_json
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.analysis.study_area import StudyArea
from wuxi_atlas.analysis.targets import load_targets
from wuxi_atlas.analysis.wetland import wetland_protection_rate
from wuxi_atlas.maps.factsheet import fact_sheet_html
from wuxi_atlas.maps.text import format_gap, status_text

X0, Y0 = 528_000.0, 3_490_000.0  # EPSG:4549, about 120.29°E 31.53°N
CITY, A, B = "320200", "320291", "320292"
METRIC = "EPSG:4549"


@pytest.fixture
def boundaries() -> gpd.GeoDataFrame:
    a = box(X0, Y0, X0 + 1000, Y0 + 1000)
    b = box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)
    rows = [
        {"adcode": CITY, "name_zh": "测试市", "name_en": "Test", "kind": "city", "geometry": a.union(b)},
        {"adcode": A, "name_zh": "甲区", "name_en": "A", "kind": "district", "geometry": a},
        {"adcode": B, "name_zh": "乙区", "name_en": "B", "kind": "district", "geometry": b},
    ]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)
    frame["official_area_km2"] = [2.0, 1.0, 1.0]
    frame["polygon_area_km2"] = frame.area / 1e6
    return frame.to_crs("EPSG:4326")


@pytest.fixture
def study_area(boundaries) -> StudyArea:
    return StudyArea.from_boundaries(boundaries)


def _raster(
    path: Path, codes: np.ndarray, transform: Affine | None = None, crs: str = METRIC
) -> RasterSource:
    """``codes`` on 100 m pixels from the districts' north-west corner (or on ``transform``); 0 is nodata."""
    profile = {
        "driver": "GTiff",
        "width": codes.shape[1],
        "height": codes.shape[0],
        "count": 1,
        "dtype": "uint8",
        "crs": crs,
        "transform": transform or from_origin(X0, Y0 + 1000, 100, 100),
        "nodata": 0,
    }
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(codes, 1)
    return RasterSource(path=path, scheme="worldcover", year=2024, source=path.name, synthetic=False)


@pytest.fixture
def half_of_b(tmp_path) -> RasterSource:
    """A: 40 tree pixels of 100 (the rest crop); B: only its west half is on the raster, 25 tree pixels."""
    codes = np.full((10, 15), 40, dtype=np.uint8)
    codes[:4, :10] = 10  # A: rows 0-3 tree, 40 pixels
    codes[:5, 10:15] = 10  # B's west half: 25 tree pixels of 50
    return _raster(tmp_path / "half_of_b.tif", codes)


def _by_unit(results):
    return {r.adcode: r for r in results}


def test_a_unit_covered_in_part_is_insufficient_data_with_its_share(half_of_b, study_area):
    results = _by_unit(forest_coverage(half_of_b, study_area, load_targets()))
    assert results[A].status in ("met", "behind") and results[A].value == pytest.approx(40.0)
    assert results[A].valid_share == pytest.approx(1.0)
    for unit, share in ((B, 0.5), (CITY, 0.75)):
        result = results[unit]
        assert result.status == "insufficient_data", unit
        assert result.value is None and result.numerator is None  # never a value judged against the target
        assert result.valid_share == pytest.approx(share)
        assert result.target == pytest.approx(27.8)  # the target it would be judged against
        assert f"{100 * share:.1f}%" in (result.reason or "")


def test_the_threshold_is_a_setting(half_of_b, study_area):
    results = _by_unit(forest_coverage(half_of_b, study_area, min_valid_share=0.5))
    assert results[B].value == pytest.approx(50.0)  # 25 tree pixels of B's 50 with data
    assert results[CITY].value == pytest.approx(100 * 65 / 150)
    options = IndicatorOptions(min_valid_share=0.8)
    inputs = IndicatorInputs(boundaries=study_area.boundaries, landcover=half_of_b)
    found = _by_unit(compute_indicators(inputs, options=options, only=["forest_coverage"]))
    assert (found[A].status != "insufficient_data", found[B].status, found[CITY].status) == (
        True,
        "insufficient_data",
        "insufficient_data",
    )


def test_a_district_off_the_raster_is_insufficient_not_zero_and_not_a_crash(tmp_path, study_area):
    only_a = _raster(tmp_path / "only_a.tif", np.full((10, 10), 10, dtype=np.uint8))
    for denominator in ("official", "polygon", "land"):  # polygon and land divided by zero
        results = _by_unit(forest_coverage(only_a, study_area, load_targets(), denominator=denominator))
        assert results[A].value == pytest.approx(100.0)
        assert results[B].status == "insufficient_data" and results[B].valid_share == 0.0  # was 0.00%, behind
        assert results[CITY].status == "insufficient_data"
    # A built-up area in B, where the raster has no pixel: was a ZeroDivisionError in analysis/green.py.
    builtup = VectorSource(
        "builtup",
        gpd.GeoDataFrame(geometry=[box(X0 + 1200, Y0, X0 + 1800, Y0 + 600)], crs=METRIC).to_crs("EPSG:4326"),
        "test built-up",
        "2024",
        False,
    )
    green = _by_unit(builtup_green_coverage(only_a, builtup, study_area, load_targets()))
    assert green[B].status == "insufficient_data" and green[B].valid_share == 0.0
    assert green[A].status == "not_computable"  # no built-up area there at all
    protected = VectorSource(
        "protected",
        gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 2000, Y0 + 500)], crs=METRIC).to_crs("EPSG:4326"),
        "test protected",
        "2024",
        False,
    )
    wetland = _by_unit(wetland_protection_rate(study_area, protected, landcover=only_a))
    assert wetland[B].status == "insufficient_data" and wetland[CITY].status == "insufficient_data"


def test_exports_board_and_fact_sheet_show_the_status_in_both_languages(half_of_b, study_area, boundaries):
    results = forest_coverage(half_of_b, study_area, load_targets())
    records = {r["adcode"]: r for r in json.loads(results_to_json(results))}
    assert records[B]["status"] == "insufficient_data" and records[B]["valid_share"] == pytest.approx(0.5)
    assert records[B]["value"] is None
    csv_lines = results_to_csv(results).splitlines()
    header = csv_lines[0].split(",")
    row_b = next(line for line in csv_lines if f",{B}," in line)
    assert "valid_share" in header and "insufficient_data" in row_b
    features = {
        f["properties"]["district"]: f["properties"]
        for f in json.loads(results_to_geojson(results, boundaries))["features"]
    }
    assert features["乙区"]["forest_coverage_status"] == "insufficient_data"
    assert features["乙区"]["forest_coverage_valid_share"] == pytest.approx(0.5)
    assert results_metadata(results)["indicators"]["forest_coverage"]["insufficient_data"][
        B
    ] == pytest.approx(0.5)
    row = next(r for r in board_rows(results) if r.adcode == B)
    assert (row.status, row.gap, row.progress) == ("insufficient_data", None, None)
    assert row.valid_share == pytest.approx(0.5)
    assert status_text("insufficient_data", "zh") == "数据不足"
    assert status_text("insufficient_data", "en") == "insufficient data"
    assert format_gap(row, "zh") == "有效数据仅覆盖该单元面积的 50.0%,至少需 99% 才能评判"
    assert (
        format_gap(row, "en")
        == "valid data cover 50.0% of the unit's area; at least 99% are needed to judge it"
    )
    for lang, word in (("zh", "数据不足"), ("en", "insufficient data")):
        sheet = fact_sheet_html("乙区", [row], lang=lang)
        assert word in sheet and "50.0%" in sheet


def test_cli_min_coverage_sets_the_threshold(half_of_b, boundaries, tmp_path):
    districts = tmp_path / "districts.geojson"
    districts.write_text(boundaries.to_json(), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "wuxi_atlas.cli",
        "indicators",
        "--landcover",
        str(half_of_b.path),
        "--districts",
    ]
    command += [str(districts), "--indicator", "forest_coverage", "-f", "json"]
    statuses = {}
    for percent in ("99", "50"):
        run = subprocess.run(
            [*command, "--min-coverage", percent], capture_output=True, text=True, timeout=300
        )
        assert run.returncode == 0, run.stderr
        statuses[percent] = {r["adcode"]: r["status"] for r in json.loads(run.stdout)}
    assert statuses["99"][B] == "insufficient_data" and statuses["50"][B] != "insufficient_data"


# --- at Wuxi's scale ---------------------------------------------------------------------------------

RES = 1 / 1200
WEST, NORTH = 119.45, 32.05


def _lonlat_tile(path: Path, codes: np.ndarray, west: float) -> RasterSource:
    return _raster(path, codes, Affine(RES, 0, west, 0, -RES, NORTH), crs="EPSG:4326")


def test_the_east_tile_alone_judges_the_districts_it_covers(tmp_path):
    """East of 120°E only: 锡山, 惠山, 滨湖, 梁溪, 新吴 are wholly on it and measured as on the uncut raster;
    宜兴 (119.5–120.1°E) and the city are insufficient data, with their shares."""
    width, height = round((120.65 - WEST) / RES), round((NORTH - 31.05) / RES)
    codes = np.zeros((height, width), dtype=np.uint8)
    with rasterio.open(shipped_data_dir() / "rasters" / "landcover_2024_30m.tif") as source:
        reproject(
            rasterio.band(source, 1),
            codes,
            dst_transform=Affine(RES, 0, WEST, 0, -RES, NORTH),
            dst_crs="EPSG:4326",
            resampling=Resampling.nearest,
            src_nodata=0,
            dst_nodata=0,
        )
    cut = round((120.0 - WEST) / RES)
    study_area = StudyArea.from_boundaries(load_boundaries())
    whole = _by_unit(forest_coverage(_lonlat_tile(tmp_path / "whole.tif", codes, WEST), study_area))
    east = _by_unit(
        forest_coverage(_lonlat_tile(tmp_path / "east.tif", codes[:, cut:].copy(), 120.0), study_area)
    )
    for adcode in ("320205", "320206", "320211", "320213", "320214"):
        assert east[adcode].value == pytest.approx(whole[adcode].value, abs=1e-6), adcode
        assert east[adcode].valid_share == pytest.approx(whole[adcode].valid_share, abs=1e-9)
    for adcode in ("320282", "320200"):
        assert east[adcode].status == "insufficient_data" and east[adcode].value is None
        assert 0 < east[adcode].valid_share < 0.99 * whole[adcode].valid_share
    assert east["320282"].valid_share < 0.2  # most of 宜兴 lies west of 120°E


def test_an_all_tree_tile_over_yixing_is_100_percent_not_101_88(tmp_path):
    """The issue's reproduction: 宜兴's polygon (2,035 km², part of Taihu) all tree, over its official area
    (1,996.6 km²) gave 101.88%. Numerator and denominator now cover the same ground."""
    width, height = round((120.2 - WEST) / RES), round((NORTH - 31.05) / RES)
    tile = _lonlat_tile(tmp_path / "tree.tif", np.full((height, width), 10, dtype=np.uint8), WEST)
    study_area = StudyArea.from_boundaries(load_boundaries())
    for denominator in ("official", "polygon", "land"):
        yixing = _by_unit(forest_coverage(tile, study_area, load_targets(), denominator=denominator))[
            "320282"
        ]
        assert yixing.value == pytest.approx(100.0, abs=1e-9), denominator
        assert yixing.numerator is not None and yixing.denominator is not None
        assert yixing.numerator <= yixing.denominator * (1 + 1e-12)
    official = _by_unit(forest_coverage(tile, study_area, denominator="official"))["320282"]
    assert official.denominator == pytest.approx(1996.6e6)
    note = official.extra["area_note"]
    assert "1,996.60 km²" in note and "+1.9" in note  # the polygon is 1.9% larger than the official area
    assert official.extra["polygon_area_m2"] / 1e6 == pytest.approx(2035.2, abs=1.0)
