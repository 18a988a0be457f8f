"""Land cover as the real products ship it: several tiles make one source (issue #11).

WorldCover's 3°×3° tiles meet at 120°E, in the middle of Wuxi. The shipped 2024 raster, warped into
EPSG:4326 and cut at 120°E, gives two tiles whose mosaic must measure every district as the uncut raster
does. Tiles that are not parts of one raster (CRS, resolution, grid, scheme, year) are refused naming both
values; a VRT the user brings is refused; a folder or a zip of tiles is one source.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.warp import Resampling, reproject

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.errors import CRSError, LayerError, LayerReadError
from wuxi_atlas.analysis.forest import forest_coverage
from wuxi_atlas.analysis.paths import shipped_data_dir
from wuxi_atlas.analysis.study_area import StudyArea
from wuxi_atlas.layers.catalog import Catalog, Role, User, check_layer
from wuxi_atlas.layers.formats import read_landcover, read_landcover_tiles
from wuxi_atlas.layers.uploads import accepted_suffixes, stage_upload

STEWARD = User("steward", Role.DATA_STEWARD)  # the catalog's changes take the acting user

SHIPPED = shipped_data_dir() / "rasters" / "landcover_2024_30m.tif"
RES = 1 / 1200  # about 90 m: small enough to be quick, fine enough to cut districts
WEST, NORTH, EAST, SOUTH = 119.45, 32.05, 120.65, 31.05
CUT = round((120.0 - WEST) / RES)  # the column at 120°E


def _write(path: Path, values: np.ndarray, transform: Affine, *, crs: str = "EPSG:4326", **tags: str) -> Path:
    profile = {
        "driver": "GTiff",
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": values.dtype.name,
        "crs": crs,
        "transform": transform,
        "nodata": 0,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(values, 1)
        dataset.update_tags(**tags)
    return path


@pytest.fixture(scope="module")
def wuxi_4326(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped 2024 raster warped into EPSG:4326 (nearest), whole and cut at 120°E into two tiles."""
    folder = tmp_path_factory.mktemp("tiles")
    width, height = round((EAST - WEST) / RES), round((NORTH - SOUTH) / RES)
    transform = Affine(RES, 0, WEST, 0, -RES, NORTH)
    codes = np.zeros((height, width), dtype=np.uint8)
    with rasterio.open(SHIPPED) as source:
        reproject(
            rasterio.band(source, 1),
            codes,
            dst_transform=transform,
            dst_crs="EPSG:4326",
            resampling=Resampling.nearest,
            src_nodata=0,
            dst_nodata=0,
        )
    tags = {"SCHEME": "worldcover", "YEAR": "2024"}
    west_tile = folder / "west" / "WorldCover_2024_N30E117_Map.tif"
    east_tile = folder / "east" / "WorldCover_2024_N30E120_Map.tif"
    for tile in (west_tile, east_tile):
        tile.parent.mkdir()
    return {
        "whole": _write(folder / "whole_2024.tif", codes, transform, **tags),
        "west": _write(west_tile, codes[:, :CUT].copy(), transform, **tags),
        "east": _write(east_tile, codes[:, CUT:].copy(), transform @ Affine.translation(CUT, 0), **tags),
    }


@pytest.fixture(scope="module")
def study_area() -> StudyArea:
    return StudyArea.from_boundaries(load_boundaries())


def _values(source, study_area: StudyArea) -> dict[str, float]:
    return {r.adcode: r.value for r in forest_coverage(source, study_area)}


def test_two_tiles_meeting_at_120e_measure_as_one_raster(wuxi_4326, study_area) -> None:
    one = _values(read_landcover(wuxi_4326["whole"]), study_area)
    mosaic = read_landcover_tiles([wuxi_4326["west"], wuxi_4326["east"]])
    assert mosaic.path.suffix == ".vrt" and (mosaic.scheme, mosaic.year) == ("worldcover", 2024)
    assert "2 tiles: WorldCover_2024_N30E117_Map.tif, WorldCover_2024_N30E120_Map.tif" in mosaic.source
    two = _values(mosaic, study_area)
    assert set(two) == set(one) and len(one) == 8
    for adcode, value in one.items():
        assert two[adcode] == pytest.approx(value, abs=0.01), adcode
    # Each tile alone sees only its side: the cut is real, and the mosaic put both halves back.
    west_only = _values(read_landcover(wuxi_4326["west"]), study_area)
    assert west_only["320282"] != pytest.approx(one["320282"], abs=0.01)  # 宜兴 reaches 120.1°E


