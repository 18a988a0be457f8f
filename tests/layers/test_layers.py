"""layers/: the spec registry, the readers' checks and messages, and safe drawing.

Every fixture is a handful of features written to tmp_path, so each answer can be read off the fixture.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types
import zipfile
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from wuxi_atlas.analysis.errors import CRSError, LayerError, LayerReadError
from wuxi_atlas.analysis.sources import LAYER_KINDS, RasterSource, VectorSource
from wuxi_atlas.layers.formats import read_landcover
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import LAYER_SPECS, get_spec, layer_module
from wuxi_atlas.maps.kinds import drawer

# Near 无锡 梁溪区.
LON, LAT = 120.30, 31.57


def _square(dx: float = 0.0, size: float = 0.01) -> Polygon:
    return box(LON + dx, LAT, LON + dx + size, LAT + size)


# One valid frame per vector kind, with the demo GeoPackage's layer name.
_SAMPLES: dict[str, tuple[str, dict[str, list[object]], list[object]]] = {
    "districts": ("districts", {"adcode": ["320213"], "name_zh": ["梁溪区"]}, [_square(size=0.05)]),
    "wetlands": (
        "wetlands",
        {"name": ["蠡湖", "古运河"], "wetland_type": ["湖泊", "river"]},
        [_square(), _square(0.02)],
    ),
    "protected": (
        "protected_areas",
        {"name": ["长广溪湿地公园"], "protection_type": ["湿地公园"], "level": ["国家级"]},
        [_square()],
    ),
    "builtup": ("builtup", {"year": [2024]}, [_square(size=0.04)]),
    "buildings": (
        "buildings",
        {
            "building_type": ["政府", "rural_home"],
            "roof_area_m2": [1000.0, 150.0],
            "name": ["区政府", "农房"],
        },
        [_square(size=0.001), _square(0.01, 0.0005)],
    ),
    "pv_sites": (
        "pv_sites",
        {"name": ["屋顶光伏"], "capacity_kw": [500.0], "kind": ["屋顶"], "year": [2023]},
        [Point(LON, LAT)],
    ),
    "stations": (
        "stations",
        {
            "name": ["A站", "B站"],
            "type": ["充电站", "hydrogen"],
            "piles": [10, 2],
            "access": ["公共", "专用"],
        },
        [Point(LON, LAT), Point(LON + 0.01, LAT)],
    ),
}
VECTOR_KINDS = tuple(_SAMPLES)


def _frame(kind: str, crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    _, columns, geometry = _SAMPLES[kind]
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=crs)


@pytest.fixture
def demo_gpkg(tmp_path: Path) -> Path:
    """A GeoPackage like the demo: one layer per kind under the demo's names, marked synthetic."""
    path = tmp_path / "demo.gpkg"
    for kind in VECTOR_KINDS:
        pyogrio.write_dataframe(
            _frame(kind).to_crs("EPSG:4549"),
            path,
            layer=_SAMPLES[kind][0],
            dataset_metadata={"synthetic": "true", "seed": "7"},
            append=path.exists(),
        )
    return path


@pytest.fixture
def schemes_module() -> types.ModuleType:
    """The scheme registry the raster checks read."""
    return importlib.import_module("wuxi_atlas.analysis.schemes")


def _landcover_tif(path: Path, *, crs: str | None = "EPSG:4549", tags: dict[str, str] | None = None) -> Path:
    """A 4×4 WorldCover raster near Wuxi: tree top-left, shrub top-right, built bottom-left, water+nodata."""
    import rasterio
    from rasterio.transform import from_origin

    codes = np.array(
        [[10, 10, 20, 20], [10, 10, 20, 20], [50, 50, 80, 80], [50, 50, 80, 0]],
        dtype=np.uint8,
    )
    profile = {
        "driver": "GTiff",
        "width": 4,
        "height": 4,
        "count": 1,
        "dtype": "uint8",
        "nodata": 0,
        "crs": crs,
        "transform": from_origin(528_000, 3_494_000, 30, 30),
    }
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(codes, 1)
        dataset.update_tags(**(tags or {}))
    return path


# ------------------------------------------------------------------------------------------- specs


def test_registry_covers_every_kind_and_unknown_kind_lists_them():
    assert set(LAYER_SPECS) == set(LAYER_KINDS)
    assert {f.name for f in get_spec("stations").required_fields} == {"type", "piles", "access"}
    with pytest.raises(LayerError, match=r"valid kinds are: landcover, districts"):
        get_spec("roads")


