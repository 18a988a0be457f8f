"""The synthetic demo dataset: determinism, file structure, labelling, and the shipped files' plausibility.

The generator runs here on a coarse 300 m test grid (a few seconds); the shipped 30 m files are only read.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio
from click.testing import CliRunner
from rasterio import features

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.errors import DataFileError
from wuxi_atlas.analysis.paths import shipped_data_dir
from wuxi_atlas.demo.codes import WORLDCOVER_CLASSES
from wuxi_atlas.demo.generate import demo_output_paths, generate_demo_data
from wuxi_atlas.demo.manifest import DEFAULT_SEED, DEMO_GPKG, DEMO_LAYERS, GENERATOR
from wuxi_atlas.demo.rasters import raster_name
from wuxi_atlas.demo.snapshots import SNAPSHOT_YEARS
from wuxi_atlas.demo.survey import DLMC, SURVEY_FIELDS, SURVEY_YEARS
from wuxi_atlas.layers.defaults import DEMO_HISTORY_GPKG, history_layer_name

COARSE_M = 300
SHIPPED = shipped_data_dir()
ALLOWED_CODES = {0, *WORLDCOVER_CLASSES}
HISTORY_LAYERS = [history_layer_name("landcover", y) for y in SURVEY_YEARS] + [
    history_layer_name("stations", y) for y in SNAPSHOT_YEARS
]
WOODY_DLBM = {"0201", "0202", "0301", "0302", "0305", "0307"}

REQUIRED_COLUMNS = {
    "wetlands": {"name": str, "wetland_type": str},
    "protected_areas": {"name": str, "protection_type": str, "level": str},
    "builtup": {"name": str, "year": int},
    "buildings": {"building_type": str, "roof_area_m2": float},
    "pv_sites": {"name": str, "capacity_kw": float, "kind": str, "year": int},
    "stations": {"name": str, "type": str, "piles": int, "access": str, "operator": str},
}
ALLOWED_VALUES = {
    ("wetlands", "wetland_type"): {"river", "lake", "reservoir", "pond", "marsh", "tidal_flat"},
    ("protected_areas", "protection_type"): {"nature_reserve", "wetland_park", "protection_plot", "other"},
    ("protected_areas", "level"): {"national", "provincial", "municipal"},
    ("buildings", "building_type"): {
        "government",
        "school_hospital",
        "industrial_commercial",
        "urban_residential",
        "rural_home",
    },
    ("pv_sites", "kind"): {"rooftop", "ground", "floating"},
    ("stations", "type"): {"charging", "swap", "hydrogen"},
    ("stations", "access"): {"public", "dedicated", "private"},
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read(path: Path) -> np.ndarray:
    with rasterio.open(path) as dataset:
        return dataset.read(1)


@pytest.fixture(scope="module")
def coarse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate_demo_data(out, resolution=COARSE_M)


def test_writes_every_file_it_names(coarse):
    out, manifest = coarse
    expected = demo_output_paths(out, COARSE_M)
    assert all(path.is_file() for path in expected)
    assert {f.path for f in manifest.files} == {
        str(p.relative_to(out)) for p in expected if p.name != "MANIFEST.json"
    }


def test_same_seed_gives_identical_files(coarse, tmp_path):
    out, manifest = coarse
    again = generate_demo_data(tmp_path, resolution=COARSE_M)
    assert [(f.path, f.sha256) for f in again.files] == [(f.path, f.sha256) for f in manifest.files]
    for year in (2020, 2024):
        name = raster_name(year, COARSE_M)
        assert np.array_equal(_read(out / "rasters" / name), _read(tmp_path / "rasters" / name))
    assert again.calibration == manifest.calibration


def test_another_seed_gives_another_landscape(coarse, tmp_path):
    out, _ = coarse
    generate_demo_data(tmp_path, resolution=COARSE_M, seed=DEFAULT_SEED + 1, vectors=False)
    name = raster_name(2024, COARSE_M)
    first, second = _read(out / "rasters" / name), _read(tmp_path / "rasters" / name)
    assert first.shape == second.shape
    assert np.mean(first != second) > 0.05
    assert not (tmp_path / "demo" / DEMO_GPKG).exists()  # vectors=False writes rasters only


def test_rasters_are_tagged_cogs_in_epsg_4549(coarse):
    out, _ = coarse
    for year in (2020, 2024):
        with rasterio.open(out / "rasters" / raster_name(year, COARSE_M)) as dataset:
            assert dataset.crs.to_epsg() == 4549
            assert dataset.profile["tiled"] and dataset.block_shapes[0] == (512, 512)
            assert dataset.compression.name == "deflate"
            assert dataset.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
            assert dataset.overviews(1)
            assert dataset.nodata == 0
            assert dataset.transform.a == COARSE_M and dataset.transform.c % COARSE_M == 0
            assert dataset.transform.f % COARSE_M == 0
            tags = dataset.tags()
            assert tags["SYNTHETIC"] == "true" and tags["YEAR"] == str(year)
            assert tags["SCHEME"] == "worldcover" and tags["GENERATOR"] == GENERATOR
            assert tags["SEED"] == str(DEFAULT_SEED)
            assert "SYNTHETIC" in tags["DESCRIPTION"]
            assert dataset.colormap(1)[50][:3] == (250, 0, 0)
            codes = set(np.unique(dataset.read(1)).tolist())
            assert codes <= ALLOWED_CODES
            assert {10, 40, 50, 80} <= codes


def test_2024_is_2020_plus_plausible_change(coarse):
    out, _ = coarse
    before = _read(out / "rasters" / raster_name(2020, COARSE_M))
    after = _read(out / "rasters" / raster_name(2024, COARSE_M))
    assert np.array_equal(before == 0, after == 0)
    assert np.array_equal(before == 80, after == 80)  # water is the same in both years
    assert np.count_nonzero(after == 50) > np.count_nonzero(before == 50)  # the city grows
    assert np.count_nonzero((before == 40) & (after == 50)) > 0
    assert np.count_nonzero((before == 40) & (after == 10)) > 0  # afforestation


def test_layers_have_fields_values_and_synthetic_metadata(coarse):
    out, _ = coarse
    gpkg = out / "demo" / DEMO_GPKG
    assert [name for name, _ in pyogrio.list_layers(gpkg)] == list(DEMO_LAYERS)
    for layer, columns in REQUIRED_COLUMNS.items():
        frame = pyogrio.read_dataframe(gpkg, layer=layer)
        assert len(frame) > 0, layer
        assert frame.crs.to_epsg() == 4326, layer
        for column, kind in columns.items():
            assert column in frame, (layer, column)
            assert frame[column].notna().all(), (layer, column)
            assert all(
                isinstance(v, kind) or (kind is float and isinstance(v, int)) for v in frame[column].tolist()
            )
        metadata = pyogrio.read_info(gpkg, layer=layer)["layer_metadata"]
        assert metadata["synthetic"] == "true" and metadata["seed"] == str(DEFAULT_SEED), layer
    for (layer, column), allowed in ALLOWED_VALUES.items():
        values = set(pyogrio.read_dataframe(gpkg, layer=layer, columns=[column], read_geometry=False)[column])
        assert values <= allowed, (layer, column, values - allowed)
    stations = pyogrio.read_dataframe(gpkg, layer="stations")
    assert (stations["piles"] >= 0).all()
    pv = pyogrio.read_dataframe(gpkg, layer="pv_sites")
    assert (pv["year"] <= 2024).all() and (pv["capacity_kw"] > 0).all()
    buildings = pyogrio.read_dataframe(gpkg, layer="buildings")
    metric = buildings.to_crs("EPSG:4549")
    assert np.allclose(metric.geometry.area, buildings["roof_area_m2"], rtol=1e-3, atol=0.2)


def test_land_survey_vintages_have_the_survey_fields_in_epsg_4549(coarse):
    out, manifest = coarse
    gpkg = out / "demo" / DEMO_HISTORY_GPKG
    assert [name for name, _ in pyogrio.list_layers(gpkg)] == HISTORY_LAYERS
    adcodes = {a for a in load_boundaries()["adcode"] if a != "320200"}
    woody: dict[int, float] = {}
    for year in SURVEY_YEARS:
        layer = history_layer_name("landcover", year)
        frame = pyogrio.read_dataframe(gpkg, layer=layer)
        metadata = pyogrio.read_info(gpkg, layer=layer)["layer_metadata"]
        assert metadata["synthetic"] == "true" and metadata["vintage"] == str(year)
        assert frame.crs.to_epsg() == 4549
        assert list(frame.columns[:-1]) == list(SURVEY_FIELDS)
        assert frame["BSM"].is_unique and frame["BSM"].str.len().eq(18).all()
        assert set(frame["DLBM"]) <= set(DLMC) and (frame["DLMC"] == frame["DLBM"].map(DLMC)).all()
        assert {"0101", "0301", "0702", "1101", "1102", "1104"} <= set(frame["DLBM"])
        assert frame["ZLDWDM"].str.len().eq(19).all() and set(frame["ZLDWDM"].str[:6]) == adcodes
        # TBMJ is the ellipsoidal area: within 0.02% of the EPSG:4549 area near its central meridian.
        assert np.allclose(frame["TBMJ"], frame.geometry.area, rtol=2e-4)
        cropland = frame["DLBM"].isin(["0101", "0102", "0103"])
        assert (frame.loc[cropland, "TBDLMJ"] < frame.loc[cropland, "TBMJ"]).all()
        assert (frame.loc[~cropland, "TBDLMJ"] == frame.loc[~cropland, "TBMJ"]).all()
        woody[year] = frame.loc[frame["DLBM"].isin(WOODY_DLBM), "TBDLMJ"].sum()
        assert woody[year] == pytest.approx(
            manifest.calibration["land_survey_woody_pct"][str(year)]["320200"] / 100 * 4627.47e6, rel=1e-3
        )
    # Consistent with the rasters: within a point of the 2020 proxy, and not the same every vintage.
    raster_2020 = manifest.calibration["forest_coverage_2020_pct"]["320200"]
    assert all(abs(100 * w / 4627.47e6 - raster_2020) < 1.5 for w in woody.values())
    assert len({round(w) for w in woody.values()}) == len(SURVEY_YEARS)


def test_station_snapshots_grow_toward_2024(coarse):
    out, _ = coarse
    gpkg = out / "demo" / DEMO_HISTORY_GPKG
    latest = pyogrio.read_dataframe(out / "demo" / DEMO_GPKG, layer="stations")
    snapshots = {
        y: pyogrio.read_dataframe(gpkg, layer=history_layer_name("stations", y)) for y in SNAPSHOT_YEARS
    }
    frames = [*snapshots.values(), latest]
    piles = [int(f.loc[f["type"] == "charging", "piles"].sum()) for f in frames]
    swaps = [int(((f["type"] == "swap") & (f["access"] == "public")).sum()) for f in frames]
    hydrogen = [int((f["type"] == "hydrogen").sum()) for f in frames]
    assert piles == sorted(piles) and piles[0] < 0.75 * piles[-1]
    assert swaps[:2] == [25, 35] and hydrogen[:2] == [2, 3]
    for year, frame in snapshots.items():
        assert set(frame["name"]) <= set(latest["name"])  # a snapshot holds stations of the 2024 layer
        metadata = pyogrio.read_info(gpkg, layer=history_layer_name("stations", year))["layer_metadata"]
        assert metadata["synthetic"] == "true" and metadata["vintage"] == str(year)


def test_manifest_says_synthetic_and_hashes_match(coarse):
    out, manifest = coarse
    record = json.loads((out / "demo" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert record["synthetic"] is True and record["seed"] == DEFAULT_SEED
    assert record == manifest.to_record()
    for item in record["files"]:
        assert _sha256(out / item["path"]) == item["sha256"]
    assert set(record["layer_counts"]) == {*DEMO_LAYERS, *HISTORY_LAYERS}
    assert all(item["synthetic"] is True for item in record["files"])
    assert "SYNTHETIC" in (out / "demo" / "README.md").read_text(encoding="utf-8")


def test_existing_files_are_never_overwritten_without_the_flag(coarse):
    out, manifest = coarse
    with pytest.raises(DataFileError, match="overwrite"):
        generate_demo_data(out, resolution=COARSE_M)
    assert _sha256(out / manifest.files[0].path) == manifest.files[0].sha256


def test_cli_refuses_to_overwrite(tmp_path):
    from wuxi_atlas.cli import geoplan

    (tmp_path / "rasters").mkdir()
    (tmp_path / "rasters" / raster_name(2024, 30)).write_bytes(b"keep me")
    result = CliRunner().invoke(geoplan, ["demo-data", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "--overwrite" in result.output
    assert (tmp_path / "rasters" / raster_name(2024, 30)).read_bytes() == b"keep me"


# ---------------------------------------------------------------------------------------- shipped files


def test_shipped_files_exist_and_match_their_manifest():
    record = json.loads((SHIPPED / "demo" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert record["synthetic"] is True and record["generator"] == GENERATOR
    assert record["resolution_m"] == 30
    paths = {item["path"] for item in record["files"]}
    assert {
        "rasters/landcover_2020_30m.tif",
        "rasters/landcover_2024_30m.tif",
        f"demo/{DEMO_GPKG}",
        f"demo/{DEMO_HISTORY_GPKG}",
    } <= paths
    for item in record["files"]:
        path = SHIPPED / item["path"]
        assert path.is_file(), path
        assert path.stat().st_size == item["bytes"], path
        assert item["synthetic"] is True
    history = SHIPPED / "demo" / DEMO_HISTORY_GPKG
    assert history.stat().st_size < 5e6  # the vintages stay small
    assert next(i for i in record["files"] if i["path"] == f"demo/{DEMO_HISTORY_GPKG}")["sha256"] == _sha256(
        history
    )
    assert [name for name, _ in pyogrio.list_layers(history)] == HISTORY_LAYERS


@pytest.fixture(scope="module")
def shipped_2024() -> tuple[np.ndarray, np.ndarray, dict[str, float], float]:
    path = SHIPPED / "rasters" / raster_name(2024, 30)
    boundaries = load_boundaries().to_crs("EPSG:4549")
    districts = boundaries[boundaries["adcode"] != "320200"].reset_index(drop=True)
    with rasterio.open(path) as dataset:
        classes = dataset.read(1)
        zones = features.rasterize(
            [(geom, i + 1) for i, geom in enumerate(districts.geometry)],
            out_shape=classes.shape,
            transform=dataset.transform,
            fill=0,
            dtype="uint8",
        )
        pixel_km2 = abs(dataset.transform.a * dataset.transform.e) / 1e6
    official = dict(zip(boundaries["adcode"], boundaries["official_area_km2"], strict=True))
    ids = {adcode: i + 1 for i, adcode in enumerate(districts["adcode"])}
    return classes, zones, {"ids": ids, "official": official}, pixel_km2


def _share(classes: np.ndarray, zones: np.ndarray, zone: int, codes: tuple[int, ...]) -> float:
    inside = zones == zone
    return float(np.isin(classes[inside], codes).mean())


def test_shipped_raster_is_plausible_for_wuxi(shipped_2024):
    classes, zones, info, pixel_km2 = shipped_2024
    ids, official = info["ids"], info["official"]
    assert 0.30 <= _share(classes, zones, ids["320211"], (80,)) <= 0.60  # Taihu in 滨湖
    assert _share(classes, zones, ids["320213"], (50,)) > 0.50  # 梁溪 is dense city
    woody_km2 = np.count_nonzero(np.isin(classes, (10, 20))) * pixel_km2
    assert 0.24 <= woody_km2 / official["320200"] <= 0.30
    woody = {
        adcode: np.count_nonzero(np.isin(classes[zones == i], (10, 20))) * pixel_km2 / official[adcode]
        for adcode, i in ids.items()
    }
    ranked = sorted(woody, key=woody.get)
    assert set(ranked[:2]) == {"320213", "320214"} and set(ranked[-2:]) == {"320211", "320282"}
