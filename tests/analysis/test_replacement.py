"""What replacing a layer changes: features added and removed, features per district, the indicators that
move, and the warning when the new layer covers much less of the city (the conftest's two districts, A west
of B, 1 km each)."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pytest
from shapely.geometry import Point

from wuxi_atlas.analysis.replacement import (
    MIN_KEPT_SHARE,
    compare_replacement,
    district_counts,
    feature_change,
    indicator_moves,
)
from wuxi_atlas.analysis.results import IndicatorResult

_X0, _Y0 = 528_000.0, 3_490_000.0  # the conftest's south-west corner, EPSG:4549


def _stations(points: list[tuple[float, float, int]]) -> gpd.GeoDataFrame:
    """Stations at (metres east of A's west edge, metres north, piles), in EPSG:4326 as layers are."""
    frame = gpd.GeoDataFrame(
        {"piles": [p for _, _, p in points]},
        geometry=[Point(_X0 + x, _Y0 + y) for x, y, _ in points],
        crs="EPSG:4549",
    )
    return frame.to_crs("EPSG:4326")


def _result(indicator: str, adcode: str, value: float | None, status: str = "no_target") -> IndicatorResult:
    return IndicatorResult(
        indicator=indicator,
        adcode=adcode,
        district=adcode,
        value=value,
        unit="count",
        target=None,
        target_year=None,
        status=status,  # type: ignore[arg-type]
        numerator=value,
        denominator=None,
        numerator_unit="piles",
        denominator_kind="",
        source="test",
        vintage="2024",
        synthetic=False,
        method="",
    )


def test_a_changed_attribute_is_one_feature_removed_and_one_added() -> None:
    old = _stations([(100, 100, 4), (1500, 500, 2), (1600, 500, 2)])
    new = _stations([(100, 100, 4), (1500, 500, 8), (1600, 500, 2), (1700, 500, 1)])
    change = feature_change(old, new, ["piles"])
    assert (change.current, change.new, change.added, change.removed) == (3, 4, 2, 1)
    # Without the field, only the geometry tells features apart: the changed one is the same feature.
    assert feature_change(old, new).added == 1


def test_a_round_trip_through_another_crs_changes_nothing() -> None:
    old = _stations([(100, 100, 4), (1500, 500, 2)])
    same = old.to_crs("EPSG:4549")
    assert feature_change(old, same, ["piles"]) == feature_change(old, old, ["piles"])
    assert feature_change(old, same, ["piles"]).added == 0


def test_duplicates_count_as_features() -> None:
    old = _stations([(100, 100, 4)])
    new = _stations([(100, 100, 4), (100, 100, 4)])
    assert feature_change(old, new, ["piles"]).added == 1


def test_no_current_layer_adds_everything() -> None:
    new = _stations([(100, 100, 4), (1500, 500, 2)])
    change = feature_change(None, new)
    assert (change.current, change.added, change.removed, change.kept_share) == (0, 2, 0, None)


def test_features_per_district(boundaries: gpd.GeoDataFrame) -> None:
    old = _stations([(100, 100, 4), (200, 100, 4), (1500, 500, 2)])
    new = _stations([(1500, 500, 2), (5000, 5000, 1)])  # the second outside the city
    counts = {d.adcode: (d.current, d.new) for d in district_counts(old, new, boundaries)}
    assert counts == {"320291": (2, 0), "320292": (1, 1)}


def test_five_stations_against_many_is_a_warning(boundaries: gpd.GeoDataFrame) -> None:
    # 40 stations spread over both districts, replaced by 5 in the eastern one.
    old = _stations([(50 + 45 * i, 500, 2) for i in range(40)])
    new = _stations([(1100 + 100 * i, 300, 8) for i in range(5)])
    report = compare_replacement("stations", old, new, boundaries, [], [], ["piles"])
    assert report.features is not None
    assert (report.features.current, report.features.new, report.features.removed) == (40, 5, 40)
    assert report.features.kept_share == pytest.approx(5 / 40)
    assert report.districts_lost == ("320291",)
    assert report.shrinks


def test_a_full_replacement_is_no_warning_and_a_lost_district_is(boundaries: gpd.GeoDataFrame) -> None:
    old = _stations([(100, 100, 4), (1500, 500, 2)])
    moved = _stations([(120, 100, 4), (1520, 500, 2)])  # every station moved 20 m: all new, none lost
    assert not compare_replacement("stations", old, moved, boundaries, [], []).shrinks
    # Half of the features is still enough by count, but district A would be left with none.
    half = _stations([(1500, 500, 2)])
    report = compare_replacement("stations", old, half, boundaries, [], [])
    assert report.features is not None and report.features.kept_share == MIN_KEPT_SHARE
    assert report.shrinks and report.districts_lost == ("320291",)


def test_indicator_moves_keep_what_changed_city_first() -> None:
    before = [
        _result("charging_piles", "320291", 10.0),
        _result("charging_piles", "320200", 30.0, "behind"),
        _result("pv_capacity", "320200", 5.0),
    ]
    after = [
        _result("charging_piles", "320291", 12.0),
        _result("charging_piles", "320200", 30.0, "met"),  # same value, another status: a move
        _result("pv_capacity", "320200", 5.0 * (1 + 1e-12)),  # the same figure, summed in another order
        _result("forest_coverage", "320200", None, "not_computable"),  # new, with no value
    ]
    moves = indicator_moves(before, after)
    assert [(m.indicator, m.adcode) for m in moves] == [
        ("charging_piles", "320200"),
        ("forest_coverage", "320200"),
        ("charging_piles", "320291"),
    ]
    assert moves[0].change == 0.0 and (moves[0].status_before, moves[0].status_after) == ("behind", "met")
    assert moves[1].change is None and moves[1].status_before == ""
    assert moves[2].change == pytest.approx(2.0)


def test_a_raster_has_only_indicator_moves(boundaries: gpd.GeoDataFrame) -> None:
    before = [_result("forest_coverage", "320200", 20.0)]
    after = [dataclasses.replace(before[0], value=25.0)]
    report = compare_replacement("landcover", None, None, boundaries, before, after)
    assert report.features is None and report.districts == () and not report.shrinks
    assert [m.change for m in report.moves] == [pytest.approx(5.0)]


def test_land_cover_that_covers_much_less_is_a_warning(boundaries: gpd.GeoDataFrame) -> None:
    # A tile that covers the city's east: district B keeps its data, A is left with a corner.
    shares = {"320200": (1.0, 0.6), "320291": (1.0, 0.2), "320292": (1.0, 1.0)}
    before = [
        dataclasses.replace(_result("forest_coverage", a, 20.0), valid_share=b)
        for a, (b, _) in shares.items()
    ]
    after = [
        dataclasses.replace(_result("forest_coverage", a, 20.0), valid_share=n)
        for a, (_, n) in shares.items()
    ]
    report = compare_replacement("landcover", None, None, boundaries, before, after)
    assert [(c.adcode, c.before, c.after) for c in report.coverage] == [
        ("320200", 1.0, 0.6),
        ("320291", 1.0, 0.2),
        ("320292", 1.0, 1.0),
    ]
    assert report.districts_lost == ("320291",) and report.shrinks
    # Half the city with data already, and 0.3 of it kept: not under half of what there is now.
    half = [dataclasses.replace(r, valid_share=0.5) for r in before]
    kept = [dataclasses.replace(r, valid_share=0.3) for r in before]
    assert not compare_replacement("landcover", None, None, boundaries, half, kept).shrinks
    assert not compare_replacement("landcover", None, None, boundaries, before, before).shrinks