def test_value_aliases_normalise_chinese_spellings():
    from wuxi_atlas.layers.aliases import normalise_values

    def one(kind: str, field: str, value: str) -> object:
        spec = get_spec(kind)
        return normalise_values(pd.Series([value]), spec, spec.field(field)).values.iloc[0]

    assert one("stations", "access", "个人") == "private"
    assert one("stations", "type", "换电站") == "swap"
    assert one("wetlands", "wetland_type", "Tidal flat") == "tidal_flat"


# ----------------------------------------------------------------------------------------- reading


@pytest.mark.parametrize("kind", VECTOR_KINDS)
def test_each_kind_reads_from_gpkg_by_kind_name(kind: str, demo_gpkg: Path):
    source = read_vector(kind, demo_gpkg)
    assert isinstance(source, VectorSource)
    assert source.kind == kind
    assert source.frame.crs.to_epsg() == 4326
    assert len(source.frame) == len(_SAMPLES[kind][2])
    assert source.synthetic is True
    assert "synthetic demo" in source.source and "seed 7" in source.source
    for field in get_spec(kind).required_fields:
        assert field.name in source.frame


@pytest.mark.parametrize("kind", VECTOR_KINDS)
def test_each_kind_reads_from_geojson(kind: str, tmp_path: Path):
    path = tmp_path / f"{kind}.geojson"
    _frame(kind).to_file(path)
    source = read_vector(kind, path)
    assert len(source.frame) == len(_SAMPLES[kind][2])
    assert source.synthetic is False
    assert source.source == path.name


def test_types_are_coerced_and_values_normalised(demo_gpkg: Path):
    stations = read_vector("stations", demo_gpkg).frame
    assert stations["type"].tolist() == ["charging", "hydrogen"]
    assert stations["access"].tolist() == ["public", "dedicated"]
    assert str(stations["piles"].dtype) == "Int64"
    buildings = read_vector("buildings", demo_gpkg).frame
    assert buildings["building_type"].tolist() == ["government", "rural_home"]
    assert read_vector("protected", demo_gpkg).frame["level"].tolist() == ["national"]


def test_synthetic_flag_read_from_gpkg_layer_metadata(tmp_path: Path):
    path = tmp_path / "w.gpkg"
    pyogrio.write_dataframe(_frame("wetlands"), path, layer="wetlands", layer_metadata={"SYNTHETIC": "true"})
    assert read_vector("wetlands", path).synthetic is True
    plain = tmp_path / "plain.gpkg"
    pyogrio.write_dataframe(_frame("wetlands"), plain, layer="wetlands")
    assert read_vector("wetlands", plain).synthetic is False


def test_synthetic_flag_read_from_manifest_next_to_the_file(tmp_path: Path):
    path = tmp_path / "wetlands.geojson"
    _frame("wetlands").to_file(path)
    (tmp_path / "MANIFEST.json").write_text('{"synthetic": true, "seed": 20240712}', encoding="utf-8")
    source = read_vector("wetlands", path)
    assert source.synthetic is True
    assert source.source == "wetlands.geojson, synthetic demo (seed 20240712)"


def test_vintage_from_year_column(demo_gpkg: Path):
    assert read_vector("builtup", demo_gpkg).vintage == "2024"


def test_multilayer_file_needs_a_layer_name_when_none_matches(tmp_path: Path):
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(_frame("wetlands"), path, layer="a")
    pyogrio.write_dataframe(_frame("wetlands"), path, layer="b", append=True)
    with pytest.raises(LayerError, match=r"holds 2 layers \(a, b\).*--layer NAME"):
        read_vector("wetlands", path)
    assert len(read_vector("wetlands", path, layer="b").frame) == 2
    with pytest.raises(LayerError, match=r"has no layer 'c'; its layers are: a, b"):
        read_vector("wetlands", path, layer="c")


def test_zipped_shapefile(tmp_path: Path):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    _frame("stations").to_file(shp_dir / "stations.shp", encoding="utf-8")
    archive = tmp_path / "stations.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for member in shp_dir.iterdir():
            zipped.write(member, member.name)
    source = read_vector("stations", archive)
    assert source.frame["name"].tolist() == ["A站", "B站"]


