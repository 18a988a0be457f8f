"""Indicator families on a hand-made city whose answers can be worked out on paper.

Two 1 km × 1 km districts side by side in EPSG:4549 near Wuxi, a 100 m land-cover raster over both:

    district A (320291), columns 0–9          district B (320292), columns 10–19
    cols 0–4  tree (10)     = 0.50 km²        cols 10–11 water (80)            = 0.20 km²
    cols 5–9  crop (40)     = 0.49 km²        cols 12–19 rows 0–4 grass (30)   = 0.40 km²
    (row 9, col 9) nodata   = 0.01 km²        cols 12–19 rows 5–9 built-up (50) = 0.40 km²

Built-up polygon: B's columns 12–19 (0.8 km²). Wetlands: B's river (0.2 km²) and a 0.01 km² pond in A.
Protected: the western half of the river (0.1 km²). The districts are the ``boundaries`` fixture of
``tests/analysis/conftest.py``.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Point, box

from wuxi_atlas.analysis.change import landcover_change
from wuxi_atlas.analysis.charging import charging_service_coverage, station_counts
from wuxi_atlas.analysis.errors import DataFileError
from wuxi_atlas.analysis.forest import forest_coverage
from wuxi_atlas.analysis.green import builtup_green_coverage
from wuxi_atlas.analysis.indicators import INDICATOR_IDS, IndicatorInputs, compute_indicators
from wuxi_atlas.analysis.pv import PVParameters, pv_installed_capacity, pv_rooftop_potential
from wuxi_atlas.analysis.report import results_metadata, results_to_csv, results_to_geojson, results_to_json
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.analysis.study_area import StudyArea
from wuxi_atlas.analysis.targets import load_targets
from wuxi_atlas.analysis.wetland import wetland_protection_rate

X0, Y0 = 528_000.0, 3_490_000.0  # EPSG:4549, about 120.29°E 31.53°N
CITY, A, B = "320200", "320291", "320292"
METRIC = "EPSG:4549"


def _metric_frame(rows: list[dict], crs: str = METRIC) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def _source(kind: str, rows: list[dict], *, synthetic: bool = False, vintage: str = "2024") -> VectorSource:
    return VectorSource(kind, _metric_frame(rows).to_crs("EPSG:4326"), f"test {kind}", vintage, synthetic)  # type: ignore[arg-type]


def _landcover_array() -> np.ndarray:
    codes = np.zeros((10, 20), dtype=np.uint8)
    codes[:, 0:5] = 10
    codes[:, 5:10] = 40
    codes[9, 9] = 0  # nodata
    codes[:, 10:12] = 80
    codes[0:5, 12:20] = 30
    codes[5:10, 12:20] = 50
    return codes


def _write_raster(path, codes: np.ndarray) -> None:
    profile = {
        "driver": "GTiff",
        "width": codes.shape[1],
        "height": codes.shape[0],
        "count": 1,
        "dtype": "uint8",
        "crs": METRIC,
        "transform": from_origin(X0, Y0 + 1000, 100, 100),
        "nodata": 0,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(codes, 1)


@pytest.fixture
def study_area(boundaries) -> StudyArea:
    return StudyArea.from_boundaries(boundaries)


@pytest.fixture
def landcover(tmp_path) -> RasterSource:
    path = tmp_path / "lc_2024.tif"
    _write_raster(path, _landcover_array())
    return RasterSource(path=path, scheme="worldcover", year=2024, source="test raster", synthetic=True)


@pytest.fixture
def builtup() -> VectorSource:
    return _source("builtup", [{"name": "建成区", "geometry": box(X0 + 1200, Y0, X0 + 2000, Y0 + 1000)}])


@pytest.fixture
def wetlands() -> VectorSource:
    return _source(
        "wetlands",
        [
            {"name": "河", "wetland_type": "river", "geometry": box(X0 + 1000, Y0, X0 + 1200, Y0 + 1000)},
            {"name": "塘", "wetland_type": "pond", "geometry": box(X0, Y0, X0 + 100, Y0 + 100)},
        ],
    )


@pytest.fixture
def protected() -> VectorSource:
    return _source(
        "protected",
        [
            {
                "name": "保护小区",
                "protection_type": "protection_plot",
                "geometry": box(X0 + 1000, Y0, X0 + 1100, Y0 + 1000),
            }
        ],
    )


@pytest.fixture
def stations() -> VectorSource:
    def station(x: float, kind: str, piles: int, access: str) -> dict:
        return {
            "name": f"{kind}-{x}",
            "type": kind,
            "piles": piles,
            "access": access,
            "geometry": Point(x, Y0 + 500),
        }

    return _source(
        "stations",
        [
            station(X0 + 500, "charging", 10, "public"),
            station(X0 + 520, "charging", 5, "private"),
            station(X0 + 1600, "charging", 20, "public"),
            station(X0 + 1650, "swap", 2, "public"),
            station(X0 + 300, "swap", 2, "dedicated"),
            station(X0 + 400, "hydrogen", 1, "public"),
            station(X0 + 5000, "charging", 99, "public"),  # outside the city
        ],
    )


def _by_unit(results, indicator=None):
    return {r.adcode: r for r in results if indicator is None or r.indicator == indicator}


def test_forest_coverage_official_denominator(landcover, study_area):
    results = _by_unit(forest_coverage(landcover, study_area, load_targets()))
    assert [r.adcode for r in forest_coverage(landcover, study_area)] == [CITY, A, B]
    # The woody share of the ground with data: A has 50 tree pixels of its 99 valid ones (one is nodata).
    assert results[A].value == pytest.approx(100 * 50 / 99, abs=1e-9)
    assert results[B].value == pytest.approx(0.0, abs=1e-9)
    assert results[CITY].value == pytest.approx(100 * 50 / 199, abs=1e-9)
    # That share applied to the official area (2 km²): numerator and denominator on the same ground.
    assert results[CITY].numerator == pytest.approx(50 / 199 * 2.0e6)
    assert results[CITY].denominator == pytest.approx(2.0e6)
    assert results[CITY].denominator_kind == "official_area"
    assert results[A].valid_share == pytest.approx(0.99)
    assert results[CITY].target == pytest.approx(27.8)
    assert results[CITY].status == "behind"
    assert results[A].status == "met"
    assert results[CITY].synthetic


def test_forest_coverage_land_only_and_senlin(landcover, study_area):
    land = _by_unit(forest_coverage(landcover, study_area, denominator="land"))
    assert land[B].denominator == pytest.approx(0.8e6)
    assert land[CITY].value == pytest.approx(100 * 50 / (199 - 20))  # woody / (valid - water) pixels
    polygon = _by_unit(forest_coverage(landcover, study_area, denominator="polygon"))
    assert polygon[A].denominator == pytest.approx(1.0e6, rel=1e-6)
    senlin = _by_unit(forest_coverage(landcover, study_area, variant="senlin"))
    assert senlin[A].extra["variant"] == "森林覆盖率"


def test_builtup_green_coverage(landcover, builtup, study_area):
    results = _by_unit(builtup_green_coverage(landcover, builtup, study_area, load_targets()))
    assert results[B].value == pytest.approx(50.0, abs=1e-6)
    assert results[CITY].value == pytest.approx(50.0, abs=1e-6)
    assert results[CITY].denominator == pytest.approx(0.8e6, rel=1e-6)
    assert results[CITY].status == "met"
    assert results[A].status == "not_computable"
    assert results[A].value is None and "no area in this district" in results[A].reason


def test_builtup_green_without_layer_is_not_computable_not_zero(landcover, study_area):
    results = builtup_green_coverage(landcover, None, study_area)
    assert {r.status for r in results} == {"not_computable"}
    assert all(r.value is None and r.reason for r in results)


def test_wetland_protection_from_polygons(wetlands, protected, study_area):
    results = _by_unit(wetland_protection_rate(study_area, protected, load_targets(), wetlands=wetlands))
    assert results[B].value == pytest.approx(50.0, abs=1e-6)
    assert results[A].value == pytest.approx(0.0, abs=1e-9)
    assert results[CITY].value == pytest.approx(100 * 0.1 / 0.21, abs=1e-6)
    assert results[CITY].target == pytest.approx(52.7)
    assert results[CITY].extra["wetland_basis"] == "polygons"


def test_wetland_protection_falls_back_to_land_cover(landcover, protected, study_area):
    results = _by_unit(wetland_protection_rate(study_area, protected, landcover=landcover))
    assert results[B].value == pytest.approx(50.0, abs=1e-6)
    assert results[CITY].value == pytest.approx(50.0, abs=1e-6)
    assert results[A].status == "not_computable"  # no water in A
    assert results[CITY].extra["wetland_basis"] == "landcover"
    assert "no wetland layer" in results[CITY].method


def test_wetland_protection_without_protected_areas(wetlands, study_area):
    results = wetland_protection_rate(study_area, None, wetlands=wetlands)
    assert all(r.status == "not_computable" and "protected" in r.reason for r in results)


def test_pv_installed_capacity_city_gets_both_targets(study_area):
    sites = _source(
        "pv_sites",
        [
            {"name": "a1", "capacity_kw": 1000.0, "year": 2023, "geometry": Point(X0 + 100, Y0 + 100)},
            {"name": "a2", "capacity_kw": 500.0, "year": 2024, "geometry": Point(X0 + 200, Y0 + 100)},
            {"name": "b1", "capacity_kw": 2000.0, "year": 2022, "geometry": Point(X0 + 1500, Y0 + 100)},
            {"name": "far", "capacity_kw": 9000.0, "year": 2022, "geometry": Point(X0 - 5000, Y0)},
        ],
    )
    results = pv_installed_capacity(sites, study_area, load_targets())
    city = [r for r in results if r.adcode == CITY]
    assert sorted((r.target_year, r.target) for r in city) == [
        (2025, pytest.approx(2530.0)),
        (2030, pytest.approx(3100.0)),
    ]
    assert all(r.value == pytest.approx(3.5) and r.status == "behind" for r in city)
    assert city[0].extra["sites_outside_city"] == 1
    districts = _by_unit([r for r in results if r.adcode != CITY])
    assert districts[A].value == pytest.approx(1.5) and districts[A].status == "no_target"


def test_pv_rooftop_potential_by_hand(study_area):
    buildings = _source(
        "buildings",
        [
            {
                "building_type": "government",
                "roof_area_m2": 5000.0,
                "geometry": box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 150),
            },
            {
                "building_type": "rural_home",
                "roof_area_m2": 100.0,
                "geometry": box(X0 + 1500, Y0 + 100, X0 + 1510, Y0 + 110),
            },
        ],
    )
    results = _by_unit(pv_rooftop_potential(buildings, study_area))
    assert results[A].value == pytest.approx(0.5)  # 5000 m² × 0.5 × 0.2 kWp/m² = 500 kWp
    assert results[B].value == pytest.approx(0.004)  # 100 × 0.2 × 0.2 = 4 kWp
    assert results[CITY].extra["energy_gwh_per_year"] == pytest.approx(504 * 1100 / 1e6)
    custom = _by_unit(
        pv_rooftop_potential(buildings, study_area, PVParameters(specific_yield_kwh_per_kwp=1000))
    )
    assert custom[CITY].extra["energy_gwh_per_year"] == pytest.approx(0.504)
    with pytest.raises(ValueError, match="usable share"):
        PVParameters(usable_share={"government": 1.5})


def test_station_counts(stations, study_area):
    results = station_counts(stations, study_area, load_targets())
    piles = _by_unit(results, "charging_piles")
    assert (piles[A].value, piles[B].value, piles[CITY].value) == (15, 20, 35)
    assert piles[A].extra["by_access"] == {"private": 5, "public": 10}
    assert piles[CITY].target == 200_000 and piles[CITY].status == "behind"
    assert piles[CITY].extra["stations_outside_city"] == 1
    assert piles[A].extra["density_per_km2"] == pytest.approx(15.0)
    swaps = _by_unit(results, "battery_swap_stations")
    assert (swaps[A].value, swaps[B].value, swaps[CITY].value) == (0, 1, 1)  # dedicated swap not counted
    hydrogen = _by_unit(results, "hydrogen_stations")
    assert hydrogen[CITY].value == 1 and hydrogen[CITY].target == 5


def test_charging_service_coverage_is_a_circle_inside_the_builtup_area(stations, builtup, study_area):
    results = _by_unit(charging_service_coverage(stations, builtup, study_area, radius_m=300))
    # B's public charger sits 400 m inside the built-up area, so its whole 300 m buffer (a 64-gon) counts;
    # A's public charger is 700 m from it and adds nothing.
    sixty_four_gon = 0.5 * 64 * 300**2 * math.sin(2 * math.pi / 64)
    assert results[B].value == pytest.approx(100 * sixty_four_gon / 0.8e6, rel=1e-6)
    assert results[B].value == pytest.approx(100 * math.pi * 300**2 / 0.8e6, rel=2e-3)
    assert results[CITY].value == pytest.approx(results[B].value, rel=1e-9)


def test_compute_indicators_reports_missing_layers_as_not_computable(landcover, boundaries):
    results = compute_indicators(IndicatorInputs(boundaries=boundaries, landcover=landcover), load_targets())
    assert {r.indicator for r in results} == set(INDICATOR_IDS)
    missing = [r for r in results if r.indicator not in ("forest_coverage",)]
    assert all(r.status == "not_computable" and r.value is None and r.reason for r in missing)


def test_compute_indicators_reports_progress(landcover, boundaries):
    calls = []
    compute_indicators(
        IndicatorInputs(boundaries=boundaries, landcover=landcover),
        only=["forest_coverage"],
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    assert calls and calls[-1][0] == "forest_coverage" and calls[-1][1] == calls[-1][2]
    with pytest.raises(ValueError, match="unknown indicator"):
        compute_indicators(IndicatorInputs(boundaries=boundaries), only=["tree_count"])


def test_landcover_change_gains_and_losses(tmp_path, landcover, study_area):
    codes = _landcover_array()
    codes[0:2, 5:10] = 10  # A: 10 crop pixels become tree (+0.1 km² tree)
    codes[0, 0] = 50  # A: one tree pixel becomes built-up
    after_path = tmp_path / "lc_2025.tif"
    _write_raster(after_path, codes)
    after = RasterSource(path=after_path, scheme="worldcover", year=2025, source="test", synthetic=True)
    change = landcover_change(landcover, after, study_area)
    tree_a = change.for_unit(A).set_index("class_code").loc[10]
    assert tree_a["gained_ha"] == pytest.approx(10.0)
    assert tree_a["lost_ha"] == pytest.approx(1.0)
    assert tree_a["net_ha"] == pytest.approx(9.0)
    tree_city = change.for_unit(CITY).set_index("class_code").loc[10]
    assert tree_city["net_ha"] == pytest.approx(9.0)
    assert change.synthetic


def test_landcover_change_needs_one_grid(tmp_path, landcover, study_area):
    other = tmp_path / "other.tif"
    _write_raster(other, _landcover_array()[:, :10])
    with pytest.raises(DataFileError, match="not on the same grid"):
        landcover_change(landcover, RasterSource(other, "worldcover", 2025, "t", False), study_area)


def test_exports_carry_the_synthetic_flag(landcover, boundaries, stations, builtup):
    inputs = IndicatorInputs(boundaries=boundaries, landcover=landcover, stations=stations, builtup=builtup)
    results = compute_indicators(inputs, load_targets())
    import json

    records = json.loads(results_to_json(results))
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
    } <= set(records[0])
    assert any(r["synthetic"] for r in records)
    assert "synthetic" in results_to_csv(results).splitlines()[0]
    collection = json.loads(results_to_geojson(results, boundaries))
    assert {f["properties"]["district"] for f in collection["features"]} == {"测试市", "甲区", "乙区"}
    meta = results_metadata(results, parameters={"radius_m": 1000})
    assert meta["synthetic"] is True and meta["parameters"] == {"radius_m": 1000}
    assert "forest_coverage" in meta["indicators"]


def test_overlapping_wetlands_are_not_counted_twice(wetlands, protected, study_area):
    river = wetlands.frame.iloc[[0]]
    doubled = VectorSource("wetlands", gpd.pd.concat([wetlands.frame, river]), "dup", "2024", False)
    results = _by_unit(wetland_protection_rate(study_area, protected, wetlands=doubled))
    assert results[B].denominator == pytest.approx(0.2e6, rel=1e-6)
    assert results[B].value == pytest.approx(50.0, abs=1e-6)