def test_tiles_in_either_order_folder_or_zip_are_one_source(wuxi_4326, study_area, tmp_path) -> None:
    expected = _values(read_landcover_tiles([wuxi_4326["west"], wuxi_4326["east"]]), study_area)
    folder = tmp_path / "worldcover"
    folder.mkdir()
    for tile in ("west", "east"):
        (folder / wuxi_4326[tile].name).write_bytes(wuxi_4326[tile].read_bytes())
    (folder / "readme.txt").write_text("ESA WorldCover tiles", encoding="utf-8")
    archive = tmp_path / "worldcover.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        for tile in ("west", "east"):
            opened.write(wuxi_4326[tile], f"tiles/{wuxi_4326[tile].name}")
    for given in ([wuxi_4326["east"], wuxi_4326["west"]], folder, archive, [archive]):
        values = _values(read_landcover_tiles(given), study_area)
        for adcode, value in expected.items():
            assert values[adcode] == pytest.approx(value, abs=1e-9), (given, adcode)


def test_cli_takes_landcover_twice(wuxi_4326) -> None:
    command = [
        sys.executable,
        "-m",
        "wuxi_atlas.cli",
        "indicators",
        "--indicator",
        "forest_coverage",
        "-f",
        "csv",
    ]
    command += ["--landcover", str(wuxi_4326["west"]), "--landcover", str(wuxi_4326["east"])]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert "320282" in run.stdout and "Traceback" not in run.stderr


def test_catalog_stores_a_zip_of_tiles_as_one_mosaic(wuxi_4326, study_area, tmp_path) -> None:
    archive = tmp_path / "worldcover_2024.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        for tile in ("west", "east"):
            opened.write(wuxi_4326[tile], wuxi_4326[tile].name)
    report = check_layer("landcover", archive)
    assert report.usable, report.error
    catalog = Catalog(tmp_path / "catalog")
    entry = catalog.add("landcover", archive, user=STEWARD)
    assert entry.file.endswith(".tif") and entry.original_name == "worldcover_2024.zip"
    assert any("mosaicked from 2 tiles" in step for step in entry.conversion)
    stored = catalog.get("landcover")
    assert stored.path.suffix == ".tif"
    expected = _values(read_landcover(wuxi_4326["whole"]), study_area)
    for adcode, value in _values(stored, study_area).items():
        assert value == pytest.approx(expected[adcode], abs=0.01), adcode


# --- tiles that are not one raster --------------------------------------------------------------------

TILE = np.array([[10, 20, 30, 40]] * 4, dtype=np.uint8)


def _tile(
    folder: Path, name: str, west: float, *, res: float = 0.01, crs: str = "EPSG:4326", **tags: str
) -> Path:
    """A 4×4 tile of WorldCover codes whose west edge is ``west`` (°E), top edge 31.6°N (inside Wuxi)."""
    return _write(folder / name, TILE, Affine(res, 0, west, 0, -res, 31.6), crs=crs, **tags)


def test_tiles_in_different_crs_are_refused_naming_both(tmp_path) -> None:
    a = _tile(tmp_path, "a.tif", 120.26)
    b = _tile(tmp_path, "b.tif", 120.30, crs="EPSG:4490")
    with pytest.raises(CRSError) as caught:
        read_landcover_tiles([a, b])
    message = str(caught.value)
    assert "a.tif" in message and "b.tif" in message
    assert "EPSG:4326 (WGS 84)" in message and "EPSG:4490 (China Geodetic Coordinate System 2000)" in message


def test_tiles_of_different_resolution_are_refused_naming_both(tmp_path) -> None:
    a = _tile(tmp_path, "a.tif", 120.26)
    b = _tile(tmp_path, "b.tif", 120.30, res=0.02)
    with pytest.raises(LayerError, match=r"different resolutions: 0\.01 × 0\.01 and 0\.02 × 0\.02 \(degrees"):
        read_landcover_tiles([a, b])


def test_tiles_off_one_grid_are_refused(tmp_path) -> None:
    a = _tile(tmp_path, "a.tif", 120.26)
    b = _tile(tmp_path, "b.tif", 120.305)  # half a pixel east of a's grid
    with pytest.raises(LayerError, match=r"not on one pixel grid: b\.tif starts 0\.5 of a pixel off"):
        read_landcover_tiles([a, b])


def test_tiles_of_different_schemes_are_refused_naming_both(tmp_path) -> None:
    a = _tile(tmp_path, "a.tif", 120.26, SCHEME="worldcover")
    b = _tile(tmp_path, "b.tif", 120.30, SCHEME="glc_fcs30d")
    with pytest.raises(
        LayerError, match=r"a\.tif and b\.tif are in different land-cover schemes: worldcover and"
    ):
        read_landcover_tiles([a, b])
    # Untagged, the codes tell: a CLCD tile (3 = shrub, 9 = wetland) beside a WorldCover one.
    c = _write(
        tmp_path / "c.tif",
        np.array([[1, 3, 5, 9]] * 4, dtype=np.uint8),
        Affine(0.01, 0, 120.30, 0, -0.01, 31.6),
    )
    d = _tile(tmp_path, "d.tif", 120.26)
    with pytest.raises(
        LayerError, match=r"d\.tif and c\.tif are in different land-cover schemes: worldcover and clcd"
    ):
        read_landcover_tiles([d, c])
    # --scheme says what they all are.
    assert read_landcover_tiles([a, b], scheme="worldcover").scheme == "worldcover"


