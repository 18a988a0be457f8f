"""layers.catalog, the folder backend's own promises: its files and manifest, a manifest write that fails,
the default folder, and the check of a file before import. What every backend promises (versions kept,
provenance recorded, imports atomic, concurrent imports serialised, the CLI) is in
test_catalog_backends.py, run against the folder and a live PostGIS.

Fixtures are two stations in a CSV (GCJ-02, as scraped from Amap) and a 16×16 WorldCover raster.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from catalog_files import landcover_tif as _landcover
from catalog_files import stations_csv as _stations_csv

from wuxi_atlas.analysis.errors import AtlasError, LayerReadError
from wuxi_atlas.layers.catalog import (
    MANIFEST_FORMAT,
    Catalog,
    Role,
    User,
    catalog_dir,
    check_layer,
)
from wuxi_atlas.layers.catalog import check as check_module
from wuxi_atlas.layers.catalog import folder as catalog_module

STEWARD = User("steward", Role.DATA_STEWARD)  # the catalog's changes take the acting user


def _snapshot(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): "dir"
        if path.is_dir()
        else hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
    }


# ------------------------------------------------------------------------------ files and manifest


def test_a_version_is_a_file_named_in_the_manifest(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    entry = catalog.add("stations", _stations_csv(tmp_path), lonlat_crs="gcj02", user=STEWARD)
    assert entry.file == "layers/stations/v0001.gpkg"
    manifest = json.loads((catalog.root / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == MANIFEST_FORMAT
    assert manifest["kinds"]["stations"]["current"] == 1
    assert catalog.path("stations") == catalog.root / entry.file
    raster = catalog.add("landcover", _landcover(tmp_path), user=STEWARD)
    assert raster.file == "rasters/landcover/v0001.tif"
    from wuxi_atlas.analysis.paths import boundaries_path

    assert catalog.add("districts", boundaries_path(), user=STEWARD).file.endswith(".geojson")


def test_stage_creates_no_folder(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    Catalog(root).stage("stations", _stations_csv(tmp_path), lonlat_crs="gcj02")
    assert not root.exists()


def test_removal_keeps_the_files(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    for name in ("a.csv", "b.csv", "c.csv"):
        catalog.add("stations", _stations_csv(tmp_path, name), user=STEWARD)
    catalog.remove("stations", version=3, user=STEWARD)
    # A removal is soft: the file stays.
    assert (catalog.root / "layers/stations/v0003.gpkg").exists()
    catalog.remove("stations", user=STEWARD)
    assert sorted(p.name for p in (catalog.root / "layers/stations").iterdir()) == [
        "v0001.gpkg",
        "v0002.gpkg",
        "v0003.gpkg",
    ]


def test_manifest_write_failure_inside_replace_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = Catalog(tmp_path / "catalog")
    catalog.add("stations", _stations_csv(tmp_path), user=STEWARD)
    before = _snapshot(catalog.root)
    real_replace = os.replace

    def failing_replace(source: Any, target: Any) -> None:
        if Path(target).name == "manifest.json":
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(catalog_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        catalog.add("stations", _stations_csv(tmp_path, "new.csv"), user=STEWARD)
    assert _snapshot(catalog.root) == before


def test_catalog_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(tmp_path / "mine"))
    assert catalog_dir() == tmp_path / "mine"
    assert Catalog().root == tmp_path / "mine"
    monkeypatch.delenv("GEOPLAN_CATALOG_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert catalog_dir() == tmp_path / "xdg" / "geoplan" / "catalog"


def test_a_damaged_manifest_is_a_clear_error(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(LayerReadError, match=r"manifest\.json is not valid JSON"):
        catalog.list()
    (tmp_path / "manifest.json").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(LayerReadError, match="is this the right directory"):
        catalog.list()


def test_cli_check_exit_codes_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from wuxi_atlas import cli

    def run(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["geoplan", *args])
        with pytest.raises(SystemExit) as exited:
            cli.main()
        captured = capsys.readouterr()
        return int(exited.value.code or 0), captured.out + captured.err

    code, text = run("check", "stations", str(_stations_csv(tmp_path)), "--lonlat-crs", "gcj02")
    assert code == 0 and "usable as a stations layer" in text and "features: 2" in text
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    code, text = run("check", "stations", str(bad))
    assert code == 2 and "NOT usable" in text and "Traceback" not in text

    code, text = run(
        "layers", "add", "stations", str(tmp_path / "missing.csv"), "--catalog", str(tmp_path / "c")
    )
    assert code == 2 and text.startswith("Error:") and "Traceback" not in text

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise ZeroDivisionError("a bug in a reader")

    monkeypatch.setattr(check_module, "stage_layer", explode)
    code, text = run("check", "stations", str(_stations_csv(tmp_path)))
    assert code == 2 and "unexpected ZeroDivisionError" in text and "Traceback" not in text


def test_check_layer_report_record(tmp_path: Path) -> None:
    report = check_layer("stations", _stations_csv(tmp_path), lonlat_crs="gcj02")
    record = report.to_record()
    assert record["usable"] and record["feature_count"] == 2
    assert record["source_crs"] == "GCJ-02 longitude/latitude (declared)"
    assert isinstance(AtlasError, type)
