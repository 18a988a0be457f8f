"""The atlas map as HTML (as streamlit-folium's own tests do it: build the map, render it, read the page):
every layer in the layer control, text from files escaped, nothing fetched from a CDN; and the pure
pieces behind the app (board gaps, statistics CSV, exports, boundaries for display)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from wuxi_atlas.analysis.board import board_rows, parse_statistic_figures, statistic_rows
from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.errors import DataFileError, LayerError
from wuxi_atlas.analysis.export import layer_to_geojson, results_zip
from wuxi_atlas.analysis.results import IndicatorResult
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.analysis.targets import Target
from wuxi_atlas.maps.assets import cdn_links, localize_assets
from wuxi_atlas.maps.atlas import (
    OVERLAYS,
    AtlasData,
    MapView,
    build_atlas_map,
    district_at,
    layer_names,
    map_html,
    selection_layer,
)
from wuxi_atlas.maps.basemap import available_basemaps
from wuxi_atlas.maps.factsheet import fact_sheet_html
from wuxi_atlas.maps.providers import display_boundaries
from wuxi_atlas.maps.text import format_gap

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LIANGXI = (120.30, 31.575)  # inside 梁溪区
CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "netdna.bootstrapcdn.com")


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    return load_boundaries()


def _vector(kind: str, frame: gpd.GeoDataFrame) -> VectorSource:
    return VectorSource(kind, frame, "test fixture", "2024", True)


@pytest.fixture(scope="module")
def data(boundaries: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> AtlasData:
    """One or two hand-made features per layer, around 梁溪区, with hostile names."""
    lon, lat = LIANGXI
    stations = gpd.GeoDataFrame(
        {
            "name": [SCRIPT, IMG],
            "type": ["charging", "hydrogen"],
            "piles": [10, 2],
            "access": ["public", "dedicated"],
            "operator": ["op", IMG],
        },
        geometry=[shapely.Point(lon, lat), shapely.Point(lon + 0.01, lat)],
        crs="EPSG:4326",
    )
    wetlands = gpd.GeoDataFrame(
        {"name": [IMG, "lake"], "wetland_type": ["pond", "lake"]},
        geometry=[shapely.Point(lon, lat - 0.01).buffer(0.004), shapely.Point(lon + 0.02, lat).buffer(0.004)],
        crs="EPSG:4326",
    )
    protected = gpd.GeoDataFrame(
        {"name": [SCRIPT], "protection_type": ["wetland_park"], "level": ["national"]},
        geometry=[shapely.Point(lon, lat - 0.01).buffer(0.006)],
        crs="EPSG:4326",
    )
    builtup = gpd.GeoDataFrame(
        {"name": ["core"], "year": [2024]}, geometry=[shapely.Point(lon, lat).buffer(0.03)], crs="EPSG:4326"
    )
    buildings = gpd.GeoDataFrame(
        {
            "name": [SCRIPT, "b"],
            "building_type": ["government", "rural_home"],
            "roof_area_m2": [1000.0, 200.0],
        },
        geometry=[
            shapely.box(lon, lat, lon + 0.0005, lat + 0.0004),
            shapely.box(lon + 0.002, lat, lon + 0.0025, lat + 0.0004),
        ],
        crs="EPSG:4326",
    )
    pv_sites = gpd.GeoDataFrame(
        {"name": [IMG], "kind": ["rooftop"], "capacity_kw": [500.0], "year": [2023]},
        geometry=[shapely.Point(lon - 0.01, lat)],
        crs="EPSG:4326",
    )
    raster = tmp_path_factory.mktemp("lc") / "landcover_2024.tif"
    codes = np.array([[10, 20, 30], [40, 50, 80], [90, 10, 10]], dtype=np.uint8)
    with rasterio.open(
        raster, "w", driver="GTiff", width=3, height=3, count=1, dtype="uint8",
        crs="EPSG:4326", transform=from_origin(119.5, 32.1, 0.4, 0.35), nodata=0,
    ) as dataset:  # fmt: skip
        dataset.write(codes, 1)
    return AtlasData(
        boundaries,
        {2024: RasterSource(Path(raster), "worldcover", 2024, "test fixture", True)},
        {
            "stations": _vector("stations", stations),
            "wetlands": _vector("wetlands", wetlands),
            "protected": _vector("protected", protected),
            "builtup": _vector("builtup", builtup),
            "buildings": _vector("buildings", buildings),
            "pv_sites": _vector("pv_sites", pv_sites),
        },
    )


@pytest.fixture(scope="module")
def html(data: AtlasData) -> str:
    return map_html(build_atlas_map(data, MapView(layers=OVERLAYS)), title="t", banner="合成 " + SCRIPT)


def test_every_layer_is_in_the_layer_control(data: AtlasData, html: str) -> None:
    fmap = build_atlas_map(data, MapView(layers=OVERLAYS))
    names = layer_names(fmap)
    expected = (
        "土地覆盖",
        "林木",
        "建成区",
        "自然保护地",
        "湿地",
        "屋顶光伏潜力",
        "光伏项目",
        "充换电站",
        "行政区划",
    )
    for word in expected:
        assert any(word in name for name in names), (word, names)
    control = html[html.index("overlays :") : html.index("L.control.layers")]
    for name in names:
        assert json.dumps(name)[1:-1] in control, name
    assert "土地覆盖 2024 · 合成示例" in names  # synthetic layers say so in the control


def test_text_from_files_is_escaped(html: str) -> None:
    assert SCRIPT not in html
    assert "<img src=x" not in html
    assert "alert(1)" in html  # the text is there, as text
    assert "&lt;script&gt;" in html or "\\u0026lt;script\\u0026gt;" in html


def test_no_cdn_assets_in_the_page(html: str) -> None:
    assert cdn_links(html) == []
    for host in CDN_HOSTS:
        assert host not in html
    assert "data:text/javascript;base64," in html  # Leaflet itself is inlined


def test_streamlit_folium_gets_only_inline_assets(data: AtlasData) -> None:
    """streamlit-folium loads every element's default_js/default_css by URL: all must be data: URIs."""
    fmap = build_atlas_map(data, MapView(layers=OVERLAYS, focus="320213"))

    def walk(element):  # type: ignore[no-untyped-def]
        yield element
        for child in element._children.values():
            yield from walk(child)

    links = [
        url
        for element in walk(fmap)
        for attr in ("default_js", "default_css")
        for _, url in getattr(element, attr, [])
    ]
    assert links and all(url.startswith("data:") for url in links)
    assert not any(
        isinstance(element, branca.colormap.ColorMap) for element in walk(fmap)
    )  # would add d3 from a CDN