def test_zipped_shapefiles_in_a_folder_choose_by_layer(tmp_path: Path):
    for name in ("a", "b"):
        _frame("stations").to_file(tmp_path / f"{name}.shp", encoding="utf-8")
    archive = tmp_path / "both.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for member in tmp_path.glob("[ab].*"):
            zipped.write(member, f"export/{member.name}")
    with pytest.raises(LayerError, match=r"holds 2 layers .* --layer NAME"):
        read_vector("stations", archive)
    assert read_vector("stations", archive, layer="b").source == "both.zip:b"
    not_zip = tmp_path / "bad.zip"
    not_zip.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(LayerReadError, match=r"bad\.zip: not a readable zip archive"):
        read_vector("stations", not_zip)


def test_kml(tmp_path: Path):
    path = tmp_path / "pv.kml"
    _frame("pv_sites").to_file(path, driver="KML")
    source = read_vector("pv_sites", path)
    assert source.frame["capacity_kw"].tolist() == [500.0]
    assert source.frame.geometry.iloc[0].equals(Point(LON, LAT))


def test_column_map(tmp_path: Path):
    frame = _frame("stations").rename(columns={"type": "站种", "piles": "num"})
    path = tmp_path / "stations.geojson"
    frame.to_file(path)
    source = read_vector("stations", path, column_map={"站种": "type", "num": "piles"})
    assert source.frame["piles"].tolist() == [10, 2]
    with pytest.raises(LayerError, match=r"--map names column 'nope'"):
        read_vector("stations", path, column_map={"nope": "type"})
    with pytest.raises(LayerError, match=r"'num' to 'pile'.*map to one of: type, piles"):
        read_vector("stations", path, column_map={"num": "pile"})


def test_missing_required_field_lists_missing_and_available_columns(tmp_path: Path):
    path = tmp_path / "stations.geojson"
    _frame("stations").drop(columns=["piles"]).to_file(path)
    with pytest.raises(LayerError) as caught:
        read_vector("stations", path)
    message = str(caught.value)
    assert "stations.geojson" in message
    assert "piles (int ≥ 0)" in message
    assert "the file has columns: name, type, access" in message
    assert "桩数" in message  # an accepted alias, so the user can rename


def test_invalid_geometry_is_repaired_and_reported(tmp_path: Path):
    bowtie = Polygon([(LON, LAT), (LON + 0.01, LAT + 0.01), (LON + 0.01, LAT), (LON, LAT + 0.01)])
    frame = gpd.GeoDataFrame(
        {"name": ["bow", "ok"], "wetland_type": ["marsh", "pond"]}, geometry=[bowtie, _square(0.05)], crs=4326
    )
    path = tmp_path / "wetlands.geojson"
    frame.to_file(path)
    source = read_vector("wetlands", path)
    assert source.frame.geometry.is_valid.all()
    assert source.frame.geometry.iloc[0].geom_type == "MultiPolygon"
    assert source.frame.geometry.iloc[0].area == pytest.approx(0.0001 / 2)
    assert any("repaired 1 invalid geometry" in note and "feature 1" in note for note in source.notes)


def test_empty_and_duplicate_geometries_are_reported(tmp_path: Path):
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"], "wetland_type": ["pond"] * 3},
        geometry=[_square(), _square(), None],
        crs=4326,
    )
    path = tmp_path / "wetlands.gpkg"
    frame.to_file(path)
    source = read_vector("wetlands", path)
    assert len(source.frame) == 2
    assert any("dropped 1 feature(s) with empty or missing geometry (feature 3)" in n for n in source.notes)
    assert any(
        "1 feature(s) repeat an earlier feature's geometry exactly (feature 2)" in n for n in source.notes
    )


def test_vector_without_crs_is_a_crs_error(tmp_path: Path):
    path = tmp_path / "no_crs.gpkg"
    with pytest.warns(UserWarning, match=r"'crs' was not provided"):
        pyogrio.write_dataframe(_frame("wetlands").to_crs(4549).set_crs(None, allow_override=True), path)
    with pytest.raises(CRSError, match=r"no_crs.gpkg has no CRS.*projected.*EPSG:4549"):
        read_vector("wetlands", path)


def test_gcj02_vector_file_is_shifted(tmp_path: Path):
    from wuxi_atlas.analysis.coords import to_wgs84

    path = tmp_path / "stations.geojson"
    _frame("stations").to_file(path)
    source = read_vector("stations", path, lonlat_crs="gcj02")
    expected_lon, expected_lat = to_wgs84(LON, LAT, "gcj02")
    point = source.frame.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((expected_lon, expected_lat), abs=1e-9)


