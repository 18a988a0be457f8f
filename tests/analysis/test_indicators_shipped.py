"""Smoke tests on the shipped data: the CLI end to end, and an independent cross-check with exactextract."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.forest import forest_coverage
from wuxi_atlas.analysis.study_area import StudyArea, district_frame
from wuxi_atlas.analysis.targets import SPATIAL_INDICATORS, load_targets
from wuxi_atlas.cli import geoplan
from wuxi_atlas.layers.defaults import load_default_landcover

ADCODES = {"320200", "320205", "320206", "320211", "320213", "320214", "320281", "320282"}


@pytest.fixture(scope="module")
def indicator_records() -> list[dict]:
    result = CliRunner().invoke(geoplan, ["indicators", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_spatial_indicator_for_the_city_and_all_districts(indicator_records):
    for indicator in SPATIAL_INDICATORS:
        units = {r["adcode"] for r in indicator_records if r["indicator"] == indicator}
        assert units == ADCODES, indicator
    city = {r["indicator"]: r for r in indicator_records if r["adcode"] == "320200"}
    assert city["forest_coverage"]["unit"] == "%" and city["forest_coverage"]["target"] == pytest.approx(27.8)
    assert city["forest_coverage"]["denominator"] == pytest.approx(4627.47e6)
    assert city["charging_piles"]["target"] == 200_000
    assert all(r["synthetic"] for r in indicator_records if r["status"] != "not_computable")
    assert {r["district"] for r in indicator_records} >= {"无锡市", "滨湖区", "宜兴市"}
    for record in indicator_records:
        assert {
            "indicator",
            "adcode",
            "district",
            "value",
            "unit",
            "target",
            "target_year",
            "status",
            "denominator",
        } <= set(record)


def test_rates_are_plausible_for_wuxi(indicator_records):
    city = {r["indicator"]: r["value"] for r in indicator_records if r["adcode"] == "320200"}
    assert 20 < city["forest_coverage"] < 35
    assert 30 < city["wetland_protection_rate"] < 70
    assert 30 < city["builtup_green_coverage"] < 55


def test_output_file_is_never_overwritten_without_flag(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("keep me")
    result = CliRunner().invoke(
        geoplan, ["indicators", "--indicator", "hydrogen_stations", "-o", str(target)]
    )
    assert result.exit_code != 0 and "--overwrite" in result.output
    assert target.read_text() == "keep me"
    result = CliRunner().invoke(
        geoplan,
        ["indicators", "--indicator", "hydrogen_stations", "-f", "csv", "-o", str(target), "--overwrite"],
    )
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("\ufeffindicator,adcode,district")  # a file: BOM


def test_bad_layer_file_is_a_message_not_a_traceback(tmp_path):
    broken = tmp_path / "stations.csv"
    broken.write_text("lon,lat,type,piles,access\nabc,31.5,charging,3,public\n", encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "wuxi_atlas.cli", "indicators", "--stations", str(broken)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "stations.csv" in completed.stderr


def test_forest_coverage_matches_exactextract_within_a_hundredth_of_a_point():
    """An independent method: exactextract's coverage fractions on the same raster and polygons."""
    import exactextract
    import rasterio

    boundaries = load_boundaries()
    landcover = load_default_landcover()
    study_area = StudyArea.from_boundaries(boundaries)
    ours = {
        r.adcode: r for r in forest_coverage(landcover, study_area, load_targets(), denominator="polygon")
    }
    with rasterio.open(landcover.path) as src:
        zones = district_frame(boundaries, crs=src.crs.to_wkt()).reset_index(drop=True)
        pixel_area = abs(src.transform.a * src.transform.e)
    stats = exactextract.exact_extract(
        str(landcover.path), zones, ["unique", "frac", "count"], include_cols=["adcode"], output="pandas"
    )
    for _, row in stats.iterrows():
        codes, fractions = np.asarray(row["unique"]), np.asarray(row["frac"])
        woody_share = fractions[np.isin(codes, [10, 20])].sum()
        # exactextract's frac is the share of the valid (non-nodata) covered area, as our rate is.
        result = ours[row["adcode"]]
        assert result.value is not None
        assert abs(100 * woody_share - result.value) < 0.01, row["adcode"]
        assert row["count"] * pixel_area == pytest.approx(result.extra["valid_area_m2"], rel=1e-6)


def test_change_command_conserves_area():
    result = CliRunner().invoke(geoplan, ["change", "--district", "320211", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["adcode"] for r in rows} == {"320211"}
    for row in rows:
        assert row["net_ha"] == pytest.approx(row["area_to_ha"] - row["area_from_ha"], abs=1e-6)
        assert row["net_ha"] == pytest.approx(row["gained_ha"] - row["lost_ha"], abs=1e-6)
    # Every hectare one class gains, another loses: the district's area does not change between years.
    assert sum(r["gained_ha"] for r in rows) == pytest.approx(sum(r["lost_ha"] for r in rows), rel=1e-9)
    assert any(r["gained_ha"] > 0 for r in rows)