@pytest.mark.parametrize("kind", ["stations", "pv_sites", "wetlands"])
def test_the_atlas_draws_each_kind_with_the_kind_module(data: AtlasData, kind: str) -> None:
    """One drawing path: the atlas's group of a kind holds exactly what the kind's ``draw`` makes."""
    from wuxi_atlas.maps.draw import CompactPoints, CompactShapes
    from wuxi_atlas.maps.kinds import drawer

    def arrays(group: folium.FeatureGroup) -> list[tuple[str, str, str, str]]:
        return [
            (type(child).__name__, child.rows, child.colours, child.lookups)
            for child in group._children.values()
            if isinstance(child, CompactPoints | CompactShapes)
        ]

    fmap = build_atlas_map(data, MapView(layers=(kind,), basemap="none"))
    (atlas_group,) = [
        child for child in fmap._children.values() if isinstance(child, folium.FeatureGroup) and child.control
    ]
    source = data.vectors[kind]
    assert source is not None
    if kind == "wetlands":  # the atlas passes the wetlands split by protection status, simplified (50 m)
        from wuxi_atlas.maps.providers import wetlands_for_display

        source = VectorSource(
            source.kind, wetlands_for_display(source, data.vectors["protected"], 50.0), "", "", True
        )
    own_group = drawer(kind).draw(folium.Map(), source, opacity=MapView().opacity_of(kind))
    assert atlas_group.layer_name == own_group.layer_name
    assert arrays(atlas_group) and arrays(atlas_group) == arrays(own_group)


def test_unknown_assets_are_refused() -> None:
    fmap = folium.Map()
    folium.Marker([31.5, 120.3], popup=folium.Popup("x")).add_to(fmap)
    with pytest.raises(LayerError, match="jQuery"):
        localize_assets(fmap)


def test_district_focus_draws_roofs_and_zoom_switch(data: AtlasData) -> None:
    page = map_html(build_atlas_map(data, MapView(layers=("pv", "districts"), focus="320213")))
    assert "L.rectangle" in page and "L.polygon" in page
    assert "map.getZoom() >= 14" in page


