"""The indicators that read no raster are kept in the on-disk result cache (``compute_indicators(...,
cache=True)``, which ``geoplan indicators`` asks for): a hit gives what a fresh computation gives, a
changed file is a new key, and what reads the raster is never served from the cache."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from wuxi_atlas.analysis.indicators import compute_indicators
from wuxi_atlas.analysis.shipped_results import computed_afresh
from wuxi_atlas.analysis.targets import load_targets
from wuxi_atlas.layers.defaults import default_landcover_series
from wuxi_atlas.layers.inputs import load_indicator_inputs

STATIONS_HEADER = "名称,类型,桩数,开放类型,经度,纬度\n"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Iterator[Path]:
    """An empty result cache, and none of the results shipped with the data (their own tests are in
    tests/analysis/test_shipped_results.py)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(folder))
    with computed_afresh():
        yield folder


def _records(results) -> str:
    return json.dumps([asdict(r) for r in results], ensure_ascii=False, sort_keys=True)


def _run(cache: bool, **load_options):
    inputs = load_indicator_inputs(**load_options)
    return inputs, compute_indicators(
        inputs, load_targets(), only=load_options.get("indicators"), cache=cache
    )


def test_a_hit_gives_the_fresh_results_and_reads_no_vector_layer_it_served(cache_dir):
    _, fresh = _run(cache=False)
    _, first = _run(cache=True)
    assert any((cache_dir / "indicators").glob("*.json"))
    inputs, again = _run(cache=True)
    assert _records(first) == _records(fresh)
    assert _records(again) == _records(fresh)
    # Only the raster indicators' layers are read again: the land cover and the built-up area it is cut by.
    assert sorted(inputs.read_kinds) == ["builtup", "landcover"]


def test_a_changed_vector_file_is_a_new_key(cache_dir, tmp_path):
    stations = tmp_path / "stations.csv"
    stations.write_text(STATIONS_HEADER + "甲,充电站,4,公共,120.3,31.5\n", encoding="utf-8")
    only = ["charging_piles"]
    _, before = _run(cache=True, layer_paths={"stations": stations}, indicators=only)
    stations.write_text(
        STATIONS_HEADER + "甲,充电站,4,公共,120.3,31.5\n乙,充电站,9,公共,120.31,31.5\n", "utf-8"
    )
    inputs, after = _run(cache=True, layer_paths={"stations": stations}, indicators=only)
    _, fresh = _run(cache=False, layer_paths={"stations": stations}, indicators=only)
    assert inputs.read_kinds == ("stations",)
    assert _records(after) == _records(fresh)
    city = {r.indicator: r.value for r in after if r.adcode == "320200" and r.indicator == "charging_piles"}
    assert city["charging_piles"] == 13
    assert _records(before) != _records(after)


def test_the_wetland_rate_from_the_raster_is_never_served_from_the_cache(cache_dir):
    """Without wetland polygons 湿地保护率 comes from the land cover's classes: it must follow the raster."""
    years = default_landcover_series()
    assert len(years) >= 2
    only = ["wetland_protection_rate"]
    results = {}
    for year, raster in years.items():
        _, results[year] = _run(cache=True, landcover=raster, without=("wetlands",), indicators=only)
        _, fresh = _run(cache=False, landcover=raster, without=("wetlands",), indicators=only)
        assert _records(results[year]) == _records(fresh)
    first, last = min(years), max(years)
    assert _records(results[first]) != _records(results[last])


def test_the_wetland_rate_from_polygons_is_served_whatever_the_raster(cache_dir):
    years = default_landcover_series()
    only = ["wetland_protection_rate"]
    _, first = _run(cache=True, landcover=years[min(years)], indicators=only)
    inputs, second = _run(cache=True, landcover=years[max(years)], indicators=only)
    assert _records(first) == _records(second)
    assert "wetlands" not in inputs.read_kinds and "protected" not in inputs.read_kinds