def test_outside_wuxi_is_a_warning_not_an_error(tmp_path: Path):
    frame = _frame("stations").set_geometry([Point(LON, LAT), Point(116.4, 39.9)], crs=4326)
    path = tmp_path / "stations.geojson"
    frame.to_file(path)
    source = read_vector("stations", path)
    assert len(source.frame) == 2
    assert any(note.startswith("warning: 1 feature(s) lie outside Wuxi (feature 2)") for note in source.notes)


def test_wrong_geometry_type_is_named(tmp_path: Path):
    path = tmp_path / "stations.geojson"
    _frame("stations").set_geometry([_square(), _square(0.02)], crs=4326).to_file(path)
    with pytest.raises(LayerError, match=r"needs Point/MultiPoint geometry, but the file has Polygon"):
        read_vector("stations", path)


# ------------------------------------------------------------------------------------------ tables


_STATIONS_CSV = (
    "名称,经度,纬度,类型,桩数,开放类型\nA站,120.30,31.57,充电站,10,公共\nB站,120.31,31.58,换电站,2,个人\n"
)


def test_station_csv_in_gcj02_is_converted(tmp_path: Path):
    from wuxi_atlas.analysis.coords import to_wgs84

    path = tmp_path / "stations.csv"
    path.write_text(_STATIONS_CSV, encoding="utf-8")
    source = read_vector("stations", path, lonlat_crs="gcj02")
    expected_lon, expected_lat = to_wgs84(np.array([120.30, 120.31]), np.array([31.57, 31.58]), "gcj02")
    np.testing.assert_allclose(source.frame.geometry.x, expected_lon, atol=1e-9)
    np.testing.assert_allclose(source.frame.geometry.y, expected_lat, atol=1e-9)
    # The shift near Wuxi is about half a kilometre.
    given = gpd.GeoSeries([Point(120.30, 31.57)], crs=4326).to_crs(4549).iloc[0]
    assert 400 < source.frame.to_crs(4549).geometry.iloc[0].distance(given) < 600
    assert source.frame["type"].tolist() == ["charging", "swap"]
    assert source.frame["access"].tolist() == ["public", "private"]
    assert source.frame["piles"].tolist() == [10, 2]


def test_csv_without_datum_assumes_wgs84_with_a_note(tmp_path: Path):
    path = tmp_path / "stations.csv"
    path.write_text(_STATIONS_CSV, encoding="utf-8")
    source = read_vector("stations", path)
    assert source.frame.geometry.iloc[0].equals(Point(120.30, 31.57))
    assert any("assumed WGS84" in note and "--lonlat-crs gcj02" in note for note in source.notes)


def test_gbk_csv_is_read(tmp_path: Path):
    path = tmp_path / "stations_gbk.csv"
    path.write_bytes(_STATIONS_CSV.encode("gbk"))
    source = read_vector("stations", path)
    assert source.frame["name"].tolist() == ["A站", "B站"]
    assert any("read it as GBK" in note for note in source.notes)


def test_text_in_coordinate_column_names_the_rows(tmp_path: Path):
    path = tmp_path / "stations.csv"
    path.write_text(
        _STATIONS_CSV + "C站,东经120度,31.6,充电站,4,公共\nD站,abc,31.6,充电站,4,公共\n", encoding="utf-8"
    )
    with pytest.raises(LayerError, match=r"longitude column holds text .* lines 4, 5: '东经120度', 'abc'"):
        read_vector("stations", path)


def test_text_in_number_field_names_the_rows(tmp_path: Path):
    path = tmp_path / "stations.csv"
    path.write_text(_STATIONS_CSV.replace(",10,", ",十个,"), encoding="utf-8")
    with pytest.raises(LayerError, match=r"piles must be a number; text found in line 2: '十个'"):
        read_vector("stations", path)


def test_swapped_lat_lon_is_caught(tmp_path: Path):
    path = tmp_path / "stations.csv"
    path.write_text("lat,lon,type,piles,access\n120.30,31.57,charging,1,public\n", encoding="utf-8")
    with pytest.raises(LayerError, match=r"look swapped"):
        read_vector("stations", path)