def test_amap_shifts_overlays_to_gcj02(data: AtlasData) -> None:
    wgs = map_html(build_atlas_map(data, MapView(layers=("stations",), basemap="none")))
    gcj = map_html(build_atlas_map(data, MapView(layers=("stations",), basemap="amap")))
    lon, lat = LIANGXI
    assert f"[{lat},{lon}," in wgs
    assert f"[{lat},{lon}," not in gcj  # moved by about 500 m
    assert "autonavi" in gcj


def test_basemaps_offered_only_when_configured() -> None:
    keys = [b.key for b in available_basemaps(tianditu_key="", tile_url="")]
    assert "tianditu" not in keys and "internal" not in keys and "none" in keys
    keys = [b.key for b in available_basemaps(tianditu_key="abc123", tile_url="http://tiles/{z}/{x}/{y}.png")]
    assert "tianditu" in keys and "internal" in keys


def test_display_boundaries_small_and_without_gaps(boundaries: gpd.GeoDataFrame) -> None:
    shown = display_boundaries(boundaries)
    assert len(shown) == 7
    assert len(shown.to_json().encode()) < 150_000
    assert bool(shapely.coverage_is_valid(shown.geometry.array))
    union = shapely.coverage_union_all(shown.geometry.array)
    assert shapely.get_num_interior_rings(union) == 0 or union.geom_type == "Polygon"
    assert district_at(boundaries, *LIANGXI) == "320213"
    assert district_at(boundaries, 100.0, 30.0) is None
    assert selection_layer(shown, "320213")._children  # an outline to overlay


def test_display_boundaries_match_the_metric_simplification(boundaries: gpd.GeoDataFrame) -> None:
    # Simplified on a plane tangent at Wuxi, not in EPSG:4549 (no coordinate transformation on the first
    # paint): within a few metres of the same simplification done in EPSG:4549, vertex for vertex.
    from wuxi_atlas.analysis.crs import METRIC_CRS

    shown = display_boundaries(boundaries)
    districts = boundaries[boundaries["adcode"].astype(str) != "320200"].to_crs(METRIC_CRS)
    metric = gpd.GeoSeries(shapely.coverage_simplify(districts.geometry.array, 60.0), crs=METRIC_CRS)
    assert list(shown["adcode"]) == list(districts["adcode"])
    gap = shapely.hausdorff_distance(shown.to_crs(METRIC_CRS).geometry.array, metric.array)
    assert float(gap.max()) < 5.0
    vertices = shapely.get_num_coordinates(shown.geometry.array)
    assert (vertices == shapely.get_num_coordinates(metric.array)).all()


def test_fact_sheet_escapes_and_bans_scripts() -> None:
    result = _result("forest_coverage", value=20.0, target=27.8, numerator=20e6, denominator=100e6)
    import pandas as pd

    change = pd.DataFrame({"class_label": [IMG], "gained_ha": [1.0], "lost_ha": [2.0], "net_ha": [-1.0]})
    page = fact_sheet_html(
        SCRIPT, board_rows([result]), change=change, change_years=(2020, 2024), synthetic=True
    )
    assert SCRIPT not in page and "<img" not in page and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "合成示例数据" in page


# --- board, statistics, exports ------------------------------------------------------------------------


def _result(
    indicator: str,
    *,
    value: float,
    target: float | None,
    numerator: float,
    denominator: float | None,
    unit: str = "%",
    status: str = "behind",
    adcode: str = "320213",
) -> IndicatorResult:
    return IndicatorResult(
        indicator=indicator, adcode=adcode, district="梁溪区", value=value, unit=unit, target=target,
        target_year=2025, status=status, numerator=numerator, denominator=denominator, numerator_unit="m2",
        denominator_kind="official_area", source="t", vintage="2024", synthetic=True, method="m",
    )  # fmt: skip


