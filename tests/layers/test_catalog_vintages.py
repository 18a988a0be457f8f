"""Every catalog version has a year: given with --year, else stated by the file, else unknown; never the
file's modification time. Fixtures: two stations in a CSV near 梁溪 and a 16×16 WorldCover GeoTIFF."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner
from shapely.geometry import Point

from wuxi_atlas.analysis.errors import LayerError, LayerReadError
from wuxi_atlas.layers.catalog import Catalog, Role, User, check_layer

STEWARD = User("steward", Role.DATA_STEWARD)  # the catalog's changes take the acting user

# 2015-06-01, a year no fixture states: a year taken from the modification time would show it.
OLD_MTIME = 1_433_116_800


def _stations_csv(folder: Path, name: str = "stations.csv") -> Path:
    path = folder / name
    path.write_text(
        "name,type,piles,access,lon,lat\n站一,charging,4,public,120.30,31.57\n站二,swap,1,public,120.31,31.58\n",
        encoding="utf-8",
    )
    os.utime(path, (OLD_MTIME, OLD_MTIME))
    return path


def _raster(folder: Path, name: str = "landcover.tif", tags: dict[str, str] | None = None) -> Path:
    path = folder / name
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": 16,
        "height": 16,
        "count": 1,
        "dtype": "uint8",
        "crs": "EPSG:4549",
        "transform": Affine(30.0, 0.0, 528_000.0, 0.0, -30.0, 3_494_000.0),  # inside Wuxi
        "nodata": 0,
    }
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(np.resize(np.array([10, 20, 30, 50, 80], dtype="uint8"), (1, 16, 16)))
        dataset.update_tags(SCHEME="worldcover", **(tags or {}))
    os.utime(path, (OLD_MTIME, OLD_MTIME))
    return path


def _geopackage(folder: Path, metadata: dict[str, str] | None) -> Path:
    path = folder / "stations.gpkg"
    frame = gpd.GeoDataFrame(
        {"name": ["a"], "type": ["charging"], "piles": [3], "access": ["public"]},
        geometry=[Point(120.30, 31.57)],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(frame, path, layer="stations", layer_metadata=metadata)
    os.utime(path, (OLD_MTIME, OLD_MTIME))
    return path


def test_year_given_with_year_is_stored_in_the_manifest_and_shown(tmp_path: Path) -> None:
    from wuxi_atlas.cli import geoplan

    catalog = tmp_path / "catalog"
    csv_path = _stations_csv(tmp_path)
    runner = CliRunner()
    added = runner.invoke(
        geoplan, ["layers", "add", "stations", str(csv_path), "--year", "2023", "--catalog", str(catalog)]
    )
    assert added.exit_code == 0, added.output
    assert "year 2023 from --year" in added.output
    manifest = json.loads((catalog / "manifest.json").read_text(encoding="utf-8"))
    [version] = manifest["kinds"]["stations"]["versions"]
    assert (version["year"], version["year_source"], version["vintage"]) == (2023, "--year", "2023")
    listed = runner.invoke(geoplan, ["layers", "history", "stations", "--catalog", str(catalog)])
    header, _, row = listed.output.splitlines()[:3]
    assert header.split()[2] == "year" and row.split()[3] == "2023"  # "v1 *", features, year
    as_json = runner.invoke(geoplan, ["layers", "list", "--catalog", str(catalog), "-f", "json"])
    assert json.loads(as_json.output)[0]["year"] == 2023
    assert Catalog(catalog).get("stations").vintage == "2023"
    refused = runner.invoke(
        geoplan, ["layers", "add", "stations", str(csv_path), "--year", "23", "--catalog", str(catalog)]
    )
    assert refused.exit_code == 2 and "--year" in refused.output
    with pytest.raises(LayerError, match="--year must be a year from 1900 to 2100"):
        Catalog(catalog).add("stations", csv_path, year=3023, user=STEWARD)
    assert len(Catalog(catalog).history("stations")) == 1


@pytest.mark.parametrize(
    ("tags", "source"),
    [
        ({"YEAR": "2021"}, "YEAR tag"),
        ({"DATE": "2021-12-31"}, "DATE tag"),
        ({"TIFFTAG_DATETIME": "2021:06:30 08:00:00"}, "TIFFTAG_DATETIME tag (when the file was made)"),
    ],
)
def test_a_raster_year_comes_from_its_tags(tmp_path: Path, tags: dict[str, str], source: str) -> None:
    entry = Catalog(tmp_path / "catalog").add("landcover", _raster(tmp_path, tags=tags), user=STEWARD)
    assert (entry.year, entry.year_source) == (2021, source)
    assert Catalog(tmp_path / "catalog").get("landcover").year == 2021


def test_a_year_from_a_manifest_beside_the_file_or_the_layer_metadata(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.json").write_text('{"year": 2022}', encoding="utf-8")
    raster = Catalog(tmp_path / "c1").add("landcover", _raster(tmp_path), user=STEWARD)
    assert (raster.year, raster.year_source) == (2022, "year in MANIFEST.json")
    (tmp_path / "MANIFEST.json").unlink()
    stations = Catalog(tmp_path / "c2").add(
        "stations", _geopackage(tmp_path, {"vintage": "2020"}), user=STEWARD
    )
    assert stations.year == 2020 and "metadata" in stations.year_source
    assert check_layer("stations", tmp_path / "stations.gpkg").to_record()["year"] == 2020


def test_the_modification_time_never_gives_a_year(tmp_path: Path) -> None:
    csv_path = _stations_csv(tmp_path)
    entry = Catalog(tmp_path / "catalog").add("stations", csv_path, user=STEWARD)
    assert entry.year is None and entry.vintage == "" and entry.year_source == ""
    assert any("vintage is unknown" in note for note in entry.notes)
    assert not any("2015" in note for note in entry.notes)
    raster = Catalog(tmp_path / "catalog").add("landcover", _raster(tmp_path), user=STEWARD)
    assert raster.year is None and Catalog(tmp_path / "catalog").get("landcover").year is None
    report = check_layer("stations", csv_path)
    assert "  year: unknown (the file states none; give it with --year)" in report.lines()
    # The same file with --year has one.
    assert Catalog(tmp_path / "catalog").add("stations", csv_path, year=2024, user=STEWARD).year == 2024


def _manifest_with(tmp_path: Path, **changes: Any) -> Path:
    catalog = Catalog(tmp_path / "catalog")
    catalog.add("stations", _stations_csv(tmp_path), year=2023, user=STEWARD)
    path = catalog.root / "manifest.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    version = document["kinds"]["stations"]["versions"][0]
    for key, value in changes.items():
        if value is None and key.startswith("drop_"):
            version.pop(key.removeprefix("drop_"), None)
        else:
            version[key] = value
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("year", "problem"),
    [("2023", "must be an integer or null"), (1850, "from 1900 to 2100"), (True, "integer")],
)
def test_the_manifest_schema_checks_the_year(tmp_path: Path, year: object, problem: str) -> None:
    _manifest_with(tmp_path, year=year)
    with pytest.raises(LayerReadError, match=rf"kinds\.stations\.versions\[0\]\.year .*{problem}"):
        Catalog(tmp_path / "catalog").list()


def test_an_older_manifest_without_a_year_still_loads(tmp_path: Path) -> None:
    _manifest_with(tmp_path, drop_year=None, drop_year_source=None)
    [entry] = Catalog(tmp_path / "catalog").list()
    assert entry.year == 2023  # its vintage, a year the file stated
    guessed = ["the file states no year; vintage taken from its modification time (2015)"]
    (tmp_path / "older").mkdir()
    _manifest_with(tmp_path / "older", drop_year=None, drop_year_source=None, vintage="2015", notes=guessed)
    [entry] = Catalog(tmp_path / "older" / "catalog").list()
    assert entry.year is None  # an old import's guess from the modification time is not a year
