"""Land-survey parcels (DLTB) as bureaus hand them over: GeoPackage, zipped GBK Shapefile without a .cpg,
File Geodatabase (folder and zipped), EPSG:4528 with the zone number in front; the same parcels give the
same rates whatever the format. Bad files say which field or option to fix.

The parcels (EPSG:4549, two 1 km² districts A and B side by side, as in
``tests/analysis/test_land_survey_methods.py``): 0301 x 0–500 and 0305 x 900–1100 (half in B) make A's
林木覆盖率 700k / 1.1 km² (its official area, the survey's total) = 63.64% by tabulation; the river 1101
(x 1100–1300), 75% protected, makes B's 湿地保护率 75%.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import box

from wuxi_atlas.analysis.errors import CRSError, LayerError, LayerReadError
from wuxi_atlas.analysis.forest import forest_coverage
from wuxi_atlas.analysis.sources import LandSurveySource, VectorSource
from wuxi_atlas.analysis.study_area import StudyArea
from wuxi_atlas.analysis.wetland import wetland_protection_rate
from wuxi_atlas.layers.catalog import Role, User
from wuxi_atlas.layers.formats.land_survey import is_land_survey, read_land_survey
from wuxi_atlas.layers.inputs import load_indicator_inputs
from wuxi_atlas.layers.uploads import accepted_suffixes

STEWARD = User("steward", Role.DATA_STEWARD)  # the catalog's changes take the acting user

X0, Y0 = 528_000.0, 3_490_000.0
CITY, A, B = "320200", "320291", "320292"
ROWS = [  # DLBM, DLMC, county, x0, x1, TBDLMJ
    ("0301", "乔木林地", A, 0, 500, 500_000.0),
    ("0101", "水田", A, 500, 900, 360_000.0),
    ("0305", "灌木林地", A, 900, 1100, 200_000.0),
    ("1101", "河流水面", B, 1100, 1300, 200_000.0),
    ("1104A", "养殖坑塘", B, 1300, 1400, 100_000.0),
    ("0701", "城镇住宅用地", B, 1400, 2000, 600_000.0),
]


def _strip(x0: float, x1: float, x_offset: float = 0.0):
    return box(X0 + x0 + x_offset, Y0, X0 + x1 + x_offset, Y0 + 1000)


def _parcels(crs: str = "EPSG:4549", x_offset: float = 0.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "BSM": [f"32029{i:05d}" for i in range(len(ROWS))],
            "DLBM": [r[0] for r in ROWS],
            "DLMC": [r[1] for r in ROWS],
            "ZLDWDM": [f"{r[2]}1020030000000" for r in ROWS],
            "TBMJ": [(r[4] - r[3]) * 1000.0 for r in ROWS],
            "TBDLMJ": [r[5] for r in ROWS],
        },
        geometry=[_strip(r[3], r[4], x_offset) for r in ROWS],
        crs=crs,
    )


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
        crs="EPSG:4549",
    )
    return StudyArea.from_boundaries(frame.to_crs("EPSG:4326"))


@pytest.fixture
def protected() -> VectorSource:
    frame = gpd.GeoDataFrame({"name": ["湿地公园"]}, geometry=[_strip(1150, 1350)], crs="EPSG:4549")
    return VectorSource("protected", frame.to_crs("EPSG:4326"), "test protected", "2023", True)


def _zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(folder.rglob("*")):
            archive.write(member, member.relative_to(folder.parent))
    return target


def _gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "DLTB_2023.gpkg"
    pyogrio.write_dataframe(_parcels(), path, layer="DLTB", driver="GPKG")
    pyogrio.write_dataframe(_parcels()[["geometry"]].iloc[:1], path, layer="XZQ", driver="GPKG", append=True)
    return path


def _gbk_shapefile_zip(tmp_path: Path) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(_parcels(), folder / "DLTB.shp", encoding="gbk")
    (folder / "DLTB.cpg").unlink(missing_ok=True)  # as many bureaus hand it over: no .cpg
    assert "乔木林地".encode("gbk") in (folder / "DLTB.dbf").read_bytes()
    with zipfile.ZipFile(tmp_path / "DLTB_shp.zip", "w") as archive:
        for member in folder.iterdir():
            archive.write(member, member.name)
    return tmp_path / "DLTB_shp.zip"


def _gdb(tmp_path: Path) -> Path:
    path = tmp_path / "Survey2023.gdb"
    pyogrio.write_dataframe(_parcels(), path, layer="DLTB", driver="OpenFileGDB")
    pyogrio.write_dataframe(_parcels()[["geometry"]].iloc[:1], path, layer="XZQ", driver="OpenFileGDB")
    return path


def _rates(source: LandSurveySource, study_area: StudyArea, protected: VectorSource) -> dict:
    forest = {r.adcode: round(r.value, 9) for r in forest_coverage(source, study_area)}
    wetland = wetland_protection_rate(study_area, protected, landcover=source)
    return {"forest": forest, "wetland": {r.adcode: r.value for r in wetland if r.value is not None}}


def test_same_parcels_give_the_same_rates_in_every_format(tmp_path, study_area, protected):
    gdb = _gdb(tmp_path)
    files = {
        "gpkg": _gpkg(tmp_path),
        "shapefile zip (GBK, no .cpg)": _gbk_shapefile_zip(tmp_path),
        "gdb folder": gdb,
        "zipped gdb": _zip_folder(gdb, tmp_path / "Survey2023_gdb.zip"),
    }
    rates = {}
    for label, path in files.items():
        source = read_land_survey(path)
        assert source.layer == "DLTB", label
        assert set(source.frame["DLMC"]) >= {"乔木林地", "养殖坑塘"}, label
        rates[label] = _rates(source, study_area, protected)
    expected = {"forest": {CITY: 35.0, A: 700 / 11, B: 0.0}, "wetland": {CITY: 75.0, B: 75.0}}
    for label, found in rates.items():
        assert found["forest"] == pytest.approx(expected["forest"]), label
        assert found["wetland"] == pytest.approx(expected["wetland"]), label
    shapefile = read_land_survey(files["shapefile zip (GBK, no .cpg)"])
    assert any("GBK" in note for note in shapefile.notes)
    assert read_land_survey(files["gpkg"]).year == 2023


def test_zone_prefixed_eastings_are_read_through_their_crs(tmp_path, study_area, protected):
    path = tmp_path / "zone40.gpkg"
    pyogrio.write_dataframe(_parcels("EPSG:4528", x_offset=40_000_000.0), path, layer="DLTB")
    source = read_land_survey(path)
    assert source.frame.crs.to_epsg() == 4549
    assert _rates(source, study_area, protected)["forest"] == pytest.approx({CITY: 35.0, A: 700 / 11, B: 0.0})
    wrong = tmp_path / "zone40_declared_4549.gpkg"
    pyogrio.write_dataframe(_parcels("EPSG:4549", x_offset=40_000_000.0), wrong, layer="DLTB")
    with pytest.raises(LayerError, match=r"zone number 40.*EPSG:4528"):
        read_land_survey(wrong)


def test_missing_crs_is_an_error(tmp_path):
    folder = tmp_path / "nocrs"
    folder.mkdir()
    pyogrio.write_dataframe(_parcels(), folder / "DLTB.shp", encoding="utf-8")
    (folder / "DLTB.prj").unlink()
    with pytest.raises(CRSError, match=r"no CRS.*EPSG:4549"):
        read_land_survey(folder / "DLTB.shp")


def test_layer_by_name_and_the_dltb_default(tmp_path):
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(_parcels(), path, layer="parcels_2023")
    pyogrio.write_dataframe(_parcels(), path, layer="parcels_2021", append=True)
    with pytest.raises(LayerError, match=r"none is called DLTB.*--layer NAME"):
        read_land_survey(path)
    assert read_land_survey(path, layer="parcels_2021").layer == "parcels_2021"
    with pytest.raises(LayerError, match=r"no layer 'DLTB_2019'.*parcels_2021"):
        read_land_survey(path, layer="DLTB_2019")
    with pytest.raises(LayerError, match=r"no DLBM field.*--layer NAME"):
        read_land_survey(_gpkg(tmp_path), layer="XZQ")


def test_bad_fields_name_the_field_and_the_fix(tmp_path, study_area):
    frame = _parcels().astype({"TBMJ": object})
    frame.loc[2, "TBMJ"] = "约200亩"
    path = tmp_path / "text_area.gpkg"
    pyogrio.write_dataframe(frame.drop(columns=["TBDLMJ"]), path, layer="DLTB")
    with pytest.raises(LayerError, match=r"TBMJ .*feature 3"):
        read_land_survey(path)
    renamed = tmp_path / "renamed.gpkg"
    pyogrio.write_dataframe(_parcels().rename(columns={"DLBM": "CODE"}), renamed, layer="DLTB")
    with pytest.raises(LayerError, match=r"no DLBM field .*rename the class-code field to DLBM"):
        read_land_survey(renamed)
    lowercase = tmp_path / "lower.gpkg"
    pyogrio.write_dataframe(
        _parcels().rename(columns=str.lower).set_geometry("geometry"), lowercase, layer="DLTB"
    )
    assert read_land_survey(lowercase).can_tabulate


def test_numeric_codes_get_their_leading_zeros_back(tmp_path):
    frame = _parcels()
    frame = frame[frame["DLBM"] != "1104A"].copy()
    frame["DLBM"] = frame["DLBM"].astype(int)
    path = tmp_path / "numeric.gpkg"
    pyogrio.write_dataframe(frame, path, layer="DLTB")
    source = read_land_survey(path)
    assert set(source.frame["DLBM"]) == {"0301", "0101", "0305", "1101", "0701"}


def test_a_raster_scheme_is_refused_for_parcels(tmp_path):
    with pytest.raises(LayerError, match="--scheme sandiao"):
        read_land_survey(_gpkg(tmp_path), scheme="worldcover")


def test_gdb_folder_checks_allow_exactly_a_geodatabase(tmp_path):
    gdb = _gdb(tmp_path)
    link = gdb / "a00000099.gdbtable"
    os.symlink("/dev/zero", link)
    with pytest.raises(LayerReadError, match="symbolic link"):
        read_land_survey(gdb)
    link.unlink()
    (gdb / "sub").mkdir()
    with pytest.raises(LayerReadError, match="a folder"):
        read_land_survey(gdb)
    (gdb / "sub").rmdir()
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(LayerReadError, match="is a directory"):
        read_land_survey(plain)
    empty = tmp_path / "empty.gdb"
    empty.mkdir()
    (empty / "gdb").write_bytes(b"x")
    with pytest.raises(LayerReadError, match=r"no \.gdbtable"):
        read_land_survey(empty)
    os.environ["GEOPLAN_MAX_UPLOAD_MB"] = "0.001"
    try:
        with pytest.raises(LayerReadError, match="too large"):
            read_land_survey(gdb)
    finally:
        del os.environ["GEOPLAN_MAX_UPLOAD_MB"]
    assert read_land_survey(gdb).layer == "DLTB"


def test_zip_of_tiles_is_not_a_land_survey(tmp_path):
    tiles = tmp_path / "tiles.zip"
    with zipfile.ZipFile(tiles, "w") as archive:
        archive.writestr("N30E117.tif", b"II*\x00")
    assert not is_land_survey(tiles)
    assert is_land_survey(_gbk_shapefile_zip(tmp_path))
    assert {"zip", "gpkg"} <= set(accepted_suffixes("landcover"))


def test_indicator_inputs_and_catalog_take_a_land_survey(tmp_path, study_area, backend):
    gpkg = _gpkg(tmp_path)
    inputs = load_indicator_inputs(landcover=gpkg, without=("wetlands",))
    assert isinstance(inputs.landcover, LandSurveySource)
    catalog = backend.open()  # the folder, and a live PostGIS (the parcels a table in EPSG:4549)
    entry = catalog.add("landcover", _gbk_shapefile_zip(tmp_path), user=STEWARD)
    stored_as = "layers/landcover/v0001.gpkg" if backend.name == "folder" else "geoplan.landcover_v0001"
    assert (entry.feature_count, entry.scheme, entry.file) == (len(ROWS), "sandiao", stored_as)
    stored = catalog.get("landcover")
    assert isinstance(stored, LandSurveySource)
    values = {r.adcode: r.value for r in forest_coverage(stored, study_area)}
    assert values == pytest.approx({CITY: 35.0, A: 700 / 11, B: 0.0})
    from_catalog = load_indicator_inputs(catalog=catalog)
    assert isinstance(from_catalog.landcover, LandSurveySource)


def test_the_app_upload_stages_a_land_survey(tmp_path):
    from wuxi_atlas.layers.uploads import UploadOptions, stage_upload

    content = _gbk_shapefile_zip(tmp_path).read_bytes()
    staged = stage_upload("landcover", "三调 DLTB.zip", content, UploadOptions(), folder=tmp_path / "uploads")
    assert isinstance(staged.source, LandSurveySource)
    assert staged.feature_count == len(ROWS) and staged.source_crs.startswith("EPSG:4549")