def test_gap_in_physical_units() -> None:
    # 20% of 100 km² is tree; 27.8% would be 27.8 km²: 7.8 km² = 780 ha short.
    forest = _result("forest_coverage", value=20.0, target=27.8, numerator=20e6, denominator=100e6)
    piles = _result(
        "charging_piles", value=161_000, target=200_000, numerator=161_000, denominator=None, unit="count"
    )
    met = _result(
        "pv_installed_capacity",
        value=3000,
        target=2530,
        numerator=3e6,
        denominator=None,
        unit="MW",
        status="met",
    )
    rows = board_rows([forest, piles, met])
    assert rows[0].gap == pytest.approx(780.0)
    assert rows[1].gap == 39_000 and rows[1].progress == pytest.approx(0.805)
    assert rows[2].gap == 0.0
    assert format_gap(rows[0], "zh") == "需增加林木 780 公顷"
    assert format_gap(rows[0], "en") == "needs +780 ha of tree cover"
    assert format_gap(rows[1], "en") == "needs +39,000 piles"


_TARGETS = (
    Target("energy_intensity", "单位GDP能耗下降", "energy intensity cut", 14.0, "%", "reduction_pct",
           "at_least", 2025, ("一",), "statistic", "efficiency", 2020),
    Target("forest_2025", "林木覆盖率", "tree cover", 27.8, "%", "level", "at_least", 2025, ("一",),
           "forest_coverage", "society"),
)  # fmt: skip


def test_statistics_csv_is_judged() -> None:
    figures = parse_statistic_figures(b"id,value,year\nenergy_intensity,15.2,2024\n", _TARGETS)
    rows = statistic_rows(_TARGETS, figures)
    assert [(r.target.id, r.value, r.status) for r in rows] == [("energy_intensity", 15.2, "met")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("name,value\nx,1\n", "no 'id'"),
        ("id,value\nnope,1\n", "unknown target id 'nope'"),
        ("id,value\nforest_2025,27\n", "map indicator"),
        ("id,value\nenergy_intensity,abc\n", "not a number"),
        ("id,value,year\nenergy_intensity,1,20x\n", "not a year"),
    ],
)
def test_statistics_csv_errors_are_clear(text: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        parse_statistic_figures(text, _TARGETS)


def test_layer_export_is_rfc7946_filtered_and_flagged(data: AtlasData, boundaries: gpd.GeoDataFrame) -> None:
    stations = data.vector("stations")
    assert stations is not None
    collection = json.loads(layer_to_geojson(stations, boundaries, "320213"))
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    assert collection["synthetic"] is True
    assert {f["properties"]["name"] for f in collection["features"]} == {SCRIPT, IMG}  # data, as it is
    assert all(f["properties"]["synthetic"] is True for f in collection["features"])
    elsewhere = json.loads(layer_to_geojson(stations, boundaries, "320282"))
    assert elsewhere["features"] == []


def test_results_zip_has_csv_json_and_metadata() -> None:
    result = _result("forest_coverage", value=20.0, target=27.8, numerator=20e6, denominator=100e6)
    with zipfile.ZipFile(io.BytesIO(results_zip([result], parameters={"p": 1}))) as archive:
        assert sorted(archive.namelist()) == ["indicators.csv", "indicators.json", "indicators.metadata.json"]
        metadata = json.loads(archive.read("indicators.metadata.json"))
        assert metadata["synthetic"] is True and metadata["parameters"] == {"p": 1}
        assert "forest_coverage" in archive.read("indicators.csv").decode()


def test_cli_map_and_export(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wuxi_atlas.cli import geoplan

    runner = CliRunner()
    page = tmp_path / "map.html"
    result = runner.invoke(geoplan, ["map", "--overlay", "districts", "--basemap", "none", "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert cdn_links(page.read_text(encoding="utf-8")) == []
    assert runner.invoke(geoplan, ["map", "--overlay", "districts", "-o", str(page)]).exit_code != 0  # exists
    out = tmp_path / "districts.geojson"
    result = runner.invoke(geoplan, ["export", "districts", "--district", "Binhu", "-o", str(out)])
    assert result.exit_code == 0, result.output
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["adcode"] == "320211" and collection["synthetic"] is False
    assert [f["properties"]["adcode"] for f in collection["features"]] == ["320211"]  # the district alone


def test_the_choices_name_every_overlay_the_map_draws() -> None:
    """The CLI's and the app's light list of overlays and the atlas's drawing order hold the same names."""
    from wuxi_atlas.maps.atlas import OVERLAYS
    from wuxi_atlas.maps.overlay_names import OVERLAY_CHOICES

    assert sorted(OVERLAY_CHOICES) == sorted(OVERLAYS) and len(set(OVERLAY_CHOICES)) == len(OVERLAY_CHOICES)