def test_tiles_of_different_years_are_refused(tmp_path) -> None:
    a = _tile(tmp_path, "a.tif", 120.26, YEAR="2020")
    b = _tile(tmp_path, "b.tif", 120.30, YEAR="2021")
    with pytest.raises(LayerError, match=r"different years: 2020 and 2021"):
        read_landcover_tiles([a, b])


def test_every_tile_is_checked_as_a_single_raster(tmp_path) -> None:
    good = _tile(tmp_path, "good.tif", 120.26)
    far = _tile(tmp_path, "far.tif", 100.0)  # in Yunnan
    with pytest.raises(LayerError, match=r"far\.tif: the raster lies entirely outside Wuxi"):
        read_landcover_tiles([good, far])
    broken = tmp_path / "broken.tif"
    broken.write_bytes(good.read_bytes()[:300])
    with pytest.raises(LayerReadError, match=r"broken\.tif"):
        read_landcover_tiles([good, broken])


def test_a_user_vrt_is_refused(tmp_path) -> None:
    vrt = tmp_path / "mosaic.vrt"
    vrt.write_text(
        '<VRTDataset rasterXSize="1" rasterYSize="1"><VRTRasterBand dataType="Byte" band="1">'
        '<SimpleSource><SourceFilename relativeToVRT="0">/etc/passwd</SourceFilename></SimpleSource>'
        "</VRTRasterBand></VRTDataset>",
        encoding="utf-8",
    )
    for given in (vrt, [vrt]):
        with pytest.raises(LayerReadError, match=r"mosaic\.vrt: a VRT names other files"):
            read_landcover_tiles(given)
    with pytest.raises(LayerReadError, match=r"'\.vrt' files cannot be read"):
        read_landcover(vrt)
    assert not check_layer("landcover", vrt).usable
    run = subprocess.run(
        [sys.executable, "-m", "wuxi_atlas.cli", "indicators", "--landcover", str(vrt)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2 and "a VRT names other files" in run.stderr and "Traceback" not in run.stderr


def test_a_folder_or_zip_without_tiles_says_what_it_holds(tmp_path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(
        LayerReadError, match=r"empty: the folder holds no GeoTIFF tiles .* it holds notes\.txt"
    ):
        read_landcover_tiles(folder)
    archive = tmp_path / "shapes.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        opened.writestr("a.shp", b"x")
    with pytest.raises(LayerReadError, match=r"shapes\.zip: the zip holds no GeoTIFF tiles"):
        read_landcover_tiles(archive)


def test_cli_layers_add_takes_a_folder_of_tiles(wuxi_4326, tmp_path) -> None:
    folder = tmp_path / "worldcover_2024"
    folder.mkdir()
    for tile in ("west", "east"):
        (folder / wuxi_4326[tile].name).write_bytes(wuxi_4326[tile].read_bytes())
    command = [sys.executable, "-m", "wuxi_atlas.cli", "layers", "add", "landcover", str(folder)]
    command += ["--catalog", str(tmp_path / "catalog"), "-q"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert "from worldcover_2024" in run.stdout and "mosaicked from 2 tiles" in run.stderr
    entry = Catalog(tmp_path / "catalog").entry("landcover")
    assert entry.file.endswith(".tif") and len(entry.sha256) == 64


def test_the_app_takes_a_zip_of_tiles_as_an_upload(wuxi_4326, tmp_path) -> None:
    assert "zip" in accepted_suffixes("landcover")
    archive = tmp_path / "tiles.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        for tile in ("west", "east"):
            opened.write(wuxi_4326[tile], wuxi_4326[tile].name)
    catalog = Catalog(tmp_path / "catalog")
    staged = stage_upload(
        "landcover", "tiles.zip", archive.read_bytes(), folder=tmp_path / "up", catalog=catalog
    )
    assert staged.original_name == "tiles.zip" and "mosaic of 2 tiles" in " ".join(staged.notes)
    assert catalog.commit(staged, user=STEWARD).file.endswith(".tif")


def test_cli_change_takes_tiles_for_each_year(wuxi_4326) -> None:
    tiles = [str(wuxi_4326["west"]), str(wuxi_4326["east"])]
    command = [sys.executable, "-m", "wuxi_atlas.cli", "change", "--district", "320282", "-f", "json"]
    command += ["--before", tiles[0], "--before", tiles[1], "--after", tiles[1], "--after", tiles[0]]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    rows = [row for row in json.loads(run.stdout) if row["adcode"] == "320282"]
    assert rows and all(row["net_ha"] == 0 and row["gained_ha"] == 0 for row in rows)  # the same year twice
    assert (
        sum(row["area_to_ha"] for row in rows) > 100_000
    )  # all of 宜兴 (about 2,000 km²), both sides of 120°E
