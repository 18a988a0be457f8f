"""Indicator maps: the districts coloured by an indicator (values from the results, the target in the
legend, names escaped) and the charging service gaps overlay, in the standalone page and from the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.results import CITY_ADCODE, IndicatorResult
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.maps.atlas import AtlasData, MapView, build_atlas_map, layer_names, map_html
from wuxi_atlas.maps.choropleth import GAP_COLOUR, RAMP, choropleth_frame
from wuxi_atlas.maps.status_style import status_colour

HOSTILE = "<img src=x onerror=alert(1)> {{ 6*7 }}"


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    return load_boundaries()


def _results(boundaries: gpd.GeoDataFrame) -> list[IndicatorResult]:
    """forest_coverage for every unit: district i has 10 + 2.5 i %, one district has no value."""
    results = []
    adcodes = sorted(boundaries["adcode"].astype(str))
    for i, adcode in enumerate(adcodes):
        value = None if adcode == "320214" else 10.0 + 2.5 * i
        status = (
            "met"
            if value is not None and value >= 27.8
            else ("not_computable" if value is None else "behind")
        )
        results.append(
            IndicatorResult(
                indicator="forest_coverage",
                adcode=adcode,
                district=adcode,
                value=value,
                unit="%",
                target=27.8,
                target_year=2025,
                status=status,
                numerator=None,
                denominator=None,
                numerator_unit="m2",
                denominator_kind="official_area",
                source="t",
                vintage="2024",
                synthetic=True,
                method="m",
            )
        )
    return results


def _features(page: str) -> list[list[dict]]:
    """Every GeoJSON collection the page hands to Leaflet, parsed from the page source."""
    decoder = json.JSONDecoder()
    found = []
    for match in re.finditer(r"geo_json_[0-9a-f]+_add\(", page):
        collection, _ = decoder.raw_decode(page, match.end())
        found.append(collection["features"])
    return found


def test_choropleth_values_and_target_come_from_the_results(boundaries: gpd.GeoDataFrame) -> None:
    results = _results(boundaries)
    data = AtlasData(boundaries, results=results)
    view = MapView(layers=("districts",), basemap="none", choropleth="forest_coverage")
    page = map_html(build_atlas_map(data, view))
    # The choropleth collection: one feature per district, its value label and colour.
    shaded = next(f for f in _features(page) if f and "_colour" in f[0]["properties"] and len(f) == 7)
    expected = {r.adcode: r for r in results if r.adcode != CITY_ADCODE}
    names = dict(zip(boundaries["name_zh"], boundaries["adcode"].astype(str), strict=True))
    seen = {}
    for feature in shaded:
        properties = feature["properties"]
        adcode = names[properties["f0"]]
        seen[adcode] = properties["f1"]
        value = expected[adcode].value
        assert properties["f1"] == ("–" if value is None else f"{value:.2f}%")
    assert set(seen) == set(expected)
    # The ramp: lowest district the lightest step, highest the darkest, no value grey.
    colours = {names[f["properties"]["f0"]]: f["properties"]["_colour"] for f in shaded}
    values = {a: r.value for a, r in expected.items() if r.value is not None}
    assert colours[min(values, key=values.__getitem__)] == RAMP[0]
    assert colours[max(values, key=values.__getitem__)] == RAMP[-1]
    assert colours["320214"] == "#bdbdbd"
    # The legend states the target; the layer control lists the map.
    legend = page[page.index("atlas-legend") :]
    assert "目标 27.80%（2025 年）" in legend
    assert any("林木覆盖率" in name for name in layer_names(build_atlas_map(data, view)))


def test_status_colouring_uses_the_status_palette(boundaries: gpd.GeoDataFrame) -> None:
    results = _results(boundaries)
    frame = choropleth_frame(boundaries, results, "forest_coverage", lang="en", mode="status")
    by_adcode = {r.adcode: r for r in results}
    for adcode, colour, word in zip(frame["adcode"], frame["colour"], frame["status"], strict=True):
        result = by_adcode[adcode]
        assert colour == ("#bdbdbd" if result.value is None else status_colour(result.status))
        assert word in {"met": "target met", "behind": "behind"}.get(result.status, word)
    page = map_html(
        build_atlas_map(
            AtlasData(boundaries, results=results),
            MapView(
                layers=(), basemap="none", lang="en", choropleth="forest_coverage", choropleth_mode="status"
            ),
        )
    )
    assert "target 27.80% (2025)" in page


def test_choropleth_names_from_files_are_escaped(boundaries: gpd.GeoDataFrame) -> None:
    hostile = boundaries.copy()
    hostile.loc[hostile["adcode"].astype(str) == "320213", "name_zh"] = HOSTILE
    page = map_html(
        build_atlas_map(
            AtlasData(hostile, results=_results(boundaries)),
            MapView(layers=(), basemap="none", choropleth="forest_coverage"),
        )
    )
    assert "<img src=x" not in page and "\\u003cimg src=x" not in page
    assert "{{ 6*7 }}" not in page and "42" not in re.findall(r"choropleth-label[^\"]*", page)[0]


def test_charging_gaps_overlay_draws_the_gaps(boundaries: gpd.GeoDataFrame) -> None:
    lon, lat = 120.30, 31.575
    builtup = gpd.GeoDataFrame(geometry=[shapely.Point(lon, lat).buffer(0.03)], crs="EPSG:4326")
    stations = gpd.GeoDataFrame(
        {"type": ["charging"], "access": ["public"], "piles": [4], "name": ["s"], "operator": ["o"]},
        geometry=[shapely.Point(lon, lat)],
        crs="EPSG:4326",
    )
    data = AtlasData(
        boundaries,
        vectors={
            "builtup": VectorSource("builtup", builtup, "t", "", False),
            "stations": VectorSource("stations", stations, "t", "", False),
        },
    )
    page = map_html(build_atlas_map(data, MapView(layers=("charging_gaps",), basemap="none")))
    gaps = [f for f in _features(page) if f and f[0]["properties"].get("_colour") == GAP_COLOUR]
    assert gaps, "no gap polygons in the page"
    drawn = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in gaps[0]])
    served = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs("EPSG:4549").buffer(1000)
    hole = served.to_crs("EPSG:4326").iloc[0]
    # The ring around the station is the gap; the served disc is not.
    assert drawn.intersection(hole).area < 0.02 * hole.area
    assert drawn.area == pytest.approx(builtup.geometry.iloc[0].difference(hole).area, rel=0.05)
    assert "充电服务盲区" in page


def test_cli_map_choropleth_equals_the_indicator_results(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wuxi_atlas.analysis.indicators import compute_indicators
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.cli import geoplan
    from wuxi_atlas.layers.inputs import load_indicator_inputs

    page = tmp_path / "map.html"
    result = CliRunner().invoke(
        geoplan,
        ["map", "--choropleth", "forest_coverage", "--overlay", "charging_gaps", "--basemap", "none",
         "-o", str(page)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    inputs = load_indicator_inputs()
    expected = {
        r.district: f"{r.value:.2f}%"
        for r in compute_indicators(inputs, load_targets(), only=["forest_coverage"])
        if r.adcode != CITY_ADCODE and r.value is not None
    }
    shaded = next(
        f for f in _features(text) if f and "_colour" in f[0]["properties"] and len(f) == len(expected)
    )
    assert {f["properties"]["f0"]: f["properties"]["f1"] for f in shaded} == expected
    assert "目标 27.80%（2025 年）" in text
    assert "充电服务盲区" in text