def test_csv_coordinate_columns_via_column_map(tmp_path: Path):
    path = tmp_path / "stations.csv"
    path.write_text("E,N,type,piles,access\n120.30,31.57,charging,1,public\n", encoding="utf-8")
    with pytest.raises(LayerError, match=r"cannot find lon and lat"):
        read_vector("stations", path)
    source = read_vector("stations", path, column_map={"E": "lon", "N": "lat"})
    assert source.frame.geometry.iloc[0].equals(Point(120.30, 31.57))


def test_xlsx(tmp_path: Path):
    path = tmp_path / "stations.xlsx"
    pd.DataFrame(
        {"经度": [120.3], "纬度": [31.57], "类型": ["加氢站"], "充电桩数": [0], "开放类型": ["公共"]}
    ).to_excel(path, index=False)
    source = read_vector("stations", path)
    assert source.frame["type"].tolist() == ["hydrogen"]


def test_unknown_values_are_reported_and_kept(tmp_path: Path):
    path = tmp_path / "stations.csv"
    path.write_text(_STATIONS_CSV.replace("换电站", "超充站"), encoding="utf-8")
    source = read_vector("stations", path)
    assert source.frame["type"].tolist() == ["charging", "超充站"]
    assert any("'超充站' (1) (line 3)" in note for note in source.notes)


def test_polygon_kind_refuses_a_table(tmp_path: Path):
    path = tmp_path / "wetlands.csv"
    path.write_text("lon,lat,name,wetland_type\n120.3,31.5,x,lake\n", encoding="utf-8")
    with pytest.raises(LayerError, match=r"cannot come from a table of coordinates"):
        read_vector("wetlands", path)


# -------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "path",
    ["/vsicurl/https://example.com/x.gpkg", "/vsizip//tmp/x.zip/x.shp", "https://example.com/x.geojson"],
)
def test_virtual_paths_and_urls_are_refused_before_opening(path: str, monkeypatch: pytest.MonkeyPatch):
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("GDAL was asked to open a user-supplied virtual path")

    monkeypatch.setattr(pyogrio, "read_dataframe", never)
    monkeypatch.setattr(pyogrio, "list_layers", never)
    monkeypatch.setattr(pyogrio, "read_info", never)
    with pytest.raises(LayerError, match=r"virtual path|is a URL"):
        read_vector("stations", path)


def test_virtual_layer_name_is_refused(demo_gpkg: Path):
    with pytest.raises(LayerError, match=r"layer name '/vsicurl/x' is a GDAL virtual path"):
        read_vector("stations", demo_gpkg, layer="/vsicurl/x")


def test_virtual_raster_path_is_refused_before_opening(monkeypatch: pytest.MonkeyPatch):
    import rasterio

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("rasterio was asked to open a user-supplied virtual path")

    monkeypatch.setattr(rasterio, "open", never)
    with pytest.raises(LayerError, match=r"virtual path"):
        read_landcover("/vsicurl/https://example.com/lc.tif")


def test_bad_files_are_named_read_errors(tmp_path: Path):
    with pytest.raises(LayerReadError, match=r"no such file"):
        read_vector("stations", tmp_path / "missing.gpkg")
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    with pytest.raises(LayerReadError, match=r"empty.geojson: the file is empty"):
        read_vector("stations", empty)
    wrong = tmp_path / "stations.docx"
    wrong.write_text("x")
    with pytest.raises(LayerReadError, match=r"'.docx' files cannot be read .* supported: .gpkg"):
        read_vector("stations", wrong)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(LayerReadError, match=r"broken.geojson: GDAL cannot open it") as caught:
        read_vector("stations", broken)
    assert caught.value.__cause__ is not None
    with pytest.raises(LayerError, match=r"--lonlat-crs 'utm'"):
        read_vector("stations", broken, lonlat_crs="utm")


# ----------------------------------------------------------------------------------------- rasters


def test_read_landcover_reads_tags(tmp_path: Path, schemes_module: types.ModuleType):
    path = _landcover_tif(
        tmp_path / "lc.tif", tags={"SYNTHETIC": "true", "YEAR": "2024", "SCHEME": "worldcover"}
    )
    source = read_landcover(path)
    assert isinstance(source, RasterSource)
    assert (source.scheme, source.year, source.synthetic) == ("worldcover", 2024, True)
    assert "synthetic demo" in source.source


