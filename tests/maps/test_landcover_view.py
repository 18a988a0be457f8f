"""Land cover by year on the map: one year, or two side by side across a divider the reader drags (in
the page, and from ``geoplan map --compare-year``). The browser half (the divider clips the panes where
it is dragged) is in tests/app/test_browser_basemaps.py, which has the one Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.sources import RasterSource
from wuxi_atlas.cli import geoplan
from wuxi_atlas.layers.defaults import default_landcover_series, load_default_landcover
from wuxi_atlas.maps.atlas import AtlasData, MapView, build_atlas_map, layer_names, map_html
from wuxi_atlas.maps.landcover_view import shown_years


@pytest.fixture(scope="module")
def two_years() -> AtlasData:
    years = list(default_landcover_series())
    assert len(years) >= 2, "the demo ships land cover for two years"
    return AtlasData(load_boundaries(), {y: load_default_landcover(year=y) for y in years[:2]})


def test_shown_years_are_the_view_year_and_the_one_to_compare(two_years: AtlasData) -> None:
    first, second = sorted(two_years.landcover)
    assert shown_years(two_years.landcover, second, None) == (second,)
    assert shown_years(two_years.landcover, second, first) == (first, second)  # earlier year first
    assert shown_years(two_years.landcover, first, second) == (first, second)
    assert shown_years(two_years.landcover, second, second) == (second,)  # the same year: no divider
    assert shown_years(two_years.landcover, None, 1999) == (second,)  # a year not held: the latest alone
    assert shown_years({}, 2024, 2020) == ()


def _swipe_panes(page: str) -> list[str]:
    """The panes the dividers of ``page`` make, each year's images in one."""
    sides = re.findall(r"var sides = \{left: (\[[^\]]*\]), right: (\[[^\]]*\])\}", page)
    return [name for pair in sides for side in pair for name in json.loads(side)]


def test_two_years_draw_each_year_in_its_pane_with_one_divider(two_years: AtlasData) -> None:
    first, second = sorted(two_years.landcover)
    view = MapView(layers=("landcover", "forest"), basemap="none", year=second, compare_year=first)
    fmap = build_atlas_map(two_years, view)
    page = map_html(fmap)
    assert sorted(_swipe_panes(page)) == sorted(
        f"landcover_{variant}_{y}" for variant in ("classes", "forest") for y in (first, second)
    )
    assert page.count("L.imageOverlay(") == 4  # two years × land cover and forest cover
    assert page.count("map.__atlasSwipe = ") == 2  # one per group; the first to run makes the divider
    assert f"{first} | {second}" in " ".join(layer_names(fmap))
    assert f'"{first} 年"' in page and f'"{second} 年"' in page  # the divider's labels, in the language
    single = map_html(build_atlas_map(two_years, MapView(layers=("landcover",), basemap="none", year=second)))
    assert _swipe_panes(single) == [] and "__atlasSwipe" not in single
    assert single.count("L.imageOverlay(") == 1


def test_a_land_survey_year_is_not_drawn_and_leaves_no_divider(two_years: AtlasData) -> None:
    first, second = sorted(two_years.landcover)
    raster = two_years.landcover[second]
    assert isinstance(raster, RasterSource)
    only_raster = AtlasData(two_years.boundaries, {second: raster})
    page = map_html(
        build_atlas_map(only_raster, MapView(layers=("landcover",), year=second, compare_year=first))
    )
    assert "__atlasSwipe" not in page and page.count("L.imageOverlay(") == 1


def test_geoplan_map_compare_year(tmp_path: Path) -> None:
    years = list(default_landcover_series())
    out = tmp_path / "swipe.html"
    args = ["map", "--overlay", "landcover", "--basemap", "none", "--lang", "en", "-q", "-o", str(out)]
    result = CliRunner().invoke(geoplan, [*args, "--compare-year", str(years[0])])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert sorted(_swipe_panes(page)) == [f"landcover_classes_{y}" for y in years[:2]]
    assert "Drag the divider" in page
    refused = CliRunner().invoke(geoplan, [*args, "--overwrite", "--compare-year", "1999"])
    assert refused.exit_code == 2 and "no shipped land cover for 1999" in refused.output
