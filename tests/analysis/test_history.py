"""Indicators year by year (analysis.history, analysis.trajectory) on a hand-made city and hand-made series.

Two 1 km × 1 km districts side by side in EPSG:4549 near Wuxi (A = 320291 on the west, B = 320292 on the
east; official areas 1 km² each, the city 2 km²), land-cover rasters of 100 m pixels whose tree columns
grow from one vintage to the next, and station layers of a few points per year.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, box

from wuxi_atlas.analysis.history import (
    HistoryRun,
    Vintage,
    VintageUse,
    compute_history,
    layers_read,
    pick_vintage,
    plan_runs,
)
from wuxi_atlas.analysis.indicators import IndicatorInputs
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.analysis.targets import load_targets
from wuxi_atlas.analysis.trajectory import Trajectory, crossing_year, fit_trend, judge_on_line, trend_misses

X0, Y0 = 528_000.0, 3_490_000.0  # EPSG:4549, about 120.29°E 31.53°N
CITY, A, B = "320200", "320291", "320292"
METRIC = "EPSG:4549"


# --- the arithmetic: trend, projection, 预警, the line ----------------------------------------------------


def test_a_steady_rise_reaches_the_target_on_time() -> None:
    trend = fit_trend([2019, 2021, 2023], [25.0, 26.0, 27.0])
    assert trend is not None and trend.slope == pytest.approx(0.5)
    assert crossing_year(trend, 27.8, "at_least") == pytest.approx(2024.6)  # 25 + 0.5 × 5.6
    assert not trend_misses(trend, 27.8, 2025, "at_least")
    yearly = fit_trend([2021, 2022, 2023], [25.0, 26.0, 27.0])  # one point a year: 1.0 a year
    assert yearly is not None and crossing_year(yearly, 27.8, "at_least") == pytest.approx(2023.8)


def test_a_flat_or_falling_series_warns() -> None:
    flat = fit_trend([2019, 2021, 2023], [25.0, 25.0, 25.0])
    assert flat is not None and crossing_year(flat, 27.8, "at_least") is None
    assert trend_misses(flat, 27.8, 2025, "at_least")
    slow = fit_trend([2019, 2021, 2023], [25.0, 25.5, 26.0])  # 0.25 a year: 27.8 only in 2030.2
    assert slow is not None and crossing_year(slow, 27.8, "at_least") == pytest.approx(2030.2)
    assert trend_misses(slow, 27.8, 2025, "at_least")
    assert not trend_misses(slow, 27.8, 2031, "at_least")


def test_one_vintage_is_no_trend() -> None:
    assert fit_trend([2024], [161_000.0]) is None
    assert fit_trend([2024, 2024], [1.0, 2.0]) is None


def test_the_line_runs_from_the_baseline_through_2025_to_2030() -> None:
    line = Trajectory(2020, 1.0, "first_vintage", ((2030, 3.1), (2025, 2.53)))
    assert line.points() == ((2020, 1.0), (2025, 2.53), (2030, 3.1))
    assert line.expected(2019) == 1.0
    assert line.expected(2022) == pytest.approx(1.0 + 2 / 5 * 1.53)
    assert line.expected(2027) == pytest.approx(2.53 + 2 / 5 * 0.57)
    assert line.expected(2035) == 3.1
    assert judge_on_line(1.7, 2022, line, (2025, 2.53), "at_least") == "on_track"  # line: 1.612
    assert judge_on_line(1.5, 2022, line, (2025, 2.53), "at_least") == "behind"
    assert judge_on_line(2.6, 2022, line, (2025, 2.53), "at_least") == "met"
    assert judge_on_line(2.6, 2022, line, None, "at_least") == "no_target"


# --- which vintage each run uses ------------------------------------------------------------------------


def _v(kind: str, year: int | None, series: str = "") -> Vintage:
    return Vintage(kind, year, f"{kind} {year}", series, key=(kind, year, series))


def test_a_kind_uses_its_year_else_the_latest_before_else_the_nearest_after() -> None:
    held = [_v("stations", 2022), _v("stations", 2024)]
    assert pick_vintage(held, 2024) == VintageUse(held[1], "same_year")
    assert pick_vintage(held, 2023) == VintageUse(held[0], "latest_before")
    assert pick_vintage(held, 2025) == VintageUse(held[1], "latest_before")
    assert pick_vintage(held, 2019) == VintageUse(held[0], "nearest_after")
    assert pick_vintage([_v("stations", None)], 2024) is None
    assert VintageUse(held[0], "nearest_after").text == "2022 (stations 2022, nearest after)"


def test_one_run_per_year_and_per_land_cover_series() -> None:
    vintages = [
        _v("landcover", 2020, "raster"),
        _v("landcover", 2024, "raster"),
        _v("landcover", 2019, "land_survey"),
        _v("landcover", 2024, "land_survey"),
        _v("stations", 2022),
        _v("protected", 2024),
        _v("wetlands", None),  # unknown year: in no run
    ]
    runs = plan_runs(vintages)
    assert [(run.year, run.series) for run in runs] == [
        (2019, "land_survey"),
        (2020, "raster"),
        (2022, "raster"),  # no land cover of 2022: the latest before it, the 2020 raster
        (2024, "land_survey"),
        (2024, "raster"),
    ]
    first = runs[0]
    assert first.layers["protected"].rule == "nearest_after" and first.layers["stations"].vintage.year == 2022
    assert "wetlands" not in first.layers
    assert runs[2].fresh("stations") and not runs[2].fresh("landcover")
    assert runs[2].layers["landcover"].rule == "latest_before"


def test_a_land_survey_is_its_own_wetland_layer() -> None:
    survey = HistoryRun(
        2021,
        {
            "landcover": VintageUse(_v("landcover", 2021, "land_survey"), "same_year"),
            "wetlands": VintageUse(_v("wetlands", 2024), "nearest_after"),
            "protected": VintageUse(_v("protected", 2024), "nearest_after"),
        },
    )
    raster = HistoryRun(
        2021, {**survey.layers, "landcover": VintageUse(_v("landcover", 2021, "raster"), "same_year")}
    )
    assert layers_read("wetland_protection_rate", survey) == ("protected", "landcover")
    assert layers_read("wetland_protection_rate", raster) == ("protected", "wetlands")
    assert layers_read("forest_coverage", raster) == ("landcover",)


# --- whole runs on a hand-made city -----------------------------------------------------------------------


def _metric_frame(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)


def _stations(year: int, piles_a: int, swap_public: int) -> VectorSource:
    rows = [
        {"type": "charging", "piles": piles_a, "access": "public", "geometry": Point(X0 + 500, Y0 + 500)},
        {"type": "charging", "piles": 1000, "access": "private", "geometry": Point(X0 + 1500, Y0 + 500)},
    ]
    rows += [
        {"type": "swap", "piles": 2, "access": "public", "geometry": Point(X0 + 1500 + i, Y0 + 200)}
        for i in range(swap_public)
    ]
    frame = _metric_frame(rows).to_crs("EPSG:4326")
    return VectorSource("stations", frame, f"stations {year}", str(year), False)


def _raster(tmp_path, year: int, tree_columns: int) -> RasterSource:
    """A 20 × 10 raster of 100 m pixels: ``tree_columns`` tree columns from the west, crop elsewhere."""
    codes = np.full((10, 20), 40, dtype=np.uint8)
    codes[:, :tree_columns] = 10
    path = tmp_path / f"landcover_{year}.tif"
    profile = {
        "driver": "GTiff",
        "width": 20,
        "height": 10,
        "count": 1,
        "dtype": "uint8",
        "crs": METRIC,
        "transform": Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + 1000),
        "nodata": 0,
    }
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(codes, 1)
    return RasterSource(path, "worldcover", year, f"landcover {year}", False)


def _run(year: int, **vintages: tuple[Vintage, str]) -> HistoryRun:
    return HistoryRun(year, {kind: VintageUse(v, rule) for kind, (v, rule) in vintages.items()})


def test_station_counts_year_by_year_with_projection_and_warning(boundaries) -> None:
    series = {2022: (150_000, 30), 2023: (170_000, 30), 2024: (190_000, 30)}
    survey = _v("landcover", 2019, "land_survey")
    runs = []
    for year, (piles, swaps) in series.items():
        run = _run(year, stations=(_v("stations", year), "same_year"))
        runs.append((run, IndicatorInputs(boundaries=boundaries, stations=_stations(year, piles, swaps))))
    # A run of 2019 with a land survey and the 2022 stations: no station count is reported for 2019.
    early = _run(2019, landcover=(survey, "same_year"), stations=(_v("stations", 2022), "nearest_after"))
    runs.insert(0, (early, IndicatorInputs(boundaries=boundaries, stations=_stations(2022, 150_000, 30))))
    history = compute_history(
        runs, load_targets(), only=("charging_piles", "battery_swap_stations", "charging_service_coverage")
    )
    piles = [r for r in history.records if r.indicator == "charging_piles" and r.adcode == CITY]
    assert [(r.year, r.value) for r in piles] == [(2022, 151_000), (2023, 171_000), (2024, 191_000)]
    assert piles[0].layers["stations"].vintage.year == 2022 and set(piles[0].layers) == {"stations"}
    assert not any(r.year == 2019 for r in history.records)
    [city] = history.outlook("charging_piles", CITY)
    assert city.slope == pytest.approx(20_000)
    [target] = city.targets
    assert (target.year, target.value) == (2025, 200_000)
    assert target.projected_year == pytest.approx(2024.45)  # 191,000 + 20,000 × 0.45 = 200,000
    assert target.warning is False and city.warning is False
    # The line runs from the first vintage (the plan gives no baseline): 151,000 in 2022 to 200,000 in 2025.
    assert city.trajectory is not None and city.trajectory.baseline_source == "first_vintage"
    assert piles[1].expected == pytest.approx(151_000 + 49_000 / 3)
    assert [r.status for r in piles] == ["on_track", "on_track", "on_track"]
    [swap] = history.outlook("battery_swap_stations", CITY)
    assert swap.values == (30.0, 30.0, 30.0) and swap.targets[0].projected_year is None
    assert swap.warning is True  # flat at 30, target 60 in 2025: 预警
    [district] = history.outlook("charging_piles", A)
    assert district.targets == () and district.warning is None  # the plan's station targets are city-wide
    coverage = [r for r in history.records if r.indicator == "charging_service_coverage"]
    assert coverage and all(r.value is None and r.status == "not_computable" for r in coverage)


def test_forest_history_from_rasters_judged_on_the_plans_line(boundaries, tmp_path) -> None:
    protected = _metric_frame([{"name": "p", "geometry": box(X0, Y0, X0 + 1000, Y0 + 1000)}])
    protected_2024 = VectorSource("protected", protected.to_crs("EPSG:4326"), "protected", "2024", False)
    runs = []
    for year, columns in ((2019, 5), (2021, 6), (2023, 6)):
        landcover = _v("landcover", year, "raster")
        run = _run(
            year, landcover=(landcover, "same_year"), protected=(_v("protected", 2024), "nearest_after")
        )
        inputs = IndicatorInputs(
            boundaries=boundaries, landcover=_raster(tmp_path, year, columns), protected=protected_2024
        )
        runs.append((run, inputs))
    history = compute_history(runs, load_targets(), only=("forest_coverage", "wetland_protection_rate"))
    city = [r for r in history.records if r.indicator == "forest_coverage" and r.adcode == CITY]
    # Tree columns 5, 6, 6 of 20 over the city's 2 km² official area: 25%, 30%, 30%.
    assert [(r.year, round(r.value, 6)) for r in city] == [(2019, 25.0), (2021, 30.0), (2023, 30.0)]
    assert all(r.series == "raster" for r in city)
    assert city[0].layers["landcover"].vintage.year == 2019
    [outlook] = history.outlook("forest_coverage", CITY)
    line = outlook.trajectory
    assert line is not None and (line.baseline_year, line.baseline_value, line.baseline_source) == (
        2019,
        27.71,
        "plan",
    )
    assert [r.status for r in city] == ["behind", "met", "met"]
    assert outlook.slope == pytest.approx(1.25) and outlook.warning is False
    [district_a] = history.outlook("forest_coverage", A)  # A: 50%, 60%, 60%; its line starts at 50%
    assert district_a.trajectory is not None and district_a.trajectory.baseline_source == "first_vintage"
    assert district_a.trajectory.baseline_value == pytest.approx(50.0)
    # The wetland rate reads the land cover of each year and the 2024 protected areas, and says so.
    wetland = [r for r in history.records if r.indicator == "wetland_protection_rate" and r.adcode == CITY]
    assert [r.year for r in wetland] == [2019, 2021, 2023]
    assert wetland[0].layers["protected"].rule == "nearest_after"
    assert wetland[0].to_record()["layers"]["protected"] == {
        "year": 2024,
        "label": "protected 2024",
        "rule": "nearest_after",
    }