def test_read_landcover_guesses_the_scheme_from_codes(tmp_path: Path, schemes_module: types.ModuleType):
    source = read_landcover(_landcover_tif(tmp_path / "landcover_2020.tif"))
    assert source.scheme == getattr(schemes_module.guess_scheme([10, 20, 50, 80]), "name", "worldcover")
    assert source.year == 2020
    assert source.synthetic is False


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_raster_without_georeference_is_a_crs_error(tmp_path: Path, schemes_module: types.ModuleType):
    import rasterio

    path = tmp_path / "plain.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="uint8") as dataset:
        dataset.write(np.full((2, 2), 10, dtype=np.uint8), 1)
    with pytest.raises(CRSError, match=r"plain.tif: raster has no georeference"):
        read_landcover(path)


def test_landcover_overlay_and_forest_variant(tmp_path: Path, schemes_module: types.ModuleType):
    from wuxi_atlas.maps.kinds import landcover

    source = read_landcover(_landcover_tif(tmp_path / "lc.tif", tags={"SCHEME": "worldcover"}))
    image, bounds = landcover.overlay_image(source)
    assert image.dtype == np.uint8 and image.shape[2] == 4
    (south, west), (north, east) = bounds
    assert 119.3 < west < east < 120.9 and 30.9 < south < north < 32.3
    opaque = image[..., 3] == 255
    assert 0 < opaque.sum() < opaque.size  # nodata (and the mercator margin) stay transparent
    forest, _ = landcover.overlay_image(source, variant="forest")
    assert 0 < (forest[..., 3] == 255).sum() < opaque.sum()
    labels = [entry.label_en for entry in landcover.style(source, variant="forest")]
    assert labels and all(
        cls.role in landcover.FOREST_ROLES
        for cls in landcover.scheme_classes(source.scheme)
        if cls.label_en in labels
    )
    fmap = folium.Map(location=[LAT, LON], zoom_start=12)
    group = landcover.draw(fmap, source, variant="forest", opacity=0.5)
    assert isinstance(group, folium.FeatureGroup)
    assert "data:image/png;base64" in fmap.get_root().render()


# ----------------------------------------------------------------------------------------- drawing


_ATTACK = "<script>alert('x')</script>"


@pytest.mark.parametrize("kind", VECTOR_KINDS)
def test_every_kind_draws_with_html_escaped(kind: str, tmp_path: Path):
    module = importlib.import_module(f"wuxi_atlas.layers.kinds.{kind}")
    drawing = importlib.import_module(f"wuxi_atlas.maps.kinds.{kind}")
    frame = _frame(kind)
    for column in frame.columns.drop("geometry"):
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype(object)
            frame.loc[frame.index[0], column] = _ATTACK
    if "name" not in frame and kind != "districts":
        frame["name"] = _ATTACK
    path = tmp_path / f"{kind}.geojson"
    frame.to_file(path)
    source = module.read(path)
    fmap = folium.Map(location=[LAT, LON], zoom_start=12)
    group = drawing.draw(fmap, source, opacity=0.5)
    assert isinstance(group, folium.FeatureGroup)
    html = fmap.get_root().render()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html or "\\u0026lt;script\\u0026gt;alert" in html
    entries = drawing.style(source)
    assert entries and all(entry.colour.startswith("#") for entry in entries)


def test_wetlands_by_protection_status(demo_gpkg: Path):
    from wuxi_atlas.maps.kinds import wetlands

    wet = read_vector("wetlands", demo_gpkg)
    protected = read_vector("protected", demo_gpkg)
    split = wetlands.protection_status(wet, protected)
    # The protected square is the first wetland exactly: it is protected, the river is not.
    assert sorted(split["protection_status"]) == ["protected", "unprotected"]
    assert split.loc[split["protection_status"] == "protected", "name"].tolist() == ["蠡湖"]
    fmap = folium.Map(location=[LAT, LON])
    wetlands.draw(fmap, wet, protected=protected)
    html = fmap.get_root().render()
    assert wetlands.STATUS_COLOURS["protected"][2] in html
    assert [entry.label_en for entry in wetlands.style(wet)] == ["protected wetland", "unprotected wetland"]


def test_buildings_potential_kwp():
    from wuxi_atlas.layers.kinds import buildings

    frame = pd.DataFrame(
        {"building_type": ["government", "rural_home", "other"], "roof_area_m2": [1000.0] * 3}
    )
    kwp = buildings.potential_kwp(frame)
    # roof × usable share × 0.2 kWp/m²: 1000 × 0.5 × 0.2, 1000 × 0.2 × 0.2, unknown type.
    assert kwp.iloc[0] == pytest.approx(100.0)
    assert kwp.iloc[1] == pytest.approx(40.0)
    assert np.isnan(kwp.iloc[2])


