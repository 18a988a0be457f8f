"""Land-survey parcels (DLTB): tabulation and geometry each agree with a hand computation.

Two 1 km × 1 km districts side by side in EPSG:4549, A (320291) west of B (320292); parcels are strips
1 km tall (x in metres from the city's west edge):

    x 0–500     0301 乔木林地  A          500,000 m²
    x 500–900   0101 水田      A          400,000 m² (TBDLMJ 360,000: field ridges deducted)
    x 900–1100  0305 灌木林地  ZLDWDM A,  200,000 m², half of it inside B
    x 1100–1300 1101 河流水面  B          200,000 m²
    x 1300–1400 1104A 养殖坑塘 B          100,000 m²
    x 1400–2000 0701 城镇住宅  B          600,000 m²
    x 2000–2100 0303 红树林地  outside, ZLDWDM county 320100: 100,000 m²

Protected area: x 1150–1350 (150,000 m² of the river, 50,000 m² of the ponds).

Official areas are the survey's county totals (TBMJ by ZLDWDM): A 1.1 km², B 0.9 km², the city 2 km².
林木覆盖率: tabulation A (500k + 200k) / 1.1 km² = 63.64%, B 0%, city 700k / 2 km² = 35%; geometry
A (500k + 100k) / 1.1 km² = 54.55%, B 100k / 0.9 km² = 11.11%, city 35%.
湿地保护率 (the river only): 150k / 200k = 75% in B by both methods; with the ponds, 200k / 300k.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from wuxi_atlas.analysis.errors import CRSError, LayerError
from wuxi_atlas.analysis.forest import forest_coverage
from wuxi_atlas.analysis.indicators import IndicatorInputs, IndicatorOptions, compute_indicators
from wuxi_atlas.analysis.land_survey import choose_method, intersect, tabulate
from wuxi_atlas.analysis.parcel_overlay import overlay_areas
from wuxi_atlas.analysis.schemes import UnknownCodesWarning, load_scheme
from wuxi_atlas.analysis.sources import LandSurveySource, VectorSource
from wuxi_atlas.analysis.study_area import StudyArea
from wuxi_atlas.analysis.wetland import wetland_protection_rate

X0, Y0 = 528_000.0, 3_490_000.0
CITY, A, B = "320200", "320291", "320292"
METRIC = "EPSG:4549"


def _strip(x0: float, x1: float) -> shapely.Polygon:
    return box(X0 + x0, Y0, X0 + x1, Y0 + 1000)


@pytest.fixture
def study_area() -> StudyArea:
    a, b = _strip(0, 1000), _strip(1000, 2000)
    frame = gpd.GeoDataFrame(
        {
            "adcode": [CITY, A, B],
            "name_zh": ["测试市", "甲区", "乙区"],
            "name_en": ["Test", "A", "B"],
            "kind": ["city", "district", "district"],
            "official_area_km2": [2.0, 1.1, 0.9],
            "polygon_area_km2": [2.0, 1.0, 1.0],
        },
        geometry=[a.union(b), a, b],
        crs=METRIC,
    )
    return StudyArea.from_boundaries(frame.to_crs("EPSG:4326"))


def _parcels() -> gpd.GeoDataFrame:
    rows = [  # DLBM, county, x0, x1, TBDLMJ
        ("0301", A, 0, 500, 500_000.0),
        ("0101", A, 500, 900, 360_000.0),
        ("0305", A, 900, 1100, 200_000.0),
        ("1101", B, 1100, 1300, 200_000.0),
        ("1104A", B, 1300, 1400, 100_000.0),
        ("0701", B, 1400, 2000, 600_000.0),
        ("0303", "320100", 2000, 2100, 100_000.0),
    ]
    return gpd.GeoDataFrame(
        {
            "DLBM": [r[0] for r in rows],
            "ZLDWDM": [f"{r[1]}1020030000000" for r in rows],
            "TBMJ": [(r[3] - r[2]) * 1000.0 for r in rows],
            "TBDLMJ": [r[4] for r in rows],
        },
        geometry=[_strip(r[2], r[3]) for r in rows],
        crs=METRIC,
    )


@pytest.fixture
def survey() -> LandSurveySource:
    return LandSurveySource(_parcels(), 2023, "test DLTB", True)


@pytest.fixture
def protected() -> VectorSource:
    frame = gpd.GeoDataFrame({"name": ["湿地公园"]}, geometry=[_strip(1150, 1350)], crs=METRIC)
    return VectorSource("protected", frame.to_crs("EPSG:4326"), "test protected", "2023", True)


def _values(results):
    return {r.adcode: r.value for r in results}


def test_tabulation_sums_tbdlmj_by_county_and_reports_other_counties(survey, study_area):
    areas = tabulate(survey, [A, B])
    assert areas.by_district[A] == {"0101": 360_000.0, "0301": 500_000.0, "0305": 200_000.0}
    assert areas.by_district[B] == {"0701": 600_000.0, "1101": 200_000.0, "1104A": 100_000.0}
    assert areas.surveyed[A] == pytest.approx(1_100_000.0)  # TBMJ: the ground the parcels cover
    assert areas.unassigned == {"320100": 100_000.0}
    assert "320100" in areas.unassigned_text()


def test_geometry_cuts_parcels_with_the_districts(survey, study_area):
    areas = intersect(survey, study_area)
    assert areas.by_district[A]["0305"] == pytest.approx(100_000.0)
    assert areas.by_district[B]["0305"] == pytest.approx(100_000.0)
    assert areas.by_district[A]["0301"] == pytest.approx(500_000.0)
    assert areas.unassigned == {"outside": pytest.approx(100_000.0)}


def test_forest_coverage_by_both_methods_side_by_side(survey, study_area):
    tabulated = forest_coverage(survey, study_area)
    assert _values(tabulated) == pytest.approx({CITY: 35.0, A: 700 / 11, B: 0.0})
    by_unit = {r.adcode: r for r in tabulated}
    assert by_unit[A].extra["landcover_method"] == "tabulation"
    assert by_unit[A].extra["value_geometry"] == pytest.approx(600 / 11)
    assert by_unit[A].extra["method_difference_pp"] == pytest.approx(100 / 11)
    assert "method: tabulation" in by_unit[A].method and "320100" in by_unit[A].method
    assert by_unit[CITY].extra["unassigned_area_km2"] == pytest.approx(0.1)
    geometric = forest_coverage(survey, study_area, method="geometry")
    assert _values(geometric) == pytest.approx({CITY: 35.0, A: 600 / 11, B: 100 / 9})
    assert "method: geometry" in geometric[0].method


def test_forest_denominators_cover_the_surveyed_ground(survey, study_area):
    polygon = _values(forest_coverage(survey, study_area, denominator="polygon", method="geometry"))
    assert polygon[A] == pytest.approx(60.0)  # A is fully surveyed: 1 km²
    land = _values(forest_coverage(survey, study_area, denominator="land", method="geometry"))
    # B less its river and ponds: 100k of shrub over 1,000,000 − 300,000 m².
    assert land[B] == pytest.approx(100.0 * 100_000 / 700_000)


def test_wetland_protection_from_the_survey_with_and_without_ponds(survey, study_area, protected):
    for method in ("tabulation", "geometry"):
        results = wetland_protection_rate(study_area, protected, landcover=survey, method=method)
        by_unit = {r.adcode: r for r in results}
        assert by_unit[B].value == pytest.approx(75.0), method
        assert by_unit[CITY].value == pytest.approx(75.0), method
        assert by_unit[A].status == "not_computable"
        assert by_unit[B].extra["landcover_method"] == method
        with_ponds = wetland_protection_rate(
            study_area, protected, landcover=survey, method=method, include_aquaculture=True
        )
        assert _values(with_ponds)[B] == pytest.approx(100.0 * 200_000 / 300_000), method


def test_wetland_layer_is_optional_with_a_survey(survey, study_area, protected):
    inputs = IndicatorInputs(boundaries=study_area.boundaries, landcover=survey, protected=protected)
    results = compute_indicators(inputs, only=["wetland_protection_rate", "builtup_green_coverage"])
    by_key = {(r.indicator, r.adcode): r for r in results}
    assert by_key[("wetland_protection_rate", B)].value == pytest.approx(75.0)
    green = by_key[("builtup_green_coverage", CITY)]
    assert green.status == "not_computable" and "raster" in (green.reason or "")
    options = IndicatorOptions(landcover_method="geometry", include_aquaculture=True)
    results = compute_indicators(inputs, options=options, only=["wetland_protection_rate"])
    assert _values(results)[B] == pytest.approx(200.0 / 3.0)


def test_without_tabulation_fields_geometry_runs_and_tabulation_says_what_is_missing(survey, study_area):
    bare = LandSurveySource(survey.frame.drop(columns=["ZLDWDM"]), 2023, "bare.gpkg", False)
    assert choose_method(bare) == "geometry"
    assert _values(forest_coverage(bare, study_area))[A] == pytest.approx(600 / 11)
    with pytest.raises(LayerError, match=r"ZLDWDM.*--landcover-method geometry"):
        forest_coverage(bare, study_area, method="tabulation")


def test_unknown_dlbm_codes_are_a_warning_naming_them(survey, study_area):
    frame = survey.frame.copy()
    frame.loc[5, "DLBM"] = "9999"
    odd = LandSurveySource(frame, 2023, "odd.gpkg", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        forest_coverage(odd, study_area)
    messages = [str(w.message) for w in caught if issubclass(w.category, UnknownCodesWarning)]
    assert messages and "'9999'" in messages[0] and "0.6 km²" in messages[0]


def test_parcels_in_another_crs_are_refused_naming_both(survey, study_area):
    moved = LandSurveySource(survey.frame.to_crs("EPSG:4326"), 2023, "lonlat.gpkg", False)
    with pytest.raises(CRSError, match=r"EPSG:4326.*EPSG:4549"):
        forest_coverage(moved, study_area, method="geometry")


def test_sandiao_scheme_roles():
    scheme = load_scheme("sandiao")
    assert scheme.text_codes and scheme.nodata is None
    assert scheme.codes_for(["wetland"]) == {"0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"}
    assert scheme.codes_for(["water"]) == {"1101", "1102", "1103", "1104"}
    assert scheme.role_of("1104A") == "aquaculture"
    assert {"0303", "0304", "0306", "0301", "0302", "0305", "0307"} <= scheme.codes_for(["tree", "shrub"])
    assert all(code.startswith("02") for code in scheme.codes_for(["orchard"]))


def test_overlay_areas_matches_a_plain_intersection_on_a_jagged_zone():
    rng = np.random.default_rng(5)
    zone = shapely.Point(0, 0).buffer(1000, quad_segs=400)  # 1,600 vertices: cut into pieces first
    xs, ys = np.meshgrid(np.arange(-1100, 1100, 50.0), np.arange(-1100, 1100, 50.0))
    cells = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 50 + rng.uniform(0, 5), ys.ravel() + 50)
    parcel, zone_index, area = overlay_areas(cells, np.array([zone]), max_vertices=64)
    expected = shapely.area(shapely.intersection(cells, zone))
    assert np.allclose(area, expected[parcel], rtol=1e-9)
    assert set(np.flatnonzero(expected > 0)) == set(parcel.tolist())
    assert (zone_index == 0).all()


def test_a_district_the_survey_does_not_cover_is_insufficient_data_not_zero(survey, study_area):
    only_a = LandSurveySource(survey.frame[survey.frame["ZLDWDM"].str.startswith(A)], 2023, "A.gpkg", False)
    for method in ("tabulation", "geometry"):
        by_unit = {r.adcode: r for r in forest_coverage(only_a, study_area, method=method)}
        assert by_unit[B].status == "insufficient_data" and by_unit[B].value is None, method
        assert by_unit[CITY].status == "insufficient_data", method
    assert {r.adcode: r.value for r in forest_coverage(only_a, study_area)}[A] == pytest.approx(700 / 11)


def test_wetland_rate_of_a_district_the_survey_does_not_cover_is_insufficient_data(
    survey, study_area, protected
):
    only_b = LandSurveySource(survey.frame[survey.frame["ZLDWDM"].str.startswith(B)], 2023, "B.gpkg", False)
    by_unit = {r.adcode: r for r in wetland_protection_rate(study_area, protected, landcover=only_b)}
    assert by_unit[B].value == pytest.approx(75.0)
    assert by_unit[A].status == "insufficient_data" and by_unit[CITY].status == "insufficient_data"
