"""Field names a Shapefile cuts to 10 bytes (wetland_type → wetland_ty …) are read as the fields they
were, and GBK Chinese values in them are read as values."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import LAYER_SPECS


def _zipped_shapefile(folder: Path, name: str, frame: gpd.GeoDataFrame, *, keep_cpg: bool) -> Path:
    """``frame`` written by GDAL as a GBK Shapefile (GDAL cuts the long names itself), then zipped."""
    shp_dir = folder / name
    shp_dir.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL warns that it truncates the field names: that is the point
        frame.to_file(shp_dir / f"{name}.shp", encoding="GBK")
    archive = folder / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in sorted(shp_dir.iterdir()):
            if part.suffix.lower() == ".cpg" and not keep_cpg:
                continue
            zipped.write(part, part.name)
    return archive


def _squares(count: int) -> list:
    return [box(120.2 + i / 100, 31.5, 120.205 + i / 100, 31.505) for i in range(count)]


@pytest.mark.parametrize("keep_cpg", [True, False])
def test_wetlands_with_truncated_field_and_gbk_values(tmp_path: Path, keep_cpg: bool):
    names = ["梁溪河", "蠡湖", "水库", "鱼塘", "滩地", "沼泽"]
    kinds = ["河流水面", "湖泊水面", "水库水面", "坑塘水面", "内陆滩涂", "沼泽地"]
    frame = gpd.GeoDataFrame({"name": names, "wetland_type": kinds}, geometry=_squares(6), crs="EPSG:4326")
    path = _zipped_shapefile(tmp_path, "wetlands", frame, keep_cpg=keep_cpg)
    with zipfile.ZipFile(path) as zipped, zipped.open("wetlands.dbf") as dbf:
        assert b"wetland_ty" in dbf.read(400)  # the cut the test is about really happened
    source = read_vector("wetlands", path)
    assert source.frame["name"].tolist() == names
    assert source.frame["wetland_type"].tolist() == [
        "river",
        "lake",
        "reservoir",
        "pond",
        "tidal_flat",
        "marsh",
    ]
    assert any("wetland_ty → wetland_type" in note for note in source.notes)


def test_buildings_and_pv_sites_with_truncated_fields(tmp_path: Path):
    buildings = gpd.GeoDataFrame(
        {"building_type": ["学校", "厂房"], "roof_area_m2": [1200.0, 5000.0]},
        geometry=_squares(2),
        crs="EPSG:4326",
    )
    frame = read_vector("buildings", _zipped_shapefile(tmp_path, "buildings", buildings, keep_cpg=True)).frame
    assert frame["building_type"].tolist() == ["school_hospital", "industrial_commercial"]
    assert frame["roof_area_m2"].tolist() == [1200.0, 5000.0]
    sites = gpd.GeoDataFrame(
        {"capacity_kw": [500.0], "kind": ["渔光互补"]}, geometry=[Point(120.3, 31.5)], crs="EPSG:4326"
    )
    frame = read_vector("pv_sites", _zipped_shapefile(tmp_path, "pv", sites, keep_cpg=False)).frame
    assert frame["capacity_kw"].tolist() == [500.0]
    assert frame["kind"].tolist() == ["floating"]


def test_every_long_field_name_has_its_cut_and_no_cut_is_shared():
    for spec in LAYER_SPECS.values():
        names = [name.lower() for field in spec.fields for name in field.column_names]
        assert len(names) == len(set(names)), spec.kind
        for field in spec.fields:
            if len(field.name.encode()) > 10:
                assert field.name[:10] in field.column_names