def _popup_tables(element: Any) -> list[dict[str, str]]:
    """The popup tables a compact layer's browser code builds: {label: cell} per feature, from its
    labels, lookup tables and rows (cells start after lat, lon and the colour index for points)."""
    labels, lookups, rows = json.loads(element.labels), json.loads(element.lookups), json.loads(element.rows)
    offset = len(rows[0]) - len(labels) if rows else 0
    return [
        {
            label: (lookup[row[offset + i]] if lookup else row[offset + i])
            for i, (label, lookup) in enumerate(zip(labels, lookups, strict=True))
        }
        for row in rows
    ]


def test_stations_popup_and_cluster(demo_gpkg: Path):
    from wuxi_atlas.maps.draw import CompactPoints
    from wuxi_atlas.maps.kinds import stations

    fmap = folium.Map(location=[LAT, LON])
    group = stations.draw(fmap, read_vector("stations", demo_gpkg))
    html = fmap.get_root().render()
    assert "markerClusterGroup" in html
    # One compact array; the popup table is built on click from its labels and escaped cells.
    (points,) = [child for child in group._children.values() if isinstance(child, CompactPoints)]
    tables = _popup_tables(points)
    assert (
        tables[0].items()
        >= {
            "名称": "A站",
            "类型": "充电站",
            "桩数": "10",
            "开放类型": "公共",
        }.items()
    )
    assert stations.TYPE_COLOURS["charging"][2] in json.loads(points.colours)


def test_pv_sites_draw_points_and_polygons():
    from wuxi_atlas.maps.draw import CompactPoints, CompactShapes
    from wuxi_atlas.maps.kinds import pv_sites

    frame = gpd.GeoDataFrame(
        {"capacity_kw": [500.0, 2000.0], "kind": ["rooftop", "floating"], "name": ["屋顶", "水面"]},
        geometry=[Point(LON, LAT), box(LON, LAT, LON + 0.01, LAT + 0.01)],
        crs="EPSG:4326",
    )
    fmap = folium.Map(location=[LAT, LON])
    group = pv_sites.draw(fmap, VectorSource("pv_sites", frame, "test", "2024", True), opacity=0.5)
    assert group.layer_name.endswith("合成示例")  # the map's language: Chinese by default
    (points,) = [child for child in group._children.values() if isinstance(child, CompactPoints)]
    (shapes,) = [child for child in group._children.values() if isinstance(child, CompactShapes)]
    assert _popup_tables(points)[0]["类型"] == "屋顶分布式"
    assert _popup_tables(shapes)[0]["装机容量（千瓦）"] == "2000"
    assert json.loads(shapes.colours) == [pv_sites.KIND_COLOURS["floating"][2]]


def test_layer_modules_share_the_contract():
    for kind in LAYER_KINDS:
        module = layer_module(kind)
        assert module.SPEC is LAYER_SPECS[kind]
        assert callable(module.read)
        drawing = drawer(kind)
        for name in ("style", "draw"):
            assert callable(getattr(drawing, name))


def test_shapely_make_valid_supports_structure():
    # read_vector relies on the "structure" method (GEOS ≥ 3.10) to keep polygons polygonal.
    fixed = shapely.make_valid(
        Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), method="structure", keep_collapsed=False
    )
    assert fixed.geom_type == "MultiPolygon"


def test_layers_never_import_streamlit_and_base_stays_light():
    code = (
        "import sys, layers.read; light = 'folium' not in sys.modules; "
        + "; ".join(f"import layers.kinds.{kind}" for kind in LAYER_KINDS)
        + "; import layers.defaults; print(light, 'streamlit' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "False"]


def test_scheme_classes_reads_a_toml_style_mapping():
    from wuxi_atlas.maps.kinds.landcover import SchemeClass, scheme_classes

    scheme = types.SimpleNamespace(
        name="clcd",
        classes={
            3: {"role": "shrub", "en": "Shrub", "zh": "灌木", "color": "#33a02c"},
            2: {"role": "tree", "en": "Forest", "zh": "林地", "color": "#446f33"},
        },
    )
    assert scheme_classes(scheme) == [
        SchemeClass(2, "tree", "林地", "Forest", "#446f33"),
        SchemeClass(3, "shrub", "灌木", "Shrub", "#33a02c"),
    ]
